//! Condition blocks compiled once and evaluated against a request context.
//!
//! Semantics (IAM "Condition element" and "condition operators" documentation):
//! - every key of every operator must match (AND); several values for one key are OR, and NOR
//!   for negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, …);
//! - a missing key: positive operators do not match, negated operators match, `…IfExists`
//!   matches, `ForAllValues:` matches, `ForAnyValue:` does not (empty lists count as missing);
//! - a multi-valued key without a set qualifier matches like `ForAnyValue:` (negated: none of the
//!   request values matches any policy value);
//! - a request value that does not parse for a typed operator (number, date, IP, bool, ARN)
//!   matches nothing, for positive and negated operators alike;
//! - a policy variable without a value and without a default makes the condition not match;
//! - an unknown operator never matches and is reported as a diagnostic.

use std::net::IpAddr;

use ipnet::IpNet;
use warden_policy::arn::ArnRef;
use warden_policy::date::parse_epoch_millis;
use warden_policy::{Condition, ConditionEntry, SetQualifier};

use crate::pattern::{Matcher, Pattern};
use crate::request::{Context, key_hash};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Comparison::Equal => request == policy,
            Comparison::Less => request < policy,
            Comparison::LessOrEqual => request <= policy,
            Comparison::Greater => request > policy,
            Comparison::GreaterOrEqual => request >= policy,
        }
    }
}

/// A policy value for the `Arn*` operators: component-wise when it has six parts.
#[derive(Debug, Clone)]
enum ArnValue {
    Components(Box<[Pattern; 6]>),
    Whole(Pattern),
    Template(Matcher),
}

#[derive(Debug, Clone)]
enum Operator {
    String {
        ignore_case: bool,
        values: Box<[Matcher]>,
    },
    Numeric {
        comparison: Comparison,
        values: Box<[f64]>,
    },
    Date {
        comparison: Comparison,
        values: Box<[i64]>,
    },
    Bool {
        values: Box<[bool]>,
    },
    Binary {
        values: Box<[Box<str>]>,
    },
    Ip {
        values: Box<[IpNet]>,
    },
    Arn {
        values: Box<[ArnValue]>,
    },
    /// `true` values test absence, `false` values presence.
    Null {
        values: Box<[bool]>,
    },
    Unknown,
}

#[derive(Debug, Clone)]
struct CompiledEntry {
    /// Lowercased: condition key names are case-insensitive.
    key: Box<str>,
    key_hash: u64,
    /// As written, for explanations.
    written_key: Box<str>,
    qualifier: Option<SetQualifier>,
    if_exists: bool,
    negated: bool,
    operator: Operator,
}

/// A whole `Condition` element.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledCondition {
    entries: Box<[CompiledEntry]>,
}

/// Something the engine could not interpret while compiling a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConditionIssue {
    UnknownOperator(String),
    BadValue { operator: String, value: String },
}

impl CompiledCondition {
    pub(crate) fn compile(
        condition: &Condition,
        variables: bool,
        issues: &mut Vec<ConditionIssue>,
    ) -> CompiledCondition {
        let mut entries = Vec::new();
        for block in &condition.blocks {
            let spec = operator_spec(&block.operator.base);
            for entry in &block.entries {
                let (negated, operator) = match spec {
                    Some(spec) => {
                        compile_values(spec, &block.operator.base, entry, variables, issues)
                    }
                    None => {
                        issues.push(ConditionIssue::UnknownOperator(display_operator(block)));
                        (false, Operator::Unknown)
                    }
                };
                entries.push(CompiledEntry {
                    key: entry.key.to_lowercase().into_boxed_str(),
                    key_hash: key_hash(&entry.key.to_lowercase()),
                    written_key: entry.key.as_str().into(),
                    qualifier: block.operator.qualifier,
                    if_exists: block.operator.if_exists,
                    negated,
                    operator,
                });
            }
        }
        CompiledCondition {
            entries: entries.into_boxed_slice(),
        }
    }

    /// True when every entry matches.
    pub(crate) fn matches(&self, context: &Context) -> bool {
        self.entries.iter().all(|entry| entry.matches(context))
    }

    /// The key of the first entry that does not match.
    pub(crate) fn first_failing_key(&self, context: &Context) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| !entry.matches(context))
            .map(|entry| &*entry.written_key)
    }

    pub(crate) fn has_unknown_operator(&self) -> bool {
        self.entries
            .iter()
            .any(|entry| matches!(entry.operator, Operator::Unknown))
    }
}

fn display_operator(block: &warden_policy::ConditionBlock) -> String {
    let qualifier = match block.operator.qualifier {
        Some(SetQualifier::ForAllValues) => "ForAllValues:",
        Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
        None => "",
    };
    let suffix = if block.operator.if_exists {
        "IfExists"
    } else {
        ""
    };
    format!("{qualifier}{}{suffix}", block.operator.base)
}

#[derive(Debug, Clone, Copy)]
enum Family {
    String { ignore_case: bool, like: bool },
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy)]
struct OperatorSpec {
    family: Family,
    negated: bool,
}

/// Operator names match case-insensitively, like the policy parser accepts them.
fn operator_spec(base: &str) -> Option<OperatorSpec> {
    use Comparison::*;
    let spec = |family, negated| Some(OperatorSpec { family, negated });
    let string = |ignore_case, like| Family::String { ignore_case, like };
    match base.to_ascii_lowercase().as_str() {
        "stringequals" => spec(string(false, false), false),
        "stringnotequals" => spec(string(false, false), true),
        "stringequalsignorecase" => spec(string(true, false), false),
        "stringnotequalsignorecase" => spec(string(true, false), true),
        "stringlike" => spec(string(false, true), false),
        "stringnotlike" => spec(string(false, true), true),
        "numericequals" => spec(Family::Numeric(Equal), false),
        "numericnotequals" => spec(Family::Numeric(Equal), true),
        "numericlessthan" => spec(Family::Numeric(Less), false),
        "numericlessthanequals" => spec(Family::Numeric(LessOrEqual), false),
        "numericgreaterthan" => spec(Family::Numeric(Greater), false),
        "numericgreaterthanequals" => spec(Family::Numeric(GreaterOrEqual), false),
        "dateequals" => spec(Family::Date(Equal), false),
        "datenotequals" => spec(Family::Date(Equal), true),
        "datelessthan" => spec(Family::Date(Less), false),
        "datelessthanequals" => spec(Family::Date(LessOrEqual), false),
        "dategreaterthan" => spec(Family::Date(Greater), false),
        "dategreaterthanequals" => spec(Family::Date(GreaterOrEqual), false),
        "bool" => spec(Family::Bool, false),
        "binaryequals" => spec(Family::Binary, false),
        "ipaddress" => spec(Family::Ip, false),
        "notipaddress" => spec(Family::Ip, true),
        "arnequals" | "arnlike" => spec(Family::Arn, false),
        "arnnotequals" | "arnnotlike" => spec(Family::Arn, true),
        "null" => spec(Family::Null, false),
        _ => None,
    }
}

fn compile_values(
    spec: OperatorSpec,
    base: &str,
    entry: &ConditionEntry,
    variables: bool,
    issues: &mut Vec<ConditionIssue>,
) -> (bool, Operator) {
    let texts = entry.values.iter().map(|value| value.as_text());
    let mut bad = |value: &str| {
        issues.push(ConditionIssue::BadValue {
            operator: base.to_string(),
            value: value.to_string(),
        });
    };
    let operator = match spec.family {
        Family::String { ignore_case, like } => Operator::String {
            ignore_case,
            values: texts
                .map(|text| Matcher::compile(&text, like, ignore_case, variables))
                .collect(),
        },
        Family::Numeric(comparison) => Operator::Numeric {
            comparison,
            values: texts
                .filter_map(|text| parse_number(&text).or_else(|| (bad(&text), None).1))
                .collect(),
        },
        Family::Date(comparison) => Operator::Date {
            comparison,
            values: texts
                .filter_map(|text| parse_epoch_millis(&text).or_else(|| (bad(&text), None).1))
                .collect(),
        },
        Family::Bool | Family::Null => {
            let values = texts
                .filter_map(|text| parse_bool(&text).or_else(|| (bad(&text), None).1))
                .collect();
            if matches!(spec.family, Family::Bool) {
                Operator::Bool { values }
            } else {
                Operator::Null { values }
            }
        }
        Family::Binary => Operator::Binary {
            values: texts.map(|text| text.into()).collect(),
        },
        Family::Ip => Operator::Ip {
            values: texts
                .filter_map(|text| parse_ip_net(&text).or_else(|| (bad(&text), None).1))
                .collect(),
        },
        Family::Arn => Operator::Arn {
            values: texts
                .map(|text| compile_arn_value(&text, variables))
                .collect(),
        },
    };
    (spec.negated, operator)
}

fn compile_arn_value(text: &str, variables: bool) -> ArnValue {
    match Matcher::compile(text, true, false, variables) {
        Matcher::Static(whole) => match ArnRef::components(text) {
            Some(parts) => ArnValue::Components(Box::new(
                parts.map(|part| Pattern::compile(part, true, false)),
            )),
            None => ArnValue::Whole(whole),
        },
        template => ArnValue::Template(template),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A CIDR block, or a bare address as a one-address block.
fn parse_ip_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The request's `aws:SourceIp` may be written as an address or (rarely) a `/32` block.
fn parse_ip_addr(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<IpNet>().ok().map(|net| net.addr()))
}

/// Result of comparing one request value with all policy values of an entry.
enum ValueMatch {
    /// Some policy value matches.
    Match,
    /// No policy value matches.
    NoMatch,
    /// The request value is not of the operator's type: matches nothing.
    Invalid,
    /// A policy variable has no value: the whole condition does not match.
    MissingVariable,
}

impl CompiledEntry {
    fn matches(&self, context: &Context) -> bool {
        if let Operator::Null { values } = &self.operator {
            let absent = context.get_hashed(self.key_hash, &self.key).is_none();
            return values.contains(&absent);
        }
        let Some(request_values) = context.get_hashed(self.key_hash, &self.key) else {
            return self.if_exists
                || match self.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => self.negated,
                };
        };
        let missing_variable = std::cell::Cell::new(false);
        let per_value = |value: &str| -> bool {
            match self.compare(value, context) {
                ValueMatch::Match => !self.negated,
                ValueMatch::NoMatch => self.negated,
                ValueMatch::Invalid => false,
                ValueMatch::MissingVariable => {
                    missing_variable.set(true);
                    false
                }
            }
        };
        let result = match self.qualifier {
            Some(SetQualifier::ForAllValues) => request_values.iter().all(&per_value),
            Some(SetQualifier::ForAnyValue) => request_values.iter().any(&per_value),
            None if request_values.len() == 1 => request_values.iter().all(&per_value),
            None => {
                // Multi-valued key without qualifier: any request value against the positive
                // operator, negated as a whole.
                let mut any = false;
                for value in request_values.iter() {
                    match self.compare(value, context) {
                        ValueMatch::Match => any = true,
                        ValueMatch::MissingVariable => missing_variable.set(true),
                        ValueMatch::NoMatch | ValueMatch::Invalid => {}
                    }
                }
                if self.negated { !any } else { any }
            }
        };
        result && !missing_variable.get()
    }

    fn compare(&self, value: &str, context: &Context) -> ValueMatch {
        let found = |hit: bool| {
            if hit {
                ValueMatch::Match
            } else {
                ValueMatch::NoMatch
            }
        };
        match &self.operator {
            Operator::String {
                ignore_case,
                values,
            } => {
                let folded;
                let value = if *ignore_case && value.chars().any(char::is_uppercase) {
                    folded = value.to_lowercase();
                    folded.as_str()
                } else {
                    value
                };
                let mut any = false;
                for matcher in values.iter() {
                    match matcher.matches(value, context) {
                        Some(true) => any = true,
                        Some(false) => {}
                        None => return ValueMatch::MissingVariable,
                    }
                }
                found(any)
            }
            Operator::Numeric { comparison, values } => match parse_number(value) {
                Some(number) => found(
                    values
                        .iter()
                        .any(|policy| comparison.holds(number, *policy)),
                ),
                None => ValueMatch::Invalid,
            },
            Operator::Date { comparison, values } => match parse_epoch_millis(value) {
                Some(millis) => found(
                    values
                        .iter()
                        .any(|policy| comparison.holds(millis, *policy)),
                ),
                None => ValueMatch::Invalid,
            },
            Operator::Bool { values } => match parse_bool(value) {
                Some(flag) => found(values.contains(&flag)),
                None => ValueMatch::Invalid,
            },
            Operator::Binary { values } => found(values.iter().any(|policy| **policy == *value)),
            Operator::Ip { values } => match parse_ip_addr(value) {
                Some(addr) => found(values.iter().any(|net| net.contains(&addr))),
                None => ValueMatch::Invalid,
            },
            Operator::Arn { values } => compare_arn(values, value, context),
            Operator::Null { .. } | Operator::Unknown => ValueMatch::Invalid,
        }
    }
}

fn compare_arn(values: &[ArnValue], value: &str, context: &Context) -> ValueMatch {
    let Some(parts) = ArnRef::components(value).filter(|parts| parts[0] == "arn") else {
        return ValueMatch::Invalid;
    };
    let mut any = false;
    for policy in values {
        let hit = match policy {
            ArnValue::Components(patterns) => patterns
                .iter()
                .zip(parts.iter())
                .all(|(pattern, part)| pattern.matches(part)),
            ArnValue::Whole(pattern) => pattern.matches(value),
            ArnValue::Template(matcher) => match matcher.resolve(context) {
                Some(pattern) => pattern.matches(value),
                None => return ValueMatch::MissingVariable,
            },
        };
        any |= hit;
    }
    if any {
        ValueMatch::Match
    } else {
        ValueMatch::NoMatch
    }
}
