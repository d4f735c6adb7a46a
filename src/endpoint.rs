//! One object from the first byte to the last: a thin façade over the
//! opening handshake and the [`Connection`], for either role.
//!
//! [`ServerEndpoint`] starts by reading the HTTP request. When the request
//! head is complete and valid, [`ServerEvent::Request`] comes out and the
//! endpoint waits for the caller's decision: [`ServerEndpoint::accept`]
//! writes the `101` and the endpoint becomes the connection;
//! [`ServerEndpoint::reject`] (or [`ServerEndpoint::reject_with`]) writes a
//! refusal. An invalid request comes out as
//! [`ServerEvent::HandshakeFailed`], and the error response (400, 426 or 431)
//! comes out of [`ServerEndpoint::poll_transmit`].
//!
//! [`ClientEndpoint`] starts from a [`ClientRequest`]: the request bytes come
//! out of [`ClientEndpoint::poll_transmit`]; the response comes out as
//! [`ClientEvent::Accepted`] (the endpoint becomes the connection),
//! [`ClientEvent::Rejected`] or [`ClientEvent::HandshakeFailed`].
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
//! and a refusal are written by the deciding call itself.
//!
//! # The input rule during the handshake
//!
//! `handle_data` follows the connection's rule: it reports how many bytes it
//! consumed, and the caller passes the unconsumed rest (plus newly read
//! bytes) to the next call. While the head is incomplete it consumes
//! nothing, so the caller's buffer accumulates the head (make it at least
//! [`Limits::max_head_len`] long). When the head completes, `consumed` stops
//! at its end: frames that arrived right behind it are the connection's and
//! go to the next call.
//!
//! # Headers
//!
//! Header fields borrow the caller's input buffer, so the endpoint cannot
//! keep them between calls. It checks the head with an array of
//! [`MAX_HEADERS`] fields on the stack (a [`Limits::max_headers`] above that
//! is capped to it); the events carry a view of the head bytes that parses
//! them again, into an array of the caller's
//! ([`RequestView::parse`], [`ResponseView::parse`]) or one on the stack
//! ([`RequestView::with_request`], [`ResponseView::with_response`]).
//!
//! # Size
//!
//! An endpoint holds its [`Connection`] inline, plus the configuration and
//! the handshake state: `size_of::<ServerEndpoint>()` and
//! `size_of::<ClientEndpoint<'_, fn() -> [u8; 4]>>()` are 696 bytes on
//! x86_64 (the connection is 656). While a head is checked, `handle_data`
//! also uses an array of [`MAX_HEADERS`] header fields (2 KiB on x86_64)
//! on the stack. Nothing is on the heap; with `alloc`, `_vec` variants
//! append the output to a `Vec<u8>`.

use core::fmt;

use crate::connection::{Config, Connection, Event};
use crate::error::BufferTooSmall;
use crate::handshake::client::{ClientHandshake, ClientRequest, Response};
use crate::handshake::http::{self, Header, Limits, EMPTY_HEADER};
use crate::handshake::server::{self, Accept, Request, ServerHandshake};
use crate::handshake::{HandshakeError, Status};
use crate::mask::MaskSource;

/// The number of header fields an endpoint checks a head with (the size of
/// the array it puts on the stack while parsing): the default
/// [`Limits::max_headers`].
pub const MAX_HEADERS: usize = http::DEFAULT_MAX_HEADERS;

/// What one `handle_data` call of an endpoint did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointInput<E> {
    /// How many input bytes were consumed; keep the rest for the next call.
    pub consumed: usize,
    /// The event ([`ServerEvent`] or [`ClientEvent`]), or `None` when more
    /// input is needed (or, on a server, while a request awaits the decision).
    pub event: Option<E>,
}

/// A caller's mistake in deciding on a request. The endpoint is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecisionError {
    /// The output buffer is too small for the response.
    BufferTooSmall(BufferTooSmall),
    /// No request is waiting for a decision (none arrived yet, or it was
    /// decided already, or it was invalid).
    NoRequest,
}

impl From<BufferTooSmall> for DecisionError {
    fn from(e: BufferTooSmall) -> Self {
        Self::BufferTooSmall(e)
    }
}

impl fmt::Display for DecisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall(e) => e.fmt(f),
            Self::NoRequest => f.write_str("no request is waiting for a decision"),
        }
    }
}

impl core::error::Error for DecisionError {}

// ---------------------------------------------------------------- server

/// A valid request head, as received: parse it again to look at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestView<'b> {
    head: &'b [u8],
    max_headers: usize,
}

impl<'b> RequestView<'b> {
    /// The head bytes, request line to the empty line included.
    pub fn head(&self) -> &'b [u8] {
        self.head
    }

    /// The checked [`Request`], its fields parsed into `headers` (which
    /// must hold every field: [`HandshakeError::TooManyHeaders`] otherwise).
    pub fn parse<'h>(&self, headers: &'h mut [Header<'h>]) -> Result<Request<'h>, HandshakeError>
    where
        'b: 'h,
    {
        Request::check(http::parse_request_head(self.head, headers, self.max_headers)?)
    }

    /// Calls `f` with the checked [`Request`], its fields parsed into an
    /// array of [`MAX_HEADERS`] on the stack. The request was checked with
    /// the same array, so this does not fail in practice.
    pub fn with_request<R>(&self, f: impl FnOnce(&Request<'_>) -> R) -> Result<R, HandshakeError> {
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let req = self.parse(&mut headers)?;
        Ok(f(&req))
    }
}

/// What [`ServerEndpoint::handle_data`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerEvent<'b, 'c> {
    /// A valid upgrade request: decide with [`ServerEndpoint::accept`],
    /// [`ServerEndpoint::reject`] or [`ServerEndpoint::reject_with`] before
    /// the next input.
    Request(RequestView<'b>),
    /// The request was invalid: the error response (`error.status()`) is
    /// waiting in [`ServerEndpoint::poll_transmit`]; then close the transport.
    HandshakeFailed(HandshakeError),
    /// An event of the open connection, unchanged.
    Connection(Event<'b, 'c>),
}

// The open state holds the whole connection inline: the core has no
// allocator to box it, and the handshake states are the small ones.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum ServerState {
    /// Reading the request head.
    Reading(ServerHandshake),
    /// A valid request awaits the caller's decision; its `Sec-WebSocket-Key`.
    Deciding([u8; 24]),
    /// The request was invalid; the error response is owed.
    Refusing(HandshakeError),
    /// Refused (response written) or the transport ended before the upgrade.
    Ended,
    /// The upgrade is done.
    Open(Connection),
}

/// A server from the first byte of the request to the last frame: the
/// opening handshake, then the [`Connection`].
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
/// let protocol = req.with_request(|r| r.choose_protocol(&["chat"])).unwrap();
/// let n = server.accept(&Accept { protocol, ..Accept::default() }, &mut tx).unwrap();
/// assert!(tx[..n].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
///
/// // The rest is the connection's.
/// let input = server.handle_data(&mut rx[used..]);
/// assert!(matches!(input.event, Some(ServerEvent::Connection(Event::Data { payload: b"hi", .. }))));
/// let n = server.connection_mut().unwrap().send_text("hello", &mut tx).unwrap();
/// assert_eq!(&tx[..n], b"\x81\x05hello");
/// ```
#[derive(Clone, Debug)]
pub struct ServerEndpoint {
    state: ServerState,
    config: Config,
    max_headers: usize,
}

impl ServerEndpoint {
    /// A server endpoint with the default head [`Limits`].
    pub fn new(config: Config) -> Self {
        Self::with_limits(config, Limits::default())
    }

    /// A server endpoint with the given head limits (`max_headers` capped
    /// at [`MAX_HEADERS`]).
    pub fn with_limits(config: Config, limits: Limits) -> Self {
        let max_headers = limits.max_headers.min(MAX_HEADERS);
        let limits = Limits { max_headers, ..limits };
        Self { state: ServerState::Reading(ServerHandshake::new(limits)), config, max_headers }
    }

    /// Feeds received bytes; see the [module docs](self) for the handshake
    /// and [`Connection::handle_data`] for the connection. While a request
    /// awaits the decision, this consumes nothing and reports nothing.
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> EndpointInput<ServerEvent<'b, 'c>> {
        if !matches!(self.state, ServerState::Open(_)) {
            return self.handshake_data(buf);
        }
        match &mut self.state {
            ServerState::Open(conn) => {
                let input = conn.handle_data(buf);
                EndpointInput { consumed: input.consumed, event: input.event.map(ServerEvent::Connection) }
            }
            _ => EndpointInput { consumed: 0, event: None },
        }
    }

    fn handshake_data<'b, 'c>(&mut self, buf: &'b mut [u8]) -> EndpointInput<ServerEvent<'b, 'c>> {
        let buf: &'b [u8] = buf;
        let ServerState::Reading(hs) = &mut self.state else {
            // Deciding: wait for the caller. Refusing or ended: input is ignored.
            let consumed = if matches!(self.state, ServerState::Deciding(_)) { 0 } else { buf.len() };
            return EndpointInput { consumed, event: None };
        };
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let checked = match hs.parse(buf, &mut headers) {
            Ok(Status::Partial) => return EndpointInput { consumed: 0, event: None },
            Ok(Status::Complete((req, used))) => {
                <[u8; 24]>::try_from(req.key).map(|key| (key, used)).map_err(|_| HandshakeError::InvalidKey)
            }
            Err(e) => Err(e),
        };
        match checked {
            Ok((key, used)) => {
                self.state = ServerState::Deciding(key);
                let view = RequestView { head: buf.get(..used).unwrap_or(buf), max_headers: self.max_headers };
                EndpointInput { consumed: used, event: Some(ServerEvent::Request(view)) }
            }
            Err(e) => {
                self.state = ServerState::Refusing(e);
                EndpointInput { consumed: buf.len(), event: Some(ServerEvent::HandshakeFailed(e)) }
            }
        }
    }

    /// Accepts the request: writes the `101 Switching Protocols` response
    /// ([`server::accept`]) into `out` and becomes the connection. The
    /// chosen subprotocol and extensions must be among those offered.
    pub fn accept(&mut self, accept: &Accept<'_>, out: &mut [u8]) -> Result<usize, DecisionError> {
        let ServerState::Deciding(key) = &self.state else {
            return Err(DecisionError::NoRequest);
        };
        // `server::accept` reads only the key of the request.
        let req = Request { target: "", host: b"", key, origin: None, headers: &[] };
        let n = server::accept(&req, accept, out)?;
        self.state = ServerState::Open(Connection::server(self.config));
        Ok(n)
    }

    /// Refuses the request with `status` (e.g. 401, 403, 404), the caller's
    /// headers and body ([`server::reject`]); then close the transport.
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecisionError> {
        if !matches!(self.state, ServerState::Deciding(_)) {
            return Err(DecisionError::NoRequest);
        }
        let n = server::reject(status, headers, body, out)?;
        self.state = ServerState::Ended;
        Ok(n)
    }

    /// Refuses the request with the response for `error`
    /// ([`server::error_response`]), e.g. the 403 of a failed
    /// [`Request::check_origin`]; then close the transport.
    pub fn reject_with(&mut self, error: HandshakeError, out: &mut [u8]) -> Result<usize, DecisionError> {
        if !matches!(self.state, ServerState::Deciding(_)) {
            return Err(DecisionError::NoRequest);
        }
        let n = server::error_response(error, out)?;
        self.state = ServerState::Ended;
        Ok(n)
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
            ServerState::Refusing(e) => {
                let n = server::error_response(*e, out)?;
                self.state = ServerState::Ended;
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }

    /// Whether the caller should close the transport now: after a refusal
    /// is written, when the transport ended before the upgrade, and once
    /// open as [`Connection::transport_should_close`] says.
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

#[cfg(feature = "alloc")]
impl ServerEndpoint {
    /// [`accept`](Self::accept), appending to a `Vec`.
    pub fn accept_vec(&mut self, accept: &Accept<'_>, out: &mut alloc::vec::Vec<u8>) -> Result<usize, DecisionError> {
        let ServerState::Deciding(key) = &self.state else {
            return Err(DecisionError::NoRequest);
        };
        let req = Request { target: "", host: b"", key, origin: None, headers: &[] };
        let start = out.len();
        server::accept_vec(&req, accept, out);
        self.state = ServerState::Open(Connection::server(self.config));
        Ok(out.len() - start)
    }

    /// [`reject`](Self::reject), appending to a `Vec`.
    pub fn reject_vec(
        &mut self,
        status: u16,
        headers: &[Header<'_>],
        body: &[u8],
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, DecisionError> {
        if !matches!(self.state, ServerState::Deciding(_)) {
            return Err(DecisionError::NoRequest);
        }
        let start = out.len();
        server::reject_vec(status, headers, body, out);
        self.state = ServerState::Ended;
        Ok(out.len() - start)
    }

    /// [`reject_with`](Self::reject_with), appending to a `Vec`.
    pub fn reject_with_vec(
        &mut self,
        error: HandshakeError,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, DecisionError> {
        if !matches!(self.state, ServerState::Deciding(_)) {
            return Err(DecisionError::NoRequest);
        }
        let start = out.len();
        server::error_response_vec(error, out);
        self.state = ServerState::Ended;
        Ok(out.len() - start)
    }

    /// Drains everything [`poll_transmit`](Self::poll_transmit) would give into a `Vec`.
    pub fn poll_transmit_vec(&mut self, out: &mut alloc::vec::Vec<u8>) -> usize {
        match &mut self.state {
            ServerState::Open(conn) => conn.poll_transmit_vec(out),
            ServerState::Refusing(e) => {
                let start = out.len();
                server::error_response_vec(*e, out);
                self.state = ServerState::Ended;
                out.len() - start
            }
            _ => 0,
        }
    }
}

// ---------------------------------------------------------------- client

/// A complete response head, as received: parse it again to look at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseView<'b, 'r> {
    head: &'b [u8],
    status: u16,
    protocol: Option<&'r str>,
    handshake: ClientHandshake<'r>,
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

    /// The agreed subprotocol (one of the request's `protocols`), if any.
    pub fn protocol(&self) -> Option<&'r str> {
        self.protocol
    }

    /// The [`Response`] again (its checks included), its fields parsed into
    /// `headers` (which must hold every field): [`Response::Accepted`] with
    /// the [`Negotiated`](crate::Negotiated) extensions, or
    /// [`Response::Rejected`] with the [`Rejection`](crate::handshake::client::Rejection)'s headers.
    pub fn parse<'h>(&self, headers: &'h mut [Header<'h>]) -> Result<Response<'h>, HandshakeError>
    where
        'b: 'h,
    {
        let mut handshake = self.handshake;
        match handshake.parse_response(self.head, headers)? {
            Status::Complete((response, _)) => Ok(response),
            // The head is complete: not reached.
            Status::Partial => Err(HandshakeError::InvalidStatusLine),
        }
    }

    /// Calls `f` with the [`Response`], its fields parsed into an array of
    /// [`MAX_HEADERS`] on the stack.
    pub fn with_response<R>(&self, f: impl FnOnce(&Response<'_>) -> R) -> Result<R, HandshakeError> {
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let response = self.parse(&mut headers)?;
        Ok(f(&response))
    }
}

/// What [`ClientEndpoint::handle_data`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEvent<'b, 'c, 'r> {
    /// The server accepted (`101`, every check passed): the endpoint is now
    /// the connection; `consumed` stopped at the end of the head.
    Accepted(ResponseView<'b, 'r>),
    /// The server answered with another status (e.g. 401, 403, a redirect).
    /// The body, if any, starts after `consumed`; the endpoint has ended.
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
    Handshake { request: ClientRequest<'r>, handshake: ClientHandshake<'r>, sent: bool, mask: M },
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
}

impl<'r, M: MaskSource> ClientEndpoint<'r, M> {
    /// A client endpoint for `request` (which carries the caller's 16 key
    /// bytes); `mask` supplies a fresh key for every frame once open. Its
    /// `limits.max_headers` is capped at [`MAX_HEADERS`].
    pub fn new(request: ClientRequest<'r>, config: Config, mask: M) -> Self {
        let limits = Limits { max_headers: request.limits.max_headers.min(MAX_HEADERS), ..request.limits };
        let request = ClientRequest { limits, ..request };
        let handshake = request.handshake();
        Self { state: ClientState::Handshake { request, handshake, sent: false, mask }, config }
    }

    /// Feeds received bytes; see the [module docs](self) for the handshake
    /// and [`Connection::handle_data`] for the connection.
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> EndpointInput<ClientEvent<'b, 'c, 'r>> {
        if !matches!(self.state, ClientState::Open(_)) {
            return self.handshake_data(buf);
        }
        match &mut self.state {
            ClientState::Open(conn) => {
                let input = conn.handle_data(buf);
                EndpointInput { consumed: input.consumed, event: input.event.map(ClientEvent::Connection) }
            }
            _ => EndpointInput { consumed: 0, event: None },
        }
    }

    fn handshake_data<'b, 'c>(&mut self, buf: &'b mut [u8]) -> EndpointInput<ClientEvent<'b, 'c, 'r>> {
        let buf: &'b [u8] = buf;
        let ClientState::Handshake { request, handshake, .. } = &mut self.state else {
            return EndpointInput { consumed: buf.len(), event: None };
        };
        let fresh = request.handshake();
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let outcome = match handshake.parse_response(buf, &mut headers) {
            Ok(Status::Partial) => return EndpointInput { consumed: 0, event: None },
            Ok(Status::Complete((Response::Accepted(neg), used))) => {
                // The server's choice is one of ours (checked): keep ours, which outlives `buf`'s headers.
                let protocol = neg.protocol.and_then(|p| request.protocols.iter().copied().find(|o| *o == p));
                Ok((true, 101, protocol, used))
            }
            Ok(Status::Complete((Response::Rejected(r), used))) => Ok((false, r.status, None, used)),
            Err(e) => Err(e),
        };
        let old = core::mem::replace(&mut self.state, ClientState::Ended);
        match outcome {
            Ok((accepted, status, protocol, used)) => {
                let view = ResponseView { head: buf.get(..used).unwrap_or(buf), status, protocol, handshake: fresh };
                let event = if accepted {
                    if let ClientState::Handshake { mask, .. } = old {
                        self.state = ClientState::Open(Connection::client(self.config, mask));
                    }
                    ClientEvent::Accepted(view)
                } else {
                    ClientEvent::Rejected(view)
                };
                EndpointInput { consumed: used, event: Some(event) }
            }
            Err(e) => EndpointInput { consumed: buf.len(), event: Some(ClientEvent::HandshakeFailed(e)) },
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
