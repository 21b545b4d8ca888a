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
