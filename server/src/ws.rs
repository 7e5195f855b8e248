//! `/ws`: one task per WebSocket that feeds the shared hub and writes what
//! the hub sends back, with heartbeats and a frame rate limit.

use crate::app::AppState;
use crate::frame::{binary_rejection, parse_text};
use crate::outbox::{Next, Outbox};
use crate::rate::{RateLimiter, Verdict};
use crate::stats::DropReason;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use rtcroom_proto::hub::{ConnId, Gone};
use rtcroom_proto::ErrorCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{interval_at, sleep_until, timeout, Instant, MissedTickBehavior};

/// Close codes the server sends.
pub const CLOSE_LEFT: u16 = 1000;
pub const CLOSE_SHUTDOWN: u16 = 1001;
/// Private-use range: no inbound traffic within the heartbeat timeout.
pub const CLOSE_TIMEOUT: u16 = 4000;
/// Private-use range: the outgoing queue overflowed (the client does not read).
pub const CLOSE_SLOW_CONSUMER: u16 = 4002;
/// The close code a browser sends when the page goes away: tab closed,
/// navigation, or the browser killed.
const CLOSE_GOING_AWAY: u16 = 1001;

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
    Shutdown,
}

pub async fn upgrade(State(app): State<Arc<AppState>>, ws: WebSocketUpgrade) -> Response {
    // Let oversized frames through the library (up to 4x the limit) so the
    // server can answer `frame-too-large` instead of the socket just dying.
    let lib_limit = app.settings.max_frame.saturating_mul(4);
    ws.max_message_size(lib_limit)
        .max_frame_size(lib_limit)
        .on_upgrade(move |socket| run(socket, app))
}

async fn run(mut socket: WebSocket, app: Arc<AppState>) {
    let _live = app.track_task();
    let _counted = app.rooms.stats.track_connection();
    let (conn, outbox) = app.rooms.connect();
    let end = serve(&mut socket, &app, conn, &outbox).await;
    // The hub hears of every ending, `leave` included, so it never keeps a
    // finished connection in a room.
    match end {
        End::Left => {
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, CLOSE_LEFT, "left").await;
        }
        End::Gone(Gone::Timeout) => {
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
        End::Shutdown => {
            app.rooms.disconnect(conn, Gone::Closed);
            close(&mut socket, CLOSE_SHUTDOWN, "server shutting down").await;
        }
    }
}

async fn serve(socket: &mut WebSocket, app: &AppState, conn: ConnId, outbox: &Outbox) -> End {
    let heartbeat = app.settings.heartbeat;
    let silence_limit = heartbeat.saturating_mul(2);
    let mut pings = interval_at(Instant::now() + heartbeat, heartbeat);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut deadline = Instant::now() + silence_limit;
    let mut limiter = RateLimiter::new(app.settings.rate_limit);
    let mut shutdown = app.shutdown.clone();
    if *shutdown.borrow_and_update() {
        return End::Shutdown;
    }

    loop {
        tokio::select! {
            inbound = socket.recv() => {
                // EOF or an error without a close frame: the client died.
                let Some(Ok(msg)) = inbound else { return End::Gone(Gone::Reset) };
                app.rooms.stats.count_in();
                // Any frame, pongs included, proves the client is alive.
                deadline = Instant::now() + silence_limit;
                match msg {
                    Message::Text(text) => {
                        if allowed(&mut limiter, app, conn) {
                            match parse_text(text.as_str(), app.settings.max_frame) {
                                Ok(msg) => app.rooms.message(conn, msg),
                                Err(r) => app.rooms.bad_frame(conn, r.code, r.message),
                            }
                        }
                    }
                    Message::Binary(_) => {
                        if allowed(&mut limiter, app, conn) {
                            let r = binary_rejection();
                            app.rooms.bad_frame(conn, r.code, r.message);
                        }
                    }
                    Message::Close(frame) => {
                        let away = frame.is_some_and(|f| f.code == CLOSE_GOING_AWAY);
                        return End::Gone(if away { Gone::Away } else { Gone::Closed });
                    }
                    // Tungstenite answers pings itself.
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
            next = outbox.next() => match next {
                Next::Text(text) => {
                    let msg = Message::Text(text.into());
                    if let Err(end) = send(socket, msg, silence_limit, outbox).await {
                        return end;
                    }
                    app.rooms.stats.count_out();
                }
                Next::Close => return End::Left,
                Next::Overflow => return End::SlowConsumer,
            },
            _ = pings.tick() => {
                let ping = Message::Ping(Default::default());
                if let Err(end) = send(socket, ping, silence_limit, outbox).await {
                    return end;
                }
            }
            _ = sleep_until(deadline) => return End::Gone(Gone::Timeout),
            _ = shutdown.changed() => return End::Shutdown,
        }
    }
}

/// Applies the rate limit; reports the first dropped frame of a window.
fn allowed(limiter: &mut RateLimiter, app: &AppState, conn: ConnId) -> bool {
    match limiter.check(std::time::Instant::now()) {
        Verdict::Allow => true,
        Verdict::RejectAndReport => {
            let message =
                format!("more than {} frames per second; frame dropped", app.settings.rate_limit);
            app.rooms.bad_frame(conn, ErrorCode::RateLimited, message);
            false
        }
        Verdict::RejectQuietly => false,
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
