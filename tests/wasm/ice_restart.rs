//! `Room::restart_ice` against real connections, started by either role:
//! both ends take new ICE credentials, end stable and connected, and media
//! keeps arriving. (Browsers differ in how they handle `restartIce()`; the
//! tier runs in Chromium and Firefox.)

use crate::harness::*;
use rtcroom::core::{sdp, TrackKind};
use rtcroom::web::{sleep, RoomEvent};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{RtcPeerConnection, RtcSessionDescription};

fn ufrag(d: Option<RtcSessionDescription>) -> Option<String> {
    d.and_then(|d| sdp::ice_ufrag(&d.sdp()).map(str::to_owned))
}

/// (local, remote) ufrags of a connection's current descriptions.
fn ufrags(pc: &RtcPeerConnection) -> (Option<String>, Option<String>) {
    (ufrag(pc.local_description()), ufrag(pc.remote_description()))
}

async fn frames_decoded(pc: &RtcPeerConnection) -> u64 {
    let report = JsFuture::from(pc.get_stats()).await.expect("stats");
    let snapshot = rtcroom::web::stats::snapshot(&report);
    snapshot.inbound.iter().filter(|i| i.kind == TrackKind::Video).map(|i| i.frames_decoded).sum()
}

async fn restart_on_request(restarter_polite: bool) {
    let (a, b, _hub) = pair(restarter_polite).await;
    let camera = web_sys::MediaStreamConstraints::new();
    camera.set_video(&wasm_bindgen::JsValue::TRUE);
    a.room.publish_camera(&camera).await.expect("fake camera");
    until("b receives a's camera", 15_000, || b.count(|e| matches!(e, RoomEvent::Track(_))) == 1)
        .await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    until("both connected and stable", 15_000, || {
        connected(&pa) && connected(&pb) && stable(&pa) && stable(&pb)
    })
    .await;
    let (before_a, before_b) = (ufrags(&pa), ufrags(&pb));
    assert!(before_a.0.is_some() && before_a.1.is_some(), "{before_a:?}");

    a.room.restart_ice(&b.id()).expect("restart_ice");
    until("new ufrags on both ends, stable and connected", 15_000, || {
        let (now_a, now_b) = (ufrags(&pa), ufrags(&pb));
        now_a.0 != before_a.0
            && now_a.1 != before_a.1
            && now_b.0 != before_b.0
            && now_b.1 != before_b.1
            && now_a.0 == now_b.1
            && now_b.0 == now_a.1
            && connected(&pa)
            && connected(&pb)
            && stable(&pa)
            && stable(&pb)
    })
    .await;
    // Media keeps arriving: more frames decoded after the restart. Polled
    // rather than sampled once, since a loaded machine may take a while to
    // decode the next frame (the first key frame after a restart).
    let first = frames_decoded(&pb).await;
    let mut last = first;
    for _ in 0..50 {
        sleep(200).await;
        last = frames_decoded(&pb).await;
        if last > first {
            break;
        }
    }
    assert!(last > first, "frames decoded after the restart: {first} then {last} 10 s later");
    for m in [&a, &b] {
        assert_eq!(m.count(|e| matches!(e, RoomEvent::Warning { .. })), 0, "no warnings");
    }
}

#[wasm_bindgen_test]
async fn ice_restart_on_request_by_the_polite_side_renews_credentials_and_media_flows() {
    restart_on_request(true).await
}

#[wasm_bindgen_test]
async fn ice_restart_on_request_by_the_impolite_side_renews_credentials_and_media_flows() {
    restart_on_request(false).await
}
