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

use super::error::HandshakeError;
use super::extensions::Extensions;
use super::http::{self, HeadParser, Header, Limits, ListElements};
use super::{Negotiated, OriginPolicy, Out, Sink, Status};
use crate::error::BufferTooSmall;
use crate::frame::Role;

/// Incremental server handshake: holds the head parser's state between reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerHandshake {
    parser: HeadParser,
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
        use HandshakeError as E;
        if head.line.method != "GET" {
            return Err(E::MethodNotGet);
        }
        if head.line.minor_version < 1 {
            return Err(E::UnsupportedHttpVersion);
        }
        let h = head.headers;
        let (mut host, mut key, mut version, mut origin) = (Seen::None, Seen::None, Seen::None, Seen::None);
        let (mut upgrade, mut connection, mut protocols_ok, mut extensions_ok) = (false, false, true, true);
        for f in h {
            let name = f.name.as_bytes();
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            match name.len() {
                4 if is("host") => host.see(f.value),
                6 if is("origin") => origin.see(f.value),
                7 if is("upgrade") => upgrade |= http::list_has_token(f.value, b"websocket"),
                10 if is("connection") => connection |= http::list_has_token(f.value, b"upgrade"),
                17 if is("sec-websocket-key") => key.see(f.value),
                21 if is("sec-websocket-version") => version.see(f.value),
                22 if is("sec-websocket-protocol") => protocols_ok &= super::protocol_list_is_valid(f.value),
                24 if is("sec-websocket-extensions") => {
                    extensions_ok &= super::extensions::validate(f.value).is_ok();
                }
                _ => {}
            }
        }
        let host = match host {
            Seen::None => return Err(E::MissingHost),
            Seen::Many => return Err(E::DuplicateHost),
            Seen::One(v) => v,
        };
        if !upgrade {
            return Err(E::MissingUpgrade);
        }
        if !connection {
            return Err(E::MissingConnectionUpgrade);
        }
        if version != Seen::One(b"13") {
            return Err(E::UnsupportedVersion);
        }
        let key = match key {
            Seen::None => return Err(E::MissingKey),
            Seen::Many => return Err(E::DuplicateKey),
            Seen::One(v) if key_is_valid(v) => v,
            Seen::One(_) => return Err(E::InvalidKey),
        };
        if !protocols_ok {
            return Err(E::InvalidProtocolHeader);
        }
        if !extensions_ok {
            return Err(E::InvalidExtensionsHeader);
        }
        let origin = match origin {
            Seen::None => None,
            Seen::One(v) => Some(v),
            Seen::Many => return Err(E::DuplicateOrigin),
        };
        Ok(Self { target: head.line.target, host, key, origin, headers: h })
    }

    /// The `Sec-WebSocket-Accept` value for this request.
    pub fn accept_key(&self) -> [u8; 28] {
        super::accept_key(self.key)
    }

    /// The first value of header `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&'r [u8]> {
        self.headers.iter().find(|h| h.is(name)).map(|h| h.value)
    }

    /// The offered subprotocols, in the client's order of preference,
    /// across repeated `Sec-WebSocket-Protocol` headers.
    pub fn protocols(&self) -> impl Iterator<Item = &'r str> + Clone + 'r {
        super::protocols(self.headers)
    }

    /// The first of `supported` (in the server's order of preference) that the client offered.
    pub fn choose_protocol<'c>(&self, supported: &[&'c str]) -> Option<&'c str> {
        super::choose_protocol(self.headers, supported)
    }

    /// The offered extensions, in order, across repeated `Sec-WebSocket-Extensions` headers.
    pub fn extensions(&self) -> Extensions<'r> {
        Extensions::from_headers(self.headers)
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
    /// let policy = OriginPolicy { allowed: &["https://good.example"], allow_missing: true };
    /// assert_eq!(req.check_origin(&policy), Err(HandshakeError::OriginNotAllowed));
    /// ```
    pub fn check_origin(&self, policy: &OriginPolicy<'_>) -> Result<(), HandshakeError> {
        policy.check(self.origin)
    }

    /// The elements of a list-valued header, across repeated headers.
    pub fn list(&self, name: &'r str) -> ListElements<'r> {
        ListElements::new(self.headers, name)
    }
}

/// How often a single-valued header was seen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen<'r> {
    None,
    One(&'r [u8]),
    Many,
}

impl<'r> Seen<'r> {
    fn see(&mut self, v: &'r [u8]) {
        *self = match self {
            Seen::None => Seen::One(v),
            _ => Seen::Many,
        };
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
    /// The chosen subprotocol; it must be one the client offered.
    pub protocol: Option<&'c str>,
    /// The agreed extensions, as a `Sec-WebSocket-Extensions` value
    /// (see [`super::extensions::ExtensionWriter`]); each must have been offered.
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

fn write_accept<S: Sink>(key: &[u8], a: &Accept<'_>, out: &mut S) {
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

/// Writes the `101 Switching Protocols` response into `out`; returns its length.
pub fn accept(req: &Request<'_>, a: &Accept<'_>, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    let mut o = Out::new(out);
    write_accept(req.key, a, &mut o);
    o.finish()
}

/// Appends the `101 Switching Protocols` response to `out`.
#[cfg(feature = "alloc")]
pub fn accept_vec(req: &Request<'_>, a: &Accept<'_>, out: &mut alloc::vec::Vec<u8>) {
    write_accept(req.key, a, out);
}

fn write_reject<S: Sink>(status: u16, headers: &[Header<'_>], body: &[u8], out: &mut S) {
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

fn error_headers(e: HandshakeError) -> &'static [Header<'static>] {
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
