//! No allocation per message once buffers have grown: 10,000 small messages
//! decoded with `handle_data` + `MessageAssembler` and echoed with
//! `send_text` / `send_binary` into a fixed buffer, counted by a global
//! allocator that exists in this test binary only (issue 4, "Memory").
#![cfg(feature = "alloc")]
mod common;
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wsmachine::{Config, Connection, Message, MessageAssembler, MessageKind};

struct Counting;

thread_local! {
    /// Only allocations made by a measuring thread count, each in its own
    /// counter, so tests running in parallel do not disturb each other.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    if MEASURING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
    }
}

/// Runs `f` and returns its result and the allocations it made on this thread.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATIONS.with(|a| a.set(0));
    MEASURING.with(|m| m.set(true));
    let result = f();
    MEASURING.with(|m| m.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Builds `count` small client messages (some fragmented, some with a Ping
/// in between) and returns the wire bytes and the total payload length.
fn client_wire(count: usize, rng: &mut Rng) -> (Vec<u8>, usize) {
    let mut client = Connection::client(Config::default(), TestMask::new());
    let mut wire = Vec::new();
    let mut out = [0u8; 512];
    let mut payload_total = 0;
    for i in 0..count {
        let size = rng.range(0, 100);
        let text = rng.text(size);
        payload_total += text.len();
        let kind = if i % 3 == 0 { MessageKind::Binary } else { MessageKind::Text };
        if i % 4 == 0 {
            let cut = rng.range(0, text.len());
            let n = client.send_fragment(kind, &text.as_bytes()[..cut], false, &mut out).unwrap();
            wire.extend_from_slice(&out[..n]);
            if i % 8 == 0 {
                let n = client.send_ping(b"ka", &mut out).unwrap();
                wire.extend_from_slice(&out[..n]);
            }
            let n = client.send_fragment(kind, &text.as_bytes()[cut..], true, &mut out).unwrap();
            wire.extend_from_slice(&out[..n]);
        } else {
            let n = client.send_message(kind, text.as_bytes(), &mut out).unwrap();
            wire.extend_from_slice(&out[..n]);
        }
    }
    (wire, payload_total)
}

/// Decodes `wire` with `server`, assembling messages and echoing each one
/// into `out`; returns (messages, payload bytes echoed, echo bytes written).
fn echo_all(
    server: &mut Connection,
    asm: &mut MessageAssembler,
    wire: &mut [u8],
    out: &mut [u8; 512],
) -> (usize, usize, usize) {
    let (mut messages, mut bytes, mut written) = (0, 0, 0);
    let mut off = 0;
    loop {
        let input = server.handle_data(&mut wire[off..]);
        off += input.consumed;
        let Some(event) = input.event else { break };
        let echoed = match asm.push(&event).expect("valid text") {
            Some(Message::Text(t)) => Some((t.len(), server.send_text(t, out).expect("room"))),
            Some(Message::Binary(b)) => Some((b.len(), server.send_binary(b, out).expect("room"))),
            None => None,
        };
        if let Some((len, n)) = echoed {
            messages += 1;
            bytes += len;
            written += n;
        }
        while let Some(n) = server.poll_transmit(out).expect("room") {
            written += n;
        }
    }
    assert_eq!(off, wire.len());
    (messages, bytes, written)
}

#[test]
fn server_decodes_assembles_and_echoes_10000_messages_without_allocating() {
    let mut rng = Rng::new(42);
    let (mut warm_wire, _) = client_wire(1000, &mut rng);
    let (mut wire, payload_total) = client_wire(10_000, &mut rng);
    let mut server = Connection::server(Config::default());
    let mut asm = MessageAssembler::new();
    let mut out = [0u8; 512];

    // Warm-up: the assembler's buffer grows to the largest message.
    let (warm, _, _) = echo_all(&mut server, &mut asm, &mut warm_wire, &mut out);
    assert_eq!(warm, 1000);

    let ((messages, bytes, written), allocations) = measure(|| echo_all(&mut server, &mut asm, &mut wire, &mut out));

    assert_eq!(messages, 10_000);
    assert_eq!(bytes, payload_total, "every payload byte was echoed");
    assert!(written > bytes, "frames were written");
    assert_eq!(allocations, 0, "allocations while decoding and echoing 10,000 messages");
}

#[test]
fn counting_allocator_sees_allocations() {
    // The counter works: a Vec allocation while measuring is counted.
    let (v, allocations) = measure(|| Vec::<u8>::with_capacity(std::hint::black_box(64)));
    drop(v);
    assert!(allocations >= 1);
    // And the warm-up matters: a fresh assembler grows its buffer on the first fragmented message.
    let mut rng = Rng::new(1);
    let (mut wire, _) = client_wire(8, &mut rng);
    let mut server = Connection::server(Config::default());
    let mut asm = MessageAssembler::new();
    let mut out = [0u8; 512];
    let (_, allocations) = measure(|| echo_all(&mut server, &mut asm, &mut wire, &mut out));
    assert!(allocations >= 1, "the first fragmented message allocates the assembler's buffer");
}
