//! Snapshots of rendered decisions (table and JSON) for representative requests.

use crate::support::*;

fn scenarios() -> Vec<(&'static str, Scenario)> {
    let boundary = allow(r#"["s3:*","logs:*"]"#, "*");
    vec![
        (
            "allow_through_scps_and_boundary",
            Scenario::new(SESSION, "s3:GetObject", BUCKET_OBJECT)
                .identity(&policy(r#"{"Sid":"ReadArtifacts","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#))
                .boundary(&boundary)
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[FULL_ACCESS])
                .resource_account("111122223333"),
        ),
        (
            "explicit_deny_in_scp",
            Scenario::new(SESSION, "s3:DeleteBucket", "arn:aws:s3:::example-bucket")
                .identity(&allow("s3:*", "*"))
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[FULL_ACCESS, &policy(r#"{"Sid":"ProtectBuckets","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}"#)]),
        ),
        (
            "implicit_deny_with_near_misses",
            Scenario::new(SESSION, "s3:PutObject", BUCKET_OBJECT)
                .identity(&policy(r#"{"Sid":"WriteOwnPrefix","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::example-bucket/${aws:PrincipalTag/team}/*"},{"Sid":"FromVpn","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#))
                .context("aws:PrincipalTag/team", &["blue"])
                .context("aws:SourceIp", &["198.51.100.7"]),
        ),
        (
            "cross_account_missing_resource_policy",
            Scenario::new(OTHER_SESSION, "s3:GetObject", BUCKET_OBJECT)
                .identity(&allow("s3:GetObject", "*"))
                .resource_account("111122223333"),
        ),
    ]
}

#[test]
fn decision_tables() {
    for (name, scenario) in scenarios() {
        insta::assert_snapshot!(format!("table_{name}"), scenario.evaluate().table());
    }
}

#[test]
fn decision_json() {
    for (name, scenario) in scenarios() {
        insta::assert_json_snapshot!(format!("json_{name}"), scenario.evaluate());
    }
}
