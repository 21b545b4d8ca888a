//! `cargo xtask policy …`: normalize one policy document or compare two by meaning.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::policy_file;
use warden_catalog::Catalog;
use warden_policy::size::Quota;
use warden_policy::size_report::size_report;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the canonical form of a policy document (sorted, deduplicated; known actions in
    /// the catalog's spelling). Exit 0, or 2 on invalid input.
    Normalize {
        /// Policy JSON file (`-` for stdin).
        file: PathBuf,
        /// Print minified JSON (what AWS size quotas count) instead of indented JSON.
        #[arg(long)]
        minified: bool,
    },
    /// Validate a policy document and measure it against an AWS size quota. Exit 0 when valid
    /// and within the quota, 1 when over it, 2 on invalid input.
    Check {
        /// Policy JSON file.
        file: PathBuf,
        /// Which quota the document counts against.
        #[arg(long, value_enum, default_value = "managed")]
        quota: QuotaArg,
        /// Override the quota's limit (e.g. a raised trust policy quota).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Compare two policy documents by meaning. Exit 0 when equivalent, 1 when different,
    /// 2 on bad input.
    Diff {
        /// The old (e.g. live) policy JSON file.
        old: PathBuf,
        /// The new (e.g. desired) policy JSON file.
        new: PathBuf,
        /// Print the difference as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Size quotas selectable on the command line.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum QuotaArg {
    /// Role trust policy (2,048 non-whitespace characters by default).
    Trust,
    /// All inline policies of one role (10,240).
    Inline,
    /// Customer managed policy or permission boundary (6,144).
    Managed,
    /// Service control policy (5,120 characters, whitespace included).
    Scp,
    /// Resource control policy (5,120 characters, whitespace included).
    Rcp,
}

impl From<QuotaArg> for Quota {
    fn from(quota: QuotaArg) -> Quota {
        match quota {
            QuotaArg::Trust => Quota::TrustPolicy,
            QuotaArg::Inline => Quota::RoleInlinePolicies,
            QuotaArg::Managed => Quota::ManagedPolicy,
            QuotaArg::Scp => Quota::ServiceControlPolicy,
            QuotaArg::Rcp => Quota::ResourceControlPolicy,
        }
    }
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { file, quota, limit } => {
            let document = policy_file::read(&file)?;
            let report = size_report(&document, quota.into(), limit);
            super::write_stdout(&format!("{}: {}\n", file.display(), report.message))?;
            Ok(if report.fits {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Normalize { file, minified } => {
            let mut canonical = policy_file::read(&file)?.canonicalize();
            Catalog::embedded().respell_document(&mut canonical);
            let text = if minified {
                canonical.to_json_string()
            } else {
                canonical.to_json_pretty()
            };
            super::write_stdout(&format!("{text}\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { old, new, json } => {
            let changes = Catalog::embedded().respell_diff(policy_file::compare(&old, &new)?);
            if json {
                super::write_stdout(&(serde_json::to_string_pretty(&changes)? + "\n"))?;
            } else if changes.is_empty() {
                super::write_stdout("equivalent: no difference in meaning\n")?;
            } else {
                super::write_stdout(&changes.to_string())?;
            }
            Ok(if changes.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
