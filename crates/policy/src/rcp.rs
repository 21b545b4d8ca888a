//! Resource control policies: the services they apply to.

/// The service prefixes RCPs apply to, from "List of AWS services that support RCPs"
/// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services,
/// as published on 2026-09-26). AWS adds services to it: one missing here is linted as unsupported (WL710) and
/// left out of RCP evaluation, so keep it in step with the page.
pub const SERVICES: &[&str] = &[
    "aoss",
    "appconfig",
    "appstream",
    "autoscaling",
    "autoscaling-plans",
    "budgets",
    "clouddirectory",
    "cloudfront",
    "cloudsearch",
    "cloudtrail-data",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "comprehend",
    "comprehendmedical",
    "compute-optimizer",
    "cost-optimization-hub",
    "dax",
    "dsql",
    "dynamodb",
    "ecr",
    "ecr-public",
    "events",
    "firehose",
    "fis",
    "fms",
    "gamelift",
    "health",
    "inspector-scan",
    "kendra",
    "kinesisvideo",
    "kms",
    "logs",
    "memorydb",
    "networkmonitor",
    "notifications",
    "opensearch",
    "pca-connector-ad",
    "personalize",
    "polly",
    "pricing",
    "resource-groups",
    "rolesanywhere",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "signin",
    "sqs",
    "sts",
    "support",
    "swf",
    "textract",
    "timestream-influxdb",
    "transcribe",
    "transfer",
    "translate",
    "wafv2",
    "workspaces",
    "xray",
];

/// Do RCPs govern requests to `service`? Prefixes compare ignoring ASCII case, as IAM does.
pub fn applies_to(service: &str) -> bool {
    SERVICES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(service))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_compare_ignoring_case_and_others_are_left_out() {
        assert!(applies_to("s3") && applies_to("S3") && applies_to("secretsmanager"));
        assert!(!applies_to("ec2") && !applies_to("iam") && !applies_to("s3*"));
    }
}
