// Próxima palavra (next word), for a model that writes: the ten likeliest next tokens after the
// text, as bars of their probabilities (the engine's softmax of the logits at temperature 1);
// a click appends one to the text; Escrever/Write writes up to N tokens in the worker, each
// drawn as it arrives (controller.js write) with its attention: the new piece conducts, the
// pieces before it play (liveAttention). An encoder's run has no guesses: the view says so,
// with one tap to the model that writes.
import { el, pct, num, grouped, table } from '../dom.js';
import { MODELS, writerFor } from '../config.js';
import { MAX_TEMPERATURE, MAX_WRITE } from '../state.js';
import { text as svgText, tag } from './svg-text.js';
import { weightColor, inkOn } from '../color.js';

const WORDISH = /[\p{L}\p{N}]/u;

/**
 * A token as a reader sees it: `space` when it starts with a space (a new word), `piece` when
 * it continues the word before it (no space, a letter or digit after one), the visible text
 * (a newline as ↵, a tab as ⇥, a further space as ␣, other invisible characters by their code
 * point, U+00A0), and `end` for the end-of-text token.
 */
export function readable(token, before = '') {
  const raw = token.text;
  if (/^<\|.*\|>$/.test(raw)) return { shown: raw, space: false, piece: false, end: true };
  const space = /^ /.test(raw);
  // (invisible characters get a visible name: more spaces ␣, a non-breaking space U+00A0 …)
  const body = (space ? raw.slice(1) : raw).replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '␣')
    .replace(/[^\S]|[\u200b-\u200d\ufeff]/gu, (c) => `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  const piece = !space && WORDISH.test(raw[0] ?? '') && WORDISH.test(before.slice(-1));
  return { shown: body || (space ? '' : raw), space, piece, end: false };
}

/** The token's chip: ␣ before a new word, a mark before a piece. */
function chip(token, before, t) {
  const r = readable(token, before);
  const label = r.end ? t('next.end') : r.space && !r.shown ? t('next.space') : r.space ? t('next.spaceLabel', { text: r.shown }) : r.piece ? t('next.pieceLabel', { text: r.shown }) : r.shown;
  return el('span', { class: `tok${r.piece ? ' piece' : ''}${r.end ? ' end' : ''}`, title: label },
    el('span', { class: 'sr-only', text: label }),
    r.space ? el('span', { class: 'space-mark', 'aria-hidden': 'true', text: '␣' }) : '',
    r.piece ? el('span', { class: 'piece-mark', 'aria-hidden': 'true', text: '⋯' }) : '',
    el('span', { 'aria-hidden': 'true', text: r.end ? t('next.end') : r.shown }),
    r.space && !r.shown ? el('span', { class: 'space-alone', 'aria-hidden': 'true', text: t('next.space') }) : '');
}

/** A token's reading in a sentence: "␣Paris", "⋯ina", "end of text". */
const shownText = (g, before, t) => {
  const r = readable(g, before);
  return r.end ? t('next.end') : r.space && !r.shown ? t('next.space') : `${r.space ? '␣' : ''}${r.piece ? '⋯' : ''}${r.shown}`;
};

/** Pieces the live attention strip shows: the first (where heads park) and the latest ones;
 *  those between are summed in one mark. */
export const LIVE_PIECES = 24;

/**
 * The newest written piece's attention at the state's layer and head (decoder.js generate: its
 * row over every piece so far, itself the last): { conductor, shares: [{pos, text, p}], hidden:
 * {count, p} } with the pieces shown (the first and the last LIVE_PIECES − 1), or null before
 * the first piece arrives.
 */
export function liveAttention(state, writing, meta) {
  const k = writing?.tokens.findLastIndex((tok) => tok.attention) ?? -1;
  if (k < 0) return null;
  const tok = writing.tokens[k], P = tok.positions, H = meta.heads;
  const row = (state.layer * H + state.head) * P; // (L, H, P)
  if (row + P > tok.attention.length) return null;
  const texts = [...writing.pieces];
  let at = '';
  for (const w of writing.tokens.slice(0, k + 1)) { texts.push(pieceText(w.text.slice(at.length))); at = w.text; }
  const shares = texts.slice(0, P).map((text, pos) => ({ pos, text, p: tok.attention[row + pos] }));
  const shown = P <= LIVE_PIECES ? shares : [shares[0], ...shares.slice(P - LIVE_PIECES + 1)];
  const gone = P <= LIVE_PIECES ? [] : shares.slice(1, P - LIVE_PIECES + 1);
  return { index: k, conductor: shares[P - 1], shares, shown, hidden: { count: gone.length, p: gone.reduce((a, g) => a + g.p, 0) } };
}

/** A piece's text as the orchestra names it: no leading space, ␣ for a space alone, ↵ for a newline. */
const pieceText = (raw) => { const body = raw.replace(/^\s+/u, ''); return body ? body.replace(/\n/g, '↵') : raw.includes('\n') ? '↵' : '␣'; };

/** The live strip: each piece so far coloured by what the newest one gave it, the newest
 *  outlined (it conducts); under it, the three it heard most, in words. */
function liveBlock(state, writing, meta, t) {
  const live = liveAttention(state, writing, meta);
  if (!live) return '';
  const top = live.shares.slice(0, -1).sort((a, b) => b.p - a.p).slice(0, 3);
  const self = live.conductor;
  const chips = live.shown.flatMap((g, i) => [
    i === 1 && live.hidden.count ? el('span', { class: 'live-gap', title: t('next.liveHidden', { n: live.hidden.count, share: pct(live.hidden.p, 1) }), text: `… ${pct(live.hidden.p, 0)}` }) : '',
    el('span', {
      class: `live-tok${g.pos === self.pos ? ' conductor' : ''}${g.pos >= writing.pieces.length ? ' new' : ''}`, 'data-pos': g.pos, 'data-p': g.p,
      style: { background: weightColor(g.p), color: inkOn(g.p) }, title: `${g.text} ${pct(g.p, 1)}`, text: g.text,
    }),
  ]);
  return el('div', { class: 'live', 'data-conductor': self.pos },
    el('p', { class: 'live-title' }, el('strong', { text: t('next.liveTitle', { token: self.text, layer: state.layer + 1, head: state.head + 1 }) })),
    el('p', { class: 'live-strip', 'aria-hidden': 'true' }, chips),
    el('p', { class: 'live-top', text: t('next.liveTop', { list: top.map((g) => t('next.liveOne', { text: g.text, p: pct(g.p, 1) })).join(', '), self: pct(self.p, 1) }) }),
    el('p', { class: 'live-explain', text: t('next.liveExplain') }));
}

/** The last `n` characters of the text, from a word's start (the bars read after it). */
const tail = (text, n = 60) => (text.length <= n ? text : `…${text.slice(text.length - n).replace(/^\S*\s/, '')}`);

export function render(root, state, data, ctx) {
  const { t } = ctx;
  const next = data.result.next;
  if (!MODELS[state.model]?.writes || !next) {
    // An encoder reads, it does not write; or the model that writes has not read this text yet.
    // The switch offers the model that writes in the reader's language (Gemma in Portuguese).
    const key = writerFor(state.lang), writer = MODELS[key];
    root.replaceChildren(el('div', { class: 'next-encoder' },
      el('p', { text: MODELS[state.model]?.writes ? t('next.reading') : t('next.encoder', { model: MODELS[state.model]?.name ?? '' }) }),
      MODELS[state.model]?.writes ? '' : el('button', { type: 'button', class: 'next-switch', text: t('next.switch', { model: writer.name, mb: num(writer.mb, 0) }), onclick: () => ctx.set({ model: key }) })));
    return;
  }
  const writing = ctx.writing;
  const busy = Boolean(writing?.busy);
  // A text past the model's limit was read up to its last piece: the guesses follow that, and
  // writing would not follow the text, so it waits for a shorter one.
  const { meta } = data.result;
  const cut = Boolean(meta.truncated);
  const read = cut ? data.text.slice(0, meta.tokens[meta.tokens.length - 1].span.char_end) : data.text;
  const stale = data.text !== state.sentence; // a newer text is being read
  // Guess before reveal (p=1): the ten candidates in the vocabulary's order, no number, until
  // the learner picks the one they expect the model to rank first; then the bars and the rank.
  const key = `${state.model}\n${read}`;
  const pick = state.guess ? (ctx.ui.nextGuess?.key === key ? ctx.ui.nextGuess.id : null) : undefined;
  if (pick === null) {
    root.replaceChildren(
      el('p', { class: 'next-after' }, t('next.after'), ' ', el('q', { text: tail(read) })),
      el('p', { class: 'start-hint', text: t('next.guess') }),
      el('div', { class: 'next-quiz', role: 'group', 'aria-label': t('next.guess') },
        [...next].sort((a, b) => a.id - b.id).map((g) => el('button', {
          type: 'button', class: 'next-bar quiz', 'data-focus': `quiz-${g.id}`, 'data-id': g.id,
          onclick: () => { ctx.ui.nextGuess = { key, id: g.id }; ctx.rerender(); },
        }, chip(g, read, t)))),
      el('p', { class: 'step-text', text: t('next.explain', { vocab: grouped(ctx.info?.vocabSize ?? 0, t('locale')) }) }));
    return;
  }
  const picked = pick === undefined ? null : next.findIndex((g) => g.id === pick);
  const max = Math.max(...next.map((g) => g.p), 1e-9);
  const bars = el('ol', { class: `next-bars${stale || busy ? ' stale' : ''}`, 'aria-label': t('next.chart') },
    next.map((g, i) => el('li', { class: i === picked ? 'guessed' : '' },
      el('button', {
        type: 'button', class: 'next-bar', 'data-focus': `next-${i}`, 'data-id': g.id, 'data-p': g.p,
        onclick: () => ctx.appendGuess(g.text), disabled: busy || cut,
      },
      chip(g, read, t),
      el('span', { class: 'bar-track', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill', style: { width: `${(100 * g.p) / max}%` } })),
      el('span', { class: 'bar-value', text: pct(g.p, 1) })))));

  // What was written: the text's end, then the new tokens, each marked.
  let written = '';
  if (writing && (busy || writing.text || writing.ended || writing.error)) { // (ended at once: it says so)
    const prefix = writing.prompt;
    let at = '';
    const spans = writing.tokens.map((tok, i) => {
      const piece = tok.text.slice(at.length); // the text so far, less what came before
      at = tok.text;
      return el('span', { class: 'written-tok', title: t('next.writtenTok', { n: i + 1, p: pct(tok.p, 1) }), text: piece.replace(/\n/g, '↵\n') });
    });
    const line = writing.error ? t('next.failed') : busy ? t('next.writing', { n: writing.tokens.length, max: state.write })
      : t(writing.ended ? 'next.ended' : writing.tokens.length === 1 ? 'next.wroteOne' : 'next.wrote', { n: writing.tokens.length, s: num((writing.ms ?? 0) / 1000, 1) });
    written = el('div', { class: 'written' },
      el('p', { class: 'written-text', 'data-written': writing.text },
        el('span', { class: 'written-prompt', text: tail(prefix) }), ...spans, busy ? el('span', { class: 'caret', 'aria-hidden': 'true', text: '▍' }) : ''),
      el('p', { class: 'written-status', role: 'status', text: line }),
      liveBlock(state, writing, meta, t));
  }

  // While writing, only what was written changes: the rest (Stop above all) stays the same
  // element, so a press on Stop is not lost to a redraw between its mouse down and up.
  const still = JSON.stringify([state.model, read, stale, cut, picked, busy, state.write, state.temperature, state.seed, state.lang]);
  const shown = root.querySelector(':scope > .written');
  if (busy && written && shown && root.dataset.still === still) {
    shown.replaceWith(written);
    return;
  }
  root.dataset.still = still;

  const field = (key, label, attrs, toValue) => el('label', { class: 'write-field' }, el('span', { text: t(label) }),
    el('input', {
      ...attrs, 'data-focus': `write-${key}`, value: String(state[key]), disabled: busy,
      onchange: (e) => { const v = toValue(e.target.value); if (v !== undefined) ctx.set({ [key]: v }); else e.target.value = String(state[key]); },
    }));
  const number = (lo, hi, digits) => (raw) => {
    const v = Number(String(raw).replace(',', '.'));
    if (!Number.isFinite(v)) return undefined;
    const f = 10 ** digits;
    return Math.min(Math.max(Math.round(v * f) / f, lo), hi);
  };
  const controls = el('div', { class: 'write-controls' },
    el('button', {
      type: 'button', class: `write-button${busy ? ' stop' : ''}`, 'data-focus': 'write', disabled: (stale || cut) && !busy,
      text: busy ? t('next.stop') : t('next.write'), onclick: () => (busy ? ctx.stopWriting() : ctx.write()),
    }),
    field('write', 'next.tokens', { type: 'number', min: 1, max: MAX_WRITE, step: 1, inputmode: 'numeric' }, number(1, MAX_WRITE, 0)),
    field('temperature', 'next.temperature', { type: 'number', min: 0, max: MAX_TEMPERATURE, step: 0.1, inputmode: 'decimal' }, number(0, MAX_TEMPERATURE, 2)),
    state.temperature > 0 ? field('seed', 'next.seed', { type: 'number', min: 0, max: 2 ** 32 - 1, step: 1, inputmode: 'numeric' }, number(0, 2 ** 32 - 1, 0)) : '');

  const verdict = picked === null ? '' : el('p', { class: `guess-result${picked === 0 ? ' right' : ''}`, role: 'status',
    text: t(picked === 0 ? 'next.guessRight' : 'next.guessRank', { token: shownText(next[picked], read, t), rank: picked + 1, p: pct(next[picked].p, 1), best: shownText(next[0], read, t) }) });
  root.replaceChildren( // the picture first, what it means under it
    verdict,
    el('p', { class: 'next-after' }, t('next.after'), ' ', el('q', { text: tail(read) })),
    cut ? el('p', { class: 'note next-cut', text: t('next.cut', { n: meta.seq }) }) : '',
    bars,
    el('p', { class: 'next-legend' }, el('span', { class: 'space-mark', 'aria-hidden': 'true', text: '␣' }), ` ${t('next.legendSpace')} `,
      el('span', { class: 'piece-mark', 'aria-hidden': 'true', text: '⋯' }), ` ${t('next.legendPiece')}`),
    controls,
    written,
    el('p', { class: 'step-text', text: t(state.temperature > 0 ? 'next.explainSample' : 'next.explainGreedy', { t: num(state.temperature, 2), seed: state.seed }) }),
    el('p', { class: 'step-text', text: t('next.explain', { vocab: grouped(ctx.info?.vocabSize ?? 0, t('locale')) }) }));
}

export function tableOf(state, data, ctx) {
  const next = data.result.next ?? [];
  return table(ctx.t('next.table'), [ctx.t('next.rank'), ctx.t('next.token'), 'id', ctx.t('next.prob')],
    next.map((g, i) => [String(i + 1), JSON.stringify(g.text), String(g.id), pct(g.p, 2)]));
}

/** The bars as SVG, for export. */
export function toSvg(state, data, ctx) {
  const next = data.result.next ?? [];
  const w = Math.max(ctx.width - 20, 300), row = 26, label = 140, max = Math.max(...next.map((g) => g.p), 1e-9);
  const body = next.map((g, i) => {
    const y = 10 + i * row, r = readable(g, data.text);
    const name = r.end ? ctx.t('next.end') : `${r.space ? '␣' : ''}${r.piece ? '⋯' : ''}${r.shown}`;
    return svgText(10, y + 16, name, { size: 13 })
      + tag('rect', { x: label, y: y + 4, width: ((w - label - 70) * g.p) / max, height: row - 8, fill: '#3d6fb6' })
      + svgText(w - 60, y + 16, pct(g.p, 1), { size: 12 });
  }).join('');
  return { body, height: 20 + next.length * row };
}
