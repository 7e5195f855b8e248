//! Ports of the web-platform-tests perfect-negotiation scenarios
//! (RTCPeerConnection-perfect-negotiation*.https.html), driven through the
//! SDK with real RTCPeerConnections, each in both roles.

use crate::harness::*;
use rtcroom::web::sleep;
use wasm_bindgen_test::wasm_bindgen_test;

/// "setup connects": the first negotiation (started by the data channel of
/// the impolite side) connects both sides.
async fn setup_connects(polite_first: bool) {
    let (a, b, _hub) = pair(polite_first).await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    until_connected(&a, &b).await;
    // Media added by the first side afterwards renegotiates cleanly.
    pa.add_transceiver_with_str("audio");
    until_converged(&a, &b, 1).await;
}

#[wasm_bindgen_test]
async fn setup_connects_polite_first() {
    setup_connects(true).await
}

#[wasm_bindgen_test]
async fn setup_connects_impolite_first() {
    setup_connects(false).await
}

/// "glare": both sides add a transceiver in the same task; both offers
/// collide; the polite side rolls back and both converge.
async fn glare(polite_first: bool) {
    let (a, b, _hub) = pair(polite_first).await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    until_connected(&a, &b).await;
    pa.add_transceiver_with_str("audio");
    pb.add_transceiver_with_str("video");
    until_converged(&a, &b, 2).await;
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
/// one more each: 22 transceivers on both sides, both stable.
async fn stress_glare(polite_first: bool, gap: fn(u64) -> u64) {
    let (a, b, _hub) = pair(polite_first).await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    until_connected(&a, &b).await;
    for i in 0..10 {
        pa.add_transceiver_with_str("audio");
        sleep(gap(i)).await;
        pb.add_transceiver_with_str("video");
    }
    pa.add_transceiver_with_str("audio");
    pb.add_transceiver_with_str("video");
    until_converged(&a, &b, 22).await;
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
