//! Backplane bench: two rtcroom-server nodes on a real redis-server (all on
//! 127.0.0.1, started here and killed by PID). Measures, in one run:
//!
//! - relay latency of `signal` frames between two participants of a room on
//!   the same node and on different nodes (interleaved pairs, same rate),
//!   p50/p95/p99/max, and the cross/same ratio;
//! - failover: a node is SIGKILLed; its participant, which knows both URLs,
//!   reconnects as the SDK's session does (the same URL first, then the
//!   next one after the SDK's first back-off step) with its session token;
//!   time from the kill to the resumed `welcome` on the other node, and
//!   whether its room-mate ever saw it leave.
//!
//! Writes `{"backplane": …}` to --out; scripts/bench merges it.

mod cli;

use cli::{ctx, parse};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The SDK's first resume back-off step (src/core/room/session.rs).
const SDK_FIRST_RETRY: Duration = Duration::from_millis(100);
const SECRET: &str = "backplane-bench-secret";

struct Opts {
    server_bin: PathBuf,
    pairs: usize,
    rate_hz: u64,
    duration: Duration,
    trials: usize,
    out: PathBuf,
}

fn parse_opts() -> cli::Result<Opts> {
    let mut o = Opts {
        server_bin: PathBuf::from("target/release/rtcroom-server"),
        pairs: 50,
        rate_hz: 20,
        duration: Duration::from_secs(15),
        trials: 10,
        out: PathBuf::from("bench/results/backplane.json"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--server" => o.server_bin = PathBuf::from(v()?),
            "--pairs" => o.pairs = parse(&v()?, "--pairs N")?,
            "--rate" => o.rate_hz = parse(&v()?, "--rate HZ")?,
            "--duration" => o.duration = Duration::from_secs(parse(&v()?, "--duration S")?),
            "--trials" => o.trials = parse(&v()?, "--trials N")?,
            "--out" => o.out = PathBuf::from(v()?),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    Ok(o)
}

struct Proc {
    child: Child,
}

impl Proc {
    async fn kill(mut self) {
        // Only the process this run started, by its PID (SIGKILL).
        let _ = self.child.start_kill();
        let _ = timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

fn free_port() -> cli::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(ctx("bind"))?;
    Ok(listener.local_addr().map_err(ctx("addr"))?.port())
}

async fn start_redis() -> cli::Result<(Proc, u16)> {
    let port = free_port()?;
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(ctx("redis-server (scripts/bootstrap installs it)"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
            let mut buf = [0u8; 7];
            if s.write_all(b"PING\r\n").await.is_ok() && s.read_exact(&mut buf).await.is_ok() {
                break;
            }
        }
        if Instant::now() >= deadline {
            return Err("redis-server did not start".into());
        }
        sleep(Duration::from_millis(20)).await;
    }
    Ok((Proc { child }, port))
}

async fn start_node(opts: &Opts, redis_port: u16, node: &str) -> cli::Result<(Proc, SocketAddr)> {
    let mut child = Command::new(&opts.server_bin)
        .args(["--addr", "127.0.0.1:0", "--secret", SECRET, "--open-rooms"])
        .args(["--redis", &format!("redis://127.0.0.1:{redis_port}"), "--node-id", node])
        .args(["--resume-grace-secs", "60", "--max-connections", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(ctx("rtcroom-server"))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("rtcroom-server: no stdout")?).lines();
    let line = timeout(Duration::from_secs(20), lines.next_line())
        .await
        .ok()
        .and_then(|l| l.ok().flatten());
    let addr = line
        .as_deref()
        .and_then(|l| l.split("listening on http://").nth(1))
        .and_then(|a| a.trim().parse().ok())
        .ok_or_else(|| format!("node {node} did not print its address: {line:?}"))?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((Proc { child }, addr))
}

async fn metric(addr: SocketAddr, name: &str) -> Option<f64> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).await.ok()?;
    body.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Until every node hears the others.
async fn wait_meshed(addrs: &[SocketAddr]) -> cli::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    for &a in addrs {
        while metric(a, "rtcroom_backplane_nodes_alive").await != Some((addrs.len() - 1) as f64) {
            if Instant::now() >= deadline {
                return Err("nodes never met".into());
            }
            sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

fn ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

async fn recv_json(ws: &mut Ws) -> Option<Value> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(t)) => return serde_json::from_str(t.as_str()).ok(),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// Joins `room` (or resumes with `resume`) and returns the socket and welcome.
async fn join(url: &str, room: &str, resume: Option<&str>) -> Result<(Ws, Value), String> {
    let (mut ws, _) = connect_async(url).await.map_err(|e| e.to_string())?;
    let mut frame = json!({"type": "join", "room": room});
    if let Some(token) = resume {
        frame["resume"] = json!(token);
    }
    ws.send(Message::Text(frame.to_string().into())).await.map_err(|e| e.to_string())?;
    let welcome = timeout(Duration::from_secs(5), recv_json(&mut ws))
        .await
        .ok()
        .flatten()
        .ok_or("no welcome")?;
    if welcome["type"] != "welcome" {
        return Err(format!("not welcomed: {welcome}"));
    }
    Ok((ws, welcome))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn summary(mut v: Vec<f64>, sent: usize) -> Value {
    v.sort_by(|a, b| a.total_cmp(b));
    json!({
        "sent": sent,
        "delivered": v.len(),
        "p50_ms": round2(percentile(&v, 0.5)),
        "p95_ms": round2(percentile(&v, 0.95)),
        "p99_ms": round2(percentile(&v, 0.99)),
        "max_ms": round2(v.last().copied().unwrap_or(f64::NAN)),
    })
}

/// One pair: `a` sends timestamped signals to `b` at `rate_hz` for `dur`.
async fn pair_run(
    a_url: String,
    b_url: String,
    room: String,
    epoch: Instant,
    rate_hz: u64,
    dur: Duration,
    lat: Arc<Mutex<Vec<f64>>>,
) -> cli::Result<usize> {
    let (mut a, _) = join(&a_url, &room, None).await.map_err(ctx("a joins"))?;
    let (mut b, wb) = join(&b_url, &room, None).await.map_err(ctx("b joins"))?;
    let b_id = wb["id"].as_str().ok_or_else(|| format!("welcome without id: {wb}"))?.to_owned();
    // a hears b joining (possibly through the backplane) before it sends.
    while let Some(m) = recv_json(&mut a).await {
        if m["type"] == "peer-joined" {
            break;
        }
    }
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        while let Ok(Some(m)) = timeout(Duration::from_secs(3), recv_json(&mut b)).await {
            if let Some(t) = m["data"]["t"].as_f64() {
                got.push(epoch.elapsed().as_secs_f64() * 1000.0 - t);
            }
        }
        got
    });
    let period = Duration::from_micros(1_000_000 / rate_hz.max(1));
    let mut tick = tokio::time::interval(period);
    let end = Instant::now() + dur;
    let mut sent = 0;
    let pad = "x".repeat(700);
    while Instant::now() < end {
        tick.tick().await;
        let t = epoch.elapsed().as_secs_f64() * 1000.0;
        let f = json!({"type": "signal", "to": b_id, "data": {"t": t, "pad": pad}});
        if a.send(Message::Text(f.to_string().into())).await.is_err() {
            break;
        }
        sent += 1;
    }
    let got = reader.await.unwrap_or_default();
    lat.lock().await.extend(got);
    let _ = a.close(None).await;
    Ok(sent)
}

async fn relay(opts: &Opts, n0: SocketAddr, n1: SocketAddr) -> Value {
    let epoch = Instant::now();
    let same = Arc::new(Mutex::new(Vec::new()));
    let cross = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..opts.pairs * 2 {
        // Interleaved: even pairs on one node, odd pairs across the nodes.
        let crossing = i % 2 == 1;
        let (b, lat) = if crossing { (n1, cross.clone()) } else { (n0, same.clone()) };
        let room = format!("bp-{i}");
        tasks.push(tokio::spawn(pair_run(
            ws_url(n0),
            ws_url(b),
            room,
            epoch,
            opts.rate_hz,
            opts.duration,
            lat,
        )));
    }
    let (mut sent_same, mut sent_cross) = (0, 0);
    for (i, t) in tasks.into_iter().enumerate() {
        // A pair that could not join counts as nothing sent (as before:
        // the run goes on); why is printed.
        let s = match t.await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                eprintln!("  pair {i}: {e}");
                0
            }
            Err(_) => 0,
        };
        if i % 2 == 1 {
            sent_cross += s
        } else {
            sent_same += s
        }
    }
    let same = summary(std::mem::take(&mut *same.lock().await), sent_same);
    let cross = summary(std::mem::take(&mut *cross.lock().await), sent_cross);
    let ratio = |k: &str| {
        round2(cross[k].as_f64().unwrap_or(f64::NAN) / same[k].as_f64().unwrap_or(f64::NAN))
    };
    json!({
        "pairs_each": opts.pairs,
        "rate_hz": opts.rate_hz,
        "duration_s": opts.duration.as_secs(),
        "frame_bytes": 800,
        "same_node": same,
        "cross_node": cross,
        "ratio_p50": ratio("p50_ms"),
        "ratio_p99": ratio("p99_ms"),
    })
}

/// One failover: a on the victim node, b on the survivor; kill the victim.
async fn failover_trial(
    victim: Proc,
    victim_addr: SocketAddr,
    survivor: SocketAddr,
    room: &str,
) -> cli::Result<(f64, bool)> {
    let (mut a, wa) = join(&ws_url(victim_addr), room, None).await.map_err(ctx("a joins"))?;
    let (mut b, _) = join(&ws_url(survivor), room, None).await.map_err(ctx("b joins"))?;
    let token =
        wa["session"].as_str().ok_or_else(|| format!("welcome without session: {wa}"))?.to_owned();
    while let Some(m) = recv_json(&mut a).await {
        if m["type"] == "peer-joined" {
            break;
        }
    }
    let killed = Instant::now();
    victim.kill().await;
    // a notices its socket is gone, then reconnects as the SDK does.
    while recv_json(&mut a).await.is_some() {}
    let resumed = match join(&ws_url(victim_addr), room, Some(&token)).await {
        Ok(w) => Some(w),
        Err(_) => {
            sleep(SDK_FIRST_RETRY).await;
            join(&ws_url(survivor), room, Some(&token)).await.ok()
        }
    };
    let (_a2, welcome) = resumed.ok_or("resumed on the survivor")?;
    if welcome["resumed"] != true {
        return Err(format!("welcome not resumed: {welcome}").into());
    }
    let ms = killed.elapsed().as_secs_f64() * 1000.0;
    // b must not see a leave, also past the node timeout (3.5 s).
    let mut left = false;
    let end = Instant::now() + Duration::from_secs(5);
    while let Ok(Some(m)) =
        timeout(end.saturating_duration_since(Instant::now()), recv_json(&mut b)).await
    {
        left |= m["type"] == "peer-left";
    }
    Ok((ms, left))
}

#[tokio::main]
async fn main() -> ExitCode {
    cli::exit(run().await)
}

async fn run() -> cli::Result<()> {
    let opts = parse_opts()?;
    let (redis, redis_port) = start_redis().await?;
    let (p0, n0) = start_node(&opts, redis_port, "bench-0").await?;
    let (p1, n1) = start_node(&opts, redis_port, "bench-1").await?;
    wait_meshed(&[n0, n1]).await?;
    eprintln!(
        "backplane: relay, {} same-node and {} cross-node pairs, {} Hz, {:?}…",
        opts.pairs, opts.pairs, opts.rate_hz, opts.duration
    );
    let relay = relay(&opts, n0, n1).await;
    eprintln!("  {relay}");

    eprintln!("backplane: failover, {} trials…", opts.trials);
    let (mut victim, mut victim_addr) = (p0, n0);
    let mut times = Vec::new();
    let mut leaves = 0;
    for trial in 0..opts.trials {
        let (ms, left) = failover_trial(victim, victim_addr, n1, &format!("fo-{trial}")).await?;
        eprintln!("  trial {trial}: {ms:.1} ms{}", if left { " (peer-left seen!)" } else { "" });
        times.push(ms);
        leaves += usize::from(left);
        // A fresh node in the victim's place for the next trial (same redis).
        let (p, a) = start_node(&opts, redis_port, &format!("bench-0-{trial}")).await?;
        wait_meshed(&[a, n1]).await?;
        (victim, victim_addr) = (p, a);
    }
    victim.kill().await;
    p1.kill().await;
    redis.kill().await;
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let result = json!({
        "date": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "relay": relay,
        "failover": {
            "what": "SIGKILL of a node → its participant's resumed welcome on the other node (protocol client following the SDK's endpoint policy)",
            "trials": opts.trials,
            "median_ms": round2(percentile(&sorted, 0.5)),
            "p95_ms": round2(percentile(&sorted, 0.95)),
            "max_ms": round2(sorted.last().copied().unwrap_or(f64::NAN)),
            "peer_left_seen": leaves,
        },
    });
    if let Some(dir) = opts.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text =
        serde_json::to_string_pretty(&json!({ "backplane": result })).map_err(ctx("json"))?;
    std::fs::write(&opts.out, text + "\n").map_err(ctx(opts.out.display()))?;
    eprintln!("wrote {}", opts.out.display());
    Ok(())
}
