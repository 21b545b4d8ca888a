//! Privilege-escalation paths as lint findings: one per principal that can become an
//! administrator (rule `WL790`, `escalation-path`), naming each step and its method.
//!
//! The rule lives here, not in warden-lint's registry: it needs the whole organization's
//! access model (warden-access, layer 5), which lint (layer 3) cannot see.

use warden_access::{AccessError, AccessModel, Goal};
use warden_lint::{Finding, Severity};

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
