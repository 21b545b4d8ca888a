//! Exit codes a CI gate relies on, through the real binary against moto: an account that could
//! not be read or was refused is 1 whatever the flags (plan, apply, drift alike); conflicts are
//! 2 with `--detailed-exitcode` and `--fail-on drift`; apply is 1 when a planned change was not
//! made. Each test reads live IAM back to show what was (not) changed.

use warden_aws::fixture::{self, AccessSeed, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{Aws, AwsOptions, ExternalId, NewRole};
use warden_e2e::write_file;

use crate::cli::{Run, xtask_in};

const EXTERNAL_ID_ENV: &str = "WARDEN_E2E_GATES_EXTERNAL_ID";
const EXTERNAL_ID: &str = "e2e-gates-external-id";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_GATES_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 2
admin_roles: [WardenAccess]
"#;

/// No boundary and no SCP: when the role is a conflict, nothing else is left to change.
const ROLE: &str = r#"
kind: Role
name: app-reader
description: Reads the app's artifacts.
targets:
  ous: [Root/Workloads]
exceptions:
  - rule: WL701
    reason: The gate fixture has no boundary so that a conflict is its only difference.
    owner: platform@acme.example
    expires: 2099-12-31
trust:
  - Sid: Pipeline
    Effect: Allow
    Principal:
      AWS: "arn:aws:iam::999999999999:role/pipeline"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: pipeline-xid-42
    justification: The release pipeline assumes the role with its ExternalId.
inline_policies:
  artifacts:
    - Sid: ReadArtifacts
      Effect: Allow
      Action: s3:GetObject
      Resource: "arn:aws:s3:::artifacts-${account_id}/*"
      justification: The app reads its build artifacts.
"#;

const ACCOUNT_ROOT_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::ACCOUNT:root"},"Action":"sts:AssumeRole"}]}"#;

struct Gate {
    server: warden_emulator::MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
}

impl Gate {
    async fn seed(accounts: Vec<SeedAccount>) -> Gate {
        let server = warden_e2e::moto();
        let aws = Aws::connect(AwsOptions::emulator(server.endpoint_url()))
            .await
            .unwrap();
        let spec = SeedSpec {
            ous: vec!["Workloads".into()],
            accounts,
            access_role_name: "WardenAccess".into(),
            external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
        };
        let org = fixture::seed_organization(&aws, &spec).await.unwrap();
        let repo = tempfile::tempdir().unwrap();
        write_file(repo.path(), "warden.yaml", CONFIG);
        write_file(repo.path(), "policies/app-reader.yaml", ROLE);
        Gate {
            server,
            aws,
            org,
            repo,
        }
    }

    /// `xtask ARGS… --endpoint-url moto` with `external_id` in the variable warden.yaml names.
    fn run_with(&self, external_id: &str, args: &[&str]) -> Run {
        let endpoint = self.server.endpoint_url();
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--endpoint-url", &endpoint]);
        xtask_in(
            self.repo.path(),
            &full,
            &[(EXTERNAL_ID_ENV, external_id)],
            &[],
        )
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(EXTERNAL_ID, args)
    }

    /// The role names live in `account` (read with the fixture's admin access, not Warden's).
    async fn roles(&self, account: &str) -> Vec<(String, bool)> {
        let id = self.org.account_id(account).unwrap();
        let live = fixture::admin_client(&self.aws, id)
            .await
            .unwrap()
            .read_account()
            .await
            .unwrap();
        live.roles
            .iter()
            .map(|role| {
                let managed = role.tags.get("warden:managed").map(String::as_str) == Some("true");
                (role.name.clone(), managed)
            })
            .collect()
    }

    async fn has_role(&self, account: &str, name: &str) -> bool {
        self.roles(account)
            .await
            .iter()
            .any(|(role, _)| role == name)
    }
}

fn workloads(names: &[&str]) -> Vec<SeedAccount> {
    names
        .iter()
        .map(|name| SeedAccount::new(*name, "Workloads"))
        .collect()
}

/// A wrong ExternalId: every access role is refused, 0 of 3 accounts read. Not "no changes":
/// every command is 1, with or without the detailed flags, and nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_external_id_reads_nothing_and_every_command_exits_1() {
    let gate = Gate::seed(workloads(&["dev", "test", "prod"])).await;
    let wrong = "not-the-external-id";
    for args in [
        &["plan"][..],
        &["plan", "--detailed-exitcode"][..],
        &["drift"][..],
        &["drift", "--fail-on", "drift"][..],
        &["drift", "--fail-on", "error"][..],
        &["apply", "--auto-approve"][..],
    ] {
        let run = gate.run_with(wrong, args);
        assert_eq!(run.code, 1, "{args:?}:\n{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("3 account(s) could not be read or were refused"),
            "{args:?} says why: {}",
            run.stderr
        );
        assert!(
            !run.stdout.contains(wrong) && !run.stderr.contains(wrong),
            "the ExternalId is never printed"
        );
    }
    let drift = gate.run_with(wrong, &["drift", "--format", "markdown"]);
    assert!(
        drift
            .stdout
            .contains("No account could be read: 0 of 3 account(s) read"),
        "the headline says nothing was read: {}",
        drift.stdout
    );
    for account in ["dev", "test", "prod"] {
        assert!(
            !gate.has_role(account, "app-reader").await,
            "apply changed nothing in {account}"
        );
    }
}

/// One access role without the ExternalId condition is refused: plan --detailed-exitcode is 1
/// although the other account has changes; apply makes the other account's changes and exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_access_role_is_an_error_even_with_detailed_exitcode() {
    let mut accounts = workloads(&["dev", "lax"]);
    accounts[1].access = AccessSeed::WithoutExternalId;
    let gate = Gate::seed(accounts).await;

    let plan = gate.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("+ role"),
        "dev has changes: {}",
        plan.stdout
    );
    assert!(plan.stderr.contains("1 account(s) could not be read"));
    let drift = gate.run(&["drift", "--fail-on", "drift"]);
    assert_eq!(drift.code, 1, "{}", drift.stderr);

    // The pull-request comment leads with the unread account; `--role` narrows the plan.
    let markdown = gate.run(&["plan", "--format", "markdown"]);
    assert_eq!(markdown.code, 1, "{}", markdown.stderr);
    assert!(
        markdown
            .stdout
            .starts_with("## Warden plan\n\n**1 account(s) could not be read"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("<details><summary><code>+ role app-reader</code>")
    );
    let other = gate.run(&["plan", "--role", "someone-else"]);
    assert!(
        !other.stdout.contains("+ role") && other.stdout.contains("Total: 0 to create"),
        "{}",
        other.stdout
    );

    let apply = gate.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}\n{}", apply.stdout, apply.stderr);
    assert!(gate.has_role("dev", "app-reader").await, "dev was applied");
    assert!(
        !gate.has_role("lax", "app-reader").await,
        "the refused account was not touched"
    );
}

/// Only a conflict (a hand-made role with the name the repository wants): a person must
/// decide, so the detailed gates are 2, the plain ones 0; the role is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_alone_is_2_for_detailed_plan_and_fail_on_drift() {
    let gate = Gate::seed(workloads(&["dev"])).await;
    let dev = gate.org.account_id("dev").unwrap().to_string();
    let client = fixture::admin_client(&gate.aws, &dev).await.unwrap();
    fixture::create_role_with_policies(
        &client,
        &NewRole {
            name: "app-reader".into(),
            path: "/".into(),
            trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", &dev),
            ..NewRole::default()
        },
        &[],
        &[],
    )
    .await
    .unwrap();

    let plan = gate.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout
            .contains("0 to create, 0 to update, 0 to delete, 1 conflict(s)"),
        "a conflict and nothing else: {}",
        plan.stdout
    );
    for args in [
        &["plan", "--detailed-exitcode"][..],
        &["drift", "--fail-on", "drift"][..],
    ] {
        let run = gate.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}\n{}", run.stdout, run.stderr);
    }
    for args in [&["drift"][..], &["drift", "--fail-on", "error"][..]] {
        let run = gate.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let roles = gate.roles("dev").await;
    assert!(
        roles.contains(&("app-reader".to_string(), false)),
        "the hand-made role is still there and unmanaged: {roles:?}"
    );
}

/// A second role beside `app-reader`, for `--role` to leave out.
const WRITER: &str = r#"
kind: Role
name: app-writer
description: Writes the app's reports.
targets:
  ous: [Root/Workloads]
exceptions:
  - rule: WL701
    reason: The gate fixture has no boundary.
    owner: platform@acme.example
    expires: 2099-12-31
trust:
  - Sid: Pipeline
    Effect: Allow
    Principal:
      AWS: "arn:aws:iam::999999999999:role/pipeline"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: pipeline-xid-42
    justification: The release pipeline assumes the role with its ExternalId.
inline_policies:
  reports:
    - Sid: WriteReports
      Effect: Allow
      Action: s3:PutObject
      Resource: "arn:aws:s3:::reports-${account_id}/*"
      justification: The app writes its daily reports.
"#;

/// `plan --role X --out FILE` then `apply FILE` makes only X's changes (read back from IAM),
/// the saved plan cannot be widened to another role, and `apply --role` plans now for one role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_plan_applies_only_that_roles_changes() {
    let gate = Gate::seed(workloads(&["dev"])).await;
    write_file(gate.repo.path(), "policies/app-writer.yaml", WRITER);
    let plan_file = gate.repo.path().join("reader.plan.json");
    let plan_path = plan_file.to_str().unwrap();

    let plan = gate.run(&["plan", "--role", "app-reader", "--out", plan_path]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(!plan.stdout.contains("app-writer"), "{}", plan.stdout);

    let widened = gate.run(&["apply", plan_path, "--role", "app-writer"]);
    assert_eq!(widened.code, 1, "{}", widened.stdout);
    assert!(
        widened.stderr.contains(
            "the plan was made for the role(s) `app-reader`; `app-writer` is not one of them"
        ),
        "{}",
        widened.stderr
    );
    assert!(
        gate.roles("dev")
            .await
            .iter()
            .all(|(name, _)| !name.starts_with("app-"))
    );

    let apply = gate.run(&["apply", plan_path]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let roles = gate.roles("dev").await;
    assert!(
        roles.contains(&("app-reader".to_string(), true)),
        "the planned role is made and managed: {roles:?}"
    );
    assert!(
        !gate.has_role("dev", "app-writer").await,
        "the other role's pending change is not made: {roles:?}"
    );

    let pending = gate.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        pending.code, 2,
        "the writer is still to create: {}",
        pending.stdout
    );
    assert!(pending.stdout.contains("app-writer") && !pending.stdout.contains("+ role app-reader"));

    let now = gate.run(&["apply", "--role", "app-writer", "--auto-approve"]);
    assert_eq!(now.code, 0, "{}\n{}", now.stdout, now.stderr);
    assert!(gate.has_role("dev", "app-writer").await);
    let done = gate.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(done.code, 0, "converged: {}", done.stdout);
}

/// `drift --format sarif` with a conflict in one account and an out-of-band change in another:
/// valid against the SARIF schema and GitHub's rules, one result per kind and location.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_sarif_is_valid_for_github_code_scanning() {
    let gate = Gate::seed(workloads(&["dev", "prod"])).await;
    let dev = gate.org.account_id("dev").unwrap().to_string();
    let client = fixture::admin_client(&gate.aws, &dev).await.unwrap();
    let role = NewRole {
        name: "app-reader".into(),
        path: "/".into(),
        trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", &dev),
        ..NewRole::default()
    };
    fixture::create_role_with_policies(&client, &role, &[], &[])
        .await
        .unwrap();
    let apply = gate.run(&["apply", "--auto-approve"]);
    assert!(
        gate.has_role("prod", "app-reader").await,
        "{}",
        apply.stderr
    );
    let prod = gate.org.account_id("prod").unwrap().to_string();
    fixture::admin_client(&gate.aws, &prod)
        .await
        .unwrap()
        .put_role_policy(
            "app-reader",
            "artifacts",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        )
        .await
        .unwrap();

    let drift = gate.run(&["drift", "--format", "sarif"]);
    assert_eq!(drift.code, 0, "{}", drift.stderr);
    let log: serde_json::Value = serde_json::from_str(&drift.stdout).unwrap();
    let rules: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|result| result["ruleId"].as_str())
        .collect();
    assert!(
        rules.contains(&"WD001") && rules.contains(&"WD002"),
        "live differs in prod, conflict in dev: {rules:?}"
    );
    assert_eq!(
        crate::sarif::sarif_problems(&drift.stdout),
        Vec::<String>::new()
    );
}

/// Credential and endpoint problems are one line with what to do (no SDK dump), and `--profile`
/// is honoured on a loopback endpoint: a profile holding moto's keys reads the organization, a
/// profile that does not exist is named instead of falling back to the emulator's test keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_and_endpoint_problems_are_one_line_with_what_to_do() {
    use warden_emulator::{FaultConfig, FaultProxy};

    let gate = Gate::seed(workloads(&["dev"])).await;
    let aws_dir = tempfile::tempdir().unwrap();
    write_file(
        aws_dir.path(),
        "config",
        "[profile moto]\nregion = us-east-1\n",
    );
    write_file(
        aws_dir.path(),
        "credentials",
        "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    );
    let config = aws_dir.path().join("config");
    let credentials = aws_dir.path().join("credentials");
    let files = [
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        (EXTERNAL_ID_ENV, EXTERNAL_ID),
    ];
    let endpoint = gate.server.endpoint_url();
    let run = |args: &[&str], endpoint: &str| {
        let mut full = args.to_vec();
        full.extend(["--endpoint-url", endpoint]);
        xtask_in(
            gate.repo.path(),
            &full,
            &files,
            &[(endpoint.to_owned(), "[endpoint]")],
        )
    };

    let honoured = run(&["plan", "--profile", "moto"], &endpoint);
    assert_eq!(honoured.code, 0, "{}", honoured.stderr);
    assert!(
        honoured.stdout.contains("1 account(s) read"),
        "{}",
        honoured.stdout
    );

    let missing = run(&["plan", "--profile", "nope"], &endpoint);
    let refused = run(&["plan"], "http://127.0.0.1:9");
    let proxy = FaultProxy::start(
        gate.server.addr(),
        FaultConfig {
            // The management account's calls are attributed to its access key.
            expire_tokens: [("testing".to_owned(), 1_000)].into(),
            ..FaultConfig::default()
        },
    )
    .unwrap();
    let proxied = proxy.endpoint_url();
    let expired = xtask_in(
        gate.repo.path(),
        &["plan", "--endpoint-url", &proxied],
        &[(EXTERNAL_ID_ENV, EXTERNAL_ID)],
        &[(proxied.clone(), "[endpoint]")],
    );
    let mut transcript = String::new();
    for (name, run) in [
        ("missing profile", &missing),
        ("endpoint refused", &refused),
        ("expired credentials", &expired),
    ] {
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "{name}: one line: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains('{'),
            "{name}: no Debug dump: {}",
            run.stderr
        );
        transcript.push_str(&format!("{name}: {}", run.stderr));
    }
    insta::assert_snapshot!("credential_and_endpoint_lines", transcript);
}
