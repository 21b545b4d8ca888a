//! WL108: a policy variable that is malformed, or written where IAM does not substitute it.

use warden_policy::{ActionClause, Principal, PrincipalClause, ResourceClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags policy variables (`${aws:username}`) that IAM cannot read, in `Resource`,
/// `NotResource` and condition values:
/// - a missing closing brace (`${aws:username`),
/// - a symbol no variable name has (`${aws:user#name}`),
/// - a default not between single quotes (`${aws:PrincipalTag/team, none}`),
/// - a space inside the name (`${aws:PrincipalTag/cost center}`),
/// - an empty variable (`${ }`);
///
/// and policy variables (names with a prefix, `${aws:username}`) in `Action`, `NotAction`,
/// `Principal` or `NotPrincipal`, where IAM substitutes nothing; the Warden variables of
/// definitions as written (`${account_id}`) are replaced by rendering and are not judged there.
/// Access Analyzer reports these as the errors "Missing brace in variable", "Unsupported symbol
/// in variable", "Missing quote in variable", "Unsupported space in variable", "Empty
/// variable" and "Variable unsupported in element". Escapes (`${*}`, `${?}`, `${$}`) are well
/// formed; spaces around the name and the default are allowed. Documents of
/// `Version` 2008-10-17 substitute no variable at all: WL103 reports those.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
///
/// ## Why is this bad?
/// A malformed variable is not substituted: the text is compared as written, so a resource
/// `arn:aws:s3:::home/${aws:username` names no object anyone has and a condition value never
/// matches the request. In an action or a principal the variable is literal text as well: the
/// statement names an action or a principal that does not exist.
///
/// ## Example
/// ```json
/// {"Sid": "Home", "Effect": "Allow", "Action": "s3:GetObject",
///  "Resource": "arn:aws:s3:::home/${aws:username/*"}
/// ```
///
/// ## Fix
/// Close the variable and write its default between single quotes:
/// `arn:aws:s3:::home/${aws:username}/*`, `${aws:PrincipalTag/team, 'none'}`. Use variables in
/// `Resource` and in string or ARN conditions only.
pub struct PolicyVariableInvalid;

static META: RuleMeta = RuleMeta {
    id: "WL108",
    name: "policy-variable-invalid",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "malformed policy variable, or a variable where iam substitutes none",
};

impl Rule for PolicyVariableInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !cx.policy.document.supports_variables() {
            return;
        }
        for (index, statement) in cx.statements() {
            if let Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) =
                &statement.resource
            {
                let element = match &statement.resource {
                    Some(ResourceClause::NotResource(_)) => "NotResource",
                    _ => "Resource",
                };
                for (position, value) in values.iter().enumerate() {
                    if let Some(message) = malformed(value) {
                        out.push(cx.value_finding(
                            &META,
                            index,
                            &format!("{element}[{position}]"),
                            format!(
                                "{} `{element}` value `{value}`: {message}",
                                cx.statement_label(index)
                            ),
                        ));
                    }
                }
            }
            for (operator, entry) in super::condition_entries(statement) {
                for value in entry.values.iter() {
                    let text = value.as_text();
                    if let Some(message) = malformed(&text) {
                        out.push(cx.key_finding(
                            &META,
                            index,
                            entry,
                            format!(
                                "{} `{}` value `{text}` for `{}`: {message}",
                                cx.statement_label(index),
                                operator.base,
                                entry.key
                            ),
                        ));
                    }
                }
            }
            let (element, values) = match &statement.action {
                ActionClause::Action(values) => ("Action", values),
                ActionClause::NotAction(values) => ("NotAction", values),
            };
            for value in values
                .iter()
                .filter(|value| super::names_policy_variable(value))
            {
                out.push(misplaced(cx, index, element, value));
            }
            let principal = match &statement.principal {
                Some(PrincipalClause::Principal(Principal::Typed(typed))) => {
                    Some(("Principal", typed))
                }
                Some(PrincipalClause::NotPrincipal(Principal::Typed(typed))) => {
                    Some(("NotPrincipal", typed))
                }
                _ => None,
            };
            if let Some((element, typed)) = principal {
                for value in typed
                    .iter()
                    .flat_map(|(_, values)| values.iter())
                    .filter(|value| super::names_policy_variable(value))
                {
                    out.push(misplaced(cx, index, element, value));
                }
            }
        }
    }
}

/// What is wrong with the first malformed variable of `text`; a text without `${` is not
/// looked at further.
fn malformed(text: &str) -> Option<String> {
    if !warden_policy::variables::has_opening(text) {
        return None;
    }
    let found = warden_policy::variables::malformed_variable(text)?;
    Some(format!(
        "the policy variable `{}` {}, so IAM compares it as written",
        found.written,
        found.problem.describe()
    ))
}

fn misplaced(cx: &DocumentCx<'_>, index: usize, element: &str, value: &str) -> Finding {
    cx.statement_finding(
        &META,
        index,
        format!(
            "{} `{element}` value `{value}` holds a policy variable: IAM substitutes variables only in `Resource` and in string and arn conditions, so here it is literal text",
            cx.statement_label(index)
        ),
    )
}
