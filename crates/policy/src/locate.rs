//! Finding where an element is written: JSON path → line and column, for diagnostics about
//! elements the model keeps no span for (one action, one resource, one principal).

use crate::json::{self, Kind, Locator, Node};
use crate::model::Span;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Splits a path in the format of [`crate::PolicyError::path`] (`Statement[2].Action[0]`,
/// `Condition.StringEquals["aws:RequestTag/a.b"]`). `None` when it is malformed.
pub fn parse_path(path: &str) -> Option<Vec<PathSegment>> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let (key, after) = quoted_key(after)?;
            segments.push(PathSegment::Key(key));
            rest = after.strip_prefix(']')?;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            segments.push(PathSegment::Index(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        } else {
            let rest_key = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_key.find(['.', '[']).unwrap_or(rest_key.len());
            if end == 0 {
                return None;
            }
            segments.push(PathSegment::Key(rest_key[..end].to_string()));
            rest = &rest_key[end..];
        }
    }
    Some(segments)
}

/// Reads a `"`-terminated key with `\"` and `\\` escapes; returns it and what follows.
fn quoted_key(text: &str) -> Option<(String, &str)> {
    let mut key = String::new();
    let mut chars = text.char_indices();
    while let Some((index, character)) = chars.next() {
        match character {
            '"' => return Some((key, &text[index + 1..])),
            '\\' => key.push(chars.next()?.1),
            other => key.push(other),
        }
    }
    None
}

/// Where the element at `path` starts in `text` (policy JSON). Lenient so that callers can
/// always use list paths: index 0 on a non-list (`Statement` written as one object, `Action`
/// as one string) means the value itself. `None` when the text is not JSON or nothing is
/// there; for a duplicated key, the first occurrence.
pub fn locate(text: &str, path: &str) -> Option<Span> {
    let root = json::parse(text).ok()?;
    let segments = parse_path(path)?;
    let node = walk(&root, &segments)?;
    let offset = usize::try_from(node.offset?).ok()?;
    Some(Locator::new(text).span(offset))
}

/// A key written more than once in one JSON object. serde_json silently keeps the last value,
/// so callers that decode with serde_json check for these first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON path of the repeated key, in the format of [`crate::PolicyError::path`].
    pub path: String,
    /// The key as written.
    pub key: String,
    /// Where the repeated (second or later) occurrence is written.
    pub span: Span,
}

/// Every repeated key in `text` (any JSON document, not only policies), in source order.
/// Empty when the text is not JSON: the caller's own parser reports that.
pub fn duplicate_keys(text: &str) -> Vec<DuplicateKey> {
    let Ok(root) = json::parse(text) else {
        return Vec::new();
    };
    let mut locator = Locator::new(text);
    let mut found = Vec::new();
    collect_duplicates(&root, &mut String::new(), &mut locator, &mut found);
    found
}

fn collect_duplicates(
    node: &Node<'_>,
    path: &mut String,
    locator: &mut Locator<'_>,
    found: &mut Vec<DuplicateKey>,
) {
    let parent_len = path.len();
    match &node.kind {
        Kind::Object(members) => {
            for (index, member) in members.iter().enumerate() {
                push_key(path, &member.key.text);
                let repeated = members[..index]
                    .iter()
                    .any(|seen| seen.key.text == member.key.text);
                if repeated && let Some(offset) = member.key_offset {
                    found.push(DuplicateKey {
                        path: path.clone(),
                        key: member.key.text.to_string(),
                        span: locator.span(usize::try_from(offset).unwrap_or(usize::MAX)),
                    });
                }
                collect_duplicates(&member.value, path, locator, found);
                path.truncate(parent_len);
            }
        }
        Kind::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push_str(&format!("[{index}]"));
                collect_duplicates(item, path, locator, found);
                path.truncate(parent_len);
            }
        }
        _ => {}
    }
}

/// Appends `key` to a JSON path: `.key`, or `["key"]` when it holds characters a path uses.
pub(crate) fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && !key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace());
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{key:?}]"));
    }
}

fn walk<'n, 'a>(node: &'n Node<'a>, segments: &[PathSegment]) -> Option<&'n Node<'a>> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(node);
    };
    let next = match (first, &node.kind) {
        (PathSegment::Key(key), Kind::Object(members)) => {
            &members.iter().find(|m| m.key.text == key.as_str())?.value
        }
        (PathSegment::Index(index), Kind::Array(items)) => items.get(*index)?,
        (PathSegment::Index(0), _) => node,
        _ => return None,
    };
    walk(next, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "Statement": {
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"StringEquals": {"aws:RequestTag/a.b": "x"}}
  }
}"#;

    #[test]
    fn parses_paths_as_errors_render_them() {
        assert_eq!(
            parse_path("Statement[2].Condition.StringEquals[\"aws:RequestTag/a.b\"]").unwrap(),
            [
                PathSegment::Key("Statement".into()),
                PathSegment::Index(2),
                PathSegment::Key("Condition".into()),
                PathSegment::Key("StringEquals".into()),
                PathSegment::Key("aws:RequestTag/a.b".into()),
            ]
        );
        assert_eq!(parse_path("").unwrap(), []);
        assert!(parse_path("Statement[x]").is_none());
        assert!(parse_path("a..b").is_none());
    }

    #[test]
    fn locates_elements_leniently() {
        assert_eq!(
            locate(TEXT, "Statement[0].Action[1]"),
            Some(Span {
                line: 4,
                column: 32
            })
        );
        // `Resource` is a bare string and `Statement` a bare object: index 0 is the value.
        assert_eq!(
            locate(TEXT, "Statement[0].Resource[0]"),
            Some(Span {
                line: 5,
                column: 17
            })
        );
        assert_eq!(
            locate(
                TEXT,
                "Statement.Condition.StringEquals[\"aws:RequestTag/a.b\"]"
            ),
            Some(Span {
                line: 6,
                column: 58
            })
        );
        assert_eq!(locate(TEXT, "Statement[1]"), None);
        assert_eq!(locate(TEXT, "Statement.Missing"), None);
        assert_eq!(locate("not json", "Statement"), None);
    }

    #[test]
    fn finds_repeated_keys_at_any_depth() {
        let text =
            "{\"a\": [{\"Effect\": \"Deny\",\n \"Effect\": \"Allow\"}],\n \"b.c\": 1, \"b.c\": 2}";
        let found = duplicate_keys(text);
        assert_eq!(
            found,
            [
                DuplicateKey {
                    path: "a[0].Effect".into(),
                    key: "Effect".into(),
                    span: Span { line: 2, column: 2 },
                },
                DuplicateKey {
                    path: "[\"b.c\"]".into(),
                    key: "b.c".into(),
                    span: Span {
                        line: 3,
                        column: 12
                    },
                },
            ]
        );
        assert!(duplicate_keys("{\"a\": {\"a\": 1}}").is_empty());
        assert!(duplicate_keys("not json").is_empty());
    }

    #[test]
    fn error_paths_locate_to_error_spans() {
        let text = "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"a:b\", 7]}]}";
        let errors = crate::parse_policy(text).unwrap_err();
        let error = &errors.errors[0];
        assert_eq!(locate(text, &error.path), error.span);
    }
}
