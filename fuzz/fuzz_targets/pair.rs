//! A client and a server driven by an arbitrary list of operations (send
//! text, binary, fragments, pings, close from either side; deliver n bytes).
//! Oracle: what one side sent is what the other received, in order; nothing
//! fails; and once everything is delivered and a close is done, both ends
//! agree about it.
#![no_main]
use std::collections::VecDeque;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::{CloseCode, Config, Connection, Event, MaskSource, MessageKind, State, Termination};

#[derive(Arbitrary, Debug)]
enum Op {
    Text {
        client: bool,
        text: String,
    },
    Binary {
        client: bool,
        data: Vec<u8>,
    },
    /// A fragment of a message; text fragments are cut at `split` (possibly
    /// inside a character) and sent as two frames.
    Fragment {
        client: bool,
        text: bool,
        data: String,
        split: u8,
        fin: bool,
    },
    Ping {
        client: bool,
        payload: Vec<u8>,
    },
    Close {
        client: bool,
        code: u16,
        reason: String,
    },
    Deliver {
        to_client: bool,
        n: u16,
    },
}

#[derive(Arbitrary, Debug)]
struct Case {
    client_frame: u16,
    server_frame: u16,
    ops: Vec<Op>,
}

struct Counter(u32);

impl MaskSource for Counter {
    fn next_mask(&mut self) -> [u8; 4] {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0.to_be_bytes()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ctl {
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

#[derive(Default)]
struct End {
    outgoing: Vec<u8>,
    incoming: Vec<u8>,
    sent_messages: VecDeque<(MessageKind, Vec<u8>)>,
    sent_controls: VecDeque<Ctl>,
    sending: Option<(MessageKind, Vec<u8>)>,
    receiving: Option<(MessageKind, Vec<u8>)>,
    close_sent: bool,
    close_event: bool,
    closed: Option<(u16, String)>,
}

struct Pair {
    conns: [Connection<Counter>; 2],
    ends: [End; 2],
}

const CLIENT: usize = 0;
const SERVER: usize = 1;

impl Pair {
    fn send(&mut self, side: usize, f: impl FnOnce(&mut Connection<Counter>, &mut Vec<u8>) -> bool) -> bool {
        let mut out = Vec::new();
        let ok = f(&mut self.conns[side], &mut out);
        self.ends[side].outgoing.extend_from_slice(&out);
        ok
    }

    fn fragment(&mut self, side: usize, kind: MessageKind, piece: &[u8], fin: bool) {
        let conn = &mut self.conns[side];
        let mut out = vec![0u8; conn.data_len(piece.len())];
        if let Ok(n) = conn.send_fragment(kind, piece, fin, &mut out) {
            let end = &mut self.ends[side];
            end.outgoing.extend_from_slice(&out[..n]);
            let m = end.sending.get_or_insert_with(|| (kind, Vec::new()));
            m.1.extend_from_slice(piece);
            if fin {
                let m = end.sending.take().unwrap();
                end.sent_messages.push_back(m);
            }
        }
    }

    fn deliver(&mut self, from: usize, n: usize) {
        let to = 1 - from;
        let n = n.min(self.ends[from].outgoing.len());
        let moved: Vec<u8> = self.ends[from].outgoing.drain(..n).collect();
        self.ends[to].incoming.extend_from_slice(&moved);
        let mut incoming = std::mem::take(&mut self.ends[to].incoming);
        let mut off = 0;
        loop {
            let conn = &mut self.conns[to];
            let input = conn.handle_data(&mut incoming[off..]);
            off += input.consumed;
            let consumed = input.consumed;
            let event = input.event.map(owned);
            assert!(self.conns[to].buffered() <= 142);
            let mut buf = [0u8; 131];
            while let Some(n) = self.conns[to].poll_transmit(&mut buf).unwrap() {
                self.ends[to].outgoing.extend_from_slice(&buf[..n]);
            }
            match event {
                Some(e) => self.check(to, e),
                None if consumed == 0 => break,
                None => {}
            }
        }
        incoming.drain(..off);
        self.ends[to].incoming = incoming;
    }

    fn check(&mut self, me: usize, e: Owned) {
        let auto_pong = self.conns[me].config().auto_pong;
        let (a, b) = self.ends.split_at_mut(1);
        let (mine, peer) = if me == CLIENT { (&mut a[0], &mut b[0]) } else { (&mut b[0], &mut a[0]) };
        match e {
            Owned::Data(kind, payload, fin) => {
                let m = mine.receiving.get_or_insert_with(|| (kind, Vec::new()));
                assert_eq!(m.0, kind);
                m.1.extend_from_slice(&payload);
                if fin {
                    let got = mine.receiving.take().unwrap();
                    assert_eq!(Some(got), peer.sent_messages.pop_front(), "message differs");
                }
            }
            Owned::Ping(p) => {
                assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Ping(p.clone())));
                if auto_pong && !mine.close_sent {
                    mine.sent_controls.push_back(Ctl::Pong(p));
                }
            }
            Owned::Pong(p) => assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Pong(p))),
            Owned::Close(code, reason) => {
                assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Close(code, reason)));
                // Messages in progress are abandoned.
                peer.sending = None;
                mine.receiving = None;
                mine.close_event = true;
                mine.close_sent = true;
                mine.sent_controls.push_back(Ctl::Close(code, String::new()));
            }
            Owned::Clean(code, reason) => {
                assert!(mine.closed.is_none());
                if !mine.close_event {
                    assert_eq!(peer.sent_controls.pop_front(), Some(Ctl::Close(code, reason.clone())));
                }
                mine.closed = Some((code, reason));
            }
            Owned::Other(what) => panic!("side {me}: unexpected {what}"),
        }
    }
}

enum Owned {
    Data(MessageKind, Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    Clean(u16, String),
    Other(String),
}

fn owned(e: Event<'_, '_>) -> Owned {
    match e {
        Event::Data { kind, payload, message_fin, .. } => Owned::Data(kind, payload.to_vec(), message_fin),
        Event::Ping(p) => Owned::Ping(p.to_vec()),
        Event::Pong(p) => Owned::Pong(p.to_vec()),
        Event::CloseReceived(f) => Owned::Close(f.code.0, f.reason.to_string()),
        Event::Closed(Termination::Clean(f)) => Owned::Clean(f.code.0, f.reason.to_string()),
        Event::Closed(other) => Owned::Other(format!("{other:?}")),
    }
}

fn frame_size(v: u16) -> usize {
    if v == 0 {
        usize::MAX
    } else {
        usize::from(v)
    }
}

fuzz_target!(|case: Case| {
    let cc = Config { max_outgoing_frame: frame_size(case.client_frame), ..Config::default() };
    let sc = Config { max_outgoing_frame: frame_size(case.server_frame), ..Config::default() };
    let mut p = Pair {
        conns: [Connection::client(cc, Counter(1)), Connection::server_with(sc, Counter(2))],
        ends: [End::default(), End::default()],
    };
    let side = |client: bool| if client { CLIENT } else { SERVER };
    for op in case.ops {
        match op {
            Op::Text { client, text } => {
                let s = side(client);
                if p.send(s, |c, out| c.send_text_vec(&text, out).is_ok()) {
                    p.ends[s].sent_messages.push_back((MessageKind::Text, text.into_bytes()));
                }
            }
            Op::Binary { client, data } => {
                let s = side(client);
                if p.send(s, |c, out| c.send_binary_vec(&data, out).is_ok()) {
                    p.ends[s].sent_messages.push_back((MessageKind::Binary, data));
                }
            }
            Op::Fragment { client, text, data, split, fin } => {
                let s = side(client);
                let kind = if text { MessageKind::Text } else { MessageKind::Binary };
                let bytes = data.as_bytes();
                let at = usize::from(split).min(bytes.len());
                p.fragment(s, kind, &bytes[..at], false);
                p.fragment(s, kind, &bytes[at..], fin);
            }
            Op::Ping { client, mut payload } => {
                payload.truncate(125);
                let s = side(client);
                let mut buf = [0u8; 131];
                if let Ok(n) = p.conns[s].send_ping(&payload, &mut buf) {
                    p.ends[s].outgoing.extend_from_slice(&buf[..n]);
                    p.ends[s].sent_controls.push_back(Ctl::Ping(payload));
                }
            }
            Op::Close { client, code, reason } => {
                let s = side(client);
                let mut buf = [0u8; 131];
                if let Ok(n) = p.conns[s].close(CloseCode(code), &reason, &mut buf) {
                    p.ends[s].outgoing.extend_from_slice(&buf[..n]);
                    // A Close with no code is reported as 1005.
                    p.ends[s].sent_controls.push_back(Ctl::Close(code, reason));
                    p.ends[s].close_sent = true;
                }
            }
            Op::Deliver { to_client, n } => {
                let from = if to_client { SERVER } else { CLIENT };
                p.deliver(from, usize::from(n));
            }
        }
    }
    // Deliver everything, close if nobody did, and deliver again.
    for _ in 0..2 {
        while !p.ends[CLIENT].outgoing.is_empty() || !p.ends[SERVER].outgoing.is_empty() {
            p.deliver(CLIENT, usize::MAX);
            p.deliver(SERVER, usize::MAX);
        }
        if !p.ends[CLIENT].close_sent && !p.ends[SERVER].close_sent {
            let mut buf = [0u8; 131];
            let n = p.conns[CLIENT].close(CloseCode::NORMAL, "end", &mut buf).unwrap();
            p.ends[CLIENT].outgoing.extend_from_slice(&buf[..n]);
            p.ends[CLIENT].sent_controls.push_back(Ctl::Close(1000, "end".into()));
            p.ends[CLIENT].close_sent = true;
        }
    }
    for e in &p.ends {
        assert!(e.sent_messages.is_empty(), "messages not received");
        assert!(e.sent_controls.is_empty(), "controls not received: {:?}", e.sent_controls);
        assert!(e.closed.is_some(), "not closed");
    }
    // Agreement: each side reports the Close the other sent (the echo carries the code).
    assert!(p.conns[SERVER].transport_should_close());
    assert!(p.conns[CLIENT].state() == State::Closed && p.conns[SERVER].state() == State::Closed);
});
