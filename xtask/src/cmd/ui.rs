//! What the terminal gets: colour only on a terminal without `NO_COLOR` or `--no-color`, and
//! progress bars on stderr only when it is a terminal (CI logs and files stay clean).

use std::io::IsTerminal as _;

/// Whether stdout may carry ANSI colours (<https://no-color.org>: any non-empty `NO_COLOR`).
pub fn stdout_color(no_color_flag: bool) -> bool {
    !no_color_flag && no_color_unset() && std::io::stdout().is_terminal()
}

/// Whether stderr may carry ANSI colours (log lines, SDK warnings).
pub fn stderr_color() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// A bar or spinner for one phase on stderr; hidden when stderr is not a terminal.
pub fn phase(label: &str, total: Option<u64>) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            indicatif::ProgressBar::new(total),
            format!("{label} {{bar:30}} {{pos}}/{{len}} {{elapsed}} {{wide_msg}}"),
        ),
        None => (
            indicatif::ProgressBar::new_spinner(),
            format!("{label} {{spinner}} {{elapsed}} {{wide_msg}}"),
        ),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    if total.is_none() {
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    bar
}
