//! Arbitrary bytes in arbitrary chunks to a `ServerEndpoint`, from the first
//! byte: the request head, the decision (accept or refuse, chosen by the
//! input; a request that is not an upgrade is answered), then frames. Oracle: no panic; `consumed` never exceeds the input;
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
            let (mut request, mut failed, mut done) = (false, false, false);
            match step.event {
                Some(ServerEvent::Request(req)) | Some(ServerEvent::NotUpgrade(req)) => {
                    request = true;
                    // The getters read the kept positions: they never panic and agree with the head.
                    let _ = (req.method(), req.path(), req.query(), req.host(), req.origin(), req.protocols().count());
                    assert_eq!(req.headers().count(), req.head().split(|&b| b == b'\n').count() - 3);
                    if case.accept && req.is_upgrade() {
                        req.accept_vec(&Accept::default(), &mut out).expect("a request is waiting");
                    } else {
                        req.respond_vec(403, &[], b"no", &mut out).expect("a request is waiting");
                        refused = true;
                    }
                }
                Some(ServerEvent::HandshakeFailed(e)) => {
                    assert!((400..500).contains(&e.status()));
                    failed = true;
                }
                Some(ServerEvent::Connection(_)) => {}
                None => done = true,
            }
            pending.drain(..consumed);
            if request {
                requests += 1;
                assert_eq!(requests, 1, "one request event per endpoint");
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
