use super::*;
use crate::TestResult;
use std::cell::Cell;

type H = Hub<String>;

const SECRET: &[u8] = b"test-secret";

fn config() -> HubConfig {
    HubConfig {
        resume_grace_ms: 1_000,
        crash_grace_ms: 100,
        secret: SECRET.to_vec(),
        token_lifetime_ms: 60_000,
        ..HubConfig::default()
    }
}

fn hub() -> H {
    H::new(config())
}

fn id(n: &str) -> impl FnOnce() -> PeerId + '_ {
    move || n.to_owned()
}

fn join_msg(room: &str, name: &str, resume: Option<String>) -> ClientMessage<String> {
    ClientMessage::Join {
        room: room.into(),
        name: Some(name.into()),
        token: None,
        meta: Meta::new(),
        resume,
    }
}

fn join(h: &mut H, conn: ConnId, room: &str, peer: &str) {
    h.handle_message(0, conn, join_msg(room, peer, None), id(peer));
}

/// Joins and returns the session token of the welcome.
fn join_token(h: &mut H, now: u64, conn: ConnId, room: &str, peer: &str) -> TestResult<String> {
    h.handle_message(now, conn, join_msg(room, peer, None), id(peer));
    session_of(&drain(h), conn)
}

/// Fails if the hub asked for a fresh id: a resume keeps the token's.
fn resume(h: &mut H, now: u64, conn: ConnId, room: &str, name: &str, token: &str) -> TestResult {
    let msg = join_msg(room, name, Some(token.to_owned()));
    let minted = Cell::new(false);
    h.handle_message(now, conn, msg, || {
        minted.set(true);
        "minted".to_owned()
    });
    if minted.get() {
        return Err("a resume must not mint an id".into());
    }
    Ok(())
}

fn signal(h: &mut H, conn: ConnId, to: &str, data: &str) {
    h.handle_message(0, conn, ClientMessage::Signal { to: to.into(), data: data.into() }, id("z"));
}

fn drain(h: &mut H) -> Vec<HubOutput<String>> {
    std::iter::from_fn(|| h.poll_output()).collect()
}

fn sent_to(out: &[HubOutput<String>], conn: ConnId) -> Vec<ServerMessage<String>> {
    out.iter()
        .filter_map(|o| match o {
            HubOutput::Send { conn: c, msg } if *c == conn => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

fn session_of(out: &[HubOutput<String>], conn: ConnId) -> TestResult<String> {
    sent_to(out, conn)
        .into_iter()
        .find_map(|m| match m {
            ServerMessage::Welcome { session, .. } => Some(session),
            _ => None,
        })
        .ok_or_else(|| "a welcome".into())
}

fn error_codes(out: &[HubOutput<String>], conn: ConnId) -> Vec<ErrorCode> {
    sent_to(out, conn)
        .into_iter()
        .filter_map(|m| match m {
            ServerMessage::Error { code, .. } => Some(code),
            _ => None,
        })
        .collect()
}

fn sig(from: &str, data: &str) -> ServerMessage<String> {
    ServerMessage::Signal { from: from.into(), data: data.into() }
}

#[test]
fn welcome_lists_earlier_peers_and_they_see_the_joiner() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    let out = drain(&mut h);
    let to_b = sent_to(&out, 2);
    assert!(
        matches!(&to_b[0], ServerMessage::Welcome { id, peers, .. } if id == "b" && peers.len() == 1 && peers[0].id == "a")
    );
    let to_a = sent_to(&out, 1);
    assert!(to_a.iter().any(|m| matches!(m, ServerMessage::PeerJoined { peer } if peer.id == "b")));
}

#[test]
fn welcome_carries_a_signed_session_token_and_the_resume_grace() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let out = drain(&mut h);
    let [HubOutput::Send {
        msg: ServerMessage::Welcome { session, resumed, resume_grace_ms, .. },
        ..
    }] = &out[..]
    else {
        return Err(format!("expected one welcome, got {out:?}").into());
    };
    assert!(!resumed);
    assert_eq!(*resume_grace_ms, 1_000);
    let claims = token::verify(SECRET, session, 0).map_err(|e| format!("{e:?}"))?;
    assert_eq!((claims.room.as_str(), claims.id.as_str(), claims.expiry), ("r", "a", 60_000));
    Ok(())
}

#[test]
fn signals_are_relayed_only_within_the_room() {
    let mut h = hub();
    join(&mut h, 1, "r1", "a");
    join(&mut h, 2, "r1", "b");
    join(&mut h, 3, "r2", "c");
    drain(&mut h);
    signal(&mut h, 1, "b", "x");
    signal(&mut h, 1, "c", "y");
    let out = drain(&mut h);
    assert_eq!(sent_to(&out, 2), vec![sig("a", "x")]);
    assert!(sent_to(&out, 3).is_empty());
    assert_eq!(error_codes(&out, 1), vec![ErrorCode::UnknownTarget]);
}

#[test]
fn frames_before_join_and_double_join_are_errors_not_disconnects() {
    let mut h = hub();
    signal(&mut h, 1, "b", "x");
    join(&mut h, 1, "r", "a");
    join(&mut h, 1, "r", "a2");
    let out = drain(&mut h);
    assert_eq!(error_codes(&out, 1), vec![ErrorCode::NotJoined, ErrorCode::AlreadyJoined]);
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
    assert!(!out.iter().any(|o| matches!(o, HubOutput::Close { .. })));
}

#[test]
fn leave_notifies_the_room_at_once_and_closes_the_connection() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    drain(&mut h);
    h.handle_message(0, 2, ClientMessage::Leave, id("z"));
    let out = drain(&mut h);
    assert!(out.contains(&HubOutput::Close { conn: 2 }));
    assert_eq!(
        sent_to(&out, 1),
        vec![ServerMessage::PeerLeft { id: "b".into(), reason: LeaveReason::Left }]
    );
    h.handle_disconnect(0, 2, Gone::Closed);
    assert!(drain(&mut h).is_empty());
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
    assert_eq!(h.suspended_count(), 0);
}

/// Regression: `leave` then `join` on one socket re-joined a connection that
/// was closing, and the server never reported that connection's end, so the
/// participant stayed in the room forever.
#[test]
fn frames_after_leave_are_ignored_so_a_closing_connection_cannot_rejoin() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    drain(&mut h);
    h.handle_message(0, 1, ClientMessage::Leave, id("z"));
    h.handle_message(0, 1, join_msg("r", "again", None), id("ghost"));
    signal(&mut h, 1, "a", "x");
    h.handle_bad_frame(1, ErrorCode::MalformedJson, "x".into());
    let out = drain(&mut h);
    assert_eq!(out, vec![HubOutput::Close { conn: 1 }]);
    assert!(h.room_peers("r").is_empty());
    h.handle_disconnect(0, 1, Gone::Closed);
    join(&mut h, 2, "r", "fresh");
    let out = drain(&mut h);
    assert!(
        matches!(&sent_to(&out, 2)[..], [ServerMessage::Welcome { peers, .. }] if peers.is_empty())
    );
}

#[test]
fn a_dropped_member_is_suspended_silently_until_its_grace_ends() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    drain(&mut h);
    h.handle_disconnect(10, 2, Gone::Closed);
    assert!(drain(&mut h).is_empty(), "the others see nothing");
    assert_eq!(h.suspended_count(), 1);
    assert_eq!(h.poll_timeout(), Some(1_010));
    h.handle_timeout(1_009);
    assert!(drain(&mut h).is_empty());
    assert_eq!(h.room_peers("r"), vec!["a".to_string(), "b".to_string()]);
    h.handle_timeout(1_010);
    assert_eq!(
        sent_to(&drain(&mut h), 1),
        vec![ServerMessage::PeerLeft { id: "b".into(), reason: LeaveReason::Disconnected }]
    );
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
    assert_eq!(h.suspended_count(), 0);
}

#[test]
fn a_reset_uses_the_crash_grace_and_a_timeout_reports_timeout() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    join(&mut h, 3, "r", "c");
    drain(&mut h);
    h.handle_disconnect(0, 2, Gone::Reset);
    h.handle_disconnect(0, 3, Gone::Timeout);
    assert_eq!(h.poll_timeout(), Some(100));
    h.handle_timeout(100);
    assert_eq!(
        sent_to(&drain(&mut h), 1),
        vec![ServerMessage::PeerLeft { id: "b".into(), reason: LeaveReason::Disconnected }]
    );
    h.handle_timeout(1_000);
    assert_eq!(
        sent_to(&drain(&mut h), 1),
        vec![ServerMessage::PeerLeft { id: "c".into(), reason: LeaveReason::Timeout }]
    );
}

#[test]
fn a_zero_grace_removes_at_once() {
    let mut h = H::new(HubConfig { resume_grace_ms: 0, crash_grace_ms: 0, ..config() });
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    drain(&mut h);
    h.handle_disconnect(0, 2, Gone::Closed);
    assert_eq!(
        sent_to(&drain(&mut h), 1),
        vec![ServerMessage::PeerLeft { id: "b".into(), reason: LeaveReason::Disconnected }]
    );
    assert_eq!(h.poll_timeout().filter(|_| h.suspended_count() > 0), None);
}

#[test]
fn resume_within_grace_keeps_the_id_and_delivers_held_signals_after_the_welcome_in_order(
) -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    drain(&mut h);
    h.handle_disconnect(5, 2, Gone::Closed);
    signal(&mut h, 1, "b", "offer");
    signal(&mut h, 1, "b", "cand-1");
    signal(&mut h, 1, "b", "cand-2");
    let out = drain(&mut h);
    assert!(out.is_empty(), "no error for signals to a suspended member: {out:?}");

    resume(&mut h, 500, 3, "r", "b", &token)?;
    let out = drain(&mut h);
    assert!(sent_to(&out, 1).is_empty(), "the others see nothing of the resume");
    let to_b = sent_to(&out, 3);
    let ServerMessage::Welcome { id, session, peers, resumed, resume_grace_ms, .. } = &to_b[0]
    else {
        return Err(format!("welcome first, got {to_b:?}").into());
    };
    assert_eq!(id, "b");
    assert!(*resumed);
    assert_eq!(*resume_grace_ms, 1_000);
    assert_ne!(session, &token, "a fresh token");
    let claims = token::verify(SECRET, session, 500).map_err(|e| format!("{e:?}"))?;
    assert_eq!(claims.expiry, 60_500);
    assert_eq!(peers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(to_b[1..], [sig("a", "offer"), sig("a", "cand-1"), sig("a", "cand-2")]);
    assert_eq!(h.suspended_count(), 0);
    assert_eq!(h.poll_timeout(), None);
    h.handle_timeout(10_000);
    assert!(drain(&mut h).is_empty(), "the expired grace does not remove a resumed member");
    signal(&mut h, 1, "b", "live");
    assert_eq!(sent_to(&drain(&mut h), 3), vec![sig("a", "live")]);
    Ok(())
}

#[test]
fn resume_while_the_old_connection_is_still_attached_closes_it_without_a_broadcast() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    drain(&mut h);
    resume(&mut h, 100, 3, "r", "b", &token)?;
    let out = drain(&mut h);
    assert!(out.contains(&HubOutput::Close { conn: 2 }));
    assert!(sent_to(&out, 1).is_empty());
    assert!(sent_to(&out, 2).is_empty());
    assert!(matches!(&sent_to(&out, 3)[..], [ServerMessage::Welcome { resumed: true, .. }]));
    // The old connection's frames and its late end change nothing.
    signal(&mut h, 2, "a", "stale");
    h.handle_disconnect(200, 2, Gone::Reset);
    assert!(drain(&mut h).is_empty());
    assert_eq!(h.suspended_count(), 0);
    signal(&mut h, 1, "b", "x");
    assert_eq!(sent_to(&drain(&mut h), 3), vec![sig("a", "x")]);
    Ok(())
}

#[test]
fn after_the_grace_the_member_is_gone_and_its_token_is_refused() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    drain(&mut h);
    h.handle_disconnect(0, 2, Gone::Closed);
    h.handle_timeout(1_000);
    drain(&mut h);
    resume(&mut h, 1_001, 3, "r", "b", &token)?;
    let out = drain(&mut h);
    assert_eq!(error_codes(&out, 3), vec![ErrorCode::ResumeFailed]);
    assert!(sent_to(&out, 1).is_empty());
    // The connection stays usable: a fresh join works.
    join(&mut h, 3, "r", "b2");
    assert!(matches!(
        &sent_to(&drain(&mut h), 3)[..],
        [ServerMessage::Welcome { id, resumed: false, .. }] if id == "b2"
    ));
    Ok(())
}

#[test]
fn the_token_of_a_member_that_left_is_refused() -> TestResult {
    let mut h = hub();
    let token = join_token(&mut h, 0, 1, "r", "a")?;
    h.handle_message(0, 1, ClientMessage::Leave, id("z"));
    h.handle_disconnect(0, 1, Gone::Closed);
    drain(&mut h);
    resume(&mut h, 10, 2, "r", "a", &token)?;
    assert_eq!(error_codes(&drain(&mut h), 2), vec![ErrorCode::ResumeFailed]);
    assert!(h.room_peers("r").is_empty());
    Ok(())
}

#[test]
fn tampered_wrong_room_expired_and_foreign_tokens_are_refused_and_leave_the_connection_unjoined(
) -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    drain(&mut h);
    let foreign = {
        let mut other = H::new(HubConfig { secret: b"other".to_vec(), ..config() });
        join_token(&mut other, 0, 1, "r", "b")?
    };
    let tampered = token.replacen(".60000.", ".99999999.", 1);
    assert_ne!(tampered, token);
    let attempts: [(&str, &str, u64); 5] = [
        ("r", &tampered, 10),
        ("other-room", &token, 10),
        ("r", &token, 60_000), // expired
        ("r", &foreign, 10),
        ("r", "not-a-token", 10),
    ];
    for (conn, (room, t, now)) in (10..).zip(attempts) {
        resume(&mut h, now, conn, room, "b", t)?;
        let out = drain(&mut h);
        assert_eq!(error_codes(&out, conn), vec![ErrorCode::ResumeFailed], "{room} {t}");
        assert!(sent_to(&out, 1).is_empty());
        signal(&mut h, conn, "a", "x");
        assert_eq!(error_codes(&drain(&mut h), conn), vec![ErrorCode::NotJoined]);
    }
    assert_eq!(h.suspended_count(), 1);
    Ok(())
}

#[test]
fn a_valid_token_unknown_to_a_restarted_hub_recreates_the_member_under_its_id() -> TestResult {
    let mut first = hub();
    let token_a = join_token(&mut first, 0, 1, "r", "a")?;
    let token_b = join_token(&mut first, 0, 2, "r", "b")?;
    drop(first);

    let mut h = hub();
    resume(&mut h, 100, 7, "r", "a", &token_a)?;
    let out = drain(&mut h);
    assert!(matches!(
        &sent_to(&out, 7)[..],
        [ServerMessage::Welcome { id, resumed: true, peers, .. }] if id == "a" && peers.is_empty()
    ));
    resume(&mut h, 100, 8, "r", "b", &token_b)?;
    let out = drain(&mut h);
    assert!(matches!(
        &sent_to(&out, 8)[..],
        [ServerMessage::Welcome { id, resumed: true, peers, .. }] if id == "b" && peers[0].id == "a"
    ));
    assert!(matches!(
        &sent_to(&out, 7)[..],
        [ServerMessage::PeerJoined { peer }] if peer.id == "b"
    ));
    assert_eq!(h.room_peers("r"), vec!["a".to_string(), "b".to_string()]);
    Ok(())
}

#[test]
fn held_signals_beyond_the_frame_bound_drop_the_oldest() -> TestResult {
    let mut h = H::new(HubConfig { max_held_frames: 3, ..config() });
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    for n in 0..5 {
        signal(&mut h, 1, "b", &format!("s{n}"));
    }
    drain(&mut h);
    assert_eq!(h.dropped_held_frames(), 2);
    resume(&mut h, 10, 3, "r", "b", &token)?;
    let to_b = sent_to(&drain(&mut h), 3);
    assert_eq!(to_b[1..], [sig("a", "s2"), sig("a", "s3"), sig("a", "s4")]);
    Ok(())
}

#[test]
fn held_signals_beyond_the_byte_bound_drop_the_oldest() -> TestResult {
    // Each held frame weighs its data plus the sender id ("a": 1 byte).
    let mut h = H::new(HubConfig { max_held_bytes: 25, ..config() });
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    signal(&mut h, 1, "b", &"1".repeat(9));
    signal(&mut h, 1, "b", &"2".repeat(9));
    signal(&mut h, 1, "b", &"3".repeat(9)); // 30 bytes: the first goes
    signal(&mut h, 1, "b", &"4".repeat(40)); // heavier than the budget alone
    drain(&mut h);
    assert_eq!(h.dropped_held_frames(), 4);
    signal(&mut h, 1, "b", "5");
    resume(&mut h, 10, 3, "r", "b", &token)?;
    assert_eq!(sent_to(&drain(&mut h), 3)[1..], [sig("a", "5")]);
    Ok(())
}

#[test]
fn held_signals_from_a_peer_that_left_meanwhile_are_not_delivered() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 3, "r", "c");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    signal(&mut h, 1, "b", "from-a");
    signal(&mut h, 3, "b", "from-c");
    h.handle_message(0, 3, ClientMessage::Leave, id("z"));
    drain(&mut h);
    resume(&mut h, 10, 4, "r", "b", &token)?;
    let to_b = sent_to(&drain(&mut h), 4);
    assert!(matches!(&to_b[0], ServerMessage::Welcome { peers, .. } if peers.len() == 1));
    assert_eq!(to_b[1..], [sig("a", "from-a")]);
    Ok(())
}

#[test]
fn a_suspended_member_is_listed_to_newcomers_and_misses_room_events_until_resume() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    drain(&mut h);
    join(&mut h, 3, "r", "c");
    let out = drain(&mut h);
    assert!(matches!(
        &sent_to(&out, 3)[..],
        [ServerMessage::Welcome { peers, .. }] if peers.iter().map(|p| p.id.as_str()).eq(["a", "b"])
    ));
    resume(&mut h, 10, 4, "r", "b", &token)?;
    let to_b = sent_to(&drain(&mut h), 4);
    assert!(matches!(
        &to_b[..],
        [ServerMessage::Welcome { peers, .. }] if peers.iter().map(|p| p.id.as_str()).eq(["a", "c"])
    ));
    Ok(())
}

#[test]
fn a_resume_with_new_name_or_meta_tells_the_others() -> TestResult {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    let token = join_token(&mut h, 0, 2, "r", "b")?;
    h.handle_disconnect(0, 2, Gone::Closed);
    drain(&mut h);
    resume(&mut h, 10, 3, "r", "bob", &token)?;
    let out = drain(&mut h);
    assert!(matches!(
        &sent_to(&out, 1)[..],
        [ServerMessage::PeerUpdated { peer }] if peer.id == "b" && peer.name.as_deref() == Some("bob")
    ));
    Ok(())
}

#[test]
fn tombstones_expire_with_their_token_and_are_bounded() -> TestResult {
    let mut h = H::new(HubConfig { max_tombstones: 2, ..config() });
    for (conn, peer) in [(1, "a"), (2, "b"), (3, "c")] {
        join_token(&mut h, conn * 10, conn, "r", peer)?;
        h.handle_message(0, conn, ClientMessage::Leave, id("z"));
    }
    drain(&mut h);
    assert_eq!(h.tombstones.len(), 2);
    assert!(!h.tombstones.contains_key("a"), "the soonest-expiring is evicted");
    assert_eq!(h.poll_timeout(), Some(60_020));
    h.handle_timeout(60_030);
    assert!(h.tombstones.is_empty());
    assert_eq!(h.poll_timeout(), None);
    Ok(())
}

#[test]
fn invalid_room_names_are_rejected() {
    let mut h = hub();
    join(&mut h, 1, "", "a");
    join(&mut h, 2, &"x".repeat(MAX_ROOM_LEN + 1), "b");
    join(&mut h, 3, "line\nbreak", "c");
    join(&mut h, 4, "esc\u{1b}[2J", "d");
    let out = drain(&mut h);
    assert_eq!(out.len(), 4);
    assert!(out.iter().all(|o| matches!(
        o,
        HubOutput::Send { msg: ServerMessage::Error { code: ErrorCode::InvalidRoom, .. }, .. }
    )));
}

#[test]
fn update_is_broadcast_to_others() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    drain(&mut h);
    let meta: Meta = [("hand".to_string(), "up".to_string())].into();
    h.handle_message(0, 1, ClientMessage::Update { meta: meta.clone() }, id("z"));
    let out = drain(&mut h);
    assert!(
        matches!(&sent_to(&out, 2)[..], [ServerMessage::PeerUpdated { peer }] if peer.meta == meta)
    );
    assert!(sent_to(&out, 1).is_empty());
}

#[test]
fn a_repeated_id_from_the_caller_is_refused_not_merged() {
    let mut h = hub();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "a");
    let out = drain(&mut h);
    assert_eq!(error_codes(&out, 2), vec![ErrorCode::InvalidFrame]);
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
}

#[test]
fn is_member_holds_from_welcome_until_leave() {
    let mut h = hub();
    assert!(!h.is_member(1));
    h.handle_message(0, 1, join_msg("", "a", None), id("a"));
    assert!(!h.is_member(1), "a refused join is not membership");
    join(&mut h, 1, "r", "a");
    assert!(h.is_member(1));
    h.handle_message(0, 1, ClientMessage::Leave, id("z"));
    assert!(!h.is_member(1));
}
