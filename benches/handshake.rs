//! Server handshake: parse a ~500-byte Chromium request and write the 101
//! response. Side by side: our parser and writer, `httparse` with the same
//! accept computation and a hand-written response, and `tungstenite::accept`
//! over an in-memory stream; the server endpoint (one object from the first
//! byte) with and without reading the request at the decision point; and a
//! floor of reference: a memchr scan for the key, `sha1_smol` and `base64`.
//! Allocations per handshake are counted once and printed before the timings.
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use wsmachine::endpoint::{ServerEndpoint, ServerEvent};
use wsmachine::handshake::server::{self, Accept, Request};
use wsmachine::handshake::{accept_key, EMPTY_HEADER};
use wsmachine::Config;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CHROMIUM: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:8080\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

fn ours(rx: &[u8], tx: &mut [u8; 256]) -> usize {
    let mut headers = [EMPTY_HEADER; 32];
    let Ok(wsmachine::handshake::Status::Complete((req, used))) = Request::parse(rx, &mut headers) else {
        panic!("request rejected")
    };
    let n = server::accept(&req, &Accept::default(), tx).expect("room");
    used + n
}

fn with_httparse(rx: &[u8], tx: &mut [u8; 256]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(used)) = req.parse(rx) else { panic!("request rejected") };
    let key = req.headers.iter().find(|h| h.name.eq_ignore_ascii_case("sec-websocket-key")).expect("key").value;
    let accept = accept_key(key);
    let parts: [&[u8]; 3] = [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
        &accept,
        b"\r\n\r\n",
    ];
    let mut n = 0;
    for p in parts {
        tx[n..n + p.len()].copy_from_slice(p);
        n += p.len();
    }
    used + n
}

/// What the endpoint bench reads at the decision point.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// Nothing: accept at once.
    Nothing,
    /// The path, `Origin` and `Host` (what a router and an Origin check read).
    PathOriginHost,
    /// The whole request parsed again from the head bytes (what reading it
    /// cost before the endpoint kept the field positions).
    ParseAgain,
}

/// A `ServerEndpoint` from the request bytes to the 101 written. The
/// endpoint's `handle_data` takes `&mut [u8]`, so the request is copied
/// into a receive buffer first (in every variant).
fn with_endpoint(rx: &[u8], buf: &mut [u8; 1024], tx: &mut [u8; 256], read: Reads) -> usize {
    let buf = &mut buf[..rx.len()];
    buf.copy_from_slice(rx);
    let mut endpoint = ServerEndpoint::new(Config::default());
    let input = endpoint.handle_data(buf);
    let Some(ServerEvent::Request(req)) = input.event else { panic!("request rejected") };
    let seen = match read {
        Reads::Nothing => 0,
        Reads::PathOriginHost => {
            req.path().len() + req.origin().map_or(0, <[u8]>::len) + req.host().map_or(0, <[u8]>::len)
        }
        Reads::ParseAgain => {
            let mut headers = [EMPTY_HEADER; 64];
            let (again, _) = Request::parse(req.head(), &mut headers).expect("valid").complete().expect("whole");
            again.target.len() + again.origin.map_or(0, <[u8]>::len) + again.host.len()
        }
    };
    black_box(seen);
    input.consumed + req.accept(&Accept::default(), tx).expect("room")
}

/// The floor of reference: find the end of the head and the key with
/// memchr, SHA-1 with `sha1_smol`, base64 with the `base64` crate, write
/// the 101. No validation of anything else.
fn reference(rx: &[u8], tx: &mut [u8; 256]) -> usize {
    use base64::Engine;
    let used = memchr::memmem::find(rx, b"\r\n\r\n").expect("a head") + 4;
    let at = memchr::memmem::find(rx, b"Sec-WebSocket-Key: ").expect("a key") + 19;
    let end = at + memchr::memchr(b'\r', &rx[at..]).expect("a line");
    let mut sha = sha1_smol::Sha1::new();
    sha.update(&rx[at..end]);
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let mut accept = [0u8; 28];
    let _ = base64::engine::general_purpose::STANDARD.encode_slice(sha.digest().bytes(), &mut accept);
    let parts: [&[u8]; 3] = [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
        &accept,
        b"\r\n\r\n",
    ];
    let mut n = 0;
    for p in parts {
        tx[n..n + p.len()].copy_from_slice(p);
        n += p.len();
    }
    used + n
}

/// An in-memory stream: reads from the request, writes into a `Vec`.
struct Memory {
    rx: Cursor<&'static [u8]>,
    tx: Vec<u8>,
}

impl Read for Memory {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.rx.read(buf)
    }
}

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn with_tungstenite(rx: &'static [u8]) -> usize {
    let ws = tungstenite::accept(Memory { rx: Cursor::new(rx), tx: Vec::new() }).expect("accepted");
    ws.get_ref().tx.len()
}

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn handshake(c: &mut Criterion) {
    let mut tx = [0u8; 256];
    let mut rx = [0u8; 1024];
    assert_eq!(ours(CHROMIUM, &mut tx), with_httparse(CHROMIUM, &mut tx));
    assert_eq!(ours(CHROMIUM, &mut tx), reference(CHROMIUM, &mut tx));
    assert_eq!(ours(CHROMIUM, &mut tx), with_endpoint(CHROMIUM, &mut rx, &mut tx, Reads::PathOriginHost));
    eprintln!(
        "request {} bytes; allocations per handshake: wsmachine {}, endpoint {}, httparse {}, tungstenite {}",
        CHROMIUM.len(),
        allocations(|| {
            black_box(ours(CHROMIUM, &mut tx));
        }),
        allocations(|| {
            black_box(with_endpoint(CHROMIUM, &mut rx, &mut tx, Reads::PathOriginHost));
        }),
        allocations(|| {
            black_box(with_httparse(CHROMIUM, &mut tx));
        }),
        allocations(|| {
            black_box(with_tungstenite(CHROMIUM));
        }),
    );

    // The fastest of many short batches: robust to other load on the machine.
    let min_ns = |f: &mut dyn FnMut()| {
        (0..300)
            .map(|_| {
                let t = std::time::Instant::now();
                for _ in 0..200 {
                    f();
                }
                t.elapsed().as_nanos() as f64 / 200.0
            })
            .fold(f64::INFINITY, f64::min)
    };
    // The endpoint rows interleaved, so load on the machine hits them alike.
    let (mut plain, mut read, mut again) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        plain = plain.min(min_ns(&mut || {
            black_box(with_endpoint(black_box(CHROMIUM), &mut rx, &mut tx, Reads::Nothing));
        }));
        read = read.min(min_ns(&mut || {
            black_box(with_endpoint(black_box(CHROMIUM), &mut rx, &mut tx, Reads::PathOriginHost));
        }));
        again = again.min(min_ns(&mut || {
            black_box(with_endpoint(black_box(CHROMIUM), &mut rx, &mut tx, Reads::ParseAgain));
        }));
    }
    let reference_ns = min_ns(&mut || {
        black_box(reference(black_box(CHROMIUM), &mut tx));
    });
    eprintln!(
        "fastest batch, ns per handshake: endpoint {plain:.0}, endpoint reading path+Origin+Host {read:.0} \
         ({:.3}x), endpoint parsing the request again {again:.0} ({:.2}x); reference memchr+sha1_smol+base64 \
         {reference_ns:.0}",
        read / plain,
        again / plain,
    );
    let ours_ns = min_ns(&mut || {
        black_box(ours(black_box(CHROMIUM), &mut tx));
    });
    let httparse_ns = min_ns(&mut || {
        black_box(with_httparse(black_box(CHROMIUM), &mut tx));
    });
    let tungstenite_ns = min_ns(&mut || {
        black_box(with_tungstenite(black_box(CHROMIUM)));
    });
    eprintln!(
        "fastest batch, ns per handshake: wsmachine {ours_ns:.0}, httparse+accept_key {httparse_ns:.0}, \
         tungstenite::accept {tungstenite_ns:.0} ({:.1}x wsmachine)",
        tungstenite_ns / ours_ns
    );

    let mut group = c.benchmark_group("handshake");
    group.bench_function("wsmachine", |b| b.iter(|| ours(black_box(CHROMIUM), &mut tx)));
    group.bench_function("httparse+accept_key", |b| b.iter(|| with_httparse(black_box(CHROMIUM), &mut tx)));
    group.bench_function("tungstenite::accept", |b| b.iter(|| with_tungstenite(black_box(CHROMIUM))));
    group.bench_function("reference memchr+sha1_smol+base64", |b| b.iter(|| reference(black_box(CHROMIUM), &mut tx)));
    for (name, read) in [
        ("endpoint", Reads::Nothing),
        ("endpoint reading path+Origin+Host", Reads::PathOriginHost),
        ("endpoint parsing the request again", Reads::ParseAgain),
    ] {
        group.bench_function(name, |b| b.iter(|| with_endpoint(black_box(CHROMIUM), &mut rx, &mut tx, read)));
    }
    group.finish();
}

criterion_group!(benches, handshake);

fn phases(c: &mut Criterion) {
    use wsmachine::handshake::http::{parse_request_head, HeadScanner};
    let mut group = c.benchmark_group("phase");
    group.bench_function("scan", |b| b.iter(|| HeadScanner::new().find_end(black_box(CHROMIUM), 8192)));
    group.bench_function("parse_head", |b| {
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; 32];
            parse_request_head(black_box(CHROMIUM), &mut headers, 64).map(|h| h.headers.len())
        })
    });
    group.bench_function("check", |b| {
        let mut headers = [EMPTY_HEADER; 32];
        let head = parse_request_head(CHROMIUM, &mut headers, 64).unwrap();
        b.iter(|| Request::check(black_box(head)).map(|r| r.key.len()))
    });
    group.bench_function("accept_key", |b| b.iter(|| accept_key(black_box(b"dGhlIHNhbXBsZSBub25jZQ=="))));
    group.finish();
}

criterion_group!(phase_benches, phases);
criterion_main!(benches, phase_benches);
