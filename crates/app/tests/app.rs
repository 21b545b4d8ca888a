//! The use cases without AWS: an in-memory organization implements the source traits and
//! drives plan → apply → re-plan empty, and apply's refusal of a stale plan.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use warden_app::source::{
    AccountRead, ApplyAccount, ApplyOrganization, BoxError, ProgressEvent, ReadOrganization,
    ReadResult,
};
use warden_app::{ApplyRequest, PlanRequest};
use warden_plan::desired::Ownership;
use warden_plan::live::{LiveAccount, LiveScp};
use warden_plan::report::ApplyStatus;
use warden_plan::{Change, Plan, from_spec};
use warden_spec::Definitions;
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_APP_TEST_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#;

const POLICY: &str = r#"
kind: ManagedPolicy
name: shared-read
path: /
description: Describe EC2.
statements:
  - Sid: Describe
    Effect: Allow
    justification: The test scenario needs this access.
    Action: ec2:DescribeInstances
    Resource: "*"
"#;

const ROLE: &str = r#"
kind: Role
name: app-deployer
path: /
description: Deploys the app.
targets:
  ous: [Root/Workloads]
managed_policies: [shared-read]
trust:
  - Sid: Pipeline
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      AWS: "arn:aws:iam::999999999999:role/pipeline"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: pipeline-xid-42
inline_policies:
  artifacts:
    - Sid: Artifacts
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::artifacts-${account_id}/*"
"#;

const SCP: &str = r#"
kind: Scp
name: deny-leave
description: Accounts stay in the organization.
targets:
  ous: [Root/Workloads]
statements:
  - Sid: DenyLeave
    Effect: Deny
    justification: The guardrail the test scenario relies on.
    Action: organizations:LeaveOrganization
    Resource: "*"
"#;

#[derive(Debug)]
struct State {
    organization: Organization,
    accounts: BTreeMap<String, LiveAccount>,
    scps: Vec<LiveScp>,
    /// Member accounts opened for changes, in order.
    opened: Vec<String>,
    /// Member accounts read by `read_accounts`.
    read: usize,
}

/// An organization held in memory: reads return the state, changes update it as IAM and
/// Organizations would (IAM through the planner's own simulation).
#[derive(Clone)]
struct Memory {
    state: Arc<Mutex<State>>,
    ownership: Ownership,
}

struct MemoryAccount {
    memory: Memory,
    account_id: String,
}

impl Memory {
    fn new(ownership: Ownership) -> Memory {
        let account = |id: &str, name: &str| Account {
            id: id.into(),
            name: name.into(),
            email: None,
            status: AccountStatus::Active,
            parent_id: "ou-work".into(),
            ou_path: "Root/Workloads".into(),
            tags: BTreeMap::new(),
        };
        let organization = Organization {
            id: "o-memory".into(),
            management_account_id: "123456789012".into(),
            root_id: "r-root".into(),
            accounts: vec![
                account("111111111111", "dev"),
                account("222222222222", "prod"),
            ],
            organizational_units: vec![OrganizationalUnit {
                id: "ou-work".into(),
                name: "Workloads".into(),
                parent_id: "r-root".into(),
                path: "Root/Workloads".into(),
            }],
        };
        let accounts = organization
            .accounts
            .iter()
            .map(|account| {
                let live = LiveAccount {
                    account_id: account.id.clone(),
                    ..LiveAccount::default()
                };
                (account.id.clone(), live)
            })
            .collect();
        Memory {
            state: Arc::new(Mutex::new(State {
                organization,
                accounts,
                scps: Vec::new(),
                opened: Vec::new(),
                read: 0,
            })),
            ownership,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    fn scp(&self, policy_id: &str, f: impl FnOnce(&mut LiveScp)) -> Result<(), BoxError> {
        self.with(|state| {
            let scp = state
                .scps
                .iter_mut()
                .find(|scp| scp.id == policy_id)
                .ok_or_else(|| format!("no SCP `{policy_id}`"))?;
            f(scp);
            Ok(())
        })
    }
}

impl ReadOrganization for Memory {
    async fn inventory(&self) -> Result<Organization, BoxError> {
        Ok(self.with(|state| state.organization.clone()))
    }

    async fn scps(&self) -> Result<Vec<LiveScp>, BoxError> {
        Ok(self.with(|state| state.scps.clone()))
    }

    async fn read_accounts(
        &self,
        organization: &Organization,
        only: &[String],
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> Vec<AccountRead> {
        let mut reads = Vec::new();
        for account in &organization.accounts {
            if !only.is_empty() && !only.contains(&account.id) {
                continue;
            }
            progress(ProgressEvent::Started {
                account_id: account.id.clone(),
            });
            let live = self.with(|state| {
                state.read += 1;
                state.accounts.get(&account.id).cloned()
            });
            reads.push(AccountRead {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                result: match live {
                    Some(live) => ReadResult::Read(live),
                    None => ReadResult::Failed("no such account".into()),
                },
            });
        }
        reads
    }
}

impl ApplyOrganization for Memory {
    type Account = MemoryAccount;

    async fn open_account(
        &self,
        account_id: &str,
    ) -> Result<(MemoryAccount, LiveAccount), BoxError> {
        let live = self.with(|state| {
            state.opened.push(account_id.to_string());
            state.accounts.get(account_id).cloned()
        });
        let live = live.ok_or_else(|| format!("no account `{account_id}`"))?;
        let account = MemoryAccount {
            memory: self.clone(),
            account_id: account_id.to_string(),
        };
        Ok((account, live))
    }

    async fn create_scp(
        &self,
        name: &str,
        description: &str,
        document: &str,
    ) -> Result<String, BoxError> {
        Ok(self.with(|state| {
            let id = format!("p-{}", state.scps.len() + 1);
            state.scps.push(LiveScp {
                id: id.clone(),
                name: name.into(),
                description: description.into(),
                content: document.into(),
                aws_managed: false,
                targets: Vec::new(),
            });
            id
        }))
    }

    async fn update_scp(
        &self,
        policy_id: &str,
        description: &str,
        document: &str,
    ) -> Result<(), BoxError> {
        self.scp(policy_id, |scp| {
            scp.description = description.into();
            scp.content = document.into();
        })
    }

    async fn attach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), BoxError> {
        self.scp(policy_id, |scp| scp.targets.push(target_id.into()))
    }

    async fn detach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), BoxError> {
        self.scp(policy_id, |scp| scp.targets.retain(|t| t != target_id))
    }

    async fn delete_scp(&self, policy_id: &str) -> Result<(), BoxError> {
        self.with(|state| state.scps.retain(|scp| scp.id != policy_id));
        Ok(())
    }
}

impl ApplyAccount for MemoryAccount {
    async fn apply(&self, change: &Change) -> Result<(), BoxError> {
        let ownership = &self.memory.ownership;
        self.memory.with(|state| {
            let live = state
                .accounts
                .get_mut(&self.account_id)
                .ok_or("no such account")?;
            *live = warden_plan::simulate::simulate_account(
                live,
                std::slice::from_ref(change),
                ownership,
            )?;
            Ok(())
        })
    }
}

fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, text: &str| {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("warden.yaml", CONFIG);
    write("policies/shared-read.yaml", POLICY);
    write("policies/app-deployer.yaml", ROLE);
    write("scps/deny-leave.yaml", SCP);
    dir
}

fn load(root: &Path) -> Definitions {
    Definitions::load(root).unwrap_or_else(|errors| panic!("{errors}"))
}

fn request() -> PlanRequest {
    PlanRequest {
        created_at: "2026-12-03T18:00:00Z".into(),
        ..PlanRequest::default()
    }
}

async fn plan(memory: &Memory, definitions: &Definitions) -> Plan {
    warden_app::plan_organization(memory, definitions, &request(), &|_| {})
        .await
        .unwrap()
        .plan
}

fn apply_request(definitions: &Definitions, records: &Arc<Mutex<Vec<String>>>) -> ApplyRequest {
    let sink = Arc::clone(records);
    ApplyRequest {
        clock: Arc::new(|| "2026-12-03T18:00:01Z".into()),
        ..ApplyRequest::new(
            from_spec::ownership(&definitions.config),
            2,
            Arc::new(move |record| sink.lock().unwrap().push(record.change.to_string())),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_and_plan_again_is_empty_without_aws() {
    let repo = repository();
    let definitions = load(repo.path());
    let memory = Memory::new(from_spec::ownership(&definitions.config));

    let first = plan(&memory, &definitions).await;
    assert!(first.has_changes());
    assert_eq!(first.accounts.len(), 2, "{first:?}");
    assert!(first.unreadable.is_empty(), "{:?}", first.unreadable);
    let scp_changes = first
        .organization
        .as_ref()
        .map_or(0, |scps| scps.changes.len());
    assert!(scp_changes >= 2, "create and attach the SCP: {scp_changes}");

    let records = Arc::new(Mutex::new(Vec::new()));
    let desired = warden_app::desired_state(&memory, &definitions, None)
        .await
        .unwrap();
    let request = ApplyRequest {
        desired: Some(Arc::new(desired)),
        ..apply_request(&definitions, &records)
    };
    let report = warden_app::apply_plan(&memory, &first, &request).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    let changes = first.summary().changes();
    assert_eq!(
        records.lock().unwrap().len(),
        changes,
        "one audit record per change"
    );

    // Read back from the organization itself, not from the report.
    memory.with(|state| {
        for live in state.accounts.values() {
            let role = live.role("app-deployer").expect("the role was created");
            assert!(role.inline_policies.contains_key("artifacts"));
            assert_eq!(role.attached_policy_arns.len(), 1);
        }
        let scp = state
            .scps
            .iter()
            .find(|scp| scp.name == "deny-leave")
            .unwrap();
        assert_eq!(scp.targets, vec!["ou-work".to_string()]);
    });

    let again = plan(&memory, &definitions).await;
    assert!(!again.has_changes(), "{again:?}");
}

/// A saved plan is applied only to the state it was made from: an account changed since is
/// refused and left as it is; the other account is applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_made_before_an_account_changed_is_refused_there() {
    let repo = repository();
    let definitions = load(repo.path());
    let memory = Memory::new(from_spec::ownership(&definitions.config));
    let saved = plan(&memory, &definitions).await;

    // Someone makes the role by hand in dev after the plan.
    let hand_made = Change::CreateRole {
        name: "hand-made".into(),
        path: "/".into(),
        description: String::new(),
        trust: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#.into(),
        boundary_arn: None,
        tags: BTreeMap::new(),
        max_session_duration: 3600,
    };
    let (dev, _) = memory.open_account("111111111111").await.unwrap();
    dev.apply(&hand_made).await.unwrap();

    let records = Arc::new(Mutex::new(Vec::new()));
    let report =
        warden_app::apply_plan(&memory, &saved, &apply_request(&definitions, &records)).await;
    let status = |id: &str| {
        &report
            .accounts
            .iter()
            .find(|account| account.account_id == id)
            .unwrap()
            .status
    };
    assert!(
        matches!(status("111111111111"), ApplyStatus::Refused(_)),
        "{:?}",
        status("111111111111")
    );
    assert!(matches!(status("222222222222"), ApplyStatus::Applied));
    memory.with(|state| {
        assert!(
            state.accounts["111111111111"]
                .role("app-deployer")
                .is_none()
        );
        assert!(
            state.accounts["222222222222"]
                .role("app-deployer")
                .is_some()
        );
    });
}

/// Lint errors in what would be deployed stop the plan before any member account is read; the
/// drift plan reports the same findings without stopping.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_errors_block_the_plan_before_accounts_are_read() {
    let repo = repository();
    let without_external_id = ROLE.replace(
        "    Condition:\n      StringEquals:\n        sts:ExternalId: pipeline-xid-42\n",
        "",
    );
    assert_ne!(without_external_id, ROLE);
    std::fs::write(
        repo.path().join("policies/app-deployer.yaml"),
        without_external_id,
    )
    .unwrap();
    let definitions = load(repo.path());
    let memory = Memory::new(from_spec::ownership(&definitions.config));
    let today = warden_policy::date::parse_day("2026-12-03").unwrap();
    let gated = PlanRequest {
        lint: Some(today),
        ..request()
    };
    let err = warden_app::plan_organization(&memory, &definitions, &gated, &|_| {})
        .await
        .unwrap_err();
    let warden_app::AppError::Lint(findings) = &err else {
        panic!("not a lint refusal: {err}")
    };
    assert!(!findings.is_empty());
    assert!(
        err.to_string().starts_with("lint errors block the plan:"),
        "{err}"
    );
    assert_eq!(memory.with(|state| state.read), 0, "no account was read");

    let (outcome, findings) =
        warden_app::read_only_plan(&memory, &definitions, &gated, today, &|_| {})
            .await
            .unwrap();
    assert!(outcome.plan.has_changes());
    assert!(warden_lint::has_errors(&findings));
}
