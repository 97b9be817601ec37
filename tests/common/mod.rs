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

pub fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}
