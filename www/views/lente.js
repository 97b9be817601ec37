// Lente (logit lens), for a model that writes: the guess for the next piece forming layer by
// layer at the focused word (its last piece). Each layer's residual stream goes through the
// model's final norm and its output head, as if the model stopped there (src/wasm_decoder.rs
// logitLens). One row per layer: the top guess as a bar, the next four beside it.
import { el, pct, table } from '../dom.js';
import { MODELS } from '../config.js';
import { readable } from './proxima.js';
import { text as svgText, tag } from './svg-text.js';

/** The token whose next-token guess the lens shows: the focused item's last piece. */
const positionOf = (state, data) => data.items[state.word]?.tokens.at(-1) ?? data.result.meta.seq - 1;

/** A guess as a reader sees it: ␣ before a new word, ⋯ before a piece, the end token named. */
const shown = (g, t) => {
  const r = readable(g, '');
  return r.end ? t('next.end') : r.space && !r.shown ? t('next.space') : `${r.space ? '␣' : ''}${r.shown}`;
};

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const { meta } = data.result;
  if (!MODELS[state.model]?.writes || !meta.causal) {
    root.replaceChildren(el('div', { class: 'next-encoder' }, el('p', { text: t('lens.encoder') })));
    return;
  }
  const position = positionOf(state, data);
  const lens = data.lens?.position === position ? data.lens.layers : null;
  // (the text up to the piece; at a start token, which spans no text, the token itself: <bos>)
  const upto = data.text.slice(0, meta.tokens[position].span.char_end) || meta.tokens[position].text;
  const words = el('label', { class: 'lens-word' }, el('span', { text: t('lens.word') }),
    el('select', { 'data-focus': 'lens-word', onchange: (e) => ctx.set({ word: Number(e.target.value) }) },
      data.items.map((it, i) => el('option', { value: String(i), selected: i === state.word, text: `${i + 1}. ${it.text}` }))));
  const head = el('p', { class: 'next-after' }, t('lens.after'), ' ', el('q', { text: upto.length > 60 ? `…${upto.slice(-60)}` : upto }));
  if (!lens) {
    ctx.lens?.(position);
    root.replaceChildren(words, head, el('p', { class: 'view-loading', role: 'status', text: t('lens.loading') }));
    return;
  }
  const last = lens.length - 1;
  const rows = lens.map((guesses, l) => {
    const [best, ...rest] = guesses;
    return el('li', { class: `lens-row${l === last ? ' final' : ''}` },
      el('span', { class: 'lens-layer', text: l === 0 ? t('lens.embeddings') : t('lens.layer', { n: l }) }),
      el('span', { class: 'lens-best' },
        el('span', { class: 'tok', text: shown(best, t) }),
        el('span', { class: 'bar-track', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill', style: { width: `${(100 * best.p).toFixed(1)}%` } })),
        el('span', { class: 'bar-value', text: pct(best.p, 1) })),
      el('span', { class: 'lens-rest', text: rest.map((g) => `${shown(g, t)} ${pct(g.p, 0)}`).join(' · ') }));
  });
  root.replaceChildren(words, head,
    el('ol', { class: 'lens-rows', 'aria-label': t('lens.chart') }, rows),
    el('p', { class: 'step-text', text: t('lens.explain', { layers: last }) }),
    el('p', { class: 'step-text', text: t('lens.assumes') }));
}

export function tableOf(state, data, ctx) {
  const { t } = ctx;
  const position = positionOf(state, data);
  const lens = data.lens?.position === position ? data.lens.layers : [];
  return table(t('lens.table'), [t('lens.column'), ...[1, 2, 3, 4, 5].map((k) => `${k}`)],
    lens.map((guesses, l) => [l === 0 ? t('lens.embeddings') : t('lens.layer', { n: l }), ...guesses.map((g) => `${JSON.stringify(g.text)} ${pct(g.p, 2)}`)]));
}

/** The rows as SVG, for export. */
export function toSvg(state, data, ctx) {
  const { t } = ctx;
  const position = positionOf(state, data);
  const lens = data.lens?.position === position ? data.lens.layers : [];
  const w = Math.max(ctx.width - 20, 320), row = 20;
  const body = lens.map((guesses, l) => {
    const y = 10 + l * row, best = guesses[0];
    return svgText(10, y + 14, l === 0 ? t('lens.embeddings') : t('lens.layer', { n: l }), { size: 12 })
      + svgText(110, y + 14, shown(best, t), { size: 12 })
      + tag('rect', { x: 220, y: y + 4, width: (w - 300) * best.p, height: row - 8, fill: '#3d6fb6' })
      + svgText(w - 70, y + 14, pct(best.p, 1), { size: 12 });
  }).join('');
  return { body, height: 20 + lens.length * row };
}
