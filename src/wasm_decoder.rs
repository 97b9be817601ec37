//! The decoder's JavaScript interface (the encoders' is `wasm.rs`): a model that writes,
//! read from its GGUF bytes, its weights used where they lie. One `Decoder` holds one
//! conversation: `prefill` reads a prompt (and empties the KV cache first), `step` appends
//! one token. Tensors cross as flat Float32Arrays with the layout written beside each getter.
use js_sys::{Float32Array, Uint32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::model::llama::{
    probabilities, top_k, KvCache, LlamaForCausalLM, LlamaTrace, Sampler, Sampling,
};
use crate::model::HeadMask;

fn js_error(e: crate::Error) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code().into());
    error.into()
}

#[wasm_bindgen]
pub struct Decoder {
    model: LlamaForCausalLM,
    cache: KvCache,
    /// The last prefill's residual stream (L+1, T, D) and ids, for the logit lens.
    lens: Option<LlamaTrace>,
    sampler: Sampler,
    /// The heads the last prefill dismissed: the steps after it dismiss the same ones (the
    /// cache's later layers were computed without them).
    mask: Option<HeadMask>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info<'a> {
    architecture: &'a str,
    layers: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    hidden: usize,
    vocab: usize,
    max_positions: usize,
    eos: Option<u32>,
    add_bos: bool,
}

#[derive(Serialize)]
struct Guess {
    id: u32,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    logit: Option<f32>,
    p: f32,
}

#[wasm_bindgen]
impl Decoder {
    /// The model in a GGUF file's bytes (checked: every length, offset and tensor type).
    #[wasm_bindgen(constructor)]
    pub fn new(gguf: Vec<u8>) -> Result<Decoder, JsValue> {
        let model = LlamaForCausalLM::from_gguf(gguf).map_err(js_error)?;
        let cache = model.new_cache();
        Ok(Decoder {
            model,
            cache,
            lens: None,
            sampler: Sampler::new(Sampling::Greedy).map_err(js_error)?,
            mask: None,
        })
    }

    pub fn info(&self) -> Result<JsValue, JsError> {
        let c = &self.model.config;
        Ok(serde_wasm_bindgen::to_value(&Info {
            architecture: &c.architecture,
            layers: c.num_hidden_layers,
            heads: c.num_attention_heads,
            kv_heads: c.num_key_value_heads,
            head_dim: c.head_dim,
            hidden: c.hidden_size,
            vocab: c.vocab_size,
            max_positions: c.max_position_embeddings,
            eos: self.model.tokenizer.eos(),
            add_bos: self.model.tokenizer.add_bos(),
        })?)
    }

    /// The text's token ids (BOS first when the model wants it), at most `max` of them.
    #[wasm_bindgen(js_name = tokenIds)]
    pub fn token_ids(&self, text: &str, max: usize) -> Result<Uint32Array, JsValue> {
        let e = self
            .model
            .tokenizer
            .encode_max(text, max)
            .map_err(js_error)?;
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        Ok(Uint32Array::from(ids.as_slice()))
    }

    /// The text the ids spell (a piece alone may be part of a character: U+FFFD then).
    pub fn decode(&self, ids: &[u32]) -> String {
        self.model.tokenizer.decode(ids)
    }

    /// Reads a prompt from an empty cache. With `trace`, the run keeps every layer's and
    /// head's attention, q, k, v and the residual stream, and the logit lens reads it.
    pub fn prefill(&mut self, ids: &[u32], trace: bool) -> Result<DecoderRun, JsValue> {
        self.mask = None;
        self.run_prefill(ids, trace)
    }

    /// `prefill` with dismissed heads: `off` holds one byte per head, (L, H) row-major,
    /// non-zero = dismissed (its attention × 0, HF head_mask). The steps after it keep them
    /// dismissed, until the next prefill.
    #[wasm_bindgen(js_name = prefillMasked)]
    pub fn prefill_masked(
        &mut self,
        ids: &[u32],
        trace: bool,
        off: &[u8],
    ) -> Result<DecoderRun, JsValue> {
        let c = &self.model.config;
        let mask = HeadMask::from_bytes(c.num_hidden_layers, c.num_attention_heads, off)
            .map_err(js_error)?;
        self.mask = (!mask.is_empty()).then_some(mask);
        self.run_prefill(ids, trace)
    }

    fn run_prefill(&mut self, ids: &[u32], trace: bool) -> Result<DecoderRun, JsValue> {
        self.lens = None;
        if !trace {
            self.cache = self.model.new_cache();
            let s = self
                .model
                .step_masked(ids, &mut self.cache, self.mask.as_ref())
                .map_err(js_error)?;
            return Ok(DecoderRun {
                t: ids.len(),
                attention: s.attention,
                logits: s.logits,
                trace: None,
            });
        }
        let mut tr = self
            .model
            .forward_masked(ids, &mut self.cache, self.mask.as_ref())
            .map_err(js_error)?;
        let run = DecoderRun {
            t: ids.len(),
            attention: std::mem::take(&mut tr.attention),
            logits: tr.logits.clone(),
            trace: Some(Vectors {
                q: std::mem::take(&mut tr.q),
                k: std::mem::take(&mut tr.k),
                v: std::mem::take(&mut tr.v),
            }),
        };
        self.lens = Some(tr);
        Ok(run)
    }

    /// One more token through the KV cache: its attention row over every token so far.
    pub fn step(&mut self, id: u32) -> Result<DecoderRun, JsValue> {
        let s = self
            .model
            .step_masked(&[id], &mut self.cache, self.mask.as_ref())
            .map_err(js_error)?;
        Ok(DecoderRun {
            t: 1,
            attention: s.attention,
            logits: s.logits,
            trace: None,
        })
    }

    /// Tokens in the KV cache.
    pub fn positions(&self) -> usize {
        self.cache.len
    }

    /// Greedy when `temperature` is 0, else softmax(logits / temperature) within top-p,
    /// drawn from a generator seeded by `seed` (the same seed writes the same text).
    #[wasm_bindgen(js_name = setSampling)]
    pub fn set_sampling(&mut self, temperature: f32, top_p: f32, seed: u32) -> Result<(), JsValue> {
        let sampling = if temperature == 0.0 {
            Sampling::Greedy
        } else {
            Sampling::Sample {
                temperature,
                top_p,
                seed: seed as u64,
            }
        };
        self.sampler = Sampler::new(sampling).map_err(js_error)?;
        Ok(())
    }

    /// The next token after a run's logits, by the sampling rule (its generator moves on).
    pub fn pick(&mut self, run: &DecoderRun) -> u32 {
        self.sampler.pick(&run.logits)
    }

    /// The last traced prefill's residual stream: the embeddings, then after each layer.
    /// (L+1, T, D): i = (l*T + t)*D + d.
    pub fn hidden(&self) -> Result<Float32Array, JsValue> {
        let tr = self
            .lens
            .as_ref()
            .ok_or_else(|| JsValue::from_str("the residual stream needs a prefill with trace"))?;
        Ok(Float32Array::from(tr.hidden.as_slice()))
    }

    /// The logit lens at `position` of the last traced prefill: for the embeddings and after
    /// each layer, the `k` likeliest next tokens [[{id, text, logit, p}]] (L+1 lists).
    #[wasm_bindgen(js_name = logitLens)]
    pub fn logit_lens(&self, position: usize, k: usize) -> Result<JsValue, JsValue> {
        let tr = self
            .lens
            .as_ref()
            .ok_or_else(|| JsValue::from_str("the logit lens needs a prefill with trace"))?;
        let lens = self.model.logit_lens(tr, position, k).map_err(js_error)?;
        let out: Vec<Vec<Guess>> = lens
            .into_iter()
            .map(|layer| {
                layer
                    .into_iter()
                    .map(|(id, p)| Guess {
                        id,
                        text: self.model.tokenizer.decode(&[id]),
                        logit: None,
                        p,
                    })
                    .collect()
            })
            .collect();
        serde_wasm_bindgen::to_value(&out).map_err(|e| e.into())
    }

    /// A run's `k` likeliest next tokens, best first: [{id, text, logit, p}].
    pub fn top(&self, run: &DecoderRun, k: usize) -> Result<JsValue, JsError> {
        let p = probabilities(&run.logits, 1.0);
        let out: Vec<Guess> = top_k(&run.logits, k)
            .into_iter()
            .map(|(id, logit)| Guess {
                id,
                text: self.model.tokenizer.decode(&[id]),
                logit: Some(logit),
                p: p[id as usize] as f32,
            })
            .collect();
        Ok(serde_wasm_bindgen::to_value(&out)?)
    }
}

struct Vectors {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
}

/// What a prefill or a step gave. Free it (`run.free()`) once copied.
#[wasm_bindgen]
pub struct DecoderRun {
    t: usize,
    attention: Vec<f32>,
    logits: Vec<f32>,
    trace: Option<Vectors>,
}

#[wasm_bindgen]
impl DecoderRun {
    /// New tokens in this run (the prompt's length, or 1 for a step).
    #[wasm_bindgen(getter)]
    pub fn tokens(&self) -> usize {
        self.t
    }

    /// A tensor copied out. attention: (L, H, T, P), i = ((l*H + h)*T + q)*P + k, zero past
    /// each token's own position (P = T for a prefill; a step's T is 1); logits: (V,) after
    /// the last token. A prefill with trace also has q (L, H, T, Dh), k and v (L, Hkv, T, Dh)
    /// (after RoPE; query head h reads key/value head h / (H/Hkv)). The residual stream is
    /// the decoder's (`Decoder.hidden`), kept once for the logit lens.
    pub fn tensor(&self, name: &str) -> Result<Float32Array, JsError> {
        let v = self.trace.as_ref();
        let data: &[f32] = match name {
            "attention" => &self.attention,
            "logits" => &self.logits,
            "q" => v.map(|v| v.q.as_slice()).unwrap_or_default(),
            "k" => v.map(|v| v.k.as_slice()).unwrap_or_default(),
            "v" => v.map(|v| v.v.as_slice()).unwrap_or_default(),
            _ => return Err(JsError::new(&format!("no tensor named {name:?}"))),
        };
        if data.is_empty() {
            return Err(JsError::new(&format!(
                "{name} is kept only by a prefill with trace"
            )));
        }
        Ok(Float32Array::from(data))
    }

    /// The most likely next id (the lowest on an exact tie).
    pub fn argmax(&self) -> u32 {
        top_k(&self.logits, 1)[0].0
    }
}
