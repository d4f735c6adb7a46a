//! The closing handshake: checklist §6 (RFC 6455 §5.5.1, §7.1-§7.4).
mod common;
use common::*;
use wsmachine::{CloseCode, Closure, Config, Connection, MessageKind, ProtocolError, UsageError};

use MessageKind::Text;

fn server() -> Connection {
    Connection::server(Config::default())
}

fn client() -> Connection<TestMask> {
    Connection::client(Config::default(), TestMask::new())
}

const CLOSE_1002: [u8; 4] = [0x88, 0x02, 0x03, 0xea];

#[test]
fn server_receives_close_1000_echoes_88_02_03_e8_then_closed_clean_rfc6455_5_5_1() {
    let mut conn = server();
    let fed = feed_all(&mut conn, &cframe(FIN | CLOSE, &close_payload(1000, b"bye")));
    assert_eq!(fed.events, [Ev::Close(1000, "bye".into()), Ev::Closed(End::Clean(1000, "bye".into()))]);
    assert_eq!(fed.replies, [0x88, 0x02, 0x03, 0xe8], "the echo carries the code");
    assert!(conn.transport_should_close(), "the server closes the transport first (§7.1.1)");
    assert!(matches!(conn.closure(), Some(Closure::Clean(f)) if f.code == CloseCode::NORMAL && f.reason == "bye"));
}

#[test]
fn server_receives_close_transport_should_close_only_after_echo_drained_rfc6455_7_1_1() {
    let mut conn = server();
    let mut wire = cframe(FIN | CLOSE, &close_payload(1001, b""));
    let len = wire.len();
    let input = conn.handle_data(&mut wire);
    assert_eq!(input.consumed, len);
    assert_eq!(input.event.as_ref().map(own), Some(Ev::Close(1001, String::new())));
    assert!(conn.wants_transmit());
    assert!(!conn.transport_should_close(), "the echo is not written yet");
    let mut out = [0u8; 131];
    assert_eq!(conn.poll_transmit(&mut out), Ok(Some(4)));
    assert_eq!(out[..4], [0x88, 0x02, 0x03, 0xe9]);
    assert!(conn.transport_should_close());
    // Replied once: nothing more to send, a second close() is refused.
    assert_eq!(conn.poll_transmit(&mut out), Ok(None));
    assert_eq!(conn.close(CloseCode::NORMAL, "", &mut out), Err(UsageError::Closed));
    // Closed follows on the next call.
    let input = conn.handle_data(&mut []);
    assert_eq!(input.event.as_ref().map(own), Some(Ev::Closed(End::Clean(1001, String::new()))));
    assert_eq!(conn.handle_data(&mut []).event, None);
    assert_eq!(conn.handle_eof(), None, "Closed is reported once");
}

#[test]
fn client_receives_close_echoes_masked_and_waits_for_the_server_to_close_rfc6455_7_1_1() {
    let mut conn = client();
    let fed = feed_all(&mut conn, &sframe(FIN | CLOSE, &close_payload(1000, b"")));
    assert_eq!(fed.events, [Ev::Close(1000, String::new()), Ev::Closed(End::Clean(1000, String::new()))]);
    assert_eq!(fed.replies, client_close(1000, TestMask::key(0)));
    assert!(!conn.transport_should_close(), "a client waits for the server to close the TCP connection");
    assert_eq!(conn.handle_eof(), None);
    assert!(conn.transport_should_close());
}

#[test]
// The close-handshake timeout itself is the Timer's (tests/timer.rs); here
// the caller's abort, as on that timeout, after the handshake completed.
fn client_abort_after_the_closing_handshake_keeps_the_clean_closure_rfc6455_7_1_1() {
    let mut conn = client();
    let mut out = [0u8; 131];
    conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    let fed = feed_all(&mut conn, &sframe(FIN | CLOSE, &close_payload(1000, b"")));
    assert_eq!(fed.events, [Ev::Closed(End::Clean(1000, String::new()))]);
    assert!(!conn.transport_should_close());
    conn.abort();
    assert!(conn.transport_should_close());
    assert!(matches!(conn.closure(), Some(Closure::Clean(_))), "abort after the handshake keeps the clean outcome");
}

#[test]
fn server_receives_empty_close_answers_empty_close_reports_1005_rfc6455_7_1_5() {
    let mut conn = server();
    let fed = feed_all(&mut conn, &cframe(FIN | CLOSE, b""));
    assert_eq!(fed.events, [Ev::Close(1005, String::new()), Ev::Closed(End::Clean(1005, String::new()))]);
    assert_eq!(fed.replies, [0x88, 0x00]);
}

#[test]
fn server_receives_close_with_1_byte_payload_fails_1002_rfc6455_5_5_1() {
    for b in [0x03, 0x00, 0xff] {
        let fed = feed_all(&mut server(), &cframe(FIN | CLOSE, &[b]));
        assert_failed(&fed, ProtocolError::InvalidClosePayload, &CLOSE_1002);
    }
}

#[test]
fn server_receives_close_with_invalid_code_fails_1002_rfc6455_7_4() {
    let invalid = [
        0u16, 1, 500, 998, 999, // 0-999
        1004, 1005, 1006, 1015, // reserved / local-only
        1016, 1100, 2000, 2500, 2999, // 1016-2999
        5000, 5001, 9999, 40000, 65535, // 5000+
    ];
    for code in invalid {
        for reason in [&b""[..], b"why"] {
            let fed = feed_all(&mut server(), &cframe(FIN | CLOSE, &close_payload(code, reason)));
            assert_failed(&fed, ProtocolError::InvalidCloseCode(code), &CLOSE_1002);
            assert_eq!(fed.events.len(), 1, "code {code}: no Close event for an invalid Close");
        }
    }
}

#[test]
fn server_receives_close_with_every_valid_code_echoes_it_rfc6455_7_4() {
    let valid = (1000u16..=1003).chain(1007..=1014).chain([3000, 3001, 3999, 4000, 4500, 4998, 4999]);
    for code in valid {
        let fed = feed_all(&mut server(), &cframe(FIN | CLOSE, &close_payload(code, b"")));
        assert_eq!(fed.events[0], Ev::Close(code, String::new()), "code {code}");
        let [hi, lo] = code.to_be_bytes();
        assert_eq!(fed.replies, [0x88, 0x02, hi, lo], "code {code}");
    }
}

#[test]
fn client_receives_close_with_invalid_code_fails_1002_rfc6455_7_4() {
    for code in [999u16, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        let fed = feed_all(&mut client(), &sframe(FIN | CLOSE, &close_payload(code, b"")));
        assert_failed(&fed, ProtocolError::InvalidCloseCode(code), &client_close(1002, TestMask::key(0)));
    }
}

#[test]
fn server_receives_close_with_invalid_utf8_reason_fails_1007_rfc6455_5_5_1() {
    for reason in [&b"\xff"[..], b"ok\xc3", b"\xed\xa0\x80", b"\xc0\x80"] {
        let fed = feed_all(&mut server(), &cframe(FIN | CLOSE, &close_payload(1000, reason)));
        assert_failed(&fed, ProtocolError::InvalidUtf8, &[0x88, 0x02, 0x03, 0xef]);
    }
}

#[test]
fn server_receives_close_with_123_byte_reason_rfc6455_5_5_1() {
    let reason = "é".repeat(61) + "x"; // 123 bytes, multi-byte characters
    assert_eq!(reason.len(), 123);
    let fed = feed(&mut server(), &cframe(FIN | CLOSE, &close_payload(4000, reason.as_bytes())), 5);
    assert_eq!(fed.events, [Ev::Close(4000, reason.clone()), Ev::Closed(End::Clean(4000, reason))]);
    assert_eq!(fed.replies, [0x88, 0x02, 0x0f, 0xa0]);
}

#[test]
fn server_receives_close_over_125_bytes_fails_1002_rfc6455_5_5() {
    let fed = feed_all(&mut server(), &cframe(FIN | CLOSE, &close_payload(1000, &[b'a'; 124])));
    assert_failed(&fed, ProtocolError::ControlFrameTooLong, &CLOSE_1002);
}

#[test]
fn server_receives_input_after_close_is_ignored_rfc6455_5_5_1() {
    let mut conn = server();
    let wire = cat(&[
        cframe(FIN | CLOSE, &close_payload(1000, b"")),
        cframe(FIN | TEXT, b"late"),
        cframe(FIN | PING, b"late"),
        vec![0xff, 0xff, 0xff], // even garbage
    ]);
    for chunk in [wire.len(), 1] {
        let mut conn2 = server();
        let fed = feed(&mut conn2, &wire, chunk);
        assert_eq!(fed.events, [Ev::Close(1000, String::new()), Ev::Closed(End::Clean(1000, String::new()))]);
        assert_eq!(fed.replies, [0x88, 0x02, 0x03, 0xe8], "only the echo: no pong");
        assert_eq!(fed.consumed, wire.len());
    }
    let fed = feed_all(&mut conn, &wire);
    assert_eq!(fed.consumed, wire.len());
    assert!(feed_all(&mut conn, &wire).events.is_empty());
}

#[test]
fn server_receives_close_inside_fragmented_message_rfc6455_5_5_1() {
    let wire =
        cat(&[cframe(TEXT, b"half"), cframe(FIN | CLOSE, &close_payload(1001, b"")), cframe(FIN | CONT, b"rest")]);
    let fed = feed_all(&mut server(), &wire);
    assert_eq!(
        fed.events,
        [data(Text, b"half", true, false), Ev::Close(1001, String::new()), Ev::Closed(End::Clean(1001, String::new()))]
    );
    assert_eq!(fed.replies, [0x88, 0x02, 0x03, 0xe9]);
}

#[test]
fn server_sends_close_then_data_refused_but_received_data_delivered_rfc6455_5_5_1() {
    let mut conn = server();
    let mut out = [0u8; 256];
    let n = conn.close(CloseCode::GOING_AWAY, "bye", &mut out).unwrap();
    assert_eq!(&out[..n], [0x88, 0x05, 0x03, 0xe9, b'b', b'y', b'e']);
    assert!(conn.closing());
    // No more data frames, no control frames, no second Close.
    assert_eq!(conn.send_text("x", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_binary(b"x", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_fragment(Text, b"x", false, &mut out), Err(UsageError::Closed));
    assert_eq!(conn.send_ping(b"", &mut out), Err(UsageError::Closed));
    assert_eq!(conn.close(CloseCode::NORMAL, "", &mut out), Err(UsageError::Closed));
    let mut payload = *b"xy";
    let mut head = [0u8; 14];
    assert_eq!(conn.encode_data_header(Text, &mut payload, true, &mut head), Err(UsageError::Closed));
    assert_eq!(conn.queue_ping(b""), Err(UsageError::Closed));
    // The peer may still send data until its Close (§7.1.2), and pings are surfaced (no pong after our Close).
    let wire = cat(&[
        cframe(FIN | TEXT, b"still"),
        cframe(FIN | PING, b"p"),
        cframe(FIN | CLOSE, &close_payload(1000, b"ok")),
    ]);
    let fed = feed(&mut conn, &wire, 3);
    assert_eq!(
        fed.merged(),
        [data(Text, b"still", true, true), Ev::Ping(b"p".to_vec()), Ev::Closed(End::Clean(1000, "ok".into()))]
    );
    assert!(fed.replies.is_empty(), "our Close was sent already: no echo, no pong");
    assert!(conn.transport_should_close());
}

#[test]
fn client_sends_close_then_server_echo_gives_closed_clean_rfc6455_7_1_2() {
    let mut conn = client();
    let mut out = [0u8; 131];
    let n = conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(&out[..n], client_close(1000, TestMask::key(0)));
    let fed = feed_all(&mut conn, &sframe(FIN | CLOSE, &close_payload(1000, b"")));
    assert_eq!(fed.events, [Ev::Closed(End::Clean(1000, String::new()))]);
    assert!(fed.replies.is_empty());
    assert!(!conn.transport_should_close());
    assert_eq!(conn.handle_eof(), None);
    assert!(conn.transport_should_close());
}

#[test]
fn server_answers_peer_close_with_its_own_code_via_close_rfc6455_5_5_1() {
    let mut conn = server();
    let mut wire = cframe(FIN | CLOSE, &close_payload(1000, b""));
    let input = conn.handle_data(&mut wire);
    assert_eq!(input.event.as_ref().map(own), Some(Ev::Close(1000, String::new())));
    // The caller replies itself before draining: that is the one reply.
    let mut out = [0u8; 131];
    let n = conn.close(CloseCode(4001), "mine", &mut out).unwrap();
    assert_eq!(&out[..n], [0x88, 0x06, 0x0f, 0xa1, b'm', b'i', b'n', b'e']);
    assert_eq!(drain_transmit(&mut conn), Vec::<u8>::new(), "no second Close");
    assert!(conn.transport_should_close());
    assert_eq!(conn.handle_data(&mut []).event.as_ref().map(own), Some(Ev::Closed(End::Clean(1000, String::new()))));
}

#[test]
fn server_transport_ends_without_close_is_abnormal_1006_rfc6455_7_1_5() {
    let mut conn = server();
    let ev = conn.handle_eof().as_ref().map(own);
    assert_eq!(ev, Some(Ev::Closed(End::Abnormal)));
    assert_eq!(conn.closure().unwrap().code(), CloseCode::ABNORMAL);
    assert!(conn.transport_should_close());
    assert_eq!(conn.handle_eof(), None);
    assert!(drain_transmit(&mut conn).is_empty(), "no Close on a dead transport");
    let mut out = [0u8; 131];
    assert_eq!(conn.send_text("x", &mut out), Err(UsageError::Closed));
}

#[test]
fn client_transport_ends_mid_message_is_abnormal_rfc6455_7_1_5() {
    let mut conn = client();
    let fed = feed_all(&mut conn, &sframe(TEXT, b"part"));
    assert_eq!(fed.events.len(), 1);
    assert_eq!(conn.handle_eof().as_ref().map(own), Some(Ev::Closed(End::Abnormal)));
    // Input after the end is ignored.
    assert!(feed_all(&mut conn, &sframe(FIN | CONT, b"x")).events.is_empty());
}

#[test]
fn server_sent_close_but_transport_ended_before_reply_is_abnormal_rfc6455_7_1_5() {
    let mut conn = server();
    let mut out = [0u8; 131];
    conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(conn.handle_eof().as_ref().map(own), Some(Ev::Closed(End::Abnormal)));
}

#[test]
fn server_close_received_then_eof_before_echo_is_clean_rfc6455_7_1_4() {
    let mut conn = server();
    let mut wire = cframe(FIN | CLOSE, &close_payload(1000, b""));
    let _ = conn.handle_data(&mut wire);
    assert_eq!(conn.handle_eof().as_ref().map(own), Some(Ev::Closed(End::Clean(1000, String::new()))));
}

#[test]
fn server_failure_close_code_sent_once_and_no_pong_rfc6455_7_1_7() {
    // A ping whose pong is pending, then a violation: the Close replaces the pong.
    let mut conn = server();
    let mut wire = cat(&[cframe(FIN | PING, b"p"), cframe(FIN | 3, b"")]);
    let mut off = 0;
    let mut events = Vec::new();
    while let Some(e) = {
        let input = conn.handle_data(&mut wire[off..]);
        off += input.consumed;
        input.event.as_ref().map(own)
    } {
        events.push(e);
    }
    assert_eq!(events, [Ev::Ping(b"p".to_vec()), failed(ProtocolError::ReservedOpcode(3))]);
    assert_eq!(drain_transmit(&mut conn), CLOSE_1002);
}

#[test]
fn server_fail_with_keepalive_timeout_sends_1011_rfc6455_7_4_1() {
    let mut conn = server();
    assert!(conn.fail_with(ProtocolError::KeepAliveTimeout));
    assert_eq!(drain_transmit(&mut conn), [0x88, 0x02, 0x03, 0xf3]);
    assert!(conn.transport_should_close());
    // The terminal event comes from the next input call, once.
    let ev = conn.handle_eof().as_ref().map(own);
    assert_eq!(ev, Some(failed(ProtocolError::KeepAliveTimeout)));
    assert!(!conn.fail_with(ProtocolError::KeepAliveTimeout), "nothing to fail once ended");
}

#[test]
fn server_abort_ends_abnormally_and_sends_nothing_rfc6455_7_1_7() {
    let mut conn = server();
    let mut wire = cframe(FIN | PING, b"x");
    let _ = conn.handle_data(&mut wire);
    conn.abort();
    assert!(conn.transport_should_close());
    assert!(drain_transmit(&mut conn).is_empty());
    assert_eq!(conn.closure().map(|c| c.code()), Some(CloseCode::ABNORMAL));
    assert_eq!(conn.handle_data(&mut []).event.as_ref().map(own), Some(Ev::Closed(End::Abnormal)));
}

#[test]
fn server_sends_after_close_is_usage_error_not_panic_rfc6455_7_1_1() {
    // After each way the connection can end, every send call returns an error.
    let endings: [fn(&mut Connection); 4] = [
        |c| {
            c.close(CloseCode::NORMAL, "", &mut [0; 131]).unwrap();
        },
        |c| {
            let _ = c.handle_eof();
        },
        |c| c.abort(),
        |c| {
            let _ = feed_all(c, &cframe(FIN | CLOSE, b""));
        },
    ];
    for (i, end) in endings.iter().enumerate() {
        let mut conn = server();
        end(&mut conn);
        let mut out = [0u8; 256];
        assert_eq!(conn.send_text("x", &mut out), Err(UsageError::Closed), "ending {i}");
        assert_eq!(conn.send_binary(b"", &mut out), Err(UsageError::Closed), "ending {i}");
        assert_eq!(conn.send_pong(b"", &mut out), Err(UsageError::Closed), "ending {i}");
        assert_eq!(conn.close(CloseCode::NORMAL, "", &mut out), Err(UsageError::Closed), "ending {i}");
    }
}

#[test]
fn server_eof_or_abort_with_pong_pending_wants_no_transmit_rfc6455_7_1_7() {
    // A pong owed when the transport ends can never be written: neither
    // `wants_transmit` nor `poll_transmit` may keep offering it (a caller
    // looping on `wants_transmit` would spin).
    for abort in [false, true] {
        let mut conn = server();
        let mut wire = cframe(FIN | PING, b"x");
        let _ = conn.handle_data(&mut wire);
        assert!(conn.wants_transmit());
        if abort {
            conn.abort();
        } else {
            let _ = conn.handle_eof();
        }
        assert!(!conn.wants_transmit(), "abort: {abort}");
        let mut out = [0u8; 131];
        assert_eq!(conn.poll_transmit(&mut out), Ok(None), "abort: {abort}");
    }
}

#[test]
fn server_sent_close_then_peer_violation_fails_without_a_second_close_rfc6455_7_1_7() {
    let mut conn = server();
    let mut out = [0u8; 131];
    conn.close(CloseCode::NORMAL, "", &mut out).unwrap();
    let fed = feed_all(&mut conn, &cframe(FIN | TEXT, b"\xff"));
    assert_eq!(fed.events, [failed(ProtocolError::InvalidUtf8)]);
    assert!(fed.replies.is_empty(), "our Close was sent already: at most one Close per connection");
    assert!(conn.transport_should_close());
}

#[test]
fn server_pong_and_queued_ping_drain_before_the_close_echo_rfc6455_5_5() {
    // Ping and Close arrive together; the caller also queued a keep-alive ping.
    let mut conn = server();
    conn.queue_ping(b"ka").unwrap();
    let mut wire = cat(&[cframe(FIN | PING, b"q"), cframe(FIN | CLOSE, &close_payload(1000, b""))]);
    let mut off = 0;
    let mut events = Vec::new();
    while let Some(e) = {
        let input = conn.handle_data(&mut wire[off..]);
        off += input.consumed;
        input.event.as_ref().map(own)
    } {
        events.push(e);
    }
    assert_eq!(events, [Ev::Ping(b"q".to_vec()), Ev::Close(1000, String::new())]);
    // Nothing after the Close frame (RFC 6455 §5.5.1): the Close is the last frame written.
    assert_eq!(
        drain_transmit(&mut conn),
        cat(&[sframe(FIN | PONG, b"q"), sframe(FIN | PING, b"ka"), server_close(1000)])
    );
}

#[test]
fn closure_codes_reported_locally_rfc6455_7_1_5() {
    // Clean with the peer's code (1005 for an empty Close), the code we sent
    // after a failure, and 1006 for an abnormal end.
    let mut conn = server();
    let _ = feed_all(&mut conn, &cframe(FIN | CLOSE, b""));
    assert_eq!(conn.closure().map(|c| c.code()), Some(CloseCode::NO_STATUS));
    let mut conn = server();
    let _ = feed_all(&mut conn, &cframe(FIN | TEXT, b"\xc3\x28"));
    assert_eq!(conn.closure().map(|c| c.code()), Some(CloseCode::INVALID_PAYLOAD));
    let mut conn = server();
    let _ = feed_all(&mut conn, &header(FIN | BINARY, (16 << 20) + 1, Some(KEY)));
    assert_eq!(conn.closure().map(|c| c.code()), Some(CloseCode::TOO_BIG));
    let mut conn = client();
    let _ = conn.handle_eof();
    assert_eq!(conn.closure().map(|c| c.code()), Some(CloseCode::ABNORMAL));
    assert_eq!(server().closure(), None, "an open connection has no closure");
}
