//! `refine`: which granted actions a role never used in CloudTrail, as YAML statements to
//! paste over the definition's or as a unified diff of the definition files. `iam:PassRole` is
//! never proposed: CloudTrail does not log it.

use std::path::Path;

use warden_catalog::Catalog;
use warden_generate::activity::observe;
use warden_generate::cloudtrail::{RoleArn, parse_since};
use warden_generate::definitions::{edits_by_file, find_role, granted_statements, role_arn};
use warden_generate::io::read_trail_dir;
use warden_generate::refine::{proposals_yaml, propose, unified_diff};

use crate::err::AppError;

/// What to refine.
pub struct RefineRequest<'a> {
    /// Repository with `warden.yaml`.
    pub root: &'a Path,
    pub role: &'a str,
    /// CloudTrail log files (`.json`, `.json.gz`), searched recursively.
    pub cloudtrail: &'a Path,
    /// The deployed role's ARN (default: from `account` or the definition's target account).
    pub role_arn: Option<&'a str>,
    pub account: Option<&'a str>,
    /// Events before this date (`YYYY-MM-DD` or RFC 3339 UTC) are ignored.
    pub since: Option<&'a str>,
    /// A unified diff of the definition files instead of the new statements.
    pub diff: bool,
}

/// The proposals as text, and what the caller should mention.
#[derive(Debug)]
pub struct Refined {
    pub text: String,
    pub proposals: usize,
    /// With `diff`: statements without a Sid, which the diff cannot locate.
    pub without_sid: usize,
    /// Denied calls of the role and how often.
    pub denied: Vec<(String, usize)>,
}

impl RefineRequest<'_> {
    pub fn refine(&self) -> Result<Refined, AppError> {
        let catalog = Catalog::embedded();
        let definitions = warden_spec::Definitions::load(self.root)
            .map_err(|errors| AppError::Definitions(errors.rooted_at(self.root)))?;
        let role = find_role(&definitions, self.role)?;
        let role_arn = match self.role_arn {
            Some(arn) => RoleArn::parse(arn)?,
            None => RoleArn::parse(&role_arn(&definitions, role, self.account)?)?,
        };
        let granted = granted_statements(&definitions, role);
        let since = self.since.map(parse_since).transpose()?;
        let events = read_trail_dir(self.cloudtrail)?;
        let activity = observe(&events, &role_arn, since.as_deref(), catalog);
        if activity.events_of_role == 0 {
            return Err(AppError::NoRoleEvents {
                arn: role_arn.arn().to_string(),
                dir: self.cloudtrail.display().to_string(),
            });
        }
        let proposals = propose(&granted, &activity.actions(), catalog);
        let mut refined = Refined {
            text: String::new(),
            proposals: proposals.len(),
            without_sid: 0,
            denied: activity.denied.clone().into_iter().collect(),
        };
        if self.diff {
            for (file, edits) in edits_by_file(&definitions, role, &proposals) {
                let path = self.root.join(&file);
                let text = std::fs::read_to_string(&path).map_err(|err| AppError::Read {
                    path: path.display().to_string(),
                    message: err.to_string(),
                })?;
                refined.text.extend(unified_diff(&file, &text, &edits));
            }
            refined.without_sid = proposals.iter().filter(|p| p.sid.is_none()).count();
        } else {
            let window = match (&activity.first_seen, &activity.last_seen) {
                (Some(first), Some(last)) => {
                    let events = activity.events_of_role;
                    format!("between {first} and {last} ({events} events)")
                }
                _ => String::new(),
            };
            refined.text = proposals_yaml(&role.name, &proposals, &window);
        }
        Ok(refined)
    }
}
