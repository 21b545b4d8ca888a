//! Batches (`cargo xtask simulate --batch FILE`): JSON Lines of requests in, one decision per
//! line out, in order. Lines are decided on all cores; a policy set is compiled once however
//! many lines use it.
//!
//! Each line is a request object as for `--request`. A line without any policy uses the base
//! policy set (the `--request` file given with `--batch`); a line with its own policies gets
//! them compiled once per distinct set. Output lines are `{"line":N,"decision":"Allow"}`, or
//! `{"line":N,"error":"FILE:N:COLUMN: …"}` for a line that does not parse (the others still
//! run).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rayon::prelude::*;

use crate::engine::{CompiledPolicySet, PolicySet};
use crate::request::{Context, Request};
use crate::request_file::{ContextOverrides, RequestFileErrors, parse_request_file};

/// The decisions of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutput {
    /// One JSON object per input line (blank lines skipped), each ending in `\n`.
    pub text: String,
    pub decisions: usize,
    pub allowed: usize,
    pub errors: usize,
}

/// Lines per unit of parallel work; each unit keeps its own compiled-set cache.
const CHUNK: usize = 2048;

/// Decides every line of `text` (named `file` in errors). `base` is the policy set for lines
/// that give none.
pub fn run_batch(file: &str, text: &str, base: Option<&PolicySet>) -> BatchOutput {
    let base = Arc::new(CompiledPolicySet::compile(
        base.unwrap_or(&PolicySet::default()),
    ));
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| (index + 1, line))
        .collect();
    let parts: Vec<BatchOutput> = lines
        .par_chunks(CHUNK)
        .map(|chunk| run_chunk(file, chunk, &base))
        .collect();
    let mut output = BatchOutput {
        text: String::with_capacity(parts.iter().map(|part| part.text.len()).sum()),
        decisions: 0,
        allowed: 0,
        errors: 0,
    };
    for part in parts {
        output.text.push_str(&part.text);
        output.decisions += part.decisions;
        output.allowed += part.allowed;
        output.errors += part.errors;
    }
    output
}

fn run_chunk(file: &str, lines: &[(usize, &str)], base: &Arc<CompiledPolicySet>) -> BatchOutput {
    let empty = PolicySet::default();
    let mut cache: HashMap<String, Arc<CompiledPolicySet>> = HashMap::new();
    let mut output = BatchOutput {
        text: String::with_capacity(lines.len() * 32),
        decisions: 0,
        allowed: 0,
        errors: 0,
    };
    for &(number, line) in lines {
        // Lines with only a request (no policies) take the fast path; anything else, and every
        // error, goes through the request-file parser for its checks and positions.
        if let Some(request) = fast_request(line) {
            let decision = base.decide(&request);
            output.decisions += 1;
            output.allowed += usize::from(decision.is_allow());
            let _ = writeln!(
                output.text,
                r#"{{"line":{number},"decision":"{}"}}"#,
                decision.as_str()
            );
            continue;
        }
        match parse_request_file(file, line, &ContextOverrides::default()) {
            Err(errors) => {
                output.errors += 1;
                let message = on_line(errors, number).to_string();
                let quoted = serde_json::to_string(&message).unwrap_or_default();
                let _ = writeln!(output.text, r#"{{"line":{number},"error":{quoted}}}"#);
            }
            Ok((set, request)) => {
                let compiled = if set == empty {
                    Arc::clone(base)
                } else {
                    let key = set_key(&set);
                    Arc::clone(
                        cache
                            .entry(key)
                            .or_insert_with(|| Arc::new(CompiledPolicySet::compile(&set))),
                    )
                };
                let decision = compiled.decide(&request);
                output.decisions += 1;
                output.allowed += usize::from(decision.is_allow());
                let _ = writeln!(
                    output.text,
                    r#"{{"line":{number},"decision":"{}"}}"#,
                    decision.as_str()
                );
            }
        }
    }
    output
}

/// A line naming only the request, without policies.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestLine<'a> {
    #[serde(borrow)]
    principal: Cow<'a, str>,
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    resource: Cow<'a, str>,
    #[serde(borrow, default)]
    resource_account: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    principal_account: Option<Cow<'a, str>>,
    #[serde(default)]
    context: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    management_account: Option<bool>,
}

/// The request of a line without policies, built as the request-file parser builds it; `None`
/// for a line with policies or anything invalid (the request-file parser then says why).
pub fn parse_line(line: &str) -> Option<Request> {
    fast_request(line)
}

fn fast_request(line: &str) -> Option<Request> {
    let fields: RequestLine<'_> = serde_json::from_str(line).ok()?;
    let mut request = Request::new(&fields.principal, &fields.action, &fields.resource).ok()?;
    if let Some(account) = &fields.resource_account {
        if request
            .resource_account()
            .is_some_and(|in_arn| in_arn != account)
        {
            return None;
        }
        request = request.with_resource_account(account);
    }
    if let Some(account) = &fields.principal_account {
        request = request.with_principal_account(account);
    }
    let mut context = Context::with_capacity(8);
    for (key, value) in fields.context.iter().flatten() {
        let scalar = |value: &serde_json::Value| match value {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Bool(flag) => Some(flag.to_string()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
        let values = match value {
            serde_json::Value::Array(items) => {
                items.iter().map(scalar).collect::<Option<Vec<_>>>()?
            }
            other => vec![scalar(other)?],
        };
        context.insert(key, values);
    }
    let management = fields.management_account.unwrap_or(false);
    let same_account = request.resource_account().is_none()
        || request.resource_account() == request.principal_account();
    Some(
        request
            .with_context(context)
            .in_management_account(management, management && same_account)
            .finish(),
    )
}

/// Errors of a one-line document, moved to the line's place in the batch file.
fn on_line(mut errors: RequestFileErrors, number: usize) -> RequestFileErrors {
    for error in &mut errors.errors {
        if let Some(span) = &mut error.span {
            span.line = u32::try_from(number).unwrap_or(u32::MAX);
        }
    }
    errors
}

/// Identifies a policy set by its canonical JSON text.
fn set_key(set: &PolicySet) -> String {
    let mut key = String::new();
    let add = |key: &mut String, tag: &str, policy: &crate::engine::LabeledPolicy| {
        key.push_str(tag);
        key.push_str(&policy.label);
        key.push('\u{1}');
        key.push_str(&policy.document.to_json_string());
        key.push('\u{2}');
    };
    for policy in &set.identity {
        add(&mut key, "i", policy);
    }
    for (tag, policy) in [
        ("b", &set.permissions_boundary),
        ("s", &set.session_policy),
        ("r", &set.resource_policy),
        ("v", &set.vpc_endpoint_policy),
    ] {
        if let Some(policy) = policy {
            add(&mut key, tag, policy);
        }
    }
    for (tag, levels) in [("scp", &set.scps), ("rcp", &set.rcps)] {
        for level in levels {
            for policy in level {
                add(&mut key, tag, policy);
            }
            key.push('\u{3}');
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_decided_in_order_with_errors_in_place() {
        let base = crate::request_file::parse_request_file(
            "base.json",
            r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*",
               "identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}]}"#,
            &ContextOverrides::default(),
        )
        .map(|(set, _)| set)
        .unwrap_or_default();
        let text = concat!(
            r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#,
            "\n\n",
            r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:PutObject","resource":"arn:aws:s3:::b/k"}"#,
            "\n",
            r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:PutObject","resource":"arn:aws:s3:::b/k","identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}]}"#,
            "\n",
            r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:PutObject"}"#,
            "\n",
        );
        let output = run_batch("requests.jsonl", text, Some(&base));
        assert_eq!(
            output.text,
            concat!(
                "{\"line\":1,\"decision\":\"Allow\"}\n",
                "{\"line\":3,\"decision\":\"ImplicitDeny\"}\n",
                "{\"line\":4,\"decision\":\"Allow\"}\n",
                "{\"line\":5,\"error\":\"requests.jsonl:5:1: missing `resource`\"}\n",
            )
        );
        assert_eq!((output.decisions, output.allowed, output.errors), (3, 2, 1));
    }

    #[test]
    fn the_fast_path_builds_the_same_request_as_the_request_file_parser() {
        let lines = [
            r#"{"principal":"arn:aws:sts::111122223333:assumed-role/Dev/s","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"444455556666","context":{"aws:SourceIp":"10.0.0.1","aws:MultiFactorAuthPresent":true,"s3:max-keys":[1,"2"]},"management_account":true}"#,
            r#"{"principal":"*","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#,
            r#"{"principal":"111122223333","action":"iam:GetRole","resource":"arn:aws:iam::111122223333:role/r","principal_account":"111122223333"}"#,
        ];
        for line in lines {
            let fast = fast_request(line);
            let slow = parse_request_file("f", line, &ContextOverrides::default())
                .map(|(_, request)| request)
                .ok();
            assert!(fast.is_some(), "{line}");
            assert_eq!(fast, slow, "{line}");
        }
        let contradicting = r#"{"principal":"*","action":"s3:GetObject","resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/t","resource_account":"444455556666"}"#;
        assert!(fast_request(contradicting).is_none());
        let duplicate =
            r#"{"principal":"*","principal":"*","action":"s3:GetObject","resource":"*"}"#;
        assert!(fast_request(duplicate).is_none());
    }
}
