//! SARIF 2.1.0 as plain serde structs, in the shape GitHub code scanning reads without
//! warnings: every rule with its short and full description, `help` (text and Markdown, the
//! rule's own docs), `helpUri` to the generated page under `docs/rules/`, `security-severity`
//! and tags; one result per location (the accounts a rendered definition was linted for in its
//! properties), with `partialFingerprints` and a `%SRCROOT%`-relative uri; `automationDetails`.
//! Excepted findings carry an external suppression.
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>)

use serde::Serialize;

use crate::emit::docs;
use crate::finding::{Finding, Severity};
use crate::registry;
use crate::rule::{Group, RuleMeta};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub automation_details: AutomationDetails,
    pub results: Vec<SarifResult>,
}

/// The run's category, so lint and drift uploads do not replace each other's alerts.
#[derive(Serialize)]
pub struct AutomationDetails {
    pub id: String,
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
    pub full_description: Text,
    pub help: Help,
    pub help_uri: String,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Serialize)]
pub struct RuleProperties {
    pub tags: Vec<&'static str>,
    /// GitHub's severity scale: 9.0+ critical, 7.0+ high, 4.0+ medium, else low.
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    pub precision: &'static str,
}

#[derive(Serialize)]
pub struct Help {
    pub text: String,
    pub markdown: String,
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
    pub partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "ResultProperties::is_empty")]
    pub properties: ResultProperties,
}

/// A stable identity for the result across runs (rule, file, principal, sid and message;
/// not the line, so an edit above it does not make a new alert).
#[derive(Serialize)]
pub struct Fingerprints {
    #[serde(rename = "wardenFinding/v1")]
    pub warden_finding: String,
}

#[derive(Serialize, Default)]
pub struct ResultProperties {
    /// The accounts a definition rendered per account was linted for, at this one location.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
}

impl ResultProperties {
    fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
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

/// Builds the SARIF log for `findings` (paths as given; see [`log_relative_to`]).
pub fn log(findings: &[Finding]) -> Log {
    log_relative_to(findings, "", "warden-lint/")
}

/// GitHub's scale from the rule's severity and group: what grants or exposes access ranks
/// above hygiene.
fn security_severity(meta: &RuleMeta) -> &'static str {
    let security = matches!(
        meta.group,
        Group::Trust | Group::Escalation | Group::Guardrails | Group::Actions | Group::Resources
    );
    match (meta.severity, security) {
        (Severity::Error, true) => "8.0",
        (Severity::Error, false) => "6.0",
        (Severity::Warning, true) => "5.0",
        (Severity::Warning, false) => "3.0",
        (Severity::Info, _) => "1.0",
    }
}

/// The descriptor of one rule, its docs from its own file.
fn descriptor(meta: &RuleMeta) -> ReportingDescriptor {
    let doc = docs::rule_doc(meta);
    let full = docs::what_it_does(meta);
    ReportingDescriptor {
        id: meta.id,
        name: meta.name,
        short_description: Text {
            text: meta.summary.to_string(),
        },
        full_description: Text {
            text: if full.is_empty() {
                meta.summary.to_string()
            } else {
                full
            },
        },
        help: Help {
            text: doc.to_string(),
            markdown: doc.to_string(),
        },
        help_uri: docs::help_uri(meta),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec!["security", "iam", meta.group.as_str()],
            security_severity: security_severity(meta),
            precision: "high",
        },
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms, enough to tell findings apart.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The SARIF log with file paths under `base` made relative to it (`%SRCROOT%`) and the
/// run's category `automation_id` (e.g. `warden-lint/`). One result per location: the same
/// finding for several accounts is one result listing them.
pub fn log_relative_to(findings: &[Finding], base: &str, automation_id: &str) -> Log {
    let metas: Vec<_> = registry::metas().collect();
    let rules = metas.iter().map(|meta| descriptor(meta)).collect();
    let mut results: Vec<SarifResult> = Vec::new();
    let mut index: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for finding in findings {
        let file = uri(&finding.file, base);
        let key = fingerprint(&[
            &finding.rule,
            &file.0,
            finding.principal.as_deref().unwrap_or_default(),
            finding.sid.as_deref().unwrap_or_default(),
            &finding.message,
            &finding.line.to_string(),
            &finding.column.to_string(),
            &finding.excepted.is_some().to_string(),
        ]);
        if let Some(&at) = index.get(&key) {
            if let Some(account) = &finding.account {
                results[at].properties.accounts.push(account.clone());
            }
            continue;
        }
        index.insert(key, results.len());
        results.push(SarifResult {
            rule_id: finding.rule.clone(),
            rule_index: metas
                .iter()
                .position(|meta| meta.id == finding.rule)
                .unwrap_or(0),
            level: level(finding.severity),
            message: Text {
                text: finding.message.clone(),
            },
            locations: (!finding.file.is_empty())
                .then(|| SarifLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: file.0.clone(),
                            uri_base_id: file.1.then_some("%SRCROOT%"),
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
            partial_fingerprints: Fingerprints {
                warden_finding: fingerprint(&[
                    &finding.rule,
                    &file.0,
                    finding.principal.as_deref().unwrap_or_default(),
                    finding.sid.as_deref().unwrap_or_default(),
                    &finding.message,
                ]),
            },
            properties: ResultProperties {
                accounts: finding.account.iter().cloned().collect(),
            },
        });
    }
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "warden-lint",
                    information_uri: docs::REPOSITORY_URL,
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: automation_id.to_string(),
            },
            results,
        }],
    }
}

/// A uri with forward slashes, and whether it is relative to the source root: paths under
/// `base` lose it; other absolute paths become `file://` uris.
fn uri(file: &str, base: &str) -> (String, bool) {
    let file = file.replace('\\', "/");
    let base = base.replace('\\', "/");
    let base = base.trim_end_matches('/');
    if !base.is_empty()
        && let Some(rest) = file.strip_prefix(base).and_then(|r| r.strip_prefix('/'))
    {
        return (rest.to_string(), true);
    }
    if file.starts_with('/') {
        return (format!("file://{file}"), false);
    }
    (file.trim_start_matches("./").to_string(), true)
}

pub fn render(findings: &[Finding]) -> String {
    render_relative_to(findings, "", "warden-lint/")
}

/// [`log_relative_to`] as pretty JSON.
pub fn render_relative_to(findings: &[Finding], base: &str, automation_id: &str) -> String {
    let mut text = serde_json::to_string_pretty(&log_relative_to(findings, base, automation_id))
        .unwrap_or_default();
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

    /// One definition rendered for two accounts is one result at one location, listing the
    /// accounts; an account-less finding of the same place and text stays the same result.
    #[test]
    fn one_result_per_location_with_its_accounts() {
        let log = log(&[finding(Some("111122223333")), finding(Some("444455556666"))]);
        let results = &log.runs[0].results;
        assert_eq!(results.len(), 1);
        assert_eq!(
            results[0].properties.accounts,
            ["111122223333", "444455556666"]
        );
        assert_eq!(results[0].message.text, "statement 1 of `app` has no sid");
    }

    #[test]
    fn absolute_paths_under_the_root_become_relative() {
        assert_eq!(
            uri("/work/repo/policies/app.yaml", "/work/repo"),
            ("policies/app.yaml".to_string(), true)
        );
        assert_eq!(
            uri("/elsewhere/app.json", "/work/repo"),
            ("file:///elsewhere/app.json".to_string(), false)
        );
        assert_eq!(
            uri("./policies/app.yaml", ""),
            ("policies/app.yaml".to_string(), true)
        );
    }

    #[test]
    fn every_rule_has_help_and_a_severity_github_reads() {
        let log = log(&[]);
        for rule in &log.runs[0].tool.driver.rules {
            assert!(!rule.help.markdown.is_empty(), "{}", rule.id);
            assert!(!rule.full_description.text.is_empty(), "{}", rule.id);
            assert!(
                rule.help_uri
                    .ends_with(&format!("{}-{}.md", rule.id, rule.name))
            );
            let severity: f32 = rule.properties.security_severity.parse().unwrap_or(-1.0);
            assert!((0.0..=10.0).contains(&severity));
        }
    }
}
