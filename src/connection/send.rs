//! Calls in, bytes out: the `send_*` calls, `close`, and `poll_transmit`
//! for the replies the protocol obliges.

use crate::close::{CloseCode, CloseFrame};
use crate::error::{BufferTooSmall, UsageError};
use crate::frame::{FrameHeader, Opcode, Role, MAX_CONTROL_FRAME_LEN, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::{apply_mask, copy_masked, MaskSource};
use crate::utf8::Utf8Validator;

use super::state::{State, Trigger};
use super::{Connection, MessageKind};

impl MessageKind {
    const fn opcode(self) -> Opcode {
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
    /// exact size of that frame (at most [`MAX_CONTROL_FRAME_LEN`]). Call
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
        if self.send_kind.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        self.send_data(kind.opcode(), data, true, out)
    }

    /// Writes the next piece of a message of unknown length: the first call
    /// starts a message of `kind`, later calls continue it (with the same
    /// `kind`), the call with `fin` ends it. Text pieces are validated as
    /// they go (RFC 6455 §5.6, §8.1): a piece that cannot continue valid
    /// UTF-8, or a last piece that ends inside a character, is refused with
    /// [`UsageError::InvalidUtf8`] and nothing is written.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<usize, UsageError> {
        let (opcode, utf8) = self.next_fragment(kind, chunk, fin)?;
        let n = self.send_data(opcode, chunk, fin, out)?;
        self.fragment_sent(kind, fin, utf8);
        Ok(n)
    }

    /// Zero-copy sending: writes only the header of one data frame into
    /// `header` and masks `payload` in place (client), so the caller can
    /// write header and payload with one vectored write. Message state and
    /// UTF-8 checks are as with [`send_fragment`](Self::send_fragment).
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

    fn send_data(&mut self, opcode: Opcode, data: &[u8], fin: bool, out: &mut [u8]) -> Result<usize, UsageError> {
        if !self.life.state.may_send_data() {
            return Err(UsageError::Closed);
        }
        let piece = self.config.max_outgoing_frame.max(1);
        // The common server case, a short unmasked frame: two header bytes
        // and the payload, without the general header encoder.
        if self.role == Role::Server && data.len() <= 125 && data.len() <= piece {
            if let Some(frame) = out.get_mut(..2 + data.len()) {
                frame[0] = (fin as u8) << 7 | opcode as u8;
                frame[1] = data.len() as u8;
                frame[2..].copy_from_slice(data);
                return Ok(frame.len());
            }
        }
        let needed = self.data_len(data.len());
        if out.len() < needed {
            return Err(BufferTooSmall { needed }.into());
        }
        if data.len() <= piece {
            return Ok(self.write_frame(opcode, fin, data, out));
        }
        let mut written = 0;
        let mut chunks = data.chunks(piece).peekable();
        let mut op = opcode;
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            written += self.write_frame(op, fin && last, chunk, &mut out[written..]);
            op = Opcode::Continuation;
        }
        Ok(written)
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
        let mut h = FrameHeader::new(opcode, payload.len() as u64);
        h.fin = fin;
        let key = if self.role == Role::Client { Some(self.mask.next_mask()) } else { None };
        h.mask = key;
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
        match key {
            Some(key) => copy_masked(dst, payload, key, 0),
            None => dst.copy_from_slice(payload),
        }
        hl + payload.len()
    }
}

#[cfg(feature = "alloc")]
impl<M: MaskSource> Connection<M> {
    /// [`send_text`](Self::send_text), appending to a `Vec`.
    pub fn send_text_vec(&mut self, text: &str, out: &mut alloc::vec::Vec<u8>) -> Result<usize, UsageError> {
        let needed = self.data_len(text.len());
        append(out, needed, |buf| self.send_text(text, buf))
    }

    /// [`send_binary`](Self::send_binary), appending to a `Vec`.
    pub fn send_binary_vec(&mut self, data: &[u8], out: &mut alloc::vec::Vec<u8>) -> Result<usize, UsageError> {
        let needed = self.data_len(data.len());
        append(out, needed, |buf| self.send_binary(data, buf))
    }

    /// [`send_fragment`](Self::send_fragment), appending to a `Vec`.
    pub fn send_fragment_vec(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, UsageError> {
        let needed = self.data_len(chunk.len());
        append(out, needed, |buf| self.send_fragment(kind, chunk, fin, buf))
    }

    /// [`close`](Self::close), appending to a `Vec`.
    pub fn close_vec(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut alloc::vec::Vec<u8>,
    ) -> Result<usize, UsageError> {
        append(out, MAX_CONTROL_FRAME_LEN, |buf| self.close(code, reason, buf))
    }

    /// Drains every obliged reply ([`poll_transmit`](Self::poll_transmit)) into a `Vec`.
    pub fn poll_transmit_vec(&mut self, out: &mut alloc::vec::Vec<u8>) -> usize {
        let mut total = 0;
        while self.wants_transmit() {
            match append(out, MAX_CONTROL_FRAME_LEN, |buf| Ok(self.poll_transmit(buf)?.unwrap_or(0))) {
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
