//! Export benchmark: `GetAccountAuthorizationDetails` exports of 791 to 10,000 customer managed
//! policies (pretty-printed as the AWS CLI writes them, a role per four policies), read into a
//! subject and linted. Reading used to be quadratic (every name was searched for from the start
//! of the text); the per-policy time printed here stays flat when it is linear.
//!
//! `cargo bench -p warden-lint --bench export` (release profile).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use serde_json::{Value, json};
use warden_catalog::Catalog;
use warden_lint::{LintConfig, LintOptions};

const SIZES: [usize; 4] = [791, 1_582, 3_164, 10_000];

/// An export with `policies` customer managed policies and a role for every four of them.
fn export(policies: usize) -> String {
    let documents: Vec<Value> = (0..policies)
        .map(|index| {
            json!({
                "PolicyName": format!("team-{index}-access"),
                "PolicyId": format!("ANPA{index:017}"),
                "Arn": format!("arn:aws:iam::123456789012:policy/team-{index}-access"),
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true,
                "PolicyVersionList": [{
                    "VersionId": "v1",
                    "IsDefaultVersion": true,
                    "Document": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                             "Resource": [format!("arn:aws:s3:::team-{index}-data"), format!("arn:aws:s3:::team-{index}-data/*")]},
                            {"Sid": "Queue", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                             "Resource": format!("arn:aws:sqs:us-east-1:123456789012:team-{index}")},
                            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}
                        ]
                    }
                }]
            })
        })
        .collect();
    let roles: Vec<Value> = (0..policies.div_ceil(4))
        .map(|index| {
            let attached: Vec<Value> = (index * 4..(index * 4 + 4).min(policies))
                .map(|policy| {
                    json!({"PolicyName": format!("team-{policy}-access"),
                           "PolicyArn": format!("arn:aws:iam::123456789012:policy/team-{policy}-access")})
                })
                .collect();
            json!({
                "RoleName": format!("team-{index}-task"),
                "Path": "/",
                "Arn": format!("arn:aws:iam::123456789012:role/team-{index}-task"),
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Sid": "Ecs", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]
                },
                "RolePolicyList": [],
                "AttachedManagedPolicies": attached,
                "Tags": []
            })
        })
        .collect();
    let export = json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": documents});
    serde_json::to_string_pretty(&export).unwrap_or_default()
}

fn main() {
    let config = LintConfig::default();
    let Some(today) = warden_policy::date::parse_day("2026-06-01") else {
        return;
    };
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today,
    };
    let texts: Vec<(usize, String)> = SIZES.iter().map(|&size| (size, export(size))).collect();
    for (size, text) in &texts {
        let started = Instant::now();
        let Ok(subject) = warden_lint::export::subject_from_export("export.json", text, &config)
        else {
            return;
        };
        let read = started.elapsed();
        let started = Instant::now();
        let findings = warden_lint::lint(&subject, &options).len();
        let linted = started.elapsed();
        eprintln!(
            "{size:>6} policies ({:.1} MB): read {read:.1?} ({:.1} µs/policy), lint {linted:.1?}, {} roles, {findings} findings",
            text.len() as f64 / 1e6,
            read.as_secs_f64() * 1e6 / *size as f64,
            subject.roles.len(),
        );
    }
    let mut criterion = Criterion::default().sample_size(10).configure_from_args();
    for (size, text) in &texts {
        criterion.bench_function(
            &format!("read and lint an export of {size} policies"),
            |b| {
                b.iter(|| {
                    black_box(
                        warden_lint::lint_authorization_details("export.json", text, &options)
                            .map_or(0, |findings| findings.len()),
                    )
                })
            },
        );
    }
    criterion.final_summary();
}
