//! An echo server that uses only the no-alloc API with fixed arrays: the
//! shape an embedded user would copy (swap `std::net` for the TCP stack).
//! Messages of any size stream through 4 KiB buffers: every chunk received
//! is sent straight back as a fragment of the echoed message.
//!
//! ```sh
//! cargo run --example fixed_buffers -- [--addr 127.0.0.1:9002]
//! ```
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use wsmachine::handshake::server::{self, Accept, ServerHandshake};
use wsmachine::handshake::{Status, EMPTY_HEADER};
use wsmachine::{Config, Connection, Event};

const RX: usize = 4096;
const TX: usize = RX + 64; // one chunk plus a frame header, or any control frame

fn main() {
    let addr = std::env::args().nth(2).unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr).expect("listen");
    println!("listening on ws://{addr}/");
    for stream in listener.incoming().flatten() {
        let _ = serve(stream);
    }
}

fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    let mut rx = [0u8; RX];
    let mut tx = [0u8; TX];
    let mut len = 0;
    let mut handshake = ServerHandshake::default();
    let used = loop {
        let n = stream.read(&mut rx[len..])?;
        if n == 0 {
            return Ok(());
        }
        len += n;
        let mut headers = [EMPTY_HEADER; 32];
        match handshake.parse(&rx[..len], &mut headers) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete((req, used))) => {
                let n = server::accept(&req, &Accept::default(), &mut tx).expect("101 fits in TX");
                stream.write_all(&tx[..n])?;
                break used;
            }
            Err(e) => {
                let n = server::error_response(e, &mut tx).expect("error response fits in TX");
                return stream.write_all(&tx[..n]);
            }
        }
    };
    rx.copy_within(used..len, 0);
    len -= used;

    let mut conn = Connection::server(Config::default());
    loop {
        let mut off = 0;
        loop {
            let input = conn.handle_data(&mut rx[off..len]);
            off += input.consumed;
            match input.event {
                None => break,
                Some(Event::Data { kind, payload, message_fin, .. }) => {
                    if let Ok(n) = conn.send_fragment(kind, payload, message_fin, &mut tx) {
                        stream.write_all(&tx[..n])?;
                    }
                }
                Some(_) => {}
            }
            while let Ok(Some(n)) = conn.poll_transmit(&mut tx) {
                stream.write_all(&tx[..n])?;
            }
        }
        rx.copy_within(off..len, 0);
        len -= off;
        if conn.transport_should_close() {
            return stream.shutdown(Shutdown::Both);
        }
        let n = stream.read(&mut rx[len..])?;
        if n == 0 {
            conn.handle_eof();
            return Ok(());
        }
        len += n;
    }
}
