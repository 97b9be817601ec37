// Heatmap labels never pile on each other: the rows' labels are one cell apart, the columns'
// turned 60° (0.87 cell apart across their lines); a written label's line is 1.2 × its font.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geometry, readableSize, READABLE_CELL, LABEL_PAD } from '../../www/views/heatmap.js';

test('labels written are at least a line apart, at every size from 8 to 600 items', () => {
  for (const n of [8, 21, 29, 60, 128, 300, 600]) {
    for (const size of [240, 328, 640, 700, 1200, readableSize(n, 328)]) {
      const { cell, font, rowStep, colStep } = geometry(n, size, ['x']);
      const line = 1.2 * font;
      assert.ok(rowStep * cell >= line - 1e-9, `rows: n ${n}, size ${size}: ${rowStep} × ${cell} < ${line}`);
      assert.ok(colStep * cell * Math.sin(Math.PI / 3) >= line - 1e-9, `columns: n ${n}, size ${size}`);
      assert.ok(font >= 8 && font <= 13);
    }
  }
});

test('a phone scrolls a matrix at a readable cell: every label is written, at 12 px or more', () => {
  for (const n of [10, 29, 100]) {
    const size = readableSize(n, 328);
    const { cell, font, rowStep, colStep } = geometry(n, size, ['x']);
    if (size < 4000) {
      assert.ok(cell >= READABLE_CELL - 1e-9 || size === 328, `cell ${cell}`);
      assert.ok(font >= 12 || (size - LABEL_PAD) / n > READABLE_CELL, `font ${font}`);
      assert.equal(rowStep, 1);
      assert.equal(colStep, 1);
    }
  }
});
