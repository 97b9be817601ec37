//! SentencePiece Unigram (XLM-RoBERTa, multilingual-e5-small): the same steps, in the same
//! order, as the HF `tokenizers` pipeline of the model's tokenizer.json
//! (added special tokens → Precompiled charsmap → Replace(" {2,}", " ") → Metaspace(▁,
//! prepend always, split) → Unigram Viterbi with fused unknowns → `<s>` … `</s>`), keeping for
//! every normalized char the original char it came from.
//!
//! Mirrors huggingface/tokenizers `normalizers/precompiled.rs` (with `spm_precompiled`),
//! `pre_tokenizers/metaspace.rs` and `models/unigram/model.rs` (`encode_optimized`).
use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

use super::{split_specials, Encoding, Segment, Span, Token, Word};
use crate::error::{Error, Result};

/// SentencePiece's word-start marker; a space becomes one.
pub const METASPACE: char = '\u{2581}';
/// An unknown char scores this much below the lowest piece (HF's K_UNK_PENALTY).
const UNK_PENALTY: f64 = 10.0;

/// The pieces, their scores and the special ids, as a model file stores them.
#[derive(Clone, Debug)]
pub struct UnigramVocab {
    pub pieces: Vec<String>,
    /// Log-probabilities, one per piece.
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

pub struct Unigram {
    vocab: UnigramVocab,
    index: HashMap<String, u32>,
    max_piece_bytes: usize,
    unk_score: f64,
    /// Special tokens matched verbatim in the raw text (HF "added tokens", normalized=false).
    specials: Vec<(String, u32)>,
    charsmap: Charsmap,
}

/// One char of the normalized text and the index of the original char it came from.
#[derive(Clone, Copy, Debug)]
struct NormChar {
    c: char,
    origin: usize,
}

/// A piece found in the text, before it becomes a Token.
struct Piece {
    text: String,
    id: u32,
    /// Original chars covered, first..=last, not counting a leading ▁.
    chars: Option<(usize, usize)>,
    /// Where its ▁ came from (a space, or the segment's start for the prepended one).
    space_at: usize,
    /// Index into the words, for a special token typed verbatim.
    special_word: Option<usize>,
}

impl Unigram {
    /// `charsmap` is SentencePiece's precompiled normalization (tokenizer.json's
    /// `Precompiled.precompiled_charsmap`, decoded from base64).
    pub fn new(vocab: UnigramVocab, charsmap: &[u8]) -> Result<Unigram> {
        let n = vocab.pieces.len();
        if n == 0 || vocab.scores.len() != n {
            return Err(Error::Vocab(format!(
                "{n} pieces and {} scores: the vocabulary is empty or does not match its scores",
                vocab.scores.len()
            )));
        }
        for (name, id) in [
            ("<s>", vocab.bos),
            ("</s>", vocab.eos),
            ("<pad>", vocab.pad),
            ("<unk>", vocab.unk),
        ] {
            if id as usize >= n {
                return Err(Error::Vocab(format!(
                    "the id of {name}, {id}, is outside the {n} pieces"
                )));
            }
            // (a damaged file can give one no text: matched verbatim, it would match anywhere)
            if vocab.pieces[id as usize].is_empty() {
                return Err(Error::Vocab(format!(
                    "the special token {name} (id {id}) has no text"
                )));
            }
        }
        if vocab.scores.iter().any(|s| !s.is_finite()) {
            return Err(Error::Vocab("a piece's score is not a number".into()));
        }
        let mut index = HashMap::with_capacity(n);
        for (i, p) in vocab.pieces.iter().enumerate() {
            index.entry(p.clone()).or_insert(i as u32); // the first of a duplicate wins
        }
        let min_score = vocab
            .scores
            .iter()
            .map(|&s| s as f64)
            .fold(f64::INFINITY, f64::min);
        let mut specials: Vec<(String, u32)> = [vocab.bos, vocab.pad, vocab.eos, vocab.unk]
            .iter()
            .map(|&id| (vocab.pieces[id as usize].clone(), id))
            .collect();
        if let Some(&mask) = index.get("<mask>") {
            specials.push(("<mask>".into(), mask));
        }
        Ok(Unigram {
            max_piece_bytes: vocab.pieces.iter().map(String::len).max().unwrap_or(1),
            unk_score: min_score - UNK_PENALTY,
            charsmap: Charsmap::parse(charsmap)?,
            index,
            specials,
            vocab,
        })
    }

    pub fn vocab(&self) -> &UnigramVocab {
        &self.vocab
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab.pieces.len()
    }

    /// `<s>` pieces… `</s>`, at most `max_tokens` (≥ 3) in all; words by the rule every model
    /// shares (`words_of`).
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        let max_body = max_tokens.max(3) - 2;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut words: Vec<(usize, usize, bool)> = Vec::new(); // (first, last, special)
        let mut pieces: Vec<Piece> = Vec::new();
        for seg in split_specials(&chars, &self.specials) {
            match seg {
                Segment::Special { id, first, last } => {
                    pieces.push(Piece {
                        text: self.vocab.pieces[id as usize].clone(),
                        id,
                        chars: Some((first, last)),
                        space_at: first,
                        special_word: Some(words.len()),
                    });
                    words.push((first, last, true));
                }
                Segment::Text { first, end } => {
                    words.extend(words_of(&chars[first..end], first).map(|(a, b)| (a, b, false)));
                    let normalized = self.normalize(&chars[first..end], first);
                    for pre in split_metaspace(&normalized) {
                        pieces.extend(self.viterbi(&pre));
                    }
                }
            }
        }
        if pieces.iter().all(|p| p.chars.is_none()) {
            return Err(Error::EmptyText); // nothing but spaces
        }
        let truncated = pieces.len() > max_body;
        pieces.truncate(max_body);
        // Each piece joins the word holding its first char, or for a bare ▁ the char its ▁
        // came from; a piece that starts on a char the rule skips (a space, or one the
        // normalizer kept as a char of its own, such as U+2000 with no charsmap rule) joins
        // the next word, or the last word at the end. A ▁ made from a char inside a word (the
        // charsmap turns U+200B into a space) stays in that word. One rule for every piece
        // keeps the words in order: the word never decreases as the position moves right.
        let firsts: Vec<usize> = words.iter().map(|w| w.0).collect();
        let word_of = |p: &Piece| -> usize {
            if let Some(w) = p.special_word {
                return w;
            }
            let at = p.chars.map_or(p.space_at, |(c, _)| c);
            let after = firsts.partition_point(|&f| f <= at); // words starting at or before it
            if after > 0 && at <= words[after - 1].1 {
                after - 1
            } else {
                after.min(firsts.len().saturating_sub(1))
            }
        };
        let assigned: Vec<usize> = pieces.iter().map(word_of).collect();
        if words.is_empty() {
            // Every char the pieces cover is one the rule skips: one word holds them all.
            let covered = pieces.iter().filter_map(|p| p.chars);
            let first = covered.clone().map(|c| c.0).min().unwrap_or(0);
            let last = covered.map(|c| c.1).max().unwrap_or(0);
            words.push((first, last, false));
        }
        // Words that kept no piece (cut by truncation, or all normalized away) are dropped.
        let mut renumber = vec![usize::MAX; words.len()];
        let mut out_words = vec![Word {
            text: self.vocab.pieces[self.vocab.bos as usize].clone(),
            span: Span::default(),
            special: true,
        }];
        let span_of = |first: usize, last: usize| Span {
            byte_start: chars[first].0,
            byte_end: chars[last].0 + chars[last].1.len_utf8(),
            char_start: first,
            char_end: last + 1,
        };
        for &w in &assigned {
            if renumber[w] == usize::MAX {
                renumber[w] = out_words.len();
                let (first, last, special) = words[w];
                let span = span_of(first, last);
                out_words.push(Word {
                    text: text[span.byte_start..span.byte_end].to_string(),
                    span,
                    special,
                });
            }
        }
        let mut tokens = vec![Token {
            text: self.vocab.pieces[self.vocab.bos as usize].clone(),
            id: self.vocab.bos,
            word: 0,
            span: Span::default(),
        }];
        for (p, &w) in pieces.into_iter().zip(&assigned) {
            tokens.push(Token {
                span: p.chars.map(|(a, b)| span_of(a, b)).unwrap_or_default(),
                text: p.text,
                id: p.id,
                word: renumber[w],
            });
        }
        let eos = (
            self.vocab.pieces[self.vocab.eos as usize].as_str(),
            self.vocab.eos,
        );
        Ok(Encoding::closed(tokens, out_words, truncated, text, eos))
    }

    /// Precompiled charsmap over graphemes (as HF: a grapheme under 6 bytes is looked up
    /// whole, else char by char), then runs of spaces collapsed to one.
    fn normalize(&self, chars: &[(usize, char)], base: usize) -> Vec<NormChar> {
        let s: String = chars.iter().map(|c| c.1).collect();
        let mut out: Vec<NormChar> = Vec::with_capacity(chars.len());
        let mut index = base; // original index of the grapheme's first char
        for g in s.graphemes(true) {
            let n = g.chars().count();
            let whole = if g.len() < 6 {
                self.charsmap.transform(g)
            } else {
                None
            };
            match whole {
                Some(norm) => out.extend(norm.chars().map(|c| NormChar { c, origin: index })),
                None => {
                    for (k, c) in g.chars().enumerate() {
                        let mut buf = [0u8; 4];
                        match self.charsmap.transform(c.encode_utf8(&mut buf)) {
                            Some(norm) => out.extend(norm.chars().map(|c| NormChar {
                                c,
                                origin: index + k,
                            })),
                            None => out.push(NormChar {
                                c,
                                origin: index + k,
                            }),
                        }
                    }
                }
            }
            index += n;
        }
        out.dedup_by(|b, a| a.c == ' ' && b.c == ' '); // Replace(" {2,}", " ")
        out
    }

    /// HF `Unigram::encode_optimized`: the best-scoring split of one pre-token, scores summed
    /// in f64; a char no piece starts with is unknown, and unknowns in a row fuse into one.
    fn viterbi(&self, word: &[NormChar]) -> Vec<Piece> {
        let s: String = word.iter().map(|n| n.c).collect();
        // Byte offset of each char, and one past the end.
        let bounds: Vec<usize> = s.char_indices().map(|(b, _)| b).chain([s.len()]).collect();
        let n = word.len();
        // best[e] = (score, start char, piece id or None for unknown) of the best path to e
        let mut best: Vec<Option<(f64, usize, Option<u32>)>> = vec![None; n + 1];
        let mut reach = vec![f64::NEG_INFINITY; n + 1];
        reach[0] = 0.0;
        for start in 0..n {
            let here = reach[start];
            let mut single = false;
            for end in start + 1..=n {
                if bounds[end] - bounds[start] > self.max_piece_bytes {
                    break;
                }
                if let Some(&id) = self.index.get(&s[bounds[start]..bounds[end]]) {
                    let score = here + self.vocab.scores[id as usize] as f64;
                    if best[end].is_none() || score > reach[end] {
                        best[end] = Some((score, start, Some(id)));
                        reach[end] = score;
                    }
                    single |= end == start + 1;
                }
            }
            if !single {
                let score = here + self.unk_score;
                if best[start + 1].is_none() || score > reach[start + 1] {
                    best[start + 1] = Some((score, start, None));
                    reach[start + 1] = score;
                }
            }
        }
        // Back from the end: (start, end, id) spans, unknowns in a row fused.
        let mut spans: Vec<(usize, usize, Option<u32>)> = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, id) = best[end].expect("every char boundary is reachable");
            match (id, spans.last_mut()) {
                (None, Some(last)) if last.2.is_none() && last.0 == end => last.0 = start,
                _ => spans.push((start, end, id)),
            }
            end = start;
        }
        spans.reverse();
        spans
            .into_iter()
            .map(|(a, b, id)| {
                let covered: Vec<&NormChar> =
                    word[a..b].iter().filter(|n| n.c != METASPACE).collect();
                Piece {
                    text: s[bounds[a]..bounds[b]].to_string(),
                    id: id.unwrap_or(self.vocab.unk),
                    chars: covered
                        .first()
                        .map(|f| (f.origin, covered.last().unwrap_or(f).origin)),
                    space_at: word[a].origin,
                    special_word: None,
                }
            })
            .collect()
    }
}

/// Metaspace (replacement ▁, prepend always, split): spaces become ▁, a ▁ is put in front
/// unless one is there, and each ▁ starts a new pre-token.
fn split_metaspace(normalized: &[NormChar]) -> Vec<Vec<NormChar>> {
    if normalized.is_empty() {
        return Vec::new();
    }
    let mut s: Vec<NormChar> = normalized
        .iter()
        .map(|n| NormChar {
            c: if n.c == ' ' { METASPACE } else { n.c },
            origin: n.origin,
        })
        .collect();
    if s[0].c != METASPACE {
        s.insert(
            0,
            NormChar {
                c: METASPACE,
                origin: s[0].origin,
            },
        );
    }
    let mut out: Vec<Vec<NormChar>> = Vec::new();
    for n in s {
        if n.c == METASPACE || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().expect("pushed above").push(n);
    }
    out
}

/// The words a reader sees, the same rule for every model: spans of the original text
/// between whitespace, each punctuation char and each CJK ideograph a word of its own.
/// Returns (first, last) original char indices; `base` is the index of `chars[0]`.
pub(crate) fn words_of(
    chars: &[(usize, char)],
    base: usize,
) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &(_, c)) in chars.iter().enumerate() {
        let alone = super::is_bert_punctuation(c) || super::wordpiece::is_chinese_char(c);
        if super::wordpiece::is_whitespace(c) || alone {
            if let Some(s) = start.take() {
                out.push((base + s, base + i - 1));
            }
            if alone {
                out.push((base + i, base + i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((base + s, base + chars.len() - 1));
    }
    out.into_iter()
}

/// SentencePiece's precompiled normalization rules: a double-array trie over UTF-8 bytes
/// whose values point into a table of NUL-terminated replacements. Read with bounds checks
/// throughout (a damaged bundle is an error or a missed rule, never a panic); the lookups
/// behave as `spm_precompiled`'s (the first, shortest matching prefix wins).
struct Charsmap {
    trie: Vec<u32>,
    normalized: Vec<u8>,
}

impl Charsmap {
    fn parse(bytes: &[u8]) -> Result<Charsmap> {
        let bad =
            || Error::Vocab("the normalization table (precompiled charsmap) is damaged".into());
        let size = u32::from_le_bytes(
            bytes
                .get(..4)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ) as usize;
        let trie_bytes = bytes.get(4..4 + size).ok_or_else(bad)?;
        if !size.is_multiple_of(4) || size == 0 {
            return Err(bad());
        }
        let trie = trie_bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Charsmap {
            trie,
            normalized: bytes[4 + size..].to_vec(),
        })
    }

    /// The replacement for the shortest prefix of `chunk` that has one, if any.
    fn transform(&self, chunk: &str) -> Option<&str> {
        let unit = |pos: usize| self.trie.get(pos).map(|&u| u as usize);
        let offset = |u: usize| (u >> 10) << ((u & (1 << 9)) >> 6);
        let mut pos = offset(unit(0)?);
        for &c in chunk.as_bytes() {
            if c == 0 {
                break;
            }
            pos ^= c as usize;
            let u = unit(pos)?;
            if u & ((1 << 31) | 0xFF) != c as usize {
                return None;
            }
            pos ^= offset(u);
            if (u >> 8) & 1 == 1 {
                let start = unit(pos)? & ((1 << 31) - 1);
                let rest = self.normalized.get(start..)?;
                let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                return std::str::from_utf8(&rest[..len]).ok();
            }
        }
        None
    }
}
