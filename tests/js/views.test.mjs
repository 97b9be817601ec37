// Every view's export drawing (toSvg) on committed runs (tests/fixtures/runs.json, written by
// `orquestra presets`): compared with the reviewed pictures in tests/js/output/, and checked
// for what must hold whatever the picture (one cell per pair of items, one seat per item,
// the weights shown sum to 100%, the words are there, the XML is balanced).
// A changed drawing fails until it is reviewed: UPDATE_SNAPSHOTS=1 node --test tests/js/
// rewrites the pictures; the failing run leaves <name>.actual.svg beside each one to compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { views, loadAllViews } from '../../www/views/index.js';
import { exportSvg } from '../../www/export.js';
import { items as itemsOf } from '../../www/units.js';
import { makeRun } from '../../www/engine/run.js';
import { translator, withSpecials } from '../../www/i18n.js';
import { defaults } from '../../www/state.js';
import { esc } from '../../www/views/svg-text.js';

await loadAllViews(); // the views the page loads when first shown
const here = (p) => new URL(p, import.meta.url);
const pt = translator(JSON.parse(readFileSync(here('../../www/i18n/pt.json'))));
const floats = (b64) => { const b = Buffer.from(b64, 'base64'); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const runs = JSON.parse(readFileSync(here('../fixtures/runs.json'))).presets
  .map((p) => makeRun(p, { attention: floats(p.attention), scores: floats(p.scores) }));
const [short, long] = runs; // "Ela sorriu." (5 words), "The animal didn't cross …" (15 words)
// The multilingual model (tests/fixtures/runs-e5.json): its own special tokens, <s> and </s>.
const [shortE5] = JSON.parse(readFileSync(here('../fixtures/runs-e5.json'))).presets
  .map((p) => makeRun(p, { attention: floats(p.attention), scores: floats(p.scores) }));

const CASES = [
  { name: 'orquestra-softmax', run: long, state: { view: 'orquestra', layer: 2, head: 4, word: 8 }, step: 2 },
  { name: 'orquestra-qk-pieces', run: long, state: { view: 'orquestra', layer: 0, head: 0, word: 3, units: 'pecas' }, step: 0 },
  { name: 'orquestra-phone', run: short, state: { view: 'orquestra', layer: 5, head: 8, word: 2 }, step: 2, width: 360 },
  { name: 'matriz', run: long, state: { view: 'matriz', layer: 3, head: 6, word: 5 } },
  { name: 'juri', run: short, state: { view: 'juri', layer: 1, head: 0, word: 1 } },
  { name: 'modelo', run: short, state: { view: 'modelo', layer: 0, head: 0, word: 1 } },
  { name: 'juri-e5', run: shortE5, state: { view: 'juri', layer: 11, head: 0, word: 1, model: 'e5pt' } },
  { name: 'orquestra-e5', run: shortE5, state: { view: 'orquestra', layer: 11, head: 0, word: 2, model: 'e5pt' }, step: 2 },
];

function draw({ run, state: s, step = 2, width = 960 }) {
  const state = { ...defaults('pt'), sentence: run.meta.words.map((w) => w.text).join(' '), step, ...s };
  const data = { result: run, items: itemsOf(run.meta, state.units) };
  const ctx = { t: withSpecials(pt, run.meta), ui: {}, width, narrow: width < 600 };
  return { state, data, ctx, ...views[state.view].toSvg(state, data, ctx) };
}

const count = (svg, tag) => (svg.match(new RegExp(`<${tag}[ >/]`, 'g')) ?? []).length;

/** Opening and closing tags pair up (self-closing ones aside). */
function balanced(svg) {
  const stack = [];
  for (const [, close, name, self] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (self) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

for (const c of CASES) {
  test(`${c.name}: the picture is the reviewed one`, () => {
    const { body, height } = draw(c);
    const dir = here('./output/');
    mkdirSync(dir, { recursive: true });
    const file = here(`./output/${c.name}.svg`), actual = here(`./output/${c.name}.actual.svg`);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${c.width ?? 960}" height="${height}">${body}</svg>\n`;
    if (process.env.UPDATE_SNAPSHOTS || !existsSync(file)) writeFileSync(file, svg);
    if (readFileSync(file, 'utf8') !== svg) {
      writeFileSync(actual, svg);
      assert.fail(`${c.name}: the drawing changed; compare tests/js/output/${c.name}.svg with ${c.name}.actual.svg, then UPDATE_SNAPSHOTS=1 if it is right`);
    }
    rmSync(actual, { force: true });
  });
}

test('orchestra: one seat and one baton per item (a list: one bar per item); at the softmax step the values sum to 100%', async () => {
  const { scene } = await import('../../www/views/orquestra.js');
  for (const c of CASES.filter((x) => x.state.view === 'orquestra')) {
    const { body, data, state, ctx } = draw(c);
    const n = data.items.length;
    if (scene(state, data, ctx).list) {
      assert.equal(count(body, 'rect'), 2 * n, `${c.name}: a bar and its track per item`);
    } else {
      assert.equal(count(body, 'circle'), n, `${c.name}: seats`);
      assert.equal(count(body, 'line'), n, `${c.name}: batons`);
    }
    for (const it of data.items) assert.ok(body.includes(`>${esc(it.text.length > 14 ? it.text.slice(0, 13) + '…' : it.text)}<`), `${c.name}: ${it.text}`);
    if (c.step === 2) {
      const shown = [...body.matchAll(/>(\d+\.\d)%</g)].map((m) => Number(m[1]));
      assert.equal(shown.length, n);
      const sum = shown.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 100) <= 0.05 * n, `${c.name}: the weights shown sum to ${sum}%`);
    }
    assert.ok(balanced(body), `${c.name}: unbalanced XML`);
  }
});

test('matrix, jury, model: one cell per pair of items in every heatmap, labels on the matrix', () => {
  for (const c of CASES.filter((x) => x.state.view !== 'orquestra')) {
    const { body, data, run } = { ...draw(c), run: c.run };
    const n = data.items.length;
    const maps = { matriz: 1, juri: run.meta.heads, modelo: run.meta.layers * run.meta.heads }[c.state.view];
    const highlights = c.state.view === 'modelo' ? 0 : maps; // the focused row is outlined
    const scale = c.state.view === 'juri' ? 5 : 0; // the jury's export has its colour scale: 0% … 100%
    assert.equal(count(body, 'rect'), maps * n * n + highlights + scale, `${c.name}: cells`);
    assert.ok(balanced(body), `${c.name}: unbalanced XML`);
  }
  const { body, data } = draw(CASES.find((x) => x.name === 'matriz'));
  for (const it of data.items) assert.ok(body.includes(`>${it.text.slice(0, 14)}<`), `matrix label ${it.text}`);
});

test('export: every view is wrapped with a caption; an unknown view is an error, not another picture', () => {
  for (const c of CASES) {
    const { state, data, ctx } = draw(c);
    const { svg, width } = exportSvg(state, data, ctx, { precision: 'int8' });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && balanced(svg), c.name);
    assert.equal(width, c.width ?? 960);
    assert.ok(svg.includes('Orquestra'), `${c.name}: caption`);
  }
  const { state, data, ctx } = draw(CASES[0]);
  assert.throws(() => exportSvg({ ...state, view: 'nada' }, data, ctx, null), /no export for the view "nada"/);
});

test("the multilingual model's pictures name its own special tokens", () => {
  const { body } = draw(CASES.find((x) => x.name === 'juri-e5'));
  assert.ok(body.includes('&lt;s&gt;') && !body.includes('[CLS]') && !body.includes('{start}'));
});

test('text from the sentence is escaped in every export', () => {
  const c = CASES.find((x) => x.name === 'matriz');
  const run = structuredClone(c.run);
  run.meta.words[1].text = 'a<b>&"c';
  const { body } = draw({ ...c, run });
  assert.ok(body.includes('a&lt;b&gt;&amp;&quot;c') && !body.includes('<b>'));
});

test('exports at 510 items stay small: heatmaps become one embedded PNG each', async () => {
  const { inflateSync } = await import('node:zlib');
  const T = 512, L = 2, H = 12;
  const attention = new Float32Array(L * H * T * T);
  for (let row = 0; row < L * H * T; row++) { // rows that sum to 1, not all alike
    let s = 0;
    for (let j = 0; j < T; j++) s += (attention[row * T + j] = ((row * 7 + j * 13) % 97) + 1);
    for (let j = 0; j < T; j++) attention[row * T + j] /= s;
  }
  const words = Array.from({ length: T }, (_, i) => ({ text: i === 0 ? '<s>' : i === T - 1 ? '</s>' : `w${i}`, span: {}, special: i === 0 || i === T - 1 }));
  const meta = { tokens: words.map((w, i) => ({ text: w.text, id: i, word: i, span: {} })), words, wordOfToken: words.map((_, i) => i), truncated: true, layers: L, heads: H, seq: T, headDim: 32 };
  const heads = Array.from({ length: L * H }, () => ({ label: 'spreads', strength: 0.5, measures: {} }));
  const run = makeRun({ meta, heads }, { attention, scores: attention });
  for (const view of ['juri', 'modelo', 'matriz']) {
    const { state, data, ctx } = draw({ run, state: { view, layer: 1, head: 3, word: 100, model: 'e5pt' } });
    const { svg } = exportSvg(state, data, ctx, { precision: 'q4_0' });
    const images = [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    assert.equal(images.length, { juri: H, modelo: L * H, matriz: 1 }[view], `${view}: one image per heatmap`);
    console.log(`# ${view} export at ${T} items: ${(svg.length / 1e6).toFixed(2)} MB`);
    assert.ok(svg.length < 5e6 && (svg.match(/<rect /g) ?? []).length < 30, `${view}: ${(svg.length / 1e6).toFixed(1)} MB`);
    for (const png of images) { // a real PNG: signature, palette, pixels inflating to height × (1 + width)
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      assert.equal(png.subarray(37, 41).toString(), 'PLTE');
      const at = 33 + 12 + png.readUInt32BE(33); // past IHDR and PLTE
      assert.equal(png.subarray(at + 4, at + 8).toString(), 'IDAT');
      assert.equal(inflateSync(png.subarray(at + 8, at + 8 + png.readUInt32BE(at))).length, h * (1 + w));
    }
  }
});

test('the jury: no judge votes for the focused word or a special token; self, parking and the others make 100%; votes weigh their shares', async () => {
  const { judges, verdict, ABSTAIN } = await import('../../www/views/juri.js');
  let cases = 0;
  for (const run of [short, long, shortE5]) for (const units of ['palavras', 'pecas']) {
    const data = { result: run, items: itemsOf(run.meta, units) };
    const N = data.items.length;
    for (let layer = 0; layer < run.meta.layers; layer++) for (let word = 0; word < N; word++) {
      const js = judges({ layer, word }, data);
      for (const j of js) {
        const row = Array.from({ length: N }, (_, c) => j.matrix[word * N + c]);
        const own = data.items[word].word;
        const others = row.reduce((s, a, c) => s + (data.items[c].special || data.items[c].word === own ? 0 : a), 0);
        assert.ok(Math.abs(j.self + j.parked + others - 1) < 1e-5, 'self + parked + others = 1');
        if (j.vote >= 0) {
          assert.ok(!data.items[j.vote].special && data.items[j.vote].word !== own, 'a vote goes to another word');
          assert.equal(j.share, Math.max(...row.filter((_, c) => !data.items[c].special && data.items[c].word !== own)));
        }
        assert.equal(j.abstains, j.vote < 0 || j.parked >= ABSTAIN);
      }
      const v = verdict(js);
      const voters = js.filter((j) => !j.abstains);
      if (v.winner >= 0) {
        const sum = voters.filter((j) => j.vote === v.winner).reduce((s, j) => s + j.share, 0);
        assert.ok(Math.abs(v.weight - sum) < 1e-12, 'the winner weighs its voters\' shares');
        for (const w of v.weights.values()) assert.ok(w <= v.weight, 'no word outweighs the winner');
        assert.ok(voters.every((j) => j.share <= v.strongest.share), 'the strongest judge gives the largest share');
      }
      cases++;
    }
  }
  assert.ok(cases > 100);
});

test("the jury's and model's labels are followed by a share, never by the spread", () => {
  const c = CASES.find((x) => x.name === 'juri');
  const run = structuredClone(c.run);
  run.heads = run.heads.map((h) => ({ ...h, label: 'spreads', strength: 0.77 }));
  const { body } = draw({ ...c, run });
  assert.ok(!body.includes('77%'), 'an entropy is shown as a share');
});

test('the export caption fits its width and names Orquestra once', async () => {
  const { wrap } = await import('../../www/export.js');
  assert.deepEqual(wrap('a bb ccc dddd', 6, 3), ['a bb', 'ccc', 'dddd']);
  assert.deepEqual(wrap('x'.repeat(13), 5, 2), ['xxxxx', 'xxxx…']);
  for (const c of CASES) {
    const { state, data, ctx } = draw(c);
    const { svg, width } = exportSvg({ ...state, sentence: 'palavra '.repeat(60) }, data, ctx, { precision: 'int8' });
    const texts = [...svg.matchAll(/<text[^>]*x="12"[^>]*font-size="1[23]"[^>]*>([^<]*)</g)].map((m) => m[1]);
    assert.ok(texts.length >= 4, `${c.name}: ${texts.length} caption lines`);
    for (const s of texts) assert.ok(s.length * 0.62 * 13 <= width, `${c.name}: "${s}" is wider than ${width}`);
    assert.equal((svg.match(/Orquestra/g) ?? []).length, 1, `${c.name}: the name once`);
  }
});

test('the seats show the current step: a seat is larger exactly when its value at that step is larger', async () => {
  const { scene, numbers } = await import('../../www/views/orquestra.js');
  const c = CASES.find((x) => x.name === 'orquestra-qk-pieces');
  for (const step of [0, 1, 2]) {
    const { state, data, ctx } = draw({ ...c, step });
    const nums = numbers(data, state);
    const shown = [nums.scores, nums.scaled, nums.weights][step];
    const { seats } = scene(state, data, ctx);
    let pairs = 0;
    for (const a of seats) for (const b of seats) {
      if (shown[a.j] > shown[b.j] + 1e-9) { pairs++; assert.ok(a.radius > b.radius, `step ${step + 1}: ${a.name} (${shown[a.j]}) is drawn no larger than ${b.name} (${shown[b.j]})`); }
    }
    assert.ok(pairs > 10);
  }
  // Softmax keeps q·k's order, so the sizes must also follow the step's scale: at step 1 the
  // row's lowest q·k is the smallest seat and its highest the largest; at step 3, area ∝ weight.
  for (const step of [0, 2]) {
    const { state, data, ctx } = draw({ ...c, step });
    const nums = numbers(data, state);
    const { seats } = scene(state, data, ctx);
    for (const s of seats) {
      const v = step === 0
        ? (nums.scores[s.j] - Math.min(...nums.scores)) / (Math.max(...nums.scores) - Math.min(...nums.scores))
        : nums.weights[s.j];
      assert.ok(Math.abs(s.radius - (8 + 28 * Math.sqrt(v))) < 1e-9, `step ${step + 1}: ${s.name} radius ${s.radius} for ${v}`);
    }
  }
});

test('a heatmap picture: each pixel is the mean of the cells it covers, or the cell it falls in', async () => {
  const { resample } = await import('../../www/views/heatmap.js');
  const n = 37, matrix = Float32Array.from({ length: n * n }, (_, k) => ((k * 7919) % 1000) / 1000);
  for (const p of [1, 5, 10, 36, 37, 80]) {
    const got = resample(matrix, n, p);
    for (let y = 0; y < p; y++) {
      for (let x = 0; x < p; x++) {
        let want;
        if (n <= p) want = matrix[Math.floor((y * n) / p) * n + Math.floor((x * n) / p)];
        else { // the cells whose pixel is (x, y), one by one
          let sum = 0, count = 0;
          for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
            if (Math.floor((r * p) / n) === y && Math.floor((c * p) / n) === x) { sum += matrix[r * n + c]; count += 1; }
          }
          want = sum / count;
        }
        assert.ok(Math.abs(got[y * p + x] - want) < 1e-5, `p=${p} pixel (${x}, ${y}): ${got[y * p + x]} vs ${want}`);
      }
    }
  }
});

test("a live run's score row is q·k of its own q and k, the mean over an item pair's pieces", async () => {
  const { scoreRow, itemMeanRow } = await import('../../www/units.js');
  const [L, H, T, Dh] = [2, 3, 5, 4];
  const rnd = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 97 + i * 1.7));
  const q = rnd(L * H * T * Dh, 1), k = rnd(L * H * T * Dh, 2);
  const scores = new Float32Array(L * H * T * T); // q·kᵀ, the engine's step 1, by its definition
  for (let lh = 0; lh < L * H; lh++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    let s = 0;
    for (let d = 0; d < Dh; d++) s += q[(lh * T + i) * Dh + d] * k[(lh * T + j) * Dh + d];
    scores[(lh * T + i) * T + j] = s;
  }
  const meta = { seq: T, heads: H, headDim: Dh };
  const its = [{ tokens: [0] }, { tokens: [1, 2] }, { tokens: [3] }, { tokens: [4] }]; // a word of two pieces
  for (const [l, h, r] of [[0, 0, 0], [1, 2, 1], [1, 1, 3]]) {
    const want = itemMeanRow(scores, meta, l, h, its, r);
    const got = scoreRow({ meta, q, k }, l, h, its, r);
    got.forEach((x, j) => assert.ok(Math.abs(x - want[j]) < 1e-5, `(${l}, ${h}) row ${r} item ${j}: ${x} vs ${want[j]}`));
    assert.deepEqual(scoreRow({ meta, scores }, l, h, its, r), want, 'a run that carries scores reads them');
  }
  assert.equal(scoreRow({ meta }, 0, 0, its, 0), null, 'neither scores nor q and k: null');
});
