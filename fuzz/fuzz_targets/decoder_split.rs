//! `FrameDecoder` gives the same frames (or the same error) whatever way
//! the input is split. Input layout: one byte `n`, then `n % 16` split
//! sizes, then the byte stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::{decode::Decoded, decode::FrameDecoder, frame::HeaderRules, ProtocolError, Role};

/// (opcode, FIN, payload) per frame; the last entry may be an unfinished data frame.
type Frames = Vec<(u8, bool, Vec<u8>)>;

fn run(stream: &[u8], sizes: &[u8], max_chunk: usize) -> (Frames, Option<ProtocolError>) {
    let mut dec = FrameDecoder::new(HeaderRules::new(Role::Server, 4096));
    let (mut frames, mut partial): (Frames, Option<(u8, bool, Vec<u8>)>) = (Vec::new(), None);
    let mut input = Vec::new();
    let mut pieces = sizes.iter().map(|&s| usize::from(s).max(1)).chain(core::iter::repeat(usize::MAX));
    let mut fed = 0;
    while fed < stream.len() {
        let n = pieces.next().unwrap().min(stream.len() - fed);
        input.extend_from_slice(&stream[fed..fed + n]);
        fed += n;
        loop {
            let d = match dec.decode_limited(&mut input, max_chunk) {
                Ok(d) => d,
                Err(e) => {
                    frames.extend(partial);
                    return (frames, Some(e));
                }
            };
            let (consumed, progress) = (d.consumed, d.consumed > 0 || d.output.is_some());
            match d.output {
                Some(Decoded::Control { header, payload }) => {
                    frames.push((header.opcode as u8, header.fin, payload.to_vec()))
                }
                Some(Decoded::Data { header, payload, frame_fin }) => {
                    let f = partial.get_or_insert_with(|| (header.opcode as u8, header.fin, Vec::new()));
                    f.2.extend_from_slice(payload);
                    if frame_fin {
                        frames.extend(partial.take());
                    }
                }
                None => {}
            }
            input.drain(..consumed);
            if !progress {
                break;
            }
        }
    }
    frames.extend(partial);
    (frames, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let (sizes, stream) = rest.split_at(usize::from(n % 16).min(rest.len()));
    let whole = run(stream, &[], usize::MAX);
    assert_eq!(run(stream, sizes, usize::MAX), whole);
    assert_eq!(run(stream, sizes, 7), whole);
    assert_eq!(run(stream, &[1], usize::MAX), whole);
});
