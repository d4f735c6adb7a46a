//! Incremental, fail-fast UTF-8 validation (RFC 6455 §8.1, checklist §5):
//! every split of every multi-byte form, the classic invalid sets, the
//! error at the first impossible byte, and agreement with
//! `core::str::from_utf8` on random input cut at random.

use proptest::prelude::*;
use wsmachine::utf8::complete_prefix;
use wsmachine::{utf8::Utf8Error, utf8::Utf8Validator};

/// Feeds `chunks` in order; returns the index of the chunk that failed, or
/// `None` when all were accepted, together with the `finish()` result.
fn run(chunks: &[&[u8]]) -> (Option<usize>, Result<(), Utf8Error>) {
    let mut v = Utf8Validator::new();
    for (i, c) in chunks.iter().enumerate() {
        if v.feed(c).is_err() {
            return (Some(i), Err(Utf8Error));
        }
        assert!(v.pending() <= 3, "carries at most 3 bytes");
    }
    (None, v.finish())
}

/// Every way to cut `bytes` into pieces (2^(n-1) of them), as chunk lists.
fn all_cuts(bytes: &[u8]) -> Vec<Vec<&[u8]>> {
    let n = bytes.len();
    let mut out = Vec::new();
    for mask in 0u32..(1 << n.saturating_sub(1)) {
        let mut chunks = Vec::new();
        let mut start = 0;
        for i in 1..n {
            if mask & (1 << (i - 1)) != 0 {
                chunks.push(&bytes[start..i]);
                start = i;
            }
        }
        chunks.push(&bytes[start..]);
        out.push(chunks);
    }
    out
}

/// RFC 3629 §3: every scalar value of 2, 3 and 4 bytes, cut at every set of
/// points, alone and between ASCII, is accepted.
#[test]
fn utf8_every_split_of_every_multibyte_char_rfc6455_8_1() {
    let mut buf = [0u8; 4];
    let mut checked = 0u32;
    for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        for cut in all_cuts(bytes) {
            assert_eq!(run(&cut), (None, Ok(())), "U+{:04X} cut {cut:02x?}", c as u32);
        }
        // Between ASCII, with the text also split inside the character (a
        // sample: every width's first and last values and every 97th).
        if !matches!(c as u32, 0x80 | 0x7FF | 0x800 | 0xFFFF | 0x10000 | 0x10FFFF) && !(c as u32).is_multiple_of(97) {
            checked += 1;
            continue;
        }
        let mut text = vec![b'a'];
        text.extend_from_slice(bytes);
        text.push(b'z');
        for split in 0..=text.len() {
            let (a, b) = text.split_at(split);
            assert_eq!(run(&[a, b]), (None, Ok(())), "U+{:04X} split {split}", c as u32);
        }
        checked += 1;
    }
    assert_eq!(checked, 0x10FFFF + 1 - 0x80 - 0x800); // minus ASCII and the surrogates
}

/// Partial characters are carried between chunks and reported at `finish`.
#[test]
fn utf8_truncated_at_end_rfc6455_8_1_fails_at_finish() {
    let mut buf = [0u8; 4];
    for c in ['é', '€', '\u{FFFF}', '😀', '\u{10FFFF}', '\u{80}', '\u{800}', '\u{10000}'] {
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        for keep in 1..bytes.len() {
            let head = &bytes[..keep];
            let mut v = Utf8Validator::new();
            v.feed(b"ok ").unwrap();
            v.feed(head).unwrap();
            assert_eq!(v.pending(), keep);
            assert_eq!(v.carried(), head);
            assert_eq!(v.needed(), bytes.len() - keep);
            assert_eq!(v.finish(), Err(Utf8Error), "{c:?} cut to {keep} bytes");
            // finish resets: the validator starts a new text.
            assert_eq!(v.pending(), 0);
            v.feed("ok".as_bytes()).unwrap();
            assert_eq!(v.finish(), Ok(()));
            assert_eq!(complete_prefix(head), Ok(0));
        }
    }
}

/// An invalid sequence and the index of its first byte that can never be valid.
fn invalid_cases() -> Vec<(Vec<u8>, usize)> {
    let mut cases: Vec<(Vec<u8>, usize)> = vec![
        // Overlong 2-byte forms: C0 and C1 never begin a character.
        (vec![0xC0, 0x80], 0),
        (vec![0xC0, 0xAF], 0),
        (vec![0xC1, 0xBF], 0),
        // Overlong 3-byte forms: E0 must be followed by A0-BF.
        (vec![0xE0, 0x80, 0x80], 1),
        (vec![0xE0, 0x80, 0xAF], 1),
        (vec![0xE0, 0x9F, 0xBF], 1),
        // Overlong 4-byte forms: F0 must be followed by 90-BF.
        (vec![0xF0, 0x80, 0x80, 0x80], 1),
        (vec![0xF0, 0x80, 0x80, 0xAF], 1),
        (vec![0xF0, 0x8F, 0xBF, 0xBF], 1),
        // Above U+10FFFF: F4 must be followed by 80-8F; F5-FF never begin one.
        (vec![0xF4, 0x90, 0x80, 0x80], 1),
        (vec![0xF4, 0xBF, 0xBF, 0xBF], 1),
        (vec![0xF7, 0xBF, 0xBF, 0xBF], 0),
        (vec![0xF8, 0x88, 0x80, 0x80, 0x80], 0),
        (vec![0xFC, 0x84, 0x80, 0x80, 0x80, 0x80], 0),
        // Lone continuation bytes.
        (vec![0x80], 0),
        (vec![0xBF], 0),
        (vec![0x80, 0xBF, 0x80], 0),
        // A lead byte followed by something other than a continuation.
        (vec![0xC2, 0x41], 1),
        (vec![0xE2, 0x82, 0x41], 2),
        (vec![0xF0, 0x9F, 0x98, 0x41], 3),
        (vec![0xE2, 0xC2, 0xA9], 1),
        // A character followed by one continuation byte too many.
        (vec![0xC3, 0xA9, 0xA9], 2),
    ];
    for b in 0xF5..=0xFFu8 {
        cases.push((vec![b], 0));
        cases.push((vec![b, 0x80, 0x80, 0x80], 0));
    }
    // Every surrogate U+D800-U+DFFF written as three bytes: ED A0-BF xx.
    for cp in 0xD800u32..=0xDFFF {
        let bytes = vec![0xE0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3F) as u8, 0x80 | (cp & 0x3F) as u8];
        assert_eq!(bytes[0], 0xED);
        cases.push((bytes, 1));
    }
    cases
}

/// The classic invalid sets (Markus Kuhn's UTF-8 decoder stress test,
/// RFC 3629 §3) fail, and fail at the chunk holding the first impossible
/// byte, however the text is cut: fail fast, not at finish.
#[test]
fn utf8_invalid_sets_rfc6455_8_1_fail_fast() {
    for (bad, first_bad) in invalid_cases() {
        assert!(core::str::from_utf8(&bad).is_err(), "{bad:02x?} is valid per core");
        let mut text = b"ok \xc3\xa9 ".to_vec(); // valid text before it
        let offset = text.len();
        text.extend_from_slice(&bad);
        text.extend_from_slice(b" more");
        let bad_at = offset + first_bad;
        // Whole.
        assert_eq!(run(&[&text]).0, Some(0), "{bad:02x?}");
        assert!(complete_prefix(&text).is_err());
        // Two pieces, at every split: the piece that holds the bad byte fails.
        for split in 0..=text.len() {
            let (a, b) = text.split_at(split);
            let expected = if bad_at < split { 0 } else { 1 };
            assert_eq!(run(&[a, b]).0, Some(expected), "{bad:02x?} split {split}");
        }
        // Byte by byte: the bad byte fails and nothing before it.
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(run(&bytes).0, Some(bad_at), "{bad:02x?} byte by byte");
        // Cut right after the bad byte, with nothing more fed: fails there,
        // without waiting for `finish`.
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(&text[..bad_at + 1]), Err(Utf8Error), "{bad:02x?} not caught before finish");
    }
}

/// The surrogate prefix `ED A0` already fails, before the third byte.
#[test]
fn utf8_surrogate_prefix_rfc6455_8_1_fails_at_second_byte() {
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(b"\xed"), Ok(()));
    assert_eq!(v.feed(b"\xa0"), Err(Utf8Error));
    assert_eq!(Utf8Validator::new().feed(b"\xed\xa0"), Err(Utf8Error));
    // The same lead with a valid second byte (U+D7FF = ED 9F BF) is fine.
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(b"\xed\x9f"), Ok(()));
    assert_eq!(v.feed(b"\xbf"), Ok(()));
    assert_eq!(v.finish(), Ok(()));
}

/// The first byte index at which `bytes` can no longer become valid UTF-8
/// however it continues (judged by `core::str::from_utf8` on prefixes), or
/// `None` when every prefix may still be completed.
fn first_impossible(bytes: &[u8]) -> Option<usize> {
    (1..=bytes.len())
        .find(|&n| matches!(core::str::from_utf8(&bytes[..n]), Err(e) if e.error_len().is_some()))
        .map(|n| n - 1)
}

/// Random text: pieces of valid UTF-8 (biased to multi-byte characters)
/// mixed with random bytes.
fn text_strategy() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => "\\PC{0,8}".prop_map(String::into_bytes),
        3 => proptest::collection::vec(prop_oneof![Just('é'), Just('€'), Just('😀'), Just('\u{10FFFF}'), Just('\u{D7FF}'), Just('\u{E000}'), any::<char>()], 0..6)
            .prop_map(|cs| cs.into_iter().collect::<String>().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..4),
        1 => proptest::collection::vec(prop_oneof![0x80u8..=0xBF, 0xC0u8..=0xFF, Just(0xED)], 0..3),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The validator agrees with `core::str::from_utf8` on the whole text,
    /// and an invalid byte fails at the chunk that holds it.
    #[test]
    fn utf8_agrees_with_core_rfc6455_8_1_any_chunking(
        text in text_strategy(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(text.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut start = 0;
        for p in points.into_iter().chain([text.len()]) {
            chunks.push(&text[start..p]);
            start = p;
        }
        let (failed_chunk, finished) = run(&chunks);
        let core = core::str::from_utf8(&text);
        prop_assert_eq!(finished.is_ok(), core.is_ok());
        match first_impossible(&text) {
            Some(bad) => {
                // The chunk that holds byte `bad` (skipping empty ones) is the one that fails.
                let mut end = 0;
                let holder = chunks.iter().position(|c| { end += c.len(); end > bad }).unwrap();
                prop_assert_eq!(failed_chunk, Some(holder));
            }
            None => prop_assert_eq!(failed_chunk, None),
        }
    }

    /// `complete_prefix` splits off exactly the unfinished tail that `core` reports.
    #[test]
    fn utf8_complete_prefix_matches_core_rfc6455_8_1(text in text_strategy()) {
        match core::str::from_utf8(&text) {
            Ok(_) => prop_assert_eq!(complete_prefix(&text), Ok(text.len())),
            Err(e) if e.error_len().is_none() => {
                prop_assert_eq!(complete_prefix(&text), Ok(e.valid_up_to()));
                prop_assert!(text.len() - e.valid_up_to() <= 3);
            }
            Err(_) => prop_assert_eq!(complete_prefix(&text), Err(Utf8Error)),
        }
    }
}

/// Long multibyte-heavy texts (several 64-byte SIMD blocks) with one flaw
/// placed at positions around block edges.
fn long_texts() -> Vec<Vec<u8>> {
    let base = "ascii, é ü ß, € ☃ 中文字, 😀🎉, mixed: aé€😀 ".repeat(6).into_bytes();
    let mut texts = vec![base.clone()];
    for flaw in [&b"\xff"[..], b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80"] {
        for at in [0, 1, 31, 63, 64, 65, 127, 128, 200] {
            // Insert at a character boundary at or after `at`.
            let at = (at..=base.len()).find(|&i| i == base.len() || (base[i] & 0xC0) != 0x80).unwrap();
            let mut t = base[..at].to_vec();
            t.extend_from_slice(flaw);
            t.extend_from_slice(&base[at..]);
            texts.push(t);
        }
    }
    // Cut short at the end, inside a 4-byte character.
    let mut cut = base.clone();
    cut.extend_from_slice(&"😀".as_bytes()[..3]);
    texts.push(cut);
    texts
}

/// RFC 6455 §8.1: fed as two chunks split at every point, the validator
/// fails exactly in the chunk holding the first impossible byte, carries
/// exactly the unfinished tail `core` reports, and agrees with
/// `core::str::from_utf8` on the whole (with or without the `simdutf8` feature).
#[test]
fn utf8_every_split_point_of_long_texts_matches_core_rfc6455_8_1() {
    for text in long_texts() {
        let bad = first_impossible(&text);
        for split in 0..=text.len() {
            let (a, b) = text.split_at(split);
            let mut v = Utf8Validator::new();
            let first = v.feed(a);
            assert_eq!(first.is_err(), bad.is_some_and(|bad| bad < split), "split {split}");
            if first.is_err() {
                continue;
            }
            let tail = match core::str::from_utf8(a) {
                Ok(_) => 0,
                Err(e) => a.len() - e.valid_up_to(),
            };
            assert_eq!(v.carried(), &a[a.len() - tail..], "carry at split {split}");
            let second = v.feed(b);
            assert_eq!(second.is_err(), bad.is_some(), "split {split}");
            if second.is_ok() {
                assert_eq!(v.finish().is_ok(), core::str::from_utf8(&text).is_ok(), "split {split}");
            }
        }
    }
}

/// `complete_prefix` equals the `core` definition on every prefix of the long texts.
#[test]
fn utf8_complete_prefix_every_prefix_matches_core_rfc6455_8_1() {
    for text in long_texts() {
        for end in 0..=text.len() {
            let t = &text[..end];
            let expected = match core::str::from_utf8(t) {
                Ok(_) => Ok(t.len()),
                Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
                Err(_) => Err(Utf8Error),
            };
            assert_eq!(complete_prefix(t), expected, "prefix of {end} bytes");
        }
    }
}
