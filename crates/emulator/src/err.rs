//! Errors of the emulator lifecycle and the fault proxy.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed with {status}: {stderr_tail}")]
    CommandFailed {
        command: String,
        status: String,
        stderr_tail: String,
    },
    #[error("moto server not found at `{}`; run `scripts/moto-venv.sh`", path.display())]
    MissingMoto { path: PathBuf },
    #[error(
        "moto server on port {port} not ready after {waited_ms} ms; last output: {stderr_tail}"
    )]
    NotReady {
        port: u16,
        waited_ms: u128,
        stderr_tail: String,
    },
    #[error("moto server on port {port} exited early ({status}); last output: {stderr_tail}")]
    ExitedEarly {
        port: u16,
        status: String,
        stderr_tail: String,
    },
    #[error("moto api call `{path}` on port {port} failed: {message}")]
    Api {
        port: u16,
        path: String,
        message: String,
    },
    #[error("pid file `{}` is invalid: {message}", path.display())]
    PidFile { path: PathBuf, message: String },
    #[error("i/o error on `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("network error: {0}")]
    Net(#[source] std::io::Error),
}

impl EmulatorError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
