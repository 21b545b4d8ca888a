//! `who-can`: every principal allowed to perform some actions on one resource.

use rayon::prelude::*;
use serde::Serialize;
use warden_eval::{
    CompiledPolicySet, Decision, LabeledPolicy, Layer, PolicySet, ReasonKind, Request,
};
use warden_policy::{Effect, Principal as PolicyPrincipal, PrincipalClause, PrincipalType};

use crate::err::AccessError;
use crate::model::AccessModel;

/// Who is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    Role,
    User,
    /// An account outside the organization that a resource or trust policy names (its root,
    /// and whoever its own policies let through).
    ExternalAccount,
    /// A role or user outside the organization that a resource or trust policy names.
    ExternalPrincipal,
    Service,
    Anonymous,
}

/// One principal allowed one action, with the statements that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoCanEntry {
    pub principal: String,
    pub kind: CallerKind,
    /// Account name for principals of the organization.
    pub account: Option<String>,
    pub action: String,
    /// `policy/statement` of each allow that counted.
    pub statements: Vec<String>,
    /// What the caller is assumed to present (the ExternalId a trust policy requires; never
    /// its value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assuming: Vec<String>,
}

/// The answer, ordered by principal then action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoCan {
    pub resource: String,
    pub actions: Vec<String>,
    /// The resource policy used: the given one, else the trust policy when the resource is a
    /// role of the organization.
    pub resource_policy: Option<String>,
    pub entries: Vec<WhoCanEntry>,
}

/// Who can perform each of `actions` on `resource` (owned by `resource_account` when its ARN
/// names none, as for S3). `resource_policy` is the resource's policy
/// (bucket policy, key policy…); for a role of the model its trust policy is used by default.
pub fn who_can(
    model: &AccessModel,
    actions: &[String],
    resource: &str,
    resource_account: Option<&str>,
    resource_policy: Option<&LabeledPolicy>,
) -> Result<WhoCan, AccessError> {
    for action in actions {
        Request::new("*", action, resource)?;
    }
    let policy = resource_policy.cloned().or_else(|| {
        model
            .find(resource)
            .and_then(|i| model.principals.get(i))
            .and_then(|p| p.trust.clone())
    });
    // The resource's account decides which RCPs apply (S3 ARNs name none: `resource_account`).
    let owner = resource_account.map(str::to_string).or_else(|| {
        warden_policy::arn::ArnRef::parse(resource)
            .map(|arn| arn.account.to_string())
            .filter(|account| !account.is_empty())
    });
    let side = model.resource_side(owner.as_deref(), policy.as_ref());
    let compiled_policy = Some(&side);
    // Assuming a role whose trust requires an ExternalId: the caller is taken to know it.
    let external_id = match (resource_policy, model.find(resource)) {
        (None, Some(role)) => crate::paths::required_external_id(model, role),
        _ => None,
    };
    let trust_context: Vec<String> = external_id
        .iter()
        .map(|id| format!("sts:ExternalId={id}"))
        .collect();
    let mut entries: Vec<WhoCanEntry> = (0..model.principals.len())
        .into_par_iter()
        .flat_map_iter(|index| {
            let mut found = Vec::new();
            let (Some(principal), Some(compiled)) =
                (model.principals.get(index), model.compiled(index))
            else {
                return found;
            };
            for action in actions {
                let context: &[String] =
                    if action.to_ascii_lowercase().starts_with("sts:assumerole") {
                        &trust_context
                    } else {
                        &[]
                    };
                let Ok(request) =
                    model.request_on(index, action, resource, resource_account, context)
                else {
                    continue;
                };
                if !compiled.decide_with(&request, compiled_policy).is_allow() {
                    continue;
                }
                let decision = compiled.evaluate_with(&request, compiled_policy);
                found.push(WhoCanEntry {
                    principal: principal.arn.clone(),
                    kind: match principal.kind {
                        crate::PrincipalKind::Role => CallerKind::Role,
                        crate::PrincipalKind::User => CallerKind::User,
                    },
                    account: Some(principal.account_name.clone()),
                    action: action.clone(),
                    statements: deciding_statements(&decision),
                    assuming: if context.is_empty() {
                        Vec::new()
                    } else {
                        vec!["the ExternalId the trust policy requires".to_string()]
                    },
                });
            }
            found
        })
        .collect();
    if let Some(policy) = &policy {
        let rcps = owner
            .as_deref()
            .and_then(|account| model.rcps.get(account))
            .cloned()
            .unwrap_or_default();
        entries.extend(external_callers(
            model,
            policy,
            &rcps,
            actions,
            resource,
            resource_account,
        )?);
    }
    entries
        .sort_by(|a, b| (a.kind, &a.principal, &a.action).cmp(&(b.kind, &b.principal, &b.action)));
    Ok(WhoCan {
        resource: resource.to_string(),
        actions: actions.to_vec(),
        resource_policy: policy.map(|p| p.label),
        entries,
    })
}

/// `policy/statement` for each allow that counted toward the decision.
pub(crate) fn deciding_statements(decision: &Decision) -> Vec<String> {
    decision
        .reasons
        .iter()
        .filter(|reason| reason.kind == ReasonKind::Allow)
        // SCPs and RCPs only let a grant through; the grants are what decided it.
        .filter(|reason| !matches!(reason.layer, Layer::Scp | Layer::Rcp))
        .filter_map(|reason| match (&reason.policy, &reason.statement) {
            (Some(policy), Some(statement)) => Some(format!("{policy}/{statement}")),
            (Some(policy), None) => Some(policy.clone()),
            _ => None,
        })
        .collect()
}

/// The external accounts and principals, services and anonymous callers an `Allow` of the
/// resource policy names, each decided with only the resource side known (their own
/// policies are assumed to allow) and the RCPs above the resource's account.
fn external_callers(
    model: &AccessModel,
    policy: &LabeledPolicy,
    rcps: &[Vec<LabeledPolicy>],
    actions: &[String],
    resource: &str,
    resource_account: Option<&str>,
) -> Result<Vec<WhoCanEntry>, AccessError> {
    let mut callers: Vec<(String, CallerKind)> = Vec::new();
    let known_account = |account: &str| model.principals.iter().any(|p| p.account_id == account);
    for statement in &policy.document.statements {
        if statement.effect != Effect::Allow {
            continue;
        }
        let Some(PrincipalClause::Principal(principal)) = &statement.principal else {
            continue;
        };
        let entries = match principal {
            PolicyPrincipal::Typed(entries) => entries,
            _ => {
                callers.push(("*".into(), CallerKind::Anonymous));
                continue;
            }
        };
        for (kind, values) in entries {
            for value in &values.items {
                let caller = match kind {
                    PrincipalType::Aws if value == "*" => ("*".to_string(), CallerKind::Anonymous),
                    PrincipalType::Aws => {
                        let account = warden_policy::arn::ArnRef::parse(value)
                            .map(|arn| arn.account.to_string())
                            .unwrap_or_else(|| value.clone());
                        if known_account(&account) || model.find(value).is_some() {
                            continue;
                        }
                        let root = warden_policy::arn::ArnRef::parse(value)
                            .is_some_and(|arn| arn.resource == "root");
                        if warden_policy::is_account_id(value) || root {
                            (account, CallerKind::ExternalAccount)
                        } else {
                            (value.clone(), CallerKind::ExternalPrincipal)
                        }
                    }
                    PrincipalType::Service => (value.clone(), CallerKind::Service),
                    _ => continue,
                };
                if !callers.contains(&caller) {
                    callers.push(caller);
                }
            }
        }
    }
    let own_policies = warden_policy::parse_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"AssumedByItsOwnAccount","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .ok();
    let set = PolicySet {
        identity: own_policies
            .into_iter()
            .map(|document| LabeledPolicy::new("its own account's policies (assumed)", document))
            .collect(),
        resource_policy: Some(policy.clone()),
        rcps: rcps.to_vec(),
        ..PolicySet::default()
    };
    let compiled = CompiledPolicySet::compile(&set);
    let mut entries = Vec::new();
    for (principal, kind) in callers {
        for action in actions {
            let mut request = Request::new(&principal, action, resource)?;
            if let Some(account) = resource_account {
                request = request.with_resource_account(account);
            }
            let request = request.finish();
            let decision = compiled.evaluate(&request);
            if decision.decision.is_allow() {
                entries.push(WhoCanEntry {
                    principal: principal.clone(),
                    kind,
                    account: None,
                    action: action.clone(),
                    statements: deciding_statements(&decision)
                        .into_iter()
                        .filter(|s| !s.starts_with("its own account"))
                        .collect(),
                    assuming: Vec::new(),
                });
            }
        }
    }
    Ok(entries)
}

impl WhoCan {
    /// One line per principal and action.
    pub fn table(&self) -> String {
        let mut text = format!("Who can {} on {}\n", self.actions.join(", "), self.resource);
        if let Some(policy) = &self.resource_policy {
            text.push_str(&format!("resource policy: {policy}\n"));
        }
        if self.entries.is_empty() {
            text.push_str("  nobody\n");
        }
        for entry in &self.entries {
            let kind = serde_json::to_value(entry.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let account = entry
                .account
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            text.push_str(&format!(
                "  {kind:<18} {}{account}  {}\n      by {}\n",
                entry.principal,
                entry.action,
                entry.statements.join(", ")
            ));
            for assumption in &entry.assuming {
                text.push_str(&format!("      presenting {assumption}\n"));
            }
        }
        text
    }
}
