//! `cargo xtask schema`: writes the JSON schemas of the definition files under `schemas/`, or
//! with `--check` fails when the committed ones differ from what the types generate.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 written or up to date, 1 `--check` found a stale, missing or \
unexpected schema, 2 the schemas could not be read or written."
)]
pub struct Args {
    /// Compare the committed schemas with the generated ones instead of writing them.
    #[arg(long)]
    pub check: bool,
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    if args.check {
        if let Some(drift) = drift(&root)? {
            eprintln!("error: {drift}");
            return Ok(ExitCode::from(1));
        }
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
    match drift(root)? {
        Some(drift) => bail!("{drift}"),
        None => Ok(()),
    }
}

/// What differs between the committed and generated schemas, as one message; `None` when
/// they are identical. Errors only when `schemas/` cannot be read.
fn drift(root: &Path) -> anyhow::Result<Option<String>> {
    let drift = warden_spec::schema::check_schemas(root).with_context(|| {
        let dir = root.join(warden_spec::schema::SCHEMA_DIR);
        format!("could not read `{}`", dir.display())
    })?;
    Ok(warden_spec::schema::drift_message(&drift))
}

#[cfg(test)]
mod tests {
    /// `--check` exits 1 on drift (a finding), not 2 (bad input): `drift` tells them apart.
    #[test]
    fn drift_is_a_finding_and_the_repository_has_none() {
        assert_eq!(
            super::drift(&crate::cmd::ci::workspace_root()).unwrap(),
            None
        );
        let root = std::env::temp_dir().join(format!("warden-schema-{}", std::process::id()));
        std::fs::create_dir_all(root.join(warden_spec::schema::SCHEMA_DIR)).unwrap();
        assert!(super::drift(&root).unwrap().is_some());
        assert!(super::check(&root).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
