//! Local AWS emulator lifecycle (moto server in a project venv, stopped by PID) and a loopback fault-injection proxy.
//!
//! No AWS SDK here: the emulator is plain processes and sockets on 127.0.0.1.

pub mod browser;
mod err;
mod moto;
mod proxy;
mod venv;

pub use err::EmulatorError;
pub use moto::{
    DetachedServer, MotoOptions, MotoServer, detached_server, free_port, pid_file, stop_detached,
};
pub use proxy::{CallRecord, FaultConfig, FaultProxy, ProxyStats};
pub use venv::{Venv, corpus_path, ensure_actionlint, ensure_corpus, ensure_venv};
