//! Arbitrary bytes in arbitrary chunks to a `ServerEndpoint`, from the first
//! byte: the request head, the decision (accept or refuse, chosen by the
//! input), then frames. Oracle: no panic; `consumed` never exceeds the input;
//! at most one request event; a refused or failed handshake reports nothing
//! more and writes its response; the input is always eventually consumed or
//! waits for more bytes (no livelock).
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::server::Accept;
use wsmachine::{Config, ServerEndpoint, ServerEvent};

#[derive(Arbitrary, Debug)]
struct Case {
    accept: bool,
    chunks: Vec<u8>,
    bytes: Vec<u8>,
}

fuzz_target!(|case: Case| {
    let mut endpoint = ServerEndpoint::new(Config { max_message_size: 1 << 16, ..Config::default() });
    let (mut pending, mut out) = (Vec::new(), Vec::new());
    let (mut requests, mut refused) = (0, false);
    let mut input = &case.bytes[..];
    let mut i = 0;
    while !input.is_empty() {
        let size = case.chunks.get(i % case.chunks.len().max(1)).map_or(input.len(), |&c| usize::from(c.max(1)));
        i += 1;
        let take = size.min(input.len());
        pending.extend_from_slice(&input[..take]);
        input = &input[take..];
        for _ in 0..=pending.len() + 1 {
            let len = pending.len();
            let step = endpoint.handle_data(&mut pending);
            assert!(step.consumed <= len);
            let consumed = step.consumed;
            let (request, failed, done) = match step.event {
                Some(ServerEvent::Request(view)) => {
                    (Some(view.with_request(|r| r.protocols().next().is_some())), false, false)
                }
                Some(ServerEvent::HandshakeFailed(e)) => (
                    None,
                    {
                        assert!((400..500).contains(&e.status()));
                        true
                    },
                    false,
                ),
                Some(ServerEvent::Connection(_)) => (None, false, false),
                None => (None, false, true),
            };
            pending.drain(..consumed);
            if let Some(offered) = request {
                requests += 1;
                assert_eq!(requests, 1, "one request event per endpoint");
                assert!(offered.is_ok(), "a reported request parses again");
                if case.accept {
                    endpoint.accept_vec(&Accept::default(), &mut out).expect("a request is waiting");
                } else {
                    endpoint.reject_vec(403, &[], b"no", &mut out).expect("a request is waiting");
                    refused = true;
                }
            }
            if failed {
                assert!(!refused);
                refused = true;
            }
            endpoint.poll_transmit_vec(&mut out);
            if done {
                break;
            }
        }
    }
    if refused {
        assert!(out.starts_with(b"HTTP/1.1 4"), "a refusal writes its response");
    }
    let _ = endpoint.handle_eof();
});
