//! Janus frames ⇄ JSON text through the browser's `JSON` and `Reflect`, as
//! `codec.rs` does for rtcroom frames. Hand-written rather than serde: the
//! derives of `proto::janus` (internally tagged and untagged enums, which
//! buffer through serde's `Content`) cost the bundle tens of KB. The shapes
//! and leniency are proto's serde derives' (unknown fields ignored, `null`
//! is an absent optional, unknown `"janus"` kinds are `Other`); tests/wasm
//! checks this codec against serde on every frame kind.

use super::codec::string as req_string;
use super::codec::{array, bad, candidate, get, opt_string, set, set_candidate, set_opt, set_str};
use super::error::WebError;
use js_sys::{Array, Object, JSON};
use rtcroom_proto::janus::{
    Body, ErrorBody, FeedRef, IdData, Incoming, Join, Jsep, PluginData, Ptype, Publisher,
    PublisherStream, Request, StreamConfig, StreamFeed, StreamKind, SubscriberStream,
    TrickleCandidate, VideoRoomData,
};
use rtcroom_proto::SdpType;
use wasm_bindgen::JsValue;

// ---- decoding ---------------------------------------------------------------

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// A non-negative integer no larger than `max` (JSON numbers are doubles;
/// Janus keeps its ids below 2^53 for JavaScript's sake).
fn opt_int(o: &JsValue, key: &str, max: f64) -> Result<Option<u64>, WebError> {
    let v = get(o, key);
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if (0.0..=max).contains(&n) && n.fract() == 0.0 => Ok(Some(n as u64)),
        _ => Err(bad(key)),
    }
}

const U53: f64 = 9_007_199_254_740_991.0;

fn opt_u64(o: &JsValue, key: &str) -> Result<Option<u64>, WebError> {
    opt_int(o, key, U53)
}

fn u64_of(o: &JsValue, key: &str) -> Result<u64, WebError> {
    opt_u64(o, key)?.ok_or_else(|| bad(key))
}

fn opt_u16(o: &JsValue, key: &str) -> Result<Option<u16>, WebError> {
    Ok(opt_int(o, key, f64::from(u16::MAX))?.map(|n| n as u16))
}

fn opt_u8(o: &JsValue, key: &str) -> Result<Option<u8>, WebError> {
    Ok(opt_int(o, key, f64::from(u8::MAX))?.map(|n| n as u8))
}

fn opt_bool(o: &JsValue, key: &str) -> Result<Option<bool>, WebError> {
    let v = get(o, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| bad(key))
}

fn bool_of(o: &JsValue, key: &str) -> Result<bool, WebError> {
    opt_bool(o, key)?.ok_or_else(|| bad(key))
}

/// An object-valued field (`None` when absent).
fn opt_object(o: &JsValue, key: &str) -> Result<Option<JsValue>, WebError> {
    let v = get(o, key);
    if absent(&v) {
        Ok(None)
    } else if v.is_object() && !Array::is_array(&v) {
        Ok(Some(v))
    } else {
        Err(bad(key))
    }
}

fn object(o: &JsValue, key: &str) -> Result<JsValue, WebError> {
    opt_object(o, key)?.ok_or_else(|| bad(key))
}

/// A list of objects decoded by `f` (`None` when absent).
fn opt_list<T>(
    o: &JsValue,
    key: &str,
    f: fn(&JsValue) -> Result<T, WebError>,
) -> Result<Option<Vec<T>>, WebError> {
    if absent(&get(o, key)) {
        return Ok(None);
    }
    array(o, key)?.iter().map(|e| f(&e)).collect::<Result<_, _>>().map(Some)
}

fn stream_kind(o: &JsValue) -> Result<StreamKind, WebError> {
    Ok(match req_string(o, "type")?.as_str() {
        "audio" => StreamKind::Audio,
        "video" => StreamKind::Video,
        "data" => StreamKind::Data,
        _ => StreamKind::Other,
    })
}

fn publisher_stream(v: &JsValue) -> Result<PublisherStream, WebError> {
    Ok(PublisherStream {
        kind: stream_kind(v)?,
        mid: req_string(v, "mid")?,
        codec: opt_string(v, "codec")?,
        simulcast: opt_bool(v, "simulcast")?,
        disabled: opt_bool(v, "disabled")?,
    })
}

fn publisher(v: &JsValue) -> Result<Publisher, WebError> {
    Ok(Publisher {
        id: u64_of(v, "id")?,
        display: opt_string(v, "display")?,
        streams: opt_list(v, "streams", publisher_stream)?.unwrap_or_default(),
    })
}

fn subscriber_stream(v: &JsValue) -> Result<SubscriberStream, WebError> {
    Ok(SubscriberStream {
        kind: stream_kind(v)?,
        mid: req_string(v, "mid")?,
        active: opt_bool(v, "active")?,
        feed_id: opt_u64(v, "feed_id")?,
        feed_mid: opt_string(v, "feed_mid")?,
        feed_display: opt_string(v, "feed_display")?,
    })
}

fn feed_ref(o: &JsValue, key: &str) -> Result<Option<FeedRef>, WebError> {
    let v = get(o, key);
    if absent(&v) {
        return Ok(None);
    }
    if let Some(s) = v.as_string() {
        return Ok(Some(FeedRef::Ok(s)));
    }
    Ok(opt_u64(o, key)?.map(FeedRef::Id))
}

fn videoroom_data(v: &JsValue) -> Result<VideoRoomData, WebError> {
    Ok(VideoRoomData {
        videoroom: opt_string(v, "videoroom")?,
        room: opt_u64(v, "room")?,
        id: opt_u64(v, "id")?,
        private_id: opt_u64(v, "private_id")?,
        publishers: opt_list(v, "publishers", publisher)?,
        unpublished: feed_ref(v, "unpublished")?,
        leaving: feed_ref(v, "leaving")?,
        configured: opt_string(v, "configured")?,
        started: opt_string(v, "started")?,
        mid: opt_string(v, "mid")?,
        substream: opt_u8(v, "substream")?,
        temporal: opt_u8(v, "temporal")?,
        streams: opt_list(v, "streams", subscriber_stream)?,
        error_code: opt_u16(v, "error_code")?,
        error: opt_string(v, "error")?,
    })
}

fn plugin_data(v: &JsValue) -> Result<PluginData, WebError> {
    Ok(PluginData { plugin: req_string(v, "plugin")?, data: videoroom_data(&object(v, "data")?)? })
}

fn jsep(v: &JsValue) -> Result<Jsep, WebError> {
    Ok(Jsep {
        sdp_type: SdpType::parse(&req_string(v, "type")?).ok_or_else(|| bad("type"))?,
        sdp: req_string(v, "sdp")?,
        rid_order: opt_string(v, "rid_order")?,
    })
}

/// A candidate, or `{"completed": true}` (serde's untagged order: a
/// candidate first).
fn trickle_candidate(v: &JsValue) -> Result<TrickleCandidate, WebError> {
    match candidate(v) {
        Ok(c) => Ok(TrickleCandidate::Candidate(c)),
        Err(_) => Ok(TrickleCandidate::Completed { completed: bool_of(v, "completed")? }),
    }
}

/// Parses one frame Janus sent.
pub fn decode(text: &str) -> Result<Incoming, WebError> {
    let v = JSON::parse(text).map_err(|_| WebError::Protocol("frame is not JSON".into()))?;
    if !v.is_object() || Array::is_array(&v) {
        return Err(WebError::Protocol("frame is not an object".into()));
    }
    let v = &v;
    let session_id = || opt_u64(v, "session_id");
    let transaction = || opt_string(v, "transaction");
    let sender = || u64_of(v, "sender");
    Ok(match req_string(v, "janus")?.as_str() {
        "success" => Incoming::Success {
            transaction: transaction()?,
            session_id: session_id()?,
            sender: opt_u64(v, "sender")?,
            data: match opt_object(v, "data")? {
                Some(d) => Some(IdData { id: u64_of(&d, "id")? }),
                None => None,
            },
            plugindata: opt_object(v, "plugindata")?.map(|p| plugin_data(&p)).transpose()?,
        },
        "ack" => Incoming::Ack { transaction: transaction()?, session_id: session_id()? },
        "error" => {
            let e = object(v, "error")?;
            Incoming::Error {
                transaction: transaction()?,
                session_id: session_id()?,
                error: ErrorBody {
                    code: opt_u16(&e, "code")?.ok_or_else(|| bad("code"))?,
                    reason: opt_string(&e, "reason")?.unwrap_or_default(),
                },
            }
        }
        "event" => Incoming::Event {
            transaction: transaction()?,
            session_id: session_id()?,
            sender: sender()?,
            plugindata: plugin_data(&object(v, "plugindata")?)?,
            jsep: opt_object(v, "jsep")?.map(|j| jsep(&j)).transpose()?,
        },
        "trickle" => Incoming::Trickle {
            session_id: session_id()?,
            sender: sender()?,
            candidate: trickle_candidate(&object(v, "candidate")?)?,
        },
        "webrtcup" => Incoming::Webrtcup { session_id: session_id()?, sender: sender()? },
        "media" => Incoming::Media {
            session_id: session_id()?,
            sender: sender()?,
            kind: req_string(v, "type")?,
            receiving: bool_of(v, "receiving")?,
            mid: opt_string(v, "mid")?,
        },
        "slowlink" => Incoming::Slowlink {
            session_id: session_id()?,
            sender: sender()?,
            uplink: bool_of(v, "uplink")?,
            lost: opt_u64(v, "lost")?.unwrap_or(0),
            mid: opt_string(v, "mid")?,
        },
        "hangup" => Incoming::Hangup {
            session_id: session_id()?,
            sender: sender()?,
            reason: opt_string(v, "reason")?,
        },
        "detached" => Incoming::Detached { session_id: session_id()?, sender: sender()? },
        "timeout" => Incoming::Timeout { session_id: session_id()? },
        _ => Incoming::Other,
    })
}

// ---- encoding ---------------------------------------------------------------

fn set_num(o: &Object, key: &str, n: u64) {
    // Ids are below 2^53 (Janus's own limit), so a double is exact.
    set(o, key, &JsValue::from_f64(n as f64));
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
        set(&o, "send", &JsValue::from_bool(b));
    }
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
                    set(&c, "completed", &JsValue::from_bool(*completed))
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
