//! Fitting generated statements into IAM's size quotas without widening access.
//!
//! In order of preference:
//! 1. one inline policy when the document fits the inline quota (10,240 characters for all inline
//!    policies of a role, whitespace not counted);
//! 2. customer managed policies of at most 6,144 characters each, statements packed first-fit
//!    decreasing (a statement too large on its own is split by actions, keeping its resources and
//!    conditions), as long as the role can attach that many (10 by default);
//! 3. only then, action lists compressed with wildcards that match exactly the same actions in
//!    the catalog (checked with [`Catalog::expand`]); a warning says so, because AWS may later
//!    add actions that such a wildcard would match.

use std::collections::BTreeSet;

use warden_catalog::Catalog;
use warden_policy::Quotas;

use crate::diag::Diagnostic;
use crate::statement::{GeneratedPolicy, GeneratedStatement, document_json, iam_size};

/// IAM quotas that decide the layout (AWS defaults; some are adjustable per account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimits {
    /// One customer managed policy.
    pub managed: usize,
    /// All inline policies of one role together.
    pub inline_total: usize,
    /// Managed policies that can be attached to the role.
    pub max_managed_policies: usize,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits::from(&Quotas::default())
    }
}

impl From<&Quotas> for SizeLimits {
    /// The limits generation lays out against, from the organization's quotas.
    fn from(quotas: &Quotas) -> Self {
        SizeLimits {
            managed: quotas.managed_policy_chars,
            inline_total: quotas.role_inline_policies_chars,
            max_managed_policies: quotas.managed_policies_per_role,
        }
    }
}

/// Where the permissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Inline(GeneratedPolicy),
    Managed(Vec<GeneratedPolicy>),
}

impl Layout {
    pub fn policies(&self) -> Vec<&GeneratedPolicy> {
        match self {
            Layout::Inline(policy) => vec![policy],
            Layout::Managed(policies) => policies.iter().collect(),
        }
    }
}

/// The statements do not fit even compressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the permissions need {needed} managed policies of at most {limit} characters; a role can attach {max}"
)]
pub struct TooLarge {
    pub needed: usize,
    pub limit: usize,
    pub max: usize,
}

/// Lays statements out into policies named after `role`.
pub fn layout(
    role: &str,
    statements: &[GeneratedStatement],
    catalog: &Catalog,
    limits: SizeLimits,
) -> Result<(Layout, Vec<Diagnostic>), TooLarge> {
    if iam_size(&document_json(statements)) <= limits.inline_total {
        return Ok((
            Layout::Inline(GeneratedPolicy {
                name: role.to_owned(),
                statements: statements.to_vec(),
            }),
            vec![],
        ));
    }
    let mut warnings = Vec::new();
    let packed = pack(role, statements, limits.managed);
    if packed.len() <= limits.max_managed_policies {
        warnings.push(Diagnostic::new(None, format!(
            "the permissions exceed the {}-character inline quota: split across {} managed policies",
            limits.inline_total,
            packed.len()
        )));
        return Ok((Layout::Managed(packed), warnings));
    }
    let compressed: Vec<GeneratedStatement> = statements
        .iter()
        .map(|statement| GeneratedStatement {
            actions: compress_actions(&statement.actions, catalog),
            ..statement.clone()
        })
        .collect();
    warnings.push(Diagnostic::new(None, format!(
        "action lists compressed with wildcards that match exactly the same {} actions in catalog {}; AWS may add actions these wildcards would match later",
        statements.iter().map(|s| s.actions.len()).sum::<usize>(),
        catalog.source().version
    )));
    if iam_size(&document_json(&compressed)) <= limits.inline_total {
        return Ok((
            Layout::Inline(GeneratedPolicy {
                name: role.to_owned(),
                statements: compressed,
            }),
            warnings,
        ));
    }
    let packed = pack(role, &compressed, limits.managed);
    if packed.len() <= limits.max_managed_policies {
        return Ok((Layout::Managed(packed), warnings));
    }
    Err(TooLarge {
        needed: packed.len(),
        limit: limits.managed,
        max: limits.max_managed_policies,
    })
}

/// First-fit decreasing into documents of at most `limit` characters.
fn pack(role: &str, statements: &[GeneratedStatement], limit: usize) -> Vec<GeneratedPolicy> {
    let envelope = iam_size(&document_json(&[]));
    let mut pieces: Vec<GeneratedStatement> = statements
        .iter()
        .flat_map(|statement| split_statement(statement, limit - envelope))
        .collect();
    pieces.sort_by_key(|statement| std::cmp::Reverse(statement_size(statement)));
    let mut bins: Vec<(usize, Vec<GeneratedStatement>)> = Vec::new();
    for piece in pieces {
        // A comma separates statements.
        let size = statement_size(&piece) + 1;
        match bins.iter_mut().find(|(used, _)| used + size <= limit) {
            Some((used, bin)) => {
                *used += size;
                bin.push(piece);
            }
            None => bins.push((envelope + size, vec![piece])),
        }
    }
    bins.into_iter()
        .enumerate()
        .map(|(index, (_, mut statements))| {
            statements.sort_by(|a, b| a.sid.cmp(&b.sid));
            GeneratedPolicy {
                name: format!("{role}-{}", index + 1),
                statements,
            }
        })
        .collect()
}

fn statement_size(statement: &GeneratedStatement) -> usize {
    iam_size(&statement.to_json())
}

/// Splits a statement whose JSON exceeds `limit` into parts by actions (same resources and
/// conditions), Sids suffixed `Part1`, `Part2`, ….
fn split_statement(statement: &GeneratedStatement, limit: usize) -> Vec<GeneratedStatement> {
    if statement_size(statement) <= limit || statement.actions.len() < 2 {
        return vec![statement.clone()];
    }
    let mut parts: Vec<GeneratedStatement> = Vec::new();
    // Measure with the longest Sid a part can get, so the suffix added below cannot overflow.
    let mut current = GeneratedStatement {
        sid: format!("{}Part{}", statement.sid, statement.actions.len()),
        actions: vec![],
        ..statement.clone()
    };
    for action in &statement.actions {
        current.actions.push(action.clone());
        if statement_size(&current) > limit && current.actions.len() > 1 {
            let last = current.actions.pop().unwrap_or_default();
            parts.push(current.clone());
            current.actions = vec![last];
        }
    }
    parts.push(current);
    let count = parts.len();
    for (index, part) in parts.iter_mut().enumerate() {
        part.sid = format!("{}Part{}", statement.sid, index + 1);
        if count > 1 {
            part.justification = format!(
                "{} (part {} of {count})",
                statement.justification,
                index + 1
            );
        }
    }
    parts
}

/// Replaces runs of actions by `service:Prefix*` where the catalog's actions with that prefix are
/// exactly actions of the list; every wildcard is checked by expanding it.
pub fn compress_actions(actions: &[String], catalog: &Catalog) -> Vec<String> {
    let wanted: BTreeSet<String> = actions
        .iter()
        .map(|action| action.to_ascii_lowercase())
        .collect();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for action in actions {
        let lower = action.to_ascii_lowercase();
        if covered.contains(&lower) {
            continue;
        }
        match widest_exact_wildcard(action, &wanted, catalog) {
            Some((pattern, matched)) => {
                covered.extend(matched);
                out.push(pattern);
            }
            None => {
                covered.insert(lower);
                out.push(action.clone());
            }
        }
    }
    out
}

/// The shortest `service:Prefix*` that matches `action` and only actions in `wanted` (at least
/// two, or it saves nothing), with what it matches (lowercase).
fn widest_exact_wildcard(
    action: &str,
    wanted: &BTreeSet<String>,
    catalog: &Catalog,
) -> Option<(String, Vec<String>)> {
    let (service, name) = action.split_once(':')?;
    for end in 1..name.len() {
        if !name.is_char_boundary(end) {
            continue;
        }
        let pattern = format!("{service}:{}*", &name[..end]);
        let Ok(matched) = catalog.expand(&pattern) else {
            return None;
        };
        let matched: Vec<String> = matched
            .iter()
            .map(|found| found.full_name().to_ascii_lowercase())
            .collect();
        if matched.len() >= 2 && matched.iter().all(|found| wanted.contains(found)) {
            return Some((pattern, matched));
        }
    }
    None
}

/// Every action the patterns grant, expanded through the catalog (lowercase, sorted).
pub fn expand_all(patterns: &[String], catalog: &Catalog) -> BTreeSet<String> {
    patterns
        .iter()
        .flat_map(|pattern| match catalog.expand(pattern) {
            Ok(actions) => actions
                .iter()
                .map(|action| action.full_name().to_ascii_lowercase())
                .collect(),
            Err(_) => vec![pattern.to_ascii_lowercase()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::embedded()
    }

    fn big_statements() -> Vec<GeneratedStatement> {
        let catalog = catalog();
        [
            "ec2",
            "iam",
            "s3",
            "rds",
            "lambda",
            "dynamodb",
            "glue",
            "sagemaker",
        ]
        .iter()
        .map(|prefix| {
            let service = catalog.service(prefix).unwrap();
            let actions: Vec<String> = service
                .actions
                .iter()
                .filter(|a| a.supports_resource_level_permissions())
                .map(|a| a.full_name())
                .collect();
            GeneratedStatement {
                sid: crate::statement::sid_from(prefix),
                principal: None,
                actions,
                resources: vec![format!("arn:aws:{prefix}:eu-west-1:111122223333:*")],
                conditions: vec![],
                justification: "test".into(),
                exceptions: vec![],
            }
        })
        .collect()
    }

    fn granted(layout: &Layout, catalog: &Catalog) -> BTreeSet<String> {
        layout
            .policies()
            .iter()
            .flat_map(|policy| expand_all(&policy.actions(), catalog))
            .collect()
    }

    #[test]
    fn small_policies_stay_inline() {
        let statements = big_statements()[..1]
            .iter()
            .map(|s| GeneratedStatement {
                actions: s.actions[..3].to_vec(),
                ..s.clone()
            })
            .collect::<Vec<_>>();
        let (layout, warnings) =
            layout("app", &statements, catalog(), SizeLimits::default()).unwrap();
        assert!(matches!(layout, Layout::Inline(_)));
        assert!(warnings.is_empty());
    }

    #[test]
    fn splitting_keeps_the_action_set_and_the_quota() {
        let statements = big_statements();
        let limits = SizeLimits {
            max_managed_policies: 50,
            ..SizeLimits::default()
        };
        let (result, _) = layout("app", &statements, catalog(), limits).unwrap();
        let Layout::Managed(policies) = &result else {
            panic!("expected managed policies")
        };
        assert!(policies.len() > 2);
        for policy in policies {
            assert!(
                iam_size(&policy.to_json()) <= limits.managed,
                "{} is too large",
                policy.name
            );
        }
        let before: BTreeSet<String> = statements
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| a.to_ascii_lowercase()))
            .collect();
        assert_eq!(granted(&result, catalog()), before);
        assert!(
            policies
                .iter()
                .flat_map(|p| p.actions())
                .all(|a| !a.contains('*')),
            "no wildcards when splitting suffices"
        );
    }

    #[test]
    fn compression_matches_exactly_the_same_actions() {
        let statements = big_statements();
        let limits = SizeLimits {
            max_managed_policies: 4,
            ..SizeLimits::default()
        };
        let (result, warnings) = layout("app", &statements, catalog(), limits).unwrap();
        assert!(result.policies().len() <= 4);
        assert!(
            warnings.iter().any(|w| w.message.contains("compressed")),
            "{warnings:?}"
        );
        let before: BTreeSet<String> = statements
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| a.to_ascii_lowercase()))
            .collect();
        assert_eq!(granted(&result, catalog()), before);
        for policy in result.policies() {
            for action in policy.actions() {
                assert!(!action.ends_with(":*"), "service wildcard `{action}`");
            }
        }
    }

    #[test]
    fn compress_never_covers_an_unwanted_action() {
        let catalog = catalog();
        let actions: Vec<String> = [
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:PutObject",
            "s3:ListBucket",
        ]
        .map(String::from)
        .to_vec();
        let compressed = compress_actions(&actions, catalog);
        assert_eq!(
            expand_all(&compressed, catalog),
            expand_all(&actions, catalog)
        );
        let all_list: Vec<String> = catalog
            .expand("iam:List*")
            .unwrap()
            .iter()
            .map(|a| a.full_name())
            .collect();
        let compressed = compress_actions(&all_list, catalog);
        assert!(compressed.len() < all_list.len() / 4, "{compressed:?}");
        assert_eq!(
            expand_all(&compressed, catalog),
            expand_all(&all_list, catalog)
        );
    }

    #[test]
    fn hopeless_sizes_are_errors() {
        let limits = SizeLimits {
            managed: 6_144,
            inline_total: 10_240,
            max_managed_policies: 1,
        };
        let err = layout("app", &big_statements(), catalog(), limits).unwrap_err();
        assert_eq!(err.max, 1);
    }
}
