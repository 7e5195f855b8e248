//! Signaling frames ⇄ JSON text through the browser's own `JSON` and
//! `Reflect`. Hand-written rather than serde: serde's internally tagged enums
//! cost the bundle ~100 KB of code. The shapes are proto's (README,
//! `proto/vectors/frames.json`); tests/wasm checks this codec against serde
//! on those vectors.

use super::error::WebError;
use js_sys::{Array, Object, JSON};
use rtcroom_proto::{
    Candidate, ClientMessage, ErrorCode, Grants, IceServer, LeaveReason, Meta, PeerInfo, SdpType,
    ServerMessage, SignalData, TrackInfo, TrackKind, TrackSource,
};
use wasm_bindgen::JsValue;

// ---- decoding ---------------------------------------------------------------

pub(super) fn bad(field: &str) -> WebError {
    WebError::Protocol("field \"".to_string() + field + "\" is missing or has the wrong type")
}

pub(super) use super::js::get;

pub(super) fn string(o: &JsValue, key: &str) -> Result<String, WebError> {
    get(o, key).as_string().ok_or_else(|| bad(key))
}

pub(super) fn opt_string(o: &JsValue, key: &str) -> Result<Option<String>, WebError> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| bad(key))
}

pub(super) fn array(o: &JsValue, key: &str) -> Result<Array, WebError> {
    let v = get(o, key);
    if Array::is_array(&v) {
        Ok(Array::from(&v))
    } else {
        Err(bad(key))
    }
}

fn opt_array(o: &JsValue, key: &str) -> Result<Array, WebError> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(Array::new());
    }
    array(o, key)
}

/// Decodes every element; the first failure fails the list. A loop rather
/// than `collect::<Result<..>>()`, whose adapter is more code per element type.
fn each<T>(a: Array, f: impl Fn(&JsValue) -> Result<T, WebError>) -> Result<Vec<T>, WebError> {
    let mut out = Vec::with_capacity(a.length() as usize);
    for v in a.iter() {
        out.push(f(&v)?);
    }
    Ok(out)
}

fn meta(o: &JsValue, key: &str) -> Result<Meta, WebError> {
    let v = get(o, key);
    let mut meta = Meta::new();
    if v.is_undefined() || v.is_null() {
        return Ok(meta);
    }
    let obj: &Object = wasm_bindgen::JsCast::dyn_ref(&v).ok_or_else(|| bad(key))?;
    for entry in Object::entries(obj).iter() {
        let pair = Array::from(&entry);
        let (k, val) = (pair.get(0).as_string(), pair.get(1).as_string());
        match (k, val) {
            (Some(k), Some(val)) => meta.insert(k, val),
            _ => return Err(bad(key)),
        };
    }
    Ok(meta)
}

fn peer(v: &JsValue) -> Result<PeerInfo, WebError> {
    Ok(PeerInfo { id: string(v, "id")?, name: opt_string(v, "name")?, meta: meta(v, "meta")? })
}

fn ice_server(v: &JsValue) -> Result<IceServer, WebError> {
    let urls = get(v, "urls");
    let urls = match urls.as_string() {
        Some(one) => vec![one],
        None => each(array(v, "urls")?, |u| u.as_string().ok_or_else(|| bad("urls")))?,
    };
    Ok(IceServer {
        urls,
        username: opt_string(v, "username")?,
        credential: opt_string(v, "credential")?,
    })
}

/// A grant that is absent (or not a boolean) is granted, as in proto.
fn grants(v: &JsValue) -> Grants {
    let flag = |key: &str| get(v, key).as_bool().unwrap_or(true);
    if v.is_undefined() || v.is_null() {
        return Grants::default();
    }
    Grants {
        can_publish: flag("canPublish"),
        can_subscribe: flag("canSubscribe"),
        can_publish_data: flag("canPublishData"),
    }
}

pub(super) fn candidate(v: &JsValue) -> Result<Candidate, WebError> {
    let index = get(v, "sdpMLineIndex");
    let sdp_m_line_index = if index.is_undefined() || index.is_null() {
        None
    } else {
        let n = index.as_f64().ok_or_else(|| bad("sdpMLineIndex"))?;
        if !(0.0..=f64::from(u16::MAX)).contains(&n) || n.fract() != 0.0 {
            return Err(bad("sdpMLineIndex"));
        }
        Some(n as u16)
    };
    Ok(Candidate {
        candidate: string(v, "candidate")?,
        sdp_mid: opt_string(v, "sdpMid")?,
        sdp_m_line_index,
        username_fragment: opt_string(v, "usernameFragment")?,
    })
}

fn track_info(v: &JsValue) -> Result<TrackInfo, WebError> {
    Ok(TrackInfo {
        stream: string(v, "stream")?,
        kind: TrackKind::parse(&string(v, "kind")?).ok_or_else(|| bad("kind"))?,
        source: TrackSource::parse(&string(v, "source")?).ok_or_else(|| bad("source"))?,
        id: opt_string(v, "id")?,
        mid: opt_string(v, "mid")?,
        muted: get(v, "muted").as_bool().unwrap_or(false),
    })
}

/// `None`: a kind this client does not know (from a newer client), ignored.
fn signal_data(v: &JsValue) -> Result<Option<SignalData>, WebError> {
    Ok(Some(match string(v, "kind")?.as_str() {
        "description" => SignalData::Description {
            sdp_type: SdpType::parse(&string(v, "type")?).ok_or_else(|| bad("type"))?,
            sdp: string(v, "sdp")?,
        },
        "candidate" => SignalData::Candidate(candidate(v)?),
        "end-of-candidates" => {
            SignalData::EndOfCandidates { ufrag: opt_string(v, "usernameFragment")? }
        }
        "tracks" => SignalData::Tracks { tracks: each(array(v, "tracks")?, track_info)? },
        "restart-ice" => SignalData::RestartIce,
        _ => return Ok(None),
    }))
}

/// Parses one server frame. `Ok(None)`: a frame type or signal kind this
/// client does not know (a newer server or client), to be ignored.
pub fn decode_server(text: &str) -> Result<Option<ServerMessage<SignalData>>, WebError> {
    let v = JSON::parse(text).map_err(|_| WebError::Protocol("frame is not JSON".into()))?;
    Ok(Some(match string(&v, "type")?.as_str() {
        "welcome" => ServerMessage::Welcome {
            id: string(&v, "id")?,
            session: string(&v, "session")?,
            peers: each(array(&v, "peers")?, peer)?,
            ice_servers: each(opt_array(&v, "iceServers")?, ice_server)?,
            resumed: get(&v, "resumed").as_bool().unwrap_or(false),
            resume_grace_ms: get(&v, "resumeGraceMs").as_f64().map_or(0, |n| n.max(0.0) as u64),
            grants: grants(&get(&v, "grants")),
        },
        "peer-joined" => ServerMessage::PeerJoined { peer: peer(&get(&v, "peer"))? },
        "peer-updated" => ServerMessage::PeerUpdated { peer: peer(&get(&v, "peer"))? },
        "peer-left" => ServerMessage::PeerLeft {
            id: string(&v, "id")?,
            reason: LeaveReason::parse(&string(&v, "reason")?).unwrap_or(LeaveReason::Disconnected),
        },
        "signal" => match signal_data(&get(&v, "data"))? {
            Some(data) => ServerMessage::Signal { from: string(&v, "from")?, data },
            None => return Ok(None),
        },
        "error" => {
            let code = string(&v, "code")?;
            let message = string(&v, "message")?;
            match ErrorCode::parse(&code) {
                Some(code) => ServerMessage::Error { code, message },
                // A code from a newer server: keep its text.
                None => ServerMessage::Error {
                    code: ErrorCode::InvalidFrame,
                    message: code + ": " + &message,
                },
            }
        }
        "pong" => ServerMessage::Pong,
        _ => return Ok(None),
    }))
}

/// `Room.join`'s options object.
/// A metadata object (`{ key: string }`) as the app passes it.
pub fn meta_of(v: &JsValue) -> Result<Meta, WebError> {
    let wrapper = Object::new();
    set(&wrapper, "meta", v);
    meta(&wrapper, "meta").map_err(|e| WebError::InvalidArgument(e.message()))
}

pub fn join_options(v: &JsValue) -> Result<super::JoinOptions, WebError> {
    if !v.is_object() {
        return Err(WebError::InvalidArgument("options must be an object".into()));
    }
    let invalid = |e: WebError| WebError::InvalidArgument(e.message());
    let timeout = get(v, "joinTimeoutMs");
    let join_timeout_ms = if timeout.is_undefined() || timeout.is_null() {
        None
    } else {
        let ms = timeout.as_f64().filter(|ms| (0.0..=f64::from(u32::MAX)).contains(ms));
        Some(ms.ok_or_else(|| bad("joinTimeoutMs")).map_err(invalid)? as u32)
    };
    let sfu = opt_string(v, "sfu").map_err(invalid)?;
    Ok(super::JoinOptions {
        // A Janus VideoRoom is a number (an rtcroom room is a name).
        room: match (sfu.is_some(), get(v, "room").as_f64()) {
            (true, Some(n)) if n >= 0.0 && n.fract() == 0.0 => crate::core::text::dec(n as u64),
            _ => opt_string(v, "room").map_err(invalid)?.unwrap_or_default(),
        },
        sfu,
        name: opt_string(v, "name").map_err(invalid)?,
        meta: meta(v, "meta").map_err(invalid)?,
        ice_servers: opt_array(v, "iceServers")
            .and_then(|a| each(a, ice_server))
            .map_err(invalid)?,
        join_timeout_ms,
        token: opt_string(v, "token").map_err(invalid)?,
        relay_only: match opt_string(v, "iceTransportPolicy").map_err(invalid)?.as_deref() {
            None | Some("all") => false,
            Some("relay") => true,
            Some(_) => {
                return Err(WebError::InvalidArgument(
                    "iceTransportPolicy must be 'all' or 'relay'".into(),
                ))
            }
        },
        adaptive_bitrate: {
            let abr = get(v, "adaptiveBitrate");
            if abr.is_undefined() || abr.is_null() {
                None
            } else {
                Some(abr.as_bool().ok_or_else(|| bad("adaptiveBitrate")).map_err(invalid)?)
            }
        },
    })
}

// ---- encoding ---------------------------------------------------------------

pub(super) use super::js::{set, set_str};

pub(super) fn set_opt(o: &Object, key: &str, v: &Option<String>) {
    if let Some(v) = v {
        set_str(o, key, v);
    }
}

/// A candidate's fields (shared with the Janus codec's `trickle`).
pub(super) fn set_candidate(o: &Object, c: &Candidate) {
    set_str(o, "candidate", &c.candidate);
    set_opt(o, "sdpMid", &c.sdp_mid);
    if let Some(i) = c.sdp_m_line_index {
        super::js::set_num(o, "sdpMLineIndex", f64::from(i));
    }
    set_opt(o, "usernameFragment", &c.username_fragment);
}

/// A metadata map as a plain object (`{ key: string }`).
pub(super) fn meta_js(meta: &Meta) -> Object {
    let o = Object::new();
    for (k, v) in meta {
        set_str(&o, k, v);
    }
    o
}

fn signal_data_js(d: &SignalData) -> Result<Object, WebError> {
    let o = Object::new();
    match d {
        SignalData::Description { sdp_type, sdp } => {
            set_str(&o, "kind", "description");
            set_str(&o, "type", sdp_type.as_str());
            set_str(&o, "sdp", sdp);
        }
        SignalData::Candidate(c) => {
            set_str(&o, "kind", "candidate");
            set_candidate(&o, c);
        }
        SignalData::EndOfCandidates { ufrag } => {
            set_str(&o, "kind", "end-of-candidates");
            set_opt(&o, "usernameFragment", ufrag);
        }
        SignalData::Tracks { tracks } => {
            set_str(&o, "kind", "tracks");
            let list = Array::new();
            for t in tracks {
                let e = Object::new();
                set_str(&e, "stream", &t.stream);
                set_str(&e, "kind", t.kind.as_str());
                set_str(&e, "source", t.source.as_str());
                set_opt(&e, "id", &t.id);
                set_opt(&e, "mid", &t.mid);
                if t.muted {
                    super::js::set_bool(&e, "muted", true);
                }
                list.push(&e);
            }
            set(&o, "tracks", &list);
        }
        SignalData::RestartIce => set_str(&o, "kind", "restart-ice"),
        _ => return Err(WebError::Protocol("unsupported signal kind".into())),
    }
    Ok(o)
}

/// Serializes one client frame.
pub fn encode_client(frame: &ClientMessage<SignalData>) -> Result<String, WebError> {
    let o = Object::new();
    match frame {
        ClientMessage::Join { room, name, token, meta, resume } => {
            set_str(&o, "type", "join");
            set_str(&o, "room", room);
            set_opt(&o, "name", name);
            set_opt(&o, "token", token);
            set_opt(&o, "resume", resume);
            if !meta.is_empty() {
                set(&o, "meta", &meta_js(meta));
            }
        }
        ClientMessage::Signal { to, data } => {
            set_str(&o, "type", "signal");
            set_str(&o, "to", to);
            set(&o, "data", signal_data_js(data)?.as_ref());
        }
        ClientMessage::Update { meta } => {
            set_str(&o, "type", "update");
            set(&o, "meta", &meta_js(meta));
        }
        ClientMessage::Leave => set_str(&o, "type", "leave"),
        ClientMessage::Ping => set_str(&o, "type", "ping"),
        _ => return Err(WebError::Protocol("unsupported frame".into())),
    }
    JSON::stringify(&o)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| WebError::Protocol("frame is not serializable".into()))
}
