//! Room events as the app sees them: core events with the browser objects
//! (tracks, streams) attached, and their JS shape.

use super::js::{object, set, set_bool, set_num, set_num_or_null, set_str, set_str_or_null};
use rtcroom_proto::{Meta, PeerInfo};
use wasm_bindgen::JsValue;
use web_sys::{MediaStream, MediaStreamTrack};

pub use crate::core::{Payload, TrackKind, TrackSource};
use rtcroom_proto::TrackInfo;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: String,
    pub name: Option<String>,
    pub meta: Meta,
    /// What it announced it publishes.
    pub publications: Vec<TrackInfo>,
}

impl From<PeerInfo> for Participant {
    fn from(p: PeerInfo) -> Self {
        Participant { id: p.id, name: p.name, meta: p.meta, publications: Vec::new() }
    }
}

#[derive(Debug, Clone)]
pub struct TrackEvent {
    pub participant: Participant,
    pub track: MediaStreamTrack,
    pub stream: MediaStream,
    pub kind: TrackKind,
    pub source: TrackSource,
    /// The sender's publication id (`None` from older clients).
    pub publication: Option<String>,
    pub muted: bool,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RoomEvent {
    ParticipantJoined(Participant),
    ParticipantUpdated(Participant),
    ParticipantLeft {
        participant: Participant,
        reason: &'static str,
    },
    Track(TrackEvent),
    TrackRemoved(TrackEvent),
    /// A remote track was muted or unmuted (`muted` says which).
    TrackMuted(TrackEvent),
    /// The media devices changed (`devicechange`): call `listDevices()`.
    DevicesChanged,
    /// The quality level of a participant's connection changed:
    /// `excellent`, `good`, `poor`, `lost`.
    QualityChanged {
        participant: Participant,
        quality: &'static str,
    },
    /// We published (or stopped publishing, with the reason) a track.
    TrackPublished {
        track: MediaStreamTrack,
        publication: String,
        kind: TrackKind,
        source: TrackSource,
        reason: Option<&'static str>,
    },
    TrackUnpublished {
        track: MediaStreamTrack,
        publication: String,
        kind: TrackKind,
        source: TrackSource,
        reason: Option<&'static str>,
    },
    Message {
        from: Participant,
        data: Payload,
    },
    /// The room's signaling connection: `connected`, `reconnecting`,
    /// `reconnected`, `disconnected` (with a reason).
    ConnectionState {
        state: &'static str,
        reason: Option<&'static str>,
    },
    /// One participant's connection: `connecting`, `connected`,
    /// `reconnecting`, `failed`, `closed` (with a reason).
    ParticipantState {
        participant: Participant,
        state: &'static str,
        reason: Option<&'static str>,
    },
    /// Non-fatal problem (a failed operation, a server error frame).
    Warning {
        participant: Option<Participant>,
        code: &'static str,
        message: String,
    },
}

impl RoomEvent {
    /// The event name of the JS facade (`room.on(name, …)`).
    pub fn name(&self) -> &'static str {
        match self {
            RoomEvent::ParticipantJoined(_) => "participant-joined",
            RoomEvent::ParticipantUpdated(_) => "participant-updated",
            RoomEvent::ParticipantLeft { .. } => "participant-left",
            RoomEvent::Track(_) => "track",
            RoomEvent::TrackRemoved(_) => "track-removed",
            RoomEvent::TrackMuted(t) if t.muted => "track-muted",
            RoomEvent::TrackMuted(_) => "track-unmuted",
            RoomEvent::QualityChanged { .. } => "quality-changed",
            RoomEvent::DevicesChanged => "devices-changed",
            RoomEvent::TrackPublished { .. } => "track-published",
            RoomEvent::TrackUnpublished { .. } => "track-unpublished",
            RoomEvent::Message { .. } => "message",
            RoomEvent::ConnectionState { .. } => "connection-state",
            RoomEvent::ParticipantState { .. } => "participant-state",
            RoomEvent::Warning { .. } => "warning",
        }
    }

    /// The JS payload of the event.
    pub fn to_js(&self) -> JsValue {
        let o = object();
        match self {
            RoomEvent::ParticipantJoined(p) | RoomEvent::ParticipantUpdated(p) => {
                return participant_js(p)
            }
            RoomEvent::ParticipantLeft { participant, reason } => {
                let p = participant_js(participant);
                set_str(&p, "reason", reason);
                return p;
            }
            RoomEvent::Track(t) | RoomEvent::TrackRemoved(t) | RoomEvent::TrackMuted(t) => {
                set(&o, "participant", &participant_js(&t.participant));
                set(&o, "track", &t.track);
                set(&o, "stream", &t.stream);
                set_str(&o, "kind", t.kind.as_str());
                set_str(&o, "source", t.source.as_str());
                if let Some(p) = &t.publication {
                    set_str(&o, "publication", p);
                }
                set_bool(&o, "muted", t.muted);
            }
            RoomEvent::DevicesChanged => {}
            RoomEvent::QualityChanged { participant, quality } => {
                set(&o, "participant", &participant_js(participant));
                set_str(&o, "quality", quality);
            }
            RoomEvent::TrackPublished { track, publication, kind, source, reason }
            | RoomEvent::TrackUnpublished { track, publication, kind, source, reason } => {
                set(&o, "track", track);
                set_str(&o, "publication", publication);
                set_str(&o, "kind", kind.as_str());
                set_str(&o, "source", source.as_str());
                if let Some(r) = reason {
                    set_str(&o, "reason", r);
                }
            }
            RoomEvent::Message { from, data } => {
                set(&o, "from", &participant_js(from));
                match data {
                    Payload::Text(s) => set_str(&o, "data", s),
                    Payload::Binary(b) => set(&o, "data", &js_sys::Uint8Array::from(b.as_slice())),
                }
            }
            RoomEvent::ConnectionState { state, reason } => {
                set_str(&o, "state", state);
                if let Some(r) = reason {
                    set_str(&o, "reason", r);
                }
            }
            RoomEvent::ParticipantState { participant, state, reason } => {
                set(&o, "participant", &participant_js(participant));
                set_str(&o, "state", state);
                if let Some(r) = reason {
                    set_str(&o, "reason", r);
                }
            }
            RoomEvent::Warning { participant, code, message } => {
                if let Some(p) = participant {
                    set(&o, "participant", &participant_js(p));
                }
                set_str(&o, "code", code);
                set_str(&o, "message", message);
            }
        }
        o
    }
}

/// The JS shape of a participant: `{ id, name: string | null, meta: {},
/// publications: [{ id: string | null, kind, source, muted }] }`. Built by
/// hand (as `stats_js`): serde's serializer costs the bundle more code.
pub fn participant_js(p: &Participant) -> JsValue {
    let o = object();
    set_str(&o, "id", &p.id);
    set_str_or_null(&o, "name", p.name.as_deref());
    set(&o, "meta", &super::codec::meta_js(&p.meta));
    let publications = js_sys::Array::new();
    for a in &p.publications {
        let e = object();
        set_str_or_null(&e, "id", a.id.as_deref());
        set_str(&e, "kind", a.kind.as_str());
        set_str(&e, "source", a.source.as_str());
        set_bool(&e, "muted", a.muted);
        publications.push(&e);
    }
    set(&o, "publications", &publications);
    o
}

/// The JS shape of `room.stats(id)` (see `index.d.ts` `ConnectionStats`).
pub fn stats_js(s: &crate::core::ConnectionStats) -> JsValue {
    let o = object();
    set_num(&o, "at", s.at.0 as f64);
    set_num(&o, "bitrateIn", s.bitrate_in as f64);
    set_num(&o, "bitrateOut", s.bitrate_out as f64);
    set_num_or_null(&o, "rttMs", s.rtt_ms);
    set_num(&o, "lossPercent", s.loss_percent);
    set_num_or_null(&o, "jitterMs", s.jitter_ms);
    set_num_or_null(&o, "availableOutgoingBitrate", s.available_outgoing_bitrate);
    set_str_or_null(&o, "localCandidateType", s.local_candidate_type.as_deref());
    set_str_or_null(&o, "remoteCandidateType", s.remote_candidate_type.as_deref());
    set_str(&o, "quality", s.quality.as_str());
    set_num(&o, "mos", s.mos);
    let video = js_sys::Array::new();
    for v in &s.video_in {
        let e = object();
        set_str_or_null(&e, "mid", v.mid.as_deref());
        set_num_or_null(&e, "width", v.width.map(f64::from));
        set_num_or_null(&e, "height", v.height.map(f64::from));
        set_num_or_null(&e, "fps", v.fps);
        set_num(&e, "framesDecoded", v.frames_decoded as f64);
        set_num(&e, "freezeCount", v.freeze_count as f64);
        set_num(&e, "freezesS", v.freezes_s);
        video.push(&e);
    }
    set(&o, "videoIn", &video);
    let layers = js_sys::Array::new();
    for l in &s.layers_out {
        let e = object();
        set_str(&e, "kind", l.kind.as_str());
        set_str_or_null(&e, "rid", l.rid.as_deref());
        set_num_or_null(&e, "width", l.width.map(f64::from));
        set_num_or_null(&e, "height", l.height.map(f64::from));
        set_num_or_null(&e, "fps", l.fps);
        match l.active {
            Some(a) => set_bool(&e, "active", a),
            None => set(&e, "active", &JsValue::NULL),
        }
        set_num(&e, "bitrate", l.bitrate as f64);
        set_str_or_null(&e, "qualityLimitationReason", l.quality_limitation_reason.as_deref());
        layers.push(&e);
    }
    set(&o, "layersOut", &layers);
    o
}
