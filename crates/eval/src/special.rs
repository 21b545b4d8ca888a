//! AWS's documented exceptions to policy evaluation: requests no policy can deny, and
//! AWS-protected resources no policy can let anyone change.

use warden_policy::arn::ArnRef;

/// A request AWS decides without (or regardless of) the policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    /// Allowed whatever the policies say.
    NoPermissionNeeded(&'static str),
    /// Refused whatever the policies say: the resource is protected by AWS.
    Protected(&'static str),
}

/// `sts:GetCallerIdentity` "requires no permissions … if an administrator attaches a policy to
/// your identity that explicitly denies access to the sts:GetCallerIdentity action, you can
/// still perform this operation".
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>
const CALLER_IDENTITY: &str = "sts:getcalleridentity";

/// What AWS decides on its own for `action_lower` on `resource`, if anything.
pub(crate) fn classify(
    action_lower: &str,
    resource: &str,
    caller_is_service_linked: bool,
) -> Option<Special> {
    if action_lower == CALLER_IDENTITY {
        return Some(Special::NoPermissionNeeded(
            "sts:GetCallerIdentity needs no permission and works even under an explicit deny",
        ));
    }
    let (service, name) = action_lower.split_once(':')?;
    let arn = ArnRef::parse(resource)?;
    match (service, arn.service) {
        ("iam", "iam") if iam_changes(name) => protected_iam(name, &arn, caller_is_service_linked),
        ("kms", "kms") if matches!(name, "createalias" | "deletealias" | "updatealias") => {
            // "The alias name for a customer managed key cannot begin with alias/aws/. The
            // alias/aws/ prefix is reserved for AWS managed key."
            // https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
            arn.resource.starts_with("alias/aws/").then_some(Special::Protected(
                "aliases under `alias/aws/` belong to AWS managed keys: no policy lets anyone create, change or delete them",
            ))
        }
        _ => None,
    }
}

/// IAM actions that change an entity (everything but reads, listings, reports, simulations and
/// `PassRole`, which hands a role over without changing it).
fn iam_changes(name: &str) -> bool {
    !(name.starts_with("get")
        || name.starts_with("list")
        || name.starts_with("generate")
        || name.starts_with("simulate")
        || name == "passrole")
}

fn protected_iam(name: &str, arn: &ArnRef<'_>, caller_is_service_linked: bool) -> Option<Special> {
    let resource = arn.resource;
    // "You can't change the permissions in AWS managed policies."
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    if arn.account == "aws" && resource.starts_with("policy/") {
        return Some(Special::Protected(
            "AWS managed policies (account `aws`) are maintained by AWS: no policy lets anyone change or delete them",
        ));
    }
    // IAM Identity Center provisions its roles through its service-linked role
    // (AWSSSOServiceRolePolicy grants it iam:PutRolePolicy and friends on
    // `role/aws-reserved/sso.amazonaws.com/*`); anyone else gets UnmodifiableEntity.
    // https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html
    if resource.starts_with("role/aws-reserved/sso.amazonaws.com/") && !caller_is_service_linked {
        return Some(Special::Protected(
            "IAM Identity Center reserved roles (`/aws-reserved/sso.amazonaws.com/`) are changed only by IAM Identity Center, not through IAM",
        ));
    }
    // "Service-linked roles are protected AWS resources. Only the service that depends on the
    // service-linked role can modify or delete the role"; the description can be edited, and
    // DeleteServiceLinkedRole is how IAM deletes one.
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRoleDescription.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
    let allowed_on_service_linked = matches!(
        name,
        "updateroledescription"
            | "updaterole"
            | "deleteservicelinkedrole"
            | "createservicelinkedrole"
            | "tagrole"
            | "untagrole"
    );
    if resource.starts_with("role/aws-service-role/") && !allowed_on_service_linked {
        return Some(Special::Protected(
            "service-linked roles (`/aws-service-role/`) are changed only through their service (IAM allows the description, tags and DeleteServiceLinkedRole)",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protected(action: &str, resource: &str) -> bool {
        matches!(
            classify(action, resource, false),
            Some(Special::Protected(_))
        )
    }

    #[test]
    fn protected_resources_follow_the_aws_documentation() {
        let managed = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert!(protected("iam:createpolicyversion", managed));
        assert!(protected("iam:deletepolicy", managed));
        assert!(!protected("iam:getpolicy", managed));
        assert!(protected(
            "iam:deletepolicy",
            "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!protected(
            "iam:deletepolicy",
            "arn:aws:iam::111122223333:policy/Mine"
        ));
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123";
        assert!(protected("iam:putrolepolicy", sso));
        assert!(protected("iam:updateassumerolepolicy", sso));
        assert!(!protected("iam:getrole", sso));
        assert!(!protected("iam:passrole", sso));
        assert!(
            classify("iam:putrolepolicy", sso, true).is_none(),
            "the SSO service-linked role provisions them"
        );
        let linked = "arn:aws:iam::111122223333:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk";
        assert!(protected("iam:attachrolepolicy", linked));
        assert!(protected("iam:deleterole", linked));
        assert!(!protected("iam:updateroledescription", linked));
        assert!(!protected("iam:deleteservicelinkedrole", linked));
        assert!(protected(
            "kms:createalias",
            "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3"
        ));
        assert!(!protected(
            "kms:createalias",
            "arn:aws:kms:eu-west-1:111122223333:alias/app"
        ));
        assert!(!protected(
            "kms:decrypt",
            "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3"
        ));
    }

    #[test]
    fn get_caller_identity_needs_no_permission() {
        assert!(matches!(
            classify("sts:getcalleridentity", "*", false),
            Some(Special::NoPermissionNeeded(_))
        ));
    }
}
