//! `bench lint-corpus`: Warden's lint and parliament over the 1,582 AWS managed policies, side
//! by side in one run (alternating, so both see the same machine load), with min/median/max of
//! each and where Warden's time goes (process start, catalog, reading, parsing, rules, output).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use warden_catalog::{Catalog, EMBEDDED};
use warden_lint::{LintConfig, LintOptions, PolicySubject, Subject};

use crate::err::AppError;

/// parliament as the comparison runs it: its version, installed into the project venv if
/// missing (`pip install`), and a driver that lints every file of a directory like
/// `parliament --directory`, except that a policy parliament crashes on (two of the corpus,
/// `Unknown data format: ArrayOfARN`) is counted instead of stopping the run.
const PARLIAMENT: &str = "parliament==1.6.4";
const PARLIAMENT_DRIVER: &str = r#"
import json, os, sys
from pathlib import Path
import parliament
from parliament import analyze_policy_string, enhance_finding, override_config
from parliament.cli import is_finding_filtered
community = len(sys.argv) > 2
if community:
    override_config(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")
directory = sys.argv[1]
findings = 0
failed = 0
for name in sorted(os.listdir(directory)):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(directory, name)) as f:
        contents = f.read()
    try:
        policy = analyze_policy_string(contents, name, include_community_auditors=community)
    except Exception:
        failed += 1
        continue
    for finding in policy.findings:
        finding = enhance_finding(finding)
        if not is_finding_filtered(finding, "LOW"):
            print(json.dumps({"issue": finding.issue, "file": name}))
            findings += 1
print(json.dumps({"findings": findings, "failed": failed}), file=sys.stderr)
"#;

const TODAY: &str = "2026-01-01";

/// Min, median and max of a set of durations.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
}

impl Spread {
    fn of(mut samples: Vec<Duration>) -> Spread {
        samples.sort();
        let at = |index: usize| samples.get(index).copied().unwrap_or_default();
        Spread {
            min: at(0),
            median: at(samples.len() / 2),
            max: at(samples.len().saturating_sub(1)),
        }
    }

    fn show(&self) -> String {
        format!(
            "{:>8.1} {:>8.1} {:>8.1}",
            ms(self.min),
            ms(self.median),
            ms(self.max)
        )
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// Where one in-process lint of the corpus spends its time.
#[derive(Debug, Clone, Default)]
pub struct Phases {
    /// Indexing the embedded catalog (what the first lookup pays).
    pub catalog_index: Duration,
    /// Parsing every service of the catalog (`lint DIR` does it beside reading the files).
    pub catalog_parse: Duration,
    /// Reading the files.
    pub read: Duration,
    /// Parsing them into policy documents with positions (one thread here; `lint DIR` uses
    /// every core).
    pub parse: Duration,
    /// Every rule (on every core), the catalog parsed.
    pub rules: Duration,
    /// Rendering the findings as JSON.
    pub render: Duration,
    /// Reading and parsing as `lint DIR` does it, with a fresh catalog: the files on every
    /// core while another thread reads the catalog's services (the wall time of the phases
    /// above up to the rules, overlapped).
    pub front_end: Duration,
    pub findings: usize,
    /// Services of the catalog the rules decode when nothing is decoded up front, and all.
    pub services_used: usize,
    pub services: usize,
}

/// Writes the corpus as one JSON file per policy into `dir` (created), returns how many.
pub fn write_corpus_files(corpus: &Path, dir: &Path) -> Result<usize, AppError> {
    let text = std::fs::read_to_string(corpus).map_err(|err| AppError::Read {
        path: corpus.display().to_string(),
        message: err.to_string(),
    })?;
    let policies: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|err| AppError::CorpusUnreadable {
            path: corpus.display().to_string(),
            message: err.to_string(),
        })?;
    std::fs::create_dir_all(dir)?;
    for (name, entry) in &policies {
        let document = entry.get("document").unwrap_or(entry);
        let text = serde_json::to_string_pretty(document).map_err(std::io::Error::other)?;
        let mut file = std::fs::File::create(dir.join(format!("{name}.json")))?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        // On disk before any run is timed: the kernel's writeback of 1,582 new files would
        // otherwise land in the middle of some run, of either tool.
        file.sync_data()?;
    }
    Ok(policies.len())
}

/// One in-process lint of every `*.json` in `dir`, timed phase by phase. The catalog is a
/// fresh lazy instance each time, as in a new process.
pub fn lint_phases(dir: &Path, today: warden_lint::Date) -> Result<Phases, AppError> {
    let mut phases = Phases::default();
    let started = Instant::now();
    let catalog = Catalog::lazy(EMBEDDED).map_err(std::io::Error::other)?;
    phases.catalog_index = started.elapsed();
    // `lint DIR` parses the services on another thread while it reads the files; here one
    // after the other, so each phase is seen alone.
    let started = Instant::now();
    std::hint::black_box(catalog.services().count());
    phases.catalog_parse = started.elapsed();
    let started = Instant::now();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let texts = paths
        .iter()
        .map(std::fs::read_to_string)
        .collect::<Result<Vec<_>, _>>()?;
    phases.read = started.elapsed();
    let started = Instant::now();
    let mut subject = Subject::default();
    for (path, text) in paths.iter().zip(&texts) {
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = path.display().to_string();
        if let Ok(policy) = PolicySubject::from_json_text(name, None, &file, text) {
            subject.policies.push(policy);
        }
    }
    phases.parse = started.elapsed();
    let config = LintConfig::default();
    let options = LintOptions {
        catalog: &catalog,
        config: &config,
        today,
    };
    let started = Instant::now();
    let findings = warden_lint::lint(&subject, &options);
    phases.rules = started.elapsed();
    phases.findings = findings.len();
    let started = Instant::now();
    let text = warden_lint::emit::json::render(&findings);
    phases.render = started.elapsed();
    std::hint::black_box(text);
    // How many services the rules need: a fresh catalog decodes only those they look up.
    let lazy = Catalog::lazy(EMBEDDED).map_err(std::io::Error::other)?;
    let lazy_options = LintOptions {
        catalog: &lazy,
        config: &config,
        today,
    };
    std::hint::black_box(warden_lint::lint(&subject, &lazy_options).len());
    phases.services_used = lazy.decoded_services();
    phases.services = lazy.service_prefixes().count();
    let fresh = Catalog::lazy(EMBEDDED).map_err(std::io::Error::other)?;
    let request = crate::lint_files::LintRequest {
        kind: None,
        org: None,
        account: None,
        today,
        cwd: dir.to_path_buf(),
        process_exits_after: false,
    };
    let options = LintOptions {
        catalog: &fresh,
        config: &config,
        today,
    };
    let started = Instant::now();
    let read = request.read_directory(dir, &options)?;
    phases.front_end = started.elapsed();
    if read.subject.policies.len() != subject.policies.len() {
        return Err(AppError::Io(std::io::Error::other(format!(
            "`lint DIR` read {} policies, the phases {}",
            read.subject.policies.len(),
            subject.policies.len()
        ))));
    }
    Ok(phases)
}

/// CPU time (user and system) of this process's waited-for children so far, from
/// `/proc/self/stat` (`cutime` and `cstime`, in USER_HZ ticks, 100 a second on Linux); `None`
/// where that file does not exist. On a shared machine a lint's CPU time moves less with the
/// load than its wall time.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // `cutime` and `cstime` are fields 16 and 17 of the line, 14 and 15 after `(comm)`.
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    let total = ticks(13)? + ticks(14)?;
    Some(Duration::from_millis(total * 10))
}

fn timed(command: &mut Command) -> Result<(Duration, std::process::ExitStatus), AppError> {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    Ok((started.elapsed(), status))
}

fn refused(what: &str, status: std::process::ExitStatus) -> AppError {
    AppError::Io(std::io::Error::other(format!(
        "{what} failed ({status}) on the corpus"
    )))
}

/// Installs parliament into the venv when it is not importable there.
fn ensure_parliament(python: &Path) -> Result<(), AppError> {
    let importable = Command::new(python)
        .args(["-c", "import parliament"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?
        .success();
    if !importable {
        let status = Command::new(python)
            .args(["-m", "pip", "install", "--quiet", PARLIAMENT])
            .status()?;
        if !status.success() {
            return Err(refused("pip install parliament", status));
        }
    }
    Ok(())
}

/// Runs the comparison and returns the report text: `warden` is the binary to run (`cargo
/// xtask` itself, built with `--release`), `runs` the timed runs of each tool after one warm-up
/// run each, `community` adds parliament's community auditors (privilege escalation,
/// credentials exposure, …), which make it about 15 times slower.
pub fn lint_corpus(
    root: &Path,
    warden: &Path,
    runs: usize,
    community: bool,
) -> Result<String, AppError> {
    // The corpus holds no exceptions: the day they are judged on changes nothing.
    let today = warden_policy::date::parse_day(TODAY)
        .ok_or_else(|| AppError::Io(std::io::Error::other(format!("`{TODAY}` is not a day"))))?;
    let corpus = warden_emulator::ensure_corpus(root)?;
    let venv = warden_emulator::ensure_venv(root)?;
    ensure_parliament(&venv.python())?;
    let work = std::env::temp_dir().join(format!("warden-bench-lint-{}", std::process::id()));
    let dir = work.join("policies");
    let policies = write_corpus_files(&corpus, &dir)?;
    let driver = work.join("parliament_driver.py");
    std::fs::write(&driver, PARLIAMENT_DRIVER)?;
    let lint = || {
        let mut command = Command::new(warden);
        command
            .args(["lint", "--format", "json", "--today", TODAY])
            .arg(&dir);
        command
    };
    let parliament = || {
        let mut command = Command::new(venv.python());
        command.arg(&driver).arg(&dir);
        if community {
            command.arg("community");
        }
        command
    };
    let start = || {
        let mut command = Command::new(warden);
        command.args(["lint", "--rules"]);
        command
    };
    // Exit 1 is "error-level findings"; 2 is a failed run.
    let warden_ok = |status: std::process::ExitStatus| matches!(status.code(), Some(0 | 1));
    let (_, status) = timed(&mut lint())?;
    if !warden_ok(status) {
        return Err(refused("warden lint", status));
    }
    let (_, status) = timed(&mut parliament())?;
    if !status.success() {
        return Err(refused("parliament", status));
    }
    let (mut ours, mut theirs, mut starts, mut phases) = (vec![], vec![], vec![], vec![]);
    let mut cpu = Vec::new();
    for _ in 0..runs.max(1) {
        let before = children_cpu();
        let (elapsed, status) = timed(&mut lint())?;
        if !warden_ok(status) {
            return Err(refused("warden lint", status));
        }
        ours.push(elapsed);
        if let (Some(before), Some(after)) = (before, children_cpu()) {
            cpu.push(after.saturating_sub(before));
        }
        let (elapsed, status) = timed(&mut parliament())?;
        if !status.success() {
            return Err(refused("parliament", status));
        }
        theirs.push(elapsed);
        starts.push(timed(&mut start())?.0);
        phases.push(lint_phases(&dir, today)?);
    }
    let _ = std::fs::remove_dir_all(&work);
    let mut text = report(policies, community, &ours, &theirs, &starts, &phases);
    if cpu.len() == ours.len() {
        let _ = writeln!(
            text,
            "{:<28} {}",
            "warden lint cpu (user+sys)",
            Spread::of(cpu).show()
        );
    }
    Ok(text)
}

/// Reads one phase's duration.
type PhasePick = fn(&Phases) -> Duration;

fn report(
    policies: usize,
    community: bool,
    ours: &[Duration],
    theirs: &[Duration],
    starts: &[Duration],
    phases: &[Phases],
) -> String {
    let (warden, parliament) = (Spread::of(ours.to_vec()), Spread::of(theirs.to_vec()));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lint of {policies} AWS managed policies, {} alternating runs each (wall ms)",
        ours.len()
    );
    let _ = writeln!(out, "{:<28} {:>8} {:>8} {:>8}", "", "min", "median", "max");
    let _ = writeln!(out, "{:<28} {}", "warden lint", warden.show());
    let name = if community {
        "parliament (community)"
    } else {
        "parliament"
    };
    let _ = writeln!(out, "{name:<28} {}", parliament.show());
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "parliament / warden: median {:.0}x (worst pairing {:.0}x, best {:.0}x)",
        ratio(parliament.median, warden.median),
        ratio(parliament.min, warden.max),
        ratio(parliament.max, warden.min),
    );
    let _ = writeln!(out, "\nwhere warden's time goes (in process, ms)");
    let _ = writeln!(out, "{:<28} {:>8} {:>8} {:>8}", "", "min", "median", "max");
    let _ = writeln!(
        out,
        "{:<28} {}",
        "process start (lint --rules)",
        Spread::of(starts.to_vec()).show()
    );
    let phase = |pick: PhasePick| Spread::of(phases.iter().map(pick).collect::<Vec<_>>()).show();
    let rows: [(&str, PhasePick); 7] = [
        ("catalog index", |p| p.catalog_index),
        ("catalog parse (all services)", |p| p.catalog_parse),
        ("read files", |p| p.read),
        ("parse documents (1 thread)", |p| p.parse),
        ("rules (all cores)", |p| p.rules),
        ("render json", |p| p.render),
        ("read+parse as lint DIR", |p| p.front_end),
    ];
    for (label, pick) in rows {
        let _ = writeln!(out, "{label:<28} {}", phase(pick));
    }
    if let Some(first) = phases.first() {
        let _ = writeln!(out, "findings: {}", first.findings);
        let _ = writeln!(
            out,
            "catalog services the rules decode: {} of {}",
            first.services_used, first.services
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_min_median_max() {
        let spread = Spread::of(vec![
            Duration::from_millis(30),
            Duration::from_millis(10),
            Duration::from_millis(20),
        ]);
        assert_eq!(spread.min, Duration::from_millis(10));
        assert_eq!(spread.median, Duration::from_millis(20));
        assert_eq!(spread.max, Duration::from_millis(30));
    }

    /// A child that burns CPU for a while shows in the children's CPU time once waited for.
    #[cfg(target_os = "linux")]
    #[test]
    fn children_cpu_counts_a_waited_for_child() {
        let before = children_cpu().unwrap();
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let after = children_cpu().unwrap();
        assert!(after > before, "{before:?} → {after:?}");
    }

    #[test]
    fn phases_lint_a_directory_of_policies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("star.json"),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("get.json"),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
        )
        .unwrap();
        let today = warden_policy::date::parse_day("2026-01-01").unwrap();
        let phases = lint_phases(dir.path(), today).unwrap();
        assert!(phases.findings > 0, "`*` on `*` draws findings");
        // Rules decode the services they look up (here at least S3's), not the catalog.
        assert!(phases.services > 400, "{}", phases.services);
        assert!(
            (1..phases.services).contains(&phases.services_used),
            "{} of {}",
            phases.services_used,
            phases.services
        );
    }
}
