//! who-can over a synthetic organization of 500 accounts × 50 roles (25,000 principals), each
//! with two identity policies, a permissions boundary and three SCP levels: the model compiled
//! once, then one who-can query (every principal decided) with a bucket policy.

#![expect(clippy::expect_used, reason = "benchmark fixtures are known-good")]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use warden_access::{AccessModel, Principal, PrincipalKind};
use warden_eval::{LabeledPolicy, PolicySet};
use warden_policy::{Arn, Partition, PolicyDocument};

const ACCOUNTS: usize = 500;
const ROLES: usize = 50;

fn doc(json: &str) -> PolicyDocument {
    warden_policy::parse_policy(json).expect("benchmark policy parses")
}

fn model() -> AccessModel {
    let boundary = LabeledPolicy::new(
        "boundary",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*","logs:*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        ),
    );
    let full = LabeledPolicy::new(
        "FullAWSAccess",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ),
    );
    let guard = LabeledPolicy::new(
        "scp:region-guard",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]},"Null":{"aws:RequestedRegion":"false"}}}]}"#,
        ),
    );
    let mut principals = Vec::with_capacity(ACCOUNTS * ROLES);
    for a in 0..ACCOUNTS {
        let account = format!("{:012}", 100_000_000_000u64 + a as u64);
        for r in 0..ROLES {
            let name = format!("role-{r}");
            let read = if r % 10 == 0 {
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Reports","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::reports/*"}]}"#.to_string()
            } else {
                format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Own","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data-{account}-{r}/*"}}]}}"#
                )
            };
            let queues = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Queues","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:{account}:q-{r}"}}]}}"#
            );
            principals.push(Principal {
                arn: Arn::role(Partition::Aws, &account, "/", &name).to_string(),
                name,
                kind: PrincipalKind::Role,
                account_id: account.clone(),
                account_name: format!("account-{a}"),
                partition: Partition::Aws,
                tags: vec![("Team".into(), format!("t{}", r % 7))],
                management: false,
                policies: PolicySet {
                    identity: vec![
                        LabeledPolicy::new("inline:read", doc(&read)),
                        LabeledPolicy::new("inline:queues", doc(&queues)),
                    ],
                    permissions_boundary: Some(boundary.clone()),
                    scps: vec![
                        vec![full.clone(), guard.clone()],
                        vec![full.clone()],
                        vec![full.clone()],
                    ],
                    ..PolicySet::default()
                },
                trust: None,
                attached_policy_arns: Vec::new(),
                unresolved: Vec::new(),
                groups: Vec::new(),
                policy_versions: Vec::new(),
            });
        }
    }
    AccessModel::new("o-bench", principals)
}

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    let model = model();
    println!(
        "model: {} principals built and compiled in {:.2} s",
        model.principals.len(),
        started.elapsed().as_secs_f64()
    );
    let bucket = LabeledPolicy::new(
        "bucket:reports",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-bench"}}}]}"#,
        ),
    );
    let actions = vec!["s3:GetObject".to_string()];
    let answer = warden_access::who_can(
        &model,
        &actions,
        "arn:aws:s3:::reports/q3.csv",
        Some("100000000000"),
        Some(&bucket),
    )
    .expect("who-can runs");
    println!("who-can: {} principals allowed", answer.entries.len());
    if answer.entries.is_empty() {
        let p = &model.principals[0];
        let session = warden_eval::role_session::RoleSession {
            partition: Partition::Aws,
            account_id: &p.account_id,
            role_name: &p.name,
            role_arn: &p.arn,
            organization_id: "o-bench",
            tags: &p.tags,
            management_account: false,
        };
        let request = session
            .request(
                "s3:GetObject",
                "arn:aws:s3:::reports/q3.csv",
                Some("100000000000"),
                &Default::default(),
            )
            .expect("request");
        let mut set = p.policies.clone();
        set.resource_policy = Some(bucket.clone());
        println!(
            "{}",
            warden_eval::CompiledPolicySet::compile(&set).evaluate(&request)
        );
    }
    let mut group = c.benchmark_group("who_can");
    group.sample_size(10);
    group.bench_function("500x50_one_action", |b| {
        b.iter(|| {
            warden_access::who_can(
                black_box(&model),
                &actions,
                "arn:aws:s3:::reports/q3.csv",
                Some("100000000000"),
                Some(&bucket),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
