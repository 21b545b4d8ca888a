//! Condition operator edge cases from the IAM condition-operator documentation, table-driven:
//! each row is an `Allow` statement with one `Condition` and the request context.

use crate::support::*;
use warden_eval::{CompiledPolicySet, DecisionKind, LabeledPolicy, PolicySet, Request};

/// (name, condition JSON, context, expected match)
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
    bool,
);

fn matches(condition: &str, context: &[(&str, &[&str])], principal: &str, resource: &str) -> bool {
    let json = policy(&format!(
        r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}","Condition":{condition}}}"#
    ));
    let mut scenario = Scenario::new(principal, "s3:GetObject", BUCKET_OBJECT).identity(&json);
    for (key, values) in context {
        scenario = scenario.context(key, values);
    }
    scenario.decide() == DecisionKind::Allow
}

fn check(rows: &[Row]) {
    let failures: Vec<String> = rows
        .iter()
        .filter(|(_, condition, context, expected)| {
            matches(condition, context, ALICE, "*") != *expected
        })
        .map(|(name, condition, context, expected)| {
            format!("{name}: {condition} with {context:?} should be {expected}")
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn string_operators() {
    check(&[
        (
            "StringEquals match",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"blue"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringEquals is case-sensitive",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"blue"}}"#,
            &[("aws:PrincipalTag/team", &["Blue"])],
            false,
        ),
        (
            "StringEquals missing key",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"blue"}}"#,
            &[],
            false,
        ),
        (
            "StringEquals several values are OR",
            r#"{"StringEquals":{"aws:PrincipalTag/team":["red","blue"]}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringEquals treats * literally",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"b*"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            false,
        ),
        (
            "condition key names are case-insensitive",
            r#"{"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"blue"}}"#,
            &[("aws:principaltag/team", &["blue"])],
            true,
        ),
        (
            "StringNotEquals missing key matches",
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"blue"}}"#,
            &[],
            true,
        ),
        (
            "StringNotEquals several values are NOR: listed",
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":["red","blue"]}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            false,
        ),
        (
            "StringNotEquals several values are NOR: unlisted",
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":["red","blue"]}}"#,
            &[("aws:PrincipalTag/team", &["green"])],
            true,
        ),
        (
            "StringEqualsIgnoreCase",
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}"#,
            &[("aws:PrincipalTag/team", &["Blue"])],
            true,
        ),
        (
            "StringNotEqualsIgnoreCase",
            r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            false,
        ),
        (
            "StringLike wildcard",
            r#"{"StringLike":{"s3:prefix":"home/*"}}"#,
            &[("s3:prefix", &["home/alice/x"])],
            true,
        ),
        (
            "StringLike question mark",
            r#"{"StringLike":{"s3:prefix":"v?"}}"#,
            &[("s3:prefix", &["v10"])],
            false,
        ),
        (
            "StringNotLike missing key matches",
            r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#,
            &[],
            true,
        ),
        (
            "StringNotLike matching value",
            r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#,
            &[("s3:prefix", &["home/x"])],
            false,
        ),
        (
            "StringEqualsIfExists missing key",
            r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}"#,
            &[],
            true,
        ),
        (
            "StringEqualsIfExists present and different",
            r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}"#,
            &[("ec2:InstanceType", &["m5.large"])],
            false,
        ),
        (
            "several keys are AND: one fails",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"blue","aws:RequestedRegion":"eu-west-1"}}"#,
            &[
                ("aws:PrincipalTag/team", &["blue"]),
                ("aws:RequestedRegion", &["us-east-1"]),
            ],
            false,
        ),
        (
            "several operators are AND",
            r#"{"StringEquals":{"aws:PrincipalTag/team":"blue"},"Bool":{"aws:SecureTransport":"true"}}"#,
            &[
                ("aws:PrincipalTag/team", &["blue"]),
                ("aws:SecureTransport", &["true"]),
            ],
            true,
        ),
        (
            "unqualified operator on a multi-valued key: any value",
            r#"{"StringEquals":{"aws:TagKeys":"env"}}"#,
            &[("aws:TagKeys", &["owner", "env"])],
            true,
        ),
        (
            "unqualified negated operator on a multi-valued key",
            r#"{"StringNotEquals":{"aws:TagKeys":"env"}}"#,
            &[("aws:TagKeys", &["owner", "env"])],
            false,
        ),
    ]);
}

#[test]
fn set_qualifiers() {
    check(&[
        (
            "ForAllValues on a missing key is true",
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner"]}}"#,
            &[],
            true,
        ),
        (
            "ForAllValues subset",
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner"]}}"#,
            &[("aws:TagKeys", &["env"])],
            true,
        ),
        (
            "ForAllValues with an extra value",
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner"]}}"#,
            &[("aws:TagKeys", &["env", "cost"])],
            false,
        ),
        (
            "ForAnyValue on a missing key is false",
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
            &[],
            false,
        ),
        (
            "ForAnyValue overlap",
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
            &[("aws:TagKeys", &["cost", "env"])],
            true,
        ),
        (
            "ForAnyValue no overlap",
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
            &[("aws:TagKeys", &["cost"])],
            false,
        ),
        (
            "ForAnyValue IfExists on a missing key",
            r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["env"]}}"#,
            &[],
            true,
        ),
        (
            "ForAllValues negated: none listed",
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            true,
        ),
        (
            "ForAllValues negated: one listed",
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["a", "secret"])],
            false,
        ),
        (
            "ForAnyValue negated: one unlisted",
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret"]}}"#,
            &[("aws:TagKeys", &["a", "secret"])],
            true,
        ),
        (
            "ForAllValues StringLike",
            r#"{"ForAllValues:StringLike":{"aws:TagKeys":["team-*"]}}"#,
            &[("aws:TagKeys", &["team-a", "team-b"])],
            true,
        ),
    ]);
}

#[test]
fn null_bool_numeric_date() {
    check(&[
        (
            "Null true on a missing key",
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[],
            true,
        ),
        (
            "Null true on a present key",
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            false,
        ),
        (
            "Null false on a present key",
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
            true,
        ),
        (
            "Null false on a missing key",
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[],
            false,
        ),
        (
            "Null with a JSON boolean",
            r#"{"Null":{"aws:TokenIssueTime":true}}"#,
            &[],
            true,
        ),
        (
            "Bool with the string true",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["true"])],
            true,
        ),
        (
            "Bool with a JSON boolean",
            r#"{"Bool":{"aws:SecureTransport":true}}"#,
            &[("aws:SecureTransport", &["true"])],
            true,
        ),
        (
            "Bool mismatch",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["false"])],
            false,
        ),
        (
            "Bool missing key",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[],
            false,
        ),
        (
            "BoolIfExists missing key",
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
            &[],
            true,
        ),
        (
            "Bool non-boolean request value",
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["yes"])],
            false,
        ),
        (
            "NumericLessThanEquals with decimals",
            r#"{"NumericLessThanEquals":{"s3:max-keys":"2.5"}}"#,
            &[("s3:max-keys", &["2.50"])],
            true,
        ),
        (
            "NumericLessThan fails",
            r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", &["10"])],
            false,
        ),
        (
            "NumericEquals across forms",
            r#"{"NumericEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", &["10.0"])],
            true,
        ),
        (
            "NumericEquals with a JSON number",
            r#"{"NumericEquals":{"s3:max-keys":10}}"#,
            &[("s3:max-keys", &["10"])],
            true,
        ),
        (
            "NumericNotEquals missing key matches",
            r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#,
            &[],
            true,
        ),
        (
            "NumericGreaterThan on a non-number",
            r#"{"NumericGreaterThan":{"s3:max-keys":"1"}}"#,
            &[("s3:max-keys", &["many"])],
            false,
        ),
        (
            "DateGreaterThan with ISO values",
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])],
            true,
        ),
        (
            "DateGreaterThan with an epoch request value",
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["1717243200"])],
            true,
        ),
        (
            "DateLessThan with an epoch policy value",
            r#"{"DateLessThan":{"aws:CurrentTime":"1704067200"}}"#,
            &[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])],
            false,
        ),
        (
            "DateEquals across forms",
            r#"{"DateEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["1704067200"])],
            true,
        ),
        (
            "DateNotEquals missing key matches",
            r#"{"DateNotEquals":{"aws:CurrentTime":"2024-01-01"}}"#,
            &[],
            true,
        ),
        (
            "DateLessThan with a zone offset",
            r#"{"DateLessThan":{"aws:CurrentTime":"2024-01-01T01:00:00+02:00"}}"#,
            &[("aws:CurrentTime", &["2023-12-31T22:59:59Z"])],
            true,
        ),
    ]);
}

#[test]
fn ip_binary_arn() {
    check(&[
        (
            "IpAddress v4 inside",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.5"])],
            true,
        ),
        (
            "IpAddress v4 outside",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.114.5"])],
            false,
        ),
        (
            "IpAddress several ranges",
            r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}"#,
            &[("aws:SourceIp", &["10.1.2.3"])],
            true,
        ),
        (
            "IpAddress bare address",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}"#,
            &[("aws:SourceIp", &["203.0.113.5"])],
            true,
        ),
        (
            "IpAddress v6 inside",
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:5678::1"])],
            true,
        ),
        (
            "IpAddress v6 outside",
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:9999::1"])],
            false,
        ),
        (
            "IpAddress v4 range, v6 request",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["2001:db8::1"])],
            false,
        ),
        (
            "IpAddress missing key",
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            false,
        ),
        (
            "NotIpAddress missing key matches",
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            true,
        ),
        (
            "NotIpAddress inside",
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.9"])],
            false,
        ),
        (
            "NotIpAddress outside all ranges",
            r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}"#,
            &[("aws:SourceIp", &["198.51.100.1"])],
            true,
        ),
        (
            "BinaryEquals",
            r#"{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
            &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])],
            true,
        ),
        (
            "BinaryEquals mismatch",
            r#"{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
            &[("key", &["AAAA"])],
            false,
        ),
        (
            "ArnLike with wildcards",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}"#,
            &[(
                "aws:SourceArn",
                &["arn:aws:sns:eu-west-1:111122223333:topic-a"],
            )],
            true,
        ),
        (
            "ArnLike other account",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#,
            &[("aws:SourceArn", &["arn:aws:sns:eu-west-1:444455556666:t"])],
            false,
        ),
        (
            "ArnEquals exact",
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::bucket"}}"#,
            &[("aws:SourceArn", &["arn:aws:s3:::bucket"])],
            true,
        ),
        (
            "ArnLike wildcard stays inside its component",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b*"}}"#,
            &[("aws:SourceArn", &["arn:aws:s3:::bucket/a:b"])],
            true,
        ),
        (
            "ArnLike not an ARN",
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}"#,
            &[("aws:SourceArn", &["bucket"])],
            false,
        ),
        (
            "ArnNotLike missing key matches",
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::*"}}"#,
            &[],
            true,
        ),
        (
            "ArnNotEquals other ARN",
            r#"{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Admin"}}"#,
            &[("aws:PrincipalArn", &["arn:aws:iam::111122223333:role/Dev"])],
            true,
        ),
    ]);
}

#[test]
fn policy_variables() {
    let home = r#"arn:aws:s3:::example-bucket/home/${aws:username}/*"#;
    let identity = policy(&stmt("Allow", "s3:GetObject", home));
    let own = Scenario::new(
        ALICE,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/home/alice/notes.txt",
    )
    .identity(&identity);
    assert_eq!(own.decide(), DecisionKind::Allow, "own home prefix");
    let other = Scenario::new(
        ALICE,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/home/bob/notes.txt",
    )
    .identity(&identity);
    assert_eq!(
        other.decide(),
        DecisionKind::ImplicitDeny,
        "someone else's prefix"
    );
    // A role session has no aws:username: the resource does not match.
    let session = Scenario::new(
        SESSION,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/home/alice/notes.txt",
    )
    .identity(&identity);
    assert_eq!(
        session.decide(),
        DecisionKind::ImplicitDeny,
        "missing variable"
    );
    // In a Deny with NotResource a missing variable also leaves the statement unmatched.
    let deny_other_homes = policy(&format!(
        r#"{},{{"Effect":"Deny","Action":"s3:*","NotResource":"{home}"}}"#,
        stmt("Allow", "s3:*", "*")
    ));
    let session = Scenario::new(SESSION, "s3:GetObject", "arn:aws:s3:::example-bucket/x")
        .identity(&deny_other_homes);
    assert_eq!(
        session.decide(),
        DecisionKind::Allow,
        "deny statement with a missing variable does not apply"
    );

    // Variables in condition values, with a default.
    let tags = r#"{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}"#;
    assert!(matches(
        tags,
        &[
            ("aws:ResourceTag/team", &["blue"]),
            ("aws:PrincipalTag/team", &["blue"])
        ],
        ALICE,
        "*"
    ));
    assert!(!matches(
        tags,
        &[
            ("aws:ResourceTag/team", &["blue"]),
            ("aws:PrincipalTag/team", &["red"])
        ],
        ALICE,
        "*"
    ));
    assert!(
        !matches(tags, &[("aws:ResourceTag/team", &["blue"])], ALICE, "*"),
        "missing variable"
    );
    let negated = r#"{"StringNotEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}"#;
    assert!(
        !matches(negated, &[("aws:ResourceTag/team", &["blue"])], ALICE, "*"),
        "missing variable in a negated operator"
    );
    let defaulted =
        r#"{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team, 'none'}"}}"#;
    assert!(matches(
        defaulted,
        &[("aws:ResourceTag/team", &["none"])],
        ALICE,
        "*"
    ));
    // Substituted values are literal: a `*` in a tag is not a wildcard.
    let like = r#"{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}/*"}}"#;
    assert!(matches(
        like,
        &[("s3:prefix", &["b*/x"]), ("aws:PrincipalTag/team", &["b*"])],
        ALICE,
        "*"
    ));
    assert!(!matches(
        like,
        &[
            ("s3:prefix", &["bXX/x"]),
            ("aws:PrincipalTag/team", &["b*"])
        ],
        ALICE,
        "*"
    ));

    // Version 2008-10-17 has no policy variables: `${…}` is literal text.
    let old = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#;
    let literal =
        Scenario::new(ALICE, "s3:GetObject", "arn:aws:s3:::b/${aws:username}").identity(old);
    assert_eq!(literal.decide(), DecisionKind::Allow);
    let substituted = Scenario::new(ALICE, "s3:GetObject", "arn:aws:s3:::b/alice").identity(old);
    assert_eq!(substituted.decide(), DecisionKind::ImplicitDeny);
}

#[test]
fn unknown_operator_never_matches_and_is_reported() {
    // The parser rejects unknown operators, so build the document in code.
    let mut document = doc(&policy(
        r#"{"Sid":"Odd","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"k":"v"}}}"#,
    ));
    let condition = document.statements[0].condition.as_mut().unwrap();
    condition.blocks[0].operator.base = "StringSortOf".into();
    let set = PolicySet {
        identity: vec![LabeledPolicy::new("odd", document)],
        ..PolicySet::default()
    };
    let compiled = CompiledPolicySet::compile(&set);
    assert_eq!(compiled.diagnostics().len(), 1);
    assert!(
        compiled.diagnostics()[0].message.contains("`StringSortOf`"),
        "{:?}",
        compiled.diagnostics()
    );
    let request = Request::new(ALICE, "s3:GetObject", "*")
        .unwrap()
        .with_context(warden_eval::Context::from_pairs([(
            "k",
            vec!["v".to_string()],
        )]))
        .finish();
    let decision = compiled.evaluate(&request);
    assert_eq!(decision.decision, DecisionKind::ImplicitDeny);
    assert!(
        decision
            .reasons
            .iter()
            .any(|r| r.kind == warden_eval::ReasonKind::Note
                && r.statement.as_deref() == Some("Odd")),
        "{decision}"
    );
}
