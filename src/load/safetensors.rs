//! Named tensors out of a safetensors file, whatever their stored precision:
//! F32, F16, or I8 in groups along the last (input) dimension with a `<name>.scale`
//! companion (F16 or F32, shape [rows, cols / group]). Every failure names the tensor.
use std::collections::HashMap;
use std::sync::Arc;

use half::f16;
use safetensors::{Dtype, SafeTensors};

use super::bundle::PRECISION_KEY;
use crate::bytes::Bytes;
use crate::error::{Error, Result};
use crate::kernels::{Packed, Values, NR};
use crate::model::{RowTable, TensorSource, Q4_BLOCK_BYTES, Q4_GROUP};

/// Metadata key holding the int8 group size (elements per scale along the input dim).
pub const GROUP_KEY: &str = "orquestra.group";
pub const SCALE_SUFFIX: &str = ".scale";

pub struct Weights<'a> {
    st: SafeTensors<'a>,
    pub metadata: HashMap<String, String>,
    /// The buffer `st` reads, when the model may keep parts of it (a bundle loaded in place):
    /// quantized tensors then point into it instead of being copied.
    owner: Option<&'a Arc<Vec<u8>>>,
}

impl<'a> Weights<'a> {
    /// Tensors read from a buffer that the model may share (see `owner`).
    pub fn parse_shared(buf: &'a Arc<Vec<u8>>, what: &str) -> Result<Weights<'a>> {
        let mut w = Weights::parse(buf, what)?;
        w.owner = Some(buf);
        Ok(w)
    }

    /// A tensor's bytes as the model keeps them: shared with the buffer, or copied.
    fn keep(&self, data: &[u8]) -> Bytes {
        match self.owner {
            Some(buf) => {
                let start = data.as_ptr() as usize - buf.as_ptr() as usize;
                Bytes::shared(buf, start..start + data.len())
            }
            None => Bytes::owned(data.to_vec()),
        }
    }

    pub fn parse(bytes: &'a [u8], what: &str) -> Result<Weights<'a>> {
        let bad = |e: safetensors::SafeTensorError| {
            Error::Model(format!("{what} is not a readable safetensors file ({e}); it may be truncated or corrupt: download or convert it again"))
        };
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(bad)?;
        let metadata = meta.metadata().clone().unwrap_or_default();
        let st = SafeTensors::deserialize(bytes).map_err(bad)?;
        Ok(Weights {
            st,
            metadata,
            owner: None,
        })
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
        // 4-bit blocks are bytes: their shape is checked against the weights they hold.
        if t.dtype() == Dtype::U8
            && shape.len() == 2
            && t.shape().len() == 2
            && t.shape()[0] == shape[0]
        {
            return Ok(t);
        }
        if t.shape() != shape {
            return Err(Error::Model(format!(
                "tensor {name} has shape {:?}, expected {:?}",
                t.shape(),
                shape
            )));
        }
        Ok(t)
    }

    /// The raw bytes of a tensor that must have `dtype`.
    fn typed(&self, name: &str, dtype: Dtype) -> Result<&[u8]> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| Error::Model(format!("tensor {name} is missing")))?;
        if t.dtype() != dtype {
            return Err(Error::Model(format!(
                "tensor {name} should be {dtype:?}, found {:?}",
                t.dtype()
            )));
        }
        Ok(t.data())
    }

    /// A U32 tensor's values (e.g. where each Unigram piece ends).
    pub fn u32s(&self, name: &str) -> Result<Vec<u32>> {
        Ok(self
            .typed(name, Dtype::U32)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The raw bytes of a U8 tensor (e.g. the vocabulary inside a bundle).
    pub fn bytes(&self, name: &str) -> Result<&[u8]> {
        self.typed(name, Dtype::U8)
    }
}

impl Weights<'_> {
    /// A scale tensor (F16 or F32) as f32.
    fn scales(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        match self.table(name, shape)? {
            RowTable::F32 { data, .. } => Ok(data),
            RowTable::F16 { data, .. } => Ok(data.iter().map(|h| h.to_f32()).collect()),
            RowTable::Int8 { .. } | RowTable::Q4 { .. } => {
                Err(Error::Model(format!("tensor {name} must be F16 or F32")))
            }
        }
    }
}

impl TensorSource for Weights<'_> {
    fn panels(&self, name: &str, n: usize, k: usize) -> Result<Option<Packed>> {
        let Ok(t) = self.st.tensor(name) else {
            return Ok(None);
        };
        let (values, group) = match t.dtype() {
            Dtype::I8 => (Values::Int8, self.group()?),
            Dtype::U8 => (Values::Nibbles, Q4_GROUP),
            other => {
                return Err(Error::Model(format!(
                    "tensor {name} has dtype {other:?}; panels are I8 or U8 (4-bit)"
                )))
            }
        };
        let bad = |e: String| Error::Model(format!("tensor {name}: {e}"));
        let panels = n.div_ceil(NR);
        if t.shape() != [panels, k, values.row_bytes()] || !k.is_multiple_of(group) {
            return Err(bad(format!(
                "shape {:?} is not {panels} panels of {k} inputs (group {group})",
                t.shape()
            )));
        }
        let scale = self.scales(
            &format!("{name}{SCALE_SUFFIX}"),
            &[panels * (k / group), NR],
        )?;
        Packed::from_panels(n, k, group, values, self.keep(t.data()), scale)
            .map(Some)
            .map_err(bad)
    }

    fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        Ok(self.table(name, shape)?.into_f32())
    }

    fn table(&self, name: &str, shape: &[usize]) -> Result<RowTable> {
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
                if !cols.is_multiple_of(group) {
                    return Err(Error::Model(format!(
                        "tensor {name}: {cols} columns are not a multiple of the group {group}"
                    )));
                }
                let rows = shape.iter().product::<usize>() / cols.max(1);
                let scale_name = format!("{name}{SCALE_SUFFIX}");
                RowTable::Int8 {
                    cols,
                    group,
                    q: self.keep(data),
                    scale: self.scales(&scale_name, &[rows, cols / group])?,
                }
            }
            // Q4_0 blocks, stored as bytes: (rows, cols / 32 · 18).
            Dtype::U8 if self.metadata.get(PRECISION_KEY).map(String::as_str) == Some("q4_0") => {
                let rows = shape.iter().product::<usize>() / cols.max(1);
                let row_bytes = cols / Q4_GROUP * Q4_BLOCK_BYTES;
                if !cols.is_multiple_of(Q4_GROUP) || data.len() != rows * row_bytes {
                    return Err(Error::Model(format!(
                        "tensor {name}: {} bytes are not {rows} rows of {cols} 4-bit weights",
                        data.len()
                    )));
                }
                RowTable::Q4 {
                    cols,
                    blocks: self.keep(data),
                }
            }
            other => {
                return Err(Error::Model(format!(
                    "tensor {name} has dtype {other:?}; only F32, F16, I8 and 4-bit blocks are read"
                )))
            }
        })
    }
}
