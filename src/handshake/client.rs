//! The client side of the opening handshake (RFC 6455 §4.1).
//!
//! ```
//! use wsmachine::handshake::{client::{ClientRequest, Response}, Status, EMPTY_HEADER};
//! let mut req = ClientRequest::new("example.com", "/chat", *b"the sample nonce");
//! req.protocols = &["chat"];
//! let mut tx = [0u8; 256];
//! let n = req.write(&mut tx).unwrap();
//! assert!(tx[..n].starts_with(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n"));
//!
//! let rx = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi";
//! let mut hs = req.handshake();
//! let mut headers = [EMPTY_HEADER; 16];
//! match hs.parse_response(rx, &mut headers).unwrap() {
//!     Status::Complete((Response::Accepted(neg), used)) => {
//!         assert_eq!(neg.protocol, Some("chat"));
//!         assert_eq!(&rx[used..], b"\x81\x02hi"); // frames: hand them to the connection
//!     }
//!     Status::Complete((Response::Rejected(r), _)) => panic!("refused with {}", r.status),
//!     Status::Partial => { /* read more */ }
//! }
//! ```

use super::error::HandshakeError;
use super::http::{self, Fields, HeadParser, Header, Limits, Seen, StatusLine};
use super::{extensions, Negotiated, Out, Sink, Status};
use crate::error::BufferTooSmall;
use crate::frame::Role;

/// What the client asks for. Build it with [`ClientRequest::new`] and set
/// the optional fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientRequest<'c> {
    /// Host name or IP address (an IPv6 address is bracketed in `Host`).
    pub host: &'c str,
    /// Port; `None` for the scheme's default. `Host` carries the port unless
    /// it is the default (80, or 443 when `secure`).
    pub port: Option<u16>,
    /// `wss:` (default port 443) rather than `ws:` (80).
    pub secure: bool,
    /// Path and query, e.g. `/chat?room=1`; empty means `/`.
    pub path: &'c str,
    /// The 16 random key bytes, fresh for each handshake, from the caller.
    pub key: [u8; 16],
    /// Subprotocols offered, in order of preference.
    pub protocols: &'c [&'c str],
    /// The extension offer, a `Sec-WebSocket-Extensions` value.
    pub extensions: Option<&'c str>,
    /// Extra headers (`Origin`, `Authorization`, `Cookie`, ...), written as
    /// given: they must not contain CR or LF.
    pub headers: &'c [Header<'c>],
    /// Limits for the response head.
    pub limits: Limits,
}

impl<'c> ClientRequest<'c> {
    /// A request for `ws://host/path` with the caller's 16 random key bytes
    /// (a `const fn`: a request can be built in a `static`).
    pub const fn new(host: &'c str, path: &'c str, key: [u8; 16]) -> Self {
        Self {
            host,
            port: None,
            secure: false,
            path,
            key,
            protocols: &[],
            extensions: None,
            headers: &[],
            limits: Limits::DEFAULT,
        }
    }

    /// The `Sec-WebSocket-Key` value.
    pub fn key_base64(&self) -> [u8; 24] {
        super::encode_key(&self.key)
    }

    /// The `Sec-WebSocket-Accept` value the server must answer with.
    pub fn expected_accept(&self) -> [u8; 28] {
        super::accept_key(&self.key_base64())
    }

    fn write_to<S: Sink>(&self, out: &mut S) {
        out.put(b"GET ");
        out.put(if self.path.is_empty() { b"/" } else { self.path.as_bytes() });
        out.put(b" HTTP/1.1\r\nHost: ");
        let bracket = self.host.contains(':') && !self.host.starts_with('[');
        if bracket {
            out.put(b"[");
        }
        out.put(self.host.as_bytes());
        if bracket {
            out.put(b"]");
        }
        let default = if self.secure { 443 } else { 80 };
        if let Some(port) = self.port.filter(|p| *p != default) {
            out.put(b":");
            out.put_u(u64::from(port));
        }
        out.put(b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
        out.put(&self.key_base64());
        out.put(b"\r\nSec-WebSocket-Version: 13\r\n");
        if !self.protocols.is_empty() {
            out.put(b"Sec-WebSocket-Protocol: ");
            for (i, p) in self.protocols.iter().enumerate() {
                if i > 0 {
                    out.put(b", ");
                }
                out.put(p.as_bytes());
            }
            out.put(b"\r\n");
        }
        if let Some(e) = self.extensions {
            out.header("Sec-WebSocket-Extensions", e.as_bytes());
        }
        for h in self.headers {
            out.header(h.name, h.value);
        }
        out.put(b"\r\n");
    }

    /// Writes the request head into `out`; returns its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let mut o = Out::new(out);
        self.write_to(&mut o);
        o.finish()
    }

    /// Appends the request head to `out`.
    #[cfg(feature = "alloc")]
    pub fn write_vec(&self, out: &mut alloc::vec::Vec<u8>) {
        self.write_to(out);
    }

    /// The state that checks the server's response.
    pub fn handshake(&self) -> ClientHandshake<'c> {
        ClientHandshake {
            parser: HeadParser::new(self.limits),
            accept: self.expected_accept(),
            protocols: self.protocols,
            extensions: self.extensions,
        }
    }
}

/// Checks the server's response to a [`ClientRequest`], incrementally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHandshake<'c> {
    parser: HeadParser,
    accept: [u8; 28],
    protocols: &'c [&'c str],
    extensions: Option<&'c str>,
}

/// The outcome of a complete response head.
#[derive(Clone, Debug)]
pub enum Response<'r> {
    /// `101` and every check passed: hand this to the connection.
    Accepted(Negotiated<'r>),
    /// The server answered with another status (e.g. 401, 403, a 3xx redirect).
    Rejected(Rejection<'r>),
}

/// A non-101 response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection<'r> {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: &'r [u8],
    /// The header fields (e.g. `Location`, `WWW-Authenticate`).
    pub headers: &'r [Header<'r>],
    /// Where the body starts in the input buffer (equal to the head length).
    pub body_offset: usize,
}

impl<'r> Rejection<'r> {
    /// The first value of header `name`, if any.
    pub fn header(&self, name: &str) -> Option<&'r [u8]> {
        Fields::Headers(self.headers).first(name)
    }

    /// The `Content-Length`, if present and valid: how many body bytes
    /// follow `body_offset` (read at most what you are willing to).
    pub fn content_length(&self) -> Option<u64> {
        content_length(self.header("content-length")?)
    }
}

/// A `Content-Length` value, if valid (at most 19 digits, so no overflow).
pub(crate) fn content_length(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A checked response head, before it becomes a [`Response`].
pub(crate) enum Checked<'b, 'h> {
    /// `101`, every check passed: the agreed subprotocol and the
    /// `Sec-WebSocket-Extensions` value.
    Accepted(Option<&'b str>, Option<&'b [u8]>),
    Rejected(Rejection<'h>),
}

impl<'c> ClientHandshake<'c> {
    /// Bytes examined so far while looking for the end of the head (see
    /// [`HeadParser::scanned`]: linear in the input however it arrives).
    pub const fn scanned(&self) -> usize {
        self.parser.scanned()
    }

    /// Parses and checks the response in the bytes received so far (pass
    /// the whole buffer each time). On completion, the `usize` is the length
    /// of the head: bytes after it are frames (or, when rejected, the body).
    pub fn parse_response<'r>(
        &mut self,
        buf: &'r [u8],
        headers: &'r mut [Header<'r>],
    ) -> Result<Status<(Response<'r>, usize)>, HandshakeError> {
        Ok(match self.parse_checked(buf, headers)? {
            Status::Partial => Status::Partial,
            Status::Complete((Checked::Accepted(protocol, extensions), used)) => {
                Status::Complete((Response::Accepted(Negotiated::new_bytes(Role::Client, protocol, extensions)), used))
            }
            Status::Complete((Checked::Rejected(r), used)) => Status::Complete((Response::Rejected(r), used)),
        })
    }

    /// [`parse_response`](Self::parse_response) with the accepted outcome
    /// as its parts, which borrow only `buf`.
    pub(crate) fn parse_checked<'b: 'h, 'h>(
        &mut self,
        buf: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> Result<Status<(Checked<'b, 'h>, usize)>, HandshakeError> {
        let Status::Complete((line, n, used)) = self.parser.parse_into::<StatusLine<'b>, _>(buf, &mut *headers)? else {
            return Ok(Status::Partial);
        };
        let headers: &'h [Header<'b>] = headers;
        let h = headers.get(..n).unwrap_or_default();
        if line.status != 101 {
            let r = Rejection { status: line.status, reason: line.reason, headers: h, body_offset: used };
            return Ok(Status::Complete((Checked::Rejected(r), used)));
        }
        let (protocol, extensions) = self.check(h)?;
        Ok(Status::Complete((Checked::Accepted(protocol, extensions), used)))
    }

    /// The limits of the response head.
    pub(crate) const fn limits(&self) -> Limits {
        self.parser.limits()
    }

    /// Checks a `101` response (RFC 6455 §4.1, the client's steps 2-6), in
    /// one pass over the fields. `Sec-WebSocket-Accept`, `-Protocol` and
    /// `-Extensions` must not be repeated in a response (§11.3.2-4).
    #[allow(clippy::type_complexity)]
    fn check<'b>(&self, h: &[Header<'b>]) -> Result<(Option<&'b str>, Option<&'b [u8]>), HandshakeError> {
        use HandshakeError as E;
        let (mut upgrade, mut connection) = (false, false);
        let (mut accept, mut protocol, mut extensions) = (Seen::None, Seen::None, Seen::None);
        for (i, f) in h.iter().enumerate() {
            let is = |n: &str| f.name.eq_ignore_ascii_case(n);
            match f.name.len() {
                7 if is("upgrade") => upgrade |= http::list_has_token(f.value, b"websocket"),
                10 if is("connection") => connection |= http::list_has_token(f.value, b"upgrade"),
                20 if is("sec-websocket-accept") => accept.see(i),
                22 if is("sec-websocket-protocol") => protocol.see(i),
                24 if is("sec-websocket-extensions") => extensions.see(i),
                _ => {}
            }
        }
        let value = |seen: Seen| seen.first().and_then(|i| h.get(i)).map(|f| f.value);
        if !upgrade {
            return Err(E::MissingUpgrade);
        }
        if !connection {
            return Err(E::MissingConnectionUpgrade);
        }
        match (accept, value(accept)) {
            (Seen::One(_), Some(v)) if v == self.accept => {}
            _ => return Err(E::InvalidAccept),
        }
        let protocol = match (protocol, value(protocol)) {
            (Seen::None, _) => None,
            (Seen::One(_), Some(v)) if self.protocols.iter().any(|p| p.as_bytes() == v) => core::str::from_utf8(v).ok(),
            _ => return Err(E::ProtocolNotOffered),
        };
        let extensions = match (extensions, value(extensions)) {
            (Seen::Many(_), _) => return Err(E::DuplicateExtensions),
            (_, v) => v,
        };
        extensions::validate(extensions.unwrap_or_default())?;
        let offer = self.extensions.unwrap_or_default().as_bytes();
        for ext in extensions::parse(extensions.unwrap_or_default()) {
            let ext = ext?;
            if !extensions::parse(offer).any(|o| o.is_ok_and(|o| o.name.eq_ignore_ascii_case(ext.name))) {
                return Err(E::ExtensionNotOffered);
            }
        }
        Ok((protocol, extensions))
    }
}
