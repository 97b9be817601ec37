//! A 2-D table kept in its stored precision and widened one row at a time (the word
//! embeddings: 30522×384 would be 47 MB as f32 in wasm memory).
use half::f16;

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
        q: Vec<i8>,      // (rows, cols)
        scale: Vec<f32>, // (rows, cols / group)
    },
}

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
                    &q[r * cols..(r + 1) * cols],
                    &scale[r * groups..(r + 1) * groups],
                    *group,
                    out,
                );
            }
        }
    }

    /// The whole table widened to f32. (rows, cols)
    pub fn into_f32(self) -> Vec<f32> {
        match self {
            RowTable::F32 { data, .. } => data,
            RowTable::F16 { data, .. } => data.iter().map(|h| h.to_f32()).collect(),
            RowTable::Int8 {
                cols,
                group,
                q,
                scale,
            } => {
                let groups = cols / group;
                let mut out = vec![0.0f32; q.len()];
                for ((o, q), s) in out
                    .chunks_exact_mut(cols)
                    .zip(q.chunks_exact(cols))
                    .zip(scale.chunks_exact(groups))
                {
                    dequantize_row(q, s, group, o);
                }
                out
            }
        }
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
