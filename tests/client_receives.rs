//! A client receiving server frames: checklist §3-§5 (RFC 6455 §5.1-§5.6, §8.1).
//! A client's replies are masked with the keys of [`TestMask`], which the
//! expected bytes are built from by hand.
mod common;
use common::*;
use wsmachine::{Config, Connection, MessageKind, ProtocolError};

use MessageKind::{Binary, Text};

fn client() -> Connection<TestMask> {
    Connection::client(Config::default(), TestMask::new())
}

/// The client's first frame is masked with key 0.
fn first_close(code: u16) -> Vec<u8> {
    client_close(code, TestMask::key(0))
}

fn assert_fails(wire: &[u8], error: ProtocolError, code: u16) {
    for chunk in [wire.len(), 1] {
        let fed = feed(&mut client(), wire, chunk);
        assert_failed(&fed, error, &first_close(code));
        assert_eq!(fed.consumed, wire.len());
    }
}

#[test]
fn client_receives_rfc_example_unmasked_hello_rfc6455_5_7() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    for chunk in 1..=wire.len() {
        let fed = feed(&mut client(), &wire, chunk);
        assert_eq!(fed.merged(), [data(Text, b"Hello", true, true)]);
        assert!(fed.replies.is_empty());
    }
    // RFC 6455 §5.7: a fragmented unmasked text message.
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let fed = feed_all(&mut client(), &wire);
    assert_eq!(fed.events, [data(Text, b"Hel", true, false), data(Text, b"lo", true, true)]);
}

#[test]
fn client_receives_rfc_example_256_and_64k_binary_rfc6455_5_7() {
    let mut wire = vec![0x82, 0x7e, 0x01, 0x00];
    wire.extend((0..256).map(|i| i as u8));
    let fed = feed(&mut client(), &wire, 100);
    assert_eq!(fed.merged(), [data(Binary, &wire[4..], true, true)]);
    let mut wire = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
    wire.extend((0..65536).map(|i| (i % 251) as u8));
    let fed = feed(&mut client(), &wire, 4096);
    assert_eq!(fed.merged(), [data(Binary, &wire[10..], true, true)]);
}

#[test]
fn client_receives_masked_frame_fails_1002_rfc6455_5_1() {
    assert_fails(&cframe(FIN | TEXT, b"hi"), ProtocolError::MaskedFrame, 1002);
    assert_fails(&cframe(FIN | PING, b""), ProtocolError::MaskedFrame, 1002);
    assert_fails(&cframe(FIN | CLOSE, &[3, 0xe8]), ProtocolError::MaskedFrame, 1002);
    // Before the payload arrives.
    let fed = feed_all(&mut client(), &header(FIN | BINARY, 1000, Some(KEY)));
    assert_failed(&fed, ProtocolError::MaskedFrame, &first_close(1002));
}

#[test]
fn client_receives_close_after_failure_is_masked_with_the_sources_key_rfc6455_5_3() {
    let fed = feed_all(&mut client(), &cframe(FIN | TEXT, b"x"));
    let k = TestMask::key(0);
    assert_eq!(fed.replies, [0x88, 0x82, k[0], k[1], k[2], k[3], 0x03 ^ k[0], 0xea ^ k[1]]);
}

#[test]
fn client_receives_rsv_bits_without_extension_fails_1002_rfc6455_5_2() {
    for rsv in [RSV1, RSV2, RSV3] {
        for op in [TEXT, BINARY, PING, CLOSE] {
            assert_fails(&sframe(FIN | rsv | op, b"ab"), ProtocolError::ReservedBits, 1002);
        }
    }
}

#[test]
fn client_receives_reserved_opcode_fails_1002_rfc6455_5_2() {
    for op in (3..=7).chain(11..=15) {
        assert_fails(&sframe(FIN | op, b""), ProtocolError::ReservedOpcode(op), 1002);
    }
}

#[test]
fn client_receives_64_bit_length_with_top_bit_fails_1002_rfc6455_5_2() {
    let wire = [FIN | BINARY, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1];
    assert_fails(&wire, ProtocolError::LengthOutOfRange, 1002);
}

#[test]
fn client_receives_control_frame_too_long_or_fragmented_fails_1002_rfc6455_5_5() {
    for op in [PING, PONG, CLOSE] {
        assert_fails(&sframe(FIN | op, &[0x03; 126]), ProtocolError::ControlFrameTooLong, 1002);
        assert_fails(&sframe(op, b""), ProtocolError::FragmentedControlFrame, 1002);
    }
}

#[test]
fn client_receives_frame_and_message_limits_fail_1009_before_payload_rfc6455_10_4() {
    let config = Config { max_frame_payload: 10, max_message_size: 15, ..Config::default() };
    let mut conn = Connection::client(config, TestMask::new());
    let fed = feed_all(&mut conn, &header(FIN | TEXT, 11, None));
    assert_failed(&fed, ProtocolError::FrameTooLarge, &first_close(1009));

    let mut conn = Connection::client(config, TestMask::new());
    let fed = feed_all(&mut conn, &cat(&[sframe(BINARY, &[1; 10]), header(FIN | CONT, 6, None)]));
    assert_eq!(fed.events[0], data(Binary, &[1; 10], true, false));
    assert_failed(&fed, ProtocolError::MessageTooLarge, &first_close(1009));
}

#[test]
fn client_receives_ping_answers_masked_pong_with_same_payload_rfc6455_5_5_2() {
    let fed = feed_all(&mut client(), &sframe(FIN | PING, b"Hello"));
    assert_eq!(fed.events, [Ev::Ping(b"Hello".to_vec())]);
    let k = TestMask::key(0);
    let mut want = vec![0x8a, 0x85, k[0], k[1], k[2], k[3]];
    want.extend(b"Hello".iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
    assert_eq!(fed.replies, want);
}

#[test]
fn client_receives_several_pings_answers_only_latest_rfc6455_5_5_3() {
    let mut conn = client();
    let mut wire = cat(&[sframe(FIN | PING, b"a"), sframe(FIN | PING, b"bb")]);
    let mut off = 0;
    let mut n = 0;
    while let Some(e) = {
        let input = conn.handle_data(&mut wire[off..]);
        off += input.consumed;
        input.event.as_ref().map(own)
    } {
        assert!(matches!(e, Ev::Ping(_)));
        n += 1;
    }
    assert_eq!(n, 2);
    assert_eq!(drain_transmit(&mut conn), frame(FIN | PONG, b"bb", Some(TestMask::key(0))));
}

#[test]
fn client_receives_ping_with_auto_pong_off_rfc6455_5_5_2() {
    let mut conn = Connection::client(Config { auto_pong: false, ..Config::default() }, TestMask::new());
    let fed = feed_all(&mut conn, &sframe(FIN | PING, b"x"));
    assert_eq!(fed.events, [Ev::Ping(b"x".to_vec())]);
    assert!(fed.replies.is_empty());
}

#[test]
fn client_receives_unsolicited_pong_rfc6455_5_5_3() {
    let mut conn = client();
    let fed = feed_all(&mut conn, &sframe(FIN | PONG, b""));
    assert_eq!(fed.events, [Ev::Pong(vec![])]);
    assert!(fed.replies.is_empty());
    assert_eq!(conn.state(), wsmachine::State::Open);
}

#[test]
fn client_receives_control_frames_interleaved_in_fragmented_binary_rfc6455_5_4() {
    let wire = cat(&[
        sframe(BINARY, &[1, 2]),
        sframe(FIN | PING, b"x"),
        sframe(CONT, &[]),
        sframe(FIN | PONG, b"y"),
        sframe(FIN | CONT, &[3]),
    ]);
    for chunk in [1, 4, wire.len()] {
        let fed = feed(&mut client(), &wire, chunk);
        assert_eq!(
            fed.merged(),
            [Ev::Ping(b"x".to_vec()), Ev::Pong(b"y".to_vec()), data(Binary, &[1, 2, 3], true, true)]
        );
        assert_eq!(fed.replies, frame(FIN | PONG, b"x", Some(TestMask::key(0))));
    }
}

#[test]
fn client_receives_continuation_or_new_message_errors_fail_1002_rfc6455_5_4() {
    assert_fails(&sframe(FIN | CONT, b"x"), ProtocolError::UnexpectedContinuation, 1002);
    let wire = cat(&[sframe(TEXT, b"a"), sframe(FIN | BINARY, b"b")]);
    let fed = feed_all(&mut client(), &wire);
    assert_failed(&fed, ProtocolError::ExpectedContinuation, &first_close(1002));
}

#[test]
fn client_receives_zero_length_fragments_rfc6455_5_4() {
    let wire = cat(&[sframe(BINARY, b""), sframe(FIN | CONT, b"")]);
    let fed = feed_all(&mut client(), &wire);
    assert_eq!(fed.events, [data(Binary, b"", true, false), data(Binary, b"", true, true)]);
}

#[test]
fn client_receives_invalid_utf8_fails_1007_rfc6455_8_1() {
    // Fail fast: the header announces 100 bytes, the bad byte is the first.
    let mut wire = header(FIN | TEXT, 100, None);
    wire.push(0xff);
    let fed = feed_all(&mut client(), &wire);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &first_close(1007));
    // Across fragments.
    let wire = cat(&[sframe(TEXT, b"\xf0\x9f"), sframe(FIN | CONT, b"\x41")]);
    let fed = feed_all(&mut client(), &wire);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &first_close(1007));
    // Split but valid.
    let wire = cat(&[sframe(TEXT, b"\xf0\x9f"), sframe(FIN | CONT, b"\x98\x80")]);
    let fed = feed(&mut client(), &wire, 1);
    assert_eq!(fed.merged(), [data(Text, "😀".as_bytes(), true, true)]);
    // Incomplete at the end.
    assert_fails(&sframe(FIN | TEXT, b"\xf0\x9f\x98"), ProtocolError::InvalidUtf8, 1007);
}

#[test]
fn client_receives_input_after_failure_ignored_rfc6455_7_1_7() {
    let mut conn = client();
    let wire = cat(&[sframe(FIN | 0xB, b""), sframe(FIN | TEXT, b"late")]);
    let fed = feed_all(&mut conn, &wire);
    assert_eq!(fed.events, [failed(ProtocolError::ReservedOpcode(0xB))]);
    assert_eq!(fed.consumed, wire.len());
    assert!(feed_all(&mut conn, &sframe(FIN | TEXT, b"more")).events.is_empty());
}
