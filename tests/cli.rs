//! The command line on hostile input: never a panic (exit 101), always a message and a
//! non-zero exit; text from standard input or a file.
#![cfg(unix)]
mod common;

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_orquestra");

fn tiny() -> String {
    common::fixtures().join("tiny").display().to_string()
}

/// Runs to the end (or fails the test after 20 s): (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(20), "the CLI hangs");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn no_panic(code: i32, err: &str) {
    assert!(code != 101 && !err.contains("panicked"), "a panic: {err}");
    assert!(
        code != 0 && err.starts_with("orquestra: "),
        "exit {code}: {err}"
    );
}

#[test]
fn a_non_utf8_argument_is_a_message() {
    let (code, _, err) = run(Command::new(BIN)
        .args(["attention", "--model", &tiny()])
        .arg(std::ffi::OsStr::from_bytes(b"caf\xe9")));
    no_panic(code, &err);
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn a_closed_standard_output_is_a_message() {
    // A pipe whose reader is gone before the CLI writes, as with `| head -c 0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(BIN)
        .args(["bench", "--model", &tiny(), "--runs", "1"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    no_panic(out.status.code().unwrap_or(-1), &err);
    assert!(err.contains("standard output"), "{err}");
}

#[test]
fn a_fifo_as_the_model_is_refused_not_waited_on() {
    let dir = std::env::temp_dir().join(format!("orquestra-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("model.safetensors");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, _, err) = run(Command::new(BIN)
        .args(["attention", "--model"])
        .arg(&fifo)
        .arg("texto"));
    no_panic(code, &err);
    assert!(err.contains("not a regular file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_on_a_vocabulary_that_splits_word_is_a_message() {
    let dir = std::env::temp_dir().join(format!("orquestra-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The tiny 4-bit model has no piece "word": it is several pieces.
    let json = dir.join("tokenizer.json");
    std::fs::write(&json, r#"{"normalizer":{"type":"Sequence","normalizers":[{"type":"Precompiled","precompiled_charsmap":"BAAAAAAAAAA="},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "}]},"pre_tokenizer":{"type":"Metaspace","replacement":"▁","add_prefix_space":true},"model":{"type":"Unigram"}}"#).unwrap();
    let bundle = dir.join("tiny.q4_0.safetensors");
    let bin = common::fixtures().join("e5/tiny/model.bin");
    let (code, _, err) = run(Command::new(BIN)
        .args(["convert", "--model"])
        .arg(&bin)
        .arg("--tokenizer")
        .arg(&json)
        .arg("--out")
        .arg(&bundle));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(Command::new(BIN).args(["bench", "--model"]).arg(&bundle));
    no_panic(code, &err);
    assert!(err.contains("\"word\" is not one piece"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_from_standard_input_and_from_a_file() {
    let mut child = Command::new(BIN)
        .args(["attention", "--model", &tiny(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("a menina estava radiante".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        common::strings(&line["words"]),
        ["[CLS]", "a", "menina", "estava", "radiante", "[SEP]"]
    );
    let file = std::env::temp_dir().join(format!("orquestra-text-{}", std::process::id()));
    std::fs::write(&file, "o gato dorme").unwrap();
    let (code, out, err) = run(Command::new(BIN)
        .args(["attention", "--model", &tiny(), "--text-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"dorme\""), "{out}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn ablate_and_rollout_write_their_arrays_and_name_what_they_ignore() {
    let dir = std::env::temp_dir().join(format!("orquestra-cli-ablate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |n: &str| dir.join(n).display().to_string();
    let (code, out, err) = run(Command::new(BIN).args([
        "attention",
        "--model",
        &tiny(),
        "--ablate",
        "2.1,9.9,x",
        "--out",
        &file("a.npy"),
        "--rollout",
        &file("r.npy"),
        "--hidden",
        &file("h.npy"),
        "a menina",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ignored 9.9, x"), "{err}");
    let brief: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let t = brief["tokens"].as_array().unwrap().len();
    let a: ndarray::Array4<f32> = ndarray_npy::read_npy(file("a.npy")).unwrap();
    let r: ndarray::Array3<f32> = ndarray_npy::read_npy(file("r.npy")).unwrap();
    let h: ndarray::Array3<f32> = ndarray_npy::read_npy(file("h.npy")).unwrap();
    assert_eq!(
        (a.dim().0, a.dim().2, r.dim(), h.dim().0, h.dim().1),
        (2, t, (2, t, t), 3, t)
    );
    assert_eq!(
        a.slice(ndarray::s![1, 0, .., ..]).sum(),
        0.0,
        "head 2.1 is dismissed"
    );
    assert!((a.slice(ndarray::s![1, 1, .., ..]).sum() - t as f32).abs() < 1e-4);
    std::fs::remove_dir_all(&dir).ok();
}
