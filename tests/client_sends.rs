//! What a client writes: checklist §3-§6 (RFC 6455 §5.1-§5.3, §5.7). Every
//! client frame is masked with a fresh key from the caller's source; the
//! expected bytes are masked here by hand with the keys of [`TestMask`].
mod common;
use common::*;
use wsmachine::{CloseCode, Config, Connection, MaskSource, MessageKind, UsageError};

use MessageKind::{Binary, Text};

fn client() -> Connection<TestMask> {
    Connection::client(Config::default(), TestMask::new())
}

#[test]
fn client_sends_rfc_example_masked_hello_rfc6455_5_7() {
    let mut conn = Connection::client(Config::default(), || [0x37, 0xfa, 0x21, 0x3d]);
    let mut out = [0u8; 32];
    let n = conn.send_text("Hello", &mut out).unwrap();
    assert_eq!(&out[..n], [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    // RFC 6455 §5.7: a masked Ping "Hello" is 89 85 + key + masked payload.
    let n = conn.send_ping(b"Hello", &mut out).unwrap();
    assert_eq!(&out[..n], [0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
}

#[test]
fn client_sends_every_frame_with_a_fresh_key_from_the_source_rfc6455_5_3() {
    // The source hands out TestMask's keys and records each one it gave.
    let produced = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let (record, mut source) = (produced.clone(), TestMask::new());
    let mut conn = Connection::client(Config::default(), move || {
        let key = source.next_mask();
        record.borrow_mut().push(key);
        key
    });
    let mut out = vec![0u8; 1024];
    let mut n = conn.send_text("one", &mut out).unwrap();
    n += conn.send_binary(&[1, 2, 3, 4, 5], &mut out[n..]).unwrap();
    n += conn.send_ping(b"", &mut out[n..]).unwrap();
    n += conn.send_pong(b"pp", &mut out[n..]).unwrap();
    n += conn.close(CloseCode::NORMAL, "x", &mut out[n..]).unwrap();
    let want = cat(&[
        frame(FIN | TEXT, b"one", Some(TestMask::key(0))),
        frame(FIN | BINARY, &[1, 2, 3, 4, 5], Some(TestMask::key(1))),
        frame(FIN | PING, b"", Some(TestMask::key(2))),
        frame(FIN | PONG, b"pp", Some(TestMask::key(3))),
        frame(FIN | CLOSE, b"\x03\xe8x", Some(TestMask::key(4))),
    ]);
    assert_eq!(&out[..n], &want[..]);
    // The key each frame carries on the wire (RFC 6455 §5.2: these short
    // frames have two header bytes, then the 4-byte key, then the payload).
    let mut on_wire = Vec::new();
    let mut rest = &out[..n];
    while !rest.is_empty() {
        assert_eq!(rest[1] & 0x80, 0x80, "every client frame is masked");
        on_wire.push([rest[2], rest[3], rest[4], rest[5]]);
        rest = &rest[6 + usize::from(rest[1] & 0x7f)..];
    }
    assert_eq!(on_wire, *produced.borrow(), "each frame carries the next key the source produced");
    for i in 0..on_wire.len() {
        for j in 0..i {
            assert_ne!(on_wire[i], on_wire[j], "frames {j} and {i} carry the same key on the wire");
        }
    }
}

#[test]
fn client_sends_masked_length_forms_rfc6455_5_2() {
    for len in [0usize, 125, 126, 65535, 65536] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
        let mut conn = client();
        let mut out = vec![0u8; len + 14];
        let n = conn.send_binary(&payload, &mut out).unwrap();
        assert_eq!(&out[..n], &frame(FIN | BINARY, &payload, Some(TestMask::key(0)))[..], "len {len}");
        assert_eq!(conn.frame_len(len), n);
    }
}

#[test]
fn client_sends_fragmented_message_each_frame_masked_rfc6455_5_4() {
    let mut conn = Connection::client(Config { max_outgoing_frame: 4, ..Config::default() }, TestMask::new());
    let mut out = [0u8; 64];
    let n = conn.send_text("€uro!", &mut out).unwrap(); // 7 bytes: 4 + 3
    let bytes = "€uro!".as_bytes();
    let want = cat(&[
        frame(TEXT, &bytes[..4], Some(TestMask::key(0))),
        frame(FIN | CONT, &bytes[4..], Some(TestMask::key(1))),
    ]);
    assert_eq!(&out[..n], &want[..]);

    let mut conn = client();
    let mut n = conn.send_fragment(Binary, b"ab", false, &mut out).unwrap();
    n += conn.send_fragment(Binary, b"", false, &mut out[n..]).unwrap();
    n += conn.send_fragment(Binary, b"c", true, &mut out[n..]).unwrap();
    let want = cat(&[
        frame(BINARY, b"ab", Some(TestMask::key(0))),
        frame(CONT, b"", Some(TestMask::key(1))),
        frame(FIN | CONT, b"c", Some(TestMask::key(2))),
    ]);
    assert_eq!(&out[..n], &want[..]);
}

#[test]
fn client_sends_zero_copy_header_masks_payload_in_place_rfc6455_5_3() {
    let mut conn = client();
    let mut payload = *b"Hello";
    let mut head = [0u8; 14];
    let n = conn.encode_data_header(Text, &mut payload, true, &mut head).unwrap();
    let k = TestMask::key(0);
    assert_eq!(&head[..n], [0x81, 0x85, k[0], k[1], k[2], k[3]]);
    assert_eq!(payload.to_vec(), xor(b"Hello", k));
}

#[test]
fn client_sends_close_masked_rfc6455_5_5_1() {
    let mut conn = client();
    let mut out = [0u8; 131];
    let n = conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    let k = TestMask::key(0);
    assert_eq!(&out[..n], [0x88, 0x82, k[0], k[1], k[2], k[3], 0x03 ^ k[0], 0xe8 ^ k[1]]);
    // An empty Close still carries a mask key.
    let mut conn = client();
    let n = conn.close(CloseCode::NO_STATUS, "", &mut out).unwrap();
    assert_eq!(&out[..n], [0x88, 0x80, k[0], k[1], k[2], k[3]]);
}

#[test]
fn client_sends_nothing_after_close_usage_error_rfc6455_5_5_1() {
    let mut conn = client();
    let mut out = [0u8; 256];
    conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(conn.send_text("x", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_binary(b"x", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_fragment(Text, b"x", true, &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_ping(b"", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.close(CloseCode::NORMAL, "", &mut out), Err(UsageError::Closed));
    // A Pong is a control frame: Pings must still be answered after our Close (§5.5.2).
    assert_eq!(conn.send_pong(b"", &mut out), Ok(6));
    // Received data is still delivered until the server's Close.
    let fed = feed_all(&mut conn, &cat(&[sframe(FIN | BINARY, b"late"), sframe(FIN | CLOSE, b"\x03\xe8")]));
    assert_eq!(fed.events, [data(Binary, b"late", true, true), Ev::Closed(End::Clean(1000, String::new()))]);
}

#[test]
fn client_sends_frames_a_server_accepts_rfc6455_5_1() {
    let mut conn = Connection::client(Config { max_outgoing_frame: 5, ..Config::default() }, TestMask::new());
    let mut wire = vec![0u8; 512];
    let mut n = conn.send_text("😀 grüße 中文", &mut wire).unwrap();
    n += conn.send_ping(b"?", &mut wire[n..]).unwrap();
    n += conn.send_binary(&[0xff; 12], &mut wire[n..]).unwrap();
    wire.truncate(n);
    let mut server = Connection::server(Config::default());
    let fed = feed(&mut server, &wire, 3);
    assert_eq!(
        fed.merged(),
        [
            data(Text, "😀 grüße 中文".as_bytes(), true, true),
            Ev::Ping(b"?".to_vec()),
            data(Binary, &[0xff; 12], true, true)
        ]
    );
    assert_eq!(fed.replies, [0x8a, 0x01, b'?']);
}
