//! `ws://` URLs to client requests (feature `std`).
//!
//! ```
//! use wsmachine::url::WsUrl;
//! let url = WsUrl::parse("ws://example.com:8080/chat?room=1").unwrap();
//! assert_eq!((url.host(), url.port(), url.path()), ("example.com", 8080, "/chat?room=1"));
//! let request = url.request(*b"the sample nonce"); // use real randomness
//! let mut head = Vec::new();
//! request.write_vec(&mut head);
//! assert!(head.starts_with(b"GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\n"));
//! ```
//!
//! `wss://` is refused with [`UrlError::TlsRequired`]: this crate does not
//! do TLS. Run TLS over the TCP stream yourself and build the request with
//! [`ClientRequest::new`] and `secure: true`.

use core::fmt;

use crate::handshake::client::ClientRequest;

/// A parsed `ws://host[:port][/path][?query]` URL, borrowing the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WsUrl<'u> {
    host: &'u str,
    port: u16,
    explicit_port: bool,
    path: &'u str,
}

/// Why a string is not a usable `ws://` URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is `wss`: TLS is the caller's job (wrap the stream in TLS
    /// and build a [`ClientRequest`] with `secure: true`).
    TlsRequired,
    /// The scheme is neither `ws` nor `wss`.
    UnsupportedScheme,
    /// No host, or a host with characters that do not belong in one.
    InvalidHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// The URL has a `#fragment` (RFC 6455 §3: not allowed), user info,
    /// spaces or control characters, or a query without a path (write
    /// `ws://host/?query`: the request target must start with `/`).
    Unsupported,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TlsRequired => {
                "wss:// needs TLS, which is the caller's job: connect a TLS stream and build the ClientRequest with `secure: true`"
            }
            Self::UnsupportedScheme => "not a ws:// URL",
            Self::InvalidHost => "the URL has no valid host",
            Self::InvalidPort => "the URL's port is not a number from 1 to 65535",
            Self::Unsupported => {
                "the URL has a fragment, user info, a space or a query without a path, which a WebSocket URL may not have"
            }
        })
    }
}

impl core::error::Error for UrlError {}

impl<'u> WsUrl<'u> {
    /// Parses a `ws://` URL (scheme and host case as given; an IPv6
    /// address in brackets, e.g. `ws://[::1]:9001/`).
    pub fn parse(url: &'u str) -> Result<Self, UrlError> {
        let (scheme, rest) = url.split_once("://").ok_or(UrlError::UnsupportedScheme)?;
        if scheme.eq_ignore_ascii_case("wss") {
            return Err(UrlError::TlsRequired);
        }
        if !scheme.eq_ignore_ascii_case("ws") {
            return Err(UrlError::UnsupportedScheme);
        }
        if rest.contains('#') {
            return Err(UrlError::Unsupported);
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(UrlError::Unsupported);
        }
        let (host, port) = split_port(authority)?;
        let host_ok = !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'%'));
        if !host_ok || (host.contains(':') && !authority.starts_with('[')) {
            return Err(UrlError::InvalidHost);
        }
        if path.starts_with('?') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::Unsupported);
        }
        Ok(Self { host, port: port.unwrap_or(80), explicit_port: port.is_some(), path })
    }

    /// The host (an IPv6 address without its brackets), for `connect` and `Host`.
    pub fn host(&self) -> &'u str {
        self.host
    }

    /// The port: the URL's, or 80.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path and query, e.g. `/chat?room=1`; `/` when the URL has none.
    pub fn path(&self) -> &'u str {
        match self.path {
            "" => "/",
            p => p,
        }
    }

    /// `(host, port)`, ready for `TcpStream::connect`.
    pub fn socket_addr(&self) -> (&'u str, u16) {
        (self.host, self.port)
    }

    /// The request for this URL with the caller's 16 random key bytes
    /// (RFC 6455 §4.1: fresh for each handshake); `Host` carries the port
    /// only when it is not 80. Set the other fields (protocols, headers)
    /// with struct update syntax.
    pub fn request(&self, key: [u8; 16]) -> ClientRequest<'u> {
        ClientRequest {
            port: (self.explicit_port && self.port != 80).then_some(self.port),
            ..ClientRequest::new(self.host, self.path(), key)
        }
    }
}

/// `host[:port]` or `[v6][:port]`.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or(UrlError::InvalidHost)?;
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':').ok_or(UrlError::InvalidHost)?)),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => return Err(UrlError::InvalidPort),
        Some(p) => Some(p.parse::<u16>().ok().filter(|n| *n != 0).ok_or(UrlError::InvalidPort)?),
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn head(url: &str) -> Vec<u8> {
        let mut out = Vec::new();
        WsUrl::parse(url).unwrap().request([7; 16]).write_vec(&mut out);
        out
    }

    #[test]
    fn host_carries_port_only_when_not_default_rfc6455_4_1() {
        assert!(head("ws://a.example/x").starts_with(b"GET /x HTTP/1.1\r\nHost: a.example\r\n"));
        assert!(head("ws://a.example:80/x").starts_with(b"GET /x HTTP/1.1\r\nHost: a.example\r\n"));
        assert!(head("ws://a.example:81").starts_with(b"GET / HTTP/1.1\r\nHost: a.example:81\r\n"));
    }

    #[test]
    fn path_and_query_are_the_request_target_rfc6455_3() {
        assert!(head("ws://h/?q=1").starts_with(b"GET /?q=1 HTTP/1.1\r\n"));
        let url = WsUrl::parse("ws://h:9/a/b?c=d&e").unwrap();
        assert_eq!(url.path(), "/a/b?c=d&e");
        assert_eq!(url.socket_addr(), ("h", 9));
    }

    #[test]
    fn ipv6_host_is_bracketed_in_host_rfc6455_3() {
        let url = WsUrl::parse("ws://[::1]:9001/").unwrap();
        assert_eq!((url.host(), url.port()), ("::1", 9001));
        assert!(head("ws://[::1]:9001/").starts_with(b"GET / HTTP/1.1\r\nHost: [::1]:9001\r\n"));
    }

    #[test]
    fn wss_says_tls_is_the_callers_job_rfc6455_3() {
        assert_eq!(WsUrl::parse("wss://example.com/"), Err(UrlError::TlsRequired));
        assert!(UrlError::TlsRequired.to_string().contains("TLS"));
    }

    #[test]
    fn bad_urls_are_refused_rfc6455_3() {
        for bad in [
            "http://h/",
            "ws://",
            "ws://h:0/",
            "ws://h:99999/",
            "ws://h:x/",
            "ws://h/#f",
            "ws://u@h/",
            "ws://h h/",
            "h/",
            "ws://h?q",
        ] {
            assert!(WsUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
