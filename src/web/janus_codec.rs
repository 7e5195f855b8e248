//! Janus frames ⇄ JSON text through the browser's `JSON` and `Reflect`, as
//! `codec.rs` does for rtcroom frames. Hand-written rather than serde: the
//! derives of `proto::janus` (internally tagged and untagged enums, which
//! buffer through serde's `Content`) cost the bundle tens of KB. The shapes
//! and leniency are proto's serde derives' (unknown fields ignored, `null`
//! is an absent optional, unknown `"janus"` kinds are `Other`); tests/wasm
//! checks this codec against serde on every frame kind.

use super::codec::{bad, candidate, get, set, set_candidate, set_opt, set_str};
use super::error::WebError;
use super::reader::Reader;
use js_sys::{Array, Object, JSON};
use rtcroom_proto::janus::{
    Body, ErrorBody, FeedRef, IdData, Incoming, Join, Jsep, PluginData, Ptype, Publisher,
    PublisherStream, Request, StreamConfig, StreamDescription, StreamFeed, StreamKind,
    SubscriberStream, TrickleCandidate, VideoRoomData,
};
use rtcroom_proto::SdpType;
use wasm_bindgen::JsValue;

// ---- decoding ---------------------------------------------------------------

/// Janus-specific reads.
trait JanusReader {
    fn stream_kind(&self, o: &JsValue) -> StreamKind;
    fn feed_ref(&self, o: &JsValue, key: &'static str) -> Option<FeedRef>;
    fn plugin_data(&self, v: &JsValue) -> PluginData;
    fn jsep(&self, v: &JsValue) -> Jsep;
    fn trickle_candidate(&self, v: &JsValue) -> TrickleCandidate;
}

impl JanusReader for Reader {
    fn stream_kind(&self, o: &JsValue) -> StreamKind {
        match self.str(o, "type").as_str() {
            "audio" => StreamKind::Audio,
            "video" => StreamKind::Video,
            "data" => StreamKind::Data,
            _ => StreamKind::Other,
        }
    }

    fn feed_ref(&self, o: &JsValue, key: &'static str) -> Option<FeedRef> {
        match get(o, key).as_string() {
            Some(s) => Some(FeedRef::Ok(s)),
            None => self.opt_u64(o, key).map(FeedRef::Id),
        }
    }

    fn plugin_data(&self, v: &JsValue) -> PluginData {
        PluginData {
            plugin: self.str(v, "plugin"),
            data: videoroom_data(self, &self.object(v, "data")),
        }
    }

    fn jsep(&self, v: &JsValue) -> Jsep {
        Jsep {
            sdp_type: SdpType::parse(&self.str(v, "type")).unwrap_or_else(|| {
                self.fail::<()>("type");
                SdpType::Offer
            }),
            sdp: self.str(v, "sdp"),
            rid_order: self.opt_str(v, "rid_order"),
        }
    }

    /// A candidate, or `{"completed": true}` (serde's untagged order: a
    /// candidate first).
    fn trickle_candidate(&self, v: &JsValue) -> TrickleCandidate {
        let attempt = Reader::default();
        let c = candidate(&attempt, v);
        match attempt.bad.get() {
            None => TrickleCandidate::Candidate(c),
            Some(_) => TrickleCandidate::Completed { completed: self.bool(v, "completed") },
        }
    }
}

fn publisher_stream(r: &Reader, v: &JsValue) -> PublisherStream {
    PublisherStream {
        kind: r.stream_kind(v),
        mid: r.str(v, "mid"),
        codec: r.opt_str(v, "codec"),
        simulcast: r.opt_bool(v, "simulcast"),
        disabled: r.opt_bool(v, "disabled"),
        description: r.opt_str(v, "description"),
    }
}

fn publisher(r: &Reader, v: &JsValue) -> Publisher {
    Publisher {
        id: r.u64(v, "id"),
        display: r.opt_str(v, "display"),
        streams: r.opt_list(v, "streams", publisher_stream).unwrap_or_default(),
    }
}

fn subscriber_stream(r: &Reader, v: &JsValue) -> SubscriberStream {
    SubscriberStream {
        kind: r.stream_kind(v),
        mid: r.str(v, "mid"),
        active: r.opt_bool(v, "active"),
        feed_id: r.opt_u64(v, "feed_id"),
        feed_mid: r.opt_str(v, "feed_mid"),
        feed_display: r.opt_str(v, "feed_display"),
    }
}

fn videoroom_data(r: &Reader, v: &JsValue) -> VideoRoomData {
    VideoRoomData {
        videoroom: r.opt_str(v, "videoroom"),
        room: r.opt_u64(v, "room"),
        id: r.opt_u64(v, "id"),
        private_id: r.opt_u64(v, "private_id"),
        publishers: r.opt_list(v, "publishers", publisher),
        attendees: r.opt_list(v, "attendees", publisher),
        joining: r.opt_object(v, "joining").map(|j| publisher(r, &j)),
        unpublished: r.feed_ref(v, "unpublished"),
        leaving: r.feed_ref(v, "leaving"),
        kicked: r.feed_ref(v, "kicked"),
        reason: r.opt_str(v, "reason"),
        configured: r.opt_str(v, "configured"),
        started: r.opt_str(v, "started"),
        mid: r.opt_str(v, "mid"),
        substream: r.opt_u8(v, "substream"),
        temporal: r.opt_u8(v, "temporal"),
        streams: r.opt_list(v, "streams", subscriber_stream),
        error_code: r.opt_u16(v, "error_code"),
        error: r.opt_str(v, "error"),
    }
}

/// Parses one frame Janus sent.
pub fn decode(text: &str) -> Result<Incoming, WebError> {
    let v = JSON::parse(text).map_err(|_| WebError::Protocol("frame is not JSON".into()))?;
    if !v.is_object() || Array::is_array(&v) {
        return Err(WebError::Protocol("frame is not an object".into()));
    }
    let r = Reader::default();
    let v = &v;
    let session_id = r.opt_u64(v, "session_id");
    let kind = get(v, "janus").as_string().ok_or_else(|| bad("janus"))?;
    let frame = match kind.as_str() {
        "success" => Incoming::Success {
            transaction: r.opt_str(v, "transaction"),
            session_id,
            sender: r.opt_u64(v, "sender"),
            data: r.opt_object(v, "data").map(|d| IdData { id: r.u64(&d, "id") }),
            plugindata: r.opt_object(v, "plugindata").map(|p| r.plugin_data(&p)),
        },
        "ack" => Incoming::Ack { transaction: r.opt_str(v, "transaction"), session_id },
        "error" => {
            let e = r.object(v, "error");
            Incoming::Error {
                transaction: r.opt_str(v, "transaction"),
                session_id,
                error: ErrorBody {
                    code: r.opt_u16(&e, "code").unwrap_or_else(|| r.fail("code")),
                    reason: r.opt_str(&e, "reason").unwrap_or_default(),
                },
            }
        }
        "event" => Incoming::Event {
            transaction: r.opt_str(v, "transaction"),
            session_id,
            sender: r.u64(v, "sender"),
            plugindata: r.plugin_data(&r.object(v, "plugindata")),
            jsep: r.opt_object(v, "jsep").map(|j| r.jsep(&j)),
        },
        "trickle" => Incoming::Trickle {
            session_id,
            sender: r.u64(v, "sender"),
            candidate: r.trickle_candidate(&r.object(v, "candidate")),
        },
        "webrtcup" => Incoming::Webrtcup { session_id, sender: r.u64(v, "sender") },
        "media" => Incoming::Media {
            session_id,
            sender: r.u64(v, "sender"),
            kind: r.str(v, "type"),
            receiving: r.bool(v, "receiving"),
            mid: r.opt_str(v, "mid"),
        },
        "slowlink" => Incoming::Slowlink {
            session_id,
            sender: r.u64(v, "sender"),
            uplink: r.bool(v, "uplink"),
            lost: r.opt_u64(v, "lost").unwrap_or(0),
            mid: r.opt_str(v, "mid"),
        },
        "hangup" => Incoming::Hangup {
            session_id,
            sender: r.u64(v, "sender"),
            reason: r.opt_str(v, "reason"),
        },
        "detached" => Incoming::Detached { session_id, sender: r.u64(v, "sender") },
        "timeout" => Incoming::Timeout { session_id },
        _ => Incoming::Other,
    };
    match r.bad.get() {
        // An unknown kind's fields are not ours to judge (serde ignores them).
        Some(key) if !matches!(frame, Incoming::Other) => Err(bad(key)),
        _ => Ok(frame),
    }
}

// ---- encoding ---------------------------------------------------------------

fn set_num(o: &Object, key: &str, n: u64) {
    // Ids are below 2^53 (Janus's own limit), so a double is exact.
    super::js::set_num(o, key, n as f64);
}

fn set_list<T>(o: &Object, key: &str, items: &[T], f: fn(&T) -> Object) {
    let list = Array::new();
    for item in items {
        list.push(&f(item));
    }
    set(o, key, &list);
}

fn stream_feed_js(s: &StreamFeed) -> Object {
    let o = Object::new();
    set_num(&o, "feed", s.feed);
    set_opt(&o, "mid", &s.mid);
    o
}

fn stream_config_js(s: &StreamConfig) -> Object {
    let o = Object::new();
    set_str(&o, "mid", &s.mid);
    if let Some(n) = s.substream {
        set_num(&o, "substream", n.into());
    }
    if let Some(n) = s.temporal {
        set_num(&o, "temporal", n.into());
    }
    if let Some(b) = s.send {
        super::js::set_bool(&o, "send", b);
    }
    o
}

fn description_js(d: &StreamDescription) -> Object {
    let o = Object::new();
    set_str(&o, "mid", &d.mid);
    set_str(&o, "description", &d.description);
    o
}

fn join_js(o: &Object, j: &Join) {
    set_str(
        o,
        "ptype",
        match j.ptype {
            Ptype::Publisher => "publisher",
            Ptype::Subscriber => "subscriber",
        },
    );
    set_num(o, "room", j.room);
    set_opt(o, "display", &j.display);
    if !j.streams.is_empty() {
        set_list(o, "streams", &j.streams, stream_feed_js);
    }
    if let Some(id) = j.private_id {
        set_num(o, "private_id", id);
    }
}

fn body_js(b: &Body) -> Result<Object, WebError> {
    let o = Object::new();
    set_str(&o, "request", b.name());
    match b {
        Body::Join(j) => join_js(&o, j),
        Body::Configure(c) => {
            if !c.streams.is_empty() {
                set_list(&o, "streams", &c.streams, stream_config_js);
            }
            if !c.descriptions.is_empty() {
                set_list(&o, "descriptions", &c.descriptions, description_js);
            }
            if let Some(b) = c.restart {
                set(&o, "restart", &JsValue::from_bool(b));
            }
        }
        Body::Subscribe { streams } | Body::Unsubscribe { streams } => {
            set_list(&o, "streams", streams, stream_feed_js)
        }
        Body::Start {} | Body::Unpublish {} | Body::Leave {} => {}
        _ => return Err(WebError::Protocol("unsupported VideoRoom request".into())),
    }
    Ok(o)
}

fn jsep_js(j: &Jsep) -> Object {
    let o = Object::new();
    set_str(&o, "type", j.sdp_type.as_str());
    set_str(&o, "sdp", &j.sdp);
    set_opt(&o, "rid_order", &j.rid_order);
    o
}

/// Serializes one request (keys in proto's serde order).
pub fn encode(request: &Request) -> Result<String, WebError> {
    let o = Object::new();
    let head = |kind: &str, transaction: &str| {
        set_str(&o, "janus", kind);
        set_str(&o, "transaction", transaction);
    };
    match request {
        Request::Create { transaction } => head("create", transaction),
        Request::Claim { transaction, session_id }
        | Request::Keepalive { transaction, session_id }
        | Request::Destroy { transaction, session_id } => {
            head(request.name(), transaction);
            set_num(&o, "session_id", *session_id);
        }
        Request::Attach { transaction, session_id, plugin } => {
            head("attach", transaction);
            set_num(&o, "session_id", *session_id);
            set_str(&o, "plugin", plugin);
        }
        Request::Detach { transaction, session_id, handle_id } => {
            head("detach", transaction);
            set_num(&o, "session_id", *session_id);
            set_num(&o, "handle_id", *handle_id);
        }
        Request::Message { transaction, session_id, handle_id, body, jsep } => {
            head("message", transaction);
            set_num(&o, "session_id", *session_id);
            set_num(&o, "handle_id", *handle_id);
            set(&o, "body", body_js(body)?.as_ref());
            if let Some(j) = jsep {
                set(&o, "jsep", &jsep_js(j));
            }
        }
        Request::Trickle { transaction, session_id, handle_id, candidate } => {
            head("trickle", transaction);
            set_num(&o, "session_id", *session_id);
            set_num(&o, "handle_id", *handle_id);
            let c = Object::new();
            match candidate {
                TrickleCandidate::Candidate(cand) => set_candidate(&c, cand),
                TrickleCandidate::Completed { completed } => {
                    super::js::set_bool(&c, "completed", *completed)
                }
            }
            set(&o, "candidate", &c);
        }
        _ => return Err(WebError::Protocol("unsupported Janus request".into())),
    }
    JSON::stringify(&o)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| WebError::Protocol("request is not serializable".into()))
}
