//! Arbitrary bytes, fed to the server handshake in arbitrary chunks. Oracle:
//! no panic; the same verdict and fields as for the whole input; the head
//! parser agrees with httparse on complete, well-formed heads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::http::HeadParser;
use wsmachine::handshake::server::{Request, ServerHandshake};
use wsmachine::handshake::{HandshakeError, Status, EMPTY_HEADER};

type Summary = Option<Result<(String, Vec<u8>, Vec<u8>, Vec<String>, Vec<String>, usize), HandshakeError>>;

fn summarize(r: Result<Status<(Request<'_>, usize)>, HandshakeError>) -> Summary {
    match r {
        Ok(Status::Partial) => None,
        Err(e) => Some(Err(e)),
        Ok(Status::Complete((req, used))) => Some(Ok((
            req.target.into(),
            req.host.into(),
            req.key.into(),
            req.protocols().map(Into::into).collect(),
            req.extensions().map(|e| e.name.into()).collect(),
            used,
        ))),
    }
}

/// Where our head parser deliberately differs from httparse (see `handshake::http`).
fn documented_difference(buf: &[u8]) -> bool {
    let bare_lf = buf.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || buf[i - 1] != b'\r'));
    let first_line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    bare_lf
        || matches!(buf.first(), Some(b'\r' | b'\n'))
        || first_line.iter().any(|&b| b >= 0x80)
        || (2..=9).any(|d| first_line.windows(8).any(|w| w == format!("HTTP/1.{d}").as_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let (sizes, input) = data.split_at(data.len().min(4));
    let mut headers = [EMPTY_HEADER; 64];
    let whole = summarize(ServerHandshake::default().parse(input, &mut headers));

    // The same bytes in chunks whose sizes come from the first bytes.
    let mut hs = ServerHandshake::default();
    let mut end = 0;
    let mut chunked = None;
    for step in sizes.iter().map(|&s| 1 + usize::from(s)).chain(core::iter::repeat(1 + input.len() / 3)) {
        end = (end + step).min(input.len());
        let mut headers = [EMPTY_HEADER; 64];
        chunked = summarize(hs.parse(&input[..end], &mut headers));
        if chunked.is_some() || end == input.len() {
            break;
        }
    }
    assert_eq!(chunked, whole);
    assert!(hs.scanned() <= 2 * input.len());

    // The head parser against httparse.
    let mut ours_h = [EMPTY_HEADER; 64];
    let ours = HeadParser::default().parse_request(input, &mut ours_h);
    let mut theirs_h = [httparse::EMPTY_HEADER; 64];
    let mut theirs = httparse::Request::new(&mut theirs_h);
    let t = theirs.parse(input);
    if documented_difference(input) {
        return;
    }
    match (&ours, &t) {
        (Ok(Status::Complete((head, n))), _) => {
            assert_eq!(t, Ok(httparse::Status::Complete(*n)));
            assert_eq!(Some(head.line.method), theirs.method);
            assert_eq!(Some(head.line.target), theirs.path);
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
