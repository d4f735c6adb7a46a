//! Both endpoints in one image, talking over in-memory pipes: the opening
//! handshake with subprotocol `chat`, a text echo, a streamed message larger
//! than either receive buffer, ping/pong and the closing handshake.

use wsmachine::handshake::Limits;
use wsmachine::{
    Accept, ClientEndpoint, ClientEvent, ClientRequest, CloseCode, Config, Event, MaskSource, MessageKind,
    ServerEndpoint, ServerEvent, State,
};

use crate::io::{check, line, put};
use crate::pipe::{Pipe, Rx};
use crate::stack::Meter;
use crate::TestMask;

/// Each side's receive buffer: smaller than the streamed message and than
/// each of its frames, larger than a handshake head.
const RX: usize = 512;
/// Each side's transmit scratch: one received chunk plus a frame header, a
/// handshake head, or a streamed fragment.
const TX: usize = 1024;
const PIPE: usize = 1024;
/// The streamed message: `FRAGMENTS` frames of `FRAGMENT` bytes.
const FRAGMENT: usize = 600;
const FRAGMENTS: usize = 3;
const HELLO: &[u8] = b"hello, firmware";
const PING: &[u8] = b"are you there";

/// The `i`th byte of message `msg` as the client sent it.
fn expected(msg: usize, i: usize) -> Option<u8> {
    match msg {
        0 => HELLO.get(i).copied(),
        1 if i < FRAGMENT * FRAGMENTS => Some(b'a' + (i % 26) as u8),
        _ => None,
    }
}

/// The deepest stack of each call measured.
#[derive(Default)]
struct Stacks {
    server_handshake: usize,
    server_open: usize,
    server_accept: usize,
    client_handshake: usize,
    client_open: usize,
    client_transmit: usize,
}

struct ServerSide {
    ep: ServerEndpoint,
    rx: Rx<RX>,
    pings: usize,
    close_received: bool,
    closed_clean: bool,
}

struct ClientSide<M> {
    ep: ClientEndpoint<'static, M>,
    rx: Rx<RX>,
    accepted: bool,
    /// Messages received whole, and the bytes of the current one.
    messages: usize,
    at: usize,
    pongs: usize,
    closed_clean: bool,
}

struct Pair<M> {
    server: ServerSide,
    client: ClientSide<M>,
    c2s: Pipe<PIPE>,
    s2c: Pipe<PIPE>,
    tx: [u8; TX],
    meter: Meter,
    stacks: Stacks,
}

impl<M: MaskSource> Pair<M> {
    /// Feeds the server what it has received; answers and echoes. Whether anything happened.
    fn server_step(&mut self) -> bool {
        let mut progress = false;
        loop {
            let open = self.server.ep.connection().is_some();
            let (ep, rx) = (&mut self.server.ep, &mut self.server.rx.buf[..self.server.rx.len]);
            let (input, depth) = self.meter.call(move || ep.handle_data(rx));
            let slot = if open { &mut self.stacks.server_open } else { &mut self.stacks.server_handshake };
            *slot = (*slot).max(depth);
            let consumed = input.consumed;
            let mut echo = None;
            let event = input.event.is_some();
            match input.event {
                None => {}
                Some(ServerEvent::Request(req)) => {
                    check(req.path() == "/chat", "server: path");
                    check(req.protocols().any(|p| p == "chat"), "server: offered chat");
                    let protocol = req.choose_protocol(&["chat"]);
                    check(protocol == Some("chat"), "server: chose chat");
                    let tx = &mut self.tx;
                    let (n, depth) = self.meter.call(move || req.accept(&Accept { protocol, ..Accept::default() }, tx));
                    self.stacks.server_accept = depth;
                    let Ok(n) = n else { crate::io::fail("server: accept") };
                    check(self.s2c.push(&self.tx[..n]), "s2c full (101)");
                }
                Some(ServerEvent::NotUpgrade(_)) => crate::io::fail("server: not an upgrade"),
                Some(ServerEvent::HandshakeFailed(_)) => crate::io::fail("server: handshake failed"),
                Some(ServerEvent::Connection(Event::Data { kind, payload, message_fin, .. })) => {
                    echo = Some((kind, payload, message_fin));
                }
                Some(ServerEvent::Connection(Event::Ping(p))) => {
                    check(p == PING, "server: ping payload");
                    self.server.pings += 1;
                }
                Some(ServerEvent::Connection(Event::Pong(_))) => crate::io::fail("server: unexpected pong"),
                Some(ServerEvent::Connection(Event::CloseReceived(frame))) => {
                    check(frame.code == CloseCode::NORMAL && frame.reason == "bye", "server: close frame");
                    self.server.close_received = true;
                }
                Some(ServerEvent::Connection(Event::Closed(t))) => {
                    check(t.is_clean(), "server: clean close");
                    self.server.closed_clean = true;
                }
            }
            if let Some((kind, payload, fin)) = echo {
                let Some(conn) = self.server.ep.connection_mut() else { crate::io::fail("server: open") };
                let Ok(n) = conn.send_fragment(kind, payload, fin, &mut self.tx) else {
                    crate::io::fail("server: echo")
                };
                check(self.s2c.push(&self.tx[..n]), "s2c full (echo)");
            }
            self.server.rx.consume(consumed);
            while let Ok(Some(n)) = self.server.ep.poll_transmit(&mut self.tx) {
                check(self.s2c.push(&self.tx[..n]), "s2c full (owed)");
            }
            if !event && consumed == 0 {
                return progress;
            }
            progress = true;
        }
    }

    /// Feeds the client what it has received and checks it. Whether anything happened.
    fn client_step(&mut self) -> bool {
        let mut progress = false;
        loop {
            let open = self.client.ep.connection().is_some();
            let (ep, rx) = (&mut self.client.ep, &mut self.client.rx.buf[..self.client.rx.len]);
            let (input, depth) = self.meter.call(move || ep.handle_data(rx));
            let slot = if open { &mut self.stacks.client_open } else { &mut self.stacks.client_handshake };
            *slot = (*slot).max(depth);
            let consumed = input.consumed;
            let event = input.event.is_some();
            let (messages, at, pongs) = (&mut self.client.messages, &mut self.client.at, &mut self.client.pongs);
            let (accepted, closed_clean) = (&mut self.client.accepted, &mut self.client.closed_clean);
            match input.event {
                None => {}
                Some(ClientEvent::Accepted(view)) => {
                    check(view.protocol() == Some("chat"), "client: agreed chat");
                    *accepted = true;
                }
                Some(ClientEvent::Rejected(_)) => crate::io::fail("client: rejected"),
                Some(ClientEvent::HandshakeFailed(_)) => crate::io::fail("client: handshake failed"),
                Some(ClientEvent::Connection(Event::Data { kind, payload, message_fin, .. })) => {
                    check(kind == MessageKind::Text, "client: text");
                    for &b in payload {
                        check(expected(*messages, *at) == Some(b), "client: echoed byte");
                        *at += 1;
                    }
                    if message_fin {
                        check(expected(*messages, *at).is_none(), "client: echoed length");
                        *messages += 1;
                        *at = 0;
                    }
                }
                Some(ClientEvent::Connection(Event::Ping(_))) => crate::io::fail("client: unexpected ping"),
                Some(ClientEvent::Connection(Event::Pong(p))) => {
                    check(p == PING, "client: pong payload");
                    *pongs += 1;
                }
                Some(ClientEvent::Connection(Event::CloseReceived(_))) => {
                    crate::io::fail("client: the server began closing")
                }
                Some(ClientEvent::Connection(Event::Closed(t))) => {
                    check(t.is_clean(), "client: clean close");
                    *closed_clean = true;
                }
            }
            self.client.rx.consume(consumed);
            loop {
                let (ep, tx) = (&mut self.client.ep, &mut self.tx);
                let (owed, depth) = self.meter.call(move || ep.poll_transmit(tx));
                self.stacks.client_transmit = self.stacks.client_transmit.max(depth);
                let Ok(Some(n)) = owed else { break };
                check(self.c2s.push(&self.tx[..n]), "c2s full");
            }
            if !event && consumed == 0 {
                return progress;
            }
            progress = true;
        }
    }

    /// Moves bytes both ways until neither side has anything left to do.
    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut progress = self.c2s.deliver(&mut self.server.rx) > 0;
            progress |= self.server_step();
            progress |= self.s2c.deliver(&mut self.client.rx) > 0;
            progress |= self.client_step();
            if !progress && self.c2s.is_empty() && self.s2c.is_empty() {
                return;
            }
        }
        crate::io::fail("pump: no quiescence");
    }

    fn client_send(&mut self, f: impl FnOnce(&mut wsmachine::Connection<M>, &mut [u8]) -> Option<usize>) {
        let Some(conn) = self.client.ep.connection_mut() else { crate::io::fail("client: open") };
        let Some(n) = f(conn, &mut self.tx) else { crate::io::fail("client: send") };
        check(self.c2s.push(&self.tx[..n]), "c2s full (send)");
        self.pump();
    }
}

/// Runs the whole conversation; returns the stack peak of the run.
pub fn run(meter: Meter) -> usize {
    const CONFIG: Config = Config::DEFAULT;
    let request =
        ClientRequest { protocols: &["chat"], ..ClientRequest::new("example.com", "/chat", *b"the sample nonce") };
    // The server's head limit is its receive buffer: a longer head is answered 431 at once.
    let limits = Limits { max_head_len: RX, max_headers: 16 };
    let mut pair = Pair {
        server: ServerSide {
            ep: ServerEndpoint::with_limits(CONFIG, limits),
            rx: Rx::new(),
            pings: 0,
            close_received: false,
            closed_clean: false,
        },
        client: ClientSide {
            ep: ClientEndpoint::new(request, CONFIG, TestMask(0x1234_5678)),
            rx: Rx::new(),
            accepted: false,
            messages: 0,
            at: 0,
            pongs: 0,
            closed_clean: false,
        },
        c2s: Pipe::new(),
        s2c: Pipe::new(),
        tx: [0; TX],
        meter,
        stacks: Stacks::default(),
    };

    // Opening handshake: the request comes out of the client's poll_transmit.
    pair.client_step();
    pair.pump();
    check(pair.client.accepted, "handshake");
    put(b"ok handshake (subprotocol chat)\n");

    pair.client_send(|conn, tx| conn.send_text(core::str::from_utf8(HELLO).ok()?, tx).ok());
    check(pair.client.messages == 1, "text echo");
    put(b"ok text echo\n");

    let mut chunk = [0u8; FRAGMENT];
    for k in 0..FRAGMENTS {
        for (i, b) in chunk.iter_mut().enumerate() {
            *b = expected(1, k * FRAGMENT + i).unwrap_or(0);
        }
        let fin = k + 1 == FRAGMENTS;
        pair.client_send(|conn, tx| conn.send_fragment(MessageKind::Text, &chunk, fin, tx).ok());
    }
    check(pair.client.messages == 2, "streamed echo");
    put(b"ok streamed message of ");
    crate::io::put_num(FRAGMENT * FRAGMENTS);
    line(" bytes through receive buffers of ", RX);

    pair.client_send(|conn, tx| conn.send_ping(PING, tx).ok());
    check(pair.server.pings == 1 && pair.client.pongs == 1, "ping/pong");
    put(b"ok ping/pong\n");

    pair.client_send(|conn, tx| conn.close(CloseCode::NORMAL, "bye", tx).ok());
    check(pair.server.close_received && pair.server.closed_clean, "server closed");
    check(pair.client.closed_clean, "client closed");
    let server_state = pair.server.ep.connection().map(|c| c.state());
    let client_state = pair.client.ep.connection().map(|c| c.state());
    check(server_state == Some(State::Closed) && client_state == Some(State::Closed), "both closed");
    check(pair.server.ep.transport_should_close(), "server closes the transport");
    put(b"ok closing handshake\n");

    let s = &pair.stacks;
    line("stack ServerEndpoint::handle_data, handshake: ", s.server_handshake);
    line("stack PendingRequest::accept: ", s.server_accept);
    line("stack ServerEndpoint::handle_data, open: ", s.server_open);
    line("stack ClientEndpoint::handle_data, handshake: ", s.client_handshake);
    line("stack ClientEndpoint::handle_data, open: ", s.client_open);
    line("stack ClientEndpoint::poll_transmit: ", s.client_transmit);
    line("size_of ServerEndpoint: ", core::mem::size_of::<ServerEndpoint>());
    line("size_of ClientEndpoint: ", core::mem::size_of::<ClientEndpoint<'static, TestMask>>());
    pair.meter.peak()
}
