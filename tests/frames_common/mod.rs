//! Helpers shared by the integration tests: an independent frame writer
//! (byte by byte from RFC 6455 §5.2, not the crate's encoder) and a driver
//! that feeds a byte stream to a `FrameDecoder` in chunks of given sizes.
#![allow(dead_code)]

use wsmachine::{decode::Decoded, decode::FrameDecoder, frame::FrameHeader, frame::Opcode, ProtocolError};

/// One frame as the decoder reports it, its data chunks joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub opcode: Opcode,
    pub fin: bool,
    pub rsv1: bool,
    pub payload: Vec<u8>,
}

/// Writes one frame following RFC 6455 §5.2 directly: minimal length form,
/// payload masked with `mask` when given.
pub fn wire_frame(opcode: u8, fin: bool, rsv: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | ((rsv & 7) << 4) | (opcode & 0x0F)];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    if len <= 125 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xFFFF {
        out.push(mask_bit | 126);
        out.push((len >> 8) as u8);
        out.push(len as u8);
    } else {
        out.push(mask_bit | 127);
        for shift in (0..8).rev() {
            out.push(((len as u64) >> (shift * 8)) as u8);
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// What feeding a whole stream produced: the frames, and the error that
/// stopped the decoder (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub frames: Vec<Frame>,
    pub error: Option<ProtocolError>,
    /// The number of data chunks delivered.
    pub chunks: usize,
}

/// Feeds `wire` to `dec`, appending it to the decoder's input in pieces of
/// the sizes in `chunk_sizes` (cycled; a size of 0 counts as 1), with data
/// chunks limited to `max_chunk` bytes. Checks the chunk-level contract as
/// it goes: chunks of one frame share its header, only the last has
/// `frame_fin`, only an empty frame yields an empty chunk, no chunk is over
/// `max_chunk`, control payloads are whole. After an error it checks the
/// decoder stays failed.
pub fn feed(dec: &mut FrameDecoder, wire: &[u8], chunk_sizes: &[usize], max_chunk: usize) -> Run {
    assert!(max_chunk > 0);
    let mut frames = Vec::new();
    let mut chunks = 0;
    // The data frame being assembled: header, bytes so far.
    let mut current: Option<(FrameHeader, Vec<u8>)> = None;
    let mut input: Vec<u8> = Vec::new();
    let mut fed = 0;
    let mut sizes = chunk_sizes.iter().copied().cycle();
    let mut error = None;
    'outer: while fed < wire.len() || !input.is_empty() {
        if fed < wire.len() {
            let n = sizes.next().unwrap_or(usize::MAX).max(1).min(wire.len() - fed);
            input.extend_from_slice(&wire[fed..fed + n]);
            fed += n;
        }
        loop {
            let d = match dec.decode_limited(&mut input, max_chunk) {
                Ok(d) => d,
                Err(e) => {
                    error = Some(e);
                    break 'outer;
                }
            };
            let consumed = d.consumed;
            let progressed = consumed > 0 || d.output.is_some();
            match d.output {
                None => {}
                Some(Decoded::Control { header, payload }) => {
                    assert!(header.opcode.is_control(), "control output for {header:?}");
                    assert_eq!(payload.len() as u64, header.payload_len, "control payload not whole");
                    frames.push(Frame {
                        opcode: header.opcode,
                        fin: header.fin,
                        rsv1: header.rsv1,
                        payload: payload.to_vec(),
                    });
                }
                Some(Decoded::Data { header, payload, frame_fin }) => {
                    chunks += 1;
                    assert!(!header.opcode.is_control(), "data output for {header:?}");
                    assert!(payload.len() <= max_chunk, "chunk of {} over limit {max_chunk}", payload.len());
                    let (h, bytes) = current.get_or_insert_with(|| (header, Vec::new()));
                    assert_eq!(*h, header, "header changed inside a frame");
                    assert!(!payload.is_empty() || header.payload_len == 0, "empty chunk of a non-empty frame");
                    bytes.extend_from_slice(payload);
                    let done = bytes.len() as u64 == header.payload_len;
                    assert_eq!(frame_fin, done, "frame_fin must be set on the last chunk only");
                    if frame_fin {
                        let (h, payload) = current.take().unwrap();
                        frames.push(Frame { opcode: h.opcode, fin: h.fin, rsv1: h.rsv1, payload });
                    }
                }
            }
            input.drain(..consumed);
            if !progressed {
                break;
            }
        }
        if fed == wire.len() {
            break; // all input given; what is left is an unfinished frame
        }
    }
    if let Some(e) = error {
        // The decoder stays failed, whatever comes next.
        let mut more = wire_frame(0x9, true, 0, None, b"");
        assert_eq!(dec.decode(&mut more).map(|d| d.consumed), Err(e));
        assert_eq!(dec.decode(&mut []).map(|d| d.consumed), Err(e));
    }
    Run { frames, error, chunks }
}

/// Applies the RFC 6455 §5.3 mask byte by byte.
pub fn masked(payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect()
}
