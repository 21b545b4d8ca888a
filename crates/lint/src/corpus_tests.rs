//! Corpus test: lint the 1,582 AWS managed policies in parallel, print the wall time and the
//! rules that fire most, and check rules are not noisy where they must not be.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

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
fn aws_managed_policies_lint_in_parallel_without_noise() {
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
    // Warm the catalog's lazily parsed services so the figure is the linter's own.
    let _ = crate::lint(&subject, &options);
    let start = Instant::now();
    let findings = crate::lint(&subject, &options);
    let elapsed = start.elapsed();
    let statements: usize = subject
        .policies
        .iter()
        .map(|policy| policy.document.statements.len())
        .sum();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &findings {
        *by_rule.entry(finding.rule.as_str()).or_default() += 1;
    }
    let mut top: Vec<_> = by_rule.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    eprintln!(
        "linted {} policies ({statements} statements) in {:.1} ms on {} threads: {} findings",
        subject.policies.len(),
        elapsed.as_secs_f64() * 1e3,
        rayon::current_num_threads(),
        findings.len()
    );
    for (rule, count) in &top {
        let name = crate::registry::by_id(rule).map_or("", |meta| meta.name);
        eprintln!("  {rule} {name:<32} {count}");
    }
    if std::env::var_os("WARDEN_LINT_SAMPLES").is_some() {
        for rule in [
            "WL901", "WL204", "WL205", "WL402", "WL303", "WL401", "WL302", "WL203",
        ] {
            for finding in findings
                .iter()
                .filter(|finding| finding.rule == rule)
                .take(6)
            {
                eprintln!("{rule} {:?}: {}", finding.principal, finding.message);
            }
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
    // Every rule that fires on the corpus fires on a minority of policies (no rule is noise).
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

/// `WARDEN_LINT_PROFILE=1`: time each rule alone over the corpus, on one thread.
#[test]
fn profile_rules_on_the_corpus_when_asked() {
    if std::env::var_os("WARDEN_LINT_PROFILE").is_none() {
        return;
    }
    let subject = corpus_subject();
    let config = LintConfig::default();
    let catalog = warden_catalog::Catalog::embedded();
    let env = crate::rule::Env::new(catalog, &config, crate::fixture_tests::today(), None);
    for rule in crate::registry::all() {
        let start = Instant::now();
        let mut out = Vec::new();
        for policy in &subject.policies {
            let cx = crate::rule::DocumentCx::new(&env, policy, None);
            rule.check_document(&cx, &mut out);
        }
        eprintln!(
            "{} {:>8.1} ms",
            rule.meta().id,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
