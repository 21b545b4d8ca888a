//! Request files (`cargo xtask simulate --request FILE`): one JSON object naming the request
//! and every policy that applies, parsed with positions so that each error says
//! `file:line:column` and the JSON path of the element.
//!
//! ```text
//! {"principal": ARN | account id | service principal | "*" (anonymous),   (required)
//!  "action": "service:Action", "resource": ARN, "*", or a pattern (`arn:aws:s3:::b/logs/*`),
//!                                                      (required)
//!  "resource_account": ID, "principal_account": ID,
//!  "context": {KEY: "value" | ["v1", "v2"]},
//!  "identity_policies": [DOC | {"label": NAME, "document": DOC}],
//!  "permissions_boundary": DOC, "session_policy": DOC, "resource_policy": DOC,
//!  "vpc_endpoint_policy": DOC,         (the request goes through this VPC endpoint)
//!  "scps": [[DOC]], "rcps": [[DOC]],   (outer list: root, each OU, the account)
//!  "management_account": bool}         (the principal's account is the management account)
//! ```

use std::fmt;

use warden_policy::Span;
use warden_policy::json::{self, Kind, Locator, Member, Node};

use crate::engine::{LabeledPolicy, PolicySet};
use crate::err::RequestError;
use crate::request::{Context, Request};

/// The keys a request file may have (`$schema` too, for editors).
pub const REQUEST_KEYS: [&str; 14] = [
    "principal",
    "action",
    "resource",
    "resource_account",
    "principal_account",
    "context",
    "identity_policies",
    "permissions_boundary",
    "scps",
    "rcps",
    "resource_policy",
    "session_policy",
    "vpc_endpoint_policy",
    "management_account",
];

/// What is wrong with one element of a request file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestFileErrorKind {
    #[error("invalid json: {message}")]
    Json { message: String },
    #[error("duplicate key `{key}`")]
    DuplicateKey { key: String },
    #[error("expected a JSON object with `principal`, `action` and `resource`")]
    NotAnObject,
    #[error("unknown key, expected one of {}", known_keys())]
    UnknownKey,
    #[error("missing `{key}`")]
    Missing { key: &'static str },
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("{0}")]
    Request(#[from] RequestError),
    /// A policy document's own error (IAM grammar).
    #[error("{message}")]
    Policy { message: String },
    /// IAM rejects an identity-based policy (or boundary, session policy, SCP) with a
    /// `Principal`: "You cannot use the Principal element in an identity-based policy".
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
    #[error(
        "`{element}` is not allowed in {policy}: it names who may act only in resource-based policies"
    )]
    PrincipalInIdentityPolicy {
        element: String,
        policy: &'static str,
    },
    #[error("`resource_account` `{given}` contradicts the account `{in_arn}` in the resource ARN")]
    ResourceAccountMismatch { given: String, in_arn: String },
}

fn known_keys() -> String {
    let keys: Vec<String> = REQUEST_KEYS.iter().map(|key| format!("`{key}`")).collect();
    keys.join(", ")
}

/// One error: ``file:line:column: `path`: what``, leaving out what is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFileError {
    pub file: String,
    pub span: Option<Span>,
    /// JSON path of the element; empty for the whole file.
    pub path: String,
    pub kind: RequestFileErrorKind,
}

impl fmt::Display for RequestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(span) = &self.span {
            write!(f, ":{}:{}", span.line, span.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": `{}`", self.path)?;
        }
        write!(f, ": {}", self.kind)
    }
}

/// Every error found, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RequestFileErrors {
    pub errors: Vec<RequestFileError>,
}

impl fmt::Display for RequestFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// `--context KEY=VALUE` given more than once per key: multi-valued (keys compared
/// case-insensitively). They replace what the request file says for the same key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextOverrides {
    keys: Vec<(String, Vec<String>)>,
}

/// A `--context` argument without `=`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`--context {flag}`: expected KEY=VALUE")]
pub struct ContextFlagError {
    pub flag: String,
}

impl ContextOverrides {
    /// Groups `KEY=VALUE` flags by key, in the order first given.
    pub fn parse(flags: &[String]) -> Result<ContextOverrides, ContextFlagError> {
        let mut keys: Vec<(String, Vec<String>)> = Vec::new();
        for flag in flags {
            let Some((key, value)) = flag.split_once('=') else {
                return Err(ContextFlagError { flag: flag.clone() });
            };
            match keys
                .iter_mut()
                .find(|(known, _)| known.eq_ignore_ascii_case(key))
            {
                Some((_, values)) => values.push(value.to_string()),
                None => keys.push((key.to_string(), vec![value.to_string()])),
            }
        }
        Ok(ContextOverrides { keys })
    }

    /// Sets each key in `context`, replacing its values.
    pub fn apply(&self, context: &mut Context) {
        for (key, values) in &self.keys {
            context.insert(key, values.clone());
        }
    }
}

/// Parses the request file `text` (named `file` in errors) into the policies and the finished
/// request; `overrides` replace context keys of the file. Reports every duplicate key, or every
/// error of the first invalid element (all of a policy document's).
pub fn parse_request_file(
    file: &str,
    text: &str,
    overrides: &ContextOverrides,
) -> Result<(PolicySet, Request), RequestFileErrors> {
    let root = json::parse(text).map_err(|syntax| RequestFileErrors {
        errors: vec![RequestFileError {
            file: file.to_string(),
            span: Some(Locator::new(text).span(syntax.offset)),
            path: String::new(),
            kind: RequestFileErrorKind::Json {
                message: syntax.message,
            },
        }],
    })?;
    // IAM rejects repeated keys; keeping either value would silently flip a decision.
    let duplicates = warden_policy::duplicate_keys(text);
    if !duplicates.is_empty() {
        return Err(RequestFileErrors {
            errors: duplicates
                .into_iter()
                .map(|duplicate| RequestFileError {
                    file: file.to_string(),
                    span: Some(duplicate.span),
                    path: duplicate.path,
                    kind: RequestFileErrorKind::DuplicateKey { key: duplicate.key },
                })
                .collect(),
        });
    }
    let reader = Reader {
        file,
        text,
        locator: std::cell::RefCell::new(Locator::new(text)),
    };
    reader.request(&root, overrides)
}

/// Positions and paths for errors of one request file.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    locator: std::cell::RefCell<Locator<'a>>,
}

type Found<T> = Result<T, RequestFileErrors>;

impl Reader<'_> {
    fn span(&self, offset: Option<u32>) -> Option<Span> {
        let offset = usize::try_from(offset?).ok()?;
        Some(self.locator.borrow_mut().span(offset))
    }

    fn error(
        &self,
        offset: Option<u32>,
        path: &str,
        kind: RequestFileErrorKind,
    ) -> RequestFileErrors {
        RequestFileErrors {
            errors: vec![RequestFileError {
                file: self.file.to_string(),
                span: self.span(offset),
                path: path.to_string(),
                kind,
            }],
        }
    }

    fn wrong_type(&self, node: &Node<'_>, path: &str, expected: &'static str) -> RequestFileErrors {
        let found = node.kind.type_name();
        self.error(
            node.offset,
            path,
            RequestFileErrorKind::WrongType { expected, found },
        )
    }

    fn request(
        &self,
        root: &Node<'_>,
        overrides: &ContextOverrides,
    ) -> Found<(PolicySet, Request)> {
        let Kind::Object(members) = &root.kind else {
            return Err(self.error(root.offset, "", RequestFileErrorKind::NotAnObject));
        };
        if let Some(unknown) = members.iter().find(|member| {
            member.key.text != "$schema" && !REQUEST_KEYS.contains(&member.key.text.as_ref())
        }) {
            return Err(self.error(
                unknown.key_offset,
                &unknown.key.text,
                RequestFileErrorKind::UnknownKey,
            ));
        }
        let get = |key: &str| {
            members
                .iter()
                .find(|member| member.key.text == key)
                .map(|member: &Member<'_>| &member.value)
                .filter(|value| value.kind != Kind::Null)
        };
        let string = |key: &'static str, required: bool| -> Found<Option<String>> {
            match get(key) {
                None if required => {
                    Err(self.error(root.offset, "", RequestFileErrorKind::Missing { key }))
                }
                None => Ok(None),
                Some(Node {
                    kind: Kind::String(text),
                    ..
                }) => Ok(Some(text.text.to_string())),
                Some(other) => Err(self.wrong_type(other, key, "a string")),
            }
        };
        let principal = string("principal", true)?.unwrap_or_default();
        let action = string("action", true)?.unwrap_or_default();
        let resource = string("resource", true)?.unwrap_or_default();
        let mut request = Request::new(&principal, &action, &resource).map_err(|err| {
            // The request names one of its three elements; point at the principal, the most
            // usual culprit, unless the action or resource is what is wrong.
            let key = match &err {
                RequestError::InvalidPrincipal(_) => "principal",
                RequestError::InvalidAction(_) => "action",
                RequestError::EmptyResource => "resource",
            };
            self.error(get(key).and_then(|node| node.offset), key, err.into())
        })?;
        if let Some(account) = string("resource_account", false)? {
            if let Some(in_arn) = request.resource_account()
                && in_arn != account
            {
                let in_arn = in_arn.to_string();
                return Err(self.error(
                    get("resource_account").and_then(|node| node.offset),
                    "resource_account",
                    RequestFileErrorKind::ResourceAccountMismatch {
                        given: account,
                        in_arn,
                    },
                ));
            }
            request = request.with_resource_account(&account);
        }
        if let Some(account) = string("principal_account", false)? {
            request = request.with_principal_account(&account);
        }
        let management = match get("management_account") {
            None => false,
            Some(Node {
                kind: Kind::Bool(flag),
                ..
            }) => *flag,
            Some(other) => {
                return Err(self.wrong_type(other, "management_account", "true or false"));
            }
        };
        let same_account = request.resource_account().is_none()
            || request.resource_account() == request.principal_account();
        let mut context = match get("context") {
            None => Context::new(),
            Some(node) => self.context(node)?,
        };
        overrides.apply(&mut context);
        let request = request
            .with_context(context)
            .in_management_account(management, management && same_account)
            .finish();
        let identity = match get("identity_policies") {
            None => Vec::new(),
            Some(Node {
                kind: Kind::Array(items),
                ..
            }) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.policy(&format!("identity_policies[{i}]"), item))
                .collect::<Found<_>>()?,
            Some(other) => return Err(self.wrong_type(other, "identity_policies", "a list")),
        };
        let optional = |key: &str| get(key).map(|node| self.policy(key, node)).transpose();
        if let Some(Node {
            kind: Kind::Array(items),
            ..
        }) = get("identity_policies")
        {
            for (i, item) in items.iter().enumerate() {
                self.no_principal(
                    &format!("identity_policies[{i}]"),
                    item,
                    "an identity-based policy",
                )?;
            }
        }
        for (key, policy) in [
            ("permissions_boundary", "a permissions boundary"),
            ("session_policy", "a session policy"),
        ] {
            if let Some(node) = get(key) {
                self.no_principal(key, node, policy)?;
            }
        }
        if let Some(Node {
            kind: Kind::Array(levels),
            ..
        }) = get("scps")
        {
            for (level, item) in levels.iter().enumerate() {
                if let Kind::Array(policies) = &item.kind {
                    for (i, policy) in policies.iter().enumerate() {
                        self.no_principal(&format!("scps[{level}][{i}]"), policy, "an SCP")?;
                    }
                }
            }
        }
        let set = PolicySet {
            identity,
            permissions_boundary: optional("permissions_boundary")?,
            scps: self.levels("scps", get("scps"))?,
            rcps: self.levels("rcps", get("rcps"))?,
            resource_policy: optional("resource_policy")?,
            session_policy: optional("session_policy")?,
            vpc_endpoint_policy: optional("vpc_endpoint_policy")?,
        };
        Ok((set, request))
    }

    fn context(&self, node: &Node<'_>) -> Found<Context> {
        let Kind::Object(members) = &node.kind else {
            return Err(self.wrong_type(node, "context", "an object"));
        };
        let scalar = |value: &Node<'_>| -> Option<String> {
            match &value.kind {
                Kind::String(text) => Some(text.text.to_string()),
                Kind::Bool(flag) => Some(flag.to_string()),
                Kind::Number(number) => Some(number.to_string()),
                _ => None,
            }
        };
        let mut context = Context::new();
        for member in members {
            let key = member.key.text.as_ref();
            let values = match &member.value.kind {
                Kind::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        scalar(item).ok_or_else(|| {
                            self.wrong_type(item, &context_path(key, Some(i)), "a string")
                        })
                    })
                    .collect::<Found<Vec<_>>>()?,
                _ => vec![scalar(&member.value).ok_or_else(|| {
                    self.wrong_type(
                        &member.value,
                        &context_path(key, None),
                        "a string or a list of strings",
                    )
                })?],
            };
            context.insert(key, values);
        }
        Ok(context)
    }

    /// A policy document, or `{"label": …, "document": …}`.
    fn policy(&self, path: &str, node: &Node<'_>) -> Found<LabeledPolicy> {
        let field = |name: &str| match &node.kind {
            Kind::Object(members) => members
                .iter()
                .find(|member| member.key.text == name)
                .map(|member| &member.value),
            _ => None,
        };
        let (label, document, document_path) = match field("document") {
            Some(document) if field("Statement").is_none() => {
                let label = match field("label").map(|label| &label.kind) {
                    Some(Kind::String(label)) => label.text.to_string(),
                    _ => path.to_string(),
                };
                (label, document, format!("{path}.document"))
            }
            _ => (path.to_string(), node, path.to_string()),
        };
        let document =
            warden_policy::parse::parse_policy_node(self.text, document).map_err(|errors| {
                RequestFileErrors {
                    errors: errors
                        .errors
                        .into_iter()
                        .map(|error| RequestFileError {
                            file: self.file.to_string(),
                            span: error.span.or_else(|| self.span(document.offset)),
                            path: join_path(&document_path, &error.path),
                            kind: RequestFileErrorKind::Policy {
                                message: error.kind.to_string(),
                            },
                        })
                        .collect(),
                }
            })?;
        Ok(LabeledPolicy::new(label, document))
    }

    /// Errors on a `Principal`/`NotPrincipal` in a policy that cannot have one (`path` names
    /// the policy, either a document or `{"label", "document"}`).
    fn no_principal(&self, path: &str, node: &Node<'_>, policy: &'static str) -> Found<()> {
        let (document, path) = match member(node, "document") {
            Some(document) if member(node, "Statement").is_none() => {
                (&document.value, format!("{path}.document"))
            }
            _ => (node, path.to_string()),
        };
        let statements: Vec<(String, &Node<'_>)> = match member(document, "Statement") {
            Some(Member {
                value:
                    Node {
                        kind: Kind::Array(items),
                        ..
                    },
                ..
            }) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("{path}.Statement[{i}]"), item))
                .collect(),
            Some(single) => vec![(format!("{path}.Statement"), &single.value)],
            None => Vec::new(),
        };
        for (statement_path, statement) in statements {
            for element in ["Principal", "NotPrincipal"] {
                if let Some(found) = member(statement, element) {
                    return Err(self.error(
                        found.key_offset,
                        &format!("{statement_path}.{element}"),
                        RequestFileErrorKind::PrincipalInIdentityPolicy {
                            element: element.to_string(),
                            policy,
                        },
                    ));
                }
            }
        }
        Ok(())
    }

    fn levels(&self, key: &str, node: Option<&Node<'_>>) -> Found<Vec<Vec<LabeledPolicy>>> {
        let items = match node {
            None => return Ok(Vec::new()),
            Some(Node {
                kind: Kind::Array(items),
                ..
            }) => items,
            Some(other) => {
                return Err(self.wrong_type(other, key, "a list of levels (lists of policies)"));
            }
        };
        items
            .iter()
            .enumerate()
            .map(|(level, item)| match &item.kind {
                Kind::Array(policies) => policies
                    .iter()
                    .enumerate()
                    .map(|(i, policy)| self.policy(&format!("{key}[{level}][{i}]"), policy))
                    .collect(),
                _ => Err(self.wrong_type(
                    item,
                    &format!("{key}[{level}]"),
                    "a list of policies for this level",
                )),
            })
            .collect()
    }
}

/// The member `name` of an object node.
fn member<'n, 'a>(node: &'n Node<'a>, name: &str) -> Option<&'n Member<'a>> {
    match &node.kind {
        Kind::Object(members) => members.iter().find(|member| member.key.text == name),
        _ => None,
    }
}

/// `outer` then `inner` (a path inside it, `Statement[0]` or `["a.b"]`).
fn join_path(outer: &str, inner: &str) -> String {
    match inner {
        "" => outer.to_string(),
        _ if inner.starts_with('[') => format!("{outer}{inner}"),
        _ => format!("{outer}.{inner}"),
    }
}

/// The JSON path of a context value; keys like `aws:RequestTag/a.b` need the quoted form.
fn context_path(key: &str, index: Option<usize>) -> String {
    let mut path = if key.contains(['.', '[', ']', '"']) || key.is_empty() {
        format!("context[{key:?}]")
    } else {
        format!("context.{key}")
    };
    if let Some(index) = index {
        path.push_str(&format!("[{index}]"));
    }
    path
}

#[cfg(test)]
mod tests;
