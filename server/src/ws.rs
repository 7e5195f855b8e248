//! `/ws`: one task per WebSocket that feeds the shared hub and writes what
//! the hub sends back, with heartbeats and a frame rate limit.

use crate::app::AppState;
use crate::frame::{binary_rejection, parse_text};
use crate::heartbeat::Heartbeat;
use crate::limits::{Permit, Refusal};
use crate::outbox::{Next, Outbox};
use crate::rate::{RateLimiter, Verdict};
use crate::stats::DropReason;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, SinkExt};
use rtcroom_proto::hub::{ConnId, Gone};
use rtcroom_proto::{ErrorCode, ServerMessage};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{interval_at, sleep_until, timeout, Instant, MissedTickBehavior};

/// Close codes the server sends.
pub const CLOSE_LEFT: u16 = 1000;
pub const CLOSE_SHUTDOWN: u16 = 1001;
/// Private-use range: no inbound traffic within the heartbeat timeout.
pub const CLOSE_TIMEOUT: u16 = 4000;
/// Private-use range: no `join` within the join deadline.
pub const CLOSE_JOIN_TIMEOUT: u16 = 4001;
/// Private-use range: the outgoing queue overflowed (the client does not read).
pub const CLOSE_SLOW_CONSUMER: u16 = 4002;
/// Private-use range: refused, the server holds its maximum of connections.
pub const CLOSE_SERVER_FULL: u16 = 4003;
/// Private-use range: refused, too many connections from this IP address.
pub const CLOSE_ADDRESS_FULL: u16 = 4004;
/// RFC 6455: a framing violation (unmasked client frame, reserved opcode or
/// bits, bad fragmentation).
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
/// RFC 6455: a text frame that is not UTF-8.
pub const CLOSE_INVALID_PAYLOAD: u16 = 1007;
/// RFC 6455: a frame above the hard cap, [`hard_frame_cap`].
pub const CLOSE_TOO_BIG: u16 = 1009;
/// The close code a browser sends when the page goes away: tab closed,
/// navigation, or the browser killed.
const CLOSE_GOING_AWAY: u16 = 1001;

/// Tungstenite allocates its read buffer at this size for every socket, and
/// zero-fills it before each read. The library default (128 KiB) made an
/// idle socket cost ~133 KiB; signaling frames are mostly under 1 KiB (ICE
/// candidates) to ~10 KiB (SDP), and a larger frame grows the buffer to its
/// own length anyway.
pub const READ_BUFFER_SIZE: usize = 4 * 1024;
/// Frames queued for a connection go out together: the connection task
/// takes what waits in its outbox behind the first frame, up to this many
/// bytes, and writes it with one flush (one syscall instead of one per frame
/// when the server is busy). Tungstenite writes once its buffer reaches this
/// size, so the buffer holds at most this plus one frame. Its maximum stays
/// unbounded: a `welcome` of a large room may be bigger than any inbound
/// frame limit.
pub const WRITE_BUFFER_SIZE: usize = 16 * 1024;

/// How long to wait for the peer's half of the closing handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Why a connection loop ended.
enum End {
    /// The hub finished the connection (`leave`, or resumed elsewhere).
    Left,
    /// The socket is gone or silent; the hub suspends its participant.
    Gone(Gone),
    /// The outgoing queue overflowed; suspended like a heartbeat timeout.
    SlowConsumer,
    /// No `join` within the join deadline.
    JoinTimeout,
    /// The client broke RFC 6455: fail the connection with this close code.
    Violation(u16, &'static str),
    /// A frame above the hard cap (4x the frame limit), which the library
    /// refuses to buffer: answer `frame-too-large`, then close 1009.
    TooBig,
    Shutdown,
}

pub async fn upgrade(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers send the page's origin with every upgrade, and WebSockets
    // are not bound by CORS: without this check any site a user visits can
    // open a socket here with the user's cookies and network position.
    // Non-browser clients send no Origin (and could forge one anyway).
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !origin_allowed(&app.settings.allowed_origins, origin.as_bytes()) {
            app.rooms.stats.count_drop(DropReason::OriginRefused);
            tracing::info!(origin = ?origin, reason = "origin_refused", "upgrade refused");
            return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
        }
    }
    // Decided before the upgrade; a refusal still upgrades, so that the
    // client (a browser sees nothing of an HTTP error) gets a close code.
    let admitted = app.limiter.try_acquire(peer.ip());
    // Let oversized frames through the library (up to 4x the limit) so the
    // server can answer `frame-too-large` and keep the connection; above
    // that the library stops buffering and the connection closes with 1009.
    let lib_limit = hard_frame_cap(app.settings.max_frame);
    let ws = ws
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_message_size(lib_limit)
        .max_frame_size(lib_limit);
    ws.on_upgrade(move |socket| async move {
        match admitted {
            Ok(permit) => run(socket, app, permit).await,
            Err(refusal) => refuse(socket, app, refusal).await,
        }
    })
}

/// Origins compare case-insensitively (scheme and host are); an empty
/// list allows every origin.
fn origin_allowed(allowed: &[String], origin: &[u8]) -> bool {
    allowed.is_empty() || allowed.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(origin))
}

/// The largest frame the library buffers: frames between the limit and this
/// get `frame-too-large` and the connection stays.
pub fn hard_frame_cap(max_frame: usize) -> usize {
    max_frame.saturating_mul(4)
}

async fn refuse(mut socket: WebSocket, app: Arc<AppState>, refusal: Refusal) {
    let _live = app.track_task();
    let (reason, code) = match refusal {
        Refusal::ServerFull(_) => (DropReason::ServerFull, CLOSE_SERVER_FULL),
        Refusal::AddressFull(_) => (DropReason::AddressFull, CLOSE_ADDRESS_FULL),
    };
    app.rooms.stats.count_drop(reason);
    tracing::info!(reason = reason.as_str(), "connection refused");
    let text = match refusal {
        Refusal::ServerFull(_) => "server full",
        Refusal::AddressFull(_) => "too many connections from this address",
    };
    close(&mut socket, code, text).await;
}

/// Serves one admitted connection; `_permit` holds its slot until it ends.
async fn run(mut socket: WebSocket, app: Arc<AppState>, _permit: Permit) {
    let _live = app.track_task();
    let _counted = app.rooms.stats.track_connection();
    let (conn, outbox) = app.rooms.connect();
    let end = serve(&mut socket, &app, conn, &outbox).await;
    log_end(conn, &end);
    // The hub hears of every ending, `leave` included, so it never keeps a
    // finished connection in a room.
    match end {
        End::Left => {
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, CLOSE_LEFT, "left").await;
        }
        End::Gone(Gone::Timeout) => {
            app.rooms.stats.count_drop(DropReason::HeartbeatTimeout);
            app.rooms.disconnect(conn, Gone::Timeout);
            close(&mut socket, CLOSE_TIMEOUT, "heartbeat timeout").await;
        }
        End::Gone(gone) => {
            app.rooms.disconnect(conn, gone);
            // Flushes tungstenite's reply to a peer's close frame, if any.
            let _ = timeout(CLOSE_GRACE, socket.recv()).await;
        }
        End::SlowConsumer => {
            app.rooms.stats.count_drop(DropReason::SlowConsumer);
            app.rooms.disconnect(conn, Gone::Timeout);
            close(&mut socket, CLOSE_SLOW_CONSUMER, "slow consumer").await;
        }
        End::Violation(code, reason) => {
            app.rooms.stats.count_drop(DropReason::ProtocolError);
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, code, reason).await;
        }
        End::TooBig => {
            app.rooms.stats.count_drop(DropReason::TooBig);
            app.rooms.disconnect(conn, Gone::Closed);
            let hard_cap = hard_frame_cap(app.settings.max_frame);
            let error: ServerMessage<()> = ServerMessage::Error {
                code: ErrorCode::FrameTooLarge,
                message: format!(
                    "frame above {hard_cap} bytes (4x the {} byte limit): connection closed",
                    app.settings.max_frame
                ),
            };
            if let Ok(text) = serde_json::to_string(&error) {
                let _ = timeout(CLOSE_GRACE, socket.send(Message::Text(text.into()))).await;
            }
            close(&mut socket, CLOSE_TOO_BIG, "frame too large").await;
        }
        End::JoinTimeout => {
            app.rooms.stats.count_drop(DropReason::JoinTimeout);
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, CLOSE_JOIN_TIMEOUT, "join timeout").await;
        }
        End::Shutdown => {
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, CLOSE_SHUTDOWN, "server shutting down").await;
        }
    }
}

/// Why the server ended a connection, as a log event with fields.
fn log_end(conn: ConnId, end: &End) {
    let reason = match end {
        End::Left | End::Shutdown => return,
        End::Gone(gone) => {
            return tracing::debug!(conn, reason = ?gone, "socket gone");
        }
        End::SlowConsumer => DropReason::SlowConsumer,
        End::JoinTimeout => DropReason::JoinTimeout,
        End::Violation(..) => DropReason::ProtocolError,
        End::TooBig => DropReason::TooBig,
    };
    tracing::info!(conn, reason = reason.as_str(), "connection closed by the server");
}

/// Per-connection state the inbound path updates.
struct Inbound<'a> {
    app: &'a AppState,
    conn: ConnId,
    silence_limit: Duration,
    /// Silence deadline: moved by application frames and heartbeat answers.
    deadline: Instant,
    /// Until the connection is a member; cleared for good once it is (a
    /// member that leaves is closed anyway).
    join_deadline: Option<Instant>,
    heartbeat: Heartbeat,
    limiter: RateLimiter,
}

impl Inbound<'_> {
    /// Handles what one read returned; `Err` ends the connection.
    fn handle(&mut self, inbound: Option<Result<Message, axum::Error>>) -> Result<(), End> {
        let msg = match inbound {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => return Err(read_failure(e)),
            // EOF without a close frame: the client died.
            None => return Err(End::Gone(Gone::Reset)),
        };
        let app = self.app;
        app.rooms.stats.count_in();
        // Application frames prove the client alive, and so do answers to
        // our heartbeat pings; client pings and other pongs do not (they
        // would keep a dead participant for ever).
        let alive = match &msg {
            Message::Text(_) | Message::Binary(_) => true,
            Message::Pong(payload) => self.heartbeat.accept_pong(payload),
            Message::Ping(_) | Message::Close(_) => false,
        };
        if alive {
            self.deadline = Instant::now() + self.silence_limit;
        }
        match msg {
            Message::Text(text) => {
                if self.allowed() {
                    match parse_text(text.as_str(), app.settings.max_frame) {
                        Ok(msg) => {
                            if app.rooms.message(self.conn, msg) {
                                self.join_deadline = None;
                            }
                        }
                        Err(r) => app.rooms.bad_frame(self.conn, r.code, r.message),
                    }
                }
            }
            Message::Binary(_) => {
                if self.allowed() {
                    let r = binary_rejection();
                    app.rooms.bad_frame(self.conn, r.code, r.message);
                }
            }
            Message::Close(frame) => {
                let away = frame.is_some_and(|f| f.code == CLOSE_GOING_AWAY);
                return Err(End::Gone(if away { Gone::Away } else { Gone::Closed }));
            }
            // Tungstenite answers pings itself (one pending pong at most);
            // they still spend the frame budget, so a ping flood leaves no
            // room for application frames.
            Message::Ping(_) | Message::Pong(_) => {
                self.allowed();
            }
        }
        Ok(())
    }

    /// Applies the rate limit; reports the first dropped frame of a window.
    fn allowed(&mut self) -> bool {
        match self.limiter.check(std::time::Instant::now()) {
            Verdict::Allow => true,
            Verdict::RejectAndReport => {
                let message = format!(
                    "more than {} frames per second; frame dropped",
                    self.app.settings.rate_limit
                );
                self.app.rooms.bad_frame(self.conn, ErrorCode::RateLimited, message);
                false
            }
            Verdict::RejectQuietly => false,
        }
    }
}

/// When a deadline fires, frames that already arrived are read first: after
/// a stall of the runtime the timer can win the race against them, and a
/// pong or a `join` waiting in the buffer must not count as missing.
fn drain_ready(socket: &mut WebSocket, state: &mut Inbound<'_>) -> Result<bool, End> {
    let mut read_any = false;
    while let Some(inbound) = socket.recv().now_or_never() {
        state.handle(inbound)?;
        read_any = true;
    }
    Ok(read_any)
}

async fn serve(socket: &mut WebSocket, app: &AppState, conn: ConnId, outbox: &Outbox) -> End {
    let heartbeat = app.settings.heartbeat;
    let silence_limit = heartbeat.saturating_mul(2);
    let mut pings = interval_at(Instant::now() + heartbeat, heartbeat);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut state = Inbound {
        app,
        conn,
        silence_limit,
        deadline: Instant::now() + silence_limit,
        join_deadline: Some(Instant::now() + app.settings.join_timeout),
        heartbeat: Heartbeat::default(),
        limiter: RateLimiter::new(app.settings.rate_limit),
    };
    // One timer for the silence deadline, armed at the deadline as it was
    // and checked against the current one when it fires (a new timer per
    // frame cost a timer-wheel insert and removal per relayed signal).
    let silence = sleep_until(state.deadline);
    tokio::pin!(silence);
    let mut shutdown = app.shutdown.clone();
    if *shutdown.borrow_and_update() {
        return End::Shutdown;
    }

    loop {
        tokio::select! {
            inbound = socket.recv() => {
                if let Err(end) = state.handle(inbound) {
                    return end;
                }
            }
            next = outbox.next() => match next {
                Next::Text(text) => {
                    if let Err(end) = send_queued(socket, text, silence_limit, outbox, app).await {
                        return end;
                    }
                }
                Next::Close => return End::Left,
                Next::Overflow => return End::SlowConsumer,
            },
            _ = pings.tick() => {
                let ping = Message::Ping(state.heartbeat.next_ping().to_vec().into());
                if let Err(end) = send(socket, ping, silence_limit, outbox).await {
                    return end;
                }
            }
            () = &mut silence => {
                match drain_ready(socket, &mut state) {
                    Err(end) => return end,
                    // Moved by frames since it was armed: re-armed once
                    // here, not at every frame.
                    Ok(_) if Instant::now() < state.deadline => silence.as_mut().reset(state.deadline),
                    Ok(_) => return End::Gone(Gone::Timeout),
                }
            }
            () = sleep_until_some(state.join_deadline) => {
                match drain_ready(socket, &mut state) {
                    Err(end) => return end,
                    Ok(_) if state.join_deadline.is_none() => {}
                    Ok(_) => return End::JoinTimeout,
                }
            }
            _ = shutdown.changed() => return End::Shutdown,
        }
    }
}

/// Sleeps until `at`, or for ever without a deadline.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sorts a read error: the client's fault (answered with a close code) or
/// a dead connection (nothing to send to).
fn read_failure(e: axum::Error) -> End {
    use tungstenite::error::{Error as WsError, ProtocolError};
    let Ok(e) = e.into_inner().downcast::<WsError>() else {
        return End::Gone(Gone::Reset);
    };
    match *e {
        WsError::Utf8(_) => End::Violation(CLOSE_INVALID_PAYLOAD, "invalid UTF-8"),
        WsError::Capacity(_) => End::TooBig,
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Gone(Gone::Reset),
        WsError::Protocol(_) | WsError::AttackAttempt => {
            End::Violation(CLOSE_PROTOCOL_ERROR, "protocol error")
        }
        _ => End::Gone(Gone::Reset),
    }
}

/// A write that cannot finish within the silence limit means the client
/// stopped reading: treat it like a heartbeat timeout. A queue that
/// overflows while the write waits ends it at once (slow consumer); the
/// frame stays whole in tungstenite's buffer, ahead of the close frame.
async fn send(
    socket: &mut WebSocket,
    msg: Message,
    limit: Duration,
    outbox: &Outbox,
) -> Result<(), End> {
    tokio::select! {
        res = timeout(limit, socket.send(msg)) => match res {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone(Gone::Reset)),
            Err(_) => Err(End::Gone(Gone::Timeout)),
        },
        () = outbox.overflowed() => Err(End::SlowConsumer),
    }
}

/// Writes `first` and what waits behind it in the outbox (up to
/// [`WRITE_BUFFER_SIZE`] bytes), then flushes once; the same limits as
/// [`send`] apply to the whole batch.
async fn send_queued(
    socket: &mut WebSocket,
    first: String,
    limit: Duration,
    outbox: &Outbox,
    app: &AppState,
) -> Result<(), End> {
    let batch = async {
        let (mut bytes, mut frames) = (first.len(), 1);
        socket.feed(Message::Text(first.into())).await?;
        while bytes < WRITE_BUFFER_SIZE {
            let Some(text) = outbox.try_next_text() else { break };
            bytes += text.len();
            frames += 1;
            socket.feed(Message::Text(text.into())).await?;
        }
        socket.flush().await.map(|()| frames)
    };
    tokio::select! {
        res = timeout(limit, batch) => match res {
            Ok(Ok(frames)) => {
                app.rooms.stats.count_out(frames);
                Ok(())
            }
            Ok(Err(_)) => Err(End::Gone(Gone::Reset)),
            Err(_) => Err(End::Gone(Gone::Timeout)),
        },
        () = outbox.overflowed() => Err(End::SlowConsumer),
    }
}

/// Sends a close frame and waits briefly for the client's reply so the
/// closing handshake completes cleanly.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    let _ = timeout(CLOSE_GRACE, async {
        if socket.send(frame).await.is_ok() {
            while let Some(Ok(_)) = socket.recv().await {}
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_buffers_are_sized_for_signaling_frames() {
        assert_eq!(READ_BUFFER_SIZE, 4096);
        assert_eq!(WRITE_BUFFER_SIZE, 16 * 1024);
        assert_eq!(hard_frame_cap(65536), 262_144);
    }

    #[test]
    fn origins_match_case_insensitively_and_an_empty_list_allows_all() {
        let allowed = vec!["https://app.example.com".to_string()];
        assert!(origin_allowed(&allowed, b"https://APP.example.com"));
        assert!(!origin_allowed(&allowed, b"https://evil.example.com"));
        assert!(!origin_allowed(&allowed, b"null"));
        assert!(origin_allowed(&[], b"https://anything.example"));
    }
}
