//! One `RTCPeerConnection` (plus its negotiated data channel) per remote
//! participant: executes core commands, reports browser events.

use super::error::{dom_error, WebError};
use super::guard::Listener;
use super::js;
use super::reader::{absent, Reader};
use super::sys;
use crate::core::{
    Channel as ChannelKind, ConnectionState, Description, EncodingParams, IceConnectionState, OpId,
    OpResult, Payload, PcCommand, PeerInput, SdpType, SenderId, SignalingState, TrackKind,
    LOW_WATER,
};
use rtcroom_proto::IceServer;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcDataChannel, RtcDataChannelInit,
    RtcIceCandidateInit, RtcIceServer, RtcPeerConnection, RtcRtpSender, RtcRtpTransceiverInit,
    RtcSessionDescriptionInit,
};

/// What a peer connection reports to its room.
pub enum PeerSignal {
    Input(PeerInput),
    /// A description operation (`setLocalDescription`,
    /// `setRemoteDescription`, rollback) completed: the only completions
    /// after which the senders' mids can have changed.
    Described(PeerInput),
    Track {
        track: MediaStreamTrack,
        stream: MediaStream,
        mid: Option<String>,
    },
    /// An asynchronous call failed without ending anything.
    Warning(WebError),
}

pub type PeerSink = Rc<dyn Fn(PeerSignal)>;

pub struct PeerConn {
    pc: RtcPeerConnection,
    /// The data channels (reliable, lossy), shared with the `datachannel`
    /// listener that fills them in on the side that does not create them.
    channels: Rc<RefCell<Vec<(ChannelKind, Channel)>>>,
    /// Channels opened by the far side that are not ours (SFU: Janus's).
    _relayed: Rc<RefCell<Vec<Channel>>>,
    sink: PeerSink,
    /// Our senders, by the core's ids, with the transceivers of those
    /// `add_transceiver` made (SFU rooms).
    senders: Vec<(SenderId, RtcRtpSender, Option<web_sys::RtcRtpTransceiver>)>,
    _listeners: Vec<Listener>,
}

struct Channel {
    dc: RtcDataChannel,
    _listeners: Vec<Listener>,
}

/// The connection's configuration; `setConfiguration` gets the same shape
/// (a `bundlePolicy` other than the constructor's would be refused).
fn configuration(ice_servers: &[IceServer], relay_only: bool) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    let servers = js_sys::Array::new();
    for s in ice_servers {
        let server = RtcIceServer::new();
        let urls = js_sys::Array::new();
        for u in &s.urls {
            urls.push(&JsValue::from(u.as_str()));
        }
        js::set(&server, "urls", &urls);
        if let Some(u) = &s.username {
            js::set_str(&server, "username", u);
        }
        if let Some(c) = &s.credential {
            js::set_str(&server, "credential", c);
        }
        servers.push(&server);
    }
    js::set(&config, "iceServers", &servers);
    if relay_only {
        js::set_str(&config, "iceTransportPolicy", "relay");
    }
    // One transport from the first offer on: with the default
    // (`balanced`) the first offer gathers for each of its audio, video
    // and data m-sections until the answer accepts BUNDLE — three times
    // the candidates to signal, apply and check during setup. Every
    // endpoint rtcroom talks to (browsers, Janus) does BUNDLE.
    js::set_str(&config, "bundlePolicy", "max-bundle");
    config
}

impl PeerConn {
    /// A connection as `RoomOutput::CreatePeer` describes it.
    pub fn new(
        ice_servers: &[IceServer],
        relay_only: bool,
        data_channel: bool,
        receive: &[TrackKind],
        sink: PeerSink,
    ) -> Result<Self, WebError> {
        let config = configuration(ice_servers, relay_only);
        let pc = RtcPeerConnection::new_with_configuration(&config)
            .map_err(|e| WebError::browser(&e))?;
        // The side that does not create the channels gets them from
        // `datachannel` (the core has one side create them; see CreatePeer).
        let channels: Rc<RefCell<Vec<(ChannelKind, Channel)>>> = Rc::default();
        let mut listeners = listen(&pc, sink.clone());
        for kind in receive {
            let init = RtcRtpTransceiverInit::new();
            js::set_str(&init, "direction", "recvonly");
            sys::add_transceiver(&pc, kind.as_str(), &init)?;
        }
        let relayed: Rc<RefCell<Vec<Channel>>> = Rc::default();
        let (slot, s, relayed_slot) = (channels.clone(), sink.clone(), relayed.clone());
        listeners.push(Listener::new(&pc, "datachannel", move |e| {
            // The event's channel, by `Reflect` (no event type import).
            let Ok(dc) = js::get(&e, "channel").dyn_into::<RtcDataChannel>() else {
                return;
            };
            let Some(kind) = ChannelKind::from_label(&js::text(&dc, "label").unwrap_or_default())
            else {
                keep_relayed(&relayed_slot, dc, &s);
                return;
            };
            let open = js::text(&dc, "readyState").as_deref() == Some("open");
            let ch = Channel::new(dc, kind, s.clone());
            // A browser callback runs with no borrow of ours: it cannot fail.
            let _ = put_channel(&slot, kind, ch);
            if open {
                s(PeerSignal::Input(PeerInput::ChannelOpen(kind)));
            }
        }));
        let conn = PeerConn {
            pc,
            channels,
            _relayed: relayed,
            sink,
            senders: Vec::new(),
            _listeners: listeners,
        };
        if data_channel {
            conn.create_channel(ChannelKind::Reliable)?;
            conn.create_channel(ChannelKind::Lossy)?;
            conn.create_channel(ChannelKind::Keepalive)?;
        }
        Ok(conn)
    }

    fn create_channel(&self, kind: ChannelKind) -> Result<(), WebError> {
        let init = RtcDataChannelInit::new();
        if kind != ChannelKind::Reliable {
            // State that is stale by the next message: never wait for it.
            js::set_bool(&init, "ordered", false);
            js::set_num(&init, "maxRetransmits", 0.0);
        } else {
            js::set_bool(&init, "ordered", true);
        }
        let dc = sys::create_data_channel(&self.pc, kind.label(), &init)?;
        let ch = Channel::new(dc, kind, self.sink.clone());
        put_channel(&self.channels, kind, ch)
    }

    pub fn connection(&self) -> &RtcPeerConnection {
        &self.pc
    }

    /// Calls the browser method now (so the operations chain keeps the
    /// core's order) and reports the promise's outcome later.
    pub fn execute(&self, cmd: PcCommand) -> Result<(), WebError> {
        let sink = &self.sink;
        match cmd {
            PcCommand::SetLocalDescription { op } => {
                let promise = sys::set_local_description_implicit(&self.pc)?;
                complete(op, promise, Some(self.pc.clone()), true, sink.clone());
            }
            PcCommand::SetRemoteDescription { op, description } => {
                let init = description_init(description.sdp_type.as_str());
                js::set_str(&init, "sdp", &description.sdp);
                complete(op, self.pc.set_remote_description(&init), None, true, sink.clone());
            }
            PcCommand::Rollback { op } => {
                let init = description_init("rollback");
                complete(op, self.pc.set_local_description(&init), None, true, sink.clone());
            }
            PcCommand::AddIceCandidate { op, candidate } => {
                // An empty candidate line is end-of-candidates.
                let init: RtcIceCandidateInit = js::object().unchecked_into();
                js::set_str(&init, "candidate", candidate.as_ref().map_or("", |c| &c.candidate));
                if let Some(c) = candidate {
                    js::set_str_or_null(&init, "sdpMid", c.sdp_mid.as_deref());
                    js::set_num_or_null(&init, "sdpMLineIndex", c.sdp_m_line_index.map(f64::from));
                    if let Some(u) = &c.username_fragment {
                        js::set_str(&init, "usernameFragment", u);
                    }
                }
                let promise =
                    self.pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init));
                complete(op, promise, None, false, sink.clone());
            }
            PcCommand::RestartIce => sys::restart_ice(&self.pc)?,
            PcCommand::SendData { data, channel } => {
                let chs = self.channels.try_borrow().map_err(|_| WebError::Reentrant)?;
                let ch = channel_of(&chs, channel).ok_or(crate::core::CoreError::PeerClosed)?;
                match &data {
                    Payload::Text(t) => ch.dc.send_with_str(t),
                    Payload::Binary(b) => ch.dc.send_with_u8_array(b),
                }
                .map_err(|e| WebError::browser(&e))?
            }
            PcCommand::CreateChannel { channel } => self.create_channel(channel)?,
            PcCommand::SendKeyFrames => super::key_frames::send_key_frames(&self.pc),
            #[cfg(feature = "sfu")]
            PcCommand::RestartLayer(layer) => {
                super::key_frames::restart_layer(&self.pc, &layer.mid, layer.rid)
            }
            // Never in the mesh build (the command is uninhabited there).
            #[cfg(not(feature = "sfu"))]
            PcCommand::RestartLayer(_) => {}
            PcCommand::SetIceServers { ice_servers, relay_only } => self
                .pc
                .set_configuration_with_configuration(&configuration(&ice_servers, relay_only))
                .map_err(|e| WebError::browser(&e))?,
            PcCommand::GetStats => {
                let sink = sink.clone();
                sys::settled(self.pc.get_stats(), move |result| {
                    if let Ok(report) = result {
                        let snapshot = super::stats::snapshot(&report);
                        sink(PeerSignal::Input(PeerInput::Stats(snapshot)));
                    }
                });
            }
        }
        Ok(())
    }

    /// `addTransceiver(track, {direction, streams: [stream], sendEncodings})`
    /// (`RoomOutput::AddTransceiver` of SFU rooms: `sendonly`); its sender
    /// is `id` from now on.
    pub fn add_transceiver(
        &mut self,
        id: SenderId,
        track: &MediaStreamTrack,
        stream: &MediaStream,
        encodings: &[EncodingParams],
        direction: &str,
    ) -> Result<(), WebError> {
        let init = super::encodings::transceiver_init(direction, stream, encodings);
        let transceiver = sys::add_transceiver_with_track(&self.pc, track, &init)?;
        self.put_sender(id, transceiver.sender(), Some(transceiver));
        Ok(())
    }

    /// `RoomOutput::SetSending`: transceiver `id` `sendonly` or `inactive`.
    #[cfg(feature = "sfu")]
    pub fn set_sending(&self, id: SenderId, sending: bool) {
        if let Some((_, _, Some(t))) = self.senders.iter().find(|(s, ..)| *s == id) {
            js::set_str(t, "direction", if sending { "sendonly" } else { "inactive" });
        }
    }

    /// A new sender as `RoomOutput::AddTrack` says (`addTransceiver` with
    /// `sendEncodings`, or `addTrack` then the encodings); it is `id` from
    /// now on.
    pub fn add_track(
        &mut self,
        id: SenderId,
        track: &MediaStreamTrack,
        stream: &MediaStream,
        encodings: &[EncodingParams],
        transceiver: bool,
    ) -> Result<(), WebError> {
        if transceiver {
            return self.add_transceiver(id, track, stream, encodings, "sendrecv");
        }
        let sender = sys::add_track(&self.pc, track, stream)?;
        if !encodings.is_empty() {
            super::encodings::apply(&sender, encodings, &self.sink)?;
        }
        self.put_sender(id, sender, None);
        Ok(())
    }

    /// `SetEncodings` on sender `id`.
    pub fn set_encodings(
        &self,
        id: SenderId,
        encodings: &[EncodingParams],
    ) -> Result<(), WebError> {
        match self.sender(id) {
            Some(sender) => super::encodings::apply(sender, encodings, &self.sink),
            None => Ok(()),
        }
    }

    /// `replaceTrack` on sender `id`, then (with a track) `setStreams`:
    /// the transceiver keeps its direction, so this renegotiates only when
    /// the stream changed. A rejected `replaceTrack` (a closed connection)
    /// is reported as a warning.
    pub fn replace_track(
        &mut self,
        id: SenderId,
        media: Option<(&MediaStreamTrack, &MediaStream)>,
    ) -> Result<(), WebError> {
        let Some(sender) = self.sender(id) else { return Ok(()) };
        warn_if_rejected(sender.replace_track(media.map(|m| m.0)), &self.sink);
        match media {
            Some((_, stream)) => sys::set_streams(sender, stream),
            None => Ok(()),
        }
    }
}

impl PeerConn {
    /// The `mid` of each of our senders that has one (negotiated).
    pub fn sender_mids(&self) -> Vec<(SenderId, String)> {
        let transceivers = self.pc.get_transceivers();
        // Plain loops: less code than a `filter_map`/`find`/`collect` chain.
        let mut mids = Vec::new();
        for (id, sender, _) in &self.senders {
            // `getTransceivers()` holds transceivers only: their fields
            // by `Reflect` (no instanceof and getter imports).
            for t in transceivers.iter() {
                if js::get(&t, "sender") == *AsRef::<JsValue>::as_ref(sender) {
                    if let Some(mid) = js::text(&t, "mid") {
                        mids.push((*id, mid));
                    }
                    break;
                }
            }
        }
        mids
    }

    fn sender(&self, id: SenderId) -> Option<&RtcRtpSender> {
        self.senders.iter().find(|(s, ..)| *s == id).map(|(_, sender, _)| sender)
    }

    /// `sender` is `id` from now on (it replaces a previous one).
    fn put_sender(
        &mut self,
        id: SenderId,
        sender: RtcRtpSender,
        transceiver: Option<web_sys::RtcRtpTransceiver>,
    ) {
        // In place: the mids the core gets stay in the senders' order.
        match self.senders.iter_mut().find(|(s, ..)| *s == id) {
            Some(entry) => *entry = (id, sender, transceiver),
            None => self.senders.push((id, sender, transceiver)),
        }
    }

    /// The reliable channel's `bufferedAmount` (back-pressure for the core).
    pub fn buffered_amount(&self) -> Option<u64> {
        let chs = self.channels.try_borrow().ok()?;
        channel_of(&chs, ChannelKind::Reliable).map(|c| u64::from(c.dc.buffered_amount()))
    }
}

/// The open channel of `kind`, if any.
fn channel_of(chs: &[(ChannelKind, Channel)], kind: ChannelKind) -> Option<&Channel> {
    chs.iter().find(|(k, _)| *k == kind).map(|(_, c)| c)
}

/// `ch` is the channel of `kind` from now on (a previous one is dropped).
fn put_channel(
    chs: &RefCell<Vec<(ChannelKind, Channel)>>,
    kind: ChannelKind,
    ch: Channel,
) -> Result<(), WebError> {
    let mut chs = chs.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
    chs.retain(|(k, _)| *k != kind);
    chs.push((kind, ch));
    Ok(())
}

impl Drop for PeerConn {
    fn drop(&mut self) {
        if let Ok(mut chs) = self.channels.try_borrow_mut() {
            for (_, ch) in std::mem::take(&mut *chs) {
                ch.dc.close();
            }
        }
        self.pc.close();
    }
}

fn complete(
    op: OpId,
    promise: js_sys::Promise,
    read_local: Option<RtcPeerConnection>,
    describes: bool,
    sink: PeerSink,
) {
    sys::settled(promise, move |result| {
        let result = match result {
            // Read right at resolution: no other operation can have
            // completed in between.
            Ok(_) => OpResult::Ok { local: read_local.and_then(|pc| local_description(&pc)) },
            Err(e) => {
                let (name, message) = dom_error(&e);
                OpResult::Err { name, message }
            }
        };
        let input = PeerInput::OpCompleted { op, result };
        sink(if describes { PeerSignal::Described(input) } else { PeerSignal::Input(input) });
    });
}

/// A rejected call that ends nothing (`replaceTrack`, `setParameters`)
/// is reported as a warning.
pub(super) fn warn_if_rejected(promise: js_sys::Promise, sink: &PeerSink) {
    let sink = sink.clone();
    sys::settled(promise, move |result| {
        if let Err(e) = result {
            sink(PeerSignal::Warning(WebError::browser(&e)));
        }
    });
}

fn local_description(pc: &RtcPeerConnection) -> Option<Description> {
    let d = js::get(pc, "localDescription");
    if absent(&d) {
        return None;
    }
    let sdp_type = js::text(&d, "type").as_deref().and_then(SdpType::parse);
    let sdp = js::text(&d, "sdp").unwrap_or_default();
    Some(Description { sdp_type: sdp_type.unwrap_or(SdpType::Rollback), sdp })
}

/// A description's init dictionary of `type` (`offer`, …, `rollback`):
/// set by `Reflect`, as every dictionary here (a web-sys setter is one more
/// import and glue function each).
fn description_init(sdp_type: &str) -> RtcSessionDescriptionInit {
    let init: RtcSessionDescriptionInit = js::object().unchecked_into();
    js::set_str(&init, "type", sdp_type);
    init
}

/// SFU rooms: Janus relays each publisher's data on a channel labelled
/// with its id; it is kept (with its listener) for the connection's life.
#[cfg(feature = "sfu")]
fn keep_relayed(slot: &RefCell<Vec<Channel>>, dc: RtcDataChannel, sink: &PeerSink) {
    if let Ok(mut r) = slot.try_borrow_mut() {
        r.push(Channel::relayed(dc, sink.clone()));
    }
}

/// Mesh-only builds: no server relays channels (a mesh peer's channel with
/// another label is not ours and is dropped).
#[cfg(not(feature = "sfu"))]
fn keep_relayed(_slot: &RefCell<Vec<Channel>>, _dc: RtcDataChannel, _sink: &PeerSink) {}

impl Channel {
    /// A channel the far side opened under its own label: each message is
    /// reported with that label.
    #[cfg(feature = "sfu")]
    fn relayed(dc: RtcDataChannel, sink: PeerSink) -> Self {
        js::set_str(&dc, "binaryType", "arraybuffer");
        let label = js::text(&dc, "label").unwrap_or_default();
        let listener = Listener::new(&dc, "message", move |e| {
            if let Some(data) = payload(&js::get(&e, "data")) {
                let label = label.clone();
                sink(PeerSignal::Input(PeerInput::RelayedMessage { label, data }));
            }
        });
        Channel { dc, _listeners: vec![listener] }
    }

    fn new(dc: RtcDataChannel, kind: ChannelKind, sink: PeerSink) -> Self {
        js::set_str(&dc, "binaryType", "arraybuffer");
        js::set_num(&dc, "bufferedAmountLowThreshold", LOW_WATER as f64);
        let s = sink.clone();
        let mut v = vec![Listener::new(&dc, "open", move |_| {
            s(PeerSignal::Input(PeerInput::ChannelOpen(kind)))
        })];
        let s = sink.clone();
        v.push(Listener::new(&dc, "close", move |_| {
            s(PeerSignal::Input(PeerInput::ChannelClosed(kind)))
        }));
        let (s, d) = (sink.clone(), dc.clone());
        v.push(Listener::new(&dc, "bufferedamountlow", move |_| {
            s(PeerSignal::Input(PeerInput::ChannelBuffered(u64::from(d.buffered_amount()))))
        }));
        v.push(Listener::new(&dc, "message", move |e| {
            if kind == ChannelKind::Keepalive {
                return; // it did its job by arriving
            }
            let Some(payload) = payload(&js::get(&e, "data")) else {
                return;
            };
            sink(PeerSignal::Input(PeerInput::ChannelMessage(payload)));
        }));
        Channel { dc, _listeners: v }
    }
}

fn listen(pc: &RtcPeerConnection, sink: PeerSink) -> Vec<Listener> {
    let input =
        |sink: &PeerSink, f: fn(&RtcPeerConnection) -> PeerInput, pc: &RtcPeerConnection| {
            let (sink, pc) = (sink.clone(), pc.clone());
            move |_| sink(PeerSignal::Input(f(&pc)))
        };
    let mut v = vec![
        Listener::new(pc, "negotiationneeded", input(&sink, |_| PeerInput::NegotiationNeeded, pc)),
        Listener::new(
            pc,
            "signalingstatechange",
            input(&sink, |pc| PeerInput::SignalingState(signaling_state(pc)), pc),
        ),
        Listener::new(
            pc,
            "iceconnectionstatechange",
            input(&sink, |pc| PeerInput::IceConnectionState(ice_state(pc)), pc),
        ),
        Listener::new(
            pc,
            "connectionstatechange",
            input(&sink, |pc| PeerInput::ConnectionState(connection_state(pc)), pc),
        ),
    ];
    let s = sink.clone();
    v.push(Listener::new(pc, "icecandidate", move |e| {
        // The event's `RTCIceCandidate` (null: end of candidates) read by
        // the signaling codec's candidate reader: the same four fields, no
        // getter import each.
        let c = js::get(&e, "candidate");
        let c = (!absent(&c)).then(|| super::codec::candidate(&Reader::default(), &c));
        s(PeerSignal::Input(PeerInput::LocalCandidate(c)));
    }));
    v.push(Listener::new(pc, "track", move |e| {
        // The event's fields by `Reflect` (no event type and getter imports).
        let Ok(track) = js::get(&e, "track").dyn_into::<MediaStreamTrack>() else {
            return;
        };
        let streams = js::get(&e, "streams");
        let stream = js::get(&streams, "0").dyn_into::<MediaStream>().ok().or_else(|| {
            // A sender without a stream: give the app one anyway.
            let tracks = js_sys::Array::of1(&track);
            MediaStream::new_with_tracks(&tracks).ok()
        });
        let mid = js::get(&js::get(&e, "transceiver"), "mid").as_string();
        if let Some(stream) = stream {
            sink(PeerSignal::Track { track, stream, mid });
        }
    }));
    v
}

fn signaling_state(pc: &RtcPeerConnection) -> SignalingState {
    use web_sys::RtcSignalingState as S;
    match pc.signaling_state() {
        S::Stable => SignalingState::Stable,
        S::HaveLocalOffer => SignalingState::HaveLocalOffer,
        S::HaveRemoteOffer => SignalingState::HaveRemoteOffer,
        S::HaveLocalPranswer => SignalingState::HaveLocalPranswer,
        S::HaveRemotePranswer => SignalingState::HaveRemotePranswer,
        _ => SignalingState::Closed,
    }
}

fn ice_state(pc: &RtcPeerConnection) -> IceConnectionState {
    use web_sys::RtcIceConnectionState as S;
    match pc.ice_connection_state() {
        S::New => IceConnectionState::New,
        S::Checking => IceConnectionState::Checking,
        S::Connected => IceConnectionState::Connected,
        S::Completed => IceConnectionState::Completed,
        S::Disconnected => IceConnectionState::Disconnected,
        S::Failed => IceConnectionState::Failed,
        _ => IceConnectionState::Closed,
    }
}

fn connection_state(pc: &RtcPeerConnection) -> ConnectionState {
    use web_sys::RtcPeerConnectionState as S;
    match pc.connection_state() {
        S::New => ConnectionState::New,
        S::Connecting => ConnectionState::Connecting,
        S::Connected => ConnectionState::Connected,
        S::Disconnected => ConnectionState::Disconnected,
        S::Failed => ConnectionState::Failed,
        _ => ConnectionState::Closed,
    }
}

/// A message event's data as the core's payload (text, or an ArrayBuffer).
fn payload(data: &JsValue) -> Option<Payload> {
    match data.as_string() {
        Some(text) => Some(Payload::Text(text)),
        None => data
            .dyn_ref::<js_sys::ArrayBuffer>()
            .map(|buf| Payload::Binary(js_sys::Uint8Array::new(buf).to_vec())),
    }
}
