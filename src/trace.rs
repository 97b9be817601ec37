//! What one run of the encoder produces, and the one description of a run that crosses to
//! the page (wasm), to the command line and into the build-time examples.
use std::cell::RefCell;

use ndarray::{Array, Array2, Array3, Array4, Dimension};
use serde::Serialize;

use crate::heads::{summarize_all, HeadSummary};
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
    /// The hidden state after the embeddings (0) and after each layer (1..=L). (L+1, T, D)
    pub states: Array3<f32>,
}

thread_local! {
    /// Tensors of runs already let go of (`Trace::recycle`), for the next run to reuse.
    static SPARE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}
/// Spare buffers kept at most: one trace's tensors.
const SPARES: usize = 8;

/// A tensor of `dim` for a run to fill: every value is overwritten by the forward pass, so a
/// spare buffer (the smallest that holds it) is reused as it is, with no zeroing and no new
/// pages; else a new zeroed one.
pub fn tensor<D: Dimension>(dim: D) -> Array<f32, D> {
    let n = dim.size();
    let spare = SPARE.with(|s| {
        let mut s = s.borrow_mut();
        let best = (0..s.len())
            .filter(|&i| s[i].capacity() >= n)
            .min_by_key(|&i| s[i].capacity());
        best.map(|i| s.swap_remove(i))
    });
    let v = match spare {
        Some(mut v) => {
            v.truncate(n);
            v.resize(n, 0.0); // zeroes only what the spare's length fell short of
            v
        }
        None => vec![0.0; n],
    };
    Array::from_shape_vec(dim, v).expect("n values for n")
}

/// Head (l, h) of an (L, H, R, C) tensor as a contiguous (R, C) slice.
pub fn head(a: &Array4<f32>, l: usize, h: usize) -> &[f32] {
    let (_, nh, r, c) = a.dim();
    let all = a.as_slice().expect("trace tensors are contiguous");
    &all[(l * nh + h) * r * c..][..r * c]
}

/// Head (l, h) of an (L, H, R, C) tensor as a contiguous mutable (R, C) slice.
pub fn head_mut(a: &mut Array4<f32>, l: usize, h: usize) -> &mut [f32] {
    let (_, nh, r, c) = a.dim();
    let all = a.as_slice_mut().expect("trace tensors are contiguous");
    &mut all[(l * nh + h) * r * c..][..r * c]
}

/// The tensors the page's views read, by the name they carry in JS: (L, H, T, T) for
/// attention and scores, (L, H, T, Dh) for the rest (k: the melody shows q×k beside q).
pub const VIEW_TENSORS: [&str; 6] = ["attention", "scores", "q", "k", "v", "context"];

/// The tensors a build-time example carries (the melody waits for the live model).
pub const PRESET_TENSORS: [&str; 2] = ["attention", "scores"];

impl Trace {
    /// (layers, heads, tokens, head_dim)
    pub fn dims(&self) -> (usize, usize, usize, usize) {
        self.q.dim()
    }

    /// Gives its tensors to the next run (`tensor`) and keeps none: for a run whose
    /// numbers have been copied out (the page's, once JS has them).
    pub fn recycle(&mut self) {
        let mut bufs = Vec::with_capacity(SPARES);
        for a in [
            &mut self.scores,
            &mut self.attention,
            &mut self.q,
            &mut self.k,
            &mut self.v,
            &mut self.context,
        ] {
            bufs.push(std::mem::take(a).into_raw_vec_and_offset().0);
        }
        bufs.push(std::mem::take(&mut self.hidden).into_raw_vec_and_offset().0);
        bufs.push(std::mem::take(&mut self.states).into_raw_vec_and_offset().0);
        SPARE.with(|s| {
            let mut s = s.borrow_mut();
            s.extend(bufs.into_iter().filter(|b| b.capacity() > 0));
            let extra = s.len().saturating_sub(SPARES);
            s.drain(..extra); // the oldest go
        });
    }

    /// A per-head tensor by its name in [`VIEW_TENSORS`].
    pub fn tensor(&self, name: &str) -> Option<&Array4<f32>> {
        Some(match name {
            "attention" => &self.attention,
            "scores" => &self.scores,
            "q" => &self.q,
            "k" => &self.k,
            "v" => &self.v,
            "context" => &self.context,
            _ => return None,
        })
    }

    /// The run's description: what the views know besides the tensors.
    pub fn summary(&self) -> RunSummary<'_> {
        let (layers, heads, seq, head_dim) = self.dims();
        let e = &self.encoding;
        RunSummary {
            meta: Meta {
                tokens: &e.tokens,
                words: &e.words,
                word_of_token: e.word_of_token(),
                truncated: e.truncated,
                layers,
                heads,
                seq,
                head_dim,
            },
            heads: summarize_all(&self.attention, e),
        }
    }
}

/// One run as the page receives it, from the live engine or from a build-time example:
/// `{meta, heads}` plus the tensors of [`VIEW_TENSORS`] (camelCase for JS).
#[derive(Serialize)]
pub struct RunSummary<'a> {
    pub meta: Meta<'a>,
    /// Each head's measures and label on this sentence, (L, H) row-major.
    pub heads: Vec<HeadSummary>,
}

/// What the page needs to know about a run besides its tensors.
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

/// The command line's one-line account of a run (`orquestra attention`): texts only.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
/// Fields in alphabetical order: the line the CLI has always printed.
pub struct Brief<'a> {
    pub heads: usize,
    pub layers: usize,
    pub tokens: Vec<&'a str>,
    pub truncated: bool,
    pub word_of_token: &'a [usize],
    pub words: Vec<&'a str>,
}

impl Meta<'_> {
    pub fn brief(&self) -> Brief<'_> {
        Brief {
            tokens: self.tokens.iter().map(|t| t.text.as_str()).collect(),
            words: self.words.iter().map(|w| w.text.as_str()).collect(),
            word_of_token: &self.word_of_token,
            layers: self.layers,
            heads: self.heads,
            truncated: self.truncated,
        }
    }
}
