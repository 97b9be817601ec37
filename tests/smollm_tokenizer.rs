//! The decoder's tokenizer (byte-level BPE from SmolLM2's GGUF) against HF `tokenizers`
//! built from the same GGUF by scripts/make_smollm_fixtures.py, on the committed corpus
//! (tests/fixtures/smollm/tokenizer_corpus.json, most of it Portuguese): every string's ids
//! and token strings equal, the char offsets equal (HF's ByteLevel trim_offsets), and the
//! decoded text equal. Where a text holds bytes with no piece, HF reports offsets shifted by
//! the dropped bytes (its offsets count only the bytes it kept): there ids, tokens and the
//! decoded text are compared, and ours span the bytes the pieces really came from.
//!
//! Property tests (seeded as tests/fuzz_inputs.rs: a fixed seed unless
//! ORQUESTRA_FUZZ_SEED=random): any text encodes without a panic, keeps its words in order and
//! its spans on char boundaries, and decodes back to itself less the bytes with no piece.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;

use orquestra::load::gguf::Gguf;
use orquestra::tokenizer::{Bpe, Encoding, Tokenizer};

/// SmolLM2's GGUF (`make model` fetches it). A missing file fails the test.
fn gguf_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.exists(),
        "{} is missing: run `make model`",
        path.display()
    );
    path
}

fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/smollm")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn tokenizer() -> Tokenizer {
    let bytes = std::fs::read(gguf_path()).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    Tokenizer::Bpe(Bpe::from_gguf(&g).unwrap())
}

fn shared() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(tokenizer)
}

/// Texts of letters, marks, digits, quotes, specials' pieces, emoji and every kind of space.
fn mixed_text() -> impl Strategy<Value = String> {
    let pool: Vec<char> = "aAçã\u{301}1٣'’sre .,!<|>_中😀\u{200d}\t\n\r\u{4}\u{6}\u{a0}\u{2003}\u{200b}\u{3000}\u{feff}\u{85}\u{40000}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(pool), 0..24)
        .prop_map(|v| v.into_iter().collect())
}

/// What the tokenizer keeps for any text: the limit, words in order (each with a token),
/// spans on char boundaries, and the text back from the ids (less bytes with no piece).
fn check(text: &str, max: usize) -> Result<(), TestCaseError> {
    let tok = shared();
    let Tokenizer::Bpe(bpe) = tok else {
        unreachable!()
    };
    let e = match tok.encode_max(text, max) {
        Ok(e) => e,
        Err(orquestra::Error::EmptyText) => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
    };
    prop_assert!(!e.tokens.is_empty() && e.tokens.len() <= max);
    prop_assert!(words_in_order(&e));
    for t in &e.tokens {
        prop_assert!(t.span.byte_start <= t.span.byte_end && t.span.byte_end <= text.len());
        prop_assert!(
            text.is_char_boundary(t.span.byte_start) && text.is_char_boundary(t.span.byte_end)
        );
    }
    if !e.truncated {
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let kept: Vec<u8> = text
            .bytes()
            .filter(|b| ![0x04, 0x06, 0x13, 0x14, 0x16, 0x1d, 0xf1, 0xf2].contains(b))
            .collect();
        prop_assert_eq!(
            bpe.decode(&ids),
            String::from_utf8_lossy(&kept).into_owned()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::fuzz_config(2000))]

    #[test]
    fn bpe_keeps_its_invariants_on_any_text(text in any::<String>(), max in 1usize..40) {
        check(&text, max)?;
    }

    #[test]
    fn bpe_keeps_its_invariants_on_mixed_text(text in mixed_text(), max in 1usize..40) {
        check(&text, max)?;
    }
}

#[test]
fn a_long_word_and_a_long_text_stay_fast() {
    let tok = shared();
    for text in [
        "a".repeat(131_072),
        "ação ".repeat(50_000),
        "😀".repeat(40_000),
    ] {
        let start = std::time::Instant::now();
        let e = tok.encode_max(&text, 1_000_000).unwrap();
        let whole = start.elapsed();
        let cut = tok.encode_max(&text, 512).unwrap();
        println!(
            "smollm tokenizer: {} bytes, {} tokens in {whole:?}",
            text.len(),
            e.tokens.len()
        );
        assert!(whole.as_secs_f64() < 2.0, "{whole:?}");
        assert!(cut.truncated && cut.tokens[..] == e.tokens[..512]);
    }
}

fn words_in_order(e: &Encoding) -> bool {
    let mut seen = e.word_of_token();
    seen.dedup();
    seen == (0..e.words.len()).collect::<Vec<_>>()
}

#[test]
fn tokens_ids_offsets_and_decoding_match_hf_on_the_corpus() {
    let tok = tokenizer();
    let Tokenizer::Bpe(bpe) = &tok else {
        unreachable!()
    };
    assert!(!bpe.add_bos, "SmolLM2 adds no BOS");
    let corpus = fixture("tokenizer_corpus.json");
    let hf = fixture("tokenizer_hf.json");
    let corpus = corpus.as_array().unwrap();
    let hf = hf.as_array().unwrap();
    assert_eq!(corpus.len(), hf.len());
    assert!(
        corpus.len() >= 300,
        "the corpus must hold at least 300 strings"
    );
    let (mut equal, mut offsets_checked, mut failures) = (0, 0, Vec::new());
    for (text, want) in corpus.iter().zip(hf) {
        let text = text.as_str().unwrap();
        let want_ids: Vec<u32> = want["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let e = match tok.encode_max(text, 100_000) {
            Ok(e) => e,
            Err(orquestra::Error::EmptyText) if want_ids.is_empty() => {
                equal += 1;
                continue;
            }
            Err(e) => {
                failures.push(format!("{text:?}: {e}, HF {want_ids:?}"));
                continue;
            }
        };
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let texts: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
        let want_tokens: Vec<&str> = want["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        if ids != want_ids || texts != want_tokens {
            failures.push(format!(
                "{text:?}:\n  ours {texts:?}\n  HF   {want_tokens:?}"
            ));
            continue;
        }
        let decoded = bpe.decode(&ids);
        if decoded != want["decoded"].as_str().unwrap() {
            failures.push(format!("{text:?}: decodes to {decoded:?}"));
            continue;
        }
        if !words_in_order(&e) || e.truncated {
            failures.push(format!("{text:?}: words out of order or truncated"));
            continue;
        }
        if want["dropped"].as_u64().unwrap() == 0 {
            offsets_checked += 1;
            let spans: Vec<(u64, u64)> = e
                .tokens
                .iter()
                .map(|t| (t.span.char_start as u64, t.span.char_end as u64))
                .collect();
            let want_spans: Vec<(u64, u64)> = want["offsets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (o[0].as_u64().unwrap(), o[1].as_u64().unwrap()))
                .collect();
            if spans != want_spans {
                failures.push(format!(
                    "{text:?}: spans\n  ours {spans:?}\n  HF   {want_spans:?}"
                ));
                continue;
            }
        }
        equal += 1;
    }
    println!(
        "smollm tokenizer parity: {equal} of {} strings equal to HF (ids, tokens, decoding; offsets on the {offsets_checked} with no dropped byte)",
        corpus.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_limit_cuts_the_tokens_and_the_words_with_them() {
    let tok = tokenizer();
    let text = "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros";
    let whole = tok.encode_max(text, 1000).unwrap();
    let cut = tok.encode_max(text, 5).unwrap();
    assert!(cut.truncated && !whole.truncated);
    assert_eq!(cut.tokens[..], whole.tokens[..5]);
    assert!(words_in_order(&cut));
    assert_eq!(
        cut.words.len(),
        cut.tokens.last().unwrap().word + 1,
        "words with no token are dropped"
    );
    assert_eq!(tok.encode(""), Err(orquestra::Error::EmptyText));
}
