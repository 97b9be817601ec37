// The page: state in the URL hash, the engine in a worker, the four views.
import { EngineClient } from './engine/client.js';
import { parse, serialize, clamp, VIEWS } from './state.js';
import { loadMessages, browserLanguage, translator } from './i18n.js';
import { items as itemsOf, remapWord } from './units.js';
import { views, keepingFocus } from './views/index.js';
import { el } from './dom.js';
import { snippets } from './embed-snippets.js';
import { exportSvg, svgToPng, download } from './export.js';
import { instantResult } from './presets.js';

const MODEL_URL = new URL('../models/all-MiniLM-L6-v2.int8.safetensors', import.meta.url).href;
const PRESETS = ['preset.article', 'preset.articleEn', 'preset.coref'];
const $ = (id) => document.getElementById(id);

const messages = await loadMessages();
const engine = new EngineClient();
let limits = { layers: 6, heads: 12, items: 512 };
let state;
let t = translator(messages.pt);
let data = null; // { result, items } for state.sentence and state.units
let ui = { step: 2, table: false };
let running = 0;
let modelInfo = null;

function notify(notices) {
  if (!notices.length) return;
  $('notice').textContent = t('notice.clamped', { keys: notices.map((n) => n.key).join(', ') });
}

function readHash() {
  const { state: s, notices } = parse(location.hash, limits, browserLanguage());
  if (!s.sentence.trim()) s.sentence = translator(messages[s.lang])(PRESETS[0]);
  notify(notices);
  return s;
}

function writeHash() {
  const h = serialize(state);
  if (h !== location.hash) history.replaceState(null, '', h);
}

/** Changes state, keeps the hash in step, re-renders. */
function set(patch) {
  const unitsChanged = patch.units && patch.units !== state.units;
  if (unitsChanged && data) {
    // Keep the focus on the same piece of text when switching words ↔ pieces.
    patch.word = remapWord(data.result.meta, data.items, state.word, patch.units);
  }
  Object.assign(state, patch);
  if (patch.lang) applyLanguage();
  if (unitsChanged && data) data = { result: data.result, items: itemsOf(data.result.meta, state.units) };
  if (data) limits.items = data.items.length;
  if (clamp(state, limits).length) notify([{ key: 'w' }]);
  writeHash();
  render();
}

let status = ['model.loading', {}]; // re-translated when the language changes
function showStatus(key, params = {}) {
  status = [key, params];
  $('status').textContent = key ? t(key, params) : '';
}

function applyLanguage() {
  t = translator(messages[state.lang]);
  showStatus(...status);
  document.documentElement.lang = state.lang === 'pt' ? 'pt-BR' : 'en';
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  $('presets').replaceChildren(...PRESETS.map((k) => el('button', { type: 'button', text: t(`${k}.name`), onclick: () => { $('text').value = t(k); onText(); } })));
}

function controls() {
  $('views').replaceChildren(...VIEWS.map((v) => el('button', {
    type: 'button', role: 'tab', 'aria-selected': String(state.view === v), class: state.view === v ? 'on' : '',
    text: t(`view.${v}`), onclick: () => set({ view: v }),
  })));
  for (const [sel, n, key, field] of [[$('layer'), limits.layers, 'ctl.layerN', 'layer'], [$('head'), limits.heads, 'ctl.headN', 'head']]) {
    sel.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(t(key, { n: i + 1 }), String(i))));
    sel.value = String(state[field]);
  }
  $('units-words').checked = state.units === 'palavras';
  $('units-pieces').checked = state.units === 'pecas';
  $('lang').value = state.lang;
  $('show-table').checked = ui.table;
}

function render() {
  controls();
  const root = $('view');
  if (!data) return;
  const ctx = { t, set, ui, rerender: render, width: root.clientWidth || 960, narrow: (root.clientWidth || 960) < 600 };
  const view = views[state.view];
  keepingFocus(root, () => view.render(root, state, data, ctx));
  $('table').replaceChildren(ui.table ? view.tableOf(state, data, ctx) : '');
  $('table').hidden = !ui.table;
  $('view-title').textContent = t(`view.${state.view}`);
  const meta = data.result.meta;
  $('summary').textContent = t('summary', { pieces: meta.seq, words: meta.words.length - 2, layer: state.layer + 1, head: state.head + 1 })
    + (meta.truncated ? ` ${t('notice.truncated')}` : '');
}

async function compute() {
  const id = ++running;
  const text = state.sentence;
  try {
    // Before the model arrives, the examples' build-time runs make the page usable at once.
    const result = modelInfo ? await engine.run(text) : await instantResult(text);
    if (!result) { if (id === running) $('error').textContent = ''; return; }
    if (id !== running) return; // a newer sentence is on its way
    data = { result, items: itemsOf(result.meta, state.units) };
    limits.items = data.items.length;
    if (clamp(state, limits).length) { notify([{ key: 'w' }]); writeHash(); }
    $('error').textContent = '';
    render();
  } catch (e) {
    if (id !== running) return;
    $('error').textContent = /empty/.test(e.message) ? t('error.empty') : `${t('error.run')} ${e.message}`;
  }
}

let debounce = 0;
function onText() {
  state.sentence = $('text').value;
  writeHash();
  clearTimeout(debounce);
  debounce = setTimeout(compute, 250);
}

async function loadModel() {
  $('load-error').hidden = true;
  $('progress').hidden = false;
  showStatus('model.loading');
  try {
    const info = await engine.load(MODEL_URL, (got, total) => {
      $('progress').value = total ? got / total : 0;
      showStatus('model.progress', { mb: (got / 1e6).toFixed(1), total: total ? (total / 1e6).toFixed(1) : '?' });
    });
    limits = { layers: info.layers, heads: info.heads, items: limits.items };
    modelInfo = info;
    $('progress').hidden = true;
    showStatus(info.simd ? 'model.ready' : 'model.readyNoSimd', { precision: info.precision });
    compute();
  } catch (e) {
    $('progress').hidden = true;
    showStatus('');
    $('load-error').hidden = false;
    $('load-error-text').textContent = `${t('error.load')} (${e.message})`;
  }
}

function wire() {
  $('text').addEventListener('input', onText);
  $('layer').addEventListener('change', (e) => set({ layer: Number(e.target.value) }));
  $('head').addEventListener('change', (e) => set({ head: Number(e.target.value) }));
  $('units-words').addEventListener('change', () => set({ units: 'palavras' }));
  $('units-pieces').addEventListener('change', () => set({ units: 'pecas' }));
  $('lang').addEventListener('change', (e) => set({ lang: e.target.value }));
  $('show-table').addEventListener('change', (e) => { ui.table = e.target.checked; render(); });
  $('retry').addEventListener('click', loadModel);
  $('copy').addEventListener('click', async () => {
    writeHash();
    try { await navigator.clipboard.writeText(location.href); $('notice').textContent = t('notice.copied'); }
    catch { $('notice').textContent = location.href; }
  });
  const exported = () => exportSvg($('view'), state, data, t, modelInfo);
  const fileName = (ext) => `orquestra-${state.view}-l${state.layer + 1}-h${state.head + 1}.${ext}`;
  $('export-svg').addEventListener('click', () => { if (data) download(new Blob([exported().svg], { type: 'image/svg+xml' }), fileName('svg')); });
  $('export-png').addEventListener('click', async () => { if (data) download(await svgToPng(exported(), 2), fileName('png')); });
  $('embed').addEventListener('click', async () => {
    writeHash();
    const { iframe, element } = snippets(state, new URL('.', location.href).href);
    $('snippet-iframe').value = iframe;
    $('snippet-element').value = element;
    $('snippets').hidden = false;
    try { await navigator.clipboard.writeText(`${iframe}\n\n${element}`); $('notice').textContent = t('notice.embedCopied'); } catch { /* the boxes show them */ }
  });
  window.addEventListener('hashchange', () => {
    const prev = state.sentence;
    state = readHash();
    applyLanguage();
    $('text').value = state.sentence;
    if (state.sentence !== prev) compute(); else set({});
  });
  document.addEventListener('keydown', (e) => {
    if (!data || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest?.('textarea, input, select')) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const w = state.word + (e.key === 'ArrowRight' ? 1 : -1);
      set({ word: Math.min(Math.max(w, 0), data.items.length - 1) });
    }
  });
  let width = 0;
  new ResizeObserver(() => { const w = $('view').clientWidth; if (Math.abs(w - width) > 40) { width = w; render(); } }).observe($('view'));
}

state = readHash();
applyLanguage();
$('text').value = state.sentence;
writeHash();
wire();
render();
compute(); // instant view of an example, if the sentence is one
loadModel();

// Offline use: the service worker next to index.html keeps the app (see scripts/sw-template.js).
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => { /* e.g. file:// or a private mode */ });
