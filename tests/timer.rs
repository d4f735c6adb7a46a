//! The optional timers: close-handshake timeout (RFC 6455 §7.1.1) and keep-alive pings (§5.5.2).
use core::time::Duration;
use wsmachine::{CloseCode, Closure, Config, Connection, Event, ProtocolError, Timer, TimerConfig};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn keepalive() -> TimerConfig {
    TimerConfig { keepalive_interval: Some(secs(30)), pong_timeout: secs(10), close_timeout: secs(5) }
}

#[test]
fn client_close_timeout_aborts_when_server_never_closes_rfc6455_7_1_1() {
    let mut client = Connection::client(Config::default(), || [1, 2, 3, 4]);
    let mut timer = Timer::new(TimerConfig::default());
    assert_eq!(timer.update(&mut client, secs(0)), None, "no deadline while open without keep-alive");
    let mut out = [0u8; 64];
    client.close(CloseCode::NORMAL, "", &mut out).unwrap();
    assert_eq!(timer.update(&mut client, secs(1)), Some(secs(11)));
    assert!(!client.transport_should_close());
    assert_eq!(timer.update(&mut client, secs(11)), None);
    assert!(client.transport_should_close());
    assert_eq!(client.closure(), Some(Closure::Abnormal));
}

#[test]
fn keepalive_ping_is_queued_and_missing_pong_fails_with_1011() {
    let mut server = Connection::server(Config::default());
    let mut timer = Timer::new(keepalive());
    assert_eq!(timer.update(&mut server, secs(0)), Some(secs(30)));
    assert_eq!(timer.update(&mut server, secs(30)), Some(secs(40)));
    let mut out = [0u8; 256];
    assert_eq!(server.poll_transmit(&mut out), Ok(Some(2)));
    assert_eq!(&out[..2], [0x89, 0x00], "an empty Ping");
    timer.update(&mut server, secs(40));
    assert!(matches!(server.closure(), Some(Closure::Failed(ProtocolError::KeepAliveTimeout))));
    let n = server.poll_transmit(&mut out).unwrap().unwrap();
    assert_eq!(&out[..n], [0x88, 0x02, 0x03, 0xf3], "Close 1011");
    assert!(server.transport_should_close());
    let mut rest = [0u8; 0];
    assert!(matches!(
        server.handle_data(&mut rest).event,
        Some(Event::Closed(Closure::Failed(ProtocolError::KeepAliveTimeout)))
    ));
}

#[test]
fn keepalive_pong_clears_the_deadline() {
    let mut server = Connection::server(Config::default());
    let mut timer = Timer::new(keepalive());
    timer.update(&mut server, secs(0));
    timer.update(&mut server, secs(30));
    let mut out = [0u8; 256];
    server.poll_transmit(&mut out).unwrap();
    // The client's masked Pong with an empty payload.
    let mut pong = [0x8a, 0x80, 1, 2, 3, 4];
    assert!(matches!(server.handle_data(&mut pong).event, Some(Event::Pong(b""))));
    assert_eq!(timer.update(&mut server, secs(35)), Some(secs(60)), "only the next ping is due");
    assert_eq!(server.closure(), None);
}

#[test]
fn connection_size_stays_small() {
    // The documented figure: a connection is a few hundred bytes, no heap.
    let size = core::mem::size_of::<Connection>();
    assert!(size < 700, "Connection is {size} bytes; update the crate docs");
}
