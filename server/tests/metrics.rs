//! `GET /metrics` in the Prometheus text format.

mod common;

use common::{http_get, Client, Config, TestServer};
use serde_json::json;
use std::collections::HashMap;

/// Sample lines as `name{labels}` → value; comments skipped.
async fn scrape(server: &TestServer) -> HashMap<String, f64> {
    let res = http_get(server.addr, "/metrics").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let body = String::from_utf8(res.body).unwrap();
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn metrics_report_connections_rooms_frames_queues_and_drops_by_reason() {
    let server = TestServer::start(Config { max_connections: 2, ..common::config() }).await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    b.signal(&a.id, json!("hi")).await;
    a.recv().await;
    let mut refused = Client::connect(&server).await;
    refused.expect_close().await;
    common::eventually("the refusal is counted", || {
        server.stats.drops(rtcroom_server::stats::DropReason::ServerFull) == 1
    })
    .await;

    let m = scrape(&server).await;
    assert_eq!(m["rtcroom_connections"], 2.0);
    assert_eq!(m["rtcroom_rooms"], 1.0);
    assert_eq!(m["rtcroom_suspended_participants"], 0.0);
    assert!(m["rtcroom_frames_in_total"] >= 3.0, "{m:?}");
    assert!(m["rtcroom_frames_out_total"] >= 4.0, "{m:?}");
    assert_eq!(m["rtcroom_queued_bytes"], 0.0);
    assert_eq!(m["rtcroom_queued_frames"], 0.0);
    assert_eq!(m["rtcroom_held_signals_dropped_total"], 0.0);
    assert_eq!(m[r#"rtcroom_connection_drops_total{reason="server_full"}"#], 1.0);
    for reason in
        ["slow_consumer", "join_timeout", "heartbeat_timeout", "protocol_error", "too_big"]
    {
        let key = format!(r#"rtcroom_connection_drops_total{{reason="{reason}"}}"#);
        assert_eq!(m[&key], 0.0, "{key}");
    }
    assert!(m.contains_key(r#"rtcroom_connection_drops_total{reason="address_full"}"#));
}
