//! The caller's clock in, deadlines out: `poll_timeout` / `handle_timeout`.
//!
//! The connection has no clock. Time is a `Duration` since an origin of
//! the caller's choosing (any monotonic clock). A deadline that became due
//! between two clock readings (for example the close timeout, which starts
//! when `close` is called) is anchored at the next `handle_timeout`; until
//! then `poll_timeout` answers the last time it was told, so the caller
//! wakes at once and anchors it.

use core::time::Duration;

use crate::error::ProtocolError;
use crate::mask::MaskSource;

use super::state::{State, Trigger};
use super::{Connection, Event};

/// A deadline that may be running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    Off,
    At(Duration),
}

impl Deadline {
    fn passed(self, now: Duration) -> bool {
        matches!(self, Deadline::At(d) if now >= d)
    }
}

/// The connection's deadlines.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timers {
    /// The latest `now` the caller gave.
    now: Duration,
    close: Deadline,
    next_ping: Deadline,
    pong: Deadline,
}

impl Timers {
    pub(super) const fn new() -> Self {
        Self { now: Duration::ZERO, close: Deadline::Off, next_ping: Deadline::Off, pong: Deadline::Off }
    }

    /// Any Pong proves the peer alive.
    pub(super) fn pong_received(&mut self) {
        self.pong = Deadline::Off;
    }
}

impl<M: MaskSource> Connection<M> {
    /// When the connection next needs [`handle_timeout`](Self::handle_timeout):
    /// the earliest of the keep-alive Ping, the Pong deadline and the close
    /// timeout, or `None` when nothing is running. A time at or before the
    /// last `now` you gave means "call it now".
    pub fn poll_timeout(&self) -> Option<Duration> {
        let t = &self.timers;
        let mut next: Option<Duration> = None;
        let mut consider = |d: Deadline, unanchored: bool| {
            let at = match d {
                Deadline::At(at) => at,
                Deadline::Off if unanchored => t.now,
                Deadline::Off => return,
            };
            next = Some(next.map_or(at, |n| n.min(at)));
        };
        if self.keepalive_running() {
            consider(t.next_ping, true);
            consider(t.pong, false);
        }
        if self.life.awaits_close(self.role) {
            consider(t.close, true);
        }
        next
    }

    /// Acts on the deadlines that passed at `now` (the caller's clock): a
    /// keep-alive Ping is queued for [`poll_transmit`](Self::poll_transmit);
    /// a missed Pong fails the connection with
    /// [`ProtocolError::KeepAliveTimeout`] (1011); a closing handshake that
    /// took longer than [`close_timeout`](super::Config::close_timeout) ends
    /// it as [`Termination::TimedOut`](super::Termination::TimedOut) and the
    /// transport should be closed. Returns the terminal event when this call
    /// ended the connection. Cheap: call it whenever the loop wakes, and at
    /// the latest at [`poll_timeout`](Self::poll_timeout).
    pub fn handle_timeout(&mut self, now: Duration) -> Option<Event<'static, '_>> {
        self.timers.now = now;
        if self.keepalive_running() {
            if self.timers.pong.passed(now) {
                self.fail(ProtocolError::KeepAliveTimeout);
                return self.report();
            }
            if let Some(interval) = self.config.keepalive_interval {
                match self.timers.next_ping {
                    Deadline::Off => self.timers.next_ping = Deadline::At(now + interval),
                    d if d.passed(now) => {
                        self.replies.ping = Some(0);
                        if self.timers.pong == Deadline::Off {
                            self.timers.pong = Deadline::At(now + self.config.pong_timeout);
                        }
                        self.timers.next_ping = Deadline::At(now + interval);
                    }
                    Deadline::At(_) => {}
                }
            }
        }
        if self.life.awaits_close(self.role) {
            match self.timers.close {
                Deadline::Off => self.timers.close = Deadline::At(now + self.config.close_timeout),
                d if d.passed(now) => {
                    self.life.on(Trigger::CloseTimeout);
                    self.replies.clear();
                    return self.report();
                }
                Deadline::At(_) => {}
            }
        }
        None
    }

    fn keepalive_running(&self) -> bool {
        self.config.keepalive_interval.is_some() && self.life.state == State::Open
    }
}
