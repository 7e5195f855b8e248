//! The simulcast plan: which encodings a published track is sent with.
//!
//! Presets are a function of the source (camera or screen), its capture
//! size, and the topology: a **mesh** sends one encoding (browsers answer
//! no simulcast peer to peer, and Chromium then sends only the *first*
//! encoding listed), an **SFU** gets layers listed low → high (`q`, `h`,
//! `f`; Janus is told so with `rid_order: "lmh"`). The ABR controller later
//! changes `active` / `max_bitrate_bps` / `scale_resolution_down_by` /
//! `max_framerate` of these same encodings; it never adds or removes one
//! (that would renegotiate).

/// One `RTCRtpEncodingParameters` as the core plans it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncodingParams {
    /// `rid` (`q` | `h` | `f`); `None` for the single encoding of a mesh.
    pub rid: Option<&'static str>,
    pub active: bool,
    pub max_bitrate_bps: u32,
    /// Divisor of the source's width and height (≥ 1).
    pub scale_resolution_down_by: f64,
    /// Frames per second cap; `None` leaves the source's rate.
    pub max_framerate: Option<f64>,
}

/// How the room carries media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Topology {
    /// One connection per remote participant (rtcroom signaling).
    Mesh,
    /// A publisher and a subscriber connection to an SFU (Janus VideoRoom).
    Sfu,
}

/// What a screen share is optimised for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ScreenPreset {
    /// Slides, code, documents: full resolution (up to 1080p), 5–15 fps,
    /// `contentHint: "detail"` (the encoder keeps sharpness, drops frames).
    #[default]
    Text,
    /// Video or animation: 720p at 30 fps, `contentHint: "motion"`.
    Motion,
}

impl ScreenPreset {
    pub fn as_str(self) -> &'static str {
        match self {
            ScreenPreset::Text => "text",
            ScreenPreset::Motion => "motion",
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "text" => Some(ScreenPreset::Text),
            "motion" => Some(ScreenPreset::Motion),
            _ => None,
        }
    }
    /// The preset a screen track's `contentHint` asks for: `motion` is
    /// motion, anything else (`detail`, `text`, none) is text.
    pub fn from_content_hint(hint: &str) -> Self {
        if hint == "motion" {
            ScreenPreset::Motion
        } else {
            ScreenPreset::Text
        }
    }
    /// `MediaStreamTrack.contentHint` that goes with the preset.
    pub fn content_hint(self) -> &'static str {
        match self {
            ScreenPreset::Text => "detail",
            ScreenPreset::Motion => "motion",
        }
    }
}

/// What to ask `getDisplayMedia` for: the encoder never needs more than the
/// preset sends, and capturing less saves the sender's CPU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenCapture {
    /// `height: {max}` (the short side of a landscape screen).
    pub max_height: u32,
    /// `frameRate: {max}`.
    pub max_frame_rate: f64,
}

impl ScreenPreset {
    pub fn capture(self) -> ScreenCapture {
        match self {
            ScreenPreset::Text => ScreenCapture { max_height: 1080, max_frame_rate: 15.0 },
            ScreenPreset::Motion => ScreenCapture { max_height: 720, max_frame_rate: 30.0 },
        }
    }
}

/// A `contentHint` the app may set instead of the preset's.
pub fn is_video_content_hint(hint: &str) -> bool {
    matches!(hint, "" | "motion" | "detail" | "text")
}

/// A capture's size as `track.getSettings()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSize {
    pub width: u32,
    pub height: u32,
}

impl SourceSize {
    /// The short side: what "720p" names, whatever the orientation.
    fn short_side(self) -> u32 {
        self.width.min(self.height)
    }
}

/// Camera bitrate for a layer whose short side is `short` pixels (30 fps,
/// VP8): 320x180 150k, 640x360 500k, 960x540 900k, 1280x720 1.7M, 1080p 3M.
pub fn camera_bitrate_bps(short: u32) -> u32 {
    match short {
        0..=200 => 150_000,
        201..=400 => 500_000,
        401..=560 => 900_000,
        561..=760 => 1_700_000,
        _ => 3_000_000,
    }
}

/// A layer is worth sending only if its short side stays at least this big.
const MIN_LAYER_SHORT_SIDE: u32 = 90;
const RIDS: [&str; 3] = ["q", "h", "f"];

/// Encodings for a camera track (see the module's doc for the order).
pub fn camera_encodings(size: SourceSize, topology: Topology) -> Vec<EncodingParams> {
    let short = size.short_side();
    match topology {
        Topology::Mesh => vec![single(camera_bitrate_bps(short), None)],
        Topology::Sfu => {
            // Up to three layers, each half the size of the next; a source
            // too small for the lowest ones sends fewer (a 320x180 camera:
            // `h` at 90p and `f`), the top is always `f`.
            let mut layers = Vec::with_capacity(3);
            for (i, scale) in [4.0_f64, 2.0, 1.0].into_iter().enumerate() {
                let layer_short = (f64::from(short) / scale) as u32;
                if layer_short < MIN_LAYER_SHORT_SIDE && scale > 1.0 {
                    continue;
                }
                layers.push(EncodingParams {
                    rid: RIDS.get(i).copied(),
                    active: true,
                    max_bitrate_bps: camera_bitrate_bps(layer_short),
                    scale_resolution_down_by: scale,
                    max_framerate: None,
                });
            }
            layers
        }
    }
}

/// Encodings for a screen track.
pub fn screen_encodings(
    size: SourceSize,
    preset: ScreenPreset,
    topology: Topology,
) -> Vec<EncodingParams> {
    let short = size.short_side().max(1);
    let (cap_short, fps, bitrate) = match preset {
        ScreenPreset::Text => (1080, 15.0, 2_500_000),
        ScreenPreset::Motion => (720, 30.0, 2_000_000),
    };
    // Never upscale; shrink a larger screen to the preset's resolution.
    let top_scale = (f64::from(short) / f64::from(cap_short)).max(1.0);
    let top = EncodingParams {
        rid: None,
        active: true,
        max_bitrate_bps: bitrate,
        scale_resolution_down_by: top_scale,
        max_framerate: Some(fps),
    };
    match topology {
        Topology::Mesh => vec![top],
        Topology::Sfu => {
            // A low layer for small tiles and poor links: half the size, a
            // third of the frame rate, a quarter of the bitrate.
            let low = EncodingParams {
                rid: Some("h"),
                active: true,
                max_bitrate_bps: bitrate / 4,
                scale_resolution_down_by: top_scale * 2.0,
                max_framerate: Some(fps / 3.0),
            };
            vec![low, EncodingParams { rid: Some("f"), ..top }]
        }
    }
}

fn single(max_bitrate_bps: u32, max_framerate: Option<f64>) -> EncodingParams {
    EncodingParams {
        rid: None,
        active: true,
        max_bitrate_bps,
        scale_resolution_down_by: 1.0,
        max_framerate,
    }
}

/// A capture that does not say its size (`getSettings()` without width and
/// height) is planned as Chromium's default camera.
const UNKNOWN_SIZE: SourceSize = SourceSize { width: 640, height: 480 };

/// The encodings a new sender of this track starts with: none for audio
/// (the browser's default, which the ABR controller never touches), the
/// screen preset for a screen, the camera plan for any other video.
pub fn plan(
    kind: super::TrackKind,
    source: super::TrackSource,
    size: Option<SourceSize>,
    preset: ScreenPreset,
    topology: Topology,
) -> Vec<EncodingParams> {
    let size = size.unwrap_or(UNKNOWN_SIZE);
    match (kind, source) {
        (super::TrackKind::Audio, _) => Vec::new(),
        (_, super::TrackSource::Screen) => screen_encodings(size, preset, topology),
        _ => camera_encodings(size, topology),
    }
}
