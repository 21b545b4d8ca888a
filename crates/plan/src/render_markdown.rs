//! The plan as GitHub-flavoured Markdown for a pull-request comment: the verdict and totals
//! first, a table of accounts, then one collapsed `<details>` block per change (grouped across
//! accounts), cut with a note before GitHub's 65,536-character comment limit.

use std::fmt::Write as _;

use crate::render::{RenderOptions, summary_line, target_list};
use crate::review::{self, ACCOUNT_ID_PLACEHOLDER, Block, Detail, Tone};
use crate::saved::Plan;

/// GitHub refuses comments longer than 65,536 characters; bytes are never fewer than
/// characters, so counting bytes stays under it.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the truncation note and the closing lines.
const NOTE_ROOM: usize = 600;

/// Accounts listed in the overview table before the rest are summed up in one row.
const TABLE_ROWS: usize = 50;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text inside `<summary>` and list items: no markup from names.
fn plain(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plan as one Markdown comment, never longer than [`COMMENT_LIMIT`].
pub fn render_markdown(plan: &Plan, options: RenderOptions<'_>) -> String {
    let total = plan.summary();
    let mut out = String::new();
    let _ = writeln!(out, "## Warden plan\n");
    let verdict = if !plan.unreadable.is_empty() {
        format!(
            "**{} account(s) could not be read: this plan does not cover them.**",
            plan.unreadable.len()
        )
    } else if total.changes() == 0 && total.conflict == 0 {
        "**No changes.** Live IAM matches the definitions.".to_string()
    } else {
        format!("**{}**", summary_line("Plan", total, 0))
    };
    let _ = writeln!(out, "{verdict}\n");
    let commit = plan
        .commit
        .as_deref()
        .map_or("not a git checkout", |c| c.get(..12).unwrap_or(c));
    let _ = writeln!(
        out,
        "{} account(s) read; commit `{commit}`{}; definitions `{}`.\n",
        plan.accounts.len(),
        if plan.dirty {
            " (uncommitted changes)"
        } else {
            ""
        },
        plan.definitions_digest
            .get(..12)
            .unwrap_or(&plan.definitions_digest)
    );
    if !plan.unreadable.is_empty() {
        out.push_str("| Account not read | Reason |\n|---|---|\n");
        for unreadable in &plan.unreadable {
            let _ = writeln!(
                out,
                "| {} (`{}`) | {} |",
                cell(&unreadable.account_name),
                unreadable.account_id,
                cell(&unreadable.reason)
            );
        }
        out.push('\n');
    }
    accounts_table(&mut out, plan);
    scp_order(&mut out, plan);
    let blocks = review::blocks(plan, options.review());
    if blocks.is_empty() {
        return out;
    }
    out.push_str("### Changes\n\n");
    if blocks.iter().any(Block::uses_placeholder) {
        let _ = writeln!(
            out,
            "`{ACCOUNT_ID_PLACEHOLDER}` stands for each listed account's id.\n"
        );
    }
    for (shown, block) in blocks.iter().enumerate() {
        let text = block_markdown(block);
        if out.len() + text.len() + NOTE_ROOM > COMMENT_LIMIT {
            let _ = writeln!(
                out,
                "> **Truncated:** {} more change block(s) not shown (GitHub comments are limited to \
{COMMENT_LIMIT} characters). Run `cargo xtask plan` or read the saved plan for all of them.",
                blocks.len() - shown
            );
            break;
        }
        out.push_str(&text);
    }
    out
}

/// The SCP phases around the accounts' IAM changes, and any step whose place is unproven: a
/// reviewer approves the order as well as the changes.
fn scp_order(out: &mut String, plan: &Plan) {
    let Some(organization) = &plan.organization else {
        return;
    };
    if let Some(order) = crate::order::scp_apply_order(organization) {
        let _ = writeln!(out, "Service control policies, {}.\n", plain(&order));
    }
    for note in &organization.unproven {
        let _ = writeln!(out, "> **Unproven order:** {}\n", plain(note));
    }
}

fn accounts_table(out: &mut String, plan: &Plan) {
    let rows: Vec<_> = plan
        .accounts
        .iter()
        .filter(|a| !a.changes.is_empty() || !a.conflicts.is_empty())
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("| Account | Create | Update | Delete | Conflicts |\n|---|--:|--:|--:|--:|\n");
    for account in rows.iter().take(TABLE_ROWS) {
        let s = account.summary();
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {} | {} | {} |",
            cell(&account.account_name),
            account.account_id,
            s.create,
            s.update,
            s.delete,
            s.conflict
        );
    }
    if rows.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "| … and {} more account(s) with changes | | | | |",
            rows.len() - TABLE_ROWS
        );
    }
    if let Some(organization) = &plan.organization {
        let s = organization.summary();
        if s.changes() + s.conflict > 0 {
            let _ = writeln!(
                out,
                "| service control policies | {} | {} | {} | {} |",
                s.create, s.update, s.delete, s.conflict
            );
        }
    }
    out.push('\n');
}

fn block_markdown(block: &Block) -> String {
    let mut out = String::new();
    let count = block.targets.len();
    let place = if count == 1 {
        plain(&target_list(block))
    } else {
        format!("{count} accounts")
    };
    let _ = writeln!(
        out,
        "<details><summary><code>{}</code> — {place}</summary>\n",
        plain(&block.title())
    );
    if count > 1 {
        let _ = writeln!(out, "Accounts: {}\n", plain(&target_list(block)));
    }
    let mut documents = Vec::new();
    for detail in &block.details {
        match detail {
            Detail::Field { label, old, new } => {
                let _ = match old {
                    Some(old) => writeln!(out, "- {label}: `{old}` → `{new}`"),
                    None => writeln!(out, "- {label}: `{new}`"),
                };
            }
            Detail::Items { label, items, tone } => {
                let sign = match tone {
                    Tone::Gained => "➕ ",
                    Tone::Lost => "➖ ",
                    Tone::Plain => "",
                };
                let list: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
                let _ = writeln!(out, "- {sign}{label}: {}", list.join(", "));
            }
            Detail::Document { label, json } => documents.push((label, json)),
            Detail::Note(note) => {
                let _ = writeln!(out, "- {}", plain(note));
            }
        }
    }
    for (label, json) in documents {
        let _ = writeln!(out, "\n{label}:\n\n```json\n{json}\n```");
    }
    out.push_str("\n</details>\n\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use std::collections::BTreeMap;

    use super::*;
    use crate::account::AccountPlan;
    use crate::change::Change;
    use crate::live::{LiveAccount, LiveManagedPolicy, LiveRole};
    use crate::saved::PlanHeader;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:role/pipeline"},"Action":"sts:AssumeRole"}]}"#;
    const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;

    fn account(n: usize, changes: Vec<Change>) -> AccountPlan {
        AccountPlan {
            account_id: format!("{:012}", 100_000_000_000 + n),
            account_name: format!("workload-{n:02}"),
            fingerprint: String::new(),
            changes,
            phases: Vec::new(),
            objects: Default::default(),
            conflicts: Vec::new(),
            unmanaged: Vec::new(),
        }
    }

    fn create_role(account_id: &str) -> Vec<Change> {
        vec![
            Change::CreateRole {
                name: "app-reader".into(),
                path: "/apps/".into(),
                description: "Reads the app's artifacts.".into(),
                trust: TRUST.into(),
                boundary_arn: Some(format!(
                    "arn:aws:iam::{account_id}:policy/boundaries/app-boundary"
                )),
                tags: BTreeMap::from([("Project".into(), "app".into())]),
                max_session_duration: 3600,
            },
            Change::PutInlinePolicy {
                role: "app-reader".into(),
                policy_name: "artifacts".into(),
                document: READ.replace('*', &format!("arn:aws:s3:::artifacts-{account_id}/*")),
                delta: None,
            },
        ]
    }

    fn plan(accounts: Vec<AccountPlan>) -> Plan {
        let mut plan = Plan::new(PlanHeader {
            definitions_digest: "d".repeat(64),
            commit: Some("c".repeat(40)),
            ..PlanHeader::default()
        });
        plan.accounts = accounts;
        plan
    }

    /// Sixty accounts creating the same role: one block per object naming sixty accounts.
    fn sixty() -> Plan {
        plan(
            (0..60)
                .map(|n| {
                    let id = format!("{:012}", 100_000_000_000 + n);
                    account(n, create_role(&id))
                })
                .collect(),
        )
    }

    #[test]
    fn identical_changes_across_accounts_are_one_block() {
        let blocks = crate::review::blocks(&sixty(), Default::default());
        assert_eq!(blocks.len(), 2, "{blocks:#?}");
        assert!(blocks.iter().all(|b| b.targets.len() == 60));
        let table = crate::render::render_table(&sixty(), RenderOptions::default());
        assert!(table.contains("in 60 accounts: workload-00 (100000000000)"));
        assert!(table.contains("arn:aws:s3:::artifacts-${account_id}/*"));
        assert_eq!(table.matches("+ role").count(), 1);
    }

    #[test]
    fn the_scp_order_and_unproven_steps_are_in_the_comment() {
        use crate::order::Phase;
        let mut with_scps = sixty();
        with_scps.organization = Some(crate::scp::ScpPlan {
            fingerprint: String::new(),
            changes: vec![
                Change::DetachScp {
                    name: "deny-leave".into(),
                    policy_id: "p-1".into(),
                    target_id: "ou-prod".into(),
                },
                Change::AttachScp {
                    name: "deny-regions".into(),
                    policy_id: Some("p-2".into()),
                    target_id: "ou-prod".into(),
                },
            ],
            phases: vec![Phase::Narrow, Phase::Widen],
            unproven: vec![
                "`deny-leave` is detached from `ou-prod` first: <five SCPs> a target".into(),
            ],
            conflicts: Vec::new(),
            unmanaged: Vec::new(),
        });
        let markdown = render_markdown(&with_scps, RenderOptions::default());
        let order = markdown
            .lines()
            .find(|line| line.starts_with("Service control policies, apply order:"))
            .unwrap_or_else(|| panic!("no SCP order in:\n{markdown}"));
        assert!(
            order.contains("2 narrow (1), then the accounts' IAM changes, then 5 widen (1)"),
            "{order}"
        );
        assert!(
            markdown.contains("> **Unproven order:** `deny-leave` is detached from `ou-prod` first: &lt;five SCPs&gt; a target"),
            "{markdown}"
        );
        // Before the change blocks: a truncated comment still shows the order.
        assert!(markdown.find("apply order").unwrap() < markdown.find("### Changes").unwrap());
        assert!(!render_markdown(&sixty(), RenderOptions::default()).contains("apply order"));
    }

    #[test]
    fn markdown_for_a_pull_request() {
        let markdown = render_markdown(&sixty(), RenderOptions::default());
        assert!(markdown.len() < COMMENT_LIMIT);
        insta::assert_snapshot!(markdown);
    }

    #[test]
    fn updates_show_old_and_new_and_detaching_lists_what_is_lost() {
        let id = "100000000001";
        let arn = format!("arn:aws:iam::{id}:policy/read-all");
        let live = LiveAccount {
            account_id: id.into(),
            roles: vec![LiveRole {
                name: "app-reader".into(),
                description: Some("Old words.".into()),
                max_session_duration: Some(43_200),
                tags: BTreeMap::from([("Project".into(), "old".into())]),
                ..LiveRole::default()
            }],
            policies: vec![LiveManagedPolicy {
                name: "read-all".into(),
                arn: arn.clone(),
                document: READ.into(),
                ..LiveManagedPolicy::default()
            }],
            ..LiveAccount::default()
        };
        let plan = plan(vec![account(
            1,
            vec![
                Change::UpdateRole {
                    role: "app-reader".into(),
                    description: "Reads the app's artifacts.".into(),
                    max_session_duration: 3600,
                },
                Change::TagRole {
                    role: "app-reader".into(),
                    tags: BTreeMap::from([("Project".into(), "app".into())]),
                },
                Change::DetachPolicy {
                    role: "app-reader".into(),
                    arn,
                },
            ],
        )]);
        let lives = [live];
        let options = RenderOptions {
            live: Some(&lives),
            ..RenderOptions::default()
        };
        let table = crate::render::render_table(&plan, options);
        assert!(table.contains("max session: 43200 s → 3600 s"), "{table}");
        assert!(
            table.contains("actions lost: s3:GetObject, s3:ListBucket"),
            "{table}"
        );
        insta::assert_snapshot!("review_table", table);
        let colored = crate::render::render_table(
            &plan,
            RenderOptions {
                color: true,
                ..options
            },
        );
        assert!(colored.contains("\u{1b}[31m43200 s\u{1b}[0m"));
        assert!(!table.contains('\u{1b}'), "no colour unless asked");
        insta::assert_snapshot!("review_markdown", render_markdown(&plan, options));
    }

    #[test]
    fn a_plan_past_the_comment_limit_is_cut_with_a_note() {
        let accounts = (0..400)
            .map(|n| {
                let mut changes = create_role(&format!("{:012}", 100_000_000_000 + n));
                // A different description per account: nothing groups.
                if let Some(Change::CreateRole { description, .. }) = changes.first_mut() {
                    *description = format!("Role number {n}.");
                }
                account(n, changes)
            })
            .collect();
        let markdown = render_markdown(&plan(accounts), RenderOptions::default());
        assert!(markdown.len() <= COMMENT_LIMIT, "{}", markdown.len());
        assert!(markdown.contains("**Truncated:**"));
        assert!(
            markdown.starts_with("## Warden plan\n\n**Plan: 800 to create"),
            "{}",
            &markdown[..200]
        );
    }

    #[test]
    fn role_filter_keeps_the_role_and_its_policies() {
        let mut plan = sixty();
        plan.accounts[0].changes.push(Change::DeleteRole {
            role: "other".into(),
        });
        crate::review::retain_role(&mut plan, "APP-READER");
        assert!(plan.accounts.iter().all(|a| a.changes.len() == 2));
    }

    #[test]
    fn several_roles_keep_each_ones_changes_and_none_keeps_all() {
        let mut whole = sixty();
        whole.accounts[0].changes.push(Change::DeleteRole {
            role: "other".into(),
        });
        whole.accounts[0].changes.push(Change::DeleteRole {
            role: "third".into(),
        });
        let mut plan = whole.clone();
        crate::review::retain_roles(&mut plan, &[]);
        assert_eq!(plan, whole);
        crate::review::retain_roles(&mut plan, &["app-reader".into(), "OTHER".into()]);
        assert_eq!(plan.accounts[0].changes.len(), 3);
        assert!(plan.accounts[1..].iter().all(|a| a.changes.len() == 2));
        assert!(plan.organization.is_none());
    }
}
