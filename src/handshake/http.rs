//! HTTP/1.1 head parsing (RFC 9112): zero-copy, no allocation, incremental.
//!
//! The parser works in two steps. [`HeadScanner`] finds the end of the head
//! (the empty line) in a buffer that grows between calls; it keeps its scan
//! position, so a head that trickles in one byte at a time is examined once
//! in total (linear time; [`HeadScanner::scanned`] counts the bytes). Once
//! the head is complete, [`parse_request_head`] or [`parse_response_head`]
//! splits it into the start line and header fields, borrowed from the
//! buffer, into a caller-supplied `&mut [Header]`.
//!
//! # Policy
//! - **Line endings**: every line must end with CRLF. A bare LF (allowed as
//!   a MAY by RFC 9112 §2.2) is rejected with [`HandshakeError::BareLineFeed`]
//!   (400): browsers and WebSocket clients always send CRLF, and accepting
//!   both invites disagreement with proxies in front of the server. A bare
//!   LF still ends a line for finding the end of the head, so a head written
//!   with bare LFs is answered at once rather than waited on.
//! - **Obsolete line folding** (a header line starting with SP or HTAB) is
//!   rejected with [`HandshakeError::ObsFold`] (400), as RFC 9112 §5.2 allows.
//! - **Leading empty lines** before the start line are not skipped: an empty
//!   first line ends the head at once and is rejected as an invalid start line.
//! - **Characters**: method and header names are `token`s (RFC 9110 §5.6.2);
//!   the request target is visible ASCII (`%x21-7E`); header values are HTAB,
//!   SP, VCHAR and obs-text (`%x80-FF`), with leading and trailing SP/HTAB
//!   trimmed; no space is allowed between a header name and its colon. The
//!   version is `HTTP/1.` and one digit.
//! - **Limits** ([`Limits`], defaults 8 KiB and 64 fields): a head longer
//!   than `max_head_len` or with more fields than `max_headers` (or than the
//!   caller's array holds) fails with [`HandshakeError::HeadTooLarge`] or
//!   [`HandshakeError::TooManyHeaders`], both answered with 431.

use memchr::memchr;

use super::error::HandshakeError;
use super::Status;

/// Default limit on the size of a head, terminating empty line included.
pub const DEFAULT_MAX_HEAD_LEN: usize = 8 * 1024;
/// Default limit on the number of header fields.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// Size and count limits for an HTTP head. Exceeding either is answered with 431.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Largest head, in bytes, including the terminating empty line.
    pub max_head_len: usize,
    /// Largest number of header fields.
    pub max_headers: usize,
}

impl Default for HeadParser {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Limits {
    /// The defaults: [`DEFAULT_MAX_HEAD_LEN`] and [`DEFAULT_MAX_HEADERS`]
    /// (usable in `const` and `static` items, e.g. `..Limits::DEFAULT`).
    pub const DEFAULT: Self = Self { max_head_len: DEFAULT_MAX_HEAD_LEN, max_headers: DEFAULT_MAX_HEADERS };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One header field, borrowed from the input buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The field name as sent (compare it with [`Header::is`], names are case-insensitive).
    pub name: &'a str,
    /// The field value, without leading and trailing whitespace.
    pub value: &'a [u8],
}

/// An empty header, to initialise the array the parser fills.
pub const EMPTY_HEADER: Header<'static> = Header { name: "", value: b"" };

impl<'a> Header<'a> {
    /// A header from a name and a value.
    pub const fn new(name: &'a str, value: &'a [u8]) -> Self {
        Self { name, value }
    }

    /// Whether this header's name is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl<'a> From<(&'a str, &'a [u8])> for Header<'a> {
    fn from((name, value): (&'a str, &'a [u8])) -> Self {
        Self { name, value }
    }
}

/// Finds the end of an HTTP head in a buffer that grows between calls.
///
/// Pass the whole buffer received so far on every call (the same bytes
/// again, with more at the end). The scanner remembers where it stopped, so
/// the total work is linear in the head size however the bytes arrive.
///
/// ```
/// use wsmachine::handshake::http::HeadScanner;
/// let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nframes";
/// let mut s = HeadScanner::new();
/// for n in 0..27 {
///     assert_eq!(s.find_end(&head[..n], 8192), Ok(None));
/// }
/// assert_eq!(s.find_end(&head[..], 8192), Ok(Some(27)));
/// assert_eq!(s.scanned(), 27);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadScanner {
    pos: usize,
    line_start: usize,
    end: Option<usize>,
    scanned: usize,
}

impl HeadScanner {
    /// A scanner at the start of a head.
    pub const fn new() -> Self {
        Self { pos: 0, line_start: 0, end: None, scanned: 0 }
    }

    /// Records an end found by other means (the whole-head fast path).
    fn found(&mut self, end: usize) {
        self.pos = end;
        self.line_start = end;
        self.end = Some(end);
    }

    /// The total number of bytes examined so far (each byte once).
    pub const fn scanned(&self) -> usize {
        self.scanned
    }

    /// The length of the head (up to and including the LF of its empty
    /// line), `Ok(None)` if it is not complete yet, or
    /// [`HandshakeError::HeadTooLarge`] once `max_head_len` bytes hold no end.
    pub fn find_end(&mut self, buf: &[u8], max_head_len: usize) -> Result<Option<usize>, HandshakeError> {
        if let Some(end) = self.end {
            if end <= buf.len() {
                return Ok(Some(end));
            }
        }
        if self.pos > buf.len() || self.end.is_some() {
            // The caller passed a shorter buffer than before: start over.
            self.pos = 0;
            self.line_start = 0;
            self.end = None;
        }
        let limit = buf.len().min(max_head_len);
        let base = self.pos;
        let window = buf.get(base..limit).unwrap_or_default();
        for i in memchr::memchr_iter(b'\n', window) {
            let lf = base + i;
            let line_len = lf - self.line_start;
            if line_len == 0 || (line_len == 1 && buf.get(self.line_start) == Some(&b'\r')) {
                self.scanned += i + 1;
                self.pos = lf + 1;
                self.end = Some(lf + 1);
                return Ok(Some(lf + 1));
            }
            self.line_start = lf + 1;
        }
        self.scanned += window.len();
        self.pos = base + window.len();
        if buf.len() >= max_head_len {
            Err(HandshakeError::HeadTooLarge)
        } else {
            Ok(None)
        }
    }
}

/// The start line of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestLine<'a> {
    /// The method, a token (e.g. `GET`).
    pub method: &'a str,
    /// The request target (e.g. `/chat?room=1`).
    pub target: &'a str,
    /// The minor version: 1 for `HTTP/1.1`.
    pub minor_version: u8,
}

/// The start line of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatusLine<'a> {
    /// The minor version: 1 for `HTTP/1.1`.
    pub minor_version: u8,
    /// The status code, three digits.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: &'a [u8],
}

/// A parsed request head: start line and header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead<'r> {
    /// The request line.
    pub line: RequestLine<'r>,
    /// The header fields, in order.
    pub headers: &'r [Header<'r>],
}

/// A parsed response head: status line and header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead<'r> {
    /// The status line.
    pub line: StatusLine<'r>,
    /// The header fields, in order.
    pub headers: &'r [Header<'r>],
}

/// `tchar` of RFC 9110 §5.6.2.
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
}

/// A non-empty token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && tchar_end(s, 0) == s.len()
}

const fn is_value_char(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

const fn table(value: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if value { is_value_char(i as u8) } else { is_tchar(i as u8) };
        i += 1;
    }
    t
}

/// `tchar` as a table.
static TCHAR: [bool; 256] = table(false);
/// Field-value characters (HTAB, SP, VCHAR, obs-text) as a table.
static VALUE: [bool; 256] = table(true);

/// The end of the run of field-value characters in `s` from `i`.
/// Eight bytes at a time: a word test flags control characters and DEL,
/// and its lowest flag is exact (a borrow only starts at a flagged byte),
/// so the first flagged byte is the end unless it is an HTAB.
fn value_end(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) = s.get(i..i + 8) {
        let x = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let y = x ^ (ONES * 0x7f);
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        let flags = below_space | del;
        if flags == 0 {
            i += 8;
            continue;
        }
        let k = i + (flags.trailing_zeros() / 8) as usize;
        if s.get(k) != Some(&b'\t') {
            return k;
        }
        i = k + 1;
    }
    while let Some(&b) = s.get(i) {
        if !VALUE[usize::from(b)] {
            break;
        }
        i += 1;
    }
    i
}

/// The end of the run of `tchar`s in `s` from `i`, four bytes per step.
pub(crate) fn tchar_end(s: &[u8], mut i: usize) -> usize {
    let t = |b: u8| TCHAR[usize::from(b)];
    while let Some(&[a, b, c, d]) = s.get(i..i + 4) {
        if !(t(a) & t(b) & t(c) & t(d)) {
            break;
        }
        i += 4;
    }
    while let Some(&b) = s.get(i) {
        if !t(b) {
            break;
        }
        i += 1;
    }
    i
}

/// `str` views of ASCII runs of a head (method, target, header names)
/// without a UTF-8 check per run: one check covers a segment of up to
/// [`Text::SEGMENT`] bytes from the first run asked for, up to the first
/// byte that is not UTF-8 (obs-text in a value, or frame bytes after the
/// head); a run outside the segment starts a new one. Each byte is thus
/// checked at most twice.
pub(crate) struct Text<'a> {
    head: &'a [u8],
    start: usize,
    text: &'a str,
}

impl<'a> Text<'a> {
    const SEGMENT: usize = 1024;

    const fn new(head: &'a [u8]) -> Self {
        Self { head, start: 0, text: "" }
    }

    /// `head[a..b]`, which the caller has checked to be ASCII, as a `str`.
    #[inline]
    fn get(&mut self, a: usize, b: usize) -> &'a str {
        if a < self.start || b > self.start + self.text.len() {
            self.new_segment(a, b);
        }
        self.text.get(a - self.start..b - self.start).unwrap_or_default()
    }

    /// Checks a new segment starting at `a` and reaching at least `b`
    /// (kept out of line: once per head, usually).
    #[inline(never)]
    fn new_segment(&mut self, a: usize, b: usize) {
        let end = self.head.len().min(a.saturating_add(Self::SEGMENT)).max(b);
        let seg = self.head.get(a..end).unwrap_or_default();
        self.text = match core::str::from_utf8(seg) {
            Ok(t) => t,
            Err(e) => seg.get(..e.valid_up_to()).and_then(|v| core::str::from_utf8(v).ok()).unwrap_or_default(),
        };
        self.start = a;
    }
}

/// Splits off the start line (without its CRLF) from a complete head.
fn start_line(head: &[u8], e: HandshakeError) -> Result<(&[u8], &[u8]), HandshakeError> {
    let lf = memchr(b'\n', head).ok_or(e)?;
    let (line, rest) = head.split_at(lf);
    let Some((&b'\r', line)) = line.split_last() else {
        return Err(if line.is_empty() { e } else { HandshakeError::BareLineFeed });
    };
    if line.is_empty() {
        return Err(e);
    }
    Ok((line, rest.get(1..).unwrap_or_default()))
}

fn parse_version(v: &[u8]) -> Option<u8> {
    match v {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => None,
    }
}

/// A start line: the request line or the status line.
pub(crate) trait StartLine<'a>: Sized {
    /// The error for a malformed start line.
    const INVALID: HandshakeError;
    /// Parses the start line (without its CRLF), `text`'s first bytes.
    fn parse(line: &'a [u8], text: &mut Text<'a>) -> Result<Self, HandshakeError>;
}

impl<'a> StartLine<'a> for RequestLine<'a> {
    const INVALID: HandshakeError = HandshakeError::InvalidRequestLine;
    fn parse(line: &'a [u8], text: &mut Text<'a>) -> Result<Self, HandshakeError> {
        parse_request_line(line, text)
    }
}

impl<'a> StartLine<'a> for StatusLine<'a> {
    const INVALID: HandshakeError = HandshakeError::InvalidStatusLine;
    fn parse(line: &'a [u8], _: &mut Text<'a>) -> Result<Self, HandshakeError> {
        parse_status_line(line)
    }
}

/// Parses the request line, `text`'s first bytes.
fn parse_request_line<'a>(line: &'a [u8], text: &mut Text<'a>) -> Result<RequestLine<'a>, HandshakeError> {
    const E: HandshakeError = HandshakeError::InvalidRequestLine;
    let sp = memchr(b' ', line).ok_or(E)?;
    let method = &line[..sp];
    let rest = &line[sp + 1..];
    if !method.iter().all(|&b| TCHAR[usize::from(b)]) || method.is_empty() || rest.len() < 10 {
        return Err(E);
    }
    let (target, version) = rest.split_at(rest.len() - 9);
    let (&b' ', version) = version.split_first().ok_or(E)? else {
        return Err(E);
    };
    let minor_version = parse_version(version).ok_or(E)?;
    if target.is_empty() || !target.iter().all(|&b| (0x21..0x7f).contains(&b)) {
        return Err(E);
    }
    Ok(RequestLine { method: text.get(0, sp), target: text.get(sp + 1, sp + 1 + target.len()), minor_version })
}

fn parse_status_line(line: &[u8]) -> Result<StatusLine<'_>, HandshakeError> {
    const E: HandshakeError = HandshakeError::InvalidStatusLine;
    let (Some(version), Some(b' '), Some(code)) = (line.get(..8), line.get(8), line.get(9..12)) else {
        return Err(E);
    };
    let minor_version = parse_version(version).ok_or(E)?;
    let mut status = 0u16;
    for &d in code {
        if !d.is_ascii_digit() {
            return Err(E);
        }
        status = status * 10 + u16::from(d - b'0');
    }
    let reason = match line.get(12..) {
        None | Some([]) => &[][..],
        Some([b' ', reason @ ..]) if reason.iter().all(|&b| is_value_char(b)) => reason,
        Some(_) => return Err(E),
    };
    Ok(StatusLine { minor_version, status, reason })
}

/// Strips leading and trailing SP and HTAB.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Where the parser puts header fields: [`Header`]s borrowed from the
/// head, or [`FieldSpan`]s (positions in it) for a caller that cannot keep
/// a borrow of the head (the server endpoint).
pub(crate) trait FieldSink<'r> {
    /// How many fields fit.
    fn capacity(&self) -> usize;
    /// Stores field `n` (below the capacity): its name `head[name.0..name.1]`
    /// (a token) and its trimmed value `head[value.0..value.1]`.
    fn store(
        &mut self,
        n: usize,
        text: &mut Text<'r>,
        name: (usize, usize),
        value: (usize, usize),
    ) -> Result<(), HandshakeError>;
}

impl<'r> FieldSink<'r> for [Header<'r>] {
    fn capacity(&self) -> usize {
        self.len()
    }

    #[inline]
    fn store(
        &mut self,
        n: usize,
        text: &mut Text<'r>,
        name: (usize, usize),
        value: (usize, usize),
    ) -> Result<(), HandshakeError> {
        let head = text.head;
        let slot = self.get_mut(n).ok_or(HandshakeError::TooManyHeaders)?;
        *slot = Header { name: text.get(name.0, name.1), value: head.get(value.0..value.1).unwrap_or_default() };
        Ok(())
    }
}

/// Where one header field lies in its head: the name and the trimmed value
/// as byte ranges (heads up to 64 KiB).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    name: [u16; 2],
    value: [u16; 2],
}

impl FieldSpan {
    /// No field, to initialise an array.
    pub(crate) const EMPTY: Self = Self { name: [0; 2], value: [0; 2] };

    /// The field's name and value in `head` (empty if `head` is not the head it was parsed from).
    #[inline]
    pub(crate) fn get<'h>(&self, head: &'h [u8]) -> (&'h [u8], &'h [u8]) {
        let range = |[a, b]: [u16; 2]| head.get(usize::from(a)..usize::from(b)).unwrap_or_default();
        (range(self.name), range(self.value))
    }
}

impl<'r> FieldSink<'r> for [FieldSpan] {
    fn capacity(&self) -> usize {
        self.len()
    }

    #[inline]
    fn store(
        &mut self,
        n: usize,
        _: &mut Text<'r>,
        name: (usize, usize),
        value: (usize, usize),
    ) -> Result<(), HandshakeError> {
        let slot = self.get_mut(n).ok_or(HandshakeError::TooManyHeaders)?;
        let pos = |i: usize| u16::try_from(i).map_err(|_| HandshakeError::HeadTooLarge);
        *slot = FieldSpan { name: [pos(name.0)?, pos(name.1)?], value: [pos(value.0)?, pos(value.1)?] };
        Ok(())
    }
}

/// Parses header lines from `head[i..]` up to the empty line, one pass
/// over the bytes; returns how many fields were stored in `fields` and
/// the length of the head, up to and including the empty line's CRLF.
fn fill_fields<'r, S: FieldSink<'r> + ?Sized>(
    head: &'r [u8],
    mut i: usize,
    text: &mut Text<'r>,
    fields: &mut S,
    max_headers: usize,
) -> Result<(usize, usize), HandshakeError> {
    use HandshakeError as E;
    let cap = fields.capacity().min(max_headers);
    let mut n = 0;
    loop {
        let name_end = tchar_end(head, i);
        if name_end == i {
            // CR, LF, SP and HTAB are not `tchar`s.
            return match head.get(i..) {
                Some([b'\r', b'\n', ..]) => Ok((n, i + 2)),
                Some([b'\n', ..]) => Err(E::BareLineFeed),
                Some([b' ' | b'\t', ..]) => Err(E::ObsFold),
                _ => Err(E::InvalidHeaderField),
            };
        }
        if head.get(name_end) != Some(&b':') {
            return Err(E::InvalidHeaderField);
        }
        let mut start = name_end + 1;
        while let Some(b' ' | b'\t') = head.get(start) {
            start += 1;
        }
        let end = value_end(head, start);
        // Leading OWS is skipped above; trailing OWS is inside the run.
        let mut value_end = end;
        while value_end > start && matches!(head.get(value_end - 1), Some(b' ' | b'\t')) {
            value_end -= 1;
        }
        let name_start = i;
        i = match head.get(end..) {
            Some([b'\r', b'\n', ..]) => end + 2,
            Some([b'\n', ..]) => return Err(E::BareLineFeed),
            _ => return Err(E::InvalidHeaderField),
        };
        if n >= cap {
            return Err(E::TooManyHeaders);
        }
        fields.store(n, text, (name_start, name_end), (start, value_end))?;
        n += 1;
    }
}

fn first<'r>(headers: &'r mut [Header<'r>], n: usize) -> &'r [Header<'r>] {
    let headers: &'r [Header<'r>] = headers;
    headers.get(..n).unwrap_or_default()
}

/// The start line, the number of fields stored and the length of the head
/// (up to and including the empty line) of a complete head.
fn head_parts<'r, L: StartLine<'r>, S: FieldSink<'r> + ?Sized>(
    head: &'r [u8],
    fields: &mut S,
    max_headers: usize,
) -> Result<(L, usize, usize), HandshakeError> {
    let mut text = Text::new(head);
    let (line, rest) = start_line(head, L::INVALID)?;
    let line = L::parse(line, &mut text)?;
    let (n, end) = fill_fields(head, head.len() - rest.len(), &mut text, fields, max_headers)?;
    Ok((line, n, end))
}

/// Parses a complete request head (as delimited by [`HeadScanner`]): the
/// request line and at most `max_headers` fields into `headers`.
///
/// ```
/// use wsmachine::handshake::http::{parse_request_head, EMPTY_HEADER};
/// let mut headers = [EMPTY_HEADER; 4];
/// let head = parse_request_head(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n", &mut headers, 64).unwrap();
/// assert_eq!((head.line.method, head.line.target), ("GET", "/x"));
/// assert_eq!(head.headers[0].value, b"a");
/// ```
pub fn parse_request_head<'r>(
    head: &'r [u8],
    headers: &'r mut [Header<'r>],
    max_headers: usize,
) -> Result<RequestHead<'r>, HandshakeError> {
    let (line, n, _) = head_parts(head, &mut *headers, max_headers)?;
    Ok(RequestHead { line, headers: first(headers, n) })
}

/// Parses a complete response head: the status line and at most
/// `max_headers` fields into `headers`.
pub fn parse_response_head<'r>(
    head: &'r [u8],
    headers: &'r mut [Header<'r>],
    max_headers: usize,
) -> Result<ResponseHead<'r>, HandshakeError> {
    let (line, n, _) = head_parts(head, &mut *headers, max_headers)?;
    Ok(ResponseHead { line, headers: first(headers, n) })
}

/// An incremental head parser: a [`HeadScanner`] plus [`Limits`].
///
/// ```
/// use wsmachine::handshake::{http::{HeadParser, EMPTY_HEADER}, Status};
/// let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00";
/// let mut p = HeadParser::default();
/// let mut headers = [EMPTY_HEADER; 8];
/// assert!(matches!(p.parse_response(&wire[..10], &mut headers), Ok(Status::Partial)));
/// let mut headers = [EMPTY_HEADER; 8];
/// let Ok(Status::Complete((head, used))) = p.parse_response(wire, &mut headers) else { panic!() };
/// assert_eq!((head.line.status, &wire[used..]), (101, &b"\x81\x00"[..]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadParser {
    scanner: HeadScanner,
    limits: Limits,
    tried_whole: bool,
}

impl HeadParser {
    /// A parser with the given limits.
    pub const fn new(limits: Limits) -> Self {
        Self { scanner: HeadScanner::new(), limits, tried_whole: false }
    }

    /// The limits in force.
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes examined so far while looking for the end of the head: at most
    /// twice the input (the first call's bytes may be searched once by the
    /// whole-head fast path and once by the scanner), however it arrives.
    pub const fn scanned(&self) -> usize {
        self.scanner.scanned()
    }

    /// Parses a request head from the bytes received so far. On success,
    /// the `usize` is the head length: `buf[len..]` is not part of the head.
    pub fn parse_request<'r>(
        &mut self,
        buf: &'r [u8],
        headers: &'r mut [Header<'r>],
    ) -> Result<Status<(RequestHead<'r>, usize)>, HandshakeError> {
        Ok(match self.parse_into(buf, &mut *headers)? {
            Status::Partial => Status::Partial,
            Status::Complete((line, n, end)) => {
                Status::Complete((RequestHead { line, headers: first(headers, n) }, end))
            }
        })
    }

    /// Parses a response head from the bytes received so far. On success,
    /// the `usize` is the head length: `buf[len..]` is not part of the head.
    pub fn parse_response<'r>(
        &mut self,
        buf: &'r [u8],
        headers: &'r mut [Header<'r>],
    ) -> Result<Status<(ResponseHead<'r>, usize)>, HandshakeError> {
        Ok(match self.parse_into(buf, &mut *headers)? {
            Status::Partial => Status::Partial,
            Status::Complete((line, n, end)) => {
                Status::Complete((ResponseHead { line, headers: first(headers, n) }, end))
            }
        })
    }

    /// Parses a head of either kind into any [`FieldSink`]: the start line,
    /// the number of fields stored and the head length.
    pub(crate) fn parse_into<'r, L: StartLine<'r>, S: FieldSink<'r> + ?Sized>(
        &mut self,
        buf: &'r [u8],
        fields: &mut S,
    ) -> Result<Status<(L, usize, usize)>, HandshakeError> {
        if let Some(window) = self.whole_head_window(buf) {
            if let Ok(parts) = head_parts::<L, S>(window, fields, self.limits.max_headers) {
                self.found_whole(parts.2);
                return Ok(Status::Complete(parts));
            }
            self.scanner.scanned += window.len();
        }
        let Some(end) = self.scanner.find_end(buf, self.limits.max_head_len)? else {
            return Ok(Status::Partial);
        };
        head_parts(buf.get(..end).unwrap_or_default(), fields, self.limits.max_headers).map(Status::Complete)
    }

    /// The fast path for a head that arrives whole in the first call: the
    /// bytes to parse directly (at most `max_head_len`), with no separate
    /// search for the end. The start line and header lines contain no CR or
    /// LF, and every line the parse accepts ends in CRLF, so when the parse
    /// succeeds it stops at the first CRLF CRLF: the end the scanner would
    /// have found. Otherwise the caller falls back to the scanner, which
    /// gives the verdict. Tried once, so the total stays linear; the bytes
    /// are counted as scanned whether the parse succeeds or not.
    fn whole_head_window<'b>(&mut self, buf: &'b [u8]) -> Option<&'b [u8]> {
        if self.tried_whole {
            return None;
        }
        self.tried_whole = true;
        buf.get(..buf.len().min(self.limits.max_head_len))
    }

    /// Records the end of a head found by the fast path.
    fn found_whole(&mut self, end: usize) {
        self.scanner.scanned += end;
        self.scanner.found(end);
    }
}

/// The header fields of a parsed head, in either form the parser fills:
/// [`Header`]s, or [`FieldSpan`]s into the head bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fields<'h, 'f> {
    Headers(&'f [Header<'h>]),
    Spans(&'h [u8], &'f [FieldSpan]),
}

impl<'h, 'f> Fields<'h, 'f> {
    /// Field `i`: its name and value.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(&'h [u8], &'h [u8])> {
        match self {
            Self::Headers(h) => h.get(i).map(|h| (h.name.as_bytes(), h.value)),
            Self::Spans(head, s) => s.get(i).map(|s| s.get(head)),
        }
    }

    /// The fields in order, as [`Header`]s.
    pub(crate) fn headers(self) -> impl Iterator<Item = Header<'h>> + Clone + 'f {
        (0..).map_while(move |i| self.get(i)).map(|(name, value)| {
            // Names were checked to be tokens (ASCII) by the parser.
            Header { name: core::str::from_utf8(name).unwrap_or_default(), value }
        })
    }

    /// The values of every field named `name` (ASCII case-insensitive), in order.
    pub(crate) fn values(self, name: &'f str) -> Values<'h, 'f> {
        Values { fields: self, name, next: 0 }
    }

    /// The value of the first field named `name`.
    pub(crate) fn first(self, name: &'f str) -> Option<&'h [u8]> {
        self.values(name).next()
    }
}

/// The values of every header field with one name, in order.
#[derive(Clone, Debug)]
pub(crate) struct Values<'h, 'f> {
    fields: Fields<'h, 'f>,
    name: &'f str,
    next: usize,
}

impl<'h> Iterator for Values<'h, '_> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        while let Some((name, value)) = self.fields.get(self.next) {
            self.next += 1;
            if name.eq_ignore_ascii_case(self.name.as_bytes()) {
                return Some(value);
            }
        }
        None
    }
}

/// The elements of one comma-separated list value (`#rule`, RFC 9110
/// §5.6.1), trimmed, empty elements skipped. Not for values whose elements
/// may contain quoted commas.
pub(crate) fn elements(value: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    value.split(|&b| b == b',').map(trim_ows).filter(|e| !e.is_empty())
}

/// Iterates over the elements of a comma-separated list header (`#rule`,
/// RFC 9110 §5.6.1), across every header with one name, trimmed, skipping
/// empty elements. Not for headers whose elements may contain quoted commas.
#[derive(Clone, Debug)]
pub struct ListElements<'h, 'f> {
    values: Values<'h, 'f>,
    current: &'h [u8],
}

impl<'r> ListElements<'r, 'r> {
    /// The elements of every `name` header in `headers`.
    pub fn new(headers: &'r [Header<'r>], name: &'r str) -> Self {
        Fields::Headers(headers).list(name)
    }
}

impl<'h, 'f> Fields<'h, 'f> {
    /// The elements of every `name` field.
    pub(crate) fn list(self, name: &'f str) -> ListElements<'h, 'f> {
        ListElements { values: self.values(name), current: &[] }
    }
}

impl<'h> Iterator for ListElements<'h, '_> {
    type Item = &'h [u8];

    fn next(&mut self) -> Option<&'h [u8]> {
        loop {
            if self.current.is_empty() {
                self.current = self.values.next()?;
            }
            let (elem, rest) = match memchr(b',', self.current) {
                Some(i) => (&self.current[..i], &self.current[i + 1..]),
                None => (self.current, &[][..]),
            };
            self.current = rest;
            let elem = trim_ows(elem);
            if !elem.is_empty() {
                return Some(elem);
            }
        }
    }
}

/// Whether one comma-separated list value contains `token`, ignoring ASCII case.
pub(crate) fn list_has_token(value: &[u8], token: &[u8]) -> bool {
    // The usual case first: a one-element value (already trimmed by the parser).
    if value.len() == token.len() && value.eq_ignore_ascii_case(token) {
        return true;
    }
    elements(value).any(|e| e.eq_ignore_ascii_case(token))
}

/// Whether a list header `name` contains `token`, ignoring ASCII case.
pub fn has_token(headers: &[Header<'_>], name: &str, token: &str) -> bool {
    headers.iter().any(|h| h.is(name) && list_has_token(h.value, token.as_bytes()))
}

/// How often a single-valued header was seen, and where first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    None,
    One(usize),
    Many(usize),
}

impl Seen {
    pub(crate) fn see(&mut self, i: usize) {
        *self = match *self {
            Seen::None => Seen::One(i),
            Seen::One(first) | Seen::Many(first) => Seen::Many(first),
        };
    }

    /// The index of the first occurrence.
    pub(crate) fn first(self) -> Option<usize> {
        match self {
            Seen::None => None,
            Seen::One(i) | Seen::Many(i) => Some(i),
        }
    }
}

/// The header fields of a head the parser has accepted, read again line by
/// line (no character checks: they passed). For the rare reads of a
/// response head after the handshake; a request's fields are kept as
/// [`FieldSpan`]s instead.
pub(crate) fn fields_of_checked_head(head: &[u8]) -> impl Iterator<Item = Header<'_>> + Clone {
    let rest = memchr(b'\n', head).and_then(|i| head.get(i + 1..)).unwrap_or_default();
    rest.split(|&b| b == b'\n').map_while(|line| {
        let line = line.strip_suffix(b"\r")?;
        let colon = memchr(b':', line)?;
        let (name, value) = (line.get(..colon)?, line.get(colon + 1..)?);
        Some(Header { name: core::str::from_utf8(name).ok()?, value: trim_ows(value) })
    })
}

/// The value of the only `name` header: `Ok(None)` if absent, `Err(())` if repeated.
pub(crate) fn single<'r>(headers: &[Header<'r>], name: &str) -> Result<Option<&'r [u8]>, ()> {
    let mut it = headers.iter().filter(|h| h.is(name));
    let first = it.next().map(|h| h.value);
    if it.next().is_some() {
        return Err(());
    }
    Ok(first)
}
