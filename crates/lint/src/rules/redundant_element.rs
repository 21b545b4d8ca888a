//! WL903: an action, resource or condition value that another one of the same statement
//! already covers, and a statement that another statement of the same policy already covers.

use warden_policy::wildcard::{Case, has_wildcard, matches};
use warden_policy::{ActionClause, Effect, ResourceClause, Statement};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags, within one statement, an `Action`/`NotAction` entry that repeats another or that
/// another entry's wildcard already names (`s3:GetObject` beside `s3:Get*`), a `Resource`/
/// `NotResource` entry repeated or matched by another entry's wildcard
/// (`arn:aws:s3:::data/report.csv` beside `arn:aws:s3:::data/*`), and a value repeated under
/// the same condition key. Access Analyzer reports these as "Redundant action", "Redundant
/// resource" and "Redundant condition value num" suggestions.
///
/// It also flags a whole statement that another statement of the same policy already covers
/// ("Redundant statement"): same `Effect`, same `Principal`/`NotPrincipal`, the same
/// conditions (the same operator, key and set of values for every entry, in any order) or
/// none in both, and every action and resource of it matched by the other statement. Coverage
/// is judged with the one IAM wildcard matcher: a literal entry is covered by a pattern that
/// matches it; a wildcard entry by an equal entry or by a pattern with `*` only (no `?`) that
/// matches its text (`s3:Get*` covers `s3:GetObject*`); an entry with a policy variable only by
/// an equal one or by `*`. `NotAction`/`NotResource` statements are covered by one whose
/// exclusions are all excluded by theirs, or by `"Action": "*"`/`"Resource": "*"`. Of two
/// identical statements the later is reported. Only proven claims: conditions that differ in
/// any way, or coverage that needs the catalog (`s3:Get*` against a list of every `s3:Get`
/// action), are not judged.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// They change nothing about access but cost policy size (IAM counts every character against
/// the 6,144 limit of a managed policy) and make reviewers wonder whether something narrower
/// was meant.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"],
///  "Resource": ["arn:aws:s3:::data/*", "arn:aws:s3:::data/report.csv"]}
/// ```
///
/// ## Fix
/// Remove the covered entries, or narrow the wildcard if the covered entry was the intent.
/// Remove a covered statement, or, if it was meant to differ (another resource, a condition),
/// make it say so.
pub struct RedundantElement;

static META: RuleMeta = RuleMeta {
    id: "WL903",
    name: "redundant-element",
    group: Group::Hygiene,
    severity: Severity::Info,
    summary: "action, resource, condition value or statement already covered in the same policy",
};

impl Rule for RedundantElement {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let mut redundant: Vec<String> = Vec::new();
            let actions = match &statement.action {
                ActionClause::Action(values) | ActionClause::NotAction(values) => &values.items,
            };
            for (entry, by) in covered(actions, Case::Insensitive) {
                redundant.push(format!("action `{entry}` {}", why(entry, by)));
            }
            if let Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) =
                &statement.resource
            {
                for (entry, by) in covered(&values.items, Case::Sensitive) {
                    redundant.push(format!("resource `{entry}` {}", why(entry, by)));
                }
            }
            for (operator, entry) in super::condition_entries(statement) {
                let values: Vec<_> = entry.values.iter().map(|value| value.as_text()).collect();
                if let Some(value) = values
                    .iter()
                    .enumerate()
                    .find(|(at, value)| values[..*at].contains(value))
                    .map(|(_, value)| value)
                {
                    redundant.push(format!(
                        "value `{value}` repeated under `{}` `{}`",
                        operator.base, entry.key
                    ));
                }
            }
            if redundant.is_empty() {
                continue;
            }
            let total = redundant.len();
            let shown = redundant.into_iter().take(3).collect::<Vec<_>>().join(", ");
            let more = if total > 3 {
                format!(" and {} more", total - 3)
            } else {
                String::new()
            };
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} has redundant entries: {shown}{more}",
                    cx.statement_label(index)
                ),
            ));
        }
        redundant_statements(cx, out);
    }
}

/// One finding per statement that another statement of the same policy covers.
fn redundant_statements(cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
    let statements = &cx.policy.document.statements;
    if statements.len() < 2 {
        return;
    }
    // A statement can only be covered by one of the same effect, kind of resource element and
    // conditions: group the statements by those (one condition signature per statement with
    // conditions) and compare within a group, not every pair of a long policy.
    let signatures: Vec<Option<Vec<String>>> = statements
        .iter()
        .map(|statement| {
            statement
                .condition
                .as_ref()
                .map(|_| condition_signature(statement))
        })
        .collect();
    let key = |at: usize| {
        (
            statements[at].effect,
            statements[at].resource.is_some(),
            &signatures[at],
        )
    };
    let mut order: Vec<usize> = (0..statements.len()).collect();
    order.sort_by(|a, b| key(*a).cmp(&key(*b)));
    let mut groups: Vec<&[usize]> = vec![&[]; statements.len()];
    for group in order.chunk_by(|a, b| key(*a) == key(*b)) {
        for at in group {
            groups[*at] = group;
        }
    }
    for (index, statement) in statements.iter().enumerate() {
        if groups[index].len() < 2 {
            continue;
        }
        // The covering statement, and whether the two cover each other (the same access).
        let by = groups[index].iter().find_map(|other| {
            let (other, covering) = (*other, &statements[*other]);
            if other == index
                || statement.principal != covering.principal
                || !statement_covered_by(statement, covering)
            {
                return None;
            }
            let mutual = statement_covered_by(covering, statement);
            // Of two statements that cover each other, the later one is reported.
            (other < index || !mutual).then_some((other, covering, mutual))
        });
        let Some((other, covering, mutual)) = by else {
            continue;
        };
        let conditions = if statement.condition.is_some() {
            "under the same conditions"
        } else {
            "without conditions"
        };
        let why = if mutual {
            format!(
                "it grants the same as {}, {conditions}",
                cx.statement_label(other)
            )
        } else {
            let verb = match covering.effect {
                Effect::Allow => "allows",
                Effect::Deny => "denies",
            };
            format!(
                "{} already {verb} every action on every resource it names, {conditions}",
                cx.statement_label(other)
            )
        };
        out.push(cx.statement_finding(
            &META,
            index,
            format!("{} is redundant: {why}", cx.statement_label(index)),
        ));
    }
}

/// Every entry of every condition block as `operator|key|values`, values sorted and without
/// repeats, the entries sorted: equal signatures are the same conditions.
fn condition_signature(statement: &Statement) -> Vec<String> {
    let mut entries: Vec<String> = super::condition_entries(statement)
        .map(|(operator, entry)| {
            let mut values: Vec<_> = entry.values.iter().map(|value| value.as_text()).collect();
            values.sort();
            values.dedup();
            format!(
                "{:?}|{}|{}|{}|{}",
                operator.qualifier,
                operator.base,
                operator.if_exists,
                entry.key.to_ascii_lowercase(),
                values.join("\u{0}")
            )
        })
        .collect();
    entries.sort();
    entries.dedup();
    entries
}

/// Does `b` apply to every action and resource `a` applies to (conditions and principals
/// compared by the caller)?
fn statement_covered_by(a: &Statement, b: &Statement) -> bool {
    let resources = match (&a.resource, &b.resource) {
        (None, None) => true,
        (Some(ResourceClause::Resource(a)), Some(ResourceClause::Resource(b))) => {
            all_covered(&a.items, &b.items, Case::Sensitive)
        }
        // Everything but `b`'s exclusions covers everything but `a`'s when `a` excludes
        // at least what `b` excludes.
        (Some(ResourceClause::NotResource(a)), Some(ResourceClause::NotResource(b))) => {
            all_covered(&b.items, &a.items, Case::Sensitive)
        }
        (Some(_), Some(ResourceClause::Resource(b))) => b.items.iter().any(|r| r == "*"),
        _ => false,
    };
    if !resources {
        return false;
    }
    match (&a.action, &b.action) {
        (ActionClause::Action(a), ActionClause::Action(b)) => {
            all_covered(&a.items, &b.items, Case::Insensitive)
        }
        (ActionClause::NotAction(a), ActionClause::NotAction(b)) => {
            all_covered(&b.items, &a.items, Case::Insensitive)
        }
        (ActionClause::NotAction(_), ActionClause::Action(b)) => b
            .items
            .iter()
            .any(|action| action == "*" || action == "*:*"),
        _ => false,
    }
}

/// Is every entry of `entries` matched by some pattern of `by` (see [`entry_covered_by`])?
/// Linear in `entries` times the wildcards of `by`: literal entries of `by` are looked up in a
/// set.
fn all_covered(entries: &[String], by: &[String], case: Case) -> bool {
    if by.iter().any(|pattern| pattern == "*") {
        return true;
    }
    let equal = |a: &str, b: &str| match case {
        Case::Insensitive => a.eq_ignore_ascii_case(b),
        Case::Sensitive => a == b,
    };
    // Without `$` (variables, escapes) a wildcard is a `*` or `?` byte: no segment parsing.
    let judged = |pattern: &&String| pattern.contains(['*', '?']) && !pattern.contains('$');
    let covered = |entry: &String| {
        by.iter().any(|pattern| {
            equal(entry, pattern) || (judged(&pattern) && entry_covered_by(entry, pattern, case))
        })
    };
    // Most pairs of statements fail on their first entry: judge it before building anything.
    if !entries.first().is_none_or(covered) {
        return false;
    }
    // Few entries to look through (most statements): no set, nothing allocated.
    if by.len() <= 16 {
        return entries.iter().skip(1).all(covered);
    }
    let normalized = |entry: &str| match case {
        Case::Insensitive => entry.to_ascii_lowercase(),
        Case::Sensitive => entry.to_string(),
    };
    let exact: std::collections::HashSet<String> = by.iter().map(|b| normalized(b)).collect();
    // Each wildcard with its literal head (`s3:Get` of `s3:Get*`), compared before matching.
    let patterns: Vec<(&str, &str)> = by
        .iter()
        .filter(judged)
        .map(|pattern| {
            let head = &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())];
            (head, pattern.as_str())
        })
        .collect();
    entries.iter().all(|entry| {
        exact.contains(&normalized(entry))
            || patterns.iter().any(|(head, pattern)| {
                entry
                    .get(..head.len())
                    .is_some_and(|start| equal(start, head))
                    && entry_covered_by(entry, pattern, case)
            })
    })
}

/// Is every text `entry` matches also matched by `pattern` (a wildcard without policy
/// variables)? A literal entry: `pattern` matches it. A wildcard entry: `pattern` has no `?`
/// and matches the entry's own text — each literal character of `pattern` then meets a literal
/// character of the entry, and each `*` of the entry falls inside a `*` of `pattern`, so every
/// expansion of the entry is matched too. An entry with `$` (a variable or an escape) is not
/// judged.
fn entry_covered_by(entry: &str, pattern: &str, case: Case) -> bool {
    if entry.contains('$') {
        return false;
    }
    if entry.contains(['*', '?']) && pattern.contains('?') {
        return false;
    }
    matches(pattern, entry, case)
}

fn why(entry: &str, by: &str) -> String {
    if entry.eq_ignore_ascii_case(by) {
        "(repeated)".to_string()
    } else {
        format!("(covered by `{by}`)")
    }
}

/// Entries that repeat an earlier one, or that another entry's wildcard matches, with the
/// entry that covers them. Only literal entries are judged covered by a wildcard (whether one
/// wildcard covers another is not asked); entries with policy variables cover nothing.
fn covered(entries: &[String], case: Case) -> Vec<(&str, &str)> {
    // Linear in the entries (statements of `ReadOnlyAccess` list over a thousand actions):
    // repeats through a set of normalized entries, coverage only against the few wildcards.
    let normalized = |entry: &str| match case {
        Case::Insensitive => entry.to_ascii_lowercase(),
        Case::Sensitive => entry.to_string(),
    };
    // Each wildcard with its literal head (`s3:Get` of `s3:Get*`), compared before matching.
    let wildcards: Vec<(&str, &str)> = entries
        .iter()
        .filter(|entry| has_wildcard(entry) && !entry.contains("${"))
        .map(|entry| {
            let head = &entry[..entry.find(['*', '?']).unwrap_or(entry.len())];
            (head, entry.as_str())
        })
        .collect();
    let mut first: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut found = Vec::new();
    for entry in entries {
        let key = normalized(entry);
        if let Some(earlier) = first.get(&key) {
            found.push((entry.as_str(), *earlier));
            continue;
        }
        first.insert(key, entry.as_str());
        if has_wildcard(entry) || entry.contains("${") {
            continue;
        }
        let head_fits = |head: &str| {
            entry.get(..head.len()).is_some_and(|start| match case {
                Case::Insensitive => start.eq_ignore_ascii_case(head),
                Case::Sensitive => start == head,
            })
        };
        if let Some((_, by)) = wildcards
            .iter()
            .find(|(head, other)| head_fits(head) && matches(other, entry, case))
        {
            found.push((entry.as_str(), *by));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_string()).collect()
    }

    #[test]
    fn repeats_and_literals_under_wildcards() {
        let actions = strings(&["s3:Get*", "s3:GetObject", "S3:GET*", "s3:PutObject"]);
        assert_eq!(
            covered(&actions, Case::Insensitive),
            [("s3:GetObject", "s3:Get*"), ("S3:GET*", "s3:Get*")]
        );
        let resources = strings(&[
            "arn:aws:s3:::data/*",
            "arn:aws:s3:::Data/x",
            "arn:aws:s3:::data/x",
        ]);
        assert_eq!(
            covered(&resources, Case::Sensitive),
            [("arn:aws:s3:::data/x", "arn:aws:s3:::data/*")]
        );
        let variables = strings(&[
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/x/y",
        ]);
        assert!(covered(&variables, Case::Sensitive).is_empty());
    }

    #[test]
    fn wildcard_coverage_is_only_claimed_when_proven() {
        let ci = Case::Insensitive;
        assert!(entry_covered_by("s3:GetObject", "s3:Get*", ci));
        assert!(entry_covered_by("s3:GetObject*", "s3:Get*", ci));
        assert!(entry_covered_by("s3:*Object", "s3:*", ci));
        assert!(!entry_covered_by("s3:Get*", "s3:GetObject*", ci));
        // `?` is exactly one character; `*` in the entry may be many.
        assert!(!entry_covered_by("s3:a*c", "s3:a?c", ci));
        assert!(entry_covered_by("s3:abc", "s3:a?c", ci));
        // Variables are not judged.
        let cs = Case::Sensitive;
        assert!(!entry_covered_by(
            "arn:aws:s3:::home/${aws:username}",
            "arn:aws:s3:::home/*",
            cs
        ));
        assert!(all_covered(
            &strings(&["arn:aws:s3:::home/${aws:username}"]),
            &strings(&["*"]),
            cs
        ));
        assert!(all_covered(
            &strings(&["S3:GetObject", "s3:put*"]),
            &strings(&["s3:Put*", "s3:getobject"]),
            ci
        ));
        assert!(!all_covered(
            &strings(&["arn:aws:s3:::Data/x"]),
            &strings(&["arn:aws:s3:::data/*"]),
            cs
        ));
    }
}
