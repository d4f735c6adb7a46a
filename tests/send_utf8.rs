//! Text is UTF-8 on every send path (RFC 6455 §5.6, §8.1): the crate never
//! writes what its own peer must fail with 1007.
use wsmachine::handshake::Negotiated;
use wsmachine::{Config, Connection, MessageKind, Role, UsageError};

use MessageKind::{Binary, Text};

fn server() -> Connection {
    Connection::server(Config::DEFAULT)
}

#[test]
fn send_message_refuses_invalid_text_rfc6455_5_6() {
    let mut out = [0u8; 64];
    let mut conn = server();
    assert_eq!(conn.send_message(Text, b"ok\xff", &mut out), Err(UsageError::InvalidUtf8));
    assert_eq!(conn.send_message(Text, "é".as_bytes(), &mut out), Ok(4));
    assert_eq!(conn.send_message(Binary, b"\xff", &mut out), Ok(3), "binary is not text");
}

#[test]
fn send_fragment_checks_text_fail_fast_and_at_the_end_rfc6455_8_1() {
    let mut out = [0u8; 64];
    let euro = "€".as_bytes();
    let mut conn = server();
    // A character split across fragments is fine.
    assert_eq!(conn.send_fragment(Text, &euro[..1], false, &mut out), Ok(3));
    assert_eq!(conn.send_fragment(Text, &euro[1..], true, &mut out), Ok(4));
    // A byte that can never continue valid UTF-8 is refused at once, and nothing changes.
    assert_eq!(conn.send_fragment(Text, b"a\xe2", false, &mut out), Ok(4));
    assert_eq!(conn.send_fragment(Text, b"(", false, &mut out), Err(UsageError::InvalidUtf8));
    assert_eq!(conn.sending_message(), Some(Text), "the message is still open");
    // A last piece that ends inside a character is refused.
    assert_eq!(conn.send_fragment(Text, b"\x82", true, &mut out), Err(UsageError::InvalidUtf8));
    assert_eq!(conn.send_fragment(Text, b"\x82\xac", true, &mut out), Ok(4));
    assert_eq!(conn.sending_message(), None);
}

#[test]
fn encode_data_header_checks_text_rfc6455_5_6() {
    let mut head = [0u8; 14];
    let mut conn = server();
    assert_eq!(conn.encode_data_header(Text, &mut b"\xc0\xaf".to_vec(), true, &mut head), Err(UsageError::InvalidUtf8));
    assert_eq!(conn.encode_data_header(Text, &mut b"fine".to_vec(), true, &mut head), Ok(2));
}

#[test]
fn connections_from_the_handshake_take_its_role_and_extensions_rfc6455_9_1() {
    let server_side = Negotiated::new(Role::Server, Some("chat"), None);
    assert!(Connection::accepted(&server_side, Config::DEFAULT).is_ok());
    assert_eq!(
        Connection::connected(&server_side, Config::DEFAULT, || [1, 2, 3, 4]).err(),
        Some(UsageError::WrongRole)
    );
    let client_side = Negotiated::new(Role::Client, None, None);
    assert_eq!(Connection::accepted(&client_side, Config::DEFAULT).err(), Some(UsageError::WrongRole));
    assert!(Connection::connected(&client_side, Config::DEFAULT, || [1, 2, 3, 4]).is_ok());
    // An extension this connection cannot run is refused rather than ignored.
    let unknown = Negotiated::new(Role::Server, None, Some("x-unknown"));
    assert_eq!(Connection::accepted(&unknown, Config::DEFAULT).err(), Some(UsageError::UnsupportedExtension));
}
