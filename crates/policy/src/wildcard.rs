//! IAM wildcard matching: `*` (any run, including empty) and `?` (exactly one character).
//!
//! Actions match case-insensitively, resource ARNs case-sensitively. Policy variables
//! (`${aws:username}`) are substituted by the caller before matching; the escapes `${*}`, `${?}`
//! and `${$}` stand for the literal characters and are resolved by [`parse_pattern`].

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A literal character (escapes already resolved).
    Literal(char),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, including none.
    AnyRun,
}

/// Whether case matters when matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Action names: `s3:getobject` matches `s3:GetObject`.
    Insensitive,
    /// Resource ARNs and most condition values.
    Sensitive,
}

/// Splits a pattern into tokens, resolving the escapes `${*}`, `${?}` and `${$}` into literals.
/// Other `${…}` sequences are kept literally: substitute policy variables before calling.
pub fn parse_pattern(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    'outer: while let Some(ch) = rest.chars().next() {
        for (escape, literal) in [("${*}", '*'), ("${?}", '?'), ("${$}", '$')] {
            if let Some(after) = rest.strip_prefix(escape) {
                tokens.push(Token::Literal(literal));
                rest = after;
                continue 'outer;
            }
        }
        tokens.push(match ch {
            '*' => Token::AnyRun,
            '?' => Token::AnyChar,
            other => Token::Literal(other),
        });
        rest = &rest[ch.len_utf8()..];
    }
    tokens
}

/// Does `pattern` (with IAM wildcards) match all of `text`?
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    // Fast paths cover most real policies.
    if pattern == "*" {
        return true;
    }
    if !pattern.contains(['*', '?', '$']) {
        return match case {
            Case::Insensitive if pattern.is_ascii() && text.is_ascii() => {
                pattern.eq_ignore_ascii_case(text)
            }
            Case::Insensitive => matches_tokens(&parse_pattern(pattern), text, case),
            Case::Sensitive => pattern == text,
        };
    }
    if !pattern.contains('$') && pattern.is_ascii() && text.is_ascii() {
        return matches_ascii(pattern.as_bytes(), text.as_bytes(), case);
    }
    matches_tokens(&parse_pattern(pattern), text, case)
}

/// [`matches_tokens`] for ASCII pattern and text without escapes: no allocation, one byte is
/// one character.
fn matches_ascii(pattern: &[u8], text: &[u8], case: Case) -> bool {
    let eq = |a: u8, b: u8| match case {
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
        Case::Sensitive => a == b,
    };
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t += 1;
            }
            Some(&c) if eq(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches pre-parsed tokens against `text` (greedy with backtracking on the last `*`; linear
/// in practice, `O(n·m)` worst case).
pub fn matches_tokens(tokens: &[Token], text: &str, case: Case) -> bool {
    let text: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| match case {
        Case::Insensitive => a.eq_ignore_ascii_case(&b) || a.to_lowercase().eq(b.to_lowercase()),
        Case::Sensitive => a == b,
    };
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::AnyRun) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::AnyChar) => {
                p += 1;
                t += 1;
            }
            Some(Token::Literal(c)) if eq(*c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|token| *token == Token::AnyRun)
}

/// Does the pattern contain a wildcard (after resolving escapes)?
pub fn has_wildcard(pattern: &str) -> bool {
    parse_pattern(pattern)
        .iter()
        .any(|token| !matches!(token, Token::Literal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        assert!(matches("s3:Get*", "s3:GetObject", Case::Insensitive));
        assert!(matches("s3:get*", "S3:GETOBJECT", Case::Insensitive));
        assert!(!matches("s3:Get*", "s3:PutObject", Case::Insensitive));
        assert!(matches(
            "ec2:?escribe*",
            "ec2:DescribeInstances",
            Case::Insensitive
        ));
        assert!(!matches("ec2:?escribe*", "ec2:escribeX", Case::Insensitive));
        assert!(matches(
            "*:Describe*",
            "ec2:DescribeVpcs",
            Case::Insensitive
        ));
        assert!(matches("a*b*c", "aXXbYYc", Case::Sensitive));
        assert!(!matches("a*b*c", "aXXbYY", Case::Sensitive));
        assert!(matches("a**", "a", Case::Sensitive));
    }

    #[test]
    fn resources_are_case_sensitive() {
        let pattern = "arn:aws:s3:::Bucket/*";
        assert!(matches(pattern, "arn:aws:s3:::Bucket/key", Case::Sensitive));
        assert!(!matches(
            pattern,
            "arn:aws:s3:::bucket/key",
            Case::Sensitive
        ));
    }

    #[test]
    fn non_ascii_text_matches_by_character() {
        assert!(matches("caf?", "café", Case::Sensitive));
        assert!(matches("CAFÉ", "café", Case::Insensitive));
        assert!(!matches("caf?", "cafés", Case::Sensitive));
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_agrees_with_tokens(
            pattern in "[ab*?]{0,8}",
            text in "[abAB]{0,10}",
            insensitive in proptest::bool::ANY,
        ) {
            let case = if insensitive { Case::Insensitive } else { Case::Sensitive };
            proptest::prop_assert_eq!(
                matches(&pattern, &text, case),
                matches_tokens(&parse_pattern(&pattern), &text, case)
            );
        }
    }

    #[test]
    fn escapes_are_literals() {
        assert!(matches("a${*}b", "a*b", Case::Sensitive));
        assert!(!matches("a${*}b", "aXb", Case::Sensitive));
        assert!(matches("a${?}", "a?", Case::Sensitive));
        assert!(matches("cost${$}", "cost$", Case::Sensitive));
        assert!(!has_wildcard("a${*}b"));
        assert!(has_wildcard("a*b"));
    }
}
