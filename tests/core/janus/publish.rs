//! Setup and publishing: create → attach ×2 → join → configure with the
//! offer (and `rid_order`) → Janus's answer; candidates both ways.

use super::*;
use rtcroom::core::sfu::janus::{JanusState, RidOrder};
use rtcroom::core::Candidate;

fn cand(n: u32) -> Candidate {
    Candidate {
        candidate: format!("candidate:{n} 1 udp 2122260223 10.99.0.1 {} typ host", 50000 + n),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    }
}

#[test]
fn setup_joins_as_publisher_and_lists_the_publishers_already_in_the_room() {
    let j = Script::joined(1, json!([Script::publisher(222), Script::publisher(333)]));
    assert_eq!(j.s.state(), JanusState::Joined);
    let events = j.events();
    assert_eq!(events.first(), Some(&JanusEvent::Joined { id: ME }));
    let joined: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            JanusEvent::PublisherJoined { id, display, streams } => {
                assert_eq!(display.as_deref(), Some(format!("p{id}").as_str()));
                assert_eq!(streams.len(), 2);
                Some(*id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(joined, [222, 333]);
    assert_eq!(j.s.publishers().count(), 2);
    // Every transaction id is distinct.
    let mut ids: Vec<String> = j.sent.iter().map(|(_, v)| tx(v)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), j.sent.len());
}

#[test]
fn publish_sends_the_offer_with_rid_order_and_applies_janus_answer_then_its_candidates() {
    let mut j = Script::joined(2, json!([]));
    // Our candidates gathered before `publish` wait for the offer to go out.
    j.s.trickle(j.now, Role::Publisher, Some(cand(1)));
    assert!(j.drain().is_empty(), "no trickle before the offer");
    j.s.publish(j.now, offer("v=0 pub-offer"), Some(RidOrder::LowToHigh)).unwrap();
    j.drain();
    let configure = &j.sent_since(j.sent.len() - 2)[0];
    assert_eq!(
        *configure,
        json!({"janus":"message","transaction":tx(configure),"session_id":SESSION,"handle_id":PUB,
               "body":{"request":"configure"},
               "jsep":{"type":"offer","sdp":"v=0 pub-offer","rid_order":"lmh"}})
    );
    let held = j.last_sent();
    assert_eq!(held["janus"], "trickle");
    assert_eq!(held["handle_id"], PUB);
    assert_eq!(held["candidate"]["candidate"], cand(1).candidate);
    assert_eq!(held["candidate"]["sdpMid"], "0");
    // Later candidates go at once; end of candidates is `completed`.
    j.s.trickle(j.now, Role::Publisher, None);
    j.drain();
    assert_eq!(j.last_sent()["candidate"], json!({"completed":true}));
    // Janus's own candidate overtakes its answer: held.
    let out = j.recv(json!({"janus":"trickle","session_id":SESSION,"sender":PUB,
        "candidate":{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:9 1 udp 1 10.99.0.1 20000 typ host"}}));
    assert!(out.is_empty(), "{out:?}");
    let out = j.reply_event(
        configure,
        PUB,
        json!({"videoroom":"event","room":ROOM,"configured":"ok","video_codec":"vp8"}),
        Some(json!({"type":"answer","sdp":"v=0 janus-answer"})),
    );
    assert_eq!(
        out,
        [
            JanusOutput::ApplyRemoteDescription {
                role: Role::Publisher,
                description: answer("v=0 janus-answer")
            },
            JanusOutput::AddRemoteCandidate {
                role: Role::Publisher,
                candidate: Some(Candidate {
                    candidate: "candidate:9 1 udp 1 10.99.0.1 20000 typ host".into(),
                    sdp_mid: Some("0".into()),
                    sdp_m_line_index: Some(0),
                    username_fragment: None,
                }),
            },
            event(JanusEvent::Published),
        ]
    );
    // After the answer, Janus's candidates pass straight through.
    let out = j.recv(
        json!({"janus":"trickle","session_id":SESSION,"sender":PUB,"candidate":{"completed":true}}),
    );
    assert_eq!(out, [JanusOutput::AddRemoteCandidate { role: Role::Publisher, candidate: None }]);
    let out = j.recv(json!({"janus":"webrtcup","session_id":SESSION,"sender":PUB}));
    assert_eq!(out, [event(JanusEvent::MediaUp { role: Role::Publisher })]);
}

#[test]
fn publish_without_simulcast_sends_no_rid_order_and_high_to_low_says_hml() {
    let mut j = Script::joined(3, json!([]));
    j.s.publish(j.now, offer("a"), None).unwrap();
    j.drain();
    assert!(j.last_sent()["jsep"].get("rid_order").is_none());
    j.s.publish(j.now, offer("b"), Some(RidOrder::HighToLow)).unwrap();
    j.drain();
    assert_eq!(j.last_sent()["jsep"]["rid_order"], "hml");
}

#[test]
fn app_calls_before_joined_are_refused() {
    let mut j = Script::new(4);
    assert!(j.s.publish(j.now, offer("x"), None).is_err());
    assert!(j.s.subscribe(j.now, &[1]).is_err());
    j.s.join_room(j.now).unwrap();
    assert!(j.s.join_room(j.now).is_err(), "join_room twice");
    assert!(j.s.set_substream(j.now, "0", 1).is_err());
}

#[test]
fn leave_destroys_the_session_then_closes_the_socket() {
    let mut j = Script::joined(5, json!([]));
    j.s.leave(j.now);
    j.drain();
    let destroy = j.last_sent();
    assert_eq!(destroy, json!({"janus":"destroy","transaction":tx(&destroy),"session_id":SESSION}));
    assert_eq!(j.s.state(), JanusState::Leaving);
    let out = j.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&destroy)}));
    assert_eq!(out, [JanusOutput::Disconnect(SocketId(1)), event(JanusEvent::Left)]);
    assert_eq!(j.s.state(), JanusState::Left);
    assert_eq!(j.s.poll_timeout(), None, "no timers after leaving");
}

#[test]
fn leave_without_a_reply_still_ends_at_the_transaction_timeout() {
    let mut j = Script::joined(6, json!([]));
    j.s.leave(j.now);
    j.drain();
    let t = j.now.0;
    let out = j.advance(20_000);
    assert_eq!(out, [JanusOutput::Disconnect(SocketId(1)), event(JanusEvent::Left)]);
    assert_eq!(j.s.state(), JanusState::Left);
    assert!(j.now.0 >= t + 10_000);
}

#[test]
fn frames_of_an_old_socket_or_another_session_are_ignored() {
    let mut j = Script::joined(7, json!([]));
    let n = j.outs.len();
    j.s.handle_frame(j.now, SocketId(9), serde_json::from_value(json!({"janus":"event","session_id":SESSION,"sender":PUB,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","room":ROOM,"publishers":[Script::publisher(5)]}}})).unwrap());
    j.recv(json!({"janus":"event","session_id":SESSION + 1,"sender":PUB,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","room":ROOM,"publishers":[Script::publisher(6)]}}}));
    j.drain();
    assert_eq!(j.outs.len(), n);
    assert_eq!(j.s.publishers().count(), 0);
}
