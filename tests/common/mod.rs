//! Shared helpers for the connection conformance tests: byte-exact frame
//! builders, a deterministic mask source, a chunked feeder that collects
//! owned events, and a `Pair` harness joining a client and a server.
//!
//! Expected bytes are built here by hand (masking included) so that no
//! expected value comes from the code under test.
#![allow(dead_code)]

use std::collections::VecDeque;

use wsmachine::{
    CloseCode, Config, Connection, Event, MaskSource, MessageKind, ProtocolError, Termination, UsageError,
};

// ----- opcodes and first-byte bits -----

pub const FIN: u8 = 0x80;
pub const RSV1: u8 = 0x40;
pub const RSV2: u8 = 0x20;
pub const RSV3: u8 = 0x10;
pub const CONT: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// The mask key of RFC 6455 §5.7's examples.
pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The largest number of input bytes a connection may hold: a header, a
/// control payload and an unfinished UTF-8 character.
pub const BUFFERED_BOUND: usize = 14 + 125 + 3;

// ----- frame builders -----

/// XORs `data` with `key` (RFC 6455 §5.3), written out independently of the crate.
pub fn xor(data: &[u8], key: [u8; 4]) -> Vec<u8> {
    data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect()
}

/// A frame header: first byte `b0` (FIN, RSV and opcode bits as given, no
/// checks), the minimal length encoding of `len`, and the mask key if any.
pub fn header(b0: u8, len: u64, mask: Option<[u8; 4]>) -> Vec<u8> {
    let m = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![b0];
    if len <= 125 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    if let Some(k) = mask {
        out.extend_from_slice(&k);
    }
    out
}

/// A whole frame with first byte `b0` and `payload`, masked with `mask` if given.
pub fn frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = header(b0, payload.len() as u64, mask);
    match mask {
        Some(k) => out.extend(xor(payload, k)),
        None => out.extend_from_slice(payload),
    }
    out
}

/// A frame as a client sends it (masked with [`KEY`]).
pub fn cframe(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, Some(KEY))
}

/// A frame as a server sends it (unmasked).
pub fn sframe(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, None)
}

/// A Close payload: the code big-endian, then the reason.
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

/// Concatenates frames.
pub fn cat(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

// ----- mask source -----

/// A deterministic mask source: the `n`th key (from 0) is [`TestMask::key`]`(n)`.
#[derive(Clone, Debug, Default)]
pub struct TestMask {
    pub n: u32,
}

impl TestMask {
    pub fn new() -> Self {
        Self { n: 0 }
    }

    /// The `n`th key this source hands out.
    pub fn key(n: u32) -> [u8; 4] {
        let x = n.wrapping_mul(0x9E37_79B9).wrapping_add(0x5A3C_0F1E);
        [(x >> 24) as u8, (x >> 16) as u8 | 1, (x >> 8) as u8, x as u8 ^ 0xA5]
    }
}

impl MaskSource for TestMask {
    fn next_mask(&mut self) -> [u8; 4] {
        let k = Self::key(self.n);
        self.n += 1;
        k
    }
}

// ----- owned events -----

/// An owned copy of an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Data { kind: MessageKind, payload: Vec<u8>, frame_fin: bool, message_fin: bool },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    Closed(End),
}

/// An owned copy of a [`Termination`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    Clean(u16, String),
    Failed(ProtocolError),
    Abnormal,
    TimedOut,
}

pub fn own_closure(c: &Termination<'_>) -> End {
    match c {
        Termination::Clean(f) => End::Clean(f.code.0, f.reason.to_string()),
        Termination::Failed(e) => End::Failed(*e),
        Termination::Abnormal => End::Abnormal,
        Termination::TimedOut => End::TimedOut,
    }
}

pub fn own(e: &Event<'_, '_>) -> Ev {
    match e {
        Event::Data { kind, payload, frame_fin, message_fin } => {
            Ev::Data { kind: *kind, payload: payload.to_vec(), frame_fin: *frame_fin, message_fin: *message_fin }
        }
        Event::Ping(p) => Ev::Ping(p.to_vec()),
        Event::Pong(p) => Ev::Pong(p.to_vec()),
        Event::CloseReceived(f) => Ev::Close(f.code.0, f.reason.to_string()),
        Event::Closed(c) => Ev::Closed(own_closure(c)),
    }
}

/// Shorthand for an expected data event.
pub fn data(kind: MessageKind, payload: &[u8], frame_fin: bool, message_fin: bool) -> Ev {
    Ev::Data { kind, payload: payload.to_vec(), frame_fin, message_fin }
}

pub fn failed(e: ProtocolError) -> Ev {
    Ev::Closed(End::Failed(e))
}

// ----- feeding -----

/// What [`feed`] saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fed {
    /// Every event, in order.
    pub events: Vec<Ev>,
    /// Everything `poll_transmit` wrote, drained after every `handle_data` call.
    pub replies: Vec<u8>,
    /// Input bytes the connection consumed.
    pub consumed: usize,
}

impl Fed {
    /// The data events' payloads concatenated, with the other events kept.
    pub fn merged(&self) -> Vec<Ev> {
        merge_data(&self.events)
    }
}

/// Joins consecutive data events of one message into one event per message
/// (so the result does not depend on how the input was chunked).
pub fn merge_data(events: &[Ev]) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    let mut cur: Option<(MessageKind, Vec<u8>)> = None;
    for e in events {
        match e {
            Ev::Data { kind, payload, message_fin, .. } => {
                let c = cur.get_or_insert_with(|| (*kind, Vec::new()));
                assert_eq!(c.0, *kind, "the kind changed inside a message");
                c.1.extend_from_slice(payload);
                if *message_fin {
                    let (kind, payload) = cur.take().unwrap();
                    out.push(Ev::Data { kind, payload, frame_fin: true, message_fin: true });
                }
            }
            other => out.push(other.clone()),
        }
    }
    if let Some((kind, payload)) = cur {
        out.push(Ev::Data { kind, payload, frame_fin: false, message_fin: false });
    }
    out
}

/// Drains every reply the connection owes into a `Vec`.
pub fn drain_transmit<M: MaskSource>(conn: &mut Connection<M>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 131];
    while let Some(n) = conn.poll_transmit(&mut buf).expect("a 131-byte buffer is enough") {
        assert!(n > 0 && n <= 131);
        out.extend_from_slice(&buf[..n]);
    }
    assert!(!conn.wants_transmit(), "wants_transmit after poll_transmit returned None");
    out
}

/// Feeds `bytes` to `conn` in pieces of `chunk` bytes (the last may be
/// shorter). After each piece it calls `handle_data` until it consumes
/// nothing and reports nothing, draining `poll_transmit` after every call.
/// Checks that `buffered()` stays within its bound and that every byte is
/// consumed.
pub fn feed<M: MaskSource>(conn: &mut Connection<M>, bytes: &[u8], chunk: usize) -> Fed {
    let mut fed = Fed::default();
    let mut pending: Vec<u8> = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        pending.extend_from_slice(piece);
        pump(conn, &mut pending, &mut fed);
    }
    if bytes.is_empty() {
        pump(conn, &mut pending, &mut fed);
    }
    fed
}

/// Feeds `bytes` in one piece.
pub fn feed_all<M: MaskSource>(conn: &mut Connection<M>, bytes: &[u8]) -> Fed {
    feed(conn, bytes, bytes.len().max(1))
}

fn pump<M: MaskSource>(conn: &mut Connection<M>, pending: &mut Vec<u8>, fed: &mut Fed) {
    loop {
        let len = pending.len();
        let input = conn.handle_data(pending);
        assert!(input.consumed <= len, "consumed more than given");
        let consumed = input.consumed;
        let event = input.event.as_ref().map(own);
        pending.drain(..consumed);
        fed.consumed += consumed;
        assert!(conn.buffered() <= BUFFERED_BOUND, "buffered() = {} over its bound", conn.buffered());
        fed.replies.extend(drain_transmit(conn));
        match event {
            Some(e) => fed.events.push(e),
            None if consumed == 0 => break,
            None => {}
        }
    }
    assert!(pending.is_empty(), "the connection left {} bytes unconsumed", pending.len());
}

/// The server's Close frame with `code` and no reason, byte-exact.
pub fn server_close(code: u16) -> Vec<u8> {
    sframe(FIN | CLOSE, &code.to_be_bytes())
}

/// A client's Close frame with `code`, masked with `key`.
pub fn client_close(code: u16, key: [u8; 4]) -> Vec<u8> {
    frame(FIN | CLOSE, &code.to_be_bytes(), Some(key))
}

/// Checks that `conn` failed with `error`: the event list ends with the
/// failure and the replies are exactly the Close with `code` (`close` builds
/// it for the role).
pub fn assert_failed(fed: &Fed, error: ProtocolError, close: &[u8]) {
    assert_eq!(fed.events.last(), Some(&failed(error)), "events: {:?}", fed.events);
    assert_eq!(fed.replies, close, "the Close sent after the failure");
}

// ----- a tiny seeded RNG -----

/// xorshift64* — deterministic, dependency-free.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        assert!(lo <= hi);
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            let x = self.next_u64().to_le_bytes();
            let take = (len - v.len()).min(8);
            v.extend_from_slice(&x[..take]);
        }
        v
    }

    /// Random text of about `len` bytes mixing 1- to 4-byte characters.
    pub fn text(&mut self, len: usize) -> String {
        const CHARS: [char; 10] = ['a', 'Z', ' ', '0', 'é', 'ß', '€', '中', '😀', '𝄞'];
        let mut s = String::with_capacity(len + 4);
        while s.len() < len {
            s.push(CHARS[self.range(0, CHARS.len() - 1)]);
        }
        s
    }
}

// ----- the Pair harness -----

/// Which endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// A control frame as logged by its sender and checked by its receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ctl {
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

/// One endpoint's bookkeeping: what it sent (for the peer to check) and
/// what it has received.
#[derive(Debug, Default)]
pub struct Book {
    /// Bytes written by this endpoint, not yet delivered to the peer.
    pub outgoing: Vec<u8>,
    out_pos: usize,
    /// Data messages this endpoint sent, in order, not yet received.
    pub sent_messages: VecDeque<(MessageKind, Vec<u8>)>,
    /// Control frames this endpoint sent, in order, not yet received.
    pub sent_controls: VecDeque<Ctl>,
    /// Bytes received but not consumed yet.
    incoming: Vec<u8>,
    /// The message being received.
    current: Option<(MessageKind, Vec<u8>)>,
    /// Counters.
    pub messages_received: usize,
    pub bytes_received: usize,
    pub controls_received: usize,
    /// The Close event (the peer began closing), if seen.
    pub close_event: Option<(u16, String)>,
    /// The terminal event, if seen.
    pub closed: Option<End>,
    /// This endpoint sent (or queued) its Close.
    pub close_sent: bool,
    /// The sender's fragment in progress.
    pub sending: Option<(MessageKind, Vec<u8>)>,
}

impl Book {
    fn undelivered(&self) -> usize {
        self.outgoing.len() - self.out_pos
    }
}

/// A client and a server connected through memory.
pub struct Pair {
    pub client: Connection<TestMask>,
    pub server: Connection,
    pub cbook: Book,
    pub sbook: Book,
    pub rng: Rng,
    /// Deliveries move between 1 and `max_chunk` bytes at a time.
    pub max_chunk: usize,
    scratch: Vec<u8>,
}

impl Pair {
    pub fn new(seed: u64, client: Config, server: Config) -> Self {
        Self {
            client: Connection::client(client, TestMask::new()),
            server: Connection::server(server),
            cbook: Book::default(),
            sbook: Book::default(),
            rng: Rng::new(seed),
            max_chunk: 4096,
            scratch: Vec::new(),
        }
    }

    fn book(&mut self, side: Side) -> &mut Book {
        match side {
            Side::Client => &mut self.cbook,
            Side::Server => &mut self.sbook,
        }
    }

    /// Runs a send call on `side` into a scratch buffer of `room` bytes and
    /// appends what it wrote to that side's outgoing bytes.
    fn write(
        &mut self,
        side: Side,
        room: usize,
        f: impl FnOnce(&mut dyn Sender, &mut [u8]) -> Result<usize, UsageError>,
    ) -> Result<usize, UsageError> {
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.resize(room, 0);
        let result = match side {
            Side::Client => f(&mut self.client, &mut scratch),
            Side::Server => f(&mut self.server, &mut scratch),
        };
        if let Ok(n) = result {
            assert!(n <= room);
            self.book(side).outgoing.extend_from_slice(&scratch[..n]);
        }
        self.scratch = scratch;
        result
    }

    fn data_len(&self, side: Side, len: usize) -> usize {
        match side {
            Side::Client => self.client.data_len(len),
            Side::Server => self.server.data_len(len),
        }
    }

    /// Sends a whole message from `side` and logs it for the peer to check.
    pub fn send(&mut self, side: Side, kind: MessageKind, data: &[u8]) -> Result<(), UsageError> {
        let room = self.data_len(side, data.len());
        self.write(side, room, |c, out| c.message(kind, data, out))?;
        self.book(side).sent_messages.push_back((kind, data.to_vec()));
        Ok(())
    }

    /// Sends one piece of a message from `side` with `send_fragment`.
    pub fn send_fragment(&mut self, side: Side, kind: MessageKind, chunk: &[u8], fin: bool) -> Result<(), UsageError> {
        let room = self.data_len(side, chunk.len());
        self.write(side, room, |c, out| c.fragment(kind, chunk, fin, out))?;
        let book = self.book(side);
        let s = book.sending.get_or_insert_with(|| (kind, Vec::new()));
        s.1.extend_from_slice(chunk);
        if fin {
            let done = book.sending.take().unwrap();
            book.sent_messages.push_back(done);
        }
        Ok(())
    }

    /// Sends a message from `side` in pieces cut at `cuts` (byte offsets, any order).
    pub fn send_in_pieces(&mut self, side: Side, kind: MessageKind, data: &[u8], cuts: &[usize]) {
        let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut start = 0;
        for c in cuts {
            self.send_fragment(side, kind, &data[start..c], false).unwrap();
            start = c;
        }
        self.send_fragment(side, kind, &data[start..], true).unwrap();
    }

    /// Sends a Ping from `side`.
    pub fn ping(&mut self, side: Side, payload: &[u8]) -> Result<(), UsageError> {
        self.write(side, 131, |c, out| c.ping(payload, out))?;
        self.book(side).sent_controls.push_back(Ctl::Ping(payload.to_vec()));
        Ok(())
    }

    /// Starts the closing handshake from `side`.
    pub fn close(&mut self, side: Side, code: CloseCode, reason: &str) -> Result<(), UsageError> {
        self.write(side, 131, |c, out| c.close(code, reason, out))?;
        self.book(side).sent_controls.push_back(Ctl::Close(code.0, reason.to_string()));
        self.book(side).close_sent = true;
        Ok(())
    }

    /// Bytes written by `side` and not yet delivered.
    pub fn in_flight(&self, side: Side) -> usize {
        match side {
            Side::Client => self.cbook.undelivered(),
            Side::Server => self.sbook.undelivered(),
        }
    }

    /// Delivers between 1 and `max` bytes (at most what is in flight) from
    /// `from` to its peer and processes them; returns how many moved.
    pub fn deliver(&mut self, from: Side, max: usize) -> usize {
        let avail = self.in_flight(from);
        if avail == 0 {
            return 0;
        }
        let n = self.rng.range(1, max.max(1)).min(avail);
        let (src, dst) = match from {
            Side::Client => (&mut self.cbook, &mut self.sbook),
            Side::Server => (&mut self.sbook, &mut self.cbook),
        };
        dst.incoming.extend_from_slice(&src.outgoing[src.out_pos..src.out_pos + n]);
        src.out_pos += n;
        if src.out_pos == src.outgoing.len() {
            src.outgoing.clear();
            src.out_pos = 0;
        } else if src.out_pos > (1 << 20) && src.out_pos * 2 > src.outgoing.len() {
            src.outgoing.drain(..src.out_pos);
            src.out_pos = 0;
        }
        self.process(from.other());
        n
    }

    /// Delivers everything in flight both ways, in random chunks of up to
    /// `max_chunk` bytes, alternating directions at random.
    pub fn run(&mut self) {
        loop {
            let c = self.in_flight(Side::Client);
            let s = self.in_flight(Side::Server);
            if c == 0 && s == 0 {
                break;
            }
            let from = if c == 0 {
                Side::Server
            } else if s == 0 || self.rng.chance(1, 2) {
                Side::Client
            } else {
                Side::Server
            };
            let max = self.max_chunk;
            self.deliver(from, max);
        }
    }

    /// Lets `side` handle the bytes it received, draining its replies into
    /// its outgoing bytes, and checks each event against what its peer sent.
    pub fn process(&mut self, side: Side) {
        let mut events = Vec::new();
        let mut incoming = core::mem::take(&mut self.book(side).incoming);
        let mut off = 0;
        loop {
            let input = match side {
                Side::Client => self.client.handle_data(&mut incoming[off..]),
                Side::Server => self.server.handle_data(&mut incoming[off..]),
            };
            let consumed = input.consumed;
            let ev = input.event.as_ref().map(own);
            off += consumed;
            let (buffered, out) = match side {
                Side::Client => (self.client.buffered(), drain_transmit(&mut self.client)),
                Side::Server => (self.server.buffered(), drain_transmit(&mut self.server)),
            };
            assert!(buffered <= BUFFERED_BOUND, "{side:?} buffered {buffered}");
            self.book(side).outgoing.extend(out);
            match ev {
                Some(e) => events.push(e),
                None if consumed == 0 => break,
                None => {}
            }
        }
        incoming.drain(..off);
        self.book(side).incoming = incoming;
        for e in events {
            self.check_event(side, e);
        }
    }

    fn check_event(&mut self, side: Side, e: Ev) {
        let auto_pong = match side {
            Side::Client => self.client.config().auto_pong,
            Side::Server => self.server.config().auto_pong,
        };
        let (me, peer) = match side {
            Side::Client => (&mut self.cbook, &mut self.sbook),
            Side::Server => (&mut self.sbook, &mut self.cbook),
        };
        match e {
            Ev::Data { kind, payload, message_fin, .. } => {
                let cur = me.current.get_or_insert_with(|| (kind, Vec::new()));
                assert_eq!(cur.0, kind, "{side:?}: kind changed inside a message");
                cur.1.extend_from_slice(&payload);
                me.bytes_received += payload.len();
                if message_fin {
                    let got = me.current.take().unwrap();
                    let want = peer.sent_messages.pop_front().unwrap_or_else(|| panic!("{side:?}: unexpected message"));
                    assert_eq!(got.0, want.0, "{side:?}: message {} kind", me.messages_received);
                    assert!(
                        got.1 == want.1,
                        "{side:?}: message {} differs ({} bytes received, {} sent)",
                        me.messages_received,
                        got.1.len(),
                        want.1.len()
                    );
                    if got.0 == MessageKind::Text {
                        assert!(std::str::from_utf8(&got.1).is_ok());
                    }
                    me.messages_received += 1;
                }
            }
            Ev::Ping(p) => {
                assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Ping(p.clone())), "{side:?}: ping");
                me.controls_received += 1;
                if auto_pong && !me.close_sent {
                    // RFC 6455 §5.5.2: the Pong carries the Ping's payload.
                    me.sent_controls.push_back(Ctl::Pong(p));
                }
            }
            Ev::Pong(p) => {
                assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Pong(p)), "{side:?}: pong");
                me.controls_received += 1;
            }
            Ev::Close(code, reason) => {
                assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Close(code, reason.clone())), "{side:?}: close");
                me.close_sent = true;
                me.close_event = Some((code, reason));
                // The echo carries the same code and no reason (RFC 6455 §5.5.1).
                me.sent_controls.push_back(Ctl::Close(code, String::new()));
            }
            Ev::Closed(end) => {
                assert!(me.closed.is_none(), "{side:?}: Closed reported twice");
                if let End::Clean(code, reason) = &end {
                    if me.close_event.is_none() {
                        // We began closing: this is the peer's answer.
                        assert_eq!(
                            peer.sent_controls.pop_front(),
                            Some(Ctl::Close(*code, reason.clone())),
                            "{side:?}: close answer"
                        );
                    }
                }
                me.closed = Some(end);
            }
        }
    }

    /// Checks that everything sent was received.
    pub fn assert_all_received(&self) {
        for (side, book) in [(Side::Client, &self.cbook), (Side::Server, &self.sbook)] {
            assert!(book.sent_messages.is_empty(), "{side:?}: {} messages not received", book.sent_messages.len());
            assert!(book.sent_controls.is_empty(), "{side:?}: controls not received: {:?}", book.sent_controls);
            assert_eq!(book.undelivered(), 0);
        }
    }
}

/// The send calls the harness needs, for either role.
pub trait Sender {
    fn message(&mut self, kind: MessageKind, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError>;
    fn fragment(&mut self, kind: MessageKind, chunk: &[u8], fin: bool, out: &mut [u8]) -> Result<usize, UsageError>;
    fn ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError>;
    fn close(&mut self, code: CloseCode, reason: &str, out: &mut [u8]) -> Result<usize, UsageError>;
}

impl<M: MaskSource> Sender for Connection<M> {
    fn message(&mut self, kind: MessageKind, data: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_message(kind, data, out)
    }
    fn fragment(&mut self, kind: MessageKind, chunk: &[u8], fin: bool, out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_fragment(kind, chunk, fin, out)
    }
    fn ping(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, UsageError> {
        self.send_ping(payload, out)
    }
    fn close(&mut self, code: CloseCode, reason: &str, out: &mut [u8]) -> Result<usize, UsageError> {
        Connection::close(self, code, reason, out)
    }
}
