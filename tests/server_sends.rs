//! What a server writes: checklist §3-§6 (RFC 6455 §5.1-§5.7). Server
//! frames are unmasked, so every expected frame is written out literally.
mod common;
use common::*;
use std::time::Duration;
use wsmachine::{BufferTooSmall, CloseCode, Config, Connection, MessageKind, UsageError};

use MessageKind::{Binary, Text};

fn server() -> Connection {
    Connection::server(Config::default())
}

fn sent(f: impl FnOnce(&mut Connection, &mut [u8]) -> Result<usize, UsageError>) -> Vec<u8> {
    let mut conn = server();
    let mut out = vec![0u8; 1 << 17];
    let n = f(&mut conn, &mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn server_sends_unmasked_hello_rfc6455_5_7() {
    assert_eq!(sent(|c, o| c.send_text("Hello", o)), [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert_eq!(sent(|c, o| c.send_binary(b"", o)), [0x82, 0x00]);
    assert_eq!(sent(|c, o| c.send_text("", o)), [0x81, 0x00]);
}

#[test]
fn server_sends_minimal_length_encoding_rfc6455_5_2() {
    let cases: [(usize, &[u8]); 6] = [
        (125, &[0x82, 0x7d]),
        (126, &[0x82, 0x7e, 0x00, 0x7e]),
        (256, &[0x82, 0x7e, 0x01, 0x00]),
        (65535, &[0x82, 0x7e, 0xff, 0xff]),
        (65536, &[0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]),
        (70000, &[0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70]),
    ];
    for (len, head) in cases {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let out = sent(|c, o| c.send_binary(&payload, o));
        assert_eq!(&out[..head.len()], head, "len {len}");
        assert_eq!(&out[head.len()..], &payload[..], "len {len}");
        assert_eq!(server().frame_len(len), out.len());
    }
}

#[test]
fn server_sends_fragmented_at_max_outgoing_frame_rfc6455_5_4() {
    let mut conn = Connection::server(Config { max_outgoing_frame: 2, ..Config::default() });
    let mut out = [0u8; 64];
    let n = conn.send_text("Hello", &mut out).unwrap();
    assert_eq!(&out[..n], [0x01, 0x02, b'H', b'e', 0x00, 0x02, b'l', b'l', 0x80, 0x01, b'o']);
    assert_eq!(conn.data_len(5), n);
    // An exact multiple leaves no empty tail frame.
    let n = conn.send_binary(&[9, 8, 7, 6], &mut out).unwrap();
    assert_eq!(&out[..n], [0x02, 0x02, 9, 8, 0x80, 0x02, 7, 6]);
    // A message that fits is one frame.
    let n = conn.send_binary(&[1], &mut out).unwrap();
    assert_eq!(&out[..n], [0x82, 0x01, 1]);
}

#[test]
fn server_sends_fragments_with_send_fragment_rfc6455_5_4() {
    let mut conn = server();
    let mut out = [0u8; 64];
    let n = conn.send_fragment(Text, b"\xe2\x82", false, &mut out).unwrap();
    assert_eq!(&out[..n], [0x01, 0x02, 0xe2, 0x82]);
    // Control frames may go between the fragments.
    let n = conn.send_ping(b"p", &mut out).unwrap();
    assert_eq!(&out[..n], [0x89, 0x01, b'p']);
    // A different kind, or a whole message, is refused while one is in progress.
    assert_eq!(conn.send_fragment(Binary, b"x", true, &mut out), Err(UsageError::MessageInProgress));
    assert_eq!(conn.send_text("x", &mut out), Err(UsageError::MessageInProgress));
    let mut payload = *b"x";
    let mut head = [0u8; 14];
    assert_eq!(conn.encode_data_header(Binary, &mut payload, true, &mut head), Err(UsageError::MessageInProgress));
    let n = conn.send_fragment(Text, b"", false, &mut out).unwrap();
    assert_eq!(&out[..n], [0x00, 0x00], "an empty continuation");
    let n = conn.send_fragment(Text, b"\xac", true, &mut out).unwrap();
    assert_eq!(&out[..n], [0x80, 0x01, 0xac]);
    // The message is over: a new one may start.
    let n = conn.send_binary(b"z", &mut out).unwrap();
    assert_eq!(&out[..n], [0x82, 0x01, b'z']);
}

#[test]
fn server_sends_ping_and_pong_rfc6455_5_5_2() {
    assert_eq!(sent(|c, o| c.send_ping(b"hi", o)), [0x89, 0x02, b'h', b'i']);
    assert_eq!(sent(|c, o| c.send_pong(b"", o)), [0x8a, 0x00]);
    let p125 = [b'z'; 125];
    let out = sent(|c, o| c.send_ping(&p125, o));
    assert_eq!(out[..2], [0x89, 0x7d]);
    assert_eq!(out[2..], p125);
    let mut out = [0u8; 256];
    assert_eq!(server().send_ping(&[0; 126], &mut out), Err(UsageError::ControlPayloadTooLong));
    assert_eq!(server().send_pong(&[0; 126], &mut out), Err(UsageError::ControlPayloadTooLong));
}

#[test]
fn server_sends_keepalive_ping_through_poll_transmit_rfc6455_5_5_2() {
    let config = Config { keepalive_interval: Some(Duration::from_secs(30)), ..Config::DEFAULT };
    let mut conn = Connection::server(config);
    assert_eq!(conn.handle_timeout(Duration::ZERO), None);
    assert_eq!(conn.poll_timeout(), Some(Duration::from_secs(30)));
    assert!(drain_transmit(&mut conn).is_empty(), "no Ping before the interval");
    assert_eq!(conn.handle_timeout(Duration::from_secs(30)), None);
    assert_eq!(drain_transmit(&mut conn), [0x89, 0x00]);
}

#[test]
fn server_sends_close_frames_rfc6455_5_5_1() {
    assert_eq!(sent(|c, o| c.close(CloseCode::NORMAL, "", o)), [0x88, 0x02, 0x03, 0xe8]);
    assert_eq!(sent(|c, o| c.close(CloseCode::NO_STATUS, "", o)), [0x88, 0x00], "an empty Close");
    assert_eq!(sent(|c, o| c.close(CloseCode(4999), "é", o)), [0x88, 0x04, 0x13, 0x87, 0xc3, 0xa9]);
    let reason = "r".repeat(123);
    let out = sent(|c, o| c.close(CloseCode::GOING_AWAY, &reason, o));
    assert_eq!(out[..4], [0x88, 0x7d, 0x03, 0xe9]);
    assert_eq!(&out[4..], reason.as_bytes());
}

#[test]
fn server_sends_close_with_bad_code_or_reason_is_usage_error_rfc6455_7_4() {
    let mut out = [0u8; 256];
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        let reason = if code == 1005 { "x" } else { "" };
        assert_eq!(server().close(CloseCode(code), reason, &mut out), Err(UsageError::InvalidCloseCode(code)));
    }
    assert_eq!(server().close(CloseCode::NORMAL, &"r".repeat(124), &mut out), Err(UsageError::ControlPayloadTooLong));
    // A refused close leaves the connection open.
    let mut conn = server();
    assert!(conn.close(CloseCode(1006), "", &mut out).is_err());
    assert!(conn.state() == wsmachine::State::Open);
    assert!(conn.send_text("still open", &mut out).is_ok());
}

#[test]
fn server_sends_into_too_small_buffer_is_buffer_too_small_rfc6455_5_2() {
    let mut conn = server();
    let mut out = [0u8; 6];
    assert_eq!(conn.send_text("Hello", &mut out), Err(UsageError::BufferTooSmall(BufferTooSmall { needed: 7 })));
    assert_eq!(conn.send_ping(b"Hello", &mut out), Err(UsageError::BufferTooSmall(BufferTooSmall { needed: 7 })));
    assert_eq!(
        conn.close(CloseCode::NORMAL, "bye", &mut out),
        Err(UsageError::BufferTooSmall(BufferTooSmall { needed: 7 }))
    );
    assert!(conn.state() == wsmachine::State::Open, "a failed close changes nothing");
    // Fragment state is unchanged by a refused fragment.
    assert_eq!(conn.send_fragment(Text, b"toolong", false, &mut out), Err(BufferTooSmall { needed: 9 }.into()));
    let mut big = [0u8; 16];
    let n = conn.send_text("Hello", &mut big).unwrap();
    assert_eq!(&big[..n], [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
}

#[test]
fn server_poll_transmit_with_too_small_buffer_is_buffer_too_small_rfc6455_5_5() {
    let mut conn = server();
    let mut small = [0u8; 3];
    // Nothing waiting: any buffer is fine.
    assert_eq!(conn.poll_transmit(&mut small), Ok(None));
    assert_eq!(conn.poll_transmit(&mut []), Ok(None));
    let _ = feed_all(&mut conn, &[]);
    let mut wire = cframe(FIN | PING, b"ab");
    let _ = conn.handle_data(&mut wire);
    // The exact size of the owed frame is asked for, not the largest control frame.
    assert_eq!(conn.poll_transmit(&mut small), Err(BufferTooSmall { needed: 4 }));
    assert_eq!(conn.poll_transmit(&mut []), Err(BufferTooSmall { needed: 4 }));
    // The reply is still there.
    let mut out = [0u8; 4];
    assert_eq!(conn.poll_transmit(&mut out), Ok(Some(4)));
    assert_eq!(out[..4], [0x8a, 0x02, b'a', b'b']);
    assert_eq!(conn.poll_transmit(&mut out), Ok(None));
}

#[test]
fn server_sends_zero_copy_header_leaves_payload_unmasked_rfc6455_5_1() {
    let mut conn = server();
    let mut payload = *b"Hello";
    let mut head = [0u8; 14];
    let n = conn.encode_data_header(Text, &mut payload, true, &mut head).unwrap();
    assert_eq!(&head[..n], [0x81, 0x05]);
    assert_eq!(&payload, b"Hello");
    let mut big = vec![7u8; 300];
    let n = conn.encode_data_header(Binary, &mut big, false, &mut head).unwrap();
    assert_eq!(&head[..n], [0x02, 0x7e, 0x01, 0x2c]);
    let n = conn.encode_data_header(Binary, &mut [], true, &mut head).unwrap();
    assert_eq!(&head[..n], [0x80, 0x00]);
}

#[test]
fn server_sends_frames_a_client_accepts_rfc6455_5_1() {
    // What a server writes passes a client's checks unchanged.
    let mut conn = Connection::server(Config { max_outgoing_frame: 3, ..Config::default() });
    let mut wire = vec![0u8; 256];
    let mut n = conn.send_text("ünïcödé", &mut wire).unwrap();
    n += conn.send_ping(b"k", &mut wire[n..]).unwrap();
    n += conn.close(CloseCode::NORMAL, "done", &mut wire[n..]).unwrap();
    wire.truncate(n);
    let mut client = Connection::client(Config::default(), TestMask::new());
    let fed = feed(&mut client, &wire, 2);
    assert_eq!(
        fed.merged(),
        [
            data(Text, "ünïcödé".as_bytes(), true, true),
            Ev::Ping(b"k".to_vec()),
            Ev::Close(1000, "done".into()),
            Ev::Closed(End::Clean(1000, "done".into()))
        ]
    );
}

#[cfg(feature = "alloc")]
#[test]
fn server_sends_vec_helpers_append_and_leave_the_vec_unchanged_on_error_rfc6455_5_2() {
    let mut conn = Connection::server(Config { max_outgoing_frame: 1, ..Config::default() });
    let mut v = vec![0xAA];
    assert_eq!(conn.send_text_vec("Hi", &mut v), Ok(6));
    assert_eq!(v, [0xAA, 0x01, 0x01, b'H', 0x80, 0x01, b'i']);
    conn.send_binary_vec(&[], &mut v).unwrap();
    assert_eq!(v[7..], [0x82, 0x00]);
    conn.send_fragment_vec(Binary, &[5], false, &mut v).unwrap();
    conn.send_fragment_vec(Binary, &[6], true, &mut v).unwrap();
    assert_eq!(v[9..], [0x02, 0x01, 5, 0x80, 0x01, 6]);
    // Replies the protocol obliges.
    let _ = feed_all(&mut conn, &cframe(FIN | PING, b"z"));
    // (feed_all drained the pong already; queue another one to drain into the Vec.)
    let mut wire = cframe(FIN | PING, b"y");
    let _ = conn.handle_data(&mut wire);
    let before = v.len();
    assert_eq!(conn.poll_transmit_vec(&mut v), 3);
    assert_eq!(v[before..], [0x8a, 0x01, b'y']);
    let before = v.len();
    conn.close_vec(CloseCode::NORMAL, "", &mut v).unwrap();
    assert_eq!(v[before..], [0x88, 0x02, 0x03, 0xe8]);
    let before = v.clone();
    assert_eq!(conn.send_text_vec("late", &mut v), Err(UsageError::Closed));
    assert_eq!(conn.close_vec(CloseCode::NORMAL, "", &mut v), Err(UsageError::Closed));
    assert_eq!(conn.poll_transmit_vec(&mut v), 0);
    assert_eq!(v, before, "a refused call appends nothing");
}
