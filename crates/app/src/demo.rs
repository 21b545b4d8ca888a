//! The demo's scenario on an emulator: the seeded organization, the hand-made conflict and the
//! changes made behind Warden's back that the plan must handle.

use std::collections::BTreeMap;

use warden_aws::fixture::{self, SeedAccount, SeededOrg};
use warden_aws::{Aws, NewRole};
use warden_plan::desired::Ownership;
use warden_policy::Arn;

use crate::err::AppError;

/// The seeded organization: three member accounts in two OUs, tagged the way the example
/// definitions target them (`Project=payments` gets the payments roles).
pub fn seed_accounts() -> Vec<SeedAccount> {
    let account = |name: &str, ou: &str, project: &str, environment: &str| {
        let mut seed = SeedAccount::new(name, ou);
        seed.tags = BTreeMap::from([
            ("Project".to_string(), project.to_string()),
            ("Environment".to_string(), environment.to_string()),
        ]);
        seed
    };
    vec![
        account("payments-prod", "Root/Workloads/Prod", "payments", "prod"),
        account("shared-services", "Root/Workloads/Prod", "platform", "prod"),
        account("payments-dev", "Root/Workloads/Dev", "payments", "dev"),
    ]
}

/// A role the definitions want in payments-dev, made by hand without Warden's marker: a
/// conflict Warden shows and never touches.
pub const CONFLICTING_ROLE: &str = "payments-api-task";

/// A trust policy letting the account's own root assume the role, as the console makes it.
fn account_root_trust(aws: &Aws, account_id: &str) -> String {
    let root = Arn::account_root(aws.partition(), account_id).to_string();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}]
    })
    .to_string()
}

pub fn account_id<'a>(org: &'a SeededOrg, name: &str) -> Result<&'a str, AppError> {
    org.account_id(name)
        .ok_or_else(|| AppError::Demo(format!("the seeded organization has no account `{name}`")))
}

/// Before Warden's first run, someone creates [`CONFLICTING_ROLE`] by hand in payments-dev.
pub async fn create_conflict(aws: &Aws, org: &SeededOrg) -> Result<(), AppError> {
    let dev = account_id(org, "payments-dev")?;
    let dev_admin = fixture::admin_client(aws, dev).await?;
    fixture::create_role_with_policies(
        &dev_admin,
        &NewRole {
            name: CONFLICTING_ROLE.into(),
            path: "/workloads/".into(),
            trust_policy: account_root_trust(aws, dev),
            ..NewRole::default()
        },
        &[],
        &[],
    )
    .await?;
    Ok(())
}

/// Changes made behind Warden's back, one of each kind the plan must handle. Returns what was
/// done, for the narrative.
pub async fn make_drift(
    aws: &Aws,
    org: &SeededOrg,
    ownership: &Ownership,
) -> Result<Vec<String>, AppError> {
    let mut done = Vec::new();
    let prod = account_id(org, "payments-prod")?;
    let dev = account_id(org, "payments-dev")?;
    let prod_admin = fixture::admin_client(aws, prod).await?;
    let live_prod = prod_admin.read_account().await?;
    let managed_with_inline: Vec<_> = live_prod
        .roles
        .iter()
        .filter(|role| !role.inline_policies.is_empty() && ownership.tagged(&role.tags))
        .collect();
    let [reformatted, changed, ..] = managed_with_inline.as_slice() else {
        return Err(AppError::Demo(
            "the example definitions need two roles with inline policies in payments-prod".into(),
        ));
    };

    let (name, document) = first_inline(reformatted)?;
    prod_admin
        .put_role_policy(&reformatted.name, name, &reformat_equivalently(document)?)
        .await?;
    done.push(format!(
        "payments-prod: `{}` inline policy `{name}` re-saved reformatted (same meaning)",
        reformatted.name
    ));

    let (name, document) = first_inline(changed)?;
    prod_admin
        .put_role_policy(&changed.name, name, &widen(document)?)
        .await?;
    done.push(format!(
        "payments-prod: `{}` inline policy `{name}` widened by hand (dynamodb:DeleteTable on *)",
        changed.name
    ));

    let dev_admin = fixture::admin_client(aws, dev).await?;
    let live_dev = dev_admin.read_account().await?;
    let Some(victim) = live_dev
        .roles
        .iter()
        .find(|role| ownership.tagged(&role.tags) && role.name != CONFLICTING_ROLE)
    else {
        return Err(AppError::Demo(
            "no Warden-managed role in payments-dev to delete".into(),
        ));
    };
    dev_admin.delete_role(&victim.name).await?;
    done.push(format!(
        "payments-dev: role `{}` deleted by hand",
        victim.name
    ));

    fixture::create_role_with_policies(
        &dev_admin,
        &NewRole {
            name: "legacy-batch".into(),
            path: "/".into(),
            trust_policy: account_root_trust(aws, dev),
            description: Some("Created in the console in 2021".into()),
            ..NewRole::default()
        },
        &[(
            "batch",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::legacy-batch"}]}"#,
        )],
        &[],
    )
    .await?;
    done.push("payments-dev: unmanaged role `legacy-batch` created in the console".into());
    done.push(format!(
        "payments-dev: `{CONFLICTING_ROLE}` is still the hand-made one (a conflict)"
    ));
    Ok(done)
}

fn first_inline(role: &warden_plan::live::LiveRole) -> Result<(&str, &str), AppError> {
    role.inline_policies
        .iter()
        .next()
        .map(|(name, document)| (name.as_str(), document.as_str()))
        .ok_or_else(|| AppError::Demo(format!("role `{}` has no inline policy", role.name)))
}

/// The same policy as a person re-saving it in the console might write it: keys in another
/// order, lists reversed, single values as lists, different whitespace.
fn reformat_equivalently(document: &str) -> Result<String, AppError> {
    let mut value = parse(document)?;
    reformat_value(&mut value);
    Ok(serde_json::to_string_pretty(&value)
        .map_err(|err| AppError::Demo(err.to_string()))?
        .replace("  ", "    "))
}

fn reformat_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
            entries.reverse();
            for (key, mut inner) in entries {
                reformat_value(&mut inner);
                if matches!(key.as_str(), "Action" | "Resource")
                    && let serde_json::Value::String(single) = inner
                {
                    inner = serde_json::Value::Array(vec![serde_json::Value::String(single)]);
                }
                map.insert(key, inner);
            }
        }
        serde_json::Value::Array(items) => {
            items.reverse();
            items.iter_mut().for_each(reformat_value);
        }
        _ => {}
    }
}

/// Adds a statement nobody reviewed.
fn widen(document: &str) -> Result<String, AppError> {
    let mut value = parse(document)?;
    let statements = value
        .get_mut("Statement")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| AppError::Demo("inline policy without a Statement list".into()))?;
    statements.push(serde_json::json!({
        "Sid": "ConsoleHotfix",
        "Effect": "Allow",
        "Action": "dynamodb:DeleteTable",
        "Resource": "*"
    }));
    Ok(value.to_string())
}

/// A fresh ExternalId per run: the demo's own emulator, so nothing secret leaves it.
pub fn demo_external_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("warden-demo-{}-{nanos}", std::process::id())
}

fn parse(document: &str) -> Result<serde_json::Value, AppError> {
    serde_json::from_str(document).map_err(|err| AppError::Demo(format!("live policy: {err}")))
}
