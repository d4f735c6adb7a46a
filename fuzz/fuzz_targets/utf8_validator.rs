//! The incremental validator, chunk by chunk, against `core::str::from_utf8`
//! on the whole text (RFC 6455 §8.1): the same verdict, the failure in the
//! chunk that holds the first byte that can never be valid (fail-fast), and
//! after every accepted chunk exactly the unfinished tail carried over. Also
//! `complete_prefix` on the whole text. Input layout: one byte `n`, then
//! `n % 16` chunk sizes (each times 1 or 17, so chunks cross SIMD blocks),
//! then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::utf8::complete_prefix;
use wsmachine::utf8::Utf8Validator;

/// The index of the first byte after which `text` can never become valid,
/// however it continues; `None` if every prefix may still be completed.
fn first_impossible(text: &[u8]) -> Option<usize> {
    let e = core::str::from_utf8(text).err()?;
    e.error_len()?;
    // Everything before `valid_up_to` is valid; the impossible byte is within the next 4.
    let start = e.valid_up_to();
    (start + 1..=text.len().min(start + 4))
        .find(|&n| matches!(core::str::from_utf8(&text[..n]), Err(e) if e.error_len().is_some()))
        .map(|n| n - 1)
}

/// The length of the unfinished character at the end of a text with no invalid byte.
fn unfinished_tail(text: &[u8]) -> usize {
    match core::str::from_utf8(text) {
        Ok(_) => 0,
        Err(e) => text.len() - e.valid_up_to(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let (sizes, text) = rest.split_at(usize::from(n % 16).min(rest.len()));
    let impossible = first_impossible(text);

    let expected = match core::str::from_utf8(text) {
        Ok(_) => Ok(text.len()),
        Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
        Err(_) => Err(()),
    };
    assert_eq!(complete_prefix(text).map_err(|_| ()), expected);

    let mut v = Utf8Validator::new();
    let mut start = 0;
    let mut failed = None;
    for (i, &size) in sizes.iter().chain(core::iter::once(&u8::MAX)).enumerate() {
        let len = if size & 1 == 0 { usize::from(size) } else { usize::from(size) * 17 };
        let end = if i == sizes.len() { text.len() } else { (start + len).min(text.len()) };
        let chunk = &text[start..end];
        if v.feed(chunk).is_err() {
            failed = Some((start, end));
            break;
        }
        start = end;
        assert_eq!(v.pending(), unfinished_tail(&text[..end]), "carry after {end} bytes");
        assert_eq!(v.carried(), &text[end - v.pending()..end]);
        if end == text.len() {
            break;
        }
    }
    match (impossible, failed) {
        (Some(bad), Some((s, e))) => assert!(s <= bad && bad < e, "failed in {s}..{e}, impossible at {bad}"),
        (None, None) => assert_eq!(v.finish().is_ok(), core::str::from_utf8(text).is_ok()),
        (bad, failed) => panic!("impossible byte {bad:?}, failing chunk {failed:?}"),
    }
});
