//! `cargo xtask events` through the built binary, on the CloudTrail records of
//! `crates/report/tests/fixtures/events` (every alert kind planted once, with compliant twins:
//! Warden's own writes, a hand-made SCP, a failed call, a read): the table, JSON and SARIF
//! outputs and the EventBridge template are insta snapshots, and the exit code says whether an
//! error-level alert was found. The organization is a snapshot directory written offline, so the
//! ids of the managed SCPs are known to the EventBridge rules.

use std::path::{Path, PathBuf};

use warden_e2e::{DENY_LEAVE_SCP, workspace_root, write_file};
use warden_snapshot::SnapshotWriter;
use warden_spec::org::{Account, AccountStatus, Organization};

use crate::cli::xtask_in;

const CONFIG: &str = r#"
organization:
  management_account_id: "210987654321"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_EVENTS_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
"#;

const ROLE: &str = r#"
kind: Role
name: payments-deploy
path: /
description: Deploys the payments service.
targets:
  accounts: ["210987654321"]
trust:
  - Sid: Ec2
    Effect: Allow
    Principal:
      Service: ec2.amazonaws.com
    Action: sts:AssumeRole
    justification: The deployer runs on EC2.
inline_policies:
  deploy:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resource: "*"
      justification: The deployer reads artifacts.
"#;

fn trail() -> PathBuf {
    workspace_root().join("crates/report/tests/fixtures/events")
}

/// A snapshot of the organization holding the managed SCP `deny-leave` as `p-managed1`.
fn organization_snapshot(dir: &Path) {
    let organization = Organization {
        id: "o-exampleorgid".into(),
        management_account_id: "210987654321".into(),
        root_id: "r-ab12".into(),
        accounts: vec![Account {
            id: "210987654321".into(),
            name: "management".into(),
            email: None,
            status: AccountStatus::Active,
            parent_id: "r-ab12".into(),
            ou_path: "Root".into(),
            tags: std::collections::BTreeMap::new(),
        }],
        organizational_units: Vec::new(),
    };
    let scp = |id: &str, name: &str| warden_plan::live::LiveScp {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        content: "{}".into(),
        aws_managed: false,
        targets: vec!["r-ab12".into()],
    };
    let mut writer = SnapshotWriter::create(dir, "2026-11-02T12:00:00Z", "test").unwrap();
    writer
        .write_organization(
            &organization,
            &[
                scp("p-managed1", "deny-leave"),
                scp("p-handmade", "hand-made"),
            ],
            &[],
        )
        .unwrap();
    writer.finish().unwrap();
}

#[test]
fn events_table_json_sarif_and_eventbridge_rules_through_the_binary() {
    let repo = tempfile::tempdir().unwrap();
    write_file(repo.path(), "warden.yaml", CONFIG);
    write_file(repo.path(), "policies/payments-deploy.yaml", ROLE);
    write_file(repo.path(), "scps/deny-leave.yaml", DENY_LEAVE_SCP);
    let snapshot = repo.path().join("snap");
    organization_snapshot(&snapshot);
    let trail = trail().display().to_string();
    let redact = [
        (repo.path().display().to_string(), "[repo]"),
        (trail.clone(), "[trail]"),
    ];
    let run = |args: &[&str]| {
        let mut full = vec!["events", "--cloudtrail", trail.as_str(), "--org", "snap"];
        full.extend(args);
        xtask_in(repo.path(), &full, &[], &redact)
    };

    let table = run(&["--eventbridge-out", "rules.json"]);
    assert_eq!(table.code, 1, "error-level alerts exit 1: {}", table.stderr);
    insta::assert_snapshot!("events_table", table.transcript());
    for needle in [
        "WE301 root-activity",
        "the root user signed in to the console",
        "WE303 scp-detached",
        "policy `deny-leave` (`p-managed1`) was detached",
        "WE402 scp-out-of-band-change",
    ] {
        assert!(table.stdout.contains(needle), "{needle}");
    }

    let json = run(&["--format", "json"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let scp_changes: Vec<&serde_json::Value> = report["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|alert| alert["name"] == "scp-out-of-band-change")
        .collect();
    assert_eq!(
        scp_changes
            .iter()
            .map(|alert| alert["event"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["UpdatePolicy", "DetachPolicy"],
        "Warden's CI role's update, the hand-made SCP and the failed detach are silent"
    );
    insta::assert_snapshot!("events_json", json.transcript());

    let sarif = run(&["--format", "sarif"]);
    assert_eq!(sarif.code, 1, "{}", sarif.stderr);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    insta::assert_snapshot!("events_sarif", sarif.transcript());

    let rules = std::fs::read_to_string(repo.path().join("rules.json")).unwrap();
    let template: serde_json::Value = serde_json::from_str(&rules).unwrap();
    let pattern = &template["Resources"]["WardenScpOutOfBandChange"]["Properties"]["EventPattern"];
    assert_eq!(
        pattern["detail"]["requestParameters"]["policyId"],
        serde_json::json!(["p-managed1"]),
        "the managed SCP's id from the snapshot, not the hand-made one"
    );
    insta::assert_snapshot!("events_eventbridge", rules);

    // Another CI role name: the CI role's own update is now out of band too.
    let other = run(&["--format", "json", "--ci-role", "deployer"]);
    assert_eq!(
        other.stdout.matches("\"scp-out-of-band-change\"").count(),
        3,
        "{}",
        other.stdout
    );
}
