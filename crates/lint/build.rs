//! Extracts each rule's documentation (the `///` comment on its struct in `src/rules/*.rs`)
//! at build time, so SARIF `help` and the generated `docs/rules/` pages come from the rule's
//! own file and cannot drift from it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules = Path::new("src/rules");
    println!("cargo::rerun-if-changed=src/rules");
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir(rules) {
        for entry in dir.flatten() {
            let path = entry.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if path.extension().and_then(|e| e.to_str()) != Some("rs") || stem == "mod" {
                continue;
            }
            println!("cargo::rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            entries.push((stem.to_string(), struct_doc(&text)));
        }
    }
    entries.sort();
    let mut out =
        String::from("/// (file stem, documentation) of every rule, from its doc comment.\n");
    out.push_str("pub(crate) static RULE_DOCS: &[(&str, &str)] = &[\n");
    for (stem, doc) in &entries {
        let _ = writeln!(out, "    ({stem:?}, {doc:?}),");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("rule_docs.rs");
    if let Err(err) = std::fs::write(&target, out) {
        println!("cargo::warning=could not write {}: {err}", target.display());
    }
}

/// The `///` lines right above the first `pub struct`, without the markers.
fn struct_doc(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|line| line.starts_with("pub struct "))
    else {
        return String::new();
    };
    let mut doc: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .take_while(|line| line.starts_with("///"))
        .map(|line| {
            let rest = line.trim_start_matches("///");
            rest.strip_prefix(' ').unwrap_or(rest)
        })
        .collect();
    doc.reverse();
    doc.join("\n")
}
