//! Close codes and Close frame payloads (RFC 6455 §5.5.1, §7.4).

use core::fmt;

use crate::error::{BufferTooSmall, ProtocolError, UsageError};

/// A close status code (RFC 6455 §7.4).
///
/// ```
/// use wsmachine::CloseCode;
/// assert!(CloseCode::NORMAL.is_valid_on_wire());
/// assert!(!CloseCode::NO_STATUS.is_valid_on_wire()); // 1005 only reports "no code"
/// assert!(CloseCode(4000).is_valid_on_wire());       // private use
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection was fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: reported locally when a Close frame had no code; never sent.
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reported locally when the transport ended without a Close; never sent.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: data inconsistent with the message type (e.g. invalid UTF-8).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violates the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const TOO_BIG: Self = Self(1009);
    /// 1010: the client expected the server to negotiate an extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: an unexpected condition prevented the server from fulfilling the request.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later.
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway or proxy received an invalid response upstream.
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: reported locally when the TLS handshake failed; never sent.
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// Whether this code may appear in a Close frame: 1000-1003, 1007-1014
    /// and 3000-4999. Receiving any other code fails the connection with 1002.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The most bytes a close reason may have: 125 minus the 2-byte code.
pub const MAX_REASON_LEN: usize = 123;

/// The payload of a Close frame: a code and a UTF-8 reason.
///
/// An empty payload is represented by [`CloseCode::NO_STATUS`] and an empty
/// reason, and encodes back to an empty payload.
///
/// ```
/// use wsmachine::{CloseCode, CloseFrame};
/// let mut out = [0u8; 125];
/// let n = CloseFrame { code: CloseCode::NORMAL, reason: "bye" }.encode(&mut out).unwrap();
/// assert_eq!(&out[..n], b"\x03\xe8bye");
/// assert_eq!(CloseFrame::parse(&out[..n]).unwrap().reason, "bye");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CloseFrame<'a> {
    /// The status code; [`CloseCode::NO_STATUS`] when the payload was empty.
    pub code: CloseCode,
    /// The reason, at most [`MAX_REASON_LEN`] bytes.
    pub reason: &'a str,
}

impl<'a> CloseFrame<'a> {
    /// Parses a received Close payload (RFC 6455 §5.5.1): empty, or a code
    /// valid on the wire followed by a UTF-8 reason.
    pub fn parse(payload: &'a [u8]) -> Result<Self, ProtocolError> {
        match payload {
            [] => Ok(Self { code: CloseCode::NO_STATUS, reason: "" }),
            [_] => Err(ProtocolError::InvalidClosePayload),
            [hi, lo, reason @ ..] => {
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_valid_on_wire() {
                    return Err(ProtocolError::InvalidCloseCode(code.0));
                }
                let reason = core::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(Self { code, reason })
            }
        }
    }

    /// The number of payload bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        if self.code == CloseCode::NO_STATUS {
            0
        } else {
            2 + self.reason.len()
        }
    }

    /// Checks that this frame may be sent: a code valid on the wire (or
    /// [`CloseCode::NO_STATUS`] with no reason, for an empty payload) and a
    /// reason of at most [`MAX_REASON_LEN`] bytes.
    pub fn check_sendable(&self) -> Result<(), UsageError> {
        if self.code == CloseCode::NO_STATUS {
            return if self.reason.is_empty() { Ok(()) } else { Err(UsageError::InvalidCloseCode(self.code.0)) };
        }
        if !self.code.is_valid_on_wire() {
            return Err(UsageError::InvalidCloseCode(self.code.0));
        }
        if self.reason.len() > MAX_REASON_LEN {
            return Err(UsageError::ControlPayloadTooLong);
        }
        Ok(())
    }

    /// An owned copy, to keep after the connection is gone (feature `alloc`).
    #[cfg(feature = "alloc")]
    pub fn to_owned(&self) -> OwnedCloseFrame {
        OwnedCloseFrame { code: self.code, reason: alloc::string::String::from(self.reason) }
    }

    /// Writes the Close payload into `out` and returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, UsageError> {
        self.check_sendable()?;
        let n = self.encoded_len();
        let out = out.get_mut(..n).ok_or(BufferTooSmall { needed: n })?;
        if n > 0 {
            out[..2].copy_from_slice(&self.code.0.to_be_bytes());
            out[2..].copy_from_slice(self.reason.as_bytes());
        }
        Ok(n)
    }
}

/// A [`CloseFrame`] that owns its reason (feature `alloc`).
///
/// ```
/// use wsmachine::{CloseCode, CloseFrame};
/// let owned = CloseFrame { code: CloseCode::GOING_AWAY, reason: "restart" }.to_owned();
/// assert_eq!((owned.code, owned.reason.as_str()), (CloseCode::GOING_AWAY, "restart"));
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnedCloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// The reason.
    pub reason: alloc::string::String,
}
