//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, with an optional default
//! `${aws:PrincipalTag/team, 'none'}`. The escapes `${*}`, `${?}` and `${$}` are left as they
//! are so wildcard matching ([`crate::wildcard`]) can turn them into literal characters.
//!
//! Variables are substituted only in `Version` 2012-10-17 documents; under 2008-10-17 the text
//! is literal (see [`crate::PolicyDocument::supports_variables`]).

use crate::err::MissingVariable;

/// One `${…}` occurrence in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable<'a> {
    /// The key, trimmed, e.g. `aws:username`.
    pub key: &'a str,
    /// The default after `, '…'`, if any.
    pub default: Option<&'a str>,
    /// Byte range of the whole `${…}` in the text.
    pub range: std::ops::Range<usize>,
}

/// Whether `${…}` is one of the escapes for `*`, `?` and `$`.
fn is_escape(inner: &str) -> bool {
    matches!(inner, "*" | "?" | "$")
}

/// Does `text` contain `${`, the opening of a policy variable or escape? Asked of nearly every
/// string of every policy, most of them short and without a `$`: one byte search, not a
/// substring searcher built per call.
pub fn has_opening(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'$', bytes).any(|at| bytes.get(at + 1) == Some(&b'{'))
}

/// Lists the policy variables in `text` (escapes excluded). An unterminated `${` is literal.
pub fn variables(text: &str) -> Vec<Variable<'_>> {
    if !has_opening(text) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut search_from = 0;
    while let Some(relative) = text[search_from..].find("${") {
        let start = search_from + relative;
        let Some(close) = text[start + 2..].find('}') else {
            break;
        };
        let end = start + 2 + close + 1;
        let inner = &text[start + 2..end - 1];
        if !is_escape(inner) {
            let (key, default) = split_default(inner);
            found.push(Variable {
                key,
                default,
                range: start..end,
            });
        }
        search_from = end;
    }
    found
}

/// Splits `key, 'default'` (spaces around the parts are ignored, as IAM does).
fn split_default(inner: &str) -> (&str, Option<&str>) {
    if let Some((key, rest)) = inner.split_once(',') {
        let rest = rest.trim();
        if let Some(default) = rest
            .strip_prefix('\'')
            .and_then(|quoted| quoted.strip_suffix('\''))
        {
            return (key.trim(), Some(default));
        }
    }
    (inner.trim(), None)
}

/// Replaces every policy variable with `lookup(key)`, or its default when the lookup gives
/// nothing. Escapes stay as written. Substitution happens once: values are not re-scanned.
pub fn substitute(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, MissingVariable> {
    if !has_opening(text) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    for variable in variables(text) {
        out.push_str(&text[copied_up_to..variable.range.start]);
        match (lookup(variable.key), variable.default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(MissingVariable {
                    name: variable.key.to_string(),
                });
            }
        }
        copied_up_to = variable.range.end;
    }
    out.push_str(&text[copied_up_to..]);
    Ok(out)
}

/// What is wrong with a `${…}` written in a text, as IAM Access Analyzer's policy checks name it
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html:
/// "Missing brace in variable", "Unsupported symbol in variable", "Missing quote in variable",
/// "Unsupported space in variable", "Empty variable").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableProblem {
    /// `${aws:username` with no closing `}` (or another `${` before it).
    MissingBrace,
    /// A character no variable name has, e.g. `${aws:user#name}`.
    UnsupportedSymbol(char),
    /// A default not written between single quotes: `${aws:PrincipalTag/team, none}`.
    MissingQuote,
    /// A space inside the name: `${aws:PrincipalTag/cost center}`.
    UnsupportedSpace,
    /// `${}` or `${ }`.
    Empty,
}

impl VariableProblem {
    /// The problem in words, lowercase, for messages.
    pub fn describe(self) -> String {
        match self {
            VariableProblem::MissingBrace => "has no closing `}`".to_string(),
            VariableProblem::UnsupportedSymbol(symbol) => {
                format!("contains `{symbol}`, which no variable name has")
            }
            VariableProblem::MissingQuote => {
                "has a default that is not between single quotes (`, 'default'`)".to_string()
            }
            VariableProblem::UnsupportedSpace => "has a space inside its name".to_string(),
            VariableProblem::Empty => "names no variable".to_string(),
        }
    }
}

/// One malformed `${…}` of a text: the problem and the text of the variable as written (up to
/// the end of the text when the brace is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedVariable<'a> {
    /// What is wrong.
    pub problem: VariableProblem,
    /// The variable as written, from `${`.
    pub written: &'a str,
}

/// The first malformed policy variable of `text`, if any. Escapes (`${*}`, `${?}`, `${$}`) are
/// well formed; spaces around the name and the default are allowed, as IAM ignores them. Names
/// are letters, digits and `: / - _ . @ + =` (service prefixes, key names, tag keys). A text
/// without `${` is answered without looking further.
pub fn malformed_variable(text: &str) -> Option<MalformedVariable<'_>> {
    if !has_opening(text) {
        return None;
    }
    let mut search_from = 0;
    while let Some(relative) = text.get(search_from..)?.find("${") {
        let start = search_from + relative;
        let body = &text[start + 2..];
        let close = body.find('}');
        let next_open = body.find("${");
        let Some(close) = close.filter(|close| next_open.is_none_or(|open| open > *close)) else {
            let end = next_open.map_or(text.len(), |open| start + 2 + open);
            return Some(MalformedVariable {
                problem: VariableProblem::MissingBrace,
                written: &text[start..end],
            });
        };
        let end = start + 2 + close + 1;
        let inner = &body[..close];
        search_from = end;
        if is_escape(inner) {
            continue;
        }
        if let Some(problem) = inner_problem(inner) {
            return Some(MalformedVariable {
                problem,
                written: &text[start..end],
            });
        }
    }
    None
}

/// What is wrong with the text between `${` and `}`, if anything.
fn inner_problem(inner: &str) -> Option<VariableProblem> {
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => (name.trim(), Some(default.trim())),
        None => (inner.trim(), None),
    };
    if name.is_empty() {
        return Some(VariableProblem::Empty);
    }
    for symbol in name.chars() {
        if symbol.is_whitespace() {
            return Some(VariableProblem::UnsupportedSpace);
        }
        if !(symbol.is_ascii_alphanumeric() || ":/-_.@+=".contains(symbol)) {
            return Some(VariableProblem::UnsupportedSymbol(symbol));
        }
    }
    match default {
        Some(default)
            if default.len() < 2 || !default.starts_with('\'') || !default.ends_with('\'') =>
        {
            Some(VariableProblem::MissingQuote)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_is_a_dollar_then_a_brace() {
        for text in [
            "",
            "$",
            "{",
            "${",
            "$$",
            "$}{",
            "a$b{",
            "a$${x}",
            "arn:aws:s3:::b/${aws:username}",
            "\u{e9}${",
            "${\u{e9}",
            "$\u{e9}{",
            "x$",
        ] {
            assert_eq!(has_opening(text), text.contains("${"), "{text}");
        }
    }

    fn context(key: &str) -> Option<String> {
        match key.to_ascii_lowercase().as_str() {
            "aws:username" => Some("alice".into()),
            "aws:principaltag/team" => Some("red".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_variables_and_keeps_escapes() {
        let text = "arn:aws:s3:::b/${aws:username}/${aws:PrincipalTag/team}/${*}${?}${$}*";
        assert_eq!(
            substitute(text, context).unwrap(),
            "arn:aws:s3:::b/alice/red/${*}${?}${$}*"
        );
    }

    #[test]
    fn defaults_apply_only_when_missing() {
        assert_eq!(
            substitute(
                "${aws:PrincipalTag/dept, 'none'}-${aws:username, 'x'}",
                context
            )
            .unwrap(),
            "none-alice"
        );
        assert_eq!(
            substitute("${ aws:PrincipalTag/dept ,  'a b' }", context).unwrap(),
            "a b"
        );
    }

    #[test]
    fn missing_variable_is_an_error() {
        let err = substitute("${aws:PrincipalTag/dept}", context).unwrap_err();
        assert_eq!(err.name, "aws:PrincipalTag/dept");
        assert_eq!(
            err.to_string(),
            "policy variable `aws:PrincipalTag/dept` has no value and no default"
        );
    }

    #[test]
    fn substitution_is_not_recursive_and_unterminated_is_literal() {
        let lookup = |_: &str| Some("${aws:username}".to_string());
        assert_eq!(substitute("${a}", lookup).unwrap(), "${aws:username}");
        assert_eq!(substitute("a${b", context).unwrap(), "a${b");
        assert_eq!(variables("x${a}y${*}z${b, 'c'}").len(), 2);
    }

    #[test]
    fn malformed_variables_are_named() {
        let problem = |text: &str| malformed_variable(text).map(|found| found.problem);
        for fine in [
            "arn:aws:s3:::b/${aws:username}/*",
            "${aws:PrincipalTag/team, 'company-wide'}",
            "${ aws:PrincipalTag/dept ,  'a b' }",
            "${*}${?}${$}",
            "a $ b } c",
            "${cognito-identity.amazonaws.com:sub}",
            "${aws:PrincipalTag/a+b=c@d_e.f}",
            "",
        ] {
            assert_eq!(problem(fine), None, "{fine}");
        }
        assert_eq!(
            problem("arn:aws:s3:::b/${aws:username"),
            Some(VariableProblem::MissingBrace)
        );
        let unclosed = malformed_variable("x/${aws:username/${aws:userid}").unwrap();
        assert_eq!(unclosed.problem, VariableProblem::MissingBrace);
        assert_eq!(unclosed.written, "${aws:username/");
        assert_eq!(problem("b/${ }/x"), Some(VariableProblem::Empty));
        assert_eq!(problem("${}"), Some(VariableProblem::Empty));
        assert_eq!(
            problem("${aws:user#name}"),
            Some(VariableProblem::UnsupportedSymbol('#'))
        );
        assert_eq!(
            problem("${aws:PrincipalTag/cost center}"),
            Some(VariableProblem::UnsupportedSpace)
        );
        for unquoted in [
            "${aws:PrincipalTag/team, none}",
            "${aws:PrincipalTag/team, 'none}",
            "${aws:PrincipalTag/team, '}",
        ] {
            assert_eq!(
                problem(unquoted),
                Some(VariableProblem::MissingQuote),
                "{unquoted}"
            );
        }
        // The first problem is reported, with the variable as written.
        let found = malformed_variable("${aws:username}-${ }-${a b}").unwrap();
        assert_eq!(
            (found.problem, found.written),
            (VariableProblem::Empty, "${ }")
        );
        assert_eq!(
            VariableProblem::UnsupportedSymbol('#').describe(),
            "contains `#`, which no variable name has"
        );
    }
}
