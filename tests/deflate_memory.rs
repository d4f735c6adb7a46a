//! The heap a permessage-deflate codec holds (RFC 7692 §7.1.2 windows, §7.1.1
//! context takeover), counted by a global allocator: idle and mid-message,
//! window bits 15 and 9, with and without context takeover, with the option
//! that frees the state between messages; the peak while a bomb is refused;
//! allocations per message once warm.
//!
//! One test function, so no other test allocates while it counts. Run with
//! `--nocapture` to see the table.
#![cfg(feature = "deflate")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use wsmachine::deflate::{Compressor, Decompressor, DeflateAgreement, DeflateConfig, Flush};
use wsmachine::Role;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the test's own thread counts: the test harness allocates on
    /// other threads while the test runs.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

fn measuring() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if measuring() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
            ALLOCATIONS.fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if measuring() {
            CURRENT.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn heap() -> usize {
    CURRENT.load(Relaxed)
}

fn text(len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("{{\"id\":{},\"name\":\"user{}\"}},", x % 10_000, x % 97).as_bytes());
    }
    out.truncate(len);
    out
}

/// Heap of one compressor: (idle after a message, mid-message).
fn compressor_heap(
    window: u8,
    mem_level: u8,
    no_takeover: bool,
    release: bool,
    msg: &[u8],
    out: &mut [u8],
) -> (usize, usize) {
    let agreement = DeflateAgreement {
        server_max_window_bits: Some(window),
        server_no_context_takeover: no_takeover,
        ..Default::default()
    };
    let config = DeflateConfig { mem_level, release_between_messages: release, ..Default::default() };
    let base = heap();
    let mut c = Compressor::new(agreement, Role::Server, &config);
    // Mid-message: half the input in, not flushed.
    let half = &msg[..msg.len() / 2];
    let mut rest = half;
    while !rest.is_empty() {
        let p = c.compress(rest, out, Flush::None).unwrap();
        rest = &rest[p.consumed..];
    }
    let mid = heap() - base;
    let mut rest = &msg[msg.len() / 2..];
    loop {
        let p = c.compress(rest, out, Flush::Message).unwrap();
        rest = &rest[p.consumed..];
        if p.finished {
            break;
        }
    }
    let idle = heap() - base;
    drop(c);
    assert_eq!(heap(), base);
    (idle, mid)
}

fn compressed(msg: &[u8]) -> Vec<u8> {
    let mut c = Compressor::new(DeflateAgreement::default(), Role::Client, &DeflateConfig::default());
    let mut wire = Vec::new();
    c.compress_message_vec(msg, &mut wire).unwrap();
    wire
}

/// Heap of one decompressor: (idle after a message, mid-message).
fn decompressor_heap(no_takeover: bool, release: bool, wire: &[u8], out: &mut [u8]) -> (usize, usize) {
    let agreement = DeflateAgreement { client_no_context_takeover: no_takeover, ..Default::default() };
    let config = DeflateConfig { release_between_messages: release, ..Default::default() };
    let base = heap();
    let mut d = Decompressor::new(agreement, Role::Server, &config);
    let p = d.decompress(&wire[..wire.len() / 2], out, false).unwrap();
    let mid = heap() - base;
    let mut rest = &wire[p.consumed..];
    loop {
        let p = d.decompress(rest, out, true).unwrap();
        rest = &rest[p.consumed..];
        if p.finished {
            break;
        }
    }
    let idle = heap() - base;
    drop(d);
    assert_eq!(heap(), base);
    (idle, mid)
}

#[test]
fn codec_heap_idle_mid_message_and_per_message_rfc7692_7_1() {
    MEASURING.with(|m| m.set(true));
    let msg = text(256 * 1024);
    let mut out = vec![0u8; 16 * 1024];
    let kib = |b: usize| b as f64 / 1024.0;

    eprintln!("| half | window | mem_level | takeover | release | idle KiB | mid-message KiB |");
    eprintln!("|---|---|---|---|---|---|---|");
    let mut table = Vec::new();
    for window in [15u8, 9] {
        for mem_level in [8u8, 1] {
            for (no_takeover, release) in [(false, false), (true, false), (true, true)] {
                let (idle, mid) = compressor_heap(window, mem_level, no_takeover, release, &msg, &mut out);
                eprintln!(
                    "| compressor | {window} | {mem_level} | {} | {release} | {:.1} | {:.1} |",
                    !no_takeover,
                    kib(idle),
                    kib(mid)
                );
                table.push((window, mem_level, no_takeover, release, idle, mid));
            }
        }
    }
    // Nothing grows with the message; the release option frees everything.
    for &(window, mem_level, no_takeover, release, idle, mid) in &table {
        assert!(mid > 0 && mid < 400 * 1024, "{window} {mem_level}: {mid}");
        if release {
            assert_eq!(idle, 0);
        } else {
            assert_eq!(idle, mid, "{window} {mem_level} {no_takeover}");
        }
    }
    let at = |w: u8, m: u8| table.iter().find(|t| t.0 == w && t.1 == m).map(|t| t.5).unwrap();
    assert!(at(9, 8) < at(15, 8));
    assert!(at(9, 1) < at(9, 8));

    let wire = compressed(&msg);
    for (no_takeover, release) in [(false, false), (true, false), (true, true)] {
        let (idle, mid) = decompressor_heap(no_takeover, release, &wire, &mut out);
        eprintln!("| decompressor | any | - | {} | {release} | {:.1} | {:.1} |", !no_takeover, kib(idle), kib(mid));
        assert!(mid < 48 * 1024, "{mid}");
        assert_eq!(idle, if release { 0 } else { mid });
    }

    // A 64 MiB bomb refused at 16 MiB: the decompressor's state is all the heap it takes.
    let zeros = vec![0u8; 64 << 20];
    let bomb = compressed(&zeros);
    drop(zeros);
    let base = heap();
    PEAK.store(base, Relaxed);
    let mut d = Decompressor::new(DeflateAgreement::default(), Role::Server, &DeflateConfig::default());
    let mut rest = &bomb[..];
    while d.message_len() <= 16 << 20 {
        let p = d.decompress(rest, &mut out, true).unwrap();
        rest = &rest[p.consumed..];
    }
    d.abandon_message();
    let peak = PEAK.load(Relaxed) - base;
    eprintln!("bomb of {} KiB refused at 16 MiB: peak heap {:.1} KiB", bomb.len() / 1024, kib(peak));
    assert!(peak < 48 * 1024, "{peak}");
    drop(d);

    // Allocations per message once warm: none with context takeover or a
    // reset, two per message (one per half) with the release option.
    let small = text(1000);
    for (no_takeover, release, per_message) in [(false, false, 0), (true, false, 0), (true, true, 2)] {
        let agreement = DeflateAgreement {
            server_no_context_takeover: no_takeover,
            client_no_context_takeover: no_takeover,
            ..Default::default()
        };
        let config = DeflateConfig { release_between_messages: release, ..Default::default() };
        let mut c = Compressor::new(agreement, Role::Server, &config);
        let mut d = Decompressor::new(agreement, Role::Client, &config);
        let (mut wire, mut back) = (vec![0u8; 4096], vec![0u8; 4096]);
        let mut round = |c: &mut Compressor, d: &mut Decompressor| {
            let p = c.compress(&small, &mut wire, Flush::Message).unwrap();
            assert!(p.finished);
            let q = d.decompress(&wire[..p.produced], &mut back, true).unwrap();
            assert!(q.finished && back[..q.produced] == small[..]);
        };
        round(&mut c, &mut d);
        let before = ALLOCATIONS.load(Relaxed);
        for _ in 0..100 {
            round(&mut c, &mut d);
        }
        let count = ALLOCATIONS.load(Relaxed) - before;
        eprintln!("takeover {} release {release}: {} allocations per message", !no_takeover, count as f64 / 100.0);
        assert_eq!(count, 100 * per_message);
    }
}
