//! The fast masking path equals the byte-at-a-time reference for any
//! buffer, key, payload offset and start alignment.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::mask::{apply_mask, apply_mask_reference};

#[derive(Arbitrary, Debug)]
struct Input {
    key: [u8; 4],
    offset: usize,
    align: u8,
    buf: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let start = usize::from(input.align % 32).min(input.buf.len());
    let mut fast = input.buf.clone();
    let mut reference = input.buf;
    apply_mask(&mut fast[start..], input.key, input.offset);
    apply_mask_reference(&mut reference[start..], input.key, input.offset);
    assert_eq!(fast, reference);
});
