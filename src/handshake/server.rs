//! The server side of the opening handshake (RFC 6455 §4.2).
//!
//! Two steps: [`ServerHandshake::parse`] checks the request and shows what
//! the client offers ([`Request::protocols`], [`Request::extensions`],
//! [`Request::origin`]); the caller decides, then [`accept`] writes the
//! `101 Switching Protocols` response, or [`error_response`] / [`reject`]
//! write a refusal.
//!
//! ```
//! use wsmachine::handshake::{server::{self, Accept, ServerHandshake}, Status, EMPTY_HEADER};
//! let rx = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!            Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x80";
//! let mut hs = ServerHandshake::default();
//! let mut headers = [EMPTY_HEADER; 32];
//! let mut tx = [0u8; 256];
//! match hs.parse(rx, &mut headers) {
//!     Ok(Status::Complete((req, used))) => {
//!         let accept = Accept { protocol: req.choose_protocol(&["chat"]), ..Accept::default() };
//!         let n = server::accept(&req, &accept, &mut tx).unwrap();
//!         assert!(tx[..n].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//!         assert_eq!(&rx[used..], b"\x81\x80"); // frame bytes, for the connection
//!         assert_eq!(accept.negotiated().protocol, Some("chat"));
//!     }
//!     Ok(Status::Partial) => { /* read more, call again with the whole buffer */ }
//!     Err(e) => {
//!         let n = server::error_response(e, &mut tx).unwrap();
//!         // write tx[..n], close
//!     }
//! }
//! ```

use super::error::{DecisionError, HandshakeError};
use super::extensions::{self, Extensions};
use super::http::{self, Fields, HeadParser, Header, Limits, ListElements, Seen};
use super::{Negotiated, OriginPolicy, Out, Sink, Status};
use crate::error::BufferTooSmall;
use crate::frame::Role;

/// Incremental server handshake: holds the head parser's state between reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerHandshake {
    pub(crate) parser: HeadParser,
}

impl ServerHandshake {
    /// A handshake with the given head limits.
    pub const fn new(limits: Limits) -> Self {
        Self { parser: HeadParser::new(limits) }
    }

    /// Bytes examined so far while looking for the end of the head (see
    /// [`HeadParser::scanned`]: linear in the input however it arrives).
    pub const fn scanned(&self) -> usize {
        self.parser.scanned()
    }

    /// Parses and checks the request in the bytes received so far (pass the
    /// whole buffer each time). On completion, the `usize` is the length of
    /// the head: bytes after it are frame data for the connection.
    pub fn parse<'r>(
        &mut self,
        buf: &'r [u8],
        headers: &'r mut [Header<'r>],
    ) -> Result<Status<(Request<'r>, usize)>, HandshakeError> {
        let Status::Complete((head, used)) = self.parser.parse_request(buf, headers)? else {
            return Ok(Status::Partial);
        };
        Ok(Status::Complete((Request::check(head)?, used)))
    }
}

/// A valid WebSocket upgrade request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'r> {
    /// The request target: path and query, e.g. `/chat?room=1`.
    pub target: &'r str,
    /// The `Host` header value.
    pub host: &'r [u8],
    /// The `Sec-WebSocket-Key` value, as sent (base64 of 16 bytes).
    pub key: &'r [u8],
    /// The `Origin` header value, if any.
    pub origin: Option<&'r [u8]>,
    /// Every header field, in order.
    pub headers: &'r [Header<'r>],
}

impl<'r> Request<'r> {
    /// Parses and checks a whole request with the default limits (a
    /// one-shot [`ServerHandshake::parse`]).
    pub fn parse(buf: &'r [u8], headers: &'r mut [Header<'r>]) -> Result<Status<(Self, usize)>, HandshakeError> {
        ServerHandshake::default().parse(buf, headers)
    }

    /// Checks a parsed request head (RFC 6455 §4.2.1), in one pass over the fields.
    pub fn check(head: http::RequestHead<'r>) -> Result<Self, HandshakeError> {
        let fields = Fields::Headers(head.headers);
        let upgrade = Scan::new(fields).verdict(&head.line)?;
        let value = |i: usize| fields.get(i).map(|(_, v)| v).unwrap_or_default();
        Ok(Self {
            target: head.line.target,
            host: value(upgrade.host),
            key: value(upgrade.key),
            origin: upgrade.origin.map(value),
            headers: head.headers,
        })
    }

    fn fields(&self) -> Fields<'r, 'r> {
        Fields::Headers(self.headers)
    }

    /// The `Sec-WebSocket-Accept` value for this request.
    pub fn accept_key(&self) -> [u8; 28] {
        super::accept_key(self.key)
    }

    /// The first value of header `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&'r [u8]> {
        self.fields().first(name)
    }

    /// The offered subprotocols, in the client's order of preference,
    /// across repeated `Sec-WebSocket-Protocol` headers.
    pub fn protocols(&self) -> impl Iterator<Item = &'r str> + Clone + 'r {
        self.fields().protocols()
    }

    /// The first of `supported` (in the server's order of preference) that the client offered.
    pub fn choose_protocol<'c>(&self, supported: &[&'c str]) -> Option<&'c str> {
        self.fields().choose_protocol(supported)
    }

    /// The offered extensions, in order, across repeated `Sec-WebSocket-Extensions` headers.
    pub fn extensions(&self) -> Extensions<'r> {
        self.fields().extensions()
    }

    /// Checks the `Origin` against `policy` (403 on refusal).
    ///
    /// ```
    /// use wsmachine::handshake::{server::Request, OriginPolicy, HandshakeError, EMPTY_HEADER};
    /// let rx = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\
    ///            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    ///            Origin: https://evil.example\r\n\r\n";
    /// let mut headers = [EMPTY_HEADER; 16];
    /// let (req, _) = Request::parse(rx, &mut headers).unwrap().complete().unwrap();
    /// let policy = OriginPolicy { allow_missing: true, ..OriginPolicy::allow(&["https://good.example"]) };
    /// assert_eq!(req.check_origin(&policy), Err(HandshakeError::OriginNotAllowed));
    /// ```
    pub fn check_origin(&self, policy: &OriginPolicy<'_>) -> Result<(), HandshakeError> {
        policy.check(self.origin)
    }

    /// The elements of a list-valued header, across repeated headers.
    pub fn list(&self, name: &'r str) -> ListElements<'r, 'r> {
        self.fields().list(name)
    }
}

/// What one pass over a request's fields found (RFC 6455 §4.2.1).
#[derive(Clone, Copy)]
pub(crate) struct Scan {
    host: Seen,
    key: Seen,
    version: Seen,
    origin: Seen,
    version_13: bool,
    key_valid: bool,
    /// An `Upgrade` header with the token `websocket`: without it the
    /// request is plain HTTP, not a (broken) WebSocket request.
    pub(crate) upgrade: bool,
    connection: bool,
    protocols_ok: bool,
    extensions_ok: bool,
}

/// Where a valid upgrade request's single-valued fields are (field indices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Upgrade {
    pub(crate) host: usize,
    pub(crate) key: usize,
    pub(crate) origin: Option<usize>,
}

impl Scan {
    pub(crate) fn new(fields: Fields<'_, '_>) -> Self {
        let mut s = Scan {
            host: Seen::None,
            key: Seen::None,
            version: Seen::None,
            origin: Seen::None,
            version_13: false,
            key_valid: false,
            upgrade: false,
            connection: false,
            protocols_ok: true,
            extensions_ok: true,
        };
        let mut i = 0;
        while let Some((name, value)) = fields.get(i) {
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            match name.len() {
                4 if is("host") => s.host.see(i),
                6 if is("origin") => s.origin.see(i),
                7 if is("upgrade") => s.upgrade |= http::list_has_token(value, b"websocket"),
                10 if is("connection") => s.connection |= http::list_has_token(value, b"upgrade"),
                17 if is("sec-websocket-key") => {
                    s.key.see(i);
                    s.key_valid = key_is_valid(value);
                }
                21 if is("sec-websocket-version") => {
                    s.version.see(i);
                    s.version_13 = value == b"13";
                }
                22 if is("sec-websocket-protocol") => s.protocols_ok &= super::protocol_list_is_valid(value),
                24 if is("sec-websocket-extensions") => s.extensions_ok &= extensions::validate(value).is_ok(),
                _ => {}
            }
            i += 1;
        }
        s
    }

    /// The index of the first `Host` and `Origin` field, if any.
    pub(crate) fn host_origin(&self) -> (Option<usize>, Option<usize>) {
        (self.host.first(), self.origin.first())
    }

    /// The verdict on a WebSocket upgrade request, checks in a fixed order.
    pub(crate) fn verdict(&self, line: &http::RequestLine<'_>) -> Result<Upgrade, HandshakeError> {
        use HandshakeError as E;
        if line.method != "GET" {
            return Err(E::MethodNotGet);
        }
        if line.minor_version < 1 {
            return Err(E::UnsupportedHttpVersion);
        }
        let host = match self.host {
            Seen::None => return Err(E::MissingHost),
            Seen::Many(_) => return Err(E::DuplicateHost),
            Seen::One(i) => i,
        };
        if !self.upgrade {
            return Err(E::MissingUpgrade);
        }
        if !self.connection {
            return Err(E::MissingConnectionUpgrade);
        }
        if !matches!(self.version, Seen::One(_)) || !self.version_13 {
            return Err(E::UnsupportedVersion);
        }
        let key = match self.key {
            Seen::None => return Err(E::MissingKey),
            Seen::Many(_) => return Err(E::DuplicateKey),
            Seen::One(i) if self.key_valid => i,
            Seen::One(_) => return Err(E::InvalidKey),
        };
        if !self.protocols_ok {
            return Err(E::InvalidProtocolHeader);
        }
        if !self.extensions_ok {
            return Err(E::InvalidExtensionsHeader);
        }
        let origin = match self.origin {
            Seen::None => None,
            Seen::One(i) => Some(i),
            Seen::Many(_) => return Err(E::DuplicateOrigin),
        };
        Ok(Upgrade { host, key, origin })
    }
}

/// Whether `key` is the canonical base64 of exactly 16 bytes: 22 alphabet
/// characters (the last one carrying only 2 bits, so one of `AQgw`) and `==`.
fn key_is_valid(key: &[u8]) -> bool {
    const fn b64(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
    }
    static B64: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = b64(i as u8);
            i += 1;
        }
        t
    };
    match key {
        [body @ .., last, b'=', b'='] if body.len() == 21 => {
            // Branch-free over the body: `&` does not short-circuit.
            body.iter().fold(true, |ok, &b| ok & B64[usize::from(b)]) && matches!(last, b'A' | b'Q' | b'g' | b'w')
        }
        _ => false,
    }
}

/// What the server agrees to: the chosen subprotocol and extensions, and
/// extra response headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accept<'c> {
    /// The chosen subprotocol; it must be one the client offered
    /// (RFC 6455 §4.2.2), or `accept` refuses it as a usage error.
    pub protocol: Option<&'c str>,
    /// The agreed extensions, as a `Sec-WebSocket-Extensions` value
    /// (see [`super::extensions::ExtensionWriter`]); each must have been
    /// offered (RFC 6455 §9.1), or `accept` refuses it as a usage error.
    pub extensions: Option<&'c str>,
    /// Extra headers (e.g. `Set-Cookie`). Names and values are written as
    /// given: they must not contain CR or LF.
    pub headers: &'c [Header<'c>],
}

impl<'c> Accept<'c> {
    /// The hand-off to the connection.
    pub fn negotiated(&self) -> Negotiated<'c> {
        Negotiated::new(Role::Server, self.protocol, self.extensions)
    }
}

/// Checks that the server's choice is among the client's offer (RFC 6455
/// §4.2.2: the subprotocol MUST be one the client offered; §9.1: so must
/// every extension).
pub(crate) fn check_offered(offer: Fields<'_, '_>, a: &Accept<'_>) -> Result<(), DecisionError> {
    if let Some(p) = a.protocol {
        if !offer.protocols().any(|o| o == p) {
            return Err(DecisionError::ProtocolNotOffered);
        }
    }
    for ext in extensions::parse(a.extensions.unwrap_or_default().as_bytes()) {
        let ext = ext.map_err(|_| DecisionError::ExtensionNotOffered)?;
        if !offer.extensions().any(|o| o.name.eq_ignore_ascii_case(ext.name)) {
            return Err(DecisionError::ExtensionNotOffered);
        }
    }
    Ok(())
}

pub(crate) fn write_accept<S: Sink + ?Sized>(key: &[u8], a: &Accept<'_>, out: &mut S) {
    out.put(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
    out.put(&super::accept_key(key));
    out.put(b"\r\n");
    if let Some(p) = a.protocol {
        out.header("Sec-WebSocket-Protocol", p.as_bytes());
    }
    if let Some(e) = a.extensions {
        out.header("Sec-WebSocket-Extensions", e.as_bytes());
    }
    for h in a.headers {
        out.header(h.name, h.value);
    }
    out.put(b"\r\n");
}

/// Writes the `101 Switching Protocols` response into `out`; returns its
/// length. The chosen subprotocol and extensions must be among those the
/// request offers ([`DecisionError::ProtocolNotOffered`],
/// [`DecisionError::ExtensionNotOffered`] otherwise, and nothing is written).
pub fn accept(req: &Request<'_>, a: &Accept<'_>, out: &mut [u8]) -> Result<usize, DecisionError> {
    check_offered(req.fields(), a)?;
    let mut o = Out::new(out);
    write_accept(req.key, a, &mut o);
    Ok(o.finish()?)
}

/// Appends the `101 Switching Protocols` response to `out`; see [`accept`].
#[cfg(feature = "alloc")]
pub fn accept_vec(req: &Request<'_>, a: &Accept<'_>, out: &mut alloc::vec::Vec<u8>) -> Result<(), DecisionError> {
    check_offered(req.fields(), a)?;
    write_accept(req.key, a, out);
    Ok(())
}

pub(crate) fn write_reject<S: Sink + ?Sized>(status: u16, headers: &[Header<'_>], body: &[u8], out: &mut S) {
    out.put(b"HTTP/1.1 ");
    out.put_u(u64::from(status));
    out.put(b" ");
    out.put(super::reason_phrase(status).as_bytes());
    out.put(b"\r\n");
    for h in headers {
        out.header(h.name, h.value);
    }
    out.put(b"Content-Length: ");
    out.put_u(body.len() as u64);
    out.put(b"\r\nConnection: close\r\n\r\n");
    out.put(body);
}

/// Writes a plain refusal (e.g. 401, 403, 404) with the caller's headers
/// and body, plus `Content-Length` and `Connection: close`.
///
/// ```
/// use wsmachine::handshake::{server::reject, Header};
/// let mut out = [0u8; 128];
/// let n = reject(401, &[Header::new("WWW-Authenticate", b"Basic")], b"", &mut out).unwrap();
/// assert_eq!(&out[..n], &b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\
///     Content-Length: 0\r\nConnection: close\r\n\r\n"[..]);
/// ```
pub fn reject(status: u16, headers: &[Header<'_>], body: &[u8], out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    let mut o = Out::new(out);
    write_reject(status, headers, body, &mut o);
    o.finish()
}

/// Appends a plain refusal to `out`; see [`reject`].
#[cfg(feature = "alloc")]
pub fn reject_vec(status: u16, headers: &[Header<'_>], body: &[u8], out: &mut alloc::vec::Vec<u8>) {
    write_reject(status, headers, body, out);
}

const VERSION_HEADERS: [Header<'static>; 2] =
    [Header::new("Upgrade", b"websocket"), Header::new("Sec-WebSocket-Version", b"13")];

pub(crate) fn error_headers(e: HandshakeError) -> &'static [Header<'static>] {
    if e.status() == 426 {
        &VERSION_HEADERS
    } else {
        &[]
    }
}

/// Writes the response to a failed handshake: `e.status()` (400, 403, 426
/// or 431), with `Upgrade: websocket` and `Sec-WebSocket-Version: 13` for 426.
pub fn error_response(e: HandshakeError, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    reject(e.status(), error_headers(e), b"", out)
}

/// Appends the response to a failed handshake to `out`; see [`error_response`].
#[cfg(feature = "alloc")]
pub fn error_response_vec(e: HandshakeError, out: &mut alloc::vec::Vec<u8>) {
    reject_vec(e.status(), error_headers(e), b"", out);
}
