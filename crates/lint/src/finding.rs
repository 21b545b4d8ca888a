//! What the linter reports: one finding per problem, with its rule, severity and location.

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The exception that suppressed a finding, as reported in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedException {
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

/// One problem found by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `WL201`.
    pub rule: String,
    pub severity: Severity,
    /// Lowercase, user input in backticks.
    pub message: String,
    /// Path relative to the repository (or as given on the command line).
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// Account id the finding concerns, when known.
    pub account: Option<String>,
    /// Role (or policy) name the finding concerns, when known.
    pub principal: Option<String>,
    /// Sid of the statement, when the finding concerns one that has a Sid.
    pub sid: Option<String>,
    /// Set when a live exception covers the finding: it is then reported but does not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excepted: Option<AppliedException>,
}

impl Finding {
    /// True when the finding counts (no live exception covers it).
    pub fn is_active(&self) -> bool {
        self.excepted.is_none()
    }
}

/// Counts of active findings by severity, and of excepted ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub excepted: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            if !finding.is_active() {
                summary.excepted += 1;
                continue;
            }
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        summary
    }

    /// True when an active finding is at error level: plan and apply refuse to go on.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

/// Sorts findings for stable output: file, line, column, rule, message.
pub fn sort_findings(findings: &mut [Finding]) {
    let order = |a: &Finding, b: &Finding| {
        (
            &a.file,
            a.line,
            a.column,
            &a.account,
            &a.principal,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.file,
                b.line,
                b.column,
                &b.account,
                &b.principal,
                &b.rule,
                &b.message,
            ))
    };
    // Findings are sorted again at each level that gathers them, and usually arrive in order:
    // checking is one pass, where the sort allocates a scratch copy of them all.
    if !findings.is_sorted_by(|a, b| order(a, b).is_le()) {
        findings.sort_by(order);
    }
}
