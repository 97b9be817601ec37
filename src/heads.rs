//! What each head does on this sentence, measured from its attention (Clark et al. 2019,
//! "What does BERT look at?"): the mean share of attention a piece gives to the previous
//! piece, the next, itself, [CLS], [SEP], punctuation and the other pieces of its own word,
//! and how spread out it is. The jury's plain-words label is the strongest of these.
use serde::Serialize;

use crate::tokenizer::{is_bert_punctuation, Encoding};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Label {
    /// looks at the previous piece
    Previous,
    /// looks at the next piece
    Next,
    /// looks at itself
    Itself,
    /// looks at [CLS]
    Cls,
    /// looks at [SEP] (a no-op: the jury counts it as abstaining)
    Sep,
    /// looks at punctuation
    Punctuation,
    /// looks at the other pieces of its own word
    SameWord,
    /// spreads its attention (high entropy)
    Spreads,
    /// each piece picks particular words (no single pattern)
    Content,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Measures {
    pub previous: f32,
    pub next: f32,
    pub itself: f32,
    pub cls: f32,
    pub sep: f32,
    pub punctuation: f32,
    /// Over pieces whose word has more than one piece; 0 when there is none.
    pub same_word: f32,
    /// Mean row entropy divided by ln(T): 0 = all on one key, 1 = uniform.
    pub entropy: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeadSummary {
    pub label: Label,
    /// The measure behind the label (the share, or the entropy for Spreads).
    pub strength: f32,
    pub measures: Measures,
}

/// A pattern names the head when this share of attention follows it on average.
pub const PATTERN_SHARE: f32 = 0.4;
/// Below every pattern, a head this spread out "spreads its attention".
pub const SPREAD_ENTROPY: f32 = 0.6;

/// Σ a·ln a over a row (a = 0 adds 0: `ln` takes no branch), in four independent sums so
/// the compiler can keep them in one SIMD register (one running sum goes value by value).
fn plogp(row: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let mut chunks = row.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            acc[k] += c[k] * crate::kernels::ln(c[k]);
        }
    }
    let tail: f32 = chunks
        .remainder()
        .iter()
        .map(|&v| v * crate::kernels::ln(v))
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// What every head's summary needs to know of the sentence, worked out once per run.
struct Sentence {
    t: usize,
    /// Indices of the punctuation pieces.
    punct: Vec<usize>,
    /// For each piece, the pieces of its word (a word's pieces are consecutive). (T)
    word_span: Vec<std::ops::Range<usize>>,
    /// Rows of real pieces: [CLS] and [SEP] attend in their own way and would blur the picture.
    rows: std::ops::Range<usize>,
}

impl Sentence {
    fn new(enc: &Encoding) -> Sentence {
        let t = enc.tokens.len();
        let punct = (0..t)
            .filter(|&i| {
                let text = &enc.tokens[i].text;
                !text.starts_with('[') && text.chars().all(is_bert_punctuation)
            })
            .collect();
        let word = enc.word_of_token();
        let word_span = (0..t)
            .map(|i| {
                let start = (0..=i)
                    .rev()
                    .take_while(|&j| word[j] == word[i])
                    .last()
                    .unwrap_or(i);
                let end = (i..t)
                    .take_while(|&j| word[j] == word[i])
                    .last()
                    .unwrap_or(i)
                    + 1;
                start..end
            })
            .collect();
        let rows = if t > 2 { 1..t - 1 } else { 0..t };
        Sentence {
            t,
            punct,
            word_span,
            rows,
        }
    }
}

/// Summarizes one head from its attention `a` (T×T, row-major).
pub fn summarize(a: &[f32], enc: &Encoding) -> HeadSummary {
    summarize_in(a, &Sentence::new(enc))
}

fn summarize_in(a: &[f32], sentence: &Sentence) -> HeadSummary {
    let t = sentence.t;
    assert_eq!(a.len(), t * t, "attention is not T×T");
    let rows = sentence.rows.clone();
    let mut m = Measures::default();
    let (mut same_rows, mut same_sum) = (0usize, 0.0f32);
    for i in rows.clone() {
        let row = &a[i * t..(i + 1) * t];
        m.previous += if i > 0 { row[i - 1] } else { 0.0 };
        m.next += if i + 1 < t { row[i + 1] } else { 0.0 };
        m.itself += row[i];
        m.cls += row[0];
        m.sep += row[t - 1];
        m.punctuation += sentence.punct.iter().map(|&j| row[j]).sum::<f32>();
        let span = sentence.word_span[i].clone();
        if span.len() > 1 {
            same_rows += 1;
            same_sum += row[span].iter().sum::<f32>() - row[i];
        }
        if t > 1 {
            m.entropy += -plogp(row) / (t as f32).ln();
        }
    }
    let n = rows.len() as f32;
    for v in [
        &mut m.previous,
        &mut m.next,
        &mut m.itself,
        &mut m.cls,
        &mut m.sep,
        &mut m.punctuation,
        &mut m.entropy,
    ] {
        *v /= n;
    }
    m.same_word = if same_rows > 0 {
        same_sum / same_rows as f32
    } else {
        0.0
    };

    let patterns = [
        (Label::Previous, m.previous),
        (Label::Next, m.next),
        (Label::Itself, m.itself),
        (Label::Cls, m.cls),
        (Label::Sep, m.sep),
        (Label::Punctuation, m.punctuation),
        (Label::SameWord, m.same_word),
    ];
    let (label, strength) =
        patterns.into_iter().fold(
            (Label::Content, 0.0),
            |best, p| if p.1 > best.1 { p } else { best },
        );
    let (label, strength) = if strength >= PATTERN_SHARE {
        (label, strength)
    } else if m.entropy >= SPREAD_ENTROPY {
        (Label::Spreads, m.entropy)
    } else {
        (Label::Content, strength)
    };
    HeadSummary {
        label,
        strength,
        measures: m,
    }
}

/// Every head of every layer: (L, H) in row-major order. `attention` is (L, H, T, T).
pub fn summarize_all(attention: &ndarray::Array4<f32>, enc: &Encoding) -> Vec<HeadSummary> {
    let sentence = Sentence::new(enc);
    attention
        .outer_iter()
        .flat_map(|layer| {
            layer
                .outer_iter()
                .map(|head| summarize_in(head.as_slice().expect("contiguous (T, T)"), &sentence))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::Tokenizer;

    fn enc(text: &str) -> Encoding {
        let v =
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nmen\n##ina\nestava\nradiante\n,\n.\no\ngato";
        Tokenizer::from_vocab_text(v).unwrap().encode(text).unwrap()
    }

    /// A (T×T) pattern where row i puts `share` on `target(i)` and spreads the rest evenly.
    fn pattern(t: usize, share: f32, target: impl Fn(usize) -> usize) -> Vec<f32> {
        let mut a = vec![(1.0 - share) / (t - 1) as f32; t * t];
        for i in 0..t {
            a[i * t + target(i)] = share;
        }
        a
    }

    #[test]
    fn previous_word_pattern_is_labelled_previous() {
        let e = enc("o gato estava radiante , a menina");
        let t = e.tokens.len();
        let s = summarize(&pattern(t, 1.0, |i| i.saturating_sub(1)), &e);
        assert_eq!(s.label, Label::Previous);
        assert!((s.measures.previous - 1.0).abs() < 1e-6);
    }

    #[test]
    fn uniform_attention_spreads_out() {
        let e = enc("o gato estava radiante , a menina");
        let t = e.tokens.len();
        let s = summarize(&vec![1.0 / t as f32; t * t], &e);
        assert_eq!(s.label, Label::Spreads);
        assert!((s.measures.entropy - 1.0).abs() < 1e-5);
    }

    #[test]
    fn each_constructed_pattern_gets_its_label() {
        let e = enc("o gato , a menina estava radiante");
        let t = e.tokens.len();
        let comma = e.tokens.iter().position(|x| x.text == ",").unwrap();
        let men = e.tokens.iter().position(|x| x.text == "men").unwrap();
        let cases: Vec<(Label, Vec<f32>)> = vec![
            (Label::Next, pattern(t, 0.9, |i| (i + 1).min(t - 1))),
            (Label::Itself, pattern(t, 0.9, |i| i)),
            (Label::Cls, pattern(t, 0.9, |_| 0)),
            (Label::Sep, pattern(t, 0.9, |_| t - 1)),
            (Label::Punctuation, pattern(t, 0.9, |_| comma)),
            (
                Label::SameWord,
                pattern(t, 0.9, |i| {
                    if i == men {
                        men + 1
                    } else if i == men + 1 {
                        men
                    } else {
                        i
                    }
                }),
            ),
        ];
        for (want, a) in cases {
            let s = summarize(&a, &e);
            // SameWord's rows are only "men"/"##ina"; elsewhere that pattern is Itself.
            if want == Label::SameWord {
                assert!((s.measures.same_word - 0.9).abs() < 1e-5, "{s:?}");
            } else {
                assert_eq!(s.label, want, "{s:?}");
            }
        }
    }

    #[test]
    fn a_weak_mixed_head_is_content_not_a_pattern() {
        let e = enc("o gato estava radiante , a menina");
        let t = e.tokens.len();
        // Each row looks hard at a key two places away: no named pattern, low entropy.
        let s = summarize(&pattern(t, 0.95, |i| (i + 2) % t), &e);
        assert_eq!(s.label, Label::Content, "{s:?}");
    }
}
