//! An echo server on blocking `std::net` driven through [`ServerEndpoint`]:
//! one object from the request to the last frame, fixed buffers, no
//! message assembly (each chunk is echoed as a fragment of the same message).
//! Compare `echo_server.rs`, which drives the handshake and the connection
//! by hand.
//!
//! ```sh
//! cargo run --example endpoint_echo_server -- [127.0.0.1:9002]
//! cargo run --example echo_client -- ws://127.0.0.1:9002/ --send hello
//! ```
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use wsmachine::endpoint::{ServerEndpoint, ServerEvent};
use wsmachine::handshake::server::Accept;
use wsmachine::handshake::Header;
use wsmachine::{Config, Event};

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("endpoint_echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    println!("listening on ws://{addr}/");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(e) = serve(stream) {
                eprintln!("endpoint_echo_server: connection ended: {e}");
            }
        });
    }
}

fn serve(mut stream: TcpStream) -> io::Result<()> {
    let mut rx = vec![0u8; 16 * 1024]; // at least the 8 KiB head limit
    let mut tx = vec![0u8; 16 * 1024 + 16];
    let mut len = 0;
    let mut ep = ServerEndpoint::new(Config::default());
    loop {
        // Input: handle every event in what has arrived, keep the rest.
        let mut off = 0;
        loop {
            let input = ep.handle_data(&mut rx[off..len]);
            off += input.consumed;
            let mut n = 0;
            match input.event {
                Some(ServerEvent::Request(req)) => {
                    let protocol = req.choose_protocol(&["chat"]);
                    n = req.accept(&Accept { protocol, ..Accept::default() }, &mut tx).map_err(io::Error::other)?;
                }
                Some(ServerEvent::NotUpgrade(req)) => {
                    n = req
                        .respond(426, &[Header::new("Upgrade", b"websocket")], b"", &mut tx)
                        .map_err(io::Error::other)?;
                }
                Some(ServerEvent::HandshakeFailed(e)) => eprintln!("endpoint_echo_server: bad request: {e}"),
                Some(ServerEvent::Connection(Event::Data { kind, payload, message_fin, .. })) => {
                    if let Some(conn) = ep.connection_mut() {
                        // Closing already: nothing more to echo.
                        n = conn.send_fragment(kind, payload, message_fin, &mut tx).unwrap_or(0);
                    }
                }
                Some(_) => {}
                None if input.consumed == 0 => break,
                None => {}
            }
            stream.write_all(&tx[..n])?;
            // The drain rule: what the protocol obliges, after every call.
            while let Some(n) = ep.poll_transmit(&mut tx).map_err(io::Error::other)? {
                stream.write_all(&tx[..n])?;
            }
        }
        rx.copy_within(off..len, 0);
        len -= off;
        if ep.transport_should_close() {
            return stream.shutdown(Shutdown::Write);
        }
        let n = stream.read(&mut rx[len..])?;
        if n == 0 {
            ep.handle_eof();
            return Ok(());
        }
        len += n;
    }
}
