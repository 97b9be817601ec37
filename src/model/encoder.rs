//! The forward pass, recording every head's scores, attention, q, k, v and context.
use ndarray::{s, Array2, Array4};

use super::Model;
use crate::error::{Error, Result};
use crate::kernels::{add_layer_norm, matmul, softmax_rows, Activation, Packed};
use crate::tokenizer::{Encoding, MAX_TOKENS};
use crate::trace::Trace;

/// The forward pass's work buffers, kept across runs so a run allocates only its trace.
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    qkv: Vec<f32>,
    merged: Vec<f32>,
    attn_out: Vec<f32>,
    inter: Vec<f32>,
    keys: Packed,
    values: Packed,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// `v` as n zeros, reusing its allocation.
fn zeros(v: &mut Vec<f32>, n: usize) -> &mut [f32] {
    v.clear();
    v.resize(n, 0.0);
    v
}

impl Model {
    /// Most tokens one run takes ([CLS] and [SEP] included).
    pub fn max_tokens(&self) -> usize {
        MAX_TOKENS.min(self.config.max_position_embeddings)
    }

    /// Tokenizes and runs the encoder on `text`.
    pub fn run(&self, text: &str) -> Result<Trace> {
        self.forward(self.encode(text)?)
    }

    /// Tokenizes `text` as a run would ([CLS] … [SEP], truncated to `max_tokens`).
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        self.tokenizer.encode_max(text, self.max_tokens())
    }

    /// Runs the encoder on an already tokenized sequence.
    pub fn forward(&self, encoding: Encoding) -> Result<Trace> {
        let c = &self.config;
        let (t, d, nl, nh, dh) = (
            encoding.tokens.len(),
            c.hidden_size,
            c.num_hidden_layers,
            c.num_attention_heads,
            c.head_dim(),
        );
        if t == 0 || t > self.max_tokens() {
            return Err(Error::Model(format!(
                "{t} tokens; this model takes 1 to {}",
                self.max_tokens()
            )));
        }
        if let Some(bad) = encoding
            .tokens
            .iter()
            .find(|tok| tok.id as usize >= c.vocab_size)
        {
            return Err(Error::Model(format!(
                "token id {} is outside the vocabulary",
                bad.id
            )));
        }
        let mut trace = Trace {
            scores: Array4::zeros((nl, nh, t, t)),
            attention: Array4::zeros((nl, nh, t, t)),
            q: Array4::zeros((nl, nh, t, dh)),
            k: Array4::zeros((nl, nh, t, dh)),
            v: Array4::zeros((nl, nh, t, dh)),
            context: Array4::zeros((nl, nh, t, dh)),
            hidden: Array2::zeros((t, d)),
            encoding,
        };

        // BertEmbeddings: word + position + token type 0, then LayerNorm. x: (T, D)
        let mut scratch = SCRATCH.take();
        let x = zeros(&mut scratch.x, t * d); // (T, D)
        for (pos, tok) in trace.encoding.tokens.iter().enumerate() {
            let row = &mut x[pos * d..(pos + 1) * d];
            self.word_embeddings.row(tok.id as usize, row);
            for ((v, p), ty) in row
                .iter_mut()
                .zip(&self.position_embeddings[pos * d..(pos + 1) * d])
                .zip(&self.token_type)
            {
                *v += p + ty;
            }
        }
        let eps = c.layer_norm_eps as f32;
        add_layer_norm(x, &[], &self.embed_ln.0, &self.embed_ln.1, eps);

        let scale = 1.0 / (dh as f32).sqrt();
        let qkv = zeros(&mut scratch.qkv, t * 3 * d); // (T, 3D)
        let merged = zeros(&mut scratch.merged, t * d); // (T, D): heads' contexts side by side
        let attn_out = zeros(&mut scratch.attn_out, t * d); // (T, D)
        let inter = zeros(&mut scratch.inter, t * c.intermediate_size); // (T, I)
        let keys = &mut scratch.keys;
        keys.reset(dh, t); // B = K_hᵀ: Dh×T
        let values = &mut scratch.values;
        values.reset(t, dh); // B = V_h: T×Dh
        for (l, layer) in self.layers.iter().enumerate() {
            // BertSelfAttention
            matmul(x, t, &layer.qkv, &layer.qkv_bias, Activation::None, qkv);
            for h in 0..nh {
                // This head's columns of qkv, row by row, into the trace. (T, Dh) each
                for (which, dst) in [&mut trace.q, &mut trace.k, &mut trace.v]
                    .into_iter()
                    .enumerate()
                {
                    let mut head = dst.slice_mut(s![l, h, .., ..]);
                    let head = head.as_slice_mut().expect("contiguous (T, Dh)");
                    for (pos, out) in head.chunks_exact_mut(dh).enumerate() {
                        out.copy_from_slice(&qkv[pos * 3 * d + which * d + h * dh..][..dh]);
                    }
                }
                let q_h = trace.q.slice(s![l, h, .., ..]);
                let q_h = q_h.as_slice().expect("contiguous (T, Dh)");
                keys.fill_from_weight(
                    trace
                        .k
                        .slice(s![l, h, .., ..])
                        .as_slice()
                        .expect("contiguous (T, Dh)"),
                );
                let mut scores = trace.scores.slice_mut(s![l, h, .., ..]); // (T, T)
                matmul(
                    q_h,
                    t,
                    keys,
                    &[],
                    Activation::None,
                    scores.as_slice_mut().expect("contiguous (T, T)"),
                );
                let mut attn = trace.attention.slice_mut(s![l, h, .., ..]); // (T, T)
                softmax_rows(
                    trace
                        .scores
                        .slice(s![l, h, .., ..])
                        .as_slice()
                        .expect("contiguous"),
                    attn.as_slice_mut().expect("contiguous (T, T)"),
                    t,
                    scale,
                );
                values.fill_from_rows(
                    trace
                        .v
                        .slice(s![l, h, .., ..])
                        .as_slice()
                        .expect("contiguous (T, Dh)"),
                );
                let mut ctx = trace.context.slice_mut(s![l, h, .., ..]); // (T, Dh)
                let ctx = ctx.as_slice_mut().expect("contiguous (T, Dh)");
                matmul(
                    trace
                        .attention
                        .slice(s![l, h, .., ..])
                        .as_slice()
                        .expect("contiguous"),
                    t,
                    values,
                    &[],
                    Activation::None,
                    ctx,
                );
                for pos in 0..t {
                    merged[pos * d + h * dh..][..dh]
                        .copy_from_slice(&ctx[pos * dh..(pos + 1) * dh]);
                }
            }
            // BertSelfOutput: dense, then LayerNorm(· + x)
            matmul(
                merged,
                t,
                &layer.attn_out,
                &layer.attn_out_bias,
                Activation::None,
                attn_out,
            );
            add_layer_norm(attn_out, x, &layer.attn_ln.0, &layer.attn_ln.1, eps);
            // BertIntermediate (GELU) and BertOutput: dense, then LayerNorm(· + attn_out)
            matmul(
                attn_out,
                t,
                &layer.inter,
                &layer.inter_bias,
                Activation::Gelu,
                inter,
            );
            matmul(inter, t, &layer.out, &layer.out_bias, Activation::None, x);
            add_layer_norm(x, attn_out, &layer.out_ln.0, &layer.out_ln.1, eps);
        }
        trace
            .hidden
            .as_slice_mut()
            .expect("contiguous (T, D)")
            .copy_from_slice(x);
        SCRATCH.set(scratch);
        Ok(trace)
    }
}
