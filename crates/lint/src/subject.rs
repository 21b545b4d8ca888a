//! What gets linted, independent of where it came from: policy documents, roles with their
//! attached policies, SCP targets and exceptions. Policy JSON files, account exports and rendered
//! definitions are all turned into these types first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_policy::PolicyDocument;

use crate::err::LintError;

/// Which kind of policy a document is; rules depend on it (a trust policy has a `Principal` and
/// no `Resource`, an SCP or RCP never grants, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// Identity-based: inline or managed, attached to a role, user or group.
    Identity,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// A resource-based policy (bucket, queue, key, …).
    Resource,
    /// A permission boundary.
    Boundary,
    /// A service control policy.
    ServiceControl,
    /// A resource control policy: caps what principals may do to the resources of the accounts
    /// it is attached to, never grants.
    ResourceControl,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Trust => "trust",
            PolicyKind::Resource => "resource",
            PolicyKind::Boundary => "boundary",
            PolicyKind::ServiceControl => "scp",
            PolicyKind::ResourceControl => "rcp",
        }
    }

    /// Policies that grant permissions to the principal they are attached to.
    pub fn grants_to_holder(self) -> bool {
        matches!(self, PolicyKind::Identity)
    }

    /// Guesses the kind of a standalone policy: one with a `Principal` is a trust or resource
    /// policy (trust when every action is an `sts:Assume…`), otherwise identity-based.
    pub fn infer(document: &PolicyDocument) -> PolicyKind {
        let with_principal: Vec<_> = document
            .statements
            .iter()
            .filter(|statement| statement.principal.is_some())
            .collect();
        if with_principal.is_empty() {
            return PolicyKind::Identity;
        }
        let all_assume = with_principal
            .iter()
            .all(|statement| match &statement.action {
                warden_policy::ActionClause::Action(actions) => actions.iter().all(|action| {
                    action.to_ascii_lowercase().starts_with("sts:assumerole")
                        || action.eq_ignore_ascii_case("sts:TagSession")
                        || action.eq_ignore_ascii_case("sts:SetSourceIdentity")
                        || action.eq_ignore_ascii_case("sts:SetContext")
                }),
                warden_policy::ActionClause::NotAction(_) => false,
            });
        if all_assume {
            PolicyKind::Trust
        } else {
            PolicyKind::Resource
        }
    }
}

/// A position in a source file. `line` and `column` are 1-based, 0 when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Location {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// The start of a file.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
        }
    }
}

/// Sizes IAM checks quotas against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSize {
    /// Characters of the minified JSON (what Warden sends; SCPs count this).
    pub minified: usize,
    /// Characters other than whitespace (identity and trust policy quotas count this).
    pub non_whitespace: usize,
}

impl DocumentSize {
    /// Measures a document the way Warden sends it (minified JSON), counted while writing it
    /// without building the text.
    pub fn of(document: &PolicyDocument) -> DocumentSize {
        let size = warden_policy::size::minified_size(document);
        DocumentSize {
            minified: size.characters,
            non_whitespace: size.non_whitespace,
        }
    }
}

/// One policy document to lint, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySubject {
    /// Policy name (managed or inline), or the file name for a standalone document.
    pub name: String,
    pub kind: PolicyKind,
    pub document: PolicyDocument,
    /// Where the document starts; statement positions come from the statements' spans when the
    /// document was parsed from this file, or from `statement_locations`.
    pub location: Location,
    /// Per-statement positions for documents whose statements were parsed from another form
    /// (YAML definitions); empty when the statements carry their own spans.
    pub statement_locations: Vec<Location>,
    pub size: DocumentSize,
    /// A standalone managed policy (customer managed, boundary, policy file) rather than a
    /// user's or group's inline policy; only managed policies have the 6,144 quota.
    pub managed: bool,
    /// Which services of the privilege-escalation methods its `Allow` statements can name
    /// (see [`crate::escalation::method_services_reached`]), worked out with the document.
    pub(crate) method_services: Option<u128>,
    /// The JSON text the document was parsed from, kept so that a finding on one value (a
    /// `Resource` entry) can point at it; the model keeps spans only down to statements and
    /// condition keys. Kept only where a rule may point at a value (see
    /// [`values_may_be_pointed_at`]): a copy of every file's text was most of a directory
    /// lint's memory. `None` for documents read from another form.
    pub source: Option<std::sync::Arc<str>>,
}

impl PolicySubject {
    /// A managed policy of `kind` at `location`, with what is measured of its document once
    /// (its size, the escalation methods' services it names); no statement positions of its
    /// own and no text.
    pub(crate) fn of_document(
        name: impl Into<String>,
        kind: PolicyKind,
        document: PolicyDocument,
        location: Location,
    ) -> PolicySubject {
        PolicySubject {
            name: name.into(),
            kind,
            size: DocumentSize::of(&document),
            method_services: crate::escalation::method_services_reached(&document),
            document,
            location,
            statement_locations: Vec::new(),
            managed: true,
            source: None,
        }
    }

    /// Parses a policy JSON text; statement positions point into `file`.
    pub fn from_json_text(
        name: impl Into<String>,
        kind: Option<PolicyKind>,
        file: impl Into<String>,
        text: &str,
    ) -> Result<PolicySubject, LintError> {
        let file = file.into();
        let document = warden_policy::parse_policy(text)
            .map_err(|errors| LintError::policy(&file, &errors))?;
        let kind = kind.unwrap_or_else(|| PolicyKind::infer(&document));
        let mut policy = PolicySubject::of_document(name, kind, document, Location::file(file));
        policy.source = values_may_be_pointed_at(kind, text).then(|| text.into());
        Ok(policy)
    }

    /// Parses a policy from a JSON value (an account export, a rendered definition).
    pub fn from_value(
        name: impl Into<String>,
        kind: PolicyKind,
        location: Location,
        value: &serde_json::Value,
    ) -> Result<PolicySubject, LintError> {
        let document = warden_policy::parse_value(value)
            .map_err(|errors| LintError::policy_at(&location, &errors))?;
        Ok(PolicySubject::of_document(name, kind, document, location))
    }

    /// Where statement `index` starts, as precisely as known.
    pub fn statement_location(&self, index: usize) -> Location {
        if let Some(location) = self.statement_locations.get(index) {
            return location.clone();
        }
        match self.document.statements.get(index) {
            Some(statement) if statement.span.line > 0 => Location {
                file: self.location.file.clone(),
                line: statement.span.line,
                column: statement.span.column,
            },
            _ => self.location.clone(),
        }
    }
}

/// Whether a rule may place a finding on one value of a document of `kind` written as `text`
/// (through [`crate::rule::DocumentCx::value_finding`]): the resource control policy rules
/// (WL707, WL709, WL710) point at principals and actions of an RCP, WL108 at `Resource` values
/// holding a malformed policy variable, which needs `${` in the text or a `\u` escape that
/// may spell it. Elsewhere a value finding would fall back to its statement's position.
pub fn values_may_be_pointed_at(kind: PolicyKind, text: &str) -> bool {
    kind == PolicyKind::ResourceControl
        || warden_policy::variables::has_opening(text)
        || text.contains("\\u")
}

/// A managed policy attached to a role: its ARN, and its document when known.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
    pub document: Option<PolicySubject>,
}

/// A role with everything that decides what it can do and who can become it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSubject {
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    pub location: Location,
    pub trust: Option<PolicySubject>,
    pub inline: Vec<PolicySubject>,
    pub managed: Vec<AttachedPolicy>,
    /// ARN (or name) of the permission boundary.
    pub boundary: Option<String>,
    /// The boundary's document, when the input holds it (it caps what the role can do).
    pub boundary_document: Option<PolicySubject>,
    pub tags: BTreeMap<String, String>,
    /// Declared as an administrator role (exempt from the boundary guardrail).
    pub admin: bool,
    /// AWS service-linked role (`/aws-service-role/`): AWS owns it, most guardrails do not apply.
    pub service_linked: bool,
}

impl RoleSubject {
    pub fn new(name: impl Into<String>, location: Location) -> RoleSubject {
        RoleSubject {
            name: name.into(),
            path: "/".to_string(),
            description: None,
            location,
            trust: None,
            inline: Vec::new(),
            managed: Vec::new(),
            boundary: None,
            boundary_document: None,
            tags: BTreeMap::new(),
            admin: false,
            service_linked: false,
        }
    }

    /// The permission policies (inline and attached managed with a known document).
    pub fn permission_policies(&self) -> impl Iterator<Item = &PolicySubject> {
        self.inline.iter().chain(
            self.managed
                .iter()
                .filter_map(|attached| attached.document.as_ref()),
        )
    }
}

/// An IAM user with every identity policy it holds: its own (inline and attached) and those of
/// its groups, so rules can judge what the user can do as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSubject {
    pub name: String,
    pub location: Location,
    pub groups: Vec<String>,
    pub policies: Vec<PolicySubject>,
    /// The boundary's document, when the input holds it.
    pub boundary_document: Option<PolicySubject>,
}

/// SCPs attached to one root, OU or account.
#[derive(Debug, Clone, PartialEq)]
pub struct ScpTarget {
    /// Id or name of the root, OU or account.
    pub target: String,
    pub location: Location,
    pub policies: Vec<String>,
}

/// A documented exception to one rule for one statement (or, without a Sid, for every
/// statement of one role or policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub rule: String,
    #[serde(default)]
    pub sid: Option<String>,
    pub reason: String,
    pub owner: String,
    /// Last day the exception is valid.
    #[serde(with = "crate::subject::date_format")]
    pub expires: time::Date,
    /// Only findings on this role (or policy) name, when set. Required when `sid` is `None`.
    #[serde(default)]
    pub principal: Option<String>,
    #[serde(default)]
    pub location: Location,
}

/// `YYYY-MM-DD` dates in serde.
pub(crate) mod date_format {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &time::Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<time::Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        time::Date::parse(&text, FORMAT).map_err(serde::de::Error::custom)
    }
}

impl Exception {
    /// Words naming what the exception covers, for messages.
    pub fn scope(&self) -> String {
        match (&self.sid, &self.principal) {
            (Some(sid), _) => format!("sid `{sid}`"),
            (None, Some(principal)) => format!("`{principal}`"),
            (None, None) => "nothing".to_string(),
        }
    }
}

/// Free text a person wrote (descriptions, justifications, reasons), checked for hygiene.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField {
    /// What the text is, for messages: `description of role \`deploy\``.
    pub what: String,
    pub text: String,
    pub location: Location,
    pub principal: Option<String>,
}

/// Everything linted together: one account's roles and policies (or a set of loose documents).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    /// The account the roles live in, when known (needed to tell cross-account principals).
    pub account: Option<String>,
    pub roles: Vec<RoleSubject>,
    /// IAM users (from account exports), with their groups' policies.
    pub users: Vec<UserSubject>,
    /// Standalone documents: policy files, customer managed policies, boundaries, SCPs.
    pub policies: Vec<PolicySubject>,
    pub scp_targets: Vec<ScpTarget>,
    pub exceptions: Vec<Exception>,
    pub texts: Vec<TextField>,
    /// Input that could not be read as a policy; reported as WL104 findings while everything
    /// else is still linted.
    pub problems: Vec<Problem>,
}

/// A document that could not be read (bad JSON, a broken grammar), with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// The role, user, group or policy the document belongs to, when known.
    pub principal: Option<String>,
    /// Lowercase, user input in backticks, without the position.
    pub message: String,
}

/// The UTC date of a Unix timestamp (the caller reads the clock; the library never does).
pub fn date_from_unix_seconds(seconds: i64) -> Option<time::Date> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .map(time::OffsetDateTime::date)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes are counted without writing the text; they must be what the minified text's
    /// characters are.
    #[test]
    fn document_size_counts_the_minified_text() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Café", "Effect": "Allow",
            "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/naïve name/*"}]}"#;
        let document = warden_policy::parse_policy(text).unwrap();
        let size = DocumentSize::of(&document);
        let minified = document.to_json_string();
        assert_eq!(size.minified, minified.chars().count());
        assert_eq!(
            size.non_whitespace,
            minified.chars().filter(|c| !c.is_whitespace()).count()
        );
        assert!(size.minified > size.non_whitespace, "{size:?}");
    }

    /// The text is kept where a rule may point at a value, and only there; a malformed
    /// variable is found at its value whether `$` is written plainly or as an escape.
    #[test]
    fn value_findings_keep_their_position_without_every_text_kept() {
        let options = crate::LintOptions {
            catalog: warden_catalog::Catalog::embedded(),
            config: &crate::LintConfig::default(),
            today: time::macros::date!(2026 - 01 - 01),
        };
        // Written in pieces for tidy's ARN check.
        let home = ["arn:aws:s3:", "::home/"].concat();
        for dollar in ["$", "\\u0024"] {
            let text = format!(
                "{{\"Version\": \"2012-10-17\", \"Statement\": [\n  {{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\",\n   \"Resource\": [\"{home}a\",\n     \"{home}{dollar}{{aws:username\"]}}]}}"
            );
            let policy = PolicySubject::from_json_text("p", None, "p.json", &text).unwrap();
            assert!(policy.source.is_some(), "{text}");
            let findings = crate::lint_policy_text("p.json", &text, None, &options).unwrap();
            let at: Vec<(u32, u32)> = findings
                .iter()
                .filter(|finding| finding.rule == "WL108")
                .map(|finding| (finding.line, finding.column))
                .collect();
            // The statement starts on line 2; the second `Resource` value on line 4.
            assert_eq!(at, [(4, 6)], "{text}\n{findings:#?}");
        }
        let plain = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
        let policy = PolicySubject::from_json_text("p", None, "p.json", plain).unwrap();
        assert!(policy.source.is_none(), "nothing to point at");
        let rcp =
            PolicySubject::from_json_text("p", Some(PolicyKind::ResourceControl), "p.json", plain)
                .unwrap();
        assert!(rcp.source.is_some(), "the RCP rules point at values");
    }
}
