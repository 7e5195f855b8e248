//! A dropped socket: `claim` the session on a new one (handles and media
//! kept); when Janus no longer knows it, a new session, a new join, and
//! publishing and subscribing again.

use super::subscribe::subscribed;
use super::*;
use rtcroom::core::sfu::janus::{JanusError, JanusState, RidOrder, SESSION_TIMEOUT};

#[test]
fn a_dropped_socket_is_reconnected_and_the_session_claimed_with_its_handles() {
    let mut j = subscribed(40);
    j.now = Millis(j.now.0 + 1_000);
    let out = j.closed();
    assert_eq!(
        out,
        [event(JanusEvent::Reconnecting), JanusOutput::Connect(SocketId(2))],
        "the first attempt is immediate"
    );
    // The app keeps calling meanwhile: held, not lost.
    j.s.set_substream(j.now, "1", 1).unwrap();
    let n = j.sent.len();
    assert!(j.step_outputs().is_empty());
    assert_eq!(j.sent.len(), n, "nothing is sent without a socket");
    j.now = Millis(j.now.0 + 40);
    j.opened();
    let claim = j.last_sent();
    assert_eq!(claim, json!({"janus":"claim","transaction":tx(&claim),"session_id":SESSION}));
    let out = j.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&claim)}));
    assert_eq!(out.first(), Some(&event(JanusEvent::Reclaimed)));
    assert_eq!(j.s.state(), JanusState::Joined);
    j.drain();
    j.advance(0);
    // The pending switch goes out on the new socket, on the same handle.
    let cfg = j.last_sent();
    assert_eq!(cfg["body"], json!({"request":"configure","streams":[{"mid":"1","substream":1}]}));
    assert_eq!(cfg["handle_id"], SUB);
    assert!(
        !j.sent.iter().any(|(_, v)| v["janus"] == "create" && tx(v) != tx(&j.sent[0].1)),
        "no new session"
    );
    assert_eq!(j.s.session_id(), Some(SESSION));
}

#[test]
fn a_refused_claim_creates_a_new_session_joins_again_and_republishes_and_resubscribes() {
    let mut j = subscribed(41);
    j.s.publish(j.now, offer("o1"), Some(RidOrder::LowToHigh)).unwrap();
    j.drain();
    j.closed();
    j.opened();
    let claim = j.last_sent();
    let out = j.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&claim),
        "error":{"code":458,"reason":"No such session 4000000001"}}));
    assert_eq!(
        out.iter().filter(|o| !matches!(o, JanusOutput::Send(_))).cloned().collect::<Vec<_>>(),
        [event(JanusEvent::SessionLost)]
    );
    let create = j.last_sent();
    assert_eq!(create["janus"], "create", "a new session on the same socket");
    const S2: u64 = 4_000_000_002;
    j.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":S2}}));
    let n = j.sent.len();
    let attaches = j.sent_since(n - 2);
    assert!(attaches.iter().all(|a| a["janus"] == "attach" && a["session_id"] == S2));
    j.recv(json!({"janus":"success","session_id":S2,"transaction":tx(&attaches[0]),"data":{"id":8001}}));
    j.recv(json!({"janus":"success","session_id":S2,"transaction":tx(&attaches[1]),"data":{"id":8002}}));
    let join = j.last_sent();
    assert_eq!(join["body"]["ptype"], "publisher");
    assert_eq!(join["handle_id"], 8001);
    // 222 is still there, 333 joined meanwhile.
    let out = j.recv(json!({"janus":"event","session_id":S2,"transaction":tx(&join),"sender":8001,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"joined","room":ROOM,"id":ME,"private_id":6,
        "publishers":[Script::publisher(222), Script::publisher(333)]}}}));
    let kinds: Vec<_> =
        out.iter().filter(|o| !matches!(o, JanusOutput::Send(_))).cloned().collect();
    assert_eq!(kinds[0], event(JanusEvent::Joined { id: ME }));
    assert!(
        matches!(kinds[1], JanusOutput::Event(JanusEvent::PublisherJoined { id: 333, .. })),
        "{kinds:?}"
    );
    assert_eq!(
        kinds[2],
        JanusOutput::LocalDescriptionNeeded { role: Role::Publisher },
        "publish again"
    );
    assert_eq!(kinds.len(), 3, "222 is not announced twice: {kinds:?}");
    let resub = j.last_sent();
    assert_eq!(
        resub["body"],
        json!({"request":"join","ptype":"subscriber","room":ROOM,"streams":[{"feed":222}],"private_id":6})
    );
    assert_eq!(resub["handle_id"], 8002);
    assert_eq!(j.s.session_id(), Some(S2));
    // Frames of the old session are ignored from now on.
    let out = j.recv(json!({"janus":"event","session_id":SESSION,"sender":PUB,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","unpublished":222}}}));
    assert!(out.is_empty());
}

#[test]
fn after_the_session_timeout_no_claim_is_tried_a_new_session_is_created() {
    let mut j = Script::joined(42, json!([]));
    let last_rx = j.now.0;
    // Janus goes silent (a blackholed path): the keepalive is never acked,
    // so the socket is declared dead 35 s after the last frame.
    let out = j.advance(40_000);
    assert!(out.contains(&event(JanusEvent::Reconnecting)), "{out:?}");
    // Every attempt fails until Janus's session timeout has passed.
    while j.now.0 < last_rx + SESSION_TIMEOUT {
        j.closed();
        let Some(t) = j.s.poll_timeout() else { break };
        j.now = t;
        j.s.handle_timeout(t);
        j.drain();
    }
    assert_eq!(j.s.state(), JanusState::Reconnecting);
    let n = j.sent.len();
    j.opened();
    let sent = j.sent_since(n);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["janus"], "create", "no claim of an expired session: {sent:?}");
    assert!(j.events().contains(&JanusEvent::SessionLost));
}

#[test]
fn reconnect_attempts_back_off_with_seeded_jitter_and_give_up_after_the_session_timeout() {
    let run = |seed: u64| {
        let mut j = Script::joined(seed, json!([]));
        let lost = j.now.0;
        j.closed();
        let mut connects = vec![j.now.0];
        loop {
            j.closed();
            let Some(t) = j.s.poll_timeout() else { break };
            j.now = t;
            j.s.handle_timeout(t);
            let out = j.drain();
            if out.iter().any(|o| matches!(o, JanusOutput::Connect(_))) {
                connects.push(t.0);
            }
            if let Some(JanusOutput::Event(JanusEvent::Failed { reason })) = out.last() {
                assert_eq!(*reason, JanusError::Unreachable(SESSION_TIMEOUT));
                assert_eq!(t.0, lost + SESSION_TIMEOUT);
                break;
            }
        }
        assert_eq!(j.s.state(), JanusState::Failed);
        connects.windows(2).map(|w| w[1] - w[0]).collect::<Vec<u64>>()
    };
    let gaps = run(43);
    assert!((80..=120).contains(&gaps[0]), "{gaps:?}");
    assert!(gaps.iter().all(|g| *g <= 1_200), "{gaps:?}");
    assert!(gaps.iter().rev().take(5).all(|g| *g >= 800), "{gaps:?}");
    assert_ne!(gaps, run(44), "another seed, another schedule");
    assert_eq!(gaps, run(43), "deterministic");
}

#[test]
fn a_claim_that_is_never_answered_drops_that_socket_and_tries_another() {
    let mut j = Script::joined(45, json!([]));
    j.closed();
    j.opened();
    assert_eq!(j.last_sent()["janus"], "claim");
    let out = j.advance(10_200);
    assert!(out.starts_with(&[JanusOutput::Disconnect(SocketId(2))]), "{out:?}");
    assert!(out.contains(&JanusOutput::Connect(SocketId(3))), "{out:?}");
}

#[test]
fn janus_expiring_the_session_starts_a_new_one() {
    let mut j = Script::joined(46, json!([]));
    let out = j.recv(json!({"janus":"timeout","session_id":SESSION}));
    assert!(out.contains(&event(JanusEvent::SessionLost)));
    assert_eq!(j.last_sent()["janus"], "create");
    assert_eq!(j.s.state(), JanusState::Setup);
}

#[test]
fn leaving_while_reconnecting_closes_the_socket_being_opened_and_stops() {
    let mut j = Script::joined(47, json!([]));
    j.closed();
    assert_eq!(j.socket, SocketId(2), "an attempt is under way");
    j.s.leave(j.now);
    assert_eq!(j.drain(), [JanusOutput::Disconnect(SocketId(2)), event(JanusEvent::Left)]);
    assert_eq!(j.s.state(), JanusState::Left);
    assert_eq!(j.s.poll_timeout(), None);
    // A late open of that socket changes nothing.
    j.opened();
    assert!(j.drain().is_empty());
}

#[test]
fn a_session_lost_halfway_through_its_setup_is_replaced_not_claimed() {
    let mut j = Script::new(48);
    j.s.join_room(j.now).unwrap();
    j.drain();
    j.opened();
    let create = j.last_sent();
    j.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION}}));
    // The socket drops while the attaches are in flight.
    let out = j.closed();
    assert_eq!(out, [event(JanusEvent::Reconnecting), JanusOutput::Connect(SocketId(2))]);
    j.opened();
    assert_eq!(j.last_sent()["janus"], "create", "which reply was lost is unknown: start over");
    assert!(j.events().contains(&JanusEvent::SessionLost));
    assert_eq!(j.s.state(), JanusState::Setup);
}

#[test]
fn recovering_after_a_join_survives_a_stalled_or_dropped_setup() {
    let mut j = Script::joined(49, json!([]));
    // Janus forgets the session; the new session's create goes unanswered.
    j.recv(json!({"janus":"timeout","session_id":SESSION}));
    assert_eq!(j.last_sent()["janus"], "create");
    let out = j.advance(10_000);
    assert!(
        out.starts_with(&[
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Reconnecting),
            JanusOutput::Connect(SocketId(2))
        ]),
        "a stalled recovery reconnects instead of failing: {out:?}"
    );
    // The new socket drops before the create is answered: still recovering.
    j.opened();
    assert_eq!(j.last_sent()["janus"], "create");
    let out = j.closed();
    assert!(out.contains(&event(JanusEvent::Reconnecting)), "{out:?}");
    assert_eq!(j.s.state(), JanusState::Reconnecting);
    assert!(!j.events().iter().any(|e| matches!(e, JanusEvent::Failed { .. })));
}
