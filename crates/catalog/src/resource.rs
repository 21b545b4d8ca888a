//! Does a policy `Resource` (an ARN, possibly with `*`, `?` and policy variables) fit a resource
//! type's ARN format such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`?
//!
//! Both sides are patterns, so the question is whether some concrete ARN matches both: the
//! intersection of two wildcard languages, decided by a breadth-first search over pairs of
//! positions (at most a few thousand states).
//!
//! A `${Placeholder}` in a format stands for a non-empty value. Two readings are tried:
//! - strict: a placeholder never contains `/` or `:`, so `arn:aws:s3:::b/k` is an S3 `object`
//!   and not a `bucket`, and a log-stream ARN is not a `log-group`;
//! - permissive (used only when the strict reading matches no type): a placeholder may contain
//!   anything, because many names legitimately hold `/` (SSM parameter paths, Secrets Manager
//!   names, IAM paths) — except the names in [`SINGLE_SEGMENT`], whose services forbid `/` and
//!   `:` in them. This keeps the classic mistake `s3:ListBucket` on `arn:aws:s3:::b/*` visible.
//!
//! A policy variable such as `${aws:username}` can take any value, so it matches like `*`.

/// Placeholders whose values never contain `/` or `:` (ARN fields, and names whose services
/// document a character set without them: S3 buckets, DynamoDB tables, Lambda functions, SQS
/// queues, SNS topics, KMS key IDs).
pub const SINGLE_SEGMENT: &[&str] = &[
    "Partition",
    "Region",
    "Account",
    "AccountId",
    "BucketName",
    "TableName",
    "FunctionName",
    "QueueName",
    "TopicName",
    "KeyId",
];

/// How placeholders in an ARN format are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Placeholders hold neither `/` nor `:`.
    Strict,
    /// Placeholders hold anything, except the names in [`SINGLE_SEGMENT`].
    Permissive,
}

/// Could `policy_arn` (with IAM wildcards and policy variables) name a resource whose ARN has the
/// format `arn_format` under `reading`?
pub fn could_match(policy_arn: &str, arn_format: &str, reading: Reading) -> bool {
    match compare_fields(policy_arn, arn_format) {
        Fields::Conflict => false,
        // Both sides' first five colons are fixed and line up: only the resource parts are
        // searched, a fraction of the pairs of positions.
        Fields::Agree(policy, format) => {
            intersects(&policy_tokens(policy), &format_tokens(format, reading))
        }
        Fields::Undecided => search(policy_arn, arn_format, reading),
    }
}

/// [`could_match`] by the search over the whole texts, without the quick checks.
fn search(policy_arn: &str, arn_format: &str, reading: Reading) -> bool {
    intersects(
        &policy_tokens(policy_arn),
        &format_tokens(arn_format, reading),
    )
}

/// Placeholders that may stand in the first five fields of a format for the quick check: each
/// is one non-empty field without `:` in both readings.
const FIELD_PLACEHOLDERS: &[&str] = &["${Partition}", "${Region}", "${Account}", "${AccountId}"];

/// What the quick check found of the first five fields.
enum Fields<'a> {
    /// They cannot both match one ARN.
    Conflict,
    /// Literal in the policy ARN and fitting the format's field by field, so any ARN both
    /// match has the same first five fields: the question is whether the two resource parts
    /// (given) intersect.
    Agree(&'a str, &'a str),
    /// Only the search can tell.
    Undecided,
}

/// Quick check without the search, for the common case of a policy ARN whose first five
/// fields are literal: the service, region and account fields must fit the format's, and the
/// literal starts of the resource parts must agree.
fn compare_fields<'a>(policy_arn: &'a str, arn_format: &'a str) -> Fields<'a> {
    use warden_policy::arn::ArnRef;
    let (Some(policy), Some(format)) = (
        ArnRef::components(policy_arn),
        ArnRef::components(arn_format),
    ) else {
        return Fields::Undecided;
    };
    let mut aligned = true;
    for (left, right) in policy.iter().zip(&format).take(5) {
        if left.contains(['*', '?', '$']) {
            return Fields::Undecided;
        }
        if FIELD_PLACEHOLDERS.contains(right) {
            if left.is_empty() {
                return Fields::Conflict;
            }
            // The placeholder holds no `/`: left to the search, which says so.
            aligned &= !left.contains('/');
        } else if right.contains(['$', '*']) {
            return Fields::Undecided;
        } else if left != right {
            return Fields::Conflict;
        }
    }
    let (left, right) = (policy[5], format[5]);
    let left_head = &left[..left.find(['*', '?', '$']).unwrap_or(left.len())];
    let right_head = &right[..right.find(['$', '*']).unwrap_or(right.len())];
    let common = left_head.len().min(right_head.len());
    if left_head.as_bytes()[..common] != right_head.as_bytes()[..common] {
        Fields::Conflict
    } else if aligned {
        Fields::Agree(left, right)
    } else {
        Fields::Undecided
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyToken {
    Literal(char),
    /// `?`
    One,
    /// `*` or a policy variable.
    Run,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Any,
    NoSlashOrColon,
}

impl Class {
    fn allows(self, ch: char) -> bool {
        match self {
            Class::Any => true,
            Class::NoSlashOrColon => ch != '/' && ch != ':',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatToken {
    Literal(char),
    /// First character of a placeholder.
    One(Class),
    /// Further characters of a placeholder (zero or more).
    Run(Class),
}

fn policy_tokens(arn: &str) -> Vec<PolicyToken> {
    let mut tokens = Vec::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(ch) = rest.chars().next() {
        if let Some((inner, after)) = rest
            .strip_prefix("${")
            .and_then(|after| after.split_once('}'))
        {
            tokens.push(match inner {
                "*" => PolicyToken::Literal('*'),
                "?" => PolicyToken::Literal('?'),
                "$" => PolicyToken::Literal('$'),
                _ => PolicyToken::Run,
            });
            rest = after;
            continue;
        }
        tokens.push(match ch {
            '*' => PolicyToken::Run,
            '?' => PolicyToken::One,
            other => PolicyToken::Literal(other),
        });
        rest = &rest[ch.len_utf8()..];
    }
    tokens
}

fn format_tokens(format: &str, reading: Reading) -> Vec<FormatToken> {
    let mut tokens = Vec::with_capacity(format.len());
    let mut rest = format;
    while let Some(ch) = rest.chars().next() {
        if let Some((name, after)) = rest
            .strip_prefix("${")
            .and_then(|after| after.split_once('}'))
        {
            let class = placeholder_class(name, reading);
            tokens.push(FormatToken::One(class));
            tokens.push(FormatToken::Run(class));
            rest = after;
            continue;
        }
        tokens.push(match ch {
            // A literal `*` in a format (some services publish `…/backend/*`) is any run.
            '*' => FormatToken::Run(Class::Any),
            other => FormatToken::Literal(other),
        });
        rest = &rest[ch.len_utf8()..];
    }
    tokens
}

fn placeholder_class(name: &str, reading: Reading) -> Class {
    match reading {
        Reading::Strict => Class::NoSlashOrColon,
        Reading::Permissive if SINGLE_SEGMENT.contains(&name) => Class::NoSlashOrColon,
        Reading::Permissive => Class::Any,
    }
}

/// Is there a string both token lists match? Breadth-first search over position pairs.
fn intersects(policy: &[PolicyToken], format: &[FormatToken]) -> bool {
    let width = format.len() + 1;
    let mut seen = vec![false; (policy.len() + 1) * width];
    // Most searches visit about as many pairs as the two lists are long.
    let mut queue = Vec::with_capacity(policy.len() + format.len() + 2);
    queue.push((0usize, 0usize));
    while let Some((p, f)) = queue.pop() {
        let slot = p * width + f;
        if seen[slot] {
            continue;
        }
        seen[slot] = true;
        if p == policy.len() && f == format.len() {
            return true;
        }
        // Empty moves: `*` may match nothing; a placeholder's tail may end.
        if policy.get(p) == Some(&PolicyToken::Run) {
            queue.push((p + 1, f));
        }
        if matches!(format.get(f), Some(FormatToken::Run(_))) {
            queue.push((p, f + 1));
        }
        // Consume one character on both sides.
        let (Some(&left), Some(&right)) = (policy.get(p), format.get(f)) else {
            continue;
        };
        if !compatible(left, right) {
            continue;
        }
        let next_p = if left == PolicyToken::Run { p } else { p + 1 };
        let next_f = if matches!(right, FormatToken::Run(_)) {
            f
        } else {
            f + 1
        };
        queue.push((next_p, next_f));
    }
    false
}

fn compatible(policy: PolicyToken, format: FormatToken) -> bool {
    match (policy, format) {
        (PolicyToken::Literal(a), FormatToken::Literal(b)) => a == b,
        (PolicyToken::Literal(a), FormatToken::One(class) | FormatToken::Run(class)) => {
            class.allows(a)
        }
        // `?` or `*` can produce whichever character the format needs.
        (PolicyToken::One | PolicyToken::Run, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const ROLE: &str = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    const LOG_GROUP: &str = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}";
    const PARAMETER: &str =
        "arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}";

    fn both(arn: &str, format: &str) -> (bool, bool) {
        (
            could_match(arn, format, Reading::Strict),
            could_match(arn, format, Reading::Permissive),
        )
    }

    #[test]
    fn concrete_s3_arns_pick_bucket_or_object() {
        assert_eq!(both("arn:aws:s3:::bucket/key", OBJECT), (true, true));
        assert_eq!(both("arn:aws:s3:::bucket/key", BUCKET), (false, false));
        assert_eq!(both("arn:aws:s3:::bucket", BUCKET), (true, true));
        assert_eq!(both("arn:aws:s3:::bucket", OBJECT), (false, false));
        assert_eq!(both("arn:aws:s3:::bucket/a/b/c", OBJECT), (false, true));
    }

    #[test]
    fn wildcards_are_permissive() {
        assert!(could_match("*", BUCKET, Reading::Strict));
        assert!(could_match("arn:aws:s3:::*", BUCKET, Reading::Strict));
        assert!(could_match("arn:aws:s3:::*", OBJECT, Reading::Strict));
        assert!(could_match(
            "arn:aws:s3:::bucket/*",
            OBJECT,
            Reading::Strict
        ));
        assert!(!could_match(
            "arn:aws:s3:::bucket/*",
            BUCKET,
            Reading::Permissive
        ));
        assert!(could_match("arn:*:s3:::b?cket", BUCKET, Reading::Strict));
        assert!(!could_match(
            "arn:aws:s3:::bucket/*",
            ROLE,
            Reading::Permissive
        ));
    }

    #[test]
    fn placeholders_are_not_empty_and_literals_are_case_sensitive() {
        assert!(!could_match("arn:aws:s3:::", BUCKET, Reading::Permissive));
        assert!(!could_match(
            "arn:aws:S3:::bucket",
            BUCKET,
            Reading::Permissive
        ));
        assert!(!could_match(
            "arn:aws:iam::123456789012:role/",
            ROLE,
            Reading::Permissive
        ));
    }

    #[test]
    fn the_quick_check_agrees_with_the_search() {
        let formats = [
            BUCKET,
            OBJECT,
            ROLE,
            LOG_GROUP,
            PARAMETER,
            "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}",
        ];
        let arns = [
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::bucket/key",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
            "arn:aws:ec2:eu-west-1:123456789012:volume/*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:logs:eu-west-1:123456789012:log-group:a*",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b",
            "arn:aws:ssm:eu-west-1::parameter/a",
            "arn:aws:s3:::",
            "arn:aws:iam::12/34:role/x",
            "arn:aws:iam::${aws:PrincipalAccount}:role/x",
            "arn:aws:s3:::bucket/${aws:username}/*",
            "arn:aws:logs:eu-west-1:123456789012:log-group:a:log-stream:b",
        ];
        let mut agreed = 0;
        for format in formats {
            for arn in arns {
                for reading in [Reading::Strict, Reading::Permissive] {
                    let searched = search(arn, format, reading);
                    assert_eq!(
                        could_match(arn, format, reading),
                        searched,
                        "{arn} against {format}"
                    );
                    match compare_fields(arn, format) {
                        Fields::Conflict => assert!(!searched, "{arn} rejected against {format}"),
                        Fields::Agree(..) => agreed += 1,
                        Fields::Undecided => {}
                    }
                }
            }
        }
        // The resource-part-only search was taken, not only the rejections.
        assert!(agreed > 10, "{agreed}");
    }

    #[test]
    fn paths_need_the_permissive_reading() {
        let arn = "arn:aws:iam::123456789012:role/service-role/deployer";
        assert_eq!(both(arn, ROLE), (false, true));
        let parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password";
        assert_eq!(both(parameter, PARAMETER), (false, true));
    }

    #[test]
    fn log_streams_are_not_log_groups_in_the_strict_reading() {
        let stream = "arn:aws:logs:eu-west-1:123456789012:log-group:app:log-stream:s1";
        assert!(!could_match(stream, LOG_GROUP, Reading::Strict));
        assert!(could_match(
            "arn:aws:logs:eu-west-1:123456789012:log-group:app",
            LOG_GROUP,
            Reading::Strict
        ));
    }

    #[test]
    fn policy_variables_match_like_a_star_and_escapes_are_literal() {
        assert!(could_match(
            "arn:aws:s3:::home-${aws:username}/x",
            OBJECT,
            Reading::Strict
        ));
        assert!(could_match(
            "arn:aws:s3:::a*",
            "arn:aws:s3:::abc",
            Reading::Strict
        ));
        assert!(!could_match(
            "arn:aws:s3:::a${*}",
            "arn:aws:s3:::abc",
            Reading::Strict
        ));
        assert!(could_match(
            "arn:aws:s3:::a${*}",
            "arn:aws:s3:::a*",
            Reading::Strict
        ));
    }
}
