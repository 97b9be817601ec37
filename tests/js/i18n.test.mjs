import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const load = (l) => JSON.parse(readFileSync(new URL(`../../www/i18n/${l}.json`, import.meta.url)));
const pt = load('pt'), en = load('en');

test('pt and en have the same keys', () => {
  assert.deepEqual(Object.keys(pt).filter((k) => !(k in en)), [], 'missing from en.json');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in pt)), [], 'missing from pt.json');
});

test('every key the code and the page use exists, and every label the engine emits', () => {
  const root = new URL('../../', import.meta.url);
  const files = ['index.html', 'aula.html', ...readdirSync(new URL('www/', root), { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => `www/${f}`)];
  const used = new Set();
  for (const f of files) {
    const src = readFileSync(new URL(f, root), 'utf8');
    for (const m of src.matchAll(/\bt\('([a-zA-Z.]+)'/g)) used.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-label)?="([a-zA-Z.]+)"/g)) used.add(m[1]);
  }
  for (const label of ['previous', 'next', 'itself', 'cls', 'sep', 'punctuation', 'sameWord', 'spreads', 'content']) used.add(`label.${label}`);
  for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) used.add(`view.${v}`);
  for (let n = 1; n <= 9; n++) for (const k of ['title', 'text']) used.add(`lesson.${n}.${k}`);
  const missing = [...used].filter((k) => !(k in pt) || !(k in en));
  assert.deepEqual(missing, []);
  assert.ok(used.size > 40);
});

test('placeholders agree between languages', () => {
  const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
  for (const k of Object.keys(pt)) assert.equal(names(pt[k]), names(en[k]), k);
});

test("the trimmed Gemma's measured agreement on the page is the measurement's (tests/fixtures/gemma/trim_measure.json)", () => {
  const m = JSON.parse(readFileSync(new URL('../fixtures/gemma/trim_measure.json', import.meta.url)));
  const pct = (a, b) => ((100 * a) / b).toFixed(1);
  const all = pct(m.top1_equal, m.positions), inPt = pct(m.by_lang.pt.top1_equal, m.by_lang.pt.positions);
  assert.ok(en['model.trimmed'].includes(`${m.texts} held-out`) && en['model.trimmed'].includes(`${all}% of positions (${inPt}% in Portuguese)`), en['model.trimmed']);
  const comma = (s) => s.replace('.', ',');
  assert.ok(pt['model.trimmed'].includes(`${m.texts} textos`) && pt['model.trimmed'].includes(`${comma(all)}% das posições (${comma(inPt)}% em português)`), pt['model.trimmed']);
});
