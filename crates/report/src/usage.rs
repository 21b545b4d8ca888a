//! CloudTrail usage: which actions each role actually used, for the evidence's unused
//! permissions. Events are indexed by account once; each role is then matched with
//! `warden_generate`'s session matching and event → action mapping.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_catalog::Catalog;
use warden_generate::activity::{Activity, observe};
use warden_generate::cloudtrail::{RoleArn, TrailEvent};

/// CloudTrail events by the account they were made in.
#[derive(Debug, Clone, Default)]
pub struct UsageIndex {
    by_account: BTreeMap<String, Vec<TrailEvent>>,
    /// `YYYY-MM-DD` or RFC 3339: events before it are ignored.
    since: Option<String>,
    events: usize,
    files: usize,
}

/// What the index covered, for the evidence header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsagePeriod {
    pub events: usize,
    pub files: usize,
    pub since: Option<String>,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
}

impl UsageIndex {
    pub fn new(events: Vec<TrailEvent>, files: usize, since: Option<String>) -> UsageIndex {
        let mut index = UsageIndex {
            events: events.len(),
            files,
            since,
            ..UsageIndex::default()
        };
        for event in events {
            let account = event
                .user_identity
                .account_id
                .clone()
                .or_else(|| event.recipient_account_id.clone())
                .unwrap_or_default();
            index.by_account.entry(account).or_default().push(event);
        }
        index
    }

    pub fn period(&self) -> UsagePeriod {
        let in_period = |event: &&TrailEvent| {
            self.since
                .as_deref()
                .is_none_or(|since| event.event_time.as_str() >= since)
        };
        let times = || {
            self.by_account
                .values()
                .flatten()
                .filter(in_period)
                .map(|event| event.event_time.as_str())
        };
        UsagePeriod {
            events: self.events,
            files: self.files,
            since: self.since.clone(),
            first_event: times().min().map(str::to_string),
            last_event: times().max().map(str::to_string),
        }
    }

    /// The activity of the role with this ARN; `None` when the ARN is not a role ARN.
    pub fn activity(&self, role_arn: &str, catalog: &Catalog) -> Option<Activity> {
        let role = RoleArn::parse(role_arn).ok()?;
        let events = self
            .by_account
            .get(&role.account)
            .map_or(&[][..], Vec::as_slice);
        Some(observe(events, &role, self.since.as_deref(), catalog))
    }
}
