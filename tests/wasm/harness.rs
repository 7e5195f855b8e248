//! Two (or more) rooms in one page, joined through one in-page hub, with
//! their events recorded.

use rtcroom::web::transport::InPageHub;
use rtcroom::web::{sleep, JoinOptions, Room, RoomEvent};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{RtcPeerConnection, RtcPeerConnectionState, RtcSignalingState};

pub struct Member {
    pub room: Room,
    pub events: Rc<RefCell<Vec<RoomEvent>>>,
}

impl Member {
    pub async fn join(hub: &InPageHub, name: &str) -> Member {
        let events = Rc::new(RefCell::new(Vec::new()));
        let log = events.clone();
        let options =
            JoinOptions { room: "test".into(), name: Some(name.into()), ..Default::default() };
        let room = Room::join_with(hub.connector(), options, move |e| log.borrow_mut().push(e))
            .await
            .expect("join over the in-page hub");
        Member { room, events }
    }

    pub fn id(&self) -> String {
        self.room.id()
    }

    /// The connection towards `other`.
    pub fn pc(&self, other: &Member) -> RtcPeerConnection {
        self.room.peer_connection(&other.id()).expect("a peer connection to the other member")
    }

    pub fn is_polite_towards(&self, other: &Member) -> bool {
        self.id() < other.id()
    }

    pub fn count(&self, f: impl Fn(&RoomEvent) -> bool) -> usize {
        self.events.borrow().iter().filter(|e| f(e)).count()
    }
}

/// Two members; `polite_first` says whether the first returned one is the
/// polite side (ids decide the role; the hub hands them out in join order).
pub async fn pair(polite_first: bool) -> (Member, Member, InPageHub) {
    let hub = InPageHub::new();
    let a = Member::join(&hub, "a").await;
    let b = Member::join(&hub, "b").await;
    connections(&a, &b).await;
    let (first, second) = if a.is_polite_towards(&b) == polite_first { (a, b) } else { (b, a) };
    (first, second, hub)
}

/// Polls `cond` every 20 ms; panics with `what` after `ms`.
pub async fn until(what: &str, ms: u64, mut cond: impl FnMut() -> bool) {
    let mut waited = 0;
    while !cond() {
        assert!(waited < ms, "timed out after {ms} ms waiting for: {what}");
        sleep(20).await;
        waited += 20;
    }
}

pub fn stable(pc: &RtcPeerConnection) -> bool {
    pc.signaling_state() == RtcSignalingState::Stable
}

pub fn connected(pc: &RtcPeerConnection) -> bool {
    pc.connection_state() == RtcPeerConnectionState::Connected
}

pub fn transceivers(pc: &RtcPeerConnection) -> u32 {
    pc.get_transceivers().length()
}

/// Waits until both are connected and the first negotiation is done;
/// returns the transceivers each side has then (the SDK pre-negotiates some).
/// Both connections of the pair, once they exist: a joiner builds its
/// connections in the task after its join resolved.
pub async fn connections(a: &Member, b: &Member) -> (RtcPeerConnection, RtcPeerConnection) {
    until("both connections exist", 2_000, || {
        a.room.peer_connection(&b.id()).is_some() && b.room.peer_connection(&a.id()).is_some()
    })
    .await;
    (a.pc(b), b.pc(a))
}

pub async fn until_connected(a: &Member, b: &Member) -> u32 {
    let (pa, pb) = connections(a, b).await;
    until("both connected and stable", 15_000, || {
        connected(&pa) && connected(&pb) && stable(&pa) && stable(&pb)
    })
    .await;
    assert_eq!(transceivers(&pa), transceivers(&pb), "both sides see the same m-sections");
    transceivers(&pa)
}

/// Both sides stable, negotiated (every transceiver has a mid), equal counts.
pub fn converged(a: &RtcPeerConnection, b: &RtcPeerConnection, expected: u32) -> bool {
    let all_have_mids = |pc: &RtcPeerConnection| {
        pc.get_transceivers().iter().all(|t| {
            use wasm_bindgen::JsCast;
            t.dyn_into::<web_sys::RtcRtpTransceiver>().map(|t| t.mid().is_some()).unwrap_or(false)
        })
    };
    stable(a)
        && stable(b)
        && transceivers(a) == expected
        && transceivers(b) == expected
        && all_have_mids(a)
        && all_have_mids(b)
}

/// Waits until the pair converged with `expected` transceivers each.
pub async fn until_converged(a: &Member, b: &Member, expected: u32) {
    let (pa, pb) = connections(a, b).await;
    let describe = |pc: &RtcPeerConnection| {
        let mids: Vec<Option<String>> = pc
            .get_transceivers()
            .iter()
            .map(|t| wasm_bindgen::JsCast::unchecked_into::<web_sys::RtcRtpTransceiver>(t).mid())
            .collect();
        format!("{:?} {:?}", pc.signaling_state(), mids)
    };
    let mut waited = 0;
    while !converged(&pa, &pb, expected) {
        assert!(
            waited < 20_000,
            "not converged to {expected} transceivers: a={} b={} events a={:?} b={:?}",
            describe(&pa),
            describe(&pb),
            a.events.borrow().iter().map(describe_event).collect::<Vec<_>>(),
            b.events.borrow().iter().map(describe_event).collect::<Vec<_>>()
        );
        sleep(50).await;
        waited += 50;
    }
    // No negotiation errors were reported on either side.
    for m in [a, b] {
        let warnings: Vec<String> = m
            .events
            .borrow()
            .iter()
            .filter_map(|e| match e {
                RoomEvent::Warning { code, message, .. } => Some(format!("{code}: {message}")),
                _ => None,
            })
            .collect();
        assert!(warnings.is_empty(), "warnings: {warnings:?}");
    }
}

fn describe_event(e: &RoomEvent) -> String {
    match e {
        RoomEvent::Warning { code, message, .. } => format!("warning {code}: {message}"),
        other => other.name().to_string(),
    }
}
