//! Decisions per second: a role with a few policies, a boundary and two SCP levels; and the AWS
//! managed policies corpus as identity policies (one policy per principal, and all at once).

#![expect(clippy::expect_used, reason = "benchmark fixtures are known-good")]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group};
use rayon::prelude::*;
use warden_eval::{CompiledPolicySet, Context, LabeledPolicy, PolicySet, Request};
use warden_policy::PolicyDocument;

const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Deploy/ci";

fn doc(json: &str) -> PolicyDocument {
    warden_policy::parse_policy(json).expect("benchmark policy parses")
}

fn role_set() -> PolicySet {
    let identity = [
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"ReadBuckets","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::artifacts","arn:aws:s3:::artifacts/*"]},
            {"Sid":"WriteOwnPrefix","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::artifacts/${aws:PrincipalTag/team}/*"},
            {"Sid":"DenyInsecure","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"},
            {"Effect":"Allow","Action":["lambda:UpdateFunctionCode","lambda:GetFunction"],"Resource":"arn:aws:lambda:*:111122223333:function:app-*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}},
            {"Effect":"Allow","Action":"cloudwatch:PutMetricData","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}]}"#,
    ];
    let boundary = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:*","ecr:*","lambda:*","logs:*","cloudwatch:*"],"Resource":"*"},
        {"Effect":"Deny","Action":["iam:*","organizations:*"],"Resource":"*"}]}"#;
    let root_scp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1","us-east-1"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrgAdmin"}}}]}"#;
    let ou_scp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["account:*","billing:*"],"Resource":"*"},
        {"Effect":"Deny","Action":["cloudtrail:StopLogging","cloudtrail:DeleteTrail"],"Resource":"*"}]}"#;
    PolicySet {
        identity: identity
            .iter()
            .enumerate()
            .map(|(i, json)| LabeledPolicy::new(format!("identity-{i}"), doc(json)))
            .collect(),
        permissions_boundary: Some(LabeledPolicy::new("boundary", doc(boundary))),
        scps: vec![
            vec![LabeledPolicy::new("root", doc(root_scp))],
            vec![LabeledPolicy::new("ou", doc(ou_scp))],
        ],
        ..PolicySet::default()
    }
}

fn role_requests() -> Vec<Request> {
    let cases = [
        ("s3:GetObject", "arn:aws:s3:::artifacts/blue/app.zip"),
        ("s3:PutObject", "arn:aws:s3:::artifacts/blue/app.zip"),
        ("s3:PutObject", "arn:aws:s3:::artifacts/red/app.zip"),
        ("s3:DeleteBucket", "arn:aws:s3:::artifacts"),
        ("ecr:GetAuthorizationToken", "*"),
        (
            "lambda:UpdateFunctionCode",
            "arn:aws:lambda:eu-west-1:111122223333:function:app-api",
        ),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:eu-west-1:111122223333:log-group:/app:*",
        ),
        ("cloudwatch:PutMetricData", "*"),
        ("iam:CreateRole", "arn:aws:iam::111122223333:role/x"),
        ("ec2:RunInstances", "*"),
    ];
    let regions = ["eu-west-1", "us-west-2", "eu-central-1"];
    let mut requests = Vec::new();
    for (index, (action, resource)) in cases.iter().cycle().take(10_000).enumerate() {
        let mut context = Context::new();
        context.insert("aws:SecureTransport", vec![(index % 7 != 0).to_string()]);
        context.insert(
            "aws:RequestedRegion",
            vec![regions[index % regions.len()].to_string()],
        );
        context.insert("aws:PrincipalTag/team", vec!["blue".to_string()]);
        context.insert(
            "aws:SourceIp",
            vec![
                if index % 2 == 0 {
                    "10.1.2.3"
                } else {
                    "2001:db8::7"
                }
                .to_string(),
            ],
        );
        requests.push(
            Request::new(SESSION, action, resource)
                .expect("valid request")
                .with_context(context)
                .finish(),
        );
    }
    requests
}

fn corpus_path() -> PathBuf {
    match std::env::var_os("WARDEN_CORPUS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.warden/corpus/aws-managed-policies.json"),
    }
}

/// The managed policies of the corpus and a sample of the actions they name.
fn corpus() -> (Vec<LabeledPolicy>, Vec<String>) {
    let path = corpus_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "corpus `{}` is missing: run `cargo xtask ci` (it prepares it) or set WARDEN_CORPUS",
            path.display()
        );
        std::process::exit(2);
    };
    let value: serde_json::Value = serde_json::from_str(&text).expect("corpus is JSON");
    let mut policies = Vec::new();
    let mut actions = Vec::new();
    for (name, entry) in value.as_object().expect("corpus is an object") {
        let Ok(document) = warden_policy::parse_value(&entry["document"]) else {
            continue;
        };
        for statement in &document.statements {
            if let warden_policy::ActionClause::Action(values) = &statement.action {
                actions.extend(
                    values
                        .iter()
                        .filter(|a| !a.contains(['*', '?']) && a.contains(':'))
                        .cloned(),
                );
            }
        }
        policies.push(LabeledPolicy::new(name.clone(), document));
    }
    actions.sort();
    actions.dedup();
    (policies, actions)
}

fn requests_for(actions: &[String], count: usize) -> Vec<Request> {
    let step = (actions.len() / count).max(1);
    actions
        .iter()
        .step_by(step)
        .take(count)
        .map(|action| {
            Request::new(SESSION, action, "arn:aws:s3:::some-bucket/key")
                .expect("valid request")
                .with_context(Context::new())
                .finish()
        })
        .collect()
}

fn bench_role(c: &mut Criterion) {
    let set = CompiledPolicySet::compile(&role_set());
    let requests = role_requests();
    let mut group = c.benchmark_group("role");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("decide_1k", |b| {
        b.iter(|| {
            requests[..1000]
                .iter()
                .filter(|r| set.decide(black_box(r)).is_allow())
                .count()
        })
    });
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("decide", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter(|r| set.decide(black_box(r)).is_allow())
                .count()
        })
    });
    group.bench_function("decide_all_parallel", |b| {
        b.iter(|| {
            set.decide_all(black_box(&requests))
                .iter()
                .filter(|d| d.is_allow())
                .count()
        })
    });
    group.bench_function("evaluate_with_reasons", |b| {
        b.iter(|| {
            requests
                .iter()
                .map(|r| set.evaluate(black_box(r)).reasons.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn bench_corpus(c: &mut Criterion) {
    let (policies, actions) = corpus();
    let requests = requests_for(&actions, 200);
    // One principal per managed policy, each asked the same 200 requests.
    let sets: Vec<CompiledPolicySet> = policies
        .iter()
        .map(|policy| {
            CompiledPolicySet::compile(&PolicySet {
                identity: vec![policy.clone()],
                ..PolicySet::default()
            })
        })
        .collect();
    let all = CompiledPolicySet::compile(&PolicySet {
        identity: policies.clone(),
        ..PolicySet::default()
    });
    let mut group = c.benchmark_group("corpus");
    group.sample_size(20);
    group.throughput(Throughput::Elements((sets.len() * requests.len()) as u64));
    group.bench_function("each_managed_policy", |b| {
        b.iter(|| {
            sets.iter()
                .map(|set| {
                    requests
                        .iter()
                        .filter(|r| set.decide(black_box(r)).is_allow())
                        .count()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("each_managed_policy_parallel", |b| {
        b.iter(|| {
            sets.par_iter()
                .map(|set| {
                    requests
                        .iter()
                        .filter(|r| set.decide(black_box(r)).is_allow())
                        .count()
                })
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("all_managed_policies_at_once", |b| {
        b.iter(|| {
            requests
                .iter()
                .filter(|r| all.decide(black_box(r)).is_allow())
                .count()
        })
    });
    group.finish();
    c.bench_function("corpus/compile_all", |b| {
        b.iter(|| {
            CompiledPolicySet::compile(&PolicySet {
                identity: policies.clone(),
                ..PolicySet::default()
            })
        })
    });
}

/// `simulate --batch`: JSON Lines parsed, requests built and decided against the role's set
/// (given once, as with `--request BASE`), output lines written, on all cores.
fn bench_batch(c: &mut Criterion) {
    let set = role_set();
    let lines: String = role_requests()
        .iter()
        .cycle()
        .take(100_000)
        .map(|request| {
            format!(
                "{{\"principal\":\"{SESSION}\",\"action\":\"{}\",\"resource\":\"{}\",\"context\":{{\"aws:SecureTransport\":\"true\",\"aws:PrincipalTag/team\":\"blue\"}}}}\n",
                request.action(),
                request.resource()
            )
        })
        .collect();
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("jsonl_100k", |b| {
        b.iter(|| warden_eval::batch::run_batch("bench.jsonl", black_box(&lines), Some(&set)))
    });
    group.finish();
}

/// On-CPU nanoseconds of the current thread (`/proc/thread-self/schedstat`): other processes on
/// a shared machine then do not count against the figure.
fn thread_cpu_nanos() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Prints decisions per second of on-CPU time, single thread, for the role and the corpus.
fn cpu_time_figures() {
    let measure = |name: &str, rounds: usize, decide: &dyn Fn() -> usize| {
        let (Some(cpu_start), wall_start) = (thread_cpu_nanos(), std::time::Instant::now()) else {
            return;
        };
        let decisions: usize = (0..rounds).map(|_| decide()).sum();
        let cpu = thread_cpu_nanos()
            .unwrap_or(cpu_start)
            .saturating_sub(cpu_start)
            .max(1);
        let wall = wall_start.elapsed().as_nanos().max(1);
        #[expect(clippy::cast_precision_loss, reason = "a rate for humans")]
        let (per_cpu, per_wall) = (
            decisions as f64 * 1e3 / cpu as f64,
            decisions as f64 * 1e3 / wall as f64,
        );
        println!(
            "{name}: {per_cpu:.2} M decisions/s on-CPU ({per_wall:.2} M/s wall), {decisions} decisions"
        );
    };
    let set = CompiledPolicySet::compile(&role_set());
    let requests = role_requests();
    measure("role, 1k requests", 2000, &|| {
        requests[..1000].iter().fold(0, |n, r| {
            black_box(set.decide(black_box(r)));
            n + 1
        })
    });
    measure("role, 10k requests", 200, &|| {
        requests.iter().fold(0, |n, r| {
            black_box(set.decide(black_box(r)));
            n + 1
        })
    });
    let (policies, actions) = corpus();
    let corpus_requests = requests_for(&actions, 200);
    let sets: Vec<CompiledPolicySet> = policies
        .iter()
        .map(|policy| {
            CompiledPolicySet::compile(&PolicySet {
                identity: vec![policy.clone()],
                ..PolicySet::default()
            })
        })
        .collect();
    measure("corpus, each managed policy", 5, &|| {
        sets.iter()
            .map(|set| {
                corpus_requests.iter().fold(0, |n, r| {
                    black_box(set.decide(black_box(r)));
                    n + 1
                })
            })
            .sum()
    });
    let all = CompiledPolicySet::compile(&PolicySet {
        identity: policies.clone(),
        ..PolicySet::default()
    });
    measure("corpus, all managed policies at once", 2000, &|| {
        corpus_requests.iter().fold(0, |n, r| {
            black_box(all.decide(black_box(r)));
            n + 1
        })
    });
}

criterion_group!(benches, bench_role, bench_corpus, bench_batch);

fn main() {
    cpu_time_figures();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
