//! Request files: errors with position and path, levels, labels and context.

use super::*;
use crate::DecisionKind;
use crate::engine::CompiledPolicySet;

fn parse(text: &str) -> Result<(PolicySet, Request), String> {
    parse_request_file("request.json", text, &ContextOverrides::default())
        .map_err(|errors| errors.to_string())
}

const REQUEST: &str = r#"{
  "principal": "arn:aws:iam::111122223333:user/a",
  "action": "s3:GetObject",
  "resource": "*",
  "identity_policies": [{"label": "read", "document": {"Version": "2012-10-17",
    "Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}}]
}"#;

#[test]
fn policy_errors_carry_the_position_and_the_path_in_the_file() {
    assert_eq!(
        parse(REQUEST).unwrap_err(),
        "request.json:6:30: `identity_policies[0].document.Statement[0].Effect`: effect must be \
         `Allow` or `Deny`, found `Alow`"
    );
    let err = parse(r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*","identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]},{"Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}]}"#)
        .unwrap_err();
    assert!(err.starts_with("request.json:1:"), "{err}");
    assert!(
        err.contains(": `identity_policies[1].Statement[0].Effect`: "),
        "{err}"
    );
}

#[test]
fn unknown_keys_point_at_the_key() {
    let err = parse(&REQUEST.replace("\"resource\"", "\"resorce\"")).unwrap_err();
    assert_eq!(
        err,
        format!(
            "request.json:4:3: `resorce`: unknown key, expected one of {}",
            known_keys()
        )
    );
    assert!(known_keys().starts_with("`principal`, `action`, `resource`, "));
    let with_schema = REQUEST.replace("{\n", "{\"$schema\": \"x\",\n");
    assert!(!parse(&with_schema).unwrap_err().contains("unknown key"));
}

#[test]
fn missing_and_mistyped_elements_are_named() {
    assert_eq!(
        parse(r#"{"action":"s3:GetObject","resource":"*"}"#).unwrap_err(),
        "request.json:1:1: missing `principal`"
    );
    assert_eq!(
        parse("[1]").unwrap_err(),
        "request.json:1:1: expected a JSON object with `principal`, `action` and `resource`"
    );
    assert_eq!(
        parse(r#"{"principal": "a:b", "action": 7, "resource": "*"}"#).unwrap_err(),
        "request.json:1:32: `action`: expected a string, found a number"
    );
    assert_eq!(
        parse(r#"{"principal": "111122223333", "action": "s3:Get*", "resource": "*"}"#)
            .unwrap_err(),
        "request.json:1:41: `action`: invalid action `s3:Get*`: expected `service:ActionName` \
         without wildcards"
    );
    let context = r#"{"principal": "111122223333", "action": "s3:GetObject", "resource": "*",
 "context": {"aws:RequestTag/a.b": [{}]}}"#;
    assert_eq!(
        parse(context).unwrap_err(),
        "request.json:2:37: `context[\"aws:RequestTag/a.b\"][0]`: expected a string, found an object"
    );
    let levels = r#"{"principal": "111122223333", "action": "s3:GetObject", "resource": "*",
 "scps": [{}]}"#;
    assert_eq!(
        parse(levels).unwrap_err(),
        "request.json:2:11: `scps[0]`: expected a list of policies for this level, found an object"
    );
}

#[test]
fn syntax_errors_and_repeated_keys_are_positioned() {
    assert_eq!(
        parse("{\"a\": 1,\n}").unwrap_err(),
        "request.json:2:1: invalid json: trailing comma: expected a string key, found `}`"
    );
    // A second `Effect` must not flip the decision, whichever of the two a parser keeps.
    let repeated = r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "resource": "*",
 "identity_policies": [{"Version": "2012-10-17",
   "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Effect": "Allow"}]}]}"#;
    assert_eq!(
        parse(repeated).unwrap_err(),
        "request.json:3:72: `identity_policies[0].Statement[0].Effect`: duplicate key `Effect`"
    );
}

#[test]
fn builds_levels_labels_and_context() {
    let (set, request) = parse(
        r#"{"principal":"arn:aws:sts::111122223333:assumed-role/Dev/s","action":"s3:GetObject","resource":"arn:aws:s3:::b/k",
            "context":{"aws:SourceIp":"10.0.0.1","aws:TagKeys":["a","b"]},
            "scps":[[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}],[]],
            "identity_policies":[{"label":"inline:read","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}]}"#,
    )
    .unwrap();
    assert_eq!(set.scps.len(), 2);
    assert_eq!(set.identity[0].label, "inline:read");
    assert_eq!(
        request
            .context()
            .values("aws:tagkeys")
            .map(|values| values.len()),
        Some(2)
    );
    // The empty account level allows nothing.
    let decision = CompiledPolicySet::compile(&set).evaluate(&request);
    assert_eq!(decision.decision, DecisionKind::ImplicitDeny);
    assert!(
        decision.table().contains("scp level 1"),
        "{}",
        decision.table()
    );
}

#[test]
fn context_flags_replace_the_file_and_group_by_key() {
    let flags: Vec<String> = ["aws:SourceIp=10.0.0.9", "AWS:TagKeys=x", "aws:tagkeys=y"]
        .iter()
        .map(ToString::to_string)
        .collect();
    let overrides = ContextOverrides::parse(&flags).unwrap();
    let text = r#"{"principal": "111122223333", "action": "s3:GetObject", "resource": "*",
 "context": {"aws:SourceIp": "10.0.0.1"}}"#;
    let (_, request) = parse_request_file("r.json", text, &overrides).unwrap();
    let values = |key: &str| -> Vec<String> {
        request
            .context()
            .values(key)
            .map(|values| values.iter().map(str::to_string).collect())
            .unwrap_or_default()
    };
    assert_eq!(values("aws:sourceip"), ["10.0.0.9"]);
    assert_eq!(values("aws:tagkeys"), ["x", "y"]);
    let err = ContextOverrides::parse(&["aws:SourceIp".to_string()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`--context aws:SourceIp`: expected KEY=VALUE"
    );
}
