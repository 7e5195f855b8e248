//! Join tokens and grants through the real server, with WebSocket clients:
//! each refusal is a typed `error` on the `join`, and grants hold for what
//! the server relays.
mod common;

use common::*;
use rtcroom_proto::Grants;
use serde_json::json;

fn secured() -> Config {
    Config { open_rooms: false, ..config() }
}

fn viewer() -> Grants {
    Grants { can_publish: false, ..Grants::default() }
}

async fn refused(server: &TestServer, frame: serde_json::Value, code: &str) {
    let mut c = Client::connect(server).await;
    c.send(frame).await;
    c.expect_error(code).await;
    // The connection stays and can still join properly.
    c.assert_ping_pong().await;
}

#[tokio::test]
async fn joins_without_a_valid_token_get_typed_errors() {
    let server = TestServer::start(secured()).await;
    let join = |room: &str, token: Option<String>| json!({"type": "join", "room": room, "name": "n", "token": token});
    refused(&server, join("r", None), "token-required").await;
    let expired = join_token("r", "alice", -3600, Grants::default());
    refused(&server, join("r", Some(expired)), "token-expired").await;
    let other_room = join_token("elsewhere", "alice", 600, Grants::default());
    refused(&server, join("r", Some(other_room)), "token-wrong-room").await;
    let mut forged = join_token("r", "alice", 600, Grants::default());
    forged.pop();
    forged.push('x');
    refused(&server, join("r", Some(forged)), "token-invalid").await;
    let too_long = join_token("r", "alice", 5 * 3600, Grants::default());
    refused(&server, join("r", Some(too_long)), "token-invalid").await;
    // Nobody got in, so no room exists.
    let (_c, welcome) =
        Client::join_with(&server, join("r", Some(join_token("r", "bob", 600, Grants::default()))))
            .await;
    assert_eq!(welcome["peers"], json!([]));
}

#[tokio::test]
async fn a_subscriber_only_participant_cannot_announce_tracks_or_offer_to_send() {
    let server = TestServer::start(secured()).await;
    let token = |id: &str, g: Grants| join_token("r", id, 600, g);
    let (mut host, _) = Client::join_with(
        &server,
        json!({"type": "join", "room": "r", "token": token("host", Grants::default())}),
    )
    .await;
    let (mut v, welcome) = Client::join_with(
        &server,
        json!({"type": "join", "room": "r", "name": "spoofed", "token": token("viewer", viewer())}),
    )
    .await;
    assert_eq!(
        welcome["grants"],
        json!({"canPublish": false, "canSubscribe": true, "canPublishData": true})
    );
    // The host sees the token's identity as the name, not the client's.
    let joined = host.recv().await;
    assert_eq!(joined["peer"]["name"], "viewer", "{joined}");

    v.signal(
        &host.id,
        json!({"kind": "tracks", "tracks": [{"stream": "s", "kind": "video", "source": "camera"}]}),
    )
    .await;
    v.expect_error("not-allowed").await;
    let send_sdp = "v=0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n";
    v.signal(&host.id, json!({"kind": "description", "type": "offer", "sdp": send_sdp})).await;
    v.expect_error("not-allowed").await;
    // A receive-only answer is relayed; the host gets only that.
    let recv_sdp = send_sdp.replace("sendrecv", "recvonly");
    v.signal(&host.id, json!({"kind": "description", "type": "answer", "sdp": recv_sdp})).await;
    let got = host.recv().await;
    assert_eq!(got["data"]["sdp"], recv_sdp.as_str(), "{got}");
    // The host's media offer reaches the viewer.
    host.signal(&v.id, json!({"kind": "description", "type": "offer", "sdp": send_sdp})).await;
    assert_eq!(v.recv().await["data"]["type"], "offer");
}

#[tokio::test]
async fn the_token_subcommand_prints_a_token_the_server_accepts() {
    let bin = env!("CARGO_BIN_EXE_rtcroom-server");
    let out = std::process::Command::new(bin)
        .args(["token", "--room", "r", "--identity", "cli-user", "--ttl", "10m", "--no-publish"])
        .env("RTCROOM_SECRET", std::str::from_utf8(SECRET).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let server = TestServer::start(secured()).await;
    let (_c, welcome) =
        Client::join_with(&server, json!({"type": "join", "room": "r", "token": token})).await;
    assert_eq!(welcome["grants"]["canPublish"], false);
}
