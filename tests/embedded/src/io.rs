//! Output through semihosting without `core::fmt` (which would dwarf the
//! budgets measured here), and the exits QEMU turns into its exit code.

use cortex_m_semihosting::{debug, hio};

/// Writes `bytes` to the host's stdout (ignored when there is no host).
pub fn put(bytes: &[u8]) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(bytes);
    }
}

/// Writes `n` in decimal.
pub fn put_num(n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(&digits[at..]);
}

/// Writes `label`, `n` and a newline.
pub fn line(label: &str, n: usize) {
    put(label.as_bytes());
    put_num(n);
    put(b"\n");
}

/// Exits QEMU with status 0.
pub fn pass() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Prints `what` and exits QEMU with a non-zero status.
pub fn fail(what: &str) -> ! {
    put(b"FAIL: ");
    put(what.as_bytes());
    put(b"\n");
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Fails with `what` unless `ok`.
pub fn check(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail("panic")
}
