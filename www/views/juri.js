// Júri: one judge per head of the layer. For the focused word each judge gives a share to
// itself (shown apart: not a vote), a share to the special tokens (parking, a no-op) and the
// rest to the other words; it votes for the other word it gives most, and a vote weighs that
// share. Beside what it does for this word: its habit over the whole sentence.
// A model that writes (causal attention) has no special tokens: its heads park on the first
// word (the attention sink), which counts as parking; later words are not yet written and get
// no vote; and its judges sit by the note sheet they share (grouped-query attention: SmolLM2's
// 9 query heads read 3 key/value heads; Gemma 3 270M's 4 read 1, all judges on one sheet), with
// what sharing a sheet does measured on the row. A model with a start token (Gemma's <bos>)
// parks there: a special item, as [CLS] is, named as the start token (i18n's `.bos` keys).
import { el, pct, num, table } from '../dom.js';
import { itemMatrix } from '../units.js';
import { heatmap, heatmapSvg, legend, readableSize } from './heatmap.js';
import { text, tag } from './svg-text.js';
import { toggled, isDismissed, moved } from '../ablation.js';
import { rankingKey } from '../state.js';
import { habitText, MEASURES } from './habit.js';
import { weightColor, inkOn } from '../color.js';

/** A judge that parks this share or more of the focused word's attention on the special
 *  tokens ([CLS]/[SEP], <s>/</s>) abstains. */
export const ABSTAIN = 0.5;


// The layer's matrices for the items shown, kept while the layer stays: a focus or head change
// only recounts the votes (at 510 items each matrix is 260,000 cells).
const matrices = new WeakMap(); // items -> { layer, ms }

function layerMatrices(data, layer) {
  const { result, items } = data;
  const kept = matrices.get(items);
  if (kept?.layer === layer) return kept.ms;
  const ms = Array.from({ length: result.meta.heads }, (_, h) => itemMatrix(result.attention, result.meta, layer, h, items));
  matrices.set(items, { layer, ms });
  return ms;
}

/** The note sheet (key/value head) query head h reads: src/wasm_decoder.rs, h / (H / Hkv);
 *  null for a model whose every head has its own (the encoders). */
export const sheetOf = (meta, h) => (meta.kvHeads && meta.kvHeads < meta.heads ? Math.floor(h / (meta.heads / meta.kvHeads)) : null);

/**
 * Each judge's row for the focused item r: `self` (the focused word's own items), `parked`
 * (the special tokens; in a model that writes, the first word, where its heads park), `vote`
 * (the other word it gives most, -1 if none; never a word not yet written) and its `share`,
 * what it mostly `does` for this word ('parks' | 'itself' | 'word'), whether it abstains, and
 * its note `sheet` (grouped-query attention; null for the encoders).
 */
export function judges(state, data) {
  const { result, items } = data;
  const { meta, heads } = result;
  const N = items.length, r = state.word, own = items[r].word, causal = Boolean(meta.causal);
  const ms = layerMatrices(data, state.layer);
  return Array.from({ length: meta.heads }, (_, h) => {
    const m = ms[h];
    let vote = -1, self = 0, parked = 0;
    for (let c = 0; c < N && !(causal && c > r); c++) { // (a later word is not yet written)
      const a = m[r * N + c];
      if (items[c].special || (causal && c === 0 && r > 0)) parked += a; // the attention sink
      else if (items[c].word === own) self += a; // the word itself (all its pieces): not a vote
      else if (vote < 0 || a > m[r * N + vote]) vote = c;
    }
    const share = vote < 0 ? 0 : m[r * N + vote];
    const abstains = vote < 0 || parked >= ABSTAIN;
    const does = parked >= Math.max(self, share) ? 'parks' : self > share ? 'itself' : 'word';
    return { head: h, matrix: m, vote, share, self, parked, abstains, does, sheet: sheetOf(meta, h), summary: heads[state.layer * meta.heads + h] };
  });
}

/**
 * Grouped-query attention, measured on the focused row: for each pair of judges, how far
 * apart their rows are (total variation: half the sum of the differences, 0 = the same row,
 * 1 = nothing in common), averaged over the pairs that share a note sheet (`same`) and those
 * that do not (`apart`); and for each sheet, how long the first word's value is beside the
 * others' (the mean |v| of the later tokens), at this layer: what parking there adds. Null
 * for a model without shared sheets.
 */
export function sheets(state, data, js) {
  const { meta, v } = data.result;
  if (sheetOf(meta, 0) === null) return null;
  const N = data.items.length, r = state.word;
  const tv = (a, b) => { let s = 0; for (let c = 0; c < N; c++) s += Math.abs(a.matrix[r * N + c] - b.matrix[r * N + c]); return s / 2; };
  const sums = { same: [0, 0], apart: [0, 0] };
  for (let i = 0; i < js.length; i++) for (let j = i + 1; j < js.length; j++) {
    const k = js[i].sheet === js[j].sheet ? 'same' : 'apart';
    sums[k][0] += tv(js[i], js[j]);
    sums[k][1]++;
  }
  const { seq: T, headDim: D, heads: H } = meta;
  const per = H / meta.kvHeads;
  const valueRatio = (sheet) => {
    if (!v || T < 2) return null;
    const base = (state.layer * H + sheet * per) * T * D; // (L, H, T, Dh): the sheet's first judge
    const norm = (t) => Math.hypot(...v.subarray(base + t * D, base + (t + 1) * D));
    let rest = 0;
    for (let t = 1; t < T; t++) rest += norm(t);
    return norm(0) / (rest / (T - 1));
  };
  return {
    same: sums.same[1] ? sums.same[0] / sums.same[1] : 0,
    apart: sums.apart[1] ? sums.apart[0] / sums.apart[1] : 0,
    groups: Array.from({ length: meta.kvHeads }, (_, k) => ({ sheet: k, judges: js.filter((j) => j.sheet === k), value: valueRatio(k) })),
  };
}

/**
 * The jury's verdict: votes weighted by their shares. `weights` maps an item to the sum of the
 * shares of the judges voting for it; the winner has the largest sum; the strongest judge gives
 * the largest share to one word; `self` is the focused word's mean share to itself.
 */
export function verdict(js) {
  const weights = new Map(), counts = new Map();
  for (const j of js) {
    if (j.abstains) continue;
    weights.set(j.vote, (weights.get(j.vote) ?? 0) + j.share);
    counts.set(j.vote, (counts.get(j.vote) ?? 0) + 1);
  }
  const [winner, weight] = [...weights.entries()].sort((a, b) => b[1] - a[1])[0] ?? [-1, 0];
  const voters = js.filter((j) => !j.abstains);
  const strongest = voters.length ? voters.reduce((a, b) => (b.share > a.share ? b : a)) : null;
  return {
    winner, weight, count: counts.get(winner) ?? 0, weights, strongest,
    abstaining: js.length - voters.length,
    self: js.reduce((s, j) => s + j.self, 0) / js.length,
  };
}

/** The measures behind a label (a model that writes has no next word and no [SEP] to measure). */
function measureText(summary, t, causal = false) {
  return MEASURES.filter((k) => !causal || (k !== 'next' && k !== 'sep')).map((k) => `${t(`measure.${k}`)}: ${pct(summary.measures[k], 0)}`).join(' · ')
    + ` · ${t('measure.entropy', { value: num(summary.measures.entropy) })}`;
}

/** What the judge does for the focused word, in a few words. */
function doingText(j, items, t) {
  if (j.does === 'parks') return t('jury.doesParks', { share: pct(j.parked, 0) });
  if (j.does === 'itself') return t('jury.doesItself', { share: pct(j.self, 0) });
  return t('jury.doesWord', { word: items[j.vote].text, share: pct(j.share, 0) });
}

/** Whether an item is punctuation (or a symbol), not a word: a vote for "," is no word choice. */
export const isPunctuation = (item) => !item.special && /^[\p{P}\p{S}]+$/u.test(item.text);

/**
 * The verdict's lines: what the jury chose (a word, or punctuation, said as such), how many of
 * the sitting judges voted for it (dismissed judges neither vote nor abstain: they are not
 * counted), the strongest judge, and the focused word's share to itself.
 */
export function verdictLines(js, items, focus, layer, t, first = false) {
  const sitting = js.filter((j) => !j.dismissed);
  const v = verdict(sitting);
  const total = sitting.length;
  if (!total) return [t('jury.allDismissed', { focus, layer })];
  if (first) return [t('jury.firstWord', { focus, layer })]; // a model that writes: its first word hears only itself
  const lines = [];
  if (v.winner < 0) lines.push(t('jury.allAbstain', { total, focus, layer }));
  else {
    const votes = t(v.count === 1 ? 'jury.votesOne' : 'jury.votes', { count: v.count, total, weight: pct(v.weight, 0) });
    if (isPunctuation(items[v.winner])) {
      // The heaviest word that is a word, if any judge voted for one.
      const word = [...v.weights.entries()].filter(([k]) => !isPunctuation(items[k])).sort((a, b) => b[1] - a[1])[0];
      lines.push(`${t('jury.verdictPunct', { layer, focus, word: items[v.winner].text })} ${votes}`
        + (word ? ` ${t('jury.topWord', { word: items[word[0]].text, weight: pct(word[1], 0) })}` : ''));
    } else lines.push(`${t('jury.verdict', { layer, focus, word: items[v.winner].text })} ${votes}`);
    lines.push(t('jury.strongest', { n: v.strongest.head + 1, word: items[v.strongest.vote].text, share: pct(v.strongest.share, 0) }));
  }
  lines.push(t(v.abstaining === 1 ? 'jury.selfOne' : 'jury.self', { focus, share: pct(v.self, 0), abstaining: v.abstaining, total }));
  return lines;
}

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items } = data;
  // A dismissed judge does not sit: it neither votes nor abstains.
  const causal = Boolean(data.result.meta.causal);
  const js = seated(state, data);
  const v = verdict(js.filter((j) => !j.dismissed));
  const N = items.length, focus = items[state.word].text, layer = state.layer + 1;
  const grouped = sheets(state, data, js);
  const size = ctx.narrow ? Math.min(280, ctx.width - 40) : 160;
  // One judge's map opened large, with its labels (a click on a map opens or closes it).
  const big = ctx.ui.bigJudge ?? -1;
  const bigSize = ctx.narrow ? readableSize(N, ctx.width - 30) : Math.min(ctx.width - 40, 640);
  const readout = el('p', { class: 'readout', 'aria-live': 'polite' });
  /** "Judge 4: radiante → cachorros 53.0%", kept across the re-render a click causes. */
  const point = (h, r, c) => {
    ctx.ui.juryCell = r < 0 ? null : [h, r, c];
    const m = js[h]?.matrix;
    readout.textContent = r < 0 || !m || r >= N || c >= N ? t('jury.point') : t('jury.value', { n: h + 1, from: items[r].text, to: items[c].text, value: pct(m[r * N + c]) });
  };
  point(...(ctx.ui.juryCell ?? [0, -1, -1]));
  const cards = js.map((j) => {
    const agrees = !j.abstains && j.vote === v.winner, large = j.head === big;
    const map = heatmap(j.matrix, N, large ? bigSize : size, {
      highlightRow: state.word, name: t('jury.heatmap', { n: j.head + 1 }), causal,
      later: !large && j.head >= 2, // (the first screen's maps now; the others in the next task)
      labels: large ? items.map((it) => it.text) : null,
      onPoint: (r, c) => point(j.head, r, c),
      onCell: () => { ctx.ui.bigJudge = large ? null : j.head; ctx.rerender(); },
    });
    const out = isDismissed(state.ablate, state.layer, j.head);
    return el('article', { class: `judge${agrees ? ' agrees' : ''}${j.abstains ? ' abstains' : ''}${large ? ' large' : ''}${out ? ' dismissed' : ''}`, 'aria-label': t('jury.judge', { n: j.head + 1 }), 'data-head': j.head },
      el(grouped ? 'h4' : 'h3', {}, el('button', { type: 'button', class: 'link', text: t('jury.judge', { n: j.head + 1 }), onclick: () => ctx.set({ view: 'orquestra', head: j.head }) }),
        ' ', el('button', {
          type: 'button', class: 'dismiss', 'aria-pressed': String(out),
          text: out ? t('jury.recall') : t('jury.dismiss'),
          onclick: () => ctx.set({ ablate: toggled(state.ablate, state.layer, j.head, data.result.meta) }),
        })),
      el('p', { class: 'doing', text: `${t('jury.forWord', { word: focus })} ${doingText(j, items, t)}` }),
      el('p', { class: 'label', tabindex: 0, 'data-focus': `j${j.head}`, 'data-label': j.summary.label, 'data-strength': j.summary.strength, title: measureText(j.summary, t, causal), 'aria-label': `${t('jury.habit')} ${habitText(j.summary, t)}. ${measureText(j.summary, t, causal)}` },
        el('span', { class: 'muted', text: `${t('jury.habit')} ` }), habitText(j.summary, t)),
      large ? [bigSize > ctx.width - 30 ? el('p', { class: 'scroll-hint', text: t('matrix.scrolls') }) : null, el('div', { class: 'scroll-x' }, map)] : map,
      j.dismissed ? el('p', { class: 'vote' }, el('strong', { text: t('jury.dismissedVote') }))
      : j.abstains
        ? el('p', { class: 'vote' }, el('strong', { text: t('jury.abstained') }))
        : el('p', { class: 'vote' }, t('jury.vote'), ' ', el('strong', { text: items[j.vote].text }), ` ${pct(j.share, 0)}`, agrees ? el('span', { class: 'badge', text: ` ✓ ${t('jury.withMajority')}` }) : ''),
      el('p', { class: 'muted small', text: t('jury.apart', { self: pct(j.self, 0), parked: pct(j.parked, 0) }) }));
  });
  const lines = verdictLines(js, items, focus, layer, t, causal && state.word === 0);
  // Judges who share a note sheet sit together, the sheet named above them.
  const seats = grouped
    ? el('div', { class: 'sheets' }, grouped.groups.map((g) => el('section', { class: 'sheet', 'aria-label': sheetTitle(g, t, grouped.groups.length === 1), 'data-value': g.value ?? '' },
      el('h3', { class: 'sheet-title' }, sheetTitle(g, t, grouped.groups.length === 1),
        g.value === null ? '' : el('span', { class: 'sheet-value', text: ` · ${t('jury.sheetValue', { share: pct(g.value, 0) })}` })),
      el('div', { class: 'jury' }, g.judges.map((j) => cards[j.head])))))
    : el('div', { class: 'jury' }, cards);
  // The picture first: the judges, then the verdict and what to do with them.
  root.replaceChildren(
    legend(t, causal), readout,
    seats,
    el('div', { class: 'verdict' }, lines.map((l) => el('p', { text: l }))),
    grouped ? el('div', { class: 'gqa' }, el('p', { text: t(gqaKeys(data.result.meta)[0], gqaParams(data.result.meta)) }),
      el('p', { class: 'gqa-measured', 'data-same': grouped.same, 'data-apart': grouped.apart, text: t(gqaKeys(data.result.meta)[1], { focus, same: pct(grouped.same, 0), apart: pct(grouped.apart, 0) }) })) : '',
    dismissedBox(state, data, ctx),
    rankingBox(state, data, ctx),
    el('p', { class: 'note', text: t('jury.noop') }));
}

/** "Note sheet 2: judges 4, 5, 6". */
const sheetTitle = (g, t, one = false) => t(one ? 'jury.sheetOne' : 'jury.sheet', { n: g.sheet + 1, judges: g.judges.map((j) => j.head + 1).join(', ') });

/** The grouped-query sentences' keys: one sheet for every judge (Gemma 3 270M: 4 judges, 1
 *  sheet) is said as such, and its measure has no pairs on different sheets to compare. */
const gqaKeys = (meta) => (meta.kvHeads === 1 ? ['jury.gqaOne', 'jury.gqaMeasuredOne'] : ['jury.gqa', 'jury.gqaMeasured']);

/** The numbers the grouped-query sentence names: judges, sheets, judges per sheet. */
const gqaParams = (meta) => ({ heads: meta.heads, sheets: meta.kvHeads, per: meta.heads / meta.kvHeads });

/** With judges dismissed: who, and how much the sentence's meaning and the focused word's
 *  final vector moved (recomputed in the worker; the page is never blocked). */
function dismissedBox(state, data, ctx) {
  const { t } = ctx;
  if (!state.ablate) return el('p', { class: 'note', text: t('jury.dismissHint') });
  const names = state.ablate.split(',').map((e) => { const [l, h] = e.split('.'); return t('jury.dismissedOne', { layer: l, head: h }); }).join(', ');
  const a = data.ablated?.spec === state.ablate ? data.ablated.result : null;
  const box = (...lines) => el('div', { class: 'dismissed-box', role: 'status' },
    el('p', {}, el('strong', { text: t('jury.dismissedList', { names }) }), ' ',
      el('button', { type: 'button', text: t('jury.recallAll'), onclick: () => ctx.set({ ablate: '' }) })),
    ...lines);
  if (!a) return box(el('p', { text: t('jury.recomputing') }));
  if (data.result.meta.causal) return box(...nextMoved(data.result.next, a.next, t));
  const m = moved(data.result, a, data.items[state.word]);
  return box(el('p', { text: t('jury.moved', { sentence: num(m.sentence, 4), word: data.items[state.word].text, wordCos: num(m.word, 4) }) }));
}

/** A next-token guess's text without its leading space, as the next-word view shows it
 *  (“Paris”, not “ Paris”); ␣ for a space alone. */
const piece = (g) => g.text.replace(/^\s+/u, '') || '␣';

/** A model that writes, without the dismissed judges: its next word before and after, the
 *  first three candidates of each with their probabilities (the engine's top 5, `next`). */
function nextMoved(before, after, t) {
  const list = (next) => next.slice(0, 3).map((g) => `“${piece(g)}” ${pct(g.p, 1)}`).join(', ');
  const same = before[0]?.id === after[0]?.id;
  return [
    el('p', { class: 'jury-next-before', text: t('jury.nextBefore', { list: list(before) }) }),
    el('p', { class: 'jury-next-after', 'data-same': String(same), text: t(same ? 'jury.nextAfterSame' : 'jury.nextAfter', { list: list(after) }) }),
  ];
}

/** "Which judges matter most for this word?": a button, then progress (cancellable), then the
 *  heads ranked by what each alone, dismissed, changes: an encoder's focused word's final
 *  vector (the cosine), a model that writes' next word (its probability, before → after). */
function rankingBox(state, data, ctx) {
  const { t } = ctx;
  const causal = Boolean(data.result.meta.causal);
  if (!ctx.rank || !(causal ? data.result.next?.length : data.result.hidden)) return '';
  const r = ctx.ranking;
  const word = causal ? `“${piece(data.result.next[0])}”` : data.items[state.word].text;
  const current = r && r.key === rankingKey(state, data);
  const start = el('button', { type: 'button', class: 'rank-start', text: t('jury.rank', { word, n: data.result.meta.layers * data.result.meta.heads }), onclick: () => ctx.rank() });
  if (!current) return el('div', { class: 'ranking' }, start);
  if (r.done < r.total && !r.cancelled && !r.error) {
    return el('div', { class: 'ranking', role: 'status' },
      el('p', { text: t('jury.ranking', { done: r.done, total: r.total, word }) }),
      el('progress', { max: r.total, value: r.done }), ' ',
      el('button', { type: 'button', class: 'rank-cancel', text: t('jury.rankCancel'), onclick: () => ctx.cancelRanking() }));
  }
  const sorted = [...r.results].sort((a, b) => b.shift - a.shift).slice(0, 8);
  /** "layer 24, judge 5: cosine 0.9321", or for a model that writes "… “Paris” 77.3% → 14.1%". */
  const line = ({ layer, head, shift, p, first }) => (!causal
    ? t('jury.rankedOne', { layer: layer + 1, head: head + 1, cos: num(1 - shift, 4) })
    : t(first.id === r.target.id ? 'jury.rankedNext' : 'jury.rankedNextFirst', {
      layer: layer + 1, head: head + 1, word, before: pct(r.target.p, 1), after: pct(p, 1), first: `“${piece(first)}”`,
    }));
  return el('div', { class: 'ranking' },
    el('p', { text: r.cancelled ? t('jury.rankCancelled', { done: r.done, total: r.total }) : r.error ? r.error : t('jury.ranked', { word, total: r.total, s: num(r.ms / 1000, 1) }) }),
    el('ol', { class: 'path-list' }, sorted.map((one) => el('li', {}, el('button', {
      type: 'button', text: line(one),
      onclick: () => ctx.set({ layer: one.layer, ablate: `${one.layer + 1}.${one.head + 1}` }),
    })))),
    start);
}

/** The judges as the view seats them: a dismissed one marked, not sitting. */
const seated = (state, data) => judges(state, data).map((j) => (isDismissed(state.ablate, state.layer, j.head) ? { ...j, abstains: true, dismissed: true } : j));

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  const { items } = data;
  const grouped = sheetOf(data.result.meta, 0) !== null;
  return table(t('jury.table', { layer: state.layer + 1, word: items[state.word].text }),
    [t('col.judge'), ...(grouped ? [t('col.sheet')] : []), t('col.vote'), t('col.self'), t('col.abstains'), t('col.specialty')],
    seated(state, data).map((j) => [t('jury.judge', { n: j.head + 1 }), ...(grouped ? [String(j.sheet + 1)] : []),
      j.dismissed ? t('jury.dismissedVote') : j.abstains ? t('jury.abstained') : `${items[j.vote].text} (${pct(j.share, 0)})`,
      pct(j.self, 0), pct(j.parked, 0), habitText(j.summary, t)]));
}

/** The colour scale as SVG at (x, y): its name, then 0%, 25% … 100% on their colours. */
function legendSvg(x, y, t) {
  let out = text(x, y + 14, t('heat.legend'), { size: 12 });
  const x0 = x + Math.max(110, t('heat.legend').length * 7.5);
  [0, 0.25, 0.5, 0.75, 1].forEach((v, k) => {
    out += tag('rect', { x: x0 + k * 52, y, width: 52, height: 20, fill: weightColor(v) })
      + text(x0 + k * 52 + 26, y + 14, `${v * 100}%`, { size: 11, anchor: 'middle', fill: inkOn(v) });
  });
  return out;
}

/**
 * What a slide needs: the verdict, the colour scale, then the judges (fewer to a row as the
 * sentence grows, so each map keeps its word labels readable): number, what it does for the
 * word, the labelled heatmap with the focused row marked, its vote and its habit.
 */
export function toSvg(state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const N = items.length, focus = items[state.word].text;
  const js = seated(state, data);
  const causal = Boolean(result.meta.causal), grouped = sheets(state, data, js);
  let y = 4, body = '';
  const lines = verdictLines(js, items, focus, state.layer + 1, t, causal && state.word === 0);
  if (grouped) lines.push(t(gqaKeys(result.meta)[1], { focus, same: pct(grouped.same, 0), apart: pct(grouped.apart, 0) }));
  for (const line of lines) {
    for (const l of wrap(line, Math.floor((ctx.width - 24) / (0.62 * 13)))) { body += text(12, y + 16, l, { size: 13 }); y += 18; }
  }
  body += legendSvg(12, y + 8, t);
  y += 40;
  const cols = N <= 10 ? 4 : N <= 20 ? 3 : 2;
  const cw = Math.floor(ctx.width / cols), size = cw - 24;
  const labels = items.map((it) => it.text);
  js.forEach((j, k) => {
    const x = (k % cols) * cw + 12, top = y + Math.floor(k / cols) * (size + 90);
    body += text(x, top + 14, t('jury.judge', { n: j.head + 1 }) + (j.sheet === null ? '' : ` · ${t('jury.sheetShort', { n: j.sheet + 1 })}`), { size: 13, weight: 'bold' });
    body += text(x, top + 32, `${t('jury.forWord', { word: focus })} ${doingText(j, items, t)}`, { size: 11 });
    body += heatmapSvg(j.matrix, N, x, top + 40, size, { highlightRow: state.word, labels, causal });
    const vote = j.dismissed ? t('jury.dismissedVote') : j.abstains ? t('jury.abstained') : `${t('jury.vote')} ${items[j.vote].text} ${pct(j.share, 0)}`;
    body += text(x, top + size + 58, vote, { size: 11 });
    body += text(x, top + size + 74, `${t('jury.habit')} ${habitText(j.summary, t)}`, { size: 10 });
  });
  return { body, height: y + Math.ceil(result.meta.heads / cols) * (size + 90) + 10 };
}

/** `s` in lines of at most `chars` characters, cut at spaces. */
function wrap(s, chars) {
  const lines = [''];
  for (const w of s.split(' ')) {
    const last = lines.length - 1;
    if (lines[last] && lines[last].length + 1 + w.length > chars) lines.push(w); else lines[last] = lines[last] ? `${lines[last]} ${w}` : w;
  }
  return lines;
}
