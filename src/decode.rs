//! The frame decoder: header bytes in, payload chunks out, unmasked in place.

use crate::error::ProtocolError;
use crate::frame::{FrameHeader, HeaderRules, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask::apply_mask;

/// What one [`FrameDecoder::decode`] call produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A piece of a data frame's payload (text, binary or continuation),
    /// already unmasked in the caller's buffer. A frame with an empty
    /// payload yields one empty chunk with `frame_fin` set.
    Data {
        /// The frame's header.
        header: FrameHeader,
        /// The payload bytes of this chunk.
        payload: &'a mut [u8],
        /// This chunk ends the frame's payload.
        frame_fin: bool,
    },
    /// A whole control frame (Close, Ping, Pong), unmasked.
    Control {
        /// The frame's header.
        header: FrameHeader,
        /// The whole payload, at most 125 bytes.
        payload: &'a [u8],
    },
}

/// The result of [`FrameDecoder::decode`]: bytes consumed and what they made.
#[derive(Debug, PartialEq, Eq)]
pub struct Decode<'a> {
    /// How many bytes of the input were consumed; the caller drops them
    /// before the next call.
    pub consumed: usize,
    /// `None` when the consumed bytes did not complete anything: more input is needed.
    pub output: Option<Decoded<'a>>,
}

/// What [`FrameDecoder::decode_raw`] produced, as positions in its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDecode {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// `None` when more input is needed.
    pub output: Option<RawOutput>,
}

/// A [`Decoded`] item with positions in place of borrows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawOutput {
    /// A data chunk at `input[start..end]`, unmasked.
    Data {
        /// The frame's header.
        header: FrameHeader,
        /// Start of the chunk in the input.
        start: usize,
        /// End of the chunk in the input.
        end: usize,
        /// This chunk ends the frame's payload.
        frame_fin: bool,
    },
    /// A whole control frame; its payload is [`FrameDecoder::control_payload`].
    Control {
        /// The frame's header.
        header: FrameHeader,
    },
}

/// Turns a byte stream into frames without allocating.
///
/// Header bytes that arrive in pieces are collected in a 14-byte array;
/// control payloads (at most 125 bytes) in a fixed array so they are whole
/// when delivered; data payloads are handed out in place, in chunks as they
/// arrive, so a frame of any size passes through a buffer of any size. The
/// header rules (role, extensions, frame size limit) are checked before any
/// payload is read.
///
/// ```
/// use wsmachine::{decode::Decoded, decode::FrameDecoder, frame::HeaderRules, Role};
/// let mut dec = FrameDecoder::new(HeaderRules::new(Role::Server, 1 << 20));
/// let mut wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let len = wire.len();
/// let d = dec.decode(&mut wire).unwrap();
/// assert_eq!(d.consumed, len);
/// match d.output {
///     Some(Decoded::Data { payload, frame_fin, .. }) => assert_eq!((&payload[..], frame_fin), (&b"Hello"[..], true)),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    rules: HeaderRules,
    header_buf: [u8; MAX_HEADER_LEN],
    header_len: u8,
    /// The frame whose payload is being read.
    frame: Option<FrameHeader>,
    /// Payload bytes of `frame` already read.
    read: u64,
    control: [u8; MAX_CONTROL_PAYLOAD],
    control_len: u8,
    failed: Option<ProtocolError>,
    /// Payload bytes at the start of the next input that are unmasked
    /// already (given back with [`FrameDecoder::unread`]).
    unmasked_ahead: usize,
}

impl FrameDecoder {
    /// A decoder at a frame boundary.
    pub const fn new(rules: HeaderRules) -> Self {
        Self {
            rules,
            header_buf: [0; MAX_HEADER_LEN],
            header_len: 0,
            frame: None,
            read: 0,
            control: [0; MAX_CONTROL_PAYLOAD],
            control_len: 0,
            failed: None,
            unmasked_ahead: 0,
        }
    }

    /// The rules in force.
    pub const fn rules(&self) -> &HeaderRules {
        &self.rules
    }

    /// Changes the rules; they apply from the next header.
    pub fn set_rules(&mut self, rules: HeaderRules) {
        self.rules = rules;
    }

    /// The header of the frame whose payload is being read, if any.
    #[inline]
    pub const fn current_frame(&self) -> Option<&FrameHeader> {
        self.frame.as_ref()
    }

    /// Bytes of the current frame's payload still to come.
    pub fn remaining_payload(&self) -> u64 {
        self.frame.map_or(0, |f| f.payload_len - self.read)
    }

    /// The number of input bytes held inside the decoder (header and control
    /// payload bytes awaiting the rest of their frame); at most 14 + 125.
    pub fn buffered(&self) -> usize {
        let control = match self.frame {
            Some(f) if f.opcode.is_control() => self.read as usize,
            _ => 0,
        };
        self.header_len as usize + control
    }

    /// Whether the decoder stands between frames.
    pub fn at_frame_boundary(&self) -> bool {
        self.frame.is_none() && self.header_len == 0
    }

    /// Decodes from `buf` (consumed bytes are unmasked in place).
    ///
    /// A protocol violation is returned as `Err`; the decoder then stays
    /// failed and returns the same error on every later call.
    pub fn decode<'a>(&'a mut self, buf: &'a mut [u8]) -> Result<Decode<'a>, ProtocolError> {
        self.decode_limited(buf, usize::MAX)
    }

    /// Like [`decode`](Self::decode), but a data chunk is at most `max_chunk`
    /// bytes long (a frame with an empty payload still yields its empty chunk).
    pub fn decode_limited<'a>(&'a mut self, buf: &'a mut [u8], max_chunk: usize) -> Result<Decode<'a>, ProtocolError> {
        let raw = self.decode_raw(buf, max_chunk)?;
        let output = match raw.output {
            None => None,
            Some(RawOutput::Data { header, start, end, frame_fin }) => {
                Some(Decoded::Data { header, payload: &mut buf[start..end], frame_fin })
            }
            Some(RawOutput::Control { header }) => Some(Decoded::Control { header, payload: self.control_payload() }),
        };
        Ok(Decode { consumed: raw.consumed, output })
    }

    /// The payload of the control frame last returned as [`RawOutput::Control`].
    #[inline]
    pub fn control_payload(&self) -> &[u8] {
        &self.control[..self.control_len as usize]
    }

    /// [`decode_limited`](Self::decode_limited) with positions instead of
    /// borrows, for callers that decode in a loop over one buffer.
    #[inline]
    pub fn decode_raw(&mut self, buf: &mut [u8], max_chunk: usize) -> Result<RawDecode, ProtocolError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut consumed = 0;
        let header = match self.frame {
            Some(h) => h,
            None => match self.read_header(buf) {
                Ok((used, Some(h))) => {
                    consumed = used;
                    h
                }
                Ok((used, None)) => return Ok(RawDecode { consumed: used, output: None }),
                Err(e) => {
                    self.failed = Some(e);
                    return Err(e);
                }
            },
        };
        let input = &mut buf[consumed..];
        let remaining = header.payload_len - self.read;
        let offset = self.read as usize;
        if header.opcode.is_control() {
            let take = (remaining as usize).min(input.len());
            let dst = &mut self.control[offset..offset + take];
            dst.copy_from_slice(&input[..take]);
            if let Some(key) = header.mask {
                apply_mask(dst, key, offset);
            }
            self.read += take as u64;
            consumed += take;
            if self.read < header.payload_len {
                return Ok(RawDecode { consumed, output: None });
            }
            self.frame = None;
            self.control_len = header.payload_len as u8;
            return Ok(RawDecode { consumed, output: Some(RawOutput::Control { header }) });
        }
        let take = remaining.min(input.len() as u64).min(max_chunk as u64) as usize;
        if take == 0 && remaining > 0 {
            return Ok(RawDecode { consumed, output: None });
        }
        // Bytes given back with `unread` were unmasked when first read.
        let done = self.unmasked_ahead.min(take);
        self.unmasked_ahead -= done;
        if let Some(key) = header.mask {
            apply_mask(&mut input[done..take], key, offset + done);
        }
        self.read += take as u64;
        let start = consumed;
        consumed += take;
        let frame_fin = self.read == header.payload_len;
        if frame_fin {
            self.frame = None;
        }
        Ok(RawDecode { consumed, output: Some(RawOutput::Data { header, start, end: consumed, frame_fin }) })
    }

    /// Gives back the last `n` payload bytes of the data chunk just returned
    /// for the frame `header` (as [`RawOutput::Data`] or [`Decoded::Data`]),
    /// when the caller could not use them (e.g. a decompressor's output was
    /// full). The frame is rewound by `n` bytes, even if that chunk ended it,
    /// and the caller must pass those same bytes again at the start of its
    /// next input: they are unmasked already, so the decoder does not
    /// unmask them a second time (the mask offset stays right).
    ///
    /// `n` is capped at the bytes of the frame read so far; a control
    /// frame's header is ignored.
    pub fn unread(&mut self, header: FrameHeader, n: usize) {
        if header.opcode.is_control() || n == 0 {
            return;
        }
        if self.frame.is_none() {
            // The chunk ended the frame: `read` still counts its payload.
            self.frame = Some(header);
        }
        let n = (n as u64).min(self.read);
        self.read -= n;
        self.unmasked_ahead += n as usize;
    }

    /// Reads (the rest of) a header from `buf`; returns the bytes used and
    /// the header once complete and checked.
    #[inline]
    fn read_header(&mut self, buf: &[u8]) -> Result<(usize, Option<FrameHeader>), ProtocolError> {
        let (decoded, used) = if self.header_len == 0 {
            // Fast path: the whole header is usually in the input.
            match FrameHeader::decode(buf)? {
                Some((h, len)) => (h, len),
                None => {
                    self.header_buf[..buf.len()].copy_from_slice(buf);
                    self.header_len = buf.len() as u8;
                    return Ok((buf.len(), None));
                }
            }
        } else {
            let had = self.header_len as usize;
            let take = (MAX_HEADER_LEN - had).min(buf.len());
            self.header_buf[had..had + take].copy_from_slice(&buf[..take]);
            match FrameHeader::decode(&self.header_buf[..had + take])? {
                Some((h, len)) => {
                    self.header_len = 0;
                    (h, len - had)
                }
                None => {
                    self.header_len += take as u8;
                    return Ok((take, None));
                }
            }
        };
        self.rules.check(&decoded)?;
        self.frame = Some(decoded);
        self.read = 0;
        Ok((used, Some(decoded)))
    }
}
