//! The lifecycle as a table (RFC 6455 §5.5, §7): every (state, input) pair
//! driven through the public API, with the state right after the input, the
//! event or result it gave, the frames it left owed, and the state once they
//! are drained. The expected table is a `match` with no wildcard over the
//! crate's own `State`, so a new state or input cannot slip in untested.
mod common;
use common::*;
use std::time::Duration;
use wsmachine::{CloseCode, Config, Connection, Event, State, Termination, UsageError};

/// Every input a connection takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Input {
    RecvData,
    RecvPing,
    RecvPong,
    RecvClose,
    RecvViolation,
    Eof,
    CloseTimeout,
    SendData,
    SendPing,
    SendPong,
    Close,
    Drain,
}

const INPUTS: [Input; 12] = [
    Input::RecvData,
    Input::RecvPing,
    Input::RecvPong,
    Input::RecvClose,
    Input::RecvViolation,
    Input::Eof,
    Input::CloseTimeout,
    Input::SendData,
    Input::SendPing,
    Input::SendPong,
    Input::Close,
    Input::Drain,
];

/// What the input call gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gave {
    Nothing,
    Data,
    Ping,
    Pong,
    CloseReceived,
    Clean,
    Failed,
    Abnormal,
    TimedOut,
    Sent,
    Refused,
}

/// A frame left owed (drained by `poll_transmit`), by opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owed {
    Pong,
    Close,
}

struct Row {
    after: State,
    gave: Gave,
    owed: &'static [Owed],
    drained: State,
}

const fn row(after: State, gave: Gave, owed: &'static [Owed], drained: State) -> Row {
    Row { after, gave, owed, drained }
}

/// The expected table (server role). No wildcard: every pair is written out.
fn expected(state: State, input: Input) -> Row {
    use Gave::{Abnormal, Clean, Data, Failed, Nothing, Ping, Pong, Refused, Sent, TimedOut};
    use Input as I;
    use State::*;
    match (state, input) {
        (Open, I::RecvData) => row(Open, Data, &[], Open),
        (Open, I::RecvPing) => row(Open, Ping, &[Owed::Pong], Open),
        (Open, I::RecvPong) => row(Open, Pong, &[], Open),
        (Open, I::RecvClose) => row(CloseReceived, Gave::CloseReceived, &[Owed::Close], Closed),
        (Open, I::RecvViolation) => row(Closed, Failed, &[Owed::Close], Closed),
        (Open, I::Eof) => row(Closed, Abnormal, &[], Closed),
        (Open, I::CloseTimeout) => row(Open, Nothing, &[], Open),
        (Open, I::SendData | I::SendPing | I::SendPong) => row(Open, Sent, &[], Open),
        (Open, I::Close) => row(CloseSent, Sent, &[], CloseSent),
        (Open, I::Drain) => row(Open, Nothing, &[], Open),

        (CloseSent, I::RecvData) => row(CloseSent, Data, &[], CloseSent),
        // §5.5.2: a Ping is answered until the peer's Close arrives.
        (CloseSent, I::RecvPing) => row(CloseSent, Ping, &[Owed::Pong], CloseSent),
        (CloseSent, I::RecvPong) => row(CloseSent, Pong, &[], CloseSent),
        (CloseSent, I::RecvClose) => row(Closed, Clean, &[], Closed),
        // Our Close was sent: no second one.
        (CloseSent, I::RecvViolation) => row(Closed, Failed, &[], Closed),
        (CloseSent, I::Eof) => row(Closed, Abnormal, &[], Closed),
        (CloseSent, I::CloseTimeout) => row(Closed, TimedOut, &[], Closed),
        // §5.5.1: no data after our Close; a Pong still may go.
        (CloseSent, I::SendData | I::SendPing | I::Close) => row(CloseSent, Refused, &[], CloseSent),
        (CloseSent, I::SendPong) => row(CloseSent, Sent, &[], CloseSent),
        (CloseSent, I::Drain) => row(CloseSent, Nothing, &[], CloseSent),

        // Reading has stopped: input is ignored; the echo is still owed.
        (CloseReceived, I::RecvData | I::RecvPing | I::RecvPong | I::RecvClose | I::RecvViolation) => {
            row(CloseReceived, Nothing, &[Owed::Close], Closed)
        }
        (CloseReceived, I::Eof) => row(Closed, Clean, &[], Closed),
        (CloseReceived, I::CloseTimeout) => row(Closed, TimedOut, &[], Closed),
        // §5.5.1: data may still be sent before our Close.
        (CloseReceived, I::SendData | I::SendPong) => row(CloseReceived, Sent, &[Owed::Close], Closed),
        (CloseReceived, I::SendPing) => row(CloseReceived, Refused, &[Owed::Close], Closed),
        // `close` is the reply in place of the echo.
        (CloseReceived, I::Close) => row(Closed, Sent, &[], Closed),
        (CloseReceived, I::Drain) => row(CloseReceived, Nothing, &[Owed::Close], Closed),

        // Ended and reported: nothing more happens.
        (Closed, I::RecvData | I::RecvPing | I::RecvPong | I::RecvClose | I::RecvViolation) => {
            row(Closed, Nothing, &[], Closed)
        }
        (Closed, I::Eof | I::CloseTimeout | I::Drain) => row(Closed, Nothing, &[], Closed),
        (Closed, I::SendData | I::SendPing | I::SendPong | I::Close) => row(Closed, Refused, &[], Closed),
    }
}

/// A server connection brought to `state` through the public API.
fn in_state(state: State) -> Connection {
    let mut conn = Connection::server(Config::DEFAULT);
    let mut out = [0u8; 256];
    match state {
        State::Open => {}
        State::CloseSent => {
            conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
        }
        State::CloseReceived => {
            let mut wire = cframe(FIN | CLOSE, &close_payload(1000, b""));
            let _ = conn.handle_data(&mut wire);
        }
        State::Closed => {
            let mut wire = cframe(FIN | 3, b"");
            let _ = conn.handle_data(&mut wire);
            let _ = drain_transmit(&mut conn);
        }
    }
    assert_eq!(conn.state(), state);
    // Anchor the close deadline (if one runs) at t = 0.
    let _ = conn.handle_timeout(Duration::ZERO);
    conn
}

fn gave(event: Option<Event<'_, '_>>) -> Gave {
    match event {
        None => Gave::Nothing,
        Some(Event::Data { .. }) => Gave::Data,
        Some(Event::Ping(_)) => Gave::Ping,
        Some(Event::Pong(_)) => Gave::Pong,
        Some(Event::CloseReceived(_)) => Gave::CloseReceived,
        Some(Event::Closed(Termination::Clean(_))) => Gave::Clean,
        Some(Event::Closed(Termination::Failed(_))) => Gave::Failed,
        Some(Event::Closed(Termination::Abnormal)) => Gave::Abnormal,
        Some(Event::Closed(Termination::TimedOut)) => Gave::TimedOut,
    }
}

fn sent(result: Result<usize, UsageError>) -> Gave {
    match result {
        Ok(_) => Gave::Sent,
        Err(UsageError::Closed) => Gave::Refused,
        Err(e) => panic!("unexpected usage error {e}"),
    }
}

fn apply(conn: &mut Connection, input: Input) -> Gave {
    let mut out = [0u8; 256];
    let recv = |conn: &mut Connection, wire: Vec<u8>| {
        let mut wire = wire;
        gave(conn.handle_data(&mut wire).event)
    };
    match input {
        Input::RecvData => recv(conn, cframe(FIN | TEXT, b"x")),
        Input::RecvPing => recv(conn, cframe(FIN | PING, b"p")),
        Input::RecvPong => recv(conn, cframe(FIN | PONG, b"p")),
        Input::RecvClose => recv(conn, cframe(FIN | CLOSE, &close_payload(1000, b""))),
        Input::RecvViolation => recv(conn, cframe(FIN | 3, b"")),
        Input::Eof => gave(conn.handle_eof()),
        Input::CloseTimeout => gave(conn.handle_timeout(Duration::from_secs(3600))),
        Input::SendData => sent(conn.send_text("x", &mut out)),
        Input::SendPing => sent(conn.send_ping(b"", &mut out)),
        Input::SendPong => sent(conn.send_pong(b"", &mut out)),
        Input::Close => sent(conn.close(CloseCode::NORMAL, "", &mut out)),
        // The drain is itself the input: what it writes counts as owed.
        Input::Drain => Gave::Nothing,
    }
}

/// The owed frames, by opcode (server frames are unmasked: 2-byte headers).
fn drain_owed(conn: &mut Connection) -> Vec<Owed> {
    let bytes = drain_transmit(conn);
    let mut owed = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        owed.push(match bytes[at] & 0x0F {
            0xA => Owed::Pong,
            0x8 => Owed::Close,
            op => panic!("unexpected owed opcode {op:#x}"),
        });
        at += 2 + usize::from(bytes[at + 1]);
    }
    owed
}

#[test]
fn every_state_and_input_follows_the_table_rfc6455_7() {
    for state in State::ALL {
        for input in INPUTS {
            let want = expected(state, input);
            let mut conn = in_state(state);
            let got = apply(&mut conn, input);
            let after = conn.state();
            let owed = drain_owed(&mut conn);
            let drained = conn.state();
            let at = format!("{state:?} + {input:?}");
            assert_eq!(got, want.gave, "{at}: event or result");
            assert_eq!(after, want.after, "{at}: state after the input");
            assert_eq!(owed, want.owed, "{at}: owed frames");
            assert_eq!(drained, want.drained, "{at}: state once drained");
        }
    }
}

#[test]
fn a_terminal_event_is_reported_once_by_the_call_that_caused_it_rfc6455_7_1_7() {
    for state in State::ALL {
        for input in INPUTS {
            let mut conn = in_state(state);
            let first = apply(&mut conn, input);
            let _ = drain_owed(&mut conn);
            let terminal = |g: Gave| matches!(g, Gave::Clean | Gave::Failed | Gave::Abnormal | Gave::TimedOut);
            // After a drain that ends the connection (the echo written), the next
            // input call reports it; after that, nothing is reported again.
            let mut reported = usize::from(terminal(first));
            for _ in 0..3 {
                let mut empty = [0u8; 0];
                reported += usize::from(terminal(gave(conn.handle_data(&mut empty).event)));
                reported += usize::from(terminal(gave(conn.handle_timeout(Duration::from_secs(7200)))));
                reported += usize::from(terminal(gave(conn.handle_eof())));
            }
            let ended_here = conn.state() == State::Closed && state != State::Closed;
            assert_eq!(reported, usize::from(ended_here), "{state:?} + {input:?}");
        }
    }
}

#[test]
fn connection_size_is_pinned() {
    // 776 bytes on x86_64: the control-frame buffers, the peer's Close
    // reason, the config and the deadlines. Nothing is on the heap.
    assert!(core::mem::size_of::<Connection>() < 800);
}
