//! CloudTrail records: which role made them, which IAM actions they needed and on what resources.
//!
//! Pure: callers hand over the text of log files (see [`crate::io`] for reading a directory).
//! The event → action mapping is the event's name under the service's action prefix, except for
//! the cases in [`EVENT_EXCEPTIONS`], [`SOURCE_PREFIX_EXCEPTIONS`] and Lambda's versioned event
//! names (`UpdateFunctionCode20150331v2`); the result is validated against the catalog by
//! [`crate::activity`].

use serde::Deserialize;
use serde_json::Value;
use warden_policy::{Arn, Partition};

use crate::err::CloudTrailError;

/// One CloudTrail record, with the fields policy generation reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrailEvent {
    #[serde(default)]
    pub event_time: String,
    pub event_source: String,
    pub event_name: String,
    #[serde(default)]
    pub aws_region: String,
    #[serde(default)]
    pub recipient_account_id: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub user_identity: UserIdentity,
    #[serde(default)]
    pub request_parameters: Option<Value>,
    /// What the call returned (the id AWS gave a created SCP, for example).
    #[serde(default)]
    pub response_elements: Option<Value>,
    #[serde(default)]
    pub resources: Vec<TrailResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(default, rename = "type")]
    pub identity_type: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub session_context: Option<SessionContext>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    #[serde(default)]
    pub session_issuer: Option<SessionIssuer>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SessionIssuer {
    #[serde(default, rename = "type")]
    pub issuer_type: String,
    #[serde(default)]
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TrailResource {
    #[serde(rename = "ARN", alias = "arn")]
    pub arn: Option<String>,
    #[serde(default, rename = "type")]
    pub resource_type: Option<String>,
}

#[derive(Deserialize)]
struct LogFile {
    #[serde(rename = "Records")]
    records: Vec<TrailEvent>,
}

/// Parses one delivered log file (`{"Records": [...]}`); `path` names it in errors.
pub fn parse_log(text: &str, path: &std::path::Path) -> Result<Vec<TrailEvent>, CloudTrailError> {
    serde_json::from_str::<LogFile>(text)
        .map(|file| file.records)
        .map_err(|err| {
            // serde_json ends its message with the position, which the error already leads
            // with; at the end of input it reports column 0.
            let message = err.to_string();
            let message = message
                .strip_suffix(&format!(" at line {} column {}", err.line(), err.column()))
                .unwrap_or(&message)
                .to_owned();
            CloudTrailError::Json {
                path: path.to_owned(),
                line: err.line(),
                column: err.column().max(1),
                message,
            }
        })
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    pub partition: String,
    pub account: String,
    /// `/` or `/path/`.
    pub path: String,
    pub name: String,
}

impl RoleArn {
    pub fn parse(arn: &str) -> Result<RoleArn, CloudTrailError> {
        let bad = || CloudTrailError::BadRoleArn(arn.to_owned());
        let parsed = Arn::parse(arn).map_err(|_| bad())?;
        if !parsed.resource.starts_with("role/")
            || !parsed.region.is_empty()
            || !warden_policy::is_account_id(&parsed.account)
        {
            return Err(bad());
        }
        let (path, name) = parsed.iam_path_and_name().ok_or_else(bad)?;
        if name.is_empty() {
            return Err(bad());
        }
        Ok(RoleArn {
            name: name.to_owned(),
            path,
            partition: parsed.partition,
            account: parsed.account,
        })
    }

    /// The role's ARN in its own partition (kept as written, known to Warden or not).
    fn to_arn(&self) -> Arn {
        Arn {
            partition: self.partition.clone(),
            ..Arn::role(Partition::Aws, &self.account, &self.path, &self.name)
        }
    }

    pub fn arn(&self) -> String {
        self.to_arn().to_string()
    }

    /// Was the event made with a session of this role? The session issuer's ARN (which carries
    /// the path) decides when present; otherwise the assumed-role ARN
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION`, which has no path.
    pub fn made(&self, event: &TrailEvent) -> bool {
        let identity = &event.user_identity;
        if identity.identity_type != "AssumedRole" {
            return false;
        }
        let issuer = identity
            .session_context
            .as_ref()
            .and_then(|context| context.session_issuer.as_ref());
        if let Some(issuer_arn) = issuer.and_then(|issuer| issuer.arn.as_deref()) {
            return issuer_arn == self.arn();
        }
        identity
            .arn
            .as_deref()
            .and_then(|arn| Arn::parse(arn).ok())
            .is_some_and(|session| {
                session.partition == self.partition
                    && session.service == "sts"
                    && session.account == self.account
                    && session
                        .resource
                        .strip_prefix("assumed-role/")
                        .and_then(|rest| rest.strip_prefix(self.name.as_str()))
                        .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}

/// Event sources whose action prefix is not the host's first label.
pub const SOURCE_PREFIX_EXCEPTIONS: [(&str, &str); 2] = [
    // CloudWatch's API endpoint is `monitoring`; its actions are `cloudwatch:*`.
    ("monitoring.amazonaws.com", "cloudwatch"),
    // SES v1 and v2 log as `ses`; the v2 API host is `email`.
    ("email.amazonaws.com", "ses"),
];

/// An event whose name is not the action it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventException {
    /// Action prefix of the event's service.
    pub service: &'static str,
    pub event: &'static str,
    /// The actions IAM authorizes the call with; empty when identity policies play no part.
    pub actions: &'static [&'static str],
    pub why: &'static str,
}

const fn exception(
    service: &'static str,
    event: &'static str,
    actions: &'static [&'static str],
    why: &'static str,
) -> EventException {
    EventException {
        service,
        event,
        actions,
        why,
    }
}

const BUCKET_LISTING: &str = "S3 authorizes listing objects with the bucket-level action";
const MULTIPART: &str = "S3 authorizes each step of a multipart upload with s3:PutObject";
const BATCH: &str = "batch APIs are authorized with the single-item action";
const BUCKET_CONFIG: &str =
    "S3 authorizes bucket configuration APIs with a configuration action of another name";

/// Events that need an action of another name (or none).
pub const EVENT_EXCEPTIONS: &[EventException] = &[
    exception("s3", "ListObjects", &["s3:ListBucket"], BUCKET_LISTING),
    exception("s3", "ListObjectsV2", &["s3:ListBucket"], BUCKET_LISTING),
    exception(
        "s3",
        "ListObjectVersions",
        &["s3:ListBucketVersions"],
        BUCKET_LISTING,
    ),
    exception(
        "s3",
        "HeadBucket",
        &["s3:ListBucket"],
        "S3 authorizes HeadBucket with s3:ListBucket",
    ),
    exception(
        "s3",
        "HeadObject",
        &["s3:GetObject"],
        "S3 authorizes HeadObject with s3:GetObject",
    ),
    exception(
        "s3",
        "SelectObjectContent",
        &["s3:GetObject"],
        "S3 Select reads the object with s3:GetObject",
    ),
    exception("s3", "CreateMultipartUpload", &["s3:PutObject"], MULTIPART),
    exception("s3", "UploadPart", &["s3:PutObject"], MULTIPART),
    exception(
        "s3",
        "CompleteMultipartUpload",
        &["s3:PutObject"],
        MULTIPART,
    ),
    exception("s3", "UploadPartCopy", &["s3:PutObject"], MULTIPART),
    exception(
        "s3",
        "ListParts",
        &["s3:ListMultipartUploadParts"],
        "S3 authorizes ListParts with s3:ListMultipartUploadParts",
    ),
    exception(
        "s3",
        "ListMultipartUploads",
        &["s3:ListBucketMultipartUploads"],
        BUCKET_LISTING,
    ),
    exception(
        "s3",
        "DeleteObjects",
        &["s3:DeleteObject"],
        "a multi-object delete is authorized per object with s3:DeleteObject",
    ),
    exception(
        "s3",
        "CopyObject",
        &["s3:PutObject"],
        "the copy writes the target with s3:PutObject (the source read is s3:GetObject)",
    ),
    exception(
        "s3",
        "GetBucketEncryption",
        &["s3:GetEncryptionConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketLifecycle",
        &["s3:GetLifecycleConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketLifecycleConfiguration",
        &["s3:GetLifecycleConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketLifecycle",
        &["s3:PutLifecycleConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketLifecycleConfiguration",
        &["s3:PutLifecycleConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketLifecycle",
        &["s3:PutLifecycleConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketReplication",
        &["s3:GetReplicationConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketReplication",
        &["s3:PutReplicationConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketReplication",
        &["s3:PutReplicationConfiguration"],
        BUCKET_CONFIG,
    ),
    exception("s3", "GetBucketCors", &["s3:GetBucketCORS"], BUCKET_CONFIG),
    exception("s3", "PutBucketCors", &["s3:PutBucketCORS"], BUCKET_CONFIG),
    exception(
        "s3",
        "DeleteBucketCors",
        &["s3:PutBucketCORS"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketTagging",
        &["s3:PutBucketTagging"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketPublicAccessBlock",
        &["s3:PutBucketPublicAccessBlock"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketNotificationConfiguration",
        &["s3:GetBucketNotification"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketNotificationConfiguration",
        &["s3:PutBucketNotification"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "DeleteBucketOwnershipControls",
        &["s3:PutBucketOwnershipControls"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "ListBuckets",
        &["s3:ListAllMyBuckets"],
        "S3 authorizes ListBuckets with s3:ListAllMyBuckets",
    ),
    exception(
        "s3",
        "GetObjectLockConfiguration",
        &["s3:GetBucketObjectLockConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutObjectLockConfiguration",
        &["s3:PutBucketObjectLockConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketAccelerateConfiguration",
        &["s3:GetAccelerateConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "PutBucketAccelerateConfiguration",
        &["s3:PutAccelerateConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketAnalyticsConfiguration",
        &["s3:GetAnalyticsConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "ListBucketAnalyticsConfigurations",
        &["s3:GetAnalyticsConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketInventoryConfiguration",
        &["s3:GetInventoryConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "ListBucketInventoryConfigurations",
        &["s3:GetInventoryConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketMetricsConfiguration",
        &["s3:GetMetricsConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "ListBucketMetricsConfigurations",
        &["s3:GetMetricsConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "GetBucketIntelligentTieringConfiguration",
        &["s3:GetIntelligentTieringConfiguration"],
        BUCKET_CONFIG,
    ),
    exception(
        "s3",
        "ListBucketIntelligentTieringConfigurations",
        &["s3:GetIntelligentTieringConfiguration"],
        BUCKET_CONFIG,
    ),
    exception("sqs", "SendMessageBatch", &["sqs:SendMessage"], BATCH),
    exception("sqs", "DeleteMessageBatch", &["sqs:DeleteMessage"], BATCH),
    exception(
        "sqs",
        "ChangeMessageVisibilityBatch",
        &["sqs:ChangeMessageVisibility"],
        BATCH,
    ),
    exception("sns", "PublishBatch", &["sns:Publish"], BATCH),
    exception(
        "dynamodb",
        "TransactGetItems",
        &["dynamodb:GetItem"],
        "a read transaction is authorized per item with dynamodb:GetItem",
    ),
    exception(
        "lambda",
        "Invoke",
        &["lambda:InvokeFunction"],
        "the data event is named Invoke; the action is lambda:InvokeFunction",
    ),
    exception(
        "sts",
        "AssumeRoleWithWebIdentity",
        &[],
        "authorized by the target role's trust policy, not by the caller's identity policies",
    ),
    exception(
        "sts",
        "AssumeRoleWithSAML",
        &[],
        "authorized by the target role's trust policy, not by the caller's identity policies",
    ),
    exception(
        "sts",
        "GetCallerIdentity",
        &[],
        "needs no permission: it succeeds even under an explicit deny",
    ),
    exception(
        "signin",
        "ConsoleLogin",
        &[],
        "console sign-in, not an API permission",
    ),
    exception(
        "kms",
        "GenerateDataKey",
        &["kms:GenerateDataKey"],
        "usually made by S3 or another service on the role's behalf",
    ),
];

/// The IAM action prefix of an event source (`s3.amazonaws.com` → `s3`).
pub fn action_prefix(event_source: &str) -> String {
    if let Some((_, prefix)) = SOURCE_PREFIX_EXCEPTIONS
        .iter()
        .find(|(source, _)| *source == event_source)
    {
        return (*prefix).to_owned();
    }
    event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source)
        .to_owned()
}

/// What an event needs from identity policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActions {
    /// Candidate action names (to validate against the catalog) and, when the name differs from
    /// the event, why.
    Actions {
        actions: Vec<String>,
        note: Option<&'static str>,
    },
    /// Identity policies play no part in authorizing it.
    NotAuthorizedByIdentityPolicy(&'static str),
}

/// The actions an event needs, before catalog validation.
pub fn event_actions(event: &TrailEvent) -> EventActions {
    let prefix = action_prefix(&event.event_source);
    let found = EVENT_EXCEPTIONS
        .iter()
        .find(|rule| rule.service == prefix && rule.event.eq_ignore_ascii_case(&event.event_name));
    if let Some(rule) = found {
        if rule.actions.is_empty() {
            return EventActions::NotAuthorizedByIdentityPolicy(rule.why);
        }
        return EventActions::Actions {
            actions: rule
                .actions
                .iter()
                .map(|action| (*action).to_owned())
                .collect(),
            note: Some(rule.why),
        };
    }
    if prefix == "s3"
        && let Some(versioned) = versioned_s3_action(event)
    {
        return EventActions::Actions {
            actions: vec![versioned],
            note: Some(
                "S3 authorizes calls on a specific object version with the `…Version…` action",
            ),
        };
    }
    if prefix == "lambda"
        && let Some(base) = strip_api_version(&event.event_name)
    {
        return EventActions::Actions {
            actions: vec![format!("lambda:{base}")],
            note: Some("Lambda event names carry the API version (`20150331v2`)"),
        };
    }
    EventActions::Actions {
        actions: vec![format!("{prefix}:{}", event.event_name)],
        note: None,
    }
}

/// S3 object calls with a `versionId` need the version action (`GetObject` → `s3:GetObjectVersion`).
fn versioned_s3_action(event: &TrailEvent) -> Option<String> {
    let params = event.request_parameters.as_ref()?;
    params.get("versionId").and_then(Value::as_str)?;
    let versioned = match event.event_name.as_str() {
        "GetObject" | "HeadObject" => "s3:GetObjectVersion",
        "DeleteObject" => "s3:DeleteObjectVersion",
        "GetObjectAcl" => "s3:GetObjectVersionAcl",
        "PutObjectAcl" => "s3:PutObjectVersionAcl",
        "GetObjectTagging" => "s3:GetObjectVersionTagging",
        "PutObjectTagging" => "s3:PutObjectVersionTagging",
        "DeleteObjectTagging" => "s3:DeleteObjectVersionTagging",
        _ => return None,
    };
    Some(versioned.to_owned())
}

/// `UpdateFunctionCode20150331v2` → `UpdateFunctionCode`; `None` when there is no version suffix.
fn strip_api_version(name: &str) -> Option<&str> {
    let without_v = match name.rfind('v') {
        Some(index)
            if index > 0
                && name[index + 1..].bytes().all(|b| b.is_ascii_digit())
                && index + 1 < name.len() =>
        {
            &name[..index]
        }
        _ => name,
    };
    let digits = without_v
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    (digits == 8 && without_v.len() > 8).then(|| &without_v[..without_v.len() - 8])
}

/// An ARN in the event's partition, kept as the caller spelled it (known to Warden or not).
fn arn(partition: &str, service: &str, region: &str, account: &str, resource: String) -> String {
    Arn {
        partition: partition.to_owned(),
        service: service.to_owned(),
        region: region.to_owned(),
        account: account.to_owned(),
        resource,
    }
    .to_string()
}

/// ARNs an event names: its `resources[]` and ARNs built from well-known request parameters.
pub fn event_resources(event: &TrailEvent, partition: &str) -> Vec<String> {
    let mut arns: Vec<String> = event
        .resources
        .iter()
        .filter_map(|resource| resource.arn.clone())
        .collect();
    let account = event.recipient_account_id.as_deref().unwrap_or("*");
    let region = if event.aws_region.is_empty() {
        "*"
    } else {
        event.aws_region.as_str()
    };
    if let Some(Value::Object(params)) = &event.request_parameters {
        let text = |key: &str| params.get(key).and_then(Value::as_str);
        let prefix = action_prefix(&event.event_source);
        for (key, value) in params {
            if let Value::String(value) = value
                && value.starts_with("arn:")
                && key.to_ascii_lowercase().ends_with("arn")
            {
                arns.push(value.clone());
            }
        }
        match prefix.as_str() {
            "s3" => {
                if let Some(bucket) = text("bucketName") {
                    arns.push(arn(partition, "s3", "", "", bucket.to_owned()));
                    if let Some(key) = text("key") {
                        arns.push(arn(partition, "s3", "", "", format!("{bucket}/{key}")));
                    }
                }
            }
            "iam" => {
                for (param, kind) in [
                    ("roleName", "role"),
                    ("userName", "user"),
                    ("groupName", "group"),
                    ("instanceProfileName", "instance-profile"),
                ] {
                    if let Some(name) = text(param) {
                        arns.push(arn(partition, "iam", "", account, format!("{kind}/{name}")));
                    }
                }
            }
            "lambda" => {
                if let Some(name) = text("functionName") {
                    arns.push(if name.starts_with("arn:") {
                        name.to_owned()
                    } else {
                        arn(
                            partition,
                            "lambda",
                            region,
                            account,
                            format!("function:{name}"),
                        )
                    });
                }
            }
            "dynamodb" => {
                if let Some(name) = text("tableName") {
                    arns.push(arn(
                        partition,
                        "dynamodb",
                        region,
                        account,
                        format!("table/{name}"),
                    ));
                }
            }
            "sqs" => {
                if let Some(name) = text("queueUrl").and_then(|url| url.rsplit('/').next()) {
                    arns.push(arn(partition, "sqs", region, account, name.to_owned()));
                }
            }
            "logs" => {
                if let Some(group) = text("logGroupName") {
                    match text("logStreamName") {
                        Some(stream) => arns.push(arn(
                            partition,
                            "logs",
                            region,
                            account,
                            format!("log-group:{group}:log-stream:{stream}"),
                        )),
                        None => arns.push(arn(
                            partition,
                            "logs",
                            region,
                            account,
                            format!("log-group:{group}"),
                        )),
                    }
                }
            }
            "secretsmanager" => {
                if let Some(id) = text("secretId") {
                    // Secret ARNs end in a random 6-character suffix the name does not carry.
                    arns.push(if id.starts_with("arn:") {
                        id.to_owned()
                    } else {
                        arn(
                            partition,
                            "secretsmanager",
                            region,
                            account,
                            format!("secret:{id}-??????"),
                        )
                    });
                }
            }
            "kms" => {
                if let Some(id) = text("keyId").filter(|id| !id.starts_with("alias/")) {
                    arns.push(if id.starts_with("arn:") {
                        id.to_owned()
                    } else {
                        arn(partition, "kms", region, account, format!("key/{id}"))
                    });
                }
            }
            _ => {}
        }
    }
    arns.sort();
    arns.dedup();
    arns
}

/// The copy source of S3 `CopyObject`/`UploadPartCopy` (`bucket/key`, maybe URL-encoded and with
/// `?versionId=`), as an object ARN: the copy reads it with `s3:GetObject`.
pub fn copy_source(event: &TrailEvent, partition: &str) -> Option<String> {
    let params = event.request_parameters.as_ref()?;
    let source = params.get("x-amz-copy-source").and_then(Value::as_str)?;
    let source = source.trim_start_matches('/');
    let source = source
        .split_once("?versionId=")
        .map_or(source, |(path, _)| path);
    source
        .contains('/')
        .then(|| arn(partition, "s3", "", "", source.replace("%2F", "/")))
}

/// Does the event fall on or after `since` (`YYYY-MM-DD` or an RFC 3339 time in UTC)? Event times
/// are UTC with a `Z` suffix, so text order is time order.
pub fn on_or_after(event: &TrailEvent, since: &str) -> bool {
    event.event_time.as_str() >= since
}

/// Checks a `--since` value.
pub fn parse_since(text: &str) -> Result<String, CloudTrailError> {
    let bytes = text.as_bytes();
    let date_ok = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let rest_ok = bytes.len() == 10 || (bytes.get(10) == Some(&b'T') && text.ends_with('Z'));
    if date_ok && rest_ok && is_calendar_date(&text[..10]) {
        Ok(text.to_owned())
    } else {
        Err(CloudTrailError::BadDate(text.to_owned()))
    }
}

/// `YYYY-MM-DD` (digits already checked) names a real day: `2026-02-30` would silently
/// compare as a time between February and March.
fn is_calendar_date(date: &str) -> bool {
    warden_policy::date::parse_day(date).is_some()
}

/// Did the call fail for lack of permission? Such events are reported, never granted.
pub fn is_access_denied(event: &TrailEvent) -> bool {
    event.error_code.as_deref().is_some_and(|code| {
        let code = code.to_ascii_lowercase();
        code.contains("accessdenied")
            || code.contains("unauthorized")
            || code == "client.unauthorizedoperation"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(source: &str, name: &str) -> TrailEvent {
        TrailEvent {
            event_time: "2026-11-01T10:00:00Z".into(),
            event_source: source.into(),
            event_name: name.into(),
            aws_region: "eu-west-1".into(),
            recipient_account_id: Some("111122223333".into()),
            error_code: None,
            error_message: None,
            user_identity: UserIdentity::default(),
            request_parameters: None,
            response_elements: None,
            resources: vec![],
        }
    }

    fn actions(source: &str, name: &str) -> Vec<String> {
        match event_actions(&event(source, name)) {
            EventActions::Actions { actions, .. } => actions,
            EventActions::NotAuthorizedByIdentityPolicy(_) => vec![],
        }
    }

    #[test]
    fn names_map_to_actions() {
        assert_eq!(
            actions("s3.amazonaws.com", "GetObject"),
            vec!["s3:GetObject"]
        );
        assert_eq!(
            actions("s3.amazonaws.com", "ListObjectsV2"),
            vec!["s3:ListBucket"]
        );
        assert_eq!(
            actions("s3.amazonaws.com", "HeadObject"),
            vec!["s3:GetObject"]
        );
        assert_eq!(
            actions("s3.amazonaws.com", "UploadPart"),
            vec!["s3:PutObject"]
        );
        assert_eq!(
            actions("monitoring.amazonaws.com", "PutMetricData"),
            vec!["cloudwatch:PutMetricData"]
        );
        assert_eq!(
            actions("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
            vec!["lambda:UpdateFunctionCode"]
        );
        assert_eq!(
            actions("lambda.amazonaws.com", "GetFunction20150331"),
            vec!["lambda:GetFunction"]
        );
        assert_eq!(
            actions("lambda.amazonaws.com", "Invoke"),
            vec!["lambda:InvokeFunction"]
        );
        assert_eq!(
            actions("sts.amazonaws.com", "AssumeRoleWithWebIdentity"),
            Vec::<String>::new()
        );
        assert_eq!(actions("iam.amazonaws.com", "GetRole"), vec!["iam:GetRole"]);
    }

    #[test]
    fn versions_and_batches() {
        assert_eq!(
            actions("sqs.amazonaws.com", "SendMessageBatch"),
            vec!["sqs:SendMessage"]
        );
        assert_eq!(
            actions("s3.amazonaws.com", "ListBuckets"),
            vec!["s3:ListAllMyBuckets"]
        );
        let mut get = event("s3.amazonaws.com", "GetObject");
        get.request_parameters =
            Some(serde_json::json!({"bucketName": "b", "key": "k", "versionId": "3HL4kqtJ"}));
        assert_eq!(
            event_actions(&get),
            EventActions::Actions {
                actions: vec!["s3:GetObjectVersion".into()],
                note: Some(
                    "S3 authorizes calls on a specific object version with the `…Version…` action"
                ),
            }
        );
    }

    #[test]
    fn every_mapped_action_is_in_the_catalog() {
        let catalog = warden_catalog::Catalog::embedded();
        for rule in EVENT_EXCEPTIONS {
            for action in rule.actions {
                assert!(
                    catalog.action(action).is_ok(),
                    "`{action}` (for {} {}) is not in the catalog",
                    rule.service,
                    rule.event
                );
            }
        }
    }

    #[test]
    fn version_suffix_needs_eight_digits() {
        assert_eq!(
            strip_api_version("ListFunctions20150331"),
            Some("ListFunctions")
        );
        assert_eq!(
            strip_api_version("PublishVersion20150331"),
            Some("PublishVersion")
        );
        assert_eq!(strip_api_version("GetPolicy"), None);
        assert_eq!(strip_api_version("CreateV2"), None);
    }

    #[test]
    fn role_arn_matches_sessions() {
        let role = RoleArn::parse("arn:aws:iam::111122223333:role/jobs/exporter").unwrap();
        assert_eq!(role.path, "/jobs/");
        assert_eq!(role.arn(), "arn:aws:iam::111122223333:role/jobs/exporter");
        let mut by_role = event("s3.amazonaws.com", "GetObject");
        by_role.user_identity = UserIdentity {
            identity_type: "AssumedRole".into(),
            arn: Some("arn:aws:sts::111122223333:assumed-role/exporter/task-1".into()),
            account_id: None,
            session_context: None,
        };
        assert!(role.made(&by_role));
        let mut other = by_role.clone();
        other.user_identity.arn =
            Some("arn:aws:sts::111122223333:assumed-role/exporter-2/task-1".into());
        assert!(!role.made(&other));
        by_role.user_identity.session_context = Some(SessionContext {
            session_issuer: Some(SessionIssuer {
                issuer_type: "Role".into(),
                arn: Some("arn:aws:iam::111122223333:role/other/exporter".into()),
            }),
        });
        assert!(
            !role.made(&by_role),
            "a role of the same name on another path is another role"
        );
        assert!(RoleArn::parse("arn:aws:iam::111122223333:user/bob").is_err());
    }

    #[test]
    fn resources_from_request_parameters() {
        let mut get = event("s3.amazonaws.com", "GetObject");
        get.request_parameters = Some(serde_json::json!({"bucketName": "acme", "key": "a/b.csv"}));
        assert_eq!(
            event_resources(&get, "aws"),
            vec!["arn:aws:s3:::acme", "arn:aws:s3:::acme/a/b.csv"]
        );
        let mut pass = event("iam.amazonaws.com", "GetRole");
        pass.request_parameters = Some(serde_json::json!({"roleName": "app"}));
        assert_eq!(
            event_resources(&pass, "aws"),
            vec!["arn:aws:iam::111122223333:role/app"]
        );
        let mut copy = event("s3.amazonaws.com", "CopyObject");
        copy.request_parameters =
            Some(serde_json::json!({"x-amz-copy-source": "src/in%2Fx.csv?versionId=3"}));
        assert_eq!(
            copy_source(&copy, "aws").as_deref(),
            Some("arn:aws:s3:::src/in/x.csv")
        );
    }

    #[test]
    fn since_is_checked() {
        assert!(parse_since("2026-11-01").is_ok());
        assert!(parse_since("2026-11-01T10:00:00Z").is_ok());
        assert!(parse_since("11/01/2026").is_err());
        // Days that do not exist are rejected rather than compared as text.
        assert!(parse_since("2026-02-30").is_err());
        assert!(parse_since("2026-13-01").is_err());
        assert!(parse_since("2026-00-10").is_err());
        assert!(parse_since("2028-02-29").is_ok());
        assert!(parse_since("2100-02-29").is_err());
        assert!(parse_since("2026-04-31T00:00:00Z").is_err());
        assert!(on_or_after(&event("s3.amazonaws.com", "x"), "2026-11-01"));
        assert!(!on_or_after(&event("s3.amazonaws.com", "x"), "2026-11-02"));
    }
}
