//! Arbitrary bytes in arbitrary chunks to a server connection running
//! permessage-deflate, inflating into a small caller buffer: it must never
//! panic, never hand out more than that buffer, never report "read more"
//! while input it could take remains, and never deliver more than the
//! message limit of inflated bytes (RFC 7692 §7.2.2).
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::deflate::{DeflateAgreement, DeflateConfig};
use wsmachine::{Config, Connection, Event, MaskSource};

#[derive(Arbitrary, Debug)]
struct Case {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    /// Inflate buffer size (0 means 1).
    out_len: u8,
    max_message_size: u16,
    /// Chunk sizes, used in turn (0 means 1).
    chunks: Vec<u8>,
    bytes: Vec<u8>,
}

struct Counter(u32);

impl MaskSource for Counter {
    fn next_mask(&mut self) -> [u8; 4] {
        self.0 = self.0.wrapping_add(0x9E37_79B9);
        self.0.to_be_bytes()
    }
}

fuzz_target!(|case: Case| {
    let agreement = DeflateAgreement {
        server_no_context_takeover: case.server_no_context_takeover,
        client_no_context_takeover: case.client_no_context_takeover,
        ..Default::default()
    };
    let config = Config { max_message_size: u64::from(case.max_message_size), ..Config::DEFAULT };
    let mut conn = Connection::server_with(config, Counter(1)).with_deflate(agreement, DeflateConfig::default());
    let mut out = vec![0u8; usize::from(case.out_len.max(1))];
    let mut pending: Vec<u8> = Vec::new();
    let mut message_len = 0u64;
    let mut input = &case.bytes[..];
    let mut i = 0;
    while !input.is_empty() {
        let size = case.chunks.get(i % case.chunks.len().max(1)).map_or(input.len(), |&c| usize::from(c.max(1)));
        i += 1;
        let take = size.min(input.len());
        pending.extend_from_slice(&input[..take]);
        input = &input[take..];
        loop {
            let (input_range, out_range, len) = (pending.as_ptr_range(), out.as_ptr_range(), pending.len());
            let h = conn.handle_data_into(&mut pending, &mut out);
            assert!(h.consumed <= len);
            let consumed = h.consumed;
            let mut done = false;
            match h.event {
                None => {
                    assert_eq!(consumed, len, "read-more with input left");
                    done = true;
                }
                Some(Event::Data { payload, message_fin, .. }) => {
                    // From the input (plain) or the inflate buffer, nowhere else.
                    assert!(within(payload, &input_range) || within(payload, &out_range));
                    message_len += payload.len() as u64;
                    assert!(message_len <= config.max_message_size);
                    if message_fin {
                        message_len = 0;
                    }
                }
                Some(Event::Closed(_)) => return,
                Some(_) => {}
            }
            pending.drain(..consumed);
            let _ = conn.poll_transmit_vec(&mut Vec::new());
            if done {
                break;
            }
        }
    }
});

/// Whether `payload` lies inside `range`.
fn within(payload: &[u8], range: &core::ops::Range<*const u8>) -> bool {
    let p = payload.as_ptr_range();
    p.start >= range.start && p.end <= range.end
}
