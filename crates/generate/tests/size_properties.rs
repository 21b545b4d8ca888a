//! Property: laying statements out within any quota never changes the granted action set, keeps
//! each managed policy within its quota and never writes a service-wide wildcard.

use std::collections::BTreeSet;

use proptest::prelude::*;
use warden_catalog::Catalog;
use warden_generate::size::{Layout, SizeLimits, expand_all, layout};
use warden_generate::statement::{GeneratedStatement, document_json, iam_size};

const SERVICES: [&str; 5] = ["sqs", "sns", "kms", "dynamodb", "lambda"];

/// Statements of random action subsets (by index into each service's actions).
fn statements(picks: &[(usize, Vec<usize>)]) -> Vec<GeneratedStatement> {
    let catalog = Catalog::embedded();
    picks
        .iter()
        .enumerate()
        .filter_map(|(index, (service, actions))| {
            let service = catalog.service(SERVICES[service % SERVICES.len()])?;
            let mut names: Vec<String> = actions
                .iter()
                .map(|pick| service.actions[pick % service.actions.len()].full_name())
                .collect();
            names.sort();
            names.dedup();
            Some(GeneratedStatement {
                sid: format!("S{index}"),
                principal: None,
                actions: names,
                resources: vec![format!(
                    "arn:aws:{}:eu-west-1:111122223333:*",
                    service.prefix
                )],
                conditions: vec![],
                justification: "property test".into(),
                exceptions: vec![],
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn layout_keeps_the_action_set(
        picks in prop::collection::vec((0usize..5, prop::collection::vec(0usize..400, 1..120)), 1..6),
        managed in 600usize..6_144,
        max_policies in 1usize..12,
    ) {
        let catalog = Catalog::embedded();
        let statements = statements(&picks);
        let limits = SizeLimits { managed, inline_total: managed, max_managed_policies: max_policies };
        let intended: BTreeSet<String> =
            statements.iter().flat_map(|s| s.actions.iter().map(|a| a.to_ascii_lowercase())).collect();
        match layout("role", &statements, catalog, limits) {
            Err(too_large) => prop_assert!(too_large.needed > max_policies),
            Ok((result, _)) => {
                let granted: BTreeSet<String> =
                    result.policies().iter().flat_map(|policy| expand_all(&policy.actions(), catalog)).collect();
                prop_assert_eq!(granted, intended);
                for policy in result.policies() {
                    prop_assert!(policy.actions().iter().all(|action| !action.ends_with(":*")));
                    let mut resources: Vec<&String> = policy.statements.iter().flat_map(|s| &s.resources).collect();
                    resources.dedup();
                    prop_assert!(!resources.is_empty());
                }
                if let Layout::Managed(policies) = &result {
                    prop_assert!(policies.len() <= max_policies);
                    for policy in policies {
                        prop_assert!(iam_size(&document_json(&policy.statements)) <= managed, "{} is over", policy.name);
                    }
                }
            }
        }
    }
}
