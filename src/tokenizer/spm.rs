//! SentencePiece BPE (Gemma 3), read from a GGUF's `tokenizer.ggml.*` metadata
//! (`tokenizer.ggml.model = llama`: pieces, scores and types, no merges), giving what
//! SentencePiece itself gives for the model's tokenizer.model, step by step:
//!
//! 1. Spaces become `▁` (U+2581), one char for one char, so char offsets carry over; nothing
//!    else is normalized (Gemma's normalizer is the identity, with no dummy prefix and extra
//!    whitespace kept).
//! 2. Control pieces (token type 3: `<bos>`, `<start_of_turn>`, `<unused0>` …) and user-defined
//!    pieces (type 4: runs of 2 to 31 spaces, of newlines and of tabs, `<b>`, `<table>` …)
//!    are matched whole in that text, leftmost-longest. User-defined pieces are SentencePiece's
//!    own (its prefix matcher, on the escaped text, so a run of spaces matches the run piece,
//!    which llama.cpp's converter stored with real spaces); control pieces typed in the text are
//!    read as HF `tokenizers` reads them (special added tokens) and llama.cpp does by default:
//!    `<start_of_turn>` typed is one token, as a chat template needs.
//! 3. Between them, BPE over the chars (`bpe_model.cc`, as llama.cpp's `llm_tokenizer_spm`):
//!    repeatedly merge the adjacent pair whose concatenation is a normal piece of the highest
//!    score, the leftmost on a tie, with a priority queue of candidate pairs (stale entries are
//!    skipped when popped), so a text costs O(n log n).
//! 4. A symbol that is not a piece (a char outside the vocabulary) becomes the `<0xXX>` pieces
//!    of its UTF-8 bytes (byte fallback), or `<unk>` for a byte with no piece.
//!
//! The fixtures (scripts/make_gemma_tokenizer_fixtures.py) compare this with SentencePiece and
//! with HF `tokenizers` built as transformers' GemmaConverter builds Gemma's tokenizer.json.
//! The two agree but for a typed `▁▁` (HF matches it literally before normalizing); a
//! tokenizer.json made with transformers' earlier merge order also splits runs of more than 31
//! spaces differently (16 + 16 + 18 for 50, where SentencePiece and llama.cpp give 31 + 19).
//! This module follows SentencePiece, the model's own tokenizer.
//!
//! Offsets: a token spans the original chars it came from less its leading spaces (as the
//! byte-level BPE's `trim_offsets`), so a piece of spaces alone is empty and joins the next
//! word; each byte-fallback piece spans its whole char. Words by the rule every model shares.
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::unigram::words_of;
use super::{Encoding, Span, Token, Word, MAX_TEXT_CHARS};
use crate::error::{Error, Result};
use crate::load::gguf::Gguf;

/// GGUF token types (`LLAMA_TOKEN_TYPE_*`, SentencePiece's piece types).
const NORMAL: u8 = 1;
const UNKNOWN: u8 = 2;
const CONTROL: u8 = 3;
const USER_DEFINED: u8 = 4;
const UNUSED: u8 = 5;
const BYTE: u8 = 6;
/// Most tokens a vocabulary may hold (Gemma 3 has 262,144).
const MAX_VOCAB: usize = 1 << 20;
/// SentencePiece's whitespace symbol.
const SPACE: char = '\u{2581}';
const EMPTY: u32 = u32::MAX;

pub struct Spm {
    /// Every piece's text back to back, as the vocabulary spells it (`▁menina`; the runs of
    /// spaces with real spaces, as the GGUF has them).
    text: String,
    /// Piece `i` is `text[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    scores: Vec<f32>,
    kinds: Vec<u8>,
    /// Open addressing (linear probing) from a normal piece's text to its id; EMPTY is free.
    table: Vec<u32>,
    /// Control and user-defined pieces as matched in the escaped text (spaces as ▁), sorted
    /// by their bytes, with their ids.
    specials: Vec<(String, u32)>,
    /// Whether some special starts with this byte (the common case, no, is one lookup).
    special_first: Box<[bool; 256]>,
    /// The `<0xXX>` piece of each byte, if the vocabulary has it.
    byte_ids: Box<[Option<u32>; 256]>,
    unk: Option<u32>,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    /// Whether `encode` puts the BOS token first (`tokenizer.ggml.add_bos_token`).
    pub add_bos: bool,
}

/// FNV-1a: short keys, no dependency, the same on every target.
fn hash(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The byte of a `<0xXX>` piece.
fn byte_of(piece: &str) -> Option<u8> {
    let hex = piece.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

/// A candidate merge of the symbols `left` and `right` into a piece of `len` bytes and
/// `score`. The queue pops the highest score, then the leftmost.
struct Candidate {
    score: f32,
    left: u32,
    right: u32,
    len: u32,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

/// A stretch of the text to tokenize: chars `first..end` of the text.
enum Part {
    Text {
        first: usize,
        end: usize,
    },
    /// A control or user-defined piece matched whole, chars `first..end`.
    Piece {
        id: u32,
        first: usize,
        end: usize,
    },
}

impl Spm {
    /// The tokenizer of a GGUF (`tokenizer.ggml.model = llama`), every size and id checked.
    pub fn from_gguf(g: &Gguf) -> Result<Spm> {
        let model = g.str("tokenizer.ggml.model")?;
        if model != "llama" {
            return Err(Error::Vocab(format!(
                "tokenizer.ggml.model is {model:?}: this reader knows SentencePiece (\"llama\") only"
            )));
        }
        let flag = |key: &str| g.opt_bool(key).map_err(|e| Error::Vocab(e.to_string()));
        // llama.cpp prefixes a space when the key is missing; Gemma says false. Collapsing
        // spaces or closing with EOS are not what a decoder's prompt wants, and not done here.
        if flag("tokenizer.ggml.add_space_prefix")? != Some(false) {
            return Err(Error::Vocab(
                "tokenizer.ggml.add_space_prefix is not false: this reader knows SentencePiece with no space prefix (Gemma's) only".into(),
            ));
        }
        for key in [
            "tokenizer.ggml.remove_extra_whitespaces",
            "tokenizer.ggml.add_eos_token",
        ] {
            if flag(key)? == Some(true) {
                return Err(Error::Vocab(format!("{key} is true: not supported")));
            }
        }
        let id = |key: &str| -> Result<Option<u32>> {
            g.opt_u32(key).map_err(|e| Error::Vocab(e.to_string()))
        };
        Spm::new(
            g.str_array("tokenizer.ggml.tokens")?,
            g.f32_array("tokenizer.ggml.scores")?,
            g.i32_array("tokenizer.ggml.token_type")?,
            (
                id("tokenizer.ggml.bos_token_id")?,
                id("tokenizer.ggml.eos_token_id")?,
                id("tokenizer.ggml.unknown_token_id")?,
            ),
            flag("tokenizer.ggml.add_bos_token")?.unwrap_or(false),
        )
    }

    /// From the pieces with their GGUF `scores` and `types` (1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte). Unused pieces are never produced.
    pub fn new(
        tokens: &[String],
        scores: &[f32],
        types: &[i32],
        (bos, eos, unk): (Option<u32>, Option<u32>, Option<u32>),
        add_bos: bool,
    ) -> Result<Spm> {
        let n = tokens.len();
        if n == 0 || n > MAX_VOCAB {
            return Err(Error::Vocab(format!(
                "{n} tokens: a vocabulary holds 1 to {MAX_VOCAB}"
            )));
        }
        if scores.len() != n || types.len() != n {
            return Err(Error::Vocab(format!(
                "{n} tokens but {} scores and {} token types",
                scores.len(),
                types.len()
            )));
        }
        for (name, v) in [("bos", bos), ("eos", eos), ("unknown", unk)] {
            if let Some(v) = v.filter(|&v| v as usize >= n) {
                return Err(Error::Vocab(format!(
                    "the {name} token id {v} is outside the {n} tokens"
                )));
            }
        }
        if add_bos && bos.is_none() {
            return Err(Error::Vocab(
                "add_bos_token is set but there is no bos_token_id".into(),
            ));
        }
        let mut kinds = Vec::with_capacity(n);
        let mut clean = Vec::with_capacity(n);
        for (i, (&t, &s)) in types.iter().zip(scores).enumerate() {
            let kind = match u8::try_from(t) {
                Ok(k @ (NORMAL | UNKNOWN | CONTROL | USER_DEFINED | UNUSED | BYTE)) => k,
                _ => return Err(Error::Vocab(format!("token {i} has the unknown type {t}"))),
            };
            if s.is_nan() {
                return Err(Error::Vocab(format!("token {i}'s score is not a number")));
            }
            if kind == BYTE && byte_of(&tokens[i]).is_none() {
                return Err(Error::Vocab(format!(
                    "token {i} ({:?}) is a byte token not spelled <0xXX>",
                    tokens[i]
                )));
            }
            kinds.push(kind);
            clean.push(s + 0.0); // -0.0 (the first merge's score) compares as 0.0, as in C++
        }
        let total: usize = tokens.iter().map(String::len).sum();
        if total > u32::MAX as usize {
            return Err(Error::Vocab(
                "the tokens hold more than 4 GB of text".into(),
            ));
        }
        let mut text = String::with_capacity(total);
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for t in tokens {
            text.push_str(t);
            offsets.push(text.len() as u32);
        }
        let normal = kinds.iter().filter(|&&k| k == NORMAL).count();
        let size = (normal.max(1) * 2).next_power_of_two();
        let mut spm = Spm {
            text,
            offsets,
            scores: clean,
            kinds,
            table: vec![EMPTY; size],
            specials: Vec::new(),
            special_first: Box::new([false; 256]),
            byte_ids: Box::new([None; 256]),
            unk,
            bos,
            eos,
            add_bos,
        };
        for (i, t) in tokens.iter().enumerate() {
            match spm.kinds[i] {
                // A repeated piece: the first id keeps it (SentencePiece would refuse the file).
                NORMAL if !t.is_empty() && spm.lookup(t.as_bytes()).is_none() => {
                    spm.insert(i as u32)
                }
                CONTROL | USER_DEFINED if !t.is_empty() => {
                    spm.specials.push((t.replace(' ', "\u{2581}"), i as u32))
                }
                BYTE => {
                    let b = byte_of(t).expect("checked above");
                    spm.byte_ids[b as usize].get_or_insert(i as u32);
                }
                _ => {}
            }
        }
        spm.specials.sort_by(|a, b| a.0.cmp(&b.0));
        spm.specials.dedup_by(|a, b| a.0 == b.0); // the first id of a repeated spelling
        for (s, _) in &spm.specials {
            spm.special_first[s.as_bytes()[0] as usize] = true;
        }
        Ok(spm)
    }

    fn insert(&mut self, id: u32) {
        let mask = self.table.len() - 1;
        let mut at = hash(self.piece(id).as_bytes()) as usize & mask;
        while self.table[at] != EMPTY {
            at = (at + 1) & mask;
        }
        self.table[at] = id;
    }

    /// The id of the normal piece spelled `s`.
    fn lookup(&self, s: &[u8]) -> Option<u32> {
        let mask = self.table.len() - 1;
        let mut at = hash(s) as usize & mask;
        loop {
            let id = self.table[at];
            if id == EMPTY {
                return None;
            }
            if self.piece(id).as_bytes() == s {
                return Some(id);
            }
            at = (at + 1) & mask;
        }
    }

    fn piece(&self, id: u32) -> &str {
        let i = id as usize;
        &self.text[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn vocab_size(&self) -> usize {
        self.kinds.len()
    }

    /// A token as the vocabulary spells it (`▁menina`, `<0xC3>`, `<start_of_turn>`).
    pub fn token(&self, id: u32) -> Option<&str> {
        ((id as usize) < self.kinds.len()).then(|| self.piece(id))
    }

    /// Whether `id` is a control token (`<bos>`, `<eos>`, `<start_of_turn>`, `<unused0>` …).
    pub fn is_control(&self, id: u32) -> bool {
        self.kinds.get(id as usize) == Some(&CONTROL)
    }

    /// The text of `ids` (HF's decoder for Gemma: ▁ → space, byte pieces fused into UTF-8,
    /// a run of byte pieces that is not UTF-8 one U+FFFD per byte); control tokens as they are
    /// spelled; ids outside the vocabulary skipped.
    pub fn decode(&self, ids: &[u32]) -> String {
        fn flush(out: &mut String, bytes: &mut Vec<u8>) {
            match std::str::from_utf8(bytes) {
                Ok(s) => out.push_str(s),
                Err(_) => out.extend(std::iter::repeat_n('\u{FFFD}', bytes.len())),
            }
            bytes.clear();
        }
        let mut out = String::new();
        let mut bytes = Vec::new();
        for &id in ids {
            let Some(t) = self.token(id) else { continue };
            if self.kinds[id as usize] == BYTE {
                bytes.push(byte_of(t).expect("checked in new"));
                continue;
            }
            flush(&mut out, &mut bytes);
            out.extend(t.chars().map(|c| if c == SPACE { ' ' } else { c }));
        }
        flush(&mut out, &mut bytes);
        out
    }

    /// The longest special that `rest` starts with: (its length in bytes, its id).
    fn special_at(&self, rest: &[u8]) -> Option<(usize, u32)> {
        if !rest
            .first()
            .is_some_and(|&b| self.special_first[b as usize])
        {
            return None;
        }
        let sp = &self.specials;
        let (mut lo, mut hi, mut k) = (0, sp.len(), 0);
        let mut best = None;
        // Invariant: sp[lo..hi] are the specials that start with rest[..k]; a shorter one
        // sorts before the longer ones it begins, so a full match is at `lo`.
        loop {
            if lo < hi && sp[lo].0.len() == k {
                best = Some((k, sp[lo].1));
                lo += 1;
            }
            if lo >= hi || k >= rest.len() {
                return best;
            }
            let b = rest[k];
            let a = lo + sp[lo..hi].partition_point(|s| s.0.as_bytes()[k] < b);
            hi = a + sp[a..hi].partition_point(|s| s.0.as_bytes()[k] <= b);
            lo = a;
            k += 1;
        }
    }

    /// The text's tokens (BOS first when `add_bos`), at most `max_tokens` (≥ 1) in all; no
    /// end special. A text of more than MAX_TEXT_CHARS chars is read up to there and marked
    /// truncated (memory and time stay bounded for any input).
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        let max_body = max_tokens.saturating_sub(usize::from(self.add_bos)).max(1);
        let (text, cut) = match text.char_indices().nth(MAX_TEXT_CHARS) {
            Some((end, _)) => (&text[..end], true),
            None => (text, false),
        };
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let escaped: String = chars
            .iter()
            .map(|&(_, c)| if c == ' ' { SPACE } else { c })
            .collect();
        // Byte offset in `escaped` of each char, and of the end.
        let mut at: Vec<usize> = escaped.char_indices().map(|(i, _)| i).collect();
        at.push(escaped.len());
        let parts = self.split(&escaped, &at);

        // (id, first char, end char, control word) of each token.
        let mut pieces: Vec<(u32, usize, usize, Option<usize>)> = Vec::new();
        let mut words: Vec<(usize, usize, bool)> = Vec::new(); // (first, last, special)
        let mut stretch = 0; // first char not yet given to words_of
        for part in parts {
            match part {
                Part::Piece { id, first, end } => {
                    if self.kinds[id as usize] == CONTROL {
                        words.extend(
                            words_of(&chars[stretch..first], stretch).map(|(a, b)| (a, b, false)),
                        );
                        pieces.push((id, first, end, Some(words.len())));
                        words.push((first, end - 1, true));
                        stretch = end;
                    } else {
                        pieces.push((id, first, end, None));
                    }
                }
                Part::Text { first, end } => self.bpe(&escaped, &at, first, end, &mut pieces),
            }
            if pieces.len() > max_body {
                break;
            }
        }
        words.extend(words_of(&chars[stretch..], stretch).map(|(a, b)| (a, b, false)));
        if pieces.is_empty() {
            return Err(Error::EmptyText);
        }
        let truncated = cut || pieces.len() > max_body;
        pieces.truncate(max_body);
        if words.is_empty() {
            // Only spaces and zero-width chars: one word holds them all.
            words.push((0, chars.len() - 1, false));
        }
        // A token's span less its leading spaces: a piece of spaces alone is empty, at its end.
        let spans: Vec<(usize, usize)> = pieces
            .iter()
            .map(|&(_, c0, c1, _)| {
                let lead = chars[c0..c1].iter().take_while(|c| c.1 == ' ').count();
                (c0 + lead, c1)
            })
            .collect();
        // Each token joins the word holding its first char, else the next word, else the last.
        let firsts: Vec<usize> = words.iter().map(|w| w.0).collect();
        let word_of = |special: Option<usize>, at: usize| -> usize {
            if let Some(w) = special {
                return w;
            }
            let after = firsts.partition_point(|&f| f <= at);
            if after > 0 && at <= words[after - 1].1 {
                after - 1
            } else {
                after.min(firsts.len() - 1)
            }
        };
        let byte_at = |c: usize| chars.get(c).map_or(text.len(), |x| x.0);
        let span_of = |c0: usize, c1: usize| Span {
            byte_start: byte_at(c0),
            byte_end: byte_at(c1),
            char_start: c0,
            char_end: c1,
        };
        let mut out_words = Vec::new();
        let mut tokens = Vec::with_capacity(pieces.len() + 1);
        if self.add_bos {
            let bos = self.bos.expect("checked in new");
            out_words.push(Word {
                text: self.piece(bos).to_string(),
                span: Span::default(),
                special: true,
            });
            tokens.push(Token {
                text: self.piece(bos).to_string(),
                id: bos,
                word: 0,
                span: Span::default(),
            });
        }
        let mut renumber = vec![usize::MAX; words.len()];
        for (&(id, _, _, special), &(c0, c1)) in pieces.iter().zip(&spans) {
            let w = word_of(special, c0);
            if renumber[w] == usize::MAX {
                renumber[w] = out_words.len();
                let (first, last, special) = words[w];
                let span = span_of(first, last + 1);
                out_words.push(Word {
                    text: text[span.byte_start..span.byte_end].to_string(),
                    span,
                    special,
                });
            }
            tokens.push(Token {
                text: self.piece(id).to_string(),
                id,
                word: renumber[w],
                span: span_of(c0, c1),
            });
        }
        Ok(Encoding {
            tokens,
            words: out_words,
            truncated,
        })
    }

    /// The escaped text cut around its control and user-defined pieces, leftmost-longest.
    fn split(&self, escaped: &str, at: &[usize]) -> Vec<Part> {
        let bytes = escaped.as_bytes();
        let n = at.len() - 1;
        let mut parts = Vec::new();
        let (mut start, mut i) = (0, 0);
        while i < n {
            let Some((len, id)) = self.special_at(&bytes[at[i]..]) else {
                i += 1;
                continue;
            };
            if start < i {
                parts.push(Part::Text {
                    first: start,
                    end: i,
                });
            }
            let end = i + at[i..].partition_point(|&b| b < at[i] + len);
            parts.push(Part::Piece { id, first: i, end });
            i = end;
            start = end;
        }
        if start < n {
            parts.push(Part::Text {
                first: start,
                end: n,
            });
        }
        parts
    }

    /// BPE over chars `first..end` of the escaped text; appends (id, first char, end char,
    /// None) for each token.
    fn bpe(
        &self,
        escaped: &str,
        at: &[usize],
        first: usize,
        end: usize,
        out: &mut Vec<(u32, usize, usize, Option<usize>)>,
    ) {
        let bytes = escaped.as_bytes();
        let n = end - first;
        // Symbol i starts at char first + i; `len[i]` chars, 0 once merged into its left.
        let mut len = vec![1u32; n];
        let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
        let mut next: Vec<u32> = (1..=n as u32).collect();
        let span = |i: usize, chars: u32| &bytes[at[first + i]..at[first + i + chars as usize]];
        let mut queue = BinaryHeap::with_capacity(n);
        let candidate = |left: usize, right: usize, len: &[u32]| -> Option<Candidate> {
            let total = len[left] + len[right];
            let id = self.lookup(span(left, total))?;
            Some(Candidate {
                score: self.scores[id as usize],
                left: left as u32,
                right: right as u32,
                len: total,
            })
        };
        for i in 1..n {
            if let Some(c) = candidate(i - 1, i, &len) {
                queue.push(c);
            }
        }
        while let Some(top) = queue.pop() {
            let (l, r) = (top.left as usize, top.right as usize);
            // Stale: either side merged away or grown since the pair was queued.
            if len[l] == 0 || len[r] == 0 || len[l] + len[r] != top.len {
                continue;
            }
            len[l] = top.len;
            len[r] = 0;
            next[l] = next[r];
            if (next[l] as usize) < n {
                prev[next[l] as usize] = l as u32;
            }
            let (before, after) = (prev[l] as usize, next[l] as usize);
            if before < n {
                queue.extend(candidate(before, l, &len));
            }
            if after < n {
                queue.extend(candidate(l, after, &len));
            }
        }
        let mut i = 0;
        while i < n {
            let (c0, c1) = (first + i, first + i + len[i] as usize);
            let s = span(i, len[i]);
            match self.lookup(s) {
                Some(id) => out.push((id, c0, c1, None)),
                None => {
                    // Byte fallback: a symbol that is not a piece is one char.
                    for &b in s {
                        if let Some(id) = self.byte_ids[b as usize].or(self.unk) {
                            out.push((id, c0, c1, None));
                        }
                    }
                }
            }
            i = next[i] as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vocabulary built by hand: the specials, the bytes, a few pieces whose scores make the
    /// merge order visible.
    fn tiny() -> Spm {
        let mut v: Vec<(String, f32, i32)> = vec![
            ("<pad>".into(), 0.0, 3),
            ("<eos>".into(), 0.0, 3),
            ("<bos>".into(), 0.0, 3),
            ("<unk>".into(), 0.0, 3),
            ("<start_of_turn>".into(), 0.0, 3),
            ("\n".into(), 0.0, 4),
            ("\n\n".into(), 0.0, 4),
            ("  ".into(), 0.0, 4),
            ("   ".into(), 0.0, 4),
            ("<b>".into(), 0.0, 4),
        ];
        for b in 0..=255u8 {
            v.push((format!("<0x{b:02X}>"), 0.0, 6));
        }
        for (p, s) in [
            ("▁", -100.0),
            ("a", -101.0),
            ("b", -102.0),
            ("c", -103.0),
            ("ç", -104.0),
            ("ã", -105.0),
            ("o", -106.0),
            ("<", -107.0),
            (">", -108.0),
            ("ab", -1.0),
            ("bc", -0.5), // beats "ab": "abc" is a + bc, then abc
            ("abc", -3.0),
            ("▁a", -2.0),
            ("▁ab", -4.0),
            ("ão", -5.0),
            ("ção", -6.0),
        ] {
            v.push((p.into(), s, 1));
        }
        let scores: Vec<f32> = v.iter().map(|x| x.1).collect();
        let types: Vec<i32> = v.iter().map(|x| x.2).collect();
        let tokens: Vec<String> = v.into_iter().map(|x| x.0).collect();
        Spm::new(&tokens, &scores, &types, (Some(2), Some(1), Some(3)), true).unwrap()
    }

    fn texts(e: &Encoding) -> Vec<&str> {
        e.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    fn ids(e: &Encoding) -> Vec<u32> {
        e.tokens.iter().map(|t| t.id).collect()
    }

    #[test]
    fn merges_by_score_then_leftmost() {
        let t = tiny();
        // "abc": bc (-0.5) before ab (-1.0), then a + bc = abc.
        assert_eq!(texts(&t.encode_max("abc", 10).unwrap()), ["<bos>", "abc"]);
        // " ab": ▁a (-2) before ab? No: ab (-1) first, then ▁ + ab = ▁ab.
        assert_eq!(texts(&t.encode_max(" ab", 10).unwrap()), ["<bos>", "▁ab"]);
        // Equal scores: the leftmost pair first ("abab": ab, ab, not a, bab).
        assert_eq!(
            texts(&t.encode_max("abab", 10).unwrap()),
            ["<bos>", "ab", "ab"]
        );
    }

    #[test]
    fn user_defined_and_control_pieces_are_whole_and_spaces_are_pieces() {
        let t = tiny();
        let e = t.encode_max("a  b<start_of_turn>\n\n\n<b>", 20).unwrap();
        assert_eq!(
            texts(&e),
            [
                "<bos>",
                "a",
                "  ",
                "b",
                "<start_of_turn>",
                "\n\n",
                "\n",
                "<b>"
            ]
        );
        // Five spaces: the longest run first, leftmost.
        let e = t.encode_max("a     b", 20).unwrap();
        assert_eq!(texts(&e), ["<bos>", "a", "   ", "  ", "b"]);
        // A typed ▁ is a space to SentencePiece.
        let e = t.encode_max("a \u{2581}b", 20).unwrap();
        assert_eq!(texts(&e), ["<bos>", "a", "  ", "b"]);
        // A broken control piece is text.
        let e = t.encode_max("<start_of_tur", 40).unwrap();
        assert_eq!(texts(&e)[1], "<");
    }

    #[test]
    fn byte_fallback_spans_and_decoding() {
        let t = tiny();
        let e = t.encode_max("açã😀 ção", 20).unwrap();
        assert_eq!(
            texts(&e),
            ["<bos>", "a", "ç", "ã", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>", "▁", "ção"]
        );
        let spans: Vec<(usize, usize)> = e.tokens[1..]
            .iter()
            .map(|t| (t.span.char_start, t.span.char_end))
            .collect();
        assert_eq!(
            spans,
            [
                (0, 1),
                (1, 2),
                (2, 3),
                (3, 4),
                (3, 4),
                (3, 4),
                (3, 4),
                (5, 5),
                (5, 8)
            ]
        );
        assert_eq!(e.tokens[4].span.byte_start, "açã".len());
        assert_eq!(e.tokens[4].span.byte_end, "açã😀".len());
        let words: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["<bos>", "açã😀", "ção"]);
        assert_eq!(e.word_of_token(), [0, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
        assert_eq!(t.decode(&ids(&e)[1..]), "açã😀 ção");
        assert_eq!(t.decode(&ids(&e)), "<bos>açã😀 ção");
        // A run of byte pieces that is not UTF-8: one U+FFFD per byte, as HF's ByteFallback.
        let b = |x: u8| t.byte_ids[x as usize].unwrap();
        assert_eq!(t.decode(&[b(0xF0), b(0x9F)]), "\u{FFFD}\u{FFFD}");
        assert_eq!(t.decode(&[b(0xC3), 100_000, b(0xA7)]), "ç");
        assert_eq!(t.decode(&[]), "");
    }

    #[test]
    fn limits_empty_text_and_only_spaces() {
        let t = tiny();
        let e = t.encode_max("ab ab ab", 3).unwrap();
        assert_eq!(texts(&e), ["<bos>", "ab", "▁ab"]);
        assert!(e.truncated);
        assert_eq!(t.encode_max("", 10), Err(Error::EmptyText));
        let e = t.encode_max("   ", 10).unwrap();
        assert_eq!((texts(&e), e.words.len()), (vec!["<bos>", "   "], 2));
        assert_eq!(e.tokens[1].span.char_start, 3);
    }

    #[test]
    fn bad_vocabularies_are_errors() {
        let spm = |tokens: &[&str],
                   scores: &[f32],
                   types: &[i32],
                   ids: (Option<u32>, Option<u32>, Option<u32>),
                   bos: bool| {
            let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
            Spm::new(&tokens, scores, types, ids, bos)
        };
        let none = (None, None, None);
        assert!(spm(&[], &[], &[], none, false).is_err());
        assert!(spm(&["a"], &[0.0], &[1, 1], none, false).is_err());
        assert!(spm(&["a"], &[0.0], &[9], none, false).is_err());
        assert!(spm(&["<0xZZ>"], &[0.0], &[6], none, false).is_err());
        assert!(spm(&["a"], &[f32::NAN], &[1], none, false).is_err());
        assert!(spm(&["a"], &[0.0], &[1], (Some(1), None, None), false).is_err());
        assert!(spm(&["a"], &[0.0], &[1], none, true).is_err());
        // An empty control piece is kept but never matched; a repeated piece keeps its first id.
        let t = spm(&["a", "", "a"], &[0.0; 3], &[1, 3, 1], none, false).unwrap();
        let e = t.encode_max("aa", 10).unwrap();
        assert_eq!(e.tokens.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 0]);
    }
}
