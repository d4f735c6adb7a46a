//! Shared bench inputs and in-memory streams for the peer libraries.
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use wsmachine::{frame::FrameHeader, frame::Opcode, mask::apply_mask};

/// `count` binary frames of `size` bytes each, masked with a fixed key when `masked`.
pub fn frames(count: usize, size: usize, masked: bool) -> Vec<u8> {
    let mut wire = Vec::with_capacity(count * (size + 14));
    for i in 0..count {
        let key = [i as u8, 0x5a, 0xa5, 0x3c];
        let header = FrameHeader { mask: masked.then_some(key), ..FrameHeader::new(Opcode::Binary, size as u64) };
        let mut head = [0u8; 14];
        let n = header.encode(&mut head);
        wire.extend_from_slice(&head[..n]);
        let start = wire.len();
        wire.extend((0..size).map(|j| (j * 7 + i) as u8));
        if masked {
            apply_mask(&mut wire[start..], key, 0);
        }
    }
    wire
}

/// A blocking stream that reads from memory and discards what is written.
pub struct MemStream(pub Cursor<Vec<u8>>);

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The same for tokio.
pub struct AsyncMemStream(pub Cursor<Vec<u8>>);

impl tokio::io::AsyncRead for AsyncMemStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for AsyncMemStream {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// When this process started: estimates older than it are from an earlier run.
static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// Call before the first benchmark so that [`print_ratios`] ignores older results.
pub fn start_clock() {
    STARTED.get_or_init(std::time::SystemTime::now);
}

/// Criterion's mean time per iteration (ns) for `group/function/parameter`,
/// if it was measured by this process.
pub fn mean_ns(group: &str, function: &str, parameter: &str) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/<bench>: criterion writes under target/criterion.
    let target = exe.parent()?.parent()?.parent()?;
    let path = target.join("criterion").join(group).join(function).join(parameter).join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < *STARTED.get()? {
        return None;
    }
    let json = std::fs::read_to_string(path).ok()?;
    let mean = &json[json.find("\"mean\"")?..];
    let value = &mean[mean.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    value[..value.find([',', '}'])?].trim().parse().ok()
}

/// Prints, for every parameter, each function's speed as a multiple of
/// `baseline`'s (above 1 = faster), from this run's estimates.
pub fn print_ratios(group: &str, baseline: &str, functions: &[&str], parameters: &[&str]) {
    eprintln!("\n{group}: speed relative to {baseline} (same run; >1 is faster)");
    for parameter in parameters {
        let Some(base) = mean_ns(group, baseline, parameter) else { continue };
        let mut line = format!("  {parameter:>8}:");
        for function in functions {
            if let Some(t) = mean_ns(group, function, parameter) {
                line.push_str(&format!("  {function} {:.2}x", base / t));
            }
        }
        eprintln!("{line}");
    }
}
