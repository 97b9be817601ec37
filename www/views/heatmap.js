// A T×T (or N×N) heatmap: one geometry, drawn on canvas (matrix, jury and model views) and
// as SVG text (their exports).
import { weightColor, WEIGHT_RGBA, inkOn } from '../color.js';
import { el } from '../dom.js';
import { tag, text } from './svg-text.js';
import { pngDataUrl } from './png.js';

/** Room for the row and column labels, and how much of a label is shown. */
export const LABEL_PAD = 110;
export const LABEL_CHARS = 14;
export const labelText = (l) => l.slice(0, LABEL_CHARS);

/** Where things go in a heatmap `size` px wide: the labels' band, a cell, the labels' font,
 *  and which labels are written (every `rowStep`-th row's, every `colStep`-th column's).
 *  Column labels are turned 60°: two lie 0.87 cell apart across their lines, so a line of
 *  1.2 × font fits when the font is at most 0.7 cell; at the 8 px floor, labels are skipped
 *  rather than piled on each other. */
export function geometry(n, size, labels) {
  const pad = labels ? LABEL_PAD : 0;
  const cell = (size - pad) / n; // may be under a pixel: cells are resampled to pixels
  const font = Math.min(13, Math.max(8, cell * 0.7));
  const line = 1.2 * font;
  return { pad, cell, font, rowStep: Math.ceil(line / cell), colStep: Math.ceil(line / (Math.sin(Math.PI / 3) * cell)) };
}

/** A cell wide enough for a 12 px label (phones scroll sideways rather than shrink them). */
export const READABLE_CELL = 18;
/** The widest canvas drawn (a 510-item matrix at 15 px a cell would pass canvas limits). */
export const MAX_CANVAS = 4000;

/** The size at which a labelled n × n heatmap's labels are readable, within MAX_CANVAS. */
export const readableSize = (n, width) => Math.min(Math.max(width, LABEL_PAD + n * READABLE_CELL), MAX_CANVAS);

/** The colour scale of every heatmap: 0% light … 100% dark, with its ticks; `causal` adds the
 *  grey of the cells a model that writes cannot see. */
export function legend(t, causal = false) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const scale = el('div', { class: 'heat-legend', role: 'img', 'aria-label': t('heat.legend') },
    el('span', { class: 'muted', text: t('heat.legend') }),
    el('span', { class: 'heat-scale' }, ticks.map((v) => el('span', { style: { background: weightColor(v), color: inkOn(v) }, text: `${v * 100}%` }))));
  if (!causal) return scale;
  return el('div', { class: 'legend-row' }, scale,
    el('span', { class: 'not-yet-key' }, el('span', { class: 'not-yet-swatch', 'aria-hidden': 'true' }), t('matrix.notYetKey')));
}

/**
 * The n×n matrix resampled to p×p pixels: each pixel the mean of the cells it covers (when the
 * matrix is larger than the picture) or the cell it falls in. Work is max(n², p²), so a
 * 510-item matrix in an 84-pixel thumbnail costs its cells once, not a draw call each.
 */
export function resample(matrix, n, p) {
  const out = new Float32Array(p * p);
  if (n <= p) {
    for (let y = 0; y < p; y++) {
      const r = Math.floor((y * n) / p);
      for (let x = 0; x < p; x++) out[y * p + x] = matrix[r * n + Math.floor((x * n) / p)];
    }
    return out;
  }
  // Each cell's pixel column, and how many cells each pixel row and column covers.
  const bin = new Int32Array(n), width = new Float32Array(p), height = new Float32Array(p);
  for (let c = 0; c < n; c++) { bin[c] = Math.floor((c * p) / n); width[bin[c]] += 1; }
  for (let r = 0; r < n; r++) {
    const y = bin[r], row = r * n, at = y * p;
    height[y] += 1;
    for (let c = 0; c < n; c++) out[at + bin[c]] += matrix[row + c];
  }
  for (let y = 0; y < p; y++) for (let x = 0; x < p; x++) out[y * p + x] /= height[y] * width[x] || 1;
  return out;
}

// The thumbnails drawn of each matrix, by size: a focus change redraws the jury's maps of the
// same matrices with another row marked (12 maps of 260,000 cells at 510 items). Large maps
// (up to 4000² pixels) are not kept.
const KEPT_PIXELS = 400;
const resampled = new WeakMap(); // matrix -> Map(p -> values)
function resampledOnce(matrix, n, p) {
  if (p > KEPT_PIXELS) return resample(matrix, n, p);
  let sizes = resampled.get(matrix);
  if (!sizes) resampled.set(matrix, (sizes = new Map()));
  if (!sizes.has(p)) sizes.set(p, resample(matrix, n, p));
  return sizes.get(p);
}

let cellsCanvas = null, cellsContext = null; // the scratch canvas a small matrix is scaled up from

// Maps whose pixels wait for a task of their own: the jury's twelve maps and its cards were one
// task of 120-210 ms on a phone at CPU 4× (the test's limit is 200); the maps off the first
// screen are painted just after, in slices of about 30 ms.
const waiting = [];
function paintLater(paint) {
  if (!waiting.length) setTimeout(paintWaiting, 0);
  waiting.push(paint);
}
function paintWaiting() {
  const start = performance.now();
  while (waiting.length && performance.now() - start < 30) waiting.shift()();
  if (waiting.length) setTimeout(paintWaiting, 0);
}

/**
 * A heatmap on canvas. `onCell(r, c)` hears a click; `onPoint(r, c)` hears the cell under
 * the pointer (hover, tap) and `onPoint(-1, -1)` when it leaves; `axes` = [rows, columns]
 * names the axes in the labels' corner.
 */
export function heatmap(matrix, n, size, { labels = null, highlightRow = -1, onCell = null, onPoint = null, name = '', axes = null, causal = false, later = false } = {}) {
  // A small map drawn before with the same matrix, size and marked row is the same picture:
  // it is reused, with this drawing's name and handlers (enlarging one judge, or dismissing
  // one, redraws the jury: eleven of its twelve maps were redrawn for nothing).
  const key = !labels && size <= KEPT_PIXELS ? `${n}|${size}|${highlightRow}|${window.devicePixelRatio || 1}|${causal}` : null;
  const kept = key && drawnMaps.get(matrix)?.get(key);
  if (kept) {
    kept.setAttribute('aria-label', name);
    kept.handlers = { onCell, onPoint };
    return kept;
  }
  const { pad, cell, font, rowStep, colStep } = geometry(n, size, labels);
  const canvas = document.createElement('canvas');
  canvas.handlers = { onCell, onPoint };
  // A map without labels is blocks of colour: one canvas pixel per CSS pixel, scaled up
  // pixel for pixel (a phone's 2× screen made the jury's twelve maps four times the work).
  const dpr = labels ? window.devicePixelRatio || 1 : 1;
  if (!labels) canvas.style.imageRendering = 'pixelated';
  canvas.width = Math.ceil(size * dpr);
  canvas.height = Math.ceil(size * dpr);
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', name);
  // The pixels: now, or (`later`) in a task of their own after this drawing (see paintLater).
  const paint = () => {
    const g = canvas.getContext('2d');
    // The cells as one pixel buffer through a colour table: no draw call or colour string per
    // cell, so a 510-item sentence draws in milliseconds.
    const x0 = Math.round(pad * dpr), p = Math.max(1, Math.min(canvas.width - x0, Math.round(n * cell * dpr)));
    // A matrix smaller than its picture is coloured cell by cell (n² values) and scaled up by the
    // canvas, nearest-neighbour: on a phone the jury's twelve 560-pixel maps cost 3.8 million
    // pixels of JavaScript a drawing (about 0.5 s at a phone's speed) where they are 12 × 841
    // cells. A larger matrix is averaged down to its pixels first.
    const up = n < p;
    const side = up ? n : p;
    const values = up ? matrix : resampledOnce(matrix, n, p);
    const image = g.createImageData(side, side);
    const pixels = new Uint32Array(image.data.buffer);
    for (let k = 0; k < side * side; k++) {
      const v = values[k];
      pixels[k] = WEIGHT_RGBA[v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0];
    }
    // A model that writes: a word sees only the words before it, so the cells above the
    // diagonal (a later column than the row) are no weight at all but words not yet written.
    if (causal) for (let y = 0; y < side; y++) for (let x = y + 1; x < side; x++) pixels[y * side + x] = NOT_YET_RGBA;
    if (up) {
      // (one scratch canvas for every map: a new 2D context per map was most of a jury's drawing)
      cellsCanvas ??= document.createElement('canvas');
      const cells = cellsCanvas;
      if (cells.width !== n || cells.height !== n) cells.width = cells.height = n;
      cellsContext ??= cells.getContext('2d');
      cellsContext.putImageData(image, 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(cells, 0, 0, n, n, x0, x0, p, p);
    } else {
      g.putImageData(image, x0, x0);
    }
    g.scale(dpr, dpr);
    if (highlightRow >= 0) {
      g.strokeStyle = '#d1495b';
      g.lineWidth = 2;
      g.strokeRect(pad + 1, pad + highlightRow * cell + 1, n * cell - 2, cell - 2);
    }
    if (labels) {
      g.fillStyle = '#1d2330';
      g.font = `${font}px system-ui, sans-serif`;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      labels.forEach((l, i) => { if (i % rowStep === 0) g.fillText(labelText(l), pad - 4, pad + (i + 0.5) * cell); });
      if (axes) { // the corner: what the rows and the columns are
        g.save();
        g.font = `12px system-ui, sans-serif`;
        g.fillStyle = '#5a6172';
        g.textAlign = 'left';
        g.fillText(`${axes[0]} ↓`, 4, pad - 30);
        g.fillText(`${axes[1]} →`, 4, pad - 14);
        g.restore();
      }
      g.save();
      g.textAlign = 'left';
      labels.forEach((l, i) => {
        if (i % colStep) return;
        g.setTransform(dpr, 0, 0, dpr, pad + (i + 0.5) * cell, pad - 4);
        g.rotate(-Math.PI / 3);
        g.fillText(labelText(l), 0, 0);
      });
      g.restore();
    }
  };
  if (later) paintLater(paint);
  else paint();
  const cellAt = (e) => {
    const rect = canvas.getBoundingClientRect();
    const k = size / rect.width;
    const c = Math.floor(((e.clientX - rect.left) * k - pad) / cell), r = Math.floor(((e.clientY - rect.top) * k - pad) / cell);
    return r >= 0 && r < n && c >= 0 && c < n ? [r, c] : null;
  };
  // The handlers of the latest drawing that uses this canvas (see `handlers` above).
  canvas.addEventListener('pointermove', (e) => { const rc = cellAt(e); if (rc) canvas.handlers.onPoint?.(...rc); });
  canvas.addEventListener('pointerleave', (e) => { if (e.pointerType === 'mouse') canvas.handlers.onPoint?.(-1, -1); });
  canvas.addEventListener('click', (e) => {
    const rc = cellAt(e);
    if (!rc) return;
    canvas.handlers.onPoint?.(...rc); // a tap shows the value
    canvas.handlers.onCell?.(...rc);
  });
  if (key) {
    if (!drawnMaps.has(matrix)) drawnMaps.set(matrix, new Map());
    drawnMaps.get(matrix).set(key, canvas);
  }
  return canvas;
}

/** The colour of a cell a causal model cannot see (a later word): grey, off the scale. */
export const NOT_YET = '#c9c9c9';
const NOT_YET_RGBA = 0xffc9c9c9; // (ABGR in a little-endian Uint32 pixel)

/** Small maps already drawn, by matrix, then by n|size|marked row|pixel ratio. */
const drawnMaps = new WeakMap();

/** Above this many items an exported heatmap is one embedded image at its pixel size, not a
 *  rect per cell (at 510 items the jury's SVG would be 251 MB). */
export const RASTER_ABOVE = 48;

/** The colour table as a PNG palette (r, g, b per entry). */
const PALETTE = Uint8Array.from([...WEIGHT_RGBA].flatMap((c) => [c & 255, (c >>> 8) & 255, (c >>> 16) & 255]));

/** The cells as a PNG data URL of p × p pixels, each the colour of the cells it covers. */
function cellsPng(matrix, n, p) {
  const values = resample(matrix, n, p);
  const indices = new Uint8Array(p * p);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    indices[k] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
  }
  return pngDataUrl(p, p, indices, PALETTE);
}

/** The same heatmap as SVG text, its top-left corner at (x, y). */
export function heatmapSvg(matrix, n, x, y, size, { labels = null, highlightRow = -1, causal = false } = {}) {
  const { pad, cell, font, rowStep, colStep } = geometry(n, size, labels);
  let out = '';
  if (n > RASTER_ABOVE) {
    const p = Math.max(1, Math.round(n * cell));
    out += tag('image', { x: x + pad, y: y + pad, width: n * cell, height: n * cell, preserveAspectRatio: 'none', style: 'image-rendering: pixelated', href: cellsPng(matrix, n, p) });
  } else {
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      out += tag('rect', { x: x + pad + c * cell, y: y + pad + r * cell, width: cell, height: cell, fill: causal && c > r ? NOT_YET : weightColor(matrix[r * n + c]) });
    }
  }
  if (causal && n > RASTER_ABOVE) { // the triangle above the diagonal, over the image
    const x0 = x + pad, y0 = y + pad, e = n * cell;
    out += tag('path', { d: `M${x0 + cell} ${y0}L${x0 + e} ${y0}L${x0 + e} ${y0 + e - cell}Z`, fill: NOT_YET });
  }
  if (highlightRow >= 0) {
    out += tag('rect', { x: x + pad + 1, y: y + pad + highlightRow * cell + 1, width: n * cell - 2, height: cell - 2, fill: 'none', stroke: '#d1495b', 'stroke-width': 2 });
  }
  if (labels) labels.forEach((l, i) => {
    if (i % rowStep === 0) out += text(x + pad - 4, y + pad + (i + 0.5) * cell, labelText(l), { size: font, anchor: 'end', baseline: 'middle' });
    if (i % colStep === 0) out += text(x + pad + (i + 0.5) * cell, y + pad - 4, labelText(l), { size: font, rotate: -60 });
  });
  return out;
}
