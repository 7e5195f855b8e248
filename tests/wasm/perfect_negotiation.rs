//! Ports of the web-platform-tests perfect-negotiation scenarios
//! (RTCPeerConnection-perfect-negotiation*.https.html), driven through the
//! SDK with real RTCPeerConnections, each in both roles. Counts are relative
//! to the m-sections the SDK negotiates on connect.

use crate::harness::*;
use rtcroom::web::sleep;
use wasm_bindgen_test::wasm_bindgen_test;

/// "setup connects": the first negotiation (the impolite side's data channel
/// and receive m-sections) connects both sides; media added afterwards by
/// the first side renegotiates cleanly.
async fn setup_connects(polite_first: bool) {
    let (a, b, _hub) = pair(polite_first).await;
    let base = until_connected(&a, &b).await;
    a.pc(&b).add_transceiver_with_str("audio");
    until_converged(&a, &b, base + 1).await;
}

#[wasm_bindgen_test]
async fn setup_connects_polite_first() {
    setup_connects(true).await
}

#[wasm_bindgen_test]
async fn setup_connects_impolite_first() {
    setup_connects(false).await
}

/// "glare": both sides add a transceiver (of different kinds) in the same
/// task; the offers collide; the polite side rolls back and both converge.
async fn glare(polite_first: bool) {
    let (a, b, _hub) = pair(polite_first).await;
    let base = until_connected(&a, &b).await;
    a.pc(&b).add_transceiver_with_str("audio");
    b.pc(&a).add_transceiver_with_str("video");
    until_converged(&a, &b, base + 2).await;
}

#[wasm_bindgen_test]
async fn glare_polite_first() {
    glare(true).await
}

#[wasm_bindgen_test]
async fn glare_impolite_first() {
    glare(false).await
}

/// 10 rounds of both sides adding a transceiver with a gap between the two
/// that grows each round (`gap(i)` ms), without waiting for negotiation, then
/// one more each: 22 more transceivers on both sides, both stable.
async fn stress_glare(polite_first: bool, gap: fn(u64) -> u64) {
    let (a, b, _hub) = pair(polite_first).await;
    let base = until_connected(&a, &b).await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    for i in 0..10 {
        pa.add_transceiver_with_str("audio");
        sleep(gap(i)).await;
        pb.add_transceiver_with_str("video");
    }
    pa.add_transceiver_with_str("audio");
    pb.add_transceiver_with_str("video");
    until_converged(&a, &b, base + 22).await;
}

fn doubling(i: u64) -> u64 {
    1 << i.min(8)
}

fn linear(i: u64) -> u64 {
    i * 10
}

#[wasm_bindgen_test]
async fn stress_glare_polite_first() {
    stress_glare(true, doubling).await
}

#[wasm_bindgen_test]
async fn stress_glare_impolite_first() {
    stress_glare(false, doubling).await
}

#[wasm_bindgen_test]
async fn stress_glare_linear_polite_first() {
    stress_glare(true, linear).await
}

#[wasm_bindgen_test]
async fn stress_glare_linear_impolite_first() {
    stress_glare(false, linear).await
}
