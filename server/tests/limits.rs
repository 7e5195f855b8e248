//! The join deadline and the connection caps, each with its close code.

mod common;

use common::{eventually, Client, Config, RawFrame, RawWs, TestServer};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// The answer to an application `ping` on a raw socket.
async fn raw_ping_pong(raw: &mut RawWs) {
    raw.send_text(r#"{"type":"ping"}"#).await;
    loop {
        match raw.read_frame().await {
            Some(RawFrame::Text(t)) => return assert_eq!(t, r#"{"type":"pong"}"#),
            Some(RawFrame::Other(_)) => continue,
            other => panic!("expected a pong, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_socket_that_never_joins_is_closed_with_4001_at_the_join_deadline_even_if_it_stays_active(
) {
    let config = Config { join_timeout: Duration::from_millis(300), ..common::config() };
    let server = TestServer::start(config).await;
    let (mut member, _) = Client::join(&server, "r", "member").await;
    let mut idler = Client::connect(&server).await;
    let started = Instant::now();
    // Active: app pings, each answered.
    while started.elapsed() < Duration::from_millis(200) {
        idler.assert_ping_pong().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let close = tokio::time::timeout(common::PATIENCE, idler.expect_close()).await;
    let frame = close.expect("still open past the deadline").expect("a close code");
    assert_eq!(u16::from(frame.code), rtcroom_server::CLOSE_JOIN_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // A socket that joined in time is not concerned.
    tokio::time::sleep(Duration::from_millis(300)).await;
    member.assert_ping_pong().await;
}

#[tokio::test]
async fn connections_over_the_server_cap_are_refused_with_4003_until_one_ends() {
    let server = TestServer::start(Config { max_connections: 2, ..common::config() }).await;
    let mut first = Client::connect(&server).await;
    let _second = Client::connect(&server).await;
    first.assert_ping_pong().await;
    let mut refused = Client::connect(&server).await;
    let frame = refused.expect_close().await.expect("a close code");
    assert_eq!(u16::from(frame.code), rtcroom_server::CLOSE_SERVER_FULL);
    first.close_and_wait().await;
    eventually("a slot is free", || server.stats.connections() == 1).await;
    let (mut late, _) = Client::join(&server, "r", "late").await;
    late.assert_ping_pong().await;
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused_with_4004_while_other_addresses_get_in() {
    let config = Config { max_connections_per_ip: 2, ..common::config() };
    let server = TestServer::start(config).await;
    let mut a = RawWs::connect(&server).await;
    let mut b = RawWs::connect(&server).await;
    raw_ping_pong(&mut a).await;
    raw_ping_pong(&mut b).await;
    let mut refused = RawWs::connect(&server).await;
    assert_eq!(refused.expect_close_code().await, rtcroom_server::CLOSE_ADDRESS_FULL);
    // 127.0.0.2 is loopback too, and another address.
    let other = Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let mut c = RawWs::connect_from(&server, other).await;
    raw_ping_pong(&mut c).await;
}
