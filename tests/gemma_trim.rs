//! The pt+en bundle of Gemma 3 270M (issue 25, item 2): `orquestra trim` on the real GGUF with
//! the committed keep list (scripts/gemma3-keep.txt, made by scripts/make_gemma_vocab.py)
//! gives a file that parses, holds exactly the kept pieces in order (tokens, scores, types),
//! the kept rows of token_embd byte for byte, every other tensor unchanged, the special ids
//! where they were, each new id's original id, and is at most 110 MB. The engine's tokenizer
//! (src/tokenizer/spm.rs) over the trimmed vocabulary: on the held-out corpus its pieces are
//! the untrimmed ones on exactly the texts the measurement says (tests/fixtures/gemma/
//! trim_measure.json, made with SentencePiece by scripts/measure_gemma_trim.py), and every
//! string of the tokenizer corpus still encodes (no <unk>) and decodes back. And the CLI: it writes
//! a small file built here and refuses a list that drops <bos> or <eos>, or names an id
//! outside the vocabulary, or an output that is the model itself.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use orquestra::kernels::quant::GgmlType;
use orquestra::load::gguf::{Array, Gguf, Value};
use orquestra::load::gguf_write::{gguf, Tensor};
use orquestra::load::trim::{parse_keep_list, trim_vocab, SOURCE_IDS, SOURCE_SIZE};
use orquestra::model::llama::LlamaConfig;
use orquestra::tokenizer::Spm;

const BIN: &str = env!("CARGO_BIN_EXE_orquestra");
/// The target for the download.
const MAX_BUNDLE_BYTES: usize = 110_000_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Gemma 3 270M's GGUF (scripts/fetch_gemma.sh fetches it). A missing file fails the test.
fn gguf_path() -> PathBuf {
    let path = root().join("models/gemma3-270m/gemma-3-270m-q4_k_m.gguf");
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch_gemma.sh",
        path.display()
    );
    path
}

fn keep_list() -> Vec<u32> {
    parse_keep_list(&std::fs::read_to_string(root().join("scripts/gemma3-keep.txt")).unwrap())
        .unwrap()
}

/// The untrimmed file's bytes and the trimmed file's, made once.
fn files() -> &'static (Vec<u8>, Vec<u8>) {
    static F: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    F.get_or_init(|| {
        let bytes = std::fs::read(gguf_path()).unwrap();
        let trimmed = trim_vocab(&Gguf::parse(&bytes).unwrap(), &keep_list()).unwrap();
        (bytes, trimmed.bytes)
    })
}

#[test]
fn the_real_gemma_trims_to_the_kept_pieces_under_110_mb() {
    let bytes = std::fs::read(gguf_path()).unwrap();
    let src = Gguf::parse(&bytes).unwrap();
    let keep = keep_list();
    let t = trim_vocab(&src, &keep).unwrap();
    let g = Gguf::parse(&t.bytes).unwrap();

    let v = src.str_array("tokenizer.ggml.tokens").unwrap().len();
    assert_eq!((v, t.source_size), (262_144, 262_144));
    let pick = |a: &[String]| {
        keep.iter()
            .map(|&i| a[i as usize].clone())
            .collect::<Vec<_>>()
    };
    let tokens = g.str_array("tokenizer.ggml.tokens").unwrap();
    assert_eq!(
        tokens,
        pick(src.str_array("tokenizer.ggml.tokens").unwrap())
    );
    let scores = src.f32_array("tokenizer.ggml.scores").unwrap();
    let types = src.i32_array("tokenizer.ggml.token_type").unwrap();
    assert_eq!(
        g.f32_array("tokenizer.ggml.scores").unwrap(),
        keep.iter().map(|&i| scores[i as usize]).collect::<Vec<_>>()
    );
    assert_eq!(
        g.i32_array("tokenizer.ggml.token_type").unwrap(),
        keep.iter().map(|&i| types[i as usize]).collect::<Vec<_>>()
    );
    assert_eq!(
        g.get(SOURCE_IDS),
        Some(&Value::Array(Array::U32(keep.clone())))
    );
    assert_eq!(g.u32(SOURCE_SIZE).unwrap(), 262_144);
    // The low specials keep their numbers; the rest of the metadata is the source's.
    for (key, id) in [("bos", 2), ("eos", 1), ("unknown", 3), ("padding", 0)] {
        assert_eq!(
            g.u32(&format!("tokenizer.ggml.{key}_token_id")).unwrap(),
            id
        );
    }
    for (key, value) in &src.metadata {
        if !key.starts_with("tokenizer.ggml.") {
            assert_eq!(g.get(key), Some(value), "{key}");
        }
    }
    // Every byte piece, user-defined piece and the chat's control pieces are there.
    let n_type = |ty: i32, types: &[i32]| types.iter().filter(|&&x| x == ty).count();
    let new_types = g.i32_array("tokenizer.ggml.token_type").unwrap();
    assert_eq!(n_type(6, new_types), 256);
    assert_eq!(n_type(4, new_types), n_type(4, types));
    for piece in [
        "<mask>",
        "<start_of_turn>",
        "<end_of_turn>",
        "\n",
        "▁",
        "ç",
        "ã",
    ] {
        assert!(tokens.iter().any(|t| t == piece), "{piece:?} was dropped");
    }
    // The kept rows byte for byte; every other tensor unchanged.
    let (a, b) = (
        src.tensor("token_embd.weight").unwrap(),
        g.tensor("token_embd.weight").unwrap(),
    );
    assert_eq!(
        (b.ggml_type(), b.dims()),
        (GgmlType::Q8_0, &[640, keep.len()][..])
    );
    for (new, &old) in keep.iter().enumerate() {
        assert_eq!(b.row_bytes(new), a.row_bytes(old as usize), "row {old}");
    }
    assert_eq!(g.tensors.len(), src.tensors.len());
    for s in src.views().filter(|s| s.name() != "token_embd.weight") {
        let n = g.tensor(s.name()).unwrap();
        assert_eq!(
            (n.ggml_type(), n.dims(), n.data),
            (s.ggml_type(), s.dims(), s.data),
            "{}",
            s.name()
        );
    }
    let c = LlamaConfig::from_gguf(&g).unwrap();
    assert_eq!(c.vocab_size, keep.len());

    let (before, after) = t.embedding_bytes;
    eprintln!(
        "gemma trim: {} of {v} pieces, token_embd Q8_0 {:.1} MB -> {:.1} MB, bundle {} bytes ({:.1} MB, was {:.1} MB)",
        keep.len(),
        before as f64 / 1e6,
        after as f64 / 1e6,
        t.bytes.len(),
        t.bytes.len() as f64 / 1e6,
        bytes.len() as f64 / 1e6
    );
    assert!(t.bytes.len() <= MAX_BUNDLE_BYTES, "{} bytes", t.bytes.len());
    // The Makefile's bundle, when it was built, is this file.
    let built = root().join("models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf");
    if built.exists() {
        assert!(
            std::fs::read(&built).unwrap() == t.bytes,
            "{} is stale: run make",
            built.display()
        );
    }
}

#[test]
fn the_engine_tokenizer_reads_the_trimmed_vocabulary() {
    let (full, trimmed) = files();
    let full = Spm::from_gguf(&Gguf::parse(full).unwrap()).unwrap();
    let trimmed = Spm::from_gguf(&Gguf::parse(trimmed).unwrap()).unwrap();
    assert_eq!(trimmed.vocab_size(), keep_list().len());
    assert_eq!(
        (trimmed.bos, trimmed.eos, trimmed.add_bos),
        (Some(2), Some(1), true)
    );
    let pieces = |spm: &Spm, text: &str| -> Vec<String> {
        let e = spm.encode_max(text, 1_000_000).unwrap();
        e.tokens.iter().map(|t| t.text.clone()).collect()
    };
    // The held-out corpus: equal exactly where the measurement (SentencePiece) says.
    let measure = common::json(common::fixtures().join("gemma/trim_measure.json"));
    let rows = measure["per_text"].as_array().unwrap();
    let mut equal = 0;
    for row in rows {
        let text = row["text"].as_str().unwrap();
        let same = pieces(&full, text) == pieces(&trimmed, text);
        assert_eq!(
            same,
            row["tokenization_equal"].as_bool().unwrap(),
            "{text:?}: {:?} / {:?}",
            pieces(&full, text),
            pieces(&trimmed, text)
        );
        equal += usize::from(same);
    }
    assert_eq!(
        equal as u64,
        measure["tokenization_equal"].as_u64().unwrap()
    );
    eprintln!(
        "gemma trim: held-out tokenization equal on {equal} of {} texts (engine tokenizer)",
        rows.len()
    );
    // Any text still encodes: the tokenizer corpus (other scripts, emoji, control chars, runs
    // of spaces and newlines, typed specials) with no <unk> but a typed one, decoding back to
    // what the untrimmed model's pieces decode to.
    let corpus = common::json(common::fixtures().join("gemma/tokenizer_corpus.json"));
    let (mut n, mut same) = (0, 0);
    for &text in &common::strings(&corpus) {
        let (Ok(a), Ok(b)) = (
            full.encode_max(text, 1_000_000),
            trimmed.encode_max(text, 1_000_000),
        ) else {
            continue; // an empty text is an error for both
        };
        let ids: Vec<u32> = b.tokens.iter().map(|t| t.id).collect();
        let full_ids: Vec<u32> = a.tokens.iter().map(|t| t.id).collect();
        // <unk> (3 in both) only where the text types it.
        let unk = |ids: &[u32]| ids.iter().filter(|&&i| i == 3).count();
        assert_eq!(unk(&ids), unk(&full_ids), "{text:?}");
        assert_eq!(trimmed.decode(&ids), full.decode(&full_ids), "{text:?}");
        n += 1;
        same += usize::from(
            a.tokens
                .iter()
                .map(|t| &t.text)
                .eq(b.tokens.iter().map(|t| &t.text)),
        );
    }
    assert!(n >= 1000, "{n}");
    eprintln!(
        "gemma trim: tokenizer corpus: {same} of {n} strings tokenize as before, all decode back"
    );
}

/// A small SentencePiece-like GGUF: <pad> <eos> <bos> <unk>, two byte pieces, four words;
/// token_embd Q8_0 (32 × 10) and a norm.
fn small() -> Vec<u8> {
    let tokens = [
        "<pad>", "<eos>", "<bos>", "<unk>", "<0x00>", "<0x01>", "▁a", "b", "▁ab", "c",
    ];
    let v = tokens.len();
    let embd: Vec<u8> = (0..v * 34).map(|i| (i * 29 % 253) as u8).collect();
    gguf(
        &[
            ("general.architecture", Value::String("gemma3".into())),
            ("tokenizer.ggml.model", Value::String("llama".into())),
            (
                "tokenizer.ggml.tokens",
                Value::Array(Array::String(
                    tokens.iter().map(|t| t.to_string()).collect(),
                )),
            ),
            (
                "tokenizer.ggml.scores",
                Value::Array(Array::F32((0..v).map(|i| -(i as f32)).collect())),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array(Array::I32(vec![3, 3, 3, 3, 6, 6, 1, 1, 1, 1])),
            ),
            ("tokenizer.ggml.bos_token_id", Value::U32(2)),
            ("tokenizer.ggml.eos_token_id", Value::U32(1)),
        ],
        &[
            Tensor {
                name: "token_embd.weight".into(),
                ggml_type: GgmlType::Q8_0,
                dims: vec![32, v],
                data: embd.into(),
            },
            Tensor {
                name: "output_norm.weight".into(),
                ggml_type: GgmlType::F32,
                dims: vec![2],
                data: [1.0f32, 2.0]
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect::<Vec<_>>()
                    .into(),
            },
        ],
    )
}

fn trim(model: &Path, keep: &Path, out: &Path) -> (i32, String, String) {
    let child = Command::new(BIN)
        .args(["trim", "--model"])
        .arg(model)
        .arg("--keep")
        .arg(keep)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::finish(child, Duration::from_secs(60), "orquestra trim")
}

#[test]
fn the_cli_trims_a_small_file_and_refuses_a_bad_list() {
    let dir = std::env::temp_dir().join(format!("orquestra-trim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("small.gguf");
    std::fs::write(&model, small()).unwrap();
    let keep = dir.join("keep.txt");
    let out = dir.join("small-trimmed.gguf");

    std::fs::write(&keep, "# kept ids\n0\n1\n2\n3\n4\n5\n8\n").unwrap();
    let (code, _, err) = trim(&model, &keep, &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("7 of 10 pieces"), "{err}");
    let (src_bytes, out_bytes) = (small(), std::fs::read(&out).unwrap());
    let (src, g) = (
        Gguf::parse(&src_bytes).unwrap(),
        Gguf::parse(&out_bytes).unwrap(),
    );
    assert_eq!(
        g.str_array("tokenizer.ggml.tokens").unwrap(),
        ["<pad>", "<eos>", "<bos>", "<unk>", "<0x00>", "<0x01>", "▁ab"]
    );
    let (a, b) = (
        src.tensor("token_embd.weight").unwrap(),
        g.tensor("token_embd.weight").unwrap(),
    );
    assert_eq!(b.row_bytes(6), a.row_bytes(8));
    assert!(!dir.join("small-trimmed.gguf.part").exists());

    let refused = |list: &str, says: &str| {
        std::fs::write(&keep, list).unwrap();
        std::fs::remove_file(&out).ok();
        let (code, _, err) = trim(&model, &keep, &out);
        assert_eq!(code, 1, "{list:?}: {err}");
        assert!(err.contains(says), "{list:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{list:?} wrote a file");
    };
    refused("0 1 3 4 5 8", "drops \"<bos>\" (id 2");
    refused("0 2 3 4 5 8", "drops \"<eos>\" (id 1");
    refused(
        "0 1 2 3 4 5 10",
        "id 10, outside the vocabulary of 10 pieces",
    );
    refused("0 1 2 3 4 8", "drops byte piece \"<0x01>\"");
    refused("0 1 2 3 4 5 eight", "not an id");

    std::fs::write(&keep, "0 1 2 3 4 5").unwrap();
    let (code, _, err) = trim(&model, &keep, &model);
    assert_eq!(code, 1);
    assert!(err.contains("the model itself"), "{err}");
    assert_eq!(std::fs::read(&model).unwrap(), small());
    std::fs::remove_dir_all(&dir).ok();
}
