//! The GGUF container (versions 2 and 3), as llama.cpp's `ggml/src/gguf.cpp` reads it and
//! `docs/gguf.md` specifies it: a header (magic `GGUF`, version, tensor count, key/value
//! count), the metadata key/values, the tensor table (name, dims, ggml type, offset), padding
//! to the alignment (`general.alignment`, 32 unless set), then the tensors' data.
//!
//! Every length, count and offset is checked against the file before it is used or anything
//! is allocated for it: a damaged, truncated or hostile file is an `Error::Model` naming what
//! is wrong and where, never a panic and never an allocation larger than the file.
//! The tensors are not copied: a `TensorView` points into the file's bytes.
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::kernels::quant::{dequantize_row, GgmlType};

pub const MAGIC: &[u8; 4] = b"GGUF";
/// The alignment of the data section and of every tensor's offset when the file sets none.
pub const DEFAULT_ALIGNMENT: usize = 32;
/// Most dims a tensor may have (`GGML_MAX_DIMS`).
pub const MAX_DIMS: usize = 4;

/// GGUF's metadata value types (`enum gguf_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    F32,
    Bool,
    String,
    Array,
    U64,
    I64,
    F64,
}

impl ValueType {
    fn from_id(id: u32) -> Option<ValueType> {
        use ValueType::*;
        Some(match id {
            0 => U8,
            1 => I8,
            2 => U16,
            3 => I16,
            4 => U32,
            5 => I32,
            6 => F32,
            7 => Bool,
            8 => String,
            9 => Array,
            10 => U64,
            11 => I64,
            12 => F64,
            _ => return None,
        })
    }

    /// The fewest bytes one value of this type takes in the file (a string: its u64 length).
    fn min_bytes(self) -> usize {
        use ValueType::*;
        match self {
            U8 | I8 | Bool => 1,
            U16 | I16 => 2,
            U32 | I32 | F32 => 4,
            U64 | I64 | F64 | String => 8,
            Array => 12, // element type u32 + count u64
        }
    }
}

/// One metadata value. Arrays hold one type throughout (GGUF has no nested arrays in use;
/// this reader refuses them).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Array(Array),
}

/// An array value, by element type.
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    Bool(Vec<bool>),
    String(Vec<String>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F64(Vec<f64>),
}

impl Array {
    pub fn len(&self) -> usize {
        match self {
            Array::U8(v) => v.len(),
            Array::I8(v) => v.len(),
            Array::U16(v) => v.len(),
            Array::I16(v) => v.len(),
            Array::U32(v) => v.len(),
            Array::I32(v) => v.len(),
            Array::F32(v) => v.len(),
            Array::Bool(v) => v.len(),
            Array::String(v) => v.len(),
            Array::U64(v) => v.len(),
            Array::I64(v) => v.len(),
            Array::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn type_name(&self) -> &'static str {
        match self {
            Array::U8(_) => "array of u8",
            Array::I8(_) => "array of i8",
            Array::U16(_) => "array of u16",
            Array::I16(_) => "array of i16",
            Array::U32(_) => "array of u32",
            Array::I32(_) => "array of i32",
            Array::F32(_) => "array of f32",
            Array::Bool(_) => "array of bool",
            Array::String(_) => "array of string",
            Array::U64(_) => "array of u64",
            Array::I64(_) => "array of i64",
            Array::F64(_) => "array of f64",
        }
    }
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::U8(_) => "u8",
            Value::I8(_) => "i8",
            Value::U16(_) => "u16",
            Value::I16(_) => "i16",
            Value::U32(_) => "u32",
            Value::I32(_) => "i32",
            Value::F32(_) => "f32",
            Value::Bool(_) => "bool",
            Value::String(_) => "string",
            Value::U64(_) => "u64",
            Value::I64(_) => "i64",
            Value::F64(_) => "f64",
            Value::Array(a) => a.type_name(),
        }
    }

    /// The value as an integer, whatever integer type the file used.
    fn as_i128(&self) -> Option<i128> {
        Some(match *self {
            Value::U8(v) => v as i128,
            Value::I8(v) => v as i128,
            Value::U16(v) => v as i128,
            Value::I16(v) => v as i128,
            Value::U32(v) => v as i128,
            Value::I32(v) => v as i128,
            Value::U64(v) => v as i128,
            Value::I64(v) => v as i128,
            _ => return None,
        })
    }
}

/// One entry of the tensor table, checked: its bytes lie inside the file.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub ggml_type: GgmlType,
    /// ggml order: `dims[0]` is the row length (the fastest-moving index), so a PyTorch
    /// weight of shape (out, in) is stored with dims `[in, out]`.
    pub dims: Vec<usize>,
    /// Where its data starts, from the start of the file.
    pub start: usize,
    /// Bytes of its data: rows of `dims[0]` weights in its block format.
    pub n_bytes: usize,
}

impl TensorInfo {
    /// Number of weights.
    pub fn n_elements(&self) -> usize {
        self.dims.iter().product()
    }

    /// Number of rows of `dims[0]` weights.
    pub fn n_rows(&self) -> usize {
        self.dims[1..].iter().product()
    }
}

/// A tensor and its bytes, in the file.
#[derive(Clone, Copy, Debug)]
pub struct TensorView<'a> {
    pub info: &'a TensorInfo,
    pub data: &'a [u8],
}

impl TensorView<'_> {
    pub fn name(&self) -> &str {
        &self.info.name
    }

    pub fn ggml_type(&self) -> GgmlType {
        self.info.ggml_type
    }

    pub fn dims(&self) -> &[usize] {
        &self.info.dims
    }

    /// The bytes of row `r` (`dims[0]` weights).
    pub fn row_bytes(&self, r: usize) -> Option<&[u8]> {
        let n = self.info.ggml_type.row_bytes(self.info.dims[0])?;
        self.data
            .get(r.checked_mul(n)?..r.checked_add(1)?.checked_mul(n)?)
    }

    /// Row `r` as floats (`dims[0]` of them).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) -> Result<()> {
        let bytes = self.row_bytes(r).ok_or_else(|| {
            Error::Model(format!(
                "GGUF: tensor {} has {} rows, not row {r}",
                self.info.name,
                self.info.n_rows()
            ))
        })?;
        dequantize_row(self.info.ggml_type, bytes, out)
            .map_err(|e| Error::Model(format!("GGUF: tensor {}: {e}", self.info.name)))
    }

    /// The whole tensor as floats, row after row: (n_rows, dims[0]).
    pub fn dequantize(&self) -> Result<Vec<f32>> {
        let n = self.info.dims[0];
        let mut out = vec![0.0f32; self.info.n_elements()];
        for (r, row) in out.chunks_exact_mut(n.max(1)).enumerate() {
            self.dequantize_row(r, row)?;
        }
        Ok(out)
    }
}

/// A parsed GGUF file; its tensors point into the bytes it was parsed from.
pub struct Gguf<'a> {
    pub version: u32,
    /// The metadata in file order.
    pub metadata: Vec<(String, Value)>,
    index: HashMap<String, usize>,
    pub tensors: Vec<TensorInfo>,
    tensor_index: HashMap<String, usize>,
    pub alignment: usize,
    /// Where the data section starts (a multiple of `alignment`).
    pub data_start: usize,
    bytes: &'a [u8],
}

fn err(msg: String) -> Error {
    Error::Model(format!("GGUF: {msg}"))
}

/// Reads little-endian values in order, every read checked against the end of the file.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, what: &dyn Fn() -> String) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(err(format!(
                "the file is truncated or corrupt: {} ({n} bytes at offset {}) runs past its end ({} bytes)",
                what(),
                self.at,
                self.bytes.len()
            )));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N]> {
        Ok(self.take(N, what)?.try_into().expect("N bytes"))
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &dyn Fn() -> String) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A count of items each at least `min_bytes` long: refused when that many cannot fit
    /// in what is left of the file (so nothing is allocated for an absurd count).
    fn count(&mut self, min_bytes: usize, what: &dyn Fn() -> String) -> Result<usize> {
        let at = self.at;
        let n = self.u64(what)?;
        let fits = usize::try_from(n).ok().filter(|&n| {
            n.checked_mul(min_bytes)
                .is_some_and(|b| b <= self.remaining())
        });
        fits.ok_or_else(|| {
            err(format!(
                "{} says {n} (at offset {at}), more than the {} bytes left in the file can hold",
                what(),
                self.remaining()
            ))
        })
    }

    /// A gguf_string: u64 length, then that many bytes of UTF-8.
    fn string(&mut self, what: &dyn Fn() -> String) -> Result<String> {
        let len = self.count(1, &|| format!("the length of {}", what()))?;
        let at = self.at;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| err(format!("{} (at offset {at}) is not UTF-8", what())))
    }

    fn scalar(&mut self, ty: ValueType, what: &dyn Fn() -> String) -> Result<Value> {
        Ok(match ty {
            ValueType::U8 => Value::U8(self.array::<1>(what)?[0]),
            ValueType::I8 => Value::I8(self.array::<1>(what)?[0] as i8),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array(what)?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array(what)?)),
            ValueType::U32 => Value::U32(self.u32(what)?),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array(what)?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array(what)?)),
            ValueType::Bool => {
                let at = self.at;
                match self.array::<1>(what)?[0] {
                    0 => Value::Bool(false),
                    1 => Value::Bool(true),
                    b => {
                        return Err(err(format!(
                            "{} (at offset {at}) is a bool of value {b}, not 0 or 1",
                            what()
                        )))
                    }
                }
            }
            ValueType::String => Value::String(self.string(what)?),
            ValueType::U64 => Value::U64(self.u64(what)?),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array(what)?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array(what)?)),
            ValueType::Array => unreachable!("arrays are read by `value`"),
        })
    }

    fn value_type(&mut self, what: &dyn Fn() -> String) -> Result<ValueType> {
        let at = self.at;
        let id = self.u32(what)?;
        ValueType::from_id(id).ok_or_else(|| {
            err(format!(
                "{} (at offset {at}) has value type {id}, which GGUF does not define",
                what()
            ))
        })
    }

    fn value(&mut self, ty: ValueType, what: &dyn Fn() -> String) -> Result<Value> {
        if ty != ValueType::Array {
            return self.scalar(ty, what);
        }
        let elem = self.value_type(&|| format!("the element type of {}", what()))?;
        if elem == ValueType::Array {
            return Err(err(format!(
                "{} is an array of arrays, which this reader does not take",
                what()
            )));
        }
        let n = self.count(elem.min_bytes(), &|| format!("the length of {}", what()))?;
        macro_rules! read {
            ($variant:ident) => {{
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    match self.scalar(elem, &|| format!("item {i} of {}", what()))? {
                        Value::$variant(x) => v.push(x),
                        _ => unreachable!("scalar returns the type it is asked for"),
                    }
                }
                Array::$variant(v)
            }};
        }
        Ok(Value::Array(match elem {
            ValueType::U8 => Array::U8(self.take(n, what)?.to_vec()),
            ValueType::I8 => read!(I8),
            ValueType::U16 => read!(U16),
            ValueType::I16 => read!(I16),
            ValueType::U32 => read!(U32),
            ValueType::I32 => read!(I32),
            ValueType::F32 => read!(F32),
            ValueType::Bool => read!(Bool),
            ValueType::String => read!(String),
            ValueType::U64 => read!(U64),
            ValueType::I64 => read!(I64),
            ValueType::F64 => read!(F64),
            ValueType::Array => unreachable!("refused above"),
        }))
    }
}

impl<'a> Gguf<'a> {
    /// Parses the header, the metadata and the tensor table of `bytes`, checking that every
    /// tensor's data lies inside it.
    pub fn parse(bytes: &'a [u8]) -> Result<Gguf<'a>> {
        let mut c = Cursor { bytes, at: 0 };
        let magic = c.take(4, &|| "the magic".into())?;
        if magic != MAGIC {
            return Err(err(format!(
                "the file does not start with GGUF (it starts with {magic:02x?}): not a GGUF file"
            )));
        }
        let version = c.u32(&|| "the version".into())?;
        if version == 1 {
            return Err(err(
                "version 1 (32-bit counts, 2023) is not read; convert the model again with a current llama.cpp".into(),
            ));
        }
        if version != 2 && version != 3 {
            let hint = if version.swap_bytes() <= 3 {
                " (a big-endian file, which this reader does not take)"
            } else {
                ""
            };
            return Err(err(format!("version {version} is not 2 or 3{hint}")));
        }
        // Each tensor entry takes at least 8 (name length) + 4 (dims) + 8 (a dim) + 4 (type)
        // + 8 (offset) bytes; each key/value at least 8 (key length) + 4 (type) + 1.
        let tensors_at = c.at;
        let n_tensors = c.u64(&|| "the tensor count".into())?;
        let n_kv = c.count(13, &|| "the key/value count".into())?;
        let mut metadata = Vec::with_capacity(n_kv);
        let mut index = HashMap::with_capacity(n_kv);
        for i in 0..n_kv {
            let key = c.string(&|| format!("the key of metadata entry {i}"))?;
            let ty = c.value_type(&|| format!("metadata {key}"))?;
            let value = c.value(ty, &|| format!("metadata {key}"))?;
            if index.insert(key.clone(), metadata.len()).is_some() {
                return Err(err(format!("metadata key {key} appears twice")));
            }
            metadata.push((key, value));
        }
        let mut g = Gguf {
            version,
            metadata,
            index,
            tensors: Vec::new(),
            tensor_index: HashMap::new(),
            alignment: DEFAULT_ALIGNMENT,
            data_start: 0,
            bytes,
        };
        if let Some(v) = g.get("general.alignment") {
            let a = v
                .as_i128()
                .filter(|&a| a > 0 && (a as u128).is_power_of_two());
            g.alignment = a
                .and_then(|a| usize::try_from(a).ok())
                .filter(|&a| a <= 1 << 20)
                .ok_or_else(|| {
                    err(format!(
                        "general.alignment is {v:?}, not a power of two up to 1 MiB"
                    ))
                })?;
        }
        let n_tensors = usize::try_from(n_tensors)
            .ok()
            .filter(|&n| n.checked_mul(32).is_some_and(|b| b <= c.remaining()))
            .ok_or_else(|| {
                err(format!(
                    "the tensor count says {n_tensors} (at offset {tensors_at}), more than the {} bytes left after the metadata can hold",
                    c.remaining()
                ))
            })?;
        // (name, type, dims, offset in the data section)
        let mut table = Vec::with_capacity(n_tensors);
        for i in 0..n_tensors {
            let name = c.string(&|| format!("the name of tensor {i}"))?;
            let n_dims = c.u32(&|| format!("the dim count of tensor {name}"))? as usize;
            if n_dims == 0 || n_dims > MAX_DIMS {
                return Err(err(format!(
                    "tensor {name} has {n_dims} dims, not 1 to {MAX_DIMS}"
                )));
            }
            let mut dims = Vec::with_capacity(n_dims);
            for d in 0..n_dims {
                let v = c.u64(&|| format!("dim {d} of tensor {name}"))?;
                let v = usize::try_from(v)
                    .ok()
                    .filter(|&v| v > 0)
                    .ok_or_else(|| err(format!("tensor {name}: dim {d} is {v}, not a size")))?;
                dims.push(v);
            }
            let type_id = c.u32(&|| format!("the type of tensor {name}"))?;
            let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| {
                err(format!(
                    "tensor {name} has ggml type {type_id}, which this reader does not know"
                ))
            })?;
            let offset = c.u64(&|| format!("the offset of tensor {name}"))?;
            table.push((name, ggml_type, dims, offset));
        }
        let data_start = c.at.next_multiple_of(g.alignment);
        if data_start > bytes.len() && !table.is_empty() {
            return Err(err(format!(
                "the file ends at {} bytes, before its data section ({data_start})",
                bytes.len()
            )));
        }
        g.data_start = data_start;
        g.tensors.reserve(table.len());
        for (name, ggml_type, dims, offset) in table {
            let n_elements = dims
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .ok_or_else(|| err(format!("tensor {name}: dims {dims:?} overflow")))?;
            let row = ggml_type.row_bytes(dims[0]).ok_or_else(|| {
                err(format!(
                    "tensor {name}: a row of {} weights is not a whole number of {ggml_type} blocks ({})",
                    dims[0],
                    ggml_type.block().0
                ))
            })?;
            let n_bytes = row
                .checked_mul(n_elements / dims[0])
                .ok_or_else(|| err(format!("tensor {name}: dims {dims:?} overflow")))?;
            if offset % g.alignment as u64 != 0 {
                return Err(err(format!(
                    "tensor {name}: offset {offset} is not a multiple of the alignment {}",
                    g.alignment
                )));
            }
            let start = usize::try_from(offset)
                .ok()
                .and_then(|o| o.checked_add(data_start));
            let end = start.and_then(|s| s.checked_add(n_bytes));
            let (Some(start), Some(_)) = (start, end.filter(|&e| e <= bytes.len())) else {
                return Err(err(format!(
                    "tensor {name} ({ggml_type} {dims:?}, {n_bytes} bytes at data offset {offset}) runs past the end of the file ({} bytes): truncated or corrupt",
                    bytes.len()
                )));
            };
            if g.tensor_index
                .insert(name.clone(), g.tensors.len())
                .is_some()
            {
                return Err(err(format!("tensor {name} appears twice")));
            }
            g.tensors.push(TensorInfo {
                name,
                ggml_type,
                dims,
                start,
                n_bytes,
            });
        }
        Ok(g)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.metadata[i].1)
    }

    fn require(&self, key: &str) -> Result<&Value> {
        self.get(key)
            .ok_or_else(|| err(format!("the metadata has no {key}")))
    }

    fn wrong(key: &str, v: &Value, want: &str) -> Error {
        err(format!("{key} is a {}, not {want}", v.type_name()))
    }

    /// An unsigned integer that fits in u32, whatever integer type the file stored it as.
    pub fn u32(&self, key: &str) -> Result<u32> {
        let v = self.require(key)?;
        let n = v
            .as_i128()
            .ok_or_else(|| Self::wrong(key, v, "an integer"))?;
        u32::try_from(n).map_err(|_| err(format!("{key} is {n}, outside 0..=4294967295")))
    }

    pub fn opt_u32(&self, key: &str) -> Result<Option<u32>> {
        self.get(key).map(|_| self.u32(key)).transpose()
    }

    /// A float (f32, or f64 narrowed).
    pub fn f32(&self, key: &str) -> Result<f32> {
        match self.require(key)? {
            Value::F32(v) => Ok(*v),
            Value::F64(v) => Ok(*v as f32),
            v => Err(Self::wrong(key, v, "a float")),
        }
    }

    pub fn opt_f32(&self, key: &str) -> Result<Option<f32>> {
        self.get(key).map(|_| self.f32(key)).transpose()
    }

    pub fn bool(&self, key: &str) -> Result<bool> {
        match self.require(key)? {
            Value::Bool(v) => Ok(*v),
            v => Err(Self::wrong(key, v, "a bool")),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        self.get(key).map(|_| self.bool(key)).transpose()
    }

    pub fn str(&self, key: &str) -> Result<&str> {
        match self.require(key)? {
            Value::String(s) => Ok(s),
            v => Err(Self::wrong(key, v, "a string")),
        }
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&str>> {
        self.get(key).map(|_| self.str(key)).transpose()
    }

    pub fn str_array(&self, key: &str) -> Result<&[String]> {
        match self.require(key)? {
            Value::Array(Array::String(v)) => Ok(v),
            v => Err(Self::wrong(key, v, "an array of string")),
        }
    }

    pub fn i32_array(&self, key: &str) -> Result<&[i32]> {
        match self.require(key)? {
            Value::Array(Array::I32(v)) => Ok(v),
            v => Err(Self::wrong(key, v, "an array of i32")),
        }
    }

    pub fn f32_array(&self, key: &str) -> Result<&[f32]> {
        match self.require(key)? {
            Value::Array(Array::F32(v)) => Ok(v),
            v => Err(Self::wrong(key, v, "an array of f32")),
        }
    }

    /// `general.architecture` (`llama`, `gemma3`, …): the prefix of the model's own keys.
    pub fn architecture(&self) -> Result<&str> {
        self.str("general.architecture")
    }

    pub fn tensor(&self, name: &str) -> Result<TensorView<'_>> {
        let info = self
            .tensor_index
            .get(name)
            .map(|&i| &self.tensors[i])
            .ok_or_else(|| err(format!("the file has no tensor {name}")))?;
        Ok(self.view(info))
    }

    pub fn views(&self) -> impl Iterator<Item = TensorView<'_>> {
        self.tensors.iter().map(|info| self.view(info))
    }

    fn view<'s>(&'s self, info: &'s TensorInfo) -> TensorView<'s> {
        TensorView {
            info,
            data: &self.bytes[info.start..info.start + info.n_bytes],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::gguf_write::{gguf, Tensor};

    fn sample() -> Vec<u8> {
        let q8 = {
            // Two rows of 32: d = 1 (f16 0x3C00), qs = j - 16 and 16 - j.
            let mut b = vec![0x00, 0x3C];
            b.extend((0..32).map(|j| (j as i8 - 16) as u8));
            b.extend([0x00, 0x3C]);
            b.extend((0..32).map(|j| (16 - j as i8) as u8));
            b
        };
        let norm: Vec<u8> = [1.0f32, 2.0, 3.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        gguf(
            &[
                ("general.architecture", Value::String("llama".into())),
                ("llama.block_count", Value::U32(30)),
                ("llama.rope.freq_base", Value::F32(1e5)),
                ("small", Value::U8(7)),
                ("negative", Value::I32(-1)),
                ("flag", Value::Bool(true)),
                (
                    "tokens",
                    Value::Array(Array::String(vec!["a".into(), "Ġb".into(), "".into()])),
                ),
                ("types", Value::Array(Array::I32(vec![1, 3, -2]))),
                ("wide", Value::Array(Array::U64(vec![u64::MAX]))),
            ],
            &[
                Tensor {
                    name: "norm".into(),
                    ggml_type: GgmlType::F32,
                    dims: vec![3],
                    data: norm.into(),
                },
                Tensor {
                    name: "emb".into(),
                    ggml_type: GgmlType::Q8_0,
                    dims: vec![32, 2],
                    data: q8.into(),
                },
            ],
        )
    }

    #[test]
    fn reads_metadata_of_every_kind_and_tensor_views() {
        let bytes = sample();
        let g = Gguf::parse(&bytes).unwrap();
        assert_eq!(g.version, 3);
        assert_eq!(g.architecture().unwrap(), "llama");
        assert_eq!(g.u32("llama.block_count").unwrap(), 30);
        assert_eq!(g.u32("small").unwrap(), 7);
        assert_eq!(g.f32("llama.rope.freq_base").unwrap(), 1e5);
        assert!(g.bool("flag").unwrap());
        assert_eq!(g.str_array("tokens").unwrap(), ["a", "Ġb", ""]);
        assert_eq!(g.i32_array("types").unwrap(), [1, 3, -2]);
        assert_eq!(
            g.get("wide"),
            Some(&Value::Array(Array::U64(vec![u64::MAX])))
        );
        assert_eq!(g.opt_u32("absent").unwrap(), None);
        assert_eq!(g.alignment, 32);
        assert_eq!(g.data_start % 32, 0);
        let norm = g.tensor("norm").unwrap();
        assert_eq!(norm.dims(), [3]);
        assert_eq!(norm.dequantize().unwrap(), [1.0, 2.0, 3.0]);
        let emb = g.tensor("emb").unwrap();
        assert_eq!(
            (emb.ggml_type(), emb.dims()),
            (GgmlType::Q8_0, &[32, 2][..])
        );
        assert_eq!(emb.info.start % 32, 0);
        let mut row = [0.0f32; 32];
        emb.dequantize_row(1, &mut row).unwrap();
        assert_eq!(row[0], 16.0);
        assert_eq!(row[31], -15.0);
        assert!(emb.dequantize_row(2, &mut row).is_err());
    }

    #[test]
    fn wrong_types_and_missing_keys_are_named() {
        let bytes = sample();
        let g = Gguf::parse(&bytes).unwrap();
        let e = g.u32("negative").unwrap_err().to_string();
        assert!(e.contains("negative is -1"), "{e}");
        let e = g.str("llama.block_count").unwrap_err().to_string();
        assert!(
            e.contains("llama.block_count is a u32, not a string"),
            "{e}"
        );
        let e = g.u32("llama.vocab_size").unwrap_err().to_string();
        assert!(e.contains("no llama.vocab_size"), "{e}");
        let e = g.tensor("output.weight").unwrap_err().to_string();
        assert!(e.contains("no tensor output.weight"), "{e}");
    }

    #[test]
    fn an_alignment_of_its_own_moves_the_data() {
        let bytes = gguf(
            &[("general.alignment", Value::U32(64))],
            &[Tensor {
                name: "x".into(),
                ggml_type: GgmlType::F32,
                dims: vec![1],
                data: 5.0f32.to_le_bytes().to_vec().into(),
            }],
        );
        let g = Gguf::parse(&bytes).unwrap();
        assert_eq!(g.alignment, 64);
        assert_eq!(g.data_start % 64, 0);
        assert_eq!(g.tensor("x").unwrap().dequantize().unwrap(), [5.0]);
    }

    fn error_of(bytes: &[u8]) -> String {
        match Gguf::parse(bytes) {
            Ok(_) => panic!("parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn damaged_files_are_errors_that_say_what_is_wrong() {
        let good = sample();
        assert!(error_of(b"GGML").contains("does not start with GGUF"));
        assert!(error_of(&good[..10]).contains("truncated"));
        // Every truncation is an error, never a panic.
        for n in 0..good.len() {
            assert!(Gguf::parse(&good[..n]).is_err(), "cut at {n}");
        }
        let mut v = good.clone();
        v[4] = 1;
        assert!(error_of(&v).contains("version 1"));
        v[4] = 9;
        assert!(error_of(&v).contains("version 9"));
        // An absurd key/value count: refused before any allocation.
        let mut v = good.clone();
        v[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(error_of(&v).contains("key/value count"), "{}", error_of(&v));
        let mut v = good.clone();
        v[8..16].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(error_of(&v).contains("tensor count"), "{}", error_of(&v));
        // An absurd string length (the first key's).
        let mut v = good.clone();
        v[24..32].copy_from_slice(&(1u64 << 50).to_le_bytes());
        assert!(
            error_of(&v).contains("length of the key"),
            "{}",
            error_of(&v)
        );
        // An unknown value type (the first value's type follows its key).
        let key_end = 24 + 8 + "general.architecture".len();
        let mut v = good.clone();
        v[key_end..key_end + 4].copy_from_slice(&99u32.to_le_bytes());
        assert!(error_of(&v).contains("value type 99"), "{}", error_of(&v));
    }

    #[test]
    fn bad_tensor_entries_are_errors() {
        let t = |ty: GgmlType, dims: Vec<usize>, data: Vec<u8>| Tensor {
            name: "t".into(),
            ggml_type: ty,
            dims,
            data: data.into(),
        };
        // A Q4_1 row that is not a whole number of blocks.
        let e = error_of(&gguf(&[], &[t(GgmlType::Q4_1, vec![33], vec![0; 40])]));
        assert!(e.contains("whole number of q4_1 blocks"), "{e}");
        // Data that the file does not hold (dims say more than was written).
        let e = error_of(&gguf(&[], &[t(GgmlType::F32, vec![4, 1000], vec![0; 16])]));
        assert!(e.contains("runs past the end"), "{e}");
        // An unknown ggml type.
        let mut bytes = gguf(&[], &[t(GgmlType::F32, vec![1], vec![0; 4])]);
        let at = 24 + 8 + 1 + 4 + 8; // header, name, n_dims, dim
        bytes[at..at + 4].copy_from_slice(&77u32.to_le_bytes());
        let e = error_of(&bytes);
        assert!(e.contains("ggml type 77"), "{e}");
        // Two tensors of one name.
        let e = error_of(&gguf(
            &[],
            &[
                t(GgmlType::F32, vec![1], vec![0; 4]),
                t(GgmlType::F32, vec![1], vec![0; 4]),
            ],
        ));
        assert!(e.contains("appears twice"), "{e}");
        // A bad alignment.
        let e = error_of(&gguf(&[("general.alignment", Value::U32(24))], &[]));
        assert!(e.contains("power of two"), "{e}");
    }
}
