//! Headless Chromium for tests of rendered HTML: find (or, as root, install) Debian's
//! `chromium`, and dump a page's DOM after it loaded, with a timeout and a fresh profile.

use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::err::EmulatorError;

/// How long one `--dump-dom` may take.
pub const DUMP_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable naming a Chromium binary to use instead of the system one.
pub const CHROMIUM_ENV: &str = "WARDEN_CHROMIUM";

const CANDIDATES: [&str; 3] = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
];

fn not_available(detail: &str) -> EmulatorError {
    EmulatorError::CommandFailed {
        command: "chromium".into(),
        status: "not available".into(),
        stderr_tail: format!(
            "{detail}; install it with `apt-get install -y chromium` (as root), or set {CHROMIUM_ENV} to a Chromium binary"
        ),
    }
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CHROMIUM_ENV).map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| {
                    ids.split_whitespace()
                        .nth(1)
                        .map(|effective| effective == "0")
                })
        })
        .unwrap_or(false)
}

fn apt_get(args: &[&str]) -> Result<(), EmulatorError> {
    let command = format!("apt-get {}", args.join(" "));
    let output = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EmulatorError::Spawn {
            command: command.clone(),
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(EmulatorError::CommandFailed {
        command,
        status: output.status.to_string(),
        stderr_tail: tail(&stderr),
    })
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// The Chromium binary: `$WARDEN_CHROMIUM`, or `/usr/bin/chromium` (and similar), installed
/// with `apt-get install -y chromium` when missing and running as root. Errors say what to do.
pub fn ensure_chromium() -> Result<PathBuf, EmulatorError> {
    if let Some(path) = find_chromium() {
        return Ok(path);
    }
    if std::env::var_os(CHROMIUM_ENV).is_some() {
        return Err(not_available(&format!(
            "{CHROMIUM_ENV} does not name a file"
        )));
    }
    if !running_as_root() {
        return Err(not_available(
            "chromium is not installed and this process is not root",
        ));
    }
    if apt_get(&["install", "-y", "chromium"]).is_err() {
        // A fresh container may have no package lists yet.
        apt_get(&["update"])?;
        apt_get(&["install", "-y", "chromium"])?;
    }
    find_chromium().ok_or_else(|| {
        not_available("`apt-get install -y chromium` succeeded but no chromium binary was found")
    })
}

/// A `file://` URL for a local path (made absolute), with `#fragment` appended when given.
pub fn file_url(path: &Path, fragment: Option<&str>) -> Result<String, EmulatorError> {
    let absolute = path
        .canonicalize()
        .map_err(|e| EmulatorError::io(path, e))?;
    let mut url = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    Ok(url)
}

/// Loads `url` in headless Chromium with a fresh profile and no network features, and returns
/// the serialized DOM (`--dump-dom`). Stops the browser's process group after [`DUMP_TIMEOUT`].
pub fn dump_dom(chromium: &Path, url: &str) -> Result<String, EmulatorError> {
    let profile = std::env::temp_dir().join(format!(
        "warden-chromium-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&profile).map_err(|e| EmulatorError::io(&profile, e))?;
    let result = run_dump(chromium, url, &profile);
    let _ = std::fs::remove_dir_all(&profile);
    result
}

fn run_dump(chromium: &Path, url: &str, profile: &Path) -> Result<String, EmulatorError> {
    let command = format!("{} --headless --dump-dom {url}", chromium.display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout stops the renderer and helper processes too.
        .process_group(0)
        .spawn()
        .map_err(|source| EmulatorError::Spawn {
            command: command.clone(),
            source,
        })?;
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child
            .try_wait()
            .map_err(|e| EmulatorError::io(chromium, e))?
        {
            Some(status) => break status,
            None if started.elapsed() > DUMP_TIMEOUT => {
                stop_group(&mut child);
                return Err(EmulatorError::CommandFailed {
                    command,
                    status: format!("timed out after {} s", DUMP_TIMEOUT.as_secs()),
                    stderr_tail: String::new(),
                });
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let dom = stdout.join().unwrap_or_default();
    let errors = stderr.join().unwrap_or_default();
    if !status.success() || dom.trim().is_empty() {
        return Err(EmulatorError::CommandFailed {
            command,
            status: status.to_string(),
            stderr_tail: tail(&errors),
        });
    }
    Ok(dom)
}

fn reader<R: Read + Send + 'static>(source: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut source) = source {
            let mut bytes = Vec::new();
            let _ = source.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Kills the process group this module started (its id is the child's pid), then reaps it.
fn stop_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_absolute_and_percent_encoded() {
        let dir = std::env::temp_dir().join("warden browser test");
        let _ = std::fs::create_dir_all(&dir);
        let url = file_url(&dir, Some("role-a"));
        let _ = std::fs::remove_dir_all(&dir);
        let url = url.unwrap_or_default();
        assert!(url.starts_with("file:///"), "{url}");
        assert!(url.ends_with("warden%20browser%20test#role-a"), "{url}");
    }
}
