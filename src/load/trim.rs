//! A decoder's GGUF with its vocabulary trimmed to a list of kept pieces (`orquestra trim`;
//! issue 25: Gemma 3 270M's 262,144 pieces cut to the pt+en ones, scripts/gemma3-keep.txt).
//!
//! The kept ids, sorted, are renumbered densely: new id `i` is the `i`-th kept original id, so
//! low ids that are kept (<pad> 0, <eos> 1, <bos> 2, ...) keep their numbers. The new file has
//! - the kept rows of `token_embd.weight` (and of `output.weight` when the head is not tied),
//!   their bytes copied: no requantization, a kept piece's numbers are the untrimmed model's;
//! - every other tensor copied unchanged;
//! - every per-piece tokenizer array (`tokenizer.ggml.tokens`, `scores`, `token_type`, any
//!   `tokenizer.ggml.*` array as long as the vocabulary) cut to the kept ids in order;
//! - each `tokenizer.ggml.*_token_id` (bos, eos, unk, pad, ...) renumbered, and
//!   `ARCH.vocab_size`, when the file has it, set to the new size;
//! - `orquestra.vocab.source_ids` (u32 array: the original id of each new id) and
//!   `orquestra.vocab.source_size` (the original vocabulary's size). A file trimmed again maps
//!   back to the first original.
//!
//! Refused: an empty list, an id outside the vocabulary, a list that drops a special token
//! the metadata names (a model needs its <bos> and <eos>) or a byte piece (`<0xXX>`, token type
//! 6: without all 256 a text could fail to encode), and a vocabulary with merges (byte-level
//! BPE names its merges by piece; cutting those is not built).
//!
//! Why the tokenization of a kept text does not change (SentencePiece BPE with scores): see
//! scripts/make_gemma_vocab.py, which makes the list.
use std::borrow::Cow;
use std::collections::HashMap;

use super::gguf::{Array, Gguf, Value};
use super::gguf_write::{self, Tensor};
use crate::error::{Error, Result};

/// The metadata key of the original id of each new id.
pub const SOURCE_IDS: &str = "orquestra.vocab.source_ids";
/// The metadata key of the original vocabulary's size.
pub const SOURCE_SIZE: &str = "orquestra.vocab.source_size";
/// The tensors whose rows are the vocabulary's pieces.
pub const VOCAB_TENSORS: [&str; 2] = ["token_embd.weight", "output.weight"];
/// Token type of a byte piece (`<0x41>`) in `tokenizer.ggml.token_type`.
const TOKEN_TYPE_BYTE: i32 = 6;

fn err(msg: String) -> Error {
    Error::Model(format!("trim: {msg}"))
}

/// The ids of a keep list: whitespace-separated decimal ids; a `#` starts a comment that runs
/// to the end of its line. Returned sorted, each once.
pub fn parse_keep_list(text: &str) -> Result<Vec<u32>> {
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for word in line.split_whitespace() {
            let id = word.parse::<u32>().map_err(|_| {
                err(format!(
                    "line {} of the keep list has {word:?}, not an id (a whole number)",
                    n + 1
                ))
            })?;
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A trimmed file and what it holds.
pub struct Trimmed {
    /// The GGUF file's bytes (parsed back once before they are returned).
    pub bytes: Vec<u8>,
    /// The original vocabulary's size.
    pub source_size: usize,
    /// The original id of each new id.
    pub source_ids: Vec<u32>,
    /// Bytes of `token_embd.weight` before and after.
    pub embedding_bytes: (usize, usize),
}

/// `g`'s vocabulary cut to the ids in `keep` (any order; duplicates count once).
pub fn trim_vocab(g: &Gguf, keep: &[u32]) -> Result<Trimmed> {
    let tokens = g.str_array("tokenizer.ggml.tokens")?;
    let v = tokens.len();
    let mut keep = keep.to_vec();
    keep.sort_unstable();
    keep.dedup();
    if keep.is_empty() {
        return Err(err("the keep list is empty".into()));
    }
    if let Some(&bad) = keep.iter().find(|&&id| id as usize >= v) {
        return Err(err(format!(
            "the keep list has id {bad}, outside the vocabulary of {v} pieces (ids 0 to {})",
            v - 1
        )));
    }
    if g.get("tokenizer.ggml.merges").is_some() {
        return Err(err(
            "the vocabulary has merges (tokenizer.ggml.merges, byte-level BPE); trimming reads \
             SentencePiece vocabularies (tokenizer.ggml.model llama), whose merges are its \
             pieces' scores"
                .into(),
        ));
    }
    let kept = |id: usize| keep.binary_search(&(id as u32)).ok();
    if let Ok(types) = g.i32_array("tokenizer.ggml.token_type") {
        if let Some(b) =
            (0..types.len()).find(|&i| types[i] == TOKEN_TYPE_BYTE && kept(i).is_none())
        {
            return Err(err(format!(
                "the keep list drops byte piece {:?} (id {b}): keep all 256 byte pieces, or a \
                 text could fail to encode",
                tokens[b]
            )));
        }
    }
    // The original of each kept id, through an earlier trim if there was one.
    let (source_size, source_ids) = match g.get(SOURCE_IDS) {
        Some(Value::Array(Array::U32(prev))) if prev.len() == v => (
            g.u32(SOURCE_SIZE)? as usize,
            keep.iter().map(|&id| prev[id as usize]).collect(),
        ),
        Some(_) => {
            return Err(err(format!(
                "{SOURCE_IDS} is not a u32 array as long as the vocabulary ({v})"
            )))
        }
        None => (v, keep.clone()),
    };
    let size_key = format!("{}.vocab_size", g.architecture().unwrap_or("general"));

    let mut metadata: Vec<(String, Value)> = Vec::with_capacity(g.metadata.len() + 2);
    for (key, value) in &g.metadata {
        let new = if key.starts_with("tokenizer.ggml.") && key.ends_with("_token_id") {
            let id = g.u32(key)?;
            let Some(new) = kept(id as usize) else {
                let piece = tokens.get(id as usize).map_or("?", String::as_str);
                return Err(err(format!(
                    "the keep list drops {piece:?} (id {id}, {key}): a trimmed model keeps its special tokens"
                )));
            };
            Value::U32(new as u32)
        } else if key == &size_key {
            Value::U32(keep.len() as u32)
        } else if key == SOURCE_IDS {
            Value::Array(Array::U32(source_ids.clone()))
        } else if key == SOURCE_SIZE {
            Value::U32(source_size as u32)
        } else {
            match value {
                Value::Array(a) if key.starts_with("tokenizer.ggml.") && a.len() == v => {
                    Value::Array(pick(a, &keep))
                }
                _ => value.clone(),
            }
        };
        metadata.push((key.clone(), new));
    }
    if g.get(SOURCE_IDS).is_none() {
        metadata.push((
            SOURCE_IDS.into(),
            Value::Array(Array::U32(source_ids.clone())),
        ));
        metadata.push((SOURCE_SIZE.into(), Value::U32(source_size as u32)));
    }

    let embd = g.tensor("token_embd.weight")?;
    let mut tensors = Vec::with_capacity(g.tensors.len());
    let mut trimmed_rows = HashMap::new();
    for t in g.views() {
        let vocab_rows = VOCAB_TENSORS.contains(&t.name());
        if !vocab_rows {
            tensors.push(Tensor {
                name: t.name().into(),
                ggml_type: t.ggml_type(),
                dims: t.dims().to_vec(),
                data: Cow::Borrowed(t.data),
            });
            continue;
        }
        if t.dims().len() != 2 || t.dims()[1] != v {
            return Err(err(format!(
                "{} has dims {:?}: not {v} rows, one per piece of the vocabulary",
                t.name(),
                t.dims()
            )));
        }
        let mut data = Vec::with_capacity(t.data.len() / v * keep.len());
        for &id in &keep {
            data.extend_from_slice(t.row_bytes(id as usize).expect("checked by the reader"));
        }
        trimmed_rows.insert(t.name().to_string(), data.len());
        tensors.push(Tensor {
            name: t.name().into(),
            ggml_type: t.ggml_type(),
            dims: vec![t.dims()[0], keep.len()],
            data: Cow::Owned(data),
        });
    }
    let bytes = {
        let mut out = Vec::with_capacity(
            g.data_start + tensors.iter().map(|t| t.data.len() + 64).sum::<usize>(),
        );
        gguf_write::write(&mut out, &metadata, &tensors)
            .map_err(|e| err(format!("writing the file: {e}")))?;
        out
    };
    // What was written reads back as a GGUF of the new size.
    let back =
        Gguf::parse(&bytes).map_err(|e| err(format!("the written file does not parse: {e}")))?;
    if back.str_array("tokenizer.ggml.tokens")?.len() != keep.len() {
        return Err(err(
            "the written file's vocabulary is not the kept one".into()
        ));
    }
    Ok(Trimmed {
        embedding_bytes: (embd.data.len(), trimmed_rows["token_embd.weight"]),
        bytes,
        source_size,
        source_ids,
    })
}

/// The elements of `a` at the (sorted, in range) indices `keep`.
fn pick(a: &Array, keep: &[u32]) -> Array {
    fn at<T: Clone>(v: &[T], keep: &[u32]) -> Vec<T> {
        keep.iter().map(|&i| v[i as usize].clone()).collect()
    }
    match a {
        Array::U8(v) => Array::U8(at(v, keep)),
        Array::I8(v) => Array::I8(at(v, keep)),
        Array::U16(v) => Array::U16(at(v, keep)),
        Array::I16(v) => Array::I16(at(v, keep)),
        Array::U32(v) => Array::U32(at(v, keep)),
        Array::I32(v) => Array::I32(at(v, keep)),
        Array::F32(v) => Array::F32(at(v, keep)),
        Array::Bool(v) => Array::Bool(at(v, keep)),
        Array::String(v) => Array::String(at(v, keep)),
        Array::U64(v) => Array::U64(at(v, keep)),
        Array::I64(v) => Array::I64(at(v, keep)),
        Array::F64(v) => Array::F64(at(v, keep)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::quant::GgmlType;
    use crate::load::gguf_write::gguf;

    const V: usize = 12;

    /// Twelve pieces: <pad> <eos> <bos> <unk>, two byte pieces, six words; token_embd is Q8_0
    /// (32 × 12, row r's scale r+1 and quants r, r+1, ...), a norm F32; with `untied`, an
    /// output.weight of its own (Q8_0, row r's quants all -r).
    fn source(untied: bool, alignment: Option<u32>) -> Vec<u8> {
        let tokens = [
            "<pad>", "<eos>", "<bos>", "<unk>", "<0x00>", "<0x01>", "▁a", "b", "▁ab", "c", "▁c",
            "▁abc",
        ];
        let types = [3, 3, 3, 2, 6, 6, 1, 1, 1, 1, 1, 1];
        let row = |r: usize, q: &dyn Fn(usize) -> u8| {
            let mut b = half::f16::from_f32((r + 1) as f32).to_le_bytes().to_vec();
            b.extend((0..32).map(q));
            b
        };
        let embd: Vec<u8> = (0..V).flat_map(|r| row(r, &|j| (r + j) as u8)).collect();
        let out: Vec<u8> = (0..V)
            .flat_map(|r| row(r, &|_| (r as i8).wrapping_neg() as u8))
            .collect();
        let mut metadata = vec![
            ("general.architecture", Value::String("gemma3".into())),
            ("gemma3.vocab_size", Value::U32(V as u32)),
            ("tokenizer.ggml.model", Value::String("llama".into())),
            (
                "tokenizer.ggml.tokens",
                Value::Array(Array::String(
                    tokens.iter().map(|t| t.to_string()).collect(),
                )),
            ),
            (
                "tokenizer.ggml.scores",
                Value::Array(Array::F32((0..V).map(|i| -(i as f32)).collect())),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array(Array::I32(types.to_vec())),
            ),
            ("tokenizer.ggml.bos_token_id", Value::U32(2)),
            ("tokenizer.ggml.eos_token_id", Value::U32(1)),
            ("tokenizer.ggml.unknown_token_id", Value::U32(3)),
            ("tokenizer.ggml.padding_token_id", Value::U32(0)),
            (
                "general.tags",
                Value::Array(Array::String(vec!["x".into()])),
            ),
        ];
        if let Some(a) = alignment {
            metadata.push(("general.alignment", Value::U32(a)));
        }
        let mut tensors = vec![
            Tensor {
                name: "output_norm.weight".into(),
                ggml_type: GgmlType::F32,
                dims: vec![3],
                data: [1.0f32, 2.0, 3.0]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect::<Vec<_>>()
                    .into(),
            },
            Tensor {
                name: "token_embd.weight".into(),
                ggml_type: GgmlType::Q8_0,
                dims: vec![32, V],
                data: embd.into(),
            },
        ];
        if untied {
            tensors.push(Tensor {
                name: "output.weight".into(),
                ggml_type: GgmlType::Q8_0,
                dims: vec![32, V],
                data: out.into(),
            });
        }
        tensors.push(Tensor {
            name: "blk.0.attn_v.weight".into(),
            ggml_type: GgmlType::F32,
            dims: vec![2, 2],
            data: [5.0f32, 6.0, 7.0, 8.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>()
                .into(),
        });
        gguf(&metadata, &tensors)
    }

    const KEEP: [u32; 9] = [0, 1, 2, 3, 4, 5, 6, 8, 11];

    fn check_round_trip(src_bytes: &[u8], untied: bool) {
        let src = Gguf::parse(src_bytes).unwrap();
        let t = trim_vocab(&src, &KEEP).unwrap();
        let g = Gguf::parse(&t.bytes).unwrap();
        assert_eq!(g.alignment, src.alignment);
        let src_tokens = src.str_array("tokenizer.ggml.tokens").unwrap();
        let want: Vec<&str> = KEEP
            .iter()
            .map(|&i| src_tokens[i as usize].as_str())
            .collect();
        assert_eq!(g.str_array("tokenizer.ggml.tokens").unwrap(), want);
        assert_eq!(
            g.f32_array("tokenizer.ggml.scores").unwrap(),
            KEEP.iter().map(|&i| -(i as f32)).collect::<Vec<_>>()
        );
        assert_eq!(
            g.i32_array("tokenizer.ggml.token_type").unwrap(),
            [3, 3, 3, 2, 6, 6, 1, 1, 1]
        );
        for key in ["bos", "eos", "unknown", "padding"] {
            let key = format!("tokenizer.ggml.{key}_token_id");
            assert_eq!(g.u32(&key).unwrap(), src.u32(&key).unwrap(), "{key}");
        }
        assert_eq!(g.u32("gemma3.vocab_size").unwrap(), KEEP.len() as u32);
        assert_eq!(
            g.get(SOURCE_IDS),
            Some(&Value::Array(Array::U32(KEEP.to_vec())))
        );
        assert_eq!(g.u32(SOURCE_SIZE).unwrap(), V as u32);
        assert_eq!(g.get("general.tags"), src.get("general.tags"));
        assert_eq!((t.source_size, &t.source_ids[..]), (V, &KEEP[..]));
        // The kept rows, byte for byte, and so the same numbers.
        let names: &[&str] = if untied {
            &VOCAB_TENSORS
        } else {
            &VOCAB_TENSORS[..1]
        };
        for name in names {
            let (a, b) = (src.tensor(name).unwrap(), g.tensor(name).unwrap());
            assert_eq!(b.dims(), [32, KEEP.len()]);
            for (new, &old) in KEEP.iter().enumerate() {
                assert_eq!(
                    b.row_bytes(new),
                    a.row_bytes(old as usize),
                    "{name} row {old}"
                );
                let (mut x, mut y) = ([0.0; 32], [0.0; 32]);
                a.dequantize_row(old as usize, &mut x).unwrap();
                b.dequantize_row(new, &mut y).unwrap();
                assert_eq!(x, y);
            }
        }
        assert_eq!(g.tensor("output.weight").is_ok(), untied);
        for name in ["output_norm.weight", "blk.0.attn_v.weight"] {
            let (a, b) = (src.tensor(name).unwrap(), g.tensor(name).unwrap());
            assert_eq!((a.dims(), a.data), (b.dims(), b.data));
        }
        assert_eq!(t.embedding_bytes, (V * 34, KEEP.len() * 34));
        // The tensors in the same order.
        let order = |g: &Gguf| g.tensors.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(order(&g), order(&src));
    }

    #[test]
    fn a_trimmed_file_reads_back_with_the_kept_rows() {
        check_round_trip(&source(false, None), false);
        check_round_trip(&source(true, None), true);
        check_round_trip(&source(false, Some(64)), false);
    }

    #[test]
    fn trimming_twice_maps_back_to_the_first_original() {
        let src = source(false, None);
        let once = trim_vocab(&Gguf::parse(&src).unwrap(), &KEEP).unwrap();
        // New ids 0-6 and 8 (original 11).
        let twice = trim_vocab(
            &Gguf::parse(&once.bytes).unwrap(),
            &[8, 0, 1, 2, 3, 4, 5, 6],
        )
        .unwrap();
        assert_eq!(twice.source_ids, [0, 1, 2, 3, 4, 5, 6, 11]);
        assert_eq!(twice.source_size, V);
        let g = Gguf::parse(&twice.bytes).unwrap();
        assert_eq!(
            g.str_array("tokenizer.ggml.tokens")
                .unwrap()
                .last()
                .unwrap(),
            "▁abc"
        );
        assert_eq!(g.u32(SOURCE_SIZE).unwrap(), V as u32);
        let (a, b) = (Gguf::parse(&src).unwrap(), g);
        assert_eq!(
            b.tensor("token_embd.weight").unwrap().row_bytes(7),
            a.tensor("token_embd.weight").unwrap().row_bytes(11)
        );
    }

    fn refusal(keep: &[u32]) -> String {
        let src = source(false, None);
        match trim_vocab(&Gguf::parse(&src).unwrap(), keep) {
            Ok(_) => panic!("trimmed with {keep:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_list_that_drops_what_a_model_needs_is_refused() {
        let e = refusal(&[0, 1, 3, 4, 5, 6]);
        assert!(
            e.contains("drops \"<bos>\" (id 2, tokenizer.ggml.bos_token_id)"),
            "{e}"
        );
        let e = refusal(&[0, 2, 3, 4, 5, 6]);
        assert!(
            e.contains("drops \"<eos>\" (id 1, tokenizer.ggml.eos_token_id)"),
            "{e}"
        );
        let e = refusal(&[1, 2, 3, 4, 5]);
        assert!(e.contains("<pad>"), "{e}");
        let e = refusal(&[0, 1, 2, 3, 4, 6]);
        assert!(e.contains("drops byte piece \"<0x01>\" (id 5)"), "{e}");
        let e = refusal(&[0, 1, 2, 3, 4, 5, 12]);
        assert!(
            e.contains("id 12, outside the vocabulary of 12 pieces"),
            "{e}"
        );
        let e = refusal(&[0, 1, 2, 3, 4, 5, u32::MAX]);
        assert!(e.contains("outside the vocabulary"), "{e}");
        assert!(refusal(&[]).contains("empty"));
    }

    #[test]
    fn a_vocabulary_with_merges_is_refused() {
        let src = gguf(
            &[
                (
                    "tokenizer.ggml.tokens",
                    Value::Array(Array::String(vec!["a".into(), "b".into()])),
                ),
                (
                    "tokenizer.ggml.merges",
                    Value::Array(Array::String(vec!["a b".into()])),
                ),
            ],
            &[],
        );
        let e = trim_vocab(&Gguf::parse(&src).unwrap(), &[0])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("merges"), "{e}");
    }

    #[test]
    fn keep_lists_parse_with_comments_and_any_spacing() {
        let ids =
            parse_keep_list("# made by a script\n# 99\n2\n0 1\n\t11  # the last\n5\n5\n").unwrap();
        assert_eq!(ids, [0, 1, 2, 5, 11]);
        let e = parse_keep_list("0\n1\nx2\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("\"x2\""), "{e}");
        assert!(parse_keep_list("-1").is_err());
        assert!(parse_keep_list("4294967296").is_err());
    }
}
