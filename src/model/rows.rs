//! A 2-D table kept in its stored precision and widened one row at a time (the word
//! embeddings: 30522×384 would be 47 MB as f32 in wasm memory).
use half::f16;

use crate::bytes::Bytes;

pub enum RowTable {
    F32 {
        cols: usize,
        data: Vec<f32>, // (rows, cols)
    },
    F16 {
        cols: usize,
        data: Vec<f16>, // (rows, cols)
    },
    Int8 {
        cols: usize,
        group: usize,
        q: Bytes,        // (rows, cols) int8, possibly inside the loaded bundle
        scale: Vec<f32>, // (rows, cols / group)
    },
    /// Q4_0 blocks as the source stores them: per 32 inputs an f16 scale d then 16 bytes,
    /// byte j holding input j (low nibble) and j + 16 (high), each weight (q − 8) · d.
    Q4 {
        cols: usize,
        blocks: Bytes, // (rows, cols / 32 · Q4_BLOCK_BYTES), possibly inside the loaded bundle
    },
}

/// Inputs per Q4_0 block, and the bytes of one block (f16 scale + 16 bytes of nibbles).
pub const Q4_GROUP: usize = 32;
pub const Q4_BLOCK_BYTES: usize = 18;

impl RowTable {
    /// Writes row `r` into `out` (cols floats).
    pub fn row(&self, r: usize, out: &mut [f32]) {
        match self {
            RowTable::F32 { cols, data } => out.copy_from_slice(&data[r * cols..(r + 1) * cols]),
            RowTable::F16 { cols, data } => {
                for (o, h) in out.iter_mut().zip(&data[r * cols..(r + 1) * cols]) {
                    *o = h.to_f32();
                }
            }
            RowTable::Int8 {
                cols,
                group,
                q,
                scale,
            } => {
                let groups = cols / group;
                dequantize_row(
                    &q.as_i8()[r * cols..(r + 1) * cols],
                    &scale[r * groups..(r + 1) * groups],
                    *group,
                    out,
                );
            }
            RowTable::Q4 { cols, blocks } => {
                let row_bytes = cols / Q4_GROUP * Q4_BLOCK_BYTES;
                dequantize_q4_row(&blocks[r * row_bytes..(r + 1) * row_bytes], out);
            }
        }
    }

    /// For an int8 or 4-bit table, the inputs per scale (`quantized_row` then gives the
    /// numbers `row` would multiply); None for a float table.
    pub fn quantized(&self) -> Option<usize> {
        match self {
            RowTable::Int8 { group, .. } => Some(*group),
            RowTable::Q4 { .. } => Some(Q4_GROUP),
            _ => None,
        }
    }

    /// Row r's integers (cols) and scales (cols / group) of a quantized table.
    pub fn quantized_row(&self, r: usize, q_out: &mut [i8], scale_out: &mut [f32]) {
        match self {
            RowTable::Int8 {
                cols,
                group,
                q,
                scale,
            } => {
                let groups = cols / group;
                q_out.copy_from_slice(&q.as_i8()[r * cols..(r + 1) * cols]);
                scale_out.copy_from_slice(&scale[r * groups..(r + 1) * groups]);
            }
            RowTable::Q4 { cols, blocks } => {
                let row_bytes = cols / Q4_GROUP * Q4_BLOCK_BYTES;
                let row = &blocks[r * row_bytes..(r + 1) * row_bytes];
                for (g, b) in row.chunks_exact(Q4_BLOCK_BYTES).enumerate() {
                    scale_out[g] = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
                    let out = &mut q_out[g * Q4_GROUP..(g + 1) * Q4_GROUP];
                    for (j, &v) in b[2..].iter().enumerate() {
                        out[j] = (v & 0x0F) as i8 - 8;
                        out[j + 16] = (v >> 4) as i8 - 8;
                    }
                }
            }
            _ => panic!("quantized_row on a table that is not quantized"),
        }
    }

    /// True when every value it stands for is a finite number (checked on the scales for
    /// quantized tables: their integer parts are always finite).
    pub fn is_finite(&self) -> bool {
        match self {
            RowTable::F32 { data, .. } => data.iter().all(|v| v.is_finite()),
            RowTable::F16 { data, .. } => data.iter().all(|v| v.is_finite()),
            RowTable::Int8 { scale, .. } => scale.iter().all(|v| v.is_finite()),
            RowTable::Q4 { blocks, .. } => blocks
                .chunks_exact(Q4_BLOCK_BYTES)
                .all(|b| half::f16::from_le_bytes([b[0], b[1]]).is_finite()),
        }
    }

    /// The whole table widened to f32, row by row. (rows, cols)
    pub fn into_f32(self) -> Vec<f32> {
        if let RowTable::F32 { data, .. } = self {
            return data;
        }
        let (rows, cols) = self.shape();
        let mut out = vec![0.0f32; rows * cols];
        for (r, o) in out.chunks_exact_mut(cols.max(1)).enumerate() {
            self.row(r, o);
        }
        out
    }

    /// (rows, cols)
    fn shape(&self) -> (usize, usize) {
        let (len, cols) = match self {
            RowTable::F32 { cols, data } => (data.len(), *cols),
            RowTable::F16 { cols, data } => (data.len(), *cols),
            RowTable::Int8 { cols, q, .. } => (q.len(), *cols),
            RowTable::Q4 { cols, blocks } => (blocks.len() / Q4_BLOCK_BYTES * Q4_GROUP, *cols),
        };
        (len / cols.max(1), cols)
    }
}

/// One row of int8 values times its group scales: `out[c] = q[c] · scale[c / group]`.
/// A function of its own, called once per row: in the browser a long loop inside a function
/// called once runs in V8's baseline tier to the end, while a function called thousands of
/// times is soon optimized (the engine loads from cache in about a third of the time).
#[inline(never)]
pub fn dequantize_row(q: &[i8], scale: &[f32], group: usize, out: &mut [f32]) {
    for ((o, q), s) in out
        .chunks_exact_mut(group)
        .zip(q.chunks_exact(group))
        .zip(scale)
    {
        for (o, &v) in o.iter_mut().zip(q) {
            *o = v as f32 * s;
        }
    }
}

/// One row of Q4_0 blocks into `out` (32 floats per block). Its own function for the same
/// reason as `dequantize_row`.
#[inline(never)]
pub fn dequantize_q4_row(blocks: &[u8], out: &mut [f32]) {
    for (o, b) in out
        .chunks_exact_mut(Q4_GROUP)
        .zip(blocks.chunks_exact(Q4_BLOCK_BYTES))
    {
        let d = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
        for (j, &q) in b[2..].iter().enumerate() {
            o[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
            o[j + 16] = ((q >> 4) as i32 - 8) as f32 * d;
        }
    }
}
