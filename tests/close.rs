//! Close codes and Close payloads (RFC 6455 §5.5.1, §7.4; checklist §6).

use wsmachine::close::MAX_REASON_LEN;
use wsmachine::{BufferTooSmall, CloseCode, CloseFrame, ProtocolError, UsageError};

/// Checklist §6, written out: the codes that may appear in a Close frame.
fn valid_per_checklist(code: u16) -> bool {
    (1000..=1003).contains(&code) || (1007..=1014).contains(&code) || (3000..=4999).contains(&code)
}

/// RFC 6455 §7.4: every code 0..=5000 (and the rest of the u16 range)
/// classified as checklist §6 says.
#[test]
fn close_codes_rfc6455_7_4_classified() {
    let mut valid = 0;
    for code in 0..=u16::MAX {
        assert_eq!(CloseCode(code).is_valid_on_wire(), valid_per_checklist(code), "code {code}");
        valid += usize::from(CloseCode(code).is_valid_on_wire());
    }
    assert_eq!(valid, 4 + 8 + 2000);
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert!(!CloseCode(code).is_valid_on_wire(), "{code}");
    }
    for code in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
        assert!(CloseCode(code).is_valid_on_wire(), "{code}");
    }
}

/// The named constants carry the RFC 6455 §7.4.1 numbers (and 1012-1014 from the IANA registry).
#[test]
fn close_code_constants_rfc6455_7_4_1() {
    let named = [
        (CloseCode::NORMAL, 1000),
        (CloseCode::GOING_AWAY, 1001),
        (CloseCode::PROTOCOL_ERROR, 1002),
        (CloseCode::UNSUPPORTED_DATA, 1003),
        (CloseCode::NO_STATUS, 1005),
        (CloseCode::ABNORMAL, 1006),
        (CloseCode::INVALID_PAYLOAD, 1007),
        (CloseCode::POLICY_VIOLATION, 1008),
        (CloseCode::TOO_BIG, 1009),
        (CloseCode::MANDATORY_EXTENSION, 1010),
        (CloseCode::INTERNAL_ERROR, 1011),
        (CloseCode::SERVICE_RESTART, 1012),
        (CloseCode::TRY_AGAIN_LATER, 1013),
        (CloseCode::BAD_GATEWAY, 1014),
        (CloseCode::TLS_HANDSHAKE, 1015),
    ];
    for (c, n) in named {
        assert_eq!(c.0, n);
        assert_eq!(c.to_string(), n.to_string());
    }
}

/// RFC 6455 §5.5.1: every 2-byte payload parses iff its code is valid on the wire.
#[test]
fn close_parse_rfc6455_5_5_1_every_code() {
    for code in 0..=u16::MAX {
        let payload = code.to_be_bytes();
        let parsed = CloseFrame::parse(&payload);
        if valid_per_checklist(code) {
            assert_eq!(parsed, Ok(CloseFrame { code: CloseCode(code), reason: "" }));
        } else {
            assert_eq!(parsed, Err(ProtocolError::InvalidCloseCode(code)));
            assert_eq!(ProtocolError::InvalidCloseCode(code).close_code(), CloseCode(1002));
        }
    }
}

/// RFC 6455 §5.5.1: an empty payload means "no status" (reported as 1005).
#[test]
fn close_parse_rfc6455_5_5_1_empty_is_no_status() {
    assert_eq!(CloseFrame::parse(&[]), Ok(CloseFrame { code: CloseCode(1005), reason: "" }));
}

/// RFC 6455 §5.5.1: a 1-byte payload cannot hold a code: fail, 1002.
#[test]
fn close_parse_rfc6455_5_5_1_one_byte_rejected() {
    for b in 0..=255u8 {
        assert_eq!(CloseFrame::parse(&[b]), Err(ProtocolError::InvalidClosePayload));
    }
    assert_eq!(ProtocolError::InvalidClosePayload.close_code(), CloseCode(1002));
}

/// RFC 6455 §5.5.1 / §8.1: the reason is UTF-8; otherwise fail with 1007.
#[test]
fn close_parse_rfc6455_5_5_1_reason_utf8() {
    let mut payload = vec![0x03, 0xe8];
    payload.extend_from_slice("bye – à bientôt 😀".as_bytes());
    assert_eq!(CloseFrame::parse(&payload), Ok(CloseFrame { code: CloseCode(1000), reason: "bye – à bientôt 😀" }));
    for bad in [&b"\xff"[..], b"ok\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"abc\x80"] {
        let mut payload = vec![0x0f, 0xa0]; // 4000
        payload.extend_from_slice(bad);
        assert_eq!(CloseFrame::parse(&payload), Err(ProtocolError::InvalidUtf8), "{bad:02x?}");
    }
    assert_eq!(ProtocolError::InvalidUtf8.close_code(), CloseCode(1007));
}

/// RFC 6455 §5.5: a Close payload is at most 125 bytes, so a reason at most 123.
#[test]
fn close_encode_rfc6455_5_5_reason_up_to_123_bytes() {
    assert_eq!(MAX_REASON_LEN, 123);
    let ascii_123 = "r".repeat(123);
    let euro_123 = "€".repeat(41); // 41 × 3 bytes
    assert_eq!(euro_123.len(), 123);
    for reason in [&ascii_123[..], &euro_123[..], "", "x"] {
        let frame = CloseFrame { code: CloseCode(3001), reason };
        let mut out = [0u8; 125];
        let n = frame.encode(&mut out).unwrap();
        assert_eq!(n, 2 + reason.len());
        assert_eq!(frame.encoded_len(), n);
        assert_eq!(&out[..2], &[0x0b, 0xb9]);
        assert_eq!(&out[2..n], reason.as_bytes());
        assert_eq!(CloseFrame::parse(&out[..n]), Ok(frame));
    }
    for reason in ["r".repeat(124), "é".repeat(62), "r".repeat(500)] {
        let frame = CloseFrame { code: CloseCode::NORMAL, reason: &reason };
        assert_eq!(frame.check_sendable(), Err(UsageError::ControlPayloadTooLong));
        assert_eq!(frame.encode(&mut [0u8; 1000]), Err(UsageError::ControlPayloadTooLong));
    }
}

/// RFC 6455 §7.4.1: 1005, 1006 and 1015 are for local reporting only and are
/// never written in a Close frame; neither is any other code invalid on the wire.
#[test]
fn close_encode_rfc6455_7_4_1_reserved_codes_not_sendable() {
    for code in [1005u16, 1006, 1015, 0, 999, 1004, 1016, 2999, 5000, 65535] {
        for reason in ["", "why"] {
            let frame = CloseFrame { code: CloseCode(code), reason };
            let mut out = [0u8; 125];
            match frame.encode(&mut out) {
                // NO_STATUS with no reason stands for an empty payload:
                // nothing is written, in particular not the code 1005.
                Ok(0) if code == 1005 && reason.is_empty() => {}
                other => assert_eq!(other, Err(UsageError::InvalidCloseCode(code)), "{code} {reason:?}"),
            }
        }
    }
    // Every code valid on the wire encodes and parses back.
    for code in (0..=u16::MAX).filter(|&c| valid_per_checklist(c)) {
        let frame = CloseFrame { code: CloseCode(code), reason: "ok" };
        let mut out = [0u8; 4];
        assert_eq!(frame.encode(&mut out), Ok(4));
        assert_eq!(&out[..2], &code.to_be_bytes());
        assert_eq!(CloseFrame::parse(&out), Ok(frame));
    }
}

/// A too-small output buffer is the caller's error and says what is needed.
#[test]
fn close_encode_rfc6455_5_5_1_buffer_too_small() {
    let frame = CloseFrame { code: CloseCode::GOING_AWAY, reason: "bye" };
    for len in 0..5 {
        assert_eq!(frame.encode(&mut vec![0u8; len]), Err(UsageError::BufferTooSmall(BufferTooSmall { needed: 5 })));
    }
    assert_eq!(frame.encode(&mut [0u8; 5]), Ok(5));
    // The empty payload needs no room.
    assert_eq!(CloseFrame { code: CloseCode::NO_STATUS, reason: "" }.encode(&mut []), Ok(0));
}
