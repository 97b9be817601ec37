// Júri: one judge per head of the layer, with its specialty measured on this sentence,
// a small heatmap, and its vote (the word it attends to most) for the focused word.
import { el, pct, table } from '../dom.js';
import { itemMatrix } from '../units.js';
import { heatmap, heatmapSvg } from './heatmap.js';
import { text } from './svg-text.js';

/** Share of attention on the special tokens ([CLS]/[SEP], <s>/</s>) from which a judge abstains. */
export const ABSTAIN = 0.5;

const MEASURES = ['previous', 'next', 'itself', 'cls', 'sep', 'punctuation', 'sameWord', 'entropy'];

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

export function judges(state, data) {
  const { result, items } = data;
  const { meta, heads } = result;
  const N = items.length, r = state.word;
  const ms = layerMatrices(data, state.layer);
  return Array.from({ length: meta.heads }, (_, h) => {
    const m = ms[h];
    // The vote goes to a word; what lands on [CLS]/[SEP] is an abstention, shown apart.
    let vote = -1, abstain = 0;
    for (let c = 0; c < N; c++) {
      if (items[c].special) abstain += m[r * N + c];
      else if (vote < 0 || m[r * N + c] > m[r * N + vote]) vote = c;
    }
    const share = vote < 0 ? 0 : m[r * N + vote];
    // A judge that gives most of its attention (half or more) to [CLS]/[SEP] abstains.
    return { head: h, matrix: m, vote, share, abstain, abstains: vote < 0 || abstain >= ABSTAIN, summary: heads[state.layer * meta.heads + h] };
  });
}

function measureText(summary, t) {
  return MEASURES.map((k) => `${t(`measure.${k}`)}: ${pct(summary.measures[k], 0)}`).join(' · ');
}

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { items } = data;
  const js = judges(state, data);
  const tally = new Map();
  for (const j of js) if (!j.abstains) tally.set(j.vote, (tally.get(j.vote) ?? 0) + 1);
  const [winner, count] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0] ?? [-1, 0];
  const abstaining = js.filter((j) => j.abstains).length;
  const N = items.length;
  const cards = js.map((j) => {
    const agrees = !j.abstains && j.vote === winner;
    return el('article', { class: `judge${agrees ? ' agrees' : ''}`, 'aria-label': t('jury.judge', { n: j.head + 1 }) },
      el('h3', {}, el('button', { type: 'button', class: 'link', text: t('jury.judge', { n: j.head + 1 }), onclick: () => ctx.set({ view: 'orquestra', head: j.head }) })),
      el('p', { class: 'label', tabindex: 0, 'data-focus': `j${j.head}`, title: measureText(j.summary, t), 'aria-label': `${t(`label.${j.summary.label}`)}. ${measureText(j.summary, t)}` },
        t(`label.${j.summary.label}`), ' ', el('span', { class: 'muted', text: `(${pct(j.summary.strength, 0)})` })),
      heatmap(j.matrix, N, 120, { highlightRow: state.word, name: t('jury.heatmap', { n: j.head + 1 }) }),
      j.abstains
        ? el('p', { class: 'vote' }, el('strong', { text: t('jury.abstained') }), ` ${pct(j.abstain, 0)} ${t('measure.cls')}/${t('measure.sep')}`)
        : el('p', { class: 'vote' }, t('jury.vote'), ' ', el('strong', { text: items[j.vote].text }), ` ${pct(j.share, 0)}`, agrees ? el('span', { class: 'badge', text: ` ✓ ${t('jury.withMajority')}` }) : ''),
      el('p', { class: 'muted small', text: j.abstains && j.vote >= 0 ? t('jury.bestWord', { word: items[j.vote].text, share: pct(j.share, 0) }) : t('jury.abstains', { share: pct(j.abstain, 0) }) }));
  });
  root.replaceChildren(
    el('p', { class: 'verdict', text: winner < 0
      ? t('jury.allAbstain', { total: js.length, focus: items[state.word].text, layer: state.layer + 1 })
      : t('jury.verdict', { count, total: js.length, word: items[winner].text, focus: items[state.word].text, layer: state.layer + 1, abstaining }) }),
    el('div', { class: 'jury' }, cards));
}

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  return table(t('jury.table', { layer: state.layer + 1, word: data.items[state.word].text }),
    [t('col.judge'), t('col.specialty'), t('col.measure'), t('col.vote'), t('col.abstains')],
    judges(state, data).map((j) => [t('jury.judge', { n: j.head + 1 }), t(`label.${j.summary.label}`), pct(j.summary.strength, 0), j.abstains ? t('jury.abstained') : `${data.items[j.vote].text} (${pct(j.share, 0)})`, pct(j.abstain, 0)]));
}

/** The judges four to a row: number, specialty, heatmap and vote. */
export function toSvg(state, data, ctx) {
  const { t } = ctx;
  const { items, result } = data;
  const cols = 4, cw = Math.floor(ctx.width / cols), size = Math.min(cw - 24, 160);
  let body = '';
  judges(state, data).forEach((j, k) => {
    const x = (k % cols) * cw + 12, y = Math.floor(k / cols) * (size + 90) + 10;
    body += text(x, y + 14, t('jury.judge', { n: j.head + 1 }), { size: 13, weight: 'bold' });
    body += text(x, y + 32, `${t(`label.${j.summary.label}`)} (${pct(j.summary.strength, 0)})`, { size: 11 });
    body += heatmapSvg(j.matrix, items.length, x, y + 40, size, { highlightRow: state.word });
    body += text(x, y + size + 58, j.abstains ? `${t('jury.abstained')} ${pct(j.abstain, 0)} ${t('measure.cls')}/${t('measure.sep')}` : `${t('jury.vote')} ${items[j.vote].text} ${pct(j.share, 0)}`, { size: 11 });
  });
  return { body, height: Math.ceil(result.meta.heads / cols) * (size + 90) + 10 };
}
