//! The access diff as a table (terminal), Markdown (a pull-request comment) and JSON. Table and
//! Markdown group roles whose change is the same in several accounts, and shorten long action
//! lists; the JSON lists every change in full.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diff::{AccessDiff, AccountChange, PrincipalChange, ScopeChange};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

/// GitHub refuses comments over 65,536 characters; the rest stays below that with room for a
/// header the workflow adds.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Actions listed per line before "… and N more".
const SHOWN: usize = 12;

pub fn render(diff: &AccessDiff, format: Format) -> String {
    match format {
        Format::Json => json(diff),
        Format::Table => table(diff),
        Format::Markdown => markdown(diff),
    }
}

fn json(diff: &AccessDiff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_default();
    text.push('\n');
    text
}

/// One change shared by several accounts.
struct Group<'a> {
    change: &'a PrincipalChange,
    accounts: Vec<String>,
}

fn groups(diff: &AccessDiff) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for change in &diff.changes {
        let mut key = change.clone();
        key.account_id.clear();
        key.account_name.clear();
        key.principal.clear();
        let key = serde_json::to_string(&key).unwrap_or_default();
        let account = account_label(&change.account_name, &change.account_id);
        match index.get(&key) {
            Some(&at) => groups[at].accounts.push(account),
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    change,
                    accounts: vec![account],
                });
            }
        }
    }
    groups
}

fn account_label(name: &str, id: &str) -> String {
    if name.is_empty() {
        id.to_string()
    } else {
        format!("{name} ({id})")
    }
}

fn headline(diff: &AccessDiff) -> String {
    let verdict = if diff.summary.grants_new_access {
        "grants new access"
    } else {
        "no new access"
    };
    let accounts_changed = {
        let mut ids: Vec<&str> = diff.changes.iter().map(|c| c.account_id.as_str()).collect();
        ids.extend(diff.accounts.iter().map(|a| a.account_id.as_str()));
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    format!(
        "{verdict}: {} of {} role(s) changed, in {} of {} account(s)",
        diff.summary.roles_changed,
        diff.summary.roles_compared,
        accounts_changed,
        diff.summary.accounts
    )
}

/// `a, b, c … and N more`, each item formatted by `item`.
fn list(items: &[String], item: impl Fn(&str) -> String) -> String {
    let mut shown: Vec<String> = items.iter().take(SHOWN).map(|i| item(i)).collect();
    if items.len() > SHOWN {
        shown.push(format!("… and {} more", items.len() - SHOWN));
    }
    shown.join(", ")
}

fn plain(text: &str) -> String {
    text.to_string()
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

fn accounts_text(accounts: &[String], limit: usize) -> String {
    let mut shown: Vec<String> = accounts.iter().take(limit).cloned().collect();
    if accounts.len() > limit {
        shown.push(format!("and {} more", accounts.len() - limit));
    }
    shown.join(", ")
}

/// The lines describing one change, each `(sign, label, text)`.
fn lines(change: &PrincipalChange, item: &dyn Fn(&str) -> String) -> Vec<(char, String)> {
    let mut out = Vec::new();
    let mut push = |sign: char, label: &str, items: &[String]| {
        if !items.is_empty() {
            out.push((
                sign,
                format!("{label} ({}): {}", items.len(), list(items, item)),
            ));
        }
    };
    push('+', "gained", &change.gained);
    push('-', "lost", &change.lost);
    push('+', "trust gained", &change.trust_gained);
    push('-', "trust lost", &change.trust_lost);
    push('+', "attached, not expanded", &change.policies_attached);
    push('-', "detached, not expanded", &change.policies_detached);
    push('+', "unknown actions allowed", &change.unknown_gained);
    let withheld: Vec<String> = change
        .withheld
        .iter()
        .map(|w| format!("{} ({})", w.action, w.by))
        .collect();
    if !withheld.is_empty() {
        out.push((
            '=',
            format!(
                "allowed but withheld ({}): {}",
                withheld.len(),
                list(&withheld, plain)
            ),
        ));
    }
    for (sign, label, scopes) in [
        ('+', "scope widened", &change.scope_widened),
        ('-', "scope narrowed", &change.scope_narrowed),
    ] {
        for scope in scopes {
            out.push((sign, format!("{label}: {}", scope_text(scope, item))));
        }
    }
    for trust in &change.trust_widened {
        out.push((
            '+',
            format!(
                "trust relaxed for {}: conditions removed {}",
                item(&trust.principal),
                list(&trust.conditions_removed, item)
            ),
        ));
    }
    if let Some(arn) = &change.boundary_added {
        out.push(('-', format!("boundary added: {}", item(arn))));
    }
    if let Some(arn) = &change.boundary_removed {
        out.push(('+', format!("boundary removed: {}", item(arn))));
    }
    out
}

fn scope_text(scope: &ScopeChange, item: &dyn Fn(&str) -> String) -> String {
    let mut text = list(&scope.actions, item);
    if !scope.resources.is_empty() {
        let _ = write!(text, " on {}", list(&scope.resources, item));
    }
    if !scope.conditions_removed.is_empty() {
        let _ = write!(text, " without {}", list(&scope.conditions_removed, item));
    }
    text
}

fn account_lines(account: &AccountChange, item: &dyn Fn(&str) -> String) -> Vec<(char, String)> {
    let mut out = Vec::new();
    for (sign, label, items) in [
        ('+', "denies lifted", &account.denies_lifted),
        ('-', "denies added", &account.denies_added),
        ('~', "SCPs attached", &account.scps_attached),
        ('~', "SCPs detached", &account.scps_detached),
        ('~', "SCPs changed", &account.scps_changed),
    ] {
        if !items.is_empty() {
            out.push((
                sign,
                format!("{label} ({}): {}", items.len(), list(items, item)),
            ));
        }
    }
    out
}

fn table(diff: &AccessDiff) -> String {
    let mut out = format!("access diff: {}\n", headline(diff));
    for group in groups(diff) {
        let change = group.change;
        let _ = writeln!(
            out,
            "\n{} ({}) in {}",
            change.role,
            change.status,
            accounts_text(&group.accounts, 5)
        );
        let _ = writeln!(out, "  because: {}", change.causes.join(", "));
        for (sign, line) in lines(change, &plain) {
            let _ = writeln!(out, "  {sign} {line}");
        }
    }
    for account in &diff.accounts {
        let _ = writeln!(
            out,
            "\nSCPs in force in {} (every principal of the account)",
            account_label(&account.account_name, &account.account_id)
        );
        for (sign, line) in account_lines(account, &plain) {
            let _ = writeln!(out, "  {sign} {line}");
        }
    }
    out
}

fn markdown(diff: &AccessDiff) -> String {
    let icon = if diff.summary.grants_new_access {
        ":warning:"
    } else {
        ":white_check_mark:"
    };
    let mut out = format!("### {icon} Access diff: {}\n\n", headline(diff));
    let groups = groups(diff);
    if groups.is_empty() && diff.accounts.is_empty() {
        out.push_str("No principal gains or loses access.\n");
        return out;
    }
    if !groups.is_empty() {
        out.push_str("| Role | Change | Accounts | Gained | Lost | Trust gained | Because |\n");
        out.push_str("|---|---|---|---:|---:|---|---|\n");
    }
    let mut details = String::new();
    let mut omitted = 0;
    for group in &groups {
        let change = group.change;
        let row = format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            change.role,
            change.status,
            group.accounts.len(),
            change.gained.len(),
            change.lost.len(),
            list(&change.trust_gained, code),
            change.causes.join(", ").replace('|', "\\|"),
        );
        let mut block = format!(
            "<details><summary><code>{}</code> ({}) in {}</summary>\n\n",
            change.role,
            change.status,
            accounts_text(&group.accounts, 5)
        );
        for (sign, line) in lines(change, &code) {
            let _ = writeln!(block, "- {} {line}", sign_text(sign));
        }
        block.push_str("\n</details>\n");
        if out.len() + row.len() + details.len() + block.len() > MARKDOWN_LIMIT {
            omitted += 1;
            continue;
        }
        out.push_str(&row);
        details.push_str(&block);
    }
    for account in &diff.accounts {
        let mut block = format!(
            "<details><summary>SCPs in force in {} (every principal of the account)</summary>\n\n",
            account_label(&account.account_name, &account.account_id)
        );
        for (sign, line) in account_lines(account, &code) {
            let _ = writeln!(block, "- {} {line}", sign_text(sign));
        }
        block.push_str("\n</details>\n");
        if out.len() + details.len() + block.len() > MARKDOWN_LIMIT {
            omitted += 1;
            continue;
        }
        details.push_str(&block);
    }
    out.push('\n');
    out.push_str(&details);
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n{omitted} more change(s) not shown to fit a comment: run `cargo xtask access-diff --format json` for all of them."
        );
    }
    out
}

fn sign_text(sign: char) -> &'static str {
    match sign {
        '+' => "**+**",
        '-' => "**−**",
        '=' => "**=**",
        _ => "**~**",
    }
}
