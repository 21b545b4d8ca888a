//! JSON report: every finding (excepted ones marked with their exception) and a summary.

use serde::Serialize;

use crate::finding::{Finding, Summary};

#[derive(Serialize)]
struct Report<'a> {
    findings: &'a [Finding],
    summary: Summary,
}

pub fn render(findings: &[Finding]) -> String {
    let report = Report {
        findings,
        summary: Summary::of(findings),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
