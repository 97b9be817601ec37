// Export the current view as a self-contained SVG (styles inline, text as text) or a PNG at
// 2x, each with a caption: sentence, layer, head, model.
import { views } from './views/index.js';
import { text } from './views/svg-text.js';
import { MODELS } from './config.js';

const NS = 'http://www.w3.org/2000/svg';

function caption(state, t, info, y) {
  const sentence = state.sentence.length > 160 ? state.sentence.slice(0, 159) + '…' : state.sentence;
  const line2 = t('export.caption', { layer: state.layer + 1, head: state.head + 1, model: `${MODELS[state.model]?.name ?? state.model} (${info?.precision ?? '?'})`, view: t(`view.${state.view}`) });
  return text(12, y + 18, `“${sentence}”`, { size: 13, weight: 'bold' }) + text(12, y + 38, line2, { size: 12, fill: '#5a6172' });
}

/**
 * The current view as a self-contained SVG: { svg: string, width, height }. Each view draws
 * its own (its toSvg); ctx is the view's { t, ui, width, narrow }. A view without an export
 * is an error, never another view's picture.
 */
export function exportSvg(state, data, ctx, info) {
  const view = views[state.view];
  if (!view?.toSvg) throw new Error(`no export for the view ${JSON.stringify(state.view)}`);
  const width = Math.round(ctx.width);
  const { body, height } = view.toSvg(state, data, { ...ctx, width });
  const total = height + 50;
  const svg = `<svg xmlns="${NS}" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">`
    + `<rect width="100%" height="100%" fill="#fbfaf7"/>${body}${caption(state, ctx.t, info, height)}</svg>`;
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
