// Whether an English-only model (MiniLM's WordPiece) is reading a text that is not English,
// measured on the run itself: the share of its words that the tokenizer had to split into
// pieces. English words are mostly in MiniLM's 30,522-piece vocabulary; Portuguese words
// mostly are not ("menina" → men ##ina).
//
// Measured with MiniLM's tokenizer (orquestra attention) on the page's own strings,
// www/i18n/pt.json against en.json (the 111 Portuguese and 112 English strings of 4 or more
// words, placeholders removed): the share of split words has a median of 0.60 in Portuguese
// (10th percentile 0.50) and 0.00 in English (90th percentile 0.11). At 0.3, 2 of the 111
// Portuguese strings are missed (the shortest: "O maestro e a afinação", "melodia = Σ a·v")
// and none of the 112 English strings is flagged.

/** Words (with a letter) below this count say too little to judge. */
export const MIN_WORDS = 4;
/** A text whose words are split at this share or more is read as not English. */
export const SPLIT_SHARE = 0.3;

/** { words, split, share }: the run's words that hold a letter (special tokens and
 *  punctuation aside), how many of them the tokenizer split into several pieces, and the share. */
export function splitWords(meta) {
  const pieces = new Int32Array(meta.words.length);
  for (const w of meta.wordOfToken) pieces[w]++;
  let words = 0, split = 0;
  meta.words.forEach((w, k) => {
    if (w.special || !/\p{L}/u.test(w.text)) return;
    words++;
    if (pieces[k] > 1) split++;
  });
  return { words, split, share: words ? split / words : 0 };
}

/** Whether the text reads as not English to an English tokenizer (see above). */
export function looksForeign(meta) {
  const { words, share } = splitWords(meta);
  return words >= MIN_WORDS && share >= SPLIT_SHARE;
}
