//! The llama family of decoders (HF `modeling_llama.py`), read from a GGUF: SmolLM2 and
//! Gemma 3 (HF `modeling_gemma3.py`), whose differences are fields of `LlamaConfig` and
//! optional modules here (QK-norm, the norms after attention and the MLP), not a second
//! model. One struct per HF module, the weights kept in their GGUF block format and
//! dequantized a row at a time as they are used (no f32 copy of the model).
//!
//! What differs from HF, on purpose: SmolLM2's q_proj and k_proj come as the GGUF stores
//! them, their rows permuted per head by llama.cpp's converter (`convert_hf_to_gguf.py`,
//! `LlamaModel.permute`) so that RoPE turns adjacent pairs (x[2i], x[2i+1]) (llama.cpp's
//! `LLAMA_ROPE_TYPE_NORM`) where HF's `rotate_half` turns (x[i], x[i + Dh/2]): the same
//! rotation, so the same attention; q and k vectors are in the GGUF's order within a head.
//! Gemma's rows are not permuted, and RoPE turns them as HF does (`RopeStyle::HalfSplit`).
//! Gemma's RMSNorm multiplies by (1 + w): its converter stored 1 + w, so the norm is one.
mod config;
mod generate;

pub use config::{HiddenAct, LlamaConfig, RopeStyle};
pub use generate::{probabilities, top_k, Generation, Sampler, Sampling, Written};

use std::sync::Arc;

use crate::bytes::Bytes;
use crate::error::{Error, Result};
use crate::kernels::quant::dot::{dot_row, widen_row, Activations};
use crate::kernels::quant::{dequantize_row, GgmlType};
use crate::kernels::{self, Activation, Packed};
use crate::load::gguf::{Gguf, TensorView};
use crate::model::HeadMask;
use crate::tokenizer::DecoderTokenizer;

/// A weight matrix (out, in) in its GGUF block format: `rows` rows of `cols` weights.
pub struct QMatrix {
    pub ggml_type: GgmlType,
    pub rows: usize,
    pub cols: usize,
    data: Bytes,
}

impl QMatrix {
    fn load(t: &TensorView, buf: &Arc<Vec<u8>>, rows: usize, cols: usize) -> Result<QMatrix> {
        if t.dims() != [cols, rows] {
            return Err(Error::Model(format!(
                "GGUF: tensor {} has dims {:?}, the config says [{cols}, {rows}]",
                t.name(),
                t.dims()
            )));
        }
        if !t.ggml_type().can_dequantize() {
            return Err(Error::Model(format!(
                "GGUF: tensor {} is {}, which this engine has no kernel for yet",
                t.name(),
                t.ggml_type()
            )));
        }
        Ok(QMatrix {
            ggml_type: t.ggml_type(),
            rows,
            cols,
            data: Bytes::shared(buf, t.info.start..t.info.start + t.info.n_bytes),
        })
    }

    /// Row `r` as floats into `out` (cols).
    pub fn row(&self, r: usize, out: &mut [f32]) {
        let n = self.data.len() / self.rows;
        dequantize_row(self.ggml_type, &self.data[r * n..(r + 1) * n], out)
            .expect("sizes checked at load");
    }

    /// The bytes of row `r`.
    fn row_bytes(&self, r: usize) -> &[u8] {
        let n = self.data.len() / self.rows;
        &self.data[r * n..(r + 1) * n]
    }

    /// Y (T, rows) = X (T, cols) · Wᵀ. A few rows of X (a token being written) are dotted
    /// with each weight row where its blocks lie; more (a prompt) take the f32 matmul on
    /// `PASS_ROWS` weight rows at a time, widened to floats and reused by every row of X.
    pub fn matmul(&self, x: &[f32], t: usize, y: &mut [f32]) {
        assert_eq!(x.len(), t * self.cols, "X is not T×in");
        assert_eq!(y.len(), t * self.rows, "Y is not T×out");
        if t < FEW_ROWS {
            let mut scratch = Vec::new();
            for (xi, yi) in x.chunks_exact(self.cols).zip(y.chunks_exact_mut(self.rows)) {
                let acts = Activations::new(xi);
                for (r, o) in yi.iter_mut().enumerate() {
                    *o = dot_row(self.ggml_type, self.row_bytes(r), xi, &acts, &mut scratch);
                }
            }
            return;
        }
        self.matmul_widened(x, t, y);
    }

    /// `matmul` by the f32 path at any T: what a prompt's last row takes through the head,
    /// so a prompt's logits are f32 arithmetic throughout (the one-token path is not).
    pub fn matmul_widened(&self, x: &[f32], t: usize, y: &mut [f32]) {
        assert_eq!(x.len(), t * self.cols, "X is not T×in");
        assert_eq!(y.len(), t * self.rows, "Y is not T×out");
        // Yᵀ (rows, T) = W · Xᵀ: Xᵀ packed once as the right operand, W's rows widened
        // `PASS_ROWS` at a time into the left one (row-major, as they lie).
        let k = self.cols;
        let xt = Packed::from_weight(x, t, k); // (in, T)
        let mut w = vec![0.0f32; PASS_ROWS * k]; // (PASS_ROWS, in)
        let mut part = vec![0.0f32; PASS_ROWS * t]; // (PASS_ROWS, T)
        for r0 in (0..self.rows).step_by(PASS_ROWS) {
            let n = PASS_ROWS.min(self.rows - r0);
            for (j, wr) in w[..n * k].chunks_exact_mut(k).enumerate() {
                widen_row(self.ggml_type, self.row_bytes(r0 + j), wr);
            }
            kernels::matmul(
                &w[..n * k],
                n,
                &xt,
                &[],
                Activation::None,
                &mut part[..n * t],
            );
            // Read across `part` (it is in L1) and write Y's rows in runs of n.
            for (i, yi) in y.chunks_exact_mut(self.rows).enumerate() {
                for (j, o) in yi[r0..r0 + n].iter_mut().enumerate() {
                    *o = part[j * t + i];
                }
            }
        }
    }
}

/// Below this many rows of X, the matmul dots each with the weight blocks as they lie.
const FEW_ROWS: usize = 4;
/// Weight rows dequantized per pass of the f32 matmul (64 × 1536 floats: 384 KB).
const PASS_ROWS: usize = 64;

/// `LlamaRMSNorm`: x / sqrt(mean(x²) + eps) · weight, over each row of `x` (R, D).
pub struct LlamaRMSNorm {
    pub weight: Vec<f32>, // (D,)
    pub eps: f32,
}

impl LlamaRMSNorm {
    fn load(g: &Gguf, name: &str, d: usize, eps: f32) -> Result<LlamaRMSNorm> {
        let t = g.tensor(name)?;
        if t.dims() != [d] {
            return Err(Error::Model(format!(
                "GGUF: tensor {name} has dims {:?}, not [{d}]",
                t.dims()
            )));
        }
        Ok(LlamaRMSNorm {
            weight: t.dequantize()?,
            eps,
        })
    }

    /// Each row of `x` normalized in place (QK-norm: each head's vector is a row).
    fn forward_in_place(&self, x: &mut [f32]) {
        let d = self.weight.len();
        for row in x.chunks_exact_mut(d) {
            let ms = row.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / d as f64;
            let inv = (1.0 / (ms + self.eps as f64).sqrt()) as f32;
            for (v, &w) in row.iter_mut().zip(&self.weight) {
                *v = *v * inv * w;
            }
        }
    }

    pub fn forward(&self, x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(x);
        self.forward_in_place(out);
    }
}

/// `LlamaAttention`: q, k, v, o projections (no biases), grouped-query heads.
pub struct LlamaAttention {
    pub q_proj: QMatrix, // (H·Dh, D)
    pub k_proj: QMatrix, // (Hkv·Dh, D)
    pub v_proj: QMatrix, // (Hkv·Dh, D)
    pub o_proj: QMatrix, // (D, H·Dh)
    /// Gemma 3: RMSNorm over each query head's vector, before RoPE (`q_norm`).
    pub q_norm: Option<LlamaRMSNorm>, // weight (Dh,)
    /// Gemma 3: the same over each key head's vector (`k_norm`).
    pub k_norm: Option<LlamaRMSNorm>, // weight (Dh,)
}

/// `LlamaMLP`: down(silu(gate(x)) · up(x)).
pub struct LlamaMLP {
    pub gate_proj: QMatrix, // (I, D)
    pub up_proj: QMatrix,   // (I, D)
    pub down_proj: QMatrix, // (D, I)
}

/// `LlamaDecoderLayer` (and `Gemma3DecoderLayer`).
pub struct LlamaDecoderLayer {
    pub input_layernorm: LlamaRMSNorm,
    pub self_attn: LlamaAttention,
    /// Gemma: the norm of the attention's output before the residual add (HF
    /// `post_attention_layernorm` in Gemma, GGUF `post_attention_norm`).
    pub attn_output_norm: Option<LlamaRMSNorm>,
    /// The norm before the MLP (HF llama `post_attention_layernorm`, Gemma
    /// `pre_feedforward_layernorm`, GGUF `ffn_norm`).
    pub post_attention_layernorm: LlamaRMSNorm,
    pub mlp: LlamaMLP,
    /// Gemma: the norm of the MLP's output before the residual add (`post_feedforward_layernorm`).
    pub mlp_output_norm: Option<LlamaRMSNorm>,
}

/// `LlamaForCausalLM`: the model, its tied head and its tokenizer.
pub struct LlamaForCausalLM {
    pub config: LlamaConfig,
    pub tokenizer: DecoderTokenizer,
    pub embed_tokens: QMatrix, // (V, D)
    pub layers: Vec<LlamaDecoderLayer>,
    pub norm: LlamaRMSNorm,
    /// None when tied to `embed_tokens` (SmolLM2).
    pub lm_head: Option<QMatrix>, // (V, D)
}

/// What one forward pass over a prompt gives.
pub struct LlamaTrace {
    pub ids: Vec<u32>,
    /// Every layer's and head's attention, zero above the diagonal:
    /// (L, H, T, T), `i = ((l*H + h)*T + q)*T + k`.
    pub attention: Vec<f32>,
    /// The next-token logits after the last position: (V,).
    pub logits: Vec<f32>,
    /// Queries after RoPE, in the GGUF's order within a head (see the module note):
    /// (L, H, T, Dh), `i = ((l*H + h)*T + t)*Dh + d`.
    pub q: Vec<f32>,
    /// Keys after RoPE, per key/value head: (L, Hkv, T, Dh).
    pub k: Vec<f32>,
    /// Values per key/value head: (L, Hkv, T, Dh).
    pub v: Vec<f32>,
    /// The key/value head each query head reads: (H,), `kv_head[h] = h / (H / Hkv)`.
    pub kv_head: Vec<usize>,
    /// The residual stream: the embeddings, then after each layer: (L+1, T, D).
    pub hidden: Vec<f32>,
}

/// The per-layer vectors `forward` keeps (see `LlamaTrace`).
#[derive(Default)]
struct Recorded {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    hidden: Vec<f32>,
}

impl Recorded {
    /// Appends one layer's (T, heads·Dh) rows as (heads, T, Dh).
    fn heads(out: &mut Vec<f32>, x: &[f32], t: usize, heads: usize, dh: usize) {
        for head in 0..heads {
            for i in 0..t {
                out.extend_from_slice(&x[(i * heads + head) * dh..(i * heads + head + 1) * dh]);
            }
        }
    }
}

impl LlamaForCausalLM {
    /// The model in a GGUF file's bytes, which it keeps (the weights are used where they lie).
    pub fn from_gguf(bytes: Vec<u8>) -> Result<LlamaForCausalLM> {
        let buf = Arc::new(bytes);
        let g = Gguf::parse(&buf)?;
        let c = LlamaConfig::from_gguf(&g)?;
        let tokenizer = DecoderTokenizer::from_gguf(&g)?;
        if tokenizer.vocab_size() != c.vocab_size {
            return Err(Error::Model(format!(
                "the vocabulary has {} tokens, the config {}",
                tokenizer.vocab_size(),
                c.vocab_size
            )));
        }
        let (d, q_dim, kv_dim) = (c.hidden_size, c.q_dim(), c.kv_dim());
        let m = |name: &str, rows: usize, cols: usize| {
            QMatrix::load(&g.tensor(name)?, &buf, rows, cols)
        };
        let norm = |name: &str| LlamaRMSNorm::load(&g, name, d, c.rms_norm_eps);
        // A norm the config says the model has (`post_norms`, `qk_norm`), of width `w`.
        let opt_norm = |has: bool, name: &str, w: usize| -> Result<Option<LlamaRMSNorm>> {
            has.then(|| LlamaRMSNorm::load(&g, name, w, c.rms_norm_eps))
                .transpose()
        };
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for l in 0..c.num_hidden_layers {
            let p = format!("blk.{l}.");
            layers.push(LlamaDecoderLayer {
                input_layernorm: norm(&format!("{p}attn_norm.weight"))?,
                self_attn: LlamaAttention {
                    q_proj: m(&format!("{p}attn_q.weight"), q_dim, d)?,
                    k_proj: m(&format!("{p}attn_k.weight"), kv_dim, d)?,
                    v_proj: m(&format!("{p}attn_v.weight"), kv_dim, d)?,
                    o_proj: m(&format!("{p}attn_output.weight"), d, q_dim)?,
                    q_norm: opt_norm(c.qk_norm, &format!("{p}attn_q_norm.weight"), c.head_dim)?,
                    k_norm: opt_norm(c.qk_norm, &format!("{p}attn_k_norm.weight"), c.head_dim)?,
                },
                attn_output_norm: opt_norm(
                    c.post_norms,
                    &format!("{p}post_attention_norm.weight"),
                    d,
                )?,
                post_attention_layernorm: norm(&format!("{p}ffn_norm.weight"))?,
                mlp: LlamaMLP {
                    gate_proj: m(&format!("{p}ffn_gate.weight"), c.intermediate_size, d)?,
                    up_proj: m(&format!("{p}ffn_up.weight"), c.intermediate_size, d)?,
                    down_proj: m(&format!("{p}ffn_down.weight"), d, c.intermediate_size)?,
                },
                mlp_output_norm: opt_norm(c.post_norms, &format!("{p}post_ffw_norm.weight"), d)?,
            });
        }
        let lm_head = match g.tensor("output.weight") {
            Ok(t) => Some(QMatrix::load(&t, &buf, c.vocab_size, d)?),
            Err(_) => None,
        };
        Ok(LlamaForCausalLM {
            embed_tokens: m("token_embd.weight", c.vocab_size, d)?,
            norm: norm("output_norm.weight")?,
            lm_head,
            layers,
            tokenizer,
            config: c,
        })
    }

    /// An empty KV cache for this model.
    pub fn new_cache(&self) -> KvCache {
        KvCache {
            k: vec![Vec::new(); self.config.num_hidden_layers],
            v: vec![Vec::new(); self.config.num_hidden_layers],
            len: 0,
        }
    }

    /// The forward pass over `ids` (causal), with every attention row, q, k, v and the
    /// residual stream kept.
    pub fn forward(&self, ids: &[u32]) -> Result<LlamaTrace> {
        self.forward_cached(ids, &mut self.new_cache())
    }

    /// `forward` that leaves the prompt's keys and values in `cache` (emptied first), so
    /// writing can go on from it with `step`.
    pub fn forward_cached(&self, ids: &[u32], cache: &mut KvCache) -> Result<LlamaTrace> {
        self.forward_masked(ids, cache, None)
    }

    /// `forward_cached` with the heads `mask` dismisses switched off: their attention × 0,
    /// so their context is 0 before `o_proj` (HF `head_mask`, as the encoders' judges are
    /// dismissed). `None`: every head on.
    pub fn forward_masked(
        &self,
        ids: &[u32],
        cache: &mut KvCache,
        mask: Option<&HeadMask>,
    ) -> Result<LlamaTrace> {
        cache.len = 0;
        let mut rec = Recorded::default();
        let step = self.run(ids, cache, Some(&mut rec), mask)?;
        let group = self.config.num_attention_heads / self.config.num_key_value_heads;
        Ok(LlamaTrace {
            ids: ids.to_vec(),
            attention: step.attention,
            logits: step.logits,
            q: rec.q,
            k: rec.k,
            v: rec.v,
            kv_head: (0..self.config.num_attention_heads)
                .map(|h| h / group)
                .collect(),
            hidden: rec.hidden,
        })
    }

    /// The logit lens at `position` of a trace: after every layer (and the embeddings), the
    /// residual stream through the final norm and the head, its `k` most likely next tokens
    /// with their probabilities. (L+1) lists, best first.
    pub fn logit_lens(
        &self,
        trace: &LlamaTrace,
        position: usize,
        k: usize,
    ) -> Result<Vec<Vec<(u32, f32)>>> {
        let (d, t) = (self.config.hidden_size, trace.ids.len());
        if position >= t {
            return Err(Error::Model(format!(
                "position {position} is past the {t} tokens"
            )));
        }
        let head = self.lm_head.as_ref().unwrap_or(&self.embed_tokens);
        let layers = trace.hidden.len() / (t * d); // L + 1
        let mut normed = vec![0.0f32; layers * d]; // (L+1, D): the position after each layer
        for (layer, n) in trace
            .hidden
            .chunks_exact(t * d)
            .zip(normed.chunks_exact_mut(d))
        {
            self.norm
                .forward(&layer[position * d..(position + 1) * d], n);
        }
        let v = self.config.vocab_size;
        let mut logits = vec![0.0f32; layers * v]; // (L+1, V), through the f32 path
        head.matmul_widened(&normed, layers, &mut logits);
        let mut out = Vec::with_capacity(layers);
        for logits in logits.chunks_exact(v) {
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
            out.push(
                generate::top_k(logits, k)
                    .into_iter()
                    .map(|(id, l)| (id, ((l as f64 - max).exp() / sum) as f32))
                    .collect(),
            );
        }
        Ok(out)
    }

    /// Runs `ids` after the tokens `cache` holds (their keys and values are appended to it):
    /// the prefill of a prompt on an empty cache, then one token at a time as it is written.
    pub fn step(&self, ids: &[u32], cache: &mut KvCache) -> Result<Step> {
        self.run(ids, cache, None, None)
    }

    /// `step` with dismissed heads (the cache must hold keys and values computed with the
    /// same mask: a later layer's keys depend on it).
    pub fn step_masked(
        &self,
        ids: &[u32],
        cache: &mut KvCache,
        mask: Option<&HeadMask>,
    ) -> Result<Step> {
        self.run(ids, cache, None, mask)
    }

    fn run(
        &self,
        ids: &[u32],
        cache: &mut KvCache,
        mut rec: Option<&mut Recorded>,
        mask: Option<&HeadMask>,
    ) -> Result<Step> {
        let c = &self.config;
        let t = ids.len();
        if t == 0 {
            return Err(Error::EmptyText);
        }
        if let Some(m) = mask {
            if (m.layers, m.heads) != (c.num_hidden_layers, c.num_attention_heads) {
                return Err(Error::Model(format!(
                    "the head mask is for {}×{} heads; this model has {}×{}",
                    m.layers, m.heads, c.num_hidden_layers, c.num_attention_heads
                )));
            }
        }
        let start = cache.len;
        let p = start + t; // positions seen after this step
        if p > c.max_position_embeddings {
            return Err(Error::Model(format!(
                "{p} tokens: the model reads at most {}",
                c.max_position_embeddings
            )));
        }
        let (d, h, hkv, dh) = (
            c.hidden_size,
            c.num_attention_heads,
            c.num_key_value_heads,
            c.head_dim,
        );
        let mut hidden = vec![0.0f32; t * d]; // (T, D)
        for (i, &id) in ids.iter().enumerate() {
            if id as usize >= c.vocab_size {
                return Err(Error::Vocab(format!(
                    "token id {id} is outside the vocabulary"
                )));
            }
            let row = &mut hidden[i * d..(i + 1) * d];
            self.embed_tokens.row(id as usize, row);
            if c.embed_scale != 1.0 {
                row.iter_mut().for_each(|v| *v *= c.embed_scale);
            }
        }
        let rope_global = Rope::new(c, c.rope_theta, start, t);
        let rope_local = c
            .layer_window
            .iter()
            .any(Option::is_some)
            .then(|| Rope::new(c, c.rope_theta_local, start, t));
        let mut attention = vec![0.0f32; c.num_hidden_layers * h * t * p]; // (L, H, T, P)
        let mut x = vec![0.0f32; t * d]; // (T, D)
        let mut q = vec![0.0f32; t * h * dh]; // (T, H·Dh)
        let mut k = vec![0.0f32; t * hkv * dh]; // (T, Hkv·Dh)
        let mut v = vec![0.0f32; t * hkv * dh]; // (T, Hkv·Dh)
        let mut ctx = vec![0.0f32; t * h * dh]; // (T, H·Dh)
        let mut out = vec![0.0f32; t * d]; // (T, D)
        let mut gate = vec![0.0f32; t * c.intermediate_size]; // (T, I)
        let mut up = vec![0.0f32; t * c.intermediate_size]; // (T, I)
        let scale = c.query_scale;
        let group = h / hkv;
        let mut kv_rows = vec![0.0f32; p * dh]; // (P, Dh) one key/value head's keys or values
        let (mut keys_t, mut values_p) = (Packed::default(), Packed::default());
        let mut q_group = vec![0.0f32; group * t * dh]; // (group·T, Dh)
        let mut scores = vec![0.0f32; group * t * p]; // (group·T, P)
        let mut c_group = vec![0.0f32; group * t * dh]; // (group·T, Dh)
        if let Some(r) = rec.as_deref_mut() {
            r.hidden.extend_from_slice(&hidden);
        }
        for (l, layer) in self.layers.iter().enumerate() {
            layer.input_layernorm.forward(&hidden, &mut x);
            let a = &layer.self_attn;
            a.q_proj.matmul(&x, t, &mut q);
            a.k_proj.matmul(&x, t, &mut k);
            a.v_proj.matmul(&x, t, &mut v);
            if let (Some(qn), Some(kn)) = (&a.q_norm, &a.k_norm) {
                qn.forward_in_place(&mut q);
                kn.forward_in_place(&mut k);
            }
            let window = c.layer_window[l];
            let rope = match (window, &rope_local) {
                (Some(_), Some(local)) => local,
                _ => &rope_global,
            };
            rope.apply(&mut q, h, dh);
            rope.apply(&mut k, hkv, dh);
            if let Some(r) = rec.as_deref_mut() {
                Recorded::heads(&mut r.q, &q, t, h, dh);
                Recorded::heads(&mut r.k, &k, t, hkv, dh);
                Recorded::heads(&mut r.v, &v, t, hkv, dh);
            }
            let (keys, values) = (&mut cache.k[l], &mut cache.v[l]);
            keys.truncate(start * hkv * dh);
            values.truncate(start * hkv * dh);
            keys.extend_from_slice(&k); // (P, Hkv·Dh)
            values.extend_from_slice(&v); // (P, Hkv·Dh)

            // Per key/value head, its `group` query heads together (repeat_kv): scores
            // (group·T, P) = Q · Kᵀ, each row's softmax over the keys it may read (zero
            // after: the causal mask), then the context (group·T, Dh) = A · V.
            for kvh in 0..hkv {
                for (j, row) in kv_rows.chunks_exact_mut(dh).enumerate() {
                    row.copy_from_slice(&keys[(j * hkv + kvh) * dh..(j * hkv + kvh + 1) * dh]);
                }
                keys_t.reset(dh, p);
                keys_t.fill_from_weight(&kv_rows); // Kᵀ (Dh, P)
                for g in 0..group {
                    let head = kvh * group + g;
                    for i in 0..t {
                        q_group[(g * t + i) * dh..(g * t + i + 1) * dh]
                            .copy_from_slice(&q[(i * h + head) * dh..(i * h + head + 1) * dh]);
                    }
                }
                kernels::matmul(
                    &q_group,
                    group * t,
                    &keys_t,
                    &[],
                    Activation::None,
                    &mut scores,
                );
                let first = (l * h + kvh * group) * t * p; // this group's rows of `attention`
                let probs = &mut attention[first..first + group * t * p]; // (group·T, P)
                for (r, (row, sc)) in probs
                    .chunks_exact_mut(p)
                    .zip(scores.chunks_exact(p))
                    .enumerate()
                {
                    let seen = start + r % t + 1; // keys up to this position
                                                  // A sliding layer's query reads only keys fewer than w positions back.
                    let from = window.map_or(0, |w| seen.saturating_sub(w));
                    kernels::softmax_rows(
                        &sc[from..seen],
                        &mut row[from..seen],
                        seen - from,
                        scale,
                    );
                }
                for g in 0..group {
                    if mask.is_some_and(|m| m.is_off(l, kvh * group + g)) {
                        // A dismissed judge: its probabilities × 0, so its context is 0.
                        probs[g * t * p..(g + 1) * t * p].fill(0.0);
                    }
                }
                for (j, row) in kv_rows.chunks_exact_mut(dh).enumerate() {
                    row.copy_from_slice(&values[(j * hkv + kvh) * dh..(j * hkv + kvh + 1) * dh]);
                }
                values_p.reset(p, dh);
                values_p.fill_from_rows(&kv_rows); // V (P, Dh)
                kernels::matmul(
                    probs,
                    group * t,
                    &values_p,
                    &[],
                    Activation::None,
                    &mut c_group,
                );
                for g in 0..group {
                    let head = kvh * group + g;
                    for i in 0..t {
                        ctx[(i * h + head) * dh..(i * h + head + 1) * dh]
                            .copy_from_slice(&c_group[(g * t + i) * dh..(g * t + i + 1) * dh]);
                    }
                }
            }
            a.o_proj.matmul(&ctx, t, &mut out);
            if let Some(n) = &layer.attn_output_norm {
                n.forward_in_place(&mut out);
            }
            crate::kernels::add_assign(&mut hidden, &out);
            layer.post_attention_layernorm.forward(&hidden, &mut x);
            layer.mlp.gate_proj.matmul(&x, t, &mut gate);
            layer.mlp.up_proj.matmul(&x, t, &mut up);
            match c.hidden_act {
                HiddenAct::Silu => kernels::silu_mul(&mut gate, &up), // silu(gate) · up
                HiddenAct::GeluTanh => kernels::gelu_tanh_mul(&mut gate, &up),
            }
            layer.mlp.down_proj.matmul(&gate, t, &mut out);
            if let Some(n) = &layer.mlp_output_norm {
                n.forward_in_place(&mut out);
            }
            crate::kernels::add_assign(&mut hidden, &out);
            if let Some(r) = rec.as_deref_mut() {
                r.hidden.extend_from_slice(&hidden);
            }
        }
        cache.len = p;
        let last = &hidden[(t - 1) * d..]; // (D,)
        let mut normed = vec![0.0f32; d];
        self.norm.forward(last, &mut normed);
        let head = self.lm_head.as_ref().unwrap_or(&self.embed_tokens);
        let mut logits = vec![0.0f32; c.vocab_size]; // (V,)
        if t >= FEW_ROWS {
            head.matmul_widened(&normed, 1, &mut logits); // a prompt: f32 to the end
        } else {
            head.matmul(&normed, 1, &mut logits);
        }
        Ok(Step {
            attention,
            positions: p,
            logits,
        })
    }
}

/// Every layer's keys and values of the tokens seen so far.
#[derive(Clone)]
pub struct KvCache {
    /// Per layer: (len, Hkv·Dh), after RoPE.
    pub k: Vec<Vec<f32>>,
    /// Per layer: (len, Hkv·Dh).
    pub v: Vec<Vec<f32>>,
    /// Tokens held.
    pub len: usize,
}

/// What one step gives: the new tokens' attention over every position so far, and the
/// next-token logits.
pub struct Step {
    /// (L, H, T, P) for T new tokens and P positions in all, `i = ((l*H + h)*T + q)*P + k`;
    /// new token q (at position P − T + q) reads keys 0..=P − T + q, zero after.
    pub attention: Vec<f32>,
    pub positions: usize,
    /// After the last new token: (V,).
    pub logits: Vec<f32>,
}

/// RoPE's cos and sin for positions start..start + T: pair i of the first `rope_dim` dims of
/// each head turned by pos · θ^(−2i/rope_dim). The pair is (x[2i], x[2i+1]) (llama.cpp's NORM
/// rope; see the module note for why not HF's rotate_half) or (x[i], x[i + rope_dim/2]) (HF's
/// rotate_half, llama.cpp's NEOX), as the config's `rope_style` says.
struct Rope {
    cos: Vec<f32>, // (T, rope_dim/2)
    sin: Vec<f32>, // (T, rope_dim/2)
    pairs: usize,
    style: RopeStyle,
}

impl Rope {
    fn new(c: &LlamaConfig, theta: f32, start: usize, t: usize) -> Rope {
        let pairs = c.rope_dim / 2;
        let (mut cos, mut sin) = (Vec::with_capacity(t * pairs), Vec::with_capacity(t * pairs));
        for pos in start..start + t {
            for i in 0..pairs {
                let inv = (theta as f64).powf(-2.0 * i as f64 / c.rope_dim as f64);
                let a = pos as f64 * inv;
                cos.push(a.cos() as f32);
                sin.push(a.sin() as f32);
            }
        }
        Rope {
            cos,
            sin,
            pairs,
            style: c.rope_style,
        }
    }

    /// `x` (T, heads·Dh), each head's vector turned at its position (start + row).
    fn apply(&self, x: &mut [f32], heads: usize, dh: usize) {
        for (pos, row) in x.chunks_exact_mut(heads * dh).enumerate() {
            let (cos, sin) = (
                &self.cos[pos * self.pairs..(pos + 1) * self.pairs],
                &self.sin[pos * self.pairs..(pos + 1) * self.pairs],
            );
            for head in row.chunks_exact_mut(dh) {
                for i in 0..self.pairs {
                    let (a, b) = match self.style {
                        RopeStyle::AdjacentPairs => (2 * i, 2 * i + 1),
                        RopeStyle::HalfSplit => (i, i + self.pairs),
                    };
                    let (x0, x1) = (head[a], head[b]);
                    head[a] = x0 * cos[i] - x1 * sin[i];
                    head[b] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
