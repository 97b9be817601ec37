// Matriz: one head's full attention matrix; click a row to focus that word.
import { el, pct, table } from '../dom.js';
import { itemMatrix, rowLabel } from '../units.js';
import { heatmap, heatmapSvg, legend, readableSize } from './heatmap.js';

const MAX_SIZE = 720;

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const N = items.length;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  const causal = Boolean(result.meta.causal);
  // Phones keep 12 px labels and scroll sideways; wider screens fit the matrix.
  const size = ctx.narrow ? readableSize(N, ctx.width) : Math.min(ctx.width, MAX_SIZE);
  const readout = el('p', { class: 'readout', 'aria-live': 'polite' });
  /** "radiante → menina: 40.3%", kept across the re-render a tap's focus change causes. */
  const point = (r, c) => {
    ctx.ui.cell = r < 0 ? null : [r, c];
    readout.textContent = r < 0 || r >= N || c >= N ? t('matrix.point')
      : causal && c > r ? t('matrix.notYet', { from: items[r].text, to: items[c].text })
        : t('matrix.value', { from: items[r].text, to: items[c].text, value: pct(m[r * N + c]) });
  };
  point(...(ctx.ui.cell ?? [-1, -1]));
  const scroller = el('div', { class: 'scroll-x', tabindex: 0, 'aria-label': t('matrix.chart', { layer: state.layer + 1, head: state.head + 1 }) },
    heatmap(m, N, size, {
      labels: items.map((i) => i.text), highlightRow: state.word, axes: [t('matrix.rows'), t('matrix.columns')],
      name: t('matrix.chart', { layer: state.layer + 1, head: state.head + 1 }),
      onPoint: point, onCell: (r) => ctx.set({ word: r }), causal,
    }));
  const scrolls = size > ctx.width;
  root.replaceChildren( // the picture first, what it means under it
    legend(t, causal),
    readout,
    scrolls ? el('p', { class: 'scroll-hint', text: t('matrix.scrolls') }) : '',
    scroller,
    el('p', { class: 'step-text', text: t('matrix.explain') }),
    causal ? el('p', { class: 'step-text', text: t('matrix.causal') }) : '');
}

export function tableOf(state, data, ctx) {
  const { items, result } = data;
  const N = items.length;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  return table(ctx.t('matrix.table', { layer: state.layer + 1, head: state.head + 1 }),
    [ctx.t('matrix.corner'), ...items.map((i) => i.text)],
    items.map((it, r) => [rowLabel(it, ctx.t), ...items.map((_, c) => (result.meta.causal && c > r ? '–' : pct(m[r * N + c], 1)))]));
}

/** The matrix with its labels, as in the view. */
export function toSvg(state, data, ctx) {
  const { items, result } = data;
  const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
  const size = Math.min(ctx.width - 20, MAX_SIZE);
  return { body: heatmapSvg(m, items.length, 10, 10, size, { labels: items.map((i) => i.text), highlightRow: state.word, causal: Boolean(result.meta.causal) }), height: size + 20 };
}
