//! WL406: a private, loopback or shared (carrier-grade NAT) range in `aws:SourceIp`, or a
//! source range wider than the private block it contains.

use std::net::IpAddr;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `aws:SourceIp` values that lie inside a range no request to a public AWS endpoint
/// comes from: RFC 1918 private ranges (`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`),
/// shared address space (`100.64.0.0/10`), loopback, link-local, and IPv6 unique-local
/// (`fc00::/7`) and link-local (`fe80::/10`) ranges. Access Analyzer reports these as errors
/// ("Private IP address", "Private NAT address").
///
/// As a warning, it also flags a range of `aws:SourceIp` or `aws:VpcSourceIp` that is wider
/// than a private, shared or unique-local block it contains and reaches beyond it into public
/// addresses: `10.0.0.0/7` (10.0.0.0/8 and 11.0.0.0/8), `172.16.0.0/11`, `0.0.0.0/1`. Such a
/// prefix is usually a typo for the private block. `0.0.0.0/0` and `::/0` mean "anywhere"
/// and are not flagged. Access Analyzer's nearest check is the suggestion "Private IP address
/// subset" (private and public values mixed).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
///
/// ## Why is this bad?
/// `aws:SourceIp` holds the public address a request comes from; requests through a VPC
/// endpoint carry no `aws:SourceIp` at all. An `Allow` on a private range therefore matches
/// nothing, and a `Deny` unless `NotIpAddress` a private range denies everyone, the VPC
/// included. A range wider than the private block it contains grants (or exempts from a
/// deny) public addresses nobody listed: `10.0.0.0/7` admits the whole of 11.0.0.0/8. It is a
/// warning, not an error, because the public part may be meant.
///
/// ## Example
/// ```json
/// {"Sid": "OfficeOnly", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"IpAddress": {"aws:SourceIp": "10.20.0.0/16"}}}
/// ```
///
/// ## Fix
/// For traffic from a VPC use `aws:VpcSourceIp` together with `aws:SourceVpc` (or
/// `aws:SourceVpce`); for traffic from the internet, name the public egress addresses. For a
/// range wider than its private block, write the block's own prefix (`10.0.0.0/8`).
pub struct SourceIpPrivate;

static META: RuleMeta = RuleMeta {
    id: "WL406",
    name: "source-ip-private",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "private or shared address range in `aws:sourceip`, which never holds one",
};

impl Rule for SourceIpPrivate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement.condition.is_none() {
                continue;
            }
            for (_, entry) in super::condition_entries(statement) {
                let source = entry.key.eq_ignore_ascii_case("aws:SourceIp");
                if !source && !entry.key.eq_ignore_ascii_case("aws:VpcSourceIp") {
                    continue;
                }
                let inside = || {
                    entry.values.iter().find_map(|value| {
                        let text = value.as_text();
                        private_range(&text).map(|range| (text.into_owned(), range))
                    })
                };
                let wider = || {
                    entry.values.iter().find_map(|value| {
                        let text = value.as_text();
                        contained_private_range(&text).map(|range| (text.into_owned(), range))
                    })
                };
                let key = &entry.key;
                let label = cx.statement_label(index);
                let mut finding = if let Some((value, range)) = source.then(inside).flatten() {
                    cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{label} tests `aws:SourceIp` against `{value}`, inside {range}: requests to AWS never carry such a source address; use `aws:VpcSourceIp` with `aws:SourceVpc`"
                        ),
                    )
                } else if let Some((value, range)) = wider() {
                    let why = if source {
                        "its private part never matches `aws:SourceIp`, and the rest admits public addresses"
                    } else {
                        "it admits addresses outside the private block as well"
                    };
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{label} tests `{key}` against `{value}`, wider than {range} which it contains: {why}; check the prefix length"
                        ),
                    );
                    finding.severity = Severity::Warning;
                    finding
                } else {
                    continue;
                };
                if entry.span.line > 0 {
                    finding.line = entry.span.line;
                    finding.column = entry.span.column;
                }
                out.push(finding);
            }
        }
    }
}

/// Reserved IPv4 blocks: network, prefix length, name.
const V4_BLOCKS: [(u32, u8, &str); 6] = [
    (0x0A00_0000, 8, "10.0.0.0/8"),
    (0xAC10_0000, 12, "172.16.0.0/12"),
    (0xC0A8_0000, 16, "192.168.0.0/16"),
    (0x6440_0000, 10, "100.64.0.0/10 (shared address space)"),
    (0x7F00_0000, 8, "127.0.0.0/8 (loopback)"),
    (0xA9FE_0000, 16, "169.254.0.0/16 (link-local)"),
];

/// Reserved IPv6 blocks: network, prefix length, name.
const V6_BLOCKS: [(u128, u8, &str); 3] = [
    (0xFC00_u128 << 112, 7, "fc00::/7 (unique local)"),
    (0xFE80_u128 << 112, 10, "fe80::/10 (link-local)"),
    (1_u128, 128, "::1 (loopback)"),
];

/// The address or CIDR `value` as (network bits, prefix length) of either family.
enum Range {
    V4(u32, u8),
    V6(u128, u8),
}

fn parse_range(value: &str) -> Option<Range> {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
        None => (value, None),
    };
    Some(match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Range::V4(u32::from(v4), prefix.unwrap_or(32).min(32)),
        IpAddr::V6(v6) => Range::V6(u128::from(v6), prefix.unwrap_or(128).min(128)),
    })
}

/// Do the first `length` bits of `a` and `b` agree?
fn same_v4(a: u32, b: u32, length: u8) -> bool {
    a.checked_shr(32 - u32::from(length)).unwrap_or(0)
        == b.checked_shr(32 - u32::from(length)).unwrap_or(0)
}

fn same_v6(a: u128, b: u128, length: u8) -> bool {
    a.checked_shr(128 - u32::from(length)).unwrap_or(0)
        == b.checked_shr(128 - u32::from(length)).unwrap_or(0)
}

/// The reserved range (as text) that the address or CIDR `value` lies in entirely.
fn private_range(value: &str) -> Option<&'static str> {
    match parse_range(value)? {
        Range::V4(bits, prefix) => V4_BLOCKS
            .iter()
            .find(|(network, length, _)| prefix >= *length && same_v4(bits, *network, *length))
            .map(|(_, _, name)| *name),
        Range::V6(bits, prefix) => V6_BLOCKS
            .iter()
            .find(|(network, length, _)| prefix >= *length && same_v6(bits, *network, *length))
            .map(|(_, _, name)| *name),
    }
}

/// The private, shared or unique-local block that the CIDR `value` strictly contains, reaching
/// beyond it (`10.0.0.0/7` contains `10.0.0.0/8`). `/0` (every address) is meant as "anywhere"
/// and not reported; loopback and link-local blocks are not named here (a range wide enough to
/// hold them holds a private block or is `/0`).
fn contained_private_range(value: &str) -> Option<&'static str> {
    match parse_range(value)? {
        Range::V4(bits, prefix) => V4_BLOCKS[..4]
            .iter()
            .find(|(network, length, _)| {
                prefix > 0 && prefix < *length && same_v4(bits, *network, prefix)
            })
            .map(|(_, _, name)| *name),
        Range::V6(bits, prefix) => V6_BLOCKS[..1]
            .iter()
            .find(|(network, length, _)| {
                prefix > 0 && prefix < *length && same_v6(bits, *network, prefix)
            })
            .map(|(_, _, name)| *name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_inside_reserved_blocks_only() {
        assert_eq!(private_range("10.20.0.0/16"), Some("10.0.0.0/8"));
        assert_eq!(private_range("172.31.5.4"), Some("172.16.0.0/12"));
        assert!(private_range("100.64.1.0/24").is_some());
        assert!(private_range("fd00::/8").is_some());
        assert!(private_range("::1").is_some());
        assert_eq!(private_range("0.0.0.0/0"), None, "contains, not inside");
        assert_eq!(private_range("172.32.0.1"), None);
        assert_eq!(private_range("203.0.113.0/24"), None);
        assert_eq!(private_range("2001:db8::/32"), None);
        assert_eq!(private_range("not an address"), None);
    }

    #[test]
    fn ranges_wider_than_a_private_block() {
        assert_eq!(contained_private_range("10.0.0.0/7"), Some("10.0.0.0/8"));
        assert_eq!(contained_private_range("0.0.0.0/1"), Some("10.0.0.0/8"));
        assert_eq!(
            contained_private_range("172.16.0.0/11"),
            Some("172.16.0.0/12")
        );
        assert_eq!(
            contained_private_range("192.168.0.0/15"),
            Some("192.168.0.0/16")
        );
        assert_eq!(
            contained_private_range("fc00::/6"),
            Some("fc00::/7 (unique local)")
        );
        assert_eq!(
            contained_private_range("0.0.0.0/0"),
            None,
            "anywhere is meant"
        );
        assert_eq!(contained_private_range("::/0"), None);
        assert_eq!(
            contained_private_range("10.0.0.0/8"),
            None,
            "equal, not wider"
        );
        assert_eq!(contained_private_range("10.1.0.0/16"), None, "inside");
        assert_eq!(
            contained_private_range("128.0.0.0/1"),
            Some("172.16.0.0/12")
        );
        assert_eq!(contained_private_range("203.0.113.0/24"), None);
        assert_eq!(
            contained_private_range("12.0.0.0/6"),
            None,
            "8.0.0.0-11.255.255.255 holds 10/8, but 12.0.0.0/6 is 12-15"
        );
    }
}
