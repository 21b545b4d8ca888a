//! `events`' use case: high-risk IAM events in a CloudTrail directory, judged against the
//! repository's managed objects and the organization when they are known.

use std::path::Path;

use warden_report::events::{self, Alert, AlertSeverity, EventsContext};

use crate::AppError;

/// The context of the repository at `root`: its definitions, and the organization of `org`, an
/// organization file or a snapshot directory (default: `.warden/organization.json` when a plan
/// saved it; without one, trust granted to accounts outside the organization is not called
/// out). A snapshot also gives the ids of the SCPs it read, so changes to managed SCPs are
/// recognised before any `CreatePolicy` in the records names them. `warden_roles` are the roles
/// besides the access role whose sessions are Warden (the CI role that writes SCPs).
pub fn repository_context(
    root: &Path,
    org: Option<&Path>,
    warden_roles: &[String],
) -> Result<EventsContext, AppError> {
    let definitions = warden_spec::Definitions::load(root)
        .map_err(|errors| AppError::Definitions(errors.rooted_at(root)))?;
    let saved = root.join(".warden/organization.json");
    let org_file = org.or_else(|| Some(saved.as_path()).filter(|path| path.exists()));
    let organization = org_file.map(crate::lint_files::load_org).transpose()?;
    let mut context = EventsContext::from_definitions(&definitions, organization.as_ref());
    if let Some(dir) = org_file.filter(|path| path.is_dir()) {
        let snapshot = crate::snapshot::SnapshotOrganization::open(dir)?;
        let scps = snapshot
            .snapshot()
            .organization()
            .map_err(|err| AppError::Source(Box::new(err)))?
            .scps;
        context.scp_names = scps.into_iter().map(|scp| (scp.id, scp.name)).collect();
    }
    context.warden_roles = warden_roles.iter().cloned().collect();
    Ok(context)
}

/// The alerts in `format` (table, JSON or SARIF).
pub fn render(format: warden_lint::emit::Format, alerts: &[Alert]) -> String {
    match format {
        warden_lint::emit::Format::Table => events::render_table(alerts),
        warden_lint::emit::Format::Json => events::render_json(alerts),
        warden_lint::emit::Format::Sarif => events::render_sarif(alerts),
    }
}

/// Writes the EventBridge rules (a CloudFormation template) to `out`.
pub fn write_eventbridge(out: &Path, context: &EventsContext) -> Result<(), AppError> {
    std::fs::write(out, events::eventbridge_template(context)).map_err(|err| AppError::File {
        action: "write",
        path: out.display().to_string(),
        message: err.to_string(),
    })
}

/// The alerts of the trail under `dir`, and whether any is error-level.
pub fn alerts(dir: &Path, context: &EventsContext) -> Result<(Vec<Alert>, bool), AppError> {
    let trail = warden_generate::io::read_trail_dir(dir)?;
    let alerts = events::detect(&trail, context);
    let errors = alerts
        .iter()
        .any(|alert| alert.severity == AlertSeverity::Error);
    Ok((alerts, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_definitions_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(repository_context(dir.path(), None, &[]).is_err());
    }

    /// An empty trail raises nothing; a missing directory is an error, not an empty trail.
    #[test]
    fn empty_and_missing_trails() {
        let dir = tempfile::tempdir().unwrap();
        let (alerts, errors) = alerts(dir.path(), &EventsContext::default()).unwrap();
        assert!(alerts.is_empty() && !errors);
        let missing = dir.path().join("missing");
        assert!(super::alerts(&missing, &EventsContext::default()).is_err());
    }
}
