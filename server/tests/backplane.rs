//! Two `rtcroom-server` processes on a real `redis-server`: participants on
//! different nodes share a room; a node killed with SIGKILL is noticed by
//! the other, whose participants resume there without anyone seeing a leave.

mod common;

use common::processes::{Node, RedisServer};
use common::{scrape_addr, Client};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Waits until each node hears the other (the Redis links are up and the
/// first heartbeats crossed).
async fn wait_meshed(nodes: &[&Node]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for node in nodes {
        loop {
            let m = scrape_addr(node.addr).await;
            if m["rtcroom_backplane_nodes_alive"] == (nodes.len() - 1) as f64 {
                assert_eq!(m["rtcroom_backplane_connected"], 1.0);
                break;
            }
            assert!(Instant::now() < deadline, "nodes never met: {m:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn join(room: &str, name: &str) -> Value {
    json!({"type": "join", "room": room, "name": name})
}

/// Resumes the participant `welcome` welcomed, on the node at `url`;
/// asserts it came back as itself.
async fn resume(url: &str, name: &str, welcome: &Value) -> (Client, Value) {
    let frame = json!({"type": "join", "room": "r", "name": name, "resume": token(welcome)});
    let (client, again) = Client::join_url(url, frame).await;
    assert_eq!(
        (again["resumed"].as_bool(), again["id"].as_str()),
        (Some(true), welcome["id"].as_str())
    );
    (client, again)
}

fn token(welcome: &Value) -> String {
    welcome["session"].as_str().unwrap().to_owned()
}

/// alice on `n1`, bob on `n2` in room `r`, each told of the other (bob by
/// his welcome, or by `peer-joined` when his node heard of alice after it).
async fn pair(n1: &Node, n2: &Node) -> (Client, Value, Client, Value) {
    let (mut a, wa) = Client::join_url(&n1.ws_url(), join("r", "alice")).await;
    let (mut b, wb) = Client::join_url(&n2.ws_url(), join("r", "bob")).await;
    if wb["peers"].as_array().is_none_or(|p| p.is_empty()) {
        let joined = b.recv().await;
        assert_eq!(
            (joined["type"].as_str(), joined["peer"]["id"].as_str()),
            (Some("peer-joined"), Some(a.id.as_str()))
        );
    }
    let joined = a.recv().await;
    assert_eq!(
        (joined["type"].as_str(), joined["peer"]["id"].as_str()),
        (Some("peer-joined"), Some(b.id.as_str()))
    );
    (a, wa, b, wb)
}

async fn cluster(extra: &[&str]) -> (RedisServer, Node, Node) {
    let redis = RedisServer::start();
    let n1 = Node::start(&redis, "node-1", extra);
    let n2 = Node::start(&redis, "node-2", extra);
    wait_meshed(&[&n1, &n2]).await;
    (redis, n1, n2)
}

#[tokio::test]
async fn participants_on_two_nodes_share_membership_signals_meta_and_leave() {
    let (_redis, n1, n2) = cluster(&[]).await;
    let (mut a, _) = Client::join_url(&n1.ws_url(), join("r", "alice")).await;
    let (mut b, wb) = Client::join_url(&n2.ws_url(), join("r", "bob")).await;
    // Membership crosses Redis like anything else: bob's node may hear of
    // alice just after bob's welcome, and then tells him with peer-joined.
    if wb["peers"].as_array().is_none_or(|p| p.is_empty()) {
        let joined = b.recv().await;
        assert_eq!(
            (joined["type"].as_str(), joined["peer"]["id"].as_str()),
            (Some("peer-joined"), Some(a.id.as_str()))
        );
    } else {
        assert_eq!(wb["peers"][0]["id"], a.id.as_str(), "{wb}");
    }
    let joined = a.recv().await;
    assert_eq!(
        (joined["type"].as_str(), joined["peer"]["id"].as_str()),
        (Some("peer-joined"), Some(b.id.as_str()))
    );

    for n in 0..50 {
        a.signal(&b.id, json!({"seq": n})).await;
    }
    for n in 0..50 {
        assert_eq!(b.recv().await, json!({"type": "signal", "from": a.id, "data": {"seq": n}}));
    }
    b.signal(&a.id, json!("back")).await;
    assert_eq!(a.recv().await["data"], "back");

    b.send(json!({"type": "update", "meta": {"mic": "off"}})).await;
    let updated = a.recv().await;
    assert_eq!(
        (updated["type"].as_str(), updated["peer"]["meta"]["mic"].as_str()),
        (Some("peer-updated"), Some("off"))
    );

    // A third participant in another room, on the other node, is not reachable.
    let (_c, wc) = Client::join_url(&n1.ws_url(), join("other", "carol")).await;
    assert_eq!(wc["peers"], json!([]));
    b.signal(wc["id"].as_str().unwrap(), json!("x")).await;
    b.expect_error("unknown-target").await;

    b.send(json!({"type": "leave"})).await;
    let left = a.recv().await;
    assert_eq!(left, json!({"type": "peer-left", "id": b.id, "reason": "left"}));
    let m = scrape_addr(n2.addr).await;
    assert!(m["rtcroom_backplane_published_total"] >= 3.0, "{m:?}");
    assert_eq!(m["rtcroom_backplane_dropped_total"], 0.0);
}

#[tokio::test]
async fn a_participant_whose_socket_dropped_resumes_on_the_other_node_with_held_signals() {
    let (_redis, n1, n2) = cluster(&["--resume-grace-secs", "30"]).await;
    let (mut a, _, b, wb) = pair(&n1, &n2).await;
    let b_id = b.id.clone();
    b.close_and_wait().await;
    for n in 0..3 {
        a.signal(&b_id, json!({"held": n})).await;
    }
    a.assert_ping_pong().await;
    // Back on the other node: the held signals follow it there.
    let (mut b, _) = resume(&n1.ws_url(), "bob", &wb).await;
    for n in 0..3 {
        assert_eq!(b.recv().await["data"], json!({"held": n}));
    }
    a.assert_silent_for(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_killed_nodes_participant_resumes_on_the_survivor_and_nobody_sees_it_leave() {
    let (_redis, n1, n2) = cluster(&["--resume-grace-secs", "30"]).await;
    let (a, wa, mut b, _) = pair(&n1, &n2).await;
    let a_id = a.id.clone();
    n1.kill();
    drop(a);
    let (mut a, welcome) = resume(&n2.ws_url(), "alice", &wa).await;
    assert_eq!(welcome["peers"][0]["id"], b.id.as_str());
    b.signal(&a_id, json!("after")).await;
    assert_eq!(a.recv().await["data"], "after");
    // Past the node timeout (3.5 s): n1 is dead for n2, a stays.
    b.assert_silent_for(Duration::from_secs(5)).await;
    let m = scrape_addr(n2.addr).await;
    assert_eq!(m["rtcroom_backplane_nodes_alive"], 0.0);
    assert_eq!(m["rtcroom_backplane_nodes_lost_total"], 1.0);
    assert_eq!(m["rtcroom_suspended_participants"], 0.0);
}

#[tokio::test]
async fn nodes_cut_off_by_a_redis_outage_reconnect_and_their_rooms_heal() {
    let (redis, n1, n2) = cluster(&["--resume-grace-secs", "30"]).await;
    let (mut a, _, mut b, _) = pair(&n1, &n2).await;
    // Past the node timeout: each node believes the other dead meanwhile.
    let _redis = tokio::task::spawn_blocking(move || redis.restart_after(Duration::from_secs(5)))
        .await
        .unwrap();
    wait_meshed(&[&n1, &n2]).await;
    for node in [&n1, &n2] {
        let m = scrape_addr(node.addr).await;
        assert!(m["rtcroom_backplane_reconnects_total"] >= 1.0, "{m:?}");
        assert_eq!(m["rtcroom_backplane_nodes_lost_total"], 1.0, "{m:?}");
    }
    // Each node claimed its participants again: signals cross, nobody left.
    a.signal(&b.id, json!("after")).await;
    assert_eq!(b.recv().await["data"], "after");
    b.signal(&a.id, json!("back")).await;
    assert_eq!(a.recv().await["data"], "back");
    let m = scrape_addr(n2.addr).await;
    assert_eq!(m["rtcroom_suspended_participants"], 0.0, "{m:?}");
}

#[tokio::test]
async fn a_killed_nodes_participant_that_never_returns_leaves_after_the_grace() {
    let (_redis, n1, n2) = cluster(&["--resume-grace-secs", "1"]).await;
    let (_a, _, mut b, _) = pair(&n1, &n2).await;
    let a_id = _a.id.clone();
    let killed = Instant::now();
    n1.kill();
    let left = tokio::time::timeout(Duration::from_secs(10), b.recv()).await.unwrap();
    assert_eq!(left, json!({"type": "peer-left", "id": a_id, "reason": "disconnected"}));
    let after = killed.elapsed();
    // Node timeout (3.5 s) plus the grace (1 s), not sooner.
    assert!(after >= Duration::from_millis(4_000), "left after {after:?}");
}
