//! Escalation edges and RCPs, one small live organization per case: each edge of
//! `warden_access::paths` found where AWS allows it and not where it does not, and RCPs deciding
//! who-can and paths on the resources of their accounts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

use warden_access::{AccessModel, Goal};
use warden_live::{
    LiveAccount, LiveGroup, LiveManagedPolicy, LivePolicyVersion, LiveRole, LiveScp, LiveUser,
};
use warden_spec::Organization;

const PROD: &str = "222233334444";
const OTHER: &str = "333344445555";

fn org() -> Organization {
    serde_json::from_value(serde_json::json!({
        "id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
        "accounts": [
            {"id": PROD, "name": "prod", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}},
            {"id": OTHER, "name": "other", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}}
        ],
        "organizational_units": []
    }))
    .unwrap()
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn allow(action: &str, resource: &str) -> String {
    policy(&format!(
        r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#
    ))
}

const ADMIN: &str = r#"{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}"#;

fn trust_service(service: &str) -> String {
    policy(&format!(
        r#"{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}"#
    ))
}

fn trust_account(account: &str) -> String {
    policy(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}"#
    ))
}

fn role(account: &str, name: &str, trust: &str, inline: &[(&str, &str)]) -> LiveRole {
    LiveRole {
        name: name.into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{account}:role/{name}"),
        trust_policy: trust.into(),
        inline_policies: inline
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_string()))
            .collect(),
        ..LiveRole::default()
    }
}

fn user(name: &str, groups: &[&str], inline: &[(&str, &str)]) -> LiveUser {
    LiveUser {
        name: name.into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{PROD}:user/{name}"),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        inline_policies: inline
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_string()))
            .collect(),
        ..LiveUser::default()
    }
}

fn group(name: &str, inline: &[(&str, &str)]) -> LiveGroup {
    LiveGroup {
        name: name.into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{PROD}:group/{name}"),
        inline_policies: inline
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_string()))
            .collect(),
        ..LiveGroup::default()
    }
}

fn account(id: &str, roles: Vec<LiveRole>) -> LiveAccount {
    LiveAccount {
        account_id: id.into(),
        roles,
        ..LiveAccount::default()
    }
}

fn full_access() -> Vec<LiveScp> {
    vec![LiveScp {
        name: "FullAWSAccess".into(),
        content: allow("*", "*"),
        targets: vec!["r-ab12".into(), PROD.into(), OTHER.into()],
        ..LiveScp::default()
    }]
}

fn model(accounts: &[LiveAccount], rcps: &[LiveScp]) -> AccessModel {
    warden_access::model::from_live(&org(), &full_access(), rcps, accounts, &mut |_| None).unwrap()
}

/// (method, target name) of each step of the path from `from` (a name in prod).
fn steps(model: &AccessModel, goal: Goal, from: &str) -> Vec<(String, String)> {
    let arn = model
        .principals
        .iter()
        .find(|p| p.name == from)
        .map(|p| p.arn.clone())
        .unwrap();
    let found = warden_access::paths(model, goal, Some(&arn)).unwrap();
    found
        .iter()
        .flat_map(|path| &path.steps)
        .map(|step| {
            let name = step.to.rsplit('/').next().unwrap_or_default().to_string();
            (step.method.clone(), name)
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Code execution in an existing resource: the caller may change what runs as a more
/// privileged role (a Lambda function's code, a Glue dev endpoint, commands on an instance).
#[test]
fn code_execution_in_existing_resources_reaches_the_role_they_run_as() {
    let cases = [
        (
            "lambda:UpdateFunctionCode",
            "lambda.amazonaws.com",
            "lambda-update-function-code",
        ),
        (
            "glue:UpdateDevEndpoint",
            "glue.amazonaws.com",
            "glue-update-dev-endpoint",
        ),
        ("ssm:SendCommand", "ec2.amazonaws.com", "ssm-send-command"),
        ("ssm:StartSession", "ec2.amazonaws.com", "ssm-start-session"),
    ];
    for (action, service, method) in cases {
        let live = account(
            PROD,
            vec![
                role(
                    PROD,
                    "dev",
                    &trust_account(PROD),
                    &[("main", &allow(action, "*"))],
                ),
                role(
                    PROD,
                    "runner",
                    &trust_service(service),
                    &[("main", &policy(ADMIN))],
                ),
            ],
        );
        let model = model(&[live], &[]);
        assert_eq!(
            steps(&model, Goal::Admin, "dev"),
            pairs(&[(method, "runner"), ("admin", "runner")]),
            "{action}"
        );
        // A role the service does not trust is not reached that way.
        let live = account(
            PROD,
            vec![
                role(
                    PROD,
                    "dev",
                    &trust_account(PROD),
                    &[("main", &allow(action, "*"))],
                ),
                role(
                    PROD,
                    "runner",
                    &trust_service("states.amazonaws.com"),
                    &[("main", &policy(ADMIN))],
                ),
            ],
        );
        assert!(
            steps(&model_of(live), Goal::Admin, "dev").is_empty(),
            "{action}"
        );
    }
    // The function must be in the role's account: another account's role is out of reach.
    let dev = account(
        OTHER,
        vec![role(
            OTHER,
            "dev",
            &trust_account(OTHER),
            &[("main", &allow("lambda:UpdateFunctionCode", "*"))],
        )],
    );
    let prod = account(
        PROD,
        vec![role(
            PROD,
            "runner",
            &trust_service("lambda.amazonaws.com"),
            &[("main", &policy(ADMIN))],
        )],
    );
    assert!(steps(&model(&[dev, prod], &[]), Goal::Admin, "dev").is_empty());
}

fn model_of(live: LiveAccount) -> AccessModel {
    model(&[live], &[])
}

/// Group methods: a user who can put a policy on its own group, attach one, or add itself to
/// an administrators' group.
#[test]
fn group_methods_change_a_users_permissions() {
    let group_arn = |name: &str| format!("arn:aws:iam::{PROD}:group/{name}");
    let cases = [
        ("iam:PutGroupPolicy", group_arn("devs")),
        ("iam:AttachGroupPolicy", group_arn("devs")),
        ("iam:AddUserToGroup", group_arn("admins")),
    ];
    for (action, resource) in &cases {
        let mut live = account(PROD, Vec::new());
        live.groups = vec![
            group("devs", &[("main", &allow("s3:GetObject", "*"))]),
            group("admins", &[("main", &policy(ADMIN))]),
        ];
        live.users = vec![user(
            "alice",
            &["devs"],
            &[("main", &allow(action, resource))],
        )];
        let found = steps(&model_of(live), Goal::Admin, "alice");
        assert_eq!(found, pairs(&[("modify-permissions", "alice")]), "{action}");
    }
    // Adding oneself to a group that is no more privileged leads nowhere.
    let mut live = account(PROD, Vec::new());
    live.groups = vec![group("readers", &[("main", &allow("s3:GetObject", "*"))])];
    live.users = vec![user(
        "bob",
        &[],
        &[("main", &allow("iam:AddUserToGroup", "*"))],
    )];
    assert!(steps(&model_of(live), Goal::Admin, "bob").is_empty());
    // Putting a policy on a group one is not in changes nothing for oneself.
    let mut live = account(PROD, Vec::new());
    live.groups = vec![group("devs", &[])];
    live.users = vec![user(
        "carol",
        &[],
        &[("main", &allow("iam:PutGroupPolicy", "*"))],
    )];
    assert!(steps(&model_of(live), Goal::Admin, "carol").is_empty());
}

/// `iam:SetDefaultPolicyVersion` brings back an older version of an attached policy; a path
/// only when that version makes the principal an administrator.
#[test]
fn an_older_policy_version_made_default_again() {
    let arn = format!("arn:aws:iam::{PROD}:policy/app");
    let live = |old: &str| {
        let mut dev = role(
            PROD,
            "dev",
            &trust_account(PROD),
            &[("main", &allow("iam:SetDefaultPolicyVersion", &arn))],
        );
        dev.attached_policy_arns = vec![arn.clone()];
        let mut live = account(PROD, vec![dev]);
        live.policies = vec![LiveManagedPolicy {
            name: "app".into(),
            path: "/".into(),
            arn: arn.clone(),
            default_version_id: "v2".into(),
            document: allow("s3:GetObject", "*"),
            versions: vec![
                LivePolicyVersion {
                    version_id: "v1".into(),
                    is_default: false,
                    document: old.into(),
                    created: None,
                },
                LivePolicyVersion {
                    version_id: "v2".into(),
                    is_default: true,
                    document: allow("s3:GetObject", "*"),
                    created: None,
                },
            ],
            ..LiveManagedPolicy::default()
        }];
        live
    };
    let found = steps(&model_of(live(&policy(ADMIN))), Goal::Admin, "dev");
    assert_eq!(found, pairs(&[("modify-permissions", "dev")]));
    let found = steps(&model_of(live(&allow("s3:*", "*"))), Goal::Admin, "dev");
    assert!(found.is_empty(), "{found:?}");
}

/// Removing or replacing a permissions boundary takes a principal out of it; when its own
/// policies are an administrator's, that makes it one.
#[test]
fn boundary_removal_leaves_the_boundary() {
    let boundary_arn = format!("arn:aws:iam::{PROD}:policy/cap");
    for action in [
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
    ] {
        let mut capped = role(
            PROD,
            "capped",
            &trust_account(PROD),
            &[("admin", &policy(ADMIN))],
        );
        capped.permissions_boundary_arn = Some(boundary_arn.clone());
        let mut live = account(PROD, vec![capped]);
        live.policies = vec![LiveManagedPolicy {
            name: "cap".into(),
            path: "/".into(),
            arn: boundary_arn.clone(),
            default_version_id: "v1".into(),
            document: policy(&format!(
                r#"{{"Effect":"Allow","Action":["s3:GetObject","{action}"],"Resource":"*"}}"#
            )),
            ..LiveManagedPolicy::default()
        }];
        let model = model_of(live);
        let method = if action.starts_with("iam:Delete") {
            "iam-delete-role-permissions-boundary"
        } else {
            "iam-put-role-permissions-boundary"
        };
        assert_eq!(
            steps(&model, Goal::Boundary, "capped"),
            pairs(&[(method, "capped")]),
            "{action}"
        );
        assert_eq!(
            steps(&model, Goal::Admin, "capped"),
            pairs(&[("modify-permissions", "capped")]),
            "{action}"
        );
    }
}

/// RCPs above the resource's account decide too: an organization-only RCP on prod keeps an
/// outside account named by a bucket policy out, and stops an assume-role edge into prod from
/// a principal outside the organization's data perimeter.
#[test]
fn rcps_of_the_resources_account_decide_who_can_and_paths() {
    let perimeter = LiveScp {
        name: "org-only".into(),
        content: policy(
            r#"{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":["s3:*","sts:AssumeRole"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-test12345"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}"#,
        ),
        targets: vec![PROD.into()],
        ..LiveScp::default()
    };
    let rcp_full = LiveScp {
        name: "RCPFullAWSAccess".into(),
        content: policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#),
        targets: vec!["r-ab12".into(), PROD.into(), OTHER.into()],
        ..LiveScp::default()
    };
    let live = account(
        PROD,
        vec![role(
            PROD,
            "reader",
            &trust_account(PROD),
            &[("main", &allow("s3:GetObject", "*"))],
        )],
    );
    let bucket = warden_eval::LabeledPolicy::new(
        "bucket:reports",
        warden_policy::parse_policy(&policy(
            r#"{"Sid":"Auditor","Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}"#,
        ))
        .unwrap(),
    );
    let who = |rcps: &[LiveScp]| {
        let model = model(std::slice::from_ref(&live), rcps);
        let answer = warden_access::who_can(
            &model,
            &["s3:GetObject".to_string()],
            "arn:aws:s3:::reports/q3.csv",
            Some(PROD),
            Some(&bucket),
        )
        .unwrap();
        answer
            .entries
            .iter()
            .map(|e| e.principal.clone())
            .collect::<Vec<_>>()
    };
    let reader = format!("arn:aws:iam::{PROD}:role/reader");
    assert_eq!(who(&[]), [reader.clone(), "999988887777".to_string()]);
    assert_eq!(
        who(&[rcp_full.clone(), perimeter.clone()]),
        std::slice::from_ref(&reader)
    );
    // RCPs do not reach services that do not support them: an EC2 action is unaffected.
    let fenced_model = model(
        std::slice::from_ref(&live),
        &[rcp_full.clone(), perimeter.clone()],
    );
    let answer = warden_access::who_can(
        &fenced_model,
        &["ec2:StartInstances".to_string()],
        &format!("arn:aws:ec2:us-east-1:{PROD}:instance/i-1"),
        None,
        None,
    )
    .unwrap();
    assert!(answer.entries.is_empty(), "reader may not start instances");

    // An RCP on prod denying sts:AssumeRole to everyone but one role's session stops the edge.
    let fenced = LiveScp {
        name: "no-assume".into(),
        content: policy(&format!(
            r#"{{"Sid":"OnlyOps","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringNotEquals":{{"aws:PrincipalArn":"arn:aws:iam::{OTHER}:role/ops"}}}}}}"#
        )),
        targets: vec![PROD.into()],
        ..LiveScp::default()
    };
    let accounts = [
        account(
            OTHER,
            vec![role(
                OTHER,
                "dev",
                &trust_account(OTHER),
                &[("main", &allow("sts:AssumeRole", "*"))],
            )],
        ),
        account(
            PROD,
            vec![role(
                PROD,
                "admin",
                &trust_account(OTHER),
                &[("main", &policy(ADMIN))],
            )],
        ),
    ];
    let open = model(&accounts, std::slice::from_ref(&rcp_full));
    assert_eq!(
        steps(&open, Goal::Admin, "dev"),
        pairs(&[("sts-assume-role", "admin"), ("admin", "admin")])
    );
    let closed = model(&accounts, &[rcp_full, fenced]);
    assert!(steps(&closed, Goal::Admin, "dev").is_empty());
}
