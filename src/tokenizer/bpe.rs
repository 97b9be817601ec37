//! Byte-level BPE (GPT-2's scheme; SmolLM2), read from a GGUF's `tokenizer.ggml.*` metadata
//! and giving what HF `tokenizers` gives for the model's tokenizer.json, step by step:
//! the control tokens (token_type 3) split out where typed verbatim (HF's special added
//! tokens) → the pre-tokenizer of `tokenizer.ggml.pre` (`smollm`: Digits(individual) then
//! ByteLevel's GPT-2 regex, no prefix space; llama.cpp's `LLAMA_VOCAB_PRE_TYPE_SMOLLM`) →
//! each pre-token's UTF-8 bytes as byte-level symbols (a byte with no symbol in the vocabulary
//! is dropped, as HF with no unknown token and llama.cpp both do) → merges by rank.
//!
//! Mirrors huggingface/tokenizers `pre_tokenizers/digits.rs`, `pre_tokenizers/byte_level.rs`
//! (the regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, here
//! a hand-written scanner) and `models/bpe/word.rs` (`merge_all`: a min-heap on (rank,
//! position)). A token's span is the original chars its bytes come from, less its leading
//! and trailing spaces (HF's ByteLevel `trim_offsets`); words by the rule every model shares.
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use super::unigram::words_of;
use super::{split_specials, Encoding, Segment, Span, Token, Word};
use crate::error::{Error, Result};
use crate::load::gguf::Gguf;

/// GGUF's token type of a control token (`LLAMA_TOKEN_TYPE_CONTROL`).
const TOKEN_TYPE_CONTROL: i32 = 3;
/// Most tokens a vocabulary may hold (Gemma 3 has 262,144).
const MAX_VOCAB: usize = 1 << 20;

/// The pre-tokenizers this reader knows, by `tokenizer.ggml.pre`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreTokenizer {
    /// `smollm`: every numeric char alone, then GPT-2's regex.
    SmolLm,
}

impl PreTokenizer {
    fn from_name(name: &str) -> Result<PreTokenizer> {
        match name {
            "smollm" => Ok(PreTokenizer::SmolLm),
            other => Err(Error::Vocab(format!(
                "tokenizer.ggml.pre is {other:?}: this reader knows the pre-tokenizer \"smollm\" only"
            ))),
        }
    }
}

pub struct Bpe {
    /// Token strings as the vocabulary spells them (byte-level chars: `Ġmenina`).
    tokens: Vec<String>,
    /// (left id, right id) → (rank, merged id).
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// The id of each byte's one-char token, if the vocabulary has it.
    byte_ids: Box<[Option<u32>; 256]>,
    /// Control tokens matched verbatim in the raw text.
    specials: Vec<(String, u32)>,
    pre: PreTokenizer,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    /// Whether `encode` puts the BOS token first (`tokenizer.ggml.add_bos_token`).
    pub add_bos: bool,
}

/// GPT-2's map from bytes to printable chars (`bytes_to_unicode`): the printable Latin-1
/// bytes stand for themselves, the others for U+0100 onwards in byte order.
fn byte_chars() -> [char; 256] {
    let mut out = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..256u32 {
        let printable =
            (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
        out[b as usize] = if printable {
            char::from_u32(b).expect("Latin-1")
        } else {
            n += 1;
            char::from_u32(255 + n).expect("Latin Extended-A")
        };
    }
    out
}

impl Bpe {
    /// The tokenizer of a GGUF (`tokenizer.ggml.model = gpt2`), every size and id checked.
    pub fn from_gguf(g: &Gguf) -> Result<Bpe> {
        let model = g.str("tokenizer.ggml.model")?;
        if model != "gpt2" {
            return Err(Error::Vocab(format!(
                "tokenizer.ggml.model is {model:?}: this reader knows byte-level BPE (\"gpt2\") only"
            )));
        }
        let pre = PreTokenizer::from_name(g.str("tokenizer.ggml.pre")?)?;
        let tokens = g.str_array("tokenizer.ggml.tokens")?;
        let types = g.i32_array("tokenizer.ggml.token_type")?;
        let merges = g.str_array("tokenizer.ggml.merges")?;
        let id = |key: &str| -> Result<Option<u32>> {
            g.opt_u32(key).map_err(|e| Error::Vocab(e.to_string()))
        };
        Bpe::new(
            tokens.to_vec(),
            types,
            merges,
            pre,
            (
                id("tokenizer.ggml.bos_token_id")?,
                id("tokenizer.ggml.eos_token_id")?,
            ),
            g.opt_bool("tokenizer.ggml.add_bos_token")?.unwrap_or(false),
        )
    }

    /// From the vocabulary (`tokens`, with their GGUF `types`) and `merges` ("left right",
    /// in rank order).
    pub fn new(
        tokens: Vec<String>,
        types: &[i32],
        merges: &[String],
        pre: PreTokenizer,
        (bos, eos): (Option<u32>, Option<u32>),
        add_bos: bool,
    ) -> Result<Bpe> {
        let n = tokens.len();
        if n == 0 || n > MAX_VOCAB {
            return Err(Error::Vocab(format!(
                "{n} tokens: a vocabulary holds 1 to {MAX_VOCAB}"
            )));
        }
        if types.len() != n {
            return Err(Error::Vocab(format!(
                "{n} tokens but {} token types",
                types.len()
            )));
        }
        for (name, id) in [("BOS", bos), ("EOS", eos)] {
            if let Some(id) = id.filter(|&id| id as usize >= n) {
                return Err(Error::Vocab(format!(
                    "the {name} id {id} is outside the {n} tokens"
                )));
            }
        }
        if add_bos && bos.is_none() {
            return Err(Error::Vocab(
                "add_bos_token is set but the vocabulary has no BOS id".into(),
            ));
        }
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(n);
        for (i, t) in tokens.iter().enumerate() {
            index.entry(t.as_str()).or_insert(i as u32);
        }
        let mut map = HashMap::with_capacity(merges.len());
        for (rank, m) in merges.iter().enumerate() {
            // As llama.cpp: the separating space is the first one after the first char.
            let cut = m
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == ' ')
                .map(|(i, _)| i);
            let bad = |why: &str| Error::Vocab(format!("merge {rank} ({m:?}) {why}"));
            let cut = cut.ok_or_else(|| bad("is not two tokens"))?;
            let (a, b) = (&m[..cut], &m[cut + 1..]);
            let ia = *index
                .get(a)
                .ok_or_else(|| bad("names a token not in the vocabulary"))?;
            let ib = *index
                .get(b)
                .ok_or_else(|| bad("names a token not in the vocabulary"))?;
            let merged = *index
                .get(format!("{a}{b}").as_str())
                .ok_or_else(|| bad("makes a token not in the vocabulary"))?;
            map.insert((ia, ib), (rank as u32, merged)); // a repeated pair: the later rank, as HF
        }
        let chars = byte_chars();
        let mut byte_ids = Box::new([None; 256]);
        for (b, c) in chars.iter().enumerate() {
            let mut buf = [0u8; 4];
            byte_ids[b] = index.get(&*c.encode_utf8(&mut buf)).copied();
        }
        let specials = types
            .iter()
            .enumerate()
            .filter(|&(i, &t)| t == TOKEN_TYPE_CONTROL && !tokens[i].is_empty())
            .map(|(i, _)| (tokens[i].clone(), i as u32))
            .collect();
        drop(index);
        Ok(Bpe {
            tokens,
            merges: map,
            byte_ids,
            specials,
            pre,
            bos,
            eos,
            add_bos,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// The text of `ids`: control tokens as they are spelled, the others' byte-level chars
    /// back to bytes (HF's ByteLevel decoder), invalid UTF-8 replaced by U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        let chars = byte_chars();
        let mut back: HashMap<char, u8> = HashMap::with_capacity(256);
        for (b, c) in chars.iter().enumerate() {
            back.insert(*c, b as u8);
        }
        let mut bytes = Vec::new();
        for &id in ids {
            let Some(t) = self.token(id) else { continue };
            if self.specials.iter().any(|s| s.1 == id) {
                bytes.extend(t.as_bytes());
                continue;
            }
            for c in t.chars() {
                match back.get(&c) {
                    Some(&b) => bytes.push(b),
                    None => bytes.extend(c.encode_utf8(&mut [0; 4]).as_bytes()),
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The text's tokens (BOS first when `add_bos`), at most `max_tokens` (≥ 1) in all; no
    /// end special. Pre-tokens are read only until the limit is passed.
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        let max_body = max_tokens.saturating_sub(usize::from(self.add_bos)).max(1);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut words: Vec<(usize, usize, bool)> = Vec::new(); // (first, last, special)
                                                               // (id, byte range in `text`, special word)
        let mut pieces: Vec<(u32, usize, usize, Option<usize>)> = Vec::new();
        let mut truncated = false;
        'segments: for seg in split_specials(&chars, &self.specials) {
            match seg {
                Segment::Special { id, first, last } => {
                    if pieces.len() == max_body {
                        truncated = true;
                        break 'segments;
                    }
                    let end = chars[last].0 + chars[last].1.len_utf8();
                    pieces.push((id, chars[first].0, end, Some(words.len())));
                    words.push((first, last, true));
                }
                Segment::Text { first, end } => {
                    let seg_words: Vec<(usize, usize, bool)> = words_of(&chars[first..end], first)
                        .map(|(a, b)| (a, b, false))
                        .collect();
                    words.extend(seg_words);
                    let start = chars[first].0;
                    let stop = chars.get(end).map_or(text.len(), |c| c.0);
                    for (a, b) in self.pre_tokens(&text[start..stop]) {
                        for (id, s, e) in self.merge(text, start + a, start + b) {
                            if pieces.len() == max_body {
                                truncated = true;
                                break 'segments;
                            }
                            pieces.push((id, s, e, None));
                        }
                    }
                }
            }
        }
        if pieces.is_empty() {
            return Err(Error::EmptyText);
        }
        if words.is_empty() {
            // Only spaces and zero-width chars: one word holds them all.
            words.push((0, chars.len() - 1, false));
        }
        let char_at = |byte: usize| chars.partition_point(|c| c.0 < byte); // char index at/after
        let char_of = |byte: usize| chars.partition_point(|c| c.0 <= byte) - 1; // char holding
        let mut spans = Vec::with_capacity(pieces.len());
        for &(id, s, e, _) in &pieces {
            let (mut c0, mut c1) = (char_of(s), char_at(e));
            let t = &self.tokens[id as usize];
            let lead = t.chars().take_while(|&c| c == 'Ġ').count();
            let trail = t.chars().rev().take_while(|&c| c == 'Ġ').count();
            if lead > 0 {
                c0 = (c0 + lead).min(c1);
            }
            if trail > 0 && c1 >= trail {
                c1 = (c1 - trail).max(c0);
            }
            spans.push((c0, c1));
        }
        // Each token joins the word holding its first char, else the next word, else the last.
        let firsts: Vec<usize> = words.iter().map(|w| w.0).collect();
        let word_of = |p: &(u32, usize, usize, Option<usize>), at: usize| -> usize {
            if let Some(w) = p.3 {
                return w;
            }
            let after = firsts.partition_point(|&f| f <= at);
            if after > 0 && at <= words[after - 1].1 {
                after - 1
            } else {
                after.min(firsts.len() - 1)
            }
        };
        let assigned: Vec<usize> = pieces
            .iter()
            .zip(&spans)
            .map(|(p, &(c0, _))| word_of(p, c0))
            .collect();
        let byte_of = |c: usize| chars.get(c).map_or(text.len(), |x| x.0);
        let span_of = |c0: usize, c1: usize| Span {
            byte_start: byte_of(c0),
            byte_end: byte_of(c1),
            char_start: c0,
            char_end: c1,
        };
        let mut out_words = Vec::new();
        let mut tokens = Vec::with_capacity(pieces.len() + 1);
        if self.add_bos {
            let bos = self.bos.expect("checked in new");
            let text = self.tokens[bos as usize].clone();
            out_words.push(Word {
                text: text.clone(),
                span: Span::default(),
                special: true,
            });
            tokens.push(Token {
                text,
                id: bos,
                word: 0,
                span: Span::default(),
            });
        }
        let mut renumber = vec![usize::MAX; words.len()];
        for ((p, &(c0, c1)), &w) in pieces.iter().zip(&spans).zip(&assigned) {
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
                text: self.tokens[p.0 as usize].clone(),
                id: p.0,
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

    /// The pre-tokens of a stretch of text with no special in it, as byte ranges of `s`.
    fn pre_tokens<'s>(&self, s: &'s str) -> impl Iterator<Item = (usize, usize)> + 's {
        let PreTokenizer::SmolLm = self.pre;
        // Digits(individual_digits): each numeric char alone, the stretches between them whole.
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if c.is_numeric() {
                if start < i {
                    parts.push((start, i));
                }
                parts.push((i, i + c.len_utf8()));
                start = i + c.len_utf8();
            }
        }
        if start < s.len() {
            parts.push((start, s.len()));
        }
        parts
            .into_iter()
            .flat_map(move |(a, b)| gpt2_split(&s[a..b]).map(move |(x, y)| (a + x, a + y)))
    }

    /// BPE over the bytes `start..end` of `text`: (id, byte start, byte end) of each token.
    /// HF's `Word::merge_all`: the lowest-ranked adjacent pair first, the leftmost on a tie.
    fn merge(&self, text: &str, start: usize, end: usize) -> Vec<(u32, usize, usize)> {
        // Symbols: (id, byte start, byte end, prev, next); a merged-away symbol has end == start.
        let mut sym: Vec<(u32, usize, usize, usize, usize)> = Vec::with_capacity(end - start);
        for (i, &b) in text.as_bytes()[start..end].iter().enumerate() {
            if let Some(id) = self.byte_ids[b as usize] {
                let n = sym.len();
                sym.push((id, start + i, start + i + 1, n.wrapping_sub(1), n + 1));
            }
        }
        let len = sym.len();
        let mut queue: BinaryHeap<Reverse<(u32, usize, u32)>> = sym
            .windows(2)
            .enumerate()
            .filter_map(|(i, w)| {
                self.merges
                    .get(&(w[0].0, w[1].0))
                    .map(|&(rank, id)| Reverse((rank, i, id)))
            })
            .collect();
        while let Some(Reverse((_, pos, new_id))) = queue.pop() {
            let (id, s, e, prev, next) = sym[pos];
            if e == s || next >= len {
                continue;
            }
            let right = sym[next];
            if self.merges.get(&(id, right.0)).map(|m| m.1) != Some(new_id) {
                continue; // an expired entry
            }
            sym[pos] = (new_id, s, right.2, prev, right.4);
            sym[next].2 = sym[next].1; // removed
            if right.4 < len {
                sym[right.4].3 = pos;
            }
            if prev < len {
                if let Some(&(rank, id)) = self.merges.get(&(sym[prev].0, new_id)) {
                    queue.push(Reverse((rank, prev, id)));
                }
            }
            if right.4 < len {
                if let Some(&(rank, id)) = self.merges.get(&(new_id, sym[right.4].0)) {
                    queue.push(Reverse((rank, pos, id)));
                }
            }
        }
        sym.into_iter()
            .filter(|s| s.2 > s.1)
            .map(|(id, s, e, _, _)| (id, s, e))
            .collect()
    }
}

fn is_letter(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Letter
}

fn is_number(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Number
}

/// Neither whitespace, nor a letter, nor a number: `[^\s\p{L}\p{N}]`.
fn is_other(c: char) -> bool {
    !c.is_whitespace() && !is_letter(c) && !is_number(c)
}

/// GPT-2's pre-tokenizer regex, alternatives tried in order at each position as Oniguruma
/// does: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
/// Yields byte ranges of `s`, which together cover it.
fn gpt2_split(s: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = move |i: usize| chars.get(i).map(|c| c.1);
    let byte = {
        let starts: Vec<usize> = s.char_indices().map(|c| c.0).collect();
        move |i: usize| starts.get(i).copied().unwrap_or(s.len())
    };
    let n = s.chars().count();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= n {
            return None;
        }
        let start = i;
        let run = |mut j: usize, f: fn(char) -> bool| {
            while at(j).is_some_and(f) {
                j += 1;
            }
            j
        };
        let c = at(i).expect("i < n");
        let next = at(i + 1);
        let end = if let Some(len) = contraction(&at, i) {
            i + len
        } else if is_letter(c) || (c == ' ' && next.is_some_and(is_letter)) {
            run(i + usize::from(c == ' '), is_letter)
        } else if is_number(c) || (c == ' ' && next.is_some_and(is_number)) {
            run(i + usize::from(c == ' '), is_number)
        } else if is_other(c) || (c == ' ' && next.is_some_and(is_other)) {
            run(i + usize::from(c == ' '), is_other)
        } else {
            // c is whitespace: `\s+(?!\S)` gives the run less its last char when a non-space
            // follows (and the run is longer than one); else `\s+`, the whole run.
            let j = run(i, char::is_whitespace);
            if j < n && j - i > 1 {
                j - 1
            } else {
                j
            }
        };
        i = end;
        Some((byte(start), byte(end)))
    })
}

/// The length in chars of `'s|'t|'re|'ve|'m|'ll|'d` at char `i`, if one is there.
fn contraction(at: &impl Fn(usize) -> Option<char>, i: usize) -> Option<usize> {
    if at(i)? != '\'' {
        return None;
    }
    match (at(i + 1)?, at(i + 2)) {
        ('s' | 't' | 'm' | 'd', _) => Some(2),
        ('r', Some('e')) | ('v', Some('e')) | ('l', Some('l')) => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        gpt2_split(s).map(|(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn gpt2_regex_alternatives_in_order() {
        assert_eq!(split("it's a cat"), ["it", "'s", " a", " cat"]);
        assert_eq!(split("they're'll"), ["they", "'re", "'ll"]);
        assert_eq!(split("a   b"), ["a", "  ", " b"]);
        assert_eq!(split("a \u{2003}b"), ["a", " ", "\u{2003}", "b"]);
        assert_eq!(split("x  "), ["x", "  "]);
        assert_eq!(split("ação!? ok"), ["ação", "!?", " ok"]);
        assert_eq!(split("e\u{301}"), ["e", "\u{301}"]);
        assert_eq!(split("中文 x"), ["中文", " x"]);
        assert_eq!(split("'x"), ["'", "x"]);
    }

    /// A vocabulary of the 256 byte chars and a few merges, built by hand.
    fn tiny(add_bos: bool) -> Bpe {
        let mut tokens: Vec<String> = byte_chars().iter().map(|c| c.to_string()).collect();
        for t in ["ab", "abc", "Ġa", "Ġab", "<s>"] {
            tokens.push(t.into());
        }
        let mut types = vec![1; tokens.len()];
        *types.last_mut().unwrap() = TOKEN_TYPE_CONTROL;
        let merges: Vec<String> = ["Ġ a", "a b", "ab c", "Ġa b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let bos = (tokens.len() - 1) as u32;
        Bpe::new(
            tokens,
            &types,
            &merges,
            PreTokenizer::SmolLm,
            (Some(bos), None),
            add_bos,
        )
        .unwrap()
    }

    fn texts(e: &Encoding) -> Vec<&str> {
        e.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn merges_by_rank_with_spans_and_words() {
        let t = tiny(false);
        let e = t.encode_max("abc abd<s>12", 100).unwrap();
        assert_eq!(texts(&e), ["abc", "Ġab", "d", "<s>", "1", "2"]);
        let spans: Vec<(usize, usize)> = e
            .tokens
            .iter()
            .map(|t| (t.span.char_start, t.span.char_end))
            .collect();
        assert_eq!(spans, [(0, 3), (4, 6), (6, 7), (7, 10), (10, 11), (11, 12)]);
        let words: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["abc", "abd", "<s>", "12"]);
        assert_eq!(e.word_of_token(), [0, 1, 1, 2, 3, 3]);
        assert!(e.words[2].special && !e.truncated);
        assert_eq!(
            t.decode(&e.tokens.iter().map(|t| t.id).collect::<Vec<_>>()),
            "abc abd<s>12"
        );
    }

    #[test]
    fn bos_limit_and_empty_text() {
        let t = tiny(true);
        let e = t.encode_max("ab ab ab", 3).unwrap();
        assert_eq!(texts(&e), ["<s>", "ab", "Ġab"]);
        assert!(e.truncated && e.words[0].special);
        assert_eq!(t.encode_max("", 10), Err(Error::EmptyText));
        // Only spaces: tokens of their own, in one word.
        let e = tiny(false).encode_max("  ", 10).unwrap();
        assert_eq!((texts(&e), e.words.len()), (vec!["Ġ", "Ġ"], 1));
    }

    #[test]
    fn bad_vocabularies_are_errors() {
        let bpe = |tokens: Vec<&str>, merges: Vec<&str>| {
            let types = vec![1; tokens.len()];
            Bpe::new(
                tokens.into_iter().map(String::from).collect(),
                &types,
                &merges.into_iter().map(String::from).collect::<Vec<_>>(),
                PreTokenizer::SmolLm,
                (None, None),
                false,
            )
        };
        assert!(bpe(vec![], vec![]).is_err());
        assert!(bpe(vec!["a", "b"], vec!["a b"]).is_err()); // "ab" missing
        assert!(bpe(vec!["a", "b", "ab"], vec!["ab"]).is_err());
        assert!(bpe(vec!["a", "b", "ab"], vec!["a b"]).is_ok());
        assert!(PreTokenizer::from_name("llama3").is_err());
    }
}
