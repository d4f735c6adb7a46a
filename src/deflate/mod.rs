//! permessage-deflate (RFC 7692): negotiation and a streamed, bounded codec.
//!
//! Feature `deflate` (implies `alloc`), built on `zlib-rs` (pure Rust,
//! `no_std` with its Rust allocator).
//!
//! - [`DeflateConfig`]: what an endpoint asks for and accepts;
//! - negotiation, pure functions that never allocate
//!   ([`negotiate`]): the client writes its offer with
//!   [`DeflateConfig::write_offer`] and checks the server's answer with
//!   [`DeflateConfig::check_response`]; the server picks the first
//!   acceptable offer with [`DeflateConfig::accept_offer`] and writes
//!   [`DeflateAgreement::write_response`];
//! - the codec ([`codec`]): a [`Compressor`] for the sending side and a
//!   [`Decompressor`] for the receiving side, built from the
//!   [`DeflateAgreement`], the role and the config ([`DeflateCodec::new`]).
//!   Both work through caller buffers of any size: memory is bounded by the
//!   LZ77 window and zlib's state, never by the message.
//!
//! ```
//! use wsmachine::deflate::{DeflateCodec, DeflateConfig, Flush};
//! use wsmachine::handshake::extensions::{ExtensionWriter, Extensions};
//! use wsmachine::Role;
//!
//! let config = DeflateConfig::default();
//! // Client: the offer.
//! let mut offer = [0u8; 128];
//! let n = config.offer(&mut offer).unwrap();
//! assert_eq!(&offer[..n], b"permessage-deflate; client_max_window_bits");
//! // Server: the agreement and the response.
//! let agreed = config.accept_offer(Extensions::from_value(Some(&offer[..n]))).unwrap();
//! let mut response = [0u8; 128];
//! let n = agreed.response(&mut response).unwrap();
//! assert_eq!(&response[..n], b"permessage-deflate");
//! // Client: the response checked, the same agreement.
//! let seen = config.check_response(Extensions::from_value(Some(&response[..n]))).unwrap();
//! assert_eq!(seen, Some(agreed));
//!
//! // One message from client to server.
//! let mut client = DeflateCodec::new(agreed, Role::Client, &config);
//! let mut server = DeflateCodec::new(agreed, Role::Server, &config);
//! let mut wire = [0u8; 64];
//! let sent = client.compressor.compress(b"Hello", &mut wire, Flush::Message).unwrap();
//! assert!(sent.finished);
//! assert_eq!(&wire[..sent.produced], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]); // RFC 7692 §7.2.3.1
//! let mut text = [0u8; 16];
//! let got = server.decompressor.decompress(&wire[..sent.produced], &mut text, true).unwrap();
//! assert!(got.finished);
//! assert_eq!(&text[..got.produced], b"Hello");
//! ```
//!
//! ## Window bits 8
//!
//! zlib (and zlib-rs) cannot compress raw deflate with a 256-byte window
//! (window bits 8); zlib silently uses 9, which a peer that agreed to 8 may
//! reject. What this crate does, per RFC 7692 §7.1.2:
//! - receiving is never a problem: the [`Decompressor`] always inflates with
//!   a 32 KiB window (zlib-rs allocates 32 KiB for every inflate window
//!   size, so a smaller one would save nothing), which decodes data
//!   compressed with any window from 8 to 15. So a server accepts
//!   `client_max_window_bits=8` in an offer, and may itself ask a client for
//!   8 ([`DeflateConfig::receive_max_window_bits`]).
//! - a server declines an offer whose `server_max_window_bits` is 8
//!   (§7.1.2.1 lets a server decline an offer with a value it does not
//!   support); the client's next offer, if any, is considered.
//! - a client never offers `client_max_window_bits=8` itself (its
//!   [`DeflateConfig::send_max_window_bits`] is at least 9), but a server may
//!   answer an offered `client_max_window_bits` with 8 (§7.1.2.2), which is a
//!   valid response: the client accepts it and then sends every message
//!   uncompressed ([`Compressor::should_compress`] is false), which RFC 7692
//!   §6 allows message by message.
//!
//! ## Memory
//!
//! See [`codec`] for the measured heap of each half, idle and mid-message.

pub mod codec;
pub mod negotiate;

use crate::frame::Role;

pub use codec::{Compressor, Decompressor, DeflateCodec, DeflateError, Flush, Progress};

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// What an endpoint asks for and accepts in the permessage-deflate
/// negotiation, and how it compresses. One config serves both roles: "send"
/// is the direction this endpoint compresses, "receive" the one its peer
/// compresses. Out-of-range values are clamped where they are used.
///
/// Whether to negotiate at all is the caller's choice (no config, no offer
/// and no acceptance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeflateConfig {
    /// The largest LZ77 window we compress with, as a power of two (9-15,
    /// default 15). A server announces a value under 15 as
    /// `server_max_window_bits`; a client offers it as `client_max_window_bits`.
    /// A smaller window costs less memory and compresses less well.
    pub send_max_window_bits: u8,
    /// The largest window we ask the peer to compress with (8-15, default 15).
    /// A client offers a value under 15 as `server_max_window_bits`; a server
    /// answers an offered `client_max_window_bits` with it. Receiving costs the
    /// same memory whatever the window (see the module docs): this only spares
    /// the peer.
    pub receive_max_window_bits: u8,
    /// Reset our compression context after every message (a server sends
    /// `server_no_context_takeover`, a client offers `client_no_context_takeover`).
    pub send_no_context_takeover: bool,
    /// Ask the peer to reset its compression context after every message (a
    /// client offers `server_no_context_takeover`, a server answers with
    /// `client_no_context_takeover`). Lets the [`Decompressor`] release its
    /// state between messages.
    pub receive_no_context_takeover: bool,
    /// Server: accept offers that ask us to reset our context
    /// (`server_no_context_takeover`); when false such offers are declined.
    /// Default true (honouring it is cheap).
    pub accept_no_context_takeover: bool,
    /// Messages shorter than this many bytes are sent uncompressed (RFC 7692
    /// §6 allows it message by message). Default 0: everything is compressed.
    pub threshold: usize,
    /// When the direction has no context takeover, free that half's zlib
    /// state after every message and allocate it again for the next
    /// compressed message. An idle connection then holds no heap, at the cost
    /// of an allocation (and its zeroing) per message. Default false.
    pub release_between_messages: bool,
    /// zlib compression level, 0-9 (default 6; 1 is the fastest).
    pub level: u8,
    /// zlib memory level, 1-9 (default 8): the size of zlib's symbol buffer
    /// (7 << (mem_level + 6) bytes, 112 KiB at 8, 14 KiB at 5).
    pub mem_level: u8,
}

impl DeflateConfig {
    /// The defaults: windows of 15 bits both ways, context takeover kept,
    /// `server_no_context_takeover` accepted, everything compressed, zlib
    /// level 6 and memory level 8 (usable in `const` and `static` items).
    pub const DEFAULT: Self = Self {
        send_max_window_bits: 15,
        receive_max_window_bits: 15,
        send_no_context_takeover: false,
        receive_no_context_takeover: false,
        accept_no_context_takeover: true,
        threshold: 0,
        release_between_messages: false,
        level: 6,
        mem_level: 8,
    };
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl DeflateConfig {
    /// [`Self::send_max_window_bits`] within 9-15 (zlib compresses with no
    /// smaller window).
    pub fn send_window(&self) -> u8 {
        self.send_max_window_bits.clamp(9, 15)
    }

    /// [`Self::receive_max_window_bits`] within 8-15.
    pub fn receive_window(&self) -> u8 {
        self.receive_max_window_bits.clamp(8, 15)
    }
}

/// The parameters both ends agreed on (RFC 7692 §7.1), as the server's
/// response states them, with what the client's offer implies filled in.
///
/// `None` window bits mean the parameter was not in the response (a window
/// of 32 KiB, 15 bits, is allowed). A server writes exactly these
/// parameters with [`Self::write_response`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeflateAgreement {
    /// The server resets its compression context after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after every message.
    pub client_no_context_takeover: bool,
    /// The largest window the server compresses with (8-15).
    pub server_max_window_bits: Option<u8>,
    /// The largest window the client compresses with (8-15).
    pub client_max_window_bits: Option<u8>,
}

/// How one direction compresses, derived from a [`DeflateAgreement`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Direction {
    /// The largest LZ77 window the sender of this direction may use (8-15).
    pub max_window_bits: u8,
    /// The sender resets its context after every message.
    pub no_context_takeover: bool,
}

impl DeflateAgreement {
    /// The direction in which `role` compresses (server: server-to-client).
    pub fn sending(&self, role: Role) -> Direction {
        match role {
            Role::Server => Direction {
                max_window_bits: self.server_max_window_bits.unwrap_or(15),
                no_context_takeover: self.server_no_context_takeover,
            },
            Role::Client => Direction {
                max_window_bits: self.client_max_window_bits.unwrap_or(15),
                no_context_takeover: self.client_no_context_takeover,
            },
        }
    }

    /// The direction in which `role` decompresses (the peer's sending one).
    pub fn receiving(&self, role: Role) -> Direction {
        match role {
            Role::Server => self.sending(Role::Client),
            Role::Client => self.sending(Role::Server),
        }
    }
}
