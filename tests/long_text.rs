//! Long texts: the tokenizers read only the prefix the 512-token limit needs, with the same
//! pieces, words, spans and truncation as reading the whole text; a 2 MB paste stays fast.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use orquestra::load;
use orquestra::tokenizer::{Encoding, Tokenizer, MAX_TOKENS};
use std::time::Instant;

/// The whole text, the slow way: the tokenizer itself, without the prefix.
fn whole(t: &Tokenizer, text: &str) -> Encoding {
    match t {
        Tokenizer::WordPiece(w) => w.encode_max(text, MAX_TOKENS).unwrap(),
        Tokenizer::Unigram(u) => u.encode_max(text, MAX_TOKENS).unwrap(),
        Tokenizer::Bpe(b) => b.encode_max(text, MAX_TOKENS).unwrap(),
        Tokenizer::Spm(s) => s.encode_max(text, MAX_TOKENS).unwrap(),
    }
}

/// Deterministic texts mixing words, accents, punctuation, runs of spaces and newlines.
fn texts() -> Vec<String> {
    let pool = [
        "menina",
        "ação",
        "coração",
        "d'água",
        "disse-lhe",
        "the",
        "cat",
        ",",
        ".",
        "  ",
        "\n",
        "😀",
        "中文",
        "São",
        "x",
        "3,14",
        "e\u{301}",
        "   ",
        "a",
    ];
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    (0..12)
        .map(|k| {
            let n = 2_000 + k * 3_000; // words
            (0..n)
                .map(|_| pool[next() % pool.len()])
                .collect::<Vec<_>>()
                .join(if k % 3 == 0 { " " } else { "  " })
        })
        .collect()
}

#[test]
fn the_prefix_gives_what_the_whole_text_gives() {
    let minilm = load::path(&common::model_dir()).unwrap();
    let e5 = load::path(&common::e5_bundle()).unwrap();
    for model in [&minilm, &e5] {
        for text in texts() {
            let fast = model.tokenizer.encode(&text).unwrap();
            assert_eq!(
                fast,
                whole(&model.tokenizer, &text),
                "{} chars",
                text.chars().count()
            );
            assert!(fast.truncated);
        }
    }
}

#[test]
fn a_two_megabyte_text_costs_what_its_beginning_costs() {
    let e5 = load::path(&common::e5_bundle()).unwrap();
    let minilm = load::path(&common::model_dir()).unwrap();
    let text = "A menina que adotou vários cachorros estava radiante. ".repeat(40_000); // 2.2 MB
    for model in [&minilm, &e5] {
        let start = Instant::now();
        let enc = model.tokenizer.encode(&text).unwrap();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        println!(
            "tokenizing {} MB: {ms:.1} ms, {} tokens",
            text.len() / 1_000_000,
            enc.tokens.len()
        );
        assert!(enc.truncated && enc.tokens.len() == 512);
        assert!(ms < 200.0, "{ms} ms"); // it was seconds: the whole text was normalized first
        assert_eq!(enc.tokens.last().unwrap().span.byte_start, text.len());
    }
}
