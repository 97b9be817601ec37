//! Q5_0: blocks of 32 weights, each `d * (q - 16)` with q a 5-bit unsigned value: its low four
//! bits in nibbles as Q4_0's, its fifth bit in a 32-bit mask.
//!
//! ggml-common.h: `typedef struct { ggml_half d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; }
//! block_q5_0;` (22 bytes). ggml-quants.c `dequantize_row_q5_0`: with `qh` read as a
//! little-endian u32, element j (j < 16) is `(qs[j] & 0x0F) | (bit j of qh) << 4` and element
//! j + 16 is `(qs[j] >> 4) | (bit j + 16 of qh) << 4`, each minus 16, times d.
use super::f16_at;

/// Weights per block (`QK5_0`).
pub const BLOCK_ELEMS: usize = 32;
/// Bytes per block: f16 d, 4 bytes of fifth bits, 16 bytes of nibbles.
pub const BLOCK_BYTES: usize = 2 + 4 + BLOCK_ELEMS / 2;

/// `blocks` (a whole number of blocks) into `out` (32 floats per block).
pub fn dequantize_row(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / BLOCK_BYTES * BLOCK_ELEMS, out.len());
    for (block, y) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK_ELEMS))
    {
        let d = f16_at(&block[0..2]);
        let qh = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        let (lo, hi) = y.split_at_mut(BLOCK_ELEMS / 2);
        for (j, &q) in block[6..].iter().enumerate() {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            lo[j] = (((q & 0x0F) as u32 | h0) as i32 - 16) as f32 * d;
            hi[j] = (((q >> 4) as u32 | h1) as i32 - 16) as f32 * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_built_block_uses_the_fifth_bits() {
        // d = 1; nibbles all 0x0F (low) and 0x0 (high); fifth bits: j = 0 and j + 16 = 17.
        let mut block = vec![0x00, 0x3C];
        block.extend((1u32 | 1 << 17).to_le_bytes());
        block.extend([0x0Fu8; 16]);
        let mut out = [0.0f32; 32];
        dequantize_row(&block, &mut out);
        assert_eq!(out[0], 31.0 - 16.0); // 0x0F | 0x10
        assert_eq!(out[1], 15.0 - 16.0); // 0x0F
        assert_eq!(out[16], -16.0); // 0x0
        assert_eq!(out[17], 16.0 - 16.0); // 0x0 | 0x10
    }
}
