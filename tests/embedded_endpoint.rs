//! What a firmware author relies on: a receive buffer of fixed size never
//! stalls the opening handshake (the head limit is the buffer), and the
//! endpoints can be built in `static` items (`const fn` constructors).

use std::sync::Mutex;

use wsmachine::endpoint::{ClientEndpoint, ClientEvent, ServerEndpoint, ServerEvent};
use wsmachine::handshake::client::ClientRequest;
use wsmachine::handshake::server::Accept;
use wsmachine::handshake::{HandshakeError, Limits};
use wsmachine::{Config, Event};

/// A request head longer than the firmware's buffer (a long cookie).
fn long_request() -> Vec<u8> {
    let mut head = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: "
        .to_vec();
    head.extend(std::iter::repeat_n(b'c', 300));
    head.extend_from_slice(b"\r\n\r\n");
    head
}

/// Feeds `request` into a fixed `RX`-byte buffer the way a firmware does
/// (read what fits, hand the buffer to the endpoint, keep what it did not
/// consume); returns the handshake failure, or `None` when the buffer is
/// full, nothing is consumed and nothing comes out: a stall.
fn feed_fixed_buffer<const RX: usize>(server: &mut ServerEndpoint, request: &[u8]) -> Option<HandshakeError> {
    let (mut rx, mut len, mut sent) = ([0u8; RX], 0, 0);
    loop {
        let n = (RX - len).min(request.len() - sent).min(37);
        rx[len..len + n].copy_from_slice(&request[sent..sent + n]);
        (len, sent) = (len + n, sent + n);
        let input = server.handle_data(&mut rx[..len]);
        match input.event {
            Some(ServerEvent::HandshakeFailed(e)) => return Some(e),
            Some(_) => panic!("no request fits in {RX} bytes"),
            None if input.consumed == 0 && len == RX => return None,
            None => {}
        }
    }
}

#[test]
fn head_longer_than_the_buffer_is_answered_431_at_once_with_the_buffer_as_limit_rfc6455_4_2_1() {
    const RX: usize = 256;
    let request = long_request();
    assert!(request.len() > RX);
    let mut server = ServerEndpoint::with_limits(Config::DEFAULT, Limits { max_head_len: RX, ..Limits::DEFAULT });
    assert_eq!(feed_fixed_buffer::<RX>(&mut server, &request), Some(HandshakeError::HeadTooLarge));
    let mut tx = [0u8; 256];
    let n = server.poll_transmit(&mut tx).unwrap().unwrap();
    assert!(tx[..n].starts_with(b"HTTP/1.1 431 "), "{:?}", String::from_utf8_lossy(&tx[..n]));
    assert!(server.transport_should_close());
}

/// A `static` server endpoint: `ServerEndpoint::with_limits` and `Limits` are `const`.
static SERVER: Mutex<ServerEndpoint> =
    Mutex::new(ServerEndpoint::with_limits(Config::DEFAULT, Limits { max_head_len: 512, ..Limits::DEFAULT }));

fn mask() -> [u8; 4] {
    [0x37, 0xfa, 0x21, 0x3d]
}

/// A client endpoint with a named mask type, as a `static` needs.
type StaticClient = ClientEndpoint<'static, fn() -> [u8; 4]>;

/// A `static` client endpoint: `ClientEndpoint::new` and `ClientRequest::new` are `const`.
static CLIENT: Mutex<StaticClient> = Mutex::new(ClientEndpoint::new(
    ClientRequest { protocols: &["chat"], ..ClientRequest::new("example.com", "/chat", *b"the sample nonce") },
    Config::DEFAULT,
    mask as fn() -> [u8; 4],
));

#[test]
fn endpoints_in_statics_run_the_handshake_and_a_message_rfc6455_4_1_4_2() {
    let (mut server, mut client) = (SERVER.lock().unwrap(), CLIENT.lock().unwrap());
    let mut tx = [0u8; 512];
    let n = client.poll_transmit(&mut tx).unwrap().unwrap();
    let mut rx = tx;
    let input = server.handle_data(&mut rx[..n]);
    assert_eq!(input.consumed, n);
    let Some(ServerEvent::Request(req)) = input.event else { panic!("a request") };
    let protocol = req.choose_protocol(&["chat"]);
    let n = req.accept(&Accept { protocol, ..Accept::default() }, &mut tx).unwrap();
    let mut rx = tx;
    let Some(ClientEvent::Accepted(view)) = client.handle_data(&mut rx[..n]).event else { panic!("accepted") };
    assert_eq!(view.protocol(), Some("chat"));

    let n = client.connection_mut().unwrap().send_text("hi", &mut tx).unwrap();
    let mut rx = tx;
    let input = server.handle_data(&mut rx[..n]);
    assert!(matches!(input.event, Some(ServerEvent::Connection(Event::Data { payload: b"hi", .. }))));
}
