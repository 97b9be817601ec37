// Comparar: one word read in two sentences ("Sentei no banco da praça." / "Fui ao banco sacar
// dinheiro."): the same letters, other neighbours, another meaning. Each side shows the word
// conducting at the same layer and head; below, layer by layer, the cosine similarity between
// the word's hidden vectors in the two sentences (0 = the embeddings, the same for both; then
// after each layer), where the context pulls the two meanings apart. A model that writes has
// read only the words before the one compared: the view says so, and offers a pair whose
// context comes first.
import { el, svg, pct, num, table } from '../dom.js';
import { weightColor } from '../color.js';
import { itemRow } from '../units.js';
import { findItem } from '../paths.js';
import { cosine } from '../ablation.js';
import { tag, text } from './svg-text.js';

/** The examples: i18n keys of two sentences sharing a word (`<key>.a`, `<key>.b`, `<key>.word`). */
export const COMPARISONS = ['compare.banco', 'compare.manga', 'compare.bank'];
/** A model that writes (English): the bank pair, and one whose context comes before the word. */
export const COMPARISONS_CAUSAL = ['compare.bank', 'compare.bankBefore'];

/** The conductor on the second side: the link's w2, else the item with the first side's text. */
export function secondWord(state, data) {
  const second = data.second;
  if (!second) return -1;
  if (state.word2 >= 0 && state.word2 < second.items.length) return state.word2;
  return findItem(second.items, data.items[state.word]?.text ?? '');
}

/** The mean over an item's pieces of one layer's hidden state. (D) */
function vectorOf(result, item, layer) {
  const { seq: T } = result.meta, D = result.states.length / ((result.meta.layers + 1) * T);
  const out = new Float64Array(D);
  for (const t of item.tokens) for (let d = 0; d < D; d++) out[d] += result.states[(layer * T + t) * D + d] / item.tokens.length;
  return out;
}

/** Cosine similarity of the two words' vectors after the embeddings (0) and each layer. (L+1) */
export function similarity(state, data) {
  const j = secondWord(state, data);
  if (j < 0 || !data.result.states || !data.second.result.states) return null;
  const [a, b] = [data.items[state.word], data.second.items[j]];
  return Array.from({ length: data.result.meta.layers + 1 }, (_, l) => cosine(vectorOf(data.result, a, l), vectorOf(data.second.result, b, l)));
}

/** One side: the conductor's attention row at the state's layer and head, in sentence order. */
function side(result, items, r, state, onPick, t, label) {
  const w = itemRow(result.attention, result.meta, state.layer, state.head, items, r);
  const top = Math.max(...w) || 1;
  return el('section', { class: 'compare-side', 'aria-label': label },
    el('p', { class: 'list-conductor' }, el('span', { class: 'muted', text: `${t('orq.conductor')}: ` }), el('strong', { class: 'conductor', text: items[r].text })),
    items.map((it, j) => el('button', {
      type: 'button', class: `sorted-row compare-row${j === r ? ' self' : ''}`, onclick: () => onPick(j),
    }, el('span', { class: 'name', text: it.text }), ' ', // the name is "banco 26.9%": text, not a label
    result.meta.causal && j > r ? el('span', { class: 'not-yet', text: t('flow.notYet') }) : [ // (a model that writes: not yet written)
      el('span', { class: 'bar' }, el('span', { style: { width: `${((100 * w[j]) / top).toFixed(1)}%`, background: weightColor(w[j]) } })),
      ' ', el('span', { class: 'value', text: pct(w[j]) })])));
}

/** The similarity over layers as a small line chart, w × h, in its own coordinates. */
function chartGeometry(sims, w = 560, h = 200) {
  // From just under the lowest value (to the nearest 0.05) up to 1: the fall is what matters.
  const lo = Math.max(0, Math.floor((Math.min(...sims) - 0.03) * 20) / 20), pad = 36;
  const x = (l) => pad + ((w - 2 * pad) * l) / (sims.length - 1);
  const y = (v) => 16 + ((h - 40) * (1 - v)) / (1 - lo);
  return { w, h, lo, x, y, points: sims.map((v, l) => [x(l), y(v), v]) };
}

/** Drawn at the width it is shown at (on a phone a 560-wide drawing scaled down made its
 *  numbers 6 px): values are written at least 30 px apart and layer numbers 18 px, counted
 *  from the last layer's (every other, every third … where the points are closer). */
function chart(sims, t, width = 560) {
  // (a model of 30 layers gets a wider chart, and its numbers written where they fit)
  const g = chartGeometry(sims, Math.max(240, Math.min(sims.length > 14 ? 900 : 560, width)));
  const gap = g.x(1) - g.x(0);
  const every = Math.max(1, Math.ceil(30 / gap)), tickEvery = Math.max(1, Math.ceil(18 / gap));
  return svg('svg', { viewBox: `0 0 ${g.w} ${g.h}`, class: 'similarity', role: 'img', 'aria-label': t('compare.chart'), style: g.w > 640 ? { maxWidth: `${g.w}px` } : null },
    svg('line', { x1: g.x(0), x2: g.x(sims.length - 1), y1: g.y(1), y2: g.y(1), class: 'axis-line' }),
    svg('line', { x1: g.x(0), x2: g.x(sims.length - 1), y1: g.y(g.lo), y2: g.y(g.lo), class: 'axis-line' }),
    svg('text', { x: 30, y: g.y(1) + 4, class: 'tick end', text: '1' }),
    svg('text', { x: 30, y: g.y(g.lo) + 4, class: 'tick end', text: num(g.lo) }),
    svg('polyline', { points: g.points.map(([x, y]) => `${x},${y}`).join(' '), class: 'sim-line' }),
    g.points.map(([x, y, v], l) => [
      svg('circle', { cx: x, cy: y, r: 4, class: 'sim-point' }),
      // (the first value starts at its point: centred, it ran into the axis's "1")
      (sims.length - 1 - l) % every === 0 ? svg('text', { x: l ? x : x - 4, y: y - 8, class: `sim-value${l ? '' : ' first'}`, text: num(v) }) : null,
      (sims.length - 1 - l) % tickEvery === 0 ? svg('text', { x, y: g.h - 6, class: 'tick', text: String(l) }) : null,
    ]));
}

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const input = el('input', { type: 'text', class: 'sentence2', value: state.sentence2, 'aria-label': t('compare.second'), placeholder: t('compare.placeholder') });
  input.addEventListener('change', () => ctx.set({ sentence2: input.value, word2: -1 }));
  const examples = el('p', { class: 'presets' }, el('span', { text: `${t('ctl.presets')} ` }),
    (data.result.meta.causal ? COMPARISONS_CAUSAL : COMPARISONS).map((k) => el('button', { type: 'button', text: t(`${k}.name`), onclick: () => ctx.compare?.(t(`${k}.a`), t(`${k}.b`), t(`${k}.word`)) })));
  const explain = el('p', { class: 'step-text', text: t('compare.explain') });
  const causal = data.result.meta.causal ? el('p', { class: 'note compare-causal', text: t('compare.causal', { a: data.items[state.word].text }) }) : '';
  const head = [el('label', { class: 'sentence2-label' }, t('compare.second'), ' ', input), examples];
  if (!state.sentence2.trim()) { root.replaceChildren(...head, explain, causal); return; }
  const second = data.second?.text === state.sentence2 ? data.second : null;
  if (!second) { root.replaceChildren(...head, el('p', { class: 'note', role: 'status', text: t('compare.reading') }), explain, causal); return; }
  const j = secondWord(state, { ...data, second });
  const a = side(data.result, data.items, state.word, state, (w) => ctx.set({ word: w, word2: -1 }), t, t('compare.first'));
  const b = j >= 0
    ? side(second.result, second.items, j, state, (w) => ctx.set({ word2: w }), t, t('compare.second'))
    : el('p', { class: 'note', text: t('compare.noMatch', { word: data.items[state.word].text }) });
  const sims = similarity(state, { ...data, second });
  // With both sentences in, the two sides come first; the second sentence's box and the
  // examples follow them.
  root.replaceChildren(
    el('p', { class: 'start-hint', text: t('compare.pair', { a: data.items[state.word].text, b: j >= 0 ? second.items[j].text : '?', layer: state.layer + 1, head: state.head + 1 }) }),
    el('div', { class: 'compare-sides' }, a, b), // the picture first, what it means under it
    ...(sims ? [el('h3', { text: t('compare.chart') }), el('p', { class: 'note', text: t('compare.chartExplain') }), chart(sims, t, ctx.width)]
      : [el('p', { class: 'note', text: t('compare.later') })]),
    causal, ...head, explain);
}

export function tableOf(state, data, ctx) {
  const sims = data.second && similarity(state, data);
  return table(ctx.t('compare.chart'), [ctx.t('col.layer'), ctx.t('col.cosine')],
    (sims ?? []).map((v, l) => [String(l), num(v, 4)]));
}

export function toSvg(state, data, ctx) {
  const sims = data.second && similarity(state, data);
  if (!sims) throw new Error(ctx.t('compare.later'));
  const g = chartGeometry(sims, Math.min(ctx.width - 20, 700), 220);
  let body = text(12, 20, ctx.t('compare.pair', { a: data.items[state.word].text, b: data.second.items[secondWord(state, data)].text, layer: state.layer + 1, head: state.head + 1 }), { size: 13, weight: 700 });
  body += tag('polyline', { points: g.points.map(([x, y]) => `${x + 10},${y + 30}`).join(' '), fill: 'none', stroke: '#8a3b12', 'stroke-width': 2 });
  for (const [l, [x, y, v]] of g.points.entries()) {
    body += tag('circle', { cx: x + 10, cy: y + 30, r: 4, fill: '#8a3b12' }) + text(x + 10, y + 22, num(v), { size: 10, anchor: 'middle' })
      + text(x + 10, g.h + 24, String(l), { size: 10, anchor: 'middle', fill: '#5a6172' });
  }
  return { body, height: g.h + 34 };
}
