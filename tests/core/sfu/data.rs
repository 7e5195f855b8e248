//! Data in SFU rooms: through the VideoRoom's data channel.

use super::*;
use rtcroom::core::{Channel, CoreError, Payload};

fn sent_data(outs: &[RoomOutput]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match o {
            RoomOutput::Pc {
                peer,
                cmd: PcCommand::SendData { data: Payload::Text(t), channel: Channel::Reliable },
            } if peer == PUBLISHER => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn send_goes_on_the_publisher_connection_data_channel_once_it_is_open() {
    let mut s = Sfu::joined(json!([]));
    let failed = s.room.send(None, Payload::Text("hi".into()), true).unwrap();
    assert!(failed.is_empty());
    let step: Vec<RoomOutput> = s.drain();
    // Data alone builds the publisher connection (with its channel) and offers it.
    assert!(step.iter().any(|o| matches!(o, RoomOutput::CreatePeer { peer, data_channel: true, .. } if peer == PUBLISHER)));
    assert!(s.last_sld(PUBLISHER).is_some());
    assert!(sent_data(&s.outs).is_empty(), "held until the channel opens");
    s.room.send(None, Payload::Text("there".into()), true).unwrap();
    s.room.send(None, Payload::Text("stale".into()), false).unwrap();
    s.drain();
    s.peer(PUBLISHER, PeerInput::ChannelOpen(Channel::Reliable));
    assert_eq!(sent_data(&s.outs), ["hi", "there"]);
    s.room.send(None, Payload::Text("now".into()), true).unwrap();
    s.drain();
    assert_eq!(sent_data(&s.outs), ["hi", "there", "now"]);
}

#[test]
fn messages_held_for_a_closed_channel_are_bounded() {
    let mut s = Sfu::joined(json!([]));
    let big = "x".repeat(rtcroom::core::MAX_QUEUED_MESSAGE_BYTES / 2 + 1);
    s.room.send(None, Payload::Text(big.clone()), true).unwrap();
    assert!(matches!(
        s.room.send(None, Payload::Text(big), true),
        Err(CoreError::MessageQueueFull(_))
    ));
}

#[test]
fn send_to_one_participant_is_refused_janus_relays_to_everyone() {
    let mut s = Sfu::joined(json!([]));
    assert!(matches!(
        s.room.send(Some("901"), Payload::Text("x".into()), true),
        Err(CoreError::UnknownParticipant(_))
    ));
}

#[test]
fn data_janus_relays_arrives_as_a_message_from_the_publisher_its_channel_names() {
    let mut s = subscribed(&[901]);
    let data = Payload::Text("yo".into());
    s.peer(SUBSCRIBER, PeerInput::RelayedMessage { label: "901".into(), data });
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::Message { from, data: Payload::Text(t) } if t == "yo" && from == "901")));
}
