//! `FrameDecoder` over streams of frames (RFC 6455 §5.2-§5.5): payload
//! chunks unmasked in place, control frames whole, limits, failure, and the
//! same output whatever the input chunking.

mod frames_common;
use frames_common as common;

use common::{feed, wire_frame, Frame};
use wsmachine::{
    decode::Decoded, decode::FrameDecoder, decode::RawOutput, frame::HeaderRules, frame::Opcode, ProtocolError, Role,
};

const KEY: [u8; 4] = [0xa1, 0xb2, 0xc3, 0xd4];

fn server() -> FrameDecoder {
    FrameDecoder::new(HeaderRules::new(Role::Server, 1 << 20))
}

fn client() -> FrameDecoder {
    FrameDecoder::new(HeaderRules::new(Role::Client, 1 << 20))
}

fn f(opcode: Opcode, fin: bool, payload: &[u8]) -> Frame {
    Frame { opcode, fin, rsv1: false, payload: payload.to_vec() }
}

/// A text message in three fragments with a ping and a pong between them,
/// then a close, all masked (client to server), with keys that differ per frame.
fn interleaved_stream() -> (Vec<u8>, Vec<Frame>) {
    let big: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let parts: [(u8, bool, &[u8]); 7] = [
        (0x1, false, "Hé".as_bytes()),
        (0x9, true, b"ping!"),
        (0x0, false, &big),
        (0xA, true, b""),
        (0x0, false, b""),
        (0x0, true, "llo €".as_bytes()),
        (0x8, true, b"\x03\xe8bye"),
    ];
    let mut wire = Vec::new();
    let mut frames = Vec::new();
    for (i, (op, fin, payload)) in parts.into_iter().enumerate() {
        let key = [KEY[0], KEY[1], i as u8, 0x40 + i as u8];
        wire.extend(wire_frame(op, fin, 0, Some(key), payload));
        frames.push(f(Opcode::from_u8(op).unwrap(), fin, payload));
    }
    (wire, frames)
}

/// A small deterministic generator for chunk sizes.
fn lcg_sizes(seed: u64, n: usize, max: usize) -> Vec<usize> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as usize % max + 1
        })
        .collect()
}

/// RFC 6455 §5.4/§5.5: control frames between data fragments come out
/// whole and in order, whatever the chunking of the input.
#[test]
fn decoder_same_frames_rfc6455_5_4_whatever_the_chunking() {
    let (wire, expected) = interleaved_stream();
    let mut chunkings: Vec<Vec<usize>> = vec![vec![wire.len()], vec![1], vec![2], vec![3], vec![7], vec![13], vec![64]];
    for seed in 0..20 {
        chunkings.push(lcg_sizes(seed, 50, 40));
    }
    for sizes in &chunkings {
        for max_chunk in [usize::MAX, 1, 5, 100] {
            let run = feed(&mut server(), &wire, sizes, max_chunk);
            assert_eq!(run.error, None, "sizes {sizes:?}");
            assert_eq!(run.frames, expected, "sizes {sizes:?} max_chunk {max_chunk}");
        }
    }
}

/// RFC 6455 §5.3: a masked payload is unmasked in the caller's buffer, and the
/// chunk handed out is that very part of the buffer.
#[test]
fn decoder_unmasks_in_place_rfc6455_5_3() {
    let plain = b"in place, no copy";
    let mut wire = wire_frame(0x2, true, 0, Some(KEY), plain);
    let header_len = 6;
    let base = wire.as_ptr() as usize;
    let mut dec = server();
    let d = dec.decode(&mut wire).unwrap();
    match d.output {
        Some(Decoded::Data { payload, frame_fin: true, .. }) => {
            assert_eq!(payload.as_ptr() as usize, base + header_len, "chunk is not the caller's bytes");
            assert_eq!(&payload[..], plain);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(&wire[header_len..], plain, "buffer not unmasked in place");
    // An unmasked frame (server to client) is handed out as it is.
    let mut wire = wire_frame(0x2, true, 0, None, plain);
    let mut dec = client();
    let d = dec.decode(&mut wire).unwrap();
    assert!(matches!(d.output, Some(Decoded::Data { payload, .. }) if &payload[..] == plain));
}

/// A payload that arrives in pieces is unmasked piece by piece with the
/// right key offset, and only the last piece has `frame_fin`.
#[test]
fn decoder_data_chunks_rfc6455_5_3_frame_fin_on_last_only() {
    let plain: Vec<u8> = (0..301u32).map(|i| (i * 3) as u8).collect();
    let wire = wire_frame(0x1, false, 0, Some(KEY), &plain);
    for piece in [1, 2, 3, 4, 5, 63, 64, 65, 300] {
        let mut dec = server();
        let mut got = Vec::new();
        let mut fins = Vec::new();
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let n = piece.min(rest.len());
            let mut buf = rest[..n].to_vec();
            let d = dec.decode(&mut buf).unwrap();
            assert_eq!(d.consumed, n, "a data frame's bytes are consumed as they come");
            if let Some(Decoded::Data { header, payload, frame_fin }) = d.output {
                assert!(!header.fin && header.opcode == Opcode::Text);
                got.extend_from_slice(payload);
                fins.push(frame_fin);
            }
            rest = &rest[n..];
        }
        assert_eq!(got, plain, "piece {piece}");
        assert_eq!(fins.last(), Some(&true));
        assert!(fins[..fins.len() - 1].iter().all(|f| !f), "frame_fin before the last chunk");
        assert!(dec.at_frame_boundary());
    }
}

/// RFC 6455 §5.6: zero-length data frames are legal; each yields one empty chunk.
#[test]
fn decoder_empty_data_frames_rfc6455_5_6_one_empty_chunk() {
    for (op, opcode) in [(0x1, Opcode::Text), (0x2, Opcode::Binary), (0x0, Opcode::Continuation)] {
        for fin in [true, false] {
            let mut wire = wire_frame(op, fin, 0, Some(KEY), b"");
            let mut dec = server();
            let d = dec.decode(&mut wire).unwrap();
            assert_eq!(d.consumed, 6);
            match d.output {
                Some(Decoded::Data { header, payload, frame_fin }) => {
                    assert_eq!((header.opcode, header.fin, payload.len(), frame_fin), (opcode, fin, 0, true));
                }
                other => panic!("{other:?}"),
            }
            assert!(dec.at_frame_boundary());
            // Nothing more comes out of no input.
            assert_eq!(dec.decode(&mut []).unwrap().output, None);
        }
    }
    // Several in a row, through the chunking driver: one chunk each.
    let mut wire = Vec::new();
    for _ in 0..4 {
        wire.extend(wire_frame(0x2, true, 0, None, b""));
    }
    for sizes in [vec![1], vec![3], vec![100]] {
        let run = feed(&mut client(), &wire, &sizes, usize::MAX);
        assert_eq!(run.frames, vec![f(Opcode::Binary, true, b""); 4]);
        assert_eq!(run.chunks, 4);
    }
}

/// RFC 6455 §5.5: a control frame split across calls is delivered once, whole.
#[test]
fn decoder_control_frame_rfc6455_5_5_whole_when_split() {
    let plain: Vec<u8> = (0..125u8).map(|i| i.wrapping_mul(7)).collect();
    let wire = wire_frame(0x9, true, 0, Some(KEY), &plain);
    for piece in 1..=wire.len() {
        let mut dec = server();
        let mut outputs = 0;
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let n = piece.min(rest.len());
            let mut buf = rest[..n].to_vec();
            let d = dec.decode(&mut buf).unwrap();
            assert_eq!(d.consumed, n);
            match d.output {
                None => assert!(rest.len() > n, "no output at the end of a whole ping"),
                Some(Decoded::Control { header, payload }) => {
                    assert_eq!((header.opcode, payload), (Opcode::Ping, &plain[..]));
                    assert_eq!(rest.len(), n, "ping delivered before its last byte");
                    outputs += 1;
                }
                Some(other) => panic!("{other:?}"),
            }
            if rest.len() > n {
                assert!(dec.buffered() <= 14 + 125);
            }
            rest = &rest[n..];
        }
        assert_eq!(outputs, 1, "piece {piece}");
        assert_eq!(dec.buffered(), 0);
    }
}

/// `decode_limited` never hands out more than the limit and the pieces
/// still join to the payload.
#[test]
fn decoder_decode_limited_rfc6455_5_3_respects_limit() {
    let plain: Vec<u8> = (0..1000u32).map(|i| (i ^ (i >> 3)) as u8).collect();
    let wire = wire_frame(0x2, true, 0, Some(KEY), &plain);
    for limit in [1, 3, 4, 64, 999, 1000, 5000] {
        let mut buf = wire.clone();
        let mut dec = server();
        let mut pos = 0;
        let mut got = Vec::new();
        let mut chunks = 0;
        loop {
            let d = dec.decode_limited(&mut buf[pos..], limit).unwrap();
            pos += d.consumed;
            match d.output {
                Some(Decoded::Data { payload, frame_fin, .. }) => {
                    assert!(payload.len() <= limit && !payload.is_empty());
                    got.extend_from_slice(payload);
                    chunks += 1;
                    if frame_fin {
                        break;
                    }
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(pos, wire.len());
        assert_eq!(got, plain);
        assert_eq!(chunks, plain.len().div_ceil(limit.min(plain.len())));
    }
    // Control frames are not split by the limit.
    let mut wire = wire_frame(0x9, true, 0, Some(KEY), b"a whole ping");
    let mut dec = server();
    let d = dec.decode_limited(&mut wire, 2).unwrap();
    assert!(matches!(d.output, Some(Decoded::Control { payload, .. }) if payload == b"a whole ping"));
    // An empty frame still yields its empty chunk under any limit.
    let mut wire = wire_frame(0x2, true, 0, Some(KEY), b"");
    let mut dec = server();
    let d = dec.decode_limited(&mut wire, 1).unwrap();
    assert!(matches!(d.output, Some(Decoded::Data { payload, frame_fin: true, .. }) if payload.is_empty()));
}

/// After a protocol error the decoder stays failed, with the same error.
#[test]
fn decoder_stays_failed_rfc6455_7_1_7_after_error() {
    let (good, _) = interleaved_stream();
    let bad_frames: [(Vec<u8>, ProtocolError); 5] = [
        (vec![0x83, 0x80, 0, 0, 0, 0], ProtocolError::ReservedOpcode(3)),
        (vec![0xA1, 0x80, 0, 0, 0, 0], ProtocolError::ReservedBits),
        (vec![0x09, 0x80, 0, 0, 0, 0], ProtocolError::FragmentedControlFrame),
        (wire_frame(0x1, true, 0, None, b"x"), ProtocolError::UnmaskedFrame),
        (vec![0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0], ProtocolError::LengthOutOfRange),
    ];
    for (bad, err) in bad_frames {
        // Good frames first, then the bad one, then more good frames.
        let mut wire = good.clone();
        wire.extend_from_slice(&bad);
        wire.extend_from_slice(&good);
        for sizes in [vec![1], vec![5], vec![wire.len()]] {
            let mut dec = server();
            let run = feed(&mut dec, &wire, &sizes, usize::MAX);
            assert_eq!(run.error, Some(err));
            assert_eq!(run.frames, interleaved_stream().1, "frames before the error are all delivered");
            // `feed` checked two more calls; one more with a valid frame for good measure.
            let mut ping = wire_frame(0x9, true, 0, Some(KEY), b"");
            assert_eq!(dec.decode_limited(&mut ping, 10).map(|d| d.consumed), Err(err));
        }
    }
}

/// RFC 6455 §5.2: frames of every length form follow one another in one
/// buffer; each is consumed exactly.
#[test]
fn decoder_consecutive_frames_rfc6455_5_2_length_forms() {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (i, len) in [0usize, 1, 125, 126, 127, 65535, 65536, 70000].into_iter().enumerate() {
        let plain: Vec<u8> = (0..len).map(|j| (j * 31 + i) as u8).collect();
        let key = [i as u8, 0x11, 0x22, 0x33];
        wire.extend(wire_frame(0x2, true, 0, Some(key), &plain));
        expected.push(f(Opcode::Binary, true, &plain));
        wire.extend(wire_frame(0xA, true, 0, Some(key), &plain[..len.min(125)]));
        expected.push(f(Opcode::Pong, true, &plain[..len.min(125)]));
    }
    for sizes in [vec![wire.len()], vec![1000], lcg_sizes(7, 100, 5000)] {
        let run = feed(&mut server(), &wire, &sizes, usize::MAX);
        assert_eq!(run.error, None);
        assert_eq!(run.frames, expected);
    }
}

/// With RSV1 allowed (permessage-deflate), the bit is reported on the frame.
#[test]
fn decoder_reports_rsv1_rfc7692_6_when_allowed() {
    let rules = HeaderRules { allowed_rsv: HeaderRules::RSV1, ..HeaderRules::new(Role::Client, 1 << 20) };
    let mut wire = wire_frame(0x1, false, 0b100, None, b"compressed");
    wire.extend(wire_frame(0x0, true, 0, None, b"more"));
    let run = feed(&mut FrameDecoder::new(rules), &wire, &[3], usize::MAX);
    assert_eq!(
        run.frames,
        vec![
            Frame { opcode: Opcode::Text, fin: false, rsv1: true, payload: b"compressed".to_vec() },
            f(Opcode::Continuation, true, b"more"),
        ]
    );
}

/// The decoder's view of where it stands, between and inside frames.
#[test]
fn decoder_state_queries_rfc6455_5_2() {
    let plain = [7u8; 10];
    let wire = wire_frame(0x2, true, 0, Some(KEY), &plain);
    let mut dec = server();
    assert!(dec.at_frame_boundary());
    assert_eq!(dec.rules(), &HeaderRules::new(Role::Server, 1 << 20));
    let mut head = wire[..3].to_vec();
    assert_eq!(dec.decode(&mut head).unwrap().consumed, 3);
    assert_eq!((dec.buffered(), dec.at_frame_boundary(), dec.current_frame()), (3, false, None));
    let mut rest = wire[3..10].to_vec(); // rest of the header and 4 payload bytes
    let d = dec.decode(&mut rest).unwrap();
    assert_eq!(d.consumed, 7);
    assert!(matches!(d.output, Some(Decoded::Data { payload, frame_fin: false, .. }) if payload == &plain[..4]));
    assert_eq!(dec.remaining_payload(), 6);
    assert_eq!(dec.current_frame().map(|h| h.payload_len), Some(10));
    assert_eq!(dec.buffered(), 0, "data payload is never buffered");
    let mut tail = wire[10..].to_vec();
    let d = dec.decode(&mut tail).unwrap();
    assert!(matches!(d.output, Some(Decoded::Data { payload, frame_fin: true, .. }) if payload == &plain[4..]));
    assert!(dec.at_frame_boundary());
    // New rules apply from the next header.
    dec.set_rules(HeaderRules::new(Role::Server, 5));
    let mut again = wire.clone();
    assert_eq!(dec.decode(&mut again).map(|d| d.consumed), Err(ProtocolError::FrameTooLarge));
    // The payload went over the wire masked (RFC 6455 §5.3: octet i XOR
    // key[i mod 4], after the 2 + 4 header bytes), so the plain chunks above
    // were unmasked by the decoder, not passed through.
    let on_wire: Vec<u8> = plain.iter().zip(KEY.iter().cycle()).map(|(p, k)| p ^ k).collect();
    assert_eq!(&wire[6..], &on_wire[..]);
    assert_ne!(&wire[6..], &plain[..]);
}

#[test]
fn unread_rewinds_without_unmasking_twice_rfc6455_5_3() {
    let plain: Vec<u8> = (0..40u8).collect();
    let mut wire = wire_frame(0x2, true, 0, Some(KEY), &plain);
    wire.extend(wire_frame(0x2, true, 0, Some(KEY), b"next"));
    let mut dec = server();
    let mut got = Vec::new();
    let mut at = 0;
    let mut giveback = [5usize, 0, 7, 3, 30].into_iter().cycle();
    let mut frames = 0;
    while at < wire.len() {
        let raw = dec.decode_raw(&mut wire[at..], 13).unwrap();
        match raw.output {
            Some(RawOutput::Data { header, start, end, frame_fin }) => {
                let back = giveback.next().unwrap().min((end - start).saturating_sub(1));
                got.extend_from_slice(&wire[at + start..at + end - back]);
                dec.unread(header, back);
                at += raw.consumed - back;
                if frame_fin && back == 0 {
                    frames += 1;
                    if frames == 1 {
                        assert_eq!(got, plain);
                        got.clear();
                    }
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, b"next");
    assert_eq!(frames, 2);
    assert!(dec.at_frame_boundary());
}
