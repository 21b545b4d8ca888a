//! `cargo xtask demo`: the main job end to end on a local emulator — seed an organization with
//! out-of-band drift, plan, apply, plan again — using the repository's own definitions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use warden_app::{ApplyRequest, AuditLog, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{Aws, AwsOptions, ExternalId, NewRole};
use warden_emulator::{MotoOptions, MotoServer};
use warden_plan::desired::Ownership;
use warden_plan::render::{RenderOptions, render_table};
use warden_plan::report::render_apply_report;
use warden_plan::{Limits, from_spec};
use warden_spec::Definitions;

use super::plan::{git_commit, load_definitions, runtime};

#[derive(clap::Args, Default)]
pub struct Args {
    /// Leave the emulator running afterwards and print how to point `cargo xtask plan` at it.
    #[arg(long)]
    pub keep: bool,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

/// The seeded organization: three member accounts in two OUs, tagged the way the example
/// definitions target them (`Project=payments` gets the payments roles).
fn seed_accounts() -> Vec<SeedAccount> {
    let account = |name: &str, ou: &str, project: &str, environment: &str| {
        let mut seed = SeedAccount::new(name, ou);
        seed.tags = BTreeMap::from([
            ("Project".to_string(), project.to_string()),
            ("Environment".to_string(), environment.to_string()),
        ]);
        seed
    };
    vec![
        account("payments-prod", "Root/Workloads/Prod", "payments", "prod"),
        account("shared-services", "Root/Workloads/Prod", "platform", "prod"),
        account("payments-dev", "Root/Workloads/Dev", "payments", "dev"),
    ]
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    step("Preparing the emulator (moto server in .venv, installed on first use)");
    let venv = warden_emulator::ensure_venv(&root).context("could not install moto server")?;
    // One kept emulator at a time: a server left by an earlier `--keep` is stopped first.
    if warden_emulator::stop_detached(&root)? {
        super::say!("   stopped the emulator an earlier `demo --keep` left running");
    }
    let server = MotoServer::start(&venv, MotoOptions::default())?;
    super::say!(
        "   moto server on {} (pid {})",
        server.endpoint_url(),
        server.pid()
    );
    let external_id = ExternalId::new(demo_external_id())?;
    let outcome = runtime()?.block_on(demo(&root, &definitions, &server, &external_id));
    if args.keep && outcome.is_ok() {
        let endpoint = server.endpoint_url();
        let pid_file = server.detach(&root)?;
        let env_file = root.join(".warden/demo.env");
        std::fs::write(
            &env_file,
            format!(
                "export {}={}\n",
                definitions.config.external_id_env,
                external_id.expose()
            ),
        )
        .with_context(|| format!("could not write `{}`", env_file.display()))?;
        super::say!();
        super::say!(
            "The emulator keeps running (pid file {}).",
            pid_file.display()
        );
        super::say!("Point Warden at it:");
        super::say!("   source {}", env_file.display());
        super::say!("   cargo xtask plan --endpoint-url {endpoint}");
        super::say!(
            "Stop it with `kill $(head -n 1 {})`, or run the demo again.",
            pid_file.display()
        );
    }
    outcome
}

async fn demo(
    root: &Path,
    definitions: &Definitions,
    server: &MotoServer,
    external_id: &ExternalId,
) -> anyhow::Result<ExitCode> {
    let mut options = AwsOptions::emulator(server.endpoint_url());
    options.region = Some(definitions.config.home_region.clone());
    options.allowed_regions = vec![definitions.config.home_region.clone()];
    let aws = Aws::connect(options).await?;

    step("Seeding an organization: management account, 3 member accounts in 2 OUs");
    let accounts = seed_accounts();
    let org = fixture::seed_organization(
        &aws,
        &SeedSpec {
            ous: vec!["Root/Workloads/Prod".into(), "Root/Workloads/Dev".into()],
            accounts: accounts.clone(),
            access_role_name: definitions.config.access_role_name.clone(),
            external_id: external_id.clone(),
        },
    )
    .await?;
    for account in &org.accounts {
        super::say!("   {} {:<14} {}", account.id, account.name, account.ou_path);
    }
    super::say!(
        "   each with `{}` trusting the management account only with an ExternalId",
        definitions.config.access_role_name
    );

    let (commit, dirty) = git_commit(root);
    let access = warden_app::access::access_role(
        &definitions.config,
        external_id.clone(),
        commit.as_deref(),
    )?;
    let concurrency = warden_app::access::concurrency(&definitions.config);
    let live = LiveOrganization::new(aws.clone(), access, concurrency);
    let plan_request = PlanRequest {
        lint: Some(warden_app::today()?),
        commit,
        dirty,
        created_at: warden_app::now_rfc3339(),
        ..PlanRequest::default()
    };
    let audit = Arc::new(AuditLog::open(&root.join(".warden/demo/audit.jsonl"))?);
    let desired = warden_app::desired_state(&live, definitions, plan_request.lint).await?;
    let apply_request = ApplyRequest {
        ownership: from_spec::ownership(&definitions.config),
        limits: Limits::default(),
        concurrency,
        clock: Arc::new(warden_app::now_rfc3339),
        audit: Arc::clone(&audit).sink(),
        desired: Some(Arc::new(desired)),
    };
    let plan = |request: PlanRequest| {
        let live = &live;
        async move { warden_app::plan_organization(live, definitions, &request, &|_| {}).await }
    };

    step("Before Warden's first run, someone created `payments-api-task` by hand in payments-dev");
    let dev = account_id(&org, "payments-dev")?;
    let dev_admin = fixture::admin_client(&aws, dev).await?;
    fixture::create_role_with_policies(
        &dev_admin,
        &NewRole {
            name: CONFLICTING_ROLE.into(),
            path: "/workloads/".into(),
            trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", dev),
            ..NewRole::default()
        },
        &[],
        &[],
    )
    .await?;

    step("Baseline: Warden applies the repository (its last scheduled run)");
    let baseline = plan(plan_request.clone()).await?;
    let report = warden_app::apply_plan(&live, &baseline.plan, &apply_request).await;
    super::say!(
        "   {} changes applied across {} accounts",
        report.applied_changes(),
        baseline.plan.accounts.len()
    );
    if !report.succeeded() {
        super::say_raw!("{}", render_apply_report(&report));
        bail!("the baseline apply failed");
    }

    step("Out-of-band changes since then");
    let drifted = make_drift(&aws, &org, &apply_request.ownership).await?;
    for line in &drifted {
        super::say!("   {line}");
    }

    step("cargo xtask plan");
    let drift_plan = plan(plan_request.clone()).await?;
    super::say_raw!(
        "{}",
        render_table(
            &drift_plan.plan,
            RenderOptions {
                show_unmanaged: true
            }
        )
    );

    step("cargo xtask apply (the saved plan; each account is re-read and must be unchanged)");
    let report = warden_app::apply_plan(&live, &drift_plan.plan, &apply_request).await;
    super::say_raw!("{}", render_apply_report(&report));
    super::say!("   audit log: {}", audit.path().display());

    step("cargo xtask plan, again");
    let converged = plan(plan_request).await?;
    super::say_raw!(
        "{}",
        render_table(&converged.plan, RenderOptions::default())
    );
    if !report.succeeded() || converged.plan.has_changes() {
        super::say!("The demo did not converge: see the report above.");
        return Ok(ExitCode::from(1));
    }
    super::say!();
    super::say!("Converged: live IAM matches the repository; the hand-made role is left alone.");
    Ok(ExitCode::SUCCESS)
}

/// A role the definitions want in payments-dev, made by hand without Warden's marker: a
/// conflict Warden shows and never touches.
const CONFLICTING_ROLE: &str = "payments-api-task";

const ACCOUNT_ROOT_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::ACCOUNT:root"},"Action":"sts:AssumeRole"}]}"#;

fn account_id<'a>(org: &'a SeededOrg, name: &str) -> anyhow::Result<&'a str> {
    org.account_id(name)
        .with_context(|| format!("the seeded organization has no account `{name}`"))
}

/// Changes made behind Warden's back, one of each kind the plan must handle. Returns what was
/// done, for the narrative.
async fn make_drift(
    aws: &Aws,
    org: &SeededOrg,
    ownership: &Ownership,
) -> anyhow::Result<Vec<String>> {
    let mut done = Vec::new();
    let prod = account_id(org, "payments-prod")?;
    let dev = account_id(org, "payments-dev")?;
    let prod_admin = fixture::admin_client(aws, prod).await?;
    let live_prod = prod_admin.read_account().await?;
    let managed_with_inline: Vec<_> = live_prod
        .roles
        .iter()
        .filter(|role| !role.inline_policies.is_empty() && ownership.tagged(&role.tags))
        .collect();
    let [reformatted, changed, ..] = managed_with_inline.as_slice() else {
        bail!("the example definitions need two roles with inline policies in payments-prod");
    };

    let (name, document) = first_inline(reformatted)?;
    prod_admin
        .put_role_policy(&reformatted.name, name, &reformat_equivalently(document)?)
        .await?;
    done.push(format!(
        "payments-prod: `{}` inline policy `{name}` re-saved reformatted (same meaning)",
        reformatted.name
    ));

    let (name, document) = first_inline(changed)?;
    prod_admin
        .put_role_policy(&changed.name, name, &widen(document)?)
        .await?;
    done.push(format!(
        "payments-prod: `{}` inline policy `{name}` widened by hand (dynamodb:DeleteTable on *)",
        changed.name
    ));

    let dev_admin = fixture::admin_client(aws, dev).await?;
    let live_dev = dev_admin.read_account().await?;
    let Some(victim) = live_dev
        .roles
        .iter()
        .find(|role| ownership.tagged(&role.tags) && role.name != CONFLICTING_ROLE)
    else {
        bail!("no Warden-managed role in payments-dev to delete");
    };
    dev_admin.delete_role(&victim.name).await?;
    done.push(format!(
        "payments-dev: role `{}` deleted by hand",
        victim.name
    ));

    fixture::create_role_with_policies(
        &dev_admin,
        &NewRole {
            name: "legacy-batch".into(),
            path: "/".into(),
            trust_policy: ACCOUNT_ROOT_TRUST.replace("ACCOUNT", dev),
            description: Some("Created in the console in 2021".into()),
            ..NewRole::default()
        },
        &[(
            "batch",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::legacy-batch"}]}"#,
        )],
        &[],
    )
    .await?;
    done.push("payments-dev: unmanaged role `legacy-batch` created in the console".into());
    done.push(format!(
        "payments-dev: `{CONFLICTING_ROLE}` is still the hand-made one (a conflict)"
    ));
    Ok(done)
}

fn first_inline(role: &warden_plan::live::LiveRole) -> anyhow::Result<(&str, &str)> {
    role.inline_policies
        .iter()
        .next()
        .map(|(name, document)| (name.as_str(), document.as_str()))
        .with_context(|| format!("role `{}` has no inline policy", role.name))
}

/// The same policy as a person re-saving it in the console might write it: keys in another
/// order, lists reversed, single values as lists, different whitespace.
fn reformat_equivalently(document: &str) -> anyhow::Result<String> {
    let mut value: serde_json::Value = serde_json::from_str(document)?;
    reformat_value(&mut value);
    Ok(serde_json::to_string_pretty(&value)?.replace("  ", "    "))
}

fn reformat_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
            entries.reverse();
            for (key, mut inner) in entries {
                reformat_value(&mut inner);
                if matches!(key.as_str(), "Action" | "Resource")
                    && let serde_json::Value::String(single) = inner
                {
                    inner = serde_json::Value::Array(vec![serde_json::Value::String(single)]);
                }
                map.insert(key, inner);
            }
        }
        serde_json::Value::Array(items) => {
            items.reverse();
            items.iter_mut().for_each(reformat_value);
        }
        _ => {}
    }
}

/// Adds a statement nobody reviewed.
fn widen(document: &str) -> anyhow::Result<String> {
    let mut value: serde_json::Value = serde_json::from_str(document)?;
    let statements = value
        .get_mut("Statement")
        .and_then(serde_json::Value::as_array_mut)
        .context("inline policy without a Statement list")?;
    statements.push(serde_json::json!({
        "Sid": "ConsoleHotfix",
        "Effect": "Allow",
        "Action": "dynamodb:DeleteTable",
        "Resource": "*"
    }));
    Ok(value.to_string())
}

/// A fresh ExternalId per run: the demo's own emulator, so nothing secret leaves it.
fn demo_external_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("warden-demo-{}-{nanos}", std::process::id())
}

fn step(title: &str) {
    super::say!();
    super::say!("== {title}");
}
