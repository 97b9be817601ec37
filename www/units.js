// Words or pieces: the items a view shows, and each head's numbers at item level.
// A word's row is the mean over its pieces' rows; a column is the sum over its pieces
// (Clark et al. 2019), so every row still sums to 1. [CLS] and [SEP] stay items of their own.
import { grouped } from './dom.js';

/** Chars of an item's text that views draw: a word of a megabyte would be a text node of a
 *  megabyte in every view. */
export const SHOWN_CHARS = 40;

/** { text } cut to SHOWN_CHARS with an ellipsis, and its full length as `chars` when cut. */
function shown(text) {
  if (text.length <= SHOWN_CHARS) return { text };
  const chars = [...text];
  return chars.length <= SHOWN_CHARS ? { text } : { text: `${chars.slice(0, SHOWN_CHARS - 1).join('')}…`, chars: chars.length };
}

/** A table's name for an item: a cut one says its full length. */
export const rowLabel = (item, t) => (item.chars ? t('word.cut', { text: item.text, n: grouped(item.chars, t('locale')) }) : item.text);

/** Items: [{ text, chars?, tokens: [token indices], special, word: the word's index in meta.words }] */
export function items(meta, units) {
  if (units === 'pecas') {
    return meta.tokens.map((t, i) => ({ ...shown(t.text), tokens: [i], special: meta.words[t.word].special, word: t.word }));
  }
  const byWord = meta.words.map((w, k) => ({ ...shown(w.text), tokens: [], special: w.special, word: k }));
  meta.wordOfToken.forEach((w, i) => byWord[w].tokens.push(i));
  return byWord.filter((w) => w.tokens.length > 0);
}

/** The offset of head (l, h) in an (L, H, T, T) buffer. */
const headBase = (meta, l, h) => (l * meta.heads + h) * meta.seq * meta.seq;

/** Item-level matrix of a (L, H, T, T) tensor for one head: rows averaged, columns summed.
 *  (N, N), read-only: when the items are the pieces themselves it is the head's own slice of
 *  `tensor`, not a copy. */
export function itemMatrix(tensor, meta, l, h, its) {
  const T = meta.seq, N = its.length, base = headBase(meta, l, h);
  if (its.every((it) => it.tokens.length === 1)) {
    // One piece per item (pieces mode, or words of one piece): a gather, no sums.
    const at = Int32Array.from(its, (it) => it.tokens[0]);
    // Every piece, in order (pieces mode; a text whose words are one piece each): the head's
    // T × T block is the matrix (a layer of 12 heads at 510 items was 75 ms of gathers).
    if (N === T && at.every((i, c) => i === c)) return tensor.subarray(base, base + T * T);
    const out = new Float32Array(N * N); // f32 as the engine gives it: half the memory at 510 items
    if (at.every((i, c) => i === at[0] + c)) { // consecutive pieces: each row is a slice of the head's row
      for (let r = 0; r < N; r++) out.set(tensor.subarray(base + at[r] * T + at[0], base + at[r] * T + at[0] + N), r * N);
      return out;
    }
    for (let r = 0; r < N; r++) {
      const row = base + at[r] * T;
      for (let c = 0; c < N; c++) out[r * N + c] = tensor[row + at[c]];
    }
    return out;
  }
  const out = new Float32Array(N * N);
  // The items' pieces as one list (item c's are cols[start[c]] … cols[start[c + 1] - 1]); each
  // sum is taken in the order of the plain double loop, so the cells are the same numbers.
  const start = new Int32Array(N + 1);
  its.forEach((it, c) => { start[c + 1] = start[c] + it.tokens.length; });
  const cols = new Int32Array(start[N]);
  its.forEach((it, c) => cols.set(it.tokens, start[c]));
  const acc = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    acc.fill(0);
    for (let p = start[r]; p < start[r + 1]; p++) {
      const row = base + cols[p] * T;
      for (let c = 0; c < N; c++) {
        let s = acc[c];
        for (let q = start[c]; q < start[c + 1]; q++) s += tensor[row + cols[q]];
        acc[c] = s;
      }
    }
    const n = start[r + 1] - start[r];
    for (let c = 0; c < N; c++) out[r * N + c] = acc[c] / n;
  }
  return out;
}

/** Row r of itemMatrix alone (the orchestra needs one row, not N²). (N) */
export function itemRow(tensor, meta, l, h, its, r) {
  const T = meta.seq, base = headBase(meta, l, h), I = its[r].tokens;
  return its.map((J) => {
    let s = 0;
    for (const i of I) for (const j of J.tokens) s += tensor[base + i * T + j];
    return s / I.length;
  });
}

/** One cell of itemRow: what item r gives item c. */
export function itemCell(tensor, meta, l, h, its, r, c) {
  const T = meta.seq, base = headBase(meta, l, h), I = its[r].tokens;
  let s = 0;
  for (const i of I) for (const j of its[c].tokens) s += tensor[base + i * T + j];
  return s / I.length;
}

/** Mean of a (L, H, T, T) tensor over an item pair's pieces (for raw scores). (N) for row r. */
export function itemMeanRow(tensor, meta, l, h, its, r) {
  const T = meta.seq, base = headBase(meta, l, h), I = its[r];
  return its.map((J) => {
    let s = 0;
    for (const i of I.tokens) for (const j of J.tokens) s += tensor[base + i * T + j];
    return s / (I.tokens.length * J.tokens.length);
  });
}

/**
 * Row r of the raw scores q·k, each the mean over an item pair's pieces (itemMeanRow of the
 * scores tensor), (N); null when the run has neither. A build-time example carries the scores;
 * a live run carries q and k (L, H, T, Dh), whose dot products are the scores.
 */
export function scoreRow(result, l, h, its, r) {
  const { meta } = result;
  if (result.scores) return itemMeanRow(result.scores, meta, l, h, its, r);
  if (!result.q || !result.k) return null;
  const T = meta.seq, Dh = meta.headDim, base = (l * meta.heads + h) * T * Dh, I = its[r].tokens;
  const { q, k } = result;
  return its.map((J) => {
    let s = 0;
    for (const i of I) {
      for (const j of J.tokens) {
        for (let d = 0; d < Dh; d++) s += q[base + i * Dh + d] * k[base + j * Dh + d];
      }
    }
    return s / (I.length * J.tokens.length);
  });
}

/**
 * The melody for item r: each item's contribution Σ_{j∈J} a_ij v_j (mean over i∈I) and
 * their sum, which is the head's context vector (mean over I's pieces). Arrays of Dh.
 */
export function melody(result, l, h, its, r) {
  const { meta, attention, v, context } = result;
  const T = meta.seq, Dh = meta.headDim;
  const aBase = headBase(meta, l, h), vBase = (l * meta.heads + h) * T * Dh;
  const I = its[r].tokens;
  const parts = its.map((J) => {
    const out = new Float64Array(Dh);
    for (const i of I) for (const j of J.tokens) {
      const a = attention[aBase + i * T + j];
      for (let d = 0; d < Dh; d++) out[d] += (a * v[vBase + j * Dh + d]) / I.length;
    }
    return out;
  });
  const mix = new Float64Array(Dh);
  for (const i of I) for (let d = 0; d < Dh; d++) mix[d] += context[vBase + i * Dh + d] / I.length;
  return { parts, mix };
}

/** One token's vector from a (L, H, T, Dh) tensor, mean over an item's pieces. (Dh) */
export function itemVector(tensor, meta, l, h, item) {
  const T = meta.seq, Dh = meta.headDim, base = (l * meta.heads + h) * T * Dh;
  const out = new Float64Array(Dh);
  for (const i of item.tokens) for (let d = 0; d < Dh; d++) out[d] += tensor[base + i * Dh + d] / item.tokens.length;
  return out;
}

/** The item in `units` that holds the first piece of item `word` of `its`: the focus survives a switch. */
export function remapWord(meta, its, word, units) {
  const token = its[word]?.tokens[0] ?? 0;
  return Math.max(0, items(meta, units).findIndex((it) => it.tokens.includes(token)));
}
