//! An echo client on blocking `std::net`.
//!
//! ```sh
//! cargo run --features getrandom --example echo_client -- ws://127.0.0.1:9001/ [--protocol NAME]...   # echo until the peer closes
//! cargo run --features getrandom --example echo_client -- ws://127.0.0.1:9001/ --send "hello"         # send one message, print the reply
//! ```
//! Exits 0 after a completed close handshake, non-zero with a one-line reason otherwise.
//! Built with the `deflate` feature it offers permessage-deflate (RFC 7692)
//! unless `--no-deflate` is given.
//! The handshake key and every mask key come from the OS random source
//! (`wsmachine::random`, feature `getrandom`).
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;
use std::time::Duration;

use wsmachine::handshake::client::{ClientRequest, Response};
use wsmachine::handshake::{Status, EMPTY_HEADER};
use wsmachine::random::{handshake_key, OsRandom};
use wsmachine::url::WsUrl;
use wsmachine::{CloseCode, Config, Connection, Event, Message, MessageAssembler, Termination};

fn main() {
    let mut url = None;
    let mut protocols = Vec::new();
    let mut send = None;
    let mut deflate = cfg!(feature = "deflate");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-deflate" => deflate = false,
            "--protocol" => protocols.push(args.next().unwrap_or_else(|| usage())),
            "--send" => send = Some(args.next().unwrap_or_else(|| usage())),
            _ if url.is_none() && !arg.starts_with("--") => url = Some(arg),
            _ => usage(),
        }
    }
    let url = url.unwrap_or_else(|| usage());
    match run(&url, &protocols, send.as_deref(), deflate) {
        Ok(()) => {}
        Err(reason) => {
            eprintln!("echo_client: {reason}");
            exit(1);
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: echo_client ws://HOST[:PORT]/PATH [--protocol NAME]... [--send TEXT] [--no-deflate]");
    exit(2);
}

fn run(url: &str, protocols: &[String], send: Option<&str>, deflate: bool) -> Result<(), String> {
    let url = WsUrl::parse(url).map_err(|e| format!("{e}: {url}"))?;
    let (host, port) = url.socket_addr();
    let mut stream = TcpStream::connect((host, port)).map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mask = OsRandom::new().map_err(|e| e.to_string())?;
    let key = handshake_key().map_err(|e| e.to_string())?;

    let offered: Vec<&str> = protocols.iter().map(String::as_str).collect();
    let mut offer = [0u8; 128];
    let request = ClientRequest {
        protocols: &offered,
        extensions: if deflate { deflate_offer(&mut offer) } else { None },
        ..url.request(key)
    };
    let mut tx = Vec::new();
    request.write_vec(&mut tx);
    stream.write_all(&tx).map_err(|e| e.to_string())?;
    tx.clear();

    let mut rx = vec![0u8; 64 * 1024];
    let mut len = 0;
    let mut handshake = request.handshake();
    let (used, agreement) = loop {
        let n = stream.read(&mut rx[len..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection during the handshake".into());
        }
        len += n;
        let mut headers = [EMPTY_HEADER; 64];
        match handshake.parse_response(&rx[..len], &mut headers) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete((Response::Accepted(negotiated), used))) => {
                break (used, deflate_agreement(&negotiated.extensions())?);
            }
            Ok(Status::Complete((Response::Rejected(r), _))) => {
                return Err(format!("the server refused the upgrade with HTTP {}", r.status))
            }
            Err(e) => return Err(format!("bad handshake response: {e}")),
        }
    };
    rx.copy_within(used..len, 0);
    len -= used;

    let conn = Connection::client(Config::default(), mask);
    let mut conn = with_deflate(conn, agreement);
    let mut messages = MessageAssembler::new();
    // Inflated payloads land here when permessage-deflate is in use.
    let mut inflated = vec![0u8; 16 * 1024];
    if let Some(text) = send {
        conn.send_text_vec(text, &mut tx).map_err(|e| e.to_string())?;
    }
    loop {
        let mut off = 0;
        let mut outcome = None;
        loop {
            let input = conn.handle_data_into(&mut rx[off..len], &mut inflated);
            off += input.consumed;
            let Some(event) = input.event else { break };
            match event {
                Event::Data { .. } => match messages.push(&event) {
                    Ok(Some(Message::Text(text))) if send.is_some() => {
                        println!("{text}");
                        let _ = conn.close_vec(CloseCode::NORMAL, "", &mut tx);
                    }
                    Ok(Some(Message::Text(text))) => {
                        let _ = conn.send_text_vec(text, &mut tx);
                    }
                    Ok(Some(Message::Binary(data))) => {
                        let _ = conn.send_binary_vec(data, &mut tx);
                    }
                    _ => {}
                },
                Event::Closed(closure) => outcome = Some(describe(closure)),
                _ => {}
            }
            conn.poll_transmit_vec(&mut tx);
        }
        rx.copy_within(off..len, 0);
        len -= off;
        conn.poll_transmit_vec(&mut tx);
        if !tx.is_empty() {
            stream.write_all(&tx).map_err(|e| e.to_string())?;
            tx.clear();
        }
        if conn.state() == wsmachine::State::Closed {
            // The server closes the TCP connection first; wait for it, a little.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        }
        if conn.transport_should_close() {
            let _ = stream.shutdown(Shutdown::Both);
            return outcome.unwrap_or_else(|| conn.termination().map_or(Ok(()), describe));
        }
        let n = match stream.read(&mut rx[len..]) {
            Ok(n) => n,
            Err(_) if conn.state() == wsmachine::State::Closed => 0, // the close timeout passed: close it ourselves
            Err(e) => return Err(e.to_string()),
        };
        if n == 0 {
            let last = conn.handle_eof().and_then(|e| match e {
                Event::Closed(c) => Some(describe(c)),
                _ => None,
            });
            return outcome.or(last).unwrap_or_else(|| conn.termination().map_or(Ok(()), describe));
        }
        len += n;
    }
}

fn describe(how: Termination<'_>) -> Result<(), String> {
    match how {
        Termination::Clean(_) => Ok(()),
        Termination::Failed(e) => Err(format!("protocol error from the server: {e} (sent close {})", e.close_code())),
        Termination::Abnormal => Err("the connection ended without a close handshake (1006)".into()),
        Termination::TimedOut => Err("the close handshake timed out (1006)".into()),
    }
}

#[cfg(feature = "deflate")]
type Agreement = Option<wsmachine::deflate::DeflateAgreement>;
#[cfg(not(feature = "deflate"))]
type Agreement = Option<()>;

/// The permessage-deflate offers, as a `Sec-WebSocket-Extensions` value:
/// the default first, then one that also says we reset our own context
/// after every message (`client_no_context_takeover`), for servers that
/// want that (RFC 7692 §5 lets a client offer several, in order of preference).
#[cfg(feature = "deflate")]
fn deflate_offer(out: &mut [u8; 128]) -> Option<&str> {
    use wsmachine::deflate::DeflateConfig;
    use wsmachine::handshake::extensions::ExtensionWriter;
    let mut w = ExtensionWriter::new(out);
    DeflateConfig::default().write_offer(&mut w);
    DeflateConfig { send_no_context_takeover: true, ..DeflateConfig::default() }.write_offer(&mut w);
    let n = w.finish().ok()?;
    std::str::from_utf8(&out[..n]).ok()
}

/// What the server agreed, checked against our offer (RFC 7692 §7.1).
#[cfg(feature = "deflate")]
fn deflate_agreement(response: &wsmachine::handshake::extensions::Extensions<'_>) -> Result<Agreement, String> {
    let config = wsmachine::deflate::DeflateConfig::default();
    config.check_response(response.clone()).map_err(|e| format!("bad permessage-deflate response: {e}"))
}

#[cfg(feature = "deflate")]
fn with_deflate<M: wsmachine::MaskSource>(conn: Connection<M>, agreement: Agreement) -> Connection<M> {
    match agreement {
        Some(a) => conn.with_deflate(a, wsmachine::deflate::DeflateConfig::default()),
        None => conn,
    }
}

#[cfg(not(feature = "deflate"))]
fn deflate_offer(_: &mut [u8; 128]) -> Option<&str> {
    None
}

#[cfg(not(feature = "deflate"))]
fn deflate_agreement(response: &wsmachine::handshake::extensions::Extensions<'_>) -> Result<Agreement, String> {
    match response.clone().next() {
        None => Ok(None),
        Some(e) => Err(format!("the server agreed to {} without an offer", e.name)),
    }
}

#[cfg(not(feature = "deflate"))]
fn with_deflate<M: wsmachine::MaskSource>(conn: Connection<M>, _: Agreement) -> Connection<M> {
    conn
}
