//! In-memory transport: fixed byte queues between the two endpoints, and a
//! receive buffer per side that the bytes move into as room allows (the way
//! a TCP socket's buffer fills a firmware's receive array).

/// A one-way byte queue of fixed capacity.
pub struct Pipe<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Pipe<N> {
    pub const fn new() -> Self {
        Self { buf: [0; N], len: 0 }
    }

    /// Queues `bytes`; false when they do not fit (the test then fails).
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        let Some(room) = self.buf.get_mut(self.len..self.len + bytes.len()) else {
            return false;
        };
        room.copy_from_slice(bytes);
        self.len += bytes.len();
        true
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves as many queued bytes as fit into `rx`; how many moved.
    pub fn deliver<const R: usize>(&mut self, rx: &mut Rx<R>) -> usize {
        let n = self.len.min(R - rx.len);
        rx.buf[rx.len..rx.len + n].copy_from_slice(&self.buf[..n]);
        rx.len += n;
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
        n
    }
}

/// A receive buffer: `buf[..len]` holds bytes not yet consumed.
pub struct Rx<const R: usize> {
    pub buf: [u8; R],
    pub len: usize,
}

impl<const R: usize> Rx<R> {
    pub const fn new() -> Self {
        Self { buf: [0; R], len: 0 }
    }

    /// Drops the first `n` bytes (consumed by the endpoint).
    pub fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
    }
}
