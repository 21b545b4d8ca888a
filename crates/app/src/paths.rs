//! Privilege-escalation paths as lint findings: one per principal that can become an
//! administrator (rule `WL790`, `escalation-path`), naming each step and its method.
//!
//! The rule is computed here, not in warden-lint: it needs the whole organization's access
//! model (warden-access, layer 5), which lint (layer 3) cannot see.
//!
//! What it runs on: the roles the definitions deploy (`lint` with an organization), or, with
//! `lint --snapshot DIR` and `lint --live`, the roles, users and groups read from the accounts
//! (their inline, attached and group policies, boundaries, trust and older policy versions):
//! a path through a hand-made role is real, one through a definition not yet deployed is not.

use std::path::Path;

use warden_access::{AccessError, AccessModel, Goal};
use warden_lint::{Finding, Severity};
use warden_spec::{Definitions, Organization};

use crate::err::AppError;
use crate::lint_files::Linted;
use crate::simulate::AwsManagedPolicies;

/// The rule id of an escalation-path finding.
pub const RULE: &str = "WL790";

/// A finding for every principal of `model` with a path to an administrator.
pub fn escalation_findings(model: &AccessModel) -> Result<Vec<Finding>, AccessError> {
    let paths = warden_access::paths(model, Goal::Admin, None)?;
    Ok(paths
        .iter()
        .filter_map(|path| {
            let principal = model.principals.get(model.find(&path.from)?)?;
            let steps: Vec<String> = path
                .steps
                .iter()
                .map(|step| format!("{} [{}]", step.description, step.method))
                .collect();
            Some(Finding {
                rule: RULE.to_string(),
                severity: Severity::Error,
                message: format!(
                    "`{}` can become an administrator in {} step(s): {}",
                    principal.name,
                    path.steps.len(),
                    steps.join("; then ")
                ),
                file: String::new(),
                line: 0,
                column: 0,
                account: Some(principal.account_id.clone()),
                principal: Some(principal.name.clone()),
                sid: None,
                excepted: None,
            })
        })
        .collect())
}

/// WL790 over the roles the definitions deploy to `organization` (only those of `account`, by
/// id, when given), with AWS managed policies from the repository's corpus when it has one
/// (`.warden/corpus/`; without it they grant nothing). Definitions that do not render give no
/// finding here: rendering reports them.
pub fn definitions_findings(
    definitions: &Definitions,
    organization: &Organization,
    account: Option<&str>,
) -> Vec<Finding> {
    let mut corpus = AwsManagedPolicies::new(&definitions.root, None);
    let model = warden_access::model::from_definitions(definitions, organization, &mut |arn| {
        corpus.get(arn).ok().map(|policy| policy.document)
    });
    let findings = model.and_then(|model| escalation_findings(&model));
    findings
        .unwrap_or_default()
        .into_iter()
        .filter(|finding| account.is_none_or(|id| finding.account.as_deref() == Some(id)))
        .collect()
}

/// The principals of `account` (by id or by name) in `model`, or every account's when `None`.
fn in_account(model: &AccessModel, account: Option<&str>, finding: &Finding) -> bool {
    let Some(wanted) = account else {
        return true;
    };
    let id = model
        .principals
        .iter()
        .find(|p| p.account_name == wanted)
        .map_or(wanted, |p| p.account_id.as_str());
    finding.account.as_deref() == Some(id)
}

/// WL790 over a model of live accounts, each finding pointing at `file(account)`.
fn live_findings(
    model: &AccessModel,
    account: Option<&str>,
    file: &dyn Fn(&str) -> String,
) -> Result<Vec<Finding>, AppError> {
    let mut findings = escalation_findings(model)?;
    findings.retain(|finding| in_account(model, account, finding));
    for finding in &mut findings {
        finding.file = file(finding.account.as_deref().unwrap_or_default());
    }
    Ok(findings)
}

/// Puts `live` in place of the WL790 findings of the definitions in `linted`: with live state at
/// hand, the escalation paths are those of what is deployed.
pub fn use_live(linted: &mut Linted, live: Vec<Finding>, source: &str) {
    linted.findings.retain(|finding| finding.rule != RULE);
    linted.scope.push(format!(
        "escalation paths (WL790) of the IAM {source}: {} principal(s) with a path",
        live.len()
    ));
    linted.findings.extend(live);
    warden_lint::finding::sort_findings(&mut linted.findings);
}

/// `lint --snapshot DIR`: WL790 over the roles, users and groups the snapshot recorded (only
/// those of `account`, by id or name, when given), in place of the definitions' (AWS managed
/// policies from `root`'s corpus when it has one).
pub fn lint_snapshot(
    linted: &mut Linted,
    dir: &Path,
    root: Option<&Path>,
    account: Option<&str>,
) -> Result<(), AppError> {
    let root = root.filter(|root| root.join(warden_spec::CONFIG_FILE).is_file());
    let (model, _) =
        crate::simulate::access_model(root.map(Path::to_path_buf), None, Some(dir), None)?;
    let file = |account: &str| {
        dir.join("accounts")
            .join(format!("{account}.json"))
            .display()
            .to_string()
    };
    let findings = live_findings(&model, account, &file)?;
    use_live(linted, findings, "the snapshot recorded");
    Ok(())
}

/// `lint --live`: WL790 over the organization's SCPs, RCPs and the member accounts read now
/// (only the paths of `account`, by id or name, when given, though paths through other
/// accounts still count), findings pointing at `aws:<account>`. Accounts that could not be
/// read are absent (the posture lint names them).
pub fn live_escalations(
    organization: &Organization,
    scps: &[warden_plan::live::LiveScp],
    rcps: &[warden_plan::live::LiveScp],
    accounts: &[warden_plan::live::LiveAccount],
    root: &Path,
    account: Option<&str>,
) -> Result<Vec<Finding>, AppError> {
    let mut corpus = AwsManagedPolicies::new(root, None);
    let model = warden_access::model::from_live(organization, scps, rcps, accounts, &mut |arn| {
        corpus.get(arn).ok().map(|policy| policy.document)
    })?;
    live_findings(&model, account, &|account| format!("aws:{account}"))
}
