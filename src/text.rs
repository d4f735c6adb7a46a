//! Streamed text as `&str`: chunks of a text message may end inside a
//! character; [`TextChunks`] carries the at most 3 bytes of such a character
//! to the next chunk, so every piece it hands out is a whole `&str`.

use crate::utf8::{Utf8Error, Utf8Validator};

/// What one text chunk gives as `&str`: the character completed from the
/// previous chunk's tail (`carried`, empty or one character), then the whole
/// characters of this chunk (`text`). Read them in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPiece<'a> {
    /// The character that began in an earlier chunk and ends in this one.
    pub carried: &'a str,
    /// The whole characters of this chunk after it.
    pub text: &'a str,
}

/// Turns the chunks of one streamed text message into `&str` pieces,
/// without buffering more than one character.
///
/// ```
/// use wsmachine::TextChunks;
/// let euro = "€uro".as_bytes(); // e2 82 ac, then "uro"
/// let mut chunks = TextChunks::new();
/// let first = chunks.push(&euro[..2]).unwrap();
/// assert_eq!((first.carried, first.text), ("", ""));          // the € is not whole yet
/// let second = chunks.push(&euro[2..]).unwrap();
/// assert_eq!((second.carried, second.text), ("€", "uro"));
/// chunks.finish().unwrap();                                    // the message ended on a whole character
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TextChunks {
    validator: Utf8Validator,
    completed: [u8; 4],
    completed_len: u8,
}

impl TextChunks {
    /// At the start of a text message.
    pub const fn new() -> Self {
        Self { validator: Utf8Validator::new(), completed: [0; 4], completed_len: 0 }
    }

    /// Takes the next chunk of the message. Fails if the bytes can never be
    /// valid UTF-8 (a [`Connection`](crate::Connection) has already failed
    /// such a message with 1007, so its chunks never do).
    pub fn push<'a>(&'a mut self, chunk: &'a [u8]) -> Result<TextPiece<'a>, Utf8Error> {
        let mut before = [0u8; 4];
        let carried = self.validator.carried().len();
        before[..carried].copy_from_slice(self.validator.carried());
        let needed = self.validator.needed();
        self.validator.feed(chunk)?;
        self.completed_len = 0;
        let body_start = if carried == 0 {
            0
        } else if chunk.len() >= needed {
            self.completed[..carried].copy_from_slice(&before[..carried]);
            self.completed[carried..carried + needed].copy_from_slice(&chunk[..needed]);
            self.completed_len = (carried + needed) as u8;
            needed
        } else {
            chunk.len() // the carried character is still not whole
        };
        let body_end = chunk.len().saturating_sub(self.validator.pending()).max(body_start);
        let carried = &self.completed[..self.completed_len as usize];
        Ok(TextPiece {
            carried: core::str::from_utf8(carried).map_err(|_| Utf8Error)?,
            text: core::str::from_utf8(&chunk[body_start..body_end]).map_err(|_| Utf8Error)?,
        })
    }

    /// Ends the message: fails if it ended inside a character. Ready for the next message.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        self.completed_len = 0;
        self.validator.finish()
    }
}
