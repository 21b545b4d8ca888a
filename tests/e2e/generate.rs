//! Generated policies end to end: they load as definitions, lint clean, and the evaluator allows
//! what the intent asked for and denies the rest; trust templates and CloudTrail-based output too.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: a failure should stop the test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use warden_catalog::Catalog;
use warden_eval::{CompiledPolicySet, Context, DecisionKind, LabeledPolicy, PolicySet, Request};
use warden_generate::cloudtrail::RoleArn;
use warden_generate::io::read_trail_dir;
use warden_generate::render::{definitions_yaml, policy_json, trust_json};
use warden_generate::size::expand_all;
use warden_generate::{
    ActivityOptions, GeneratedRole, IntentOptions, Layout, SizeLimits, generate_from_activity,
    generate_from_intent_text,
};
use warden_lint::{Finding, LintConfig, LintOptions};

/// Action, resource and request context of one evaluated request.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

const ROLE: &str = "arn:aws:iam::111122223333:role/report-exporter";

fn root() -> PathBuf {
    warden_e2e::workspace_root()
}

fn options(trust: &[&str]) -> IntentOptions {
    IntentOptions {
        trust: trust.iter().map(ToString::to_string).collect(),
        external_id: Some("vendor-7f3a91".into()),
        exception_expires: "2027-11-25".into(),
        ..IntentOptions::default()
    }
}

fn from_intent(text: &str, trust: &[&str]) -> (GeneratedRole, Layout) {
    generate_from_intent_text(
        text,
        Path::new("intent.yaml"),
        Catalog::embedded(),
        &options(trust),
        SizeLimits::default(),
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

fn example() -> String {
    std::fs::read_to_string(root().join("examples/intent/report-exporter.yaml")).unwrap()
}

/// A definitions repository with the generation tests' `warden.yaml` and boundary, plus
/// `generated` as `policies/generated.yaml`.
fn repository(generated: &str) -> tempfile::TempDir {
    let fixture = root().join("crates/generate/tests/fixtures/definitions");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture.join("warden.yaml"), dir.path().join("warden.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("boundaries")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::copy(
        fixture.join("boundaries/workload-boundary.yaml"),
        dir.path().join("boundaries/workload-boundary.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("policies/generated.yaml"), generated).unwrap();
    dir
}

/// Loads the repository and lints the definitions; returns the findings that count.
fn load_and_lint(generated: &str) -> Vec<Finding> {
    let dir = repository(generated);
    let definitions = warden_spec::Definitions::load(dir.path())
        .unwrap_or_else(|errors| panic!("{errors}\n{generated}"));
    let config = LintConfig::from_spec(&definitions.config);
    let subject = warden_lint::spec_input::subject_from_definitions(&definitions, &config).unwrap();
    let today = warden_lint::Date::from_ordinal_date(2026, 329).unwrap();
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today,
    };
    warden_lint::lint(&subject, &options)
        .into_iter()
        .filter(Finding::is_active)
        .collect()
}

fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {}:{} {:?} {}",
                f.rule, f.severity, f.file, f.line, f.sid, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn generated_role_loads_and_lints_clean() {
    let (role, layout) = from_intent(&example(), &[]);
    let yaml = definitions_yaml(&role, &layout, "examples/intent/report-exporter.yaml");
    let findings = load_and_lint(&yaml);
    assert!(findings.is_empty(), "{}\n{yaml}", show(&findings));
}

fn identity_set(layout: &Layout) -> CompiledPolicySet {
    let json = policy_json(layout).to_string();
    let document = warden_policy::parse_policy(&json).unwrap_or_else(|err| panic!("{err:?}"));
    CompiledPolicySet::compile(&PolicySet {
        identity: vec![LabeledPolicy::new("generated", document)],
        ..PolicySet::default()
    })
}

/// The identity policies plus a key policy that delegates to the account's IAM policies (the
/// default key policy): KMS requires the key policy to allow as well.
fn identity_set_with_key_policy(layout: &Layout) -> CompiledPolicySet {
    let json = policy_json(layout).to_string();
    let document = warden_policy::parse_policy(&json).unwrap_or_else(|err| panic!("{err:?}"));
    let key_policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnableIamPolicies","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let key_policy =
        warden_policy::parse_policy(key_policy).unwrap_or_else(|err| panic!("{err:?}"));
    CompiledPolicySet::compile(&PolicySet {
        identity: vec![LabeledPolicy::new("generated", document)],
        resource_policy: Some(LabeledPolicy::new("key policy", key_policy)),
        ..PolicySet::default()
    })
}

fn decide(
    set: &CompiledPolicySet,
    action: &str,
    resource: &str,
    context: &[(&str, &str)],
) -> DecisionKind {
    let context = Context::from_pairs(
        context
            .iter()
            .map(|(key, value)| (*key, vec![(*value).to_string()])),
    );
    let request = Request::new(ROLE, action, resource)
        .unwrap()
        .with_resource_account("111122223333")
        .with_context(context)
        .finish();
    set.decide(&request)
}

#[test]
fn evaluator_allows_the_intent_and_denies_the_rest() {
    let (_, layout) = from_intent(&example(), &[]);
    let set = identity_set(&layout);
    let with_key_policy = identity_set_with_key_policy(&layout);
    let object = "arn:aws:s3:::acme-reports/exports/2026-11-01.csv";
    let table = "arn:aws:dynamodb:eu-west-1:111122223333:table/finance-ledger";
    let key = "arn:aws:kms:eu-west-1:111122223333:key/0b7a1c9e-5f1d-4c55-9a3e-2f4b8d6c1a00";
    let task_role = "arn:aws:iam::111122223333:role/report-exporter-task";
    let allowed: [Case; 9] = [
        ("s3:GetObject", object, &[]),
        ("s3:PutObject", object, &[]),
        ("s3:ListBucket", "arn:aws:s3:::acme-reports", &[]),
        ("dynamodb:GetItem", table, &[]),
        ("dynamodb:Query", table, &[]),
        ("kms:Decrypt", key, &[]),
        ("kms:GenerateDataKey", key, &[]),
        ("ecr:GetAuthorizationToken", "*", &[]),
        (
            "iam:PassRole",
            task_role,
            &[("iam:PassedToService", "ecs-tasks.amazonaws.com")],
        ),
    ];
    for (action, resource, context) in allowed {
        let set = if action.starts_with("kms:") {
            &with_key_policy
        } else {
            &set
        };
        assert_eq!(
            decide(set, action, resource, context),
            DecisionKind::Allow,
            "{action} on {resource}"
        );
    }
    let denied: [Case; 9] = [
        ("s3:DeleteObject", object, &[]),
        (
            "s3:GetObject",
            "arn:aws:s3:::acme-payroll/exports/2026-11-01.csv",
            &[],
        ),
        (
            "s3:GetObject",
            "arn:aws:s3:::acme-reports/private/salaries.csv",
            &[],
        ),
        ("s3:PutBucketPolicy", "arn:aws:s3:::acme-reports", &[]),
        ("dynamodb:PutItem", table, &[]),
        (
            "dynamodb:GetItem",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/payroll",
            &[],
        ),
        ("kms:ScheduleKeyDeletion", key, &[]),
        (
            "iam:PassRole",
            task_role,
            &[("iam:PassedToService", "lambda.amazonaws.com")],
        ),
        (
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/admin",
            &[("iam:PassedToService", "ecs-tasks.amazonaws.com")],
        ),
    ];
    for (action, resource, context) in denied {
        let set = if action.starts_with("kms:") {
            &with_key_policy
        } else {
            &set
        };
        assert_eq!(
            decide(set, action, resource, context),
            DecisionKind::ImplicitDeny,
            "{action} on {resource}"
        );
    }
}

#[test]
fn trust_templates_lint_clean_and_admit_only_the_intended_callers() {
    let text = example().replace("trust:\n  - service:ecs-tasks.amazonaws.com\n", "");
    let templates = [
        "service:ecs-tasks.amazonaws.com",
        "account:444455556666",
        "github:acme/reports@main",
    ];
    let (role, layout) = from_intent(&text, &templates);
    assert_eq!(role.trust.len(), 3);
    let yaml = definitions_yaml(&role, &layout, "trust test");
    let findings = load_and_lint(&yaml);
    assert!(findings.is_empty(), "{}\n{yaml}", show(&findings));

    let trust = warden_policy::parse_policy(&trust_json(&role).to_string())
        .unwrap_or_else(|err| panic!("{err:?}"));
    // Cross-account callers also need their own identity policy to allow the call.
    let partner_identity = warden_policy::parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{ROLE}"}}]}}"#
    ))
    .unwrap_or_else(|err| panic!("{err:?}"));
    let set = CompiledPolicySet::compile(&PolicySet {
        identity: vec![LabeledPolicy::new("caller", partner_identity)],
        resource_policy: Some(LabeledPolicy::new("trust", trust)),
        ..PolicySet::default()
    });
    let assume = |principal: &str, action: &str, context: &[(&str, &str)]| {
        let context = Context::from_pairs(
            context
                .iter()
                .map(|(key, value)| (*key, vec![(*value).to_string()])),
        );
        let request = Request::new(principal, action, ROLE)
            .unwrap()
            .with_context(context)
            .finish();
        set.decide(&request)
    };
    let partner = "arn:aws:iam::444455556666:role/ledger-sync";
    assert_eq!(
        assume(
            partner,
            "sts:AssumeRole",
            &[("sts:ExternalId", "vendor-7f3a91")]
        ),
        DecisionKind::Allow
    );
    assert_eq!(
        assume(partner, "sts:AssumeRole", &[("sts:ExternalId", "guess")]),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        assume(partner, "sts:AssumeRole", &[]),
        DecisionKind::ImplicitDeny,
        "no external id"
    );
    let stranger = "arn:aws:iam::999988887777:role/ledger-sync";
    assert_eq!(
        assume(
            stranger,
            "sts:AssumeRole",
            &[("sts:ExternalId", "vendor-7f3a91")]
        ),
        DecisionKind::ImplicitDeny
    );

    let ecs = [
        ("aws:SourceAccount", "111122223333"),
        (
            "aws:SourceArn",
            "arn:aws:ecs:eu-west-1:111122223333:task/exporters/1",
        ),
    ];
    assert_eq!(
        assume("ecs-tasks.amazonaws.com", "sts:AssumeRole", &ecs),
        DecisionKind::Allow
    );
    let confused = [
        ("aws:SourceAccount", "999988887777"),
        (
            "aws:SourceArn",
            "arn:aws:ecs:eu-west-1:999988887777:task/x/1",
        ),
    ];
    assert_eq!(
        assume("ecs-tasks.amazonaws.com", "sts:AssumeRole", &confused),
        DecisionKind::ImplicitDeny
    );

    let github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    let main = [
        (
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        ),
        (
            "token.actions.githubusercontent.com:sub",
            "repo:acme/reports:ref:refs/heads/main",
        ),
    ];
    assert_eq!(
        assume(github, "sts:AssumeRoleWithWebIdentity", &main),
        DecisionKind::Allow
    );
    let fork = [
        (
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        ),
        (
            "token.actions.githubusercontent.com:sub",
            "repo:mallory/reports:ref:refs/heads/main",
        ),
    ];
    assert_eq!(
        assume(github, "sts:AssumeRoleWithWebIdentity", &fork),
        DecisionKind::ImplicitDeny
    );
    let branch = [
        (
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        ),
        (
            "token.actions.githubusercontent.com:sub",
            "repo:acme/reports:ref:refs/heads/feature",
        ),
    ];
    assert_eq!(
        assume(github, "sts:AssumeRoleWithWebIdentity", &branch),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn activity_definition_loads_lints_clean_and_grants_only_what_was_used() {
    let dir = root().join("crates/generate/tests/fixtures/cloudtrail");
    let events = read_trail_dir(&dir).unwrap();
    let role = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/report-exporter").unwrap();
    let options = ActivityOptions {
        since: Some("2026-11-01".into()),
        trust: vec!["service:ecs-tasks.amazonaws.com".into()],
        exception_expires: "2027-11-25".into(),
        owner: Some("platform-team".into()),
        boundary: Some("workload-boundary".into()),
        tags: [
            ("Project", "reports"),
            ("Environment", "prod"),
            ("Service", "report-exporter"),
        ]
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .into(),
        ..ActivityOptions::default()
    };
    let (generated, layout, _) = generate_from_activity(
        &events,
        &role,
        Catalog::embedded(),
        &options,
        SizeLimits::default(),
    )
    .unwrap();
    let yaml = definitions_yaml(&generated, &layout, "fixture trail");
    let findings = load_and_lint(&yaml);
    assert!(findings.is_empty(), "{}\n{yaml}", show(&findings));
    let set = identity_set(&layout);
    assert_eq!(
        decide(
            &set,
            "s3:GetObject",
            "arn:aws:s3:::acme-reports/exports/2026-11-01.csv",
            &[]
        ),
        DecisionKind::Allow
    );
    assert_eq!(
        decide(
            &set,
            "s3:DeleteObject",
            "arn:aws:s3:::acme-reports/exports/2026-10-01.csv",
            &[]
        ),
        DecisionKind::ImplicitDeny,
        "denied in the trail, not granted"
    );
    assert_eq!(
        decide(
            &set,
            "s3:GetObject",
            "arn:aws:s3:::acme-reports/exports/2026-09-30.csv",
            &[]
        ),
        DecisionKind::ImplicitDeny,
        "objects never read"
    );
    assert_eq!(
        decide(
            &set,
            "dynamodb:DeleteTable",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/finance-ledger",
            &[]
        ),
        DecisionKind::ImplicitDeny,
        "before --since"
    );
}

#[test]
fn split_policies_load_and_keep_exactly_the_action_set() {
    // Read access to many services' resources: too large for one inline policy.
    let services = [
        "ec2",
        "rds",
        "glue",
        "sagemaker",
        "dynamodb",
        "lambda",
        "sqs",
        "sns",
        "logs",
        "kms",
        "secretsmanager",
        "ssm",
    ];
    let mut text = String::from(
        "role: auditor\naccount: \"111122223333\"\nregion: eu-west-1\nowner: security\nboundary: workload-boundary\ntags: {Project: audit, Environment: prod, Service: auditor}\ntrust: [\"service:ecs-tasks.amazonaws.com\"]\npermissions:\n",
    );
    for service in services {
        text.push_str(&format!("  - service: {service}\n    access: [List, Read]\n    resources: [\"arn:aws:{service}:eu-west-1:111122223333:*\"]\n"));
    }
    let (role, layout) = from_intent(&text, &[]);
    let Layout::Managed(policies) = &layout else {
        panic!("expected a split into managed policies")
    };
    assert!(policies.len() >= 2);
    let catalog = Catalog::embedded();
    let intended: BTreeSet<String> = role
        .statements
        .iter()
        .flat_map(|s| s.actions.iter().map(|a| a.to_ascii_lowercase()))
        .collect();
    let granted: BTreeSet<String> = policies
        .iter()
        .flat_map(|p| expand_all(&p.actions(), catalog))
        .collect();
    assert_eq!(granted, intended);
    for policy in policies {
        assert!(
            warden_generate::statement::iam_size(&policy.to_json()) <= 6_144,
            "{}",
            policy.name
        );
    }
    let yaml = definitions_yaml(&role, &layout, "split test");
    let findings: Vec<Finding> = load_and_lint(&yaml)
        .into_iter()
        .filter(|f| f.rule.starts_with("WL6") || f.rule == "WL301")
        .collect();
    assert!(findings.is_empty(), "{}", show(&findings));
}

/// The role's granted statements, read as `cargo xtask refine` reads them: through warden-spec.
fn granted_through_spec(root: &Path, role: &str) -> Vec<warden_generate::refine::GrantedStatement> {
    let definitions =
        warden_spec::Definitions::load(root).unwrap_or_else(|errors| panic!("{errors}"));
    let role = warden_generate::definitions::find_role(&definitions, role).unwrap();
    warden_generate::definitions::granted_statements(&definitions, role)
}

#[test]
fn refine_proposes_removing_what_the_trail_never_used() {
    let (role, layout) = from_intent(&example(), &[]);
    let dir = repository(&definitions_yaml(&role, &layout, "refine test"));
    let granted = granted_through_spec(dir.path(), "report-exporter");
    let events = read_trail_dir(&root().join("crates/generate/tests/fixtures/cloudtrail")).unwrap();
    let arn = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/report-exporter").unwrap();
    let activity =
        warden_generate::activity::observe(&events, &arn, Some("2026-11-01"), Catalog::embedded());
    let proposals =
        warden_generate::refine::propose(&granted, &activity.actions(), Catalog::embedded());
    let unused: BTreeSet<&str> = proposals
        .iter()
        .flat_map(|p| p.unused.iter().map(String::as_str))
        .collect();
    assert!(unused.contains("s3:GetObjectAcl"));
    assert!(unused.contains("dynamodb:Scan"));
    assert!(
        !unused.contains("s3:GetObject")
            && !unused.contains("s3:PutObject")
            && !unused.contains("s3:ListBucket")
    );
    assert!(
        !unused.contains("iam:PassRole"),
        "never logged, never proposed"
    );
    let objects = proposals
        .iter()
        .find(|p| p.sid.as_deref() == Some("S3ObjectListReadWrite"))
        .unwrap();
    let kept = &objects.replacement.as_ref().unwrap()["Action"];
    assert_eq!(kept, &serde_json::json!(["s3:GetObject", "s3:PutObject"]));
    // Every action the refined statements keep was used (or cannot be observed).
    let used = activity.actions();
    for proposal in &proposals {
        for action in proposal.replacement.iter().flat_map(|r| {
            r["Action"]
                .as_array()
                .cloned()
                .unwrap_or_else(|| vec![r["Action"].clone()])
        }) {
            let action = action.as_str().unwrap();
            assert!(
                used.contains(action) || action == "iam:PassRole",
                "{action}"
            );
        }
    }
}

#[test]
fn every_example_intent_generates_a_clean_definition() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples/intent"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 3, "{examples:?}");
    for path in examples {
        let text = std::fs::read_to_string(&path).unwrap();
        // The fixture `warden.yaml` defines this variable for cross-account trust.
        let options = IntentOptions {
            external_id_var: Some("external_id".into()),
            exception_expires: "2027-11-25".into(),
            ..IntentOptions::default()
        };
        let (role, layout) = generate_from_intent_text(
            &text,
            &path,
            Catalog::embedded(),
            &options,
            SizeLimits::default(),
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let yaml = definitions_yaml(&role, &layout, &path.display().to_string());
        let findings = load_and_lint(&yaml);
        assert!(
            findings.is_empty(),
            "{}: {}\n{yaml}",
            path.display(),
            show(&findings)
        );
    }
}

#[test]
fn one_role_trust_admits_that_role_only() {
    let text = example().replace("trust:\n  - service:ecs-tasks.amazonaws.com\n", "");
    let (role, layout) = from_intent(&text, &["account:444455556666:role/sync/ledger-sync"]);
    let yaml = definitions_yaml(&role, &layout, "one-role trust test");
    let findings = load_and_lint(&yaml);
    assert!(findings.is_empty(), "{}\n{yaml}", show(&findings));
    let trust = warden_policy::parse_policy(&trust_json(&role).to_string()).unwrap();
    let decide = |principal: &str| {
        let identity = warden_policy::parse_policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{ROLE}"}}]}}"#
        ))
        .unwrap();
        let set = CompiledPolicySet::compile(&PolicySet {
            identity: vec![LabeledPolicy::new("caller", identity)],
            resource_policy: Some(LabeledPolicy::new("trust", trust.clone())),
            ..PolicySet::default()
        });
        let context = Context::from_pairs([("sts:ExternalId", vec!["vendor-7f3a91".to_string()])]);
        set.decide(
            &Request::new(principal, "sts:AssumeRole", ROLE)
                .unwrap()
                .with_context(context)
                .finish(),
        )
    };
    assert_eq!(
        decide("arn:aws:iam::444455556666:role/sync/ledger-sync"),
        DecisionKind::Allow
    );
    assert_eq!(
        decide("arn:aws:iam::444455556666:role/sync/other-job"),
        DecisionKind::ImplicitDeny
    );
}

/// Applies a unified diff to `text`, checking every context and removed line (a minimal `patch`).
fn apply_unified_diff(text: &str, diff: &str) -> String {
    let old: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cursor = 0;
    for line in diff.lines().skip(2) {
        if let Some(header) = line.strip_prefix("@@ -") {
            let start: usize = header.split([',', ' ']).next().unwrap().parse().unwrap();
            while cursor < start - 1 {
                out.push(old[cursor].to_owned());
                cursor += 1;
            }
        } else if let Some(context) = line.strip_prefix(' ') {
            assert_eq!(old[cursor], context, "context line {}", cursor + 1);
            out.push(context.to_owned());
            cursor += 1;
        } else if let Some(removed) = line.strip_prefix('-') {
            assert_eq!(old[cursor], removed, "removed line {}", cursor + 1);
            cursor += 1;
        } else if let Some(added) = line.strip_prefix('+') {
            out.push(added.to_owned());
        }
    }
    out.extend(old[cursor..].iter().map(|line| (*line).to_owned()));
    out.join("\n") + "\n"
}

#[test]
fn refine_diff_applies_and_the_result_loads_and_lints_clean() {
    let (role, layout) = from_intent(&example(), &[]);
    let original = definitions_yaml(&role, &layout, "refine diff test");
    let dir = repository(&original);
    let granted = granted_through_spec(dir.path(), "report-exporter");
    let events = read_trail_dir(&root().join("crates/generate/tests/fixtures/cloudtrail")).unwrap();
    let arn = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/report-exporter").unwrap();
    let activity =
        warden_generate::activity::observe(&events, &arn, Some("2026-11-01"), Catalog::embedded());
    let proposals =
        warden_generate::refine::propose(&granted, &activity.actions(), Catalog::embedded());
    let edits: Vec<warden_generate::refine::Edit<'_>> = proposals
        .iter()
        .map(|p| warden_generate::refine::Edit {
            sid: p.sid.as_deref().unwrap(),
            replacement: p.replacement.as_ref(),
        })
        .collect();
    let diff = warden_generate::refine::unified_diff("policies/generated.yaml", &original, &edits)
        .unwrap();
    let refined = apply_unified_diff(&original, &diff);
    assert!(refined.len() < original.len());
    let findings = load_and_lint(&refined);
    assert!(findings.is_empty(), "{}\n{refined}", show(&findings));
    let set = {
        let dir = repository(&refined);
        let granted = granted_through_spec(dir.path(), "report-exporter");
        let statements: Vec<serde_json::Value> = granted
            .iter()
            .map(|g| serde_json::Value::Object(g.statement.clone()))
            .collect();
        let mut document = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        for statement in document["Statement"].as_array_mut().unwrap() {
            statement.as_object_mut().unwrap().remove("justification");
        }
        let parsed = warden_policy::parse_value(&document).unwrap();
        CompiledPolicySet::compile(&PolicySet {
            identity: vec![LabeledPolicy::new("refined", parsed)],
            ..PolicySet::default()
        })
    };
    let object = "arn:aws:s3:::acme-reports/exports/2026-11-01.csv";
    assert_eq!(
        decide(&set, "s3:GetObject", object, &[]),
        DecisionKind::Allow,
        "used, kept"
    );
    assert_eq!(
        decide(&set, "s3:GetObjectAcl", object, &[]),
        DecisionKind::ImplicitDeny,
        "unused, removed"
    );
    let task_role = "arn:aws:iam::111122223333:role/report-exporter-task";
    let pass = [("iam:PassedToService", "ecs-tasks.amazonaws.com")];
    assert_eq!(
        decide(&set, "iam:PassRole", task_role, &pass),
        DecisionKind::Allow,
        "never logged, kept"
    );
}
