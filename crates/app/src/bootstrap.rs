//! `bootstrap`: the CloudFormation StackSet template for Warden's access role in every member
//! account and the policy for the CI role in the management account, with exactly the actions
//! of the adapter's one table of calls ([`warden_aws::calls::CALLS`]), each checked against the
//! catalog. A read-only variant (plan, drift, snapshot, evidence) leaves every write out.
//!
//! The access role trusts only the management account's CI role and requires the ExternalId,
//! which is a `NoEcho` parameter of the stack set, never a value in the files:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>.
//! It may not change itself: an explicit deny on its own ARN covers every write, so even a bug in
//! the planner cannot widen or delete the role Warden uses.

use std::path::Path;

use serde_json::{Value, json};
use warden_aws::calls::{self, Caller};
use warden_catalog::Catalog;
use warden_policy::Arn;
use warden_policy::ids::EXTERNAL_ID_CHARS;
use warden_spec::Config;

/// What to generate.
#[derive(Debug, Clone)]
pub struct BootstrapRequest {
    /// The CI role in the management account that assumes the access role.
    pub ci_role_name: String,
    /// Its path (`/` by default).
    pub ci_role_path: String,
}

/// One file to write: its name in the output directory and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapFile {
    pub name: &'static str,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the catalog does not know `{action}` from warden-aws's table of calls")]
    UnknownAction { action: String },
    #[error("cannot write `{path}`: {message}")]
    Write { path: String, message: String },
}

/// The files `bootstrap` writes, in order.
pub fn bootstrap_files(
    config: &Config,
    partition: warden_policy::Partition,
    request: &BootstrapRequest,
) -> Result<Vec<BootstrapFile>, BootstrapError> {
    let catalog = Catalog::embedded();
    for call in calls::CALLS {
        catalog
            .action(call.action)
            .map_err(|_| BootstrapError::UnknownAction {
                action: call.action.to_string(),
            })?;
    }
    let management = &config.management_account_id;
    let ci_role = Arn::role(
        partition,
        management,
        &request.ci_role_path,
        &request.ci_role_name,
    )
    .to_string();
    let access_role_anywhere = Arn::role(partition, "*", "/", &config.access_role_name).to_string();
    // The organization lock apply takes: an IAM policy in the management account.
    let lock =
        Arn::managed_policy(partition, management, "/warden/", warden_aws::LOCK_POLICY).to_string();
    let pretty = |value: &Value| {
        let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
        text.push('\n');
        text
    };
    Ok(vec![
        BootstrapFile {
            name: "access-role.template.json",
            text: pretty(&access_role_template(config, partition, &ci_role, false)),
        },
        BootstrapFile {
            name: "access-role-read-only.template.json",
            text: pretty(&access_role_template(config, partition, &ci_role, true)),
        },
        BootstrapFile {
            name: "management-policy.json",
            text: pretty(&management_policy(&access_role_anywhere, &lock, false)),
        },
        BootstrapFile {
            name: "management-policy-read-only.json",
            text: pretty(&management_policy(&access_role_anywhere, &lock, true)),
        },
    ])
}

/// Writes [`bootstrap_files`] into `dir` (created if missing).
pub fn write_bootstrap(dir: &Path, files: &[BootstrapFile]) -> Result<(), BootstrapError> {
    let failed = |path: &Path, err: std::io::Error| BootstrapError::Write {
        path: path.display().to_string(),
        message: err.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|err| failed(dir, err))?;
    for file in files {
        let path = dir.join(file.name);
        std::fs::write(&path, &file.text).map_err(|err| failed(&path, err))?;
    }
    Ok(())
}

/// The member account policy: reads, and (unless read-only) writes with a deny protecting the
/// access role itself.
pub fn member_policy(
    partition: warden_policy::Partition,
    role_name: &str,
    read_only: bool,
) -> Value {
    let reads = calls::actions(Caller::Member, true);
    let mut statements = vec![json!({
        "Sid": "WardenReadsIam",
        "Effect": "Allow",
        "Action": reads,
        "Resource": "*",
    })];
    if !read_only {
        let writes: Vec<&str> = calls::actions(Caller::Member, false)
            .into_iter()
            .filter(|action| !reads.contains(action))
            .collect();
        statements.push(json!({
            "Sid": "WardenAppliesIam",
            "Effect": "Allow",
            "Action": writes,
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "WardenNeverChangesItsOwnRole",
            "Effect": "Deny",
            "Action": writes,
            "Resource": Arn::role(partition, "*", "/", role_name).to_string(),
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn access_role_template(
    config: &Config,
    partition: warden_policy::Partition,
    ci_role: &str,
    read_only: bool,
) -> Value {
    let variant = if read_only {
        "read-only (plan, drift, snapshot, evidence)"
    } else {
        "read and apply"
    };
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "Warden access role `{}`, {variant}: deploy as a service-managed StackSet to every member account. Generated by `cargo xtask bootstrap`; do not edit.",
            config.access_role_name
        ),
        "Parameters": {
            "ExternalId": {
                "Type": "String",
                "NoEcho": true,
                "MinLength": EXTERNAL_ID_CHARS.start(),
                "MaxLength": EXTERNAL_ID_CHARS.end(),
                "AllowedPattern": "[\\w+=,.@:/-]*",
                "Description": format!(
                    "The ExternalId Warden sends (the value of the variable `{}` in CI); never stored in this file.",
                    config.external_id_env
                ),
            }
        },
        "Resources": {
            "WardenAccessRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": config.access_role_name,
                    "Path": "/",
                    "Description": format!("Assumed by Warden ({variant}) from the management account's CI role only."),
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "ManagementAccountCiRoleWithExternalId",
                            "Effect": "Allow",
                            "Principal": {"AWS": ci_role},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                        }],
                    },
                    "Policies": [{
                        "PolicyName": if read_only { "warden-read-only" } else { "warden-read-and-apply" },
                        "PolicyDocument": member_policy(partition, &config.access_role_name, read_only),
                    }],
                    "Tags": [{"Key": "warden:purpose", "Value": "access-role"}],
                }
            }
        },
        "Outputs": {
            "AccessRoleArn": {"Value": {"Fn::GetAtt": ["WardenAccessRole", "Arn"]}}
        }
    })
}

/// The CI role's policy in the management account: Organizations reads (and SCP writes unless
/// read-only) and assuming the access role in member accounts.
pub fn management_policy(access_role_anywhere: &str, lock: &str, read_only: bool) -> Value {
    let all = calls::actions(Caller::Management, read_only);
    let of = |prefix: &str| -> Vec<&str> {
        all.iter()
            .copied()
            .filter(|action| action.starts_with(prefix))
            .collect()
    };
    let mut statements = vec![
        json!({
            "Sid": if read_only { "WardenReadsTheOrganization" } else { "WardenReadsAndChangesScps" },
            "Effect": "Allow",
            "Action": of("organizations:"),
            "Resource": "*",
        }),
        json!({
            "Sid": "WardenAssumesItsAccessRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": access_role_anywhere,
        }),
        // Needs no permission; listed so the policy names every call Warden makes.
        json!({
            "Sid": "WardenKnowsWhoItIs",
            "Effect": "Allow",
            "Action": "sts:GetCallerIdentity",
            "Resource": "*",
        }),
    ];
    let lock_actions = of("iam:");
    if !lock_actions.is_empty() {
        statements.push(json!({
            "Sid": "WardenTakesTheApplyLock",
            "Effect": "Allow",
            "Action": lock_actions,
            "Resource": lock,
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Whether a document's allow statements name `action` (exactly, case-insensitively) and no
/// deny on `*` takes it away: what the e2e check of proxy-counted calls asks.
pub fn grants(policy: &Value, action: &str) -> bool {
    let names = |value: &Value| -> Vec<String> {
        match value {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    statements.iter().any(|statement| {
        statement["Effect"] == "Allow"
            && names(&statement["Action"])
                .iter()
                .any(|named| named.eq_ignore_ascii_case(action))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<BootstrapFile> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let definitions = warden_spec::Definitions::load(&root).unwrap();
        let request = BootstrapRequest {
            ci_role_name: "warden-ci".into(),
            ci_role_path: "/".into(),
        };
        bootstrap_files(&definitions.config, definitions.partition(), &request).unwrap()
    }

    fn parse(file: &BootstrapFile) -> Value {
        serde_json::from_str(&file.text).unwrap()
    }

    #[test]
    fn the_access_role_grants_every_member_call_and_read_only_no_write() {
        let files = files();
        let full = parse(&files[0]);
        let read_only = parse(&files[1]);
        let policy = |template: &Value| {
            template["Resources"]["WardenAccessRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                .clone()
        };
        for call in calls::CALLS.iter().filter(|c| c.caller == Caller::Member) {
            assert!(grants(&policy(&full), call.action), "{}", call.action);
            assert_eq!(
                grants(&policy(&read_only), call.action),
                !call.writes,
                "{}",
                call.action
            );
        }
        let trust =
            &full["Resources"]["WardenAccessRole"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::123456789012:role/warden-ci"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            json!({"Ref": "ExternalId"})
        );
        assert_eq!(full["Parameters"]["ExternalId"]["NoEcho"], true);
        assert_eq!(
            policy(&full)["Statement"][2]["Resource"],
            "arn:aws:iam::*:role/WardenAccess"
        );
    }

    #[test]
    fn the_management_policy_grants_every_management_call() {
        let files = files();
        let full = parse(&files[2]);
        let read_only = parse(&files[3]);
        for call in calls::CALLS
            .iter()
            .filter(|c| c.caller == Caller::Management)
        {
            assert!(grants(&full, call.action), "{}", call.action);
            assert_eq!(
                grants(&read_only, call.action),
                !call.writes,
                "{}",
                call.action
            );
        }
    }

    #[test]
    fn every_file_is_a_policy_the_parser_accepts_and_holds_no_secret() {
        for file in files() {
            let value = parse(&file);
            let documents: Vec<Value> = if file.name.ends_with(".template.json") {
                let role = &value["Resources"]["WardenAccessRole"]["Properties"];
                vec![role["Policies"][0]["PolicyDocument"].clone(), {
                    // The parameter reference stands where the value would be.
                    let mut trust = role["AssumeRolePolicyDocument"].clone();
                    trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] =
                        json!("placeholder");
                    trust
                }]
            } else {
                vec![value]
            };
            for document in documents {
                warden_policy::parse_policy(&document.to_string())
                    .unwrap_or_else(|err| panic!("{}: {err:?}", file.name));
            }
            assert!(
                !file.text.contains("acme-payments-analytics"),
                "{}",
                file.name
            );
        }
    }
}
