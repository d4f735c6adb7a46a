//! The one-object façade: a `ClientEndpoint` and a `ServerEndpoint` from
//! the first byte of the request to the last frame (RFC 6455 §4.1, §4.2,
//! §5, §7), fed whole, one byte at a time and in odd chunks.

use wsmachine::endpoint::{ClientEndpoint, ClientEvent, DecisionError, PendingRequest, ServerEndpoint, ServerEvent};
use wsmachine::handshake::client::ClientRequest;
use wsmachine::handshake::server::Accept;
use wsmachine::handshake::{HandshakeError, Header, OriginPolicy};
use wsmachine::{CloseCode, Config, Connection, Event, Handled, MaskSource, MessageKind, Termination};

/// Deterministic mask keys (a test stand-in for randomness).
#[derive(Clone, Debug)]
struct Counter(u32);

impl MaskSource for Counter {
    fn next_mask(&mut self) -> [u8; 4] {
        self.0 = self.0.wrapping_mul(2_654_435_761).wrapping_add(1);
        self.0.to_be_bytes()
    }
}

const NONCE: [u8; 16] = *b"the sample nonce"; // base64: dGhlIHNhbXBsZSBub25jZQ==
const PROTOCOLS: &[&str] = &["chat", "superchat"];

/// What came out, owned; data chunks are joined into whole messages.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Got {
    Request { target: String, protocols: Vec<String> },
    Accepted(Option<String>),
    Rejected(u16),
    HandshakeFailed(HandshakeError),
    Message(MessageKind, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    Closed(Termination<'static>),
}

/// Data chunks of the message in progress, joined.
#[derive(Default)]
struct Joiner(Option<(MessageKind, Vec<u8>)>);

impl Joiner {
    fn connection_event(&mut self, e: &Event<'_, '_>) -> Option<Got> {
        Some(match *e {
            Event::Data { kind, payload, message_fin, .. } => {
                let (_, bytes) = self.0.get_or_insert_with(|| (kind, Vec::new()));
                bytes.extend_from_slice(payload);
                if !message_fin {
                    return None;
                }
                let (kind, bytes) = self.0.take()?;
                Got::Message(kind, bytes)
            }
            Event::Ping(p) => Got::Ping(p.to_vec()),
            Event::Pong(p) => Got::Pong(p.to_vec()),
            Event::CloseReceived(f) => Got::Close(f.code.0, f.reason.into()),
            Event::Closed(Termination::Clean(f)) => {
                // Keep the code only: the reason borrows the connection.
                Got::Closed(Termination::Clean(wsmachine::CloseFrame { code: f.code, reason: "" }))
            }
            Event::Closed(Termination::Failed(e)) => Got::Closed(Termination::Failed(e)),
            Event::Closed(Termination::Abnormal) => Got::Closed(Termination::Abnormal),
            Event::Closed(Termination::TimedOut) => Got::Closed(Termination::TimedOut),
        })
    }
}

/// Decides on `req` as `decision` says, appending the response to `out`;
/// the greeting to send once accepted.
fn decide(decision: Decision, req: PendingRequest<'_, '_>, out: &mut Vec<u8>) -> Option<&'static str> {
    let mut tx = [0u8; 512];
    let protocol = PROTOCOLS.first().copied();
    let (n, greeting) = match decision {
        Decision::Accept { greeting } => {
            (req.accept(&Accept { protocol, ..Accept::default() }, &mut tx).expect("accept"), greeting)
        }
        Decision::Reject(status) => (req.respond(status, &[], b"", &mut tx).expect("reject"), None),
        Decision::RejectWith(e) => (req.refuse(e, &mut tx).expect("reject"), None),
    };
    out.extend_from_slice(&tx[..n]);
    greeting
}

/// How the test server decides on a request.
#[derive(Clone, Copy, Debug)]
enum Decision {
    /// Accept with the first of `PROTOCOLS` the client offers, and send
    /// `greeting` right behind the 101 (so it reaches the client in the same read).
    Accept { greeting: Option<&'static str> },
    /// Refuse with this status.
    Reject(u16),
    /// Refuse with the response for this error.
    RejectWith(HandshakeError),
}

struct Server {
    ep: ServerEndpoint,
    decision: Decision,
    pending: Vec<u8>,
    joiner: Joiner,
    got: Vec<Got>,
    out: Vec<u8>,
}

impl Server {
    fn new(decision: Decision) -> Self {
        let ep = ServerEndpoint::new(Config::default());
        Self { ep, decision, pending: Vec::new(), joiner: Joiner::default(), got: Vec::new(), out: Vec::new() }
    }

    /// Feeds `bytes` in pieces of `chunk`, handling every event, deciding on
    /// the request and draining `poll_transmit` after each call.
    fn feed(&mut self, bytes: &[u8], chunk: usize) {
        for piece in bytes.chunks(chunk.max(1)) {
            self.pending.extend_from_slice(piece);
            loop {
                let Handled { consumed, event } = self.ep.handle_data(&mut self.pending);
                let progressed = consumed > 0 || event.is_some();
                let mut greeting = None;
                let got = match event {
                    None => None,
                    Some(ServerEvent::Request(req)) => {
                        let target = req.target().to_string();
                        let protocols = req.protocols().map(String::from).collect();
                        greeting = decide(self.decision, req, &mut self.out);
                        Some(Got::Request { target, protocols })
                    }
                    Some(ServerEvent::NotUpgrade(req)) => panic!("not an upgrade: {req:?}"),
                    Some(ServerEvent::HandshakeFailed(e)) => Some(Got::HandshakeFailed(e)),
                    Some(ServerEvent::Connection(e)) => self.joiner.connection_event(&e),
                };
                self.pending.drain(..consumed);
                self.got.extend(got);
                if let Some(text) = greeting {
                    let mut tx = [0u8; 512];
                    let m = self.conn().send_text(text, &mut tx).expect("greeting");
                    self.out.extend_from_slice(&tx[..m]);
                }
                self.drain();
                if !progressed {
                    break;
                }
            }
        }
    }

    fn drain(&mut self) {
        let mut tx = [0u8; 256];
        while let Some(n) = self.ep.poll_transmit(&mut tx).expect("room") {
            self.out.extend_from_slice(&tx[..n]);
        }
    }

    fn conn(&mut self) -> &mut Connection {
        self.ep.connection_mut().expect("open")
    }

    fn take_out(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

struct Client {
    ep: ClientEndpoint<'static, Counter>,
    pending: Vec<u8>,
    joiner: Joiner,
    got: Vec<Got>,
    out: Vec<u8>,
}

impl Client {
    fn new() -> Self {
        Self::with_request(ClientRequest { protocols: PROTOCOLS, ..ClientRequest::new("example.com", "/chat", NONCE) })
    }

    fn with_request(request: ClientRequest<'static>) -> Self {
        let mut c = Self {
            ep: ClientEndpoint::new(request, Config::default(), Counter(7)),
            pending: Vec::new(),
            joiner: Joiner::default(),
            got: Vec::new(),
            out: Vec::new(),
        };
        c.drain();
        c
    }

    fn feed(&mut self, bytes: &[u8], chunk: usize) {
        for piece in bytes.chunks(chunk.max(1)) {
            self.pending.extend_from_slice(piece);
            loop {
                let Handled { consumed, event } = self.ep.handle_data(&mut self.pending);
                let got = match &event {
                    None => None,
                    Some(ClientEvent::Accepted(view)) => Some(Got::Accepted(view.protocol().map(String::from))),
                    Some(ClientEvent::Rejected(view)) => Some(Got::Rejected(view.status())),
                    Some(ClientEvent::HandshakeFailed(e)) => Some(Got::HandshakeFailed(*e)),
                    Some(ClientEvent::Connection(e)) => self.joiner.connection_event(e),
                };
                let progressed = consumed > 0 || event.is_some();
                self.pending.drain(..consumed);
                self.got.extend(got);
                self.drain();
                if !progressed {
                    break;
                }
            }
        }
    }

    fn drain(&mut self) {
        let mut tx = [0u8; 512];
        while let Some(n) = self.ep.poll_transmit(&mut tx).expect("room") {
            self.out.extend_from_slice(&tx[..n]);
        }
    }

    fn conn(&mut self) -> &mut Connection<Counter> {
        self.ep.connection_mut().expect("open")
    }

    fn take_out(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

fn clean(code: CloseCode) -> Got {
    Got::Closed(Termination::Clean(wsmachine::CloseFrame { code, reason: "" }))
}

fn text(s: &str) -> Got {
    Got::Message(MessageKind::Text, s.as_bytes().to_vec())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Closer {
    Client,
    Server,
}

/// The whole life of a connection through both endpoints, every byte
/// stream delivered in pieces of `chunk`.
fn first_byte_to_last(chunk: usize, closer: Closer) {
    let mut client = Client::new();
    let mut server = Server::new(Decision::Accept { greeting: Some("welcome") });
    let mut tx = [0u8; 1024];

    // §4.1 / §4.2: the request, the 101, and a greeting pipelined behind it.
    let request = client.take_out();
    assert!(request.starts_with(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n"));
    server.feed(&request, chunk);
    assert_eq!(
        server.got,
        [Got::Request { target: "/chat".into(), protocols: vec!["chat".into(), "superchat".into()] }]
    );
    let response = server.take_out();
    let expected = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x07welcome";
    assert_eq!(response, expected);
    client.feed(&response, chunk);
    assert_eq!(client.got, [Got::Accepted(Some("chat".into())), text("welcome")]);
    assert!(client.pending.is_empty() && server.pending.is_empty());

    // §5.6: messages both ways; §5.5.2-§5.5.3: a ping and its pong.
    let c = client.conn();
    let mut n = c.send_text("hello", &mut tx).unwrap();
    n += c.send_binary(&[0, 1, 2, 255], &mut tx[n..]).unwrap();
    n += c.send_ping(b"are you there", &mut tx[n..]).unwrap();
    n += c.send_fragment(MessageKind::Text, "ünï".as_bytes(), false, &mut tx[n..]).unwrap();
    n += c.send_fragment(MessageKind::Text, "cødé".as_bytes(), true, &mut tx[n..]).unwrap();
    server.feed(&tx[..n], chunk);
    assert_eq!(
        server.got[1..],
        [
            text("hello"),
            Got::Message(MessageKind::Binary, vec![0, 1, 2, 255]),
            Got::Ping(b"are you there".to_vec()),
            text("ünïcødé"),
        ]
    );
    let s = server.conn();
    let mut m = s.send_text("hi there", &mut tx).unwrap();
    m += s.send_binary(&[9; 300], &mut tx[m..]).unwrap();
    let mut to_client = server.take_out(); // the auto-pong
    to_client.extend_from_slice(&tx[..m]);
    client.feed(&to_client, chunk);
    assert_eq!(
        client.got[2..],
        [Got::Pong(b"are you there".to_vec()), text("hi there"), Got::Message(MessageKind::Binary, vec![9; 300])]
    );

    // §7.1.2 / §5.5.1: the close handshake, begun by either side.
    match closer {
        Closer::Client => {
            let n = client.conn().close(CloseCode::NORMAL, "bye", &mut tx).unwrap();
            server.feed(&tx[..n], chunk);
            assert_eq!(server.got[5..], [Got::Close(1000, "bye".into()), clean(CloseCode::NORMAL)]);
            assert!(server.ep.transport_should_close(), "the server closes the TCP connection first");
            let echo = server.take_out();
            assert_eq!(echo, b"\x88\x02\x03\xe8");
            client.feed(&echo, chunk);
            assert_eq!(client.got[5..], [clean(CloseCode::NORMAL)]);
            assert!(!client.ep.transport_should_close(), "the client waits for the server's FIN");
            assert_eq!(client.ep.handle_eof(), None);
            assert!(client.ep.transport_should_close());
        }
        Closer::Server => {
            let n = server.conn().close(CloseCode::GOING_AWAY, "restart", &mut tx).unwrap();
            client.feed(&tx[..n], chunk);
            assert_eq!(client.got[5..], [Got::Close(1001, "restart".into()), clean(CloseCode::GOING_AWAY)]);
            let echo = client.take_out();
            assert_eq!(echo.len(), 2 + 4 + 2, "a masked close echo with the code");
            server.feed(&echo, chunk);
            assert_eq!(server.got[5..], [clean(CloseCode::GOING_AWAY)]);
            assert!(server.ep.transport_should_close());
        }
    }
    assert!(client.out.is_empty() && server.out.is_empty());
    assert!((client.conn().state() == wsmachine::State::Closed) && (server.conn().state() == wsmachine::State::Closed));
}

#[test]
fn endpoints_first_byte_to_last_fed_whole_client_closes_rfc6455_4_1_4_2_7_1_2() {
    first_byte_to_last(usize::MAX, Closer::Client);
}

#[test]
fn endpoints_first_byte_to_last_fed_whole_server_closes_rfc6455_4_1_4_2_7_1_2() {
    first_byte_to_last(usize::MAX, Closer::Server);
}

#[test]
fn endpoints_first_byte_to_last_one_byte_at_a_time_rfc6455_4_1_4_2_7_1_2() {
    first_byte_to_last(1, Closer::Client);
    first_byte_to_last(1, Closer::Server);
}

#[test]
fn endpoints_first_byte_to_last_in_odd_chunks_rfc6455_4_1_4_2_7_1_2() {
    for chunk in [2, 3, 7, 64, 113] {
        first_byte_to_last(chunk, Closer::Client);
        first_byte_to_last(chunk, Closer::Server);
    }
}

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n";

/// A client's first frames, masked by hand (RFC 6455 §5.7's key): "Hello" and a ping "p".
const PIPELINED: &[u8] = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58\x89\x81\x37\xfa\x21\x3d\x47";

#[test]
fn server_endpoint_keeps_pipelined_frames_rfc6455_4_2_2() {
    let wire = [REQUEST, PIPELINED].concat();
    for chunk in [usize::MAX, 1, 5, REQUEST.len() - 1, REQUEST.len() + 3] {
        let mut server = Server::new(Decision::Accept { greeting: None });
        server.feed(&wire, chunk);
        assert_eq!(
            server.got,
            [
                Got::Request { target: "/chat".into(), protocols: vec!["chat".into()] },
                text("Hello"),
                Got::Ping(b"p".to_vec()),
            ],
            "chunk {chunk}"
        );
        let out = server.take_out();
        assert!(out.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(out.ends_with(b"\r\n\r\n\x8a\x01p"), "the 101, then the pong");
    }
}

#[test]
fn server_endpoint_stops_consuming_at_the_end_of_the_head_rfc6455_4_2_2() {
    let mut wire = [REQUEST, PIPELINED].concat();
    let mut server = ServerEndpoint::new(Config::default());
    // A partial head: nothing consumed, nothing reported.
    let input = server.handle_data(&mut wire[..REQUEST.len() - 2]);
    assert_eq!((input.consumed, input.event.is_none()), (0, true));
    assert!(!server.is_deciding());
    let input = server.handle_data(&mut wire);
    assert_eq!(input.consumed, REQUEST.len());
    let Some(ServerEvent::Request(req)) = input.event else { panic!("a request") };
    assert_eq!(req.head(), REQUEST);
    assert_eq!((req.target(), req.origin()), ("/chat", Some(&b"https://evil.example"[..])));
    // A buffer too small for the 101 leaves the request waiting.
    let mut small = [0u8; 16];
    assert!(matches!(req.accept(&Accept::default(), &mut small), Err(DecisionError::BufferTooSmall(_))));
    // Waiting for the decision: input waits too.
    let (head, rest) = wire.split_at_mut(REQUEST.len());
    let input = server.handle_data(rest);
    assert_eq!((input.consumed, input.event.is_none()), (0, true));
    assert!(server.is_deciding() && server.connection().is_none());
    // The request again, from the same head bytes.
    let input = server.handle_data(head);
    assert_eq!((input.consumed, input.event.is_none()), (0, true), "no second request event");
    let mut tx = [0u8; 256];
    assert_eq!(
        server.respond(500, &[], b"", &mut tx[..8]),
        Err(DecisionError::BufferTooSmall(wsmachine::BufferTooSmall { needed: 76 }))
    );
    assert!(server.is_deciding());
    let mut wire = [REQUEST, PIPELINED].concat();
    let mut server = ServerEndpoint::new(Config::default());
    let Some(ServerEvent::Request(req)) = server.handle_data(&mut wire).event else { panic!("a request") };
    let n = req.accept(&Accept::default(), &mut tx).unwrap();
    assert_eq!(
        &tx[..n],
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
    assert_eq!(server.respond(200, &[], b"", &mut tx), Err(DecisionError::NoRequest));
    let input = server.handle_data(&mut wire[REQUEST.len()..]);
    assert_eq!(input.consumed, 11);
    assert!(matches!(input.event, Some(ServerEvent::Connection(Event::Data { payload: b"Hello", .. }))));
    assert!(server.into_connection().is_some());
}

#[test]
fn server_endpoint_rejects_with_403_rfc6455_4_2_2() {
    for chunk in [usize::MAX, 1] {
        let mut server = Server::new(Decision::Reject(403));
        server.feed(&[REQUEST, PIPELINED].concat(), chunk);
        assert_eq!(server.got, [Got::Request { target: "/chat".into(), protocols: vec!["chat".into()] }]);
        assert_eq!(server.take_out(), b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        assert!(server.ep.transport_should_close());
        assert!(server.ep.connection().is_none());
        assert!(server.pending.is_empty(), "input after a refusal is consumed and ignored");
        let mut tx = [0u8; 256];
        assert_eq!(server.ep.refuse(HandshakeError::MissingHost, &mut tx), Err(DecisionError::NoRequest));
        assert_eq!(server.ep.poll_transmit(&mut tx), Ok(None));
    }
}

#[test]
fn server_endpoint_rejects_a_foreign_origin_with_403_rfc6455_10_2() {
    let mut wire = REQUEST.to_vec();
    let mut server = ServerEndpoint::new(Config::default());
    let Some(ServerEvent::Request(req)) = server.handle_data(&mut wire).event else { panic!("a request") };
    let policy = OriginPolicy { allow_missing: true, ..OriginPolicy::allow(&["https://good.example"]) };
    let verdict = req.check_origin(&policy);
    assert_eq!(verdict, Err(HandshakeError::OriginNotAllowed));
    let mut tx = [0u8; 256];
    let n = req.refuse(HandshakeError::OriginNotAllowed, &mut tx).unwrap();
    assert_eq!(&tx[..n], b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(server.transport_should_close());

    // The same through the harness, fed one byte at a time.
    let mut server = Server::new(Decision::RejectWith(HandshakeError::MissingOrigin));
    server.feed(&[REQUEST, PIPELINED].concat(), 1);
    assert_eq!(server.take_out(), b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(server.ep.transport_should_close() && server.pending.is_empty());
}

#[test]
fn server_endpoint_answers_version_8_with_426_rfc6455_4_4() {
    let old = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n\x81\x80\0\0\0\0";
    for chunk in [usize::MAX, 1, 9] {
        let mut server = Server::new(Decision::Accept { greeting: None });
        server.feed(old, chunk);
        assert_eq!(server.got, [Got::HandshakeFailed(HandshakeError::UnsupportedVersion)]);
        assert_eq!(
            server.take_out(),
            b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        assert!(server.ep.transport_should_close());
        assert!(server.pending.is_empty());
        assert!(server.ep.connection().is_none());
    }
}

#[test]
fn server_endpoint_answers_a_bad_request_with_400_rfc6455_4_2_1() {
    let mut server = Server::new(Decision::Accept { greeting: None });
    server.feed(b"POST /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", usize::MAX);
    assert_eq!(server.got, [Got::HandshakeFailed(HandshakeError::MethodNotGet)]);
    assert_eq!(server.take_out(), b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    // The error response needs room; a small buffer is told how much.
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = *b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    assert!(matches!(server.handle_data(&mut wire).event, Some(ServerEvent::HandshakeFailed(_))));
    assert!(!server.transport_should_close(), "the response is owed first");
    let mut small = [0u8; 8];
    assert!(server.poll_transmit(&mut small).is_err());
    let mut tx = [0u8; 128];
    assert!(server.poll_transmit(&mut tx).unwrap().is_some());
    assert!(server.transport_should_close());
}

#[test]
fn server_endpoint_ends_on_eof_during_the_handshake_rfc6455_7_1_1() {
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = REQUEST[..20].to_vec();
    assert!(server.handle_data(&mut wire).event.is_none());
    assert!(server.handle_eof().is_none());
    assert!(server.transport_should_close());
}

#[test]
fn client_endpoint_writes_the_request_first_rfc6455_4_1() {
    let request = ClientRequest { protocols: PROTOCOLS, ..ClientRequest::new("example.com", "/chat", NONCE) };
    let mut expected = [0u8; 512];
    let len = request.write(&mut expected).unwrap();
    let mut client = ClientEndpoint::new(request, Config::default(), Counter(1));
    let mut small = [0u8; 32];
    assert_eq!(client.poll_transmit(&mut small).unwrap_err().needed, len);
    let mut tx = [0u8; 512];
    assert_eq!(client.poll_transmit(&mut tx), Ok(Some(len)));
    assert_eq!(tx[..len], expected[..len]);
    assert_eq!(client.poll_transmit(&mut tx), Ok(None), "written once");
    assert!(client.connection().is_none() && !client.transport_should_close());
}

#[test]
fn client_endpoint_keeps_frames_behind_the_101_rfc6455_4_1() {
    let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    let wire = [&response[..], b"\x81\x02hi\x89\x00"].concat();
    let request = ClientRequest::new("example.com", "/", NONCE);
    let mut client = ClientEndpoint::new(request, Config::default(), Counter(3));
    let mut rx = wire.clone();
    let input = client.handle_data(&mut rx);
    assert_eq!(input.consumed, response.len());
    let Some(ClientEvent::Accepted(view)) = input.event else { panic!("accepted") };
    assert_eq!((view.status(), view.protocol(), view.head()), (101, None, &response[..]));
    let mut rest = wire[response.len()..].to_vec();
    let input = client.handle_data(&mut rest);
    assert!(matches!(input.event, Some(ClientEvent::Connection(Event::Data { payload: b"hi", .. }))));
    let consumed = input.consumed;
    let input = client.handle_data(&mut rest[consumed..]);
    assert!(matches!(input.event, Some(ClientEvent::Connection(Event::Ping(b"")))));
    let mut tx = [0u8; 256];
    let n = client.poll_transmit(&mut tx).unwrap().unwrap();
    assert_eq!(&tx[..2], b"\x8a\x80", "a masked, empty pong");
    assert_eq!(n, 6);

    // The same bytes one at a time: nothing is lost.
    let mut c = Client::with_request(request);
    c.feed(&wire, 1);
    assert_eq!(c.got, [Got::Accepted(None), text("hi"), Got::Ping(vec![])]);
}

#[test]
fn client_endpoint_reports_a_401_rfc6455_4_1() {
    let wire = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"ws\"\r\nContent-Length: 5\r\n\r\nnope!";
    for chunk in [usize::MAX, 1] {
        let mut c = Client::new();
        assert!(c.take_out().starts_with(b"GET /chat HTTP/1.1\r\n"));
        c.feed(wire, chunk);
        assert_eq!(c.got, [Got::Rejected(401)]);
        assert!(c.ep.transport_should_close() && c.ep.connection().is_none());
        assert!(c.out.is_empty());
    }
    let mut c = Client::new();
    let mut rx = wire.to_vec();
    let input = c.ep.handle_data(&mut rx);
    assert_eq!(input.consumed, wire.len(), "the body is the response's");
    let Some(ClientEvent::Rejected(view)) = input.event else { panic!("rejected") };
    assert_eq!(
        (view.status(), view.reason(), view.header("www-authenticate"), view.content_length(), view.body()),
        (401, &b"Unauthorized"[..], Some(&b"Basic realm=\"ws\""[..]), Some(5), &b"nope!"[..])
    );
    let mut more = *b"more";
    let input = c.ep.handle_data(&mut more);
    assert_eq!((input.consumed, input.event.is_none()), (4, true), "ignored once ended");
}

#[test]
fn client_endpoint_fails_on_a_wrong_accept_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n\x81\x00";
    for chunk in [usize::MAX, 1] {
        let mut c = Client::new();
        c.feed(wire, chunk);
        assert_eq!(c.got, [Got::HandshakeFailed(HandshakeError::InvalidAccept)]);
        assert!(c.ep.transport_should_close() && c.ep.connection().is_none());
    }
}

#[test]
fn client_endpoint_fails_on_an_unoffered_protocol_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
    let mut c = Client::new();
    c.feed(wire, usize::MAX);
    assert_eq!(c.got, [Got::HandshakeFailed(HandshakeError::ProtocolNotOffered)]);
}

#[test]
fn client_endpoint_ends_on_eof_during_the_handshake_rfc6455_4_1() {
    let mut c = Client::new();
    c.feed(b"HTTP/1.1 101 Swi", usize::MAX);
    assert!(c.got.is_empty());
    assert_eq!(c.ep.handle_eof(), None);
    assert!(c.ep.transport_should_close());
}

#[test]
fn endpoints_reject_headers_through_the_pure_functions_rfc6455_4_2_2() {
    // `reject` passes the caller's headers and body through `server::reject`.
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = REQUEST.to_vec();
    assert!(matches!(server.handle_data(&mut wire).event, Some(ServerEvent::Request(_))));
    let mut tx = [0u8; 256];
    let n = server.respond(401, &[Header::new("WWW-Authenticate", b"Basic")], b"no", &mut tx).unwrap();
    assert_eq!(
        &tx[..n],
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"
    );
}

#[cfg(feature = "alloc")]
#[test]
fn endpoints_vec_variants_write_the_same_bytes_rfc6455_4_1_4_2_2() {
    let request = ClientRequest { protocols: PROTOCOLS, ..ClientRequest::new("example.com", "/chat", NONCE) };
    let mut client = ClientEndpoint::new(request, Config::default(), Counter(5));
    let mut wire = Vec::new();
    let n = client.poll_transmit_vec(&mut wire);
    assert_eq!(n, wire.len());
    assert_eq!(client.poll_transmit_vec(&mut wire), 0, "written once");

    let mut server = ServerEndpoint::new(Config::default());
    let Some(ServerEvent::Request(req)) = server.handle_data(&mut wire).event else { panic!("a request") };
    let protocol = req.choose_protocol(&["superchat"]);
    let mut out = b"prefix".to_vec();
    let n = req.accept_vec(&Accept { protocol, ..Accept::default() }, &mut out).unwrap();
    assert_eq!(out.len(), 6 + n);
    assert!(out[6..].starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    let mut rx = out[6..].to_vec();
    let Some(ClientEvent::Accepted(view)) = client.handle_data(&mut rx).event else { panic!("accepted") };
    assert_eq!(view.protocol(), Some("superchat"));
    let mut ping = [0u8; 64];
    let n = client.connection_mut().unwrap().send_ping(b"x", &mut ping).unwrap();
    assert!(matches!(server.handle_data(&mut ping[..n]).event, Some(ServerEvent::Connection(Event::Ping(b"x")))));
    let mut pong = Vec::new();
    assert_eq!(server.poll_transmit_vec(&mut pong), 3);
    assert_eq!(pong, b"\x8a\x01x");

    // Refusals.
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = REQUEST.to_vec();
    assert!(server.handle_data(&mut wire).event.is_some());
    let mut out = Vec::new();
    assert_eq!(server.respond_vec(404, &[], b"", &mut out), Ok(out.len()));
    assert!(out.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
    assert_eq!(server.refuse_vec(HandshakeError::MissingOrigin, &mut out), Err(DecisionError::NoRequest));
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = REQUEST.to_vec();
    assert!(server.handle_data(&mut wire).event.is_some());
    let mut out = Vec::new();
    assert!(server.refuse_vec(HandshakeError::MissingOrigin, &mut out).is_ok());
    assert!(out.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
    let mut server = ServerEndpoint::new(Config::default());
    let mut wire = REQUEST.replace_version(b"8");
    assert!(matches!(server.handle_data(&mut wire).event, Some(ServerEvent::HandshakeFailed(_))));
    let mut out = Vec::new();
    server.poll_transmit_vec(&mut out);
    assert!(out.starts_with(b"HTTP/1.1 426 Upgrade Required\r\n"));
    assert!(server.transport_should_close());
}

#[cfg(feature = "alloc")]
trait ReplaceVersion {
    fn replace_version(&self, v: &[u8]) -> Vec<u8>;
}

#[cfg(feature = "alloc")]
impl ReplaceVersion for [u8] {
    fn replace_version(&self, v: &[u8]) -> Vec<u8> {
        let at = self.windows(25).position(|w| w == b"Sec-WebSocket-Version: 13").expect("a version header") + 23;
        [&self[..at], v, &self[at + 2..]].concat()
    }
}

#[test]
fn endpoints_hold_the_connection_inline() {
    use core::mem::size_of;
    // The endpoint keeps the config for the connection it builds, and little else.
    let overhead = size_of::<Config>() + 48;
    assert!(size_of::<ServerEndpoint>() <= size_of::<Connection>() + overhead);
    assert!(
        size_of::<ClientEndpoint<'static, fn() -> [u8; 4]>>() <= size_of::<Connection<fn() -> [u8; 4]>>() + overhead
    );
}

const ROUTED: &[u8] = b"GET /rooms/7?user=ann&x=1 HTTP/1.1\r\nHost: chat.example:8080\r\nUpgrade: websocket\r\n\
Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Origin: http://localhost:5173\r\nSec-WebSocket-Protocol: v2.chat, v1.chat\r\nsec-websocket-protocol: legacy\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo\r\nCookie: id=42\r\n\r\n";

#[test]
fn server_endpoint_reads_the_request_at_the_decision_point_rfc6455_4_2_1() {
    for chunk in [usize::MAX, 1, 7] {
        let mut server = ServerEndpoint::new(Config::default());
        let mut wire = Vec::new();
        let mut seen = None;
        for piece in ROUTED.chunks(chunk) {
            wire.extend_from_slice(piece);
            let input = server.handle_data(&mut wire);
            let Some(ServerEvent::Request(req)) = input.event else {
                assert_eq!(input.consumed, 0);
                continue;
            };
            assert_eq!(input.consumed, ROUTED.len());
            assert!(req.is_upgrade());
            assert_eq!((req.method(), req.target()), ("GET", "/rooms/7?user=ann&x=1"));
            assert_eq!((req.path(), req.query()), ("/rooms/7", Some("user=ann&x=1")));
            assert_eq!(req.host(), Some(&b"chat.example:8080"[..]));
            assert_eq!(req.origin(), Some(&b"http://localhost:5173"[..]));
            assert_eq!(req.header("COOKIE"), Some(&b"id=42"[..]));
            assert_eq!(req.header("x-missing"), None);
            assert_eq!(req.protocols().collect::<Vec<_>>(), ["v2.chat", "v1.chat", "legacy"]);
            assert_eq!(req.choose_protocol(&["legacy", "v1.chat"]), Some("legacy"));
            assert_eq!(req.extensions().map(|e| e.name).collect::<Vec<_>>(), ["permessage-deflate", "x-foo"]);
            assert_eq!(req.list("connection").collect::<Vec<_>>(), [&b"keep-alive"[..], b"Upgrade"]);
            let names: Vec<_> = req.headers().map(|h| h.name).collect();
            assert_eq!(names.len(), 10);
            assert_eq!((names[0], names[7]), ("Host", "sec-websocket-protocol"));
            assert_eq!(req.check_origin(&OriginPolicy::allow(&["http://localhost:*"])), Ok(()));
            assert!(format!("{req:?}").contains("/rooms/7"));
            // What the getters return borrows the input, not the endpoint: it outlives the decision.
            let path = req.path();
            let protocol = req.protocols().nth(1);
            let mut tx = [0u8; 512];
            let n = req.accept(&Accept { protocol, ..Accept::default() }, &mut tx).unwrap();
            assert!(tx[..n].ends_with(b"Sec-WebSocket-Protocol: v1.chat\r\n\r\n"));
            seen = Some(path.to_string());
            break;
        }
        assert_eq!(seen.as_deref(), Some("/rooms/7"), "chunk {chunk}");
        assert!(server.connection().is_some());
    }
}

#[test]
fn server_endpoint_hands_over_a_request_that_is_not_an_upgrade_rfc6455_4_2_1() {
    // A browser asking for the page, then (on another connection) a POST with a body.
    let page = b"GET /?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\n\r\n";
    for chunk in [usize::MAX, 1] {
        let mut server = ServerEndpoint::new(Config::default());
        let mut wire = Vec::new();
        let mut tx = [0u8; 256];
        let mut answered = 0;
        for piece in page.chunks(chunk) {
            wire.extend_from_slice(piece);
            let input = server.handle_data(&mut wire);
            let Some(ServerEvent::NotUpgrade(req)) = input.event else {
                assert!(input.event.is_none());
                continue;
            };
            assert_eq!(input.consumed, page.len());
            assert!(!req.is_upgrade());
            assert_eq!((req.method(), req.path(), req.host()), ("GET", "/", Some(&b"example.com"[..])));
            assert_eq!(req.header("accept"), Some(&b"text/html"[..]));
            answered = req.respond(200, &[Header::new("Content-Type", b"text/html")], b"<p>hi</p>", &mut tx).unwrap();
        }
        assert_eq!(
            &tx[..answered],
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9\r\nConnection: close\r\n\r\n<p>hi</p>"
        );
        assert!(server.transport_should_close() && server.connection().is_none());
        assert_eq!(server.poll_transmit(&mut tx), Ok(None));
    }

    let mut wire = b"POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let mut server = ServerEndpoint::new(Config::default());
    let input = server.handle_data(&mut wire);
    assert_eq!(input.consumed, wire_len_without_body());
    let Some(ServerEvent::NotUpgrade(req)) = input.event else { panic!("not an upgrade") };
    // It cannot be accepted; the refusal leaves it waiting.
    let mut tx = [0u8; 256];
    assert_eq!(req.accept(&Accept::default(), &mut tx), Err(DecisionError::NotUpgrade));
    assert!(server.is_deciding());
    let n = server.respond(405, &[], b"", &mut tx).unwrap();
    assert!(tx[..n].starts_with(b"HTTP/1.1 405 Method Not Allowed\r\n"));

    fn wire_len_without_body() -> usize {
        b"POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n".len()
    }
}

#[test]
fn server_endpoint_accept_refuses_an_unoffered_choice_rfc6455_4_2_2() {
    let mut wire = REQUEST.to_vec(); // offers `chat`, no extensions
    let mut server = ServerEndpoint::new(Config::default());
    let Some(ServerEvent::Request(req)) = server.handle_data(&mut wire).event else { panic!("a request") };
    let mut out = [0u8; 256];
    let mqtt = Accept { protocol: Some("mqtt"), ..Accept::default() };
    assert_eq!(req.accept(&mqtt, &mut out), Err(DecisionError::ProtocolNotOffered));
    assert!(out == [0; 256] && server.is_deciding(), "nothing written, still deciding");

    let mut server = ServerEndpoint::new(Config::default());
    let Some(ServerEvent::Request(req)) = server.handle_data(&mut wire).event else { panic!("a request") };
    let deflate = Accept { extensions: Some("permessage-deflate"), ..Accept::default() };
    assert_eq!(req.accept(&deflate, &mut out), Err(DecisionError::ExtensionNotOffered));
    assert!(out == [0; 256] && server.is_deciding());
    // The request still waits: it can be answered otherwise.
    let n = server.refuse(HandshakeError::ExtensionNotOffered, &mut out).unwrap();
    assert!(out[..n].starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
}

#[test]
fn server_endpoint_caps_head_limits_to_what_it_keeps_rfc6455_4_2_1() {
    use wsmachine::handshake::Limits;
    let mut server =
        ServerEndpoint::with_limits(Config::default(), Limits { max_head_len: 1 << 20, max_headers: 1000 });
    let mut wire = [&REQUEST[..REQUEST.len() - 2], "X-Pad: a\r\n".repeat(60).as_bytes(), b"\r\n"].concat();
    assert!(matches!(
        server.handle_data(&mut wire).event,
        Some(ServerEvent::HandshakeFailed(HandshakeError::TooManyHeaders))
    ));
    let mut tx = [0u8; 256];
    let n = server.poll_transmit(&mut tx).unwrap().unwrap();
    assert!(tx[..n].starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    let mut server =
        ServerEndpoint::with_limits(Config::default(), Limits { max_head_len: 1 << 20, max_headers: 1000 });
    let mut big = vec![b'a'; 70_000];
    assert!(matches!(
        server.handle_data(&mut big).event,
        Some(ServerEvent::HandshakeFailed(HandshakeError::HeadTooLarge))
    ));
}

#[test]
fn client_endpoint_reads_a_rejection_with_its_body_rfc6455_4_1() {
    // The body is waited for when Content-Length says it ends within the head limit.
    let wire = b"HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 11\r\n\r\ngo to login\x81\x00";
    let head_len = wire.len() - 13;
    for chunk in [usize::MAX, 1, 3] {
        let mut c = Client::new();
        let mut rx = Vec::new();
        let mut seen = false;
        for piece in wire.chunks(chunk) {
            rx.extend_from_slice(piece);
            let input = c.ep.handle_data(&mut rx);
            if let Some(ClientEvent::Rejected(view)) = input.event {
                assert_eq!(input.consumed, head_len + 11);
                assert_eq!(
                    (view.status(), view.reason(), view.header("location")),
                    (302, &b"Found"[..], Some(&b"/login"[..]))
                );
                assert_eq!((view.body(), view.content_length()), (&b"go to login"[..], Some(11)));
                assert_eq!(view.head().len(), head_len);
                assert_eq!(view.headers().count(), 2);
                assert_eq!(view.protocol(), None);
                seen = true;
                break;
            }
            assert_eq!((input.consumed, input.event.is_none()), (0, true));
        }
        assert!(seen, "chunk {chunk}");
        assert!(c.ep.transport_should_close());
    }
    // A body longer than the head limit: what arrived with the head, reported at once.
    use wsmachine::handshake::Limits;
    let request = ClientRequest {
        limits: Limits { max_head_len: 128, ..Limits::default() },
        ..ClientRequest::new("example.com", "/chat", NONCE)
    };
    let mut c = Client::with_request(request);
    let mut rx = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000\r\n\r\npartial".to_vec();
    let input = c.ep.handle_data(&mut rx);
    let Some(ClientEvent::Rejected(view)) = input.event else { panic!("rejected at once") };
    assert_eq!((view.status(), view.body(), view.content_length()), (500, &b"partial"[..], Some(1000)));
    // No Content-Length: what arrived with the head.
    let mut c = Client::new();
    let mut rx = b"HTTP/1.1 403 Forbidden\r\n\r\nno".to_vec();
    let input = c.ep.handle_data(&mut rx);
    let Some(ClientEvent::Rejected(view)) = input.event else { panic!("rejected") };
    assert_eq!((view.status(), view.body(), view.reason()), (403, &b"no"[..], &b"Forbidden"[..]));
    assert_eq!(input.consumed, rx.len());
}

#[test]
fn client_endpoint_refuses_a_response_head_over_the_limit_rfc6455_4_1() {
    use wsmachine::handshake::Limits;
    let request = ClientRequest {
        limits: Limits { max_head_len: 200, ..Limits::default() },
        ..ClientRequest::new("example.com", "/chat", NONCE)
    };
    let wire = format!("HTTP/1.1 101 Switching Protocols\r\nX-Pad: {}\r\n\r\n", "p".repeat(300));
    let mut c = Client::with_request(request);
    c.feed(wire.as_bytes(), 1);
    assert_eq!(c.got, [Got::HandshakeFailed(HandshakeError::HeadTooLarge)]);
    assert!(c.ep.transport_should_close() && c.ep.connection().is_none());
}

#[test]
fn client_endpoint_refuses_an_agreed_extension_it_cannot_run_rfc6455_9_1() {
    // Offered and agreed, but this connection has no code for it: the
    // handshake fails rather than running frames it cannot read.
    let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: x-test; a=1\r\n\r\n";
    let request = ClientRequest { extensions: Some("x-test"), ..ClientRequest::new("example.com", "/", NONCE) };
    let mut client = ClientEndpoint::new(request, Config::default(), Counter(3));
    let mut rx = response.to_vec();
    let input = client.handle_data(&mut rx);
    assert!(matches!(input.event, Some(ClientEvent::HandshakeFailed(HandshakeError::UnsupportedExtension))));
    assert!(client.connection().is_none());
}

#[test]
fn server_endpoint_times_out_a_trickling_head_with_408_rfc6455_4_2_1() {
    use std::time::Duration;
    let mut server = ServerEndpoint::new(Config::default());
    assert_eq!(server.poll_timeout(), Some(Duration::ZERO), "not anchored yet: wake now");
    assert!(server.handle_timeout(Duration::from_secs(1)).is_none());
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(11)));
    let mut part = REQUEST[..20].to_vec();
    let _ = server.handle_data(&mut part);
    assert!(server.handle_timeout(Duration::from_secs(10)).is_none());
    let ev = server.handle_timeout(Duration::from_secs(11));
    assert!(matches!(ev, Some(ServerEvent::HandshakeFailed(HandshakeError::TimedOut))), "reported by the timeout call");
    let mut tx = [0u8; 512];
    let n = server.poll_transmit(&mut tx).unwrap().unwrap();
    assert!(tx[..n].starts_with(b"HTTP/1.1 408 "));
    assert!(server.transport_should_close());
    assert_eq!(server.poll_timeout(), None);
}

#[test]
fn client_endpoint_times_out_a_missing_101_rfc6455_4_1() {
    use std::time::Duration;
    let request = ClientRequest::new("example.com", "/", NONCE);
    let config = Config { handshake_timeout: Duration::from_secs(3), ..Config::default() };
    let mut client = ClientEndpoint::new(request, config, Counter(1));
    assert!(client.handle_timeout(Duration::from_secs(100)).is_none());
    assert_eq!(client.poll_timeout(), Some(Duration::from_secs(103)));
    let ev = client.handle_timeout(Duration::from_secs(103));
    assert!(matches!(ev, Some(ClientEvent::HandshakeFailed(HandshakeError::TimedOut))));
    assert!(client.transport_should_close());
}

#[test]
fn endpoints_hand_time_to_the_open_connection_rfc6455_7_1_1() {
    use std::time::Duration;
    let mut server =
        ServerEndpoint::new(Config { keepalive_interval: Some(Duration::from_secs(5)), ..Config::default() });
    let mut rx = REQUEST.to_vec();
    let handled = server.handle_data(&mut rx);
    let Some(ServerEvent::Request(req)) = handled.event else { panic!("a request") };
    let mut tx = [0u8; 256];
    req.accept(&Accept::default(), &mut tx).unwrap();
    assert!(server.handle_timeout(Duration::ZERO).is_none());
    assert_eq!(server.poll_timeout(), Some(Duration::from_secs(5)), "the connection's keep-alive now");
    assert!(server.handle_timeout(Duration::from_secs(5)).is_none());
    let mut out = [0u8; 16];
    assert_eq!(server.poll_transmit(&mut out), Ok(Some(2)), "a keep-alive Ping");
    assert_eq!(&out[..2], [0x89, 0x00]);
}
