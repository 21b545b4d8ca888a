//! Every AWS API operation this adapter calls, with the IAM action that authorizes it, who
//! calls it (the management account's credentials or the access role in a member account) and
//! whether it writes. `warden-app`'s bootstrap builds the access role's and the management
//! account's policies from this one table; tests check it against the adapter's source and
//! against the calls the e2e flows make through the counting proxy.
//!
//! The seeding helpers of [`crate::fixture`] (CreateOrganization, CreateAccount, …) run only
//! against emulators and are not listed.
//!
//! For IAM, Organizations and STS the action is the operation's name under the service prefix:
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>.

/// Whose credentials make the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Caller {
    /// The CI (or operator) role in the management account.
    Management,
    /// The access role Warden assumes in a member account.
    Member,
}

/// One API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// The IAM action, which is also the operation as the wire names it (`iam:GetRole`).
    pub action: &'static str,
    pub caller: Caller,
    /// Whether the operation changes anything (excluded from read-only policies).
    pub writes: bool,
    /// Which command needs it.
    pub used_by: &'static str,
}

const fn call(action: &'static str, caller: Caller, writes: bool, used_by: &'static str) -> Call {
    Call {
        action,
        caller,
        writes,
        used_by,
    }
}

use Caller::{Management, Member};

const READ: &str = "plan, drift, evidence, snapshot";
const APPLY: &str = "apply";
const SNAPSHOT: &str = "snapshot";

/// Every operation the adapter calls, by caller then action.
pub const CALLS: &[Call] = &[
    // Identity of the caller, before anything else (needs no permission, listed for audit).
    call("sts:GetCallerIdentity", Management, false, READ),
    // Member account access, always with the ExternalId.
    call("sts:AssumeRole", Management, false, READ),
    // Organization inventory.
    call(
        "organizations:DescribeOrganization",
        Management,
        false,
        READ,
    ),
    call("organizations:ListRoots", Management, false, READ),
    call(
        "organizations:ListOrganizationalUnitsForParent",
        Management,
        false,
        READ,
    ),
    call(
        "organizations:ListAccountsForParent",
        Management,
        false,
        READ,
    ),
    call("organizations:ListTagsForResource", Management, false, READ),
    // Service control policies.
    call("organizations:ListPolicies", Management, false, READ),
    call("organizations:DescribePolicy", Management, false, READ),
    call(
        "organizations:ListTargetsForPolicy",
        Management,
        false,
        READ,
    ),
    call("organizations:CreatePolicy", Management, true, APPLY),
    call("organizations:UpdatePolicy", Management, true, APPLY),
    call("organizations:DeletePolicy", Management, true, APPLY),
    call("organizations:AttachPolicy", Management, true, APPLY),
    call("organizations:DetachPolicy", Management, true, APPLY),
    // CreatePolicy with tags also needs the tagging action; not a call of its own.
    // <https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html>
    call("organizations:TagResource", Management, true, APPLY),
    // The organization lock: an IAM policy in the management account (see `lock.rs`).
    call("iam:CreatePolicy", Management, true, APPLY),
    call("iam:TagPolicy", Management, true, APPLY),
    call("iam:ListPolicyTags", Management, false, APPLY),
    call("iam:DeletePolicy", Management, true, APPLY),
    // Member account reads: the access role's own trust, then the whole account.
    call("iam:GetRole", Member, false, READ),
    call("iam:GetAccountAuthorizationDetails", Member, false, READ),
    call("iam:ListRoles", Member, false, READ),
    call("iam:ListPolicyTags", Member, false, READ),
    call("iam:GetPolicy", Member, false, APPLY),
    call("iam:ListPolicyVersions", Member, false, APPLY),
    call("iam:ListRolePolicies", Member, false, APPLY),
    call("iam:ListAttachedRolePolicies", Member, false, APPLY),
    // The re-check of a role's inline policies right before a write to the role.
    call("iam:GetRolePolicy", Member, false, APPLY),
    call("iam:ListInstanceProfilesForRole", Member, false, APPLY),
    // Snapshot and evidence: credentials, MFA, providers, password policy.
    call("iam:GetPolicyVersion", Member, false, SNAPSHOT),
    call("iam:GenerateCredentialReport", Member, false, SNAPSHOT),
    call("iam:GetCredentialReport", Member, false, SNAPSHOT),
    call("iam:GetAccountPasswordPolicy", Member, false, SNAPSHOT),
    call("iam:GetLoginProfile", Member, false, SNAPSHOT),
    call("iam:ListAccessKeys", Member, false, SNAPSHOT),
    call("iam:ListMFADevices", Member, false, SNAPSHOT),
    call("iam:ListVirtualMFADevices", Member, false, SNAPSHOT),
    call("iam:ListOpenIDConnectProviders", Member, false, SNAPSHOT),
    call("iam:GetOpenIDConnectProvider", Member, false, SNAPSHOT),
    call("iam:ListSAMLProviders", Member, false, SNAPSHOT),
    // Apply in member accounts.
    call("iam:CreateRole", Member, true, APPLY),
    call("iam:UpdateRole", Member, true, APPLY),
    call("iam:UpdateAssumeRolePolicy", Member, true, APPLY),
    call("iam:DeleteRole", Member, true, APPLY),
    call("iam:TagRole", Member, true, APPLY),
    call("iam:UntagRole", Member, true, APPLY),
    call("iam:PutRolePolicy", Member, true, APPLY),
    call("iam:DeleteRolePolicy", Member, true, APPLY),
    call("iam:AttachRolePolicy", Member, true, APPLY),
    call("iam:DetachRolePolicy", Member, true, APPLY),
    call("iam:PutRolePermissionsBoundary", Member, true, APPLY),
    call("iam:DeleteRolePermissionsBoundary", Member, true, APPLY),
    call("iam:RemoveRoleFromInstanceProfile", Member, true, APPLY),
    call("iam:CreatePolicy", Member, true, APPLY),
    // Creating a role or policy with tags needs the tagging action too:
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_customer-managed-policies.html>
    call("iam:TagPolicy", Member, true, APPLY),
    call("iam:UntagPolicy", Member, true, APPLY),
    call("iam:CreatePolicyVersion", Member, true, APPLY),
    call("iam:DeletePolicyVersion", Member, true, APPLY),
    call("iam:DeletePolicy", Member, true, APPLY),
];

/// The actions `caller` needs, sorted; without the writes when `read_only`.
pub fn actions(caller: Caller, read_only: bool) -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = CALLS
        .iter()
        .filter(|call| call.caller == caller && !(read_only && call.writes))
        .map(|call| call.action)
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The table entry for an action as the wire names it (case-insensitive).
pub fn find(action: &str) -> Option<&'static Call> {
    CALLS
        .iter()
        .find(|call| call.action.eq_ignore_ascii_case(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `client.operation_name(` in the adapter's source, as `ServiceOperationName`.
    fn operations_in_source() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name == "fixture.rs" || name == "calls.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let tokens: Vec<&str> = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '('))
                .filter(|t| !t.is_empty())
                .collect();
            // `self.iam`, `.iam`, `iam`, then `.get_role(` possibly on the next line; not
            // `aws_sdk_iam.` (a path).
            let joined = tokens.join("");
            for (service, needle) in [
                ("iam", "iam."),
                ("sts", "sts."),
                ("organizations", "organizations."),
                ("iam", "management_iam()."),
            ] {
                let needle = needle.to_string();
                for (at, _) in joined.match_indices(&needle) {
                    let before = joined[..at].chars().next_back();
                    let qualified = needle.starts_with("iam.")
                        || needle.starts_with("sts.")
                        || needle.starts_with("organizations.");
                    if qualified && before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &joined[at + needle.len()..];
                    let op: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if rest[op.len()..].starts_with('(') && !op.is_empty() && op != "clone" {
                        found.push((service.to_string(), op));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    fn pascal(snake: &str) -> String {
        snake
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or(String::new(), |c| {
                    c.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect()
    }

    #[test]
    fn every_operation_in_the_source_is_in_the_table() {
        let operations = operations_in_source();
        assert!(operations.len() > 20, "the scan found {operations:?}");
        for (service, op) in operations {
            let action = format!("{service}:{}", pascal(&op));
            assert!(
                find(&action).is_some(),
                "`{action}` is called in crates/aws/src but missing from calls::CALLS"
            );
        }
    }

    #[test]
    fn read_only_excludes_every_write_and_each_action_appears_once() {
        let all = actions(Member, false);
        let read = actions(Member, true);
        assert!(read.contains(&"iam:GetAccountAuthorizationDetails"));
        assert!(!read.contains(&"iam:CreateRole"));
        assert!(all.contains(&"iam:CreateRole"));
        assert!(actions(Management, true).contains(&"sts:AssumeRole"));
        let mut seen: Vec<(&str, Caller)> = CALLS.iter().map(|c| (c.action, c.caller)).collect();
        let count = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            count,
            "an action is listed twice for one caller"
        );
    }
}
