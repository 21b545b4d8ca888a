//! How Warden reaches member accounts: the access role from `warden.yaml` with the ExternalId
//! the caller read from the variable `warden.yaml` names (the value is never printed).

use warden_aws::{AccessRole, SessionDuration, SessionName};
use warden_policy::{ExternalId, IdError};
use warden_spec::defs::Config;

use crate::err::AppError;

/// The ExternalId held by `variable` (`value` as the caller read it; unset and empty are the
/// same). Errors name the variable only.
pub fn external_id(variable: &str, value: Option<String>) -> Result<ExternalId, AppError> {
    let Some(value) = value.filter(|value| !value.is_empty()) else {
        return Err(AppError::ExternalIdMissing {
            variable: variable.to_string(),
        });
    };
    ExternalId::new(value).map_err(|err| AppError::ExternalIdInvalid {
        variable: variable.to_string(),
        reason: match err {
            IdError::InvalidExternalId { reason } => reason,
            other => other.to_string(),
        },
    })
}

/// The access role of `config` with `external_id` and a session name naming the commit.
pub fn access_role(
    config: &Config,
    external_id: ExternalId,
    commit: Option<&str>,
) -> Result<AccessRole, AppError> {
    Ok(AccessRole {
        role_name: config.access_role_name.clone(),
        external_id,
        session_name: SessionName::for_commit(commit)?,
        duration: SessionDuration::default(),
        // The access role may trust only the account Warden runs from and what warden.yaml
        // lists in `access.trusted_principals`.
        trusted_principals: std::iter::once(config.management_account_id.clone())
            .chain(config.access_trusted_principals.iter().cloned())
            .collect(),
    })
}

/// Accounts read or changed at the same time, from `warden.yaml`.
pub fn concurrency(config: &Config) -> usize {
    usize::try_from(config.concurrency).unwrap_or(16).max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_external_id_names_the_variable_only() {
        let err = super::external_id("WARDEN_X", Some(String::new())).unwrap_err();
        assert!(err.to_string().contains("`WARDEN_X`"), "{err}");
        assert!(err.to_string().contains("not set"), "{err}");
        let err = super::external_id("WARDEN_X", Some("a b".into()));
        assert!(err.is_err_and(|err| !err.to_string().contains("a b")));
    }
}
