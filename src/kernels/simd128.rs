//! wasm SIMD128 kernels (4 f32 lanes). Same arithmetic as `portable`, vectorized.
use core::arch::wasm32::*;

use super::math::{ERF_ALPHA, ERF_BETA, EXP_HI, EXP_LO, EXP_POLY, LN2_HI, LN2_LO, LOG2E};
use super::{Packed, MR, NR};

/// Steps of K per pass over a panel (see `matmul`).
const KC: usize = 384;
/// Floats in a 64-byte cache line.
const LINE: usize = 16;

#[inline(always)]
unsafe fn load(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}
#[inline(always)]
unsafe fn store(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}
/// a·b + c. The relaxed-SIMD build fuses it (one rounding instead of two): measured 1.3-1.4x
/// faster in headless Chromium here, attention within 2e-6 of the plain SIMD build.
#[inline(always)]
pub(crate) fn fma(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    return f32x4_relaxed_madd(a, b, c);
    #[cfg(not(target_feature = "relaxed-simd"))]
    f32x4_add(f32x4_mul(a, b), c)
}

thread_local! {
    /// X repacked as row blocks of MR rows interleaved per k: reused across calls.
    static XPACK: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// A chunk of a quantized panel widened to floats (KC×NR: 12 KB, stays in L1).
    static WIDE: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Y = X·B + bias, then GELU if `gelu`. X is first repacked so block b holds
/// `xp[(b*K + k)*MR + r] = X[b*MR + r, k]` (zero past M): the micro-kernel then reads X and B
/// through one pointer each. The weight panel is the outer loop so it stays in L1 while every
/// row block passes by.
pub fn matmul(x: &[f32], m: usize, b: &Packed, bias: &[f32], gelu: bool, y: &mut [f32]) {
    let (k, n) = (b.k, b.n);
    let blocks = m.div_ceil(MR);
    XPACK.with(|cell| {
        WIDE.with(|wide| {
            let mut xp = cell.borrow_mut();
            let mut wide = wide.borrow_mut();
            xp.clear();
            xp.resize(blocks * k * MR, 0.0);
            pack_x(x, m, k, &mut xp);
            // K in chunks of at most KC so a chunk of the panel (KC×NR) and of a row block
            // (KC×MR) stay in L1 together; partial sums wait in Y between chunks.
            let chunks = k.div_ceil(KC);
            for p in 0..b.panels() {
                let cols = NR.min(n - p * NR);
                let mut bias_v = [0.0f32; NR];
                if !bias.is_empty() {
                    bias_v[..cols].copy_from_slice(&bias[p * NR..p * NR + cols]);
                }
                for c in 0..chunks {
                    let (k0, kc) = (c * KC, KC.min(k - c * KC));
                    let panel = b.chunk(p, k0, kc, &mut wide);
                    let (accumulate, last) = (c > 0, c + 1 == chunks);
                    // The next chunk of weights follows this one in memory (`b.data`, or the
                    // quantized bytes). At small M each weight is used by few row blocks, so the
                    // pass is bound by streaming the weights from memory; each block touches its
                    // share of the next chunk (`lines` cache lines every 16 steps, kc·lines·4
                    // bytes) while it computes, so the hardware prefetcher has it in cache in
                    // time (`node bench/run.mjs prefetch` times it on and off). Quantized chunks
                    // are widened in a loop with nothing to hide a fetch behind: without the
                    // touches it waits on memory.
                    let next = next_chunk(b, p, k0, kc);
                    // Past 32 blocks a chunk is reused enough that compute hides the fetch (and the
                    // touches cost time in the K=32 score matmul at 512 tokens).
                    let lines = if blocks > 32 || !super::weight_prefetch() {
                        0
                    } else {
                        next.len().div_ceil(blocks * kc * 4).min(NR)
                    };
                    for blk in 0..blocks {
                        let share = blk * kc * lines * 4..(blk + 1) * kc * lines * 4;
                        let ahead = match next.get(share) {
                            Some(share) => share.as_ptr(),
                            None => panel.as_ptr() as *const u8, // nothing left: touch what is in L1
                        };
                        let rows = MR.min(m - blk * MR);
                        let xb = xp[(blk * k + k0) * MR..].as_ptr();
                        // SAFETY: the xp chunk and the panel chunk hold kc*MR and kc*NR floats,
                        // which the kernel reads; it reads and writes MR rows of NR floats at `out`,
                        // rows `ld` apart, which fit in y for a full tile and in `tile` otherwise;
                        // it reads `ahead` below kc·lines·4 bytes: a share of `next` that long, or
                        // the panel (kc·NR floats, and lines ≤ NR).
                        unsafe {
                            if rows == MR && cols == NR {
                                let out = y.as_mut_ptr().add(blk * MR * n + p * NR);
                                micro(
                                    xb,
                                    panel.as_ptr(),
                                    kc,
                                    out,
                                    n,
                                    accumulate,
                                    last.then_some((&bias_v, gelu)),
                                    (ahead, lines),
                                );
                            } else {
                                let mut tile = [0.0f32; MR * NR];
                                // The kernel reads back what is at `out` only to accumulate.
                                if accumulate {
                                    for r in 0..rows {
                                        let row = blk * MR + r;
                                        tile[r * NR..r * NR + cols].copy_from_slice(
                                            &y[row * n + p * NR..row * n + p * NR + cols],
                                        );
                                    }
                                }
                                let out = tile.as_mut_ptr();
                                micro(
                                    xb,
                                    panel.as_ptr(),
                                    kc,
                                    out,
                                    NR,
                                    accumulate,
                                    last.then_some((&bias_v, gelu)),
                                    (ahead, lines),
                                );
                                for r in 0..rows {
                                    let row = blk * MR + r;
                                    y[row * n + p * NR..row * n + p * NR + cols]
                                        .copy_from_slice(&tile[r * NR..r * NR + cols]);
                                }
                            }
                        }
                    }
                }
            }
        })
    });
}

/// The rows 0..rows of a chunk that starts at input k0, split where the scale group changes:
/// (first row, end row, group) for each piece. A division per group, not per row.
fn by_group(k0: usize, rows: usize, group: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    let mut kk = 0;
    std::iter::from_fn(move || {
        (kk < rows).then(|| {
            let g = (k0 + kk) / group;
            let end = ((g + 1) * group - k0).min(rows);
            let seg = (kk, end, g);
            kk = end;
            seg
        })
    })
}

/// The bytes of the chunk after rows k0..k0+kc of panel p (the next in the matmul's order:
/// the panel's next rows, or the next panel's first), up to kc rows of them; empty at the end.
fn next_chunk(b: &Packed, p: usize, k0: usize, kc: usize) -> &[u8] {
    let (bytes, row): (&[u8], usize) = match &b.quantized {
        Some(qz) => (&qz.q, qz.values.row_bytes()),
        None => {
            // SAFETY: any f32 slice is readable as its bytes.
            let d = unsafe {
                std::slice::from_raw_parts(b.data.as_ptr() as *const u8, b.data.len() * 4)
            };
            (d, NR * 4)
        }
    };
    let start = ((p * b.k + k0 + kc) * row).min(bytes.len());
    &bytes[start..(start + kc * row).min(bytes.len())]
}

/// Quantized panel rows into floats (see `super::widen`): per input, 8 int8 → two f32x4,
/// times the column scales of its group. The same products as the scalar path, lane by lane.
pub fn widen(q: &[i8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    assert!(NR == 8 && q.len() == out.len() && q.len().is_multiple_of(NR));
    let rows = q.len() / NR;
    for (first, end, g) in by_group(k0, rows, group) {
        assert!((g + 1) * NR <= scale.len());
        // SAFETY: q and out hold rows·NR values (asserted) and kk < end ≤ rows; the scale row
        // g·NR..(g+1)·NR is in range (asserted); unaligned loads and stores are allowed in wasm.
        unsafe {
            let s = scale.as_ptr().add(g * NR);
            let (s0, s1) = (load(s), load(s.add(4)));
            for kk in first..end {
                let v = v128_load64_zero(q.as_ptr().add(kk * NR) as *const u64); // 8 × i8
                let h = i16x8_extend_low_i8x16(v);
                let lo = f32x4_convert_i32x4(i32x4_extend_low_i16x8(h));
                let hi = f32x4_convert_i32x4(i32x4_extend_high_i16x8(h));
                store(out.as_mut_ptr().add(kk * NR), f32x4_mul(lo, s0));
                store(out.as_mut_ptr().add(kk * NR + 4), f32x4_mul(hi, s1));
            }
        }
    }
}

/// 4-bit panel rows into floats (see `super::widen_nibbles`), four inputs at a time: 16 bytes
/// hold their 32 values; the low nibbles are columns 0-3 and the high ones columns 4-7.
pub fn widen_nibbles(q: &[u8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    assert!(NR == 8 && 2 * q.len() == out.len() && q.len().is_multiple_of(NR / 2));
    let rows = q.len() / (NR / 2);
    for (first, end, g) in by_group(k0, rows, group) {
        assert!((g + 1) * NR <= scale.len());
        // SAFETY: q holds rows·4 bytes and out rows·8 floats (asserted), read and written
        // below kk < end ≤ rows; the scale row g is in range (asserted).
        unsafe {
            let (mask, eight) = (u8x16_splat(0x0F), i8x16_splat(8));
            let s = scale.as_ptr().add(g * NR);
            let (s0, s1) = (load(s), load(s.add(4)));
            let o = out.as_mut_ptr();
            let put = |kk: usize, lo: v128, hi: v128| {
                store(o.add(kk * NR), f32x4_mul(f32x4_convert_i32x4(lo), s0));
                store(o.add(kk * NR + 4), f32x4_mul(f32x4_convert_i32x4(hi), s1));
            };
            let four = first + (end - first) / 4 * 4;
            for kk in (first..four).step_by(4) {
                let v = v128_load(q.as_ptr().add(kk * 4) as *const v128);
                let lo = i8x16_sub(v128_and(v, mask), eight); // columns 0-3 of rows kk..kk+4
                let hi = i8x16_sub(u8x16_shr(v, 4), eight); // columns 4-7
                let (lo01, lo23) = (i16x8_extend_low_i8x16(lo), i16x8_extend_high_i8x16(lo));
                let (hi01, hi23) = (i16x8_extend_low_i8x16(hi), i16x8_extend_high_i8x16(hi));
                put(
                    kk,
                    i32x4_extend_low_i16x8(lo01),
                    i32x4_extend_low_i16x8(hi01),
                );
                put(
                    kk + 1,
                    i32x4_extend_high_i16x8(lo01),
                    i32x4_extend_high_i16x8(hi01),
                );
                put(
                    kk + 2,
                    i32x4_extend_low_i16x8(lo23),
                    i32x4_extend_low_i16x8(hi23),
                );
                put(
                    kk + 3,
                    i32x4_extend_high_i16x8(lo23),
                    i32x4_extend_high_i16x8(hi23),
                );
            }
            for kk in four..end {
                let b = q.as_ptr().add(kk * 4);
                let lo: [i32; 4] = core::array::from_fn(|j| (*b.add(j) & 0x0F) as i32 - 8);
                let hi: [i32; 4] = core::array::from_fn(|j| (*b.add(j) >> 4) as i32 - 8);
                put(
                    kk,
                    i32x4(lo[0], lo[1], lo[2], lo[3]),
                    i32x4(hi[0], hi[1], hi[2], hi[3]),
                );
            }
        }
    }
}

/// X (M×K) into row blocks: `xp[(b*K + k)*MR + r] = X[b*MR + r, k]`; xp is zeroed past M.
/// Full blocks go 4×4 at a time through a register transpose (the scalar scatter took a
/// sizeable share of attention time at 512 tokens, where X is the T×T attention).
fn pack_x(x: &[f32], m: usize, k: usize, xp: &mut [f32]) {
    let full = m / MR;
    let k4 = k / 4 * 4;
    for blk in 0..full {
        let rows = &x[blk * MR * k..(blk + 1) * MR * k];
        let dst = &mut xp[blk * k * MR..(blk + 1) * k * MR];
        // SAFETY: rows holds 4 rows of k floats and dst k*4 floats; kk + 3 < k4 ≤ k.
        unsafe {
            let (r0, r1, r2, r3) = (
                rows.as_ptr(),
                rows.as_ptr().add(k),
                rows.as_ptr().add(2 * k),
                rows.as_ptr().add(3 * k),
            );
            let d = dst.as_mut_ptr();
            for kk in (0..k4).step_by(4) {
                let (a, b, c, e) = (
                    load(r0.add(kk)),
                    load(r1.add(kk)),
                    load(r2.add(kk)),
                    load(r3.add(kk)),
                );
                let ab_lo = i32x4_shuffle::<0, 4, 1, 5>(a, b);
                let ce_lo = i32x4_shuffle::<0, 4, 1, 5>(c, e);
                let ab_hi = i32x4_shuffle::<2, 6, 3, 7>(a, b);
                let ce_hi = i32x4_shuffle::<2, 6, 3, 7>(c, e);
                store(d.add(kk * MR), i32x4_shuffle::<0, 1, 4, 5>(ab_lo, ce_lo));
                store(
                    d.add(kk * MR + 4),
                    i32x4_shuffle::<2, 3, 6, 7>(ab_lo, ce_lo),
                );
                store(
                    d.add(kk * MR + 8),
                    i32x4_shuffle::<0, 1, 4, 5>(ab_hi, ce_hi),
                );
                store(
                    d.add(kk * MR + 12),
                    i32x4_shuffle::<2, 3, 6, 7>(ab_hi, ce_hi),
                );
            }
        }
        for r in 0..MR {
            for kk in k4..k {
                dst[kk * MR + r] = rows[r * k + kk];
            }
        }
    }
    for i in full * MR..m {
        let (blk, r) = (i / MR, i % MR);
        let dst = &mut xp[blk * k * MR..(blk + 1) * k * MR];
        for (kk, &v) in x[i * k..(i + 1) * k].iter().enumerate() {
            dst[kk * MR + r] = v;
        }
    }
}

/// One MR×NR tile: 4 rows × 8 columns in 8 accumulators over `k` steps; then, at `out`
/// (4 rows of 8, `ld` floats apart): + what is there if `accumulate`, and when `finish` is
/// given (the last chunk of K), + bias and GELU if asked; stored back.
/// Never inlined: as its own function V8 keeps all 8 accumulators in registers; inlined into
/// the caller, live values from around it pushed some onto the stack (measured 25 → 38 GFLOP/s).
/// Its arguments stay separate scalars for the same reason: a struct would be passed in memory.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn micro(
    xp: *const f32,
    panel: *const f32,
    k: usize,
    out: *mut f32,
    ld: usize,
    accumulate: bool,
    finish: Option<(&[f32; NR], bool)>,
    (ahead, lines): (*const u8, usize),
) {
    let (mut a00, mut a01, mut a10, mut a11) = (
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
    );
    let (mut a20, mut a21, mut a30, mut a31) = (
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
    );
    let (mut x, mut w) = (xp, panel);
    let mut step = 0;
    while step < k {
        // Cache lines of the weights the next pass needs, every 16 steps (see `matmul`).
        for line in 0..lines {
            core::ptr::read_volatile(ahead.add((step * lines + line * LINE) * 4));
        }
        let end = (step + LINE).min(k);
        for _ in step..end {
            let w0 = load(w);
            let w1 = load(w.add(4));
            let x0 = v128_load32_splat(x as *const u32);
            a00 = fma(x0, w0, a00);
            a01 = fma(x0, w1, a01);
            let x1 = v128_load32_splat(x.add(1) as *const u32);
            a10 = fma(x1, w0, a10);
            a11 = fma(x1, w1, a11);
            let x2 = v128_load32_splat(x.add(2) as *const u32);
            a20 = fma(x2, w0, a20);
            a21 = fma(x2, w1, a21);
            let x3 = v128_load32_splat(x.add(3) as *const u32);
            a30 = fma(x3, w0, a30);
            a31 = fma(x3, w1, a31);
            x = x.add(MR);
            w = w.add(NR);
        }
        step = end;
    }
    for (r, (mut lo, mut hi)) in [(a00, a01), (a10, a11), (a20, a21), (a30, a31)]
        .into_iter()
        .enumerate()
    {
        let o = out.add(r * ld);
        if accumulate {
            (lo, hi) = (f32x4_add(lo, load(o)), f32x4_add(hi, load(o.add(4))));
        }
        if let Some((bias, gelu)) = finish {
            (lo, hi) = (
                f32x4_add(lo, load(bias.as_ptr())),
                f32x4_add(hi, load(bias.as_ptr().add(4))),
            );
            if gelu {
                let c = GeluK::new();
                (lo, hi) = (gelu4(lo, &c), gelu4(hi, &c));
            }
        }
        store(o, lo);
        store(o.add(4), hi);
    }
}

/// A splat of `c` that LLVM cannot turn back into a `v128.const`: V8 builds each such
/// constant with about four instructions at every use inside a loop, so kernels splat their
/// constants once, before the loop, through this.
#[inline(always)]
fn opaque_splat(c: f32) -> v128 {
    f32x4_splat(core::hint::black_box(c))
}

/// The constants of `exp4`, splatted once per call site.
struct ExpK {
    hi: v128,
    lo: v128,
    log2e: v128,
    half: v128,
    ln2_hi: v128,
    ln2_lo: v128,
    poly: [v128; 6],
    one: v128,
    magic: v128,
}

impl ExpK {
    #[inline(always)]
    fn new() -> ExpK {
        ExpK {
            hi: opaque_splat(EXP_HI),
            lo: opaque_splat(EXP_LO),
            log2e: opaque_splat(LOG2E),
            half: opaque_splat(0.5),
            ln2_hi: opaque_splat(LN2_HI),
            ln2_lo: opaque_splat(LN2_LO),
            poly: EXP_POLY.map(opaque_splat),
            one: opaque_splat(1.0),
            // n is a whole number in [-127, 128]: adding 1.5·2²³ puts it in the low mantissa
            // bits, an exact and cheaper conversion than i32x4.trunc_sat (long on x64).
            magic: opaque_splat(12_582_912.0),
        }
    }
}

#[inline(always)]
fn exp4(x: v128, c: &ExpK) -> v128 {
    let x = f32x4_pmax(f32x4_pmin(x, c.hi), c.lo);
    let n = f32x4_floor(fma(x, c.log2e, c.half));
    let r = f32x4_sub(f32x4_sub(x, f32x4_mul(n, c.ln2_hi)), f32x4_mul(n, c.ln2_lo));
    let mut y = c.poly[0];
    for &p in &c.poly[1..] {
        y = fma(y, r, p);
    }
    let y = f32x4_add(f32x4_add(f32x4_mul(f32x4_mul(y, r), r), r), c.one);
    let ni = i32x4_sub(f32x4_add(n, c.magic), c.magic);
    let pow2 = i32x4_shl(i32x4_add(ni, i32x4_splat(127)), 23);
    f32x4_mul(y, pow2)
}

/// The constants of `gelu4`, splatted once per call site.
struct GeluK {
    rsqrt2: v128,
    four: v128,
    alpha: [v128; 7],
    beta: [v128; 5],
    half: v128,
    one: v128,
}

impl GeluK {
    #[inline(always)]
    fn new() -> GeluK {
        GeluK {
            rsqrt2: opaque_splat(std::f32::consts::FRAC_1_SQRT_2),
            four: opaque_splat(4.0),
            alpha: ERF_ALPHA.map(opaque_splat),
            beta: ERF_BETA.map(opaque_splat),
            half: opaque_splat(0.5),
            one: opaque_splat(1.0),
        }
    }
}

#[inline(always)]
fn gelu4(x: v128, c: &GeluK) -> v128 {
    let z = f32x4_mul(x, c.rsqrt2);
    let z = f32x4_pmax(f32x4_pmin(z, c.four), f32x4_neg(c.four));
    let z2 = f32x4_mul(z, z);
    let mut p = c.alpha[0];
    for &a in &c.alpha[1..] {
        p = fma(p, z2, a);
    }
    let mut q = c.beta[0];
    for &b in &c.beta[1..] {
        q = fma(q, z2, b);
    }
    let erf = f32x4_div(f32x4_mul(z, p), q);
    f32x4_mul(f32x4_mul(c.half, x), f32x4_add(c.one, erf))
}

pub(crate) fn hsum(v: v128) -> f32 {
    f32x4_extract_lane::<0>(v)
        + f32x4_extract_lane::<1>(v)
        + f32x4_extract_lane::<2>(v)
        + f32x4_extract_lane::<3>(v)
}
fn hmax(v: v128) -> f32 {
    f32x4_extract_lane::<0>(v)
        .max(f32x4_extract_lane::<1>(v))
        .max(f32x4_extract_lane::<2>(v).max(f32x4_extract_lane::<3>(v)))
}

/// dst ← softmax(src · scale); src and dst have the same length.
pub fn softmax(src: &[f32], dst: &mut [f32], scale: f32) {
    assert_eq!(src.len(), dst.len());
    let n4 = src.len() / 4 * 4;
    let (p, d) = (src.as_ptr(), dst.as_mut_ptr());
    let mut vmax = f32x4_splat(f32::NEG_INFINITY);
    // SAFETY: every vector access below is at i < n4 ≤ len - 3, in both slices.
    unsafe {
        for i in (0..n4).step_by(4) {
            vmax = f32x4_pmax(vmax, load(p.add(i)));
        }
        let max = src[n4..].iter().fold(hmax(vmax), |a, &b| a.max(b)) * scale;
        let (vs, vm) = (f32x4_splat(scale), f32x4_splat(max));
        let c = ExpK::new();
        let mut vsum = f32x4_splat(0.0);
        for i in (0..n4).step_by(4) {
            let e = exp4(f32x4_sub(f32x4_mul(load(p.add(i)), vs), vm), &c);
            store(d.add(i), e);
            vsum = f32x4_add(vsum, e);
        }
        let mut sum = hsum(vsum);
        for (o, v) in dst[n4..].iter_mut().zip(&src[n4..]) {
            *o = super::math::exp(*v * scale - max);
            sum += *o;
        }
        let inv = 1.0 / sum;
        let vinv = f32x4_splat(inv);
        for i in (0..n4).step_by(4) {
            store(d.add(i), f32x4_mul(load(d.add(i)), vinv));
        }
        dst[n4..].iter_mut().for_each(|v| *v *= inv);
    }
}

/// gate ← silu(gate) · up = gate / (1 + e^−gate) · up, element by element.
pub fn silu_mul(gate: &mut [f32], up: &[f32]) {
    assert_eq!(gate.len(), up.len());
    let n4 = gate.len() / 4 * 4;
    let c = ExpK::new();
    let one = f32x4_splat(1.0);
    let (g, u) = (gate.as_mut_ptr(), up.as_ptr());
    // SAFETY: every vector access is at i < n4 ≤ len − 3, in both slices.
    unsafe {
        for i in (0..n4).step_by(4) {
            let x = load(g.add(i));
            let sig = f32x4_div(one, f32x4_add(one, exp4(f32x4_neg(x), &c)));
            store(g.add(i), f32x4_mul(f32x4_mul(x, sig), load(u.add(i))));
        }
    }
    for (x, &v) in gate[n4..].iter_mut().zip(&up[n4..]) {
        *x = *x / (1.0 + super::math::exp(-*x)) * v;
    }
}

/// gate ← gelu_tanh(gate) · up = gate / (1 + e^(−2u)) · up, u = √(2/π)·(gate + 0.044715·gate³)
/// (`math::gelu_tanh`), element by element.
pub fn gelu_tanh_mul(gate: &mut [f32], up: &[f32]) {
    assert_eq!(gate.len(), up.len());
    let n4 = gate.len() / 4 * 4;
    let c = ExpK::new();
    let one = f32x4_splat(1.0);
    let (k1, k3) = (f32x4_splat(-2.0 * 0.797_884_6), f32x4_splat(0.044715));
    let (g, u) = (gate.as_mut_ptr(), up.as_ptr());
    // SAFETY: every vector access is at i < n4 ≤ len − 3, in both slices.
    unsafe {
        for i in (0..n4).step_by(4) {
            let x = load(g.add(i));
            let inner = fma(f32x4_mul(f32x4_mul(x, x), x), k3, x); // x + 0.044715·x³
            let e = exp4(f32x4_mul(k1, inner), &c);
            store(
                g.add(i),
                f32x4_mul(f32x4_div(x, f32x4_add(one, e)), load(u.add(i))),
            );
        }
    }
    for (x, &v) in gate[n4..].iter_mut().zip(&up[n4..]) {
        *x = super::math::gelu_tanh(*x) * v;
    }
}

pub fn layer_norm(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let len = row.len();
    let n4 = len / 4 * 4;
    let p = row.as_mut_ptr();
    // SAFETY: vector accesses at i < n4 ≤ len - 3; gamma and beta have len floats.
    unsafe {
        let mut s = f32x4_splat(0.0);
        for i in (0..n4).step_by(4) {
            s = f32x4_add(s, load(p.add(i)));
        }
        let mean = (hsum(s) + row[n4..].iter().sum::<f32>()) / len as f32;
        let vm = f32x4_splat(mean);
        let mut s2 = f32x4_splat(0.0);
        for i in (0..n4).step_by(4) {
            let d = f32x4_sub(load(p.add(i)), vm);
            s2 = fma(d, d, s2);
        }
        let var = (hsum(s2)
            + row[n4..]
                .iter()
                .map(|v| (v - mean) * (v - mean))
                .sum::<f32>())
            / len as f32;
        let inv = 1.0 / (var + eps).sqrt();
        let vi = f32x4_splat(inv);
        for i in (0..n4).step_by(4) {
            let d = f32x4_mul(f32x4_sub(load(p.add(i)), vm), vi);
            store(
                p.add(i),
                fma(d, load(gamma.as_ptr().add(i)), load(beta.as_ptr().add(i))),
            );
        }
        for i in n4..len {
            row[i] = (row[i] - mean) * inv * gamma[i] + beta[i];
        }
    }
}

/// Four i8·u8 products summed into each i32 lane, added to `acc`: lane j gets
/// Σ_{i<4} w[4j+i]·u[4j+i], u unsigned bytes. Relaxed SIMD multiplies by 7-bit values only,
/// so u goes in as its upper seven bits (twice) and its last bit; every build gets the same
/// integers.
#[inline(always)]
fn dot4(w: v128, u: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        let (high, low) = (u8x16_shr(u, 1), v128_and(u, u8x16_splat(1)));
        let acc = i32x4_relaxed_dot_i8x16_i7x16_add(w, high, acc);
        let acc = i32x4_relaxed_dot_i8x16_i7x16_add(w, high, acc);
        i32x4_relaxed_dot_i8x16_i7x16_add(w, low, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        // Pairs through i16, then the pairs of pairs.
        let lo = i32x4_dot_i16x8(i16x8_extend_low_i8x16(w), u16x8_extend_low_u8x16(u));
        let hi = i32x4_dot_i16x8(i16x8_extend_high_i8x16(w), u16x8_extend_high_u8x16(u));
        let sums = i32x4_add(
            i32x4_shuffle::<0, 2, 4, 6>(lo, hi),
            i32x4_shuffle::<1, 3, 5, 7>(lo, hi),
        );
        i32x4_add(acc, sums)
    }
}

/// A chunk of panel rows (`bytes`: kc rows of `values`) into the integer path's layout,
/// four inputs of a column side by side (see `intdot`'s WCHUNK): per four rows, one 4×8
/// transpose by byte shuffles.
pub fn rearrange_chunk(bytes: &[u8], values: super::Values, out: &mut [i8]) {
    let rows = out.len() / NR;
    assert!(rows.is_multiple_of(4) && bytes.len() == rows * values.row_bytes());
    // SAFETY: per four rows we read 4·row_bytes bytes of `bytes` and write 32 bytes of `out`,
    // both in range (asserted above).
    unsafe {
        let o = out.as_mut_ptr() as *mut v128;
        match values {
            super::Values::Int8 => {
                for s in 0..rows / 4 {
                    let a = v128_load(bytes.as_ptr().add(s * 32) as *const v128); // rows 0-1
                    let b = v128_load(bytes.as_ptr().add(s * 32 + 16) as *const v128); // rows 2-3
                    let lo =
                        i8x16_shuffle::<0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27>(
                            a, b,
                        );
                    let hi = i8x16_shuffle::<
                        4,
                        12,
                        20,
                        28,
                        5,
                        13,
                        21,
                        29,
                        6,
                        14,
                        22,
                        30,
                        7,
                        15,
                        23,
                        31,
                    >(a, b);
                    v128_store(o.add(2 * s), lo);
                    v128_store(o.add(2 * s + 1), hi);
                }
            }
            super::Values::Nibbles => {
                let (mask, eight) = (u8x16_splat(0x0F), i8x16_splat(8));
                for s in 0..rows / 4 {
                    let v = v128_load(bytes.as_ptr().add(s * 16) as *const v128);
                    let l = i8x16_sub(v128_and(v, mask), eight); // columns 0-3 of four rows
                    let h = i8x16_sub(u8x16_shr(v, 4), eight); // columns 4-7
                    let lo =
                        i8x16_shuffle::<0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15>(l, l);
                    let hi =
                        i8x16_shuffle::<0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15>(h, h);
                    v128_store(o.add(2 * s), lo);
                    v128_store(o.add(2 * s + 1), hi);
                }
            }
        }
    }
}

/// The integer path's micro-kernel (see `intdot::micro`): MR rows × NR columns, per
/// activation group eight steps of four inputs, two dot products per row and step.
#[inline(always)]
pub fn int_micro(
    xrows: &[&[u8]; MR],
    xs: &[&[f32]; MR],
    w: &[i8],
    sw: &[[f32; NR]],
    z: &[[i32; NR]],
    tile: &mut [[f32; NR]; MR],
) {
    use super::intdot::XG;
    let groups = w.len() / (XG * NR);
    assert!(xrows.iter().all(|r| r.len() == groups * XG) && xs.iter().all(|s| s.len() == groups));
    assert!(sw.len() >= groups && z.len() >= groups);
    // SAFETY: w holds groups·XG·NR bytes and each x row groups·XG bytes (asserted); every
    // load below stays inside them.
    unsafe {
        let mut out = [[f32x4_splat(0.0); 2]; MR];
        for g in 0..groups {
            let mut acc = [[i32x4_splat(0); 2]; MR];
            let wg = w.as_ptr().add(g * XG * NR) as *const v128;
            for s in 0..XG / 4 {
                let (wl, wh) = (v128_load(wg.add(2 * s)), v128_load(wg.add(2 * s + 1)));
                for r in 0..MR {
                    let xv = v128_load32_splat(xrows[r].as_ptr().add(g * XG + s * 4) as *const u32);
                    acc[r][0] = dot4(wl, xv, acc[r][0]);
                    acc[r][1] = dot4(wh, xv, acc[r][1]);
                }
            }
            let (sw0, sw1) = (load(sw[g].as_ptr()), load(sw[g].as_ptr().add(4)));
            let zp = z[g].as_ptr() as *const v128;
            let (z0, z1) = (v128_load(zp), v128_load(zp.add(1)));
            for r in 0..MR {
                let sx = f32x4_splat(xs[r][g]);
                let t0 = f32x4_convert_i32x4(i32x4_sub(acc[r][0], z0));
                let t1 = f32x4_convert_i32x4(i32x4_sub(acc[r][1], z1));
                out[r][0] = fma(t0, f32x4_mul(sw0, sx), out[r][0]);
                out[r][1] = fma(t1, f32x4_mul(sw1, sx), out[r][1]);
            }
        }
        for r in 0..MR {
            store(tile[r].as_mut_ptr(), out[r][0]);
            store(tile[r].as_mut_ptr().add(4), out[r][1]);
        }
    }
}

/// Each row of Y (M×N) plus the bias, then GELU if asked: the integer path's last step.
pub fn bias_gelu(y: &mut [f32], n: usize, bias: &[f32], gelu: bool) {
    let c = GeluK::new();
    for row in y.chunks_exact_mut(n) {
        let four = n / 4 * 4;
        for j in (0..four).step_by(4) {
            // SAFETY: j + 4 ≤ four ≤ n = row.len(), and bias holds n values when not empty.
            unsafe {
                let mut v = load(row.as_ptr().add(j));
                if !bias.is_empty() {
                    v = f32x4_add(v, load(bias.as_ptr().add(j)));
                }
                if gelu {
                    v = gelu4(v, &c);
                }
                store(row.as_mut_ptr().add(j), v);
            }
        }
        for (j, v) in row.iter_mut().enumerate().skip(four) {
            *v += bias.get(j).copied().unwrap_or(0.0);
            if gelu {
                *v = super::gelu(*v);
            }
        }
    }
}
