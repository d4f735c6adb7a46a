//! The oracle shared by `connection_server` and `connection_client`: feed
//! arbitrary bytes after the handshake in arbitrary chunks and check every
//! outcome is an event the documentation allows.

use arbitrary::Arbitrary;
use wsmachine::{CloseCode, Config, Connection, Event, MaskSource, MessageKind, ProtocolError, Role, Termination};

/// The most input bytes a connection may hold (header, control payload,
/// unfinished UTF-8 character).
const BUFFERED_BOUND: usize = 14 + 125 + 3;

#[derive(Arbitrary, Debug)]
pub struct Case {
    max_frame_payload: u16,
    max_message_size: u16,
    auto_pong: bool,
    /// Chunk sizes, used in turn (0 means 1).
    chunks: Vec<u8>,
    /// End the input with `handle_eof`.
    eof: bool,
    bytes: Vec<u8>,
}

/// A counter mask source (fuzzing does not need unpredictable keys).
pub struct Counter(u32);

impl MaskSource for Counter {
    fn next_mask(&mut self) -> [u8; 4] {
        self.0 = self.0.wrapping_add(0x9E37_79B9);
        self.0.to_be_bytes()
    }
}

#[derive(Default)]
struct State {
    message: Option<(MessageKind, Vec<u8>)>,
    close_seen: Option<CloseCode>,
    closed: bool,
    failed: Option<ProtocolError>,
}

pub fn run(role: Role, case: Case) {
    let config = Config {
        max_frame_payload: u64::from(case.max_frame_payload),
        max_message_size: u64::from(case.max_message_size),
        auto_pong: case.auto_pong,
        ..Config::DEFAULT
    };
    let mut conn = match role {
        Role::Server => Connection::server_with(config, Counter(7)),
        Role::Client => Connection::client(config, Counter(7)),
    };
    let mut state = State::default();
    let mut sent = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut input = &case.bytes[..];
    let mut i = 0;
    while !input.is_empty() {
        let size = case.chunks.get(i % case.chunks.len().max(1)).map_or(input.len(), |&c| usize::from(c.max(1)));
        i += 1;
        let take = size.min(input.len());
        pending.extend_from_slice(&input[..take]);
        input = &input[take..];
        loop {
            let len = pending.len();
            let result = conn.handle_data(&mut pending);
            assert!(result.consumed <= len);
            let consumed = result.consumed;
            let got = result.event.is_some();
            if let Some(event) = result.event {
                check_event(&config, &mut state, &event);
            }
            pending.drain(..consumed);
            assert!(conn.buffered() <= BUFFERED_BOUND, "buffered {}", conn.buffered());
            drain(&mut conn, &mut sent);
            if !got && consumed == 0 {
                break;
            }
        }
        assert!(pending.is_empty(), "the connection consumes all it is given");
    }
    if case.eof {
        if let Some(event) = conn.handle_eof() {
            check_event(&config, &mut state, &event);
        }
        assert!(conn.state() == wsmachine::State::Closed);
        assert!(conn.transport_should_close());
        drain(&mut conn, &mut sent);
    }
    // A failure queued a Close with the error's code; it was the last frame written.
    if let Some(error) = state.failed {
        let code = error.close_code().0.to_be_bytes();
        let mask = role == Role::Client;
        let frame_len = if mask { 8 } else { 4 };
        assert!(sent.len() >= frame_len, "no Close after {error:?}");
        let last = &sent[sent.len() - frame_len..];
        assert_eq!(last[0], 0x88);
        assert_eq!(last[1], if mask { 0x82 } else { 0x02 });
        let body = if mask { [last[6] ^ last[2], last[7] ^ last[3]] } else { [last[2], last[3]] };
        assert_eq!(body, code, "the Close carries {error:?}'s code");
        assert!(conn.transport_should_close());
    }
    if state.closed {
        assert!(conn.state() == wsmachine::State::Closed);
    }
}

fn drain<M: MaskSource>(conn: &mut Connection<M>, sent: &mut Vec<u8>) {
    let mut buf = [0u8; 131];
    let mut rounds = 0;
    while let Some(n) = conn.poll_transmit(&mut buf).unwrap() {
        assert!(n > 0 && n <= 131);
        sent.extend_from_slice(&buf[..n]);
        rounds += 1;
        assert!(rounds <= 3, "poll_transmit keeps producing");
    }
    assert!(!conn.wants_transmit());
}

fn check_event(config: &Config, state: &mut State, event: &Event<'_, '_>) {
    assert!(!state.closed, "an event after Closed: {event:?}");
    match *event {
        Event::Data { kind, payload, frame_fin, message_fin } => {
            assert!(state.close_seen.is_none(), "data after the peer's Close");
            assert!(payload.len() as u64 <= config.max_frame_payload);
            assert!(!message_fin || frame_fin);
            let m = state.message.get_or_insert_with(|| (kind, Vec::new()));
            assert_eq!(m.0, kind, "the kind changed inside a message");
            m.1.extend_from_slice(payload);
            assert!(m.1.len() as u64 <= config.max_message_size);
            if message_fin {
                let (kind, bytes) = state.message.take().unwrap();
                if kind == MessageKind::Text {
                    assert!(core::str::from_utf8(&bytes).is_ok(), "invalid UTF-8 let through");
                }
            } else if kind == MessageKind::Text {
                // Everything so far is a valid prefix.
                if let Err(e) = core::str::from_utf8(&m.1) {
                    assert!(e.error_len().is_none(), "invalid UTF-8 not failed at once");
                }
            }
        }
        Event::Ping(p) | Event::Pong(p) => {
            assert!(state.close_seen.is_none());
            assert!(p.len() <= 125);
        }
        Event::CloseReceived(frame) => {
            assert!(state.close_seen.is_none(), "two Close events");
            assert!(frame.code.is_valid_on_wire() || frame.code == CloseCode::NO_STATUS);
            assert!(frame.reason.len() <= 123);
            state.close_seen = Some(frame.code);
        }
        Event::Closed(closure) => {
            state.closed = true;
            match closure {
                Termination::Clean(frame) => {
                    let seen = state.close_seen.expect("clean without the peer's Close (we never close first here)");
                    assert_eq!(frame.code, seen);
                }
                Termination::Failed(error) => {
                    assert!(state.close_seen.is_none());
                    assert_ne!(error, ProtocolError::KeepAliveTimeout);
                    state.failed = Some(error);
                }
                Termination::Abnormal => assert!(state.close_seen.is_none()),
                Termination::TimedOut => panic!("no clock is given here, so nothing times out"),
            }
        }
    }
}
