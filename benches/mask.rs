//! Masking throughput, side by side with `copy_from_slice` of the same size
//! (the speed of memory itself) and a hand-written AVX2 unmask (unaligned
//! loads, front to back: what a simple SIMD decoder does).
//!
//! Up to 16 KiB the same buffer is masked over and over (it stays in the L1
//! cache, as a short payload just received does). From 64 KiB on, every
//! iteration first refills the buffer from a pristine copy, untimed, the way
//! a payload arrives from a read, and only the unmask is timed; the memcpy
//! row copies that fresh buffer out, what a copying decoder would do.
//!
//! Buffers start 14 bytes past a 64-byte boundary (where the payload of a
//! masked frame with a 64-bit length begins in an aligned read buffer);
//! the `aligned` rows start on the boundary. The ratios to memcpy are
//! printed at the end.
mod common;

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wsmachine::mask::{apply_mask, apply_mask_reference, copy_masked};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const SIZES: [(usize, &str); 7] = [
    (16, "16B"),
    (125, "125B"),
    (1024, "1KiB"),
    (16 * 1024, "16KiB"),
    (64 * 1024, "64KiB"),
    (1 << 20, "1MiB"),
    (16 << 20, "16MiB"),
];
/// Where the payload of a masked frame with a 64-bit length starts.
const MISALIGN: usize = 14;
/// From this size on, every iteration works on a freshly written buffer.
const FRESH_FROM: usize = 64 * 1024;

/// A buffer of `len` bytes starting `skew` bytes past a 64-byte boundary.
struct Buffer {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl Buffer {
    fn new(len: usize, skew: usize) -> Self {
        let storage = vec![0x5a; len + 128];
        let start = storage.as_ptr().align_offset(64) + skew;
        Self { storage, start, len }
    }
    fn get(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.start + self.len]
    }
}

/// Times `f` on `buf`: in place over and over for small sizes; for large ones
/// after refilling `buf` from `pristine` (untimed) before every call.
fn run(size: usize, buf: &mut [u8], pristine: &[u8], iters: u64, mut f: impl FnMut(&mut [u8])) -> Duration {
    if size < FRESH_FROM {
        let start = Instant::now();
        for _ in 0..iters {
            f(black_box(&mut *buf));
        }
        return start.elapsed();
    }
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        buf.copy_from_slice(pristine);
        let start = Instant::now();
        f(black_box(&mut *buf));
        total += start.elapsed();
    }
    total
}

/// A hand-written AVX2 unmask: unaligned loads, 128 bytes per step, front to back.
#[cfg(target_arch = "x86_64")]
fn reference_avx2(buf: &mut [u8], key: [u8; 4]) {
    #[target_feature(enable = "avx2")]
    fn inner(buf: &mut [u8], key: [u8; 4]) {
        use std::arch::x86_64::*;
        let k = _mm256_set1_epi32(i32::from_ne_bytes(key));
        let mut blocks = buf.chunks_exact_mut(128);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `block` is 128 bytes, four unaligned 32-byte vectors.
            unsafe {
                let v = [
                    _mm256_loadu_si256(p),
                    _mm256_loadu_si256(p.add(1)),
                    _mm256_loadu_si256(p.add(2)),
                    _mm256_loadu_si256(p.add(3)),
                ];
                for (i, v) in v.into_iter().enumerate() {
                    _mm256_storeu_si256(p.add(i), _mm256_xor_si256(v, k));
                }
            }
        }
        apply_mask_reference(blocks.into_remainder(), key, 0);
    }
    assert!(std::is_x86_feature_detected!("avx2"), "the reference row needs AVX2");
    // SAFETY: AVX2 was detected just above.
    unsafe { inner(buf, key) }
}

fn unmask(c: &mut Criterion) {
    common::start_clock();
    let mut group = c.benchmark_group("unmask");
    group.sample_size(20);
    for (size, name) in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        let pristine: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
        let mut out = vec![0u8; size];
        for (row, skew) in [("wsmachine", MISALIGN), ("wsmachine_aligned", 0)] {
            let mut buf = Buffer::new(size, skew);
            group.bench_function(BenchmarkId::new(row, name), |b| {
                b.iter_custom(|iters| run(size, buf.get(), &pristine, iters, |d| apply_mask(d, KEY, 0)))
            });
        }
        let mut buf = Buffer::new(size, MISALIGN);
        #[cfg(target_arch = "x86_64")]
        group.bench_function(BenchmarkId::new("reference_avx2", name), |b| {
            b.iter_custom(|iters| run(size, buf.get(), &pristine, iters, |d| reference_avx2(d, KEY)))
        });
        if size <= 64 * 1024 {
            group.bench_function(BenchmarkId::new("bytewise", name), |b| {
                b.iter_custom(|iters| run(size, buf.get(), &pristine, iters, |d| apply_mask_reference(d, KEY, 0)))
            });
        }
        group.bench_function(BenchmarkId::new("memcpy", name), |b| {
            b.iter_custom(|iters| run(size, buf.get(), &pristine, iters, |d| out.copy_from_slice(d)))
        });
    }
    group.finish();
    let names: Vec<&str> = SIZES.iter().map(|s| s.1).collect();
    common::print_ratios("unmask", "memcpy", &["wsmachine", "wsmachine_aligned", "reference_avx2", "bytewise"], &names);
}

/// The fused copy-and-mask a client uses to write a payload, next to a plain
/// copy of the same size into the same (reused, misaligned) output.
fn copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("copy_masked");
    group.sample_size(20);
    for (size, name) in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        let src: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
        let mut dst = Buffer::new(size, MISALIGN);
        group.bench_function(BenchmarkId::new("wsmachine", name), |b| {
            b.iter(|| copy_masked(black_box(dst.get()), black_box(&src), KEY, 0))
        });
        group.bench_function(BenchmarkId::new("memcpy", name), |b| {
            b.iter(|| black_box(dst.get()).copy_from_slice(black_box(&src)))
        });
    }
    group.finish();
    let names: Vec<&str> = SIZES.iter().map(|s| s.1).collect();
    common::print_ratios("copy_masked", "memcpy", &["wsmachine"], &names);
}

criterion_group!(benches, unmask, copy);
criterion_main!(benches);
