// Modelo: every layer × head as a thumbnail; click one to open it in the orchestra.
import { el, pct, num, table } from '../dom.js';
import { weightColor, inkOn } from '../color.js';
import { headShift, isDismissed } from '../ablation.js';
import { itemMatrix, itemRow } from '../units.js';
import { heatmap, heatmapSvg, legend } from './heatmap.js';
import { habitLabel } from './habit.js';
import { text } from './svg-text.js';

// Drawn thumbnails by run: a focus, layer or head change reuses them (only the outline moves).
const drawn = new WeakMap(); // result -> Map(`${units}:${l}:${h}:${size}` -> canvas)
let drawing = 0; // the latest render: an older one stops drawing

/** Head (l, h)'s thumbnail, drawn once per run, units and size. */
function thumbnail(data, l, h, size) {
  const { result, items } = data;
  if (!drawn.has(result)) drawn.set(result, new Map());
  const cache = drawn.get(result), key = `${data.units}:${l}:${h}:${size}`;
  if (!cache.has(key)) cache.set(key, heatmap(itemMatrix(result.attention, result.meta, l, h, items), items.length, size, { causal: Boolean(result.meta.causal) }));
  return cache.get(key);
}

/** Fills the buttons with their thumbnails in slices of about 30 ms, so a 510-item sentence
 *  never holds the page for long; a newer render stops an older one. */
function fill(buttons, data, size, id) {
  const start = performance.now();
  while (buttons.length && performance.now() - start < 30) {
    const { button, l, h, name } = buttons.shift();
    const canvas = thumbnail(data, l, h, size);
    canvas.setAttribute('aria-label', name);
    button.replaceChildren(canvas);
  }
  if (buttons.length) setTimeout(() => { if (id === drawing) fill(buttons, data, size, id); }, 0);
}

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { result } = data;
  const { meta, heads } = result;
  const size = Math.max(44, Math.min(84, Math.floor((ctx.width - 40) / meta.heads) - 6));
  const pending = [];
  const grid = el('div', { class: 'model-grid', style: { gridTemplateColumns: `auto repeat(${meta.heads}, ${size}px)` } },
    el('span', {}), Array.from({ length: meta.heads }, (_, h) => el('span', { class: 'axis', text: t('model.head', { n: h + 1 }) })),
    Array.from({ length: meta.layers }, (_, l) => [
      el('span', { class: 'axis', text: t('model.layer', { n: l + 1 }) }),
      Array.from({ length: meta.heads }, (_, h) => {
        const s = heads[l * meta.heads + h];
        const name = t('model.thumb', { layer: l + 1, head: h + 1, label: habitLabel(s, t) });
        const button = el('button', {
          type: 'button', class: `thumb${l === state.layer && h === state.head ? ' current' : ''}`, title: name, 'aria-label': name, 'data-layer': l, 'data-head': h,
          onclick: () => ctx.set({ view: 'orquestra', layer: l, head: h }),
        }, el('span', { style: { display: 'inline-block', width: `${size}px`, height: `${size}px` } })); // until drawn
        pending.push({ button, l, h, name });
        return button;
      }),
    ]));
  const readout = el('p', { class: 'readout model-readout', 'aria-live': 'polite', text: t('model.point') });
  pointing(grid, readout, data, t, ctx);
  root.replaceChildren(legend(t, Boolean(data.result.meta.causal)), readout, el('div', { class: 'scroll-x' }, grid), // the picture first
    el('p', { class: 'step-text', text: t('model.explain') }), shiftGrid(state, data, ctx));
  fill(pending, data, size, ++drawing);
}

/**
 * The value under the pointer (or a tap): the thumbnail's head, the focused and the looked-at
 * word, and the weight, computed for that one row (itemRow), not kept for 144 matrices. On a
 * touch screen the first tap on a thumbnail reads it, the second opens it.
 */
function pointing(grid, readout, data, t, ctx) {
  const { result, items } = data;
  const { meta } = result;
  const at = (e) => {
    const button = e.target.closest?.('.thumb');
    const canvas = button?.querySelector('canvas');
    if (!canvas) return null;
    const rect = canvas.getBoundingClientRect(), n = items.length;
    const c = Math.floor(((e.clientX - rect.left) / rect.width) * n), r = Math.floor(((e.clientY - rect.top) / rect.height) * n);
    if (r < 0 || r >= n || c < 0 || c >= n) return null;
    return { l: Number(button.dataset.layer), h: Number(button.dataset.head), r, c };
  };
  const show = (p) => {
    const w = itemRow(result.attention, meta, p.l, p.h, items, p.r)[p.c];
    readout.textContent = t('model.value', { layer: p.l + 1, head: p.h + 1, from: items[p.r].text, to: items[p.c].text, value: pct(w) });
  };
  grid.addEventListener('pointermove', (e) => { const p = at(e); if (p) show(p); });
  grid.addEventListener('click', (e) => {
    const p = at(e);
    if (!p) return;
    show(p);
    const key = `${p.l}.${p.h}`;
    if (e.pointerType === 'touch' && ctx.ui.modelTap !== key) { ctx.ui.modelTap = key; e.stopPropagation(); }
    else ctx.ui.modelTap = null;
  }, true);
}

/** With judges dismissed: how far every head's attention moved (mean over rows of ½·Σ|a − a′|),
 *  layer by head; the dismissed ones are marked ×. Nothing before the layer of the first one moves. */
function shiftGrid(state, data, ctx) {
  const { t } = ctx;
  const a = state.ablate && data.ablated?.spec === state.ablate ? data.ablated.result : null;
  if (!a) return state.ablate ? el('p', { class: 'note', text: t('jury.recomputing') }) : '';
  const { layers, heads } = data.result.meta;
  const shift = headShift(data.result, a);
  return el('section', { 'aria-label': t('model.shift') },
    el('h3', { text: t('model.shift') }),
    el('p', { class: 'note', text: t('model.shiftExplain', { spec: state.ablate }) }),
    // 12 columns of 2.4rem are wider than a phone: the grid scrolls, not the page.
    el('div', { class: 'scroll-x' }, el('div', { class: 'shift-grid', role: 'table', style: { gridTemplateColumns: `auto repeat(${heads}, minmax(2.4rem, 1fr))` } },
      el('span'), Array.from({ length: heads }, (_, h) => el('span', { class: 'axis', text: t('model.head', { n: h + 1 }) })),
      Array.from({ length: layers }, (_, l) => [
        el('span', { class: 'axis', text: t('model.layer', { n: l + 1 }) }),
        Array.from({ length: heads }, (_, h) => {
          const v = shift[l * heads + h], out = isDismissed(state.ablate, l, h);
          return el('span', { style: { background: weightColor(v), color: inkOn(v) }, title: t('model.thumb', { layer: l + 1, head: h + 1, label: pct(v, 1) }), text: out ? '×' : pct(v, 0) });
        }),
      ]))));
}

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  const { meta, heads } = data.result;
  const rows = [];
  for (let l = 0; l < meta.layers; l++) for (let h = 0; h < meta.heads; h++) {
    const s = heads[l * meta.heads + h];
    rows.push([t('model.thumb', { layer: l + 1, head: h + 1, label: '' }).replace(/[:—]\s*$/, ''), habitLabel(s, t), s.label === 'spreads' ? '' : pct(s.strength, 0), num(s.measures.entropy)]);
  }
  // The share behind the label, and the spread in its own column (an entropy, not a share).
  return table(t('model.table'), [t('col.head'), t('col.specialty'), t('col.measure'), t('col.spread')], rows);
}

/** Every layer × head as a grid of thumbnails, with the layer and head numbers. */
export function toSvg(state, data, ctx) {
  const { items, result } = data;
  const { layers, heads } = result.meta;
  const size = Math.floor((ctx.width - 50) / heads) - 4;
  let body = '';
  for (let l = 0; l < layers; l++) {
    body += text(4, 30 + l * (size + 4) + size / 2, ctx.t('model.layer', { n: l + 1 }), { size: 11 });
    for (let h = 0; h < heads; h++) {
      if (l === 0) body += text(40 + h * (size + 4) + size / 2, 18, ctx.t('model.head', { n: h + 1 }), { size: 11, anchor: 'middle' });
      body += heatmapSvg(itemMatrix(result.attention, result.meta, l, h, items), items.length, 40 + h * (size + 4), 24 + l * (size + 4), size);
    }
  }
  return { body, height: 24 + layers * (size + 4) + 6 };
}
