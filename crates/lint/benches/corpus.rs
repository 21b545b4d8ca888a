//! Lint benchmark: the 1,582 AWS managed policies linted in parallel (rayon), cold and then
//! under criterion, with the number of findings per rule (a check that rules are not noisy). Reads `WARDEN_CORPUS` or `.warden/corpus/aws-managed-policies.json`.
//!
//! `cargo bench -p warden-lint` (release profile).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::Criterion;
use warden_catalog::Catalog;
use warden_lint::{LintConfig, LintOptions, Location, PolicyKind, PolicySubject, Subject};

fn corpus() -> Subject {
    let path = std::env::var_os("WARDEN_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../.warden/corpus/aws-managed-policies.json")
        },
        PathBuf::from,
    );
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "corpus `{}` is missing: run `cargo xtask ci`, which prepares it",
            path.display()
        );
        std::process::exit(1);
    };
    let Ok(corpus) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
    else {
        eprintln!("corpus `{}` is not a JSON object", path.display());
        std::process::exit(1);
    };
    let policies = corpus
        .iter()
        .filter_map(|(name, entry)| {
            let location = Location::new(format!("aws-managed/{name}"), 1, 1);
            PolicySubject::from_value(name, PolicyKind::Identity, location, &entry["document"]).ok()
        })
        .collect();
    Subject {
        policies,
        ..Subject::default()
    }
}

fn main() {
    let subject = corpus();
    let config = LintConfig::default();
    let Some(today) = warden_policy::date::parse_day("2026-06-01") else {
        return;
    };
    let options = LintOptions {
        catalog: Catalog::embedded(),
        config: &config,
        today,
    };
    let started = Instant::now();
    let findings = warden_lint::lint(&subject, &options);
    eprintln!(
        "cold (catalog services parsed on first use): {} policies, {} findings in {:.1?} on {} threads",
        subject.policies.len(),
        findings.len(),
        started.elapsed(),
        rayon::current_num_threads()
    );
    let mut by_rule = std::collections::BTreeMap::<&str, usize>::new();
    for finding in &findings {
        *by_rule.entry(finding.rule.as_str()).or_default() += 1;
    }
    let mut top: Vec<_> = by_rule.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    eprintln!("findings by rule:");
    for (rule, count) in top {
        let name = warden_lint::registry::by_id(rule).map_or("", |meta| meta.name);
        eprintln!("  {rule} {name:<32} {count}");
    }
    per_rule(&subject, &options);
    let mut criterion = Criterion::default().sample_size(10).configure_from_args();
    criterion.bench_function("lint 1,582 aws managed policies", |b| {
        b.iter(|| black_box(warden_lint::lint(&subject, &options).len()))
    });
    criterion.final_summary();
}

/// Single-threaded time (fastest of five runs) of the shared statement expansion (action patterns → catalog entries)
/// and then of each rule's document check over the whole corpus, slowest first.
fn per_rule(subject: &Subject, options: &LintOptions<'_>) {
    let env = warden_lint::rule::Env::new(options.catalog, options.config, options.today, None);
    let started = Instant::now();
    let cxs: Vec<_> = subject
        .policies
        .iter()
        .map(|policy| {
            let cx = warden_lint::rule::DocumentCx::new(&env, policy, None);
            for index in 0..policy.document.statements.len() {
                black_box(cx.expanded_actions(index));
            }
            cx
        })
        .collect();
    eprintln!("statement expansion: {:.1?}", started.elapsed());
    let mut times = Vec::new();
    for rule in warden_lint::registry::all() {
        // The fastest of five runs: the machine is shared.
        let mut best = std::time::Duration::MAX;
        let mut out = Vec::new();
        for _ in 0..5 {
            out.clear();
            let started = Instant::now();
            for cx in &cxs {
                rule.check_document(cx, &mut out);
            }
            let cx = warden_lint::rule::SubjectCx { env: &env, subject };
            rule.check_subject(&cx, &mut out);
            best = best.min(started.elapsed());
        }
        times.push((best, rule.meta().id, out.len()));
    }
    times.sort_by_key(|(elapsed, _, _)| std::cmp::Reverse(*elapsed));
    for (elapsed, id, findings) in times.iter().take(15) {
        eprintln!("  {id} {elapsed:>10.1?} {findings} findings");
    }
}
