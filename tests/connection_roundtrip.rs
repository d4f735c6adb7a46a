//! A client and a server connection talking through memory (RFC 6455 §5, §7).
#![cfg(feature = "alloc")]
use wsmachine::{CloseCode, Config, Connection, Event, Message, MessageAssembler, MessageKind, Termination};

fn counter_mask() -> impl FnMut() -> [u8; 4] {
    let mut n = 0x1234_5678u32;
    move || {
        n = n.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        n.to_be_bytes()
    }
}

/// Feeds `wire` to `conn` and collects owned copies of the events.
fn drain<M: wsmachine::MaskSource>(conn: &mut Connection<M>, wire: &mut [u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut asm = MessageAssembler::new();
    let mut off = 0;
    loop {
        let input = conn.handle_data(&mut wire[off..]);
        off += input.consumed;
        let Some(event) = input.event else { break };
        match event {
            Event::Data { .. } => match asm.push(&event).unwrap() {
                Some(Message::Text(t)) => out.push(format!("text:{t}")),
                Some(Message::Binary(b)) => out.push(format!("binary:{}", b.len())),
                None => {}
            },
            Event::Ping(p) => out.push(format!("ping:{}", String::from_utf8_lossy(p))),
            Event::Pong(p) => out.push(format!("pong:{}", String::from_utf8_lossy(p))),
            Event::CloseReceived(f) => out.push(format!("close:{}:{}", f.code, f.reason)),
            Event::Closed(c) => out.push(format!("closed:{:?}", c.code())),
        }
    }
    assert_eq!(off, wire.len(), "all input consumed");
    out
}

#[test]
fn client_sends_text_binary_ping_and_close_server_receives_rfc6455_5_6() {
    let mut client = Connection::client(Config::default(), counter_mask());
    let mut server = Connection::server(Config { max_outgoing_frame: 3, ..Config::default() });
    let mut wire = Vec::new();
    client.send_text_vec("héllo wörld", &mut wire).unwrap();
    client.send_binary_vec(&[7; 300], &mut wire).unwrap();
    let mut buf = [0u8; 200];
    let n = client.send_ping(b"hi", &mut buf).unwrap();
    wire.extend_from_slice(&buf[..n]);
    client.send_fragment_vec(MessageKind::Text, "frag".as_bytes(), false, &mut wire).unwrap();
    client.send_fragment_vec(MessageKind::Text, "ment".as_bytes(), true, &mut wire).unwrap();
    client.close_vec(CloseCode::NORMAL, "bye", &mut wire).unwrap();
    let events = drain(&mut server, &mut wire);
    assert_eq!(events, ["text:héllo wörld", "binary:300", "ping:hi", "text:fragment", "close:1000:bye"]);

    // The server owes a pong and the close echo; it answers in that order.
    let mut reply = Vec::new();
    server.poll_transmit_vec(&mut reply);
    assert!(server.transport_should_close(), "server closes first once both Close frames are exchanged (§7.1.1)");
    let events = drain(&mut client, &mut reply);
    assert_eq!(events, ["pong:hi", "closed:CloseCode(1000)"]);
    assert!(!client.transport_should_close(), "the client waits for the server to close the transport");
    assert_eq!(client.handle_eof(), None, "Closed was reported once already");
    assert!(client.transport_should_close());
    assert!(matches!(server.termination(), Some(Termination::Clean(f)) if f.code == CloseCode::NORMAL));
}

#[test]
fn server_fragments_text_and_client_reassembles_rfc6455_5_4() {
    let mut server = Connection::server(Config { max_outgoing_frame: 1, ..Config::default() });
    let mut wire = Vec::new();
    server.send_text_vec("€uro ünïcode", &mut wire).unwrap();
    for split in [1usize, 2, 3, 7] {
        let mut events = Vec::new();
        let mut c = Connection::client(Config::default(), counter_mask());
        let mut asm = MessageAssembler::new();
        let mut pending: Vec<u8> = Vec::new();
        for piece in wire.chunks(split) {
            pending.extend_from_slice(piece);
            loop {
                let input = c.handle_data(&mut pending);
                let consumed = input.consumed;
                let event = input.event;
                let got = match event {
                    Some(ref e) => asm.push(e).unwrap().map(|m| format!("{m:?}")),
                    None => None,
                };
                let done = event.is_none();
                pending.drain(..consumed);
                events.extend(got);
                if done {
                    break;
                }
            }
        }
        assert_eq!(events, [format!("{:?}", Message::Text("€uro ünïcode"))], "split {split}");
    }
}
