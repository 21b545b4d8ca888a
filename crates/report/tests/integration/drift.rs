//! Snapshot and behaviour tests of the drift report over a hand-made plan.

use std::collections::BTreeMap;

use warden_lint::{AppliedException, Finding, Severity};
use warden_plan::change::DocumentDelta;
use warden_plan::{
    AccountPlan, Change, Conflict, Plan, PlanHeader, ScpPlan, Unmanaged, Unreadable,
};
use warden_spec::org::{Account, AccountStatus, Organization};

use warden_report::drift::{Difference, DriftReport, Verdict};
use warden_report::render::{drift_html, drift_json, drift_markdown, drift_table};

fn account(id: &str, name: &str, ou: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: None,
        status: AccountStatus::Active,
        parent_id: "ou-prod".into(),
        ou_path: ou.into(),
        tags: BTreeMap::new(),
    }
}

fn organization() -> Organization {
    Organization {
        id: "o-example".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-root".into(),
        accounts: vec![
            account("111111111111", "payments-prod", "Root/Workloads/Prod"),
            account("222222222222", "shared-services", "Root/Workloads/Prod"),
            account("333333333333", "legacy", "Root/Legacy"),
        ],
        organizational_units: Vec::new(),
    }
}

fn finding(rule: &str, severity: Severity, account: Option<&str>, excepted: bool) -> Finding {
    Finding {
        rule: rule.into(),
        severity,
        message: format!("`{rule}` says something | with a pipe"),
        file: "policies/deploy.yaml".into(),
        line: 12,
        column: 5,
        account: account.map(str::to_string),
        principal: Some("deployer".into()),
        sid: Some("Deploy".into()),
        excepted: excepted.then(|| AppliedException {
            reason: "vendor needs it".into(),
            owner: "team-payments".into(),
            expires: "2027-01-31".into(),
        }),
    }
}

fn plan() -> Plan {
    let mut plan = Plan::new(PlanHeader {
        created_at: "2026-11-25T03:00:00Z".into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        dirty: false,
        definitions_digest: "sha256:abc".into(),
        management_account_id: "123456789012".into(),
        access_role_name: "WardenAccess".into(),
        managed_marker: "warden:managed=true".into(),
    });
    let widened = DocumentDelta {
        actions_gained: vec![],
        actions_lost: vec!["dynamodb:DeleteTable".into()],
        resources_gained: vec![],
        resources_lost: vec!["*".into()],
        other: vec![],
    };
    plan.accounts = vec![
        AccountPlan {
            account_id: "111111111111".into(),
            account_name: "payments-prod".into(),
            fingerprint: "f1".into(),
            changes: vec![
                Change::CreateRole {
                    name: "reporter".into(),
                    path: "/".into(),
                    description: "Reports".into(),
                    trust: "{}".into(),
                    boundary_arn: None,
                    tags: BTreeMap::new(),
                    max_session_duration: 3600,
                },
                Change::PutInlinePolicy {
                    role: "reporter".into(),
                    policy_name: "read".into(),
                    document: "{}".into(),
                    delta: None,
                },
                Change::PutInlinePolicy {
                    role: "deployer".into(),
                    policy_name: "deploy".into(),
                    document: "{}".into(),
                    delta: Some(widened),
                },
                Change::DeleteRole {
                    role: "old-role".into(),
                },
            ],
            phases: Vec::new(),
            objects: Default::default(),
            conflicts: vec![Conflict {
                kind: "role".into(),
                name: "api-task".into(),
                reason: "exists but is not managed by Warden".into(),
            }],
            unmanaged: vec![Unmanaged {
                kind: "role".into(),
                name: "legacy-batch".into(),
            }],
        },
        AccountPlan {
            account_id: "222222222222".into(),
            account_name: "shared-services".into(),
            fingerprint: "f2".into(),
            changes: vec![],
            phases: Vec::new(),
            objects: Default::default(),
            conflicts: vec![],
            unmanaged: vec![],
        },
    ];
    plan.unreadable = vec![Unreadable {
        account_id: "333333333333".into(),
        account_name: "legacy".into(),
        reason: "AccessDenied assuming `WardenAccess`".into(),
    }];
    plan.organization = Some(ScpPlan {
        fingerprint: "f0".into(),
        changes: vec![Change::AttachScp {
            name: "deny-leave".into(),
            policy_id: Some("p-1".into()),
            target_id: "ou-prod".into(),
        }],
        phases: Vec::new(),
        unproven: Vec::new(),
        conflicts: vec![],
        unmanaged: vec![],
    });
    plan
}

fn report() -> DriftReport {
    let findings = vec![
        finding("WL101", Severity::Error, Some("111111111111"), false),
        finding("WL201", Severity::Warning, Some("111111111111"), true),
        finding("WL301", Severity::Warning, None, false),
    ];
    DriftReport::build(&plan(), &organization(), &findings)
}

#[test]
fn changes_are_classified_by_what_exists_live() {
    let report = report();
    let prod = &report.accounts[0];
    assert_eq!(prod.account_name, "legacy", "sorted by name");
    let prod = report
        .accounts
        .iter()
        .find(|a| a.account_name == "payments-prod")
        .map(|a| a.changes.iter().map(|c| c.difference).collect::<Vec<_>>());
    assert_eq!(
        prod,
        Some(vec![
            Difference::NotLive,
            Difference::NotLive,
            Difference::Differs,
            Difference::NotInRepo
        ])
    );
    let t = report.totals;
    assert_eq!(
        (
            t.accounts,
            t.accounts_in_sync,
            t.accounts_with_drift,
            t.unreadable
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        (t.changes, t.differs, t.not_live, t.not_in_repo),
        (5, 2, 2, 1)
    );
    assert_eq!((t.conflicts, t.unmanaged), (1, 1));
    assert_eq!(
        t.live_grants_more, 2,
        "the widened inline policy and the leftover role"
    );
    assert_eq!((t.lint_errors, t.lint_warnings, t.lint_excepted), (1, 1, 1));
}

/// The headline says what the report rests on; exit codes are `warden_app::gate`'s.
#[test]
fn the_headline_follows_what_could_be_read() {
    let report = report();
    assert_eq!(report.verdict(), Verdict::Drift);
    assert!(
        report
            .headline()
            .contains("1 of 3 account(s) could not be read"),
        "{}",
        report.headline()
    );
    let mut quiet = plan();
    quiet.accounts.truncate(0);
    quiet.unreadable.clear();
    quiet.organization = None;
    let empty = DriftReport::build(&quiet, &organization(), &[]);
    assert_eq!(empty.verdict(), Verdict::InSync);
    let mut unread = plan();
    for account in std::mem::take(&mut unread.accounts) {
        unread.unreadable.push(warden_plan::Unreadable {
            account_id: account.account_id,
            account_name: account.account_name,
            reason: "access role refused".into(),
        });
    }
    unread.organization = None;
    let nothing = DriftReport::build(&unread, &organization(), &[]);
    assert_eq!(nothing.verdict(), Verdict::NothingRead);
    assert!(
        nothing
            .headline()
            .starts_with("No account could be read: 0 of 3")
    );
    assert!(drift_html(&nothing).contains("No account could be read"));
    assert!(!drift_markdown(&nothing).contains("No drift"));
    let sarif: serde_json::Value =
        serde_json::from_str(&warden_report::render::drift_sarif(&nothing, "")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.iter().filter(|r| r["ruleId"] == "WD003").count(),
        3,
        "one unreadable result per account"
    );
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "warden-drift/");
}

#[test]
fn json_round_trips() {
    let report = report();
    let text = drift_json(&report);
    let back: Result<DriftReport, _> = serde_json::from_str(&text);
    assert_eq!(back.ok(), Some(report));
}

#[test]
fn markdown_snapshot() {
    let text = drift_markdown(&report());
    assert!(
        !text.contains("says something | with"),
        "pipes in cells are escaped"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn html_snapshot() {
    let text = drift_html(&report());
    assert!(!text.contains("<script"), "no scripts");
    assert!(
        !text.contains("http://") && !text.contains("https://"),
        "no external assets"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(drift_table(&report()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(drift_json(&report()));
}

#[test]
fn markdown_fits_a_comment_on_large_estates() {
    let mut big = plan();
    let template = big.accounts[0].clone();
    big.accounts = (0..400)
        .map(|index| {
            let mut account = template.clone();
            account.account_id = format!("{:012}", 400_000_000_000_u64 + index);
            account.account_name = format!("account-{index:03}");
            account
        })
        .collect();
    let report = DriftReport::build(&big, &organization(), &[]);
    let text = drift_markdown(&report);
    assert!(
        text.len() <= warden_report::render::MARKDOWN_LIMIT,
        "{} bytes",
        text.len()
    );
    assert!(text.contains("accounts omitted to fit a comment"));
    assert!(
        text.contains("| account-399 `400000000399`"),
        "the overview keeps every account"
    );
}

/// Live truth: a hand-made role's trust finding becomes a risky unmanaged object with why,
/// a user's finding too, a finding on a managed role does not; the risk counts include the
/// live findings and the drift where live grants more; the HTML lists them and round-trips.
#[test]
fn live_truth_lists_risky_unmanaged_objects_with_why() {
    use warden_report::drift::AccountLiveTruth;
    use warden_report::risk::RiskClass;
    let live_finding = |rule: &str, principal: &str| Finding {
        principal: Some(principal.into()),
        file: "aws:111111111111".into(),
        line: 0,
        column: 0,
        ..finding(rule, Severity::Error, Some("111111111111"), false)
    };
    let truth = AccountLiveTruth {
        users_read: true,
        findings: vec![
            live_finding("WL504", "legacy-batch"),
            live_finding("WL750", "alice"),
            live_finding("WL550", "deployer"),
            live_finding("WL101", "legacy-batch"),
        ],
        ..AccountLiveTruth::default()
    };
    let before = report();
    let report = report().with_live_truth(BTreeMap::from([("111111111111".to_string(), truth)]));
    let prod = report
        .accounts
        .iter()
        .find(|a| a.account_id == "111111111111")
        .unwrap();
    let risky: Vec<(&str, &str, RiskClass)> = prod
        .live
        .as_ref()
        .unwrap()
        .risky_unmanaged
        .iter()
        .map(|r| (r.name.as_str(), r.rule.as_str(), r.class))
        .collect();
    assert_eq!(
        risky,
        [
            ("legacy-batch", "WL504", RiskClass::Trust),
            ("alice", "WL750", RiskClass::Credentials)
        ],
        "deployer is managed; WL101 is no risk"
    );
    let trust = |r: &DriftReport| r.risks[&RiskClass::Trust].errors;
    assert_eq!(trust(&report), trust(&before) + 2);
    assert_eq!(
        report.risks[&RiskClass::Exposure].drift,
        2,
        "the widened inline policy and the leftover role"
    );
    let html = drift_html(&report);
    let section = html.split("id=\"unmanaged-risks\"").nth(1).unwrap();
    assert!(
        section.contains("role <code>legacy-batch</code>"),
        "{section}"
    );
    let back: DriftReport = serde_json::from_str(&drift_json(&report)).unwrap();
    assert_eq!(back, report);
}
