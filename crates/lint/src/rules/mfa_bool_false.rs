//! WL403: `Bool` `aws:MultiFactorAuthPresent` `false`, which does not match requests without
//! the key.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags conditions `"Bool": {"aws:MultiFactorAuthPresent": "false"}` (without `IfExists`).
///
/// ## Why is this bad?
/// The key is absent from requests signed with long-term access keys (and from some
/// role sessions), and a `Bool` test on an absent key is false. A `Deny` meant to block
/// requests without MFA therefore does not block access-key requests, the very ones it is
/// for; an `Allow` so written grants only console sessions without MFA.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
///
/// ## Example
/// ```json
/// {"Sid": "DenyWithoutMfa", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
///  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
/// ```
///
/// ## Fix
/// Use `"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}` in the `Deny` (true when the
/// key is absent or false), or `"Bool": {"aws:MultiFactorAuthPresent": "true"}` in the `Allow`.
pub struct MfaBoolFalse;

static META: RuleMeta = RuleMeta {
    id: "WL403",
    name: "mfa-bool-false",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "`bool` on `aws:multifactorauthpresent` `false`, which misses requests without the key",
};

impl Rule for MfaBoolFalse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let plain_bool = operator.base.eq_ignore_ascii_case("Bool")
                    && !operator.if_exists
                    && operator.qualifier.is_none();
                if plain_bool
                    && entry.key.eq_ignore_ascii_case("aws:MultiFactorAuthPresent")
                    && entry
                        .values
                        .iter()
                        .any(|value| value.as_text().eq_ignore_ascii_case("false"))
                {
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} tests `aws:MultiFactorAuthPresent` `false` with `Bool`: requests without the key (access keys) do not match; use `BoolIfExists`",
                            cx.statement_label(index)
                        ),
                    );
                    if entry.span.line > 0 {
                        finding.line = entry.span.line;
                        finding.column = entry.span.column;
                    }
                    out.push(finding);
                }
            }
        }
    }
}
