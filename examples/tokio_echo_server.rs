//! The echo server on tokio: the state machine needs nothing from the
//! runtime, so the driver is the blocking one with `.await` on each I/O.
//!
//! ```sh
//! cargo run --example tokio_echo_server -- [127.0.0.1:9003]
//! ```
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsmachine::handshake::server::{self, Accept, ServerHandshake};
use wsmachine::handshake::{Status, EMPTY_HEADER};
use wsmachine::{Config, Connection, Message, MessageAssembler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9003".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on ws://{addr}/");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(stream).await {
                eprintln!("tokio_echo_server: {e}");
            }
        });
    }
}

async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    let (mut rx, mut len, mut tx) = (vec![0u8; 64 * 1024], 0, Vec::new());
    let mut handshake = ServerHandshake::default();
    let used = loop {
        let n = stream.read(&mut rx[len..]).await?;
        if n == 0 {
            return Ok(());
        }
        len += n;
        let mut headers = [EMPTY_HEADER; 64];
        match handshake.parse(&rx[..len], &mut headers) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete((req, used))) => {
                server::accept_vec(&req, &Accept::default(), &mut tx).map_err(std::io::Error::other)?;
                break used;
            }
            Err(e) => {
                server::error_response_vec(e, &mut tx);
                return stream.write_all(&tx).await;
            }
        }
    };
    stream.write_all(&tx).await?;
    tx.clear();
    rx.copy_within(used..len, 0);
    len -= used;
    let mut conn = Connection::server(Config::default());
    let mut messages = MessageAssembler::new();
    loop {
        let mut off = 0;
        loop {
            let input = conn.handle_data(&mut rx[off..len]);
            off += input.consumed;
            let Some(event) = input.event else { break };
            match messages.push(&event) {
                Ok(Some(Message::Text(t))) => {
                    let _ = conn.send_text_vec(t, &mut tx);
                }
                Ok(Some(Message::Binary(b))) => {
                    let _ = conn.send_binary_vec(b, &mut tx);
                }
                _ => {}
            }
            conn.poll_transmit_vec(&mut tx);
        }
        rx.copy_within(off..len, 0);
        len -= off;
        stream.write_all(&tx).await?;
        tx.clear();
        if conn.transport_should_close() {
            return stream.shutdown().await;
        }
        let n = stream.read(&mut rx[len..]).await?;
        if n == 0 {
            conn.handle_eof();
            return Ok(());
        }
        len += n;
    }
}
