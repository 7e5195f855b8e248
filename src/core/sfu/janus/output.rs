//! What the Janus machine asks of its driver, and what it tells the room.

use super::error::JanusError;
use crate::core::room::session::SocketId;
use crate::core::types::{Candidate, Description};
use rtcroom_proto::janus::{PublisherStream, Request, StreamKind};

/// Which of the two connections (and Janus handles) a output is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Our media to Janus (we offer, Janus answers).
    Publisher,
    /// Our screen share: a publisher of its own (its own handle and feed,
    /// attached and joined on first use), so it is subscribed to, switched
    /// and capped apart from the camera.
    Screen,
    /// Everyone else's media from Janus (Janus offers, we answer).
    Subscriber,
}

/// Order of the simulcast encodings in the publisher's offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RidOrder {
    /// Listed low to high (`"lmh"`), as the core's simulcast plan lists them.
    LowToHigh,
    /// Listed high to low (`"hml"`, Janus's default assumption).
    HighToLow,
}

impl RidOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            RidOrder::LowToHigh => "lmh",
            RidOrder::HighToLow => "hml",
        }
    }
}

/// One stream of our subscription: our `mid` carries `feed`'s `feed_mid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribedStream {
    pub mid: String,
    pub kind: StreamKind,
    pub feed: Option<u64>,
    pub feed_mid: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JanusOutput {
    /// Open a WebSocket to Janus with subprotocol `janus-protocol`.
    Connect(SocketId),
    Disconnect(SocketId),
    /// Send this frame on the open socket.
    Send(Request),
    /// `setRemoteDescription` on the role's connection: Janus's answer
    /// (publisher) or offer (subscriber).
    ApplyRemoteDescription {
        role: Role,
        description: Description,
    },
    /// `addIceCandidate` (`None`: end of candidates), after the description.
    AddRemoteCandidate {
        role: Role,
        candidate: Option<Candidate>,
    },
    /// Publisher: create an offer and call `publish` (after a new session
    /// replaced a lost one). Subscriber: create the answer to the offer just
    /// applied and call `answer`.
    LocalDescriptionNeeded {
        role: Role,
    },
    Event(JanusEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JanusEvent {
    /// In the room as a publisher (also after a new session replaced a lost
    /// one).
    Joined {
        id: u64,
    },
    /// A publisher with media is in the room.
    PublisherJoined {
        id: u64,
        display: Option<String>,
        streams: Vec<PublisherStream>,
    },
    /// A publisher already announced changed what it sends or describes
    /// (a renegotiation, or an SDP-less `configure` with `descriptions`).
    PublisherUpdated {
        id: u64,
        streams: Vec<PublisherStream>,
    },
    /// Our screen handle joined the room as a publisher (feed `id`): its
    /// offer may go (`publish` with [`Role::Screen`]).
    ScreenReady {
        id: u64,
    },
    /// It unpublished or left.
    PublisherLeft {
        id: u64,
    },
    /// The room tells who joins and leaves even without media
    /// (`notify_joining`): a participant is in it until Janus says it left,
    /// whatever it publishes.
    JoinsNotified,
    /// Someone without media is in the room (`notify_joining`): listed when
    /// we joined, or joining now.
    AttendeeJoined {
        id: u64,
        display: Option<String>,
    },
    /// Someone left the room (Janus's `leaving`), with media or without.
    AttendeeLeft {
        id: u64,
    },
    /// Janus answered our publish offer.
    Published,
    /// What our subscription carries now (the full list, by our mid).
    Subscribed {
        streams: Vec<SubscribedStream>,
    },
    /// Janus reports `substream` flowing on `mid`.
    SubstreamChanged {
        mid: String,
        substream: u8,
    },
    /// A switch on our subscriber `mid` is likely to wait for the
    /// publisher's key-frame interval (see `switch`): the publisher, if it
    /// is an rtcroom one, may be asked for the key frame directly.
    KeyFrameWanted {
        mid: String,
        substream: u8,
    },
    /// A requested switch never got its confirming event.
    SwitchFailed {
        mid: String,
        substream: u8,
        error: JanusError,
    },
    /// A request that does not end the session failed (publish, subscribe…).
    RequestFailed {
        request: &'static str,
        error: JanusError,
    },
    /// The role's connection to Janus is up (`webrtcup`).
    MediaUp {
        role: Role,
    },
    /// Janus closed the role's connection (`hangup`).
    Hangup {
        role: Role,
        reason: Option<String>,
    },
    /// Janus sees many NACKs on the role's connection.
    SlowLink {
        role: Role,
        uplink: bool,
        lost: u64,
    },
    /// The socket dropped; reconnecting to reclaim the session.
    Reconnecting,
    /// The same session on a new socket: handles and media are unchanged.
    Reclaimed,
    /// The session is gone (claim refused, expired): a new one is being
    /// created and joined; both connections must be rebuilt.
    SessionLost,
    Left,
    /// A moderator removed us from the room (`kick`): the session is over.
    Kicked,
    /// A moderator removed our screen share's feed (`kick` of its id): its
    /// handle is done (a kicked handle cannot join again; the next share
    /// attaches a new one), our main feed stays.
    ScreenKicked,
    Failed {
        reason: JanusError,
    },
}
