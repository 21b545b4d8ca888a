//! Resource control policies linted as RCPs (WL707–WL710, WL807): an RCP planted in moto's
//! organization that breaks the RCP grammar is reported by `lint --live` under its name at
//! `aws:organization`, and by `lint --snapshot` at the snapshot's `organization.json` with the
//! same messages; a valid perimeter RCP and the AWS managed `RCPFullAWSAccess` draw nothing. A
//! policy file linted with `--kind rcp` is judged by the same rules, at its values' positions.

use warden_app::LiveOrganization;
use warden_app::snapshot::{SnapshotRequest, take_snapshot};
use warden_aws::fixture::{self, SeedAccount, SeedSpec};
use warden_aws::{Aws, ExternalId};

const EXTERNAL_ID: &str = "e2e-rcp-live-external-id";
const EXTERNAL_ID_ENV: &str = "WARDEN_E2E_RCP_LIVE_EXTERNAL_ID";

fn config() -> String {
    format!(
        r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: {EXTERNAL_ID_ENV}
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#
    )
}

/// Breaks the grammar three ways: a principal map, `NotAction`, an EC2 action.
const BROKEN: &str = r#"{"Version":"2012-10-17","Statement":[
{"Sid":"OrgOnly","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*","ec2:*"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}},
{"Sid":"Reads","Effect":"Deny","Principal":"*","NotAction":"s3:Get*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}]}"#;

/// AWS's data perimeter, as RCPs are meant to be written.
const PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":["s3:*","sqs:*","kms:*","secretsmanager:*","sts:AssumeRole"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;

/// (rule, principal, message, file) of each finding of a `lint --format json` run on an RCP
/// (WL7xx of the RCP grammar, WL807, or any finding naming one of the seeded RCPs).
fn rcp_findings(run: &crate::cli::Run) -> Vec<(String, String, String, String)> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", run.transcript()));
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            ["perimeter-broken", "perimeter", "RCPFullAWSAccess"]
                .contains(&finding["principal"].as_str().unwrap_or_default())
        })
        .map(|finding| {
            (
                text(&finding["rule"]),
                text(&finding["principal"]),
                text(&finding["message"]),
                text(&finding["file"]),
            )
        })
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_live_and_snapshot_report_an_rcp_that_breaks_the_rcp_grammar() {
    let server = warden_e2e::moto();
    let options = warden_e2e::quick_options(server.endpoint_url(), 2);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![SeedAccount::new("prod", "Workloads")],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let workloads = org.ous["Root/Workloads"].clone();
    fixture::seed_rcp(&aws, &org.root_id, "perimeter-broken", BROKEN, &org.root_id)
        .await
        .unwrap();
    fixture::seed_rcp(&aws, &org.root_id, "perimeter", PERIMETER, &workloads)
        .await
        .unwrap();
    // What the organization holds now: both seeded RCPs beside the AWS managed one.
    let names: Vec<String> = aws
        .read_rcps()
        .await
        .unwrap()
        .into_iter()
        .map(|rcp| rcp.name)
        .collect();
    assert_eq!(names, ["RCPFullAWSAccess", "perimeter", "perimeter-broken"]);

    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("warden.yaml"), config()).unwrap();
    let lint = |args: &[&str]| {
        let mut full = vec!["lint", "--format", "json", "--today", "2026-12-04"];
        full.extend(args);
        let run = crate::cli::xtask_in(repo.path(), &full, &[(EXTERNAL_ID_ENV, EXTERNAL_ID)], &[]);
        assert_eq!(
            run.code,
            1,
            "error-level findings fail the run: {}",
            run.transcript()
        );
        run
    };

    let from_live = rcp_findings(&lint(&["--live", "--endpoint-url", &server.endpoint_url()]));
    let rules: Vec<(&str, &str)> = from_live
        .iter()
        .map(|(rule, principal, ..)| (rule.as_str(), principal.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("WL707", "perimeter-broken"),
            ("WL709", "perimeter-broken"),
            ("WL710", "perimeter-broken"),
        ],
        "{from_live:#?}"
    );
    assert!(
        from_live
            .iter()
            .all(|(.., file)| file == "aws:organization"),
        "{from_live:#?}"
    );
    assert!(
        from_live[2].2.contains("`ec2:*`"),
        "WL710 names the action: {from_live:#?}"
    );

    // A snapshot taken now: the same findings, at its organization file.
    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("snap");
    let live = LiveOrganization::new(aws.clone(), warden_e2e::access_role(EXTERNAL_ID, "e2e"), 2);
    let request = SnapshotRequest {
        out: snap.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: warden_app::now_rfc3339(),
        tool_version: "test".into(),
    };
    take_snapshot(&live, &request, &|_| {}).await.unwrap();
    let from_snapshot = rcp_findings(&lint(&["--snapshot", &snap.display().to_string()]));
    let organization_file = snap.join("organization.json").display().to_string();
    let expected: Vec<_> = from_live
        .iter()
        .map(|(rule, principal, message, _)| {
            (
                rule.clone(),
                principal.clone(),
                message.clone(),
                organization_file.clone(),
            )
        })
        .collect();
    assert_eq!(from_snapshot, expected);
}

/// `lint --kind rcp FILE`: the file is judged as an RCP, each finding at the value it is about.
#[test]
fn a_policy_file_linted_as_an_rcp_is_reported_at_its_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rcp.json"),
        r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "OnlyTls", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
   "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
  {"Sid": "Outside", "Effect": "Deny", "Principal": "*",
   "Action": ["sqs:*", "iam:PassRole"], "Resource": "*",
   "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
]}
"#,
    )
    .unwrap();
    let lint = |kind: &[&str]| {
        let mut args = vec!["lint", "--today", "2026-12-04"];
        args.extend(kind);
        args.push("rcp.json");
        crate::cli::xtask_in(dir.path(), &args, &[], &[])
    };
    let run = lint(&["--kind", "rcp"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.stdout);
    // Inferred from its principal, the same file is a resource policy: no RCP rule speaks.
    let inferred = lint(&[]);
    assert!(
        !["WL707", "WL708", "WL709", "WL710", "WL807"]
            .iter()
            .any(|rule| inferred.stdout.contains(rule)),
        "{}",
        inferred.transcript()
    );
}
