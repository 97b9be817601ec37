// Dismissed judges (head ablation): what moved between the plain run and the run without them.
// The engine computes both (src/model/mask.rs); this compares them.
import { parseHeads } from './state.js';

/** The spec with head (l, h) dismissed or recalled (0-based), canonical ("3.7,6.9"). */
export function toggled(spec, l, h, meta) {
  const entry = `${l + 1}.${h + 1}`;
  const entries = spec ? spec.split(',') : [];
  const next = entries.includes(entry) ? entries.filter((e) => e !== entry) : [...entries, entry];
  return parseHeads(next.join(','), { layers: meta.layers, heads: meta.heads });
}

export const isDismissed = (spec, l, h) => Boolean(spec) && spec.split(',').includes(`${l + 1}.${h + 1}`);

/** The mean of some rows of a (T, D) matrix. (D) */
function meanRows(m, D, rows) {
  const out = new Float64Array(D);
  for (const r of rows) for (let d = 0; d < D; d++) out[d] += m[r * D + d] / rows.length;
  return out;
}

export function cosine(a, b) {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

/**
 * How much the meaning moved: the cosine similarity between the mean-pooled final hidden
 * states with and without the dismissed judges (the pooling both models use for sentence
 * embeddings), and between the focused item's final vectors (the mean over its pieces).
 */
export function moved(plain, ablated, item) {
  const T = plain.meta.seq, D = plain.hidden.length / T;
  const all = Array.from({ length: T }, (_, i) => i);
  return {
    sentence: cosine(meanRows(plain.hidden, D, all), meanRows(ablated.hidden, D, all)),
    word: cosine(meanRows(plain.hidden, D, item.tokens), meanRows(ablated.hidden, D, item.tokens)),
  };
}

/** For every head, how far its attention moved: the mean over rows of ½·Σ|a − a′| (0 = the
 *  same, 1 = nothing in common; a dismissed head's is 1). (L·H) */
export function headShift(plain, ablated) {
  const { layers, heads, seq: T } = plain.meta;
  const out = new Float64Array(layers * heads);
  for (let k = 0; k < layers * heads; k++) {
    let s = 0;
    for (let i = k * T * T; i < (k + 1) * T * T; i++) s += Math.abs(plain.attention[i] - ablated.attention[i]);
    out[k] = s / (2 * T);
  }
  return out;
}
