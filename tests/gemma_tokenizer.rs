//! Gemma 3's tokenizer (SentencePiece BPE from its GGUF) against the references
//! scripts/make_gemma_tokenizer_fixtures.py builds from the same GGUF, on the committed corpus
//! (tests/fixtures/gemma/tokenizer_corpus.json, most of it Portuguese, every Unicode space,
//! runs of spaces, tabs and newlines, indented code, specials typed as text, the article):
//! every string's ids equal to SentencePiece's (BOS first), and so to HF `tokenizers` but
//! where tokenizer_ref.json says HF differs (divergences.txt), the decoded text equal to HF's
//! decoder's, the text given back by decoding its pieces, the char offsets equal to HF's less
//! each piece's leading spaces, and the spans and words in order.
//!
//! Property tests (seeded as tests/fuzz_inputs.rs: a fixed seed unless
//! ORQUESTRA_FUZZ_SEED=random): any text encodes without a panic, keeps its tokens and words
//! in order and its spans on char boundaries, and decodes back to itself (every byte has a
//! piece; a typed ▁ comes back as a space, as in SentencePiece).
#![cfg(not(target_arch = "wasm32"))]
mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use proptest::prelude::*;

use orquestra::load::gguf::Gguf;
use orquestra::tokenizer::{DecoderTokenizer, Encoding, Spm, Tokenizer};

/// Gemma 3 270M's GGUF (scripts/fetch_gemma.sh fetches it). A missing file fails the test.
fn gguf_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/gemma3-270m/gemma-3-270m-q4_k_m.gguf");
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch_gemma.sh",
        path.display()
    );
    path
}

fn fixture(name: &str) -> serde_json::Value {
    common::json(common::fixtures().join("gemma").join(name))
}

fn shared() -> &'static Spm {
    static T: OnceLock<Spm> = OnceLock::new();
    T.get_or_init(|| {
        let bytes = std::fs::read(gguf_path()).unwrap();
        Spm::from_gguf(&Gguf::parse(&bytes).unwrap()).unwrap()
    })
}

fn ids_of(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn words_in_order(e: &Encoding) -> bool {
    let mut seen = e.word_of_token();
    seen.dedup();
    seen == (0..e.words.len()).collect::<Vec<_>>()
}

/// What a text decodes back to: SentencePiece reads a typed ▁ as a space.
fn as_decoded(text: &str) -> String {
    text.replace('\u{2581}', " ")
}

/// Spans on char boundaries, within the text, in order (a start never before the previous
/// start, an end never before the previous end), char and byte offsets agreeing.
fn spans_ok(e: &Encoding, text: &str) -> Result<(), String> {
    let (mut c0, mut c1) = (0, 0);
    for t in e.tokens.iter().filter(|t| t.span != Default::default()) {
        let s = t.span;
        let ok = s.char_start <= s.char_end
            && s.byte_start <= s.byte_end
            && s.byte_end <= text.len()
            && text.is_char_boundary(s.byte_start)
            && text.is_char_boundary(s.byte_end)
            && text[..s.byte_start].chars().count() == s.char_start
            && text[s.byte_start..s.byte_end].chars().count() == s.char_end - s.char_start
            && s.char_start >= c0
            && s.char_end >= c1;
        if !ok {
            return Err(format!("{:?}: span {s:?} after ({c0}, {c1})", t.text));
        }
        (c0, c1) = (s.char_start, s.char_end);
    }
    Ok(())
}

#[test]
fn ids_decoding_and_offsets_match_the_references_on_the_corpus() {
    let spm = shared();
    assert!(spm.add_bos && spm.bos == Some(2) && spm.eos == Some(1));
    assert_eq!(spm.vocab_size(), 262_144);
    let corpus = fixture("tokenizer_corpus.json");
    let refs = fixture("tokenizer_ref.json");
    let corpus = common::strings(&corpus);
    let refs = refs.as_array().unwrap();
    assert_eq!(corpus.len(), refs.len());
    assert!(
        corpus.len() >= 1000,
        "the corpus must hold at least 1000 strings"
    );
    let (mut equal, mut equal_hf, mut offsets_checked) = (0, 0, 0);
    let mut failures = Vec::new();
    for (&text, want) in corpus.iter().zip(refs) {
        let want_ids = ids_of(&want["ids"]);
        let hf_differs = want.get("hf").is_some();
        let e = match spm.encode_max(text, 1_000_000) {
            Ok(e) => e,
            Err(orquestra::Error::EmptyText) if want_ids.len() == 1 => {
                equal += 1;
                equal_hf += usize::from(!hf_differs);
                continue;
            }
            Err(e) => {
                failures.push(format!("{text:?}: {e}"));
                continue;
            }
        };
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        if ids != want_ids {
            let show =
                |ids: &[u32]| -> Vec<&str> { ids.iter().map(|&i| spm.token(i).unwrap()).collect() };
            failures.push(format!(
                "{text:?}:\n  ours          {:?}\n  SentencePiece {:?}",
                show(&ids),
                show(&want_ids)
            ));
            continue;
        }
        let decoded = spm.decode(&ids);
        if decoded != want["decoded"].as_str().unwrap() || spm.decode(&ids[1..]) != as_decoded(text)
        {
            failures.push(format!("{text:?}: decodes to {decoded:?}"));
            continue;
        }
        if let Err(why) = spans_ok(&e, text) {
            failures.push(format!("{text:?}: {why}"));
            continue;
        }
        if !words_in_order(&e) || e.truncated {
            failures.push(format!("{text:?}: words out of order or truncated"));
            continue;
        }
        if !hf_differs {
            // HF's offsets cover a piece's leading spaces, ours leave them out; each of HF's
            // byte pieces covers one byte of the char, ours the whole char.
            offsets_checked += 1;
            let chars: Vec<char> = text.chars().collect();
            let hf: Vec<(usize, usize)> = want["offsets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o[0].as_u64().unwrap() as usize,
                        o[1].as_u64().unwrap() as usize,
                    )
                })
                .collect();
            let ours: Vec<(usize, usize)> = e.tokens[1..]
                .iter()
                .map(|t| (t.span.char_start, t.span.char_end))
                .collect();
            let expected: Vec<(usize, usize)> = hf
                .iter()
                .zip(&e.tokens[1..])
                .map(|(&(a, b), t)| {
                    if spm.token(t.id).is_some_and(|p| p.starts_with("<0x")) {
                        return (t.span.char_start, t.span.char_end); // checked below
                    }
                    let lead = chars[a..b].iter().take_while(|&&c| c == ' ').count();
                    (a + lead, b)
                })
                .collect();
            let bytes_ok = e.tokens[1..].iter().zip(&hf).all(|(t, &(a, b))| {
                !spm.token(t.id).is_some_and(|p| p.starts_with("<0x"))
                    || (t.span.char_end == t.span.char_start + 1
                        && a <= t.span.char_start
                        && b <= t.span.char_end)
            });
            if ours != expected || !bytes_ok {
                failures.push(format!("{text:?}: offsets\n  ours {ours:?}\n  HF   {hf:?}"));
                continue;
            }
        }
        equal += 1;
        equal_hf += usize::from(!hf_differs);
    }
    println!(
        "gemma tokenizer parity: {equal} of {} strings equal to SentencePiece (ids, decoding, spans); {equal_hf} of them equal to HF tokenizers too; offsets equal to HF's on {offsets_checked}",
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
fn pieces_words_and_spans_of_a_portuguese_sentence() {
    let spm = shared();
    let text = "A menina  estava\tradiante.";
    let e = spm.encode_max(text, 100).unwrap();
    let pieces: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        pieces,
        [
            "<bos>",
            "A",
            "▁menina",
            "  ",
            "est",
            "ava",
            "\t",
            "radi",
            "ante",
            "."
        ]
    );
    let words: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(words, ["<bos>", "A", "menina", "estava", "radiante", "."]);
    assert_eq!(e.word_of_token(), [0, 1, 2, 3, 3, 3, 4, 4, 4, 5]);
    // "▁menina" leaves its space out; the two spaces join the next word, empty.
    let span = |i: usize| (e.tokens[i].span.char_start, e.tokens[i].span.char_end);
    assert_eq!((span(2), span(3)), ((2, 8), (10, 10)));
    let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
    assert_eq!(spm.decode(&ids[1..]), text);
    // A piece alone, as the next-word view shows it.
    assert_eq!(spm.decode(&[ids[2]]), " menina");
}

#[test]
fn typed_control_tokens_are_one_token_each() {
    let spm = shared();
    let text = "<start_of_turn>user\nOlá<end_of_turn>\n<start_of_turn>model\n";
    let e = spm.encode_max(text, 100).unwrap();
    let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
    assert_eq!(&ids[..2], [2, 105]);
    assert!(ids.contains(&106) && spm.is_control(105) && !spm.is_control(107));
    let specials: Vec<&str> = e
        .words
        .iter()
        .filter(|w| w.special)
        .map(|w| w.text.as_str())
        .collect();
    assert_eq!(
        specials,
        [
            "<bos>",
            "<start_of_turn>",
            "<end_of_turn>",
            "<start_of_turn>"
        ]
    );
    assert!(words_in_order(&e));
    assert_eq!(spm.decode(&ids[1..]), text);
}

#[test]
fn a_limit_cuts_the_tokens_and_the_words_with_them() {
    let spm = shared();
    let text = "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros";
    let whole = spm.encode_max(text, 1000).unwrap();
    let cut = spm.encode_max(text, 5).unwrap();
    assert!(cut.truncated && !whole.truncated);
    assert_eq!(cut.tokens[..], whole.tokens[..5]);
    assert!(words_in_order(&cut));
    assert_eq!(cut.words.len(), cut.tokens.last().unwrap().word + 1);
    assert_eq!(spm.encode_max("", 10), Err(orquestra::Error::EmptyText));
    // The same through the enums a model holds.
    let bytes = std::fs::read(gguf_path()).unwrap();
    let g = Gguf::parse(&bytes).unwrap();
    let d = DecoderTokenizer::from_gguf(&g).unwrap();
    assert!(matches!(d, DecoderTokenizer::Spm(_)));
    assert_eq!(d.encode_max(text, 5).unwrap(), cut);
    assert_eq!(
        (d.bos(), d.eos(), d.add_bos(), d.vocab_size()),
        (Some(2), Some(1), true, 262_144)
    );
    assert_eq!(d.token(107), Some("\n"));
    let t = Tokenizer::Spm(Spm::from_gguf(&g).unwrap());
    assert_eq!(t.encode_max(text, 5).unwrap(), cut);
}

#[test]
fn every_whitespace_nul_and_a_huge_word_are_handled() {
    let spm = shared();
    let spaces = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{200b}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}";
    for c in spaces.chars().chain(['\0']) {
        for text in [
            c.to_string(),
            format!("ação{c}ação"),
            format!("{c}{c} a {c}"),
        ] {
            let e = spm.encode_max(&text, 100).unwrap();
            let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
            assert_eq!(spm.decode(&ids[1..]), text);
            assert!(
                words_in_order(&e) && spans_ok(&e, &text).is_ok(),
                "{text:?}"
            );
        }
    }
    // Thirty million chars of one word: read up to MAX_TEXT_CHARS, marked truncated.
    let word = "a".repeat(30_000_000);
    let start = Instant::now();
    let e = spm.encode_max(&word, 1_000_000).unwrap();
    let took = start.elapsed();
    println!(
        "gemma tokenizer: a 3e7-char word, {} tokens in {took:?}",
        e.tokens.len()
    );
    assert!(e.truncated && took.as_secs_f64() < 5.0, "{took:?}");
}

#[test]
fn a_long_word_and_a_long_text_stay_fast() {
    let spm = shared();
    for text in [
        "a".repeat(131_072),
        "ação ".repeat(26_000),
        "😀".repeat(40_000),
        "    x = 1\n".repeat(13_000),
    ] {
        let start = Instant::now();
        let e = spm.encode_max(&text, 1_000_000).unwrap();
        let whole = start.elapsed();
        let cut = spm.encode_max(&text, 512).unwrap();
        println!(
            "gemma tokenizer: {} bytes, {} tokens in {whole:?}",
            text.len(),
            e.tokens.len()
        );
        assert!(whole.as_secs_f64() < 2.0, "{whole:?}");
        assert!(cut.truncated && cut.tokens[..] == e.tokens[..512]);
    }
}

/// The speed the page sees: a 2,000-char Portuguese text (the article's first paragraphs).
#[test]
fn a_two_thousand_char_portuguese_text() {
    let spm = shared();
    let corpus = fixture("tokenizer_corpus.json");
    let whole = common::strings(&corpus)
        .into_iter()
        .max_by_key(|s| s.len())
        .unwrap();
    let text: String = whole.chars().skip(200).take(2000).collect();
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..21 {
        let start = Instant::now();
        n = spm.encode_max(&text, 100_000).unwrap().tokens.len();
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "gemma tokenizer: 2,000 chars of Portuguese, {n} tokens, median {:?}",
        times[10]
    );
    assert!(times[10].as_secs_f64() < 0.05);
}

/// Texts of letters, accents, spaces of every kind, ▁, specials' pieces, emoji and bytes.
fn mixed_text() -> impl Strategy<Value = String> {
    let pool: Vec<char> = "aAçã\u{301}1 \u{2581}\t\n\r<>/_bos[]😀中\u{200d}\u{0}\u{a0}\u{2003}\u{200b}\u{3000}\u{feff}\u{85}\u{40000}\u{e0041}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(pool), 0..40)
        .prop_map(|v| v.into_iter().collect())
}

/// Specials and space runs glued together and to words.
fn glued_text() -> impl Strategy<Value = String> {
    let parts = vec![
        "<bos>",
        "<eos>",
        "<start_of_turn>",
        "<end_of_turn>",
        "<b>",
        "</b>",
        "[multimodal]",
        "  ",
        "    ",
        "\n\n",
        "\t\t",
        " ",
        "\u{2581}",
        "ação",
        "menina",
        "<",
        ">",
        "x",
    ];
    proptest::collection::vec(proptest::sample::select(parts), 0..20).prop_map(|v| v.concat())
}

fn check(text: &str, max: usize) -> Result<(), TestCaseError> {
    let spm = shared();
    let e = match spm.encode_max(text, max) {
        Ok(e) => e,
        Err(orquestra::Error::EmptyText) => {
            prop_assert!(text.is_empty());
            return Ok(());
        }
        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
    };
    prop_assert!(e.tokens.len() >= 2 && e.tokens.len() <= max.max(2));
    prop_assert!(words_in_order(&e));
    if let Err(why) = spans_ok(&e, text) {
        return Err(TestCaseError::fail(why));
    }
    if !e.truncated {
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        prop_assert_eq!(spm.decode(&ids[1..]), as_decoded(text));
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::fuzz_config(2000))]

    #[test]
    fn spm_keeps_its_invariants_on_any_text(text in any::<String>(), max in 1usize..60) {
        check(&text, max)?;
    }

    #[test]
    fn spm_keeps_its_invariants_on_mixed_text(text in mixed_text(), max in 1usize..60) {
        check(&text, max)?;
    }

    #[test]
    fn spm_keeps_its_invariants_on_glued_specials(text in glued_text(), max in 1usize..60) {
        check(&text, max)?;
    }
}
