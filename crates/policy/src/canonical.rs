//! Canonical form and semantic equivalence: two documents that mean the same to IAM have the
//! same canonical form, so comparing live IAM with definitions never shows formatting diffs.
//!
//! What the canonical form normalizes (each is meaning-preserving for IAM):
//! - statements sorted, identical statements merged; `Statement` always a list;
//! - every string-or-list written as a sorted list without duplicates;
//! - action names lowercased (IAM matches them case-insensitively);
//! - a list containing `*` becomes `["*"]`, and entries covered by a `prefix*` entry of the same
//!   list are dropped (`["s3:*", "s3:getobject"]` → `["s3:*"]`);
//! - `AWS` principals: bare account ids become `arn:aws:iam::ID:root`;
//! - conditions: condition key names lowercased (operator names are case-sensitive), values
//!   compared as text (`true` ≡ `"true"`), values of `…IgnoreCase` operators lowercased,
//!   empty condition maps dropped.
//!
//! What stays significant: `Version` (a missing `Version` means 2008-10-17 semantics, where
//! `${…}` is not substituted, so it is not the same as `2012-10-17`), `Id`, every `Sid`, the
//! effect, `Not…` versus positive elements, resource case, condition value case.
//! `"Principal": "*"` and `{"AWS": "*"}` are kept apart (conservatively).

use std::cmp::Ordering;

use crate::model::PrincipalType;
use crate::model::{
    ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionOperator, ConditionValue,
    PolicyDocument, Principal, PrincipalClause, ResourceClause, Span, Statement, Values,
    normalize_aws_principal,
};

impl PolicyDocument {
    /// The canonical form (idempotent: canonicalizing it again changes nothing).
    pub fn canonicalize(&self) -> PolicyDocument {
        let mut keyed: Vec<(String, Statement)> = self
            .statements
            .iter()
            .map(|statement| {
                let canonical = canonical_statement(statement);
                (canonical.to_json_string(), canonical)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        PolicyDocument {
            version: self.version,
            id: self.id.clone(),
            statements: keyed.into_iter().map(|(_, statement)| statement).collect(),
            statement_is_object: false,
        }
    }

    /// Minified JSON of the canonical form: equal strings ⇔ equivalent documents.
    pub fn canonical_json(&self) -> String {
        self.canonicalize().to_json_string()
    }
}

/// Whether two documents mean the same to IAM (see the module docs for what is normalized).
pub fn equivalent(a: &PolicyDocument, b: &PolicyDocument) -> bool {
    a.version == b.version && a.id == b.id && a.canonicalize() == b.canonicalize()
}

/// One statement in canonical form (also used by the diff).
pub fn canonical_statement(statement: &Statement) -> Statement {
    Statement {
        sid: statement.sid.clone(),
        effect: statement.effect,
        principal: statement.principal.as_ref().map(canonical_principal_clause),
        action: match &statement.action {
            ActionClause::Action(values) => ActionClause::Action(canonical_actions(values)),
            ActionClause::NotAction(values) => ActionClause::NotAction(canonical_actions(values)),
        },
        resource: statement.resource.as_ref().map(|clause| match clause {
            ResourceClause::Resource(values) => {
                ResourceClause::Resource(canonical_patterns(values.items.clone()))
            }
            ResourceClause::NotResource(values) => {
                ResourceClause::NotResource(canonical_patterns(values.items.clone()))
            }
        }),
        condition: statement.condition.as_ref().and_then(canonical_condition),
        span: Span::default(),
    }
}

fn canonical_actions(values: &Values) -> Values {
    canonical_patterns(values.iter().map(|action| action.to_lowercase()).collect())
}

/// Sorted, deduplicated, `*` absorbing everything, `prefix*` absorbing what starts with
/// `prefix`.
fn canonical_patterns(mut items: Vec<String>) -> Values {
    if items.iter().any(|item| item == "*") {
        return Values::list(vec!["*".to_string()]);
    }
    items.sort_unstable();
    items.dedup();
    let mut covered = vec![false; items.len()];
    for (index, pattern) in items.iter().enumerate() {
        let Some(prefix) = plain_prefix_star(pattern) else {
            continue;
        };
        // Strings starting with `prefix` are contiguous in sorted order.
        let start = items.partition_point(|item| item.as_str() < prefix);
        for (other, item) in items.iter().enumerate().skip(start) {
            if !item.starts_with(prefix) {
                break;
            }
            if other != index {
                covered[other] = true;
            }
        }
    }
    let mut covered = covered.into_iter();
    items.retain(|_| !covered.next().unwrap_or(false));
    Values::list(items)
}

/// `Some(prefix)` for patterns whose only wildcard is one trailing `*` (and no `$`, so no
/// policy variable or escape is involved).
fn plain_prefix_star(pattern: &str) -> Option<&str> {
    let prefix = pattern.strip_suffix('*')?;
    (!prefix.contains(['*', '?', '$'])).then_some(prefix)
}

fn canonical_principal_clause(clause: &PrincipalClause) -> PrincipalClause {
    match clause {
        PrincipalClause::Principal(principal) => {
            PrincipalClause::Principal(canonical_principal(principal))
        }
        PrincipalClause::NotPrincipal(principal) => {
            PrincipalClause::NotPrincipal(canonical_principal(principal))
        }
    }
}

fn canonical_principal(principal: &Principal) -> Principal {
    let Principal::Typed(typed) = principal else {
        return Principal::Any;
    };
    let mut merged: Vec<(PrincipalType, Vec<String>)> = Vec::with_capacity(typed.len());
    for (kind, values) in typed {
        let ids = values.iter().map(|id| match kind {
            PrincipalType::Aws => normalize_aws_principal(id).into_owned(),
            _ => id.clone(),
        });
        match merged.iter_mut().find(|(seen, _)| seen == kind) {
            Some((_, existing)) => existing.extend(ids),
            None => merged.push((*kind, ids.collect())),
        }
    }
    merged.sort_by_key(|(kind, _)| *kind);
    Principal::Typed(
        merged
            .into_iter()
            .map(|(kind, mut ids)| {
                if ids.iter().any(|id| id == "*") {
                    return (kind, Values::list(vec!["*".to_string()]));
                }
                ids.sort_unstable();
                ids.dedup();
                (kind, Values::list(ids))
            })
            .collect(),
    )
}

/// One condition test in canonical form, before regrouping into blocks.
struct FlatEntry {
    operator: ConditionOperator,
    operator_name: String,
    key: String,
    written_key: String,
    values: Vec<String>,
}

fn canonical_condition(condition: &Condition) -> Option<Condition> {
    let mut flat: Vec<FlatEntry> = Vec::new();
    for block in &condition.blocks {
        let operator = block.operator.clone();
        let ignore_case = operator.base.ends_with("IgnoreCase");
        let operator_name = operator.to_string();
        for entry in &block.entries {
            let mut values: Vec<String> = entry
                .values
                .iter()
                .map(|value| {
                    let text = value.as_text();
                    if ignore_case {
                        text.to_lowercase()
                    } else {
                        text.into_owned()
                    }
                })
                .collect();
            values.sort_unstable();
            values.dedup();
            flat.push(FlatEntry {
                operator: operator.clone(),
                operator_name: operator_name.clone(),
                key: entry.key.to_lowercase(),
                written_key: entry.key.clone(),
                values,
            });
        }
    }
    flat.sort_by(compare_flat);
    // The same test twice is the same test (AND is idempotent).
    flat.dedup_by(|a, b| compare_flat(a, b) == Ordering::Equal);
    if flat.is_empty() {
        return None;
    }
    let mut blocks: Vec<ConditionBlock> = Vec::new();
    for entry in flat {
        let same_operator = blocks
            .last()
            .is_some_and(|block| block.operator == entry.operator);
        if !same_operator {
            blocks.push(ConditionBlock {
                operator: entry.operator.clone(),
                entries: Vec::new(),
            });
        }
        let Some(block) = blocks.last_mut() else {
            continue;
        };
        // Two different tests of one key (written in different case) cannot share a JSON
        // key: the later one keeps its written spelling.
        let key = if block.entries.iter().any(|e| e.key == entry.key) {
            entry.written_key
        } else {
            entry.key
        };
        block.entries.push(ConditionEntry {
            key,
            values: Values::list(
                entry
                    .values
                    .into_iter()
                    .map(ConditionValue::String)
                    .collect(),
            ),
            span: Span::default(),
        });
    }
    Some(Condition { blocks })
}

fn compare_flat(a: &FlatEntry, b: &FlatEntry) -> Ordering {
    a.operator_name
        .cmp(&b.operator_name)
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.values.cmp(&b.values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_policy;

    fn doc(text: &str) -> PolicyDocument {
        parse_policy(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn same(a: &str, b: &str) -> bool {
        equivalent(&doc(a), &doc(b))
    }

    const BASE: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],
         "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
         "Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceAccount":["111122223333"]}}},
        {"Effect":"Deny","Principal":{"AWS":"111122223333"},"NotAction":"iam:*","Resource":"*"}]}"#;

    #[test]
    fn meaning_preserving_rewrites_are_equivalent() {
        let rewritten = r#"{
          "Statement": [
            {"Resource": ["*"], "NotAction": ["IAM:*", "iam:*"], "Effect": "Deny",
             "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}},
            {"Condition": {"StringEquals": {"AWS:SOURCEACCOUNT": "111122223333"},
                           "Bool": {"aws:securetransport": true}},
             "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:s3:::b"],
             "Action": ["s3:listbucket", "S3:GETOBJECT"], "Effect": "Allow", "Sid": "Read"},
            {"Effect":"Deny","Principal":{"AWS":"111122223333"},"NotAction":"iam:*","Resource":"*"}
          ],
          "Version": "2012-10-17"
        }"#;
        assert!(same(BASE, rewritten));
        assert_eq!(doc(BASE).canonical_json(), doc(rewritten).canonical_json());
    }

    #[test]
    fn meaning_changes_are_different() {
        let changes = [
            ("\"s3:ListBucket\"]", "\"s3:ListBuckets\"]"),
            ("\"arn:aws:s3:::b/*\"]", "\"arn:aws:s3:::B/*\"]"),
            ("\"true\"", "\"false\""),
            ("[\"111122223333\"]", "[\"111122223333\", \"444455556666\"]"),
            ("\"Effect\":\"Deny\"", "\"Effect\":\"Allow\""),
            ("\"NotAction\"", "\"Action\""),
            ("\"Sid\":\"Read\"", "\"Sid\":\"Write\""),
            ("\"StringEquals\"", "\"StringLike\""),
            ("\"Version\":\"2012-10-17\",", ""),
            ("{\"AWS\":\"111122223333\"}", "{\"AWS\":\"111122223334\"}"),
        ];
        for (from, to) in changes {
            assert!(BASE.contains(from), "{from}");
            let changed = BASE.replacen(from, to, 1);
            assert!(!same(BASE, &changed), "{from} → {to} should differ");
        }
    }

    #[test]
    fn wildcards_absorb_covered_entries() {
        let a = r#"{"Statement":{"Effect":"Allow","Action":["s3:*","s3:GetObject","ec2:Describe*","ec2:DescribeVpcs"],"Resource":["arn:aws:s3:::b/*","*"]}}"#;
        let canonical = doc(a).canonical_json();
        assert_eq!(
            canonical,
            r#"{"Statement":[{"Effect":"Allow","Action":["ec2:describe*","s3:*"],"Resource":["*"]}]}"#
        );
        // A `?` pattern does not absorb, and resources stay case-sensitive.
        let b = r#"{"Statement":{"Effect":"Allow","Action":"s3:Get?bject","Resource":["arn:aws:s3:::B*","arn:aws:s3:::b1"]}}"#;
        let canonical = doc(b).canonical_json();
        assert!(
            canonical.contains(r#"["arn:aws:s3:::B*","arn:aws:s3:::b1"]"#),
            "{canonical}"
        );
    }

    #[test]
    fn canonical_is_idempotent_and_keeps_versions_apart() {
        let canonical = doc(BASE).canonicalize();
        assert_eq!(canonical.canonicalize(), canonical);
        let reparsed = doc(&canonical.to_json_string());
        assert_eq!(reparsed.canonicalize(), canonical);
        let v2008 = BASE.replace("2012-10-17", "2008-10-17");
        assert!(!same(BASE, &v2008));
    }

    #[test]
    fn ignore_case_operators_compare_values_case_insensitively() {
        let a = r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"StringEqualsIgnoreCase":{"k":"Team"}}}}"#;
        let b = a.replace("\"Team\"", "\"TEAM\"");
        assert!(same(a, &b));
        let c = a.replace("StringEqualsIgnoreCase", "StringEquals");
        let d = c.replace("\"Team\"", "\"TEAM\"");
        assert!(!same(&c, &d));
    }

    #[test]
    fn colliding_condition_keys_stay_separate_tests() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"StringEquals":{"aws:PrincipalTag/x":"1","aws:principaltag/X":"2"}}}}"#;
        let canonical = doc(text).canonicalize();
        let entries = &canonical.statements[0].condition.as_ref().unwrap().blocks[0].entries;
        assert_eq!(entries.len(), 2);
        assert_ne!(entries[0].key, entries[1].key);
        assert_eq!(canonical.canonicalize(), canonical);
    }
}
