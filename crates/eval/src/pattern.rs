//! Policy-variable templates over warden-policy's compiled wildcard patterns, matched without
//! allocating.
//!
//! `*` matches any run of characters (including none, and across `:` and `/`), `?` exactly one
//! character. `${*}`, `${?}` and `${$}` are literal escapes. Policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`) are resolved from the request context; a value
//! substituted from the context is always literal (a `*` in a user name is not a wildcard).

use std::borrow::Cow;

pub(crate) use warden_policy::wildcard::Pattern;
use warden_policy::wildcard::{AsSegmentRef, Case, Segment, SegmentRef, match_segments, segments};

use crate::request::{Context, key_hash};

/// A piece of a template: literal pattern text or a policy variable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Pattern text, wildcards and escapes still in it.
    Text(Box<str>),
    Variable {
        /// Lowercased context key.
        key: Box<str>,
        hash: u64,
        default: Option<Box<str>>,
    },
}

/// A pattern or value that contains policy variables, resolved per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Box<[Piece]>,
    /// The pieces tokenized, variables as placeholders: matched without allocating.
    tokens: Box<[TemplateToken]>,
    wildcards: bool,
    lowercase: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TemplateToken {
    Token(Segment),
    /// Index into `pieces` of a `Piece::Variable`.
    Variable(usize),
}

/// Templates with more tokens than this are resolved by building a pattern.
const MAX_STACK_TOKENS: usize = 24;

/// A compiled pattern, static or needing substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matcher {
    Static(Pattern),
    Template(Template),
}

impl Matcher {
    /// `variables` is false for documents without `Version: 2012-10-17`, where `${…}` is literal.
    pub(crate) fn compile(
        text: &str,
        wildcards: bool,
        lowercase: bool,
        variables: bool,
    ) -> Matcher {
        if variables && let Some(template) = Template::parse(text, wildcards, lowercase) {
            return Matcher::Template(template);
        }
        Matcher::Static(Pattern::compile(text, wildcards, lowercase))
    }

    /// Matches `text`; `None` when a policy variable has no value in the context (the caller
    /// treats that as "does not match").
    pub(crate) fn matches(&self, text: &str, context: &Context) -> Option<bool> {
        match self {
            Matcher::Static(pattern) => Some(pattern.matches(text)),
            Matcher::Template(template) => template.matches(text, context),
        }
    }

    /// Resolves to a concrete pattern (borrowed when static).
    pub(crate) fn resolve<'a>(&'a self, context: &Context) -> Option<Cow<'a, Pattern>> {
        match self {
            Matcher::Static(pattern) => Some(Cow::Borrowed(pattern)),
            Matcher::Template(template) => template.resolve(context).map(Cow::Owned),
        }
    }
}

impl Template {
    /// `None` when `text` has no policy variable.
    fn parse(text: &str, wildcards: bool, lowercase: bool) -> Option<Template> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut any_variable = false;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let inner = &after[..end];
            literal.push_str(&rest[..start]);
            if matches!(inner, "*" | "?" | "$") {
                // Escape: keep it for the pattern tokenizer.
                literal.push_str(&rest[start..start + 3 + end]);
            } else {
                any_variable = true;
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal).into_boxed_str()));
                }
                let (key, default) = split_default(inner);
                pieces.push(Piece::Variable {
                    key: key.to_lowercase().into_boxed_str(),
                    hash: key_hash(&key.to_lowercase()),
                    default: default.map(Into::into),
                });
            }
            rest = &after[end + 1..];
        }
        if !any_variable {
            return None;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal.into_boxed_str()));
        }
        let mut tokens = Vec::new();
        for (index, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Text(text) => {
                    let text = if lowercase {
                        text.to_lowercase()
                    } else {
                        text.to_string()
                    };
                    tokens.extend(
                        segments(&text, wildcards)
                            .into_iter()
                            .map(TemplateToken::Token),
                    );
                }
                Piece::Variable { .. } => tokens.push(TemplateToken::Variable(index)),
            }
        }
        Some(Template {
            pieces: pieces.into_boxed_slice(),
            tokens: tokens.into_boxed_slice(),
            wildcards,
            lowercase,
        })
    }

    /// The value of variable piece `index`, or its default.
    fn variable<'a>(&'a self, index: usize, context: &'a Context) -> Option<&'a str> {
        let Some(Piece::Variable { key, hash, default }) = self.pieces.get(index) else {
            return None;
        };
        context.single_hashed(*hash, key).or(default.as_deref())
    }

    /// Matches with the variables substituted as literals, on the stack when the template is
    /// small and case-sensitive.
    fn matches(&self, text: &str, context: &Context) -> Option<bool> {
        if self.lowercase || self.tokens.len() > MAX_STACK_TOKENS {
            return Some(self.resolve(context)?.matches(text));
        }
        let mut stack = [SegmentRef::AnyRun; MAX_STACK_TOKENS];
        for (slot, token) in stack.iter_mut().zip(self.tokens.iter()) {
            *slot = match token {
                TemplateToken::Token(segment) => segment.as_segment_ref(),
                TemplateToken::Variable(index) => {
                    SegmentRef::Literal(self.variable(*index, context)?)
                }
            };
        }
        Some(match_segments(
            &stack[..self.tokens.len()],
            text,
            Case::Sensitive,
        ))
    }

    /// Substitutes the variables; values from the context are escaped so they stay literal.
    fn resolve(&self, context: &Context) -> Option<Pattern> {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::Variable { key, hash, default } => {
                    let value = match context.single_hashed(*hash, key) {
                        Some(value) => value,
                        None => default.as_deref()?,
                    };
                    escape_into(value, &mut text);
                }
            }
        }
        Some(Pattern::compile(&text, self.wildcards, self.lowercase))
    }
}

/// `aws:username, 'fallback'` → (`aws:username`, `fallback`).
fn split_default(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default);
            (key.trim(), Some(default))
        }
        None => (inner.trim(), None),
    }
}

fn escape_into(value: &str, out: &mut String) {
    for ch in value.chars() {
        match ch {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_substitute_and_escape() {
        let context = Context::from_pairs([("aws:username", vec!["j*e".to_string()])]);
        let matcher = Matcher::compile("arn:aws:s3:::b/${aws:username}/*", true, false, true);
        assert_eq!(
            matcher.matches("arn:aws:s3:::b/j*e/k", &context),
            Some(true)
        );
        // The `*` in the user name is literal.
        assert_eq!(
            matcher.matches("arn:aws:s3:::b/jXe/k", &context),
            Some(false)
        );
        let missing = Matcher::compile("${aws:userid}", true, false, true);
        assert_eq!(missing.matches("x", &context), None);
        let defaulted = Matcher::compile("${aws:userid, 'none'}", true, false, true);
        assert_eq!(defaulted.matches("none", &context), Some(true));
        let literal = Matcher::compile("${aws:username}", true, false, false);
        assert_eq!(literal.matches("${aws:username}", &context), Some(true));
    }
}
