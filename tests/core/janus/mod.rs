//! Janus VideoRoom transcripts: a scripted Janus (its replies written as the
//! JSON it sends) drives a real `JanusSession` in simulated time.

mod errors;
mod publish;
mod randomized;
mod reclaim;
mod subscribe;
mod switch;
mod timers;

use rtcroom::core::sfu::janus::{JanusConfig, JanusEvent, JanusOutput, JanusSession, Role};
use rtcroom::core::{Description, Millis, SdpType, SocketId};
use rtcroom::proto::janus::Incoming;
use serde_json::{json, Value};

pub const ROOM: u64 = 1234;
pub const SESSION: u64 = 4_000_000_001;
pub const PUB: u64 = 7_001;
pub const SUB: u64 = 7_002;
pub const ME: u64 = 111;

/// One session under test, its clock, and everything it sent.
pub struct Script {
    pub s: JanusSession,
    pub now: Millis,
    pub socket: SocketId,
    /// Frames sent, as JSON, with the time they went out.
    pub sent: Vec<(Millis, Value)>,
    /// Every other output, in order.
    pub outs: Vec<JanusOutput>,
}

impl Script {
    pub fn new(seed: u64) -> Script {
        let cfg = JanusConfig::new(ROOM, Some("Ada".into()), seed);
        Script {
            s: JanusSession::new(Millis(0), cfg),
            now: Millis(0),
            socket: SocketId(0),
            sent: Vec::new(),
            outs: Vec::new(),
        }
    }

    /// Outputs of the last step, in order; frames are also kept in `sent`,
    /// `Connect` moves our notion of the current socket.
    pub fn drain(&mut self) -> Vec<JanusOutput> {
        let mut step = Vec::new();
        while let Some(o) = self.s.poll_output() {
            match &o {
                JanusOutput::Send(r) => {
                    self.sent.push((self.now, serde_json::to_value(r).unwrap()))
                }
                JanusOutput::Connect(s) => self.socket = *s,
                _ => {}
            }
            if !matches!(o, JanusOutput::Send(_)) {
                self.outs.push(o.clone());
            }
            step.push(o);
        }
        step
    }

    /// Non-frame outputs of the last step.
    pub fn step_outputs(&mut self) -> Vec<JanusOutput> {
        self.drain().into_iter().filter(|o| !matches!(o, JanusOutput::Send(_))).collect()
    }

    /// Janus sends `v` on the current socket.
    pub fn recv(&mut self, v: Value) -> Vec<JanusOutput> {
        let msg: Incoming =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        self.s.handle_frame(self.now, self.socket, msg);
        self.drain()
    }

    pub fn opened(&mut self) -> Vec<JanusOutput> {
        self.s.handle_socket_opened(self.now, self.socket);
        self.drain()
    }

    pub fn closed(&mut self) -> Vec<JanusOutput> {
        self.s.handle_socket_closed(self.now, self.socket);
        self.drain()
    }

    /// Runs every timer due up to `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: u64) -> Vec<JanusOutput> {
        let mut all = Vec::new();
        while let Some(d) = self.s.poll_timeout() {
            if d.0 > t {
                break;
            }
            assert!(d >= self.now, "a timer in the past: {d:?} < {:?}", self.now);
            self.now = d;
            self.s.handle_timeout(d);
            all.extend(self.drain());
        }
        self.now = Millis(t);
        all
    }

    pub fn advance(&mut self, ms: u64) -> Vec<JanusOutput> {
        let t = self.now.0 + ms;
        self.advance_to(t)
    }

    pub fn last_sent(&self) -> Value {
        self.sent.last().map(|(_, v)| v.clone()).expect("nothing sent")
    }

    /// Frames sent since index `from`.
    pub fn sent_since(&self, from: usize) -> Vec<Value> {
        self.sent[from..].iter().map(|(_, v)| v.clone()).collect()
    }

    pub fn events(&self) -> Vec<JanusEvent> {
        self.outs
            .iter()
            .filter_map(|o| match o {
                JanusOutput::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// Takes the session to `Joined` (with `publishers` in the room) through
    /// the scripted setup, checking every request on the way.
    pub fn joined(seed: u64, publishers: Value) -> Script {
        let mut j = Script::new(seed);
        j.s.join_room(j.now).unwrap();
        assert_eq!(j.drain(), [JanusOutput::Connect(SocketId(1))]);
        j.now = Millis(5);
        j.opened();
        let create = j.last_sent();
        assert_eq!(create["janus"], "create");
        j.recv(json!({"janus":"success","transaction":tx(&create),"data":{"id":SESSION}}));
        let attaches = j.sent_since(1);
        assert_eq!(attaches.len(), 2, "both handles are attached at once");
        for a in &attaches {
            assert_eq!(a["janus"], "attach");
            assert_eq!(a["plugin"], "janus.plugin.videoroom");
            assert_eq!(a["session_id"], SESSION);
        }
        j.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&attaches[0]),"data":{"id":PUB}}));
        assert_eq!(j.sent.len(), 3, "join waits for both handles");
        j.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&attaches[1]),"data":{"id":SUB}}));
        let join = j.last_sent();
        assert_eq!(
            join,
            json!({"janus":"message","transaction":tx(&join),"session_id":SESSION,"handle_id":PUB,
                   "body":{"request":"join","ptype":"publisher","room":ROOM,"display":"Ada"}})
        );
        j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&join)}));
        j.recv(json!({"janus":"event","session_id":SESSION,"transaction":tx(&join),"sender":PUB,
            "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"joined","room":ROOM,
            "description":"Demo Room","id":ME,"private_id":5555,"publishers":publishers}}}));
        assert_eq!(j.s.id(), Some(ME));
        assert_eq!(j.s.handle_id(Role::Publisher), Some(PUB));
        assert_eq!(j.s.handle_id(Role::Subscriber), Some(SUB));
        j
    }

    /// Janus answers a plugin request with `ack` then its `event`.
    pub fn reply_event(
        &mut self,
        request: &Value,
        sender: u64,
        data: Value,
        jsep: Option<Value>,
    ) -> Vec<JanusOutput> {
        self.recv(ack(request));
        self.recv(plugin_event(Some(request), sender, data, jsep))
    }

    /// An unsolicited VideoRoom event on `sender`.
    pub fn push_event(
        &mut self,
        sender: u64,
        data: Value,
        jsep: Option<Value>,
    ) -> Vec<JanusOutput> {
        self.recv(plugin_event(None, sender, data, jsep))
    }

    /// The other publisher `id` is in the room with a simulcast video.
    pub fn publisher(id: u64) -> Value {
        json!({"id":id,"display":format!("p{id}"),"streams":[
            {"type":"audio","mindex":0,"mid":"0","codec":"opus"},
            {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true}]})
    }
}

/// Janus's `ack` of `request`.
pub fn ack(request: &Value) -> Value {
    json!({"janus":"ack","session_id":SESSION,"transaction":tx(request)})
}

/// A VideoRoom `event` from handle `sender`: the answer to `request`, or
/// unsolicited (`None`); with `jsep` when Janus sends a description.
pub fn plugin_event(
    request: Option<&Value>,
    sender: u64,
    data: Value,
    jsep: Option<Value>,
) -> Value {
    let mut ev = json!({"janus":"event","session_id":SESSION,"sender":sender,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":data}});
    if let Some(r) = request {
        ev["transaction"] = tx(r).into();
    }
    if let Some(j) = jsep {
        ev["jsep"] = j;
    }
    ev
}

pub fn tx(v: &Value) -> String {
    v["transaction"].as_str().expect("a transaction").to_owned()
}

pub fn offer(sdp: &str) -> Description {
    Description { sdp_type: SdpType::Offer, sdp: sdp.into() }
}

pub fn answer(sdp: &str) -> Description {
    Description { sdp_type: SdpType::Answer, sdp: sdp.into() }
}

pub fn event(e: JanusEvent) -> JanusOutput {
    JanusOutput::Event(e)
}
