//! What Janus sends: replies to requests and asynchronous events.

use super::request::{Jsep, TrickleCandidate};
use serde::{Deserialize, Serialize};

/// One frame from Janus, tagged by `"janus"`. `transaction` matches a
/// request; `sender` is the handle an event is about.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "janus", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Incoming {
    /// A request succeeded: `data.id` for `create`/`attach`, `plugindata`
    /// for a synchronous plugin request.
    Success {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<IdData>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plugindata: Option<PluginData>,
    },
    /// An asynchronous request was accepted (its `event` follows), or a
    /// `keepalive`/`trickle` was received.
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
    },
    /// The Janus core refused a request.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        error: ErrorBody,
    },
    /// A plugin event: the reply to an asynchronous request (same
    /// `transaction`) or unsolicited (none).
    Event {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
        plugindata: PluginData,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jsep: Option<Jsep>,
    },
    /// A candidate of Janus's side of the handle's connection.
    Trickle {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
        candidate: TrickleCandidate,
    },
    /// The handle's PeerConnection is up (ICE and DTLS).
    Webrtcup {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
    },
    /// Janus started or stopped receiving a medium.
    Media {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
        #[serde(rename = "type")]
        kind: String,
        receiving: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid: Option<String>,
    },
    /// Many NACKs on the handle's connection.
    Slowlink {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
        uplink: bool,
        #[serde(default)]
        lost: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid: Option<String>,
    },
    /// The handle's PeerConnection is gone.
    Hangup {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The handle is gone.
    Detached {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
        sender: u64,
    },
    /// The session expired (no request within Janus's session timeout).
    Timeout {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<u64>,
    },
    /// Any other kind (`server_info`, `trickle` acks of other transports…).
    #[serde(other)]
    Other,
}

impl Incoming {
    /// The session the frame belongs to, when it says.
    pub fn session_id(&self) -> Option<u64> {
        match self {
            Incoming::Success { session_id, .. }
            | Incoming::Ack { session_id, .. }
            | Incoming::Error { session_id, .. }
            | Incoming::Event { session_id, .. }
            | Incoming::Trickle { session_id, .. }
            | Incoming::Webrtcup { session_id, .. }
            | Incoming::Media { session_id, .. }
            | Incoming::Slowlink { session_id, .. }
            | Incoming::Hangup { session_id, .. }
            | Incoming::Detached { session_id, .. }
            | Incoming::Timeout { session_id } => *session_id,
            Incoming::Other => None,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IdData {
    pub id: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: u16,
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PluginData {
    pub plugin: String,
    pub data: VideoRoomData,
}

/// The VideoRoom's `plugindata.data`: one struct for every kind
/// (`videoroom` says which), because Janus mixes fields freely (an `event`
/// may carry `publishers`, `unpublished`, `leaving`, `configured`,
/// `started`, `substream` or `error_code`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoRoomData {
    /// `joined`, `event`, `attached`, `updated`, `updating`, `destroyed`,
    /// `talking`, … (absent on some plugin errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub videoroom: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<u64>,
    /// `joined`: our publisher id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<u64>,
    /// Active publishers (`joined`) or newly active ones (`event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishers: Option<Vec<Publisher>>,
    /// `joined`, in a room with `notify_joining`: who is in the room
    /// without media (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<Publisher>>,
    /// `event`, in a room with `notify_joining`: someone joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joining: Option<Publisher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished: Option<FeedRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaving: Option<FeedRef>,
    /// A participant a moderator removed (`kick`), told to the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kicked: Option<FeedRef>,
    /// Why: `"kicked"` with `leaving: "ok"` when it is us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// Subscriber: the stream (our mid) a `substream`/`temporal` report is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substream: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<u8>,
    /// Subscriber (`attached`, `updated`): what each of our mids carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<SubscriberStream>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A publisher id, or `"ok"` when the event is about ourselves.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum FeedRef {
    Id(u64),
    Ok(String),
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Audio,
    Video,
    Data,
    #[serde(other)]
    Other,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<PublisherStream>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PublisherStream {
    #[serde(rename = "type")]
    pub kind: StreamKind,
    pub mid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulcast: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// The publisher's text for this stream (`descriptions` of its publish
    /// or configure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SubscriberStream {
    #[serde(rename = "type")]
    pub kind: StreamKind,
    pub mid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_display: Option<String>,
}
