//! Encoding frames: a server's unmasked 16-byte frames and a client's
//! masked frames of several sizes, side by side with tungstenite and
//! fastwebsockets in the same run. Every library writes into a reused buffer.
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wsmachine::{Config, Connection};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn server_16b(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_server");
    static PAYLOAD: [u8; 16] = [0x42; 16];
    group.throughput(Throughput::Elements(1));
    let mut conn = Connection::server(Config::default());
    let mut out = vec![0u8; 64];
    group.bench_function("wsmachine/16B", |b| {
        b.iter(|| black_box(conn.send_binary(black_box(&PAYLOAD), &mut out).expect("room")))
    });
    let mut vec = Vec::with_capacity(64);
    group.bench_function("wsmachine_vec/16B", |b| {
        b.iter(|| {
            vec.clear();
            black_box(conn.send_binary_vec(black_box(&PAYLOAD), &mut vec).expect("room"))
        })
    });
    group.bench_function("tungstenite/16B", |b| {
        b.iter(|| {
            vec.clear();
            let frame = tungstenite::protocol::frame::Frame::message(
                tungstenite::Bytes::from_static(black_box(&PAYLOAD)),
                tungstenite::protocol::frame::coding::OpCode::Data(tungstenite::protocol::frame::coding::Data::Binary),
                true,
            );
            frame.format(&mut vec).expect("format");
            black_box(vec.len())
        })
    });
    group.bench_function("fastwebsockets/16B", |b| {
        b.iter(|| {
            vec.clear();
            let mut frame = fastwebsockets::Frame::binary(fastwebsockets::Payload::Borrowed(black_box(&PAYLOAD)));
            black_box(frame.write(&mut vec).len())
        })
    });
    group.finish();
}

fn client_masked(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_client");
    for (name, size) in [("16B", 16usize), ("1KiB", 1024), ("64KiB", 64 * 1024), ("1MiB", 1 << 20)] {
        let payload = vec![0x42u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        let mut conn = Connection::client(Config::default(), || KEY);
        let mut out = vec![0u8; size + 14];
        group.bench_function(BenchmarkId::new("wsmachine", name), |b| {
            b.iter(|| black_box(conn.send_binary(black_box(&payload), &mut out).expect("room")))
        });
        let mut vec = Vec::with_capacity(size + 14);
        group.bench_function(BenchmarkId::new("wsmachine_vec", name), |b| {
            b.iter(|| {
                vec.clear();
                black_box(conn.send_binary_vec(black_box(&payload), &mut vec).expect("room"))
            })
        });
        let bytes = tungstenite::Bytes::from(payload.clone());
        group.bench_function(BenchmarkId::new("tungstenite", name), |b| {
            b.iter(|| {
                vec.clear();
                let mut frame = tungstenite::protocol::frame::Frame::message(
                    bytes.clone(),
                    tungstenite::protocol::frame::coding::OpCode::Data(
                        tungstenite::protocol::frame::coding::Data::Binary,
                    ),
                    true,
                );
                frame.header_mut().mask = Some(KEY);
                frame.format(&mut vec).expect("format");
                black_box(vec.len())
            })
        });
        group.bench_function(BenchmarkId::new("fastwebsockets", name), |b| {
            b.iter(|| {
                vec.clear();
                let mut frame = fastwebsockets::Frame::new(
                    true,
                    fastwebsockets::OpCode::Binary,
                    Some(KEY),
                    fastwebsockets::Payload::Borrowed(black_box(&payload)),
                );
                frame.mask();
                black_box(frame.write(&mut vec).len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, server_16b, client_masked);
criterion_main!(benches);
