//! `cargo xtask schema`: writes the JSON schemas of the definition files under `schemas/`, or
//! with `--check` fails when the committed ones differ from what the types generate.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

#[derive(clap::Args)]
pub struct Args {
    /// Compare the committed schemas with the generated ones instead of writing them.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::ci::workspace_root();
    if args.check {
        check(&root)?;
        eprintln!(
            "schema: {} schemas up to date",
            warden_spec::schema::schemas().len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let written = warden_spec::schema::write_schemas(&root).with_context(|| {
        format!(
            "could not write `{}`",
            root.join(warden_spec::schema::SCHEMA_DIR).display()
        )
    })?;
    for path in written {
        eprintln!(
            "schema: wrote {}",
            path.strip_prefix(&root).unwrap_or(&path).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails when a committed schema is missing, stale or unexpected (called by `cargo xtask ci`).
pub fn check(root: &Path) -> anyhow::Result<()> {
    let drift = warden_spec::schema::check_schemas(root).with_context(|| {
        format!(
            "could not read `{}`",
            root.join(warden_spec::schema::SCHEMA_DIR).display()
        )
    })?;
    if !drift.is_empty() {
        let lines: Vec<String> = drift.iter().map(ToString::to_string).collect();
        bail!(
            "{}; run `cargo xtask schema` and commit the result",
            lines.join("; ")
        );
    }
    Ok(())
}
