//! `cargo xtask simulate`: evaluate one request offline through the AWS decision chain and
//! explain the decision.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Map, Value};
use warden_eval::{
    CompiledPolicySet, Context, ContextOverrides, LabeledPolicy, PolicySet, Request,
};

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
    /// Request file (JSON, see below).
    #[arg(long, value_name = "FILE", conflicts_with = "role")]
    request: Option<PathBuf>,
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
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR", alias = "definitions")]
    root: Option<PathBuf>,
    /// Resource-based policy JSON for `--role` (default: the trust policy of the target role
    /// when the resource is a role in the definitions).
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
}

const REQUEST_HELP: &str = r#"Request file:
  {"principal": ARN | account id | service principal,   (required)
   "action": "service:Action",                          (required)
   "resource": ARN or "*",                              (required)
   "resource_account": ID, "principal_account": ID,
   "context": {KEY: "value" | ["v1", "v2"]},
   "identity_policies": [DOC | {"label": NAME, "document": DOC}],
   "permissions_boundary": DOC, "session_policy": DOC, "resource_policy": DOC,
   "scps": [[DOC]], "rcps": [[DOC]],   (outer list: root, each OU, the account)
   "management_account": bool}         (the principal's account is the management account)

With --role NAME --account ID --org FILE: the role as the definitions render it for that
account (inline and managed policies, AWS managed ones from the corpus, its boundary), SCP
levels from the root to the account (FullAWSAccess, attached by default, plus the definitions'
SCPs), the caller a session of the role with aws:PrincipalArn, aws:PrincipalOrgID and
aws:PrincipalTag/* set, and the target role's trust policy when the resource is a role.

Exit status: 0 allowed, 1 denied (explicitly or implicitly), 2 bad input or usage.
"#;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
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
    let Some(org_file) = &args.org else {
        bail!(
            "`--role` needs `--org FILE` (organization JSON, as for `lint --org`) to render the definitions"
        );
    };
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = warden_spec::Definitions::load(&root)
        .map_err(|errors| anyhow!("{}", errors.rooted_at(&root)))?;
    let text = fs::read_to_string(org_file)
        .with_context(|| format!("cannot read `{}`", org_file.display()))?;
    let org: warden_spec::Organization = serde_json::from_str(&text).map_err(|err| {
        super::json_error(&org_file.display().to_string(), &err, "not an organization")
    })?;
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
    let managed_document =
        |arn: &str, corpus: &mut AwsManagedPolicies| -> anyhow::Result<LabeledPolicy> {
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
        identity.push(managed_document(arn, &mut corpus)?);
    }
    let permissions_boundary = match &role.boundary_arn {
        Some(arn) => Some(managed_document(arn, &mut corpus)?),
        None => None,
    };
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
    let scps = scp_levels(&definitions, &org, account_id)?;
    let role_arn = role.arn(account_id);
    let principal = format!(
        "arn:aws:sts::{account_id}:assumed-role/{}/warden-simulate",
        role.name
    );
    let mut request = Request::new(&principal, action, resource).map_err(|err| anyhow!("{err}"))?;
    if let Some(owner) = &args.resource_account {
        request = request.with_resource_account(owner);
    }
    let mut context = Context::new();
    context.insert("aws:PrincipalArn", vec![role_arn]);
    context.insert("aws:PrincipalOrgID", vec![org.id.clone()]);
    for (key, value) in &role.tags {
        context.insert(&format!("aws:PrincipalTag/{key}"), vec![value.clone()]);
    }
    ContextOverrides::parse(&args.context)?.apply(&mut context);
    let management = org.management_account_id == *account_id;
    let request = request
        .with_context(context)
        .in_management_account(management, management)
        .finish();
    let set = PolicySet {
        identity,
        permissions_boundary,
        scps,
        rcps: Vec::new(),
        resource_policy,
        session_policy: None,
    };
    Ok((set, request))
}

/// SCP levels from the root to the account. AWS attaches `FullAWSAccess` to every level by
/// default and the definitions manage SCPs beside it, so each level starts with it.
fn scp_levels(
    definitions: &warden_spec::Definitions,
    org: &warden_spec::Organization,
    account_id: &str,
) -> anyhow::Result<Vec<Vec<LabeledPolicy>>> {
    let scps = definitions
        .render_scps(org)
        .map_err(|errors| anyhow!("{errors}"))?;
    let full_access = warden_policy::parse_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .map_err(|errors| anyhow!("{errors}"))?;
    let mut ids = org.ancestry(account_id);
    ids.push(account_id.to_string());
    Ok(ids
        .iter()
        .map(|id| {
            let mut level = vec![LabeledPolicy::new(
                format!("FullAWSAccess@{id}"),
                full_access.clone(),
            )];
            level.extend(
                scps.iter()
                    .filter(|scp| scp.target_ids.iter().any(|target| target == id))
                    .map(|scp| {
                        LabeledPolicy::new(format!("scp:{}", scp.name), scp.document.parsed.clone())
                    }),
            );
            level
        })
        .collect())
}

/// AWS managed policies from the corpus, read on first use.
struct AwsManagedPolicies {
    root: PathBuf,
    loaded: Option<Map<String, Value>>,
}

impl AwsManagedPolicies {
    fn get(&mut self, arn: &str) -> anyhow::Result<LabeledPolicy> {
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

    /// A small repository: one role with a boundary, an OU-level SCP, in a temporary directory.
    const FIXTURE: [(&str, &str); 5] = [
        (
            "boundaries/app-boundary.yaml",
            r#"kind: Boundary
name: app-boundary
path: /boundaries/
tags:
  Project: app
statements:
  - Sid: S3AndLogs
    Effect: Allow
    Action: ["s3:*", "logs:*"]
    Resource: "*"
"#,
        ),
        (
            "org.json",
            r#"{"id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
 "accounts": [
  {"id": "123456789012", "name": "management", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}},
  {"id": "222233334444", "name": "app-prod", "email": null, "status": "Active", "parent_id": "ou-ab12-work0001", "ou_path": "Root/Workloads", "tags": {}}],
 "organizational_units": [{"id": "ou-ab12-work0001", "name": "Workloads", "parent_id": "r-ab12", "path": "Root/Workloads"}]}
"#,
        ),
        (
            "policies/app.yaml",
            r#"kind: Role
name: app
path: /workloads/
targets:
  ous: [Root/Workloads]
boundary: app-boundary
tags:
  Project: app
  Team: blue
trust:
  - Sid: Lambda
    Effect: Allow
    Principal:
      Service: lambda.amazonaws.com
    Action: sts:AssumeRole
inline_policies:
  data:
    - Sid: OwnPrefix
      Effect: Allow
      Action: [s3:GetObject, s3:PutObject]
      Resource: "arn:aws:s3:::data-${account_id}/${aws:PrincipalTag/Team}/*"
    - Sid: Queues
      Effect: Allow
      Action: sqs:SendMessage
      Resource: "*"
"#,
        ),
        (
            "scps/deny-delete.yaml",
            r#"kind: Scp
name: deny-delete
targets:
  ous: [Root/Workloads]
tags:
  Project: app
statements:
  - Sid: NoBucketDeletion
    Effect: Deny
    Action: s3:DeleteObject
    Resource: "*"
"#,
        ),
        (
            "warden.yaml",
            r#"organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
tags:
  managed_marker:
    key: "warden:managed"
    value: "true"
  required: [Project]
admin_roles: [WardenAccess]
"#,
        ),
    ];

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
            root: Some(root.to_path_buf()),
            resource_policy: None,
        }
    }

    #[test]
    fn role_form_renders_the_definitions() {
        let root = std::env::temp_dir().join(format!("warden-simulate-{}", std::process::id()));
        for (name, text) in FIXTURE {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
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
        let _ = fs::remove_dir_all(&root);
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
        let root =
            std::env::temp_dir().join(format!("warden-simulate-name-{}", std::process::id()));
        for (name, text) in FIXTURE {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let resource = "arn:aws:s3:::data-222233334444/blue/x";
        let mut by_name = role_args(&root, "s3:GetObject", resource);
        by_name.account = Some("app-prod".into());
        let (set, request) = from_definitions("app", &by_name).unwrap();
        let mut unknown = role_args(&root, "s3:GetObject", resource);
        unknown.account = Some("app-staging".into());
        let err = from_definitions("app", &unknown).unwrap_err().to_string();
        let _ = fs::remove_dir_all(&root);
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
