//! WL703: a resource ARN or `aws:RequestedRegion` value outside the allowed regions.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags resource ARNs whose region field names a region not in `warden.yaml`
/// `allowed_regions`, and `aws:RequestedRegion` condition values outside that list (wildcard
/// values are left alone). Does nothing when no regions are configured.
///
/// ## Why is this bad?
/// The organization runs in a fixed set of regions (data residency, monitoring coverage). A
/// grant in another region is either a mistake or a workload nobody watches.
///
/// ## Example
/// ```json
/// {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:SendMessage",
///  "Resource": "arn:aws:sqs:ap-southeast-2:111122223333:orders"}
/// ```
///
/// ## Fix
/// Use an allowed region, or add the region to `allowed_regions` after review.
pub struct RegionNotAllowed;

static META: RuleMeta = RuleMeta {
    id: "WL703",
    name: "region-not-allowed",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "resource or requested region outside the allowed regions",
};

impl Rule for RegionNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let config = cx.env.config;
        if config.allowed_regions.is_empty() {
            return;
        }
        for (index, statement) in cx.statements() {
            for resource in super::resources(statement) {
                let Some(region) = resource.split(':').nth(3) else {
                    continue;
                };
                if region.is_empty()
                    || region.contains(['*', '?', '$'])
                    || config.region_allowed(region)
                {
                    continue;
                }
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!("`{resource}` is in region `{region}`, which is not allowed"),
                ));
            }
            for (_, entry) in super::condition_entries(statement) {
                if !entry.key.eq_ignore_ascii_case("aws:RequestedRegion") {
                    continue;
                }
                for value in entry.values.iter() {
                    let region = value.as_text();
                    if region.contains(['*', '?', '$']) || config.region_allowed(&region) {
                        continue;
                    }
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!("`aws:RequestedRegion` names `{region}`, which is not allowed"),
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
