//! The only file that knows JavaScript. Small metadata crosses through serde-wasm-bindgen;
//! tensors cross as flat Float32Arrays with the layout written beside each getter.
use js_sys::Float32Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::trace::VIEW_TENSORS;
use crate::{Model, Trace};

/// A JS Error whose `code` names the kind (`empty-text`, `model`, …): callers act on the
/// code, never on the English message.
fn js_error(e: crate::Error) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code().into());
    error.into()
}

/// The names of the tensors the views read (trace.rs `VIEW_TENSORS`), for `Run.tensor`.
#[wasm_bindgen(js_name = viewTensors)]
pub fn view_tensors() -> Vec<String> {
    VIEW_TENSORS.iter().map(|s| s.to_string()).collect()
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
    /// A quantized bundle's attention against full precision, when its source had it.
    accuracy: Option<crate::load::accuracy::Accuracy>,
    /// The integer path's accuracy (`kernels::intdot`), and whether it is on.
    integer_accuracy: Option<crate::load::accuracy::Accuracy>,
    integer_dot: bool,
    simd: bool,
}

#[wasm_bindgen]
impl Engine {
    /// Loads a bundle written by `orquestra convert` (the bytes of the .safetensors file).
    /// The bytes are copied into wasm memory once and the model keeps them: its quantized
    /// weights are read where they lie.
    #[wasm_bindgen(constructor)]
    pub fn new(bundle: Vec<u8>) -> Result<Engine, JsValue> {
        Ok(Engine {
            model: crate::load::from_bundle_vec(bundle).map_err(js_error)?,
        })
    }

    /// {layers, heads, headDim, hidden, vocabSize, maxTokens, precision, accuracy,
    /// integerAccuracy, integerDot, simd}
    pub fn info(&self) -> Result<JsValue, JsError> {
        let c = &self.model.config;
        let info = Info {
            layers: c.num_hidden_layers,
            heads: c.num_attention_heads,
            head_dim: c.head_dim(),
            hidden: c.hidden_size,
            vocab_size: c.vocab_size,
            max_tokens: self.model.max_tokens(),
            precision: self.model.precision.name(),
            accuracy: self.model.accuracy,
            integer_accuracy: self.model.integer_accuracy,
            integer_dot: self.model.integer_dot(),
            simd: simd_build(),
        };
        Ok(serde_wasm_bindgen::to_value(&info)?)
    }

    /// Turns the integer path (activations quantized to 8 bits, integer dot products) on or
    /// off; returns whether it is on. The engine picks it at load only where its measured
    /// accuracy allows (`integerDot` in info); the bench times both.
    #[wasm_bindgen(js_name = setIntegerDot)]
    pub fn set_integer_dot(&mut self, on: bool) -> bool {
        self.model.set_integer_dot(on)
    }

    /// The token ids of `text` as the encoder would see them ([CLS] … [SEP], truncated to
    /// maxTokens), without running it. (T,)
    #[wasm_bindgen(js_name = tokenIds)]
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, JsValue> {
        let encoding = self.model.encode(text).map_err(js_error)?;
        Ok(encoding.tokens.iter().map(|t| t.id).collect())
    }

    /// Tokenizes and runs the encoder. Errors come back as a JS Error with a `code`.
    pub fn run(&self, text: &str) -> Result<Run, JsValue> {
        Ok(Run {
            trace: self.model.run(text).map_err(js_error)?,
        })
    }

    /// The same with dismissed heads: `off` holds one byte per head, (L, H) row-major,
    /// non-zero = dismissed (its attention × 0, HF head_mask).
    #[wasm_bindgen(js_name = runMasked)]
    pub fn run_masked(&self, text: &str, off: &[u8]) -> Result<Run, JsValue> {
        let c = &self.model.config;
        let mask =
            crate::model::HeadMask::from_bytes(c.num_hidden_layers, c.num_attention_heads, off)
                .map_err(js_error)?;
        Ok(Run {
            trace: self.model.run_masked(text, &mask).map_err(js_error)?,
        })
    }
}

/// One forward pass. Free it (`run.free()`) when done: its tensors live in wasm memory.
#[wasm_bindgen]
pub struct Run {
    trace: Trace,
}

/// The page frees a run once it has copied what it reads: the next run reuses its tensors.
impl Drop for Run {
    fn drop(&mut self) {
        self.trace.recycle();
    }
}

#[wasm_bindgen]
impl Run {
    /// The run's description (trace.rs `RunSummary`): {meta: {tokens: [{text, id, word,
    /// span}], words: [{text, span, special}], wordOfToken, truncated, layers, heads, seq,
    /// headDim}, heads: [{label, strength, measures}] (L, H) row-major}.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        Ok(serde_wasm_bindgen::to_value(&self.trace.summary())?)
    }

    /// A per-head tensor copied out: attention and scores (L, H, T, T),
    /// i = ((l*H + h)*T + q)*T + k; q, k, v and context (L, H, T, Dh), i = ((l*H + h)*T + t)*Dh + d.
    pub fn tensor(&self, name: &str) -> Result<Float32Array, JsError> {
        let a = self
            .trace
            .tensor(name)
            .ok_or_else(|| JsError::new(&format!("no tensor named {name:?}")))?;
        Ok(Float32Array::from(
            a.as_slice().expect("trace tensors are contiguous"),
        ))
    }

    /// Attention rollout (src/rollout.rs). (L, T, T): i = (l*T + q)*T + k
    pub fn rollout(&self) -> Float32Array {
        let r = crate::rollout::rollout(&self.trace.attention);
        Float32Array::from(r.as_slice().expect("contiguous"))
    }

    /// The hidden state after the embeddings (0) and after each layer. (L+1, T, D):
    /// i = (l*T + t)*D + d
    pub fn states(&self) -> Float32Array {
        Float32Array::from(self.trace.states.as_slice().expect("contiguous"))
    }

    /// The last layer's output. (T, D): i = t*D + d
    pub fn hidden(&self) -> Float32Array {
        Float32Array::from(self.trace.hidden.as_slice().expect("contiguous"))
    }
}

/// Whether engines created from now on keep quantized weights quantized (on by default) or
/// widen them to f32 panels at load (the old path), for the bench's side-by-side.
#[wasm_bindgen(js_name = setKeepQuantized)]
pub fn set_keep_quantized(on: bool) {
    crate::kernels::set_keep_quantized(on);
}

/// Turns the matmul's weight prefetch off or on (on by default), for the bench's side-by-side.
#[wasm_bindgen(js_name = setWeightPrefetch)]
pub fn set_weight_prefetch(on: bool) {
    crate::kernels::set_weight_prefetch(on);
}

/// GFLOP/s of the matmul kernel alone on an (m×k)·(k×n) product, `reps` times (for the
/// bench), with the weights as `weights` says: "f32" panels, "int8" or "4bit" panels.
#[wasm_bindgen(js_name = benchMatmul)]
pub fn bench_matmul(m: usize, k: usize, n: usize, reps: usize, weights: &str) -> f64 {
    use crate::bytes::Bytes;
    use crate::kernels::{matmul, to_nibbles, Activation, Packed, Values};
    let x: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
    let int8 = Packed::from_quantized(n, k, 32, |col, q, s| {
        q.iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = ((i + col) % 15) as i8 - 8);
        s.iter_mut().for_each(|v| *v = 0.01);
    });
    let b = match weights {
        "int8" => int8,
        "4bit" => {
            let qz = int8.quantized.expect("quantized");
            let nibbles = to_nibbles(qz.q.as_i8()).expect("values in −8..7");
            Packed::from_panels(n, k, 32, Values::Nibbles, Bytes::owned(nibbles), qz.scale)
                .expect("panels fit")
        }
        _ => int8.widened(),
    };
    let mut y = vec![0.0; m * n];
    let start = js_sys::Date::now();
    for _ in 0..reps {
        matmul(&x, m, &b, &[], Activation::None, &mut y);
    }
    let ms = js_sys::Date::now() - start;
    2.0 * (m * k * n * reps) as f64 / ms / 1e6
}
