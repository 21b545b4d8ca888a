//! who-can, principal-can and escalation paths over definitions rendered for an organization
//! file: a role assumable only from another role through an ExternalId trust, a PassRole +
//! Lambda path to an admin role, and an S3 bucket policy granting a second account.

use std::fs;
use std::path::Path;

use warden_access::{AccessModel, Goal};
use warden_eval::LabeledPolicy;

const WARDEN_YAML: &str = r#"organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
tags:
  managed_marker:
    key: "warden:managed"
    value: "true"
  required: [Project]
admin_roles: [WardenAccess]
"#;

const ORG: &str = r#"{"id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
 "accounts": [
  {"id": "123456789012", "name": "management", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}},
  {"id": "222233334444", "name": "prod", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}},
  {"id": "333344445555", "name": "analytics", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}},
  {"id": "444455556666", "name": "shared", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}}],
 "organizational_units": [{"id": "ou-ab12-work0001", "name": "Workloads", "parent_id": "r-ab12", "path": "Root/Workloads"}]}"#;

/// (file name, YAML) of each role.
const ROLES: [(&str, &str); 6] = [
    (
        "ops.yaml",
        r#"kind: Role
name: ops
targets:
  accounts: [shared]
tags: {Project: ops}
trust:
  - Sid: ShareAccount
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::444455556666:root"}
    Action: sts:AssumeRole
inline_policies:
  vendor:
    - Sid: AssumeVendorAccess
      Effect: Allow
      justification: The test scenario needs this access.
      Action: sts:AssumeRole
      Resource: "arn:aws:iam::*:role/vendor-access"
"#,
    ),
    (
        "vendor-access.yaml",
        r#"kind: Role
name: vendor-access
targets:
  accounts: [prod]
tags: {Project: vendor}
trust:
  - Sid: OpsWithExternalId
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::444455556666:role/ops"}
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: "vendor-7f3a9c"
inline_policies:
  reports:
    - Sid: ReadReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::reports-bucket/*"
"#,
    ),
    (
        "builder.yaml",
        r#"kind: Role
name: builder
targets:
  accounts: [prod]
tags: {Project: build}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::222233334444:root"}
    Action: sts:AssumeRole
inline_policies:
  functions:
    - Sid: PassDeployAdmin
      Effect: Allow
      justification: The test scenario needs this access.
      Action: iam:PassRole
      Resource: "arn:aws:iam::222233334444:role/deploy-admin"
    - Sid: Functions
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [lambda:CreateFunction, lambda:InvokeFunction]
      Resource: "*"
"#,
    ),
    (
        "deploy-admin.yaml",
        r#"kind: Role
name: deploy-admin
targets:
  accounts: [prod]
tags: {Project: deploy}
trust:
  - Sid: Lambda
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {Service: lambda.amazonaws.com}
    Action: sts:AssumeRole
inline_policies:
  admin:
    - Sid: Everything
      Effect: Allow
      justification: The test scenario needs this access.
      Action: "*"
      Resource: "*"
"#,
    ),
    (
        "reporter.yaml",
        r#"kind: Role
name: reporter
targets:
  accounts: [prod]
tags: {Project: reports}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::222233334444:root"}
    Action: sts:AssumeRole
inline_policies:
  read:
    - Sid: ReadReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [s3:GetObject, s3:ListBucket]
      Resource: ["arn:aws:s3:::reports-bucket", "arn:aws:s3:::reports-bucket/*"]
"#,
    ),
    (
        "analyst.yaml",
        r#"kind: Role
name: analyst
targets:
  accounts: [analytics]
tags: {Project: analytics}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::333344445555:root"}
    Action: sts:AssumeRole
inline_policies:
  read:
    - Sid: ReadSharedReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::reports-bucket/*"
"#,
    ),
];

/// The bucket (in prod) grants the analytics account and an external auditor account.
const BUCKET_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AnalyticsAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333344445555:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"},
  {"Sid":"Auditor","Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}]}"#;

fn model(dir: &Path) -> AccessModel {
    fs::write(dir.join("warden.yaml"), WARDEN_YAML).unwrap();
    fs::create_dir_all(dir.join("policies")).unwrap();
    for (name, yaml) in ROLES {
        fs::write(dir.join("policies").join(name), yaml).unwrap();
    }
    fs::write(dir.join("org.json"), ORG).unwrap();
    let definitions = warden_spec::Definitions::load(dir)
        .map_err(|errors| errors.to_string())
        .unwrap();
    let org = warden_app::lint_files::load_org(&dir.join("org.json")).unwrap();
    warden_access::model::from_definitions(&definitions, &org, &mut |_| None).unwrap()
}

#[test]
fn who_can_assume_a_role_behind_an_external_id_trust() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let answer = warden_access::who_can(
        &model,
        &["sts:AssumeRole".to_string()],
        "arn:aws:iam::222233334444:role/vendor-access",
        None,
        None,
    )
    .unwrap();
    // Only ops, presenting the ExternalId; builder and the rest of prod are not in the trust.
    let who: Vec<(&str, &[String])> = answer
        .entries
        .iter()
        .map(|e| (e.principal.as_str(), e.statements.as_slice()))
        .collect();
    assert_eq!(
        who,
        [(
            "arn:aws:iam::444455556666:role/ops",
            &[
                "trust:vendor-access/OpsWithExternalId".to_string(),
                "inline:vendor/AssumeVendorAccess".to_string()
            ][..]
        )]
    );
    assert_eq!(
        answer.resource_policy.as_deref(),
        Some("trust:vendor-access")
    );
    let table = answer.table();
    let json = serde_json::to_string(&answer).unwrap();
    for output in [&table, &json] {
        assert!(
            !output.contains("vendor-7f3a9c"),
            "the ExternalId is never shown: {output}"
        );
    }
    insta::assert_snapshot!("access_who_can_assume_vendor", table);
    let paths = warden_access::paths(&model, Goal::Admin, None).unwrap();
    insta::assert_snapshot!(
        "access_paths_to_admin",
        warden_access::EscalationPath::table(&paths)
    );
}

#[test]
fn pass_role_to_lambda_leads_to_the_admin_role() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let paths = warden_access::paths(
        &model,
        Goal::Admin,
        Some("arn:aws:iam::222233334444:role/builder"),
    )
    .unwrap();
    assert_eq!(paths.len(), 1, "{paths:#?}");
    let steps: Vec<(&str, &str)> = paths[0]
        .steps
        .iter()
        .map(|step| (step.method.as_str(), step.to.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "lambda-create-function-invoke",
                "arn:aws:iam::222233334444:role/deploy-admin"
            ),
            ("admin", "arn:aws:iam::222233334444:role/deploy-admin"),
        ]
    );
    assert!(
        paths[0].steps[0]
            .statements
            .contains(&"inline:functions/PassDeployAdmin".to_string()),
        "{paths:#?}"
    );
    // The admin role is already there; the reporter has no way up.
    for settled in ["deploy-admin", "reporter", "analyst"] {
        let arn = model
            .principals
            .iter()
            .find(|p| p.name == settled)
            .map(|p| p.arn.clone())
            .unwrap();
        assert!(
            warden_access::paths(&model, Goal::Admin, Some(&arn))
                .unwrap()
                .is_empty(),
            "{settled}"
        );
    }
}

#[test]
fn a_bucket_policy_granting_a_second_account() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let bucket = LabeledPolicy::new(
        "bucket:reports-bucket",
        warden_policy::parse_policy(BUCKET_POLICY).unwrap(),
    );
    let answer = warden_access::who_can(
        &model,
        &["s3:GetObject".to_string()],
        "arn:aws:s3:::reports-bucket/q3.csv",
        Some("222233334444"),
        Some(&bucket),
    )
    .unwrap();
    let who: Vec<(&str, &str)> = answer
        .entries
        .iter()
        .map(|e| {
            (
                e.principal.as_str(),
                e.statements.join(" + ").leak() as &str,
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            (
                "arn:aws:iam::222233334444:role/deploy-admin",
                "inline:admin/Everything"
            ),
            (
                "arn:aws:iam::222233334444:role/reporter",
                "inline:read/ReadReports"
            ),
            (
                "arn:aws:iam::222233334444:role/vendor-access",
                "inline:reports/ReadReports"
            ),
            (
                "arn:aws:iam::333344445555:role/analyst",
                "bucket:reports-bucket/AnalyticsAccount + inline:read/ReadSharedReports"
            ),
            ("999988887777", "bucket:reports-bucket/Auditor"),
        ]
    );
    insta::assert_snapshot!("access_who_can_bucket", answer.table());
}

#[test]
fn principal_can_consolidates_after_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let catalog = warden_catalog::Catalog::embedded();
    let answer =
        warden_access::principal_can(&model, catalog, "arn:aws:iam::222233334444:role/reporter")
            .unwrap();
    insta::assert_snapshot!("access_principal_can_reporter", answer.table());
    assert_eq!(answer.statements.len(), 1, "{}", answer.table());
    let actions: Vec<&str> = answer.statements[0]
        .actions
        .iter()
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(actions, ["s3:GetObject", "s3:ListBucket"]);
}

#[test]
fn principals_with_an_escalation_path_get_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let findings = warden_app::paths::escalation_findings(&model).unwrap();
    let found: Vec<(&str, Option<&str>, Option<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.principal.as_deref(),
                f.account.as_deref(),
            )
        })
        .collect();
    assert_eq!(found, [("WL790", Some("builder"), Some("222233334444"))]);
    assert!(
        findings[0]
            .message
            .contains("[lambda-create-function-invoke]"),
        "{}",
        findings[0].message
    );
}
