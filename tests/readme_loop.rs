#![cfg(feature = "std")]
//! The echo loop shown in README.md, compiled and run.
use std::io::{Read, Write};
use wsmachine::{Config, Connection, Message, MessageAssembler};

fn echo(mut socket: impl Read + Write, mut rx: Vec<u8>, mut len: usize) -> std::io::Result<()> {
    let (mut conn, mut messages, mut tx) = (Connection::server(Config::default()), MessageAssembler::new(), Vec::new());
    loop {
        let mut off = 0;
        while let Some(event) = {
            let input = conn.handle_data(&mut rx[off..len]);
            off += input.consumed;
            input.event
        } {
            match messages.push(&event) {
                Ok(Some(Message::Text(t))) => {
                    let _ = conn.send_text_vec(t, &mut tx);
                }
                Ok(Some(Message::Binary(b))) => {
                    let _ = conn.send_binary_vec(b, &mut tx);
                }
                _ => {}
            }
            conn.poll_transmit_vec(&mut tx); // pongs, the close echo, the close after a failure
        }
        rx.copy_within(off..len, 0);
        len -= off;
        socket.write_all(&tx)?;
        tx.clear();
        if conn.transport_should_close() {
            return Ok(());
        }
        let n = socket.read(&mut rx[len..])?;
        if n == 0 {
            conn.handle_eof();
            return Ok(());
        }
        len += n;
    }
}

/// The README's loop, driven over memory: a client's text, binary and Close
/// come back as the echoes and the Close reply (RFC 6455 §5.6, §7.1.2).
#[test]
fn readme_echo_loop_echoes_and_closes() {
    use wsmachine::{CloseCode, Event};
    struct Socket {
        input: std::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }
    impl Read for Socket {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            // Three bytes at a time, to exercise partial frames.
            let n = buf.len().min(3);
            self.input.read(&mut buf[..n])
        }
    }
    impl Write for Socket {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut client = Connection::client(Config::default(), || [9, 8, 7, 6]);
    let mut wire = Vec::new();
    client.send_text_vec("héllo", &mut wire).unwrap();
    client.send_binary_vec(&[1, 2, 3], &mut wire).unwrap();
    client.close_vec(CloseCode::NORMAL, "", &mut wire).unwrap();
    let mut socket = Socket { input: std::io::Cursor::new(wire), output: Vec::new() };
    echo(&mut socket, vec![0; 1024], 0).unwrap();

    let mut back = socket.output;
    let mut seen = Vec::new();
    let mut off = 0;
    while let Some(event) = {
        let input = client.handle_data(&mut back[off..]);
        off += input.consumed;
        input.event
    } {
        seen.push(match event {
            Event::Data { payload, .. } => format!("data {payload:?}"),
            Event::Closed(c) => format!("closed {}", c.code()),
            other => format!("{other:?}"),
        });
    }
    assert_eq!(seen, ["data [104, 195, 169, 108, 108, 111]", "data [1, 2, 3]", "closed 1000"]);
}
