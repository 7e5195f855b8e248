//! Shared test harness: an in-process server on port 0, WebSocket clients
//! that speak the JSON protocol, and a tiny HTTP/1.1 GET.
#![allow(dead_code)] // each test binary uses a different subset

use futures::{SinkExt, StreamExt};
pub use rtcroom_server::Config;
use rtcroom_server::Server;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

/// Longest wait for a frame that should arrive.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Fixed, so a second server can accept the first one's tokens.
pub const SECRET: &[u8] = b"rtcroom-test-secret";

/// Port 0, and graces short enough that tests can wait them out.
pub fn config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        resume_grace: Duration::from_millis(400),
        crash_grace: Duration::from_millis(100),
        secret: Some(SECRET.to_vec()),
        // The fixed secret is for resume across restarts; most tests join
        // without tokens (tests/join_tokens.rs turns this off).
        open_rooms: true,
        ..Config::default()
    }
}

/// A join token for `identity` in `room` signed with [`SECRET`], valid for
/// `ttl` from now (negative: expired that long ago).
pub fn join_token(
    room: &str,
    identity: &str,
    ttl_secs: i64,
    grants: rtcroom_proto::Grants,
) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let exp = now.checked_add_signed(ttl_secs).unwrap();
    let claims = rtcroom_proto::hub::join_token::JoinClaims {
        identity: identity.into(),
        room: room.into(),
        name: None,
        expires_at: exp,
        grants,
    };
    rtcroom_proto::hub::join_token::mint(SECRET, &claims, now).unwrap()
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub stats: std::sync::Arc<rtcroom_server::stats::Stats>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), rtcroom_server::ServerError>>,
}

impl TestServer {
    pub async fn start(config: Config) -> TestServer {
        let server = Server::bind(config).await.unwrap();
        let addr = server.local_addr();
        let stats = server.stats();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer { addr, stats, stop: Some(stop), task }
    }

    pub async fn start_default() -> TestServer {
        Self::start(config()).await
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Graceful shutdown, as Ctrl-C would do; waits for `run` to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        timeout(PATIENCE, &mut self.task).await.unwrap().unwrap().unwrap();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Set by [`Client::join`].
    pub id: String,
}

impl Client {
    pub async fn connect(server: &TestServer) -> Client {
        Self::connect_url(&server.ws_url()).await
    }

    /// Connects to a WebSocket URL (a server in another process).
    pub async fn connect_url(url: &str) -> Client {
        let (ws, _) = connect_async(url).await.unwrap();
        Client { ws, id: String::new() }
    }

    /// Connects with a small TCP receive buffer, so a client that stops
    /// reading backs the server up after little data.
    pub async fn connect_small_window(server: &TestServer) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let tcp = socket.connect(server.addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(server.ws_url(), MaybeTlsStream::Plain(tcp))
            .await
            .unwrap();
        Client { ws, id: String::new() }
    }

    /// Connects, joins `room` and returns the client with the `welcome`.
    pub async fn join(server: &TestServer, room: &str, name: &str) -> (Client, Value) {
        Self::join_with(server, json!({"type": "join", "room": room, "name": name})).await
    }

    /// Connects, sends `join {resume: token}` and expects a resumed `welcome`.
    pub async fn resume(
        server: &TestServer,
        room: &str,
        name: &str,
        token: &str,
    ) -> (Client, Value) {
        let frame = json!({"type": "join", "room": room, "name": name, "resume": token});
        let (c, welcome) = Self::join_with(server, frame).await;
        assert_eq!(welcome["resumed"], true, "{welcome}");
        (c, welcome)
    }

    /// Connects, sends `frame` (a `join`) and expects a `welcome`.
    pub async fn join_with(server: &TestServer, frame: Value) -> (Client, Value) {
        Self::join_url(&server.ws_url(), frame).await
    }

    /// Like [`Client::join_with`], to a WebSocket URL.
    pub async fn join_url(url: &str, frame: Value) -> (Client, Value) {
        let mut c = Client::connect_url(url).await;
        c.send(frame).await;
        let welcome = c.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        c.id = welcome["id"].as_str().unwrap().to_owned();
        (c, welcome)
    }

    /// Sends a close frame and reads until the server dropped the socket,
    /// which it does only after telling the hub the connection ended.
    pub async fn close_and_wait(mut self) {
        self.ws.close(None).await.unwrap();
        self.wait_closed().await;
    }

    /// Reads (and discards) until the socket ends.
    pub async fn wait_closed(&mut self) {
        let drained = async { while let Some(Ok(_)) = self.ws.next().await {} };
        timeout(PATIENCE, drained).await.expect("the server did not drop the socket");
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.unwrap();
    }

    /// Sends text frames in one write, so the server reads them together
    /// (as a browser's back-to-back `send()` calls usually arrive).
    pub async fn send_batch(&mut self, frames: &[Value]) {
        for f in frames {
            self.ws.feed(Message::text(f.to_string())).await.unwrap();
        }
        self.ws.flush().await.unwrap();
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::binary(bytes)).await.unwrap();
    }

    /// Next text frame as JSON; pings are answered and skipped.
    pub async fn recv(&mut self) -> Value {
        serde_json::from_str(&self.recv_text().await).unwrap()
    }

    /// Next text frame as sent by the server; pings are answered and skipped.
    pub async fn recv_text(&mut self) -> String {
        loop {
            let msg = timeout(PATIENCE, self.ws.next())
                .await
                .expect("timed out waiting for a frame")
                .expect("socket ended")
                .unwrap();
            match msg {
                Message::Text(t) => return t.as_str().to_owned(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    pub async fn expect_error(&mut self, code: &str) {
        let msg = self.recv().await;
        assert_eq!(msg["type"], "error", "{msg}");
        assert_eq!(msg["code"], code, "{msg}");
        assert!(msg["message"].is_string(), "{msg}");
    }

    /// A `ping` gets its `pong`: the connection is alive and usable.
    pub async fn assert_ping_pong(&mut self) {
        self.send(json!({"type": "ping"})).await;
        assert_eq!(self.recv().await, json!({"type": "pong"}));
    }

    pub async fn signal(&mut self, to: &str, data: Value) {
        self.send(json!({"type": "signal", "to": to, "data": data})).await;
    }

    /// No text frame arrives within `dur` (pings are answered meanwhile).
    pub async fn assert_silent_for(&mut self, dur: Duration) {
        let deadline = tokio::time::Instant::now() + dur;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            match next {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected silence, got {other:?}"),
            }
        }
    }

    /// Reads until the server's close frame and returns it.
    pub async fn expect_close(&mut self) -> Option<CloseFrame> {
        loop {
            let msg = timeout(PATIENCE, self.ws.next()).await.expect("timed out waiting for close");
            match msg {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}

pub struct HttpResponse {
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Polls `cond` every 10 ms until it holds; panics after [`PATIENCE`].
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Minimal HTTP/1.1 GET with `Connection: close`, enough for static files.
pub mod processes;

pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(PATIENCE, stream.read_to_end(&mut raw)).await.unwrap().unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    HttpResponse { status, headers, body: raw[split + 4..].to_vec() }
}

/// A WebSocket client over a plain TCP socket that writes frames byte by
/// byte, so tests can break RFC 6455 on purpose.
pub struct RawWs {
    pub tcp: TcpStream,
    buf: Vec<u8>,
}

/// What the server sent back.
#[derive(Debug, PartialEq, Eq)]
pub enum RawFrame {
    Text(String),
    Close(Option<u16>),
    /// Another opcode (pings, …).
    Other(u8),
}

impl RawWs {
    pub async fn connect(server: &TestServer) -> RawWs {
        Self::connect_from(server, None).await
    }

    /// Connects from `local` (e.g. 127.0.0.2: all of 127/8 is loopback).
    pub async fn connect_from(server: &TestServer, local: Option<std::net::IpAddr>) -> RawWs {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(ip) = local {
            socket.bind(SocketAddr::new(ip, 0)).unwrap();
        }
        let mut tcp = socket.connect(server.addr).await.unwrap();
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            server.addr
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 1024];
            let n = timeout(PATIENCE, tcp.read(&mut chunk)).await.unwrap().unwrap();
            assert!(n > 0, "closed during the handshake");
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        buf.drain(..head_end);
        RawWs { tcp, buf }
    }

    /// Writes one frame: `first` is the FIN/RSV/opcode byte; payloads under
    /// 126 bytes only. `masked: false` breaks the rule for client frames.
    pub async fn send_frame(&mut self, first: u8, payload: &[u8], masked: bool) {
        assert!(payload.len() < 126);
        let mut frame = vec![first, payload.len() as u8 | if masked { 0x80 } else { 0 }];
        if masked {
            let key = [0x12, 0x34, 0x56, 0x78];
            frame.extend_from_slice(&key);
            frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        } else {
            frame.extend_from_slice(payload);
        }
        self.tcp.write_all(&frame).await.unwrap();
    }

    pub async fn send_text(&mut self, text: &str) {
        self.send_frame(0x81, text.as_bytes(), true).await;
    }

    async fn fill(&mut self, n: usize) -> bool {
        while self.buf.len() < n {
            let mut chunk = [0u8; 4096];
            let read = timeout(PATIENCE, self.tcp.read(&mut chunk)).await;
            match read.expect("timed out reading a frame") {
                Ok(0) | Err(_) => return false,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
            }
        }
        true
    }

    /// The next frame, or `None` when the TCP connection ended.
    pub async fn read_frame(&mut self) -> Option<RawFrame> {
        if !self.fill(2).await {
            return None;
        }
        let opcode = self.buf[0] & 0x0f;
        let (len, header) = match self.buf[1] & 0x7f {
            126 => {
                self.fill(4).await.then_some(())?;
                (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
            }
            127 => {
                self.fill(10).await.then_some(())?;
                let bytes: [u8; 8] = self.buf[2..10].try_into().unwrap();
                (u64::from_be_bytes(bytes) as usize, 10)
            }
            n => (n as usize, 2),
        };
        self.fill(header + len).await.then_some(())?;
        let payload: Vec<u8> = self.buf.drain(..header + len).skip(header).collect();
        Some(match opcode {
            1 => RawFrame::Text(String::from_utf8(payload).unwrap()),
            8 => RawFrame::Close(
                (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]])),
            ),
            other => RawFrame::Other(other),
        })
    }

    /// Skips other frames until the close frame and returns its code;
    /// panics if the connection ends without one (what a browser reports
    /// as 1006).
    pub async fn expect_close_code(&mut self) -> u16 {
        loop {
            match self.read_frame().await {
                Some(RawFrame::Close(code)) => return code.expect("a close frame without a code"),
                Some(_) => continue,
                None => panic!("the connection ended without a close frame"),
            }
        }
    }
}

/// `/metrics` of the server at `addr`: `name{labels}` → value.
pub async fn scrape_addr(addr: SocketAddr) -> std::collections::HashMap<String, f64> {
    let res = http_get(addr, "/metrics").await;
    assert_eq!(res.status, 200);
    let body = String::from_utf8(res.body).unwrap();
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(name, value)| (name.to_owned(), value.parse().unwrap()))
        .collect()
}
