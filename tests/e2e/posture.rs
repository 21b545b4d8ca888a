//! Posture against moto: users, login profiles, virtual MFA devices, access keys, password
//! policies, the credential report and trust policies are planted in an organization, taken
//! as a snapshot, and linted. Every rule fires on its planted case and stays silent on a
//! compliant twin (a user with MFA, a vendor listed in `trusted_accounts`, an account of the
//! organization, a strong password policy); dates are judged on a given `today`.

use std::collections::BTreeMap;

use warden_app::LiveOrganization;
use warden_app::posture::{PostureRequest, lint_accounts, lint_snapshot};
use warden_app::snapshot::{SnapshotRequest, take_snapshot};
use warden_aws::fixture::{self, SeedAccount, SeedSpec};
use warden_aws::{AccessRole, Aws, ExternalId, NewManagedPolicy, NewRole};
use warden_lint::live_input::PostureConfig;
use warden_lint::{Finding, LintConfig};
use warden_plan::live::{CredentialReportRow, ROOT_USER};

const EXTERNAL_ID: &str = "e2e-posture-external-id";
const OUTSIDE: &str = "999988887777";
const VENDOR: &str = "444455556666";

fn config() -> String {
    format!(
        r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_POSTURE_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
trusted_accounts:
  - id: "{VENDOR}"
    name: Example Monitoring
    reason: reads CloudWatch metrics for the on-call dashboards
"#
    )
}

fn widened_definition(account: &str) -> String {
    format!(
        r#"
kind: Role
name: widened
path: /
description: Reads the data bucket.
targets:
  accounts: ["{account}"]
trust:
  - Sid: Ec2
    Effect: Allow
    Principal:
      Service: ec2.amazonaws.com
    Action: sts:AssumeRole
    justification: The reader runs on EC2.
inline_policies:
  data:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resource: "*"
      justification: The reader reads objects.
"#
    )
}

fn access() -> AccessRole {
    warden_e2e::access_role(EXTERNAL_ID, "warden-e2e")
}

fn trust(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"agreed-with-{account}"}}}}}}]}}"#
    )
}

async fn role(admin: &warden_aws::AccountClient, name: &str, trusted: &str) {
    let role = NewRole {
        name: name.into(),
        path: "/".into(),
        trust_policy: trust(trusted),
        description: None,
        max_session_duration: None,
        permissions_boundary_arn: None,
        tags: BTreeMap::new(),
    };
    fixture::create_role_with_policies(admin, &role, &[], &[])
        .await
        .unwrap();
}

/// Findings of `rule` as (account, principal).
fn hits(findings: &[Finding], rule: &str) -> Vec<(String, String)> {
    let mut hits: Vec<(String, String)> = findings
        .iter()
        .filter(|finding| finding.rule == rule && finding.is_active())
        .map(|finding| {
            (
                finding.account.clone().unwrap_or_default(),
                finding.principal.clone().unwrap_or_default(),
            )
        })
        .collect();
    hits.sort();
    hits.dedup();
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posture_rules_fire_on_planted_cases_and_stay_silent_on_compliant_twins() {
    let server = warden_e2e::moto();
    let options = warden_e2e::quick_options(server.endpoint_url(), 2);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![
            SeedAccount::new("dev", "Workloads"),
            SeedAccount::new("prod", "Workloads"),
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let dev = org.account_id("dev").unwrap().to_owned();
    let prod = org.account_id("prod").unwrap().to_owned();

    // dev: `ops` (console + MFA + key, in group `admins` with policies) and a weak password
    // policy from the shared fixture; `alice` signs in without MFA and holds nothing.
    let admin = fixture::admin_client(&aws, &dev).await.unwrap();
    let shared = admin
        .create_policy(&NewManagedPolicy {
            name: "read-all".into(),
            path: "/".into(),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.into(),
            description: None,
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    fixture::seed_identities(&admin, &shared).await.unwrap();
    fixture::seed_console_user(&admin, "alice").await.unwrap();
    role(&admin, "vendor-unknown", OUTSIDE).await;
    role(&admin, "vendor-listed", VENDOR).await;
    role(&admin, "from-prod", &prod).await;
    // `widened`: defined in the repository with one action, widened by hand in live IAM.
    let widened = NewRole {
        name: "widened".into(),
        path: "/".into(),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
        ..NewRole::default()
    };
    fixture::create_role_with_policies(
        &admin,
        &widened,
        &[("data", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#)],
        &[],
    )
    .await
    .unwrap();
    // `escalator`: hand-made, can make itself an administrator (a new default version of any
    // policy); `widened` below is its twin that cannot.
    let escalator = NewRole {
        name: "escalator".into(),
        path: "/".into(),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
        ..NewRole::default()
    };
    fixture::create_role_with_policies(
        &admin,
        &escalator,
        &[("versions", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}]}"#)],
        &[],
    )
    .await
    .unwrap();
    // prod: the compliant twin of the password policy.
    let prod_admin = fixture::admin_client(&aws, &prod).await.unwrap();
    fixture::set_strong_password_policy(&prod_admin)
        .await
        .unwrap();
    // prod's own finding, for `--account dev` to leave out.
    role(&prod_admin, "prod-vendor-unknown", OUTSIDE).await;

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("snap");
    let live = LiveOrganization::new(aws.clone(), access(), 4);
    let request = SnapshotRequest {
        out: dir.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: warden_app::now_rfc3339(),
        tool_version: "test".into(),
    };
    take_snapshot(&live, &request, &|_| {}).await.unwrap();

    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("warden.yaml"), config()).unwrap();
    std::fs::create_dir_all(repo.path().join("policies")).unwrap();
    std::fs::write(
        repo.path().join("policies/widened.yaml"),
        widened_definition(&dev),
    )
    .unwrap();
    let definitions = warden_spec::Definitions::load(repo.path()).unwrap();
    let today = warden_app::today().unwrap();
    let lint = |today| {
        let request = PostureRequest {
            catalog: warden_catalog::Catalog::embedded(),
            config: LintConfig::default(),
            posture: PostureConfig::default(),
            today,
            definitions: Some(&definitions),
        };
        lint_snapshot(&dir, &request).unwrap()
    };

    // Judged today: everything was created minutes ago.
    let now = lint(today);
    assert_eq!(now.accounts, 2, "{:?}", now.unread);
    // Narrowed to one account, by name or id: only its findings, exactly; an unknown account
    // is refused.
    let request = PostureRequest {
        catalog: warden_catalog::Catalog::embedded(),
        config: LintConfig::default(),
        posture: PostureConfig::default(),
        today,
        definitions: Some(&definitions),
    };
    let of_dev: Vec<Finding> = now
        .findings
        .iter()
        .filter(|finding| finding.account.as_deref() == Some(dev.as_str()))
        .cloned()
        .collect();
    assert!(
        now.findings
            .iter()
            .any(|finding| finding.account.as_deref() == Some(prod.as_str())),
        "prod has findings to leave out"
    );
    for wanted in ["dev", dev.as_str()] {
        let only =
            warden_app::posture::lint_snapshot_account(&dir, &request, Some(wanted)).unwrap();
        assert_eq!(only.accounts, 1);
        assert_eq!(only.findings, of_dev, "--account {wanted}");
    }
    let unknown = warden_app::posture::lint_snapshot_account(&dir, &request, Some("staging"));
    assert!(
        unknown.is_err_and(|err| err.to_string().contains("`staging`")),
        "an account the snapshot does not hold is refused"
    );
    let findings = &now.findings;
    assert_eq!(
        hits(findings, "WL750"),
        [(dev.clone(), "alice".to_string())],
        "console without MFA: alice fires, ops (with MFA) is the twin"
    );
    assert_eq!(
        hits(findings, "WL755"),
        [(dev.clone(), "ops".to_string())],
        "policies through group `admins`: ops fires, alice (no policies) is the twin"
    );
    let mut outside = vec![
        (dev.clone(), "vendor-unknown".to_string()),
        (prod.clone(), "prod-vendor-unknown".to_string()),
    ];
    outside.sort();
    assert_eq!(
        hits(findings, "WL550"),
        outside,
        "the listed vendor and the organization's own account are the twins"
    );
    let weak: Vec<&Finding> = findings.iter().filter(|f| f.rule == "WL756").collect();
    assert_eq!(weak.len(), 1, "{weak:#?}");
    assert_eq!(weak[0].account.as_deref(), Some(dev.as_str()));
    assert!(
        weak[0].message.contains("uppercase not required"),
        "{}",
        weak[0].message
    );
    assert!(hits(findings, "WL751").is_empty(), "a new key is not stale");
    assert_eq!(
        hits(findings, "WL752"),
        [(dev.clone(), "ops".to_string())],
        "a key never used is reported at once"
    );
    assert!(
        hits(findings, "WL757").is_empty(),
        "new roles are not unused"
    );
    // Moto's credential report has no root row: nothing to judge, nothing reported.
    assert!(hits(findings, "WL753").is_empty());
    assert!(hits(findings, "WL754").is_empty());
    // Every finding names its account's snapshot file.
    for finding in findings {
        let account = finding.account.as_deref().unwrap();
        assert!(
            finding.file.ends_with(&format!("accounts/{account}.json")),
            "{finding:?}"
        );
    }
    // The existing trust rules run on hand-made roles too: the organization's default
    // `OrganizationAccountAccessRole` trusts the management account without an ExternalId
    // (WL501 fires), the vendor roles carry one (silent).
    let cross = hits(findings, "WL501");
    assert!(
        cross.contains(&(dev.clone(), "OrganizationAccountAccessRole".to_string())),
        "{cross:?}"
    );
    assert!(
        cross.iter().all(|(_, role)| !role.starts_with("vendor-")),
        "{cross:?}"
    );
    // The escalation rules too: the hand-made `escalator` fires, `widened` (S3 only) does not.
    let escalation = hits(findings, "WL602");
    assert!(
        escalation.contains(&(dev.clone(), "escalator".to_string())),
        "{escalation:?}"
    );
    assert!(
        escalation.iter().all(|(_, role)| role != "widened"),
        "{escalation:?}"
    );

    // Judged 120 days later: the never-used key is stale and unused, roles are unused.
    let later = lint(warden_lint::Date::from_julian_day(today.to_julian_day() + 120).unwrap());
    let findings = &later.findings;
    assert_eq!(hits(findings, "WL751"), [(dev.clone(), "ops".to_string())]);
    assert_eq!(hits(findings, "WL752"), [(dev.clone(), "ops".to_string())]);
    let unused = hits(findings, "WL757");
    assert!(
        unused.contains(&(dev.clone(), "vendor-unknown".to_string())),
        "{unused:?}"
    );
    assert!(
        unused
            .iter()
            .all(|(_, role)| !role.starts_with("AWSServiceRole")),
        "service-linked roles are skipped: {unused:?}"
    );

    // The same organization linted through the CLI from the snapshot and read live gives the
    // same findings (only the file differs: the snapshot's account file, `aws:<account>`), every
    // one with its rule's name; dates judged on the given `--today`.
    let later_day = warden_policy::date::format_day(
        warden_lint::Date::from_julian_day(today.to_julian_day() + 120).unwrap(),
    );
    let endpoint = server.endpoint_url();
    let snap = dir.display().to_string();
    let cli = |args: &[&str]| {
        let mut full = vec!["lint", "--format", "json", "--today", later_day.as_str()];
        full.extend(args);
        let run = crate::cli::xtask_in(
            repo.path(),
            &full,
            &[("WARDEN_E2E_POSTURE_UNSET_EXTERNAL_ID", EXTERNAL_ID)],
            &[],
        );
        assert!(run.code <= 1, "{}", run.stderr);
        assert!(!run.stdout.contains(EXTERNAL_ID) && !run.stderr.contains(EXTERNAL_ID));
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut findings = report["findings"].as_array().unwrap().clone();
        for finding in &mut findings {
            assert!(
                finding["name"]
                    .as_str()
                    .is_some_and(|name| !name.is_empty()),
                "{finding}"
            );
            let file = finding["file"].as_str().unwrap().to_string();
            if let Some(account) = finding["account"].as_str()
                && (file == format!("aws:{account}")
                    || file.ends_with(&format!("accounts/{account}.json")))
            {
                finding["file"] = serde_json::json!("[account]");
            }
        }
        findings.sort_by_key(ToString::to_string);
        findings
    };
    let from_snapshot = cli(&["--snapshot", &snap]);
    let from_live = cli(&["--live", "--endpoint-url", &endpoint]);
    assert_eq!(from_live, from_snapshot);
    let rules: std::collections::BTreeSet<&str> = from_live
        .iter()
        .filter_map(|finding| finding["name"].as_str())
        .collect();
    for rule in [
        "user-console-without-mfa",
        "access-key-stale",
        "access-key-unused",
        "user-with-policies",
        "password-policy-weak",
        "role-unused",
        "trust-outside-organization",
        "privilege-escalation",
    ] {
        assert!(rules.contains(rule), "{rule} missing from {rules:?}");
    }
    // `--snapshot DIR --account dev`: exactly the findings of the whole run that are dev's (or
    // of no account), posture findings included; by name or by id alike.
    let expected: Vec<serde_json::Value> = from_snapshot
        .iter()
        .filter(|finding| finding["account"].is_null() || finding["account"] == dev.as_str())
        .cloned()
        .collect();
    assert!(
        from_snapshot
            .iter()
            .any(|finding| finding["account"] == prod.as_str()
                && finding["rule"]
                    .as_str()
                    .is_some_and(|rule| rule == "WL550" || rule.starts_with("WL75"))),
        "the whole run has posture findings of prod"
    );
    let snapshot_dev = cli(&["--snapshot", &snap, "--account", "dev"]);
    assert_eq!(snapshot_dev, expected);
    assert!(
        snapshot_dev
            .iter()
            .any(|finding| finding["rule"] == "WL751" && finding["principal"] == "ops"),
        "{snapshot_dev:#?}"
    );
    assert_eq!(cli(&["--snapshot", &snap, "--account", &dev]), snapshot_dev);
    // `--live --account dev` reads only that account.
    let only_dev = cli(&["--live", "--account", "dev", "--endpoint-url", &endpoint]);
    assert!(
        only_dev
            .iter()
            .any(|finding| finding["account"] == dev.as_str())
    );
    assert!(
        only_dev
            .iter()
            .all(|finding| finding["account"] != prod.as_str())
    );

    // Root rows planted in what was read (moto's report has none): dev's root has a key and
    // no MFA, prod's root has MFA and no key.
    let snapshot = warden_snapshot::Snapshot::open(&dir).unwrap();
    let organization = snapshot.organization().unwrap().organization;
    let mut accounts = Vec::new();
    for (account, risky) in [(&dev, true), (&prod, false)] {
        let mut live = snapshot.account(account).unwrap();
        let mut root = CredentialReportRow {
            user: ROOT_USER.into(),
            arn: format!("arn:aws:iam::{account}:root"),
            password_enabled: Some(true),
            mfa_active: !risky,
            ..CredentialReportRow::default()
        };
        root.access_keys[0].active = risky;
        live.credential_report
            .get_or_insert_with(Default::default)
            .rows
            .push(root);
        accounts.push(live);
    }
    let request = PostureRequest {
        catalog: warden_catalog::Catalog::embedded(),
        config: LintConfig::default(),
        posture: PostureConfig::default(),
        today,
        definitions: Some(&definitions),
    };
    let planted = lint_accounts(&accounts, &organization, &request);
    let root = [(dev.clone(), "root".to_string())];
    assert_eq!(hits(&planted.findings, "WL753"), root);
    assert_eq!(hits(&planted.findings, "WL754"), root);

    // Last use planted too (moto records none): judged 120 days on, `ops`'s key used 10 days
    // before is not unused (a never-used key is: see above), and `vendor-listed`, assumed 10
    // days before, is the twin of the unused `vendor-unknown`.
    let later = warden_lint::Date::from_julian_day(today.to_julian_day() + 120).unwrap();
    let recently = format!(
        "{}T12:00:00Z",
        warden_policy::date::format_day(
            warden_lint::Date::from_julian_day(later.to_julian_day() - 10).unwrap()
        )
    );
    let dev_live = accounts
        .iter_mut()
        .find(|account| account.account_id == dev)
        .unwrap();
    for user in dev_live.users.iter_mut().filter(|user| user.name == "ops") {
        for key in &mut user.access_keys {
            key.last_used = Some(warden_plan::live::AccessKeyLastUsed {
                date: recently.clone(),
                service: Some("s3".into()),
                region: Some("us-east-1".into()),
            });
        }
    }
    for role in dev_live
        .roles
        .iter_mut()
        .filter(|role| role.name == "vendor-listed")
    {
        role.role_last_used = Some(warden_plan::live::RoleLastUsed {
            date: Some(recently.clone()),
            region: Some("us-east-1".into()),
        });
    }
    let request = PostureRequest {
        today: later,
        ..request
    };
    let used = lint_accounts(&accounts, &organization, &request);
    assert!(
        hits(&used.findings, "WL752").is_empty(),
        "{:?}",
        used.findings
    );
    assert_eq!(
        hits(&used.findings, "WL751"),
        [(dev.clone(), "ops".to_string())],
        "a key used last week is still stale at 120 days old"
    );
    let unused = hits(&used.findings, "WL757");
    assert!(unused.contains(&(dev.clone(), "vendor-unknown".to_string())));
    assert!(
        !unused.contains(&(dev.clone(), "vendor-listed".to_string())),
        "{unused:?}"
    );

    // The evidence bundle over the snapshot carries live truth beside intent.
    let bundle = tempfile::tempdir().unwrap();
    let out = bundle.path().join("evidence");
    let header = warden_report::bundle::BundleHeader {
        provenance: warden_report::Provenance::default(),
        usage: None,
    };
    let inputs = warden_app::evidence::Inputs {
        definitions: &definitions,
        organization: &organization,
        plan: None,
        usage: None,
        aws_managed: None,
        selection: warden_app::evidence::Selection {
            accounts: &[],
            ous: &[],
        },
        today,
    };
    warden_app::evidence::write_bundle_with_live(&out, header, &inputs, Some(&dir)).unwrap();
    let evidence: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evidence.json")).unwrap()).unwrap();
    let accounts = evidence["accounts"].as_array().unwrap();
    let dev_evidence = accounts
        .iter()
        .find(|account| account["account_id"] == dev.as_str())
        .unwrap();
    let role = &dev_evidence["roles"][0];
    assert_eq!(role["name"], "widened");
    assert_eq!(role["granted_actions"], serde_json::json!(["s3:GetObject"]));
    let live = &role["live_permissions"];
    assert_eq!(live["differs"], true, "{live}");
    assert_eq!(
        live["beyond_repository"],
        serde_json::json!(["s3:PutObject"])
    );
    let posture = &dev_evidence["posture"];
    let users = posture["users"].as_array().unwrap();
    let alice = users.iter().find(|user| user["name"] == "alice").unwrap();
    assert_eq!(
        (&alice["console_access"], &alice["mfa"]),
        (&serde_json::json!(true), &serde_json::json!(false))
    );
    let ops = users.iter().find(|user| user["name"] == "ops").unwrap();
    assert_eq!(ops["mfa"], true);
    assert_eq!(ops["access_keys"][0]["age_days"], 0);
    assert!(ops["access_keys"][0]["last_used_days_ago"].is_null());
    let external: Vec<(String, serde_json::Value)> = posture["external_trust"]
        .as_array()
        .unwrap()
        .iter()
        .map(|trust| {
            (
                trust["role"].as_str().unwrap().to_string(),
                trust["trusted_as"].clone(),
            )
        })
        .collect();
    assert_eq!(
        external,
        [
            (
                "vendor-listed".to_string(),
                serde_json::json!("Example Monitoring")
            ),
            ("vendor-unknown".to_string(), serde_json::Value::Null),
        ]
    );
    let text = std::fs::read_to_string(out.join("evidence.json")).unwrap();
    assert!(
        !text.contains("Fixture-Only-Password"),
        "no secret in the bundle"
    );
}
