//! Renders a plan for people: changes grouped by object (one block naming every account it
//! appears in), each with its details from [`crate::review`] (`old → new`, created objects in
//! full, what a document or attachment grants or takes away), then a line per account and the
//! total; optionally in colour. And for machines: JSON.

use std::fmt::Write as _;

use crate::live::LiveAccount;
use crate::review::{self, ACCOUNT_ID_PLACEHOLDER, Block, Detail, Mark, ReviewOptions, Tone};
use crate::saved::{Plan, Summary};

/// What to show and how.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// List unmanaged roles and policies too.
    pub show_unmanaged: bool,
    /// ANSI colours (the caller decides: a terminal, no `NO_COLOR`, no `--no-color`).
    pub color: bool,
    /// Live state of the planned accounts, for old values and detached policies' contents.
    pub live: Option<&'a [LiveAccount]>,
}

impl RenderOptions<'_> {
    pub(crate) fn review(&self) -> ReviewOptions<'_> {
        ReviewOptions {
            live: self.live,
            show_unmanaged: self.show_unmanaged,
        }
    }
}

/// ANSI styles, empty when colour is off.
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn mark(&self, mark: Mark, text: &str) -> String {
        let code = match mark {
            Mark::Create => "32",
            Mark::Update => "33",
            Mark::Delete => "31",
            Mark::Conflict => "1;35",
            Mark::Unmanaged => "2",
        };
        self.wrap(code, text)
    }

    fn tone(&self, tone: Tone, text: &str) -> String {
        match tone {
            Tone::Plain => text.to_string(),
            Tone::Gained => self.wrap("32", text),
            Tone::Lost => self.wrap("31", text),
        }
    }

    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
}

/// The whole plan as text.
pub fn render_table(plan: &Plan, options: RenderOptions<'_>) -> String {
    let paint = Paint { on: options.color };
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
    let blocks = review::blocks(plan, options.review());
    for block in &blocks {
        out.push('\n');
        render_block(&mut out, block, &paint);
    }
    if blocks.iter().any(Block::uses_placeholder) {
        let _ = writeln!(
            out,
            "\n{}",
            paint.dim(&format!(
                "{ACCOUNT_ID_PLACEHOLDER} stands for each listed account's id."
            ))
        );
    }
    out.push('\n');
    for account in &plan.accounts {
        let _ = writeln!(
            out,
            "Account {} ({}): {}",
            account.account_id,
            account.account_name,
            summary_line("Plan", account.summary(), 0)
        );
        if let Some(order) = crate::order::apply_order(account) {
            let _ = writeln!(out, "  {}", paint.dim(&order));
        }
    }
    if let Some(organization) = &plan.organization {
        let _ = writeln!(
            out,
            "Organization (service control policies): {}",
            summary_line("Plan", organization.summary(), 0)
        );
        if let Some(order) = crate::order::scp_apply_order(organization) {
            let _ = writeln!(out, "  {}", paint.dim(&order));
        }
        for note in &organization.unproven {
            let _ = writeln!(
                out,
                "  {}",
                paint.wrap("33", &format!("unproven order: {note}"))
            );
        }
    }
    for unreadable in &plan.unreadable {
        let _ = writeln!(
            out,
            "{}",
            paint.wrap(
                "1;31",
                &format!(
                    "Account {} ({}): not read: {}",
                    unreadable.account_id, unreadable.account_name, unreadable.reason
                )
            )
        );
    }
    let total = plan.summary();
    let _ = writeln!(
        out,
        "\n{}",
        paint.bold(&summary_line("Total", total, plan.unreadable.len()))
    );
    out
}

fn short(text: &str) -> &str {
    text.get(..12).unwrap_or(text)
}

/// `dev (111111111111), prod (222222222222)`.
pub(crate) fn target_list(block: &Block) -> String {
    block
        .targets
        .iter()
        .map(|t| {
            if t.id == "organization" {
                t.name.clone()
            } else {
                format!("{} ({})", t.name, t.id)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_block(out: &mut String, block: &Block, paint: &Paint) {
    let head = format!("{} {:<15}", block.mark.symbol(), block.kind);
    let _ = writeln!(out, "{} {}", paint.mark(block.mark, &head), block.subject);
    let count = block.targets.len();
    let place = if count == 1 {
        format!("in {}", target_list(block))
    } else {
        format!("in {count} accounts: {}", target_list(block))
    };
    let _ = writeln!(out, "      {}", paint.dim(&place));
    for detail in &block.details {
        match detail {
            Detail::Field { label, old, new } => match old {
                Some(old) => {
                    let _ = writeln!(
                        out,
                        "      {label}: {} → {}",
                        paint.tone(Tone::Lost, old),
                        paint.tone(Tone::Gained, new)
                    );
                }
                None => {
                    let _ = writeln!(out, "      {label}: {new}");
                }
            },
            Detail::Items { label, items, tone } => {
                let _ = writeln!(
                    out,
                    "      {}",
                    paint.tone(*tone, &format!("{label}: {}", items.join(", ")))
                );
            }
            Detail::Document { label, json } => {
                let _ = writeln!(out, "      {label}:");
                for line in json.lines() {
                    let _ = writeln!(out, "        {line}");
                }
            }
            Detail::Note(note) => {
                let _ = writeln!(out, "      {note}");
            }
        }
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
