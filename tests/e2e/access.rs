//! who-can, principal-can and escalation paths over definitions rendered for an organization
//! file: a role assumable only from another role through an ExternalId trust, a PassRole +
//! Lambda path to an admin role, and an S3 bucket policy granting a second account.

use std::fs;
use std::path::Path;

use warden_access::{AccessModel, Goal};
use warden_eval::LabeledPolicy;

const WARDEN_YAML: &str = r#"organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
tags:
  managed_marker:
    key: "warden:managed"
    value: "true"
  required: [Project]
admin_roles: [WardenAccess]
"#;

const ORG: &str = r#"{"id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
 "accounts": [
  {"id": "123456789012", "name": "management", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}},
  {"id": "222233334444", "name": "prod", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}},
  {"id": "333344445555", "name": "analytics", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}},
  {"id": "444455556666", "name": "shared", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}}],
 "organizational_units": [{"id": "ou-ab12-work0001", "name": "Workloads", "parent_id": "r-ab12", "path": "Root/Workloads"}]}"#;

/// (file name, YAML) of each role.
const ROLES: [(&str, &str); 6] = [
    (
        "ops.yaml",
        r#"kind: Role
name: ops
targets:
  accounts: [shared]
tags: {Project: ops}
trust:
  - Sid: ShareAccount
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::444455556666:root"}
    Action: sts:AssumeRole
inline_policies:
  vendor:
    - Sid: AssumeVendorAccess
      Effect: Allow
      justification: The test scenario needs this access.
      Action: sts:AssumeRole
      Resource: "arn:aws:iam::*:role/vendor-access"
"#,
    ),
    (
        "vendor-access.yaml",
        r#"kind: Role
name: vendor-access
targets:
  accounts: [prod]
tags: {Project: vendor}
trust:
  - Sid: OpsWithExternalId
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::444455556666:role/ops"}
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: "vendor-7f3a9c"
inline_policies:
  reports:
    - Sid: ReadReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::reports-bucket/*"
"#,
    ),
    (
        "builder.yaml",
        r#"kind: Role
name: builder
targets:
  accounts: [prod]
tags: {Project: build}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::222233334444:root"}
    Action: sts:AssumeRole
inline_policies:
  functions:
    - Sid: PassDeployAdmin
      Effect: Allow
      justification: The test scenario needs this access.
      Action: iam:PassRole
      Resource: "arn:aws:iam::222233334444:role/deploy-admin"
    - Sid: Functions
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [lambda:CreateFunction, lambda:InvokeFunction]
      Resource: "*"
"#,
    ),
    (
        "deploy-admin.yaml",
        r#"kind: Role
name: deploy-admin
targets:
  accounts: [prod]
tags: {Project: deploy}
trust:
  - Sid: Lambda
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {Service: lambda.amazonaws.com}
    Action: sts:AssumeRole
inline_policies:
  admin:
    - Sid: Everything
      Effect: Allow
      justification: The test scenario needs this access.
      Action: "*"
      Resource: "*"
"#,
    ),
    (
        "reporter.yaml",
        r#"kind: Role
name: reporter
targets:
  accounts: [prod]
tags: {Project: reports}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::222233334444:root"}
    Action: sts:AssumeRole
inline_policies:
  read:
    - Sid: ReadReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [s3:GetObject, s3:ListBucket]
      Resource: ["arn:aws:s3:::reports-bucket", "arn:aws:s3:::reports-bucket/*"]
"#,
    ),
    (
        "analyst.yaml",
        r#"kind: Role
name: analyst
targets:
  accounts: [analytics]
tags: {Project: analytics}
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::333344445555:root"}
    Action: sts:AssumeRole
inline_policies:
  read:
    - Sid: ReadSharedReports
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:GetObject
      Resource: "arn:aws:s3:::reports-bucket/*"
"#,
    ),
];

/// The bucket (in prod) grants the analytics account and an external auditor account.
const BUCKET_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AnalyticsAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333344445555:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"},
  {"Sid":"Auditor","Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}]}"#;

fn model(dir: &Path) -> AccessModel {
    fs::write(dir.join("warden.yaml"), WARDEN_YAML).unwrap();
    fs::create_dir_all(dir.join("policies")).unwrap();
    for (name, yaml) in ROLES {
        fs::write(dir.join("policies").join(name), yaml).unwrap();
    }
    fs::write(dir.join("org.json"), ORG).unwrap();
    let definitions = warden_spec::Definitions::load(dir)
        .map_err(|errors| errors.to_string())
        .unwrap();
    let org = warden_app::lint_files::load_org(&dir.join("org.json")).unwrap();
    warden_access::model::from_definitions(&definitions, &org, &mut |_| None).unwrap()
}

#[test]
fn who_can_assume_a_role_behind_an_external_id_trust() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let answer = warden_access::who_can(
        &model,
        &["sts:AssumeRole".to_string()],
        "arn:aws:iam::222233334444:role/vendor-access",
        None,
        None,
    )
    .unwrap();
    // Only ops, presenting the ExternalId; builder and the rest of prod are not in the trust.
    let who: Vec<(&str, &[String])> = answer
        .entries
        .iter()
        .map(|e| (e.principal.as_str(), e.statements.as_slice()))
        .collect();
    assert_eq!(
        who,
        [(
            "arn:aws:iam::444455556666:role/ops",
            &[
                "trust:vendor-access/OpsWithExternalId".to_string(),
                "inline:vendor/AssumeVendorAccess".to_string()
            ][..]
        )]
    );
    assert_eq!(
        answer.resource_policy.as_deref(),
        Some("trust:vendor-access")
    );
    let table = answer.table();
    let json = serde_json::to_string(&answer).unwrap();
    for output in [&table, &json] {
        assert!(
            !output.contains("vendor-7f3a9c"),
            "the ExternalId is never shown: {output}"
        );
    }
    insta::assert_snapshot!("access_who_can_assume_vendor", table);
    let paths = warden_access::paths(&model, Goal::Admin, None).unwrap();
    insta::assert_snapshot!(
        "access_paths_to_admin",
        warden_access::EscalationPath::table(&paths)
    );
}

#[test]
fn pass_role_to_lambda_leads_to_the_admin_role() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let paths = warden_access::paths(
        &model,
        Goal::Admin,
        Some("arn:aws:iam::222233334444:role/builder"),
    )
    .unwrap();
    assert_eq!(paths.len(), 1, "{paths:#?}");
    let steps: Vec<(&str, &str)> = paths[0]
        .steps
        .iter()
        .map(|step| (step.method.as_str(), step.to.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "lambda-create-function-invoke",
                "arn:aws:iam::222233334444:role/deploy-admin"
            ),
            ("admin", "arn:aws:iam::222233334444:role/deploy-admin"),
        ]
    );
    assert!(
        paths[0].steps[0]
            .statements
            .contains(&"inline:functions/PassDeployAdmin".to_string()),
        "{paths:#?}"
    );
    // The admin role is already there; the reporter has no way up.
    for settled in ["deploy-admin", "reporter", "analyst"] {
        let arn = model
            .principals
            .iter()
            .find(|p| p.name == settled)
            .map(|p| p.arn.clone())
            .unwrap();
        assert!(
            warden_access::paths(&model, Goal::Admin, Some(&arn))
                .unwrap()
                .is_empty(),
            "{settled}"
        );
    }
}

#[test]
fn a_bucket_policy_granting_a_second_account() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let bucket = LabeledPolicy::new(
        "bucket:reports-bucket",
        warden_policy::parse_policy(BUCKET_POLICY).unwrap(),
    );
    let answer = warden_access::who_can(
        &model,
        &["s3:GetObject".to_string()],
        "arn:aws:s3:::reports-bucket/q3.csv",
        Some("222233334444"),
        Some(&bucket),
    )
    .unwrap();
    let who: Vec<(&str, &str)> = answer
        .entries
        .iter()
        .map(|e| {
            (
                e.principal.as_str(),
                e.statements.join(" + ").leak() as &str,
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            (
                "arn:aws:iam::222233334444:role/deploy-admin",
                "inline:admin/Everything"
            ),
            (
                "arn:aws:iam::222233334444:role/reporter",
                "inline:read/ReadReports"
            ),
            (
                "arn:aws:iam::222233334444:role/vendor-access",
                "inline:reports/ReadReports"
            ),
            (
                "arn:aws:iam::333344445555:role/analyst",
                "bucket:reports-bucket/AnalyticsAccount + inline:read/ReadSharedReports"
            ),
            ("999988887777", "bucket:reports-bucket/Auditor"),
        ]
    );
    insta::assert_snapshot!("access_who_can_bucket", answer.table());
}

#[test]
fn principal_can_consolidates_after_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let catalog = warden_catalog::Catalog::embedded();
    let answer =
        warden_access::principal_can(&model, catalog, "arn:aws:iam::222233334444:role/reporter")
            .unwrap();
    insta::assert_snapshot!("access_principal_can_reporter", answer.table());
    // Each action only on its own resource type: objects are read, the bucket is listed.
    let granted: Vec<(&str, Vec<&str>)> = answer
        .statements
        .iter()
        .flat_map(|s| {
            s.actions.iter().map(|a| {
                (
                    a.action.as_str(),
                    s.resources.iter().map(String::as_str).collect(),
                )
            })
        })
        .collect();
    assert_eq!(
        granted,
        [
            ("s3:GetObject", vec!["arn:aws:s3:::reports-bucket/*"]),
            ("s3:ListBucket", vec!["arn:aws:s3:::reports-bucket"]),
        ],
        "{}",
        answer.table()
    );
}

#[test]
fn principals_with_an_escalation_path_get_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let findings = warden_app::paths::escalation_findings(&model).unwrap();
    let found: Vec<(&str, Option<&str>, Option<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.principal.as_deref(),
                f.account.as_deref(),
            )
        })
        .collect();
    assert_eq!(found, [("WL790", Some("builder"), Some("222233334444"))]);
    assert!(
        findings[0]
            .message
            .contains("[lambda-create-function-invoke]"),
        "{}",
        findings[0].message
    );
}

/// `cargo xtask lint --org` reports the escalation path as WL790, an error that fails the run.
#[test]
fn lint_of_the_organization_reports_escalation_paths() {
    let dir = tempfile::tempdir().unwrap();
    model(dir.path());
    let run = crate::cli::xtask_in(
        dir.path(),
        &["lint", "--org", "org.json", "--format", "json"],
        &[],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let wl790: Vec<(&str, &str)> = findings
        .as_array()
        .or_else(|| findings["findings"].as_array())
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "WL790")
        .map(|f| {
            (
                f["principal"].as_str().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(wl790, [("builder", "error")], "{}", run.stdout);
    // Narrowed to an account without a path: no WL790.
    let run = crate::cli::xtask_in(
        dir.path(),
        &[
            "lint",
            "--org",
            "org.json",
            "--account",
            "analytics",
            "--format",
            "json",
        ],
        &[],
        &[],
    );
    assert!(!run.stdout.contains("WL790"), "{}", run.transcript());
}

mod seeded {
    //! The same three cases on an organization seeded in moto and read back as a snapshot:
    //! the principals are the live roles (Organizations' and Warden's own access roles
    //! included), the SCPs those moto attaches, the bucket policy the one moto's S3 stores.

    use std::collections::BTreeSet;
    use std::io::{Read, Write};

    use warden_access::Goal;
    use warden_app::LiveOrganization;
    use warden_app::snapshot::{SnapshotRequest, take_snapshot};
    use warden_aws::fixture::{self, SeedAccount, SeedSpec};
    use warden_aws::{AccessRole, AccountClient, Aws, ExternalId, NewRole};
    use warden_eval::LabeledPolicy;

    const ACCESS_EXTERNAL_ID: &str = "e2e-access-external-id";
    const VENDOR_EXTERNAL_ID: &str = "vendor-7f3a9c";

    fn access() -> AccessRole {
        warden_e2e::access_role(ACCESS_EXTERNAL_ID, "warden-e2e")
    }

    fn policy(statements: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
    }

    async fn role(admin: &AccountClient, name: &str, trust: &str, inline: &str) {
        let role = NewRole {
            name: name.into(),
            path: "/".into(),
            trust_policy: policy(trust),
            ..NewRole::default()
        };
        fixture::create_role_with_policies(admin, &role, &[("main", &policy(inline))], &[])
            .await
            .unwrap();
    }

    /// One unsigned S3 REST call to moto (path-style, acting in `account`): status and body.
    fn s3(endpoint: &str, account: &str, method: &str, path: &str, body: &str) -> (u16, String) {
        let host = endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nx-moto-account-id: {account}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default();
        (status, body)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_seeded_organization_read_as_a_snapshot_gives_exactly_the_expected_answers() {
        let server = warden_e2e::moto();
        let options = warden_e2e::quick_options(server.endpoint_url(), 2);
        let aws = Aws::connect(options).await.unwrap();
        let spec = SeedSpec {
            ous: vec!["Workloads".into()],
            accounts: ["prod", "analytics", "shared"]
                .map(|name| SeedAccount::new(name, "Workloads"))
                .to_vec(),
            access_role_name: "WardenAccess".into(),
            external_id: ExternalId::new(ACCESS_EXTERNAL_ID).unwrap(),
        };
        let org = fixture::seed_organization(&aws, &spec).await.unwrap();
        let [prod, analytics, shared] =
            ["prod", "analytics", "shared"].map(|name| org.account_id(name).unwrap().to_owned());
        let arn = |account: &str, name: &str| format!("arn:aws:iam::{account}:role/{name}");

        let admin = fixture::admin_client(&aws, &shared).await.unwrap();
        role(
            &admin,
            "ops",
            &format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{shared}:root"}},"Action":"sts:AssumeRole"}}"#),
            r#"{"Sid":"AssumeVendorAccess","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/vendor-access"}"#,
        )
        .await;
        let admin = fixture::admin_client(&aws, &prod).await.unwrap();
        role(
            &admin,
            "vendor-access",
            &format!(r#"{{"Sid":"OpsWithExternalId","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{VENDOR_EXTERNAL_ID}"}}}}}}"#, arn(&shared, "ops")),
            r#"{"Sid":"ReadReports","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}"#,
        )
        .await;
        let prod_root = format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{prod}:root"}},"Action":"sts:AssumeRole"}}"#
        );
        role(
            &admin,
            "builder",
            &prod_root,
            &format!(r#"{{"Sid":"PassDeployAdmin","Effect":"Allow","Action":"iam:PassRole","Resource":"{}"}},{{"Sid":"Functions","Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}"#, arn(&prod, "deploy-admin")),
        )
        .await;
        role(
            &admin,
            "deploy-admin",
            r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
            r#"{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}"#,
        )
        .await;
        role(
            &admin,
            "reporter",
            &prod_root,
            r#"{"Sid":"ReadReports","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports-bucket","arn:aws:s3:::reports-bucket/*"]}"#,
        )
        .await;
        let admin = fixture::admin_client(&aws, &analytics).await.unwrap();
        role(
            &admin,
            "analyst",
            &format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{analytics}:root"}},"Action":"sts:AssumeRole"}}"#),
            r#"{"Sid":"ReadSharedReports","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}"#,
        )
        .await;
        // The bucket lives in prod and grants the analytics account and an outside auditor.
        let endpoint = server.endpoint_url();
        assert_eq!(s3(&endpoint, &prod, "PUT", "/reports-bucket", "").0, 200);
        let bucket_policy = policy(&format!(
            r#"{{"Sid":"AnalyticsAccount","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{analytics}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}},{{"Sid":"Auditor","Effect":"Allow","Principal":{{"AWS":"999988887777"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-bucket/*"}}"#
        ));
        let put = s3(
            &endpoint,
            &prod,
            "PUT",
            "/reports-bucket?policy",
            &bucket_policy,
        );
        assert!(put.0 < 300, "{put:?}");

        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("snap");
        let live = LiveOrganization::new(aws.clone(), access(), 4);
        let request = SnapshotRequest {
            out: dir.clone(),
            accounts: Vec::new(),
            ous: Vec::new(),
            created_at: "2026-12-03T12:00:00Z".into(),
            tool_version: "test".into(),
        };
        take_snapshot(&live, &request, &|_| {}).await.unwrap();
        let (model, unread) =
            warden_app::simulate::access_model(None, None, Some(&dir), None).unwrap();
        assert_eq!(
            unread,
            std::slice::from_ref(&org.management_account_id),
            "skipped"
        );

        // who-can assume the vendor role: only ops, through the ExternalId trust.
        let vendor = arn(&prod, "vendor-access");
        let answer =
            warden_access::who_can(&model, &["sts:AssumeRole".to_string()], &vendor, None, None)
                .unwrap();
        let who: Vec<(&str, Vec<&str>, usize)> = answer
            .entries
            .iter()
            .map(|e| {
                let statements = e.statements.iter().map(String::as_str).collect();
                (e.principal.as_str(), statements, e.assuming.len())
            })
            .collect();
        assert_eq!(
            who,
            [(
                arn(&shared, "ops").as_str(),
                vec![
                    "trust:vendor-access/OpsWithExternalId",
                    "inline:main/AssumeVendorAccess"
                ],
                1
            )]
        );
        let shown = format!(
            "{}{}",
            answer.table(),
            serde_json::to_string(&answer).unwrap()
        );
        assert!(!shown.contains(VENDOR_EXTERNAL_ID), "{shown}");

        // who-can read an object: the bucket policy as moto's S3 stores it.
        let (status, stored) = s3(&endpoint, &prod, "GET", "/reports-bucket?policy", "");
        assert_eq!(status, 200, "{stored}");
        let bucket = LabeledPolicy::new(
            "bucket:reports-bucket",
            warden_policy::parse_policy(&stored).unwrap(),
        );
        let answer = warden_access::who_can(
            &model,
            &["s3:GetObject".to_string()],
            "arn:aws:s3:::reports-bucket/q3.csv",
            Some(&prod),
            Some(&bucket),
        )
        .unwrap();
        let who: BTreeSet<(String, String)> = answer
            .entries
            .iter()
            .map(|e| (e.principal.clone(), e.statements.join(" + ")))
            .collect();
        let expected: BTreeSet<(String, String)> = [
            (arn(&prod, "deploy-admin"), "inline:main/Everything"),
            (arn(&prod, "reporter"), "inline:main/ReadReports"),
            (arn(&prod, "vendor-access"), "inline:main/ReadReports"),
            (
                arn(&analytics, "analyst"),
                "bucket:reports-bucket/AnalyticsAccount + inline:main/ReadSharedReports",
            ),
            ("999988887777".to_string(), "bucket:reports-bucket/Auditor"),
        ]
        .into_iter()
        .map(|(p, s)| (p, s.to_string()))
        .collect();
        assert_eq!(who, expected, "{}", answer.table());

        // paths: builder passes deploy-admin to Lambda; nobody else has a way up.
        let found = warden_access::paths(&model, Goal::Admin, None).unwrap();
        let steps: Vec<(String, Vec<(String, String)>)> = found
            .iter()
            .map(|path| {
                let steps = path
                    .steps
                    .iter()
                    .map(|s| (s.method.clone(), s.to.clone()))
                    .collect();
                (path.from.clone(), steps)
            })
            .collect();
        let deploy_admin = arn(&prod, "deploy-admin");
        assert_eq!(
            steps,
            [(
                arn(&prod, "builder"),
                vec![
                    (
                        "lambda-create-function-invoke".to_string(),
                        deploy_admin.clone()
                    ),
                    ("admin".to_string(), deploy_admin.clone()),
                ]
            )],
            "{}",
            warden_access::EscalationPath::table(&found)
        );
        assert_eq!(
            found[0].steps[0].statements,
            ["inline:main/PassDeployAdmin", "inline:main/Functions"]
        );

        // principal-can: the reporter reads objects and lists the bucket, nothing else.
        let catalog = warden_catalog::Catalog::embedded();
        let can = warden_access::principal_can(&model, catalog, &arn(&prod, "reporter")).unwrap();
        let granted: BTreeSet<(String, Vec<String>)> = can
            .statements
            .iter()
            .flat_map(|s| {
                s.actions
                    .iter()
                    .map(|a| (a.action.clone(), s.resources.clone()))
            })
            .collect();
        assert_eq!(
            granted,
            BTreeSet::from([
                (
                    "s3:GetObject".to_string(),
                    vec!["arn:aws:s3:::reports-bucket/*".to_string()]
                ),
                (
                    "s3:ListBucket".to_string(),
                    vec!["arn:aws:s3:::reports-bucket".to_string()]
                ),
            ]),
            "{}",
            can.table()
        );
    }
}

/// WL790 on live IAM (`lint --snapshot`, `lint --live`) against moto.
#[path = "paths_live.rs"]
mod paths_live;
