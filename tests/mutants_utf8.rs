//! Behaviour of the UTF-8 module that no other test pinned down (found by
//! mutation testing, see mutants/summary.md).
use wsmachine::{utf8::Utf8Error, utf8::Utf8Validator};

#[test]
fn utf8_error_says_invalid_utf8_rfc6455_8_1() {
    // The message a caller logs when a text message fails with 1007.
    assert_eq!(Utf8Error.to_string(), "invalid UTF-8");
    let mut v = Utf8Validator::new();
    let err = v.feed(b"\xff").unwrap_err();
    assert_eq!(format!("{err}"), "invalid UTF-8");
}
