//! Signalled mute in an SFU room: muting updates the stream's description
//! on Janus (an SDP-less `configure`) and releases a captured camera (light
//! off); the others hear it as `track-muted` / `track-unmuted`.

use super::*;
use rtcroom::core::{CoreError, MuteStep};

fn descriptions(s: &Sfu) -> Value {
    let configure = s.last_sent();
    assert_eq!(configure["body"]["request"], "configure");
    assert!(configure.get("jsep").is_none(), "no renegotiation: {configure}");
    configure["body"]["descriptions"].clone()
}

#[test]
fn muting_the_camera_releases_it_and_tells_janus_and_unmuting_recaptures_it() {
    let mut s = Sfu::joined(json!([]));
    let cam = s.publishing_camera_and_microphone(captured_camera());

    assert_eq!(s.room.set_muted("cam", true), Ok(MuteStep::Done));
    let step = s.drain();
    assert!(step.contains(&RoomOutput::ReplaceTrack {
        peer: PUBLISHER.into(),
        sender: cam,
        track: None
    }));
    assert!(step.contains(&RoomOutput::StopTrack { track_id: "cam".into() }), "light off");
    assert_eq!(
        descriptions(&s),
        json!([{"mid":"0","description":"camera;muted;kf"},{"mid":"1","description":"microphone"}])
    );
    assert!(s.room.is_muted("cam") && s.room.is_released("cam"));
    assert_eq!(s.room.set_muted("cam", true), Ok(MuteStep::Done), "already muted: nothing");

    // Unmuting asks for the same device again; the new capture takes the
    // old one's place (same sender, same publication).
    assert_eq!(
        s.room.set_muted("cam", false),
        Ok(MuteStep::Recapture { device_id: "dev-1".into(), kind: TrackKind::Video })
    );
    let fresh =
        LocalTrack { track_id: "cam2".into(), source: TrackSource::Custom, ..captured_camera() };
    s.room.recaptured("cam", fresh).unwrap();
    let step = s.drain();
    assert!(step.iter().any(|o| matches!(o,
        RoomOutput::ReplaceTrack { peer, sender, track: Some(t) } if peer == PUBLISHER && *sender == cam && t.track_id == "cam2")));
    assert!(!step
        .iter()
        .any(|o| matches!(o, RoomOutput::AddTransceiver { .. } | RoomOutput::Pc { .. })));
    assert_eq!(
        descriptions(&s),
        json!([{"mid":"0","description":"camera;kf"},{"mid":"1","description":"microphone"}])
    );
    assert!(!s.room.is_muted("cam2"));
    assert_eq!(s.room.publication_of("cam2"), "cam", "the same publication");
    assert_eq!(s.room.published()[0].source, TrackSource::Camera);
}

#[test]
fn muting_the_microphone_disables_its_track_and_tells_janus() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(microphone()).unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[("mic", "0")]);
    assert_eq!(s.room.set_muted("mic", true), Ok(MuteStep::Done));
    let step = s.drain();
    assert!(step.contains(&RoomOutput::SetTrackEnabled { track_id: "mic".into(), enabled: false }));
    assert!(!step.iter().any(|o| matches!(o, RoomOutput::StopTrack { .. })));
    assert_eq!(descriptions(&s), json!([{"mid":"0","description":"microphone;muted"}]));
    assert_eq!(s.room.set_muted("mic", false), Ok(MuteStep::Done));
    let step = s.drain();
    assert!(step.contains(&RoomOutput::SetTrackEnabled { track_id: "mic".into(), enabled: true }));
    assert_eq!(descriptions(&s), json!([{"mid":"0","description":"microphone"}]));
}

#[test]
fn a_track_muted_before_its_first_offer_goes_out_described_as_muted() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(microphone()).unwrap();
    assert_eq!(s.room.set_muted("mic", true), Ok(MuteStep::Done));
    s.drain();
    let configure = s.negotiate(PUBLISHER, PUB, &[("mic", "0")]);
    assert_eq!(
        configure["body"]["descriptions"],
        json!([{"mid":"0","description":"microphone;muted"}])
    );
}

#[test]
fn muting_a_track_that_is_not_published_is_refused() {
    let mut s = Sfu::joined(json!([]));
    assert_eq!(s.room.set_muted("nope", true), Err(CoreError::NotPublished));
}

fn muted_events(s: &Sfu) -> Vec<(String, String, TrackSource, bool)> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::TrackMuted { participant, track_id, source, muted, .. } => {
                Some((participant, track_id, source, muted))
            }
            _ => None,
        })
        .collect()
}

/// 901's streams with the camera (mid 1) described as `camera` + `extra`.
fn described_901(extra: &str) -> Value {
    json!({"id":901,"display":"p901","streams":[
        {"type":"audio","mindex":0,"mid":"0","codec":"opus","description":"microphone"},
        {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true,"description":format!("camera{extra}")}]})
}

#[test]
fn a_publisher_s_new_description_arrives_as_track_muted_then_unmuted() {
    let mut s = subscribed(&[901]);
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[described_901(";muted")]}),
        None,
    );
    assert_eq!(muted_events(&s), [("901".into(), "t1".into(), TrackSource::Camera, true)]);
    assert!(s.room.publications("901")[1].muted);
    // The same list again changes nothing.
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[described_901(";muted")]}),
        None,
    );
    assert_eq!(muted_events(&s).len(), 1);
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[described_901("")]}),
        None,
    );
    assert_eq!(muted_events(&s)[1], ("901".into(), "t1".into(), TrackSource::Camera, false));
}

#[test]
fn a_track_announced_while_muted_says_so() {
    let mut s = attached(json!([described_901(";muted")]), &[901]);
    s.remote_track("v", None, TrackKind::Video, "1");
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::Track { track_id, source: TrackSource::Camera, muted: true, .. } if track_id == "v")));
}
