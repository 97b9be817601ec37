// Issue 28 §2-3, the pure parts of the labels: numbers in the reader's language, the measure
// of a text an English model does not know, the habit of a head with no dominant habit, and
// the verdict's counts (dismissed judges out, one judge in the singular, punctuation no word).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pct, num, setNumberLocale } from '../../www/dom.js';
import { splitWords, looksForeign } from '../../www/language.js';
import { habitText, habitLabel } from '../../www/views/habit.js';
import { verdictLines, isPunctuation } from '../../www/views/juri.js';
import { translator, withTouch } from '../../www/i18n.js';

const pt = translator(JSON.parse(readFileSync(new URL('../../www/i18n/pt.json', import.meta.url))));
const en = translator(JSON.parse(readFileSync(new URL('../../www/i18n/en.json', import.meta.url))));
const specials = (t) => (k, p = {}) => t(k, { start: '<s>', end: '</s>', ...p });

test('pt-BR numbers have a decimal comma, English a point', () => {
  setNumberLocale('pt-BR');
  assert.equal(pct(0.403), '40,3%');
  assert.equal(num(-1.5, 3), '-1,500');
  assert.equal(pct(0.23, 0), '23%');
  setNumberLocale('en');
  assert.equal(pct(0.403), '40.3%');
  assert.equal(num(0.98765, 4), '0.9877');
  assert.equal(num(NaN), '–');
});

/** A run's meta from [word, pieces] pairs, with the special tokens around them. */
function meta(words) {
  const all = [['[CLS]', 1, true], ...words, ['[SEP]', 1, true]];
  return { words: all.map(([text, , special]) => ({ text, special: Boolean(special) })), wordOfToken: all.flatMap(([, n], k) => Array(n).fill(k)) };
}

test('a text is read as not English when 30% or more of its words are split into pieces', () => {
  // MiniLM's pieces for the article's sentence (orquestra attention): 13 of its 17 words split.
  const article = meta([['A', 1], ['menina', 2], ['que', 1], [',', 1], ['depois', 3], ['de', 1], ['uma', 2], ['longa', 2], ['caminhada', 4], ['pelo', 2],
    ['parque', 2], [',', 1], ['adotou', 3], ['vários', 2], ['cachorros', 4], ['de', 1], ['rua', 2], [',', 1], ['estava', 2], ['radiante', 2], ['.', 1]]);
  assert.deepEqual(splitWords(article), { words: 17, split: 13, share: 13 / 17 });
  assert.ok(looksForeign(article));
  const english = meta([['The', 1], ['girl', 1], ['who', 1], [',', 1], ['adopted', 1], ['several', 1], ['stray', 1], ['dogs', 1], ['was', 1], ['radiant', 1], ['.', 1]]);
  assert.ok(!looksForeign(english));
  assert.ok(!looksForeign(meta([['Olá', 2], ['mundo', 2]])), 'too short to judge');
});

test('a head with no dominant habit says so and names the strongest measure, never content words', () => {
  const summary = { label: 'content', strength: 0.23, measures: { previous: 0.1, next: 0.05, itself: 0.08, cls: 0.23, sep: 0.02, punctuation: 0.1, sameWord: 0, entropy: 0.4 } };
  assert.equal(habitText(summary, specials(pt)), 'sem hábito dominante; o mais forte: <s> 23%');
  assert.equal(habitText(summary, specials(en)), 'no dominant habit; the most: <s> 23%');
  assert.equal(habitLabel(summary, specials(en)), 'no dominant habit; the most: <s>');
  assert.doesNotMatch(habitText(summary, specials(pt)), /conteúdo/);
  assert.equal(habitText({ ...summary, label: 'previous', strength: 0.61 }, specials(en)), 'looks at the previous word (61%)');
});

test('the verdict counts sitting judges only, says "1 de 12 juízes vota", and a comma is no word choice', () => {
  setNumberLocale('pt-BR');
  const items = ['<s>', 'menina', ',', 'radiante', '</s>'].map((text, k) => ({ text, special: k === 0 || k === 4 }));
  const judge = (head, vote, share, extra = {}) => ({ head, vote, share, self: 0.1, parked: 0.2, abstains: false, ...extra });
  const parked = (head) => judge(head, 1, 0.05, { parked: 0.8, abstains: true });
  // 12 judges: one votes menina, ten park, one dismissed (it parked too: it must not count).
  const js = [judge(0, 1, 0.403), ...Array.from({ length: 10 }, (_, k) => parked(k + 1)), { ...parked(11), dismissed: true }];
  const [first, , self] = verdictLines(js, items, 'radiante', 12, specials(pt));
  assert.match(first, /1 de 11 juízes vota aí, com 40,3%|1 de 11 juízes vota aí, com 40%/);
  assert.match(self, /10 de 11 juízes se abstêm/);
  const [firstEn] = verdictLines(js, items, 'radiante', 12, specials(en));
  assert.match(firstEn, /1 of 11 judges votes for it/);
  // Three judges give most to the comma: the verdict names punctuation, not a word choice.
  const commas = [judge(0, 2, 0.3), judge(1, 2, 0.3), judge(2, 1, 0.2), judge(3, 2, 0.1)];
  const [line] = verdictLines(commas, items, 'radiante', 3, specials(pt));
  assert.ok(isPunctuation(items[2]) && !isPunctuation(items[1]));
  assert.doesNotMatch(line, /o júri escolhe ,/);
  assert.match(line, /pontuação ","/);
  assert.match(line, /A palavra mais votada: menina/);
  setNumberLocale('en');
});

test('on a touch screen a key with a .touch variant says "toque", not "passe o mouse"', () => {
  const touch = withTouch(pt, true);
  for (const k of ['orq.hint', 'orq.start', 'matrix.point', 'jury.point', 'orq.melodyExplain', 'lesson.2.text', 'model.point']) {
    assert.doesNotMatch(touch(k), /passe o mouse/i, k);
    assert.match(touch(k), /toque|barra/i, k);
  }
  assert.equal(withTouch(pt, false)('matrix.point'), pt('matrix.point'));
  assert.equal(touch('ctl.copy'), pt('ctl.copy'), 'a key without a variant is itself');
});
