//! One object from the first byte to the last: a thin façade over the
//! opening handshake and the [`Connection`], for either role.
//!
//! [`ServerEndpoint`] starts by reading the HTTP request. When the request
//! head is complete, it comes out as [`ServerEvent::Request`] (a valid
//! WebSocket upgrade) or [`ServerEvent::NotUpgrade`] (any other HTTP
//! request, e.g. a browser asking for a page), holding a
//! [`PendingRequest`]: the request, read without parsing it again
//! ([`path`](PendingRequest::path), [`header`](PendingRequest::header),
//! [`origin`](PendingRequest::origin), [`protocols`](PendingRequest::protocols),
//! ...), and the decision: [`accept`](PendingRequest::accept) writes the
//! `101` and the endpoint becomes the connection;
//! [`respond`](PendingRequest::respond) writes any other response (a page,
//! a 404, a 401) and [`refuse`](PendingRequest::refuse) the response for a
//! [`HandshakeError`] (e.g. the 403 of a failed Origin check); after either,
//! close the transport. An invalid upgrade request comes out as
//! [`ServerEvent::HandshakeFailed`], and its error response (400, 426 or
//! 431) comes out of [`ServerEndpoint::poll_transmit`].
//!
//! [`ClientEndpoint`] starts from a [`ClientRequest`]: the request bytes come
//! out of [`ClientEndpoint::poll_transmit`]; the response comes out as
//! [`ClientEvent::Accepted`] (the endpoint becomes the connection),
//! [`ClientEvent::Rejected`] (status, headers and body in one
//! [`ResponseView`]) or [`ClientEvent::HandshakeFailed`].
//!
//! Both are built on the pure handshake functions ([`ServerHandshake`],
//! [`server::accept`], [`server::reject`], [`server::error_response`],
//! [`ClientRequest::write`], [`ClientHandshake`]) and on [`Connection`];
//! they add only the state in between. Once open, every [`Event`] of the
//! connection comes through unchanged inside `ServerEvent::Connection` /
//! `ClientEvent::Connection`; the send methods are the connection's own,
//! reached through `connection_mut()`.
//!
//! # The drain rule
//!
//! As with the connection: after every call that may change the endpoint,
//! drain `poll_transmit` until it returns `Ok(None)`, then check
//! `transport_should_close`. During the handshake that is where the
//! client's request and the server's error response come out; the `101`
//! and the other responses are written by the deciding call itself.
//!
//! # The input rule during the handshake
//!
//! `handle_data` follows the connection's rule: it reports how many bytes it
//! consumed, and the caller passes the unconsumed rest (plus newly read
//! bytes) to the next call. While the head is incomplete it consumes
//! nothing, so the caller's buffer accumulates the head: make it at least
//! [`Limits::max_head_len`] long, or, with a fixed buffer, set
//! `max_head_len` to its length ([`ServerEndpoint::with_limits`]) so that a
//! head that cannot fit fails at once (431) instead of waiting for room. When the head completes, `consumed` stops
//! at its end: frames that arrived right behind it are the connection's and
//! go to the next call (for a [`ServerEvent::NotUpgrade`], they are the
//! request body, if any).
//!
//! # Headers
//!
//! Header fields live in the caller's input buffer, which the endpoint
//! cannot keep between calls. The server endpoint keeps where they are
//! instead: the positions of up to [`MAX_HEADERS`] fields (a
//! [`Limits::max_headers`] above that is capped to it, and
//! [`Limits::max_head_len`] to 64 KiB), from the one parse, in the space
//! the connection takes once open. A [`PendingRequest`] reads them against
//! the head in the event. The client endpoint parses a response head into
//! an array of [`MAX_HEADERS`] fields on the stack; a [`ResponseView`]
//! reads the checked head line by line when asked.
//!
//! # Size
//!
//! An endpoint holds its [`Connection`] inline, plus the configuration and
//! the handshake state (the server's kept field positions share the
//! connection's space): `size_of::<ServerEndpoint>()` and
//! `size_of::<ClientEndpoint<'_, fn() -> [u8; 4]>>()` are at most 48 bytes
//! more than the connection's on x86_64. While a response head is checked,
//! the client's `handle_data` also uses an array of [`MAX_HEADERS`] header
//! fields (2 KiB on x86_64) on the stack. Nothing is on the heap; with
//! `alloc`, `_vec` variants append the output to a `Vec<u8>`.

use core::fmt;
use core::time::Duration;

use crate::connection::{Config, Connection, Event, Handled};
use crate::error::BufferTooSmall;
use crate::frame::Role;
use crate::handshake::client::{self, Checked, ClientHandshake, ClientRequest};
use crate::handshake::extensions::Extensions;
use crate::handshake::http::{self, FieldSpan, Fields, Header, Limits, ListElements, RequestLine, EMPTY_HEADER};
use crate::handshake::server::{self, Accept, Scan, ServerHandshake};
use crate::handshake::{HandshakeError, Negotiated, OriginPolicy, Out, Sink, Status};
use crate::mask::MaskSource;

pub use crate::handshake::DecisionError;

/// The number of header fields an endpoint reads a head with: the default
/// [`Limits::max_headers`].
pub const MAX_HEADERS: usize = http::DEFAULT_MAX_HEADERS;

/// Where a decision's response goes: a caller's slice or (with `alloc`) a `Vec`.
enum Output<'o> {
    Slice(&'o mut [u8]),
    #[cfg(feature = "alloc")]
    Vec(&'o mut alloc::vec::Vec<u8>),
}

impl Output<'_> {
    /// Writes with `f`; the length written, or the room a slice lacked
    /// (then nothing counts as written).
    fn write(self, f: impl FnOnce(&mut dyn Sink)) -> Result<usize, BufferTooSmall> {
        match self {
            Output::Slice(buf) => {
                let mut out = Out::new(buf);
                f(&mut out);
                out.finish()
            }
            #[cfg(feature = "alloc")]
            Output::Vec(v) => {
                let start = v.len();
                f(v);
                Ok(v.len() - start)
            }
        }
    }
}

// ---------------------------------------------------------------- server

/// A request head kept between its arrival and the decision: where its
/// parts are in the head bytes (which stay in the caller's buffer).
#[derive(Clone, Debug)]
struct Held {
    fields: [FieldSpan; MAX_HEADERS],
    count: u8,
    /// The `Sec-WebSocket-Key` field of a valid upgrade request; `None` for
    /// a request that is not an upgrade.
    key: Option<u8>,
}

impl Held {
    const EMPTY: Self = Self { fields: [FieldSpan::EMPTY; MAX_HEADERS], count: 0, key: None };

    fn fields<'h>(&self, head: &'h [u8]) -> Fields<'h, '_> {
        Fields::Spans(head, self.fields.get(..usize::from(self.count)).unwrap_or_default())
    }

    fn value<'h>(&self, head: &'h [u8], field: Option<u8>) -> Option<&'h [u8]> {
        self.fields(head).get(usize::from(field?)).map(|(_, value)| value)
    }
}

/// `usize::min` for `const fn`s.
const fn min(a: usize, b: usize) -> usize {
    if a < b {
        a
    } else {
        b
    }
}

/// What a pending request reads when the endpoint holds none (after a decision).
static NO_REQUEST: Held = Held::EMPTY;

/// What the caller decides on a request.
#[derive(Clone, Copy)]
enum Reply<'a> {
    Accept(&'a Accept<'a>),
    Respond { status: u16, headers: &'a [Header<'a>], body: &'a [u8] },
    Refuse(HandshakeError),
}

/// A request head that has arrived and awaits the caller's decision: read
/// it with the getters (no parsing: the endpoint kept where each part is),
/// then answer with [`accept`](Self::accept), [`respond`](Self::respond)
/// or [`refuse`](Self::refuse).
///
/// It borrows the input buffer (`'b`) and the endpoint (`'c`); what the
/// getters return borrows only the input buffer, so it outlives the
/// decision. A decision that fails (a [`DecisionError`]) writes nothing and
/// leaves the request waiting: the endpoint's own
/// [`respond`](ServerEndpoint::respond) and [`refuse`](ServerEndpoint::refuse)
/// can still answer it.
pub struct PendingRequest<'b, 'c> {
    head: &'b [u8],
    // What most deciders read, found by the one parse and check.
    method: &'b str,
    target: &'b str,
    host: Option<&'b [u8]>,
    origin: Option<&'b [u8]>,
    upgrade: bool,
    endpoint: &'c mut ServerEndpoint,
}

impl fmt::Debug for PendingRequest<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingRequest")
            .field("method", &self.method())
            .field("target", &self.target())
            .field("upgrade", &self.is_upgrade())
            .finish_non_exhaustive()
    }
}

impl<'b> PendingRequest<'b, '_> {
    fn held(&self) -> &Held {
        match &self.endpoint.state {
            ServerState::Deciding(held) => held,
            _ => &NO_REQUEST,
        }
    }

    fn fields(&self) -> Fields<'b, '_> {
        self.held().fields(self.head)
    }

    /// The head bytes, request line to the empty line included.
    pub fn head(&self) -> &'b [u8] {
        self.head
    }

    /// Whether this is a valid WebSocket upgrade request
    /// ([`ServerEvent::Request`]) rather than another HTTP request
    /// ([`ServerEvent::NotUpgrade`]).
    pub fn is_upgrade(&self) -> bool {
        self.upgrade
    }

    /// The method, e.g. `GET`.
    pub fn method(&self) -> &'b str {
        self.method
    }

    /// The request target as sent: path and query, e.g. `/chat?room=1`.
    pub fn target(&self) -> &'b str {
        self.target
    }

    /// The path: the target up to `?`, e.g. `/chat`.
    pub fn path(&self) -> &'b str {
        let target = self.target();
        target.split_once('?').map_or(target, |(path, _)| path)
    }

    /// The query: the target after `?`, if any, e.g. `room=1`.
    pub fn query(&self) -> Option<&'b str> {
        self.target().split_once('?').map(|(_, query)| query)
    }

    /// The value of the first header `name` (ASCII case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.fields().first(name)
    }

    /// Every header field, in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'b>> + Clone + '_ {
        self.fields().headers()
    }

    /// The elements of a list-valued header (e.g. `Accept-Encoding`), across repeated headers.
    pub fn list<'n>(&'n self, name: &'n str) -> ListElements<'b, 'n> {
        self.fields().list(name)
    }

    /// The `Host` value (the only one, for an upgrade request).
    pub fn host(&self) -> Option<&'b [u8]> {
        self.host
    }

    /// The `Origin` value, if any (the only one, for an upgrade request).
    pub fn origin(&self) -> Option<&'b [u8]> {
        self.origin
    }

    /// Checks the `Origin` against `policy` (403 on refusal: answer with
    /// [`refuse`](Self::refuse)).
    pub fn check_origin(&self, policy: &OriginPolicy<'_>) -> Result<(), HandshakeError> {
        policy.check(self.origin())
    }

    /// The offered subprotocols, in the client's order of preference.
    pub fn protocols(&self) -> impl Iterator<Item = &'b str> + Clone + '_ {
        self.fields().protocols()
    }

    /// The first of `supported` (the server's order of preference) that the client offered.
    pub fn choose_protocol<'s>(&self, supported: &[&'s str]) -> Option<&'s str> {
        self.fields().choose_protocol(supported)
    }

    /// The offered extensions, in order.
    pub fn extensions(&self) -> Extensions<'_> {
        self.fields().extensions()
    }

    /// Accepts the upgrade: writes the `101 Switching Protocols` response
    /// ([`server::accept`]) into `out` and the endpoint becomes the
    /// connection. The chosen subprotocol and extensions must be among
    /// those offered ([`DecisionError::ProtocolNotOffered`],
    /// [`DecisionError::ExtensionNotOffered`]); a request that is not an
    /// upgrade gives [`DecisionError::NotUpgrade`].
    pub fn accept(self, accept: &Accept<'_>, out: &mut [u8]) -> Result<usize, DecisionError> {
        self.endpoint.decide(self.head, Reply::Accept(accept), Output::Slice(out))
    }

    /// Answers with `status` (e.g. 200 with a page, 404, 401), the caller's
    /// headers and body, plus `Content-Length` and `Connection: close`
    /// ([`server::reject`]); then close the transport.
    pub fn respond(
        self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecisionError> {
        self.endpoint.respond(status, headers, body, out)
    }

    /// Answers with the response for `error` ([`server::error_response`]),
    /// e.g. the 403 of a failed [`check_origin`](Self::check_origin); then
    /// close the transport.
    pub fn refuse(self, error: HandshakeError, out: &mut [u8]) -> Result<usize, DecisionError> {
        self.endpoint.refuse(error, out)
    }
}

#[cfg(feature = "alloc")]
impl PendingRequest<'_, '_> {
    /// [`accept`](Self::accept), appending to a `Vec`.
    pub fn accept_vec(self, accept: &Accept<'_>, out: &mut alloc::vec::Vec<u8>) -> Result<usize, DecisionError> {
        self.endpoint.decide(self.head, Reply::Accept(accept), Output::Vec(out))
    }

    /// [`respond`](Self::respond), appending to a `Vec`.
    pub fn respond_vec(
        self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, DecisionError> {
        self.endpoint.respond_vec(status, headers, body, out)
    }

    /// [`refuse`](Self::refuse), appending to a `Vec`.
    pub fn refuse_vec(self, error: HandshakeError, out: &mut alloc::vec::Vec<u8>) -> Result<usize, DecisionError> {
        self.endpoint.refuse_vec(error, out)
    }
}

/// What [`ServerEndpoint::handle_data`] reports.
#[derive(Debug)]
pub enum ServerEvent<'b, 'c> {
    /// A valid WebSocket upgrade request: decide with
    /// [`PendingRequest::accept`], [`respond`](PendingRequest::respond) or
    /// [`refuse`](PendingRequest::refuse) before the next input.
    Request(PendingRequest<'b, 'c>),
    /// An HTTP request that is not a WebSocket upgrade (no `Upgrade:
    /// websocket`), e.g. a browser asking for a page: answer it with
    /// [`PendingRequest::respond`] before the next input.
    NotUpgrade(PendingRequest<'b, 'c>),
    /// The upgrade request was invalid: the error response
    /// (`error.status()`) is waiting in [`ServerEndpoint::poll_transmit`];
    /// then close the transport.
    HandshakeFailed(HandshakeError),
    /// An event of the open connection, unchanged.
    Connection(Event<'b, 'c>),
}

// The open state holds the whole connection inline: the core has no
// allocator to box it. The request kept while deciding fits in its space.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum ServerState {
    /// Reading the request head.
    Reading(ServerHandshake),
    /// A request awaits the caller's decision.
    Deciding(Held),
    /// The request was invalid; the error response is owed.
    Refusing(HandshakeError),
    /// Answered without an upgrade, or the transport ended before one.
    Ended,
    /// The upgrade is done.
    Open(Connection),
}

/// A server from the first byte of the request to the last frame: the
/// opening handshake (and any other HTTP request on the same port), then
/// the [`Connection`].
///
/// ```
/// use wsmachine::endpoint::{ServerEndpoint, ServerEvent};
/// use wsmachine::handshake::server::Accept;
/// use wsmachine::{Config, Event};
///
/// let mut rx = *b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\n\r\n\
///     \x81\x82\x37\xfa\x21\x3d\x5f\x93"; // a masked "hi" right behind the head
/// let mut tx = [0u8; 256];
/// let mut server = ServerEndpoint::new(Config::default());
///
/// let input = server.handle_data(&mut rx);
/// let used = input.consumed;
/// let Some(ServerEvent::Request(req)) = input.event else { panic!("a valid request") };
/// assert_eq!((req.path(), req.header("host")), ("/chat", Some(&b"example.com"[..])));
/// let protocol = req.choose_protocol(&["chat"]);
/// let n = req.accept(&Accept { protocol, ..Accept::default() }, &mut tx).unwrap();
/// assert!(tx[..n].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
///
/// // The rest is the connection's.
/// let input = server.handle_data(&mut rx[used..]);
/// assert!(matches!(input.event, Some(ServerEvent::Connection(Event::Data { payload: b"hi", .. }))));
/// let n = server.connection_mut().unwrap().send_text("hello", &mut tx).unwrap();
/// assert_eq!(&tx[..n], b"\x81\x05hello");
/// ```
///
/// A request that is not an upgrade is handed over too:
///
/// ```
/// use wsmachine::endpoint::{ServerEndpoint, ServerEvent};
/// use wsmachine::handshake::Header;
/// use wsmachine::Config;
///
/// let mut rx = *b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
/// let mut tx = [0u8; 256];
/// let mut server = ServerEndpoint::new(Config::default());
/// let Some(ServerEvent::NotUpgrade(req)) = server.handle_data(&mut rx).event else { panic!("a page request") };
/// let (status, body) = if req.path() == "/index.html" { (200, &b"<h1>hi</h1>"[..]) } else { (404, &b""[..]) };
/// let n = req.respond(status, &[Header::new("Content-Type", b"text/html")], body, &mut tx).unwrap();
/// assert!(tx[..n].starts_with(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"));
/// assert!(server.transport_should_close());
/// ```
#[derive(Clone, Debug)]
pub struct ServerEndpoint {
    state: ServerState,
    config: Config,
    handshake_deadline: Deadline,
}

impl ServerEndpoint {
    /// A server endpoint with the default head [`Limits`] (a `const fn`:
    /// an endpoint can live in a `static`).
    pub const fn new(config: Config) -> Self {
        Self::with_limits(config, Limits::DEFAULT)
    }

    /// A server endpoint with the given head limits (`max_headers` capped
    /// at [`MAX_HEADERS`], `max_head_len` at 64 KiB).
    ///
    /// With a fixed receive buffer, set `max_head_len` to its length: a
    /// request head that cannot fit is then answered with 431 as soon as
    /// the full buffer holds no end of head
    /// ([`ServerEvent::HandshakeFailed`] with
    /// [`HandshakeError::HeadTooLarge`]), instead of waiting for room the
    /// buffer will never have.
    pub const fn with_limits(config: Config, limits: Limits) -> Self {
        let limits = Limits {
            max_headers: min(limits.max_headers, MAX_HEADERS),
            max_head_len: min(limits.max_head_len, u16::MAX as usize),
        };
        Self { state: ServerState::Reading(ServerHandshake::new(limits)), config, handshake_deadline: Deadline::new() }
    }

    /// Feeds received bytes; see the [module docs](self) for the handshake
    /// and [`Connection::handle_data`] for the connection. While a request
    /// awaits the decision, this consumes nothing and reports nothing.
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> Handled<ServerEvent<'b, 'c>> {
        self.handle_data_into(buf, &mut [])
    }

    /// [`handle_data`](Self::handle_data) for a connection that may run
    /// permessage-deflate: inflated payloads go into `out` (see
    /// [`Connection::handle_data_into`]). Before the upgrade `out` is unused.
    pub fn handle_data_into<'b, 'c>(
        &'c mut self,
        buf: &'b mut [u8],
        out: &'b mut [u8],
    ) -> Handled<ServerEvent<'b, 'c>> {
        if !matches!(self.state, ServerState::Open(_)) {
            return self.handshake_data(buf);
        }
        match &mut self.state {
            ServerState::Open(conn) => {
                let input = conn.handle_data_into(buf, out);
                Handled { consumed: input.consumed, event: input.event.map(ServerEvent::Connection) }
            }
            _ => Handled { consumed: 0, event: None },
        }
    }

    fn handshake_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> Handled<ServerEvent<'b, 'c>> {
        let buf: &'b [u8] = buf;
        let ServerState::Reading(hs) = &mut self.state else {
            // Deciding: wait for the caller. Refusing or ended: input is ignored.
            let consumed = if matches!(self.state, ServerState::Deciding(_)) { 0 } else { buf.len() };
            return Handled { consumed, event: None };
        };
        let mut held = Held::EMPTY;
        let checked = match hs.parser.parse_into::<RequestLine<'b>, [FieldSpan]>(buf, &mut held.fields[..]) {
            Ok(Status::Partial) => return Handled { consumed: 0, event: None },
            Ok(Status::Complete((line, count, used))) => held.keep(buf, &line, count).map(|found| (line, found, used)),
            Err(e) => Err(e),
        };
        match checked {
            Ok((line, (host, origin), used)) => {
                let head = buf.get(..used).unwrap_or(buf);
                let (host, origin) = (held.value(head, host), held.value(head, origin));
                let upgrade = held.key.is_some();
                self.state = ServerState::Deciding(held);
                let req = PendingRequest {
                    head,
                    method: line.method,
                    target: line.target,
                    host,
                    origin,
                    upgrade,
                    endpoint: self,
                };
                let event = if upgrade { ServerEvent::Request(req) } else { ServerEvent::NotUpgrade(req) };
                Handled { consumed: used, event: Some(event) }
            }
            Err(e) => {
                self.state = ServerState::Refusing(e);
                Handled { consumed: buf.len(), event: Some(ServerEvent::HandshakeFailed(e)) }
            }
        }
    }

    /// Answers the waiting request with `status`, the caller's headers and
    /// body ([`PendingRequest::respond`]), e.g. when the request itself is
    /// no longer at hand; then close the transport.
    pub fn respond(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecisionError> {
        self.decide(&[], Reply::Respond { status, headers, body }, Output::Slice(out))
    }

    /// Answers the waiting request with the response for `error`
    /// ([`PendingRequest::refuse`]); then close the transport.
    pub fn refuse(&mut self, error: HandshakeError, out: &mut [u8]) -> Result<usize, DecisionError> {
        self.decide(&[], Reply::Refuse(error), Output::Slice(out))
    }

    /// Every decision: checks that a request is waiting (and, to accept,
    /// that it is an upgrade and the choice was offered), writes the
    /// response, then moves on. Nothing changes when it fails.
    fn decide(&mut self, head: &[u8], reply: Reply<'_>, out: Output<'_>) -> Result<usize, DecisionError> {
        let ServerState::Deciding(held) = &self.state else {
            return Err(DecisionError::NoRequest);
        };
        let n = match reply {
            Reply::Accept(accept) => {
                held.key.ok_or(DecisionError::NotUpgrade)?;
                server::check_offered(held.fields(head), accept)?;
                let key = held.value(head, held.key).unwrap_or_default();
                let conn = Connection::accepted(&accept.negotiated(), self.config)
                    .map_err(|_| DecisionError::UnsupportedExtension)?;
                let n = out.write(|o| server::write_accept(key, accept, o))?;
                self.state = ServerState::Open(conn);
                return Ok(n);
            }
            Reply::Respond { status, headers, body } => {
                out.write(|o| server::write_reject(status, headers, body, o))?
            }
            Reply::Refuse(e) => out.write(|o| server::write_reject(e.status(), server::error_headers(e), b"", o))?,
        };
        self.state = ServerState::Ended;
        Ok(n)
    }

    /// When the endpoint next needs [`handle_timeout`](Self::handle_timeout):
    /// the opening-handshake deadline until the upgrade (or a time at or
    /// before the last `now` given, meaning "now", while it is not anchored
    /// yet), then the connection's ([`Connection::poll_timeout`]).
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.state {
            ServerState::Open(conn) => conn.poll_timeout(),
            ServerState::Reading(_) | ServerState::Deciding(_) => Some(self.handshake_deadline.next()),
            ServerState::Refusing(_) | ServerState::Ended => None,
        }
    }

    /// Acts on the deadlines passed at `now` (the caller's clock): a request
    /// head (or a decision) that took longer than
    /// [`Config::handshake_timeout`] ends the handshake with
    /// [`HandshakeError::TimedOut`], reported here, and a 408 response is
    /// owed ([`poll_transmit`](Self::poll_transmit)); once open, see
    /// [`Connection::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Duration) -> Option<ServerEvent<'static, '_>> {
        match self.state {
            ServerState::Reading(_) | ServerState::Deciding(_) => {
                if !self.handshake_deadline.passed(now, self.config.handshake_timeout) {
                    return None;
                }
                self.state = ServerState::Refusing(HandshakeError::TimedOut);
                return Some(ServerEvent::HandshakeFailed(HandshakeError::TimedOut));
            }
            ServerState::Refusing(_) | ServerState::Ended => return None,
            ServerState::Open(_) => {}
        }
        match &mut self.state {
            ServerState::Open(conn) => conn.handle_timeout(now).map(ServerEvent::Connection),
            _ => None,
        }
    }

    /// Tells the endpoint the transport ended. Once open, see
    /// [`Connection::handle_eof`]; before, the endpoint just ends (no event).
    pub fn handle_eof(&mut self) -> Option<ServerEvent<'static, '_>> {
        if !matches!(self.state, ServerState::Open(_)) {
            self.state = ServerState::Ended;
        }
        match &mut self.state {
            ServerState::Open(conn) => conn.handle_eof().map(ServerEvent::Connection),
            _ => None,
        }
    }

    /// Writes the next bytes owed: the error response to an invalid request,
    /// then (once open) what [`Connection::poll_transmit`] gives. `Ok(None)`
    /// when nothing is waiting.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        match &mut self.state {
            ServerState::Open(conn) => conn.poll_transmit(out),
            _ => self.owed_refusal(Output::Slice(out)),
        }
    }

    /// The error response owed to an invalid request, if any.
    fn owed_refusal(&mut self, out: Output<'_>) -> Result<Option<usize>, BufferTooSmall> {
        let ServerState::Refusing(e) = self.state else {
            return Ok(None);
        };
        let n = out.write(|o| server::write_reject(e.status(), server::error_headers(e), b"", o))?;
        self.state = ServerState::Ended;
        Ok(Some(n))
    }

    /// Whether the caller should close the transport now: after a response
    /// other than the `101` is written, when the transport ended before the
    /// upgrade, and once open as [`Connection::transport_should_close`] says.
    pub fn transport_should_close(&self) -> bool {
        match &self.state {
            ServerState::Open(conn) => conn.transport_should_close(),
            ServerState::Ended => true,
            _ => false,
        }
    }

    /// Whether a request awaits the decision.
    pub fn is_deciding(&self) -> bool {
        matches!(self.state, ServerState::Deciding(_))
    }

    /// The connection, once accepted.
    pub fn connection(&self) -> Option<&Connection> {
        match &self.state {
            ServerState::Open(conn) => Some(conn),
            _ => None,
        }
    }

    /// The connection, once accepted: the send methods are its own.
    pub fn connection_mut(&mut self) -> Option<&mut Connection> {
        match &mut self.state {
            ServerState::Open(conn) => Some(conn),
            _ => None,
        }
    }

    /// The connection without the façade, once accepted (`None` before;
    /// check with [`connection`](Self::connection) first to keep the endpoint).
    pub fn into_connection(self) -> Option<Connection> {
        match self.state {
            ServerState::Open(conn) => Some(conn),
            _ => None,
        }
    }
}

impl Held {
    /// Keeps what the endpoint needs of a parsed head (`count` fields in
    /// `self.fields`) and checks it: a WebSocket upgrade request is checked
    /// (RFC 6455 §4.2.1) and its key kept; another HTTP request is not (the
    /// caller answers it). Returns where `Host` and `Origin` are.
    fn keep(
        &mut self,
        head: &[u8],
        line: &RequestLine<'_>,
        count: usize,
    ) -> Result<(Option<u8>, Option<u8>), HandshakeError> {
        let index = |i: usize| u8::try_from(i).ok();
        self.count = u8::try_from(count).map_err(|_| HandshakeError::TooManyHeaders)?;
        let scan = Scan::new(self.fields(head));
        if !scan.upgrade {
            let (host, origin) = scan.host_origin();
            return Ok((host.and_then(index), origin.and_then(index)));
        }
        let upgrade = scan.verdict(line)?;
        self.key = index(upgrade.key);
        Ok((index(upgrade.host), upgrade.origin.and_then(index)))
    }
}

#[cfg(feature = "alloc")]
impl ServerEndpoint {
    /// [`respond`](Self::respond), appending to a `Vec`.
    pub fn respond_vec(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, DecisionError> {
        self.decide(&[], Reply::Respond { status, headers, body }, Output::Vec(out))
    }

    /// [`refuse`](Self::refuse), appending to a `Vec`.
    pub fn refuse_vec(&mut self, error: HandshakeError, out: &mut alloc::vec::Vec<u8>) -> Result<usize, DecisionError> {
        self.decide(&[], Reply::Refuse(error), Output::Vec(out))
    }

    /// Drains everything [`poll_transmit`](Self::poll_transmit) would give into a `Vec`.
    pub fn poll_transmit_vec(&mut self, out: &mut alloc::vec::Vec<u8>) -> usize {
        match &mut self.state {
            ServerState::Open(conn) => conn.poll_transmit_vec(out),
            _ => self.owed_refusal(Output::Vec(out)).ok().flatten().unwrap_or(0),
        }
    }
}

// ---------------------------------------------------------------- client

/// A complete response head as received, and for a refusal its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseView<'b, 'r> {
    head: &'b [u8],
    body: &'b [u8],
    status: u16,
    protocol: Option<&'r str>,
    extensions: Option<&'b [u8]>,
}

impl<'b, 'r> ResponseView<'b, 'r> {
    /// The head bytes, status line to the empty line included.
    pub fn head(&self) -> &'b [u8] {
        self.head
    }

    /// The status code (`101` when accepted).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase, e.g. `Unauthorized` (may be empty).
    pub fn reason(&self) -> &'b [u8] {
        // `HTTP/1.1 401 Unauthorized\r\n`: the parser checked the shape.
        let line_end = memchr::memchr(b'\r', self.head).unwrap_or(0);
        self.head.get(13..line_end).unwrap_or_default()
    }

    /// The value of the first header `name` (ASCII case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers().find(|h| h.is(name)).map(|h| h.value)
    }

    /// Every header field, in order (read from the checked head on each call).
    pub fn headers(&self) -> impl Iterator<Item = Header<'b>> + Clone {
        http::fields_of_checked_head(self.head)
    }

    /// The `Content-Length`, if present and valid.
    pub fn content_length(&self) -> Option<u64> {
        client::content_length(self.header("content-length")?)
    }

    /// The body of a refusal ([`ClientEvent::Rejected`]; empty when
    /// accepted): the `Content-Length` bytes after the head when they end
    /// within [`Limits::max_head_len`] of the response's start (the endpoint
    /// waits for them), otherwise what had arrived with the head, at most
    /// `Content-Length` bytes (compare with [`content_length`](Self::content_length)).
    pub fn body(&self) -> &'b [u8] {
        self.body
    }

    /// The agreed subprotocol (one of the request's `protocols`), if any.
    pub fn protocol(&self) -> Option<&'r str> {
        self.protocol
    }

    /// What the handshake agreed (accepted responses): the subprotocol and
    /// the extensions of the `Sec-WebSocket-Extensions` header.
    pub fn negotiated(&self) -> Negotiated<'_> {
        Negotiated::new_bytes(Role::Client, self.protocol, self.extensions)
    }
}

/// What [`ClientEndpoint::handle_data`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEvent<'b, 'c, 'r> {
    /// The server accepted (`101`, every check passed): the endpoint is now
    /// the connection; `consumed` stopped at the end of the head.
    Accepted(ResponseView<'b, 'r>),
    /// The server answered with another status (e.g. 401, 403, a redirect):
    /// its status, headers and body ([`ResponseView::body`]) are all in the
    /// view; `consumed` stops after the body. The endpoint has ended.
    Rejected(ResponseView<'b, 'r>),
    /// The response was invalid (e.g. a wrong `Sec-WebSocket-Accept`):
    /// close the transport.
    HandshakeFailed(HandshakeError),
    /// An event of the open connection, unchanged.
    Connection(Event<'b, 'c>),
}

// The open state holds the whole connection inline: the core has no
// allocator to box it, and the handshake states are the small ones.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum ClientState<'r, M> {
    /// Writing the request (until `sent`) and reading the response head.
    /// The response checker is made at the first input (it computes the
    /// expected `Sec-WebSocket-Accept`, which a `const fn` cannot).
    Handshake { request: ClientRequest<'r>, handshake: Option<ClientHandshake<'r>>, sent: bool, mask: M },
    /// Rejected, failed, or the transport ended before the upgrade.
    Ended,
    /// The upgrade is done.
    Open(Connection<M>),
}

/// A client from the first byte of the request to the last frame: the
/// opening handshake, then the [`Connection`].
///
/// ```
/// use wsmachine::endpoint::{ClientEndpoint, ClientEvent};
/// use wsmachine::handshake::client::ClientRequest;
/// use wsmachine::{Config, Event};
///
/// let request = ClientRequest { protocols: &["chat"], ..ClientRequest::new("example.com", "/chat", *b"the sample nonce") };
/// let mut client = ClientEndpoint::new(request, Config::default(), || [1, 2, 3, 4]); // use real randomness
/// let mut tx = [0u8; 256];
/// let n = client.poll_transmit(&mut tx).unwrap().unwrap();
/// assert!(tx[..n].starts_with(b"GET /chat HTTP/1.1\r\n"));
///
/// let mut rx = *b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///     Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi";
/// let input = client.handle_data(&mut rx);
/// let used = input.consumed;
/// let Some(ClientEvent::Accepted(response)) = input.event else { panic!("accepted") };
/// assert_eq!(response.protocol(), Some("chat"));
///
/// let input = client.handle_data(&mut rx[used..]);
/// assert!(matches!(input.event, Some(ClientEvent::Connection(Event::Data { payload: b"hi", .. }))));
/// let n = client.connection_mut().unwrap().send_text("hello", &mut tx).unwrap();
/// assert_eq!(n, 2 + 4 + 5); // masked
/// ```
#[derive(Clone, Debug)]
pub struct ClientEndpoint<'r, M> {
    state: ClientState<'r, M>,
    config: Config,
    handshake_deadline: Deadline,
}

impl<'r, M: MaskSource> ClientEndpoint<'r, M> {
    /// A client endpoint for `request` (which carries the caller's 16 key
    /// bytes); `mask` supplies a fresh key for every frame once open. Its
    /// `limits.max_headers` is capped at [`MAX_HEADERS`]. A `const fn`: an
    /// endpoint can live in a `static` (with a named mask type, e.g. a
    /// `fn() -> [u8; 4]` or your generator's type).
    pub const fn new(request: ClientRequest<'r>, config: Config, mask: M) -> Self {
        let limits = Limits { max_headers: min(request.limits.max_headers, MAX_HEADERS), ..request.limits };
        let request = ClientRequest { limits, ..request };
        Self {
            state: ClientState::Handshake { request, handshake: None, sent: false, mask },
            config,
            handshake_deadline: Deadline::new(),
        }
    }

    /// Feeds received bytes; see the [module docs](self) for the handshake
    /// and [`Connection::handle_data`] for the connection.
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> Handled<ClientEvent<'b, 'c, 'r>> {
        self.handle_data_into(buf, &mut [])
    }

    /// [`handle_data`](Self::handle_data) for a connection that may run
    /// permessage-deflate: inflated payloads go into `out` (see
    /// [`Connection::handle_data_into`]). Before the upgrade `out` is unused.
    pub fn handle_data_into<'b, 'c>(
        &'c mut self,
        buf: &'b mut [u8],
        out: &'b mut [u8],
    ) -> Handled<ClientEvent<'b, 'c, 'r>> {
        if !matches!(self.state, ClientState::Open(_)) {
            return self.handshake_data(buf);
        }
        match &mut self.state {
            ClientState::Open(conn) => {
                let input = conn.handle_data_into(buf, out);
                Handled { consumed: input.consumed, event: input.event.map(ClientEvent::Connection) }
            }
            _ => Handled { consumed: 0, event: None },
        }
    }

    fn handshake_data<'b, 'c>(&mut self, buf: &'b mut [u8]) -> Handled<ClientEvent<'b, 'c, 'r>> {
        let buf: &'b [u8] = buf;
        let ClientState::Handshake { request, handshake, .. } = &mut self.state else {
            return Handled { consumed: buf.len(), event: None };
        };
        let handshake = handshake.get_or_insert_with(|| request.handshake());
        let max_head_len = handshake.limits().max_head_len;
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let (accepted, view, consumed) = match handshake.parse_checked(buf, &mut headers) {
            Ok(Status::Partial) => return Handled { consumed: 0, event: None },
            Ok(Status::Complete((Checked::Accepted(protocol, extensions), used))) => {
                // The server's choice is one of ours (checked): keep ours, which outlives `buf`.
                let protocol = protocol.and_then(|p| request.protocols.iter().copied().find(|o| *o == p));
                let head = buf.get(..used).unwrap_or(buf);
                (true, ResponseView { head, body: &[], status: 101, protocol, extensions }, used)
            }
            Ok(Status::Complete((Checked::Rejected(r), used))) => {
                // Wait for a body that fits where a head may; take what came of any other.
                let length = r.content_length().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                let end = length.map_or(buf.len(), |n| used.saturating_add(n));
                if end <= max_head_len && end > buf.len() {
                    return Handled { consumed: 0, event: None };
                }
                let end = end.min(buf.len());
                let (head, body) = (buf.get(..used).unwrap_or(buf), buf.get(used..end).unwrap_or_default());
                (false, ResponseView { head, body, status: r.status, protocol: None, extensions: None }, end)
            }
            Err(e) => {
                self.state = ClientState::Ended;
                return Handled { consumed: buf.len(), event: Some(ClientEvent::HandshakeFailed(e)) };
            }
        };
        let ended = core::mem::replace(&mut self.state, ClientState::Ended);
        let event = match ended {
            ClientState::Handshake { mask, .. } if accepted => {
                match Connection::connected(&view.negotiated(), self.config, mask) {
                    Ok(conn) => {
                        self.state = ClientState::Open(conn);
                        ClientEvent::Accepted(view)
                    }
                    Err(_) => ClientEvent::HandshakeFailed(HandshakeError::UnsupportedExtension),
                }
            }
            _ => ClientEvent::Rejected(view),
        };
        Handled { consumed, event: Some(event) }
    }

    /// When the endpoint next needs [`handle_timeout`](Self::handle_timeout):
    /// the opening-handshake deadline until the `101`, then the connection's.
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.state {
            ClientState::Open(conn) => conn.poll_timeout(),
            ClientState::Handshake { .. } => Some(self.handshake_deadline.next()),
            ClientState::Ended => None,
        }
    }

    /// Acts on the deadlines passed at `now`: a response that did not come
    /// within [`Config::handshake_timeout`] ends the handshake with
    /// [`HandshakeError::TimedOut`], reported here (close the transport);
    /// once open, see [`Connection::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Duration) -> Option<ClientEvent<'static, '_, 'r>> {
        match self.state {
            ClientState::Handshake { .. } => {
                if !self.handshake_deadline.passed(now, self.config.handshake_timeout) {
                    return None;
                }
                self.state = ClientState::Ended;
                return Some(ClientEvent::HandshakeFailed(HandshakeError::TimedOut));
            }
            ClientState::Ended => return None,
            ClientState::Open(_) => {}
        }
        match &mut self.state {
            ClientState::Open(conn) => conn.handle_timeout(now).map(ClientEvent::Connection),
            _ => None,
        }
    }

    /// Tells the endpoint the transport ended. Once open, see
    /// [`Connection::handle_eof`]; before, the endpoint just ends (no event).
    pub fn handle_eof(&mut self) -> Option<ClientEvent<'static, '_, 'r>> {
        if !matches!(self.state, ClientState::Open(_)) {
            self.state = ClientState::Ended;
        }
        match &mut self.state {
            ClientState::Open(conn) => conn.handle_eof().map(ClientEvent::Connection),
            _ => None,
        }
    }

    /// Writes the next bytes owed: first the request head
    /// ([`ClientRequest::write`]), then (once open) what
    /// [`Connection::poll_transmit`] gives. `Ok(None)` when nothing is waiting.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        match &mut self.state {
            ClientState::Open(conn) => conn.poll_transmit(out),
            ClientState::Handshake { request, sent, .. } if !*sent => {
                let n = request.write(out)?;
                *sent = true;
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }

    /// Whether the caller should close the transport now: after a rejected
    /// or invalid response, when the transport ended before the upgrade,
    /// and once open as [`Connection::transport_should_close`] says.
    pub fn transport_should_close(&self) -> bool {
        match &self.state {
            ClientState::Open(conn) => conn.transport_should_close(),
            ClientState::Ended => true,
            ClientState::Handshake { .. } => false,
        }
    }

    /// The connection, once accepted.
    pub fn connection(&self) -> Option<&Connection<M>> {
        match &self.state {
            ClientState::Open(conn) => Some(conn),
            _ => None,
        }
    }

    /// The connection, once accepted: the send methods are its own.
    pub fn connection_mut(&mut self) -> Option<&mut Connection<M>> {
        match &mut self.state {
            ClientState::Open(conn) => Some(conn),
            _ => None,
        }
    }

    /// The connection without the façade, once accepted (`None` before;
    /// check with [`connection`](Self::connection) first to keep the endpoint).
    pub fn into_connection(self) -> Option<Connection<M>> {
        match self.state {
            ClientState::Open(conn) => Some(conn),
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl<M: MaskSource> ClientEndpoint<'_, M> {
    /// Drains everything [`poll_transmit`](Self::poll_transmit) would give into a `Vec`.
    pub fn poll_transmit_vec(&mut self, out: &mut alloc::vec::Vec<u8>) -> usize {
        match &mut self.state {
            ClientState::Open(conn) => conn.poll_transmit_vec(out),
            ClientState::Handshake { request, sent, .. } if !*sent => {
                let start = out.len();
                request.write_vec(out);
                *sent = true;
                out.len() - start
            }
            _ => 0,
        }
    }
}

/// The opening-handshake deadline, anchored at the first `handle_timeout`
/// (the endpoint has no clock of its own).
#[derive(Clone, Copy, Debug)]
struct Deadline {
    at: Option<Duration>,
    /// The latest `now` the caller gave.
    now: Duration,
}

impl Deadline {
    const fn new() -> Self {
        Self { at: None, now: Duration::ZERO }
    }

    /// When to wake: the deadline, or the last `now` while unanchored.
    fn next(&self) -> Duration {
        self.at.unwrap_or(self.now)
    }

    /// Anchors the deadline `timeout` after the first call; whether it passed.
    fn passed(&mut self, now: Duration, timeout: Duration) -> bool {
        self.now = now;
        let at = *self.at.get_or_insert(now + timeout);
        now >= at
    }
}
