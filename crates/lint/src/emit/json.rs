//! JSON report: every finding (excepted ones marked with their exception) with its rule's
//! kebab-case `name` beside the id, and a summary.
//!
//! Written field by field into buffers sized up front (chunks of findings on every core, joined
//! in order), in exactly the layout serde_json's
//! pretty printer gives the report's shape (`Report` in the tests) (two-space indent, `null` for absent values, no
//! `excepted` key when there is none); strings go through serde_json for escaping. A test
//! renders findings both ways and compares the bytes. A corpus of 1,582 policies has
//! thousands of findings, and this is what `lint --format json` waits for last.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::finding::{Finding, Summary};
use crate::registry;

/// The rule's name, remembering the last id asked about (findings are sorted by file, and a
/// file's findings often share rules).
struct RuleNames {
    last: Option<(&'static str, &'static str)>,
}

impl RuleNames {
    fn name(&mut self, id: &str) -> &'static str {
        if let Some((known, name)) = self.last
            && known == id
        {
            return name;
        }
        match registry::by_id(id) {
            Some(meta) => {
                self.last = Some((meta.id, meta.name));
                meta.name
            }
            None => "",
        }
    }
}

pub fn render(findings: &[Finding]) -> String {
    render_parts(findings).concat()
}

/// [`render`] written part by part to `out`: the report of a large corpus is megabytes that
/// need not be joined into one buffer first.
///
/// # Errors
/// When `out` refuses a write.
pub fn write(findings: &[Finding], out: &mut impl std::io::Write) -> std::io::Result<()> {
    for part in render_parts(findings) {
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

/// The report in order: its head, each chunk of findings, the summary.
fn render_parts(findings: &[Finding]) -> Vec<String> {
    // Chunks of findings render on every core, in order; each keeps its own rule-name memory
    // (a chunk boundary only costs one more registry lookup).
    const CHUNK: usize = 1024;
    let parts: Vec<String> = findings
        .par_chunks(CHUNK)
        .map(|chunk| {
            let strings: usize = chunk
                .iter()
                .map(|finding| finding.message.len() + finding.file.len() + 64)
                .sum();
            let mut out = String::with_capacity(chunk.len() * 280 + strings);
            let mut names = RuleNames { last: None };
            for (index, finding) in chunk.iter().enumerate() {
                if index > 0 {
                    out.push_str(",\n");
                }
                write_finding(&mut out, finding, names.name(&finding.rule));
            }
            out
        })
        .collect();
    let mut report = Vec::with_capacity(parts.len() + 2);
    if findings.is_empty() {
        report.push("{\n  \"findings\": [],\n".to_string());
    } else {
        report.push("{\n  \"findings\": [\n".to_string());
        let last = parts.len().saturating_sub(1);
        for (index, mut part) in parts.into_iter().enumerate() {
            part.push_str(if index < last { ",\n" } else { "\n  ],\n" });
            report.push(part);
        }
    }
    let summary = Summary::of(findings);
    let mut out = String::new();
    let _ = write!(
        out,
        "  \"summary\": {{\n    \"errors\": {},\n    \"warnings\": {},\n    \"infos\": {},\n    \"excepted\": {}\n  }}\n}}\n",
        summary.errors, summary.warnings, summary.infos, summary.excepted
    );
    report.push(out);
    report
}

/// One finding at the array's indent (six spaces for its fields).
fn write_finding(out: &mut String, finding: &Finding, name: &str) {
    out.push_str("    {\n      \"rule\": ");
    string(out, &finding.rule);
    out.push_str(",\n      \"name\": ");
    string(out, name);
    out.push_str(",\n      \"severity\": \"");
    out.push_str(finding.severity.as_str());
    out.push_str("\",\n      \"message\": ");
    string(out, &finding.message);
    out.push_str(",\n      \"file\": ");
    string(out, &finding.file);
    let _ = write!(
        out,
        ",\n      \"line\": {},\n      \"column\": {}",
        finding.line, finding.column
    );
    out.push_str(",\n      \"account\": ");
    optional(out, finding.account.as_deref());
    out.push_str(",\n      \"principal\": ");
    optional(out, finding.principal.as_deref());
    out.push_str(",\n      \"sid\": ");
    optional(out, finding.sid.as_deref());
    if let Some(excepted) = &finding.excepted {
        out.push_str(",\n      \"excepted\": {\n        \"reason\": ");
        string(out, &excepted.reason);
        out.push_str(",\n        \"owner\": ");
        string(out, &excepted.owner);
        out.push_str(",\n        \"expires\": ");
        string(out, &excepted.expires);
        out.push_str("\n      }");
    }
    out.push_str("\n    }");
}

fn optional(out: &mut String, value: Option<&str>) {
    match value {
        Some(value) => string(out, value),
        None => out.push_str("null"),
    }
}

/// A JSON string literal, escaped as serde_json escapes it; text without anything to escape
/// (nearly all of it) is copied as is.
fn string(out: &mut String, value: &str) {
    if warden_policy::escape_free(value) {
        out.push('"');
        out.push_str(value);
        out.push('"');
        return;
    }
    match serde_json::to_string(value) {
        Ok(escaped) => out.push_str(&escaped),
        // Serializing a `str` cannot fail; keep the output valid JSON regardless.
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;
    use crate::Severity;
    use crate::finding::AppliedException;

    /// The report's shape (the reference layout).
    #[derive(Serialize)]
    struct Report<'a> {
        findings: Vec<Named<'a>>,
        summary: Summary,
    }

    /// A finding with its rule's name after the id, so tools need not keep the id table; the
    /// other fields are [`Finding`]'s, in its order.
    #[derive(Serialize)]
    struct Named<'a> {
        rule: &'a str,
        name: &'static str,
        severity: crate::Severity,
        message: &'a str,
        file: &'a str,
        line: u32,
        column: u32,
        account: &'a Option<String>,
        principal: &'a Option<String>,
        sid: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        excepted: &'a Option<AppliedException>,
    }

    /// The report through serde_json's pretty printer: the layout [`render`] must give.
    fn render_with_serde(findings: &[Finding]) -> String {
        let report = Report {
            findings: findings
                .iter()
                .map(|finding| Named {
                    rule: &finding.rule,
                    name: registry::by_id(&finding.rule).map_or("", |meta| meta.name),
                    severity: finding.severity,
                    message: &finding.message,
                    file: &finding.file,
                    line: finding.line,
                    column: finding.column,
                    account: &finding.account,
                    principal: &finding.principal,
                    sid: &finding.sid,
                    excepted: &finding.excepted,
                })
                .collect(),
            summary: Summary::of(findings),
        };
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }

    fn finding(rule: &str, severity: Severity, message: &str) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            message: message.to_string(),
            file: "policies/a.json".to_string(),
            line: 3,
            column: 7,
            account: None,
            principal: Some("Reader".to_string()),
            sid: None,
            excepted: None,
        }
    }

    #[test]
    fn render_is_serde_pretty_byte_for_byte() {
        let mut excepted = finding("WL301", Severity::Error, "grants `s3:*` on `*`");
        excepted.excepted = Some(AppliedException {
            reason: "legacy \"batch\" job\nuntil migration".to_string(),
            owner: "team-data".to_string(),
            expires: "2026-12-31".to_string(),
        });
        excepted.account = Some("123456789012".to_string());
        excepted.sid = Some("Sid\\1\t\u{7f}é😀".to_string());
        let mut unknown_rule = finding("WL000", Severity::Info, "control \u{1} and \u{1f}");
        unknown_rule.file = String::new();
        let findings = vec![
            finding("WL201", Severity::Warning, "plain"),
            excepted,
            unknown_rule,
            finding("WL201", Severity::Warning, "same rule again"),
        ];
        assert_eq!(render(&findings), render_with_serde(&findings));
        assert_eq!(render(&findings[..1]), render_with_serde(&findings[..1]));
        assert_eq!(render(&[]), render_with_serde(&[]));
        assert!(render(&findings).contains("\"name\": \"\""), "unknown rule");
    }

    /// Past one chunk, the chunks are joined (or written one after another) with the same
    /// separators as one buffer.
    #[test]
    fn a_report_of_several_chunks_is_serde_pretty_byte_for_byte() {
        let rules = ["WL201", "WL301", "WL101"];
        let findings: Vec<Finding> = (0..2_500)
            .map(|n| {
                let mut finding = finding(rules[n % 3], Severity::Warning, &format!("finding {n}"));
                finding.line = u32::try_from(n).unwrap();
                finding
            })
            .collect();
        for len in [0, 1, 1_023, 1_024, 1_025, 2_048, 2_500] {
            let expected = render_with_serde(&findings[..len]);
            assert_eq!(render(&findings[..len]), expected, "{len}");
            // Written part by part, as `lint` writes to stdout: the same bytes.
            let mut written = Vec::new();
            write(&findings[..len], &mut written).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{len} written"
            );
        }
    }
}
