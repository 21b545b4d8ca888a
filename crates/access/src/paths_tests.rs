//! The escalation search against brute force on generated small organizations: the pruned
//! graph (requests that can only be denied are not built) and the search from the principals
//! that can reach the goal give exactly the paths of the full graph searched from every
//! principal, and the path lengths and last steps of a plain breadth-first search written
//! apart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

use std::collections::{BTreeMap, VecDeque};

use warden_live::{
    LiveAccount, LiveGroup, LiveManagedPolicy, LivePolicyVersion, LiveRole, LiveScp, LiveUser,
};
use warden_spec::Organization;

use super::*;

const ACCOUNTS: [&str; 2] = ["222233334444", "333344445555"];

/// The same pseudo-random sequence every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % below.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

fn org() -> Organization {
    serde_json::from_value(serde_json::json!({
        "id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
        "accounts": ACCOUNTS.iter().map(|id| serde_json::json!(
            {"id": id, "name": id, "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}}
        )).collect::<Vec<_>>(),
        "organizational_units": []
    }))
    .unwrap()
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn role_arn(account: &str, name: &str) -> String {
    Arn::role(warden_policy::Partition::Aws, account, "/", name).to_string()
}

/// One identity statement from a pool of escalation-relevant and irrelevant grants.
fn statement(random: &mut Lcg, account: &str, roles: usize) -> String {
    let target = role_arn(account, &format!("r{}", random.next(roles)));
    let allow = |action: &str, resource: &str| {
        format!(r#"{{"Effect":"Allow","Action":{action},"Resource":"{resource}"}}"#)
    };
    match random.next(16) {
        0 => allow(r#""sts:AssumeRole""#, "*"),
        1 => allow(r#""sts:AssumeRole""#, &target),
        2 => allow(
            r#"["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"]"#,
            "*",
        ),
        3 => allow(r#""iam:PutRolePolicy""#, &target),
        4 => allow(r#""iam:AttachUserPolicy""#, "*"),
        5 => allow(r#""iam:UpdateAssumeRolePolicy""#, &target),
        6 => allow(r#""*""#, "*"),
        7 => allow(r#"["iam:CreateAccessKey","iam:AddUserToGroup"]"#, "*"),
        8 => allow(r#""iam:DeleteRolePermissionsBoundary""#, "*"),
        9 => allow(r#""lambda:UpdateFunctionCode""#, "*"),
        10 => r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#.to_string(),
        11 => format!(
            r#"{{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{{"StringNotEquals":{{"aws:PrincipalArn":"{target}"}}}}}}"#
        ),
        12 => allow(r#"["iam:CreatePolicyVersion","iam:SetDefaultPolicyVersion"]"#, "*"),
        13 => allow(r#"["iam:PutGroupPolicy","iam:CreateLoginProfile"]"#, "*"),
        14 => allow(r#"["ssm:SendCommand","ssm:StartSession"]"#, "*"),
        _ => allow(r#""s3:GetObject""#, "*"),
    }
}

/// A trust policy from a pool: the own account, the other account, one role, a service,
/// everyone in the organization, or nothing that admits a role session.
fn trust(random: &mut Lcg, account: &str, other: &str, roles: usize) -> String {
    let principal = |json: String| {
        format!(r#"{{"Effect":"Allow","Principal":{json},"Action":"sts:AssumeRole"}}"#)
    };
    let statement = match random.next(7) {
        0 => principal(format!(r#"{{"AWS":"{account}"}}"#)),
        1 => principal(format!(r#"{{"AWS":"{other}"}}"#)),
        2 => principal(format!(
            r#"{{"AWS":"{}"}}"#,
            role_arn(account, &format!("r{}", random.next(roles)))
        )),
        3 => principal(format!(
            r#"{{"Service":"{}"}}"#,
            random.pick(&["lambda.amazonaws.com", "ec2.amazonaws.com", "glue.amazonaws.com"])
        )),
        4 => r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-test12345"}}}"#.to_string(),
        5 => principal(format!(
            r#"{{"AWS":"{}"}}"#,
            role_arn(other, &format!("r{}", random.next(roles)))
        )),
        _ => principal(r#"{"Service":"ecs-tasks.amazonaws.com"}"#.to_string()),
    };
    policy(&[statement])
}

fn inline(random: &mut Lcg, account: &str, roles: usize) -> BTreeMap<String, String> {
    let count = random.next(3);
    let statements: Vec<String> = (0..=count)
        .map(|_| statement(random, account, roles))
        .collect();
    BTreeMap::from([("p".to_string(), policy(&statements))])
}

fn account(random: &mut Lcg, index: usize) -> LiveAccount {
    let (id, other) = (ACCOUNTS[index], ACCOUNTS[1 - index]);
    let roles = 2 + random.next(4);
    let boundary_arn =
        Arn::managed_policy(warden_policy::Partition::Aws, id, "/", "cap").to_string();
    let managed_arn =
        Arn::managed_policy(warden_policy::Partition::Aws, id, "/", "shared").to_string();
    let old = policy(&[statement(random, id, roles)]);
    let policies = vec![
        LiveManagedPolicy {
            name: "cap".into(),
            path: "/".into(),
            arn: boundary_arn.clone(),
            default_version_id: "v1".into(),
            document: policy(&[
                r#"{"Effect":"Allow","Action":["s3:*","sts:AssumeRole","iam:PassRole","lambda:*"],"Resource":"*"}"#.to_string(),
            ]),
            ..LiveManagedPolicy::default()
        },
        LiveManagedPolicy {
            name: "shared".into(),
            path: "/".into(),
            arn: managed_arn.clone(),
            default_version_id: "v2".into(),
            document: policy(&[statement(random, id, roles)]),
            versions: vec![
                LivePolicyVersion {
                    version_id: "v1".into(),
                    is_default: false,
                    document: old,
                    created: None,
                },
                LivePolicyVersion {
                    version_id: "v2".into(),
                    is_default: true,
                    document: String::new(),
                    created: None,
                },
            ],
            ..LiveManagedPolicy::default()
        },
    ];
    let roles_list: Vec<LiveRole> = (0..roles)
        .map(|r| LiveRole {
            name: format!("r{r}"),
            path: "/".into(),
            arn: role_arn(id, &format!("r{r}")),
            trust_policy: trust(random, id, other, roles),
            inline_policies: inline(random, id, roles),
            attached_policy_arns: if random.next(3) == 0 {
                vec![managed_arn.clone()]
            } else {
                Vec::new()
            },
            permissions_boundary_arn: (random.next(3) == 0).then(|| boundary_arn.clone()),
            ..LiveRole::default()
        })
        .collect();
    let group_arn = Arn::iam(warden_policy::Partition::Aws, id, "group/ops").to_string();
    let groups = vec![LiveGroup {
        name: "ops".into(),
        path: "/".into(),
        arn: group_arn,
        inline_policies: inline(random, id, roles),
        ..LiveGroup::default()
    }];
    let users: Vec<LiveUser> = (0..random.next(3))
        .map(|u| LiveUser {
            name: format!("u{u}"),
            path: "/".into(),
            arn: Arn::user(warden_policy::Partition::Aws, id, "/", &format!("u{u}")).to_string(),
            groups: if random.next(2) == 0 {
                vec!["ops".into()]
            } else {
                Vec::new()
            },
            inline_policies: inline(random, id, roles),
            permissions_boundary_arn: (random.next(4) == 0).then(|| boundary_arn.clone()),
            ..LiveUser::default()
        })
        .collect();
    LiveAccount {
        account_id: id.into(),
        roles: roles_list,
        users,
        groups,
        policies,
        ..LiveAccount::default()
    }
}

fn generated(seed: u64) -> AccessModel {
    let mut random = Lcg(seed);
    let accounts = [account(&mut random, 0), account(&mut random, 1)];
    let scps = vec![LiveScp {
        name: "FullAWSAccess".into(),
        content: policy(&[r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#.to_string()]),
        targets: vec!["r-ab12".into(), ACCOUNTS[0].into(), ACCOUNTS[1].into()],
        ..LiveScp::default()
    }];
    crate::model::from_live(&org(), &scps, &[], &accounts, &mut |_| None).unwrap()
}

/// Every request built and decided, and a fresh search from every principal.
fn unpruned(model: &AccessModel, goal: Goal) -> (Graph<'_>, Vec<EscalationPath>) {
    let graph = build(model, false);
    let n = model.principals.len();
    let found = (0..n)
        .filter_map(|start| shortest(&graph, start, goal, &mut Scratch::new(n)))
        .collect();
    (graph, found)
}

/// A plain breadth-first search, written apart from [`shortest`]: per start, the number of
/// steps and the last step's method and target, or nothing.
fn brute_force(graph: &Graph<'_>, goal: Goal) -> Vec<Option<(usize, String, String)>> {
    let principals = &graph.model.principals;
    let n = principals.len();
    (0..n)
        .map(|start| {
            let bounded = |node: usize| principals[node].policies.permissions_boundary.is_some();
            match goal {
                Goal::Admin if graph.admin[start].is_some() => return None,
                Goal::Boundary if !bounded(start) => return None,
                _ => {}
            }
            let mut distance: Vec<Option<usize>> = vec![None; n];
            let mut queue = VecDeque::from([start]);
            let mut order = Vec::new();
            distance[start] = Some(0);
            while let Some(node) = queue.pop_front() {
                order.push(node);
                for edge in &graph.edges[node] {
                    if distance[edge.to].is_none() {
                        distance[edge.to] = Some(distance[node].unwrap() + 1);
                        queue.push_back(edge.to);
                    }
                }
            }
            let reached = |node: usize| distance[node].is_some();
            let arn = |node: usize| principals[node].arn.clone();
            for &node in &order {
                let d = distance[node].unwrap();
                match goal {
                    Goal::Admin => {
                        if graph.admin[node].is_some() {
                            return Some((d + 1, "admin".to_string(), arn(node)));
                        }
                        if let Some((target, _)) =
                            graph.modifies[node].iter().find(|(t, _)| reached(*t))
                        {
                            let back = if *target == node {
                                0
                            } else {
                                distance[*target].unwrap()
                            };
                            let last = if back == 0 {
                                ("modify-permissions".to_string(), arn(*target))
                            } else {
                                (String::new(), String::new())
                            };
                            return Some((d + 1 + back, last.0, last.1));
                        }
                    }
                    Goal::Boundary => {
                        if node != start && !bounded(node) {
                            return Some((d, String::new(), arn(node)));
                        }
                        if let Some((target, _)) =
                            graph.unbounds[node].iter().find(|(t, _)| reached(*t))
                        {
                            let back = if *target == node {
                                0
                            } else {
                                distance[*target].unwrap()
                            };
                            return Some((d + 1 + back, String::new(), arn(*target)));
                        }
                    }
                }
            }
            None
        })
        .collect()
}

#[test]
fn pruned_graph_and_search_give_the_brute_force_answers() {
    let (mut with_paths, mut checked) = (0, 0);
    for seed in 0..120 {
        let model = generated(seed);
        for goal in [Goal::Admin, Goal::Boundary] {
            let fast = paths(&model, goal, None).unwrap();
            let (graph, full) = unpruned(&model, goal);
            assert_eq!(fast, full, "seed {seed}, {goal:?}");
            let expected = brute_force(&graph, goal);
            let principals = &model.principals;
            for (start, answer) in expected.iter().enumerate() {
                let got = fast.iter().find(|p| p.from == principals[start].arn);
                assert_eq!(
                    got.map(|p| p.steps.len()),
                    answer.as_ref().map(|(steps, _, _)| *steps),
                    "seed {seed}, {goal:?}, from {}",
                    principals[start].arn
                );
                if let (Some(path), Some((_, method, to))) = (got, answer)
                    && !method.is_empty()
                {
                    let last = path.steps.last().unwrap();
                    assert_eq!((&last.method, &last.to), (method, to), "seed {seed}");
                }
                checked += 1;
            }
            with_paths += fast.len();
        }
    }
    // The generator makes organizations with and without paths, not only one kind.
    assert!(with_paths > 100, "{with_paths} paths");
    assert!(checked > with_paths * 2, "{checked} principals checked");
}
