//! A muted camera the SDK captured is released (light off) and captured
//! again from the same device on unmute, on the same senders and in the
//! same publication: no renegotiation, and the receiver keeps its track.

use crate::room_world::{track_in, App, RoomConfig, RoomWorld};
use rtcroom::core::{LocalTrack, MuteStep, RoomEvent, TrackKind, TrackSource};

fn captured(
    id: &str,
    stream: &str,
    kind: TrackKind,
    source: TrackSource,
    device: &str,
) -> LocalTrack {
    LocalTrack { device_id: Some(device.into()), ..track_in(id, stream, kind, source) }
}

/// Two clients in a settled call; client 0 publishes a captured camera and
/// microphone (device ids `cam-A`, `mic-A`), client 1 an app-made camera.
fn call() -> RoomWorld {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.run();
    }
    w.publish(0, captured("cam0", "s0", TrackKind::Video, TrackSource::Camera, "cam-A")).unwrap();
    w.publish(0, captured("mic0", "s0", TrackKind::Audio, TrackSource::Microphone, "mic-A"))
        .unwrap();
    w.publish(1, track_in("canvas1", "s1", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.run();
    w.assert_settled();
    w
}

fn on_sender(w: &RoomWorld, i: usize, track: &str) -> bool {
    let to = w.clients[1 - i].id().to_owned();
    w.clients[i].pcs[&to].transceivers().iter().any(|t| t.track.as_deref() == Some(track))
}

fn ops(w: &RoomWorld, i: usize) -> usize {
    w.clients[i].pcs.values().map(|pc| pc.ops.len()).sum()
}

fn remote_mutes(w: &RoomWorld, i: usize) -> Vec<(Option<String>, bool)> {
    w.clients[i]
        .events
        .iter()
        .filter_map(|e| match e {
            RoomEvent::TrackMuted { publication, muted, .. } => Some((publication.clone(), *muted)),
            _ => None,
        })
        .collect()
}

#[test]
fn muting_a_captured_camera_releases_it_and_unmuting_captures_the_same_device_again() {
    let mut w = call();
    let (ops0, ops1, tracks1) = (ops(&w, 0), ops(&w, 1), w.clients[1].tracks().len());
    w.app(0, App::SetMuted("cam0".into(), true)).unwrap();
    assert_eq!(w.clients[0].stopped, ["cam0"], "the capture is stopped (light off)");
    assert!(!on_sender(&w, 0, "cam0"), "the sender carries no track while released");
    assert_eq!(w.clients[0].enabled.get("cam0"), None, "not merely disabled");
    assert!(w.clients[0].core.is_released("cam0") && w.clients[0].core.is_muted("cam0"));
    w.run();
    assert_eq!(remote_mutes(&w, 1), [(Some("cam0".into()), true)]);

    w.app(0, App::SetMuted("cam0".into(), false)).unwrap();
    let now =
        w.clients[0].core.published().iter().find(|t| t.source == TrackSource::Camera).cloned();
    let now = now.expect("the camera is still published");
    assert_eq!((now.track_id.as_str(), now.device_id.as_deref()), ("cam0'", Some("cam-A")));
    assert_eq!(w.clients[0].core.publication_of("cam0'"), "cam0", "the same publication");
    assert!(on_sender(&w, 0, "cam0'"), "replaceTrack put the new capture on the same sender");
    assert!(!w.clients[0].core.is_muted("cam0'") && !w.clients[0].core.is_released("cam0'"));
    w.run();
    assert_eq!(remote_mutes(&w, 1), [(Some("cam0".into()), true), (Some("cam0".into()), false)]);
    assert_eq!(w.clients[1].tracks().len(), tracks1, "the receiver keeps its track");
    assert_eq!((ops(&w, 0), ops(&w, 1)), (ops0, ops1), "no renegotiation either way");
    w.assert_settled();
}

#[test]
fn a_microphone_and_an_app_made_camera_mute_by_disabling_and_keep_their_capture() {
    let mut w = call();
    w.app(0, App::SetMuted("mic0".into(), true)).unwrap();
    w.app(1, App::SetMuted("canvas1".into(), true)).unwrap();
    assert_eq!(w.clients[0].enabled.get("mic0"), Some(&false));
    assert_eq!(w.clients[1].enabled.get("canvas1"), Some(&false));
    assert!(w.clients[0].stopped.is_empty() && w.clients[1].stopped.is_empty());
    assert!(on_sender(&w, 0, "mic0") && on_sender(&w, 1, "canvas1"));
    w.app(1, App::SetMuted("canvas1".into(), false)).unwrap();
    assert_eq!(w.clients[1].enabled.get("canvas1"), Some(&true), "unmuted with no capture");
    w.run();
    w.assert_settled();
}

#[test]
fn switching_the_device_of_a_released_camera_keeps_it_released_until_unmute() {
    let mut w = call();
    w.app(0, App::SetMuted("cam0".into(), true)).unwrap();
    let b = captured("cam0-b", "s0", TrackKind::Video, TrackSource::Camera, "cam-B");
    w.app(0, App::Replace("cam0".into(), b)).unwrap();
    assert_eq!(w.clients[0].stopped, ["cam0", "cam0-b"], "the new capture is released at once");
    assert!(!on_sender(&w, 0, "cam0-b"), "and never sent");
    assert!(w.clients[0].core.is_released("cam0-b"));
    let step = w.clients[0].core.set_muted("cam0-b", false);
    assert_eq!(
        step,
        Ok(MuteStep::Recapture { device_id: "cam-B".into(), kind: TrackKind::Video }),
        "unmuting captures the device switched to"
    );
    w.run();
    w.assert_settled();
}

#[test]
fn a_recapture_that_completes_after_unpublish_is_refused() {
    let mut w = call();
    w.app(0, App::SetMuted("cam0".into(), true)).unwrap();
    let step = w.clients[0].core.set_muted("cam0", false);
    assert!(matches!(step, Ok(MuteStep::Recapture { .. })));
    assert!(w.clients[0].core.is_muted("cam0"), "muted until the capture is in");
    w.unpublish(0, "cam0").unwrap();
    assert!(!w.clients[0].core.is_released("cam0"));
    let late = captured("cam0'", "s0", TrackKind::Video, TrackSource::Camera, "cam-A");
    assert_eq!(
        w.clients[0].core.recaptured("cam0", late).map_err(|e| e.code()),
        Err("not-published")
    );
    w.run();
    w.assert_settled();
}
