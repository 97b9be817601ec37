//! BERT uncased tokenizer: the same steps, in the same order, as the HF
//! `tokenizers` pipeline in the model's tokenizer.json
//! (added special tokens → BertNormalizer → BertPreTokenizer → WordPiece → [CLS] … [SEP]),
//! plus what the page needs and HF does not keep: for every token the word it
//! belongs to and the span of the user's original text it came from.
//!
//! Mirrors huggingface/tokenizers `normalizers/bert.rs`, `pre_tokenizers/bert.rs`
//! and `models/wordpiece/mod.rs`.
use std::collections::HashMap;

use unicode_categories::UnicodeCategories;
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

use super::{split_specials, Encoding, Segment, Span, Token, Word, MAX_TOKENS};
use crate::error::{Error, Result};

/// Words longer than this (in normalized chars) become a single [UNK], as in HF.
const MAX_CHARS_PER_WORD: usize = 100;
const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

pub struct WordPiece {
    vocab: HashMap<String, u32>,
    /// id → token text, for display.
    pieces: Vec<String>,
    unk: u32,
    cls: u32,
    sep: u32,
    /// Special tokens matched verbatim in the raw text (HF "added tokens", normalized=false).
    specials: Vec<(String, u32)>,
}

/// One char of the normalized text and the index of the original char it came from.
#[derive(Clone, Copy)]
pub(super) struct NormChar {
    pub c: char,
    pub origin: usize,
}

impl WordPiece {
    /// Builds from vocab.txt content: one token per line, the id is the line number.
    pub fn from_vocab_text(text: &str) -> Result<Self> {
        let pieces: Vec<String> = text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        Self::from_pieces(pieces)
    }

    pub fn from_pieces(pieces: Vec<String>) -> Result<Self> {
        if pieces.is_empty() {
            return Err(Error::Vocab("it has no tokens".into()));
        }
        let mut vocab = HashMap::with_capacity(pieces.len());
        for (i, p) in pieces.iter().enumerate() {
            // First occurrence wins, as HF does when reading vocab.txt.
            vocab.entry(p.clone()).or_insert(i as u32);
        }
        let need = |name: &str| {
            vocab
                .get(name)
                .copied()
                .ok_or_else(|| Error::Vocab(format!("it lacks the special token {name}")))
        };
        let (unk, cls, sep) = (need("[UNK]")?, need("[CLS]")?, need("[SEP]")?);
        let specials = SPECIALS
            .iter()
            .filter_map(|s| vocab.get(*s).map(|&id| (s.to_string(), id)))
            .collect();
        Ok(WordPiece {
            vocab,
            pieces,
            unk,
            cls,
            sep,
            specials,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// Tokenizes `text` into `[CLS] pieces… [SEP]`, truncated to 512 pieces as HF does.
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        self.encode_max(text, MAX_TOKENS)
    }

    /// As `encode`, with at most `max_tokens` (≥ 3) pieces, [CLS] and [SEP] included.
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        let max_body = max_tokens.max(3) - 2;
        // (byte offset, char) of every original char, so spans can be given in both units.
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let span_of = |first: usize, last: usize| Span {
            byte_start: chars[first].0,
            byte_end: chars[last].0 + chars[last].1.len_utf8(),
            char_start: first,
            char_end: last + 1,
        };

        let mut words: Vec<Word> = vec![Word {
            text: "[CLS]".into(),
            span: Span::default(),
            special: true,
        }];
        let mut tokens = vec![Token {
            text: "[CLS]".into(),
            id: self.cls,
            word: 0,
            span: Span::default(),
        }];
        let mut body = 0usize; // pieces between [CLS] and [SEP]
        let mut truncated = false;

        'segments: for seg in split_specials(&chars, &self.specials) {
            let word_pieces: Vec<(Vec<Piece>, Span)> = match seg {
                Segment::Special { id, first, last } => {
                    let piece = Piece {
                        text: self.pieces[id as usize].clone(),
                        id,
                        origin: Some((first, last)),
                    };
                    vec![(vec![piece], span_of(first, last))]
                }
                Segment::Text { first, end } => {
                    let normalized = normalize(&chars[first..end], first);
                    pre_tokenize(&normalized)
                        .into_iter()
                        .map(|w| {
                            let span = span_of(w[0].origin, w[w.len() - 1].origin);
                            (self.word_piece(w), span)
                        })
                        .collect()
                }
            };
            for (pieces, span) in word_pieces {
                let special = pieces.len() == 1
                    && SPECIALS.contains(&pieces[0].text.as_str())
                    && pieces[0].id != self.unk;
                let word = words.len();
                let mut pushed = false;
                for Piece {
                    text: piece,
                    id,
                    origin,
                } in pieces
                {
                    if body == max_body {
                        truncated = true;
                        if pushed {
                            words.push(Word {
                                text: text[span.byte_start..span.byte_end].to_string(),
                                span,
                                special,
                            });
                        }
                        break 'segments;
                    }
                    let piece_span = origin.map(|(a, b)| span_of(a, b)).unwrap_or_default();
                    tokens.push(Token {
                        text: piece,
                        id,
                        word,
                        span: piece_span,
                    });
                    body += 1;
                    pushed = true;
                }
                words.push(Word {
                    text: text[span.byte_start..span.byte_end].to_string(),
                    span,
                    special,
                });
            }
        }
        if body == 0 {
            return Err(Error::EmptyText);
        }
        Ok(Encoding::closed(
            tokens,
            words,
            truncated,
            text,
            ("[SEP]", self.sep),
        ))
    }

    /// Greedy longest-match-first WordPiece over one pre-token; the whole word becomes
    /// [UNK] when it is too long or some part of it is not in the vocabulary.
    fn word_piece(&self, word: &[NormChar]) -> Vec<Piece> {
        let unknown = || {
            vec![Piece {
                text: "[UNK]".into(),
                id: self.unk,
                origin: Some((word[0].origin, word[word.len() - 1].origin)),
            }]
        };
        if word.len() > MAX_CHARS_PER_WORD {
            return unknown();
        }
        let mut out = Vec::new();
        let mut start = 0;
        let mut candidate = String::new();
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                candidate.clear();
                if start > 0 {
                    candidate.push_str("##");
                }
                candidate.extend(word[start..end].iter().map(|n| n.c));
                if let Some(&id) = self.vocab.get(&candidate) {
                    found = Some(id);
                    break;
                }
                end -= 1;
            }
            match found {
                Some(id) => {
                    out.push(Piece {
                        text: candidate.clone(),
                        id,
                        origin: Some((word[start].origin, word[end - 1].origin)),
                    });
                    start = end;
                }
                None => return unknown(),
            }
        }
        out
    }
}

/// One vocabulary piece found in the text, before it becomes a Token.
struct Piece {
    text: String,
    id: u32,
    /// The original chars it covers, first..=last.
    origin: Option<(usize, usize)>,
}

/// BertNormalizer(clean_text, handle_chinese_chars, strip_accents = lowercase = true),
/// keeping each output char's original index. `base` is the index of `chars[0]`.
pub(super) fn normalize(chars: &[(usize, char)], base: usize) -> Vec<NormChar> {
    // 1. clean text + 2. space around CJK ideographs
    let mut cleaned = Vec::with_capacity(chars.len());
    for (i, &(_, c)) in chars.iter().enumerate() {
        let origin = base + i;
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        let c = if is_whitespace(c) { ' ' } else { c };
        if is_chinese_char(c) {
            cleaned.push(NormChar { c: ' ', origin });
            cleaned.push(NormChar { c, origin });
            cleaned.push(NormChar { c: ' ', origin });
        } else {
            cleaned.push(NormChar { c, origin });
        }
    }
    // 3. strip accents: NFD (decompose, then canonical ordering of combining marks),
    //    then drop nonspacing marks (Mn)
    let mut nfd: Vec<NormChar> = Vec::with_capacity(cleaned.len());
    for n in cleaned {
        decompose_canonical(n.c, |d| {
            nfd.push(NormChar {
                c: d,
                origin: n.origin,
            })
        });
    }
    canonical_order(&mut nfd);
    // 4. lowercase, char by char (a char may become several)
    let mut out = Vec::with_capacity(nfd.len());
    for n in nfd.into_iter().filter(|n| !n.c.is_mark_nonspacing()) {
        for c in n.c.to_lowercase() {
            out.push(NormChar {
                c,
                origin: n.origin,
            });
        }
    }
    out
}

/// Unicode canonical ordering: stable-sort each run of chars with a nonzero combining class.
fn canonical_order(s: &mut [NormChar]) {
    let mut i = 0;
    while i < s.len() {
        if canonical_combining_class(s[i].c) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && canonical_combining_class(s[i].c) != 0 {
            i += 1;
        }
        s[start..i].sort_by_key(|n| canonical_combining_class(n.c));
    }
}

/// BertPreTokenizer: split on whitespace (removed) and punctuation (each its own word).
pub(super) fn pre_tokenize(s: &[NormChar]) -> Vec<&[NormChar]> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, n) in s.iter().enumerate() {
        if n.c.is_whitespace() || is_bert_punctuation(n.c) {
            if start < i {
                words.push(&s[start..i]);
            }
            if !n.c.is_whitespace() {
                words.push(&s[i..i + 1]);
            }
            start = i + 1;
        }
    }
    if start < s.len() {
        words.push(&s[start..]);
    }
    words
}

pub(super) fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

/// Cc, Cf, Cn, Co (but tab, newline and carriage return count as whitespace).
pub(super) fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

pub fn is_bert_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

pub(super) fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> WordPiece {
        let v =
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nmen\n##ina\nmenina\n,\n.\nestava\ncafe\n##s";
        WordPiece::from_vocab_text(v).unwrap()
    }

    #[test]
    fn pieces_words_and_spans_keep_the_users_spelling() {
        let e = tiny().encode("A Menina, Café!").unwrap();
        let toks: Vec<_> = e.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            toks,
            ["[CLS]", "a", "menina", ",", "cafe", "[UNK]", "[SEP]"]
        );
        let words: Vec<_> = e.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["[CLS]", "A", "Menina", ",", "Café", "!", "[SEP]"]);
        assert_eq!(e.word_of_token(), [0, 1, 2, 3, 4, 5, 6]);
        assert!(!e.truncated);
    }

    #[test]
    fn combining_marks_map_back_to_their_base_char() {
        // "cafe" + U+0301 (NFD é): the mark is stripped, the span covers both chars.
        let e = tiny().encode("cafe\u{301}s").unwrap();
        assert_eq!(e.tokens[1].text, "cafe");
        assert_eq!(e.tokens[2].text, "##s");
        assert_eq!(e.words[1].text, "cafe\u{301}s");
        assert_eq!(e.tokens[2].span.char_start, 5);
    }

    #[test]
    fn empty_and_removed_only_text_is_an_error() {
        for t in ["", "   ", "\u{200b}\u{0}\t"] {
            assert_eq!(tiny().encode(t), Err(Error::EmptyText), "{t:?}");
        }
    }

    #[test]
    fn long_input_is_truncated_with_a_flag() {
        let text = "a ".repeat(600);
        let e = tiny().encode(&text).unwrap();
        assert_eq!(e.tokens.len(), MAX_TOKENS);
        assert!(e.truncated);
        assert_eq!(e.tokens.last().unwrap().text, "[SEP]");
        assert_eq!(e.words.len(), MAX_TOKENS);
    }

    #[test]
    fn typed_special_tokens_stay_whole() {
        let e = tiny().encode("a [MASK] a").unwrap();
        let toks: Vec<_> = e.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(toks, ["[CLS]", "a", "[MASK]", "a", "[SEP]"]);
        assert!(e.words[2].special);
    }
}
