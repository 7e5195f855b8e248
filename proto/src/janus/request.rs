//! What the SDK sends to Janus.

use crate::{Candidate, SdpType};
use serde::{Deserialize, Serialize};

/// One request frame. Every request carries a `transaction` that Janus
/// echoes in its reply (`success`, `ack`, `error`, or the plugin's `event`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "janus", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Request {
    /// A new session; `success` carries its id in `data.id`.
    Create {
        transaction: String,
    },
    /// Take over an existing session from another (dropped) transport.
    Claim {
        transaction: String,
        session_id: u64,
    },
    /// Resets the session's idle timer (Janus: 60 s by default).
    Keepalive {
        transaction: String,
        session_id: u64,
    },
    /// Ends the session: Janus detaches every handle.
    Destroy {
        transaction: String,
        session_id: u64,
    },
    /// A handle on a plugin; `success` carries its id in `data.id`.
    Attach {
        transaction: String,
        session_id: u64,
        plugin: String,
    },
    Detach {
        transaction: String,
        session_id: u64,
        handle_id: u64,
    },
    /// A plugin request, with a session description when one goes along.
    Message {
        transaction: String,
        session_id: u64,
        handle_id: u64,
        body: Body,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jsep: Option<Jsep>,
    },
    /// One local ICE candidate, or `{"completed": true}`.
    Trickle {
        transaction: String,
        session_id: u64,
        handle_id: u64,
        candidate: TrickleCandidate,
    },
}

impl Request {
    pub fn transaction(&self) -> &str {
        match self {
            Request::Create { transaction }
            | Request::Claim { transaction, .. }
            | Request::Keepalive { transaction, .. }
            | Request::Destroy { transaction, .. }
            | Request::Attach { transaction, .. }
            | Request::Detach { transaction, .. }
            | Request::Message { transaction, .. }
            | Request::Trickle { transaction, .. } => transaction,
        }
    }

    /// The request's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Create { .. } => "create",
            Request::Claim { .. } => "claim",
            Request::Keepalive { .. } => "keepalive",
            Request::Destroy { .. } => "destroy",
            Request::Attach { .. } => "attach",
            Request::Detach { .. } => "detach",
            Request::Message { body, .. } => body.name(),
            Request::Trickle { .. } => "trickle",
        }
    }
}

/// A session description as Janus carries it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Jsep {
    #[serde(rename = "type")]
    pub sdp_type: SdpType,
    pub sdp: String,
    /// Simulcast rids' order in the offer: `"lmh"` when the encodings are
    /// listed low to high. Janus assumes `"hml"` (first rid = highest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid_order: Option<String>,
}

/// A trickled candidate (either direction).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum TrickleCandidate {
    Candidate(Candidate),
    /// End of candidates: `{"completed": true}`.
    Completed {
        completed: bool,
    },
}

/// A VideoRoom request (`body`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "request", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Body {
    Join(Join),
    /// Publisher: publish with the offer in `jsep`. Subscriber: change
    /// what a stream receives (`streams: [{mid, substream}]`).
    Configure(Configure),
    /// Subscriber: the answer to Janus's offer goes along in `jsep`.
    Start {},
    /// Subscriber (multistream): add feeds to an existing subscription.
    Subscribe {
        streams: Vec<StreamFeed>,
    },
    Unsubscribe {
        streams: Vec<StreamFeed>,
    },
    Unpublish {},
    Leave {},
}

impl Body {
    pub fn name(&self) -> &'static str {
        match self {
            Body::Join(_) => "join",
            Body::Configure(_) => "configure",
            Body::Start {} => "start",
            Body::Subscribe { .. } => "subscribe",
            Body::Unsubscribe { .. } => "unsubscribe",
            Body::Unpublish {} => "unpublish",
            Body::Leave {} => "leave",
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Ptype {
    Publisher,
    Subscriber,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub ptype: Ptype,
    pub room: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Subscriber: the feeds (and optionally which of their streams).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<StreamFeed>,
    /// Subscriber: the publisher's `private_id`, tying the two handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<u64>,
}

/// A feed (publisher id), or one of its streams by the publisher's mid.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct StreamFeed {
    pub feed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Configure {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<StreamConfig>,
    /// Publisher: a text per published stream (by its mid), relayed to the
    /// others in the publisher list (Janus ≥ 1.0); SDP-less, it updates them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<StreamDescription>,
    /// Subscriber: ask for an ICE-restart offer (our path to Janus was lost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
}

/// Publisher: the text Janus relays with one published stream.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct StreamDescription {
    pub mid: String,
    pub description: String,
}

/// Subscriber: what one of its streams (by our mid) should receive.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    pub mid: String,
    /// Simulcast layer, 0 (lowest) to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substream: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<u8>,
    /// `false` pauses the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
}
