//! The default web bundle (int8) against the f32 model on the committed sentence set
//! (tests/fixtures/sentences.json): size, attention error and top-attended key.
mod common;

use orquestra::load::{self, HfDir};
use orquestra::model::Precision;

fn compare(precision: Precision) -> (usize, f32, f64) {
    let hf = HfDir::read(&common::model_dir()).unwrap();
    let reference = hf.model().unwrap();
    let bytes = hf.convert(precision).unwrap();
    let model = load::from_bundle(&bytes).unwrap();
    let sentences = common::json(common::fixtures().join("sentences.json"));
    let (mut worst, mut rows, mut same_top) = (0.0f32, 0usize, 0usize);
    for s in sentences.as_array().unwrap() {
        let s = s.as_str().unwrap();
        let (a, b) = (
            reference.run(s).unwrap().attention,
            model.run(s).unwrap().attention,
        );
        worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(worst, f32::max);
        for (ra, rb) in a.rows().into_iter().zip(b.rows()) {
            let argmax = |r: ndarray::ArrayView1<f32>| {
                r.iter()
                    .enumerate()
                    .fold((0, f32::MIN), |m, (i, &v)| if v > m.1 { (i, v) } else { m })
                    .0
            };
            rows += 1;
            same_top += (argmax(ra) == argmax(rb)) as usize;
        }
    }
    let agree = same_top as f64 / rows as f64;
    println!(
        "{}: bundle {:.2} MB, attention max abs diff {worst:.4}, same top key in {:.2}% of {rows} rows",
        precision.name(),
        bytes.len() as f64 / 1e6,
        agree * 100.0
    );
    (bytes.len(), worst, agree)
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
