//! A BERT encoder (HF `modeling_bert.py`): one struct per HF module, each with `load` and
//! `forward`. The model knows no file format: it is built from any [`TensorSource`]
//! (`crate::load` reads HF directories and Orquestra bundles into one).
mod config;
mod forward;
pub mod llama;
mod mask;
mod modules;
mod precision;
mod rows;

pub use config::{Config, TRACE_BUDGET, WEIGHT_BUDGET};
pub use mask::HeadMask;
pub use modules::{pack_quantized, panels_name, Embeddings, Layer, LayerNorm, Linear};
pub use precision::Precision;
pub use rows::{dequantize_q4_row, dequantize_row, RowTable, Q4_BLOCK_BYTES, Q4_GROUP};

use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;

/// Named tensors in whatever precision they were stored; HF names (`encoder.layer.0...`).
pub trait TensorSource {
    /// The tensor widened to f32, checked against `shape`.
    fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>>;
    /// A 2-D table kept in its stored precision, checked against `shape` (rows, cols).
    fn table(&self, name: &str, shape: &[usize]) -> Result<RowTable>;
    /// Weights (N×K, as Bᵀ) stored in the matmul's panel layout under `name`, used as they
    /// are; None when the source has no such tensor (then `table` gives them row by row).
    fn panels(&self, _name: &str, _n: usize, _k: usize) -> Result<Option<crate::kernels::Packed>> {
        Ok(None)
    }
}

pub struct Model {
    pub config: Config,
    pub tokenizer: Tokenizer,
    /// What the weights were stored as.
    pub precision: Precision,
    /// For a quantized bundle: its attention against the full-precision source, if measured.
    pub accuracy: Option<crate::load::accuracy::Accuracy>,
    /// The same, with the integer path on (`kernels::intdot`: activations to 7 bits).
    pub integer_accuracy: Option<crate::load::accuracy::Accuracy>,
    /// BertEmbeddings
    pub embeddings: Embeddings,
    /// BertLayer × L
    pub layers: Vec<Layer>,
}

impl Model {
    /// Builds the encoder from its tensors; every missing or misshapen tensor is named.
    pub fn new(
        config: Config,
        tokenizer: Tokenizer,
        precision: Precision,
        src: &dyn TensorSource,
    ) -> Result<Model> {
        if tokenizer.vocab_size() != config.vocab_size {
            return Err(Error::Model(format!(
                "the vocabulary has {} tokens but config.json says vocab_size {}",
                tokenizer.vocab_size(),
                config.vocab_size
            )));
        }
        let layers = (0..config.num_hidden_layers)
            .map(|l| Layer::load(src, &format!("encoder.layer.{l}"), &config))
            .collect::<Result<_>>()?;
        Ok(Model {
            embeddings: Embeddings::load(src, "embeddings", &config)?,
            layers,
            config,
            tokenizer,
            precision,
            accuracy: None,
            integer_accuracy: None,
        })
    }

    /// Turns the integer path on or off for every quantized linear; returns whether it is
    /// on (an f32 model has none).
    pub fn set_integer_dot(&mut self, on: bool) -> bool {
        let mut any = false;
        for l in &mut self.layers {
            for lin in [
                &mut l.qkv,
                &mut l.attention_output,
                &mut l.intermediate,
                &mut l.output,
            ] {
                any |= lin.w.set_integer_dot(on);
            }
        }
        any
    }

    /// Whether the integer path is on.
    pub fn integer_dot(&self) -> bool {
        self.layers.first().is_some_and(|l| {
            l.output
                .w
                .quantized
                .as_ref()
                .is_some_and(|q| q.zero_sums.is_some())
        })
    }

    /// Whether the measured integer path stays close enough to the f32 model to be the
    /// default: attention within 0.03 everywhere, the same most-watched piece in ≥ 98.5% of rows.
    pub fn integer_dot_ok(&self) -> bool {
        self.integer_accuracy
            .is_some_and(|a| a.max_attention_diff <= 0.03 && a.same_top_key >= 0.985)
    }
}

/// Every tensor the encoder reads, by HF name, with its shape.
pub fn encoder_tensors(c: &Config) -> Vec<(String, Vec<usize>)> {
    let (d, i) = (c.hidden_size, c.intermediate_size);
    let mut out = vec![
        (
            "embeddings.word_embeddings.weight".to_string(),
            vec![c.vocab_size, d],
        ),
        (
            "embeddings.position_embeddings.weight".to_string(),
            vec![c.max_position_embeddings, d],
        ),
        (
            "embeddings.token_type_embeddings.weight".to_string(),
            vec![c.type_vocab_size, d],
        ),
        ("embeddings.LayerNorm.weight".to_string(), vec![d]),
        ("embeddings.LayerNorm.bias".to_string(), vec![d]),
    ];
    for l in 0..c.num_hidden_layers {
        let p = format!("encoder.layer.{l}");
        for (m, n, k) in [
            ("attention.self.query", d, d),
            ("attention.self.key", d, d),
            ("attention.self.value", d, d),
            ("attention.output.dense", d, d),
            ("intermediate.dense", i, d),
            ("output.dense", d, i),
        ] {
            out.push((format!("{p}.{m}.weight"), vec![n, k]));
            out.push((format!("{p}.{m}.bias"), vec![n]));
        }
        for m in ["attention.output.LayerNorm", "output.LayerNorm"] {
            out.push((format!("{p}.{m}.weight"), vec![d]));
            out.push((format!("{p}.{m}.bias"), vec![d]));
        }
    }
    out
}
