//! Whatever decodes as a frame header re-encodes in the minimal form and
//! decodes back to the same header; every shorter prefix asks for more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::frame::FrameHeader;

fuzz_target!(|data: &[u8]| {
    let Ok(Some((header, len))) = FrameHeader::decode(data) else { return };
    assert!((2..=14).contains(&len) && len <= data.len());
    for k in 0..len {
        assert_eq!(FrameHeader::decode(&data[..k]), Ok(None));
    }
    let mut out = [0u8; 14];
    let n = header.encode(&mut out);
    assert!(n <= len, "the encoding is not minimal");
    assert_eq!(FrameHeader::decode(&out[..n]), Ok(Some((header, n))));
    if n == len {
        assert_eq!(&out[..n], &data[..len]); // the input was minimal: same bytes
    }
});
