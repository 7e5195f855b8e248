//! The text each published stream carries on Janus (its source, mute and,
//! for a feed of its own, whose it is): written by us, read back, and read
//! leniently from other clients.

use rtcroom::core::sfu::describe::{display_name, is_screen_display, screen_display, StreamTag};
use rtcroom::core::{TrackKind, TrackSource};

#[test]
fn a_stream_tag_reads_back_as_written() {
    let tags = [
        StreamTag { source: TrackSource::Camera, muted: false, owner: None, key_frames: false },
        StreamTag { source: TrackSource::Microphone, muted: true, owner: None, key_frames: false },
        StreamTag {
            source: TrackSource::Screen,
            muted: false,
            owner: Some(111),
            key_frames: false,
        },
        StreamTag {
            source: TrackSource::ScreenAudio,
            muted: true,
            owner: Some(9_007_199_254_740_991),
            key_frames: false,
        },
        StreamTag { source: TrackSource::Custom, muted: false, owner: None, key_frames: false },
        StreamTag { source: TrackSource::Camera, muted: true, owner: None, key_frames: true },
        StreamTag { source: TrackSource::Screen, muted: false, owner: Some(111), key_frames: true },
    ];
    let texts: Vec<String> = tags.iter().map(|t| t.to_text()).collect();
    assert_eq!(
        texts,
        [
            "camera",
            "microphone;muted",
            "screen;of=111",
            "screen-audio;muted;of=9007199254740991",
            "custom",
            "camera;muted;kf",
            "screen;of=111;kf"
        ]
    );
    for (tag, text) in tags.iter().zip(&texts) {
        let kind = tag.source.required_kind().unwrap_or(TrackKind::Video);
        assert_eq!(StreamTag::parse(Some(text), kind), *tag, "{text}");
    }
}

#[test]
fn a_stream_without_our_description_is_its_kind_s_default_source_unmuted() {
    let camera =
        StreamTag { source: TrackSource::Camera, muted: false, owner: None, key_frames: false };
    let mic =
        StreamTag { source: TrackSource::Microphone, muted: false, owner: None, key_frames: false };
    assert_eq!(StreamTag::parse(None, TrackKind::Video), camera);
    assert_eq!(StreamTag::parse(None, TrackKind::Audio), mic);
    // Another client's human text, and a source that cannot be this kind.
    assert_eq!(StreamTag::parse(Some("My front webcam;muted"), TrackKind::Video), camera);
    assert_eq!(StreamTag::parse(Some("microphone;muted"), TrackKind::Video), camera);
    // Parts a later version may add are skipped; a bad owner is none.
    assert_eq!(
        StreamTag::parse(Some("screen;layers=2;muted;of=x"), TrackKind::Video),
        StreamTag { source: TrackSource::Screen, muted: true, owner: None, key_frames: false }
    );
}

/// A screen handle's display: the participant's name and a zero-width
/// space, recognised as such and read back as the name alone.
#[test]
fn a_screen_handle_s_display_is_marked_and_reads_back_as_the_participant_s_name() {
    let marked = screen_display(Some("Ada"));
    assert_eq!(marked, "Ada\u{200B}");
    assert!(is_screen_display(&marked));
    assert!(!is_screen_display("Ada"));
    assert_eq!(display_name(Some(marked)), Some("Ada".to_owned()));
    // Nameless: the mark alone, no name.
    assert_eq!(screen_display(None), "\u{200B}");
    assert_eq!(display_name(Some(screen_display(None))), None);
    // Other displays as they are.
    assert_eq!(display_name(Some("Bob".into())), Some("Bob".to_owned()));
    assert_eq!(display_name(None), None);
}
