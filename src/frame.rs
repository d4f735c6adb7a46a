//! Frame headers (RFC 6455 §5.2): pure, partial-aware decoding and
//! minimal-length encoding.

use crate::error::{BufferTooSmall, ProtocolError};

/// The longest frame header: 2 bytes, an 8-byte length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// The largest control frame payload (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The largest control frame on the wire: header with mask plus payload.
pub const MAX_CONTROL_FRAME_LEN: usize = 6 + MAX_CONTROL_PAYLOAD;

/// Which end of the connection this endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends masked frames, receives unmasked ones.
    Client,
    /// Sends unmasked frames, receives masked ones.
    Server,
}

/// A frame opcode (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// 0x0: continues a fragmented message.
    Continuation = 0x0,
    /// 0x1: starts a text message.
    Text = 0x1,
    /// 0x2: starts a binary message.
    Binary = 0x2,
    /// 0x8: Close.
    Close = 0x8,
    /// 0x9: Ping.
    Ping = 0x9,
    /// 0xA: Pong.
    Pong = 0xA,
}

impl Opcode {
    /// The opcode for a 4-bit value, `None` for the reserved ones (3-7, 11-15).
    #[inline]
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    /// Close, Ping and Pong are control opcodes.
    pub const fn is_control(self) -> bool {
        self as u8 & 0x8 != 0
    }
}

/// A decoded or to-be-encoded frame header.
///
/// ```
/// use wsmachine::{frame::FrameHeader, frame::Opcode};
/// // RFC 6455 §5.7: a single-frame masked text message "Hello".
/// let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let (h, len) = FrameHeader::decode(&wire).unwrap().unwrap();
/// assert_eq!((h.opcode, h.fin, h.payload_len, len), (Opcode::Text, true, 5, 6));
/// assert_eq!(h.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
/// let mut out = [0u8; 14];
/// let n = h.encode(&mut out);
/// assert_eq!(&out[..n], &wire[..6]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Last frame of its message.
    pub fin: bool,
    /// RSV1 (used by permessage-deflate).
    pub rsv1: bool,
    /// RSV2.
    pub rsv2: bool,
    /// RSV3.
    pub rsv3: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key, present on client-to-server frames.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A header with FIN set, no RSV bits and no mask.
    pub const fn new(opcode: Opcode, payload_len: u64) -> Self {
        Self { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, mask: None, payload_len }
    }

    /// Decodes a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` while more bytes are needed, `Ok(Some((header,
    /// header_len)))` once the header is complete. Rules that hold for every
    /// frame are checked as soon as the bytes that show them are present:
    /// reserved opcodes, control frames that are long or not FIN, and 64-bit
    /// lengths with the top bit set. Rules that depend on the connection
    /// (role, extensions, limits) are in [`HeaderRules`].
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Option<(Self, usize)>, ProtocolError> {
        let [b0, b1, rest @ ..] = buf else { return Ok(None) };
        let opcode = Opcode::from_u8(b0 & 0x0F).ok_or(ProtocolError::ReservedOpcode(b0 & 0x0F))?;
        let fin = b0 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            if len7 > 125 {
                return Err(ProtocolError::ControlFrameTooLong);
            }
        }
        let masked = b1 & 0x80 != 0;
        let (payload_len, ext) = match len7 {
            126 => match rest {
                [a, b, ..] => (u64::from(u16::from_be_bytes([*a, *b])), 2),
                _ => return Ok(None),
            },
            127 => {
                if rest.first().is_some_and(|b| b & 0x80 != 0) {
                    return Err(ProtocolError::LengthOutOfRange);
                }
                match rest.get(..8) {
                    Some(b) => (u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]), 8),
                    None => return Ok(None),
                }
            }
            n => (u64::from(n), 0),
        };
        let mask = if masked {
            match rest.get(ext..ext + 4) {
                Some(k) => Some([k[0], k[1], k[2], k[3]]),
                None => return Ok(None),
            }
        } else {
            None
        };
        let header =
            Self { fin, rsv1: b0 & 0x40 != 0, rsv2: b0 & 0x20 != 0, rsv3: b0 & 0x10 != 0, opcode, mask, payload_len };
        Ok(Some((header, 2 + ext + if masked { 4 } else { 0 })))
    }

    /// The encoded length of this header (2 to 14 bytes), always the minimal form.
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        let ext = match self.payload_len {
            0..=125 => 0,
            126..=0xFFFF => 2,
            _ => 8,
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Encodes this header with the minimal length form and returns its length.
    ///
    /// `payload_len` must be below 2^63 (checked by a debug assertion; a
    /// larger value cannot come from a slice, and in release builds it would
    /// be written as is and rejected by any peer).
    #[inline]
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        debug_assert!(self.payload_len >> 63 == 0);
        out[0] = (self.fin as u8) << 7
            | (self.rsv1 as u8) << 6
            | (self.rsv2 as u8) << 5
            | (self.rsv3 as u8) << 4
            | self.opcode as u8;
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut n = 2;
        match self.payload_len {
            len @ 0..=125 => out[1] = mask_bit | len as u8,
            len @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                n = 4;
            }
            len => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&len.to_be_bytes());
                n = 10;
            }
        }
        if let Some(key) = self.mask {
            out[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }

    /// Encodes this header at the start of `out`.
    pub fn encode_into(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let mut tmp = [0u8; MAX_HEADER_LEN];
        let n = self.encode(&mut tmp);
        out.get_mut(..n).ok_or(BufferTooSmall { needed: n })?.copy_from_slice(&tmp[..n]);
        Ok(n)
    }
}

/// The per-connection rules a received header must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderRules {
    /// The local endpoint's role: a server requires masked frames, a client
    /// requires unmasked ones (RFC 6455 §5.1).
    pub role: Role,
    /// RSV bits a negotiated extension defines, as `0b100` for RSV1,
    /// `0b010` for RSV2, `0b001` for RSV3 (RFC 6455 §5.2).
    pub allowed_rsv: u8,
    /// The largest payload accepted in one frame; larger fails with 1009.
    pub max_frame_payload: u64,
}

impl HeaderRules {
    /// RSV1, the bit permessage-deflate uses (RFC 7692 §6).
    pub const RSV1: u8 = 0b100;

    /// Rules for `role` with no extension and the given frame limit.
    pub const fn new(role: Role, max_frame_payload: u64) -> Self {
        Self { role, allowed_rsv: 0, max_frame_payload }
    }

    /// Checks `header` against these rules.
    ///
    /// ```
    /// use wsmachine::{frame::FrameHeader, frame::HeaderRules, frame::Opcode, ProtocolError, Role};
    /// let rules = HeaderRules::new(Role::Server, 1 << 20);
    /// let unmasked = FrameHeader::new(Opcode::Text, 5);
    /// assert_eq!(rules.check(&unmasked), Err(ProtocolError::UnmaskedFrame));
    /// ```
    #[inline]
    pub fn check(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        let rsv = (header.rsv1 as u8) << 2 | (header.rsv2 as u8) << 1 | header.rsv3 as u8;
        // RSV1 marks a compressed message: never on control or continuation frames (RFC 7692 §6).
        let allowed = if header.opcode.is_control() || header.opcode == Opcode::Continuation {
            self.allowed_rsv & !Self::RSV1
        } else {
            self.allowed_rsv
        };
        if rsv & !allowed != 0 {
            return Err(ProtocolError::ReservedBits);
        }
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        if header.payload_len > self.max_frame_payload {
            return Err(ProtocolError::FrameTooLarge);
        }
        Ok(())
    }
}
