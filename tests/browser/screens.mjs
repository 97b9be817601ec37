// Saves a screenshot of every view at laptop and phone size, in both languages, into
// test-artifacts/, and reads off each page what the picture must show: returns, per shot,
// { file, problems } where problems lists what is wrong (blank heatmaps, missing seats or
// judges, a page wider than the screen).
import { mkdirSync } from 'node:fs';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.mjs';

/** What one view must contain for a sentence of `items` items and a model of L×H heads. */
const EXPECTED = {
  orquestra: (n) => ({ seats: n, canvases: 0 }),
  juri: (n, L, H) => ({ judges: H, canvases: H }),
  matriz: () => ({ canvases: 1 }),
  modelo: (n, L, H) => ({ thumbs: L * H, canvases: L * H }),
};

/** Counts on the live page, and how many canvases are one flat colour (nothing drawn). */
function facts() {
  const view = document.getElementById('view');
  const canvases = [...view.querySelectorAll('canvas')];
  const flat = canvases.filter((c) => {
    // Opaque colours in the bottom-right quarter, where cells are whatever the labels' band
    // (cell seams are half transparent: not counted). One colour, or one and the focused
    // row's outline, is a heatmap with nothing drawn.
    const [w, h] = [c.width >> 1, c.height >> 1];
    const d = c.getContext('2d').getImageData(w, h, w, h).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) if (d[i + 3] === 255) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return colours.size <= 2;
  }).length;
  const [pieces, words] = (document.getElementById('summary').textContent.match(/\d+/g) ?? []).map(Number);
  return {
    items: words + 2, pieces,
    seats: view.querySelectorAll('.musician').length,
    judges: view.querySelectorAll('.judge').length,
    thumbs: view.querySelectorAll('.thumb').length,
    canvases: canvases.length, flat,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    drawn: view.getBoundingClientRect().height,
  };
}

export async function screenshots(ctx, base, dir = 'test-artifacts') {
  mkdirSync(dir, { recursive: true });
  const shots = [];
  for (const [name, viewport] of [['laptop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await ctx.newPage();
    await page.setViewportSize(viewport);
    for (const lang of ['pt', 'en']) for (const v of Object.keys(EXPECTED)) {
      await page.goto(`${base}#v=${v}&l=3&h=4&w=2&lang=${lang}`);
      await page.waitForSelector('#view > :not(.view-loading)', { timeout: 60_000 });
      await page.waitForTimeout(200);
      await page.waitForFunction(() => !document.querySelector('#view .thumb > span')); // thumbnails drawn
      const file = `${dir}/${v}-${name}-${lang}.png`;
      await page.screenshot({ path: file, fullPage: true });
      const f = await page.evaluate(facts);
      const problems = [];
      for (const [k, want] of Object.entries(EXPECTED[v](f.items, 6, 12))) if (f[k] !== want) problems.push(`${k}: ${f[k]}, expected ${want}`);
      if (f.flat) problems.push(`${f.flat} of ${f.canvases} heatmaps are blank`);
      if (f.overflow > 0) problems.push(`the page is ${f.overflow} px wider than the screen`);
      if (f.drawn < 150) problems.push(`the view is ${f.drawn} px tall`);
      if (process.env.DEBUG_SHOTS) console.log(file, JSON.stringify(f));
      shots.push({ file, problems });
    }
    await page.close();
  }
  return shots;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serve('.', 0);
  const ctx = await launch();
  for (const s of await screenshots(ctx, `http://127.0.0.1:${server.address().port}/`)) console.log(s.file, s.problems.join('; '));
  await ctx.close();
  server.close();
}
