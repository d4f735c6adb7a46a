//! Payload masking (RFC 6455 §5.3) and the source of mask keys.
//!
//! This is the one module with `unsafe`: a call into a copy of the masking
//! loop compiled for AVX2, made only after the CPU was seen to support it.
//! The loop itself is safe code; the compiler vectorises it to the width the
//! target allows. Miri runs the tests of this module in CI, built with
//! `-C target-feature=+avx2` so that it executes the AVX2 branch too.

/// Where a client gets a fresh, unpredictable mask key for each frame
/// (RFC 6455 §5.3). The crate never invents randomness: the caller supplies
/// it, e.g. from the OS random source. Implemented for closures.
///
/// ```
/// use wsmachine::MaskSource;
/// let mut counter = 0u32;
/// let mut source = move || { counter += 1; counter.to_be_bytes() }; // not random: a test stand-in
/// assert_eq!(source.next_mask(), [0, 0, 0, 1]);
/// ```
pub trait MaskSource {
    /// The key for the next frame.
    fn next_mask(&mut self) -> [u8; 4];
}

impl<F: FnMut() -> [u8; 4]> MaskSource for F {
    fn next_mask(&mut self) -> [u8; 4] {
        self()
    }
}

/// XORs `buf` with `key` in place, where `offset` is the position of
/// `buf[0]` in the frame's payload, so a payload that arrives in pieces can
/// be (un)masked piece by piece. Masking twice restores the input.
///
/// ```
/// use wsmachine::mask::apply_mask;
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut hello = *b"Hello";
/// apply_mask(&mut hello, key, 0);
/// assert_eq!(hello, [0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7
/// let (a, b) = hello.split_at_mut(2);
/// apply_mask(a, key, 0);
/// apply_mask(b, key, 2);
/// assert_eq!(&hello, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    if buf.len() < 64 {
        mask_small(buf, key);
    } else {
        mask_large(buf, key);
    }
}

/// Payloads of 64 bytes and more: vector registers, AVX2 where the CPU has it.
#[inline(never)]
fn mask_large(buf: &mut [u8], key: [u8; 4]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if !FORCE_PLAIN && std::is_x86_feature_detected!("avx2") {
            // SAFETY: `mask_avx2` only requires AVX2, which was detected on this CPU just above.
            unsafe { mask_avx2(buf, key) };
            return;
        }
    }
    mask_words(buf, key);
}

/// Copies `src` into `dst` masked with `key` (`offset` as in [`apply_mask`])
/// in one pass: how a client writes a payload into its output buffer.
/// `dst` and `src` must have the same length.
///
/// # Panics
/// If the lengths differ (a caller bug, like `copy_from_slice`).
///
/// ```
/// use wsmachine::mask::{apply_mask, copy_masked};
/// let mut out = [0u8; 5];
/// copy_masked(&mut out, b"Hello", [0x37, 0xfa, 0x21, 0x3d], 0);
/// let mut expect = *b"Hello";
/// apply_mask(&mut expect, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(out, expect);
/// ```
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    assert_eq!(dst.len(), src.len(), "copy_masked: lengths differ");
    let key = rotate_key(key, offset);
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if dst.len() >= 64 && !FORCE_PLAIN && std::is_x86_feature_detected!("avx2") {
            // SAFETY: `copy_masked_avx2` only requires AVX2, which was detected on this CPU just above.
            unsafe { copy_masked_avx2(dst, src, key) };
            return;
        }
    }
    copy_masked_words(dst, src, key);
}

#[inline(always)]
fn copy_masked_words(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let wide = widen(key);
    let mut d = dst.chunks_exact_mut(STEP);
    let mut s = src.chunks_exact(STEP);
    for (dc, sc) in (&mut d).zip(&mut s) {
        for ((o, i), k) in dc.iter_mut().zip(sc).zip(wide.iter()) {
            *o = i ^ k;
        }
    }
    for (i, (o, b)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *o = b ^ key[i & 3];
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn copy_masked_avx2(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    copy_masked_words(dst, src, key);
}

/// Bytes per step of the wide loops: four AVX2 registers, enough independent
/// work per iteration to keep loads and stores streaming.
const STEP: usize = 128;

/// The key repeated over one step, built from one 64-bit word (a byte loop
/// here would cost more than masking a short payload).
#[inline(always)]
fn widen(key: [u8; 4]) -> [u8; STEP] {
    let k = u64::from(u32::from_ne_bytes(key));
    let word = (k << 32 | k).to_ne_bytes();
    let mut wide = [0u8; STEP];
    for chunk in wide.chunks_exact_mut(8) {
        chunk.copy_from_slice(&word);
    }
    wide
}

/// Set by `--cfg wsmachine_plain_mask` to test the portable path on any machine.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const FORCE_PLAIN: bool = cfg!(wsmachine_plain_mask);

/// The byte-at-a-time definition of masking: the reference the fast path is tested against.
#[inline]
pub fn apply_mask_reference(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let offset = offset & 3; // only the position mod 4 matters; `i + offset` must not overflow
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(i + offset) & 3];
    }
}

/// Short payloads (most frames): eight bytes at a time in a general register.
#[inline]
fn mask_small(buf: &mut [u8], key: [u8; 4]) {
    let k = u32::from_ne_bytes(key);
    let wide = (u64::from(k) << 32 | u64::from(k)).to_ne_bytes();
    let wide = u64::from_ne_bytes(wide);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    apply_mask_reference(chunks.into_remainder(), key, 0);
}

/// The key as seen from payload position `offset`.
const fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let o = offset & 3;
    [key[o], key[(o + 1) & 3], key[(o + 2) & 3], key[(o + 3) & 3]]
}

/// Masks 64 bytes per step against a repeated key; with the key repeated to
/// the step's width the inner loop has no index arithmetic, so the compiler
/// turns it into vector XORs (SSE2 on any x86_64, AVX2 in `mask_avx2`).
#[inline(always)]
fn mask_words(buf: &mut [u8], key: [u8; 4]) {
    let wide = widen(key);
    let mut chunks = buf.chunks_exact_mut(STEP);
    for chunk in &mut chunks {
        for (b, k) in chunk.iter_mut().zip(wide.iter()) {
            *b ^= k;
        }
    }
    // STEP is a multiple of 4, so the tail starts at key position 0 again.
    mask_small(chunks.into_remainder(), key);
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn mask_avx2(buf: &mut [u8], key: [u8; 4]) {
    mask_words(buf, key);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(len: usize) -> [u8; 400] {
        let mut a = [0u8; 400];
        for (i, b) in a.iter_mut().enumerate().take(len) {
            *b = (i as u8).wrapping_mul(31).wrapping_add(7);
        }
        a
    }

    /// RFC 6455 §5.3: fast == reference at every length, offset and alignment.
    #[test]
    fn fast_matches_reference_every_length_offset_alignment() {
        let key = [0x12, 0x34, 0x56, 0x78];
        // Miri interprets every byte: it checks fewer cases, still crossing the 64-byte fast path.
        let (max_len, aligns, offsets) = if cfg!(miri) { (140, 3, 4) } else { (300, 16, 8) };
        for align in 0..aligns {
            for len in 0..=max_len {
                for offset in 0..offsets {
                    let mut a = pattern(align + len);
                    let mut b = a;
                    apply_mask(&mut a[align..align + len], key, offset);
                    apply_mask_reference(&mut b[align..align + len], key, offset);
                    assert_eq!(a[..], b[..], "len {len} offset {offset} align {align}");
                }
            }
        }
    }

    /// A payload masked piece by piece equals the payload masked whole, at every split.
    #[test]
    fn split_at_every_point_matches_whole() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let len = if cfg!(miri) { 80 } else { 200 };
        let mut whole = pattern(len);
        apply_mask(&mut whole[..len], key, 0);
        for split in 0..=len {
            let mut parts = pattern(len);
            let (a, b) = parts[..len].split_at_mut(split);
            apply_mask(a, key, 0);
            apply_mask(b, key, split);
            assert_eq!(parts[..len], whole[..len], "split {split}");
        }
    }

    /// Offsets near `usize::MAX` (a position taken mod 2^N) must not overflow.
    #[test]
    fn huge_offsets_match_small_offsets_mod_4() {
        let key = [0x01, 0x20, 0x04, 0x80];
        for len in [1, 5, 64, 200] {
            for offset in [usize::MAX, usize::MAX - 1, usize::MAX - 2, usize::MAX - 3] {
                let mut a = pattern(len);
                let mut b = a;
                let mut c = a;
                apply_mask(&mut a[..len], key, offset);
                apply_mask_reference(&mut b[..len], key, offset);
                apply_mask_reference(&mut c[..len], key, offset & 3);
                assert_eq!(a[..len], c[..len], "fast, len {len} offset {offset}");
                assert_eq!(b[..len], c[..len], "reference, len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn copy_masked_matches_reference() {
        let max_len = if cfg!(miri) { 130 } else { 300 };
        for len in 0..=max_len {
            for offset in 0..4 {
                let src = pattern(len);
                let mut dst = [0u8; 400];
                copy_masked(&mut dst[..len], &src[..len], [9, 8, 7, 6], offset);
                let mut expect = src;
                apply_mask_reference(&mut expect[..len], [9, 8, 7, 6], offset);
                assert_eq!(dst[..len], expect[..len], "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn masking_twice_restores() {
        let mut a = pattern(300);
        apply_mask(&mut a, [1, 2, 3, 4], 3);
        apply_mask(&mut a, [1, 2, 3, 4], 3);
        assert_eq!(a, pattern(300));
    }
}
