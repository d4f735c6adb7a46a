//! Property tests (RFC 6455 §5.2): random headers encode -> decode
//! identically; random frame streams come back whole through the decoder
//! under random chunking.

mod frames_common;
use frames_common as common;

use common::{feed, wire_frame, Frame};
use proptest::prelude::*;
use wsmachine::{decode::FrameDecoder, frame::FrameHeader, frame::HeaderRules, frame::Opcode, ProtocolError, Role};

fn opcode() -> impl Strategy<Value = Opcode> {
    prop_oneof![
        Just(Opcode::Continuation),
        Just(Opcode::Text),
        Just(Opcode::Binary),
        Just(Opcode::Close),
        Just(Opcode::Ping),
        Just(Opcode::Pong),
    ]
}

/// Lengths spread over the three length forms and their edges, below 2^63.
fn payload_len() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..=125,
        126u64..=0xFFFF,
        0x1_0000u64..(1 << 63),
        prop::sample::select(vec![0u64, 125, 126, 127, 0xFFFF, 0x1_0000, (1 << 32) - 1, 1 << 32, (1 << 63) - 1]),
    ]
}

fn any_header() -> impl Strategy<Value = FrameHeader> {
    (opcode(), any::<bool>(), any::<[bool; 3]>(), any::<Option<[u8; 4]>>(), payload_len()).prop_map(
        |(opcode, fin, [rsv1, rsv2, rsv3], mask, payload_len)| FrameHeader {
            fin,
            rsv1,
            rsv2,
            rsv3,
            opcode,
            mask,
            payload_len,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Any header encodes in the minimal form and decodes to itself, unless
    /// it breaks a control-frame rule, which decoding then reports.
    #[test]
    fn roundtrip_header_rfc6455_5_2_encode_decode(h in any_header(), trailing in proptest::collection::vec(any::<u8>(), 0..16)) {
        let mut out = [0u8; 14];
        let n = h.encode(&mut out);
        prop_assert_eq!(n, h.encoded_len());
        // Minimal form: the length field size follows the value.
        let len_bytes = match h.payload_len { 0..=125 => 0, 126..=0xFFFF => 2, _ => 8 };
        prop_assert_eq!(n, 2 + len_bytes + if h.mask.is_some() { 4 } else { 0 });
        let mut wire = out[..n].to_vec();
        wire.extend_from_slice(&trailing);
        let expected = if h.opcode.is_control() && !h.fin {
            Err(ProtocolError::FragmentedControlFrame)
        } else if h.opcode.is_control() && h.payload_len > 125 {
            Err(ProtocolError::ControlFrameTooLong)
        } else {
            Ok(Some((h, n)))
        };
        prop_assert_eq!(FrameHeader::decode(&wire), expected);
        if expected.is_ok() {
            for k in 0..n {
                prop_assert_eq!(FrameHeader::decode(&wire[..k]), Ok(None));
            }
        }
        let mut into = vec![0u8; n + trailing.len()];
        prop_assert_eq!(h.encode_into(&mut into), Ok(n));
        prop_assert_eq!(&into[..n], &out[..n]);
    }
}

/// One random frame of a stream: opcode, FIN (data frames only), payload, mask key.
fn frame() -> impl Strategy<Value = (u8, bool, Vec<u8>, [u8; 4])> {
    (
        prop::sample::select(vec![0x0u8, 0x1, 0x2, 0x8, 0x9, 0xA]),
        any::<bool>(),
        prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..=125),
            1 => proptest::collection::vec(any::<u8>(), 126..700),
        ],
        any::<[u8; 4]>(),
    )
        .prop_map(|(op, fin, mut payload, key)| {
            if op >= 8 {
                payload.truncate(125);
                (op, true, payload, key)
            } else {
                (op, fin, payload, key)
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Masked frames (client to server) through the decoder with random
    /// chunk sizes and chunk limits give back every payload.
    #[test]
    fn roundtrip_frames_rfc6455_5_3_decoder_random_chunking(
        frames in proptest::collection::vec(frame(), 0..12),
        sizes in proptest::collection::vec(1usize..200, 1..20),
        max_chunk in prop_oneof![Just(usize::MAX), 1usize..300],
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (op, fin, payload, key) in &frames {
            wire.extend(wire_frame(*op, *fin, 0, Some(*key), payload));
            expected.push(Frame { opcode: Opcode::from_u8(*op).unwrap(), fin: *fin, rsv1: false, payload: payload.clone() });
        }
        let mut dec = FrameDecoder::new(HeaderRules::new(Role::Server, 1 << 16));
        let run = feed(&mut dec, &wire, &sizes, max_chunk);
        prop_assert_eq!(run.error, None);
        prop_assert_eq!(run.frames, expected);
        prop_assert!(dec.at_frame_boundary());
    }

    /// The same stream unmasked, as a client receives it.
    #[test]
    fn roundtrip_frames_rfc6455_5_1_client_unmasked(
        frames in proptest::collection::vec(frame(), 0..12),
        sizes in proptest::collection::vec(1usize..64, 1..20),
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (op, fin, payload, _) in &frames {
            wire.extend(wire_frame(*op, *fin, 0, None, payload));
            expected.push(Frame { opcode: Opcode::from_u8(*op).unwrap(), fin: *fin, rsv1: false, payload: payload.clone() });
        }
        let run = feed(&mut FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 16)), &wire, &sizes, usize::MAX);
        prop_assert_eq!(run.error, None);
        prop_assert_eq!(run.frames, expected);
    }

    /// Any byte stream gives the same frames, or the same error, whatever the chunking.
    #[test]
    fn roundtrip_garbage_rfc6455_5_2_same_result_any_chunking(
        wire in proptest::collection::vec(any::<u8>(), 0..400),
        a in proptest::collection::vec(1usize..40, 1..10),
        b in proptest::collection::vec(1usize..40, 1..10),
    ) {
        let rules = HeaderRules::new(Role::Server, 300);
        let whole = feed(&mut FrameDecoder::new(rules), &wire, &[wire.len().max(1)], usize::MAX);
        let split_a = feed(&mut FrameDecoder::new(rules), &wire, &a, usize::MAX);
        let split_b = feed(&mut FrameDecoder::new(rules), &wire, &b, 7);
        prop_assert_eq!(&whole.frames, &split_a.frames);
        prop_assert_eq!(&whole.frames, &split_b.frames);
        prop_assert_eq!(whole.error, split_a.error);
        prop_assert_eq!(whole.error, split_b.error);
    }
}
