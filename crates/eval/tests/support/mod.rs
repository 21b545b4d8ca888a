//! Helpers shared by the evaluation tests: policies from JSON text, requests in one call.

#![allow(dead_code)]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test on bad fixtures"
)]

use warden_eval::{
    CompiledPolicySet, Context, Decision, DecisionKind, LabeledPolicy, PolicySet, Request,
};
use warden_policy::PolicyDocument;

pub fn doc(json: &str) -> PolicyDocument {
    warden_policy::parse_policy(json)
        .unwrap_or_else(|errors| panic!("bad test policy: {errors}\n{json}"))
}

pub fn labeled(label: &str, json: &str) -> LabeledPolicy {
    LabeledPolicy::new(label, doc(json))
}

/// `{"Version": "2012-10-17", "Statement": [<statements>]}`.
pub fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

pub fn stmt(effect: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Effect":"{effect}","Action":{},"Resource":{}}}"#,
        json_list(action),
        json_list(resource)
    )
}

fn json_list(items: &str) -> String {
    if items.starts_with('[') || items.starts_with('"') {
        items.to_string()
    } else {
        format!("\"{items}\"")
    }
}

pub fn allow(action: &str, resource: &str) -> String {
    policy(&stmt("Allow", action, resource))
}

pub fn deny(action: &str, resource: &str) -> String {
    policy(&stmt("Deny", action, resource))
}

pub const FULL_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#;

pub const RCP_FULL_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"RCPFullAWSAccess","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
pub const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Dev/alice-session";
pub const ROLE: &str = "arn:aws:iam::111122223333:role/Dev";
pub const OTHER_SESSION: &str = "arn:aws:sts::444455556666:assumed-role/Partner/s";
pub const BUCKET_OBJECT: &str = "arn:aws:s3:::example-bucket/key";

/// A request scenario with sensible defaults, mutated field by field.
#[derive(Default, Clone)]
pub struct Scenario {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub resource_account: Option<String>,
    pub context: Vec<(String, Vec<String>)>,
    pub set: PolicySet,
    pub management_account: bool,
}

impl Scenario {
    pub fn new(principal: &str, action: &str, resource: &str) -> Scenario {
        Scenario {
            principal: principal.into(),
            action: action.into(),
            resource: resource.into(),
            ..Scenario::default()
        }
    }

    pub fn identity(mut self, json: &str) -> Scenario {
        let label = format!("identity-{}", self.set.identity.len());
        self.set.identity.push(labeled(&label, json));
        self
    }

    pub fn boundary(mut self, json: &str) -> Scenario {
        self.set.permissions_boundary = Some(labeled("boundary", json));
        self
    }

    pub fn session_policy(mut self, json: &str) -> Scenario {
        self.set.session_policy = Some(labeled("session", json));
        self
    }

    pub fn resource_policy(mut self, json: &str) -> Scenario {
        self.set.resource_policy = Some(labeled("resource", json));
        self
    }

    pub fn scp_level(mut self, policies: &[&str]) -> Scenario {
        let level = self.set.scps.len();
        self.set.scps.push(
            policies
                .iter()
                .enumerate()
                .map(|(i, json)| labeled(&format!("scp-{level}-{i}"), json))
                .collect(),
        );
        self
    }

    pub fn rcp_level(mut self, policies: &[&str]) -> Scenario {
        let level = self.set.rcps.len();
        self.set.rcps.push(
            policies
                .iter()
                .enumerate()
                .map(|(i, json)| labeled(&format!("rcp-{level}-{i}"), json))
                .collect(),
        );
        self
    }

    pub fn resource_account(mut self, account: &str) -> Scenario {
        self.resource_account = Some(account.into());
        self
    }

    pub fn context(mut self, key: &str, values: &[&str]) -> Scenario {
        self.context
            .push((key.into(), values.iter().map(|v| v.to_string()).collect()));
        self
    }

    pub fn management_account(mut self) -> Scenario {
        self.management_account = true;
        self
    }

    pub fn request(&self) -> Request {
        let mut request = Request::new(&self.principal, &self.action, &self.resource).unwrap();
        if let Some(account) = &self.resource_account {
            request = request.with_resource_account(account);
        }
        let same = request.principal_account() == request.resource_account()
            || request.resource_account().is_none();
        request
            .with_context(Context::from_pairs(self.context.clone()))
            .in_management_account(self.management_account, self.management_account && same)
            .finish()
    }

    pub fn evaluate(&self) -> Decision {
        let compiled = CompiledPolicySet::compile(&self.set);
        let request = self.request();
        let decision = compiled.evaluate(&request);
        // The fast path must always agree with the explained one.
        assert_eq!(
            compiled.decide(&request),
            decision.decision,
            "decide/evaluate disagree"
        );
        decision
    }

    pub fn decide(&self) -> DecisionKind {
        self.evaluate().decision
    }
}
