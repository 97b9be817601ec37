//! The engine in headless Chromium on the tiny model: the same numbers as the numpy
//! reference that the native test checks (tests/tiny_model.rs), in both wasm builds.
#![cfg(target_arch = "wasm32")]
use orquestra::bundle::{self, Precision};
use orquestra::Model;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = include_str!("fixtures/tiny/config.json");
const VOCAB: &str = include_str!("fixtures/tiny/vocab.txt");
const WEIGHTS: &[u8] = include_bytes!("fixtures/tiny/model.safetensors");
const EXPECTED: &str = include_str!("fixtures/tiny/expected.json");

#[wasm_bindgen_test]
fn tiny_model_in_the_browser_matches_the_reference() {
    let model = Model::from_parts(CONFIG, VOCAB, WEIGHTS).unwrap();
    let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    for case in expected.as_array().unwrap() {
        let trace = model.run(case["text"].as_str().unwrap()).unwrap();
        let want: Vec<f32> = case["attention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(trace.attention.len(), want.len());
        let diff = trace
            .attention
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        console_log!(
            "wasm (simd128: {}) tiny {}: attention maxdiff {diff:.2e}",
            cfg!(target_feature = "simd128"),
            case["text"]
        );
        assert!(diff < 1e-5, "maxdiff {diff}");
        for row in trace.attention.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
        }
    }
}

#[wasm_bindgen_test]
fn bad_bundles_are_errors_not_traps() {
    let good = bundle::convert(CONFIG, VOCAB, WEIGHTS, Precision::Int8).unwrap();
    assert!(Model::from_bundle(&good).is_ok());
    for cut in [0, 9, good.len() / 3, good.len() - 1] {
        assert!(Model::from_bundle(&good[..cut]).is_err());
    }
    let model = Model::from_bundle(&good).unwrap();
    assert!(model.run("   ").is_err());
}
