//! One member account's live IAM: what was read and how completely.

use serde::{Deserialize, Serialize};
use warden_policy::{Arn, Partition};

use crate::credential_report::CredentialReport;
use crate::identity::{LiveGroup, LiveRole, LiveUser};
use crate::policy::LiveManagedPolicy;
use crate::settings::{LiveOidcProvider, LiveSamlProvider, PasswordPolicy};

/// How much of an account a reader read. The plan reader reads roles and customer managed
/// policies only; a snapshot reads everything. Rules about users, providers or the password
/// policy must look at [`Coverage::Full`] before concluding that something is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Roles and customer managed policies (what plan and apply need).
    #[default]
    RolesAndPolicies,
    /// Everything in this model: users, groups, providers, the password policy and the
    /// credential report as well.
    Full,
}

/// The IAM of one member account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAccount {
    pub account_id: String,
    #[serde(default)]
    pub coverage: Coverage,
    pub roles: Vec<LiveRole>,
    /// Customer managed policies (AWS managed policies are referenced by ARN only).
    pub policies: Vec<LiveManagedPolicy>,
    #[serde(default)]
    pub users: Vec<LiveUser>,
    #[serde(default)]
    pub groups: Vec<LiveGroup>,
    #[serde(default)]
    pub oidc_providers: Vec<LiveOidcProvider>,
    #[serde(default)]
    pub saml_providers: Vec<LiveSamlProvider>,
    /// `None`: no password policy is set (IAM's defaults apply), or not read (see `coverage`).
    #[serde(default)]
    pub password_policy: Option<PasswordPolicy>,
    /// `None` unless `coverage` is [`Coverage::Full`] and IAM produced the report in time.
    /// Boxed: large and only in full reads, it would make every account value big.
    #[serde(default)]
    pub credential_report: Option<Box<CredentialReport>>,
}

impl LiveAccount {
    /// The account's partition, read from the ARNs IAM returned (every account has at least the
    /// access role); `aws` when there is none.
    pub fn partition(&self) -> Partition {
        self.roles
            .iter()
            .map(|role| role.arn.as_str())
            .chain(self.policies.iter().map(|policy| policy.arn.as_str()))
            .chain(self.users.iter().map(|user| user.arn.as_str()))
            .find_map(|arn| Arn::parse(arn).ok()?.known_partition())
            .unwrap_or_default()
    }

    /// Role names are unique per account, case-insensitively.
    pub fn role(&self, name: &str) -> Option<&LiveRole> {
        self.roles
            .iter()
            .find(|role| role.name.eq_ignore_ascii_case(name))
    }

    /// Managed policy names are unique per account, case-insensitively.
    pub fn policy(&self, name: &str) -> Option<&LiveManagedPolicy> {
        self.policies
            .iter()
            .find(|policy| policy.name.eq_ignore_ascii_case(name))
    }

    /// User names are unique per account, case-insensitively.
    pub fn user(&self, name: &str) -> Option<&LiveUser> {
        self.users
            .iter()
            .find(|user| user.name.eq_ignore_ascii_case(name))
    }

    /// Group names are unique per account, case-insensitively.
    pub fn group(&self, name: &str) -> Option<&LiveGroup> {
        self.groups
            .iter()
            .find(|group| group.name.eq_ignore_ascii_case(name))
    }

    /// Users that are members of the group `name`.
    pub fn group_members<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LiveUser> + 'a {
        self.users.iter().filter(move |user| {
            user.groups
                .iter()
                .any(|group| group.eq_ignore_ascii_case(name))
        })
    }

    /// Sorts every list into the documented order, so two reads of the same state compare
    /// equal and serialize to the same bytes.
    pub fn sort(&mut self) {
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.users.sort_by(|a, b| a.name.cmp(&b.name));
        self.groups.sort_by(|a, b| a.name.cmp(&b.name));
        self.oidc_providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.saml_providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        for role in &mut self.roles {
            role.attached_policy_arns.sort();
        }
        for user in &mut self.users {
            user.attached_policy_arns.sort();
            user.groups.sort();
            user.mfa_devices
                .sort_by(|a, b| a.serial_number.cmp(&b.serial_number));
            user.access_keys.sort_by(|a, b| {
                (a.created.as_str(), a.id_suffix.as_str())
                    .cmp(&(b.created.as_str(), b.id_suffix.as_str()))
            });
        }
        for group in &mut self.groups {
            group.attached_policy_arns.sort();
        }
        for policy in &mut self.policies {
            policy
                .versions
                .sort_by_key(|version| crate::policy::version_number(&version.version_id));
        }
    }
}
