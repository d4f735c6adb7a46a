//! Keys and masks from the operating system's random source (feature
//! `getrandom`).
//!
//! RFC 6455 §10.3 asks for unpredictable mask keys and §4.1 for a random
//! `Sec-WebSocket-Key`; the core takes both from the caller. [`OsRandom`]
//! supplies them from the `getrandom` crate, reading 256 bytes per system
//! call.
//!
//! ```
//! use wsmachine::random::{handshake_key, OsRandom};
//! use wsmachine::{Config, Connection};
//! let key = handshake_key().expect("an OS random source");
//! let conn = Connection::client(Config::default(), OsRandom::new().expect("an OS random source"));
//! # let _ = (key, conn);
//! ```

use core::fmt;

use crate::mask::MaskSource;

/// The OS random source failed (see [`getrandom::Error`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomError(getrandom::Error);

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the OS random source failed: {}", self.0)
    }
}

impl core::error::Error for RandomError {}

/// 16 fresh random bytes for a client's `Sec-WebSocket-Key` (RFC 6455 §4.1).
pub fn handshake_key() -> Result<[u8; 16], RandomError> {
    let mut key = [0u8; 16];
    getrandom::fill(&mut key).map_err(RandomError)?;
    Ok(key)
}

const BATCH: usize = 256;

/// A [`MaskSource`] backed by the OS random source, read in batches.
#[derive(Clone)]
pub struct OsRandom {
    buf: [u8; BATCH],
    pos: usize,
}

impl fmt::Debug for OsRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OsRandom") // never show key material
    }
}

impl OsRandom {
    /// A source with its first batch read, so that a source that does not
    /// work is found here rather than at the first frame.
    pub fn new() -> Result<Self, RandomError> {
        let mut buf = [0u8; BATCH];
        getrandom::fill(&mut buf).map_err(RandomError)?;
        Ok(Self { buf, pos: 0 })
    }

    /// Fills `out` with random bytes.
    ///
    /// # Panics
    /// If the OS random source, which worked in [`OsRandom::new`], fails
    /// later: a client must not send predictable masks (RFC 6455 §10.3)
    /// and [`MaskSource`] has no way to fail. No input reaches this.
    pub fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            if self.pos == BATCH {
                if let Err(e) = getrandom::fill(&mut self.buf) {
                    panic!("the OS random source failed after it had worked: {e}");
                }
                self.pos = 0;
            }
            *b = self.buf[self.pos];
            self.pos += 1;
        }
    }
}

impl MaskSource for OsRandom {
    fn next_mask(&mut self) -> [u8; 4] {
        let mut key = [0u8; 4];
        self.fill(&mut key);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keys_differ_across_batches_rfc6455_10_3() {
        let mut source = OsRandom::new().unwrap();
        let keys: alloc::vec::Vec<[u8; 4]> = (0..200).map(|_| source.next_mask()).collect();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert!(distinct.len() > 190, "{} distinct of 200", distinct.len());
    }

    #[test]
    fn handshake_keys_are_fresh_rfc6455_4_1() {
        assert_ne!(handshake_key().unwrap(), handshake_key().unwrap());
    }
}
