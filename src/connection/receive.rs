//! Bytes in, one event out: `handle_data`, `handle_data_into` and `handle_eof`.

use crate::close::CloseFrame;
use crate::decode::RawOutput;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, Opcode, Role};
use crate::mask::{apply_mask, MaskSource};

use super::state::{State, Trigger};
use super::{Connection, Event, Handled, MessageKind};

/// What one decoding step made, as positions (so that the loop over
/// compressed chunks that inflate to nothing holds no borrow).
pub(super) enum Step {
    /// More input is needed.
    More,
    /// A compressed chunk inflated to nothing: go on with the rest.
    #[cfg_attr(not(feature = "deflate"), allow(dead_code))]
    Again,
    /// Data at `input[start..end]`, unmasked in place.
    Plain { kind: MessageKind, start: usize, end: usize, frame_fin: bool, message_fin: bool },
    /// Inflated data at `out[..len]`.
    #[cfg_attr(not(feature = "deflate"), allow(dead_code))]
    Inflated { kind: MessageKind, len: usize, frame_fin: bool, message_fin: bool },
    /// A whole control frame; its payload is in the decoder.
    Control(FrameHeader),
    /// The peer broke the protocol.
    Fail(ProtocolError),
}

impl<M: MaskSource> Connection<M> {
    /// Feeds received bytes. Returns how many were consumed and at most one
    /// event; call again with the unconsumed rest (plus new bytes) until it
    /// returns no event. Payloads are unmasked in place.
    ///
    /// **A connection with permessage-deflate must be fed with
    /// [`handle_data_into`](Self::handle_data_into)**: this is
    /// `handle_data_into(buf, &mut [])`, which has nowhere to inflate a
    /// compressed message, so the first one fails the connection with
    /// [`ProtocolError::NoInflateBuffer`] (close code 1011).
    ///
    /// A peer's protocol violation is not an error here: it ends in
    /// [`Event::Closed`] with [`Termination::Failed`](super::Termination::Failed),
    /// and a Close frame with the right code is queued for
    /// [`poll_transmit`](Self::poll_transmit). Once reading has stopped
    /// ([`State::reads`] is false), input is consumed and ignored; the call
    /// reports [`Event::Closed`] if the connection ended and that was not
    /// reported yet (after a peer's Close, once our reply is written).
    #[inline]
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> Handled<Event<'b, 'c>> {
        self.handle_data_into(buf, &mut [])
    }

    /// [`handle_data`](Self::handle_data) with a buffer to inflate
    /// compressed messages into (permessage-deflate, RFC 7692 §7.2.2).
    ///
    /// An [`Event::Data`] payload borrows `buf` (unmasked in place) for an
    /// uncompressed message and `out` (its first bytes) for a compressed
    /// one: never the connection, so it can be echoed with a send call
    /// while in hand. Any `out` size works (one byte is enough); a larger
    /// one means fewer events. When `out` fills up, `consumed` stops where
    /// the decompressor stopped: pass the rest of `buf` again (those bytes
    /// are unmasked already; the connection knows). `frame_fin` and
    /// `message_fin` are set only once all of the frame's or message's
    /// output was delivered. [`Config::max_message_size`](super::Config::max_message_size)
    /// counts inflated bytes and fails with 1009 as soon as it is crossed;
    /// data that does not inflate fails with 1007. An empty `out` with a
    /// compressed message fails with [`ProtocolError::NoInflateBuffer`].
    pub fn handle_data_into<'b, 'c>(&'c mut self, buf: &'b mut [u8], out: &'b mut [u8]) -> Handled<Event<'b, 'c>> {
        if !self.life.state.reads() {
            return Handled { consumed: buf.len(), event: self.report() };
        }
        if self.recv.kind.is_none() && self.decoder.at_frame_boundary() {
            match self.whole_small_message(buf) {
                Some(Ok((kind, start, end))) => {
                    let event = Event::Data { kind, payload: &buf[start..end], frame_fin: true, message_fin: true };
                    return Handled { consumed: end, event: Some(event) };
                }
                Some(Err(e)) => return self.fail_input(e, buf.len()),
                None => {}
            }
        }
        let mut at = 0;
        loop {
            let (used, step) = self.step(&mut buf[at..], out);
            let from = at;
            at += used;
            let event = match step {
                Step::More => return Handled { consumed: at, event: None },
                // Never `None` while input remains: the caller reads it as "read more".
                Step::Again if at < buf.len() || self.owes_output() => continue,
                Step::Again => return Handled { consumed: at, event: None },
                Step::Fail(e) => return self.fail_input(e, buf.len()),
                Step::Plain { kind, start, end, frame_fin, message_fin } => {
                    Event::Data { kind, payload: &buf[from + start..from + end], frame_fin, message_fin }
                }
                Step::Inflated { kind, len, frame_fin, message_fin } => {
                    Event::Data { kind, payload: &out[..len], frame_fin, message_fin }
                }
                Step::Control(header) => match header.opcode {
                    Opcode::Ping => {
                        let payload = self.decoder.control_payload();
                        if self.config.auto_pong {
                            self.replies.pong_payload[..payload.len()].copy_from_slice(payload);
                            self.replies.pong = Some(payload.len() as u8);
                        }
                        Event::Ping(self.decoder.control_payload())
                    }
                    Opcode::Pong => {
                        self.timers.pong_received();
                        Event::Pong(self.decoder.control_payload())
                    }
                    _ => match self.receive_close() {
                        Err(e) => return self.fail_input(e, buf.len()),
                        // Our Close was sent: the handshake is complete, reported now.
                        Ok(State::Closed) => {
                            let _ = self.life.take_report();
                            Event::Closed(super::Termination::Clean(self.peer_close_frame()))
                        }
                        Ok(_) => Event::CloseReceived(self.peer_close_frame()),
                    },
                },
            };
            return Handled { consumed: at, event: Some(event) };
        }
    }

    /// Whether inflated output is owed before the next header is read.
    #[inline]
    fn owes_output(&self) -> bool {
        #[cfg(feature = "deflate")]
        return self.inflate_owed();
        #[cfg(not(feature = "deflate"))]
        false
    }

    /// One frame chunk from `buf` (or, with permessage-deflate, output
    /// still owed from the last one): the bytes used and what they made.
    #[inline]
    fn step(&mut self, buf: &mut [u8], out: &mut [u8]) -> (usize, Step) {
        #[cfg(feature = "deflate")]
        if self.inflate_owed() {
            return (0, self.inflate_owed_output(out));
        }
        #[cfg(not(feature = "deflate"))]
        let _ = &out;
        let raw = match self.decoder.decode_raw(buf, usize::MAX) {
            Ok(raw) => raw,
            Err(e) => return (0, Step::Fail(e)),
        };
        let consumed = raw.consumed;
        if !self.recv.in_frame {
            let started = match raw.output {
                Some(RawOutput::Data { header, .. }) => Some(header),
                None => self.decoder.current_frame().copied().filter(|h| !h.opcode.is_control()),
                Some(RawOutput::Control { .. }) => None,
            };
            if let Some(header) = started {
                if let Err(e) = self.start_frame(&header) {
                    return (0, Step::Fail(e));
                }
            }
        }
        match raw.output {
            None => (consumed, Step::More),
            Some(RawOutput::Data { header, start, end, frame_fin }) => {
                #[cfg(feature = "deflate")]
                if self.inflating() {
                    return self.inflate_chunk(header, buf, (start, end, frame_fin), out);
                }
                let payload = &buf[start..end];
                let kind = self.recv.kind.unwrap_or(MessageKind::Binary);
                let message_fin = frame_fin && header.fin;
                if frame_fin {
                    self.recv.in_frame = false;
                }
                if kind == MessageKind::Text {
                    let utf8 = &mut self.recv.utf8;
                    let checked = utf8.feed(payload).and_then(|()| if message_fin { utf8.finish() } else { Ok(()) });
                    if checked.is_err() {
                        return (0, Step::Fail(ProtocolError::InvalidUtf8));
                    }
                }
                if message_fin {
                    self.recv.kind = None;
                }
                (consumed, Step::Plain { kind, start, end, frame_fin, message_fin })
            }
            Some(RawOutput::Control { header }) => (consumed, Step::Control(header)),
        }
    }

    /// The fast path for the most common input: a whole unfragmented text or
    /// binary message of at most 125 bytes, at a frame boundary with no
    /// message in progress. It applies the same rules as the general path
    /// (which handles everything it declines, including every violation
    /// except invalid UTF-8) but skips the decoder's state: about 125 instead
    /// of 350 instructions per 16-byte frame (callgrind).
    /// Returns the message's kind and payload position, unmasked in place.
    #[inline]
    fn whole_small_message(&self, buf: &mut [u8]) -> Option<Result<(MessageKind, usize, usize), ProtocolError>> {
        let [b0, b1, ..] = *buf else { return None };
        let len = usize::from(b1 & 0x7F);
        let masked = b1 & 0x80 != 0;
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return None,
        };
        let limit = self.config.max_message_size.min(self.config.max_frame_payload);
        if len > 125 || masked != (self.role == Role::Server) || len as u64 > limit {
            return None;
        }
        let start = if masked { 6 } else { 2 };
        let frame = buf.get_mut(..start + len)?;
        let (head, payload) = frame.split_at_mut(start);
        if masked {
            apply_mask(payload, [head[2], head[3], head[4], head[5]], 0);
        }
        if kind == MessageKind::Text && core::str::from_utf8(payload).is_err() {
            return Some(Err(ProtocolError::InvalidUtf8));
        }
        Some(Ok((kind, start, start + len)))
    }

    /// Tells the connection that the transport ended (the peer closed its
    /// side, or the read failed). Returns the terminal [`Event::Closed`]
    /// unless it was reported already: clean if the peer's Close had
    /// arrived, abnormal (1006) otherwise.
    pub fn handle_eof(&mut self) -> Option<Event<'static, '_>> {
        self.life.on(Trigger::Eof);
        self.replies.clear();
        self.report()
    }

    fn start_frame(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
        self.recv.in_frame = true;
        match (header.opcode, self.recv.kind) {
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Opcode::Continuation, Some(_)) => {}
            (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (op, None) => {
                self.recv.kind = Some(if op == Opcode::Text { MessageKind::Text } else { MessageKind::Binary });
                self.recv.len = 0;
                #[cfg(feature = "deflate")]
                self.deflate_start_message(header);
            }
        }
        // A compressed message counts inflated bytes (as they come) instead.
        #[cfg(feature = "deflate")]
        if self.count_compressed(header)? {
            return Ok(());
        }
        self.recv.len += header.payload_len;
        if self.recv.len > self.config.max_message_size {
            return Err(ProtocolError::MessageTooLarge);
        }
        Ok(())
    }

    /// Takes the peer's Close: keeps it for reporting and moves the
    /// lifecycle (an echo is owed unless ours was sent). Returns the new state.
    fn receive_close(&mut self) -> Result<State, ProtocolError> {
        let frame = CloseFrame::parse(self.decoder.control_payload())?;
        let reason = frame.reason.as_bytes();
        self.peer_close.code = frame.code;
        self.peer_close.reason[..reason.len()].copy_from_slice(reason);
        self.peer_close.reason_len = reason.len() as u8;
        // A keep-alive Ping is pointless now; a Pong owed for a Ping that
        // came before the Close still goes out before our reply.
        self.replies.ping = None;
        self.life.on(Trigger::PeerClose(frame.code));
        if self.life.state == State::Closed {
            self.replies.clear();
        }
        Ok(self.life.state)
    }

    /// Fails the connection as the result of a `handle_data` call: the rest
    /// of the input is dropped and the call reports `Closed(Failed)`.
    fn fail_input(&mut self, error: ProtocolError, len: usize) -> Handled<Event<'static, 'static>> {
        self.fail(error);
        let _ = self.life.take_report();
        Handled { consumed: len, event: Some(Event::Closed(super::Termination::Failed(error))) }
    }

    /// Fails the connection: stop reading, queue a Close with the error's
    /// code (unless ours was sent), drop the other owed replies.
    pub(super) fn fail(&mut self, error: ProtocolError) {
        self.life.on(Trigger::Fail(error));
        self.replies.clear();
    }
}
