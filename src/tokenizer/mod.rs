//! Tokenizers that keep, for every token, the word it belongs to and the span of the user's
//! original text it came from (HF keeps neither the words nor the user's spelling):
//! BERT's WordPiece (all-MiniLM-L6-v2), SentencePiece Unigram (multilingual-e5-small),
//! byte-level BPE (the decoder SmolLM2) and SentencePiece BPE (the decoder Gemma 3).
pub mod bpe;
mod decoder;
pub mod spm;
mod unigram;
mod wordpiece;

pub use bpe::Bpe;
pub use decoder::DecoderTokenizer;
pub use spm::Spm;
pub use unigram::{Unigram, UnigramVocab};
pub use wordpiece::{is_bert_punctuation, WordPiece};

use crate::error::Result;

/// Most pieces a sequence may hold, [CLS] and [SEP] included (BERT's 512 positions).
pub const MAX_TOKENS: usize = 512;

/// A span of the original text, in bytes (for Rust slicing) and in chars (for JS/Python).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    pub byte_start: usize,
    pub byte_end: usize,
    pub char_start: usize,
    pub char_end: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// As the vocabulary spells it: `[CLS]`, `men`, `##ina`.
    pub text: String,
    pub id: u32,
    /// Index into `Encoding::words`.
    pub word: usize,
    /// Where it came from in the original text (empty for [CLS]/[SEP] and the pieces after
    /// the first of an expanded char).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Word {
    /// The user's own spelling (accents, case), or `[CLS]`/`[SEP]`.
    pub text: String,
    pub span: Span,
    /// True for [CLS], [SEP] and special tokens typed into the text.
    pub special: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Encoding {
    pub tokens: Vec<Token>,
    pub words: Vec<Word>,
    /// True when the text needed more than 510 pieces, or had more than MAX_TEXT_CHARS, and
    /// the rest was cut.
    pub truncated: bool,
}

impl Encoding {
    pub fn word_of_token(&self) -> Vec<usize> {
        self.tokens.iter().map(|t| t.word).collect()
    }
}

/// A model's tokenizer. The encoders' close every text with an end special (`[SEP]`,
/// `</s>`); a decoder's (`Bpe`, `Spm`) has none, and a start special only if its model asks.
pub enum Tokenizer {
    WordPiece(WordPiece),
    Unigram(Unigram),
    Bpe(Bpe),
    Spm(Spm),
}

impl Tokenizer {
    /// BERT's WordPiece from vocab.txt's text (one token per line, the id is the line number).
    pub fn from_vocab_text(text: &str) -> Result<Tokenizer> {
        WordPiece::from_vocab_text(text).map(Tokenizer::WordPiece)
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::WordPiece(t) => t.vocab_size(),
            Tokenizer::Unigram(t) => t.vocab_size(),
            Tokenizer::Bpe(t) => t.vocab_size(),
            Tokenizer::Spm(t) => t.vocab_size(),
        }
    }

    /// Whether every encoding ends with a special of its own (the encoders' `[SEP]`, `</s>`).
    fn has_end_special(&self) -> bool {
        !matches!(self, Tokenizer::Bpe(_) | Tokenizer::Spm(_))
    }

    /// Tokenizes `text` into `<start> pieces… <end>`, truncated to 512 pieces as HF does.
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        self.encode_max(text, MAX_TOKENS)
    }

    /// As `encode`, with at most `max_tokens` (≥ 3) pieces, the two specials included.
    ///
    /// Only as much of the text as the limit needs is read: a prefix cut at a plain space
    /// (between two spaces, or a space and an ASCII letter or digit) tokenizes, up to the
    /// cut, exactly as the whole text does (both pipelines work word by word and never join
    /// across such a space), so when the prefix already fills the limit its pieces are the
    /// whole text's. Otherwise the prefix grows fourfold, up to the whole text, but never past
    /// MAX_TEXT_CHARS (see `encode_bounded`). A 2 MB paste costs what its first few kilobytes
    /// cost; a text of megabytes with no place to cut costs what its first MAX_TEXT_CHARS do.
    ///
    /// The decoders' BPEs (byte-level and SentencePiece) take the whole text (up to
    /// MAX_TEXT_CHARS) at once.
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        let bound = text.char_indices().nth(MAX_TEXT_CHARS).map(|(i, _)| i);
        if !self.has_end_special() {
            return self.encode_bounded(text, bound, max_tokens);
        }
        let mut chars = PREFIX_CHARS;
        loop {
            let cut = safe_cut(text, chars).filter(|&cut| bound.is_none_or(|b| cut <= b));
            let Some(cut) = cut else {
                return self.encode_bounded(text, bound, max_tokens);
            };
            match self.encode_all(&text[..cut], max_tokens) {
                Ok(e) if e.truncated => return Ok(e.with_end_at(text)),
                _ => chars *= 4,
            }
        }
    }

    /// The whole text when it has at most MAX_TEXT_CHARS chars (`bound`, the byte offset of
    /// that char, is None): exactly what the tokenizer gives. A longer text is read up to
    /// there and marked truncated: the last word there may be cut, so its pieces may differ
    /// from the whole text's (the documented bound; no text of words comes near it).
    fn encode_bounded(
        &self,
        text: &str,
        bound: Option<usize>,
        max_tokens: usize,
    ) -> Result<Encoding> {
        let Some(end) = bound else {
            return self.encode_all(text, max_tokens);
        };
        let mut e = self.encode_all(&text[..end], max_tokens)?;
        e.truncated = true;
        Ok(if self.has_end_special() {
            e.with_end_at(text)
        } else {
            e
        })
    }

    fn encode_all(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        match self {
            Tokenizer::WordPiece(t) => t.encode_max(text, max_tokens),
            Tokenizer::Unigram(t) => t.encode_max(text, max_tokens),
            Tokenizer::Bpe(t) => t.encode_max(text, max_tokens),
            Tokenizer::Spm(t) => t.encode_max(text, max_tokens),
        }
    }
}

/// Chars of the first prefix tried: far more than 510 pieces usually need.
const PREFIX_CHARS: usize = 8192;

/// Most chars of a text the tokenizers read (memory stays bounded for any input: 50 MB of
/// one word would take gigabytes). 510 pieces of words need a few thousand.
pub const MAX_TEXT_CHARS: usize = 131_072;

/// A byte offset at or after char `chars` where the text may be cut (see `encode_max`), or
/// None when the text is shorter or has no such place after it.
fn safe_cut(text: &str, chars: usize) -> Option<usize> {
    let (start, _) = text.char_indices().nth(chars)?;
    let bytes = text.as_bytes();
    (start..bytes.len().saturating_sub(1)).find(|&i| {
        bytes[i] == b' ' && (bytes[i + 1] == b' ' || bytes[i + 1].is_ascii_alphanumeric())
    })
}

/// The empty span at the end of `text`, where the end special sits.
fn end_span(text: &str) -> Span {
    let chars = text.chars().count();
    Span {
        byte_start: text.len(),
        byte_end: text.len(),
        char_start: chars,
        char_end: chars,
    }
}

impl Encoding {
    /// An encoding closed by its end special (`[SEP]`, `</s>`): a token and a word of its own,
    /// at the end of `text`.
    fn closed(
        mut tokens: Vec<Token>,
        mut words: Vec<Word>,
        truncated: bool,
        text: &str,
        end: (&str, u32),
    ) -> Encoding {
        let span = end_span(text);
        tokens.push(Token {
            text: end.0.to_string(),
            id: end.1,
            word: words.len(),
            span,
        });
        words.push(Word {
            text: end.0.to_string(),
            span,
            special: true,
        });
        Encoding {
            tokens,
            words,
            truncated,
        }
    }

    /// The end special's span moved to the end of the whole text (the prefix's end was the cut).
    fn with_end_at(mut self, text: &str) -> Encoding {
        let end = end_span(text);
        if let Some(t) = self.tokens.last_mut() {
            t.span = end;
        }
        if let Some(w) = self.words.last_mut() {
            w.span = end;
        }
        self
    }
}

/// A stretch of the raw text: text to normalize, or a special token typed verbatim.
enum Segment {
    /// Original chars `first..end` to normalize and split.
    Text { first: usize, end: usize },
    /// A special token typed verbatim, original chars `first..=last`.
    Special { id: u32, first: usize, last: usize },
}

/// Splits the raw text around verbatim special tokens ("[MASK]", "<s>"), leftmost-longest,
/// as HF's added-vocabulary pass does before normalization.
fn split_specials(chars: &[(usize, char)], specials: &[(String, u32)]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        // An empty special (a damaged vocabulary can make one) would match everywhere
        // without moving on: it is never matched.
        let hit = specials
            .iter()
            .filter(|(s, _)| {
                let n = s.chars().count();
                n > 0 && i + n <= chars.len() && chars[i..i + n].iter().map(|c| c.1).eq(s.chars())
            })
            .max_by_key(|(s, _)| s.len());
        match hit {
            Some((s, id)) => {
                if start < i {
                    out.push(Segment::Text {
                        first: start,
                        end: i,
                    });
                }
                let n = s.chars().count();
                out.push(Segment::Special {
                    id: *id,
                    first: i,
                    last: i + n - 1,
                });
                i += n;
                start = i;
            }
            None => i += 1,
        }
    }
    if start < chars.len() {
        out.push(Segment::Text {
            first: start,
            end: chars.len(),
        });
    }
    out
}
