//! The policy grammar: turns a JSON tree into a [`PolicyDocument`], collecting every error with
//! its JSON path and source position in one pass.

use crate::err::{PolicyError, PolicyErrorKind, PolicyErrors};
use crate::json::{self, JsonStr, Kind, Locator, Member, Node};
use crate::model::{
    ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionOperator, ConditionValue,
    Effect, PolicyDocument, Principal, PrincipalClause, PrincipalType, ResourceClause,
    SetQualifier, Span, Statement, Values, Version,
};

/// Parses policy JSON text, reporting every problem with its JSON path, line and column.
///
/// Stricter than `serde_json`: duplicate keys, unknown elements and characters IAM rejects are
/// errors, as they are for IAM.
pub fn parse_policy(text: &str) -> Result<PolicyDocument, PolicyErrors> {
    let node = match json::parse(text) {
        Ok(node) => node,
        Err(syntax) => {
            let mut locator = Locator::new(text);
            return Err(PolicyErrors {
                errors: vec![PolicyError {
                    kind: PolicyErrorKind::Json {
                        message: syntax.message,
                    },
                    path: String::new(),
                    span: Some(locator.span(syntax.offset)),
                }],
            });
        }
    };
    Grammar::new(Some(Locator::new(text))).finish(&node)
}

/// Parses a policy document embedded in a larger JSON text (a request file holds several):
/// `node` is a value of [`json::parse`]`(text)`. Spans are positions in `text`; paths are
/// relative to the document.
pub fn parse_policy_node(
    text: &str,
    node: &json::Node<'_>,
) -> Result<PolicyDocument, PolicyErrors> {
    Grammar::new(Some(Locator::new(text))).finish(node)
}

/// Parses a policy already decoded as JSON (e.g. from YAML). Errors carry the JSON path but
/// no span; duplicate keys cannot be detected here since the map already merged them.
pub fn parse_value(value: &serde_json::Value) -> Result<PolicyDocument, PolicyErrors> {
    Grammar::new(None).finish(&json::from_value(value))
}

/// The JSON path to a node, built lazily: only rendered when an error is reported.
#[derive(Clone, Copy)]
struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    segment: Segment<'p>,
}

#[derive(Clone, Copy)]
enum Segment<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

impl<'p> Path<'p> {
    const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    fn key(&'p self, key: &'p str) -> Path<'p> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    fn index(&'p self, index: usize) -> Path<'p> {
        Path {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut current = Some(self);
        while let Some(path) = current {
            segments.push(path.segment);
            current = path.parent;
        }
        let mut out = String::new();
        for segment in segments.iter().rev() {
            match segment {
                Segment::Root => {}
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
                Segment::Key(key) => crate::locate::push_key(&mut out, key),
            }
        }
        out
    }
}

const TOP_LEVEL_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Base condition operators IAM knows (without `IfExists` and set qualifiers).
pub(crate) const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Parses a condition operator name such as `ForAnyValue:StringLikeIfExists`. IAM matches
/// operator names case-sensitively (`stringEquals` is rejected as an invalid condition type).
pub fn parse_condition_operator(name: &str) -> Option<ConditionOperator> {
    let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else {
        (None, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    // `Null` tests presence, so `NullIfExists` has no meaning and IAM rejects it.
    if !CONDITION_OPERATORS.contains(&base) || (if_exists && base == "Null") {
        return None;
    }
    Some(ConditionOperator {
        qualifier,
        base: base.to_string(),
        if_exists,
    })
}

/// The correctly spelled operator for a name that differs only in case, for error hints.
fn suggest_condition_operator(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let mut candidates = Vec::new();
    for qualifier in ["", "ForAllValues:", "ForAnyValue:"] {
        for base in CONDITION_OPERATORS {
            for suffix in ["", "IfExists"] {
                candidates.push(format!("{qualifier}{base}{suffix}"));
            }
        }
    }
    candidates
        .into_iter()
        // A case-fix that parses: never suggest the name itself, nor `NullIfExists`.
        .find(|candidate| {
            candidate.to_ascii_lowercase() == lower
                && candidate != name
                && parse_condition_operator(candidate).is_some()
        })
}

/// Whether IAM accepts `character` in a policy document.
pub fn is_allowed_char(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}')
}

struct Grammar<'s> {
    locator: Option<Locator<'s>>,
    errors: Vec<PolicyError>,
}

impl<'s> Grammar<'s> {
    fn new(locator: Option<Locator<'s>>) -> Self {
        Grammar {
            locator,
            errors: Vec::new(),
        }
    }

    fn finish(mut self, node: &Node<'_>) -> Result<PolicyDocument, PolicyErrors> {
        let document = self.document(node);
        if let (true, Some(document)) = (self.errors.is_empty(), document) {
            return Ok(document);
        }
        if self.errors.is_empty() {
            // Defensive: a rejected document always records why.
            self.errors.push(PolicyError {
                kind: PolicyErrorKind::Missing {
                    element: "Statement",
                },
                path: String::new(),
                span: None,
            });
        }
        Err(PolicyErrors {
            errors: self.errors,
        })
    }

    fn span(&mut self, offset: Option<u32>) -> Option<Span> {
        let offset = usize::try_from(offset?).ok()?;
        Some(self.locator.as_mut()?.span(offset))
    }

    fn error(&mut self, kind: PolicyErrorKind, path: &Path<'_>, offset: Option<u32>) {
        let span = self.span(offset);
        self.errors.push(PolicyError {
            kind,
            path: path.render(),
            span,
        });
    }

    fn wrong_type(&mut self, expected: &'static str, node: &Node<'_>, path: &Path<'_>) {
        self.error(
            PolicyErrorKind::WrongType {
                expected,
                found: node.kind.type_name(),
            },
            path,
            node.offset,
        );
    }

    /// Reports keys seen earlier in the same object; yields each key's first occurrence.
    fn unique_members<'n, 'a>(
        &mut self,
        members: &'n [Member<'a>],
        path: &Path<'_>,
    ) -> impl Iterator<Item = &'n Member<'a>> + use<'n, 'a> {
        let seen_before = |index: usize| {
            let key = &members[index].key.text;
            members[..index].iter().any(|seen| seen.key.text == *key)
        };
        let mut any_duplicate = false;
        for (index, member) in members.iter().enumerate() {
            if seen_before(index) {
                any_duplicate = true;
                self.error(
                    PolicyErrorKind::DuplicateKey {
                        key: member.key.text.to_string(),
                    },
                    &path.key(&member.key.text),
                    member.key_offset,
                );
            }
        }
        members
            .iter()
            .enumerate()
            .filter(move |(index, _)| !any_duplicate || !seen_before(*index))
            .map(|(_, member)| member)
    }

    /// Checks the characters of a string against the set IAM accepts.
    fn check_chars(&mut self, text: &JsonStr<'_>, offset: Option<u32>, path: &Path<'_>) {
        if text.printable_ascii || text.text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
            return;
        }
        for (index, character) in text.text.char_indices() {
            if !is_allowed_char(character) {
                // Inside an unescaped string the offset maps directly to the source.
                let at = if text.escaped {
                    offset
                } else {
                    offset.and_then(|o| u32::try_from(index + 1).ok().map(|i| o + i))
                };
                self.error(PolicyErrorKind::InvalidCharacter { character }, path, at);
                return;
            }
        }
    }

    fn string(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<String> {
        match &node.kind {
            Kind::String(text) => {
                self.check_chars(text, node.offset, path);
                Some(text.text.to_string())
            }
            _ => {
                self.wrong_type("a string", node, path);
                None
            }
        }
    }

    fn document(&mut self, node: &Node<'_>) -> Option<PolicyDocument> {
        let root = Path::ROOT;
        let Kind::Object(members) = &node.kind else {
            self.wrong_type("an object", node, &root);
            return None;
        };
        let mut version = None;
        let mut id = None;
        let mut statements = None;
        for member in self.unique_members(members, &root) {
            let key: &str = &member.key.text;
            let path = root.key(key);
            match key {
                "Version" => version = self.version(&member.value, &path),
                "Id" => id = self.string(&member.value, &path),
                "Statement" => statements = self.statements(&member.value, &path),
                _ => self.unknown_element(member, &path, &TOP_LEVEL_ELEMENTS),
            }
        }
        if !members.iter().any(|m| m.key.text == "Statement") {
            self.error(
                PolicyErrorKind::Missing {
                    element: "Statement",
                },
                &root,
                node.offset,
            );
        }
        let (statements, statement_is_object) = statements?;
        Some(PolicyDocument {
            version,
            id,
            statements,
            statement_is_object,
        })
    }

    fn unknown_element(&mut self, member: &Member<'_>, path: &Path<'_>, known: &[&'static str]) {
        let key: &str = &member.key.text;
        let suggestion = known
            .iter()
            .find(|name| name.eq_ignore_ascii_case(key.trim()))
            .copied();
        let expected = if known.len() == TOP_LEVEL_ELEMENTS.len() {
            "`Version`, `Id`, `Statement`"
        } else {
            "`Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`, `NotResource`, `Condition`"
        };
        self.error(
            PolicyErrorKind::UnknownElement {
                element: key.to_string(),
                expected,
                suggestion,
            },
            path,
            member.key_offset,
        );
    }

    fn version(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Version> {
        let text = self.string(node, path)?;
        match text.as_str() {
            "2012-10-17" => Some(Version::V2012_10_17),
            "2008-10-17" => Some(Version::V2008_10_17),
            _ => {
                self.error(
                    PolicyErrorKind::InvalidVersion { found: text },
                    path,
                    node.offset,
                );
                None
            }
        }
    }

    fn statements(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<(Vec<Statement>, bool)> {
        match &node.kind {
            Kind::Object(_) => Some((self.statement(node, path).into_iter().collect(), true)),
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error(
                        PolicyErrorKind::Empty {
                            what: "statement list",
                        },
                        path,
                        node.offset,
                    );
                    return None;
                }
                let mut statements = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    if let Some(statement) = self.statement(item, &path.index(index)) {
                        statements.push(statement);
                    }
                }
                Some((statements, false))
            }
            _ => {
                self.wrong_type("an object or a list of objects", node, path);
                None
            }
        }
    }

    fn statement(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Statement> {
        let Kind::Object(members) = &node.kind else {
            self.wrong_type("an object", node, path);
            return None;
        };
        let errors_before = self.errors.len();
        let span = self.span(node.offset).unwrap_or_default();
        let mut sid = None;
        let mut effect = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut condition = None;
        for member in self.unique_members(members, path) {
            let key: &str = &member.key.text;
            let element_path = path.key(key);
            let value = &member.value;
            match key {
                "Sid" => sid = self.string(value, &element_path),
                "Effect" => effect = self.effect(value, &element_path),
                "Principal" | "NotPrincipal" => {
                    let parsed = self.principal(value, &element_path);
                    let clause = parsed.map(|p| match key {
                        "Principal" => PrincipalClause::Principal(p),
                        _ => PrincipalClause::NotPrincipal(p),
                    });
                    self.exclusive(
                        &mut principal,
                        clause,
                        member,
                        path,
                        ["Principal", "NotPrincipal"],
                    );
                }
                "Action" | "NotAction" => {
                    let parsed = self.values(value, &element_path);
                    let clause = parsed.map(|v| match key {
                        "Action" => ActionClause::Action(v),
                        _ => ActionClause::NotAction(v),
                    });
                    self.exclusive(&mut action, clause, member, path, ["Action", "NotAction"]);
                }
                "Resource" | "NotResource" => {
                    let parsed = self.values(value, &element_path);
                    let clause = parsed.map(|v| match key {
                        "Resource" => ResourceClause::Resource(v),
                        _ => ResourceClause::NotResource(v),
                    });
                    self.exclusive(
                        &mut resource,
                        clause,
                        member,
                        path,
                        ["Resource", "NotResource"],
                    );
                }
                "Condition" => condition = self.condition(value, &element_path),
                _ => self.unknown_element(member, &element_path, &STATEMENT_ELEMENTS),
            }
        }
        let has = |names: &[&str]| members.iter().any(|m| names.contains(&&*m.key.text));
        if !has(&["Effect"]) {
            self.error(
                PolicyErrorKind::Missing { element: "Effect" },
                path,
                node.offset,
            );
        }
        if !has(&["Action", "NotAction"]) {
            self.error(
                PolicyErrorKind::Missing { element: "Action" },
                path,
                node.offset,
            );
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Statement {
            sid,
            effect: effect?,
            principal: principal.flatten(),
            action: action.flatten()?,
            resource: resource.flatten(),
            condition,
            span,
        })
    }

    /// Stores `clause` in `slot` unless the other element of the pair was already there.
    /// `slot` is `Some(None)` once an element was seen but failed to parse.
    fn exclusive<T>(
        &mut self,
        slot: &mut Option<Option<T>>,
        clause: Option<T>,
        member: &Member<'_>,
        path: &Path<'_>,
        pair: [&'static str; 2],
    ) {
        if slot.is_some() {
            let second = if *member.key.text == *pair[0] {
                pair[0]
            } else {
                pair[1]
            };
            let first = if second == pair[0] { pair[1] } else { pair[0] };
            self.error(
                PolicyErrorKind::Conflicting { first, second },
                &path.key(&member.key.text),
                member.key_offset,
            );
            return;
        }
        *slot = Some(clause);
    }

    fn effect(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Effect> {
        let text = self.string(node, path)?;
        match text.as_str() {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            _ => {
                self.error(
                    PolicyErrorKind::InvalidEffect { found: text },
                    path,
                    node.offset,
                );
                None
            }
        }
    }

    /// A string or a non-empty list of strings.
    fn values(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Values> {
        match &node.kind {
            Kind::String(_) => self.string(node, path).map(Values::one),
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error(PolicyErrorKind::Empty { what: "list" }, path, node.offset);
                    return None;
                }
                let errors_before = self.errors.len();
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    if let Some(text) = self.string(item, &path.index(index)) {
                        values.push(text);
                    }
                }
                (self.errors.len() == errors_before).then(|| Values::list(values))
            }
            _ => {
                self.wrong_type("a string or a list of strings", node, path);
                None
            }
        }
    }

    fn principal(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Principal> {
        match &node.kind {
            Kind::String(text) if text.text == "*" => Some(Principal::Any),
            Kind::String(text) => {
                self.error(
                    PolicyErrorKind::InvalidPrincipalString {
                        found: text.text.to_string(),
                    },
                    path,
                    node.offset,
                );
                None
            }
            Kind::Object(members) => {
                if members.is_empty() {
                    self.error(
                        PolicyErrorKind::Empty {
                            what: "principal map",
                        },
                        path,
                        node.offset,
                    );
                    return None;
                }
                let mut typed = Vec::with_capacity(members.len());
                for member in self.unique_members(members, path) {
                    let key: &str = &member.key.text;
                    let member_path = path.key(key);
                    let principal_type = match key {
                        "AWS" => PrincipalType::Aws,
                        "Service" => PrincipalType::Service,
                        "Federated" => PrincipalType::Federated,
                        "CanonicalUser" => PrincipalType::CanonicalUser,
                        _ => {
                            self.error(
                                PolicyErrorKind::UnknownPrincipalType {
                                    found: key.to_string(),
                                },
                                &member_path,
                                member.key_offset,
                            );
                            continue;
                        }
                    };
                    if let Some(values) = self.values(&member.value, &member_path) {
                        typed.push((principal_type, values));
                    }
                }
                Some(Principal::Typed(typed))
            }
            _ => {
                self.wrong_type("`*` or a map of principal type to identifiers", node, path);
                None
            }
        }
    }

    fn condition(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<Condition> {
        let Kind::Object(members) = &node.kind else {
            self.wrong_type("a map of condition operators", node, path);
            return None;
        };
        let mut blocks = Vec::with_capacity(members.len());
        for member in self.unique_members(members, path) {
            let name: &str = &member.key.text;
            let block_path = path.key(name);
            let operator = parse_condition_operator(name);
            if operator.is_none() {
                self.error(
                    PolicyErrorKind::UnknownConditionOperator {
                        found: name.to_string(),
                        suggestion: suggest_condition_operator(name),
                    },
                    &block_path,
                    member.key_offset,
                );
            }
            let entries = self.condition_entries(&member.value, &block_path);
            if let (Some(operator), Some(entries)) = (operator, entries) {
                blocks.push(ConditionBlock { operator, entries });
            }
        }
        Some(Condition { blocks })
    }

    fn condition_entries(
        &mut self,
        node: &Node<'_>,
        path: &Path<'_>,
    ) -> Option<Vec<ConditionEntry>> {
        let Kind::Object(members) = &node.kind else {
            self.wrong_type("a map of condition keys to values", node, path);
            return None;
        };
        let mut entries = Vec::with_capacity(members.len());
        for member in self.unique_members(members, path) {
            let entry_path = path.key(&member.key.text);
            self.check_chars(&member.key, member.key_offset, &entry_path);
            let span = self.span(member.key_offset).unwrap_or_default();
            if let Some(values) = self.condition_values(&member.value, &entry_path) {
                entries.push(ConditionEntry {
                    key: member.key.text.to_string(),
                    values,
                    span,
                });
            }
        }
        Some(entries)
    }

    fn condition_values(
        &mut self,
        node: &Node<'_>,
        path: &Path<'_>,
    ) -> Option<Values<ConditionValue>> {
        match &node.kind {
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error(PolicyErrorKind::Empty { what: "list" }, path, node.offset);
                    return None;
                }
                let errors_before = self.errors.len();
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    if let Some(value) = self.condition_value(item, &path.index(index)) {
                        values.push(value);
                    }
                }
                (self.errors.len() == errors_before).then(|| Values::list(values))
            }
            _ => self.condition_value(node, path).map(Values::one),
        }
    }

    fn condition_value(&mut self, node: &Node<'_>, path: &Path<'_>) -> Option<ConditionValue> {
        match &node.kind {
            Kind::String(_) => self.string(node, path).map(ConditionValue::String),
            Kind::Bool(value) => Some(ConditionValue::Bool(*value)),
            Kind::Number(text) => Some(ConditionValue::Number(text.to_string())),
            _ => {
                self.wrong_type("a string, boolean, number or a list of them", node, path);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PrincipalType;

    fn errors(text: &str) -> Vec<String> {
        match parse_policy(text) {
            Ok(document) => panic!("expected errors, parsed {document:?}"),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn parses_every_form_of_the_grammar() {
        let text = r#"{
  "Version": "2008-10-17",
  "Id": "doc",
  "Statement": [
    {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Effect": "Deny", "NotPrincipal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:role/r"],
       "Service": "ec2.amazonaws.com", "Federated": "cognito-identity.amazonaws.com", "CanonicalUser": "abc"},
     "NotAction": ["iam:*"], "NotResource": ["arn:aws:iam::*:role/x"],
     "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
                   "Bool": {"aws:SecureTransport": false}, "NumericLessThan": {"s3:max-keys": 10},
                   "ForAllValues:StringEquals": {"aws:TagKeys": "x"}}}
  ]
}"#;
        let document = parse_policy(text).unwrap();
        assert_eq!(document.version, Some(Version::V2008_10_17));
        assert_eq!(document.id.as_deref(), Some("doc"));
        assert!(!document.statement_is_object);
        let [first, second] = document.statements.as_slice() else {
            panic!("two statements expected");
        };
        assert_eq!(first.sid.as_deref(), Some("A"));
        assert_eq!(first.span, Span { line: 5, column: 5 });
        assert_eq!(
            first.principal,
            Some(PrincipalClause::Principal(Principal::Any))
        );
        assert_eq!(
            first.action,
            ActionClause::Action(Values::one("s3:GetObject".into()))
        );
        let Some(PrincipalClause::NotPrincipal(principal)) = &second.principal else {
            panic!("not principal expected");
        };
        assert_eq!(
            principal.aws_arns().collect::<Vec<_>>(),
            [
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::444455556666:role/r"
            ]
        );
        assert_eq!(
            principal.aws_account_ids().collect::<Vec<_>>(),
            ["111122223333", "444455556666"]
        );
        assert_eq!(
            principal.service_ids().collect::<Vec<_>>(),
            ["ec2.amazonaws.com"]
        );
        assert_eq!(principal.ids(PrincipalType::CanonicalUser).count(), 1);
        assert!(second.action.is_not());
        assert!(second.resource.as_ref().unwrap().is_not());
        let condition = second.condition.as_ref().unwrap();
        assert_eq!(condition.blocks.len(), 4);
        let first_block = &condition.blocks[0];
        assert_eq!(
            first_block.operator.qualifier,
            Some(SetQualifier::ForAnyValue)
        );
        assert_eq!(first_block.operator.base, "StringLike");
        assert!(first_block.operator.if_exists);
        assert_eq!(
            first_block.entries[0].span,
            Span {
                line: 9,
                column: 55
            }
        );
        assert_eq!(
            condition.blocks[1].entries[0].values,
            Values::one(ConditionValue::Bool(false))
        );
        assert_eq!(
            condition.blocks[2].entries[0].values,
            Values::one(ConditionValue::Number("10".into()))
        );
    }

    #[test]
    fn statement_object_and_missing_version() {
        let document =
            parse_policy(r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}}"#)
                .unwrap();
        assert_eq!(document.version, None);
        assert!(document.statement_is_object);
        assert!(document.statements[0].resource.is_none());
    }

    #[test]
    fn reports_effect_with_path_line_and_column() {
        let text = "{\"Statement\": [\n  {\"Effect\": \"allow\", \"Action\": \"s3:GetObject\"}]}";
        assert_eq!(
            errors(text),
            ["2:14: `Statement[0].Effect`: effect must be `Allow` or `Deny`, found `allow`"]
        );
    }

    #[test]
    fn collects_every_error_in_one_pass() {
        let text = r#"{"Version":"2012-10-18","Statment":[],"Statement":[
{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":[],"Resource":"x"},
{"Action":["a:b",1],"Principal":"me","Condition":{"StringEqualz":{"k":"v"},"Bool":{"k":null}}},
{"effect":"Deny","Effect":"Deny","Action":"a:b","Sid":"\u4e2d"}]}"#;
        let found = errors(text);
        let expected = [
            "1:12: `Version`: version must be `2012-10-17` or `2008-10-17`, found `2012-10-18`",
            "1:25: `Statment`: unknown element `Statment`, expected one of `Version`, `Id`, `Statement`",
            "2:66: `Statement[0].Resource`: duplicate key `Resource`",
            "2:34: `Statement[0].NotAction`: `Action` and `NotAction` cannot both appear in one statement",
            "2:63: `Statement[0].Resource`: list must not be empty",
            "3:18: `Statement[1].Action[1]`: expected a string, found a number",
            "3:33: `Statement[1].Principal`: principal string must be `*`, found `me`; name principals in a map such as {\"AWS\": …}",
            "3:51: `Statement[1].Condition.StringEqualz`: unknown condition operator `StringEqualz`",
            "3:88: `Statement[1].Condition.Bool.k`: expected a string, boolean, number or a list of them, found null",
            "3:1: `Statement[1]`: missing `Effect`",
            "4:2: `Statement[2].effect`: unknown element `effect`, expected one of `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`, `NotResource`, `Condition` (did you mean `Effect`?)",
            "4:55: `Statement[2].Sid`: character u+4e2d is not allowed in policy documents (allowed: tab, lf, cr, u+0020 to u+00ff)",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn rejects_missing_and_empty_elements() {
        assert_eq!(errors("{}"), ["1:1: missing `Statement`"]);
        assert_eq!(errors("[]"), ["1:1: expected an object, found a list"]);
        assert_eq!(
            errors(r#"{"Statement":[]}"#),
            ["1:14: `Statement`: statement list must not be empty"]
        );
        assert_eq!(
            errors(r#"{"Statement":{"Effect":"Allow"}}"#),
            ["1:14: `Statement`: missing `Action`"]
        );
        assert_eq!(
            errors(r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{}}}"#),
            ["1:59: `Statement.Principal`: principal map must not be empty"]
        );
        assert_eq!(
            errors(r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"aws":"1"}}}"#),
            [
                "1:60: `Statement.Principal.aws`: unknown principal type `aws`, expected one of `AWS`, `Service`, `Federated`, `CanonicalUser`"
            ]
        );
        assert_eq!(
            errors(r#"{"Statement":{"Effect":true,"Action":"a:b"}}"#),
            ["1:24: `Statement.Effect`: expected a string, found a boolean"]
        );
    }

    #[test]
    fn json_errors_have_positions() {
        assert_eq!(
            errors("{\n  \"Statement\": [\n}"),
            ["3:1: invalid json: expected a json value, found `}`"]
        );
        let errs = parse_policy("{\"Statement\" 1}").unwrap_err();
        assert_eq!(
            errs.in_file("p.json").to_string(),
            "p.json:1:14: invalid json: expected `:`, found `1`"
        );
    }

    #[test]
    fn latin1_is_allowed_and_condition_keys_with_dots_are_quoted() {
        assert!(
            parse_policy(r#"{"Statement":{"Sid":"café","Effect":"Allow","Action":"a:b"}}"#).is_ok()
        );
        let found = errors(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"StringEquals":{"aws:RequestTag/a.b":[]}}}}"#,
        );
        assert_eq!(
            found,
            [
                "1:97: `Statement.Condition.StringEquals[\"aws:RequestTag/a.b\"]`: list must not be empty"
            ]
        );
    }

    #[test]
    fn parse_value_reports_paths_without_spans() {
        let value =
            serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": 5}]});
        let errs = parse_value(&value).unwrap_err();
        assert_eq!(errs.errors[0].span, None);
        assert_eq!(
            errs.to_string(),
            "`Statement[0].Resource`: expected a string or a list of strings, found a number"
        );
        let ok = serde_json::json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["a:b"]}});
        let document = parse_value(&ok).unwrap();
        assert_eq!(document.to_json(), ok);
        assert_eq!(document.statements[0].span, Span::default());
    }

    #[test]
    fn operator_names() {
        let operator =
            parse_condition_operator("ForAllValues:StringNotEqualsIgnoreCaseIfExists").unwrap();
        assert_eq!(operator.base, "StringNotEqualsIgnoreCase");
        assert!(operator.is_negated());
        assert_eq!(
            operator.to_string(),
            "ForAllValues:StringNotEqualsIgnoreCaseIfExists"
        );
        assert!(parse_condition_operator("NullIfExists").is_none());
        assert_eq!(suggest_condition_operator("NullIfExists"), None);
        assert_eq!(suggest_condition_operator("nullifexists"), None);
        assert_eq!(
            suggest_condition_operator("stringequalsifexists").as_deref(),
            Some("StringEqualsIfExists")
        );
        assert!(parse_condition_operator("ForAllValues:").is_none());
        assert!(parse_condition_operator("stringEquals").is_none());
        assert_eq!(
            suggest_condition_operator("forallvalues:stringequalsifexists").as_deref(),
            Some("ForAllValues:StringEqualsIfExists")
        );
        let errors = parse_policy(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"stringEquals":{"k":"v"}}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            errors.to_string(),
            "1:60: `Statement.Condition.stringEquals`: unknown condition operator `stringEquals` (did you mean `StringEquals`?)"
        );
    }
}
