//! The default web bundle (int8) against the f32 model on the committed sentence set
//! (tests/fixtures/sentences.json): size, attention error and top-attended key.
mod common;

use orquestra::load::{self, accuracy, HfDir};
use orquestra::model::Precision;

fn compare(precision: Precision) -> (usize, f32, f64) {
    let hf = HfDir::read(&common::model_dir()).unwrap();
    let reference = hf.model().unwrap();
    let bytes = hf.convert(precision).unwrap();
    let model = load::from_bundle(&bytes).unwrap();
    let sentences = common::json(common::fixtures().join("sentences.json"));
    let a = accuracy::measure_on(&reference, &model, &common::strings(&sentences)).unwrap();
    println!(
        "{}: bundle {:.2} MB, attention max abs diff {:.4}, same top key in {:.2}% of the rows of {} sentences",
        precision.name(),
        bytes.len() as f64 / 1e6,
        a.max_attention_diff,
        a.same_top_key * 100.0,
        a.sentences
    );
    (bytes.len(), a.max_attention_diff, a.same_top_key as f64)
}

#[test]
fn default_int8_bundle_is_small_and_close_to_f32() {
    let (size, diff, agree) = compare(Precision::Int8);
    assert!(size <= 25_000_000, "bundle is {size} bytes");
    assert!(diff <= 0.03, "attention differs by {diff}");
    assert!(agree >= 0.985, "top key agrees in {agree}");
}

#[test]
fn f16_bundle_is_closer_still() {
    let (_, diff, agree) = compare(Precision::F16);
    assert!(diff <= 0.005 && agree >= 0.995, "{diff} {agree}");
}

/// The integer path (activations to 8 bits, integer dot products) is measured by `convert`
/// and stored in the bundle; the stored measure is what a new measurement gives, on the
/// hidden-style sentences of both models; a model takes the path only where the measure
/// allows (attention within 0.03, the same top piece in ≥ 98.5% of rows).
#[test]
fn integer_path_is_measured_and_used_only_where_it_stays_close() {
    let hf = HfDir::read(&common::model_dir()).unwrap();
    let minilm_f32 = hf.model().unwrap();
    let minilm = load::from_bundle(&hf.convert(Precision::Int8).unwrap()).unwrap();
    let e5 = load::path(&common::e5_bundle()).unwrap();
    let e5_f32_path = {
        let mut m = load::path(&common::e5_bundle()).unwrap();
        m.set_integer_dot(false);
        m
    };
    for (name, reference, mut model) in [("minilm", minilm_f32, minilm), ("e5", e5_f32_path, e5)] {
        let stored = model
            .integer_accuracy
            .expect("convert measures the integer path");
        let gate = stored.max_attention_diff <= 0.03 && stored.same_top_key >= 0.985;
        assert_eq!(
            model.integer_dot(),
            gate,
            "{name}: the path is on only where it passes"
        );
        assert!(model.set_integer_dot(true));
        let again = accuracy::measure(&reference, &model).unwrap();
        println!(
            "{name} integer path: attention max abs diff {:.4}, same top key in {:.2}% of rows (on by default: {gate})",
            again.max_attention_diff,
            again.same_top_key * 100.0
        );
        assert_eq!(again, stored, "{name}: the stored measure is the measure");
        assert!(
            again.max_attention_diff > 0.0,
            "{name}: the integer path changes the numbers"
        );
    }
}
