//! Chromium ↔ Firefox: who may offer an ICE restart. To a restart that
//! Chromium offers, Firefox answers `a=setup:active` whatever DTLS role it
//! held: as the DTLS server, Chromium refuses that answer ("Failed to set
//! SSL role for the transport") and the connection never renegotiates
//! again; as the client, Firefox receives nothing more from Chromium after
//! the restart (both measured in the firefox tier and in plain JS). Restarts
//! Firefox offers work either way. So a session that is not Firefox asks a
//! Firefox remote to restart (`restart-ice`) instead of offering, for the
//! app's restarts and for path-loss recovery alike.

use rtcroom::core::{
    Description, IceConnectionState, Millis, OpId, OpResult, PcCommand, PeerInput, PeerOutput,
    PeerSession, SdpType, SignalingState,
};
use rtcroom::proto::SignalData;

/// A description of `browser` with DTLS role `setup` (origin lines as the
/// browsers write them).
fn sdp(browser: &str, setup: &str, ufrag: &str) -> String {
    let origin = match browser {
        "firefox" => "o=mozilla...THIS_IS_SDPARTA-153.8.0 3476104823893745217 0 IN IP4 0.0.0.0",
        _ => "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    };
    format!(
        "v=0\r\n{origin}\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
         m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
         a=ice-ufrag:{ufrag}\r\na=ice-pwd:0123456789abcdef0123456789\r\n\
         a=fingerprint:sha-256 00:11\r\na=setup:{setup}\r\na=mid:0\r\n"
    )
}

fn drain(s: &mut PeerSession) -> Vec<PeerOutput> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

fn op_of(outputs: &[PeerOutput]) -> OpId {
    outputs
        .iter()
        .find_map(|o| match o {
            PeerOutput::Command(
                PcCommand::SetLocalDescription { op } | PcCommand::SetRemoteDescription { op, .. },
            ) => Some(*op),
            _ => None,
        })
        .expect("a description operation")
}

fn completed(s: &mut PeerSession, op: OpId, local: Option<Description>) -> Vec<PeerOutput> {
    s.handle_input(Millis(0), PeerInput::OpCompleted { op, result: OpResult::Ok { local } })
        .expect("open session");
    drain(s)
}

fn description(sdp_type: SdpType, sdp: String) -> Description {
    Description { sdp_type, sdp }
}

/// The remote (`remote_browser`) offered first and we (`local_browser`)
/// answered `setup`.
fn answered(polite: bool, remote_browser: &str, local_browser: &str, setup: &str) -> PeerSession {
    let mut s = PeerSession::with_role(polite);
    let offer = SignalData::Description {
        sdp_type: SdpType::Offer,
        sdp: sdp(remote_browser, "actpass", "remote1"),
    };
    s.handle_input(Millis(0), PeerInput::Signal(offer)).expect("open");
    let srd = op_of(&drain(&mut s));
    let sld = op_of(&completed(&mut s, srd, None));
    let answer = description(SdpType::Answer, sdp(local_browser, setup, "local1"));
    completed(&mut s, sld, Some(answer));
    s
}

/// We (Chromium) offered first and the remote (`remote_browser`) answered `setup`.
fn offered(remote_browser: &str, setup: &str) -> PeerSession {
    let mut s = PeerSession::with_role(false);
    s.handle_input(Millis(0), PeerInput::NegotiationNeeded).expect("open");
    let sld = op_of(&drain(&mut s));
    let offer = description(SdpType::Offer, sdp("chromium", "actpass", "local1"));
    completed(&mut s, sld, Some(offer));
    let state = PeerInput::SignalingState(SignalingState::HaveLocalOffer);
    s.handle_input(Millis(0), state).expect("open");
    let answer = SignalData::Description {
        sdp_type: SdpType::Answer,
        sdp: sdp(remote_browser, setup, "remote1"),
    };
    s.handle_input(Millis(0), PeerInput::Signal(answer)).expect("open");
    let srd = op_of(&drain(&mut s));
    completed(&mut s, srd, None);
    s
}

/// What a restart produced: a request to the remote, or our own restart.
fn restart_outputs(outputs: &[PeerOutput]) -> (usize, usize) {
    let asked = outputs.iter().filter(|o| matches!(o, PeerOutput::Signal(SignalData::RestartIce)));
    let offered =
        outputs.iter().filter(|o| matches!(o, PeerOutput::Command(PcCommand::RestartIce)));
    (asked.count(), offered.count())
}

#[test]
fn chromium_asks_firefox_to_restart_instead_of_offering_in_either_dtls_role() {
    for polite in [true, false] {
        for (mut s, case) in [
            (answered(polite, "firefox", "chromium", "active"), "firefox offered: dtls server"),
            (answered(polite, "firefox", "chromium", "passive"), "firefox offered: dtls client"),
            (offered("firefox", "active"), "chromium offered: firefox is dtls client"),
        ] {
            assert!(s.remote_offers_restarts(), "{case}");
            s.restart_ice().expect("open");
            assert_eq!(restart_outputs(&drain(&mut s)), (1, 0), "{case}, polite: {polite}");
            assert_eq!(s.ice_restarts(), 1);
        }
    }
}

#[test]
fn restarts_are_offered_to_chromium_and_between_two_firefoxes() {
    for (mut s, case) in [
        (offered("chromium", "active"), "chromium answered"),
        (answered(true, "chromium", "chromium", "active"), "chromium offered"),
        (answered(true, "chromium", "firefox", "active"), "firefox towards chromium"),
        (answered(false, "firefox", "firefox", "active"), "firefox towards firefox"),
    ] {
        assert!(!s.remote_offers_restarts(), "{case}");
        s.restart_ice().expect("open");
        assert_eq!(restart_outputs(&drain(&mut s)), (0, 1), "{case}");
    }
}

#[test]
fn a_restart_request_is_answered_by_restarting_at_once() {
    // Firefox's side of the exchange above, in either role.
    for polite in [true, false] {
        let mut s = answered(polite, "chromium", "firefox", "active");
        s.handle_input(Millis(0), PeerInput::Signal(SignalData::RestartIce)).expect("open");
        assert_eq!(restart_outputs(&drain(&mut s)), (0, 1), "polite: {polite}");
    }
}

#[test]
fn path_loss_recovery_asks_firefox_to_restart() {
    // The impolite side restarts at once on ICE failure (recovery.rs).
    let mut s = answered(false, "firefox", "chromium", "active");
    s.handle_input(Millis(1_000), PeerInput::IceConnectionState(IceConnectionState::Failed))
        .expect("open");
    let outputs = drain(&mut s);
    assert_eq!(restart_outputs(&outputs), (1, 0), "{outputs:?}");
}
