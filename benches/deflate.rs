//! permessage-deflate: one message compressed and decompressed through the
//! crate's codec, side by side with the same work done by calling zlib-rs
//! directly on the same bytes (sync flush, tail kept and fed back, the
//! state reset per message as with no context takeover, decompressed
//! through the same 16 KiB output window). The ratio of the two is the
//! codec's overhead. JSON-like text of 1 KiB, 64 KiB and 1 MiB, level 6.
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wsmachine::deflate::{Compressor, Decompressor, DeflateAgreement, DeflateConfig, Flush};
use wsmachine::Role;
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush};

const WINDOW: usize = 16 * 1024;

fn json(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut out = Vec::with_capacity(len + 128);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(
            format!(
                "{{\"id\":{},\"user\":\"user{}\",\"active\":{},\"score\":{}.{},\"tags\":[\"t{}\",\"t{}\"]}},",
                x % 100_000,
                x % 977,
                x & 1 == 0,
                x % 1000,
                x % 100,
                x % 13,
                x % 29
            )
            .as_bytes(),
        );
    }
    out.truncate(len);
    out
}

fn ours(c: &mut Compressor, d: &mut Decompressor, msg: &[u8], wire: &mut [u8], window: &mut [u8]) -> usize {
    let p = c.compress(msg, wire, Flush::Message).expect("room for the message");
    assert!(p.finished);
    let mut rest = &wire[..p.produced];
    let mut total = 0;
    loop {
        let q = d.decompress(rest, window, true).expect("valid");
        total += q.produced;
        rest = &rest[q.consumed..];
        if q.finished {
            return total;
        }
    }
}

fn direct(deflate: &mut Deflate, inflate: &mut Inflate, msg: &[u8], wire: &mut [u8], window: &mut [u8]) -> usize {
    deflate.reset();
    inflate.reset(false);
    let before = deflate.total_out();
    deflate.compress(msg, wire, DeflateFlush::SyncFlush).expect("compress");
    let len = (deflate.total_out() - before) as usize;
    // The tail stays on the wire here: no stripping, no appending.
    let mut rest = &wire[..len];
    let mut total = 0;
    loop {
        let (in0, out0) = (inflate.total_in(), inflate.total_out());
        inflate.decompress(rest, window, InflateFlush::NoFlush).expect("valid");
        let made = (inflate.total_out() - out0) as usize;
        rest = &rest[(inflate.total_in() - in0) as usize..];
        total += made;
        if rest.is_empty() && made < window.len() {
            return total;
        }
    }
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("deflate_round_trip");
    let agreement =
        DeflateAgreement { server_no_context_takeover: true, client_no_context_takeover: true, ..Default::default() };
    let config = DeflateConfig::default();
    for (name, len) in [("1KiB", 1024), ("64KiB", 64 * 1024), ("1MiB", 1 << 20)] {
        let msg = json(len);
        group.throughput(Throughput::Bytes(len as u64));
        let mut wire = vec![0u8; Compressor::max_compressed_len(len)];
        let mut window = vec![0u8; WINDOW];
        let mut comp = Compressor::new(agreement, Role::Server, &config);
        let mut decomp = Decompressor::new(agreement, Role::Client, &config);
        assert_eq!(ours(&mut comp, &mut decomp, &msg, &mut wire, &mut window), len);
        group.bench_with_input(BenchmarkId::new("wsmachine", name), &msg, |b, msg| {
            b.iter(|| black_box(ours(&mut comp, &mut decomp, black_box(msg), &mut wire, &mut window)))
        });
        let mut deflate = Deflate::new_with_config(zlib_rs::DeflateConfig {
            level: 6,
            window_bits: -15,
            mem_level: 8,
            ..Default::default()
        });
        let mut inflate = Inflate::new(false, 15);
        assert_eq!(direct(&mut deflate, &mut inflate, &msg, &mut wire, &mut window), len);
        group.bench_with_input(BenchmarkId::new("zlib-rs", name), &msg, |b, msg| {
            b.iter(|| black_box(direct(&mut deflate, &mut inflate, black_box(msg), &mut wire, &mut window)))
        });
    }
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
