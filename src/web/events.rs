//! Room events as the app sees them: core events with the browser objects
//! (tracks, streams) attached, and their JS shape.

use js_sys::{Object, Reflect};
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
        let o = Object::new();
        match self {
            RoomEvent::ParticipantJoined(p) | RoomEvent::ParticipantUpdated(p) => {
                return participant_js(p)
            }
            RoomEvent::ParticipantLeft { participant, reason } => {
                let p = participant_js(participant);
                set(&p, "reason", &(*reason).into());
                return p;
            }
            RoomEvent::Track(t) | RoomEvent::TrackRemoved(t) | RoomEvent::TrackMuted(t) => {
                set(&o, "participant", &participant_js(&t.participant));
                set(&o, "track", &t.track);
                set(&o, "stream", &t.stream);
                set(&o, "kind", &t.kind.as_str().into());
                set(&o, "source", &t.source.as_str().into());
                if let Some(p) = &t.publication {
                    set(&o, "publication", &p.into());
                }
                set(&o, "muted", &t.muted.into());
            }
            RoomEvent::DevicesChanged => {}
            RoomEvent::QualityChanged { participant, quality } => {
                set(&o, "participant", &participant_js(participant));
                set(&o, "quality", &(*quality).into());
            }
            RoomEvent::TrackPublished { track, publication, kind, source, reason }
            | RoomEvent::TrackUnpublished { track, publication, kind, source, reason } => {
                set(&o, "track", track);
                set(&o, "publication", &publication.into());
                set(&o, "kind", &kind.as_str().into());
                set(&o, "source", &source.as_str().into());
                if let Some(r) = reason {
                    set(&o, "reason", &(*r).into());
                }
            }
            RoomEvent::Message { from, data } => {
                set(&o, "from", &participant_js(from));
                let data: JsValue = match data {
                    Payload::Text(s) => s.into(),
                    Payload::Binary(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
                };
                set(&o, "data", &data);
            }
            RoomEvent::ConnectionState { state, reason } => {
                set(&o, "state", &(*state).into());
                if let Some(r) = reason {
                    set(&o, "reason", &(*r).into());
                }
            }
            RoomEvent::ParticipantState { participant, state, reason } => {
                set(&o, "participant", &participant_js(participant));
                set(&o, "state", &(*state).into());
                if let Some(r) = reason {
                    set(&o, "reason", &(*r).into());
                }
            }
            RoomEvent::Warning { participant, code, message } => {
                if let Some(p) = participant {
                    set(&o, "participant", &participant_js(p));
                }
                set(&o, "code", &(*code).into());
                set(&o, "message", &message.into());
            }
        }
        o.into()
    }
}

/// The JS shape of a participant: `{ id, name: string | null, meta: {},
/// publications: [{ id: string | null, kind, source, muted }] }`. Built by
/// hand (as `stats_js`): serde's serializer costs the bundle more code.
pub fn participant_js(p: &Participant) -> JsValue {
    let opt_str = |v: Option<&str>| v.map_or(JsValue::NULL, JsValue::from);
    let o: JsValue = Object::new().into();
    set(&o, "id", &p.id.as_str().into());
    set(&o, "name", &opt_str(p.name.as_deref()));
    set(&o, "meta", &super::codec::meta_js(&p.meta));
    let publications = js_sys::Array::new();
    for a in &p.publications {
        let e: JsValue = Object::new().into();
        set(&e, "id", &opt_str(a.id.as_deref()));
        set(&e, "kind", &a.kind.as_str().into());
        set(&e, "source", &a.source.as_str().into());
        set(&e, "muted", &a.muted.into());
        publications.push(&e);
    }
    set(&o, "publications", &publications);
    o
}

/// The JS shape of `room.stats(id)` (see `index.d.ts` `ConnectionStats`).
pub fn stats_js(s: &crate::core::ConnectionStats) -> JsValue {
    let o: JsValue = Object::new().into();
    let opt = |v: Option<f64>| v.map_or(JsValue::NULL, JsValue::from);
    let opt_u32 = |v: Option<u32>| v.map_or(JsValue::NULL, JsValue::from);
    let opt_str = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from);
    set(&o, "at", &(s.at.0 as f64).into());
    set(&o, "bitrateIn", &(s.bitrate_in as f64).into());
    set(&o, "bitrateOut", &(s.bitrate_out as f64).into());
    set(&o, "rttMs", &opt(s.rtt_ms));
    set(&o, "lossPercent", &s.loss_percent.into());
    set(&o, "jitterMs", &opt(s.jitter_ms));
    set(&o, "availableOutgoingBitrate", &opt(s.available_outgoing_bitrate));
    set(&o, "localCandidateType", &opt_str(&s.local_candidate_type));
    set(&o, "remoteCandidateType", &opt_str(&s.remote_candidate_type));
    set(&o, "quality", &s.quality.as_str().into());
    set(&o, "mos", &s.mos.into());
    let video = js_sys::Array::new();
    for v in &s.video_in {
        let e: JsValue = Object::new().into();
        set(&e, "mid", &opt_str(&v.mid));
        set(&e, "width", &opt_u32(v.width));
        set(&e, "height", &opt_u32(v.height));
        set(&e, "fps", &opt(v.fps));
        set(&e, "framesDecoded", &(v.frames_decoded as f64).into());
        set(&e, "freezeCount", &(v.freeze_count as f64).into());
        set(&e, "freezesS", &v.freezes_s.into());
        video.push(&e);
    }
    set(&o, "videoIn", &video);
    let layers = js_sys::Array::new();
    for l in &s.layers_out {
        let e: JsValue = Object::new().into();
        set(&e, "kind", &l.kind.as_str().into());
        set(&e, "rid", &opt_str(&l.rid));
        set(&e, "width", &opt_u32(l.width));
        set(&e, "height", &opt_u32(l.height));
        set(&e, "fps", &opt(l.fps));
        set(&e, "active", &l.active.map_or(JsValue::NULL, JsValue::from));
        set(&e, "bitrate", &(l.bitrate as f64).into());
        set(&e, "qualityLimitationReason", &opt_str(&l.quality_limitation_reason));
        layers.push(&e);
    }
    set(&o, "layersOut", &layers);
    o
}

pub(super) fn set(o: &JsValue, key: &str, v: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &key.into(), v);
}
