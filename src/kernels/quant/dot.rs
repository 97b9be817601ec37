//! Dot products of one token's activations with weight rows kept in their GGML block format:
//! the decoder's one-token steps, where each weight is used once per token, so reading the
//! blocks as they lie (no widened copy) is what sets the speed. Q4_1 and Q8_0 (SmolLM2's
//! types) have their loops here, Q5_0, Q4_K and Q6_K (Gemma 3's) in `dot_k`; any other type
//! is dequantized a row at a time first.
//!
//! Q4_1 and Q8_0 multiply integers: the activations are rounded to 16 bits per block of 32
//! (`Activations`: error at most 1.5e-5 of the block's largest, where llama.cpp rounds to 8
//! bits), each block's products summed exactly in i32, then scaled in f32 block after block in
//! the same order in every build. So the portable, SIMD128 and relaxed builds and the native
//! CLI write the same text, bit for bit. Q4_1's weight is u·d + m: a block's share is
//! d·s·Σ u·q + m·Σ x, with Σ x taken once per token in f32.
use super::{dequantize_row, dot_k, q4_1, q8_0, GgmlType};

/// Largest 16-bit magnitude an activation is rounded to.
const Q16: f32 = 32767.0;

/// One token's activations for the integer dots: x ≈ q · scale per block of 32.
pub struct Activations {
    /// (K,) rounded activations.
    pub(super) q: Vec<i16>,
    /// (K/32 rounded up to 4,) each block's scale, max|x| / 32767 (zero past the last).
    pub(super) scale: Vec<f32>,
    /// (K/32 rounded up to 4,) each block's Σ x in f32, what Q4_1's minimum multiplies.
    pub(super) sums: Vec<f32>,
}

impl Activations {
    /// `x` (K,), K a multiple of 32 (every block format's row is).
    pub fn new(x: &[f32]) -> Activations {
        let blocks = x.len() / 32;
        let mut a = Activations {
            q: Vec::with_capacity(x.len()),
            scale: Vec::with_capacity(blocks),
            sums: Vec::with_capacity(blocks),
        };
        for b in x.chunks(32) {
            let max = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let scale = max / Q16;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            a.q.extend(b.iter().map(|&v| (v * inv).round() as i16));
            a.scale.push(scale);
            a.sums.push(b.iter().sum());
        }
        // Blocks are scaled four at a time: zeros past the last make the tail a full group.
        let padded = blocks.next_multiple_of(4);
        a.scale.resize(padded, 0.0);
        a.sums.resize(padded, 0.0);
        a
    }
}

/// Σ_k x[k]·w[k] over one row `w` of weights of type `ty` (its bytes, whole blocks); `x` and
/// `acts` are the same token. `scratch` is reused by the types without a loop of their own.
pub fn dot_row(
    ty: GgmlType,
    w: &[u8],
    x: &[f32],
    acts: &Activations,
    scratch: &mut Vec<f32>,
) -> f32 {
    match ty {
        GgmlType::Q4_1 | GgmlType::Q8_0 => dot_blocks(Int::of(ty), w, acts),
        GgmlType::Q5_0 => dot_k::dot_q5_0::<dot_k::Fast>(w, acts),
        GgmlType::Q4K => dot_k::dot_q4_k::<dot_k::Fast>(w, acts),
        GgmlType::Q6K => dot_k::dot_q6_k::<dot_k::Fast>(w, acts),
        _ => {
            scratch.resize(x.len(), 0.0);
            dequantize_row(ty, w, scratch).expect("row sizes checked at load");
            dot_f32(x, scratch)
        }
    }
}

/// Where a block format with an integer loop keeps its numbers.
#[derive(Clone, Copy)]
struct Int {
    bytes: usize,
    /// Offset of the f16 minimum (Q4_1), if any.
    min: Option<usize>,
    /// Offset of the quantized values.
    values: usize,
    sum: fn(&[u8], &[i16]) -> i32,
}

impl Int {
    fn of(ty: GgmlType) -> Int {
        match ty {
            GgmlType::Q4_1 => Int {
                bytes: q4_1::BLOCK_BYTES,
                min: Some(2),
                values: 4,
                sum: int_q4_1,
            },
            _ => Int {
                bytes: q8_0::BLOCK_BYTES,
                min: None,
                values: 2,
                sum: int_q8_0,
            },
        }
    }
}

/// An f16's bits as f32 for a finite value (see `f16_at`); an infinity or NaN comes out
/// finite, the same in every build (the SIMD path does these very operations lane-wise).
#[inline(always)]
fn f16_finite(h: u16) -> f32 {
    let h = h as u32;
    let magnitude = f32::from_bits((h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    f32::from_bits(magnitude.to_bits() | (h & 0x8000) << 16)
}

/// `dot_row` of a type with an integer loop in portable code, which every build must equal
/// bit for bit (the wasm tests check the SIMD builds against it).
pub fn dot_row_portable(ty: GgmlType, w: &[u8], acts: &Activations) -> f32 {
    match ty {
        GgmlType::Q4_1 | GgmlType::Q8_0 => dot_blocks_portable(Int::of(ty), w, acts),
        GgmlType::Q5_0 => dot_k::dot_q5_0::<dot_k::Portable>(w, acts),
        GgmlType::Q4K => dot_k::dot_q4_k::<dot_k::Portable>(w, acts),
        GgmlType::Q6K => dot_k::dot_q6_k::<dot_k::Portable>(w, acts),
        _ => panic!("{ty} has no integer loop"),
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use dot_blocks_portable as dot_blocks;

/// The blocks four at a time, lane j of a group holding block 4g + j: its exact i32 sum,
/// times d·s, plus m·Σx, added into lane j; the four lanes summed in order at the end.
fn dot_blocks_portable(f: Int, w: &[u8], acts: &Activations) -> f32 {
    let blocks = w.len() / f.bytes;
    let mut lanes = [0.0f32; 4];
    for g in 0..blocks.div_ceil(4) {
        let (mut isum, mut d, mut m) = ([0i32; 4], [0.0f32; 4], [0.0f32; 4]);
        for j in 0..4.min(blocks - 4 * g) {
            let b = 4 * g + j;
            let blk = &w[b * f.bytes..(b + 1) * f.bytes];
            isum[j] = (f.sum)(&blk[f.values..], &acts.q[b * 32..(b + 1) * 32]);
            d[j] = f16_finite(u16::from_le_bytes([blk[0], blk[1]]));
            if let Some(o) = f.min {
                m[j] = f16_finite(u16::from_le_bytes([blk[o], blk[o + 1]]));
            }
        }
        for j in 0..4 {
            let (s, sums) = (acts.scale[4 * g + j], acts.sums[4 * g + j]);
            lanes[j] += isum[j] as f32 * (d[j] * s) + m[j] * sums;
        }
    }
    lanes[0] + lanes[1] + lanes[2] + lanes[3]
}

/// Σ u·q over a Q4_1 block's 16 nibble bytes (element j low nibble of byte j, element 16 + j
/// its high nibble) and 32 activations. At most 15 · 32767 · 32: no overflow.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn int_q4_1(qs: &[u8], q: &[i16]) -> i32 {
    let (lo, hi) = q.split_at(16);
    qs.iter()
        .zip(lo.iter().zip(hi))
        .map(|(&b, (&l, &h))| (b & 0x0F) as i32 * l as i32 + (b >> 4) as i32 * h as i32)
        .sum()
}

/// Σ w·q over a Q8_0 block's 32 int8 weights. At most 128 · 32767 · 32: no overflow.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn int_q8_0(qs: &[u8], q: &[i16]) -> i32 {
    qs.iter()
        .zip(q)
        .map(|(&w, &v)| w as i8 as i32 * v as i32)
        .sum()
}

/// One row of `ty` weights into floats for the matmul: Q4_1, Q8_0, Q5_0, Q4_K and Q6_K in
/// SIMD where built with it (Q4_1's u·d + m may be fused into one rounding there; the others
/// give `dequantize_row`'s bits), every other type by `dequantize_row`.
pub fn widen_row(ty: GgmlType, w: &[u8], out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    match ty {
        GgmlType::Q4_1 => return simd::widen_q4_1(w, out),
        GgmlType::Q8_0 => return simd::widen_q8_0(w, out),
        GgmlType::Q5_0 => return dot_k::widen_q5_0(w, out),
        GgmlType::Q4K => return dot_k::widen_q4_k(w, out),
        GgmlType::Q6K => return dot_k::widen_q6_k(w, out),
        _ => {}
    }
    dequantize_row(ty, w, out).expect("row sizes checked at load");
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let tail: f32 = a
        .chunks_exact(8)
        .remainder()
        .iter()
        .zip(b.chunks_exact(8).remainder())
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd::{dot_blocks, dot_f32, int_q4_1, int_q8_0};

/// The same loops in SIMD128: bytes widened to four f32 lanes with one swizzle (lanes past
/// the 16 bytes read as zero), then multiply-added into one accumulator per block.
/// Four blocks' i32x4 partial sums as one vector of their totals (dot_k's groups use it too).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(super) use simd::totals;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::super::{f16_at, q4_1, q8_0};
    use crate::kernels::simd128::{fma, hsum};
    use core::arch::wasm32::*;

    /// Byte lanes `4i..4i+4` of the swizzle mask pick byte `base + i` into the low byte of
    /// u32 lane i, zeros (index 16+) above it.
    const fn spread(base: u8) -> v128 {
        u8x16(
            base,
            16,
            16,
            16,
            base + 1,
            16,
            16,
            16,
            base + 2,
            16,
            16,
            16,
            base + 3,
            16,
            16,
            16,
        )
    }
    const SPREAD: [v128; 4] = [spread(0), spread(4), spread(8), spread(12)];

    /// Four f32 lanes from bytes `4i..4i+4` of `q` read as unsigned.
    #[inline(always)]
    fn lanes_u8(q: v128, i: usize) -> v128 {
        f32x4_convert_i32x4(i8x16_swizzle(q, SPREAD[i]))
    }

    /// Four i32 lanes summed (exact).
    #[inline(always)]
    fn hsum_i32(v: v128) -> i32 {
        i32x4_extract_lane::<0>(v)
            .wrapping_add(i32x4_extract_lane::<1>(v))
            .wrapping_add(i32x4_extract_lane::<2>(v))
            .wrapping_add(i32x4_extract_lane::<3>(v))
    }

    /// Four i32x4 partial sums as one vector of their totals: [Σa, Σb, Σc, Σd] (exact).
    #[inline(always)]
    pub(in crate::kernels::quant) fn totals(a: v128, b: v128, c: v128, d: v128) -> v128 {
        let ab = i32x4_add(
            i32x4_shuffle::<0, 4, 2, 6>(a, b),
            i32x4_shuffle::<1, 5, 3, 7>(a, b),
        );
        let cd = i32x4_add(
            i32x4_shuffle::<0, 4, 2, 6>(c, d),
            i32x4_shuffle::<1, 5, 3, 7>(c, d),
        );
        i32x4_add(
            i32x4_shuffle::<0, 1, 4, 5>(ab, cd),
            i32x4_shuffle::<2, 3, 6, 7>(ab, cd),
        )
    }

    /// `super::f16_finite` on four lanes of f16 bits (the low half of each u32; the high half
    /// is ignored).
    #[inline(always)]
    fn f16x4(h: v128) -> v128 {
        let magnitude = f32x4_mul(
            i32x4_shl(v128_and(h, u32x4_splat(0x7fff)), 13),
            f32x4_splat(f32::from_bits(0x7780_0000)),
        );
        v128_or(magnitude, i32x4_shl(v128_and(h, u32x4_splat(0x8000)), 16))
    }

    /// `super::dot_blocks` in SIMD128: the same operations lane by lane, so the same bits.
    pub fn dot_blocks(f: super::Int, w: &[u8], acts: &super::Activations) -> f32 {
        if f.min.is_some() {
            blocks_of::<true>(w, acts)
        } else {
            blocks_of::<false>(w, acts)
        }
    }

    /// One format's loop (Q4_1 when `Q4`, else Q8_0), four blocks per group, unrolled; a
    /// last partial group is padded with zero blocks (whose scale and sum are zero too).
    #[inline(always)]
    fn blocks_of<const Q4: bool>(w: &[u8], acts: &super::Activations) -> f32 {
        let bytes = if Q4 {
            q4_1::BLOCK_BYTES
        } else {
            q8_0::BLOCK_BYTES
        };
        let blocks = w.len() / bytes;
        let groups = blocks.div_ceil(4);
        assert!(acts.q.len() >= blocks * 32 && acts.scale.len() >= groups * 4);
        let mut padded = [0u8; 4 * q8_0::BLOCK_BYTES];
        let mut padded_q = [0i16; 4 * 32];
        let mut lanes = f32x4_splat(0.0);
        for g in 0..groups {
            let (wp, qp) = if 4 * (g + 1) <= blocks {
                // SAFETY: blocks 4g..4g+4 lie in w, their activations in acts.q (asserted).
                unsafe {
                    (
                        w.as_ptr().add(4 * g * bytes),
                        acts.q.as_ptr().add(4 * g * 32),
                    )
                }
            } else {
                let n = blocks - 4 * g;
                padded[..n * bytes].copy_from_slice(&w[4 * g * bytes..]);
                padded_q[..n * 32].copy_from_slice(&acts.q[4 * g * 32..blocks * 32]);
                (padded.as_ptr(), padded_q.as_ptr())
            };
            // SAFETY: wp holds 4 blocks of `bytes` and qp 4 × 32 activations (either in place
            // or in the padded copies); scale and sums hold whole groups (asserted).
            unsafe {
                let lanes_of = |j: usize| {
                    let (b, q) = (wp.add(j * bytes), qp.add(j * 32));
                    if Q4 {
                        q4_1_lanes(b.add(4), q)
                    } else {
                        q8_0_lanes(b.add(2), q)
                    }
                };
                let isum =
                    f32x4_convert_i32x4(totals(lanes_of(0), lanes_of(1), lanes_of(2), lanes_of(3)));
                // Each block starts with its f16 d, then (Q4_1) its f16 m: one u32 holds both,
                // and `f16x4` reads only the low 16 bits of a lane.
                let h = |j: usize| (wp.add(j * bytes) as *const u32).read_unaligned();
                let dm = u32x4(h(0), h(1), h(2), h(3));
                let dv = f16x4(dm);
                let s = v128_load(acts.scale.as_ptr().add(4 * g) as *const v128);
                let sums = v128_load(acts.sums.as_ptr().add(4 * g) as *const v128);
                let mv = if Q4 {
                    f16x4(u32x4_shr(dm, 16))
                } else {
                    f32x4_splat(0.0)
                };
                let e = f32x4_add(f32x4_mul(isum, f32x4_mul(dv, s)), f32x4_mul(mv, sums));
                lanes = f32x4_add(lanes, e);
            }
        }
        hsum(lanes)
    }

    /// A Q4_1 block's products as four i32 lanes (their total is `int_q4_1`).
    /// SAFETY: `qs` points at 16 readable bytes and `q` at 32 readable i16.
    #[inline(always)]
    unsafe fn q4_1_lanes(qs: *const u8, q: *const i16) -> v128 {
        let w = v128_load(qs as *const v128);
        let (lo, hi) = (v128_and(w, u8x16_splat(0x0F)), u8x16_shr(w, 4));
        let qp = q as *const v128;
        let a = i32x4_add(
            i32x4_dot_i16x8(u16x8_extend_low_u8x16(lo), v128_load(qp)),
            i32x4_dot_i16x8(u16x8_extend_high_u8x16(lo), v128_load(qp.add(1))),
        );
        let b = i32x4_add(
            i32x4_dot_i16x8(u16x8_extend_low_u8x16(hi), v128_load(qp.add(2))),
            i32x4_dot_i16x8(u16x8_extend_high_u8x16(hi), v128_load(qp.add(3))),
        );
        i32x4_add(a, b)
    }

    /// A Q8_0 block's products as four i32 lanes (their total is `int_q8_0`).
    /// SAFETY: `qs` points at 32 readable bytes and `q` at 32 readable i16.
    #[inline(always)]
    unsafe fn q8_0_lanes(qs: *const u8, q: *const i16) -> v128 {
        let (w0, w1) = (
            v128_load(qs as *const v128),
            v128_load(qs.add(16) as *const v128),
        );
        let qp = q as *const v128;
        let a = i32x4_add(
            i32x4_dot_i16x8(i16x8_extend_low_i8x16(w0), v128_load(qp)),
            i32x4_dot_i16x8(i16x8_extend_high_i8x16(w0), v128_load(qp.add(1))),
        );
        let b = i32x4_add(
            i32x4_dot_i16x8(i16x8_extend_low_i8x16(w1), v128_load(qp.add(2))),
            i32x4_dot_i16x8(i16x8_extend_high_i8x16(w1), v128_load(qp.add(3))),
        );
        i32x4_add(a, b)
    }

    pub fn int_q4_1(qs: &[u8], q: &[i16]) -> i32 {
        assert!(qs.len() >= 16 && q.len() >= 32);
        // SAFETY: the lengths are checked above.
        hsum_i32(unsafe { q4_1_lanes(qs.as_ptr(), q.as_ptr()) })
    }

    pub fn int_q8_0(qs: &[u8], q: &[i16]) -> i32 {
        assert!(qs.len() >= 32 && q.len() >= 32);
        // SAFETY: the lengths are checked above.
        hsum_i32(unsafe { q8_0_lanes(qs.as_ptr(), q.as_ptr()) })
    }

    pub fn widen_q4_1(w: &[u8], out: &mut [f32]) {
        let mask = u8x16_splat(0x0F);
        for (b, o) in w
            .chunks_exact(q4_1::BLOCK_BYTES)
            .zip(out.chunks_exact_mut(32))
        {
            let (d, m) = (f32x4_splat(f16_at(&b[0..2])), f32x4_splat(f16_at(&b[2..4])));
            // SAFETY: b is 20 bytes (16 read from 4), o 32 floats (8 vectors written).
            unsafe {
                let q = v128_load(b.as_ptr().add(4) as *const v128);
                let (lo, hi) = (v128_and(q, mask), u8x16_shr(q, 4));
                let op = o.as_mut_ptr() as *mut v128;
                for i in 0..4 {
                    v128_store(op.add(i), fma(lanes_u8(lo, i), d, m));
                    v128_store(op.add(4 + i), fma(lanes_u8(hi, i), d, m));
                }
            }
        }
    }

    pub fn widen_q8_0(w: &[u8], out: &mut [f32]) {
        for (b, o) in w
            .chunks_exact(q8_0::BLOCK_BYTES)
            .zip(out.chunks_exact_mut(32))
        {
            let d = f32x4_splat(f16_at(b));
            // SAFETY: b is 34 bytes (32 read from 2), o 32 floats (8 vectors written).
            unsafe {
                let op = o.as_mut_ptr() as *mut v128;
                for half in 0..2 {
                    let q = v128_load(b.as_ptr().add(2 + 16 * half) as *const v128);
                    let (w0, w1) = (i16x8_extend_low_i8x16(q), i16x8_extend_high_i8x16(q));
                    let ws = [
                        i32x4_extend_low_i16x8(w0),
                        i32x4_extend_high_i16x8(w0),
                        i32x4_extend_low_i16x8(w1),
                        i32x4_extend_high_i16x8(w1),
                    ];
                    for (i, wi) in ws.into_iter().enumerate() {
                        v128_store(op.add(4 * half + i), f32x4_mul(f32x4_convert_i32x4(wi), d));
                    }
                }
            }
        }
    }

    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = [f32x4_splat(0.0); 2];
        let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
        let tail: f32 = ac
            .remainder()
            .iter()
            .zip(bc.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in ac.zip(bc) {
            // SAFETY: both chunks are 8 floats.
            unsafe {
                let (xp, yp) = (x.as_ptr() as *const v128, y.as_ptr() as *const v128);
                acc[0] = fma(v128_load(xp), v128_load(yp), acc[0]);
                acc[1] = fma(v128_load(xp.add(1)), v128_load(yp.add(1)), acc[1]);
            }
        }
        hsum(f32x4_add(acc[0], acc[1])) + tail
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A row of `blocks` blocks of `ty` with bytes from a fixed generator, scales kept small
    /// and finite (f16 bits with a moderate exponent).
    pub(crate) fn random_row(ty: GgmlType, blocks: usize, seed: u64) -> Vec<u8> {
        let (_, bytes) = ty.block();
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as u8
        };
        let mut row: Vec<u8> = (0..blocks * bytes).map(|_| next()).collect();
        let f16s: &[usize] = match ty {
            GgmlType::Q4_1 => &[0, 2],
            GgmlType::Q8_0 | GgmlType::Q5_0 => &[0],
            GgmlType::Q4K => &[0, 2],
            GgmlType::Q6K => &[208],
            _ => &[],
        };
        for b in 0..blocks {
            for &o in f16s {
                row[b * bytes + o + 1] = 0x20 | (row[b * bytes + o + 1] & 0x83);
                // |v| in [2^-7, 2^-4)
            }
        }
        row
    }

    #[test]
    fn block_dots_are_within_the_16_bit_rounding_of_dequantize_then_dot_in_f64() {
        for ty in [GgmlType::Q4_1, GgmlType::Q8_0, GgmlType::Q5_0] {
            for blocks in [1, 3, 18] {
                let w = random_row(ty, blocks, blocks as u64 * 7 + ty.id() as u64);
                let x: Vec<f32> = (0..blocks * 32)
                    .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
                    .collect();
                let mut wf = vec![0.0f32; x.len()];
                dequantize_row(ty, &w, &mut wf).unwrap();
                let want: f64 = wf.iter().zip(&x).map(|(&a, &b)| a as f64 * b as f64).sum();
                let got = dot_row(ty, &w, &x, &Activations::new(&x), &mut Vec::new());
                // Each activation is off by at most half a step, max|x| / 65534 of its block.
                let max_x = x.iter().fold(0.0f64, |m, &v| m.max(v.abs() as f64));
                let bound: f64 = wf.iter().map(|&a| a.abs() as f64).sum::<f64>() * max_x / 65534.0;
                assert!(
                    (got as f64 - want).abs() <= bound * 1.01 + 1e-6 * want.abs(),
                    "{ty} × {blocks}: {got} vs {want}, bound {bound}"
                );
            }
        }
    }

    #[test]
    fn f16_finite_equals_f16_at_on_every_finite_value() {
        for h in (0..=u16::MAX).filter(|h| h & 0x7c00 != 0x7c00) {
            assert_eq!(
                f16_finite(h).to_bits(),
                super::super::f16_at(&h.to_le_bytes()).to_bits(),
                "{h:#06x}"
            );
        }
    }

    #[test]
    fn integer_block_sums_are_exact() {
        // Extremes: every nibble 15 or weight −128 against ±32767 activations.
        let q: Vec<i16> = (0..32)
            .map(|i| if i % 3 == 0 { -32767 } else { 32767 })
            .collect();
        for qs in [[0xFFu8; 32], [0x80u8; 32], [0x5Au8; 32]] {
            let want4: i64 = (0..16)
                .map(|j| (qs[j] & 15) as i64 * q[j] as i64 + (qs[j] >> 4) as i64 * q[16 + j] as i64)
                .sum();
            assert_eq!(int_q4_1(&qs[..16], &q) as i64, want4);
            let want8: i64 = qs
                .iter()
                .zip(&q)
                .map(|(&w, &v)| w as i8 as i64 * v as i64)
                .sum();
            assert_eq!(int_q8_0(&qs, &q) as i64, want8);
        }
    }
}
