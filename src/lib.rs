//! # wsmachine
//!
//! A sans-IO WebSocket protocol implementation (RFC 6455): pure functions
//! and a state machine that take byte buffers in and give events and bytes
//! out. It never touches a socket, a clock or a random source, so any
//! runtime or transport can drive it.
//!
//! The core is `#![no_std]` and needs no allocator. Features:
//! - `alloc`: conveniences that append to a `Vec<u8>` or return owned values;
//! - `std` (default, implies `alloc`): run-time CPU feature detection for the
//!   fast masking path.
//!
//! ## Layers
//! - [`FrameHeader`] / [`Opcode`]: decode (partial-aware) and encode frame headers;
//! - [`apply_mask`] and [`MaskSource`]: masking, piece by piece;
//! - [`Utf8Validator`]: incremental, fail-fast UTF-8 validation;
//! - [`CloseCode`] / [`CloseFrame`]: close codes and Close payloads;
//! - [`FrameDecoder`]: bytes to payload chunks, unmasked in place, with limits.
#![no_std]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod close;
pub mod connection;
pub mod decode;
pub mod error;
pub mod frame;
#[allow(unsafe_code)]
pub mod mask;
#[cfg(feature = "alloc")]
pub mod message;
pub mod timer;
pub mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use connection::{Closure, Config, Connection, Event, Input, MessageKind, NoMask};
pub use decode::{Decode, Decoded, FrameDecoder, RawDecode, RawOutput};
pub use error::{BufferTooSmall, ProtocolError, UsageError};
pub use frame::{FrameHeader, HeaderRules, Opcode, Role};
pub use mask::{apply_mask, MaskSource};
#[cfg(feature = "alloc")]
pub use message::{Message, MessageAssembler};
pub use timer::{Timer, TimerConfig};
pub use utf8::{Utf8Error, Utf8Validator};
