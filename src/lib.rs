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
//! ## The drain rule
//!
//! Every input is a `handle_*` call; every output comes from a `send_*`,
//! `close` or `poll_*` call. **After any call that may change the
//! connection, drain [`Connection::poll_transmit`] until it returns
//! `Ok(None)` before feeding the next input**: that is where the replies the
//! protocol obliges (Pongs, the Close echo, the Close after a failure) come
//! out. Then check [`Connection::transport_should_close`].
//!
//! ## A run loop
//!
//! Feed what the transport delivered, handle at most one event per call,
//! keep the unconsumed rest. This one runs a client and a server over
//! memory; a socket loop has the same shape.
//!
//! ```
//! use wsmachine::{CloseCode, Config, Connection, Event, MessageKind};
//!
//! let mut client = Connection::client(Config::default(), || [0x11, 0x22, 0x33, 0x44]); // use real randomness
//! let mut server = Connection::server(Config::default());
//! let (mut to_server, mut to_client) = ([0u8; 256], [0u8; 256]);
//!
//! let mut n = client.send_text("hello", &mut to_server).unwrap();
//! n += client.close(CloseCode::NORMAL, "done", &mut to_server[n..]).unwrap();
//!
//! // The server's loop: input, event, reply, drain.
//! let (mut off, mut back) = (0, 0);
//! while off < n {
//!     let input = server.handle_data(&mut to_server[off..n]);
//!     off += input.consumed;
//!     match input.event {
//!         Some(Event::Data { kind: MessageKind::Text, payload, message_fin: true, .. }) => {
//!             back += server.send_text(core::str::from_utf8(payload).unwrap(), &mut to_client[back..]).unwrap();
//!         }
//!         Some(Event::Close(frame)) => assert_eq!(frame.code, CloseCode::NORMAL),
//!         Some(_) => {}
//!         None => break, // read more from the transport
//!     }
//!     while let Some(w) = server.poll_transmit(&mut to_client[back..]).unwrap() {
//!         back += w;
//!     }
//! }
//! assert!(server.transport_should_close()); // the server closes the TCP connection first
//!
//! // The client sees the echo, then the server's Close: the handshake is complete.
//! let first = client.handle_data(&mut to_client[..back]);
//! assert!(matches!(first.event, Some(Event::Data { payload: b"hello", .. })));
//! let consumed = first.consumed;
//! let second = client.handle_data(&mut to_client[consumed..back]);
//! assert!(matches!(second.event, Some(Event::Closed(c)) if c.code() == CloseCode::NORMAL));
//! ```
//!
//! ## Methods by kind
//! - input: [`Connection::handle_data`], [`Connection::handle_eof`];
//! - output: [`Connection::send_text`], [`Connection::send_binary`],
//!   [`Connection::send_fragment`], [`Connection::encode_data_header`]
//!   (zero-copy), [`Connection::send_ping`], [`Connection::send_pong`],
//!   [`Connection::close`], and with `alloc` the `_vec` variants;
//! - poll: [`Connection::poll_transmit`], [`Connection::transport_should_close`],
//!   [`Timer::update`] for the close timeout and keep-alive;
//! - getters: [`Connection::closure`], [`Connection::closing`],
//!   [`Connection::buffered`], [`Connection::receiving_message`].
//!
//! With `alloc`, [`MessageAssembler`] turns the streamed chunks into whole
//! messages without allocating per message.
//!
//! `size_of::<Connection>()` is 656 bytes on x86_64 (the decoder's 14-byte
//! header and 125-byte control buffers, a pending Pong and a queued Ping of
//! up to 125 bytes each, the peer's 123-byte Close reason); a test pins it
//! below 700. Nothing is on the heap.
//!
//! ## Layers
//! - [`FrameHeader`] / [`Opcode`]: decode (partial-aware) and encode frame headers;
//! - [`apply_mask`] and [`MaskSource`]: masking, piece by piece;
//! - [`Utf8Validator`]: incremental, fail-fast UTF-8 validation;
//! - [`CloseCode`] / [`CloseFrame`]: close codes and Close payloads;
//! - [`FrameDecoder`]: bytes to payload chunks, unmasked in place, with limits;
//! - [`Connection`]: messages, control frames, closing, limits;
//! - [`ServerEndpoint`] / [`ClientEndpoint`]: one object for the opening handshake, then the connection;
//! - [`Timer`]: close-handshake timeout and keep-alive, driven by the caller's clock;
//! - [`handshake`]: the opening handshake, client and server, HTTP/1.1 and
//!   extended CONNECT (RFC 8441 / RFC 9220).
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
#[cfg(feature = "deflate")]
pub mod deflate;
pub mod endpoint;
pub mod error;
pub mod frame;
pub mod handshake;
#[allow(unsafe_code)]
pub mod mask;
#[cfg(feature = "alloc")]
pub mod message;
pub mod timer;
pub mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use connection::{Closure, Config, Connection, Event, Input, MessageKind, NoMask};
pub use decode::{Decode, Decoded, FrameDecoder, RawDecode, RawOutput};
pub use endpoint::{ClientEndpoint, ClientEvent, EndpointInput, ServerEndpoint, ServerEvent};
pub use error::{BufferTooSmall, ProtocolError, UsageError};
pub use frame::{FrameHeader, HeaderRules, Opcode, Role};
pub use handshake::{accept_key, HandshakeError, Negotiated};
pub use mask::{apply_mask, MaskSource};
#[cfg(feature = "alloc")]
pub use message::{Message, MessageAssembler};
pub use timer::{Timer, TimerConfig};
pub use utf8::{Utf8Error, Utf8Validator};
