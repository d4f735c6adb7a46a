//! The connection state machine: bytes in, events out; send calls in, bytes
//! out; the caller's clock in, deadlines out.
//!
//! - [`state`]: the lifecycle, its one transition function and its table;
//! - `receive`: [`Connection::handle_data`], [`Connection::handle_data_into`]
//!   and [`Connection::handle_eof`];
//! - `deflate` (feature `deflate`): permessage-deflate (RFC 7692) run by the
//!   connection, from `Connection::with_deflate`;
//! - `send`: the `send_*` calls, [`Connection::close`] and
//!   [`Connection::poll_transmit`] (the replies the protocol obliges);
//! - `timeout`: [`Connection::poll_timeout`] and [`Connection::handle_timeout`].

use core::time::Duration;

use crate::close::{CloseCode, CloseFrame, MAX_REASON_LEN};
use crate::decode::FrameDecoder;
use crate::error::{ProtocolError, UsageError};
use crate::frame::{HeaderRules, Role, MAX_CONTROL_PAYLOAD};
use crate::handshake::Negotiated;
use crate::mask::MaskSource;
use crate::utf8::Utf8Validator;

#[cfg(feature = "deflate")]
mod deflate;
mod receive;
mod send;
pub mod state;
mod timeout;

pub use state::State;
use state::{Ending, Lifecycle};
use timeout::Timers;

/// Limits, deadlines and behaviour of a [`Connection`].
///
/// ```
/// use core::time::Duration;
/// use wsmachine::Config;
/// const CONFIG: Config = Config {
///     max_message_size: 1 << 20,
///     keepalive_interval: Some(Duration::from_secs(30)),
///     ..Config::DEFAULT
/// };
/// assert_eq!(CONFIG.close_timeout, Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The largest payload accepted in one frame; larger fails with 1009
    /// as soon as the header is read. Default 16 MiB.
    pub max_frame_payload: u64,
    /// The largest message accepted (the sum of its frames' payloads);
    /// larger fails with 1009 as soon as the header that crosses it is read.
    /// Default 64 MiB.
    pub max_message_size: u64,
    /// Answer every Ping with a Pong through [`Connection::poll_transmit`]
    /// (only the latest of several pending pings is answered, as RFC 6455
    /// §5.5.3 allows). Default on.
    pub auto_pong: bool,
    /// Outgoing messages are split into frames of at most this many payload
    /// bytes. Default `usize::MAX`: one frame per message.
    pub max_outgoing_frame: usize,
    /// How long the closing handshake may take once it has begun (our Close
    /// sent, the peer's received, or a failure's Close owed) before the
    /// connection gives up: it ends as [`Termination::TimedOut`] and the
    /// transport should be closed. It also bounds how long a client waits
    /// for the server to close the transport after a clean close
    /// (RFC 6455 §7.1.1). Default 10 s.
    pub close_timeout: Duration,
    /// Send a Ping after this long since the last one; `None` (default)
    /// disables keep-alive.
    pub keepalive_interval: Option<Duration>,
    /// How long a keep-alive Ping may wait for any Pong before the
    /// connection fails with [`ProtocolError::KeepAliveTimeout`] (close code
    /// 1011). Default 20 s.
    pub pong_timeout: Duration,
    /// How long an endpoint waits for the opening handshake to complete
    /// (the whole request head for a server, the 101 for a client). Default 10 s.
    pub handshake_timeout: Duration,
}

impl Config {
    /// The defaults: 16 MiB frames, 64 MiB messages, auto-pong on, no
    /// fragmentation, 10 s close timeout, no keep-alive (20 s pong timeout
    /// when enabled), 10 s opening-handshake timeout.
    pub const DEFAULT: Self = Self {
        max_frame_payload: 16 << 20,
        max_message_size: 64 << 20,
        auto_pong: true,
        max_outgoing_frame: usize::MAX,
        close_timeout: Duration::from_secs(10),
        keepalive_interval: None,
        pong_timeout: Duration::from_secs(20),
        handshake_timeout: Duration::from_secs(10),
    };
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Text or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A UTF-8 text message.
    Text,
    /// A binary message.
    Binary,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination<'c> {
    /// Both Close frames were exchanged (or the peer's Close arrived and the
    /// transport ended); this is the one the peer sent
    /// ([`CloseCode::NO_STATUS`] if it carried no code).
    Clean(CloseFrame<'c>),
    /// We failed the connection because the peer broke the protocol (or a
    /// keep-alive Pong never came); a Close with `error.close_code()` was
    /// queued unless ours was sent already.
    Failed(ProtocolError),
    /// The transport ended before the closing handshake (code 1006).
    Abnormal,
    /// The closing handshake did not finish within [`Config::close_timeout`]
    /// (reported as code 1006).
    TimedOut,
}

impl Termination<'_> {
    /// The code to report locally: the peer's, the one we sent, or 1006.
    pub fn code(&self) -> CloseCode {
        match self {
            Self::Clean(f) => f.code,
            Self::Failed(e) => e.close_code(),
            Self::Abnormal | Self::TimedOut => CloseCode::ABNORMAL,
        }
    }

    /// Whether both sides completed the closing handshake.
    pub fn is_clean(&self) -> bool {
        matches!(self, Self::Clean(_))
    }

    /// An owned copy, to keep after the connection is gone.
    #[cfg(feature = "alloc")]
    pub fn to_owned(&self) -> OwnedTermination {
        match *self {
            Self::Clean(f) => OwnedTermination::Clean(f.to_owned()),
            Self::Failed(e) => OwnedTermination::Failed(e),
            Self::Abnormal => OwnedTermination::Abnormal,
            Self::TimedOut => OwnedTermination::TimedOut,
        }
    }
}

/// [`Termination`] that owns the peer's close reason (feature `alloc`).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnedTermination {
    /// See [`Termination::Clean`].
    Clean(crate::close::OwnedCloseFrame),
    /// See [`Termination::Failed`].
    Failed(ProtocolError),
    /// See [`Termination::Abnormal`].
    Abnormal,
    /// See [`Termination::TimedOut`].
    TimedOut,
}

/// What [`Connection::handle_data`] and [`Connection::handle_eof`] report.
///
/// Data payloads borrow the caller's buffers (`'b`: the input, or with
/// permessage-deflate the inflate buffer given to
/// [`Connection::handle_data_into`]); control payloads borrow the
/// connection (`'c`), so a data chunk can be echoed with a send call while
/// it is still in hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'b, 'c> {
    /// A piece of a text or binary message, unmasked. Text is validated as
    /// it arrives (the connection fails with 1007 at the first invalid byte),
    /// but a chunk may begin or end inside a character: use
    /// [`TextChunks`](crate::TextChunks) to read chunks as `&str`, or
    /// [`MessageAssembler`](crate::MessageAssembler) for whole messages.
    Data {
        /// Text or binary.
        kind: MessageKind,
        /// The bytes of this chunk (possibly empty).
        payload: &'b [u8],
        /// This chunk ends a frame.
        frame_fin: bool,
        /// This chunk ends the message.
        message_fin: bool,
    },
    /// A Ping; a Pong is queued when [`Config::auto_pong`] is on.
    Ping(&'c [u8]),
    /// A Pong (solicited or not).
    Pong(&'c [u8]),
    /// The peer began the closing handshake; our Close reply is queued
    /// (drain it with [`Connection::poll_transmit`], or call
    /// [`Connection::close`] to choose its code). [`Event::Closed`] follows
    /// from the next input call once the reply is written.
    CloseReceived(CloseFrame<'c>),
    /// The connection ended; no more events follow.
    Closed(Termination<'c>),
}

/// What one input call did: how many bytes it consumed and at most one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled<E> {
    /// How many input bytes were consumed; keep the rest for the next call.
    pub consumed: usize,
    /// The event, or `None` when more input is needed.
    pub event: Option<E>,
}

/// The mask type of a server connection, which never masks. It cannot be
/// constructed outside the crate, so no client can be built with it
/// (RFC 6455 §10.3: a client's mask keys must be unpredictable).
#[derive(Clone, Copy, Debug)]
pub struct NoMask(());

impl MaskSource for NoMask {
    fn next_mask(&mut self) -> [u8; 4] {
        [0; 4]
    }
}

/// The peer's Close, kept to report it.
#[derive(Clone, Copy, Debug)]
struct PeerClose {
    code: CloseCode,
    reason: [u8; MAX_REASON_LEN],
    reason_len: u8,
}

/// The message being received.
#[derive(Clone, Copy, Debug)]
struct Receiving {
    kind: Option<MessageKind>,
    len: u64,
    in_frame: bool,
    utf8: Utf8Validator,
}

/// Control frames owed to the peer besides the Close (which the lifecycle keeps).
#[derive(Clone, Copy, Debug)]
struct Replies {
    pong: Option<u8>,
    pong_payload: [u8; MAX_CONTROL_PAYLOAD],
    ping: Option<u8>,
    ping_payload: [u8; MAX_CONTROL_PAYLOAD],
}

impl Replies {
    fn clear(&mut self) {
        self.pong = None;
        self.ping = None;
    }
}

/// One WebSocket connection, either role, after the opening handshake.
///
/// See the [crate documentation](crate) for the run loop and the drain rule,
/// and [`State`] for the lifecycle.
#[derive(Clone, Debug)]
pub struct Connection<M = NoMask> {
    role: Role,
    config: Config,
    mask: M,
    decoder: FrameDecoder,
    recv: Receiving,
    /// The kind of the fragmented message being sent, if any.
    send_kind: Option<MessageKind>,
    /// UTF-8 carried across the fragments of a text message being sent.
    send_utf8: Utf8Validator,
    replies: Replies,
    life: Lifecycle,
    peer_close: PeerClose,
    timers: Timers,
    /// permessage-deflate, when negotiated ([`Connection::with_deflate`]).
    #[cfg(feature = "deflate")]
    deflate: Option<alloc::boxed::Box<deflate::DeflateState>>,
}

impl Connection<NoMask> {
    /// A server-side connection (receives masked frames, sends unmasked
    /// ones) with no extension in use.
    pub const fn server(config: Config) -> Self {
        Self::build(Role::Server, config, NoMask(()))
    }

    /// A server-side connection for what the opening handshake agreed.
    /// Fails with [`UsageError::UnsupportedExtension`] if the agreement has
    /// an extension this connection cannot run, or
    /// [`UsageError::WrongRole`] for a client's agreement.
    pub fn accepted(negotiated: &Negotiated<'_>, config: Config) -> Result<Self, UsageError> {
        if negotiated.role != Role::Server {
            return Err(UsageError::WrongRole);
        }
        check_extensions(Self::server(config), negotiated)
    }
}

impl<M: MaskSource> Connection<M> {
    /// A client-side connection with no extension in use; `mask` supplies
    /// a fresh, unpredictable key for every frame (RFC 6455 §5.3, §10.3).
    pub const fn client(config: Config, mask: M) -> Self {
        Self::build(Role::Client, config, mask)
    }

    /// A server-side connection whose mask type is `M`, so that programs
    /// can hold client and server connections of one type (a proxy, a test
    /// pair). A server never masks: `mask` is never called.
    pub const fn server_with(config: Config, mask: M) -> Self {
        Self::build(Role::Server, config, mask)
    }

    /// A client-side connection for what the opening handshake agreed.
    /// Fails like [`Connection::accepted`].
    pub fn connected(negotiated: &Negotiated<'_>, config: Config, mask: M) -> Result<Self, UsageError> {
        if negotiated.role != Role::Client {
            return Err(UsageError::WrongRole);
        }
        check_extensions(Self::client(config, mask), negotiated)
    }

    const fn build(role: Role, config: Config, mask: M) -> Self {
        Self {
            role,
            config,
            mask,
            decoder: FrameDecoder::new(HeaderRules::new(role, config.max_frame_payload)),
            recv: Receiving { kind: None, len: 0, in_frame: false, utf8: Utf8Validator::new() },
            send_kind: None,
            send_utf8: Utf8Validator::new(),
            replies: Replies {
                pong: None,
                pong_payload: [0; MAX_CONTROL_PAYLOAD],
                ping: None,
                ping_payload: [0; MAX_CONTROL_PAYLOAD],
            },
            life: Lifecycle::new(),
            peer_close: PeerClose { code: CloseCode::NO_STATUS, reason: [0; MAX_REASON_LEN], reason_len: 0 },
            timers: Timers::new(),
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> State {
        self.life.state
    }

    /// How the connection ended, once it has ([`State::Closed`]).
    pub fn termination(&self) -> Option<Termination<'_>> {
        Some(self.termination_of(self.life.ending?))
    }

    /// Whether the caller should now close the transport (RFC 6455 §7.1.1):
    /// once the owed Close is written after a failure; a server once both
    /// Close frames are exchanged; a client once the server ended the
    /// transport ([`handle_eof`](Self::handle_eof)) or the close timeout
    /// passed ([`handle_timeout`](Self::handle_timeout)); anyone after the
    /// transport ended.
    pub fn transport_should_close(&self) -> bool {
        self.life.transport_should_close(self.role)
    }

    /// Input bytes held inside the connection (partial header or control
    /// frame, carried UTF-8): never more than 14 + 125 + 3.
    pub fn buffered(&self) -> usize {
        self.decoder.buffered() + self.recv.utf8.pending()
    }

    /// The kind of the received message in progress, if any.
    pub fn receiving_message(&self) -> Option<MessageKind> {
        self.recv.kind
    }

    /// The kind of the fragmented message being sent, if any.
    pub fn sending_message(&self) -> Option<MessageKind> {
        self.send_kind
    }

    fn termination_of(&self, ending: Ending) -> Termination<'_> {
        match ending {
            Ending::Clean => Termination::Clean(self.peer_close_frame()),
            Ending::Failed(e) => Termination::Failed(e),
            Ending::Abnormal => Termination::Abnormal,
            Ending::TimedOut => Termination::TimedOut,
        }
    }

    fn peer_close_frame(&self) -> CloseFrame<'_> {
        let c = &self.peer_close;
        // The reason was validated as UTF-8 when it arrived.
        let reason = core::str::from_utf8(&c.reason[..c.reason_len as usize]).unwrap_or("");
        CloseFrame { code: c.code, reason }
    }

    /// The ending, if it is not reported yet, as the event that reports it.
    fn report(&mut self) -> Option<Event<'static, '_>> {
        let ending = self.life.take_report()?;
        Some(Event::Closed(self.termination_of(ending)))
    }
}

/// The connection for the agreement's extensions: permessage-deflate
/// (with the feature `deflate`, read from the response as the server wrote
/// it, run with [`DeflateConfig::default`](crate::deflate::DeflateConfig)'s
/// level and memory) or none; any other extension is refused.
#[cfg(feature = "deflate")]
fn check_extensions<M: MaskSource>(
    conn: Connection<M>,
    negotiated: &Negotiated<'_>,
) -> Result<Connection<M>, UsageError> {
    Ok(match deflate::agreement_of(negotiated)? {
        Some(agreement) => conn.with_deflate(agreement, crate::deflate::DeflateConfig::default()),
        None => conn,
    })
}

/// The connection for the agreement's extensions: without the feature
/// `deflate` this connection runs none, so any is refused.
#[cfg(not(feature = "deflate"))]
fn check_extensions<M: MaskSource>(
    conn: Connection<M>,
    negotiated: &Negotiated<'_>,
) -> Result<Connection<M>, UsageError> {
    match negotiated.extensions().next() {
        None => Ok(conn),
        Some(_) => Err(UsageError::UnsupportedExtension),
    }
}
