//! permessage-deflate inside `Connection` (RFC 7692 §6, §7.2): compressed
//! messages both ways under several agreements, any input chunking, any
//! inflate buffer size; RSV1 rules; corrupt data; the decompressed size
//! limit against a zip bomb; the RFC's own example frames.
#![cfg(feature = "deflate")]

mod common;

use common::{header, xor, Rng, TestMask, FIN, PING, RSV1, TEXT};
use wsmachine::deflate::{DeflateAgreement, DeflateCodec, DeflateConfig, Flush};
use wsmachine::{Config, Connection, Event, MessageKind, Negotiated, ProtocolError, Role, Termination, UsageError};

type Client = Connection<TestMask>;
type Server = Connection<TestMask>;

fn pair(agreement: DeflateAgreement, config: Config) -> (Client, Server) {
    let dc = DeflateConfig::default();
    let client = Connection::client(config, TestMask::new()).with_deflate(agreement, dc);
    let server = Connection::server_with(config, TestMask::new()).with_deflate(agreement, dc);
    (client, server)
}

/// The agreements the round trips run under: takeover on and off, window
/// bits 15 and 9.
fn agreements() -> Vec<DeflateAgreement> {
    let nct =
        DeflateAgreement { server_no_context_takeover: true, client_no_context_takeover: true, ..Default::default() };
    let w9 =
        DeflateAgreement { server_max_window_bits: Some(9), client_max_window_bits: Some(9), ..Default::default() };
    vec![DeflateAgreement::default(), nct, w9, DeflateAgreement { server_no_context_takeover: true, ..w9 }]
}

/// What the receiver saw: whole messages, or the failure.
#[derive(Debug, Default)]
struct Received {
    messages: Vec<(MessageKind, Vec<u8>)>,
    failed: Option<ProtocolError>,
    /// The largest payload handed out in one event.
    largest_event: usize,
}

/// Feeds `wire` to `conn` in chunks cut by `cut` (sizes), inflating into an
/// `out` of `out_len` bytes; passes unconsumed bytes again, as a caller must.
fn receive<M: wsmachine::MaskSource>(
    conn: &mut Connection<M>,
    wire: &[u8],
    out_len: usize,
    mut cut: impl FnMut() -> usize,
) -> Received {
    let mut got = Received::default();
    let mut out = vec![0u8; out_len];
    let mut pending: Vec<u8> = Vec::new();
    let mut message: Option<(MessageKind, Vec<u8>)> = None;
    let mut at = 0;
    while at < wire.len() || !pending.is_empty() {
        let take = cut().max(1).min(wire.len() - at);
        pending.extend_from_slice(&wire[at..at + take]);
        at += take;
        loop {
            let h = conn.handle_data_into(&mut pending, &mut out);
            let consumed = h.consumed;
            let mut stop = false;
            match h.event {
                None => stop = true,
                Some(Event::Data { kind, payload, frame_fin, message_fin }) => {
                    got.largest_event = got.largest_event.max(payload.len());
                    let m = message.get_or_insert_with(|| (kind, Vec::new()));
                    assert_eq!(m.0, kind);
                    m.1.extend_from_slice(payload);
                    // message_fin implies frame_fin.
                    assert!(!message_fin || frame_fin);
                    if message_fin {
                        got.messages.extend(message.take());
                    }
                }
                Some(Event::Closed(Termination::Failed(e))) => {
                    got.failed = Some(e);
                    return got;
                }
                Some(_) => {}
            }
            pending.drain(..consumed);
            if stop {
                // `None` means "read more": everything given was taken.
                assert!(pending.is_empty(), "input left unprocessed: {}", pending.len());
                break;
            }
        }
        if at == wire.len() {
            break;
        }
    }
    assert!(message.is_none(), "message left unfinished");
    got
}

fn send(conn: &mut Client, kind: MessageKind, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match kind {
        MessageKind::Text => conn.send_text_vec(core::str::from_utf8(data).unwrap(), &mut out).unwrap(),
        MessageKind::Binary => conn.send_binary_vec(data, &mut out).unwrap(),
    };
    out
}

fn message(rng: &mut Rng, kind: MessageKind, len: usize, compressible: bool) -> Vec<u8> {
    match (kind, compressible) {
        (MessageKind::Text, _) => {
            let t = rng.text(len);
            t.into_bytes()
        }
        (MessageKind::Binary, true) => {
            let words: [&[u8]; 4] = [b"alpha ", b"beta ", b"gamma ", b"\x00\x01\x02"];
            let mut v = Vec::with_capacity(len + 8);
            while v.len() < len {
                v.extend_from_slice(words[rng.range(0, 3)]);
            }
            v.truncate(len);
            v
        }
        (MessageKind::Binary, false) => rng.bytes(len),
    }
}

#[test]
fn roundtrip_both_directions_every_agreement_rfc7692_7_2() {
    let sizes = [0usize, 1, 5, 125, 126, 1000, 65_535, 65_536, 300_000];
    for (ai, agreement) in agreements().into_iter().enumerate() {
        for out_len in [1usize, 7, 4096] {
            let mut rng = Rng::new(ai as u64 * 31 + out_len as u64);
            let (mut client, mut server) = pair(agreement, Config::DEFAULT);
            for &len in &sizes {
                if out_len == 1 && len > 70_000 {
                    continue;
                }
                for kind in [MessageKind::Text, MessageKind::Binary] {
                    let compressible = rng.chance(1, 2);
                    let data = message(&mut rng, kind, len, compressible);
                    // Client to server, random splits.
                    let wire = send(&mut client, kind, &data);
                    assert_eq!(wire[0] & RSV1, RSV1, "RSV1 on the first frame");
                    let mut r = rng.clone_state();
                    let got = receive(&mut server, &wire, out_len, || r.range(1, 3000));
                    assert_eq!(got.failed, None);
                    assert!(got.largest_event <= out_len);
                    assert_eq!(got.messages, [(kind, data.clone())], "len {len} out {out_len} {agreement:?}");
                    // Server to client, whole.
                    let mut wire = Vec::new();
                    match kind {
                        MessageKind::Text => server.send_text_vec(core::str::from_utf8(&data).unwrap(), &mut wire),
                        MessageKind::Binary => server.send_binary_vec(&data, &mut wire),
                    }
                    .unwrap();
                    let got = receive(&mut client, &wire, out_len, || usize::MAX);
                    assert_eq!(got.failed, None);
                    assert_eq!(got.messages, [(kind, data)]);
                }
            }
        }
    }
}

/// A helper so the splitting closure owns its own generator.
trait CloneState {
    fn clone_state(&mut self) -> Rng;
}

impl CloneState for Rng {
    fn clone_state(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[test]
fn one_byte_at_a_time_with_tiny_out_rfc7692_7_2_2() {
    for agreement in agreements() {
        let (mut client, mut server) = pair(agreement, Config::DEFAULT);
        let mut rng = Rng::new(7);
        for len in [0usize, 3, 200, 5000] {
            let data = message(&mut rng, MessageKind::Text, len, true);
            let wire = send(&mut client, MessageKind::Text, &data);
            let got = receive(&mut server, &wire, 1, || 1);
            assert_eq!(got.failed, None);
            assert_eq!(got.messages, [(MessageKind::Text, data)]);
        }
    }
}

#[test]
fn one_mebibyte_messages_rfc7692_7_2() {
    let (mut client, mut server) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let mut rng = Rng::new(99);
    for compressible in [true, false] {
        let data = message(&mut rng, MessageKind::Binary, 1 << 20, compressible);
        let wire = send(&mut client, MessageKind::Binary, &data);
        let mut r = rng.clone_state();
        let got = receive(&mut server, &wire, 4096, || r.range(1, 100_000));
        assert_eq!(got.failed, None);
        assert_eq!(got.messages.len(), 1);
        assert!(got.messages[0].1 == data, "1 MiB message differs");
        let got_small = {
            let wire = send(&mut client, MessageKind::Binary, &data);
            receive(&mut server, &wire, 7, || 65_536)
        };
        assert!(got_small.messages[0].1 == data);
    }
}

#[test]
fn slice_send_matches_vec_send_and_fragments_carry_rsv1_on_the_first_only_rfc7692_6() {
    let config = Config { max_outgoing_frame: 100, ..Config::DEFAULT };
    let (mut client, mut server) = pair(DeflateAgreement::default(), config);
    let mut rng = Rng::new(3);
    let data = rng.bytes(1000); // incompressible: several frames after compression
    let mut out = vec![0u8; 2000];
    let n = client.send_binary(&data, &mut out).unwrap();
    let wire = &out[..n];
    // Walk the frames: RSV1 only on the first, FIN only on the last.
    let mut at = 0;
    let mut frames = 0;
    while at < wire.len() {
        let b0 = wire[at];
        assert_eq!(b0 & RSV1 != 0, frames == 0, "RSV1 on frame {frames}");
        let len = (wire[at + 1] & 0x7f) as usize;
        assert!(len <= 100);
        at += 2 + 4 + len;
        frames += 1;
        assert_eq!(b0 & FIN != 0, at == wire.len());
    }
    assert!(frames > 1);
    let got = receive(&mut server, wire, 64, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Binary, data)]);
}

#[test]
fn slice_send_too_small_is_refused_and_the_next_message_still_decodes_rfc7692_7_2_1() {
    let (mut client, mut server) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let mut rng = Rng::new(5);
    let data = rng.bytes(5000);
    let mut small = [0u8; 100];
    assert!(matches!(client.send_binary(&data, &mut small), Err(UsageError::BufferTooSmall(_))));
    let text = "hello hello hello hello";
    let wire = send(&mut client, MessageKind::Text, text.as_bytes());
    let got = receive(&mut server, &wire, 4096, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Text, text.as_bytes().to_vec())]);
}

#[test]
fn threshold_sends_small_messages_uncompressed_rfc7692_6() {
    let agreement = DeflateAgreement::default();
    let dc = DeflateConfig { threshold: 64, ..Default::default() };
    let mut client = Connection::client(Config::DEFAULT, TestMask::new()).with_deflate(agreement, dc);
    let mut server = Connection::server_with(Config::DEFAULT, TestMask::new()).with_deflate(agreement, dc);
    let short = send(&mut client, MessageKind::Text, b"short");
    assert_eq!(short[0], FIN | TEXT, "under the threshold: RSV1 clear");
    let long = send(&mut client, MessageKind::Text, &[b'x'; 100]);
    assert_eq!(long[0], FIN | RSV1 | TEXT);
    let got = receive(&mut server, &[short, long].concat(), 16, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Text, b"short".to_vec()), (MessageKind::Text, vec![b'x'; 100])]);
}

#[test]
fn fragments_and_data_headers_go_uncompressed_rfc7692_6() {
    let (mut client, mut server) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let mut out = [0u8; 64];
    let n = client.send_fragment(MessageKind::Binary, b"abc", false, &mut out).unwrap();
    assert_eq!(out[0] & RSV1, 0);
    let mut wire = out[..n].to_vec();
    let n = client.send_fragment(MessageKind::Binary, b"def", true, &mut out).unwrap();
    wire.extend_from_slice(&out[..n]);
    let got = receive(&mut server, &wire, 8, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Binary, b"abcdef".to_vec())]);
}

#[test]
fn uncompressed_messages_work_on_a_deflate_connection_rfc7692_6() {
    let (_, mut server) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let key = [1, 2, 3, 4];
    let mut wire = header(FIN | TEXT, 5, Some(key));
    wire.extend(xor(b"plain", key));
    // `handle_data` works for uncompressed messages and borrows the input.
    let h = server.handle_data(&mut wire);
    assert_eq!(h.consumed, 11);
    assert!(matches!(h.event, Some(Event::Data { payload: b"plain", message_fin: true, .. })));
}

/// RFC 7692 §7.2.3.1 and §7.2.3.2: the RFC's own frames, server to client.
#[test]
fn rfc_examples_decode_to_hello_rfc7692_7_2_3() {
    let agreement = DeflateAgreement::default();
    let (mut client, _) = pair(agreement, Config::DEFAULT);
    // §7.2.3.1: one frame, then the same message in two fragments.
    let one = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let got = receive(&mut client, &one, 16, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Text, b"Hello".to_vec())]);
    let (mut client, _) = pair(agreement, Config::DEFAULT);
    let two = [0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00];
    let got = receive(&mut client, &two, 1, || 1);
    assert_eq!(got.messages, [(MessageKind::Text, b"Hello".to_vec())]);
    // §7.2.3.2: the second "Hello" refers back into the first (context takeover).
    let (mut client, _) = pair(agreement, Config::DEFAULT);
    let shared = [&one[..], &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]].concat();
    let got = receive(&mut client, &shared, 3, || 2);
    assert_eq!(got.messages, [(MessageKind::Text, b"Hello".to_vec()), (MessageKind::Text, b"Hello".to_vec())]);
    // §7.2.3.3: a stored (uncompressed) DEFLATE block.
    let (mut client, _) = pair(agreement, Config::DEFAULT);
    let stored = [0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
    let got = receive(&mut client, &stored, 2, || usize::MAX);
    assert_eq!(got.messages, [(MessageKind::Text, b"Hello".to_vec())]);
}

#[test]
fn handle_data_without_inflate_buffer_fails_with_1011_rfc7692_7_2_2() {
    let (mut client, _) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let mut one = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let h = client.handle_data(&mut one);
    assert_eq!(h.event, Some(Event::Closed(Termination::Failed(ProtocolError::NoInflateBuffer))));
    assert_eq!(ProtocolError::NoInflateBuffer.close_code().0, 1011);
}

fn fails_with(conn: &mut Client, wire: &[u8], error: ProtocolError) {
    let got = receive(conn, wire, 64, || usize::MAX);
    assert_eq!(got.failed, Some(error));
}

#[test]
fn rsv1_on_continuation_fails_with_1002_rfc7692_6_1() {
    let (mut client, _) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let wire = [0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00];
    fails_with(&mut client, &wire, ProtocolError::ReservedBits);
    assert_eq!(ProtocolError::ReservedBits.close_code().0, 1002);
}

#[test]
fn rsv1_on_control_frame_fails_with_1002_rfc7692_6_1() {
    let (mut client, _) = pair(DeflateAgreement::default(), Config::DEFAULT);
    fails_with(&mut client, &[FIN | RSV1 | PING, 0x00], ProtocolError::ReservedBits);
}

#[test]
fn rsv1_without_agreement_fails_with_1002_rfc7692_6() {
    let mut client = Connection::client(Config::DEFAULT, TestMask::new());
    fails_with(&mut client, &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], ProtocolError::ReservedBits);
}

#[test]
fn corrupt_compressed_data_fails_with_1007_rfc7692_7_2_2() {
    let (mut client, _) = pair(DeflateAgreement::default(), Config::DEFAULT);
    // BFINAL=1 with the reserved block type 11.
    fails_with(&mut client, &[0xc2, 0x02, 0x07, 0x00], ProtocolError::InvalidCompressedData);
    assert_eq!(ProtocolError::InvalidCompressedData.close_code().0, 1007);
}

#[test]
fn invalid_utf8_after_inflating_fails_with_1007_rfc6455_8_1() {
    let (mut client, mut server) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let bad = [b'a', 0xff, b'b'];
    let wire = send(&mut client, MessageKind::Binary, &bad);
    // Same bytes, claimed as text.
    let mut wire = wire;
    wire[0] = (wire[0] & 0xf0) | TEXT;
    let got = receive(&mut server, &wire, 4096, || usize::MAX);
    assert_eq!(got.failed, Some(ProtocolError::InvalidUtf8));
}

/// 16 MiB of zeros compress to a few KiB; with a 1 MiB limit the message
/// must fail with 1009 once 1 MiB is inflated, never holding more than `out`.
#[test]
fn zip_bomb_fails_with_1009_after_bounded_output_rfc7692_7_2_2() {
    let agreement = DeflateAgreement::default();
    let mut codec = DeflateCodec::new(agreement, Role::Client, &DeflateConfig::default());
    let zeros = vec![0u8; 16 << 20];
    let mut compressed = Vec::new();
    codec.compressor.compress_message_vec(&zeros, &mut compressed).unwrap();
    assert!(compressed.len() < 64 << 10, "{}", compressed.len());
    let key = [9, 8, 7, 6];
    let mut wire = header(FIN | RSV1 | 0x2, compressed.len() as u64, Some(key));
    wire.extend(xor(&compressed, key));
    let config = Config { max_message_size: 1 << 20, ..Config::DEFAULT };
    let mut server = Connection::server_with(config, TestMask::new()).with_deflate(agreement, DeflateConfig::default());
    let mut out = vec![0u8; 4096];
    let mut pending = wire;
    let mut delivered = 0usize;
    loop {
        let h = server.handle_data_into(&mut pending, &mut out);
        let consumed = h.consumed;
        match h.event {
            Some(Event::Data { payload, .. }) => delivered += payload.len(),
            Some(Event::Closed(Termination::Failed(e))) => {
                assert_eq!(e, ProtocolError::MessageTooLarge);
                assert_eq!(e.close_code().0, 1009);
                break;
            }
            other => panic!("{other:?}"),
        }
        pending.drain(..consumed);
    }
    assert!(delivered <= 1 << 20, "{delivered}");
    assert!(delivered > (1 << 20) - 4096, "{delivered}");
}

#[test]
fn accepted_and_connected_run_the_agreed_extension_rfc7692_5() {
    let n = Negotiated::new(Role::Server, None, Some("permessage-deflate; server_no_context_takeover"));
    let server = Connection::accepted(&n, Config::DEFAULT).unwrap();
    let agreed = server.deflate_agreement().unwrap();
    assert!(agreed.server_no_context_takeover);
    let n = Negotiated::new(Role::Client, None, Some("permessage-deflate; client_max_window_bits=9"));
    let client = Connection::connected(&n, Config::DEFAULT, TestMask::new()).unwrap();
    assert_eq!(client.deflate_agreement().unwrap().client_max_window_bits, Some(9));
    let n = Negotiated::new(Role::Server, None, Some("x-unknown"));
    assert_eq!(Connection::accepted(&n, Config::DEFAULT).err(), Some(UsageError::UnsupportedExtension));
    let n = Negotiated::new(Role::Server, None, Some("permessage-deflate, permessage-deflate"));
    assert_eq!(Connection::accepted(&n, Config::DEFAULT).err(), Some(UsageError::UnsupportedExtension));
    let n = Negotiated::new(Role::Server, None, None);
    assert_eq!(Connection::accepted(&n, Config::DEFAULT).unwrap().deflate_agreement(), None);
}

#[test]
fn compressed_frame_interleaved_with_ping_rfc7692_7_2_2() {
    let (mut client, _) = pair(DeflateAgreement::default(), Config::DEFAULT);
    let wire = [&[0x41, 0x03, 0xf2, 0x48, 0xcd][..], &[FIN | PING, 0x01, b'p'], &[0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00]]
        .concat();
    let got = receive(&mut client, &wire, 2, || 1);
    assert_eq!(got.failed, None);
    assert_eq!(got.messages, [(MessageKind::Text, b"Hello".to_vec())]);
}

#[test]
fn compressor_api_matches_the_connection_rfc7692_7_2_1() {
    // The connection's compressed payload is what the codec makes on its own.
    let agreement = DeflateAgreement::default();
    let mut codec = DeflateCodec::new(agreement, Role::Server, &DeflateConfig::default());
    let mut expect = [0u8; 64];
    let p = codec.compressor.compress(b"Hello", &mut expect, Flush::Message).unwrap();
    let (_, mut server) = pair(agreement, Config::DEFAULT);
    let mut out = [0u8; 64];
    let n = server.send_text("Hello", &mut out).unwrap();
    assert_eq!(&out[2..n], &expect[..p.produced]);
    assert_eq!(&out[..n], [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
}
