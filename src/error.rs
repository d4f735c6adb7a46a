//! Error types. Every one is `Copy`, allocation-free and says who is at fault:
//! [`ProtocolError`] is the peer's, [`UsageError`] is the caller's.

use core::fmt;

use crate::close::CloseCode;

/// A violation of the protocol by the peer. The connection answers it with a
/// Close frame carrying [`ProtocolError::close_code`] and stops reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Opcode 3-7 or 11-15 (RFC 6455 §5.2).
    ReservedOpcode(u8),
    /// An RSV bit that no negotiated extension defines (RFC 6455 §5.2).
    ReservedBits,
    /// A control frame with more than 125 bytes of payload (RFC 6455 §5.5).
    ControlFrameTooLong,
    /// A control frame without FIN (RFC 6455 §5.5).
    FragmentedControlFrame,
    /// A 64-bit payload length with its most significant bit set (RFC 6455 §5.2).
    LengthOutOfRange,
    /// A client sent an unmasked frame (RFC 6455 §5.1).
    UnmaskedFrame,
    /// A server sent a masked frame (RFC 6455 §5.1).
    MaskedFrame,
    /// A frame's payload is larger than the configured limit.
    FrameTooLarge,
    /// A message is larger than the configured limit.
    MessageTooLarge,
    /// A text message or a close reason is not valid UTF-8 (RFC 6455 §8.1).
    InvalidUtf8,
    /// A continuation frame arrived with no message in progress (RFC 6455 §5.4).
    UnexpectedContinuation,
    /// A text or binary frame arrived while a message was in progress (RFC 6455 §5.4).
    ExpectedContinuation,
    /// A Close frame with a 1-byte payload (RFC 6455 §5.5.1).
    InvalidClosePayload,
    /// A Close frame whose code may not be sent on the wire (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A compressed message that does not inflate (RFC 7692 §7.2.3).
    InvalidCompressedData,
    /// The peer did not answer a keep-alive ping in time.
    KeepAliveTimeout,
    /// A compressed message (permessage-deflate, RFC 7692) arrived but the
    /// caller gave no buffer to inflate it into: a connection with
    /// permessage-deflate must be fed with
    /// [`Connection::handle_data_into`](crate::Connection::handle_data_into),
    /// not [`handle_data`](crate::Connection::handle_data). Our fault, not
    /// the peer's: close code 1011.
    NoInflateBuffer,
}

impl ProtocolError {
    /// The close code to send to the peer for this violation.
    ///
    /// ```
    /// use wsmachine::{CloseCode, ProtocolError};
    /// assert_eq!(ProtocolError::InvalidUtf8.close_code(), CloseCode::INVALID_PAYLOAD);
    /// assert_eq!(ProtocolError::MessageTooLarge.close_code(), CloseCode::TOO_BIG);
    /// ```
    pub const fn close_code(self) -> CloseCode {
        match self {
            Self::FrameTooLarge | Self::MessageTooLarge => CloseCode::TOO_BIG,
            Self::InvalidUtf8 | Self::InvalidCompressedData => CloseCode::INVALID_PAYLOAD,
            Self::KeepAliveTimeout | Self::NoInflateBuffer => CloseCode::INTERNAL_ERROR,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op}"),
            Self::ReservedBits => f.write_str("RSV bit set without a negotiated extension"),
            Self::ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::LengthOutOfRange => f.write_str("64-bit payload length with the top bit set"),
            Self::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            Self::MaskedFrame => f.write_str("masked frame from a server"),
            Self::FrameTooLarge => f.write_str("frame payload over the configured limit"),
            Self::MessageTooLarge => f.write_str("message over the configured limit"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8 in a text message or close reason"),
            Self::UnexpectedContinuation => f.write_str("continuation frame with no message in progress"),
            Self::ExpectedContinuation => f.write_str("new data frame while a message is in progress"),
            Self::InvalidClosePayload => f.write_str("close frame with a 1-byte payload"),
            Self::InvalidCloseCode(c) => write!(f, "close code {c} is not valid on the wire"),
            Self::InvalidCompressedData => f.write_str("compressed message does not inflate"),
            Self::KeepAliveTimeout => f.write_str("no pong before the keep-alive deadline"),
            Self::NoInflateBuffer => {
                f.write_str("compressed message received through handle_data (no inflate buffer; use handle_data_into)")
            }
        }
    }
}

impl core::error::Error for ProtocolError {}

/// An output buffer was too small; `needed` bytes would have been enough.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferTooSmall {
    /// The number of bytes the call needs to write.
    pub needed: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "output buffer too small: {} bytes needed", self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}

/// A mistake by the caller of a sending method. The connection is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// The output buffer is too small for what the call must write.
    BufferTooSmall(BufferTooSmall),
    /// A data frame after our Close was sent, or anything after the connection closed.
    Closed,
    /// A control frame payload or close reason over its limit (125 / 123 bytes).
    ControlPayloadTooLong,
    /// A close code that may not be sent (e.g. 1005, 1006, 1015, 0-999).
    InvalidCloseCode(u16),
    /// `send_fragment` of a kind other than the message in progress, or a
    /// whole message while a fragmented one is in progress.
    MessageInProgress,
    /// Text that is not valid UTF-8 (RFC 6455 §5.6): a text piece that
    /// cannot continue valid UTF-8, or a last piece that ends inside a character.
    InvalidUtf8,
    /// A connection built from a handshake of the other role.
    WrongRole,
    /// The handshake agreed on an extension this connection cannot run.
    UnsupportedExtension,
}

impl From<BufferTooSmall> for UsageError {
    fn from(e: BufferTooSmall) -> Self {
        Self::BufferTooSmall(e)
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall(e) => e.fmt(f),
            Self::Closed => f.write_str("the connection is closing or closed"),
            Self::ControlPayloadTooLong => f.write_str("control payload over 125 bytes (close reason over 123)"),
            Self::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            Self::MessageInProgress => f.write_str("another fragmented message is in progress"),
            Self::InvalidUtf8 => f.write_str("text is not valid UTF-8"),
            Self::WrongRole => f.write_str("the handshake was for the other role"),
            Self::UnsupportedExtension => {
                f.write_str("the handshake agreed on an extension this connection cannot run")
            }
        }
    }
}

impl core::error::Error for UsageError {}
