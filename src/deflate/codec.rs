//! The per-message codec (RFC 7692 §7.2): a [`Compressor`] for what we send
//! and a [`Decompressor`] for what we receive, both streamed through caller
//! buffers of any size.
//!
//! Both halves allocate their zlib state lazily, on the first compressed
//! message, and keep it for the next message, reset when the agreement says
//! no context takeover; with [`DeflateConfig::release_between_messages`]
//! (and no context takeover) the state is freed at the end of every message
//! instead.
//!
//! ## Memory (zlib-rs 0.6.9, x86_64, measured by `tests/deflate_memory.rs`)
//!
//! Heap held by each half once it has compressed or decompressed a message,
//! the same mid-message and idle (nothing grows with the message):
//!
//! | half | window bits | mem_level | heap |
//! |---|---|---|---|
//! | [`Decompressor`] | any (8-15) | - | 46.4 KiB |
//! | [`Compressor`] | 15 | 8 (default) | 371.1 KiB |
//! | [`Compressor`] | 15 | 1 | 260.0 KiB |
//! | [`Compressor`] | 9 | 8 | 245.1 KiB |
//! | [`Compressor`] | 9 | 1 | 134.0 KiB |
//!
//! zlib-rs sizes the compressor as 4 × 2^window (the doubled window and its
//! hash chains) + 128 KiB (a fixed 64 Ki-entry hash head, whatever the
//! window) + 7 × 2^(mem_level + 6) (pending and symbol buffers) + about
//! 2 KiB of state; the decompressor allocates a 32 KiB window for every
//! window size. So a connection with the defaults holds about 418 KiB once
//! it has sent and received a compressed message.
//!
//! - With context takeover the state is the context: it stays, idle or not.
//! - Without context takeover the state is reset in place after every
//!   message (no allocation per message); with
//!   [`DeflateConfig::release_between_messages`] it is freed instead, so an
//!   idle connection holds 0 bytes, at the cost of one allocation per half
//!   per message (and zlib-rs zeroing the window each time).
//! - Before its first compressed message a half holds nothing (lazy).
//! - Refusing a bomb (64 MiB of zeros in 63 KiB, stopped at a 16 MiB limit)
//!   peaks at the decompressor's 46.4 KiB.

use super::{DeflateAgreement, DeflateConfig};
use crate::frame::Role;
use core::fmt;
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush, Status};

/// The empty stored block a sync flush ends with: stripped from every
/// compressed message by the sender (§7.2.1), appended back by the receiver
/// (§7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The smallest output buffer [`Compressor::compress`] accepts. It keeps the
/// last four bytes it produced back until it knows whether they are the
/// [`TAIL`] to strip, and zlib needs room for more than one 5-byte flush
/// marker: when a flush fills the output exactly, zlib's next call writes
/// another (empty, harmless) marker, and with less room than that the calls
/// would never finish.
pub const MIN_COMPRESS_OUTPUT: usize = 16;

/// How far one call has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Input bytes used; call again with the rest.
    pub consumed: usize,
    /// Output bytes written at the start of the output buffer.
    pub produced: usize,
    /// Everything asked for is done: all input consumed and, after a flush or
    /// at the end of a message, all output delivered. When false, call again
    /// with the unconsumed input (possibly empty) and fresh output room.
    pub finished: bool,
}

/// Why the codec stopped. `Copy`, allocation-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeflateError {
    /// The compressed data of a message is not valid DEFLATE: the connection
    /// fails with 1007 (RFC 7692 §8.1 leaves it to RFC 6455 §8.1; the data
    /// is "inconsistent with the type of the message").
    Corrupt,
    /// The output buffer is empty ([`Decompressor`]) or shorter than
    /// [`MIN_COMPRESS_OUTPUT`] ([`Compressor`]); nothing was done.
    OutputTooSmall,
    /// The agreement limits our window to 8 bits, which zlib cannot compress
    /// with: send this message uncompressed ([`Compressor::should_compress`]).
    WindowUnsupported,
    /// zlib reported a state error while compressing (a bug, not the
    /// peer's fault): the connection fails with 1011.
    Internal,
}

impl DeflateError {
    /// The close code a connection fails with: 1007 for corrupt input, 1011
    /// otherwise.
    pub const fn close_code(self) -> crate::CloseCode {
        match self {
            Self::Corrupt => crate::CloseCode::INVALID_PAYLOAD,
            _ => crate::CloseCode::INTERNAL_ERROR,
        }
    }
}

impl fmt::Display for DeflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Corrupt => "invalid compressed data",
            Self::OutputTooSmall => "output buffer too small for the codec",
            Self::WindowUnsupported => "cannot compress with an 8-bit window",
            Self::Internal => "compressor state error",
        })
    }
}

impl core::error::Error for DeflateError {}

/// Both halves of one connection's codec. The halves are independent, so a
/// caller that splits reading and writing can move them apart.
#[derive(Debug)]
pub struct DeflateCodec {
    /// Compresses what this endpoint sends.
    pub compressor: Compressor,
    /// Decompresses what the peer sends.
    pub decompressor: Decompressor,
}

impl DeflateCodec {
    /// The codec for `role` under `agreement`, with the level, memory level,
    /// threshold and release option of `config` (the one used to negotiate).
    /// Allocates nothing yet.
    pub fn new(agreement: DeflateAgreement, role: Role, config: &DeflateConfig) -> Self {
        Self {
            compressor: Compressor::new(agreement, role, config),
            decompressor: Decompressor::new(agreement, role, config),
        }
    }
}

/// Decompresses the messages the peer compressed (RSV1 set on their first
/// frame), streamed: any input chunk, any output room.
///
/// Call [`Self::decompress`] with each payload chunk of the message, in
/// order, and `end_of_message` on the chunk that ends the message (it may be
/// empty); repeat with the unconsumed rest while `finished` is false. The
/// codec appends the `00 00 ff ff` tail itself (RFC 7692 §7.2.2) and resets
/// its context after the message when the peer does not take it over.
///
/// Every call writes at most `output.len()` bytes, so a caller that counts
/// the produced bytes can stop a message at its size limit after one bounded
/// chunk ([`Self::message_len`] counts them too), however small the input
/// that produced them.
pub struct Decompressor {
    inflate: Option<Inflate>,
    /// The peer resets its context after each message: so do we.
    reset_each_message: bool,
    /// Free the state at the end of each message (only with `reset_each_message`).
    release: bool,
    /// How much of [`TAIL`] this message has fed.
    tail_fed: u8,
    /// The message contained a final block (BFINAL): the stream has ended and
    /// the rest of the message is ignored (RFC 7692 §7.2.3.4).
    stream_ended: bool,
    /// Decompressed bytes of the current message so far.
    message_len: u64,
}

impl fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decompressor")
            .field("allocated", &self.inflate.is_some())
            .field("reset_each_message", &self.reset_each_message)
            .field("release", &self.release)
            .field("message_len", &self.message_len)
            .finish()
    }
}

impl Decompressor {
    /// The decompressor for `role` (its peer's sending direction of `agreement`).
    pub fn new(agreement: DeflateAgreement, role: Role, config: &DeflateConfig) -> Self {
        let reset_each_message = agreement.receiving(role).no_context_takeover;
        Self {
            inflate: None,
            reset_each_message,
            release: reset_each_message && config.release_between_messages,
            tail_fed: 0,
            stream_ended: false,
            message_len: 0,
        }
    }

    /// Decompresses `input`, the next chunk of a compressed message, into
    /// `output` (not empty). `end_of_message`: `input` is the last of the
    /// message (the rest of the frame with FIN); when the call reports
    /// `finished`, the message is complete and the next call starts a new
    /// one.
    ///
    /// Errors: [`DeflateError::Corrupt`] for data that is not DEFLATE (the
    /// decompressor is then reset to start a fresh stream, but the
    /// connection should fail with 1007), [`DeflateError::OutputTooSmall`]
    /// for an empty `output`.
    pub fn decompress(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        end_of_message: bool,
    ) -> Result<Progress, DeflateError> {
        if output.is_empty() {
            return Err(DeflateError::OutputTooSmall);
        }
        let inflate = self.inflate.get_or_insert_with(|| Inflate::new(false, 15));
        let (mut consumed, mut produced) = (0, 0);
        loop {
            if self.stream_ended {
                consumed = input.len();
                self.tail_fed = TAIL.len() as u8;
                break;
            }
            let tail_from = usize::from(self.tail_fed);
            let (src, tail) = if consumed < input.len() {
                (&input[consumed..], false)
            } else if end_of_message && tail_from < TAIL.len() {
                (&TAIL[tail_from..], true)
            } else {
                break;
            };
            if produced == output.len() {
                break;
            }
            let (in0, out0) = (inflate.total_in(), inflate.total_out());
            let status = match inflate.decompress(src, &mut output[produced..], InflateFlush::NoFlush) {
                Ok(status) => status,
                Err(_) => {
                    self.abandon_message();
                    return Err(DeflateError::Corrupt);
                }
            };
            let used = (inflate.total_in() - in0) as usize;
            let made = (inflate.total_out() - out0) as usize;
            produced += made;
            if tail {
                self.tail_fed += used as u8;
            } else {
                consumed += used;
            }
            if status == Status::StreamEnd {
                self.stream_ended = true;
            } else if used == 0 && made == 0 {
                break;
            }
        }
        self.message_len += produced as u64;
        let finished = consumed == input.len()
            && (!end_of_message || usize::from(self.tail_fed) == TAIL.len())
            && produced < output.len();
        if finished && end_of_message {
            self.end_message();
        }
        Ok(Progress { consumed, produced, finished })
    }

    /// Decompressed bytes of the current message so far.
    pub fn message_len(&self) -> u64 {
        self.message_len
    }

    /// Whether the zlib state is allocated now.
    pub fn is_allocated(&self) -> bool {
        self.inflate.is_some()
    }

    /// Drops the rest of the current message (e.g. after the connection
    /// stopped it at the size limit) and resets the context: the stream the
    /// peer compresses cannot be followed after a gap.
    pub fn abandon_message(&mut self) {
        // As after a final block: the next message starts a fresh stream.
        self.stream_ended = true;
        self.end_message();
    }

    fn end_message(&mut self) {
        self.tail_fed = 0;
        self.message_len = 0;
        let fresh = core::mem::take(&mut self.stream_ended) || self.reset_each_message;
        if self.release {
            self.inflate = None;
        } else if fresh {
            if let Some(inflate) = self.inflate.as_mut() {
                inflate.reset(false);
            }
        }
    }
}

/// What [`Compressor::compress`] does at the end of the call's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flush {
    /// Nothing: zlib may keep recent input buffered (best compression). The
    /// call is finished once the input is consumed.
    None,
    /// Make every byte given so far decodable by the receiver (a sync flush,
    /// a few bytes of cost), without ending the message: for a fragment the
    /// peer should see at once.
    Sync,
    /// End the message: flush, strip the trailing `00 00 ff ff` (RFC 7692
    /// §7.2.1), and reset the context when the agreement says no context
    /// takeover.
    Message,
}

/// Compresses the messages we send, streamed: any input chunk, output room
/// of at least [`MIN_COMPRESS_OUTPUT`] bytes.
///
/// Zero-copy as far as DEFLATE allows: input is read from the caller's
/// slice and output written into the caller's buffer. Compression cannot
/// happen in place, so the compressed bytes are necessarily a second buffer;
/// a frame writer that must know the payload length before the header
/// either reserves the largest header and moves the payload once, or
/// compresses the message first ([`Self::compress_message_vec`]).
pub struct Compressor {
    deflate: Option<Deflate>,
    /// Our window (9-15), or 8 when the agreement allows us no more: then we
    /// never compress.
    window_bits: u8,
    level: u8,
    mem_level: u8,
    reset_each_message: bool,
    release: bool,
    threshold: usize,
    /// The last bytes produced, held back: they may be the tail to strip.
    held: [u8; 4],
    held_len: u8,
    /// Input seen in the current message.
    message_input: bool,
    /// Output produced in the current message (held bytes included).
    message_output: bool,
}

impl fmt::Debug for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compressor")
            .field("allocated", &self.deflate.is_some())
            .field("window_bits", &self.window_bits)
            .field("level", &self.level)
            .field("reset_each_message", &self.reset_each_message)
            .field("release", &self.release)
            .field("threshold", &self.threshold)
            .finish()
    }
}

impl Compressor {
    /// The compressor for `role` (its sending direction of `agreement`), with
    /// our window the smaller of the agreed one and the config's.
    pub fn new(agreement: DeflateAgreement, role: Role, config: &DeflateConfig) -> Self {
        let sending = agreement.sending(role);
        let window_bits = sending.max_window_bits.clamp(8, 15).min(config.send_window());
        Self {
            deflate: None,
            window_bits,
            level: config.level.min(9),
            mem_level: config.mem_level.clamp(1, 9),
            reset_each_message: sending.no_context_takeover,
            release: sending.no_context_takeover && config.release_between_messages,
            threshold: config.threshold,
            held: [0; 4],
            held_len: 0,
            message_input: false,
            message_output: false,
        }
    }

    /// Whether to compress a message of `len` bytes (for a fragmented
    /// message, decide on the first fragment, e.g. with the total length if
    /// known): false under the threshold and when the agreement limits our
    /// window to 8 bits. An uncompressed message is sent with RSV1 clear.
    pub fn should_compress(&self, len: usize) -> bool {
        self.window_bits >= 9 && len >= self.threshold
    }

    /// The LZ77 window we compress with, in bits.
    pub fn window_bits(&self) -> u8 {
        self.window_bits
    }

    /// Whether the zlib state is allocated now.
    pub fn is_allocated(&self) -> bool {
        self.deflate.is_some()
    }

    /// An output size that always holds a whole message of `len` bytes
    /// compressed with [`Flush::Message`] in one call (zlib's conservative
    /// bound plus the flush marker).
    pub const fn max_compressed_len(len: usize) -> usize {
        len + (len >> 3) + (len >> 6) + 32
    }

    /// Compresses `input`, the next part of the message, into `output`
    /// (at least [`MIN_COMPRESS_OUTPUT`] bytes); `flush` says what to do at
    /// the end of `input`. While `finished` is false, call again with the
    /// unconsumed rest of `input` and the same `flush`. The bytes of all the
    /// calls of one message, concatenated, are its payload (split them into
    /// frames anywhere); after [`Flush::Message`] finishes, the next call
    /// starts a new message.
    pub fn compress(&mut self, input: &[u8], output: &mut [u8], flush: Flush) -> Result<Progress, DeflateError> {
        if self.window_bits < 9 {
            return Err(DeflateError::WindowUnsupported);
        }
        if output.len() < MIN_COMPRESS_OUTPUT {
            return Err(DeflateError::OutputTooSmall);
        }
        self.message_input |= !input.is_empty();
        if flush == Flush::Message && !self.message_input && !self.message_output {
            // An empty message: one empty stored block, tail stripped (§7.2.3.6).
            // Calling zlib here could produce nothing (no input since the last
            // flush), which would leave the receiver mid-block.
            output[0] = 0x00;
            self.end_message();
            return Ok(Progress { consumed: 0, produced: 1, finished: true });
        }
        let (window_bits, level, mem_level) = (self.window_bits, self.level, self.mem_level);
        let deflate = self.deflate.get_or_insert_with(|| new_deflate(window_bits, level, mem_level));
        // The held-back bytes go out first: more output follows them.
        let mut produced = usize::from(self.held_len);
        output[..produced].copy_from_slice(&self.held[..produced]);
        let mode = match flush {
            Flush::None => DeflateFlush::NoFlush,
            Flush::Sync | Flush::Message => DeflateFlush::SyncFlush,
        };
        let mut consumed = 0;
        loop {
            let (in0, out0) = (deflate.total_in(), deflate.total_out());
            deflate.compress(&input[consumed..], &mut output[produced..], mode).map_err(|_| DeflateError::Internal)?;
            let used = (deflate.total_in() - in0) as usize;
            let made = (deflate.total_out() - out0) as usize;
            consumed += used;
            produced += made;
            if produced == output.len() || consumed == input.len() || (used == 0 && made == 0) {
                break;
            }
        }
        let output_full = produced == output.len();
        // Hold the last four bytes back: at the end of the message they are the tail.
        let keep = produced.min(4);
        self.held[..keep].copy_from_slice(&output[produced - keep..produced]);
        self.held_len = keep as u8;
        produced -= keep;
        self.message_output |= keep > 0;
        let finished = consumed == input.len() && (flush == Flush::None || !output_full);
        if finished && flush == Flush::Message {
            if self.held_len != 4 || self.held != TAIL {
                return Err(DeflateError::Internal);
            }
            self.end_message();
        }
        Ok(Progress { consumed, produced, finished })
    }

    /// Compresses a whole message, appending its payload to `out` (which
    /// grows as needed; reserve [`Self::max_compressed_len`] to avoid
    /// reallocation).
    pub fn compress_message_vec(&mut self, input: &[u8], out: &mut alloc::vec::Vec<u8>) -> Result<(), DeflateError> {
        let start = out.len();
        let mut room = Self::max_compressed_len(input.len());
        let mut consumed = 0;
        let mut len = start;
        loop {
            out.resize(len + room, 0);
            let p = self.compress(&input[consumed..], &mut out[len..], Flush::Message);
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    out.truncate(start);
                    return Err(e);
                }
            };
            consumed += p.consumed;
            len += p.produced;
            if p.finished {
                out.truncate(len);
                return Ok(());
            }
            room = room.max(64);
        }
    }

    /// Drops the current message (nothing more of it will be sent) and
    /// starts the next from a fresh context.
    pub fn abandon_message(&mut self) {
        if let Some(deflate) = self.deflate.as_mut() {
            deflate.reset();
        }
        self.held_len = 0;
        self.message_input = false;
        self.message_output = false;
    }

    fn end_message(&mut self) {
        self.held_len = 0;
        self.message_input = false;
        self.message_output = false;
        if self.release {
            self.deflate = None;
        } else if self.reset_each_message {
            if let Some(deflate) = self.deflate.as_mut() {
                deflate.reset();
            }
        }
    }
}

fn new_deflate(window_bits: u8, level: u8, mem_level: u8) -> Deflate {
    Deflate::new_with_config(zlib_rs::DeflateConfig {
        level: i32::from(level),
        window_bits: -i32::from(window_bits),
        mem_level: i32::from(mem_level),
        ..zlib_rs::DeflateConfig::default()
    })
}
