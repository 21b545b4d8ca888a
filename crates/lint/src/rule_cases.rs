//! Edge cases of individual rules beyond their fixtures: severities that depend on conditions,
//! combinations across a role's policies, and exception scopes.

use serde_json::{Value, json};

use crate::subject::{
    AttachedPolicy, Exception, Location, PolicyKind, PolicySubject, RoleSubject, Subject,
};
use crate::{Finding, LintConfig, LintOptions, Severity};

fn policy(kind: PolicyKind, document: &Value) -> PolicySubject {
    PolicySubject::from_value("case", kind, Location::file("case.json"), document).unwrap()
}

fn lint_subject(subject: &Subject) -> Vec<Finding> {
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: warden_catalog::Catalog::embedded(),
        config: &config,
        today: crate::fixture_tests::today(),
    };
    crate::lint(subject, &options)
}

fn lint_one(kind: PolicyKind, statement: Value) -> Vec<Finding> {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]});
    lint_subject(&Subject {
        policies: vec![policy(kind, &document)],
        ..Subject::default()
    })
}

fn severities(findings: &[Finding], rule: &str) -> Vec<Severity> {
    findings
        .iter()
        .filter(|finding| finding.rule == rule)
        .map(|finding| finding.severity)
        .collect()
}

#[test]
fn resource_star_severity_follows_access_level_and_scoping_conditions() {
    let write = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "W", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*"}),
    );
    assert_eq!(severities(&write, "WL301"), [Severity::Error]);
    let read = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "R", "Effect": "Allow", "Action": "sqs:GetQueueAttributes", "Resource": "*"}),
    );
    assert_eq!(severities(&read, "WL301"), [Severity::Warning]);
    let scoped = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "T", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*",
               "Condition": {"StringEquals": {"aws:ResourceTag/team": "orders"}}}),
    );
    assert_eq!(severities(&scoped, "WL301"), [Severity::Info]);
    // A negated condition does not scope anything.
    let negated = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "N", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "orders"}}}),
    );
    assert_eq!(severities(&negated, "WL301"), [Severity::Error]);
    // Deny, boundaries and SCPs are not grants.
    let deny = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "D", "Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}),
    );
    assert!(severities(&deny, "WL301").is_empty());
    let boundary = lint_one(
        PolicyKind::Boundary,
        json!({"Sid": "B", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*"}),
    );
    assert!(severities(&boundary, "WL301").is_empty());
}

#[test]
fn oidc_subject_breadth_decides_severity() {
    let github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    let trust = |condition: Value| {
        lint_one(
            PolicyKind::Trust,
            json!({"Sid": "Gh", "Effect": "Allow", "Principal": {"Federated": github},
                   "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}),
        )
    };
    let aud = "token.actions.githubusercontent.com:aud";
    let sub = "token.actions.githubusercontent.com:sub";
    let no_sub = trust(json!({"StringEquals": {aud: "sts.amazonaws.com"}}));
    assert_eq!(severities(&no_sub, "WL503"), [Severity::Error]);
    let every_ref = trust(
        json!({"StringEquals": {aud: "sts.amazonaws.com"}, "StringLike": {sub: "repo:acme/app:*"}}),
    );
    assert_eq!(severities(&every_ref, "WL503"), [Severity::Warning]);
    let no_aud = trust(json!({"StringEquals": {sub: "repo:acme/app:environment:prod"}}));
    assert_eq!(severities(&no_aud, "WL503"), [Severity::Error]);
    assert!(
        no_aud
            .iter()
            .any(|finding| finding.message.contains(":aud"))
    );
    // SAML federation has neither claim.
    let saml = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Saml", "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
               "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}),
    );
    assert!(severities(&saml, "WL503").is_empty());
}

#[test]
fn same_account_principal_needs_no_external_id() {
    let document = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]});
    let mut subject = Subject {
        policies: vec![policy(PolicyKind::Trust, &document)],
        ..Subject::default()
    };
    assert_eq!(
        severities(&lint_subject(&subject), "WL501"),
        [Severity::Error],
        "unknown own account"
    );
    subject.account = Some("111122223333".into());
    assert!(severities(&lint_subject(&subject), "WL501").is_empty());
}

#[test]
fn pass_role_with_compute_is_escalation_across_a_roles_policies() {
    // Passing any role (a wildcard) to EC2: passing named roles is a reviewed design.
    let pass = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": "arn:aws:iam::111122223333:role/*", "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]});
    let run = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:eu-west-1:111122223333:instance/*"}]});
    let mut role = RoleSubject::new("builder", Location::new("roles.yaml", 3, 1));
    role.boundary = Some("arn:aws:iam::111122223333:policy/boundary".into());
    role.inline.push(policy(PolicyKind::Identity, &pass));
    role.managed.push(AttachedPolicy {
        name: "run".into(),
        arn: "arn:aws:iam::111122223333:policy/run".into(),
        document: Some(policy(PolicyKind::Identity, &run)),
    });
    let findings = lint_subject(&Subject {
        roles: vec![role.clone()],
        ..Subject::default()
    });
    let escalation: Vec<_> = findings
        .iter()
        .filter(|finding| finding.rule == "WL602")
        .collect();
    assert_eq!(escalation.len(), 1, "{findings:#?}");
    assert_eq!(
        (escalation[0].file.as_str(), escalation[0].line),
        ("roles.yaml", 3)
    );
    assert!(escalation[0].message.contains("`ec2:RunInstances`"));
    role.managed.clear();
    let alone = lint_subject(&Subject {
        roles: vec![role],
        ..Subject::default()
    });
    assert!(
        alone.iter().all(|finding| finding.rule != "WL602"),
        "{alone:#?}"
    );
}

#[test]
fn set_operators_on_single_valued_keys_are_reported() {
    let findings = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "Regions", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*",
               "Condition": {"ForAllValues:StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}),
    );
    assert_eq!(
        severities(&findings, "WL402"),
        [Severity::Warning],
        "{findings:#?}"
    );
}

#[test]
fn an_exception_without_sid_covers_its_principal_only() {
    let document = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "*"}]});
    let exception = |principal: &str| Exception {
        rule: "WL301".into(),
        sid: None,
        reason: "queues are created at runtime".into(),
        owner: "platform".into(),
        expires: warden_policy::date::parse_day("2027-01-01").unwrap(),
        principal: Some(principal.into()),
        location: Location::new("case.yaml", 9, 3),
    };
    let subject = |principal: &str| Subject {
        policies: vec![policy(PolicyKind::Identity, &document)],
        exceptions: vec![exception(principal)],
        ..Subject::default()
    };
    let covered = lint_subject(&subject("case"));
    let star: Vec<_> = covered
        .iter()
        .filter(|finding| finding.rule == "WL301")
        .collect();
    assert_eq!(star.len(), 2);
    assert!(star.iter().all(|finding| finding.excepted.is_some()));
    let elsewhere = lint_subject(&subject("other"));
    assert!(
        elsewhere
            .iter()
            .filter(|finding| finding.rule == "WL301")
            .all(Finding::is_active)
    );
    assert!(elsewhere.iter().any(|finding| finding.rule == "WL705"));
}

#[test]
fn service_linked_roles_trust_is_not_a_confused_deputy() {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Config", "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let mut role = RoleSubject::new(
        "AWSServiceRoleForConfig",
        Location::new("export.json", 3, 1),
    );
    role.trust = Some(policy(PolicyKind::Trust, &trust));
    let subject = |role: RoleSubject| Subject {
        roles: vec![role],
        ..Subject::default()
    };
    let plain = lint_subject(&subject(role.clone()));
    assert!(
        plain.iter().any(|finding| finding.rule == "WL502"),
        "{plain:#?}"
    );
    role.path = "/aws-service-role/config.amazonaws.com/".into();
    role.service_linked = true;
    let linked = lint_subject(&subject(role));
    assert!(
        linked.iter().all(|finding| finding.rule != "WL502"),
        "{linked:#?}"
    );
}

/// A user whose two groups' policies together escalate is reported, as a role holding the same
/// two policies is; neither policy alone is.
#[test]
fn users_are_judged_with_their_groups_policies() {
    let export = json!({
        "GroupDetailList": [
            {"GroupName": "passers", "GroupPolicyList": [{"PolicyName": "pass", "PolicyDocument":
                {"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/*"}]}}]},
            {"GroupName": "builders", "GroupPolicyList": [{"PolicyName": "run", "PolicyDocument":
                {"Version": "2012-10-17", "Statement": [{"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}}]}
        ],
        "UserDetailList": [
            {"UserName": "alice", "GroupList": ["passers", "builders"]},
            {"UserName": "bob", "GroupList": ["builders"]}
        ]
    });
    let subject = crate::export::subject_from_export(
        "export.json",
        &export.to_string(),
        &LintConfig::default(),
    )
    .unwrap();
    assert_eq!(subject.users.len(), 2);
    let findings = lint_subject(&subject);
    let escalation: Vec<_> = findings
        .iter()
        .filter(|finding| finding.rule == "WL602")
        .collect();
    assert_eq!(escalation.len(), 1, "{findings:#?}");
    assert_eq!(escalation[0].principal.as_deref(), Some("alice"));
    assert!(
        escalation[0]
            .message
            .contains("`ec2-run-instances-pass-role`"),
        "{}",
        escalation[0].message
    );
}

#[test]
fn paired_keys_want_an_owner_beside_an_account_less_source_arn() {
    let trust = |condition: Value| {
        lint_one(
            PolicyKind::Trust,
            json!({"Sid": "S3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                   "Action": "sts:AssumeRole", "Condition": condition}),
        )
    };
    let bucket_only = trust(json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}));
    assert_eq!(severities(&bucket_only, "WL405"), [Severity::Warning]);
    let with_account = trust(json!({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"},
                                    "StringEquals": {"aws:SourceAccount": "111122223333"}}));
    assert!(severities(&with_account, "WL405").is_empty());
    let owned_arn =
        trust(json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:topic"}}));
    assert!(severities(&owned_arn, "WL405").is_empty());
}

#[test]
fn wildcard_and_private_range_checks_follow_the_operator() {
    let with = |condition: Value| {
        lint_one(
            PolicyKind::Identity,
            json!({"Sid": "C", "Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": condition}),
        )
    };
    // `ArnEquals` matches wildcards, unlike `StringEquals`.
    let arn = with(json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}));
    assert!(severities(&arn, "WL404").is_empty());
    let not_equals = with(json!({"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "ops-?"}}));
    assert_eq!(severities(&not_equals, "WL404"), [Severity::Warning]);
    let private = with(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "fd12::/16"]}}));
    assert_eq!(severities(&private, "WL406"), [Severity::Error]);
    let public = with(json!({"NotIpAddress": {"aws:SourceIp": "0.0.0.0/0"}}));
    assert!(severities(&public, "WL406").is_empty());
}
