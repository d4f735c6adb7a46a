//! The blocking layer over loopback TCP: handshake policy, messages both
//! ways, the closing handshake, keep-alive.
#![cfg(feature = "blocking")]

use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use wsmachine::io::blocking::WebSocket;
use wsmachine::io::{AcceptPolicy, Error};
use wsmachine::url::WsUrl;
use wsmachine::{CloseCode, Config, Message, OwnedTermination, ProtocolError};

/// A predictable mask source: fine for a test, never for a real client.
fn test_mask() -> impl FnMut() -> [u8; 4] {
    let mut n = 0u32;
    move || {
        n = n.wrapping_add(0x9e37_79b9);
        n.to_le_bytes()
    }
}

fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    (listener, url)
}

/// Accepts one connection with `policy` and echoes until it ends; returns how it ended.
fn echo_server(
    listener: TcpListener,
    policy: AcceptPolicy<'static>,
) -> thread::JoinHandle<Result<OwnedTermination, String>> {
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = WebSocket::accept(stream, &policy).map_err(|e| e.to_string())?;
        loop {
            let reply = match ws.read() {
                Ok(Message::Text(t)) => Message::Text(t).to_owned_message(),
                Ok(Message::Binary(b)) => (false, b.to_vec()),
                Err(Error::Closed(how)) => return Ok(how),
                Err(e) => return Err(e.to_string()),
            };
            let sent =
                if reply.0 { ws.send_text(std::str::from_utf8(&reply.1).unwrap()) } else { ws.send_binary(&reply.1) };
            if let Err(e) = sent {
                return Err(e.to_string());
            }
        }
    })
}

trait ToOwnedMessage {
    fn to_owned_message(self) -> (bool, Vec<u8>);
}
impl ToOwnedMessage for Message<'_> {
    fn to_owned_message(self) -> (bool, Vec<u8>) {
        match self {
            Message::Text(t) => (true, t.as_bytes().to_vec()),
            Message::Binary(b) => (false, b.to_vec()),
        }
    }
}

fn connect(
    url: &str,
    protocols: &'static [&'static str],
    config: Config,
) -> Result<WebSocket<TcpStream, impl FnMut() -> [u8; 4]>, Error> {
    let parsed = WsUrl::parse(url).unwrap();
    let stream = TcpStream::connect(parsed.socket_addr()).unwrap();
    let request = wsmachine::ClientRequest { protocols, ..parsed.request(*b"0123456789abcdef") };
    WebSocket::connect_with(stream, request, config, test_mask())
}

#[test]
fn messages_round_trip_and_close_is_clean_rfc6455_7_1_2() {
    let (listener, url) = bind();
    let server = echo_server(listener, AcceptPolicy { protocols: &["chat", "superchat"], ..AcceptPolicy::default() });
    let mut ws = connect(&url, &["superchat"], Config::default()).unwrap();
    assert_eq!(ws.protocol(), Some("superchat"));
    ws.send_text("hello").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("hello"));
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    ws.send_binary(&big).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Binary(&big[..]));
    ws.ping(b"p").unwrap();
    ws.send_text("after ping").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("after ping"));
    ws.close(CloseCode::NORMAL, "bye").unwrap();
    let ended = server.join().unwrap().unwrap();
    assert!(
        matches!(ended, OwnedTermination::Clean(ref f) if f.code == CloseCode::NORMAL && f.reason == "bye"),
        "{ended:?}"
    );
    assert!(matches!(ws.read(), Err(Error::Closed(OwnedTermination::Clean(_)))));
}

#[test]
fn origin_predicate_refuses_with_403_rfc6455_10_2() {
    let (listener, url) = bind();
    static NO_ORIGIN_ALLOWED: fn(Option<&[u8]>) -> bool = |origin| origin.is_none();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let policy = AcceptPolicy { origin: Some(&NO_ORIGIN_ALLOWED), ..AcceptPolicy::default() };
        WebSocket::accept(stream, &policy).map(|_| ())
    });
    let parsed = WsUrl::parse(&url).unwrap();
    let stream = TcpStream::connect(parsed.socket_addr()).unwrap();
    let headers = [wsmachine::handshake::Header::new("Origin", b"https://evil.example")];
    let request = wsmachine::ClientRequest { headers: &headers, ..parsed.request(*b"0123456789abcdef") };
    let refused = WebSocket::connect_with(stream, request, Config::default(), test_mask());
    assert!(matches!(refused, Err(Error::Rejected(403))), "{:?}", refused.err());
    assert!(matches!(server.join().unwrap(), Err(Error::Refused(403))));
}

#[test]
fn request_check_refuses_with_its_status_rfc6455_4_2_2() {
    let (listener, url) = bind();
    static ONLY_ROOT: fn(&wsmachine::PendingRequest<'_, '_>) -> Result<(), u16> =
        |req| if req.path() == "/" { Ok(()) } else { Err(404) };
    let server = echo_server(listener, AcceptPolicy { check: Some(&ONLY_ROOT), ..AcceptPolicy::default() });
    let refused = connect(&url, &[], Config::default());
    assert!(matches!(refused, Err(Error::Rejected(404))), "{:?}", refused.err());
    assert!(server.join().unwrap().is_err());
}

#[test]
fn keepalive_fails_a_silent_peer_with_1011_rfc6455_5_5_2() {
    let (listener, url) = bind();
    let config = Config {
        keepalive_interval: Some(Duration::from_millis(30)),
        pong_timeout: Duration::from_millis(100),
        close_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    let server = echo_server(listener, AcceptPolicy { config, ..AcceptPolicy::default() });
    let ws = connect(&url, &[], Config::default()).unwrap();
    // The client never reads, so it never answers the keep-alive Ping.
    let ended = server.join().unwrap().unwrap();
    assert_eq!(ended, OwnedTermination::Failed(ProtocolError::KeepAliveTimeout));
    drop(ws);
}

#[test]
fn peer_close_is_echoed_and_reported_rfc6455_5_5_1() {
    let (listener, url) = bind();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = WebSocket::accept(stream, &AcceptPolicy::default()).unwrap();
        ws.close(CloseCode::GOING_AWAY, "going")
    });
    let mut ws = connect(&url, &[], Config::default()).unwrap();
    let ended = ws.read();
    assert!(
        matches!(ended, Err(Error::Closed(OwnedTermination::Clean(ref f))) if f.code == CloseCode::GOING_AWAY),
        "{:?}",
        ended.err()
    );
    server.join().unwrap().unwrap();
}

#[cfg(feature = "getrandom")]
#[test]
fn connect_by_url_with_os_randomness_and_wss_refused_rfc6455_3() {
    let (listener, url) = bind();
    let server = echo_server(listener, AcceptPolicy::default());
    let addr = WsUrl::parse(&url).unwrap().socket_addr();
    let (other, _) = bind();
    let tls = WebSocket::connect(
        TcpStream::connect(other.local_addr().unwrap()).unwrap(),
        "wss://example.com/",
        &Default::default(),
    );
    assert!(matches!(tls, Err(Error::Url(wsmachine::url::UrlError::TlsRequired))));
    let mut ws = WebSocket::connect(TcpStream::connect(addr).unwrap(), &url, &Default::default()).unwrap();
    ws.send_text("os").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("os"));
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap().unwrap();
}

#[cfg(all(feature = "deflate", feature = "getrandom"))]
#[test]
fn deflate_round_trip_rfc7692_7_2() {
    let (listener, url) = bind();
    let server = echo_server(listener, AcceptPolicy::default());
    let addr = WsUrl::parse(&url).unwrap().socket_addr();
    let mut ws = WebSocket::connect(TcpStream::connect(addr).unwrap(), &url, &Default::default()).unwrap();
    assert!(ws.connection().deflate_agreement().is_some());
    let text = "compressible ".repeat(20_000);
    ws.send_text(&text).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text(&text));
    ws.send_binary(b"small").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Binary(b"small"));
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap().unwrap();
}
