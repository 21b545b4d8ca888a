//! ARN splitting for principal classification and `Arn*` condition operators: warden-policy's
//! borrowed, allocation-free view.

pub(crate) use warden_policy::arn::ArnRef as Arn;
