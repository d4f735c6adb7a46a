//! Whatever `Sec-WebSocket-Extensions` value parses is written back and
//! parses to the same extensions, parameters and (unescaped) values.
//!
//! The same value is also run through the permessage-deflate negotiation
//! as a client's offers and as a server's response: no panic, and a
//! response our server writes passes our client's check with the same
//! agreement.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::deflate::DeflateConfig;
use wsmachine::handshake::extensions::{self, ExtensionWriter, Extensions};

type Parsed = Vec<(String, Vec<(String, Option<Vec<u8>>)>)>;

fn parse(value: &[u8]) -> Option<Parsed> {
    extensions::parse(value)
        .map(|r| {
            r.ok().map(|e| {
                (
                    e.name.to_string(),
                    e.params().map(|p| (p.name.to_string(), p.value.map(|v| v.bytes().collect()))).collect(),
                )
            })
        })
        .collect()
}

fn negotiate(data: &[u8]) {
    let configs = [
        DeflateConfig::default(),
        DeflateConfig { send_max_window_bits: 10, receive_max_window_bits: 8, ..Default::default() },
        DeflateConfig {
            send_no_context_takeover: true,
            receive_no_context_takeover: true,
            accept_no_context_takeover: false,
            ..Default::default()
        },
    ];
    for config in &configs {
        let _ = config.check_response(Extensions::from_value(Some(data)));
        if let Some(agreed) = config.accept_offer(Extensions::from_value(Some(data))) {
            let mut out = [0u8; 128];
            let n = agreed.response(&mut out).expect("a response fits in 128 bytes");
            // A client that asked for nothing accepts any response our server writes.
            let seen = DeflateConfig::default().check_response(Extensions::from_value(Some(&out[..n])));
            assert_eq!(seen, Ok(Some(agreed)), "{:?}", String::from_utf8_lossy(&out[..n]));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    negotiate(data);
    let Some(parsed) = parse(data) else { return };
    let mut out = vec![0u8; 2 * data.len() + 16];
    let mut w = ExtensionWriter::new(&mut out);
    for e in extensions::parse(data).flatten() {
        w.copy(&e);
    }
    let n = w.finish().expect("twice the input is enough");
    assert_eq!(parse(&out[..n]), Some(parsed));
});
