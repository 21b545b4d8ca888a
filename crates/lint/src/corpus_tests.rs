//! Corpus test: lint the 1,582 AWS managed policies and check rules are not noisy where they must
//! not be. Timing and the rules that fire most are printed by `cargo bench -p warden-lint`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::subject::{Location, PolicyKind, PolicySubject, Subject};
use crate::{LintConfig, LintOptions};

fn corpus_path() -> PathBuf {
    std::env::var_os("WARDEN_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../.warden/corpus/aws-managed-policies.json")
        },
        PathBuf::from,
    )
}

fn corpus_subject() -> Subject {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "corpus `{}` is missing ({err}): run `cargo xtask ci`, which prepares it",
            path.display()
        )
    });
    let corpus: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut subject = Subject::default();
    for (name, entry) in &corpus {
        let location = Location::new(format!("aws-managed/{name}"), 1, 1);
        let policy =
            PolicySubject::from_value(name, PolicyKind::Identity, location, &entry["document"])
                .unwrap_or_else(|err| panic!("{name}: {err}"));
        subject.policies.push(policy);
    }
    subject
}

#[test]
fn aws_managed_policies_lint_without_noise() {
    let subject = corpus_subject();
    assert!(
        subject.policies.len() >= 1_500,
        "only {} policies",
        subject.policies.len()
    );
    let config = LintConfig::default();
    let catalog = warden_catalog::Catalog::embedded();
    let options = LintOptions {
        catalog,
        config: &config,
        today: crate::fixture_tests::today(),
    };
    let findings = crate::lint(&subject, &options);
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &findings {
        *by_rule.entry(finding.rule.as_str()).or_default() += 1;
    }
    // Counts per rule, for comparing runs (`-- --nocapture`).
    for (rule, count) in &by_rule {
        eprintln!("{rule} {count}");
    }
    if let Ok(wanted) = std::env::var("WARDEN_CORPUS_RULE") {
        for finding in findings.iter().filter(|finding| finding.rule == wanted) {
            eprintln!("{}: {}", finding.file, finding.message);
        }
    }
    // Star-only actions are never reported for `Resource: "*"`.
    let star_only = [
        "ecr:GetAuthorizationToken",
        "sts:GetCallerIdentity",
        "s3:ListAllMyBuckets",
    ];
    let noisy: Vec<_> = findings
        .iter()
        .filter(|finding| {
            finding.rule == "WL301"
                && star_only
                    .iter()
                    .any(|action| finding.message.contains(&format!("`{action}`")))
        })
        .collect();
    assert!(noisy.is_empty(), "star-only actions flagged: {noisy:#?}");
    // No rule fires more than twice per policy on average: none is noise on real policies.
    for (rule, count) in &by_rule {
        assert!(
            *count < subject.policies.len() * 2,
            "{rule} fires {count} times on {} policies",
            subject.policies.len()
        );
    }
    // AdministratorAccess is the canonical `*` on `*`.
    assert!(
        findings.iter().any(|finding| finding.rule == "WL202"
            && finding.principal.as_deref() == Some("AdministratorAccess")),
        "AdministratorAccess not reported by WL202"
    );
}
