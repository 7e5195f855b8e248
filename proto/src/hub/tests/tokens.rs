//! Join tokens, grants and TURN credentials in the hub. Time is the `now`
//! argument; the tokens are real HS256 JWTs (the `jwt` feature).

use super::join_token::{self, JoinClaims};
use super::*;
use crate::TestResult;
use crate::{SdpType, SignalData, TrackInfo, TrackKind, TrackSource};

type H = Hub<SignalData>;

const SECRET: &[u8] = b"hub-token-secret";
/// 2023-11-14T22:13:20Z, in ms.
const NOW: u64 = 1_700_000_000_000;

fn hub() -> H {
    H::new(HubConfig { secret: SECRET.to_vec(), require_token: true, ..HubConfig::default() })
}

fn token_with(
    room: &str,
    identity: &str,
    exp_ms: u64,
    grants: Grants,
    secret: &[u8],
) -> TestResult<String> {
    let claims = JoinClaims {
        identity: identity.into(),
        room: room.into(),
        name: None,
        expires_at: exp_ms / 1000,
        grants,
    };
    Ok(join_token::mint(secret, &claims, NOW / 1000)?)
}

fn token(room: &str, identity: &str, grants: Grants) -> TestResult<String> {
    token_with(room, identity, NOW + 3_600_000, grants, SECRET)
}

fn subscriber() -> Grants {
    Grants { can_publish: false, ..Grants::default() }
}

fn join(h: &mut H, now: u64, conn: ConnId, room: &str, token: Option<String>, id: &str) {
    let msg = ClientMessage::Join {
        room: room.into(),
        name: Some("chosen by the client".into()),
        token,
        meta: Meta::new(),
        resume: None,
    };
    let id = id.to_owned();
    h.handle_message(now, conn, msg, move || id);
}

fn out_to(h: &mut H, conn: ConnId) -> Vec<ServerMessage<SignalData>> {
    std::iter::from_fn(|| h.poll_output())
        .filter_map(|o| match o {
            HubOutput::Send { conn: c, msg } if c == conn => Some(msg),
            _ => None,
        })
        .collect()
}

fn error_of(h: &mut H, conn: ConnId) -> Option<ErrorCode> {
    out_to(h, conn).into_iter().find_map(|m| match m {
        ServerMessage::Error { code, .. } => Some(code),
        _ => None,
    })
}

fn welcome_of(msgs: &[ServerMessage<SignalData>]) -> Option<&ServerMessage<SignalData>> {
    msgs.iter().find(|m| matches!(m, ServerMessage::Welcome { .. }))
}

fn camera() -> SignalData {
    let track = TrackInfo {
        stream: "s".into(),
        kind: TrackKind::Video,
        source: TrackSource::Camera,
        id: None,
        mid: None,
        muted: false,
    };
    SignalData::Tracks { tracks: vec![track] }
}

fn description(dir: &str) -> SignalData {
    let sdp = format!(
        "v=0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\na={dir}\r\n"
    );
    SignalData::Description { sdp_type: SdpType::Offer, sdp }
}

fn signal(h: &mut H, conn: ConnId, to: &str, data: SignalData) {
    h.handle_message(NOW, conn, ClientMessage::Signal { to: to.into(), data }, || "x".into());
}

#[test]
fn a_join_without_a_token_is_refused_when_tokens_are_required() {
    let mut h = hub();
    join(&mut h, NOW, 1, "r", None, "a");
    assert_eq!(error_of(&mut h, 1), Some(ErrorCode::TokenRequired));
    // Nobody joined, so no room was created by naming it.
    assert_eq!(h.room_count(), 0);
}

#[test]
fn a_valid_token_admits_its_identity_with_its_grants() -> TestResult {
    let mut h = hub();
    join(&mut h, NOW, 1, "r", Some(token("r", "alice", subscriber())?), "a");
    let msgs = out_to(&mut h, 1);
    let Some(ServerMessage::Welcome { grants, .. }) = welcome_of(&msgs) else {
        return Err(format!("no welcome: {msgs:?}").into());
    };
    assert_eq!(*grants, subscriber());
    join(&mut h, NOW, 2, "r", Some(token("r", "bob", Grants::default())?), "b");
    let msgs = out_to(&mut h, 2);
    let Some(ServerMessage::Welcome { peers, grants, .. }) = welcome_of(&msgs) else {
        return Err(format!("no welcome: {msgs:?}").into());
    };
    assert!(grants.is_all());
    // The name is the token's identity, not what the client sent.
    assert_eq!(peers[0].name.as_deref(), Some("alice"));
    Ok(())
}

#[test]
fn expired_tokens_are_refused_after_the_leeway_only() -> TestResult {
    let exp = NOW + 60_000;
    let t = token_with("r", "alice", exp, Grants::default(), SECRET)?;
    let mut h = hub();
    join(&mut h, exp + join_token::LEEWAY_MS - 1, 1, "r", Some(t.clone()), "a");
    assert!(welcome_of(&out_to(&mut h, 1)).is_some());
    join(&mut h, exp + join_token::LEEWAY_MS, 2, "r", Some(t), "b");
    assert_eq!(error_of(&mut h, 2), Some(ErrorCode::TokenExpired));
    Ok(())
}

#[test]
fn tokens_for_another_room_another_key_or_over_four_hours_are_refused() -> TestResult {
    let mut h = hub();
    join(&mut h, NOW, 1, "r", Some(token("other", "alice", Grants::default())?), "a");
    assert_eq!(error_of(&mut h, 1), Some(ErrorCode::TokenWrongRoom));
    let forged = token_with("r", "alice", NOW + 60_000, Grants::default(), b"not the key")?;
    join(&mut h, NOW, 2, "r", Some(forged), "b");
    assert_eq!(error_of(&mut h, 2), Some(ErrorCode::TokenInvalid));
    let long = token_with("r", "alice", NOW + 5 * 3_600_000, Grants::default(), SECRET)?;
    join(&mut h, NOW, 3, "r", Some(long), "c");
    assert_eq!(error_of(&mut h, 3), Some(ErrorCode::TokenInvalid));
    join(&mut h, NOW, 4, "r", Some("not.a.jwt".into()), "d");
    assert_eq!(error_of(&mut h, 4), Some(ErrorCode::TokenInvalid));
    assert_eq!(h.room_count(), 0);
    Ok(())
}

#[test]
fn without_the_publish_grant_tracks_and_sending_descriptions_are_refused() -> TestResult {
    let mut h = hub();
    join(&mut h, NOW, 1, "r", Some(token("r", "viewer", subscriber())?), "v");
    join(&mut h, NOW, 2, "r", Some(token("r", "host", Grants::default())?), "p");
    let _ = out_to(&mut h, 0);
    signal(&mut h, 1, "p", camera());
    assert_eq!(error_of(&mut h, 1), Some(ErrorCode::NotAllowed));
    signal(&mut h, 1, "p", description("sendrecv"));
    assert_eq!(error_of(&mut h, 1), Some(ErrorCode::NotAllowed));
    // What a subscriber legitimately sends goes through: an empty track
    // list and a receive-only description.
    signal(&mut h, 1, "p", SignalData::Tracks { tracks: vec![] });
    signal(&mut h, 1, "p", description("recvonly"));
    let got: Vec<_> = std::iter::from_fn(|| h.poll_output()).collect();
    let relayed = got
        .iter()
        .filter(|o| matches!(o, HubOutput::Send { conn: 2, msg: ServerMessage::Signal { .. } }))
        .count();
    assert_eq!(relayed, 2, "{got:?}");
    // A publisher's sending description is relayed.
    signal(&mut h, 2, "v", description("sendrecv"));
    assert!(matches!(&out_to(&mut h, 1)[..], [ServerMessage::Signal { .. }]));
    Ok(())
}

#[test]
fn a_participant_without_the_subscribe_grant_is_not_told_of_tracks() -> TestResult {
    let mut h = hub();
    let no_sub = Grants { can_subscribe: false, ..Grants::default() };
    join(&mut h, NOW, 1, "r", Some(token("r", "bot", no_sub)?), "b");
    join(&mut h, NOW, 2, "r", Some(token("r", "host", Grants::default())?), "p");
    let _ = out_to(&mut h, 0);
    signal(&mut h, 2, "b", camera());
    assert!(out_to(&mut h, 1).is_empty());
    Ok(())
}

#[test]
fn a_resume_keeps_the_grants_of_the_join_token() -> TestResult {
    let mut h = H::new(HubConfig {
        secret: SECRET.to_vec(),
        require_token: true,
        resume_grace_ms: 10_000,
        ..HubConfig::default()
    });
    join(&mut h, NOW, 1, "r", Some(token("r", "viewer", subscriber())?), "v");
    let msgs = out_to(&mut h, 1);
    let Some(ServerMessage::Welcome { session, .. }) = welcome_of(&msgs) else {
        return Err(format!("no welcome: {msgs:?}").into());
    };
    let session = session.clone();
    h.handle_disconnect(NOW, 1, Gone::Closed);
    // A fresh server (restart) with the same secret: the session token alone
    // brings the participant back, and it still may not publish.
    let mut fresh =
        H::new(HubConfig { secret: SECRET.to_vec(), require_token: true, ..HubConfig::default() });
    for h in [&mut h, &mut fresh] {
        let msg = ClientMessage::Join {
            room: "r".into(),
            name: None,
            token: None,
            meta: Meta::new(),
            resume: Some(session.clone()),
        };
        h.handle_message(NOW + 1_000, 9, msg, || "never".into());
        let msgs = out_to(h, 9);
        assert!(
            matches!(welcome_of(&msgs), Some(ServerMessage::Welcome { grants, resumed: true, .. }) if *grants == subscriber()),
            "{msgs:?}"
        );
        signal(h, 9, "v", camera());
        assert_eq!(error_of(h, 9), Some(ErrorCode::NotAllowed));
    }
    Ok(())
}

#[test]
fn without_required_tokens_anyone_joins_with_every_grant() {
    let mut h = H::new(HubConfig { secret: SECRET.to_vec(), ..HubConfig::default() });
    join(&mut h, NOW, 1, "r", None, "a");
    let msgs = out_to(&mut h, 1);
    assert!(
        matches!(welcome_of(&msgs), Some(ServerMessage::Welcome { grants, .. }) if grants.is_all())
    );
}

#[test]
fn welcome_carries_turn_credentials_and_a_resume_renews_them() -> TestResult {
    let turn = TurnConfig {
        urls: vec!["turn:127.0.0.1:3478".into()],
        secret: b"t".to_vec(),
        ttl_ms: 600_000,
    };
    let mut h = H::new(HubConfig {
        secret: SECRET.to_vec(),
        turn: Some(turn.clone()),
        resume_grace_ms: 10_000,
        ..HubConfig::default()
    });
    join(&mut h, NOW, 1, "r", None, "a");
    let msgs = out_to(&mut h, 1);
    let Some(ServerMessage::Welcome { ice_servers, session, .. }) = welcome_of(&msgs) else {
        return Err(format!("no welcome: {msgs:?}").into());
    };
    assert_eq!(ice_servers, &vec![turn.ice_server(NOW, "a")]);
    assert_eq!(ice_servers[0].username.as_deref(), Some("1700000600:a"));
    let session = session.clone();
    h.handle_disconnect(NOW, 1, Gone::Closed);
    let later = NOW + 5_000;
    let msg = ClientMessage::Join {
        room: "r".into(),
        name: None,
        token: None,
        meta: Meta::new(),
        resume: Some(session),
    };
    h.handle_message(later, 2, msg, || "never".into());
    let msgs = out_to(&mut h, 2);
    let Some(ServerMessage::Welcome { ice_servers, .. }) = welcome_of(&msgs) else {
        return Err(format!("no welcome: {msgs:?}").into());
    };
    assert_eq!(ice_servers[0].username.as_deref(), Some("1700000605:a"));
    Ok(())
}
