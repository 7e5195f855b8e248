//! Adaptive stream (receiver side): each subscribed video's simulcast layer
//! follows how the app renders it. The app reports the element's size (in
//! device pixels) and whether it is visible; the layer is the smallest one
//! that covers that width, allowing [`UPSCALE`] of upscaling; a hidden or
//! empty element pauses the stream (Janus stops forwarding it).
//!
//! The publisher's camera is sent with the plan of
//! [`camera_encodings`](crate::core::encodings::camera_encodings) for the
//! SFU: layers at 1/4, 1/2 and 1/1 of the source. The subscriber does not
//! know the source's size, so the layers' widths are those of the plan for
//! a [`REFERENCE`] camera (320/640/1280 for 1280x720).
//!
//! A screen share is sent with the screen preset's two layers
//! ([`screen_encodings`](crate::core::encodings::screen_encodings)): its
//! widths are those of a [`SCREEN_REFERENCE`] screen, and it is never asked
//! for a third layer it does not have (Janus would never confirm it).
//!
//! A decision is made only when the app reports a size; it is sent only
//! when it differs from the last one asked for on that stream, and the Janus
//! machine re-sends a switch until Janus confirms it.

use crate::core::encodings::{
    camera_encodings, screen_encodings, EncodingParams, ScreenPreset, SourceSize, Topology,
};
use crate::core::map::Map;
use crate::core::types::TrackSource;

/// The source size the layer widths are computed from.
pub const REFERENCE: SourceSize = SourceSize { width: 1280, height: 720 };
/// The same for a screen share.
pub const SCREEN_REFERENCE: SourceSize = SourceSize { width: 1920, height: 1080 };
/// A layer may be shown this much larger than it is before the next one up
/// is asked for (a 352-px tile keeps the 320-px layer).
pub const UPSCALE: f64 = 1.15;

/// How the app renders one received video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Rendered size in device pixels (CSS pixels × `devicePixelRatio`).
    pub width: u32,
    pub height: u32,
    /// On screen (in the viewport, not `display: none`, document visible).
    pub visible: bool,
}

/// What to receive on one subscribed video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Nothing: the element is hidden.
    Paused,
    /// Janus's substream index (0 = lowest).
    Substream(u8),
}

#[derive(Debug, Default)]
struct Sub {
    wanted: Option<Layer>,
    /// Last substream Janus reported on this stream.
    confirmed: Option<u8>,
}

#[derive(Debug, Default)]
pub struct Adaptive {
    subs: Map<String, Sub>,
}

fn widths(source: SourceSize, plan: &[EncodingParams]) -> Vec<u32> {
    plan.iter().map(|e| (f64::from(source.width) / e.scale_resolution_down_by) as u32).collect()
}

/// The widths of the camera plan's layers, low to high.
pub fn layer_widths() -> Vec<u32> {
    widths(REFERENCE, &camera_encodings(REFERENCE, Topology::Sfu))
}

/// The widths of a screen share's layers, low to high.
pub fn screen_layer_widths() -> Vec<u32> {
    let plan = screen_encodings(SCREEN_REFERENCE, ScreenPreset::default(), Topology::Sfu);
    widths(SCREEN_REFERENCE, &plan)
}

/// The layer for `view` of a camera (the pure decision).
pub fn layer_for(view: View) -> Layer {
    layer_for_source(view, TrackSource::Camera)
}

/// The layer for `view` of a video of `source`.
pub fn layer_for_source(view: View, source: TrackSource) -> Layer {
    if !view.visible || view.width == 0 || view.height == 0 {
        return Layer::Paused;
    }
    let widths = match source {
        TrackSource::Screen => screen_layer_widths(),
        _ => layer_widths(),
    };
    let top = widths.len().saturating_sub(1);
    let index =
        widths.iter().position(|&w| f64::from(w) * UPSCALE >= f64::from(view.width)).unwrap_or(top);
    Layer::Substream(u8::try_from(index).unwrap_or(u8::MAX))
}

impl Adaptive {
    /// The layer to ask for on `mid` (a video of `source`) now, if it changed.
    pub fn choose(&mut self, mid: &str, view: View, source: TrackSource) -> Option<Layer> {
        let layer = layer_for_source(view, source);
        let mut sub = self.subs.remove(mid).unwrap_or_default();
        let changed = sub.wanted != Some(layer);
        sub.wanted = Some(layer);
        self.subs.insert(mid.to_owned(), sub);
        changed.then_some(layer)
    }

    /// The layer last asked for on `mid`, if any.
    pub fn wanted(&self, mid: &str) -> Option<Layer> {
        self.subs.get(mid).and_then(|s| s.wanted)
    }

    /// The layer Janus last reported on `mid`.
    pub fn confirmed_substream(&self, mid: &str) -> Option<u8> {
        self.subs.get(mid).and_then(|s| s.confirmed)
    }

    pub fn confirmed(&mut self, mid: &str, substream: u8) {
        let mut sub = self.subs.remove(mid).unwrap_or_default();
        sub.confirmed = Some(substream);
        self.subs.insert(mid.to_owned(), sub);
    }

    /// The stream is gone (its mid may carry another feed later).
    pub fn forget(&mut self, mid: &str) {
        self.subs.remove(mid);
    }
}
