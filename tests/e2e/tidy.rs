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
    // Test-only module files (`corpus_tests.rs`, `tests.rs`) are compiled under `#[cfg(test)]`.
    for path in files.iter().filter(|p| {
        p.components().any(|c| c.as_os_str() == "src")
            && !p
                .file_name()
                .is_some_and(|name| name.to_string_lossy().ends_with("tests.rs"))
    }) {
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
/// catalog, spec ← lint ← plan ← aws ← app ← xtask; report and generate beside aws and plan).
#[test]
fn internal_dependencies_point_one_way() {
    let layer = |name: &str| -> Option<u8> {
        Some(match name {
            "warden-policy" => 0,
            "warden-catalog" | "warden-live" => 1,
            "warden-eval" | "warden-spec" => 2,
            "warden-lint" => 3,
            "warden-plan" | "warden-generate" => 4,
            "warden-report" | "warden-aws" | "warden-snapshot" | "warden-import" => 5,
            "warden-review" => 5,
            "warden-access" => 5,
            "warden-app" => 6,
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

/// The integration-test binaries cargo builds for a crate: one per `[[test]]` target, plus, unless
/// `autotests = false`, one per `tests/*.rs` file and per `tests/*/main.rs`.
fn integration_test_binaries(crate_dir: &Path) -> Vec<String> {
    let manifest = fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    let mut binaries: Vec<String> = manifest
        .matches("[[test]]")
        .map(|_| "[[test]]".to_string())
        .collect();
    if !manifest.contains("autotests = false") {
        for entry in fs::read_dir(crate_dir.join("tests"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let is_test_file = path.extension().is_some_and(|ext| ext == "rs");
            if is_test_file || path.join("main.rs").is_file() {
                binaries.push(path.display().to_string());
            }
        }
    }
    binaries
}

/// Integration tests link into one binary per crate (`autotests = false` with one `[[test]]`,
/// or a single `tests/<name>.rs` or `tests/<name>/main.rs`): every extra test binary links the
/// whole dependency graph again.
#[test]
fn integration_tests_are_one_binary_per_crate() {
    let root = workspace_root();
    let mut offenders = Vec::new();
    let mut crates_with_tests = 0;
    for entry in fs::read_dir(root.join("crates"))
        .expect("crates/ exists")
        .flatten()
    {
        let binaries = integration_test_binaries(&entry.path());
        crates_with_tests += usize::from(!binaries.is_empty());
        if binaries.len() > 1 {
            offenders.push(format!("{}: {binaries:?}", entry.path().display()));
        }
    }
    assert!(
        crates_with_tests >= 2,
        "found integration tests in {crates_with_tests} crates only"
    );
    assert!(
        offenders.is_empty(),
        "crates with more than one integration-test binary (use modules of one): {offenders:#?}"
    );
}

#[test]
fn the_binary_count_sees_files_folders_and_test_targets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |file: &str, text: &str| warden_e2e::write_file(dir.path(), file, text);
    write("Cargo.toml", "[package]\nname = \"x\"\n");
    assert!(integration_test_binaries(dir.path()).is_empty());
    write("tests/fixtures/a.json", "{}");
    write("tests/all/main.rs", "//! One.\nmod a;\n");
    write("tests/all/a.rs", "//! A module.\n");
    assert_eq!(integration_test_binaries(dir.path()).len(), 1);
    write("tests/other.rs", "//! Two.\n");
    assert_eq!(integration_test_binaries(dir.path()).len(), 2);
    write(
        "Cargo.toml",
        "[package]\nname = \"x\"\nautotests = false\n\n[[test]]\nname = \"all\"\npath = \"tests/all/main.rs\"\n",
    );
    assert_eq!(
        integration_test_binaries(dir.path()),
        vec!["[[test]]".to_string()]
    );
}

/// Rust source split for scanning: comments blanked (doc comments too), string and char literal
/// contents blanked but their quotes kept, byte offsets and line numbers unchanged.
struct Lexed {
    code: String,
    /// Start offset (of the opening quote) and content of every string or char literal.
    literals: Vec<(usize, String)>,
}

fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut code = bytes.to_vec();
    let mut literals = Vec::new();
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut code[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            let end = memchr_newline(bytes, i);
            blank(&mut code, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut j) = (1, i + 2);
            while j < bytes.len() && depth > 0 {
                if bytes[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if bytes[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut code, i, j);
            i = j;
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br#"…"#: no escapes; ends at `"` followed by the same number of `#`.
            let open = i + rest.iter().position(|&b| b == b'"').unwrap_or(0) + 1;
            let close_pattern: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let close = bytes[open..]
                .windows(close_pattern.len())
                .position(|w| w == close_pattern.as_slice())
                .map_or(bytes.len(), |p| open + p);
            literals.push((open - 1, text[open..close].to_string()));
            blank(&mut code, open, close);
            i = (close + close_pattern.len()).min(bytes.len());
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let j = j.min(bytes.len());
            literals.push((i, text[i + 1..j].to_string()));
            blank(&mut code, i + 1, j);
            i = j + 1;
        } else if bytes[i] == b'\'' {
            // A char literal ('x', '\n', '\u{…}') or a lifetime ('a, left as code).
            let end = if bytes.get(i + 1) == Some(&b'\\') {
                bytes[i + 2..]
                    .iter()
                    .position(|&b| b == b'\'')
                    .map(|p| i + 2 + p)
            } else {
                let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (bytes.get(i + 1 + width) == Some(&b'\'')).then_some(i + 1 + width)
            };
            match end {
                Some(end) => {
                    literals.push((i, text[i + 1..end].to_string()));
                    blank(&mut code, i + 1, end);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else if is_ident_byte(bytes[i]) {
            // Whole identifiers: an `r` or `b` inside one never starts a literal.
            while i < bytes.len() && is_ident_byte(bytes[i]) {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    Lexed {
        code: String::from_utf8_lossy(&code).into_owned(),
        literals,
    }
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// `r"`, `r#"`, `br##"`…: the number of `#` of a raw string starting here.
fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let after_b = rest.strip_prefix(b"b").unwrap_or(rest);
    let after_r = after_b.strip_prefix(b"r")?;
    let hashes = after_r.iter().take_while(|&&b| b == b'#').count();
    (after_r.get(hashes) == Some(&b'"')).then_some(hashes)
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The offset just past the bracket matching the one at `open` (`{`, `(`, `[`).
fn matching_close(code: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, &byte) in code.iter().enumerate().skip(open) {
        match byte {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// Blanks every item marked `#[cfg(test)]`: test code may use anything.
fn without_test_items(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    let mut from = 0;
    while let Some(found) = code[from..].find("#[cfg(test)]") {
        let start = from + found;
        let item = start + "#[cfg(test)]".len();
        let end = match bytes[item..].iter().position(|&b| b == b'{' || b == b';') {
            Some(p) if bytes[item + p] == b'{' => matching_close(&bytes, item + p),
            Some(p) => item + p + 1,
            None => bytes.len(),
        };
        for byte in &mut bytes[start..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        from = end.max(start + 1);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every identifier of `text` with its offset.
fn identifiers(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident_byte(bytes[i]) {
            let start = i;
            while i < bytes.len() && is_ident_byte(bytes[i]) {
                i += 1;
            }
            if !bytes[start].is_ascii_digit() {
                out.push((start, &text[start..i]));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Crates of the AWS SDK and its runtime, as they are spelled in Rust paths.
fn is_sdk_crate(ident: &str) -> bool {
    ident.starts_with("aws_sdk_")
        || ident.starts_with("aws_smithy_")
        || matches!(
            ident,
            "aws_config" | "aws_types" | "aws_credential_types" | "aws_runtime" | "aws_sigv4"
        )
}

/// Names a file brings in from the SDK with `use` (the alias when renamed): `Tag` after
/// `use aws_sdk_iam::types::Tag;` is an SDK type in that file's signatures.
fn sdk_imports(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (start, _) in code.match_indices("use ") {
        if start > 0 && is_ident_byte(code.as_bytes()[start - 1]) {
            continue;
        }
        let end = code[start..].find(';').map_or(code.len(), |p| start + p);
        let tree = &code[start + 4..end];
        let idents = identifiers(tree);
        if !idents.first().is_some_and(|(_, first)| is_sdk_crate(first)) {
            continue;
        }
        for (k, &(offset, ident)) in idents.iter().enumerate() {
            let after = tree[offset + ident.len()..].trim_start();
            let leaf = after.is_empty() || after.starts_with([',', '}']);
            let renamed = idents.get(k + 1).is_some_and(|(_, next)| *next == "as");
            let is_alias = k > 0 && idents[k - 1].1 == "as";
            if (leaf || is_alias) && !renamed && !matches!(ident, "self" | "as") {
                names.push(ident.to_string());
            }
        }
    }
    names
}

/// The text after `pub` that is public API: a function's signature, a field's type, a struct
/// or type alias header, an enum's variants, a trait's method signatures, a `pub use` path.
fn public_item_text(code: &str, after_pub: usize) -> &str {
    let bytes = code.as_bytes();
    let rest = &code[after_pub..];
    let first = identifiers(rest)
        .into_iter()
        .map(|(_, ident)| ident)
        .find(|ident| !matches!(*ident, "const" | "async" | "unsafe" | "extern"));
    let until = |stops: &[u8]| -> usize {
        // Up to the first stop at bracket depth 0 (`<…>` counted, `->`/`=>` not).
        let mut depth = 0i32;
        for (j, &byte) in bytes.iter().enumerate().skip(after_pub) {
            let arrow = j > 0 && matches!(bytes[j - 1], b'-' | b'=');
            match byte {
                _ if depth == 0 && stops.contains(&byte) => return j,
                b'(' | b'[' | b'<' => depth += 1,
                b'>' if arrow => {}
                b')' | b']' | b'>' => depth -= 1,
                b'{' | b'}' if depth > 0 => {}
                _ => {}
            }
            if depth < 0 {
                return j;
            }
        }
        bytes.len()
    };
    let end = match first {
        Some("fn") => until(b"{;"),
        Some("struct" | "union") => until(b"{(;"),
        Some("enum" | "trait") => match bytes[after_pub..].iter().position(|&b| b == b'{') {
            Some(p) => matching_close(bytes, after_pub + p),
            None => bytes.len(),
        },
        Some("mod") => after_pub,
        Some("type" | "use" | "static") => until(b";"),
        // A field (`pub name: Type`) or tuple field (`pub Type`): up to `,` or the close.
        _ => until(b",;}"),
    };
    &code[after_pub..end]
}

/// Trait method default bodies are not API: blank nested blocks inside a trait's text.
fn without_nested_blocks(item: &str) -> String {
    let bytes = item.as_bytes();
    let Some(open) = bytes.iter().position(|&b| b == b'{') else {
        return item.to_string();
    };
    let mut out = bytes.to_vec();
    let mut j = open + 1;
    while j < bytes.len() {
        if bytes[j] == b'{' {
            let close = matching_close(bytes, j);
            for byte in &mut out[j..close.saturating_sub(1).max(j)] {
                *byte = b' ';
            }
            j = close;
        } else {
            j += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Public items of one source file that name an SDK type: `line: item text`. Every `pub` item
/// counts, reachable from the crate root or not (helpers the crate shares are `pub(crate)`);
/// so do trait impls whose header names the SDK, `impl From<SdkError> for AwsError` included.
fn sdk_types_in_public_api(source: &str) -> Vec<String> {
    let code = without_test_items(&lex(source).code);
    let imports = sdk_imports(&code);
    let names_sdk = |text: &str| {
        identifiers(text)
            .into_iter()
            .find(|(_, ident)| is_sdk_crate(ident) || imports.iter().any(|name| name == ident))
            .map(|(_, ident)| ident.to_string())
    };
    let mut offenders = Vec::new();
    let mut report = |offset: usize, text: &str, ident: String| {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        offenders.push(format!(
            "line {}: `{ident}` in `{text}`",
            line_of(&code, offset)
        ));
    };
    for (offset, ident) in identifiers(&code) {
        let after = &code[offset + ident.len()..];
        if ident == "pub" && !after.starts_with('(') {
            let item = public_item_text(&code, offset + 3);
            let item = if identifiers(item)
                .first()
                .is_some_and(|(_, kind)| *kind == "trait")
            {
                without_nested_blocks(item)
            } else {
                item.to_string()
            };
            if let Some(sdk) = names_sdk(&item) {
                report(offset, &item, sdk);
            }
        } else if ident == "impl" {
            let header_end = after.find('{').map_or(after.len(), |p| p);
            let header = &after[..header_end];
            let is_trait_impl = identifiers(header).iter().any(|(_, word)| *word == "for");
            if is_trait_impl && let Some(sdk) = names_sdk(header) {
                report(offset, header, sdk);
            }
        }
    }
    offenders
}

/// Architecture invariant: no SDK type appears in warden-aws's public API, so callers never
/// depend on the SDK's versions and the adapter can change its calls freely.
#[test]
fn no_sdk_type_in_the_aws_adapters_public_api() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/aws/src"), &mut files);
    assert!(
        files.len() > 5,
        "found only {} files in crates/aws/src",
        files.len()
    );
    let mut offenders = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_default();
        for offence in sdk_types_in_public_api(&text) {
            offenders.push(format!("{}: {offence}", path.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "SDK types in warden-aws's public API (wrap them in Warden types or make the item \
         `pub(crate)`): {offenders:#?}"
    );
}

#[test]
fn the_public_api_check_finds_sdk_types_and_only_in_public_signatures() {
    let flagged = |source: &str| sdk_types_in_public_api(source);
    for leaking in [
        "pub fn x() -> aws_sdk_iam::Client { todo!() }",
        "pub async fn x(\n    config: &aws_config::SdkConfig,\n) -> u8 { 0 }",
        "pub struct W { name: String, pub client: aws_sdk_iam::Client }",
        "pub struct W(pub std::sync::Arc<aws_sdk_sts::Client>);",
        "pub struct W { pub map: BTreeMap<String, aws_sdk_iam::types::Tag> }",
        "use aws_sdk_iam::types::{Role as SdkRole, Tag};\npub fn roles() -> Vec<SdkRole> { vec![] }",
        "use aws_sdk_iam::types::Tag;\npub fn tags(t: &[Tag]) {}",
        "pub use aws_sdk_iam::Client;",
        "pub type Client = aws_sdk_iam::Client;",
        "pub enum E { Sdk(aws_smithy_runtime_api::client::result::SdkError<()>), Other }",
        "pub trait T { fn client(&self) -> &aws_sdk_iam::Client; }",
        "pub struct AwsError;\nimpl From<aws_sdk_iam::Error> for AwsError { fn from(_: aws_sdk_iam::Error) -> Self { AwsError } }",
    ] {
        assert!(!flagged(leaking).is_empty(), "not flagged: {leaking}");
    }
    for internal in [
        "pub(crate) fn x(client: &aws_sdk_iam::Client) {}",
        "fn x() -> aws_sdk_iam::Client { todo!() }",
        "pub fn x() -> u8 { let c: aws_sdk_iam::Client = todo!(); 0 }",
        "/// Wraps `aws_sdk_iam::Client`.\npub struct Aws { inner: aws_sdk_iam::Client }",
        "pub fn name() -> &'static str { \"aws_sdk_iam::Client\" }",
        "use aws_sdk_iam::types::Tag;\npub fn tags() -> Vec<String> { vec![] }",
        "pub trait T { fn n(&self) -> u8 { let _c: Option<aws_sdk_iam::Client> = None; 0 } }",
        "#[cfg(test)]\nmod tests { pub fn c() -> aws_sdk_iam::Client { todo!() } }",
        "impl Aws { pub(crate) fn iam(&self) -> &aws_sdk_iam::Client { &self.iam } }",
    ] {
        assert_eq!(
            flagged(internal),
            Vec::<String>::new(),
            "flagged: {internal}"
        );
    }
    assert_eq!(
        flagged("\n\npub fn x() -> aws_sdk_iam::Client { todo!() }"),
        vec!["line 3: `aws_sdk_iam` in `fn x() -> aws_sdk_iam::Client`".to_string()]
    );
}

/// Places in one source file that build or split an ARN by hand: `line: what`. Formatting is a
/// string literal starting `arn:` with a `{…}` placeholder (or a bare `"arn:"` concatenated);
/// splitting is `split`/`splitn`/`rsplit`/`split_once`/… on `':'` of an expression named `arn`.
fn hand_made_arns(source: &str) -> Vec<String> {
    let lexed = lex(source);
    let code = without_test_items(&lexed.code);
    let live = |offset: usize| code.as_bytes().get(offset) == Some(&b'"');
    let mut found = Vec::new();
    for (offset, literal) in &lexed.literals {
        if !live(*offset) || !literal.starts_with("arn:") {
            continue;
        }
        let before = code[..*offset].trim_end();
        let concatenated = literal == "arn:"
            && (before.ends_with("push_str(")
                || before.ends_with('+')
                || before.ends_with("concat!("));
        if literal.contains('{') || concatenated {
            found.push(format!(
                "line {}: formats `\"{literal}\"`",
                line_of(&code, *offset)
            ));
        }
    }
    for (offset, ident) in identifiers(&code) {
        if !matches!(
            ident,
            "split"
                | "splitn"
                | "rsplit"
                | "rsplitn"
                | "split_once"
                | "rsplit_once"
                | "split_terminator"
        ) || !code[..offset].ends_with('.')
        {
            continue;
        }
        // The separator is the last literal among the arguments.
        let args_start = offset + ident.len();
        if code.as_bytes().get(args_start) != Some(&b'(') {
            continue;
        }
        let args_end = matching_close(code.as_bytes(), args_start);
        let separator = lexed
            .literals
            .iter()
            .rev()
            .find(|(at, _)| (args_start..args_end).contains(at));
        if separator.is_none_or(|(_, text)| text != ":") {
            continue;
        }
        // The receiver: the path or call chain right before `.split`.
        let receiver_start = code[..offset - 1]
            .rfind(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '(' | ')' | '&'))
            })
            .map_or(0, |p| p + 1);
        let receiver = &code[receiver_start..offset - 1];
        let names_arn = identifiers(receiver).iter().any(|(_, word)| {
            let word = word.to_ascii_lowercase();
            word == "arn" || word.ends_with("_arn") || word.starts_with("arn_") || word == "arns"
        });
        if names_arn {
            found.push(format!(
                "line {}: splits `{receiver}` with `.{ident}`",
                line_of(&code, offset)
            ));
        }
    }
    found
}

/// Architecture invariant: ARNs are parsed and built in warden-policy only. Tests, fixtures
/// (test data and the emulator seeding in `fixture.rs`) and comments may spell them out.
#[test]
fn no_arn_is_formatted_or_split_outside_the_policy_crate() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut offenders = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap_or(path);
        let components: Vec<_> = relative.components().map(|c| c.as_os_str()).collect();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // The emulator reads moto's wire format (the account of an AssumeRole `RoleArn`, to
        // count calls per account), not IAM documents; it sits on layer 0 beside warden-policy
        // and may not depend on it.
        let exempt = relative.starts_with("crates/policy")
            || relative.starts_with("crates/emulator")
            || components
                .iter()
                .any(|c| *c == "tests" || *c == "benches" || *c == "fixtures")
            || name == "tests.rs"
            || name.ends_with("_tests.rs")
            || name == "fixture.rs";
        if exempt {
            continue;
        }
        let text = fs::read_to_string(path).unwrap_or_default();
        for place in hand_made_arns(&text) {
            offenders.push(format!("{}: {place}", relative.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "ARNs built or split outside warden-policy (use its ARN type): {offenders:#?}"
    );
}

#[test]
fn the_arn_check_finds_hand_made_arns_and_only_those() {
    for hand_made in [
        r#"fn a(id: &str) -> String { format!("arn:aws:iam::{id}:role/x") }"#,
        r#"fn a(id: &str) -> String { format!("arn:{}:iam::{}:root", "aws", id) }"#,
        r#"fn a(s: &mut String) { s.push_str("arn:"); }"#,
        r#"fn a(role_arn: &str) -> Option<&str> { role_arn.split(':').nth(4) }"#,
        r#"fn a(arn: &str) -> Vec<&str> { arn.splitn(6, ':').collect() }"#,
        r#"fn a(p: &P) -> Option<(&str, &str)> { p.policy_arn.rsplit_once(":") }"#,
        r#"fn a(p: &P) -> Option<&str> { p.arn().split(':').last() }"#,
    ] {
        assert!(
            !hand_made_arns(hand_made).is_empty(),
            "not flagged: {hand_made}"
        );
    }
    for fine in [
        r#"const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";"#,
        r#"fn a(arn: &Arn) -> String { arn.to_string() }"#,
        r#"fn a(key: &str) -> Option<(&str, &str)> { key.split_once(':') }"#,
        r#"fn a(arn: &str) -> Vec<&str> { arn.split('/').collect() }"#,
        "/// Builds `format!(\"arn:aws:iam::{id}:root\")` via warden-policy.\nfn a() {}",
        "// role_arn.split(':')\nfn a() {}",
        "#[cfg(test)]\nmod tests { fn a(id: &str) -> String { format!(\"arn:aws:iam::{id}:root\") } }",
    ] {
        assert_eq!(
            hand_made_arns(fine),
            Vec::<String>::new(),
            "flagged: {fine}"
        );
    }
    assert_eq!(
        hand_made_arns("fn a(id: &str) -> String {\n    format!(\"arn:aws:iam::{id}:root\")\n}"),
        vec!["line 2: formats `\"arn:aws:iam::{id}:root\"`".to_string()]
    );
}

/// The non-test part of a source file: unit tests follow `#[cfg(test)]` and may do I/O.
fn library_part(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or_default()
}

/// What a pure crate's source must not name, and what no library may name.
fn io_and_environment_uses(text: &str, pure: bool) -> Vec<&'static str> {
    const IO: &[&str] = &[
        "std::fs",
        "std::process",
        "tokio",
        "std::net::Tcp",
        "std::net::Udp",
        "File::",
    ];
    const ENVIRONMENT: &[&str] = &["std::env::var", "env::var(", "env::var_os(", "env::vars("];
    let code = library_part(text);
    let mut found: Vec<&'static str> = ENVIRONMENT
        .iter()
        .copied()
        .filter(|needle| code.contains(needle))
        .collect();
    if pure {
        found.extend(IO.iter().copied().filter(|needle| code.contains(needle)));
    }
    found
}

/// Architecture invariant: the analyses are pure, and only xtask (and the SDK's credential chain)
/// reads the environment. The emulator is test infrastructure and may read its own variables.
#[test]
fn pure_crates_do_no_io_and_libraries_read_no_environment() {
    let root = workspace_root();
    let pure = ["policy", "live", "catalog", "eval", "lint", "plan"];
    let mut offenders = Vec::new();
    let mut checked = 0;
    for entry in fs::read_dir(root.join("crates"))
        .expect("crates/ exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if name == "emulator" {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&entry.path().join("src"), &mut files);
        for path in files {
            let file_name = path.file_name().unwrap_or_default().to_string_lossy();
            if file_name.ends_with("tests.rs")
                || path.components().any(|c| c.as_os_str() == "tests")
            {
                continue;
            }
            checked += 1;
            let text = fs::read_to_string(&path).unwrap_or_default();
            for needle in io_and_environment_uses(&text, pure.contains(&name.as_str())) {
                offenders.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(checked > 50, "checked only {checked} files");
    assert!(
        offenders.is_empty(),
        "I/O in a pure crate or an environment read in a library: {offenders:#?}"
    );
}

#[test]
fn the_io_check_finds_io_and_environment_reads() {
    assert_eq!(
        io_and_environment_uses("fn a() { let _ = std::fs::read(\"x\"); }", true),
        vec!["std::fs"]
    );
    assert_eq!(
        io_and_environment_uses("fn a() { let _ = std::fs::read(\"x\"); }", false),
        Vec::<&str>::new(),
        "I/O is allowed outside the pure crates"
    );
    assert_eq!(
        io_and_environment_uses("fn a() -> bool { std::env::var(\"X\").is_ok() }", false),
        vec!["std::env::var", "env::var("]
    );
    assert_eq!(
        io_and_environment_uses("use std::net::IpAddr;\nfn a(_: IpAddr) {}", true),
        Vec::<&str>::new(),
        "an address type is not I/O"
    );
    assert_eq!(
        io_and_environment_uses(
            "fn a() {}\n#[cfg(test)]\nmod tests { fn b() { std::fs::read(\"x\"); } }",
            true
        ),
        Vec::<&str>::new(),
        "unit tests may read fixtures"
    );
}
