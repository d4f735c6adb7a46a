//! Arbitrary bytes as the payload of compressed messages: the decompressor
//! never panics, never writes past the output room, and either fails with
//! `Corrupt` or ends each message. Input layout: one flags byte (bit 0: no
//! context takeover, bit 1: release between messages, bits 2-7: output
//! room 1-64), then messages separated by `0xfe`, each fed in chunks of
//! 1-7 bytes taken from its own first byte. Output per message is capped at
//! 1 MiB, as a message size limit would.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::deflate::{Decompressor, DeflateAgreement, DeflateConfig, DeflateError};
use wsmachine::Role;

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let agreement = DeflateAgreement { client_no_context_takeover: flags & 1 != 0, ..Default::default() };
    let config = DeflateConfig { release_between_messages: flags & 2 != 0, ..Default::default() };
    let mut d = Decompressor::new(agreement, Role::Server, &config);
    let mut room = vec![0u8; usize::from(flags >> 2) + 1];
    for message in rest.split(|&b| b == 0xfe).filter(|m| !m.is_empty()) {
        let step = usize::from(message[0] % 7) + 1;
        let chunks: Vec<&[u8]> = message.chunks(step).collect();
        'message: for (i, chunk) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let mut input = *chunk;
            loop {
                match d.decompress(input, &mut room, last) {
                    Ok(p) => {
                        assert!(p.produced <= room.len() && p.consumed <= input.len());
                        input = &input[p.consumed..];
                        if d.message_len() > LIMIT {
                            d.abandon_message();
                            break 'message;
                        }
                        if p.finished {
                            assert!(input.is_empty());
                            break;
                        }
                    }
                    Err(e) => {
                        assert_eq!(e, DeflateError::Corrupt);
                        break 'message;
                    }
                }
            }
        }
    }
});
