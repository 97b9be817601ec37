//! The GGUF reader on arbitrary input never panics and never allocates past the file: random
//! bytes (bare, and behind a valid header so that they reach the metadata and the tensor
//! table), and every truncation and byte flip of a small valid GGUF built here. Errors are
//! fine; panics are not. When a damaged file still parses, every metadata getter and every
//! tensor's dequantization run on it.
//!
//! And the real file: SmolLM2's GGUF parses, holds the tensors it should, and its Q8_0, Q4_1
//! and F32 rows dequantize to what llama.cpp's own Python reader (`gguf.quants`) gives
//! (tests/fixtures/smollm/dequant_rows.json, written by scripts/make_smollm_fixtures.py).
//!
//! Seeds as in tests/fuzz_inputs.rs: `make test` runs a fixed seed after replaying the cases
//! in fuzz_gguf.proptest-regressions; ORQUESTRA_FUZZ_SEED=random (and ORQUESTRA_FUZZ_CASES)
//! for fresh seeds.
#![cfg(not(target_arch = "wasm32"))]

use orquestra::kernels::quant::GgmlType;
use orquestra::load::gguf::write::{gguf, Tensor};
use orquestra::load::gguf::{Array, Gguf, Value};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The seed of `make test`'s run. Change it only with a reason: a new seed is a new suite.
const FIXED_SEED: u64 = 20261206;

/// `cases` cases on the fixed seed, unless ORQUESTRA_FUZZ_SEED says `random` or a number, and
/// ORQUESTRA_FUZZ_CASES another count (the approach of tests/fuzz_inputs.rs).
fn config(cases: u32) -> ProptestConfig {
    let seed = match std::env::var("ORQUESTRA_FUZZ_SEED").as_deref() {
        Err(_) => FIXED_SEED,
        Ok("random") => {
            use std::hash::{BuildHasher, RandomState};
            RandomState::new().hash_one(std::process::id())
        }
        Ok(n) => n
            .parse()
            .expect("ORQUESTRA_FUZZ_SEED: unset, `random` or a number"),
    };
    let cases = std::env::var("ORQUESTRA_FUZZ_CASES")
        .map(|n| n.parse().expect("ORQUESTRA_FUZZ_CASES: a number"))
        .unwrap_or(cases);
    eprintln!("fuzz: seed {seed}, {cases} cases");
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

/// A small GGUF with what a llama file holds: scalars of several types, a string array (the
/// vocabulary), an i32 array (token types), and F32, Q8_0 and Q4_1 tensors of 1 and 2 dims.
fn small_gguf() -> Vec<u8> {
    let q8: Vec<u8> = (0..2 * 34).map(|i| (i * 37 % 251) as u8).collect();
    let q41: Vec<u8> = (0..3 * 20).map(|i| (i * 53 % 241) as u8).collect();
    let norm: Vec<u8> = [1.0f32, -2.0, 0.5, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    gguf(
        &[
            ("general.architecture", Value::String("llama".into())),
            ("llama.block_count", Value::U32(2)),
            ("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5)),
            ("tokenizer.ggml.add_bos_token", Value::Bool(false)),
            (
                "tokenizer.ggml.tokens",
                Value::Array(Array::String(vec![
                    "<|endoftext|>".into(),
                    "a".into(),
                    "Ġb".into(),
                    "ç".into(),
                ])),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array(Array::I32(vec![3, 1, 1, 1])),
            ),
            ("general.file_type", Value::U64(3)),
            ("scale", Value::F64(0.25)),
        ],
        &[
            Tensor {
                name: "output_norm.weight".into(),
                ggml_type: GgmlType::F32,
                dims: vec![4],
                data: norm,
            },
            Tensor {
                name: "token_embd.weight".into(),
                ggml_type: GgmlType::Q8_0,
                dims: vec![32, 2],
                data: q8,
            },
            Tensor {
                name: "blk.0.attn_q.weight".into(),
                ggml_type: GgmlType::Q4_1,
                dims: vec![32, 3],
                data: q41,
            },
        ],
    )
}

/// Whatever parsed: every getter on every key, and every tensor dequantized.
fn exercise(bytes: &[u8]) {
    let Ok(g) = Gguf::parse(bytes) else {
        return;
    };
    for (key, _) in &g.metadata {
        let _ = (g.u32(key), g.f32(key), g.bool(key), g.str(key));
        let _ = (g.str_array(key), g.i32_array(key), g.f32_array(key));
    }
    for t in g.views() {
        assert_eq!(t.data.len(), t.info.n_bytes);
        assert!(t.info.start + t.info.n_bytes <= bytes.len());
        if t.ggml_type().can_dequantize() {
            let all = t
                .dequantize()
                .expect("a checked tensor of a known type dequantizes");
            assert_eq!(all.len(), t.info.n_elements());
        }
    }
}

#[test]
fn smollm2_gguf_parses_and_its_rows_match_gguf_py() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.exists(),
        "{} is missing: run `make model`",
        path.display()
    );
    let bytes = std::fs::read(&path).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!((g.version, g.architecture().unwrap()), (3, "llama"));
    assert_eq!(g.u32("llama.block_count").unwrap(), 30);
    assert_eq!(g.u32("llama.attention.head_count_kv").unwrap(), 3);
    assert_eq!(g.f32("llama.rope.freq_base").unwrap(), 1e5);
    let count = |t: GgmlType| g.tensors.iter().filter(|x| x.ggml_type == t).count();
    assert_eq!(
        (
            count(GgmlType::Q4_1),
            count(GgmlType::Q8_0),
            count(GgmlType::F32)
        ),
        (210, 1, 61)
    );
    assert_eq!(g.tensors.len(), 272);
    // (49152, 576): ggml dims are row length first.
    assert_eq!(g.tensor("token_embd.weight").unwrap().dims(), [576, 49152]);
    let fixture = root.join("tests/fixtures/smollm/dequant_rows.json");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let mut maxdiff = 0.0f64;
    for r in rows.as_array().unwrap() {
        let t = g.tensor(r["tensor"].as_str().unwrap()).unwrap();
        assert_eq!(
            t.ggml_type().name().to_uppercase(),
            r["type"].as_str().unwrap()
        );
        let want: Vec<f64> = r["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut row = vec![0.0f32; t.dims()[0]]; // (dims[0],)
        t.dequantize_row(r["row"].as_u64().unwrap() as usize, &mut row)
            .unwrap();
        assert_eq!(row.len(), want.len());
        for (a, b) in row.iter().zip(&want) {
            maxdiff = maxdiff.max((*a as f64 - b).abs());
        }
    }
    println!(
        "gguf dequantize vs gguf-py: {} rows, maxdiff {maxdiff:e}",
        rows.as_array().unwrap().len()
    );
    assert!(maxdiff < 1e-6, "maxdiff {maxdiff}");
}

#[test]
fn the_small_file_parses_and_every_truncation_is_an_error() {
    let bytes = small_gguf();
    let g = Gguf::parse(&bytes).unwrap();
    assert_eq!(g.tensors.len(), 3);
    assert_eq!(g.str_array("tokenizer.ggml.tokens").unwrap().len(), 4);
    exercise(&bytes);
    for n in 0..bytes.len() {
        assert!(Gguf::parse(&bytes[..n]).is_err(), "cut at {n} parsed");
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn gguf_reader_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn gguf_reader_never_panics_behind_a_valid_header(
        version in prop_oneof![Just(2u32), Just(3u32), any::<u32>()],
        n_tensors in prop_oneof![0u64..4, any::<u64>()],
        n_kv in prop_oneof![0u64..4, any::<u64>()],
        rest in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(version.to_le_bytes());
        bytes.extend(n_tensors.to_le_bytes());
        bytes.extend(n_kv.to_le_bytes());
        bytes.extend(rest);
        exercise(&bytes);
    }

    #[test]
    fn gguf_reader_never_panics_on_a_damaged_file(
        cut in 0usize..2000,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = small_gguf();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] ^= b | 1;
        }
        bytes.truncate(cut.min(bytes.len()));
        exercise(&bytes);
    }
}
