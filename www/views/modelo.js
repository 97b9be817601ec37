// Modelo: every layer × head as a thumbnail; click one to open it in the orchestra.
import { el, pct, table } from '../dom.js';
import { itemMatrix } from '../units.js';
import { heatmap, heatmapSvg } from './heatmap.js';
import { text } from './svg-text.js';

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const { meta, heads } = result;
  const N = items.length;
  const size = Math.max(44, Math.min(84, Math.floor((ctx.width - 40) / meta.heads) - 6));
  const grid = el('div', { class: 'model-grid', style: { gridTemplateColumns: `auto repeat(${meta.heads}, ${size}px)` } },
    el('span', {}), Array.from({ length: meta.heads }, (_, h) => el('span', { class: 'axis', text: t('model.head', { n: h + 1 }) })),
    Array.from({ length: meta.layers }, (_, l) => [
      el('span', { class: 'axis', text: t('model.layer', { n: l + 1 }) }),
      Array.from({ length: meta.heads }, (_, h) => {
        const s = heads[l * meta.heads + h];
        const name = t('model.thumb', { layer: l + 1, head: h + 1, label: t(`label.${s.label}`) });
        return el('button', {
          type: 'button', class: `thumb${l === state.layer && h === state.head ? ' current' : ''}`, title: name, 'aria-label': name,
          onclick: () => ctx.set({ view: 'orquestra', layer: l, head: h }),
        }, heatmap(itemMatrix(result.attention, meta, l, h, items), N, size, { name }));
      }),
    ]));
  root.replaceChildren(el('p', { class: 'step-text', text: t('model.explain') }), el('div', { class: 'scroll-x' }, grid));
}

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  const { meta, heads } = data.result;
  const rows = [];
  for (let l = 0; l < meta.layers; l++) for (let h = 0; h < meta.heads; h++) {
    const s = heads[l * meta.heads + h];
    rows.push([t('model.thumb', { layer: l + 1, head: h + 1, label: '' }).replace(/[:—]\s*$/, ''), t(`label.${s.label}`), pct(s.strength, 0), pct(s.measures.entropy, 0)]);
  }
  return table(t('model.table'), [t('col.head'), t('col.specialty'), t('col.measure'), t('measure.entropy')], rows);
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
