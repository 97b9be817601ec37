//! Named tensors out of a safetensors file, whatever their stored precision:
//! F32, F16, or I8 in groups along the last (input) dimension with a `<name>.scale`
//! companion (F16 or F32, shape [rows, cols / group]). Every failure names the tensor.
use std::collections::HashMap;

use half::f16;
use safetensors::{Dtype, SafeTensors};

use super::bundle::PRECISION_KEY;
use crate::error::{Error, Result};
use crate::model::{RowTable, TensorSource, Q4_BLOCK_BYTES, Q4_GROUP};

/// Metadata key holding the int8 group size (elements per scale along the input dim).
pub const GROUP_KEY: &str = "orquestra.group";
pub const SCALE_SUFFIX: &str = ".scale";

pub struct Weights<'a> {
    st: SafeTensors<'a>,
    pub metadata: HashMap<String, String>,
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

impl TensorSource for Weights<'_> {
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
                let scale = match self.table(&scale_name, &[rows, cols / group])? {
                    RowTable::F32 { data, .. } => data,
                    RowTable::F16 { data, .. } => data.iter().map(|h| h.to_f32()).collect(),
                    RowTable::Int8 { .. } | RowTable::Q4 { .. } => {
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
                    blocks: data.to_vec(),
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
