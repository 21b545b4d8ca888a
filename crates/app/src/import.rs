//! Import: definitions for what Warden does not manage yet, from live AWS or a snapshot. Reads
//! the organization, builds the files (`warden-import`), lints the repository as it would be
//! with them, turns every finding on an imported file into a dated exception, and writes the
//! files, never over an existing one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use warden_import::{ImportInput, ImportedFile, Skipped, import, with_exceptions};
use warden_lint::Date;
use warden_plan::live::LiveAccount;
use warden_spec::Definitions;

use crate::err::AppError;
use crate::select::selected;
use crate::source::{ReadOrganization, ReadResult};

/// Days an imported exception holds: long enough to write the reasons, short enough to be seen.
pub const EXCEPTION_DAYS: i64 = 90;

#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Only these accounts (ids or names); every account when both filters are empty.
    pub accounts: Vec<String>,
    /// Only accounts under these OU paths or ids.
    pub ous: Vec<String>,
    /// Today (UTC): the justification date and the start of the exceptions' 90 days.
    pub today: Date,
}

#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Written, in path order.
    pub written: Vec<ImportedFile>,
    pub skipped: Vec<Skipped>,
    /// Lint exceptions added to the written files.
    pub exceptions: usize,
    /// Accounts that could not be read, with the reason.
    pub unread: Vec<(String, String)>,
}

/// Imports into the repository at `definitions.root`.
pub async fn import_organization(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &ImportRequest,
) -> Result<ImportSummary, AppError> {
    let root = definitions.root.clone();
    let organization = source.inventory().await.map_err(AppError::Source)?;
    let whole = request.accounts.is_empty() && request.ous.is_empty();
    let scps = if whole {
        source.scps().await.map_err(AppError::Source)?
    } else {
        Vec::new()
    };
    let only: Vec<String> = organization
        .accounts
        .iter()
        .filter(|account| selected(account, &organization, &request.accounts, &request.ous))
        .map(|account| account.id.clone())
        .collect();
    if only.is_empty() {
        let mut what = request.accounts.clone();
        what.extend(request.ous.iter().cloned());
        return Err(AppError::NoAccounts(what.join(", ")));
    }
    let mut accounts: Vec<LiveAccount> = Vec::new();
    let mut unread = Vec::new();
    for read in source.read_accounts(&organization, &only, &|_| {}).await {
        match read.result {
            ReadResult::Read(live) => accounts.push(live),
            ReadResult::Failed(err) => unread.push((read.account_id, err.to_string())),
            ReadResult::Skipped { .. } => {}
        }
    }
    let mut defined = BTreeSet::new();
    defined.extend(
        definitions
            .roles
            .iter()
            .map(|d| format!("role:{}", d.name.to_ascii_lowercase())),
    );
    defined.extend(
        definitions
            .managed_policies
            .iter()
            .chain(&definitions.boundaries)
            .map(|d| format!("policy:{}", d.name.to_ascii_lowercase())),
    );
    defined.extend(
        definitions
            .scps
            .iter()
            .map(|d| format!("scp:{}", d.name.to_ascii_lowercase())),
    );
    let existing = repository_files(&root)?;
    let existing_paths: BTreeSet<String> = existing.keys().cloned().collect();
    let today = warden_policy::date::format_day(request.today);
    let marker = (
        definitions.config.managed_marker.key.as_str(),
        definitions.config.managed_marker.value.as_str(),
    );
    let imported = import(&ImportInput {
        organization: &organization,
        accounts: &accounts,
        scps: &scps,
        access_role: &definitions.config.access_role_name,
        marker,
        defined: &defined,
        existing_files: &existing_paths,
        today: &today,
        region: &definitions.config.home_region,
    });

    // Lint the repository as it will be; findings on imported files become exceptions.
    let mut files: Vec<(String, Vec<u8>)> = existing.into_iter().collect();
    files.extend(
        imported
            .files
            .iter()
            .map(|file| (file.path.clone(), file.text.clone().into_bytes())),
    );
    let with_imports = Definitions::from_files(&root, files).map_err(AppError::Definitions)?;
    let linted = crate::lint::lint_organization(&with_imports, &organization, None, request.today)
        .map_err(AppError::Definitions)?;
    let mut by_file: BTreeMap<String, Vec<(String, Option<String>, String)>> = BTreeMap::new();
    for finding in linted.findings.iter().filter(|f| f.is_active()) {
        by_file.entry(finding.file.clone()).or_default().push((
            finding.rule.clone(),
            finding.sid.clone(),
            finding.message.clone(),
        ));
    }
    let expires = warden_policy::date::format_day(
        (0..EXCEPTION_DAYS).fold(request.today, |day, _| day.next_day().unwrap_or(day)),
    );
    let mut summary = ImportSummary {
        skipped: imported.skipped,
        unread,
        ..ImportSummary::default()
    };
    for mut file in imported.files {
        if let Some(findings) = by_file.get(&file.path) {
            let mut unique: Vec<_> = findings.clone();
            unique.sort();
            unique.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            summary.exceptions += unique.len();
            file.text = with_exceptions(&file.text, &unique, &expires);
        }
        write_new(&root.join(&file.path), &file.text)?;
        summary.written.push(file);
    }
    Ok(summary)
}

/// `warden.yaml` and every file under the definition directories, relative path → bytes.
fn repository_files(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, AppError> {
    let mut files = BTreeMap::new();
    let config = root.join("warden.yaml");
    files.insert("warden.yaml".to_owned(), fs::read(&config)?);
    for dir in ["policies", "boundaries", "scps"] {
        let mut stack = vec![root.join(dir)];
        while let Some(path) = stack.pop() {
            let Ok(entries) = fs::read_dir(&path) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(relative) = path.strip_prefix(root) {
                    let relative = relative.to_string_lossy().replace('\\', "/");
                    files.insert(relative, fs::read(&path)?);
                }
            }
        }
    }
    Ok(files)
}

/// Creates the file; refuses to replace one (checked by the OS, not only before).
fn write_new(path: &PathBuf, text: &str) -> Result<(), AppError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// Accounts named on one skipped line; the count says how many more.
const SKIPPED_ACCOUNTS_SHOWN: usize = 5;

/// The summary `cargo xtask import` prints: what was written (with its accounts), what was
/// skipped and why, and the next steps.
pub fn render_summary(summary: &ImportSummary) -> String {
    let mut out = String::new();
    for file in &summary.written {
        let place = if file.accounts.is_empty() {
            String::new()
        } else {
            format!(" ({} accounts)", file.accounts.len())
        };
        out.push_str(&format!(
            "+ {:<8} {:<40} {}{place}\n",
            file.kind, file.name, file.path
        ));
    }
    // One line per object and reason, however many accounts hold it (the access role is in
    // every account).
    let mut grouped: BTreeMap<(&str, &str, &str), Vec<&str>> = BTreeMap::new();
    for skipped in &summary.skipped {
        let accounts = grouped
            .entry((skipped.kind, &skipped.name, &skipped.reason))
            .or_default();
        accounts.extend(skipped.account.as_deref());
    }
    for ((kind, name, reason), mut accounts) in grouped {
        accounts.sort_unstable();
        let place = match accounts.as_slice() {
            [] => String::new(),
            [one] => format!(" in {one}"),
            many if many.len() <= SKIPPED_ACCOUNTS_SHOWN => {
                format!(" in {} accounts ({})", many.len(), many.join(", "))
            }
            many => format!(
                " in {} accounts ({}, …)",
                many.len(),
                many[..SKIPPED_ACCOUNTS_SHOWN].join(", ")
            ),
        };
        out.push_str(&format!("- {kind:<8} {name}{place}: {reason}\n"));
    }
    for (account, reason) in &summary.unread {
        out.push_str(&format!("! account {account} not read: {reason}\n"));
    }
    out.push_str(&format!(
        "imported {} definitions, skipped {}, {} lint exceptions (owner `imported`, {EXCEPTION_DAYS} days)\n",
        summary.written.len(),
        summary.skipped.len(),
        summary.exceptions
    ));
    if !summary.written.is_empty() {
        out.push_str("next: write a reason for each imported statement, then `cargo xtask plan`: it shows only adoptions\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(name: &str, account: &str, reason: &str) -> Skipped {
        Skipped {
            kind: "role",
            name: name.to_owned(),
            account: Some(account.to_owned()),
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn a_role_skipped_in_many_accounts_is_one_line_naming_a_few() {
        let mut summary = ImportSummary::default();
        for index in (0..7).rev() {
            summary.skipped.push(skipped(
                "WardenAccess",
                &format!("10000000000{index}"),
                "the access role Warden signs in with",
            ));
        }
        summary
            .skipped
            .push(skipped("legacy", "222222222222", "differs"));
        let text = render_summary(&summary);
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "- role     WardenAccess in 7 accounts (100000000000, 100000000001, 100000000002, 100000000003, 100000000004, …): the access role Warden signs in with",
                "- role     legacy in 222222222222: differs",
                "imported 0 definitions, skipped 8, 0 lint exceptions (owner `imported`, 90 days)",
            ]
        );
    }
}
