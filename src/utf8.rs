//! Incremental, fail-fast UTF-8 validation (RFC 6455 §8.1).
//!
//! A text message may be split anywhere, even inside a character, across
//! frames and reads. The validator carries at most 3 bytes of an unfinished
//! character between chunks and fails at the first byte that can never
//! begin or continue a valid sequence (overlong forms, surrogates, code
//! points above U+10FFFF, stray continuation bytes), without waiting for the
//! end of the message. It is built on `core::str::from_utf8`, whose
//! `error_len` already tells "invalid" from "cut short"; with the
//! `simdutf8` feature, whole runs go through `simdutf8`'s `compat` API
//! instead, which answers the same two questions (SIMD while the input is
//! valid, the exact position only once it is not).

use core::fmt;

/// The bytes are not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Utf8Error;

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid UTF-8")
    }
}

impl core::error::Error for Utf8Error {}

/// Checks `bytes` and returns the length of its longest prefix of whole
/// characters; the rest (0 to 3 bytes) is the start of a character that may
/// still be completed. Fails if any byte can never be valid.
///
/// ```
/// use wsmachine::utf8::complete_prefix;
/// assert_eq!(complete_prefix("aé".as_bytes()), Ok(3));
/// assert_eq!(complete_prefix(b"a\xc3"), Ok(1));      // é cut short: may continue
/// assert!(complete_prefix(b"a\xc3\x28").is_err());  // can never be valid
/// assert!(complete_prefix(b"\xed\xa0").is_err());   // a surrogate, caught at its 2nd byte
/// ```
pub fn complete_prefix(bytes: &[u8]) -> Result<usize, Utf8Error> {
    #[cfg(feature = "simdutf8")]
    {
        match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => Ok(bytes.len()),
            Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
            Err(_) => Err(Utf8Error),
        }
    }
    #[cfg(not(feature = "simdutf8"))]
    complete_prefix_std(bytes)
}

/// [`complete_prefix`] with `core::str::from_utf8`: the definition the
/// `simdutf8` path is tested against, and the cheaper call for the 2 to 4
/// bytes of a character completed across chunks.
fn complete_prefix_std(bytes: &[u8]) -> Result<usize, Utf8Error> {
    match core::str::from_utf8(bytes) {
        Ok(_) => Ok(bytes.len()),
        Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
        Err(_) => Err(Utf8Error),
    }
}

/// The length of the character that `lead` begins (1 to 4); 0 for a byte
/// that cannot begin one.
const fn char_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// An incremental validator: feed chunks of any size, then [`finish`](Self::finish).
///
/// ```
/// use wsmachine::utf8::Utf8Validator;
/// let euro = "€".as_bytes(); // e2 82 ac
/// let mut v = Utf8Validator::new();
/// v.feed(&euro[..1]).unwrap();
/// v.feed(&euro[1..2]).unwrap();
/// assert_eq!(v.pending(), 2);
/// v.feed(&euro[2..]).unwrap();
/// v.finish().unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Validator {
    carry: [u8; 4],
    carry_len: u8,
}

impl Utf8Validator {
    /// A validator at the start of a text.
    pub const fn new() -> Self {
        Self { carry: [0; 4], carry_len: 0 }
    }

    /// The number of bytes of an unfinished character carried over (0 to 3).
    pub const fn pending(&self) -> usize {
        self.carry_len as usize
    }

    /// The bytes of the unfinished character carried over.
    pub fn carried(&self) -> &[u8] {
        &self.carry[..self.carry_len as usize]
    }

    /// How many more bytes the carried character needs (0 when none is carried).
    pub fn needed(&self) -> usize {
        match self.carry_len {
            0 => 0,
            n => char_width(self.carry[0]) - n as usize,
        }
    }

    /// Validates the next chunk. After an error the validator must not be fed again.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), Utf8Error> {
        if self.carry_len > 0 {
            let take = self.needed().min(chunk.len());
            let used = self.carry_len as usize;
            self.carry[used..used + take].copy_from_slice(&chunk[..take]);
            self.carry_len += take as u8;
            let whole = complete_prefix_std(self.carried())?;
            if whole == 0 {
                return Ok(()); // still unfinished, and the chunk is used up
            }
            self.carry_len = 0;
            chunk = &chunk[take..];
        }
        let whole = complete_prefix(chunk)?;
        let tail = &chunk[whole..];
        self.carry[..tail.len()].copy_from_slice(tail);
        self.carry_len = tail.len() as u8;
        Ok(())
    }

    /// Ends the text: fails if a character is unfinished. Resets the validator.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let unfinished = self.carry_len > 0;
        *self = Self::new();
        if unfinished {
            Err(Utf8Error)
        } else {
            Ok(())
        }
    }
}
