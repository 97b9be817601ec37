//! Q4_1: blocks of 32 weights, each `d * q + m` with q a 4-bit unsigned nibble and one f16
//! scale d and one f16 minimum m per block (affine: scale and min).
//!
//! ggml-common.h: `typedef struct { ggml_half d; ggml_half m; uint8_t qs[QK4_1 / 2]; }
//! block_q4_1;` (20 bytes). ggml-quants.c `dequantize_row_q4_1`: byte j holds element j in its
//! low nibble and element j + 16 in its high nibble:
//! `y[i*qk + j] = (qs[j] & 0x0F)*d + m; y[i*qk + j + qk/2] = (qs[j] >> 4)*d + m`.
use super::f16_at;

/// Weights per block (`QK4_1`).
pub const BLOCK_ELEMS: usize = 32;
/// Bytes per block: f16 d, f16 m, then 16 bytes of nibbles.
pub const BLOCK_BYTES: usize = 4 + BLOCK_ELEMS / 2;

/// `blocks` (a whole number of blocks) into `out` (32 floats per block).
pub fn dequantize_row(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / BLOCK_BYTES * BLOCK_ELEMS, out.len());
    const HALF: usize = BLOCK_ELEMS / 2;
    for (block, y) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK_ELEMS))
    {
        let d = f16_at(&block[0..2]); // ggml_half d
        let m = f16_at(&block[2..4]); // ggml_half m
        let (lo, hi) = y.split_at_mut(HALF);
        for (j, &q) in block[4..].iter().enumerate() {
            lo[j] = (q & 0x0F) as f32 * d + m; // elements 0..16: low nibbles
            hi[j] = (q >> 4) as f32 * d + m; // elements 16..32: high nibbles
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_built_block_gives_d_times_q_plus_m_low_nibbles_first() {
        // d = 0.25 (f16 0x3400), m = -1 (f16 0xBC00); byte j = (15 - j) << 4 | j, so element
        // j (j < 16) is j and element 16 + j is 15 - j.
        let mut block = vec![0x00, 0x34, 0x00, 0xBC];
        block.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let mut out = [0.0f32; 32];
        dequantize_row(&block, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], j as f32 * 0.25 - 1.0, "element {j}");
            assert_eq!(
                out[16 + j],
                (15 - j) as f32 * 0.25 - 1.0,
                "element {}",
                16 + j
            );
        }
    }

    #[test]
    fn blocks_follow_one_another() {
        // Two blocks: the first all nibbles 0 (so m = 3), the second all 0xF with d = 1, m = 0.
        let mut row = vec![0x00, 0x00, 0x00, 0x42]; // d = 0, m = 3
        row.extend([0u8; 16]);
        row.extend([0x00, 0x3C, 0x00, 0x00]); // d = 1, m = 0
        row.extend([0xFFu8; 16]);
        let mut out = [0.0f32; 64];
        dequantize_row(&row, &mut out);
        assert!(out[..32].iter().all(|&v| v == 3.0));
        assert!(out[32..].iter().all(|&v| v == 15.0));
    }
}
