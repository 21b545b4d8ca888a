//! WL903: an action, resource or condition value that another one of the same statement
//! already covers.

use warden_policy::wildcard::{Case, has_wildcard, matches};
use warden_policy::{ActionClause, ResourceClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags, within one statement, an `Action`/`NotAction` entry that repeats another or that
/// another entry's wildcard already names (`s3:GetObject` beside `s3:Get*`), a `Resource`/
/// `NotResource` entry repeated or matched by another entry's wildcard
/// (`arn:aws:s3:::data/report.csv` beside `arn:aws:s3:::data/*`), and a value repeated under
/// the same condition key. Access Analyzer reports these as "Redundant action", "Redundant
/// resource" and "Redundant condition value num" suggestions.
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
pub struct RedundantElement;

static META: RuleMeta = RuleMeta {
    id: "WL903",
    name: "redundant-element",
    group: Group::Hygiene,
    severity: Severity::Info,
    summary: "action, resource or condition value already covered in the same statement",
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
    }
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
}
