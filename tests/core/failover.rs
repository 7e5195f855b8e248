//! Several signaling endpoints (server nodes sharing rooms): which one each
//! socket opens is the core's decision.

use rtcroom::core::{Millis, RoomConfig, RoomCore, RoomInput, RoomOutput, SocketId};
use rtcroom::proto::{ClientMessage, Grants, ServerMessage};

fn drain(core: &mut RoomCore) -> Vec<RoomOutput> {
    std::iter::from_fn(|| core.poll_output()).collect()
}

fn connects(out: &[RoomOutput]) -> Vec<(u64, usize)> {
    out.iter()
        .filter_map(|o| match o {
            RoomOutput::Connect { socket, endpoint } => Some((socket.0, *endpoint)),
            _ => None,
        })
        .collect()
}

fn welcome(resumed: bool) -> ServerMessage<rtcroom::proto::SignalData> {
    ServerMessage::Welcome {
        id: "me".into(),
        session: "token-1".into(),
        peers: Vec::new(),
        ice_servers: Vec::new(),
        resumed,
        resume_grace_ms: 20_000,
        grants: Grants::default(),
    }
}

#[test]
fn a_dead_nodes_client_resumes_through_the_next_endpoint_with_its_session_token() {
    let config = RoomConfig { room: "r".into(), endpoints: 2, ..RoomConfig::default() };
    let mut core = RoomCore::new(Millis(0), config);
    assert_eq!(connects(&drain(&mut core)), [(1, 0)]);
    core.handle_input(Millis(5), RoomInput::SocketOpened { socket: SocketId(1) }).unwrap();
    let _ = drain(&mut core);
    let frame = RoomInput::Frame { socket: SocketId(1), msg: welcome(false) };
    core.handle_input(Millis(10), frame).unwrap();
    let _ = drain(&mut core);

    // The node dies: its socket closes, and reconnecting to it is refused.
    core.handle_input(Millis(1_000), RoomInput::SocketClosed { socket: SocketId(1) }).unwrap();
    assert_eq!(connects(&drain(&mut core)), [(2, 0)], "first the same node");
    core.handle_input(Millis(1_002), RoomInput::SocketClosed { socket: SocketId(2) }).unwrap();
    let _ = drain(&mut core);
    let retry = core.poll_timeout().expect("a retry is due");
    assert!(retry.0 <= 1_002 + 120, "retry at {retry:?}");
    core.handle_timeout(retry);
    assert_eq!(connects(&drain(&mut core)), [(3, 1)], "then the other node");
    core.handle_input(retry, RoomInput::SocketOpened { socket: SocketId(3) }).unwrap();
    let out = drain(&mut core);
    let resume = out.iter().find_map(|o| match o {
        RoomOutput::Send(ClientMessage::Join { resume, .. }) => Some(resume.clone()),
        _ => None,
    });
    assert_eq!(resume, Some(Some("token-1".to_owned())));
}
