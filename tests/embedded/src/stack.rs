//! Stack high-water marks: the free RAM below the stack is painted with a
//! pattern; the lowest word no longer holding it is how deep the stack went.

use core::ptr::addr_of;

const PAINT: u32 = 0x5AC3_A55A;
/// Room left unpainted below the painter's own frame.
const MARGIN: usize = 64;

extern "C" {
    /// End of `.data`/`.bss` (from `cortex-m-rt`'s `link.x`): the stack's floor.
    static __sheap: u32;
    /// The initial stack pointer (top of RAM).
    static _stack_start: u32;
}

fn floor() -> usize {
    // Only the address of the linker symbol is taken, never its value.
    addr_of!(__sheap) as usize
}

/// The top of the stack.
pub fn top() -> usize {
    addr_of!(_stack_start) as usize
}

/// Paints everything between the floor and just below the current stack
/// pointer; returns that stack pointer.
#[inline(never)]
pub fn paint() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = (floor() + 3) & !3;
    while at + MARGIN < sp {
        // SAFETY: `at` is word-aligned, between the end of the statics and
        // below the live stack (with a margin for this function's frame):
        // memory nothing else uses.
        unsafe { (at as *mut u32).write_volatile(PAINT) };
        at += 4;
    }
    sp
}

/// The lowest address the stack has reached since the last [`paint`].
#[inline(never)]
pub fn low_water() -> usize {
    let mut at = (floor() + 3) & !3;
    // SAFETY: reads of aligned words between the statics and the stack.
    while at < top() && unsafe { (at as *const u32).read_volatile() } == PAINT {
        at += 4;
    }
    at
}

/// Calls `f` in a frame of its own, below the measuring caller's, so what
/// `f` inlines is measured too (not allocated in the caller's frame).
#[inline(never)]
fn invoke<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Records the deepest stack seen across repaints.
pub struct Meter {
    lowest: usize,
}

impl Meter {
    /// Paints the free stack and starts recording.
    pub fn start() -> Self {
        paint();
        Self { lowest: top() }
    }

    /// The stack `f` uses (bytes below the caller's stack pointer), folding
    /// the run so far into the overall peak first.
    #[inline(never)]
    pub fn call<R>(&mut self, f: impl FnOnce() -> R) -> (R, usize) {
        self.lowest = self.lowest.min(low_water());
        let sp = paint();
        let r = invoke(f);
        let low = low_water();
        self.lowest = self.lowest.min(low);
        (r, sp.saturating_sub(low))
    }

    /// The deepest the stack went since [`start`](Self::start), in bytes below its top.
    pub fn peak(&mut self) -> usize {
        self.lowest = self.lowest.min(low_water());
        top() - self.lowest
    }
}
