//! Server side of the opening handshake: checklist §2 (RFC 6455 §4.2).

use wsmachine::handshake::server::{self, Accept, Request, ServerHandshake};
use wsmachine::handshake::{DecisionError, HandshakeError, Header, Limits, OriginPolicy, Status, EMPTY_HEADER};
use wsmachine::Role;

const FRAME: &[u8] = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";

const CHROMIUM: &[u8] = b"GET /chat?room=1 HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:8080\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

const FIREFOX: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Sec-WebSocket-Version: 13\r\n\
Origin: http://localhost:8080\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Connection: keep-alive, Upgrade\r\n\
Sec-Fetch-Dest: empty\r\n\
Sec-Fetch-Mode: websocket\r\n\
Sec-Fetch-Site: same-origin\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
Upgrade: websocket\r\n\
\r\n";

const CURL: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
User-Agent: curl/8.11.0\r\n\
Accept: */*\r\n\
Connection: Upgrade\r\n\
Upgrade: websocket\r\n\
Sec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
\r\n";

const PYTHON_WEBSOCKETS: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Sec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
User-Agent: Python/3.12 websockets/14.1\r\n\
\r\n";

/// What a parse produced, owned, for comparing the ways of feeding.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    target: String,
    host: Vec<u8>,
    key: Vec<u8>,
    origin: Option<Vec<u8>>,
    protocols: Vec<String>,
    extensions: Vec<String>,
    used: usize,
}

fn summarize(r: Result<Status<(Request<'_>, usize)>, HandshakeError>) -> Option<Result<Summary, HandshakeError>> {
    match r {
        Ok(Status::Partial) => None,
        Err(e) => Some(Err(e)),
        Ok(Status::Complete((req, used))) => Some(Ok(Summary {
            target: req.target.into(),
            host: req.host.into(),
            key: req.key.into(),
            origin: req.origin.map(Into::into),
            protocols: req.protocols().map(Into::into).collect(),
            extensions: req.extensions().map(|e| e.name.into()).collect(),
            used,
        })),
    }
}

fn parse_with(wire: &[u8], limits: Limits) -> Result<Summary, HandshakeError> {
    let mut headers = [EMPTY_HEADER; 128];
    summarize(ServerHandshake::new(limits).parse(wire, &mut headers)).expect("complete")
}

/// Feeds `head` whole, one byte at a time, and followed by frame bytes; all
/// three must agree, and the frame bytes must come back as leftover.
fn three_ways(head: &[u8]) -> Result<Summary, HandshakeError> {
    three_ways_with(head, Limits::default())
}

fn three_ways_with(head: &[u8], limits: Limits) -> Result<Summary, HandshakeError> {
    let whole = parse_with(head, limits);
    // One byte at a time, through one incremental state.
    let mut hs = ServerHandshake::new(limits);
    let mut bytewise = None;
    for n in 0..=head.len() {
        let mut headers = [EMPTY_HEADER; 128];
        if let Some(r) = summarize(hs.parse(&head[..n], &mut headers)) {
            if r.is_ok() {
                assert_eq!(n, head.len(), "completed early");
            }
            bytewise = Some(r);
            break;
        }
    }
    assert_eq!(bytewise.as_ref(), Some(&whole), "byte by byte");
    assert!(hs.scanned() <= head.len(), "each byte examined at most once when fed byte by byte");
    // With frame bytes after the head.
    let mut wire = head.to_vec();
    wire.extend_from_slice(FRAME);
    let with_frames = parse_with(&wire, limits);
    assert_eq!(with_frames, whole, "with trailing frames");
    if let Ok(s) = &with_frames {
        assert_eq!(&wire[s.used..], FRAME, "leftover frame bytes");
    }
    whole
}

fn request(extra: &str) -> Vec<u8> {
    format!(
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// A request built from header lines, without the defaults.
fn raw(lines: &[&str]) -> Vec<u8> {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}

const GOOD: [&str; 6] = [
    "GET /chat HTTP/1.1",
    "Host: server.example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
];

fn without(i: usize) -> Vec<u8> {
    let lines: Vec<&str> = GOOD.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| *l).collect();
    raw(&lines)
}

fn replaced(i: usize, line: &str) -> Vec<u8> {
    let mut lines = GOOD.to_vec();
    lines[i] = line;
    raw(&lines)
}

fn written_error(e: HandshakeError) -> String {
    let mut out = [0u8; 256];
    let n = server::error_response(e, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

// ---- real request shapes -------------------------------------------------

#[test]
fn server_accepts_chromium_request_rfc6455_4_2_1() {
    let s = three_ways(CHROMIUM).unwrap();
    assert_eq!(s.target, "/chat?room=1");
    assert_eq!(s.host, b"localhost:8080");
    assert_eq!(s.origin.as_deref(), Some(&b"http://localhost:8080"[..]));
    assert_eq!(s.extensions, ["permessage-deflate"]);
    assert_eq!(s.used, CHROMIUM.len());
}

#[test]
fn server_accepts_firefox_keep_alive_upgrade_rfc6455_4_2_1() {
    let s = three_ways(FIREFOX).unwrap();
    assert_eq!(s.protocols, ["chat", "superchat"]);
    assert_eq!(s.key, b"x3JJHMbDL1EzLkh9GBhXDw==");
}

#[test]
fn server_accepts_curl_request_rfc6455_4_2_1() {
    let s = three_ways(CURL).unwrap();
    assert_eq!(s.origin, None);
    assert!(s.protocols.is_empty() && s.extensions.is_empty());
}

#[test]
fn server_accepts_python_websockets_request_rfc6455_4_2_1() {
    let s = three_ways(PYTHON_WEBSOCKETS).unwrap();
    assert_eq!(s.extensions, ["permessage-deflate"]);
}

#[test]
fn server_accepts_header_names_in_any_case_rfc6455_4_2_1() {
    let wire = raw(&[
        "GET / HTTP/1.1",
        "hOsT: a",
        "UPGRADE: WebSocket",
        "connection: UPGRADE",
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
        "SEC-WEBSOCKET-VERSION: 13",
    ]);
    three_ways(&wire).unwrap();
}

// ---- the 101 response ----------------------------------------------------

#[test]
fn server_writes_101_with_accept_rfc6455_4_2_2() {
    let mut headers = [EMPTY_HEADER; 32];
    let (req, _) = Request::parse(FIREFOX, &mut headers).unwrap().complete().unwrap();
    assert_eq!(&req.accept_key(), b"HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    let extra = [Header::new("Set-Cookie", b"id=1")];
    let a = Accept {
        protocol: req.choose_protocol(&["superchat", "chat"]),
        extensions: Some("permessage-deflate"),
        headers: &extra,
    };
    let mut out = [0u8; 512];
    let n = server::accept(&req, &a, &mut out).unwrap();
    assert_eq!(
        &out[..n],
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\nSec-WebSocket-Protocol: superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate\r\nSet-Cookie: id=1\r\n\r\n"[..]
    );
    // Too small a buffer says how much is needed.
    assert_eq!(
        server::accept(&req, &a, &mut out[..10]),
        Err(DecisionError::BufferTooSmall(wsmachine::BufferTooSmall { needed: n }))
    );
    #[cfg(feature = "alloc")]
    {
        let mut v = b"x".to_vec();
        server::accept_vec(&req, &a, &mut v).unwrap();
        assert_eq!(&v[1..], &out[..n]);
    }
    let neg = a.negotiated();
    assert_eq!(neg.role, Role::Server);
    assert_eq!(neg.protocol, Some("superchat"));
    assert_eq!(neg.extensions().map(|e| e.name).collect::<Vec<_>>(), ["permessage-deflate"]);
}

#[test]
fn server_combines_repeated_protocol_and_extension_headers_rfc6455_4_2_1() {
    let wire = request(
        "Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Protocol: c\r\n\
         Sec-WebSocket-Extensions: x; p=\"1\", y\r\nSec-WebSocket-Extensions: z\r\n",
    );
    let s = three_ways(&wire).unwrap();
    assert_eq!(s.protocols, ["a", "b", "c"]);
    assert_eq!(s.extensions, ["x", "y", "z"]);
    let mut headers = [EMPTY_HEADER; 32];
    let (req, _) = Request::parse(&wire, &mut headers).unwrap().complete().unwrap();
    assert_eq!(req.choose_protocol(&["z", "c", "a"]), Some("c"));
    assert_eq!(req.choose_protocol(&["q"]), None);
    let x = req.extensions().next().unwrap();
    assert!(x.params().next().unwrap().value.unwrap().eq_str("1"));
}

// ---- one test per rejection reason --------------------------------------

fn rejects(wire: &[u8], e: HandshakeError, status: u16) {
    assert_eq!(three_ways(wire), Err(e));
    assert_eq!(e.status(), status);
    assert!(written_error(e).starts_with(&format!("HTTP/1.1 {status} ")));
}

#[test]
fn server_rejects_wrong_method_rfc6455_4_2_1() {
    rejects(&replaced(0, "POST /chat HTTP/1.1"), HandshakeError::MethodNotGet, 400);
}

#[test]
fn server_rejects_http10_rfc6455_4_2_1() {
    rejects(&replaced(0, "GET /chat HTTP/1.0"), HandshakeError::UnsupportedHttpVersion, 400);
}

#[test]
fn server_rejects_missing_host_rfc6455_4_2_1() {
    rejects(&without(1), HandshakeError::MissingHost, 400);
}

#[test]
fn server_rejects_duplicate_host_rfc6455_4_2_1() {
    rejects(&request("Host: other.example.com\r\n"), HandshakeError::DuplicateHost, 400);
}

#[test]
fn server_rejects_missing_upgrade_rfc6455_4_2_1() {
    rejects(&without(2), HandshakeError::MissingUpgrade, 400);
    rejects(&replaced(2, "Upgrade: h2c"), HandshakeError::MissingUpgrade, 400);
}

#[test]
fn server_rejects_missing_connection_upgrade_rfc6455_4_2_1() {
    rejects(&without(3), HandshakeError::MissingConnectionUpgrade, 400);
    rejects(&replaced(3, "Connection: keep-alive"), HandshakeError::MissingConnectionUpgrade, 400);
}

#[test]
fn server_rejects_missing_key_rfc6455_4_2_1() {
    rejects(&without(4), HandshakeError::MissingKey, 400);
}

#[test]
fn server_rejects_key_not_16_bytes_rfc6455_4_2_1() {
    // 15 bytes, 17 bytes, not base64, non-canonical padding bits.
    for key in [
        "AAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAA=",
        "AAAAAAAAAAAAAAAAAAAAAA==AA",
        "!!!!!!!!!!!!!!!!!!!!!!==",
        "AAAAAAAAAAAAAAAAAAAAAB==",
    ] {
        rejects(&replaced(4, &format!("Sec-WebSocket-Key: {key}")), HandshakeError::InvalidKey, 400);
    }
}

#[test]
fn server_rejects_duplicate_key_rfc6455_4_2_1() {
    rejects(&request("Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"), HandshakeError::DuplicateKey, 400);
}

#[test]
fn server_answers_version_8_with_426_rfc6455_4_2_2() {
    rejects(&replaced(5, "Sec-WebSocket-Version: 8"), HandshakeError::UnsupportedVersion, 426);
    let written = written_error(HandshakeError::UnsupportedVersion);
    assert!(written.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    assert!(written.contains("\r\nSec-WebSocket-Version: 13\r\n"));
}

#[test]
fn server_answers_missing_version_with_426_rfc6455_4_2_2() {
    rejects(&without(5), HandshakeError::UnsupportedVersion, 426);
}

#[test]
fn server_answers_head_over_size_limit_with_431_rfc6455_4_2_1() {
    let big = format!("X-Filler: {}\r\n", "a".repeat(9000));
    rejects(&request(&big), HandshakeError::HeadTooLarge, 431);
    assert!(written_error(HandshakeError::HeadTooLarge).starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    // A smaller configured limit.
    let limits = Limits { max_head_len: 100, ..Limits::default() };
    assert_eq!(three_ways_with(CURL, limits), Err(HandshakeError::HeadTooLarge));
}

#[test]
fn server_answers_header_count_over_limit_with_431_rfc6455_4_2_1() {
    let many: String = (0..60).map(|i| format!("X-{i}: v\r\n")).collect();
    rejects(&request(&many), HandshakeError::TooManyHeaders, 431);
    let limits = Limits { max_headers: 5, ..Limits::default() };
    assert_eq!(three_ways_with(CURL, limits), Err(HandshakeError::TooManyHeaders));
    // The caller's array is a limit too.
    let mut headers = [EMPTY_HEADER; 4];
    assert_eq!(Request::parse(CURL, &mut headers).map(|_| ()), Err(HandshakeError::TooManyHeaders));
}

#[test]
fn server_rejects_invalid_protocol_and_extension_headers_rfc6455_4_2_1() {
    rejects(&request("Sec-WebSocket-Protocol: a b\r\n"), HandshakeError::InvalidProtocolHeader, 400);
    rejects(&request("Sec-WebSocket-Extensions: x; =1\r\n"), HandshakeError::InvalidExtensionsHeader, 400);
}

#[test]
fn server_rejects_malformed_heads_rfc6455_4_2_1() {
    rejects(&request("Bad Name: x\r\n"), HandshakeError::InvalidHeaderField, 400);
    rejects(&request("X-Folded: a\r\n b\r\n"), HandshakeError::ObsFold, 400);
    rejects(&b"GET / HTTP/1.1\nHost: a\n\n"[..], HandshakeError::BareLineFeed, 400);
    rejects(&replaced(0, "GET  /chat HTTP/1.1"), HandshakeError::InvalidRequestLine, 400);
}

#[test]
fn server_writes_plain_reject_rfc6455_4_2_2() {
    let mut out = [0u8; 256];
    let n = server::reject(404, &[Header::new("Content-Type", b"text/plain")], b"no such room", &mut out).unwrap();
    assert_eq!(
        &out[..n],
        &b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nno such room"[..]
    );
    assert!(server::reject(404, &[], b"", &mut out[..5]).is_err());
}

// ---- Origin --------------------------------------------------------------

fn origin_check(wire: &[u8], policy: &OriginPolicy<'_>) -> Result<(), HandshakeError> {
    let mut headers = [EMPTY_HEADER; 32];
    let (req, _) = Request::parse(wire, &mut headers).unwrap().complete().unwrap();
    req.check_origin(policy)
}

const POLICY: OriginPolicy<'static> = OriginPolicy::allow(&["http://localhost:8080", "https://app.example"]);

#[test]
fn server_accepts_allowed_origin_rfc6455_10_2() {
    assert_eq!(origin_check(CHROMIUM, &POLICY), Ok(()));
}

#[test]
fn server_rejects_other_origin_with_403_rfc6455_10_2() {
    let wire = request("Origin: https://evil.example\r\n");
    assert_eq!(origin_check(&wire, &POLICY), Err(HandshakeError::OriginNotAllowed));
    assert!(written_error(HandshakeError::OriginNotAllowed).starts_with("HTTP/1.1 403 Forbidden\r\n"));
}

#[test]
fn server_handles_missing_origin_as_configured_rfc6455_10_2() {
    assert_eq!(origin_check(CURL, &POLICY), Err(HandshakeError::MissingOrigin));
    assert_eq!(HandshakeError::MissingOrigin.status(), 403);
    let lenient = OriginPolicy { allow_missing: true, ..POLICY };
    assert_eq!(origin_check(CURL, &lenient), Ok(()));
}

#[test]
fn server_rejects_duplicate_origin_rfc6455_10_2() {
    let wire = request("Origin: https://app.example\r\nOrigin: https://evil.example\r\n");
    assert_eq!(three_ways(&wire), Err(HandshakeError::DuplicateOrigin));
}

#[test]
fn server_error_types_are_copy_display_error_rfc6455_4_2_2() {
    fn is_error<E: core::error::Error + Copy>(_: E) {}
    is_error(HandshakeError::InvalidKey);
    assert_eq!(HandshakeError::UnsupportedVersion.to_string(), "Sec-WebSocket-Version missing or not 13");
}

#[test]
fn server_origin_patterns_match_any_port_and_subdomains_rfc6455_10_2() {
    let policy = OriginPolicy::allow(&["http://localhost:*", "https://*.example.com", "http://[::1]:*"]);
    let check = |o: &str| policy.check(Some(o.as_bytes()));
    for ok in [
        "http://localhost",
        "http://localhost:5173",
        "HTTP://LocalHost:80",
        "https://app.example.com",
        "https://a.b.example.com",
        "https://APP.Example.COM",
        "http://[::1]:8080",
        "http://[::1]",
    ] {
        assert_eq!(check(ok), Ok(()), "{ok}");
    }
    for refused in [
        "https://localhost:5173",   // another scheme
        "http://localhost.evil",    // another host
        "http://localhost.evil:80", // another host, with a port
        "http://localhost:",        // an empty port
        "http://localhost:80x",     // not a port
        "https://example.com",      // the domain itself is not a subdomain
        "https://evilexample.com",  // not a subdomain
        "https://.example.com",     // an empty label
        "https://app.example.com:8443",
        "null",
    ] {
        assert_eq!(check(refused), Err(HandshakeError::OriginNotAllowed), "{refused}");
    }
    // Exact entries still compare the whole origin, ignoring ASCII case.
    assert_eq!(POLICY.check(Some(b"HTTPS://APP.EXAMPLE")), Ok(()));
    assert_eq!(POLICY.check(Some(b"http://localhost:8081")), Err(HandshakeError::OriginNotAllowed));
}

#[test]
fn server_origin_predicate_decides_with_the_list_rfc6455_10_2() {
    let calls = std::cell::Cell::new(0);
    let trusted = |origin: &[u8]| {
        calls.set(calls.get() + 1);
        origin.ends_with(b".internal")
    };
    let policy = OriginPolicy { allowed: &["https://app.example"], ..OriginPolicy::matching(&trusted) };
    assert_eq!(origin_check(&request("Origin: https://wiki.internal\r\n"), &policy), Ok(()));
    assert_eq!(origin_check(&request("Origin: https://app.example\r\n"), &policy), Ok(()));
    assert_eq!(calls.get(), 1, "the list is tried first");
    assert_eq!(
        origin_check(&request("Origin: https://evil.example\r\n"), &policy),
        Err(HandshakeError::OriginNotAllowed)
    );
    assert_eq!(origin_check(CURL, &policy), Err(HandshakeError::MissingOrigin));
    assert!(format!("{policy:?}").contains("app.example"));
}

fn accept_result(wire: &[u8], a: &Accept<'_>) -> Result<usize, DecisionError> {
    let mut headers = [EMPTY_HEADER; 32];
    let (req, _) = Request::parse(wire, &mut headers).unwrap().complete().unwrap();
    let mut out = [0u8; 512];
    let slice = server::accept(&req, a, &mut out);
    #[cfg(feature = "alloc")]
    {
        let mut v = Vec::new();
        let vec = server::accept_vec(&req, a, &mut v).map(|()| v.len());
        assert_eq!(slice, vec);
        assert!(slice.is_ok() || v.is_empty(), "nothing written on refusal");
    }
    slice
}

#[test]
fn server_accept_refuses_an_unoffered_subprotocol_rfc6455_4_2_2() {
    let wire = request("Sec-WebSocket-Protocol: chat, superchat\r\n");
    let choose = |p| Accept { protocol: Some(p), ..Accept::default() };
    assert!(accept_result(&wire, &choose("superchat")).is_ok());
    assert_eq!(accept_result(&wire, &choose("mqtt")), Err(DecisionError::ProtocolNotOffered));
    assert_eq!(accept_result(&wire, &choose("Chat")), Err(DecisionError::ProtocolNotOffered), "case-sensitive");
    assert_eq!(accept_result(&wire, &choose("chat\r\nX-Injected: 1")), Err(DecisionError::ProtocolNotOffered));
    // Nothing offered: nothing may be chosen.
    assert_eq!(accept_result(CURL, &choose("chat")), Err(DecisionError::ProtocolNotOffered));
    assert!(accept_result(CURL, &Accept::default()).is_ok());
}

#[test]
fn server_accept_refuses_an_unoffered_extension_rfc6455_9_1() {
    let wire = request("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    let agree = |e| Accept { extensions: Some(e), ..Accept::default() };
    assert!(accept_result(&wire, &agree("permessage-deflate; server_no_context_takeover")).is_ok());
    assert_eq!(accept_result(&wire, &agree("x-webkit-deflate-frame")), Err(DecisionError::ExtensionNotOffered));
    assert_eq!(
        accept_result(&wire, &agree("permessage-deflate, x-other")),
        Err(DecisionError::ExtensionNotOffered),
        "every agreed extension must be offered"
    );
    assert_eq!(accept_result(&wire, &agree("permessage-deflate; =")), Err(DecisionError::ExtensionNotOffered));
    assert_eq!(accept_result(CURL, &agree("permessage-deflate")), Err(DecisionError::ExtensionNotOffered));
}
