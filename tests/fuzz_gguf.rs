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
//! The block formats against `gguf.quants` on pseudo-random blocks (quant_blocks.json):
//! Q4_1, Q8_0, and Gemma 3's Q5_0, Q4_K, Q6_K.
//!
//! And the decoder on a tiny llama GGUF built here (1 layer, hidden 32, 2 query heads on one
//! key/value head, the 256 byte tokens and two merges, Q8_0, Q4_1 and F32 weights): it loads, tokenizes and writes; every
//! byte flip or truncation of it is an error or still runs, never a panic.
//!
//! Seeds as in tests/fuzz_inputs.rs: `make test` runs a fixed seed after replaying the cases
//! in fuzz_gguf.proptest-regressions; ORQUESTRA_FUZZ_SEED=random (and ORQUESTRA_FUZZ_CASES)
//! for fresh seeds.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use orquestra::kernels::quant::GgmlType;
use orquestra::load::gguf::{Array, Gguf, Value};
use orquestra::load::gguf_write::{gguf, Tensor};
use orquestra::model::llama::{LlamaForCausalLM, Sampling};
use proptest::prelude::*;

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
                data: norm.into(),
            },
            Tensor {
                name: "token_embd.weight".into(),
                ggml_type: GgmlType::Q8_0,
                dims: vec![32, 2],
                data: q8.into(),
            },
            Tensor {
                name: "blk.0.attn_q.weight".into(),
                ggml_type: GgmlType::Q4_1,
                dims: vec![32, 3],
                data: q41.into(),
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
fn block_formats_match_gguf_py_on_random_blocks() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/smollm/quant_blocks.json");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut types = Vec::new();
    for case in fixture.as_array().unwrap() {
        let name = case["type"].as_str().unwrap();
        let ty = [
            GgmlType::Q4_1,
            GgmlType::Q8_0,
            GgmlType::Q5_0,
            GgmlType::Q4K,
            GgmlType::Q6K,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(name))
        .unwrap();
        let hex = case["bytes"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let want: Vec<f64> = case["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut got = vec![0.0f32; want.len()];
        orquestra::kernels::quant::dequantize_row(ty, &bytes, &mut got).unwrap();
        let diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (*a as f64 - b).abs() / b.abs().max(1.0))
            .fold(0.0, f64::max);
        assert!(diff < 1e-6, "{name}: relative maxdiff {diff}");
        types.push(format!("{name} {diff:.0e}"));
    }
    println!("quant blocks vs gguf-py: {}", types.join(", "));
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

/// GPT-2's byte chars (`bytes_to_unicode`), the tiny vocabulary's first 256 tokens.
fn byte_tokens() -> Vec<String> {
    let mut n = 0;
    (0..256u32)
        .map(|b| {
            let printable = (33..=126).contains(&b) || (161..=172).contains(&b) || b >= 174;
            let c = if printable {
                b
            } else {
                n += 1;
                255 + n
            };
            char::from_u32(c).unwrap().to_string()
        })
        .collect()
}

/// A tiny llama: 1 layer, hidden 32, 2 query heads of 16 dims on 1 key/value head,
/// feed-forward 64, 260 tokens (256 bytes, "ab", "Ġa", two controls); weights from a fixed
/// LCG, the embedding and two MLP matrices in Q8_0, q_proj and up_proj in Q4_1, the rest F32.
fn tiny_llama() -> Vec<u8> {
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    let mut f32s = |n: usize| -> Vec<u8> {
        (0..n)
            .flat_map(|_| ((next() % 1000) as f32 / 2500.0 - 0.2).to_le_bytes())
            .collect()
    };
    // Blocks of 32 weights: f16 scale 0.01 (0x211F), for Q4_1 a min of -0.05 (0xAA66).
    let q8 = |rows: usize, cols: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for b in 0..rows * cols / 32 {
            out.extend([0x1F, 0x21]);
            out.extend((0..32).map(|j| ((b * 31 + j * 7) % 255) as u8));
        }
        out
    };
    let q41 = |rows: usize, cols: usize| -> Vec<u8> {
        let mut out = Vec::new();
        for b in 0..rows * cols / 32 {
            out.extend([0x1F, 0x21, 0x66, 0xAA]);
            out.extend((0..16).map(|j| ((b * 13 + j * 29) % 256) as u8));
        }
        out
    };
    let (d, kv, ff, vocab) = (32usize, 16usize, 64usize, 260usize);
    let mut tokens = byte_tokens();
    tokens.extend(["ab", "Ġa", "<|endoftext|>", "<|im_end|>"].map(String::from));
    let mut types = vec![1i32; 258];
    types.extend([3, 3]);
    let t = |name: &str, ggml_type: GgmlType, dims: Vec<usize>, data: Vec<u8>| Tensor {
        name: name.into(),
        ggml_type,
        dims,
        data: data.into(),
    };
    let tensors = vec![
        t(
            "token_embd.weight",
            GgmlType::Q8_0,
            vec![d, vocab],
            q8(vocab, d),
        ),
        t("blk.0.attn_norm.weight", GgmlType::F32, vec![d], f32s(d)),
        t("blk.0.attn_q.weight", GgmlType::Q4_1, vec![d, d], q41(d, d)),
        t(
            "blk.0.attn_k.weight",
            GgmlType::F32,
            vec![d, kv],
            f32s(d * kv),
        ),
        t(
            "blk.0.attn_v.weight",
            GgmlType::F32,
            vec![d, kv],
            f32s(d * kv),
        ),
        t(
            "blk.0.attn_output.weight",
            GgmlType::F32,
            vec![d, d],
            f32s(d * d),
        ),
        t("blk.0.ffn_norm.weight", GgmlType::F32, vec![d], f32s(d)),
        t(
            "blk.0.ffn_gate.weight",
            GgmlType::Q8_0,
            vec![d, ff],
            q8(ff, d),
        ),
        t(
            "blk.0.ffn_up.weight",
            GgmlType::Q4_1,
            vec![d, ff],
            q41(ff, d),
        ),
        t(
            "blk.0.ffn_down.weight",
            GgmlType::Q8_0,
            vec![ff, d],
            q8(d, ff),
        ),
        t("output_norm.weight", GgmlType::F32, vec![d], f32s(d)),
    ];
    let s = |v: &str| Value::String(v.into());
    gguf(
        &[
            ("general.architecture", s("llama")),
            ("llama.block_count", Value::U32(1)),
            ("llama.context_length", Value::U32(64)),
            ("llama.embedding_length", Value::U32(d as u32)),
            ("llama.feed_forward_length", Value::U32(ff as u32)),
            ("llama.attention.head_count", Value::U32(2)),
            ("llama.attention.head_count_kv", Value::U32(1)),
            ("llama.rope.freq_base", Value::F32(10_000.0)),
            ("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5)),
            ("tokenizer.ggml.model", s("gpt2")),
            ("tokenizer.ggml.pre", s("smollm")),
            ("tokenizer.ggml.tokens", Value::Array(Array::String(tokens))),
            ("tokenizer.ggml.token_type", Value::Array(Array::I32(types))),
            (
                "tokenizer.ggml.merges",
                Value::Array(Array::String(vec!["a b".into(), "Ġ a".into()])),
            ),
            ("tokenizer.ggml.eos_token_id", Value::U32(259)),
            ("tokenizer.ggml.add_bos_token", Value::Bool(false)),
        ],
        &tensors,
    )
}

/// Whatever loaded: tokenize, run, write two tokens.
fn run_decoder(bytes: Vec<u8>) {
    let Ok(m) = LlamaForCausalLM::from_gguf(bytes) else {
        return;
    };
    let Ok(e) = m.tokenizer.encode_max("a ab\u{e7}<|im_end|>", 16) else {
        return;
    };
    let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
    if let Ok(trace) = m.forward(&ids) {
        let _ = m.logit_lens(&trace, ids.len() - 1, 3);
    }
    let _ = m.generate(&ids, 2, Sampling::Greedy);
}

#[test]
fn a_tiny_llama_loads_and_writes() {
    let m = LlamaForCausalLM::from_gguf(tiny_llama()).unwrap();
    let e = m.tokenizer.encode_max("ab a", 16).unwrap();
    let texts: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["ab", "Ġa"]);
    let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
    let trace = m.forward(&ids).unwrap();
    assert_eq!(trace.attention.len(), 2 * 2 * 2); // (L, H, T, T)
    assert_eq!(trace.kv_head, [0, 0]);
    assert!(trace.logits.iter().all(|v| v.is_finite()));
    let g = m.generate(&ids, 5, Sampling::Greedy).unwrap();
    assert!(g.tokens.len() <= 5 && (g.ended || g.tokens.len() == 5));
    // Too long a prompt for its 64 positions is an error.
    assert!(m.forward(&[97; 65]).is_err());
    // Every truncation fails to load, never panics.
    let bytes = tiny_llama();
    for n in (0..bytes.len()).step_by(97) {
        assert!(
            LlamaForCausalLM::from_gguf(bytes[..n].to_vec()).is_err(),
            "cut at {n}"
        );
    }
}

proptest! {
    #![proptest_config(common::fuzz_config(3000))]

    #[test]
    fn decoder_never_panics_on_a_damaged_tiny_llama(
        cut in 0usize..40_000,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = tiny_llama();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] ^= b | 1;
        }
        bytes.truncate(cut.min(bytes.len()));
        run_decoder(bytes);
    }

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
