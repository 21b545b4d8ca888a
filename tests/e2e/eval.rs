//! Evaluation over the corpus of all AWS managed policies: every policy compiles, well-known
//! policies decide as AWS documents them, and one principal holding many policies decides like
//! the union of its policies.

use std::path::PathBuf;

use serde_json::{Map, Value};
use warden_eval::{CompiledPolicySet, Context, DecisionKind, LabeledPolicy, PolicySet, Request};

fn corpus_path() -> PathBuf {
    match std::env::var_os("WARDEN_CORPUS") {
        Some(path) => PathBuf::from(path),
        None => warden_e2e::workspace_root().join(".warden/corpus/aws-managed-policies.json"),
    }
}

/// All managed policies, parsed; fails (never skips) when the corpus has not been prepared.
fn corpus() -> Vec<LabeledPolicy> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the AWS managed policy corpus at {}: {err}; run `cargo xtask ci` to prepare it (or set WARDEN_CORPUS)",
            path.display()
        )
    });
    let all: Map<String, Value> = serde_json::from_str(&text).expect("corpus is a JSON object");
    assert!(
        all.len() > 1000,
        "corpus has only {} policies; rerun `cargo xtask ci`",
        all.len()
    );
    all.iter()
        .map(|(name, entry)| {
            let document = warden_policy::parse_value(&entry["document"])
                .unwrap_or_else(|errors| panic!("{name}: {errors}"));
            LabeledPolicy::new(name.clone(), document)
        })
        .collect()
}

fn find<'a>(corpus: &'a [LabeledPolicy], name: &str) -> &'a LabeledPolicy {
    corpus
        .iter()
        .find(|policy| policy.label == name)
        .unwrap_or_else(|| panic!("`{name}` not in corpus"))
}

fn request(action: &str, resource: &str) -> Request {
    Request::new(
        "arn:aws:sts::111122223333:assumed-role/Ops/s",
        action,
        resource,
    )
    .expect("valid request")
    .with_context(Context::new())
    .finish()
}

fn decide(policies: &[&LabeledPolicy], request: &Request) -> DecisionKind {
    let set = PolicySet {
        identity: policies.iter().map(|p| (*p).clone()).collect(),
        ..PolicySet::default()
    };
    CompiledPolicySet::compile(&set).decide(request)
}

#[test]
fn every_managed_policy_compiles_without_diagnostics() {
    let corpus = corpus();
    let set = PolicySet {
        identity: corpus,
        ..PolicySet::default()
    };
    let compiled = CompiledPolicySet::compile(&set);
    let diagnostics: Vec<String> = compiled
        .diagnostics()
        .iter()
        .map(|d| format!("{} {}: {}", d.policy, d.statement, d.message))
        .collect();
    assert!(diagnostics.is_empty(), "{}", diagnostics.join("\n"));
}

#[test]
fn well_known_managed_policies_decide_as_documented() {
    let corpus = corpus();
    let admin = find(&corpus, "AdministratorAccess");
    let read_only = find(&corpus, "ReadOnlyAccess");
    let s3_read = find(&corpus, "AmazonS3ReadOnlyAccess");
    let power = find(&corpus, "PowerUserAccess");
    let object = "arn:aws:s3:::bucket/key";
    let cases = [
        (admin, "iam:CreateUser", "*", DecisionKind::Allow),
        (admin, "s3:PutObject", object, DecisionKind::Allow),
        (s3_read, "s3:GetObject", object, DecisionKind::Allow),
        (s3_read, "s3:PutObject", object, DecisionKind::ImplicitDeny),
        (read_only, "ec2:DescribeInstances", "*", DecisionKind::Allow),
        (
            read_only,
            "ec2:TerminateInstances",
            "*",
            DecisionKind::ImplicitDeny,
        ),
        // PowerUserAccess: everything but IAM, Organizations and Account, with exceptions.
        (power, "ec2:RunInstances", "*", DecisionKind::Allow),
        (power, "iam:CreateUser", "*", DecisionKind::ImplicitDeny),
        (
            power,
            "iam:CreateServiceLinkedRole",
            "*",
            DecisionKind::Allow,
        ),
        (
            power,
            "organizations:DescribeOrganization",
            "*",
            DecisionKind::Allow,
        ),
        (
            power,
            "organizations:CreateAccount",
            "*",
            DecisionKind::ImplicitDeny,
        ),
    ];
    for (policy, action, resource, expected) in cases {
        assert_eq!(
            decide(&[policy], &request(action, resource)),
            expected,
            "{} {action} {resource}",
            policy.label
        );
    }
}

/// Identity policies combine as a union: one principal holding a group of policies is allowed
/// exactly when one of them allows and none explicitly denies.
#[test]
fn many_policies_decide_like_their_union() {
    let corpus = corpus();
    let actions = [
        "s3:GetObject",
        "s3:PutObject",
        "ec2:RunInstances",
        "ec2:DescribeInstances",
        "iam:PassRole",
        "iam:CreateRole",
        "kms:Decrypt",
        "lambda:InvokeFunction",
        "cloudwatch:PutMetricData",
        "logs:CreateLogGroup",
        "sts:AssumeRole",
        "organizations:LeaveOrganization",
    ];
    let resources = [
        "*",
        "arn:aws:s3:::bucket/key",
        "arn:aws:iam::111122223333:role/service-role/x",
    ];
    let requests: Vec<Request> = actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| request(a, r)))
        .collect();
    let singles: Vec<CompiledPolicySet> = corpus
        .iter()
        .map(|p| {
            CompiledPolicySet::compile(&PolicySet {
                identity: vec![p.clone()],
                ..PolicySet::default()
            })
        })
        .collect();
    for chunk in (0..corpus.len()).collect::<Vec<_>>().chunks(97) {
        let group = CompiledPolicySet::compile(&PolicySet {
            identity: chunk.iter().map(|&i| corpus[i].clone()).collect(),
            ..PolicySet::default()
        });
        for request in &requests {
            let each: Vec<DecisionKind> =
                chunk.iter().map(|&i| singles[i].decide(request)).collect();
            let expected = if each.contains(&DecisionKind::ExplicitDeny) {
                DecisionKind::ExplicitDeny
            } else if each.contains(&DecisionKind::Allow) {
                DecisionKind::Allow
            } else {
                DecisionKind::ImplicitDeny
            };
            let decision = group.evaluate(request);
            assert_eq!(
                decision.decision,
                expected,
                "{} {}",
                request.action(),
                request.resource()
            );
            assert_eq!(group.decide(request), expected);
        }
    }
}

/// The sample requests under `examples/simulate/` decide as their README says.
#[test]
fn sample_requests_decide_as_documented() {
    let examples = warden_e2e::workspace_root().join("examples/simulate");
    let decide = |file: &str, flags: &[&str]| {
        let flags: Vec<String> = flags.iter().map(ToString::to_string).collect();
        let overrides = warden_eval::ContextOverrides::parse(&flags).unwrap();
        let text = std::fs::read_to_string(examples.join(file)).unwrap();
        let (set, request) = warden_eval::parse_request_file(file, &text, &overrides).unwrap();
        CompiledPolicySet::compile(&set).evaluate(&request).decision
    };
    use DecisionKind::{Allow, ExplicitDeny, ImplicitDeny};
    assert_eq!(decide("cross-account-getobject.json", &[]), Allow);
    assert_eq!(
        decide(
            "cross-account-getobject.json",
            &["aws:SecureTransport=false"]
        ),
        ImplicitDeny
    );
    assert_eq!(decide("region-denied-by-scp.json", &[]), ExplicitDeny);
    assert_eq!(
        decide(
            "region-denied-by-scp.json",
            &["aws:RequestedRegion=eu-west-1"]
        ),
        Allow
    );
}
