// The model that writes in the jury, the flow and the next-word view (issue 24 §2-3), on
// synthetic causal runs whose answers are known: the heads' measures (engine/decoder.js,
// as src/heads.rs measures an encoder's), the rollout (as src/rollout.rs), the judges (no
// vote for a word not yet written, the first word is where they park), the note sheets of
// grouped-query attention, the `.causal` strings, and the live row of a new token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decoderHeads, rolloutOf, PATTERN_SHARE } from '../../www/engine/decoder.js';
import { judges, verdictLines, sheets, sheetOf } from '../../www/views/juri.js';
import { liveAttention, LIVE_PIECES } from '../../www/views/proxima.js';
import { items as itemsOf } from '../../www/units.js';
import { translator, withCausal, withSpecials } from '../../www/i18n.js';

const load = (l) => translator(JSON.parse(readFileSync(new URL(`../../www/i18n/${l}.json`, import.meta.url))));
const [pt, en] = [load('pt'), load('en')];

/** A decoder's meta for `words` (one piece each, as decoder.js decoderMeta shapes it). */
function metaOf(words, layers, heads, kvHeads = heads) {
  let at = 0;
  const tokens = words.map((w, i) => { const span = { char_start: at, char_end: at + w.length }; at += w.length + 1; return { text: w, id: i, word: i, span }; });
  return {
    tokens, words: tokens.map((t) => ({ text: t.text, span: t.span, special: false })), wordOfToken: tokens.map((_, i) => i),
    truncated: false, causal: true, layers, heads, kvHeads, seq: words.length, headDim: 4,
  };
}

/** Causal attention (L, H, T, T) whose row q of head (l, h) is `rowOf(l, h, q)` over k ≤ q. */
function causalAttention(meta, rowOf) {
  const { layers: L, heads: H, seq: T } = meta;
  const a = new Float32Array(L * H * T * T);
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) {
    const row = rowOf(l, h, q);
    const sum = row.reduce((s, x) => s + x, 0);
    row.forEach((x, k) => { a[((l * H + h) * T + q) * T + k] = x / sum; });
  }
  return a;
}

/** A seeded generator (the same numbers every run). */
function random(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

const WORDS = ['The', 'girl', 'who', 'adopted', 'dogs', 'was', 'radiant', ',', 'because'];

test('decoder heads: a head parked on the first token is labelled as parking, a previous-token head as one; the first row (which hears only itself) is left out', () => {
  const meta = metaOf(WORDS, 1, 3);
  const T = meta.seq;
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => {
    if (h === 0) return k === 0 ? 1 : 0; // the sink
    if (h === 1) return k === Math.max(q - 1, 0) ? 1 : 0; // the previous token
    return 1; // spread evenly over what it may hear
  }));
  const [sink, previous, spread] = decoderHeads(attention, meta);
  assert.equal(sink.label, 'cls');
  assert.equal(sink.measures.cls, 1);
  assert.equal(sink.measures.itself, 0, 'row 0 (all on itself, no choice) is not counted');
  assert.equal(previous.label, 'previous');
  assert.equal(previous.measures.previous, 1);
  assert.ok(Math.abs(previous.measures.cls - 1 / (T - 1)) < 1e-6, 'row 1\'s previous token is the first one, as in heads.rs');
  assert.equal(spread.label, 'spreads');
  assert.ok(Math.abs(spread.measures.entropy - 1) < 1e-6, 'an even row over what it hears has spread 1');
  for (const h of [sink, previous, spread]) assert.ok(h.measures.next === 0 && h.measures.sep === 0, 'nothing after a token, no [SEP]');
  // punctuation: the comma's column
  const comma = WORDS.indexOf(',');
  const onComma = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (q >= comma ? (k === comma ? 1 : 0) : k === 0 ? 1 : 0)));
  const [p] = decoderHeads(onComma, meta);
  assert.ok(Math.abs(p.measures.punctuation - (T - comma) / (T - 1)) < 1e-6, `punctuation ${p.measures.punctuation}`);
  assert.ok(p.strength >= PATTERN_SHARE || p.label !== 'punctuation');
});

test('decoder heads: same-word pieces are measured over the pieces that can hear an earlier piece of their word', () => {
  const meta = metaOf(['The', 'ad', 'opted', 'dogs'], 1, 1);
  meta.tokens[2].word = 1; // "ad" + "opted" one word
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (q === 2 ? (k === 1 ? 3 : 1) : 1)));
  const [m] = decoderHeads(attention, meta);
  assert.ok(Math.abs(m.measures.sameWord - 0.6) < 1e-6, `only row 2 counts: 3/5, got ${m.measures.sameWord}`);
});

test('decoder rollout: as a dense ½A + ½I product, lower triangular, rows summing to 1', () => {
  const meta = metaOf(WORDS, 4, 3);
  const rnd = random(7);
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, () => rnd() ** 3 + 1e-3));
  const R = rolloutOf(attention, meta);
  const { layers: L, heads: H, seq: T } = meta;
  // the reference: full T×T products, every term
  let prev = null;
  for (let l = 0; l < L; l++) {
    const a = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => {
      let s = 0;
      for (let h = 0; h < H; h++) s += attention[((l * H + h) * T + i) * T + j];
      return 0.5 * s / H + (i === j ? 0.5 : 0);
    }));
    const r = prev ? a.map((row) => Array.from({ length: T }, (_, j) => row.reduce((s, x, k) => s + x * prev[k][j], 0))) : a;
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) {
        const got = R[(l * T + i) * T + j];
        assert.ok(Math.abs(got - r[i][j]) < 1e-6, `layer ${l} (${i}, ${j}): ${got} vs ${r[i][j]}`);
        if (j > i) assert.equal(got, 0);
        sum += got;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
    }
    prev = r;
  }
});

test('the jury of a model that writes: no vote for a word not yet written nor for the first word (where judges park); self, parking and the others make 100%; the first word abstains and says why', () => {
  const meta = metaOf(WORDS, 2, 9, 3);
  const rnd = random(11);
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (k === 0 ? 4 * rnd() : rnd())));
  const result = { meta, heads: decoderHeads(attention, meta), attention };
  const data = { result, items: itemsOf(meta, 'palavras') };
  const N = data.items.length;
  for (let layer = 0; layer < 2; layer++) for (let word = 0; word < N; word++) {
    const js = judges({ layer, word }, data);
    for (const j of js) {
      assert.equal(j.sheet, Math.floor(j.head / 3), 'judges 1-3 read sheet 1, 4-6 sheet 2, 7-9 sheet 3');
      if (word === 0) { assert.ok(j.abstains && j.vote < 0 && Math.abs(j.self - 1) < 1e-6, 'the first word hears only itself'); continue; }
      assert.ok(j.vote === -1 || (j.vote > 0 && j.vote < word), `judge ${j.head} votes for item ${j.vote} from ${word}`);
      assert.ok(Math.abs(j.parked - j.matrix[word * N]) < 1e-7, 'parked is the share on the first word');
      let others = 0;
      for (let c = 1; c < word; c++) others += j.matrix[word * N + c];
      assert.ok(Math.abs(j.self + j.parked + others - 1) < 1e-5, 'self + parked + the others before it = 1');
    }
  }
  const t = withCausal(withSpecials(en, meta), true);
  const first = verdictLines(judges({ layer: 0, word: 0 }, data), data.items, 'The', 1, t, true);
  assert.deepEqual(first, ['Layer 1, focus on The: the first word hears only itself (nothing was written before it), so no judge can vote. Pick a later word.']);
  // the encoders' parking language, extended: the first word, not [CLS]/[SEP]
  assert.equal(t('label.cls'), 'parks on the first word, The (the attention sink)');
  assert.equal(withCausal(withSpecials(pt, meta), true)('jury.doesParks', { share: '80%' }), 'estaciona na primeira palavra, The (80%)');
  assert.equal(withCausal(en, false)('label.cls', { start: '[CLS]' }), 'parks on the start, [CLS]', 'an encoder keeps its own');
  assert.match(t('jury.noop'), /first word.*attention sink.*\[CLS\]\/\[SEP\]/);
});

test('note sheets (grouped-query attention): judges of one sheet with the same rows differ by 0; the value lengths are measured per sheet', () => {
  const meta = metaOf(WORDS, 1, 9, 3);
  const T = meta.seq, D = meta.headDim;
  // each sheet's three judges share a row; the sheets differ
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (k === Math.min(q, Math.floor(h / 3) + 1) ? 5 : 1)));
  const v = new Float32Array(9 * T * D);
  for (let h = 0; h < 9; h++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) v[(h * T + t) * D + d] = t === 0 ? 0.5 : 1; // |v_0| = ½ |v_t|
  const data = { result: { meta, heads: decoderHeads(attention, meta), attention, v }, items: itemsOf(meta, 'pecas') };
  const state = { layer: 0, word: 6 };
  const g = sheets(state, data, judges(state, data));
  assert.equal(g.same, 0);
  assert.ok(g.apart > 0.2, `judges of different sheets differ: ${g.apart}`);
  assert.deepEqual(g.groups.map((s) => s.judges.map((j) => j.head)), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  for (const s of g.groups) assert.ok(Math.abs(s.value - 0.5) < 1e-6, `sheet ${s.sheet}: ${s.value}`);
  assert.equal(sheetOf({ heads: 12, kvHeads: undefined }, 3), null, 'an encoder has no shared sheets');
  assert.equal(sheets(state, { ...data, result: { ...data.result, meta: { ...meta, kvHeads: 9 } } }, []), null);
});

test('the live row of a new token: its shares at the state\'s layer and head over the pieces so far, itself last; a long text keeps the first piece and the latest', () => {
  const L = 2, H = 3;
  const prompt = ['Once', 'upon', 'a', 'time'];
  const rowFor = (P) => {
    const a = new Float32Array(L * H * P);
    for (let lh = 0; lh < L * H; lh++) for (let k = 0; k < P; k++) a[lh * P + k] = (lh + 1) * (k + 1);
    for (let lh = 0; lh < L * H; lh++) { let s = 0; for (let k = 0; k < P; k++) s += a[lh * P + k]; for (let k = 0; k < P; k++) a[lh * P + k] /= s; }
    return a;
  };
  const writing = { pieces: prompt, tokens: [{ text: ',', attention: null, positions: 5 }, { text: ', the', attention: rowFor(6), positions: 6 }] };
  const live = liveAttention({ layer: 1, head: 2 }, writing, { heads: H });
  assert.deepEqual(live.shares.map((s) => s.text), ['Once', 'upon', 'a', 'time', ',', 'the']);
  assert.equal(live.conductor.text, 'the');
  const row = writing.tokens[1].attention.subarray((1 * H + 2) * 6, (1 * H + 2) * 6 + 6);
  assert.deepEqual(live.shares.map((s) => s.p), [...row]);
  assert.equal(live.hidden.count, 0);
  // past LIVE_PIECES: the first piece, a mark for those between, the latest
  const long = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const P = long.length + 1;
  const far = liveAttention({ layer: 0, head: 0 }, { pieces: long, tokens: [{ text: ' end', attention: rowFor(P), positions: P }] }, { heads: H });
  assert.equal(far.shown.length, LIVE_PIECES);
  assert.equal(far.shown[0].pos, 0);
  assert.equal(far.shown.at(-1).text, 'end');
  const total = far.shown.reduce((s, g) => s + g.p, 0) + far.hidden.p;
  assert.ok(Math.abs(total - 1) < 1e-6, 'the shown and the hidden shares make 100%');
  assert.equal(liveAttention({ layer: 0, head: 0 }, { pieces: prompt, tokens: [] }, { heads: H }), null);
});

test('the jury of a model that writes, exported: each judge named with its sheet, the grey triangle, the grouped-query measure under the verdict', async () => {
  const { toSvg } = await import('../../www/views/juri.js');
  const meta = metaOf(WORDS, 1, 9, 3);
  const rnd = random(3);
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (k === 0 ? 3 : rnd())));
  const data = { result: { meta, heads: decoderHeads(attention, meta), attention }, items: itemsOf(meta, 'palavras') };
  const t = withCausal(withSpecials(en, meta), true);
  const { body } = toSvg({ layer: 0, word: 8, ablate: '' }, data, { t, width: 960 });
  for (let n = 1; n <= 9; n++) assert.ok(body.includes(`>Judge ${n} · sheet ${Math.ceil(n / 3)}<`), `judge ${n}`);
  assert.match(body, /Measured on because's row: judges who share a sheet differ by \d+%/);
  assert.ok(body.includes('#c9c9c9'), 'the cells not yet written are grey');
  assert.ok(!/\[CLS\]|\[SEP\]|\{start\}/.test(body.replace(/\[CLS\]\/\[SEP\]/g, '')), 'no encoder token named as where it parks');
});

test('a model with a start token (Gemma\'s <bos>): its meta has <bos> as a special word spanning nothing, the text\'s spans after it; the views name it the start token; one note sheet is said as one', async () => {
  const { decoderMeta } = await import('../../www/engine/decoder.js');
  // A SentencePiece-like decoder: id 2 is <bos>, spelled as it is; the others are pieces.
  const PIECES = { 2: '<bos>', 10: 'O', 11: ' gato', 12: ' sub', 13: 'iu', 14: ',' };
  const decoder = { decode: (ids) => [...ids].map((i) => PIECES[i]).join('') };
  const ids = Uint32Array.from([2, 10, 11, 12, 13, 14]);
  const meta = decoderMeta(decoder, ids, { layers: 1, heads: 4, kvHeads: 1, headDim: 4, addBos: true }, false);
  assert.deepEqual(meta.tokens.map((t) => [t.text, t.span.char_start, t.span.char_end]), [['<bos>', 0, 0], ['O', 0, 1], ['gato', 1, 6], ['sub', 6, 10], ['iu', 10, 12], [',', 12, 13]]);
  assert.deepEqual(meta.words.map((w) => [w.text, w.special]), [['<bos>', true], ['O', false], ['gato', false], ['subiu', false], [',', false]]);
  assert.deepEqual(meta.wordOfToken, [0, 1, 2, 3, 3, 4]);
  // without a start token (SmolLM2): no special word
  const plain = decoderMeta(decoder, ids.subarray(1), { layers: 1, heads: 4, kvHeads: 1, headDim: 4, addBos: false }, false);
  assert.deepEqual(plain.words.map((w) => w.special), [false, false, false, false]);
  // the jury: <bos> is item 0 in both units, where the heads park; named the start token
  const rnd = random(5);
  const attention = causalAttention(meta, (l, h, q) => Array.from({ length: q + 1 }, (_, k) => (k === 0 ? 4 : rnd())));
  const data = { result: { meta, heads: decoderHeads(attention, meta), attention, v: null }, items: itemsOf(meta, 'palavras') };
  assert.deepEqual(data.items.map((it) => [it.text, it.special]), [['<bos>', true], ['O', false], ['gato', false], ['subiu', false], [',', false]]);
  const js = judges({ layer: 0, word: 3 }, data);
  for (const j of js) {
    assert.equal(j.sheet, 0, 'all four judges read the one sheet');
    assert.ok(Math.abs(j.parked - j.matrix[3 * 5]) < 1e-7, 'parked is the share on <bos>');
    assert.ok(j.vote !== 0, 'no vote for <bos>');
  }
  const bos = withCausal(withSpecials(en, meta), true, true);
  assert.equal(bos('label.cls'), 'parks on the start token, <bos> (the attention sink)');
  assert.equal(withCausal(withSpecials(pt, meta), true, true)('jury.doesParks', { share: '80%' }), 'estaciona no token de início, <bos> (80%)');
  assert.equal(bos('flow.first', { focus: '<bos>' }), '<bos> is the start token: it comes before the text and hears only itself.');
  assert.equal(bos('orq.causalOne', { conductor: 'gato' }), withCausal(en, true)('orq.causalOne', { conductor: 'gato' }), 'a key without a .bos variant: its .causal one');
  assert.match(bos('jury.noop'), /Why park on <bos>\? This model puts a start token/);
  const first = verdictLines(judges({ layer: 0, word: 0 }, data), data.items, '<bos>', 1, bos, true);
  assert.deepEqual(first, ['Layer 1, focus on <bos>: the start token comes before the text and hears only itself, so no judge can vote. Pick a word of the text.']);
  const s = sheets({ layer: 0, word: 3 }, data, js);
  assert.equal(s.groups.length, 1);
  assert.equal(s.apart, 0, 'no pair sits on different sheets');
  const { toSvg } = await import('../../www/views/juri.js');
  const { body } = toSvg({ layer: 0, word: 3, ablate: '' }, data, { t: bos, width: 960 });
  assert.match(body, /with the same notes, the judges still differ by \d+% on average, pair by pair/);
  assert.ok(!/first word/.test(body), 'the start token is not called the first word');
});

test('a GGUF\'s numbers (general.file_type, a trimmed vocabulary\'s source size) read from its metadata past strings and arrays; a file cut short gives what came before', async () => {
  const { ggufNumbers, FILE_TYPES } = await import('../../www/engine/decoder.js');
  const parts = [];
  const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); parts.push(b); };
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); parts.push(b); };
  const str = (s) => { u64(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
  parts.push(Buffer.from('GGUF')); u32(3); u64(0); u64(4);
  str('general.name'); u32(8); str('Gemma 3 270m');
  str('tokenizer.ggml.tokens'); u32(9); u32(8); u64(3); str('<pad>'); str('<bos>'); str('▁o');
  str('tokenizer.ggml.scores'); u32(9); u32(6); u64(3); parts.push(Buffer.alloc(12));
  str('general.file_type'); u32(4); u32(15);
  const bytes = new Uint8Array(Buffer.concat(parts));
  assert.deepEqual(ggufNumbers(bytes, ['general.file_type', 'orquestra.vocab.source_size']), { 'general.file_type': 15 });
  assert.equal(FILE_TYPES[15], 'q4_k_m');
  assert.equal(FILE_TYPES[3], 'q4_1');
  assert.deepEqual(ggufNumbers(bytes.subarray(0, 60), ['general.file_type']), {}, 'cut inside the tokens');
  assert.deepEqual(ggufNumbers(new Uint8Array(8), ['general.file_type']), {}, 'not a GGUF');
});
