//! An arbitrary request (host, path, key, offered subprotocol), then
//! arbitrary server bytes in arbitrary chunks to a `ClientEndpoint`. When
//! `valid_101` is set, the bytes are preceded by a correct 101 for that
//! request, so the fuzzer also reaches the open connection. Oracle: no
//! panic; the request head is written first; `consumed` never exceeds the
//! input; at most one handshake outcome, and a correct 101 is accepted; the
//! input is always eventually consumed or waits for more bytes (no livelock).
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::client::ClientRequest;
use wsmachine::{handshake::accept_key, ClientEndpoint, ClientEvent, Config};

#[derive(Arbitrary, Debug)]
struct Case<'a> {
    host: &'a str,
    path: &'a str,
    key: [u8; 16],
    protocol: &'a str,
    valid_101: bool,
    mask: [u8; 4],
    chunks: Vec<u8>,
    bytes: &'a [u8],
}

fuzz_target!(|case: Case<'_>| {
    let protocols = [case.protocol];
    let request = ClientRequest { protocols: &protocols, ..ClientRequest::new(case.host, case.path, case.key) };
    let mut input = Vec::new();
    if case.valid_101 {
        input.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
        input.extend_from_slice(b"Sec-WebSocket-Accept: ");
        input.extend_from_slice(&accept_key(&request.key_base64()));
        input.extend_from_slice(b"\r\n\r\n");
    }
    input.extend_from_slice(case.bytes);
    let mask = case.mask;
    let mut endpoint =
        ClientEndpoint::new(request, Config { max_message_size: 1 << 16, ..Config::default() }, move || mask);
    let (mut pending, mut out) = (Vec::new(), Vec::new());
    endpoint.poll_transmit_vec(&mut out);
    assert!(out.starts_with(b"GET "), "the request head goes first");
    let (mut outcomes, mut accepted) = (0, false);
    let mut rest = &input[..];
    let mut i = 0;
    while !rest.is_empty() {
        let size = case.chunks.get(i % case.chunks.len().max(1)).map_or(rest.len(), |&c| usize::from(c.max(1)));
        i += 1;
        let take = size.min(rest.len());
        pending.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        for _ in 0..=pending.len() + 1 {
            let len = pending.len();
            let step = endpoint.handle_data(&mut pending);
            assert!(step.consumed <= len);
            let consumed = step.consumed;
            let (outcome, done) = match step.event {
                Some(ClientEvent::Accepted(_)) => (Some(true), false),
                Some(ClientEvent::Rejected(_) | ClientEvent::HandshakeFailed(_)) => (Some(false), false),
                Some(ClientEvent::Connection(_)) => (None, false),
                None => (None, true),
            };
            if let Some(ok) = outcome {
                outcomes += 1;
                accepted |= ok;
            }
            assert!(outcomes <= 1, "one handshake outcome per endpoint");
            pending.drain(..consumed);
            endpoint.poll_transmit_vec(&mut out);
            if done {
                break;
            }
        }
    }
    assert!(!case.valid_101 || accepted, "a correct 101 is accepted");
    let _ = endpoint.handle_eof();
});
