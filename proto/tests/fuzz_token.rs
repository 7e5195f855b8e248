//! Fuzzes the session-token decoder through the hub's public path, `join
//! {resume: token}`, against an independent reference decoder: the hub
//! resumes exactly the tokens the reference accepts (MAC valid under the
//! secret, canonical base64url, four fields, not expired, this room), as
//! the id the token names, refuses every other one with `resume-failed`,
//! and never panics. Half the inputs are re-signed after mutation, so the
//! decoding behind the MAC check (base64url, fields, expiry) is reached too.
//! Seeds: `fuzz/corpus/tokens/` (minted under `SECRET` with Python's hmac).

use hmac::{Hmac, Mac};
use rtcroom_proto::hub::{Hub, HubConfig, HubOutput};
use rtcroom_proto::{ClientMessage, ErrorCode, ServerMessage, SignalData};
use serde_json::json;
use sha2::Sha256;

const SECRET: &[u8] = b"rtcroom-fuzz-secret";
const ROOM: &str = "demo";
/// The id the corpus tokens name, given to the member already in the room.
const MEMBER: &str = "p1-ab";
const NOW: u64 = 1_700_000_000_000;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(bytes: &[u8]) -> String {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = String::new();
    for &b in bytes {
        bits = bits << 8 | u32::from(b);
        n += 8;
        while n >= 6 {
            n -= 6;
            out.push(ALPHABET[(bits >> n & 63) as usize] as char);
        }
    }
    if n > 0 {
        out.push(ALPHABET[(bits << (6 - n) & 63) as usize] as char);
    }
    out
}

/// Strict: only canonical unpadded base64url (re-encoding gives the input).
fn b64url_strict(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    (b64url(&out) == text).then_some(out)
}

fn sign(body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
    mac.update(body.as_bytes());
    b64url(&mac.finalize().into_bytes())
}

/// The reference decoder: `(room, id)` of a token the hub must accept.
fn reference(token: &str) -> Option<(String, String)> {
    let (body, tag) = token.rsplit_once('.')?;
    if b64url_strict(tag)? != b64url_strict(&sign(body))? {
        return None;
    }
    let parts: Vec<&str> = body.split('.').collect();
    let [version, room, id, expiry] = parts.as_slice() else { return None };
    if *version != "v1" {
        return None;
    }
    let room = String::from_utf8(b64url_strict(room)?).ok()?;
    let id = String::from_utf8(b64url_strict(id)?).ok()?;
    (expiry.parse::<u64>().ok()? > NOW).then_some((room, id))
}

fn join(
    hub: &mut Hub<SignalData>,
    conn: u64,
    frame: serde_json::Value,
) -> Vec<HubOutput<SignalData>> {
    let msg: ClientMessage<SignalData> = serde_json::from_value(frame).expect("a join frame");
    hub.handle_message(NOW, conn, msg, || MEMBER.to_string());
    std::iter::from_fn(|| hub.poll_output()).collect()
}

#[test]
fn resume_tokens_are_accepted_exactly_when_the_reference_decoder_accepts_them(
) -> Result<(), Box<dyn std::error::Error>> {
    let mut resigned = 0u64;
    let report = rtcroom_fuzz::run("tokens", |input| {
        let mut token = rtcroom_fuzz::as_text(input).into_owned();
        // Re-sign every other input whose body the mutation left in place.
        if input.first().is_some_and(|b| b % 2 == 0) {
            if let Some((body, _)) = token.rsplit_once('.') {
                token = format!("{body}.{}", sign(body));
                resigned += 1;
            }
        }
        let mut hub: Hub<SignalData> =
            Hub::new(HubConfig { secret: SECRET.to_vec(), ..HubConfig::default() });
        join(&mut hub, 1, json!({"type": "join", "room": ROOM}));
        let out = join(&mut hub, 2, json!({"type": "join", "room": ROOM, "resume": token}));
        let to_newcomer: Vec<&ServerMessage<SignalData>> = out
            .iter()
            .filter_map(|o| match o {
                HubOutput::Send { conn: 2, msg } => Some(msg),
                _ => None,
            })
            .collect();
        let expected = reference(&token).filter(|(room, _)| room == ROOM);
        match (to_newcomer.first(), expected) {
            (Some(ServerMessage::Welcome { id, resumed: true, .. }), Some((_, want))) => {
                if *id != want {
                    return Err(format!("resumed as {id}, the token names {want}"));
                }
                Ok(true)
            }
            (Some(ServerMessage::Error { code: ErrorCode::ResumeFailed, .. }), None) => Ok(false),
            (got, want) => {
                Err(format!("token {token:?}: hub sent {got:?}, reference says {want:?}"))
            }
        }
    })?;
    assert!(report.accepted >= 2, "{report:?}");
    assert!(resigned > report.inputs / 4, "{resigned} of {report:?} re-signed");
    Ok(())
}
