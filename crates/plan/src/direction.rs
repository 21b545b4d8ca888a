//! Whether a document change narrows or widens access, by meaning: the new document grants
//! nothing the old one did not (narrows), the old grants nothing the new does not (widens),
//! both (same), or neither (mixed). Apply orders changes on it so that no moment of an apply
//! grants more than both the old and the new state.
//!
//! The comparison is sound and incomplete: "narrows" and "widens" are only claimed when every
//! allow statement of one side is covered by a single statement of the other (and every deny
//! kept); anything it cannot prove is "mixed", which the planner orders most carefully.

use serde::{Deserialize, Serialize};
use warden_policy::wildcard::{Case, has_wildcard, matches};
use warden_policy::{
    ActionClause, Condition, Effect, PolicyDocument, Principal, PrincipalClause, ResourceClause,
    Statement,
};

/// How a change moves access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Same,
    Narrows,
    Widens,
    Mixed,
}

/// `old` → `new` for one document.
pub fn compare(old: &PolicyDocument, new: &PolicyDocument) -> Direction {
    if warden_policy::equivalent(old, new) {
        return Direction::Same;
    }
    if old.version != new.version {
        return Direction::Mixed;
    }
    match (grants_at_least(old, new), grants_at_least(new, old)) {
        (true, true) => Direction::Same,
        (true, false) => Direction::Narrows,
        (false, true) => Direction::Widens,
        (false, false) => Direction::Mixed,
    }
}

/// `old` → `new` where the old side is live text; text that does not parse is mixed.
pub fn compare_live(old_text: &str, new: &PolicyDocument) -> Direction {
    match warden_policy::parse_policy(old_text) {
        Ok(old) => compare(&old, new),
        Err(_) => Direction::Mixed,
    }
}

/// Two live texts (a boundary swapped for another policy).
pub fn compare_texts(old_text: &str, new_text: &str) -> Direction {
    match warden_policy::parse_policy(new_text) {
        Ok(new) => compare_live(old_text, &new),
        Err(_) => Direction::Mixed,
    }
}

/// What adding a whole document (attach, new inline policy) does: allows widen, denies
/// narrow. Text that does not parse is mixed.
pub fn of_adding(text: &str) -> Direction {
    match warden_policy::parse_policy(text) {
        Ok(document) => {
            let has = |effect: Effect| document.statements.iter().any(|s| s.effect == effect);
            match (has(Effect::Allow), has(Effect::Deny)) {
                (true, true) => Direction::Mixed,
                (false, true) => Direction::Narrows,
                (true, false) => Direction::Widens,
                (false, false) => Direction::Same,
            }
        }
        Err(_) => Direction::Mixed,
    }
}

/// What removing a whole document (detach, delete an inline policy) does: the reverse.
pub fn of_removing(text: &str) -> Direction {
    match of_adding(text) {
        Direction::Narrows => Direction::Widens,
        Direction::Widens => Direction::Narrows,
        other => other,
    }
}

/// A document that grants at most what both `old` and `new` grant: the middle step of a swap.
/// It keeps `old`'s allow statements that a statement of `new` covers (an `Action` list cut
/// down to the actions a statement of `new` covers) and the denies of both. `None` when that
/// cannot be proven narrower than both by [`compare`] (e.g. different `Version`s), or when
/// nothing would be left (a policy needs a statement).
pub fn common_part(old: &PolicyDocument, new: &PolicyDocument) -> Option<PolicyDocument> {
    let new_canonical = new.canonicalize();
    let new_allows: Vec<&Statement> = new_canonical
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .collect();
    let covered = |statement: &Statement| new_allows.iter().any(|w| statement_covers(w, statement));
    let mut statements = Vec::new();
    for statement in old.canonicalize().statements {
        if statement.effect == Effect::Deny || covered(&statement) {
            statements.push(statement);
            continue;
        }
        let ActionClause::Action(actions) = &statement.action else {
            continue;
        };
        let kept: Vec<String> = actions
            .iter()
            .filter(|action| {
                let mut one = statement.clone();
                one.action = ActionClause::Action(warden_policy::Values::one((*action).clone()));
                covered(&one)
            })
            .cloned()
            .collect();
        if !kept.is_empty() {
            let mut narrowed = statement.clone();
            narrowed.action = ActionClause::Action(warden_policy::Values::list(kept));
            statements.push(narrowed);
        }
    }
    statements.extend(
        new_canonical
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Deny)
            .cloned(),
    );
    if statements.is_empty() {
        // A policy needs a statement; "allows nothing" has no exact document.
        return None;
    }
    let middle = PolicyDocument {
        version: new.version,
        id: None,
        statements,
        statement_is_object: false,
    };
    let within = |direction: Direction| matches!(direction, Direction::Narrows | Direction::Same);
    (within(compare(old, &middle)) && within(compare(new, &middle))).then_some(middle)
}

/// The deny statements of `document` alone (what a document attached next to it must keep
/// while it is attached or detached in two steps).
pub fn denies_only(document: &PolicyDocument) -> PolicyDocument {
    PolicyDocument {
        version: document.version,
        id: None,
        statements: document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Deny)
            .cloned()
            .collect(),
        statement_is_object: false,
    }
}

/// One document holding the statements of all `documents` (with `version`): the meaning of a
/// level of SCPs, where an action is allowed when any of them allows it and denied when any
/// denies it.
pub fn joined<'a>(
    documents: impl IntoIterator<Item = &'a PolicyDocument>,
    version: Option<warden_policy::Version>,
) -> PolicyDocument {
    PolicyDocument {
        version,
        id: None,
        statements: documents
            .into_iter()
            .flat_map(|d| d.statements.iter().cloned())
            .collect(),
        statement_is_object: false,
    }
}

/// Whether `wide` allows everything `narrow` allows: each allow of `narrow` is covered by an
/// allow of `wide`, and each deny of `wide` is implied by a deny of `narrow`.
fn grants_at_least(wide: &PolicyDocument, narrow: &PolicyDocument) -> bool {
    let of = |doc: &'_ PolicyDocument, effect: Effect| -> Vec<Statement> {
        doc.canonicalize()
            .statements
            .into_iter()
            .filter(|s| s.effect == effect)
            .collect()
    };
    let (wide_allow, narrow_allow) = (of(wide, Effect::Allow), of(narrow, Effect::Allow));
    let (wide_deny, narrow_deny) = (of(wide, Effect::Deny), of(narrow, Effect::Deny));
    narrow_allow
        .iter()
        .all(|s| wide_allow.iter().any(|w| statement_covers(w, s)))
        && wide_deny
            .iter()
            .all(|d| narrow_deny.iter().any(|n| statement_covers(n, d)))
}

/// Whether statement `a` applies to every request `b` applies to (same effect).
fn statement_covers(a: &Statement, b: &Statement) -> bool {
    a.effect == b.effect
        && actions_cover(&a.action, &b.action)
        && resources_cover(a.resource.as_ref(), b.resource.as_ref())
        && principals_cover(a.principal.as_ref(), b.principal.as_ref())
        && conditions_cover(a.condition.as_ref(), b.condition.as_ref())
}

fn actions_cover(a: &ActionClause, b: &ActionClause) -> bool {
    match (a, b) {
        (ActionClause::Action(a), ActionClause::Action(b)) => b
            .iter()
            .all(|q| a.iter().any(|p| pattern_covers(p, q, Case::Insensitive))),
        (ActionClause::Action(a), ActionClause::NotAction(_)) => a.iter().any(|p| p == "*"),
        (ActionClause::NotAction(a), ActionClause::NotAction(b)) => a == b,
        (ActionClause::NotAction(_), ActionClause::Action(_)) => false,
    }
}

fn resources_cover(a: Option<&ResourceClause>, b: Option<&ResourceClause>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(ResourceClause::Resource(a)), Some(ResourceClause::Resource(b))) => b
            .iter()
            .all(|q| a.iter().any(|p| pattern_covers(p, q, Case::Sensitive))),
        (Some(ResourceClause::Resource(a)), Some(ResourceClause::NotResource(_))) => {
            a.iter().any(|p| p == "*")
        }
        (Some(ResourceClause::NotResource(a)), Some(ResourceClause::NotResource(b))) => a == b,
        _ => false,
    }
}

fn principals_cover(a: Option<&PrincipalClause>, b: Option<&PrincipalClause>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(PrincipalClause::Principal(Principal::Any)), Some(_)) => true,
        (
            Some(PrincipalClause::Principal(Principal::Typed(a))),
            Some(PrincipalClause::Principal(Principal::Typed(b))),
        ) => b.iter().all(|(kind, ids)| {
            ids.iter().all(|id| {
                a.iter().any(|(wide_kind, wide_ids)| {
                    wide_kind == kind && wide_ids.iter().any(|w| w == "*" || w == id)
                })
            })
        }),
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Conditions only restrict: `a` covers `b` when every condition of `a` is also one of `b`.
fn conditions_cover(a: Option<&Condition>, b: Option<&Condition>) -> bool {
    let entries = |condition: Option<&Condition>| -> Vec<(String, String, Vec<String>)> {
        condition
            .map(|c| {
                c.blocks
                    .iter()
                    .flat_map(|block| {
                        let operator = format!("{:?}", block.operator);
                        block.entries.iter().map(move |entry| {
                            let mut values: Vec<String> = entry
                                .values
                                .iter()
                                .map(|v| v.as_text().into_owned())
                                .collect();
                            values.sort();
                            (operator.clone(), entry.key.to_ascii_lowercase(), values)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let required = entries(b);
    entries(a).iter().all(|entry| required.contains(entry))
}

/// Whether every string `narrow` matches is matched by `wide` (IAM `*` and `?` wildcards).
/// Sound, not complete: a wildcard `narrow` is covered only by itself, `*`, or a plain prefix
/// followed by `*`.
fn pattern_covers(wide: &str, narrow: &str, case: Case) -> bool {
    let equal = match case {
        Case::Insensitive => wide.eq_ignore_ascii_case(narrow),
        Case::Sensitive => wide == narrow,
    };
    if equal || wide == "*" {
        return true;
    }
    if !has_wildcard(narrow) {
        return matches(wide, narrow, case);
    }
    match wide.strip_suffix('*') {
        Some(prefix) if !has_wildcard(prefix) => {
            let head = narrow.get(..prefix.len()).unwrap_or("");
            match case {
                Case::Insensitive => head.eq_ignore_ascii_case(prefix),
                Case::Sensitive => head == prefix,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        warden_policy::parse_policy(text).unwrap()
    }

    fn allow(actions: &str, resource: &str) -> PolicyDocument {
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
        ))
    }

    fn trust(principals: &str) -> PolicyDocument {
        doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":{principals}}},"Action":"sts:AssumeRole"}}]}}"#
        ))
    }

    #[test]
    fn fewer_actions_narrow_and_more_widen() {
        let wide = allow(r#"["s3:GetObject","s3:PutObject"]"#, "*");
        let narrow = allow(r#""s3:GetObject""#, "*");
        assert_eq!(compare(&wide, &narrow), Direction::Narrows);
        assert_eq!(compare(&narrow, &wide), Direction::Widens);
        assert_eq!(compare(&wide, &wide), Direction::Same);
    }

    #[test]
    fn a_swap_is_mixed() {
        let s3 = allow(r#""s3:GetObject""#, "*");
        let dynamo = allow(r#""dynamodb:GetItem""#, "*");
        assert_eq!(compare(&s3, &dynamo), Direction::Mixed);
    }

    #[test]
    fn wildcards_and_resources_are_compared_by_meaning() {
        let all_gets = allow(r#""s3:Get*""#, "arn:aws:s3:::bucket/*");
        let one_get = allow(r#""s3:GetObject""#, "arn:aws:s3:::bucket/key");
        assert_eq!(compare(&all_gets, &one_get), Direction::Narrows);
        let other_bucket = allow(r#""s3:GetObject""#, "arn:aws:s3:::other/key");
        assert_eq!(compare(&all_gets, &other_bucket), Direction::Mixed);
        let g_question = allow(r#""s3:G?tObject""#, "*");
        let g_star = allow(r#""s3:G*tObject""#, "*");
        assert_eq!(
            compare(&g_question, &g_star),
            Direction::Mixed,
            "`?` does not cover `*`"
        );
    }

    #[test]
    fn a_trusted_principal_added_widens_and_a_condition_added_narrows() {
        let one = trust(r#""arn:aws:iam::111111111111:root""#);
        let two = trust(r#"["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root"]"#);
        assert_eq!(compare(&one, &two), Direction::Widens);
        assert_eq!(compare(&two, &one), Direction::Narrows);
        let conditioned = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#,
        );
        assert_eq!(compare(&one, &conditioned), Direction::Narrows);
        assert_eq!(compare(&conditioned, &one), Direction::Widens);
    }

    #[test]
    fn the_common_part_of_a_swap_is_narrower_than_both() {
        let old = allow(r#"["s3:GetObject","iam:*"]"#, "*");
        let new = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","iam:*"],"Resource":"*"},{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}"#,
        );
        let middle = common_part(&old, &new).unwrap();
        assert_eq!(compare(&old, &middle), Direction::Narrows);
        assert_eq!(compare(&new, &middle), Direction::Narrows);
        let text = middle.to_json_string().to_ascii_lowercase();
        assert!(
            text.contains("iam:*") && !text.contains("s3:getobject"),
            "{text}"
        );
        assert!(text.contains("ec2:terminateinstances"), "{text}");
        assert!(
            denies_only(&new)
                .statements
                .iter()
                .all(|s| s.effect == Effect::Deny),
            "only denies"
        );
        assert_eq!(denies_only(&new).statements.len(), 1);
    }

    #[test]
    fn removing_a_deny_widens() {
        let with_deny = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        );
        let without = allow(r#""s3:*""#, "*");
        assert_eq!(compare(&with_deny, &without), Direction::Widens);
        assert_eq!(compare(&without, &with_deny), Direction::Narrows);
    }
}
