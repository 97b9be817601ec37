// Export the current view as a self-contained SVG (styles inline, text as text) or a PNG at
// 2x, each with a caption: sentence, layer, head, model.
import { views } from './views/index.js';
import { text } from './views/svg-text.js';
import { MODELS } from './config.js';
import { setNumberLocale } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

/** `s` cut into lines of about `chars` characters at spaces (a word longer than a line is
 *  cut), at most `max` lines, the last ending in … when text was left out. */
export function wrap(s, chars, max) {
  const lines = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    for (let w = word; w;) {
      const piece = w.slice(0, chars);
      w = w.slice(chars);
      if (line && line.length + 1 + piece.length > chars) { lines.push(line); line = piece; } else line = line ? `${line} ${piece}` : piece;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  kept[max - 1] = `${kept[max - 1].slice(0, chars - 1)}…`;
  return kept;
}

// An average glyph is about 0.6 em: a line of the caption holds width / (0.6 × size) characters.
const CAPTION_LINES = 3;

/** The caption's lines (the sentence in quotes, then where it was seen), fitted to `width`. */
function captionLines(state, t, info, width) {
  const model = `${MODELS[state.model]?.name ?? state.model} (${info?.precision ?? '?'})`;
  // The orchestra view shares the app's name: the credit says it once.
  const where = t('export.caption', { layer: state.layer + 1, head: state.head + 1, model, view: state.view === 'orquestra' ? '' : `${t(`view.${state.view}`)} · ` });
  return {
    sentence: wrap(`“${state.sentence}”`, Math.floor((width - 24) / (0.62 * 13)), CAPTION_LINES),
    where: wrap(where, Math.floor((width - 24) / (0.6 * 12)), 2),
  };
}

function caption(lines, y) {
  let out = '';
  lines.sentence.forEach((l, i) => { out += text(12, y + 18 + 17 * i, l, { size: 13, weight: 'bold' }); });
  const y2 = y + 18 + 17 * lines.sentence.length + 4;
  lines.where.forEach((l, i) => { out += text(12, y2 + 15 * i, l, { size: 12, fill: '#5a6172' }); });
  return out;
}

const captionHeight = (lines) => 18 + 17 * lines.sentence.length + 4 + 15 * lines.where.length;

/**
 * The current view as a self-contained SVG: { svg: string, width, height }. Each view draws
 * its own (its toSvg); ctx is the view's { t, ui, width, narrow }. A view without an export
 * is an error, never another view's picture.
 */
export function exportSvg(state, data, ctx, info) {
  const view = views[state.view];
  if (!view?.toSvg) throw new Error(`no export for the view ${JSON.stringify(state.view)}`);
  setNumberLocale(ctx.t('locale')); // a pt-BR export writes 40,3%
  const width = Math.round(ctx.width);
  const { body, height } = view.toSvg(state, data, { ...ctx, width, exporting: true });
  const lines = captionLines(state, ctx.t, info, width);
  const total = height + captionHeight(lines);
  const svg = `<svg xmlns="${NS}" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">`
    + `<rect width="100%" height="100%" fill="#fbfaf7"/>${body}${caption(lines, height)}</svg>`;
  return { svg, width, height: total };
}

/** Renders the SVG to a PNG blob at `scale` times its CSS size. */
export async function svgToPng({ svg, width, height }, scale = 2) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * scale;
    canvas.height = height * scale;
    const g = canvas.getContext('2d');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, height);
    return await new Promise((ok) => canvas.toBlob(ok, 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
