//! Writing GGUF files (version 3), laid out as `load::gguf` reads them and as llama.cpp's
//! writer (`gguf-py`'s `GGUFWriter`) lays them out: the header, the metadata in the order
//! given, the tensor table, then each tensor's data at a multiple of the alignment
//! (`general.alignment` when the metadata sets it, else 32), the padding zeros.
//!
//! The writer writes what it is given: it does not check that a tensor's bytes fit its type
//! and dims (the reader's tests write damaged files with it on purpose). `orquestra trim`
//! (`load::trim`) writes real files with it and parses what it wrote before keeping it.
use std::borrow::Cow;
use std::io::{self, Write};

use super::gguf::{Array, Value, DEFAULT_ALIGNMENT, MAGIC};
use crate::kernels::quant::GgmlType;

/// A tensor to write: name, type, ggml dims (row length first) and its bytes, borrowed (a
/// tensor copied from a file as it is) or owned.
pub struct Tensor<'a> {
    pub name: String,
    pub ggml_type: GgmlType,
    pub dims: Vec<usize>,
    pub data: Cow<'a, [u8]>,
}

/// GGUF's id of a value's type (`enum gguf_type`).
fn type_id(v: &Value) -> u32 {
    match v {
        Value::U8(_) => 0,
        Value::I8(_) => 1,
        Value::U16(_) => 2,
        Value::I16(_) => 3,
        Value::U32(_) => 4,
        Value::I32(_) => 5,
        Value::F32(_) => 6,
        Value::Bool(_) => 7,
        Value::String(_) => 8,
        Value::Array(_) => 9,
        Value::U64(_) => 10,
        Value::I64(_) => 11,
        Value::F64(_) => 12,
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::U8(x) => out.push(*x),
        Value::I8(x) => out.push(*x as u8),
        Value::U16(x) => out.extend(x.to_le_bytes()),
        Value::I16(x) => out.extend(x.to_le_bytes()),
        Value::U32(x) => out.extend(x.to_le_bytes()),
        Value::I32(x) => out.extend(x.to_le_bytes()),
        Value::F32(x) => out.extend(x.to_le_bytes()),
        Value::Bool(x) => out.push(*x as u8),
        Value::String(s) => string(out, s),
        Value::U64(x) => out.extend(x.to_le_bytes()),
        Value::I64(x) => out.extend(x.to_le_bytes()),
        Value::F64(x) => out.extend(x.to_le_bytes()),
        Value::Array(a) => array(out, a),
    }
}

/// An array: its element type, its length, then the elements.
fn array(out: &mut Vec<u8>, a: &Array) {
    macro_rules! items {
        ($v:expr, $id:expr, |$x:ident| $put:expr) => {{
            out.extend(($id as u32).to_le_bytes());
            out.extend(($v.len() as u64).to_le_bytes());
            for $x in $v {
                $put;
            }
        }};
    }
    match a {
        Array::U8(v) => items!(v, 0, |x| out.push(*x)),
        Array::I8(v) => items!(v, 1, |x| out.push(*x as u8)),
        Array::U16(v) => items!(v, 2, |x| out.extend(x.to_le_bytes())),
        Array::I16(v) => items!(v, 3, |x| out.extend(x.to_le_bytes())),
        Array::U32(v) => items!(v, 4, |x| out.extend(x.to_le_bytes())),
        Array::I32(v) => items!(v, 5, |x| out.extend(x.to_le_bytes())),
        Array::F32(v) => items!(v, 6, |x| out.extend(x.to_le_bytes())),
        Array::Bool(v) => items!(v, 7, |x| out.push(*x as u8)),
        Array::String(v) => items!(v, 8, |x| string(out, x)),
        Array::U64(v) => items!(v, 10, |x| out.extend(x.to_le_bytes())),
        Array::I64(v) => items!(v, 11, |x| out.extend(x.to_le_bytes())),
        Array::F64(v) => items!(v, 12, |x| out.extend(x.to_le_bytes())),
    }
}

/// The alignment the metadata sets (`general.alignment`, any positive integer type, as the
/// reader takes it), else 32.
pub fn alignment<K: AsRef<str>>(metadata: &[(K, Value)]) -> usize {
    let positive = |n: i128| usize::try_from(n).ok().filter(|&n| n > 0);
    metadata
        .iter()
        .find(|(k, _)| k.as_ref() == "general.alignment")
        .and_then(|(_, v)| match *v {
            Value::U8(a) => positive(a as i128),
            Value::I8(a) => positive(a as i128),
            Value::U16(a) => positive(a as i128),
            Value::I16(a) => positive(a as i128),
            Value::U32(a) => positive(a as i128),
            Value::I32(a) => positive(a as i128),
            Value::U64(a) => positive(a as i128),
            Value::I64(a) => positive(a as i128),
            _ => None,
        })
        .unwrap_or(DEFAULT_ALIGNMENT)
}

/// Writes the file to `out`; returns the bytes written.
pub fn write<W: Write, K: AsRef<str>>(
    out: &mut W,
    metadata: &[(K, Value)],
    tensors: &[Tensor],
) -> io::Result<usize> {
    let alignment = alignment(metadata);
    let mut head = MAGIC.to_vec();
    head.extend(3u32.to_le_bytes());
    head.extend((tensors.len() as u64).to_le_bytes());
    head.extend((metadata.len() as u64).to_le_bytes());
    for (k, v) in metadata {
        string(&mut head, k.as_ref());
        head.extend(type_id(v).to_le_bytes());
        value(&mut head, v);
    }
    let mut offset = 0usize;
    for t in tensors {
        string(&mut head, &t.name);
        head.extend((t.dims.len() as u32).to_le_bytes());
        for &d in &t.dims {
            head.extend((d as u64).to_le_bytes());
        }
        head.extend(t.ggml_type.id().to_le_bytes());
        head.extend((offset as u64).to_le_bytes());
        offset = (offset + t.data.len()).next_multiple_of(alignment);
    }
    out.write_all(&head)?;
    let mut at = head.len();
    let zeros = vec![0u8; alignment];
    for t in tensors {
        let pad = at.next_multiple_of(alignment) - at;
        out.write_all(&zeros[..pad])?;
        out.write_all(&t.data)?;
        at += pad + t.data.len();
    }
    Ok(at)
}

/// The file's bytes.
pub fn gguf(metadata: &[(&str, Value)], tensors: &[Tensor]) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, metadata, tensors).expect("a Vec takes every write");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::gguf::Gguf;

    #[test]
    fn what_it_writes_reads_back_with_every_value_type() {
        let metadata = vec![
            ("u8", Value::U8(7)),
            ("i8", Value::I8(-7)),
            ("u16", Value::U16(700)),
            ("i16", Value::I16(-700)),
            ("u32", Value::U32(70_000)),
            ("i32", Value::I32(-70_000)),
            ("f32", Value::F32(0.25)),
            ("bool", Value::Bool(true)),
            ("string", Value::String("ação ▁".into())),
            ("u64", Value::U64(u64::MAX)),
            ("i64", Value::I64(i64::MIN)),
            ("f64", Value::F64(-1.5)),
            ("a.u8", Value::Array(Array::U8(vec![1, 2]))),
            ("a.i8", Value::Array(Array::I8(vec![-1]))),
            ("a.u16", Value::Array(Array::U16(vec![3]))),
            ("a.i16", Value::Array(Array::I16(vec![-3]))),
            ("a.u32", Value::Array(Array::U32(vec![5, 6]))),
            ("a.i32", Value::Array(Array::I32(vec![1, 3, 6]))),
            ("a.f32", Value::Array(Array::F32(vec![-1000.0, 0.0]))),
            ("a.bool", Value::Array(Array::Bool(vec![true, false]))),
            (
                "a.string",
                Value::Array(Array::String(vec!["<bos>".into(), "".into()])),
            ),
            ("a.u64", Value::Array(Array::U64(vec![9]))),
            ("a.i64", Value::Array(Array::I64(vec![-9]))),
            ("a.f64", Value::Array(Array::F64(vec![2.5]))),
            ("a.empty", Value::Array(Array::U32(vec![]))),
            ("general.alignment", Value::U16(64)),
        ];
        let tensors = [
            Tensor {
                name: "a".into(),
                ggml_type: GgmlType::F32,
                dims: vec![3],
                data: Cow::Owned(
                    [1.0f32, 2.0, 3.0]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect(),
                ),
            },
            Tensor {
                name: "b".into(),
                ggml_type: GgmlType::F32,
                dims: vec![1, 2],
                data: Cow::Borrowed(&[0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]),
            },
        ];
        let mut bytes = Vec::new();
        let n = write(&mut bytes, &metadata, &tensors).unwrap();
        assert_eq!(n, bytes.len());
        assert_eq!(bytes, gguf(&metadata, &tensors));
        let g = Gguf::parse(&bytes).unwrap();
        assert_eq!(g.alignment, 64);
        let read: Vec<(&str, &Value)> = g.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let want: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
        assert_eq!(read, want);
        for t in &tensors {
            let v = g.tensor(&t.name).unwrap();
            assert_eq!((v.dims(), v.data), (&t.dims[..], &t.data[..]));
            assert_eq!(v.info.start % 64, 0);
        }
        assert_eq!(g.tensor("b").unwrap().dequantize().unwrap(), [1.0, 2.0]);
    }

    #[test]
    fn the_alignment_is_any_positive_integer_the_metadata_sets() {
        assert_eq!(alignment::<&str>(&[]), 32);
        assert_eq!(alignment(&[("general.alignment", Value::U32(16))]), 16);
        assert_eq!(alignment(&[("general.alignment", Value::I64(128))]), 128);
        assert_eq!(alignment(&[("general.alignment", Value::I32(-8))]), 32);
        assert_eq!(alignment(&[("general.alignment", Value::F32(64.0))]), 32);
    }
}
