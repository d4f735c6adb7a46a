//! The permessage-deflate negotiation (RFC 7692 §5, §7.1): the client's
//! offer, the server's choice and response, the client's check of the
//! response. Pure functions over the `Sec-WebSocket-Extensions` grammar of
//! [`crate::handshake::extensions`]; nothing allocates.
//!
//! Parameter names and the extension name are compared ASCII
//! case-insensitively; window values are `8`-`15` without leading zeros,
//! bare or quoted (RFC 7692 §7.1.2.1, RFC 6455 §9.1).

use super::{DeflateAgreement, DeflateConfig, EXTENSION_NAME};
use crate::error::BufferTooSmall;
use crate::handshake::extensions::{Extension, ExtensionWriter, Extensions, ParamValue};
use crate::handshake::HandshakeError;

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The parameters of one `permessage-deflate` element, each at most once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in an offer only).
    client_max_window_bits: Option<Option<u8>>,
}

/// Where a parameter list comes from: an offer allows
/// `client_max_window_bits` without a value, a response does not (§7.1.2.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Offer,
    Response,
}

/// A window size: `8`-`15`, decimal, no leading zero (RFC 7692 §7.1.2.1).
fn window_bits(value: ParamValue<'_>) -> Option<u8> {
    let mut digits = value.bytes();
    let (a, b, rest) = (digits.next(), digits.next(), digits.next());
    match (a, b, rest) {
        (Some(d @ b'8'..=b'9'), None, None) => Some(d - b'0'),
        (Some(b'1'), Some(d @ b'0'..=b'5'), None) => Some(10 + d - b'0'),
        _ => None,
    }
}

/// The parameters of one element, or `None` when one is unknown, repeated,
/// or has a missing or invalid value (RFC 7692 §7.1: such an offer is
/// declined, such a response fails the handshake).
fn read_params(ext: &Extension<'_>, side: Side) -> Option<Params> {
    let mut p = Params::default();
    for param in ext.params() {
        let is = |name: &str| param.name.eq_ignore_ascii_case(name);
        if is(SERVER_NO_CONTEXT_TAKEOVER) {
            if p.server_no_context_takeover || param.value.is_some() {
                return None;
            }
            p.server_no_context_takeover = true;
        } else if is(CLIENT_NO_CONTEXT_TAKEOVER) {
            if p.client_no_context_takeover || param.value.is_some() {
                return None;
            }
            p.client_no_context_takeover = true;
        } else if is(SERVER_MAX_WINDOW_BITS) {
            if p.server_max_window_bits.is_some() {
                return None;
            }
            p.server_max_window_bits = Some(window_bits(param.value?)?);
        } else if is(CLIENT_MAX_WINDOW_BITS) {
            if p.client_max_window_bits.is_some() {
                return None;
            }
            p.client_max_window_bits = Some(match param.value {
                None if side == Side::Offer => None,
                None => return None,
                Some(v) => Some(window_bits(v)?),
            });
        } else {
            return None;
        }
    }
    Some(p)
}

fn is_deflate(ext: &Extension<'_>) -> bool {
    ext.name.eq_ignore_ascii_case(EXTENSION_NAME)
}

fn bits_str(bits: u8) -> &'static str {
    const VALUES: [&str; 8] = ["8", "9", "10", "11", "12", "13", "14", "15"];
    VALUES.get(usize::from(bits.saturating_sub(8))).copied().unwrap_or("15")
}

impl DeflateConfig {
    /// The client's offer as one extension of a `Sec-WebSocket-Extensions`
    /// value (RFC 7692 §5, §7.1): always `client_max_window_bits` (with our
    /// window when under 15), so the server may limit our window; the other
    /// parameters when the config asks for them.
    ///
    /// ```
    /// use wsmachine::deflate::DeflateConfig;
    /// use wsmachine::handshake::extensions::ExtensionWriter;
    /// let config = DeflateConfig { receive_no_context_takeover: true, receive_max_window_bits: 10, ..Default::default() };
    /// let mut out = [0u8; 128];
    /// let mut w = ExtensionWriter::new(&mut out);
    /// config.write_offer(&mut w);
    /// let n = w.finish().unwrap();
    /// assert_eq!(
    ///     &out[..n],
    ///     b"permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"
    /// );
    /// ```
    pub fn write_offer(&self, w: &mut ExtensionWriter<'_>) {
        w.extension(EXTENSION_NAME);
        if self.receive_no_context_takeover {
            w.param(SERVER_NO_CONTEXT_TAKEOVER, None);
        }
        if self.send_no_context_takeover {
            w.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
        }
        if self.receive_window() < 15 {
            w.param(SERVER_MAX_WINDOW_BITS, Some(bits_str(self.receive_window())));
        }
        let ours = self.send_window();
        w.param(CLIENT_MAX_WINDOW_BITS, (ours < 15).then(|| bits_str(ours)));
    }

    /// [`Self::write_offer`] as a whole `Sec-WebSocket-Extensions` value in
    /// `out` (128 bytes are always enough).
    pub fn offer(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let mut w = ExtensionWriter::new(out);
        self.write_offer(&mut w);
        w.finish()
    }

    /// Server: the agreement for the first acceptable `permessage-deflate`
    /// offer in `offers` (the request's [`Extensions`]), or `None` to decline
    /// them all (RFC 7692 §5). An offer with an unknown, repeated or
    /// out-of-range parameter is declined and the next one considered
    /// (§7.1); so is one that limits our window to 8 bits (see the module
    /// docs of [`super`]) or asks for `server_no_context_takeover` when
    /// [`Self::accept_no_context_takeover`] is false.
    pub fn accept_offer(&self, offers: Extensions<'_>) -> Option<DeflateAgreement> {
        offers.filter(is_deflate).find_map(|ext| self.accept_one(&ext))
    }

    fn accept_one(&self, ext: &Extension<'_>) -> Option<DeflateAgreement> {
        let offer = read_params(ext, Side::Offer)?;
        let ours = self.send_window();
        // §7.1.2.1: an offered limit must be answered with the same or a smaller value.
        let server_max_window_bits = match offer.server_max_window_bits {
            Some(limit) if limit < 9 => return None,
            Some(limit) => Some(limit.min(ours)),
            None => (ours < 15).then_some(ours),
        };
        // §7.1.1.1: accepting an offer with it means including it.
        if offer.server_no_context_takeover && !self.accept_no_context_takeover {
            return None;
        }
        let server_no_context_takeover = offer.server_no_context_takeover || self.send_no_context_takeover;
        // §7.1.1.2: the client's hint is echoed so the agreement says what the client does.
        let client_no_context_takeover = offer.client_no_context_takeover || self.receive_no_context_takeover;
        // §7.1.2.2: only when offered, and never above the offered value.
        let theirs = self.receive_window();
        let client_max_window_bits = match offer.client_max_window_bits {
            None => None,
            Some(None) => (theirs < 15).then_some(theirs),
            Some(Some(limit)) => Some(limit.min(theirs)),
        };
        Some(DeflateAgreement {
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        })
    }

    /// Client: checks the response's [`Extensions`] (those of
    /// [`crate::handshake::Negotiated::extensions`]) against the offer
    /// [`Self::write_offer`] wrote with this config. `Ok(None)`: the server
    /// declined permessage-deflate. Fails with
    /// [`HandshakeError::InvalidDeflateResponse`] when the extension appears
    /// twice, has an unknown, repeated or invalid parameter, omits
    /// `server_no_context_takeover` or `server_max_window_bits` we asked for,
    /// or answers a window above the one we offered (RFC 7692 §7.1).
    pub fn check_response(&self, response: Extensions<'_>) -> Result<Option<DeflateAgreement>, HandshakeError> {
        const E: HandshakeError = HandshakeError::InvalidDeflateResponse;
        let mut found = None;
        for ext in response.filter(is_deflate) {
            if found.is_some() {
                return Err(E);
            }
            found = Some(read_params(&ext, Side::Response).ok_or(E)?);
        }
        let Some(p) = found else { return Ok(None) };
        // §7.1.1.1: asked for, it must be granted.
        if self.receive_no_context_takeover && !p.server_no_context_takeover {
            return Err(E);
        }
        // §7.1.2.1: asked for, it must be answered with the same or a smaller value.
        let asked = self.receive_window();
        if asked < 15 && p.server_max_window_bits.is_none_or(|m| m > asked) {
            return Err(E);
        }
        // §7.1.2.2: we always offer client_max_window_bits; with our value when under 15.
        let ours = self.send_window();
        let client_max_window_bits = match p.client_max_window_bits.flatten() {
            Some(m) if ours < 15 && m > ours => return Err(E),
            Some(m) => Some(m),
            None => (ours < 15).then_some(ours),
        };
        Ok(Some(DeflateAgreement {
            server_no_context_takeover: p.server_no_context_takeover,
            // §7.1.1.2: a client that offered it keeps to it even if not echoed.
            client_no_context_takeover: p.client_no_context_takeover || self.send_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits,
            client_max_window_bits,
        }))
    }
}

impl DeflateAgreement {
    /// Server: the response to the accepted offer, exactly these parameters,
    /// as one extension of a `Sec-WebSocket-Extensions` value.
    pub fn write_response(&self, w: &mut ExtensionWriter<'_>) {
        w.extension(EXTENSION_NAME);
        if self.server_no_context_takeover {
            w.param(SERVER_NO_CONTEXT_TAKEOVER, None);
        }
        if self.client_no_context_takeover {
            w.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
        }
        if let Some(bits) = self.server_max_window_bits {
            w.param(SERVER_MAX_WINDOW_BITS, Some(bits_str(bits)));
        }
        if let Some(bits) = self.client_max_window_bits {
            w.param(CLIENT_MAX_WINDOW_BITS, Some(bits_str(bits)));
        }
    }

    /// [`Self::write_response`] as a whole `Sec-WebSocket-Extensions` value
    /// in `out` (128 bytes are always enough).
    pub fn response(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let mut w = ExtensionWriter::new(out);
        self.write_response(&mut w);
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    fn offers(s: &str) -> Extensions<'_> {
        Extensions::from_value(Some(s.as_bytes()))
    }

    fn accept(config: &DeflateConfig, offer: &str) -> Option<DeflateAgreement> {
        config.accept_offer(offers(offer))
    }

    fn response_text(a: &DeflateAgreement) -> String {
        let mut out = [0u8; 128];
        let n = a.response(&mut out).unwrap();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    fn check(config: &DeflateConfig, response: &str) -> Result<Option<DeflateAgreement>, HandshakeError> {
        config.check_response(offers(response))
    }

    const DEFAULT: DeflateConfig = DeflateConfig::DEFAULT;

    // --- server side ---

    #[test]
    fn plain_offer_accepted_with_plain_response_rfc7692_5() {
        let a = accept(&DEFAULT, "permessage-deflate").unwrap();
        assert_eq!(a, DeflateAgreement::default());
        assert_eq!(response_text(&a), "permessage-deflate");
    }

    #[test]
    fn no_deflate_offer_is_none_rfc7692_5() {
        assert_eq!(accept(&DEFAULT, "x-webkit-deflate-frame, foo; a=1"), None);
        assert_eq!(DEFAULT.accept_offer(Extensions::from_value(None)), None);
    }

    #[test]
    fn extension_name_case_insensitive_rfc7692_5() {
        assert!(accept(&DEFAULT, "PerMessage-Deflate; Client_Max_Window_Bits").is_some());
    }

    #[test]
    fn first_acceptable_offer_wins_rfc7692_5() {
        // The first is declined (unknown parameter), the second taken, the third ignored.
        let a = accept(
            &DEFAULT,
            "permessage-deflate; x=1, foo, permessage-deflate; client_no_context_takeover, permessage-deflate; server_no_context_takeover",
        )
        .unwrap();
        assert!(a.client_no_context_takeover);
        assert!(!a.server_no_context_takeover);
    }

    #[test]
    fn unknown_parameter_declines_that_offer_rfc7692_7_1() {
        assert_eq!(accept(&DEFAULT, "permessage-deflate; unknown"), None);
        assert_eq!(accept(&DEFAULT, "permessage-deflate; max_window_bits=10"), None);
        assert!(accept(&DEFAULT, "permessage-deflate; unknown, permessage-deflate").is_some());
    }

    #[test]
    fn duplicate_parameter_declines_that_offer_rfc7692_7_1() {
        for offer in [
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
            "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
            "permessage-deflate; client_max_window_bits; CLIENT_MAX_WINDOW_BITS",
        ] {
            assert_eq!(accept(&DEFAULT, offer), None, "{offer}");
        }
    }

    #[test]
    fn no_context_takeover_with_value_declines_rfc7692_7_1_1() {
        assert_eq!(accept(&DEFAULT, "permessage-deflate; server_no_context_takeover=1"), None);
        assert_eq!(accept(&DEFAULT, "permessage-deflate; client_no_context_takeover=\"x\""), None);
    }

    #[test]
    fn server_no_context_takeover_offered_is_included_rfc7692_7_1_1_1() {
        let a = accept(&DEFAULT, "permessage-deflate; server_no_context_takeover").unwrap();
        assert!(a.server_no_context_takeover);
        assert_eq!(response_text(&a), "permessage-deflate; server_no_context_takeover");
        let refuse = DeflateConfig { accept_no_context_takeover: false, ..DEFAULT };
        assert_eq!(accept(&refuse, "permessage-deflate; server_no_context_takeover"), None);
        assert!(accept(&refuse, "permessage-deflate; server_no_context_takeover, permessage-deflate").is_some());
    }

    #[test]
    fn server_may_add_server_no_context_takeover_rfc7692_7_1_1_1() {
        let config = DeflateConfig { send_no_context_takeover: true, ..DEFAULT };
        let a = accept(&config, "permessage-deflate").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; server_no_context_takeover");
    }

    #[test]
    fn client_no_context_takeover_echoed_or_requested_rfc7692_7_1_1_2() {
        let a = accept(&DEFAULT, "permessage-deflate; client_no_context_takeover").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; client_no_context_takeover");
        let config = DeflateConfig { receive_no_context_takeover: true, ..DEFAULT };
        let a = accept(&config, "permessage-deflate").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; client_no_context_takeover");
    }

    #[test]
    fn server_max_window_bits_offered_answered_same_or_smaller_rfc7692_7_1_2_1() {
        let a = accept(&DEFAULT, "permessage-deflate; server_max_window_bits=10").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; server_max_window_bits=10");
        let small = DeflateConfig { send_max_window_bits: 9, ..DEFAULT };
        let a = accept(&small, "permessage-deflate; server_max_window_bits=12").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; server_max_window_bits=9");
        // Quoted values are the same token.
        let a = accept(&DEFAULT, "permessage-deflate; server_max_window_bits=\"11\"").unwrap();
        assert_eq!(a.server_max_window_bits, Some(11));
    }

    #[test]
    fn server_announces_its_smaller_window_unasked_rfc7692_7_1_2_1() {
        let small = DeflateConfig { send_max_window_bits: 12, ..DEFAULT };
        let a = accept(&small, "permessage-deflate").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; server_max_window_bits=12");
        // 8 is clamped to 9: zlib cannot compress with a 256-byte window.
        let tiny = DeflateConfig { send_max_window_bits: 8, ..DEFAULT };
        assert_eq!(accept(&tiny, "permessage-deflate").unwrap().server_max_window_bits, Some(9));
    }

    #[test]
    fn server_max_window_bits_8_declined_rfc7692_7_1_2_1() {
        assert_eq!(accept(&DEFAULT, "permessage-deflate; server_max_window_bits=8"), None);
        let a = accept(
            &DEFAULT,
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9",
        );
        assert_eq!(a.unwrap().server_max_window_bits, Some(9));
    }

    #[test]
    fn window_bits_out_of_range_or_malformed_declines_rfc7692_7_1_2() {
        for v in ["7", "16", "0", "08", "010", "-9", "9.0", "1", "150", "abc", "+9", "\"016\""] {
            for name in ["server_max_window_bits", "client_max_window_bits"] {
                let offer = format!("permessage-deflate; {name}={v}");
                assert_eq!(accept(&DEFAULT, &offer), None, "{offer}");
            }
        }
        assert_eq!(accept(&DEFAULT, "permessage-deflate; server_max_window_bits"), None);
    }

    #[test]
    fn client_max_window_bits_only_when_offered_rfc7692_7_1_2_2() {
        let limit = DeflateConfig { receive_max_window_bits: 10, ..DEFAULT };
        // Not offered: must not appear in the response.
        let a = accept(&limit, "permessage-deflate").unwrap();
        assert_eq!(a.client_max_window_bits, None);
        assert_eq!(response_text(&a), "permessage-deflate");
        // Offered without a value: the server may set it.
        let a = accept(&limit, "permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; client_max_window_bits=10");
        // Without a value and no wish of ours: nothing.
        let a = accept(&DEFAULT, "permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate");
        // Offered with a value: same or smaller.
        let a = accept(&limit, "permessage-deflate; client_max_window_bits=12").unwrap();
        assert_eq!(a.client_max_window_bits, Some(10));
        let a = accept(&limit, "permessage-deflate; client_max_window_bits=9").unwrap();
        assert_eq!(a.client_max_window_bits, Some(9));
    }

    #[test]
    fn client_max_window_bits_8_accepted_rfc7692_7_1_2_2() {
        // We decompress with a 32 KiB window, which decodes any smaller one.
        let a = accept(&DEFAULT, "permessage-deflate; client_max_window_bits=8").unwrap();
        assert_eq!(response_text(&a), "permessage-deflate; client_max_window_bits=8");
        let ask8 = DeflateConfig { receive_max_window_bits: 8, ..DEFAULT };
        let a = accept(&ask8, "permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(a.client_max_window_bits, Some(8));
    }

    #[test]
    fn chromium_offer_rfc7692_7_1() {
        let a = accept(&DEFAULT, "permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(a, DeflateAgreement::default());
    }

    #[test]
    fn firefox_style_offer_over_two_headers_rfc7692_5() {
        use crate::handshake::Header;
        let headers = [
            Header { name: "Sec-WebSocket-Extensions", value: b"permessage-deflate; server_max_window_bits=8" },
            Header { name: "Host", value: b"x" },
            Header { name: "sec-websocket-extensions", value: b"permessage-deflate; server_max_window_bits=13" },
        ];
        let a = DEFAULT.accept_offer(Extensions::from_headers(&headers)).unwrap();
        assert_eq!(a.server_max_window_bits, Some(13));
    }

    // --- client side ---

    fn offer_text(config: &DeflateConfig) -> String {
        let mut out = [0u8; 128];
        let n = config.offer(&mut out).unwrap();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn offer_text_per_config_rfc7692_7_1() {
        assert_eq!(offer_text(&DEFAULT), "permessage-deflate; client_max_window_bits");
        let all = DeflateConfig {
            send_max_window_bits: 11,
            receive_max_window_bits: 8,
            send_no_context_takeover: true,
            receive_no_context_takeover: true,
            ..DEFAULT
        };
        assert_eq!(
            offer_text(&all),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=8; client_max_window_bits=11"
        );
        // Our own window is never offered as 8 (zlib cannot compress with it).
        let eight = DeflateConfig { send_max_window_bits: 8, ..DEFAULT };
        assert_eq!(offer_text(&eight), "permessage-deflate; client_max_window_bits=9");
        let mut small = [0u8; 10];
        assert!(DEFAULT.offer(&mut small).is_err());
    }

    #[test]
    fn every_offer_accepted_by_our_server_and_response_checked_rfc7692_7_1() {
        // Round trip over a grid of configs on both ends: the server's
        // response always passes the client's check, and both read the same
        // agreement.
        let bools = [false, true];
        for cs in 9..=15 {
            for cr in [8, 9, 12, 15] {
                for (cnct, snct) in bools.iter().flat_map(|a| bools.iter().map(move |b| (*a, *b))) {
                    let client = DeflateConfig {
                        send_max_window_bits: cs,
                        receive_max_window_bits: cr,
                        send_no_context_takeover: cnct,
                        receive_no_context_takeover: snct,
                        ..DEFAULT
                    };
                    for ss in [9, 12, 15] {
                        for sr in [8, 10, 15] {
                            let server =
                                DeflateConfig { send_max_window_bits: ss, receive_max_window_bits: sr, ..DEFAULT };
                            let offer = offer_text(&client);
                            let Some(a) = accept(&server, &offer) else {
                                assert_eq!(cr, 8, "{offer}");
                                continue;
                            };
                            let seen = check(&client, &response_text(&a)).unwrap().unwrap();
                            assert_eq!(seen, a, "{offer} -> {}", response_text(&a));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn declined_response_is_none_rfc7692_5() {
        assert_eq!(check(&DEFAULT, ""), Ok(None));
        assert_eq!(DEFAULT.check_response(Extensions::from_value(None)), Ok(None));
    }

    #[test]
    fn second_permessage_deflate_fails_rfc7692_5() {
        assert_eq!(
            check(&DEFAULT, "permessage-deflate, permessage-deflate"),
            Err(HandshakeError::InvalidDeflateResponse)
        );
    }

    #[test]
    fn unknown_or_duplicate_parameter_in_response_fails_rfc7692_7_1() {
        for r in [
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits=10; server_max_window_bits=11",
            "permessage-deflate; server_no_context_takeover=yes",
        ] {
            assert_eq!(check(&DEFAULT, r), Err(HandshakeError::InvalidDeflateResponse), "{r}");
        }
    }

    #[test]
    fn invalid_window_value_in_response_fails_rfc7692_7_1_2() {
        // (An empty value is a grammar error the handshake reports before this check.)
        for v in ["7", "16", "08", "x", "\"16\""] {
            let r = format!("permessage-deflate; server_max_window_bits={v}");
            assert_eq!(check(&DEFAULT, &r), Err(HandshakeError::InvalidDeflateResponse), "{r}");
        }
        // client_max_window_bits must carry a value in a response.
        assert_eq!(
            check(&DEFAULT, "permessage-deflate; client_max_window_bits"),
            Err(HandshakeError::InvalidDeflateResponse)
        );
    }

    #[test]
    fn server_no_context_takeover_asked_must_be_granted_rfc7692_7_1_1_1() {
        let ask = DeflateConfig { receive_no_context_takeover: true, ..DEFAULT };
        assert_eq!(check(&ask, "permessage-deflate"), Err(HandshakeError::InvalidDeflateResponse));
        assert!(
            check(&ask, "permessage-deflate; server_no_context_takeover").unwrap().unwrap().server_no_context_takeover
        );
        // Unasked, the server may still send it.
        assert!(
            check(&DEFAULT, "permessage-deflate; server_no_context_takeover")
                .unwrap()
                .unwrap()
                .server_no_context_takeover
        );
    }

    #[test]
    fn client_no_context_takeover_in_response_always_allowed_rfc7692_7_1_1_2() {
        let a = check(&DEFAULT, "permessage-deflate; client_no_context_takeover").unwrap().unwrap();
        assert!(a.client_no_context_takeover);
        // Offered but not echoed: the client still keeps to it.
        let hint = DeflateConfig { send_no_context_takeover: true, ..DEFAULT };
        assert!(check(&hint, "permessage-deflate").unwrap().unwrap().client_no_context_takeover);
    }

    #[test]
    fn server_max_window_bits_response_rules_rfc7692_7_1_2_1() {
        // Unasked: any valid value.
        assert_eq!(
            check(&DEFAULT, "permessage-deflate; server_max_window_bits=8").unwrap().unwrap().server_max_window_bits,
            Some(8)
        );
        // Asked for 10: 10 or less, and present.
        let ask = DeflateConfig { receive_max_window_bits: 10, ..DEFAULT };
        assert_eq!(check(&ask, "permessage-deflate"), Err(HandshakeError::InvalidDeflateResponse));
        assert_eq!(
            check(&ask, "permessage-deflate; server_max_window_bits=11"),
            Err(HandshakeError::InvalidDeflateResponse)
        );
        assert_eq!(
            check(&ask, "permessage-deflate; server_max_window_bits=9").unwrap().unwrap().server_max_window_bits,
            Some(9)
        );
    }

    #[test]
    fn client_max_window_bits_response_rules_rfc7692_7_1_2_2() {
        // Offered without a value: any valid value, including 8.
        assert_eq!(
            check(&DEFAULT, "permessage-deflate; client_max_window_bits=8").unwrap().unwrap().client_max_window_bits,
            Some(8)
        );
        // Offered 11: at most 11; absent means 11.
        let ours = DeflateConfig { send_max_window_bits: 11, ..DEFAULT };
        assert_eq!(
            check(&ours, "permessage-deflate; client_max_window_bits=12"),
            Err(HandshakeError::InvalidDeflateResponse)
        );
        assert_eq!(
            check(&ours, "permessage-deflate; client_max_window_bits=10").unwrap().unwrap().client_max_window_bits,
            Some(10)
        );
        assert_eq!(check(&ours, "permessage-deflate").unwrap().unwrap().client_max_window_bits, Some(11));
    }

    #[test]
    fn other_extensions_in_response_are_not_ours_to_judge_rfc7692_5() {
        let a = check(&DEFAULT, "x-foo; a=1, permessage-deflate").unwrap();
        assert_eq!(a, Some(DeflateAgreement::default()));
    }
}
