//! The forward pass, recording every head's scores, attention, q, k, v and context.
use ndarray::Dim;

use super::{HeadMask, Layer, Model};
use crate::error::{Error, Result};
use crate::kernels::{matmul, softmax_rows, Activation, Packed};
use crate::tokenizer::{Encoding, MAX_TOKENS};
use crate::trace::{head, head_mut, tensor, Trace};

/// The forward pass's work buffers, kept across runs so a run allocates only its trace.
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,        // (T, D): the hidden state
    qkv: Vec<f32>,      // (T, 3D)
    merged: Vec<f32>,   // (T, D): the heads' contexts side by side
    attended: Vec<f32>, // (T, D): after the attention block
    inter: Vec<f32>,    // (T, I)
    keys: Packed,       // K_hᵀ: Dh×T
    values: Packed,     // V_h: T×Dh
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

/// One head's attention over all T queries, in the page's four steps.
struct Head<'a> {
    t: usize,
    dh: usize,
    keys: &'a mut Packed,
    values: &'a mut Packed,
}

impl<'a> Head<'a> {
    /// Sizes the packed buffers once (zeroed: a last partial panel's padding stays zero).
    fn new(t: usize, dh: usize, keys: &'a mut Packed, values: &'a mut Packed) -> Head<'a> {
        keys.reset(dh, t);
        values.reset(t, dh);
        Head {
            t,
            dh,
            keys,
            values,
        }
    }

    /// Step 1, q·k: scores (T, T) = q (T, Dh) · kᵀ (Dh, T).
    fn qk(&mut self, q: &[f32], k: &[f32], scores: &mut [f32]) {
        self.keys.fill_from_weight(k);
        matmul(q, self.t, self.keys, &[], Activation::None, scores);
    }

    /// Steps 2 and 3, ÷√d then softmax over each row: attention (T, T). One pass: the
    /// scaling happens inside the softmax, so the raw scores stay as step 1 left them.
    fn scale_softmax(&self, scores: &[f32], attention: &mut [f32]) {
        softmax_rows(scores, attention, self.t, 1.0 / (self.dh as f32).sqrt());
    }

    /// Step 4, Σ a·v: context (T, Dh) = attention (T, T) · v (T, Dh).
    fn mix(&mut self, attention: &[f32], v: &[f32], context: &mut [f32]) {
        self.values.fill_from_rows(v);
        matmul(
            attention,
            self.t,
            self.values,
            &[],
            Activation::None,
            context,
        );
    }
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

    /// Runs `text` with the heads `mask` dismisses switched off (their attention × 0).
    pub fn run_masked(&self, text: &str, mask: &HeadMask) -> Result<Trace> {
        self.forward_masked(self.encode(text)?, mask)
    }

    /// Every head on: the mask for plain runs.
    pub fn no_mask(&self) -> HeadMask {
        HeadMask::none(
            self.config.num_hidden_layers,
            self.config.num_attention_heads,
        )
    }

    /// Tokenizes `text` as a run would ([CLS] … [SEP], truncated to `max_tokens`).
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        self.tokenizer.encode_max(text, self.max_tokens())
    }

    /// Runs the encoder on an already tokenized sequence.
    pub fn forward(&self, encoding: Encoding) -> Result<Trace> {
        self.forward_masked(encoding, &self.no_mask())
    }

    /// Runs the encoder with the heads `mask` dismisses switched off.
    pub fn forward_masked(&self, encoding: Encoding, mask: &HeadMask) -> Result<Trace> {
        let c = &self.config;
        if (mask.layers, mask.heads) != (c.num_hidden_layers, c.num_attention_heads) {
            return Err(Error::Model(format!(
                "the head mask is for {}×{} heads; this model has {}×{}",
                mask.layers, mask.heads, c.num_hidden_layers, c.num_attention_heads
            )));
        }
        let t = encoding.tokens.len();
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
        let (d, nl, nh, dh) = (
            c.hidden_size,
            c.num_hidden_layers,
            c.num_attention_heads,
            c.head_dim(),
        );
        // Every value of these is written below (spares of earlier runs are not zeroed).
        let mut trace = Trace {
            scores: tensor(Dim([nl, nh, t, t])),
            attention: tensor(Dim([nl, nh, t, t])),
            q: tensor(Dim([nl, nh, t, dh])),
            k: tensor(Dim([nl, nh, t, dh])),
            v: tensor(Dim([nl, nh, t, dh])),
            context: tensor(Dim([nl, nh, t, dh])),
            hidden: tensor(Dim([t, d])),
            states: tensor(Dim([nl + 1, t, d])),
            encoding,
        };
        let mut scratch = SCRATCH.take();
        let x = zeros(&mut scratch.x, t * d);
        self.embeddings
            .forward(trace.encoding.tokens.iter().map(|tok| tok.id), x);
        let state_of = |trace: &mut Trace, l: usize, x: &[f32]| {
            let all = trace.states.as_slice_mut().expect("contiguous (L+1, T, D)");
            all[l * t * d..(l + 1) * t * d].copy_from_slice(x);
        };
        state_of(&mut trace, 0, &scratch.x);
        for (l, layer) in self.layers.iter().enumerate() {
            self.layer(l, layer, mask, &mut scratch, &mut trace);
            state_of(&mut trace, l + 1, &scratch.x);
        }
        trace
            .hidden
            .as_slice_mut()
            .expect("contiguous (T, D)")
            .copy_from_slice(&scratch.x);
        SCRATCH.set(scratch);
        Ok(trace)
    }

    /// One BertLayer on scratch.x (T, D), in place; layer `l`'s heads go into the trace.
    fn layer(&self, l: usize, layer: &Layer, mask: &HeadMask, s: &mut Scratch, trace: &mut Trace) {
        let c = &self.config;
        let (t, d, dh) = (trace.encoding.tokens.len(), c.hidden_size, c.head_dim());
        let qkv = zeros(&mut s.qkv, t * 3 * d);
        let merged = zeros(&mut s.merged, t * d);
        let attended = zeros(&mut s.attended, t * d);
        let inter = zeros(&mut s.inter, t * c.intermediate_size);
        let x = &mut s.x[..t * d];

        // BertSelfAttention: project, then each head attends on its own columns.
        layer.qkv.forward(x, t, Activation::None, qkv);
        let mut head_pass = Head::new(t, dh, &mut s.keys, &mut s.values);
        for h in 0..c.num_attention_heads {
            // This head's columns of [q | k | v], row by row, into the trace. (T, Dh) each
            for (which, dst) in [&mut trace.q, &mut trace.k, &mut trace.v]
                .into_iter()
                .enumerate()
            {
                let rows = head_mut(dst, l, h).chunks_exact_mut(dh);
                for (pos, out) in rows.enumerate() {
                    out.copy_from_slice(&qkv[pos * 3 * d + which * d + h * dh..][..dh]);
                }
            }
            head_pass.qk(
                head(&trace.q, l, h),
                head(&trace.k, l, h),
                head_mut(&mut trace.scores, l, h),
            );
            head_pass.scale_softmax(
                head(&trace.scores, l, h),
                head_mut(&mut trace.attention, l, h),
            );
            if mask.is_off(l, h) {
                // A dismissed judge: its probabilities × 0, so its context is 0 (HF head_mask).
                head_mut(&mut trace.attention, l, h).fill(0.0);
            }
            head_pass.mix(
                head(&trace.attention, l, h),
                head(&trace.v, l, h),
                head_mut(&mut trace.context, l, h),
            );
            let context = head(&trace.context, l, h);
            for (pos, row) in context.chunks_exact(dh).enumerate() {
                merged[pos * d + h * dh..][..dh].copy_from_slice(row);
            }
        }
        // BertSelfOutput: dense, then LayerNorm(· + x)
        layer
            .attention_output
            .forward(merged, t, Activation::None, attended);
        layer.attention_norm.forward(attended, x);
        // BertIntermediate (GELU) and BertOutput: dense, then LayerNorm(· + attended)
        layer
            .intermediate
            .forward(attended, t, Activation::Gelu, inter);
        layer.output.forward(inter, t, Activation::None, x);
        layer.output_norm.forward(x, attended);
    }
}
