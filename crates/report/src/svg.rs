//! Inline SVG pictures for the HTML reports, drawn without JavaScript: horizontal stacked bars
//! (findings by risk class, access levels per role) and a status grid of accounts grouped by OU
//! that stays readable at a thousand accounts.
//!
//! Colour is never the only signal: every fill has its own pattern (solid, stripes, cross-hatch,
//! dots), every chart has a legend in words, every mark a `<title>` (the browser's tooltip and
//! what a screen reader says), and the counts are written as text beside the bars. Text goes
//! through [`html::escape`]. Pattern ids are prefixed with the chart's id so several charts can
//! share a page.

use std::fmt::Write as _;

use crate::html::{self, escape};

/// A fill: a colour and a pattern that tells it apart in grey print or for colour-blind readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Green, solid: in sync, matched.
    Good,
    /// Amber, diagonal stripes: drift, warnings.
    Caution,
    /// Red, cross-hatched: conflicts, errors, access added by hand.
    Danger,
    /// Grey, dotted: unread, not checked, excepted.
    Unknown,
    /// Light blue, solid: List actions.
    List,
    /// Blue, vertical lines: Read actions.
    Read,
    /// Orange, diagonal stripes: Write actions.
    Write,
    /// Red, cross-hatched: Permissions management actions.
    Permissions,
    /// Purple, dotted: Tagging actions.
    Tagging,
    /// Grey-blue, solid: informational.
    Info,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Solid,
    Stripes,
    Vertical,
    Cross,
    Dots,
}

impl Tone {
    fn colour(self) -> &'static str {
        match self {
            Tone::Good => "#2da44e",
            Tone::Caution => "#d4a72c",
            Tone::Danger | Tone::Permissions => "#cf222e",
            Tone::Unknown => "#8c959f",
            Tone::List => "#9ecbff",
            Tone::Read => "#0969da",
            Tone::Write => "#fb8f44",
            Tone::Tagging => "#8250df",
            Tone::Info => "#6e7f96",
        }
    }

    fn pattern(self) -> Pattern {
        match self {
            Tone::Good | Tone::List | Tone::Info => Pattern::Solid,
            Tone::Caution | Tone::Write => Pattern::Stripes,
            Tone::Read => Pattern::Vertical,
            Tone::Danger | Tone::Permissions => Pattern::Cross,
            Tone::Unknown | Tone::Tagging => Pattern::Dots,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Caution => "caution",
            Tone::Danger => "danger",
            Tone::Unknown => "unknown",
            Tone::List => "list",
            Tone::Read => "read",
            Tone::Write => "write",
            Tone::Permissions => "permissions",
            Tone::Tagging => "tagging",
            Tone::Info => "info",
        }
    }

    /// The `fill` attribute value inside a chart with id `chart`.
    fn fill(self, chart: &str) -> String {
        match self.pattern() {
            Pattern::Solid => self.colour().to_string(),
            _ => format!("url(#{chart}-{})", self.key()),
        }
    }
}

/// `<defs>` with a pattern for each patterned tone used.
fn defs(out: &mut String, chart: &str, tones: &[Tone]) {
    let mut written: Vec<Tone> = Vec::new();
    let mut body = String::new();
    for tone in tones {
        if written.contains(tone) || tone.pattern() == Pattern::Solid {
            continue;
        }
        written.push(*tone);
        let colour = tone.colour();
        let marks = match tone.pattern() {
            Pattern::Solid => String::new(),
            Pattern::Stripes => "<path d=\"M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2\" stroke=\"#fff\" stroke-width=\"1.5\"/>".to_string(),
            Pattern::Vertical => "<path d=\"M3,0 v6\" stroke=\"#fff\" stroke-width=\"1.2\"/>".to_string(),
            Pattern::Cross => "<path d=\"M0,0 l6,6 M6,0 l-6,6\" stroke=\"#fff\" stroke-width=\"1.2\"/>".to_string(),
            Pattern::Dots => "<circle cx=\"3\" cy=\"3\" r=\"1.3\" fill=\"#fff\"/>".to_string(),
        };
        let _ = write!(
            body,
            "<pattern id=\"{chart}-{}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"{colour}\"/>{marks}</pattern>",
            tone.key()
        );
    }
    if !body.is_empty() {
        let _ = write!(out, "<defs>{body}</defs>");
    }
}

/// One series of a stacked bar chart (a severity, an access level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub label: &'static str,
    pub tone: Tone,
}

/// One bar: its label, one value per series, an optional link and a note written after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackedRow {
    pub label: String,
    pub values: Vec<usize>,
    /// `#anchor` or a relative page the label links to.
    pub href: Option<String>,
    /// Text after the bar; the total when `None`.
    pub note: Option<String>,
}

const FONT: &str = "font-family=\"system-ui,sans-serif\" font-size=\"12\"";
const LABEL_WIDTH: usize = 230;
const BAR_WIDTH: usize = 360;
const NOTE_WIDTH: usize = 260;
const ROW_HEIGHT: usize = 22;

/// Opens an `<svg>` with its accessible name and description.
fn open(out: &mut String, chart: &str, width: usize, height: usize, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg id=\"{chart}\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{chart}-title {chart}-desc\" {FONT}><title id=\"{chart}-title\">{}</title><desc id=\"{chart}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

/// The legend in words, with a swatch of each fill; returns the height used.
fn legend(out: &mut String, chart: &str, items: &[(&str, Tone)], y: usize) -> usize {
    let mut x = 0;
    for (label, tone) in items {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\" stroke=\"#57606a\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            tone.fill(chart),
            x + 16,
            y + 10,
            escape(label)
        );
        // Roughly 7 px per character at 12 px.
        x += 16 + label.chars().count() * 7 + 18;
    }
    18
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Horizontal stacked bars, one per row, scaled to the largest total; each segment has a
/// `<title>` with its series and count, and the total (or the note) is written after the bar.
/// A nonzero segment is at least 2 px wide so it is never invisible.
pub fn stacked_bars(chart: &str, title: &str, series: &[Series], rows: &[StackedRow]) -> String {
    let max = rows
        .iter()
        .map(|row| row.values.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let width = LABEL_WIDTH + BAR_WIDTH + NOTE_WIDTH;
    let height = 20 + rows.len().max(1) * ROW_HEIGHT + 6;
    let mut desc = String::new();
    for row in rows {
        let parts: Vec<String> = series
            .iter()
            .zip(&row.values)
            .filter(|(_, value)| **value > 0)
            .map(|(series, value)| format!("{value} {}", series.label))
            .collect();
        let _ = write!(
            desc,
            "{}: {}. ",
            row.label,
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            }
        );
    }
    let mut out = String::new();
    open(&mut out, chart, width, height, title, desc.trim_end());
    let tones: Vec<Tone> = series.iter().map(|s| s.tone).collect();
    defs(&mut out, chart, &tones);
    let items: Vec<(&str, Tone)> = series.iter().map(|s| (s.label, s.tone)).collect();
    legend(&mut out, chart, &items, 0);
    if rows.is_empty() {
        let _ = write!(
            out,
            "<text x=\"0\" y=\"36\" fill=\"#57606a\">nothing to show</text>"
        );
    }
    for (index, row) in rows.iter().enumerate() {
        let y = 20 + index * ROW_HEIGHT;
        let label = escape(&shorten(&row.label, 32));
        match &row.href {
            Some(href) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\"><text x=\"0\" y=\"{}\" fill=\"#0969da\">{label}<title>{}</title></text></a>",
                    escape(href),
                    y + 14,
                    escape(&row.label)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<text x=\"0\" y=\"{}\">{label}<title>{}</title></text>",
                    y + 14,
                    escape(&row.label)
                );
            }
        }
        let total: usize = row.values.iter().sum();
        let mut x = LABEL_WIDTH as f64;
        for (series, value) in series.iter().zip(&row.values) {
            if *value == 0 {
                continue;
            }
            let w = ((*value as f64) * BAR_WIDTH as f64 / max as f64).max(2.0);
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"16\" fill=\"{}\"><title>{}: {value} {}</title></rect>",
                y + 2,
                series.tone.fill(chart),
                escape(&row.label),
                escape(series.label)
            );
            x += w;
        }
        let note = row.note.clone().unwrap_or_else(|| total.to_string());
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 6.0,
            y + 14,
            escape(&note)
        );
    }
    out.push_str("</svg>");
    out
}

/// One account in a status grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The cell's tooltip: account name, id and status.
    pub title: String,
    /// Index into the grid's legend.
    pub status: usize,
    pub href: Option<String>,
}

/// The accounts of one OU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellGroup {
    pub heading: String,
    pub cells: Vec<Cell>,
}

impl CellGroup {
    /// Cells grouped by OU path, in path order; cells without an OU under `no_ou`.
    pub fn by_ou<'a>(
        cells: impl IntoIterator<Item = (&'a str, Cell)>,
        no_ou: &str,
    ) -> Vec<CellGroup> {
        let mut groups: std::collections::BTreeMap<&str, Vec<Cell>> = Default::default();
        for (ou, cell) in cells {
            groups.entry(ou).or_default().push(cell);
        }
        groups
            .into_iter()
            .map(|(ou, cells)| CellGroup {
                heading: if ou.is_empty() {
                    no_ou.into()
                } else {
                    ou.into()
                },
                cells,
            })
            .collect()
    }
}

const CELL: usize = 11;
const CELL_GAP: usize = 2;
const GRID_COLUMNS: usize = 64;

/// Accounts as small squares, one group per OU under a heading with its counts in words,
/// a legend of the statuses first. 1,000 accounts in a few OUs fit a screen: 64 squares of
/// 11 px per line.
pub fn status_grid(
    chart: &str,
    title: &str,
    statuses: &[(&str, Tone)],
    groups: &[CellGroup],
) -> String {
    let step = CELL + CELL_GAP;
    let width = (GRID_COLUMNS * step).max(600);
    let mut height = 22;
    for group in groups {
        height += 20 + group.cells.len().div_ceil(GRID_COLUMNS) * step + 6;
    }
    let mut counts = vec![0usize; statuses.len()];
    for cell in groups.iter().flat_map(|g| &g.cells) {
        if let Some(count) = counts.get_mut(cell.status) {
            *count += 1;
        }
    }
    let total: usize = counts.iter().sum();
    let desc = format!(
        "{total} accounts in {} groups: {}.",
        groups.len(),
        statuses
            .iter()
            .zip(&counts)
            .map(|((label, _), count)| format!("{count} {label}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut out = String::new();
    open(&mut out, chart, width, height, title, &desc);
    let tones: Vec<Tone> = statuses.iter().map(|(_, tone)| *tone).collect();
    defs(&mut out, chart, &tones);
    let items: Vec<(String, Tone)> = statuses
        .iter()
        .zip(&counts)
        .map(|((label, tone), count)| (format!("{label} ({count})"), *tone))
        .collect();
    let items: Vec<(&str, Tone)> = items.iter().map(|(l, t)| (l.as_str(), *t)).collect();
    legend(&mut out, chart, &items, 0);
    let mut y = 22;
    for group in groups {
        let mut group_counts = vec![0usize; statuses.len()];
        for cell in &group.cells {
            if let Some(count) = group_counts.get_mut(cell.status) {
                *count += 1;
            }
        }
        let summary: Vec<String> = statuses
            .iter()
            .zip(&group_counts)
            .filter(|(_, count)| **count > 0)
            .map(|((label, _), count)| format!("{count} {label}"))
            .collect();
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-weight=\"600\">{}<tspan font-weight=\"400\" fill=\"#57606a\"> — {} accounts: {}</tspan></text>",
            y + 13,
            escape(&group.heading),
            group.cells.len(),
            escape(&summary.join(", "))
        );
        y += 20;
        for (index, cell) in group.cells.iter().enumerate() {
            let x = (index % GRID_COLUMNS) * step;
            let cy = y + (index / GRID_COLUMNS) * step;
            let (label, tone) = statuses
                .get(cell.status)
                .copied()
                .unwrap_or(("unknown", Tone::Unknown));
            let rect = format!(
                "<rect x=\"{x}\" y=\"{cy}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"{}\" stroke=\"#57606a\" stroke-width=\"0.4\"><title>{}: {}</title></rect>",
                tone.fill(chart),
                escape(&cell.title),
                escape(label)
            );
            match &cell.href {
                Some(href) => {
                    let _ = write!(out, "<a href=\"{}\">{rect}</a>", escape(href));
                }
                None => out.push_str(&rect),
            }
        }
        y += group.cells.len().div_ceil(GRID_COLUMNS) * step + 6;
    }
    out.push_str("</svg>");
    out
}

/// The five access levels as chart series, in the catalog's order.
pub const ACCESS_LEVELS: [Series; 5] = [
    Series {
        label: "List",
        tone: Tone::List,
    },
    Series {
        label: "Read",
        tone: Tone::Read,
    },
    Series {
        label: "Write",
        tone: Tone::Write,
    },
    Series {
        label: "Permissions management",
        tone: Tone::Permissions,
    },
    Series {
        label: "Tagging",
        tone: Tone::Tagging,
    },
];

/// A level count as the five values of [`ACCESS_LEVELS`].
pub fn level_values(levels: &crate::permissions::LevelCounts) -> Vec<usize> {
    vec![
        levels.list,
        levels.read,
        levels.write,
        levels.permissions_management,
        levels.tagging,
    ]
}

/// Wraps a chart in a `<figure>` with a visible caption.
pub fn figure(out: &mut String, caption: &str, svg: &str) {
    let _ = writeln!(
        out,
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        html::escape(caption)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_bars_snapshot() {
        let rows = vec![
            StackedRow {
                label: "deployer <prod>".into(),
                values: vec![2, 10, 3, 1, 0],
                href: Some("#role-deployer".into()),
                note: None,
            },
            StackedRow {
                label: "reader".into(),
                values: vec![1, 4, 0, 0, 0],
                href: None,
                note: Some("5 actions".into()),
            },
        ];
        let svg = stacked_bars("levels", "Access levels", &ACCESS_LEVELS, &rows);
        insta::assert_snapshot!(svg.replace("><", ">\n<"));
    }

    #[test]
    fn status_grid_snapshot() {
        let statuses = [
            ("in sync", Tone::Good),
            ("drift", Tone::Caution),
            ("unreadable", Tone::Unknown),
        ];
        let groups = vec![
            CellGroup {
                heading: "Root/Workloads".into(),
                cells: vec![
                    Cell {
                        title: "prod (111122223333)".into(),
                        status: 1,
                        href: Some("#account-111122223333".into()),
                    },
                    Cell {
                        title: "dev & test (444455556666)".into(),
                        status: 0,
                        href: None,
                    },
                ],
            },
            CellGroup {
                heading: "Root".into(),
                cells: vec![Cell {
                    title: "legacy (777788889999)".into(),
                    status: 2,
                    href: None,
                }],
            },
        ];
        let svg = status_grid("grid", "Accounts", &statuses, &groups);
        insta::assert_snapshot!(svg.replace("><", ">\n<"));
    }

    #[test]
    fn a_thousand_accounts_wrap_into_lines_of_64_and_every_cell_has_a_title() {
        let cells: Vec<Cell> = (0..1000)
            .map(|n| Cell {
                title: format!("account-{n}"),
                status: n % 3,
                href: None,
            })
            .collect();
        let svg = status_grid(
            "g",
            "Accounts",
            &[
                ("in sync", Tone::Good),
                ("drift", Tone::Caution),
                ("unreadable", Tone::Unknown),
            ],
            &[CellGroup {
                heading: "Root".into(),
                cells,
            }],
        );
        assert_eq!(
            svg.matches("<rect x=").count(),
            1000 + 3,
            "cells and legend"
        );
        assert_eq!(svg.matches("<title>").count(), 1000);
        // 16 lines of 64 squares: the picture stays about 230 px tall.
        let height = 22 + 20 + 1000usize.div_ceil(64) * 13 + 6;
        assert!(svg.contains(&format!("height=\"{height}\"")), "{height}");
        assert!(svg.contains("334 in sync, 333 drift, 333 unreadable"));
    }

    #[test]
    fn text_is_escaped_and_patterns_are_per_chart() {
        let svg = stacked_bars(
            "a",
            "x<y",
            &[Series {
                label: "errors",
                tone: Tone::Danger,
            }],
            &[StackedRow {
                label: "\"quoted\" & <b>".into(),
                values: vec![1],
                href: None,
                note: None,
            }],
        );
        assert!(svg.contains("x&lt;y") && svg.contains("&quot;quoted&quot; &amp; &lt;b&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("id=\"a-danger\"") && svg.contains("url(#a-danger)"));
    }
}
