//! Ready-made I/O layers over the endpoints (features `blocking`, `tokio`).
//!
//! They are thin: the opening handshake is [`ServerEndpoint`] /
//! [`ClientEndpoint`](crate::ClientEndpoint), the protocol is [`Connection`](crate::Connection);
//! a layer only moves bytes between them and a stream, follows the run-loop
//! contract of the [crate docs](crate), runs the connection's deadlines on a
//! clock, and assembles whole messages.
//!
//! - [`blocking`]: `WebSocket<S: Read + Write>`;
//! - [`tokio`](mod@tokio): the same over `AsyncRead + AsyncWrite`, split into
//!   a reader and a writer half.
//!
//! Shared here: [`AcceptPolicy`] (what a server accepts), [`ClientOptions`]
//! (what a client asks for) and [`Error`].
//!
//! Messages come out of `read` as [`Message`](crate::Message)s borrowed from
//! the layer: straight from the read buffer (or the inflate buffer) when
//! the message arrived in one piece, from a reused assembly buffer when it
//! came in fragments or across reads. No allocation per message once the
//! buffers have grown; call `.to_owned()` on the contents to keep one.

use alloc::string::String;
use core::fmt;

use crate::connection::OwnedTermination;
use crate::endpoint::{ClientEvent, ServerEndpoint, ServerEvent};
use crate::error::UsageError;
use crate::handshake::server::Accept;
use crate::handshake::{DecisionError, HandshakeError, Header};
use crate::{Config, PendingRequest};

#[cfg(feature = "blocking")]
pub mod blocking;
mod inbox;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(feature = "deflate")]
use crate::deflate::{DeflateAgreement, DeflateConfig};

/// A check of the `Origin` header's value (`None` when absent); `false` refuses with 403.
pub type OriginCheck<'a> = &'a (dyn Fn(Option<&[u8]>) -> bool + Send + Sync);

/// A look at the whole request (path, headers, ...); `Err(status)` refuses
/// it with that HTTP status (e.g. 401, 404).
pub type RequestCheck<'a> = &'a (dyn Fn(&PendingRequest<'_, '_>) -> Result<(), u16> + Send + Sync);

/// What a server layer accepts: the same hooks as [`ServerEndpoint`] gives
/// a hand-written loop, decided in this order: Origin, the request check,
/// then the subprotocol and extensions.
///
/// ```
/// use wsmachine::io::AcceptPolicy;
/// let same_site = |origin: Option<&[u8]>| origin.is_none_or(|o| o == b"https://example.com");
/// let policy = AcceptPolicy { protocols: &["chat", "superchat"], origin: Some(&same_site), ..AcceptPolicy::default() };
/// # let _ = policy;
/// ```
#[derive(Clone, Copy)]
pub struct AcceptPolicy<'a> {
    /// Limits and deadlines of the connection (and the opening handshake's deadline).
    pub config: Config,
    /// Subprotocols we speak, in our order of preference; the first one the
    /// client offered is agreed (none if it offered none of them).
    pub protocols: &'a [&'a str],
    /// The Origin check (RFC 6455 §10.2); `None` accepts any.
    pub origin: Option<OriginCheck<'a>>,
    /// A look at the request that may refuse it with a status.
    pub check: Option<RequestCheck<'a>>,
    /// permessage-deflate (RFC 7692): accepted with this configuration when
    /// the client offers it; `None` declines. Default: the codec's defaults.
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
}

// Derivable only without `deflate`, whose default is on.
#[allow(clippy::derivable_impls)]
impl Default for AcceptPolicy<'_> {
    fn default() -> Self {
        Self {
            config: Config::default(),
            protocols: &[],
            origin: None,
            check: None,
            #[cfg(feature = "deflate")]
            deflate: Some(DeflateConfig::default()),
        }
    }
}

impl fmt::Debug for AcceptPolicy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptPolicy")
            .field("config", &self.config)
            .field("protocols", &self.protocols)
            .field("origin", &self.origin.is_some())
            .field("check", &self.check.is_some())
            .finish_non_exhaustive()
    }
}

/// What a client layer asks for besides the URL.
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions<'a> {
    /// Limits and deadlines of the connection (and the opening handshake's deadline).
    pub config: Config,
    /// Subprotocols offered, in order of preference.
    pub protocols: &'a [&'a str],
    /// Extra request headers (`Origin`, `Authorization`, ...).
    pub headers: &'a [Header<'a>],
    /// permessage-deflate (RFC 7692) offered with this configuration;
    /// `None` offers none. Default: the codec's defaults.
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
}

// Derivable only without `deflate`, whose default is on.
#[allow(clippy::derivable_impls)]
impl Default for ClientOptions<'_> {
    fn default() -> Self {
        Self {
            config: Config::default(),
            protocols: &[],
            headers: &[],
            #[cfg(feature = "deflate")]
            deflate: Some(DeflateConfig::default()),
        }
    }
}

/// Why a layer's call failed or the connection is over.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The stream failed.
    Io(std::io::Error),
    /// The opening handshake failed: an invalid request or response, or
    /// its deadline passed ([`HandshakeError::TimedOut`]).
    Handshake(HandshakeError),
    /// Server: the request was answered with this status instead of being
    /// accepted (the policy refused it, or it was not an upgrade).
    Refused(u16),
    /// Client: the server answered with this status instead of `101`.
    Rejected(u16),
    /// The connection is over: a clean close (ours or the peer's), a
    /// protocol failure, the transport ending early or a deadline. The
    /// transport has been closed. Every later call returns it again.
    Closed(OwnedTermination),
    /// A call that the connection's state does not allow (e.g. sending
    /// after the closing handshake began).
    Usage(UsageError),
    /// The handshake response could not be written.
    Decision(DecisionError),
    /// The URL is not a usable `ws://` URL.
    Url(crate::url::UrlError),
    /// The OS random source failed.
    #[cfg(feature = "getrandom")]
    Random(crate::random::RandomError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Handshake(e) => write!(f, "opening handshake failed: {e}"),
            Self::Refused(s) => write!(f, "the request was refused with HTTP {s}"),
            Self::Rejected(s) => write!(f, "the server answered HTTP {s} instead of 101"),
            Self::Closed(t) => write!(f, "the connection is closed ({t:?})"),
            Self::Usage(e) => write!(f, "{e}"),
            Self::Decision(e) => write!(f, "{e}"),
            Self::Url(e) => write!(f, "{e}"),
            #[cfg(feature = "getrandom")]
            Self::Random(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Self::Usage(e)
    }
}

/// The permessage-deflate agreement to run, with its configuration.
#[cfg(feature = "deflate")]
pub(crate) type Deflate = Option<(DeflateAgreement, DeflateConfig)>;
/// Without the `deflate` feature nothing is agreed.
#[cfg(not(feature = "deflate"))]
pub(crate) type Deflate = Option<()>;

/// The permessage-deflate configuration a client offered.
#[cfg(feature = "deflate")]
pub(crate) type Offered = Option<DeflateConfig>;
/// Without the `deflate` feature nothing is offered.
#[cfg(not(feature = "deflate"))]
pub(crate) type Offered = Option<()>;

/// What the server side of a handshake came to after one input call.
pub(crate) enum ServerStep {
    /// Read more.
    More,
    /// `101` written to the output; the head was `used` bytes.
    Accepted { used: usize, protocol: Option<String>, deflate: Deflate },
    /// Another response written to the output (or owed by the endpoint's
    /// `poll_transmit`): write it, close the transport, report the error.
    Answered(Error),
}

/// Feeds `rx` to the endpoint and, at the decision point, applies `policy`,
/// writing the response into `tx`.
pub(crate) fn server_step(
    endpoint: &mut ServerEndpoint,
    rx: &mut [u8],
    policy: &AcceptPolicy<'_>,
    tx: &mut alloc::vec::Vec<u8>,
) -> ServerStep {
    let input = endpoint.handle_data(rx);
    let used = input.consumed;
    let req = match input.event {
        None | Some(ServerEvent::Connection(_)) => return ServerStep::More,
        Some(ServerEvent::Request(req)) => req,
        Some(ServerEvent::NotUpgrade(req)) => {
            // Not a WebSocket request: answer 426 Upgrade Required.
            let _ = req.refuse_vec(HandshakeError::MissingUpgrade, tx);
            return ServerStep::Answered(Error::Refused(HandshakeError::MissingUpgrade.status()));
        }
        Some(ServerEvent::HandshakeFailed(e)) => {
            endpoint.poll_transmit_vec(tx);
            return ServerStep::Answered(Error::Handshake(e));
        }
    };
    if let Some(origin) = policy.origin {
        if !origin(req.origin()) {
            let _ = req.refuse_vec(HandshakeError::OriginNotAllowed, tx);
            return ServerStep::Answered(Error::Refused(HandshakeError::OriginNotAllowed.status()));
        }
    }
    if let Some(check) = policy.check {
        if let Err(status) = check(&req) {
            let _ = req.respond_vec(status, &[], b"", tx);
            return ServerStep::Answered(Error::Refused(status));
        }
    }
    let protocol = req.choose_protocol(policy.protocols);
    let mut ext = [0u8; 128];
    let (extensions, deflate) = deflate_response(&req, policy, &mut ext);
    match req.accept_vec(&Accept { protocol, extensions, ..Accept::default() }, tx) {
        Ok(_) => ServerStep::Accepted { used, protocol: protocol.map(String::from), deflate },
        Err(e) => ServerStep::Answered(Error::Decision(e)),
    }
}

#[cfg(feature = "deflate")]
fn deflate_response<'o>(
    req: &PendingRequest<'_, '_>,
    policy: &AcceptPolicy<'_>,
    out: &'o mut [u8; 128],
) -> (Option<&'o str>, Deflate) {
    let Some(config) = policy.deflate else { return (None, None) };
    let Some(agreement) = config.accept_offer(req.extensions()) else { return (None, None) };
    let Ok(n) = agreement.response(out) else { return (None, None) };
    match core::str::from_utf8(out.get(..n).unwrap_or_default()) {
        Ok(s) => (Some(s), Some((agreement, config))),
        Err(_) => (None, None),
    }
}

#[cfg(not(feature = "deflate"))]
fn deflate_response<'o>(
    _: &PendingRequest<'_, '_>,
    _: &AcceptPolicy<'_>,
    _: &'o mut [u8; 128],
) -> (Option<&'o str>, Deflate) {
    (None, None)
}

/// What the client side of a handshake came to after one input call.
pub(crate) enum ClientStep {
    /// Read more.
    More,
    /// Upgraded; the head was `used` bytes.
    Accepted { used: usize, protocol: Option<String>, deflate: Deflate },
    /// Refused or invalid: close the transport, report the error.
    Failed(Error),
}

/// Reads a client endpoint's handshake event; `offered` is the deflate
/// configuration whose offer the request carries, checked against the
/// response (RFC 7692 §7.1).
pub(crate) fn client_step(
    event: Option<ClientEvent<'_, '_, '_>>,
    used: usize,
    #[cfg_attr(not(feature = "deflate"), allow(unused_variables))] offered: Offered,
) -> ClientStep {
    match event {
        None | Some(ClientEvent::Connection(_)) => ClientStep::More,
        Some(ClientEvent::Rejected(view)) => ClientStep::Failed(Error::Rejected(view.status())),
        Some(ClientEvent::HandshakeFailed(e)) => ClientStep::Failed(Error::Handshake(e)),
        Some(ClientEvent::Accepted(view)) => {
            #[cfg(feature = "deflate")]
            let deflate = match offered {
                Some(config) => match config.check_response(view.negotiated().extensions()) {
                    Ok(agreement) => agreement.map(|a| (a, config)),
                    Err(e) => return ClientStep::Failed(Error::Handshake(e)),
                },
                None => None,
            };
            #[cfg(not(feature = "deflate"))]
            let deflate = None;
            ClientStep::Accepted { used, protocol: view.protocol().map(String::from), deflate }
        }
    }
}

/// The connection with the agreed permessage-deflate configuration.
pub(crate) fn with_deflate<M: crate::MaskSource>(
    conn: crate::Connection<M>,
    #[cfg_attr(not(feature = "deflate"), allow(unused_variables))] deflate: Deflate,
) -> crate::Connection<M> {
    #[cfg(feature = "deflate")]
    if let Some((agreement, config)) = deflate {
        return conn.with_deflate(agreement, config);
    }
    conn
}

/// The `Sec-WebSocket-Extensions` offer for `options`, and what it offers.
#[cfg(feature = "deflate")]
#[cfg_attr(not(feature = "getrandom"), allow(dead_code))]
pub(crate) fn deflate_offer<'o>(options: &ClientOptions<'_>, out: &'o mut [u8; 128]) -> (Option<&'o str>, Offered) {
    let Some(config) = options.deflate else { return (None, None) };
    let Ok(n) = config.offer(out) else { return (None, None) };
    match core::str::from_utf8(out.get(..n).unwrap_or_default()) {
        Ok(s) => (Some(s), Some(config)),
        Err(_) => (None, None),
    }
}

/// Without the `deflate` feature nothing is offered.
#[cfg(not(feature = "deflate"))]
#[cfg_attr(not(feature = "getrandom"), allow(dead_code))]
pub(crate) fn deflate_offer<'o>(_: &ClientOptions<'_>, _: &'o mut [u8; 128]) -> (Option<&'o str>, Offered) {
    (None, None)
}
