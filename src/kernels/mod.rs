//! Numeric kernels on contiguous f32 slices. Each has a portable scalar body and, when
//! compiled for wasm32 with `target-feature=+simd128`, a SIMD128 body; the choice is made
//! at compile time, so the three wasm builds (portable, SIMD128, relaxed SIMD) differ only here.
//!
//! Matmul works on weights packed once at load time into panels of `NR` output columns,
//! so the inner loop reads weights contiguously.
pub mod intdot;
mod math;
mod portable;
pub mod quant;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

pub use math::{erf, exp, gelu, ln};

use crate::bytes::Bytes;

/// Whether the SIMD matmul touches the next chunk of weights ahead of use (see simd128.rs).
/// Always on in use; the bench turns it off to measure what it gives, side by side.
static WEIGHT_PREFETCH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

pub fn set_weight_prefetch(on: bool) {
    WEIGHT_PREFETCH.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether a model loaded from now on keeps its quantized weights quantized (the default) or
/// widens them to f32 panels at load, the old path, which the bench times side by side.
static KEEP_QUANTIZED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

pub fn set_keep_quantized(on: bool) {
    KEEP_QUANTIZED.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub fn keep_quantized() -> bool {
    KEEP_QUANTIZED.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg_attr(
    not(all(target_arch = "wasm32", target_feature = "simd128")),
    allow(dead_code)
)]
fn weight_prefetch() -> bool {
    WEIGHT_PREFETCH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Output columns per packed panel (two 4-lane vectors).
pub const NR: usize = 8;
/// Rows of X per micro-kernel call.
pub const MR: usize = 4;

/// The right operand B (K×N) of `Y = X·B + bias`, stored as ⌈N/NR⌉ panels of K×NR floats:
/// `data[(p*K + k)*NR + j] = B[k, p*NR + j]` (zero beyond N); or, for a quantized model's
/// weights, as the same panels of int8 values with their scales (`quantized`, `data` empty).
#[derive(Clone, Debug, Default)]
pub struct Packed {
    pub k: usize,
    pub n: usize,
    pub data: Vec<f32>,
    pub quantized: Option<Quantized>,
}

/// Weights kept quantized, with one f32 scale per `group` inputs of each output column, in
/// the panel layout: `scale[(p*(K/group) + g)*NR + j]` for column p*NR + j, and the values
/// as `values` says. The matmul widens one K-chunk of a panel at a time into a small buffer
/// (value · scale: the very f32 the dequantized weight was), which every row block then
/// reuses: a quarter (int8) or an eighth (4-bit) of the memory and of the bytes a pass streams.
/// The values may lie inside a loaded bundle (`Bytes`): then loading copied nothing.
#[derive(Clone, Debug)]
pub struct Quantized {
    pub group: usize,
    pub values: Values,
    pub q: Bytes,
    pub scale: Vec<f32>,
    /// When set, the matmul takes the integer path (`intdot`); these are its zero sums.
    pub zero_sums: Option<Vec<i32>>,
}

/// How a quantized panel stores its values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Values {
    /// One int8 per weight: `q[(p*K + k)*NR + j]`.
    Int8,
    /// Two 4-bit values per byte, each u − 8 (Q4_0's numbers): byte `(p*K + k)*NR/2 + b`
    /// holds column b in its low nibble and column b + NR/2 in its high one.
    Nibbles,
}

impl Values {
    /// Bytes per input row of one panel.
    pub fn row_bytes(self) -> usize {
        match self {
            Values::Int8 => NR,
            Values::Nibbles => NR / 2,
        }
    }
}

/// Int8 panel values (each in −8..=7) as 4-bit panel bytes; None if one is out of range.
pub fn to_nibbles(q: &[i8]) -> Option<Vec<u8>> {
    let half = NR / 2;
    q.chunks_exact(NR)
        .flat_map(|row| (0..half).map(move |b| (row[b], row[b + half])))
        .map(|(lo, hi)| {
            let ok = |v: i8| (-8..=7).contains(&v).then_some((v + 8) as u8);
            Some(ok(lo)? | ok(hi)? << 4)
        })
        .collect()
}

impl Packed {
    /// Packs quantized weights W (N×K) as int8 panels: `row(n, q, scale)` fills output n's
    /// K values and its K/group scales. `k` must be a multiple of `group`.
    pub fn from_quantized(
        n: usize,
        k: usize,
        group: usize,
        mut row: impl FnMut(usize, &mut [i8], &mut [f32]),
    ) -> Packed {
        assert!(
            group > 0 && k.is_multiple_of(group),
            "K is not a multiple of the group"
        );
        let (panels, groups) = (n.div_ceil(NR), k / group);
        let mut q = vec![0u8; panels * k * NR];
        let mut scale = vec![0.0f32; panels * groups * NR];
        let (mut rq, mut rs) = (vec![0i8; k], vec![0.0f32; groups]);
        for col in 0..n {
            row(col, &mut rq, &mut rs);
            let (p, j) = (col / NR, col % NR);
            for (kk, &v) in rq.iter().enumerate() {
                q[(p * k + kk) * NR + j] = v as u8;
            }
            for (g, &s) in rs.iter().enumerate() {
                scale[(p * groups + g) * NR + j] = s;
            }
        }
        Packed {
            k,
            n,
            data: Vec::new(),
            quantized: Some(Quantized {
                group,
                values: Values::Int8,
                q: Bytes::owned(q),
                scale,
                zero_sums: None,
            }),
        }
    }

    /// Quantized panels as a bundle stores them (see `Quantized`), checked for size.
    pub fn from_panels(
        n: usize,
        k: usize,
        group: usize,
        values: Values,
        q: Bytes,
        scale: Vec<f32>,
    ) -> Result<Packed, String> {
        if group == 0 || !k.is_multiple_of(group) {
            return Err(format!(
                "{k} inputs are not a multiple of the group {group}"
            ));
        }
        let panels = n.div_ceil(NR);
        if q.len() != panels * k * values.row_bytes() || scale.len() != panels * (k / group) * NR {
            return Err(format!(
                "{} bytes and {} scales are not {panels} panels of {k}×{NR} ({values:?})",
                q.len(),
                scale.len()
            ));
        }
        Ok(Packed {
            k,
            n,
            data: Vec::new(),
            quantized: Some(Quantized {
                group,
                values,
                q,
                scale,
                zero_sums: None,
            }),
        })
    }

    /// Rows k0..k0+kc of panel p as floats (kc×NR): a slice of `data`, or the quantized
    /// values widened into `buf`.
    pub fn chunk<'a>(&'a self, p: usize, k0: usize, kc: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
        let Some(qz) = &self.quantized else {
            let start = (p * self.k + k0) * NR;
            return &self.data[start..start + kc * NR];
        };
        if buf.len() < kc * NR {
            buf.resize(kc * NR, 0.0); // once: every chunk overwrites what it reads back
        }
        let out = &mut buf[..kc * NR];
        let groups = self.k / qz.group;
        let scale = &qz.scale[p * groups * NR..(p + 1) * groups * NR];
        let rb = qz.values.row_bytes();
        let rows = (p * self.k + k0) * rb..(p * self.k + k0 + kc) * rb;
        match qz.values {
            Values::Int8 => widen(&qz.q.as_i8()[rows], scale, k0, qz.group, out),
            Values::Nibbles => widen_nibbles(&qz.q[rows], scale, k0, qz.group, out),
        }
        out
    }

    /// Turns the integer path (`intdot`) on or off; returns whether it is on (it needs
    /// quantized weights whose groups are whole activation groups).
    pub fn set_integer_dot(&mut self, on: bool) -> bool {
        let sums = (on && intdot::supports(self)).then(|| intdot::zero_sums(self));
        match &mut self.quantized {
            Some(qz) => {
                qz.zero_sums = sums;
                qz.zero_sums.is_some()
            }
            None => false,
        }
    }

    /// The same weights as f32 panels (the old path, which the bench times side by side).
    pub fn widened(&self) -> Packed {
        if self.quantized.is_none() {
            return self.clone();
        }
        let mut data = Vec::with_capacity(self.panels() * self.k * NR);
        let mut buf = Vec::new();
        for p in 0..self.panels() {
            data.extend_from_slice(self.chunk(p, 0, self.k, &mut buf));
        }
        Packed {
            k: self.k,
            n: self.n,
            data,
            quantized: None,
        }
    }

    /// Bytes its weights take in memory.
    pub fn bytes(&self) -> usize {
        match &self.quantized {
            Some(qz) => {
                qz.q.len() + 4 * qz.scale.len() + 4 * qz.zero_sums.as_ref().map_or(0, Vec::len)
            }
            None => 4 * self.data.len(),
        }
    }

    pub fn panels(&self) -> usize {
        self.n.div_ceil(NR)
    }

    /// Packs a PyTorch `nn.Linear` weight W (N×K, row-major), so that B = Wᵀ.
    pub fn from_weight(w: &[f32], n: usize, k: usize) -> Packed {
        assert_eq!(w.len(), n * k, "weight is not N×K");
        let mut p = Packed::zeroed(k, n);
        p.fill_from_weight(w);
        p
    }

    /// Packs B (K×N, row-major) as is.
    pub fn from_rows(b: &[f32], k: usize, n: usize) -> Packed {
        let mut p = Packed::zeroed(k, n);
        p.fill_from_rows(b);
        p
    }

    pub fn zeroed(k: usize, n: usize) -> Packed {
        let mut p = Packed::default();
        p.reset(k, n);
        p
    }

    /// Makes this an all-zero K×N, reusing the allocation.
    pub fn reset(&mut self, k: usize, n: usize) {
        self.k = k;
        self.n = n;
        self.quantized = None;
        self.data.clear();
        self.data.resize(n.div_ceil(NR) * k * NR, 0.0);
    }

    /// Repacks in place from W (N×K); the buffer is reused (attention keys, per head).
    pub fn fill_from_weight(&mut self, w: &[f32]) {
        let (n, k) = (self.n, self.k);
        for p in 0..self.panels() {
            let rows = &w[p * NR * k..((p + 1) * NR).min(n) * k];
            pack_panel(rows, k, &mut self.data[p * k * NR..(p + 1) * k * NR]);
        }
    }

    /// Repacks in place from B (K×N); the buffer is reused (attention values, per head).
    pub fn fill_from_rows(&mut self, b: &[f32]) {
        let (n, k) = (self.n, self.k);
        for p in 0..self.panels() {
            let cols = NR.min(n - p * NR);
            for kk in 0..k {
                let dst = &mut self.data[(p * k + kk) * NR..(p * k + kk) * NR + cols];
                dst.copy_from_slice(&b[kk * n + p * NR..kk * n + p * NR + cols]);
            }
        }
    }
}

/// Quantized panel rows into floats: `out[kk*NR + j] = q[kk*NR + j] · scale[g*NR + j]` with
/// g the group of input k0 + kk. Its own function, so the browser optimizes it once.
#[inline(never)]
fn widen(q: &[i8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::widen(q, scale, k0, group, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    portable_widen(q, scale, k0, group, out);
}

#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
fn portable_widen(q: &[i8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    for (kk, (o, qrow)) in out.chunks_exact_mut(NR).zip(q.chunks_exact(NR)).enumerate() {
        let s = &scale[(k0 + kk) / group * NR..][..NR];
        for j in 0..NR {
            o[j] = qrow[j] as f32 * s[j];
        }
    }
}

/// 4-bit panel rows into floats: the nibbles of byte `kk*NR/2 + b` are columns b and b + 4,
/// each (u − 8) · scale. Its own function, like `widen`.
#[inline(never)]
fn widen_nibbles(q: &[u8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::widen_nibbles(q, scale, k0, group, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    portable_widen_nibbles(q, scale, k0, group, out);
}

#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
fn portable_widen_nibbles(q: &[u8], scale: &[f32], k0: usize, group: usize, out: &mut [f32]) {
    let half = NR / 2;
    for (kk, (o, qrow)) in out
        .chunks_exact_mut(NR)
        .zip(q.chunks_exact(half))
        .enumerate()
    {
        let s = &scale[(k0 + kk) / group * NR..][..NR];
        for b in 0..half {
            o[b] = ((qrow[b] & 0x0F) as i32 - 8) as f32 * s[b];
            o[b + half] = ((qrow[b] >> 4) as i32 - 8) as f32 * s[b + half];
        }
    }
}

/// Up to NR rows of W (each k long) into one panel: `panel[kk*NR + j] = rows[j*k + kk]`.
/// Its own function, called once per panel, so the browser optimizes it after the first few
/// panels of the model's weights instead of running the whole load in its baseline tier.
#[inline(never)]
fn pack_panel(rows: &[f32], k: usize, panel: &mut [f32]) {
    for (j, row) in rows.chunks_exact(k).enumerate() {
        for (kk, &x) in row.iter().enumerate() {
            panel[kk * NR + j] = x;
        }
    }
}

/// What to do with each output after the bias.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Activation {
    None,
    Gelu,
}

/// Y (M×N) = X (M×K) · B (K×N) + bias (N), then the activation (fused into the kernel's
/// store). `bias` may be empty (zero).
pub fn matmul(x: &[f32], m: usize, b: &Packed, bias: &[f32], act: Activation, y: &mut [f32]) {
    assert_eq!(x.len(), m * b.k, "X is not M×K");
    assert_eq!(y.len(), m * b.n, "Y is not M×N");
    assert!(bias.is_empty() || bias.len() == b.n, "bias is not N");
    let gelu = act == Activation::Gelu;
    if let Some(zs) = b.quantized.as_ref().and_then(|qz| qz.zero_sums.as_ref()) {
        return intdot::matmul(x, m, b, zs, bias, gelu, y);
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::matmul(x, m, b, bias, gelu, y);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    portable::matmul(x, m, b, bias, gelu, y);
}

/// gate ← silu(gate) · up (SwiGLU's product), element by element; the same length.
pub fn silu_mul(gate: &mut [f32], up: &[f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::silu_mul(gate, up);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + math::exp(-*g)) * u;
    }
}

/// gate ← gelu_tanh(gate) · up (GeGLU's product, Gemma's `gelu_pytorch_tanh`); the same length.
pub fn gelu_tanh_mul(gate: &mut [f32], up: &[f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gelu_tanh_mul(gate, up);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = math::gelu_tanh(*g) * u;
    }
}

/// For each row r of `src` (R×n): dst row r ← softmax(src row r · scale).
pub fn softmax_rows(src: &[f32], dst: &mut [f32], n: usize, scale: f32) {
    assert_eq!(src.len(), dst.len(), "softmax: src and dst differ in size");
    for (s, d) in src.chunks_exact(n).zip(dst.chunks_exact_mut(n)) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        simd128::softmax(s, d, scale);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        portable::softmax(s, d, scale);
    }
}

/// In place over each row of `x` (R×n): row ← LayerNorm(row + residual_row) · gamma + beta.
/// `residual` may be empty.
pub fn add_layer_norm(x: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = gamma.len();
    assert!(residual.is_empty() || residual.len() == x.len());
    for (r, row) in x.chunks_exact_mut(n).enumerate() {
        if !residual.is_empty() {
            add_assign(row, &residual[r * n..(r + 1) * n]);
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        simd128::layer_norm(row, gamma, beta, eps);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        portable::layer_norm(row, gamma, beta, eps);
    }
}

pub fn add_assign(a: &mut [f32], b: &[f32]) {
    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f32], m: usize, w: &[f32], n: usize, k: usize, bias: &[f32]) -> Vec<f32> {
        let mut y = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = bias.get(j).copied().unwrap_or(0.0) as f64;
                for kk in 0..k {
                    s += x[i * k + kk] as f64 * w[j * k + kk] as f64;
                }
                y[i * n + j] = s;
            }
        }
        y.into_iter().map(|v| v as f32).collect()
    }

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    #[test]
    fn matmul_matches_naive_on_ragged_shapes() {
        let mut s = 7;
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 7), (4, 8, 16), (9, 19, 33), (32, 40, 64)] {
            let x: Vec<f32> = (0..m * k).map(|_| lcg(&mut s)).collect();
            let w: Vec<f32> = (0..n * k).map(|_| lcg(&mut s)).collect();
            let bias: Vec<f32> = (0..n).map(|_| lcg(&mut s)).collect();
            let mut y = vec![0.0; m * n];
            matmul(
                &x,
                m,
                &Packed::from_weight(&w, n, k),
                &bias,
                Activation::None,
                &mut y,
            );
            let want = naive(&x, m, &w, n, k, &bias);
            let diff = y
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(diff < 1e-5, "{m}x{n}x{k}: maxdiff {diff}");
            // B given as rows (K×N) gives the same product.
            let mut wt = vec![0.0; k * n];
            for j in 0..n {
                for kk in 0..k {
                    wt[kk * n + j] = w[j * k + kk];
                }
            }
            let mut y2 = vec![0.0; m * n];
            matmul(
                &x,
                m,
                &Packed::from_rows(&wt, k, n),
                &bias,
                Activation::None,
                &mut y2,
            );
            assert_eq!(y, y2);
        }
    }

    #[test]
    fn softmax_rows_sum_to_one_and_match_reference() {
        let row = vec![1.0f32, 2.0, 3.0, -50.0, 0.5];
        let want: Vec<f64> = {
            let e: Vec<f64> = row.iter().map(|&v| (v as f64 * 0.5).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|v| v / s).collect()
        };
        let mut out = vec![0.0; 5];
        softmax_rows(&row, &mut out, 5, 0.5);
        for (a, b) in out.iter().zip(&want) {
            assert!((*a as f64 - b).abs() < 1e-7, "{a} vs {b}");
        }
    }

    #[test]
    fn layer_norm_gives_zero_mean_unit_variance() {
        let mut x: Vec<f32> = (0..16).map(|i| i as f32 * 0.3 - 1.0).collect();
        let g = vec![1.0; 16];
        let b = vec![0.0; 16];
        add_layer_norm(&mut x, &[], &g, &b, 1e-12);
        let mean: f32 = x.iter().sum::<f32>() / 16.0;
        let var: f32 = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 16.0;
        assert!(
            mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5,
            "{mean} {var}"
        );
    }
}
