//! The core's Janus machine against a real Janus 1.1 (`#[ignore]`d in a
//! plain `cargo test`; `scripts/janus-test` — the `sfu` tier of
//! `scripts/test` — starts one in a private network namespace with
//! `scripts/janus/` and runs this with `--ignored` and `RTCROOM_JANUS_URL`). The test is the
//! driver: it executes the machine's outputs on a real WebSocket, feeds
//! frames and timers back, and answers descriptions with SDP of its own
//! (no media flows: ICE never completes, which Janus does not need for
//! signaling).

use futures::{SinkExt, StreamExt};
use rtcroom::core::sfu::janus::{
    next_send_at, JanusConfig, JanusError, JanusEvent, JanusOutput, JanusSession, JanusState,
    RidOrder, Role, SWITCH_MAX_SENDS,
};
use rtcroom::core::{Description, Millis, SdpType, SocketId};
use rtcroom::proto::janus::{Incoming, SUBPROTOCOL};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

const ROOM: u64 = 1234;
type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn janus_url() -> Option<String> {
    std::env::var("RTCROOM_JANUS_URL").ok().filter(|u| !u.is_empty())
}

async fn open(url: &str) -> Result<Ws, String> {
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
    connect_async(req).await.map(|(ws, _)| ws).map_err(|e| e.to_string())
}

/// One machine and the socket it asked for.
struct Live {
    s: JanusSession,
    url: String,
    ws: Option<(SocketId, Ws)>,
    t0: Instant,
    events: Vec<(u64, JanusEvent)>,
    /// Descriptions to apply / answer, as the driver would get them.
    remote: Vec<(Role, Description)>,
    needs_local: Vec<Role>,
    sent: Vec<Value>,
}

impl Live {
    fn new(url: &str, room: u64, name: &str, seed: u64) -> Live {
        let mut cfg = JanusConfig::new(room, Some(name.into()), seed);
        // Short, so that the test sees several keepalives acked.
        cfg.keepalive_interval = 1_000;
        Live {
            s: JanusSession::new(Millis(0), cfg),
            url: url.into(),
            ws: None,
            t0: Instant::now(),
            events: Vec::new(),
            remote: Vec::new(),
            needs_local: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn now(&self) -> Millis {
        Millis(self.t0.elapsed().as_millis() as u64)
    }

    /// Executes every pending output, as the browser driver will.
    async fn execute(&mut self) {
        while let Some(o) = self.s.poll_output() {
            match o {
                JanusOutput::Connect(id) => match open(&self.url).await {
                    Ok(ws) => {
                        self.ws = Some((id, ws));
                        let now = self.now();
                        self.s.handle_socket_opened(now, id);
                    }
                    Err(e) => {
                        eprintln!("connect failed: {e}");
                        let now = self.now();
                        self.s.handle_socket_closed(now, id);
                    }
                },
                JanusOutput::Disconnect(id) => {
                    if let Some((cur, mut ws)) = self.ws.take() {
                        if cur == id {
                            let _ = ws.close(None).await;
                        } else {
                            self.ws = Some((cur, ws));
                        }
                    }
                }
                JanusOutput::Send(req) => {
                    let v = serde_json::to_value(&req).unwrap();
                    self.sent.push(v.clone());
                    let (_, ws) = self.ws.as_mut().expect("a frame without a socket");
                    ws.send(Message::text(v.to_string())).await.unwrap();
                }
                JanusOutput::ApplyRemoteDescription { role, description } => {
                    self.remote.push((role, description))
                }
                JanusOutput::AddRemoteCandidate { .. } => {}
                JanusOutput::LocalDescriptionNeeded { role } => self.needs_local.push(role),
                JanusOutput::Event(e) => {
                    let t = self.t0.elapsed().as_millis() as u64;
                    eprintln!("[{t:>6} ms] {e:?}");
                    self.events.push((t, e));
                }
                other => panic!("unexpected output {other:?}"),
            }
        }
    }

    /// Feeds frames and timers until `done` holds for an event, or panics
    /// after `limit`. Returns the event and the time it took.
    async fn until(
        &mut self,
        limit: Duration,
        done: impl Fn(&JanusEvent) -> bool,
    ) -> (JanusEvent, Duration) {
        let start = Instant::now();
        let seen = self.events.len();
        loop {
            self.execute().await;
            if let Some((_, e)) = self.events[seen..].iter().find(|(_, e)| done(e)) {
                return (e.clone(), start.elapsed());
            }
            assert!(start.elapsed() < limit, "timed out; events: {:?}", &self.events[seen..]);
            let wake = self
                .s
                .poll_timeout()
                .map(|t| t.0.saturating_sub(self.now().0))
                .unwrap_or(50)
                .min(50);
            let frame = match self.ws.as_mut() {
                Some((id, ws)) => {
                    let id = *id;
                    match tokio::time::timeout(Duration::from_millis(wake), ws.next()).await {
                        Ok(Some(Ok(Message::Text(t)))) => Some((id, Some(t.to_string()))),
                        Ok(Some(Ok(_))) => None,
                        Ok(Some(Err(_))) | Ok(None) => Some((id, None)),
                        Err(_) => None,
                    }
                }
                None => {
                    tokio::time::sleep(Duration::from_millis(wake)).await;
                    None
                }
            };
            let now = self.now();
            match frame {
                Some((id, Some(text))) => {
                    let msg: Incoming =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    self.s.handle_frame(now, id, msg);
                }
                Some((id, None)) => {
                    self.ws = None;
                    self.s.handle_socket_closed(now, id);
                }
                None => {}
            }
            if self.s.poll_timeout().is_some_and(|t| t <= self.now()) {
                let now = self.now();
                self.s.handle_timeout(now);
            }
        }
    }

    /// Runs for `d`, whatever happens.
    async fn run_for(&mut self, d: Duration) {
        let _ = tokio::time::timeout(d, self.until(d * 2, |_| false)).await;
    }

    /// The socket drops without a close handshake (a dead network).
    fn drop_socket(&mut self) {
        if let Some((id, ws)) = self.ws.take() {
            drop(ws);
            let now = self.now();
            self.s.handle_socket_closed(now, id);
        }
    }
}

/// A plain Janus client for what the SDK never sends: a remote publisher
/// (a VideoRoom feed fed by plain RTP) gives the room a publisher without
/// a browser.
struct Raw {
    ws: Ws,
    session: u64,
    handle: u64,
    n: u64,
}

impl Raw {
    async fn new(url: &str) -> Raw {
        let mut r = Raw { ws: open(url).await.unwrap(), session: 0, handle: 0, n: 0 };
        r.session = r.call(json!({"janus":"create"})).await["data"]["id"].as_u64().unwrap();
        r.handle = r
            .call(
                json!({"janus":"attach","session_id":r.session,"plugin":"janus.plugin.videoroom"}),
            )
            .await["data"]["id"]
            .as_u64()
            .unwrap();
        r
    }

    async fn call(&mut self, mut v: Value) -> Value {
        self.n += 1;
        let t = format!("raw-{}", self.n);
        v["transaction"] = json!(t);
        self.ws.send(Message::text(v.to_string())).await.unwrap();
        loop {
            let Some(Ok(Message::Text(text))) = self.ws.next().await else {
                panic!("raw socket closed")
            };
            let r: Value = serde_json::from_str(&text).unwrap();
            if r["transaction"] == t.as_str() && r["janus"] != "ack" {
                return r;
            }
        }
    }

    async fn videoroom(&mut self, body: Value) -> Value {
        self.call(json!({"janus":"message","session_id":self.session,"handle_id":self.handle,"body":body})).await
    }
}

const FINGERPRINT: &str = "sha-256 2B:0F:3C:6A:1D:8E:94:17:55:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67";

/// A browser-like publisher offer: opus + VP8 with three simulcast rids
/// listed low to high.
fn publisher_offer() -> String {
    let common = format!(
        "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:rtcr\r\na=ice-pwd:rtcroomrtcroomrtcroom01\r\na=ice-options:trickle\r\na=fingerprint:{FINGERPRINT}\r\na=setup:actpass\r\n"
    );
    format!(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS s\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n{common}a=mid:0\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendonly\r\na=msid:s a\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1111 cname:rtcroom\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\n{common}a=mid:1\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\na=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\na=sendonly\r\na=msid:s v\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\na=rid:l send\r\na=rid:m send\r\na=rid:h send\r\na=simulcast:send l;m;h\r\n"
    )
}

/// Our answer to Janus's subscriber offer: its m-lines, received only,
/// with our ICE and DTLS parameters.
fn subscriber_answer(offer: &str) -> String {
    let mut out = String::new();
    for line in offer.lines() {
        let line = line.trim_end();
        let keep = !(line.starts_with("a=ice-ufrag")
            || line.starts_with("a=ice-pwd")
            || line.starts_with("a=fingerprint")
            || line.starts_with("a=setup")
            || line.starts_with("a=candidate")
            || line.starts_with("a=end-of-candidates")
            || line.starts_with("a=ssrc")
            || line.starts_with("a=msid")
            || line.starts_with("a=sendonly")
            || line.starts_with("a=ice-options"));
        if keep {
            out.push_str(line);
            out.push_str("\r\n");
        }
        if line.starts_with("a=mid:") {
            out.push_str(&format!(
                "a=ice-ufrag:subr\r\na=ice-pwd:rtcroomrtcroomrtcroom02\r\na=fingerprint:{FINGERPRINT}\r\na=setup:active\r\na=recvonly\r\n"
            ));
        }
    }
    out
}

fn has(events: &[(u64, JanusEvent)], f: impl Fn(&JanusEvent) -> bool) -> bool {
    events.iter().any(|(_, e)| f(e))
}

#[tokio::test]
#[ignore = "needs a real Janus: scripts/janus-test"]
async fn the_janus_machine_drives_a_real_janus() {
    let Some(url) = janus_url() else {
        panic!("RTCROOM_JANUS_URL is not set: run scripts/janus-test");
    };
    let total = Instant::now();

    // create → attach ×2 → join as publisher.
    let mut a = Live::new(&url, ROOM, "alice", 1);
    a.s.join_room(a.now()).unwrap();
    let (_, t_join) =
        a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Joined { .. })).await;
    eprintln!("TIMING join_room -> Joined: {t_join:?}");
    assert_eq!(a.s.state(), JanusState::Joined);
    let session = a.s.session_id().unwrap();
    assert_ne!(a.s.handle_id(Role::Publisher), a.s.handle_id(Role::Subscriber));

    // Publish an offer with simulcast rids low→high: Janus answers.
    a.s.publish(
        a.now(),
        Description { sdp_type: SdpType::Offer, sdp: publisher_offer() },
        Some(RidOrder::LowToHigh),
    )
    .unwrap();
    let (_, t_pub) = a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Published)).await;
    eprintln!("TIMING publish -> Janus answer: {t_pub:?}");
    let (role, answer) = a.remote.last().cloned().unwrap();
    assert_eq!((role, answer.sdp_type), (Role::Publisher, SdpType::Answer));
    assert!(answer.sdp.contains("VP8"), "{}", answer.sdp);
    let configure = a.sent.iter().find(|v| v["body"]["request"] == "configure").unwrap();
    assert_eq!(configure["jsep"]["rid_order"], "lmh");
    a.s.trickle(a.now(), Role::Publisher, None);

    // A second SDK participant sees the first (with notify_joining it is
    // not a publisher yet: no PublisherJoined without media).
    let mut b = Live::new(&url, ROOM, "bob", 2);
    b.s.join_room(b.now()).unwrap();
    b.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Joined { .. })).await;

    // A publisher appears (a remote publisher: RTP-fed, no browser).
    let mut raw = Raw::new(&url).await;
    let added = raw
        .videoroom(
            json!({"request":"add_remote_publisher","room":ROOM,"id":4242,"display":"remote",
            "streams":[{"type":"video","mid":"v0","mindex":0,"codec":"vp8"}]}),
        )
        .await;
    assert_eq!(added["plugindata"]["data"]["videoroom"], "success", "{added}");
    let t = Instant::now();
    a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::PublisherJoined { id: 4242, .. }))
        .await;
    eprintln!("TIMING add_remote_publisher -> PublisherJoined: {:?}", t.elapsed());
    b.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::PublisherJoined { id: 4242, .. }))
        .await;

    // Subscribe: Janus offers, we answer with `start`.
    a.s.subscribe(a.now(), &[4242]).unwrap();
    let (sub, t_sub) =
        a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Subscribed { .. })).await;
    eprintln!("TIMING subscribe -> Janus offer: {t_sub:?}");
    let JanusEvent::Subscribed { streams } = sub else { unreachable!() };
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].feed, Some(4242));
    assert_eq!(a.needs_local.last(), Some(&Role::Subscriber));
    let (role, offer) = a.remote.last().cloned().unwrap();
    assert_eq!((role, offer.sdp_type), (Role::Subscriber, SdpType::Offer));
    a.s.answer(
        a.now(),
        Description { sdp_type: SdpType::Answer, sdp: subscriber_answer(&offer.sdp) },
    )
    .unwrap();
    a.run_for(Duration::from_millis(300)).await;
    assert!(!has(&a.events, |e| matches!(e, JanusEvent::RequestFailed { .. })), "{:?}", a.events);

    // A switch Janus acknowledges but never reports (this feed has no
    // simulcast): re-sent on the schedule (every 50 ms through the key-frame
    // interval, then every 400 ms), then given up, typed.
    let configures = |l: &Live| {
        l.sent
            .iter()
            .filter(|v| {
                v["body"]["request"] == "configure"
                    && v["handle_id"] == l.s.handle_id(Role::Subscriber).unwrap()
            })
            .count()
    };
    a.s.set_substream(a.now(), "0", 1).unwrap();
    let (e, t_switch) =
        a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::SwitchFailed { .. })).await;
    eprintln!(
        "TIMING unconfirmed switch -> SwitchFailed: {t_switch:?} after {} configures",
        configures(&a)
    );
    assert!(
        matches!(
            e,
            JanusEvent::SwitchFailed {
                error: JanusError::SwitchNotConfirmed { attempts: SWITCH_MAX_SENDS, .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(configures(&a), SWITCH_MAX_SENDS as usize);
    let give_up = Duration::from_millis(next_send_at(Millis(0), SWITCH_MAX_SENDS).0);
    assert!(
        t_switch >= give_up - Duration::from_millis(10)
            && t_switch < give_up + Duration::from_millis(600),
        "{t_switch:?}"
    );

    // Keepalives (every 1 s here) are acked: the session stays.
    let before = a.sent.iter().filter(|v| v["janus"] == "keepalive").count();
    a.run_for(Duration::from_millis(3_500)).await;
    let keepalives = a.sent.iter().filter(|v| v["janus"] == "keepalive").count() - before;
    assert!(keepalives >= 2, "{keepalives} keepalives");
    assert_eq!(a.s.state(), JanusState::Joined);

    // The publisher goes: PublisherLeft.
    let removed =
        raw.videoroom(json!({"request":"remove_remote_publisher","room":ROOM,"id":4242})).await;
    assert_eq!(removed["plugindata"]["data"]["videoroom"], "success", "{removed}");
    let t = Instant::now();
    a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::PublisherLeft { id: 4242 })).await;
    eprintln!("TIMING remove_remote_publisher -> PublisherLeft: {:?}", t.elapsed());

    // The socket drops: a new socket claims the same session.
    a.drop_socket();
    let (_, t_claim) =
        a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Reclaimed)).await;
    eprintln!("TIMING socket drop -> Reclaimed: {t_claim:?}");
    assert_eq!(a.s.session_id(), Some(session));
    assert_eq!(a.s.state(), JanusState::Joined);
    // And it still works: keepalives on the new socket are acked.
    a.run_for(Duration::from_millis(2_500)).await;
    assert_eq!(a.s.state(), JanusState::Joined);
    assert!(
        !has(&a.events, |e| matches!(e, JanusEvent::SessionLost | JanusEvent::Failed { .. })),
        "{:?}",
        a.events
    );

    // Leave: destroy, then the socket closes.
    a.s.leave(a.now());
    a.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Left)).await;
    b.s.leave(b.now());
    b.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Left)).await;

    // A claim of a session Janus no longer has is refused: a new session.
    let mut c = Live::new(&url, ROOM, "carol", 3);
    c.s.join_room(c.now()).unwrap();
    c.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Joined { .. })).await;
    let old = c.s.session_id();
    let d = raw.call(json!({"janus":"destroy","session_id":old.unwrap()})).await;
    eprintln!("destroy from another socket: {d}");
    c.drop_socket();
    let (_, t_new) =
        c.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Joined { .. })).await;
    eprintln!("TIMING socket drop + refused claim -> joined again: {t_new:?}");
    assert!(has(&c.events, |e| matches!(e, JanusEvent::SessionLost)));
    assert_ne!(c.s.session_id(), old);
    c.s.leave(c.now());
    c.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Left)).await;

    // A room Janus does not have: a typed failure.
    let mut x = Live::new(&url, 999_999, "x", 4);
    x.s.join_room(x.now()).unwrap();
    let (e, _) = x.until(Duration::from_secs(5), |e| matches!(e, JanusEvent::Failed { .. })).await;
    assert!(matches!(e, JanusEvent::Failed { reason: JanusError::NoSuchRoom(_) }), "{e:?}");
    eprintln!("TIMING whole live test: {:?}", total.elapsed());
}
