//! Least-privilege policy generation from declared intent and from CloudTrail activity.
//!
//! # From intent ([`intent`], [`from_intent`])
//! An intent file says, per service, which access levels or actions a workload needs, on which
//! resources (ARNs, or a catalog resource type with values for its ARN variables:
//! `{type: object, bucket: acme-reports, key: "exports/*"}`) and under which conditions. Actions
//! are always enumerated (never `service:*`) and grouped by resource type into statements with
//! Sids and a justification sentence. An action whose resource types match none of the given
//! resources is left out with a warning, never widened; `Resource: "*"` is used only for actions
//! the catalog gives no resource type, and only when the intent names them explicitly. An action
//! that does not support a requested condition key (tag keys are checked against the action's
//! own lists, since `aws:ResourceTag` is global but only tagged resources provide it) is left out
//! rather than granted without the condition.
//!
//! # Trust ([`trust`])
//! `service:…` (with `aws:SourceAccount`/`aws:SourceArn`, except for services that do not send
//! them), `account:ID` (with `sts:ExternalId`: the definition variable `${external_id}` by
//! default, or a literal) and `github:ORG/REPO@REF` / `@environment:NAME` (OIDC `aud` and `sub`).
//!
//! # From activity ([`cloudtrail`], [`activity`], [`io`])
//! CloudTrail records of the role's sessions are mapped to actions (event name under the
//! service's prefix, with the documented exceptions in [`cloudtrail::EVENT_EXCEPTIONS`]) and
//! validated against the catalog; AccessDenied calls are reported, not granted.
//! [`refine`] compares a role definition's grants (wildcards expanded) with what was used.
//!
//! # Size ([`size`])
//! Inline when the document fits 10,240 characters; otherwise managed policies of at most
//! 6,144; only then wildcards that expand to exactly the same actions.
//!
//! # Lint exceptions
//! WL301 (`resource-star`) never flags actions without resource types and WL705 flags exceptions
//! that cover nothing, so generated statements carry an exception only where WL301 fires: an
//! activity statement granting `*` to actions whose (optional) resource types the calls did not
//! name. Elsewhere the justification says why `*` is needed.

pub mod activity;
pub mod cloudtrail;
pub mod definitions;
pub mod diag;
pub mod err;
pub mod from_intent;
pub mod intent;
pub mod io;
pub mod refine;
pub mod render;
pub mod size;
pub mod statement;
pub mod trust;

pub use diag::Diagnostic;
pub use err::{CloudTrailError, GenerateError, IntentError, Pos, TrustError};
pub use from_intent::{GeneratedRole, IntentOptions, generate_from_intent};
pub use intent::Intent;
pub use size::{Layout, SizeLimits};

use std::path::Path;

use warden_catalog::Catalog;

/// Parses an intent file's text, generates the role and lays its permissions out within
/// `limits`. The role's `warnings` include the layout's.
pub fn generate_from_intent_text(
    text: &str,
    path: &Path,
    catalog: &Catalog,
    options: &IntentOptions,
    limits: SizeLimits,
) -> Result<(GeneratedRole, Layout), GenerateError> {
    let intent = Intent::parse(text, path)?;
    let mut role = generate_from_intent(&intent, path, catalog, options)?;
    let (layout, warnings) = size::layout(&role.name, &role.statements, catalog, limits)?;
    role.warnings.extend(warnings);
    self_check(&role, &layout)?;
    Ok((role, layout))
}

/// Settings of generation from CloudTrail activity.
#[derive(Debug, Clone, Default)]
pub struct ActivityOptions {
    /// Role name in the output; the role ARN's name when absent.
    pub name: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339 UTC: ignore earlier events.
    pub since: Option<String>,
    /// Trust templates for the output definition (activity says nothing about trust).
    pub trust: Vec<String>,
    pub external_id: Option<String>,
    pub external_id_var: Option<String>,
    pub exception_expires: String,
    pub owner: Option<String>,
    /// Role tags for the definition.
    pub tags: std::collections::BTreeMap<String, String>,
    /// Permission boundary (a name in `boundaries/`).
    pub boundary: Option<String>,
}

/// Generates a minimal role from the events of `role` and lays it out within `limits`.
pub fn generate_from_activity(
    events: &[cloudtrail::TrailEvent],
    role: &cloudtrail::RoleArn,
    catalog: &Catalog,
    options: &ActivityOptions,
    limits: SizeLimits,
) -> Result<(GeneratedRole, Layout, activity::Activity), GenerateError> {
    let activity = activity::observe(events, role, options.since.as_deref(), catalog);
    let (statements, mut warnings) = activity::statements_from_activity(&activity, role, catalog);
    if statements.is_empty() {
        return Err(GenerateError::NoActivity {
            role: role.arn(),
            events_read: activity.events_read,
            events_of_role: activity.events_of_role,
            since: options
                .since
                .as_deref()
                .map(|since| format!(" since `{since}`"))
                .unwrap_or_default(),
        });
    }
    let context = trust::TrustContext {
        partition: role.partition.clone(),
        account: Some(role.account.clone()),
        region: activity.region.clone(),
        external_id: options.external_id.clone(),
        external_id_var: options.external_id_var.clone(),
    };
    let mut trust = Vec::new();
    for text in &options.trust {
        let output = trust::TrustTemplate::parse(text)?.statement(&context)?;
        warnings.extend(
            output
                .warnings
                .into_iter()
                .map(|message| Diagnostic::new(None, message)),
        );
        trust.push(output.statement);
    }
    if trust.is_empty() {
        warnings.push(Diagnostic::new(None, "no `--trust` given: the definition's trust is empty; copy the role's current trust or pass `--trust`"));
    }
    if options.boundary.is_none() {
        warnings.push(Diagnostic::new(
            None,
            "no `--boundary`: every non-admin role needs a permission boundary",
        ));
    }
    for (call, count) in &activity.denied {
        warnings.push(Diagnostic::new(
            None,
            format!("denied {count} time(s), not granted: {call}"),
        ));
    }
    for (event, tried) in &activity.unmapped {
        warnings.push(Diagnostic::new(
            None,
            format!(
                "`{event}` maps to no catalog action (tried `{tried}`): grant it by hand if needed"
            ),
        ));
    }
    for arn in &activity.pass_role_hints {
        warnings.push(Diagnostic::new(None, format!("requests passed the role `{arn}`; `iam:PassRole` is not logged by CloudTrail, so grant it by hand if needed")));
    }
    let name = options.name.clone().unwrap_or_else(|| role.name.clone());
    let (layout, layout_warnings) = size::layout(&name, &statements, catalog, limits)?;
    warnings.extend(layout_warnings);
    let generated = GeneratedRole {
        name,
        description: Some(format!(
            "Generated from CloudTrail activity of {}",
            role.arn()
        )),
        account: Some(role.account.clone()),
        boundary: options.boundary.clone(),
        path: (role.path != "/").then(|| role.path.clone()),
        tags: options.tags.clone(),
        target_accounts: vec![role.account.clone()],
        target_ous: vec![],
        target_tags: vec![],
        owner: options.owner.clone().unwrap_or_else(|| "unassigned".into()),
        exception_expires: options.exception_expires.clone(),
        trust,
        statements,
        warnings,
    };
    self_check(&generated, &layout)?;
    Ok((generated, layout, activity))
}

/// Every generated document must be valid policy JSON for the policy parser (trust included).
fn self_check(role: &GeneratedRole, layout: &Layout) -> Result<(), GenerateError> {
    let trust = (!role.trust.is_empty())
        .then(|| ("trust".to_owned(), statement::document_json(&role.trust)));
    let policies = layout
        .policies()
        .into_iter()
        .map(|policy| (policy.name.clone(), policy.to_json()));
    for (name, document) in trust.into_iter().chain(policies) {
        warden_policy::parse_value(&document).map_err(|errors| GenerateError::SelfCheck {
            policy: name.clone(),
            message: errors.to_string(),
        })?;
    }
    Ok(())
}
