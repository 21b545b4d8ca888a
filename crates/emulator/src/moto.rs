//! moto server lifecycle: start on a free loopback port, wait until ready, reset, stop by PID.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::err::EmulatorError;
use crate::venv::{Venv, tail};

/// How to start moto.
#[derive(Debug, Clone)]
pub struct MotoOptions {
    /// Load the 1,582 AWS managed policies (`MOTO_IAM_LOAD_MANAGED_POLICIES=true`); slower.
    pub load_managed_policies: bool,
    /// Make generated ids repeatable (`POST /moto-api/seed?a=N`).
    pub seed: Option<u64>,
    /// Where moto's output goes; a file in the temp dir when `None`.
    pub log_file: Option<PathBuf>,
    pub startup_timeout: Duration,
}

impl Default for MotoOptions {
    fn default() -> Self {
        Self {
            load_managed_policies: false,
            seed: None,
            log_file: None,
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// A running moto server on 127.0.0.1. Stopped on drop unless detached.
#[derive(Debug)]
pub struct MotoServer {
    child: Option<Child>,
    port: u16,
    pid: u32,
    log_file: PathBuf,
}

const START_ATTEMPTS: usize = 3;
const STOP_GRACE: Duration = Duration::from_secs(3);

impl MotoServer {
    pub fn start(venv: &Venv, options: MotoOptions) -> Result<Self, EmulatorError> {
        let bin = venv.moto_server_bin();
        if !bin.is_file() {
            return Err(EmulatorError::MissingMoto { path: bin });
        }
        // Another process may take the port between our probe and moto's bind: retry then.
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match Self::start_once(&bin, &options) {
                Ok(server) => return Ok(server),
                Err(err @ EmulatorError::ExitedEarly { .. }) => last_error = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(
            last_error.unwrap_or(EmulatorError::Net(std::io::Error::other(
                "moto server could not start",
            ))),
        )
    }

    fn start_once(bin: &Path, options: &MotoOptions) -> Result<Self, EmulatorError> {
        let port = free_port()?;
        let log_file = options.log_file.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("warden-moto-{}-{port}.log", std::process::id()))
        });
        if let Some(dir) = log_file.parent() {
            std::fs::create_dir_all(dir).map_err(|err| EmulatorError::io(dir, err))?;
        }
        // Output goes to a file, not a pipe: a detached server must outlive our reader.
        let out = File::create(&log_file).map_err(|err| EmulatorError::io(&log_file, err))?;
        let err_out = out
            .try_clone()
            .map_err(|err| EmulatorError::io(&log_file, err))?;
        let mut command = Command::new(bin);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err_out);
        if options.load_managed_policies {
            command.env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
        }
        let child = command.spawn().map_err(|source| EmulatorError::Spawn {
            command: format!("{command:?}"),
            source,
        })?;
        let pid = child.id();
        let mut server = Self {
            child: Some(child),
            port,
            pid,
            log_file,
        };
        server.wait_ready(options.startup_timeout)?;
        if let Some(seed) = options.seed {
            server.post(&format!("/moto-api/seed?a={seed}"))?;
        }
        Ok(server)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), EmulatorError> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(EmulatorError::ExitedEarly {
                    port: self.port,
                    status: status.to_string(),
                    stderr_tail: self.log_tail(),
                });
            }
            if http_request(self.addr(), "GET", "/moto-api/", Duration::from_millis(500))
                .is_ok_and(|(status, _)| status == 200)
            {
                return Ok(());
            }
            if started.elapsed() > timeout {
                let stderr_tail = self.log_tail();
                self.stop_child();
                return Err(EmulatorError::NotReady {
                    port: self.port,
                    waited_ms: started.elapsed().as_millis(),
                    stderr_tail,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// Clears all state (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.post("/moto-api/reset")
    }

    fn post(&self, path: &str) -> Result<(), EmulatorError> {
        let (status, body) = http_request(self.addr(), "POST", path, Duration::from_secs(60))
            .map_err(|err| EmulatorError::Api {
                port: self.port,
                path: path.to_owned(),
                message: err.to_string(),
            })?;
        if status == 200 {
            return Ok(());
        }
        Err(EmulatorError::Api {
            port: self.port,
            path: path.to_owned(),
            message: format!("HTTP {status}: {}", tail(&body, 5)),
        })
    }

    /// Stops the server: SIGTERM, up to ~3 s grace, then SIGKILL.
    pub fn stop(mut self) {
        self.stop_child();
    }

    /// Leaves the server running after this process exits and records its PID in
    /// `<project_root>/.warden/moto.pid` (first line PID, second line endpoint URL).
    pub fn detach(mut self, project_root: &Path) -> Result<PathBuf, EmulatorError> {
        let path = pid_file(project_root);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|err| EmulatorError::io(dir, err))?;
        }
        std::fs::write(&path, format!("{}\n{}\n", self.pid, self.endpoint_url()))
            .map_err(|err| EmulatorError::io(&path, err))?;
        // Dropping a `Child` neither waits for nor kills the process.
        self.child = None;
        Ok(path)
    }

    fn stop_child(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    fn log_tail(&self) -> String {
        std::fs::read_to_string(&self.log_file)
            .map(|text| tail(&text, 15))
            .unwrap_or_default()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        self.stop_child();
    }
}

/// `<project_root>/.warden/moto.pid`.
pub fn pid_file(project_root: &Path) -> PathBuf {
    project_root.join(".warden").join("moto.pid")
}

/// A server left running by [`MotoServer::detach`]: its PID and endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachedServer {
    pub pid: u32,
    pub endpoint_url: String,
}

/// Reads `.warden/moto.pid`; `None` when there is no detached server.
pub fn detached_server(project_root: &Path) -> Result<Option<DetachedServer>, EmulatorError> {
    let path = pid_file(project_root);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(EmulatorError::io(&path, err)),
    };
    let mut lines = text.lines();
    let pid = lines
        .next()
        .and_then(|line| line.trim().parse::<u32>().ok())
        .ok_or_else(|| EmulatorError::PidFile {
            path: path.clone(),
            message: "first line is not a process id".to_owned(),
        })?;
    let endpoint_url = lines.next().unwrap_or_default().trim().to_owned();
    Ok(Some(DetachedServer { pid, endpoint_url }))
}

/// Stops a server left by [`MotoServer::detach`] and removes the PID file. Only a process whose
/// command line names moto is signalled, so a recycled PID is never killed. Returns whether a
/// running server was stopped.
pub fn stop_detached(project_root: &Path) -> Result<bool, EmulatorError> {
    let Some(server) = detached_server(project_root)? else {
        return Ok(false);
    };
    let path = pid_file(project_root);
    let stopped = if is_moto_process(server.pid) {
        signal(server.pid, "-TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while is_moto_process(server.pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if is_moto_process(server.pid) {
            signal(server.pid, "-KILL");
        }
        true
    } else {
        false
    };
    std::fs::remove_file(&path).map_err(|err| EmulatorError::io(&path, err))?;
    Ok(stopped)
}

fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Whether `pid` is alive (not a zombie) and runs moto.
fn is_moto_process(pid: u32) -> bool {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let cmdline = std::fs::read(proc_dir.join("cmdline")).unwrap_or_default();
    let zombie = std::fs::read_to_string(proc_dir.join("stat"))
        .map(|stat| stat.contains(") Z "))
        .unwrap_or(true);
    !zombie && String::from_utf8_lossy(&cmdline).contains("moto")
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16, EmulatorError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(EmulatorError::Net)?;
    Ok(listener.local_addr().map_err(EmulatorError::Net)?.port())
}

/// A minimal HTTP/1.0 exchange with a loopback server: returns status and body.
pub(crate) fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other("malformed HTTP response"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
