//! The request being decided: who, what, on which resource, in which context.

use serde::Serialize;

use warden_policy::Partition;
use warden_policy::arn::{Arn, ArnRef};

use crate::err::RequestError;
use crate::special::{self, Special};

/// Request context: condition keys (case-insensitive) to one or several values.
///
/// An empty list is the same as an absent key. All text lives in one buffer with entries sorted
/// by key: a lookup is a binary search, and a request stays a handful of allocations, so
/// millions of prepared requests stay cache-friendly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Keys (lowercased) and values, concatenated.
    text: String,
    /// Sorted by key.
    entries: Vec<ContextEntry>,
    /// Value spans, grouped per entry.
    values: Vec<Span>,
}

/// `start..end` in [`Context::text`].
type Span = (u32, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContextEntry {
    /// [`key_hash`] of the key: lookups compare hashes, not strings sharing an `aws:` prefix.
    hash: u64,
    key: Span,
    /// `start..end` in [`Context::values`].
    values: Span,
}

/// The values of one context key.
#[derive(Debug, Clone, Copy)]
pub struct ContextValues<'a> {
    text: &'a str,
    spans: &'a [Span],
}

impl<'a> ContextValues<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&'a str> {
        let (start, end) = *self.spans.get(index)?;
        self.text.get(start as usize..end as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.text;
        self.spans
            .iter()
            .map(move |&(start, end)| text.get(start as usize..end as usize).unwrap_or(""))
    }
}

/// FNV-1a of a lowercased key; compiled conditions compute it once, the global keys
/// [`Request::finish`] sets at compile time.
pub(crate) const fn key_hash(lowercase_key: &str) -> u64 {
    let bytes = lowercase_key.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut at = 0;
    while at < bytes.len() {
        hash = (hash ^ bytes[at] as u64).wrapping_mul(0x0100_0000_01b3);
        at += 1;
    }
    hash
}

/// A global condition key [`Request::finish`] sets when the caller did not: lowercase, with its
/// hash, both known at compile time (no lowercasing or hashing per request).
#[derive(Clone, Copy)]
struct DefaultKey {
    lower: &'static str,
    hash: u64,
}

impl DefaultKey {
    const fn new(lower: &'static str) -> DefaultKey {
        DefaultKey {
            lower,
            hash: key_hash(lower),
        }
    }
}

const PRINCIPAL_ARN: DefaultKey = DefaultKey::new("aws:principalarn");
const PRINCIPAL_ACCOUNT: DefaultKey = DefaultKey::new("aws:principalaccount");
const PRINCIPAL_TYPE: DefaultKey = DefaultKey::new("aws:principaltype");
const USERNAME: DefaultKey = DefaultKey::new("aws:username");
const PRINCIPAL_IS_AWS_SERVICE: DefaultKey = DefaultKey::new("aws:principalisawsservice");
const PRINCIPAL_SERVICE_NAME: DefaultKey = DefaultKey::new("aws:principalservicename");
const RESOURCE_ACCOUNT: DefaultKey = DefaultKey::new("aws:resourceaccount");
const REQUESTED_REGION: DefaultKey = DefaultKey::new("aws:requestedregion");

fn offset(length: usize) -> u32 {
    u32::try_from(length).unwrap_or(u32::MAX)
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// An empty context with room for `keys` keys, so that filling it does not reallocate
    /// (`Request::finish` adds up to eight; give it to [`Request::with_context`]).
    pub fn with_capacity(keys: usize) -> Context {
        Context {
            text: String::with_capacity(keys * 48),
            entries: Vec::with_capacity(keys),
            values: Vec::with_capacity(keys),
        }
    }

    /// Builds a context from `(key, values)` pairs.
    pub fn from_pairs<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, Vec<String>)>) -> Context {
        let mut context = Context::new();
        for (key, values) in pairs {
            context.insert(key.as_ref(), values);
        }
        context
    }

    fn text_of(&self, (start, end): Span) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// Entries are sorted by hash; equal hashes are neighbours.
    fn position(&self, hash: u64, lowercase_key: &str) -> Result<usize, usize> {
        let start = self.entries.partition_point(|entry| entry.hash < hash);
        self.entries[start..]
            .iter()
            .take_while(|entry| entry.hash == hash)
            .position(|entry| self.text_of(entry.key) == lowercase_key)
            .map(|offset| start + offset)
            .ok_or(start)
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = offset(self.text.len());
        self.text.push_str(text);
        (start, offset(self.text.len()))
    }

    /// Sets a key (replacing earlier values; replaced text is not reclaimed).
    pub fn insert<S: AsRef<str>>(&mut self, key: &str, values: Vec<S>) {
        let key = key.to_lowercase();
        let hash = key_hash(&key);
        let found = self.position(hash, &key);
        if values.is_empty() {
            if let Ok(at) = found {
                self.entries.remove(at);
            }
            return;
        }
        let first = offset(self.values.len());
        for value in &values {
            let span = self.push_text(value.as_ref());
            self.values.push(span);
        }
        let value_span = (first, offset(self.values.len()));
        match found {
            Ok(at) => self.entries[at].values = value_span,
            Err(at) => {
                let key = self.push_text(&key);
                self.entries.insert(
                    at,
                    ContextEntry {
                        hash,
                        key,
                        values: value_span,
                    },
                );
            }
        }
    }

    /// Sets a key only when it is not present (no allocation: `finish` sets several on every
    /// request).
    fn insert_default(&mut self, key: DefaultKey, value: &str) {
        let hash = key.hash;
        let Err(at) = self.position(hash, key.lower) else {
            return;
        };
        let key_span = self.push_text(key.lower);
        let first = offset(self.values.len());
        let span = self.push_text(value);
        self.values.push(span);
        self.entries.insert(
            at,
            ContextEntry {
                hash,
                key: key_span,
                values: (first, offset(self.values.len())),
            },
        );
    }

    /// Empties the context, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
        self.values.clear();
    }

    /// Where the values of the next key start: push them with [`Context::push_value`], then
    /// name their key with [`Context::close_key`]. The text is laid out as
    /// [`Context::insert`] lays it out (values, then the key), so a context built either way
    /// compares equal.
    pub(crate) fn open_key(&self) -> u32 {
        offset(self.values.len())
    }

    /// Appends one value of the key being built, written by `write` into the text buffer.
    pub(crate) fn push_value(&mut self, write: impl FnOnce(&mut String)) {
        let start = offset(self.text.len());
        write(&mut self.text);
        self.values.push((start, offset(self.text.len())));
    }

    /// Names the values pushed since `first` (from [`Context::open_key`]). Refused (`false`,
    /// the values dropped from the index) for a key that is not ASCII, already present, or has
    /// no value: the caller then builds the context through [`Context::insert`].
    pub(crate) fn close_key(&mut self, first: u32, key: &str) -> bool {
        let values = (first, offset(self.values.len()));
        if values.0 == values.1 || !key.is_ascii() {
            return false;
        }
        let start = self.text.len();
        self.text.push_str(key);
        self.text[start..].make_ascii_lowercase();
        let key_span = (offset(start), offset(self.text.len()));
        let lowered = self.text_of(key_span);
        let hash = key_hash(lowered);
        let Err(at) = self.position(hash, lowered) else {
            return false;
        };
        self.entries.insert(
            at,
            ContextEntry {
                hash,
                key: key_span,
                values,
            },
        );
        true
    }

    /// The values of a key; `key` must already be lowercase.
    pub(crate) fn get(&self, lowercase_key: &str) -> Option<ContextValues<'_>> {
        self.get_hashed(key_hash(lowercase_key), lowercase_key)
    }

    /// [`Context::get`] with the key's [`key_hash`] computed beforehand.
    pub(crate) fn get_hashed(&self, hash: u64, lowercase_key: &str) -> Option<ContextValues<'_>> {
        let entry = self.entries.get(self.position(hash, lowercase_key).ok()?)?;
        let spans = self
            .values
            .get(entry.values.0 as usize..entry.values.1 as usize)?;
        Some(ContextValues {
            text: &self.text,
            spans,
        })
    }

    /// The value of a single-valued key (`None` when absent or multi-valued).
    #[cfg(test)]
    pub(crate) fn single(&self, lowercase_key: &str) -> Option<&str> {
        self.single_hashed(key_hash(lowercase_key), lowercase_key)
    }

    /// [`Context::single`] with the key's [`key_hash`] computed beforehand.
    pub(crate) fn single_hashed(&self, hash: u64, lowercase_key: &str) -> Option<&str> {
        let values = self.get_hashed(hash, lowercase_key)?;
        if values.len() == 1 {
            values.get(0)
        } else {
            None
        }
    }

    /// Looks a key up by any case.
    pub fn values(&self, key: &str) -> Option<ContextValues<'_>> {
        self.get(&key.to_lowercase())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What kind of principal makes the request, derived from its ARN or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// `arn:aws:iam::ID:root` or a bare account id.
    Account,
    /// `arn:aws:iam::ID:user/path/name`.
    User,
    /// `arn:aws:iam::ID:role/path/name`: treated as "a session of this role".
    Role,
    /// `arn:aws:sts::ID:assumed-role/name/session`.
    AssumedRole,
    /// `arn:aws:sts::ID:federated-user/name` (GetFederationToken).
    FederatedUser,
    /// `arn:aws:iam::ID:saml-provider/…` or `oidc-provider/…`, or a web identity provider name
    /// such as `accounts.google.com`: the caller of AssumeRoleWithSAML/WebIdentity.
    Federated,
    /// `lambda.amazonaws.com` and friends.
    Service,
    /// An unauthenticated caller (request file: `"*"` or `"anonymous"`): no identity policies,
    /// no SCPs; only a resource policy naming everyone (`"*"` or `{"AWS": "*"}`) grants.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous>
    Anonymous,
    /// Any other ARN (e.g. a resource acting as principal).
    Other,
}

/// The identities a principal can be named by in a resource policy, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalIdentity {
    pub(crate) kind: PrincipalKind,
    /// The principal as given.
    pub(crate) arn: String,
    /// For a role session the role ARN (from `aws:PrincipalArn`, else built without a path);
    /// for a federated user the IAM user ARN.
    pub(crate) underlying: Option<String>,
    /// For a role session, `role/<name>` without path, to match a role ARN with any path.
    pub(crate) role_name: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) partition: String,
    /// Service-linked roles are exempt from SCPs and RCPs.
    pub(crate) service_linked: bool,
}

/// One authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub(crate) principal: PrincipalIdentity,
    /// As given (for messages).
    pub(crate) action: String,
    /// Lowercased once; actions match case-insensitively.
    pub(crate) action_lower: String,
    /// Length of the lowercased service prefix in `action_lower`.
    pub(crate) service_len: usize,
    pub(crate) resource: String,
    pub(crate) resource_account: Option<String>,
    pub(crate) context: Context,
    pub(crate) principal_in_management_account: bool,
    pub(crate) resource_in_management_account: bool,
    /// What AWS decides regardless of policies (see `special`), found once per request.
    pub(crate) special: Option<Special>,
}

impl Request {
    /// A request from `principal` (ARN, account id or service principal name) to perform
    /// `action` (`service:Name`) on `resource` (an ARN or `*`).
    pub fn new(principal: &str, action: &str, resource: &str) -> Result<Request, RequestError> {
        let mut request = Request::empty();
        request.reset(principal, action, resource)?;
        Ok(request)
    }

    /// A request with nothing in it, to [`Request::reset`] (batches reuse one per thread).
    pub(crate) fn empty() -> Request {
        Request {
            principal: PrincipalIdentity {
                kind: PrincipalKind::Anonymous,
                arn: String::new(),
                underlying: None,
                role_name: None,
                account: None,
                partition: String::new(),
                service_linked: false,
            },
            action: String::new(),
            action_lower: String::new(),
            service_len: 0,
            resource: String::new(),
            resource_account: None,
            context: Context::new(),
            principal_in_management_account: false,
            resource_in_management_account: false,
            special: None,
        }
    }

    /// Makes this request what [`Request::new`] would return, reusing its buffers: a batch
    /// decides millions of lines without allocating for each. On error the request is left
    /// half-set; reset it again before use.
    pub(crate) fn reset(
        &mut self,
        principal: &str,
        action: &str,
        resource: &str,
    ) -> Result<(), RequestError> {
        classify_principal_into(&mut self.principal, principal, resource)?;
        let (service, name) = action
            .split_once(':')
            .ok_or_else(|| RequestError::InvalidAction(action.to_string()))?;
        if service.is_empty() || name.is_empty() || action.contains(['*', '?']) {
            return Err(RequestError::InvalidAction(action.to_string()));
        }
        if resource.is_empty() {
            return Err(RequestError::EmptyResource);
        }
        let resource_account = ArnRef::parse(resource)
            .map(|arn| arn.account)
            .filter(|account| !account.is_empty());
        set_option(&mut self.resource_account, resource_account);
        set(&mut self.action, action);
        self.action_lower.clear();
        if action.is_ascii() {
            self.action_lower.push_str(action);
            self.action_lower.make_ascii_lowercase();
        } else {
            self.action_lower.push_str(&action.to_lowercase());
        }
        self.service_len = self
            .action_lower
            .find(':')
            .unwrap_or(self.action_lower.len());
        self.special =
            special::classify(&self.action_lower, resource, self.principal.service_linked);
        set(&mut self.resource, resource);
        self.context.clear();
        self.principal_in_management_account = false;
        self.resource_in_management_account = false;
        Ok(())
    }

    /// The same request on another resource (a concrete instance of a resource pattern): the
    /// resource account and `aws:ResourceAccount` follow the new ARN unless set explicitly.
    pub fn with_resource(&self, resource: &str) -> Result<Request, RequestError> {
        if resource.is_empty() {
            return Err(RequestError::EmptyResource);
        }
        let mut request = self.clone();
        let derived = |text: &str| {
            ArnRef::parse(text)
                .map(|arn| arn.account)
                .filter(|account| !account.is_empty())
                .map(str::to_string)
        };
        if request.resource_account.as_deref().map(str::to_string) == derived(&self.resource) {
            request.resource_account = derived(resource);
            if let Some(account) = &request.resource_account {
                let account = account.to_string();
                request.context.insert("aws:ResourceAccount", vec![account]);
            }
        }
        request.resource = resource.to_string();
        request.special = special::classify(
            &request.action_lower,
            resource,
            request.principal.service_linked,
        );
        Ok(request)
    }

    /// The resource is AWS-owned (its ARN's account is `aws`, as for AWS managed policies).
    pub fn resource_is_aws_owned(&self) -> bool {
        self.resource_account.as_deref() == Some("aws")
    }

    /// Sets the account owning the resource (S3 ARNs, for one, carry none).
    pub fn with_resource_account(mut self, account: &str) -> Request {
        self.set_resource_account(account);
        self
    }

    /// [`Request::with_resource_account`] in place.
    pub(crate) fn set_resource_account(&mut self, account: &str) {
        set_option(&mut self.resource_account, Some(account));
    }

    /// Overrides the principal's account (normally derived from its ARN).
    pub fn with_principal_account(mut self, account: &str) -> Request {
        self.set_principal_account(account);
        self
    }

    /// [`Request::with_principal_account`] in place.
    pub(crate) fn set_principal_account(&mut self, account: &str) {
        set_option(&mut self.principal.account, Some(account));
    }

    /// Replaces the context. Call before [`Request::finish`] so derived keys are added.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    /// The principal's account is the organization's management account: SCPs do not apply.
    pub fn in_management_account(mut self, principal: bool, resource: bool) -> Request {
        self.principal_in_management_account = principal;
        self.resource_in_management_account = resource;
        self
    }

    /// Adds the global condition keys AWS derives from the request when the caller did not set
    /// them: `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`,
    /// `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`, `aws:ResourceAccount`, and
    /// `aws:RequestedRegion` from the resource ARN's region. Also
    /// takes the role ARN (with path) of a session from `aws:PrincipalArn` when given.
    pub fn finish(mut self) -> Request {
        self.finish_in_place();
        self
    }

    /// [`Request::finish`] on a request held in place (a batch's reused request).
    pub(crate) fn finish_in_place(&mut self) {
        let principal = &mut self.principal;
        if let (PrincipalKind::AssumedRole, Some(arn)) = (
            &principal.kind,
            self.context
                .single_hashed(PRINCIPAL_ARN.hash, PRINCIPAL_ARN.lower),
        ) {
            set_option(&mut principal.underlying, Some(arn));
            if arn.contains("/aws-service-role/") {
                principal.service_linked = true;
            }
        }
        let principal_arn = match principal.kind {
            PrincipalKind::AssumedRole => principal.underlying.as_deref(),
            PrincipalKind::Service | PrincipalKind::Federated | PrincipalKind::Anonymous => None,
            _ => Some(&*principal.arn),
        };
        // Fields borrowed apart: no copies of the principal's strings.
        if let Some(arn) = principal_arn {
            self.context.insert_default(PRINCIPAL_ARN, arn);
        }
        if let Some(account) = principal.account.as_deref() {
            self.context.insert_default(PRINCIPAL_ACCOUNT, account);
        }
        let principal_type = match principal.kind {
            PrincipalKind::Anonymous => Some("Anonymous"),
            PrincipalKind::Account => Some("Account"),
            PrincipalKind::User => Some("User"),
            PrincipalKind::Role | PrincipalKind::AssumedRole => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            _ => None,
        };
        if let Some(principal_type) = principal_type {
            self.context.insert_default(PRINCIPAL_TYPE, principal_type);
        }
        if principal.kind == PrincipalKind::User
            && let Some(name) = principal.arn.rsplit('/').next()
        {
            self.context.insert_default(USERNAME, name);
        }
        let is_service = principal.kind == PrincipalKind::Service;
        self.context.insert_default(
            PRINCIPAL_IS_AWS_SERVICE,
            if is_service { "true" } else { "false" },
        );
        if is_service {
            self.context
                .insert_default(PRINCIPAL_SERVICE_NAME, &principal.arn);
        }
        if let Some(account) = self.resource_account.as_deref() {
            self.context.insert_default(RESOURCE_ACCOUNT, account);
        }
        // Requests go to the resource's regional endpoint.
        let region = ArnRef::parse(&self.resource)
            .map(|arn| arn.region)
            .filter(|region| !region.is_empty() && *region != "*");
        if let Some(region) = region {
            self.context.insert_default(REQUESTED_REGION, region);
        }
        self.special = special::classify(
            &self.action_lower,
            &self.resource,
            self.principal.service_linked,
        );
    }

    pub fn principal_kind(&self) -> &PrincipalKind {
        &self.principal.kind
    }

    pub fn principal_account(&self) -> Option<&str> {
        self.principal.account.as_deref()
    }

    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }

    pub fn action(&self) -> &str {
        &self.action
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The lowercased service prefix of the action (`s3`).
    pub(crate) fn service(&self) -> &str {
        &self.action_lower[..self.service_len]
    }

    /// Principal and resource belong to the same account (unknown resource account: same).
    /// AWS-owned resources (account `aws`, such as AWS managed policies) count as the
    /// caller's own: identity policies alone decide, no resource policy is needed
    /// (`iam:GetPolicy` on `arn:aws:iam::aws:policy/…` is granted by an identity policy).
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies>
    pub(crate) fn same_account(&self) -> bool {
        if self.resource_is_aws_owned() {
            return true;
        }
        match (&self.principal.account, &self.resource_account) {
            (Some(principal), Some(resource)) => principal == resource,
            (None, Some(_)) => false,
            _ => true,
        }
    }
}

/// `text` into `target`, reusing its buffer.
fn set(target: &mut String, text: &str) {
    target.clear();
    target.push_str(text);
}

/// `text` into `target`, reusing the buffer it held, if any.
fn set_option(target: &mut Option<String>, text: Option<&str>) {
    match (target.as_mut(), text) {
        (Some(buffer), Some(text)) => set(buffer, text),
        (None, Some(text)) => *target = Some(text.to_string()),
        (_, None) => *target = None,
    }
}

/// Classifies `principal` into `identity`, reusing its buffers. A bare account id has no
/// partition of its own: it is the account root in the partition of the resource's ARN
/// (commercial when the resource names none).
fn classify_principal_into(
    identity: &mut PrincipalIdentity,
    principal: &str,
    resource: &str,
) -> Result<(), RequestError> {
    let mut base = |kind, arn: &str, account: Option<&str>, partition: &str| {
        identity.kind = kind;
        set(&mut identity.arn, arn);
        identity.underlying = None;
        identity.role_name = None;
        set_option(&mut identity.account, account);
        set(&mut identity.partition, partition);
        identity.service_linked = false;
    };
    if principal.is_empty() {
        return Err(RequestError::InvalidPrincipal(principal.to_string()));
    }
    if principal == "*" || principal.eq_ignore_ascii_case("anonymous") {
        base(PrincipalKind::Anonymous, "*", None, "aws");
        return Ok(());
    }
    if warden_policy::is_account_id(principal) {
        let partition = ArnRef::parse(resource)
            .and_then(|arn| Partition::parse(arn.partition).ok())
            .unwrap_or(Partition::Aws);
        let arn = Arn::account_root(partition, principal).to_string();
        base(
            PrincipalKind::Account,
            &arn,
            Some(principal),
            partition.as_str(),
        );
        return Ok(());
    }
    let Some(arn) = ArnRef::parse(principal) else {
        if principal.contains(':') || principal.contains('/') {
            return Err(RequestError::InvalidPrincipal(principal.to_string()));
        }
        let kind = if principal.ends_with(".amazonaws.com") || principal.ends_with(".amazon.com") {
            PrincipalKind::Service
        } else {
            PrincipalKind::Federated
        };
        base(kind, principal, None, "aws");
        return Ok(());
    };
    let account = (!arn.account.is_empty()).then_some(arn.account);
    base(PrincipalKind::Other, principal, account, arn.partition);
    match (arn.service, arn.resource) {
        ("iam", "root") => identity.kind = PrincipalKind::Account,
        ("iam", resource) if resource.starts_with("user/") => identity.kind = PrincipalKind::User,
        ("iam", resource) if resource.starts_with("role/") => {
            identity.kind = PrincipalKind::Role;
            identity.service_linked = resource.starts_with("role/aws-service-role/");
        }
        ("iam", resource)
            if resource.starts_with("saml-provider/") || resource.starts_with("oidc-provider/") =>
        {
            identity.kind = PrincipalKind::Federated;
        }
        ("sts", resource) if resource.starts_with("assumed-role/") => {
            let mut parts = resource.splitn(3, '/');
            let (_, Some(name), Some(_session)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(RequestError::InvalidPrincipal(principal.to_string()));
            };
            identity.kind = PrincipalKind::AssumedRole;
            identity.role_name = Some(format!("role/{name}"));
            identity.underlying = Some(iam_arn(&arn, &format!("role/{name}")));
            identity.service_linked = name.starts_with("AWSServiceRoleFor");
        }
        ("sts", resource) if resource.starts_with("federated-user/") => {
            identity.kind = PrincipalKind::FederatedUser;
            let name = &resource["federated-user/".len()..];
            identity.underlying = Some(iam_arn(&arn, &format!("user/{name}")));
        }
        _ => {}
    }
    Ok(())
}

/// An IAM ARN for `resource` in the partition and account of `principal` (kept as written,
/// even when the partition is one Warden does not know).
fn iam_arn(principal: &ArnRef<'_>, resource: &str) -> String {
    Arn {
        partition: principal.partition.to_owned(),
        service: "iam".to_owned(),
        region: String::new(),
        account: principal.account.to_owned(),
        resource: resource.to_owned(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_principals() {
        let session = Request::new(
            "arn:aws:sts::111122223333:assumed-role/Dev/alice",
            "s3:GetObject",
            "*",
        )
        .unwrap()
        .finish();
        assert_eq!(session.principal.kind, PrincipalKind::AssumedRole);
        assert_eq!(session.principal_account(), Some("111122223333"));
        assert_eq!(
            session.context.single("aws:principalarn"),
            Some("arn:aws:iam::111122223333:role/Dev")
        );
        let account = Request::new("111122223333", "s3:GetObject", "*").unwrap();
        assert_eq!(account.principal.kind, PrincipalKind::Account);
        assert_eq!(&*account.principal.arn, "arn:aws:iam::111122223333:root");
        let service = Request::new("lambda.amazonaws.com", "sts:AssumeRole", "*").unwrap();
        assert_eq!(service.principal.kind, PrincipalKind::Service);
        let linked = Request::new(
            "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
            "s3:GetObject",
            "*",
        )
        .unwrap();
        assert!(linked.principal.service_linked);
    }

    #[test]
    fn principals_keep_their_partition() {
        let account = Request::new(
            "111122223333",
            "s3:GetObject",
            "arn:aws-us-gov:s3:::bucket/key",
        )
        .unwrap();
        assert_eq!(
            &*account.principal.arn,
            "arn:aws-us-gov:iam::111122223333:root"
        );
        assert_eq!(&*account.principal.partition, "aws-us-gov");
        let session = Request::new(
            "arn:aws-cn:sts::111122223333:assumed-role/Dev/alice",
            "s3:GetObject",
            "*",
        )
        .unwrap()
        .finish();
        assert_eq!(
            session.context.single("aws:principalarn"),
            Some("arn:aws-cn:iam::111122223333:role/Dev")
        );
        let federated = Request::new(
            "arn:aws-us-gov:sts::111122223333:federated-user/bob",
            "s3:GetObject",
            "*",
        )
        .unwrap();
        assert_eq!(
            federated.principal.underlying.as_deref(),
            Some("arn:aws-us-gov:iam::111122223333:user/bob")
        );
    }

    #[test]
    fn explicit_principal_arn_gives_the_role_path() {
        let context = Context::from_pairs([(
            "AWS:PrincipalArn",
            vec!["arn:aws:iam::111122223333:role/team/Dev".to_string()],
        )]);
        let request = Request::new(
            "arn:aws:sts::111122223333:assumed-role/Dev/alice",
            "s3:GetObject",
            "*",
        )
        .unwrap()
        .with_context(context)
        .finish();
        assert_eq!(
            request.principal.underlying.as_deref(),
            Some("arn:aws:iam::111122223333:role/team/Dev")
        );
    }

    #[test]
    fn requested_region_defaults_to_the_resource_region() {
        let resource = "arn:aws:dynamodb:eu-west-1:111122223333:table/t";
        let derived = Request::new(
            "arn:aws:iam::111122223333:user/a",
            "dynamodb:GetItem",
            resource,
        )
        .unwrap()
        .finish();
        assert_eq!(
            derived.context.single("aws:requestedregion"),
            Some("eu-west-1")
        );
        assert_eq!(
            derived.context.single("aws:resourceaccount"),
            Some("111122223333")
        );
        let explicit = Request::new(
            "arn:aws:iam::111122223333:user/a",
            "dynamodb:GetItem",
            resource,
        )
        .unwrap()
        .with_context(Context::from_pairs([(
            "aws:RequestedRegion",
            vec!["us-east-1".into()],
        )]))
        .finish();
        assert_eq!(
            explicit.context.single("aws:requestedregion"),
            Some("us-east-1")
        );
        let global = Request::new(
            "arn:aws:iam::111122223333:user/a",
            "iam:GetRole",
            "arn:aws:iam::111122223333:role/r",
        )
        .unwrap()
        .finish();
        assert_eq!(global.context.single("aws:requestedregion"), None);
    }

    #[test]
    fn context_keys_are_case_insensitive_and_replaceable() {
        let mut context = Context::new();
        for index in 0..50 {
            context.insert(&format!("Svc:Key{index}"), vec![format!("v{index}")]);
        }
        context.insert("SVC:KEY7", vec!["a".to_string(), "b".to_string()]);
        context.insert("svc:key8", Vec::<String>::new());
        assert_eq!(context.len(), 49);
        assert_eq!(context.single("svc:key3"), Some("v3"));
        assert_eq!(context.single("svc:key7"), None, "multi-valued");
        let seven: Vec<&str> = context.values("Svc:Key7").unwrap().iter().collect();
        assert_eq!(seven, ["a", "b"]);
        assert!(context.values("svc:key8").is_none());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Request::new("", "s3:GetObject", "*").is_err());
        assert!(Request::new("arn:aws:iam::1:user/x", "GetObject", "*").is_err());
        assert!(Request::new("arn:aws:iam::1:user/x", "s3:Get*", "*").is_err());
        assert!(Request::new("arn:aws:iam::1:user/x", "s3:GetObject", "").is_err());
    }
}
