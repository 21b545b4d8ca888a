//! The re-check right before each write: apply reads the one object a change writes (a role
//! with its trust, inline and attached policies; a customer managed policy's default
//! document; an SCP's content and targets) and compares it with what the plan read, carried
//! forward through the changes apply has made since ([`crate::simulate`],
//! [`crate::scp::simulate_scp_change`]). A difference means someone else wrote the object in the
//! meantime: that change is refused, with what depends on it.

use crate::account::role_state;
use crate::change::{Change, policy_name_from_arn};
use crate::doc;
use crate::live::{LiveAccount, LiveManagedPolicy, LiveRole, LiveScp};

/// The start of the reason a change refused by the re-check reports and audits.
pub const REFUSED: &str = "refused: changed since the plan";

/// The object a change writes, as read right before the write (`None` inside: it does not
/// exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveObject {
    Role(Option<LiveRole>),
    Policy(Option<LiveManagedPolicy>),
}

/// Which object a change writes: a role by name, or a customer managed policy by name
/// (SCP changes and changes without one object: `None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectRef {
    Role(String),
    Policy {
        name: String,
        /// The policy's ARN (for reading it), when the change names it.
        arn: Option<String>,
    },
}

impl ObjectRef {
    /// The object `change` writes.
    pub fn of(change: &Change) -> Option<ObjectRef> {
        if let Some(role) = change.role() {
            return Some(ObjectRef::Role(role.to_ascii_lowercase()));
        }
        match change {
            Change::CreatePolicy { name, .. } => Some(ObjectRef::Policy {
                name: name.to_ascii_lowercase(),
                arn: None,
            }),
            Change::CreatePolicyVersion { arn, .. }
            | Change::DeletePolicy { arn, .. }
            | Change::AdoptPolicy { arn, .. }
            | Change::TagPolicy { arn, .. }
            | Change::UntagPolicy { arn, .. } => Some(ObjectRef::Policy {
                name: policy_name_from_arn(arn).to_ascii_lowercase(),
                arn: Some(arn.clone()),
            }),
            _ => None,
        }
    }

    /// The same object, whatever ARN the change carried.
    pub fn same(&self, other: &ObjectRef) -> bool {
        match (self, other) {
            (ObjectRef::Role(a), ObjectRef::Role(b)) => a == b,
            (ObjectRef::Policy { name: a, .. }, ObjectRef::Policy { name: b, .. }) => a == b,
            _ => false,
        }
    }

    /// `role `x`` or `policy `x`` for messages.
    pub fn describe(&self) -> String {
        match self {
            ObjectRef::Role(name) => format!("role `{name}`"),
            ObjectRef::Policy { name, .. } => format!("policy `{name}`"),
        }
    }

    /// The object in `state` (the state apply expects).
    pub fn in_state(&self, state: &LiveAccount) -> LiveObject {
        match self {
            ObjectRef::Role(name) => LiveObject::Role(state.role(name).cloned()),
            ObjectRef::Policy { name, .. } => LiveObject::Policy(state.policy(name).cloned()),
        }
    }
}

/// What the re-check compares of an object: for a role everything the plan fingerprints; for
/// a managed policy its path, description, tags and default document by meaning (version ids
/// and attachment counts move with other objects' changes and are left out).
pub fn object_state(object: &LiveObject) -> String {
    match object {
        LiveObject::Role(None) | LiveObject::Policy(None) => "absent".to_string(),
        LiveObject::Role(Some(role)) => role_state(role).to_string(),
        LiveObject::Policy(Some(policy)) => serde_json::json!({
            "name": policy.name.to_ascii_lowercase(),
            "path": policy.path,
            "description": policy.description.as_deref().unwrap_or(""),
            "tags": policy.tags,
            "document": doc::canonical_live(&policy.document),
        })
        .to_string(),
    }
}

/// Whether `read` (just read) differs from `expected` (what the plan read, carried through the
/// changes applied since); the reason when it does.
pub fn differs(object: &ObjectRef, expected: &LiveObject, read: &LiveObject) -> Option<String> {
    (object_state(expected) != object_state(read)).then(|| {
        format!(
            "{REFUSED}: {} was written by someone else since the plan was read; plan again",
            object.describe()
        )
    })
}

/// What the re-check compares of an SCP: name, description, content by meaning and targets.
pub fn scp_state(scp: Option<&LiveScp>) -> String {
    match scp {
        None => "absent".to_string(),
        Some(scp) => {
            let mut targets = scp.targets.clone();
            targets.sort();
            serde_json::json!({
                "name": scp.name.to_ascii_lowercase(),
                "description": scp.description,
                "content": doc::canonical_live(&scp.content),
                "targets": targets,
            })
            .to_string()
        }
    }
}

/// Whether the SCP just read differs from the one expected; the reason when it does.
pub fn scp_differs(
    name: &str,
    expected: Option<&LiveScp>,
    read: Option<&LiveScp>,
) -> Option<String> {
    (scp_state(expected) != scp_state(read)).then(|| {
        format!(
            "{REFUSED}: scp `{name}` was written by someone else since the plan was read; plan again"
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn role(trust: &str) -> LiveRole {
        LiveRole {
            name: "App".into(),
            path: "/".into(),
            arn: "arn:aws:iam::111111111111:role/App".into(),
            role_id: "AROA".into(),
            trust_policy: trust.into(),
            description: None,
            max_session_duration: None,
            permissions_boundary_arn: None,
            tags: BTreeMap::new(),
            inline_policies: BTreeMap::new(),
            attached_policy_arns: Vec::new(),
            created: None,
            role_last_used: None,
        }
    }

    #[test]
    fn a_role_written_by_someone_else_differs_and_reformatting_does_not() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}"#;
        let object = ObjectRef::Role("app".into());
        let expected = LiveObject::Role(Some(role(trust)));
        let reformatted = LiveObject::Role(Some(role(&trust.replace(',', ", "))));
        assert_eq!(differs(&object, &expected, &reformatted), None);
        let mut written = role(trust);
        written
            .inline_policies
            .insert("extra".into(), r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into());
        let reason = differs(&object, &expected, &LiveObject::Role(Some(written))).unwrap();
        assert!(
            reason.starts_with(REFUSED) && reason.contains("`app`"),
            "{reason}"
        );
        assert!(differs(&object, &expected, &LiveObject::Role(None)).is_some());
    }

    #[test]
    fn a_change_names_the_object_it_writes() {
        let attach = Change::AttachPolicy {
            role: "App".into(),
            arn: "arn:aws:iam::111111111111:policy/shared".into(),
        };
        assert_eq!(ObjectRef::of(&attach), Some(ObjectRef::Role("app".into())));
        let version = Change::CreatePolicyVersion {
            arn: "arn:aws:iam::111111111111:policy/Shared".into(),
            document: "{}".into(),
            prune_version: None,
            delta: Default::default(),
        };
        assert!(ObjectRef::of(&version).unwrap().same(&ObjectRef::Policy {
            name: "shared".into(),
            arn: None
        }));
    }
}
