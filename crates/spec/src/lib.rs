//! YAML definitions of roles, policies, boundaries and SCPs, their targets, variables and exceptions.
//!
//! [`Definitions::load`] reads a repository (all errors at once, each with file:line:column);
//! [`Definitions::render_for_account`] and [`Definitions::render_scps`] produce what Warden
//! deploys; [`schema::schemas`] gives the JSON schemas of the file formats.

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
pub mod schema;
mod statements;
pub mod target;
mod var_check;
pub mod vars;
pub mod yaml;

pub use defs::{
    AccountSelector, Config, Exception, InlinePolicy, Location, ManagedPolicy, OuSelector,
    PolicyRef, Role, Scp, Selectors, Sourced, StatementSource, Tag, Targeted, Targets, Template,
    Variables,
};
pub use err::{SpecError, SpecErrorKind, SpecErrors};
pub use load::{CONFIG_FILE, DEFINITION_DIRS, Definitions};
pub use model::Kind;
pub use org::{Account, AccountStatus, Organization, OrganizationalUnit};
pub use render::{
    RenderedAccount, RenderedDocument, RenderedManagedPolicy, RenderedRole, RenderedScp,
    StatementOrigin, policy_arn,
};

#[cfg(test)]
mod tests;
