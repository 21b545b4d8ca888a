//! Reads a `GetAccountAuthorizationDetails` export (AWS CLI output) into a [`Subject`], so an
//! auditor can lint a live account. Documents may be objects or URL-encoded JSON strings.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use crate::config::LintConfig;
use crate::err::LintError;
use crate::subject::{AttachedPolicy, Location, PolicyKind, PolicySubject, RoleSubject, Subject};

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
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDetail {
    group_name: String,
    #[serde(default)]
    group_policy_list: Vec<InlinePolicy>,
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
/// policies are linted as documents; AWS managed ones only count towards their roles.
pub fn subject_from_export(
    file: &str,
    text: &str,
    config: &LintConfig,
) -> Result<Subject, LintError> {
    let export: Export = serde_json::from_str(text).map_err(|err| LintError::Export {
        file: file.to_string(),
        message: format!("{}:{}: {err}", err.line(), err.column()),
    })?;
    let locator = Locator { file, text };
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
        let document = decode_document(
            file,
            &format!("Policies[{}].Document", policy.policy_name),
            &version.document,
        )?;
        let subject_policy =
            PolicySubject::from_value(&policy.policy_name, kind, location, &document)?;
        if !policy.arn.starts_with("arn:aws:iam::aws:policy/") {
            subject.policies.push(subject_policy.clone());
        }
        managed.insert(policy.arn.as_str(), subject_policy);
    }
    for role in &export.role_detail_list {
        subject
            .roles
            .push(role_subject(&locator, role, &managed, config)?);
        if subject.account.is_none() {
            subject.account = role
                .arn
                .as_deref()
                .and_then(crate::rules::principal_account);
        }
    }
    for user in &export.user_detail_list {
        let location = locator.find("UserName", &user.user_name);
        for policy in &user.user_policy_list {
            subject.policies.push(inline_policy(
                file,
                &format!("user/{}", user.user_name),
                policy,
                location.clone(),
            )?);
        }
    }
    for group in &export.group_detail_list {
        let location = locator.find("GroupName", &group.group_name);
        for policy in &group.group_policy_list {
            subject.policies.push(inline_policy(
                file,
                &format!("group/{}", group.group_name),
                policy,
                location.clone(),
            )?);
        }
    }
    Ok(subject)
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
    role: &RoleDetail,
    managed: &HashMap<&str, PolicySubject>,
    config: &LintConfig,
) -> Result<RoleSubject, LintError> {
    let file = locator.file;
    let location = locator.find("RoleName", &role.role_name);
    let mut subject = RoleSubject::new(&role.role_name, location.clone());
    subject.path = role.path.clone().unwrap_or_else(|| "/".to_string());
    subject.description = role.description.clone();
    subject.service_linked = subject.path.starts_with("/aws-service-role/");
    subject.admin = config.is_admin_role(&role.role_name);
    if let Some(trust) = &role.assume_role_policy_document {
        let document = decode_document(
            file,
            &format!(
                "RoleDetailList[{}].AssumeRolePolicyDocument",
                role.role_name
            ),
            trust,
        )?;
        subject.trust = Some(PolicySubject::from_value(
            "trust",
            PolicyKind::Trust,
            location.clone(),
            &document,
        )?);
    }
    for policy in &role.role_policy_list {
        subject.inline.push(inline_policy(
            file,
            &role.role_name,
            policy,
            location.clone(),
        )?);
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
    subject.tags = role
        .tags
        .iter()
        .map(|tag| (tag.key.clone(), tag.value.clone()))
        .collect::<BTreeMap<_, _>>();
    Ok(subject)
}

fn inline_policy(
    file: &str,
    owner: &str,
    policy: &InlinePolicy,
    location: Location,
) -> Result<PolicySubject, LintError> {
    let document = decode_document(
        file,
        &format!("{owner}.{}", policy.policy_name),
        &policy.policy_document,
    )?;
    let mut inline = PolicySubject::from_value(
        &policy.policy_name,
        PolicyKind::Identity,
        location,
        &document,
    )?;
    // Inline policies count against their owner's total, not the managed policy quota.
    inline.managed = false;
    Ok(inline)
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

/// Finds where a named element appears in the export text, for locations.
struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    /// Position of `"key": "name"` (any spacing), or the start of the file.
    fn find(&self, key: &str, name: &str) -> Location {
        let needle = format!("\"{name}\"");
        let quoted_key = format!("\"{key}\"");
        for (offset, _) in self.text.match_indices(&needle) {
            let before = self.text[..offset].trim_end();
            let Some(before) = before.strip_suffix(':') else {
                continue;
            };
            if before.trim_end().ends_with(&quoted_key) {
                let start = before.trim_end().len() - quoted_key.len();
                return position(self.file, self.text, start);
            }
        }
        Location::file(self.file)
    }
}

fn position(file: &str, text: &str, offset: usize) -> Location {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    Location::new(
        file,
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}
