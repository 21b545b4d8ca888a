//! SARIF 2.1.0 as plain serde structs, in the subset GitHub code scanning reads: the tool's
//! rules with their default level, and results with rule, level, message and a location
//! relative to the repository root. Excepted findings carry an external suppression.

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::registry;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

#[derive(Serialize)]
pub struct Run {
    pub tool: Tool,
    pub results: Vec<SarifResult>,
}

#[derive(Serialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: &'static str,
    pub information_uri: &'static str,
    pub version: &'static str,
    pub rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: &'static str,
    pub name: &'static str,
    pub short_description: Text,
    pub help_uri: String,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Serialize)]
pub struct RuleProperties {
    pub tags: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

#[derive(Serialize)]
pub struct Text {
    pub text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLocation {
    pub physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    pub uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
}

#[derive(Serialize)]
pub struct Suppression {
    pub kind: &'static str,
    pub justification: String,
}

/// SARIF level of a severity (`info` is `note`).
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Builds the SARIF log for `findings`.
pub fn log(findings: &[Finding]) -> Log {
    let metas: Vec<_> = registry::metas().collect();
    let rules = metas
        .iter()
        .map(|meta| ReportingDescriptor {
            id: meta.id,
            name: meta.name,
            short_description: Text {
                text: meta.summary.to_string(),
            },
            help_uri: registry::help_uri(meta),
            default_configuration: Configuration {
                level: level(meta.severity),
            },
            properties: RuleProperties {
                tags: vec!["security", "iam", meta.group.as_str()],
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|finding| SarifResult {
            rule_id: finding.rule.clone(),
            rule_index: metas
                .iter()
                .position(|meta| meta.id == finding.rule)
                .unwrap_or(0),
            level: level(finding.severity),
            // The same definition rendered for several accounts gives one result per account at
            // one location: the account (as the table shows it) tells them apart.
            message: Text {
                text: match &finding.account {
                    Some(account) => format!("{} [account {account}]", finding.message),
                    None => finding.message.clone(),
                },
            },
            locations: (!finding.file.is_empty())
                .then(|| SarifLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri(&finding.file),
                            uri_base_id: "%SRCROOT%",
                        },
                        // GitHub rejects line 0: unknown positions point at the file's start.
                        region: Region {
                            start_line: finding.line.max(1),
                            start_column: finding.column.max(1),
                        },
                    },
                })
                .into_iter()
                .collect(),
            suppressions: finding
                .excepted
                .iter()
                .map(|exception| Suppression {
                    kind: "external",
                    justification: format!(
                        "{} (owner {}, expires {})",
                        exception.reason, exception.owner, exception.expires
                    ),
                })
                .collect(),
        })
        .collect();
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "warden-lint",
                    information_uri: "https://github.com/warden-iam/warden",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    }
}

/// A relative URI with forward slashes.
fn uri(file: &str) -> String {
    file.replace('\\', "/").trim_start_matches("./").to_string()
}

pub fn render(findings: &[Finding]) -> String {
    let mut text = serde_json::to_string_pretty(&log(findings)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(account: Option<&str>) -> Finding {
        Finding {
            rule: "WL101".into(),
            severity: Severity::Warning,
            message: "statement 1 of `app` has no sid".into(),
            file: "policies/app.yaml".into(),
            line: 9,
            column: 5,
            account: account.map(Into::into),
            principal: Some("app".into()),
            sid: None,
            excepted: None,
        }
    }

    /// One definition rendered for two accounts gives two results at one location; their
    /// messages name the account so that they are not mistaken for duplicates.
    #[test]
    fn results_of_rendered_definitions_name_their_account() {
        let log = log(&[finding(Some("111122223333")), finding(None)]);
        let results = &log.runs[0].results;
        assert_eq!(
            results[0].message.text,
            "statement 1 of `app` has no sid [account 111122223333]"
        );
        assert_eq!(results[1].message.text, "statement 1 of `app` has no sid");
    }
}
