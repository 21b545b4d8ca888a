//! `generate`'s use cases: a role from CloudTrail activity, a trust policy from templates alone,
//! and the expiry date of generated lint exceptions.

use std::path::Path;

use serde_json::Value;
use warden_catalog::Catalog;
use warden_generate::cloudtrail::{RoleArn, parse_since};
use warden_generate::statement::{GeneratedStatement, document_json};
use warden_generate::trust::{TrustContext, TrustTemplate};
use warden_generate::{
    ActivityOptions, GeneratedRole, IntentOptions, Layout, SizeLimits, TrustError,
};
use warden_spec::Definitions;

use crate::AppError;

/// A generated role, with what to tell the user about it.
pub struct Generated {
    pub role: GeneratedRole,
    pub layout: Layout,
    /// From a trail: `read N events, M by ARN; K actions used`.
    pub summary: Option<String>,
    /// Where the definition came from, for its header comment.
    pub source: String,
}

/// Reads the trail under `dir`, keeps the sessions of `role` (since `since`) and generates.
/// `options.since` is replaced by the parsed `since`.
pub fn from_trail(
    dir: &Path,
    role: &str,
    since: Option<&str>,
    mut options: ActivityOptions,
    limits: SizeLimits,
) -> Result<Generated, AppError> {
    let role_arn = RoleArn::parse(role)?;
    options.since = since.map(parse_since).transpose()?;
    let events = warden_generate::io::read_trail_dir(dir)?;
    let (role, layout, activity) = warden_generate::generate_from_activity(
        &events,
        &role_arn,
        Catalog::embedded(),
        &options,
        limits,
    )?;
    Ok(Generated {
        role,
        layout,
        summary: Some(format!(
            "read {} events, {} by {}; {} actions used",
            activity.events_read,
            activity.events_of_role,
            role_arn.arn(),
            activity.used.len()
        )),
        source: format!(
            "CloudTrail activity of {} in {}",
            role_arn.arn(),
            dir.display()
        ),
    })
}

/// Generates from the intent file at `path`; of `options` only the name, the trust and the
/// ExternalId apply (an intent carries its owner, boundary and tags).
pub fn from_intent_file(
    path: &Path,
    options: ActivityOptions,
    limits: SizeLimits,
) -> Result<Generated, AppError> {
    let text = std::fs::read_to_string(path).map_err(|err| AppError::Read {
        path: path.display().to_string(),
        message: err.to_string(),
    })?;
    let options = IntentOptions {
        name: options.name,
        trust: options.trust,
        external_id: options.external_id,
        external_id_var: options.external_id_var,
        exception_expires: options.exception_expires,
    };
    let (role, layout) = warden_generate::generate_from_intent_text(
        &text,
        path,
        Catalog::embedded(),
        &options,
        limits,
    )?;
    let source = path.display().to_string();
    Ok(Generated {
        role,
        layout,
        summary: None,
        source,
    })
}

/// The context of a trust policy generated without an intent: the account given, else the
/// management account of the definitions (whose partition and home region are used too).
pub fn trust_context(
    definitions: Option<&Definitions>,
    account: Option<String>,
    external_id: Option<String>,
    external_id_var: Option<String>,
) -> Result<TrustContext, AppError> {
    let account = account.or_else(|| definitions.map(|d| d.config.management_account_id.clone()));
    if let Some(account) = &account
        && !warden_policy::is_account_id(account)
    {
        return Err(AppError::NotAccountId(account.clone()));
    }
    Ok(TrustContext {
        partition: definitions.map_or_else(|| "aws".to_string(), |d| d.partition().to_string()),
        account,
        region: definitions.map(|d| d.config.home_region.clone()),
        external_id,
        external_id_var,
    })
}

/// The trust policy of `templates` as IAM JSON, with the templates' warnings.
pub fn trust_policy(
    templates: &[String],
    context: &TrustContext,
) -> Result<(Value, Vec<String>), TrustError> {
    let mut statements: Vec<GeneratedStatement> = Vec::new();
    let mut warnings = Vec::new();
    for template in templates {
        let output = TrustTemplate::parse(template)?.statement(context)?;
        warnings.extend(output.warnings);
        let mut statement = output.statement;
        // Sids are unique within a policy: the second trust of one repository gets a number.
        let taken = |sid: &str| statements.iter().any(|s| s.sid == sid);
        if taken(&statement.sid) {
            let base = statement.sid.clone();
            let mut n = 2;
            while taken(&format!("{base}{n}")) {
                n += 1;
            }
            statement.sid = format!("{base}{n}");
        }
        statements.push(statement);
    }
    Ok((document_json(&statements), warnings))
}

/// `YYYY-MM-DD` of today plus `days`, in UTC (for the expiry of generated exceptions).
pub fn date_in_days(days: u64) -> Result<String, AppError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| AppError::Clock)?
        .as_secs();
    i64::try_from(now + days * 86_400)
        .ok()
        .and_then(warden_lint::subject::date_from_unix_seconds)
        .map(|date| date.to_string())
        .ok_or(AppError::Clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated exceptions expire on a `YYYY-MM-DD` date, as lint exceptions are written.
    #[test]
    fn expiry_dates_are_iso() {
        let date = date_in_days(365).unwrap();
        let bytes = date.as_bytes();
        assert_eq!(date.len(), 10, "{date}");
        assert!(bytes[4] == b'-' && bytes[7] == b'-', "{date}");
        assert!(date.as_str() > "2026-01-01", "{date}");
    }

    #[test]
    fn trust_context_rejects_a_bad_account() {
        let err = trust_context(None, Some("12".into()), None, None).unwrap_err();
        assert_eq!(err.to_string(), "`12` is not an account id (12 digits)");
        let context = trust_context(None, Some("111122223333".into()), None, None).unwrap();
        assert_eq!(context.partition, "aws");
    }

    /// Two trusts of one repository get distinct Sids.
    #[test]
    fn repeated_templates_get_numbered_sids() {
        let context = trust_context(None, Some("111122223333".into()), None, None).unwrap();
        let templates = vec!["github:acme/iam@main".to_string(); 3];
        let (document, _) = trust_policy(&templates, &context).unwrap();
        let sids: Vec<&str> = document["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids.len(), 3);
        assert_eq!(sids[1], format!("{}2", sids[0]));
        assert_eq!(sids[2], format!("{}3", sids[0]));
    }
}
