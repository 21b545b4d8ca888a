//! Catalog timings: the cold first lookup of this process, then criterion benchmarks of index
//! building, lazy parsing, lookups and wildcard expansion.
//!
//! `cargo bench -p warden-catalog` (release profile).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use warden_catalog::{Catalog, EMBEDDED};

fn main() {
    // Must run first: measures what a CLI invocation pays on its first catalog access.
    let started = Instant::now();
    let catalog = Catalog::embedded();
    let indexed = started.elapsed();
    let found = catalog
        .action("s3:GetObject")
        .map(|action| action.name.len());
    let first_lookup = started.elapsed();
    let all = catalog.expand("*").map(|actions| actions.len());
    let expand_cold = started.elapsed() - first_lookup;
    eprintln!(
        "cold process: index {indexed:.2?}, first lookup (s3:GetObject) total {first_lookup:.2?}, \
         then first `*` expansion {expand_cold:.2?} ({all:?} actions, lookup {found:?})"
    );

    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}

fn benches(c: &mut Criterion) {
    c.bench_function("index only (Catalog::lazy)", |b| {
        b.iter(|| {
            black_box(Catalog::lazy(EMBEDDED).map(|catalog| catalog.service_prefixes().count()))
        })
    });
    c.bench_function("index + first lookup s3:GetObject", |b| {
        b.iter(|| {
            let catalog = Catalog::lazy(EMBEDDED).ok();
            black_box(catalog.map(|catalog| catalog.action("s3:GetObject").is_ok()))
        })
    });
    c.bench_function(
        "index + first lookup ec2:RunInstances (largest service)",
        |b| {
            b.iter(|| {
                let catalog = Catalog::lazy(EMBEDDED).ok();
                black_box(catalog.map(|catalog| catalog.action("ec2:RunInstances").is_ok()))
            })
        },
    );
    c.bench_function("index + parse every service", |b| {
        b.iter(|| black_box(Catalog::lazy(EMBEDDED).map(|catalog| catalog.counts())))
    });

    let catalog = Catalog::embedded();
    c.bench_function("expand * (warm)", |b| {
        b.iter(|| black_box(catalog.expand("*").map(|actions| actions.len())))
    });
    c.bench_function("expand *:Describe* (warm)", |b| {
        b.iter(|| black_box(catalog.expand("*:Describe*").map(|actions| actions.len())))
    });
    c.bench_function("expand s3:Get* (warm)", |b| {
        b.iter(|| black_box(catalog.expand("s3:Get*").map(|actions| actions.len())))
    });
    c.bench_function("action lookup s3:getobject (warm)", |b| {
        b.iter(|| black_box(catalog.action(black_box("s3:getobject")).is_ok()))
    });
    let Ok(get_object) = catalog.action("s3:GetObject") else {
        return;
    };
    c.bench_function("resource_types_for_arn s3:GetObject", |b| {
        b.iter(|| {
            black_box(
                catalog
                    .resource_types_for_arn(get_object, "arn:aws:s3:::bucket/key")
                    .len(),
            )
        })
    });
    c.bench_function("condition_key_valid aws:PrincipalTag/team", |b| {
        b.iter(|| black_box(catalog.condition_key_valid(get_object, "aws:PrincipalTag/team")))
    });
}
