//! Client side of the opening handshake: checklist §1 (RFC 6455 §4.1).

use wsmachine::handshake::client::{ClientRequest, Response};
use wsmachine::handshake::{HandshakeError, Header, Status, EMPTY_HEADER};
use wsmachine::Role;

const KEY: [u8; 16] = *b"the sample nonce"; // base64: dGhlIHNhbXBsZSBub25jZQ==
const FRAME: &[u8] = b"\x81\x05Hello";

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Accepted { protocol: Option<String>, extensions: Vec<String>, used: usize },
    Rejected { status: u16, headers: Vec<(String, Vec<u8>)>, body_offset: usize, used: usize },
}

fn summarize(r: Result<Status<(Response<'_>, usize)>, HandshakeError>) -> Option<Result<Outcome, HandshakeError>> {
    Some(match r {
        Ok(Status::Partial) => return None,
        Err(e) => Err(e),
        Ok(Status::Complete((Response::Accepted(n), used))) => {
            assert_eq!(n.role, Role::Client);
            Ok(Outcome::Accepted {
                protocol: n.protocol.map(Into::into),
                extensions: n.extensions().map(|e| e.name.into()).collect(),
                used,
            })
        }
        Ok(Status::Complete((Response::Rejected(r), used))) => Ok(Outcome::Rejected {
            status: r.status,
            headers: r.headers.iter().map(|h| (h.name.into(), h.value.into())).collect(),
            body_offset: r.body_offset,
            used,
        }),
    })
}

fn parse_whole(req: &ClientRequest<'_>, wire: &[u8]) -> Result<Outcome, HandshakeError> {
    let mut headers = [EMPTY_HEADER; 64];
    summarize(req.handshake().parse_response(wire, &mut headers)).expect("complete")
}

/// Whole, byte by byte, and with frame bytes after the head.
fn three_ways(req: &ClientRequest<'_>, head: &[u8]) -> Result<Outcome, HandshakeError> {
    let whole = parse_whole(req, head);
    let mut hs = req.handshake();
    let mut bytewise = None;
    for n in 0..=head.len() {
        let mut headers = [EMPTY_HEADER; 64];
        if let Some(r) = summarize(hs.parse_response(&head[..n], &mut headers)) {
            assert_eq!(n, head.len(), "completed early");
            bytewise = Some(r);
            break;
        }
    }
    assert_eq!(bytewise.as_ref(), Some(&whole));
    assert!(hs.scanned() <= head.len());
    let mut wire = head.to_vec();
    wire.extend_from_slice(FRAME);
    assert_eq!(parse_whole(req, &wire), whole);
    if let Ok(Outcome::Accepted { used, .. } | Outcome::Rejected { used, .. }) = whole {
        assert_eq!(used, head.len());
        assert_eq!(&wire[used..], FRAME, "leftover");
    }
    whole
}

fn response(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn base() -> ClientRequest<'static> {
    ClientRequest::new("server.example.com", "/chat", KEY)
}

fn written(req: &ClientRequest<'_>) -> String {
    let mut out = [0u8; 1024];
    let n = req.write(&mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

#[test]
fn client_writes_request_rfc6455_4_1() {
    let extra = [Header::new("Origin", b"http://example.com"), Header::new("Authorization", b"Bearer t")];
    let req = ClientRequest {
        protocols: &["chat", "superchat"],
        extensions: Some("permessage-deflate; client_max_window_bits"),
        headers: &extra,
        ..base()
    };
    assert_eq!(
        written(&req),
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
Origin: http://example.com\r\nAuthorization: Bearer t\r\n\r\n"
    );
    let mut out = [0u8; 1024];
    let n = req.write(&mut out).unwrap();
    assert_eq!(req.write(&mut out[..n - 1]), Err(wsmachine::BufferTooSmall { needed: n }));
    #[cfg(feature = "alloc")]
    {
        let mut v = Vec::new();
        req.write_vec(&mut v);
        assert_eq!(v, &out[..n]);
    }
}

#[test]
fn client_host_carries_port_unless_default_rfc6455_4_1() {
    let host = |port, secure| {
        let w = written(&ClientRequest { port, secure, ..base() });
        w.lines().nth(1).unwrap().to_string()
    };
    assert_eq!(host(None, false), "Host: server.example.com");
    assert_eq!(host(Some(80), false), "Host: server.example.com");
    assert_eq!(host(Some(443), true), "Host: server.example.com");
    assert_eq!(host(Some(443), false), "Host: server.example.com:443");
    assert_eq!(host(Some(8080), true), "Host: server.example.com:8080");
    let v6 = written(&ClientRequest { port: Some(9001), ..ClientRequest::new("::1", "", KEY) });
    assert!(v6.starts_with("GET / HTTP/1.1\r\nHost: [::1]:9001\r\n"));
}

#[test]
fn client_request_is_accepted_by_our_server_rfc6455_4_1() {
    let req = ClientRequest { protocols: &["chat"], ..base() };
    let wire = written(&req);
    let mut headers = [EMPTY_HEADER; 16];
    let (r, used) =
        wsmachine::handshake::server::Request::parse(wire.as_bytes(), &mut headers).unwrap().complete().unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(r.accept_key(), req.expected_accept());
}

#[test]
fn client_accepts_valid_101_rfc6455_4_1() {
    let got = three_ways(&base(), &response("")).unwrap();
    assert_eq!(got, Outcome::Accepted { protocol: None, extensions: vec![], used: response("").len() });
}

#[test]
fn client_accepts_offered_protocol_and_extension_rfc6455_4_1() {
    let req = ClientRequest {
        protocols: &["chat", "superchat"],
        extensions: Some("permessage-deflate; client_max_window_bits, x-other"),
        ..base()
    };
    let wire = response("Sec-WebSocket-Protocol: superchat\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n");
    let Outcome::Accepted { protocol, extensions, .. } = three_ways(&req, &wire).unwrap() else { panic!() };
    assert_eq!(protocol.as_deref(), Some("superchat"));
    assert_eq!(extensions, ["permessage-deflate"]);
}

#[test]
fn client_rejects_wrong_accept_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::InvalidAccept));
    let missing = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    assert_eq!(three_ways(&base(), missing), Err(HandshakeError::InvalidAccept));
}

#[test]
fn client_rejects_missing_upgrade_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::MissingUpgrade));
}

#[test]
fn client_rejects_missing_connection_upgrade_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: close\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::MissingConnectionUpgrade));
}

#[test]
fn client_rejects_protocol_not_offered_rfc6455_4_1() {
    let wire = response("Sec-WebSocket-Protocol: other\r\n");
    assert_eq!(
        three_ways(&ClientRequest { protocols: &["chat"], ..base() }, &wire),
        Err(HandshakeError::ProtocolNotOffered)
    );
    assert_eq!(three_ways(&base(), &wire), Err(HandshakeError::ProtocolNotOffered));
    let two = response("Sec-WebSocket-Protocol: chat, superchat\r\n");
    let req = ClientRequest { protocols: &["chat", "superchat"], ..base() };
    assert_eq!(three_ways(&req, &two), Err(HandshakeError::ProtocolNotOffered));
}

#[test]
fn client_rejects_extension_not_offered_rfc6455_4_1() {
    let wire = response("Sec-WebSocket-Extensions: permessage-deflate\r\n");
    assert_eq!(three_ways(&base(), &wire), Err(HandshakeError::ExtensionNotOffered));
    let req = ClientRequest { extensions: Some("x-webkit-deflate-frame"), ..base() };
    assert_eq!(three_ways(&req, &wire), Err(HandshakeError::ExtensionNotOffered));
    let bad = response("Sec-WebSocket-Extensions: permessage-deflate; \"x\"\r\n");
    assert_eq!(three_ways(&req, &bad), Err(HandshakeError::InvalidExtensionsHeader));
}

#[test]
fn client_reports_401_as_rejected_rfc6455_4_1() {
    let wire = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"ws\"\r\nContent-Length: 5\r\n\r\n";
    let got = three_ways(&base(), wire).unwrap();
    let Outcome::Rejected { status, headers, body_offset, .. } = got else { panic!() };
    assert_eq!(status, 401);
    assert_eq!(headers[0], ("WWW-Authenticate".into(), b"Basic realm=\"ws\"".to_vec()));
    assert_eq!(body_offset, wire.len());
    let mut h = [EMPTY_HEADER; 8];
    let full = [&wire[..], b"nope!"].concat();
    let Ok(Status::Complete((Response::Rejected(r), used))) = base().handshake().parse_response(&full, &mut h) else {
        panic!()
    };
    assert_eq!((r.content_length(), &full[used..]), (Some(5), &b"nope!"[..]));
}

#[test]
fn client_reports_redirect_as_rejected_rfc6455_4_1() {
    let wire = b"HTTP/1.1 302 Found\r\nLocation: wss://other.example/chat\r\n\r\n";
    let Outcome::Rejected { status, headers, .. } = three_ways(&base(), wire).unwrap() else { panic!() };
    assert_eq!(status, 302);
    assert_eq!(headers, [("Location".to_string(), b"wss://other.example/chat".to_vec())]);
}

#[test]
fn client_rejects_malformed_status_line_rfc6455_4_1() {
    assert_eq!(three_ways(&base(), b"HTTP/1.1 1O1 Nope\r\n\r\n"), Err(HandshakeError::InvalidStatusLine));
    assert_eq!(three_ways(&base(), b"ICY 200 OK\r\n\r\n"), Err(HandshakeError::InvalidStatusLine));
}

#[test]
fn client_refuses_an_upgrade_header_that_is_not_websocket_rfc6455_4_1() {
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::MissingUpgrade));
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket2\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::MissingUpgrade));
}

#[test]
fn client_accepts_connection_as_a_token_list_rfc6455_4_1() {
    for connection in ["keep-alive, Upgrade", "Upgrade,keep-alive", "keep-alive,\tupgrade"] {
        let wire = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: {connection}\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        );
        assert!(matches!(three_ways(&base(), wire.as_bytes()), Ok(Outcome::Accepted { .. })), "{connection}");
    }
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, upgraded\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(three_ways(&base(), wire), Err(HandshakeError::MissingConnectionUpgrade));
}

#[test]
fn client_refuses_a_repeated_accept_rfc6455_11_3_3() {
    // Even when both values are right: the header must not appear twice.
    let wire = response("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
    assert_eq!(three_ways(&base(), &wire), Err(HandshakeError::InvalidAccept));
}

#[test]
fn client_refuses_a_repeated_protocol_rfc6455_11_3_4() {
    let req = ClientRequest { protocols: &["chat", "superchat"], ..base() };
    let wire = response("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n");
    assert_eq!(three_ways(&req, &wire), Err(HandshakeError::ProtocolNotOffered));
    let wire = response("Sec-WebSocket-Protocol: chat, superchat\r\n");
    assert_eq!(three_ways(&req, &wire), Err(HandshakeError::ProtocolNotOffered), "one value, not a list");
}

#[test]
fn client_refuses_repeated_extensions_rfc6455_11_3_2() {
    let req = ClientRequest { extensions: Some("permessage-deflate, x-foo"), ..base() };
    let one = response("Sec-WebSocket-Extensions: permessage-deflate, x-foo\r\n");
    let Ok(Outcome::Accepted { extensions, .. }) = three_ways(&req, &one) else { panic!("accepted") };
    assert_eq!(extensions, ["permessage-deflate", "x-foo"]);
    let two = response("Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: x-foo\r\n");
    assert_eq!(three_ways(&req, &two), Err(HandshakeError::DuplicateExtensions));
}

#[test]
fn client_refuses_a_response_head_over_the_limit_rfc6455_4_1() {
    use wsmachine::handshake::Limits;
    let req = ClientRequest { limits: Limits { max_head_len: 256, ..Limits::default() }, ..base() };
    let padding = format!("X-Padding: {}\r\n", "a".repeat(200));
    let wire = response(&padding);
    assert!(wire.len() > 256);
    assert_eq!(parse_whole(&req, &wire), Err(HandshakeError::HeadTooLarge));
    // The same head fits the default limit.
    assert!(matches!(parse_whole(&base(), &wire), Ok(Outcome::Accepted { .. })));
    // Byte by byte, the verdict comes once the limit is reached, not before.
    let mut hs = req.handshake();
    for n in 0..256 {
        let mut headers = [EMPTY_HEADER; 64];
        assert!(matches!(hs.parse_response(&wire[..n], &mut headers), Ok(Status::Partial)), "{n}");
    }
    let mut headers = [EMPTY_HEADER; 64];
    assert_eq!(hs.parse_response(&wire[..256], &mut headers).err(), Some(HandshakeError::HeadTooLarge));
    let max_headers = ClientRequest { limits: Limits { max_headers: 4, ..Limits::default() }, ..base() };
    assert_eq!(parse_whole(&max_headers, &response("A: 1\r\nB: 2\r\n")), Err(HandshakeError::TooManyHeaders));
}
