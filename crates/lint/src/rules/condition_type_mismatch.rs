//! WL402: a condition operator that does not fit the key's type or its values.

use std::net::IpAddr;

use warden_catalog::ConditionKeyType;
use warden_policy::{ConditionEntry, ConditionOperator, SetQualifier};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Checks each condition against the operator it uses:
/// - the value must have the operator's type: a number for `Numeric…`, `true`/`false` for
///   `Bool` and `Null`, an IP address or CIDR for `IpAddress`, an ISO 8601 date or epoch seconds
///   for `Date…`, an ARN for `Arn…`;
/// - the key's type (from the catalog) must fit the operator (`NumericLessThan` on a string key
///   never matches; `StringEquals` on a numeric or date key such as `aws:MultiFactorAuthAge`
///   or `aws:CurrentTime` compares text, not values);
/// - `ForAllValues:`/`ForAnyValue:` belong with multivalued keys, and multivalued keys need
///   them (warning).
///
/// ## Why is this bad?
/// A mismatched condition never matches (a grant that grants nothing) or, under a negated
/// operator or `ForAllValues:`, always matches (a guardrail that guards nothing).
/// `ForAllValues:StringEquals` on a single-valued key is true when the key is absent.
///
/// ## Example
/// ```json
/// {"Condition": {"Bool": {"aws:SecureTransport": "yes"}, "IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}}
/// ```
///
/// ## Fix
/// Use the operator family of the key's type and values of that type: `"Bool":
/// {"aws:SecureTransport": "true"}`, `"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}`.
pub struct ConditionTypeMismatch;

static META: RuleMeta = RuleMeta {
    id: "WL402",
    name: "condition-type-mismatch",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "condition operator that does not fit the key's type or its values",
};

/// Operator families, by the type of value they compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

impl Family {
    fn of(operator: &ConditionOperator) -> Option<Family> {
        let base = operator.base.to_ascii_lowercase();
        Some(if base.starts_with("string") {
            Family::String
        } else if base.starts_with("numeric") {
            Family::Numeric
        } else if base.starts_with("date") {
            Family::Date
        } else if base == "bool" {
            Family::Bool
        } else if base == "binaryequals" {
            Family::Binary
        } else if base == "ipaddress" || base == "notipaddress" {
            Family::Ip
        } else if base.starts_with("arn") {
            Family::Arn
        } else if base == "null" {
            Family::Null
        } else {
            return None;
        })
    }

    /// Key types this family can compare meaningfully.
    fn fits(self, key_type: ConditionKeyType) -> bool {
        let element = key_type.element();
        match self {
            // A string operator on a number or a date compares text: `"StringEquals":
            // {"aws:MultiFactorAuthAge": "3600"}` never matches `3600.0`, and dates in
            // another form never match (Access Analyzer: "type mismatch").
            Family::String => {
                !matches!(element, ConditionKeyType::Numeric | ConditionKeyType::Date)
            }
            Family::Null => true,
            Family::Numeric => element == ConditionKeyType::Numeric,
            Family::Date => element == ConditionKeyType::Date,
            Family::Bool => element == ConditionKeyType::Bool,
            Family::Binary => element == ConditionKeyType::Binary,
            Family::Ip => element == ConditionKeyType::IpAddress,
            Family::Arn => matches!(element, ConditionKeyType::Arn | ConditionKeyType::String),
        }
    }

    /// Why `value` is not a value of this family, if it is not.
    fn value_problem(self, value: &str) -> Option<&'static str> {
        if super::has_policy_variable(value) {
            return None;
        }
        let ok = match self {
            Family::String | Family::Binary => true,
            Family::Numeric => value.trim().parse::<f64>().is_ok(),
            Family::Date => is_date(value),
            Family::Bool | Family::Null => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            Family::Ip => is_ip_or_cidr(value),
            Family::Arn => value == "*" || value.starts_with("arn:"),
        };
        if ok {
            return None;
        }
        Some(match self {
            Family::Numeric => "is not a number",
            Family::Date => "is not an iso 8601 date or epoch seconds",
            Family::Bool | Family::Null => "is not `true` or `false`",
            Family::Ip => "is not an ip address or cidr block",
            Family::Arn => "is not an arn",
            Family::String | Family::Binary => "is not valid",
        })
    }

    fn name(self) -> &'static str {
        match self {
            Family::String => "string",
            Family::Numeric => "numeric",
            Family::Date => "date",
            Family::Bool => "boolean",
            Family::Binary => "binary",
            Family::Ip => "ip address",
            Family::Arn => "arn",
            Family::Null => "null",
        }
    }
}

/// ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`, with offset or fraction) or epoch seconds:
/// what evaluation reads as a date.
fn is_date(value: &str) -> bool {
    warden_policy::date::parse_epoch_millis(value).is_some()
}

fn is_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(ip) = address.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|prefix| prefix.parse::<u8>().is_ok_and(|bits| bits <= max))
}

impl Rule for ConditionTypeMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                for (severity, message) in problems(cx, operator, entry) {
                    let mut finding = cx.statement_finding(&META, index, message);
                    finding.severity = severity;
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

fn operator_text(operator: &ConditionOperator) -> String {
    let qualifier = match operator.qualifier {
        Some(SetQualifier::ForAllValues) => "ForAllValues:",
        Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
        None => "",
    };
    let if_exists = if operator.if_exists { "IfExists" } else { "" };
    format!("{qualifier}{}{if_exists}", operator.base)
}

fn problems(
    cx: &DocumentCx<'_>,
    operator: &ConditionOperator,
    entry: &ConditionEntry,
) -> Vec<(Severity, String)> {
    let mut found = Vec::new();
    let Some(family) = Family::of(operator) else {
        return found;
    };
    let key = &entry.key;
    let written = operator_text(operator);
    for value in entry.values.iter() {
        let text = value.as_text();
        if let Some(problem) = family.value_problem(&text) {
            found.push((
                Severity::Error,
                format!("`{written}` value `{text}` for `{key}` {problem}"),
            ));
        }
    }
    let Some(key_type) = cx.env.facts.catalog.condition_key_type(key) else {
        return found;
    };
    if !family.fits(key_type) {
        found.push((
            Severity::Error,
            format!(
                "`{written}` compares {} values but `{key}` is of type `{key_type}`",
                family.name()
            ),
        ));
    }
    if family == Family::Null {
        return found;
    }
    match (operator.qualifier, key_type.is_multivalued()) {
        (Some(_), false) => found.push((
            Severity::Warning,
            format!(
                "`{written}` is a set operator but `{key}` is single-valued; use `{}`",
                operator.base
            ),
        )),
        (None, true) => found.push((
            Severity::Warning,
            format!(
                "`{key}` is multivalued; use `ForAnyValue:{0}` or `ForAllValues:{0}`",
                operator.base
            ),
        )),
        _ => {}
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_addresses() {
        assert!(is_date("2026-01-31"));
        assert!(is_date("2026-01-31T12:00:00Z"));
        assert!(is_date("2026-01-31T12:00:00.123+02:00"));
        assert!(is_date("1700000000"));
        assert!(!is_date("yesterday"));
        assert!(!is_date("2026-13-01"));
        assert!(is_ip_or_cidr("10.0.0.0/8"));
        assert!(is_ip_or_cidr("2001:db8::/32"));
        assert!(is_ip_or_cidr("192.0.2.1"));
        assert!(!is_ip_or_cidr("10.0.0.0/33"));
        assert!(!is_ip_or_cidr("10.0.0.300/8"));
        assert!(!is_ip_or_cidr("office"));
    }
}
