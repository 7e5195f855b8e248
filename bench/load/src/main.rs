//! Load generator: N cheap WebSocket clients in rooms of 4, each sending an
//! ~800-byte signal to a room-mate every 100 ms, against rtcroom-server and
//! against the socket.io relay of `socketio-server.mjs`, one after the other
//! with the same code. It starts each server itself (and kills it by PID),
//! and reports sockets held, delivered %, relay latency, messages/s, server
//! RSS per socket and server CPU; then a saturation run raises the rate until
//! delivery drops. See bench/README.md (*Load*).
//!
//! Clients are tasks on one tokio runtime with 4 KiB read buffers, so the
//! generator costs little per socket; its own CPU is reported next to the
//! server's, since both share this machine.

mod cli;
mod cpucap;

use cli::{ctx, parse};
use cpucap::CpuCap;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{watch, Semaphore};
use tokio::time::{sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const ROOM_SIZE: usize = 4;
/// Sockets per source address: under rtcroom-server's default per-address
/// cap (256), and far from the ~28k ephemeral ports of one address.
const PER_SOURCE_IP: usize = 250;
const CONNECT_CONCURRENCY: usize = 200;
const FRAME_BYTES: usize = 800;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Rtcroom,
    SocketIo,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Rtcroom => "rtcroom",
            Proto::SocketIo => "socketio",
        }
    }
}

#[derive(Clone, Debug)]
struct Opts {
    rtcroom_bin: PathBuf,
    socketio_script: PathBuf,
    sizes: Vec<usize>,
    rate_hz: f64,
    /// Caps N x rate: the per-client rate of a size run is
    /// `min(rate_hz, total_rate / N)`, so the big runs stay at a rate both
    /// servers (and the generator on the same machine) sustain.
    total_rate: Option<f64>,
    /// A saturation step counts as sustained only with p99 at most this.
    sat_p99_ms: f64,
    /// The throughput rule's median bound (see `run_saturation`).
    sat_p50_ms: f64,
    duration: Duration,
    idle_settle: Duration,
    drain: Duration,
    sat_sockets: usize,
    sat_rates: Vec<f64>,
    sat_step: Duration,
    out: PathBuf,
    only: Option<Proto>,
    /// `taskset -c` list for the server under test (both servers alike),
    /// so that it gets the same CPU and the generator another.
    server_cpus: Option<String>,
    /// Saturation runs only: the server under test gets this per cent of
    /// one CPU (a cgroup quota), both servers alike; see cpucap.rs.
    sat_cpu_quota: Option<f64>,
    /// The SCHED_FIFO priority scripts/bench started this generator at
    /// (`chrt -f`): the size runs' servers inherit it (both alike), so
    /// other processes on a shared machine do not preempt either side; a
    /// saturation run's server goes back to SCHED_OTHER (`chrt -o 0`),
    /// since a CPU quota does not bind real-time tasks.
    rt_priority: Option<u32>,
}

fn parse_opts() -> cli::Result<Opts> {
    let mut o = Opts {
        rtcroom_bin: "target/release/rtcroom-server".into(),
        socketio_script: "bench/load/socketio-server.mjs".into(),
        sizes: vec![1000, 5000, 10000],
        rate_hz: 10.0,
        total_rate: None,
        sat_p99_ms: 100.0,
        sat_p50_ms: 50.0,
        duration: Duration::from_secs(20),
        idle_settle: Duration::from_secs(3),
        drain: Duration::from_secs(3),
        sat_sockets: 1000,
        // About 25 % apart, so the ratio of two ceilings is read to that.
        sat_rates: vec![
            2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0,
            80.0, 100.0,
        ],
        sat_step: Duration::from_secs(8),
        out: "bench/results/load.json".into(),
        only: None,
        server_cpus: None,
        sat_cpu_quota: None,
        rt_priority: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let list =
            |v: &str| v.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        match args[i].as_str() {
            "--rtcroom-bin" => o.rtcroom_bin = v.into(),
            "--socketio-script" => o.socketio_script = v.into(),
            "--sizes" => {
                o.sizes =
                    list(&v).iter().map(|s| parse(s, "--sizes")).collect::<cli::Result<_>>()?
            }
            "--rate" => o.rate_hz = parse(&v, "--rate")?,
            "--total-rate" => o.total_rate = Some(parse(&v, "--total-rate")?),
            "--sat-p99-ms" => o.sat_p99_ms = parse(&v, "--sat-p99-ms")?,
            "--sat-p50-ms" => o.sat_p50_ms = parse(&v, "--sat-p50-ms")?,
            "--duration" => o.duration = Duration::from_secs_f64(parse(&v, "--duration")?),
            "--sat-sockets" => o.sat_sockets = parse(&v, "--sat-sockets")?,
            "--sat-rates" => {
                o.sat_rates =
                    list(&v).iter().map(|s| parse(s, "--sat-rates")).collect::<cli::Result<_>>()?
            }
            "--sat-step" => o.sat_step = Duration::from_secs_f64(parse(&v, "--sat-step")?),
            "--out" => o.out = v.into(),
            "--server-cpus" => o.server_cpus = Some(v).filter(|v| !v.is_empty()),
            "--sat-cpu-quota" => {
                o.sat_cpu_quota = Some(parse::<f64>(&v, "--sat-cpu-quota")?).filter(|q| *q > 0.0)
            }
            "--rt-priority" => {
                o.rt_priority = Some(parse::<u32>(&v, "--rt-priority")?).filter(|p| *p > 0)
            }
            "--only" => {
                o.only = Some(match v.as_str() {
                    "rtcroom" => Proto::Rtcroom,
                    "socketio" => Proto::SocketIo,
                    other => return Err(format!("--only rtcroom|socketio, not {other}").into()),
                })
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 2;
    }
    Ok(o)
}

// ---- servers ----------------------------------------------------------------

struct ServerProc {
    child: Child,
    pid: u32,
    addr: SocketAddr,
    cap: Option<CpuCap>,
}

async fn start_server(
    proto: Proto,
    opts: &Opts,
    sockets: usize,
    quota: Option<f64>,
) -> cli::Result<ServerProc> {
    // taskset and chrt exec the server: the PID stays the server's.
    let program = |bin: &std::ffi::OsStr| {
        let mut argv: Vec<std::ffi::OsString> = Vec::new();
        if quota.is_some() && opts.rt_priority.is_some() {
            argv.extend(["chrt", "-o", "0"].map(Into::into));
        }
        if let Some(cpus) = &opts.server_cpus {
            argv.extend(["taskset", "-c", cpus.as_str()].map(Into::into));
        }
        argv.push(bin.to_owned());
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    };
    let mut cmd = match proto {
        Proto::Rtcroom => {
            let mut c = program(opts.rtcroom_bin.as_os_str());
            // Rooms named by clients (the load clients carry no join token):
            // without it every join times out and nothing is measured.
            c.args(["--addr", "127.0.0.1:0", "--secret", "load-bench", "--open-rooms"]);
            // The connection cap is a deployment choice; lift it above the
            // run's size. The per-address cap stays: clients spread over
            // source addresses instead.
            c.args(["--max-connections", &(sockets + 1000).to_string()]);
            // A line per join and leave at `info`; socket.io logs nothing.
            c.env("RUST_LOG", "warn");
            c
        }
        Proto::SocketIo => {
            let mut c = program("node".as_ref());
            c.arg(&opts.socketio_script);
            c
        }
    };
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
    let mut child =
        cmd.spawn().map_err(ctx(format!("cannot start the {} server", proto.name())))?;
    let pid = child.id().ok_or_else(|| format!("the {} server has no pid", proto.name()))?;
    // Before it serves (it has not printed its address yet); threads it
    // starts later are in the group too.
    let cap = quota.map(|q| CpuCap::apply(pid, q)).transpose()?;
    let stdout =
        child.stdout.take().ok_or_else(|| format!("the {} server: no stdout", proto.name()))?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest.trim().parse::<SocketAddr>().ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or_else(|| format!("the {} server did not print its address", proto.name()))?;
    // Keep reading stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(ServerProc { child, pid, addr, cap })
}

impl ServerProc {
    async fn stop(mut self) {
        // Only the process this run started, by its PID.
        let _ = self.child.start_kill();
        let _ = timeout(Duration::from_secs(5), self.child.wait()).await;
        // The group can go once the process is gone.
        drop(self.cap.take());
    }
}

/// CPUs of the machine (not of this process, which may be pinned): the
/// ranges of /sys/devices/system/cpu/online, e.g. `0-1` → 2.
fn online_cpus() -> usize {
    let list = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    list.trim()
        .split(',')
        .filter_map(|r| match r.split_once('-') {
            Some((a, b)) => (b.parse::<usize>().ok()? + 1).checked_sub(a.parse::<usize>().ok()?),
            None => r.parse::<usize>().ok().map(|_| 1),
        })
        .sum()
}

/// A field of this process's /proc status, as text.
fn own_status(field: &str) -> Option<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix(field).map(|v| v.trim().to_owned())))
}

/// This process's nice value (field 19 of /proc/self/stat); the servers
/// it starts inherit it.
fn own_nice() -> Option<i64> {
    cpucap::process_nice(std::process::id())
}

/// Resident set size in KiB (`VmRSS` of /proc/PID/status).
fn rss_kib(pid: u32) -> u64 {
    status_field(pid, "VmRSS:")
}

fn status_field(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// utime + stime of a process (and its threads) in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the `(comm)`, which may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    get(11) + get(12)
}

struct CpuMeter {
    pid: u32,
    ticks: u64,
    at: Instant,
}

impl CpuMeter {
    fn start(pid: u32) -> Self {
        CpuMeter { pid, ticks: cpu_ticks(pid), at: Instant::now() }
    }
    /// Percent of one core since `start`.
    fn percent(&self) -> f64 {
        let secs = self.at.elapsed().as_secs_f64().max(1e-3);
        (cpu_ticks(self.pid).saturating_sub(self.ticks)) as f64 / 100.0 / secs * 100.0
    }
}

// ---- clients ----------------------------------------------------------------

type Ws = WebSocketStream<TcpStream>;

/// What the run tells every client.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Idle,
    /// Send at `rate` Hz from `start` until `stop`; `epoch` tags the step.
    Send {
        start: Instant,
        stop: Instant,
        rate: f64,
        epoch: u32,
    },
    Close,
}

#[derive(Default, Debug)]
struct Tally {
    sent: Vec<u64>,
    received: Vec<u64>,
    /// Relay latency of every message received, microseconds, per epoch.
    latency_us: Vec<Vec<u32>>,
    out_of_order: u64,
    errors: u64,
}

impl Tally {
    fn epoch(&mut self, e: u32) {
        let e = e as usize + 1;
        if self.sent.len() < e {
            self.sent.resize(e, 0);
            self.received.resize(e, 0);
            self.latency_us.resize(e, Vec::new());
        }
    }
}

struct Shared {
    base: Instant,
    joined: AtomicUsize,
    /// Clients whose room is full (they know all 3 room-mates).
    ready: AtomicUsize,
    alive: AtomicUsize,
    /// Messages sent and received per epoch, readable during a run.
    sent: Vec<AtomicU64>,
    received: Vec<AtomicU64>,
    /// Latency histogram per epoch in 1 ms buckets (the last one: more),
    /// for the saturation run's stop rule; reports use exact samples.
    hist: Vec<Vec<AtomicU64>>,
}

const HIST_BUCKETS: usize = 1000;

const MAX_EPOCHS: usize = 64;

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Shared {
            base: Instant::now(),
            joined: AtomicUsize::new(0),
            ready: AtomicUsize::new(0),
            alive: AtomicUsize::new(0),
            sent: (0..MAX_EPOCHS).map(|_| AtomicU64::new(0)).collect(),
            received: (0..MAX_EPOCHS).map(|_| AtomicU64::new(0)).collect(),
            hist: (0..MAX_EPOCHS)
                .map(|_| (0..HIST_BUCKETS).map(|_| AtomicU64::new(0)).collect())
                .collect(),
        })
    }

    /// Percentile `p` of an epoch's latency, to the millisecond.
    fn percentile_ms(&self, epoch: usize, p: u64) -> f64 {
        let Some(h) = self.hist.get(epoch) else { return f64::NAN };
        let counts: Vec<u64> = h.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let mut seen = 0;
        for (ms, c) in counts.iter().enumerate() {
            seen += c;
            if seen * 100 >= total * p {
                return ms as f64 + 1.0;
            }
        }
        f64::INFINITY
    }
}

fn source_ip(i: usize) -> IpAddr {
    let n = 2 + i / PER_SOURCE_IP;
    IpAddr::V4(Ipv4Addr::new(127, 0, (n / 250) as u8, (n % 250) as u8 + 1))
}

async fn connect(addr: SocketAddr, i: usize, proto: Proto) -> Result<Ws, String> {
    let sock = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    sock.bind(SocketAddr::new(source_ip(i), 0)).map_err(|e| format!("bind: {e}"))?;
    let tcp = sock.connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let url = match proto {
        Proto::Rtcroom => format!("ws://{addr}/ws"),
        Proto::SocketIo => format!("ws://{addr}/socket.io/?EIO=4&transport=websocket"),
    };
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(config))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    Ok(ws)
}

/// Finds the unsigned integer after `key` (e.g. `"t":`) in a frame.
fn number_after(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    let digits: &str = &text[at..];
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Our own signals, from either server: `"k":"load"` marks them; returns
/// the part that holds their numbers (before the padding), so that the
/// receiver does not scan ~800 bytes per number. Both servers relay `data`
/// with its keys in the order sent.
fn load_signal_head(text: &str) -> Option<&str> {
    // The marker sits within the first ~80 bytes of either server's frame.
    let window = text.get(..text.len().min(160))?;
    let at = window.find("\"k\":\"load\"")?;
    let rest = text.get(at..)?;
    let end = rest.find("\"pad\"").unwrap_or(rest.len());
    rest.get(..end)
}

struct Client {
    idx: usize,
    proto: Proto,
    ws: Ws,
    id: String,
    mates: Vec<String>,
    /// Last sequence number per sender index (order check).
    last_seq: Vec<(u64, u64)>,
    tally: Tally,
    epoch: u32,
}

impl Client {
    async fn send_text(&mut self, text: String) -> bool {
        self.ws.send(Message::text(text)).await.is_ok()
    }

    /// Joins `room`; returns once welcomed (the id and earlier members known).
    async fn join(&mut self, room: &str) -> Result<(), String> {
        match self.proto {
            Proto::Rtcroom => {
                self.send_text(json!({"type": "join", "room": room}).to_string()).await;
            }
            Proto::SocketIo => {
                // Engine.IO open packet `0{"sid":…}`, then the Socket.IO
                // CONNECT to the main namespace, `40`, answered `40{"sid":…}`.
                self.expect_prefix("0").await?;
                self.send_text("40".into()).await;
                self.expect_prefix("40").await?;
                // EVENT with ack id 0; the ack comes back as `430[…]`.
                self.send_text(format!("420{}", json!(["join-room", room]))).await;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.id.is_empty() {
            let text = self.next_text(deadline).await?;
            self.handle_setup(&text);
        }
        Ok(())
    }

    async fn expect_prefix(&mut self, prefix: &str) -> Result<(), String> {
        let text = self.next_text(Instant::now() + Duration::from_secs(30)).await?;
        if text.starts_with(prefix) {
            Ok(())
        } else {
            Err(format!("expected {prefix}…, got {text:.60}"))
        }
    }

    async fn next_text(&mut self, deadline: Instant) -> Result<String, String> {
        loop {
            let msg = timeout(deadline.saturating_duration_since(Instant::now()), self.ws.next())
                .await
                .map_err(|_| "timed out".to_string())?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    // Engine.IO v4: the server pings (`2`), the client answers `3`.
                    if self.proto == Proto::SocketIo && t.as_str() == "2" {
                        self.send_text("3".into()).await;
                        continue;
                    }
                    return Ok(t.as_str().to_owned());
                }
                Some(Ok(Message::Close(f))) => return Err(format!("closed: {f:?}")),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("ended".into()),
            }
        }
    }

    /// Welcome / ack / peer-joined during setup.
    fn handle_setup(&mut self, text: &str) {
        match self.proto {
            Proto::Rtcroom => {
                let Ok(v) = serde_json::from_str::<Value>(text) else { return };
                match v["type"].as_str() {
                    Some("welcome") => {
                        self.id = v["id"].as_str().unwrap_or_default().to_owned();
                        for p in v["peers"].as_array().into_iter().flatten() {
                            self.add_mate(p["id"].as_str());
                        }
                    }
                    Some("peer-joined") => self.add_mate(v["peer"]["id"].as_str()),
                    _ => {}
                }
            }
            Proto::SocketIo => {
                if let Some(ack) = text.strip_prefix("430") {
                    let Ok(v) = serde_json::from_str::<Value>(ack) else { return };
                    self.id = v[0]["id"].as_str().unwrap_or_default().to_owned();
                    for p in v[0]["peers"].as_array().into_iter().flatten() {
                        self.add_mate(p.as_str());
                    }
                } else if let Some(ev) = text.strip_prefix("42") {
                    let Ok(v) = serde_json::from_str::<Value>(ev) else { return };
                    if v[0] == "peer-joined" {
                        self.add_mate(v[1].as_str());
                    }
                }
            }
        }
    }

    fn add_mate(&mut self, id: Option<&str>) {
        if let Some(id) = id {
            if id != self.id && !self.mates.iter().any(|m| m == id) {
                self.mates.push(id.to_owned());
            }
        }
    }

    fn on_text(&mut self, text: &str, shared: &Shared) {
        let base = shared.base;
        let Some(head) = load_signal_head(text) else {
            if text.contains("\"error\"") {
                self.tally.errors += 1;
            }
            return self.handle_setup(text);
        };
        let (Some(t), Some(s), Some(q)) = (
            number_after(head, "\"t\":"),
            number_after(head, "\"s\":"),
            number_after(head, "\"q\":"),
        ) else {
            return;
        };
        let e = number_after(head, "\"e\":").unwrap_or(0) as u32;
        let now = base.elapsed().as_micros() as u64;
        self.tally.epoch(e);
        let e = e as usize;
        self.tally.received[e] += 1;
        if let Some(r) = shared.received.get(e) {
            r.fetch_add(1, Ordering::Relaxed);
        }
        let ms = (now.saturating_sub(t) / 1000) as usize;
        if let Some(b) = shared.hist.get(e).and_then(|h| h.get(ms.min(HIST_BUCKETS - 1))) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.tally.latency_us[e].push(now.saturating_sub(t).min(u64::from(u32::MAX)) as u32);
        match self.last_seq.iter_mut().find(|(sender, _)| *sender == s) {
            Some((_, last)) => {
                if q <= *last {
                    self.tally.out_of_order += 1;
                }
                *last = q;
            }
            None => self.last_seq.push((s, q)),
        }
    }

    fn frame(&self, seq: u64, base: Instant, pad: &str) -> String {
        let to = &self.mates[(seq as usize) % self.mates.len()];
        let t = base.elapsed().as_micros();
        let data = format!(
            r#"{{"k":"load","e":{},"s":{},"q":{seq},"t":{t},"pad":"{pad}"}}"#,
            self.epoch, self.idx
        );
        match self.proto {
            Proto::Rtcroom => format!(r#"{{"type":"signal","to":"{to}","data":{data}}}"#),
            Proto::SocketIo => format!(r#"42["signal",{{"to":"{to}","data":{data}}}]"#),
        }
    }
}

/// Pads so that a frame is about `FRAME_BYTES` long on the wire.
fn pad() -> String {
    let sample = r#"{"type":"signal","to":"p1234-0123456789abcdef","data":{"k":"load","e":0,"s":10000,"q":100000,"t":10000000000,"pad":""}}"#;
    "x".repeat(FRAME_BYTES.saturating_sub(sample.len()))
}

async fn client_task(
    mut c: Client,
    mut phase: watch::Receiver<Phase>,
    shared: Arc<Shared>,
    pad: Arc<String>,
) -> Tally {
    let base = shared.base;
    let mut counted_ready = false;
    let mut seq = 0u64;
    let mut next_send: Option<tokio::time::Instant> = None;
    let mut stop_at: Option<Instant> = None;
    loop {
        if !counted_ready && c.mates.len() + 1 >= ROOM_SIZE {
            counted_ready = true;
            shared.ready.fetch_add(1, Ordering::Relaxed);
        }
        let send_due = async {
            match next_send {
                Some(at) => sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = c.ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if c.proto == Proto::SocketIo && t.as_str() == "2" {
                        if !c.send_text("3".into()).await { break; }
                        continue;
                    }
                    c.on_text(t.as_str(), &shared);
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            () = send_due => {
                let now = Instant::now();
                if stop_at.is_some_and(|s| now >= s) || c.mates.is_empty() {
                    next_send = None;
                    continue;
                }
                let text = c.frame(seq, base, &pad);
                seq += 1;
                let e = c.epoch;
                c.tally.epoch(e);
                c.tally.sent[e as usize] += 1;
                if let Some(sent) = shared.sent.get(e as usize) {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                if !c.send_text(text).await { break; }
                if let (Some(at), Phase::Send { rate, .. }) = (next_send, *phase.borrow()) {
                    next_send = Some(at + Duration::from_secs_f64(1.0 / rate));
                }
            }
            changed = phase.changed() => {
                if changed.is_err() { break; }
                let p = *phase.borrow_and_update();
                match p {
                    Phase::Idle => next_send = None,
                    Phase::Send { start, stop, rate, epoch } => {
                        c.epoch = epoch;
                        stop_at = Some(stop);
                        // Spread the clients' sends over the period.
                        let period = 1.0 / rate;
                        let offset = period * ((c.idx * 7919) % 1000) as f64 / 1000.0;
                        next_send = Some(tokio::time::Instant::from_std(start) + Duration::from_secs_f64(offset));
                    }
                    Phase::Close => break,
                }
            }
        }
    }
    shared.alive.fetch_sub(1, Ordering::Relaxed);
    let _ = c.ws.close(None).await;
    c.tally
}

/// Connects and joins `n` clients; returns the task handles.
async fn spawn_clients(
    proto: Proto,
    addr: SocketAddr,
    n: usize,
    phase: &watch::Receiver<Phase>,
    shared: &Arc<Shared>,
) -> (Vec<tokio::task::JoinHandle<Tally>>, usize) {
    let pad = Arc::new(pad());
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(n);
    let mut setups = Vec::with_capacity(n);
    for idx in 0..n {
        let gate = gate.clone();
        let failures = failures.clone();
        let shared = shared.clone();
        let phase = phase.clone();
        let pad = pad.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        setups.push(rx);
        handles.push(tokio::spawn(async move {
            let connected = match gate.acquire_owned().await {
                Ok(permit) => connect(addr, idx, proto).await.map(|ws| (permit, ws)),
                Err(e) => Err(format!("semaphore: {e}")),
            };
            let (permit, ws) = match connected {
                Ok(c) => c,
                Err(e) => {
                    if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("client {idx}: {e}");
                    }
                    let _ = tx.send(());
                    return Tally::default();
                }
            };
            let mut c = Client {
                idx,
                proto,
                ws,
                id: String::new(),
                mates: Vec::new(),
                last_seq: Vec::new(),
                tally: Tally::default(),
                epoch: 0,
            };
            let room = format!("load-{}", idx / ROOM_SIZE);
            if let Err(e) = c.join(&room).await {
                if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                    eprintln!("client {idx}: join: {e}");
                }
                let _ = tx.send(());
                return Tally::default();
            }
            drop(permit);
            shared.joined.fetch_add(1, Ordering::Relaxed);
            shared.alive.fetch_add(1, Ordering::Relaxed);
            let _ = tx.send(());
            client_task(c, phase, shared, pad).await
        }));
    }
    for rx in setups {
        let _ = rx.await;
    }
    (handles, failures.load(Ordering::Relaxed))
}

// ---- runs -------------------------------------------------------------------

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    f64::from(sorted[rank.min(sorted.len()) - 1]) / 1000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

struct StepResult {
    sent: u64,
    received: u64,
    latencies: Vec<u32>,
}

fn step_json(r: &StepResult, secs: f64) -> Value {
    let mut l = r.latencies.clone();
    l.sort_unstable();
    json!({
        "sent": r.sent,
        "received": r.received,
        "delivered_pct": round2(100.0 * r.received as f64 / r.sent.max(1) as f64),
        "msgs_per_s": (r.received as f64 / secs).round(),
        "latency_ms": {
            "p50": round2(percentile(&l, 50.0)),
            "p99": round2(percentile(&l, 99.0)),
            "max": round2(l.last().map_or(f64::NAN, |m| f64::from(*m) / 1000.0)),
        },
    })
}

/// Waits until every joined client knows its room-mates (or 30 s).
async fn wait_ready(shared: &Shared, joined: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while shared.ready.load(Ordering::Relaxed) < joined && Instant::now() < deadline {
        sleep(Duration::from_millis(50)).await;
    }
}

async fn collect(
    handles: Vec<tokio::task::JoinHandle<Tally>>,
    epochs: usize,
) -> (Vec<StepResult>, u64, u64) {
    let mut steps: Vec<StepResult> =
        (0..epochs).map(|_| StepResult { sent: 0, received: 0, latencies: Vec::new() }).collect();
    let (mut ooo, mut errors) = (0, 0);
    for h in handles {
        let Ok(t) = h.await else { continue };
        ooo += t.out_of_order;
        errors += t.errors;
        for (e, step) in steps.iter_mut().enumerate() {
            step.sent += t.sent.get(e).copied().unwrap_or(0);
            step.received += t.received.get(e).copied().unwrap_or(0);
            if let Some(l) = t.latency_us.get(e) {
                step.latencies.extend_from_slice(l);
            }
        }
    }
    (steps, ooo, errors)
}

/// One server at N sockets: idle memory, then 10 Hz traffic.
async fn run_size(proto: Proto, opts: &Opts, n: usize) -> cli::Result<Value> {
    let server = start_server(proto, opts, n, None).await?;
    sleep(Duration::from_millis(500)).await;
    let rss_base = rss_kib(server.pid);
    let shared = Shared::new();
    let (phase_tx, phase_rx) = watch::channel(Phase::Idle);
    let connect_start = Instant::now();
    let (handles, failures) = spawn_clients(proto, server.addr, n, &phase_rx, &shared).await;
    let joined = shared.joined.load(Ordering::Relaxed);
    wait_ready(&shared, joined).await;
    let connect_s = connect_start.elapsed().as_secs_f64();
    let idle_cpu = CpuMeter::start(server.pid);
    sleep(opts.idle_settle).await;
    let idle_cpu = idle_cpu.percent();
    let rss_idle = rss_kib(server.pid);

    let server_cpu = CpuMeter::start(server.pid);
    let own_cpu = CpuMeter::start(std::process::id());
    let start = Instant::now() + Duration::from_millis(200);
    let stop = start + opts.duration;
    let rate = opts.total_rate.map_or(opts.rate_hz, |total| opts.rate_hz.min(total / n as f64));
    phase_tx.send_replace(Phase::Send { start, stop, rate, epoch: 0 });
    sleep_until(stop.into()).await;
    let server_cpu = server_cpu.percent();
    let own_cpu = own_cpu.percent();
    let rss_loaded = rss_kib(server.pid);
    sleep(opts.drain).await;
    let held = shared.alive.load(Ordering::Relaxed);
    phase_tx.send_replace(Phase::Close);
    let (steps, ooo, errors) = collect(handles, 1).await;
    let hwm = status_field(server.pid, "VmHWM:");
    server.stop().await;

    let mut out = step_json(&steps[0], opts.duration.as_secs_f64());
    let per = |kib: u64| round1(kib.saturating_sub(rss_base) as f64 / joined.max(1) as f64);
    let extra = json!({
        "sockets": n,
        "rate_hz_per_client": rate,
        "offered_msgs_per_s": (rate * n as f64).round(),
        "sockets_joined": joined,
        "sockets_held": held,
        "connect_failures": failures,
        "connect_and_join_s": round1(connect_s),
        "out_of_order": ooo,
        "error_frames": errors,
        "server_rss_kib": { "before": rss_base, "idle": rss_idle, "loaded": rss_loaded, "peak": hwm },
        "rss_per_idle_socket_kib": per(rss_idle),
        "rss_per_loaded_socket_kib": per(rss_loaded),
        "server_cpu_pct": round1(server_cpu),
        "server_cpu_idle_pct": round1(idle_cpu),
        "generator_cpu_pct": round1(own_cpu),
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }
    Ok(out)
}

/// One server at a fixed number of sockets, the rate raised step by step
/// until less than 99 % is delivered.
async fn run_saturation(proto: Proto, opts: &Opts) -> cli::Result<Value> {
    let n = opts.sat_sockets;
    let server = start_server(proto, opts, n, opts.sat_cpu_quota).await?;
    let shared = Shared::new();
    let (phase_tx, phase_rx) = watch::channel(Phase::Idle);
    let (handles, _) = spawn_clients(proto, server.addr, n, &phase_rx, &shared).await;
    wait_ready(&shared, shared.joined.load(Ordering::Relaxed)).await;
    // As in the size runs: the first sends right after the joins were
    // slower (TCP and allocator warm-up), which is not what this measures.
    sleep(opts.idle_settle).await;
    let mut cpu = Vec::new();
    // The rate of each step run; a rate whose latency failed is run once
    // more (one stall of the machine, other work on a shared CPU, must not
    // end the ramp), a second failure ends it.
    let mut rates: Vec<f64> = Vec::new();
    let mut next = 0;
    let mut retried = false;
    while let Some(rate) = opts.sat_rates.get(next) {
        let epoch = rates.len();
        if epoch >= MAX_EPOCHS {
            break;
        }
        rates.push(*rate);
        let meter = CpuMeter::start(server.pid);
        let own = CpuMeter::start(std::process::id());
        let throttle = server.cap.as_ref().map(CpuCap::throttle);
        let start = Instant::now() + Duration::from_millis(100);
        let stop = start + opts.sat_step;
        phase_tx.send_replace(Phase::Send { start, stop, rate: *rate, epoch: epoch as u32 });
        sleep_until(stop.into()).await;
        let throttled = server.cap.as_ref().zip(throttle).map(|(c, t)| round1(c.throttled_pct(t)));
        cpu.push((round1(meter.percent()), round1(own.percent()), throttled));
        sleep(opts.drain).await;
        phase_tx.send_replace(Phase::Idle);
        // Stop raising once delivery dropped: a higher rate would only
        // measure the backlog of this one.
        let sent = shared.sent[epoch].load(Ordering::Relaxed);
        let received = shared.received[epoch].load(Ordering::Relaxed);
        eprintln!("  {rate} Hz: {received} of {sent} delivered");
        if (received as f64) < 0.99 * sent as f64 || shared.alive.load(Ordering::Relaxed) < n {
            break;
        }
        // Stopped early too when the backlog grew through the step (the
        // median climbs; the rest would only measure queues). The tail alone
        // does not stop the ramp: on a shared machine another process's
        // stall lifts it at any rate. Steps are judged by both rules below.
        let p50 = shared.percentile_ms(epoch, 50);
        if p50 > opts.sat_p50_ms {
            if retried {
                eprintln!("  p50 {p50:.1} ms > {} ms again: stop", opts.sat_p50_ms);
                break;
            }
            eprintln!("  p50 {p50:.1} ms > {} ms: this rate once more", opts.sat_p50_ms);
            retried = true;
            continue;
        }
        retried = false;
        next += 1;
    }
    phase_tx.send_replace(Phase::Close);
    let (steps, ooo, _) = collect(handles, rates.len()).await;
    server.stop().await;
    let secs = opts.sat_step.as_secs_f64();
    let mut best_sustained = 0.0f64;
    let mut best_throughput = 0.0f64;
    let mut peak = 0.0f64;
    let mut step_list = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let mut j = step_json(s, secs);
        let rate = s.received as f64 / secs;
        let delivered = s.received as f64 / s.sent.max(1) as f64;
        peak = peak.max(rate);
        let mut l = s.latencies.clone();
        l.sort_unstable();
        let sustained = delivered >= 0.99 && percentile(&l, 99.0) <= opts.sat_p99_ms;
        let kept_up = delivered >= 0.99 && percentile(&l, 50.0) <= opts.sat_p50_ms;
        if let Value::Object(o) = &mut j {
            o.insert("sustained".into(), json!(sustained));
            o.insert("kept_up".into(), json!(kept_up));
        }
        if sustained {
            best_sustained = best_sustained.max(rate);
        }
        if kept_up {
            best_throughput = best_throughput.max(rate);
        }
        if let Value::Object(o) = &mut j {
            let hz = rates.get(i).copied().unwrap_or(f64::NAN);
            o.insert("rate_hz_per_client".into(), json!(hz));
            o.insert("offered_msgs_per_s".into(), json!((hz * n as f64).round()));
            let (server_cpu, gen_cpu, throttled) = cpu.get(i).copied().unwrap_or_default();
            o.insert("server_cpu_pct".into(), json!(server_cpu));
            o.insert("generator_cpu_pct".into(), json!(gen_cpu));
            if let Some(t) = throttled {
                o.insert("server_throttled_pct".into(), json!(t));
            }
        }
        step_list.push(j);
    }
    Ok(json!({
        "sockets": n,
        "cpu_quota_pct_of_one_cpu": opts.sat_cpu_quota,
        "steps": step_list,
        "out_of_order": ooo,
        "sustained_rule": format!("delivered >= 99 % and p99 <= {} ms", opts.sat_p99_ms),
        "max_sustained_msgs_per_s": best_sustained.round(),
        "throughput_rule": format!(
            "delivered >= 99 % and p50 <= {} ms (the ramp stops when a rate fails it twice)",
            opts.sat_p50_ms
        ),
        "max_throughput_msgs_per_s": best_throughput.round(),
        "peak_delivered_msgs_per_s": peak.round(),
    }))
}

/// A JSON value as table text (strings without quotes).
fn t(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn table(result: &Value) {
    println!(
        "\nserver load: rooms of {ROOM_SIZE}, ~{FRAME_BYTES}-byte signals, up to {} Hz per client",
        t(&result["rate_hz"])
    );
    println!(
        "{:>7} {:>5} {:<9} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10} {:>8} {:>8}",
        "sockets",
        "Hz",
        "server",
        "held",
        "deliv%",
        "p50 ms",
        "p99 ms",
        "max ms",
        "msgs/s",
        "KiB/idle",
        "KiB/load",
        "cpu%",
        "gen cpu%"
    );
    for run in result["runs"].as_array().into_iter().flatten() {
        for name in ["rtcroom", "socketio"] {
            let r = &run[name];
            if r.is_null() {
                continue;
            }
            println!(
                "{:>7} {:>5} {:<9} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10} {:>8} {:>8}",
                t(&run["sockets"]),
                t(&r["rate_hz_per_client"]),
                name,
                t(&r["sockets_held"]),
                t(&r["delivered_pct"]),
                t(&r["latency_ms"]["p50"]),
                t(&r["latency_ms"]["p99"]),
                t(&r["latency_ms"]["max"]),
                t(&r["msgs_per_s"]),
                t(&r["rss_per_idle_socket_kib"]),
                t(&r["rss_per_loaded_socket_kib"]),
                t(&r["server_cpu_pct"]),
                t(&r["generator_cpu_pct"])
            );
        }
    }
    let sat = &result["saturation"];
    println!(
        "\nsaturation: {} sockets, rate per client raised until delivery < 99 %",
        t(&sat["sockets"])
    );
    println!(
        "{:<9} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8} {:>6}",
        "server", "Hz", "offered", "msgs/s", "deliv%", "p50 ms", "p99 ms", "cpu%"
    );
    for name in ["rtcroom", "socketio"] {
        for s in sat[name]["steps"].as_array().into_iter().flatten() {
            println!(
                "{:<9} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8} {:>6}",
                name,
                t(&s["rate_hz_per_client"]),
                t(&s["offered_msgs_per_s"]),
                t(&s["msgs_per_s"]),
                t(&s["delivered_pct"]),
                t(&s["latency_ms"]["p50"]),
                t(&s["latency_ms"]["p99"]),
                t(&s["server_cpu_pct"])
            );
        }
    }
    println!(
        "max sustained msgs/s (p99 rule): rtcroom {} vs socket.io {} (ratio {})",
        t(&sat["rtcroom"]["max_sustained_msgs_per_s"]),
        t(&sat["socketio"]["max_sustained_msgs_per_s"]),
        t(&sat["ratio"])
    );
    println!(
        "max throughput msgs/s (p50 rule): rtcroom {} vs socket.io {} (ratio {})",
        t(&sat["rtcroom"]["max_throughput_msgs_per_s"]),
        t(&sat["socketio"]["max_throughput_msgs_per_s"]),
        t(&sat["throughput_ratio"])
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    cli::exit(run().await)
}

async fn run() -> cli::Result<()> {
    let opts = parse_opts()?;
    let started = Instant::now();
    let loadavg = || {
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()))
    };
    let load_before = loadavg();
    let protos: Vec<Proto> = [Proto::Rtcroom, Proto::SocketIo]
        .into_iter()
        .filter(|p| opts.only.is_none_or(|o| o == *p))
        .collect();
    let mut runs = Vec::new();
    for &n in &opts.sizes {
        let mut run = json!({ "sockets": n });
        for &p in &protos {
            eprintln!("load: {} with {n} sockets…", p.name());
            let r = run_size(p, &opts, n).await?;
            eprintln!("  {r}");
            run[p.name()] = r;
            sleep(Duration::from_secs(1)).await;
        }
        runs.push(run);
    }
    let mut saturation = json!({ "sockets": opts.sat_sockets });
    if !opts.sat_rates.is_empty() {
        for &p in &protos {
            eprintln!("saturation: {} with {} sockets…", p.name(), opts.sat_sockets);
            let r = run_saturation(p, &opts).await?;
            eprintln!("  {r}");
            saturation[p.name()] = r;
        }
        for (key, ratio) in [
            ("max_sustained_msgs_per_s", "ratio"),
            ("max_throughput_msgs_per_s", "throughput_ratio"),
        ] {
            let a = saturation["rtcroom"][key].as_f64();
            let b = saturation["socketio"][key].as_f64();
            // No ratio when socket.io sustained no step at all.
            if let (Some(a), Some(b)) = (a, b.filter(|b| *b > 0.0)) {
                saturation[ratio] = json!(round2(a / b));
            }
        }
    }
    let result = json!({
        "date": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "machine": {
            "cpus": online_cpus(),
            "loadavg_1m": [load_before, loadavg()],
            // Where each side ran: the server under test (`taskset -c`,
            // both servers alike) and this generator (its own affinity).
            "server_cpus": opts.server_cpus,
            "generator_cpus": own_status("Cpus_allowed_list:"),
            "nice": own_nice(),
            // SCHED_FIFO priority of the generator and the size runs' servers.
            "rt_priority": opts.rt_priority,
        },
        "room_size": ROOM_SIZE,
        "frame_bytes": FRAME_BYTES,
        "rate_hz": opts.rate_hz,
        "total_rate_cap": opts.total_rate,
        "duration_s": opts.duration.as_secs_f64(),
        "runs": runs,
        "saturation": saturation,
        "wall_s": started.elapsed().as_secs(),
    });
    table(&result);
    if let Some(dir) = opts.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text =
        serde_json::to_string_pretty(&json!({ "server_load": result })).map_err(ctx("json"))?;
    std::fs::write(&opts.out, text + "\n").map_err(ctx(opts.out.display()))?;
    eprintln!("wrote {}", opts.out.display());
    Ok(())
}
