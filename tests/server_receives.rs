//! A server receiving client frames: checklist §3-§5 (RFC 6455 §5.1-§5.6, §8.1).
//! Expected replies are written out byte by byte (a server's frames are unmasked).
mod common;
use common::*;
use wsmachine::{Config, Connection, MessageKind, ProtocolError};

use MessageKind::{Binary, Text};

fn server() -> Connection {
    Connection::server(Config::default())
}

const CLOSE_1002: [u8; 4] = [0x88, 0x02, 0x03, 0xea];
const CLOSE_1007: [u8; 4] = [0x88, 0x02, 0x03, 0xef];
const CLOSE_1009: [u8; 4] = [0x88, 0x02, 0x03, 0xf1];

/// Feeds `wire` whole and one byte at a time; both must fail with `error` and send `close`.
fn assert_fails(wire: &[u8], error: ProtocolError, close: &[u8]) {
    for chunk in [wire.len(), 1] {
        let fed = feed(&mut server(), wire, chunk);
        assert_failed(&fed, error, close);
        assert_eq!(fed.consumed, wire.len(), "input after the failure is consumed");
    }
}

#[test]
fn server_receives_rfc_example_masked_hello_rfc6455_5_7() {
    let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    for chunk in 1..=wire.len() {
        let fed = feed(&mut server(), &wire, chunk);
        assert_eq!(fed.merged(), [data(Text, b"Hello", true, true)], "chunk {chunk}");
        assert!(fed.replies.is_empty());
    }
}

#[test]
fn server_receives_all_three_length_forms_rfc6455_5_2() {
    for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let wire = cframe(FIN | BINARY, &payload);
        let fed = feed(&mut server(), &wire, 1000);
        assert_eq!(fed.merged(), [data(Binary, &payload, true, true)], "len {len}");
    }
}

#[test]
fn server_receives_non_minimal_length_encoding_is_accepted_rfc6455_5_2() {
    // Senders must use the minimal form; receivers are not told to reject others.
    let mut wire = vec![0x82, 0xfe, 0x00, 0x03];
    wire.extend_from_slice(&KEY);
    wire.extend(xor(b"abc", KEY));
    let fed = feed_all(&mut server(), &wire);
    assert_eq!(fed.merged(), [data(Binary, b"abc", true, true)]);
}

#[test]
fn server_receives_unmasked_frame_fails_1002_rfc6455_5_1() {
    assert_fails(&sframe(FIN | TEXT, b"hi"), ProtocolError::UnmaskedFrame, &CLOSE_1002);
    assert_fails(&sframe(FIN | PING, b""), ProtocolError::UnmaskedFrame, &CLOSE_1002);
    assert_fails(&sframe(FIN | CLOSE, &[3, 0xe8]), ProtocolError::UnmaskedFrame, &CLOSE_1002);
}

#[test]
fn server_receives_unmasked_frame_fails_on_header_alone_rfc6455_5_1() {
    let wire = sframe(FIN | BINARY, &[0; 100]);
    let fed = feed_all(&mut server(), &wire[..2]);
    assert_failed(&fed, ProtocolError::UnmaskedFrame, &CLOSE_1002);
}

#[test]
fn server_receives_rsv_bits_without_extension_fails_1002_rfc6455_5_2() {
    for rsv in [RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3] {
        for op in [TEXT, BINARY, CONT, PING, PONG, CLOSE] {
            let wire = cframe(FIN | rsv | op, b"");
            assert_fails(&wire, ProtocolError::ReservedBits, &CLOSE_1002);
        }
    }
}

#[test]
fn server_receives_reserved_opcode_fails_1002_rfc6455_5_2() {
    for op in (3..=7).chain(11..=15) {
        assert_fails(&cframe(FIN | op, b"x"), ProtocolError::ReservedOpcode(op), &CLOSE_1002);
        // Known from the first two bytes alone.
        let fed = feed_all(&mut server(), &[FIN | op, 0x81]);
        assert_failed(&fed, ProtocolError::ReservedOpcode(op), &CLOSE_1002);
        // Also without FIN.
        let fed = feed_all(&mut server(), &[op, 0x80]);
        assert_failed(&fed, ProtocolError::ReservedOpcode(op), &CLOSE_1002);
    }
}

#[test]
fn server_receives_64_bit_length_with_top_bit_fails_1002_rfc6455_5_2() {
    let mut wire = vec![FIN | BINARY, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0];
    wire.extend_from_slice(&KEY);
    assert_fails(&wire, ProtocolError::LengthOutOfRange, &CLOSE_1002);
    // The top bit is the first length byte: failure before the rest of the header.
    let fed = feed_all(&mut server(), &wire[..3]);
    assert_failed(&fed, ProtocolError::LengthOutOfRange, &CLOSE_1002);
    let mut all_ones = vec![FIN | BINARY, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    all_ones.extend_from_slice(&KEY);
    assert_fails(&all_ones, ProtocolError::LengthOutOfRange, &CLOSE_1002);
}

#[test]
fn server_receives_largest_64_bit_length_fails_1009_not_1002_rfc6455_5_2() {
    let mut wire = vec![FIN | BINARY, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    wire.extend_from_slice(&KEY);
    assert_fails(&wire, ProtocolError::FrameTooLarge, &CLOSE_1009);
}

#[test]
fn server_receives_control_frame_over_125_bytes_fails_1002_rfc6455_5_5() {
    for op in [PING, PONG, CLOSE] {
        for len in [126usize, 127, 300, 65536] {
            let mut payload = vec![b'a'; len];
            if op == CLOSE {
                payload[..2].copy_from_slice(&[3, 0xe8]);
            }
            assert_fails(&cframe(FIN | op, &payload), ProtocolError::ControlFrameTooLong, &CLOSE_1002);
        }
        // Known from the first two bytes.
        let fed = feed_all(&mut server(), &[FIN | op, 0xfe]);
        assert_failed(&fed, ProtocolError::ControlFrameTooLong, &CLOSE_1002);
    }
}

#[test]
fn server_receives_control_frame_of_exactly_125_bytes_rfc6455_5_5() {
    let payload: Vec<u8> = (0..125u8).collect();
    let fed = feed(&mut server(), &cframe(FIN | PING, &payload), 7);
    assert_eq!(fed.events, [Ev::Ping(payload.clone())]);
    assert_eq!(fed.replies, sframe(FIN | PONG, &payload), "the pong echoes all 125 bytes");
}

#[test]
fn server_receives_control_frame_without_fin_fails_1002_rfc6455_5_5() {
    for op in [PING, PONG, CLOSE] {
        assert_fails(&cframe(op, b""), ProtocolError::FragmentedControlFrame, &CLOSE_1002);
        assert_fails(&cframe(op, b"ab"), ProtocolError::FragmentedControlFrame, &CLOSE_1002);
    }
}

#[test]
fn server_receives_frame_over_frame_limit_fails_1009_on_header_alone_rfc6455_5_2() {
    let config = Config { max_frame_payload: 100, ..Config::default() };
    // Exactly at the limit is fine.
    let ok = cframe(FIN | BINARY, &[1; 100]);
    assert_eq!(feed_all(&mut Connection::server(config), &ok).merged(), [data(Binary, &[1; 100], true, true)]);
    // One byte over fails as soon as the header is read: the payload is never needed.
    let head = header(FIN | BINARY, 101, Some(KEY));
    let mut conn = Connection::server(config);
    let fed = feed_all(&mut conn, &head);
    assert_failed(&fed, ProtocolError::FrameTooLarge, &CLOSE_1009);
    assert_eq!(fed.events.len(), 1, "no data before the failure");
    // The same for a header that arrives a byte at a time.
    let fed = feed(&mut Connection::server(config), &head, 1);
    assert_failed(&fed, ProtocolError::FrameTooLarge, &CLOSE_1009);
}

#[test]
fn server_receives_message_over_message_limit_fails_1009_at_the_crossing_header_rfc6455_10_4() {
    let config = Config { max_message_size: 100, ..Config::default() };
    let mut conn = Connection::server(config);
    let first = cframe(TEXT, &[b'a'; 60]);
    let fed = feed_all(&mut conn, &first);
    assert_eq!(fed.merged(), [data(Text, &[b'a'; 60], false, false)]);
    // 60 + 40 = 100 is allowed, but 60 + 41 fails before a payload byte arrives.
    let fed = feed_all(&mut conn, &header(CONT, 41, Some(KEY)));
    assert_failed(&fed, ProtocolError::MessageTooLarge, &CLOSE_1009);
    assert_eq!(fed.events.len(), 1);

    let mut conn = Connection::server(config);
    let wire = cat(&[cframe(TEXT, &[b'a'; 60]), cframe(FIN | CONT, &[b'b'; 40])]);
    let fed = feed_all(&mut conn, &wire);
    let mut whole = vec![b'a'; 60];
    whole.extend_from_slice(&[b'b'; 40]);
    assert_eq!(fed.merged(), [data(Text, &whole, true, true)]);
    // The limit is per message: the next one starts again from zero.
    let fed = feed_all(&mut conn, &cframe(FIN | BINARY, &[0; 100]));
    assert_eq!(fed.merged(), [data(Binary, &[0; 100], true, true)]);
}

#[test]
fn server_receives_ping_inside_fragmented_message_without_disturbing_it_rfc6455_5_4() {
    let wire = cat(&[
        cframe(TEXT, b"Hel"),
        cframe(FIN | PING, b"p1"),
        cframe(CONT, b"l"),
        cframe(FIN | PONG, b"u"),
        cframe(FIN | PING, b"p2"),
        cframe(FIN | CONT, b"o"),
    ]);
    for chunk in [wire.len(), 1, 2, 5] {
        let fed = feed(&mut server(), &wire, chunk);
        assert_eq!(
            fed.merged(),
            [
                Ev::Ping(b"p1".to_vec()),
                Ev::Pong(b"u".to_vec()),
                Ev::Ping(b"p2".to_vec()),
                data(Text, b"Hello", true, true)
            ],
            "chunk {chunk}"
        );
        // Each Ping was answered as soon as it was seen (the feeder drains after every call).
        assert_eq!(fed.replies, cat(&[sframe(FIN | PONG, b"p1"), sframe(FIN | PONG, b"p2")]));
    }
    // Event by event: the control events come between the chunks of the message.
    let fed = feed_all(&mut server(), &wire);
    assert_eq!(
        fed.events,
        [
            data(Text, b"Hel", true, false),
            Ev::Ping(b"p1".to_vec()),
            data(Text, b"l", true, false),
            Ev::Pong(b"u".to_vec()),
            Ev::Ping(b"p2".to_vec()),
            data(Text, b"o", true, true),
        ]
    );
}

#[test]
fn server_receives_control_frames_between_utf8_fragments_of_one_character_rfc6455_5_4() {
    // "€" = e2 82 ac, split across three frames with controls in between.
    let wire = cat(&[
        cframe(TEXT, b"\xe2"),
        cframe(FIN | PING, b""),
        cframe(CONT, b"\x82"),
        cframe(FIN | PONG, b"x"),
        cframe(FIN | CONT, b"\xac"),
    ]);
    let fed = feed(&mut server(), &wire, 3);
    assert_eq!(fed.merged(), [Ev::Ping(vec![]), Ev::Pong(b"x".to_vec()), data(Text, "€".as_bytes(), true, true)]);
    assert_eq!(fed.replies, [0x8a, 0x00]);
}

#[test]
fn server_receives_ping_answers_pong_with_same_payload_rfc6455_5_5_2() {
    let fed = feed_all(&mut server(), &cframe(FIN | PING, b"Hello"));
    assert_eq!(fed.events, [Ev::Ping(b"Hello".to_vec())]);
    // RFC 6455 §5.7: "8a 05 48 65 6c 6c 6f".
    assert_eq!(fed.replies, [0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let fed = feed_all(&mut server(), &cframe(FIN | PING, b""));
    assert_eq!(fed.replies, [0x8a, 0x00]);
}

#[test]
fn server_receives_several_pings_answers_only_latest_rfc6455_5_5_3() {
    let mut conn = server();
    let mut wire = cat(&[cframe(FIN | PING, b"one"), cframe(FIN | PING, b"two"), cframe(FIN | PING, b"three")]);
    let mut events = Vec::new();
    let mut off = 0;
    loop {
        let input = conn.handle_data(&mut wire[off..]);
        off += input.consumed;
        match input.event {
            Some(e) => events.push(own(&e)),
            None => break,
        }
    }
    assert_eq!(events, [Ev::Ping(b"one".to_vec()), Ev::Ping(b"two".to_vec()), Ev::Ping(b"three".to_vec())]);
    assert!(conn.wants_transmit());
    assert_eq!(drain_transmit(&mut conn), sframe(FIN | PONG, b"three"));
}

#[test]
fn server_receives_ping_with_auto_pong_off_only_surfaces_it_rfc6455_5_5_2() {
    let mut conn = Connection::server(Config { auto_pong: false, ..Config::default() });
    let fed = feed_all(&mut conn, &cframe(FIN | PING, b"hb"));
    assert_eq!(fed.events, [Ev::Ping(b"hb".to_vec())]);
    assert!(fed.replies.is_empty());
    assert!(!conn.wants_transmit());
    // The caller answers by hand.
    let mut out = [0u8; 16];
    let n = conn.send_pong(b"hb", &mut out).unwrap();
    assert_eq!(&out[..n], [0x8a, 0x02, b'h', b'b']);
}

#[test]
fn server_receives_unsolicited_pong_surfaced_and_ignored_rfc6455_5_5_3() {
    let mut conn = server();
    let fed = feed_all(&mut conn, &cat(&[cframe(FIN | PONG, b"beat"), cframe(FIN | TEXT, b"ok")]));
    assert_eq!(fed.merged(), [Ev::Pong(b"beat".to_vec()), data(Text, b"ok", true, true)]);
    assert!(fed.replies.is_empty(), "a Pong is not answered");
    assert_eq!(conn.state(), wsmachine::State::Open);
}

#[test]
fn server_receives_zero_length_fragments_rfc6455_5_4() {
    let wire =
        cat(&[cframe(TEXT, b""), cframe(CONT, b""), cframe(CONT, b"abc"), cframe(CONT, b""), cframe(FIN | CONT, b"")]);
    let fed = feed(&mut server(), &wire, 1);
    assert_eq!(fed.merged(), [data(Text, b"abc", true, true)]);
    let fed = feed_all(&mut server(), &wire);
    assert_eq!(
        fed.events,
        [
            data(Text, b"", true, false),
            data(Text, b"", true, false),
            data(Text, b"abc", true, false),
            data(Text, b"", true, false),
            data(Text, b"", true, true),
        ]
    );
    let fed = feed_all(&mut server(), &cat(&[cframe(FIN | TEXT, b""), cframe(FIN | BINARY, b"")]));
    assert_eq!(fed.events, [data(Text, b"", true, true), data(Binary, b"", true, true)]);
}

#[test]
fn server_receives_continuation_without_message_fails_1002_rfc6455_5_4() {
    assert_fails(&cframe(FIN | CONT, b"x"), ProtocolError::UnexpectedContinuation, &CLOSE_1002);
    assert_fails(&cframe(CONT, b""), ProtocolError::UnexpectedContinuation, &CLOSE_1002);
    // After a finished message, too.
    let wire = cat(&[cframe(FIN | TEXT, b"done"), cframe(FIN | CONT, b"more")]);
    let fed = feed_all(&mut server(), &wire);
    assert_eq!(fed.events[0], data(Text, b"done", true, true));
    assert_failed(&fed, ProtocolError::UnexpectedContinuation, &CLOSE_1002);
    // Known from the header alone.
    let fed = feed_all(&mut server(), &header(FIN | CONT, 50, Some(KEY)));
    assert_failed(&fed, ProtocolError::UnexpectedContinuation, &CLOSE_1002);
}

#[test]
fn server_receives_new_message_inside_message_fails_1002_rfc6455_5_4() {
    for (first, second) in [(TEXT, TEXT), (TEXT, BINARY), (BINARY, TEXT), (BINARY, BINARY)] {
        for fin in [0, FIN] {
            let wire = cat(&[cframe(first, b"ab"), cframe(fin | second, b"cd")]);
            let fed = feed_all(&mut server(), &wire);
            assert_eq!(fed.events.len(), 2, "{:?}", fed.events);
            assert_failed(&fed, ProtocolError::ExpectedContinuation, &CLOSE_1002);
        }
    }
}

#[test]
fn server_receives_invalid_utf8_fails_fast_inside_a_frame_1007_rfc6455_8_1() {
    // A 10-byte text frame whose third byte can never be UTF-8: only the
    // header and three payload bytes are given, the rest never arrives.
    let wire = cframe(FIN | TEXT, b"ab\xffdefghij");
    let head = header(FIN | TEXT, 10, Some(KEY)).len();
    let fed = feed_all(&mut server(), &wire[..head + 3]);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
    // Byte by byte: the failure comes with the bad byte.
    let mut conn = server();
    let fed = feed(&mut conn, &wire[..head + 2], 1);
    assert_eq!(fed.merged(), [data(Text, b"ab", false, false)]);
    let fed = feed(&mut conn, &wire[head + 2..head + 3], 1);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
    // A surrogate (ed a0 80) fails at its second byte.
    let wire = cframe(FIN | TEXT, b"a\xed\xa0\x80zzzz");
    let fed = feed_all(&mut server(), &wire[..head + 3]);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
    // An overlong form and a code point above U+10FFFF.
    for bad in [&b"\xc0\xaf"[..], b"\xf4\x90\x80\x80", b"\xe0\x80\xaf", b"\x80"] {
        assert_fails(&cframe(FIN | TEXT, bad), ProtocolError::InvalidUtf8, &CLOSE_1007);
    }
}

#[test]
fn server_receives_invalid_utf8_fails_fast_across_fragments_1007_rfc6455_8_1() {
    // The first fragment ends inside "€"; the second continues it wrongly.
    let mut conn = server();
    let fed = feed_all(&mut conn, &cframe(TEXT, b"a\xe2\x82"));
    assert_eq!(fed.merged(), [data(Text, b"a\xe2\x82", false, false)]);
    let fed = feed_all(&mut conn, &header(CONT, 5, Some(KEY)));
    assert!(fed.events.is_empty());
    // The first byte of the continuation's payload decides; the rest never comes.
    let fed = feed_all(&mut conn, &xor(b"(", KEY));
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
    // A bad byte in a later fragment of a message that was fine so far.
    let wire = cat(&[cframe(TEXT, "é".as_bytes()), cframe(CONT, b"ok"), cframe(FIN | CONT, b"\xfe")]);
    let fed = feed(&mut server(), &wire, 2);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
}

#[test]
fn server_receives_utf8_sequence_split_across_fragments_and_chunks_rfc6455_8_1() {
    let text = "a€b😀c";
    let bytes = text.as_bytes();
    // Every way of cutting the text into two fragments.
    for cut in 0..=bytes.len() {
        let wire = cat(&[cframe(TEXT, &bytes[..cut]), cframe(FIN | CONT, &bytes[cut..])]);
        for chunk in [1, 3, wire.len()] {
            let fed = feed(&mut server(), &wire, chunk);
            assert_eq!(fed.merged(), [data(Text, bytes, true, true)], "cut {cut} chunk {chunk}");
            assert!(fed.replies.is_empty());
        }
    }
    // One fragment per byte.
    let mut frames: Vec<Vec<u8>> = bytes.iter().map(|b| cframe(CONT, &[*b])).collect();
    frames[0][0] = TEXT;
    frames.push(cframe(FIN | CONT, b""));
    let fed = feed_all(&mut server(), &cat(&frames));
    assert_eq!(fed.merged(), [data(Text, bytes, true, true)]);
}

#[test]
fn server_receives_incomplete_utf8_at_message_end_fails_1007_rfc6455_8_1() {
    assert_fails(&cframe(FIN | TEXT, b"a\xe2\x82"), ProtocolError::InvalidUtf8, &CLOSE_1007);
    assert_fails(&cframe(FIN | TEXT, b"\xf0\x9f\x98"), ProtocolError::InvalidUtf8, &CLOSE_1007);
    // Ends inside a character in the final (empty) fragment.
    let wire = cat(&[cframe(TEXT, b"\xc3"), cframe(FIN | CONT, b"")]);
    let fed = feed_all(&mut server(), &wire);
    assert_failed(&fed, ProtocolError::InvalidUtf8, &CLOSE_1007);
    // A frame that ends inside a character is fine while the message goes on.
    let fed = feed_all(&mut server(), &cframe(TEXT, b"\xc3"));
    assert_eq!(fed.events, [data(Text, b"\xc3", true, false)]);
}

#[test]
fn server_receives_binary_is_not_utf8_checked_rfc6455_5_6() {
    let fed = feed_all(&mut server(), &cframe(FIN | BINARY, b"\xff\xfe\xc3"));
    assert_eq!(fed.events, [data(Binary, b"\xff\xfe\xc3", true, true)]);
}

#[test]
fn server_receives_input_after_failure_is_consumed_and_ignored_rfc6455_7_1_7() {
    let mut conn = server();
    let fed = feed_all(&mut conn, &cframe(FIN | 3, b""));
    assert_failed(&fed, ProtocolError::ReservedOpcode(3), &CLOSE_1002);
    let more = cat(&[cframe(FIN | TEXT, b"hi"), cframe(FIN | PING, b"p")]);
    let fed = feed(&mut conn, &more, 3);
    assert_eq!(fed.consumed, more.len());
    assert!(fed.events.is_empty() && fed.replies.is_empty(), "{fed:?}");
    assert_eq!(conn.handle_eof(), None, "the failure was already reported");
}

#[test]
fn server_receives_failure_then_transport_should_close_after_the_close_is_written_rfc6455_7_1_7() {
    let mut conn = server();
    let mut wire = sframe(FIN | TEXT, b"x");
    let input = conn.handle_data(&mut wire);
    assert_eq!(input.event.as_ref().map(own), Some(failed(ProtocolError::UnmaskedFrame)));
    assert!(conn.state() == wsmachine::State::Closed);
    assert!(!conn.transport_should_close(), "the Close with 1002 has not been written yet");
    assert_eq!(drain_transmit(&mut conn), CLOSE_1002);
    assert!(conn.transport_should_close());
}

#[test]
fn server_receives_events_borrow_the_input_in_place_rfc6455_5_3() {
    // The data chunk is the caller's buffer, unmasked in place.
    let mut wire = cframe(FIN | BINARY, b"in place");
    let mut conn = server();
    let input = conn.handle_data(&mut wire);
    match input.event {
        Some(wsmachine::Event::Data { payload, .. }) => assert_eq!(payload, b"in place"),
        other => panic!("{other:?}"),
    }
    assert_eq!(&wire[6..], b"in place");
}

/// RFC 6455 §10.4: tiny limits apply to tiny frames too (whole frames in one read included).
#[test]
fn server_receives_small_frame_over_small_limits_fails_1009_rfc6455_10_4() {
    for config in
        [Config { max_frame_payload: 4, ..Config::default() }, Config { max_message_size: 4, ..Config::default() }]
    {
        let mut conn = Connection::server(config);
        let mut wire = cframe(FIN | TEXT, b"hello");
        let input = conn.handle_data(&mut wire);
        let expected =
            if config.max_frame_payload == 4 { ProtocolError::FrameTooLarge } else { ProtocolError::MessageTooLarge };
        assert_eq!(input.event.as_ref().map(own), Some(failed(expected)));
    }
}
