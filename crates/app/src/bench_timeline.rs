//! Where the wall time of a `bench plan` run goes, from the proxy's log of every call (when it
//! was received and answered): the inventory's lead before the first member read, each member
//! account's span and its round trips in sequence, how full the read slots were, the time each
//! call spent beyond the injected latency (the emulator and its queue), the time each kind of
//! call spent inside the emulator, and the tail after the last member answer.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// The Organizations calls of the inventory (SCP reads are not).
const INVENTORY_ACTIONS: [&str; 5] = [
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListTagsForResource",
];

/// One call as the proxy logged it: account, `service:Action`, received and answered since the
/// run started, its time inside the emulator and waiting to enter it.
pub use warden_emulator::CallRecord as Call;

/// The time calls of one action spent inside the emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionTimes {
    pub action: String,
    pub calls: usize,
    pub mean: Duration,
    pub median: Duration,
    /// Mean wait to be admitted into the emulator.
    pub mean_admission_wait: Duration,
}

impl ActionTimes {
    /// By action, the most time inside the emulator first.
    pub fn of(calls: &[Call]) -> Vec<ActionTimes> {
        let mut by_action: BTreeMap<&str, Vec<&Call>> = BTreeMap::new();
        for call in calls {
            by_action.entry(&call.action).or_default().push(call);
        }
        let mut times: Vec<ActionTimes> = by_action
            .into_iter()
            .map(|(action, calls)| {
                let mut inside: Vec<Duration> = calls.iter().map(|call| call.in_emulator).collect();
                inside.sort();
                let count = u32::try_from(calls.len()).unwrap_or(u32::MAX).max(1);
                ActionTimes {
                    action: action.to_owned(),
                    calls: calls.len(),
                    mean: inside.iter().sum::<Duration>() / count,
                    median: inside[inside.len() / 2],
                    mean_admission_wait: calls
                        .iter()
                        .map(|call| call.admission_wait)
                        .sum::<Duration>()
                        / count,
                }
            })
            .collect();
        times.sort_by_key(|times| std::cmp::Reverse(times.mean * times.calls as u32));
        times
    }
}

/// What the log of one run says.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// When the first member-account call was received.
    pub first_member_call: Duration,
    /// When the last Organizations call of the inventory was answered.
    pub inventory_done: Duration,
    /// When the last member-account call was answered.
    pub last_member_answer: Duration,
    /// Member accounts seen in the log.
    pub accounts: usize,
    /// Mean time from an account's first call received to its last answered.
    pub mean_account_span: Duration,
    /// Mean round trips an account makes one after another (calls that start only after every
    /// earlier call of the account was answered begin a new one).
    pub mean_round_trips: f64,
    /// Mean accounts in flight over the read phase (first member call to last member answer).
    pub mean_accounts_in_flight: f64,
    /// Free read slots while some account of the log had not started yet, in slot-seconds
    /// (each of the `concurrency` slots counts): slots waiting for the inventory's pages or
    /// for Warden to start the next account.
    pub idle_slot_time: Duration,
    /// `idle_slot_time` as a share of the slots' time from the first member call to the last
    /// account's start.
    pub idle_slot_share: f64,
    /// Mean time a call took beyond the injected latency: the emulator and its queue.
    pub mean_beyond_latency: Duration,
    /// Calls in the log.
    pub calls: usize,
    /// The sum of every call's time inside the emulator: with calls served one at a time, the
    /// emulator's serial work.
    pub in_emulator: Duration,
    /// Time inside the emulator by action.
    pub by_action: Vec<ActionTimes>,
}

impl Timeline {
    /// Reads the log of one run; `members` are the member account ids, `latency` what the
    /// proxy added to each call. `None` when no member call was logged.
    pub fn of(
        calls: &[Call],
        members: &HashSet<&str>,
        latency: Duration,
        concurrency: usize,
    ) -> Option<Timeline> {
        let mut by_account: BTreeMap<&str, Vec<&Call>> = BTreeMap::new();
        let mut inventory_done = Duration::ZERO;
        let mut beyond = Duration::ZERO;
        for call in calls {
            beyond += call
                .answered
                .saturating_sub(call.received)
                .saturating_sub(latency);
            if members.contains(call.account.as_str()) {
                by_account.entry(&call.account).or_default().push(call);
            } else if INVENTORY_ACTIONS.contains(&call.action.as_str()) {
                inventory_done = inventory_done.max(call.answered);
            }
        }
        let first_member_call = by_account
            .values()
            .flatten()
            .map(|call| call.received)
            .min()?;
        let last_member_answer = by_account
            .values()
            .flatten()
            .map(|call| call.answered)
            .max()?;
        // Each account's span and its round trips in sequence.
        let mut spans = Vec::with_capacity(by_account.len());
        let mut round_trips = 0_usize;
        for account_calls in by_account.values_mut() {
            account_calls.sort_by_key(|call| call.received);
            let mut answered_so_far = Duration::ZERO;
            for (index, call) in account_calls.iter().enumerate() {
                if index == 0 || call.received >= answered_so_far {
                    round_trips += 1;
                }
                answered_so_far = answered_so_far.max(call.answered);
            }
            let start = account_calls.first().map_or(Duration::ZERO, |c| c.received);
            spans.push((start, answered_so_far));
        }
        let accounts = spans.len();
        let total_span: Duration = spans.iter().map(|(start, end)| *end - *start).sum();
        let phase = last_member_answer.saturating_sub(first_member_call);
        // Sweep over account starts and ends: accounts in flight, and the time with a free
        // slot while an account of the log was still to start.
        let mut events: Vec<(Duration, i64)> = spans
            .iter()
            .flat_map(|(start, end)| [(*start, 1), (*end, -1)])
            .collect();
        events.sort();
        let last_start = spans.iter().map(|(start, _)| *start).max()?;
        let mut in_flight = 0_i64;
        let mut idle_slot_time = Duration::ZERO;
        let mut previous = first_member_call;
        for (at, change) in events {
            let free = concurrency.saturating_sub(usize::try_from(in_flight).unwrap_or(0));
            if previous < last_start && free > 0 {
                idle_slot_time += at.min(last_start).saturating_sub(previous) * free as u32;
            }
            in_flight += change;
            previous = at;
        }
        let slots_time = last_start.saturating_sub(first_member_call) * concurrency.max(1) as u32;
        Some(Timeline {
            first_member_call,
            inventory_done,
            last_member_answer,
            accounts,
            mean_account_span: total_span / accounts.max(1) as u32,
            mean_round_trips: round_trips as f64 / accounts.max(1) as f64,
            mean_accounts_in_flight: total_span.as_secs_f64() / phase.as_secs_f64().max(1e-9),
            idle_slot_time,
            idle_slot_share: idle_slot_time.as_secs_f64() / slots_time.as_secs_f64().max(1e-9),
            mean_beyond_latency: beyond / calls.len().max(1) as u32,
            calls: calls.len(),
            in_emulator: calls.iter().map(|call| call.in_emulator).sum(),
            by_action: ActionTimes::of(calls),
        })
    }

    /// The read phase's floor from its structure: the inventory's lead, then every account's
    /// round trips at `latency`, `concurrency` accounts at a time.
    pub fn structural_floor(&self, latency: Duration, concurrency: usize) -> Duration {
        let waves = self.accounts.div_ceil(concurrency.max(1)) as f64;
        self.first_member_call + latency.mul_f64(waves * self.mean_round_trips)
    }
}

impl std::fmt::Display for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |d: Duration| d.as_secs_f64();
        writeln!(
            f,
            "    first member call at {:.2} s, inventory listed at {:.2} s, last member answer at {:.2} s ({} calls logged)",
            s(self.first_member_call),
            s(self.inventory_done),
            s(self.last_member_answer),
            self.calls
        )?;
        writeln!(
            f,
            "    per account: {:.2} round trips in sequence, span {:.0} ms mean; {:.1} accounts in flight on average",
            self.mean_round_trips,
            self.mean_account_span.as_secs_f64() * 1000.0,
            self.mean_accounts_in_flight
        )?;
        write!(
            f,
            "    read slots free while accounts were still to start: {:.2} slot-s ({:.1} % of the slots' time); per call beyond the injected latency (emulator and its queue): {:.1} ms mean",
            s(self.idle_slot_time),
            100.0 * self.idle_slot_share,
            self.mean_beyond_latency.as_secs_f64() * 1000.0
        )?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let actions: Vec<String> = self
            .by_action
            .iter()
            .map(|times| {
                let wait = if times.mean_admission_wait.is_zero() {
                    String::new()
                } else {
                    format!(", waited {:.1} ms to enter", ms(times.mean_admission_wait))
                };
                format!(
                    "{} ×{} {:.1}/{:.1} ms{wait}",
                    times.action,
                    times.calls,
                    ms(times.mean),
                    ms(times.median)
                )
            })
            .collect();
        write!(
            f,
            "\n    inside moto, mean/median per call: {}; {:.2} s inside moto in all",
            actions.join("; "),
            s(self.in_emulator)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(account: &str, action: &str, received_ms: u64, answered_ms: u64) -> Call {
        Call {
            account: account.to_owned(),
            action: action.to_owned(),
            received: Duration::from_millis(received_ms),
            answered: Duration::from_millis(answered_ms),
            // Inside the emulator: what the call took beyond 100 ms, the latency of the test.
            in_emulator: Duration::from_millis((answered_ms - received_ms).saturating_sub(100)),
            admission_wait: Duration::ZERO,
        }
    }

    #[test]
    fn round_trips_spans_and_idle_slots_come_from_the_log() {
        let calls = vec![
            call("mgmt", "organizations:ListRoots", 0, 100),
            call("mgmt", "organizations:ListAccountsForParent", 100, 200),
            // a: AssumeRole, then two reads side by side: two round trips.
            call("a", "sts:AssumeRole", 200, 300),
            call("a", "iam:GetAccountAuthorizationDetails", 300, 420),
            call("a", "iam:ListRoles", 305, 410),
            // b starts only when a is done: one slot of two idle from 200 to 420.
            call("b", "sts:AssumeRole", 420, 520),
            call("b", "iam:GetAccountAuthorizationDetails", 520, 620),
            call("b", "iam:ListRoles", 620, 720),
            call("mgmt", "organizations:ListAccountsForParent", 200, 450),
            // An SCP read after the inventory is not part of it.
            call("mgmt", "organizations:ListPolicies", 500, 600),
        ];
        let members = HashSet::from(["a", "b"]);
        let timeline = Timeline::of(&calls, &members, Duration::from_millis(100), 2).unwrap();
        assert_eq!(timeline.first_member_call, Duration::from_millis(200));
        assert_eq!(timeline.inventory_done, Duration::from_millis(450));
        assert_eq!(timeline.last_member_answer, Duration::from_millis(720));
        assert_eq!(timeline.accounts, 2);
        // a: 2 round trips, b: 3 (its ListRoles waited for GAAD).
        assert!((timeline.mean_round_trips - 2.5).abs() < 1e-9);
        assert_eq!(timeline.mean_account_span, Duration::from_millis(260));
        // 200..420 with one slot of two free, before b (the last) started: half the slots.
        assert_eq!(timeline.idle_slot_time, Duration::from_millis(220));
        assert!((timeline.idle_slot_share - 0.5).abs() < 1e-9);
        assert!((timeline.mean_accounts_in_flight - 1.0).abs() < 1e-9);
        // beyond 100 ms: 20 + 5 on a's reads, 150 on the last listing.
        assert_eq!(
            timeline.mean_beyond_latency,
            Duration::from_millis(175) / 10
        );
        // lead 200 ms, then one wave of 2.5 round trips at 100 ms.
        assert_eq!(
            timeline.structural_floor(Duration::from_millis(100), 2),
            Duration::from_millis(450)
        );
        // Inside the emulator: a's GAAD 20, a's ListRoles 5, the last listing 150.
        assert_eq!(timeline.in_emulator, Duration::from_millis(175));
        let listing = &timeline.by_action[0];
        assert_eq!(
            (listing.action.as_str(), listing.calls),
            ("organizations:ListAccountsForParent", 2)
        );
        assert_eq!(listing.mean, Duration::from_millis(75));
        assert_eq!(listing.median, Duration::from_millis(150));
        let gaad = timeline
            .by_action
            .iter()
            .find(|times| times.action == "iam:GetAccountAuthorizationDetails")
            .unwrap();
        assert_eq!((gaad.calls, gaad.mean), (2, Duration::from_millis(10)));
        assert_eq!(
            Timeline::of(&calls, &HashSet::new(), Duration::ZERO, 2),
            None
        );
    }
}
