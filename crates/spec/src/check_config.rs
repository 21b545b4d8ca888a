//! Checks of `warden.yaml`: ids, names, regions, variables and tags.

use std::collections::{BTreeMap, BTreeSet};

use crate::de::{Located, from_node};
use crate::defs::{Config, Location, PostureThresholds, Tag, TrustedAccount, Variables};
use crate::err::SpecErrorKind;
use crate::load::documents;
use crate::load::{Loader, SourceFile};
use crate::model::ConfigFile;
use crate::yaml::Pos;
use crate::{target, vars};
use warden_policy::is_account_id;

impl Loader {
    pub(crate) fn config(&mut self, file: &SourceFile) -> Option<Config> {
        let documents = documents(file, &mut self.errors);
        let Some(document) = documents.first() else {
            if self.errors.is_empty() {
                self.invalid(
                    &file.path,
                    Pos { line: 1, column: 1 },
                    "`warden.yaml` is empty",
                );
            }
            return None;
        };
        if let Some(extra) = documents.get(1) {
            self.invalid(&file.path, extra.pos, "`warden.yaml` holds one document");
        }
        match from_node::<ConfigFile>(document) {
            Ok(parsed) => self.check_config(&file.path, parsed),
            Err(err) => {
                self.format_error(&file.path, err, document.pos);
                None
            }
        }
    }

    pub(crate) fn check_config(&mut self, file: &str, parsed: ConfigFile) -> Option<Config> {
        let before = self.errors.len();
        let management = &parsed.organization.management_account_id;
        if !is_account_id(management) {
            self.invalid(
                file,
                management.pos,
                format!(
                    "account id `{}` must be 12 digits (quote it)",
                    management.value
                ),
            );
        }
        if let Some(id) = &parsed.organization.id {
            let well_formed = id.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if !well_formed {
                self.invalid(
                    file,
                    id.pos,
                    format!(
                        "organization id `{}` must look like `o-a1b2c3d4e5`",
                        id.value
                    ),
                );
            }
        }
        self.check_role_name(file, &parsed.access.role_name);
        let env = &parsed.access.external_id_env;
        if !is_identifier(env) {
            self.invalid(
                file,
                env.pos,
                format!("`{}` is not an environment variable name", env.value),
            );
        }
        self.check_access_principals(file, &parsed);
        self.check_regions(file, &parsed);
        if !(1..=256).contains(&parsed.concurrency.value) {
            self.invalid(
                file,
                parsed.concurrency.pos,
                "concurrency must be between 1 and 256",
            );
        }
        let variables = self.check_variable_settings(file, &parsed);
        for required in &parsed.tags.required {
            self.check_tag_key(file, required.pos, required);
        }
        for admin in &parsed.admin_roles {
            self.check_role_name(file, admin);
        }
        self.check_trusted_accounts(file, &parsed);
        let posture = &parsed.posture;
        for (setting, range) in [
            (&posture.access_key_max_age_days, 1..=u32::MAX),
            (&posture.access_key_unused_days, 1..=u32::MAX),
            (&posture.role_unused_days, 1..=u32::MAX),
            (&posture.password_min_length, 6..=128),
            (&posture.password_max_age_days, 1..=1095),
            (&posture.password_reuse_prevention, 1..=24),
        ] {
            if let Some(setting) = setting
                && !range.contains(&setting.value)
            {
                self.invalid(
                    file,
                    setting.pos,
                    format!(
                        "posture setting `{}` must be between {} and {}",
                        setting.value,
                        range.start(),
                        range.end()
                    ),
                );
            }
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Config {
            management_account_id: management.value.clone(),
            organization_id: parsed.organization.id.map(|id| id.value),
            access_role_name: parsed.access.role_name.value,
            external_id_env: parsed.access.external_id_env.value,
            access_trusted_principals: parsed
                .access
                .trusted_principals
                .iter()
                .map(|p| p.value.clone())
                .collect(),
            allowed_regions: parsed
                .regions
                .allowed
                .into_iter()
                .map(|r| r.value)
                .collect(),
            home_region: parsed.regions.home.value,
            concurrency: parsed.concurrency.value,
            variables,
            managed_marker: Tag {
                key: parsed.tags.managed_marker.key,
                value: parsed.tags.managed_marker.value,
            },
            required_tags: parsed.tags.required.into_iter().map(|t| t.value).collect(),
            admin_roles: parsed.admin_roles.into_iter().map(|r| r.value).collect(),
            posture: PostureThresholds {
                access_key_max_age_days: value(&parsed.posture.access_key_max_age_days),
                access_key_unused_days: value(&parsed.posture.access_key_unused_days),
                role_unused_days: value(&parsed.posture.role_unused_days),
                password_min_length: value(&parsed.posture.password_min_length),
                password_max_age_days: value(&parsed.posture.password_max_age_days),
                password_reuse_prevention: value(&parsed.posture.password_reuse_prevention),
            },
            trusted_accounts: parsed
                .trusted_accounts
                .into_iter()
                .map(|trusted| TrustedAccount {
                    location: Location::new(file, trusted.id.pos),
                    id: trusted.id.value,
                    name: trusted.name.value,
                    reason: trusted.reason.value,
                })
                .collect(),
            source: Location::new(file, Pos { line: 1, column: 1 }),
        })
    }

    /// Trusted outside accounts: well-formed ids, listed once, named and with a reason; the
    /// management account is in the organization and cannot be listed.
    /// `access.trusted_principals`: account ids or exact IAM role or user ARNs, each once. A
    /// wildcard would let anyone matching it into every member account.
    pub(crate) fn check_access_principals(&mut self, file: &str, parsed: &ConfigFile) {
        let mut seen = BTreeSet::new();
        for principal in &parsed.access.trusted_principals {
            let value = principal.value.as_str();
            let exact_arn = warden_policy::arn::ArnRef::parse(value).is_some_and(|arn| {
                arn.service == "iam"
                    && is_account_id(arn.account)
                    && (arn.resource.starts_with("role/") || arn.resource.starts_with("user/"))
            });
            if value.contains(['*', '?']) || !(is_account_id(value) || exact_arn) {
                self.invalid(
                    file,
                    principal.pos,
                    format!(
                        "access.trusted_principals entry `{value}` must be an account id (12 digits, quoted) or an exact IAM role or user ARN"
                    ),
                );
            } else if !seen.insert(value) {
                self.invalid(
                    file,
                    principal.pos,
                    format!("access.trusted_principals lists `{value}` twice"),
                );
            }
        }
    }

    pub(crate) fn check_trusted_accounts(&mut self, file: &str, parsed: &ConfigFile) {
        let mut seen = BTreeSet::new();
        for trusted in &parsed.trusted_accounts {
            if !is_account_id(&trusted.id) {
                self.invalid(
                    file,
                    trusted.id.pos,
                    format!(
                        "account id `{}` must be 12 digits (quote it)",
                        trusted.id.value
                    ),
                );
            } else if !seen.insert(trusted.id.value.as_str()) {
                self.invalid(
                    file,
                    trusted.id.pos,
                    format!("trusted account `{}` is listed twice", trusted.id.value),
                );
            } else if trusted.id.value == parsed.organization.management_account_id.value {
                self.invalid(
                    file,
                    trusted.id.pos,
                    format!(
                        "`{}` is the management account: it is in the organization, not a trusted outside account",
                        trusted.id.value
                    ),
                );
            }
            if trusted.name.trim().is_empty() {
                self.invalid(file, trusted.name.pos, "a trusted account needs a `name`");
            }
            if trusted.reason.trim().is_empty() {
                self.invalid(
                    file,
                    trusted.reason.pos,
                    "a trusted account needs a `reason`",
                );
            }
        }
    }

    pub(crate) fn check_regions(&mut self, file: &str, parsed: &ConfigFile) {
        let regions = &parsed.regions;
        let mut seen = BTreeSet::new();
        for region in &regions.allowed {
            if !is_region(region) {
                self.invalid(
                    file,
                    region.pos,
                    format!(
                        "`{}` is not a region name such as `us-east-1`",
                        region.value
                    ),
                );
            }
            if !seen.insert(region.value.as_str()) {
                self.invalid(
                    file,
                    region.pos,
                    format!("region `{}` is listed twice", region.value),
                );
            }
        }
        if regions.allowed.is_empty() {
            self.invalid(
                file,
                Pos { line: 1, column: 1 },
                "`regions.allowed` must name at least one region",
            );
        }
        if !seen.contains(regions.home.value.as_str()) {
            self.invalid(
                file,
                regions.home.pos,
                format!(
                    "home region `{}` is not in `regions.allowed`",
                    regions.home.value
                ),
            );
        }
    }

    pub(crate) fn check_variable_settings(&mut self, file: &str, parsed: &ConfigFile) -> Variables {
        let settings = &parsed.variables;
        let global = self.variable_level(file, &settings.global);
        let mut ous = BTreeMap::new();
        for (path, values) in &settings.ous {
            match target::parse_ou(path) {
                Ok(crate::defs::OuSelector::Path(_)) => {}
                Ok(crate::defs::OuSelector::Id(_)) => self.invalid(
                    file,
                    path.pos,
                    format!("variables are set by OU path, not id: `{}`", path.value),
                ),
                Err(reason) => self.errors.push(
                    Location::new(file, path.pos),
                    SpecErrorKind::InvalidTarget {
                        target: path.value.clone(),
                        reason,
                    },
                ),
            }
            ous.insert(path.value.clone(), self.variable_level(file, values));
        }
        let mut accounts = BTreeMap::new();
        for (account, values) in &settings.accounts {
            // Keys are account ids or names; all-digit keys must be well-formed ids.
            let looks_like_id = account.value.chars().all(|c| c.is_ascii_digit());
            if looks_like_id && !is_account_id(account) {
                self.invalid(
                    file,
                    account.pos,
                    format!(
                        "account id `{}` must be 12 digits (quote it)",
                        account.value
                    ),
                );
            }
            accounts.insert(account.value.clone(), self.variable_level(file, values));
        }
        Variables {
            global,
            ous,
            accounts,
        }
    }

    pub(crate) fn variable_level(
        &mut self,
        file: &str,
        values: &BTreeMap<Located<String>, Located<String>>,
    ) -> BTreeMap<String, String> {
        let mut level = BTreeMap::new();
        for (name, value) in values {
            if !is_identifier(name) {
                self.invalid(
                    file,
                    name.pos,
                    format!(
                        "variable name `{}` must be letters, digits and `_`",
                        name.value
                    ),
                );
            } else if vars::BUILTIN.contains(&name.as_str())
                && !matches!(name.as_str(), "project" | "environment")
            {
                self.invalid(
                    file,
                    name.pos,
                    format!("`{}` is a built-in variable and cannot be set", name.value),
                );
            }
            level.insert(name.value.clone(), value.value.clone());
        }
        level
    }
}

fn value(setting: &Option<Located<u32>>) -> Option<u32> {
    setting.as_ref().map(|located| located.value)
}

pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    // `eusc-de-east-1` (European Sovereign Cloud) has a four-letter first part.
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_recognized() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("cn-northwest-1"));
        assert!(is_region("us-isob-east-1"));
        assert!(is_region("eu-isoe-west-1"));
        assert!(is_region("eusc-de-east-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
    }
}
