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

/// Lists the policy variables in `text` (escapes excluded). An unterminated `${` is literal.
pub fn variables(text: &str) -> Vec<Variable<'_>> {
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
    if !text.contains("${") {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
