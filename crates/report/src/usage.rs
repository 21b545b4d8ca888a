//! CloudTrail usage: which actions each role actually used, for the evidence's unused
//! permissions. Events are reduced as they are read (file by file) into a small record per
//! role session issuer, using `warden_generate`'s session matching and event → action mapping,
//! so a long trail never sits in memory.
//!
//! Read from a directory, the per-role records are spilled to one file per role account in a
//! temporary directory instead of being kept: the evidence loads one account's records
//! ([`UsageIndex::for_account`]) while it writes that account, so memory does not grow with
//! the organization (a record per role was ~0.9 KiB: 2,000 accounts × 50 roles held ~85 MiB).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use warden_catalog::Catalog;
use warden_generate::activity::observe;
use warden_generate::cloudtrail::{RoleArn, TrailEvent, on_or_after, parse_log};
use warden_policy::{Arn, Partition};

use crate::err::ReportError;

/// What one role did in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleUsage {
    /// Events made by the role in the period.
    pub events: usize,
    /// Canonical action names used (calls refused for lack of permission excluded).
    pub used: BTreeSet<String>,
    /// Calls refused for lack of permission: `action (source Event)` → count.
    pub denied: BTreeMap<String, usize>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

impl RoleUsage {
    fn merge(&mut self, other: RoleUsage) {
        self.events += other.events;
        self.used.extend(other.used);
        for (call, count) in other.denied {
            *self.denied.entry(call).or_default() += count;
        }
        self.first_seen = min_time(self.first_seen.take(), other.first_seen);
        self.last_seen = max_time(self.last_seen.take(), other.last_seen);
    }
}

fn min_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Which role made an event: the session issuer's ARN (with the role's path) when the record
/// has one, else the account and role name of the assumed-role ARN (no path).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum RoleKey {
    Issuer(String),
    Assumed {
        partition: String,
        account: String,
        name: String,
    },
}

/// Per-role usage over the CloudTrail input.
#[derive(Debug, Clone, Default)]
pub struct UsageIndex {
    by_role: BTreeMap<RoleKey, RoleUsage>,
    /// `YYYY-MM-DD` or RFC 3339: events before it are ignored.
    since: Option<String>,
    events: usize,
    files: usize,
    first_event: Option<String>,
    last_event: Option<String>,
    /// Where records go when spilled: `<account>.jsonl`, one `[key, usage]` line per reduction.
    spill: Option<Arc<tempfile::TempDir>>,
}

/// What the index covered, for the evidence header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsagePeriod {
    /// Events read (all identities).
    pub events: usize,
    pub files: usize,
    pub since: Option<String>,
    /// First and last role event in the period.
    pub first_event: Option<String>,
    pub last_event: Option<String>,
}

impl UsageIndex {
    pub fn empty(since: Option<String>) -> UsageIndex {
        UsageIndex {
            since,
            ..UsageIndex::default()
        }
    }

    /// An index of events already in memory (tests, benchmarks).
    pub fn new(
        events: Vec<TrailEvent>,
        files: usize,
        since: Option<String>,
        catalog: &Catalog,
    ) -> UsageIndex {
        let mut index = UsageIndex::empty(since);
        index.add_events(&events, catalog);
        index.files = files;
        index
    }

    /// An empty index whose records are spilled to a temporary directory, one file per role
    /// account (removed when the last clone of the index is dropped).
    pub fn spilled(since: Option<String>) -> Result<UsageIndex, ReportError> {
        let dir = tempfile::Builder::new()
            .prefix("warden-usage-")
            .tempdir()
            .map_err(|err| ReportError::io(std::env::temp_dir(), err))?;
        Ok(UsageIndex {
            spill: Some(Arc::new(dir)),
            ..UsageIndex::empty(since)
        })
    }

    /// Reads every `.json` and `.json.gz` file under `dir` (sorted), one at a time, spilling
    /// the records per account (see [`UsageIndex::spilled`]).
    pub fn read_dir(
        dir: &Path,
        since: Option<String>,
        catalog: &Catalog,
    ) -> Result<UsageIndex, ReportError> {
        let mut files = Vec::new();
        collect_trail_files(dir, &mut files)?;
        files.sort();
        let mut index = UsageIndex::spilled(since)?;
        for file in &files {
            let text = read_text(file)?;
            let events =
                parse_log(&text, file).map_err(|err| ReportError::Trail(err.to_string()))?;
            index.try_add_events(&events, catalog)?;
            index.files += 1;
        }
        Ok(index)
    }

    /// Reduces a batch of events (one log file) into the per-role records; a spilled index
    /// appends them to their accounts' files.
    pub fn try_add_events(
        &mut self,
        events: &[TrailEvent],
        catalog: &Catalog,
    ) -> Result<(), ReportError> {
        let Some(spill) = self.spill.clone() else {
            self.add_events(events, catalog);
            return Ok(());
        };
        let mut batch = UsageIndex::empty(self.since.clone());
        batch.add_events(events, catalog);
        self.events += batch.events;
        self.first_event = min_time(self.first_event.take(), batch.first_event);
        self.last_event = max_time(self.last_event.take(), batch.last_event);
        let mut by_account: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, usage) in batch.by_role {
            let Some(account) = key_account(&key) else {
                // No account to file it under (not seen in practice): kept in memory.
                self.by_role.entry(key).or_default().merge(usage);
                continue;
            };
            let line =
                serde_json::to_string(&(&key, &usage)).map_err(|source| ReportError::Json {
                    what: "usage record".into(),
                    source,
                })?;
            by_account.entry(account).or_default().push(line);
        }
        for (account, lines) in by_account {
            let path = spill.path().join(format!("{account}.jsonl"));
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|err| ReportError::io(&path, err))?;
            let mut text = lines.join("\n");
            text.push('\n');
            file.write_all(text.as_bytes())
                .map_err(|err| ReportError::io(&path, err))?;
        }
        Ok(())
    }

    /// The records of the roles of `account` (the index itself when it is not spilled): what
    /// the evidence holds while it writes that account.
    pub fn for_account(&self, account: &str) -> Result<Cow<'_, UsageIndex>, ReportError> {
        let Some(spill) = &self.spill else {
            return Ok(Cow::Borrowed(self));
        };
        let mut loaded = UsageIndex {
            by_role: self.by_role.clone(),
            spill: None,
            ..self.clone()
        };
        let path = spill.path().join(format!("{account}.jsonl"));
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Cow::Owned(loaded));
            }
            Err(err) => return Err(ReportError::io(&path, err)),
        };
        for line in std::io::BufReader::new(file).lines() {
            let line = line.map_err(|err| ReportError::io(&path, err))?;
            let (key, usage): (RoleKey, RoleUsage) =
                serde_json::from_str(&line).map_err(|source| ReportError::Json {
                    what: format!("usage record in `{}`", path.display()),
                    source,
                })?;
            loaded.by_role.entry(key).or_default().merge(usage);
        }
        Ok(Cow::Owned(loaded))
    }

    /// Reduces a batch of events (one log file) into the per-role records, in memory.
    pub fn add_events(&mut self, events: &[TrailEvent], catalog: &Catalog) {
        self.events += events.len();
        let mut batches: BTreeMap<RoleKey, Vec<&TrailEvent>> = BTreeMap::new();
        for event in events {
            if let Some(key) = role_key(event) {
                batches.entry(key).or_default().push(event);
            }
        }
        for (key, batch) in batches {
            let Some(role) = key_role(&key) else {
                continue;
            };
            let owned: Vec<TrailEvent> = batch.into_iter().cloned().collect();
            let activity = observe(&owned, &role, self.since.as_deref(), catalog);
            let in_period = owned.iter().filter(|event| {
                self.since
                    .as_deref()
                    .is_none_or(|since| on_or_after(event, since))
            });
            for event in in_period {
                self.first_event =
                    min_time(self.first_event.take(), Some(event.event_time.clone()));
                self.last_event = max_time(self.last_event.take(), Some(event.event_time.clone()));
            }
            let usage = RoleUsage {
                events: activity.events_of_role,
                used: activity.actions(),
                denied: activity.denied,
                first_seen: activity.first_seen,
                last_seen: activity.last_seen,
            };
            self.by_role.entry(key).or_default().merge(usage);
        }
    }

    pub fn period(&self) -> UsagePeriod {
        UsagePeriod {
            events: self.events,
            files: self.files,
            since: self.since.clone(),
            first_event: self.first_event.clone(),
            last_event: self.last_event.clone(),
        }
    }

    /// The usage of the role with this ARN (events naming its issuer ARN, and events of its
    /// name without an issuer); `None` when the ARN is not a role ARN. On a spilled index this
    /// reads the role's account file (`None` if that fails): call it on
    /// [`UsageIndex::for_account`]'s result.
    pub fn usage(&self, role_arn: &str) -> Option<RoleUsage> {
        let role = RoleArn::parse(role_arn).ok()?;
        if self.spill.is_some() {
            return self.for_account(&role.account).ok()?.usage(role_arn);
        }
        let mut usage = RoleUsage::default();
        if let Some(found) = self.by_role.get(&RoleKey::Issuer(role.arn())) {
            usage.merge(found.clone());
        }
        let assumed = RoleKey::Assumed {
            partition: role.partition.clone(),
            account: role.account.clone(),
            name: role.name.to_ascii_lowercase(),
        };
        if let Some(found) = self.by_role.get(&assumed) {
            usage.merge(found.clone());
        }
        Some(usage)
    }
}

/// The account of the role a key stands for, when it is an account id (it names a file).
fn key_account(key: &RoleKey) -> Option<String> {
    let account = match key {
        RoleKey::Issuer(arn) => Arn::parse(arn).ok()?.account,
        RoleKey::Assumed { account, .. } => account.clone(),
    };
    (account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit())).then_some(account)
}

fn role_key(event: &TrailEvent) -> Option<RoleKey> {
    let identity = &event.user_identity;
    if identity.identity_type != "AssumedRole" {
        return None;
    }
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|context| context.session_issuer.as_ref())
        .and_then(|issuer| issuer.arn.as_deref());
    if let Some(arn) = issuer {
        return Some(RoleKey::Issuer(arn.to_string()));
    }
    // arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION
    let arn = Arn::parse(identity.arn.as_deref()?).ok()?;
    let name = arn
        .resource
        .strip_prefix("assumed-role/")?
        .split('/')
        .next()?
        .to_ascii_lowercase();
    Some(RoleKey::Assumed {
        partition: arn.partition,
        account: arn.account,
        name,
    })
}

/// The role a key stands for, for `observe`'s exact matching. Without an issuer ARN the path
/// is unknown and irrelevant: matching then uses the assumed-role ARN, which has none.
fn key_role(key: &RoleKey) -> Option<RoleArn> {
    match key {
        RoleKey::Issuer(arn) => RoleArn::parse(arn).ok(),
        RoleKey::Assumed {
            partition,
            account,
            name,
        } => RoleArn::parse(
            &Arn {
                partition: partition.clone(),
                ..Arn::role(Partition::Aws, account, "/", name)
            }
            .to_string(),
        )
        .ok(),
    }
}

fn collect_trail_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ReportError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| ReportError::io(dir, e))?.path();
        if path.is_dir() {
            collect_trail_files(&path, files)?;
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.ends_with(".json") || name.ends_with(".json.gz"))
        {
            files.push(path);
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    let bytes = std::fs::read(path).map_err(|e| ReportError::io(path, e))?;
    if path.extension().is_some_and(|ext| ext == "gz") {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(|e| ReportError::io(path, e))?;
        Ok(text)
    } else {
        String::from_utf8(bytes).map_err(|e| {
            ReportError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<TrailEvent> {
        warden_generate::cloudtrail::parse_log(text, std::path::Path::new("t.json")).unwrap()
    }

    #[test]
    fn events_are_found_by_issuer_or_assumed_role_arn_and_path_must_match() {
        let text = r#"{"Records":[
          {"eventTime":"2026-11-02T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/team/app"}}}},
          {"eventTime":"2026-11-03T00:00:00Z","eventSource":"sqs.amazonaws.com","eventName":"SendMessage","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s"}},
          {"eventTime":"2026-11-04T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/other/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/other"}}}},
          {"eventTime":"2026-11-05T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"DeleteObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/app"}}
        ]}"#;
        let catalog = Catalog::embedded();
        let index = UsageIndex::new(events(text), 1, None, catalog);
        let used = index
            .usage("arn:aws:iam::111122223333:role/team/app")
            .map(|usage| usage.used.into_iter().collect::<Vec<_>>());
        assert_eq!(
            used,
            Some(vec![
                "s3:GetObject".to_string(),
                "sqs:SendMessage".to_string()
            ])
        );
        let wrong_path = index
            .usage("arn:aws:iam::111122223333:role/app")
            .map(|usage| usage.used.len());
        assert_eq!(
            wrong_path,
            Some(1),
            "only the event without an issuer ARN matches by name"
        );
        assert_eq!(
            index.period().last_event.as_deref(),
            Some("2026-11-04T00:00:00Z")
        );
    }

    /// A trail read from a directory is spilled per account: each account's records load
    /// alone, equal to what the in-memory index holds, and the period counts every file.
    #[test]
    fn a_spilled_index_loads_one_account_at_a_time_and_matches_the_in_memory_one() {
        let record = |time: &str, account: &str, role: &str, source: &str, name: &str| {
            format!(
                r#"{{"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::{account}:assumed-role/{role}/s","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::{account}:role/{role}"}}}}}}}}"#
            )
        };
        let a = "111122223333";
        let b = "444455556666";
        let first = format!(
            r#"{{"Records":[{},{}]}}"#,
            record(
                "2026-11-02T00:00:00Z",
                a,
                "app",
                "s3.amazonaws.com",
                "GetObject"
            ),
            record(
                "2026-11-03T00:00:00Z",
                b,
                "app",
                "sqs.amazonaws.com",
                "SendMessage"
            ),
        );
        let second = format!(
            r#"{{"Records":[{}]}}"#,
            record(
                "2026-11-04T00:00:00Z",
                a,
                "app",
                "s3.amazonaws.com",
                "PutObject"
            ),
        );
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("AWSLogs");
        std::fs::create_dir_all(logs.join(a)).unwrap();
        std::fs::create_dir_all(logs.join(b)).unwrap();
        std::fs::write(logs.join(a).join("1.json"), &first).unwrap();
        std::fs::write(logs.join(b).join("2.json"), &second).unwrap();
        let catalog = Catalog::embedded();
        let spilled = UsageIndex::read_dir(dir.path(), None, catalog).unwrap();
        let mut all = events(&first);
        all.extend(events(&second));
        let in_memory = UsageIndex::new(all, 2, None, catalog);
        assert_eq!(spilled.period(), in_memory.period());
        assert!(spilled.by_role.is_empty(), "nothing kept in memory");

        let role_a = format!("arn:aws:iam::{a}:role/app");
        let role_b = format!("arn:aws:iam::{b}:role/app");
        let only_a = spilled.for_account(a).unwrap();
        assert_eq!(only_a.by_role.len(), 1, "only account a's role is loaded");
        assert_eq!(only_a.usage(&role_a), in_memory.usage(&role_a));
        assert_eq!(
            only_a
                .usage(&role_a)
                .unwrap()
                .used
                .into_iter()
                .collect::<Vec<_>>(),
            ["s3:GetObject", "s3:PutObject"],
            "records of one account from two files merge"
        );
        assert_eq!(spilled.usage(&role_b), in_memory.usage(&role_b));
        let none = spilled.for_account("777788889999").unwrap();
        assert_eq!(
            none.usage("arn:aws:iam::777788889999:role/app"),
            Some(RoleUsage::default())
        );
        // In memory, for_account is the index itself.
        assert!(matches!(
            in_memory.for_account(a).unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
