//! The decoder's config from a GGUF's metadata (`{arch}.*` keys, as llama.cpp's
//! `llama-model.cpp` reads them), named after HF `LlamaConfig`. One config for the family:
//! SmolLM2 (`llama`) and Gemma 3 (`gemma3`) differ only in the fields below that say so
//! (how RoPE pairs dims, sliding-window layers, QK-norm, norms after each block, the MLP's
//! activation, the embedding and query scales), so the forward pass is one, not a fork. What
//! llama.cpp hard-codes per architecture rather than storing in the GGUF (Gemma 3's window
//! pattern and local RoPE base) is set here, with the source named.
use crate::error::{Error, Result};
use crate::load::gguf::Gguf;

#[derive(Clone, Debug, PartialEq)]
pub struct LlamaConfig {
    /// `general.architecture`: `llama`.
    pub architecture: String,
    pub num_hidden_layers: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_attention_heads: usize,
    /// Key/value heads (grouped-query attention): each serves num_attention_heads / this.
    pub num_key_value_heads: usize,
    /// `{arch}.attention.key_length`, else hidden_size / num_attention_heads.
    pub head_dim: usize,
    pub rope_theta: f32,
    /// Dims of each head that RoPE turns (`{arch}.rope.dimension_count`, else head_dim).
    pub rope_dim: usize,
    pub rms_norm_eps: f32,
    pub vocab_size: usize,
    pub max_position_embeddings: usize,
    /// Gemma 3: layers that see only the last `sliding_window` tokens.
    pub sliding_window: Option<usize>,
    /// Gemma 2: tanh soft-capping of attention scores and of the final logits.
    pub attn_logit_softcapping: Option<f32>,
    pub final_logit_softcapping: Option<f32>,
    /// Gemma 3 and Qwen3: RMSNorm on each head's q and k (`blk.N.attn_q_norm.weight`).
    pub qk_norm: bool,
    /// Which dims of a head RoPE turns together.
    pub rope_style: RopeStyle,
    /// RoPE base of the sliding-window layers (Gemma 3: 10,000; the global ones take
    /// `rope_theta`, 1e6).
    pub rope_theta_local: f32,
    /// Per layer (L,): Some(w) when a query sees only keys fewer than w positions back.
    pub layer_window: Vec<Option<usize>>,
    /// The embeddings are multiplied by this (Gemma: √D; llama: 1).
    pub embed_scale: f32,
    /// q·k is multiplied by this before the softmax (1/√Dh; Gemma 3: 1/√query_pre_attn_scalar).
    pub query_scale: f32,
    /// The MLP's gate activation.
    pub hidden_act: HiddenAct,
    /// Gemma 2/3: an RMSNorm on the attention's and the MLP's output before each residual add
    /// (`post_attention_norm`, `post_ffw_norm`).
    pub post_norms: bool,
}

/// How RoPE pairs a head's dims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RopeStyle {
    /// (x[2i], x[2i+1]): llama.cpp's NORM, on q/k rows its llama converter permuted.
    AdjacentPairs,
    /// (x[i], x[i + rope_dim/2]): HF's rotate_half, llama.cpp's NEOX (Gemma, rows as HF has them).
    HalfSplit,
}

/// The MLP's gate activation: down(act(gate(x)) · up(x)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenAct {
    /// x·σ(x) (SwiGLU: llama).
    Silu,
    /// GELU's tanh approximation (GeGLU: Gemma's `gelu_pytorch_tanh`).
    GeluTanh,
}

/// Sizes past these are a damaged or hostile file, not a model this engine can run.
const MAX_LAYERS: usize = 512;
const MAX_WIDTH: usize = 1 << 16;
const MAX_CONTEXT: usize = 1 << 20;

impl LlamaConfig {
    pub fn from_gguf(g: &Gguf) -> Result<LlamaConfig> {
        let arch = g.architecture()?.to_string();
        let gemma3 = match arch.as_str() {
            "llama" => false,
            "gemma3" => true,
            _ => {
                return Err(Error::Model(format!(
                    "architecture {arch:?}: this engine runs \"llama\" (SmolLM2) and \"gemma3\" decoders"
                )))
            }
        };
        let key = |k: &str| format!("{arch}.{k}");
        let size = |k: &str, max: usize| -> Result<usize> {
            let v = g.u32(&key(k))? as usize;
            if v == 0 || v > max {
                return Err(Error::Model(format!(
                    "GGUF: {} is {v}, not between 1 and {max}",
                    key(k)
                )));
            }
            Ok(v)
        };
        let hidden_size = size("embedding_length", MAX_WIDTH)?;
        let num_attention_heads = size("attention.head_count", MAX_WIDTH)?;
        let num_key_value_heads = match g.opt_u32(&key("attention.head_count_kv"))? {
            Some(_) => size("attention.head_count_kv", MAX_WIDTH)?,
            None => num_attention_heads,
        };
        let head_dim = match g.opt_u32(&key("attention.key_length"))? {
            Some(_) => size("attention.key_length", MAX_WIDTH)?,
            None => hidden_size / num_attention_heads,
        };
        let rope_dim = match g.opt_u32(&key("rope.dimension_count"))? {
            Some(_) => size("rope.dimension_count", MAX_WIDTH)?,
            None => head_dim,
        };
        let vocab_size = g.str_array("tokenizer.ggml.tokens")?.len();
        let positive = |k: &str, default: Option<f32>| -> Result<f32> {
            let v = match (g.opt_f32(&key(k))?, default) {
                (Some(v), _) | (None, Some(v)) => v,
                (None, None) => return Err(Error::Model(format!("GGUF: no {}", key(k)))),
            };
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::Model(format!(
                    "GGUF: {} is {v}, not positive",
                    key(k)
                )));
            }
            Ok(v)
        };
        let num_hidden_layers = size("block_count", MAX_LAYERS)?;
        let sliding_window = g
            .opt_u32(&key("attention.sliding_window"))?
            .map(|v| v as usize);
        // llama.cpp (`llama-model.cpp`, LLM_ARCH_GEMMA3): `set_swa_pattern(6)`, five sliding
        // layers then a global one, and `rope_freq_base_train_swa = 10000`; neither is in
        // the GGUF.
        let layer_window = (0..num_hidden_layers)
            .map(|l| match sliding_window {
                Some(w) if gemma3 && l % 6 < 5 => Some(w),
                _ => None,
            })
            .collect();
        let c = LlamaConfig {
            num_hidden_layers,
            intermediate_size: size("feed_forward_length", MAX_WIDTH * 16)?,
            max_position_embeddings: size("context_length", MAX_CONTEXT)?,
            rope_theta: positive("rope.freq_base", Some(10_000.0))?,
            rms_norm_eps: positive("attention.layer_norm_rms_epsilon", None)?,
            sliding_window,
            attn_logit_softcapping: g.opt_f32(&key("attn_logit_softcapping"))?,
            final_logit_softcapping: g.opt_f32(&key("final_logit_softcapping"))?,
            qk_norm: g.tensor("blk.0.attn_q_norm.weight").is_ok(),
            post_norms: g.tensor("blk.0.post_attention_norm.weight").is_ok(),
            rope_style: if gemma3 {
                RopeStyle::HalfSplit
            } else {
                RopeStyle::AdjacentPairs
            },
            rope_theta_local: if gemma3 { 10_000.0 } else { 0.0 },
            layer_window,
            embed_scale: if gemma3 {
                (hidden_size as f32).sqrt()
            } else {
                1.0
            },
            // Gemma 3's query_pre_attn_scalar is the head size but for 27B (llama.cpp's
            // `f_attention_scale`), which this engine does not run.
            query_scale: 1.0 / (head_dim as f32).sqrt(),
            hidden_act: if gemma3 {
                HiddenAct::GeluTanh
            } else {
                HiddenAct::Silu
            },
            architecture: arch,
            hidden_size,
            num_attention_heads,
            num_key_value_heads,
            head_dim,
            rope_dim,
            vocab_size,
        };
        c.check()?;
        Ok(c)
    }

    /// Width of all query heads together (H·Dh).
    pub fn q_dim(&self) -> usize {
        self.num_attention_heads * self.head_dim
    }

    /// Width of all key (or value) heads together (Hkv·Dh).
    pub fn kv_dim(&self) -> usize {
        self.num_key_value_heads * self.head_dim
    }

    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Model(format!("GGUF config: {m}")));
        if !self
            .num_attention_heads
            .is_multiple_of(self.num_key_value_heads)
        {
            return bad(format!(
                "{} query heads do not share {} key/value heads evenly",
                self.num_attention_heads, self.num_key_value_heads
            ));
        }
        if self.q_dim() > MAX_WIDTH || !self.head_dim.is_multiple_of(2) {
            return bad(format!(
                "{} heads of {} dims",
                self.num_attention_heads, self.head_dim
            ));
        }
        if self.rope_dim > self.head_dim || !self.rope_dim.is_multiple_of(2) {
            return bad(format!(
                "RoPE over {} of {} dims per head",
                self.rope_dim, self.head_dim
            ));
        }
        if self.vocab_size == 0 {
            return bad("an empty vocabulary".into());
        }
        if self.sliding_window.is_some() && self.architecture != "gemma3" {
            return bad(format!(
                "sliding-window layers in a {:?} model, whose window pattern this engine does not know",
                self.architecture
            ));
        }
        if self.sliding_window == Some(0) {
            return bad("a sliding window of 0 tokens".into());
        }
        let unsupported = [
            (
                self.attn_logit_softcapping.is_some(),
                "attention soft-capping",
            ),
            (self.final_logit_softcapping.is_some(), "logit soft-capping"),
        ];
        for (needed, what) in unsupported {
            if needed {
                return bad(format!(
                    "the model needs {what}, which this engine does not run yet"
                ));
            }
        }
        Ok(())
    }
}
