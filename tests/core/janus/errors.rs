//! Janus `error` replies and VideoRoom `error_code`s become typed errors.

use super::*;
use rtcroom::core::sfu::janus::{JanusError, JanusState};

fn setup_until_join(seed: u64) -> (Script, Value) {
    let mut j = Script::new(seed);
    j.s.join_room(j.now).unwrap();
    j.drain();
    j.opened();
    let create = j.last_sent();
    j.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION}}));
    let a = j.sent_since(1);
    j.recv(
        json!({"janus":"success","session_id":SESSION,"transaction":tx(&a[0]),"data":{"id":PUB}}),
    );
    j.recv(
        json!({"janus":"success","session_id":SESSION,"transaction":tx(&a[1]),"data":{"id":SUB}}),
    );
    let join = j.last_sent();
    (j, join)
}

#[test]
fn a_join_to_a_missing_room_fails_with_no_such_room() {
    let (mut j, join) = setup_until_join(50);
    let out = j.reply_event(
        &join,
        PUB,
        json!({"videoroom":"event","error_code":426,"error":"No such room (1234)"}),
        None,
    );
    assert_eq!(
        out,
        [
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Failed {
                reason: JanusError::NoSuchRoom("No such room (1234)".into())
            })
        ]
    );
    assert_eq!(j.s.state(), JanusState::Failed);
    assert_eq!(JanusError::NoSuchRoom(String::new()).code(), "room-not-found");
}

#[test]
fn a_janus_error_reply_to_create_fails_with_its_typed_error() {
    let mut j = Script::new(51);
    j.s.join_room(j.now).unwrap();
    j.drain();
    j.opened();
    let create = j.last_sent();
    let out = j.recv(json!({"janus":"error","transaction":tx(&create),"error":{"code":403,"reason":"Unauthorized request (wrong or missing secret/token)"}}));
    assert_eq!(
        out,
        [
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Failed {
                reason: JanusError::Unauthorized(
                    "Unauthorized request (wrong or missing secret/token)".into()
                )
            }),
        ]
    );
}

#[test]
fn a_plugin_attach_error_fails_the_setup() {
    let mut j = Script::new(52);
    j.s.join_room(j.now).unwrap();
    j.drain();
    j.opened();
    let create = j.last_sent();
    j.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION}}));
    let a = j.sent_since(1);
    let out = j.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&a[0]),"error":{"code":460,"reason":"No such plugin"}}));
    assert_eq!(
        out.last(),
        Some(&event(JanusEvent::Failed {
            reason: JanusError::Janus { code: 460, reason: "No such plugin".into() }
        }))
    );
}

#[test]
fn a_subscribe_to_a_vanished_feed_is_a_request_failure_not_a_session_failure() {
    let mut j = Script::joined(53, json!([Script::publisher(222)]));
    j.s.subscribe(j.now, &[222]).unwrap();
    j.drain();
    let join = j.last_sent();
    let out = j.reply_event(
        &join,
        SUB,
        json!({"videoroom":"event","error_code":428,"error":"No such feed (222)"}),
        None,
    );
    assert_eq!(
        out,
        [event(JanusEvent::RequestFailed {
            request: "join",
            error: JanusError::NoSuchFeed("No such feed (222)".into())
        })]
    );
    assert_eq!(j.s.state(), JanusState::Joined);
}

#[test]
fn a_refused_publish_is_reported_with_the_videoroom_code() {
    let mut j = Script::joined(54, json!([]));
    j.s.publish(j.now, offer("bad"), None).unwrap();
    j.drain();
    let cfg = j.last_sent();
    let out = j.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&cfg),"error":{"code":465,"reason":"JSEP error: invalid SDP"}}));
    assert_eq!(
        out,
        [event(JanusEvent::RequestFailed {
            request: "configure",
            error: JanusError::InvalidSdp("JSEP error: invalid SDP".into())
        })]
    );
    let mut j = Script::joined(55, json!([]));
    j.s.publish(j.now, offer("x"), None).unwrap();
    j.drain();
    let cfg = j.last_sent();
    let out = j.reply_event(&cfg, PUB, json!({"videoroom":"event","error_code":432,"error":"Maximum number of publishers (3) already reached"}), None);
    assert!(
        matches!(
            &out[..],
            [JanusOutput::Event(JanusEvent::RequestFailed {
                error: JanusError::PublishersFull(_),
                ..
            })]
        ),
        "{out:?}"
    );
}

#[test]
fn a_session_not_found_reply_to_any_request_replaces_the_session() {
    let mut j = Script::joined(56, json!([]));
    j.advance(25_000);
    let ka = j.last_sent();
    assert_eq!(ka["janus"], "keepalive");
    let out = j.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&ka),"error":{"code":458,"reason":"No such session"}}));
    assert!(out.contains(&event(JanusEvent::SessionLost)));
    assert_eq!(j.last_sent()["janus"], "create");
}

#[test]
fn error_codes_map_to_typed_variants_and_stable_codes() {
    let cases = [
        (JanusError::from_janus(458, "x"), "janus-session-not-found"),
        (JanusError::from_janus(459, "x"), "janus-handle-not-found"),
        (JanusError::from_janus(403, "x"), "not-allowed"),
        (JanusError::from_janus(490, "x"), "janus-error"),
        (JanusError::from_videoroom(425, "x"), "already-joined"),
        (JanusError::from_videoroom(426, "x"), "room-not-found"),
        (JanusError::from_videoroom(428, "x"), "feed-not-found"),
        (JanusError::from_videoroom(432, "x"), "room-full"),
        (JanusError::from_videoroom(433, "x"), "not-allowed"),
        (JanusError::from_videoroom(437, "x"), "invalid-sdp"),
        (JanusError::from_videoroom(499, "x"), "videoroom-error"),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code, "{e:?}");
        assert!(!e.to_string().is_empty());
    }
    assert_eq!(
        JanusError::from_janus(490, "Error setting ICE locally").to_string(),
        "Janus error 490: Error setting ICE locally"
    );
}
