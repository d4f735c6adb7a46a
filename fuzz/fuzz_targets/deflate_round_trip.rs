//! Compress then decompress, at every agreement: what arrives is what was
//! sent, for any messages, chunkings, flushes and output rooms. Input
//! layout: four parameter bytes (agreement, level and memory level, output
//! rooms, chunk size), then messages separated by `0xfe`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::deflate::codec::MIN_COMPRESS_OUTPUT;
use wsmachine::deflate::{DeflateAgreement, DeflateCodec, DeflateConfig, Flush};
use wsmachine::Role;

fuzz_target!(|data: &[u8]| {
    let Some((&[a, b, c, d], rest)) = data.split_first_chunk::<4>() else { return };
    let agreement = DeflateAgreement {
        server_no_context_takeover: a & 1 != 0,
        client_no_context_takeover: a & 2 != 0,
        server_max_window_bits: (a & 4 != 0).then_some(9 + (a >> 3) % 7),
        client_max_window_bits: (a & 128 != 0).then_some(9 + (a >> 4) % 7),
    };
    let config = DeflateConfig {
        level: b % 10,
        mem_level: 1 + (b >> 4) % 9,
        release_between_messages: b & 8 != 0,
        ..Default::default()
    };
    let role = if d & 1 == 0 { Role::Client } else { Role::Server };
    let peer = if role == Role::Client { Role::Server } else { Role::Client };
    let mut sender = DeflateCodec::new(agreement, role, &config).compressor;
    let mut receiver = DeflateCodec::new(agreement, peer, &config).decompressor;
    let mut out = vec![0u8; MIN_COMPRESS_OUTPUT + usize::from(c & 0x0f) * 7];
    let mut back = vec![0u8; 1 + usize::from(c >> 4) * 11];
    let step = usize::from(d >> 1).max(1);
    for message in rest.split(|&x| x == 0xfe) {
        let mut wire = Vec::new();
        let chunks: Vec<&[u8]> = if message.is_empty() { vec![message] } else { message.chunks(step).collect() };
        for (i, chunk) in chunks.iter().enumerate() {
            let flush = match (i + 1 == chunks.len(), chunk.first().is_some_and(|x| x & 1 == 1)) {
                (true, _) => Flush::Message,
                (false, true) => Flush::Sync,
                (false, false) => Flush::None,
            };
            let mut input = *chunk;
            loop {
                let p = sender.compress(input, &mut out, flush).expect("compressing never fails");
                wire.extend_from_slice(&out[..p.produced]);
                input = &input[p.consumed..];
                if p.finished {
                    break;
                }
            }
        }
        let mut got = Vec::new();
        let mut input = &wire[..];
        loop {
            let p = receiver.decompress(input, &mut back, true).expect("our own output decompresses");
            got.extend_from_slice(&back[..p.produced]);
            input = &input[p.consumed..];
            if p.finished {
                break;
            }
        }
        assert_eq!(got, message);
    }
});
