//! A BERT encoder (HF `modeling_bert.py`: BertEmbeddings, BertSelfAttention, BertSelfOutput,
//! BertIntermediate, BertOutput) loaded from an HF model directory or an Orquestra bundle.
mod config;
mod encoder;
pub mod weights;

pub use config::Config;

use crate::bundle;
use crate::error::{Error, Result};
use crate::kernels::Packed;
use crate::tokenizer::Tokenizer;
use weights::{RowTable, Weights};

/// One encoder layer with its matmul weights packed for the kernels.
pub struct Layer {
    /// Query, key and value projections side by side: B is D×3D, output columns
    /// [q(0..D) | k(D..2D) | v(2D..3D)].
    pub qkv: Packed,
    pub qkv_bias: Vec<f32>, // (3D)
    pub attn_out: Packed,   // D×D
    pub attn_out_bias: Vec<f32>,
    pub attn_ln: (Vec<f32>, Vec<f32>), // (gamma, beta), (D)
    pub inter: Packed,                 // D×I
    pub inter_bias: Vec<f32>,
    pub out: Packed, // I×D
    pub out_bias: Vec<f32>,
    pub out_ln: (Vec<f32>, Vec<f32>),
}

pub struct Model {
    pub config: Config,
    pub tokenizer: Tokenizer,
    /// What the weights were stored as: "f32", "f16" or "int8".
    pub precision: String,
    pub word_embeddings: RowTable,     // (V, D)
    pub position_embeddings: Vec<f32>, // (P, D)
    /// Row 0 of token_type_embeddings: every token is in segment A. (D)
    pub token_type: Vec<f32>,
    pub embed_ln: (Vec<f32>, Vec<f32>),
    pub layers: Vec<Layer>,
}

impl Model {
    /// From the three files of an HF model directory (config.json, vocab.txt, model.safetensors).
    pub fn from_parts(config_json: &str, vocab_txt: &str, safetensors: &[u8]) -> Result<Model> {
        let config = Config::from_json(config_json)?;
        let tokenizer = Tokenizer::from_vocab_text(vocab_txt)?;
        let w = Weights::parse(safetensors, "model.safetensors")?;
        Model::from_weights(config, tokenizer, &w, "f32".into())
    }

    /// From a single-file bundle written by `orquestra convert`.
    pub fn from_bundle(bytes: &[u8]) -> Result<Model> {
        let w = Weights::parse(bytes, "the bundle")?;
        let (config, vocab, precision) = bundle::read_header(&w)?;
        let tokenizer = Tokenizer::from_vocab_text(&vocab)?;
        Model::from_weights(config, tokenizer, &w, precision)
    }

    /// A directory (HF layout) or a bundle file.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> Result<Model> {
        let read = |p: std::path::PathBuf| {
            std::fs::read(&p).map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))
        };
        if !path.exists() {
            return Err(Error::Io(format!(
                "{} does not exist (run `make model` for the default model)",
                path.display()
            )));
        }
        if path.is_dir() {
            let text = |name: &str| {
                read(path.join(name)).and_then(|b| {
                    String::from_utf8(b).map_err(|_| Error::Model(format!("{name} is not UTF-8")))
                })
            };
            Model::from_parts(
                &text("config.json")?,
                &text("vocab.txt")?,
                &read(path.join("model.safetensors"))?,
            )
        } else {
            Model::from_bundle(&read(path.to_path_buf())?)
        }
    }

    fn from_weights(
        config: Config,
        tokenizer: Tokenizer,
        w: &Weights,
        precision: String,
    ) -> Result<Model> {
        let (d, i) = (config.hidden_size, config.intermediate_size);
        if tokenizer.vocab_size() != config.vocab_size {
            return Err(Error::Model(format!(
                "the vocabulary has {} tokens but config.json says vocab_size {}",
                tokenizer.vocab_size(),
                config.vocab_size
            )));
        }
        let ln = |p: &str| -> Result<(Vec<f32>, Vec<f32>)> {
            Ok((
                w.f32(&format!("{p}.weight"), &[d])?,
                w.f32(&format!("{p}.bias"), &[d])?,
            ))
        };
        let linear = |p: &str, n: usize, k: usize| -> Result<(Packed, Vec<f32>)> {
            let weight = w.f32(&format!("{p}.weight"), &[n, k])?;
            Ok((
                Packed::from_weight(&weight, n, k),
                w.f32(&format!("{p}.bias"), &[n])?,
            ))
        };
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for l in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let mut qkv_w = Vec::with_capacity(3 * d * d);
            let mut qkv_bias = Vec::with_capacity(3 * d);
            for part in ["query", "key", "value"] {
                qkv_w.extend(w.f32(&format!("{p}.attention.self.{part}.weight"), &[d, d])?);
                qkv_bias.extend(w.f32(&format!("{p}.attention.self.{part}.bias"), &[d])?);
            }
            let (attn_out, attn_out_bias) = linear(&format!("{p}.attention.output.dense"), d, d)?;
            let (inter, inter_bias) = linear(&format!("{p}.intermediate.dense"), i, d)?;
            let (out, out_bias) = linear(&format!("{p}.output.dense"), d, i)?;
            layers.push(Layer {
                qkv: Packed::from_weight(&qkv_w, 3 * d, d),
                qkv_bias,
                attn_out,
                attn_out_bias,
                attn_ln: ln(&format!("{p}.attention.output.LayerNorm"))?,
                inter,
                inter_bias,
                out,
                out_bias,
                out_ln: ln(&format!("{p}.output.LayerNorm"))?,
            });
        }
        let token_types = w.f32(
            "embeddings.token_type_embeddings.weight",
            &[config.type_vocab_size, d],
        )?;
        Ok(Model {
            word_embeddings: w
                .table("embeddings.word_embeddings.weight", &[config.vocab_size, d])?,
            position_embeddings: w.f32(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, d],
            )?,
            token_type: token_types[..d].to_vec(),
            embed_ln: ln("embeddings.LayerNorm")?,
            layers,
            config,
            tokenizer,
            precision,
        })
    }
}
