//! WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): the checks on
//! an extended CONNECT request and the response header list.
//!
//! The HTTP/2 or HTTP/3 stack decodes the header block; this module takes
//! the fields as [`Header`] pairs (pseudo-headers first, names lowercase as
//! those protocols require, compared case-insensitively here). There is no
//! `Sec-WebSocket-Key` and no `Sec-WebSocket-Accept`: success is `:status 200`.
//! Subprotocol and extension negotiation is the same as over HTTP/1.1.
//!
//! ```
//! use wsmachine::handshake::{h2, server::Accept, Header};
//! let fields = [
//!     Header::new(":method", b"CONNECT"),
//!     Header::new(":protocol", b"websocket"),
//!     Header::new(":scheme", b"https"),
//!     Header::new(":path", b"/chat"),
//!     Header::new(":authority", b"example.com"),
//!     Header::new("sec-websocket-version", b"13"),
//!     Header::new("sec-websocket-protocol", b"chat, superchat"),
//! ];
//! let req = h2::ExtendedConnect::check(&fields).unwrap();
//! let accept = Accept { protocol: req.choose_protocol(&["superchat"]), ..Accept::default() };
//! let resp = req.accept(&accept).unwrap();
//! assert_eq!(resp.headers(), &[Header::new(":status", b"200"), Header::new("sec-websocket-protocol", b"superchat")]);
//! ```

use super::error::{DecisionError, HandshakeError};
use super::extensions::Extensions;
use super::http::{self, Fields, Header};
use super::server::{check_offered, Accept};
use super::OriginPolicy;

/// A valid extended CONNECT request for WebSocket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedConnect<'r> {
    /// `:scheme` (`https` or `http`).
    pub scheme: &'r [u8],
    /// `:authority` (host and port).
    pub authority: &'r [u8],
    /// `:path` (path and query).
    pub path: &'r [u8],
    /// `origin`, if any.
    pub origin: Option<&'r [u8]>,
    /// Every field, pseudo-headers included.
    pub headers: &'r [Header<'r>],
}

const FORBIDDEN: [&str; 5] = ["connection", "upgrade", "keep-alive", "transfer-encoding", "proxy-connection"];

impl<'r> ExtendedConnect<'r> {
    /// Checks an extended CONNECT request (RFC 8441 §4, §5; RFC 9220 §3).
    pub fn check(headers: &'r [Header<'r>]) -> Result<Self, HandshakeError> {
        use HandshakeError as E;
        const NAMES: [&str; 5] = [":method", ":protocol", ":scheme", ":path", ":authority"];
        let mut pseudo: [Option<&'r [u8]>; 5] = [None; 5];
        let mut regular_seen = false;
        for h in headers {
            if h.name.starts_with(':') {
                if regular_seen {
                    return Err(E::InvalidPseudoHeader);
                }
                let i = NAMES.iter().position(|n| h.is(n)).ok_or(E::InvalidPseudoHeader)?;
                if pseudo[i].replace(h.value).is_some() {
                    return Err(E::InvalidPseudoHeader);
                }
            } else {
                regular_seen = true;
                if FORBIDDEN.iter().any(|f| h.is(f)) {
                    return Err(E::ConnectionSpecificHeader);
                }
            }
        }
        let mut got = [&[][..]; 5];
        for (i, (slot, v)) in got.iter_mut().zip(pseudo).enumerate() {
            *slot = v.filter(|v| !v.is_empty()).ok_or(E::MissingPseudoHeader(NAMES[i]))?;
        }
        let [method, protocol, scheme, path, authority] = got;
        if method != b"CONNECT" {
            return Err(E::NotConnect);
        }
        if !protocol.eq_ignore_ascii_case(b"websocket") {
            return Err(E::NotWebSocketProtocol);
        }
        match http::single(headers, "sec-websocket-version") {
            Ok(Some(b"13")) => {}
            _ => return Err(E::UnsupportedVersion),
        }
        super::validate_protocols(headers)?;
        super::extensions::validate_headers(headers)?;
        let origin = http::single(headers, "origin").map_err(|()| E::DuplicateOrigin)?;
        Ok(Self { scheme, authority, path, origin, headers })
    }

    fn fields(&self) -> Fields<'r, 'r> {
        Fields::Headers(self.headers)
    }

    /// The offered subprotocols, in the client's order.
    pub fn protocols(&self) -> impl Iterator<Item = &'r str> + Clone + 'r {
        self.fields().protocols()
    }

    /// The first of `supported` (the server's order of preference) that the client offered.
    pub fn choose_protocol<'c>(&self, supported: &[&'c str]) -> Option<&'c str> {
        self.fields().choose_protocol(supported)
    }

    /// The offered extensions, in order.
    pub fn extensions(&self) -> Extensions<'r> {
        self.fields().extensions()
    }

    /// Checks the `origin` against `policy` (403 on refusal).
    pub fn check_origin(&self, policy: &OriginPolicy<'_>) -> Result<(), HandshakeError> {
        policy.check(self.origin)
    }

    /// The success response ([`response`]) after checking that the chosen
    /// subprotocol and extensions were offered (RFC 8441 §5 keeps the rules
    /// of RFC 6455 §4.2.2 and §9.1).
    pub fn accept<'c>(&self, accept: &Accept<'c>) -> Result<ResponseHeaders<'c>, DecisionError> {
        check_offered(self.fields(), accept)?;
        Ok(response(accept))
    }
}

/// The response header list (at most three fields; the caller appends
/// [`Accept::headers`] itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHeaders<'c> {
    fields: [Header<'c>; 3],
    len: usize,
}

impl<'c> ResponseHeaders<'c> {
    /// The fields, `:status` first.
    pub fn headers(&self) -> &[Header<'c>] {
        self.fields.get(..self.len).unwrap_or_default()
    }

    fn push(&mut self, h: Header<'c>) {
        if let Some(slot) = self.fields.get_mut(self.len) {
            *slot = h;
            self.len += 1;
        }
    }
}

/// The success response: `:status 200` with the chosen protocol and
/// extensions, unchecked ([`ExtendedConnect::accept`] checks them against the offer).
pub fn response<'c>(accept: &Accept<'c>) -> ResponseHeaders<'c> {
    let mut r = ResponseHeaders { fields: [super::EMPTY_HEADER; 3], len: 0 };
    r.push(Header::new(":status", b"200"));
    if let Some(p) = accept.protocol {
        r.push(Header::new("sec-websocket-protocol", p.as_bytes()));
    }
    if let Some(e) = accept.extensions {
        r.push(Header::new("sec-websocket-extensions", e.as_bytes()));
    }
    r
}

/// The response to a failed check: `:status` from [`HandshakeError::status`],
/// with `sec-websocket-version: 13` for a version mismatch.
pub fn error_response(e: HandshakeError) -> ResponseHeaders<'static> {
    let status: &'static [u8] = match e.status() {
        403 => b"403",
        426 => b"426",
        431 => b"431",
        _ => b"400",
    };
    let mut r = ResponseHeaders { fields: [super::EMPTY_HEADER; 3], len: 0 };
    r.push(Header::new(":status", status));
    if e == HandshakeError::UnsupportedVersion {
        r.push(Header::new("sec-websocket-version", b"13"));
    }
    r
}
