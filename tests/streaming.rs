//! Large messages as a stream of chunks through a small input buffer, and
//! the size limits enforced before a payload is read (checklist §3, §5;
//! RFC 6455 §5.4, §10.4).
mod common;
use common::*;
use wsmachine::{Config, Connection, Event, MaskSource, MessageKind, ProtocolError};

const INPUT: usize = 4096;

/// A byte source for a long message: byte `i` is `block[i % block.len()]`.
struct Pattern {
    block: Vec<u8>,
}

impl Pattern {
    /// `len` bytes starting at message offset `at`.
    fn fill(&self, at: usize, out: &mut Vec<u8>, len: usize) {
        out.clear();
        let mut pos = at % self.block.len();
        while out.len() < len {
            let take = (len - out.len()).min(self.block.len() - pos);
            out.extend_from_slice(&self.block[pos..pos + take]);
            pos = 0;
        }
    }

    /// Checks `chunk` equals the message bytes at offset `at`.
    fn matches(&self, at: usize, chunk: &[u8]) -> bool {
        let mut pos = at % self.block.len();
        let mut rest = chunk;
        while !rest.is_empty() {
            let take = rest.len().min(self.block.len() - pos);
            if rest[..take] != self.block[pos..pos + take] {
                return false;
            }
            rest = &rest[take..];
            pos = 0;
        }
        true
    }
}

/// Reads `wire` into a fixed 4 KiB buffer the way a socket loop would and
/// hands the data chunks to `on_data`; checks the connection never holds
/// more than its bound. Returns the other events.
fn stream_through_4k<M: MaskSource>(
    conn: &mut Connection<M>,
    wire: &[u8],
    pending: &mut ([u8; INPUT], usize),
    on_data: &mut dyn FnMut(MessageKind, &[u8], bool),
) -> Vec<Ev> {
    let mut others = Vec::new();
    let mut src = wire;
    let (buf, filled) = pending;
    loop {
        let take = src.len().min(INPUT - *filled);
        buf[*filled..*filled + take].copy_from_slice(&src[..take]);
        *filled += take;
        src = &src[take..];
        let mut off = 0;
        loop {
            let input = conn.handle_data(&mut buf[off..*filled]);
            off += input.consumed;
            match input.event {
                Some(Event::Data { kind, payload, message_fin, .. }) => on_data(kind, payload, message_fin),
                Some(e) => others.push(own(&e)),
                None => {
                    if input.consumed == 0 {
                        break;
                    }
                }
            }
            assert!(conn.buffered() <= BUFFERED_BOUND, "buffered() = {}", conn.buffered());
        }
        buf.copy_within(off..*filled, 0);
        *filled -= off;
        if src.is_empty() {
            return others;
        }
    }
}

fn stream_large_message(kind: MessageKind, total: usize, piece: usize, block: Vec<u8>) {
    let pattern = Pattern { block };
    let mut client = Connection::client(Config::default(), TestMask::new());
    let mut server = Connection::server(Config { max_message_size: 128 << 20, ..Config::default() });
    let mut pending = ([0u8; INPUT], 0);
    let mut plain = Vec::with_capacity(piece);
    let mut wire = vec![0u8; piece + 14];
    let mut received = 0usize;
    let mut finished = false;
    let mut sent = 0;
    while sent < total {
        let len = piece.min(total - sent);
        pattern.fill(sent, &mut plain, len);
        let fin = sent + len == total;
        let n = client.send_fragment(kind, &plain, fin, &mut wire).unwrap();
        sent += len;
        let others = stream_through_4k(&mut server, &wire[..n], &mut pending, &mut |k, chunk, message_fin| {
            assert_eq!(k, kind);
            assert!(!finished, "data after the end of the message");
            assert!(chunk.len() <= INPUT);
            assert!(pattern.matches(received, chunk), "bytes differ at offset {received}");
            received += chunk.len();
            finished = message_fin;
        });
        assert!(others.is_empty(), "{others:?}");
    }
    assert!(finished);
    assert_eq!(received, total);
    assert!(!server.wants_transmit());
}

#[test]
fn server_receives_64_mib_binary_through_4_kib_buffer_rfc6455_5_4() {
    let mut rng = Rng::new(64);
    // An odd block length so chunk boundaries and the pattern drift apart.
    let block = rng.bytes((1 << 20) + 7);
    stream_large_message(MessageKind::Binary, 64 << 20, (1 << 20) + 3, block);
}

#[test]
fn server_receives_16_mib_text_through_4_kib_buffer_utf8_carried_rfc6455_8_1() {
    // Characters of 1-4 bytes, cut anywhere by frames and by the 4 KiB reads;
    // the pattern block holds whole characters so its repetition stays valid.
    let block = Rng::new(16).text(100_003).into_bytes();
    let total = block.len() * 167; // about 16 MiB, whole blocks
    stream_large_message(MessageKind::Text, total, 99_991, block);
}

#[test]
fn server_receives_frame_one_byte_over_default_limit_fails_1009_before_payload_rfc6455_10_4() {
    let limit = Config::default().max_frame_payload;
    assert_eq!(limit, 16 << 20);
    // At the limit: accepted, waiting for the payload.
    let mut conn = Connection::server(Config::default());
    let fed = feed_all(&mut conn, &header(FIN | BINARY, limit, Some(KEY)));
    assert!(fed.events.is_empty() && fed.replies.is_empty());
    // One over: failed on the header alone.
    let mut conn = Connection::server(Config::default());
    let fed = feed_all(&mut conn, &header(FIN | BINARY, limit + 1, Some(KEY)));
    assert_failed(&fed, ProtocolError::FrameTooLarge, &[0x88, 0x02, 0x03, 0xf1]);
    // The same for a client.
    let mut conn = Connection::client(Config::default(), TestMask::new());
    let fed = feed_all(&mut conn, &header(FIN | TEXT, limit + 1, None));
    assert_failed(&fed, ProtocolError::FrameTooLarge, &client_close(1009, TestMask::key(0)));
}

/// Feeds `len` zero payload bytes (masked with the all-zero key they stay
/// zero) in 1 MiB pieces; returns the data bytes delivered.
fn feed_zeros(conn: &mut Connection, mut len: usize, zeros: &mut [u8]) -> usize {
    let mut delivered = 0;
    while len > 0 {
        let n = len.min(zeros.len());
        let mut off = 0;
        while off < n {
            let input = conn.handle_data(&mut zeros[off..n]);
            off += input.consumed;
            match input.event {
                Some(Event::Data { payload, .. }) => delivered += payload.len(),
                Some(other) => panic!("{:?}", own(&other)),
                None => assert!(input.consumed > 0 || off == n),
            }
        }
        len -= n;
    }
    delivered
}

#[test]
fn server_receives_message_one_byte_over_default_limit_over_several_frames_fails_1009_rfc6455_10_4() {
    let frame_limit = Config::default().max_frame_payload as usize;
    let message_limit = Config::default().max_message_size as usize;
    assert_eq!(message_limit, 4 * frame_limit);
    let zero_key = Some([0u8; 4]);
    let mut zeros = vec![0u8; 1 << 20];
    let mut conn = Connection::server(Config::default());
    // Three full frames and one a byte short: 64 MiB - 1.
    let mut total = 0;
    for (i, len) in [frame_limit, frame_limit, frame_limit, frame_limit - 1].into_iter().enumerate() {
        let op = if i == 0 { BINARY } else { CONT };
        let fed = feed_all(&mut conn, &header(op, len as u64, zero_key));
        assert!(fed.events.is_empty());
        total += feed_zeros(&mut conn, len, &mut zeros);
    }
    assert_eq!(total, message_limit - 1);
    // One more byte reaches the limit exactly: allowed.
    let fed = feed_all(&mut conn, &cat(&[header(CONT, 1, zero_key), vec![0]]));
    assert_eq!(fed.events, [data(MessageKind::Binary, &[0], true, false)]);
    // A final frame of one byte crosses it: failed on its header, payload never read.
    let fed = feed_all(&mut conn, &header(FIN | CONT, 1, zero_key));
    assert_failed(&fed, ProtocolError::MessageTooLarge, &[0x88, 0x02, 0x03, 0xf1]);
    assert_eq!(fed.events.len(), 1);
}

#[test]
fn server_buffered_counts_partial_header_control_payload_and_utf8_carry_rfc6455_5_2() {
    // Exact accounting at the worst points: the bound 14 + 125 + 3 is never reached
    // because a header and a control payload are never held at the same time.
    let mut conn = Connection::server(Config::default());
    let head = header(FIN | BINARY, 70_000, Some(KEY)); // 14 bytes: 2 + 8 + 4
    assert_eq!(head.len(), 14);
    let fed = feed_all(&mut conn, &head[..13]);
    assert!(fed.events.is_empty());
    assert_eq!(conn.buffered(), 13, "a partial header is held");
    let _ = feed_all(&mut conn, &head[13..]);
    assert_eq!(conn.buffered(), 0, "a data payload is never held");

    let mut conn = Connection::server(Config::default());
    // A text fragment ending with 3 bytes of a 4-byte character, then a Ping of 125 bytes cut short.
    let fed = feed_all(&mut conn, &cframe(TEXT, b"a\xf0\x9f\x98"));
    assert_eq!(fed.events.len(), 1);
    assert_eq!(conn.buffered(), 3, "the unfinished character is carried");
    let ping = cframe(FIN | PING, &[b'p'; 125]);
    let _ = feed_all(&mut conn, &ping[..ping.len() - 1]);
    assert_eq!(conn.buffered(), 124 + 3);
    let fed = feed_all(&mut conn, &ping[ping.len() - 1..]);
    assert_eq!(fed.events, [Ev::Ping(vec![b'p'; 125])]);
    assert_eq!(conn.buffered(), 3);
    let fed = feed_all(&mut conn, &cframe(FIN | CONT, b"\x80"));
    assert_eq!(fed.events, [data(MessageKind::Text, b"\x80", true, true)]);
    assert_eq!(conn.buffered(), 0);
}

#[test]
fn server_control_frames_do_not_count_toward_the_message_limit_rfc6455_5_5() {
    let mut conn = Connection::server(Config { max_message_size: 10, ..Config::default() });
    let wire = cat(&[
        cframe(BINARY, &[1; 5]),
        cframe(FIN | PING, &[0; 100]),
        cframe(FIN | PONG, &[0; 100]),
        cframe(FIN | CONT, &[2; 5]),
    ]);
    let fed = feed_all(&mut conn, &wire);
    let mut want = vec![1u8; 5];
    want.extend_from_slice(&[2; 5]);
    assert_eq!(
        fed.merged(),
        [Ev::Ping(vec![0; 100]), Ev::Pong(vec![0; 100]), data(MessageKind::Binary, &want, true, true)]
    );
}
