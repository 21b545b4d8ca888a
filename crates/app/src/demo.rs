//! The demo's scenario on an emulator: the seeded organization, the hand-made conflict and the
//! changes made behind Warden's back that the plan must handle, and [`run`], which plays it
//! (seed, apply, drift, plan, apply, plan again) narrating each step through a callback.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{Aws, AwsOptions, ExternalId, NewRole};
use warden_plan::desired::Ownership;
use warden_plan::from_spec;
use warden_plan::render::{RenderOptions, render_table};
use warden_plan::report::render_apply_report;
use warden_policy::{Arn, Quotas};
use warden_spec::Definitions;

use crate::err::AppError;
use crate::{ApplyRequest, AuditLog, LiveOrganization, PlanRequest};

/// Where the demo's narration goes, text as written (lines end with `\n`).
pub type Narrate<'a> = &'a dyn Fn(&str);

/// How the demo ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    /// Live IAM matches the repository after the second apply.
    Converged,
    /// The second apply failed or left changes: the narration shows the report.
    NotConverged,
    /// The baseline apply (before any drift) failed: its report was narrated.
    BaselineFailed,
}

fn step(narrate: Narrate<'_>, title: &str) {
    narrate(&step_text(title));
}

fn step_text(title: &str) -> String {
    format!("\n== {title}\n")
}

fn say(narrate: Narrate<'_>, line: &str) {
    narrate(&format!("{line}\n"));
}

/// Plays the scenario on the emulator at `endpoint_url` with the repository's `definitions`:
/// seed the organization, apply (baseline), drift behind Warden's back, plan, apply the plan,
/// plan again. The audit log goes to `.warden/demo/audit.jsonl` under `root`.
pub async fn run(
    root: &Path,
    definitions: &Definitions,
    endpoint_url: &str,
    external_id: &ExternalId,
    narrate: Narrate<'_>,
) -> Result<DemoOutcome, AppError> {
    let config = &definitions.config;
    let mut options = AwsOptions::emulator(endpoint_url);
    options.region = Some(config.home_region.clone());
    options.allowed_regions = vec![config.home_region.clone()];
    let aws = Aws::connect(options).await?;

    step(
        narrate,
        "Seeding an organization: management account, 3 member accounts in 2 OUs",
    );
    let spec = SeedSpec {
        ous: vec!["Root/Workloads/Prod".into(), "Root/Workloads/Dev".into()],
        accounts: seed_accounts(),
        access_role_name: config.access_role_name.clone(),
        external_id: external_id.clone(),
    };
    let org = fixture::seed_organization(&aws, &spec).await?;
    for account in &org.accounts {
        let line = format!("   {} {:<14} {}", account.id, account.name, account.ou_path);
        say(narrate, &line);
    }
    say(
        narrate,
        &format!(
            "   each with `{}` trusting the management account only with an ExternalId",
            config.access_role_name
        ),
    );

    let (commit, dirty) = crate::repo::git_commit(root);
    let access = crate::access::access_role(config, external_id.clone(), commit.as_deref())?;
    let concurrency = crate::access::concurrency(config);
    let live = LiveOrganization::new(aws.clone(), access, concurrency);
    let plan_request = PlanRequest {
        lint: Some(crate::today()?),
        commit,
        dirty,
        created_at: crate::now_rfc3339(),
        ..PlanRequest::default()
    };
    let audit = Arc::new(AuditLog::open(&root.join(".warden/demo/audit.jsonl"))?);
    let desired = crate::desired_state(&live, definitions, plan_request.lint).await?;
    let apply_request = ApplyRequest {
        ownership: from_spec::ownership(config),
        quotas: Quotas::default(),
        concurrency,
        clock: Arc::new(crate::now_rfc3339),
        audit: Arc::clone(&audit).sink(),
        desired: Some(Arc::new(desired)),
    };
    let plan = |request: PlanRequest| {
        let live = &live;
        async move { crate::plan_organization(live, definitions, &request, &|_| {}).await }
    };

    step(
        narrate,
        "Before Warden's first run, someone created `payments-api-task` by hand in payments-dev",
    );
    create_conflict(&aws, &org).await?;

    step(
        narrate,
        "Baseline: Warden applies the repository (its last scheduled run)",
    );
    let baseline = plan(plan_request.clone()).await?;
    let report = crate::apply_plan(&live, &baseline.plan, &apply_request).await;
    say(
        narrate,
        &format!(
            "   {} changes applied across {} accounts",
            report.applied_changes(),
            baseline.plan.accounts.len()
        ),
    );
    if !report.succeeded() {
        narrate(&render_apply_report(&report));
        return Ok(DemoOutcome::BaselineFailed);
    }

    step(narrate, "Out-of-band changes since then");
    for line in make_drift(&aws, &org, &apply_request.ownership).await? {
        say(narrate, &format!("   {line}"));
    }

    step(narrate, "cargo xtask plan");
    let drift_plan = plan(plan_request.clone()).await?;
    let options = RenderOptions {
        show_unmanaged: true,
        live: Some(&drift_plan.live),
        ..RenderOptions::default()
    };
    narrate(&render_table(&drift_plan.plan, options));

    step(
        narrate,
        "cargo xtask apply (the saved plan; each account is re-read and must be unchanged)",
    );
    let report = crate::apply_plan(&live, &drift_plan.plan, &apply_request).await;
    narrate(&render_apply_report(&report));
    say(
        narrate,
        &format!("   audit log: {}", audit.path().display()),
    );

    step(narrate, "cargo xtask plan, again");
    let converged = plan(plan_request).await?;
    narrate(&render_table(&converged.plan, RenderOptions::default()));
    if !report.succeeded() || converged.plan.has_changes() {
        say(narrate, "The demo did not converge: see the report above.");
        return Ok(DemoOutcome::NotConverged);
    }
    say(narrate, "");
    say(
        narrate,
        "Converged: live IAM matches the repository; the hand-made role is left alone.",
    );
    Ok(DemoOutcome::Converged)
}

/// For `demo --keep`, the text of `.warden/demo.env`: exports the ExternalId under the
/// variable warden.yaml names so `cargo xtask plan` can reach the kept emulator. The ExternalId
/// is the demo's own, made up per run for a loopback emulator.
pub fn env_file_text(definitions: &Definitions, external_id: &ExternalId) -> String {
    let variable = &definitions.config.external_id_env;
    format!("export {variable}={}\n", external_id.expose())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_headed_after_a_blank_line() {
        assert_eq!(step_text("cargo xtask plan"), "\n== cargo xtask plan\n");
        let written = std::cell::RefCell::new(String::new());
        let narrate = |text: &str| written.borrow_mut().push_str(text);
        say(&narrate, "   one");
        step(&narrate, "two");
        assert_eq!(written.into_inner(), "   one\n\n== two\n");
    }

    #[test]
    fn the_seeded_accounts_are_tagged_for_the_example_definitions() {
        let accounts = seed_accounts();
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["payments-prod", "shared-services", "payments-dev"]);
        let dev = &accounts[2];
        assert_eq!(dev.ou_path, "Root/Workloads/Dev");
        assert_eq!(dev.tags["Project"], "payments");
    }

    #[test]
    fn each_run_has_its_own_external_id() {
        let id = demo_external_id();
        assert!(id.starts_with("warden-demo-"), "{id}");
        assert!(ExternalId::new(id).is_ok());
    }
}
