//! Snapshots of what every command prints, run through the real `xtask` binary, so that a change
//! users would see is a reviewed diff (`cargo insta review`). Each snapshot holds the exit code,
//! stdout and stderr; volatile parts (temp paths, moto's account and organization ids,
//! timestamps, digests) are replaced by placeholders before comparing, never skipped.
//!
//! The binary: `CARGO_BIN_EXE_xtask` exists only for xtask's own tests, and `cargo test
//! --workspace` builds no plain `xtask` executable for this package. So the first test that
//! needs it runs `cargo build -p xtask --message-format=json-render-diagnostics` (with
//! `--release` when this test binary has no debug assertions) and reads the executable's path
//! from cargo's `compiler-artifact` message: right whatever the target directory, a no-op when
//! `xtask` is up to date, and it works in a clean clone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{Aws, AwsOptions, ExternalId, NewRole};
use warden_e2e::{DENY_LEAVE_SCP, workspace_root, write_file};

/// The `xtask` executable, built on first use.
pub(crate) fn xtask_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let mut build = Command::new(env!("CARGO"));
        build.args([
            "build",
            "-p",
            "xtask",
            "--message-format=json-render-diagnostics",
        ]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let out = build.current_dir(workspace_root()).output().unwrap();
        assert!(
            out.status.success(),
            "could not build xtask: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|message| {
                message["reason"] == "compiler-artifact" && message["target"]["name"] == "xtask"
            })
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no xtask executable")
    })
}

/// One run of the binary: exit code and both streams, as a user sees them.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The snapshot text: exit code first, so a changed exit code is part of the diff.
    pub(crate) fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `xtask ARGS…` in `dir` with `env`; the placeholders in `redact` replace their values.
pub(crate) fn xtask_in(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    redact: &[(String, &str)],
) -> Run {
    let out = Command::new(xtask_binary())
        .args(args)
        .envs(env.iter().copied())
        // No colours or progress bars: the output is not a terminal, and says so.
        .env("NO_COLOR", "1")
        .env_remove("WARDEN_EXTERNAL_ID")
        .current_dir(dir)
        .output()
        .unwrap();
    let clean = |bytes: &[u8]| {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for (value, placeholder) in redact {
            text = text.replace(value.as_str(), placeholder);
        }
        redact_volatile(&text)
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: clean(&out.stdout),
        stderr: clean(&out.stderr),
    }
}

/// `xtask ARGS…` in the workspace root, on the repository's own definitions.
fn xtask(args: &[&str]) -> Run {
    xtask_in(&workspace_root(), args, &[], &[])
}

/// Timestamps (`2026-12-03T18:04:55Z`, with fractions or offsets) and hex digests of 40 or more
/// digits (commits, SHA-256) change on every run.
fn redact_volatile(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(len) = timestamp_at(&chars[i..]) {
            out.push_str("[timestamp]");
            i += len;
            continue;
        }
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let hex = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        let ends_word = chars
            .get(i + hex)
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if starts_word && ends_word && hex >= 40 {
            out.push_str(if hex == 64 { "[sha256]" } else { "[hex]" });
            i += hex;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The length of an RFC 3339 timestamp starting here, if one does.
fn timestamp_at(chars: &[char]) -> Option<usize> {
    let shape = "dddd-dd-ddTdd:dd:dd";
    if chars.len() < shape.len() {
        return None;
    }
    for (c, want) in chars.iter().zip(shape.chars()) {
        let fits = if want == 'd' {
            c.is_ascii_digit()
        } else {
            *c == want
        };
        if !fits {
            return None;
        }
    }
    let mut len = shape.len();
    if chars.get(len) == Some(&'.') {
        len += 1 + chars[len + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    match chars.get(len) {
        Some('Z') => len += 1,
        Some('+' | '-') => len += 6,
        _ => {}
    }
    Some(len.min(chars.len()))
}

#[test]
fn volatile_parts_are_redacted() {
    assert_eq!(
        redact_volatile(
            "at 2026-12-03T18:04:55Z and 2026-12-03T18:04:55.123+00:00, digest \
             3f2a9c7b1e0d4f6a8b5c2d9e7f1a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c, commit \
             0123456789abcdef0123456789abcdef01234567; id 123456789012"
        ),
        "at [timestamp] and [timestamp], digest [sha256], commit [hex]; id 123456789012"
    );
}

/// A policy file with findings of each severity, and an unknown action.
const WIDE_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "PassAny", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    {"Sid": "Typo", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::bucket/*"}
  ]
}
"#;

/// The same permissions narrowed, written loosely (case, order) for `policy normalize`.
const NARROW_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","Action":["s3:getobject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket/*","arn:aws:s3:::bucket"]},{"Sid":"PassAny","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app-*"}]}
"#;

/// The organization the repository's definitions are written for (as `lint --org` reads it).
const ORGANIZATION: &str = r#"{
  "id": "o-a1b2c3d4e5",
  "management_account_id": "123456789012",
  "root_id": "r-a1b2",
  "accounts": [
    {"id": "123456789012", "name": "management", "email": null, "status": "Active",
     "parent_id": "r-a1b2", "ou_path": "Root", "tags": {}},
    {"id": "210987654321", "name": "payments-prod", "email": null, "status": "Active",
     "parent_id": "ou-a1b2-prod0001", "ou_path": "Root/Workloads/Prod",
     "tags": {"Project": "payments", "Environment": "prod"}},
    {"id": "310987654321", "name": "payments-dev", "email": null, "status": "Active",
     "parent_id": "ou-a1b2-dev00001", "ou_path": "Root/Workloads/Dev",
     "tags": {"Project": "payments", "Environment": "dev"}}
  ],
  "organizational_units": [
    {"id": "ou-a1b2-workload", "name": "Workloads", "parent_id": "r-a1b2", "path": "Root/Workloads"},
    {"id": "ou-a1b2-prod0001", "name": "Prod", "parent_id": "ou-a1b2-workload", "path": "Root/Workloads/Prod"},
    {"id": "ou-a1b2-dev00001", "name": "Dev", "parent_id": "ou-a1b2-workload", "path": "Root/Workloads/Dev"}
  ]
}
"#;

/// A scratch directory with the fixture files, so outputs show short relative paths.
pub(crate) fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "wide.json", WIDE_POLICY);
    write_file(dir.path(), "narrow.json", NARROW_POLICY);
    write_file(dir.path(), "organization.json", ORGANIZATION);
    dir
}

fn in_fixtures(args: &[&str]) -> Run {
    let dir = fixtures();
    let root = workspace_root();
    let redact = [(root.display().to_string(), "[workspace]")];
    xtask_in(dir.path(), args, &[], &redact)
}

#[test]
fn lint_the_repository_definitions_rendered_per_account() {
    let fixtures = fixtures();
    let org = fixtures.path().join("organization.json");
    let org = org.to_str().unwrap();
    let redact = [(fixtures.path().display().to_string(), "[fixtures]")];
    for (format, name) in [
        ("table", "lint_definitions_table"),
        ("json", "lint_definitions_json"),
        ("sarif", "lint_definitions_sarif"),
    ] {
        let run = xtask_in(
            &workspace_root(),
            &[
                "lint",
                ".",
                "--org",
                org,
                "--today",
                "2026-06-01",
                "--format",
                format,
            ],
            &[],
            &redact,
        );
        assert_eq!(run.code, 0, "the repository's definitions lint clean");
        insta::assert_snapshot!(name, run.transcript());
    }
}

#[test]
fn lint_a_policy_file_with_findings() {
    for (format, name) in [
        ("table", "lint_policy_table"),
        ("json", "lint_policy_json"),
        ("sarif", "lint_policy_sarif"),
    ] {
        let run = in_fixtures(&[
            "lint",
            "wide.json",
            "--today",
            "2026-06-01",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 1, "error-level findings exit 1");
        insta::assert_snapshot!(name, run.transcript());
    }
}

#[test]
fn policy_normalize_and_diff() {
    let normalized = in_fixtures(&["policy", "normalize", "narrow.json"]);
    assert_eq!(normalized.code, 0);
    insta::assert_snapshot!("policy_normalize", normalized.transcript());

    let diff = in_fixtures(&["policy", "diff", "wide.json", "narrow.json"]);
    assert_eq!(diff.code, 1, "a difference in meaning exits 1");
    insta::assert_snapshot!("policy_diff", diff.transcript());

    let same = in_fixtures(&["policy", "diff", "narrow.json", "narrow.json"]);
    assert_eq!(same.code, 0, "equivalent documents exit 0");
    insta::assert_snapshot!("policy_diff_equivalent", same.transcript());
}

#[test]
fn catalog_show_and_expand() {
    for (args, code, name) in [
        (&["catalog", "show", "s3:GetObject"][..], 0, "catalog_show"),
        (
            &["catalog", "show", "s3:GetObject", "--format", "json"][..],
            0,
            "catalog_show_json",
        ),
        (
            &["catalog", "show", "s3:GetObjekt"][..],
            2,
            "catalog_show_unknown",
        ),
        (
            &["catalog", "expand", "s3:GetObjectT*"][..],
            0,
            "catalog_expand",
        ),
        (
            &["catalog", "expand", "s3:GetObjectT*", "--format", "json"][..],
            0,
            "catalog_expand_json",
        ),
        (
            &["catalog", "expand", "s3:Frobnicate*"][..],
            1,
            "catalog_expand_none",
        ),
    ] {
        let run = xtask(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        insta::assert_snapshot!(name, run.transcript());
    }
}

#[test]
fn simulate_a_request() {
    for (args, code, name) in [
        (
            &[
                "simulate",
                "--request",
                "examples/simulate/cross-account-getobject.json",
            ][..],
            0,
            "simulate_allowed_table",
        ),
        (
            &[
                "simulate",
                "--request",
                "examples/simulate/cross-account-getobject.json",
                "--format",
                "json",
            ][..],
            0,
            "simulate_allowed_json",
        ),
        (
            &[
                "simulate",
                "--request",
                "examples/simulate/region-denied-by-scp.json",
            ][..],
            1,
            "simulate_denied_table",
        ),
        (
            &[
                "simulate",
                "--request",
                "examples/simulate/region-denied-by-scp.json",
                "--format",
                "json",
            ][..],
            1,
            "simulate_denied_json",
        ),
    ] {
        let run = xtask(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        insta::assert_snapshot!(name, run.transcript());
    }
}

/// A small intent: one service, named resources, a service trust.
const INTENT: &str = r#"
role: queue-worker
description: Drains the orders queue
account: "111122223333"
region: eu-west-1
owner: platform-team
tags: {Project: orders, Environment: dev, Service: queue-worker}
trust:
  - service:lambda.amazonaws.com
permissions:
  - service: sqs
    purpose: receive and delete messages from the orders queue
    actions: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes]
    resources:
      - arn:aws:sqs:eu-west-1:111122223333:orders
"#;

#[test]
fn generate_from_an_intent() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "intent.yaml", INTENT);
    for (format, name) in [("yaml", "generate_yaml"), ("json", "generate_json")] {
        let run = xtask_in(
            dir.path(),
            &["generate", "--from", "intent.yaml", "--format", format],
            &[],
            &[],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(name, run.transcript());
    }
}

#[test]
fn schema_check_of_the_committed_schemas() {
    let run = xtask(&["schema", "--check"]);
    assert_eq!(run.code, 0, "the committed schemas are current");
    insta::assert_snapshot!("schema_check", run.transcript());
}

const BAD_CONFIG: &str = r#"organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_CLI_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
"#;

/// `resources` for `Resource` on line 16, column 7; and an unknown action kept for lint.
const BAD_ROLE: &str = r#"kind: Role
name: app
targets:
  accounts: [payments-prod]
trust:
  - Sid: Ecs
    Effect: Allow
    Principal: {Service: ecs-tasks.amazonaws.com}
    Action: sts:AssumeRole
    justification: The app runs on ECS.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      resources: "arn:aws:s3:::app-data/*"
      justification: The app reads its data.
"#;

#[test]
fn a_definition_with_a_mistake_is_reported_with_its_position() {
    let repo = tempfile::tempdir().unwrap();
    write_file(repo.path(), "warden.yaml", BAD_CONFIG);
    write_file(repo.path(), "policies/app.yaml", BAD_ROLE);
    for (args, code, name) in [
        (&["lint"][..], 2, "definition_error_lint"),
        (
            &["lint", "--format", "json"][..],
            2,
            "definition_error_lint_json",
        ),
        // plan follows Terraform: every error is 1.
        (&["plan"][..], 1, "definition_error_plan"),
        (&["drift"][..], 1, "definition_error_drift"),
    ] {
        let run = xtask_in(repo.path(), args, &[], &[]);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("policies/app.yaml:16:7"),
            "{args:?} names file:line:column: {}",
            run.stderr
        );
        insta::assert_snapshot!(name, run.transcript());
    }
}

#[test]
fn usage_errors_exit_2() {
    let run = xtask(&["lint", "--format", "yaml"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("usage_error_lint", run.transcript());
    let run = in_fixtures(&["policy", "normalize", "missing.json"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("usage_error_policy_missing_file", run.transcript());
}

const EXTERNAL_ID_ENV: &str = "WARDEN_E2E_CLI_EXTERNAL_ID";
const EXTERNAL_ID: &str = "e2e-cli-external-id";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_CLI_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 2
admin_roles: [WardenAccess]
"#;

const ROLE: &str = r#"
kind: Role
name: app-reader
path: /apps/
description: Reads the app's artifacts.
targets:
  ous: [Root/Workloads]
boundary: app-boundary
tags: {Project: app}
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

const BOUNDARY: &str = r#"
kind: Boundary
name: app-boundary
path: /boundaries/
description: Caps workload roles at S3 reads.
statements:
  - Sid: Cap
    Effect: Allow
    Action: [s3:Get*, s3:List*]
    Resource: "*"
    justification: Workload roles never need more than S3 reads.
"#;

const ACCOUNT_ROOT_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::ACCOUNT:root"},"Action":"sts:AssumeRole"}]}"#;

/// A moto organization with one workload account holding a hand-made role, and a definitions
/// repository (not a git checkout: no commit to report) for it.
struct Org {
    server: warden_emulator::MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
}

impl Org {
    async fn seed() -> Org {
        let server = warden_e2e::moto();
        let aws = Aws::connect(AwsOptions::emulator(server.endpoint_url()))
            .await
            .unwrap();
        let spec = SeedSpec {
            ous: vec!["Workloads".into()],
            accounts: vec![SeedAccount::new("dev", "Workloads")],
            access_role_name: "WardenAccess".into(),
            external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
        };
        let org = fixture::seed_organization(&aws, &spec).await.unwrap();
        let dev = org.account_id("dev").unwrap().to_string();
        let client = fixture::admin_client(&aws, &dev).await.unwrap();
        fixture::create_role_with_policies(
            &client,
            &NewRole {
                name: "legacy-batch".into(),
                path: "/".into(),
                trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", &dev),
                ..NewRole::default()
            },
            &[],
            &[],
        )
        .await
        .unwrap();
        let repo = tempfile::tempdir().unwrap();
        write_file(repo.path(), "warden.yaml", CONFIG);
        write_file(repo.path(), "policies/app-reader.yaml", ROLE);
        write_file(repo.path(), "boundaries/app-boundary.yaml", BOUNDARY);
        write_file(repo.path(), "scps/deny-leave.yaml", DENY_LEAVE_SCP);
        Org {
            server,
            aws,
            org,
            repo,
        }
    }

    /// What moto made up, longest first so no value is replaced inside another.
    fn redactions(&self) -> Vec<(String, &'static str)> {
        let mut redact = vec![
            (self.server.endpoint_url(), "[moto]"),
            (self.repo.path().display().to_string(), "[repo]"),
            (self.org.organization_id.clone(), "[org-id]"),
            (self.org.root_id.clone(), "[root-id]"),
        ];
        for id in self.org.ous.values() {
            redact.push((id.clone(), "[ou-id]"));
        }
        for account in &self.org.accounts {
            let placeholder: &'static str = match account.name.as_str() {
                "dev" => "[dev-account]",
                _ => "[account]",
            };
            redact.push((account.id.clone(), placeholder));
        }
        redact.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        redact
    }

    /// A console hotfix: the managed inline policy gains `s3:DeleteObject` on every bucket.
    async fn widen_by_hand(&self) {
        let dev = self.org.account_id("dev").unwrap();
        let client = fixture::admin_client(&self.aws, dev).await.unwrap();
        let widened = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadArtifacts","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts-DEV/*"},{"Sid":"Hotfix","Effect":"Allow","Action":"s3:DeleteObject","Resource":"*"}]}"#
            .replace("DEV", dev);
        client
            .put_role_policy("app-reader", "artifacts", &widened)
            .await
            .unwrap();
    }

    fn xtask(&self, args: &[&str]) -> Run {
        let mut full: Vec<&str> = args.to_vec();
        let endpoint = self.server.endpoint_url();
        full.extend(["--endpoint-url", &endpoint]);
        xtask_in(
            self.repo.path(),
            &full,
            &[(EXTERNAL_ID_ENV, EXTERNAL_ID)],
            &self.redactions(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_and_drift_against_a_moto_organization() {
    let org = Org::seed().await;

    let plan = org.xtask(&["plan", "--show-unmanaged"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    insta::assert_snapshot!("plan_table", plan.transcript());

    let changes = org.xtask(&["plan", "--detailed-exitcode"]);
    assert_eq!(changes.code, 2, "changes exit 2 with --detailed-exitcode");

    let saved = org.xtask(&["plan", "--out", "plan.json"]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    insta::assert_snapshot!("plan_out", saved.transcript());
    let mut file = std::fs::read_to_string(org.repo.path().join("plan.json")).unwrap();
    for (value, placeholder) in org.redactions() {
        file = file.replace(value.as_str(), placeholder);
    }
    let file = redact_volatile(&file);
    serde_json::from_str::<serde_json::Value>(&file).expect("the saved plan is JSON");
    insta::assert_snapshot!("plan_out_json", file);

    let json = org.xtask(&["plan", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    insta::assert_snapshot!("plan_json", json.transcript());

    for (format, name) in [("markdown", "drift_markdown"), ("json", "drift_json")] {
        let drift = org.xtask(&["drift", "--format", format]);
        assert_eq!(
            drift.code, 0,
            "drift exits 0 unless --fail-on: {}",
            drift.stderr
        );
        insta::assert_snapshot!(name, drift.transcript());
    }

    let applied = org.xtask(&["apply", "plan.json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    insta::assert_snapshot!("apply", applied.transcript());
    let again = org.xtask(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "nothing left to change: {}", again.stdout);
    insta::assert_snapshot!("plan_after_apply", again.transcript());

    org.widen_by_hand().await;
    let widened = org.xtask(&["plan"]);
    assert_eq!(widened.code, 0, "{}", widened.stderr);
    insta::assert_snapshot!("plan_live_differs", widened.transcript());
    for (format, name) in [
        ("markdown", "drift_live_differs_markdown"),
        ("json", "drift_live_differs_json"),
    ] {
        let drift = org.xtask(&["drift", "--format", format]);
        assert_eq!(drift.code, 0, "{}", drift.stderr);
        insta::assert_snapshot!(name, drift.transcript());
    }
    let failing = org.xtask(&["drift", "--format", "json", "--fail-on", "drift"]);
    assert_eq!(failing.code, 2, "drift exits 2 with --fail-on drift");
}
