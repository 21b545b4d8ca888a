//! Drift report and evidence bundle end to end: a seeded organization in moto, a definitions
//! repository in a git checkout, Warden applied once, then changes made out of band. Runs the
//! real `cargo xtask drift` / `cargo xtask evidence` commands, checks the numbers against the
//! catalog independently, verifies the manifest with `sha256sum -c`, and opens the HTML in
//! headless Chromium, following every local link.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::Value;
use warden_app::{ApplyRequest, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, AccessSeed, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{AccessRole, Aws, AwsOptions, ExternalId, NewRole};
use warden_catalog::{AccessLevel, Catalog};
use warden_e2e::{DENY_LEAVE_SCP as SCP_DEF, write_file as write};
use warden_emulator::browser::{dump_dom, ensure_chromium, file_url};
use warden_emulator::{MotoOptions, MotoServer};
use warden_plan::from_spec;
use warden_spec::Definitions;

const EXTERNAL_ID_ENV: &str = "WARDEN_E2E_REPORT_EXTERNAL_ID";
const EXTERNAL_ID: &str = "e2e-report-external-id";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_REPORT_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

const BOUNDARY: &str = r#"
kind: Boundary
name: standard-boundary
path: /boundaries/
description: Caps workload roles at S3 and EC2 reads.
statements:
  - Sid: Cap
    Effect: Allow
    Action: [s3:*, ec2:Describe*]
    Resource: "*"
    justification: Workload roles never need more than S3 and EC2 describe calls.
"#;

const SHARED_POLICY: &str = r#"
kind: ManagedPolicy
name: shared-read
path: /
description: Describe EC2.
statements:
  - Sid: DescribeEc2
    Effect: Allow
    Action: ec2:Describe*
    Resource: "*"
    justification: The inventory job lists instances; Describe calls have no resource-level permissions.
"#;

const ROLE_DEF: &str = r#"
kind: Role
name: app-reader
path: /apps/
description: Reads the app's artifacts.
targets:
  ous: [Root/Workloads]
boundary: standard-boundary
managed_policies: [shared-read]
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
      Action: s3:Get*
      Resource: "arn:aws:s3:::artifacts-${account_id}/*"
      justification: The app reads its build artifacts.
    - Sid: AppQueues
      Effect: Allow
      Action: sqs:*
      Resource: "arn:aws:sqs:us-east-1:${account_id}:app-*"
      justification: The app owns its queues (capped away by the boundary).
exceptions:
  - rule: WL201
    sid: AppQueues
    reason: The app creates and deletes its own queues.
    owner: platform@acme.example
    expires: 2099-12-31
"#;

const AUDITOR_DEF: &str = r#"
kind: Role
name: auditor
path: /
description: Read-only audit access.
targets:
  ous: [Root/Workloads]
boundary: standard-boundary
managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
trust:
  - Sid: AuditAccount
    Effect: Allow
    Principal:
      AWS: "arn:aws:iam::888888888888:root"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: audit-xid-7
    justification: The audit account assumes the role with its ExternalId.
inline_policies:
  list:
    - Sid: ListBuckets
      Effect: Allow
      Action: s3:ListAllMyBuckets
      Resource: "*"
      justification: Auditors list buckets; the action has no resource-level permissions.
"#;

const ACCOUNT_ROOT_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::ACCOUNT:root"},"Action":"sts:AssumeRole"}]}"#;

struct World {
    server: MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Ada Auditor",
            "-c",
            "user.email=ada@example.com",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn access() -> AccessRole {
    warden_e2e::access_role(EXTERNAL_ID, "warden-e2e-report")
}

/// Seeds two accounts (and `legacy`, whose access role is missing so it cannot be read), applies the definitions once, then changes things behind Warden's back:
/// widens `app-reader`'s inline policy in prod and creates an unmanaged role in dev.
async fn world() -> World {
    // AWS managed policies are attachable only when moto loads them.
    let server = warden_e2e::moto_with(MotoOptions {
        load_managed_policies: true,
        ..MotoOptions::default()
    });
    let aws = Aws::connect(AwsOptions::emulator(server.endpoint_url()))
        .await
        .unwrap();
    let mut legacy = SeedAccount::new("legacy", "Workloads");
    legacy.access = AccessSeed::Missing;
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![
            SeedAccount::new("dev", "Workloads"),
            SeedAccount::new("prod", "Workloads"),
            legacy,
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "warden.yaml", CONFIG);
    write(repo.path(), "boundaries/standard-boundary.yaml", BOUNDARY);
    write(repo.path(), "policies/shared-read.yaml", SHARED_POLICY);
    write(repo.path(), "policies/app-reader.yaml", ROLE_DEF);
    write(repo.path(), "policies/auditor.yaml", AUDITOR_DEF);
    write(repo.path(), "scps/deny-leave.yaml", SCP_DEF);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "definitions"]);
    let world = World {
        server,
        aws,
        org,
        repo,
    };
    world.apply_definitions().await;
    world.drift_out_of_band().await;
    world
}

impl World {
    /// The seeded organization as the use cases reach it: through the access role.
    fn organization(&self) -> LiveOrganization {
        LiveOrganization::new(self.aws.clone(), access(), 4)
    }

    fn definitions(&self) -> Definitions {
        Definitions::load(self.repo.path()).unwrap_or_else(|errors| panic!("{errors:?}"))
    }

    fn id(&self, name: &str) -> String {
        self.org.account_id(name).unwrap().to_string()
    }

    async fn apply_definitions(&self) {
        let definitions = self.definitions();
        let request = PlanRequest {
            lint: None,
            accounts: Vec::new(),
            ous: Vec::new(),
            commit: None,
            dirty: false,
            created_at: warden_app::now_rfc3339(),
        };
        let outcome =
            warden_app::plan_organization(&self.organization(), &definitions, &request, &|_| {})
                .await
                .unwrap();
        let apply = ApplyRequest::new(
            from_spec::ownership(&definitions.config),
            4,
            Arc::new(|_| {}),
        );
        let report = warden_app::apply_plan(&self.organization(), &outcome.plan, &apply).await;
        assert!(
            report.succeeded(),
            "{}",
            warden_plan::report::render_apply_report(&report)
        );
    }

    async fn drift_out_of_band(&self) {
        let prod = fixture::admin_client(&self.aws, &self.id("prod"))
            .await
            .unwrap();
        let widened = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadArtifacts","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::artifacts-PROD/*"},{"Sid":"AppQueues","Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:PROD:app-*"},{"Sid":"ConsoleHotfix","Effect":"Allow","Action":["dynamodb:DeleteTable","s3:PutObject"],"Resource":"*"}]}"#
            .replace("PROD", &self.id("prod"));
        prod.put_role_policy("app-reader", "artifacts", &widened)
            .await
            .unwrap();
        let dev_id = self.id("dev");
        let dev = fixture::admin_client(&self.aws, &dev_id).await.unwrap();
        fixture::create_role_with_policies(
            &dev,
            &NewRole {
                name: "legacy-batch".into(),
                path: "/".into(),
                trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", &dev_id),
                ..NewRole::default()
            },
            &[],
            &[],
        )
        .await
        .unwrap();
        // Hand-made roles a reviewer must see with why: one anybody can assume, one a vendor
        // outside the organization assumes without an ExternalId; and a console user without MFA.
        for (name, principal) in [
            ("open-door", "*".to_string()),
            (
                "vendor-bridge",
                "arn:aws:iam::777777777777:root".to_string(),
            ),
        ] {
            fixture::create_role_with_policies(
                &dev,
                &NewRole {
                    name: name.into(),
                    path: "/".into(),
                    trust_policy: format!(
                        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
                    ),
                    ..NewRole::default()
                },
                &[],
                &[],
            )
            .await
            .unwrap();
        }
        fixture::seed_console_user(&dev, "alice-console")
            .await
            .unwrap();
    }

    /// `cargo xtask ARGS… --root REPO --endpoint-url MOTO` with the ExternalId in the environment.
    fn xtask(&self, args: &[&str]) -> Output {
        let root = warden_e2e::workspace_root();
        Command::new(env!("CARGO"))
            .args(["run", "-q", "-p", "xtask", "--"])
            .args(args)
            .arg("--root")
            .arg(self.repo.path())
            .args(["--endpoint-url", &self.server.endpoint_url()])
            .env(EXTERNAL_ID_ENV, EXTERNAL_ID)
            .current_dir(root)
            .output()
            .unwrap()
    }
}

fn exit_code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn account<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("no account {id} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_report_shows_out_of_band_changes_and_unmanaged_roles() {
    let world = world().await;
    let out = tempfile::tempdir().unwrap();
    let json_path = out.path().join("drift.json");
    let run = world.xtask(&[
        "drift",
        "--format",
        "json",
        "--out",
        json_path.to_str().unwrap(),
    ]);
    // The `legacy` account has no access role: an unread account is an error (1) whatever the
    // flags, and the report is still written for the accounts that were read.
    assert_eq!(
        exit_code(&run),
        1,
        "an unread account fails the run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("could not be read"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let commit = git(world.repo.path(), &["rev-parse", "HEAD"]);
    assert_eq!(report["commit"], commit.as_str());
    assert_eq!(report["dirty"], false);

    let prod = account(&report, &world.id("prod"));
    assert_eq!(prod["status"], "drift");
    let changes = prod["changes"].as_array().unwrap();
    let hotfix = changes
        .iter()
        .find(|c| c["subject"] == "app-reader/artifacts")
        .unwrap_or_else(|| panic!("the widened inline policy is reported: {prod:#}"));
    assert_eq!(hotfix["difference"], "differs");
    assert_eq!(
        hotfix["live_grants_more"], true,
        "a hand-added action is more access"
    );
    assert_eq!(hotfix["action"], "update");
    assert!(
        hotfix["detail"].as_array().unwrap().iter().any(|d| d
            .as_str()
            .is_some_and(|d| d.eq_ignore_ascii_case("- action dynamodb:DeleteTable"))),
        "the repository would take the hand-added action away: {hotfix:#}"
    );
    assert_eq!(
        changes.len(),
        1,
        "nothing else differs in prod: {changes:#?}"
    );

    let dev = account(&report, &world.id("dev"));
    assert_eq!(dev["status"], "in_sync");
    assert!(
        dev["unmanaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["kind"] == "role" && u["name"] == "legacy-batch"),
        "{dev:#}"
    );
    assert_eq!(report["totals"]["differs"], 1);
    assert_eq!(report["totals"]["unreadable"], 1);
    let legacy = account(&report, &world.id("legacy"));
    assert_eq!(legacy["status"], "unreadable");
    assert!(
        legacy["unreadable"]
            .as_str()
            .unwrap()
            .contains("WardenAccess"),
        "the reason names what failed: {legacy:#}"
    );
    // Live truth: what live grants beyond the repository, and the risky hand-made roles with
    // why, from the posture and trust rules run on live IAM.
    let reader = prod["live"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "app-reader")
        .unwrap_or_else(|| panic!("live truth of app-reader: {prod:#}"));
    // The boundary (s3:*, ec2:Describe*) caps the hand-added dynamodb:DeleteTable away; the
    // hand-added s3:PutObject is effective.
    assert_eq!(reader["differs"], true);
    assert_eq!(
        reader["beyond_repository"],
        serde_json::json!(["s3:PutObject"]),
        "{reader:#}"
    );
    assert_eq!(
        dev["live"]["users_read"], false,
        "a plan reads roles and policies"
    );
    let risky = dev["live"]["risky_unmanaged"].as_array().unwrap();
    let why = |role: &str, rule: &str| {
        risky
            .iter()
            .find(|r| r["name"] == role && r["rule"] == rule)
            .unwrap_or_else(|| panic!("{role} flagged by {rule}: {risky:#?}"))
    };
    assert_eq!(why("open-door", "WL504")["class"], "trust");
    assert_eq!(why("vendor-bridge", "WL550")["class"], "trust");
    assert!(
        risky.iter().all(|r| r["name"] != "legacy-batch"),
        "a role trusting its own account is no risk: {risky:#?}"
    );
    assert!(
        report["risks"]["trust"]["errors"].as_u64().unwrap()
            + report["risks"]["trust"]["warnings"].as_u64().unwrap()
            >= 2,
        "{:#}",
        report["risks"]
    );
    assert!(report["risks"]["exposure"]["drift"].as_u64().unwrap() >= 1);

    // The excepted WL201 finding is reported as excepted, not as a warning.
    assert!(
        report["totals"]["lint_excepted"].as_u64().unwrap() >= 2,
        "{:#}",
        report["totals"]
    );

    // Drift alone gives 2; with the unread `legacy` account in scope the error wins (1).
    let drift = world.xtask(&["drift", "--fail-on", "drift", "--format", "markdown"]);
    assert_eq!(
        exit_code(&drift),
        1,
        "{}",
        String::from_utf8_lossy(&drift.stderr)
    );
    let drift_only = world.xtask(&[
        "drift",
        "--fail-on",
        "drift",
        "--account",
        "dev",
        "--account",
        "prod",
    ]);
    assert_eq!(
        exit_code(&drift_only),
        2,
        "{}",
        String::from_utf8_lossy(&drift_only.stderr)
    );
    let markdown = String::from_utf8_lossy(&drift.stdout);
    assert!(
        markdown.contains("<details>") && markdown.contains("legacy-batch"),
        "{markdown}"
    );
    let unreadable = world.xtask(&["drift", "--fail-on", "error"]);
    assert_eq!(
        exit_code(&unreadable),
        1,
        "an unreadable account is an error"
    );
    let errors_only = world.xtask(&[
        "drift",
        "--fail-on",
        "error",
        "--format",
        "html",
        "--account",
        "dev",
        "--account",
        "prod",
    ]);
    assert_eq!(exit_code(&errors_only), 0, "drift alone is not an error");
    let html = String::from_utf8_lossy(&errors_only.stdout).to_string();
    assert!(html.starts_with("<!DOCTYPE html>"));

    // The page renders in a browser, shows both accounts and every in-page link resolves.
    let chromium = ensure_chromium().unwrap_or_else(|err| {
        panic!("headless chromium is required for this test ({err}); `cargo xtask ci` installs it")
    });
    let page = out.path().join("drift.html");
    std::fs::write(&page, &html).unwrap();
    let dom = dump_dom(&chromium, &file_url(&page, None).unwrap()).unwrap();
    for name in ["dev", "prod", "legacy-batch", "app-reader/artifacts"] {
        assert!(dom.contains(name), "{name} shown");
    }
    // The pictures: risk classes, the grid with a titled square per account, access levels,
    // and the risky hand-made roles with why.
    assert_eq!(
        dom.matches("<svg").count(),
        3 + 2,
        "risks, grid, levels, one per account read"
    );
    for id in ["risks", "grid", "levels"] {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "{id} chart");
    }
    for (name, id) in [("dev", world.id("dev")), ("prod", world.id("prod"))] {
        assert!(
            dom.contains(&format!("<title>{name} ({id}): ")),
            "{name} has a titled grid square"
        );
    }
    let unmanaged = dom
        .split("id=\"unmanaged-risks\"")
        .nth(1)
        .unwrap()
        .split("<h2")
        .next()
        .unwrap();
    assert!(
        unmanaged.contains("open-door") && unmanaged.contains("vendor-bridge"),
        "{unmanaged}"
    );
    assert!(!dom.contains("<script"), "no scripts");
    let links = in_page_links_resolve(&dom);
    assert!(
        links > 10,
        "grid squares, risk rows and the account list link: {links}"
    );
    screenshot(&chromium, &page, "drift-seeded");
}

/// Where screenshots go: `target/e2e-artifacts/report/` (or under `CARGO_TARGET_DIR`).
fn artifacts() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || warden_e2e::workspace_root().join("target"),
            PathBuf::from,
        )
        .join("e2e-artifacts/report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a full-width screenshot of `page` as `NAME.png` under [`artifacts`] and checks it is a
/// PNG of some substance.
fn screenshot(chromium: &Path, page: &Path, name: &str) -> PathBuf {
    let out = artifacts().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&out);
    let profile = tempfile::tempdir().unwrap();
    let run = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-dev-shm-usage",
            "--window-size=1400,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", out.display()))
        .arg(file_url(page, None).unwrap())
        .output()
        .unwrap();
    let png = std::fs::read(&out).unwrap_or_else(|err| {
        panic!(
            "no screenshot of {} ({err}): {}",
            page.display(),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG"), "{} is a PNG", out.display());
    assert!(
        png.len() > 10_000,
        "{} has content: {} bytes",
        out.display(),
        png.len()
    );
    out
}

/// Every `href="#…"` in `dom` names an element id of the same page; returns how many.
fn in_page_links_resolve(dom: &str) -> usize {
    let ids: BTreeSet<String> = dom
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_string()))
        .collect();
    let links = hrefs(dom);
    for href in &links {
        let fragment = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only in-page links: {href}"));
        assert!(ids.contains(fragment), "{href} resolves");
    }
    links.len()
}

/// CloudTrail: app-reader in prod used s3:GetObject and ec2:DescribeInstances in the period,
/// ec2:DescribeVpcs before it, and s3:ListBucket (not granted by its policies).
fn cloudtrail(dir: &Path, prod: &str) {
    let event = |time: &str, source: &str, name: &str| {
        serde_json::json!({
            "eventTime": time,
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "recipientAccountId": prod,
            "userIdentity": {
                "type": "AssumedRole",
                "arn": format!("arn:aws:sts::{prod}:assumed-role/app-reader/run-1"),
                "accountId": prod,
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{prod}:role/apps/app-reader")}}
            },
            "requestParameters": {"bucketName": format!("artifacts-{prod}"), "key": "build/app.tar"}
        })
    };
    std::fs::create_dir_all(dir.join("2026/11")).unwrap();
    let first = serde_json::json!({"Records": [
        event("2026-11-20T10:00:00Z", "s3.amazonaws.com", "GetObject"),
        event("2026-11-20T10:01:00Z", "ec2.amazonaws.com", "DescribeInstances"),
        event("2026-01-02T10:00:00Z", "ec2.amazonaws.com", "DescribeVpcs"),
    ]});
    std::fs::write(dir.join("2026/11/a.json"), first.to_string()).unwrap();
    let second = serde_json::json!({"Records": [event("2026-11-21T09:00:00Z", "s3.amazonaws.com", "ListBucket")]});
    let gz = dir.join("2026/11/b.json");
    std::fs::write(&gz, second.to_string()).unwrap();
    let status = Command::new("gzip").arg(&gz).status().unwrap();
    assert!(status.success());
}

/// The AWS managed policy corpus (`WARDEN_CORPUS` or `.warden/corpus/aws-managed-policies.json`).
fn corpus() -> PathBuf {
    let path = std::env::var_os("WARDEN_CORPUS").map_or_else(
        || warden_emulator::corpus_path(&warden_e2e::workspace_root()),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "cannot read the AWS managed policy corpus at {}; run `cargo xtask ci` to prepare it (or set WARDEN_CORPUS)",
        path.display()
    );
    path
}

fn expanded(catalog: &Catalog, patterns: &[&str]) -> BTreeMap<String, AccessLevel> {
    patterns
        .iter()
        .flat_map(|p| catalog.expand(p).unwrap())
        .map(|a| (a.full_name(), a.access_level))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_bundle_has_every_role_right_counts_and_a_verifiable_manifest() {
    let chromium = ensure_chromium().unwrap_or_else(|err| {
        panic!("headless chromium is required for this test ({err}); `cargo xtask ci` installs it")
    });
    let world = world().await;
    let prod = world.id("prod");
    let trail = tempfile::tempdir().unwrap();
    cloudtrail(trail.path(), &prod);
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("bundle");
    let corpus = corpus();
    let run = world.xtask(&[
        "evidence",
        "--aws-managed-policies",
        corpus.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
        "--cloudtrail",
        trail.path().to_str().unwrap(),
        "--since",
        "2026-11-01",
    ]);
    assert_eq!(
        exit_code(&run),
        0,
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Every role rendered for every account is in the evidence.
    let evidence: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("evidence.json")).unwrap())
            .unwrap();
    assert_eq!(evidence["format"], "warden-evidence");
    let provenance = &evidence["header"]["provenance"];
    assert_eq!(
        provenance["commit"],
        git(world.repo.path(), &["rev-parse", "HEAD"]).as_str()
    );
    assert_eq!(provenance["author"], "Ada Auditor <ada@example.com>");
    assert_eq!(provenance["clean"], true);
    let accounts = evidence["accounts"].as_array().unwrap();
    let found: BTreeSet<(String, String)> = accounts
        .iter()
        .flat_map(|a| {
            a["roles"].as_array().unwrap().iter().map(move |r| {
                (
                    a["account_name"].as_str().unwrap().to_string(),
                    r["name"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ["dev", "prod", "legacy"]
        .iter()
        .flat_map(|a| ["app-reader", "auditor"].map(|r| ((*a).to_string(), r.to_string())))
        .collect();
    assert_eq!(found, expected);

    // Counts: identity (s3:Get*, sqs:*, ec2:Describe*) capped by the boundary (s3:*, ec2:Describe*).
    let catalog = Catalog::embedded();
    let granted = expanded(catalog, &["s3:Get*", "ec2:Describe*"]);
    let prod_evidence = accounts
        .iter()
        .find(|a| a["account_id"] == prod.as_str())
        .unwrap();
    let role = prod_evidence["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "app-reader")
        .unwrap();
    let permissions = &role["permissions"];
    assert_eq!(permissions["total"], granted.len());
    let reads = granted
        .values()
        .filter(|l| **l == AccessLevel::Read)
        .count();
    let lists = granted
        .values()
        .filter(|l| **l == AccessLevel::List)
        .count();
    assert_eq!(permissions["levels"]["read"], reads);
    assert_eq!(permissions["levels"]["list"], lists);
    let services: Vec<&str> = permissions["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        ["ec2", "s3"],
        "sqs is capped away by the boundary"
    );
    assert_eq!(
        role["live"]["state"], "differs",
        "prod's inline policy was widened by hand"
    );
    let legacy_evidence = accounts
        .iter()
        .find(|a| a["account_name"] == "legacy")
        .unwrap();
    assert!(legacy_evidence["unreadable"].is_string());
    assert!(
        legacy_evidence["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["live"]["state"] == "not_read"),
        "roles of an unreadable account are not claimed to match"
    );
    let dev_evidence = accounts
        .iter()
        .find(|a| a["account_name"] == "dev")
        .unwrap();
    assert!(
        dev_evidence["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["live"]["state"] == "matched")
    );
    assert!(
        dev_evidence["unmanaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "role legacy-batch")
    );
    let scps: Vec<&str> = prod_evidence["scps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(scps, ["deny-leave"]);
    let justifications: Vec<&str> = role["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["justification"].as_str())
        .collect();
    assert!(
        justifications.contains(&"The app reads its build artifacts."),
        "{justifications:?}"
    );
    let exception = &role["exceptions"][0];
    assert_eq!(
        (
            exception["owner"].as_str(),
            exception["expires"].as_str(),
            exception["in_force"].as_bool()
        ),
        (
            Some("platform@acme.example"),
            Some("2099-12-31"),
            Some(true)
        )
    );

    // The auditor's AWS managed ReadOnlyAccess is counted from its document, capped by the
    // boundary: computed here from the corpus independently.
    let corpus: Value = serde_json::from_str(&std::fs::read_to_string(&corpus).unwrap()).unwrap();
    let cap = expanded(catalog, &["s3:*", "ec2:Describe*"]);
    let mut auditor_actions = expanded(catalog, &["s3:ListAllMyBuckets"]);
    for statement in corpus["ReadOnlyAccess"]["document"]["Statement"]
        .as_array()
        .unwrap()
    {
        assert_eq!(statement["Effect"], "Allow");
        let actions = match &statement["Action"] {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
            other => panic!("unexpected Action {other}"),
        };
        for action in actions {
            for found in catalog.expand(&action).unwrap_or_default() {
                auditor_actions.insert(found.full_name(), found.access_level);
            }
        }
    }
    auditor_actions.retain(|name, _| cap.contains_key(name));
    let auditor = prod_evidence["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "auditor")
        .unwrap();
    assert_eq!(auditor["permissions"]["total"], auditor_actions.len());
    assert!(
        auditor_actions.len() > 100,
        "ReadOnlyAccess grants many s3 and ec2 reads"
    );
    assert!(
        auditor["permissions"].get("not_expanded").is_none(),
        "{:#}",
        auditor["permissions"]
    );

    // Usage in the period: two granted actions used, ListBucket used but not granted.
    let usage = &role["usage"];
    assert_eq!(
        usage["used"],
        serde_json::json!(["ec2:DescribeInstances", "s3:GetObject"])
    );
    assert_eq!(
        usage["used_not_granted"],
        serde_json::json!(["s3:ListBucket"])
    );
    assert_eq!(usage["unused_count"], granted.len() - 2);
    assert_eq!(usage["events"], 3, "the January event is before --since");

    // The CSV has one row per account and role, with the same counts.
    let csv = std::fs::read_to_string(bundle.join("roles.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + expected.len());
    let row = csv
        .lines()
        .find(|l| l.starts_with(&format!("{prod},")) && l.contains(",app-reader,"))
        .unwrap();
    assert!(
        row.contains(&format!(",differs,{},", granted.len())),
        "{row}"
    );

    // The manifest verifies with the real tool, and catches a changed file.
    let check = Command::new("sha256sum")
        .args(["-c", "MANIFEST.sha256"])
        .current_dir(&bundle)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let listed = String::from_utf8_lossy(&check.stdout)
        .lines()
        .filter(|l| l.ends_with(": OK"))
        .count();
    assert_eq!(
        listed,
        3 + accounts.len(),
        "evidence.json, roles.csv, index.html and a page per account"
    );
    std::fs::write(bundle.join("roles.csv"), csv.replace("differs", "matched")).unwrap();
    let tampered = Command::new("sha256sum")
        .args(["-c", "--quiet", "MANIFEST.sha256"])
        .current_dir(&bundle)
        .output()
        .unwrap();
    assert!(
        !tampered.status.success(),
        "a changed file fails the manifest"
    );

    browse(&chromium, &bundle, &expected);
    let index = std::fs::read_to_string(bundle.join("index.html")).unwrap();
    for id in ["risks", "grid", "levels"] {
        assert!(index.contains(&format!("<svg id=\"{id}\"")), "{id} chart");
    }
    screenshot(&chromium, &bundle.join("index.html"), "evidence-index");

    // From a snapshot (users and keys read too): live truth beside intent in the evidence
    // pages and in the drift report.
    let snap = out.path().join("snap");
    world.xtask(&["snapshot", "--out", snap.to_str().unwrap()]);
    assert!(
        snap.join("manifest.json").is_file(),
        "the snapshot was written"
    );
    let live_bundle = out.path().join("live-bundle");
    let run = world.xtask(&[
        "evidence",
        "--snapshot",
        snap.to_str().unwrap(),
        "--out",
        live_bundle.to_str().unwrap(),
    ]);
    assert_eq!(
        exit_code(&run),
        0,
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let page = |name: &str| live_bundle.join(format!("accounts/{}.html", world.id(name)));
    let prod_page = std::fs::read_to_string(page("prod")).unwrap();
    assert!(prod_page.contains("Live truth beside the repository"));
    let beyond = prod_page
        .split("live grants 1 action(s) beyond the repository:")
        .nth(1)
        .unwrap_or_else(|| panic!("app-reader's hand-added action is shown"));
    assert!(
        beyond.starts_with("</span> <code>s3:PutObject</code>"),
        "{beyond}"
    );
    let dev_page = std::fs::read_to_string(page("dev")).unwrap();
    for shown in [
        "alice-console",
        "console without MFA",
        "vendor-bridge",
        "777777777777",
        "WL750",
        "WL550",
        "trust: WL504",
    ] {
        assert!(dev_page.contains(shown), "{shown} on dev's page");
    }
    browse(&chromium, &live_bundle, &expected);
    screenshot(&chromium, &page("dev"), "evidence-dev-live");
    screenshot(&chromium, &page("prod"), "evidence-prod-live");

    let drift_json = out.path().join("drift-live.json");
    let run = world.xtask(&[
        "drift",
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        drift_json.to_str().unwrap(),
    ]);
    assert!(
        drift_json.is_file(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let drift: Value =
        serde_json::from_str(&std::fs::read_to_string(&drift_json).unwrap()).unwrap();
    let dev = account(&drift, &world.id("dev"));
    assert_eq!(dev["live"]["users_read"], true, "{dev:#}");
    let alice = dev["live"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "alice-console")
        .unwrap();
    assert_eq!(
        (alice["console_access"].as_bool(), alice["mfa"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(
        dev["live"]["risky_unmanaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "user"
                && r["name"] == "alice-console"
                && r["class"] == "credentials"),
        "{:#}",
        dev["live"]
    );
}

/// Opens index.html in headless Chromium, checks that accounts and roles are shown, and follows
/// every local link: the file exists and, for `#fragment`, the loaded page has that id.
fn browse(chromium: &Path, bundle: &Path, roles: &BTreeSet<(String, String)>) {
    let mut doms: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut dom_of = |path: &Path| -> String {
        let path = path.canonicalize().unwrap();
        doms.entry(path.clone())
            .or_insert_with(|| dump_dom(chromium, &file_url(&path, None).unwrap()).unwrap())
            .clone()
    };
    let index = bundle.join("index.html");
    let dom = dom_of(&index);
    for (account, role) in roles {
        assert!(
            dom.contains(&format!(">{account}</a>")),
            "account {account} listed"
        );
        assert!(dom.contains(&format!(">{role}</a>")), "role {role} listed");
    }
    let mut pages = vec![index];
    let mut seen = BTreeSet::new();
    let mut links_checked = 0;
    while let Some(page) = pages.pop() {
        if !seen.insert(page.canonicalize().unwrap()) {
            continue;
        }
        let dom = dom_of(&page);
        for href in hrefs(&dom) {
            assert!(!href.starts_with("http"), "no external links: {href}");
            let (file, fragment) = href.split_once('#').unwrap_or((href.as_str(), ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            assert!(
                target.is_file(),
                "{href} on {} points to a missing file",
                page.display()
            );
            if !fragment.is_empty() {
                let target_dom = dom_of(&target);
                assert!(
                    target_dom.contains(&format!("id=\"{fragment}\"")),
                    "{href}: no element with id `{fragment}`"
                );
            }
            if target.extension().is_some_and(|e| e == "html") {
                pages.push(target);
            }
            links_checked += 1;
        }
    }
    assert!(links_checked > 10, "only {links_checked} links followed");
    assert_eq!(seen.len(), 4, "index and one page per account");
}

fn hrefs(dom: &str) -> Vec<String> {
    dom.split("href=\"")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('"')
                .map(|(href, _)| href.replace("&amp;", "&"))
        })
        .collect()
}

/// A synthetic organization of 1,000 accounts in five OUs: mostly in sync, some with drift
/// where live grants more, some with a conflict, some unread, a few with live truth (a role
/// widened by hand, a hand-made role anybody can assume).
fn thousand_accounts() -> warden_report::DriftReport {
    use warden_lint::{Finding, Severity};
    use warden_report::drift::{AccountLiveTruth, PermissionCounts, RoleLiveTruth};
    use warden_report::permissions::LevelCounts;
    let ous = [
        "Root/Workloads/Prod",
        "Root/Workloads/Dev",
        "Root/Sandbox",
        "Root/Security",
        "Root/Suspended",
    ];
    let mut accounts = Vec::new();
    let mut plans = Vec::new();
    let mut unreadable = Vec::new();
    for n in 0..1000u64 {
        let id = format!("{:012}", 500_000_000_000 + n);
        let name = format!("acct-{n:04}");
        let ou = ous[(n % 5) as usize];
        accounts.push(warden_spec::org::Account {
            id: id.clone(),
            name: name.clone(),
            email: None,
            status: warden_spec::org::AccountStatus::Active,
            parent_id: "ou-x".into(),
            ou_path: ou.into(),
            tags: BTreeMap::new(),
        });
        if n % 97 == 3 {
            unreadable.push(warden_plan::Unreadable {
                account_id: id,
                account_name: name,
                reason: "AccessDenied assuming `WardenAccess`".into(),
            });
            continue;
        }
        let changes = if n % 13 == 0 {
            vec![warden_plan::Change::DeleteInlinePolicy {
                role: "app".into(),
                policy_name: "hotfix".into(),
            }]
        } else {
            Vec::new()
        };
        let conflicts = if n % 89 == 7 {
            serde_json::json!([{"kind": "role", "name": "app", "reason": "a role of that name exists unmanaged"}])
        } else {
            serde_json::json!([])
        };
        let unmanaged = if n % 50 == 1 {
            serde_json::json!([{"kind": "role", "name": "open-door"}])
        } else {
            serde_json::json!([])
        };
        let mut plan: warden_plan::AccountPlan = serde_json::from_value(serde_json::json!({
            "account_id": id, "account_name": name, "fingerprint": "f",
            "changes": [], "conflicts": conflicts, "unmanaged": unmanaged,
        }))
        .unwrap();
        plan.changes = changes;
        plans.push(plan);
    }
    let organization = warden_spec::org::Organization {
        id: "o-synthetic".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-root".into(),
        accounts,
        organizational_units: Vec::new(),
    };
    let mut plan = warden_plan::Plan::new(warden_plan::PlanHeader {
        created_at: "2026-12-01T03:00:00Z".into(),
        commit: None,
        dirty: false,
        definitions_digest: "sha256:synthetic".into(),
        management_account_id: "123456789012".into(),
        access_role_name: "WardenAccess".into(),
        managed_marker: "warden:managed=true".into(),
    });
    plan.accounts = plans;
    plan.unreadable = unreadable;
    let report = warden_report::DriftReport::build(&plan, &organization, &[]);
    let levels = |list, read, write, permissions_management| LevelCounts {
        list,
        read,
        write,
        permissions_management,
        tagging: 1,
    };
    let live: BTreeMap<String, AccountLiveTruth> = report
        .accounts
        .iter()
        .filter(|account| account.unmanaged.iter().any(|u| u.name == "open-door"))
        .map(|account| {
            let truth = AccountLiveTruth {
                users_read: false,
                roles: vec![RoleLiveTruth {
                    name: "app".into(),
                    repository: PermissionCounts {
                        total: 31,
                        levels: levels(10, 20, 0, 0),
                    },
                    live: PermissionCounts {
                        total: 45,
                        levels: levels(10, 20, 12, 2),
                    },
                    differs: true,
                    beyond_repository: vec!["dynamodb:DeleteTable".into()],
                    missing_from_live: Vec::new(),
                }],
                findings: vec![Finding {
                    rule: "WL504".into(),
                    severity: Severity::Error,
                    message: "trust statement allows any AWS principal (`*`) to assume `open-door`"
                        .into(),
                    file: format!("aws:{}", account.account_id),
                    line: 0,
                    column: 0,
                    account: Some(account.account_id.clone()),
                    principal: Some("open-door".into()),
                    sid: None,
                    excepted: None,
                }],
                ..AccountLiveTruth::default()
            };
            (account.account_id.clone(), truth)
        })
        .collect();
    report.with_live_truth(live)
}

#[test]
fn drift_html_of_a_thousand_accounts_stays_readable_and_every_link_resolves() {
    let chromium = ensure_chromium().unwrap_or_else(|err| {
        panic!("headless chromium is required for this test ({err}); `cargo xtask ci` installs it")
    });
    let report = thousand_accounts();
    assert_eq!(report.totals.accounts, 1000);
    let html = warden_report::render::drift_html(&report);
    assert!(
        html.len() < 3_000_000,
        "a thousand accounts stay a page a browser opens at once: {} bytes",
        html.len()
    );
    eprintln!("drift page of 1,000 accounts: {} bytes", html.len());
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("drift-1000.html");
    std::fs::write(&page, &html).unwrap();
    let dom = dump_dom(&chromium, &file_url(&page, None).unwrap()).unwrap();
    let grid = dom
        .split("<svg id=\"grid\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    assert_eq!(
        grid.matches("<a href=\"#account-").count(),
        1000,
        "a linked square per account"
    );
    for (n, status) in [
        (0, "drift"),
        (1, "in sync"),
        (3, "unreadable"),
        (7, "conflict"),
    ] {
        let title = format!(
            "<title>acct-{n:04} ({:012}): {status}</title>",
            500_000_000_000u64 + n
        );
        assert!(grid.contains(&title), "{title}");
    }
    // Five OU headings with their counts in words, and a legend in words.
    for ou in [
        "Root/Sandbox",
        "Root/Security",
        "Root/Suspended",
        "Root/Workloads/Dev",
        "Root/Workloads/Prod",
    ] {
        assert!(grid.contains(&format!(">{ou}<tspan")), "{ou} heading");
    }
    assert!(grid.contains(">in sync ("), "legend");
    let risky = dom
        .split("id=\"unmanaged-risks\"")
        .nth(1)
        .unwrap()
        .split("<h2")
        .next()
        .unwrap();
    assert_eq!(
        risky.matches("role <code>open-door</code>").count(),
        20,
        "{risky}"
    );
    assert!(risky.contains("any AWS principal"), "why is shown");
    let links = in_page_links_resolve(&dom);
    assert!(links > 2000, "grid squares and the account list: {links}");
    let shot = screenshot(&chromium, &page, "drift-1000-accounts");
    eprintln!("screenshot: {}", shot.display());
}
