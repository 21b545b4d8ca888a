//! Runs every rule over a subject in parallel and applies exceptions.

use rayon::prelude::*;

use crate::finding::{AppliedException, Finding, sort_findings};
use crate::registry;
use crate::rule::{DocumentCx, Env, ExceptionCx, RoleCx, Rule, SubjectCx};
use warden_policy::date::format_day;

use crate::subject::{Exception, PolicySubject, RoleSubject, Subject};

/// Lints everything in `subject`; findings covered by a live exception are kept but marked.
pub fn lint_subject(subject: &Subject, env: &Env<'_>) -> Vec<Finding> {
    let rules = registry::all();
    // Documents, roles and the whole-subject checks (escalation across policies, texts) are
    // independent: run them side by side, each rule's subject check as its own task.
    let cx = SubjectCx { env, subject };
    let (mut findings, subject_findings) = rayon::join(
        || {
            let mut findings = document_findings(subject, env, rules);
            findings.par_extend(subject.roles.par_iter().flat_map_iter(|role| {
                let cx = RoleCx { env, role };
                let mut out = Vec::new();
                for rule in rules {
                    rule.check_role(&cx, &mut out);
                }
                out
            }));
            findings
        },
        || {
            rules
                .par_iter()
                .flat_map_iter(|rule| {
                    let mut out = Vec::new();
                    rule.check_subject(&cx, &mut out);
                    out
                })
                .collect::<Vec<_>>()
        },
    );
    findings.extend(subject_findings);
    let exception_cx = ExceptionCx {
        env,
        exceptions: &subject.exceptions,
        findings: &findings,
    };
    let mut exception_findings = Vec::new();
    for rule in rules {
        rule.check_exceptions(&exception_cx, &mut exception_findings);
    }
    apply_exceptions(&mut findings, &subject.exceptions, env.today);
    findings.extend(exception_findings);
    sort_findings(&mut findings);
    findings.dedup();
    findings
}

/// Every document with the role it belongs to (trust and inline policies), in parallel, each
/// distinct action pattern of them all resolved once before.
fn document_findings(
    subject: &Subject,
    env: &Env<'_>,
    rules: &[&'static dyn Rule],
) -> Vec<Finding> {
    let documents: Vec<(&PolicySubject, Option<&RoleSubject>)> = documents(subject).collect();
    let table = env.facts.resolve_all(
        &documents
            .iter()
            .map(|(policy, _)| &policy.document)
            .collect::<Vec<_>>(),
    );
    // Small jobs: rayon splits a list into a few large pieces and, once a piece runs, an idle
    // core finds nothing left to steal; a few documents per job keep both cores busy to the end.
    documents
        .par_iter()
        .with_max_len(8)
        .enumerate()
        .flat_map_iter(|(number, (policy, role))| {
            let resolved = table.document(number);
            let cx = DocumentCx::resolved(env, policy, *role, resolved);
            let mut out = Vec::new();
            for rule in rules {
                rule.check_document(&cx, &mut out);
            }
            // Sorted here, on every core: documents come in file order, so the final (stable)
            // sort of all findings mostly finds runs already in order. The result is the same,
            // equal findings keeping their order.
            sort_findings(&mut out);
            out
        })
        .collect()
}

/// Every document with the role it belongs to: standalone policies, then each role's trust
/// and inline policies.
fn documents(subject: &Subject) -> impl Iterator<Item = (&PolicySubject, Option<&RoleSubject>)> {
    subject
        .policies
        .iter()
        .map(|policy| (policy, None))
        .chain(subject.roles.iter().flat_map(|role| {
            role.trust
                .iter()
                .chain(&role.inline)
                .map(move |policy| (policy, Some(role)))
        }))
}

/// The rule an exception names, by id (`WL301`) or name (`resource-star`).
pub(crate) fn rule_named(rule: &str) -> Option<&'static crate::rule::RuleMeta> {
    registry::by_id(rule)
        .or_else(|| registry::metas().find(|meta| meta.name.eq_ignore_ascii_case(rule)))
}

/// Is `exception` live on `today` (the expiry day itself still counts)?
pub(crate) fn is_live(exception: &Exception, today: time::Date) -> bool {
    exception.expires >= today
}

/// Does `exception` cover `finding`: same rule, same Sid (any Sid when it names none), same
/// principal when it names one? An exception naming neither covers nothing.
pub(crate) fn covers(exception: &Exception, finding: &Finding) -> bool {
    if exception.sid.is_none() && exception.principal.is_none() {
        return false;
    }
    rule_named(&exception.rule).is_some_and(|meta| meta.id == finding.rule)
        && exception
            .sid
            .as_ref()
            .is_none_or(|sid| finding.sid.as_ref() == Some(sid))
        && exception
            .principal
            .as_ref()
            .is_none_or(|principal| finding.principal.as_ref() == Some(principal))
}

fn apply_exceptions(findings: &mut [Finding], exceptions: &[Exception], today: time::Date) {
    for finding in findings.iter_mut() {
        let live = exceptions
            .iter()
            .find(|exception| is_live(exception, today) && covers(exception, finding));
        if let Some(exception) = live {
            finding.excepted = Some(AppliedException {
                reason: exception.reason.clone(),
                owner: exception.owner.clone(),
                expires: format_day(exception.expires),
            });
        }
    }
}
