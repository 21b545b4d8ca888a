//! Parsing the date forms IAM accepts in `Date*` conditions: warden-policy's, over `time`.

pub(crate) use warden_policy::date::parse_epoch_millis;
