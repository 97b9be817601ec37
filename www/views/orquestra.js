// Orquestra: the focused word conducts from the podium; every word (itself included) is a
// musician in arcs, in sentence order, sized and coloured by its attention weight.
// A step control walks q·k → ÷√d → softmax → Σ a·v with the engine's numbers.
import { el, svg, pct, num, table } from '../dom.js';
import { weightColor, inkOn, signedColor } from '../color.js';
import { itemMatrix, itemMeanRow, melody, itemVector } from '../units.js';

export const STEPS = ['qk', 'scale', 'softmax', 'mix'];

/** The numbers behind the view, shared by the drawing and the table. */
export function numbers(data, state) {
  const { result, items } = data;
  const { meta } = result;
  const r = state.word, N = items.length;
  const weights = Array.from(itemMatrix(result.attention, meta, state.layer, state.head, items).slice(r * N, (r + 1) * N));
  const scores = itemMeanRow(result.scores, meta, state.layer, state.head, items, r);
  const sqrtD = Math.sqrt(meta.headDim);
  return { weights, scores, scaled: scores.map((s) => s / sqrtD), sqrtD };
}

/**
 * Seats on concentric half-ellipses around the podium, the back arc first, each arc filled
 * left to right in sentence order. Returns positions, the podium centre and the height.
 */
export function layout(n, width, narrow) {
  const rows = Math.max(1, Math.ceil(Math.sqrt(n / (narrow ? 3.5 : 7))));
  const total = (rows * (rows + 1)) / 2;
  const counts = Array.from({ length: rows }, (_, k) => Math.floor((n * (k + 1)) / total));
  counts[rows - 1] += n - counts.reduce((a, b) => a + b, 0);
  const gap = narrow ? 96 : 74, base = narrow ? 100 : 110;
  const top = 40, cy = top + base + gap * (rows - 1) + 10, cx = width / 2;
  const maxRx = width / 2 - (narrow ? 36 : 60);
  // Read like text: the back (outer) arc holds the first words, left to right, then the next arc in.
  const pos = [];
  for (let k = rows - 1; k >= 0; k--) {
    const count = counts[k];
    const rx = maxRx * (rows === 1 ? 1 : 0.5 + (0.5 * k) / (rows - 1));
    const ry = base + gap * k;
    for (let i = 0; i < count; i++) {
      const angle = Math.PI * (0.93 - (0.86 * (i + 0.5)) / count); // left to right, clear of the floor
      pos.push([cx + Math.cos(angle) * rx, cy - Math.sin(angle) * ry]);
    }
  }
  return { pos, cx, cy: cy + 30, height: cy + 100 };
}

function strip(values, max, label) {
  return el('div', { class: 'strip', role: 'img', 'aria-label': label, title: label },
    Array.from(values, (x) => el('span', { style: { background: signedColor(x, max) } })));
}

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const { meta } = result;
  const r = state.word;
  const { weights, scores, scaled, sqrtD } = numbers(data, state);
  const step = ctx.ui.step ?? 2;
  const musicians = items.map((it, j) => j);
  const w = ctx.narrow ? 400 : 960;
  const { pos, cx, cy, height } = layout(musicians.length, w, ctx.narrow);
  const detail = el('p', { class: 'detail', 'aria-live': 'polite' });
  const line = (j) => t('orq.line', {
    word: items[j].text, qk: num(scores[j]), d: meta.headDim, scaled: num(scaled[j]), weight: pct(weights[j]),
  });
  detail.textContent = t('orq.hint');

  const valueAt = (j) => [num(scores[j]), num(scaled[j]), pct(weights[j]), pct(weights[j])][step];
  const chart = svg('svg', { viewBox: `0 0 ${w} ${height}`, class: `orchestra${ctx.narrow ? ' narrow' : ''}`, role: 'group', 'aria-label': t('orq.chart', { word: items[r].text }) },
    svg('rect', { x: cx - 90, y: cy - 8, width: 180, height: 56, rx: 8, class: 'podium' }),
    svg('text', { x: cx, y: cy + 14, class: 'podium-role', text: t('orq.conductor') }),
    svg('text', { x: cx, y: cy + 38, class: 'podium-word', text: items[r].text }),
    musicians.map((j, k) => {
      const [x, y] = pos[k];
      const wgt = weights[j];
      const radius = (ctx.narrow ? 5 : 8) + (ctx.narrow ? 20 : 28) * Math.sqrt(wgt); // area ∝ weight
      const shown = items[j].text.length > 14 ? items[j].text.slice(0, 13) + '…' : items[j].text;
      const g = svg('g', {
        class: `musician${j === r ? ' self' : ''}`, tabindex: 0, role: 'button', 'data-focus': `m${j}`,
        // The accessible name starts with the visible text (name, value), then the arithmetic.
        'aria-label': `${shown} ${valueAt(j)} — ${line(j)}`,
        onmouseenter: () => { detail.textContent = line(j); },
        onfocus: () => { detail.textContent = line(j); },
        onclick: (e) => {
          // Touch: the first tap shows the arithmetic, the second hands over the baton.
          // (ui outlives a re-render, e.g. the model arriving between the two taps)
          if (e.pointerType === 'touch' && ctx.ui.lastTap !== j) { ctx.ui.lastTap = j; detail.textContent = line(j); return; }
          ctx.ui.lastTap = -1;
          ctx.set({ word: j });
        },
        onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); ctx.set({ word: j }); } },
      },
      svg('line', { x1: cx, y1: cy - 8, x2: x, y2: y, class: 'baton', 'stroke-width': 0.5 + 6 * wgt, 'stroke-opacity': 0.15 + 0.6 * wgt }),
      svg('circle', { cx: x, cy: y, r: radius, fill: weightColor(wgt), class: 'seat' }),
      svg('text', { x, y: y + radius + 15, class: 'name', text: shown }),
      ' ', // not drawn; keeps "name value" apart in the text that assistive tech compares
      svg('text', { x, y: y + 4, class: 'value', fill: radius > 18 ? inkOn(wgt) : '#1d2330', dy: radius > 18 ? 0 : -radius - 8, text: valueAt(j) }));
      return g;
    }));

  const stepper = el('div', { class: 'steps', role: 'group', 'aria-label': t('orq.steps') },
    STEPS.map((s, i) => el('button', {
      type: 'button', 'aria-pressed': String(i === step), class: i === step ? 'on' : '',
      onclick: () => { ctx.ui.step = i; ctx.rerender(); },
      text: `${i + 1}. ${t(`orq.step.${s}`)}`,
    })));
  const explain = el('p', { class: 'step-text', text: t(`orq.explain.${STEPS[step]}`, { d: meta.headDim, sqrt: num(sqrtD, 3) }) });

  const note = state.units === 'palavras' ? el('p', { class: 'note', text: t('orq.wordsNote') }) : null;
  if (!result.v) { // a build-time example: values arrive with the live model
    root.replaceChildren(stepper, explain, chart, detail, el('p', { class: 'note', text: t('orq.melodyLater') }), note ?? '');
    return;
  }
  // The melody: the mix of values, with what it is made of, in proportion.
  const { parts, mix } = melody(result, state.layer, state.head, items, r);
  const max = Math.max(...mix.map(Math.abs), ...parts.flatMap((p) => Array.from(p, Math.abs)));
  const q = itemVector(result.q, meta, state.layer, state.head, items[r]);
  const order = musicians.slice().sort((a, b) => weights[b] - weights[a]);
  const top = order.slice(0, 3);
  const melodyBox = el('section', { class: 'melody', 'aria-label': t('orq.melody') },
    el('h3', { text: t('orq.melody') }),
    el('div', { class: 'strip-row' }, el('span', { class: 'strip-label', text: t('orq.query', { word: items[r].text }) }), strip(q, Math.max(...q.map(Math.abs)), t('orq.query', { word: items[r].text }))),
    el('div', { class: 'mixbar', role: 'img', 'aria-label': order.map((j) => `${items[j].text} ${pct(weights[j])}`).join(', ') },
      order.map((j) => el('span', { style: { flexGrow: weights[j], background: weightColor(weights[j]) }, title: `${items[j].text}: ${pct(weights[j])}` }))),
    top.map((j) => el('div', { class: 'strip-row' },
      el('span', { class: 'strip-label', text: `${pct(weights[j])} × v(${items[j].text})` }),
      strip(parts[j], max, `${items[j].text}: ${pct(weights[j])} × v`))),
    el('div', { class: 'strip-row' }, el('span', { class: 'strip-label strong', text: t('orq.mix') }), strip(mix, max, t('orq.mix'))));

  root.replaceChildren(stepper, explain, chart, detail, melodyBox, note ?? '');
}

export function tableOf(state, data, ctx) {
  const { weights, scores, scaled } = numbers(data, state);
  return table(ctx.t('orq.table', { word: data.items[state.word].text }),
    [ctx.t('col.word'), 'q·k', 'q·k/√d', ctx.t('col.weight')],
    data.items.map((it, j) => [it.text, num(scores[j], 3), num(scaled[j], 3), pct(weights[j], 1)]));
}
