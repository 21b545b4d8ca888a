//! WL414: an IP range with bits set after its mask (`203.0.113.5/24`).

use std::net::IpAddr;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `IpAddress` and `NotIpAddress` values in CIDR notation whose address has bits set
/// after the prefix length: `203.0.113.5/24`, `2001:db8::1/64`. Access Analyzer reports this
/// as the suggestion "Improve IP range": the non-zero bits after the masked bits are ignored.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
///
/// ## Why is this bad?
/// IAM reads `203.0.113.5/24` as `203.0.113.0/24`: the whole block, 256 addresses. Usually one
/// address was meant (`/32`) and the statement allows — or, under `NotIpAddress`, exempts — a
/// whole network; either way the value does not say what it does.
///
/// ## Example
/// ```json
/// {"Sid": "Office", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}}
/// ```
///
/// ## Fix
/// Write the block as IAM reads it (`203.0.113.0/24`), or the one address meant
/// (`203.0.113.5/32`).
pub struct ConditionIpHostBits;

static META: RuleMeta = RuleMeta {
    id: "WL414",
    name: "condition-ip-host-bits",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "ip range with bits set after its mask, which iam ignores",
};

impl Rule for ConditionIpHostBits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let base = operator.base.as_str();
                if !base.eq_ignore_ascii_case("IpAddress")
                    && !base.eq_ignore_ascii_case("NotIpAddress")
                {
                    continue;
                }
                for value in entry.values.iter() {
                    let text = value.as_text();
                    let Some(network) = masked(&text) else {
                        continue;
                    };
                    out.push(cx.key_finding(&META, index, entry, format!(
                                "{} `{base}` value `{text}` for `{}` has bits set after the mask, which IAM ignores: it is `{network}`; write that, or the one address with a full mask",
                                cx.statement_label(index),
                                entry.key
                            )));
                }
            }
        }
    }
}

/// The network `value` stands for (`203.0.113.0/24`) when its address has bits set after the
/// prefix length; `None` for exact blocks, single addresses and what is no CIDR (WL402's).
fn masked(value: &str) -> Option<String> {
    let (address, length) = value.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let length: u8 = length.parse().ok()?;
    let network = match address {
        IpAddr::V4(v4) => {
            if length > 32 {
                return None;
            }
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(length)).unwrap_or(0);
            if bits & !mask == 0 {
                return None;
            }
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            if length > 128 {
                return None;
            }
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(length)).unwrap_or(0);
            if bits & !mask == 0 {
                return None;
            }
            IpAddr::V6((bits & mask).into())
        }
    };
    Some(format!("{network}/{length}"))
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn host_bits_after_the_mask() {
        assert_eq!(masked("203.0.113.5/24").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(masked("10.1.2.3/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(masked("1.2.3.4/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(masked("2001:db8::1/64").as_deref(), Some("2001:db8::/64"));
        for fine in [
            "203.0.113.0/24",
            "203.0.113.5/32",
            "203.0.113.5",
            "0.0.0.0/0",
            "::/0",
            "2001:db8::/32",
            "10.0.0.0/33",
            "office",
            "${aws:SourceIp}",
        ] {
            assert_eq!(masked(fine), None, "{fine}");
        }
    }
}
