//! Encodes a few frames, then decodes them as a server would: a minimal tour
//! of the frame layer. Run with `cargo run --example frames`.
use wsmachine::{
    decode::Decoded, decode::FrameDecoder, frame::FrameHeader, frame::HeaderRules, frame::Opcode, mask::apply_mask,
    Role,
};

fn main() {
    let key = [0x37, 0xfa, 0x21, 0x3d]; // a fixed key keeps the output stable; real clients use fresh random keys
    let mut wire = Vec::new();
    for (opcode, fin, payload) in [
        (Opcode::Text, false, &b"Hel"[..]),
        (Opcode::Ping, true, &b"are you there?"[..]),
        (Opcode::Continuation, true, &b"lo"[..]),
    ] {
        let header = FrameHeader { fin, mask: Some(key), ..FrameHeader::new(opcode, payload.len() as u64) };
        let mut head = [0u8; 14];
        let n = header.encode(&mut head);
        wire.extend_from_slice(&head[..n]);
        let start = wire.len();
        wire.extend_from_slice(payload);
        apply_mask(&mut wire[start..], key, 0);
        println!("encoded {opcode:?} fin={fin}: {:02x?}", &wire[start - n..]);
    }

    let mut decoder = FrameDecoder::new(HeaderRules::new(Role::Server, 1 << 20));
    let mut offset = 0;
    while offset < wire.len() {
        let d = decoder.decode(&mut wire[offset..]).expect("valid frames");
        offset += d.consumed;
        match d.output {
            Some(Decoded::Data { header, payload, frame_fin }) => {
                println!(
                    "data   {:?} fin={} chunk={:?} frame_fin={frame_fin}",
                    header.opcode,
                    header.fin,
                    String::from_utf8_lossy(payload)
                )
            }
            Some(Decoded::Control { header, payload }) => {
                println!("control {:?} payload={:?}", header.opcode, String::from_utf8_lossy(payload))
            }
            None => break,
        }
    }
}
