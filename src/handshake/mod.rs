//! The opening handshake (RFC 6455 §4, RFC 8441, RFC 9220) as pure functions.
//!
//! - [`accept_key`]: `Sec-WebSocket-Accept` from `Sec-WebSocket-Key`;
//! - [`http`]: our HTTP/1.1 head parser (zero-copy, incremental, with limits);
//! - [`client`]: build the request, check the response;
//! - [`server`]: check the request, write `101` or an error response;
//! - [`extensions`]: the `Sec-WebSocket-Extensions` grammar;
//! - [`h2`]: extended CONNECT over HTTP/2 and HTTP/3.
//!
//! Nothing here allocates, reads a clock or draws random numbers: the
//! caller supplies the key bytes, the header arrays and the output buffers.
//! A completed handshake gives a [`Negotiated`] (role, subprotocol,
//! extensions) and the number of input bytes the head used; whatever
//! follows in the buffer already belongs to the frame layer.

pub mod client;
pub mod error;
pub mod extensions;
pub mod h2;
pub mod http;
pub mod server;

pub use error::{DecisionError, HandshakeError};
pub use http::{Header, Limits, EMPTY_HEADER};

use core::fmt;

use crate::error::BufferTooSmall;
use crate::frame::Role;
use extensions::Extensions;

/// The GUID appended to the key (RFC 6455 §1.3).
pub const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The result of feeding bytes to an incremental parser: not enough yet, or done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status<T> {
    /// The head is not complete: read more bytes and call again with the whole buffer.
    Partial,
    /// The head is complete.
    Complete(T),
}

impl<T> Status<T> {
    /// The completed value, if any.
    pub fn complete(self) -> Option<T> {
        match self {
            Self::Partial => None,
            Self::Complete(t) => Some(t),
        }
    }
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (as sent, in base64):
/// base64(SHA-1(key + GUID)), computed on the stack.
///
/// ```
/// use wsmachine::handshake::accept_key;
/// // RFC 6455 §1.3
/// assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> [u8; 28] {
    base64_20(&sha1_key_guid(key))
}

/// Standard base64 (with padding) of a 20-byte digest: six 3-byte groups,
/// then two bytes as three characters and `=`.
fn base64_20(d: &[u8; 20]) -> [u8; 28] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let c = |x: u32| ALPHABET[(x & 63) as usize];
    let mut out = [b'='; 28];
    for (src, dst) in d.chunks_exact(3).zip(out.chunks_exact_mut(4)) {
        if let ([a, b, cc], [o0, o1, o2, o3]) = (src, dst) {
            let n = u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*cc);
            (*o0, *o1, *o2, *o3) = (c(n >> 18), c(n >> 12), c(n >> 6), c(n));
        }
    }
    let n = u32::from(d[18]) << 16 | u32::from(d[19]) << 8;
    (out[24], out[25], out[26]) = (c(n >> 18), c(n >> 12), c(n >> 6));
    out
}

/// SHA-1(key + GUID) with the RustCrypto `sha1` crate (SHA-NI or the ARMv8
/// SHA instructions when the CPU has them, detected at run time).
#[cfg(feature = "fast-sha1")]
fn sha1_key_guid(key: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    let mut sha = sha1::Sha1::new();
    sha.update(key);
    sha.update(GUID);
    sha.finalize().into()
}

#[cfg(not(feature = "fast-sha1"))]
use sha1_smol_key_guid as sha1_key_guid;

/// SHA-1(key + GUID) with `sha1_smol` (portable): the fallback, and the
/// reference the `fast-sha1` path is tested against.
#[cfg(any(not(feature = "fast-sha1"), test))]
fn sha1_smol_key_guid(key: &[u8]) -> [u8; 20] {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID);
    sha.digest().bytes()
}

/// base64 of the 16 key bytes: the `Sec-WebSocket-Key` value.
pub fn encode_key(key: &[u8; 16]) -> [u8; 24] {
    use base64::Engine;
    let mut out = [0u8; 24];
    let _ = base64::engine::general_purpose::STANDARD.encode_slice(key, &mut out);
    out
}

/// What a completed handshake agreed: the hand-off to the connection.
#[derive(Clone, Debug)]
pub struct Negotiated<'r> {
    /// Which end this endpoint is.
    pub role: Role,
    /// The agreed subprotocol, if any.
    pub protocol: Option<&'r str>,
    extensions: Extensions<'r>,
}

impl<'r> Negotiated<'r> {
    /// Negotiated parameters from their parts. `extensions` is a
    /// `Sec-WebSocket-Extensions` value (e.g. from [`server::Accept`]).
    pub fn new(role: Role, protocol: Option<&'r str>, extensions: Option<&'r str>) -> Self {
        Self { role, protocol, extensions: Extensions::from_value(extensions.map(str::as_bytes)) }
    }

    /// Negotiated parameters with the `Sec-WebSocket-Extensions` value as bytes.
    pub(crate) fn new_bytes(role: Role, protocol: Option<&'r str>, extensions: Option<&'r [u8]>) -> Self {
        Self { role, protocol, extensions: Extensions::from_value(extensions) }
    }

    /// The agreed extensions, in order.
    pub fn extensions(&self) -> Extensions<'r> {
        self.extensions.clone()
    }
}

/// The elements of every `Sec-WebSocket-Protocol` header, in order, as strings.
/// Validated when the request is accepted (every element a token).
pub fn protocols<'r>(headers: &'r [Header<'r>]) -> impl Iterator<Item = &'r str> + Clone + 'r {
    http::Fields::Headers(headers).protocols()
}

/// Whether every element of one `Sec-WebSocket-Protocol` value is a token.
pub(crate) fn protocol_list_is_valid(value: &[u8]) -> bool {
    http::elements(value).all(http::is_token)
}

pub(crate) fn validate_protocols(headers: &[Header<'_>]) -> Result<(), HandshakeError> {
    if headers.iter().filter(|h| h.is("sec-websocket-protocol")).all(|h| protocol_list_is_valid(h.value)) {
        Ok(())
    } else {
        Err(HandshakeError::InvalidProtocolHeader)
    }
}

/// What a request offers, read the same way from every request type
/// ([`server::Request`], [`h2::ExtendedConnect`], the server endpoint's
/// pending request): each of them forwards to these.
impl<'h, 'f> http::Fields<'h, 'f> {
    /// The offered subprotocols, in the client's order, across repeated headers.
    pub(crate) fn protocols(self) -> impl Iterator<Item = &'h str> + Clone + 'f {
        self.list("sec-websocket-protocol").filter_map(|e| core::str::from_utf8(e).ok())
    }

    /// The first of `supported` (the server's order of preference) that the client offered.
    pub(crate) fn choose_protocol<'c>(self, supported: &[&'c str]) -> Option<&'c str> {
        supported.iter().copied().find(|s| self.protocols().any(|p| p == *s))
    }

    /// The offered extensions, in order, across repeated headers.
    pub(crate) fn extensions(self) -> Extensions<'f>
    where
        'h: 'f,
    {
        Extensions::from_values(self.values("sec-websocket-extensions"))
    }
}

/// A caller's rule for accepting an `Origin` value (see [`OriginPolicy::matching`]).
pub type OriginPredicate<'c> = dyn Fn(&[u8]) -> bool + 'c;

/// Which origins a server accepts (RFC 6455 §10.2).
///
/// Browsers always send `Origin` on a WebSocket request; non-browser
/// clients (curl, libraries, native apps) often do not, and can put any
/// value there. The check defends browser users against cross-site
/// WebSocket hijacking; it is not authentication.
///
/// An origin is accepted when it matches one of `allowed` or when
/// `predicate` says yes. An entry of `allowed` is an origin
/// (`scheme://host[:port]`, compared ASCII case-insensitively) in which the
/// port may be `*` (any port, or none) and the host may start with `*.`
/// (any subdomain, not the domain itself):
///
/// ```
/// use wsmachine::handshake::{HandshakeError, OriginPolicy};
/// let policy = OriginPolicy::allow(&["http://localhost:*", "https://*.example.com"]);
/// assert_eq!(policy.check(Some(b"http://localhost:5173")), Ok(()));
/// assert_eq!(policy.check(Some(b"http://LOCALHOST")), Ok(()));
/// assert_eq!(policy.check(Some(b"https://app.example.com")), Ok(()));
/// assert_eq!(policy.check(Some(b"https://example.com")), Err(HandshakeError::OriginNotAllowed));
/// assert_eq!(policy.check(Some(b"http://localhost.evil:80")), Err(HandshakeError::OriginNotAllowed));
/// assert_eq!(policy.check(None), Err(HandshakeError::MissingOrigin));
///
/// let internal = |origin: &[u8]| origin.ends_with(b".internal");
/// let policy = OriginPolicy { allow_missing: true, ..OriginPolicy::matching(&internal) };
/// assert_eq!(policy.check(Some(b"https://wiki.internal")), Ok(()));
/// assert_eq!(policy.check(None), Ok(()));
/// ```
#[derive(Clone, Copy, Default)]
pub struct OriginPolicy<'c> {
    /// Origins accepted: exact, or patterns with a `*` port or a `*.` host.
    pub allowed: &'c [&'c str],
    /// Accept a request without `Origin` (a non-browser client).
    pub allow_missing: bool,
    /// Accepts the origins it returns `true` for (the raw `Origin` value),
    /// in addition to `allowed`.
    pub predicate: Option<&'c OriginPredicate<'c>>,
}

impl fmt::Debug for OriginPolicy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginPolicy")
            .field("allowed", &self.allowed)
            .field("allow_missing", &self.allow_missing)
            .field("predicate", &self.predicate.map(|_| ".."))
            .finish()
    }
}

impl<'c> OriginPolicy<'c> {
    /// Accepts the origins that match one of `allowed` (see the type docs);
    /// a request without `Origin` is refused.
    pub const fn allow(allowed: &'c [&'c str]) -> Self {
        Self { allowed, allow_missing: false, predicate: None }
    }

    /// Accepts the origins `predicate` returns `true` for; a request
    /// without `Origin` is refused.
    pub const fn matching(predicate: &'c OriginPredicate<'c>) -> Self {
        Self { allowed: &[], allow_missing: false, predicate: Some(predicate) }
    }

    /// Checks an `Origin` value: [`HandshakeError::OriginNotAllowed`] or
    /// [`HandshakeError::MissingOrigin`] (both 403) on refusal.
    pub fn check(&self, origin: Option<&[u8]>) -> Result<(), HandshakeError> {
        match origin {
            None if self.allow_missing => Ok(()),
            None => Err(HandshakeError::MissingOrigin),
            Some(o) if self.allowed.iter().any(|a| origin_matches(a.as_bytes(), o)) => Ok(()),
            Some(o) if self.predicate.is_some_and(|p| p(o)) => Ok(()),
            Some(_) => Err(HandshakeError::OriginNotAllowed),
        }
    }
}

/// An origin's scheme, host and port (`None`: no port).
type OriginParts<'a> = (&'a [u8], &'a [u8], Option<&'a [u8]>);

/// An origin split into its parts; `None` for a value that is not
/// `scheme://host[:port]` (e.g. `null`).
fn split_origin(o: &[u8]) -> Option<OriginParts<'_>> {
    let at = o.windows(3).position(|w| w == b"://")?;
    let (scheme, authority) = (o.get(..at)?, o.get(at + 3..)?);
    // The port follows the last colon, unless that colon is inside an IPv6 literal.
    match authority.iter().rposition(|&b| b == b':') {
        Some(i) if !authority.get(i..)?.contains(&b']') => Some((scheme, authority.get(..i)?, authority.get(i + 1..))),
        _ => Some((scheme, authority, None)),
    }
}

/// Whether `origin` matches an allow-list entry: exactly (ignoring ASCII
/// case), or with a `*` port (any port, or none) and/or a `*.` host (any
/// subdomain of the rest).
fn origin_matches(pattern: &[u8], origin: &[u8]) -> bool {
    if pattern.eq_ignore_ascii_case(origin) {
        return true;
    }
    let (Some((ps, ph, pp)), Some((os, oh, op))) = (split_origin(pattern), split_origin(origin)) else {
        return false;
    };
    let port_ok = match (pp, op) {
        (Some(b"*"), Some(p)) => !p.is_empty() && p.iter().all(u8::is_ascii_digit),
        (Some(b"*"), None) => true,
        (p, o) => p == o,
    };
    let host_ok = match ph.strip_prefix(b"*.") {
        Some(domain) => {
            oh.len() > domain.len() + 1
                && oh.get(oh.len() - domain.len() - 1..).is_some_and(|tail| {
                    tail.first() == Some(&b'.') && tail.get(1..).is_some_and(|d| d.eq_ignore_ascii_case(domain))
                })
        }
        None => ph.eq_ignore_ascii_case(oh),
    };
    port_ok && host_ok && ps.eq_ignore_ascii_case(os)
}

/// Where bytes are written: a fixed slice (counting what would not fit) or a `Vec`.
pub(crate) trait Sink {
    fn put(&mut self, b: &[u8]);

    fn put_u(&mut self, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(&buf[i..]);
    }

    fn header(&mut self, name: &str, value: &[u8]) {
        self.put(name.as_bytes());
        self.put(b": ");
        self.put(value);
        self.put(b"\r\n");
    }
}

/// A writer into a caller's slice that keeps counting past its end.
#[derive(Debug)]
pub(crate) struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    pub(crate) fn finish(self) -> Result<usize, BufferTooSmall> {
        if self.len <= self.buf.len() {
            Ok(self.len)
        } else {
            Err(BufferTooSmall { needed: self.len })
        }
    }
}

impl Sink for Out<'_> {
    fn put(&mut self, b: &[u8]) {
        let end = self.len.saturating_add(b.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(b);
        }
        self.len = end;
    }
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    fn put(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

/// The reason phrase for a status code (empty for unknown codes).
pub const fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_vector() {
        assert_eq!(&accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(sha1_key_guid(b"dGhlIHNhbXBsZSBub25jZQ=="), sha1_smol_key_guid(b"dGhlIHNhbXBsZSBub25jZQ=="));
    }

    #[test]
    fn base64_20_matches_the_base64_crate() {
        use base64::Engine;
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut d = [0u8; 20];
            for b in &mut d {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            let mut want = [0u8; 28];
            let _ = base64::engine::general_purpose::STANDARD.encode_slice(d, &mut want);
            assert_eq!(base64_20(&d), want);
        }
        assert_eq!(&base64_20(&[0; 20]), b"AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert_eq!(&base64_20(&[0xff; 20]), b"//////////////////////////8=");
    }

    /// Whichever SHA-1 is compiled in agrees with `sha1_smol` on random keys
    /// of every length up to three blocks (key + GUID crosses 1, 2, 3 blocks).
    #[test]
    fn sha1_implementations_agree() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut key = [0u8; 160];
        for round in 0..2000 {
            let len = round % key.len();
            for b in &mut key[..len] {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            assert_eq!(sha1_key_guid(&key[..len]), sha1_smol_key_guid(&key[..len]), "length {len}");
        }
        // Real keys: base64 of 16 random bytes.
        for _ in 0..500 {
            let mut raw = [0u8; 16];
            for b in &mut raw {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            let k = encode_key(&raw);
            assert_eq!(sha1_key_guid(&k), sha1_smol_key_guid(&k));
        }
    }
}
