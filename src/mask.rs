//! Payload masking (RFC 6455 §5.3) and the source of mask keys.
//!
//! This is the one module with `unsafe`: calls into copies of the masking
//! loops compiled for AVX2 or AVX-512, made only after the CPU was seen to
//! support them. The loops themselves are safe code; the compiler vectorises
//! them to the width the target allows. Miri runs the tests of this module
//! in CI, built with `-C target-feature=+avx2` so that it executes the AVX2
//! branch too.

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
    if buf.len() < SHORT {
        mask_words(buf, key);
    } else {
        mask_large(buf, key);
    }
}

/// Below this many bytes, general registers: most frames are short, and a
/// call through the feature check would cost more than the masking.
const SHORT: usize = 64;

/// From this many bytes on, the wide loops first align the buffer to the
/// vector width (a load or store across two cache lines costs up to twice
/// as much) and go from the end backwards. Below it, the few bytes of
/// alignment prologue cost more than they save.
const ALIGN_FROM: usize = 1024;

/// Payloads of [`SHORT`] bytes and more: vector registers, AVX-512 or AVX2
/// where the CPU has them.
#[inline(never)]
fn mask_large(buf: &mut [u8], key: [u8; 4]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if !FORCE_PLAIN {
            if buf.len() >= ALIGN_FROM && std::is_x86_feature_detected!("avx512f") {
                // SAFETY: `mask_avx512` only requires AVX-512F, which was detected on this CPU just above.
                unsafe { mask_avx512(buf, key) };
                return;
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: `mask_avx2` only requires AVX2, which was detected on this CPU just above.
                unsafe { mask_avx2(buf, key) };
                return;
            }
        }
    }
    mask_vectors::<16, 64>(buf, key);
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn mask_avx2(buf: &mut [u8], key: [u8; 4]) {
    mask_vectors::<32, 128>(buf, key);
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f")]
fn mask_avx512(buf: &mut [u8], key: [u8; 4]) {
    mask_vectors::<64, 256>(buf, key);
}

/// The wide loop, for vectors of `W` bytes, `STEP` (four vectors) per
/// iteration. The loops are safe code over arrays of the key repeated to
/// their width: with no index arithmetic in them the compiler turns each
/// into vector XORs of the width the caller's `target_feature` allows
/// (SSE2 or NEON for the portable build).
///
/// Long buffers go from the end backwards: a payload has just been written
/// front to back (by the read that received it, or the copy before), so its
/// end is what still sits in the L1 cache; starting there uses it before
/// the rest of the sweep evicts it.
#[inline(always)]
fn mask_vectors<const W: usize, const STEP: usize>(buf: &mut [u8], key: [u8; 4]) {
    if buf.len() < ALIGN_FROM {
        let rest = xor_blocks::<STEP>(buf, key);
        mask_words(rest, key);
        return;
    }
    let head_len = buf.as_ptr().align_offset(W).min(buf.len());
    let (head, aligned) = buf.split_at_mut(head_len);
    let aligned_key = rotate_key(key, head_len);
    let body_len = aligned.len() - aligned.len() % STEP;
    let (body, tail) = aligned.split_at_mut(body_len);
    // Each part starts at a multiple of 4 from the aligned start, so all share `aligned_key`.
    let rest = xor_blocks::<W>(tail, aligned_key);
    mask_words(rest, aligned_key);
    let wide = widen::<STEP>(aligned_key);
    for block in body.chunks_exact_mut(STEP).rev() {
        xor_block(block, &wide);
    }
    mask_words(head, key);
}

/// XORs whole blocks of `N` bytes from the front; returns the rest (under `N` bytes).
#[inline(always)]
fn xor_blocks<const N: usize>(buf: &mut [u8], key: [u8; 4]) -> &mut [u8] {
    let wide = widen::<N>(key);
    let mut blocks = buf.chunks_exact_mut(N);
    for block in &mut blocks {
        xor_block(block, &wide);
    }
    // N is a multiple of 4, so the rest starts at key position 0 again.
    blocks.into_remainder()
}

#[inline(always)]
fn xor_block(block: &mut [u8], wide: &[u8]) {
    for (b, k) in block.iter_mut().zip(wide) {
        *b ^= k;
    }
}

/// The key repeated over `N` bytes (a multiple of 8), built from one 64-bit
/// word (a byte loop here would cost more than masking a short payload).
#[inline(always)]
fn widen<const N: usize>(key: [u8; 4]) -> [u8; N] {
    let word = key_word(key).to_ne_bytes();
    let mut wide = [0u8; N];
    for chunk in wide.chunks_exact_mut(8) {
        chunk.copy_from_slice(&word);
    }
    wide
}

/// The key twice in one 64-bit word, in memory order.
#[inline(always)]
fn key_word(key: [u8; 4]) -> u64 {
    let k = u64::from(u32::from_ne_bytes(key));
    k << 32 | k
}

/// Short payloads (most frames) and the ends of long ones: eight bytes at a
/// time in a general register, then four, then single bytes.
#[inline]
fn mask_words(buf: &mut [u8], key: [u8; 4]) {
    let wide = key_word(key);
    let (words, rest) = buf.as_chunks_mut::<8>();
    for w in words {
        *w = (u64::from_ne_bytes(*w) ^ wide).to_ne_bytes();
    }
    let rest = match rest.split_first_chunk_mut::<4>() {
        Some((half, rest)) => {
            *half = (u32::from_ne_bytes(*half) ^ u32::from_ne_bytes(key)).to_ne_bytes();
            rest
        }
        None => rest,
    };
    for (b, k) in rest.iter_mut().zip(key) {
        *b ^= k;
    }
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
    if dst.len() < SHORT {
        copy_masked_words(dst, src, key);
    } else {
        copy_masked_large(dst, src, key);
    }
}

/// [`copy_masked`] from [`SHORT`] bytes on: AVX2 where the CPU has it
/// (AVX-512 measured no faster here: the copy is bound by memory).
#[inline(never)]
fn copy_masked_large(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if !FORCE_PLAIN && std::is_x86_feature_detected!("avx2") {
            // SAFETY: `copy_masked_avx2` only requires AVX2, which was detected on this CPU just above.
            unsafe { copy_masked_avx2(dst, src, key) };
            return;
        }
    }
    copy_masked_vectors::<16, 64>(dst, src, key);
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn copy_masked_avx2(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    copy_masked_vectors::<32, 128>(dst, src, key);
}

/// The wide copy loop (`W` and `STEP` as in [`mask_vectors`]); long
/// destinations are aligned first, stores being the costlier side of a split.
#[inline(always)]
fn copy_masked_vectors<const W: usize, const STEP: usize>(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    if dst.len() < ALIGN_FROM {
        let (dst, src) = copy_masked_blocks::<STEP>(dst, src, key);
        copy_masked_words(dst, src, key);
        return;
    }
    let head_len = dst.as_ptr().align_offset(W).min(dst.len());
    let (dst_head, dst) = dst.split_at_mut(head_len);
    let (src_head, src) = src.split_at(head_len);
    copy_masked_words(dst_head, src_head, key);
    let key = rotate_key(key, head_len);
    let (dst, src) = copy_masked_blocks::<STEP>(dst, src, key);
    let (dst, src) = copy_masked_blocks::<W>(dst, src, key);
    copy_masked_words(dst, src, key);
}

/// Copies whole blocks of `N` bytes; returns the rest of both (under `N` bytes).
#[inline(always)]
fn copy_masked_blocks<'d, 's, const N: usize>(
    dst: &'d mut [u8],
    src: &'s [u8],
    key: [u8; 4],
) -> (&'d mut [u8], &'s [u8]) {
    let wide = widen::<N>(key);
    let (dst_blocks, dst_rest) = dst.as_chunks_mut::<N>();
    let (src_blocks, src_rest) = src.as_chunks::<N>();
    for (o, i) in dst_blocks.iter_mut().zip(src_blocks) {
        for j in 0..N {
            o[j] = i[j] ^ wide[j];
        }
    }
    (dst_rest, src_rest)
}

/// [`copy_masked`] for short payloads and the ends of long ones: words, then bytes.
#[inline]
fn copy_masked_words(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let wide = key_word(key);
    let (dst_words, dst_rest) = dst.as_chunks_mut::<8>();
    let (src_words, src_rest) = src.as_chunks::<8>();
    for (o, i) in dst_words.iter_mut().zip(src_words) {
        *o = (u64::from_ne_bytes(*i) ^ wide).to_ne_bytes();
    }
    for ((o, i), k) in dst_rest.iter_mut().zip(src_rest).zip(wide.to_ne_bytes()) {
        *o = i ^ k;
    }
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

/// The key as seen from payload position `offset`.
const fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let o = offset & 3;
    [key[o], key[(o + 1) & 3], key[(o + 2) & 3], key[(o + 3) & 3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer aligned to 64 bytes, so that `align` in the tests below is a real alignment.
    #[repr(C, align(64))]
    #[derive(Clone, Copy)]
    struct Aligned([u8; 1600]);

    fn pattern() -> Aligned {
        let mut a = Aligned([0u8; 1600]);
        for (i, b) in a.0.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(7);
        }
        a
    }

    /// Lengths that cross every path: short words, unaligned vectors, and the
    /// aligned backward loop with every size of head and tail.
    fn lengths() -> impl Iterator<Item = usize> {
        let long: &[usize] = if cfg!(miri) {
            &[1023, 1037]
        } else {
            &[511, 512, 513, 767, 768, 1000, 1023, 1279, 1280, 1281, 1337, 1500]
        };
        let short = if cfg!(miri) { 0..=140 } else { 0..=300 };
        let aligned = if cfg!(miri) { 0..=0 } else { ALIGN_FROM..=ALIGN_FROM + 80 };
        short.chain(aligned).chain(long.iter().copied())
    }

    /// Miri interprets every byte: it checks every alignment mod 32 only on a few lengths.
    fn alignments(len: usize) -> core::ops::Range<usize> {
        if !cfg!(miri) {
            0..64
        } else if len >= ALIGN_FROM {
            0..33
        } else {
            0..2
        }
    }

    /// RFC 6455 §5.3: fast == reference at every length, alignment and offset.
    #[test]
    fn fast_matches_reference_every_length_alignment_offset_rfc6455_5_3() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for len in lengths() {
            for align in alignments(len) {
                for offset in 0..4 {
                    let mut a = pattern();
                    let mut b = a;
                    apply_mask(&mut a.0[align..align + len], key, offset);
                    apply_mask_reference(&mut b.0[align..align + len], key, offset);
                    assert_eq!(a.0[..], b.0[..], "len {len} align {align} offset {offset}");
                }
            }
        }
    }

    /// A payload masked piece by piece equals the payload masked whole, at every split.
    #[test]
    fn split_at_every_point_matches_whole_rfc6455_5_3() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let len = if cfg!(miri) { 80 } else { 1300 };
        let mut whole = pattern();
        apply_mask_reference(&mut whole.0[..len], key, 0);
        for split in 0..=len {
            let mut parts = pattern();
            let (a, b) = parts.0[..len].split_at_mut(split);
            apply_mask(a, key, 0);
            apply_mask(b, key, split);
            assert_eq!(parts.0[..len], whole.0[..len], "split {split}");
        }
    }

    /// Offsets near `usize::MAX` (a position taken mod 2^N) must not overflow.
    #[test]
    fn huge_offsets_match_small_offsets_mod_4() {
        let key = [0x01, 0x20, 0x04, 0x80];
        for len in [1, 5, 64, 200, 1100] {
            for offset in [usize::MAX, usize::MAX - 1, usize::MAX - 2, usize::MAX - 3] {
                let mut a = pattern();
                let mut b = a;
                let mut c = a;
                apply_mask(&mut a.0[..len], key, offset);
                apply_mask_reference(&mut b.0[..len], key, offset);
                apply_mask_reference(&mut c.0[..len], key, offset & 3);
                assert_eq!(a.0[..len], c.0[..len], "fast, len {len} offset {offset}");
                assert_eq!(b.0[..len], c.0[..len], "reference, len {len} offset {offset}");
                let mut d = [0u8; 1100];
                copy_masked(&mut d[..len], &pattern().0[..len], key, offset);
                assert_eq!(d[..len], c.0[..len], "copy, len {len} offset {offset}");
            }
        }
    }

    /// The fused copy equals copy-then-reference at every length, alignment
    /// of the destination and of the source, and offset.
    #[test]
    fn copy_masked_matches_reference_every_length_alignment_offset_rfc6455_5_3() {
        let key = [9, 8, 7, 6];
        let src = pattern();
        for len in lengths() {
            for dst_align in alignments(len) {
                let src_align = (dst_align * 7 + 3) % 64;
                for offset in 0..4 {
                    let mut dst = Aligned([0u8; 1600]);
                    let input = &src.0[src_align..src_align + len];
                    copy_masked(&mut dst.0[dst_align..dst_align + len], input, key, offset);
                    let mut expect = [0u8; 1600];
                    expect[dst_align..dst_align + len].copy_from_slice(input);
                    apply_mask_reference(&mut expect[dst_align..dst_align + len], key, offset);
                    assert_eq!(dst.0[..], expect[..], "len {len} dst {dst_align} src {src_align} offset {offset}");
                }
            }
        }
    }

    /// Masking changes every byte a non-zero key byte covers, and masking
    /// again restores the input (a no-op mask would pass only the second check).
    #[test]
    fn masking_changes_bytes_and_twice_restores_rfc6455_5_3() {
        let key = [1, 2, 3, 4];
        for len in [3, 16, 63, 64, 300, 1030, 1500] {
            for align in [0, 1, 5] {
                let mut a = pattern();
                let mut reference = a;
                apply_mask(&mut a.0[align..align + len], key, 3);
                apply_mask_reference(&mut reference.0[align..align + len], key, 3);
                assert_eq!(a.0[..], reference.0[..], "len {len} align {align}");
                let original = pattern();
                let changed = a.0.iter().zip(original.0.iter()).filter(|(x, y)| x != y).count();
                assert_eq!(changed, len, "every byte of the payload, and only those, differs");
                apply_mask(&mut a.0[align..align + len], key, 3);
                assert_eq!(a.0[..], original.0[..], "len {len} align {align}");
            }
        }
    }
}
