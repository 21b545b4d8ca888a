//! YAML definitions of roles, policies, boundaries and SCPs, their targets, variables and exceptions.
//!
//! [`Definitions::load`] reads a repository (all errors at once, each with file:line:column);
//! [`Definitions::render_for_account`] and [`Definitions::render_scps`] produce what Warden
//! deploys; [`schema::schemas`] gives the JSON schemas of the file formats.
//!
//! # Files
//! - `warden.yaml`: organization, access role, ExternalId variable name, regions, concurrency,
//!   variables, managed marker tag, required tags, admin roles ([`model::ConfigFile`]).
//! - `policies/`, `boundaries/`, `scps/`: `*.yaml`/`*.yml`, any depth, hidden files skipped. One
//!   or more YAML documents per file, each with `kind: Role | ManagedPolicy` (in `policies/`),
//!   `Boundary` (in `boundaries/`) or `Scp` (in `scps/`).
//! - Statements use IAM's element names plus `justification`; definitions may carry
//!   `exceptions: [{rule, sid, reason, owner, expires}]`.
//!
//! # Targets
//! `targets: {accounts, ous, tags, exclude: {accounts, ous, tags}}`. Selectors are combined with
//! OR; an account matched by any `exclude` selector is left out. Accounts are ids or names; OUs
//! are ids (`ou-…`, `r-…`) or paths (`Root/Workloads/Prod`, covering descendants); tags are
//! `Key=Value`. Managed policies and boundaries without `targets` go wherever a role that uses
//! them goes. SCPs attach at the highest level that excludes nothing
//! ([`target::scp_attachment_ids`]).
//!
//! # Variables
//! `${account_id}`, `${account_name}`, `${org_id}`, `${region}` (home region), `${partition}`
//! (the home region's: `aws`, `aws-cn`, `aws-us-gov`, …), `${project}`, `${environment}` and
//! user variables, resolved per account with the precedence global < account tag
//! (`Project`/`Environment`, for `project`/`environment` only) < OU path (outer to inner) <
//! account. SCPs only see organization-wide values (`org_id`, `region`, `partition`, global
//! variables). The ARNs Warden builds (roles, managed policies, boundaries) are in that
//! partition too. IAM's own `${aws:…}` variables and the escapes `${*}`, `${?}`, `${$}` pass
//! through.
//! Variables are substituted in statements (keys and values), descriptions, tag values and
//! managed policy ARNs, never in names or paths.
//!
//! # Errors
//! Loading reports every problem of every file in one [`SpecErrors`]; a document that does not
//! fit its format reports its first problem plus those of each of its statements. Names are
//! unique per kind across the repository, case-insensitively (roles; managed policies and
//! boundaries share the policy namespace; SCPs).
mod check_config;
mod convert;
pub mod de;
pub mod defs;
pub mod err;
mod load;
pub mod model;
pub mod org;
pub mod render;
mod resolve;
mod root;
pub mod schema;
pub mod source;
mod statements;
pub mod target;
mod var_check;
pub mod vars;
pub mod yaml;

pub use defs::{
    AccountSelector, Config, Exception, InlinePolicy, Location, ManagedPolicy, OuSelector,
    PolicyRef, Role, Scp, Selectors, Sourced, StatementSource, Tag, Targeted, Targets, Template,
    TrustedAccount, Variables,
};
pub use err::{SpecError, SpecErrorKind, SpecErrors};
pub use load::{CONFIG_FILE, DEFINITION_DIRS, Definitions};
pub use model::Kind;
pub use org::{Account, AccountStatus, Organization, OrganizationalUnit};
pub use render::{
    RenderedAccount, RenderedDocument, RenderedManagedPolicy, RenderedRole, RenderedScp,
    StatementOrigin,
};
pub use root::{RootError, discover_root};
