//! Privilege-escalation paths as lint findings: one per principal that can become an
//! administrator (rule `WL790`, `escalation-path`), naming each step and its method.
//!
//! The rule lives here, not in warden-lint's registry: it needs the whole organization's
//! access model (warden-access, layer 5), which lint (layer 3) cannot see.

use warden_access::{AccessError, AccessModel, Goal};
use warden_lint::{Finding, Severity};
use warden_spec::{Definitions, Organization};

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
