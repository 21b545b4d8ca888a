//! CloudTrail usage: which actions each role actually used, for the evidence's unused
//! permissions. Events are indexed by account once; each role is then matched with
//! `warden_generate`'s session matching and event → action mapping.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_catalog::Catalog;
use warden_generate::activity::{Activity, observe};
use warden_generate::cloudtrail::{RoleArn, TrailEvent};

/// CloudTrail events of role sessions, by account and role name, so each role's activity is
/// read from its own events only (one pass over the trail, not one per role).
#[derive(Debug, Clone, Default)]
pub struct UsageIndex {
    by_role: BTreeMap<(String, String), Vec<TrailEvent>>,
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
            if let Some(key) = role_key(&event) {
                index.by_role.entry(key).or_default().push(event);
            }
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
            self.by_role
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
        let key = (role.account.clone(), role.name.to_ascii_lowercase());
        let events = self.by_role.get(&key).map_or(&[][..], Vec::as_slice);
        Some(observe(events, &role, self.since.as_deref(), catalog))
    }
}

/// `(account, lowercase role name)` of an event made with a role session: from the session
/// issuer's ARN, else from the assumed-role ARN. The exact match (path included) is left to
/// `RoleArn::made`.
fn role_key(event: &TrailEvent) -> Option<(String, String)> {
    let identity = &event.user_identity;
    if identity.identity_type != "AssumedRole" {
        return None;
    }
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|context| context.session_issuer.as_ref())
        .and_then(|issuer| issuer.arn.as_deref());
    if let Some(role) = issuer.and_then(|arn| RoleArn::parse(arn).ok()) {
        return Some((role.account, role.name.to_ascii_lowercase()));
    }
    // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
    let arn = identity.arn.as_deref()?;
    let mut parts = arn.splitn(6, ':');
    let account = parts.nth(4)?;
    let name = parts
        .next()?
        .strip_prefix("assumed-role/")?
        .split('/')
        .next()?;
    Some((account.to_string(), name.to_ascii_lowercase()))
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
        let index = UsageIndex::new(events(text), 1, None);
        let catalog = Catalog::embedded();
        let used = index
            .activity("arn:aws:iam::111122223333:role/team/app", catalog)
            .map(|activity| activity.actions().into_iter().collect::<Vec<_>>());
        assert_eq!(
            used,
            Some(vec![
                "s3:GetObject".to_string(),
                "sqs:SendMessage".to_string()
            ])
        );
        let wrong_path = index
            .activity("arn:aws:iam::111122223333:role/app", catalog)
            .map(|activity| activity.actions().len());
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
}
