//! The receive side both layers share: the read buffer (which is the
//! decode buffer: frames are unmasked in place), the inflate buffer, and
//! whole-message assembly, driven through the run-loop contract.

use alloc::vec::Vec;

use crate::connection::{Connection, Event, MessageKind, OwnedTermination};
use crate::mask::MaskSource;
use crate::message::Message;

/// The read buffer's first size; it doubles when a read fills it, up to
/// [`MAX_READ`], so an idle connection holds little.
pub(crate) const FIRST_READ: usize = 4 * 1024;
/// The read buffer's largest size. Frames of any size stream through it.
pub(crate) const MAX_READ: usize = 64 * 1024;
/// The inflate buffer, allocated only when permessage-deflate is agreed.
const INFLATE: usize = 16 * 1024;

/// Where the message that [`Inbox::advance`] found is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ready {
    /// In one piece in the read buffer, at this range.
    Read(MessageKind, usize, usize),
    /// In one piece in the inflate buffer.
    Inflated(MessageKind, usize, usize),
    /// Assembled from pieces.
    Assembled(MessageKind),
}

/// What [`Inbox::advance`] came to.
pub(crate) enum Step {
    /// A whole message.
    Message(Ready),
    /// Every event of the buffered input is handled: write what is owed,
    /// then read more (or close the transport).
    More,
}

#[derive(Debug)]
pub(crate) struct Inbox {
    rx: Vec<u8>,
    start: usize,
    end: usize,
    inflate: Vec<u8>,
    assembled: Vec<u8>,
    /// The kind of the message being assembled, once a piece of it came.
    assembling: Option<MessageKind>,
    /// The last read filled all the room it had: grow before the next.
    grow: bool,
    /// How the connection ended, once it did.
    pub(crate) ended: Option<OwnedTermination>,
}

impl Inbox {
    /// An inbox holding `leftover` (bytes that came behind the handshake
    /// head); `inflating` allocates the inflate buffer.
    pub(crate) fn new(leftover: &[u8], inflating: bool) -> Self {
        let mut rx = alloc::vec![0u8; FIRST_READ.max(leftover.len())];
        rx[..leftover.len()].copy_from_slice(leftover);
        Self {
            rx,
            start: 0,
            end: leftover.len(),
            inflate: if inflating { alloc::vec![0u8; INFLATE] } else { Vec::new() },
            assembled: Vec::new(),
            assembling: None,
            grow: false,
            ended: None,
        }
    }

    /// Feeds the buffered input to the connection until a whole message
    /// comes or no event does, draining the owed replies into `tx` after
    /// every event. A `Closed` event is kept in `ended`.
    pub(crate) fn advance<M: MaskSource>(&mut self, conn: &mut Connection<M>, tx: &mut Vec<u8>) -> Step {
        if self.assembling.is_none() {
            self.assembled.clear();
        }
        loop {
            let rx_base = self.rx.as_ptr() as usize;
            let rx_len = self.rx.len();
            let inflate_base = self.inflate.as_ptr() as usize;
            let input = conn.handle_data_into(&mut self.rx[self.start..self.end], &mut self.inflate);
            let consumed = input.consumed;
            let mut ready = None;
            match input.event {
                None => {
                    self.start += consumed;
                    conn.poll_transmit_vec(tx);
                    return Step::More;
                }
                Some(Event::Data { kind, payload, message_fin, .. }) => {
                    if message_fin && self.assembling.is_none() {
                        // One piece: hand it out where it lies.
                        let at = payload.as_ptr() as usize;
                        ready = Some(if (rx_base..rx_base + rx_len).contains(&at) {
                            Ready::Read(kind, at - rx_base, at - rx_base + payload.len())
                        } else {
                            Ready::Inflated(kind, at - inflate_base, at - inflate_base + payload.len())
                        });
                    } else {
                        self.assembled.extend_from_slice(payload);
                        self.assembling = Some(kind);
                        if message_fin {
                            self.assembling = None;
                            ready = Some(Ready::Assembled(kind));
                        }
                    }
                }
                Some(Event::Closed(how)) => self.ended = Some(how.to_owned()),
                // Pongs and the Close echo are queued by the connection.
                Some(Event::Ping(_) | Event::Pong(_) | Event::CloseReceived(_)) => {}
            }
            self.start += consumed;
            conn.poll_transmit_vec(tx);
            if let Some(ready) = ready {
                return Step::Message(ready);
            }
        }
    }

    /// The message [`advance`](Self::advance) found (valid until the next
    /// call that changes the inbox).
    pub(crate) fn message(&self, ready: Ready) -> Message<'_> {
        let (kind, bytes) = match ready {
            Ready::Read(kind, from, to) => (kind, self.rx.get(from..to).unwrap_or_default()),
            Ready::Inflated(kind, from, to) => (kind, self.inflate.get(from..to).unwrap_or_default()),
            Ready::Assembled(kind) => (kind, &self.assembled[..]),
        };
        match kind {
            // The connection validated the text as it arrived (RFC 6455 §8.1),
            // so this check never fails; it is the safe way to get a `&str`.
            MessageKind::Text => Message::Text(core::str::from_utf8(bytes).unwrap_or_default()),
            MessageKind::Binary => Message::Binary(bytes),
        }
    }

    /// Room for the next read, after the unconsumed bytes: compacts, and
    /// doubles the buffer (up to [`MAX_READ`]) when the last read filled it.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.rx.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.rx.len() || (self.grow && self.rx.len() < MAX_READ) {
            // Full of unconsumed bytes cannot last (the connection consumes
            // partial frames), but room is needed now.
            let grown = (self.rx.len() * 2).min(MAX_READ.max(self.rx.len() + FIRST_READ));
            self.rx.resize(grown, 0);
            self.grow = false;
        }
        &mut self.rx[self.end..]
    }

    /// `n` bytes were read into [`spare`](Self::spare).
    pub(crate) fn filled(&mut self, n: usize) {
        self.grow = n > 0 && self.end + n >= self.rx.len();
        self.end = (self.end + n).min(self.rx.len());
    }

    /// Bytes held in memory by the buffers (for memory accounting).
    #[allow(dead_code)]
    pub(crate) fn capacity(&self) -> usize {
        self.rx.capacity() + self.inflate.capacity() + self.assembled.capacity()
    }
}
