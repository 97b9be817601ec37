//! Orquestra: a BERT-family encoder that runs natively and in WebAssembly and
//! records every head's attention, scores, Q, K, V and context vectors.
pub mod bytes;
pub mod error;
pub mod heads;
pub mod kernels;
pub mod load;
pub mod model;
pub mod rollout;
pub mod tokenizer;
pub mod trace;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub mod wasm_decoder;

pub use error::Error;
pub use model::Model;
pub use trace::Trace;

/// Floating-point operations of one forward pass over `t` tokens (multiply and add count
/// as two): the projections (about 21.2 MFLOP per token for MiniLM-L6) plus attention.
pub fn flops(c: &model::Config, t: usize) -> f64 {
    let (d, i, l, t) = (
        c.hidden_size as f64,
        c.intermediate_size as f64,
        c.num_hidden_layers as f64,
        t as f64,
    );
    let projections = 2.0 * t * (4.0 * d * d + 2.0 * d * i);
    let attention = 2.0 * 2.0 * t * t * d;
    l * (projections + attention)
}
