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

/// Lints policy text as a file would be, so findings carry line and column.
fn lint_text(text: &str) -> Vec<Finding> {
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: warden_catalog::Catalog::embedded(),
        config: &config,
        today: crate::fixture_tests::today(),
    };
    crate::lint_policy_text("case.json", text, Some(PolicyKind::Identity), &options)
        .unwrap_or_else(|err| err.findings())
}

/// `(rule, line, column, message)` of the findings of `rule`.
fn positioned(findings: &[Finding], rule: &str) -> Vec<(u32, u32, String)> {
    findings
        .iter()
        .filter(|finding| finding.rule == rule)
        .map(|finding| (finding.line, finding.column, finding.message.clone()))
        .collect()
}

#[test]
fn empty_lists_are_invalid_documents_at_their_position_and_empty_conditions_are_wl904() {
    let action = lint_text(
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": [], \"Resource\": \"*\"}]}",
    );
    assert_eq!(
        positioned(&action, "WL104"),
        [(
            2,
            33,
            "`Statement[0].Action`: list must not be empty".to_string()
        )],
        "{action:#?}"
    );
    let resource = lint_text(
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": []}]}",
    );
    assert_eq!(
        positioned(&resource, "WL104"),
        [(
            2,
            61,
            "`Statement[0].Resource`: list must not be empty".to_string()
        )],
        "{resource:#?}"
    );
    let values = lint_text(
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\",\n   \"Condition\": {\"StringEquals\": {\"aws:SourceVpc\": []}}}]}",
    );
    assert_eq!(
        positioned(&values, "WL104"),
        [(
            3,
            52,
            "`Statement[0].Condition.StringEquals.aws:SourceVpc`: list must not be empty"
                .to_string()
        )],
        "{values:#?}"
    );
    // Empty objects are grammar; WL904 reports them at the statement.
    for condition in ["{}", "{\"StringEquals\": {}}"] {
        let text = format!(
            "{{\"Version\": \"2012-10-17\", \"Statement\": [\n  {{\"Sid\": \"E\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\",\n   \"Resource\": \"arn:aws:s3:::b/*\", \"Condition\": {condition}}}]}}"
        );
        let found = lint_text(&text);
        assert!(positioned(&found, "WL104").is_empty(), "{found:#?}");
        let empty = positioned(&found, "WL904");
        assert_eq!(empty.len(), 1, "{found:#?}");
        assert_eq!((empty[0].0, empty[0].1), (2, 3));
    }
}

#[test]
fn redundant_statements_are_only_claimed_when_proven() {
    let document = |statements: Value| {
        lint_subject(&Subject {
            policies: vec![policy(
                PolicyKind::Identity,
                &json!({"Version": "2012-10-17", "Statement": statements}),
            )],
            ..Subject::default()
        })
    };
    let redundant = |found: &[Finding]| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.rule == "WL903" && f.message.contains("is redundant"))
            .map(|f| f.sid.clone().unwrap_or_default())
            .collect()
    };
    // Identical: only the later one; a narrower one whatever its place.
    let found = document(json!([
        {"Sid": "Narrow", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x"},
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "B", "Effect": "Allow", "Action": ["s3:list*", "s3:get*"], "Resource": "arn:aws:s3:::b/*"}
    ]));
    assert_eq!(redundant(&found), ["B", "Narrow"], "{found:#?}");
    // The same conditions written in another order cover; different values do not.
    let found = document(json!([
        {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}, "Bool": {"aws:SecureTransport": "true"}}},
        {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"AWS:SOURCEVPC": ["vpc-2", "vpc-1"]}}},
        {"Sid": "C", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}, "Bool": {"aws:SecureTransport": "true"}}}
    ]));
    assert_eq!(redundant(&found), ["B"], "{found:#?}");
    // A condition on one side only, another effect, `*` against `?`, case of resources,
    // variables: nothing is claimed (`a?c` is covered by `a*c`; the reverse is not).
    let found = document(json!([
        {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Sid": "C", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "D", "Effect": "Allow", "Action": "ec2:a?c", "Resource": "*"},
        {"Sid": "E", "Effect": "Allow", "Action": "ec2:a*c", "Resource": "*"},
        {"Sid": "F", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/x"},
        // (A policy variable in the ARN, written in two pieces for tidy's ARN check.)
        {"Sid": "G", "Effect": "Allow", "Action": "s3:GetObject", "Resource": (["arn:aws:s3:::b/", "${aws:username}"].concat())}
    ]));
    assert_eq!(redundant(&found), ["D"], "{found:#?}");
    // NotAction: excluding more is covered by excluding less; `Action: *` covers it.
    let found = document(json!([
        {"Sid": "A", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
        {"Sid": "B", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"},
        {"Sid": "C", "Effect": "Deny", "NotAction": "sts:*", "Resource": "*"}
    ]));
    assert_eq!(redundant(&found), ["B"], "{found:#?}");
}

#[test]
fn new_condition_checks_point_at_the_condition_key() {
    let text = "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"K\", \"Effect\": \"Allow\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\",\n   \"Condition\": {\"StringEquals\": {\"kms:ViaService\": \"s3.amazonaws.com\",\n                                  \"aws:RequestTag/\": \"x\"},\n                 \"IpAddress\": {\"aws:SourceIp\": [\"203.0.113.0/24\", \"10.0.0.0/7\"]}}}]}";
    let found = lint_text(text);
    let service = positioned(&found, "WL507");
    assert_eq!(service.len(), 1, "{found:#?}");
    assert_eq!((service[0].0, service[0].1), (3, 35));
    assert!(
        service[0].2.contains("`<service>.<region>.amazonaws.com`"),
        "{service:?}"
    );
    let tag = positioned(&found, "WL407");
    assert_eq!(tag.len(), 1, "{found:#?}");
    assert_eq!((tag[0].0, tag[0].1), (4, 35));
    let ip: Vec<_> = found.iter().filter(|f| f.rule == "WL406").collect();
    assert_eq!(ip.len(), 1, "{found:#?}");
    assert_eq!(ip[0].severity, Severity::Warning);
    assert_eq!((ip[0].line, ip[0].column), (5, 32));
    assert!(
        ip[0].message.contains("wider than 10.0.0.0/8"),
        "{}",
        ip[0].message
    );
    // Inside a private block stays an error; `aws:VpcSourceIp` inside one is what it is for.
    let inside = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "V", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
               "Condition": {"IpAddress": {"aws:SourceIp": "10.1.0.0/16", "aws:VpcSourceIp": "10.1.0.0/16"},
                             "StringEquals": {"aws:SourceVpc": "vpc-1"}}}),
    );
    assert_eq!(severities(&inside, "WL406"), [Severity::Error]);
}

#[test]
fn service_principals_in_trust_policies() {
    let trust = |service: Value| {
        lint_one(
            PolicyKind::Trust,
            json!({"Sid": "S", "Effect": "Allow", "Principal": {"Service": service},
                   "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
        )
    };
    assert!(
        severities(
            &trust(json!([
                "ec2.amazonaws.com",
                "states.eu-west-1.amazonaws.com"
            ])),
            "WL507"
        )
        .is_empty()
    );
    // Wildcards are WL504's and WL505's.
    assert!(severities(&trust(json!(["*", "ec2.*"])), "WL507").is_empty());
    assert_eq!(
        severities(
            &trust(json!(["ec2.amazonaws.com", "ec2.amazonaws", "EC2"])),
            "WL507"
        ),
        [Severity::Error, Severity::Error]
    );
}
