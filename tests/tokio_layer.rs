//! The tokio layer over loopback TCP: messages both ways on split halves,
//! the closing handshake, keep-alive.
#![cfg(feature = "tokio")]

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use wsmachine::io::tokio::WebSocket;
use wsmachine::io::{AcceptPolicy, Error};
use wsmachine::url::WsUrl;
use wsmachine::{CloseCode, Config, Message, OwnedTermination, ProtocolError};

/// A predictable mask source: fine for a test, never for a real client.
fn test_mask() -> impl FnMut() -> [u8; 4] + Send + 'static {
    let mut n = 0u32;
    move || {
        n = n.wrapping_add(0x9e37_79b9);
        n.to_le_bytes()
    }
}

async fn echo_server(listener: TcpListener, config: Config) -> Result<OwnedTermination, Error> {
    let (stream, _) = listener.accept().await.unwrap();
    let policy = AcceptPolicy { protocols: &["chat", "superchat"], config, ..AcceptPolicy::default() };
    let (mut reader, writer) = WebSocket::accept(stream, &policy).await?.split();
    loop {
        match reader.read().await {
            Ok(Message::Text(t)) => writer.send_text(t).await?,
            Ok(Message::Binary(b)) => writer.send_binary(b).await?,
            Err(Error::Closed(how)) => return Ok(how),
            Err(e) => return Err(e),
        }
    }
}

async fn client(
    addr: std::net::SocketAddr,
    protocols: &'static [&'static str],
) -> WebSocket<TcpStream, impl FnMut() -> [u8; 4]> {
    let url = format!("ws://{addr}/chat");
    let parsed = WsUrl::parse(&url).unwrap();
    let stream = TcpStream::connect(parsed.socket_addr()).await.unwrap();
    let request = wsmachine::ClientRequest { protocols, ..parsed.request(*b"0123456789abcdef") };
    WebSocket::connect_with(stream, request, Config::default(), test_mask()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_round_trip_and_close_cleanly_rfc6455_7_1_2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(echo_server(listener, Config::default()));
    let mut ws = client(addr, &["superchat"]).await;
    assert_eq!(ws.protocol(), Some("superchat"));
    ws.send_text("hello").await.unwrap();
    assert_eq!(ws.read().await.unwrap(), Message::Text("hello"));
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    ws.send_binary(&big).await.unwrap();
    assert_eq!(ws.read().await.unwrap(), Message::Binary(&big[..]));
    ws.ping(b"p").await.unwrap();
    ws.close(CloseCode::NORMAL, "bye").await.unwrap();
    let ended = server.await.unwrap().unwrap();
    assert!(matches!(ended, OwnedTermination::Clean(ref f) if f.code == CloseCode::NORMAL), "{ended:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_on_another_task_while_reader_reads_rfc6455_5_4() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(echo_server(listener, Config::default()));
    let ws = client(addr, &[]).await;
    let (mut reader, writer) = ws.split();
    let sender = tokio::spawn(async move {
        for i in 0..100 {
            writer.send_text(&format!("m{i}")).await.unwrap();
        }
        writer
    });
    for i in 0..100 {
        assert_eq!(reader.read().await.unwrap(), Message::Text(&format!("m{i}")));
    }
    let writer = sender.await.unwrap();
    writer.close(CloseCode::NORMAL, "").await.unwrap();
    assert!(matches!(reader.read().await, Err(Error::Closed(OwnedTermination::Clean(_)))));
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_fails_a_silent_peer_with_1011_rfc6455_5_5_2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        keepalive_interval: Some(Duration::from_millis(30)),
        pong_timeout: Duration::from_millis(100),
        close_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    // The client never reads, so it never answers the keep-alive Ping.
    let server = tokio::spawn(echo_server(listener, config));
    let ws = client(addr, &[]).await;
    let ended = server.await.unwrap().unwrap();
    assert_eq!(ended, OwnedTermination::Failed(ProtocolError::KeepAliveTimeout));
    drop(ws);
}

#[cfg(all(feature = "deflate", feature = "getrandom"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deflate_round_trip_by_url_rfc7692_7_2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(echo_server(listener, Config::default()));
    let stream = TcpStream::connect(WsUrl::parse(&url).unwrap().socket_addr()).await.unwrap();
    let mut ws = WebSocket::connect(stream, &url, &Default::default()).await.unwrap();
    let text = "compressible ".repeat(20_000);
    ws.send_text(&text).await.unwrap();
    assert_eq!(ws.read().await.unwrap(), Message::Text(&text));
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    server.await.unwrap().unwrap();
}
