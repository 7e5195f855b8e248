//! SFU rooms: a `RoomCore` on a scripted Janus (its frames written as the
//! JSON Janus sends, as in `janus/`), with the two connections' operations
//! completed by the test, in simulated time.

mod adaptive;
mod attendees;
mod bitrate;
mod data;
mod describe;
mod key_frames;
mod mute;
mod path;
mod publish;
mod recovery;
mod screen;
mod stats;
mod subscribe;
mod unpublish;

use crate::janus::{ack, plugin_event, tx, ME, PUB, ROOM, SESSION, SUB};
use rtcroom::core::sfu::room::{PUBLISHER_PEER, SCREEN_PEER, SUBSCRIBER_PEER};
use rtcroom::core::{
    Description, LocalTrack, Millis, OpId, OpResult, PcCommand, PeerInput, RoomConfig, RoomCore,
    RoomEvent, RoomInput, RoomOutput, SdpType, SenderId, SocketId, SourceSize, TrackKind,
    TrackSource,
};
use rtcroom::proto::janus::Incoming;
use serde_json::{json, Value};

/// The session Janus creates after [`Sfu::lose_session`].
pub const SESSION_2: u64 = 4_000_000_002;

pub struct Sfu {
    pub room: RoomCore,
    pub now: Millis,
    pub socket: SocketId,
    /// Janus frames sent, as JSON.
    pub sent: Vec<Value>,
    /// Every other output, in order.
    pub outs: Vec<RoomOutput>,
    /// Generations of the connections the room built, by peer id.
    pub generations: Vec<(String, u32)>,
    /// Events naming a participant the room could not name when they were
    /// polled (as `room_world::Client::unnamed`).
    pub unnamed: Vec<RoomEvent>,
}

impl Sfu {
    pub fn new() -> Sfu {
        Sfu::with_config(RoomConfig::default())
    }

    /// A room with `config` (its name and seed as [`Sfu::new`]'s).
    pub fn with_config(config: RoomConfig) -> Sfu {
        let config = RoomConfig { name: Some("Ada".into()), seed: 7, ..config };
        let mut s = Sfu {
            room: RoomCore::new_sfu(Millis(0), config, ROOM),
            now: Millis(0),
            socket: SocketId(0),
            sent: Vec::new(),
            outs: Vec::new(),
            generations: Vec::new(),
            unnamed: Vec::new(),
        };
        s.drain();
        s
    }

    /// Outputs of the last step (frames also kept in `sent`).
    pub fn drain(&mut self) -> Vec<RoomOutput> {
        let mut step = Vec::new();
        while let Some(o) = self.room.poll_output() {
            match &o {
                RoomOutput::SendSfu(r) => self.sent.push(serde_json::to_value(r).unwrap()),
                RoomOutput::Connect { socket, .. } => self.socket = *socket,
                RoomOutput::CreatePeer { peer, generation, .. } => {
                    self.generations.retain(|(p, _)| p != peer);
                    self.generations.push((peer.clone(), *generation));
                }
                RoomOutput::Event(e) => {
                    let named = crate::room_world::event_participant(e);
                    if named.is_some_and(|p| self.room.participant(p).is_none()) {
                        self.unnamed.push(e.clone());
                    }
                }
                _ => {}
            }
            if !matches!(o, RoomOutput::SendSfu(_)) {
                self.outs.push(o.clone());
            }
            step.push(o);
        }
        step
    }

    pub fn input(&mut self, input: RoomInput) -> Vec<RoomOutput> {
        self.room.handle_input(self.now, input).unwrap();
        self.drain()
    }

    /// Janus sends `v`.
    pub fn recv(&mut self, v: Value) -> Vec<RoomOutput> {
        let msg: Incoming =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        let socket = self.socket;
        self.input(RoomInput::SfuFrame { socket, msg })
    }

    pub fn last_sent(&self) -> Value {
        self.sent.last().cloned().expect("nothing sent")
    }

    /// Runs every timer due up to `now + ms`.
    pub fn advance(&mut self, ms: u64) -> Vec<RoomOutput> {
        let t = self.now.0 + ms;
        let mut all = Vec::new();
        while let Some(d) = self.room.poll_timeout() {
            if d.0 > t {
                break;
            }
            self.now = d;
            self.room.handle_timeout(d);
            all.extend(self.drain());
        }
        self.now = Millis(t);
        all
    }

    pub fn events(&self) -> Vec<RoomEvent> {
        self.outs
            .iter()
            .filter_map(|o| match o {
                RoomOutput::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// The `track-removed` events so far: (participant, track id, source).
    pub fn removed_tracks(&self) -> Vec<(String, String, TrackSource)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                RoomEvent::TrackRemoved { participant, track_id, source, .. } => {
                    Some((participant, track_id, source))
                }
                _ => None,
            })
            .collect()
    }

    /// Joined, with `camera` and a microphone published and negotiated
    /// (mids 0 and 1); returns the camera's sender.
    pub fn publishing_camera_and_microphone(&mut self, camera: LocalTrack) -> SenderId {
        self.room.publish(camera).unwrap();
        self.room.publish(microphone()).unwrap();
        self.drain();
        self.negotiate(PUBLISHER, PUB, &[("cam", "0"), ("mic", "1")]);
        self.sender_of("cam")
    }

    pub fn generation(&self, peer: &str) -> u32 {
        self.generations
            .iter()
            .find(|(p, _)| p == peer)
            .map(|(_, g)| *g)
            .expect("no such connection")
    }

    /// A browser report on one of the two connections.
    pub fn peer(&mut self, peer: &str, input: PeerInput) -> Vec<RoomOutput> {
        let generation = self.generation(peer);
        self.input(RoomInput::Peer { peer: peer.into(), generation, input })
    }

    /// The browser completed `op` on `peer` (with `local` as its
    /// `localDescription`).
    pub fn complete(
        &mut self,
        peer: &str,
        op: OpId,
        local: Option<Description>,
    ) -> Vec<RoomOutput> {
        self.peer(peer, PeerInput::OpCompleted { op, result: OpResult::Ok { local } })
    }

    /// Janus answers a plugin request with `ack`, then its `event`.
    pub fn reply_event(
        &mut self,
        request: &Value,
        sender: u64,
        data: Value,
        jsep: Option<Value>,
    ) -> Vec<RoomOutput> {
        self.recv(ack(request));
        self.recv(plugin_event(Some(request), sender, data, jsep))
    }

    pub fn push_event(&mut self, sender: u64, data: Value, jsep: Option<Value>) -> Vec<RoomOutput> {
        self.recv(plugin_event(None, sender, data, jsep))
    }

    /// In the room (Janus's `joined` lists `publishers`).
    pub fn joined(publishers: Value) -> Sfu {
        Sfu::joined_with(RoomConfig::default(), publishers)
    }

    /// [`Sfu::joined`] with `config`.
    pub fn joined_with(config: RoomConfig, publishers: Value) -> Sfu {
        Sfu::joined_as(
            config,
            json!({"videoroom":"joined","room":ROOM,"id":ME,"private_id":5555,"publishers":publishers}),
        )
    }

    /// In a room that announces joins without media (`notify_joining`):
    /// Janus's `joined` also lists `attendees`.
    pub fn joined_announcing(publishers: Value, attendees: Value) -> Sfu {
        Sfu::joined_as(
            RoomConfig::default(),
            json!({"videoroom":"joined","room":ROOM,"id":ME,"private_id":5555,
                   "publishers":publishers,"attendees":attendees}),
        )
    }

    /// In the room with Janus's `joined` data `joined`.
    fn joined_as(config: RoomConfig, joined: Value) -> Sfu {
        let mut s = Sfu::with_config(config);
        assert_eq!(s.outs, [RoomOutput::Connect { socket: SocketId(1), endpoint: 0 }]);
        s.now = Millis(5);
        s.input(RoomInput::SocketOpened { socket: s.socket });
        let create = s.last_sent();
        assert_eq!(create["janus"], "create");
        s.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION}}));
        let attaches: Vec<Value> = s.sent[1..].to_vec();
        assert_eq!(attaches.len(), 2);
        s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&attaches[0]),"data":{"id":PUB}}));
        s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&attaches[1]),"data":{"id":SUB}}));
        let join = s.last_sent();
        assert_eq!(join["body"]["request"], "join");
        assert_eq!(join["body"]["ptype"], "publisher");
        assert_eq!(join["body"]["display"], "Ada");
        s.reply_event(&join, PUB, joined, None);
        s
    }

    /// The sender the room made for our track `track_id` (its latest).
    pub fn sender_of(&self, track_id: &str) -> SenderId {
        self.outs
            .iter()
            .rev()
            .find_map(|o| match o {
                RoomOutput::AddTransceiver { sender, track, .. } if track.track_id == track_id => {
                    Some(*sender)
                }
                _ => None,
            })
            .expect("no sender for that track")
    }

    /// Completes the offer `peer` was asked for: the browser reports the
    /// senders' `mids` (of our tracks, by track id) then the offer; Janus
    /// answers on `handle` and the answer is applied. Returns the
    /// `configure` that carried the offer.
    pub fn negotiate(&mut self, peer: &str, handle: u64, mids: &[(&str, &str)]) -> Value {
        let sld = self.last_sld(peer).expect("an offer is made");
        let generation = self.generation(peer);
        let mids = mids.iter().map(|(t, m)| (self.sender_of(t), m.to_string())).collect();
        self.input(RoomInput::SenderMids { peer: peer.into(), generation, mids });
        self.complete(peer, sld, Some(offer("v=0 our-offer")));
        let configure = self.last_sent();
        assert_eq!(configure["handle_id"], handle);
        assert_eq!(configure["jsep"]["type"], "offer");
        self.reply_event(
            &configure,
            handle,
            json!({"videoroom":"event","room":ROOM,"configured":"ok"}),
            Some(json!({"type":"answer","sdp":"v=0 janus-answer"})),
        );
        let (srd, _) = self.last_srd(peer).expect("Janus's answer is applied");
        self.complete(peer, srd, None);
        configure
    }

    /// Our screen's handle is attached (as [`SCREEN_HANDLE`]) and joined
    /// (as feed [`MY_SCREEN`]), checking the requests on the way.
    pub fn screen_joined(&mut self) {
        let attach = self.last_sent();
        assert_eq!(attach["janus"], "attach");
        assert_eq!(attach["plugin"], "janus.plugin.videoroom");
        self.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&attach),"data":{"id":SCREEN_HANDLE}}));
        let join = self.last_sent();
        assert_eq!(join["handle_id"], SCREEN_HANDLE);
        assert_eq!(
            join["body"],
            // Marked (a zero-width space): not a participant of its own in
            // rooms that announce joins.
            json!({"request":"join","ptype":"publisher","room":ROOM,"display":"Ada\u{200B}"})
        );
        self.reply_event(
            &join,
            SCREEN_HANDLE,
            json!({"videoroom":"joined","room":ROOM,"id":MY_SCREEN,"private_id":5556,"publishers":[]}),
            None,
        );
    }

    /// A subscriber stream list change: Janus's `updated` with `list`, its
    /// offer answered, and a receiver for each of `new_mids` (track id
    /// `t<mid>`, kind by `list`).
    pub fn resubscribed(&mut self, list: Value, new_mids: &[&str]) {
        self.push_event(
            SUB,
            json!({"videoroom":"updated","room":ROOM,"streams":list.clone()}),
            Some(json!({"type":"offer","sdp":"v=0 janus-offer-2"})),
        );
        let (srd, _) = self.last_srd(SUBSCRIBER_PEER).expect("the offer is applied");
        self.complete(SUBSCRIBER_PEER, srd, None);
        let sld = self.last_sld(SUBSCRIBER_PEER).expect("an answer is made");
        self.complete(SUBSCRIBER_PEER, sld, Some(answer("v=0 our-answer-2")));
        let generation = self.generation(SUBSCRIBER_PEER);
        for mid in new_mids {
            let entry = list
                .as_array()
                .and_then(|l| l.iter().find(|e| e["mid"] == *mid))
                .expect("the mid is in the list");
            let kind = if entry["type"] == "audio" { TrackKind::Audio } else { TrackKind::Video };
            self.input(RoomInput::RemoteTrack {
                peer: SUBSCRIBER_PEER.into(),
                generation,
                track_id: format!("t{mid}"),
                stream_id: Some("janus".into()),
                kind,
                mid: Some(mid.to_string()),
            });
        }
    }

    /// A track of `kind` showing up on the subscriber connection at `mid`
    /// (the browser's `track` event), in its current generation.
    pub fn remote_track(
        &mut self,
        track_id: &str,
        stream_id: Option<&str>,
        kind: TrackKind,
        mid: &str,
    ) {
        let generation = self.generation(SUBSCRIBER_PEER);
        self.input(RoomInput::RemoteTrack {
            peer: SUBSCRIBER_PEER.into(),
            generation,
            track_id: track_id.into(),
            stream_id: stream_id.map(Into::into),
            kind,
            mid: Some(mid.into()),
        });
    }

    /// The socket drops and comes back, and Janus answers the claim with
    /// "No such session" (it restarted, or the session timed out).
    pub fn lose_session(&mut self) {
        let socket = self.socket;
        self.input(RoomInput::SocketClosed { socket });
        let socket = self.socket;
        self.input(RoomInput::SocketOpened { socket });
        let claim = self.last_sent();
        self.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&claim),
            "error":{"code":458,"reason":"No such session"}}));
    }

    /// After [`Sfu::lose_session`]: the new session's setup (session
    /// [`SESSION_2`], handles `PUB + 10` and `SUB + 10`) up to Janus's
    /// `joined`, whose data are `joined` plus `id`, `private_id` and `room`.
    pub fn new_session_joined(&mut self, mut joined: Value) {
        let create = self.last_sent();
        assert_eq!(create["janus"], "create");
        self.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION_2}}));
        let n = self.sent.len();
        let (a1, a2) = (self.sent[n - 2].clone(), self.sent[n - 1].clone());
        self.recv(json!({"janus":"success","session_id":SESSION_2,"transaction":tx(&a1),"data":{"id":PUB + 10}}));
        self.recv(json!({"janus":"success","session_id":SESSION_2,"transaction":tx(&a2),"data":{"id":SUB + 10}}));
        let join = self.last_sent();
        assert_eq!(join["body"]["request"], "join");
        joined["videoroom"] = json!("joined");
        joined["room"] = json!(ROOM);
        joined["id"] = json!(ME);
        joined["private_id"] = json!(6);
        self.recv(
            json!({"janus":"event","session_id":SESSION_2,"transaction":tx(&join),"sender":PUB + 10,
            "plugindata":{"plugin":"janus.plugin.videoroom","data":joined}}),
        );
    }

    /// The connections the room closed, in order.
    pub fn closed(&self) -> Vec<String> {
        self.outs
            .iter()
            .filter_map(|o| match o {
                RoomOutput::ClosePeer { peer } => Some(peer.clone()),
                _ => None,
            })
            .collect()
    }

    /// The `SetLocalDescription` op last asked of `peer`.
    pub fn last_sld(&self, peer: &str) -> Option<OpId> {
        self.outs.iter().rev().find_map(|o| match o {
            RoomOutput::Pc { peer: p, cmd: PcCommand::SetLocalDescription { op } } if p == peer => {
                Some(*op)
            }
            _ => None,
        })
    }

    /// The `SetRemoteDescription` last asked of `peer`.
    pub fn last_srd(&self, peer: &str) -> Option<(OpId, Description)> {
        self.outs.iter().rev().find_map(|o| match o {
            RoomOutput::Pc {
                peer: p,
                cmd: PcCommand::SetRemoteDescription { op, description },
            } if p == peer => Some((*op, description.clone())),
            _ => None,
        })
    }
}

pub fn camera() -> LocalTrack {
    LocalTrack {
        track_id: "cam".into(),
        stream_id: "s".into(),
        kind: TrackKind::Video,
        source: TrackSource::Camera,
        size: Some(SourceSize { width: 1280, height: 720 }),
        device_id: None,
        preset: None,
    }
}

/// A camera the SDK captured (muting it releases the device).
pub fn captured_camera() -> LocalTrack {
    LocalTrack { device_id: Some("dev-1".into()), ..camera() }
}

/// A 1920x1080 screen share (the text preset).
pub fn screen() -> LocalTrack {
    LocalTrack {
        track_id: "scr".into(),
        stream_id: "s2".into(),
        kind: TrackKind::Video,
        source: TrackSource::Screen,
        size: Some(SourceSize { width: 1920, height: 1080 }),
        device_id: None,
        preset: None,
    }
}

pub fn microphone() -> LocalTrack {
    LocalTrack {
        track_id: "mic".into(),
        stream_id: "s".into(),
        kind: TrackKind::Audio,
        source: TrackSource::Microphone,
        size: None,
        device_id: None,
        preset: None,
    }
}

pub fn offer(sdp: &str) -> Description {
    Description { sdp_type: SdpType::Offer, sdp: sdp.into() }
}

pub fn answer(sdp: &str) -> Description {
    Description { sdp_type: SdpType::Answer, sdp: sdp.into() }
}

/// Another publisher with audio (mid 0) and simulcast video (mid 1).
pub fn publisher(id: u64) -> Value {
    crate::janus::Script::publisher(id)
}

/// Janus's subscriber stream list for `feeds`, our mids numbered in order.
pub fn streams(feeds: &[u64]) -> Value {
    let mut list = Vec::new();
    for (i, f) in feeds.iter().enumerate() {
        list.push(json!({"type":"audio","active":true,"mindex":2*i,"mid":(2*i).to_string(),"feed_id":f,"feed_mid":"0","codec":"opus"}));
        list.push(json!({"type":"video","active":true,"mindex":2*i+1,"mid":(2*i+1).to_string(),"feed_id":f,"feed_mid":"1","codec":"vp8","simulcast":true}));
    }
    Value::Array(list)
}

/// Joined with the publishers `list` in the room; Janus answers our
/// subscriber `join` for `feeds` with its offer.
pub fn attached(list: Value, feeds: &[u64]) -> Sfu {
    attached_with(RoomConfig::default(), list, feeds)
}

/// [`attached`], for a room with `config`.
pub fn attached_with(config: RoomConfig, list: Value, feeds: &[u64]) -> Sfu {
    let mut s = Sfu::joined_with(config, list);
    let join = s.last_sent();
    assert_eq!(join["body"]["ptype"], "subscriber");
    s.reply_event(
        &join,
        SUB,
        json!({"videoroom":"attached","room":ROOM,"streams":streams(feeds)}),
        Some(json!({"type":"offer","sdp":"v=0 janus-offer"})),
    );
    s
}

/// Joined with `feeds` in the room, subscribed to them, our answer sent and
/// the receivers reported: every track announced.
pub fn subscribed(feeds: &[u64]) -> Sfu {
    let list: Vec<Value> = feeds.iter().map(|f| publisher(*f)).collect();
    subscribed_with(Value::Array(list), feeds)
}

/// [`subscribed`], with the publishers `list` as Janus lists them.
pub fn subscribed_with(list: Value, feeds: &[u64]) -> Sfu {
    let mut s = attached(list, feeds);
    let (srd, _) = s.last_srd(SUBSCRIBER_PEER).expect("the offer is applied");
    s.complete(SUBSCRIBER_PEER, srd, None);
    let sld = s.last_sld(SUBSCRIBER_PEER).expect("an answer is made");
    s.complete(SUBSCRIBER_PEER, sld, Some(answer("v=0 our-answer")));
    let start = s.last_sent();
    assert_eq!(start["body"]["request"], "start");
    let generation = s.generation(SUBSCRIBER_PEER);
    for i in 0..feeds.len() * 2 {
        let kind = if i % 2 == 0 { TrackKind::Audio } else { TrackKind::Video };
        s.input(RoomInput::RemoteTrack {
            peer: SUBSCRIBER_PEER.into(),
            generation,
            track_id: format!("t{i}"),
            stream_id: Some("janus".into()),
            kind,
            mid: Some(i.to_string()),
        });
    }
    s
}

pub const PUBLISHER: &str = PUBLISHER_PEER;
pub const SUBSCRIBER: &str = SUBSCRIBER_PEER;
pub const SCREEN: &str = SCREEN_PEER;
/// Our screen share's Janus handle and feed id.
pub const SCREEN_HANDLE: u64 = 7_003;
pub const MY_SCREEN: u64 = 112;
