//! Shared application state and the HTTP router.

use crate::backplane::{self, Outgoing};
use crate::config::Config;
use crate::ids;
use crate::limits::ConnLimiter;
use crate::metrics;
use crate::outbox::QueueLimits;
use crate::rooms::Rooms;
use crate::static_files::{self, StaticFiles};
use crate::stats::Stats;
use crate::ws;
use axum::routing::get;
use axum::Router;
use rtcroom_proto::hub::{BackplaneConfig, HubConfig, TurnConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Per-connection limits taken from the config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_frame: usize,
    pub heartbeat: Duration,
    pub rate_limit: u32,
    pub join_timeout: Duration,
    /// Lowercase origins allowed to upgrade; empty: any.
    pub allowed_origins: Vec<String>,
}

pub struct AppState {
    pub rooms: Rooms,
    pub settings: Settings,
    pub limiter: Arc<ConnLimiter>,
    pub static_files: StaticFiles,
    /// Flips to `true` once: WebSocket tasks close their sockets.
    pub shutdown: watch::Receiver<bool>,
    live_tasks: AtomicUsize,
    /// This node's Redis link: URL, node id, and the queue the hub fills
    /// (taken once by `Server::run`).
    pub backplane: Option<BackplaneLink>,
}

pub struct BackplaneLink {
    pub url: String,
    pub node: String,
    pub queue: Mutex<Option<mpsc::Receiver<Outgoing>>>,
}

impl AppState {
    pub fn new(config: &Config, shutdown: watch::Receiver<bool>) -> Self {
        let node = config.node_id.clone().unwrap_or_else(ids::random_node_id);
        let (publisher, backplane) = match &config.redis_url {
            Some(url) => {
                let (tx, rx) = mpsc::channel(backplane::QUEUE_FRAMES);
                let link = BackplaneLink {
                    url: url.clone(),
                    node: node.clone(),
                    queue: Mutex::new(Some(rx)),
                };
                (Some(tx), Some(link))
            }
            None => (None, None),
        };
        AppState {
            rooms: Rooms::new(
                hub_config(config, &node),
                QueueLimits {
                    max_bytes: config.max_queue_bytes,
                    max_frames: config.max_queue_frames,
                },
                Arc::new(Stats::default()),
                publisher,
            ),
            settings: Settings {
                max_frame: config.max_frame,
                heartbeat: config.heartbeat,
                rate_limit: config.rate_limit,
                join_timeout: config.join_timeout,
                allowed_origins: config.allowed_origins.clone(),
            },
            limiter: Arc::new(ConnLimiter::new(
                config.max_connections,
                config.max_connections_per_ip,
            )),
            static_files: StaticFiles::new(&config.mounts),
            shutdown,
            live_tasks: AtomicUsize::new(0),
            backplane,
        }
    }

    /// Counts a WebSocket task until the guard drops, so shutdown can wait
    /// for close frames to go out.
    pub fn track_task(&self) -> TaskGuard<'_> {
        self.live_tasks.fetch_add(1, Ordering::SeqCst);
        TaskGuard(&self.live_tasks)
    }

    pub fn live_tasks(&self) -> usize {
        self.live_tasks.load(Ordering::SeqCst)
    }
}

fn hub_config(config: &Config, node: &str) -> HubConfig {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let defaults = HubConfig::default();
    HubConfig {
        resume_grace_ms: ms(config.resume_grace),
        crash_grace_ms: ms(config.crash_grace),
        secret: config.secret.clone().unwrap_or_else(ids::random_secret),
        require_token: config.requires_join_token(),
        turn: config.turn_secret.as_ref().map(|secret| TurnConfig {
            urls: config.turn_urls.clone(),
            secret: secret.clone(),
            ttl_ms: ms(config.turn_ttl),
        }),
        token_lifetime_ms: ms(config.token_lifetime),
        // Held signals are delivered in one burst on resume: keep them within
        // half the outgoing queue, so a resume never overflows it.
        max_held_frames: defaults.max_held_frames.min(config.max_queue_frames / 2).max(1),
        max_held_bytes: defaults.max_held_bytes.min(config.max_queue_bytes / 2),
        backplane: config.redis_url.as_ref().map(|_| BackplaneConfig::new(node.to_owned())),
        ..defaults
    }
}

pub struct TaskGuard<'a>(&'a AtomicUsize);

impl Drop for TaskGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/metrics", get(metrics::serve))
        .fallback(static_files::serve)
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_signals_fit_in_half_the_outgoing_queue() {
        let small = Config { max_queue_bytes: 1000, max_queue_frames: 10, ..Config::default() };
        let hub = hub_config(&small, "n");
        assert_eq!((hub.max_held_bytes, hub.max_held_frames), (500, 5));
        let defaults = hub_config(&Config::default(), "n");
        assert_eq!((defaults.max_held_bytes, defaults.max_held_frames), (256 * 1024, 128));
    }
}
