//! `cargo xtask simulate`: evaluate one request offline through the AWS decision chain and
//! explain the decision.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Map, Value};
use warden_eval::{CompiledPolicySet, Context, LabeledPolicy, PolicySet, Request};

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
    /// Repository root with `warden.yaml` (default: this repository).
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
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
            let (set, request) = from_request_file(file, &args.context)?;
            (set, request, file.display().to_string())
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

/// The request file's name and text, so that errors point at the offending element.
#[derive(Clone, Copy)]
struct Source<'a> {
    name: &'a str,
    text: Option<&'a str>,
}

impl Source<'_> {
    /// ``file:line:column: `path` `` when the element is found in the text, else ``file: `path` ``.
    fn at(&self, path: &str) -> String {
        match self.text.and_then(|text| warden_policy::locate(text, path)) {
            Some(span) => format!("{}:{}:{}: `{path}`", self.name, span.line, span.column),
            None => format!("{}: `{path}`", self.name),
        }
    }
}

const KNOWN_KEYS: [&str; 14] = [
    "principal",
    "action",
    "resource",
    "resource_account",
    "principal_account",
    "context",
    "identity_policies",
    "permissions_boundary",
    "scps",
    "rcps",
    "resource_policy",
    "session_policy",
    "management_account",
    "$schema",
];

fn from_request_file(
    file: &Path,
    extra_context: &[String],
) -> anyhow::Result<(PolicySet, Request)> {
    let name = file.display().to_string();
    let text = fs::read_to_string(file).with_context(|| format!("cannot read `{name}`"))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|err| super::json_error(&name, &err, "not a request"))?;
    // serde_json keeps the last of repeated keys; IAM rejects them, and a repeated `Effect`
    // would silently flip a decision.
    let duplicates = warden_policy::duplicate_keys(&text);
    if !duplicates.is_empty() {
        let lines: Vec<String> = duplicates
            .iter()
            .map(|duplicate| {
                format!(
                    "{name}:{}:{}: `{}`: duplicate key `{}`",
                    duplicate.span.line, duplicate.span.column, duplicate.path, duplicate.key
                )
            })
            .collect();
        bail!("{}", lines.join("\n"));
    }
    let Value::Object(object) = value else {
        bail!("{name}: expected a JSON object with `principal`, `action` and `resource`");
    };
    let source = Source {
        name: &name,
        text: Some(&text),
    };
    parse_request_object(source, &object, extra_context)
}

/// Builds the policy set and request from the request file's object; errors name the file and
/// the JSON path of the offending element.
fn parse_request_object(
    source: Source<'_>,
    object: &Map<String, Value>,
    extra_context: &[String],
) -> anyhow::Result<(PolicySet, Request)> {
    let name = source.name;
    if let Some(key) = object
        .keys()
        .find(|key| !KNOWN_KEYS.contains(&key.as_str()))
    {
        let known: Vec<String> = KNOWN_KEYS[..13]
            .iter()
            .map(|key| format!("`{key}`"))
            .collect();
        bail!(
            "{}: unknown key, expected one of {}",
            source.at(key),
            known.join(", ")
        );
    }
    let string = |key: &str, required: bool| -> anyhow::Result<Option<String>> {
        match object.get(key) {
            None | Some(Value::Null) if required => bail!("{name}: missing `{key}`"),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => bail!(
                "{}: expected a string, found {}",
                source.at(key),
                kind(other)
            ),
        }
    };
    let principal = string("principal", true)?.unwrap_or_default();
    let action = string("action", true)?.unwrap_or_default();
    let resource = string("resource", true)?.unwrap_or_default();
    let mut request = Request::new(&principal, &action, &resource)
        .map_err(|err| anyhow!("{}: {err}", source.at("principal")))?;
    if let Some(account) = string("resource_account", false)? {
        request = request.with_resource_account(&account);
    }
    if let Some(account) = string("principal_account", false)? {
        request = request.with_principal_account(&account);
    }
    let management = match object.get("management_account") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(other) => bail!(
            "{}: expected true or false, found {}",
            source.at("management_account"),
            kind(other)
        ),
    };
    let same_account = request.resource_account().is_none()
        || request.resource_account() == request.principal_account();
    let mut context = match object.get("context") {
        None | Some(Value::Null) => Context::new(),
        Some(Value::Object(map)) => parse_context(source, map)?,
        Some(other) => bail!(
            "{}: expected an object, found {}",
            source.at("context"),
            kind(other)
        ),
    };
    add_flag_context(&mut context, extra_context)?;
    let request = request
        .with_context(context)
        .in_management_account(management, management && same_account)
        .finish();

    let set = PolicySet {
        identity: match object.get("identity_policies") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| labeled_policy(source, &format!("identity_policies[{i}]"), item))
                .collect::<anyhow::Result<_>>()?,
            Some(other) => bail!(
                "{}: expected a list, found {}",
                source.at("identity_policies"),
                kind(other)
            ),
        },
        permissions_boundary: optional_policy(source, object, "permissions_boundary")?,
        scps: levels(source, object, "scps")?,
        rcps: levels(source, object, "rcps")?,
        resource_policy: optional_policy(source, object, "resource_policy")?,
        session_policy: optional_policy(source, object, "session_policy")?,
    };
    Ok((set, request))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn parse_context(source: Source<'_>, map: &Map<String, Value>) -> anyhow::Result<Context> {
    let mut context = Context::new();
    for (key, value) in map {
        let scalar = |value: &Value| -> Option<String> {
            match value {
                Value::String(text) => Some(text.clone()),
                Value::Bool(flag) => Some(flag.to_string()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            }
        };
        let values = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    scalar(item).ok_or_else(|| {
                        anyhow!(
                            "{}: expected a string, found {}",
                            source.at(&context_path(key, Some(i))),
                            kind(item)
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            other => vec![scalar(other).ok_or_else(|| {
                anyhow!(
                    "{}: expected a string or a list of strings, found {}",
                    source.at(&context_path(key, None)),
                    kind(other)
                )
            })?],
        };
        context.insert(key, values);
    }
    Ok(context)
}

/// The JSON path of a context value; keys like `aws:RequestTag/a.b` need the quoted form.
fn context_path(key: &str, index: Option<usize>) -> String {
    let mut path = if key.contains(['.', '[', ']', '"']) || key.is_empty() {
        format!("context[{key:?}]")
    } else {
        format!("context.{key}")
    };
    if let Some(index) = index {
        path.push_str(&format!("[{index}]"));
    }
    path
}

/// `--context K=V` flags: repeated keys are multi-valued and replace the file's values.
fn add_flag_context(context: &mut Context, flags: &[String]) -> anyhow::Result<()> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for flag in flags {
        let Some((key, value)) = flag.split_once('=') else {
            bail!("`--context {flag}`: expected KEY=VALUE");
        };
        match grouped
            .iter_mut()
            .find(|(known, _)| known.eq_ignore_ascii_case(key))
        {
            Some((_, values)) => values.push(value.to_string()),
            None => grouped.push((key.to_string(), vec![value.to_string()])),
        }
    }
    for (key, values) in grouped {
        context.insert(&key, values);
    }
    Ok(())
}

/// A policy document, or `{"label": …, "document": …}`.
fn labeled_policy(source: Source<'_>, path: &str, value: &Value) -> anyhow::Result<LabeledPolicy> {
    let (label, document, document_path) = match value {
        Value::Object(map) if map.contains_key("document") && !map.contains_key("Statement") => {
            let label = match map.get("label") {
                Some(Value::String(label)) => label.clone(),
                _ => path.to_string(),
            };
            (label, &map["document"], format!("{path}.document"))
        }
        _ => (path.to_string(), value, path.to_string()),
    };
    let document = warden_policy::parse_value(document).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|error| {
                let inner = if error.path.is_empty() {
                    String::new()
                } else {
                    format!(".{}", error.path)
                };
                format!(
                    "{}: {}",
                    source.at(&format!("{document_path}{inner}")),
                    error.kind
                )
            })
            .collect();
        anyhow!("{}", lines.join("\n"))
    })?;
    Ok(LabeledPolicy::new(label, document))
}

fn optional_policy(
    source: Source<'_>,
    object: &Map<String, Value>,
    key: &str,
) -> anyhow::Result<Option<LabeledPolicy>> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => labeled_policy(source, key, value).map(Some),
    }
}

fn levels(
    source: Source<'_>,
    object: &Map<String, Value>,
    key: &str,
) -> anyhow::Result<Vec<Vec<LabeledPolicy>>> {
    let items = match object.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => bail!(
            "{}: expected a list of levels (lists of policies), found {}",
            source.at(key),
            kind(other)
        ),
    };
    items
        .iter()
        .enumerate()
        .map(|(level, item)| match item {
            Value::Array(policies) => policies
                .iter()
                .enumerate()
                .map(|(i, policy)| labeled_policy(source, &format!("{key}[{level}][{i}]"), policy))
                .collect(),
            other => bail!(
                "{}: expected a list of policies for this level, found {}",
                source.at(&format!("{key}[{level}]")),
                kind(other)
            ),
        })
        .collect()
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
    let root = args
        .definitions
        .clone()
        .unwrap_or_else(super::ci::workspace_root);
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
    let mut corpus = AwsManagedPolicies::default();
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
    add_flag_context(&mut context, &args.context)?;
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
#[derive(Default)]
struct AwsManagedPolicies {
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
                None => {
                    super::ci::workspace_root().join(".warden/corpus/aws-managed-policies.json")
                }
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

    fn parse(json: &str) -> anyhow::Result<(PolicySet, Request)> {
        let Value::Object(object) = serde_json::from_str(json)? else {
            bail!("not an object")
        };
        let source = Source {
            name: "request.json",
            text: None,
        };
        parse_request_object(source, &object, &[])
    }

    #[test]
    fn errors_name_the_location() {
        let err = parse(r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*","identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]},{"Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("request.json: `identity_policies[1].Statement[0].Effect`"),
            "{err}"
        );
        let err = parse(r#"{"principal":"x","action":"s3:GetObject","resource":"*","sccps":[]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("`sccps`: unknown key"), "{err}");
        let err = parse(r#"{"action":"s3:GetObject","resource":"*"}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(err, "request.json: missing `principal`");
    }

    #[test]
    fn request_file_errors_carry_line_and_column() {
        let dir = std::env::temp_dir().join(format!("warden-request-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("request.json");
        let request = r#"{
  "principal": "arn:aws:iam::111122223333:user/a",
  "action": "s3:GetObject",
  "resource": "*",
  "identity_policies": [{"label": "read", "document": {"Version": "2012-10-17",
    "Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}}]
}"#;
        fs::write(&file, request).unwrap();
        let err = from_request_file(&file, &[]).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "request.json:6:30: `identity_policies[0].document.Statement[0].Effect`: effect must be `Allow` or `Deny`, found `Alow`"
            ),
            "{err}"
        );
        fs::write(&file, request.replace("\"resource\"", "\"resorce\"")).unwrap();
        let err = from_request_file(&file, &[]).unwrap_err().to_string();
        assert!(
            err.contains("request.json:4:14: `resorce`: unknown key"),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// serde_json keeps the last of repeated keys: a second `Effect` must not flip the decision.
    #[test]
    fn repeated_keys_in_a_request_file_are_errors() {
        let dir = std::env::temp_dir().join(format!("warden-repeated-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("request.json");
        fs::write(
            &file,
            r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "resource": "*",
 "identity_policies": [{"Version": "2012-10-17",
   "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Effect": "Allow"}]}]}"#,
        )
        .unwrap();
        let err = from_request_file(&file, &[]).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "request.json:3:72: `identity_policies[0].Statement[0].Effect`: duplicate key `Effect`"
            ),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    /// The sample requests under `examples/simulate/` decide as their README says.
    #[test]
    fn sample_requests_decide_as_documented() {
        let examples = crate::cmd::ci::workspace_root().join("examples/simulate");
        let decide = |file: &str, context: &[&str]| {
            let context: Vec<String> = context.iter().map(|flag| flag.to_string()).collect();
            let (set, request) = from_request_file(&examples.join(file), &context).unwrap();
            CompiledPolicySet::compile(&set).evaluate(&request).decision
        };
        use warden_eval::DecisionKind::{Allow, ExplicitDeny, ImplicitDeny};
        assert_eq!(decide("cross-account-getobject.json", &[]), Allow);
        assert_eq!(
            decide(
                "cross-account-getobject.json",
                &["aws:SecureTransport=false"]
            ),
            ImplicitDeny
        );
        assert_eq!(decide("region-denied-by-scp.json", &[]), ExplicitDeny);
        assert_eq!(
            decide(
                "region-denied-by-scp.json",
                &["aws:RequestedRegion=eu-west-1"]
            ),
            Allow
        );
    }

    #[test]
    fn builds_levels_and_context() {
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
        assert_eq!(decision.decision, warden_eval::DecisionKind::ImplicitDeny);
        assert!(
            decision.table().contains("scp level 1"),
            "{}",
            decision.table()
        );
    }
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
            definitions: Some(root.to_path_buf()),
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
