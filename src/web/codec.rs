//! Signaling frames ⇄ JSON text through the browser's own `JSON` and
//! `Reflect`. Hand-written rather than serde: serde's internally tagged enums
//! cost the bundle ~100 KB of code. The shapes are proto's (README,
//! `proto/vectors/frames.json`); tests/wasm checks this codec against serde
//! on those vectors.

use super::error::WebError;
use super::reader::{absent, Reader};
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

/// A list that may be absent (`null` too): empty then.
fn opt_list<T>(
    r: &Reader,
    o: &JsValue,
    key: &'static str,
    f: fn(&Reader, &JsValue) -> T,
) -> Vec<T> {
    r.opt_list(o, key, f).unwrap_or_default()
}

/// A metadata object (`{ key: string }`); absent (or `null`) is empty.
fn meta(r: &Reader, o: &JsValue, key: &'static str) -> Meta {
    let v = get(o, key);
    let mut meta = Meta::new();
    if absent(&v) {
        return meta;
    }
    let Some(obj) = wasm_bindgen::JsCast::dyn_ref::<Object>(&v) else { return r.fail(key) };
    for entry in Object::entries(obj).iter() {
        let pair = Array::from(&entry);
        match (pair.get(0).as_string(), pair.get(1).as_string()) {
            (Some(k), Some(val)) => meta.insert(k, val),
            _ => return r.fail(key),
        };
    }
    meta
}

fn peer(r: &Reader, v: &JsValue) -> PeerInfo {
    PeerInfo { id: r.str(v, "id"), name: r.opt_str(v, "name"), meta: meta(r, v, "meta") }
}

fn url(r: &Reader, u: &JsValue) -> String {
    u.as_string().unwrap_or_else(|| r.fail("urls"))
}

fn ice_server(r: &Reader, v: &JsValue) -> IceServer {
    IceServer {
        urls: match get(v, "urls").as_string() {
            Some(one) => vec![one],
            None => r.list(v, "urls", url),
        },
        username: r.opt_str(v, "username"),
        credential: r.opt_str(v, "credential"),
    }
}

/// A grant that is absent (or not a boolean) is granted, as in proto.
fn grants(v: &JsValue) -> Grants {
    let flag = |key: &str| get(v, key).as_bool().unwrap_or(true);
    if absent(v) {
        return Grants::default();
    }
    Grants {
        can_publish: flag("canPublish"),
        can_subscribe: flag("canSubscribe"),
        can_publish_data: flag("canPublishData"),
    }
}

pub(super) fn candidate(r: &Reader, v: &JsValue) -> Candidate {
    Candidate {
        // Checked before the other fields, as the serde derive.
        sdp_m_line_index: r.opt_u16(v, "sdpMLineIndex"),
        candidate: r.str(v, "candidate"),
        sdp_mid: r.opt_str(v, "sdpMid"),
        username_fragment: r.opt_str(v, "usernameFragment"),
    }
}

fn track_info(r: &Reader, v: &JsValue) -> TrackInfo {
    TrackInfo {
        stream: r.str(v, "stream"),
        kind: TrackKind::parse(&r.str(v, "kind")).unwrap_or_else(|| {
            r.fail::<()>("kind");
            TrackKind::Video
        }),
        source: TrackSource::parse(&r.str(v, "source")).unwrap_or_else(|| {
            r.fail::<()>("source");
            TrackSource::Camera
        }),
        id: r.opt_str(v, "id"),
        mid: r.opt_str(v, "mid"),
        muted: get(v, "muted").as_bool().unwrap_or(false),
    }
}

/// `None`: a kind this client does not know (from a newer client), ignored.
fn signal_data(r: &Reader, v: &JsValue) -> Option<SignalData> {
    Some(match r.str(v, "kind").as_str() {
        "description" => SignalData::Description {
            sdp_type: SdpType::parse(&r.str(v, "type")).unwrap_or_else(|| {
                r.fail::<()>("type");
                SdpType::Offer
            }),
            sdp: r.str(v, "sdp"),
        },
        "candidate" => SignalData::Candidate(candidate(r, v)),
        "end-of-candidates" => {
            SignalData::EndOfCandidates { ufrag: r.opt_str(v, "usernameFragment") }
        }
        "tracks" => SignalData::Tracks { tracks: r.list(v, "tracks", track_info) },
        "restart-ice" => SignalData::RestartIce,
        _ => return None,
    })
}

/// Parses one server frame. `Ok(None)`: a frame type or signal kind this
/// client does not know (a newer server or client), to be ignored.
pub fn decode_server(text: &str) -> Result<Option<ServerMessage<SignalData>>, WebError> {
    let v = JSON::parse(text).map_err(|_| WebError::Protocol("frame is not JSON".into()))?;
    let r = Reader::default();
    let v = &v;
    let frame = match r.str(v, "type").as_str() {
        "welcome" => Some(ServerMessage::Welcome {
            id: r.str(v, "id"),
            session: r.str(v, "session"),
            peers: r.list(v, "peers", peer),
            ice_servers: opt_list(&r, v, "iceServers", ice_server),
            resumed: get(v, "resumed").as_bool().unwrap_or(false),
            resume_grace_ms: get(v, "resumeGraceMs").as_f64().map_or(0, |n| n.max(0.0) as u64),
            grants: grants(&get(v, "grants")),
        }),
        "peer-joined" => Some(ServerMessage::PeerJoined { peer: peer(&r, &get(v, "peer")) }),
        "peer-updated" => Some(ServerMessage::PeerUpdated { peer: peer(&r, &get(v, "peer")) }),
        "peer-left" => Some(ServerMessage::PeerLeft {
            id: r.str(v, "id"),
            reason: LeaveReason::parse(&r.str(v, "reason")).unwrap_or(LeaveReason::Disconnected),
        }),
        // An unknown signal kind: the frame is ignored, `from` unread.
        "signal" => signal_data(&r, &get(v, "data"))
            .map(|data| ServerMessage::Signal { from: r.str(v, "from"), data }),
        "error" => {
            let code = r.str(v, "code");
            let message = r.str(v, "message");
            Some(match ErrorCode::parse(&code) {
                Some(code) => ServerMessage::Error { code, message },
                // A code from a newer server: keep its text.
                None => ServerMessage::Error {
                    code: ErrorCode::InvalidFrame,
                    message: code + ": " + &message,
                },
            })
        }
        "pong" => Some(ServerMessage::Pong),
        _ => None,
    };
    match r.error() {
        Some(e) => Err(e),
        None => Ok(frame),
    }
}

/// A metadata object (`{ key: string }`) as the app passes it.
pub fn meta_of(v: &JsValue) -> Result<Meta, WebError> {
    let wrapper = Object::new();
    set(&wrapper, "meta", v);
    let r = Reader::default();
    let meta = meta(&r, &wrapper, "meta");
    match r.error() {
        Some(e) => Err(WebError::InvalidArgument(e.message())),
        None => Ok(meta),
    }
}

/// `Room.join`'s options object.
pub fn join_options(v: &JsValue) -> Result<super::JoinOptions, WebError> {
    if !v.is_object() {
        return Err(WebError::InvalidArgument("options must be an object".into()));
    }
    let r = Reader::default();
    let timeout = get(v, "joinTimeoutMs");
    let join_timeout_ms = if absent(&timeout) {
        None
    } else {
        match timeout.as_f64().filter(|ms| (0.0..=f64::from(u32::MAX)).contains(ms)) {
            Some(ms) => Some(ms as u32),
            None => r.fail("joinTimeoutMs"),
        }
    };
    let sfu = r.opt_str(v, "sfu");
    // A Janus VideoRoom is a number (an rtcroom room is a name).
    let room = match (sfu.is_some(), get(v, "room").as_f64()) {
        (true, Some(n)) if n >= 0.0 && n.fract() == 0.0 => crate::core::text::dec(n as u64),
        _ => r.opt_str(v, "room").unwrap_or_default(),
    };
    let name = r.opt_str(v, "name");
    let meta = meta(&r, v, "meta");
    let ice_servers = opt_list(&r, v, "iceServers", ice_server);
    let token = r.opt_str(v, "token");
    let relay_only = match r.opt_str(v, "iceTransportPolicy").as_deref() {
        None | Some("all") => false,
        Some("relay") => true,
        // Refused as soon as read, as any earlier field would have been.
        Some(_) if r.bad.get().is_none() => {
            return Err(WebError::InvalidArgument(
                "iceTransportPolicy must be 'all' or 'relay'".into(),
            ))
        }
        Some(_) => false,
    };
    let adaptive_bitrate = r.opt_bool(v, "adaptiveBitrate");
    if let Some(e) = r.error() {
        return Err(WebError::InvalidArgument(e.message()));
    }
    Ok(super::JoinOptions {
        room,
        sfu,
        name,
        meta,
        ice_servers,
        join_timeout_ms,
        token,
        relay_only,
        adaptive_bitrate,
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
