//! `GET /metrics`: the server's counters and gauges in the Prometheus text
//! format (version 0.0.4). Counts only: no ids, names or rooms.

use crate::app::AppState;
use crate::stats::DropReason;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::Arc;

const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn serve(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], render(&app))
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
}

pub fn render(app: &AppState) -> String {
    let stats = &app.rooms.stats;
    let hub = app.rooms.hub_gauges();
    let mut out = String::with_capacity(2048);
    let m = &mut out;
    metric(
        m,
        "rtcroom_connections",
        "gauge",
        "WebSocket connections being served.",
        stats.connections(),
    );
    metric(m, "rtcroom_rooms", "gauge", "Rooms with at least one participant.", hub.rooms);
    metric(
        m,
        "rtcroom_suspended_participants",
        "gauge",
        "Participants whose socket dropped, waiting for a resume.",
        hub.suspended,
    );
    metric(
        m,
        "rtcroom_frames_in_total",
        "counter",
        "WebSocket frames received (data and control).",
        stats.frames_in(),
    );
    metric(
        m,
        "rtcroom_frames_out_total",
        "counter",
        "Text frames written to sockets.",
        stats.frames_out(),
    );
    metric(
        m,
        "rtcroom_queued_bytes",
        "gauge",
        "Bytes waiting in the outgoing queues of all connections.",
        stats.queued_bytes(),
    );
    metric(
        m,
        "rtcroom_queued_frames",
        "gauge",
        "Frames waiting in the outgoing queues of all connections.",
        stats.queued_frames(),
    );
    metric(
        m,
        "rtcroom_held_signals_dropped_total",
        "counter",
        "Signals held for a suspended participant and dropped (oldest first) because its hold was full.",
        hub.held_dropped,
    );
    let bp = app.rooms.backplane_stats();
    let on = app.backplane.is_some();
    metric(
        m,
        "rtcroom_backplane_connected",
        "gauge",
        "1 while the Redis backplane link is up (0 without --redis).",
        u8::from(on && bp.connected()),
    );
    metric(
        m,
        "rtcroom_backplane_nodes_alive",
        "gauge",
        "Other nodes this node hears heartbeats from.",
        hub.nodes_alive,
    );
    metric(
        m,
        "rtcroom_backplane_nodes_lost_total",
        "counter",
        "Nodes declared dead (no heartbeat within the node timeout).",
        hub.nodes_lost,
    );
    metric(
        m,
        "rtcroom_backplane_published_total",
        "counter",
        "Frames published to Redis.",
        bp.published(),
    );
    metric(
        m,
        "rtcroom_backplane_received_total",
        "counter",
        "Frames received from Redis (this node's own echo included).",
        bp.received(),
    );
    metric(
        m,
        "rtcroom_backplane_dropped_total",
        "counter",
        "Frames not published: the queue to Redis was full, or the link failed under them.",
        bp.dropped(),
    );
    metric(
        m,
        "rtcroom_backplane_undecodable_total",
        "counter",
        "Frames from Redis that were not backplane frames.",
        bp.undecodable(),
    );
    metric(
        m,
        "rtcroom_backplane_unroutable_signals_total",
        "counter",
        "Signals from another node whose target had moved or left.",
        hub.signals_unroutable,
    );
    metric(
        m,
        "rtcroom_backplane_reconnects_total",
        "counter",
        "Reconnections to Redis after the link was lost.",
        bp.reconnects(),
    );
    let _ = write!(
        m,
        "# HELP rtcroom_connection_drops_total Connections the server closed or refused, by reason.\n\
         # TYPE rtcroom_connection_drops_total counter\n"
    );
    for reason in DropReason::ALL {
        let _ = writeln!(
            m,
            "rtcroom_connection_drops_total{{reason=\"{}\"}} {}",
            reason.as_str(),
            stats.drops(reason)
        );
    }
    out
}
