// Fluxo: where the focused word's information comes from after layer l. Attention rollout
// (computed in Rust, src/rollout.rs) follows the melody of each layer into the next: what a
// musician plays at layer l is already a mix of what the others played before. Beside it, the
// raw attention of the chosen head at that layer, for contrast. A row per item, in sentence order.
// A model that writes: its rollout is computed from its run as rollout.rs computes an encoder's
// (engine/decoder.js rolloutOf); the words after the focused one are not yet written, and the
// rollout piles up on the first word (the attention sink): the view measures and says so.
import { el, pct, table } from '../dom.js';
import { weightColor } from '../color.js';
import { itemRow, rowLabel } from '../units.js';
import { hasValues } from '../engine/run.js';
import { tag, text, esc, FONT } from './svg-text.js';

/** The focused item's rollout row after the state's layer and the chosen head's attention
 *  row, in the items shown (a word's row: the mean over its pieces; its column: the sum). (N)
 *  each, or null without a rollout (before the live model: build-time examples carry none;
 *  with it, until the run asked for by ctx.rollout() is in). */
export function flows(state, data) {
  const { result, items } = data;
  if (!result.rollout) return null;
  const oneHead = { ...result.meta, heads: 1 }; // rollout is (L, T, T): one "head" per layer
  return {
    rollout: itemRow(result.rollout, oneHead, state.layer, 0, items, state.word),
    raw: itemRow(result.attention, result.meta, state.layer, state.head, items, state.word),
  };
}

/**
 * How much of the focused item the rollout traces back to the first item after the state's
 * layer (`share`), and the first layer (1-based) from which it stays over 90% (`from`, or
 * null): in a model that writes, the heads' parking on the first word adds up layer by layer.
 */
export function sinkShare(state, data) {
  const { result, items } = data;
  const oneHead = { ...result.meta, heads: 1 };
  const at = (l) => itemRow(result.rollout, oneHead, l, 0, items, state.word)[0];
  let from = null;
  for (let l = result.meta.layers - 1; l >= 0 && at(l) > 0.9; l--) from = l + 1;
  return { share: at(state.layer), from };
}

const bar = (value, largest) => el('span', { class: 'bar' },
  el('span', { style: { width: `${(100 * value / (largest || 1)).toFixed(1)}%`, background: weightColor(value) } }));

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items } = data;
  const explain = el('p', { class: 'step-text', text: t('flow.explain', { layer: state.layer + 1 }) });
  const assumes = el('p', { class: 'note', text: t('flow.assumes') });
  const f = flows(state, data);
  if (!f) {
    const live = hasValues(data.result);
    if (live) ctx.rollout?.(); // the live run carries no rollout: it is computed for this view
    root.replaceChildren(explain, assumes, el('p', { class: 'note', role: 'status', text: t(live ? 'flow.computing' : 'flow.later') }));
    return;
  }
  const [maxR, maxA] = [Math.max(...f.rollout), Math.max(...f.raw)];
  const causal = Boolean(data.result.meta.causal), r = state.word;
  const later = (j) => causal && j > r; // not yet written: no bars, no number
  let sink = '';
  if (causal) {
    const s = sinkShare(state, data);
    sink = el('p', { class: 'note flow-sink', text: r === 0 ? t('flow.first', { focus: items[r].text })
      : t('flow.sink', { layer: state.layer + 1, share: pct(s.share), focus: items[r].text, from: s.from ? t('flow.sinkFrom', { n: s.from }) : '' }) });
  }
  root.replaceChildren( // the picture first, what it means and assumes under it
    el('div', { class: 'flow-list', role: 'group', 'aria-label': t('flow.chart', { word: items[state.word].text, layer: state.layer + 1 }) },
      el('p', { class: 'list-conductor' }, el('span', { class: 'muted', text: `${t('orq.conductor')}: ` }), el('strong', { class: 'conductor', text: items[state.word].text })),
      el('div', { class: 'flow-row flow-head', 'aria-hidden': 'true' }, el('span'), el('span', { text: t('flow.rollout', { layer: state.layer + 1 }) }),
        el('span', { text: t('flow.raw', { layer: state.layer + 1, head: state.head + 1 }) })),
      items.map((it, j) => el('div', {
        class: `flow-row musician${j === state.word ? ' self' : ''}${later(j) ? ' future' : ''}`, tabindex: 0, role: 'button', 'data-focus': `f${j}`,
        // The name starts with the visible text (name, the two values), then says which is which.
        'aria-label': later(j) ? `${it.text}: ${t('flow.notYet')}` : `${it.text} ${pct(f.rollout[j])} ${pct(f.raw[j])} (${t('flow.rolloutShort')}, ${t('flow.rawShort')})`,
        onclick: () => ctx.set({ word: j }),
        onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); ctx.set({ word: j }); } },
      }, el('span', { class: 'name', text: it.text }), ' ',
      later(j) ? el('span', { class: 'not-yet', text: t('flow.notYet') })
        : [bar(f.rollout[j], maxR), ' ', el('span', { class: 'value', text: pct(f.rollout[j]) }),
          ' ', bar(f.raw[j], maxA), ' ', el('span', { class: 'value', text: pct(f.raw[j]) })]))),
    sink, explain, assumes);
}

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  const f = flows(state, data);
  return table(t('flow.table', { word: data.items[state.word].text, layer: state.layer + 1 }),
    [t('col.word'), t('flow.rolloutShort'), t('flow.raw', { layer: state.layer + 1, head: state.head + 1 })],
    data.items.map((it, j) => (data.result.meta.causal && j > state.word ? [rowLabel(it, t), t('flow.notYet'), t('flow.notYet')]
      : [rowLabel(it, t), f ? pct(f.rollout[j]) : '–', f ? pct(f.raw[j]) : '–'])));
}

/** The two columns of bars at the export's width. */
export function toSvg(state, data, ctx) {
  const { t, width } = ctx;
  const f = flows(state, data);
  if (!f) throw new Error(t(hasValues(data.result) ? 'flow.computing' : 'flow.later'));
  const { items } = data;
  const nameW = Math.min(160, Math.round(width * 0.28)), barW = Math.floor((width - nameW - 140) / 2);
  const [maxR, maxA] = [Math.max(...f.rollout), Math.max(...f.raw)];
  let body = text(12, 22, `${t('orq.conductor')}: ${items[state.word].text}`, { size: 15, weight: 700 })
    + text(nameW, 44, t('flow.rollout', { layer: state.layer + 1 }), { size: 11, fill: '#5a6172' })
    + text(nameW + barW + 70, 44, t('flow.raw', { layer: state.layer + 1, head: state.head + 1 }), { size: 11, fill: '#5a6172' });
  items.forEach((it, j) => {
    const y = 52 + j * 24;
    body += text(12, y + 15, it.text.slice(0, 18), { size: 12, weight: j === state.word ? 700 : 400 });
    for (const [x, v, max] of [[nameW, f.rollout[j], maxR], [nameW + barW + 70, f.raw[j], maxA]]) {
      body += tag('rect', { x, y: y + 5, width: barW, height: 12, fill: '#eef1f4' })
        + tag('rect', { x, y: y + 5, width: Math.max(0.5, (barW * v) / (max || 1)).toFixed(1), height: 12, fill: weightColor(v) })
        + tag('text', { x: x + barW + 58, y: y + 15, 'font-family': FONT, 'font-size': 11, 'font-weight': 600, 'text-anchor': 'end', fill: '#1d2330' }, esc(pct(v)));
    }
  });
  return { body, height: 52 + items.length * 24 + 8 };
}
