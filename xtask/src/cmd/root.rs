//! Which repository a command works on: `--root` when given, else the nearest directory
//! upward from where the command runs that holds `warden.yaml`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The repository root: `explicit` (from `--root`) as given, else discovered from the current
/// directory. Never the directory the binary was built in.
pub fn resolve(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(root) = explicit {
        return Ok(root.to_path_buf());
    }
    let here =
        std::env::current_dir().context("could not read the current directory; pass --root")?;
    Ok(warden_spec::discover_root(&here)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_root_wins() {
        let given = Path::new("somewhere/else");
        assert_eq!(resolve(Some(given)).unwrap(), given);
    }
}
