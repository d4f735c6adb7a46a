//! UTF-8 validation of a text message, multibyte-heavy (Cyrillic, CJK,
//! emoji, some ASCII) and plain ASCII, 1 MiB each: `core::str::from_utf8`,
//! the incremental validator fed the whole message and fed in 4 KiB reads
//! (whichever implementation the build selects: `--features simdutf8` for
//! SIMD), and `simdutf8` called directly when the feature is on. The speed
//! relative to std is printed at the end.
mod common;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wsmachine::utf8::Utf8Validator;

fn texts() -> [(&'static str, Vec<u8>); 2] {
    let multibyte = "Привет, мир! 你好，世界。こんにちは 😀🎉🚀 Ünïcödé — ελληνικά ".repeat(1 << 14);
    let ascii = "The quick brown fox jumps over the lazy dog. 0123456789 ".repeat(1 << 15);
    [("multibyte", multibyte.into_bytes()), ("ascii", ascii.into_bytes())]
}

fn utf8(c: &mut Criterion) {
    common::start_clock();
    let mut group = c.benchmark_group("utf8");
    group.sample_size(20);
    let texts = texts();
    for (name, text) in &texts {
        let text = &text[..1 << 20];
        let text =
            &text[..text.len() - core::str::from_utf8(text).map_or_else(|e| text.len() - e.valid_up_to(), |_| 0)];
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("std", name), |b| {
            b.iter(|| core::str::from_utf8(black_box(text)).is_ok())
        });
        group.bench_function(BenchmarkId::new("validator", name), |b| {
            b.iter(|| {
                let mut v = Utf8Validator::new();
                v.feed(black_box(text)).is_ok() && v.finish().is_ok()
            })
        });
        group.bench_function(BenchmarkId::new("validator_4KiB_reads", name), |b| {
            b.iter(|| {
                let mut v = Utf8Validator::new();
                black_box(text).chunks(4096).all(|c| v.feed(c).is_ok()) && v.finish().is_ok()
            })
        });
        #[cfg(feature = "simdutf8")]
        group.bench_function(BenchmarkId::new("simdutf8", name), |b| {
            b.iter(|| simdutf8::basic::from_utf8(black_box(text)).is_ok())
        });
    }
    group.finish();
    common::print_ratios("utf8", "std", &["validator", "validator_4KiB_reads", "simdutf8"], &["multibyte", "ascii"]);
}

criterion_group!(benches, utf8);
criterion_main!(benches);
