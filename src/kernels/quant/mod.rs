//! GGML's block formats, one file per format: its exact bytes (as llama.cpp's
//! `ggml/src/ggml-common.h` declares them) and how to dequantize a row of them (as
//! `ggml/src/ggml-quants.c` does). The GGUF reader (`load::gguf`) names every tensor's type by
//! `GgmlType`; a type whose block size is known here can be sized and checked even before
//! its kernels exist.
//!
//! A row of `n` weights in a block format is `n / block_elems` blocks laid end to end; `n` is
//! a multiple of the block's element count (GGUF requires it of every tensor's first dim).
pub mod dot;
pub mod dot_k;
pub mod q4_1;
pub mod q4_k;
pub mod q5_0;
pub mod q6_k;
pub mod q8_0;

use half::f16;

/// ggml's `enum ggml_type` (ids as in llama.cpp's `ggml.h`): the tensor types a GGUF may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GgmlType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q8_1,
    Q2K,
    Q3K,
    Q4K,
    Q5K,
    Q6K,
    Q8K,
    BF16,
}

impl GgmlType {
    /// The type of ggml id `id`, or None for an id this reader does not know.
    pub fn from_id(id: u32) -> Option<GgmlType> {
        use GgmlType::*;
        Some(match id {
            0 => F32,
            1 => F16,
            2 => Q4_0,
            3 => Q4_1,
            6 => Q5_0,
            7 => Q5_1,
            8 => Q8_0,
            9 => Q8_1,
            10 => Q2K,
            11 => Q3K,
            12 => Q4K,
            13 => Q5K,
            14 => Q6K,
            15 => Q8K,
            30 => BF16,
            _ => return None,
        })
    }

    pub fn id(self) -> u32 {
        use GgmlType::*;
        match self {
            F32 => 0,
            F16 => 1,
            Q4_0 => 2,
            Q4_1 => 3,
            Q5_0 => 6,
            Q5_1 => 7,
            Q8_0 => 8,
            Q8_1 => 9,
            Q2K => 10,
            Q3K => 11,
            Q4K => 12,
            Q5K => 13,
            Q6K => 14,
            Q8K => 15,
            BF16 => 30,
        }
    }

    /// ggml's name for it (`ggml_type_name`).
    pub fn name(self) -> &'static str {
        use GgmlType::*;
        match self {
            F32 => "f32",
            F16 => "f16",
            Q4_0 => "q4_0",
            Q4_1 => "q4_1",
            Q5_0 => "q5_0",
            Q5_1 => "q5_1",
            Q8_0 => "q8_0",
            Q8_1 => "q8_1",
            Q2K => "q2_K",
            Q3K => "q3_K",
            Q4K => "q4_K",
            Q5K => "q5_K",
            Q6K => "q6_K",
            Q8K => "q8_K",
            BF16 => "bf16",
        }
    }

    /// (weights per block, bytes per block), as ggml's type traits (`blck_size`, `type_size`).
    pub fn block(self) -> (usize, usize) {
        use GgmlType::*;
        match self {
            F32 => (1, 4),
            F16 | BF16 => (1, 2),
            Q4_0 => (32, 18),
            Q4_1 => (32, q4_1::BLOCK_BYTES),
            Q5_0 => (32, q5_0::BLOCK_BYTES),
            Q5_1 => (32, 24),
            Q8_0 => (32, q8_0::BLOCK_BYTES),
            Q8_1 => (32, 36),
            Q2K => (256, 84),
            Q3K => (256, 110),
            Q4K => (256, q4_k::BLOCK_BYTES),
            Q5K => (256, 176),
            Q6K => (256, q6_k::BLOCK_BYTES),
            Q8K => (256, 292),
        }
    }

    /// Bytes of a row of `n` weights, or None when `n` is not a whole number of blocks.
    pub fn row_bytes(self, n: usize) -> Option<usize> {
        let (elems, bytes) = self.block();
        n.is_multiple_of(elems).then(|| n / elems * bytes)
    }

    /// Whether `dequantize_row` reads this type.
    pub fn can_dequantize(self) -> bool {
        matches!(
            self,
            GgmlType::F32
                | GgmlType::F16
                | GgmlType::BF16
                | GgmlType::Q4_1
                | GgmlType::Q8_0
                | GgmlType::Q5_0
                | GgmlType::Q4K
                | GgmlType::Q6K
        )
    }
}

impl std::fmt::Display for GgmlType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of `out.len()` weights of type `ty` from its bytes (exactly `row_bytes` long) into
/// floats. Err names the type when this build has no kernel for it, or the sizes disagree.
pub fn dequantize_row(ty: GgmlType, bytes: &[u8], out: &mut [f32]) -> Result<(), String> {
    match ty.row_bytes(out.len()) {
        Some(n) if n == bytes.len() => {}
        _ => {
            return Err(format!(
                "{} bytes are not a row of {} {ty} weights",
                bytes.len(),
                out.len()
            ))
        }
    }
    match ty {
        GgmlType::F32 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        GgmlType::F16 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f16::from_le_bytes([b[0], b[1]]).to_f32();
            }
        }
        GgmlType::BF16 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16);
            }
        }
        GgmlType::Q4_1 => q4_1::dequantize_row(bytes, out),
        GgmlType::Q8_0 => q8_0::dequantize_row(bytes, out),
        GgmlType::Q5_0 => q5_0::dequantize_row(bytes, out),
        GgmlType::Q4K => q4_k::dequantize_row(bytes, out),
        GgmlType::Q6K => q6_k::dequantize_row(bytes, out),
        other => return Err(format!("no kernel reads {other} weights yet")),
    }
    Ok(())
}

/// A little-endian f16 at `b[0..2]` as f32 (ggml's `GGML_FP16_TO_FP32`), exactly. Every
/// block's scale goes through here, and wasm has no f16 instruction: the magnitude's bits
/// moved into f32's place read as 2^-112 of the value (denormals included), so one multiply
/// by 2^112 gives it. Infinities and NaNs, which weights never hold, take the slow path.
#[inline]
pub(crate) fn f16_at(b: &[u8]) -> f32 {
    let h = u16::from_le_bytes([b[0], b[1]]) as u32;
    if h & 0x7c00 == 0x7c00 {
        return f16::from_bits(h as u16).to_f32();
    }
    let magnitude = f32::from_bits((h & 0x7fff) << 13) * f32::from_bits(0x7780_0000); // × 2^112
    if h & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_id_round_trips_and_unknown_ids_are_none() {
        for id in 0..64 {
            if let Some(t) = GgmlType::from_id(id) {
                assert_eq!(t.id(), id, "{t}");
            }
        }
        // 4 and 5 were Q4_2 / Q4_3, removed from ggml; 31+ are types this reader has no size for.
        for id in [4, 5, 16, 29, 31, 1000, u32::MAX] {
            assert_eq!(GgmlType::from_id(id), None, "{id}");
        }
    }

    #[test]
    fn f16_at_equals_the_half_crate_on_every_bit_pattern() {
        for h in 0..=u16::MAX {
            let (got, want) = (f16_at(&h.to_le_bytes()), f16::from_bits(h).to_f32());
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{h:#06x}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn row_bytes_needs_whole_blocks() {
        assert_eq!(GgmlType::Q4_1.row_bytes(576), Some(18 * 20));
        assert_eq!(GgmlType::Q8_0.row_bytes(576), Some(18 * 34));
        assert_eq!(GgmlType::Q6K.row_bytes(512), Some(2 * 210));
        assert_eq!(GgmlType::F32.row_bytes(3), Some(12));
        assert_eq!(GgmlType::Q4_1.row_bytes(33), None);
    }

    #[test]
    fn float_rows_read_little_endian() {
        let mut out = [0.0f32; 2];
        dequantize_row(GgmlType::F32, &[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], &mut out).unwrap();
        assert_eq!(out, [1.0, -2.0]);
        dequantize_row(GgmlType::F16, &[0x00, 0x3c, 0x00, 0xb8], &mut out).unwrap();
        assert_eq!(out, [1.0, -0.5]);
        dequantize_row(GgmlType::BF16, &[0x80, 0x3f, 0x40, 0x40], &mut out).unwrap();
        assert_eq!(out, [1.0, 3.0]);
    }

    #[test]
    fn wrong_sizes_and_missing_kernels_are_errors() {
        let mut out = [0.0f32; 32];
        assert!(dequantize_row(GgmlType::Q8_0, &[0; 33], &mut out).is_err());
        assert!(dequantize_row(GgmlType::Q4_1, &[0; 21], &mut out).is_err());
        let e = dequantize_row(GgmlType::Q5K, &[0; 176], &mut [0.0; 256]).unwrap_err();
        assert!(e.contains("q5_K"), "{e}");
    }
}
