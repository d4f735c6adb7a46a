//! Decoding client (masked) frames on the server side, side by side with
//! tungstenite and fastwebsockets in the same run. Each iteration decodes a
//! whole batch of messages from memory; the input copy is made outside the
//! timed part for every library.
mod common;

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use wsmachine::{Config, Connection, Event};

/// Workloads well past the caches: 1,000,000 x 16 B is 22 MB of wire bytes.
const CASES: [(&str, usize, usize); 4] =
    [("16B", 16, 1_000_000), ("1KiB", 1024, 100_000), ("64KiB", 64 * 1024, 1_000), ("16MiB", 16 << 20, 10)];

fn decode(c: &mut Criterion) {
    common::start_clock();
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    for (name, size, count) in CASES {
        let wire = common::frames(count, size, true);
        group.throughput(Throughput::Elements(count as u64));

        group.bench_function(BenchmarkId::new("wsmachine", name), |b| {
            b.iter_batched_ref(
                || wire.clone(),
                |input| {
                    let mut conn = Connection::server(Config::default());
                    let (mut off, mut messages) = (0, 0);
                    while off < input.len() {
                        let r = conn.handle_data(&mut input[off..]);
                        off += r.consumed;
                        if let Some(Event::Data { message_fin: true, .. }) = r.event {
                            messages += 1;
                        }
                    }
                    assert_eq!(messages, count);
                },
                BatchSize::LargeInput,
            )
        });

        group.bench_function(BenchmarkId::new("tungstenite", name), |b| {
            b.iter_batched(
                || wire.clone(),
                |input| {
                    let config = tungstenite::protocol::WebSocketConfig::default()
                        .max_message_size(Some(64 << 20))
                        .max_frame_size(Some(16 << 20));
                    let mut ws = tungstenite::WebSocket::from_raw_socket(
                        common::MemStream(Cursor::new(input)),
                        tungstenite::protocol::Role::Server,
                        Some(config),
                    );
                    for _ in 0..count {
                        ws.read().expect("tungstenite decodes");
                    }
                },
                BatchSize::LargeInput,
            )
        });

        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        group.bench_function(BenchmarkId::new("fastwebsockets", name), |b| {
            b.iter_batched(
                || wire.clone(),
                |input| {
                    rt.block_on(async {
                        let mut ws = fastwebsockets::WebSocket::after_handshake(
                            common::AsyncMemStream(Cursor::new(input)),
                            fastwebsockets::Role::Server,
                        );
                        ws.set_auto_close(false);
                        ws.set_max_message_size(64 << 20);
                        for _ in 0..count {
                            ws.read_frame().await.expect("fastwebsockets decodes");
                        }
                    })
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    let names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    common::print_ratios("decode", "tungstenite", &["wsmachine", "fastwebsockets"], &names);
}

criterion_group!(benches, decode);
criterion_main!(benches);
