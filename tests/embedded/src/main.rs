//! Firmware test of `wsmachine` at `default-features = false` (no_std, no
//! alloc) on a Cortex-M3 under QEMU. Which scenario runs depends on the
//! feature: both endpoints over in-memory pipes (default), one role against
//! canned peer bytes (`server-only`, `client-only`, to measure flash per
//! role), or nothing (`skeleton`, the baseline). Every check that fails
//! exits QEMU with a non-zero status; the budgets are printed on success.
#![no_std]
#![no_main]
// The one-role and skeleton images use only part of the shared helpers.
#![cfg_attr(any(feature = "server-only", feature = "client-only", feature = "skeleton"), allow(dead_code))]

mod io;
#[cfg(not(any(feature = "server-only", feature = "client-only", feature = "skeleton")))]
mod pair;
#[cfg(not(feature = "skeleton"))]
mod pipe;
#[cfg(any(feature = "server-only", feature = "client-only"))]
mod role;
mod stack;

use cortex_m_rt::entry;

/// Mask keys for the test only: a fixed, predictable sequence. A real
/// firmware seeds a cryptographic generator from its hardware RNG
/// (RFC 6455 §10.3: keys an attacker can predict defeat the masking).
#[cfg(not(feature = "skeleton"))]
pub struct TestMask(u32);

#[cfg(not(feature = "skeleton"))]
impl wsmachine::MaskSource for TestMask {
    fn next_mask(&mut self) -> [u8; 4] {
        self.0 = self.0.wrapping_mul(0x9E37_79B9).wrapping_add(0x7F4A_7C15);
        self.0.to_le_bytes()
    }
}

#[entry]
fn main() -> ! {
    let meter = stack::Meter::start();
    #[cfg(not(any(feature = "server-only", feature = "client-only", feature = "skeleton")))]
    let peak = pair::run(meter);
    #[cfg(feature = "server-only")]
    let peak = role::server(meter);
    #[cfg(feature = "client-only")]
    let peak = role::client(meter);
    #[cfg(feature = "skeleton")]
    let peak = {
        let mut meter = meter;
        meter.peak()
    };
    io::line("stack peak: ", peak);
    io::put(b"PASS\n");
    io::pass()
}
