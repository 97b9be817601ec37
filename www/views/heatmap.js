// A T×T (or N×N) heatmap on canvas: used by the matrix, jury and model views.
import { weightColor } from '../color.js';

export function heatmap(matrix, n, size, { labels = null, highlightRow = -1, onCell = null, name = '' } = {}) {
  const pad = labels ? 110 : 0;
  const cell = Math.max(1, (size - pad) / n);
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(size * dpr);
  canvas.height = Math.ceil(size * dpr);
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', name);
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    g.fillStyle = weightColor(matrix[r * n + c]);
    g.fillRect(pad + c * cell, pad + r * cell, Math.ceil(cell), Math.ceil(cell));
  }
  if (highlightRow >= 0) {
    g.strokeStyle = '#d1495b';
    g.lineWidth = 2;
    g.strokeRect(pad + 1, pad + highlightRow * cell + 1, n * cell - 2, cell - 2);
  }
  if (labels) {
    g.fillStyle = '#1d2330';
    g.font = `${Math.min(13, Math.max(8, cell * 0.8))}px system-ui, sans-serif`;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    labels.forEach((l, i) => g.fillText(l.slice(0, 14), pad - 4, pad + (i + 0.5) * cell));
    g.save();
    g.textAlign = 'left';
    labels.forEach((l, i) => {
      g.setTransform(dpr, 0, 0, dpr, pad + (i + 0.5) * cell, pad - 4);
      g.rotate(-Math.PI / 3);
      g.fillText(l.slice(0, 14), 0, 0);
    });
    g.restore();
  }
  if (onCell) {
    canvas.addEventListener('click', (e) => {
      const rect = canvas.getBoundingClientRect();
      const k = size / rect.width;
      const c = Math.floor(((e.clientX - rect.left) * k - pad) / cell), r = Math.floor(((e.clientY - rect.top) * k - pad) / cell);
      if (r >= 0 && r < n && c >= 0 && c < n) onCell(r, c);
    });
  }
  return canvas;
}
