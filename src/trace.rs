//! What one run of the encoder produces: the tokens and, for every layer and head,
//! everything behind the attention the page draws.
use ndarray::{Array2, Array4};

use serde::Serialize;

use crate::tokenizer::{Encoding, Token, Word};

pub struct Trace {
    pub encoding: Encoding,
    /// Raw q·k before ÷√d and softmax. (L, H, T, T)
    pub scores: Array4<f32>,
    /// softmax(q·k / √d) over keys; each row sums to 1. (L, H, T, T)
    pub attention: Array4<f32>,
    /// Per-head projections, bias included. (L, H, T, Dh)
    pub q: Array4<f32>,
    pub k: Array4<f32>,
    pub v: Array4<f32>,
    /// The head's mix of values Σ_j a_ij · v_j (the melody). (L, H, T, Dh)
    pub context: Array4<f32>,
    /// The last layer's output. (T, D)
    pub hidden: Array2<f32>,
}

impl Trace {
    /// (layers, heads, tokens, head_dim)
    pub fn dims(&self) -> (usize, usize, usize, usize) {
        let (l, h, t, d) = self.q.dim();
        (l, h, t, d)
    }
}

/// What the page needs to know about a run besides its tensors (camelCase for JS).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta<'a> {
    pub tokens: &'a [Token],
    pub words: &'a [Word],
    pub word_of_token: Vec<usize>,
    pub truncated: bool,
    pub layers: usize,
    pub heads: usize,
    pub seq: usize,
    pub head_dim: usize,
}

impl Trace {
    pub fn meta(&self) -> Meta<'_> {
        let (layers, heads, seq, head_dim) = self.dims();
        let e = &self.encoding;
        Meta {
            tokens: &e.tokens,
            words: &e.words,
            word_of_token: e.word_of_token(),
            truncated: e.truncated,
            layers,
            heads,
            seq,
            head_dim,
        }
    }
}
