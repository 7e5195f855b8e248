use super::*;

type H = Hub<String>;

fn ids(n: &str) -> impl FnOnce() -> (PeerId, String) + '_ {
    move || (n.to_owned(), format!("s-{n}"))
}

fn join(h: &mut H, conn: ConnId, room: &str, id: &str) {
    let msg = ClientMessage::Join {
        room: room.into(),
        name: Some(id.into()),
        token: None,
        meta: Meta::new(),
        resume: None,
    };
    h.handle_message(conn, msg, ids(id));
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

#[test]
fn welcome_lists_earlier_peers_and_they_see_the_joiner() {
    let mut h = H::new();
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
fn signals_are_relayed_only_within_the_room() {
    let mut h = H::new();
    join(&mut h, 1, "r1", "a");
    join(&mut h, 2, "r1", "b");
    join(&mut h, 3, "r2", "c");
    drain(&mut h);
    h.handle_message(1, ClientMessage::Signal { to: "b".into(), data: "x".into() }, ids("z"));
    h.handle_message(1, ClientMessage::Signal { to: "c".into(), data: "y".into() }, ids("z"));
    let out = drain(&mut h);
    assert_eq!(
        sent_to(&out, 2),
        vec![ServerMessage::Signal { from: "a".into(), data: "x".into() }]
    );
    assert!(sent_to(&out, 3).is_empty());
    assert!(matches!(
        sent_to(&out, 1)[..],
        [ServerMessage::Error { code: ErrorCode::UnknownTarget, .. }]
    ));
}

#[test]
fn frames_before_join_and_double_join_are_errors_not_disconnects() {
    let mut h = H::new();
    h.handle_message(1, ClientMessage::Signal { to: "b".into(), data: "x".into() }, ids("z"));
    join(&mut h, 1, "r", "a");
    join(&mut h, 1, "r", "a2");
    let out = drain(&mut h);
    let codes: Vec<_> = sent_to(&out, 1)
        .into_iter()
        .filter_map(|m| match m {
            ServerMessage::Error { code, .. } => Some(code),
            _ => None,
        })
        .collect();
    assert_eq!(codes, vec![ErrorCode::NotJoined, ErrorCode::AlreadyJoined]);
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
    assert!(!out.iter().any(|o| matches!(o, HubOutput::Close { .. })));
}

#[test]
fn leave_and_disconnect_notify_the_room_with_reason() {
    let mut h = H::new();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    join(&mut h, 3, "r", "c");
    drain(&mut h);
    h.handle_message(2, ClientMessage::Leave, ids("z"));
    h.handle_disconnect(3, LeaveReason::Disconnected);
    let out = drain(&mut h);
    assert!(out.contains(&HubOutput::Close { conn: 2 }));
    assert_eq!(
        sent_to(&out, 1),
        vec![
            ServerMessage::PeerLeft { id: "b".into(), reason: LeaveReason::Left },
            ServerMessage::PeerLeft { id: "c".into(), reason: LeaveReason::Disconnected },
        ]
    );
    assert_eq!(h.room_peers("r"), vec!["a".to_string()]);
    h.handle_disconnect(1, LeaveReason::Timeout);
    assert_eq!(h.room_count(), 0);
}

#[test]
fn invalid_room_names_are_rejected() {
    let mut h = H::new();
    join(&mut h, 1, "", "a");
    join(&mut h, 2, &"x".repeat(MAX_ROOM_LEN + 1), "b");
    let out = drain(&mut h);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| matches!(
        o,
        HubOutput::Send { msg: ServerMessage::Error { code: ErrorCode::InvalidRoom, .. }, .. }
    )));
}

#[test]
fn update_is_broadcast_to_others() {
    let mut h = H::new();
    join(&mut h, 1, "r", "a");
    join(&mut h, 2, "r", "b");
    drain(&mut h);
    let meta: Meta = [("hand".to_string(), "up".to_string())].into();
    h.handle_message(1, ClientMessage::Update { meta: meta.clone() }, ids("z"));
    let out = drain(&mut h);
    assert!(
        matches!(&sent_to(&out, 2)[..], [ServerMessage::PeerUpdated { peer }] if peer.meta == meta)
    );
    assert!(sent_to(&out, 1).is_empty());
}
