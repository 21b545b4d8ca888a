//! What the terminal gets: colour only on a terminal without `NO_COLOR` or `--no-color`, and
//! progress bars on stderr only when it is a terminal (CI logs and files stay clean).

use std::io::{self, IsTerminal as _};

use warden_app::progress::{Step, show_color, show_progress};

/// Whether stdout may carry ANSI colours (<https://no-color.org>: any non-empty `NO_COLOR`).
pub fn stdout_color(no_color_flag: bool) -> bool {
    let terminal = io::stdout().is_terminal();
    show_color(terminal, no_color_flag, var("NO_COLOR").as_deref())
}

/// Whether stderr may carry ANSI colours (log lines, SDK warnings).
pub fn stderr_color() -> bool {
    let terminal = io::stderr().is_terminal();
    show_color(terminal, false, var("NO_COLOR").as_deref())
}

fn var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

/// Moves `bar` to each step of warden-app's progress (apply's changes, evidence's accounts).
pub fn steps(bar: indicatif::ProgressBar) -> impl Fn(Step<'_>) + Send + Sync + 'static {
    move |step| {
        bar.set_length(u64::try_from(step.total).unwrap_or(u64::MAX));
        bar.set_position(u64::try_from(step.done).unwrap_or(u64::MAX));
        bar.set_message(step.item.to_owned());
    }
}

/// A bar or spinner for one phase on stderr; hidden off a terminal (see `show_progress`).
pub fn phase(label: &str, total: Option<u64>) -> indicatif::ProgressBar {
    if !show_progress(io::stderr().is_terminal(), var("TERM").as_deref()) {
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
