//! The auditor evidence bundle: every selected account rendered, linted and written in turn,
//! so memory stays flat with the number of accounts.

use std::path::Path;

use warden_catalog::Catalog;
use warden_lint::{Date, LintConfig, lint_rendered_account};
use warden_plan::Plan;
use warden_policy::{Arn, Partition};
use warden_report::bundle::{BundleHeader, BundleSummary, EvidenceWriter};
use warden_report::evidence::{
    AwsManagedPolicies, AwsManagedPolicy, EvidenceContext, LiveTruth, account_evidence,
    add_live_truth,
};
use warden_report::{Provenance, UsageIndex};
use warden_spec::Definitions;
use warden_spec::org::{AccountStatus, Organization};

use crate::err::AppError;
use crate::plan::{PlanOutcome, PlanRequest};
use crate::select::selected;

/// Reads AWS managed policy documents keyed by name into a map keyed by their ARN in `partition`.
pub fn read_aws_managed(path: &Path, partition: Partition) -> Result<AwsManagedPolicies, AppError> {
    let failed = |message: String| AppError::AwsManagedPolicies {
        path: path.display().to_string(),
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|err| failed(format!("could not read it: {err}")))?;
    let entries: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|err| failed(format!("not a JSON object of policies: {err}")))?;
    let mut policies = AwsManagedPolicies::new();
    for (name, entry) in entries {
        let policy_path = entry["path"].as_str().unwrap_or("/");
        let document = entry["document"].clone();
        let parsed = warden_policy::parse_value(&document)
            .map_err(|errors| failed(format!("policy `{name}`: {errors:?}")))?;
        policies.insert(
            Arn::aws_managed_policy(partition, policy_path, &name).to_string(),
            AwsManagedPolicy { document, parsed },
        );
    }
    Ok(policies)
}

/// Which accounts go into the bundle (`--account`/`--ou`; none: all).
pub struct Selection<'a> {
    pub accounts: &'a [String],
    pub ous: &'a [String],
}

impl Selection<'_> {
    /// `request` narrowed to the selection, without the lint gate: evidence reports findings
    /// rather than refusing on them.
    pub fn plan_request(&self, request: PlanRequest) -> PlanRequest {
        PlanRequest {
            lint: None,
            accounts: self.accounts.to_vec(),
            ous: self.ous.to_vec(),
            ..request
        }
    }
}

/// What the bundle reads besides the organization: CloudTrail usage and AWS managed policy
/// documents. Read before the organization, so bad input fails before any AWS call.
pub struct Extras {
    pub usage: Option<UsageIndex>,
    pub aws_managed: Option<AwsManagedPolicies>,
}

impl Extras {
    /// `since` is `YYYY-MM-DD` or RFC 3339 UTC; `aws_managed_policies` as for [`read_aws_managed`].
    pub fn read(
        cloudtrail: Option<&Path>,
        since: Option<&str>,
        aws_managed_policies: Option<&Path>,
        partition: Partition,
    ) -> Result<Extras, AppError> {
        let since = since
            .map(warden_generate::cloudtrail::parse_since)
            .transpose()?;
        let usage = cloudtrail
            .map(|dir| UsageIndex::read_dir(dir, since, Catalog::embedded()))
            .transpose()?;
        let aws_managed = aws_managed_policies
            .map(|path| read_aws_managed(path, partition))
            .transpose()?;
        Ok(Extras { usage, aws_managed })
    }
}

/// The bundle of a plan just made: provenance from the repository at `root` and the catalog,
/// then each selected account (with live truth from `snapshot` when given).
#[expect(
    clippy::too_many_arguments,
    reason = "the one entry point of `evidence`: each input is a different flag of the command"
)]
pub fn export(
    root: &Path,
    definitions: &Definitions,
    outcome: &PlanOutcome,
    extras: &Extras,
    selection: Selection<'_>,
    out: &Path,
    snapshot: Option<&Path>,
    progress: crate::progress::Progress<'_>,
) -> Result<BundleSummary, AppError> {
    let source = Catalog::embedded().source();
    let provenance = Provenance::read(
        root,
        &outcome.plan.created_at,
        &definitions.digest(),
        &format!("{} {}", source.package, source.version),
    )?;
    let header = BundleHeader {
        provenance,
        usage: extras.usage.as_ref().map(UsageIndex::period),
    };
    let inputs = Inputs {
        definitions,
        organization: &outcome.organization,
        plan: Some(&outcome.plan),
        usage: extras.usage.as_ref(),
        aws_managed: extras.aws_managed.as_ref(),
        selection,
        today: crate::today()?,
    };
    write_bundle_reporting(out, header, &inputs, snapshot, progress)
}

/// What `evidence` says when the bundle at `out` is written: what it holds and how to check it.
pub fn summary_text(summary: &BundleSummary, out: &Path) -> String {
    format!(
        "evidence for {} accounts, {} roles ({} matched live IAM, {} accounts unreadable) written to {}\n\
         open {}; verify with `cd {} && sha256sum -c MANIFEST.sha256`\n",
        summary.accounts,
        summary.roles,
        summary.roles_matching_live,
        summary.unreadable_accounts,
        out.display(),
        out.join("index.html").display(),
        out.display()
    )
}

/// What a bundle is made from.
pub struct Inputs<'a> {
    pub definitions: &'a Definitions,
    pub organization: &'a Organization,
    pub plan: Option<&'a Plan>,
    pub usage: Option<&'a UsageIndex>,
    pub aws_managed: Option<&'a AwsManagedPolicies>,
    pub selection: Selection<'a>,
    /// The day lint exceptions are judged on.
    pub today: Date,
}

/// Renders, lints and writes each selected active member account in turn.
pub fn write_bundle(
    out: &Path,
    header: BundleHeader,
    inputs: &Inputs<'_>,
) -> Result<BundleSummary, AppError> {
    write_bundle_with_live(out, header, inputs, None)
}

/// [`write_bundle`] with live truth from a snapshot: each account's roles get effective
/// permissions computed from their live documents beside the repository's, and the account
/// its users, keys, unused roles, trust from outside the organization and posture findings.
/// Accounts are read from the snapshot one at a time.
pub fn write_bundle_with_live(
    out: &Path,
    header: BundleHeader,
    inputs: &Inputs<'_>,
    snapshot: Option<&Path>,
) -> Result<BundleSummary, AppError> {
    write_bundle_reporting(out, header, inputs, snapshot, &crate::progress::ignore)
}

/// [`write_bundle_with_live`] reporting each account written as a step.
pub fn write_bundle_reporting(
    out: &Path,
    header: BundleHeader,
    inputs: &Inputs<'_>,
    snapshot: Option<&Path>,
    progress: crate::progress::Progress<'_>,
) -> Result<BundleSummary, AppError> {
    let Inputs {
        definitions,
        organization,
        plan,
        usage,
        aws_managed,
        selection,
        today,
    } = inputs;
    let today = *today;
    let (definitions, organization, plan, usage, aws_managed) =
        (*definitions, *organization, *plan, *usage, *aws_managed);
    let catalog = Catalog::embedded();
    let scps = definitions.render_scps(organization)?;
    let config = LintConfig::from_spec(&definitions.config);
    let snapshot = snapshot
        .map(|dir| {
            warden_snapshot::Snapshot::open(dir)
                .map(|opened| (dir, opened))
                .map_err(|err| AppError::Source(Box::new(err)))
        })
        .transpose()?;
    let organization_accounts = crate::posture::organization_accounts(organization);
    let trusted = crate::posture::trusted_account_names(definitions);
    let now = today.midnight().assume_utc().unix_timestamp();
    let mut writer = EvidenceWriter::create(out, header)?;
    let accounts: Vec<_> = organization
        .accounts
        .iter()
        .filter(|account| {
            account.status == AccountStatus::Active
                && account.id != organization.management_account_id
                && selected(account, organization, selection.accounts, selection.ous)
        })
        .collect();
    for (index, account) in accounts.iter().enumerate() {
        let rendered = definitions.render_for_account(organization, account)?;
        let findings = lint_rendered_account(&rendered, &config, catalog, today);
        // Only this account's CloudTrail records are in memory while it is written.
        let account_usage = usage
            .map(|usage| usage.for_account(&account.id))
            .transpose()?;
        let context = EvidenceContext {
            catalog,
            organization,
            scps: &scps,
            plan,
            findings: &findings,
            usage: account_usage.as_deref(),
            aws_managed,
            today: today.to_string(),
        };
        let mut evidence = account_evidence(&context, &rendered);
        if let Some((dir, snapshot)) = &snapshot
            && snapshot.accounts().iter().any(|entry| {
                entry.id == account.id && entry.status == warden_snapshot::AccountStatus::Read
            })
        {
            let live = snapshot
                .account(&account.id)
                .map_err(|err| AppError::Source(Box::new(err)))?;
            let file = dir
                .join("accounts")
                .join(format!("{}.json", account.id))
                .display()
                .to_string();
            let request = crate::posture::PostureRequest {
                catalog,
                config: config.clone(),
                posture: crate::posture::posture_config(Some(definitions)),
                today,
                definitions: Some(definitions),
            };
            // The posture rules, and the trust and escalation rules on roles the repository
            // does not define (its own roles are linted from their definitions; Warden's access
            // role is checked on every read).
            let findings = crate::posture::lint_one(&live, &file, organization, &request)
                .into_iter()
                .filter(|finding| {
                    crate::posture::is_posture_rule(&finding.rule)
                        || finding.principal.as_ref().is_none_or(|name| {
                            !name.eq_ignore_ascii_case(&definitions.config.access_role_name)
                                && !rendered
                                    .roles
                                    .iter()
                                    .any(|r| r.name.eq_ignore_ascii_case(name))
                        })
                })
                .collect();
            add_live_truth(
                &mut evidence,
                &context,
                LiveTruth {
                    live: &live,
                    findings,
                    organization_accounts: &organization_accounts,
                    trusted: &trusted,
                    now,
                },
            );
        }
        writer.write_account(&evidence)?;
        progress(crate::progress::Step {
            done: index + 1,
            total: accounts.len(),
            item: &account.name,
        });
    }
    Ok(writer.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evidence never applies the lint gate and keeps only the selected accounts.
    #[test]
    fn plan_request_drops_the_lint_gate() {
        let (accounts, ous) = (vec!["dev".to_string()], vec!["Root/Workloads".to_string()]);
        let selection = Selection {
            accounts: &accounts,
            ous: &ous,
        };
        let request = PlanRequest {
            lint: warden_policy::date::parse_day("2026-01-01"),
            ..PlanRequest::default()
        };
        let request = selection.plan_request(request);
        assert!(request.lint.is_none());
        assert_eq!((request.accounts, request.ous), (accounts, ous));
    }

    /// A bad `--since` fails before anything is read; nothing given reads nothing.
    #[test]
    fn extras_check_since_first() {
        let err = Extras::read(None, Some("yesterday"), None, Partition::Aws)
            .err()
            .unwrap();
        assert!(err.to_string().contains("`yesterday`"), "{err}");
        let extras = Extras::read(None, None, None, Partition::Aws).unwrap();
        assert!(extras.usage.is_none() && extras.aws_managed.is_none());
    }
}
