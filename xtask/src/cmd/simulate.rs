//! `cargo xtask simulate`: evaluate one request offline through the AWS decision chain and
//! explain the decision.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Map, Value};
use warden_eval::role_session::{AttachedScp, RoleSession, scp_levels};
use warden_eval::{CompiledPolicySet, ContextOverrides, LabeledPolicy, PolicySet, Request};

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Table,
    Json,
}

/// Evaluate a request offline: identity policies, permissions boundary, SCPs and RCPs per
/// level, resource policy (the trust policy for sts:AssumeRole) and session policy.
#[derive(clap::Args)]
#[command(after_help = REQUEST_HELP)]
pub struct Args {
    /// Request file (JSON, see below); with `--batch`, the policies for lines that give none.
    #[arg(long, value_name = "FILE", conflicts_with = "role")]
    request: Option<PathBuf>,
    /// JSON Lines of requests (`-` for stdin): one decision per line out, in order.
    #[arg(long, value_name = "FILE", conflicts_with = "role")]
    batch: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// Simulate a role from the definitions (with `--account`, `--action`, `--resource`).
    #[arg(long, value_name = "NAME", requires_all = ["account", "action", "resource"])]
    role: Option<String>,
    /// Account the role is deployed to (id or name).
    #[arg(long, value_name = "ID", conflicts_with = "request")]
    account: Option<String>,
    /// Action to evaluate, e.g. `s3:GetObject`.
    #[arg(long, value_name = "ACTION", conflicts_with = "request")]
    action: Option<String>,
    /// Resource ARN (or `*`).
    #[arg(long, value_name = "ARN", conflicts_with = "request")]
    resource: Option<String>,
    /// Account owning the resource, when its ARN does not say (S3).
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,
    /// Context key, repeatable; a key given several times is multi-valued.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Organization JSON (accounts, OUs), as for `lint --org`; needed with `--role`.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// With `--role`: the organization of a snapshot directory (`cargo xtask snapshot`), as `--org`.
    #[arg(long, value_name = "DIR", conflicts_with = "org")]
    snapshot: Option<PathBuf>,
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR", alias = "definitions")]
    root: Option<PathBuf>,
    /// Resource-based policy JSON for `--role` (default: the trust policy of the target role
    /// when the resource is a role in the definitions).
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
}

const REQUEST_HELP: &str = r#"Request file:
  {"principal": ARN | account id | service principal | "*" (anonymous),  (required)
   "action": "service:Action",                          (required)
   "resource": ARN, "*" or a pattern such as "arn:aws:s3:::bucket/logs/*"  (required)
   "resource_account": ID, "principal_account": ID,
   "context": {KEY: "value" | ["v1", "v2"]},
   "identity_policies": [DOC | {"label": NAME, "document": DOC}],
   "permissions_boundary": DOC, "session_policy": DOC, "resource_policy": DOC,
   "vpc_endpoint_policy": DOC,         (the request goes through this VPC endpoint)
   "scps": [[DOC]], "rcps": [[DOC]],   (outer list: root, each OU, the account)
   "management_account": bool}         (the principal's account is the management account)

A resource pattern is decided for every resource it matches: allowed for all, for some (with
an allowed and a denied example) or for none.

With --batch FILE: one request object per line; a line without policies uses those of
--request FILE. Out: {"line":N,"decision":"Allow"} per line, or {"line":N,"error":"…"}.

With --role NAME --account ID --org FILE: the role as the definitions render it for that
account (inline and managed policies, AWS managed ones from the corpus, its boundary), SCP
levels from the root to the account (FullAWSAccess, attached by default, plus the definitions'
SCPs), the caller a session of the role with aws:PrincipalArn, aws:PrincipalOrgID and
aws:PrincipalTag/* set, and the target role's trust policy when the resource is a role.

Exit status: 0 allowed (a pattern: for all; a batch: every line decided), 1 denied (a pattern:
for some or none), 2 bad input or usage (a batch: some line did not parse).
"#;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(batch) = &args.batch {
        return run_batch(batch, args.request.as_deref());
    }
    let (set, request, source) = match (&args.request, &args.role) {
        (Some(file), _) => {
            let name = file.display().to_string();
            let text = fs::read_to_string(file).with_context(|| format!("cannot read `{name}`"))?;
            let overrides = ContextOverrides::parse(&args.context)?;
            let (set, request) = warden_eval::parse_request_file(&name, &text, &overrides)?;
            (set, request, name)
        }
        (None, Some(role)) => {
            let (set, request) = from_definitions(role, &args)?;
            (set, request, format!("role `{role}`"))
        }
        (None, None) => {
            bail!("give `--request FILE` or `--role NAME --account ID --action A --resource R`")
        }
    };
    warn_unknown_action(&source, request.action());
    let compiled = CompiledPolicySet::compile(&set);
    for diagnostic in compiled.diagnostics() {
        eprintln!(
            "warning: {source}: policy `{}` statement `{}`: {}",
            diagnostic.policy, diagnostic.statement, diagnostic.message
        );
    }
    if warden_eval::resource_pattern::is_pattern(request.resource()) {
        let decision = warden_eval::resource_pattern::decide_pattern(&set, &compiled, &request)?;
        let verdict = decision.verdict;
        match args.format {
            FormatArg::Json => {
                super::write_stdout(&(serde_json::to_string_pretty(&decision)? + "\n"))?
            }
            FormatArg::Table => super::write_stdout(&pattern_table(&decision))?,
        }
        return Ok(match verdict {
            warden_eval::resource_pattern::PatternVerdict::All => ExitCode::SUCCESS,
            _ => ExitCode::from(1),
        });
    }
    let decision = compiled.evaluate(&request);
    match args.format {
        FormatArg::Json => super::write_stdout(&(serde_json::to_string_pretty(&decision)? + "\n"))?,
        FormatArg::Table => super::write_stdout(&decision.table())?,
    }
    Ok(if decision.decision.is_allow() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn pattern_table(decision: &warden_eval::resource_pattern::PatternDecision) -> String {
    use warden_eval::resource_pattern::PatternVerdict;
    let verdict = match decision.verdict {
        PatternVerdict::All => "Allow for every matching resource",
        PatternVerdict::Some => "Allow for some matching resources",
        PatternVerdict::None => "Deny for every matching resource",
    };
    let mut text = format!(
        "{verdict}: `{}` ({} resources examined)\n",
        decision.pattern, decision.examined
    );
    for (label, example) in [
        ("allowed", &decision.allowed_example),
        ("denied", &decision.denied_example),
    ] {
        if let Some(example) = example {
            text.push_str(&format!("  {label}: {example}\n"));
        }
    }
    text
}

/// `--batch FILE [--request BASE]`: decisions streamed to stdout in input order.
fn run_batch(batch: &std::path::Path, base: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let name = batch.display().to_string();
    let text = if name == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read stdin")?
    } else {
        fs::read_to_string(batch).with_context(|| format!("cannot read `{name}`"))?
    };
    let base = match base {
        Some(file) => {
            let base_name = file.display().to_string();
            let base_text =
                fs::read_to_string(file).with_context(|| format!("cannot read `{base_name}`"))?;
            let (set, _) = warden_eval::parse_request_file(
                &base_name,
                &base_text,
                &ContextOverrides::default(),
            )?;
            Some(set)
        }
        None => None,
    };
    let output = warden_eval::batch::run_batch(&name, &text, base.as_ref());
    super::write_stdout(&output.text)?;
    eprintln!(
        "{} decisions ({} allowed), {} lines with errors",
        output.decisions, output.allowed, output.errors
    );
    Ok(if output.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// An action the catalog does not know is evaluated as written (the catalog may predate it),
/// but a typo would match the same typo in a policy and read as a real decision.
fn warn_unknown_action(source: &str, action: &str) {
    let catalog = warden_catalog::Catalog::embedded();
    if warden_policy::wildcard::has_wildcard(action) {
        eprintln!("warning: {source}: action `{action}` has a wildcard; requests name one action");
        return;
    }
    if let Err(err) = catalog.action(action) {
        let hint = catalog
            .suggest(action)
            .map(|name| format!("; did you mean `{name}`?"))
            .unwrap_or_default();
        eprintln!("warning: {source}: {err}{hint} (evaluated as written)");
    }
}

/// `--role NAME --account ID`: the role as the definitions render it for that account.
fn from_definitions(role_name: &str, args: &Args) -> anyhow::Result<(PolicySet, Request)> {
    let (Some(account_id), Some(action), Some(resource)) =
        (&args.account, &args.action, &args.resource)
    else {
        bail!("`--role` needs `--account`, `--action` and `--resource`");
    };
    let Some(org_file) = args.org.as_ref().or(args.snapshot.as_ref()) else {
        bail!(
            "`--role` needs `--org FILE` (organization JSON, as for `lint --org`) to render the definitions"
        );
    };
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = warden_spec::Definitions::load(&root)
        .map_err(|errors| anyhow!("{}", errors.rooted_at(&root)))?;
    let org = warden_app::lint_files::load_org(org_file)?;
    // By id or by name, as `plan --account` and `lint --account` take it.
    let Some(account) = org
        .accounts
        .iter()
        .find(|account| account.id == *account_id || account.name == *account_id)
    else {
        bail!(
            "account `{account_id}` is not in `{}` (give an account id or name)",
            org_file.display()
        );
    };
    let account_id = &account.id;
    let rendered = definitions
        .render_for_account(&org, account)
        .map_err(|errors| anyhow!("{errors}"))?;
    let Some(role) = rendered.roles.iter().find(|role| role.name == role_name) else {
        let known: Vec<&str> = rendered
            .roles
            .iter()
            .map(|role| role.name.as_str())
            .collect();
        bail!(
            "role `{role_name}` is not deployed to account `{account_id}` (roles there: {})",
            known.join(", ")
        );
    };
    let mut corpus = AwsManagedPolicies {
        root: root.clone(),
        loaded: None,
    };
    let mut managed_document = |arn: &str| -> anyhow::Result<LabeledPolicy> {
        let customer = rendered
            .policies
            .iter()
            .chain(&rendered.boundaries)
            .find(|policy| policy.arn == arn);
        match customer {
            Some(policy) => Ok(LabeledPolicy::new(arn, policy.document.parsed.clone())),
            None => corpus.get(arn),
        }
    };
    let mut identity: Vec<LabeledPolicy> = role
        .inline
        .iter()
        .map(|(name, document)| {
            LabeledPolicy::new(format!("inline:{name}"), document.parsed.clone())
        })
        .collect();
    for arn in &role.managed_policy_arns {
        identity.push(managed_document(arn)?);
    }
    let boundary = role
        .boundary_arn
        .as_deref()
        .map(managed_document)
        .transpose()?;
    let resource_policy = match &args.resource_policy {
        Some(file) => {
            let name = file.display().to_string();
            let text = fs::read_to_string(file).with_context(|| format!("cannot read `{name}`"))?;
            let document = warden_policy::parse_policy(&text)
                .map_err(|errors| anyhow!("{}", errors.in_file(&name)))?;
            Some(LabeledPolicy::new(name, document))
        }
        None => rendered
            .roles
            .iter()
            .find(|target| target.arn(account_id) == *resource)
            .map(|target| {
                LabeledPolicy::new(
                    format!("trust:{}", target.name),
                    target.trust.parsed.clone(),
                )
            }),
    };
    let scps = definitions
        .render_scps(&org)
        .map_err(|errors| anyhow!("{errors}"))?;
    let attached: Vec<AttachedScp<'_>> = scps
        .iter()
        .map(|scp| AttachedScp {
            name: &scp.name,
            document: &scp.document.parsed,
            target_ids: &scp.target_ids,
        })
        .collect();
    let mut levels = org.ancestry(account_id);
    levels.push(account_id.clone());
    let role_arn = role.arn(account_id);
    let tags: Vec<(String, String)> = role.tags.clone().into_iter().collect();
    let session = RoleSession {
        partition: role.partition,
        account_id,
        role_name: &role.name,
        role_arn: &role_arn,
        organization_id: &org.id,
        tags: &tags,
        management_account: org.management_account_id == *account_id,
    };
    let overrides = ContextOverrides::parse(&args.context)?;
    let request = session.request(
        action,
        resource,
        args.resource_account.as_deref(),
        &overrides,
    )?;
    let set = session.policy_set(
        identity,
        boundary,
        scp_levels(&levels, &attached),
        resource_policy,
    );
    Ok((set, request))
}

/// AWS managed policies from the corpus, read on first use.
pub(crate) struct AwsManagedPolicies {
    root: PathBuf,
    loaded: Option<Map<String, Value>>,
}

impl AwsManagedPolicies {
    /// The corpus of the repository at `root` (or `WARDEN_CORPUS`), read on first use.
    pub(crate) fn new(root: PathBuf) -> AwsManagedPolicies {
        AwsManagedPolicies { root, loaded: None }
    }

    pub(crate) fn get(&mut self, arn: &str) -> anyhow::Result<LabeledPolicy> {
        let Some(name) = arn
            .strip_prefix("arn:aws:iam::aws:policy/")
            .and_then(|rest| rest.rsplit('/').next())
        else {
            bail!("managed policy `{arn}` is neither in the definitions nor an AWS managed policy");
        };
        if self.loaded.is_none() {
            let path = match std::env::var_os("WARDEN_CORPUS") {
                Some(path) => PathBuf::from(path),
                None => self.root.join(".warden/corpus/aws-managed-policies.json"),
            };
            let text = fs::read_to_string(&path).with_context(|| {
                format!("cannot read the AWS managed policies corpus `{}` (run `cargo xtask ci` to prepare it)", path.display())
            })?;
            let Value::Object(map) = serde_json::from_str(&text)? else {
                bail!("`{}` is not a JSON object", path.display());
            };
            self.loaded = Some(map);
        }
        let entry = self.loaded.as_ref().and_then(|map| map.get(name));
        let Some(document) = entry.and_then(|entry| entry.get("document")) else {
            bail!("AWS managed policy `{arn}` is not in the corpus");
        };
        let document =
            warden_policy::parse_value(document).map_err(|errors| anyhow!("`{arn}`: {errors}"))?;
        Ok(LabeledPolicy::new(arn, document))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A small repository: one role with a boundary, an OU-level SCP, and its organization.
    fn fixture() -> PathBuf {
        crate::cmd::ci::workspace_root().join("xtask/tests/fixtures/simulate-role")
    }

    fn role_args(root: &Path, action: &str, resource: &str) -> Args {
        Args {
            request: None,
            format: FormatArg::Json,
            role: Some("app".into()),
            account: Some("222233334444".into()),
            action: Some(action.into()),
            resource: Some(resource.into()),
            resource_account: None,
            context: Vec::new(),
            org: Some(root.join("org.json")),
            snapshot: None,
            batch: None,
            root: Some(root.to_path_buf()),
            resource_policy: None,
        }
    }

    #[test]
    fn role_form_renders_the_definitions() {
        let root = fixture();
        let decide = |action: &str, resource: &str| {
            let (set, request) =
                from_definitions("app", &role_args(&root, action, resource)).unwrap();
            CompiledPolicySet::compile(&set).evaluate(&request)
        };
        // The role's `Team` tag fills `${aws:PrincipalTag/Team}`; the boundary and SCPs apply.
        let own = decide("s3:GetObject", "arn:aws:s3:::data-222233334444/blue/x");
        let other = decide("s3:GetObject", "arn:aws:s3:::data-222233334444/red/x");
        let outside_boundary = decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:222233334444:q");
        let scp = decide("s3:DeleteObject", "arn:aws:s3:::data-222233334444/blue/x");
        let trust = decide(
            "sts:AssumeRole",
            "arn:aws:iam::222233334444:role/workloads/app",
        );
        use warden_eval::{DecisionKind::*, Layer};
        assert_eq!(own.decision, Allow, "{own}");
        assert_eq!(
            own.reasons.iter().filter(|r| r.layer == Layer::Scp).count(),
            3,
            "{own}"
        );
        assert_eq!(other.decision, ImplicitDeny, "{other}");
        assert_eq!(
            outside_boundary.decision, ImplicitDeny,
            "{outside_boundary}"
        );
        assert_eq!(
            outside_boundary.reasons[0].layer,
            Layer::Boundary,
            "{outside_boundary}"
        );
        assert_eq!(scp.decision, ExplicitDeny, "{scp}");
        assert_eq!(
            scp.reasons[0].statement.as_deref(),
            Some("NoBucketDeletion"),
            "{scp}"
        );
        // The role's own session is not in its trust policy (only Lambda is).
        assert_eq!(trust.decision, ImplicitDeny, "{trust}");
        assert_eq!(trust.reasons[0].layer, Layer::Resource, "{trust}");
    }

    /// `--account` takes the account's name too; it used to be "not in the organization".
    #[test]
    fn role_form_finds_the_account_by_name() {
        let root = fixture();
        let resource = "arn:aws:s3:::data-222233334444/blue/x";
        let mut by_name = role_args(&root, "s3:GetObject", resource);
        by_name.account = Some("app-prod".into());
        let (set, request) = from_definitions("app", &by_name).unwrap();
        let mut unknown = role_args(&root, "s3:GetObject", resource);
        unknown.account = Some("app-staging".into());
        let err = from_definitions("app", &unknown).unwrap_err().to_string();
        let decision = CompiledPolicySet::compile(&set).evaluate(&request);
        assert_eq!(
            decision.decision,
            warden_eval::DecisionKind::Allow,
            "{decision}"
        );
        assert!(
            err.starts_with("account `app-staging` is not in `"),
            "{err}"
        );
    }
}
