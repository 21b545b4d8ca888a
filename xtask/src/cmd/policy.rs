//! `cargo xtask policy …`: normalize one policy document or compare two by meaning.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use warden_policy::diff::ElementChanges;
use warden_policy::size::Quota;
use warden_policy::{ActionClause, PolicyDiff, PolicyDocument, Statement};

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
            let document = read_policy(&file)?;
            let report = size_report(&document, quota.into(), limit);
            super::write_stdout(&format!("{}: {}\n", file.display(), report.message))?;
            Ok(if report.fits {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Normalize { file, minified } => {
            let mut canonical = read_policy(&file)?.canonicalize();
            canonical.statements.iter_mut().for_each(respell_statement);
            let text = if minified {
                canonical.to_json_string()
            } else {
                canonical.to_json_pretty()
            };
            super::write_stdout(&format!("{text}\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { old, new, json } => {
            let changes = respelled(compare(&old, &new)?);
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

/// A known action in the catalog's spelling (`s3:GetObject`): the canonical form lowercases
/// actions so that comparisons ignore case, which reads badly. Patterns and unknown names are
/// kept as they are.
fn catalog_spelling(name: &str) -> String {
    match warden_catalog::Catalog::embedded().action(name) {
        Ok(action) => action.full_name(),
        Err(_) => name.to_string(),
    }
}

fn respell_statement(statement: &mut Statement) {
    let (ActionClause::Action(values) | ActionClause::NotAction(values)) = &mut statement.action;
    for item in &mut values.items {
        *item = catalog_spelling(item);
    }
}

fn respell_changes(changes: &mut ElementChanges) {
    for name in changes
        .actions_gained
        .iter_mut()
        .chain(changes.actions_lost.iter_mut())
    {
        *name = catalog_spelling(name);
    }
}

/// The difference with every action named as the catalog spells it, for printing.
fn respelled(mut diff: PolicyDiff) -> PolicyDiff {
    respell_changes(&mut diff.allow);
    respell_changes(&mut diff.deny);
    for change in &mut diff.statements_modified {
        respell_changes(&mut change.changes);
        respell_statement(&mut change.before);
        respell_statement(&mut change.after);
    }
    diff.statements_added
        .iter_mut()
        .chain(diff.statements_removed.iter_mut())
        .for_each(respell_statement);
    diff
}

/// Reads and parses a policy file (`-` for stdin); errors read `file:line:column: …`.
fn read_policy(path: &Path) -> anyhow::Result<PolicyDocument> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read the policy from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?
    };
    let shown = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    warden_policy::parse_policy(&text)
        .map_err(|errors| anyhow::anyhow!("{}", errors.in_file(&shown)))
}

/// The outcome of measuring a document against a quota.
struct SizeReport {
    fits: bool,
    message: String,
}

fn size_report(document: &PolicyDocument, quota: Quota, limit: Option<usize>) -> SizeReport {
    let limit = limit.unwrap_or(quota.default_limit());
    let used = quota.measure(document);
    let counted = if quota.counts_whitespace() {
        "characters as sent minified"
    } else {
        "non-whitespace characters"
    };
    let statements = document.statements.len();
    if used <= limit {
        SizeReport {
            fits: true,
            message: format!("valid, {statements} statement(s), {used} of {limit} {counted}"),
        }
    } else {
        SizeReport {
            fits: false,
            message: format!(
                "valid but too large: {used} {counted}, the limit is {limit}; split it or remove redundant entries (`cargo xtask policy normalize` drops covered ones)"
            ),
        }
    }
}

/// The semantic difference between two policy files.
fn compare(old: &Path, new: &Path) -> anyhow::Result<PolicyDiff> {
    let old = read_policy(old)?;
    let new = read_policy(new)?;
    Ok(warden_policy::diff(&old, &new))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("warden-policy-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn diff_of_reformatted_policies_is_empty() {
        let dir = temp_dir("same");
        let a = write(
            &dir,
            "a.json",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        );
        let b = write(
            &dir,
            "b.json",
            "{\n  \"Statement\": [{\"Resource\": [\"*\"], \"Action\": \"S3:GETOBJECT\", \"Effect\": \"Allow\"}],\n  \"Version\": \"2012-10-17\"\n}\n",
        );
        assert!(compare(&a, &b).unwrap().is_empty());
        let c = write(
            &dir,
            "c.json",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}"#,
        );
        let changes = compare(&a, &c).unwrap();
        assert_eq!(changes.allow.actions_gained, ["s3:putobject"]);
        assert_eq!(changes.allow.actions_lost, ["s3:getobject"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The canonical form compares case-insensitively; what is printed uses the catalog's
    /// spelling (it used to print `s3:putobject`).
    #[test]
    fn printed_actions_take_the_catalog_spelling() {
        let dir = temp_dir("spelling");
        let old = write(
            &dir,
            "old.json",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:getobject","ec2:describe*"],"Resource":"*"}}"#,
        );
        let new = write(
            &dir,
            "new.json",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["S3:GETOBJECT","s3:putobject","x:unknownthing"],"Resource":"*"}}"#,
        );
        let changes = respelled(compare(&old, &new).unwrap());
        assert_eq!(
            changes.allow.actions_gained,
            ["s3:PutObject", "x:unknownthing"]
        );
        assert_eq!(changes.allow.actions_lost, ["ec2:describe*"]);
        assert!(changes.to_string().contains("`s3:PutObject`"), "{changes}");
        let mut canonical = read_policy(&new).unwrap().canonicalize();
        canonical.statements.iter_mut().for_each(respell_statement);
        let ActionClause::Action(values) = &canonical.statements[0].action else {
            panic!("expected Action");
        };
        assert_eq!(
            values.items,
            ["s3:GetObject", "s3:PutObject", "x:unknownthing"]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn size_report_counts_as_the_quota_does() {
        let document = warden_policy::parse_policy(
            "{\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\"}\n}",
        )
        .unwrap();
        let minified = document.to_json_string().len();
        let managed = size_report(&document, Quota::ManagedPolicy, None);
        assert!(managed.fits);
        assert_eq!(
            managed.message,
            format!("valid, 1 statement(s), {minified} of 6144 non-whitespace characters")
        );
        let scp = size_report(&document, Quota::ServiceControlPolicy, Some(minified - 1));
        assert!(!scp.fits);
        assert!(
            scp.message.starts_with(&format!(
                "valid but too large: {minified} characters as sent minified, the limit is {}",
                minified - 1
            )),
            "{}",
            scp.message
        );
    }

    #[test]
    fn bad_input_names_file_line_and_column() {
        let dir = temp_dir("bad");
        let good = write(
            &dir,
            "good.json",
            r#"{"Statement":{"Effect":"Allow","Action":"a:b"}}"#,
        );
        let bad = write(
            &dir,
            "bad.json",
            "{\n  \"Statement\": {\"Effect\": \"allow\", \"Action\": \"a:b\"}\n}",
        );
        let message = compare(&good, &bad).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}:2:27: `Statement.Effect`: effect must be `Allow` or `Deny`, found `allow`",
                bad.display()
            )
        );
        let missing = compare(&good, &dir.join("missing.json")).unwrap_err();
        assert!(
            format!("{missing:#}").starts_with("cannot read `"),
            "{missing:#}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
