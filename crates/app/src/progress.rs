//! Progress of the long phases for a display: when to show it (only on a terminal) and the
//! events apply and evidence give as they go. The library decides nothing about the terminal;
//! the caller passes in what it saw.

use std::sync::Arc;

use warden_plan::audit::AuditRecord;

/// One step of a phase: `done` of `total` finished, the last on `item` (an account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub done: usize,
    pub total: usize,
    pub item: &'a str,
}

/// A receiver of steps; [`ignore`] for none.
pub type Progress<'a> = &'a (dyn Fn(Step<'_>) + Sync);

/// Receives nothing.
pub fn ignore(_: Step<'_>) {}

/// Whether progress may be drawn on stderr: only on a terminal that can redraw a line (not
/// `TERM=dumb`, as Emacs shells and some CI runners set), so logs and files stay clean.
pub fn show_progress(stderr_is_terminal: bool, term: Option<&str>) -> bool {
    stderr_is_terminal && term != Some("dumb")
}

/// Whether a stream may carry ANSI colours: a terminal, no `--no-color`, and `NO_COLOR` unset
/// or empty (<https://no-color.org>).
pub fn show_color(is_terminal: bool, no_color_flag: bool, no_color_env: Option<&str>) -> bool {
    is_terminal && !no_color_flag && no_color_env.is_none_or(str::is_empty)
}

/// The audit sink of an apply that also reports each attempted change as a step of `total`
/// (apply audits every change it attempts, right after the call returns).
pub fn counting_audit(
    sink: Arc<dyn Fn(AuditRecord) + Send + Sync>,
    total: usize,
    progress: Arc<dyn Fn(Step<'_>) + Send + Sync>,
) -> Arc<dyn Fn(AuditRecord) + Send + Sync> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    Arc::new(move |record: AuditRecord| {
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(Step {
            done,
            total,
            item: &record.account,
        });
        sink(record);
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn progress_only_on_a_terminal_that_redraws() {
        assert!(show_progress(true, Some("xterm-256color")));
        assert!(show_progress(true, None));
        assert!(
            !show_progress(false, Some("xterm-256color")),
            "a pipe or file"
        );
        assert!(!show_progress(true, Some("dumb")));
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(show_color(true, false, None));
        assert!(
            show_color(true, false, Some("")),
            "an empty NO_COLOR is unset"
        );
        assert!(!show_color(true, false, Some("1")));
        assert!(!show_color(true, true, None), "--no-color");
        assert!(!show_color(false, false, None), "a pipe or file");
    }

    #[test]
    fn the_counting_audit_reports_each_change_and_still_audits_it() {
        let audited = Arc::new(Mutex::new(Vec::new()));
        let steps = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let audited = Arc::clone(&audited);
            Arc::new(move |record: AuditRecord| audited.lock().unwrap().push(record.account))
        };
        let progress = {
            let steps = Arc::clone(&steps);
            Arc::new(move |step: Step<'_>| {
                steps
                    .lock()
                    .unwrap()
                    .push((step.done, step.total, step.item.to_owned()));
            })
        };
        let audit = counting_audit(sink, 3, progress);
        for account in ["111122223333", "444455556666"] {
            audit(AuditRecord {
                time: "2026-01-01T00:00:00Z".into(),
                account: account.into(),
                change: warden_plan::Change::DeleteRole { role: "r".into() },
                commit: None,
                result: "ok".into(),
            });
        }
        assert_eq!(*audited.lock().unwrap(), ["111122223333", "444455556666"]);
        assert_eq!(
            *steps.lock().unwrap(),
            [
                (1, 3, "111122223333".to_owned()),
                (2, 3, "444455556666".to_owned())
            ]
        );
    }
}
