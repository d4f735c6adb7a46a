//! Whatever `Sec-WebSocket-Extensions` value parses is written back and
//! parses to the same extensions, parameters and (unescaped) values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::handshake::extensions::{self, ExtensionWriter};

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

fuzz_target!(|data: &[u8]| {
    let Some(parsed) = parse(data) else { return };
    let mut out = vec![0u8; 2 * data.len() + 16];
    let mut w = ExtensionWriter::new(&mut out);
    for e in extensions::parse(data).flatten() {
        w.copy(&e);
    }
    let n = w.finish().expect("twice the input is enough");
    assert_eq!(parse(&out[..n]), Some(parsed));
});
