// Matriz: one head's full attention matrix; click a row to focus that word.
import { el, pct, table } from '../dom.js';
import { itemMatrix } from '../units.js';
import { heatmap, heatmapSvg } from './heatmap.js';

const MAX_SIZE = 720;

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const N = items.length;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  const size = Math.min(ctx.width, MAX_SIZE);
  root.replaceChildren(
    el('p', { class: 'step-text', text: t('matrix.explain') }),
    heatmap(m, N, size, {
      labels: items.map((i) => i.text), highlightRow: state.word,
      name: t('matrix.chart', { layer: state.layer + 1, head: state.head + 1 }),
      onCell: (r) => ctx.set({ word: r }),
    }));
}

export function tableOf(state, data, ctx) {
  const { items, result } = data;
  const N = items.length;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  return table(ctx.t('matrix.table', { layer: state.layer + 1, head: state.head + 1 }),
    [ctx.t('matrix.corner'), ...items.map((i) => i.text)],
    items.map((it, r) => [it.text, ...items.map((_, c) => pct(m[r * N + c], 1))]));
}

/** The matrix with its labels, as in the view. */
export function toSvg(state, data, ctx) {
  const { items, result } = data;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  const size = Math.min(ctx.width - 20, MAX_SIZE);
  return { body: heatmapSvg(m, items.length, 10, 10, size, { labels: items.map((i) => i.text), highlightRow: state.word }), height: size + 20 };
}
