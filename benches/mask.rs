//! Masking throughput: the fast path next to the byte-wise reference and a
//! `copy_from_slice` of the same size (the speed of memory itself).
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wsmachine::mask::{apply_mask, apply_mask_reference};

fn masking(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for size in [125usize, 1024, 16 * 1024, 64 * 1024, 1024 * 1024] {
        let mut buf = vec![0x5au8; size];
        let src = vec![0xa5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("apply_mask", size), &size, |b, _| {
            b.iter(|| apply_mask(black_box(&mut buf), black_box([1, 2, 3, 4]), 1))
        });
        if size <= 64 * 1024 {
            group.bench_with_input(BenchmarkId::new("reference", size), &size, |b, _| {
                b.iter(|| apply_mask_reference(black_box(&mut buf), black_box([1, 2, 3, 4]), 1))
            });
        }
        group.bench_with_input(BenchmarkId::new("memcpy", size), &size, |b, _| {
            b.iter(|| black_box(&mut buf).copy_from_slice(black_box(&src)))
        });
    }
    group.finish();
}

criterion_group!(benches, masking);
criterion_main!(benches);
