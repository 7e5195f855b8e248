//! rtcroom signaling server: rooms over WebSocket at `/ws` (the room logic is
//! `rtcroom_proto::hub::Hub`), heartbeats, and static file mounts.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rtcroom_server::ServerError> {
//! let server = rtcroom_server::Server::bind(rtcroom_server::Config::default()).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(std::future::pending()).await
//! # }
//! ```

mod app;
mod backplane;
pub mod config;
mod frame;
mod heartbeat;
mod ids;
mod limits;
pub mod logging;
mod metrics;
mod outbox;
mod rate;
mod rooms;
pub mod shutdown;
mod static_files;
pub mod stats;
pub mod token;
mod ws;

pub use config::{Command, Config, ConfigError, Mount, TokenRequest};
pub use ws::{
    hard_frame_cap, CLOSE_ADDRESS_FULL, CLOSE_INVALID_PAYLOAD, CLOSE_JOIN_TIMEOUT, CLOSE_LEFT,
    CLOSE_PROTOCOL_ERROR, CLOSE_SERVER_FULL, CLOSE_SHUTDOWN, CLOSE_SLOW_CONSUMER, CLOSE_TIMEOUT,
    CLOSE_TOO_BIG,
};

use axum::serve::{ListenerExt, TapIo};
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long shutdown waits for WebSocket tasks to send their close frames.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// Every accepted socket gets TCP_NODELAY: signaling frames are small and
/// latency-bound, and Nagle held them back (an offer took 41 ms longer to
/// reach the callee than to leave the caller).
fn nodelay(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    // A named type, not `impl Listener`: `ConnectInfo<SocketAddr>` is only
    // implemented for the concrete `TapIo`.
    listener.tap_io(set_nodelay as fn(&mut TcpStream))
}

fn set_nodelay(tcp: &mut TcpStream) {
    // Best effort: a socket without it still works, only slower.
    let _ = tcp.set_nodelay(true);
}

/// A bound, not yet running server; bind first so callers learn the port.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: Arc<app::AppState>,
    shutdown: watch::Sender<bool>,
}

impl Server {
    pub async fn bind(config: Config) -> Result<Self, ServerError> {
        let bind_err = |source| ServerError::Bind { addr: config.addr, source };
        let listener = TcpListener::bind(config.addr).await.map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = Arc::new(app::AppState::new(&config, shutdown_rx));
        Ok(Server { listener, local_addr, state, shutdown })
    }

    /// Live counters and gauges; stays readable after `run` started.
    pub fn stats(&self) -> Arc<stats::Stats> {
        self.state.rooms.stats.clone()
    }

    /// The real address, with the port chosen by the OS for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `stop` resolves, then closes every WebSocket (code 1001)
    /// and returns once they are closed or a short grace period passed.
    pub async fn run<F>(self, stop: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Server { listener, state, shutdown, .. } = self;
        let router = app::router(state.clone());
        // The peer address feeds the per-address connection cap.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(nodelay(listener), service).with_graceful_shutdown(async move {
            stop.await;
            // Upgraded sockets are not tracked by axum; tell them directly.
            shutdown.send_replace(true);
        });
        // The hub's timers (grace periods) run as long as the server does;
        // `run_timers` never returns, so `select!` ends with `serve`.
        let link = async {
            let Some(link) = &state.backplane else { return std::future::pending().await };
            let queue = link.queue.lock().ok().and_then(|mut q| q.take());
            match queue {
                Some(rx) => backplane::run(&state.rooms, &link.url, &link.node, rx).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            res = serve.into_future() => res.map_err(ServerError::Serve)?,
            () = state.rooms.run_timers() => {}
            () = link => {}
        }
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while state.live_tasks() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[tokio::test]
    async fn accepted_sockets_have_nodelay() -> TestResult {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut listener = nodelay(listener);
        let client = tokio::net::TcpStream::connect(addr);
        let ((accepted, _), _client) = tokio::join!(listener.accept(), client);
        assert!(accepted.nodelay()?);
        Ok(())
    }
}
