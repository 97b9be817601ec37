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
