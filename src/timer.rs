//! Optional timers: the close-handshake timeout and keep-alive pings,
//! driven only by the `now` the caller passes (any monotonic clock, as a
//! `Duration` since an origin of the caller's choosing).

use core::time::Duration;

use crate::connection::Connection;
use crate::error::ProtocolError;
use crate::mask::MaskSource;

/// Timer settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// How long to wait, once closing has begun, for the close handshake
    /// and the transport to end before [`Connection::abort`]. Default 10 s.
    pub close_timeout: Duration,
    /// Send a Ping after this long without one; `None` (default) disables keep-alive.
    pub keepalive_interval: Option<Duration>,
    /// How long a keep-alive Ping may wait for any Pong before the
    /// connection fails with [`ProtocolError::KeepAliveTimeout`] (close code
    /// 1011). Default 20 s.
    pub pong_timeout: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self { close_timeout: Duration::from_secs(10), keepalive_interval: None, pong_timeout: Duration::from_secs(20) }
    }
}

/// Drives a connection's deadlines. Call [`update`](Self::update) whenever
/// the run loop wakes (after input, after sending, after a timeout), then
/// drain [`Connection::poll_transmit`] and sleep until the returned instant.
///
/// ```
/// use core::time::Duration;
/// use wsmachine::{Config, Connection, Timer, TimerConfig};
/// let mut conn = Connection::server(Config::default());
/// let cfg = TimerConfig { keepalive_interval: Some(Duration::from_secs(30)), ..TimerConfig::default() };
/// let mut timer = Timer::new(cfg);
/// assert_eq!(timer.update(&mut conn, Duration::ZERO), Some(Duration::from_secs(30)));
/// // 30 s later a Ping is queued for poll_transmit, and the pong deadline runs.
/// assert_eq!(timer.update(&mut conn, Duration::from_secs(30)), Some(Duration::from_secs(50)));
/// assert!(conn.wants_transmit());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Timer {
    config: TimerConfig,
    close_deadline: Option<Duration>,
    next_ping: Option<Duration>,
    pong_deadline: Option<Duration>,
    pongs_seen: u64,
}

impl Timer {
    /// A timer with no deadline running yet.
    pub const fn new(config: TimerConfig) -> Self {
        Self { config, close_deadline: None, next_ping: None, pong_deadline: None, pongs_seen: 0 }
    }

    /// Acts on whatever deadline has passed at `now` (queues a keep-alive
    /// Ping, fails the connection for a missing Pong, aborts a close
    /// handshake that took too long) and returns when to call again, or
    /// `None` when no deadline is running.
    pub fn update<M: MaskSource>(&mut self, conn: &mut Connection<M>, now: Duration) -> Option<Duration> {
        if conn.transport_should_close() {
            return None;
        }
        if !conn.closing() {
            if let Some(deadline) = self.keepalive(conn, now) {
                return Some(deadline);
            }
            if !conn.closing() {
                return None;
            }
        }
        let deadline = *self.close_deadline.get_or_insert(now + self.config.close_timeout);
        if now >= deadline {
            conn.abort();
            return None;
        }
        Some(deadline)
    }

    /// The keep-alive part of [`update`](Self::update): the next keep-alive
    /// deadline, or `None` if keep-alive is off or the connection failed.
    fn keepalive<M: MaskSource>(&mut self, conn: &mut Connection<M>, now: Duration) -> Option<Duration> {
        let interval = self.config.keepalive_interval?;
        if conn.pongs_received() != self.pongs_seen {
            self.pongs_seen = conn.pongs_received();
            self.pong_deadline = None;
        }
        if let Some(deadline) = self.pong_deadline {
            if now >= deadline {
                conn.fail_with(ProtocolError::KeepAliveTimeout);
                return None;
            }
        }
        let next = *self.next_ping.get_or_insert(now + interval);
        if now >= next {
            if conn.queue_ping(b"").is_ok() && self.pong_deadline.is_none() {
                self.pong_deadline = Some(now + self.config.pong_timeout);
            }
            self.next_ping = Some(now + interval);
        }
        let next = self.next_ping.unwrap_or(now + interval);
        Some(self.pong_deadline.map_or(next, |d| d.min(next)))
    }
}
