//! Integer dot products for quantized weights (the way llama.cpp goes past the f32 floor):
//! each row of X is quantized on the fly, per group of `XG` inputs, to 8-bit integers, and
//! multiplied by the int8 or 4-bit weights with integer dot products accumulated in i32; each
//! group's integer sum is then scaled once by (its X scale × the weight's scale).
//!
//! The activation is stored as u = x_q + 128 (1..=255). Relaxed SIMD's
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` takes one operand as signed 8-bit (the weights) and
//! the other as 7-bit, summing four products per i32 lane: u goes in as its upper seven bits
//! and its last bit, Σw·u = 2·Σw·(u>>1) + Σw·(u&1). The offset's share, 128 · Σ_k w over the
//! group, is known at load (`zero_sums`) and subtracted per group. The SIMD128 build gets the
//! same i32 sums from `i32x4.dot_i16x8_s`, the portable build from scalar code: every build
//! computes the same integers, and the same f32 steps after them.
//!
//! This is an approximation of its own (X to 8 bits per group): `convert` measures it against
//! the f32 model and stores the measure, and a model uses it only where it stays close
//! (`Model::integer_dot_ok`). Measured (README, Speed): 7 bits, or 8 bits per 32 inputs, move
//! attention by more than 0.03 on both models.
use super::{Packed, Quantized, Values, MR, NR};

/// Inputs per activation scale.
pub const XG: usize = 32;
/// Steps of K per pass over a panel: a chunk of rearranged weights (KC×NR bytes) stays in L1.
const KC: usize = 384;
/// Largest |x_q|, and the offset that makes x_q + ZERO an unsigned byte.
const XMAX: f32 = 127.0;
const ZERO: i32 = 128;

/// Whether `b` can take the integer path: quantized, with weight groups made of whole
/// activation groups.
pub fn supports(b: &Packed) -> bool {
    b.quantized
        .as_ref()
        .is_some_and(|qz| qz.group.is_multiple_of(XG) && b.k.is_multiple_of(XG))
}

/// The weight (k, j) of panel p as an integer.
fn weight(b: &Packed, qz: &Quantized, p: usize, k: usize, j: usize) -> i32 {
    match qz.values {
        Values::Int8 => qz.q[(p * b.k + k) * NR + j] as i8 as i32,
        Values::Nibbles => {
            let byte = qz.q[(p * b.k + k) * (NR / 2) + j % (NR / 2)];
            let u = if j < NR / 2 { byte & 0x0F } else { byte >> 4 };
            u as i32 - 8
        }
    }
}

/// ZERO · Σ_k w(k, j) over each activation group, laid out as the scales:
/// `zs[(p*(K/XG) + g)*NR + j]`.
pub fn zero_sums(b: &Packed) -> Vec<i32> {
    let qz = b.quantized.as_ref().expect("quantized weights");
    let groups = b.k / XG;
    let mut zs = vec![0i32; b.panels() * groups * NR];
    for p in 0..b.panels() {
        for g in 0..groups {
            for j in 0..NR {
                let sum: i32 = (g * XG..(g + 1) * XG).map(|k| weight(b, qz, p, k, j)).sum();
                zs[(p * groups + g) * NR + j] = ZERO * sum;
            }
        }
    }
    zs
}

/// X (M×K) quantized per group of XG: `xq[r*K + k] = round(x / s) + ZERO` with
/// `s = max|x| / XMAX` over the group, `xs[r*(K/XG) + g] = s`. Rows past M (up to a whole
/// block of MR) are ZERO with scale 0, so they add nothing.
pub fn quantize_rows(x: &[f32], m: usize, k: usize, xq: &mut Vec<u8>, xs: &mut Vec<f32>) {
    let rows = m.div_ceil(MR) * MR;
    let groups = k / XG;
    xq.clear();
    xq.resize(rows * k, ZERO as u8);
    xs.clear();
    xs.resize(rows * groups, 0.0);
    for (r, row) in x.chunks_exact(k).enumerate().take(m) {
        for (g, xg) in row.chunks_exact(XG).enumerate() {
            // (a compare, not f32::max, which wasm builds call as a function)
            let amax = xg
                .iter()
                .fold(0.0f32, |a, v| if v.abs() > a { v.abs() } else { a });
            if !(amax > 0.0 && amax.is_finite()) {
                continue; // all zero (or not a number): x_q = 0, scale 0
            }
            let inv = XMAX / amax;
            xs[r * groups + g] = amax / XMAX;
            let out = &mut xq[r * k + g * XG..r * k + (g + 1) * XG];
            for (o, &v) in out.iter_mut().zip(xg) {
                *o = ((v * inv).round_ties_even().clamp(-XMAX, XMAX) as i32 + ZERO) as u8;
            }
        }
    }
}

thread_local! {
    static XQ: std::cell::RefCell<(Vec<u8>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    /// A chunk of one panel's weights as signed bytes, four inputs of a column side by side:
    /// `w[((kk/4)*NR + j)*4 + kk%4] = W[k0 + kk, j]` (KC×NR bytes).
    static WCHUNK: std::cell::RefCell<Vec<i8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Y (M×N) = X · B + bias, then GELU if `gelu`, with integer dot products (see the module).
/// `zs` is `zero_sums(b)`.
pub fn matmul(
    x: &[f32],
    m: usize,
    b: &Packed,
    zs: &[i32],
    bias: &[f32],
    gelu: bool,
    y: &mut [f32],
) {
    let qz = b.quantized.as_ref().expect("quantized weights");
    let (k, n) = (b.k, b.n);
    let (groups, wgroups) = (k / XG, k / qz.group);
    XQ.with(|xcell| {
        WCHUNK.with(|wcell| {
            let (xq, xs) = &mut *xcell.borrow_mut();
            let wbuf = &mut *wcell.borrow_mut();
            quantize_rows(x, m, k, xq, xs);
            wbuf.resize(KC.min(k) * NR, 0);
            for p in 0..b.panels() {
                let cols = NR.min(n - p * NR);
                for k0 in (0..k).step_by(KC) {
                    let kc = KC.min(k - k0);
                    rearrange(b, qz, p, k0, kc, &mut wbuf[..kc * NR]);
                    // Per activation group of this chunk: the weight scales and zero sums.
                    let mut sw = [[0.0f32; NR]; KC / XG];
                    let mut z = [[0i32; NR]; KC / XG];
                    for gi in 0..kc / XG {
                        let (g, gw) = (k0 / XG + gi, (k0 + gi * XG) / qz.group);
                        sw[gi].copy_from_slice(&qz.scale[(p * wgroups + gw) * NR..][..NR]);
                        z[gi].copy_from_slice(&zs[(p * groups + g) * NR..][..NR]);
                    }
                    for r0 in (0..m).step_by(MR) {
                        let mut tile = [[0.0f32; NR]; MR];
                        let xrows: [&[u8]; MR] = core::array::from_fn(|r| {
                            &xq[(r0 + r) * k + k0..(r0 + r) * k + k0 + kc]
                        });
                        let scales: [&[f32]; MR] = core::array::from_fn(|r| {
                            &xs[(r0 + r) * groups + k0 / XG..(r0 + r) * groups + (k0 + kc) / XG]
                        });
                        micro(&xrows, &scales, &wbuf[..kc * NR], &sw, &z, &mut tile);
                        for (r, t) in tile.iter().enumerate().take(MR.min(m - r0)) {
                            let out = &mut y[(r0 + r) * n + p * NR..][..cols];
                            if k0 == 0 {
                                out.copy_from_slice(&t[..cols]);
                            } else {
                                out.iter_mut().zip(t).for_each(|(o, v)| *o += v);
                            }
                        }
                    }
                }
            }
        })
    });
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::bias_gelu(&mut y[..m * n], n, bias, gelu);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for row in y.chunks_exact_mut(n).take(m) {
        if !bias.is_empty() {
            row.iter_mut().zip(bias).for_each(|(o, b)| *o += b);
        }
        if gelu {
            row.iter_mut().for_each(|v| *v = super::gelu(*v));
        }
    }
}

/// Rows k0..k0+kc of panel p into `out` in the chunk layout (see WCHUNK).
fn rearrange(b: &Packed, qz: &Quantized, p: usize, k0: usize, kc: usize, out: &mut [i8]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let rb = qz.values.row_bytes();
        let bytes = &qz.q[(p * b.k + k0) * rb..(p * b.k + k0 + kc) * rb];
        super::simd128::rearrange_chunk(bytes, qz.values, out);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for kk in 0..kc {
        for j in 0..NR {
            out[((kk / 4) * NR + j) * 4 + kk % 4] = weight(b, qz, p, k0 + kk, j) as i8;
        }
    }
}

/// One block of MR rows against one chunk: for each activation group, the i32 sums
/// Σ w·(x_q + ZERO), less the zero sums, scaled by x scale × weight scale into `tile`.
#[inline(always)]
fn micro(
    xrows: &[&[u8]; MR],
    xs: &[&[f32]; MR],
    w: &[i8],
    sw: &[[f32; NR]],
    z: &[[i32; NR]],
    tile: &mut [[f32; NR]; MR],
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::int_micro(xrows, xs, w, sw, z, tile);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for (gi, wg) in w.chunks_exact(XG * NR).enumerate() {
        for r in 0..MR {
            let xg = &xrows[r][gi * XG..(gi + 1) * XG];
            let mut acc = [0i32; NR];
            for (s, ws) in wg.chunks_exact(4 * NR).enumerate() {
                for (j, a) in acc.iter_mut().enumerate() {
                    for i in 0..4 {
                        *a += ws[j * 4 + i] as i32 * xg[s * 4 + i] as i32;
                    }
                }
            }
            let sx = xs[r][gi];
            for j in 0..NR {
                tile[r][j] += (acc[j] - z[gi][j]) as f32 * (sw[gi][j] * sx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::Bytes;
    use crate::kernels::to_nibbles;

    /// The integer path against the same arithmetic in i64 and f64 from the quantized values,
    /// and against the f32 path within what 7-bit activations allow.
    #[test]
    fn integer_dot_is_the_quantized_products() {
        let value = |col: usize, kk: usize| ((kk * 7 + col * 3) % 16) as i8 - 8;
        let scale = |col: usize, g: usize| 0.01 * (1 + (col + 2 * g) % 5) as f32;
        for &(m, n, k) in &[(9, 19, 800 - 32), (33, 40, 64), (1, 8, 32), (4, 16, 416)] {
            let int8 = Packed::from_quantized(n, k, 32, |col, q, s| {
                q.iter_mut()
                    .enumerate()
                    .for_each(|(kk, v)| *v = value(col, kk));
                s.iter_mut()
                    .enumerate()
                    .for_each(|(g, v)| *v = scale(col, g));
            });
            let qz = int8.quantized.clone().unwrap();
            let nib = Bytes::owned(to_nibbles(qz.q.as_i8()).unwrap());
            let four = Packed::from_panels(n, k, 32, Values::Nibbles, nib, qz.scale).unwrap();
            let x: Vec<f32> = (0..m * k)
                .map(|i| ((i * 13) % 17) as f32 * 0.1 - 0.8 + (i % 5) as f32 * 0.013)
                .collect();
            for b in [&int8, &four] {
                let mut y = vec![0.0; m * n];
                matmul(&x, m, b, &zero_sums(b), &[], false, &mut y);
                let (mut xq, mut xs) = (Vec::new(), Vec::new());
                quantize_rows(&x, m, k, &mut xq, &mut xs);
                let mut f32_path = vec![0.0; m * n];
                crate::kernels::portable::matmul(&x, m, b, &[], false, &mut f32_path);
                for r in 0..m {
                    for col in 0..n {
                        // Rounding x moves each product by at most half its group's step.
                        let (mut want, mut bound) = (0.0f64, 1e-5f64);
                        for g in 0..k / XG {
                            bound += (g * XG..(g + 1) * XG)
                                .map(|kk| (value(col, kk) as f64 * scale(col, g) as f64).abs())
                                .sum::<f64>()
                                * xs[r * (k / XG) + g] as f64
                                / 2.0;
                            let s: i64 = (g * XG..(g + 1) * XG)
                                .map(|kk| value(col, kk) as i64 * (xq[r * k + kk] as i64 - 128))
                                .sum();
                            want += s as f64 * xs[r * (k / XG) + g] as f64 * scale(col, g) as f64;
                        }
                        let got = y[r * n + col] as f64;
                        assert!(
                            (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                            "{got} {want}"
                        );
                        let exact = f32_path[r * n + col] as f64;
                        assert!((got - exact).abs() <= bound, "{got} {exact} {bound}");
                    }
                }
            }
        }
    }
}
