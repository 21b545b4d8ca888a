//! Criterion bench: parse and canonicalize every AWS managed policy in the corpus, reported as
//! bytes of policy JSON per second.
//!
//! Reads the corpus from `WARDEN_CORPUS` or `<workspace>/.warden/corpus/aws-managed-policies.json`
//! (prepared by `cargo xtask ci`).

#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "a bench has nothing to measure without a readable corpus"
)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Each managed policy as pretty-printed JSON text (the shape policy files have on disk).
fn corpus_texts() -> Vec<String> {
    let path = std::env::var_os("WARDEN_CORPUS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../.warden/corpus/aws-managed-policies.json")
        },
        PathBuf::from,
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the corpus at {}: {err}; run `cargo xtask ci` to prepare it",
            path.display()
        )
    });
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("corpus is a JSON object");
    all.values()
        .map(|entry| serde_json::to_string_pretty(&entry["document"]).expect("serializable"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = corpus_texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(warden_policy::parse_policy(black_box(text)).expect("parses"));
            }
        })
    });
    let documents: Vec<_> = texts
        .iter()
        .map(|text| warden_policy::parse_policy(text).expect("parses"))
        .collect();
    group.bench_function("canonicalize", |b| {
        b.iter(|| {
            for document in &documents {
                black_box(black_box(document).canonicalize());
            }
        })
    });
    group.bench_function("parse+canonicalize", |b| {
        b.iter(|| {
            for text in &texts {
                let document = warden_policy::parse_policy(black_box(text)).expect("parses");
                black_box(document.into_canonical());
            }
        })
    });
    group.bench_function("serde_json::from_str (baseline)", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(
                    serde_json::from_str::<serde_json::Value>(black_box(text)).expect("json"),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
