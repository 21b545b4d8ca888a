//! Tests of high-risk events: every alert kind fires on its planted record, and a compliant twin (a
//! narrow policy, a narrowing trust, Warden's own write, a failed call, a read) stays silent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

use std::collections::BTreeSet;
use std::path::Path;

use crate::events::{
    AlertKind, EventsContext, detect, eventbridge_template, render_json, render_sarif, render_table,
};
use warden_generate::io::read_trail_dir;

fn context() -> EventsContext {
    EventsContext {
        access_role_name: "WardenAccess".to_string(),
        managed_roles: BTreeSet::from(["payments-deploy".to_string()]),
        managed_policies: BTreeSet::from(["shared".to_string()]),
        organization_accounts: BTreeSet::from(["210987654321".to_string()]),
        managed_scps: BTreeSet::from(["deny-leave".to_string()]),
        scp_names: std::collections::BTreeMap::new(),
        warden_roles: BTreeSet::from(["warden-ci".to_string()]),
    }
}

fn alerts() -> Vec<crate::events::Alert> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let events = read_trail_dir(&dir).unwrap();
    detect(&events, &context())
}

#[test]
fn every_alert_kind_fires_once_and_compliant_twins_stay_silent() {
    let alerts = alerts();
    let names: Vec<&str> = alerts.iter().map(|alert| alert.name).collect();
    assert_eq!(
        names,
        [
            "user-created",
            "access-key-created",
            "login-profile-created",
            "user-policy-granted",
            "wildcard-policy",
            "wildcard-policy",
            "out-of-band-change",
            "boundary-removed",
            "trust-widened",
            "root-activity",
            "root-activity",
            "access-key-created",
            "left-organization",
            "scp-detached",
            "out-of-band-change",
            "scp-out-of-band-change",
            "root-activity",
            "scp-detached",
            "scp-out-of-band-change",
        ]
    );
    let kinds: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(kinds.len(), AlertKind::ALL.len(), "{kinds:?}");
    let widened = alerts
        .iter()
        .find(|alert| alert.name == "trust-widened")
        .unwrap();
    assert!(
        widened
            .message
            .contains("outside the organization: `999988887777`"),
        "{}",
        widened.message
    );
    let scp: Vec<&str> = alerts
        .iter()
        .filter(|alert| alert.name == "scp-out-of-band-change")
        .map(|alert| alert.message.as_str())
        .collect();
    assert_eq!(
        scp,
        [
            "`UpdatePolicy` changed Warden-managed SCP `deny-leave` (`p-managed1`) outside Warden: run `cargo xtask drift`",
            "`DetachPolicy` changed Warden-managed SCP `deny-leave` (`p-managed1`) outside Warden: run `cargo xtask drift`",
        ],
        "the id comes from Warden's CreatePolicy; Warden's own update, a hand-made SCP and a failed call are silent"
    );
    let detached = alerts
        .iter()
        .rfind(|alert| alert.name == "scp-detached")
        .unwrap();
    assert_eq!(
        detached.message,
        "policy `deny-leave` (`p-managed1`) was detached from `ou-ab12-cdef3456`"
    );
    // Warden's own write on its managed role is not out of band.
    assert!(
        alerts
            .iter()
            .all(|alert| !alert.actor.ends_with("role/WardenAccess"))
    );
}

#[test]
fn events_render_as_table_json_and_sarif() {
    let alerts = alerts();
    insta::assert_snapshot!("events_table", render_table(&alerts));
    insta::assert_snapshot!("events_json", render_json(&alerts));
    let sarif: serde_json::Value = serde_json::from_str(&render_sarif(&alerts)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        AlertKind::ALL.len()
    );
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        alerts.len()
    );
}

#[test]
fn eventbridge_template_has_a_rule_per_alert_kind() {
    // SCP ids known from a snapshot.
    let mut cx = context();
    cx.scp_names = std::collections::BTreeMap::from([
        ("p-managed1".to_string(), "deny-leave".to_string()),
        ("p-handmade".to_string(), "hand-made".to_string()),
    ]);
    let text = eventbridge_template(&cx);
    let template: serde_json::Value = serde_json::from_str(&text).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    assert_eq!(resources.len(), AlertKind::ALL.len());
    let out_of_band = &resources["WardenOutOfBandChange"]["Properties"]["EventPattern"];
    assert_eq!(
        out_of_band["detail"]["requestParameters"]["roleName"],
        serde_json::json!(["payments-deploy"])
    );
    assert_eq!(
        out_of_band["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"],
        serde_json::json!([{"anything-but": "WardenAccess"}])
    );
    let scp = &resources["WardenScpOutOfBandChange"]["Properties"]["EventPattern"];
    assert_eq!(
        scp["detail"]["requestParameters"]["policyId"],
        serde_json::json!(["p-managed1"])
    );
    assert_eq!(
        scp["detail"]["$or"][0]["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"],
        serde_json::json!([{"anything-but": ["warden-ci", "WardenAccess"]}])
    );
    insta::assert_snapshot!("eventbridge_template", text);
    // Without managed roles there is nothing out of band to match.
    let bare = eventbridge_template(&EventsContext::default());
    assert!(!bare.contains("WardenOutOfBandChange"));
    // Without a known id of a managed SCP, nor SCPs.
    assert!(!eventbridge_template(&context()).contains("WardenScpOutOfBandChange"));
}
