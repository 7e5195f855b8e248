//! App messages wait for the data channel, in order, within a bound.

use crate::world::{Action, Config, World, A, B};
use rtcroom::core::{
    CoreError, Millis, PcCommand, PeerInput, PeerOutput, PeerSession, MAX_QUEUED_MESSAGE_BYTES,
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

#[test]
fn message_queue_full_is_an_error() {
    let mut s = PeerSession::new("a", "b");
    let now = Millis(0);
    s.handle_input(now, PeerInput::SendMessage("x".repeat(MAX_QUEUED_MESSAGE_BYTES - 1))).unwrap();
    s.handle_input(now, PeerInput::SendMessage("y".into())).unwrap();
    let err = s.handle_input(now, PeerInput::SendMessage("z".into())).unwrap_err();
    assert_eq!(err, CoreError::MessageQueueFull(MAX_QUEUED_MESSAGE_BYTES));
    assert_eq!(err.code(), "message-queue-full");
    assert_eq!(s.poll_output(), None, "nothing sent while the channel is closed");
    s.handle_input(now, PeerInput::ChannelOpen).unwrap();
    let sent: Vec<usize> = std::iter::from_fn(|| s.poll_output())
        .map(|o| match o {
            PeerOutput::Command(PcCommand::SendData { data }) => data.len(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(sent, [MAX_QUEUED_MESSAGE_BYTES - 1, 1], "the refused message was not queued");
    // Once open there is no bound.
    s.handle_input(now, PeerInput::SendMessage("x".repeat(MAX_QUEUED_MESSAGE_BYTES + 1))).unwrap();
}
