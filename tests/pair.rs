//! A client and a server talking through memory with random messages,
//! random fragmentation, interleaved pings and random chunkings of the byte
//! stream (RFC 6455 §5.4-§5.6, §7). The `Pair` harness checks each side
//! receives exactly what the other sent, in order.
mod common;
use common::*;
use wsmachine::{CloseCode, Config, MessageKind, UsageError};

fn random_config(rng: &mut Rng) -> Config {
    let max_outgoing_frame = match rng.range(0, 3) {
        0 => usize::MAX,
        1 => rng.range(1, 16),
        2 => rng.range(17, 4096),
        _ => rng.range(4097, 300_000),
    };
    Config { max_outgoing_frame, ..Config::default() }
}

fn random_payload(rng: &mut Rng, size: usize) -> (MessageKind, Vec<u8>) {
    if rng.chance(1, 2) {
        (MessageKind::Text, rng.text(size).into_bytes())
    } else {
        (MessageKind::Binary, rng.bytes(size))
    }
}

/// Mostly small sizes, some medium.
fn random_size(rng: &mut Rng) -> usize {
    match rng.range(0, 99) {
        0..=69 => rng.range(0, 40),
        70..=94 => rng.range(41, 1000),
        95..=98 => rng.range(1001, 70_000),
        _ => rng.range(70_001, 200_000),
    }
}

/// One random step: a message (whole or in pieces, with pings between the
/// pieces), a ping, or a delivery of some bytes.
fn random_step(p: &mut Pair, size: usize) {
    let side = if p.rng.chance(1, 2) { Side::Client } else { Side::Server };
    match p.rng.range(0, 9) {
        0..=3 => {
            let (kind, data) = random_payload(&mut p.rng, size);
            p.send(side, kind, &data).unwrap();
        }
        4..=6 => {
            let (kind, data) = random_payload(&mut p.rng, size);
            let pieces = p.rng.range(1, 6);
            let mut start = 0;
            for i in 0..pieces {
                let end = if i + 1 == pieces { data.len() } else { p.rng.range(start, data.len()) };
                p.send_fragment(side, kind, &data[start..end], i + 1 == pieces).unwrap();
                start = end;
                if p.rng.chance(1, 3) {
                    let len = p.rng.range(0, 125).min(p.rng.range(0, 125));
                    let payload = p.rng.bytes(len);
                    p.ping(side, &payload).unwrap();
                }
                if p.rng.chance(1, 3) {
                    let max = p.max_chunk;
                    p.deliver(side, max);
                }
            }
        }
        7 => {
            let len = p.rng.range(0, 125);
            let payload = p.rng.bytes(len);
            p.ping(side, &payload).unwrap();
        }
        _ => {
            let max = p.max_chunk;
            let n = p.rng.range(1, 4);
            for _ in 0..n {
                p.deliver(side, max);
            }
        }
    }
}

/// Closes from `from` with `code` and `reason`, delivers everything, and
/// checks both ends closed cleanly with the right codes (RFC 6455 §7.1.2-§7.1.5).
fn close_and_check(p: &mut Pair, from: Side, code: u16, reason: &str) {
    p.close(from, CloseCode(code), reason).unwrap();
    p.run();
    p.assert_all_received();
    let (initiator, responder) = match from {
        Side::Client => (&p.cbook, &p.sbook),
        Side::Server => (&p.sbook, &p.cbook),
    };
    assert_eq!(responder.close_event, Some((code, reason.to_string())), "the peer saw our Close");
    assert_eq!(responder.closed, Some(End::Clean(code, reason.to_string())));
    assert_eq!(initiator.close_event, None);
    assert_eq!(initiator.closed, Some(End::Clean(code, String::new())), "the echo carries our code");
    // The server closes the transport; the client waits for it (§7.1.1).
    assert!(p.server.transport_should_close());
    assert!(!p.client.transport_should_close());
    assert_eq!(p.client.handle_eof(), None, "Closed was reported already");
    assert!(p.client.transport_should_close());
    // Nothing more may be sent by either side.
    let mut out = [0u8; 256];
    assert_eq!(p.client.send_text("x", &mut out), Err(UsageError::Closed));
    assert_eq!(p.server.send_binary(b"x", &mut out), Err(UsageError::Closed));
}

fn run_random(seed: u64, messages: usize, max_chunk: usize) -> Pair {
    let mut rng = Rng::new(seed);
    let (cc, sc) = (random_config(&mut rng), random_config(&mut rng));
    let mut p = Pair::new(seed, cc, sc);
    p.max_chunk = max_chunk;
    for _ in 0..messages {
        let size = random_size(&mut p.rng);
        random_step(&mut p, size);
    }
    p.run();
    p.assert_all_received();
    p
}

#[test]
fn pair_thousands_of_random_messages_both_directions_rfc6455_5_6() {
    let mut total = 0;
    for seed in 1..=8u64 {
        let chunk = [7usize, 64, 1500, 65536][seed as usize % 4];
        let mut p = run_random(seed, 600, chunk);
        total += p.cbook.messages_received + p.sbook.messages_received;
        assert!(p.cbook.controls_received > 0 && p.sbook.controls_received > 0, "pings and pongs went both ways");
        let from = if seed % 2 == 0 { Side::Client } else { Side::Server };
        close_and_check(&mut p, from, [1000u16, 1001, 3000, 4999][seed as usize % 4], "seed done");
    }
    assert!(total >= 2000, "only {total} messages");
}

#[test]
fn pair_one_byte_at_a_time_rfc6455_5_4() {
    for seed in 100..104u64 {
        let mut p = run_random(seed, 150, 1);
        assert!(p.cbook.messages_received + p.sbook.messages_received > 30);
        close_and_check(&mut p, Side::Client, 1000, "");
    }
}

#[test]
fn pair_large_messages_up_to_1_mib_rfc6455_5_6() {
    let mut p = Pair::new(7, Config { max_outgoing_frame: 100_000, ..Config::default() }, Config::default());
    p.max_chunk = 70_000;
    let sizes = [1 << 20, (1 << 20) - 1, 700_001, 65536, 0];
    for (i, size) in sizes.into_iter().enumerate() {
        let side = if i % 2 == 0 { Side::Client } else { Side::Server };
        let (kind, data) = random_payload(&mut p.rng, size);
        p.send(side, kind, &data).unwrap();
        p.ping(side.other(), b"between").unwrap();
        // A large message in pieces, too, with interleaved pings.
        let (kind, data) = random_payload(&mut p.rng, size);
        let cuts = [size / 3, size / 2, size / 2 + 1];
        p.send_in_pieces(side, kind, &data, &cuts);
    }
    p.run();
    p.assert_all_received();
    assert_eq!(p.cbook.messages_received + p.sbook.messages_received, 2 * sizes.len());
    close_and_check(&mut p, Side::Server, 1001, "going away");
}

#[test]
fn pair_text_cut_inside_characters_across_fragments_rfc6455_5_6() {
    let mut p = Pair::new(11, Config::default(), Config::default());
    p.max_chunk = 3;
    let text = "a€😀ß中b".as_bytes();
    for cut in 0..=text.len() {
        for side in [Side::Client, Side::Server] {
            p.send_in_pieces(side, MessageKind::Text, text, &[cut, cut]);
        }
    }
    p.run();
    p.assert_all_received();
    assert_eq!(p.cbook.messages_received, text.len() + 1);
    close_and_check(&mut p, Side::Client, 1000, "ok");
}

#[test]
fn pair_data_in_flight_when_close_starts_is_still_delivered_rfc6455_7_1_2() {
    for from in [Side::Client, Side::Server] {
        let mut p = Pair::new(3, Config::default(), Config::default());
        p.send(from, MessageKind::Text, "before close".as_bytes()).unwrap();
        p.close(from, CloseCode::NORMAL, "done").unwrap();
        // The peer has not seen the Close yet: its data is still delivered to us.
        p.send(from.other(), MessageKind::Binary, &[1, 2, 3]).unwrap();
        p.ping(from.other(), b"late ping").unwrap();
        assert_eq!(p.send(from, MessageKind::Text, b"after"), Err(UsageError::Closed));
        p.run();
        p.assert_all_received();
        let (me, peer) = match from {
            Side::Client => (&p.cbook, &p.sbook),
            Side::Server => (&p.sbook, &p.cbook),
        };
        assert_eq!(me.messages_received, 1);
        assert_eq!(peer.messages_received, 1);
        assert_eq!(me.closed, Some(End::Clean(1000, String::new())));
        assert_eq!(peer.closed, Some(End::Clean(1000, "done".into())));
    }
}

#[test]
fn pair_simultaneous_close_both_clean_rfc6455_7_1_3() {
    let mut p = Pair::new(5, Config::default(), Config::default());
    p.close(Side::Client, CloseCode(4001), "client").unwrap();
    p.close(Side::Server, CloseCode(4002), "server").unwrap();
    p.run();
    p.assert_all_received();
    // Each side reports the other's Close; neither saw a Close event needing an echo.
    assert_eq!(p.cbook.closed, Some(End::Clean(4002, "server".into())));
    assert_eq!(p.sbook.closed, Some(End::Clean(4001, "client".into())));
    assert_eq!(p.cbook.close_event, None);
    assert_eq!(p.sbook.close_event, None);
    assert!(p.server.transport_should_close());
}

#[test]
fn pair_auto_pong_off_pings_surface_without_pongs_rfc6455_5_5_2() {
    let off = Config { auto_pong: false, ..Config::default() };
    let mut p = Pair::new(9, Config::default(), off);
    for i in 0..20u8 {
        p.ping(Side::Client, &[i]).unwrap();
        p.send(Side::Client, MessageKind::Binary, &[i; 3]).unwrap();
        p.ping(Side::Server, &[i, i]).unwrap();
    }
    p.run();
    // The harness logs a Pong only for the side with auto-pong on, so this also
    // checks the server sent none: an unexpected Pong would not match the log.
    p.assert_all_received();
    assert_eq!(p.sbook.controls_received, 40, "the server saw 20 pings and 20 pongs");
    assert_eq!(p.cbook.controls_received, 20, "the client saw 20 pings and no pongs");
    close_and_check(&mut p, Side::Server, 1000, "");
}
