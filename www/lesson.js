// The guided lesson (aula.html): six steps along the article's arc, then three on a model that
// writes, in the lesson's language (Gemma 3 270M in Portuguese, SmolLM2-135M in English), each a
// real state of the live widget. A step's link is aula.html#passo=N&lang=xx.
import './widget.js';
import { loadMessages, browserLanguage, translator, withTouch, touchScreen } from './i18n.js';
import { serialize, attributesOf, defaults } from './state.js';

const SENTENCE = 'A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante.';
// The multilingual model, layer 12, head 1: where "radiante" looks most at "menina" in word
// mode (40.3%; measured with `orquestra attention --model models/e5-small-enpt.q4_0.safetensors`
// on this sentence, the word's row as the mean over its pieces and each column the sum). In
// MiniLM the best head is layer 6, head 9 at 18.3%. Word 20 is "radiante" in both.
const FOCUS = { sentence: SENTENCE, layer: 11, head: 0, word: 20, units: 'palavras', model: 'e5pt' };
// q·k exists piece by piece: step 2 reads the sentence in pieces, "▁radi" (piece 25) conducting.
// Steps 1 and 3 ask for a guess before the weights show (guess mode); the last step counts them.
const WRITER = 'The capital of France is';
const GATO = 'O gato subiu no telhado porque';
/** A step's state: its own, or its language's (the writing steps: { pt, en }). */
export const stepOf = (n, lang) => { const s = STEPS[n - 1]; return s[lang] ?? s.en ?? s; };
export const STEPS = [
  { ...FOCUS, view: 'orquestra', step: 2, guess: true },
  { ...FOCUS, view: 'orquestra', step: 0, units: 'pecas', word: 25 },
  { ...FOCUS, view: 'orquestra', step: 2, word: 13, guess: true }, // "adotou" conducts
  { ...FOCUS, view: 'orquestra', step: 3 },
  { ...FOCUS, view: 'juri', step: 2 },
  { ...FOCUS, view: 'modelo', step: 2 },
  // The model that writes: in English SmolLM2 (m=smollm), measured with the CLI on
  // models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf; in Portuguese Gemma 3 270M (m=gemma),
  // measured on the page's bundle models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf.
  // 7. causal mask. en: "France" (piece 3) in layer 3, head 1 hears only "The capital of France";
  //    "The" takes 47.5% (`orquestra attention` row: The 0.475, capital 0.125, of 0.309, France 0.091).
  //    pt: "subiu" (word 3: sub + iu) in layer 9, head 3 hears only "<bos> O gato subiu"; "gato"
  //    takes 53.1%, <bos> 24.1% (`orquestra attention`, the word's row the mean of its pieces' rows,
  //    each column summed over the word's pieces: <bos> 0.2414, O 0.1086, gato 0.5310, subiu 0.1190).
  {
    en: { sentence: WRITER, model: 'smollm', view: 'orquestra', layer: 2, head: 0, word: 3, units: 'pecas', step: 2 },
    pt: { sentence: GATO, model: 'gemma', view: 'orquestra', layer: 8, head: 2, word: 3, units: 'palavras', step: 2 },
  },
  // 8. next word. en: " Paris" 77.3%, " the" 6.5%, " London" 1.2% (`orquestra generate --tokens 1
  //    --top 5`). pt: after "O gato subiu no telhado porque", " o" 18.76%, " ele" 15.32%, " a" 8.83%.
  {
    en: { sentence: WRITER, model: 'smollm', view: 'proxima', word: 4, units: 'pecas', step: 2 },
    pt: { sentence: GATO, model: 'gemma', view: 'proxima', word: 6, units: 'palavras', step: 2 },
  },
  // 9. generation, greedy, ten tokens. en: "Once upon a time, the city of Nova Haven was a
  //    thriving metropolis" (`orquestra generate "Once upon a time" --tokens 10`). pt: "Era uma
  //    vez, quando o tempo estava mais frio, o vento" (the smallest lead over the runner-up 0.047).
  {
    en: { sentence: 'Once upon a time', model: 'smollm', view: 'proxima', word: 3, units: 'pecas', step: 2, write: 10 },
    pt: { sentence: 'Era uma vez', model: 'gemma', view: 'proxima', word: 3, units: 'palavras', step: 2, write: 10 },
  },
];
// The encoders' arc ends at step 6: the guesses of steps 1 and 3 are counted there.
const SCORE_STEP = 6;

const $ = (id) => document.getElementById(id);
const widget = $('widget');

/** The widget's attributes for the step in the link: set before anything is awaited, so the
 *  widget's first drawing is this step's (on a slow link it had drawn the default model's
 *  example first, then this one). */
function applyStep() {
  const { n, lang } = read();
  const attrs = attributesOf({ ...defaults(lang), ...stepOf(n, lang), lang }); // a step names only what it sets
  for (const a of ['guess', 'temperature', 'seed', 'write']) if (!attrs.some(([k]) => k === a)) widget.removeAttribute(a); // a step without it
  for (const [k, v] of attrs) if (widget.getAttribute(k) !== String(v)) widget.setAttribute(k, v);
}
applyStep();
const messages = await loadMessages();

function read() {
  const params = new URLSearchParams(location.hash.slice(1));
  const n = Math.min(Math.max(parseInt(params.get('passo') ?? '1', 10) || 1, 1), STEPS.length);
  const lang = ['pt', 'en'].includes(params.get('lang')) ? params.get('lang') : browserLanguage();
  return { n, lang };
}

function show() {
  const { n, lang } = read();
  const t = withTouch(translator(messages[lang]), touchScreen()); // "toque" on a touch screen
  const s = stepOf(n, lang);
  document.documentElement.lang = lang === 'pt' ? 'pt-BR' : 'en';
  document.title = t('lesson.title');
  $('lesson-title').textContent = t('lesson.title');
  $('lang').value = lang;
  $('lesson-count').textContent = t('lesson.stepOf', { n, total: STEPS.length });
  $('lesson-step-title').textContent = t(`lesson.${n}.title`);
  $('lesson-text').textContent = t(`lesson.${n}.text`);
  // On a phone the text shows its first lines and the widget follows at once; "read all"
  // opens the rest. Shown only when the text is cut.
  $('lesson-text').classList.remove('open');
  $('read-all').setAttribute('aria-expanded', 'false');
  $('read-all').textContent = t('lesson.readAll');
  requestAnimationFrame(() => { $('read-all').hidden = $('lesson-text').scrollHeight <= $('lesson-text').clientHeight + 1; });
  document.querySelector('.lesson-nav').setAttribute('aria-label', t('lesson.nav'));
  $('prev').textContent = t('lesson.prev');
  $('next').textContent = t('lesson.next');
  $('prev').disabled = n === 1;
  $('next').disabled = n === STEPS.length;
  $('copy-step').textContent = t('lesson.copy');
  $('open-page').textContent = t('lesson.open');
  $('open-page').href = `index.html${serialize({ ...defaults(lang), ...s, lang })}`;
  applyStep();
  const guesses = Object.values(readGuesses());
  $('lesson-score').textContent = n === SCORE_STEP && guesses.length
    ? t('lesson.score', { right: guesses.filter(Boolean).length, total: guesses.length }) : '';
}

// The learner's guesses in this lesson, by step: { n: true | false } (this tab only).
const GUESSES = 'orquestra-lesson-guesses';
function readGuesses() {
  try { return JSON.parse(sessionStorage.getItem(GUESSES) ?? '{}'); } catch { return {}; }
}
widget.addEventListener('orquestra-guess', (e) => {
  const all = readGuesses();
  all[read().n] = e.detail.correct;
  try { sessionStorage.setItem(GUESSES, JSON.stringify(all)); } catch { /* private mode: not counted */ }
});

const go = (patch) => {
  const { n, lang } = { ...read(), ...patch };
  location.hash = `passo=${n}&lang=${lang}`;
};
$('read-all').addEventListener('click', () => {
  const open = $('lesson-text').classList.toggle('open');
  $('read-all').setAttribute('aria-expanded', String(open));
  $('read-all').textContent = translator(messages[read().lang])(open ? 'lesson.readLess' : 'lesson.readAll');
});
$('prev').addEventListener('click', () => go({ n: read().n - 1 }));
$('next').addEventListener('click', () => go({ n: read().n + 1 }));
$('lang').addEventListener('change', (e) => go({ lang: e.target.value }));
$('copy-step').addEventListener('click', async () => {
  const t = translator(messages[read().lang]);
  try { await navigator.clipboard.writeText(location.href); $('notice').textContent = t('notice.copied'); } catch { $('notice').textContent = location.href; }
});
window.addEventListener('hashchange', show);
show();
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => {});
