//! One token's dot products with Q5_0, Q4_K and Q6_K rows (Gemma 3's matrices), read where
//! they lie, as `dot` does for Q4_1 and Q8_0: the activations rounded to 16 bits per block of
//! 32 (`Activations`), each block's (or half-block's) products summed exactly in i32, then
//! scaled and added in f32 by the same scalar code in every build. Only the integer sums have
//! a SIMD128 version, and integer sums are exact, so every build gives the same bits.
//!
//! Per block of 32 activations (scale s, sum Σx) the shares are, as `dequantize_row` writes
//! the weights (ggml-quants.c):
//! - Q5_0: w = d·(u − 16), u of 5 bits: d·s·Σ(u − 16)·q;
//! - Q4_K: w = (d·sc)·u − dmin·m per 32 of its 256, u of 4 bits: (d·sc)·s·Σu·q − (dmin·m)·Σx;
//! - Q6_K: w = (d·sc)·(u − 32) per 16, u of 6 bits: a block's two halves each (d·sc)·s·Σ.
//!
//! Block b's share goes to lane b mod 4 and the four lanes are summed in order at the end.
use super::dot::Activations;
use super::{f16_at, q4_k, q5_0, q6_k};

/// The integer sums, portable or SIMD128: both exact, so interchangeable bit for bit.
pub trait IntSums {
    /// Σ (u − 16)·q over a Q5_0 block's 32 weights: `qhs` is its 4 high-bit bytes then 16
    /// nibble bytes. At most 16 · 32767 · 32 in magnitude.
    fn q5_0(qhs: &[u8], q: &[i16]) -> i32;
    /// Σ ((b >> shift) & 15)·q over 32 bytes `qs` (a Q4_K block of 32: low or high nibbles).
    fn nibbles(qs: &[u8], shift: u32, q: &[i16]) -> i32;
    /// A Q6_K block of 32 (element l: low bits `(ql[l] >> lo_shift) & 15`, high bits
    /// `(qh[l] >> hi_shift) & 3`, minus 32): the sums over l < 16 and l ≥ 16.
    fn q6(ql: &[u8], qh: &[u8], lo_shift: u32, hi_shift: u32, q: &[i16]) -> (i32, i32);
    /// `dot_q5_0`'s whole groups of four blocks added into `lanes` (block b into lane b mod
    /// 4, the same float operations in the same order); returns the blocks done. The
    /// portable code does none and leaves every block to the loop.
    fn q5_0_groups(_w: &[u8], _acts: &Activations, _lanes: &mut [f32; 4]) -> usize {
        0
    }
}

pub struct Portable;

impl IntSums for Portable {
    fn q5_0(qhs: &[u8], q: &[i16]) -> i32 {
        let qh = u32::from_le_bytes([qhs[0], qhs[1], qhs[2], qhs[3]]);
        let (lo, hi) = q.split_at(16);
        qhs[4..20]
            .iter()
            .enumerate()
            .map(|(j, &b)| {
                let u0 = (b & 0x0F) as i32 | (((qh >> j) & 1) << 4) as i32;
                let u1 = (b >> 4) as i32 | (((qh >> (j + 16)) & 1) << 4) as i32;
                (u0 - 16) * lo[j] as i32 + (u1 - 16) * hi[j] as i32
            })
            .sum()
    }

    fn nibbles(qs: &[u8], shift: u32, q: &[i16]) -> i32 {
        qs[..32]
            .iter()
            .zip(q)
            .map(|(&b, &v)| ((b >> shift) & 0x0F) as i32 * v as i32)
            .sum()
    }

    fn q6(ql: &[u8], qh: &[u8], lo_shift: u32, hi_shift: u32, q: &[i16]) -> (i32, i32) {
        let u = |l: usize| {
            (((ql[l] >> lo_shift) & 0x0F) | (((qh[l] >> hi_shift) & 3) << 4)) as i32 - 32
        };
        let half = |r: std::ops::Range<usize>| r.map(|l| u(l) * q[l] as i32).sum::<i32>();
        (half(0..16), half(16..32))
    }
}

/// Σ w·x over one row of Q5_0 blocks.
pub fn dot_q5_0<S: IntSums>(w: &[u8], acts: &Activations) -> f32 {
    let mut lanes = [0.0f32; 4];
    let first = S::q5_0_groups(w, acts, &mut lanes);
    for (b, blk) in w.chunks_exact(q5_0::BLOCK_BYTES).enumerate().skip(first) {
        let isum = S::q5_0(&blk[2..], &acts.q[b * 32..(b + 1) * 32]);
        lanes[b % 4] += isum as f32 * (f16_at(blk) * acts.scale[b]);
    }
    lanes[0] + lanes[1] + lanes[2] + lanes[3]
}

/// Σ w·x over one row of Q4_K super-blocks.
pub fn dot_q4_k<S: IntSums>(w: &[u8], acts: &Activations) -> f32 {
    let mut lanes = [0.0f32; 4];
    for (sb, blk) in w.chunks_exact(q4_k::BLOCK_BYTES).enumerate() {
        let (d, dmin) = (f16_at(&blk[0..2]), f16_at(&blk[2..4]));
        let (scales, qs) = (&blk[4..16], &blk[16..]);
        for j in 0..8 {
            let (sc, m) = q4_k::scale_min_k4(j, scales);
            let b = sb * 8 + j;
            let bytes = &qs[(j / 2) * 32..(j / 2) * 32 + 32];
            let isum = S::nibbles(bytes, 4 * (j as u32 % 2), &acts.q[b * 32..(b + 1) * 32]);
            lanes[j % 4] +=
                isum as f32 * ((d * sc as f32) * acts.scale[b]) - (dmin * m as f32) * acts.sums[b];
        }
    }
    lanes[0] + lanes[1] + lanes[2] + lanes[3]
}

/// Σ w·x over one row of Q6_K super-blocks.
pub fn dot_q6_k<S: IntSums>(w: &[u8], acts: &Activations) -> f32 {
    let mut lanes = [0.0f32; 4];
    for (sb, blk) in w.chunks_exact(q6_k::BLOCK_BYTES).enumerate() {
        let d = f16_at(&blk[208..210]);
        for half in 0..2 {
            let ql = &blk[half * 64..half * 64 + 64];
            let qh = &blk[128 + half * 32..128 + half * 32 + 32];
            let sc = &blk[192 + half * 8..192 + half * 8 + 8];
            // The k-th block of 32 in this half of 128: ql bytes 32·(k mod 2) on, their low
            // (k < 2) or high nibbles, qh's bits 2k..2k+2, scales 2k and 2k + 1.
            for k in 0..4 {
                let b = sb * 8 + half * 4 + k;
                let ql_k = &ql[32 * (k % 2)..32 * (k % 2) + 32];
                let (lo, hi) = S::q6(
                    ql_k,
                    qh,
                    4 * (k as u32 / 2),
                    2 * k as u32,
                    &acts.q[b * 32..(b + 1) * 32],
                );
                let s = acts.scale[b];
                lanes[k] += lo as f32 * ((d * (sc[2 * k] as i8) as f32) * s)
                    + hi as f32 * ((d * (sc[2 * k + 1] as i8) as f32) * s);
            }
        }
    }
    lanes[0] + lanes[1] + lanes[2] + lanes[3]
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::{widen_q4_k, widen_q5_0, widen_q6_k, Simd as Fast};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use Portable as Fast;

/// The integer sums in SIMD128: weights widened to i16 lanes, `i32x4.dot_i16x8_s` with the
/// activations, the four i32 lanes added (all exact).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    pub struct Simd;

    #[inline(always)]
    fn hsum_i32(v: v128) -> i32 {
        i32x4_extract_lane::<0>(v)
            .wrapping_add(i32x4_extract_lane::<1>(v))
            .wrapping_add(i32x4_extract_lane::<2>(v))
            .wrapping_add(i32x4_extract_lane::<3>(v))
    }

    /// Σ over 16 signed byte weights `w` and 16 activations at `q`, as four i32 lanes.
    /// SAFETY: `q` points at 16 readable i16.
    #[inline(always)]
    unsafe fn dot16(w: v128, q: *const i16) -> v128 {
        let qp = q as *const v128;
        i32x4_add(
            i32x4_dot_i16x8(i16x8_extend_low_i8x16(w), v128_load(qp)),
            i32x4_dot_i16x8(i16x8_extend_high_i8x16(w), v128_load(qp.add(1))),
        )
    }

    /// Byte lane j ← 0x10 where bit j of the 16-bit `bits` is set, else 0.
    #[inline(always)]
    fn fifth_bits(bits: u32) -> v128 {
        // Lane j holds byte j / 8 of the bits, then is tested against 1 << (j mod 8).
        let spread = u8x16_swizzle(
            u32x4_splat(bits),
            u8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
        );
        let mask = u8x16(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        v128_and(u8x16_eq(v128_and(spread, mask), mask), u8x16_splat(0x10))
    }

    /// 16 signed byte weights `w` into floats at `out`: (w as f32)·mul − sub, as
    /// `dequantize_row` computes each (a multiply then a subtract: the same bits).
    /// SAFETY: `out` points at 16 writable floats.
    #[inline(always)]
    unsafe fn store16(w: v128, mul: v128, sub: v128, out: *mut f32) {
        let (w0, w1) = (i16x8_extend_low_i8x16(w), i16x8_extend_high_i8x16(w));
        let op = out as *mut v128;
        for (i, wi) in [
            i32x4_extend_low_i16x8(w0),
            i32x4_extend_high_i16x8(w0),
            i32x4_extend_low_i16x8(w1),
            i32x4_extend_high_i16x8(w1),
        ]
        .into_iter()
        .enumerate()
        {
            v128_store(
                op.add(i),
                f32x4_sub(f32x4_mul(f32x4_convert_i32x4(wi), mul), sub),
            );
        }
    }

    /// A row of Q5_0 blocks into floats (`q5_0::dequantize_row`'s bits).
    pub fn widen_q5_0(w: &[u8], out: &mut [f32]) {
        let zero = f32x4_splat(0.0);
        for (b, o) in w
            .chunks_exact(super::q5_0::BLOCK_BYTES)
            .zip(out.chunks_exact_mut(32))
        {
            let d = f32x4_splat(super::f16_at(b));
            let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
            // SAFETY: b is 22 bytes (16 read from 6), o 32 floats.
            unsafe {
                let q = v128_load(b.as_ptr().add(6) as *const v128);
                let sixteen = u8x16_splat(16);
                let lo = i8x16_sub(
                    v128_or(v128_and(q, u8x16_splat(0x0F)), fifth_bits(qh & 0xFFFF)),
                    sixteen,
                );
                let hi = i8x16_sub(v128_or(u8x16_shr(q, 4), fifth_bits(qh >> 16)), sixteen);
                store16(lo, d, zero, o.as_mut_ptr());
                store16(hi, d, zero, o.as_mut_ptr().add(16));
            }
        }
    }

    /// A row of Q4_K super-blocks into floats (`q4_k::dequantize_row`'s bits).
    pub fn widen_q4_k(w: &[u8], out: &mut [f32]) {
        for (b, o) in w
            .chunks_exact(super::q4_k::BLOCK_BYTES)
            .zip(out.chunks_exact_mut(256))
        {
            let (d, dmin) = (super::f16_at(&b[0..2]), super::f16_at(&b[2..4]));
            for j in 0..8 {
                let (sc, m) = super::q4_k::scale_min_k4(j, &b[4..16]);
                let (mul, sub) = (f32x4_splat(d * sc as f32), f32x4_splat(dmin * m as f32));
                let shift = 4 * (j as u32 % 2);
                // SAFETY: the 32 bytes of pair j / 2 lie in b; o has 256 floats.
                unsafe {
                    let qs = b.as_ptr().add(16 + (j / 2) * 32);
                    for half in 0..2 {
                        let v = v128_and(
                            u8x16_shr(v128_load(qs.add(16 * half) as *const v128), shift),
                            u8x16_splat(0x0F),
                        );
                        store16(v, mul, sub, o.as_mut_ptr().add(32 * j + 16 * half));
                    }
                }
            }
        }
    }

    /// A row of Q6_K super-blocks into floats (`q6_k::dequantize_row`'s bits).
    pub fn widen_q6_k(w: &[u8], out: &mut [f32]) {
        let zero = f32x4_splat(0.0);
        for (b, o) in w
            .chunks_exact(super::q6_k::BLOCK_BYTES)
            .zip(out.chunks_exact_mut(256))
        {
            let d = super::f16_at(&b[208..210]);
            for half in 0..2 {
                for k in 0..4 {
                    for part in 0..2 {
                        // Elements 16·part.. of block k of this half: scale 2k + part.
                        let sc = b[192 + half * 8 + 2 * k + part] as i8;
                        let mul = f32x4_splat(d * sc as f32);
                        // SAFETY: ql, qh lie in b (offsets below 192); o has 256 floats.
                        unsafe {
                            let ql = b.as_ptr().add(half * 64 + 32 * (k % 2) + 16 * part);
                            let qh = b.as_ptr().add(128 + half * 32 + 16 * part);
                            let l = v128_and(
                                u8x16_shr(v128_load(ql as *const v128), 4 * (k as u32 / 2)),
                                u8x16_splat(0x0F),
                            );
                            let h = v128_and(
                                u8x16_shr(v128_load(qh as *const v128), 2 * k as u32),
                                u8x16_splat(3),
                            );
                            let v = i8x16_sub(v128_or(l, i8x16_shl(h, 4)), u8x16_splat(32));
                            store16(
                                v,
                                mul,
                                zero,
                                o.as_mut_ptr().add(half * 128 + 32 * k + 16 * part),
                            );
                        }
                    }
                }
            }
        }
    }

    /// A Q5_0 block's products (its 4 high-bit bytes and 16 nibble bytes at `qhs`) as four
    /// i32 lanes whose total is the block's sum.
    /// SAFETY: `qhs` points at 20 readable bytes and `q` at 32 readable i16.
    #[inline(always)]
    unsafe fn q5_0_lanes(qhs: *const u8, q: *const i16) -> v128 {
        let qh = (qhs as *const u32).read_unaligned();
        let b = v128_load(qhs.add(4) as *const v128);
        let sixteen = u8x16_splat(16);
        let lo = i8x16_sub(
            v128_or(v128_and(b, u8x16_splat(0x0F)), fifth_bits(qh & 0xFFFF)),
            sixteen,
        );
        let hi = i8x16_sub(v128_or(u8x16_shr(b, 4), fifth_bits(qh >> 16)), sixteen);
        i32x4_add(dot16(lo, q), dot16(hi, q.add(16)))
    }

    impl super::IntSums for Simd {
        fn q5_0(qhs: &[u8], q: &[i16]) -> i32 {
            assert!(qhs.len() >= 20 && q.len() >= 32);
            // SAFETY: 20 bytes at qhs and 32 i16 at q (asserted).
            hsum_i32(unsafe { q5_0_lanes(qhs.as_ptr(), q.as_ptr()) })
        }

        fn q5_0_groups(w: &[u8], acts: &super::Activations, lanes: &mut [f32; 4]) -> usize {
            const BYTES: usize = super::q5_0::BLOCK_BYTES;
            let groups = w.len() / BYTES / 4;
            assert!(acts.q.len() >= groups * 128 && acts.scale.len() >= groups * 4);
            let mut acc = f32x4(lanes[0], lanes[1], lanes[2], lanes[3]);
            for g in 0..groups {
                // SAFETY: blocks 4g..4g+4 lie in w, their 128 activations in acts.q and
                // their scales in acts.scale (asserted).
                unsafe {
                    let (wp, qp) = (w.as_ptr().add(4 * g * BYTES), acts.q.as_ptr().add(128 * g));
                    let l = |j: usize| q5_0_lanes(wp.add(j * BYTES + 2), qp.add(32 * j));
                    let isum =
                        f32x4_convert_i32x4(super::super::dot::totals(l(0), l(1), l(2), l(3)));
                    let d =
                        |j: usize| super::f16_at(core::slice::from_raw_parts(wp.add(j * BYTES), 2));
                    let dv = f32x4(d(0), d(1), d(2), d(3));
                    let s = v128_load(acts.scale.as_ptr().add(4 * g) as *const v128);
                    acc = f32x4_add(acc, f32x4_mul(isum, f32x4_mul(dv, s)));
                }
            }
            *lanes = [
                f32x4_extract_lane::<0>(acc),
                f32x4_extract_lane::<1>(acc),
                f32x4_extract_lane::<2>(acc),
                f32x4_extract_lane::<3>(acc),
            ];
            groups * 4
        }

        fn nibbles(qs: &[u8], shift: u32, q: &[i16]) -> i32 {
            assert!(qs.len() >= 32 && q.len() >= 32);
            // SAFETY: 32 bytes at qs and 32 i16 at q (asserted).
            unsafe {
                let mask = u8x16_splat(0x0F);
                let b0 = v128_and(
                    u8x16_shr(v128_load(qs.as_ptr() as *const v128), shift),
                    mask,
                );
                let b1 = v128_and(
                    u8x16_shr(v128_load(qs.as_ptr().add(16) as *const v128), shift),
                    mask,
                );
                hsum_i32(i32x4_add(
                    dot16(b0, q.as_ptr()),
                    dot16(b1, q.as_ptr().add(16)),
                ))
            }
        }

        fn q6(ql: &[u8], qh: &[u8], lo_shift: u32, hi_shift: u32, q: &[i16]) -> (i32, i32) {
            assert!(ql.len() >= 32 && qh.len() >= 32 && q.len() >= 32);
            // SAFETY: 32 bytes at ql and qh, 32 i16 at q (asserted).
            unsafe {
                let u = |i: usize| {
                    let l = v128_and(
                        u8x16_shr(v128_load(ql.as_ptr().add(16 * i) as *const v128), lo_shift),
                        u8x16_splat(0x0F),
                    );
                    let h = v128_and(
                        u8x16_shr(v128_load(qh.as_ptr().add(16 * i) as *const v128), hi_shift),
                        u8x16_splat(3),
                    );
                    i8x16_sub(v128_or(l, i8x16_shl(h, 4)), u8x16_splat(32))
                };
                (
                    hsum_i32(dot16(u(0), q.as_ptr())),
                    hsum_i32(dot16(u(1), q.as_ptr().add(16))),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::dot::tests::random_row;
    use super::super::{dequantize_row, GgmlType};
    use super::*;

    /// Each type's integer dot against the f64 dot of its dequantized row with the same x.
    #[test]
    fn integer_dots_match_the_dequantized_rows() {
        for (ty, n) in [
            (GgmlType::Q5_0, 640),
            (GgmlType::Q4K, 1024),
            (GgmlType::Q6K, 2048),
        ] {
            for seed in 0..20 {
                let w = random_row(ty, n / ty.block().0, seed);
                let x: Vec<f32> = (0..n)
                    .map(|i| (((i as u64 * 7919 + seed * 104_729) % 2001) as f32 - 1000.0) / 300.0)
                    .collect();
                let mut wf = vec![0.0f32; n];
                dequantize_row(ty, &w, &mut wf).unwrap();
                let want: f64 = wf.iter().zip(&x).map(|(&a, &b)| a as f64 * b as f64).sum();
                let scale: f64 = wf
                    .iter()
                    .zip(&x)
                    .map(|(&a, &b)| (a as f64 * b as f64).abs())
                    .sum();
                let acts = Activations::new(&x);
                let got = match ty {
                    GgmlType::Q5_0 => dot_q5_0::<Portable>(&w, &acts),
                    GgmlType::Q4K => dot_q4_k::<Portable>(&w, &acts),
                    _ => dot_q6_k::<Portable>(&w, &acts),
                } as f64;
                assert!(
                    (got - want).abs() <= 1e-4 * scale + 1e-6,
                    "{ty} seed {seed}: {got} vs {want} (Σ|wx| {scale})"
                );
            }
        }
    }
}
