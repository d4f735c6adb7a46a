//! A blocking layer over `std::io::Read + Write` (feature `blocking`).
//!
//! ```no_run
//! use std::net::TcpListener;
//! use wsmachine::io::{blocking::WebSocket, AcceptPolicy};
//! use wsmachine::{CloseCode, Message};
//!
//! let listener = TcpListener::bind("127.0.0.1:9001")?;
//! let (stream, _) = listener.accept()?;
//! let mut ws = WebSocket::accept(stream, &AcceptPolicy { protocols: &["chat"], ..AcceptPolicy::default() })?;
//! while let Ok(message) = ws.read() {
//!     match message {
//!         Message::Text(text) => { let text = text.to_owned(); ws.send_text(&text)?; }
//!         Message::Binary(data) => { let data = data.to_vec(); ws.send_binary(&data)?; }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`WebSocket::read`] returns whole messages borrowed from the layer (see
//! the [module docs](super)); it answers Pings, echoes the peer's Close and
//! sends keep-alive Pings ([`Config::keepalive_interval`]) on its own, so a
//! program that expects traffic keeps a thread in `read`. The connection's
//! deadlines wake it through the stream's read timeout
//! ([`Transport::set_read_timeout`]). When the connection ends, `read`
//! closes the transport (half-close, then read to end of input within the
//! close timeout: RFC 6455 §7.1.1) and returns [`Error::Closed`].

use alloc::string::String;
use alloc::vec::Vec;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use super::inbox::{Inbox, Step, MAX_READ};
use super::{client_step, server_step, with_deflate, AcceptPolicy, ClientStep, Error, Offered, ServerStep};
use crate::close::CloseCode;
use crate::connection::{Config, Connection, Event, NoMask, OwnedTermination};
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::handshake::client::ClientRequest;
use crate::mask::MaskSource;
use crate::message::Message;

/// A byte stream the blocking layer can run on: `Read + Write`, plus the
/// two things a socket offers beyond them. Both have defaults for streams
/// without them (no deadlines, no half-close).
pub trait Transport: Read + Write {
    /// Makes the next reads give up after `timeout` with
    /// [`io::ErrorKind::WouldBlock`] or [`io::ErrorKind::TimedOut`]
    /// (`None`: wait forever). The default does nothing: keep-alive and the
    /// close timeout then run only when data arrives.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
    }

    /// Ends our direction of the stream (TCP: sends FIN) so the peer reads
    /// end of input. The default flushes.
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.flush()
    }
}

impl Transport for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

#[cfg(unix)]
impl Transport for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

/// A WebSocket over a blocking stream, either role (`M` is the client's
/// mask source; a server's is [`NoMask`]).
#[derive(Debug)]
pub struct WebSocket<S, M = NoMask> {
    stream: S,
    conn: Connection<M>,
    inbox: Inbox,
    tx: Vec<u8>,
    clock: Instant,
    protocol: Option<String>,
    /// The peer ended its direction.
    eof: bool,
    /// We closed the transport; every call now reports `Closed`.
    transport_closed: bool,
}

impl<S: Transport> WebSocket<S> {
    /// Reads the opening handshake from `stream` and answers it by
    /// `policy`: `101` and the connection, or a refusal (403 for the Origin
    /// check, the check's status, 426 for a request that is not an upgrade,
    /// 400/408/431 for an invalid or slow one; then [`Error::Refused`] or
    /// [`Error::Handshake`], with the transport closed).
    pub fn accept(mut stream: S, policy: &AcceptPolicy<'_>) -> Result<Self, Error> {
        let clock = Instant::now();
        let mut endpoint = ServerEndpoint::new(policy.config);
        endpoint.handle_timeout(Duration::ZERO); // the handshake deadline starts now
        let (mut rx, mut len, mut tx) = (alloc::vec![0u8; 4096], 0, Vec::new());
        loop {
            match server_step(&mut endpoint, &mut rx[..len], policy, &mut tx) {
                ServerStep::More => {}
                ServerStep::Accepted { used, protocol, deflate } => {
                    stream.write_all(&tx)?;
                    let inflating = deflate.is_some();
                    let conn = endpoint.into_connection().ok_or(Error::Usage(crate::UsageError::Closed))?;
                    let conn = with_deflate(conn, deflate);
                    let inbox = Inbox::new(rx.get(used..len).unwrap_or_default(), inflating);
                    return Ok(Self::open(stream, conn, inbox, clock, protocol));
                }
                ServerStep::Answered(e) => {
                    stream.write_all(&tx)?;
                    linger(&mut stream, policy.config.close_timeout);
                    return Err(e);
                }
            }
            if len == rx.len() {
                // The endpoint fails a head above its limit (64 KiB at most) before this grows further.
                rx.resize((rx.len() * 2).min(MAX_READ + 1), 0);
            }
            let now = clock.elapsed();
            let wait = endpoint.poll_timeout().map(|at| at.saturating_sub(now).max(Duration::from_millis(1)));
            stream.set_read_timeout(wait)?;
            match stream.read(&mut rx[len..]) {
                Ok(0) => return Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
                Ok(n) => len += n,
                Err(e) if is_timeout(&e) => {
                    if endpoint.handle_timeout(clock.elapsed()).is_some() {
                        endpoint.poll_transmit_vec(&mut tx); // 408
                        stream.write_all(&tx)?;
                        linger(&mut stream, policy.config.close_timeout);
                        return Err(Error::Handshake(crate::HandshakeError::TimedOut));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(feature = "getrandom")]
impl<S: Transport> WebSocket<S, crate::random::OsRandom> {
    /// Connects over `stream` (already connected to the URL's host and
    /// port) to a `ws://` URL, with a handshake key and mask keys from the
    /// OS ([`crate::random`]). A `wss://` URL fails with
    /// [`UrlError::TlsRequired`](crate::url::UrlError::TlsRequired): pass a
    /// TLS stream to [`connect_with`](WebSocket::connect_with) instead.
    pub fn connect(stream: S, url: &str, options: &super::ClientOptions<'_>) -> Result<Self, Error> {
        let url = crate::url::WsUrl::parse(url).map_err(Error::Url)?;
        let key = crate::random::handshake_key().map_err(Error::Random)?;
        let mask = crate::random::OsRandom::new().map_err(Error::Random)?;
        let mut ext = [0u8; 128];
        let (extensions, offered) = super::deflate_offer(options, &mut ext);
        let request =
            ClientRequest { protocols: options.protocols, headers: options.headers, extensions, ..url.request(key) };
        Self::handshake(stream, request, options.config, mask, offered)
    }
}

impl<S: Transport, M: MaskSource> WebSocket<S, M> {
    /// Connects over `stream` with `request` as given (its extension offer
    /// is run with the default configuration if the server agrees) and
    /// `mask` for the frames' mask keys (unpredictable: RFC 6455 §10.3).
    /// Fails with [`Error::Rejected`] for a status other than `101`.
    pub fn connect_with(stream: S, request: ClientRequest<'_>, config: Config, mask: M) -> Result<Self, Error> {
        Self::handshake(stream, request, config, mask, None)
    }

    fn handshake(
        mut stream: S,
        request: ClientRequest<'_>,
        config: Config,
        mask: M,
        offered: Offered,
    ) -> Result<Self, Error> {
        let clock = Instant::now();
        let mut endpoint = ClientEndpoint::new(request, config, mask);
        endpoint.handle_timeout(Duration::ZERO);
        let mut tx = Vec::new();
        endpoint.poll_transmit_vec(&mut tx);
        stream.write_all(&tx)?;
        let (mut rx, mut len) = (alloc::vec![0u8; 4096], 0);
        loop {
            let input = endpoint.handle_data(&mut rx[..len]);
            match client_step(input.event, input.consumed, offered) {
                ClientStep::More => {}
                ClientStep::Accepted { used, protocol, deflate } => {
                    let inflating = deflate.is_some() || cfg!(feature = "deflate") && request.extensions.is_some();
                    let conn = endpoint.into_connection().ok_or(Error::Usage(crate::UsageError::Closed))?;
                    let conn = with_deflate(conn, deflate);
                    let inbox = Inbox::new(rx.get(used..len).unwrap_or_default(), inflating);
                    return Ok(Self::open(stream, conn, inbox, clock, protocol));
                }
                ClientStep::Failed(e) => {
                    let _ = stream.shutdown_write();
                    return Err(e);
                }
            }
            if len == rx.len() {
                rx.resize((rx.len() * 2).min(MAX_READ + 1), 0);
            }
            let now = clock.elapsed();
            let wait = endpoint.poll_timeout().map(|at| at.saturating_sub(now).max(Duration::from_millis(1)));
            stream.set_read_timeout(wait)?;
            match stream.read(&mut rx[len..]) {
                Ok(0) => return Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
                Ok(n) => len += n,
                Err(e) if is_timeout(&e) => {
                    if endpoint.handle_timeout(clock.elapsed()).is_some() {
                        let _ = stream.shutdown_write();
                        return Err(Error::Handshake(crate::HandshakeError::TimedOut));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn open(stream: S, conn: Connection<M>, inbox: Inbox, clock: Instant, protocol: Option<String>) -> Self {
        Self { stream, conn, inbox, tx: Vec::new(), clock, protocol, eof: false, transport_closed: false }
    }

    /// The agreed subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The connection (state, configuration, termination).
    pub fn connection(&self) -> &Connection<M> {
        &self.conn
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The next whole message, borrowed until the next call (see the
    /// [module docs](super)). Control frames are handled inside: Pings are
    /// answered, the peer's Close is echoed, keep-alive Pings go out.
    /// When the connection ends (however it ends), the transport is closed
    /// and [`Error::Closed`] says how.
    pub fn read(&mut self) -> Result<Message<'_>, Error> {
        loop {
            self.check_open()?;
            if let Step::Message(ready) = self.inbox.advance(&mut self.conn, &mut self.tx) {
                self.flush()?;
                return Ok(self.inbox.message(ready));
            }
            self.step_io()?;
        }
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.check_open()?;
        self.conn.send_text_vec(text, &mut self.tx)?;
        self.flush()
    }

    /// Sends a binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        self.conn.send_binary_vec(data, &mut self.tx)?;
        self.flush()
    }

    /// Sends a Ping (at most 125 bytes); its Pong is handled inside `read`.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        let start = self.tx.len();
        let need = self.conn.frame_len(payload.len());
        self.tx.resize(start + need, 0);
        let n = self.conn.send_ping(payload, &mut self.tx[start..])?;
        self.tx.truncate(start + n);
        self.flush()
    }

    /// Completes the closing handshake with `code` and `reason` (or, if the
    /// peer began it, answers with them): messages that arrive meanwhile
    /// are dropped. Then closes the transport. `Ok` when the handshake
    /// completed cleanly; otherwise [`Error::Closed`] says how it ended.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if self.transport_closed {
            return self.check_open();
        }
        // Already closing or closed: nothing new to send, just finish.
        let _ = self.conn.close_vec(code, reason, &mut self.tx);
        loop {
            while let Step::Message(_) = self.inbox.advance(&mut self.conn, &mut self.tx) {}
            match self.step_io() {
                Err(Error::Closed(OwnedTermination::Clean(_))) => return Ok(()),
                Err(e) => return Err(e),
                Ok(()) => {}
            }
        }
    }

    /// One turn of the loop after the input is handled: write what is
    /// owed, close the transport if the connection says so, otherwise read
    /// (or wake for a deadline).
    fn step_io(&mut self) -> Result<(), Error> {
        self.flush()?;
        if self.conn.transport_should_close() {
            self.close_transport();
            return self.check_open();
        }
        let now = self.clock.elapsed();
        let wait = self.conn.poll_timeout().map(|at| at.saturating_sub(now));
        if wait == Some(Duration::ZERO) {
            self.on_timeout();
            return Ok(());
        }
        self.stream.set_read_timeout(wait)?;
        match self.stream.read(self.inbox.spare()) {
            Ok(0) => {
                self.eof = true;
                if let Some(Event::Closed(how)) = self.conn.handle_eof() {
                    self.inbox.ended = Some(how.to_owned());
                }
            }
            Ok(n) => self.inbox.filled(n),
            Err(e) if is_timeout(&e) => self.on_timeout(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                self.conn.handle_eof();
                self.transport_closed = true;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn on_timeout(&mut self) {
        if let Some(Event::Closed(how)) = self.conn.handle_timeout(self.clock.elapsed()) {
            self.inbox.ended = Some(how.to_owned());
        }
        self.conn.poll_transmit_vec(&mut self.tx);
    }

    fn flush(&mut self) -> Result<(), Error> {
        if !self.tx.is_empty() {
            let written = self.stream.write_all(&self.tx);
            self.tx.clear();
            written?;
        }
        Ok(())
    }

    /// `Err(Closed)` once the transport is closed.
    fn check_open(&self) -> Result<(), Error> {
        if !self.transport_closed {
            return Ok(());
        }
        let how = self.inbox.ended.clone();
        Err(Error::Closed(
            how.or_else(|| self.conn.termination().map(|t| t.to_owned())).unwrap_or(OwnedTermination::Abnormal),
        ))
    }

    /// Half-close, then read to the peer's end of input within the close
    /// timeout (so unread input does not turn the close into a reset).
    fn close_transport(&mut self) {
        if !self.eof {
            linger(&mut self.stream, self.conn.config().close_timeout);
        } else {
            let _ = self.stream.shutdown_write();
        }
        self.transport_closed = true;
    }
}

/// Sends FIN, then reads and drops input until the peer's FIN or `bound`.
fn linger<S: Transport>(stream: &mut S, bound: Duration) {
    let _ = stream.shutdown_write();
    let until = Instant::now() + bound;
    let mut sink = [0u8; 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}
