//! permessage-deflate (RFC 7692) inside the connection (feature `deflate`):
//! construction from the agreement, the receive step that inflates into
//! the caller's buffer, and the send path that compresses whole messages.
//!
//! Everything lives behind one `Box`, so a connection without the
//! extension pays one pointer.

use alloc::boxed::Box;

use crate::deflate::codec::MIN_COMPRESS_OUTPUT;
use crate::deflate::{Compressor, DeflateAgreement, DeflateCodec, DeflateConfig, Flush, EXTENSION_NAME};
use crate::error::{BufferTooSmall, ProtocolError, UsageError};
use crate::frame::{FrameHeader, HeaderRules, Opcode, Role, MAX_HEADER_LEN};
use crate::handshake::Negotiated;
use crate::mask::{apply_mask, MaskSource};

use super::receive::Step;
use super::send::FrameSink;
use super::{Connection, MessageKind};

/// The codec and the receive state of a compressed message.
pub(super) struct DeflateState {
    agreement: DeflateAgreement,
    config: DeflateConfig,
    role: Role,
    codec: DeflateCodec,
    /// The message being received has RSV1 on its first frame.
    compressed: bool,
    /// All compressed bytes of the frame just read were consumed but the
    /// decompressor still owes output (its output was full): drained before
    /// the next header is read. `Some(true)`: that frame ended the message.
    owed: Option<bool>,
    /// Compressed payload bytes of the message being received.
    wire_len: u64,
}

impl DeflateState {
    fn new(agreement: DeflateAgreement, role: Role, config: DeflateConfig) -> Self {
        Self {
            agreement,
            config,
            role,
            codec: DeflateCodec::new(agreement, role, &config),
            compressed: false,
            owed: None,
            wire_len: 0,
        }
    }
}

impl Clone for DeflateState {
    /// zlib's state cannot be copied: the clone gets a fresh codec built
    /// from the same agreement (see [`Connection::with_deflate`]).
    fn clone(&self) -> Self {
        Self {
            compressed: self.compressed,
            owed: self.owed,
            wire_len: self.wire_len,
            ..Self::new(self.agreement, self.role, self.config)
        }
    }
}

impl core::fmt::Debug for DeflateState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeflateState")
            .field("agreement", &self.agreement)
            .field("codec", &self.codec)
            .field("compressed", &self.compressed)
            .field("owed", &self.owed)
            .finish()
    }
}

/// The compressed bytes a message may take on the wire: the decompressed
/// limit plus DEFLATE's worst-case overhead (5 bytes per 64 KiB stored
/// block, rounded up generously). Bounds the time spent on a message whose
/// compressed bytes inflate to nothing (empty blocks).
fn wire_limit(max_message_size: u64) -> u64 {
    max_message_size.saturating_add(max_message_size / 1024).saturating_add(1024)
}

impl<M: MaskSource> Connection<M> {
    /// Runs permessage-deflate (RFC 7692) on this connection as `agreement`
    /// says (context takeover, window bits), with the level, memory level,
    /// threshold and release option of `config` (the one used to
    /// negotiate). RSV1 becomes allowed on the first frame of a data
    /// message; the codec allocates on the first compressed message.
    ///
    /// Receiving: feed input with
    /// [`handle_data_into`](Self::handle_data_into) (compressed messages
    /// are inflated into the caller's buffer). Sending: `send_text`,
    /// `send_binary`, `send_message` and their `_vec` variants compress
    /// whole messages ([`Compressor::should_compress`] decides);
    /// `send_fragment` and `encode_data_header` send uncompressed.
    ///
    /// A clone of such a connection gets a fresh codec (zlib's state cannot
    /// be copied): it is only right between messages when neither
    /// direction keeps its context (`*_no_context_takeover` both ways).
    pub fn with_deflate(mut self, agreement: DeflateAgreement, config: DeflateConfig) -> Self {
        let mut rules = *self.decoder.rules();
        rules.allowed_rsv |= HeaderRules::RSV1;
        self.decoder.set_rules(rules);
        self.deflate = Some(Box::new(DeflateState::new(agreement, self.role, config)));
        self
    }

    /// The permessage-deflate agreement in force, if any.
    pub fn deflate_agreement(&self) -> Option<DeflateAgreement> {
        self.deflate.as_ref().map(|d| d.agreement)
    }

    /// Notes whether the message that `header` (a Text or Binary frame)
    /// starts is compressed.
    pub(super) fn deflate_start_message(&mut self, header: &FrameHeader) {
        if let Some(d) = self.deflate.as_deref_mut() {
            d.compressed = header.rsv1;
            d.owed = None;
            d.wire_len = 0;
        }
    }

    /// Whether the message being received is compressed.
    #[inline]
    pub(super) fn inflating(&self) -> bool {
        self.recv.kind.is_some() && self.deflate.as_ref().is_some_and(|d| d.compressed)
    }

    /// Counts a compressed frame's payload against [`wire_limit`]; `false`
    /// when the message is not compressed (the caller counts it).
    pub(super) fn count_compressed(&mut self, header: &FrameHeader) -> Result<bool, ProtocolError> {
        let limit = wire_limit(self.config.max_message_size);
        match self.deflate.as_deref_mut() {
            Some(d) if d.compressed => {
                d.wire_len = d.wire_len.saturating_add(header.payload_len);
                if d.wire_len > limit {
                    return Err(ProtocolError::MessageTooLarge);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Whether output from the last frame's compressed bytes is still owed.
    #[inline]
    pub(super) fn inflate_owed(&self) -> bool {
        self.deflate.as_ref().is_some_and(|d| d.owed.is_some())
    }

    /// Inflates the compressed chunk `buf[start..end]` of the frame
    /// `header` into `out`. Bytes the decompressor could not take (its
    /// output was full) are given back to the decoder, which knows they
    /// are unmasked already; the caller passes them again. Returns the
    /// input used (up to the decompressor's position) and the step.
    pub(super) fn inflate_chunk(
        &mut self,
        header: FrameHeader,
        buf: &[u8],
        (start, end, frame_fin): (usize, usize, bool),
        out: &mut [u8],
    ) -> (usize, Step) {
        if frame_fin {
            self.recv.in_frame = false;
        }
        let Some(d) = self.deflate.as_deref_mut() else { return (end, Step::Fail(ProtocolError::ReservedBits)) };
        if out.is_empty() {
            return (end, Step::Fail(ProtocolError::NoInflateBuffer));
        }
        let message_end = frame_fin && header.fin;
        let chunk = &buf[start..end];
        let p = match d.codec.decompressor.decompress(chunk, out, message_end) {
            Ok(p) => p,
            Err(_) => return (end, Step::Fail(ProtocolError::InvalidCompressedData)),
        };
        let rest = chunk.len() - p.consumed;
        let mut frame_done = frame_fin;
        if rest > 0 {
            if p.produced == 0 {
                // No progress with room to write: the data cannot go on.
                return (end, Step::Fail(ProtocolError::InvalidCompressedData));
            }
            self.decoder.unread(header, rest);
            self.recv.in_frame = true;
            frame_done = false;
        } else if !p.finished {
            d.owed = Some(message_end);
            frame_done = false;
        }
        let step = self.inflated(p.produced, frame_done, frame_done && header.fin, out);
        (start + p.consumed, step)
    }

    /// Drains the output owed from the last frame (see `DeflateState::owed`).
    pub(super) fn inflate_owed_output(&mut self, out: &mut [u8]) -> Step {
        let Some(d) = self.deflate.as_deref_mut() else { return Step::Again };
        let Some(end) = d.owed.take() else { return Step::Again };
        if out.is_empty() {
            return Step::Fail(ProtocolError::NoInflateBuffer);
        }
        let p = match d.codec.decompressor.decompress(&[], out, end) {
            Ok(p) => p,
            Err(_) => return Step::Fail(ProtocolError::InvalidCompressedData),
        };
        if !p.finished {
            if p.produced == 0 {
                return Step::Fail(ProtocolError::InvalidCompressedData);
            }
            d.owed = Some(end);
        }
        self.inflated(p.produced, p.finished, p.finished && end, out)
    }

    /// Accounts for `produced` inflated bytes at the start of `out`: the
    /// message limit (decompressed bytes), UTF-8 for text, the message end.
    fn inflated(&mut self, produced: usize, frame_fin: bool, message_fin: bool, out: &[u8]) -> Step {
        self.recv.len = self.recv.len.saturating_add(produced as u64);
        if self.recv.len > self.config.max_message_size {
            if let Some(d) = self.deflate.as_deref_mut() {
                d.codec.decompressor.abandon_message();
            }
            return Step::Fail(ProtocolError::MessageTooLarge);
        }
        let kind = self.recv.kind.unwrap_or(MessageKind::Binary);
        if kind == MessageKind::Text {
            let utf8 = &mut self.recv.utf8;
            let checked = utf8.feed(&out[..produced]).and_then(|()| if message_fin { utf8.finish() } else { Ok(()) });
            if checked.is_err() {
                return Step::Fail(ProtocolError::InvalidUtf8);
            }
        }
        if message_fin {
            self.recv.kind = None;
            if let Some(d) = self.deflate.as_deref_mut() {
                d.compressed = false;
            }
        }
        if produced == 0 && !frame_fin {
            return Step::Again;
        }
        Step::Inflated { kind, len: produced, frame_fin, message_fin }
    }

    /// Whether a whole message of `len` bytes is sent compressed.
    #[inline]
    pub(super) fn compresses(&self, len: usize) -> bool {
        self.deflate.as_ref().is_some_and(|d| d.codec.compressor.should_compress(len))
    }

    /// Sends a whole message compressed (RFC 7692 §7.2.1): RSV1 on the first
    /// frame, the tail stripped (by the codec), fragmented at
    /// [`Config::max_outgoing_frame`](super::Config::max_outgoing_frame)
    /// after compression, masked after compression (client). Falls back to
    /// an uncompressed message if zlib reports an internal error.
    pub(super) fn send_compressed(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        sink: &mut impl FrameSink,
    ) -> Result<(), UsageError> {
        if !self.life.state.may_send_data() {
            return Err(UsageError::Closed);
        }
        let want = MAX_HEADER_LEN + self.data_len(Compressor::max_compressed_len(data.len()));
        match sink.region(want, |region| self.write_compressed(kind.opcode(), data, region)) {
            Ok(true) => Ok(()),
            Ok(false) => self.send_data(kind.opcode(), data, true, sink),
            Err(e) => Err(e.into()),
        }
    }

    /// Compresses `data` into `region` and frames it there. Returns the
    /// bytes written and `Ok(false)` when zlib failed (nothing written).
    fn write_compressed(
        &mut self,
        opcode: Opcode,
        data: &[u8],
        region: &mut [u8],
    ) -> (usize, Result<bool, BufferTooSmall>) {
        // Room for the largest header before the compressed bytes: the
        // header's length depends on the compressed size, known only after.
        const GAP: usize = MAX_HEADER_LEN;
        let bound = GAP + self.data_len(Compressor::max_compressed_len(data.len()));
        let Some(d) = self.deflate.as_deref_mut() else { return (0, Ok(false)) };
        let compressor = &mut d.codec.compressor;
        if region.len() < GAP + MIN_COMPRESS_OUTPUT {
            return (0, Err(BufferTooSmall { needed: bound }));
        }
        let p = match compressor.compress(data, &mut region[GAP..], Flush::Message) {
            Ok(p) => p,
            Err(_) => {
                compressor.abandon_message();
                return (0, Ok(false));
            }
        };
        if !p.finished {
            // Nothing is sent: the next message starts from a fresh context,
            // which the peer's decompressor follows whatever its window holds.
            compressor.abandon_message();
            return (0, Err(BufferTooSmall { needed: bound }));
        }
        let len = p.produced;
        let total = self.data_len(len);
        if total > region.len() {
            if let Some(d) = self.deflate.as_deref_mut() {
                d.codec.compressor.abandon_message();
            }
            return (0, Err(BufferTooSmall { needed: bound.max(total) }));
        }
        let piece = self.config.max_outgoing_frame.max(1);
        // The headers of all frames take `total - len` bytes. One memmove
        // per frame puts its payload after its header, unavoidable since
        // the header length depends on the compressed size; with several
        // frames whose headers need more than the gap, the payload first
        // moves right so the frames can be laid out left to right.
        let headers = total - len;
        let mut from = GAP;
        if headers > GAP {
            region.copy_within(GAP..GAP + len, headers);
            from = headers;
        }
        let (mut at, mut left, mut op) = (0, len, opcode);
        while left > 0 {
            let n = left.min(piece);
            let mut h = self.header(op, n == left, n);
            h.rsv1 = op != Opcode::Continuation;
            let mut head = [0u8; MAX_HEADER_LEN];
            let hl = h.encode(&mut head);
            region[at..at + hl].copy_from_slice(&head[..hl]);
            at += hl;
            if from != at {
                region.copy_within(from..from + n, at);
            }
            if let Some(key) = h.mask {
                apply_mask(&mut region[at..at + n], key, 0);
            }
            at += n;
            from += n;
            left -= n;
            op = Opcode::Continuation;
        }
        (at, Ok(true))
    }
}

/// The permessage-deflate agreement among the handshake's extensions: the
/// response as the server wrote it, read with the negotiation module
/// (either role). Any other extension, or a response that is not a valid
/// permessage-deflate one, is refused.
pub(super) fn agreement_of(negotiated: &Negotiated<'_>) -> Result<Option<DeflateAgreement>, UsageError> {
    if negotiated.extensions().any(|e| !e.name.eq_ignore_ascii_case(EXTENSION_NAME)) {
        return Err(UsageError::UnsupportedExtension);
    }
    // With the default config nothing was asked for, so the check only
    // reads the parameters as stated (and refuses repeated or invalid ones).
    DeflateConfig::default().check_response(negotiated.extensions()).map_err(|_| UsageError::UnsupportedExtension)
}
