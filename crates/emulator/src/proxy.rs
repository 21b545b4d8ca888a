//! A loopback HTTP/1.1 proxy in front of moto that models real AWS: per-request latency,
//! throttling errors, 5xx responses and dropped connections, plus call counts per account and
//! per API action. Runs on its own tokio runtime thread so synchronous callers can use it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::err::EmulatorError;

/// Which faults to inject. Counters are over all requests the proxy has seen (1-based), so
/// `throttle_every: 3` throttles requests 3, 6, 9, …
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultConfig {
    /// Added before each request is answered.
    pub latency: Duration,
    /// Answer every Nth request with a throttling error (0: never).
    pub throttle_every: u64,
    /// Answer every Nth request with HTTP 500 (0: never).
    pub server_error_every: u64,
    /// Close the connection instead of answering every Nth request (0: never).
    pub drop_every: u64,
    /// Close the connection on every request attributed to these account ids.
    pub broken_accounts: BTreeSet<String>,
    /// Throttle requests above this rate per account (requests per second, burst of one
    /// second), as AWS does per account and API; `None`: no rate limit.
    pub rate_limit_per_account: Option<u32>,
    /// Action (`iam:CreateRole`) → how many of its next requests are forwarded to the emulator
    /// and then answered by closing the connection: the write happened, its response is lost.
    pub lose_responses: BTreeMap<String, u32>,
    /// Account id → how many of its next requests are answered `ExpiredToken` (HTTP 403), as
    /// AWS does when an assumed-role session outlives its credentials.
    pub expire_tokens: BTreeMap<String, u32>,
}

/// What the proxy saw. Accounts are account ids when known (from `x-moto-account-id`, the
/// `RoleArn` of an AssumeRole call, or an access key returned by an earlier AssumeRole),
/// otherwise the access key id. Actions are `service:Action`, e.g. `iam:GetRole`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub requests: u64,
    pub by_account: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
    pub by_account_action: BTreeMap<String, BTreeMap<String, u64>>,
    pub throttled: u64,
    pub server_errors: u64,
    pub dropped: u64,
    /// Requests forwarded whose response was then withheld ([`FaultConfig::lose_responses`]).
    pub lost_responses: u64,
    /// Requests answered `ExpiredToken` ([`FaultConfig::expire_tokens`]).
    pub expired_tokens: u64,
    /// Requests forwarded to moto and answered.
    pub forwarded: u64,
    /// Time spent in the proxy itself for forwarded requests (parsing, relaying), excluding
    /// injected latency and moto's own time.
    pub overhead: Duration,
}

impl ProxyStats {
    /// Mean proxy overhead per forwarded request.
    pub fn mean_overhead(&self) -> Duration {
        if self.forwarded == 0 {
            return Duration::ZERO;
        }
        self.overhead / u32::try_from(self.forwarded).unwrap_or(u32::MAX)
    }

    pub fn calls_for_account(&self, account: &str) -> u64 {
        self.by_account.get(account).copied().unwrap_or(0)
    }

    pub fn calls_for_action(&self, action: &str) -> u64 {
        self.by_action.get(action).copied().unwrap_or(0)
    }
}

/// One call as the proxy saw it, when [`FaultProxy::record_calls`] is on: times are since
/// recording started, `answered` as the answer (or the injected fault) is handed to the connection,
/// so a call whose answer its caller has read is always in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub account: String,
    /// `service:Action`, e.g. `organizations:ListAccountsForParent`.
    pub action: String,
    pub received: Duration,
    pub answered: Duration,
    /// Time inside the emulator: from forwarding the request to its answer (zero for injected
    /// faults).
    pub in_emulator: Duration,
    /// Time waiting to be admitted into the emulator ([`FaultProxy::admit_to_emulator_at_most`]).
    pub admission_wait: Duration,
}

#[derive(Debug, Default)]
struct Shared {
    /// Per-call log: when it started and the calls so far (`None`: not recording).
    calls: Mutex<Option<(Instant, Vec<CallRecord>)>>,
    faults: Mutex<FaultConfig>,
    stats: Mutex<ProxyStats>,
    counter: AtomicU64,
    /// Access key id → account id, learned from AssumeRole responses.
    keys: Mutex<HashMap<String, String>>,
    /// Token buckets of the per-account rate limit: account → (tokens, last refill).
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// When set, each forwarded request without `x-moto-account-id` gets one naming its
    /// caller's account: the account of a key learned from AssumeRole, else this default.
    account_header: Mutex<Option<String>>,
    /// See [`FaultProxy::latency_covers_emulator`].
    latency_covers_emulator: AtomicBool,
    /// See [`FaultProxy::admit_to_emulator_at_most`].
    admission: Mutex<Option<Arc<tokio::sync::Semaphore>>>,
}

impl Shared {
    /// Takes a token from the account's bucket; false when the account is over its rate.
    fn within_rate(&self, account: &str, rate: u32) -> bool {
        let rate = f64::from(rate.max(1));
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let (tokens, last) = buckets.entry(account.to_owned()).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection task must not take the counters down with it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The running proxy. Stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    pub fn start(upstream: SocketAddr, faults: FaultConfig) -> Result<Self, EmulatorError> {
        let std_listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(EmulatorError::Net)?;
        std_listener
            .set_nonblocking(true)
            .map_err(EmulatorError::Net)?;
        let addr = std_listener.local_addr().map_err(EmulatorError::Net)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("warden-fault-proxy")
            .enable_all()
            .build()
            .map_err(EmulatorError::Net)?;
        let shared = Arc::new(Shared {
            faults: Mutex::new(faults),
            ..Shared::default()
        });
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel();
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener).map_err(EmulatorError::Net)?
        };
        let task_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("warden-fault-proxy".to_owned())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, upstream, task_shared, shutdown_rx));
                runtime.shutdown_background();
            })
            .map_err(EmulatorError::Net)?;
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> ProxyStats {
        lock(&self.shared.stats).clone()
    }

    /// Requests received since the last reset, counted as they arrive; cheaper than
    /// [`FaultProxy::stats`], which copies every per-account count.
    pub fn requests_received(&self) -> u64 {
        self.shared.counter.load(Ordering::SeqCst)
    }

    /// Zeroes the counters (the request number used by `…_every` starts again at 1).
    pub fn reset_stats(&self) {
        *lock(&self.shared.stats) = ProxyStats::default();
        self.shared.counter.store(0, Ordering::SeqCst);
    }

    /// Changes the faults for the following requests.
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.shared.faults) = faults;
    }

    pub fn faults(&self) -> FaultConfig {
        lock(&self.shared.faults).clone()
    }

    /// Names the caller's account to the emulator on every forwarded request that does not
    /// already (`x-moto-account-id`, the header moto takes before the access key in server mode,
    /// <http://docs.getmoto.org/en/latest/docs/multi_account.html>): the account
    /// a key returned by an earlier AssumeRole belongs to, else `default_account` (moto's
    /// default account for keys it does not know). moto 5 otherwise finds a key's account by
    /// scanning every account's IAM backends in every partition on each request, a cost that
    /// grows with the organization and that AWS does not have; the answers are the same. Off
    /// until called.
    pub fn name_accounts_to_emulator(&self, default_account: &str) {
        *lock(&self.shared.account_header) = Some(default_account.to_owned());
    }

    /// With `true`, the injected latency is the whole time of a forwarded call, the emulator
    /// working inside it: the answer is held until the latency has passed since the request
    /// arrived, so a call takes max(latency, the emulator's time), as an AWS call's latency
    /// holds the service's own time. With `false` (the default) the latency is added before
    /// the request is forwarded, and the emulator's time comes on top. Injected faults are
    /// answered after the latency either way.
    pub fn latency_covers_emulator(&self, covers: bool) {
        self.shared
            .latency_covers_emulator
            .store(covers, Ordering::SeqCst);
    }

    /// Lets at most `limit` requests into the emulator at once; the others wait in the proxy
    /// (with [`FaultProxy::latency_covers_emulator`], their latency running meanwhile). moto
    /// serves requests on threads of one Python process, so requests beyond a few wait for
    /// its interpreter lock anyway. `None` (the default) lifts the limit.
    pub fn admit_to_emulator_at_most(&self, limit: Option<usize>) {
        *lock(&self.shared.admission) =
            limit.map(|limit| Arc::new(tokio::sync::Semaphore::new(limit.max(1))));
    }

    /// Starts (again) a log of every call with when it was received and answered, e.g. to see
    /// which calls overlap; off until called.
    pub fn record_calls(&self) {
        *lock(&self.shared.calls) = Some((Instant::now(), Vec::new()));
    }

    /// Stops the log and hands it over (what [`FaultProxy::calls`] would return), so a long
    /// run's log is not kept twice.
    pub fn take_calls(&self) -> Vec<CallRecord> {
        lock(&self.shared.calls)
            .take()
            .map(|(_, calls)| calls)
            .unwrap_or_default()
    }

    /// The calls logged since [`FaultProxy::record_calls`], in the order they were answered.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.shared.calls)
            .as_ref()
            .map(|(_, calls)| calls.clone())
            .unwrap_or_default()
    }
}

/// Logs one answered call when recording is on, with its time inside the emulator and
/// waiting to be admitted there.
fn log_call(
    shared: &Shared,
    info: &RequestInfo,
    received: Instant,
    in_emulator: Duration,
    admission_wait: Duration,
) {
    if let Some((start, calls)) = lock(&shared.calls).as_mut() {
        calls.push(CallRecord {
            account: info.account.clone(),
            action: info.action.clone(),
            received: received.saturating_duration_since(*start),
            answered: start.elapsed(),
            in_emulator,
            admission_wait,
        });
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    if let Err(err) = serve_connection(client, upstream, shared).await {
                        tracing::debug!("fault proxy connection ended: {err}");
                    }
                });
            }
        }
    }
}

/// One parsed HTTP/1.1 message (request or response) kept as raw bytes for relaying.
struct Message {
    /// Start line and headers including the final blank line.
    head: Vec<u8>,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    start_line: String,
    /// The peer will close the connection after this message.
    close: bool,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Adds a header just before the blank line that ends the head.
    fn add_header(&mut self, name: &str, value: &str) {
        let end = if self.head.ends_with(b"\r\n\r\n") {
            self.head.len() - 2
        } else if self.head.ends_with(b"\n\n") {
            self.head.len() - 1
        } else {
            self.head.len()
        };
        let line = format!("{name}: {value}\r\n");
        self.head.splice(end..end, line.bytes());
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    fn raw(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(self.head.len() + self.body.len());
        raw.extend_from_slice(&self.head);
        raw.extend_from_slice(&self.body);
        raw
    }
}

const MAX_HEAD: usize = 64 * 1024;

/// Reads start line and headers; `None` on a clean end of stream before any byte.
async fn read_head<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<(Vec<u8>, String, Vec<(String, String)>)>> {
    let mut head = Vec::new();
    let mut start_line = String::new();
    let mut headers = Vec::new();
    loop {
        let before = head.len();
        let read = reader.read_until(b'\n', &mut head).await?;
        if read == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed inside HTTP headers",
            ));
        }
        if head.len() > MAX_HEAD {
            return Err(std::io::Error::other("HTTP headers too large"));
        }
        let line = String::from_utf8_lossy(&head[before..])
            .trim_end()
            .to_owned();
        if line.is_empty() {
            if start_line.is_empty() {
                // Tolerate stray blank lines between messages.
                head.clear();
                continue;
            }
            return Ok(Some((head, start_line, headers)));
        }
        if start_line.is_empty() {
            start_line = line;
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
}

fn content_length(headers: &[(String, String)]) -> Option<usize> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(key, value)| {
        key.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
    })
}

fn wants_close(start_line: &str, headers: &[(String, String)]) -> bool {
    let connection = headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("connection"))
        .map(|(_, value)| value.to_ascii_lowercase());
    match connection.as_deref() {
        Some(value) if value.contains("close") => true,
        Some(value) if value.contains("keep-alive") => false,
        _ => start_line.contains("HTTP/1.0"),
    }
}

/// Reads a chunked body as raw bytes (framing kept, so it can be relayed unchanged).
async fn read_chunked<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    loop {
        let start = raw.len();
        if reader.read_until(b'\n', &mut raw).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed inside a chunked body",
            ));
        }
        let size_line = String::from_utf8_lossy(&raw[start..]).trim().to_owned();
        let size_hex = size_line.split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| std::io::Error::other(format!("bad chunk size `{size_line}`")))?;
        if size == 0 {
            // Trailers until the blank line.
            loop {
                let line_start = raw.len();
                if reader.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(raw);
                }
                if raw[line_start..].iter().all(|b| b.is_ascii_whitespace()) {
                    return Ok(raw);
                }
            }
        }
        let chunk_start = raw.len();
        raw.resize(chunk_start + size + 2, 0);
        reader.read_exact(&mut raw[chunk_start..]).await?;
    }
}

async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<Message>> {
    let Some((head, start_line, headers)) = read_head(reader).await? else {
        return Ok(None);
    };
    let body = if is_chunked(&headers) {
        read_chunked(reader).await?
    } else {
        let mut body = vec![0; content_length(&headers).unwrap_or(0)];
        reader.read_exact(&mut body).await?;
        body
    };
    let close = wants_close(&start_line, &headers);
    Ok(Some(Message {
        head,
        body,
        headers,
        start_line,
        close,
    }))
}

async fn read_response<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    request_method: &str,
) -> std::io::Result<Message> {
    let Some((head, start_line, headers)) = read_head(reader).await? else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "upstream closed the connection before answering",
        ));
    };
    let status: u16 = start_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut close = wants_close(&start_line, &headers);
    let body = if request_method == "HEAD" || status == 204 || status == 304 {
        Vec::new()
    } else if is_chunked(&headers) {
        read_chunked(reader).await?
    } else if let Some(length) = content_length(&headers) {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        body
    } else {
        // No framing: the body runs to the end of the connection.
        close = true;
        let mut body = Vec::new();
        reader.read_to_end(&mut body).await?;
        body
    };
    Ok(Message {
        head,
        body,
        headers,
        start_line,
        close,
    })
}

/// Who and what a request is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RequestInfo {
    account: String,
    action: String,
    json_protocol: bool,
    /// For AssumeRole: the account of the role assumed.
    assume_target: Option<String>,
    /// The account of the caller's access key, when an earlier AssumeRole returned it.
    caller: Option<String>,
}

fn classify(request: &Message, keys: &HashMap<String, String>) -> RequestInfo {
    let form = parse_form(&request.body);
    let credential = request
        .header("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .map(|rest| rest.split([',', ' ']).next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let mut scope = credential.split('/');
    let access_key = scope.next().unwrap_or_default().to_owned();
    let service = scope.nth(2).unwrap_or("unknown").to_owned();
    let target = request.header("x-amz-target");
    let action_name = match target {
        Some(target) => target.rsplit('.').next().unwrap_or(target).to_owned(),
        None => form
            .get("Action")
            .cloned()
            .unwrap_or_else(|| request.start_line.clone()),
    };
    let assume_target = (action_name == "AssumeRole")
        .then(|| form.get("RoleArn").and_then(|arn| arn_account(arn)))
        .flatten();
    let caller = keys.get(&access_key).cloned();
    let account = request
        .header("x-moto-account-id")
        .map(str::to_owned)
        .or_else(|| assume_target.clone())
        .or_else(|| caller.clone())
        .unwrap_or(access_key);
    RequestInfo {
        account,
        action: format!("{service}:{action_name}"),
        json_protocol: target.is_some(),
        assume_target,
        caller,
    }
}

fn arn_account(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|account| !account.is_empty())
        .map(str::to_owned)
}

/// Decodes an `application/x-www-form-urlencoded` body.
fn parse_form(body: &[u8]) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (url_decode(key), url_decode(value)))
        .collect()
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(index + 1..index + 3).unwrap_or_default();
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) if hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        out.push(byte);
                        index += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Drop,
    ServerError,
    Throttle,
    ExpiredToken,
}

/// Counts one use of a per-key fault budget; `true` while some remained.
fn take_one(budget: &mut BTreeMap<String, u32>, key: &str) -> bool {
    match budget.get_mut(key) {
        Some(remaining) if *remaining > 0 => {
            *remaining -= 1;
            true
        }
        _ => false,
    }
}

fn choose_fault(number: u64, info: &RequestInfo, faults: &FaultConfig) -> Fault {
    let every = |n: u64| n != 0 && number.is_multiple_of(n);
    if faults.broken_accounts.contains(&info.account) || every(faults.drop_every) {
        Fault::Drop
    } else if every(faults.server_error_every) {
        Fault::ServerError
    } else if every(faults.throttle_every) {
        Fault::Throttle
    } else {
        Fault::None
    }
}

fn error_response(fault: Fault, info: &RequestInfo, number: u64) -> Vec<u8> {
    let (status, code, json_type) = match fault {
        Fault::ServerError => (
            "500 Internal Server Error",
            "InternalFailure",
            "ServiceException",
        ),
        Fault::ExpiredToken => ("403 Forbidden", "ExpiredToken", "ExpiredTokenException"),
        _ => ("400 Bad Request", "Throttling", "ThrottlingException"),
    };
    let request_id = format!("warden-proxy-{number}");
    let message = match fault {
        Fault::ExpiredToken => {
            "The security token included in the request is expired (injected by the Warden fault proxy)"
        }
        _ => "Rate exceeded (injected by the Warden fault proxy)",
    };
    let (content_type, body) = if info.json_protocol {
        (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{json_type}","message":"{message}"}}"#),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ),
        )
    };
    let error_type_header = if info.json_protocol {
        format!("x-amzn-ErrorType: {json_type}\r\n")
    } else {
        String::new()
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: {request_id}\r\n{error_type_header}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn record(shared: &Shared, info: &RequestInfo, fault: Fault) {
    let mut stats = lock(&shared.stats);
    stats.requests += 1;
    *stats.by_account.entry(info.account.clone()).or_default() += 1;
    *stats.by_action.entry(info.action.clone()).or_default() += 1;
    *stats
        .by_account_action
        .entry(info.account.clone())
        .or_default()
        .entry(info.action.clone())
        .or_default() += 1;
    match fault {
        Fault::Drop => stats.dropped += 1,
        Fault::ServerError => stats.server_errors += 1,
        Fault::Throttle => stats.throttled += 1,
        Fault::ExpiredToken => stats.expired_tokens += 1,
        Fault::None => {}
    }
}

/// Remembers which account the credentials returned by an AssumeRole call belong to.
fn learn_access_key(shared: &Shared, info: &RequestInfo, response: &Message) {
    let Some(account) = &info.assume_target else {
        return;
    };
    let text = String::from_utf8_lossy(&response.body);
    if let Some(rest) = text.split("<AccessKeyId>").nth(1)
        && let Some((key, _)) = rest.split_once("</AccessKeyId>")
    {
        lock(&shared.keys).insert(key.trim().to_owned(), account.clone());
    }
}

type Upstream = BufReader<TcpStream>;

async fn connect_upstream(upstream: SocketAddr) -> std::io::Result<Upstream> {
    let stream = TcpStream::connect(upstream).await?;
    stream.set_nodelay(true)?;
    Ok(BufReader::new(stream))
}

/// Sends a request upstream, reconnecting once when a kept-alive connection turned out closed.
async fn exchange(
    connection: &mut Option<Upstream>,
    upstream: SocketAddr,
    request: &Message,
    method: &str,
) -> std::io::Result<Message> {
    let raw = request.raw();
    for attempt in 0..2 {
        let reused = connection.is_some();
        let conn = match connection {
            Some(conn) => conn,
            None => connection.insert(connect_upstream(upstream).await?),
        };
        let result = async {
            conn.get_mut().write_all(&raw).await?;
            read_response(conn, method).await
        }
        .await;
        match result {
            Ok(response) => {
                if response.close {
                    *connection = None;
                }
                return Ok(response);
            }
            Err(err) if reused && attempt == 0 => {
                tracing::debug!("upstream connection was stale, reconnecting: {err}");
                *connection = None;
            }
            Err(err) => {
                *connection = None;
                return Err(err);
            }
        }
    }
    Err(std::io::Error::other("upstream exchange failed"))
}

async fn serve_connection(
    client: TcpStream,
    upstream: SocketAddr,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let mut client = BufReader::new(client);
    let mut upstream_conn: Option<Upstream> = None;
    loop {
        let Some(mut request) = read_request(&mut client).await? else {
            return Ok(());
        };
        let received = Instant::now();
        let number = shared.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let info = classify(&request, &lock(&shared.keys));
        let faults = lock(&shared.faults).clone();
        let mut fault = choose_fault(number, &info, &faults);
        if fault == Fault::None
            && let Some(rate) = faults.rate_limit_per_account
            && !shared.within_rate(&info.account, rate)
        {
            fault = Fault::Throttle;
        }
        let lose_response = take_one(&mut lock(&shared.faults).lose_responses, &info.action);
        if fault == Fault::None
            && info.assume_target.is_none()
            && take_one(&mut lock(&shared.faults).expire_tokens, &info.account)
        {
            fault = Fault::ExpiredToken;
        }
        record(&shared, &info, fault);
        // Latency covering the emulator's time runs while the request is in it (below).
        let covers = fault == Fault::None && shared.latency_covers_emulator.load(Ordering::SeqCst);
        if !faults.latency.is_zero() && !covers {
            tokio::time::sleep(faults.latency).await;
        }
        match fault {
            Fault::Drop => return Ok(()),
            Fault::Throttle | Fault::ServerError | Fault::ExpiredToken => {
                // Logged before it is written: a caller that has its answer finds it logged.
                log_call(&shared, &info, received, Duration::ZERO, Duration::ZERO);
                client
                    .get_mut()
                    .write_all(&error_response(fault, &info, number))
                    .await?;
                if request.close {
                    return Ok(());
                }
                continue;
            }
            Fault::None => {}
        }
        let method = request
            .start_line
            .split_whitespace()
            .next()
            .unwrap_or("GET")
            .to_owned();
        let default_account = lock(&shared.account_header).clone();
        if let Some(default_account) = default_account
            && request.header("x-moto-account-id").is_none()
        {
            let caller = info.caller.clone().unwrap_or(default_account);
            request.add_header("x-moto-account-id", &caller);
        }
        let admission = lock(&shared.admission).clone();
        let admission_started = Instant::now();
        let permit = match admission {
            Some(admission) => Some(
                admission
                    .acquire_owned()
                    .await
                    .map_err(|err| std::io::Error::other(err.to_string()))?,
            ),
            None => None,
        };
        let admission_wait = admission_started.elapsed();
        let upstream_started = Instant::now();
        let response = exchange(&mut upstream_conn, upstream, &request, &method).await?;
        let upstream_time = upstream_started.elapsed();
        drop(permit);
        learn_access_key(&shared, &info, &response);
        if lose_response {
            lock(&shared.stats).lost_responses += 1;
            return Ok(());
        }
        if covers {
            tokio::time::sleep_until((received + faults.latency).into()).await;
        }
        // Logged before it is written: a caller that has its answer finds it logged.
        log_call(&shared, &info, received, upstream_time, admission_wait);
        client.get_mut().write_all(&response.raw()).await?;
        let accounted = if covers {
            faults.latency.max(admission_wait + upstream_time)
        } else {
            faults.latency + admission_wait + upstream_time
        };
        let overhead = received.elapsed().saturating_sub(accounted);
        {
            let mut stats = lock(&shared.stats);
            stats.forwarded += 1;
            stats.overhead += overhead;
        }
        if request.close || response.close {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(head: &str, body: &str) -> Message {
        let headers = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
            .collect();
        Message {
            head: head.as_bytes().to_vec(),
            body: body.as_bytes().to_vec(),
            headers,
            start_line: head.lines().next().unwrap_or_default().to_owned(),
            close: false,
        }
    }

    /// An upstream answering every request after `delay`, counting how many it holds at once.
    struct SlowUpstream {
        addr: SocketAddr,
        most_at_once: Arc<AtomicU64>,
    }

    impl SlowUpstream {
        fn start(delay: Duration) -> SlowUpstream {
            use std::io::{BufRead, Write};
            let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            let addr = listener.local_addr().unwrap();
            let most_at_once = Arc::new(AtomicU64::new(0));
            let now = Arc::new(AtomicU64::new(0));
            let most = Arc::clone(&most_at_once);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    let (most, now) = (Arc::clone(&most), Arc::clone(&now));
                    std::thread::spawn(move || {
                        let mut reader = std::io::BufReader::new(stream);
                        loop {
                            let mut line = String::new();
                            // Requests without a body: the head ends with a blank line.
                            while line != "\r\n" {
                                line.clear();
                                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                    return;
                                }
                            }
                            let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(inside, Ordering::SeqCst);
                            std::thread::sleep(delay);
                            now.fetch_sub(1, Ordering::SeqCst);
                            let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                            if reader.get_mut().write_all(answer).is_err() {
                                return;
                            }
                        }
                    });
                }
            });
            SlowUpstream { addr, most_at_once }
        }
    }

    /// One GET through the proxy on a new connection; how long until the whole answer came.
    fn timed_get(proxy: SocketAddr) -> Duration {
        use std::io::{Read, Write};
        let started = Instant::now();
        let mut stream = std::net::TcpStream::connect(proxy).unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.ends_with("ok"), "{answer}");
        started.elapsed()
    }

    #[test]
    fn latency_covers_the_emulators_time_when_asked_and_admission_caps_requests_inside_it() {
        let (latency, delay) = (Duration::from_millis(400), Duration::from_millis(300));
        let upstream = SlowUpstream::start(delay);
        let proxy = FaultProxy::start(
            upstream.addr,
            FaultConfig {
                latency,
                ..FaultConfig::default()
            },
        )
        .unwrap();
        proxy.record_calls();
        // By default the latency comes before the emulator's time.
        assert!(timed_get(proxy.addr()) >= latency + delay);
        // Covering: the emulator works inside the latency; the call takes the latency alone.
        proxy.latency_covers_emulator(true);
        let covered = timed_get(proxy.addr());
        assert!(covered >= latency, "{covered:?}");
        assert!(covered < latency + delay, "{covered:?}");
        let calls = proxy.calls();
        assert_eq!(calls.len(), 2);
        assert!(
            calls.iter().all(|call| call.in_emulator >= delay),
            "{calls:?}"
        );
        assert_eq!(upstream.most_at_once.load(Ordering::SeqCst), 1);

        // Three at once, one admitted at a time: the emulator never holds two, and the second
        // and third waited in the proxy for at least one and two of the others' answers.
        proxy.admit_to_emulator_at_most(Some(1));
        proxy.record_calls();
        let addr = proxy.addr();
        let threads: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(move || timed_get(addr)))
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(upstream.most_at_once.load(Ordering::SeqCst), 1);
        let mut waits: Vec<Duration> = proxy
            .take_calls()
            .iter()
            .map(|call| call.admission_wait)
            .collect();
        assert!(
            proxy.calls().is_empty(),
            "the log was handed over and stopped"
        );
        waits.sort();
        assert_eq!(waits.len(), 3);
        assert!(waits[1] >= delay && waits[2] >= delay * 2, "{waits:?}");
        // Without the limit they are inside together.
        proxy.admit_to_emulator_at_most(None);
        let threads: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(move || timed_get(addr)))
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(upstream.most_at_once.load(Ordering::SeqCst) > 1);
    }

    #[test]
    fn url_decode_handles_escapes_and_plus() {
        assert_eq!(
            url_decode("arn%3Aaws%3Aiam%3A%3A1%3Arole%2FX+y"),
            "arn:aws:iam::1:role/X y"
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz"), "%zz");
    }

    #[test]
    fn assume_role_is_attributed_to_the_target_account() {
        let message = request(
            "POST / HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host\r\n",
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222233334444%3Arole%2FWardenAccess",
        );
        let info = classify(&message, &HashMap::new());
        assert_eq!(info.account, "222233334444");
        assert_eq!(info.action, "sts:AssumeRole");
        assert!(!info.json_protocol);
    }

    #[test]
    fn learned_keys_and_json_targets_are_classified() {
        let message = request(
            "POST / HTTP/1.1\r\nX-Amz-Target: AWSOrganizationsV20161128.ListAccounts\r\nAuthorization: AWS4-HMAC-SHA256 Credential=ASIAKEY/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host\r\n",
            "{}",
        );
        let keys = HashMap::from([("ASIAKEY".to_owned(), "555566667777".to_owned())]);
        let info = classify(&message, &keys);
        assert_eq!(info.account, "555566667777");
        assert_eq!(info.action, "organizations:ListAccounts");
        assert!(info.json_protocol);
        let unknown = classify(&message, &HashMap::new());
        assert_eq!(unknown.account, "ASIAKEY");
    }

    #[test]
    fn an_added_header_goes_before_the_blank_line_and_the_caller_is_the_keys_account() {
        let mut message = request(
            "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=ASIAKEY/20260101/us-east-1/iam/aws4_request, SignedHeaders=host\r\n\r\n",
            "Action=ListRoles",
        );
        let keys = HashMap::from([("ASIAKEY".to_owned(), "210987654321".to_owned())]);
        assert_eq!(
            classify(&message, &keys).caller.as_deref(),
            Some("210987654321")
        );
        assert_eq!(classify(&message, &HashMap::new()).caller, None);
        message.add_header("x-moto-account-id", "210987654321");
        let raw = String::from_utf8(message.raw()).unwrap();
        assert!(
            raw.ends_with("aws4_request, SignedHeaders=host\r\nx-moto-account-id: 210987654321\r\n\r\nAction=ListRoles"),
            "{raw}"
        );
        assert_eq!(message.header("X-Moto-Account-Id"), Some("210987654321"));
    }

    #[test]
    fn faults_follow_the_request_number() {
        let info = RequestInfo {
            account: "1".to_owned(),
            action: "iam:GetRole".to_owned(),
            json_protocol: false,
            assume_target: None,
            caller: None,
        };
        let faults = FaultConfig {
            throttle_every: 2,
            drop_every: 3,
            ..FaultConfig::default()
        };
        let chosen: Vec<Fault> = (1..=6).map(|n| choose_fault(n, &info, &faults)).collect();
        assert_eq!(
            chosen,
            [
                Fault::None,
                Fault::Throttle,
                Fault::Drop,
                Fault::Throttle,
                Fault::None,
                Fault::Drop
            ]
        );
        let broken = FaultConfig {
            broken_accounts: BTreeSet::from(["1".to_owned()]),
            ..FaultConfig::default()
        };
        assert_eq!(choose_fault(1, &info, &broken), Fault::Drop);
    }

    #[tokio::test]
    async fn responses_are_relayed_byte_for_byte_with_their_framing() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        let mut reader = BufReader::new(&chunked[..]);
        let first = read_response(&mut reader, "POST").await.unwrap();
        assert!(!first.close);
        let second = read_response(&mut reader, "POST").await.unwrap();
        assert!(second.body.is_empty());
        let mut relayed = first.raw();
        relayed.extend(second.raw());
        assert_eq!(relayed, chunked);

        let unframed = b"HTTP/1.0 200 OK\r\n\r\nall of it";
        let mut reader = BufReader::new(&unframed[..]);
        let response = read_response(&mut reader, "GET").await.unwrap();
        assert!(response.close);
        assert_eq!(response.body, b"all of it");
    }

    #[tokio::test]
    async fn keep_alive_requests_are_read_one_after_another() {
        let two = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nde";
        let mut reader = BufReader::new(&two[..]);
        let first = read_request(&mut reader).await.unwrap().unwrap();
        assert_eq!(first.body, b"abc");
        assert!(!first.close);
        let second = read_request(&mut reader).await.unwrap().unwrap();
        assert_eq!(second.body, b"de");
        assert!(second.close);
        assert!(read_request(&mut reader).await.unwrap().is_none());
    }

    #[test]
    fn rate_limit_throttles_bursts_per_account() {
        let shared = Shared::default();
        let allowed = (0..10).filter(|_| shared.within_rate("1", 4)).count();
        assert_eq!(allowed, 4);
        assert!(shared.within_rate("2", 4), "accounts have separate buckets");
        std::thread::sleep(Duration::from_millis(300));
        assert!(shared.within_rate("1", 4), "tokens refill over time");
    }

    #[test]
    fn throttling_bodies_use_the_codes_the_sdk_retries() {
        let mut info = RequestInfo {
            account: "1".to_owned(),
            action: "iam:GetRole".to_owned(),
            json_protocol: false,
            assume_target: None,
            caller: None,
        };
        let query = String::from_utf8(error_response(Fault::Throttle, &info, 7)).unwrap();
        assert!(query.starts_with("HTTP/1.1 400"));
        assert!(query.contains("<Code>Throttling</Code>"));
        info.json_protocol = true;
        let json = String::from_utf8(error_response(Fault::Throttle, &info, 8)).unwrap();
        assert!(json.contains(r#""__type":"ThrottlingException""#));
        let body = json.split("\r\n\r\n").nth(1).unwrap();
        let length: usize = json
            .lines()
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
    }

    #[test]
    fn fault_budgets_run_out() {
        let mut budget = BTreeMap::from([("iam:CreateRole".to_owned(), 2)]);
        assert!(take_one(&mut budget, "iam:CreateRole"));
        assert!(take_one(&mut budget, "iam:CreateRole"));
        assert!(!take_one(&mut budget, "iam:CreateRole"));
        assert!(!take_one(&mut budget, "iam:CreatePolicy"));
        let info = RequestInfo::default();
        let body = String::from_utf8(error_response(Fault::ExpiredToken, &info, 7)).unwrap();
        assert!(body.starts_with("HTTP/1.1 403"), "{body}");
        assert!(body.contains("<Code>ExpiredToken</Code>"), "{body}");
    }
}
