//! Generation from CloudTrail fixtures: identity filtering, event mapping, denied calls, resources.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a failure should stop the test"
)]

use std::path::Path;

use warden_catalog::Catalog;
use warden_generate::activity::{observe, statements_from_activity};
use warden_generate::cloudtrail::RoleArn;
use warden_generate::io::read_trail_dir;
use warden_generate::statement::document_json;

fn activity(since: Option<&str>) -> (RoleArn, warden_generate::activity::Activity) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cloudtrail");
    let events = read_trail_dir(&dir).unwrap();
    assert_eq!(
        events.len(),
        20,
        "both the .json and the .json.gz file are read"
    );
    let role = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/report-exporter").unwrap();
    let activity = observe(&events, &role, since, Catalog::embedded());
    (role, activity)
}

#[test]
fn maps_events_to_catalog_actions() {
    let (_, activity) = activity(Some("2026-11-01"));
    let used: Vec<String> = activity.actions().into_iter().collect();
    assert_eq!(
        used,
        [
            "cloudwatch:PutMetricData",
            "ecr:GetAuthorizationToken",
            "ecs:RunTask",
            "iam:GetRole",
            "lambda:InvokeFunction",
            "lambda:UpdateFunctionCode",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
            "sts:AssumeRole",
        ]
    );
    assert_eq!(
        activity.events_of_role, 18,
        "the admin role's event and the one before --since are not counted"
    );
    assert_eq!(
        activity.renamed["s3.amazonaws.com ListObjectsV2"].0,
        "s3:ListBucket"
    );
    assert_eq!(
        activity.renamed["lambda.amazonaws.com UpdateFunctionCode20150331v2"].0,
        "lambda:UpdateFunctionCode"
    );
    assert!(
        activity
            .not_identity_actions
            .contains_key("sts.amazonaws.com GetCallerIdentity")
    );
    assert_eq!(
        activity.unmapped["apigateway.amazonaws.com GetRestApis"],
        "apigateway:GetRestApis"
    );
    assert!(
        activity
            .pass_role_hints
            .contains("arn:aws:iam::111122223333:role/report-exporter-task")
    );
}

#[test]
fn denied_calls_are_reported_not_granted() {
    let (role, activity) = activity(Some("2026-11-01"));
    assert_eq!(activity.denied.len(), 1);
    assert!(
        activity
            .denied
            .keys()
            .next()
            .unwrap()
            .starts_with("s3:DeleteObject")
    );
    let (statements, _) = statements_from_activity(&activity, &role, Catalog::embedded());
    assert!(
        !statements
            .iter()
            .any(|s| s.actions.iter().any(|a| a == "s3:DeleteObject"))
    );
}

#[test]
fn since_filters_old_events() {
    let (_, all) = activity(None);
    assert!(all.used.contains_key("dynamodb:DeleteTable"));
    let (_, recent) = activity(Some("2026-11-01"));
    assert!(!recent.used.contains_key("dynamodb:DeleteTable"));
}

#[test]
fn statements_are_scoped_to_seen_resources() {
    let (role, activity) = activity(Some("2026-11-01"));
    let (statements, warnings) = statements_from_activity(&activity, &role, Catalog::embedded());
    let find = |action: &str| {
        statements
            .iter()
            .find(|s| s.actions.iter().any(|a| a == action))
            .unwrap()
    };
    assert_eq!(
        find("s3:ListBucket").resources,
        vec!["arn:aws:s3:::acme-reports"]
    );
    let get = find("s3:GetObject");
    assert_eq!(
        get.resources,
        vec![
            "arn:aws:s3:::acme-reports/exports/2026-10-31.csv",
            "arn:aws:s3:::acme-reports/exports/2026-11-01.csv"
        ]
    );
    let put = find("s3:PutObject");
    assert!(
        put.resources
            .contains(&"arn:aws:s3:::acme-archive/2026/11/01.csv".to_string()),
        "{:?}",
        put.resources
    );
    assert!(
        !put.resources
            .iter()
            .any(|r| r == "arn:aws:s3:::acme-reports"),
        "bucket ARNs are not object resources"
    );
    assert_eq!(
        find("sts:AssumeRole").resources,
        vec!["arn:aws:iam::444455556666:role/ledger-reader"]
    );
    assert_eq!(
        find("iam:GetRole").resources,
        vec!["arn:aws:iam::111122223333:role/report-exporter-task"]
    );
    assert_eq!(
        find("lambda:UpdateFunctionCode").resources,
        vec!["arn:aws:lambda:eu-west-1:111122223333:function:report-renderer"]
    );
    let star = find("ecr:GetAuthorizationToken");
    assert_eq!(star.resources, vec!["*"]);
    assert!(
        star.exceptions.is_empty(),
        "no resource type: WL301 does not flag it"
    );
    let metrics = find("cloudwatch:PutMetricData");
    assert!(
        metrics.is_resource_star(),
        "its resource type is optional and the calls named none"
    );
    assert_eq!(
        metrics.exceptions.len(),
        1,
        "WL301 flags it: the exception says why"
    );
    assert_eq!(metrics.exceptions[0].rule, "WL301");
    let run_task = find("ecs:RunTask");
    assert!(
        run_task
            .resources
            .iter()
            .all(|r| r.starts_with("arn:aws:ecs:eu-west-1:111122223333:")),
        "{:?}",
        run_task.resources
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.message.contains("`ecs:RunTask` was used")),
        "{warnings:?}"
    );
    let json = document_json(&statements).to_string();
    assert!(!json.contains("s3:*") && !json.contains("\"*:"), "{json}");
}

#[test]
fn activity_definition_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cloudtrail");
    let events = read_trail_dir(&dir).unwrap();
    let role = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/report-exporter").unwrap();
    let options = warden_generate::ActivityOptions {
        since: Some("2026-11-01".into()),
        trust: vec!["service:ecs-tasks.amazonaws.com".into()],
        exception_expires: "2027-11-25".into(),
        owner: Some("platform-team".into()),
        ..warden_generate::ActivityOptions::default()
    };
    let (generated, layout, _) = warden_generate::generate_from_activity(
        &events,
        &role,
        Catalog::embedded(),
        &options,
        warden_generate::SizeLimits::default(),
    )
    .unwrap();
    let yaml = warden_generate::render::definitions_yaml(&generated, &layout, "the fixture trail");
    insta::assert_snapshot!(yaml);
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("activity_warnings", warnings.join("\n"));
}

/// A role with no allowed call in the trail is said so, with the counts; it used to surface as
/// the self-check's "generated policy does not parse: statement list must not be empty".
#[test]
fn a_role_without_activity_is_named_with_the_counts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cloudtrail");
    let events = read_trail_dir(&dir).unwrap();
    let role = RoleArn::parse("arn:aws:iam::111122223333:role/never-used").unwrap();
    let options = warden_generate::ActivityOptions {
        since: Some("2026-11-01".into()),
        ..warden_generate::ActivityOptions::default()
    };
    let err = warden_generate::generate_from_activity(
        &events,
        &role,
        Catalog::embedded(),
        &options,
        warden_generate::SizeLimits::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "no allowed call by `arn:aws:iam::111122223333:role/never-used` to generate from: 20 event(s) read, 0 by the role since `2026-11-01`; check `--role`, `--since` and the trail directory"
    );
}

/// A truncated log file names its position once, with a column of at least 1.
#[test]
fn a_truncated_log_names_its_position_once() {
    let err = warden_generate::cloudtrail::parse_log("{\"Records\": [\n", Path::new("t.json"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "t.json:2:1: not a CloudTrail log file: EOF while parsing a list"
    );
}

/// A missing trail directory is named once, with the OS reason once (it used to repeat as the
/// error's own source).
#[test]
fn a_missing_trail_directory_is_named_once() {
    let err = read_trail_dir(Path::new("/nonexistent/warden-trail")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("cannot read `/nonexistent/warden-trail`: "),
        "{message}"
    );
    assert!(std::error::Error::source(&err).is_none(), "{message}");
}
