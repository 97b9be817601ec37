import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, serialize, defaults, clamp, VIEWS, UNITS, LANGS } from '../../www/state.js';
import { MODEL_KEYS, limitsOf } from '../../www/config.js';

test('parse(serialize(state)) == state for many states', () => {
  const sentences = ['A menina estava radiante.', 'ação & coração = 100% #1?', 'emoji 😀 中文 \u0301', "it's (really) *fine*! ~ok", ' '];
  for (const sentence of sentences) for (const view of VIEWS) for (const units of UNITS) for (const lang of LANGS) for (const model of MODEL_KEYS) {
    for (const [step, ablate, rank, guess, sentence2, word2, temperature, seed, write] of [[0, '', false, false, '', -1, 0, 1, 20], [3, '1.2,5.12', true, true, 'Fui ao banco & (outra) 😀', 2, 0.7, 4294967295, 5]]) {
      const state = { sentence, view, layer: 5, head: 11, word: 3, units, lang, model, step, ablate, rank, guess, sentence2, word2, temperature, seed, write };
      assert.deepEqual(parse(serialize(state)).state, state);
    }
  }
});

test('the hash uses exactly the documented keys', () => {
  const h = serialize({ ...defaults(), sentence: 'a b' });
  assert.equal(h, '#s=a%20b&v=orquestra&l=1&h=1&w=1&u=palavras&lang=pt&m=minilm&st=3');
  assert.equal(parse('#st=9').state.step, 3, 'the step is clamped to 1-4');
  assert.equal(parse('#s=x').state.step, 2, 'a link without st shows the softmax, as before');
  // Dismissed heads: sorted, each once, out-of-range entries dropped with a notice.
  const { state, notices } = parse('#m=minilm&x=6.9,3.7,3.7,7.1,0.2,zz,3.13', limitsOf);
  assert.equal(state.ablate, '3.7,6.9');
  assert.deepEqual(notices.map((n) => n.key), ['x']);
  assert.equal(serialize({ ...state, sentence: 'a' }).split('&x=')[1], '3.7%2C6.9');
  assert.ok(!serialize({ ...defaults(), sentence: 'a' }).includes('x='), 'no x= when no judge is dismissed');
  assert.ok(serialize({ ...defaults(), sentence: 'a', rank: true }).endsWith('&k=1') && parse('#k=1').state.rank, 'k=1: the ranking');
});

test('writing keys (view proxima): temp, seed and n only when not the default, validated and clamped', () => {
  assert.ok(!serialize({ ...defaults(), sentence: 'a' }).match(/temp=|seed=|&n=/), 'a greedy link carries none');
  const { state, notices } = parse('#v=proxima&m=smollm&temp=0.75&seed=42&n=7');
  assert.deepEqual([state.view, state.model, state.temperature, state.seed, state.write], ['proxima', 'smollm', 0.75, 42, 7]);
  assert.deepEqual(notices, []);
  assert.ok(serialize({ ...state, sentence: 'a' }).endsWith('&m=smollm&st=3&temp=0.75&seed=42&n=7'));
  const odd = parse('#temp=9&seed=9999999999&n=0');
  assert.deepEqual([odd.state.temperature, odd.state.seed, odd.state.write], [2, 4294967295, 1]);
  assert.deepEqual(odd.notices.map((n) => n.key).sort(), ['n', 'seed', 'temp']);
  const bad = parse('#temp=-1&seed=x&n=1e3');
  assert.deepEqual([bad.state.temperature, bad.state.seed, bad.state.write], [0, 1, 20], 'invalid values fall back to the default');
});

test('garbage in gives defaults and never throws', () => {
  for (const g of ['', '#', '#&&&', '#===', '#v', '#l=abc&h=&w=-', '#s=%E0%A4%A', '#%zz=1', '#__proto__=1&constructor=2',
    '#toString=1', '#l=1e9', '#l=99999999999999999999', '#v=<script>', null, undefined, 42]) {
    const { state } = parse(g);
    const d = defaults();
    for (const k of ['view', 'layer', 'head', 'units', 'lang']) assert.equal(state[k], d[k], `${g}: ${k}`);
  }
});

test('out-of-range numbers are clamped with a notice; unknown keys ignored; first duplicate wins', () => {
  const { state, notices } = parse('#l=99&h=0&w=-4&v=juri&v=matriz&zz=1', { layers: 6, heads: 12, items: 10 });
  assert.equal(state.layer, 5);
  assert.equal(state.head, 0);
  assert.equal(state.word, 0);
  assert.equal(state.view, 'juri');
  assert.deepEqual(notices.map((n) => n.key), ['l', 'h', 'w']);
});

test('malformed percent-encoding keeps the text', () => {
  assert.equal(parse('#s=100%25%20e%20%ZZ').state.sentence, '100%25%20e%20%ZZ');
  assert.equal(parse('#s=ol%C3%A1').state.sentence, 'olá');
});

test('clamp() bounds word by the sentence', () => {
  const s = { ...defaults(), word: 40, layer: 2 };
  assert.deepEqual(clamp(s, { layers: 6, heads: 12, items: 7 }), ['w']);
  assert.equal(s.word, 6);
});

test('a link without m means MiniLM; the model bounds the layer, whatever the order of the keys', () => {
  assert.equal(parse('#s=oi').state.model, 'minilm');
  assert.equal(parse('#s=oi&m=e5pt').state.model, 'e5pt');
  assert.equal(parse('#l=10&m=e5pt', limitsOf).state.layer, 9);
  assert.equal(parse('#m=e5pt&l=10', limitsOf).state.layer, 9);
  const { state, notices } = parse('#l=10&m=minilm', limitsOf);
  assert.equal(state.layer, 5);
  assert.deepEqual(notices.map((n) => n.key), ['l']);
  assert.deepEqual(parse('#m=gpt').notices.map((n) => [n.key, n.kind]), [['m', 'invalid']]);
});

test('a writing view named without m opens the model that writes in the link\'s language; m= keeps its model', () => {
  assert.equal(parse('#v=proxima&lang=pt').state.model, 'gemma');
  assert.equal(parse('#v=lente&lang=en').state.model, 'smollm');
  assert.equal(parse('#v=proxima', undefined, 'pt').state.model, 'gemma', 'no lang=: the browser\'s language');
  assert.equal(parse('#v=proxima', undefined, 'en').state.model, 'smollm');
  assert.equal(parse('#lang=xx&v=proxima', undefined, 'pt').state.model, 'gemma', 'a bad lang= is the browser\'s');
  assert.equal(parse('#v=proxima&lang=pt&m=smollm').state.model, 'smollm', 'a link with m= keeps it');
  assert.equal(parse('#v=proxima&m=minilm&lang=pt').state.model, 'minilm');
  assert.equal(parse('#v=juri&lang=pt').state.model, 'minilm', 'the other views: MiniLM, as before');
  assert.equal(parse('#v=proxima&lang=pt&l=18&h=9', limitsOf).state.head, 3, 'Gemma bounds the head: 4 judges');
  assert.equal(parse('#m=gemma&l=30', limitsOf).state.layer, 17);
});
