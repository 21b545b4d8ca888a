//! `cargo xtask demo`: the main job end to end on a local emulator — seed an organization with
//! out-of-band drift, plan, apply, plan again — using the repository's own definitions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use warden_app::demo::{self as scenario, DemoOutcome};
use warden_aws::ExternalId;
use warden_emulator::{MotoOptions, MotoServer};

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
    let narrate = |text: &str| super::say_text(text);
    let outcome = runtime()?.block_on(scenario::run(
        &root,
        &definitions,
        &server.endpoint_url(),
        &external_id,
        &narrate,
    ));
    let outcome = match outcome? {
        DemoOutcome::Converged => ExitCode::SUCCESS,
        DemoOutcome::NotConverged => ExitCode::from(1),
        DemoOutcome::BaselineFailed => bail!("the baseline apply failed"),
    };
    if args.keep {
        let endpoint = server.endpoint_url();
        let pid_file = server.detach(&root)?;
        let env_file = root.join(".warden/demo.env");
        std::fs::write(
            &env_file,
            scenario::env_file_text(&definitions, &external_id),
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
    Ok(outcome)
}

fn step(title: &str) {
    super::say!();
    super::say!("== {title}");
}
