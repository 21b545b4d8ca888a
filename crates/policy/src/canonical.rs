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
//! - conditions: condition key names lowercased up to the first `/` (the tag key in
//!   `aws:ResourceTag/Team` keeps its case: tag keys are case-sensitive in many services;
//!   operator names are case-sensitive in IAM), values
//!   compared as text (`true` ≡ `"true"`), values of `…IgnoreCase` operators lowercased,
//!   empty condition maps dropped;
//! - under `Version` 2012-10-17, policy variable names in resources and condition values are
//!   lowercased the same way (`${aws:UserName}` → `${aws:username}`); defaults keep their case.
//!
//! What stays significant: `Version` (a missing `Version` means 2008-10-17 semantics, where
//! `${…}` is not substituted, so it is not the same as `2012-10-17`), `Id`, every `Sid`, the
//! effect, `Not…` versus positive elements, resource case, condition value case. A missing
//! `Version` behaves like 2008-10-17 but is kept distinct from it, so editing the element
//! always shows up. Statements are not merged across each other (two statements that together
//! grant what one would are reported as different).
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
        self.clone().into_canonical()
    }

    /// The canonical form, reusing this document's strings (no copy when the caller no longer
    /// needs the document as written, e.g. right after parsing).
    pub fn into_canonical(self) -> PolicyDocument {
        let variables = self.supports_variables();
        let mut statements: Vec<Statement> = self
            .statements
            .into_iter()
            .map(|statement| into_canonical_statement(statement, variables))
            .collect();
        statements.sort_by(compare_statements);
        statements.dedup_by(|a, b| compare_statements(a, b) == Ordering::Equal);
        PolicyDocument {
            version: self.version,
            id: self.id,
            statements,
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

/// One statement in canonical form; `variables` tells whether the document substitutes
/// policy variables (`Version` 2012-10-17).
pub fn canonical_statement(statement: &Statement, variables: bool) -> Statement {
    into_canonical_statement(statement.clone(), variables)
}

fn into_canonical_statement(statement: Statement, variables: bool) -> Statement {
    Statement {
        sid: statement.sid,
        effect: statement.effect,
        principal: statement.principal.map(|clause| match clause {
            PrincipalClause::Principal(p) => PrincipalClause::Principal(canonical_principal(p)),
            PrincipalClause::NotPrincipal(p) => {
                PrincipalClause::NotPrincipal(canonical_principal(p))
            }
        }),
        action: match statement.action {
            ActionClause::Action(values) => ActionClause::Action(canonical_actions(values)),
            ActionClause::NotAction(values) => ActionClause::NotAction(canonical_actions(values)),
        },
        resource: statement.resource.map(|clause| {
            let canonical = |values: Values| {
                let mut items = values.items;
                if variables {
                    items.iter_mut().for_each(canonical_variable_names);
                }
                canonical_patterns(items)
            };
            match clause {
                ResourceClause::Resource(values) => ResourceClause::Resource(canonical(values)),
                ResourceClause::NotResource(values) => {
                    ResourceClause::NotResource(canonical(values))
                }
            }
        }),
        condition: statement
            .condition
            .and_then(|condition| canonical_condition(condition, variables)),
        span: Span::default(),
    }
}

fn canonical_actions(mut values: Values) -> Values {
    for action in &mut values.items {
        lowercase_in_place(action);
    }
    canonical_patterns(values.items)
}

/// Lowercases without allocating for ASCII text (all action names and condition keys in
/// practice).
fn lowercase_in_place(text: &mut String) {
    if text.is_ascii() {
        text.make_ascii_lowercase();
    } else {
        *text = text.to_lowercase();
    }
}

/// Lowercases a condition key name up to the first `/`: key names are case-insensitive, but
/// what follows the slash is often a tag key, which many services match case-sensitively.
fn canonical_key_name(key: &mut String) {
    let end = key.find('/').unwrap_or(key.len());
    if key[..end].is_ascii() {
        key[..end].make_ascii_lowercase();
    } else {
        *key = format!("{}{}", key[..end].to_lowercase(), &key[end..]);
    }
}

/// Lowercases the key names of `${…}` policy variables (not their defaults, not escapes).
fn canonical_variable_names(text: &mut String) {
    if !crate::variables::has_opening(text) {
        return;
    }
    let found = crate::variables::variables(text);
    if found.is_empty() {
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for variable in &found {
        out.push_str(&text[copied..variable.range.start]);
        let mut key = variable.key.to_string();
        canonical_key_name(&mut key);
        out.push_str("${");
        out.push_str(&key);
        if let Some(default) = variable.default {
            out.push_str(", '");
            out.push_str(default);
            out.push('\'');
        }
        out.push('}');
        copied = variable.range.end;
    }
    out.push_str(&text[copied..]);
    *text = out;
}

/// Sorted, deduplicated, `*` absorbing everything, `prefix*` absorbing what starts with
/// `prefix`.
fn canonical_patterns(mut items: Vec<String>) -> Values {
    if items.iter().any(|item| item == "*") {
        items.clear();
        items.push("*".to_string());
        return Values::list(items);
    }
    items.sort_unstable();
    items.dedup();
    let mut covered: Vec<bool> = Vec::new();
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
                if covered.is_empty() {
                    covered = vec![false; items.len()];
                }
                covered[other] = true;
            }
        }
    }
    if !covered.is_empty() {
        let mut covered = covered.into_iter();
        items.retain(|_| !covered.next().unwrap_or(false));
    }
    Values::list(items)
}

/// `Some(prefix)` for patterns whose only wildcard is one trailing `*` (and no `$`, so no
/// policy variable or escape is involved).
fn plain_prefix_star(pattern: &str) -> Option<&str> {
    let prefix = pattern.strip_suffix('*')?;
    (!prefix.contains(['*', '?', '$'])).then_some(prefix)
}

fn canonical_principal(principal: Principal) -> Principal {
    let Principal::Typed(typed) = principal else {
        return Principal::Any;
    };
    let mut merged: Vec<(PrincipalType, Vec<String>)> = Vec::with_capacity(typed.len());
    for (kind, values) in typed {
        let ids = values.items.into_iter().map(|id| match kind {
            PrincipalType::Aws if crate::model::is_account_id(&id) => {
                normalize_aws_principal(&id).into_owned()
            }
            _ => id,
        });
        match merged.iter_mut().find(|(seen, _)| *seen == kind) {
            Some((_, existing)) => existing.extend(ids),
            None => merged.push((kind, ids.collect())),
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
    key: String,
    written_key: String,
    values: Vec<String>,
}

fn canonical_condition(condition: Condition, variables: bool) -> Option<Condition> {
    let mut flat: Vec<FlatEntry> = Vec::new();
    for block in condition.blocks {
        let ignore_case = block.operator.base.ends_with("IgnoreCase");
        for entry in block.entries {
            let mut values: Vec<String> = entry
                .values
                .items
                .into_iter()
                .map(|value| {
                    let mut text = match value {
                        ConditionValue::String(text) | ConditionValue::Number(text) => text,
                        ConditionValue::Bool(value) => value.to_string(),
                    };
                    if variables {
                        canonical_variable_names(&mut text);
                    }
                    if ignore_case {
                        lowercase_in_place(&mut text);
                    }
                    text
                })
                .collect();
            values.sort_unstable();
            values.dedup();
            let mut key = entry.key.clone();
            canonical_key_name(&mut key);
            flat.push(FlatEntry {
                operator: block.operator.clone(),
                key,
                written_key: entry.key,
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
    // Two different tests of one key (written in different case) cannot share a JSON key: such
    // entries keep their written spelling, which JSON already made distinct.
    let shares_key = |a: &FlatEntry, b: &FlatEntry| a.operator == b.operator && a.key == b.key;
    let collides: Vec<bool> = (0..flat.len())
        .map(|i| {
            (i > 0 && shares_key(&flat[i - 1], &flat[i]))
                || flat
                    .get(i + 1)
                    .is_some_and(|next| shares_key(&flat[i], next))
        })
        .collect();
    let mut blocks: Vec<ConditionBlock> = Vec::new();
    for (entry, collides) in flat.into_iter().zip(collides) {
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
        let key = if collides {
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
    compare_operators(&a.operator, &b.operator)
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.values.cmp(&b.values))
}

fn compare_operators(a: &ConditionOperator, b: &ConditionOperator) -> Ordering {
    (a.qualifier, &a.base, a.if_exists).cmp(&(b.qualifier, &b.base, b.if_exists))
}

/// A total order on canonical statements, equal exactly when the statements are equal (spans
/// are default in canonical form). Cheaper than comparing their JSON text.
pub(crate) fn compare_statements(a: &Statement, b: &Statement) -> Ordering {
    a.sid
        .cmp(&b.sid)
        .then_with(|| a.effect.cmp(&b.effect))
        .then_with(|| compare_option(&a.principal, &b.principal, compare_principal_clauses))
        .then_with(|| {
            let (name_a, values_a) = a.action.parts();
            let (name_b, values_b) = b.action.parts();
            name_a
                .cmp(name_b)
                .then_with(|| compare_values(values_a, values_b))
        })
        .then_with(|| {
            compare_option(&a.resource, &b.resource, |x, y| {
                let (name_x, values_x) = x.parts();
                let (name_y, values_y) = y.parts();
                name_x
                    .cmp(name_y)
                    .then_with(|| compare_values(values_x, values_y))
            })
        })
        .then_with(|| compare_option(&a.condition, &b.condition, compare_conditions))
}

fn compare_option<T>(
    a: &Option<T>,
    b: &Option<T>,
    compare: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare(x, y),
    }
}

fn compare_values(a: &Values, b: &Values) -> Ordering {
    a.items.cmp(&b.items).then_with(|| a.single.cmp(&b.single))
}

fn compare_principal_clauses(a: &PrincipalClause, b: &PrincipalClause) -> Ordering {
    let (name_a, principal_a) = a.parts();
    let (name_b, principal_b) = b.parts();
    name_a
        .cmp(name_b)
        .then_with(|| match (principal_a, principal_b) {
            (Principal::Any, Principal::Any) => Ordering::Equal,
            (Principal::Any, Principal::Typed(_)) => Ordering::Less,
            (Principal::Typed(_), Principal::Any) => Ordering::Greater,
            (Principal::Typed(x), Principal::Typed(y)) => {
                for ((kind_x, values_x), (kind_y, values_y)) in x.iter().zip(y) {
                    let order = kind_x
                        .cmp(kind_y)
                        .then_with(|| compare_values(values_x, values_y));
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                x.len().cmp(&y.len())
            }
        })
}

fn compare_conditions(a: &Condition, b: &Condition) -> Ordering {
    let (blocks_a, blocks_b) = (&a.blocks, &b.blocks);
    for (block_a, block_b) in blocks_a.iter().zip(blocks_b) {
        let order = compare_operators(&block_a.operator, &block_b.operator).then_with(|| {
            let mut order = block_a.entries.len().cmp(&block_b.entries.len());
            for (x, y) in block_a.entries.iter().zip(&block_b.entries) {
                order = order
                    .then_with(|| x.key.cmp(&y.key))
                    .then_with(|| x.values.single.cmp(&y.values.single))
                    .then_with(|| x.values.items.cmp(&y.values.items));
            }
            order
        });
        if order != Ordering::Equal {
            return order;
        }
    }
    blocks_a.len().cmp(&blocks_b.len())
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
    fn tag_keys_keep_their_case_and_variables_are_normalized() {
        let a = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:s3:::b/${aws:UserName}/${aws:PrincipalTag/Team, 'None'}/${*}","Condition":{"StringEquals":{"AWS:ResourceTag/Team":"${AWS:PrincipalTag/Team}"}}}}"#;
        let b = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:s3:::b/${aws:username}/${aws:principaltag/Team, 'None'}/${*}","Condition":{"StringEquals":{"aws:resourcetag/Team":"${aws:principaltag/Team}"}}}}"#;
        assert!(same(a, b));
        assert!(
            doc(a)
                .canonical_json()
                .contains("${aws:principaltag/Team, 'None'}")
        );
        assert!(!same(a, &b.replace("resourcetag/Team", "resourcetag/team")));
        assert!(!same(a, &b.replace("'None'", "'none'")));
        // Under 2008-10-17 `${…}` is literal text, so case matters.
        let a2008 = a.replace("2012-10-17", "2008-10-17");
        let b2008 = b.replace("2012-10-17", "2008-10-17");
        assert!(!same(&a2008, &b2008));
    }

    #[test]
    fn colliding_condition_keys_stay_separate_tests() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"StringEquals":{"aws:SourceAccount":"1","aws:sourceaccount":"2"}}}}"#;
        let canonical = doc(text).canonicalize();
        let entries = &canonical.statements[0].condition.as_ref().unwrap().blocks[0].entries;
        assert_eq!(entries.len(), 2);
        assert_ne!(entries[0].key, entries[1].key);
        assert_eq!(canonical.canonicalize(), canonical);
    }
}
