//! Reading a role through warden-spec: lookup, ARN, granted statements and edits per file.

use std::path::{Path, PathBuf};

use super::*;

const ROLE: &str = r#"kind: Role
name: app
path: /workloads/
targets:
  accounts: ["111122223333"]
boundary: workload-boundary
tags: {Project: app, Environment: prod, Service: app}
trust:
  - Sid: Ecs
    Effect: Allow
    Principal: {Service: ecs-tasks.amazonaws.com}
    Action: sts:AssumeRole
    justification: The service runs as ECS tasks.
managed_policies: [app-extra]
inline_policies:
  app:
    - Sid: Objects
      Effect: Allow
      Action: ["s3:Get*", "s3:PutObject"]
      Resource: "arn:aws:s3:::b/*"
      justification: Reads and writes its bucket.
    - Sid: NoDelete
      Effect: Deny
      Action: s3:DeleteObject
      Resource: "*"
      justification: Never deletes.
"#;

const MANAGED: &str = r#"kind: ManagedPolicy
name: app-extra
tags: {Project: app, Environment: prod, Service: app}
statements:
  - Sid: Queue
    Effect: Allow
    Action: sqs:SendMessage
    Resource: "arn:aws:sqs:us-east-1:111122223333:q"
    justification: Sends to its queue.
"#;

/// A repository with the generation fixtures' `warden.yaml` and boundary plus `files`.
fn repository(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/definitions");
    let root = std::env::temp_dir().join(format!("warden-refine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut all = vec![
        (
            "warden.yaml",
            std::fs::read_to_string(fixture.join("warden.yaml")).unwrap(),
        ),
        (
            "boundaries/workload-boundary.yaml",
            std::fs::read_to_string(fixture.join("boundaries/workload-boundary.yaml")).unwrap(),
        ),
    ];
    all.extend(
        files
            .iter()
            .map(|(path, text)| (*path, (*text).to_string())),
    );
    for (path, text) in all {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

fn load(name: &str, files: &[(&str, &str)]) -> Definitions {
    let root = repository(name, files);
    let definitions = Definitions::load(&root).unwrap_or_else(|errors| panic!("{errors}"));
    std::fs::remove_dir_all(&root).unwrap();
    definitions
}

#[test]
fn reads_the_allow_statements_as_written() {
    let definitions = load(
        "granted",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let role = find_role(&definitions, "APP").unwrap();
    let granted = granted_statements(&definitions, role);
    let summary: Vec<(&str, Option<&str>)> = granted
        .iter()
        .map(|statement| (statement.policy.as_str(), statement.sid()))
        .collect();
    assert_eq!(
        summary,
        [
            ("inline_policies.app", Some("Objects")),
            ("managed_policies.app-extra", Some("Queue"))
        ]
    );
    assert_eq!(
        granted[0].statement["justification"],
        "Reads and writes its bucket."
    );
    assert_eq!(
        granted[0].statement["Action"],
        serde_json::json!(["s3:Get*", "s3:PutObject"])
    );
}

#[test]
fn unknown_roles_are_answered_with_the_roles_there() {
    let definitions = load(
        "unknown",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let err = find_role(&definitions, "ap").unwrap_err().to_string();
    assert!(
        err.starts_with("no role definition named `ap` under `"),
        "{err}"
    );
    assert!(err.ends_with("` (roles there: `app`)"), "{err}");
}

#[test]
fn the_arn_needs_one_account_id() {
    let definitions = load(
        "arn",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let role = find_role(&definitions, "app").unwrap();
    assert_eq!(
        role_arn(&definitions, role, None).unwrap(),
        "arn:aws:iam::111122223333:role/workloads/app"
    );
    assert_eq!(
        role_arn(&definitions, role, Some("444455556666")).unwrap(),
        "arn:aws:iam::444455556666:role/workloads/app"
    );
    // An account name would build an ARN IAM never issues.
    assert_eq!(
        role_arn(&definitions, role, Some("payments-prod"))
            .unwrap_err()
            .to_string(),
        "`--account payments-prod`: expected a 12-digit account id (or pass `--role-arn`)"
    );
    let mut untargeted = role.clone();
    untargeted.targets = warden_spec::Targets::default();
    assert_eq!(
        role_arn(&definitions, &untargeted, None).unwrap_err(),
        DefinitionsError::NoSingleAccount
    );
}

#[test]
fn edits_go_to_the_file_holding_the_statement() {
    let definitions = load(
        "edits",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let role = find_role(&definitions, "app").unwrap();
    let proposal = |policy: &str, sid: Option<&str>| Proposal {
        policy: policy.to_string(),
        sid: sid.map(str::to_string),
        unused: vec!["x:Y".to_string()],
        replacement: None,
    };
    let proposals = [
        proposal("managed_policies.app-extra", Some("Queue")),
        proposal("inline_policies.app", Some("Objects")),
        proposal("inline_policies.app", None),
    ];
    let edits = edits_by_file(&definitions, role, &proposals);
    let files: Vec<(&str, Vec<&str>)> = edits
        .iter()
        .map(|(file, edits)| (file.as_str(), edits.iter().map(|edit| edit.sid).collect()))
        .collect();
    assert_eq!(
        files,
        [
            ("policies/app.yaml", vec!["Objects"]),
            ("policies/extra.yaml", vec!["Queue"])
        ]
    );
}

#[test]
fn unused_actions_are_proposed_for_removal() {
    let definitions = load(
        "propose",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let role = find_role(&definitions, "app").unwrap();
    let granted = granted_statements(&definitions, role);
    assert_eq!(granted.len(), 2, "the Deny statement is not a grant");
    let used: std::collections::BTreeSet<String> =
        ["s3:GetObject", "s3:PutObject"].map(String::from).into();
    let proposals = crate::refine::propose(&granted, &used, warden_catalog::Catalog::embedded());
    assert_eq!(proposals.len(), 2);
    let objects = &proposals[0];
    assert_eq!(objects.sid.as_deref(), Some("Objects"));
    assert!(objects.unused.contains(&"s3:GetObjectAcl".to_string()));
    assert!(!objects.unused.contains(&"s3:GetObject".to_string()));
    let replacement = objects.replacement.as_ref().unwrap();
    assert_eq!(
        replacement["Action"],
        serde_json::json!(["s3:GetObject", "s3:PutObject"])
    );
    assert_eq!(
        replacement["justification"],
        serde_json::json!("Reads and writes its bucket."),
        "other fields are kept"
    );
    let queue = &proposals[1];
    assert_eq!(queue.unused, vec!["sqs:SendMessage"]);
    assert!(queue.replacement.is_none());
    let yaml = crate::refine::proposals_yaml("app", &proposals, "between a and b");
    assert!(yaml.contains("# remove the statement"), "{yaml}");
}

#[test]
fn fully_used_wildcards_stay() {
    let definitions = load(
        "wildcards",
        &[
            ("policies/app.yaml", ROLE),
            ("policies/extra.yaml", MANAGED),
        ],
    );
    let catalog = warden_catalog::Catalog::embedded();
    let all_get: std::collections::BTreeSet<String> = catalog
        .expand("s3:Get*")
        .unwrap()
        .iter()
        .map(|a| a.full_name())
        .chain(["s3:PutObject".into(), "sqs:SendMessage".into()])
        .collect();
    let role = find_role(&definitions, "app").unwrap();
    let granted = granted_statements(&definitions, role);
    assert!(crate::refine::propose(&granted, &all_get, catalog).is_empty());
}
