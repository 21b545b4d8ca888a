//! Drift report renderers: JSON for machines, GitHub-flavoured Markdown for a PR or issue
//! comment (a `<details>` block per account), one self-contained HTML page, and a plain table
//! for terminals. Pure functions of [`DriftReport`].

use std::fmt::Write as _;

use warden_lint::Finding;

use crate::drift::{AccountDrift, AccountStatus, DriftReport};
pub use crate::drift_html::drift_html;
use crate::html::escape;

/// Pretty JSON of the whole model.
pub fn drift_json(report: &DriftReport) -> String {
    // Plain data with string keys: serialization cannot fail.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

pub(crate) fn provenance_line(report: &DriftReport) -> String {
    let commit = match &report.commit {
        Some(commit) if report.dirty => format!("{commit} (uncommitted changes)"),
        Some(commit) => commit.clone(),
        None => "not a git checkout".into(),
    };
    format!(
        "read at {} · commit {commit} · Warden {}",
        report.generated_at, report.warden_version
    )
}

/// Escapes text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn status_icon(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::InSync => "✅",
        AccountStatus::Drift => "⚠️",
        AccountStatus::Conflict => "❗",
        AccountStatus::Unreadable => "⛔",
    }
}

/// GitHub-flavoured Markdown: summary, an overview table and a collapsible block per account
/// that has something to show.
pub fn drift_markdown(report: &DriftReport) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = writeln!(out, "## Warden drift report\n");
    let _ = writeln!(out, "{}\n", md_cell(&provenance_line(report)));
    let verdict = format!("**{}.**", report.headline());
    let _ = writeln!(
        out,
        "{verdict} {} accounts: {} in sync, {} with drift, {} unreadable. {} changes ({} live differs, {} not live, {} not in repo; {} where live grants more), {} conflicts, {} unmanaged, lint {} errors / {} warnings / {} excepted.\n",
        t.accounts,
        t.accounts_in_sync,
        t.accounts_with_drift,
        t.unreadable,
        t.changes,
        t.differs,
        t.not_live,
        t.not_in_repo,
        t.live_grants_more,
        t.conflicts,
        t.unmanaged,
        t.lint_errors,
        t.lint_warnings,
        t.lint_excepted
    );
    out.push_str("| Account | OU | Status | Live differs | Not live | Not in repo | Conflicts | Unmanaged | Lint |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
    let mut rows: Vec<(String, bool)> = Vec::new();
    for section in report.sections() {
        let row = format!(
            "| {} `{}` | {} | {} {} | {} | {} | {} | {} | {} | {} |\n",
            md_cell(&section.account_name),
            md_cell(&section.account_id),
            md_cell(&section.ou_path),
            status_icon(section.status),
            section.status.label(),
            section.count(crate::Difference::Differs),
            section.count(crate::Difference::NotLive),
            section.count(crate::Difference::NotInRepo),
            section.conflicts.len(),
            section.unmanaged.len(),
            active_findings(&section.findings),
        );
        rows.push((row, section.status == AccountStatus::InSync));
    }
    let length: usize = rows.iter().map(|(row, _)| row.len()).sum();
    // Very large organizations: the accounts in sync are counted, not listed.
    if length > MARKDOWN_LIMIT / 2 {
        for (row, _) in rows.iter().filter(|(_, in_sync)| !in_sync) {
            out.push_str(row);
        }
        let _ = writeln!(
            out,
            "\n_{} accounts in sync are not listed._",
            report.totals.accounts_in_sync
        );
    } else {
        for (row, _) in &rows {
            out.push_str(row);
        }
    }
    let mut omitted = 0;
    for section in report.sections().filter(|section| has_content(section)) {
        let mut block = String::new();
        markdown_section(&mut block, section);
        if out.len() + block.len() + MARKDOWN_NOTE_ROOM > MARKDOWN_LIMIT {
            omitted += 1;
        } else {
            out.push_str(&block);
        }
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n_Details of {omitted} accounts omitted to fit a comment; see the JSON or HTML report._"
        );
    }
    out
}

/// GitHub refuses comments over 65,536 characters; details are dropped before that.
pub const MARKDOWN_LIMIT: usize = 65_000;
const MARKDOWN_NOTE_ROOM: usize = 200;

fn has_content(section: &AccountDrift) -> bool {
    !section.changes.is_empty()
        || !section.conflicts.is_empty()
        || !section.unmanaged.is_empty()
        || section.unreadable.is_some()
        || !section.findings.is_empty()
}

fn active_findings(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| f.is_active()).count()
}

fn markdown_section(out: &mut String, section: &AccountDrift) {
    let _ = writeln!(
        out,
        "\n<details>\n<summary>{} {} <code>{}</code> — {}</summary>\n",
        status_icon(section.status),
        escape(&section.account_name),
        escape(&section.account_id),
        section.status.label()
    );
    if let Some(reason) = &section.unreadable {
        let _ = writeln!(out, "Could not be read: {}\n", md_cell(reason));
    }
    if !section.changes.is_empty() {
        out.push_str("| | Kind | Object | Why | Detail |\n|---|---|---|---|---|\n");
        for row in &section.changes {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {}{} | {} |",
                row.action.symbol(),
                md_cell(&row.kind),
                md_cell(&row.subject),
                row.difference.label(),
                if row.live_grants_more {
                    " ⚠️ live grants more"
                } else {
                    ""
                },
                md_cell(&row.detail.join("; "))
            );
        }
        out.push('\n');
    }
    if !section.conflicts.is_empty() {
        out.push_str("**Conflicts** (left unchanged):\n\n");
        for conflict in &section.conflicts {
            let _ = writeln!(
                out,
                "- {} `{}`: {}",
                md_cell(&conflict.kind),
                md_cell(&conflict.name),
                md_cell(&conflict.reason)
            );
        }
        out.push('\n');
    }
    if !section.unmanaged.is_empty() {
        out.push_str("**Unmanaged** (not in the repository, never changed by Warden):\n\n");
        for item in &section.unmanaged {
            let _ = writeln!(out, "- {} `{}`", md_cell(&item.kind), md_cell(&item.name));
        }
        out.push('\n');
    }
    if !section.findings.is_empty() {
        out.push_str("| Lint | Severity | Where | Message |\n|---|---|---|---|\n");
        for finding in &section.findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_cell(&finding.rule),
                severity_text(finding),
                md_cell(&finding_place(finding)),
                md_cell(&finding.message)
            );
        }
        out.push('\n');
    }
    out.push_str("</details>\n");
}

pub(crate) fn severity_text(finding: &Finding) -> String {
    match &finding.excepted {
        Some(exception) => format!(
            "{} (excepted by {} until {})",
            finding.severity.as_str(),
            exception.owner,
            exception.expires
        ),
        None => finding.severity.as_str().to_string(),
    }
}

pub(crate) fn finding_place(finding: &Finding) -> String {
    let mut place = finding.file.clone();
    if finding.line > 0 {
        let _ = write!(place, ":{}:{}", finding.line, finding.column);
    }
    if let Some(principal) = &finding.principal {
        let _ = write!(place, " {principal}");
    }
    if let Some(sid) = &finding.sid {
        let _ = write!(place, " [{sid}]");
    }
    place
}

/// Plain text for terminals: one line per account, then the details of those with findings.
pub fn drift_table(report: &DriftReport) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = writeln!(out, "Warden drift report — {}", provenance_line(report));
    let _ = writeln!(out, "{}.", report.headline());
    let rows: Vec<[String; 6]> = report
        .sections()
        .map(|section| {
            [
                section.account_name.clone(),
                section.account_id.clone(),
                section.status.label().to_string(),
                section.changes.len().to_string(),
                section.conflicts.len().to_string(),
                section.unmanaged.len().to_string(),
            ]
        })
        .collect();
    let headers = [
        "ACCOUNT",
        "ID",
        "STATUS",
        "CHANGES",
        "CONFLICTS",
        "UNMANAGED",
    ];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, &headers);
    for row in &rows {
        line(&mut out, &row.each_ref().map(String::as_str));
    }
    for section in report.sections().filter(|s| has_content(s)) {
        let _ = writeln!(
            out,
            "\n{} ({}): {}",
            section.account_name,
            section.account_id,
            section.status.label()
        );
        if let Some(reason) = &section.unreadable {
            let _ = writeln!(out, "  unreadable: {reason}");
        }
        for row in &section.changes {
            let _ = writeln!(
                out,
                "  {} {} {} [{}{}]",
                row.action.symbol(),
                row.kind,
                row.subject,
                row.difference.label(),
                if row.live_grants_more {
                    ", live grants more"
                } else {
                    ""
                }
            );
            for detail in &row.detail {
                let _ = writeln!(out, "      {detail}");
            }
        }
        for conflict in &section.conflicts {
            let _ = writeln!(
                out,
                "  ! {} {}: {}",
                conflict.kind, conflict.name, conflict.reason
            );
        }
        for item in &section.unmanaged {
            let _ = writeln!(out, "  ? unmanaged {} {}", item.kind, item.name);
        }
        for finding in &section.findings {
            let _ = writeln!(
                out,
                "  {} {} {}: {}",
                finding.rule,
                severity_text(finding),
                finding_place(finding),
                finding.message
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} accounts: {} in sync, {} with drift, {} unreadable; {} changes, {} conflicts, {} unmanaged",
        t.accounts,
        t.accounts_in_sync,
        t.accounts_with_drift,
        t.unreadable,
        t.changes,
        t.conflicts,
        t.unmanaged
    );
    out
}

/// The drift report as SARIF for code scanning (category `warden-drift/`): the lint findings
/// of the definitions, plus one result per drifted, conflicting or unreadable account at
/// `warden.yaml` (drift is about the organization, not a line of a definition), each with the
/// account in its properties.
pub fn drift_sarif(report: &DriftReport, base: &str) -> String {
    use warden_lint::emit::sarif::{
        ArtifactLocation, Configuration, Fingerprints, Help, PhysicalLocation, Region,
        ReportingDescriptor, ResultProperties, RuleProperties, SarifLocation, SarifResult, Text,
        log_relative_to,
    };
    let findings: Vec<Finding> = report
        .sections()
        .flat_map(|section| section.findings.iter().cloned())
        .collect();
    let mut log = log_relative_to(&findings, base, "warden-drift/");
    let kinds = [
        (
            "WD001",
            "live-differs",
            "live iam differs from the definitions",
            "warning",
            "5.0",
        ),
        (
            "WD002",
            "conflict",
            "an object the definitions want exists unmanaged",
            "warning",
            "5.0",
        ),
        (
            "WD003",
            "account-unreadable",
            "an account could not be read or its access role was refused",
            "error",
            "7.0",
        ),
    ];
    let Some(run) = log.runs.first_mut() else {
        return String::new();
    };
    let first = run.tool.driver.rules.len();
    for (id, name, summary, level, severity) in kinds {
        run.tool.driver.rules.push(ReportingDescriptor {
            id,
            name,
            short_description: Text {
                text: summary.to_string(),
            },
            full_description: Text {
                text: format!("Warden's drift report: {summary}."),
            },
            help: Help {
                text: format!("{summary}. Run `cargo xtask drift` for the details and `cargo xtask plan` to see what apply would change."),
                markdown: format!("{summary}. Run `cargo xtask drift` for the details and `cargo xtask plan` to see what apply would change."),
            },
            help_uri: format!("{}/blob/main/README.md", warden_lint::emit::docs::REPOSITORY_URL),
            default_configuration: Configuration { level },
            properties: RuleProperties {
                tags: vec!["security", "iam", "drift"],
                security_severity: severity,
                precision: "high",
            },
        });
    }
    for section in report.sections() {
        let (index, message) = match section.status {
            AccountStatus::InSync => continue,
            AccountStatus::Drift => (
                0,
                format!(
                    "{} ({}): {} change(s) the definitions would make",
                    section.account_name,
                    section.account_id,
                    section.changes.len()
                ),
            ),
            AccountStatus::Conflict => (
                1,
                format!(
                    "{} ({}): {} conflict(s): {}",
                    section.account_name,
                    section.account_id,
                    section.conflicts.len(),
                    section
                        .conflicts
                        .iter()
                        .map(|c| format!("{} `{}`", c.kind, c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            AccountStatus::Unreadable => (
                2,
                format!(
                    "{} ({}): not read: {}",
                    section.account_name,
                    section.account_id,
                    section.unreadable.as_deref().unwrap_or_default()
                ),
            ),
        };
        let (id, _, _, level, _) = kinds[index];
        run.results.push(SarifResult {
            rule_id: id.to_string(),
            rule_index: first + index,
            level,
            message: Text { text: message },
            locations: vec![SarifLocation {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: "warden.yaml".to_string(),
                        uri_base_id: Some("%SRCROOT%"),
                    },
                    region: Region {
                        start_line: 1,
                        start_column: 1,
                    },
                },
            }],
            suppressions: Vec::new(),
            partial_fingerprints: Fingerprints {
                warden_finding: format!("{id}/{}", section.account_id),
            },
            properties: ResultProperties {
                accounts: vec![section.account_id.clone()],
            },
        });
    }
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}
