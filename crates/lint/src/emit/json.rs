//! JSON report: every finding (excepted ones marked with their exception) with its rule's
//! kebab-case `name` beside the id, and a summary.

use serde::Serialize;

use crate::finding::{Finding, Summary};
use crate::registry;

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
    excepted: &'a Option<crate::AppliedException>,
}

pub fn render(findings: &[Finding]) -> String {
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
