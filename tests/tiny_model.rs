//! The committed tiny random model (tests/fixtures/tiny): fast numeric checks against the
//! numpy reference, and the bad-input paths of model loading.
mod common;

use orquestra::load;
use orquestra::model::Precision;
use orquestra::{Error, Model};

fn tiny() -> Model {
    let (c, v, w) = common::tiny_parts();
    load::from_hf(&c, &v, &w).unwrap()
}

#[test]
fn tiny_model_matches_numpy_reference() {
    let model = tiny();
    let expected = common::json(common::fixtures().join("tiny/expected.json"));
    for case in expected.as_array().unwrap() {
        let trace = model.run(case["text"].as_str().unwrap()).unwrap();
        let tokens = common::token_texts(&trace.encoding);
        let want_tokens = common::strings(&case["tokens"]);
        assert_eq!(tokens, want_tokens);
        let want = common::floats(&case["attention"]);
        let diff = common::max_abs_diff(&trace.attention, &want);
        let want_h = common::floats(&case["hidden"]);
        let hdiff = common::max_abs_diff(&trace.hidden, &want_h);
        println!(
            "tiny {:?}: attention maxdiff {diff:.2e}, hidden maxdiff {hdiff:.2e}",
            case["text"]
        );
        assert_eq!(trace.attention.len(), want.len());
        assert!(diff < 1e-5 && hdiff < 1e-4);
    }
}

#[test]
fn bundles_round_trip_in_every_precision() {
    let (c, v, w) = common::tiny_parts();
    let want = tiny().run("a menina estava radiante").unwrap().attention;
    for (p, tol) in [
        (Precision::F32, 0.0),
        (Precision::F16, 0.01),
        (Precision::Int8, 0.1),
    ] {
        let bytes = load::convert(&c, &v, &w, p).unwrap();
        let model = load::from_bundle(&bytes).unwrap();
        assert_eq!(model.precision, p);
        let got = model.run("a menina estava radiante").unwrap().attention;
        let diff = common::max_abs_diff(&got, &want);
        assert!(diff <= tol, "{p:?}: {diff}");
    }
}

fn model_error<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_models_give_errors_that_name_the_problem() {
    let (c, v, w) = common::tiny_parts();
    let good = load::convert(&c, &v, &w, Precision::Int8).unwrap();
    // truncated anywhere
    for cut in [0, 7, 8, 100, good.len() / 2, good.len() - 1] {
        let msg = model_error(load::from_bundle(&good[..cut]));
        assert!(msg.contains("truncated or corrupt"), "{cut}: {msg}");
    }
    // an HF file is not a bundle
    assert!(model_error(load::from_bundle(&w)).contains("not an Orquestra bundle"));
    // a wrong shape: claim a larger hidden size
    let wrong = c.replace("\"intermediate_size\": 16", "\"intermediate_size\": 32");
    let msg = model_error(load::from_hf(&wrong, &v, &w));
    assert!(
        msg.contains("intermediate.dense.weight") && msg.contains("shape"),
        "{msg}"
    );
    // a vocabulary that does not fit the config
    let msg = model_error(load::from_hf(&c, &format!("{v}extra\n"), &w));
    assert!(msg.contains("vocab_size"), "{msg}");
    // garbage config
    assert!(model_error(load::from_hf("{", &v, &w)).contains("config.json"));
    // a path that does not exist
    let msg = model_error(load::path(std::path::Path::new("/nonexistent/model")));
    assert!(
        msg.contains("/nonexistent/model") && msg.contains("does not exist"),
        "{msg}"
    );
}

#[test]
fn empty_text_is_an_error_not_a_panic() {
    let m = tiny();
    for t in ["", "  \n\t", "\u{200b}"] {
        assert_eq!(m.run(t).err(), Some(Error::EmptyText));
    }
}

#[test]
fn long_text_is_truncated_to_the_models_positions() {
    let m = tiny();
    let trace = m.run(&"o gato dorme ".repeat(40)).unwrap();
    assert!(trace.encoding.truncated);
    assert_eq!(trace.encoding.tokens.len(), 24); // max_position_embeddings of the tiny model
}

/// The tiny model's safetensors with one f32 value of `tensor` replaced.
fn with_value(w: &[u8], tensor: &str, value: f32) -> Vec<u8> {
    let n = u64::from_le_bytes(w[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&w[8..8 + n]).unwrap();
    let start = header[tensor]["data_offsets"][0].as_u64().unwrap() as usize;
    let mut out = w.to_vec();
    out[8 + n + start..8 + n + start + 4].copy_from_slice(&value.to_le_bytes());
    out
}

#[test]
fn non_finite_weights_and_impossible_configs_are_refused_at_load() {
    let (c, v, w) = common::tiny_parts();
    for (tensor, value) in [
        ("encoder.layer.0.attention.self.query.bias", f32::NAN),
        ("encoder.layer.1.output.LayerNorm.weight", f32::INFINITY),
        ("embeddings.word_embeddings.weight", f32::NEG_INFINITY),
    ] {
        let msg = model_error(load::from_hf(&c, &v, &with_value(&w, tensor, value)));
        assert!(msg.contains(tensor) && msg.contains("finite"), "{msg}");
        // nor is it converted into a bundle
        let msg = model_error(load::convert(
            &c,
            &v,
            &with_value(&w, tensor, value),
            Precision::Int8,
        ));
        assert!(msg.contains("finite"), "{msg}");
    }
    let bad_eps = c.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": -1");
    assert_ne!(bad_eps, c);
    assert!(model_error(load::from_hf(&bad_eps, &v, &w)).contains("layer_norm_eps"));
    // 64 layers × 64 heads of 4096: refused by its size before anything is allocated.
    let huge = c
        .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 64")
        .replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 64")
        .replace("\"hidden_size\": 8", "\"hidden_size\": 4096")
        .replace(
            "\"max_position_embeddings\": 24",
            "\"max_position_embeddings\": 512",
        );
    let msg = model_error(load::from_hf(&huge, &v, &w));
    assert!(msg.contains("budget") && msg.contains("MB"), "{msg}");
}

#[test]
fn memory_budget_fits_both_real_models() {
    use orquestra::model::{Config, TRACE_BUDGET, WEIGHT_BUDGET};
    let e5 = r#"{"vocab_size":47284,"hidden_size":384,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512}"#;
    let minilm = r#"{"vocab_size":30522,"hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512}"#;
    for (name, json, mib) in [("e5", e5, (151, 334)), ("minilm", minilm, (86, 168))] {
        let c = Config::from_json(json).unwrap();
        let got = (c.weight_bytes() >> 20, c.trace_bytes(512) >> 20);
        println!(
            "{name}: weights {} MiB, trace at 512 tokens {} MiB",
            got.0, got.1
        );
        assert_eq!(got, mib, "{name}");
        assert!(c.weight_bytes() < WEIGHT_BUDGET && c.trace_bytes(512) < TRACE_BUDGET);
    }
}

/// A run on tensors recycled from a longer one (not zeroed) equals a run on fresh ones.
#[test]
fn a_run_on_recycled_tensors_equals_a_fresh_one() {
    let m = tiny();
    let want = m.run("o gato dorme").unwrap();
    let mask = orquestra::model::HeadMask::parse("1.1", 2, 2).0;
    let want_masked = m.run_masked("o gato dorme", &mask).unwrap();
    for _ in 0..2 {
        m.run("a menina estava radiante, o gato dorme")
            .unwrap()
            .recycle();
        let got = m.run("o gato dorme").unwrap();
        for name in orquestra::trace::VIEW_TENSORS {
            assert_eq!(got.tensor(name), want.tensor(name), "{name}");
        }
        assert_eq!((&got.hidden, &got.states), (&want.hidden, &want.states));
        let mut long = m.run("a menina estava radiante").unwrap();
        long.recycle();
        let got = m.run_masked("o gato dorme", &mask).unwrap();
        assert_eq!(got.attention, want_masked.attention);
        assert_eq!(got.hidden, want_masked.hidden);
    }
}
