//! WL406: a private, loopback or shared (carrier-grade NAT) range in `aws:SourceIp`.

use std::net::IpAddr;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `aws:SourceIp` values that lie inside a range no request to a public AWS endpoint
/// comes from: RFC 1918 private ranges (`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`),
/// shared address space (`100.64.0.0/10`), loopback, link-local, and IPv6 unique-local
/// (`fc00::/7`) and link-local (`fe80::/10`) ranges. Access Analyzer reports these as errors
/// ("Private IP address", "Private NAT address"). A range that merely contains a private
/// range (`0.0.0.0/0`) is not flagged.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
///
/// ## Why is this bad?
/// `aws:SourceIp` holds the public address a request comes from; requests through a VPC
/// endpoint carry no `aws:SourceIp` at all. An `Allow` on a private range therefore matches
/// nothing, and a `Deny` unless `NotIpAddress` a private range denies everyone, the VPC
/// included.
///
/// ## Example
/// ```json
/// {"Sid": "OfficeOnly", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"IpAddress": {"aws:SourceIp": "10.20.0.0/16"}}}
/// ```
///
/// ## Fix
/// For traffic from a VPC use `aws:VpcSourceIp` together with `aws:SourceVpc` (or
/// `aws:SourceVpce`); for traffic from the internet, name the public egress addresses.
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
            for (_, entry) in super::condition_entries(statement) {
                if !entry.key.eq_ignore_ascii_case("aws:SourceIp") {
                    continue;
                }
                let Some((value, range)) = entry.values.iter().find_map(|value| {
                    let text = value.as_text();
                    private_range(&text).map(|range| (text.into_owned(), range))
                }) else {
                    continue;
                };
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} tests `aws:SourceIp` against `{value}`, inside {range}: requests to AWS never carry such a source address; use `aws:VpcSourceIp` with `aws:SourceVpc`",
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

/// The reserved range (as text) that the address or CIDR `value` lies in entirely.
fn private_range(value: &str) -> Option<&'static str> {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
        None => (value, None),
    };
    match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let prefix = prefix.unwrap_or(32);
            [
                (0x0A00_0000, 8, "10.0.0.0/8"),
                (0xAC10_0000, 12, "172.16.0.0/12"),
                (0xC0A8_0000, 16, "192.168.0.0/16"),
                (0x6440_0000, 10, "100.64.0.0/10 (shared address space)"),
                (0x7F00_0000, 8, "127.0.0.0/8 (loopback)"),
                (0xA9FE_0000, 16, "169.254.0.0/16 (link-local)"),
            ]
            .into_iter()
            .find(|(network, length, _)| {
                prefix >= *length
                    && bits >> (32 - u32::from(*length)) == network >> (32 - u32::from(*length))
            })
            .map(|(_, _, name)| name)
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let prefix = prefix.unwrap_or(128);
            [
                (0xFC00_u128 << 112, 7, "fc00::/7 (unique local)"),
                (0xFE80_u128 << 112, 10, "fe80::/10 (link-local)"),
                (1_u128, 128, "::1 (loopback)"),
            ]
            .into_iter()
            .find(|(network, length, _)| {
                prefix >= *length
                    && bits.checked_shr(128 - u32::from(*length)).unwrap_or(0)
                        == network.checked_shr(128 - u32::from(*length)).unwrap_or(0)
            })
            .map(|(_, _, name)| name)
        }
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
}
