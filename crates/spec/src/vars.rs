//! `${name}` variables in definition strings: scanning, checking and substitution.
//!
//! AWS policy variables (anything containing `:`, e.g. `${aws:username}`) and the escapes
//! `${*}`, `${?}`, `${$}` are IAM's own and pass through untouched.

use std::collections::BTreeMap;

/// Built-in variables, resolved from the account and organization. `partition` is the
/// partition of the home region (`aws`, `aws-cn`, `aws-us-gov`, …), for ARNs written by hand.
pub const BUILTIN: [&str; 7] = [
    "account_id",
    "account_name",
    "org_id",
    "region",
    "partition",
    "project",
    "environment",
];

/// Built-ins that depend on the account; SCPs are rendered once and cannot use them.
pub const ACCOUNT_SCOPED: [&str; 4] = ["account_id", "account_name", "project", "environment"];

/// A `${name}` reference inside a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Offset in characters of the `$` within the string.
    pub char_offset: usize,
}

/// A `${…}` that is neither a Warden variable, an AWS policy variable nor an escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub text: String,
    pub char_offset: usize,
    pub reason: &'static str,
}

enum Piece<'a> {
    Literal(&'a str),
    Var(VarRef),
}

/// Splits `text` into literals and Warden variables; IAM's own `${…}` stay literal.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, Malformed> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut consumed_chars = 0;
    while let Some(start) = rest.find("${") {
        let char_offset = consumed_chars + rest[..start].chars().count();
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(Malformed {
                text: rest[start..].to_owned(),
                char_offset,
                reason: "missing `}`",
            });
        };
        let inner = &after[..end];
        let whole = &rest[..start + 2 + end + 1];
        if is_passthrough(inner) {
            out.push(Piece::Literal(whole));
        } else if is_name(inner) {
            out.push(Piece::Literal(&rest[..start]));
            out.push(Piece::Var(VarRef {
                name: inner.to_owned(),
                char_offset,
            }));
        } else {
            return Err(Malformed {
                text: rest[start..start + 2 + end + 1].to_owned(),
                char_offset,
                reason: "a variable name is letters, digits and `_`",
            });
        }
        consumed_chars += whole.chars().count();
        rest = &rest[whole.len()..];
    }
    out.push(Piece::Literal(rest));
    Ok(out)
}

fn is_passthrough(inner: &str) -> bool {
    matches!(inner, "*" | "?" | "$") || inner.contains(':')
}

fn is_name(inner: &str) -> bool {
    let mut chars = inner.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Warden variables referenced in `text`.
pub fn references(text: &str) -> Result<Vec<VarRef>, Malformed> {
    Ok(pieces(text)?
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Var(var) => Some(var),
            Piece::Literal(_) => None,
        })
        .collect())
}

/// Replaces every Warden variable; returns the references without a value on failure.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> Result<String, Vec<VarRef>> {
    let pieces = pieces(text).map_err(|malformed| {
        vec![VarRef {
            name: malformed.text,
            char_offset: malformed.char_offset,
        }]
    })?;
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Literal(literal) => out.push_str(literal),
            Piece::Var(var) => match values.get(&var.name) {
                Some(value) => out.push_str(value),
                None => missing.push(var),
            },
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("account_id".to_owned(), "111122223333".to_owned()),
            ("team".to_owned(), "payments".to_owned()),
        ])
    }

    #[test]
    fn substitutes_warden_variables_and_keeps_iam_ones() {
        let text = "arn:aws:s3:::${team}-${account_id}/${aws:username}/${*}${?}${$}/${aws:PrincipalTag/x, 'd'}";
        assert_eq!(
            substitute(text, &values()).unwrap(),
            "arn:aws:s3:::payments-111122223333/${aws:username}/${*}${?}${$}/${aws:PrincipalTag/x, 'd'}"
        );
    }

    #[test]
    fn reports_missing_variables_with_character_offsets() {
        let missing = substitute("é-${nope}-${team}-${other}", &values()).unwrap_err();
        assert_eq!(
            missing,
            vec![
                VarRef {
                    name: "nope".into(),
                    char_offset: 2
                },
                VarRef {
                    name: "other".into(),
                    char_offset: 18
                },
            ]
        );
    }

    #[test]
    fn malformed_variables_are_reported() {
        let err = references("x-${not valid}").unwrap_err();
        assert_eq!(err.text, "${not valid}");
        assert_eq!(err.char_offset, 2);
        assert_eq!(references("${open").unwrap_err().reason, "missing `}`");
    }

    #[test]
    fn text_without_variables_is_unchanged() {
        assert_eq!(
            substitute("plain $ {x} text", &values()).unwrap(),
            "plain $ {x} text"
        );
        assert!(references("plain").unwrap().is_empty());
    }
}
