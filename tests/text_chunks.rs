//! Streamed text as `&str` (RFC 6455 §5.6, §8.1): a text message split at
//! any byte, even inside a character, reads back as whole `&str` pieces.
use wsmachine::{Config, Connection, Event, MessageKind, TextChunks};

const TEXT: &str = "aé€𝄞z — ünïcødé ✓ 日本語 𐍈";

/// Reads `chunks` through a `TextChunks`, concatenating every piece; checks
/// that no piece is ever more than one character late.
fn read(chunks: &[&[u8]]) -> String {
    let mut reader = TextChunks::new();
    let mut got = String::new();
    let mut fed = 0;
    for chunk in chunks {
        fed += chunk.len();
        let piece = reader.push(chunk).unwrap();
        assert!(piece.carried.chars().count() <= 1);
        got.push_str(piece.carried);
        got.push_str(piece.text);
        assert!(fed - got.len() <= 3, "at most 3 bytes of one character are held back");
    }
    reader.finish().unwrap();
    got
}

#[test]
fn text_split_at_every_byte_reads_back_as_str_rfc6455_5_6() {
    let bytes = TEXT.as_bytes();
    for i in 0..=bytes.len() {
        for j in i..=bytes.len() {
            assert_eq!(read(&[&bytes[..i], &bytes[i..j], &bytes[j..]]), TEXT, "split at {i}, {j}");
        }
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(read(&singles), TEXT, "one byte at a time");
}

#[test]
fn text_chunks_refuse_invalid_and_unfinished_text_rfc6455_8_1() {
    let mut reader = TextChunks::new();
    assert!(reader.push(b"ok\xff").is_err(), "a byte that can never be UTF-8");
    let mut reader = TextChunks::new();
    assert_eq!(reader.push(b"\xe2\x82").map(|p| (p.carried, p.text)), Ok(("", "")));
    assert!(reader.finish().is_err(), "the message ended inside a character");
    // finish() readies it for the next message.
    assert_eq!(reader.push(b"next").map(|p| p.text), Ok("next"));
}

#[test]
fn text_chunks_over_a_connection_with_characters_split_across_frames_rfc6455_5_4() {
    // A client sends the text in fragments of 1 to 5 bytes, splitting characters.
    let bytes = TEXT.as_bytes();
    for size in 1..=5 {
        let mut client = Connection::client(Config::DEFAULT, || [1, 2, 3, 4]);
        let mut server = Connection::server(Config::DEFAULT);
        let mut wire = vec![0u8; bytes.len() * 8 + 64];
        let mut n = 0;
        let pieces: Vec<&[u8]> = bytes.chunks(size).collect();
        for (i, piece) in pieces.iter().enumerate() {
            n += client.send_fragment(MessageKind::Text, piece, i + 1 == pieces.len(), &mut wire[n..]).unwrap();
        }
        let (mut off, mut reader, mut got) = (0, TextChunks::new(), String::new());
        while let Some(event) = {
            let handled = server.handle_data(&mut wire[off..n]);
            off += handled.consumed;
            handled.event
        } {
            let Event::Data { kind: MessageKind::Text, payload, message_fin, .. } = event else { panic!("{event:?}") };
            let piece = reader.push(payload).unwrap();
            got.push_str(piece.carried);
            got.push_str(piece.text);
            if message_fin {
                reader.finish().unwrap();
            }
        }
        assert_eq!(got, TEXT, "fragments of {size}");
    }
}
