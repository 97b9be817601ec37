//! The only file that knows JavaScript. Small metadata crosses through serde-wasm-bindgen;
//! tensors cross as flat Float32Arrays with the layout written beside each getter.
use js_sys::Float32Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Model, Trace};

fn js_error(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// True in the builds compiled with `target-feature=+simd128` (the relaxed build included).
#[wasm_bindgen(js_name = simdBuild)]
pub fn simd_build() -> bool {
    cfg!(target_feature = "simd128")
}

#[wasm_bindgen]
pub struct Engine {
    model: Model,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info<'a> {
    layers: usize,
    heads: usize,
    head_dim: usize,
    hidden: usize,
    vocab_size: usize,
    max_tokens: usize,
    precision: &'a str,
    simd: bool,
}

#[wasm_bindgen]
impl Engine {
    /// Loads a bundle written by `orquestra convert` (the bytes of the .safetensors file).
    #[wasm_bindgen(constructor)]
    pub fn new(bundle: &[u8]) -> Result<Engine, JsError> {
        Ok(Engine {
            model: Model::from_bundle(bundle).map_err(js_error)?,
        })
    }

    /// {layers, heads, headDim, hidden, vocabSize, maxTokens, precision, simd}
    pub fn info(&self) -> Result<JsValue, JsError> {
        let c = &self.model.config;
        let info = Info {
            layers: c.num_hidden_layers,
            heads: c.num_attention_heads,
            head_dim: c.head_dim(),
            hidden: c.hidden_size,
            vocab_size: c.vocab_size,
            max_tokens: self.model.max_tokens(),
            precision: &self.model.precision,
            simd: simd_build(),
        };
        Ok(serde_wasm_bindgen::to_value(&info)?)
    }

    /// The token ids of `text` as the encoder would see them ([CLS] … [SEP], truncated to
    /// maxTokens), without running it. (T,)
    #[wasm_bindgen(js_name = tokenIds)]
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, JsError> {
        let encoding = self.model.encode(text).map_err(js_error)?;
        Ok(encoding.tokens.iter().map(|t| t.id).collect())
    }

    /// Tokenizes and runs the encoder. Errors (empty text) come back as a JS Error.
    pub fn run(&self, text: &str) -> Result<Run, JsError> {
        Ok(Run {
            trace: self.model.run(text).map_err(js_error)?,
        })
    }
}

/// One forward pass. Free it (`run.free()`) when done: its tensors live in wasm memory.
#[wasm_bindgen]
pub struct Run {
    trace: Trace,
}

fn copy(a: &ndarray::Array4<f32>) -> Float32Array {
    Float32Array::from(a.as_slice().expect("trace tensors are contiguous"))
}

#[wasm_bindgen]
impl Run {
    /// {tokens: [{text, id, word, span}], words: [{text, span, special}], wordOfToken,
    ///  truncated, layers, heads, seq, headDim}; spans in bytes and chars of the input.
    pub fn meta(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(&self.trace.meta())?)
    }

    /// Each head's measures and label on this sentence: [{label, strength, measures}], (L, H) row-major.
    pub fn heads(&self) -> Result<JsValue, JsError> {
        let summaries = crate::heads::summarize_all(&self.trace.attention, &self.trace.encoding);
        Ok(serde_wasm_bindgen::to_value(&summaries)?)
    }

    /// softmax(q·k/√d). (L, H, T, T): i = ((l*H + h)*T + q)*T + k
    pub fn attention(&self) -> Float32Array {
        copy(&self.trace.attention)
    }
    /// Raw q·k before scaling. (L, H, T, T): i = ((l*H + h)*T + q)*T + k
    pub fn scores(&self) -> Float32Array {
        copy(&self.trace.scores)
    }
    /// (L, H, T, Dh): i = ((l*H + h)*T + t)*Dh + d
    pub fn q(&self) -> Float32Array {
        copy(&self.trace.q)
    }
    /// (L, H, T, Dh)
    pub fn k(&self) -> Float32Array {
        copy(&self.trace.k)
    }
    /// (L, H, T, Dh)
    pub fn v(&self) -> Float32Array {
        copy(&self.trace.v)
    }
    /// Σ_j a_ij v_j per head. (L, H, T, Dh)
    pub fn context(&self) -> Float32Array {
        copy(&self.trace.context)
    }
    /// The last layer's output. (T, D): i = t*D + d
    pub fn hidden(&self) -> Float32Array {
        Float32Array::from(self.trace.hidden.as_slice().expect("contiguous"))
    }
}

/// Turns the matmul's weight prefetch off or on (on by default), for the bench's side-by-side.
#[wasm_bindgen(js_name = setWeightPrefetch)]
pub fn set_weight_prefetch(on: bool) {
    crate::kernels::set_weight_prefetch(on);
}

/// GFLOP/s of the matmul kernel alone on an (m×k)·(k×n) product, `reps` times (for the bench).
#[wasm_bindgen(js_name = benchMatmul)]
pub fn bench_matmul(m: usize, k: usize, n: usize, reps: usize) -> f64 {
    use crate::kernels::{matmul, Activation, Packed};
    let x: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
    let b = Packed::from_weight(
        &(0..n * k).map(|i| (i % 5) as f32 * 0.1).collect::<Vec<_>>(),
        n,
        k,
    );
    let mut y = vec![0.0; m * n];
    let start = js_sys::Date::now();
    for _ in 0..reps {
        matmul(&x, m, &b, &[], Activation::None, &mut y);
    }
    let ms = js_sys::Date::now() - start;
    2.0 * (m * k * n * reps) as f64 / ms / 1e6
}
