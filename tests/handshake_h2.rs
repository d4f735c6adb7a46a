//! Extended CONNECT over HTTP/2 and HTTP/3: checklist §8 (RFC 8441, RFC 9220).

use wsmachine::handshake::h2::{self, ExtendedConnect};
use wsmachine::handshake::server::Accept;
use wsmachine::handshake::{HandshakeError, Header, OriginPolicy};

fn valid() -> Vec<Header<'static>> {
    vec![
        Header::new(":method", b"CONNECT"),
        Header::new(":protocol", b"websocket"),
        Header::new(":scheme", b"https"),
        Header::new(":path", b"/chat?room=1"),
        Header::new(":authority", b"server.example.com"),
        Header::new("sec-websocket-version", b"13"),
        Header::new("origin", b"https://app.example"),
        Header::new("sec-websocket-protocol", b"chat, superchat"),
        Header::new("sec-websocket-extensions", b"permessage-deflate; client_max_window_bits"),
    ]
}

#[test]
fn h2_accepts_extended_connect_rfc8441_4() {
    let fields = valid();
    let req = ExtendedConnect::check(&fields).unwrap();
    assert_eq!(
        (req.scheme, req.path, req.authority),
        (&b"https"[..], &b"/chat?room=1"[..], &b"server.example.com"[..])
    );
    assert_eq!(req.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    assert_eq!(req.extensions().map(|e| e.name).collect::<Vec<_>>(), ["permessage-deflate"]);
    let policy = OriginPolicy::allow(&["https://app.example"]);
    assert_eq!(req.check_origin(&policy), Ok(()));

    let accept = Accept {
        protocol: req.choose_protocol(&["chat"]),
        extensions: Some("permessage-deflate"),
        ..Accept::default()
    };
    let resp = h2::response(&accept);
    assert_eq!(
        resp.headers(),
        [
            Header::new(":status", b"200"),
            Header::new("sec-websocket-protocol", b"chat"),
            Header::new("sec-websocket-extensions", b"permessage-deflate"),
        ]
    );
    assert_eq!(accept.negotiated().protocol, Some("chat"));
}

#[test]
fn h2_accepts_minimal_request_without_key_rfc8441_5() {
    // RFC 8441 §5: no Sec-WebSocket-Key in the request, no -Accept in the answer.
    let fields = &valid()[..6];
    assert!(fields.iter().all(|h| !h.name.eq_ignore_ascii_case("sec-websocket-key")));
    let req = ExtendedConnect::check(fields).unwrap();
    assert_eq!(req.protocols().count(), 0);
    assert_eq!(h2::response(&Accept::default()).headers(), [Header::new(":status", b"200")]);
}

fn without(name: &str) -> Vec<Header<'static>> {
    valid().into_iter().filter(|h| h.name != name).collect()
}

fn with(name: &'static str, value: &'static [u8]) -> Vec<Header<'static>> {
    valid().into_iter().map(|h| if h.name == name { Header::new(name, value) } else { h }).collect()
}

#[test]
fn h2_rejects_each_missing_pseudo_header_rfc8441_4() {
    for name in [":method", ":protocol", ":scheme", ":path", ":authority"] {
        let e = ExtendedConnect::check(&without(name)).unwrap_err();
        assert_eq!(e, HandshakeError::MissingPseudoHeader(name), "{name}");
        assert_eq!(e.status(), 400);
        // Empty counts as missing.
        assert_eq!(ExtendedConnect::check(&with(name, b"")), Err(HandshakeError::MissingPseudoHeader(name)));
    }
}

#[test]
fn h2_rejects_wrong_method_rfc8441_4() {
    assert_eq!(ExtendedConnect::check(&with(":method", b"GET")), Err(HandshakeError::NotConnect));
}

#[test]
fn h2_rejects_wrong_protocol_rfc8441_4() {
    assert_eq!(ExtendedConnect::check(&with(":protocol", b"webtransport")), Err(HandshakeError::NotWebSocketProtocol));
}

#[test]
fn h2_rejects_wrong_or_missing_version_rfc8441_5() {
    for fields in [with("sec-websocket-version", b"8"), without("sec-websocket-version")] {
        let e = ExtendedConnect::check(&fields).unwrap_err();
        assert_eq!(e, HandshakeError::UnsupportedVersion);
        assert_eq!(
            h2::error_response(e).headers(),
            [Header::new(":status", b"426"), Header::new("sec-websocket-version", b"13")]
        );
    }
}

#[test]
fn h2_rejects_duplicate_misplaced_or_unknown_pseudo_headers_rfc8441_4() {
    let mut dup = valid();
    dup.insert(1, Header::new(":path", b"/other"));
    assert_eq!(ExtendedConnect::check(&dup), Err(HandshakeError::InvalidPseudoHeader));
    let mut late = without(":authority");
    late.push(Header::new(":authority", b"server.example.com"));
    assert_eq!(ExtendedConnect::check(&late), Err(HandshakeError::InvalidPseudoHeader));
    let mut unknown = valid();
    unknown.insert(0, Header::new(":status", b"200"));
    assert_eq!(ExtendedConnect::check(&unknown), Err(HandshakeError::InvalidPseudoHeader));
    assert_eq!(h2::error_response(HandshakeError::InvalidPseudoHeader).headers(), [Header::new(":status", b"400")]);
}

#[test]
fn h2_rejects_connection_specific_headers_rfc8441_5() {
    let mut v = valid();
    v.push(Header::new("upgrade", b"websocket"));
    assert_eq!(ExtendedConnect::check(&v), Err(HandshakeError::ConnectionSpecificHeader));
}

#[test]
fn h2_rejects_invalid_negotiation_headers_rfc8441_5() {
    assert_eq!(
        ExtendedConnect::check(&with("sec-websocket-protocol", b"a b")),
        Err(HandshakeError::InvalidProtocolHeader)
    );
    assert_eq!(
        ExtendedConnect::check(&with("sec-websocket-extensions", b";")),
        Err(HandshakeError::InvalidExtensionsHeader)
    );
}

#[test]
fn h2_accept_refuses_an_unoffered_subprotocol_or_extension_rfc8441_5() {
    let fields = [
        Header::new(":method", b"CONNECT"),
        Header::new(":protocol", b"websocket"),
        Header::new(":scheme", b"https"),
        Header::new(":path", b"/chat"),
        Header::new(":authority", b"example.com"),
        Header::new("sec-websocket-version", b"13"),
        Header::new("sec-websocket-protocol", b"chat"),
        Header::new("sec-websocket-extensions", b"permessage-deflate"),
    ];
    let req = h2::ExtendedConnect::check(&fields).unwrap();
    let ok = Accept { protocol: Some("chat"), extensions: Some("permessage-deflate"), ..Accept::default() };
    assert_eq!(req.accept(&ok).unwrap().headers().len(), 3);
    let protocol = Accept { protocol: Some("superchat"), ..Accept::default() };
    assert_eq!(req.accept(&protocol), Err(wsmachine::handshake::DecisionError::ProtocolNotOffered));
    let extension = Accept { extensions: Some("x-foo"), ..Accept::default() };
    assert_eq!(req.accept(&extension), Err(wsmachine::handshake::DecisionError::ExtensionNotOffered));
}
