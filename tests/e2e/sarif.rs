//! SARIF as GitHub code scanning takes it: `lint --format sarif` (policy files, definitions
//! with `--org`) and `drift --format sarif` (in `gates`) validated against the official SARIF
//! 2.1.0 JSON schema (`tests/fixtures/sarif-schema-2.1.0.json`, checked with python
//! `jsonschema` from the project venv) and against GitHub's own rules for uploads:
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>
//! and its limits, <https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit>.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;
use warden_e2e::{workspace_root, write_file};

use crate::cli::{fixtures, xtask_in};

/// Validates with Draft 4 (the schema's own `$schema`), every error with its JSON path.
const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft4Validator
schema = json.load(open(sys.argv[1]))
Draft4Validator.check_schema(schema)
document = json.load(sys.stdin)
validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
    print("schema: /" + "/".join(map(str, error.path)) + ": " + error.message)
"#;

/// Everything wrong with `text` as a SARIF upload: schema errors, then GitHub's rules.
pub(crate) fn sarif_problems(text: &str) -> Vec<String> {
    let mut problems = schema_errors(text);
    match serde_json::from_str::<Value>(text) {
        Ok(log) => problems.extend(github_problems(&log)),
        Err(err) => problems.push(format!("not JSON: {err}")),
    }
    problems
}

fn schema_errors(text: &str) -> Vec<String> {
    let schema = workspace_root().join("tests/fixtures/sarif-schema-2.1.0.json");
    let mut child = Command::new(warden_e2e::venv().python())
        .args(["-c", VALIDATE])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python of the project venv runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the validator itself failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// GitHub's additions to the schema: what code scanning rejects or shows degraded.
fn github_problems(log: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(text);
    let runs = log["runs"].as_array().cloned().unwrap_or_default();
    if runs.is_empty() || runs.len() > 20 {
        problem(format!("{} runs (GitHub takes 1 to 20)", runs.len()));
    }
    for (r, run) in runs.iter().enumerate() {
        if run["automationDetails"]["id"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            problem(format!(
                "run {r}: no automationDetails.id (the analysis category)"
            ));
        }
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if rules.len() > 25_000 {
            problem(format!("run {r}: {} rules (limit 25,000)", rules.len()));
        }
        for rule in &rules {
            let id = rule["id"].as_str().unwrap_or("?");
            for field in ["shortDescription", "fullDescription", "help"] {
                if rule[field]["text"].as_str().is_none_or(str::is_empty) {
                    problem(format!("rule {id}: no {field}.text"));
                }
            }
            if rule["help"]["markdown"].as_str().is_none_or(str::is_empty) {
                problem(format!("rule {id}: no help.markdown"));
            }
            if !rule["helpUri"]
                .as_str()
                .is_some_and(|uri| uri.starts_with("https://") && uri.ends_with(".md"))
            {
                problem(format!(
                    "rule {id}: helpUri is not a rule page: {}",
                    rule["helpUri"]
                ));
            }
            // A string holding a number in (0, 10]; a JSON number is ignored by GitHub.
            match rule["properties"]["security-severity"].as_str() {
                Some(text) => match text.parse::<f64>() {
                    Ok(score) if score > 0.0 && score <= 10.0 => {}
                    _ => problem(format!(
                        "rule {id}: security-severity `{text}` not in (0, 10]"
                    )),
                },
                None => problem(format!(
                    "rule {id}: security-severity missing or not a string"
                )),
            }
            let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
            if tags == 0 || tags > 20 {
                problem(format!("rule {id}: {tags} tags (GitHub takes up to 20)"));
            }
        }
        let results = run["results"].as_array().cloned().unwrap_or_default();
        if results.len() > 25_000 {
            problem(format!("run {r}: {} results (limit 25,000)", results.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (n, result) in results.iter().enumerate() {
            let rule_id = result["ruleId"].as_str().unwrap_or_default();
            if !rules.iter().any(|rule| rule["id"] == rule_id) {
                problem(format!(
                    "result {n}: ruleId `{rule_id}` is not a rule of the run"
                ));
            }
            let fingerprints = result["partialFingerprints"].as_object();
            if fingerprints.is_none_or(serde_json::Map::is_empty) {
                problem(format!("result {n}: no partialFingerprints"));
            }
            let locations = result["locations"].as_array().cloned().unwrap_or_default();
            if locations.len() > 1_000 {
                problem(format!(
                    "result {n}: {} locations (limit 1,000)",
                    locations.len()
                ));
            }
            for location in &locations {
                let artifact = &location["physicalLocation"]["artifactLocation"];
                let uri = artifact["uri"].as_str().unwrap_or_default();
                if uri.is_empty() || uri.starts_with('/') || uri.contains("://") {
                    problem(format!("result {n}: uri `{uri}` is not relative"));
                }
                if artifact["uriBaseId"] != "%SRCROOT%" {
                    problem(format!(
                        "result {n}: uri `{uri}` without uriBaseId %SRCROOT%"
                    ));
                }
                let start = location["physicalLocation"]["region"]["startLine"].as_u64();
                // One result per location: the same finding at the same place is listed once.
                if !seen.insert((
                    rule_id.to_owned(),
                    uri.to_owned(),
                    start,
                    fingerprints.map(|f| Value::Object(f.clone()).to_string()),
                )) {
                    problem(format!("result {n}: {rule_id} repeated at {uri}:{start:?}"));
                }
            }
        }
    }
    problems
}

#[test]
fn lint_sarif_of_a_policy_file_is_valid_for_github() {
    let dir = fixtures();
    let run = xtask_in(
        dir.path(),
        &[
            "lint",
            "wide.json",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
        ],
        &[],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        log["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(sarif_problems(&run.stdout), Vec::<String>::new());
}

/// A role without justifications across every workload account: one result per statement
/// naming the accounts, not one per account.
#[test]
fn lint_sarif_of_definitions_across_an_organization_is_valid_for_github() {
    let dir = fixtures();
    let repo = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace_root().join("warden.yaml"),
        repo.path().join("warden.yaml"),
    )
    .unwrap();
    write_file(
        repo.path(),
        "policies/reader.yaml",
        r#"kind: Role
name: reader
description: Reads reports.
targets:
  tags: [Project=payments]
tags: {Project: payments, Environment: "${environment}", Service: reports}
boundary: workload-boundary
trust:
  - Sid: Ecs
    Effect: Allow
    Principal: {Service: ecs-tasks.amazonaws.com}
    Action: sts:AssumeRole
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resource: "arn:aws:s3:::reports-${account_id}/*"
"#,
    );
    std::fs::create_dir_all(repo.path().join("boundaries")).unwrap();
    std::fs::copy(
        workspace_root().join("boundaries/workload-boundary.yaml"),
        repo.path().join("boundaries/workload-boundary.yaml"),
    )
    .unwrap();
    let org = dir.path().join("organization.json");
    let run = xtask_in(
        repo.path(),
        &[
            "lint",
            ".",
            "--org",
            org.to_str().unwrap(),
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
        ],
        &[],
        &[],
    );
    let log: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!("{err}: {}\n{}", run.stdout, run.stderr);
    });
    let unjustified: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|result| result["ruleId"] == "WL902")
        .collect();
    assert_eq!(unjustified.len(), 2, "one per statement: {unjustified:#?}");
    assert!(
        unjustified.iter().all(|result| result["level"] == "error"
            && result["properties"]["accounts"]
                .as_array()
                .is_some_and(|accounts| accounts.len() > 1)),
        "an error listing the accounts: {unjustified:#?}"
    );
    assert_eq!(run.code, 1, "a missing justification fails the gate");
    assert_eq!(sarif_problems(&run.stdout), Vec::<String>::new());
}

/// The checker itself finds what GitHub rejects: a planted absolute uri, a result without
/// fingerprints, a numeric security-severity and a result the schema refuses.
#[test]
fn the_sarif_checker_finds_planted_problems() {
    let dir = fixtures();
    let run = xtask_in(
        dir.path(),
        &[
            "lint",
            "wide.json",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
        ],
        &[],
        &[],
    );
    let mut log: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &mut log["runs"][0]["results"][0];
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "/home/ci/wide.json".into();
    result
        .as_object_mut()
        .unwrap()
        .remove("partialFingerprints");
    result["level"] = "fatal".into();
    log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = 9.0.into();
    let problems = sarif_problems(&log.to_string());
    for expected in [
        "schema: /runs/0/results/0/level",
        "is not relative",
        "no partialFingerprints",
        "security-severity missing or not a string",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "`{expected}` in {problems:#?}"
        );
    }
}
