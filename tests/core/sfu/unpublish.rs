//! Unpublishing on the publisher connection: the sender goes idle and its
//! m-section inactive in a new offer, so Janus disables the stream and lists
//! it as `disabled` to the others, who remove its track; publishing that
//! source again sends on the same sender and mid, and they get it back.

use super::*;

fn set_sending(step: &[RoomOutput]) -> Vec<(SenderId, bool)> {
    step.iter()
        .filter_map(|o| match o {
            RoomOutput::SetSending { peer, sender, sending } if peer == PUBLISHER => {
                Some((*sender, *sending))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn unpublishing_the_camera_or_microphone_makes_its_m_section_inactive_in_a_new_offer() {
    let mut s = Sfu::joined(json!([]));
    let cam = s.publishing_camera_and_microphone(camera());

    s.room.unpublish("cam").unwrap();
    let step = s.drain();
    assert!(step.contains(&RoomOutput::ReplaceTrack {
        peer: PUBLISHER.into(),
        sender: cam,
        track: None
    }));
    assert_eq!(set_sending(&step), [(cam, false)]);
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::TrackUnpublished { track_id, source: TrackSource::Camera, .. } if track_id == "cam")));
    // The core offers the change itself, with only the microphone described.
    let configure = s.negotiate(PUBLISHER, PUB, &[("mic", "1")]);
    assert_eq!(configure["body"]["descriptions"], json!([{"mid":"1","description":"microphone"}]));
}

#[test]
fn publishing_the_camera_again_reuses_its_sender_and_mid() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[("cam", "0")]);
    let cam = s.sender_of("cam");
    s.room.unpublish("cam").unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[]);

    let again = LocalTrack { track_id: "cam-2".into(), ..camera() };
    s.room.publish(again).unwrap();
    let step = s.drain();
    assert!(
        !step.iter().any(|o| matches!(o, RoomOutput::AddTransceiver { .. })),
        "no new m-section"
    );
    assert!(step.iter().any(|o| matches!(o,
        RoomOutput::ReplaceTrack { sender, track: Some(t), .. } if *sender == cam && t.track_id == "cam-2")));
    assert!(step.iter().any(|o| matches!(o,
        RoomOutput::SetEncodings { sender, encodings, .. } if *sender == cam && encodings.len() == 3)));
    assert_eq!(set_sending(&step), [(cam, true)]);
    // Offered again, described on its old mid.
    let sld = s.last_sld(PUBLISHER).expect("an offer is made");
    s.complete(PUBLISHER, sld, Some(offer("v=0 our-offer")));
    let configure = s.last_sent();
    assert_eq!(configure["body"]["descriptions"], json!([{"mid":"0","description":"camera;kf"}]));
}

/// 901 with its camera (mid 1) `disabled` as Janus lists it after an
/// inactive m-section (no codec, no description).
fn camera_disabled_901() -> Value {
    json!({"id":901,"display":"p901","streams":[
        {"type":"audio","mindex":0,"mid":"0","codec":"opus"},
        {"type":"video","mindex":1,"mid":"1","disabled":true}]})
}

#[test]
fn a_stream_janus_lists_as_disabled_is_removed_and_comes_back_when_enabled() {
    let mut s = subscribed(&[901]);
    assert_eq!(s.room.publications("901").len(), 2);
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[camera_disabled_901()]}),
        None,
    );
    assert_eq!(s.removed_tracks(), [("901".into(), "t1".into(), TrackSource::Camera)]);
    assert_eq!(s.room.publications("901").len(), 1, "the camera is no publication");
    assert!(s.room.sfu().unwrap().participants().any(|p| p.id == "901"), "the participant stays");
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::ParticipantLeft { .. })));

    // Enabled again on the same mid: the same receiver is announced again.
    let before = s.events().len();
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(901)]}), None);
    let again: Vec<_> = s.events()[before..]
        .iter()
        .filter_map(|e| match e {
            RoomEvent::Track { participant, track_id, source, .. } => {
                Some((participant.clone(), track_id.clone(), *source))
            }
            _ => None,
        })
        .collect();
    assert_eq!(again, [("901".into(), "t1".into(), TrackSource::Camera)]);
    assert_eq!(s.room.publications("901").len(), 2);
}

#[test]
fn a_publisher_whose_camera_is_disabled_when_we_join_announces_only_the_rest() {
    let mut s = attached(json!([camera_disabled_901()]), &[901]);
    s.remote_track("a", None, TrackKind::Audio, "0");
    s.remote_track("v", None, TrackKind::Video, "1");
    let tracks: Vec<_> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Track { track_id, .. } => Some(track_id),
            _ => None,
        })
        .collect();
    assert_eq!(tracks, ["a"]);
}
