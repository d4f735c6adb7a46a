//! The `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1): a zero-copy
//! parser and a writer.
//!
//! ```text
//! extension-list  = 1#extension
//! extension       = extension-token *( OWS ";" OWS extension-param )
//! extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
//! ```
//! A quoted value must be a token once unescaped (RFC 6455 §9.1), so
//! `max_window_bits="10"` and `max_window_bits=10` mean the same.
//! Empty list elements (`a, , b`) are ignored (RFC 9110 §5.6.1).
//!
//! ```
//! use wsmachine::handshake::extensions::{parse, ExtensionWriter};
//! let offer = b"permessage-deflate; client_max_window_bits, x-foo; a=\"1\"";
//! let exts: Vec<_> = parse(offer).collect::<Result<_, _>>().unwrap();
//! assert_eq!(exts[0].name, "permessage-deflate");
//! let p = exts[0].params().next().unwrap();
//! assert_eq!((p.name, p.value), ("client_max_window_bits", None));
//! assert!(exts[1].params().next().unwrap().value.unwrap().eq_str("1"));
//!
//! let mut out = [0u8; 64];
//! let mut w = ExtensionWriter::new(&mut out);
//! w.extension("permessage-deflate").param("server_max_window_bits", Some("10"));
//! let n = w.finish().unwrap();
//! assert_eq!(&out[..n], b"permessage-deflate; server_max_window_bits=10");
//! ```

use super::error::HandshakeError;
use super::http::{is_tchar, Fields, Header, Values};
use super::{Out, Sink};
use crate::error::BufferTooSmall;

const E: HandshakeError = HandshakeError::InvalidExtensionsHeader;

/// One extension: its name and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extension<'a> {
    /// The extension token, e.g. `permessage-deflate`.
    pub name: &'a str,
    /// The raw parameter text after the name (already validated).
    params: &'a [u8],
}

impl<'a> Extension<'a> {
    /// The parameters, in order.
    pub fn params(&self) -> Params<'a> {
        Params { rest: self.params }
    }
}

/// One extension parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Param<'a> {
    /// The parameter name.
    pub name: &'a str,
    /// The value, if any.
    pub value: Option<ParamValue<'a>>,
}

/// A parameter value: a token, possibly written as a quoted string with escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamValue<'a> {
    /// The text between the quotes (or the bare token), escapes included.
    raw: &'a [u8],
    escaped: bool,
}

impl<'a> ParamValue<'a> {
    /// The value as a string when it has no backslash escapes (the usual case).
    pub fn as_str(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            core::str::from_utf8(self.raw).ok()
        }
    }

    /// The unescaped bytes of the value.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        let mut escape = false;
        self.raw.iter().filter_map(move |&b| {
            if !escape && b == b'\\' {
                escape = true;
                None
            } else {
                escape = false;
                Some(b)
            }
        })
    }

    /// Whether the unescaped value equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.bytes().eq(s.bytes())
    }

    /// The unescaped value as a decimal number, if it is one (e.g. window bits).
    pub fn as_u32(&self) -> Option<u32> {
        let mut n: u32 = 0;
        let mut any = false;
        for b in self.bytes() {
            let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
            n = n.checked_mul(10)?.checked_add(u32::from(d))?;
            any = true;
        }
        any.then_some(n)
    }
}

fn skip_ows(s: &[u8], mut i: usize) -> usize {
    while matches!(s.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

fn token_end(s: &[u8], i: usize) -> usize {
    super::http::tchar_end(s, i)
}

fn ascii(b: &[u8]) -> &str {
    core::str::from_utf8(b).unwrap_or_default()
}

/// Parses `name [= value]` at `i` (after `;` and OWS); returns the param and the index after it.
fn parse_param(s: &[u8], i: usize) -> Result<(Param<'_>, usize), HandshakeError> {
    let end = token_end(s, i);
    if end == i {
        return Err(E);
    }
    let name = ascii(&s[i..end]);
    let j = skip_ows(s, end);
    if s.get(j) != Some(&b'=') {
        return Ok((Param { name, value: None }, end));
    }
    let j = skip_ows(s, j + 1);
    if s.get(j) == Some(&b'"') {
        let start = j + 1;
        let mut k = start;
        let mut escaped = false;
        let mut count = 0;
        loop {
            match s.get(k) {
                Some(b'"') => break,
                Some(b'\\') => {
                    if !s.get(k + 1).is_some_and(|&b| is_tchar(b)) {
                        return Err(E);
                    }
                    escaped = true;
                    k += 2;
                }
                Some(&b) if is_tchar(b) => k += 1,
                _ => return Err(E),
            }
            count += 1;
        }
        if count == 0 {
            return Err(E);
        }
        Ok((Param { name, value: Some(ParamValue { raw: &s[start..k], escaped }) }, k + 1))
    } else {
        let end = token_end(s, j);
        if end == j {
            return Err(E);
        }
        Ok((Param { name, value: Some(ParamValue { raw: &s[j..end], escaped: false }) }, end))
    }
}

/// Parses one extension at `i` (at its name); returns it and the index after it.
fn parse_extension(s: &[u8], i: usize) -> Result<(Extension<'_>, usize), HandshakeError> {
    let end = token_end(s, i);
    if end == i {
        return Err(E);
    }
    let name = ascii(&s[i..end]);
    let mut k = end;
    loop {
        let j = skip_ows(s, k);
        match s.get(j) {
            Some(b';') => {
                let (_, next) = parse_param(s, skip_ows(s, j + 1))?;
                k = next;
            }
            None | Some(b',') => {
                return Ok((Extension { name, params: &s[end..k] }, j));
            }
            Some(_) => return Err(E),
        }
    }
}

/// The parameters of an [`Extension`].
#[derive(Clone, Debug)]
pub struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Params<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        let s = self.rest;
        let j = skip_ows(s, 0);
        if s.get(j) != Some(&b';') {
            return None;
        }
        let (p, next) = parse_param(s, skip_ows(s, j + 1)).ok()?;
        self.rest = s.get(next..).unwrap_or_default();
        Some(p)
    }
}

/// Parses one `Sec-WebSocket-Extensions` value: an iterator of extensions,
/// ending after the first error.
pub fn parse(value: &[u8]) -> ExtensionList<'_> {
    ExtensionList { s: value, pos: 0, failed: false }
}

/// Checks that a `Sec-WebSocket-Extensions` value follows the grammar.
pub fn validate(value: &[u8]) -> Result<(), HandshakeError> {
    parse(value).try_for_each(|r| r.map(|_| ()))
}

/// The extensions of one header value; see [`parse`].
#[derive(Clone, Debug)]
pub struct ExtensionList<'a> {
    s: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Iterator for ExtensionList<'a> {
    type Item = Result<Extension<'a>, HandshakeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // Skip empty list elements.
        loop {
            self.pos = skip_ows(self.s, self.pos);
            if self.s.get(self.pos) == Some(&b',') {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos >= self.s.len() {
            return None;
        }
        match parse_extension(self.s, self.pos) {
            Ok((ext, next)) => {
                self.pos = next;
                Some(Ok(ext))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// The extensions of every `Sec-WebSocket-Extensions` header in a list of
/// headers (or of one value), combined in order. Values are validated when
/// a request or response is accepted; an invalid one ends the iteration.
#[derive(Clone, Debug)]
pub struct Extensions<'r> {
    values: Option<Values<'r, 'r>>,
    current: ExtensionList<'r>,
}

impl<'r> Extensions<'r> {
    /// The extensions in every `Sec-WebSocket-Extensions` header of `headers`.
    pub fn from_headers(headers: &'r [Header<'r>]) -> Self {
        Self::from_values(Fields::Headers(headers).values("sec-websocket-extensions"))
    }

    /// The extensions in one header value (`None`: no extensions).
    pub fn from_value(value: Option<&'r [u8]>) -> Self {
        Self { values: None, current: parse(value.unwrap_or_default()) }
    }

    /// The extensions in a sequence of header values.
    pub(crate) fn from_values(values: Values<'r, 'r>) -> Self {
        Self { values: Some(values), current: parse(&[]) }
    }
}

impl<'r> Iterator for Extensions<'r> {
    type Item = Extension<'r>;

    fn next(&mut self) -> Option<Extension<'r>> {
        loop {
            match self.current.next() {
                Some(Ok(e)) => return Some(e),
                Some(Err(_)) => return None,
                None => self.current = parse(self.values.as_mut()?.next()?),
            }
        }
    }
}

/// Validates every `Sec-WebSocket-Extensions` header in `headers`.
pub(crate) fn validate_headers(headers: &[Header<'_>]) -> Result<(), HandshakeError> {
    headers.iter().filter(|h| h.is("sec-websocket-extensions")).try_for_each(|h| validate(h.value))
}

/// Writes a `Sec-WebSocket-Extensions` value into a caller buffer.
///
/// Names must be tokens; a value that is a token is written as is, any
/// other value as a quoted string with `"` and `\` escaped.
#[derive(Debug)]
pub struct ExtensionWriter<'b> {
    out: Out<'b>,
    first: bool,
}

impl<'b> ExtensionWriter<'b> {
    /// A writer into `out`.
    pub fn new(out: &'b mut [u8]) -> Self {
        Self { out: Out::new(out), first: true }
    }

    /// Starts a new extension.
    pub fn extension(&mut self, name: &str) -> &mut Self {
        if !self.first {
            self.out.put(b", ");
        }
        self.first = false;
        self.out.put(name.as_bytes());
        self
    }

    /// Adds a parameter to the current extension.
    pub fn param(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        self.param_bytes(name, value.map(str::as_bytes))
    }

    /// Adds a parameter whose value is given as bytes (e.g. a parsed [`ParamValue`]).
    pub fn param_bytes(&mut self, name: &str, value: Option<&[u8]>) -> &mut Self {
        self.out.put(b"; ");
        self.out.put(name.as_bytes());
        if let Some(v) = value {
            self.out.put(b"=");
            if !v.is_empty() && v.iter().all(|&b| is_tchar(b)) {
                self.out.put(v);
            } else {
                self.out.put(b"\"");
                for &b in v {
                    if b == b'"' || b == b'\\' {
                        self.out.put(b"\\");
                    }
                    self.out.put(&[b]);
                }
                self.out.put(b"\"");
            }
        }
        self
    }

    /// Copies a parsed extension (name and parameters, values unescaped).
    pub fn copy(&mut self, ext: &Extension<'_>) -> &mut Self {
        self.extension(ext.name);
        for p in ext.params() {
            self.out.put(b"; ");
            self.out.put(p.name.as_bytes());
            if let Some(v) = p.value {
                // A parsed value is a token once unescaped: write it bare.
                self.out.put(b"=");
                for b in v.bytes() {
                    self.out.put(&[b]);
                }
            }
        }
        self
    }

    /// The number of bytes written, or how many were needed.
    pub fn finish(self) -> Result<usize, BufferTooSmall> {
        self.out.finish()
    }
}
