//! Arbitrary bytes, fed to the client's response check in arbitrary chunks.
//! Oracle: no panic; the same verdict and fields as for the whole input;
//! the head parser agrees with httparse on complete, well-formed heads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::client::{ClientRequest, Response};
use wsmachine::handshake::http::HeadParser;
use wsmachine::handshake::{HandshakeError, Status, EMPTY_HEADER};

#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted(Option<String>, Vec<String>, usize),
    Rejected(u16, Vec<(String, Vec<u8>)>, usize),
}

fn summarize(r: Result<Status<(Response<'_>, usize)>, HandshakeError>) -> Option<Result<Outcome, HandshakeError>> {
    Some(match r {
        Ok(Status::Partial) => return None,
        Err(e) => Err(e),
        Ok(Status::Complete((Response::Accepted(n), used))) => {
            Ok(Outcome::Accepted(n.protocol.map(Into::into), n.extensions().map(|e| e.name.into()).collect(), used))
        }
        Ok(Status::Complete((Response::Rejected(r), used))) => {
            Ok(Outcome::Rejected(r.status, r.headers.iter().map(|h| (h.name.into(), h.value.into())).collect(), used))
        }
    })
}

fn documented_difference(buf: &[u8]) -> bool {
    let bare_lf = buf.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || buf[i - 1] != b'\r'));
    let first_line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    bare_lf
        || matches!(buf.first(), Some(b'\r' | b'\n'))
        || (2..=9).any(|d| first_line.windows(8).any(|w| w == format!("HTTP/1.{d}").as_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let mut req = ClientRequest::new("example.com", "/chat", *b"the sample nonce");
    req.protocols = &["chat", "superchat"];
    req.extensions = Some("permessage-deflate; client_max_window_bits");

    let (sizes, input) = data.split_at(data.len().min(4));
    let mut headers = [EMPTY_HEADER; 64];
    let whole = summarize(req.handshake().parse_response(input, &mut headers));

    let mut hs = req.handshake();
    let mut end = 0;
    let mut chunked = None;
    for step in sizes.iter().map(|&s| 1 + usize::from(s)).chain(core::iter::repeat(1 + input.len() / 3)) {
        end = (end + step).min(input.len());
        let mut headers = [EMPTY_HEADER; 64];
        chunked = summarize(hs.parse_response(&input[..end], &mut headers));
        if chunked.is_some() || end == input.len() {
            break;
        }
    }
    assert_eq!(chunked, whole);

    let mut ours_h = [EMPTY_HEADER; 64];
    let ours = HeadParser::default().parse_response(input, &mut ours_h);
    let mut theirs_h = [httparse::EMPTY_HEADER; 64];
    let mut theirs = httparse::Response::new(&mut theirs_h);
    let t = theirs.parse(input);
    if documented_difference(input) {
        return;
    }
    match (&ours, &t) {
        (Ok(Status::Complete((head, n))), _) => {
            assert_eq!(t, Ok(httparse::Status::Complete(*n)));
            assert_eq!(Some(head.line.status), theirs.code);
            assert_eq!(Some(head.line.minor_version), theirs.version);
            assert_eq!(head.headers.len(), theirs.headers.len());
            for (a, b) in head.headers.iter().zip(theirs.headers.iter()) {
                assert_eq!((a.name, a.value), (b.name, b.value));
            }
        }
        (_, Ok(httparse::Status::Complete(_))) => panic!("httparse complete, ours {ours:?}"),
        _ => {}
    }
});
