//! Reads named tensors out of a safetensors file as f32, whatever their stored precision:
//! F32, F16, or I8 in groups along the last (input) dimension with a `<name>.scale`
//! companion (F16 or F32, shape [rows, cols / group]). Every failure names the tensor.
use std::collections::HashMap;

use half::f16;
use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};

/// Metadata key holding the int8 group size (elements per scale along the input dim).
pub const GROUP_KEY: &str = "orquestra.group";
pub const SCALE_SUFFIX: &str = ".scale";

pub struct Weights<'a> {
    st: SafeTensors<'a>,
    pub metadata: HashMap<String, String>,
}

/// A 2-D table kept in its stored precision, decoded one row at a time
/// (the word embeddings: 30522×384 would be 47 MB as f32 in wasm memory).
pub enum RowTable {
    F32 {
        cols: usize,
        data: Vec<f32>,
    },
    F16 {
        cols: usize,
        data: Vec<f16>,
    },
    Int8 {
        cols: usize,
        group: usize,
        q: Vec<i8>,
        scale: Vec<f32>,
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
}

impl<'a> Weights<'a> {
    pub fn parse(bytes: &'a [u8], what: &str) -> Result<Weights<'a>> {
        let bad = |e: safetensors::SafeTensorError| {
            Error::Model(format!("{what} is not a readable safetensors file ({e}); it may be truncated or corrupt: download or convert it again"))
        };
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(bad)?;
        let metadata = meta.metadata().clone().unwrap_or_default();
        let st = SafeTensors::deserialize(bytes).map_err(bad)?;
        Ok(Weights { st, metadata })
    }

    pub fn names(&self) -> Vec<String> {
        self.st.names().into_iter().cloned().collect()
    }

    fn group(&self) -> Result<usize> {
        let g = self.metadata.get(GROUP_KEY).ok_or_else(|| {
            Error::Model(format!("int8 tensors but no {GROUP_KEY} in the metadata"))
        })?;
        g.parse::<usize>()
            .ok()
            .filter(|&g| g > 0)
            .ok_or_else(|| Error::Model(format!("{GROUP_KEY} = {g:?} is not a positive integer")))
    }

    pub fn shape(&self, name: &str) -> Result<Vec<usize>> {
        Ok(self
            .st
            .tensor(name)
            .map_err(|_| Error::Model(format!("tensor {name} is missing")))?
            .shape()
            .to_vec())
    }

    fn view(&self, name: &str, shape: &[usize]) -> Result<safetensors::tensor::TensorView<'_>> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| Error::Model(format!("tensor {name} is missing")))?;
        if t.shape() != shape {
            return Err(Error::Model(format!(
                "tensor {name} has shape {:?}, expected {:?}",
                t.shape(),
                shape
            )));
        }
        Ok(t)
    }

    /// The raw bytes of a U8 tensor (e.g. the vocabulary inside a bundle).
    pub fn bytes(&self, name: &str) -> Result<&[u8]> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| Error::Model(format!("tensor {name} is missing")))?;
        if t.dtype() != Dtype::U8 {
            return Err(Error::Model(format!(
                "tensor {name} should be U8, found {:?}",
                t.dtype()
            )));
        }
        Ok(t.data())
    }

    /// The tensor as f32, checked against `shape`.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        match self.table(name, shape)? {
            RowTable::F32 { data, .. } => Ok(data),
            RowTable::F16 { data, .. } => Ok(data.iter().map(|h| h.to_f32()).collect()),
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
                Ok(out)
            }
        }
    }

    /// The tensor in its stored precision, checked against `shape` (last dim = columns).
    pub fn table(&self, name: &str, shape: &[usize]) -> Result<RowTable> {
        let t = self.view(name, shape)?;
        let cols = *shape.last().unwrap_or(&1);
        let data = t.data();
        Ok(match t.dtype() {
            Dtype::F32 => RowTable::F32 {
                cols,
                data: data
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            },
            Dtype::F16 => RowTable::F16 {
                cols,
                data: data
                    .chunks_exact(2)
                    .map(|b| f16::from_le_bytes([b[0], b[1]]))
                    .collect(),
            },
            Dtype::I8 => {
                let group = self.group()?;
                if cols % group != 0 {
                    return Err(Error::Model(format!(
                        "tensor {name}: {cols} columns are not a multiple of the group {group}"
                    )));
                }
                let rows = shape.iter().product::<usize>() / cols.max(1);
                let scale_name = format!("{name}{SCALE_SUFFIX}");
                let scale = match self.table(&scale_name, &[rows, cols / group])? {
                    RowTable::F32 { data, .. } => data,
                    RowTable::F16 { data, .. } => data.iter().map(|h| h.to_f32()).collect(),
                    RowTable::Int8 { .. } => {
                        return Err(Error::Model(format!(
                            "tensor {scale_name} must be F16 or F32"
                        )))
                    }
                };
                RowTable::Int8 {
                    cols,
                    group,
                    q: data.iter().map(|&b| b as i8).collect(),
                    scale,
                }
            }
            other => {
                return Err(Error::Model(format!(
                    "tensor {name} has dtype {other:?}; only F32, F16 and I8 are read"
                )))
            }
        })
    }
}

/// One row of int8 values times its group scales: `out[c] = q[c] · scale[c / group]`.
/// A function of its own, called once per row: in the browser a long loop inside a function
/// called once runs in V8's baseline tier to the end, while a function called thousands of
/// times is soon optimized (the engine loads from cache in about a third of the time).
#[inline(never)]
fn dequantize_row(q: &[i8], scale: &[f32], group: usize, out: &mut [f32]) {
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
