//! The connection state machine: bytes in, events out; send calls in, bytes out.

use crate::close::{CloseCode, CloseFrame, MAX_REASON_LEN};
use crate::decode::{FrameDecoder, RawOutput};
use crate::error::{BufferTooSmall, ProtocolError, UsageError};
use crate::frame::{FrameHeader, HeaderRules, Opcode, Role, MAX_CONTROL_FRAME_LEN, MAX_CONTROL_PAYLOAD};
use crate::mask::{apply_mask, copy_masked, MaskSource};
use crate::utf8::Utf8Validator;

/// Limits and behaviour of a [`Connection`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The largest payload accepted in one frame; larger fails with 1009
    /// as soon as the header is read. Default 16 MiB.
    pub max_frame_payload: u64,
    /// The largest message accepted (the sum of its frames' payloads);
    /// larger fails with 1009 as soon as the header that crosses it is read.
    /// Default 64 MiB.
    pub max_message_size: u64,
    /// Answer every Ping with a Pong through [`Connection::poll_transmit`]
    /// (only the latest of several pending pings is answered, as RFC 6455
    /// §5.5.3 allows). Default on.
    pub auto_pong: bool,
    /// Outgoing messages are split into frames of at most this many payload
    /// bytes. Default `usize::MAX`: one frame per message.
    pub max_outgoing_frame: usize,
}

impl Config {
    /// The default limits: 16 MiB frames, 64 MiB messages, auto-pong on, no fragmentation.
    pub const DEFAULT: Self = Self {
        max_frame_payload: 16 << 20,
        max_message_size: 64 << 20,
        auto_pong: true,
        max_outgoing_frame: usize::MAX,
    };
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Text or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A UTF-8 text message.
    Text,
    /// A binary message.
    Binary,
}

impl MessageKind {
    const fn opcode(self) -> Opcode {
        match self {
            Self::Text => Opcode::Text,
            Self::Binary => Opcode::Binary,
        }
    }
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closure<'c> {
    /// Both Close frames were exchanged; this is the one the peer sent
    /// ([`CloseCode::NO_STATUS`] if it carried no code).
    Clean(CloseFrame<'c>),
    /// We failed the connection because the peer broke the protocol (or a
    /// keep-alive deadline passed); a Close with `error.close_code()` was
    /// queued unless we had sent ours already.
    Failed(ProtocolError),
    /// The transport ended before the close handshake (code 1006), or the
    /// close handshake timed out.
    Abnormal,
}

impl Closure<'_> {
    /// The code to report locally: the peer's, the one we sent, or 1006.
    pub fn code(&self) -> CloseCode {
        match self {
            Self::Clean(f) => f.code,
            Self::Failed(e) => e.close_code(),
            Self::Abnormal => CloseCode::ABNORMAL,
        }
    }
}

/// What [`Connection::handle_data`] and [`Connection::handle_eof`] report.
///
/// Data payloads borrow the caller's input buffer (`'b`); control payloads
/// borrow the connection (`'c`), so a data chunk can be echoed with a send
/// call while it is still in hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'b, 'c> {
    /// A piece of a text or binary message, unmasked. Text is validated as
    /// it arrives (the connection fails with 1007 at the first invalid byte),
    /// but a chunk may begin or end inside a character: use
    /// [`MessageAssembler`](crate::MessageAssembler) or keep the bytes until
    /// `message_fin` to read it as `&str`.
    Data {
        /// Text or binary.
        kind: MessageKind,
        /// The bytes of this chunk (possibly empty).
        payload: &'b [u8],
        /// This chunk ends a frame.
        frame_fin: bool,
        /// This chunk ends the message.
        message_fin: bool,
    },
    /// A Ping; a Pong is queued when [`Config::auto_pong`] is on.
    Ping(&'c [u8]),
    /// A Pong (solicited or not).
    Pong(&'c [u8]),
    /// The peer began the closing handshake; our Close reply is queued
    /// (drain it with [`Connection::poll_transmit`]). `Closed` follows.
    Close(CloseFrame<'c>),
    /// The connection is over; no more events follow.
    Closed(Closure<'c>),
}

/// What one [`Connection::handle_data`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input<'b, 'c> {
    /// How many input bytes were consumed; keep the rest for the next call.
    pub consumed: usize,
    /// The event, or `None` when more input is needed.
    pub event: Option<Event<'b, 'c>>,
}

/// A mask source for servers, which never mask. Calling it is a bug.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMask;

impl MaskSource for NoMask {
    fn next_mask(&mut self) -> [u8; 4] {
        [0; 4]
    }
}

/// The peer's Close, kept to report it.
#[derive(Clone, Copy, Debug)]
struct PeerClose {
    code: CloseCode,
    reason: [u8; MAX_REASON_LEN],
    reason_len: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Clean,
    Failed(ProtocolError),
    Abnormal,
}

/// One WebSocket connection, either role, after the opening handshake.
///
/// See the [crate documentation](crate) for the run loop and the drain rule.
#[derive(Clone, Debug)]
pub struct Connection<M = NoMask> {
    role: Role,
    config: Config,
    mask: M,
    decoder: FrameDecoder,
    // Receiving.
    recv_kind: Option<MessageKind>,
    recv_len: u64,
    in_frame: bool,
    utf8: Utf8Validator,
    // Sending.
    send_kind: Option<MessageKind>,
    // Replies the protocol obliges.
    pong: Option<u8>,
    pong_payload: [u8; MAX_CONTROL_PAYLOAD],
    ping: Option<u8>,
    ping_payload: [u8; MAX_CONTROL_PAYLOAD],
    /// The Close we owe (an echo or the one after a failure): code only.
    pending_close: Option<CloseCode>,
    // Closing.
    sent_close: bool,
    received_close: Option<PeerClose>,
    outcome: Option<Outcome>,
    outcome_reported: bool,
    eof: bool,
    aborted: bool,
    pongs_received: u64,
}

impl Connection<NoMask> {
    /// A server-side connection (receives masked frames, sends unmasked ones).
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, NoMask)
    }
}

impl<M: MaskSource> Connection<M> {
    /// A client-side connection; `mask` supplies a fresh key for every frame.
    pub fn client(config: Config, mask: M) -> Self {
        Self::new(Role::Client, config, mask)
    }

    /// A connection for `role`. A server never calls `mask`.
    pub fn new(role: Role, config: Config, mask: M) -> Self {
        Self {
            role,
            config,
            mask,
            decoder: FrameDecoder::new(HeaderRules::new(role, config.max_frame_payload)),
            recv_kind: None,
            recv_len: 0,
            in_frame: false,
            utf8: Utf8Validator::new(),
            send_kind: None,
            pong: None,
            pong_payload: [0; MAX_CONTROL_PAYLOAD],
            ping: None,
            ping_payload: [0; MAX_CONTROL_PAYLOAD],
            pending_close: None,
            sent_close: false,
            received_close: None,
            outcome: None,
            outcome_reported: false,
            eof: false,
            aborted: false,
            pongs_received: 0,
        }
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- input -----

    /// Feeds received bytes. Returns how many were consumed and at most one
    /// event; call again with the unconsumed rest (plus new bytes) until it
    /// consumes nothing and returns no event. Payloads are unmasked in place.
    ///
    /// A peer's protocol violation is not an error here: it ends in
    /// [`Event::Closed`] with [`Closure::Failed`], and a Close frame with the
    /// right code is queued for [`poll_transmit`](Self::poll_transmit).
    /// Once reading has stopped (Close received, failure, end of input),
    /// further input is consumed and ignored.
    pub fn handle_data<'b, 'c>(&'c mut self, buf: &'b mut [u8]) -> Input<'b, 'c> {
        if self.reading_stopped() {
            return Input { consumed: buf.len(), event: self.report_outcome() };
        }
        if self.recv_kind.is_none() && self.decoder.at_frame_boundary() {
            match self.whole_small_message(buf) {
                Some(Ok((kind, start, end))) => {
                    let event = Event::Data { kind, payload: &buf[start..end], frame_fin: true, message_fin: true };
                    return Input { consumed: end, event: Some(event) };
                }
                Some(Err(e)) => return self.fail_input(e, buf.len()),
                None => {}
            }
        }
        let raw = match self.decoder.decode_raw(buf, usize::MAX) {
            Ok(raw) => raw,
            Err(e) => return self.fail_input(e, buf.len()),
        };
        let consumed = raw.consumed;
        if !self.in_frame {
            let started = match raw.output {
                Some(RawOutput::Data { header, .. }) => Some(header),
                None => self.decoder.current_frame().copied().filter(|h| !h.opcode.is_control()),
                Some(RawOutput::Control { .. }) => None,
            };
            if let Some(header) = started {
                if let Err(e) = self.start_frame(&header) {
                    return self.fail_input(e, buf.len());
                }
            }
        }
        let event = match raw.output {
            None => return Input { consumed, event: None },
            Some(RawOutput::Data { header, start, end, frame_fin }) => {
                let payload = &buf[start..end];
                let kind = self.recv_kind.unwrap_or(MessageKind::Binary);
                let message_fin = frame_fin && header.fin;
                if frame_fin {
                    self.in_frame = false;
                }
                if kind == MessageKind::Text {
                    let checked = self.utf8.feed(payload).and_then(|()| match message_fin {
                        true => self.utf8.finish(),
                        false => Ok(()),
                    });
                    if checked.is_err() {
                        return self.fail_input(ProtocolError::InvalidUtf8, buf.len());
                    }
                }
                if message_fin {
                    self.recv_kind = None;
                }
                Event::Data { kind, payload, frame_fin, message_fin }
            }
            Some(RawOutput::Control { header }) => {
                if let Err(e) = self.handle_control(header.opcode) {
                    return self.fail_input(e, buf.len());
                }
                match header.opcode {
                    Opcode::Ping => Event::Ping(self.decoder.control_payload()),
                    Opcode::Pong => Event::Pong(self.decoder.control_payload()),
                    _ if self.outcome.is_some() => self.report_outcome().unwrap_or(Event::Closed(Closure::Abnormal)),
                    _ => Event::Close(self.peer_close_frame()),
                }
            }
        };
        Input { consumed, event: Some(event) }
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
        self.eof = true;
        if self.outcome.is_none() {
            self.outcome = Some(if self.received_close.is_some() { Outcome::Clean } else { Outcome::Abnormal });
            self.pending_close = None;
        }
        // Nothing can be written to a transport that ended.
        self.pong = None;
        self.ping = None;
        self.report_outcome()
    }

    fn start_frame(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
        self.in_frame = true;
        match (header.opcode, self.recv_kind) {
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Opcode::Continuation, Some(_)) => {}
            (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation),
            (op, None) => {
                self.recv_kind = Some(if op == Opcode::Text { MessageKind::Text } else { MessageKind::Binary });
                self.recv_len = 0;
            }
        }
        self.recv_len += header.payload_len;
        if self.recv_len > self.config.max_message_size {
            return Err(ProtocolError::MessageTooLarge);
        }
        Ok(())
    }

    /// Updates the state for a received control frame.
    fn handle_control(&mut self, opcode: Opcode) -> Result<(), ProtocolError> {
        let payload = self.decoder.control_payload();
        match opcode {
            Opcode::Ping => {
                if self.config.auto_pong && !self.closing() {
                    self.pong_payload[..payload.len()].copy_from_slice(payload);
                    self.pong = Some(payload.len() as u8);
                }
                Ok(())
            }
            Opcode::Pong => {
                self.pongs_received += 1;
                Ok(())
            }
            _ => {
                let frame = CloseFrame::parse(payload)?;
                let mut stored = PeerClose { code: frame.code, reason: [0; MAX_REASON_LEN], reason_len: 0 };
                stored.reason[..frame.reason.len()].copy_from_slice(frame.reason.as_bytes());
                stored.reason_len = frame.reason.len() as u8;
                self.received_close = Some(stored);
                if self.sent_close {
                    self.outcome = Some(Outcome::Clean);
                } else if self.pending_close.is_none() {
                    // Echo the code (RFC 6455 §5.5.1); an empty Close is answered with an empty one.
                    self.pending_close = Some(frame.code);
                }
                Ok(())
            }
        }
    }

    fn peer_close_frame(&self) -> CloseFrame<'_> {
        match &self.received_close {
            Some(c) => CloseFrame {
                code: c.code,
                reason: core::str::from_utf8(&c.reason[..c.reason_len as usize]).unwrap_or(""),
            },
            None => CloseFrame { code: CloseCode::NO_STATUS, reason: "" },
        }
    }

    /// [`fail`](Self::fail) as the result of a `handle_data` call: the rest of the input is dropped.
    fn fail_input(&mut self, error: ProtocolError, len: usize) -> Input<'static, 'static> {
        Input { consumed: len, event: Some(self.fail(error)) }
    }

    /// Fails the connection: stop reading, queue a Close with the error's
    /// code (unless ours was sent), report `Closed(Failed)`.
    fn fail(&mut self, error: ProtocolError) -> Event<'static, 'static> {
        if !self.sent_close {
            self.pending_close = Some(error.close_code());
        }
        self.pong = None;
        self.ping = None;
        self.outcome = Some(Outcome::Failed(error));
        self.outcome_reported = true;
        Event::Closed(Closure::Failed(error))
    }

    /// Fails the connection from the caller's side (e.g. a keep-alive
    /// deadline passed): queues a Close with `error.close_code()` and stops
    /// reading; the next `handle_data` or `handle_eof` call reports
    /// `Closed(Failed(error))`. Returns `false` (and does nothing) once the
    /// connection has ended.
    pub fn fail_with(&mut self, error: ProtocolError) -> bool {
        if self.outcome.is_some() {
            return false;
        }
        self.fail(error);
        self.outcome_reported = false;
        true
    }

    /// Gives up on the close handshake (its timeout passed): the transport
    /// should now be closed; the connection ends abnormally if it had not ended.
    pub fn abort(&mut self) {
        self.aborted = true;
        self.pending_close = None;
        self.pong = None;
        self.ping = None;
        if self.outcome.is_none() {
            self.outcome = Some(Outcome::Abnormal);
        }
    }

    fn reading_stopped(&self) -> bool {
        self.received_close.is_some() || self.outcome.is_some() || self.eof || self.aborted
    }

    fn report_outcome(&mut self) -> Option<Event<'static, '_>> {
        if self.outcome_reported {
            return None;
        }
        let outcome = self.outcome?;
        self.outcome_reported = true;
        Some(Event::Closed(match outcome {
            Outcome::Clean => Closure::Clean(self.peer_close_frame()),
            Outcome::Failed(e) => Closure::Failed(e),
            Outcome::Abnormal => Closure::Abnormal,
        }))
    }

    // ----- state -----

    /// Whether our Close was sent or queued: no more data may be sent.
    pub fn closing(&self) -> bool {
        self.sent_close || self.pending_close.is_some() || self.outcome.is_some()
    }

    /// Whether the connection has ended (the outcome is known).
    pub fn is_closed(&self) -> bool {
        self.outcome.is_some()
    }

    /// How the connection ended, once it has.
    pub fn closure(&self) -> Option<Closure<'_>> {
        Some(match self.outcome? {
            Outcome::Clean => Closure::Clean(self.peer_close_frame()),
            Outcome::Failed(e) => Closure::Failed(e),
            Outcome::Abnormal => Closure::Abnormal,
        })
    }

    /// Whether the caller should now close the transport (RFC 6455 §7.1.1):
    /// after a failure or an abnormal end once the queued Close is written;
    /// a server once both Close frames are exchanged; a client once the
    /// server closed the transport (`handle_eof`) or the close timeout passed
    /// ([`abort`](Self::abort)).
    pub fn transport_should_close(&self) -> bool {
        if self.eof || self.aborted {
            return true;
        }
        match self.outcome {
            None => false,
            Some(Outcome::Clean) => self.role == Role::Server && self.pending_close.is_none(),
            Some(_) => self.pending_close.is_none(),
        }
    }

    /// The number of Pongs received so far (for keep-alive bookkeeping).
    pub fn pongs_received(&self) -> u64 {
        self.pongs_received
    }

    /// Input bytes held inside the connection (partial header or control
    /// frame, carried UTF-8): never more than 14 + 125 + 3.
    pub fn buffered(&self) -> usize {
        self.decoder.buffered() + self.utf8.pending()
    }

    /// Whether a received message is in progress.
    pub fn receiving_message(&self) -> Option<MessageKind> {
        self.recv_kind
    }

    /// Whether replies are waiting for [`poll_transmit`](Self::poll_transmit).
    pub fn wants_transmit(&self) -> bool {
        self.pending_close.is_some() || (!self.sent_close && (self.pong.is_some() || self.ping.is_some()))
    }

    // ----- output -----

    /// Writes the next frame the protocol obliges (a Pong, a queued Ping, a
    /// Close echo or the Close after a failure) into `out`, which must have
    /// room for [`MAX_CONTROL_FRAME_LEN`] bytes. Returns `Ok(None)` when
    /// nothing is waiting. Call it until it returns `None` after every call
    /// that may have changed the connection.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        if self.sent_close || self.aborted {
            return Ok(None);
        }
        if out.len() < MAX_CONTROL_FRAME_LEN && self.wants_transmit() {
            return Err(BufferTooSmall { needed: MAX_CONTROL_FRAME_LEN });
        }
        if let Some(len) = self.pong.take() {
            let payload = self.pong_payload;
            return Ok(Some(self.write_frame(Opcode::Pong, true, &payload[..len as usize], out)));
        }
        if let Some(len) = self.ping.take() {
            let payload = self.ping_payload;
            return Ok(Some(self.write_frame(Opcode::Ping, true, &payload[..len as usize], out)));
        }
        if let Some(code) = self.pending_close.take() {
            let n = self.write_close(code, b"", out);
            return Ok(Some(n));
        }
        Ok(None)
    }

    /// Queues a Ping for [`poll_transmit`](Self::poll_transmit) (used by the
    /// keep-alive timer; replaces a Ping still waiting).
    pub fn queue_ping(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlPayloadTooLong);
        }
        if self.closing() {
            return Err(UsageError::Closed);
        }
        self.ping_payload[..payload.len()].copy_from_slice(payload);
        self.ping = Some(payload.len() as u8);
        Ok(())
    }

    /// Writes a whole text message (fragmented at
    /// [`Config::max_outgoing_frame`]) into `out`; returns the bytes written.
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_message(MessageKind::Text, text.as_bytes(), out)
    }

    /// Writes a whole binary message into `out`; returns the bytes written.
    pub fn send_binary(&mut self, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_message(MessageKind::Binary, data, out)
    }

    /// Writes a whole message of `kind`.
    pub fn send_message(&mut self, kind: MessageKind, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        if self.send_kind.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        self.send_data(kind.opcode(), data, true, out)
    }

    /// Writes the next piece of a message of unknown length: the first call
    /// starts a message of `kind`, later calls continue it (with the same
    /// `kind`), the call with `fin` ends it. For text, the pieces together
    /// must be valid UTF-8.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<usize, UsageError> {
        let opcode = match self.send_kind {
            None => kind.opcode(),
            Some(k) if k == kind => Opcode::Continuation,
            Some(_) => return Err(UsageError::MessageInProgress),
        };
        let n = self.send_data(opcode, chunk, fin, out)?;
        self.send_kind = if fin { None } else { Some(kind) };
        Ok(n)
    }

    /// Zero-copy sending: writes only the header of one data frame into
    /// `header` and masks `payload` in place (client), so the caller can
    /// write header and payload with one vectored write. Message state is
    /// kept as with [`send_fragment`](Self::send_fragment).
    pub fn encode_data_header(
        &mut self,
        kind: MessageKind,
        payload: &mut [u8],
        fin: bool,
        header: &mut [u8; crate::frame::MAX_HEADER_LEN],
    ) -> Result<usize, UsageError> {
        if self.closing() {
            return Err(UsageError::Closed);
        }
        let opcode = match self.send_kind {
            None => kind.opcode(),
            Some(k) if k == kind => Opcode::Continuation,
            Some(_) => return Err(UsageError::MessageInProgress),
        };
        let mut h = FrameHeader::new(opcode, payload.len() as u64);
        h.fin = fin;
        if self.role == Role::Client {
            let key = self.mask.next_mask();
            apply_mask(payload, key, 0);
            h.mask = Some(key);
        }
        self.send_kind = if fin { None } else { Some(kind) };
        Ok(h.encode(header))
    }

    /// Writes a Ping with `payload` (at most 125 bytes).
    pub fn send_ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_control(Opcode::Ping, payload, out)
    }

    /// Writes a Pong with `payload` (at most 125 bytes); an unsolicited Pong
    /// serves as a one-way heartbeat (RFC 6455 §5.5.3).
    pub fn send_pong(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_control(Opcode::Pong, payload, out)
    }

    /// Starts (or answers) the closing handshake: writes a Close with `code`
    /// and `reason` (at most 123 bytes). [`CloseCode::NO_STATUS`] with an
    /// empty reason sends an empty Close. If the peer's Close is waiting for
    /// our reply, this is the reply. No data may be sent afterwards.
    pub fn close(&mut self, code: CloseCode, reason: &str, out: &mut [u8]) -> Result<usize, UsageError> {
        CloseFrame { code, reason }.check_sendable()?;
        let peer_waiting = self.received_close.is_some() && self.pending_close.is_some() && self.outcome.is_none();
        if self.sent_close || self.aborted || (self.outcome.is_some() || self.pending_close.is_some()) && !peer_waiting
        {
            return Err(UsageError::Closed);
        }
        let needed = self.frame_len(if code == CloseCode::NO_STATUS { 0 } else { 2 + reason.len() });
        if out.len() < needed {
            return Err(BufferTooSmall { needed }.into());
        }
        self.pending_close = None;
        Ok(self.write_close(code, reason.as_bytes(), out))
    }

    fn send_control(&mut self, opcode: Opcode, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlPayloadTooLong);
        }
        if self.closing() {
            return Err(UsageError::Closed);
        }
        let needed = self.frame_len(payload.len());
        if out.len() < needed {
            return Err(BufferTooSmall { needed }.into());
        }
        Ok(self.write_frame(opcode, true, payload, out))
    }

    fn send_data(&mut self, opcode: Opcode, data: &[u8], fin: bool, out: &mut [u8]) -> Result<usize, UsageError> {
        if self.closing() {
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
        let n = self.write_frame(Opcode::Close, true, &payload[..len], out);
        self.sent_close = true;
        self.pong = None;
        self.ping = None;
        if self.received_close.is_some() && self.outcome.is_none() {
            self.outcome = Some(Outcome::Clean);
        }
        n
    }

    /// Writes one frame; the caller checked that `out` has room.
    fn write_frame(&mut self, opcode: Opcode, fin: bool, payload: &[u8], out: &mut [u8]) -> usize {
        let mut h = FrameHeader::new(opcode, payload.len() as u64);
        h.fin = fin;
        let key = if self.role == Role::Client { Some(self.mask.next_mask()) } else { None };
        h.mask = key;
        // Encode straight into the output when it has room for the longest
        // header: a copy through a temporary costs a memcpy call per frame.
        let hl = match out.get_mut(..crate::frame::MAX_HEADER_LEN).and_then(|o| <&mut [u8; 14]>::try_from(o).ok()) {
            Some(direct) => h.encode(direct),
            None => {
                let mut head = [0u8; crate::frame::MAX_HEADER_LEN];
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
