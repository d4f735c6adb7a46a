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
//!   fast masking path, and [`url`] (`ws://` URLs to client requests);
//! - `getrandom`: [`random`], handshake keys and mask keys from the OS;
//! - `blocking`: [`io::blocking`], a ready-made layer over `std::io::Read + Write`;
//! - `tokio`: [`io::tokio`], a ready-made layer over tokio's `AsyncRead + AsyncWrite`.
//!
//! ## What a first user needs
//! - [`ServerEndpoint`] / [`ClientEndpoint`]: one object from the first byte
//!   to the last (the opening handshake, then the connection);
//! - [`Connection`]: a connection after the handshake, fed with
//!   [`handle_data`](Connection::handle_data), giving [`Event`]s;
//! - [`Config`]: limits and deadlines; [`State`]: the closing handshake's
//!   lifecycle; [`Termination`]: how a connection ended;
//! - with `alloc`, [`MessageAssembler`] for whole messages; [`TextChunks`]
//!   for streamed text as `&str`.
//!
//! The layers below are public for those who drive them directly:
//! [`frame`] (headers), [`mask`], [`utf8`], [`close`], [`decode`] (frames
//! to payload chunks), [`handshake`] (HTTP/1.1 upgrade and RFC 8441/9220
//! extended CONNECT).
//!
//! ## The run-loop contract
//!
//! 1. **Input**: feed what the transport delivered to `handle_data`. Each
//!    call consumes some bytes and returns at most one event; **call it
//!    again with the unconsumed rest until it returns no event** (not merely
//!    until the input is used up: an event can come from no new byte, such
//!    as [`Event::Closed`] after a peer's Close once our reply is written).
//!    Keep unconsumed bytes for the next call together with new ones.
//! 2. **Drain after every event**: call [`Connection::poll_transmit`] until
//!    it returns `Ok(None)` and write what it gives: Pongs, the Close echo,
//!    the Close after a failure. Only then feed more input.
//! 3. **Closing**: the peer's Close gives [`Event::CloseReceived`] and
//!    queues the echo; once the echo is drained, the next input call
//!    (with or without new bytes) gives [`Event::Closed`]. A violation by
//!    the peer gives `Closed(Termination::Failed(..))` at once, with a Close
//!    queued. Every terminal event comes from the call that caused it:
//!    `handle_data`, [`handle_eof`](Connection::handle_eof) or
//!    [`handle_timeout`](Connection::handle_timeout).
//! 4. **Closing the transport**: when [`Connection::transport_should_close`]
//!    says so (after the final writes). To close TCP without turning the
//!    close into a reset, shut down the write half first, then read (and
//!    drop) until end of input or a short bound (for example the close
//!    timeout), then close the socket. A client waits for the server to
//!    close first (RFC 6455 §7.1.1); the close timeout bounds the wait.
//! 5. **Time**: the connection has no clock. Call
//!    [`handle_timeout(now)`](Connection::handle_timeout) with your clock
//!    (a `Duration` since any origin) whenever the loop wakes, and sleep at
//!    most until [`poll_timeout`](Connection::poll_timeout). It sends
//!    keep-alive Pings, fails a connection whose Pong never came (1011) and
//!    ends a closing handshake that took too long.
//!
//! This one runs a client and a server over memory; a socket loop has the
//! same shape (see the README and `examples/`).
//!
//! ```
//! use wsmachine::{CloseCode, Config, Connection, Event, MessageKind, State, Termination};
//!
//! let mut client = Connection::client(Config::default(), || [0x11, 0x22, 0x33, 0x44]); // use real randomness
//! let mut server = Connection::server(Config::default());
//! let (mut to_server, mut to_client) = ([0u8; 256], [0u8; 256]);
//!
//! let mut n = client.send_text("hello", &mut to_server).unwrap();
//! n += client.close(CloseCode::NORMAL, "done", &mut to_server[n..]).unwrap();
//! assert_eq!(client.state(), State::CloseSent);
//!
//! // The server's loop: input, event, reply, drain; until no event.
//! let (mut off, mut back) = (0, 0);
//! let mut ended = None;
//! loop {
//!     let handled = server.handle_data(&mut to_server[off..n]);
//!     off += handled.consumed;
//!     match handled.event {
//!         Some(Event::Data { kind: MessageKind::Text, payload, message_fin: true, .. }) => {
//!             back += server.send_text(core::str::from_utf8(payload).unwrap(), &mut to_client[back..]).unwrap();
//!         }
//!         Some(Event::CloseReceived(frame)) => assert_eq!(frame.code, CloseCode::NORMAL),
//!         Some(Event::Closed(how)) => ended = Some(how.code()),
//!         Some(_) => {}
//!         None => break, // read more from the transport
//!     }
//!     while let Some(w) = server.poll_transmit(&mut to_client[back..]).unwrap() {
//!         back += w;
//!     }
//! }
//! assert_eq!(ended, Some(CloseCode::NORMAL)); // `Closed` came once the echo was drained
//! assert!(server.transport_should_close()); // the server closes the TCP connection first
//!
//! // The client sees the echo, then the server's Close: the handshake is complete.
//! let first = client.handle_data(&mut to_client[..back]);
//! assert!(matches!(first.event, Some(Event::Data { payload: b"hello", .. })));
//! let consumed = first.consumed;
//! let second = client.handle_data(&mut to_client[consumed..back]);
//! assert!(matches!(second.event, Some(Event::Closed(Termination::Clean(f))) if f.code == CloseCode::NORMAL));
//! assert!(!client.transport_should_close()); // a client waits for the server's end of the transport
//! client.handle_eof();
//! assert!(client.transport_should_close());
//! ```
//!
//! ## Methods by kind
//! - input: [`Connection::handle_data`], [`Connection::handle_eof`],
//!   [`Connection::handle_timeout`];
//! - output: [`Connection::send_text`], [`Connection::send_binary`],
//!   [`Connection::send_fragment`], [`Connection::encode_data_header`]
//!   (zero-copy), [`Connection::send_ping`], [`Connection::send_pong`],
//!   [`Connection::close`], and with `alloc` the `_vec` variants;
//! - poll: [`Connection::poll_transmit`], [`Connection::poll_timeout`],
//!   [`Connection::transport_should_close`];
//! - getters: [`Connection::state`], [`Connection::termination`],
//!   [`Connection::buffered`], [`Connection::receiving_message`],
//!   [`Connection::sending_message`].
//!
//! `size_of::<Connection>()` is 776 bytes on x86_64 (the decoder's 14-byte
//! header and 125-byte control buffers, a pending Pong and a queued Ping of
//! up to 125 bytes each, the peer's 123-byte Close reason, the deadlines); a
//! test pins it below 800. Nothing is on the heap.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
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
#[cfg(any(feature = "blocking", feature = "tokio"))]
pub mod io;
#[allow(unsafe_code)]
pub mod mask;
#[cfg(feature = "alloc")]
pub mod message;
#[cfg(feature = "getrandom")]
pub mod random;
pub mod text;
#[cfg(feature = "std")]
pub mod url;
pub mod utf8;

#[cfg(feature = "alloc")]
pub use close::OwnedCloseFrame;
pub use close::{CloseCode, CloseFrame};
#[cfg(feature = "alloc")]
pub use connection::OwnedTermination;
pub use connection::{Config, Connection, Event, Handled, MessageKind, State, Termination};
pub use endpoint::{ClientEndpoint, ClientEvent, PendingRequest, ResponseView, ServerEndpoint, ServerEvent};
pub use error::{BufferTooSmall, ProtocolError, UsageError};
pub use frame::Role;
pub use handshake::client::ClientRequest;
pub use handshake::server::Accept;
pub use handshake::{DecisionError, HandshakeError, Negotiated, OriginPolicy, Status};
pub use mask::MaskSource;
#[cfg(feature = "alloc")]
pub use message::{Message, MessageAssembler};
pub use text::{TextChunks, TextPiece};
