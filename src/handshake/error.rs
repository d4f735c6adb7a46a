//! [`HandshakeError`]: why an opening handshake failed, with the HTTP status
//! a server answers it with; [`DecisionError`]: a server's mistake in
//! answering a request.

use core::fmt;

use crate::error::BufferTooSmall;

/// Why an opening handshake failed.
///
/// [`HandshakeError::status`] is the HTTP status a server answers with
/// (`400`, `403`, `426` or `431`); [`crate::handshake::server::error_response`]
/// writes that response. Errors that only a client finds in a server's
/// response (`InvalidAccept`, `ProtocolNotOffered`, ...) also report `400`,
/// but a client has nobody to answer: it closes the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    // --- HTTP/1.1 head syntax ---
    /// The request line is not `method SP target SP HTTP/1.x`.
    InvalidRequestLine,
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason]`.
    InvalidStatusLine,
    /// A header field has an invalid name or value character, or no colon.
    InvalidHeaderField,
    /// A header line starts with a space or tab (obsolete line folding, RFC 9112 §5.2).
    ObsFold,
    /// A line ends with a bare LF instead of CRLF (rejected, see the module docs of
    /// [`crate::handshake::http`]).
    BareLineFeed,
    /// The head is longer than the configured limit (431).
    HeadTooLarge,
    /// The head has more header fields than the configured limit (431).
    TooManyHeaders,

    // --- server side, RFC 6455 §4.2.1 ---
    /// The request method is not `GET`.
    MethodNotGet,
    /// The request is not HTTP/1.1 or later.
    UnsupportedHttpVersion,
    /// No `Host` header.
    MissingHost,
    /// More than one `Host` header.
    DuplicateHost,
    /// No `Upgrade` header with the token `websocket`.
    MissingUpgrade,
    /// No `Connection` header with the token `upgrade`.
    MissingConnectionUpgrade,
    /// No `Sec-WebSocket-Key` header.
    MissingKey,
    /// More than one `Sec-WebSocket-Key` header.
    DuplicateKey,
    /// The `Sec-WebSocket-Key` does not base64-decode to exactly 16 bytes.
    InvalidKey,
    /// `Sec-WebSocket-Version` is missing or not `13` (426, with `Sec-WebSocket-Version: 13`).
    UnsupportedVersion,
    /// A `Sec-WebSocket-Protocol` element is not a token.
    InvalidProtocolHeader,
    /// A `Sec-WebSocket-Extensions` header does not follow the grammar of RFC 6455 §9.1.
    InvalidExtensionsHeader,
    /// More than one `Origin` header.
    DuplicateOrigin,
    /// The `Origin` is not in the allow-list (403).
    OriginNotAllowed,
    /// No `Origin` header and the policy requires one (403).
    MissingOrigin,
    /// The opening handshake did not complete within
    /// [`Config::handshake_timeout`](crate::Config::handshake_timeout)
    /// (a server answers 408 Request Timeout).
    TimedOut,

    // --- client side, RFC 6455 §4.1 ---
    /// The `Sec-WebSocket-Accept` header is missing, repeated or wrong.
    InvalidAccept,
    /// The server chose a subprotocol the client did not offer, or several.
    ProtocolNotOffered,
    /// The server agreed to an extension the client did not offer.
    ExtensionNotOffered,
    /// More than one `Sec-WebSocket-Extensions` header in a response (RFC 6455 §11.3.2).
    DuplicateExtensions,
    /// The server agreed to an offered extension that this build's
    /// connection cannot run (e.g. `permessage-deflate` without the `deflate` feature).
    UnsupportedExtension,
    /// The server's `permessage-deflate` response has a parameter the client
    /// did not allow, an invalid value, a missing required parameter, or
    /// appears more than once (RFC 7692 §5, §7.1).
    InvalidDeflateResponse,

    // --- RFC 8441 / RFC 9220 extended CONNECT ---
    /// A required pseudo-header (`:method`, `:protocol`, `:scheme`, `:path`,
    /// `:authority`) is missing or empty; the name is given.
    MissingPseudoHeader(&'static str),
    /// A pseudo-header appears twice, after a regular header, or is unknown.
    InvalidPseudoHeader,
    /// `:method` is not `CONNECT`.
    NotConnect,
    /// `:protocol` is not `websocket`.
    NotWebSocketProtocol,
    /// A connection-specific header (`Connection`, `Upgrade`, `Keep-Alive`,
    /// `Transfer-Encoding`, `Proxy-Connection`) that HTTP/2 and HTTP/3 forbid.
    ConnectionSpecificHeader,
}

impl HandshakeError {
    /// The HTTP status a server answers this error with.
    ///
    /// ```
    /// use wsmachine::handshake::HandshakeError;
    /// assert_eq!(HandshakeError::UnsupportedVersion.status(), 426);
    /// assert_eq!(HandshakeError::TooManyHeaders.status(), 431);
    /// assert_eq!(HandshakeError::OriginNotAllowed.status(), 403);
    /// assert_eq!(HandshakeError::MissingHost.status(), 400);
    /// ```
    pub const fn status(self) -> u16 {
        match self {
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::TimedOut => 408,
            Self::UnsupportedVersion => 426,
            Self::OriginNotAllowed | Self::MissingOrigin => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::InvalidRequestLine => "invalid request line",
            Self::InvalidStatusLine => "invalid status line",
            Self::InvalidHeaderField => "invalid header field",
            Self::ObsFold => "obsolete line folding in a header field",
            Self::BareLineFeed => "line ends with a bare LF",
            Self::HeadTooLarge => "HTTP head over the size limit",
            Self::TooManyHeaders => "more header fields than the limit",
            Self::MethodNotGet => "method is not GET",
            Self::UnsupportedHttpVersion => "HTTP version older than 1.1",
            Self::MissingHost => "missing Host header",
            Self::DuplicateHost => "more than one Host header",
            Self::MissingUpgrade => "missing Upgrade: websocket",
            Self::MissingConnectionUpgrade => "missing Connection: upgrade",
            Self::MissingKey => "missing Sec-WebSocket-Key",
            Self::DuplicateKey => "more than one Sec-WebSocket-Key",
            Self::InvalidKey => "Sec-WebSocket-Key is not 16 bytes in base64",
            Self::UnsupportedVersion => "Sec-WebSocket-Version missing or not 13",
            Self::InvalidProtocolHeader => "invalid Sec-WebSocket-Protocol",
            Self::InvalidExtensionsHeader => "invalid Sec-WebSocket-Extensions",
            Self::DuplicateOrigin => "more than one Origin header",
            Self::OriginNotAllowed => "origin not allowed",
            Self::MissingOrigin => "missing Origin header",
            Self::InvalidAccept => "missing or wrong Sec-WebSocket-Accept",
            Self::ProtocolNotOffered => "server chose a subprotocol that was not offered",
            Self::ExtensionNotOffered => "server agreed to an extension that was not offered",
            Self::DuplicateExtensions => "more than one Sec-WebSocket-Extensions in a response",
            Self::TimedOut => "the opening handshake timed out",
            Self::UnsupportedExtension => "agreed extension not supported by this connection",
            Self::InvalidDeflateResponse => "server's permessage-deflate parameters do not answer the offer",
            Self::MissingPseudoHeader(name) => return write!(f, "missing or empty pseudo-header {name}"),
            Self::InvalidPseudoHeader => "duplicate, misplaced or unknown pseudo-header",
            Self::NotConnect => ":method is not CONNECT",
            Self::NotWebSocketProtocol => ":protocol is not websocket",
            Self::ConnectionSpecificHeader => "connection-specific header in an HTTP/2 or HTTP/3 request",
        };
        f.write_str(s)
    }
}

impl core::error::Error for HandshakeError {}

/// A caller's mistake in answering a request: nothing was written and the
/// request is still waiting for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecisionError {
    /// The output buffer is too small for the response.
    BufferTooSmall(BufferTooSmall),
    /// No request is waiting for a decision (none arrived yet, or it was
    /// decided already, or it was invalid). Only from the server endpoint.
    NoRequest,
    /// `accept` on a request that is not a WebSocket upgrade: answer it
    /// with a response instead. Only from the server endpoint.
    NotUpgrade,
    /// The chosen subprotocol is not one the client offered (RFC 6455 §4.2.2).
    ProtocolNotOffered,
    /// A chosen extension is not one the client offered, or the chosen
    /// `Sec-WebSocket-Extensions` value is not valid (RFC 6455 §9.1).
    ExtensionNotOffered,
    /// A chosen extension was offered but this build's connection cannot run it.
    UnsupportedExtension,
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
            Self::NotUpgrade => f.write_str("the request is not a WebSocket upgrade"),
            Self::ProtocolNotOffered => f.write_str("the chosen subprotocol was not offered"),
            Self::ExtensionNotOffered => f.write_str("a chosen extension was not offered"),
            Self::UnsupportedExtension => f.write_str("a chosen extension is not supported by this connection"),
        }
    }
}

impl core::error::Error for DecisionError {}
