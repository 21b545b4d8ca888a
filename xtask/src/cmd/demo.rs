//! `cargo xtask demo`: the main job end to end on a local emulator — seed an organization with
//! out-of-band drift, plan, apply, plan again — using the repository's own definitions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use warden_app::demo as scenario;
use warden_app::{ApplyRequest, AuditLog, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, SeedSpec};
use warden_aws::{Aws, AwsOptions, ExternalId};
use warden_emulator::{MotoOptions, MotoServer};
use warden_plan::from_spec;
use warden_plan::render::{RenderOptions, render_table};
use warden_plan::report::render_apply_report;
use warden_policy::Quotas;
use warden_spec::Definitions;

use super::plan::{load_definitions, runtime};

#[derive(clap::Args, Default)]
pub struct Args {
    /// Leave the emulator running afterwards and print how to point `cargo xtask plan` at it.
    #[arg(long)]
    pub keep: bool,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
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
    let external_id = ExternalId::new(scenario::demo_external_id())?;
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
    let accounts = scenario::seed_accounts();
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

    let (commit, dirty) = warden_app::repo::git_commit(root);
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
        quotas: Quotas::default(),
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
    scenario::create_conflict(&aws, &org).await?;

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
    let drifted = scenario::make_drift(&aws, &org, &apply_request.ownership).await?;
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
                show_unmanaged: true,
                live: Some(&drift_plan.live),
                ..RenderOptions::default()
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

fn step(title: &str) {
    super::say!();
    super::say!("== {title}");
}
