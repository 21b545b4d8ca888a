//! Benchmarks of offline evaluation (`cargo xtask bench simulate-batch`, `bench who-can`):
//! `simulate --batch` throughput, the evaluation core (requests built once, decided on all
//! cores) apart from end to end (JSON Lines parsed, decided, written), and who-can over a
//! synthetic organization. Figures are min / median / max over several runs.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use warden_access::{AccessModel, Principal, PrincipalKind};
use warden_eval::{CompiledPolicySet, LabeledPolicy, PolicySet, Request};
use warden_policy::{Arn, Partition, PolicyDocument};

use crate::err::AppError;

/// The account of the batch bench's requests.
const ACCOUNT: &str = "111122223333";

/// Timed runs of each measurement.
const RUNS: usize = 5;

fn doc(json: &str) -> Result<PolicyDocument, AppError> {
    warden_policy::parse_policy(json)
        .map_err(|errors| AppError::Policy(format!("benchmark policy: {errors}")))
}

/// A deterministic pseudo-random sequence (the same lines every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % below.max(1)
    }
}

/// The policies every line is decided against: two identity policies (one with conditions),
/// a permissions boundary and three SCP levels, as a deployed workload role has.
fn base_set() -> Result<PolicySet, AppError> {
    let identity = [
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Data","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data-*","arn:aws:s3:::data-*/*"]},
            {"Sid":"Queues","Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"arn:aws:sqs:*:111122223333:app-*"},
            {"Sid":"Tables","Effect":"Allow","Action":"dynamodb:*Item","Resource":"arn:aws:dynamodb:*:111122223333:table/app-*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Keys","Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}},
            {"Sid":"NoDeletes","Effect":"Deny","Action":"s3:Delete*","Resource":"*"},
            {"Sid":"Office","Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#,
    ];
    let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*","dynamodb:*","kms:*","ec2:Describe*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
    let full =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let guard = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]},"Null":{"aws:RequestedRegion":"false"}}}]}"#;
    let labeled = |label: &str, json: &str| -> Result<LabeledPolicy, AppError> {
        Ok(LabeledPolicy::new(label, doc(json)?))
    };
    Ok(PolicySet {
        identity: vec![
            labeled("inline:data", identity[0])?,
            labeled("inline:runtime", identity[1])?,
        ],
        permissions_boundary: Some(labeled("boundary", boundary)?),
        scps: vec![
            vec![
                labeled("FullAWSAccess", full)?,
                labeled("region-guard", guard)?,
            ],
            vec![labeled("FullAWSAccess", full)?],
            vec![labeled("FullAWSAccess", full)?],
        ],
        ..PolicySet::default()
    })
}

/// `lines` JSON Lines requests: 200 principals, 12 actions, 1,000 resources, one line in four
/// with a context (region, source IP).
fn batch_lines(lines: usize) -> String {
    let actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "sqs:SendMessage",
        "sqs:DeleteQueue",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "kms:Decrypt",
        "ec2:DescribeInstances",
        "iam:CreateRole",
        "sts:GetCallerIdentity",
    ];
    let mut random = Lcg(7);
    let mut text = String::with_capacity(lines * 180);
    for _ in 0..lines {
        let principal = random.next(200);
        let action = actions[random.next(actions.len())];
        let n = random.next(1000);
        let resource = match action.split(':').next() {
            Some("s3") => Arn::s3_object(
                Partition::Aws,
                &format!("data-{}", n % 17),
                &format!("reports/{n}.csv"),
            )
            .to_string(),
            Some("sqs") => Arn::new(
                Partition::Aws,
                "sqs",
                "eu-west-1",
                ACCOUNT,
                &format!("app-{n}"),
            )
            .to_string(),
            Some("dynamodb") => {
                let table = format!("table/app-{n}");
                Arn::new(Partition::Aws, "dynamodb", "us-east-1", ACCOUNT, &table).to_string()
            }
            Some("kms") => Arn::new(
                Partition::Aws,
                "kms",
                "eu-west-1",
                ACCOUNT,
                &format!("key/k-{n}"),
            )
            .to_string(),
            _ => "*".to_string(),
        };
        let context = match random.next(4) {
            0 => r#","context":{"aws:SourceIp":"203.0.113.9","aws:RequestedRegion":"eu-west-1"}"#,
            _ => "",
        };
        let _ = writeln!(
            text,
            r#"{{"principal":"arn:aws:iam::111122223333:role/app-{principal}","action":"{action}","resource":"{resource}"{context}}}"#
        );
    }
    text
}

/// min / median / max of `runs` timings of `work`, which returns the decisions it made.
fn timed(runs: usize, mut work: impl FnMut() -> usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut decisions = 0;
    for _ in 0..runs {
        let started = Instant::now();
        decisions = std::hint::black_box(work());
        times.push(started.elapsed());
    }
    times.sort();
    (times, decisions)
}

fn rate_line(what: &str, times: &[Duration], decisions: usize) -> String {
    let rate = |d: &Duration| decisions as f64 / d.as_secs_f64().max(1e-9);
    let (Some(fast), Some(slow)) = (times.first(), times.last()) else {
        return format!("{what}: no runs\n");
    };
    let median = &times[times.len() / 2];
    format!(
        "{what}: {:.2} M decisions/s median (min {:.2}, max {:.2}); {:.0} ms median for {decisions} decisions\n",
        rate(median) / 1e6,
        rate(slow) / 1e6,
        rate(fast) / 1e6,
        median.as_secs_f64() * 1e3,
    )
}

/// `simulate --batch` over `lines` generated requests against one compiled policy set.
pub fn simulate_batch(lines: usize) -> Result<String, AppError> {
    let set = base_set()?;
    let text = batch_lines(lines);
    let mut report = format!(
        "simulate --batch: {lines} JSON Lines ({:.1} MB), one policy set (2 identity policies, a boundary, 3 SCP levels), {} threads\n",
        text.len() as f64 / 1e6,
        threads()
    );
    // The evaluation core: requests built once, decided on all cores.
    let compiled = CompiledPolicySet::compile(&set);
    let requests: Vec<Request> = text
        .lines()
        .filter_map(warden_eval::batch::parse_line)
        .collect();
    let (times, decisions) = timed(RUNS, || compiled.decide_all(&requests).len());
    report.push_str(&rate_line("  evaluation core", &times, decisions));
    // End to end: parse every line, decide, write the output lines.
    let (times, decisions) = timed(RUNS, || {
        let output = warden_eval::batch::run_batch("bench.jsonl", &text, Some(&set));
        output.decisions
    });
    report.push_str(&rate_line(
        "  end to end (parse, decide, write)",
        &times,
        decisions,
    ));
    Ok(report)
}

/// A synthetic organization: `accounts` × `roles` roles, each with two identity policies, a
/// boundary and three SCP levels; one role in ten reads the shared reports bucket. With
/// `trusts`, every role trusts its account (one in five Lambda instead), role 2 of each account
/// is an administrator and role 1 a deployer, both without boundary, the deployer allowed to
/// assume and pass every role of its account: the searches then have edges to follow.
fn organization(accounts: usize, roles: usize, trusts: bool) -> Result<AccessModel, AppError> {
    let set = base_set()?;
    let mut principals = Vec::with_capacity(accounts * roles);
    for a in 0..accounts {
        let account = format!("{:012}", 100_000_000_000u64 + a as u64);
        for r in 0..roles {
            let name = format!("role-{r}");
            let mut policies = set.clone();
            if r % 10 == 0 {
                policies.identity.push(LabeledPolicy::new(
                    "inline:reports",
                    doc(
                        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Reports","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#,
                    )?,
                ));
            }
            let mut trust = None;
            if trusts {
                let root = Arn::account_root(Partition::Aws, &account).to_string();
                let principal = if r % 5 == 0 {
                    r#"{"Service":"lambda.amazonaws.com"}"#.to_string()
                } else {
                    format!(r#"{{"AWS":"{root}"}}"#)
                };
                trust = Some(LabeledPolicy::new(
                    format!("trust:{name}"),
                    doc(&format!(
                        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
                    ))?,
                ));
                if r == 2 {
                    policies.permissions_boundary = None;
                    policies.identity.push(LabeledPolicy::new(
                        "inline:admin",
                        doc(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}]}"#)?,
                    ));
                }
                if r == 1 {
                    let every_role = Arn::role(Partition::Aws, &account, "/", "*").to_string();
                    policies.permissions_boundary = None;
                    policies.identity.push(LabeledPolicy::new(
                        "inline:deploy",
                        doc(&format!(
                            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Deploy","Effect":"Allow","Action":["sts:AssumeRole","iam:PassRole"],"Resource":"{every_role}"}},{{"Sid":"Functions","Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}]}}"#
                        ))?,
                    ));
                }
            }
            principals.push(Principal {
                arn: Arn::role(Partition::Aws, &account, "/", &name).to_string(),
                name,
                kind: PrincipalKind::Role,
                account_id: account.clone(),
                account_name: format!("account-{a}"),
                partition: Partition::Aws,
                tags: Vec::new(),
                management: false,
                policies,
                trust,
                attached_policy_arns: Vec::new(),
                unresolved: Vec::new(),
                groups: Vec::new(),
                policy_versions: Vec::new(),
            });
        }
    }
    Ok(AccessModel::new("o-bench", principals))
}

/// who-can `s3:GetObject` on an object of a bucket whose policy admits the organization, over
/// `accounts` × `roles` principals.
pub fn who_can(accounts: usize, roles: usize) -> Result<String, AppError> {
    let started = Instant::now();
    let model = organization(accounts, roles, false)?;
    let built = started.elapsed();
    let bucket = LabeledPolicy::new(
        "bucket:reports",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-bench"}}}]}"#,
        )?,
    );
    let actions = vec!["s3:GetObject".to_string()];
    let mut allowed = 0;
    let (times, _) = timed(RUNS, || {
        let answer = warden_access::who_can(
            &model,
            &actions,
            "arn:aws:s3:::reports/q3.csv",
            Some("100000000000"),
            Some(&bucket),
        );
        allowed = answer.map(|a| a.entries.len()).unwrap_or(0);
        model.principals.len()
    });
    let started = Instant::now();
    let paths =
        warden_access::paths(&model, warden_access::Goal::Admin, None).map_or(0, |p| p.len());
    let paths_time = started.elapsed();
    // The same organization with trust policies and a deployer per account: edges everywhere.
    let trusting = organization(accounts, roles, true)?;
    let started = Instant::now();
    let trusting_paths =
        warden_access::paths(&trusting, warden_access::Goal::Admin, None).map_or(0, |p| p.len());
    let trusting_time = started.elapsed();
    let ms = |d: &Duration| d.as_secs_f64() * 1e3;
    let (Some(fast), Some(slow)) = (times.first(), times.last()) else {
        return Ok(String::new());
    };
    Ok(format!(
        "who-can: {} principals ({accounts} accounts × {roles} roles), model built and compiled in {:.0} ms, {} threads\n  who-can s3:GetObject on a bucket object: {:.0} ms median (min {:.0}, max {:.0}); {allowed} principals allowed\n  paths --to admin over every principal (one run): {:.0} ms, {paths} paths\n  the same with trust policies and a deployer per account (one run): {:.0} ms, {trusting_paths} paths\n",
        model.principals.len(),
        ms(&built),
        threads(),
        ms(&times[times.len() / 2]),
        ms(fast),
        ms(slow),
        ms(&paths_time),
        ms(&trusting_time),
    ))
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
