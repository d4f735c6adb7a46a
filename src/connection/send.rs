//! Calls in, bytes out: the `send_*` calls, `close`, and `poll_transmit`
//! for the replies the protocol obliges.

use crate::close::{CloseCode, CloseFrame};
use crate::error::{BufferTooSmall, UsageError};
use crate::frame::{FrameHeader, Opcode, Role, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::{apply_mask, copy_masked, MaskSource};
use crate::utf8::Utf8Validator;

use super::state::{State, Trigger};
use super::{Connection, MessageKind};

impl MessageKind {
    pub(super) const fn opcode(self) -> Opcode {
        match self {
            Self::Text => Opcode::Text,
            Self::Binary => Opcode::Binary,
        }
    }
}

impl<M: MaskSource> Connection<M> {
    /// Whether replies are waiting for [`poll_transmit`](Self::poll_transmit).
    pub fn wants_transmit(&self) -> bool {
        self.next_owed().is_some()
    }

    /// The next owed frame: its opcode and payload length.
    fn next_owed(&self) -> Option<(Opcode, usize)> {
        let state = self.life.state;
        if state != State::Closed {
            if let Some(len) = self.replies.pong {
                return Some((Opcode::Pong, len as usize));
            }
        }
        if state == State::Open {
            if let Some(len) = self.replies.ping {
                return Some((Opcode::Ping, len as usize));
            }
        }
        let code = self.life.owed_close?;
        Some((Opcode::Close, if code == CloseCode::NO_STATUS { 0 } else { 2 }))
    }

    /// Writes the next frame the protocol obliges (a Pong, a keep-alive
    /// Ping, a Close echo or the Close after a failure) into `out`. Returns
    /// `Ok(None)` when nothing is waiting, or [`BufferTooSmall`] with the
    /// exact size of that frame (at most [`MAX_CONTROL_FRAME_LEN`](crate::frame::MAX_CONTROL_FRAME_LEN)). Call
    /// it until it returns `None` after every call that may have changed
    /// the connection.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        let Some((opcode, len)) = self.next_owed() else { return Ok(None) };
        let needed = self.frame_len(len);
        if out.len() < needed {
            return Err(BufferTooSmall { needed });
        }
        let n = match opcode {
            Opcode::Pong => {
                self.replies.pong = None;
                let payload = self.replies.pong_payload;
                self.write_frame(Opcode::Pong, true, &payload[..len], out)
            }
            Opcode::Ping => {
                self.replies.ping = None;
                let payload = self.replies.ping_payload;
                self.write_frame(Opcode::Ping, true, &payload[..len], out)
            }
            _ => {
                let code = self.life.owed_close.unwrap_or(CloseCode::NO_STATUS);
                let n = self.write_close(code, b"", out);
                self.life.on(Trigger::OwedCloseWritten);
                self.replies.clear();
                n
            }
        };
        Ok(Some(n))
    }

    /// Writes a whole text message (fragmented at
    /// [`Config::max_outgoing_frame`](super::Config::max_outgoing_frame))
    /// into `out`; returns the bytes written.
    ///
    /// With permessage-deflate (feature `deflate`) whole messages are
    /// compressed when the codec's threshold says so: RSV1 on the first
    /// frame, fragmented after compression. `out` then needs room for the
    /// compressed frames plus 14 bytes (the largest header, before the
    /// compressed bytes); if it is too small, [`BufferTooSmall`] gives a
    /// size that is always enough and nothing is sent.
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_whole(MessageKind::Text, text.as_bytes(), out)
    }

    /// Writes a whole binary message into `out`; returns the bytes written.
    pub fn send_binary(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_whole(MessageKind::Binary, data, out)
    }

    /// Writes a whole message of `kind`. Text must be valid UTF-8
    /// (RFC 6455 §5.6), else [`UsageError::InvalidUtf8`] and nothing is written.
    pub fn send_message(&mut self, kind: MessageKind, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        if kind == MessageKind::Text && core::str::from_utf8(data).is_err() {
            return Err(UsageError::InvalidUtf8);
        }
        self.send_whole(kind, data, out)
    }

    fn send_whole(&mut self, kind: MessageKind, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        let mut sink = SliceSink { out, at: 0 };
        self.send_whole_to(kind, data, &mut sink)?;
        Ok(sink.at)
    }

    fn send_whole_to(&mut self, kind: MessageKind, data: &[u8], sink: &mut impl FrameSink) -> Result<(), UsageError> {
        if self.send_kind.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        #[cfg(feature = "deflate")]
        if self.compresses(data.len()) {
            return self.send_compressed(kind, data, sink);
        }
        self.send_data(kind.opcode(), data, true, sink)
    }

    /// Writes the next piece of a message of unknown length: the first call
    /// starts a message of `kind`, later calls continue it (with the same
    /// `kind`), the call with `fin` ends it. Text pieces are validated as
    /// they go (RFC 6455 §5.6, §8.1): a piece that cannot continue valid
    /// UTF-8, or a last piece that ends inside a character, is refused with
    /// [`UsageError::InvalidUtf8`] and nothing is written.
    ///
    /// With permessage-deflate, fragments are sent uncompressed (RSV1 clear;
    /// RFC 7692 §6 lets each message choose); whole-message sends compress.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<usize, UsageError> {
        let mut sink = SliceSink { out, at: 0 };
        self.send_fragment_to(kind, chunk, fin, &mut sink)?;
        Ok(sink.at)
    }

    fn send_fragment_to(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        sink: &mut impl FrameSink,
    ) -> Result<(), UsageError> {
        let (opcode, utf8) = self.next_fragment(kind, chunk, fin)?;
        self.send_data(opcode, chunk, fin, sink)?;
        self.fragment_sent(kind, fin, utf8);
        Ok(())
    }

    /// Zero-copy sending: writes only the header of one data frame into
    /// `header` and masks `payload` in place (client), so the caller can
    /// write header and payload with one vectored write. Message state and
    /// UTF-8 checks are as with [`send_fragment`](Self::send_fragment);
    /// like it, never compressed (RSV1 clear) with permessage-deflate.
    pub fn encode_data_header(
        &mut self,
        kind: MessageKind,
        payload: &mut [u8],
        fin: bool,
        header: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, UsageError> {
        if !self.life.state.may_send_data() {
            return Err(UsageError::Closed);
        }
        let (opcode, utf8) = self.next_fragment(kind, payload, fin)?;
        let mut h = FrameHeader::new(opcode, payload.len() as u64);
        h.fin = fin;
        if self.role == Role::Client {
            let key = self.mask.next_mask();
            apply_mask(payload, key, 0);
            h.mask = Some(key);
        }
        self.fragment_sent(kind, fin, utf8);
        Ok(h.encode(header))
    }

    /// The opcode of the next fragment of `kind` and the UTF-8 state after
    /// it, without changing the connection.
    fn next_fragment(&self, kind: MessageKind, chunk: &[u8], fin: bool) -> Result<(Opcode, Utf8Validator), UsageError> {
        let opcode = match self.send_kind {
            None => kind.opcode(),
            Some(k) if k == kind => Opcode::Continuation,
            Some(_) => return Err(UsageError::MessageInProgress),
        };
        let mut utf8 = self.send_utf8;
        if kind == MessageKind::Text {
            let checked = utf8.feed(chunk).and_then(|()| if fin { utf8.finish() } else { Ok(()) });
            checked.map_err(|_| UsageError::InvalidUtf8)?;
        }
        Ok((opcode, utf8))
    }

    fn fragment_sent(&mut self, kind: MessageKind, fin: bool, utf8: Utf8Validator) {
        self.send_kind = if fin { None } else { Some(kind) };
        self.send_utf8 = utf8;
    }

    /// Writes a Ping with `payload` (at most 125 bytes); only in [`State::Open`].
    pub fn send_ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_control(Opcode::Ping, payload, out)
    }

    /// Writes a Pong with `payload` (at most 125 bytes); an unsolicited Pong
    /// serves as a one-way heartbeat (RFC 6455 §5.5.3). Allowed until the
    /// connection is [`State::Closed`], to answer Pings by hand when
    /// [`Config::auto_pong`](super::Config::auto_pong) is off.
    pub fn send_pong(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_control(Opcode::Pong, payload, out)
    }

    /// Starts (or answers) the closing handshake: writes a Close with `code`
    /// and `reason` (at most 123 bytes). [`CloseCode::NO_STATUS`] with an
    /// empty reason sends an empty Close. In [`State::CloseReceived`] this is
    /// the reply (in place of the queued echo). No data may be sent
    /// afterwards; refused with [`UsageError::Closed`] once our Close was
    /// sent or the connection ended.
    pub fn close(&mut self, code: CloseCode, reason: &str, out: &mut [u8]) -> Result<usize, UsageError> {
        CloseFrame { code, reason }.check_sendable()?;
        if !matches!(self.life.state, State::Open | State::CloseReceived) {
            return Err(UsageError::Closed);
        }
        let needed = self.frame_len(if code == CloseCode::NO_STATUS { 0 } else { 2 + reason.len() });
        if out.len() < needed {
            return Err(BufferTooSmall { needed }.into());
        }
        let n = self.write_close(code, reason.as_bytes(), out);
        self.life.on(Trigger::LocalClose);
        // No keep-alive once closing; Pongs are still owed while we read (§5.5.2).
        self.replies.ping = None;
        if self.life.state == State::Closed {
            self.replies.clear();
        }
        Ok(n)
    }

    fn send_control(&mut self, opcode: Opcode, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlPayloadTooLong);
        }
        // A Ping only while open; a Pong also while closing, since Pings
        // received after our Close must still be answered (RFC 6455 §5.5.2).
        let allowed = match opcode {
            Opcode::Ping => self.life.state == State::Open,
            _ => self.life.state != State::Closed,
        };
        if !allowed {
            return Err(UsageError::Closed);
        }
        let needed = self.frame_len(payload.len());
        if out.len() < needed {
            return Err(BufferTooSmall { needed }.into());
        }
        Ok(self.write_frame(opcode, true, payload, out))
    }

    pub(super) fn send_data(
        &mut self,
        opcode: Opcode,
        data: &[u8],
        fin: bool,
        sink: &mut impl FrameSink,
    ) -> Result<(), UsageError> {
        if !self.life.state.may_send_data() {
            return Err(UsageError::Closed);
        }
        // The common server case, a short unmasked frame: two header bytes
        // and the payload, before any general sizing or header encoding
        // (about 55 fewer instructions per 16-byte frame).
        if self.role == Role::Server
            && data.len() <= 125
            && data.len() <= self.config.max_outgoing_frame
            && sink.short_frame((fin as u8) << 7 | opcode as u8, data)
        {
            return Ok(());
        }
        sink.room(self.data_len(data.len()))?;
        let piece = self.config.max_outgoing_frame.max(1);
        if data.len() <= piece {
            let h = self.header(opcode, fin, data.len());
            sink.frame(&h, data);
            return Ok(());
        }
        let mut chunks = data.chunks(piece).peekable();
        let mut op = opcode;
        while let Some(chunk) = chunks.next() {
            let h = self.header(op, fin && chunks.peek().is_none(), chunk.len());
            sink.frame(&h, chunk);
            op = Opcode::Continuation;
        }
        Ok(())
    }

    /// The header of one outgoing frame, with a fresh mask key for a client.
    #[inline]
    pub(super) fn header(&mut self, opcode: Opcode, fin: bool, len: usize) -> FrameHeader {
        let mut h = FrameHeader::new(opcode, len as u64);
        h.fin = fin;
        if self.role == Role::Client {
            h.mask = Some(self.mask.next_mask());
        }
        h
    }

    /// Bytes needed to send `len` payload bytes as one data message or piece.
    pub fn data_len(&self, len: usize) -> usize {
        let piece = self.config.max_outgoing_frame.max(1);
        if len <= piece {
            return self.frame_len(len);
        }
        let full = len / piece;
        let rest = len % piece;
        full * self.frame_len(piece) + if rest > 0 { self.frame_len(rest) } else { 0 }
    }

    /// Bytes one frame with `payload_len` bytes takes on the wire in this role.
    pub fn frame_len(&self, payload_len: usize) -> usize {
        let mut h = FrameHeader::new(Opcode::Binary, payload_len as u64);
        if self.role == Role::Client {
            h.mask = Some([0; 4]);
        }
        h.encoded_len() + payload_len
    }

    fn write_close(&mut self, code: CloseCode, reason: &[u8], out: &mut [u8]) -> usize {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = if code == CloseCode::NO_STATUS {
            0
        } else {
            payload[..2].copy_from_slice(&code.0.to_be_bytes());
            payload[2..2 + reason.len()].copy_from_slice(reason);
            2 + reason.len()
        };
        self.write_frame(Opcode::Close, true, &payload[..len], out)
    }

    /// Writes one frame; the caller checked that `out` has room.
    fn write_frame(&mut self, opcode: Opcode, fin: bool, payload: &[u8], out: &mut [u8]) -> usize {
        let h = self.header(opcode, fin, payload.len());
        let mut sink = SliceSink { out, at: 0 };
        sink.frame(&h, payload);
        sink.at
    }
}

/// Where data frames are written: a caller's slice, or (with `alloc`) the
/// end of a `Vec`, which grows without being zero-filled first.
pub(super) trait FrameSink {
    /// Makes room for `needed` more bytes, or says the buffer is too small.
    fn room(&mut self, needed: usize) -> Result<(), BufferTooSmall>;
    /// Hands `write` the free space (a slice: what is left of it; a `Vec`:
    /// `want` more bytes) and keeps the first bytes it reports written.
    #[cfg(feature = "deflate")]
    fn region<R>(&mut self, want: usize, write: impl FnOnce(&mut [u8]) -> (usize, R)) -> R;
    /// Appends one frame: the header, then the payload (masked with the
    /// header's key, if any). [`room`](Self::room) was called first.
    fn frame(&mut self, h: &FrameHeader, payload: &[u8]);

    /// Appends an unmasked frame of at most 125 bytes whose first header
    /// byte is `b0`, if there is room; returns whether it did.
    fn short_frame(&mut self, b0: u8, payload: &[u8]) -> bool;
}

struct SliceSink<'o> {
    out: &'o mut [u8],
    at: usize,
}

impl FrameSink for SliceSink<'_> {
    #[inline]
    fn short_frame(&mut self, b0: u8, payload: &[u8]) -> bool {
        let Some(frame) = self.out.get_mut(self.at..self.at + 2 + payload.len()) else { return false };
        frame[0] = b0;
        frame[1] = payload.len() as u8;
        frame[2..].copy_from_slice(payload);
        self.at += frame.len();
        true
    }

    fn room(&mut self, needed: usize) -> Result<(), BufferTooSmall> {
        match self.out.len() - self.at >= needed {
            true => Ok(()),
            false => Err(BufferTooSmall { needed }),
        }
    }

    #[cfg(feature = "deflate")]
    fn region<R>(&mut self, _want: usize, write: impl FnOnce(&mut [u8]) -> (usize, R)) -> R {
        let (n, result) = write(&mut self.out[self.at..]);
        self.at += n;
        result
    }

    #[inline]
    fn frame(&mut self, h: &FrameHeader, payload: &[u8]) {
        let out = &mut self.out[self.at..];
        // The common server case, a short unmasked frame: two header bytes
        // and the payload, without the general header encoder.
        if h.mask.is_none() && payload.len() <= 125 {
            out[0] = (h.fin as u8) << 7 | (h.rsv1 as u8) << 6 | h.opcode as u8;
            out[1] = payload.len() as u8;
            out[2..2 + payload.len()].copy_from_slice(payload);
            self.at += 2 + payload.len();
            return;
        }
        // Encode straight into the output when it has room for the longest
        // header: a copy through a temporary costs a memcpy call per frame.
        let hl = match out.get_mut(..MAX_HEADER_LEN).and_then(|o| <&mut [u8; MAX_HEADER_LEN]>::try_from(o).ok()) {
            Some(direct) => h.encode(direct),
            None => {
                let mut head = [0u8; MAX_HEADER_LEN];
                let hl = h.encode(&mut head);
                out[..hl].copy_from_slice(&head[..hl]);
                hl
            }
        };
        let dst = &mut out[hl..hl + payload.len()];
        match h.mask {
            Some(key) => copy_masked(dst, payload, key, 0),
            None => dst.copy_from_slice(payload),
        }
        self.at += hl + payload.len();
    }
}

#[cfg(feature = "alloc")]
impl FrameSink for alloc::vec::Vec<u8> {
    #[inline]
    fn short_frame(&mut self, b0: u8, payload: &[u8]) -> bool {
        self.reserve(2 + payload.len());
        self.extend_from_slice(&[b0, payload.len() as u8]);
        self.extend_from_slice(payload);
        true
    }

    fn room(&mut self, needed: usize) -> Result<(), BufferTooSmall> {
        self.reserve(needed);
        Ok(())
    }

    /// Compresses straight into the `Vec`, after a zero-filled stretch
    /// that always holds the whole compressed message.
    #[cfg(feature = "deflate")]
    fn region<R>(&mut self, want: usize, write: impl FnOnce(&mut [u8]) -> (usize, R)) -> R {
        let start = self.len();
        self.resize(start + want, 0);
        let (n, result) = write(&mut self[start..]);
        self.truncate(start + n);
        result
    }

    #[inline]
    fn frame(&mut self, h: &FrameHeader, payload: &[u8]) {
        let mut head = [0u8; MAX_HEADER_LEN];
        let hl = if h.mask.is_none() && payload.len() <= 125 {
            head[0] = (h.fin as u8) << 7 | (h.rsv1 as u8) << 6 | h.opcode as u8;
            head[1] = payload.len() as u8;
            2
        } else {
            h.encode(&mut head)
        };
        self.extend_from_slice(&head[..hl]);
        let start = self.len();
        self.extend_from_slice(payload);
        if let Some(key) = h.mask {
            apply_mask(&mut self[start..], key, 0);
        }
    }
}

#[cfg(feature = "alloc")]
impl<M: MaskSource> Connection<M> {
    /// [`send_text`](Self::send_text), appending to a `Vec` (which grows
    /// as needed and is not zero-filled first).
    pub fn send_text_vec(&mut self, text: &str, out: &mut alloc::vec::Vec<u8>) -> Result<usize, UsageError> {
        let start = out.len();
        self.send_whole_to(MessageKind::Text, text.as_bytes(), out)?;
        Ok(out.len() - start)
    }

    /// [`send_binary`](Self::send_binary), appending to a `Vec`.
    pub fn send_binary_vec(&mut self, data: &[u8], out: &mut alloc::vec::Vec<u8>) -> Result<usize, UsageError> {
        let start = out.len();
        self.send_whole_to(MessageKind::Binary, data, out)?;
        Ok(out.len() - start)
    }

    /// [`send_fragment`](Self::send_fragment), appending to a `Vec`.
    pub fn send_fragment_vec(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, UsageError> {
        let start = out.len();
        self.send_fragment_to(kind, chunk, fin, out)?;
        Ok(out.len() - start)
    }

    /// [`close`](Self::close), appending to a `Vec`.
    pub fn close_vec(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, UsageError> {
        append(out, crate::frame::MAX_CONTROL_FRAME_LEN, |buf| self.close(code, reason, buf))
    }

    /// Drains every obliged reply ([`poll_transmit`](Self::poll_transmit)) into a `Vec`.
    pub fn poll_transmit_vec(&mut self, out: &mut alloc::vec::Vec<u8>) -> usize {
        let mut total = 0;
        while self.wants_transmit() {
            match append(out, crate::frame::MAX_CONTROL_FRAME_LEN, |buf| Ok(self.poll_transmit(buf)?.unwrap_or(0))) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        total
    }
}

#[cfg(feature = "alloc")]
fn append(
    out: &mut alloc::vec::Vec<u8>,
    room: usize,
    write: impl FnOnce(&mut [u8]) -> Result<usize, UsageError>,
) -> Result<usize, UsageError> {
    let start = out.len();
    out.resize(start + room, 0);
    let result = write(&mut out[start..]);
    out.truncate(start + *result.as_ref().unwrap_or(&0));
    result
}
