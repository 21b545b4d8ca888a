//! Live IAM state of accounts as read by the AWS adapter: the model lives in `warden-live`;
//! re-exported here so `warden_plan::live::…` paths keep working.

pub use warden_live::*;
