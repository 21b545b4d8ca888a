//! What `simulate --role` and the access commands evaluate offline: a role's policies as the
//! definitions render them for one account, the AWS managed policies corpus, and the access
//! model of the definitions or of a snapshot.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use warden_access::AccessModel;
use warden_eval::role_session::{AttachedScp, RoleSession, scp_levels};
use warden_eval::{CompiledPolicySet, ContextOverrides, LabeledPolicy, PolicySet, Request};

use crate::err::AppError;

/// AWS managed policies from the corpus, read on first use.
pub struct AwsManagedPolicies {
    path: PathBuf,
    loaded: Option<Map<String, Value>>,
}

impl AwsManagedPolicies {
    /// The corpus at `path` (the caller's `WARDEN_CORPUS`), else the repository's at `root`.
    pub fn new(root: &Path, path: Option<PathBuf>) -> AwsManagedPolicies {
        let path = path.unwrap_or_else(|| root.join(".warden/corpus/aws-managed-policies.json"));
        AwsManagedPolicies { path, loaded: None }
    }

    pub fn get(&mut self, arn: &str) -> Result<LabeledPolicy, AppError> {
        let Some(name) = arn
            .strip_prefix("arn:aws:iam::aws:policy/")
            .and_then(|rest| rest.rsplit('/').next())
        else {
            return Err(AppError::NotManagedPolicy { arn: arn.into() });
        };
        if self.loaded.is_none() {
            let path = self.path.display().to_string();
            let failed = |message: String| AppError::CorpusUnreadable {
                path: path.clone(),
                message,
            };
            let text = fs::read_to_string(&self.path).map_err(|err| failed(err.to_string()))?;
            match serde_json::from_str(&text).map_err(|err| failed(err.to_string()))? {
                Value::Object(map) => self.loaded = Some(map),
                _ => return Err(failed("not a JSON object".into())),
            }
        }
        let entry = self.loaded.as_ref().and_then(|map| map.get(name));
        let Some(document) = entry.and_then(|entry| entry.get("document")) else {
            return Err(AppError::NotInCorpus { arn: arn.into() });
        };
        let document = warden_policy::parse_value(document)
            .map_err(|errors| AppError::Policy(format!("`{arn}`: {errors}")))?;
        Ok(LabeledPolicy::new(arn, document))
    }
}

/// A policy JSON file (a resource policy), labelled with its name.
pub fn read_policy_file(file: &Path) -> Result<LabeledPolicy, AppError> {
    let document = crate::policy_file::read(file)?;
    Ok(LabeledPolicy::new(file.display().to_string(), document))
}

/// A request file (see `simulate --help`): its policies and request, with `context` flags
/// (`KEY=VALUE`) added to the request's context.
pub fn request_file(file: &Path, context: &[String]) -> Result<(PolicySet, Request), AppError> {
    let name = file.display().to_string();
    let text = fs::read_to_string(file).map_err(|err| AppError::Read {
        path: name.clone(),
        message: err.to_string(),
    })?;
    let overrides = ContextOverrides::parse(context)?;
    warden_eval::parse_request_file(&name, &text, &overrides)
        .map_err(|errors| AppError::Policy(errors.to_string()))
}

/// What to warn about before a decision from `source`: an action the catalog does not know is
/// evaluated as written (the catalog may predate it), but a typo would match the same typo in
/// a policy and read as a real decision; statements the evaluator could not compile.
pub fn warnings(source: &str, action: &str, compiled: &CompiledPolicySet) -> Vec<String> {
    let catalog = warden_catalog::Catalog::embedded();
    let mut warnings = Vec::new();
    if warden_policy::wildcard::has_wildcard(action) {
        warnings.push(format!(
            "{source}: action `{action}` has a wildcard; requests name one action"
        ));
    } else if let Err(err) = catalog.action(action) {
        let hint = catalog.suggest(action);
        let hint = hint.map(|name| format!("; did you mean `{name}`?"));
        let hint = hint.unwrap_or_default();
        warnings.push(format!("{source}: {err}{hint} (evaluated as written)"));
    }
    for diagnostic in compiled.diagnostics() {
        let (policy, statement) = (&diagnostic.policy, &diagnostic.statement);
        let message = &diagnostic.message;
        warnings.push(format!(
            "{source}: policy `{policy}` statement `{statement}`: {message}"
        ));
    }
    warnings
}

/// `simulate --role NAME --account ID`: the role as the definitions render it for one account.
pub struct RoleRequest<'a> {
    pub root: &'a Path,
    /// Organization JSON or a snapshot directory.
    pub org_file: &'a Path,
    pub role: &'a str,
    /// Account id or name.
    pub account: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_account: Option<&'a str>,
    pub context: &'a [String],
    /// Default: the target role's trust policy when the resource is a role in the definitions.
    pub resource_policy: Option<&'a Path>,
}

impl RoleRequest<'_> {
    /// The policies on the request's path (identity, boundary, SCP levels from the root to the
    /// account, resource policy) and the request made by a session of the role.
    pub fn policy_set(
        &self,
        corpus: &mut AwsManagedPolicies,
    ) -> Result<(PolicySet, Request), AppError> {
        let definitions = warden_spec::Definitions::load(self.root)
            .map_err(|errors| AppError::Definitions(errors.rooted_at(self.root)))?;
        let org = crate::lint_files::load_org(self.org_file)?;
        // By id or by name, as `plan --account` and `lint --account` take it.
        let Some(account) = org
            .accounts
            .iter()
            .find(|account| account.id == self.account || account.name == self.account)
        else {
            return Err(AppError::UnknownAccount {
                account: self.account.into(),
                file: self.org_file.display().to_string(),
            });
        };
        let account_id = &account.id;
        let rendered = definitions
            .render_for_account(&org, account)
            .map_err(AppError::Definitions)?;
        let Some(role) = rendered.roles.iter().find(|role| role.name == self.role) else {
            let known: Vec<&str> = rendered.roles.iter().map(|r| r.name.as_str()).collect();
            return Err(AppError::UnknownRole {
                role: self.role.into(),
                account: account_id.clone(),
                known: known.join(", "),
            });
        };
        let mut managed_document = |arn: &str| -> Result<LabeledPolicy, AppError> {
            let customer = rendered.policies.iter().chain(&rendered.boundaries);
            match customer.into_iter().find(|policy| policy.arn == arn) {
                Some(policy) => Ok(LabeledPolicy::new(arn, policy.document.parsed.clone())),
                None => corpus.get(arn),
            }
        };
        let mut identity: Vec<LabeledPolicy> = role
            .inline
            .iter()
            .map(|(name, doc)| LabeledPolicy::new(format!("inline:{name}"), doc.parsed.clone()))
            .collect();
        for arn in &role.managed_policy_arns {
            identity.push(managed_document(arn)?);
        }
        let boundary = role.boundary_arn.as_deref().map(managed_document);
        let boundary = boundary.transpose()?;
        let resource_policy = match self.resource_policy {
            Some(file) => Some(read_policy_file(file)?),
            None => rendered
                .roles
                .iter()
                .find(|target| target.arn(account_id) == self.resource)
                .map(|target| {
                    let label = format!("trust:{}", target.name);
                    LabeledPolicy::new(label, target.trust.parsed.clone())
                }),
        };
        let scps = definitions
            .render_scps(&org)
            .map_err(AppError::Definitions)?;
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
        let overrides = ContextOverrides::parse(self.context)?;
        let request = session.request(
            self.action,
            self.resource,
            self.resource_account,
            &overrides,
        )?;
        let scps = scp_levels(&levels, &attached);
        let set = session.policy_set(identity, boundary, scps, resource_policy);
        Ok((set, request))
    }
}

/// The principals `who-can`, `principal-can` and `paths` examine: the live roles and users of
/// a snapshot directory, or the roles the definitions deploy to the organization in `org_file`
/// (default: the inventory the last plan saved). Also the accounts the snapshot did not read.
pub fn access_model(
    root: Option<PathBuf>,
    org_file: Option<&Path>,
    snapshot: Option<&Path>,
    corpus_path: Option<PathBuf>,
) -> Result<(AccessModel, Vec<String>), AppError> {
    if let Some(dir) = snapshot {
        let snapshot = warden_snapshot::Snapshot::open(dir).map_err(source)?;
        let organization = snapshot.organization().map_err(source)?;
        let (mut accounts, mut unread) = (Vec::new(), Vec::new());
        for entry in snapshot.accounts() {
            if entry.status == warden_snapshot::AccountStatus::Read {
                accounts.push(snapshot.account(&entry.id).map_err(source)?);
            } else {
                unread.push(entry.id.clone());
            }
        }
        let mut corpus = AwsManagedPolicies::new(root.as_deref().unwrap_or(dir), corpus_path);
        let model = warden_access::model::from_live(
            &organization.organization,
            &organization.scps,
            &organization.rcps,
            &accounts,
            &mut |arn| corpus.get(arn).ok().map(|policy| policy.document),
        )?;
        return Ok((model, unread));
    }
    let root = root.ok_or(AppError::NoOrganization)?;
    let definitions = warden_spec::Definitions::load(&root)
        .map_err(|errors| AppError::Definitions(errors.rooted_at(&root)))?;
    let org_file = match org_file {
        Some(file) => file.to_path_buf(),
        None => Some(crate::plan::saved_inventory_path(&root))
            .filter(|saved| saved.exists())
            .ok_or(AppError::NoOrganization)?,
    };
    let org = crate::lint_files::load_org(&org_file)?;
    let mut corpus = AwsManagedPolicies::new(&root, corpus_path);
    let model = warden_access::model::from_definitions(&definitions, &org, &mut |arn| {
        corpus.get(arn).ok().map(|policy| policy.document)
    })?;
    Ok((model, Vec::new()))
}

/// `who-can`: `resource_policy` is a policy file (bucket policy, key policy…); without it a
/// role's trust policy decides.
pub fn who_can(
    model: &AccessModel,
    actions: &[String],
    resource: &str,
    resource_account: Option<&str>,
    resource_policy: Option<&Path>,
) -> Result<warden_access::WhoCan, AppError> {
    let policy = resource_policy.map(read_policy_file).transpose()?;
    let answer =
        warden_access::who_can(model, actions, resource, resource_account, policy.as_ref())?;
    Ok(answer)
}

/// `principal-can`, narrowed to `resource` (with its account and policy file) when given.
pub fn principal_can(
    model: &AccessModel,
    principal: &str,
    resource: Option<&str>,
    resource_account: Option<&str>,
    resource_policy: Option<&Path>,
) -> Result<warden_access::EffectivePermissions, AppError> {
    let policy = resource_policy.map(read_policy_file).transpose()?;
    let on = resource.map(|arn| warden_access::OnResource {
        arn,
        account: resource_account,
        policy: policy.as_ref(),
    });
    let catalog = warden_catalog::Catalog::embedded();
    Ok(warden_access::principal_can_on(
        model, catalog, principal, on,
    )?)
}

fn source(err: warden_snapshot::SnapshotError) -> AppError {
    AppError::Source(Box::new(err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_eval::{Decision, DecisionKind::*, Layer};

    /// A small repository: one role with a boundary, an OU-level SCP, and its organization.
    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/simulate-role")
    }

    fn decide(account: &str, action: &str, resource: &str) -> Result<Decision, AppError> {
        let root = fixture();
        let request = RoleRequest {
            root: &root,
            org_file: &root.join("org.json"),
            role: "app",
            account,
            action,
            resource,
            resource_account: None,
            context: &[],
            resource_policy: None,
        };
        let mut corpus = AwsManagedPolicies::new(&root, None);
        let (set, request) = request.policy_set(&mut corpus)?;
        Ok(CompiledPolicySet::compile(&set).evaluate(&request))
    }

    #[test]
    fn role_form_renders_the_definitions() {
        let decide =
            |action: &str, resource: &str| decide("222233334444", action, resource).unwrap();
        // The role's `Team` tag fills `${aws:PrincipalTag/Team}`; the boundary and SCPs apply.
        let own = decide("s3:GetObject", "arn:aws:s3:::data-222233334444/blue/x");
        let other = decide("s3:GetObject", "arn:aws:s3:::data-222233334444/red/x");
        let outside_boundary = decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:222233334444:q");
        let scp = decide("s3:DeleteObject", "arn:aws:s3:::data-222233334444/blue/x");
        let trust = decide(
            "sts:AssumeRole",
            "arn:aws:iam::222233334444:role/workloads/app",
        );
        assert_eq!(own.decision, Allow, "{own}");
        let scp_reasons = own.reasons.iter().filter(|r| r.layer == Layer::Scp).count();
        assert_eq!(scp_reasons, 3, "{own}");
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
        let resource = "arn:aws:s3:::data-222233334444/blue/x";
        let decision = decide("app-prod", "s3:GetObject", resource).unwrap();
        assert_eq!(decision.decision, Allow, "{decision}");
        let err = decide("app-staging", "s3:GetObject", resource)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("account `app-staging` is not in `"),
            "{err}"
        );
    }

    #[test]
    fn a_misspelt_or_wildcard_action_is_warned_about() {
        let compiled = CompiledPolicySet::compile(&PolicySet::default());
        let typo = warnings("req.json", "s3:GetObjekt", &compiled);
        assert_eq!(typo.len(), 1, "{typo:?}");
        assert!(typo[0].starts_with("req.json: "), "{typo:?}");
        assert!(typo[0].contains("did you mean `s3:GetObject`?"), "{typo:?}");
        assert!(typo[0].ends_with("(evaluated as written)"), "{typo:?}");
        let wildcard = warnings("req.json", "s3:Get*", &compiled);
        assert!(wildcard[0].contains("has a wildcard"), "{wildcard:?}");
        assert!(warnings("req.json", "s3:GetObject", &compiled).is_empty());
    }

    #[test]
    fn an_unknown_role_lists_the_roles_deployed_there() {
        let root = fixture();
        let request = RoleRequest {
            root: &root,
            org_file: &root.join("org.json"),
            role: "nope",
            account: "222233334444",
            action: "s3:GetObject",
            resource: "*",
            resource_account: None,
            context: &[],
            resource_policy: None,
        };
        let mut corpus = AwsManagedPolicies::new(&root, None);
        let err = request.policy_set(&mut corpus).unwrap_err().to_string();
        assert!(
            err.contains("role `nope` is not deployed to account `222233334444` (roles there: app"),
            "{err}"
        );
    }
}
