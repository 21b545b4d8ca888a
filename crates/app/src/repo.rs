//! The definitions repository as git sees it: the commit a plan and its audit records name.

use std::path::Path;
use std::process::Command;

/// `git rev-parse HEAD` of the definitions repository and whether its definition files have
/// uncommitted changes; `(None, false)` outside a git checkout.
pub fn git_commit(root: &Path) -> (Option<String>, bool) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]).filter(|sha| sha.len() == 40) else {
        return (None, false);
    };
    let dirty = git(&[
        "status",
        "--porcelain",
        "--",
        "warden.yaml",
        "policies",
        "boundaries",
        "scps",
    ])
    .is_some_and(|status| !status.is_empty());
    (Some(commit), dirty)
}
