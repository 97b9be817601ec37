//! How far a quantized bundle's attention lies from the full-precision model it was made
//! from: measured by `convert` on a fixed set of sentences and stored in the bundle, so the
//! page can say what its numbers are worth.
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::Model;

/// Metadata key of the measurement (JSON of [`Accuracy`]).
pub const ACCURACY_KEY: &str = "orquestra.accuracy";
/// Metadata key of the integer path's measurement (`kernels::intdot`), against the same
/// reference: the f32 model, or for a model published quantized its own weights on the f32 path.
pub const INTEGER_ACCURACY_KEY: &str = "orquestra.integer_accuracy";

/// English and Portuguese, short and long, punctuation and words split into pieces.
pub const SENTENCES: [&str; 8] = [
    "The animal didn't cross the street because it was too tired.",
    "The girl who, after a long walk through the park, adopted several stray dogs, was radiant.",
    "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante.",
    "Sentei no banco da praça e fui ao banco sacar dinheiro.",
    "I deposited the check at the bank by the river bank.",
    "Ela sorriu.",
    "Transformers read every word at once; recurrent networks read one word at a time.",
    "O gato, que dormia no sofá desde cedo, acordou quando a porta bateu com o vento.",
];

/// Attention of a quantized model against its full-precision source, over [`SENTENCES`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accuracy {
    pub sentences: usize,
    /// Largest |a − a_f32| over every layer, head and pair of pieces.
    pub max_attention_diff: f32,
    /// Share of attention rows whose most-attended piece is the same.
    pub same_top_key: f32,
}

pub fn measure(reference: &Model, quantized: &Model) -> Result<Accuracy> {
    measure_on(reference, quantized, &SENTENCES)
}

/// The same over any sentences (tests/bundle_accuracy.rs uses the committed set).
pub fn measure_on(reference: &Model, quantized: &Model, sentences: &[&str]) -> Result<Accuracy> {
    let (mut worst, mut rows, mut same) = (0.0f32, 0usize, 0usize);
    for &s in sentences {
        let (a, b) = (reference.run(s)?.attention, quantized.run(s)?.attention);
        worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(worst, f32::max);
        for (ra, rb) in a.rows().into_iter().zip(b.rows()) {
            rows += 1;
            same += (argmax(ra.iter()) == argmax(rb.iter())) as usize;
        }
    }
    Ok(Accuracy {
        sentences: sentences.len(),
        max_attention_diff: worst,
        same_top_key: same as f32 / rows as f32,
    })
}

fn argmax<'a>(xs: impl Iterator<Item = &'a f32>) -> usize {
    xs.enumerate()
        .fold((0, f32::MIN), |m, (i, &v)| if v > m.1 { (i, v) } else { m })
        .0
}
