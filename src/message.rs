//! Whole-message assembly over the streaming events (feature `alloc`).

use alloc::vec::Vec;

use crate::connection::{Event, MessageKind};
use crate::utf8::Utf8Error;

/// A whole message, borrowed from the assembler or straight from the input
/// when it arrived in one piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// A text message.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
}

/// Collects [`Event::Data`] chunks into whole messages.
///
/// The buffer is reused: once it has grown to the largest message, no
/// message allocates. A message that arrives in a single chunk is handed
/// out without being copied. The connection's message limit bounds the size.
///
/// ```
/// use wsmachine::{Event, MessageAssembler, Message, MessageKind};
/// let mut asm = MessageAssembler::new();
/// let first = Event::Data { kind: MessageKind::Text, payload: b"Hel", frame_fin: true, message_fin: false };
/// assert_eq!(asm.push(&first), Ok(None));
/// let last = Event::Data { kind: MessageKind::Text, payload: b"lo", frame_fin: true, message_fin: true };
/// assert_eq!(asm.push(&last), Ok(Some(Message::Text("Hello"))));
/// ```
#[derive(Clone, Debug, Default)]
pub struct MessageAssembler {
    buf: Vec<u8>,
    /// `buf` holds a message already handed out: clear it before the next chunk.
    delivered: bool,
}

impl MessageAssembler {
    /// An empty assembler.
    pub const fn new() -> Self {
        Self { buf: Vec::new(), delivered: false }
    }

    /// Takes the next event; returns the message it completes, if any.
    /// Events other than [`Event::Data`] are ignored. Fails only if a text
    /// message is not valid UTF-8, which a [`Connection`](crate::Connection)
    /// never lets through.
    pub fn push<'a>(&'a mut self, event: &Event<'a, '_>) -> Result<Option<Message<'a>>, Utf8Error> {
        let Event::Data { kind, payload, message_fin, .. } = *event else { return Ok(None) };
        if self.delivered {
            self.buf.clear();
            self.delivered = false;
        }
        if !message_fin {
            self.buf.extend_from_slice(payload);
            return Ok(None);
        }
        let bytes: &'a [u8] = if self.buf.is_empty() {
            payload
        } else {
            self.buf.extend_from_slice(payload);
            self.delivered = true;
            &self.buf
        };
        let message = match kind {
            MessageKind::Text => Message::Text(core::str::from_utf8(bytes).map_err(|_| Utf8Error)?),
            MessageKind::Binary => Message::Binary(bytes),
        };
        Ok(Some(message))
    }

    /// Bytes of the message in progress held so far.
    pub fn buffered(&self) -> usize {
        if self.delivered {
            0
        } else {
            self.buf.len()
        }
    }
}
