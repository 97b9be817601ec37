//! Q4_K: super-blocks of 256 weights in 8 groups of 32, each group `d·sc·q − dmin·m` with q a
//! 4-bit nibble and (sc, m) 6-bit scale and min packed into 12 bytes.
//!
//! ggml-common.h: `typedef struct { ggml_half d; ggml_half dmin; uint8_t scales[K_SCALE_SIZE];
//! uint8_t qs[QK_K/2]; } block_q4_K;` (144 bytes). ggml-quants.c `dequantize_row_q4_K` and
//! `get_scale_min_k4`: each 32 bytes of qs hold two groups, the low nibbles the first.
use super::f16_at;

/// Weights per super-block (`QK_K`).
pub const BLOCK_ELEMS: usize = 256;
/// Bytes per super-block: f16 d, f16 dmin, 12 bytes of scales and mins, 128 of nibbles.
pub const BLOCK_BYTES: usize = 2 + 2 + 12 + BLOCK_ELEMS / 2;

/// Group j's 6-bit (scale, min) from the 12 packed bytes (`get_scale_min_k4`).
pub(crate) fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// `blocks` (a whole number of super-blocks) into `out` (256 floats per super-block).
pub fn dequantize_row(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / BLOCK_BYTES * BLOCK_ELEMS, out.len());
    for (block, y) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK_ELEMS))
    {
        let d = f16_at(&block[0..2]);
        let dmin = f16_at(&block[2..4]);
        let scales = &block[4..16];
        let qs = &block[16..];
        for (pair, (q, y)) in qs.chunks_exact(32).zip(y.chunks_exact_mut(64)).enumerate() {
            let (sc1, m1) = scale_min_k4(2 * pair, scales);
            let (sc2, m2) = scale_min_k4(2 * pair + 1, scales);
            let (d1, min1) = (d * sc1 as f32, dmin * m1 as f32);
            let (d2, min2) = (d * sc2 as f32, dmin * m2 as f32);
            let (lo, hi) = y.split_at_mut(32);
            for l in 0..32 {
                lo[l] = d1 * (q[l] & 0x0F) as f32 - min1;
                hi[l] = d2 * (q[l] >> 4) as f32 - min2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_mins_unpack_as_get_scale_min_k4() {
        // Groups 0-3 read the low 6 bits of bytes 0-3 (scale) and 4-7 (min); groups 4-7
        // take their low 4 bits from bytes 8-11 and their top 2 from bytes 0-7's top bits.
        let q = [
            0xC1, 0x02, 0x03, 0x04, 0x45, 0x06, 0x07, 0x08, 0x9A, 0x0B, 0x0C, 0x0D,
        ];
        assert_eq!(scale_min_k4(0, &q), (0x01, 0x05));
        assert_eq!(scale_min_k4(4, &q), (0x0A | (3 << 4), 0x09 | (1 << 4)));
    }

    #[test]
    fn a_hand_built_super_block() {
        // d = 1, dmin = 0.5; group 0: scale 2, min 3; group 1: scale 1, min 0; nibbles 0x51.
        let mut b = vec![0x00, 0x3C, 0x00, 0x38];
        b.extend([2, 1, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
        b.extend([0x51u8; 128]);
        let mut out = [0.0f32; 256];
        dequantize_row(&b, &mut out);
        assert_eq!(out[0], 2.0 * 1.0 - 1.5); // low nibble 1, group 0
        assert_eq!(out[32], 1.0 * 5.0); // high nibble 5, group 1
        assert_eq!(out[64], 0.0); // groups 2-7: scale 0, min 0
    }
}
