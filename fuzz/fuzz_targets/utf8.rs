//! The incremental validator agrees with `core::str::from_utf8` on the
//! concatenation of the chunks, for any chunking. Input layout: one byte
//! `n`, then `n % 8` chunk sizes, then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::utf8::Utf8Validator;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let (sizes, mut text) = rest.split_at(usize::from(n % 8).min(rest.len()));
    let expected = core::str::from_utf8(text).is_ok();
    let mut v = Utf8Validator::new();
    let mut ok = true;
    for &size in sizes.iter().chain(core::iter::once(&u8::MAX)) {
        let (chunk, next) = text.split_at(usize::from(size).min(text.len()));
        text = next;
        ok = v.feed(chunk).is_ok();
        if !ok || text.is_empty() {
            break;
        }
    }
    if ok && !text.is_empty() {
        ok = v.feed(text).is_ok();
    }
    assert_eq!(ok && v.finish().is_ok(), expected);
});
