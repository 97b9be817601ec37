//! The encoder's hyper-parameters, read from HF config.json (unknown fields ignored).
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
}

/// Memory a model may take: its weights as the kernels read them, and the trace of its longest
/// run (multilingual-e5-small: 151 MiB and 324 MiB; all-MiniLM-L6-v2: 86 MiB and 162 MiB).
pub const WEIGHT_BUDGET: u64 = 1 << 30;
pub const TRACE_BUDGET: u64 = 1 << 30;

fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}

impl Config {
    pub fn from_json(text: &str) -> Result<Config> {
        let c: Config = serde_json::from_str(text)
            .map_err(|e| Error::Model(format!("config.json is not a BERT config: {e}")))?;
        c.validate()?;
        Ok(c)
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Bytes of the trace of one run of `t` tokens: attention and scores (L, H, T, T),
    /// q, k, v and context (L, H, T, Dh), the last hidden state (T, D), all f32.
    pub fn trace_bytes(&self, t: usize) -> u64 {
        let (l, h, d) = (
            self.num_hidden_layers as u64,
            self.num_attention_heads as u64,
            self.hidden_size as u64,
        );
        let t = t as u64;
        // scores and attention; q, k, v and context; the hidden states after the embeddings
        // and after every layer; the last layer's output
        4 * (2 * l * h * t * t + 4 * l * t * d + (l + 1) * t * d + t * d)
    }

    /// Bytes of the weights once widened to f32 for the kernels (embeddings stay as stored:
    /// counted at f32, the most they take).
    pub fn weight_bytes(&self) -> u64 {
        let (d, i) = (self.hidden_size as u64, self.intermediate_size as u64);
        let layer = 4 * d * d + 2 * d * i + 9 * d + i;
        let embeddings =
            (self.vocab_size + self.max_position_embeddings + self.type_vocab_size) as u64 * d;
        4 * (self.num_hidden_layers as u64 * layer + embeddings)
    }

    fn validate(&self) -> Result<()> {
        let sizes = [
            self.vocab_size,
            self.hidden_size,
            self.num_hidden_layers,
            self.num_attention_heads,
            self.intermediate_size,
            self.max_position_embeddings,
            self.type_vocab_size,
        ];
        if sizes.iter().any(|&s| s == 0 || s > 1 << 20) {
            return Err(Error::Model("config.json has a zero or absurd size".into()));
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(Error::Model(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        if !(self.layer_norm_eps.is_finite()
            && self.layer_norm_eps > 0.0
            && self.layer_norm_eps < 1.0)
        {
            return Err(Error::Model(format!(
                "layer_norm_eps {} is not a small positive number",
                self.layer_norm_eps
            )));
        }
        // A model whose weights or whose longest run cannot fit is refused before anything is
        // allocated (a wasm page has 4 GiB at most; the trace is copied once more to JS).
        let positions = self
            .max_position_embeddings
            .min(crate::tokenizer::MAX_TOKENS);
        let (weights, trace) = (self.weight_bytes(), self.trace_bytes(positions));
        if weights > WEIGHT_BUDGET || trace > TRACE_BUDGET {
            return Err(Error::Model(format!(
                "this model needs {} MB of weights and {} MB for a run of {positions} tokens; the budget is {} MB and {} MB",
                weights >> 20,
                trace >> 20,
                WEIGHT_BUDGET >> 20,
                TRACE_BUDGET >> 20
            )));
        }
        if self.hidden_act != "gelu" {
            return Err(Error::Model(format!(
                "hidden_act {:?} is not supported (only the exact erf \"gelu\")",
                self.hidden_act
            )));
        }
        Ok(())
    }
}
