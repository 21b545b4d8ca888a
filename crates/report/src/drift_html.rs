//! The drift report as one self-contained HTML page people look at before they read: the
//! headline, findings by risk class, an account × status grid grouped by OU, access levels per
//! role, the risky unmanaged objects with why, then the tables and one section per account with
//! its live truth. Inline CSS and SVG, no scripts, no external fetches.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use warden_lint::Finding;

use crate::drift::{
    AccountDrift, AccountLiveTruth, AccountStatus, DriftReport, RiskyObject, Verdict,
};
use crate::html::{self, escape};
use crate::risk::{RiskClass, class_of_change, class_of_rule};
use crate::svg::{self, Cell, CellGroup, Series, StackedRow, Tone};

/// Severity series of the risk chart.
pub const RISK_SERIES: [Series; 4] = [
    Series {
        label: "error",
        tone: Tone::Danger,
    },
    Series {
        label: "warning",
        tone: Tone::Caution,
    },
    Series {
        label: "info",
        tone: Tone::Info,
    },
    Series {
        label: "live grants more (drift)",
        tone: Tone::Tagging,
    },
];

/// Account statuses of the grid, indexed as [`status_index`].
pub const DRIFT_STATUSES: [(&str, Tone); 4] = [
    ("in sync", Tone::Good),
    ("drift", Tone::Caution),
    ("conflict", Tone::Danger),
    ("unreadable", Tone::Unknown),
];

fn status_index(status: AccountStatus) -> usize {
    match status {
        AccountStatus::InSync => 0,
        AccountStatus::Drift => 1,
        AccountStatus::Conflict => 2,
        AccountStatus::Unreadable => 3,
    }
}

/// Roles drawn in the page's access-level chart; the rest are counted in its caption.
pub const MAX_CHART_ROLES: usize = 40;
/// Actions listed per role where live grants beyond the repository; the count is complete.
const MAX_LISTED: usize = 50;

fn account_anchor(id: &str) -> String {
    html::anchor(&["account", id])
}

fn risk_anchor(class: RiskClass) -> String {
    html::anchor(&["risk", class.label()])
}

fn status_badge(status: AccountStatus) -> String {
    let class = match status {
        AccountStatus::InSync => "ok",
        AccountStatus::Drift => "warn",
        AccountStatus::Conflict | AccountStatus::Unreadable => "bad",
    };
    format!("<span class=\"{class}\">{}</span>", status.label())
}

/// One item of a risk class's list.
struct RiskItem<'a> {
    section: &'a AccountDrift,
    what: String,
    severity: String,
    message: String,
}

fn risk_items(report: &DriftReport) -> BTreeMap<RiskClass, Vec<RiskItem<'_>>> {
    let mut items: BTreeMap<RiskClass, Vec<RiskItem<'_>>> = BTreeMap::new();
    let finding_item = |section, finding: &Finding, live: bool| RiskItem {
        section,
        what: format!(
            "{} {}{}",
            finding.rule,
            finding.principal.as_deref().unwrap_or(""),
            if live { " (live)" } else { "" }
        ),
        severity: match &finding.excepted {
            Some(exception) => format!(
                "{} (excepted until {})",
                finding.severity.as_str(),
                exception.expires
            ),
            None => finding.severity.as_str().to_string(),
        },
        message: finding.message.clone(),
    };
    for section in report.sections() {
        for finding in &section.findings {
            items
                .entry(class_of_rule(&finding.rule))
                .or_default()
                .push(finding_item(section, finding, false));
        }
        for finding in section.live.iter().flat_map(|live| &live.findings) {
            items
                .entry(class_of_rule(&finding.rule))
                .or_default()
                .push(finding_item(section, finding, true));
        }
        for row in &section.changes {
            if let Some(class) = class_of_change(row) {
                items.entry(class).or_default().push(RiskItem {
                    section,
                    what: format!("{} {}", row.kind, row.subject),
                    severity: "drift".into(),
                    message: format!(
                        "{}: live grants more than the repository{}",
                        row.difference.label(),
                        if row.detail.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", row.detail.join("; "))
                        }
                    ),
                });
            }
        }
    }
    items
}

/// The findings-by-risk-class chart (rows link to the class's list when it has items).
pub fn risk_chart(report: &DriftReport) -> String {
    let rows: Vec<StackedRow> = RiskClass::ALL
        .iter()
        .map(|class| {
            let counts = report.risks.get(class).copied().unwrap_or_default();
            let listed = counts.active() + counts.excepted;
            StackedRow {
                label: class.label().to_string(),
                values: vec![counts.errors, counts.warnings, counts.infos, counts.drift],
                href: (listed > 0).then(|| format!("#{}", risk_anchor(*class))),
                note: Some(if counts.excepted > 0 {
                    format!("{} ({} excepted)", counts.active(), counts.excepted)
                } else {
                    counts.active().to_string()
                }),
            }
        })
        .collect();
    svg::stacked_bars("risks", "Findings by risk class", &RISK_SERIES, &rows)
}

/// The account × status grid, grouped by OU path (accounts outside the inventory last).
pub fn account_grid(report: &DriftReport) -> String {
    let groups = CellGroup::by_ou(
        report.accounts.iter().map(|account| {
            let cell = Cell {
                title: format!("{} ({})", account.account_name, account.account_id),
                status: status_index(account.status),
                href: Some(format!("#{}", account_anchor(&account.account_id))),
            };
            (account.ou_path.as_str(), cell)
        }),
        "(not in the inventory)",
    );
    svg::status_grid(
        "grid",
        "Accounts by OU and status",
        &DRIFT_STATUSES,
        &groups,
    )
}

/// Access levels of each role name as live IAM grants them, at the account where it grants
/// the most; `None` without live truth.
pub fn access_chart(report: &DriftReport) -> Option<(String, usize)> {
    if !report.has_live_truth() {
        return None;
    }
    let mut widest: BTreeMap<&str, (&AccountDrift, &crate::drift::RoleLiveTruth)> = BTreeMap::new();
    for account in &report.accounts {
        for role in account.live.iter().flat_map(|live| &live.roles) {
            let entry = widest.entry(&role.name).or_insert((account, role));
            if role.live.total > entry.1.live.total {
                *entry = (account, role);
            }
        }
    }
    let distinct = widest.len();
    let mut roles: Vec<_> = widest.into_values().collect();
    roles.sort_by(|a, b| {
        b.1.live
            .total
            .cmp(&a.1.live.total)
            .then(a.1.name.cmp(&b.1.name))
    });
    roles.truncate(MAX_CHART_ROLES);
    let rows: Vec<StackedRow> = roles
        .iter()
        .map(|(account, role)| StackedRow {
            label: format!("{} in {}", role.name, account.account_name),
            values: svg::level_values(&role.live.levels),
            href: Some(format!(
                "#{}",
                html::anchor(&["live", &account.account_id, &role.name])
            )),
            note: Some(if role.beyond_repository.is_empty() {
                format!(
                    "{} live ({} in the repository)",
                    role.live.total, role.repository.total
                )
            } else {
                format!(
                    "{} live, +{} beyond the repository",
                    role.live.total,
                    role.beyond_repository.len()
                )
            }),
        })
        .collect();
    Some((
        svg::stacked_bars(
            "levels",
            "Access levels per role, live",
            &svg::ACCESS_LEVELS,
            &rows,
        ),
        distinct,
    ))
}

/// One self-contained HTML page (inline CSS and SVG, no scripts).
pub fn drift_html(report: &DriftReport) -> String {
    let mut out = String::new();
    html::page_start(&mut out, "Warden drift report");
    out.push_str("<h1>Warden drift report</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"muted\">{}</p>",
        escape(&crate::render::provenance_line(report))
    );
    let class = match report.verdict() {
        Verdict::InSync => "ok",
        Verdict::Drift | Verdict::PartlyRead | Verdict::NothingRead => "bad",
    };
    let _ = writeln!(
        out,
        "<p class=\"headline {class}\"><strong>{}.</strong></p>",
        escape(&report.headline())
    );
    out.push_str("<nav><a href=\"#risks-section\">Risks</a><a href=\"#grid-section\">Accounts</a><a href=\"#levels-section\">Access levels</a><a href=\"#unmanaged-risks\">Risky unmanaged</a><a href=\"#totals\">Totals</a><a href=\"#accounts\">Account list</a></nav>\n");

    out.push_str("<h2 id=\"risks-section\">Findings by risk class</h2>\n");
    let risks: usize = report
        .risks
        .iter()
        .filter(|(class, _)| **class != RiskClass::Other)
        .map(|(_, counts)| counts.active())
        .sum();
    svg::figure(
        &mut out,
        &format!(
            "{risks} active finding(s) and risky drift in the six risk classes; lint of the definitions, posture of live IAM, and changes where live grants more than the repository. Each bar links to its list below."
        ),
        &risk_chart(report),
    );

    out.push_str("<h2 id=\"grid-section\">Accounts by OU and status</h2>\n");
    svg::figure(
        &mut out,
        "One square per member account, grouped by OU; hover for the name, click for its section.",
        &account_grid(report),
    );

    out.push_str("<h2 id=\"levels-section\">Access levels per role</h2>\n");
    match access_chart(report) {
        Some((chart, distinct)) => {
            let caption = if distinct > MAX_CHART_ROLES {
                format!(
                    "Actions each role's live documents allow, by access level, where it allows the most; the {MAX_CHART_ROLES} widest of {distinct} roles."
                )
            } else {
                "Actions each role's live documents allow, by access level, where it allows the most; capped by the boundary and the SCPs in force, AWS managed policies not counted.".to_string()
            };
            svg::figure(&mut out, &caption, &chart);
        }
        None => out.push_str(
            "<p class=\"muted\">Not computed: this report was built without live truth.</p>\n",
        ),
    }

    unmanaged_risks(&mut out, report);
    risk_lists(&mut out, report);
    totals_table(&mut out, report);
    accounts_table(&mut out, report);
    for section in report.sections() {
        html_section(&mut out, section);
    }
    html::page_end(&mut out);
    out
}

fn unmanaged_risks(out: &mut String, report: &DriftReport) {
    out.push_str("<h2 id=\"unmanaged-risks\">Risky unmanaged objects</h2>\n");
    if !report.has_live_truth() {
        out.push_str(
            "<p class=\"muted\">Not computed: this report was built without live truth.</p>\n",
        );
        return;
    }
    let mut any = false;
    for account in &report.accounts {
        for object in account.live.iter().flat_map(|live| &live.risky_unmanaged) {
            if !any {
                out.push_str("<p>Objects Warden does not manage that a posture, trust or escalation finding is about: nobody reviewed them in the repository.</p>\n<table>\n");
                html::header(out, &["Object", "Account", "Risk", "Rule", "Why"]);
                any = true;
            }
            html::row(
                out,
                &[
                    format!(
                        "{} <code>{}</code>",
                        escape(&object.kind),
                        escape(&object.name)
                    ),
                    format!(
                        "<a href=\"#{}\">{}</a> <code>{}</code>",
                        account_anchor(&account.account_id),
                        escape(&account.account_name),
                        escape(&account.account_id)
                    ),
                    escape(object.class.label()),
                    format!(
                        "{} <span class=\"{}\">{}</span>",
                        escape(&object.rule),
                        if object.severity == warden_lint::Severity::Error {
                            "bad"
                        } else {
                            "warn"
                        },
                        object.severity.as_str()
                    ),
                    escape(&object.why),
                ],
            );
        }
    }
    if any {
        out.push_str("</table>\n");
    } else {
        out.push_str("<p class=\"ok\">None: no posture, trust or escalation finding concerns an unmanaged object.</p>\n");
    }
}

fn risk_lists(out: &mut String, report: &DriftReport) {
    for (class, items) in risk_items(report) {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h2 id=\"{}\">Risk: {} ({})</h2>\n<table>",
            risk_anchor(class),
            escape(class.label()),
            items.len()
        );
        html::header(out, &["Account", "What", "Severity", "Message"]);
        for item in items {
            html::row(
                out,
                &[
                    format!(
                        "<a href=\"#{}\">{}</a>",
                        account_anchor(&item.section.account_id),
                        escape(&item.section.account_name)
                    ),
                    format!("<code>{}</code>", escape(item.what.trim_end())),
                    escape(&item.severity),
                    escape(&item.message),
                ],
            );
        }
        out.push_str("</table>\n");
    }
}

fn totals_table(out: &mut String, report: &DriftReport) {
    let t = &report.totals;
    out.push_str("<h2 id=\"totals\">Totals</h2>\n<table>\n");
    let totals = [
        ("Accounts", t.accounts),
        ("In sync", t.accounts_in_sync),
        ("With drift", t.accounts_with_drift),
        ("Unreadable", t.unreadable),
        ("Changes the repository would make", t.changes),
        ("… live differs from the repository", t.differs),
        ("… not live", t.not_live),
        ("… not in the repository", t.not_in_repo),
        ("… where live grants more", t.live_grants_more),
        ("Conflicts", t.conflicts),
        ("Unmanaged", t.unmanaged),
        ("Lint errors", t.lint_errors),
        ("Lint warnings", t.lint_warnings),
        ("Lint findings excepted", t.lint_excepted),
    ];
    for (name, count) in totals {
        html::row(out, &[escape(name), format!("<strong>{count}</strong>")]);
    }
    out.push_str("</table>\n");
}

fn accounts_table(out: &mut String, report: &DriftReport) {
    out.push_str("<h2 id=\"accounts\">Account list</h2>\n<table>\n");
    html::header(
        out,
        &[
            "Account",
            "Id",
            "OU",
            "Status",
            "Changes",
            "Conflicts",
            "Unmanaged",
            "Lint",
        ],
    );
    for section in report.sections() {
        html::row(
            out,
            &[
                format!(
                    "<a href=\"#{}\">{}</a>",
                    account_anchor(&section.account_id),
                    escape(&section.account_name)
                ),
                format!("<code>{}</code>", escape(&section.account_id)),
                escape(&section.ou_path),
                status_badge(section.status),
                section.changes.len().to_string(),
                section.conflicts.len().to_string(),
                section.unmanaged.len().to_string(),
                section
                    .findings
                    .iter()
                    .filter(|f| f.is_active())
                    .count()
                    .to_string(),
            ],
        );
    }
    out.push_str("</table>\n");
}

fn html_section(out: &mut String, section: &AccountDrift) {
    let _ = writeln!(
        out,
        "<section>\n<h2 id=\"{}\">{} <code>{}</code></h2>\n<p>{}{}</p>",
        account_anchor(&section.account_id),
        escape(&section.account_name),
        escape(&section.account_id),
        status_badge(section.status),
        if section.ou_path.is_empty() {
            String::new()
        } else {
            format!(" · {}", escape(&section.ou_path))
        }
    );
    if let Some(reason) = &section.unreadable {
        let _ = writeln!(
            out,
            "<p class=\"bad\">Could not be read: {}</p>",
            escape(reason)
        );
    }
    if !section.changes.is_empty() {
        out.push_str("<h3>Changes the repository would make</h3>\n<table>\n");
        html::header(out, &["", "Kind", "Object", "Why", "Detail"]);
        for row in &section.changes {
            html::row(
                out,
                &[
                    format!("<code>{}</code>", row.action.symbol()),
                    escape(&row.kind),
                    format!("<code>{}</code>", escape(&row.subject)),
                    if row.live_grants_more {
                        format!(
                            "{} <strong class=\"bad\">live grants more</strong>",
                            row.difference.label()
                        )
                    } else {
                        row.difference.label().into()
                    },
                    row.detail
                        .iter()
                        .map(|line| escape(line))
                        .collect::<Vec<_>>()
                        .join("<br>"),
                ],
            );
        }
        out.push_str("</table>\n");
    }
    if !section.conflicts.is_empty() {
        out.push_str("<h3>Conflicts (left unchanged)</h3>\n<ul>\n");
        for conflict in &section.conflicts {
            let _ = writeln!(
                out,
                "<li>{} <code>{}</code>: {}</li>",
                escape(&conflict.kind),
                escape(&conflict.name),
                escape(&conflict.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    if !section.unmanaged.is_empty() {
        out.push_str("<h3>Unmanaged (never changed by Warden)</h3>\n<ul>\n");
        for item in &section.unmanaged {
            let risky = section.live.iter().flat_map(|live| &live.risky_unmanaged);
            let _ = writeln!(
                out,
                "<li>{} <code>{}</code>{}</li>",
                escape(&item.kind),
                escape(&item.name),
                why_risky(risky, &item.kind, &item.name)
            );
        }
        out.push_str("</ul>\n");
    }
    if !section.findings.is_empty() {
        out.push_str("<h3>Lint of the definitions</h3>\n");
        findings_table(out, &section.findings);
    }
    if let Some(live) = &section.live {
        live_truth_html(out, &section.account_id, live);
    }
    out.push_str("</section>\n");
}

/// ` — class: rule why; …` for the risky findings about the object `kind name`, else nothing.
pub(crate) fn why_risky<'a>(
    risky: impl IntoIterator<Item = &'a RiskyObject>,
    kind: &str,
    name: &str,
) -> String {
    let why: Vec<String> = risky
        .into_iter()
        .filter(|object| object.kind == kind && object.name.eq_ignore_ascii_case(name))
        .map(|object| {
            format!(
                "<span class=\"bad\">{}: {} {}</span>",
                escape(object.class.label()),
                escape(&object.rule),
                escape(&object.why)
            )
        })
        .collect();
    if why.is_empty() {
        String::new()
    } else {
        format!(" — {}", why.join("; "))
    }
}

fn findings_table(out: &mut String, findings: &[Finding]) {
    out.push_str("<table>\n");
    html::header(out, &["Rule", "Risk", "Severity", "Where", "Message"]);
    for finding in findings {
        html::row(
            out,
            &[
                escape(&finding.rule),
                escape(class_of_rule(&finding.rule).label()),
                escape(&crate::render::severity_text(finding)),
                escape(&crate::render::finding_place(finding)),
                escape(&finding.message),
            ],
        );
    }
    out.push_str("</table>\n");
}

fn list_actions(actions: &[String]) -> String {
    let shown: Vec<&str> = actions
        .iter()
        .take(MAX_LISTED)
        .map(String::as_str)
        .collect();
    let more = actions.len().saturating_sub(MAX_LISTED);
    format!(
        "<code>{}</code>{}",
        escape(&shown.join(" ")),
        if more > 0 {
            format!(" and {more} more (all in the JSON report)")
        } else {
            String::new()
        }
    )
}

/// Live truth of one account: shared by the drift page and the evidence account pages.
pub fn live_truth_html(out: &mut String, account_id: &str, live: &AccountLiveTruth) {
    out.push_str("<h3>Live truth</h3>\n");
    if live.roles.is_empty() {
        out.push_str("<p class=\"muted\">No role of the repository is live in this account.</p>\n");
    } else {
        let rows: Vec<StackedRow> = live
            .roles
            .iter()
            .flat_map(|role| {
                [
                    StackedRow {
                        label: format!("{} — repository", role.name),
                        values: svg::level_values(&role.repository.levels),
                        href: None,
                        note: Some(format!("{} actions", role.repository.total)),
                    },
                    StackedRow {
                        label: format!("{} — live", role.name),
                        values: svg::level_values(&role.live.levels),
                        href: None,
                        note: Some(if role.differs {
                            format!(
                                "{} actions: +{} / -{} against the repository",
                                role.live.total,
                                role.beyond_repository.len(),
                                role.missing_from_live.len()
                            )
                        } else {
                            format!("{} actions, as the repository", role.live.total)
                        }),
                    },
                ]
            })
            .collect();
        svg::figure(
            out,
            "Effective permissions by access level: computed from the repository's documents and from the live ones (boundary and SCPs in force applied; AWS managed policies not counted on either side).",
            &svg::stacked_bars(
                &html::anchor(&["levels", account_id]),
                "Access levels per role, repository and live",
                &svg::ACCESS_LEVELS,
                &rows,
            ),
        );
        for role in &live.roles {
            let _ = write!(
                out,
                "<p id=\"{}\"><strong>{}</strong>: ",
                html::anchor(&["live", account_id, &role.name]),
                escape(&role.name)
            );
            if role.differs {
                if !role.beyond_repository.is_empty() {
                    let _ = write!(
                        out,
                        "<span class=\"bad\">live grants {} action(s) beyond the repository:</span> {}. ",
                        role.beyond_repository.len(),
                        list_actions(&role.beyond_repository)
                    );
                }
                if !role.missing_from_live.is_empty() {
                    let _ = write!(
                        out,
                        "<span class=\"warn\">{} action(s) of the repository not live:</span> {}.",
                        role.missing_from_live.len(),
                        list_actions(&role.missing_from_live)
                    );
                }
            } else {
                out.push_str("<span class=\"ok\">live grants what the repository grants.</span>");
            }
            out.push_str("</p>\n");
        }
    }
    if live.users_read {
        if live.users.is_empty() {
            out.push_str("<p class=\"ok\">No IAM users.</p>\n");
        } else {
            out.push_str("<h4>Users</h4>\n<table>\n");
            html::header(
                out,
                &["User", "Console", "MFA", "Access keys", "Holds policies"],
            );
            for user in &live.users {
                let keys: Vec<String> = user
                    .access_keys
                    .iter()
                    .map(|key| {
                        format!(
                            "…{} {}, {} old, {}",
                            escape(&key.id_suffix),
                            if key.active { "active" } else { "inactive" },
                            key.age_days
                                .map_or_else(|| "?".into(), |d| format!("{d} days")),
                            key.last_used_days_ago.map_or_else(
                                || "never used".into(),
                                |d| format!("used {d} days ago")
                            )
                        )
                    })
                    .collect();
                html::row(
                    out,
                    &[
                        format!("<code>{}</code>", escape(&user.name)),
                        if user.console_access {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        match (user.console_access, user.mfa) {
                            (_, true) => "<span class=\"ok\">yes</span>".into(),
                            (true, false) => {
                                "<span class=\"bad\">no (console without MFA)</span>".into()
                            }
                            (false, false) => "no".into(),
                        },
                        if keys.is_empty() {
                            "none".into()
                        } else {
                            keys.join("<br>")
                        },
                        if user.holds_policies {
                            "<span class=\"warn\">yes</span>".into()
                        } else {
                            "no".into()
                        },
                    ],
                );
            }
            out.push_str("</table>\n");
        }
    } else {
        out.push_str("<p class=\"muted\">Users, access keys and the password policy were not read (the plan reads roles and policies); a full snapshot (<code>cargo xtask snapshot</code>, then <code>--snapshot DIR</code>) shows them.</p>\n");
    }
    if !live.unused_roles.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"warn\">Unused roles: <code>{}</code></p>",
            escape(&live.unused_roles.join(" "))
        );
    }
    if !live.external_trust.is_empty() {
        out.push_str("<h4>Who outside the organization can assume what</h4>\n<table>\n");
        html::header(
            out,
            &["Role", "Principal", "Account", "Listed in trusted_accounts"],
        );
        for trust in &live.external_trust {
            html::row(
                out,
                &[
                    format!("<code>{}</code>", escape(&trust.role)),
                    format!("<code>{}</code>", escape(&trust.principal)),
                    format!("<code>{}</code>", escape(&trust.account)),
                    match &trust.trusted_as {
                        Some(name) => format!("<span class=\"ok\">yes: {}</span>", escape(name)),
                        None => "<span class=\"bad\">no</span>".into(),
                    },
                ],
            );
        }
        out.push_str("</table>\n");
    }
    if !live.findings.is_empty() {
        out.push_str("<h4>Findings on live IAM</h4>\n");
        findings_table(out, &live.findings);
    }
}
