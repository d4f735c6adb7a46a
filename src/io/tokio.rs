//! An async layer over tokio's `AsyncRead + AsyncWrite` (feature `tokio`).
//!
//! [`WebSocket::accept`] / [`WebSocket::connect`] run the opening
//! handshake; [`WebSocket::split`] gives a [`Reader`] and a [`Writer`] that
//! can live on different tasks.
//!
//! # Why halves around a shared connection
//!
//! A [`Connection`] is one state machine for both directions (the closing
//! handshake, permessage-deflate's two contexts, the replies it owes), so
//! the halves share it behind a `std::sync::Mutex` that is held only for
//! short sections without an `.await` (parsing what was read, encoding what
//! is sent). The write side of the stream and its pending bytes sit behind
//! a `tokio::sync::Mutex`: the writer holds it while it writes a message;
//! the reader writes the replies the protocol obliges (Pongs, the Close
//! echo, keep-alive Pings) through it itself, so they go out even when no
//! task is sending; the writer also drains what the connection owes before
//! it lets go. A reader that owes a reply waits behind a send in progress
//! (a known limit: it does not read meanwhile).
//!
//! # Backpressure and cancellation
//!
//! The reader reads from the stream only inside [`Reader::read`]: a slow
//! reader leaves data in the socket and TCP slows the peer down; buffers
//! are bounded (a read buffer of 4 KiB that grows to at most 64 KiB with
//! the traffic, messages bounded by [`Config::max_message_size`]). A send
//! returns when its bytes are written. `read` is cancellation-safe: a
//! dropped `read` future loses nothing (bytes read stay buffered, replies
//! being written stay queued and are finished by the next writer). A
//! dropped send may still go out whole on the next call, never half.
//!
//! Keep-alive ([`Config::keepalive_interval`]) and the close timeout run
//! on tokio's timer while a task awaits `read`: keep one reading.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use std::io;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::time::Instant;

use super::inbox::{Inbox, Step, MAX_READ};
use super::{client_step, server_step, with_deflate, AcceptPolicy, ClientStep, Error, Offered, ServerStep};
use crate::close::CloseCode;
use crate::connection::{Config, Connection, Event, NoMask, OwnedTermination};
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::handshake::client::ClientRequest;
use crate::mask::MaskSource;
use crate::message::Message;

/// The write side: the stream's write half and bytes not yet written.
struct WriteSide<W> {
    io: W,
    buf: Vec<u8>,
    pos: usize,
}

impl<W: AsyncWrite + Unpin> WriteSide<W> {
    /// Writes the pending bytes; cancellation-safe (progress is kept).
    async fn write_pending(&mut self) -> io::Result<()> {
        while self.pos < self.buf.len() {
            let n = self.io.write(&self.buf[self.pos..]).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.pos += n;
        }
        self.buf.clear();
        self.pos = 0;
        if self.buf.capacity() > MAX_READ {
            self.buf.shrink_to(MAX_READ); // a large message's buffer does not stay
        }
        self.io.flush().await
    }

    /// Writes the pending bytes, then whatever the connection owes, until it owes nothing.
    async fn drain<M: MaskSource>(&mut self, conn: &Mutex<Connection<M>>) -> io::Result<()> {
        loop {
            self.write_pending().await?;
            lock(conn).poll_transmit_vec(&mut self.buf);
            if self.buf.is_empty() {
                return Ok(());
            }
        }
    }
}

type Shared<M> = Arc<Mutex<Connection<M>>>;
type SharedWrite<W> = Arc<tokio::sync::Mutex<WriteSide<W>>>;

/// The connection lock; a panic elsewhere while it was held leaves the
/// connection as it was, which is still consistent (no await inside).
fn lock<M>(conn: &Mutex<Connection<M>>) -> MutexGuard<'_, Connection<M>> {
    conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A WebSocket over an async stream, before it is split.
pub struct WebSocket<S, M = NoMask> {
    reader: Reader<S, M>,
    writer: Writer<S, M>,
}

impl<S, M> core::fmt::Debug for WebSocket<S, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSocket").field("protocol", &self.reader.protocol).finish_non_exhaustive()
    }
}

/// The receiving half: [`read`](Reader::read) whole messages.
pub struct Reader<S, M = NoMask> {
    io: ReadHalf<S>,
    conn: Shared<M>,
    write: SharedWrite<WriteHalf<S>>,
    inbox: Inbox,
    clock: Instant,
    protocol: Option<String>,
    eof: bool,
    transport_closed: bool,
}

/// The sending half; clone it to send from several tasks.
pub struct Writer<S, M = NoMask> {
    conn: Shared<M>,
    write: SharedWrite<WriteHalf<S>>,
}

impl<S, M> Clone for Writer<S, M> {
    fn clone(&self) -> Self {
        Self { conn: self.conn.clone(), write: self.write.clone() }
    }
}

impl<S, M> core::fmt::Debug for Reader<S, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader").field("protocol", &self.protocol).finish_non_exhaustive()
    }
}

impl<S, M> core::fmt::Debug for Writer<S, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// Reads until `step` decides, within the handshake deadline.
async fn read_head<S: AsyncRead + Unpin, T>(
    stream: &mut S,
    timeout: Duration,
    mut step: impl FnMut(&mut [u8]) -> Option<T>,
) -> Result<(T, Vec<u8>), Error> {
    let (mut rx, mut len) = (alloc::vec![0u8; 4096], 0);
    let work = async {
        loop {
            if let Some(done) = step(&mut rx[..len]) {
                return Ok(done);
            }
            if len == rx.len() {
                // The endpoint fails a head above its limit (64 KiB at most) before this grows further.
                rx.resize((rx.len() * 2).min(MAX_READ + 1), 0);
            }
            match stream.read(&mut rx[len..]).await? {
                0 => return Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
                n => len += n,
            }
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(done)) => {
            rx.truncate(len);
            Ok((done, rx))
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Error::Handshake(crate::HandshakeError::TimedOut)),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Reads the opening handshake and answers it by `policy` (see
    /// [`blocking::WebSocket::accept`](super::blocking::WebSocket::accept)
    /// for the refusals).
    pub async fn accept(mut stream: S, policy: &AcceptPolicy<'_>) -> Result<Self, Error> {
        let clock = Instant::now();
        let mut endpoint = ServerEndpoint::new(policy.config);
        let mut tx = Vec::new();
        let read = read_head(&mut stream, policy.config.handshake_timeout, |rx| {
            match server_step(&mut endpoint, rx, policy, &mut tx) {
                ServerStep::More => None,
                ServerStep::Accepted { used, protocol, deflate } => Some(Ok((used, protocol, deflate))),
                ServerStep::Answered(e) => Some(Err(e)),
            }
        })
        .await;
        if matches!(read, Err(Error::Handshake(crate::HandshakeError::TimedOut))) {
            crate::handshake::server::error_response_vec(crate::HandshakeError::TimedOut, &mut tx);
        }
        stream.write_all(&tx).await?;
        let ((used, protocol, deflate), rx) = match read {
            Ok((Ok(accepted), rx)) => (accepted, rx),
            Ok((Err(e), _)) | Err(e) => {
                let _ = stream.shutdown().await;
                return Err(e);
            }
        };
        let inflating = deflate.is_some();
        let conn = endpoint.into_connection().ok_or(Error::Usage(crate::UsageError::Closed))?;
        let inbox = Inbox::new(rx.get(used..).unwrap_or_default(), inflating);
        Ok(Self::open(stream, with_deflate(conn, deflate), inbox, clock, protocol))
    }
}

#[cfg(feature = "getrandom")]
impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S, crate::random::OsRandom> {
    /// Connects over `stream` to a `ws://` URL with OS randomness (see
    /// [`blocking::WebSocket::connect`](super::blocking::WebSocket::connect)).
    pub async fn connect(stream: S, url: &str, options: &super::ClientOptions<'_>) -> Result<Self, Error> {
        let url = crate::url::WsUrl::parse(url).map_err(Error::Url)?;
        let key = crate::random::handshake_key().map_err(Error::Random)?;
        let mask = crate::random::OsRandom::new().map_err(Error::Random)?;
        let mut ext = [0u8; 128];
        let (extensions, offered) = super::deflate_offer(options, &mut ext);
        let request =
            ClientRequest { protocols: options.protocols, headers: options.headers, extensions, ..url.request(key) };
        Self::handshake(stream, request, options.config, mask, offered).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin, M: MaskSource> WebSocket<S, M> {
    /// Connects over `stream` with `request` as given and `mask` for the
    /// frames' mask keys (see
    /// [`blocking::WebSocket::connect_with`](super::blocking::WebSocket::connect_with)).
    pub async fn connect_with(stream: S, request: ClientRequest<'_>, config: Config, mask: M) -> Result<Self, Error> {
        Self::handshake(stream, request, config, mask, None).await
    }

    async fn handshake(
        mut stream: S,
        request: ClientRequest<'_>,
        config: Config,
        mask: M,
        offered: Offered,
    ) -> Result<Self, Error> {
        let clock = Instant::now();
        let mut endpoint = ClientEndpoint::new(request, config, mask);
        let mut tx = Vec::new();
        endpoint.poll_transmit_vec(&mut tx);
        stream.write_all(&tx).await?;
        let read = read_head(&mut stream, config.handshake_timeout, |rx| {
            let input = endpoint.handle_data(rx);
            match client_step(input.event, input.consumed, offered) {
                ClientStep::More => None,
                ClientStep::Accepted { used, protocol, deflate } => Some(Ok((used, protocol, deflate))),
                ClientStep::Failed(e) => Some(Err(e)),
            }
        })
        .await;
        let ((used, protocol, deflate), rx) = match read {
            Ok((Ok(accepted), rx)) => (accepted, rx),
            Ok((Err(e), _)) | Err(e) => {
                let _ = stream.shutdown().await;
                return Err(e);
            }
        };
        let inflating = deflate.is_some() || cfg!(feature = "deflate") && request.extensions.is_some();
        let conn = endpoint.into_connection().ok_or(Error::Usage(crate::UsageError::Closed))?;
        let inbox = Inbox::new(rx.get(used..).unwrap_or_default(), inflating);
        Ok(Self::open(stream, with_deflate(conn, deflate), inbox, clock, protocol))
    }

    fn open(stream: S, conn: Connection<M>, inbox: Inbox, clock: Instant, protocol: Option<String>) -> Self {
        let (read, write) = tokio::io::split(stream);
        let conn = Arc::new(Mutex::new(conn));
        let write = Arc::new(tokio::sync::Mutex::new(WriteSide { io: write, buf: Vec::new(), pos: 0 }));
        let writer = Writer { conn: conn.clone(), write: write.clone() };
        let reader = Reader { io: read, conn, write, inbox, clock, protocol, eof: false, transport_closed: false };
        Self { reader, writer }
    }

    /// The two halves.
    pub fn split(self) -> (Reader<S, M>, Writer<S, M>) {
        (self.reader, self.writer)
    }

    /// The agreed subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.reader.protocol()
    }

    /// [`Reader::read`].
    pub async fn read(&mut self) -> Result<Message<'_>, Error> {
        self.reader.read().await
    }

    /// [`Writer::send_text`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.writer.send_text(text).await
    }

    /// [`Writer::send_binary`].
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.writer.send_binary(data).await
    }

    /// [`Writer::ping`].
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.writer.ping(payload).await
    }

    /// Completes the closing handshake (messages arriving meanwhile are
    /// dropped) and closes the transport; `Ok` when it completed cleanly.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        match self.writer.close(code, reason).await {
            Ok(()) | Err(Error::Usage(_)) => {}
            Err(e) => return Err(e),
        }
        loop {
            match self.reader.read().await {
                Ok(_) => {}
                Err(Error::Closed(OwnedTermination::Clean(_))) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin, M: MaskSource> Reader<S, M> {
    /// The agreed subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The next whole message, borrowed until the next call (see the
    /// [module docs](super)). Pings are answered, the peer's Close echoed,
    /// keep-alive Pings sent. When the connection ends the transport is
    /// closed and [`Error::Closed`] says how. Cancellation-safe.
    pub async fn read(&mut self) -> Result<Message<'_>, Error> {
        loop {
            self.check_open()?;
            let (step, owes) = {
                let mut conn = lock(&self.conn);
                let mut owed = Vec::new();
                let step = self.inbox.advance(&mut conn, &mut owed);
                // Owed bytes taken out are put back as a queue in the
                // connection's order: hand them to the write side now.
                (step, owed)
            };
            if !owes.is_empty() {
                self.send_owed(owes).await?;
            }
            if let Step::Message(ready) = step {
                return Ok(self.inbox.message(ready));
            }
            self.step_io().await?;
        }
    }

    /// Writes replies the reader took from the connection: through the
    /// write side when it is free, else appended to the writer's pending
    /// bytes (it writes them before it lets go).
    async fn send_owed(&mut self, owed: Vec<u8>) -> Result<(), Error> {
        match self.write.try_lock() {
            Ok(mut w) => {
                w.buf.extend_from_slice(&owed);
                w.drain(&self.conn).await?;
            }
            Err(_) => {
                // The writer is mid-message: queue behind it, in order.
                let mut w = self.write.lock().await;
                w.buf.extend_from_slice(&owed);
                w.drain(&self.conn).await?;
            }
        }
        Ok(())
    }

    async fn step_io(&mut self) -> Result<(), Error> {
        if lock(&self.conn).transport_should_close() {
            self.close_transport().await;
            return self.check_open();
        }
        let deadline = lock(&self.conn).poll_timeout().map(|at| self.clock + at);
        let read = self.io.read(self.inbox.spare());
        let outcome = match deadline {
            Some(at) => tokio::time::timeout_at(at, read).await.ok(),
            None => Some(read.await),
        };
        match outcome {
            None => {
                let owed = {
                    let mut conn = lock(&self.conn);
                    if let Some(Event::Closed(how)) = conn.handle_timeout(self.clock.elapsed()) {
                        self.inbox.ended = Some(how.to_owned());
                    }
                    let mut owed = Vec::new();
                    conn.poll_transmit_vec(&mut owed);
                    owed
                };
                if !owed.is_empty() {
                    self.send_owed(owed).await?;
                }
            }
            Some(Ok(0)) => {
                self.eof = true;
                if let Some(Event::Closed(how)) = lock(&self.conn).handle_eof() {
                    self.inbox.ended = Some(how.to_owned());
                }
            }
            Some(Ok(n)) => self.inbox.filled(n),
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Some(Err(e)) => {
                lock(&self.conn).handle_eof();
                self.transport_closed = true;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn check_open(&self) -> Result<(), Error> {
        if !self.transport_closed {
            return Ok(());
        }
        let how = self.inbox.ended.clone();
        let how = how.or_else(|| lock(&self.conn).termination().map(|t| t.to_owned()));
        Err(Error::Closed(how.unwrap_or(OwnedTermination::Abnormal)))
    }

    /// Half-close, then read to the peer's end of input within the close
    /// timeout (RFC 6455 §7.1.1).
    async fn close_transport(&mut self) {
        let bound = lock(&self.conn).config().close_timeout;
        {
            let mut w = self.write.lock().await;
            let _ = w.write_pending().await;
            let _ = w.io.shutdown().await;
        }
        if !self.eof {
            let mut sink = [0u8; 1024];
            let _ =
                tokio::time::timeout(bound, async { while matches!(self.io.read(&mut sink).await, Ok(n) if n > 0) {} })
                    .await;
        }
        self.transport_closed = true;
    }
}

impl<S: AsyncWrite, M: MaskSource> Writer<S, M> {
    /// Sends a text message; returns when it is written.
    pub async fn send_text(&self, text: &str) -> Result<(), Error> {
        self.send_with(|conn, buf| conn.send_text_vec(text, buf).map(drop)).await
    }

    /// Sends a binary message; returns when it is written.
    pub async fn send_binary(&self, data: &[u8]) -> Result<(), Error> {
        self.send_with(|conn, buf| conn.send_binary_vec(data, buf).map(drop)).await
    }

    /// Sends a Ping (at most 125 bytes).
    pub async fn ping(&self, payload: &[u8]) -> Result<(), Error> {
        self.send_with(|conn, buf| {
            let start = buf.len();
            buf.resize(start + conn.frame_len(payload.len()), 0);
            let n = conn.send_ping(payload, &mut buf[start..]);
            buf.truncate(start + *n.as_ref().unwrap_or(&0));
            n.map(drop)
        })
        .await
    }

    /// Begins the closing handshake; the [`Reader`] completes it (its
    /// `read` returns [`Error::Closed`] once done and the transport is closed).
    pub async fn close(&self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.send_with(|conn, buf| conn.close_vec(code, reason, buf).map(drop)).await
    }

    async fn send_with(
        &self,
        encode: impl FnOnce(&mut Connection<M>, &mut Vec<u8>) -> Result<(), crate::UsageError>,
    ) -> Result<(), Error>
    where
        WriteHalf<S>: AsyncWrite + Unpin,
    {
        let mut w = self.write.lock().await;
        w.write_pending().await?; // a cancelled send's bytes go first
        {
            let w = &mut *w;
            let mut conn = lock(&self.conn);
            encode(&mut conn, &mut w.buf)?;
            conn.poll_transmit_vec(&mut w.buf);
        }
        w.drain(&self.conn).await?;
        Ok(())
    }
}
