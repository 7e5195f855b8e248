//! A fake Janus (replies with random delays, publishers coming and going,
//! sockets dropping, claims refused at random, switches confirmed or not,
//! silent stretches) against the real machine, many seeds. Invariants:
//! frames only on the open current socket; transaction ids never repeat; an
//! open joined socket never idles past the keepalive interval; timers never
//! point to the past; every switch ends (confirmed, failed, or dropped with
//! its session); `leave` always ends in `Left` with nothing after it.

use crate::sched::{Draws, Rng};
use rtcroom::core::sfu::janus::{
    JanusConfig, JanusEvent, JanusOutput, JanusSession, JanusState, RidOrder, Role,
    KEEPALIVE_INTERVAL,
};
use rtcroom::core::{Description, Millis, SdpType, SocketId};
use rtcroom::proto::janus::Incoming;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};

const ROOM: u64 = 1234;

#[derive(Debug)]
enum Ev {
    /// Janus sends `frame` on `socket`.
    Frame(SocketId, Value),
    /// The connection attempt for `socket` resolves.
    Open(SocketId, bool),
    /// The network drops the current socket.
    Drop,
    /// A publisher joins or leaves the room.
    Churn,
    /// The app answers the subscriber offer / switches a layer / leaves.
    Answer,
    Switch,
    Leave,
}

struct Fake {
    rng: Rng,
    now: u64,
    queue: Vec<(u64, u64, Ev)>,
    seq: u64,
    next_id: u64,
    /// Live sessions: session id → its handles.
    sessions: BTreeMap<u64, Vec<u64>>,
    /// Sessions whose socket dropped and that a claim may still take.
    reclaimable: BTreeSet<u64>,
    publishers: BTreeSet<u64>,
    /// Janus ignores every request until then (a stalled path).
    silent_until: u64,
}

impl Fake {
    fn at(&mut self, delay: u64, ev: Ev) {
        self.seq += 1;
        self.queue.push((self.now + delay, self.seq, ev));
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn reply(&mut self, socket: SocketId, v: Value) {
        let d = self.rng.range(1, 60);
        self.at(d, Ev::Frame(socket, v));
    }

    fn videoroom(
        session: u64,
        sender: u64,
        tx: Option<&str>,
        data: Value,
        jsep: Option<Value>,
    ) -> Value {
        let mut v = json!({"janus":"event","session_id":session,"sender":sender,
            "plugindata":{"plugin":"janus.plugin.videoroom","data":data}});
        if let Some(t) = tx {
            v["transaction"] = json!(t);
        }
        if let Some(j) = jsep {
            v["jsep"] = j;
        }
        v
    }

    fn publisher_list(&self) -> Value {
        Value::Array(
            self.publishers
                .iter()
                .map(|id| json!({"id":id,"streams":[{"type":"video","mid":"1","codec":"vp8"}]}))
                .collect(),
        )
    }

    fn handle_request(&mut self, socket: SocketId, r: &Value) {
        if self.now < self.silent_until {
            return;
        }
        let tx = r["transaction"].as_str().unwrap_or("").to_owned();
        let session = r["session_id"].as_u64().unwrap_or(0);
        let handle = r["handle_id"].as_u64().unwrap_or(0);
        let known = self.sessions.contains_key(&session);
        let ack = json!({"janus":"ack","session_id":session,"transaction":tx});
        let gone = json!({"janus":"error","session_id":session,"transaction":tx,"error":{"code":458,"reason":"No such session"}});
        match r["janus"].as_str().unwrap_or("") {
            "create" => {
                let id = self.id();
                self.sessions.insert(id, Vec::new());
                self.reply(socket, json!({"janus":"success","transaction":tx,"data":{"id":id}}));
            }
            "claim" => {
                if self.reclaimable.remove(&session) && known {
                    self.reply(
                        socket,
                        json!({"janus":"success","session_id":session,"transaction":tx}),
                    );
                } else {
                    self.reply(socket, gone);
                }
            }
            _ if !known => self.reply(socket, gone),
            "attach" => {
                let id = self.id();
                if let Some(h) = self.sessions.get_mut(&session) {
                    h.push(id);
                }
                self.reply(socket, json!({"janus":"success","session_id":session,"transaction":tx,"data":{"id":id}}));
            }
            "keepalive" | "trickle" => self.reply(socket, ack),
            "destroy" => {
                self.sessions.remove(&session);
                self.reply(
                    socket,
                    json!({"janus":"success","session_id":session,"transaction":tx}),
                );
            }
            "message" => {
                self.reply(socket, ack);
                let body = &r["body"];
                let (data, jsep) = match body["request"].as_str().unwrap_or("") {
                    "join" if body["ptype"] == "publisher" => {
                        let id = self.id();
                        (
                            json!({"videoroom":"joined","room":ROOM,"id":id,"private_id":7,"publishers":self.publisher_list()}),
                            None,
                        )
                    }
                    "join" | "subscribe" => {
                        // Janus's candidates may overtake its offer.
                        for _ in 0..self.rng.range(0, 3) {
                            let c = json!({"janus":"trickle","session_id":session,"sender":handle,
                                "candidate":{"candidate":"candidate:1 1 udp 1 10.99.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}});
                            self.reply(socket, c);
                        }
                        let streams: Vec<Value> = body["streams"]
                            .as_array()
                            .map(|s| s.iter().enumerate().map(|(i, f)| json!({"type":"video","mid":i.to_string(),"feed_id":f["feed"]})).collect())
                            .unwrap_or_default();
                        let kind = if body["request"] == "join" { "attached" } else { "updated" };
                        (
                            json!({"videoroom":kind,"room":ROOM,"streams":streams}),
                            Some(json!({"type":"offer","sdp":"v=0 o"})),
                        )
                    }
                    "start" => (json!({"videoroom":"event","room":ROOM,"started":"ok"}), None),
                    "configure" if r.get("jsep").is_some() => (
                        json!({"videoroom":"event","room":ROOM,"configured":"ok"}),
                        Some(json!({"type":"answer","sdp":"v=0 a"})),
                    ),
                    "configure" => {
                        // The switch happens at some key frame, or not at all.
                        if let Some(s) = body["streams"].get(0) {
                            if self.rng.percent(40) {
                                let d = self.rng.range(50, 900);
                                let ev = Fake::videoroom(
                                    session,
                                    handle,
                                    None,
                                    json!({"videoroom":"event","room":ROOM,"mid":s["mid"],"substream":s["substream"]}),
                                    None,
                                );
                                self.at(d, Ev::Frame(socket, ev));
                            }
                        }
                        (json!({"videoroom":"event","room":ROOM,"configured":"ok"}), None)
                    }
                    _ => {
                        (json!({"videoroom":"event","error_code":423,"error":"bad request"}), None)
                    }
                };
                let ev = Fake::videoroom(session, handle, Some(&tx), data, jsep);
                self.reply(socket, ev);
            }
            other => panic!("unexpected request {other}"),
        }
    }
}

/// What the runs went through, so the test proves it explored them.
#[derive(Default, Debug)]
struct Coverage {
    reclaimed: u32,
    sessions_lost: u32,
    switches_confirmed: u32,
    switches_failed: u32,
    reconnects: u32,
    candidates_held: u32,
}

fn run(seed: u64, cov: &mut Coverage) -> Result<(), String> {
    let mut fake = Fake {
        rng: Rng::new(seed),
        now: 0,
        queue: Vec::new(),
        seq: 0,
        next_id: 1_000,
        sessions: BTreeMap::new(),
        reclaimable: BTreeSet::new(),
        publishers: BTreeSet::new(),
        silent_until: 0,
    };
    let mut cfg = JanusConfig::new(ROOM, None, seed);
    cfg.keepalive_interval = KEEPALIVE_INTERVAL;
    let mut m = JanusSession::new(Millis(0), cfg);
    m.join_room(Millis(0)).map_err(|e| e.to_string())?;
    let mut open: Option<SocketId> = None;
    let mut current = SocketId(0);
    let mut tx_ids = HashSet::new();
    let mut last_sent = 0u64;
    let mut pending_switches: BTreeMap<String, u8> = BTreeMap::new();
    let mut last_switch_at = 0u64;
    let mut mids: Vec<String> = Vec::new();
    let mut left = false;
    let mut sessions_lost = 0;
    let end = 300_000;
    for t in (1..10).map(|i| i * 30_000) {
        let d = t + fake.rng.range(0, 29_000);
        fake.now = 0;
        let ev = match fake.rng.range(0, 3) {
            0 | 1 => Ev::Churn,
            2 => Ev::Drop,
            _ => Ev::Switch,
        };
        fake.at(d, ev);
    }
    fake.at(end - 10_000, Ev::Leave);
    // A stalled stretch.
    let s = fake.rng.range(20_000, 200_000);
    fake.silent_until = 0;
    let stall = (s, s + fake.rng.range(1_000, 40_000));

    loop {
        // Execute the machine's outputs.
        while let Some(o) = m.poll_output() {
            if left {
                return Err(format!("output after Left: {o:?}"));
            }
            match o {
                JanusOutput::Connect(s) => {
                    current = s;
                    // The first socket opens (a refused first connect fails the
                    // join by design); later attempts fail at random.
                    let ok = s == SocketId(1) || !fake.rng.percent(20);
                    let d = fake.rng.range(1, 200);
                    fake.at(d, Ev::Open(s, ok));
                }
                JanusOutput::Disconnect(s) if open == Some(s) => open = None,
                JanusOutput::Send(r) => {
                    let v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
                    if open != Some(current) {
                        return Err(format!("sent without an open socket: {v}"));
                    }
                    if !tx_ids.insert(tx_of(&v)) {
                        return Err(format!("transaction id reused: {v}"));
                    }
                    last_sent = fake.now;
                    let now = fake.now;
                    if now >= stall.0 && now < stall.1 {
                        fake.silent_until = stall.1;
                    }
                    fake.handle_request(current, &v);
                }
                JanusOutput::AddRemoteCandidate { role: Role::Subscriber, .. } => {
                    cov.candidates_held += 1
                }
                JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber } => {
                    let d = fake.rng.range(1, 30);
                    fake.at(d, Ev::Answer);
                }
                JanusOutput::LocalDescriptionNeeded { role: Role::Publisher } => {
                    m.publish(
                        Millis(fake.now),
                        Description { sdp_type: SdpType::Offer, sdp: "v=0 p".into() },
                        Some(RidOrder::LowToHigh),
                    )
                    .map_err(|e| e.to_string())?;
                }
                JanusOutput::Event(e) => match e {
                    JanusEvent::Joined { .. } if sessions_lost == 0 => {
                        m.publish(
                            Millis(fake.now),
                            Description { sdp_type: SdpType::Offer, sdp: "v=0 p".into() },
                            None,
                        )
                        .map_err(|e| e.to_string())?;
                        let all: Vec<u64> = m.publishers().map(|p| p.id).collect();
                        m.subscribe(Millis(fake.now), &all).map_err(|e| e.to_string())?;
                    }
                    JanusEvent::PublisherJoined { id, .. } if m.state() == JanusState::Joined => {
                        m.subscribe(Millis(fake.now), &[id]).map_err(|e| e.to_string())?;
                    }
                    JanusEvent::Subscribed { streams } => {
                        mids = streams.into_iter().map(|s| s.mid).collect()
                    }
                    JanusEvent::SubstreamChanged { mid, substream }
                        if pending_switches.get(&mid) == Some(&substream) =>
                    {
                        cov.switches_confirmed += 1;
                        pending_switches.remove(&mid);
                    }
                    JanusEvent::Reclaimed => cov.reclaimed += 1,
                    JanusEvent::Reconnecting => cov.reconnects += 1,
                    JanusEvent::SwitchFailed { mid, .. } => {
                        cov.switches_failed += 1;
                        pending_switches.remove(&mid);
                    }
                    JanusEvent::SessionLost => {
                        cov.sessions_lost += 1;
                        sessions_lost += 1;
                        pending_switches.clear();
                        mids.clear();
                    }
                    JanusEvent::Left => {
                        left = true;
                        // Leaving cancels what was in flight.
                        // Only a switch younger than its re-send budget may be pending.
                        if fake.now > last_switch_at + 2_500 && !pending_switches.is_empty() {
                            return Err(format!("switches never ended: {pending_switches:?}"));
                        }
                        pending_switches.clear();
                    }
                    JanusEvent::Failed { reason } => return Err(format!("failed: {reason}")),
                    _ => {}
                },
                _ => {}
            }
        }
        if let Some(t) = m.poll_timeout() {
            if t.0 < fake.now {
                return Err(format!("timer in the past: {} < {}", t.0, fake.now));
            }
        }
        // Invariant: an open, joined socket never idles past the interval.
        if open == Some(current)
            && m.state() == JanusState::Joined
            && fake.now > last_sent + KEEPALIVE_INTERVAL
        {
            return Err(format!("idle from {last_sent} to {}", fake.now));
        }
        // Next: the earliest of the fake's events and the machine's timer.
        fake.queue.sort_by_key(|(t, s, _)| (*t, *s));
        let next_ev = fake.queue.first().map(|(t, _, _)| *t);
        let timer = m.poll_timeout().map(|t| t.0);
        let next = match (next_ev, timer) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
        };
        if next > end {
            break;
        }
        fake.now = next;
        if timer == Some(next) && next_ev.is_none_or(|e| e > next) {
            m.handle_timeout(Millis(next));
            continue;
        }
        let (_, _, ev) = fake.queue.remove(0);
        let now = Millis(next);
        match ev {
            Ev::Frame(s, v) => {
                if open == Some(s) && s == current {
                    let msg: Incoming = serde_json::from_value(v).map_err(|e| e.to_string())?;
                    m.handle_frame(now, s, msg);
                }
            }
            Ev::Open(s, ok) => {
                if s == current {
                    if ok {
                        open = Some(s);
                        m.handle_socket_opened(now, s);
                    } else {
                        m.handle_socket_closed(now, s);
                    }
                }
            }
            Ev::Drop => {
                if let Some(s) = open.take() {
                    // Janus keeps the session for a claim, or not.
                    let keep = fake.rng.percent(60);
                    if let Some(id) = m.session_id() {
                        if keep {
                            fake.reclaimable.insert(id);
                        } else {
                            fake.sessions.remove(&id);
                        }
                    }
                    m.handle_socket_closed(now, s);
                }
            }
            Ev::Churn => {
                let sid = m.session_id().unwrap_or(0);
                let pub_handle = m.handle_id(Role::Publisher).unwrap_or(0);
                let leaving =
                    fake.publishers.iter().next().copied().filter(|_| fake.rng.percent(40));
                let data = match leaving {
                    Some(id) => {
                        fake.publishers.remove(&id);
                        json!({"videoroom":"event","room":ROOM,"unpublished":id})
                    }
                    None => {
                        let id = fake.id();
                        fake.publishers.insert(id);
                        json!({"videoroom":"event","room":ROOM,"publishers":[{"id":id}]})
                    }
                };
                if let Some(s) = open {
                    fake.reply(s, Fake::videoroom(sid, pub_handle, None, data, None));
                }
            }
            Ev::Answer => {
                let _ =
                    m.answer(now, Description { sdp_type: SdpType::Answer, sdp: "v=0 a".into() });
            }
            Ev::Switch => {
                if let Some(mid) = mids.first().cloned() {
                    let n = fake.rng.range(0, 2) as u8;
                    if m.set_substream(now, &mid, n).is_ok() {
                        last_switch_at = next;
                        pending_switches.insert(mid, n);
                    }
                }
            }
            Ev::Leave => m.leave(now),
        }
    }
    if !left {
        return Err(format!("never left (state {:?})", m.state()));
    }
    if !pending_switches.is_empty() {
        return Err(format!("switches never ended: {pending_switches:?}"));
    }
    Ok(())
}

fn tx_of(v: &Value) -> String {
    v["transaction"].as_str().unwrap_or("").to_owned()
}

#[test]
fn random_janus_behaviour_never_breaks_the_machine_s_invariants() {
    let mut cov = Coverage::default();
    let failures: Vec<(u64, String)> =
        (0..300).filter_map(|seed| run(seed, &mut cov).err().map(|e| (seed, e))).collect();
    assert!(
        failures.is_empty(),
        "{} seeds failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    eprintln!("{cov:?}");
    for (what, n) in [
        ("reclaimed", cov.reclaimed),
        ("sessions lost", cov.sessions_lost),
        ("switches confirmed", cov.switches_confirmed),
        ("switches failed", cov.switches_failed),
        ("reconnects", cov.reconnects),
        ("candidates", cov.candidates_held),
    ] {
        assert!(n >= 20, "too few {what}: {cov:?}");
    }
}
