//! The permessage-deflate codec (RFC 7692 §7.2): the RFC's examples, round
//! trips at every agreement and size through odd chunkings, bounded
//! decompression of a bomb, corrupt input, and interop with miniz_oxide.
#![cfg(feature = "deflate")]

use wsmachine::deflate::codec::{MIN_COMPRESS_OUTPUT, TAIL};
use wsmachine::deflate::{
    Compressor, Decompressor, DeflateAgreement, DeflateCodec, DeflateConfig, DeflateError, Flush,
};
use wsmachine::Role;

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// JSON-like text with some random bytes mixed in: compressible, not trivially.
fn sample(len: usize, seed: u64) -> Vec<u8> {
    let mut next = rng(seed);
    let words: [&[u8]; 8] =
        [b"{\"id\":", b"\"name\":\"", b"\",\"tags\":[", b"true", b"null", b"],\"value\":", b"}\n", b"\"ok\","];
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        let r = next();
        if r.is_multiple_of(7) {
            out.extend((0..(r >> 8) % 12).map(|i| (r >> (i % 8 * 8)) as u8));
        } else {
            out.extend_from_slice(words[(r >> 3) as usize % words.len()]);
            out.extend_from_slice(format!("{}", r % 1000).as_bytes());
        }
    }
    out.truncate(len);
    out
}

/// Compresses one message, `input` fed in chunks of `chunk` bytes, output
/// through a window of `out_room` bytes; `sync_each` flushes after each chunk.
fn compress(c: &mut Compressor, input: &[u8], chunk: usize, out_room: usize, sync_each: bool) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut room = vec![0u8; out_room];
    let chunks: Vec<&[u8]> = if input.is_empty() { vec![&[][..]] } else { input.chunks(chunk.max(1)).collect() };
    for (i, part) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        let flush = if last {
            Flush::Message
        } else if sync_each {
            Flush::Sync
        } else {
            Flush::None
        };
        let mut rest = *part;
        loop {
            let p = c.compress(rest, &mut room, flush).unwrap();
            wire.extend_from_slice(&room[..p.produced]);
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
        assert!(rest.is_empty());
    }
    wire
}

/// Decompresses one message given as frames' payload chunks of `chunk`
/// bytes, through an output window of `out_room` bytes.
fn decompress(d: &mut Decompressor, payload: &[u8], chunk: usize, out_room: usize) -> Result<Vec<u8>, DeflateError> {
    let mut text = Vec::new();
    let mut room = vec![0u8; out_room];
    let chunks: Vec<&[u8]> = if payload.is_empty() { vec![&[][..]] } else { payload.chunks(chunk.max(1)).collect() };
    for (i, part) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        let mut rest = *part;
        loop {
            let p = d.decompress(rest, &mut room, last)?;
            assert!(p.produced <= out_room);
            text.extend_from_slice(&room[..p.produced]);
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
    }
    Ok(text)
}

fn codecs(agreement: DeflateAgreement, config: &DeflateConfig) -> (DeflateCodec, DeflateCodec) {
    (DeflateCodec::new(agreement, Role::Client, config), DeflateCodec::new(agreement, Role::Server, config))
}

fn hello_config() -> DeflateConfig {
    DeflateConfig::default()
}

// --- RFC 7692 §7.2.3 examples ---

#[test]
fn hello_compresses_to_the_rfc_bytes_rfc7692_7_2_3_1() {
    let (mut client, mut server) = codecs(DeflateAgreement::default(), &hello_config());
    let wire = compress(&mut client.compressor, b"Hello", 64, 64, false);
    assert_eq!(wire, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(decompress(&mut server.decompressor, &wire, 64, 64).unwrap(), b"Hello");
}

#[test]
fn shared_window_second_message_rfc7692_7_2_3_2() {
    let (mut client, mut server) = codecs(DeflateAgreement::default(), &hello_config());
    assert_eq!(compress(&mut client.compressor, b"Hello", 64, 64, false), [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    // The second "Hello" refers back to the first (context takeover).
    assert_eq!(compress(&mut client.compressor, b"Hello", 64, 64, false), [0xf2, 0x00, 0x11, 0x00, 0x00]);
    assert_eq!(
        decompress(&mut server.decompressor, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 64, 64).unwrap(),
        b"Hello"
    );
    assert_eq!(decompress(&mut server.decompressor, &[0xf2, 0x00, 0x11, 0x00, 0x00], 64, 64).unwrap(), b"Hello");
}

#[test]
fn no_context_takeover_repeats_the_first_form_rfc7692_7_1_1_1() {
    let agreement = DeflateAgreement { client_no_context_takeover: true, ..Default::default() };
    let (mut client, mut server) = codecs(agreement, &hello_config());
    for _ in 0..3 {
        let wire = compress(&mut client.compressor, b"Hello", 64, 64, false);
        assert_eq!(wire, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        assert_eq!(decompress(&mut server.decompressor, &wire, 64, 64).unwrap(), b"Hello");
    }
}

#[test]
fn stored_block_rfc7692_7_2_3_3() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &hello_config());
    let wire = [0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
    assert_eq!(decompress(&mut d, &wire, 3, 2).unwrap(), b"Hello");
    // The context is kept after a stored block too.
    assert_eq!(decompress(&mut d, &[0xf2, 0x00, 0x11, 0x00, 0x00], 64, 64).unwrap(), b"Hello");
}

#[test]
fn final_block_bfinal_rfc7692_7_2_3_4() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &hello_config());
    for _ in 0..2 {
        assert_eq!(decompress(&mut d, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00], 64, 64).unwrap(), b"Hello");
    }
    // Without the extra byte too, and a sync-flushed message after it starts a fresh stream.
    assert_eq!(decompress(&mut d, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 1, 1).unwrap(), b"Hello");
    assert_eq!(decompress(&mut d, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 64, 64).unwrap(), b"Hello");
}

#[test]
fn two_blocks_in_one_message_rfc7692_7_2_3_5() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &hello_config());
    let wire = [0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(decompress(&mut d, &wire, 64, 64).unwrap(), b"Hello");
}

#[test]
fn fragment_ending_in_a_sync_flush_then_empty_last_fragment_rfc7692_7_2_3_6() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &hello_config());
    let mut room = [0u8; 64];
    let first = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff];
    let p = d.decompress(&first, &mut room, false).unwrap();
    assert_eq!((&room[..p.produced], p.finished), (&b"Hello"[..], true));
    let p = d.decompress(&[0x00], &mut room, true).unwrap();
    assert_eq!((p.produced, p.finished), (0, true));
    // Our compressor's fragmented form: a sync flush per fragment, the marker
    // of the last one stripped.
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Client, &hello_config());
    let mut out = [0u8; 64];
    let p = c.compress(b"Hello", &mut out, Flush::Sync).unwrap();
    assert!(p.finished);
    let mut wire = out[..p.produced].to_vec();
    let p = c.compress(b"", &mut out, Flush::Message).unwrap();
    assert!(p.finished);
    wire.extend_from_slice(&out[..p.produced]);
    assert_eq!(wire, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff][..7]);
}

#[test]
fn empty_message_is_one_zero_byte_rfc7692_7_2_3_6() {
    for takeover in [false, true] {
        let agreement = DeflateAgreement { client_no_context_takeover: !takeover, ..Default::default() };
        let (mut client, mut server) = codecs(agreement, &hello_config());
        for msg in [&b""[..], b"Hello", b"", b"", b"Hello"] {
            let wire = compress(&mut client.compressor, msg, 64, 64, false);
            if msg.is_empty() {
                assert_eq!(wire, [0x00]);
            }
            assert_eq!(decompress(&mut server.decompressor, &wire, 64, 64).unwrap(), msg);
        }
    }
}

#[test]
fn tail_is_stripped_rfc7692_7_2_1() {
    for size in [1, 100, 5000, 70000] {
        let mut c = Compressor::new(DeflateAgreement::default(), Role::Server, &hello_config());
        let wire = compress(&mut c, &sample(size, 3), 1000, 4096, false);
        assert!(!wire.ends_with(&TAIL), "{size}");
        // With the tail back on, miniz_oxide sees a complete, sync-flushed stream.
        let mut full = wire.clone();
        full.extend_from_slice(&TAIL);
        full.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
        assert_eq!(miniz_oxide::inflate::decompress_to_vec(&full).map(|v| v.len()).ok(), Some(size));
    }
}

// --- round trips ---

fn agreements() -> Vec<DeflateAgreement> {
    let mut all = Vec::new();
    for snct in [false, true] {
        for cnct in [false, true] {
            for (sw, cw) in [(None, None), (Some(9), Some(9)), (Some(12), Some(15)), (Some(15), Some(10))] {
                all.push(DeflateAgreement {
                    server_no_context_takeover: snct,
                    client_no_context_takeover: cnct,
                    server_max_window_bits: sw,
                    client_max_window_bits: cw,
                });
            }
        }
    }
    all
}

#[test]
fn round_trip_every_agreement_both_directions_rfc7692_7_2() {
    let sizes = [0usize, 1, 2, 5, 100, 1000, 4095, 4096, 33_000, 65_536, 200_001];
    let mut next = rng(7);
    for (ai, agreement) in agreements().into_iter().enumerate() {
        for release in [false, true] {
            let config =
                DeflateConfig { release_between_messages: release, level: (ai % 10) as u8, ..Default::default() };
            let (mut client, mut server) = codecs(agreement, &config);
            for (i, &size) in sizes.iter().enumerate() {
                let msg = sample(size, (ai * 100 + i) as u64);
                let r = next() as usize;
                let (cin, cout, din, dout, sync) = (
                    1 + r % 3000,
                    MIN_COMPRESS_OUTPUT + (r >> 12) % 700,
                    1 + (r >> 24) % 999,
                    1 + (r >> 36) % 5000,
                    r & 1 == 1,
                );
                let wire = compress(&mut client.compressor, &msg, cin, cout, sync);
                assert_eq!(
                    decompress(&mut server.decompressor, &wire, din, dout).unwrap(),
                    msg,
                    "{agreement:?} size {size}"
                );
                let wire = compress(&mut server.compressor, &msg, cout, cin.max(MIN_COMPRESS_OUTPUT), !sync);
                assert_eq!(
                    decompress(&mut client.decompressor, &wire, dout, din).unwrap(),
                    msg,
                    "{agreement:?} size {size}"
                );
            }
            // The halves hold state only when the context must be kept or no release was asked.
            if release && agreement.client_no_context_takeover {
                assert!(!client.compressor.is_allocated() && !server.decompressor.is_allocated());
            }
            if release && agreement.server_no_context_takeover {
                assert!(!server.compressor.is_allocated() && !client.decompressor.is_allocated());
            }
        }
    }
}

#[test]
fn one_mebibyte_messages_round_trip_rfc7692_7_2() {
    let msg = sample(1 << 20, 11);
    let mut random = vec![0u8; 1 << 20];
    let mut next = rng(5);
    random.iter_mut().for_each(|b| *b = next() as u8);
    for agreement in [
        DeflateAgreement::default(),
        DeflateAgreement { client_no_context_takeover: true, client_max_window_bits: Some(9), ..Default::default() },
    ] {
        let (mut client, mut server) = codecs(agreement, &DeflateConfig::default());
        for m in [&msg, &random, &msg] {
            let wire = compress(&mut client.compressor, m, 65_537, 16 * 1024, false);
            assert!(wire.len() <= Compressor::max_compressed_len(m.len()));
            assert_eq!(&decompress(&mut server.decompressor, &wire, 4093, 16 * 1024).unwrap(), m);
            let mut whole = Vec::new();
            client.compressor.compress_message_vec(m, &mut whole).unwrap();
            assert_eq!(&decompress(&mut server.decompressor, &whole, whole.len(), 8 * 1024).unwrap(), m);
        }
    }
}

#[test]
fn compressed_size_within_the_bound_for_random_data_rfc7692_7_2_1() {
    let mut next = rng(99);
    for size in [0, 1, 7, 100, 16_383, 16_384, 65_535, 65_536, 300_000] {
        let data: Vec<u8> = (0..size).map(|_| next() as u8).collect();
        for level in [0, 1, 6, 9] {
            let config = DeflateConfig { level, ..Default::default() };
            let mut c = Compressor::new(DeflateAgreement::default(), Role::Server, &config);
            let mut out = vec![0u8; Compressor::max_compressed_len(size)];
            let p = c.compress(&data, &mut out, Flush::Message).unwrap();
            assert!(p.finished && p.consumed == size, "size {size} level {level}");
        }
    }
}

// --- limits and bad input ---

#[test]
fn bomb_stops_at_the_limit_with_bounded_output_rfc7692_8() {
    // 64 MiB of zeros compress to about 64 KiB; the receiver stops after the
    // first window past its 16 MiB limit.
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Client, &DeflateConfig::default());
    let zeros = vec![0u8; 1 << 20];
    let mut wire = Vec::new();
    let mut room = vec![0u8; 16 * 1024];
    for i in 0..64 {
        let flush = if i == 63 { Flush::Message } else { Flush::None };
        let mut rest = &zeros[..];
        loop {
            let p = c.compress(rest, &mut room, flush).unwrap();
            wire.extend_from_slice(&room[..p.produced]);
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
    }
    assert!(wire.len() < 128 * 1024, "{}", wire.len());
    let limit = 16u64 << 20;
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    let mut window = [0u8; 8192];
    let mut rest = &wire[..];
    let mut total = 0u64;
    let mut calls = 0;
    while total <= limit {
        let p = d.decompress(rest, &mut window, true).unwrap();
        assert!(window[..p.produced].iter().all(|&b| b == 0));
        total += p.produced as u64;
        calls += 1;
        rest = &rest[p.consumed..];
        assert!(!p.finished);
        assert_eq!(d.message_len(), total);
    }
    assert!(total <= limit + window.len() as u64);
    assert!(rest.len() > wire.len() / 2, "stopped early: {} of {} input bytes left", rest.len(), wire.len());
    assert_eq!(calls, (limit / window.len() as u64) + 1);
    d.abandon_message();
    // The decompressor is usable again from a fresh context.
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Client, &DeflateConfig::default());
    let w = compress(&mut c, b"after", 8, MIN_COMPRESS_OUTPUT, false);
    assert_eq!(decompress(&mut d, &w, 8, 8).unwrap(), b"after");
}

#[test]
fn invalid_block_type_is_corrupt_rfc7692_8() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    // BFINAL=1, BTYPE=11 (reserved).
    assert_eq!(decompress(&mut d, &[0x07, 0x00], 8, 8), Err(DeflateError::Corrupt));
    assert_eq!(DeflateError::Corrupt.close_code(), wsmachine::CloseCode::INVALID_PAYLOAD);
    // Stored block whose length does not match its complement.
    assert_eq!(decompress(&mut d, &[0x00, 0x05, 0x00, 0x00, 0x00, 0x48], 8, 8), Err(DeflateError::Corrupt));
    // A distance before the start of the stream.
    let far = [0xf2, 0x00, 0x11, 0x00, 0x00];
    let mut fresh = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    assert_eq!(decompress(&mut fresh, &far, 8, 8), Err(DeflateError::Corrupt));
    // After an error the decompressor starts over.
    assert_eq!(decompress(&mut d, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 8, 8).unwrap(), b"Hello");
}

#[test]
fn random_input_never_panics_and_output_stays_bounded_rfc7692_8() {
    let mut next = rng(1234);
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    let mut window = [0u8; 1024];
    for round in 0..3000 {
        let len = (next() % 300) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 && !data.is_empty() {
            // Start with a valid block header (dynamic or fixed Huffman, not final).
            data[0] = (data[0] & !7) | if round % 2 == 0 { 0b100 } else { 0b010 };
        }
        let mut rest = &data[..];
        let mut out = 0usize;
        for _ in 0..100_000 {
            match d.decompress(rest, &mut window, true) {
                Ok(p) => {
                    assert!(p.produced <= window.len());
                    assert!(
                        p.finished || p.consumed > 0 || p.produced > 0,
                        "no progress on {data:02x?} at {}",
                        data.len() - rest.len()
                    );
                    out += p.produced;
                    rest = &rest[p.consumed..];
                    if p.finished || out > 1 << 20 {
                        break;
                    }
                }
                Err(e) => {
                    assert_eq!(e, DeflateError::Corrupt);
                    break;
                }
            }
        }
        if out > 1 << 20 {
            d.abandon_message();
        }
    }
}

#[test]
fn empty_output_is_refused_without_effect() {
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    assert_eq!(d.decompress(&[0xf2], &mut [], false), Err(DeflateError::OutputTooSmall));
    assert!(!d.is_allocated());
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    assert_eq!(
        c.compress(b"x", &mut [0u8; MIN_COMPRESS_OUTPUT - 1], Flush::Message),
        Err(DeflateError::OutputTooSmall)
    );
    assert!(!c.is_allocated());
}

// --- window bits 8, threshold ---

#[test]
fn window_of_8_bits_sends_uncompressed_rfc7692_7_1_2_2() {
    let agreement = DeflateAgreement { client_max_window_bits: Some(8), ..Default::default() };
    let (mut client, mut server) = codecs(agreement, &DeflateConfig::default());
    assert!(!client.compressor.should_compress(1000));
    assert_eq!(client.compressor.compress(b"x", &mut [0u8; 64], Flush::Message), Err(DeflateError::WindowUnsupported));
    // The server, compressing with 15, and decompressing anything, is unaffected.
    assert!(server.compressor.should_compress(1000));
    let wire = compress(&mut server.compressor, b"Hello", 8, MIN_COMPRESS_OUTPUT, false);
    assert_eq!(decompress(&mut client.decompressor, &wire, 8, 8).unwrap(), b"Hello");
}

#[test]
fn threshold_decides_per_message_rfc7692_6() {
    let config = DeflateConfig { threshold: 64, ..Default::default() };
    let c = Compressor::new(DeflateAgreement::default(), Role::Server, &config);
    assert!(!c.should_compress(63));
    assert!(c.should_compress(64));
    assert!(Compressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default()).should_compress(0));
}

#[test]
fn window_follows_agreement_and_config_rfc7692_7_1_2() {
    let a =
        DeflateAgreement { server_max_window_bits: Some(10), client_max_window_bits: Some(12), ..Default::default() };
    let config = DeflateConfig { send_max_window_bits: 11, ..Default::default() };
    assert_eq!(Compressor::new(a, Role::Server, &config).window_bits(), 10);
    assert_eq!(Compressor::new(a, Role::Client, &config).window_bits(), 11);
    assert_eq!(Compressor::new(DeflateAgreement::default(), Role::Client, &DeflateConfig::default()).window_bits(), 15);
}

/// Inflates a complete raw stream with a `bits` window through 64-byte
/// output chunks, so every back reference beyond the output of the current
/// call must come from the window (zlib checks distances against it only then).
fn inflate_with_window(stream: &[u8], bits: u8) -> Result<Vec<u8>, zlib_rs::InflateError> {
    let mut inflate = zlib_rs::Inflate::new(false, bits);
    let (mut out, mut chunk, mut rest) = (Vec::new(), [0u8; 64], stream);
    loop {
        let before = (inflate.total_in(), inflate.total_out());
        let status = inflate.decompress(rest, &mut chunk, zlib_rs::InflateFlush::NoFlush)?;
        let made = (inflate.total_out() - before.1) as usize;
        out.extend_from_slice(&chunk[..made]);
        rest = &rest[(inflate.total_in() - before.0) as usize..];
        if status == zlib_rs::Status::StreamEnd {
            return Ok(out);
        }
    }
}

#[test]
fn data_compressed_with_window_9_never_reaches_further_rfc7692_7_1_2_1() {
    let msg = sample(100_000, 17);
    let stream = |agreement| {
        let mut c = Compressor::new(agreement, Role::Server, &DeflateConfig::default());
        let mut full = compress(&mut c, &msg, 4096, 4096, false);
        full.extend_from_slice(&TAIL);
        full.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
        full
    };
    let nine = DeflateAgreement { server_max_window_bits: Some(9), ..Default::default() };
    assert_eq!(inflate_with_window(&stream(nine), 9).unwrap(), msg);
    // The same text at 15 bits does reach further: the check has teeth.
    assert!(inflate_with_window(&stream(DeflateAgreement::default()), 9).is_err());
    assert_eq!(inflate_with_window(&stream(DeflateAgreement::default()), 15).unwrap(), msg);
}

// --- interop with miniz_oxide ---

#[test]
fn our_output_inflates_with_miniz_oxide_rfc7692_7_2_1() {
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Client, &DeflateConfig::default());
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    for (i, size) in [0usize, 10, 1000, 50_000, 3].into_iter().enumerate() {
        let msg = sample(size, i as u64);
        stream.extend_from_slice(&compress(&mut c, &msg, 777, 333, i % 2 == 0));
        stream.extend_from_slice(&TAIL);
        expected.extend_from_slice(&msg);
    }
    // Context takeover: the messages are one stream; end it with an empty final block.
    stream.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    assert_eq!(miniz_oxide::inflate::decompress_to_vec(&stream).unwrap(), expected);
}

#[test]
fn miniz_oxide_output_decompresses_rfc7692_7_2_2() {
    use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
    use miniz_oxide::deflate::stream::deflate;
    use miniz_oxide::MZFlush;
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    let mut oxide = CompressorOxide::new(create_comp_flags_from_zip_params(6, -15, 0));
    for (i, size) in [0usize, 10, 1000, 50_000, 3, 100_000].into_iter().enumerate() {
        let msg = sample(size, 40 + i as u64);
        // Sync-flushed messages sharing one stream (context takeover), tail stripped.
        let mut out = vec![0u8; size * 2 + 64];
        let r = deflate(&mut oxide, &msg, &mut out, MZFlush::Sync);
        assert!(r.status.is_ok() && r.bytes_consumed == size);
        let mut wire = out[..r.bytes_written].to_vec();
        assert!(wire.ends_with(&TAIL));
        wire.truncate(wire.len() - 4);
        assert_eq!(decompress(&mut d, &wire, 1000, 4096).unwrap(), msg);
    }
    // A one-shot stream with a final block, message after message.
    for size in [0usize, 5, 70_000] {
        let msg = sample(size, size as u64);
        let wire = miniz_oxide::deflate::compress_to_vec(&msg, 6);
        assert_eq!(decompress(&mut d, &wire, 100, 100).unwrap(), msg);
    }
}

#[test]
fn smallest_output_rooms_terminate_and_round_trip_rfc7692_7_2_1() {
    // When a flush fills the output exactly, zlib writes another empty
    // marker on the next call: with the smallest rooms that must still end.
    for room in MIN_COMPRESS_OUTPUT..MIN_COMPRESS_OUTPUT + 24 {
        let (mut client, mut server) = codecs(DeflateAgreement::default(), &DeflateConfig::default());
        for (i, size) in [0usize, 1, 5, 100, 3000, 0].into_iter().enumerate() {
            let msg = sample(size, (room * 10 + i) as u64);
            let wire = compress(&mut client.compressor, &msg, 1 + size / 3, room, i % 2 == 0);
            assert_eq!(decompress(&mut server.decompressor, &wire, 7, 1).unwrap(), msg, "room {room} size {size}");
        }
    }
}
