//! Least-privilege policy generation from declared intent and from CloudTrail activity.

pub mod activity;
pub mod cloudtrail;
pub mod diag;
pub mod err;
pub mod from_intent;
pub mod intent;
pub mod io;
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
    Ok((role, layout))
}
