//! Drift reports and auditor evidence bundles, rendered as JSON, Markdown, HTML, CSV and tables.
//!
//! Pure apart from [`bundle`] (writes the evidence directory) and [`provenance`] (reads the
//! definitions repository with git2). The drift report is a serde model built from a plan and
//! lint findings; renderers are functions of that model. Evidence is computed per account and
//! streamed to disk account by account, hashed as it is written.

pub mod bundle;
pub mod drift;
pub mod drift_html;
pub mod err;
pub mod events;
pub mod evidence;
pub mod html;
pub mod permissions;
pub mod provenance;
pub mod render;
pub mod risk;
pub mod svg;
pub mod usage;

pub use bundle::{BundleSummary, EvidenceWriter};
pub use drift::{AccountDrift, ChangeRow, Difference, DriftReport, DriftTotals, Verdict};
pub use err::ReportError;
pub use evidence::{AccountEvidence, EvidenceContext, RoleEvidence, account_evidence};
pub use permissions::{PermissionSummary, effective_actions};
pub use provenance::Provenance;
pub use usage::UsageIndex;

/// Warden's version, recorded in reports and evidence.
pub const WARDEN_VERSION: &str = env!("CARGO_PKG_VERSION");
