//! What the definitions want in one account (or the organization, for SCPs): the planner's
//! input on the desired side, independent of how the definitions were written.

use std::collections::{BTreeMap, BTreeSet};

use warden_policy::PolicyDocument;

/// IAM's default maximum session duration, used when a definition sets none.
pub const DEFAULT_MAX_SESSION_SECONDS: u32 = 3600;

/// The roles and customer managed policies (including boundaries) one account should have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredAccount {
    pub account_id: String,
    pub account_name: String,
    pub roles: Vec<DesiredRole>,
    /// Permission policies and boundaries; boundaries have `boundary: true`.
    pub policies: Vec<DesiredPolicy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRole {
    pub name: String,
    pub path: String,
    pub description: String,
    pub trust: PolicyDocument,
    pub inline: BTreeMap<String, PolicyDocument>,
    /// Full ARNs: Warden managed policies in this account or AWS managed policies.
    pub managed_policy_arns: BTreeSet<String>,
    pub boundary_arn: Option<String>,
    /// Without the managed marker; the planner adds it.
    pub tags: BTreeMap<String, String>,
    pub max_session_duration: u32,
    /// Definition file, for messages.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredPolicy {
    pub name: String,
    pub path: String,
    pub description: String,
    pub document: PolicyDocument,
    pub boundary: bool,
    /// Without the managed marker; the planner adds it.
    pub tags: BTreeMap<String, String>,
}

/// One SCP of the organization and where it is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredScp {
    pub name: String,
    pub description: String,
    pub document: PolicyDocument,
    /// Root, OU or account ids.
    pub target_ids: BTreeSet<String>,
}

/// How Warden recognises what it owns, and what it must never touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    pub marker_key: String,
    pub marker_value: String,
    /// The role Warden assumes in member accounts: never changed or deleted.
    pub access_role_name: String,
}

impl Ownership {
    /// `key=value`, also written into descriptions of policies and SCPs: IAM does not return
    /// managed policy tags with the account read (one extra call per policy), and
    /// Organizations does not return SCP tags with the policy, so the description carries the
    /// mark too.
    pub fn marker(&self) -> String {
        format!("{}={}", self.marker_key, self.marker_value)
    }

    pub fn marker_tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(self.marker_key.clone(), self.marker_value.clone())])
    }

    pub fn tagged(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(&self.marker_key) == Some(&self.marker_value)
    }

    /// A policy or SCP is Warden's when tagged, or when its description carries the marker.
    pub fn marks(&self, tags: &BTreeMap<String, String>, description: Option<&str>) -> bool {
        self.tagged(tags) || description.is_some_and(|text| text.contains(&self.description_mark()))
    }

    /// The description suffix `[warden:managed=true]`.
    pub fn description_mark(&self) -> String {
        format!("[{}]", self.marker())
    }

    /// The description Warden writes: the definition's text followed by the mark.
    pub fn marked_description(&self, description: &str) -> String {
        let mark = self.description_mark();
        if description.contains(&mark) {
            description.to_string()
        } else if description.is_empty() {
            format!("Managed by Warden {mark}")
        } else {
            format!("{description} {mark}")
        }
    }

    pub fn is_access_role(&self, role_name: &str) -> bool {
        role_name.eq_ignore_ascii_case(&self.access_role_name)
    }
}
