//! One role alone against canned peer bytes, fed in small pieces: the
//! images that measure flash per role (and still check the role works).

use wsmachine::{Config, Event};

use crate::io::{check, fail, put};
use crate::pipe::Rx;
use crate::stack::Meter;

const RX: usize = 256;
const TX: usize = 256;
/// Bytes delivered per read, so heads and frames arrive split.
const PIECE: usize = 50;

/// The canned peer: what it sends, and how much of it was delivered.
struct Peer {
    bytes: &'static [u8],
    at: usize,
}

impl Peer {
    /// Moves the next piece into `rx`; false once everything was delivered.
    fn deliver(&mut self, rx: &mut Rx<RX>) -> bool {
        let n = PIECE.min(self.bytes.len() - self.at).min(RX - rx.len);
        rx.buf[rx.len..rx.len + n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        rx.len += n;
        self.at += n;
        n > 0
    }
}

/// Checks that the bytes written so far are exactly `expected`.
struct Sent {
    expected: &'static [u8],
    at: usize,
}

impl Sent {
    /// Checks `bytes` against what comes next (the masked bytes of a
    /// client cannot be predicted: only their count is checked then).
    fn check(&mut self, bytes: &[u8], masked: bool, what: &str) {
        let Some(want) = self.expected.get(self.at..self.at + bytes.len()) else { fail(what) };
        check(masked || want == bytes, what);
        self.at += bytes.len();
    }
}

#[cfg(feature = "server-only")]
pub fn server(mut meter: Meter) -> usize {
    use wsmachine::handshake::Limits;
    use wsmachine::{Accept, ServerEndpoint, ServerEvent};
    let mut peer = Peer {
        bytes: b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\n\
            Sec-WebSocket-Version: 13\r\n\r\n\
            \x81\x82\x37\xfa\x21\x3d\x5f\x93\x89\x80\0\0\0\0\x88\x82\0\0\0\0\x03\xe8",
        at: 0,
    };
    let mut sent = Sent {
        expected: b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\
            \x81\x02hi\x8a\x00\x88\x02\x03\xe8",
        at: 0,
    };
    let (mut rx, mut tx) = (Rx::<RX>::new(), [0u8; TX]);
    let mut ep = ServerEndpoint::with_limits(Config::DEFAULT, Limits { max_head_len: RX, max_headers: 16 });
    let mut closed = false;
    while !closed {
        let more = peer.deliver(&mut rx);
        loop {
            let input = ep.handle_data(&mut rx.buf[..rx.len]);
            let (consumed, some) = (input.consumed, input.event.is_some());
            let mut echo = None;
            match input.event {
                None => {}
                Some(ServerEvent::Request(req)) => {
                    let protocol = req.choose_protocol(&["chat"]);
                    let Ok(n) = req.accept(&Accept { protocol, ..Accept::default() }, &mut tx) else { fail("accept") };
                    sent.check(&tx[..n], false, "server: 101");
                }
                Some(ServerEvent::Connection(Event::Data { kind, payload, message_fin, .. })) => {
                    echo = Some((kind, payload, message_fin));
                }
                Some(ServerEvent::Connection(Event::Ping(_) | Event::CloseReceived(_))) => {}
                Some(ServerEvent::Connection(Event::Closed(t))) => {
                    check(t.is_clean(), "server: clean close");
                    closed = true;
                }
                Some(_) => fail("server: unexpected event"),
            }
            if let Some((kind, payload, fin)) = echo {
                let Some(Ok(n)) = ep.connection_mut().map(|c| c.send_fragment(kind, payload, fin, &mut tx)) else {
                    fail("server: echo")
                };
                sent.check(&tx[..n], false, "server: echo");
            }
            rx.consume(consumed);
            while let Ok(Some(n)) = ep.poll_transmit(&mut tx) {
                sent.check(&tx[..n], false, "server: owed frame");
            }
            if !some && consumed == 0 {
                break;
            }
        }
        check(more || closed, "server: stalled");
    }
    check(sent.at == sent.expected.len(), "server: everything sent");
    put(b"ok server alone: handshake, echo, pong, close\n");
    meter.peak()
}

#[cfg(feature = "client-only")]
pub fn client(mut meter: Meter) -> usize {
    use wsmachine::{ClientEndpoint, ClientEvent, ClientRequest, CloseCode};
    let mut peer = Peer {
        bytes: b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\
            \x81\x02hi\x89\x00\x88\x02\x03\xe8",
        at: 0,
    };
    // The request's exact bytes are checked by the crate's tests; here its
    // length, and the masked frames' lengths: "hi" (8), the Pong (6), the Close (8).
    let mut sent = Sent { expected: &[0; 22], at: 0 };
    let request =
        ClientRequest { protocols: &["chat"], ..ClientRequest::new("example.com", "/chat", *b"the sample nonce") };
    let (mut rx, mut tx) = (Rx::<RX>::new(), [0u8; TX]);
    let mut ep = ClientEndpoint::new(request, Config::DEFAULT, crate::TestMask(7));
    match ep.poll_transmit(&mut tx) {
        Ok(Some(n)) => check(tx[..n].starts_with(b"GET /chat HTTP/1.1\r\n"), "client: request"),
        _ => fail("client: request"),
    }
    let mut closed = false;
    while !closed {
        let more = peer.deliver(&mut rx);
        loop {
            let input = ep.handle_data(&mut rx.buf[..rx.len]);
            let (consumed, some) = (input.consumed, input.event.is_some());
            let mut reply = false;
            match input.event {
                None => {}
                Some(ClientEvent::Accepted(view)) => check(view.protocol() == Some("chat"), "client: chat"),
                Some(ClientEvent::Connection(Event::Data { payload, .. })) => {
                    check(payload == b"hi", "client: data");
                    reply = true;
                }
                Some(ClientEvent::Connection(Event::Ping(_))) => {}
                Some(ClientEvent::Connection(Event::CloseReceived(f))) => {
                    check(f.code == CloseCode::NORMAL, "client: close")
                }
                Some(ClientEvent::Connection(Event::Closed(t))) => {
                    check(t.is_clean(), "client: clean close");
                    closed = true;
                }
                Some(_) => fail("client: unexpected event"),
            }
            if reply {
                let Some(Ok(n)) = ep.connection_mut().map(|c| c.send_text("hi", &mut tx)) else { fail("client: send") };
                sent.check(&tx[..n], true, "client: text");
            }
            rx.consume(consumed);
            while let Ok(Some(n)) = ep.poll_transmit(&mut tx) {
                sent.check(&tx[..n], true, "client: owed frame");
            }
            if !some && consumed == 0 {
                break;
            }
        }
        check(more || closed, "client: stalled");
    }
    check(sent.at == sent.expected.len(), "client: everything sent");
    put(b"ok client alone: handshake, text, pong, close\n");
    meter.peak()
}
