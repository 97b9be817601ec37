//! Arbitrary input never panics: the tokenizers on any string (Gemma 3's SentencePiece BPE also
//! keeps its spans and words in order and decodes back to the text), the bundle parser on any
//! bytes (and on every truncation and byte flip of a real bundle). Errors are fine; panics are
//! not.
//!
//! `make test` runs these on a fixed seed, after replaying every case ever found
//! (fuzz_inputs.proptest-regressions, committed): the suite passes or fails the same way on
//! every clone. `make fuzz` runs them on fresh seeds for a set time (ORQUESTRA_FUZZ_SEED=random)
//! and proptest writes any new failing case to the regression file.
#![cfg(not(target_arch = "wasm32"))]
mod common;

use std::sync::OnceLock;

use orquestra::load;
use orquestra::model::Precision;
use orquestra::tokenizer::{Encoding, Spm, Tokenizer};
use proptest::prelude::*;

/// Every Unicode whitespace and zero-width char, where the two tokenizers and the word rule
/// have disagreed before (U+2000 after a space put a piece in an earlier word).
const SPACES: &[char] = &[
    '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{200b}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
    '\u{feff}', '\u{200c}', '\u{200d}', '\u{180e}', '\u{ad}',
];

/// Short texts of letters, marks, punctuation and those spaces, mixed.
fn spaced_text() -> impl Strategy<Value = String> {
    let letters = &[
        'a', 'A', 'e', 'ç', 'ã', '\u{301}', '.', ',', '中', '😀', '<', 's', '>', '/',
    ];
    let pool: Vec<char> = SPACES.iter().chain(letters).copied().collect();
    proptest::collection::vec(proptest::sample::select(pool), 0..16)
        .prop_map(|v| v.into_iter().collect())
}

/// What every encoding keeps, whatever the text: the limit, the specials at both ends, spans
/// on char boundaries, and words in order, each with at least one piece.
fn check_invariants(
    e: &Encoding,
    text: &str,
    max: usize,
    ends: (&str, &str),
) -> Result<(), TestCaseError> {
    prop_assert!(e.tokens.len() <= max && e.tokens.len() >= 3);
    prop_assert_eq!(e.tokens[0].text.as_str(), ends.0);
    prop_assert_eq!(e.tokens.last().unwrap().text.as_str(), ends.1);
    for t in &e.tokens {
        prop_assert!(t.word < e.words.len());
        prop_assert!(
            t.span.byte_end <= text.len()
                && text.is_char_boundary(t.span.byte_start)
                && text.is_char_boundary(t.span.byte_end)
        );
    }
    let mut seen = e.word_of_token();
    seen.dedup();
    prop_assert_eq!(seen, (0..e.words.len()).collect::<Vec<_>>());
    Ok(())
}

/// The shipped models' tokenizers (real vocabularies, e5's real normalization table).
fn minilm() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| {
        let vocab = std::fs::read_to_string(common::model_dir().join("vocab.txt")).unwrap();
        Tokenizer::from_vocab_text(&vocab).unwrap()
    })
}

fn e5() -> &'static orquestra::Model {
    static M: OnceLock<orquestra::Model> = OnceLock::new();
    M.get_or_init(|| load::path(&common::e5_bundle()).unwrap())
}

fn tokenizer() -> Tokenizer {
    let vocab = std::fs::read_to_string(common::fixtures().join("tiny/vocab.txt")).unwrap();
    Tokenizer::from_vocab_text(&vocab).unwrap()
}

proptest! {
    #![proptest_config(common::fuzz_config(3000))]

    #[test]
    fn tokenizer_never_panics_and_keeps_its_invariants(text in any::<String>(), max in 3usize..40) {
        if let Ok(e) = tokenizer().encode_max(&text, max) {
            check_invariants(&e, &text, max, ("[CLS]", "[SEP]"))?;
        }
    }

    #[test]
    fn both_models_keep_words_in_order_around_every_space(text in spaced_text(), max in 3usize..24) {
        if let Ok(e) = minilm().encode_max(&text, max) {
            check_invariants(&e, &text, max, ("[CLS]", "[SEP]"))?;
        }
        if let Ok(e) = e5().tokenizer.encode_max(&text, max) {
            check_invariants(&e, &text, max, ("<s>", "</s>"))?;
        }
        if let Ok(e) = e5_tiny().tokenizer.encode_max(&text, max) {
            check_invariants(&e, &text, max, ("<s>", "</s>"))?;
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
            check_invariants(&e, &text, max, ("<s>", "</s>"))?;
        }
    }

    #[test]
    fn spm_tokenizer_never_panics_and_keeps_its_invariants(text in prop_oneof![any::<String>(), spaced_text()], max in 1usize..40) {
        check_spm(&text, max)?;
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

/// Gemma 3's tokenizer (SentencePiece BPE from its GGUF, scripts/fetch_gemma.sh).
fn gemma() -> &'static Spm {
    static T: OnceLock<Spm> = OnceLock::new();
    T.get_or_init(|| {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("models/gemma3-270m/gemma-3-270m-q4_k_m.gguf");
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}: run scripts/fetch_gemma.sh", path.display()));
        Spm::from_gguf(&load::gguf::Gguf::parse(&bytes).unwrap()).unwrap()
    })
}

/// A decoder's encoding of any text: `<bos>` first, at most `max` tokens (`<bos>` and one
/// more at least), spans on char boundaries and in order, words in order, and the text back
/// from its pieces (a typed ▁ as a space, as SentencePiece reads it).
fn check_spm(text: &str, max: usize) -> Result<(), TestCaseError> {
    let spm = gemma();
    let e = match spm.encode_max(text, max) {
        Ok(e) => e,
        Err(orquestra::Error::EmptyText) if text.is_empty() => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(format!("{text:?}: {e}"))),
    };
    prop_assert!(e.tokens.len() >= 2 && e.tokens.len() <= max.max(2));
    prop_assert_eq!(e.tokens[0].text.as_str(), "<bos>");
    let (mut c0, mut c1) = (0, 0);
    for t in &e.tokens[1..] {
        let s = t.span;
        prop_assert!(t.word < e.words.len());
        prop_assert!(
            s.byte_end <= text.len()
                && text.is_char_boundary(s.byte_start)
                && text.is_char_boundary(s.byte_end)
        );
        prop_assert!(s.char_start <= s.char_end && s.char_start >= c0 && s.char_end >= c1);
        (c0, c1) = (s.char_start, s.char_end);
    }
    let mut seen = e.word_of_token();
    seen.dedup();
    prop_assert_eq!(seen, (0..e.words.len()).collect::<Vec<_>>());
    if !e.truncated {
        let ids: Vec<u32> = e.tokens[1..].iter().map(|t| t.id).collect();
        prop_assert_eq!(spm.decode(&ids), text.replace('\u{2581}', " "));
    }
    Ok(())
}

/// A tiny e5 with no normalization rules: spaces such as U+2000 reach the pieces as chars.
fn e5_tiny() -> &'static orquestra::Model {
    static M: OnceLock<orquestra::Model> = OnceLock::new();
    M.get_or_init(|| {
        let bin = std::fs::read(common::fixtures().join("e5/tiny/model.bin")).unwrap();
        let charsmap = std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap();
        load::from_bundle(&load::convert_e5(&bin, &charsmap).unwrap()).unwrap()
    })
}

/// The cases the fuzzing found, by name: a piece once joined an earlier word after a space
/// the normalizer kept as a char (U+2000, tiny model), or a ▁ made from a char inside a word
/// (U+200B, the real model) joined the next one.
#[test]
fn found_cases_keep_words_in_order() {
    for text in [
        "A \u{2000}e",
        "\u{1920} \u{2000}ఒ",
        "\u{180e}\u{200b}\u{180e}.",
    ] {
        for model in [e5_tiny(), e5()] {
            let e = model.tokenizer.encode_max(text, 12).unwrap();
            let mut seen = e.word_of_token();
            seen.dedup();
            assert_eq!(seen, (0..e.words.len()).collect::<Vec<_>>(), "{text:?}");
        }
    }
}

/// Found by `make fuzz` as an out-of-memory kill (22 GB, the round's process killed, so no
/// case was saved): a damaged e5 container whose piece offsets give `<s>` no text. Matched
/// verbatim, an empty special matched at every position without moving on, and the text's
/// segments grew without end. Now the vocabulary is refused, and no empty special is matched.
#[test]
fn a_special_token_with_no_text_is_refused() {
    use orquestra::tokenizer::{Unigram, UnigramVocab};
    let charsmap = std::fs::read(common::fixtures().join("e5/tiny/charsmap.bin")).unwrap();
    let vocab = UnigramVocab {
        pieces: ["", "<pad>", "</s>", "<unk>", "\u{2581}a"]
            .map(String::from)
            .to_vec(),
        scores: vec![0.0, 0.0, 0.0, 0.0, -1.0],
        bos: 0,
        eos: 2,
        pad: 1,
        unk: 3,
    };
    let err = Unigram::new(vocab, &charsmap).err().expect("refused");
    assert!(err.to_string().contains("<s>"), "{err}");
}
