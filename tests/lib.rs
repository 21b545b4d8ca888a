//! Shared helpers for the end-to-end tests (emulator fixtures).

use std::path::{Path, PathBuf};

use std::time::Duration;

use warden_aws::{AccessRole, AwsOptions, ExternalId, SessionDuration, SessionName};
use warden_emulator::{MotoOptions, MotoServer, Venv};

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The project venv with moto; fails with what to run when it cannot be prepared.
#[expect(
    clippy::panic,
    reason = "test fixture: a missing emulator must fail the test loudly"
)]
pub fn venv() -> Venv {
    match warden_emulator::ensure_venv(&workspace_root()) {
        Ok(venv) => venv,
        Err(err) => panic!("moto is not available ({err}); run `cargo xtask ci` to prepare it"),
    }
}

/// A fresh moto server of its own on a free loopback port; stopped when dropped.
pub fn moto() -> MotoServer {
    moto_with(MotoOptions::default())
}

#[expect(
    clippy::panic,
    reason = "test fixture: a missing emulator must fail the test loudly"
)]
pub fn moto_with(options: MotoOptions) -> MotoServer {
    match MotoServer::start(&venv(), options) {
        Ok(server) => server,
        Err(err) => panic!("could not start moto server: {err}"),
    }
}

/// Warden's access role as the tests seed it (`WardenAccess`, trusting moto's management
/// account), assumed with `external_id` under the session name `session`.
#[expect(
    clippy::panic,
    reason = "test fixture: a malformed fixture ExternalId must fail the test loudly"
)]
pub fn access_role(external_id: &str, session: &str) -> AccessRole {
    let (Ok(external_id), Ok(session_name)) =
        (ExternalId::new(external_id), SessionName::new(session))
    else {
        panic!("invalid fixture ExternalId or session name `{session}`");
    };
    AccessRole {
        role_name: "WardenAccess".into(),
        external_id,
        session_name,
        duration: SessionDuration::default(),
        trusted_principals: vec!["123456789012".into()],
    }
}

/// Client options for the emulator at `endpoint` that fail fast: `attempts` tries, 10 ms apart.
pub fn quick_options(endpoint: impl Into<String>, attempts: u32) -> AwsOptions {
    AwsOptions {
        max_attempts: attempts,
        initial_backoff: Some(Duration::from_millis(10)),
        ..AwsOptions::emulator(endpoint)
    }
}

/// Writes `text` to `root/file`, creating parent folders (definition repos in temp dirs).
#[expect(
    clippy::panic,
    reason = "test fixture: a temp dir that cannot be written must fail the test loudly"
)]
pub fn write_file(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, text));
    if let Err(err) = written {
        panic!("could not write `{}`: {err}", path.display());
    }
}

/// An SCP definition for fixture repositories: workload accounts cannot leave the organization.
pub const DENY_LEAVE_SCP: &str = r#"
kind: Scp
name: deny-leave
description: Accounts stay in the organization.
targets:
  ous: [Root/Workloads]
statements:
  - Sid: DenyLeave
    Effect: Deny
    justification: The guardrail the test scenario relies on.
    Action: organizations:LeaveOrganization
    Resource: "*"
"#;
