//! Shared by the integration tests: where the fixtures and the default model live.
#![allow(dead_code)]
use std::path::PathBuf;

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The default model directory (`make model` fills it). A missing model fails the test:
/// these checks must not pass by being skipped.
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("ORQUESTRA_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2")
        });
    assert!(
        dir.join("model.safetensors").exists(),
        "{} has no model: run `make model`",
        dir.display()
    );
    dir
}

/// The multilingual model's bundle (`make model` writes it).
pub fn e5_bundle() -> PathBuf {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/e5-small-enpt.q4_0.safetensors");
    assert!(
        path.exists(),
        "{} is missing: run `make model`",
        path.display()
    );
    path
}

pub fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// A JSON array of strings.
pub fn strings(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|t| t.as_str().expect("a string"))
        .collect()
}

/// A JSON array of numbers as f32.
pub fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

pub fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f32>,
    b: impl IntoIterator<Item = &'a f32>,
) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The token texts of an encoding.
pub fn token_texts(e: &orquestra::tokenizer::Encoding) -> Vec<&str> {
    e.tokens.iter().map(|t| t.text.as_str()).collect()
}

/// The committed tiny model's (config.json, vocab.txt, model.safetensors).
#[cfg(not(target_arch = "wasm32"))]
pub fn tiny_parts() -> (String, String, Vec<u8>) {
    let hf = orquestra::load::HfDir::read(&fixtures().join("tiny")).unwrap();
    (hf.config_json, hf.vocab_txt, hf.safetensors)
}

/// The seed of `make test`'s property tests. Change it only with a reason: a new seed is a new
/// suite.
pub const FIXED_SEED: u64 = 20261206;

/// `cases` cases on the fixed seed (after proptest replays the committed regression file),
/// unless ORQUESTRA_FUZZ_SEED says `random` or a number, and ORQUESTRA_FUZZ_CASES another
/// count (`make fuzz` sets both).
pub fn fuzz_config(cases: u32) -> proptest::prelude::ProptestConfig {
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
    proptest::prelude::ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..Default::default()
    }
}

/// Waits for a spawned CLI (its output piped) to end, failing the test after `limit` (the child
/// killed): (exit code, stdout, stderr). Pipes are read at the end: the outputs the tests
/// make are far under a pipe's buffer.
pub fn finish(
    mut child: std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> (i32, String, String) {
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("the CLI still runs after {limit:?}: {what}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}
