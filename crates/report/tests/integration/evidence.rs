//! Evidence over a small definitions repository: counts against the catalog, live match from a
//! plan, CloudTrail usage, exceptions, and snapshots of the account page, index and CSV.

use std::collections::BTreeMap;
use std::path::Path;

use warden_catalog::Catalog;
use warden_lint::{LintConfig, lint_rendered_account};
use warden_plan::{AccountPlan, Change, Plan, PlanHeader, Unmanaged};
use warden_spec::Definitions;
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

use warden_report::bundle::{BundleHeader, EvidenceWriter};
use warden_report::evidence::{EvidenceContext, LiveMatch, account_evidence};
use warden_report::provenance::Provenance;
use warden_report::usage::UsageIndex;

const ACCOUNT: &str = "111122223333";

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn repository(root: &Path) -> Definitions {
    write(
        root,
        "warden.yaml",
        "organization:\n  management_account_id: \"123456789012\"\naccess:\n  role_name: WardenAccess\n  external_id_env: X_ID\nregions:\n  allowed: [us-east-1]\n  home: us-east-1\nadmin_roles: [WardenAccess]\n",
    );
    write(
        root,
        "boundaries/cap.yaml",
        "kind: Boundary\nname: cap\npath: /\ndescription: Cap.\nstatements:\n  - Sid: Cap\n    Effect: Allow\n    Action: [s3:*, sqs:*]\n    Resource: \"*\"\n    justification: Storage and queues only.\n  - Sid: NoDelete\n    Effect: Deny\n    Action: s3:DeleteBucket\n    Resource: \"*\"\n    justification: Buckets are never deleted by workloads.\n",
    );
    write(
        root,
        "policies/worker.yaml",
        "kind: Role\nname: worker\npath: /apps/\ndescription: Processes <orders> & refunds.\ntargets:\n  ous: [Root/Apps]\nboundary: cap\nmanaged_policies: [\"arn:aws:iam::aws:policy/TestBucketList\"]\ntrust:\n  - Sid: Ecs\n    Effect: Allow\n    Principal:\n      Service: ecs-tasks.amazonaws.com\n    Action: sts:AssumeRole\n    Condition:\n      StringEquals:\n        aws:SourceAccount: \"${account_id}\"\n    justification: ECS tasks of this account.\ninline_policies:\n  work:\n    - Sid: Objects\n      Effect: Allow\n      Action: [s3:GetObject, s3:PutObject, s3:DeleteBucket]\n      Resource: \"arn:aws:s3:::orders-${account_id}/*\"\n      justification: Reads and writes order files.\n    - Sid: Queues\n      Effect: Allow\n      Action: sqs:*\n      Resource: \"arn:aws:sqs:us-east-1:${account_id}:orders\"\n      justification: Owns the orders queue.\n    - Sid: Tables\n      Effect: Allow\n      Action: dynamodb:GetItem\n      Resource: \"*\"\nexceptions:\n  - rule: WL201\n    sid: Queues\n    reason: The worker manages its own queue.\n    owner: orders-team@example.com\n    expires: 2099-01-31\n",
    );
    write(
        root,
        "scps/deny-leave.yaml",
        "kind: Scp\nname: deny-leave\ndescription: Stay.\ntargets:\n  ous: [Root/Apps]\nstatements:\n  - Sid: Stay\n    Effect: Deny\n    Action: organizations:LeaveOrganization\n    Resource: \"*\"\n",
    );
    Definitions::load(root).unwrap_or_else(|errors| panic!("{errors:?}"))
}

fn organization() -> Organization {
    Organization {
        id: "o-test".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-root".into(),
        accounts: vec![Account {
            id: ACCOUNT.into(),
            name: "orders-prod".into(),
            email: None,
            status: AccountStatus::Active,
            parent_id: "ou-apps".into(),
            ou_path: "Root/Apps".into(),
            tags: BTreeMap::new(),
        }],
        organizational_units: vec![OrganizationalUnit {
            id: "ou-apps".into(),
            name: "Apps".into(),
            parent_id: "r-root".into(),
            path: "Root/Apps".into(),
        }],
    }
}

fn plan() -> Plan {
    let mut plan = Plan::new(PlanHeader::default());
    plan.accounts.push(AccountPlan {
        account_id: ACCOUNT.into(),
        account_name: "orders-prod".into(),
        fingerprint: String::new(),
        changes: vec![Change::UpdateTrust {
            role: "worker".into(),
            document: "{}".into(),
            delta: Default::default(),
        }],
        phases: Vec::new(),
        objects: Default::default(),
        conflicts: vec![],
        unmanaged: vec![Unmanaged {
            kind: "role".into(),
            name: "=cmd|calc".into(),
        }],
    });
    plan
}

fn usage() -> UsageIndex {
    let event = |time: &str, source: &str, name: &str| {
        format!(
            r#"{{"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","userIdentity":{{"type":"AssumedRole","accountId":"{ACCOUNT}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/worker/t","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::{ACCOUNT}:role/apps/worker"}}}}}}}}"#
        )
    };
    let text = format!(
        r#"{{"Records":[{},{},{}]}}"#,
        event("2026-11-02T00:00:00Z", "s3.amazonaws.com", "GetObject"),
        event("2026-11-03T00:00:00Z", "sqs.amazonaws.com", "SendMessage"),
        event("2026-10-01T00:00:00Z", "s3.amazonaws.com", "PutObject"),
    );
    let events = warden_generate::cloudtrail::parse_log(&text, Path::new("t.json")).unwrap();
    UsageIndex::new(events, 1, Some("2026-11-01".into()), Catalog::embedded())
}

#[test]
fn evidence_of_a_role_and_its_bundle() {
    let repo = tempfile::tempdir().unwrap();
    let definitions = repository(repo.path());
    let organization = organization();
    let account = definitions
        .render_for_account(&organization, &organization.accounts[0])
        .unwrap();
    let scps = definitions.render_scps(&organization).unwrap();
    let catalog = Catalog::embedded();
    let today = warden_lint::subject::date_from_unix_seconds(1_764_000_000).unwrap();
    let findings = lint_rendered_account(
        &account,
        &LintConfig::from_spec(&definitions.config),
        catalog,
        today,
    );
    let plan = plan();
    let usage = usage();
    let context = EvidenceContext {
        catalog,
        organization: &organization,
        scps: &scps,
        plan: Some(&plan),
        findings: &findings,
        usage: Some(&usage),
        aws_managed: Some(&aws_managed()),
        today: today.to_string(),
    };
    let evidence = account_evidence(&context, &account);
    let role = &evidence.roles[0];

    // s3:GetObject, s3:PutObject, s3:ListBucket (AWS managed) and every sqs action; dynamodb
    // and kms are outside the boundary and s3:DeleteBucket is denied by it.
    let sqs = catalog.expand("sqs:*").unwrap().len();
    assert_eq!(role.permissions.total, 3 + sqs);
    assert!(role.permissions.not_expanded.is_empty());
    assert_eq!(
        role.permissions
            .services
            .iter()
            .map(|s| s.service.as_str())
            .collect::<Vec<_>>(),
        ["s3", "sqs"]
    );
    assert!(matches!(&role.live, LiveMatch::Differs { changes } if changes.len() == 1));
    assert_eq!(evidence.scps.len(), 1);
    assert_eq!(evidence.scps[0].target, "Root/Apps");
    let usage = role.usage.as_ref().unwrap();
    assert_eq!(usage.used, ["s3:GetObject", "sqs:SendMessage"]);
    assert_eq!(usage.events, 2, "the October PutObject is before --since");
    assert_eq!(usage.unused_count, role.permissions.total - 2);
    assert_eq!(role.exceptions.len(), 1);
    assert!(role.exceptions[0].in_force);
    assert!(
        role.statements
            .iter()
            .any(|s| s.sid.as_deref() == Some("Tables") && s.justification.is_none())
    );

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundle");
    let header = BundleHeader {
        provenance: Provenance {
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            author: Some("Ada Auditor <ada@example.com>".into()),
            commit_date: Some("2026-11-24T12:00:00Z".into()),
            clean: true,
            warden_version: "0.1.0".into(),
            live_read_at: "2026-11-25T03:00:00Z".into(),
            definitions_digest: "digest".into(),
            catalog: "catalog".into(),
        },
        usage: Some(usage_period()),
    };
    let mut writer = EvidenceWriter::create(&dir, header).unwrap();
    writer.write_account(&evidence).unwrap();
    let summary = writer.finish().unwrap();
    assert_eq!(
        (summary.accounts, summary.roles, summary.roles_matching_live),
        (1, 1, 0)
    );
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let manifest = read("MANIFEST.sha256");
    for (file, digest) in &summary.files {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        use sha2::Digest as _;
        assert_eq!(&hex::encode(sha2::Sha256::digest(&bytes)), digest, "{file}");
        assert!(manifest.contains(&format!("{digest}  {file}\n")));
    }
    let json: serde_json::Value = serde_json::from_str(&read("evidence.json")).unwrap();
    assert_eq!(json["accounts"][0]["roles"][0]["name"], "worker");
    let page = read(&format!("accounts/{ACCOUNT}.html"));
    assert!(page.contains("Processes &lt;orders&gt; &amp; refunds."));
    insta::assert_snapshot!("evidence_account_page", page);
    insta::assert_snapshot!("evidence_index", read("index.html"));
    insta::assert_snapshot!("evidence_roles_csv", read("roles.csv"));
}

fn aws_managed() -> warden_report::evidence::AwsManagedPolicies {
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "kms:Decrypt"], "Resource": "*"}
    ]});
    let parsed = warden_policy::parse_value(&document).unwrap();
    BTreeMap::from([(
        "arn:aws:iam::aws:policy/TestBucketList".to_string(),
        warden_report::evidence::AwsManagedPolicy { document, parsed },
    )])
}

fn usage_period() -> warden_report::usage::UsagePeriod {
    usage().period()
}
