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
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

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
    // One request and one context buffer for every line of the chunk.
    let (mut request, mut scratch) = (Request::empty(), Context::with_capacity(8));
    for &(number, line) in lines {
        // Lines with only a request (no policies) take the fast path; anything else, and every
        // error, goes through the request-file parser for its checks and positions.
        if fill_request(line, &mut request, &mut scratch) {
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

/// The request of a line without policies, built as the request-file parser builds it; `None`
/// for a line with policies or anything invalid (the request-file parser then says why).
pub fn parse_line(line: &str) -> Option<Request> {
    let mut request = Request::empty();
    let mut scratch = Context::new();
    fill_request(line, &mut request, &mut scratch).then_some(request)
}

/// The fields of a line without policies, borrowed from the line where JSON allows (a string
/// with escapes is copied); the context goes straight into a reused [`Context`].
#[derive(Default)]
struct LineFields<'a> {
    principal: Option<Cow<'a, str>>,
    action: Option<Cow<'a, str>>,
    resource: Option<Cow<'a, str>>,
    resource_account: Option<Cow<'a, str>>,
    principal_account: Option<Cow<'a, str>>,
    management_account: Option<bool>,
}

/// Fills `request` (reused from line to line, with `scratch` for the context) from a line that
/// names only the request, exactly as the request-file parser would build it; `false` for
/// anything else (policies, unknown or repeated fields, a context key given twice or with no
/// value, invalid values): the request-file parser then decides or says why.
fn fill_request(line: &str, request: &mut Request, scratch: &mut Context) -> bool {
    scratch.clear();
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let fields = match (LineSeed { context: scratch }).deserialize(&mut deserializer) {
        Ok(fields) => fields,
        Err(_) => return false,
    };
    if deserializer.end().is_err() {
        return false;
    }
    let (Some(principal), Some(action), Some(resource)) =
        (&fields.principal, &fields.action, &fields.resource)
    else {
        return false;
    };
    if request.reset(principal, action, resource).is_err() {
        return false;
    }
    if let Some(account) = &fields.resource_account {
        if request
            .resource_account()
            .is_some_and(|in_arn| in_arn != account)
        {
            return false;
        }
        request.set_resource_account(account);
    }
    if let Some(account) = &fields.principal_account {
        request.set_principal_account(account);
    }
    std::mem::swap(&mut request.context, scratch);
    let management = fields.management_account.unwrap_or(false);
    let same_account = request.resource_account().is_none()
        || request.resource_account() == request.principal_account();
    request.principal_in_management_account = management;
    request.resource_in_management_account = management && same_account;
    request.finish_in_place();
    true
}

/// A string borrowed from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// The line object: its fields, the context written into `context`.
struct LineSeed<'c> {
    context: &'c mut Context,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = LineFields<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = LineFields<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a request object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<LineFields<'de>, M::Error> {
        let mut fields = LineFields::default();
        let mut context_seen = false;
        let repeated = || de::Error::custom("repeated field");
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let text = |value: Option<Text<'de>>| value.map(|Text(text)| text);
            match &*key.0 {
                "principal" | "action" | "resource" => {
                    let slot = match &*key.0 {
                        "principal" => &mut fields.principal,
                        "action" => &mut fields.action,
                        _ => &mut fields.resource,
                    };
                    if slot.is_some() {
                        return Err(repeated());
                    }
                    *slot = Some(map.next_value::<Text<'de>>()?.0);
                }
                "resource_account" | "principal_account" => {
                    let slot = if &*key.0 == "resource_account" {
                        &mut fields.resource_account
                    } else {
                        &mut fields.principal_account
                    };
                    if slot.is_some() {
                        return Err(repeated());
                    }
                    // `null` (as absent) is left to the request-file parser.
                    *slot = text(map.next_value::<Option<Text<'de>>>()?);
                    if slot.is_none() {
                        return Err(repeated());
                    }
                }
                "management_account" => {
                    if fields.management_account.is_some() {
                        return Err(repeated());
                    }
                    // `null` (as absent) is left to the request-file parser.
                    fields.management_account = map.next_value::<Option<bool>>()?;
                    if fields.management_account.is_none() {
                        return Err(repeated());
                    }
                }
                "context" => {
                    if context_seen {
                        return Err(repeated());
                    }
                    context_seen = true;
                    map.next_value_seed(ContextSeed {
                        context: &mut *self.context,
                    })?;
                }
                _ => return Err(de::Error::custom("not a plain request")),
            }
        }
        Ok(fields)
    }
}

/// The `context` object, written into the context without allocating.
struct ContextSeed<'c> {
    context: &'c mut Context,
}

impl<'de> DeserializeSeed<'de> for ContextSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ContextSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a context object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let first = self.context.open_key();
            map.next_value_seed(ValuesSeed {
                context: &mut *self.context,
                nested: false,
            })?;
            if !self.context.close_key(first, &key) {
                return Err(de::Error::custom("context key repeated or without value"));
            }
        }
        Ok(())
    }
}

/// One context value or an array of them (strings, booleans, numbers), each pushed as text
/// as `serde_json::Value` would print it.
struct ValuesSeed<'c> {
    context: &'c mut Context,
    /// Inside an array: another array is refused.
    nested: bool,
}

impl<'de> DeserializeSeed<'de> for ValuesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValuesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, boolean, number or an array of them")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.context.push_value(|text| text.push_str(value));
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.context
            .push_value(|text| text.push_str(if value { "true" } else { "false" }));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.context.push_value(|text| {
            let _ = write!(text, "{value}");
        });
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.context.push_value(|text| {
            let _ = write!(text, "{value}");
        });
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        let number = serde_json::Number::from_f64(value)
            .ok_or_else(|| de::Error::custom("not a finite number"))?;
        self.context.push_value(|text| {
            let _ = write!(text, "{number}");
        });
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        if self.nested {
            return Err(de::Error::custom("nested array"));
        }
        while seq
            .next_element_seed(ValuesSeed {
                context: &mut *self.context,
                nested: true,
            })?
            .is_some()
        {}
        Ok(())
    }
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
            let fast = parse_line(line);
            let slow = parse_request_file("f", line, &ContextOverrides::default())
                .map(|(_, request)| request)
                .ok();
            assert!(fast.is_some(), "{line}");
            assert_eq!(fast, slow, "{line}");
        }
        // One request and context reused line after line, as a chunk does: each equals a
        // request built afresh by the request-file parser (no state leaks from the line before).
        let sequence = [
            lines[0],
            r#"{"principal":"arn:aws:iam::111122223333:role/app","action":"S3:GetObject","resource":"arn:aws:s3:::b/k"}"#,
            r#"{"principal":"arn:aws:sts::111122223333:federated-user/bob","action":"kms:Decrypt","resource":"arn:aws:kms:eu-west-1:111122223333:key/k","context":{"aws:SourceIp":["10.0.0.1","10.0.0.2"],"kms:EncryptionContext:x":1.5,"n":-3}}"#,
            lines[2],
            r#"{"principal":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForX/s","action":"s3:GetObject","resource":"*","context":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"}}"#,
            r#"{"principal":"444455556666","action":"s3:ListBucket","resource":"arn:aws-cn:s3:::b","context":{"a\u0041":"v\n"}}"#,
            lines[1],
            r#"{"principal":"arn:aws:iam::111122223333:user/u","action":"iam:GetUser","resource":"*","context":{"K":"1","k":"2"}}"#,
            r#"{"principal":"arn:aws:iam::111122223333:user/u","action":"iam:GetUser","resource":"*","context":{"k":[]}}"#,
            r#"{"principal":"arn:aws:iam::111122223333:user/u","action":"iam:GetUser","resource":"*","management_account":null}"#,
            lines[0],
        ];
        let (mut request, mut scratch) = (Request::empty(), Context::new());
        let mut fast_lines = 0;
        for line in sequence {
            let slow = parse_request_file("f", line, &ContextOverrides::default())
                .map(|(_, request)| request)
                .ok();
            if fill_request(line, &mut request, &mut scratch) {
                fast_lines += 1;
                assert_eq!(Some(&request), slow.as_ref(), "{line}");
            }
        }
        // Repeated or empty context keys and `null` are left to the request-file parser.
        assert_eq!(fast_lines, sequence.len() - 3);
        let contradicting = r#"{"principal":"*","action":"s3:GetObject","resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/t","resource_account":"444455556666"}"#;
        assert!(parse_line(contradicting).is_none());
        let duplicate =
            r#"{"principal":"*","principal":"*","action":"s3:GetObject","resource":"*"}"#;
        assert!(parse_line(duplicate).is_none());
    }

    /// Generated lines (principal kinds, actions, contexts, some with their own policies,
    /// some invalid) decided by the batch equal each line decided alone, as
    /// `simulate --request` decides it: its file parsed, its set compiled, the request decided.
    #[test]
    fn a_batch_decides_every_line_as_a_single_request_would() {
        let base_text = r#"{"principal":"*","action":"s3:GetObject","resource":"*",
            "identity_policies":[{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:Get*","kms:Decrypt"],"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
                {"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:111122223333:app-*"},
                {"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}],
            "scps":[[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"},"Null":{"aws:RequestedRegion":"false"}}}]}]]}"#;
        let (base, _) =
            parse_request_file("base.json", base_text, &ContextOverrides::default()).unwrap();
        let principals = [
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:sts::111122223333:assumed-role/app/s",
            "arn:aws:iam::111122223333:user/u",
            "111122223333",
            "lambda.amazonaws.com",
            "*",
        ];
        let actions = [
            "s3:GetObject",
            "kms:Decrypt",
            "sqs:SendMessage",
            "iam:GetRole",
        ];
        let resources = [
            "arn:aws:s3:::b/k",
            "arn:aws:sqs:eu-west-1:111122223333:app-1",
            "arn:aws:sqs:us-east-1:111122223333:app-2",
            "arn:aws:kms:eu-west-1:444455556666:key/k",
            "*",
        ];
        let contexts = [
            "",
            r#","context":{"aws:SourceIp":"10.1.2.3"}"#,
            r#","context":{"aws:SourceIp":["192.0.2.1","10.0.0.9"],"aws:PrincipalTag/team":"red"}"#,
            r#","context":{"aws:RequestedRegion":"us-east-1","aws:SecureTransport":true}"#,
            r#","management_account":true"#,
            r#","resource_account":"444455556666""#,
            r#","identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}]"#,
            r#","context":{"x":{}}"#,
        ];
        let mut text = String::new();
        let mut state = 11u64;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap_or(0) % below
        };
        for _ in 0..600 {
            let _ = writeln!(
                text,
                r#"{{"principal":"{}","action":"{}","resource":"{}"{}}}"#,
                principals[next(principals.len())],
                actions[next(actions.len())],
                resources[next(resources.len())],
                contexts[next(contexts.len())],
            );
        }
        let output = run_batch("b.jsonl", &text, Some(&base));
        let compiled_base = CompiledPolicySet::compile(&base);
        let mut expected = String::new();
        let (mut allowed, mut denied) = (0, 0);
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            match parse_request_file("b.jsonl", line, &ContextOverrides::default()) {
                Ok((set, request)) => {
                    let decision = if set == PolicySet::default() {
                        compiled_base.decide(&request)
                    } else {
                        CompiledPolicySet::compile(&set).decide(&request)
                    };
                    if decision.is_allow() {
                        allowed += 1;
                    } else {
                        denied += 1;
                    }
                    let _ = writeln!(
                        expected,
                        r#"{{"line":{number},"decision":"{}"}}"#,
                        decision.as_str()
                    );
                }
                Err(errors) => {
                    let message = on_line(errors, number).to_string();
                    let quoted = serde_json::to_string(&message).unwrap();
                    let _ = writeln!(expected, r#"{{"line":{number},"error":{quoted}}}"#);
                }
            }
        }
        assert_eq!(output.text, expected);
        // Both outcomes and errors occur: the comparison is not over one kind of line.
        assert!(
            allowed > 50 && denied > 50 && output.errors > 20,
            "{allowed} {denied} {}",
            output.errors
        );
    }
}
