//! The lifecycle of a connection: its states, the one function that moves
//! between them (`Lifecycle::on`), and what each state owes the peer and
//! the transport.
//!
//! Every transition of the closing handshake (RFC 6455 §7) is a
//! `(state, trigger)` arm of the match in `Lifecycle::on`; nothing else
//! changes [`State`]. The table in [`State`]'s docs is that match in words.

use crate::close::CloseCode;
use crate::error::ProtocolError;
use crate::frame::Role;

/// Where a connection stands in its closing handshake (RFC 6455 §7).
///
/// | state | reads frames | may send data | answers Pings | may `close` |
/// |---|---|---|---|---|
/// | `Open` | yes | yes | yes | yes |
/// | `CloseSent` | yes (data is still delivered) | no (§5.5.1) | yes (§5.5.2) | no |
/// | `CloseReceived` | no (input is ignored) | yes, until our Close | only those received before | yes: that is the reply |
/// | `Closed` | no | no | no | no |
///
/// The transitions (each a line of one `match`):
///
/// | from | on | to | owes |
/// |---|---|---|---|
/// | `Open` | the peer's Close | `CloseReceived` | the Close echo (same code) |
/// | `Open` | [`close`](crate::Connection::close) | `CloseSent` | — |
/// | `CloseSent` | the peer's Close | `Closed` (clean) | — |
/// | `CloseReceived` | `close` or the echo drained by `poll_transmit` | `Closed` (clean) | — |
/// | `Open`, `CloseSent`, `CloseReceived` | a violation by the peer, or a missed keep-alive Pong | `Closed` (failed) | a Close with the error's code, unless ours was sent |
/// | `Open`, `CloseSent` | end of the transport | `Closed` (abnormal, 1006) | nothing (the transport is gone) |
/// | `CloseReceived` | end of the transport | `Closed` (clean) | nothing |
/// | `CloseSent`, `CloseReceived` | the close timeout | `Closed` (timed out, 1006) | nothing; close the transport |
/// | `Closed` | end of the transport, the close timeout | `Closed` | nothing; close the transport |
///
/// [`Connection::transport_should_close`](crate::Connection::transport_should_close)
/// turns true in `Closed` once the owed Close is written: at once for a
/// server or after a failure; for a client after a clean close only when
/// the server ended the transport or the close timeout passed (§7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Data flows both ways.
    Open,
    /// Our Close was sent; the peer's is awaited.
    CloseSent,
    /// The peer's Close arrived; our reply is owed (drain
    /// [`poll_transmit`](crate::Connection::poll_transmit), or call
    /// [`close`](crate::Connection::close) to choose its code).
    CloseReceived,
    /// The connection ended;
    /// [`termination`](crate::Connection::termination) says how.
    Closed,
}

impl State {
    /// Every state, for tables and tests.
    pub const ALL: [State; 4] = [State::Open, State::CloseSent, State::CloseReceived, State::Closed];

    /// Whether frames are still read in this state.
    pub const fn reads(self) -> bool {
        matches!(self, State::Open | State::CloseSent)
    }

    /// Whether data frames may be sent in this state.
    pub const fn may_send_data(self) -> bool {
        matches!(self, State::Open | State::CloseReceived)
    }
}

/// What moves the lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The peer's Close frame arrived (its code, to echo).
    PeerClose(CloseCode),
    /// The peer broke the protocol, or a keep-alive deadline passed.
    Fail(ProtocolError),
    /// The transport ended.
    Eof,
    /// The caller wrote our Close.
    LocalClose,
    /// `poll_transmit` wrote the owed Close.
    OwedCloseWritten,
    /// The close-handshake deadline passed.
    CloseTimeout,
}

/// How the connection ended, without the peer's Close (kept elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Clean,
    Failed(ProtocolError),
    Abnormal,
    TimedOut,
}

/// The state and everything the closing handshake still owes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifecycle {
    pub(crate) state: State,
    pub(crate) ending: Option<Ending>,
    /// The Close we owe the peer: an echo, or the one after a failure.
    pub(crate) owed_close: Option<CloseCode>,
    close_sent: bool,
    /// The transport ended or must be closed now (end of input, timeout).
    transport_done: bool,
    /// The ending was handed to the caller in an event.
    reported: bool,
}

impl Lifecycle {
    pub(crate) const fn new() -> Self {
        Self {
            state: State::Open,
            ending: None,
            owed_close: None,
            close_sent: false,
            transport_done: false,
            reported: false,
        }
    }

    /// The one transition function.
    pub(crate) fn on(&mut self, trigger: Trigger) {
        use State::*;
        use Trigger::*;
        match (self.state, trigger) {
            (Open, PeerClose(code)) => {
                self.state = CloseReceived;
                self.owed_close = Some(code);
            }
            (CloseSent, PeerClose(_)) => self.end(Ending::Clean),
            // Reading has stopped in these states: the receive path never gets here.
            (CloseReceived | Closed, PeerClose(_)) => {}
            (Open | CloseSent | CloseReceived, Fail(error)) => {
                if !self.close_sent {
                    self.owed_close = Some(error.close_code());
                }
                self.end(Ending::Failed(error));
            }
            (Closed, Fail(_)) => {}
            (Open | CloseSent, Eof) => {
                self.owed_close = None;
                self.transport_done = true;
                self.end(Ending::Abnormal);
            }
            (CloseReceived, Eof) => {
                self.owed_close = None;
                self.transport_done = true;
                self.end(Ending::Clean);
            }
            (Closed, Eof | CloseTimeout) => {
                self.owed_close = None;
                self.transport_done = true;
            }
            (Open, LocalClose) => {
                self.state = CloseSent;
                self.close_sent = true;
            }
            (CloseReceived, LocalClose | OwedCloseWritten) => {
                self.owed_close = None;
                self.close_sent = true;
                self.end(Ending::Clean);
            }
            // `close` refuses these states before it gets here.
            (CloseSent | Closed, LocalClose) => {}
            (Closed, OwedCloseWritten) => {
                self.owed_close = None;
                self.close_sent = true;
            }
            // Nothing is owed in these states.
            (Open | CloseSent, OwedCloseWritten) => {}
            (CloseSent | CloseReceived, CloseTimeout) => {
                self.owed_close = None;
                self.transport_done = true;
                self.end(Ending::TimedOut);
            }
            // No close deadline runs while open.
            (Open, CloseTimeout) => {}
        }
    }

    fn end(&mut self, ending: Ending) {
        self.state = State::Closed;
        self.ending = Some(ending);
    }

    /// The ending, once, for the call that reports it.
    pub(crate) fn take_report(&mut self) -> Option<Ending> {
        if self.reported {
            return None;
        }
        let ending = self.ending?;
        self.reported = true;
        Some(ending)
    }

    /// Whether the caller should close the transport now (RFC 6455 §7.1.1).
    pub(crate) fn transport_should_close(&self, role: Role) -> bool {
        if self.transport_done {
            return true;
        }
        match self.ending {
            None => false,
            Some(_) if self.owed_close.is_some() => false,
            Some(Ending::Clean) => role == Role::Server,
            Some(_) => true,
        }
    }

    /// Whether a close-handshake deadline should run: closing has begun and
    /// the transport is not yet to be closed.
    pub(crate) fn awaits_close(&self, role: Role) -> bool {
        self.state != State::Open && !self.transport_should_close(role)
    }
}
