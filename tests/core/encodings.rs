//! The simulcast plan (`rtcroom::core::encodings`).

use rtcroom::core::encodings::{
    camera_encodings, screen_encodings, EncodingParams, ScreenPreset, SourceSize, Topology,
};

const P720: SourceSize = SourceSize { width: 1280, height: 720 };

fn widths(source: SourceSize, encodings: &[EncodingParams]) -> Vec<(Option<&str>, u32, u32)> {
    encodings
        .iter()
        .map(|e| {
            let w = (f64::from(source.width) / e.scale_resolution_down_by) as u32;
            (e.rid, w, e.max_bitrate_bps)
        })
        .collect()
}

#[test]
fn a_720p_camera_in_an_sfu_room_sends_three_layers_low_to_high() {
    let layers = camera_encodings(P720, Topology::Sfu);
    assert_eq!(
        widths(P720, &layers),
        vec![(Some("q"), 320, 150_000), (Some("h"), 640, 500_000), (Some("f"), 1280, 1_700_000)]
    );
    assert!(layers.iter().all(|l| l.active && l.max_framerate.is_none()));
}

#[test]
fn a_mesh_sends_one_encoding_without_rid_at_the_source_size() {
    for size in
        [P720, SourceSize { width: 640, height: 360 }, SourceSize { width: 1920, height: 1080 }]
    {
        let enc = camera_encodings(size, Topology::Mesh);
        assert_eq!(enc.len(), 1, "{size:?}");
        assert_eq!(enc.first().map(|e| (e.rid, e.scale_resolution_down_by)), Some((None, 1.0)));
    }
    assert_eq!(
        camera_encodings(P720, Topology::Mesh).first().map(|e| e.max_bitrate_bps),
        Some(1_700_000)
    );
}

#[test]
fn a_small_camera_drops_the_layers_that_would_be_too_small() {
    let s360 = SourceSize { width: 640, height: 360 };
    assert_eq!(
        widths(s360, &camera_encodings(s360, Topology::Sfu)),
        vec![(Some("q"), 160, 150_000), (Some("h"), 320, 150_000), (Some("f"), 640, 500_000)]
    );
    let s180 = SourceSize { width: 320, height: 180 };
    assert_eq!(
        widths(s180, &camera_encodings(s180, Topology::Sfu)),
        vec![(Some("h"), 160, 150_000), (Some("f"), 320, 150_000)]
    );
    let tiny = SourceSize { width: 160, height: 90 };
    assert_eq!(
        widths(tiny, &camera_encodings(tiny, Topology::Sfu)),
        vec![(Some("f"), 160, 150_000)]
    );
}

#[test]
fn a_portrait_camera_is_layered_by_its_short_side() {
    let portrait = SourceSize { width: 720, height: 1280 };
    let rates: Vec<u32> =
        camera_encodings(portrait, Topology::Sfu).iter().map(|e| e.max_bitrate_bps).collect();
    assert_eq!(rates, vec![150_000, 500_000, 1_700_000]);
}

#[test]
fn a_text_screen_share_is_capped_at_1080p_and_15_fps_and_never_upscaled() {
    let s4k = SourceSize { width: 3840, height: 2160 };
    let enc = screen_encodings(s4k, ScreenPreset::Text, Topology::Mesh);
    assert_eq!(enc.len(), 1);
    let top = enc.first().cloned();
    assert_eq!(top.as_ref().map(|e| e.scale_resolution_down_by), Some(2.0));
    assert_eq!(top.as_ref().and_then(|e| e.max_framerate), Some(15.0));
    let small = SourceSize { width: 1024, height: 768 };
    let enc = screen_encodings(small, ScreenPreset::Text, Topology::Mesh);
    assert_eq!(enc.first().map(|e| e.scale_resolution_down_by), Some(1.0));
    assert_eq!(ScreenPreset::default().content_hint(), "detail");
}

#[test]
fn a_motion_screen_share_is_720p_at_30_fps() {
    let s1080 = SourceSize { width: 1920, height: 1080 };
    let enc = screen_encodings(s1080, ScreenPreset::Motion, Topology::Mesh);
    assert_eq!(
        enc.first().map(|e| (e.scale_resolution_down_by, e.max_framerate)),
        Some((1.5, Some(30.0)))
    );
    assert_eq!(ScreenPreset::Motion.content_hint(), "motion");
    assert_eq!(ScreenPreset::from_name("motion"), Some(ScreenPreset::Motion));
    assert_eq!(ScreenPreset::from_name("video"), None);
}

#[test]
fn a_screen_share_in_an_sfu_room_has_a_low_layer_below_the_preset() {
    let s1080 = SourceSize { width: 1920, height: 1080 };
    let enc = screen_encodings(s1080, ScreenPreset::Text, Topology::Sfu);
    assert_eq!(
        enc.iter()
            .map(|e| (e.rid, e.scale_resolution_down_by, e.max_framerate))
            .collect::<Vec<_>>(),
        vec![(Some("h"), 2.0, Some(5.0)), (Some("f"), 1.0, Some(15.0))]
    );
    assert!(enc
        .windows(2)
        .all(|w| matches!(w, [lo, hi] if lo.max_bitrate_bps < hi.max_bitrate_bps)));
}

#[test]
fn screen_presets_capture_no_more_than_they_send() {
    use rtcroom::core::encodings::is_video_content_hint;
    for preset in [ScreenPreset::Text, ScreenPreset::Motion] {
        let c = preset.capture();
        let big = SourceSize { width: c.max_height * 16 / 9, height: c.max_height };
        let top = screen_encodings(big, preset, Topology::Mesh);
        assert_eq!(
            top.first().map(|e| (e.scale_resolution_down_by, e.max_framerate)),
            Some((1.0, Some(c.max_frame_rate))),
            "{preset:?}"
        );
        assert!(is_video_content_hint(preset.content_hint()));
    }
    assert!(!is_video_content_hint("speech"), "an audio hint is not a video one");
}

#[test]
fn a_screen_share_is_sent_with_its_presets_plan_in_a_mesh() {
    use crate::room_world::{track_in, RoomConfig, RoomWorld};
    use rtcroom::core::{LocalTrack, TrackKind, TrackSource};
    let s1080 = SourceSize { width: 1920, height: 1080 };
    for (preset, fps, scale) in [(ScreenPreset::Motion, 30.0, 1.5), (ScreenPreset::Text, 15.0, 1.0)]
    {
        let mut w = RoomWorld::new(RoomConfig::default(), 2);
        for i in 0..2 {
            w.join(i);
            w.run();
        }
        let screen = track_in("screen0", "sc0", TrackKind::Video, TrackSource::Screen);
        w.publish(0, LocalTrack { size: Some(s1080), preset: Some(preset), ..screen }).unwrap();
        w.run();
        let sent: Vec<_> = w.clients[0].encodings.values().map(|(e, _)| e.clone()).collect();
        assert_eq!(sent.len(), 1, "{preset:?}: one sender");
        let top = sent.first().and_then(|e| e.first()).cloned();
        assert_eq!(
            top.map(|e| (e.max_framerate, e.scale_resolution_down_by)),
            Some((Some(fps), scale)),
            "{preset:?}"
        );
        w.assert_settled();
    }
    assert_eq!(ScreenPreset::from_content_hint("motion"), ScreenPreset::Motion);
    assert_eq!(ScreenPreset::from_content_hint("detail"), ScreenPreset::Text);
    assert_eq!(ScreenPreset::from_content_hint(""), ScreenPreset::Text);
}

/// Chromium sends a connection's first frame ~45 ms later when a sender's
/// encoding parameters were set before its first negotiation, whatever
/// their value (bench/run.mjs's `baseline-bitrate` control): a mesh plan
/// (one encoding) is given at the connection's first stats sample, once
/// media flows; a track published on a connection already carrying media
/// gets its plan at once.
#[test]
fn a_mesh_plan_waits_for_the_connections_first_stats_so_the_first_frames_flow_as_a_plain_pages() {
    use crate::room_world::{track_in, RoomConfig, RoomWorld};
    use rtcroom::core::{LocalTrack, PeerState, RoomEvent, TrackKind, TrackSource};
    let connected = |w: &RoomWorld| {
        w.clients[0]
            .events
            .iter()
            .any(|e| matches!(e, RoomEvent::ParticipantState { state: PeerState::Connected, .. }))
    };
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    w.join(0);
    w.run();
    let cam = track_in("cam0", "s0", TrackKind::Video, TrackSource::Camera);
    w.publish(0, LocalTrack { size: Some(P720), ..cam }).unwrap();
    w.join(1);
    assert!(w.run_until(w.now() + 10_000, connected), "connected");
    let sent: Vec<_> = w.clients[0].encodings.values().cloned().collect();
    assert_eq!(sent, vec![(Vec::new(), 0)], "created without parameters, none set before media");

    w.run();
    let plan = camera_encodings(P720, Topology::Mesh);
    let sent: Vec<_> = w.clients[0].encodings.values().cloned().collect();
    assert_eq!(sent, vec![(plan, 1)], "the plan, once, at the first stats sample");

    let screen = track_in("screen0", "sc0", TrackKind::Video, TrackSource::Screen);
    let s1080 = SourceSize { width: 1920, height: 1080 };
    w.publish(0, LocalTrack { size: Some(s1080), ..screen }).unwrap();
    w.run();
    let screen_plan = screen_encodings(s1080, ScreenPreset::Text, Topology::Mesh);
    assert!(
        w.clients[0].encodings.values().any(|e| *e == (screen_plan.clone(), 0)),
        "a mid-call track starts with its plan: {:?}",
        w.clients[0].encodings
    );
    w.assert_settled();
}
