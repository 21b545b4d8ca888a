//! Reads a `GetAccountAuthorizationDetails` export (AWS CLI output) into a [`Subject`], so an
//! auditor can lint a live account. Documents may be objects or URL-encoded JSON strings.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use crate::config::LintConfig;
use crate::err::LintError;
use crate::subject::{
    AttachedPolicy, Location, PolicyKind, PolicySubject, Problem, RoleSubject, Subject, UserSubject,
};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Export {
    #[serde(default)]
    user_detail_list: Vec<UserDetail>,
    #[serde(default)]
    group_detail_list: Vec<GroupDetail>,
    #[serde(default)]
    role_detail_list: Vec<RoleDetail>,
    #[serde(default)]
    policies: Vec<ManagedPolicyDetail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    role_name: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    assume_role_policy_document: Option<Value>,
    #[serde(default)]
    role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedManaged>,
    #[serde(default)]
    permissions_boundary: Option<Boundary>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserDetail {
    user_name: String,
    #[serde(default)]
    user_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedManaged>,
    #[serde(default)]
    permissions_boundary: Option<Boundary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDetail {
    group_name: String,
    #[serde(default)]
    group_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedManaged>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlinePolicy {
    policy_name: String,
    policy_document: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedManaged {
    policy_name: String,
    policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Boundary {
    permissions_boundary_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManagedPolicyDetail {
    policy_name: String,
    arn: String,
    #[serde(default)]
    default_version_id: Option<String>,
    #[serde(default)]
    attachment_count: Option<u64>,
    #[serde(default)]
    permissions_boundary_usage_count: Option<u64>,
    #[serde(default)]
    policy_version_list: Vec<PolicyVersion>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersion {
    document: Value,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
}

/// Is this text an account authorization details export (rather than a policy document)?
pub fn looks_like_export(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        [
            "RoleDetailList",
            "UserDetailList",
            "GroupDetailList",
            "Policies",
        ]
        .iter()
        .any(|key| object.contains_key(*key))
    })
}

/// Reads an export. `file` names it in locations; `text` is its content. Customer managed
/// policies are linted as documents; AWS managed ones only count towards their roles. A
/// document that cannot be read becomes a problem of the subject (a WL104 finding at its
/// owner) and every other document is still read; only text that is not an export at all is
/// an error. Linear in the size of the export.
pub fn subject_from_export(
    file: &str,
    text: &str,
    config: &LintConfig,
) -> Result<Subject, LintError> {
    let export: Export = serde_json::from_str(text).map_err(|err| {
        let (line, column) = (err.line(), err.column());
        let message = err.to_string();
        LintError::Export {
            file: file.to_string(),
            line,
            column: column.max(1),
            message: message
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&message)
                .to_string(),
        }
    })?;
    let locator = Locator::new(file, text);
    let mut reader = Reader {
        file,
        problems: Vec::new(),
    };
    let mut subject = Subject::default();
    let mut managed: HashMap<&str, PolicySubject> = HashMap::new();
    for policy in &export.policies {
        let Some(version) = default_version(policy) else {
            continue;
        };
        let location = locator.find("PolicyName", &policy.policy_name);
        let kind = if policy.permissions_boundary_usage_count.unwrap_or(0) > 0
            && policy.attachment_count.unwrap_or(0) == 0
        {
            PolicyKind::Boundary
        } else {
            PolicyKind::Identity
        };
        let Some(subject_policy) = reader.document(
            &policy.policy_name,
            &policy.policy_name,
            &format!("Policies[{}].Document", policy.policy_name),
            kind,
            location,
            &version.document,
        ) else {
            continue;
        };
        if !policy.arn.starts_with("arn:aws:iam::aws:policy/") {
            subject.policies.push(subject_policy.clone());
        }
        managed.insert(policy.arn.as_str(), subject_policy);
    }
    for role in &export.role_detail_list {
        subject
            .roles
            .push(role_subject(&locator, &mut reader, role, &managed, config));
        if subject.account.is_none() {
            subject.account = role
                .arn
                .as_deref()
                .and_then(crate::rules::principal_account);
        }
    }
    // Groups first: a user holds its groups' policies too.
    let mut groups: HashMap<&str, Vec<PolicySubject>> = HashMap::new();
    for group in &export.group_detail_list {
        let location = locator.find("GroupName", &group.group_name);
        let owner = format!("group/{}", group.group_name);
        let mut held = Vec::new();
        for policy in &group.group_policy_list {
            if let Some(inline) = reader.inline(&owner, policy, location.clone()) {
                held.push(inline.clone());
                subject.policies.push(inline);
            }
        }
        held.extend(attached(&group.attached_managed_policies, &managed));
        groups.insert(group.group_name.as_str(), held);
    }
    for user in &export.user_detail_list {
        let location = locator.find("UserName", &user.user_name);
        let owner = format!("user/{}", user.user_name);
        let mut held = Vec::new();
        for policy in &user.user_policy_list {
            if let Some(inline) = reader.inline(&owner, policy, location.clone()) {
                held.push(inline.clone());
                subject.policies.push(inline);
            }
        }
        held.extend(attached(&user.attached_managed_policies, &managed));
        for group in &user.group_list {
            held.extend(groups.get(group.as_str()).into_iter().flatten().cloned());
        }
        subject.users.push(UserSubject {
            name: user.user_name.clone(),
            location,
            groups: user.group_list.clone(),
            policies: held,
            boundary_document: user
                .permissions_boundary
                .as_ref()
                .and_then(|boundary| managed.get(boundary.permissions_boundary_arn.as_str()))
                .cloned(),
        });
    }
    subject.problems = reader.problems;
    Ok(subject)
}

/// The documents of attached managed policies the export holds.
fn attached<'a>(
    policies: &'a [AttachedManaged],
    managed: &'a HashMap<&str, PolicySubject>,
) -> impl Iterator<Item = PolicySubject> + 'a {
    policies
        .iter()
        .filter_map(|policy| managed.get(policy.policy_arn.as_str()).cloned())
}

fn default_version(policy: &ManagedPolicyDetail) -> Option<&PolicyVersion> {
    policy
        .policy_version_list
        .iter()
        .find(|version| version.is_default_version)
        .or_else(|| {
            policy
                .policy_version_list
                .iter()
                .find(|version| version.version_id == policy.default_version_id)
        })
        .or_else(|| policy.policy_version_list.first())
}

fn role_subject(
    locator: &Locator<'_>,
    reader: &mut Reader<'_>,
    role: &RoleDetail,
    managed: &HashMap<&str, PolicySubject>,
    config: &LintConfig,
) -> RoleSubject {
    let location = locator.find("RoleName", &role.role_name);
    let mut subject = RoleSubject::new(&role.role_name, location.clone());
    subject.path = role.path.clone().unwrap_or_else(|| "/".to_string());
    subject.description = role.description.clone();
    subject.service_linked = subject.path.starts_with("/aws-service-role/");
    subject.admin = config.is_admin_role(&role.role_name);
    if let Some(trust) = &role.assume_role_policy_document {
        subject.trust = reader.document(
            "trust",
            &role.role_name,
            &format!(
                "RoleDetailList[{}].AssumeRolePolicyDocument",
                role.role_name
            ),
            PolicyKind::Trust,
            location.clone(),
            trust,
        );
    }
    for policy in &role.role_policy_list {
        if let Some(inline) = reader.inline(&role.role_name, policy, location.clone()) {
            subject.inline.push(inline);
        }
    }
    subject.managed = role
        .attached_managed_policies
        .iter()
        .map(|attached| AttachedPolicy {
            name: attached.policy_name.clone(),
            arn: attached.policy_arn.clone(),
            document: managed.get(attached.policy_arn.as_str()).cloned(),
        })
        .collect();
    subject.boundary = role
        .permissions_boundary
        .as_ref()
        .map(|boundary| boundary.permissions_boundary_arn.clone());
    subject.boundary_document = subject
        .boundary
        .as_deref()
        .and_then(|arn| managed.get(arn))
        .cloned();
    subject.tags = role
        .tags
        .iter()
        .map(|tag| (tag.key.clone(), tag.value.clone()))
        .collect::<BTreeMap<_, _>>();
    subject
}

/// Reads documents, keeping the ones that cannot be read as problems.
struct Reader<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn inline(
        &mut self,
        owner: &str,
        policy: &InlinePolicy,
        location: Location,
    ) -> Option<PolicySubject> {
        let mut inline = self.document(
            &policy.policy_name,
            owner,
            &format!("{owner}.{}", policy.policy_name),
            PolicyKind::Identity,
            location,
            &policy.policy_document,
        )?;
        // Inline policies count against their owner's total, not the managed policy quota.
        inline.managed = false;
        Some(inline)
    }

    fn document(
        &mut self,
        name: &str,
        owner: &str,
        path: &str,
        kind: PolicyKind,
        location: Location,
        value: &Value,
    ) -> Option<PolicySubject> {
        let read = decode_document(self.file, path, value).and_then(|document| {
            PolicySubject::from_value(name, kind, location.clone(), &document)
        });
        match read {
            Ok(policy) => Some(policy),
            Err(err) => {
                self.problems
                    .extend(err.problems().into_iter().map(|problem| Problem {
                        location: location.clone(),
                        principal: Some(owner.to_string()),
                        message: format!("`{path}`: {}", problem.message),
                    }));
                None
            }
        }
    }
}

/// A document as an object, or as the URL-encoded JSON string the IAM API returns.
fn decode_document(file: &str, path: &str, value: &Value) -> Result<Value, LintError> {
    let Value::String(encoded) = value else {
        return Ok(value.clone());
    };
    let error = |message: String| LintError::ExportDocument {
        file: file.to_string(),
        path: path.to_string(),
        message,
    };
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|err| error(format!("not url-encoded utf-8: {err}")))?;
    serde_json::from_str(&decoded)
        .map_err(|err| error(format!("decoded document is not json: {err}")))
}

/// Names of the elements findings point at.
const LOCATED_KEYS: [&str; 4] = ["RoleName", "UserName", "GroupName", "PolicyName"];

/// Where each named element first appears in the export text (`"RoleName": "deploy"`), found
/// in one pass over the text so that locating is linear in the export's size (it used to
/// search from the start for every name: quadratic).
struct Locator<'a> {
    file: &'a str,
    positions: HashMap<(&'static str, &'a str), (u32, u32)>,
}

impl<'a> Locator<'a> {
    fn new(file: &'a str, text: &'a str) -> Locator<'a> {
        let mut found: Vec<(usize, &'static str, &'a str)> = Vec::new();
        for key in LOCATED_KEYS {
            let quoted_key = format!("\"{key}\"");
            for (offset, _) in text.match_indices(&quoted_key) {
                if let Some(name) = string_value_after(&text[offset + quoted_key.len()..]) {
                    found.push((offset, key, name));
                }
            }
        }
        found.sort_unstable_by_key(|(offset, _, _)| *offset);
        // One sweep over the text turns offsets into line and column (in characters).
        let mut positions = HashMap::with_capacity(found.len());
        let (mut line, mut column, mut at) = (1u32, 1u32, 0usize);
        for (offset, key, name) in found {
            for character in text[at..offset].chars() {
                if character == '\n' {
                    line = line.saturating_add(1);
                    column = 1;
                } else {
                    column = column.saturating_add(1);
                }
            }
            at = offset;
            positions.entry((key, name)).or_insert((line, column));
        }
        Locator { file, positions }
    }

    /// Position of the first `"key": "name"`, or the start of the file.
    fn find(&self, key: &'static str, name: &str) -> Location {
        match self.positions.get(&(key, name)) {
            Some((line, column)) => Location::new(self.file, *line, *column),
            None => Location::file(self.file),
        }
    }
}

/// The string after `: ` at the start of `rest` (names have no escapes), if it is one.
fn string_value_after(rest: &str) -> Option<&str> {
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    rest[end..].starts_with('"').then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_located_at_their_first_occurrence_in_one_pass() {
        let text = "{\n  \"RoleDetailList\": [\n    {\"RoleName\" :  \"deploy\"},\n    {\"RoleName\": \"ops\", \"PolicyName\": \"x\"}\n  ],\n  \"RoleName\": \"deploy\"\n}";
        let locator = Locator::new("export.json", text);
        assert_eq!(
            locator.find("RoleName", "deploy"),
            Location::new("export.json", 3, 6)
        );
        assert_eq!(
            locator.find("RoleName", "ops"),
            Location::new("export.json", 4, 6)
        );
        assert_eq!(
            locator.find("PolicyName", "x"),
            Location::new("export.json", 4, 25)
        );
        assert_eq!(
            locator.find("UserName", "deploy"),
            Location::file("export.json")
        );
    }

    /// A broken document inside an export is a problem at its owner; the rest is still read.
    #[test]
    fn a_broken_document_does_not_hide_the_rest_of_the_export() {
        let text = r#"{"RoleDetailList": [
  {"RoleName": "broken", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}}]},
  {"RoleName": "fine", "RolePolicyList": [{"PolicyName": "q", "PolicyDocument": "%7B%22Statement%22%3A%5B%5D"}]},
  {"RoleName": "kept", "RolePolicyList": [{"PolicyName": "r", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}
]}"#;
        let subject = subject_from_export("e.json", text, &LintConfig::default()).unwrap();
        assert_eq!(subject.roles.len(), 3);
        assert_eq!(subject.roles[2].inline.len(), 1);
        assert_eq!(subject.problems.len(), 2, "{:#?}", subject.problems);
        assert_eq!(subject.problems[0].location, Location::new("e.json", 2, 4));
        assert!(
            subject.problems[0].message.contains("`Maybe`"),
            "{:?}",
            subject.problems[0]
        );
        assert!(
            subject.problems[1].message.starts_with("`fine.q`: "),
            "{:?}",
            subject.problems[1]
        );
        let err = subject_from_export("e.json", "{\"RoleDetailList\": 3}", &LintConfig::default())
            .unwrap_err();
        assert_eq!(err.problems()[0].location, Location::new("e.json", 1, 20));
    }
}
