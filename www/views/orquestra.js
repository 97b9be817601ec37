// Orquestra: the focused word conducts from the podium; every word (itself included) is a
// musician in arcs, in sentence order, sized and coloured by its attention weight.
// A step control walks q·k → ÷√d → softmax → Σ a·v with the engine's numbers.
import { el, svg, pct, num, table, replaceKeeping } from '../dom.js';
import { weightColor, inkOn, signedColor } from '../color.js';
import { itemRow, scoreRow, melody, itemVector, rowLabel } from '../units.js';
import { hasValues } from '../engine/run.js';
import { rankHeads } from '../paths.js';
import { tag, text, esc, FONT } from './svg-text.js';

export const STEPS = ['qk', 'scale', 'softmax', 'mix'];

/**
 * The numbers behind the view, shared by the drawing, the lines and the table.
 * `arithmetic` is true when every item is one piece (pieces mode, or words of one piece): then
 * q·k, ÷√d and softmax compose item by item. Otherwise a word's weight is the sum of its
 * pieces' weights (each the mean over the focused word's pieces), given as `parts`, and q·k
 * is left to pieces mode: a mean of q·k would not lead to the weight shown.
 */
export function numbers(data, state) {
  const { result, items } = data;
  const { meta } = result;
  const r = state.word;
  const weights = itemRow(result.attention, meta, state.layer, state.head, items, r);
  // (an example's scores may still be on their way: then steps 1-2 wait)
  const row = scoreRow(result, state.layer, state.head, items, r);
  const scores = row ?? items.map(() => NaN);
  const sqrtD = Math.sqrt(meta.headDim);
  const arithmetic = items.every((it) => it.tokens.length === 1);
  const T = meta.seq, base = (state.layer * meta.heads + state.head) * T * T, I = items[r].tokens;
  const parts = items.map((J) => J.tokens.map((j) => ({
    piece: meta.tokens[j].text,
    weight: I.reduce((s, i) => s + result.attention[base + i * T + j], 0) / I.length,
  })));
  return { weights, scores, scaled: scores.map((s) => s / sqrtD), sqrtD, arithmetic: arithmetic && Boolean(row), parts };
}

/** The step drawn: q·k and ÷√d exist per piece, so word mode with words of several pieces
 *  shows the weights (and offers pieces mode). */
export const stepShown = (state, arithmetic) => (arithmetic ? state.step ?? 2 : Math.max(state.step ?? 2, 2));

/** What each seat's size and colour stand for at a step, in 0..1: q·k and the scaled score
 *  relative to the row's range, the weight, the share of the melody (|a·v| over their sum). */
function seatValues(step, nums, result, state, items) {
  // (a model that writes: the words after the conductor are not yet written, and take no part)
  const heard = (j) => !result.meta.causal || j <= state.word;
  const span = (xs) => {
    const seen = xs.filter((_, j) => heard(j));
    const lo = Math.min(...seen), hi = Math.max(...seen);
    return xs.map((x, j) => (!heard(j) ? 0 : hi > lo ? (x - lo) / (hi - lo) : 1));
  };
  if (step === 0) return span(nums.scores);
  if (step === 1) return span(nums.scaled);
  if (step === 3 && hasValues(result)) {
    const { parts } = melody(result, state.layer, state.head, items, state.word);
    const norms = parts.map((p) => Math.hypot(...p));
    const total = norms.reduce((a, b) => a + b, 0) || 1;
    return norms.map((n) => n / total);
  }
  return nums.weights;
}

/** Whether item j comes after the conductor r in a model that writes (causal attention). */
export const laterThan = (meta, j, r) => Boolean(meta.causal) && j > r;
/** A not-yet-written seat's value: no number. */
const NOT_YET_VALUE = '—';

/** Past this many items, or below 600 px, the orchestra is a list in sentence order. */
export const LIST_ITEMS = 30;

/**
 * Seats on `rows` concentric half-ellipses around the podium, the back arc first, each arc
 * filled left to right in sentence order. Returns positions, the podium centre and the height.
 */
function arcs(n, width, rows) {
  const total = (rows * (rows + 1)) / 2;
  const counts = Array.from({ length: rows }, (_, k) => Math.floor((n * (k + 1)) / total));
  counts[rows - 1] += n - counts.reduce((a, b) => a + b, 0);
  const gap = 74, base = 110;
  const top = 40, cy = top + base + gap * (rows - 1) + 10, cx = width / 2;
  const maxRx = width / 2 - 60;
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

// Seat radius from its value in 0..1 (area ∝ value), and the space its texts take.
const radiusOf = (v) => 8 + 28 * Math.sqrt(v);
const NAME_PX = 13, VALUE_PX = 11, CHAR_EM = 0.64; // a generous average glyph width
const textBox = (x, y, s, px) => { const w = s.length * px * CHAR_EM + 4; return [x - w / 2, y - px, x + w / 2, y + 3]; };

/** Every box a seat draws (circle, name, value outside the seat), for the overlap check. */
export function seatBoxes(x, y, radius, name, value) {
  const boxes = [[x - radius, y - radius, x + radius, y + radius], textBox(x, y + radius + 15, name, NAME_PX)];
  if (radius <= 18) boxes.push(textBox(x, y + 4 - radius - 8, value, VALUE_PX));
  return boxes;
}

const overlaps = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/**
 * The arcs, with as many rows as it takes for no seat, name or value to touch another's, or
 * null when no arrangement of up to 6 rows is clear (then the view is a list). `seats` gives
 * each item's { radius, name, value }.
 */
export function layout(seats, width) {
  const n = seats.length;
  for (let rows = Math.max(1, Math.ceil(Math.sqrt(n / 7))); rows <= 6; rows++) {
    const l = arcs(n, width, rows);
    const boxes = seats.map((s, j) => seatBoxes(...l.pos[j], s.radius, s.name, s.value));
    const podium = [l.cx - 90, l.cy - 8, l.cx + 90, l.cy + 48];
    let clear = boxes.every((bs) => bs.every((b) => !overlaps(b, podium) && b[0] >= 0 && b[2] <= width));
    for (let i = 0; clear && i < n; i++) for (let j = i + 1; clear && j < n; j++) {
      clear = !boxes[i].some((a) => boxes[j].some((b) => overlaps(a, b)));
    }
    if (clear) return l;
  }
  return null;
}

/** One vector as a row of cells coloured on the shared scale ±max; each cell's value on hover. */
function strip(values, max, label) {
  return el('div', { class: 'strip', role: 'img', 'aria-label': label },
    Array.from(values, (x, d) => el('span', { style: { background: signedColor(x, max) }, title: `${label} [${d + 1}] = ${num(x, 3)}` })));
}

const stripRow = (label, values, max, strong = false, after = '') => el('div', { class: 'strip-row' },
  el('span', { class: `strip-label${strong ? ' strong' : ''}`, text: label, title: label }), strip(values, max, label),
  after ? el('span', { class: 'strip-after', text: after }) : '');

/** The colour scale of the strips: −max … 0 … +max. */
function legend(max, t) {
  const stops = [-1, -0.5, 0, 0.5, 1];
  return el('div', { class: 'strip-row legend' },
    el('span', { class: 'strip-label', text: t('orq.scale') }),
    el('div', { class: 'scale' }, stops.map((f) => el('span', { style: { background: signedColor(f * max, max), color: Math.abs(f) > 0.6 ? '#fff' : INK }, text: num(f * max) }))));
}

/** The largest |x| of a vector. */
function vecMax(xs) {
  let m = 0;
  for (const x of xs) m = Math.max(m, Math.abs(x));
  return m;
}

/** The largest |k| over every item's key at this layer and head: it does not change with the
 *  focus, so it is kept (a long text's focus change went through 500 keys each time). */
const keysMaxKept = new WeakMap(); // items -> { result, layer, head, max }
function keysMax(result, { layer, head }, items, keyOf) {
  const kept = keysMaxKept.get(items);
  if (kept?.result === result && kept.layer === layer && kept.head === head) return kept.max;
  const max = Math.max(0, ...items.map((_, j) => vecMax(keyOf(j))));
  keysMaxKept.set(items, { result, layer, head, max });
  return max;
}

/**
 * The melody as a computation: q, then the hovered musician's k and q×k (whose sum is q·k),
 * the weights, each leading musician's a·v, the others' together, and their sum, the head's
 * output for the focused word. `showKey(j)` switches the musician. One colour scale for all.
 */
function melodySection(data, state, nums, t) {
  const { result, items } = data;
  const { meta } = result;
  const r = state.word, { weights } = nums;
  const { parts, mix } = melody(result, state.layer, state.head, items, r);
  // (a model that writes: the words not yet written are no part of the melody)
  const order = items.map((_, j) => j).filter((j) => !laterThan(meta, j, r)).sort((a, b) => weights[b] - weights[a]);
  const top = order.slice(0, 3), rest = order.slice(3);
  const others = new Float64Array(meta.headDim);
  for (const j of rest) parts[j].forEach((x, d) => { others[d] += x; });
  const q = itemVector(result.q, meta, state.layer, state.head, items[r]);
  const keyOf = (j) => itemVector(result.k, meta, state.layer, state.head, items[j]);
  const max = Math.max(vecMax(mix), vecMax(others), ...parts.map(vecMax));
  const qkMax = Math.max(vecMax(q), keysMax(result, state, items, keyOf));
  const keyRows = el('div', { class: 'key-rows' });
  const showKey = (j) => {
    if (!nums.arithmetic) { // a word of several pieces has no single k: q·k is per piece
      keyRows.replaceChildren(el('p', { class: 'note', text: t('orq.keyInPieces') }));
      return;
    }
    const k = keyOf(j), qk = q.map((x, d) => x * k[d]);
    const sum = qk.reduce((a, b) => a + b, 0);
    keyRows.replaceChildren(
      stripRow(t('orq.key', { word: items[j].text }), k, qkMax),
      // q×k is a product: its own scale (the sum is what matters).
      stripRow(t('orq.qk', { word: items[j].text }), qk, vecMax(qk), false, t('orq.qkSum', { sum: num(sum) })));
  };
  showKey(order[0]);
  const box = el('section', { class: 'melody', 'aria-label': t('orq.melody') },
    el('h3', { text: t('orq.melody') }),
    el('p', { class: 'note', text: t('orq.melodyExplain', { d: meta.headDim }) }),
    stripRow(t('orq.query', { word: items[r].text }), q, qkMax),
    keyRows,
    legend(qkMax, t),
    el('div', { class: 'strip-row' }, el('span', { class: 'strip-label', text: t('orq.weights') }), mixBar(order, weights, items, t)),
    top.map((j) => stripRow(`${pct(weights[j])} × v(${items[j].text})`, parts[j], max)),
    rest.length ? stripRow(t('orq.others', { n: rest.length, share: pct(rest.reduce((s, j) => s + weights[j], 0)) }), others, max) : '',
    stripRow(t('orq.mix'), mix, max, true),
    legend(max, t));
  box.showKey = showKey;
  return box;
}

/** The weights as one bar of shares, largest first. Past SORTED_SHOWN the rest share one
 *  segment (at 500 items most would be slivers under a pixel). */
function mixBar(order, weights, items, t) {
  const shown = order.slice(0, SORTED_SHOWN), rest = order.slice(SORTED_SHOWN);
  const restShare = rest.reduce((sum, j) => sum + weights[j], 0);
  const restLabel = rest.length ? t('orq.mixRest', { n: rest.length, share: pct(restShare) }) : '';
  return el('div', { class: 'mixbar', role: 'img', 'aria-label': [...shown.map((j) => `${items[j].text} ${pct(weights[j])}`), restLabel].filter(Boolean).join(', ') },
    shown.map((j) => el('span', { style: { flexGrow: weights[j], background: weightColor(weights[j]) }, title: `${items[j].text}: ${pct(weights[j])}` })),
    rest.length ? el('span', { class: 'rest', style: { flexGrow: restShare }, title: restLabel }) : '');
}

// The stylesheet's colours, for the export (which must stand alone).
const INK = '#1d2330', MUTED = '#5a6172', ACCENT = '#8a3b12';

/**
 * What the chart draws, in its own coordinates (w × height): shared by the view and its
 * export. `list` is true when it is a list (narrow, many items, or arcs that would overlap):
 * then `seats` carry `bar` (the value over the row's largest) instead of positions. `nums`:
 * numbers(data, state), when the caller has them already.
 */
export function scene(state, data, ctx, nums = numbers(data, state)) {
  const { items, result } = data;
  const r = state.word;
  const { weights, scores, scaled } = nums;
  const step = stepShown(state, nums.arithmetic);
  const sizes = seatValues(step, nums, result, state, items);
  const largest = Math.max(...sizes) || 1;
  // What a seat's number is at this step (only that one is formatted: 510 seats a drawing).
  const valueAt = [(j) => num(scores[j]), (j) => num(scaled[j]), (j) => pct(weights[j]), (j) => pct(sizes[j])][step];
  const seats = items.map((it, j) => {
    const weight = sizes[j]; // what this step measures, 0..1: the seat's area and colour
    // A model that writes reads left to right: a word after the conductor is not yet written
    // when the conductor is read (an empty seat, no number), not a musician who gave nothing.
    const future = laterThan(result.meta, j, r);
    return {
      j, weight, self: j === r, radius: radiusOf(weight), bar: weight / largest, future,
      name: it.text.length > 14 ? it.text.slice(0, 13) + '…' : it.text,
      value: future ? NOT_YET_VALUE : valueAt(j),
    };
  });
  // Drawn at the view's own width (up to 960, then scaled): names keep their 13 px in a
  // course column, and the overlap check holds at the size they are read.
  const w = Math.round(Math.min(960, Math.max(600, chartWidth(ctx))));
  const arc = ctx.narrow || items.length > LIST_ITEMS ? null : layout(seats, w);
  if (!arc) return { list: true, w, height: LIST_TOP + seats.length * LIST_ROW + 10, conductor: items[r].text, seats };
  for (const s of seats) {
    [s.x, s.y] = arc.pos[s.j];
    const inside = s.radius > 18; // the value fits inside the seat
    s.valueFill = inside ? inkOn(s.weight) : INK;
    s.valueDy = inside ? 0 : -s.radius - 8;
  }
  return { list: false, w, height: arc.height, cx: arc.cx, cy: arc.cy, conductor: items[r].text, seats };
}

/** Past this width the sorted bars sit beside the chart (BARS_WIDTH wide), else below it. */
const BESIDE = 1100, BARS_WIDTH = 280;
const chartWidth = (ctx) => ((ctx.width || 960) >= BESIDE && !ctx.exporting ? ctx.width - BARS_WIDTH - 24 : ctx.width || 960);

// The list's geometry in the export: the conductor's line, then one row per item.
const LIST_TOP = 40, LIST_ROW = 26;

/** The candidates of a guess: every word but the conductor and the special tokens. */
const candidatesOf = (items, r) => items.map((_, j) => j).filter((j) => j !== r && !items[j].special);

/** What a guess is about: the sentence, units, layer, head and conductor. */
const guessKey = (state, data) => `${data.text}\n${state.units}\n${state.layer}\n${state.head}\n${state.word}`;

/** The guess made for this state, if any: { j, rank, of, weight }. */
export function guessOf(state, data, ctx) {
  const g = ctx.ui.guess;
  if (!g || g.key !== guessKey(state, data)) return null;
  const { weights } = numbers(data, state);
  const cands = candidatesOf(data.items, state.word);
  const rank = 1 + cands.filter((j) => weights[j] > weights[g.j]).length;
  return { j: g.j, rank, of: cands.length, weight: weights[g.j] };
}

/**
 * Guess before reveal (p=1): the musicians by name only, in sentence order, all alike (no
 * weight, size or number anywhere, nor in the accessible names), until the learner taps the
 * one they expect the conductor to listen to most.
 */
function renderGuess(root, state, data, ctx) {
  const { t } = ctx;
  const { items } = data;
  const r = state.word;
  const pick = (j) => {
    ctx.ui.guess = { key: guessKey(state, data), j };
    const g = guessOf(state, data, ctx);
    ctx.guessed?.({ correct: g.rank === 1, rank: g.rank, of: g.of });
    ctx.rerender();
  };
  root.replaceChildren(
    el('p', { class: 'start-hint', text: t('guess.ask', { word: items[r].text, layer: state.layer + 1, head: state.head + 1 }) }),
    el('div', { class: 'orchestra-list guess-list', role: 'group', 'aria-label': t('guess.group', { word: items[r].text }) },
      el('p', { class: 'list-conductor' }, el('span', { class: 'muted', text: `${t('orq.conductor')}: ` }), el('strong', { class: 'conductor', text: items[r].text })),
      candidatesOf(items, r).map((j) => el('button', { type: 'button', class: 'musician', 'data-focus': `g${j}`, text: items[j].text, onclick: () => pick(j) }))));
}

const SORTED_SHOWN = 30;

/** Beside the orchestra: the same weights as bars sorted from the largest, what a reader can
 *  compare (areas and colours mislead: Schuff et al. 2022). */
function sortedBars(items, weights, r, t, guessed, guessing = false, last = Infinity) {
  // In guess mode the list ranks what the guess ranks (candidatesOf: no special token, not the
  // conductor), numbered as the guess's rank is; the ones left out are named under it.
  // A model that writes ranks only the words up to the conductor (`last`): the rest are unwritten.
  const order = (guessing ? candidatesOf(items, r) : items.map((_, j) => j)).filter((j) => j <= last).sort((a, b) => weights[b] - weights[a]);
  const leftOut = guessing ? items.map((_, j) => j).filter((j) => j === r || items[j].special) : [];
  const top = weights[order[0]] || 1;
  // The leading ones: past SORTED_SHOWN the rest are in the table (a long text stays quick).
  const shown = order.slice(0, SORTED_SHOWN);
  return el('section', { class: 'sorted-bars', 'aria-label': t('orq.sorted') },
    el('h3', { text: t('orq.sorted') }),
    shown.map((j, k) => el('div', { class: `sorted-row${j === r ? ' self' : ''}${j === guessed ? ' guessed' : ''}` },
      el('span', { class: 'name' }, guessing ? el('span', { class: 'rank', text: `${t('guess.rank', { rank: k + 1 })} ` }) : '', items[j].text),
      el('span', { class: 'bar' }, el('span', { style: { width: `${((100 * weights[j]) / top).toFixed(1)}%`, background: weightColor(weights[j]) } })),
      el('span', { class: 'value', text: pct(weights[j]) }))),
    order.length > shown.length ? el('p', { class: 'note', text: t('orq.sortedMore', { n: order.length - shown.length }) }) : '',
    leftOut.length ? el('p', { class: 'note sorted-left-out', text: t('guess.leftOut', { list: leftOut.map((j) => `${items[j].text} ${pct(weights[j])}`).join(', ') }) }) : '');
}

export function render(root, state, data, ctx) {
  if (state.guess && !guessOf(state, data, ctx)) { renderGuess(root, state, data, ctx); return; }
  const { t } = ctx;
  const { items, result } = data;
  const { meta } = result;
  const r = state.word;
  const nums = numbers(data, state);
  const { weights, scores, scaled, sqrtD, arithmetic } = nums;
  const step = stepShown(state, arithmetic);
  const sc = scene(state, data, ctx, nums);
  const detail = el('p', { class: 'detail', 'aria-live': 'polite' });
  // Every line composes from its own numbers: the whole chain for one piece, or a word's
  // pieces that add up to its weight.
  const line = (j) => (laterThan(meta, j, r) ? t('orq.notYet', { word: items[j].text, conductor: items[r].text }) : arithmetic
    ? t('orq.line', { word: items[j].text, qk: num(scores[j]), d: meta.headDim, scaled: num(scaled[j]), weight: pct(weights[j]) })
    : t('orq.lineWord', { word: items[j].text, parts: partsText(nums.parts[j]), weight: pct(weights[j]) }));
  detail.textContent = t('orq.hint');
  let hovered = () => {}; // the melody shows the hovered musician's k and q×k
  const paths = pathsSection(state, data, weights, ctx);
  const pathsTo = (j) => { if (j !== r && !items[j].special) paths.show(j); };
  /** What a musician (seat or row) is: its focus key and accessible name. */
  const seatAttrs = ({ j, self, name, value, future }) => ({
    class: `musician${self ? ' self' : ''}${future ? ' future' : ''}`, tabindex: 0, role: 'button', 'data-focus': `m${j}`,
    // The accessible name starts with the visible text (name, value), then the arithmetic.
    'aria-label': `${name} ${value} — ${line(j)}`,
  });
  /** What musician j does when pointed at, tapped, clicked or keyed. */
  const act = {
    enter: (j) => { detail.textContent = line(j); hovered(j); },
    focus: (j) => { detail.textContent = line(j); hovered(j); pathsTo(j); },
    // One tap or click hands over the baton: the row or seat under the finger becomes the
    // conductor (a phone has no hover to show the arithmetic first; the detail line shows it).
    click: (j) => ctx.set({ word: j }),
    key: (j, e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); ctx.set({ word: j }); } },
  };
  const musician = (s) => ({
    ...seatAttrs(s),
    onmouseenter: () => act.enter(s.j), onfocus: () => act.focus(s.j),
    onclick: (e) => act.click(s.j, e), onkeydown: (e) => act.key(s.j, e),
  });
  const guess = state.guess ? guessOf(state, data, ctx) : null;
  // A long text's list stays in the page from one drawing to the next (same items): its rows
  // change in place, which is most of what keeps a focus change under 100 ms at 510 items.
  const keptList = sc.list ? root.querySelector(':scope > .orq-main > .orchestra-list') : null;
  const drawn = sc.list
    ? listChart(sc, seatAttrs, act, items, r, t, keptList?.items === items ? keptList : null)
    : arcChart(sc, musician, items[r].text, t);
  drawn.querySelector(`[data-focus="m${guess?.j}"]`)?.classList.add('guessed');
  const chart = drawn.parentElement ?? el('div');
  // (a long list: what follows it is off the screen, and is drawn only when scrolled to: style.css)
  chart.className = `orq-main${ctx.width >= BESIDE ? ' beside' : ''}${sc.list && items.length > LONG_LIST ? ' long' : ''}`;
  replaceKeeping(chart, [drawn, sortedBars(items, weights, r, t, guess?.j, Boolean(guess), meta.causal ? r : Infinity)]);
  const verdictLine = guess && el('p', { class: `guess-result${guess.rank === 1 ? ' right' : ''}`, role: 'status',
    text: t(guess.rank === 1 ? 'guess.right' : 'guess.result', { word: items[guess.j].text, rank: guess.rank, of: guess.of, weight: pct(guess.weight) }) });

  const stepper = el('div', { class: 'steps', role: 'group', 'aria-label': t('orq.steps') },
    STEPS.map((s, i) => el('button', {
      type: 'button', 'aria-pressed': String(i === step), class: i === step ? 'on' : '',
      // q·k and ÷√d are per piece: with words of several pieces, they open pieces mode.
      onclick: () => ctx.set(i < 2 && !arithmetic ? { step: i, units: 'pecas' } : { step: i }),
      text: `${i + 1}. ${t(`orq.step.${s}`)}`,
    })));
  const start = el('p', { class: 'start-hint', text: t('orq.start') }); // what to do first
  const explain = el('p', { class: 'step-text', text: t(`orq.explain.${STEPS[step]}`, { d: meta.headDim, sqrt: num(sqrtD, 3) }) });

  const note = arithmetic ? null : el('p', { class: 'note', text: t('orq.wordsNote') });
  const causal = meta.causal ? el('p', { class: 'step-text causal-note', text: t(r + 1 === items.length ? 'orq.causalLast' : r + 2 === items.length ? 'orq.causalOne' : 'orq.causal', { conductor: items[r].text, n: items.length - r - 1 }) }) : null;
  // The picture first: what to do and the steps on one line, then the drawing; what the
  // step means, the arithmetic line and the rest under it.
  const top = el('div', { class: 'orq-top' }, verdictLine ?? start, stepper);
  if (!hasValues(result)) { // a build-time example: values arrive with the live model
    replaceKeeping(root, [top, chart, detail, causal, explain, paths, el('p', { class: 'note', text: t('orq.melodyLater') }), note]);
    return;
  }
  const melodyBox = melodySection(data, state, nums, t);
  hovered = (j) => melodyBox.showKey(j);
  replaceKeeping(root, [top, chart, detail, causal, explain, paths, melodyBox, note]);
}

/** How many heads the path ranking lists. */
export const PATHS_SHOWN = 6;

/**
 * "Which heads link the conductor to …?": a musician to pick (or the one tapped or focused),
 * and the heads of every layer that give it the most, each a link to that head. `show(j)`
 * switches the musician; the choice outlives a re-render (ctx.ui.target).
 * The section and its select (one option per item but the special tokens; the conductor's
 * own is hidden) are kept from one drawing to the next of the same items: a long text's 510
 * options were built, styled and read by the browser's form code at every focus change.
 */
const pathsKept = new WeakMap(); // items -> { box, h3, title, select, options, list, note, conductor, show }
function pathsSection(state, data, weights, ctx) {
  const { t } = ctx;
  const { result, items } = data;
  const r = state.word;
  const candidates = items.map((_, j) => j).filter((j) => j !== r && !items[j].special);
  let kept = pathsKept.get(items);
  if (!kept) {
    const options = items.map((it, j) => (it.special ? null : el('option', { value: String(j), text: it.text })));
    const select = el('select', {}, options);
    const title = document.createTextNode('');
    kept = { box: el('section', { class: 'paths' }), h3: el('h3', {}, title, ' ', select, '?'), title, select, options,
      list: el('ol', { class: 'path-list' }), note: el('p', { class: 'note' }), conductor: -1 };
    select.addEventListener('change', () => kept.show(Number(select.value)));
    pathsKept.set(items, kept);
  }
  const { box, h3, title, select, options, list, note } = kept;
  const setOwn = (j, own) => { const o = options[j]; if (o && o.hidden !== own) { o.hidden = own; o.disabled = own; } };
  box.show = kept.show = (target) => {
    ctx.ui.target = target;
    if (kept.conductor !== r) { setOwn(kept.conductor, false); setOwn(r, true); kept.conductor = r; }
    const heading = t('orq.pathsFrom', { word: items[r].text }), how = t('orq.pathsHow');
    if (title.data !== heading) title.data = heading;
    if (select.getAttribute('aria-label') !== t('orq.pathsTarget')) select.setAttribute('aria-label', t('orq.pathsTarget'));
    if (select.value !== String(target)) select.value = String(target);
    const ranked = rankHeads(result, items, r, target).slice(0, PATHS_SHOWN);
    list.replaceChildren(...ranked.map(({ layer, head, weight }) => {
      const here = layer === state.layer && head === state.head;
      return el('li', {}, el('button', {
        type: 'button', class: here ? 'on' : '', 'aria-current': here ? 'true' : null,
        text: t('orq.pathHead', { layer: layer + 1, head: head + 1, weight: pct(weight) }),
        onclick: () => ctx.set({ layer, head }),
      }));
    }));
    if (note.textContent !== how) note.textContent = how;
    replaceKeeping(box, [h3, list, note]);
  };
  if (!candidates.length) { box.replaceChildren(); return box; }
  // The musician chosen before, or the one this head gives the most.
  const chosen = ctx.ui.target;
  box.show(candidates.includes(chosen) ? chosen : candidates.reduce((a, b) => (weights[b] > weights[a] ? b : a)));
  return box;
}

/** The seats on their arcs around the podium. */
function arcChart({ w, height, cx, cy, seats }, musician, conductor, t) {
  return svg('svg', { viewBox: `0 0 ${w} ${height}`, class: 'orchestra', role: 'group', 'aria-label': t('orq.chart', { word: conductor }) },
    svg('rect', { x: cx - 90, y: cy - 8, width: 180, height: 56, rx: 8, class: 'podium' }),
    svg('text', { x: cx, y: cy + 14, class: 'podium-role', text: t('orq.conductor') }),
    svg('text', { x: cx, y: cy + 38, class: 'podium-word conductor', text: conductor }),
    seats.map((s) => svg('g', musician(s),
      s.future ? '' : svg('line', { x1: cx, y1: cy - 8, x2: s.x, y2: s.y, class: 'baton', 'stroke-width': 0.5 + 6 * s.weight, 'stroke-opacity': 0.15 + 0.6 * s.weight }),
      svg('circle', { cx: s.x, cy: s.y, r: s.radius, fill: s.future ? 'none' : weightColor(s.weight), class: `seat${s.future ? ' future' : ''}` }),
      svg('text', { x: s.x, y: s.y + s.radius + 15, class: 'name', text: s.name }),
      ' ', // not drawn; keeps "name value" apart in the text that assistive tech compares
      svg('text', { x: s.x, y: s.y + 4, class: 'value', fill: s.valueFill, dy: s.valueDy, text: s.value }))));
}

/** Past this many rows a list's rows off the screen are not laid out (style.css). */
const LONG_LIST = 100;

/** Phones and long sentences: the conductor, then one row per musician in sentence order
 *  (name, a bar as long as its value relative to the row's largest, the value). The rows'
 *  events are handled once, on the list, not by four listeners on each of up to 512 rows.
 *  `kept`, the list drawn last for the same items, is updated in place instead. */
function listChart({ seats }, seatAttrs, act, items, r, t, kept) {
  const list = kept ?? newList();
  list.items = items;
  list.classList.toggle('long', items.length > LONG_LIST); // (its rows are drawn only near the screen: style.css)
  list.act = act; // this drawing's handlers
  list.setAttribute('aria-label', t('orq.chart', { word: items[r].text }));
  if (kept) { // the conductor's line is changed, not replaced: the rows keep their nth-child
    const [role, word] = kept.firstElementChild.children;
    role.textContent = `${t('orq.conductor')}: `;
    word.textContent = items[r].text;
    seats.forEach((s, i) => setRow(kept.children[i + 1], s, seatAttrs(s)));
  } else {
    list.append(
      el('p', { class: 'list-conductor' }, el('span', { class: 'muted', text: `${t('orq.conductor')}: ` }), el('strong', { class: 'conductor', text: items[r].text })),
      ...seats.map((s) => setRow(null, s, seatAttrs(s))));
  }
  return list;
}

/** An empty list whose rows' events go to the handlers of the list's latest drawing. */
function newList() {
  const at = (e) => Number(e.target.closest?.('.musician')?.dataset.focus.slice(1) ?? -1);
  const on = (name) => (e) => { const j = at(e); if (j >= 0) list.act[name](j, e); };
  const list = el('div', {
    class: 'orchestra-list', role: 'group',
    // mouseover bubbles where mouseenter does not: act once per row entered
    onmouseover: (e) => { const j = at(e); if (j >= 0 && at({ target: e.relatedTarget ?? e.target.ownerDocument }) !== j) list.act.enter(j); },
    onfocusin: on('focus'), onclick: on('click'), onkeydown: on('key'),
  });
  return list;
}

/** A musician's row (name, bar, value), built when `row` is null, else changed where it differs. */
function setRow(row, s, attrs) {
  const look = { cls: attrs.class, label: attrs['aria-label'], width: `${(100 * s.bar).toFixed(1)}%`, color: weightColor(s.weight), value: s.value };
  if (!row) {
    row = el('div', { ...attrs },
      el('span', { class: 'name', text: s.name }),
      ' ',
      el('span', { class: 'bar' }, el('span', { style: { width: look.width, background: look.color } })),
      ' ',
      el('span', { class: 'value', text: s.value }));
  } else {
    const was = row.look;
    if (row.className !== look.cls) row.className = look.cls; // also drops a past guess's mark
    if (was.label !== look.label) row.setAttribute('aria-label', look.label);
    // (the row's own children, indexed: a destructured HTMLCollection is an iterator per row)
    const fill = row.children[1].firstChild, value = row.children[2];
    if (was.width !== look.width) fill.style.width = look.width;
    if (was.color !== look.color) fill.style.background = look.color;
    if (was.value !== look.value) value.textContent = look.value;
  }
  row.look = look;
  return row;
}

/** "men 12.1% + ina 6.2%": a word's pieces and their weights. */
const partsText = (parts) => parts.map((p) => `${p.piece} ${pct(p.weight)}`).join(' + ');

export function tableOf(state, data, ctx) {
  if (state.guess && !guessOf(state, data, ctx)) return el('p', { class: 'note', text: ctx.t('guess.tableLater') });
  const { weights, scores, scaled, arithmetic, parts } = numbers(data, state);
  const caption = ctx.t('orq.table', { word: data.items[state.word].text });
  // With judges dismissed: this head's weights in the run without them, as a last column.
  const a = state.ablate && data.ablated?.spec === state.ablate ? data.ablated.result : null;
  const without = a && itemRow(a.attention, a.meta, state.layer, state.head, data.items, state.word);
  const extraHead = without ? [ctx.t('col.without', { spec: state.ablate })] : [];
  // (a model that writes: the words after the conductor were not yet written: no numbers)
  const later = (j) => laterThan(data.result.meta, j, state.word);
  const extra = (j) => (!without ? [] : later(j) ? ['–'] : [pct(without[j], 1)]);
  const notYet = ctx.t('orq.notYetCell');
  if (!arithmetic) {
    return table(caption, [ctx.t('col.word'), ctx.t('col.pieces'), ctx.t('col.weight'), ...extraHead],
      data.items.map((it, j) => (later(j) ? [rowLabel(it, ctx.t), '–', notYet, ...extra(j)] : [rowLabel(it, ctx.t), partsText(parts[j]), pct(weights[j], 1), ...extra(j)])));
  }
  return table(caption, [ctx.t('col.word'), 'q·k', 'q·k/√d', ctx.t('col.weight'), ...extraHead],
    data.items.map((it, j) => (later(j) ? [rowLabel(it, ctx.t), '–', '–', notYet, ...extra(j)] : [rowLabel(it, ctx.t), num(scores[j], 3), num(scaled[j], 3), pct(weights[j], 1), ...extra(j)])));
}

/** The chart (arcs or list) at ctx.width. */
export function toSvg(state, data, ctx) {
  const sc = scene(state, data, ctx);
  return sc.list ? listSvg(sc, ctx) : arcSvg(sc, ctx);
}

/** The list at the export's own width: the conductor, then a row per item. */
function listSvg({ height, conductor, seats }, ctx) {
  const { t, width } = ctx;
  const nameW = Math.min(180, Math.round(width * 0.35)), barW = width - nameW - 90;
  let body = text(12, 26, `${t('orq.conductor')}: ${conductor}`, { size: 15, weight: 700 });
  seats.forEach(({ self, name, value, bar, weight }, k) => {
    const y = LIST_TOP + k * LIST_ROW;
    body += text(12, y + 17, name, { size: 13, weight: self ? 700 : 400 })
      + tag('rect', { x: nameW, y: y + 6, width: barW, height: 14, fill: '#eef1f4' })
      + tag('rect', { x: nameW, y: y + 6, width: Math.max(0.5, barW * bar).toFixed(1), height: 14, fill: weightColor(weight), stroke: self ? ACCENT : 'none' })
      + tag('text', { x: width - 12, y: y + 17, 'font-family': FONT, 'font-size': 12, 'font-weight': 600, 'text-anchor': 'end', fill: INK }, esc(value));
  });
  return { body, height };
}

/** The arcs (podium, batons, seats, names, values) scaled to ctx.width. */
function arcSvg({ w, height, cx, cy, conductor, seats }, ctx) {
  const { t } = ctx;
  let body = tag('rect', { x: cx - 90, y: cy - 8, width: 180, height: 56, rx: 8, fill: '#f1e6d8', stroke: ACCENT })
    + text(cx, cy + 14, t('orq.conductor'), { size: 12, anchor: 'middle', fill: MUTED })
    + text(cx, cy + 38, conductor, { size: 18, anchor: 'middle', weight: 700 });
  for (const { x, y, radius, weight, self, name, value, valueFill, valueDy, future } of seats) {
    body += (future ? '' : tag('line', { x1: cx, y1: cy - 8, x2: x, y2: y, stroke: ACCENT, 'stroke-width': 0.5 + 6 * weight, 'stroke-opacity': 0.15 + 0.6 * weight }))
      + tag('circle', { cx: x, cy: y, r: radius, fill: future ? 'none' : weightColor(weight), stroke: self ? ACCENT : '#7d8793', 'stroke-width': self ? 3 : 1, 'stroke-dasharray': future ? '3 3' : undefined })
      + text(x, y + radius + 15, name, { size: 13, anchor: 'middle' })
      + tag('text', { x, y: y + 4, dy: valueDy, 'font-family': FONT, 'font-size': 11, 'font-weight': 600, 'text-anchor': 'middle', fill: valueFill }, esc(value));
  }
  const scaled = Math.round((ctx.width * height) / w); // the chart at the export's width
  return { body: tag('svg', { x: 0, y: 0, width: ctx.width, height: scaled, viewBox: `0 0 ${w} ${height}` }, body), height: scaled };
}
