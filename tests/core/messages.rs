//! App messages wait for the data channel, in order, within a bound.

use crate::world::{Action, Config, World, A, B};
use rtcroom::core::{
    Channel, CoreError, Millis, Payload, PcCommand, PeerInput, PeerOutput, PeerSession, HIGH_WATER,
    LOW_WATER, MAX_QUEUED_MESSAGE_BYTES,
};

#[test]
fn messages_wait_for_the_data_channel() {
    let mut w = World::new(Config { data_channel: true, ..Config::default() });
    w.act(A, Action::Send("one".into()));
    w.act(A, Action::Send("two".into()));
    w.act(B, Action::Send("from b".into()));
    w.run_until(|w| w.sides[A].pc.channel_open() && w.sides[B].pc.channel_open()).unwrap();
    w.act(A, Action::Send("three".into()));
    w.run().unwrap();
    w.assert_converged();
    assert!(w.sides[A].pc.misuse.is_empty(), "nothing sent before the channel opened");
    assert_eq!(w.sides[B].messages(), ["one", "two", "three"]);
    assert_eq!(w.sides[A].messages(), ["from b"]);
}

fn sent(s: &mut PeerSession) -> Vec<usize> {
    std::iter::from_fn(|| s.poll_output())
        .filter_map(|o| match o {
            PeerOutput::Command(PcCommand::SendData { data, channel: Channel::Reliable }) => {
                Some(data.len())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn message_queue_full_is_an_error() {
    let mut s = PeerSession::new("a", "b");
    let now = Millis(0);
    s.send(Payload::Text("x".repeat(MAX_QUEUED_MESSAGE_BYTES - 1)), true).unwrap();
    s.send("y".into(), true).unwrap();
    let err = s.send("z".into(), true).unwrap_err();
    assert_eq!(err, CoreError::MessageQueueFull(MAX_QUEUED_MESSAGE_BYTES));
    assert_eq!(err.code(), "message-queue-full");
    assert_eq!(s.poll_output(), None, "nothing sent while the channel is closed");
    s.handle_input(now, PeerInput::ChannelOpen(Channel::Reliable)).unwrap();
    // The channel takes what fits under its high-water mark at once.
    assert_eq!(sent(&mut s), [MAX_QUEUED_MESSAGE_BYTES - 1], "the refused message was not queued");
    s.handle_input(now, PeerInput::ChannelBuffered(0)).unwrap();
    assert_eq!(sent(&mut s), [1]);
}

#[test]
fn a_full_channel_applies_back_pressure_until_it_drains() {
    let mut s = PeerSession::new("a", "b");
    let now = Millis(0);
    s.handle_input(now, PeerInput::ChannelOpen(Channel::Reliable)).unwrap();
    let chunk = (HIGH_WATER / 4) as usize;
    for _ in 0..8 {
        s.send(Payload::Binary(vec![7; chunk]), true).unwrap();
    }
    assert_eq!(sent(&mut s).len(), 4, "stops at the high-water mark");
    s.handle_input(now, PeerInput::ChannelBuffered(LOW_WATER)).unwrap();
    assert_eq!(sent(&mut s).len(), 3, "resumes on bufferedamountlow");
    s.handle_input(now, PeerInput::ChannelBuffered(0)).unwrap();
    assert_eq!(sent(&mut s).len(), 1);
}

#[test]
fn a_closed_channel_is_recreated_and_queued_messages_follow_in_order() {
    // The impolite side ("b" > "a") creates and recreates the channels.
    let mut s = PeerSession::new("b", "a");
    let now = Millis(0);
    s.handle_input(now, PeerInput::ChannelOpen(Channel::Reliable)).unwrap();
    s.handle_input(now, PeerInput::ChannelClosed(Channel::Reliable)).unwrap();
    let out: Vec<PeerOutput> = std::iter::from_fn(|| s.poll_output()).collect();
    assert_eq!(out, [PeerOutput::Command(PcCommand::CreateChannel { channel: Channel::Reliable })]);
    s.send("one".into(), true).unwrap();
    s.send(Payload::Binary(vec![1, 2]), true).unwrap();
    assert!(sent(&mut s).is_empty(), "waits for the new channel");
    s.handle_input(now, PeerInput::ChannelOpen(Channel::Reliable)).unwrap();
    assert_eq!(sent(&mut s), [3, 2]);
    // The polite side waits for the other side's new channel.
    let mut p = PeerSession::new("a", "b");
    p.handle_input(now, PeerInput::ChannelClosed(Channel::Reliable)).unwrap();
    assert_eq!(p.poll_output(), None);
}

#[test]
fn lossy_messages_are_dropped_rather_than_queued() {
    let mut s = PeerSession::new("a", "b");
    let now = Millis(0);
    s.send("stale".into(), false).unwrap();
    assert_eq!(s.poll_output(), None);
    s.handle_input(now, PeerInput::ChannelOpen(Channel::Lossy)).unwrap();
    assert_eq!(s.poll_output(), None, "the earlier lossy message is gone");
    s.send("fresh".into(), false).unwrap();
    assert_eq!(
        s.poll_output(),
        Some(PeerOutput::Command(PcCommand::SendData {
            data: "fresh".into(),
            channel: Channel::Lossy
        }))
    );
}

#[test]
fn keepalive_bytes_flow_while_the_keepalive_channel_is_open() {
    use rtcroom::core::recovery::KEEPALIVE_INTERVAL;
    let mut s = PeerSession::new("a", "b");
    s.handle_input(Millis(0), PeerInput::ChannelOpen(Channel::Keepalive)).unwrap();
    let mut sent = 0;
    let mut now = 0;
    while now <= 10 * KEEPALIVE_INTERVAL {
        s.handle_timeout(Millis(now));
        sent += std::iter::from_fn(|| s.poll_output())
            .filter(|o| {
                matches!(
                    o,
                    PeerOutput::Command(PcCommand::SendData { channel: Channel::Keepalive, .. })
                )
            })
            .count();
        now = s.poll_timeout().map_or(now + 1, |t| t.0.max(now + 1));
    }
    assert_eq!(sent, 11, "one byte every {KEEPALIVE_INTERVAL} ms");
    s.handle_input(Millis(now), PeerInput::ChannelClosed(Channel::Keepalive)).unwrap();
    assert_eq!(
        s.poll_timeout(),
        None,
        "nothing is due once it closed (the polite side does not recreate)"
    );
}
