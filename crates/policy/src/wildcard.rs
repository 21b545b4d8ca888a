//! IAM wildcard matching, the one engine Warden uses: `*` (any run, including empty, across
//! `:` and `/`) and `?` (exactly one character).
//!
//! Actions match case-insensitively, resource ARNs case-sensitively. Policy variables
//! (`${aws:username}`) are substituted by the caller before matching; the escapes `${*}`, `${?}`
//! and `${$}` stand for the literal characters.
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
//!
//! [`matches`] answers one question without allocating (ASCII); [`Pattern`] is the compiled
//! form for patterns matched many times (evaluation, catalog expansion); [`match_segments`]
//! is the matcher both use, and evaluation's policy-variable templates too.

/// Whether case matters when matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Action names: `s3:getobject` matches `s3:GetObject`.
    Insensitive,
    /// Resource ARNs and most condition values.
    Sensitive,
}

/// Does `pattern` (with IAM wildcards) match all of `text`?
#[inline]
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    if pattern == "*" {
        return true;
    }
    if case == Case::Insensitive && !(pattern.is_ascii() && text.is_ascii()) {
        return matches(
            &pattern.to_lowercase(),
            &text.to_lowercase(),
            Case::Sensitive,
        );
    }
    if !pattern.contains(['*', '?', '$']) {
        return match case {
            Case::Insensitive => pattern.eq_ignore_ascii_case(text),
            Case::Sensitive => pattern == text,
        };
    }
    let mut stack = [SegmentRef::AnyRun; STACK_SEGMENTS];
    let mut count = 0;
    for_each_segment(pattern, true, |segment| {
        if let Some(slot) = stack.get_mut(count) {
            *slot = segment;
        }
        count += 1;
    });
    if let Some(segments) = stack.get(..count) {
        return match_segments(segments, text, case);
    }
    let mut segments = Vec::with_capacity(count);
    for_each_segment(pattern, true, |segment| segments.push(segment));
    match_segments(&segments, text, case)
}

/// Does the pattern contain a wildcard (after resolving escapes)? Most patterns hold no `*`
/// or `?` byte at all, which is told eight bytes at a time before escapes are looked at.
pub fn has_wildcard(pattern: &str) -> bool {
    if !crate::bytes::has_wildcard_byte(pattern) {
        return false;
    }
    let mut any = false;
    for_each_segment(pattern, true, |segment| {
        any |= !matches!(segment, SegmentRef::Literal(_));
    });
    any
}

/// A piece of a compiled pattern: a run of literal text (escapes resolved), `?` or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Literal(Box<str>),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, including none.
    AnyRun,
}

/// A [`Segment`] borrowed, so patterns can be assembled and matched without allocating (policy
/// variables substituted as literals, patterns tokenized on the stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentRef<'a> {
    /// Literal text.
    Literal(&'a str),
    /// `?`
    AnyChar,
    /// `*`
    AnyRun,
}

/// Anything [`match_segments`] can read as a [`SegmentRef`].
pub trait AsSegmentRef {
    /// The borrowed form.
    fn as_segment_ref(&self) -> SegmentRef<'_>;
}

impl AsSegmentRef for Segment {
    #[inline]
    fn as_segment_ref(&self) -> SegmentRef<'_> {
        match self {
            Segment::Literal(text) => SegmentRef::Literal(text),
            Segment::AnyChar => SegmentRef::AnyChar,
            Segment::AnyRun => SegmentRef::AnyRun,
        }
    }
}

impl AsSegmentRef for SegmentRef<'_> {
    #[inline]
    fn as_segment_ref(&self) -> SegmentRef<'_> {
        *self
    }
}

/// Visits the segments of `pattern` in order, borrowed from it: escapes become one-character
/// literals (the `*` inside `${*}` is itself a slice of the pattern). With `wildcards` false,
/// `*` and `?` are literal (the `…Equals` operators).
#[inline]
fn for_each_segment<'a>(pattern: &'a str, wildcards: bool, mut visit: impl FnMut(SegmentRef<'a>)) {
    let mut literal_start = 0;
    let mut at = 0;
    let bytes = pattern.as_bytes();
    while at < bytes.len() {
        let escape = bytes[at] == b'$'
            && bytes.get(at + 1) == Some(&b'{')
            && matches!(bytes.get(at + 2), Some(b'*' | b'?' | b'$'))
            && bytes.get(at + 3) == Some(&b'}');
        let wildcard = wildcards && matches!(bytes[at], b'*' | b'?');
        if !escape && !wildcard {
            at += 1;
            continue;
        }
        if literal_start < at {
            visit(SegmentRef::Literal(&pattern[literal_start..at]));
        }
        if escape {
            visit(SegmentRef::Literal(&pattern[at + 2..at + 3]));
            at += 4;
        } else {
            visit(if bytes[at] == b'*' {
                SegmentRef::AnyRun
            } else {
                SegmentRef::AnyChar
            });
            at += 1;
        }
        literal_start = at;
    }
    if literal_start < bytes.len() {
        visit(SegmentRef::Literal(&pattern[literal_start..]));
    }
}

/// The segments of `pattern`: adjacent literals merged, consecutive `*` collapsed.
pub fn segments(pattern: &str, wildcards: bool) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut literal = String::new();
    for_each_segment(pattern, wildcards, |segment| match segment {
        SegmentRef::Literal(text) => literal.push_str(text),
        other => {
            if !literal.is_empty() {
                out.push(Segment::Literal(
                    std::mem::take(&mut literal).into_boxed_str(),
                ));
            }
            if !(other == SegmentRef::AnyRun && out.last() == Some(&Segment::AnyRun)) {
                out.push(match other {
                    SegmentRef::AnyRun => Segment::AnyRun,
                    _ => Segment::AnyChar,
                });
            }
        }
    });
    if !literal.is_empty() {
        out.push(Segment::Literal(literal.into_boxed_str()));
    }
    out
}

/// Does `segments` match all of `text`? The one matcher behind every wildcard match in Warden:
/// greedy with backtracking to the last `*` (linear for typical patterns, `O(n·m)` worst case),
/// on bytes, never allocating. [`Case::Insensitive`] folds ASCII only; fold non-ASCII text and
/// patterns beforehand.
#[inline]
pub fn match_segments<S: AsSegmentRef>(segments: &[S], text: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => run::<S, false>(segments, text.as_bytes()),
        Case::Insensitive => run::<S, true>(segments, text.as_bytes()),
    }
}

/// The matcher, with ASCII case folding decided at compile time (evaluation's hot path is the
/// case-sensitive one).
#[inline]
fn run<S: AsSegmentRef, const FOLD: bool>(segments: &[S], bytes: &[u8]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        match segments.get(p).map(AsSegmentRef::as_segment_ref) {
            Some(SegmentRef::AnyRun) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(SegmentRef::AnyChar) if t < bytes.len() => {
                t += char_len(bytes[t]);
                p += 1;
                continue;
            }
            Some(SegmentRef::Literal(lit)) if literal_at::<FOLD>(bytes, t, lit.as_bytes()) => {
                t += lit.len();
                p += 1;
                continue;
            }
            None if t == bytes.len() => return true,
            _ => {}
        }
        // Mismatch: let the last star swallow one more character, or fail.
        match star {
            Some((star_p, star_t)) if star_t < bytes.len() => {
                let next = star_t + char_len(bytes[star_t]);
                star = Some((star_p, next));
                p = star_p + 1;
                t = next;
            }
            _ => return false,
        }
    }
}

/// Does `literal` occur in `bytes` at `at`?
#[inline]
fn literal_at<const FOLD: bool>(bytes: &[u8], at: usize, literal: &[u8]) -> bool {
    let rest = bytes.get(at..).unwrap_or_default();
    if FOLD {
        rest.get(..literal.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(literal))
    } else {
        rest.starts_with(literal)
    }
}

/// Length of the UTF-8 sequence starting with `lead`.
#[inline]
fn char_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// A compiled pattern, with the common shapes special-cased so most matches are one comparison.
/// Case-sensitive: compile with `lowercase` and fold the text for case-insensitive matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// `*`
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// `literal*`
    Prefix(Box<str>),
    /// Anything else.
    General(Box<[Segment]>),
}

impl Pattern {
    /// Compiles `text`; `wildcards = false` treats `*` and `?` as literal characters (the
    /// `…Equals` operators), `lowercase` folds the pattern for case-insensitive matching.
    pub fn compile(text: &str, wildcards: bool, lowercase: bool) -> Pattern {
        let segments = if lowercase {
            segments(&text.to_lowercase(), wildcards)
        } else {
            segments(text, wildcards)
        };
        Pattern::from_segments(segments)
    }

    /// A pattern from segments as [`segments`] returns them.
    pub fn from_segments(segments: Vec<Segment>) -> Pattern {
        match segments.as_slice() {
            [] => Pattern::Exact("".into()),
            [Segment::AnyRun] => Pattern::Any,
            [Segment::Literal(lit)] => Pattern::Exact(lit.clone()),
            [Segment::Literal(lit), Segment::AnyRun] => Pattern::Prefix(lit.clone()),
            _ => Pattern::General(segments.into_boxed_slice()),
        }
    }

    /// Does the pattern match all of `text`, case-sensitively?
    #[inline]
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(lit) => **lit == *text,
            Pattern::Prefix(lit) => text.starts_with(&**lit),
            Pattern::General(segments) => match_segments(segments, text, Case::Sensitive),
        }
    }

    /// The literal part before the first wildcard (used to index actions by service).
    #[inline]
    pub fn literal_prefix(&self) -> &str {
        match self {
            Pattern::Any => "",
            Pattern::Exact(lit) | Pattern::Prefix(lit) => lit,
            Pattern::General(segments) => match segments.first() {
                Some(Segment::Literal(lit)) => lit,
                _ => "",
            },
        }
    }

    /// Whether the pattern has a wildcard (escapes are literal).
    pub fn has_wildcard(&self) -> bool {
        !matches!(self, Pattern::Exact(_))
    }
}

/// Patterns up to this many segments are matched from a stack buffer by [`matches`].
const STACK_SEGMENTS: usize = 32;

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

    /// One element of a pattern, one character at a time (see `parse_pattern`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Token {
        /// A literal character (escapes already resolved).
        Literal(char),
        /// `?`: exactly one character.
        AnyChar,
        /// `*`: any run of characters, including none.
        AnyRun,
    }

    /// Splits a pattern into tokens, resolving the escapes `${*}`, `${?}` and `${$}` into literals.
    /// Other `${…}` sequences are kept literally: substitute policy variables before calling.
    fn parse_pattern(pattern: &str) -> Vec<Token> {
        let mut tokens = Vec::with_capacity(pattern.len());
        for_each_segment(pattern, true, |segment| match segment {
            SegmentRef::Literal(text) => tokens.extend(text.chars().map(Token::Literal)),
            SegmentRef::AnyChar => tokens.push(Token::AnyChar),
            SegmentRef::AnyRun => tokens.push(Token::AnyRun),
        });
        tokens
    }

    /// The definition, as a slow recursive matcher over characters.
    fn reference(pattern: &[Token], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some((Token::AnyRun, rest)) => {
                (0..=text.len()).any(|skip| reference(rest, &text[skip..]))
            }
            Some((Token::AnyChar, rest)) => !text.is_empty() && reference(rest, &text[1..]),
            Some((Token::Literal(ch), rest)) => {
                text.first() == Some(ch) && reference(rest, &text[1..])
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn every_form_agrees_with_the_definition(
            pattern in "([ab*?é]|\\$\\{[*?$]\\}){0,8}",
            text in "[abAB*?$é]{0,10}",
            insensitive in proptest::bool::ANY,
        ) {
            let case = if insensitive { Case::Insensitive } else { Case::Sensitive };
            let fold = |s: &str| if insensitive { s.to_lowercase() } else { s.to_owned() };
            let chars: Vec<char> = fold(&text).chars().collect();
            let expected = reference(&parse_pattern(&fold(&pattern)), &chars);
            proptest::prop_assert_eq!(matches(&pattern, &text, case), expected);
            proptest::prop_assert_eq!(
                Pattern::compile(&pattern, true, insensitive).matches(&fold(&text)),
                expected
            );
        }
    }

    fn like(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern, true, false).matches(text)
    }

    #[test]
    fn compiled_patterns_match_like_iam() {
        assert!(like("*", ""));
        assert!(like("s3:Get*", "s3:GetObject"));
        assert!(!like("s3:Get*", "s3:PutObject"));
        assert!(like("ec2:?escribe*", "ec2:DescribeVpcs"));
        assert!(!like("ec2:?escribe*", "ec2:escribe"));
        assert!(like("a*b*c", "aXbYbZc"));
        assert!(!like("a*b*c", "aXbYbZ"));
        assert!(like("arn:aws:s3:::bucket/*/x", "arn:aws:s3:::bucket/a/b/x"));
        assert!(like("*ä?", "xäö"));
        assert!(!like("a?c", "ac"));
        assert!(like("a**", "a"));
        assert!(like("a${*}b", "a*b"));
        assert!(!like("a${*}b", "aXb"));
        assert!(like("cost${$}", "cost$"));
        assert_eq!(
            Pattern::compile("s3:Get*", true, true).literal_prefix(),
            "s3:get"
        );
        assert_eq!(Pattern::compile("*", true, false), Pattern::Any);
    }

    #[test]
    fn equals_treats_star_literally() {
        let pattern = Pattern::compile("a*", false, false);
        assert!(pattern.matches("a*"));
        assert!(!pattern.matches("ab"));
        assert!(!pattern.has_wildcard());
    }

    #[test]
    fn long_patterns_leave_the_stack_buffer() {
        let pattern = "a?".repeat(40);
        let text = "ab".repeat(40);
        assert!(matches(&pattern, &text, Case::Sensitive));
        assert!(!matches(&pattern, &text[1..], Case::Sensitive));
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
