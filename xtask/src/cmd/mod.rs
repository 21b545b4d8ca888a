//! One module per subcommand; each owns its arguments and a `run` function.

pub mod access;
pub mod access_diff;
pub mod apply;
pub mod bench;
pub mod bootstrap;
pub mod catalog;
pub mod ci;
pub mod demo;
pub mod docs;
pub mod drift;
pub mod events;
pub mod evidence;
pub mod generate;
pub mod import;
pub mod lint;
pub mod plan;
pub mod policy;
pub mod refine;
pub mod root;
pub mod schema;
pub mod simulate;
pub mod snapshot;
pub mod ui;
pub mod unlock;

/// `println!` that ends quietly on a closed pipe (`cargo xtask demo | head`), like
/// [`write_stdout`].
macro_rules! say {
    () => {
        $crate::cmd::say_text("\n")
    };
    ($($arg:tt)*) => {
        $crate::cmd::say_text(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

/// `print!` counterpart of [`say!`].
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::cmd::say_text(&format!($($arg)*))
    };
}
pub(crate) use say_raw;

/// Output for [`say!`]: a closed pipe is not an error, other write errors are dropped because
/// the command's result does not depend on its narration.
pub fn say_text(text: &str) {
    let _ = write_stdout(text);
}

/// Writes command output to stdout. A closed pipe (`… | head`) ends the output quietly; `print!`
/// panics on it.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    write_stdout_with(|out| std::io::Write::write_all(out, text.as_bytes()))
}

/// [`write_stdout`] of output that `write` produces in parts.
pub fn write_stdout_with(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    write_quietly(&mut std::io::stdout().lock(), write)
}

fn write_quietly<W: std::io::Write>(
    out: &mut W,
    write: impl FnOnce(&mut W) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match write(out).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// A writer whose reader went away (`… | head`), or that fails otherwise.
    struct Failing(std::io::ErrorKind);

    impl std::io::Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_output_quietly() {
        let closed = super::write_quietly(&mut Failing(std::io::ErrorKind::BrokenPipe), |out| {
            out.write_all(b"x")
        });
        assert!(closed.is_ok());
        let full = super::write_quietly(&mut Failing(std::io::ErrorKind::StorageFull), |out| {
            out.write_all(b"x")
        });
        assert!(full.is_err());
        let mut written = Vec::new();
        super::write_quietly(&mut written, |out| out.write_all(b"text\n")).unwrap();
        assert_eq!(written, b"text\n");
    }
}
