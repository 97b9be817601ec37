// "Which heads link X to Y?": every head of every layer ranked by the weight the focused item
// gives another, in the units shown (the word's row: the mean over its pieces; the other
// word's column: the sum over its pieces, as in every view).
import { itemCell } from './units.js';

/** [{ layer, head, weight }] over every (layer, head), heaviest first. */
export function rankHeads(result, items, from, to) {
  const { meta } = result;
  const out = [];
  for (let layer = 0; layer < meta.layers; layer++) for (let head = 0; head < meta.heads; head++) {
    out.push({ layer, head, weight: itemCell(result.attention, meta, layer, head, items, from, to) });
  }
  return out.sort((a, b) => b.weight - a.weight);
}

/** The item whose text is `text` (case- and accent-insensitive), or -1. */
export function findItem(items, text) {
  const key = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  return items.findIndex((it) => !it.special && key(it.text) === key(text));
}
