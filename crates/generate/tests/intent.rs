//! Generation from intent files: rendered definitions (snapshots), scoping, exceptions and errors.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a failure should stop the test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use warden_catalog::Catalog;
use warden_generate::render::{definitions_yaml, policy_json};
use warden_generate::size::expand_all;
use warden_generate::{IntentOptions, Layout, SizeLimits, generate_from_intent_text};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/intent")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/intent")
        .join(name)
}

fn options() -> IntentOptions {
    IntentOptions {
        exception_expires: "2027-11-25".into(),
        ..IntentOptions::default()
    }
}

fn generate(path: &Path) -> (warden_generate::GeneratedRole, Layout) {
    let text = std::fs::read_to_string(path).unwrap();
    generate_from_intent_text(
        &text,
        Path::new("intent.yaml"),
        Catalog::embedded(),
        &options(),
        SizeLimits::default(),
    )
    .unwrap()
}

#[test]
fn report_exporter_definition() {
    let (role, layout) = generate(&example("report-exporter.yaml"));
    insta::assert_snapshot!(definitions_yaml(
        &role,
        &layout,
        "examples/intent/report-exporter.yaml"
    ));
    let warnings: Vec<String> = role.warnings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("report_exporter_warnings", warnings.join("\n"));
}

#[test]
fn read_only_is_never_write() {
    let (_, layout) = generate(&example("report-exporter.yaml"));
    let catalog = Catalog::embedded();
    let granted: BTreeSet<String> = layout
        .policies()
        .iter()
        .flat_map(|p| expand_all(&p.actions(), catalog))
        .collect();
    assert!(granted.contains("s3:getobject"));
    assert!(granted.contains("s3:putobject"), "named explicitly");
    assert!(
        !granted.contains("s3:deleteobject"),
        "Write was not asked for"
    );
    assert!(!granted.contains("dynamodb:putitem"));
    for action in &granted {
        let found = catalog.action(action).unwrap();
        let allowed = matches!(
            found.access_level,
            warden_catalog::AccessLevel::List | warden_catalog::AccessLevel::Read
        ) || [
            "s3:putobject",
            "s3:abortmultipartupload",
            "kms:decrypt",
            "kms:generatedatakey",
            "iam:passrole",
        ]
        .contains(&action.as_str());
        assert!(allowed, "`{action}` is {:?}", found.access_level);
    }
}

#[test]
fn star_only_for_actions_without_resource_types_with_the_reason() {
    let (_, layout) = generate(&example("report-exporter.yaml"));
    let catalog = Catalog::embedded();
    for policy in layout.policies() {
        for statement in &policy.statements {
            assert!(
                !statement
                    .actions
                    .iter()
                    .any(|a| a.ends_with(":*") || a == "*"),
                "service wildcard in {}",
                statement.sid
            );
            if statement.is_resource_star() {
                for action in &statement.actions {
                    assert!(
                        !catalog
                            .action(action)
                            .unwrap()
                            .supports_resource_level_permissions(),
                        "`{action}` could be scoped"
                    );
                }
                assert!(
                    statement.justification.contains("accepts no resource type"),
                    "{} does not say why it needs `*`",
                    statement.sid
                );
            }
            // WL301 does not flag actions without resource types, so an exception would be
            // reported as unused (WL705).
            assert!(statement.exceptions.is_empty(), "{}", statement.sid);
        }
    }
}

#[test]
fn pass_role_carries_passed_to_service() {
    let (_, layout) = generate(&example("report-exporter.yaml"));
    let Layout::Inline(policy) = layout else {
        panic!("expected one inline policy")
    };
    let pass = policy
        .statements
        .iter()
        .find(|s| s.actions.contains(&"iam:PassRole".to_string()))
        .unwrap();
    assert_eq!(pass.conditions[0].key, "iam:PassedToService");
    assert_eq!(
        pass.resources,
        vec!["arn:aws:iam::111122223333:role/report-exporter-task"]
    );
}

#[test]
fn tags_become_resource_tag_conditions_only_where_supported() {
    let (role, layout) = generate(&fixture("tagged-queues.yaml"));
    let json = policy_json(&layout).to_string();
    assert!(
        json.contains(r#""aws:ResourceTag/team":"payments""#),
        "{json}"
    );
    let catalog = Catalog::embedded();
    for policy in layout.policies() {
        for statement in &policy.statements {
            for action in &statement.actions {
                let action = catalog.action(action).unwrap();
                assert!(
                    catalog.condition_key_valid(action, "aws:ResourceTag/team"),
                    "{} does not support the tag key",
                    action.full_name()
                );
            }
        }
    }
    assert!(
        role.warnings
            .iter()
            .any(|w| w.message.contains("does not support the condition key")),
        "{:?}",
        role.warnings
    );
}

#[test]
fn unmatched_actions_are_left_out_not_widened() {
    let (role, layout) = generate(&fixture("tagged-queues.yaml"));
    let json = policy_json(&layout).to_string();
    assert!(!json.contains(r#""Resource":"*""#), "{json}");
    assert!(
        role.warnings.iter().any(|w| w.message.contains("left out")),
        "{:?}",
        role.warnings
    );
}

fn error_of(text: &str) -> String {
    generate_from_intent_text(
        text,
        Path::new("bad.yaml"),
        Catalog::embedded(),
        &options(),
        SizeLimits::default(),
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn errors_point_at_the_intent() {
    let base = "role: r\naccount: \"111122223333\"\npermissions:\n  - service: s3\n    access: [Read]\n    resources:\n      - {type: objekt, bucket: b, key: k}\n";
    let err = error_of(base);
    assert!(
        err.starts_with("bad.yaml:7:9: `s3` has no resource type `objekt`"),
        "{err}"
    );
    let err = error_of(&base.replace("objekt", "object").replace("key: k", "ky: k"));
    assert!(err.starts_with("bad.yaml:7:9: `object` ARNs"), "{err}");
    assert!(err.contains("no variable for `ky`"), "{err}");
    let err = error_of(&base.replace("service: s3", "service: s4"));
    assert!(
        err.starts_with("bad.yaml:4:14: unknown service `s4`"),
        "{err}"
    );
    let err = error_of(
        &base
            .replace("access: [Read]", "actions: [s3:GetObjekt]")
            .replace("objekt,", "object,"),
    );
    assert!(err.starts_with("bad.yaml:5:15: "), "{err}");
    assert!(err.contains("GetObjekt"), "{err}");
    let err = error_of(&base.replace(
        "    resources:\n      - {type: objekt, bucket: b, key: k}\n",
        "    resources: [\"*\"]\n",
    ));
    assert!(err.contains("`*` is not a resource"), "{err}");
}

#[test]
fn misspelled_services_and_actions_get_suggestions() {
    let base = "role: r\naccount: \"111122223333\"\npermissions:\n  - service: ecr\n    actions: [ecr:GetAuthorizationToken]\n";
    let err = error_of(&base.replace("service: ecr", "service: ecrr"));
    assert_eq!(
        err,
        "bad.yaml:4:14: unknown service `ecrr`; did you mean `ecr`?"
    );
    let err = error_of(&base.replace("GetAuthorizationToken", "GetAuthorisationToken"));
    assert!(
        err.ends_with("; did you mean `ecr:GetAuthorizationToken`?"),
        "{err}"
    );
}
