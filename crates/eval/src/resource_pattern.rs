//! Requests on a resource pattern ("any object under `logs/`"): the decision for every
//! resource the pattern matches, as allowed for all, for some (with an allowed and a denied
//! example) or for none.
//!
//! The resources examined are the pattern's most general instance (each `*` filled with a
//! name no policy is likely to spell, each `?` with one character) and, for every
//! `Resource`/`NotResource` value of every policy in the set, the shortest resource matching
//! both that value and the pattern. Policies decide by those values (and by conditions, which
//! do not depend on the resource name), so a statement that covers part of the pattern shows
//! up in an example. Values with policy variables are skipped: their text depends on the
//! request context.

use serde::Serialize;

use crate::engine::{CompiledPolicySet, PolicySet};
use crate::err::RequestError;
use crate::request::Request;

/// How a pattern's resources are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternVerdict {
    /// Every resource examined is allowed.
    All,
    /// Some are allowed, some are not.
    Some,
    /// None is allowed.
    None,
}

/// The decision over a resource pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternDecision {
    pub pattern: String,
    pub verdict: PatternVerdict,
    pub allowed_example: Option<String>,
    pub denied_example: Option<String>,
    /// How many concrete resources were decided.
    pub examined: usize,
}

impl PatternDecision {
    /// The verdict with the pattern, then an allowed and a denied example, for terminals.
    pub fn table(&self) -> String {
        let verdict = match self.verdict {
            PatternVerdict::All => "Allow for every matching resource",
            PatternVerdict::Some => "Allow for some matching resources",
            PatternVerdict::None => "Deny for every matching resource",
        };
        let mut text = format!(
            "{verdict}: `{}` ({} resources examined)\n",
            self.pattern, self.examined
        );
        for (label, example) in [
            ("allowed", &self.allowed_example),
            ("denied", &self.denied_example),
        ] {
            if let Some(example) = example {
                text.push_str(&format!("  {label}: {example}\n"));
            }
        }
        text
    }
}

/// Whether `resource` is a pattern (it has `*` or `?` and is not the bare `*` that actions
/// without resource-level permissions take).
pub fn is_pattern(resource: &str) -> bool {
    resource != "*" && resource.contains(['*', '?'])
}

/// The filler for a `*` in the most general instance.
const FILLER: &str = "warden-any";

/// Decides `request` (whose resource is a pattern) for the resources it matches.
pub fn decide_pattern(
    set: &PolicySet,
    compiled: &CompiledPolicySet,
    request: &Request,
) -> Result<PatternDecision, RequestError> {
    let pattern = request.resource().to_string();
    let mut candidates = vec![general_instance(&pattern)];
    let policies = set
        .identity
        .iter()
        .chain(&set.permissions_boundary)
        .chain(&set.session_policy)
        .chain(&set.resource_policy)
        .chain(&set.vpc_endpoint_policy)
        .chain(set.scps.iter().flatten())
        .chain(set.rcps.iter().flatten());
    for policy in policies {
        for statement in &policy.document.statements {
            let Some(clause) = &statement.resource else {
                continue;
            };
            for value in &clause.values().items {
                if warden_policy::variables::has_opening(value) {
                    continue;
                }
                if let Some(witness) = intersection(&pattern, value)
                    && !candidates.contains(&witness)
                {
                    candidates.push(witness);
                }
            }
        }
    }
    let mut allowed_example = None;
    let mut denied_example = None;
    for candidate in &candidates {
        let concrete = request.with_resource(candidate)?;
        let slot = if compiled.decide(&concrete).is_allow() {
            &mut allowed_example
        } else {
            &mut denied_example
        };
        if slot.is_none() {
            *slot = Some(candidate.clone());
        }
    }
    let verdict = match (&allowed_example, &denied_example) {
        (Some(_), None) => PatternVerdict::All,
        (Some(_), Some(_)) => PatternVerdict::Some,
        _ => PatternVerdict::None,
    };
    Ok(PatternDecision {
        pattern,
        verdict,
        allowed_example,
        denied_example,
        examined: candidates.len(),
    })
}

/// Each `*` as [`FILLER`], each `?` as `x`.
fn general_instance(pattern: &str) -> String {
    pattern.replace('*', FILLER).replace('?', "x")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    One,
    Many,
}

fn tokens(pattern: &str) -> Vec<Token> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Token::Many,
            '?' => Token::One,
            c => Token::Literal(c),
        })
        .collect()
}

/// Skips `*` tokens (they may match nothing).
fn closure(tokens: &[Token], mut at: usize) -> Vec<usize> {
    let mut states = vec![at];
    while tokens.get(at) == Some(&Token::Many) {
        at += 1;
        states.push(at);
    }
    states
}

/// Where `tokens` goes from `at` on `c`, if anywhere.
fn step(tokens: &[Token], at: usize, c: char) -> Option<usize> {
    match tokens.get(at)? {
        Token::Many => Some(at),
        Token::One => Some(at + 1),
        Token::Literal(l) if *l == c => Some(at + 1),
        Token::Literal(_) => None,
    }
}

/// The shortest string both patterns match (IAM `*`/`?` wildcards, case-sensitive), by a
/// breadth-first search over pairs of positions.
pub(crate) fn intersection(a: &str, b: &str) -> Option<String> {
    let (a, b) = (tokens(a), tokens(b));
    let width = b.len() + 1;
    let mut previous: Vec<Option<(usize, char)>> = vec![None; (a.len() + 1) * width];
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut queue = std::collections::VecDeque::new();
    for i in closure(&a, 0) {
        for j in closure(&b, 0) {
            let id = i * width + j;
            if !seen[id] {
                seen[id] = true;
                queue.push_back(id);
            }
        }
    }
    while let Some(id) = queue.pop_front() {
        let (i, j) = (id / width, id % width);
        if i == a.len() && j == b.len() {
            let mut text = Vec::new();
            let mut at = id;
            while let Some((from, c)) = previous[at] {
                text.push(c);
                at = from;
            }
            return Some(text.into_iter().rev().collect());
        }
        let mut choices: Vec<char> = Vec::with_capacity(3);
        for token in [a.get(i), b.get(j)].into_iter().flatten() {
            if let Token::Literal(c) = token {
                choices.push(*c);
            }
        }
        choices.push('x');
        for c in choices {
            let (Some(ni), Some(nj)) = (step(&a, i, c), step(&b, j, c)) else {
                continue;
            };
            for ci in closure(&a, ni) {
                for cj in closure(&b, nj) {
                    let next = ci * width + cj;
                    if !seen[next] {
                        seen[next] = true;
                        previous[next] = Some((id, c));
                        queue.push_back(next);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_table_shows_the_verdict_and_examples() {
        let decision = PatternDecision {
            pattern: "arn:aws:s3:::b/*".into(),
            verdict: PatternVerdict::Some,
            allowed_example: Some("arn:aws:s3:::b/a".into()),
            denied_example: None,
            examined: 3,
        };
        assert_eq!(
            decision.table(),
            "Allow for some matching resources: `arn:aws:s3:::b/*` (3 resources examined)\n  allowed: arn:aws:s3:::b/a\n"
        );
    }
    use warden_policy::wildcard::{Case, matches};

    #[test]
    fn intersections_match_both_patterns() {
        let cases = [
            ("arn:aws:s3:::logs/*", "arn:aws:s3:::logs/2024/*"),
            ("arn:aws:s3:::logs/*", "arn:aws:s3:::*/private/*"),
            ("arn:aws:s3:::a?c/*", "arn:aws:s3:::*b*/x"),
            ("*", "arn:aws:iam::111122223333:role/admin"),
        ];
        for (a, b) in cases {
            let witness = intersection(a, b).unwrap();
            assert!(matches(a, &witness, Case::Sensitive), "{a} {witness}");
            assert!(matches(b, &witness, Case::Sensitive), "{b} {witness}");
        }
        assert_eq!(
            intersection("arn:aws:s3:::logs/*", "arn:aws:s3:::data/*"),
            None
        );
        assert!(is_pattern("arn:aws:s3:::logs/*"));
        assert!(!is_pattern("*"));
        assert!(!is_pattern("arn:aws:s3:::logs/a"));
    }
}
