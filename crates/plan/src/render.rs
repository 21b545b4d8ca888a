//! Renders a plan for people (a table per account with a summary line, and for policy updates
//! the actions and resources gained and lost) and for machines (JSON).

use std::fmt::Write as _;

use crate::account::AccountPlan;
use crate::change::{Change, Conflict, DocumentDelta};
use crate::saved::{Plan, Summary};
use crate::scp::ScpPlan;

/// Whether unmanaged roles and policies are listed under each account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    pub show_unmanaged: bool,
}

/// The whole plan as text tables.
pub fn render_table(plan: &Plan, options: RenderOptions) -> String {
    let mut out = String::new();
    let commit = plan
        .commit
        .as_deref()
        .map(short)
        .unwrap_or("(not a git checkout)");
    let dirty = if plan.dirty {
        " (uncommitted changes)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "Plan at commit {commit}{dirty}, definitions {}, {} account(s) read",
        short(&plan.definitions_digest),
        plan.accounts.len()
    );
    for account in &plan.accounts {
        out.push('\n');
        render_account(&mut out, account, options);
    }
    if let Some(organization) = &plan.organization {
        out.push('\n');
        render_organization(&mut out, organization, options);
    }
    for unreadable in &plan.unreadable {
        let _ = writeln!(
            out,
            "\nAccount {} ({}): not read: {}",
            unreadable.account_id, unreadable.account_name, unreadable.reason
        );
    }
    let total = plan.summary();
    let _ = writeln!(
        out,
        "\n{}",
        summary_line("Total", total, plan.unreadable.len())
    );
    out
}

fn short(text: &str) -> &str {
    text.get(..12).unwrap_or(text)
}

fn render_account(out: &mut String, account: &AccountPlan, options: RenderOptions) {
    let _ = writeln!(
        out,
        "Account {} ({})",
        account.account_id, account.account_name
    );
    render_rows(out, &account.changes, &account.conflicts);
    if options.show_unmanaged {
        for item in &account.unmanaged {
            let _ = writeln!(
                out,
                "    {:<15} {} (unmanaged, not changed)",
                item.kind, item.name
            );
        }
    }
    let _ = writeln!(out, "  {}", summary_line("Plan", account.summary(), 0));
}

fn render_organization(out: &mut String, plan: &ScpPlan, options: RenderOptions) {
    let _ = writeln!(out, "Organization (service control policies)");
    render_rows(out, &plan.changes, &plan.conflicts);
    if options.show_unmanaged {
        for item in &plan.unmanaged {
            let _ = writeln!(
                out,
                "    {:<15} {} (unmanaged, not changed)",
                item.kind, item.name
            );
        }
    }
    let _ = writeln!(out, "  {}", summary_line("Plan", plan.summary(), 0));
}

fn render_rows(out: &mut String, changes: &[Change], conflicts: &[Conflict]) {
    if changes.is_empty() && conflicts.is_empty() {
        let _ = writeln!(out, "  no changes");
        return;
    }
    for change in changes {
        let _ = writeln!(
            out,
            "  {} {:<15} {}{}",
            change.action().symbol(),
            change.object_kind(),
            change.subject(),
            detail(change)
        );
        if let Some(delta) = change.delta() {
            render_delta(out, delta);
        }
    }
    for conflict in conflicts {
        let _ = writeln!(
            out,
            "  ! {:<15} {}: {}",
            conflict.kind, conflict.name, conflict.reason
        );
    }
}

/// A short note after the subject for changes whose table row would otherwise hide a detail.
fn detail(change: &Change) -> String {
    match change {
        Change::CreateRole {
            boundary_arn,
            tags,
            max_session_duration,
            ..
        } => {
            let boundary = boundary_arn
                .as_deref()
                .map(|arn| format!("boundary {}", crate::change::policy_name_from_arn(arn)))
                .unwrap_or_else(|| "no boundary".to_string());
            format!(
                " ({boundary}, {} tag(s), max session {max_session_duration} s)",
                tags.len()
            )
        }
        Change::UpdateRole {
            description,
            max_session_duration,
            ..
        } => {
            format!(" (description `{description}`, max session {max_session_duration} s)")
        }
        Change::TagRole { tags, .. } => {
            let list: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(" (set {})", list.join(", "))
        }
        Change::UntagRole { keys, .. } => format!(" (remove {})", keys.join(", ")),
        Change::CreatePolicyVersion {
            prune_version: Some(version),
            ..
        } => {
            format!(" (new default version; prunes {version})")
        }
        Change::CreatePolicyVersion { .. } => " (new default version)".to_string(),
        Change::DeletePolicy {
            non_default_versions,
            ..
        } if !non_default_versions.is_empty() => {
            format!(" (and {} old version(s))", non_default_versions.len())
        }
        _ => String::new(),
    }
}

fn render_delta(out: &mut String, delta: &DocumentDelta) {
    let lines = [
        ("actions gained", &delta.actions_gained),
        ("actions lost", &delta.actions_lost),
        ("resources gained", &delta.resources_gained),
        ("resources lost", &delta.resources_lost),
    ];
    let mut any = false;
    for (label, items) in lines {
        if !items.is_empty() {
            any = true;
            let _ = writeln!(out, "        {label}: {}", items.join(", "));
        }
    }
    // Already `label: items` (principals, conditions, deny statements).
    for line in &delta.other {
        any = true;
        let _ = writeln!(out, "        {line}");
    }
    if !any {
        let _ = writeln!(
            out,
            "        no change in actions, resources, principals or conditions (version, id or description only)"
        );
    }
}

/// e.g. `Plan: 3 to create, 1 to update, 0 to delete, 1 conflict(s)`.
pub fn summary_line(label: &str, summary: Summary, unreadable: usize) -> String {
    let mut line = format!(
        "{label}: {} to create, {} to update, {} to delete, {} conflict(s)",
        summary.create, summary.update, summary.delete, summary.conflict
    );
    if unreadable > 0 {
        let _ = write!(line, ", {unreadable} account(s) not read");
    }
    line
}

/// The plan for machines: the saved plan format itself.
pub fn render_json(plan: &Plan) -> String {
    plan.to_json()
}
