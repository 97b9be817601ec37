//! Scalar kernels: the no-SIMD wasm build and native builds use these.
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
use super::math::exp;
use super::{Packed, MR, NR};

pub fn matmul(x: &[f32], m: usize, b: &Packed, bias: &[f32], gelu: bool, y: &mut [f32]) {
    let (k, n) = (b.k, b.n);
    let mut buf = Vec::new(); // a quantized panel, widened
    for p in 0..b.panels() {
        let panel = b.chunk(p, 0, k, &mut buf);
        let cols = NR.min(n - p * NR);
        let mut i = 0;
        while i < m {
            let rows = MR.min(m - i);
            // acc[r][j]: row i+r, column p*NR+j
            let mut acc = [[0.0f32; NR]; MR];
            for kk in 0..k {
                let w = &panel[kk * NR..kk * NR + NR];
                for r in 0..rows {
                    let xv = x[(i + r) * k + kk];
                    for j in 0..NR {
                        acc[r][j] += xv * w[j];
                    }
                }
            }
            for (r, acc_row) in acc.iter().enumerate().take(rows) {
                let out = &mut y[(i + r) * n + p * NR..(i + r) * n + p * NR + cols];
                for j in 0..cols {
                    out[j] = acc_row[j] + bias.get(p * NR + j).copied().unwrap_or(0.0);
                }
            }
            i += rows;
        }
    }
    // A pass of its own: inside the tile loop above it kept LLVM from vectorizing the
    // accumulation (measured 5x slower natively).
    if gelu {
        y.iter_mut().for_each(|v| *v = super::gelu(*v));
    }
}

/// dst ← softmax(src · scale).
pub fn softmax(src: &[f32], dst: &mut [f32], scale: f32) {
    let max = src.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) * scale;
    let mut sum = 0.0f32;
    for (o, v) in dst.iter_mut().zip(src) {
        *o = exp(*v * scale - max);
        sum += *o;
    }
    let inv = 1.0 / sum;
    dst.iter_mut().for_each(|v| *v *= inv);
}

pub fn layer_norm(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let inv = 1.0 / (var + eps).sqrt();
    for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
        *v = (*v - mean) * inv * g + b;
    }
}
