//! Linter end to end: the repository's definitions (rendered for the sample organization and as
//! written), an account authorization details export with URL-encoded documents, a policy file
//! with source positions, exceptions judged on a given day, and bad input.

use std::path::{Path, PathBuf};

use warden_catalog::Catalog;
use warden_lint::{Finding, LintConfig, LintOptions, Severity, spec_input};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[expect(
    clippy::expect_used,
    reason = "test helper: a bad literal date is a bug in the test itself"
)]
fn day(text: &str) -> warden_lint::Date {
    warden_policy::date::parse_day(text).expect("valid date")
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.is_active() && f.severity == Severity::Error)
        .collect()
}

#[test]
fn repository_definitions_rendered_for_every_account_have_no_errors() {
    let definitions =
        warden_spec::Definitions::load(&root()).unwrap_or_else(|errors| panic!("{errors}"));
    let config = LintConfig::from_spec(&definitions.config);
    let org_text =
        std::fs::read_to_string(root().join("crates/lint/tests/fixtures/org/sample-org.json"))
            .unwrap();
    let org: warden_spec::Organization = serde_json::from_str(&org_text).unwrap();
    let catalog = Catalog::embedded();
    let today = day("2026-06-01");
    let mut findings = Vec::new();
    let mut roles = 0;
    for account in &org.accounts {
        let rendered = definitions
            .render_for_account(&org, account)
            .unwrap_or_else(|errors| panic!("{errors}"));
        roles += rendered.roles.len();
        findings.extend(spec_input::lint_rendered_account(
            &rendered, &config, catalog, today,
        ));
    }
    let scps = definitions
        .render_scps(&org)
        .unwrap_or_else(|errors| panic!("{errors}"));
    findings.extend(spec_input::lint_rendered_scps(
        &scps, &config, catalog, today,
    ));
    assert!(roles > 0, "no role rendered for the sample organization");
    assert!(
        errors(&findings).is_empty(),
        "{}",
        warden_lint::emit::table::render(&findings)
    );
    // Findings point into the definition files.
    for finding in &findings {
        assert!(root().join(&finding.file).is_file(), "{finding:?}");
    }
}

#[test]
fn repository_definitions_as_written_have_no_errors() {
    let definitions =
        warden_spec::Definitions::load(&root()).unwrap_or_else(|errors| panic!("{errors}"));
    let config = LintConfig::from_spec(&definitions.config);
    let subject = spec_input::subject_from_definitions(&definitions, &config).unwrap();
    assert!(!subject.roles.is_empty());
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today: day("2026-06-01"),
    };
    let findings = warden_lint::lint(&subject, &options);
    assert!(
        errors(&findings).is_empty(),
        "{}",
        warden_lint::emit::table::render(&findings)
    );
}

/// A small `aws iam get-account-authorization-details` output: one role with URL-encoded
/// documents as the API returns them, one with objects as the CLI prints them.
fn export_text() -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}"#;
    let encoded: String = trust
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        r#"{{
  "UserDetailList": [],
  "GroupDetailList": [],
  "RoleDetailList": [
    {{
      "Path": "/",
      "RoleName": "vendor-access",
      "Arn": "arn:aws:iam::111122223333:role/vendor-access",
      "AssumeRolePolicyDocument": "{encoded}",
      "RolePolicyList": [],
      "AttachedManagedPolicies": [{{"PolicyName": "admin-ish", "PolicyArn": "arn:aws:iam::111122223333:policy/admin-ish"}}],
      "Tags": [{{"Key": "Project", "Value": "vendor"}}]
    }},
    {{
      "Path": "/",
      "RoleName": "app",
      "Arn": "arn:aws:iam::111122223333:role/app",
      "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Sid": "Ec2", "Effect": "Allow", "Principal": {{"Service": "ec2.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}},
      "RolePolicyList": [{{"PolicyName": "read", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Sid": "Token", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}}]}}}}],
      "AttachedManagedPolicies": [],
      "PermissionsBoundary": {{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary"}},
      "Tags": []
    }}
  ],
  "Policies": [
    {{
      "PolicyName": "admin-ish",
      "Arn": "arn:aws:iam::111122223333:policy/admin-ish",
      "DefaultVersionId": "v2",
      "AttachmentCount": 1,
      "PolicyVersionList": [
        {{"VersionId": "v2", "IsDefaultVersion": true, "Document": {{"Version": "2012-10-17", "Statement": [{{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}}]}}}},
        {{"VersionId": "v1", "IsDefaultVersion": false, "Document": {{"Version": "2012-10-17", "Statement": [{{"Sid": "Old", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}}}
      ]
    }}
  ]
}}"#
    )
}

#[test]
fn account_export_is_linted_with_roles_policies_and_positions() {
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today: day("2026-06-01"),
    };
    let text = export_text();
    let findings = warden_lint::lint_authorization_details("export.json", &text, &options).unwrap();
    let find = |rule: &str, principal: &str| {
        findings
            .iter()
            .find(|f| f.rule == rule && f.principal.as_deref() == Some(principal))
    };
    let boundary = find("WL701", "vendor-access").expect("missing boundary reported");
    assert_eq!(
        (boundary.line, boundary.column),
        (7, 7),
        "points at `RoleName`"
    );
    assert_eq!(boundary.account.as_deref(), Some("111122223333"));
    assert!(
        find("WL501", "vendor-access").is_some(),
        "url-encoded trust policy linted: {findings:#?}"
    );
    // Only the default version of the customer managed policy counts.
    assert!(find("WL202", "admin-ish").is_some(), "{findings:#?}");
    assert!(
        !findings.iter().any(|f| f.sid.as_deref() == Some("Old")),
        "non-default version linted"
    );
    // The well-formed role: boundary set, star-only action, EC2 trust: nothing at error level.
    let app_errors: Vec<_> = findings
        .iter()
        .filter(|f| f.principal.as_deref() == Some("app") && f.severity == Severity::Error)
        .collect();
    assert!(app_errors.is_empty(), "{app_errors:#?}");
}

#[test]
fn policy_file_findings_point_at_the_statement() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Fine", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
    {
      "Sid": "Queue",
      "Effect": "Allow",
      "Action": "sqs:SendMessage",
      "Resource": "*"
    }
  ]
}
"#;
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today: day("2026-06-01"),
    };
    let findings =
        warden_lint::lint_policy_text("policies/queue.json", text, None, &options).unwrap();
    let star = findings
        .iter()
        .find(|f| f.rule == "WL301")
        .expect("resource star reported");
    assert_eq!(
        (star.file.as_str(), star.line, star.column),
        ("policies/queue.json", 5, 5)
    );
    assert_eq!(star.sid.as_deref(), Some("Queue"));
    assert!(
        !findings.iter().any(|f| f.sid.as_deref() == Some("Fine")),
        "{findings:#?}"
    );
}

#[test]
fn exceptions_count_until_they_expire() {
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]});
    let subject_with = |expires: &str| {
        let mut subject = warden_lint::Subject::default();
        subject.policies.push(
            warden_lint::PolicySubject::from_value(
                "queue",
                warden_lint::PolicyKind::Identity,
                warden_lint::Location::file("policies/queue.yaml"),
                &policy,
            )
            .unwrap(),
        );
        subject.exceptions.push(warden_lint::Exception {
            rule: "resource-star".into(),
            sid: Some("Queue".into()),
            reason: "consumer discovers queues at runtime".into(),
            owner: "platform".into(),
            expires: day(expires),
            principal: Some("queue".into()),
            location: warden_lint::Location::new("policies/queue.yaml", 20, 5),
        });
        subject
    };
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today: day("2026-06-30"),
    };
    // Live on its last day: the error is reported as excepted and does not count.
    let live = warden_lint::lint(&subject_with("2026-06-30"), &options);
    assert!(
        live.iter()
            .any(|f| f.rule == "WL301" && f.excepted.is_some()),
        "{live:#?}"
    );
    assert!(!warden_lint::has_errors(&live));
    assert!(warden_lint::emit::json::render(&live).contains("\"excepted\""));
    // Expired the day before: the error counts again and the expiry is reported.
    let expired = warden_lint::lint(&subject_with("2026-06-29"), &options);
    assert!(warden_lint::has_errors(&expired));
    let notice = expired
        .iter()
        .find(|f| f.rule == "WL704")
        .expect("expiry reported");
    assert_eq!(
        (notice.file.as_str(), notice.line),
        ("policies/queue.yaml", 20)
    );
}

#[test]
fn bad_input_is_an_error_with_a_position() {
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today: day("2026-06-01"),
    };
    let err = warden_lint::lint_policy_text("bad.json", "{\n  \"Statement\": [\n    {\"Effect\": \"Maybe\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\n  ]\n}\n", None, &options)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bad.json:3:"), "{err}");
    assert!(err.contains("`Maybe`"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

const BAD_ROLE: &str = r#"kind: Role
name: reports-writer
description: Written with help from ChatGPT.
targets:
  accounts: [payments-dev]
tags:
  Project: payments
trust:
  - Sid: Vendor
    Effect: Allow
    Principal:
      AWS: "arn:aws:iam::999988887777:root"
    Action: sts:AssumeRole
inline_policies:
  write:
    - Sid: WriteEverywhere
      Effect: Allow
      Action: [s3:PutObject, iam:PassRole]
      Resource: "*"
    - Sid: Typo
      Effect: Allow
      Action: s3:GetObjects
      Resource: "arn:aws:s3:::reports/*"
"#;

#[test]
fn a_bad_definition_is_reported_at_its_yaml_lines() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("warden.yaml"), repo.path().join("warden.yaml")).unwrap();
    for dir in ["policies", "boundaries", "scps"] {
        copy_dir(&root().join(dir), &repo.path().join(dir));
    }
    std::fs::write(repo.path().join("policies/reports-writer.yaml"), BAD_ROLE).unwrap();
    let definitions =
        warden_spec::Definitions::load(repo.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let config = LintConfig::from_spec(&definitions.config);
    let org_text =
        std::fs::read_to_string(root().join("crates/lint/tests/fixtures/org/sample-org.json"))
            .unwrap();
    let org: warden_spec::Organization = serde_json::from_str(&org_text).unwrap();
    let account = org
        .accounts
        .iter()
        .find(|account| account.name == "payments-dev")
        .unwrap();
    let rendered = definitions
        .render_for_account(&org, account)
        .unwrap_or_else(|errors| panic!("{errors}"));
    let findings = spec_input::lint_rendered_account(
        &rendered,
        &config,
        Catalog::embedded(),
        day("2026-06-01"),
    );
    let at = |rule: &str| {
        findings
            .iter()
            .find(|f| f.rule == rule && f.principal.as_deref() == Some("reports-writer"))
            .map(|f| (f.file.as_str(), f.line, f.column, f.account.as_deref()))
    };
    let file = "policies/reports-writer.yaml";
    assert_eq!(
        at("WL501"),
        Some((file, 9, 5, Some(account.id.as_str()))),
        "{findings:#?}"
    );
    assert_eq!(at("WL301").map(|f| (f.0, f.1)), Some((file, 16)));
    assert_eq!(at("WL205").map(|f| (f.0, f.1)), Some((file, 20)));
    assert!(at("WL701").is_some(), "no boundary");
    assert!(
        at("WL702").is_some(),
        "missing Environment and Service tags"
    );
    assert!(at("WL901").is_some(), "ChatGPT in the description");
    let unjustified = findings
        .iter()
        .find(|f| f.rule == "WL902" && f.principal.as_deref() == Some("reports-writer"))
        .expect("a statement without a justification is reported");
    assert_eq!(unjustified.severity, warden_lint::Severity::Error);
    assert!(warden_lint::has_errors(&findings));
}
