//! AWS's documented special cases, each as a request file: GetCallerIdentity, AWS-protected
//! resources, AWS-owned resources, anonymous callers, VPC endpoint policies, resource
//! patterns, and the input IAM itself rejects.

use warden_eval::resource_pattern::{PatternVerdict, decide_pattern};
use warden_eval::{
    CompiledPolicySet, ContextOverrides, Decision, DecisionKind, Layer, parse_request_file,
};

use DecisionKind::{Allow, ExplicitDeny, ImplicitDeny};

#[expect(clippy::unwrap_used, reason = "test requests are known-good")]
fn decide(json: &str) -> Decision {
    let (set, request) = parse_request_file("request.json", json, &ContextOverrides::default())
        .map_err(|errors| errors.to_string())
        .unwrap();
    CompiledPolicySet::compile(&set).evaluate(&request)
}

fn error(json: &str) -> String {
    parse_request_file("request.json", json, &ContextOverrides::default())
        .err()
        .map(|errors| errors.to_string())
        .unwrap_or_default()
}

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const DENY_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;

/// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
#[test]
fn get_caller_identity_is_allowed_even_under_an_explicit_deny() {
    let decision = decide(&format!(
        r#"{{"principal":"arn:aws:sts::111122223333:assumed-role/Dev/alice","action":"sts:GetCallerIdentity","resource":"*",
            "identity_policies":[{DENY_ALL}],"scps":[[{DENY_ALL}]]}}"#
    ));
    assert_eq!(decision.decision, Allow, "{decision}");
    assert!(
        decision.reasons[0].message.contains("needs no permission"),
        "{decision}"
    );
    // Without any policy at all, too.
    let bare = decide(
        r#"{"principal":"arn:aws:iam::111122223333:user/bob","action":"sts:GetCallerIdentity","resource":"*"}"#,
    );
    assert_eq!(bare.decision, Allow, "{bare}");
}

/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
/// https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
#[test]
fn aws_protected_resources_cannot_be_changed_even_by_an_administrator() {
    let admin = |action: &str, resource: &str| {
        decide(&format!(
            r#"{{"principal":"arn:aws:iam::111122223333:role/Admin","action":"{action}","resource":"{resource}","identity_policies":[{ADMIN}]}}"#
        ))
    };
    let cases = [
        (
            "iam:CreatePolicyVersion",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ExplicitDeny,
        ),
        (
            "iam:DeletePolicy",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            ExplicitDeny,
        ),
        (
            "iam:GetPolicy",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            Allow,
        ),
        (
            "iam:PutRolePolicy",
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_1a2b3c",
            ExplicitDeny,
        ),
        (
            "iam:AttachRolePolicy",
            "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            ExplicitDeny,
        ),
        (
            "iam:UpdateRoleDescription",
            "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            Allow,
        ),
        (
            "kms:CreateAlias",
            "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3",
            ExplicitDeny,
        ),
        (
            "kms:CreateAlias",
            "arn:aws:kms:eu-west-1:111122223333:alias/app",
            Allow,
        ),
    ];
    for (action, resource, expected) in cases {
        let decision = admin(action, resource);
        assert_eq!(
            decision.decision, expected,
            "{action} {resource}: {decision}"
        );
    }
}

/// An AWS managed policy is in account `aws`: reading it needs no resource policy from that
/// "other account", and the organization's RCPs do not reach it.
#[test]
fn aws_owned_resources_need_no_resource_policy() {
    let decision = decide(&format!(
        r#"{{"principal":"arn:aws:iam::111122223333:user/bob","action":"iam:GetPolicyVersion",
            "resource":"arn:aws:iam::aws:policy/ReadOnlyAccess","identity_policies":[{ADMIN}],
            "rcps":[[{DENY_ALL}]]}}"#
    ));
    assert_eq!(decision.decision, Allow, "{decision}");
}

/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
#[test]
fn anonymous_callers_need_a_policy_that_names_everyone() {
    let bucket_policy = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}}]}}"#
        )
    };
    let request = |policy: &str| {
        decide(&format!(
            r#"{{"principal":"*","action":"s3:GetObject","resource":"arn:aws:s3:::public-site/index.html","resource_account":"111122223333","resource_policy":{policy}}}"#
        ))
    };
    assert_eq!(request(&bucket_policy(r#""*""#)).decision, Allow);
    assert_eq!(request(&bucket_policy(r#"{"AWS":"*"}"#)).decision, Allow);
    let account = request(&bucket_policy(r#"{"AWS":"111122223333"}"#));
    assert_eq!(account.decision, ImplicitDeny, "{account}");
    assert!(
        account.reasons[0].message.contains("anonymous"),
        "{account}"
    );
    let none = decide(
        r#"{"principal":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::public-site/index.html","identity_policies":[]}"#,
    );
    assert_eq!(none.decision, ImplicitDeny, "{none}");
}

/// https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
#[test]
fn vpc_endpoint_policies_must_allow_too() {
    let endpoint = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::approved-bucket/*"}]}"#;
    let request = |resource: &str| {
        decide(&format!(
            r#"{{"principal":"arn:aws:iam::111122223333:role/App","action":"s3:GetObject","resource":"{resource}",
                "identity_policies":[{ADMIN}],"vpc_endpoint_policy":{endpoint}}}"#
        ))
    };
    assert_eq!(request("arn:aws:s3:::approved-bucket/a").decision, Allow);
    let other = request("arn:aws:s3:::other-bucket/a");
    assert_eq!(other.decision, ImplicitDeny, "{other}");
    assert_eq!(other.reasons[0].layer, Layer::VpcEndpoint, "{other}");
    // An account principal in a gateway endpoint policy admits only the root user.
    let account_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}]}"#;
    let decision = decide(&format!(
        r#"{{"principal":"arn:aws:iam::111122223333:role/App","action":"s3:GetObject","resource":"arn:aws:s3:::b/a",
            "identity_policies":[{ADMIN}],"vpc_endpoint_policy":{account_only}}}"#
    ));
    assert_eq!(decision.decision, ImplicitDeny, "{decision}");
    let deny = decide(&format!(
        r#"{{"principal":"arn:aws:iam::111122223333:role/App","action":"s3:GetObject","resource":"arn:aws:s3:::b/a",
            "identity_policies":[{ADMIN}],"vpc_endpoint_policy":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}]}}}}"#
    ));
    assert_eq!(deny.decision, ExplicitDeny, "{deny}");
}

#[test]
fn resource_patterns_are_decided_for_all_some_or_none() {
    let run = |resource: &str| {
        let json = format!(
            r#"{{"principal":"arn:aws:iam::111122223333:role/Reader","action":"s3:GetObject","resource":"{resource}",
                "identity_policies":[{{"Version":"2012-10-17","Statement":[
                    {{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}},
                    {{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/private/*"}}]}}]}}"#
        );
        let (set, request) =
            parse_request_file("request.json", &json, &ContextOverrides::default()).unwrap();
        decide_pattern(&set, &CompiledPolicySet::compile(&set), &request).unwrap()
    };
    let public = run("arn:aws:s3:::data/public/*");
    assert_eq!(public.verdict, PatternVerdict::All, "{public:?}");
    let all = run("arn:aws:s3:::data/*");
    assert_eq!(all.verdict, PatternVerdict::Some, "{all:?}");
    assert!(all.allowed_example.is_some());
    assert!(
        all.denied_example
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:s3:::data/private/"),
        "{all:?}"
    );
    let none = run("arn:aws:s3:::logs/*");
    assert_eq!(none.verdict, PatternVerdict::None, "{none:?}");
    let private = run("arn:aws:s3:::data/private/*");
    assert_eq!(private.verdict, PatternVerdict::None, "{private:?}");
}

/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
/// ("You cannot use the Principal element in an identity-based policy").
#[test]
fn invalid_input_is_an_error_with_its_path_and_position() {
    let principal = error(
        r#"{"principal":"arn:aws:iam::111122223333:user/bob","action":"s3:GetObject","resource":"*",
"identity_policies":[{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}]}"#,
    );
    assert_eq!(
        principal,
        "request.json:3:21: `identity_policies[0].Statement[0].Principal`: `Principal` is not allowed in an identity-based policy: it names who may act only in resource-based policies"
    );
    let boundary = error(
        r#"{"principal":"arn:aws:iam::111122223333:user/bob","action":"s3:GetObject","resource":"*",
"permissions_boundary":{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"1"},"Action":"*","Resource":"*"}}}"#,
    );
    assert!(boundary.starts_with("request.json:2:"), "{boundary}");
    assert!(
        boundary.contains("`permissions_boundary.Statement.NotPrincipal`"),
        "{boundary}"
    );
    let account = error(
        r#"{"principal":"arn:aws:iam::111122223333:user/bob","action":"dynamodb:GetItem",
"resource":"arn:aws:dynamodb:eu-west-1:444455556666:table/t", "resource_account": "111122223333"}"#,
    );
    assert_eq!(
        account,
        "request.json:2:83: `resource_account`: `resource_account` `111122223333` contradicts the account `444455556666` in the resource ARN"
    );
}

/// RCPs name `Principal: "*"`.
const RCP_DENY_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;

/// RCPs govern only the services that support them: a deny-all RCP stops S3 but not EC2.
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services
#[test]
fn rcps_reach_only_the_services_that_support_them() {
    let request = |action: &str, resource: &str| {
        decide(&format!(
            r#"{{"principal":"arn:aws:iam::111122223333:user/bob","action":"{action}","resource":"{resource}",
                "identity_policies":[{ADMIN}],"rcps":[[{RCP_DENY_ALL}]]}}"#
        ))
    };
    let s3 = request("s3:GetObject", "arn:aws:s3:::b/k");
    assert_eq!(s3.decision, ExplicitDeny, "{s3}");
    // CodeBuild joined the list after the five services RCPs launched with.
    let codebuild = request(
        "codebuild:StartBuild",
        "arn:aws:codebuild:us-east-1:111122223333:project/p",
    );
    assert_eq!(codebuild.decision, ExplicitDeny, "{codebuild}");
    let ec2 = request(
        "ec2:StartInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    );
    assert_eq!(ec2.decision, Allow, "{ec2}");
    assert!(
        ec2.to_string()
            .contains("RCPs do not apply to this service"),
        "{ec2}"
    );
    // The reason names no short list of services: CodeBuild above is one of dozens.
    assert!(!ec2.to_string().contains("only S3"), "{ec2}");
}

/// One principal's compiled set serves resources in accounts with other RCPs: the resource's
/// side carries its account's RCP levels, which replace the set's own.
#[test]
fn the_resource_side_brings_the_rcps_of_the_resources_account() {
    use warden_eval::{CompiledResourcePolicy, LabeledPolicy, PolicySet, Request};
    let parse = |text: &str| warden_policy::parse_policy(text).map_err(|e| e.to_string());
    let (Ok(admin), Ok(deny)) = (parse(ADMIN), parse(RCP_DENY_ALL)) else {
        unreachable!("fixed documents parse")
    };
    let set = CompiledPolicySet::compile(&PolicySet {
        identity: vec![LabeledPolicy::new("admin", admin)],
        ..PolicySet::default()
    });
    let Ok(request) = Request::new(
        "arn:aws:iam::111122223333:user/bob",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    ) else {
        unreachable!("valid request")
    };
    let request = request.finish();
    assert_eq!(set.decide(&request), Allow);
    let fenced =
        CompiledResourcePolicy::none().with_rcps(&[vec![LabeledPolicy::new("rcp:deny", deny)]]);
    assert_eq!(set.decide_with(&request, Some(&fenced)), ExplicitDeny);
    let open = CompiledResourcePolicy::none().with_rcps(&[]);
    assert_eq!(set.decide_with(&request, Some(&open)), Allow);
}
