//! Q8_0: blocks of 32 weights, each `d * q` with one f16 scale per block.
//!
//! ggml-common.h: `typedef struct { ggml_half d; int8_t qs[QK8_0]; } block_q8_0;` (34 bytes);
//! ggml-quants.c `dequantize_row_q8_0`: `y[i*qk + j] = x[i].qs[j]*d`.
use super::f16_at;

/// Weights per block (`QK8_0`).
pub const BLOCK_ELEMS: usize = 32;
/// Bytes per block: f16 d, then 32 × i8.
pub const BLOCK_BYTES: usize = 2 + BLOCK_ELEMS;

/// `blocks` (a whole number of blocks) into `out` (32 floats per block).
pub fn dequantize_row(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / BLOCK_BYTES * BLOCK_ELEMS, out.len());
    for (block, y) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK_ELEMS))
    {
        let d = f16_at(block); // ggml_half d
        for (o, &q) in y.iter_mut().zip(&block[2..]) {
            *o = q as i8 as f32 * d; // int8_t qs[32]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_built_block_gives_d_times_q() {
        // d = 0.5 (f16 0x3800), qs = -16, -15, …, 15.
        let mut block = vec![0x00, 0x38];
        block.extend((0..32).map(|j| (j as i8 - 16) as u8));
        // A second block: d = -2 (f16 0xC000), qs = 127 then -128, then zeros.
        block.extend([0x00, 0xC0, 127, 128]);
        block.extend([0u8; 30]);
        let mut out = [0.0f32; 64];
        dequantize_row(&block, &mut out);
        for (j, &v) in out[..32].iter().enumerate() {
            assert_eq!(v, (j as f32 - 16.0) * 0.5, "element {j}");
        }
        assert_eq!(out[32], -254.0);
        assert_eq!(out[33], 256.0);
        assert!(out[34..].iter().all(|&v| v == 0.0));
    }
}
