//! Arbitrary input never panics: the tokenizer on any string, the bundle parser on any bytes
//! (and on every truncation and byte flip of a real bundle). Errors are fine; panics are not.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use orquestra::load;
use orquestra::model::Precision;
use orquestra::tokenizer::Tokenizer;
use proptest::prelude::*;

fn tokenizer() -> Tokenizer {
    let vocab = std::fs::read_to_string(common::fixtures().join("tiny/vocab.txt")).unwrap();
    Tokenizer::from_vocab_text(&vocab).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn tokenizer_never_panics_and_keeps_its_invariants(text in any::<String>(), max in 3usize..40) {
        if let Ok(e) = tokenizer().encode_max(&text, max) {
            prop_assert!(e.tokens.len() <= max && e.tokens.len() >= 3);
            prop_assert_eq!(e.tokens[0].text.as_str(), "[CLS]");
            prop_assert_eq!(e.tokens.last().unwrap().text.as_str(), "[SEP]");
            for t in &e.tokens {
                prop_assert!(t.word < e.words.len());
                prop_assert!(t.span.byte_end <= text.len() && text.is_char_boundary(t.span.byte_start) && text.is_char_boundary(t.span.byte_end));
            }
        }
    }

    #[test]
    fn bundle_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = load::from_bundle(&bytes);
    }

    #[test]
    fn bundle_parser_never_panics_on_a_damaged_bundle(cut in 0usize..100_000, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let (c, v, w) = common::tiny_parts();
        let mut bytes = load::convert(&c, &v, &w, Precision::Int8).unwrap();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] ^= b | 1;
        }
        bytes.truncate(cut.min(bytes.len()));
        if let Ok(model) = load::from_bundle(&bytes) {
            let _ = model.run("a menina estava radiante");
        }
    }

    #[test]
    fn unigram_tokenizer_never_panics_and_keeps_its_invariants(text in any::<String>(), max in 3usize..40) {
        let model = e5_tiny();
        if let Ok(e) = model.tokenizer.encode_max(&text, max) {
            prop_assert!(e.tokens.len() <= max && e.tokens.len() >= 3);
            prop_assert_eq!(e.tokens[0].text.as_str(), "<s>");
            prop_assert_eq!(e.tokens.last().unwrap().text.as_str(), "</s>");
            for t in &e.tokens {
                prop_assert!(t.word < e.words.len());
                prop_assert!(t.span.byte_end <= text.len() && text.is_char_boundary(t.span.byte_start) && text.is_char_boundary(t.span.byte_end));
            }
            // words appear in order, each with at least one piece
            let mut seen = e.word_of_token();
            seen.dedup();
            prop_assert_eq!(seen, (0..e.words.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn e5_container_parser_never_panics_on_a_damaged_file(cut in 0usize..20_000, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = std::fs::read(common::fixtures().join("e5/tiny/model.bin")).unwrap();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] ^= b | 1;
        }
        bytes.truncate(cut.min(bytes.len()));
        let charsmap = std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap();
        if let Ok(bundle) = load::convert_e5(&bytes, &charsmap) {
            if let Ok(model) = load::from_bundle(&bundle) {
                let _ = model.run("a menina estava radiante");
            }
        }
    }
}

fn e5_tiny() -> orquestra::Model {
    let bin = std::fs::read(common::fixtures().join("e5/tiny/model.bin")).unwrap();
    let charsmap = std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap();
    load::from_bundle(&load::convert_e5(&bin, &charsmap).unwrap()).unwrap()
}
