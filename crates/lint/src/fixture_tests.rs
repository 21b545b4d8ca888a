//! Fixture tests: every rule has `tests/fixtures/<id>/fail.json` (must produce a finding of that
//! rule) and `pass.json` (must produce none), run through the whole linter.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::subject::{
    Exception, Location, PolicyKind, PolicySubject, ScpTarget, Subject, TextField,
};
use crate::{LintConfig, LintOptions, registry};

/// One fixture: a policy, an account export, or roles, with optional config and exceptions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    policy: Option<Value>,
    #[serde(default)]
    kind: Option<PolicyKind>,
    #[serde(default)]
    policies: Vec<NamedPolicy>,
    #[serde(default)]
    export: Option<Value>,
    #[serde(default)]
    config: LintConfig,
    #[serde(default)]
    exceptions: Vec<Exception>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    scp_targets: Vec<Target>,
    #[serde(default)]
    texts: Vec<String>,
    /// Live state for the posture rules (see [`crate::live_input`]).
    #[serde(default)]
    live: Option<LiveCase>,
}

/// Live accounts as `warden-live` serializes them, with the organization around them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveCase {
    accounts: Vec<warden_live::LiveAccount>,
    #[serde(default)]
    organization_accounts: Vec<String>,
    #[serde(default)]
    trusted_accounts: Vec<crate::live_input::TrustedAccount>,
    #[serde(default)]
    posture: crate::live_input::PostureConfig,
}

#[derive(Deserialize)]
struct NamedPolicy {
    name: String,
    kind: PolicyKind,
    document: Value,
}

#[derive(Deserialize)]
struct Target {
    target: String,
    policies: Vec<String>,
}

pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub(crate) fn today() -> time::Date {
    warden_policy::date::parse_day("2026-06-01").unwrap()
}

fn subject_of(path: &Path, case: &Case) -> Subject {
    let file = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .display()
        .to_string();
    let mut subject = match &case.export {
        Some(export) => {
            crate::export::subject_from_export(&file, &export.to_string(), &case.config).unwrap()
        }
        None => Subject::default(),
    };
    if let Some(policy) = &case.policy {
        let document = crate::rules::tests_support::document(policy);
        let kind = case.kind.unwrap_or_else(|| PolicyKind::infer(&document));
        subject.policies.push(
            PolicySubject::from_value("fixture", kind, Location::file(&file), policy).unwrap(),
        );
    }
    for named in &case.policies {
        subject.policies.push(
            PolicySubject::from_value(
                &named.name,
                named.kind,
                Location::file(&file),
                &named.document,
            )
            .unwrap(),
        );
    }
    if case.account.is_some() {
        subject.account.clone_from(&case.account);
    }
    subject.exceptions = case
        .exceptions
        .iter()
        .map(|exception| Exception {
            location: Location::file(&file),
            ..exception.clone()
        })
        .collect();
    subject.scp_targets = case
        .scp_targets
        .iter()
        .map(|target| ScpTarget {
            target: target.target.clone(),
            location: Location::file(&file),
            policies: target.policies.clone(),
        })
        .collect();
    subject.texts = case
        .texts
        .iter()
        .map(|text| TextField {
            what: "justification".to_string(),
            text: text.clone(),
            location: Location::file(&file),
            principal: None,
        })
        .collect();
    subject
}

fn run(path: &Path) -> (Vec<crate::Finding>, Case) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let case: Case =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let subject = subject_of(path, &case);
    let options = LintOptions {
        catalog: warden_catalog::Catalog::embedded(),
        config: &case.config,
        today: today(),
    };
    let mut findings = crate::lint(&subject, &options);
    if let Some(live) = &case.live {
        let file = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        let input = crate::live_input::LiveInput {
            accounts: live
                .accounts
                .iter()
                .map(|account| crate::live_input::LiveAccountInput {
                    account,
                    file: &file,
                })
                .collect(),
            organization_accounts: live.organization_accounts.iter().cloned().collect(),
            trusted_accounts: live.trusted_accounts.clone(),
            posture: live.posture.clone(),
            exceptions: Vec::new(),
        };
        findings.extend(crate::live_input::lint_live(&input, &options));
        crate::finding::sort_findings(&mut findings);
    }
    (findings, case)
}

#[test]
fn every_rule_fails_its_failing_fixture_and_passes_its_passing_one() {
    let mut problems = Vec::new();
    for meta in registry::metas() {
        if registry::REPORTED_ABOVE_LINT.contains(&meta.id) {
            // Checked by the e2e tests of `lint --org`; nothing in this crate can report it.
            assert!(
                !fixtures_dir().join(meta.id).exists(),
                "{}: a fixture this crate cannot fail",
                meta.id
            );
            continue;
        }
        let dir = fixtures_dir().join(meta.id);
        let (failing, _) = run(&dir.join("fail.json"));
        let hits: Vec<_> = failing
            .iter()
            .filter(|finding| finding.rule == meta.id && finding.is_active())
            .collect();
        if hits.is_empty() {
            problems.push(format!(
                "{}: fail.json produced no {} finding; got {failing:#?}",
                meta.id, meta.id
            ));
        }
        for hit in &hits {
            assert!(
                hit.message
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_uppercase()),
                "{}: {}",
                meta.id,
                hit.message
            );
        }
        let (passing, _) = run(&dir.join("pass.json"));
        let false_hits: Vec<_> = passing
            .iter()
            .filter(|finding| finding.rule == meta.id && finding.is_active())
            .collect();
        if !false_hits.is_empty() {
            problems.push(format!("{}: pass.json produced {false_hits:#?}", meta.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every finding of every failing fixture, for review of messages and positions.
fn all_failing_findings() -> Vec<crate::Finding> {
    let mut findings = Vec::new();
    for meta in registry::metas() {
        if registry::REPORTED_ABOVE_LINT.contains(&meta.id) {
            continue;
        }
        let (mut found, _) = run(&fixtures_dir().join(meta.id).join("fail.json"));
        findings.append(&mut found);
    }
    crate::finding::sort_findings(&mut findings);
    findings
}

#[test]
fn failing_fixtures_table_snapshot() {
    insta::assert_snapshot!(crate::emit::table::render(&all_failing_findings()));
}

/// The exception fixtures exercise suppression: JSON shows the excepted finding.
#[test]
fn json_snapshot_with_an_excepted_finding() {
    let (findings, _) = run(&fixtures_dir().join("WL704/pass.json"));
    assert!(
        findings.iter().any(|finding| finding.excepted.is_some()),
        "{findings:#?}"
    );
    assert!(
        !crate::has_errors(&findings),
        "an excepted error must not count: {findings:#?}"
    );
    insta::assert_snapshot!(crate::emit::json::render(&findings));
}

#[test]
fn sarif_snapshot() {
    let mut findings = Vec::new();
    for id in ["WL202", "WL501", "WL704"] {
        for file in ["fail.json", "pass.json"] {
            findings.extend(run(&fixtures_dir().join(id).join(file)).0);
        }
    }
    crate::finding::sort_findings(&mut findings);
    let sarif = crate::emit::sarif::render(&findings);
    let value: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(value["version"], "2.1.0");
    let rules = value["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), registry::metas().count());
    for result in value["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    insta::assert_snapshot!(sarif);
}
