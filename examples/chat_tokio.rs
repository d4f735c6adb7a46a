//! A broadcast chat server on the tokio layer: every text message a client
//! sends goes to every connected client. Subprotocols `chat` and `superchat`.
//!
//! ```sh
//! cargo run --features tokio --example chat_tokio -- [127.0.0.1:9002]
//! ```
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use wsmachine::io::tokio::WebSocket;
use wsmachine::io::{AcceptPolicy, Error};
use wsmachine::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("chat on ws://{}/", listener.local_addr()?);
    let (hub, _) = broadcast::channel::<String>(256);
    loop {
        let (stream, peer) = listener.accept().await?;
        let hub = hub.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(stream, hub).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn serve(stream: TcpStream, hub: broadcast::Sender<String>) -> Result<(), Error> {
    let policy = AcceptPolicy { protocols: &["chat", "superchat"], ..AcceptPolicy::default() };
    let ws = WebSocket::accept(stream, &policy).await?;
    let (mut reader, writer) = ws.split();
    let mut inbox = hub.subscribe();
    // Messages from the others go out on their own task; a client too slow
    // to keep up misses messages (the channel is bounded) instead of growing memory.
    let forward = tokio::spawn(async move {
        loop {
            match inbox.recv().await {
                Ok(text) => {
                    if writer.send_text(&text).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let ended = loop {
        match reader.read().await {
            Ok(Message::Text(text)) => {
                let _ = hub.send(text.to_owned());
            }
            Ok(Message::Binary(_)) => {}
            Err(Error::Closed(_)) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    forward.abort();
    ended
}
