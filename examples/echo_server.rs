//! The demo: an echo server on blocking `std::net`, a thread per connection.
//!
//! One port serves both: the [`ServerEndpoint`] hands over a request that is
//! not an upgrade (`GET /` answers with the echo test page, other paths 404),
//! and an upgrade request on any path becomes an echo connection
//! (subprotocols `chat` and `superchat`), driven as a [`wsmachine::Connection`]
//! once accepted. Run it and open the printed address:
//!
//! ```sh
//! cargo run --release --features deflate --example echo_server -- [--addr 127.0.0.1:9001] [--max-message-size BYTES] [--no-deflate]
//! ```
//!
//! Built with the `deflate` feature, it accepts permessage-deflate
//! (RFC 7692) when the client offers it, unless `--no-deflate` is given.
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

use wsmachine::endpoint::{ServerEndpoint, ServerEvent};
use wsmachine::handshake::server::Accept;
use wsmachine::handshake::Header;
use wsmachine::{Config, Message, MessageAssembler};

const PAGE: &str = include_str!("echo_page.html");
const PROTOCOLS: [&str; 2] = ["chat", "superchat"];

fn main() {
    let mut addr = String::from("127.0.0.1:9001");
    let mut max_message: u64 = 16 << 20;
    let mut deflate = cfg!(feature = "deflate");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--no-deflate" {
            deflate = false;
            continue;
        }
        match (arg.as_str(), args.next()) {
            ("--addr", Some(v)) => addr = v,
            ("--max-message-size", Some(v)) => max_message = v.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    println!("listening on http://{}/", listener.local_addr().map(|a| a.to_string()).unwrap_or(addr));
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(e) = serve(stream, max_message, deflate) {
                eprintln!("echo_server: connection ended: {e}");
            }
        });
    }
}

fn usage() -> ! {
    eprintln!("usage: echo_server [--addr HOST:PORT] [--max-message-size BYTES] [--no-deflate]");
    std::process::exit(2);
}

/// One client: the opening handshake (or the page), then the echo loop.
fn serve(mut stream: TcpStream, max_message: u64, deflate: bool) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut rx = vec![0u8; 64 * 1024];
    let mut len = 0;
    let mut tx = Vec::with_capacity(64 * 1024);
    let config = Config { max_message_size: max_message, max_frame_payload: max_message, ..Config::default() };
    let mut endpoint = ServerEndpoint::new(config);
    let used = loop {
        let n = stream.read(&mut rx[len..])?;
        if n == 0 {
            return Ok(());
        }
        len += n;
        let input = endpoint.handle_data(&mut rx[..len]);
        let used = input.consumed;
        match input.event {
            None => continue,
            Some(ServerEvent::Request(req)) => {
                // The first of ours that the client offers, in the client's order.
                let protocol = req.protocols().find_map(|p| PROTOCOLS.into_iter().find(|ours| *ours == p));
                let mut ext = [0u8; 128];
                let extensions = if deflate { deflate_response(&req, &mut ext) } else { None };
                req.accept_vec(&Accept { protocol, extensions, ..Accept::default() }, &mut tx)
                    .map_err(io::Error::other)?;
                stream.write_all(&tx)?;
                tx.clear();
                break used;
            }
            Some(ServerEvent::NotUpgrade(req)) => {
                let html = [Header::new("Content-Type", b"text/html; charset=utf-8")];
                let text = [Header::new("Content-Type", b"text/plain; charset=utf-8")];
                let sent = match (req.method(), req.path()) {
                    ("GET", "/") => req.respond_vec(200, &html, PAGE.as_bytes(), &mut tx),
                    ("GET", _) => req.respond_vec(404, &text, b"not found\n", &mut tx),
                    _ => req.respond_vec(405, &text, b"method not allowed\n", &mut tx),
                };
                sent.map_err(io::Error::other)?;
                stream.write_all(&tx)?;
                return linger_close(stream);
            }
            Some(ServerEvent::HandshakeFailed(_)) | Some(ServerEvent::Connection(_)) => {
                endpoint.poll_transmit_vec(&mut tx); // the 400, 426 or 431
                stream.write_all(&tx)?;
                return linger_close(stream);
            }
        }
    };
    // Bytes after the head are the client's first frames.
    rx.copy_within(used..len, 0);
    len -= used;

    let Some(mut conn) = endpoint.into_connection() else { return Ok(()) };
    let mut messages = MessageAssembler::new();
    // Inflated payloads land here when permessage-deflate is in use.
    let mut inflated = vec![0u8; 16 * 1024];
    loop {
        let mut off = 0;
        loop {
            let input = conn.handle_data_into(&mut rx[off..len], &mut inflated);
            off += input.consumed;
            let Some(event) = input.event else { break };
            if let Ok(Some(message)) = messages.push(&event) {
                let sent = match message {
                    Message::Text(text) => conn.send_text_vec(text, &mut tx),
                    Message::Binary(data) => conn.send_binary_vec(data, &mut tx),
                };
                if sent.is_err() {
                    break; // closing: nothing more to echo
                }
            }
            conn.poll_transmit_vec(&mut tx);
            if !tx.is_empty() {
                stream.write_all(&tx)?;
                tx.clear();
            }
        }
        rx.copy_within(off..len, 0);
        len -= off;
        conn.poll_transmit_vec(&mut tx);
        if !tx.is_empty() {
            stream.write_all(&tx)?;
            tx.clear();
        }
        if conn.transport_should_close() {
            return linger_close(stream);
        }
        let n = stream.read(&mut rx[len..])?;
        if n == 0 {
            conn.handle_eof();
            return Ok(());
        }
        len += n;
    }
}

/// The server closes first (RFC 6455 §7.1.1): send FIN, then read until the
/// client's FIN (briefly), so unread input does not turn the close into a reset.
fn linger_close(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}

/// The permessage-deflate response to the first acceptable offer, if any.
#[cfg(feature = "deflate")]
fn deflate_response<'o>(req: &wsmachine::PendingRequest<'_, '_>, out: &'o mut [u8; 128]) -> Option<&'o str> {
    use wsmachine::deflate::DeflateConfig;
    use wsmachine::handshake::extensions::ExtensionWriter;
    let agreement = DeflateConfig::default().accept_offer(req.extensions())?;
    let mut w = ExtensionWriter::new(out);
    agreement.write_response(&mut w);
    let n = w.finish().ok()?;
    std::str::from_utf8(&out[..n]).ok()
}

#[cfg(not(feature = "deflate"))]
fn deflate_response<'o>(_: &wsmachine::PendingRequest<'_, '_>, _: &'o mut [u8; 128]) -> Option<&'o str> {
    None
}
