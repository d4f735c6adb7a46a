//! Frame headers (RFC 6455 §5.2, §5.5, §5.7): decoding, minimal encoding and
//! the header rules, each vector fed whole, one byte at a time and with the
//! next frame's bytes behind it.

mod frames_common;
use frames_common as common;

use common::{masked, wire_frame};
use wsmachine::{
    decode::Decoded, decode::FrameDecoder, frame::FrameHeader, frame::HeaderRules, frame::Opcode, CloseCode,
    ProtocolError, Role,
};

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn header(opcode: Opcode, fin: bool, mask: Option<[u8; 4]>, payload_len: u64) -> FrameHeader {
    FrameHeader { fin, rsv1: false, rsv2: false, rsv3: false, opcode, mask, payload_len }
}

fn rsv_of(h: &FrameHeader) -> u8 {
    (u8::from(h.rsv1) << 2) | (u8::from(h.rsv2) << 1) | u8::from(h.rsv3)
}

/// Rules under which `h` is acceptable: the role that expects its masking,
/// its RSV bits allowed, no frame limit.
fn accepting_rules(h: &FrameHeader) -> HeaderRules {
    let role = if h.mask.is_some() { Role::Server } else { Role::Client };
    HeaderRules { role, allowed_rsv: rsv_of(h), max_frame_payload: u64::MAX }
}

/// The next frame behind a header in the "trailing bytes" runs: a Ping with
/// payload "next", masked when `mask` is.
fn next_frame(mask: Option<[u8; 4]>) -> Vec<u8> {
    wire_frame(0x9, true, 0, mask.map(|_| [9, 8, 7, 6]), b"next")
}

/// Checks that the header bytes `wire` decode to `expected` three ways, and
/// that `expected` encodes to `wire` (when `wire` is the minimal form).
fn check_header_three_ways(wire: &[u8], expected: &FrameHeader) {
    // Whole.
    assert_eq!(FrameHeader::decode(wire), Ok(Some((*expected, wire.len()))), "whole {wire:02x?}");
    // Every strict prefix asks for more.
    for n in 0..wire.len() {
        assert_eq!(FrameHeader::decode(&wire[..n]), Ok(None), "prefix {n} of {wire:02x?}");
    }
    // With trailing bytes of the next frame: they are not part of the header.
    let mut long = wire.to_vec();
    long.extend_from_slice(&next_frame(expected.mask));
    assert_eq!(FrameHeader::decode(&long), Ok(Some((*expected, wire.len()))), "trailing {wire:02x?}");

    // One byte at a time through the decoder.
    let mut dec = FrameDecoder::new(accepting_rules(expected));
    for (i, &b) in wire.iter().enumerate() {
        let mut one = [b];
        let last = i + 1 == wire.len();
        let d = dec.decode(&mut one).unwrap();
        assert_eq!(d.consumed, 1, "byte {i} of {wire:02x?}");
        match (last, d.output) {
            (false, None) => {}
            (true, None) => assert!(expected.payload_len > 0, "an empty frame completes with its header"),
            (true, Some(Decoded::Data { header, payload, frame_fin })) => {
                assert_eq!((header, payload.len(), frame_fin), (*expected, 0, true));
            }
            (true, Some(Decoded::Control { header, payload })) => {
                assert_eq!((header, payload.len()), (*expected, 0));
            }
            (false, Some(out)) => panic!("output before the header was whole: {out:?}"),
        }
        if !last {
            assert_eq!(dec.buffered(), i + 1);
            assert!(!dec.at_frame_boundary());
        }
    }
    if expected.payload_len > 0 {
        assert_eq!(dec.current_frame(), Some(expected));
        assert_eq!(dec.remaining_payload(), expected.payload_len);
    } else {
        assert!(dec.at_frame_boundary());
    }
}

/// Decodes the whole frame `header ++ payload ++ next frame` with the
/// decoder and checks the next frame's bytes are left alone.
fn check_frame_with_trailing(wire_header: &[u8], expected: &FrameHeader, plain: &[u8]) {
    assert_eq!(plain.len() as u64, expected.payload_len);
    let mut buf = wire_header.to_vec();
    match expected.mask {
        Some(key) => buf.extend(masked(plain, key)),
        None => buf.extend_from_slice(plain),
    }
    let frame_len = buf.len();
    let next = next_frame(expected.mask);
    buf.extend_from_slice(&next);
    let mut dec = FrameDecoder::new(accepting_rules(expected));
    let d = dec.decode(&mut buf).unwrap();
    assert_eq!(d.consumed, frame_len, "the next frame's bytes must not be consumed");
    match d.output {
        Some(Decoded::Data { header, payload, frame_fin }) => {
            assert_eq!((header, &payload[..], frame_fin), (*expected, plain, true));
        }
        Some(Decoded::Control { header, payload }) => assert_eq!((header, payload), (*expected, plain)),
        None => panic!("no output for a whole frame"),
    }
    assert!(dec.at_frame_boundary());
    assert_eq!(&buf[frame_len..], &next[..], "trailing bytes changed");
    let d = dec.decode(&mut buf[frame_len..]).unwrap();
    assert_eq!(d.consumed, next.len());
    match d.output {
        Some(Decoded::Control { header, payload }) => {
            assert_eq!((header.opcode, payload), (Opcode::Ping, &b"next"[..]))
        }
        other => panic!("next frame: {other:?}"),
    }
}

/// Encodes `h` both ways (`encode`, `encode_into`) and compares with `wire`.
fn check_encodes_to(h: &FrameHeader, wire: &[u8]) {
    let mut out = [0u8; 14];
    let n = h.encode(&mut out);
    assert_eq!(&out[..n], wire, "encode {h:?}");
    assert_eq!(h.encoded_len(), wire.len());
    let mut big = [0xAAu8; 20];
    assert_eq!(h.encode_into(&mut big), Ok(wire.len()));
    assert_eq!(&big[..wire.len()], wire);
    assert!(big[wire.len()..].iter().all(|&b| b == 0xAA), "encode_into wrote past the header");
    let mut small = vec![0u8; wire.len() - 1];
    assert_eq!(h.encode_into(&mut small).map_err(|e| e.needed), Err(wire.len()));
}

/// A §5.7 example: a whole frame with its payload, checked both ways and
/// three ways.
fn check_rfc_example(frame: &[u8], expected: &FrameHeader, header_len: usize, plain: &[u8]) {
    check_header_three_ways(&frame[..header_len], expected);
    check_encodes_to(expected, &frame[..header_len]);
    check_frame_with_trailing(&frame[..header_len], expected, plain);
    // And the frame itself, whole, through the decoder.
    let mut buf = frame.to_vec();
    let mut dec = FrameDecoder::new(accepting_rules(expected));
    let d = dec.decode(&mut buf).unwrap();
    assert_eq!(d.consumed, frame.len());
    let got: &[u8] = match d.output {
        Some(Decoded::Data { payload, frame_fin: true, .. }) => payload,
        Some(Decoded::Control { payload, .. }) => payload,
        other => panic!("{other:?}"),
    };
    assert_eq!(got, plain);
}

#[test]
fn frame_decodes_rfc6455_5_7_unmasked_hello() {
    let frame = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    check_rfc_example(&frame, &header(Opcode::Text, true, None, 5), 2, b"Hello");
}

#[test]
fn frame_decodes_rfc6455_5_7_masked_hello() {
    let frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    check_rfc_example(&frame, &header(Opcode::Text, true, Some(MASK), 5), 6, b"Hello");
}

#[test]
fn frame_decodes_rfc6455_5_7_fragmented_unmasked_hello() {
    let first = [0x01, 0x03, 0x48, 0x65, 0x6c];
    let second = [0x80, 0x02, 0x6c, 0x6f];
    check_rfc_example(&first, &header(Opcode::Text, false, None, 3), 2, b"Hel");
    check_rfc_example(&second, &header(Opcode::Continuation, true, None, 2), 2, b"lo");
}

#[test]
fn frame_decodes_rfc6455_5_7_unmasked_ping_hello() {
    let frame = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    check_rfc_example(&frame, &header(Opcode::Ping, true, None, 5), 2, b"Hello");
}

#[test]
fn frame_decodes_rfc6455_5_7_masked_pong_hello() {
    let frame = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    check_rfc_example(&frame, &header(Opcode::Pong, true, Some(MASK), 5), 6, b"Hello");
}

#[test]
fn frame_decodes_rfc6455_5_7_binary_256_bytes() {
    let payload: Vec<u8> = (0..256u32).map(|i| (i * 7) as u8).collect();
    let mut frame = vec![0x82, 0x7E, 0x01, 0x00];
    frame.extend_from_slice(&payload);
    check_rfc_example(&frame, &header(Opcode::Binary, true, None, 256), 4, &payload);
}

#[test]
fn frame_decodes_rfc6455_5_7_binary_64_kib() {
    let payload: Vec<u8> = (0..65536u32).map(|i| (i * 13 + (i >> 8)) as u8).collect();
    let mut frame = vec![0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00];
    frame.extend_from_slice(&payload);
    check_rfc_example(&frame, &header(Opcode::Binary, true, None, 65536), 10, &payload);
}

/// RFC 6455 §5.2: the 7-bit, 16-bit and 64-bit length forms at their edges,
/// unmasked and masked.
#[test]
fn frame_length_boundaries_rfc6455_5_2() {
    let cases: [(u64, &[u8]); 8] = [
        (0, &[0x00]),
        (1, &[0x01]),
        (125, &[0x7d]),
        (126, &[0x7e, 0x00, 0x7e]),
        (65535, &[0x7e, 0xff, 0xff]),
        (65536, &[0x7f, 0, 0, 0, 0, 0, 1, 0, 0]),
        (0x1_0000_0000, &[0x7f, 0, 0, 0, 1, 0, 0, 0, 0]),
        ((1 << 63) - 1, &[0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (len, len_bytes) in cases {
        for mask in [None, Some([1, 2, 3, 4])] {
            let mut wire = vec![0x82];
            wire.extend_from_slice(len_bytes);
            if let Some(key) = mask {
                wire[1] |= 0x80;
                wire.extend_from_slice(&key);
            }
            let h = header(Opcode::Binary, true, mask, len);
            check_header_three_ways(&wire, &h);
            check_encodes_to(&h, &wire);
            if len <= 65536 {
                let plain: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
                check_frame_with_trailing(&wire, &h, &plain);
            }
        }
    }
}

/// RFC 6455 §5.2: a 64-bit length with its most significant bit set is
/// rejected as soon as that byte is seen.
#[test]
fn frame_rejects_rfc6455_5_2_length_with_top_bit() {
    for top in [0x80u8, 0x81, 0xff] {
        let wire = [0x82, 0x7f, top, 0, 0, 0, 0, 0, 0, 0];
        // 2^63 (and above) are rejected with only the first length byte present.
        for n in 3..=wire.len() {
            assert_eq!(FrameHeader::decode(&wire[..n]), Err(ProtocolError::LengthOutOfRange), "{n} bytes");
        }
        let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, u64::MAX));
        assert_eq!(dec.decode(&mut [0x82]).map(|d| d.consumed), Ok(1));
        assert_eq!(dec.decode(&mut [0x7f]).map(|d| d.consumed), Ok(1));
        assert_eq!(dec.decode(&mut [top]).map(|d| d.consumed), Err(ProtocolError::LengthOutOfRange));
        assert_eq!(dec.decode(&mut [0]).map(|d| d.consumed), Err(ProtocolError::LengthOutOfRange));
    }
}

/// RFC 6455 §5.2: non-minimal length encodings are accepted on receipt, but
/// the encoder always writes the minimal form.
#[test]
fn frame_non_minimal_length_rfc6455_5_2_decoded_never_produced() {
    let cases: [(&[u8], u64, &[u8]); 6] = [
        (&[0x82, 0x7e, 0x00, 0x05], 5, &[0x82, 0x05]),
        (&[0x82, 0x7e, 0x00, 0x00], 0, &[0x82, 0x00]),
        (&[0x82, 0x7e, 0x00, 0x7d], 125, &[0x82, 0x7d]),
        (&[0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x05], 5, &[0x82, 0x05]),
        (&[0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x2c], 300, &[0x82, 0x7e, 0x01, 0x2c]),
        (&[0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 65535, &[0x82, 0x7e, 0xff, 0xff]),
    ];
    for (wire, len, minimal) in cases {
        let h = header(Opcode::Binary, true, None, len);
        check_header_three_ways(wire, &h);
        check_encodes_to(&h, minimal);
        assert!(h.encoded_len() < wire.len());
        if len <= 300 {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            check_frame_with_trailing(wire, &h, &plain);
        }
    }
    // With a mask too: the key follows the (long) length.
    let wire = [0x81, 0xfe, 0x00, 0x03, 1, 2, 3, 4];
    let h = header(Opcode::Text, true, Some([1, 2, 3, 4]), 3);
    check_header_three_ways(&wire, &h);
    check_encodes_to(&h, &[0x81, 0x83, 1, 2, 3, 4]);
}

/// RFC 6455 §5.2: FIN and the opcode nibble for every defined opcode.
#[test]
fn frame_opcodes_rfc6455_5_2_defined() {
    let defined = [
        (0x0, Opcode::Continuation),
        (0x1, Opcode::Text),
        (0x2, Opcode::Binary),
        (0x8, Opcode::Close),
        (0x9, Opcode::Ping),
        (0xA, Opcode::Pong),
    ];
    for (v, op) in defined {
        assert_eq!(Opcode::from_u8(v), Some(op));
        assert_eq!(op as u8, v);
        assert_eq!(op.is_control(), v >= 8, "{op:?}");
        for fin in [true, false] {
            if op.is_control() && !fin {
                continue;
            }
            let wire = [u8::from(fin) << 7 | v, 0x03];
            let h = header(op, fin, None, 3);
            check_header_three_ways(&wire, &h);
            check_encodes_to(&h, &wire);
            check_frame_with_trailing(&wire, &h, b"abc");
        }
    }
}

/// RFC 6455 §5.2: opcodes 3-7 and 11-15 are reserved; fail with 1002.
#[test]
fn frame_rejects_rfc6455_5_2_reserved_opcodes() {
    for op in (3..=7).chain(11..=15) {
        assert_eq!(Opcode::from_u8(op), None);
        for b0 in [0x80 | op, op, 0xC0 | op] {
            for b1 in [0x00, 0x05, 0x85, 0x7e, 0x7f] {
                assert_eq!(FrameHeader::decode(&[b0, b1]), Err(ProtocolError::ReservedOpcode(op)));
                assert_eq!(FrameHeader::decode(&[b0]), Ok(None), "one byte is not enough to judge");
            }
            let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
            let mut wire = [b0, 0x01, b'x'];
            assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::ReservedOpcode(op)));
            assert_eq!(dec.decode(&mut [0x81, 0x00]).map(|d| d.consumed), Err(ProtocolError::ReservedOpcode(op)));
        }
        assert_eq!(ProtocolError::ReservedOpcode(op).close_code(), CloseCode(1002));
    }
    for op in 16..=255u8 {
        assert_eq!(Opcode::from_u8(op), None, "{op} is not a 4-bit opcode");
    }
}

/// RFC 6455 §5.5: control frames carry at most 125 bytes and are never fragmented.
#[test]
fn frame_control_rfc6455_5_5_length_and_fin() {
    for (v, op) in [(0x8, Opcode::Close), (0x9, Opcode::Ping), (0xA, Opcode::Pong)] {
        // 125 is fine, masked or not.
        let h = header(op, true, None, 125);
        check_header_three_ways(&[0x80 | v, 0x7d], &h);
        let plain = [0x41u8; 125];
        check_frame_with_trailing(&[0x80 | v, 0x7d], &h, &plain);
        let h = header(op, true, Some(MASK), 125);
        let mut wire = vec![0x80 | v, 0xfd];
        wire.extend_from_slice(&MASK);
        check_header_three_ways(&wire, &h);
        check_frame_with_trailing(&wire, &h, &plain);

        // 126 and 127 (any 16/64-bit length) are too long: judged from the first two bytes.
        for b1 in [0x7e, 0x7f, 0xfe, 0xff] {
            assert_eq!(FrameHeader::decode(&[0x80 | v, b1]), Err(ProtocolError::ControlFrameTooLong));
            assert_eq!(
                FrameHeader::decode(&[0x80 | v, b1, 0, 0x7e, 0, 0, 0, 0, 0, 0]),
                Err(ProtocolError::ControlFrameTooLong)
            );
        }
        // Even a non-minimal encoding of a short length is refused: the
        // 7-bit field alone decides (RFC 6455 §5.5: "MUST have a payload length of 125 bytes or less").
        assert_eq!(FrameHeader::decode(&[0x80 | v, 0x7e, 0x00, 0x05]), Err(ProtocolError::ControlFrameTooLong));

        // Not FIN.
        for b1 in [0x00, 0x05, 0x85] {
            assert_eq!(FrameHeader::decode(&[v, b1]), Err(ProtocolError::FragmentedControlFrame));
            assert_eq!(FrameHeader::decode(&[0x40 | v, b1]), Err(ProtocolError::FragmentedControlFrame));
        }
        let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
        assert_eq!(dec.decode(&mut [v]).map(|d| d.consumed), Ok(1));
        assert_eq!(dec.decode(&mut [0x00]).map(|d| d.consumed), Err(ProtocolError::FragmentedControlFrame));
        let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
        assert_eq!(dec.decode(&mut [0x80 | v]).map(|d| d.consumed), Ok(1));
        assert_eq!(dec.decode(&mut [0x7e, 0, 200]).map(|d| d.consumed), Err(ProtocolError::ControlFrameTooLong));
    }
    assert_eq!(ProtocolError::ControlFrameTooLong.close_code(), CloseCode(1002));
    assert_eq!(ProtocolError::FragmentedControlFrame.close_code(), CloseCode(1002));
}

/// RFC 6455 §5.2: the RSV bits are decoded from bits 6-4 of the first byte.
#[test]
fn frame_decodes_rfc6455_5_2_rsv_bits() {
    for rsv in 0..8u8 {
        let wire = [0x80 | rsv << 4 | 0x1, 0x00];
        let h = FrameHeader {
            fin: true,
            rsv1: rsv & 4 != 0,
            rsv2: rsv & 2 != 0,
            rsv3: rsv & 1 != 0,
            opcode: Opcode::Text,
            mask: None,
            payload_len: 0,
        };
        check_header_three_ways(&wire, &h);
        check_encodes_to(&h, &wire);
    }
}

/// RFC 6455 §5.2 and RFC 7692 §6: RSV bits only when an extension defines
/// them, and RSV1 never on control or continuation frames.
#[test]
fn frame_rsv_bits_rfc6455_5_2_rfc7692_6_allowed_only_when_negotiated() {
    let opcodes = [Opcode::Continuation, Opcode::Text, Opcode::Binary, Opcode::Close, Opcode::Ping, Opcode::Pong];
    for op in opcodes {
        for rsv in 0..8u8 {
            for allowed in 0..8u8 {
                let h = FrameHeader {
                    fin: true,
                    rsv1: rsv & 4 != 0,
                    rsv2: rsv & 2 != 0,
                    rsv3: rsv & 1 != 0,
                    opcode: op,
                    mask: None,
                    payload_len: 1,
                };
                let rules = HeaderRules { role: Role::Client, allowed_rsv: allowed, max_frame_payload: 100 };
                let rsv1_forbidden_here =
                    matches!(op, Opcode::Continuation | Opcode::Close | Opcode::Ping | Opcode::Pong);
                let ok = rsv & !allowed == 0 && !(rsv & 4 != 0 && rsv1_forbidden_here);
                let expected = if ok { Ok(()) } else { Err(ProtocolError::ReservedBits) };
                assert_eq!(rules.check(&h), expected, "{op:?} rsv {rsv:03b} allowed {allowed:03b}");
            }
        }
    }
    // Through the decoder: no extension, RSV1 on a text frame.
    let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
    let mut wire = [0xC1, 0x01, b'x'];
    assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::ReservedBits));
    // With permessage-deflate's RSV1: text yes, continuation and ping no.
    let deflate = HeaderRules { allowed_rsv: HeaderRules::RSV1, ..HeaderRules::new(Role::Client, 1 << 20) };
    let mut dec = FrameDecoder::new(deflate);
    let mut wire = [0x41, 0x01, b'x'];
    assert!(matches!(dec.decode(&mut wire).unwrap().output, Some(Decoded::Data { header, .. }) if header.rsv1));
    let mut wire = [0xC0, 0x01, b'y'];
    assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::ReservedBits));
    let mut dec = FrameDecoder::new(deflate);
    let mut wire = [0xC9, 0x00];
    assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::ReservedBits));
    assert_eq!(HeaderRules::RSV1, 0b100);
    assert_eq!(ProtocolError::ReservedBits.close_code(), CloseCode(1002));
}

/// RFC 6455 §5.1: a server requires masked frames, a client unmasked ones.
#[test]
fn frame_mask_rfc6455_5_1_required_by_role() {
    for op in [Opcode::Text, Opcode::Continuation, Opcode::Ping] {
        let unmasked = header(op, true, None, 5);
        let masked_h = header(op, true, Some(MASK), 5);
        let server = HeaderRules::new(Role::Server, 1 << 20);
        let client = HeaderRules::new(Role::Client, 1 << 20);
        assert_eq!(server.check(&masked_h), Ok(()));
        assert_eq!(server.check(&unmasked), Err(ProtocolError::UnmaskedFrame));
        assert_eq!(client.check(&unmasked), Ok(()));
        assert_eq!(client.check(&masked_h), Err(ProtocolError::MaskedFrame));
    }
    let unmasked_hello = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let masked_hello = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    let mut dec = FrameDecoder::new(HeaderRules::new(Role::Server, 1 << 20));
    assert_eq!(dec.decode(&mut unmasked_hello.clone()).map(|d| d.consumed), Err(ProtocolError::UnmaskedFrame));
    let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
    let mut buf = masked_hello;
    assert_eq!(dec.decode(&mut buf).map(|d| d.consumed), Err(ProtocolError::MaskedFrame));
    assert_eq!(buf, masked_hello, "nothing unmasked after the error");
    // The mask check waits for the whole header: byte by byte, the error comes with the last key byte.
    let mut dec = FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20));
    for &b in &masked_hello[..5] {
        assert_eq!(dec.decode(&mut [b]).map(|d| d.consumed), Ok(1));
    }
    assert_eq!(dec.decode(&mut [masked_hello[5]]).map(|d| d.consumed), Err(ProtocolError::MaskedFrame));
    assert_eq!(ProtocolError::UnmaskedFrame.close_code(), CloseCode(1002));
    assert_eq!(ProtocolError::MaskedFrame.close_code(), CloseCode(1002));
}

/// Checklist §3: a frame over the configured limit fails with 1009 from its
/// header, before any payload is read.
#[test]
fn frame_too_large_rfc6455_10_4_rejected_from_header() {
    let limit = 1000u64;
    let rules = HeaderRules::new(Role::Server, limit);
    assert_eq!(rules.check(&header(Opcode::Binary, true, Some(MASK), limit)), Ok(()));
    assert_eq!(rules.check(&header(Opcode::Binary, true, Some(MASK), limit + 1)), Err(ProtocolError::FrameTooLarge));
    assert_eq!(rules.check(&header(Opcode::Binary, true, Some(MASK), 1 << 62)), Err(ProtocolError::FrameTooLarge));

    // Only the header present: the error comes at once.
    let mut dec = FrameDecoder::new(rules);
    let mut wire = [0x82, 0xfe, 0x03, 0xe9, 1, 2, 3, 4]; // 1001 bytes announced
    assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::FrameTooLarge));
    // A 64-bit length far beyond the limit, and part of its payload present:
    // the payload bytes are left untouched (not unmasked).
    let payload = vec![0x55u8; 300];
    let mut wire = vec![0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4];
    wire.extend_from_slice(&payload);
    let before = wire.clone();
    let mut dec = FrameDecoder::new(rules);
    assert_eq!(dec.decode(&mut wire).map(|d| d.consumed), Err(ProtocolError::FrameTooLarge));
    assert_eq!(wire, before);
    // Exactly at the limit it passes.
    let plain: Vec<u8> = (0..limit).map(|i| i as u8).collect();
    let frame = wire_frame(0x2, true, 0, Some(MASK), &plain);
    let mut buf = frame.clone();
    let mut dec = FrameDecoder::new(rules);
    let d = dec.decode(&mut buf).unwrap();
    assert_eq!(d.consumed, frame.len());
    assert!(matches!(d.output, Some(Decoded::Data { payload, frame_fin: true, .. }) if payload == &plain[..]));
    assert_eq!(ProtocolError::FrameTooLarge.close_code(), CloseCode(1009));
}

/// Checklist §3-§6: the close code each protocol violation is answered with.
#[test]
fn frame_protocol_errors_close_codes_rfc6455_7_4_1() {
    let protocol_error = CloseCode(1002);
    let cases = [
        (ProtocolError::ReservedOpcode(3), protocol_error),
        (ProtocolError::ReservedOpcode(15), protocol_error),
        (ProtocolError::ReservedBits, protocol_error),
        (ProtocolError::ControlFrameTooLong, protocol_error),
        (ProtocolError::FragmentedControlFrame, protocol_error),
        (ProtocolError::LengthOutOfRange, protocol_error),
        (ProtocolError::UnmaskedFrame, protocol_error),
        (ProtocolError::MaskedFrame, protocol_error),
        (ProtocolError::FrameTooLarge, CloseCode(1009)),
        (ProtocolError::MessageTooLarge, CloseCode(1009)),
        (ProtocolError::InvalidUtf8, CloseCode(1007)),
        (ProtocolError::UnexpectedContinuation, protocol_error),
        (ProtocolError::ExpectedContinuation, protocol_error),
        (ProtocolError::InvalidClosePayload, protocol_error),
        (ProtocolError::InvalidCloseCode(1005), protocol_error),
        (ProtocolError::InvalidCloseCode(0), protocol_error),
    ];
    for (e, code) in cases {
        assert_eq!(e.close_code(), code, "{e:?}");
    }
    // The two the checklist leaves open: whatever they map to must be a
    // code that may be sent.
    for e in [ProtocolError::InvalidCompressedData, ProtocolError::KeepAliveTimeout] {
        assert!(e.close_code().is_valid_on_wire(), "{e:?} -> {}", e.close_code());
    }
    // Every error explains itself.
    for (e, _) in cases {
        assert!(!e.to_string().is_empty());
    }
}
