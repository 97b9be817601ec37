//! The tokenizer against the HF `tokenizers` library on the committed corpus
//! (tests/fixtures/tokenizer_expected.json, written by scripts/make_fixtures.py).
mod common;

use orquestra::tokenizer::{Tokenizer, MAX_TOKENS};

#[test]
fn tokens_ids_offsets_and_words_match_hf_on_the_corpus() {
    let vocab = std::fs::read_to_string(common::model_dir().join("vocab.txt")).unwrap();
    let tok = Tokenizer::from_vocab_text(&vocab).unwrap();
    let corpus = common::json(common::fixtures().join("tokenizer_corpus.json"));
    let expected = common::json(common::fixtures().join("tokenizer_expected.json"));
    let corpus = corpus.as_array().unwrap();
    assert!(
        corpus.len() >= 200,
        "the corpus must hold at least 200 strings"
    );
    let mut failures = Vec::new();
    for (text, want) in corpus.iter().zip(expected.as_array().unwrap()) {
        let text = text.as_str().unwrap();
        let want_tokens: Vec<&str> = want["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let Ok(enc) = tok.encode(text) else {
            // HF gives just [CLS] [SEP] where we report empty text.
            if want_tokens.len() != 2 {
                failures.push(format!("{text:?}: error, HF {want_tokens:?}"));
            }
            continue;
        };
        let got = common::token_texts(&enc);
        let ids: Vec<u64> = enc.tokens.iter().map(|t| t.id as u64).collect();
        let want_ids: Vec<u64> = want["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        if got != want_tokens || ids != want_ids {
            failures.push(format!("{text:?}:\n  ours {got:?}\n  HF   {want_tokens:?}"));
            continue;
        }
        assert_eq!(
            enc.truncated,
            want_tokens.len() == MAX_TOKENS && text.len() > MAX_TOKENS
        );
        // Char offsets of every piece, and its word, for the pieces HF places in a word.
        for (i, t) in enc.tokens.iter().enumerate() {
            let Some(word_id) = want["wordIds"][i].as_u64() else {
                continue;
            };
            let off = &want["offsets"][i];
            let want_span = (
                off[0].as_u64().unwrap() as usize,
                off[1].as_u64().unwrap() as usize,
            );
            if (t.span.char_start, t.span.char_end) != want_span {
                failures.push(format!(
                    "{text:?}: piece {i} {:?} spans {:?}, HF {want_span:?}",
                    t.text,
                    (t.span.char_start, t.span.char_end)
                ));
            }
            if t.word != word_id as usize + 1 {
                failures.push(format!(
                    "{text:?}: piece {i} {:?} in word {}, HF word {word_id} (+1 for [CLS])",
                    t.text, t.word
                ));
            }
        }
    }
    println!(
        "tokenizer parity: {} strings, {} mismatches",
        corpus.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
