//! Plain-text report for people: one line per finding, `file:line:col severity rule message`,
//! grouped by file, with a summary line. Excepted findings are counted, not listed.

use std::fmt::Write;

use crate::finding::{Finding, Summary};

pub fn render(findings: &[Finding]) -> String {
    // Written piece by piece into one buffer: a report holds thousands of lines, and building
    // each line's parts as strings first cost several allocations per finding.
    let strings: usize = findings
        .iter()
        .map(|finding| finding.message.len() + 48)
        .sum();
    let mut out = String::with_capacity(strings + 128);
    let mut current_file: Option<&str> = None;
    for finding in findings.iter().filter(|finding| finding.is_active()) {
        if current_file != Some(finding.file.as_str()) {
            if current_file.is_some() {
                out.push('\n');
            }
            out.push_str(&finding.file);
            out.push('\n');
            current_file = Some(&finding.file);
        }
        out.push_str("  ");
        let start = out.len();
        let _ = write!(out, "{}:{}", finding.line, finding.column);
        pad(&mut out, start, 8);
        out.push(' ');
        let start = out.len();
        out.push_str(finding.severity.as_str());
        pad(&mut out, start, 7);
        out.push(' ');
        out.push_str(&finding.rule);
        out.push_str("  ");
        out.push_str(&finding.message);
        match (&finding.account, &finding.principal) {
            (Some(account), Some(principal)) => {
                let _ = write!(out, " [account {account}, {principal}]");
            }
            (Some(account), None) => {
                let _ = write!(out, " [account {account}]");
            }
            (None, Some(principal)) => {
                let _ = write!(out, " [{principal}]");
            }
            (None, None) => {}
        }
        out.push('\n');
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

/// Spaces after what was written since `start` up to `width` characters (ASCII here), as
/// `{:<width}` pads.
fn pad(out: &mut String, start: usize, width: usize) {
    for _ in out.len() - start..width {
        out.push(' ');
    }
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

    /// Positions and severities are padded as `{:<8}` and `{:<7}` pad them (wider ones are not
    /// cut), and the account and principal follow the message in brackets.
    #[test]
    fn a_line_pads_its_columns_and_names_the_account_and_principal() {
        use crate::{Finding, Severity};
        let finding = |line: u32, account: Option<&str>, principal: Option<&str>| Finding {
            rule: "WL201".into(),
            severity: Severity::Warning,
            message: "grants `s3:*`".into(),
            file: "a.json".into(),
            line,
            column: 7,
            account: account.map(Into::into),
            principal: principal.map(Into::into),
            sid: None,
            excepted: None,
        };
        let lines = |finding: Finding| super::render(&[finding]).lines().nth(1).map(String::from);
        assert_eq!(
            lines(finding(3, Some("111122223333"), Some("Reader"))).as_deref(),
            Some("  3:7      warning WL201  grants `s3:*` [account 111122223333, Reader]")
        );
        assert_eq!(
            lines(finding(3, Some("111122223333"), None)).as_deref(),
            Some("  3:7      warning WL201  grants `s3:*` [account 111122223333]")
        );
        assert_eq!(
            lines(finding(3, None, Some("Reader"))).as_deref(),
            Some("  3:7      warning WL201  grants `s3:*` [Reader]")
        );
        assert_eq!(
            lines(finding(123_456, None, None)).as_deref(),
            Some("  123456:7 warning WL201  grants `s3:*`")
        );
        let mut error = finding(1_234_567, None, None);
        error.severity = Severity::Error;
        assert_eq!(
            lines(error).as_deref(),
            Some("  1234567:7 error   WL201  grants `s3:*`")
        );
    }
}
