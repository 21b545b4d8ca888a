//! Table-driven cases from AWS's "Policy evaluation logic", permissions boundary, session
//! policy, NotAction/NotResource/NotPrincipal and role trust documentation.

use crate::support::*;
use warden_eval::{DecisionKind, Layer, ReasonKind};

use DecisionKind::{Allow, ExplicitDeny, ImplicitDeny};

struct Case {
    name: &'static str,
    scenario: Scenario,
    expect: DecisionKind,
    /// The layer (and level) named by a `Deny`/`NoAllow` reason, for deny cases.
    layer: Option<(Layer, Option<usize>)>,
}

fn case(
    name: &'static str,
    scenario: Scenario,
    expect: DecisionKind,
    layer: Option<(Layer, Option<usize>)>,
) -> Case {
    Case {
        name,
        scenario,
        expect,
        layer,
    }
}

fn run(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in cases {
        let decision = case.scenario.evaluate();
        if decision.decision != case.expect {
            failures.push(format!(
                "{}: expected {}, got {decision}",
                case.name, case.expect
            ));
            continue;
        }
        if let Some((layer, level)) = case.layer {
            let named = decision.reasons.iter().any(|reason| {
                matches!(reason.kind, ReasonKind::Deny | ReasonKind::NoAllow)
                    && reason.layer == layer
                    && reason.level == level
            });
            if !named {
                failures.push(format!(
                    "{}: expected a reason naming {layer:?} {level:?}, got {decision}",
                    case.name
                ));
            }
        }
        if decision.decision == Allow
            && decision.reasons.iter().all(|r| r.kind != ReasonKind::Allow)
        {
            failures.push(format!(
                "{}: allow without an allow reason: {decision}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn identity_scp_boundary_session() {
    let s3_get = || Scenario::new(ALICE, "s3:GetObject", BUCKET_OBJECT);
    let shirley_boundary = allow(r#"["s3:*","cloudwatch:*","ec2:*"]"#, "*");
    run(vec![
        case(
            "identity policy allows",
            s3_get().identity(&allow("s3:GetObject", "*")),
            Allow,
            None,
        ),
        case(
            "no policy: implicit deny",
            s3_get(),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "explicit deny overrides allow",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .identity(&deny("s3:GetObject", "arn:aws:s3:::example-bucket/*")),
            ExplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "deny in one statement of the same policy",
            s3_get().identity(&policy(&format!(
                "{},{}",
                stmt("Allow", "*", "*"),
                stmt("Deny", "s3:Get*", "*")
            ))),
            ExplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "every SCP level allows",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[&allow("s3:*", "*")]),
            Allow,
            None,
        ),
        case(
            "OU SCP without allow: implicit deny at level 1",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[&allow("ec2:*", "*")]),
            ImplicitDeny,
            Some((Layer::Scp, Some(1))),
        ),
        case(
            "account-level SCP without allow",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[FULL_ACCESS])
                .scp_level(&[&allow("ec2:*", "*")]),
            ImplicitDeny,
            Some((Layer::Scp, Some(2))),
        ),
        case(
            "SCP levels with several policies: one allow per level is enough",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[&allow("ec2:*", "*"), &allow("s3:Get*", "*")]),
            Allow,
            None,
        ),
        case(
            "SCP explicit deny",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[FULL_ACCESS, &deny("s3:*", "*")]),
            ExplicitDeny,
            Some((Layer::Scp, Some(0))),
        ),
        case(
            "SCP alone grants nothing",
            s3_get().scp_level(&[FULL_ACCESS]),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "SCPs do not apply to the management account",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .scp_level(&[&deny("s3:*", "*")])
                .management_account(),
            Allow,
            None,
        ),
        case(
            "SCPs do not apply to service-linked roles",
            Scenario::new(
                "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/ecs",
                "ec2:DescribeInstances",
                "*",
            )
            .identity(&allow("ec2:Describe*", "*"))
            .scp_level(&[&deny("*", "*")]),
            Allow,
            None,
        ),
        case(
            "boundary caps identity grants (Shirley: iam not in boundary)",
            Scenario::new(
                ALICE,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/bob",
            )
            .identity(&allow("iam:*", "*"))
            .boundary(&shirley_boundary),
            ImplicitDeny,
            Some((Layer::Boundary, None)),
        ),
        case(
            "boundary and identity both allow",
            s3_get()
                .identity(&allow("s3:GetObject", "*"))
                .boundary(&shirley_boundary),
            Allow,
            None,
        ),
        case(
            "boundary alone grants nothing",
            s3_get().boundary(&shirley_boundary),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "boundary explicit deny",
            s3_get()
                .identity(&allow("s3:*", "*"))
                .boundary(&policy(&format!(
                    "{},{}",
                    stmt("Allow", "*", "*"),
                    stmt("Deny", "s3:GetObject", "*")
                ))),
            ExplicitDeny,
            Some((Layer::Boundary, None)),
        ),
        case(
            "session policy caps the role's permissions",
            Scenario::new(SESSION, "s3:PutObject", BUCKET_OBJECT)
                .identity(&allow("s3:*", "*"))
                .session_policy(&allow("s3:GetObject", "*")),
            ImplicitDeny,
            Some((Layer::Session, None)),
        ),
        case(
            "session policy and identity both allow",
            Scenario::new(SESSION, "s3:GetObject", BUCKET_OBJECT)
                .identity(&allow("s3:*", "*"))
                .session_policy(&allow("s3:GetObject", "*")),
            Allow,
            None,
        ),
        case(
            "session policy cannot grant more than the role",
            Scenario::new(SESSION, "ec2:RunInstances", "*")
                .identity(&allow("s3:*", "*"))
                .session_policy(&allow("*", "*")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "session policy explicit deny",
            Scenario::new(SESSION, "s3:GetObject", BUCKET_OBJECT)
                .identity(&allow("s3:*", "*"))
                .session_policy(&policy(&format!(
                    "{},{}",
                    stmt("Allow", "*", "*"),
                    stmt("Deny", "s3:*", "*")
                ))),
            ExplicitDeny,
            Some((Layer::Session, None)),
        ),
        case(
            "actions are case-insensitive",
            Scenario::new(ALICE, "S3:getobject", BUCKET_OBJECT)
                .identity(&allow("s3:GetObject", "*")),
            Allow,
            None,
        ),
        case(
            "resources are case-sensitive",
            s3_get().identity(&allow("s3:GetObject", "arn:aws:s3:::Example-Bucket/*")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
    ]);
}

fn bucket_policy(principal: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Grant","Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"{action}","Resource":"arn:aws:s3:::example-bucket/*"}}]}}"#
    )
}

#[test]
fn resource_policies() {
    let same = |principal: &str| {
        Scenario::new(principal, "s3:GetObject", BUCKET_OBJECT).resource_account("111122223333")
    };
    let cross = || {
        Scenario::new(OTHER_SESSION, "s3:GetObject", BUCKET_OBJECT).resource_account("111122223333")
    };
    let partner_role = "arn:aws:iam::444455556666:role/Partner";
    let s3_only_boundary = allow("s3:ListBucket", "*");
    run(vec![
        case("same-account resource policy naming the user allows alone", same(ALICE).resource_policy(&bucket_policy(ALICE, "s3:GetObject")), Allow, None),
        case(
            "same-account grant to a user is not capped by the user's boundary",
            same(ALICE).resource_policy(&bucket_policy(ALICE, "s3:GetObject")).boundary(&s3_only_boundary),
            Allow,
            None,
        ),
        case(
            "grant to the role ARN reaches its sessions",
            same(SESSION).resource_policy(&bucket_policy(ROLE, "s3:GetObject")),
            Allow,
            None,
        ),
        case(
            "grant to the role ARN is capped by the boundary",
            same(SESSION).resource_policy(&bucket_policy(ROLE, "s3:GetObject")).boundary(&s3_only_boundary),
            ImplicitDeny,
            Some((Layer::Boundary, None)),
        ),
        case(
            "grant to the role ARN is capped by the session policy",
            same(SESSION).resource_policy(&bucket_policy(ROLE, "s3:GetObject")).session_policy(&s3_only_boundary),
            ImplicitDeny,
            Some((Layer::Session, None)),
        ),
        case(
            "grant to the session ARN is not capped by the boundary",
            same(SESSION).resource_policy(&bucket_policy(SESSION, "s3:GetObject")).boundary(&s3_only_boundary),
            Allow,
            None,
        ),
        case(
            "grant to a role with a path matches its session",
            same(SESSION).resource_policy(&bucket_policy("arn:aws:iam::111122223333:role/team/Dev", "s3:GetObject")),
            Allow,
            None,
        ),
        case(
            "same-account grant to the account delegates to identity policies",
            same(ALICE).resource_policy(&bucket_policy("111122223333", "s3:GetObject")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "resource policy deny wins over identity allow",
            same(ALICE).identity(&allow("s3:*", "*")).resource_policy(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
            ),
            ExplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case("resource policy for another principal grants nothing", same(ALICE).resource_policy(&bucket_policy("arn:aws:iam::111122223333:user/bob", "s3:GetObject")), ImplicitDeny, Some((Layer::Identity, None))),
        case("cross-account: identity policy alone is not enough", cross().identity(&allow("s3:GetObject", "*")), ImplicitDeny, Some((Layer::Resource, None))),
        case("cross-account: resource policy alone is not enough", cross().resource_policy(&bucket_policy(partner_role, "s3:GetObject")), ImplicitDeny, Some((Layer::Identity, None))),
        case(
            "cross-account: both sides allow",
            cross().identity(&allow("s3:GetObject", "*")).resource_policy(&bucket_policy(partner_role, "s3:GetObject")),
            Allow,
            None,
        ),
        case(
            "cross-account: resource policy naming the account and identity allow",
            cross().identity(&allow("s3:GetObject", "*")).resource_policy(&bucket_policy("arn:aws:iam::444455556666:root", "s3:GetObject")),
            Allow,
            None,
        ),
        case(
            "cross-account: boundary caps even a grant naming the session",
            cross()
                .identity(&allow("s3:GetObject", "*"))
                .boundary(&allow("ec2:*", "*"))
                .resource_policy(&bucket_policy(OTHER_SESSION, "s3:GetObject")),
            ImplicitDeny,
            Some((Layer::Boundary, None)),
        ),
        case(
            "cross-account: principal `*` with identity allow",
            cross().identity(&allow("s3:GetObject", "*")).resource_policy(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
            ),
            Allow,
            None,
        ),
    ]);
}

fn trust(principal_json: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Trust","Effect":"Allow","Principal":{principal_json},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

fn github_trust() -> String {
    policy(
        r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}"#,
    )
}

#[test]
fn root_user() {
    let root = "arn:aws:iam::111122223333:root";
    run(vec![
        case(
            "root user needs no identity policy in its account",
            Scenario::new(root, "s3:DeleteBucket", "arn:aws:s3:::b")
                .resource_account("111122223333"),
            Allow,
            None,
        ),
        case(
            "SCPs limit the root user of a member account",
            Scenario::new(root, "s3:DeleteBucket", "arn:aws:s3:::b")
                .scp_level(&[FULL_ACCESS, &deny("s3:DeleteBucket", "*")]),
            ExplicitDeny,
            Some((Layer::Scp, Some(0))),
        ),
        case(
            "root user of another account needs the resource policy",
            Scenario::new(
                "arn:aws:iam::444455556666:root",
                "s3:GetObject",
                BUCKET_OBJECT,
            )
            .resource_account("111122223333"),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
    ]);
}

#[test]
fn role_trust_and_key_policies() {
    let target = "arn:aws:iam::111122223333:role/Target";
    let assume = |principal: &str| Scenario::new(principal, "sts:AssumeRole", target);
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let key_policy = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"kms:*","Resource":"*"}}]}}"#
        )
    };
    let external_id = r#"{"StringEquals":{"sts:ExternalId":"Unique1234"}}"#;
    run(vec![
        case(
            "trust naming the user allows without identity policy",
            assume(ALICE).resource_policy(&trust(&format!(r#"{{"AWS":"{ALICE}"}}"#), "")),
            Allow,
            None,
        ),
        case(
            "trust naming the account needs an identity policy",
            assume(ALICE)
                .resource_policy(&trust(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#, "")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "trust naming the account plus identity allow",
            assume(ALICE)
                .identity(&allow("sts:AssumeRole", target))
                .resource_policy(&trust(r#"{"AWS":"111122223333"}"#, "")),
            Allow,
            None,
        ),
        case(
            "identity allow without trust policy: denied",
            assume(ALICE).identity(&allow("sts:AssumeRole", "*")),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "identity allow with a trust policy naming someone else: denied",
            assume(ALICE)
                .identity(&allow("sts:AssumeRole", "*"))
                .resource_policy(&trust(
                    r#"{"AWS":"arn:aws:iam::111122223333:user/bob"}"#,
                    "",
                )),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "cross-account assume role needs both sides",
            assume(OTHER_SESSION)
                .resource_policy(&trust(r#"{"AWS":"arn:aws:iam::444455556666:root"}"#, "")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "cross-account assume role with ExternalId",
            assume(OTHER_SESSION)
                .identity(&allow("sts:AssumeRole", target))
                .resource_policy(&trust(
                    r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
                    external_id,
                ))
                .context("sts:ExternalId", &["Unique1234"]),
            Allow,
            None,
        ),
        case(
            "cross-account assume role without the ExternalId",
            assume(OTHER_SESSION)
                .identity(&allow("sts:AssumeRole", target))
                .resource_policy(&trust(
                    r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
                    external_id,
                )),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "service principal trusted",
            assume("lambda.amazonaws.com")
                .resource_policy(&trust(r#"{"Service":"lambda.amazonaws.com"}"#, "")),
            Allow,
            None,
        ),
        case(
            "service principal not trusted",
            assume("ec2.amazonaws.com")
                .resource_policy(&trust(r#"{"Service":["lambda.amazonaws.com"]}"#, "")),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "SCPs do not apply to service principals",
            assume("lambda.amazonaws.com")
                .scp_level(&[&deny("*", "*")])
                .resource_policy(&trust(r#"{"Service":"lambda.amazonaws.com"}"#, "")),
            Allow,
            None,
        ),
        case(
            "GitHub OIDC web identity with a matching subject",
            Scenario::new(
                "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
                "sts:AssumeRoleWithWebIdentity",
                target,
            )
            .resource_policy(&github_trust())
            .context(
                "token.actions.githubusercontent.com:sub",
                &["repo:acme/app:ref:refs/heads/main"],
            )
            .context(
                "token.actions.githubusercontent.com:aud",
                &["sts.amazonaws.com"],
            ),
            Allow,
            None,
        ),
        case(
            "GitHub OIDC web identity from another repository",
            Scenario::new(
                "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
                "sts:AssumeRoleWithWebIdentity",
                target,
            )
            .resource_policy(&github_trust())
            .context(
                "token.actions.githubusercontent.com:sub",
                &["repo:evil/app:ref:refs/heads/main"],
            )
            .context(
                "token.actions.githubusercontent.com:aud",
                &["sts.amazonaws.com"],
            ),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "key policy naming the account plus identity allow",
            Scenario::new(SESSION, "kms:Decrypt", key)
                .identity(&allow("kms:Decrypt", "*"))
                .resource_policy(&key_policy("arn:aws:iam::111122223333:root")),
            Allow,
            None,
        ),
        case(
            "key policy naming the account without identity allow",
            Scenario::new(SESSION, "kms:Decrypt", key)
                .resource_policy(&key_policy("arn:aws:iam::111122223333:root")),
            ImplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case(
            "identity allow without a key policy grant",
            Scenario::new(SESSION, "kms:Decrypt", key)
                .identity(&allow("kms:*", "*"))
                .resource_policy(&key_policy("arn:aws:iam::111122223333:role/Admin")),
            ImplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "key policy naming the role grants alone",
            Scenario::new(SESSION, "kms:Decrypt", key).resource_policy(&key_policy(ROLE)),
            Allow,
            None,
        ),
    ]);
}

#[test]
fn not_action_not_resource_not_principal() {
    let not_iam = policy(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    let mfa_deny = policy(
        r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:ListMFADevices","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}"#,
    );
    let payroll = policy(
        r#"{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}"#,
    );
    let not_principal = |listed: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":[{listed}]}},"Action":"s3:*","Resource":"*"}}]}}"#
        )
    };
    let all_three = format!(r#""{SESSION}","{ROLE}","arn:aws:iam::111122223333:root""#);
    let bucket =
        || Scenario::new(SESSION, "s3:GetObject", BUCKET_OBJECT).resource_account("111122223333");
    run(vec![
        case("NotAction allows other services", Scenario::new(ALICE, "s3:ListBucket", "*").identity(&not_iam), Allow, None),
        case("NotAction does not allow the listed service", Scenario::new(ALICE, "iam:CreateUser", "*").identity(&not_iam), ImplicitDeny, Some((Layer::Identity, None))),
        case("MFA deny with NotAction: no MFA key, listed action allowed", Scenario::new(ALICE, "iam:ListMFADevices", "*").identity(&mfa_deny), Allow, None),
        case("MFA deny with NotAction: no MFA key, other action denied", Scenario::new(ALICE, "ec2:RunInstances", "*").identity(&mfa_deny), ExplicitDeny, Some((Layer::Identity, None))),
        case(
            "MFA deny with NotAction: MFA present",
            Scenario::new(ALICE, "ec2:RunInstances", "*").identity(&mfa_deny).context("aws:MultiFactorAuthPresent", &["true"]),
            Allow,
            None,
        ),
        case("NotResource: other bucket allowed", Scenario::new(ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Reviews/x").identity(&payroll), Allow, None),
        case("NotResource: payroll not allowed", Scenario::new(ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x").identity(&payroll), ImplicitDeny, Some((Layer::Identity, None))),
        case(
            "Deny with NotResource denies everything else",
            Scenario::new(ALICE, "s3:GetObject", "arn:aws:s3:::other/x").identity(&allow("s3:*", "*")).identity(&policy(
                r#"{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::mine","arn:aws:s3:::mine/*"]}"#
            )),
            ExplicitDeny,
            Some((Layer::Identity, None)),
        ),
        case("NotPrincipal listing session, role and account: not denied", bucket().resource_policy(&not_principal(&all_three)), Allow, None),
        case(
            "NotPrincipal listing only the session: the account is not listed, denied",
            bucket().resource_policy(&not_principal(&format!(r#""{SESSION}""#))),
            ExplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "NotPrincipal deny always denies a principal with a boundary",
            bucket().resource_policy(&not_principal(&all_three)).boundary(&allow("s3:*", "*")),
            ExplicitDeny,
            Some((Layer::Resource, None)),
        ),
        case(
            "NotPrincipal deny applies to other principals",
            Scenario::new("arn:aws:iam::111122223333:user/mallory", "s3:GetObject", BUCKET_OBJECT).resource_policy(&not_principal(&all_three)),
            ExplicitDeny,
            Some((Layer::Resource, None)),
        ),
    ]);
}

#[test]
fn resource_control_policies() {
    let perimeter = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;
    let cross = || {
        Scenario::new(OTHER_SESSION, "s3:GetObject", BUCKET_OBJECT)
            .resource_account("111122223333")
            .identity(&allow("s3:GetObject", "*"))
            .resource_policy(&bucket_policy("444455556666", "s3:GetObject"))
    };
    run(vec![
        case("RCP full access keeps the grant", cross().rcp_level(&[RCP_FULL_ACCESS]), Allow, None),
        case("RCP perimeter denies outside principals", cross().rcp_level(&[RCP_FULL_ACCESS, perimeter]), ExplicitDeny, Some((Layer::Rcp, Some(0)))),
        case(
            "RCP perimeter lets organization principals through",
            cross().rcp_level(&[RCP_FULL_ACCESS, perimeter]).context("aws:PrincipalOrgID", &["o-abc123"]),
            Allow,
            None,
        ),
        case(
            "RCP level without allow",
            cross().rcp_level(&[RCP_FULL_ACCESS]).rcp_level(&[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}"#]),
            ImplicitDeny,
            Some((Layer::Rcp, Some(1))),
        ),
    ]);
}

#[test]
fn implicit_deny_names_the_near_misses() {
    let identity = policy(
        r#"{"Sid":"OtherBucket","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"},
           {"Sid":"OnlyFromVpn","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
           {"Sid":"Unrelated","Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    );
    let decision = Scenario::new(ALICE, "s3:GetObject", BUCKET_OBJECT)
        .identity(&identity)
        .context("aws:SourceIp", &["192.0.2.1"])
        .evaluate();
    assert_eq!(decision.decision, ImplicitDeny);
    let notes: Vec<(&str, &str)> = decision
        .reasons
        .iter()
        .filter(|r| r.kind == ReasonKind::Note)
        .map(|r| (r.statement.as_deref().unwrap_or(""), r.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        vec![
            (
                "OtherBucket",
                "allows the action but not the resource `arn:aws:s3:::example-bucket/key`"
            ),
            (
                "OnlyFromVpn",
                "allows the action but its condition on `aws:SourceIp` is not met"
            ),
        ],
        "{decision}"
    );
}

#[test]
fn decisions_serialize_as_documented() {
    let decision = Scenario::new(ALICE, "s3:GetObject", BUCKET_OBJECT)
        .identity(&policy(
            r#"{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
        ))
        .identity(&policy(
            r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
        ))
        .evaluate();
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "decision": "ExplicitDeny",
            "reasons": [{
                "kind": "deny",
                "layer": "identity",
                "policy": "identity-1",
                "statement": "#0",
                "message": "explicit deny: overrides every allow"
            }]
        })
    );
}
