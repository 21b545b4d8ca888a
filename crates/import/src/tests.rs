//! Import round trip: hand-made IAM in two accounts → definition files → loaded by warden-spec
//! → planned as adoptions only, and nothing after them.

use std::collections::{BTreeMap, BTreeSet};

use warden_live::{LiveAccount, LiveManagedPolicy, LivePolicyVersion, LiveRole, LiveScp};
use warden_plan::{Change, from_spec, plan_account, plan_scps};
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

use crate::{ImportInput, import};

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: X_UNSET
regions:
  allowed: [us-east-1]
  home: us-east-1
"#;

fn organization() -> Organization {
    let account = |id: &str, name: &str| Account {
        id: id.into(),
        name: name.into(),
        email: None,
        status: AccountStatus::Active,
        parent_id: "ou-work".into(),
        ou_path: "Root/Workloads".into(),
        tags: BTreeMap::new(),
    };
    Organization {
        id: "o-test".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-root".into(),
        accounts: vec![
            account("111111111111", "dev"),
            account("222222222222", "prod"),
        ],
        organizational_units: vec![OrganizationalUnit {
            id: "ou-work".into(),
            name: "Workloads".into(),
            parent_id: "r-root".into(),
            path: "Root/Workloads".into(),
        }],
    }
}

fn live(id: &str, unique: bool) -> LiveAccount {
    let policy_arn = format!("arn:aws:iam::{id}:policy/shared/shared-read");
    let boundary_arn = format!("arn:aws:iam::{id}:policy/boundaries/cap");
    let document = |action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S{action}","Effect":"Allow","Action":"s3:{action}","Resource":"arn:aws:s3:::logs-{id}/*"}}]}}"#
        )
    };
    let managed =
        |name: &str, path: &str, arn: &str, doc: String, boundary: u32| LiveManagedPolicy {
            name: name.into(),
            path: path.into(),
            arn: arn.into(),
            description: Some(format!("{name} by hand")),
            default_version_id: "v2".into(),
            document: doc.clone(),
            versions: vec![
                LivePolicyVersion {
                    version_id: "v1".into(),
                    is_default: false,
                    ..LivePolicyVersion::default()
                },
                LivePolicyVersion {
                    version_id: "v2".into(),
                    is_default: true,
                    document: doc,
                    created: None,
                },
            ],
            permissions_boundary_usage_count: boundary,
            ..LiveManagedPolicy::default()
        };
    let mut roles = vec![
        LiveRole {
            name: "deployer".into(),
            path: "/ci/".into(),
            arn: format!("arn:aws:iam::{id}:role/ci/deployer"),
            trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
            description: Some("Déploie ✓".into()),
            max_session_duration: Some(7200),
            permissions_boundary_arn: Some(boundary_arn.clone()),
            tags: BTreeMap::from([("team".into(), "platform".into())]),
            inline_policies: BTreeMap::from([("logs".into(), document("PutObject"))]),
            attached_policy_arns: vec![policy_arn.clone(), "arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            ..LiveRole::default()
        },
        LiveRole {
            name: "AWSServiceRoleForAutoScaling".into(),
            path: "/aws-service-role/autoscaling.amazonaws.com/".into(),
            ..LiveRole::default()
        },
        LiveRole { name: "WardenAccess".into(), path: "/".into(), ..LiveRole::default() },
    ];
    if unique {
        roles.push(LiveRole {
            name: "legacy".into(),
            path: "/".into(),
            arn: format!("arn:aws:iam::{id}:role/legacy"),
            trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}"#.into(),
            max_session_duration: Some(3600),
            ..LiveRole::default()
        });
    }
    LiveAccount {
        account_id: id.into(),
        roles,
        policies: vec![
            managed(
                "shared-read",
                "/shared/",
                &policy_arn,
                document("GetObject"),
                0,
            ),
            managed("cap", "/boundaries/", &boundary_arn, document("*"), 1),
        ],
        ..LiveAccount::default()
    }
}

#[test]
fn imported_definitions_load_and_plan_as_adoptions_only() {
    let organization = organization();
    let accounts = vec![live("111111111111", true), live("222222222222", false)];
    let scps = vec![LiveScp {
        id: "p-1".into(),
        name: "deny-leave".into(),
        description: "No leaving".into(),
        content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#.into(),
        aws_managed: false,
        targets: vec!["ou-work".into()],
    }];
    let imported = import(&ImportInput {
        organization: &organization,
        accounts: &accounts,
        scps: &scps,
        access_role: "WardenAccess",
        marker: ("warden:managed", "true"),
        defined: &BTreeSet::new(),
        existing_files: &BTreeSet::new(),
        today: "2026-12-03",
        region: "us-east-1",
    });
    let paths: Vec<&str> = imported.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "boundaries/cap.yaml",
            "policies/deployer.yaml",
            "policies/legacy.yaml",
            "policies/shared-read.policy.yaml",
            "scps/deny-leave.yaml"
        ]
    );
    let deployer = &imported.files[1];
    insta::assert_snapshot!("imported_role", deployer.text);
    insta::assert_snapshot!("imported_scp", imported.files[4].text);
    assert!(
        deployer.text.contains(r#"ous: ["Root/Workloads"]"#),
        "{}",
        deployer.text
    );
    assert!(deployer.text.contains("${account_id}"), "{}", deployer.text);
    assert!(
        deployer
            .text
            .contains("imported from 111111111111 on 2026-12-03; needs a reason")
    );
    assert!(
        imported.files[2]
            .text
            .contains(r#"accounts: ["111111111111"]"#)
    );
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.name == "AWSServiceRoleForAutoScaling")
    );
    assert!(imported.skipped.iter().any(|s| s.name == "WardenAccess"));

    let mut files = vec![("warden.yaml".to_string(), CONFIG.as_bytes().to_vec())];
    files.extend(
        imported
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone().into_bytes())),
    );
    let definitions = warden_spec::Definitions::from_files(std::path::Path::new("."), files)
        .unwrap_or_else(|errors| {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    let ownership = from_spec::ownership(&definitions.config);
    for live in &accounts {
        let account = organization.account(&live.account_id).unwrap();
        let rendered = definitions
            .render_for_account(&organization, account)
            .unwrap();
        let plan = plan_account(&from_spec::desired_account(&rendered), live, &ownership);
        assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
        assert!(!plan.changes.is_empty());
        assert!(
            plan.changes.iter().all(Change::is_adoption),
            "{:#?}",
            plan.changes
        );
    }
    let rendered_scps = definitions.render_scps(&organization).unwrap();
    let scp_plan = plan_scps(&from_spec::desired_scps(&rendered_scps), &scps, &ownership);
    assert!(
        matches!(scp_plan.changes.as_slice(), [Change::AdoptScp { .. }]),
        "{:?}",
        scp_plan
    );
}

#[test]
fn existing_definitions_are_never_overwritten() {
    let organization = organization();
    let accounts = vec![live("111111111111", false)];
    let defined = BTreeSet::from(["role:deployer".to_string()]);
    let existing = BTreeSet::from(["boundaries/cap.yaml".to_string()]);
    let imported = import(&ImportInput {
        organization: &organization,
        accounts: &accounts,
        scps: &[],
        access_role: "WardenAccess",
        marker: ("warden:managed", "true"),
        defined: &defined,
        existing_files: &existing,
        today: "2026-12-03",
        region: "us-east-1",
    });
    assert!(
        imported
            .files
            .iter()
            .all(|f| f.name != "deployer" && f.name != "cap")
    );
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.name == "cap" && s.reason.contains("never overwritten"))
    );
}

const GOV_CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: X_UNSET
regions:
  allowed: [us-gov-west-1, us-gov-east-1]
  home: us-gov-west-1
"#;

/// A role and a policy made alike in two GovCloud accounts: ARNs name the account, the
/// partition and the home region; one other region stays as written.
fn gov_live(id: &str) -> LiveAccount {
    let policy_arn = format!("arn:aws-us-gov:iam::{id}:policy/reader");
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Logs","Effect":"Allow","Action":["logs:PutLogEvents","logs:CreateLogStream"],"Resource":["arn:aws-us-gov:logs:us-gov-west-1:{id}:log-group:/app/*","arn:aws-us-gov:logs:us-gov-east-1:{id}:log-group:/dr/*"],"Condition":{{"StringEquals":{{"aws:SourceAccount":"{id}"}},"ArnLike":{{"aws:SourceArn":"arn:aws-us-gov:sns:us-gov-west-1:{id}:alerts"}}}}}},{{"Sid":"Bucket","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws-us-gov:s3:::data-{id}/${{aws:username}}/*"}}]}}"#
    );
    LiveAccount {
        account_id: id.into(),
        roles: vec![LiveRole {
            name: "app".into(),
            path: "/apps/".into(),
            arn: format!("arn:aws-us-gov:iam::{id}:role/apps/app"),
            trust_policy: format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws-us-gov:iam::123456789012:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:PrincipalAccount":"123456789012"}}}}}},{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"ArnLike":{{"aws:SourceArn":"arn:aws-us-gov:lambda:us-gov-west-1:{id}:function:app"}}}}}}]}}"#
            ),
            description: Some(format!("App role of {id} — ünïcode")),
            max_session_duration: Some(43200),
            tags: BTreeMap::from([("owner".into(), format!("team-{id}"))]),
            inline_policies: BTreeMap::from([("logs".into(), document.clone())]),
            attached_policy_arns: vec![
                policy_arn.clone(),
                "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess".into(),
            ],
            ..LiveRole::default()
        }],
        policies: vec![LiveManagedPolicy {
            name: "reader".into(),
            path: "/".into(),
            arn: policy_arn,
            description: Some(format!("reads {id}")),
            default_version_id: "v1".into(),
            document,
            ..LiveManagedPolicy::default()
        }],
        ..LiveAccount::default()
    }
}

fn gov_import(accounts: &[LiveAccount]) -> crate::Imported {
    import(&ImportInput {
        organization: &organization(),
        accounts,
        scps: &[],
        access_role: "WardenAccess",
        marker: ("warden:managed", "true"),
        defined: &BTreeSet::new(),
        existing_files: &BTreeSet::new(),
        today: "2026-12-03",
        region: "us-gov-west-1",
    })
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn alike_up_to_account_partition_and_region_is_one_definition_that_renders_back_exactly() {
    let organization = organization();
    let accounts = vec![gov_live("111111111111"), gov_live("222222222222")];
    let imported = gov_import(&accounts);
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let paths: Vec<&str> = imported.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["policies/app.yaml", "policies/reader.policy.yaml"]);
    let role = &imported.files[0];
    assert_eq!(role.accounts, ["111111111111", "222222222222"]);
    insta::assert_snapshot!("imported_role_with_variables", role.text);
    for variable in ["${account_id}", "${partition}", "${region}"] {
        assert!(role.text.contains(variable), "{variable}: {}", role.text);
    }
    assert!(!role.text.contains("aws-us-gov"), "{}", role.text);
    assert!(!role.text.contains("us-gov-west-1"), "{}", role.text);
    assert!(role.text.contains(":us-gov-east-1:"), "{}", role.text);
    assert!(role.text.contains("${aws:username}"), "{}", role.text);

    let mut files = vec![("warden.yaml".to_string(), GOV_CONFIG.as_bytes().to_vec())];
    files.extend(
        imported
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone().into_bytes())),
    );
    let definitions =
        warden_spec::Definitions::from_files(std::path::Path::new("."), files).unwrap();
    for live in &accounts {
        let account = organization.account(&live.account_id).unwrap();
        let rendered = definitions
            .render_for_account(&organization, account)
            .unwrap();
        let (role, live_role) = (&rendered.roles[0], &live.roles[0]);
        let without_justification = |value: &serde_json::Value| {
            let mut value = value.clone();
            for statement in value["Statement"].as_array_mut().unwrap() {
                statement.as_object_mut().unwrap().remove("justification");
            }
            value
        };
        assert_eq!(
            without_justification(&role.trust.json),
            json(&live_role.trust_policy)
        );
        assert_eq!(
            without_justification(&role.inline[0].1.json),
            json(&live_role.inline_policies["logs"])
        );
        assert_eq!(role.managed_policy_arns, live_role.attached_policy_arns);
        assert_eq!(role.description, live_role.description);
        assert_eq!(role.max_session_duration, 43200);
        assert_eq!(role.tags.get("owner"), live_role.tags.get("owner"));
        assert_eq!(role.arn(&live.account_id), live_role.arn);
        let policy = &rendered.policies[0];
        assert_eq!(policy.arn, live.policies[0].arn);
        assert_eq!(policy.description, live.policies[0].description);
        assert_eq!(
            without_justification(&policy.document.json),
            json(&live.policies[0].document)
        );
    }
}

#[test]
fn another_region_in_one_account_is_a_variant_of_its_own() {
    let mut other = gov_live("222222222222");
    other.roles[0].trust_policy = other.roles[0]
        .trust_policy
        .replace("us-gov-west-1", "us-gov-east-1");
    let imported = gov_import(&[gov_live("111111111111"), other]);
    let role = imported.files.iter().find(|f| f.name == "app").unwrap();
    assert_eq!(role.accounts, ["111111111111"]);
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.name == "app" && s.account.as_deref() == Some("222222222222")),
        "{:?}",
        imported.skipped
    );
}
