//! `access-diff`: a definitions repository with several revisions, made here with git2, compared
//! as access per account: exact actions gained and lost (capped by the boundary, minus what an
//! SCP denies), trust gained, reformatting as no change, narrowing, an SCP lifted; exit codes
//! and the table, Markdown and JSON outputs through the binary.

use warden_app::access_diff::{AccessDiffRequest, access_diff, files_at};
use warden_e2e::write_file;
use warden_review::{AccessDiff, PrincipalChange};
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

use crate::cli::xtask_in;

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";
const PARTNER: &str = "arn:aws:iam::777788889999:root";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_REVIEW_UNSET
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#;

const BOUNDARY: &str = r#"
kind: Boundary
name: workload-boundary
path: /boundaries/
description: Caps workload roles.
statements:
  - Sid: Cap
    Effect: Allow
    justification: The test scenario needs this access.
    Action: [s3:*, dynamodb:*, sqs:*]
    Resource: "*"
"#;

const DENY_LEAVE: &str = r#"
kind: Scp
name: deny-leave
description: Accounts stay in the organization.
targets:
  ous: [Root]
statements:
  - Sid: DenyLeave
    Effect: Deny
    justification: The guardrail the test scenario relies on.
    Action: organizations:LeaveOrganization
    Resource: "*"
"#;

const DENY_TABLE_DELETION_IN_PROD: &str = r#"
kind: Scp
name: protect-prod-tables
description: Production tables are never deleted.
targets:
  ous: [Root/Prod]
statements:
  - Sid: DenyDeleteTable
    Effect: Deny
    justification: The guardrail the test scenario relies on.
    Action: dynamodb:DeleteTable
    Resource: "*"
"#;

/// Revision 1: reads its own bucket, trusted by ECS tasks.
const ROLE_BASE: &str = r#"
kind: Role
name: app-task
path: /workloads/
description: The application's task role.
targets:
  ous: [Root]
boundary: workload-boundary
trust:
  - Sid: EcsTasks
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
inline_policies:
  data:
    - Sid: ReadData
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::data-${account_id}/*"
"#;

/// Revision 2: widened. Table writes (deleting tables is denied by an SCP in prod), IAM (outside
/// the boundary), every bucket, and a partner account trusted with an ExternalId.
const ROLE_WIDENED: &str = r#"
kind: Role
name: app-task
path: /workloads/
description: The application's task role.
targets:
  ous: [Root]
boundary: workload-boundary
trust:
  - Sid: EcsTasks
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
  - Sid: Partner
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      AWS: "arn:aws:iam::777788889999:root"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: partner-secret-value-1234
inline_policies:
  data:
    - Sid: ReadData
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::*"
    - Sid: Tables
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [dynamodb:PutItem, dynamodb:DeleteTable, iam:PassRole]
      Resource: "*"
"#;

/// Revision 3: revision 2 reformatted: flow style, other order, quoting, action case.
const ROLE_REFORMATTED: &str = r#"
kind: Role
name: app-task
description: "The application's task role."
path: /workloads/
boundary: workload-boundary
targets: {ous: [Root]}
trust:
  - {Sid: Partner, Effect: Allow, Principal: {AWS: ["arn:aws:iam::777788889999:root"]}, Action: [sts:AssumeRole], Condition: {StringEquals: {sts:ExternalId: [partner-secret-value-1234]}}}
  - {Sid: EcsTasks, Effect: Allow, Principal: {Service: [ecs-tasks.amazonaws.com]}, Action: "sts:assumerole"}
inline_policies:
  data:
    - Sid: Tables
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [iam:PassRole, DynamoDB:PutItem, dynamodb:deletetable]
      Resource: ["*"]
    - {Sid: ReadData, Effect: Allow, Action: [s3:getobject], Resource: "arn:aws:s3:::*"}
"#;

/// Revision 4: narrowed. No more item writes, no more partner.
const ROLE_NARROWED: &str = r#"
kind: Role
name: app-task
path: /workloads/
description: The application's task role.
targets:
  ous: [Root]
boundary: workload-boundary
trust:
  - Sid: EcsTasks
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
inline_policies:
  data:
    - Sid: ReadData
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::*"
    - Sid: Tables
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [dynamodb:DeleteTable, iam:PassRole]
      Resource: "*"
"#;

fn organization() -> Organization {
    let account = |id: &str, name: &str, parent: &str, path: &str| Account {
        id: id.into(),
        name: name.into(),
        email: None,
        status: AccountStatus::Active,
        parent_id: parent.into(),
        ou_path: path.into(),
        tags: Default::default(),
    };
    let ou = |id: &str, name: &str| OrganizationalUnit {
        id: id.into(),
        name: name.into(),
        parent_id: "r-ab12".into(),
        path: format!("Root/{name}"),
    };
    Organization {
        id: "o-review0001".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-ab12".into(),
        accounts: vec![
            account("123456789012", "management", "r-ab12", "Root"),
            account(PROD, "prod", "ou-ab12-prod0001", "Root/Prod"),
            account(DEV, "dev", "ou-ab12-dev00001", "Root/Dev"),
        ],
        organizational_units: vec![
            ou("ou-ab12-prod0001", "Prod"),
            ou("ou-ab12-dev00001", "Dev"),
        ],
    }
}

/// A git repository whose definitions live in `defs/` (not at the top), with one commit per
/// revision, tagged `r1`…`r4`.
struct Repo {
    dir: tempfile::TempDir,
    git: git2::Repository,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let git = git2::Repository::init(dir.path()).unwrap();
        let repo = Repo { dir, git };
        write_file(&repo.root(), "warden.yaml", CONFIG);
        write_file(&repo.root(), "boundaries/workload.yaml", BOUNDARY);
        write_file(&repo.root(), "scps/deny-leave.yaml", DENY_LEAVE);
        write_file(
            &repo.root(),
            "scps/protect-prod-tables.yaml",
            DENY_TABLE_DELETION_IN_PROD,
        );
        write_file(&repo.root(), "README.md", "not a definition\n");
        for (tag, role) in [
            ("r1", ROLE_BASE),
            ("r2", ROLE_WIDENED),
            ("r3", ROLE_REFORMATTED),
            ("r4", ROLE_NARROWED),
        ] {
            write_file(&repo.root(), "policies/app-task.yaml", role);
            repo.commit(tag);
        }
        write_file(
            &repo.root(),
            "organization.json",
            &serde_json::to_string_pretty(&organization()).unwrap(),
        );
        repo
    }

    fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("defs")
    }

    fn commit(&self, tag: &str) {
        let mut index = self.git.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = self.git.find_tree(index.write_tree().unwrap()).unwrap();
        let signature = git2::Signature::now("Reviewer", "reviewer@example.com").unwrap();
        let parent = self.git.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = self
            .git
            .commit(Some("HEAD"), &signature, &signature, tag, &tree, &parents)
            .unwrap();
        let object = self.git.find_object(id, None).unwrap();
        self.git.tag_lightweight(tag, &object, false).unwrap();
    }

    fn diff(&self, base: &str, head: Option<&str>) -> AccessDiff {
        let request = AccessDiffRequest {
            root: self.root(),
            base: base.into(),
            head: head.map(str::to_string),
        };
        access_diff(&request, &organization()).unwrap()
    }
}

fn change<'d>(diff: &'d AccessDiff, account: &str) -> &'d PrincipalChange {
    diff.changes
        .iter()
        .find(|c| c.account_id == account)
        .unwrap_or_else(|| panic!("no change in {account}: {diff:#?}"))
}

#[test]
fn definitions_are_read_from_the_git_tree_below_the_root() {
    let repo = Repo::new();
    let files: Vec<String> = files_at(&repo.root(), "r1")
        .unwrap()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(
        files,
        [
            "boundaries/workload.yaml",
            "policies/app-task.yaml",
            "scps/deny-leave.yaml",
            "scps/protect-prod-tables.yaml",
            "warden.yaml"
        ]
    );
    let err = files_at(&repo.root(), "no-such-rev").unwrap_err();
    assert!(err.to_string().contains("`no-such-rev`"), "{err}");
}

#[test]
fn widening_is_reported_per_account_with_the_boundary_and_scps_applied() {
    let repo = Repo::new();
    let diff = repo.diff("r1", Some("r2"));
    assert!(diff.summary.grants_new_access);
    assert_eq!(diff.changes.len(), 2, "{diff:#?}");
    let prod = change(&diff, PROD);
    // iam:PassRole is outside the boundary; dynamodb:DeleteTable is denied by the prod SCP.
    assert_eq!(prod.gained, ["dynamodb:PutItem"]);
    assert_eq!(
        prod.principal,
        "arn:aws:iam::111111111111:role/workloads/app-task"
    );
    let withheld = |change: &PrincipalChange| -> Vec<(String, &str)> {
        change
            .withheld
            .iter()
            .map(|w| (w.action.clone(), w.by))
            .collect()
    };
    assert_eq!(
        withheld(prod),
        [
            ("dynamodb:DeleteTable".to_string(), "scp"),
            ("iam:PassRole".to_string(), "permission boundary")
        ]
    );
    let dev = change(&diff, DEV);
    assert_eq!(dev.gained, ["dynamodb:DeleteTable", "dynamodb:PutItem"]);
    assert_eq!(
        withheld(dev),
        [("iam:PassRole".to_string(), "permission boundary")]
    );
    for change in [prod, dev] {
        assert!(change.lost.is_empty());
        assert_eq!(change.trust_gained, [PARTNER]);
        assert!(change.trust_lost.is_empty());
        assert_eq!(change.scope_widened.len(), 1, "{change:#?}");
        assert_eq!(change.scope_widened[0].actions, ["s3:GetObject"]);
        assert_eq!(change.scope_widened[0].resources, ["arn:aws:s3:::*"]);
        assert_eq!(change.causes, ["trust policy", "identity policies"]);
    }
    // The partner's ExternalId never appears in any output.
    for format in [
        warden_review::Format::Json,
        warden_review::Format::Table,
        warden_review::Format::Markdown,
    ] {
        assert!(!warden_review::render(&diff, format).contains("partner-secret-value-1234"));
    }
}

#[test]
fn reformatting_is_no_change_and_narrowing_grants_nothing() {
    let repo = Repo::new();
    let reformatted = repo.diff("r2", Some("r3"));
    assert_eq!(reformatted.changes, Vec::new());
    assert!(!reformatted.summary.grants_new_access);

    let narrowed = repo.diff("r3", Some("r4"));
    assert!(!narrowed.summary.grants_new_access, "{narrowed:#?}");
    for account in [PROD, DEV] {
        let change = change(&narrowed, account);
        assert!(change.gained.is_empty());
        assert_eq!(change.lost, ["dynamodb:PutItem"]);
        assert_eq!(change.trust_lost, [PARTNER]);
        assert!(change.scope_widened.is_empty() && change.trust_gained.is_empty());
    }
}

#[test]
fn lifting_an_scp_in_the_working_tree_grants_what_it_denied() {
    let repo = Repo::new();
    std::fs::remove_file(repo.root().join("scps/protect-prod-tables.yaml")).unwrap();
    let diff = repo.diff("r4", None);
    assert!(diff.summary.grants_new_access);
    assert_eq!(diff.changes.len(), 1, "dev had no such deny: {diff:#?}");
    let prod = change(&diff, PROD);
    assert_eq!(prod.gained, ["dynamodb:DeleteTable"]);
    assert_eq!(prod.causes, ["scp `protect-prod-tables`"]);
    assert_eq!(diff.accounts.len(), 1);
    assert_eq!(diff.accounts[0].account_id, PROD);
    assert_eq!(diff.accounts[0].denies_lifted, ["dynamodb:DeleteTable"]);
    assert_eq!(diff.accounts[0].scps_detached, ["protect-prod-tables"]);
}

fn cli(repo: &Repo, args: &[&str]) -> crate::cli::Run {
    let mut all = vec!["access-diff", "--org", "organization.json"];
    all.extend_from_slice(args);
    xtask_in(&repo.root(), &all, &[], &[])
}

#[test]
fn the_command_exits_2_on_new_access_and_prints_table_markdown_and_json() {
    let repo = Repo::new();
    for (format, name) in [
        ("table", "access_diff_table"),
        ("markdown", "access_diff_markdown"),
        ("json", "access_diff_json"),
    ] {
        let run = cli(&repo, &["--base", "r1", "--head", "r2", "--format", format]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        insta::assert_snapshot!(name, run.transcript());
    }
    let narrowed = cli(&repo, &["--base", "r3", "--head", "r4"]);
    assert_eq!(narrowed.code, 0, "{}", narrowed.transcript());
    insta::assert_snapshot!("access_diff_narrowed", narrowed.transcript());
    // The working tree is r4: nothing changed.
    let clean = cli(&repo, &["--base", "r4"]);
    assert_eq!(clean.code, 0, "{}", clean.transcript());
    assert!(
        clean
            .stdout
            .starts_with("access diff: no new access: 0 of 2 role(s)"),
        "{}",
        clean.stdout
    );
    let bad = cli(&repo, &["--base", "no-such-rev"]);
    assert_eq!(bad.code, 1, "{}", bad.transcript());
    assert!(
        bad.stderr.contains("revision `no-such-rev`"),
        "{}",
        bad.stderr
    );
}

const CALLS_EXTERNAL_ID: &str = "e2e-calls-external-id";
const CALLS_EXTERNAL_ID_ENV: &str = "WARDEN_E2E_CALLS_EXTERNAL_ID";

const CALLS_CONFIG: &str = r#"
organization:
  management_account_id: "MANAGEMENT"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_CALLS_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#;

const CALLS_POLICY: &str = r#"
kind: ManagedPolicy
name: shared-read
path: /
description: Reads the shared bucket.
statements:
  - Sid: Read
    Effect: Allow
    justification: The test scenario needs this access.
    Action: s3:GetObject
    Resource: "arn:aws:s3:::shared/*"
"#;

const CALLS_ROLE: &str = r#"
kind: Role
name: app-task
path: /workloads/
description: The application's task role.
targets:
  ous: [Root/Workloads]
boundary: workload-boundary
managed_policies: [shared-read]
tags:
  team: app
trust:
  - Sid: EcsTasks
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
inline_policies:
  data:
    - Sid: ReadData
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::data-${account_id}/*"
"#;

/// Plan, apply (creating, then changing and deleting roles, policies and SCPs), drift and
/// evidence through the counting proxy: every call any of them makes must be granted by the
/// policy `bootstrap` writes for its caller (the access role in member accounts, the CI role in
/// the management account), and drift and plan make no write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_warden_makes_is_granted_by_the_bootstrap_policies() {
    use warden_aws::fixture::{self, SeedAccount, SeedSpec};
    use warden_aws::{Aws, AwsOptions, ExternalId};
    use warden_emulator::{FaultConfig, FaultProxy};

    let server = warden_e2e::moto();
    let aws = Aws::connect(AwsOptions::emulator(server.endpoint_url()))
        .await
        .unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![
            SeedAccount::new("dev", "Workloads"),
            SeedAccount::new("prod", "Workloads"),
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(CALLS_EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let members: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let endpoint = proxy.endpoint_url();

    let repo = tempfile::tempdir().unwrap();
    write_file(
        repo.path(),
        "warden.yaml",
        &CALLS_CONFIG.replace("MANAGEMENT", &org.management_account_id),
    );
    write_file(repo.path(), "boundaries/workload.yaml", BOUNDARY);
    write_file(repo.path(), "policies/shared-read.yaml", CALLS_POLICY);
    write_file(repo.path(), "policies/app-task.yaml", CALLS_ROLE);
    write_file(
        repo.path(),
        "scps/deny-leave.yaml",
        warden_e2e::DENY_LEAVE_SCP,
    );
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--endpoint-url", &endpoint]);
        xtask_in(
            repo.path(),
            &all,
            &[(CALLS_EXTERNAL_ID_ENV, CALLS_EXTERNAL_ID)],
            &[],
        )
    };
    let ok = |outcome: crate::cli::Run| assert_eq!(outcome.code, 0, "{}", outcome.transcript());

    // Reads only: plan and drift.
    proxy.reset_stats();
    ok(run(&["plan", "--out", "plan.json"]));
    ok(run(&["drift", "--format", "json"]));
    let reads = proxy.stats();
    for action in reads.by_action.keys() {
        let call = warden_aws::calls::find(action)
            .unwrap_or_else(|| panic!("`{action}` is not in warden_aws::calls::CALLS"));
        assert!(!call.writes, "plan and drift made the write `{action}`");
    }

    // Create, then change and delete.
    ok(run(&["apply", "plan.json"]));
    write_file(
        repo.path(),
        "policies/shared-read.yaml",
        &CALLS_POLICY.replace("shared/*", "shared/app/*"),
    );
    write_file(
        repo.path(),
        "boundaries/narrow.yaml",
        &BOUNDARY.replace("workload-boundary", "narrow-boundary"),
    );
    write_file(
        repo.path(),
        "policies/app-task.yaml",
        &CALLS_ROLE
            .replace(
                "boundary: workload-boundary\n",
                "boundary: narrow-boundary\n",
            )
            .replace("team: app", "team: platform")
            .replace("ecs-tasks", "lambda")
            .replace("data-${account_id}/*", "data-${account_id}/app/*"),
    );
    write_file(
        repo.path(),
        "scps/deny-leave.yaml",
        &warden_e2e::DENY_LEAVE_SCP.replace("DenyLeave", "DenyLeaving"),
    );
    ok(run(&["plan", "--out", "plan.json"]));
    ok(run(&["apply", "plan.json"]));
    std::fs::remove_file(repo.path().join("policies/app-task.yaml")).unwrap();
    std::fs::remove_file(repo.path().join("policies/shared-read.yaml")).unwrap();
    std::fs::remove_file(repo.path().join("scps/deny-leave.yaml")).unwrap();
    std::fs::remove_file(repo.path().join("boundaries/narrow.yaml")).unwrap();
    ok(run(&["plan", "--out", "plan.json"]));
    ok(run(&["apply", "plan.json"]));
    let evidence = repo.path().join("evidence");
    ok(run(&["evidence", "--out", evidence.to_str().unwrap()]));

    let dir = repo.path().join("bootstrap");
    ok(xtask_in(
        repo.path(),
        &["bootstrap", "--out", dir.to_str().unwrap()],
        &[],
        &[],
    ));
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let template = read("access-role.template.json");
    let member_policy =
        &template["Resources"]["WardenAccessRole"]["Properties"]["Policies"][0]["PolicyDocument"];
    let management_policy = read("management-policy.json");
    let stats = proxy.stats();
    let mut writes = 0;
    for (account, actions) in &stats.by_account_action {
        let (policy, whose) = if members.contains(account) {
            (member_policy, "the access role")
        } else {
            (&management_policy, "the management account's CI role")
        };
        for action in actions.keys() {
            // The proxy counts AssumeRole in the account of the role assumed; the management
            // account's credentials make it.
            let policy = if action == "sts:AssumeRole" {
                &management_policy
            } else {
                policy
            };
            assert!(
                warden_app::bootstrap::grants(policy, action),
                "Warden called `{action}` as {whose} (account `{account}`), which the bootstrap policy does not grant"
            );
            writes += usize::from(warden_aws::calls::find(action).is_some_and(|c| c.writes));
        }
    }
    for expected in [
        "iam:CreateRole",
        "iam:DeleteRole",
        "organizations:CreatePolicy",
        "sts:AssumeRole",
    ] {
        assert!(
            stats.calls_for_action(expected) > 0,
            "the flows never called `{expected}`: {stats:?}"
        );
    }
    assert!(writes > 5, "{stats:?}");
}
