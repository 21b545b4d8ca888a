//! Tidy checks: the architecture invariants of ARCHITECTURE.md, enforced as tests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace root")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let offenders: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "files without a leading `//!` line: {offenders:#?}"
    );
}

/// Library crates never print or exit: they return results and diagnostics.
#[test]
fn libraries_never_print_or_exit() {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let forbidden = [
        "println!(",
        "eprintln!(",
        "print!(",
        "eprint!(",
        "std::process::exit",
        "dbg!(",
    ];
    let mut offenders = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "src"))
    {
        let text = fs::read_to_string(path).unwrap_or_default();
        // Unit tests may print; they follow `#[cfg(test)]`.
        let library_part = text.split("#[cfg(test)]").next().unwrap_or_default();
        for needle in forbidden {
            if library_part.contains(needle) {
                offenders.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "library code that prints or exits: {offenders:#?}"
    );
}

fn crate_dependencies() -> BTreeMap<String, Vec<String>> {
    let root = workspace_root();
    let mut map = BTreeMap::new();
    let mut manifests: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates/ exists")
        .flatten()
        .map(|entry| entry.path().join("Cargo.toml"))
        .filter(|path| path.exists())
        .collect();
    manifests.push(root.join("xtask/Cargo.toml"));
    for manifest in manifests {
        let text = fs::read_to_string(&manifest).expect("manifest readable");
        let name = text
            .lines()
            .find_map(|line| line.strip_prefix("name = "))
            .map(|name| name.trim_matches('"').to_string())
            .expect("package has a name");
        // Only [dependencies]: dev-dependencies may reach further for tests.
        let deps_section = text
            .split("[dependencies]")
            .nth(1)
            .map(|rest| rest.split("\n[").next().unwrap_or_default())
            .unwrap_or_default();
        let deps = deps_section
            .lines()
            .filter_map(|line| line.split(['.', ' ', '=']).next())
            .filter(|dep| !dep.is_empty() && !dep.starts_with('#'))
            .map(str::to_string)
            .collect();
        map.insert(name, deps);
    }
    map
}

/// Architecture invariant: only `warden-aws` talks to AWS.
#[test]
fn only_the_aws_adapter_depends_on_the_sdk() {
    let deps = crate_dependencies();
    assert!(deps.contains_key("warden-aws"));
    for (krate, list) in &deps {
        let sdk: Vec<_> = list.iter().filter(|d| d.starts_with("aws-")).collect();
        if krate == "warden-aws" {
            assert!(!sdk.is_empty(), "warden-aws should use the AWS SDK");
        } else {
            assert!(
                sdk.is_empty(),
                "{krate} depends on {sdk:?}; only warden-aws may"
            );
        }
    }
}

/// Architecture invariant: dependencies point one way (policy ← catalog ← eval; policy ← spec;
/// catalog, spec ← lint ← plan ← aws ← xtask; report and generate beside aws and plan).
#[test]
fn internal_dependencies_point_one_way() {
    let layer = |name: &str| -> Option<u8> {
        Some(match name {
            "warden-policy" => 0,
            "warden-catalog" => 1,
            "warden-eval" | "warden-spec" => 2,
            "warden-lint" => 3,
            "warden-plan" | "warden-generate" => 4,
            "warden-report" | "warden-aws" => 5,
            "warden-emulator" => 0,
            "xtask" => 9,
            _ => return None,
        })
    };
    for (krate, list) in crate_dependencies() {
        let Some(own) = layer(&krate) else {
            panic!("crate {krate} has no layer in the tidy check: add it and to ARCHITECTURE.md");
        };
        for dep in list.iter().filter(|d| d.starts_with("warden-")) {
            let Some(theirs) = layer(dep) else {
                panic!("{krate} depends on unknown internal crate {dep}");
            };
            assert!(
                theirs < own,
                "{krate} (layer {own}) must not depend on {dep} (layer {theirs})"
            );
        }
    }
}

/// Integration tests link into one binary per crate (`autotests = false`): every extra test
/// binary links the whole dependency graph again.
#[test]
fn integration_tests_are_one_binary_per_crate() {
    let root = workspace_root();
    let mut offenders = Vec::new();
    for entry in fs::read_dir(root.join("crates"))
        .expect("crates/ exists")
        .flatten()
    {
        let tests = entry.path().join("tests");
        let has_rust_tests = fs::read_dir(&tests)
            .map(|dir| {
                dir.flatten()
                    .any(|file| file.path().extension().is_some_and(|ext| ext == "rs"))
            })
            .unwrap_or(false);
        let manifest = fs::read_to_string(entry.path().join("Cargo.toml")).unwrap_or_default();
        if has_rust_tests && !manifest.contains("autotests = false") {
            offenders.push(entry.path().display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "crates with one test binary per file: {offenders:?}"
    );
}
