//! Plain-text report for people: one line per finding, `file:line:col severity rule message`,
//! grouped by file, with a summary line. Excepted findings are counted, not listed.

use std::fmt::Write;

use crate::finding::{Finding, Summary};

pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    for finding in findings.iter().filter(|finding| finding.is_active()) {
        if current_file != Some(finding.file.as_str()) {
            if current_file.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", finding.file);
            current_file = Some(&finding.file);
        }
        let mut context = Vec::new();
        if let Some(account) = &finding.account {
            context.push(format!("account {account}"));
        }
        if let Some(principal) = &finding.principal {
            context.push(principal.clone());
        }
        let context = if context.is_empty() {
            String::new()
        } else {
            format!(" [{}]", context.join(", "))
        };
        let position = format!("{}:{}", finding.line, finding.column);
        let _ = writeln!(
            out,
            "  {position:<8} {:<7} {}  {}{context}",
            finding.severity.as_str(),
            finding.rule,
            finding.message
        );
    }
    let summary = Summary::of(findings);
    if current_file.is_some() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} {}, {} {}, {} info, {} excepted",
        summary.errors,
        plural(summary.errors, "error"),
        summary.warnings,
        plural(summary.warnings, "warning"),
        summary.infos,
        summary.excepted
    );
    out
}

/// `lint --rules`: one line per rule with id, default severity, group, name and summary.
pub fn rules() -> String {
    let mut out = String::new();
    for meta in crate::registry::metas() {
        let _ = writeln!(
            out,
            "{}  {:<7}  {:<10}  {:<32}  {}",
            meta.id,
            meta.severity.as_str(),
            meta.group.as_str(),
            meta.name,
            meta.summary
        );
    }
    out
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rule_list_has_one_aligned_line_per_rule() {
        let list = super::rules();
        assert_eq!(list.lines().count(), crate::registry::metas().count());
        let first = crate::registry::metas()
            .next()
            .map(|meta| meta.id)
            .unwrap_or_default();
        assert!(list.starts_with(&format!("{first}  ")), "{list}");
    }
}
