//! Tests over the repository's example definitions and the bad-input fixtures.
// Fixture helpers outside `#[test]` functions may fail loudly, as the tests themselves do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use warden_spec::{Account, AccountStatus, Definitions, Organization, OrganizationalUnit};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn account(id: &str, name: &str, parent_id: &str, ou_path: &str, tags: &[(&str, &str)]) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: Some(format!("aws+{name}@acme.example")),
        status: AccountStatus::Active,
        parent_id: parent_id.into(),
        ou_path: ou_path.into(),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn ou(id: &str, name: &str, parent_id: &str, path: &str) -> OrganizationalUnit {
    OrganizationalUnit {
        id: id.into(),
        name: name.into(),
        parent_id: parent_id.into(),
        path: path.into(),
    }
}

/// The sample organization the examples are written for.
fn sample_org() -> Organization {
    Organization {
        id: "o-a1b2c3d4e5".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-a1b2".into(),
        accounts: vec![
            account("123456789012", "management", "r-a1b2", "Root", &[]),
            account(
                "210987654321",
                "payments-prod",
                "ou-a1b2-prod0001",
                "Root/Workloads/Prod",
                &[("Project", "payments"), ("Environment", "prod")],
            ),
            account(
                "310987654321",
                "payments-dev",
                "ou-a1b2-dev00001",
                "Root/Workloads/Dev",
                &[("Project", "payments"), ("Environment", "dev")],
            ),
            account(
                "410987654321",
                "security-audit",
                "ou-a1b2-secur001",
                "Root/Security",
                &[("Project", "security"), ("Environment", "prod")],
            ),
        ],
        organizational_units: vec![
            ou("ou-a1b2-workload", "Workloads", "r-a1b2", "Root/Workloads"),
            ou(
                "ou-a1b2-prod0001",
                "Prod",
                "ou-a1b2-workload",
                "Root/Workloads/Prod",
            ),
            ou(
                "ou-a1b2-dev00001",
                "Dev",
                "ou-a1b2-workload",
                "Root/Workloads/Dev",
            ),
            ou("ou-a1b2-secur001", "Security", "r-a1b2", "Root/Security"),
        ],
    }
}

#[test]
fn repository_examples_load_and_render() {
    let definitions = match Definitions::load(&workspace_root()) {
        Ok(definitions) => definitions,
        Err(errors) => panic!("examples do not load:\n{errors}"),
    };
    let names: Vec<&str> = definitions.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "analytics-export-reader",
            "payments-github-deploy",
            "payments-api-task-execution",
            "payments-api-task"
        ]
    );
    let org = sample_org();
    for account in &org.accounts {
        if let Err(errors) = definitions.render_for_account(&org, account) {
            panic!("rendering for {} fails:\n{errors}", account.id);
        }
    }
    let scps = definitions.render_scps(&org).unwrap();
    assert_eq!(scps.len(), 2);
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fixture as a repository: its files, plus the base `warden.yaml` unless it has its own.
fn fixture_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures_dir().join(name), dir.path());
    let _ = std::fs::remove_file(dir.path().join("expected.txt"));
    if !dir.path().join("warden.yaml").exists() {
        std::fs::copy(
            fixtures_dir().join("base-warden.yaml"),
            dir.path().join("warden.yaml"),
        )
        .unwrap();
    }
    dir
}

/// Every fixture directory holds bad input and `expected.txt`: the exact errors, one per line.
#[test]
fn bad_input_fixtures_report_every_error_with_its_position() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let repo = fixture_repo(&name);
        let actual = match Definitions::load(repo.path()) {
            Ok(_) => String::from("(loaded without errors)\n"),
            Err(errors) => format!("{errors}\n"),
        };
        // After reviewing a change in messages: WARDEN_BLESS_FIXTURES=1 cargo test -p warden-spec
        if std::env::var_os("WARDEN_BLESS_FIXTURES").is_some() {
            std::fs::write(path.join("expected.txt"), &actual).unwrap();
        }
        let expected = std::fs::read_to_string(path.join("expected.txt"))
            .unwrap_or_else(|_| panic!("fixture `{name}` has no expected.txt"));
        if actual != expected {
            failures.push(format!(
                "fixture `{name}`:\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A repository from the base `warden.yaml` (or `config`) and the given files.
fn repo_with(config: Option<&str>, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    match config {
        Some(text) => std::fs::write(dir.path().join("warden.yaml"), text).unwrap(),
        None => {
            std::fs::copy(
                fixtures_dir().join("base-warden.yaml"),
                dir.path().join("warden.yaml"),
            )
            .unwrap();
        }
    }
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn role_yaml(name: &str, targets: &str) -> String {
    format!(
        "kind: Role\nname: {name}\ntargets:\n{targets}\ntrust:\n  - Effect: Allow\n    Principal: {{Service: ecs-tasks.amazonaws.com}}\n    Action: sts:AssumeRole\n"
    )
}

fn targeted_accounts(definitions: &Definitions, org: &Organization, role: &str) -> Vec<String> {
    let role = definitions.roles.iter().find(|r| r.name == role).unwrap();
    org.accounts
        .iter()
        .filter(|account| definitions.targets_account(role, account, org))
        .map(|account| account.name.clone())
        .collect()
}

#[test]
fn targeting_by_ou_path_id_account_and_tag_with_exclusions() {
    let roles = [
        role_yaml("by-path", "  ous: [Root/Workloads]"),
        role_yaml("by-ou-id", "  ous: [ou-a1b2-workload]"),
        role_yaml("by-root", "  ous: [Root]"),
        role_yaml(
            "excluding-dev",
            "  ous: [Root/Workloads]\n  exclude:\n    ous: [Root/Workloads/Dev]",
        ),
        role_yaml("by-tag", "  tags: [Environment=prod]"),
        role_yaml(
            "by-name-and-id",
            "  accounts: [payments-dev, \"410987654321\"]",
        ),
        role_yaml(
            "tag-minus-account",
            "  tags: [Project=payments]\n  exclude:\n    accounts: [\"210987654321\"]",
        ),
        role_yaml("path-prefix-is-not-a-parent", "  ous: [Root/Work]"),
    ];
    let files: Vec<(String, &str)> = roles
        .iter()
        .enumerate()
        .map(|(i, text)| (format!("policies/r{i}.yaml"), text.as_str()))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let repo = repo_with(None, &files);
    let definitions = Definitions::load(repo.path()).unwrap();
    let org = sample_org();
    assert_eq!(
        targeted_accounts(&definitions, &org, "by-path"),
        ["payments-prod", "payments-dev"]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "by-ou-id"),
        ["payments-prod", "payments-dev"]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "by-root"),
        [
            "management",
            "payments-prod",
            "payments-dev",
            "security-audit"
        ]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "excluding-dev"),
        ["payments-prod"]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "by-tag"),
        ["payments-prod", "security-audit"]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "by-name-and-id"),
        ["payments-dev", "security-audit"]
    );
    assert_eq!(
        targeted_accounts(&definitions, &org, "tag-minus-account"),
        ["payments-dev"]
    );
    assert!(targeted_accounts(&definitions, &org, "path-prefix-is-not-a-parent").is_empty());
}

fn scp_yaml(name: &str, targets: &str) -> String {
    format!(
        "kind: Scp\nname: {name}\ntargets:\n{targets}\nstatements:\n  - Effect: Deny\n    Action: organizations:LeaveOrganization\n    Resource: \"*\"\n"
    )
}

#[test]
fn scps_attach_at_the_highest_level_that_excludes_nothing() {
    let scps = [
        scp_yaml("root", "  ous: [Root]"),
        scp_yaml(
            "root-but-security",
            "  ous: [Root]\n  exclude:\n    ous: [Root/Security]",
        ),
        scp_yaml(
            "workloads-but-one-account",
            "  ous: [Root/Workloads]\n  exclude:\n    accounts: [payments-dev]",
        ),
        scp_yaml("prod-tag", "  tags: [Environment=prod]"),
        scp_yaml(
            "ou-and-account-inside",
            "  ous: [Root/Workloads]\n  accounts: [payments-prod]",
        ),
    ];
    let files: Vec<(String, &str)> = scps
        .iter()
        .enumerate()
        .map(|(i, text)| (format!("scps/s{i}.yaml"), text.as_str()))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let repo = repo_with(None, &files);
    let definitions = Definitions::load(repo.path()).unwrap();
    let rendered = definitions.render_scps(&sample_org()).unwrap();
    let targets: BTreeMap<&str, Vec<&str>> = rendered
        .iter()
        .map(|scp| {
            (
                scp.name.as_str(),
                scp.target_ids.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(targets["root"], ["r-a1b2"]);
    // The management account is never attached directly: SCPs do not apply to it.
    assert_eq!(targets["root-but-security"], ["ou-a1b2-workload"]);
    assert_eq!(targets["workloads-but-one-account"], ["ou-a1b2-prod0001"]);
    assert_eq!(targets["prod-tag"], ["210987654321", "410987654321"]);
    assert_eq!(targets["ou-and-account-inside"], ["ou-a1b2-workload"]);
}

const VARIABLES_CONFIG: &str = r#"
organization: {management_account_id: "123456789012"}
access: {role_name: WardenAccess, external_id_env: WARDEN_EXTERNAL_ID}
regions: {allowed: [us-east-1, eu-west-1], home: eu-west-1}
variables:
  global: {environment: shared, tier: global, team: platform}
  ous:
    Root/Workloads: {tier: workloads}
    Root/Workloads/Prod: {tier: prod}
  accounts:
    "310987654321": {tier: dev-account, only_dev: "yes"}
"#;

const VARIABLES_ROLE: &str = r#"kind: Role
name: vars
description: "${account_name} ${environment} ${tier} ${team} ${region} ${org_id}"
targets:
  ous: [Root/Workloads]
trust:
  - Effect: Allow
    Principal: {AWS: "arn:aws:iam::${account_id}:root"}
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        "aws:PrincipalTag/${team}": "${aws:username}-${*}-${?}-${$}"
"#;

#[test]
fn variables_follow_global_tag_ou_account_precedence() {
    let repo = repo_with(
        Some(VARIABLES_CONFIG),
        &[("policies/vars.yaml", VARIABLES_ROLE)],
    );
    let definitions = Definitions::load(repo.path()).unwrap();
    let org = sample_org();
    let prod = org.account("210987654321").unwrap();
    let dev = org.account("310987654321").unwrap();
    let description = |account| {
        definitions.render_for_account(&org, account).unwrap().roles[0]
            .description
            .clone()
            .unwrap()
    };
    // environment: tag beats global; tier: the deepest OU, then the account, wins.
    assert_eq!(
        description(prod),
        "payments-prod prod prod platform eu-west-1 o-a1b2c3d4e5"
    );
    assert_eq!(
        description(dev),
        "payments-dev dev dev-account platform eu-west-1 o-a1b2c3d4e5"
    );
    let rendered = definitions.render_for_account(&org, prod).unwrap();
    assert_eq!(
        rendered.roles[0].trust.json["Statement"][0],
        serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalTag/platform": "${aws:username}-${*}-${?}-${$}"}}
        })
    );
}

#[test]
fn account_variables_may_be_keyed_by_account_name() {
    let config = VARIABLES_CONFIG.replace("\"310987654321\"", "payments-dev");
    let repo = repo_with(Some(&config), &[("policies/vars.yaml", VARIABLES_ROLE)]);
    let definitions = Definitions::load(repo.path()).unwrap();
    let org = sample_org();
    let dev = org.account("310987654321").unwrap();
    let rendered = definitions.render_for_account(&org, dev).unwrap();
    assert_eq!(
        rendered.roles[0].description.as_deref(),
        Some("payments-dev dev dev-account platform eu-west-1 o-a1b2c3d4e5")
    );
    assert!(definitions.unresolved_targets(&org).is_empty());
    // An all-digit key is an id and must be well-formed.
    let config = VARIABLES_CONFIG.replace("\"310987654321\"", "\"31098765432\"");
    let repo = repo_with(Some(&config), &[("policies/vars.yaml", VARIABLES_ROLE)]);
    let errors = Definitions::load(repo.path()).unwrap_err().to_string();
    assert!(
        errors.contains("account id `31098765432` must be 12 digits"),
        "{errors}"
    );
}

#[test]
fn a_variable_without_a_value_for_the_account_is_an_error_at_its_position() {
    let role = VARIABLES_ROLE.replace("${team} ${region}", "${team} ${only_dev}");
    let repo = repo_with(Some(VARIABLES_CONFIG), &[("policies/vars.yaml", &role)]);
    let definitions = Definitions::load(repo.path()).unwrap();
    let org = sample_org();
    assert!(
        definitions
            .render_for_account(&org, org.account("310987654321").unwrap())
            .is_ok()
    );
    let errors = definitions
        .render_for_account(&org, org.account("210987654321").unwrap())
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "policies/vars.yaml:3:62: variable `only_dev` has no value for account `210987654321`; define it in `warden.yaml` variables"
    );
}

#[test]
fn policies_without_targets_follow_the_roles_that_use_them() {
    let policy = "kind: ManagedPolicy\nname: shared\nstatements:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: \"arn:aws:s3:::b-${account_id}/*\"\n";
    let pinned = "kind: ManagedPolicy\nname: pinned\ntargets:\n  accounts: [payments-dev]\nstatements:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: \"*\"\n";
    let role = format!(
        "{}managed_policies: [shared, pinned, arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
        role_yaml("app", "  ous: [Root/Workloads]")
    );
    let repo = repo_with(
        None,
        &[
            ("policies/shared.yaml", policy),
            ("policies/pinned.yaml", pinned),
            ("policies/app.yaml", &role),
        ],
    );
    let definitions = Definitions::load(repo.path()).unwrap();
    let org = sample_org();
    let dev = definitions
        .render_for_account(&org, org.account("310987654321").unwrap())
        .unwrap();
    assert_eq!(
        dev.roles[0].managed_policy_arns,
        [
            "arn:aws:iam::310987654321:policy/shared",
            "arn:aws:iam::310987654321:policy/pinned",
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]
    );
    let names: Vec<&str> = dev.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["pinned", "shared"]);
    let security = definitions
        .render_for_account(&org, org.account("410987654321").unwrap())
        .unwrap();
    assert!(security.roles.is_empty() && security.policies.is_empty());
    let errors = definitions
        .render_for_account(&org, org.account("210987654321").unwrap())
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "policies/app.yaml:9:28: managed policy `pinned` is referenced here but does not target account `210987654321`; add the account to its targets or remove them"
    );
}

/// A policy with its own error is reported once: the roles that reference it do not also get
/// "does not exist", which sent readers looking for a missing file.
#[test]
fn references_to_a_definition_with_errors_are_not_reported_again() {
    let policy = "kind: ManagedPolicy\nname: shared\ndescriptoin: typo\nstatements:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: \"*\"\n";
    let role = format!(
        "{}managed_policies: [shared, absent]\n",
        role_yaml("app", "  ous: [Root/Workloads]")
    );
    let repo = repo_with(
        None,
        &[
            ("policies/shared.yaml", policy),
            ("policies/app.yaml", &role),
        ],
    );
    let errors = Definitions::load(repo.path()).unwrap_err().to_string();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(
        lines[0].starts_with("policies/app.yaml:9:")
            && lines[0].contains("`absent` does not exist"),
        "{errors}"
    );
    assert!(
        lines[1].starts_with("policies/shared.yaml:3:1: unknown field `descriptoin`"),
        "{errors}"
    );
}

/// Errors name files relative to the repository root; `rooted_at` makes them open from the
/// directory a command ran in, duplicates' first definitions included.
#[test]
fn errors_can_be_rooted_where_the_command_ran() {
    let role = role_yaml("app", "  ous: [Root/Workloads]");
    let repo = repo_with(
        None,
        &[("policies/a.yaml", &role), ("policies/b.yaml", &role)],
    );
    let errors = Definitions::load(repo.path()).unwrap_err();
    let unchanged = errors.clone().rooted_at(Path::new("."));
    assert_eq!(unchanged, errors);
    let rooted = errors.rooted_at(Path::new("../infra")).to_string();
    assert!(
        rooted.starts_with("../infra/policies/b.yaml:1:1: duplicate role name `app`"),
        "{rooted}"
    );
    assert!(
        rooted.contains("already defined at ../infra/policies/a.yaml:1:1"),
        "{rooted}"
    );
}

#[test]
fn digest_changes_with_any_definition_file() {
    let role = role_yaml("app", "  ous: [Root]");
    let repo = repo_with(None, &[("policies/app.yaml", &role)]);
    let first = Definitions::load(repo.path()).unwrap().digest();
    assert_eq!(first.len(), 64);
    assert_eq!(Definitions::load(repo.path()).unwrap().digest(), first);
    std::fs::write(
        repo.path().join("policies/app.yaml"),
        role.replace("Root]", "Root/Workloads]"),
    )
    .unwrap();
    let changed = Definitions::load(repo.path()).unwrap().digest();
    assert_ne!(changed, first);
    std::fs::write(
        repo.path().join("warden.yaml"),
        std::fs::read_to_string(repo.path().join("warden.yaml")).unwrap() + "concurrency: 4\n",
    )
    .unwrap();
    assert_ne!(Definitions::load(repo.path()).unwrap().digest(), changed);
    let files: Vec<&str> = Definitions::load(repo.path())
        .unwrap()
        .files()
        .map(|f| f.to_owned())
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(files, ["policies/app.yaml", "warden.yaml"]);
}

#[test]
fn rendered_examples_for_the_production_payments_account() {
    let definitions = Definitions::load(&workspace_root()).unwrap();
    let org = sample_org();
    let rendered = definitions
        .render_for_account(&org, org.account("210987654321").unwrap())
        .unwrap();
    insta::assert_json_snapshot!("payments_prod", rendered);
    insta::assert_json_snapshot!("scps", definitions.render_scps(&org).unwrap());
}

#[test]
fn statements_keep_their_source_locations_and_justifications() {
    let definitions = Definitions::load(&workspace_root()).unwrap();
    let role = definitions
        .roles
        .iter()
        .find(|r| r.name == "payments-github-deploy")
        .unwrap();
    assert_eq!(role.source.to_string(), "policies/github-deploy.yaml:3:1");
    let trust = &role.trust[0];
    assert_eq!(
        trust.location.to_string(),
        "policies/github-deploy.yaml:16:5"
    );
    assert_eq!(trust.sid.as_deref(), Some("GitHubActionsMainBranch"));
    assert!(
        trust
            .justification
            .as_deref()
            .unwrap()
            .starts_with("Only workflows on the protected main branch")
    );
    assert!(trust.json.get("justification").is_none());
    let org = sample_org();
    let rendered = definitions
        .render_for_account(&org, org.account("210987654321").unwrap())
        .unwrap();
    let deploy = rendered
        .roles
        .iter()
        .find(|r| r.name == "payments-github-deploy")
        .unwrap();
    assert_eq!(
        deploy.trust.json["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
        "repo:acme/payments:ref:refs/heads/main"
    );
    assert_eq!(
        deploy.trust.parsed.statements.len(),
        deploy.trust.statements.len()
    );
    assert!(deploy.justifications.contains_key("PassPaymentsTaskRoles"));
    assert_eq!(
        deploy.tags.get("warden:managed").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        deploy.boundary_arn.as_deref(),
        Some("arn:aws:iam::210987654321:policy/boundaries/workload-boundary")
    );
}

#[test]
fn exceptions_are_data_with_rule_sid_owner_and_expiry() {
    let role = format!(
        "{}inline_policies:\n  p:\n    - Sid: Logs\n      Effect: Allow\n      Action: logs:DescribeLogGroups\n      Resource: \"*\"\nexceptions:\n  - rule: resource-star\n    sid: Logs\n    reason: DescribeLogGroups lists every group of the account.\n    owner: platform@acme.example\n    expires: 2027-01-31\n  - rule: WL701\n    reason: Migrating to the workload boundary.\n    owner: platform@acme.example\n    expires: 2026-12-31\n",
        role_yaml("app", "  ous: [Root]")
    );
    let repo = repo_with(None, &[("policies/app.yaml", &role)]);
    let definitions = Definitions::load(repo.path()).unwrap();
    let exceptions = &definitions.roles[0].exceptions;
    assert_eq!(exceptions.len(), 2);
    assert_eq!(exceptions[0].rule, "resource-star");
    assert_eq!(exceptions[0].sid.as_deref(), Some("Logs"));
    assert_eq!(exceptions[0].owner, "platform@acme.example");
    assert_eq!(exceptions[0].expires, time::macros::date!(2027 - 01 - 31));
    assert_eq!(exceptions[0].location.to_string(), "policies/app.yaml:16:5");
    assert_eq!(exceptions[1].sid, None);
    let org = sample_org();
    let rendered = definitions
        .render_for_account(&org, org.account("210987654321").unwrap())
        .unwrap();
    assert_eq!(&rendered.roles[0].exceptions, exceptions);
}

#[test]
fn selectors_naming_nothing_in_the_organization_are_reported() {
    let role = role_yaml(
        "app",
        "  ous: [Root/Workloads/Prd, ou-a1b2-workload]\n  accounts: [payments-prd, \"999999999999\"]\n  tags: [Environment=staging, Project=payments]",
    );
    let repo = repo_with(None, &[("policies/app.yaml", &role)]);
    let definitions = Definitions::load(repo.path()).unwrap();
    let found: Vec<String> = definitions
        .unresolved_targets(&sample_org())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "policies/app.yaml:5:14: `payments-prd` matches nothing in the organization: no account has this name; did you mean `payments-prod`?",
            "policies/app.yaml:5:28: `999999999999` matches nothing in the organization: no account has this id",
            "policies/app.yaml:4:9: `Root/Workloads/Prd` matches nothing in the organization: no OU has this path; did you mean `Root/Workloads/Prod`?",
            "policies/app.yaml:6:10: `Environment=staging` matches nothing in the organization: no account has this tag",
        ]
    );
    let clean = Definitions::load(&workspace_root()).unwrap();
    assert!(clean.unresolved_targets(&sample_org()).is_empty());
}

#[test]
fn definitions_cannot_set_the_managed_marker_tag() {
    let role = format!(
        "{}tags:\n  warden:managed: \"false\"\n",
        role_yaml("app", "  ous: [Root]")
    );
    let repo = repo_with(None, &[("policies/app.yaml", &role)]);
    let errors = Definitions::load(repo.path()).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "policies/app.yaml:10:3: tag `warden:managed` is Warden's managed marker and is set by Warden"
    );
}

#[test]
fn anchors_and_aliases_share_statements_and_hidden_files_are_skipped() {
    let files = format!(
        "{}inline_policies:\n  a: &read\n    - Sid: Read\n      Effect: Allow\n      Action: s3:GetObject\n      Resource: \"*\"\n  b: *read\n",
        role_yaml("app", "  ous: [Root]")
    );
    let files = files.as_str();
    let repo = repo_with(
        None,
        &[
            ("policies/roles.yaml", files),
            ("policies/.#roles.yaml", "not: [yaml"),
            ("policies/sub/.hidden/x.yaml", "broken: ["),
        ],
    );
    let definitions = Definitions::load(repo.path()).unwrap();
    let inline = &definitions.roles[0].inline_policies;
    assert_eq!(inline.len(), 2);
    assert_eq!(inline[0].statements[0].json, inline[1].statements[0].json);
    assert_eq!(
        definitions.files().collect::<Vec<_>>(),
        ["policies/roles.yaml", "warden.yaml"]
    );
    // YAML anchors do not cross documents: an alias to another document's anchor is an error.
    let across = format!(
        "{}---\nkind: Role\nname: b\ntargets: *t\ntrust: []\n",
        role_yaml("a", "  ous: [Root]")
    );
    let repo = repo_with(None, &[("policies/roles.yaml", &across)]);
    assert_eq!(
        Definitions::load(repo.path()).unwrap_err().to_string(),
        "policies/roles.yaml:12:10: alias references unknown anchor"
    );
}

/// Measurements print their figures (the only printing here, hence its own test-only module).
#[cfg(test)]
mod measurement {
    use super::*;

    /// Figures for the notes: `cargo test -p warden-spec --release -- --ignored --nocapture scale`.
    #[test]
    #[ignore = "measurement, run by hand"]
    fn scale_load_and_render_many_roles_for_many_accounts() {
        let statement = "  - Sid: Read\n    Effect: Allow\n    Action: [s3:GetObject, s3:ListBucket]\n    Resource: \"arn:aws:s3:::${team}-${account_id}/*\"\n    justification: Reads its bucket.\n";
        let mut files = Vec::new();
        for file in 0..100 {
            let documents: Vec<String> = (0..10)
                .map(|i| {
                    format!(
                        "{}boundary: b\ninline_policies:\n  p:\n{statement}",
                        role_yaml(&format!("role-{file}-{i}"), "  ous: [Root/Workloads]")
                    )
                })
                .collect();
            files.push((format!("policies/f{file}.yaml"), documents.join("---\n")));
        }
        files.push((
            "boundaries/b.yaml".into(),
            format!("kind: Boundary\nname: b\nstatements:\n{statement}"),
        ));
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let repo = repo_with(None, &refs);
        let started = std::time::Instant::now();
        let definitions = Definitions::load(repo.path()).unwrap();
        let loaded = started.elapsed();
        let mut org = sample_org();
        for n in 0..500u64 {
            let id = format!("{:012}", 600_000_000_000 + n);
            org.accounts.push(account(
                &id,
                &format!("acct-{n}"),
                "ou-a1b2-prod0001",
                "Root/Workloads/Prod",
                &[],
            ));
        }
        let started = std::time::Instant::now();
        let mut roles = 0;
        for account in &org.accounts {
            roles += definitions
                .render_for_account(&org, account)
                .unwrap()
                .roles
                .len();
        }
        let rendered = started.elapsed();
        assert_eq!(definitions.roles.len(), 1000);
        eprintln!(
            "loaded 1000 roles in 101 files in {loaded:?}; rendered {roles} roles for {} accounts in {rendered:?}",
            org.accounts.len()
        );
    }
}

#[test]
fn trusted_accounts_are_loaded_and_checked_with_positions() {
    let base = std::fs::read_to_string(fixtures_dir().join("base-warden.yaml")).unwrap();
    let good = format!(
        "{base}trusted_accounts:\n  - id: \"444455556666\"\n    name: Datadog\n    reason: monitoring integration\n"
    );
    let repo = repo_with(Some(&good), &[]);
    let definitions = Definitions::load(repo.path()).unwrap();
    let trusted = &definitions.config.trusted_accounts;
    assert_eq!(trusted.len(), 1);
    assert_eq!(
        (trusted[0].id.as_str(), trusted[0].name.as_str()),
        ("444455556666", "Datadog")
    );
    assert_eq!(trusted[0].location.to_string(), "warden.yaml:13:9");

    let bad = format!(
        "{base}trusted_accounts:\n  - id: \"4444\"\n    name: A\n    reason: r\n  - id: \"123456789012\"\n    name: B\n    reason: r\n  - id: \"555566667777\"\n    name: C\n    reason: \" \"\n"
    );
    let repo = repo_with(Some(&bad), &[]);
    let errors = Definitions::load(repo.path()).unwrap_err().to_string();
    assert!(errors.contains("warden.yaml:13:9: "), "{errors}");
    assert!(errors.contains("`4444` must be 12 digits"), "{errors}");
    assert!(
        errors.contains("`123456789012` is the management account"),
        "{errors}"
    );
    assert!(errors.contains("needs a `reason`"), "{errors}");
}

#[test]
fn posture_thresholds_are_loaded_and_checked_with_positions() {
    let base = std::fs::read_to_string(fixtures_dir().join("base-warden.yaml")).unwrap();
    let good =
        format!("{base}posture:\n  access_key_max_age_days: 30\n  password_min_length: 16\n");
    let repo = repo_with(Some(&good), &[]);
    let posture = Definitions::load(repo.path()).unwrap().config.posture;
    assert_eq!(posture.access_key_max_age_days, Some(30));
    assert_eq!(posture.password_min_length, Some(16));
    assert_eq!(posture.role_unused_days, None);

    let bad = format!("{base}posture:\n  password_reuse_prevention: 30\n");
    let repo = repo_with(Some(&bad), &[]);
    let errors = Definitions::load(repo.path()).unwrap_err().to_string();
    assert!(
        errors.contains("warden.yaml:13:30: ") && errors.contains("between 1 and 24"),
        "{errors}"
    );
}

#[test]
fn access_trusted_principals_are_loaded_and_checked_with_positions() {
    let base = std::fs::read_to_string(fixtures_dir().join("base-warden.yaml")).unwrap();
    let with = |entries: &str| {
        base.replacen(
            "access:\n",
            &format!("access:\n  trusted_principals: [{entries}]\n"),
            1,
        )
    };
    let good = with(r#""210987654321", "arn:aws:iam::210987654321:role/ci-runner""#);
    let repo = repo_with(Some(&good), &[]);
    let config = Definitions::load(repo.path()).unwrap().config;
    assert_eq!(
        config.access_trusted_principals,
        vec![
            "210987654321".to_string(),
            "arn:aws:iam::210987654321:role/ci-runner".to_string()
        ]
    );

    let bad = with(
        r#""*", "arn:aws:iam::210987654321:role/ci-*", "1234", "210987654321", "210987654321""#,
    );
    let repo = repo_with(Some(&bad), &[]);
    let errors = Definitions::load(repo.path()).unwrap_err().to_string();
    assert!(errors.contains("warden.yaml:"), "{errors}");
    assert!(
        errors.contains("entry `*` must be an account id"),
        "{errors}"
    );
    assert!(
        errors.contains("entry `arn:aws:iam::210987654321:role/ci-*`"),
        "{errors}"
    );
    assert!(errors.contains("entry `1234`"), "{errors}");
    assert!(errors.contains("lists `210987654321` twice"), "{errors}");
}
