// Export the current view as a self-contained SVG (styles inline, text as text) or a PNG at
// 2x, each with a caption: sentence, layer, head, model.
import { weightColor } from './color.js';
import { itemMatrix } from './units.js';
import { judges } from './views/juri.js';

const NS = 'http://www.w3.org/2000/svg';
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  // XML 1.0 forbids most control characters, even escaped: drop them from exported text.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[\ud800-\udfff]/g, (c, i, s) => (/[\ud800-\udbff][\udc00-\udfff]/.test(s.slice(i - 1, i + 1)) || /[\ud800-\udbff][\udc00-\udfff]/.test(s.slice(i, i + 2)) ? c : ''));
const FONT = 'font-family="system-ui, sans-serif"';

function text(x, y, s, { size = 12, anchor = 'start', weight = 'normal', fill = '#1d2330', rotate = 0 } = {}) {
  const tr = rotate ? ` transform="rotate(${rotate} ${x} ${y})"` : '';
  return `<text x="${x}" y="${y}" ${FONT} font-size="${size}" font-weight="${weight}" text-anchor="${anchor}" fill="${fill}"${tr}>${esc(s)}</text>`;
}

function heatmap(m, n, x, y, size, labels = null) {
  const cell = size / n;
  let out = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    out += `<rect x="${(x + c * cell).toFixed(2)}" y="${(y + r * cell).toFixed(2)}" width="${cell.toFixed(2)}" height="${cell.toFixed(2)}" fill="${weightColor(m[r * n + c])}"/>`;
  }
  if (labels) labels.forEach((l, i) => {
    out += text(x - 4, y + (i + 0.6) * cell, l.slice(0, 16), { size: Math.min(12, cell * 0.8), anchor: 'end' });
    out += text(x + (i + 0.5) * cell, y - 4, l.slice(0, 16), { size: Math.min(12, cell * 0.8), rotate: -60 });
  });
  return out;
}

/** Copies the computed styles that matter into attributes, so the SVG stands alone. */
function inlineStyles(live, copy) {
  const props = ['fill', 'stroke', 'stroke-width', 'stroke-opacity', 'font-size', 'font-weight', 'font-family', 'text-anchor', 'opacity'];
  const a = [live, ...live.querySelectorAll('*')], b = [copy, ...copy.querySelectorAll('*')];
  a.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of props) { const v = cs.getPropertyValue(p); if (v) b[i].setAttribute(p, v); }
    b[i].removeAttribute('class');
    b[i].removeAttribute('tabindex');
  });
}

function caption(state, data, info, t, y, width) {
  const sentence = state.sentence.length > 160 ? state.sentence.slice(0, 159) + '…' : state.sentence;
  const line2 = t('export.caption', { layer: state.layer + 1, head: state.head + 1, model: `all-MiniLM-L6-v2 (${info?.precision ?? 'int8'})`, view: t(`view.${state.view}`) });
  return text(12, y + 18, `“${sentence}”`, { size: 13, weight: 'bold' }) + text(12, y + 38, line2, { size: 12, fill: '#5a6172' });
}

/** Returns { svg: string, width, height } for the current view; `root` holds its live drawing. */
export function exportSvg(root, state, data, t, info) {
  const width = Math.round(root.clientWidth || 960);
  const { items, result } = data;
  const N = items.length;
  let body = '', height = 0;
  if (state.view === 'orquestra') {
    const live = root.querySelector('svg.orchestra');
    const copy = live.cloneNode(true);
    inlineStyles(live, copy);
    const vb = live.viewBox.baseVal;
    height = Math.round((width * vb.height) / vb.width);
    copy.setAttribute('x', 0); copy.setAttribute('y', 0); copy.setAttribute('width', width); copy.setAttribute('height', height);
    body = new XMLSerializer().serializeToString(copy);
  } else if (state.view === 'matriz') {
    const size = Math.min(width - 140, 720);
    const m = itemMatrix(result.attention, result.meta, state.layer, state.head, items);
    body = heatmap(m, N, 130, 110, size, items.map((i) => i.text));
    height = 110 + size + 10;
  } else if (state.view === 'juri') {
    const cols = 4, cw = Math.floor(width / cols), size = Math.min(cw - 24, 160);
    judges(state, data).forEach((j, k) => {
      const x = (k % cols) * cw + 12, y = Math.floor(k / cols) * (size + 90) + 10;
      body += text(x, y + 14, t('jury.judge', { n: j.head + 1 }), { size: 13, weight: 'bold' });
      body += text(x, y + 32, t(`label.${j.summary.label}`), { size: 11 });
      body += heatmap(j.matrix, N, x, y + 40, size);
      body += text(x, y + size + 58, j.abstains ? t('jury.abstained') : `${t('jury.vote')} ${items[j.vote].text} ${(j.share * 100).toFixed(0)}%`, { size: 11 });
    });
    height = Math.ceil(result.meta.heads / cols) * (size + 90) + 10;
  } else {
    const { layers, heads } = result.meta;
    const size = Math.floor((width - 50) / heads) - 4;
    for (let l = 0; l < layers; l++) {
      body += text(4, 30 + l * (size + 4) + size / 2, `L${l + 1}`, { size: 11 });
      for (let h = 0; h < heads; h++) {
        if (l === 0) body += text(40 + h * (size + 4) + size / 2, 18, `H${h + 1}`, { size: 11, anchor: 'middle' });
        body += heatmap(itemMatrix(result.attention, result.meta, l, h, items), N, 40 + h * (size + 4), 24 + l * (size + 4), size);
      }
    }
    height = 24 + layers * (size + 4) + 6;
  }
  const total = height + 50;
  const svg = `<svg xmlns="${NS}" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">`
    + `<rect width="100%" height="100%" fill="#fbfaf7"/>${body}${caption(state, data, info, t, height, width)}</svg>`;
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
