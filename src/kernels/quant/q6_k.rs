//! Q6_K: super-blocks of 256 weights in 16 groups of 16, each `d·sc·(q − 32)` with q a 6-bit
//! value (low 4 bits in `ql`, high 2 in `qh`) and sc an 8-bit signed scale per group.
//!
//! ggml-common.h: `typedef struct { uint8_t ql[QK_K/2]; uint8_t qh[QK_K/4];
//! int8_t scales[QK_K/16]; ggml_half d; } block_q6_K;` (210 bytes; d last). ggml-quants.c
//! `dequantize_row_q6_K`: two halves of 128, each from 64 bytes of ql, 32 of qh, 8 scales.
use super::f16_at;

/// Weights per super-block (`QK_K`).
pub const BLOCK_ELEMS: usize = 256;
/// Bytes per super-block: 128 of ql, 64 of qh, 16 scales, f16 d.
pub const BLOCK_BYTES: usize = BLOCK_ELEMS / 2 + BLOCK_ELEMS / 4 + BLOCK_ELEMS / 16 + 2;

/// `blocks` (a whole number of super-blocks) into `out` (256 floats per super-block).
pub fn dequantize_row(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / BLOCK_BYTES * BLOCK_ELEMS, out.len());
    for (block, y) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK_ELEMS))
    {
        let d = f16_at(&block[208..210]);
        for half in 0..2 {
            let ql = &block[half * 64..half * 64 + 64];
            let qh = &block[128 + half * 32..128 + half * 32 + 32];
            let sc = &block[192 + half * 8..192 + half * 8 + 8];
            let y = &mut y[half * 128..half * 128 + 128];
            for l in 0..32 {
                let is = l / 16;
                let q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i32 - 32;
                let q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
                let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
                let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
                y[l] = d * (sc[is] as i8) as f32 * q1 as f32;
                y[l + 32] = d * (sc[is + 2] as i8) as f32 * q2 as f32;
                y[l + 64] = d * (sc[is + 4] as i8) as f32 * q3 as f32;
                y[l + 96] = d * (sc[is + 6] as i8) as f32 * q4 as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_built_super_block() {
        // ql = 0x21 everywhere, qh = 0b11_10_01_00, scales 1..=16 (the 16th is -1), d = 0.5.
        let mut b = vec![0x21u8; 128];
        b.extend([0b1110_0100u8; 64]);
        b.extend((1..=15).map(|s| s as u8));
        b.push(0xFF);
        b.extend([0x00, 0x38]);
        let mut out = [0.0f32; 256];
        dequantize_row(&b, &mut out);
        assert_eq!(out[0], 0.5 * 1.0 * (1 - 32) as f32); // ql low 1, qh bits 0
        assert_eq!(out[32], 0.5 * 3.0 * ((1 | 1 << 4) - 32) as f32); // qh bits 01
        assert_eq!(out[64], 0.5 * 5.0 * ((2 | 2 << 4) - 32) as f32); // ql high 2, qh 10
        assert_eq!(out[96], 0.5 * 7.0 * ((2 | 3 << 4) - 32) as f32); // qh 11
        assert_eq!(out[255], -0.5 * ((2 | 3 << 4) - 32) as f32); // scale 16 = -1
    }
}
