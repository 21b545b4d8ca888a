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

/// The Access Analyzer checks of WL108 and WL409–WL414 point at the condition key they judge,
/// and each reports only what its check names.
#[test]
fn access_analyzer_condition_checks_point_at_their_key() {
    let text = "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"C\", \"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\",\n   \"Condition\": {\"Bool\": {\"aws:SecureTransport\": [\"true\", \"false\"]},\n                 \"StringNotEquals\": {\"aws:RequestedRegion\": [\"eu-west-1\", \"mars-east-1\", \"Ireland\"]},\n                 \"NumericGreaterThan\": {\"aws:MultiFactorAuthAge\": \"${aws:PrincipalTag/age}\"},\n                 \"ForAllValues:Null\": {\"aws:TagKeys\": \"true\"},\n                 \"NotIpAddress\": {\"aws:SourceIp\": [\"203.0.113.0/24\", \"198.51.100.9/24\"]},\n                 \"StringNotLike\": {\"aws:PrincipalTag/team\": [\"*\"]}}}]}";
    let found = lint_text(text);
    let at = |rule: &str| -> Vec<(u32, u32)> {
        positioned(&found, rule)
            .into_iter()
            .map(|(line, column, _)| (line, column))
            .collect()
    };
    assert_eq!(at("WL409"), [(3, 27)], "{found:#?}");
    assert_eq!(at("WL410"), [(4, 38)], "{found:#?}");
    let region = &positioned(&found, "WL410")[0].2;
    assert!(
        region.contains("with `mars-east-1`, `Ireland`, not region codes"),
        "{region}"
    );
    assert_eq!(at("WL411"), [(5, 41)], "{found:#?}");
    assert_eq!(at("WL412"), [(6, 40)], "{found:#?}");
    assert!(positioned(&found, "WL412")[0].2.contains("always true"));
    assert_eq!(at("WL414"), [(7, 35)], "{found:#?}");
    assert!(
        positioned(&found, "WL414")[0]
            .2
            .contains("`198.51.100.0/24`")
    );
    assert_eq!(at("WL413"), [(8, 36)], "{found:#?}");
    assert!(positioned(&found, "WL413")[0].2.contains("\"true\""));
    // The variable is well formed: WL411's, not WL108's; WL402 does not judge its type.
    assert!(
        at("WL108").is_empty() && at("WL402").is_empty(),
        "{found:#?}"
    );
    let severities_of = |rule: &str| severities(&found, rule);
    assert_eq!(severities_of("WL409"), [Severity::Error]);
    assert_eq!(severities_of("WL410"), [Severity::Error]);
    assert_eq!(severities_of("WL411"), [Severity::Error]);
    assert_eq!(severities_of("WL412"), [Severity::Warning]);
    assert_eq!(severities_of("WL413"), [Severity::Info]);
    assert_eq!(severities_of("WL414"), [Severity::Warning]);
}

#[test]
fn access_analyzer_condition_checks_leave_the_valid_forms_alone() {
    let with = |condition: Value| {
        lint_one(
            PolicyKind::Identity,
            json!({"Sid": "C", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
                   "Condition": condition}),
        )
    };
    let quiet = |findings: &[Finding], rules: &[&str]| {
        for rule in rules {
            assert!(
                severities(findings, rule).is_empty(),
                "{rule}: {findings:#?}"
            );
        }
    };
    // Regions: patterns under `…Like`, case under `…IgnoreCase`, variables, every partition.
    let regions = with(json!({
        "StringNotLike": {"ec2:Region": ["eu-*", "us-gov-*", "*-central-?"]},
        "StringEqualsIgnoreCase": {"aws:RequestedRegion": ["EU-WEST-1", "cn-northwest-1", "eusc-de-east-1"]},
        "StringEquals": {"kms:PrimaryRegion": "${aws:PrincipalTag/home-region}"}
    }));
    quiet(&regions, &["WL410"]);
    assert_eq!(
        severities(
            &with(json!({"StringNotLike": {"ec2:Region": "mars-*"}})),
            "WL410"
        ),
        [Severity::Error]
    );
    assert_eq!(
        severities(
            &with(json!({"StringEquals": {"aws:RequestedRegion": "EU-WEST-1"}})),
            "WL410"
        ),
        [Severity::Error],
        "a region code is lowercase: `StringEquals` never matches it"
    );
    // One boolean value, `Null` alone, a set operator with a string operator, `IfExists` and
    // qualified `StringLike` against `*`, an exact block, escapes under a numeric operator.
    let fine = with(json!({
        "Bool": {"aws:SecureTransport": "false"},
        "Null": {"aws:TagKeys": "false"},
        "ForAnyValue:StringLike": {"aws:TagKeys": "*"},
        "StringLikeIfExists": {"aws:ResourceTag/team": "*"},
        "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32", "192.0.2.1"]},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}
    }));
    quiet(
        &fine,
        &[
            "WL108", "WL409", "WL410", "WL411", "WL412", "WL413", "WL414",
        ],
    );
    // A provider's claim against `*` is an unscoped subject (WL503), not a presence test.
    let github = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Gh", "Effect": "Allow",
               "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                             "StringLike": {"token.actions.githubusercontent.com:sub": "*"}}}),
    );
    quiet(&github, &["WL413"]);
    assert!(!severities(&github, "WL503").is_empty(), "{github:#?}");
}

#[test]
fn policy_variables_are_judged_where_iam_substitutes_them() {
    // (ARNs with variables written in pieces for tidy's ARN check.)
    let home = |tail: &str| ["arn:aws:s3:::home/", tail].concat();
    let document = |version: &str, statement: Value| {
        lint_subject(&Subject {
            policies: vec![policy(
                PolicyKind::Identity,
                &json!({"Version": version, "Statement": [statement]}),
            )],
            ..Subject::default()
        })
    };
    let messages = |found: &[Finding]| -> Vec<String> {
        found
            .iter()
            .filter(|finding| finding.rule == "WL108")
            .map(|finding| finding.message.clone())
            .collect()
    };
    let broken = document(
        "2012-10-17",
        json!({"Sid": "H", "Effect": "Allow", "Action": "s3:GetObject",
               "NotResource": [home("${aws:username"), home("${aws:user name}/*"), home("${aws:username}/${*}")]}),
    );
    let found = messages(&broken);
    assert_eq!(found.len(), 2, "{broken:#?}");
    assert!(
        found
            .iter()
            .any(|message| message.contains("`${aws:username` has no closing `}`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|message| message.contains("`${aws:user name}` has a space inside its name")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|message| message.contains("`NotResource`"))
    );
    // Under 2008-10-17 nothing is a variable: WL103's, not WL108's.
    let old = document(
        "2008-10-17",
        json!({"Sid": "H", "Effect": "Allow", "Action": "s3:GetObject", "Resource": home("${aws:username")}),
    );
    assert!(messages(&old).is_empty(), "{old:#?}");
    // In an action or a principal a variable is literal text.
    let misplaced = document(
        "2012-10-17",
        json!({"Sid": "H", "Effect": "Allow", "Action": "s3:${aws:username}",
               "Resource": home("${aws:username}/*")}),
    );
    let found = messages(&misplaced);
    assert_eq!(found.len(), 1, "{misplaced:#?}");
    assert!(found[0].contains("`Action` value `s3:${aws:username}`"));
    let trust = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "T", "Effect": "Allow",
               "Principal": {"AWS": (["arn:aws:iam::111122223333:user/", "${aws:username}"].concat())},
               "Action": "sts:AssumeRole"}),
    );
    assert_eq!(severities(&trust, "WL108"), [Severity::Error], "{trust:#?}");
    // Warden's own variables (no prefix) in definitions as written are rendering's, not IAM's.
    let written = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "T", "Effect": "Allow",
               "Principal": {"AWS": (["arn:aws:iam::", "${vendor_account_id}", ":root"].concat())},
               "Action": "sts:AssumeRole",
               "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "${max_age}"}}}),
    );
    assert!(severities(&written, "WL108").is_empty(), "{written:#?}");
    assert!(severities(&written, "WL411").is_empty(), "{written:#?}");
}

#[test]
fn service_wildcards_in_granted_resources_and_one_finding_for_an_empty_tag_key() {
    let statement = |effect: &str, resource: &str| {
        lint_one(
            PolicyKind::Identity,
            json!({"Sid": "S", "Effect": effect, "Action": "codecommit:GitPull", "Resource": resource}),
        )
    };
    assert_eq!(
        severities(
            &statement("Allow", "arn:aws:code*:eu-west-1:111122223333:*"),
            "WL305"
        ),
        [Severity::Warning]
    );
    for (effect, resource) in [
        ("Deny", "arn:aws:code*:eu-west-1:111122223333:*"),
        ("Allow", "arn:aws:*:eu-west-1:111122223333:*"),
        ("Allow", "arn:aws:codecommit:eu-west-1:111122223333:*"),
    ] {
        let found = statement(effect, resource);
        assert!(severities(&found, "WL305").is_empty(), "{found:#?}");
    }
    // `aws:RequestTag/` is WL407's alone; WL401 still reports other unsupported keys.
    let found = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "T", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
               "Condition": {"StringEquals": {"aws:RequestTag/": "x", "ec2:ResourceTag/team": "data"}}}),
    );
    assert_eq!(severities(&found, "WL407"), [Severity::Error], "{found:#?}");
    let unsupported: Vec<_> = found
        .iter()
        .filter(|finding| finding.rule == "WL401")
        .map(|finding| finding.message.as_str())
        .collect();
    assert_eq!(unsupported.len(), 1, "{found:#?}");
    assert!(unsupported[0].contains("`ec2:ResourceTag/team`"));
}

/// WL103 is an error only when a 2008-10-17 document holds IAM policy variables; Warden's own
/// `${account_id}` in a definition as written is replaced by rendering and leaves a warning.
#[test]
fn old_version_is_an_error_only_with_iam_policy_variables() {
    // In a condition value (the fixture has the same in `Resource`).
    let version = |prefix: &str| {
        let document = json!({"Version": "2008-10-17", "Statement": [
            {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home",
             "Condition": {"StringLike": {"s3:prefix": prefix}}}]});
        lint_subject(&Subject {
            policies: vec![policy(PolicyKind::Identity, &document)],
            ..Subject::default()
        })
    };
    let iam = version("home/${aws:username}/*");
    assert_eq!(severities(&iam, "WL103"), [Severity::Error], "{iam:#?}");
    assert!(
        iam.iter()
            .any(|finding| finding.rule == "WL103" && finding.message.contains("plain text"))
    );
    let templated = version("logs-${account_id}/*");
    assert_eq!(
        severities(&templated, "WL103"),
        [Severity::Warning],
        "{templated:#?}"
    );
    assert!(
        templated
            .iter()
            .filter(|finding| finding.rule == "WL103")
            .all(|finding| !finding.message.contains("plain text"))
    );
}

/// The Access Analyzer errors reviewed for issue 15 that an existing rule already reports:
/// each sample raises the rule `docs/lint-coverage.md` names for it.
#[test]
fn reviewed_access_analyzer_errors_are_reported_by_the_rules_the_coverage_table_names() {
    let cases: [(&str, PolicyKind, Value, &str); 4] = [
        (
            "Type mismatch IP range",
            PolicyKind::Identity,
            json!({"Sid": "Ip", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                   "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/33"}}}),
            "WL402",
        ),
        (
            "Role trust policy unsupported wildcard in principal",
            PolicyKind::Trust,
            json!({"Sid": "Any", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
            "WL504",
        ),
        (
            "Invalid federated principal syntax in role trust policy",
            PolicyKind::Trust,
            json!({"Sid": "Fed", "Effect": "Allow", "Principal": {"Federated": "okta"},
                   "Action": "sts:AssumeRoleWithSAML"}),
            "WL506",
        ),
        (
            "Missing ARN account",
            PolicyKind::Identity,
            json!({"Sid": "Q", "Effect": "Allow", "Action": "sqs:SendMessage",
                   "Resource": "arn:aws:sqs:eu-west-1::orders"}),
            "WL302",
        ),
    ];
    for (check, kind, statement, rule) in cases {
        let found = lint_one(kind, statement);
        assert!(
            found.iter().any(|finding| finding.rule == rule),
            "{check}: no {rule} in {found:#?}"
        );
    }
}

/// The rules added for the rest of issue 15's errors: severity follows whether the statement can
/// still match, and the forms IAM reads as meant are left alone.
#[test]
fn issue_15_rules_follow_whether_the_statement_can_match() {
    // WL416: the statement never applies to the action when the operator needs the key, the
    // condition always holds under `…IfExists`; a warning either way, as WL401.
    let partial = |operator: &str| {
        lint_one(
            PolicyKind::Identity,
            json!({"Sid": "Small", "Effect": "Allow", "Action": ["ec2:RunInstances", "s3:GetObject"],
                   "Resource": "*", "Condition": {operator: {"ec2:InstanceType": "t3.micro"}}}),
        )
    };
    let message = |found: &[Finding]| {
        let messages: Vec<&str> = found
            .iter()
            .filter(|finding| finding.rule == "WL416")
            .map(|finding| finding.message.as_str())
            .collect();
        assert_eq!(messages.len(), 1, "{found:#?}");
        assert!(messages[0].contains("`s3:GetObject`"), "{}", messages[0]);
        assert!(
            !messages[0].contains("`ec2:RunInstances`"),
            "{}",
            messages[0]
        );
        messages[0].to_string()
    };
    let needs = partial("StringEquals");
    assert_eq!(severities(&needs, "WL416"), [Severity::Warning]);
    assert!(message(&needs).contains("never applies"));
    let if_exists = partial("StringEqualsIfExists");
    assert!(message(&if_exists).contains("condition holds"));
    // No action supports the key: WL401's finding alone.
    let none = lint_one(
        PolicyKind::Identity,
        json!({"Sid": "S3", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
               "Resource": "arn:aws:s3:::a/*", "Condition": {"StringEquals": {"ec2:InstanceType": "t3.micro"}}}),
    );
    assert!(severities(&none, "WL416").is_empty(), "{none:#?}");
    assert_eq!(severities(&none, "WL401"), [Severity::Warning]);

    // WL509: error when the key is required, warning under a negated operator.
    let cdn = |operator: &str| {
        lint_one(
            PolicyKind::Resource,
            json!({"Sid": "Cdn", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
                   "Condition": {operator: {"aws:PrincipalTag/team": "web"}}}),
        )
    };
    assert_eq!(severities(&cdn("StringEquals"), "WL509"), [Severity::Error]);
    assert_eq!(
        severities(&cdn("StringNotEquals"), "WL509"),
        [Severity::Warning]
    );
    assert_eq!(
        severities(&cdn("ForAllValues:StringEquals"), "WL509"),
        [Severity::Warning]
    );
    // A service beside an account: the key means something for the account.
    let mixed = lint_one(
        PolicyKind::Resource,
        json!({"Sid": "Both", "Effect": "Allow",
               "Principal": {"Service": "cloudfront.amazonaws.com", "AWS": "arn:aws:iam::111122223333:root"},
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
               "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}),
    );
    assert!(severities(&mixed, "WL509").is_empty(), "{mixed:#?}");

    // WL418: a same-account test between two keys AWS sets is the data perimeter, not a
    // wildcard; a tag-set variable is; a wildcard under `StringEquals` is WL404's.
    let sensitive = |condition: Value| {
        lint_one(
            PolicyKind::Identity,
            json!({"Sid": "Own", "Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::a/*", "Condition": condition}),
        )
    };
    assert!(
        severities(
            &sensitive(json!({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}})),
            "WL418"
        )
        .is_empty()
    );
    assert_eq!(
        severities(
            &sensitive(json!({"StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalTag/org}"}})),
            "WL418"
        ),
        [Severity::Warning]
    );
    let literal = sensitive(json!({"StringEquals": {"aws:SourceVpc": "vpc-*"}}));
    assert!(severities(&literal, "WL418").is_empty(), "{literal:#?}");
    assert_eq!(severities(&literal, "WL404").len(), 1, "{literal:#?}");

    // WL511: a principal that one of the statement's actions serves is not reported.
    let both = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Both", "Effect": "Allow",
               "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta", "AWS": "arn:aws:iam::111122223333:root"},
               "Action": ["sts:AssumeRole", "sts:AssumeRoleWithSAML"]}),
    );
    assert!(severities(&both, "WL511").is_empty(), "{both:#?}");
    let account_with_saml = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
               "Action": "sts:AssumeRoleWithSAML"}),
    );
    assert_eq!(
        severities(&account_with_saml, "WL511"),
        [Severity::Error],
        "{account_with_saml:#?}"
    );
    let wildcard = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Wild", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
               "Action": "sts:AssumeRole*"}),
    );
    assert!(severities(&wildcard, "WL511").is_empty());

    // WL512 and WL513 count the actions of every statement of the trust policy.
    let anywhere = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Assume", "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
         "Action": "sts:AssumeRole"},
        {"Sid": "Session", "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
         "Action": ["sts:SetSourceIdentity", "sts:TagSession"]}]});
    let split = lint_subject(&Subject {
        policies: vec![policy(PolicyKind::Trust, &anywhere)],
        ..Subject::default()
    });
    assert!(severities(&split, "WL512").is_empty(), "{split:#?}");
    let negated = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
               "Action": "sts:AssumeRole", "Condition": {"StringNotEquals": {"aws:RequestTag/team": "x"}}}),
    );
    assert!(severities(&negated, "WL513").is_empty(), "{negated:#?}");
    // `ForAllValues:` holds for a request without tags: the statement still matches.
    let no_tags_pass = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
               "Action": "sts:AssumeRole",
               "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}),
    );
    assert!(
        severities(&no_tags_pass, "WL513").is_empty(),
        "{no_tags_pass:#?}"
    );

    // WL510 and WL508 judge by kind: a bucket policy may name resources, a trust policy may
    // name a provider.
    let bucket = lint_one(
        PolicyKind::Resource,
        json!({"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}),
    );
    assert!(severities(&bucket, "WL510").is_empty());
    let trust = lint_one(
        PolicyKind::Trust,
        json!({"Sid": "Okta", "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
               "Action": "sts:AssumeRoleWithSAML"}),
    );
    assert!(severities(&trust, "WL508").is_empty());
}

/// The condition rules of issue 15's second review report at the condition key.
#[test]
fn issue_15_condition_rules_point_at_the_key() {
    let text = "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"P\", \"Effect\": \"Deny\", \"Action\": [\"s3:PutObject\", \"ec2:RunInstances\"], \"Resource\": \"*\",\n   \"Condition\": {\"StringNotEquals\": {\"s3:x-amz-server-side-encryption-aws-kms-key-id\": \"alias/reports\"},\n                 \"StringLike\": {\"aws:SourceAccount\": \"1111*\"}}}]}";
    let found = lint_text(text);
    for (rule, line, column) in [("WL416", 3, 38), ("WL417", 3, 38), ("WL418", 4, 33)] {
        let at = positioned(&found, rule);
        assert_eq!(at.len(), 1, "{rule}: {found:#?}");
        assert_eq!((at[0].0, at[0].1), (line, column), "{rule}: {}", at[0].2);
    }
}

#[test]
fn a_malformed_variable_in_a_resource_is_reported_at_the_value() {
    // Second value of a list, and a statement written as one object with one string value.
    let list = "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"Home\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\",\n   \"Resource\": [\"arn:aws:s3:::home/${aws:username}/*\",\n                \"arn:aws:s3:::home/${aws:username/*\"]}]}";
    let at = positioned(&lint_text(list), "WL108");
    assert_eq!(at.len(), 1, "{at:?}");
    assert_eq!((at[0].0, at[0].1), (4, 17), "{}", at[0].2);
    let single = "{\"Version\": \"2012-10-17\", \"Statement\":\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\",\n   \"NotResource\": \"arn:aws:s3:::home/${ }/*\"}}";
    let at = positioned(&lint_text(single), "WL108");
    assert_eq!(at.len(), 1, "{at:?}");
    assert_eq!((at[0].0, at[0].1), (3, 19), "{}", at[0].2);
    // Without the text (a document read from a value), the finding stays on the statement.
    let document: Value = serde_json::from_str(list).unwrap();
    let found = lint_subject(&Subject {
        policies: vec![policy(PolicyKind::Identity, &document)],
        ..Subject::default()
    });
    let at = positioned(&found, "WL108");
    assert_eq!(at.len(), 1, "{at:?}");
    assert_ne!((at[0].0, at[0].1), (4, 17));
}
