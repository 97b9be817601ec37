// The page: its own chrome (text box, examples, language, link, embed snippets, export, the
// model's download) around the attention component (controller.js), state in the URL hash.
import { AttentionController } from './controller.js';
import { parse, serialize, MAX_SENTENCE } from './state.js';
import { loadMessages, browserLanguage, translator, loadErrorText } from './i18n.js';
import { el, num, pct, setNumberLocale } from './dom.js';
import { PRESET_KEYS, PRESET_PATHS, MODELS, MODEL_KEYS, FRESH_MODEL, limitsOf } from './config.js';

const $ = (id) => document.getElementById(id);

const messages = await loadMessages();
let t = translator(messages.pt);

const component = new AttentionController({
  tabs: $('views'), model: $('model'), layer: $('layer'), head: $('head'),
  units: { palavras: $('units-words'), pecas: $('units-pieces') },
  tableToggle: $('show-table'), summary: $('summary'), view: $('view'), table: $('table'), title: $('view-title'),
  keys: document,
}, {
  changed: (state) => {
    if (clampedShown) { $('notice').textContent = ''; clampedShown = false; }
    if ($('text').value !== state.sentence) $('text').value = state.sentence; // a comparison's example, a written text
    $('sentence-preview').textContent = state.sentence.slice(0, MAX_SENTENCE); // (a phone's one-line sentence follows it)
    writeHash();
    showModelNote(state);
  },
  clamped: (keys) => { notify(keys); writeHash(); },
  loading: showLoading,
  failed: (e) => {
    $('error').textContent = !e ? '' : e.code === 'empty-text' ? t('error.empty') : `${t('error.run')} ${e.message}`;
  },
});

let clampedShown = false; // the notice says values were adjusted: it goes with the next change
function notify(keys) {
  if (!keys.length) return;
  $('notice').textContent = t('notice.clamped', { keys: keys.join(', ') });
  clampedShown = true;
}

/** The state a link describes; an empty sentence is the first example's, in its language.
 *  A fresh visit (no hash at all) opens the model that reads Portuguese. */
function readHash() {
  const { state, notices } = parse(location.hash, limitsOf, browserLanguage());
  if (!location.hash.replace(/^#/, '')) { // a fresh visit: the article, on its interesting head
    state.model = FRESH_MODEL;
    component.seekPath(...PRESET_PATHS[PRESET_KEYS[0]]);
  }
  if (!state.sentence.trim()) state.sentence = translator(messages[state.lang])(PRESET_KEYS[0]);
  notify(notices.map((n) => n.key));
  return state;
}

function writeHash() {
  const h = serialize(component.state);
  if (h !== location.hash) history.replaceState(null, '', h);
  if (component.state.sentence.length > MAX_SENTENCE) $('notice').textContent = t('notice.linkCut', { n: MAX_SENTENCE, pieces: component.maxPieces() });
}

let status = ['model.loading', {}]; // re-translated when the language changes
function showStatus(key, params = {}) {
  status = [key, params];
  $('status').textContent = key ? t(key, params) : '';
}

/** The note that the English model splits Portuguese words, shown only for that model. */
function showModelNote(state) {
  $('english-note').hidden = !MODELS[state.model].english;
}

function showLoading(e) {
  if (e.kind === 'progress') {
    $('progress').hidden = false;
    $('progress').value = e.total ? e.got / e.total : 0;
    showStatus('model.progress', { model: MODELS[e.model].name, mb: num(e.got / 1e6, 1), total: e.total ? num(e.total / 1e6, 1) : '?' });
  } else if (e.kind === 'ready') {
    $('progress').hidden = true;
    showStatus(e.info.simd ? 'model.ready' : 'model.readyNoSimd', { precision: e.info.precision });
    showAccuracy(e.info);
  } else {
    $('progress').hidden = true;
    showStatus('');
    $('load-error').hidden = false;
    const what = e.error.code === 'engine' ? t('error.engine') : t('error.load');
    $('load-error-text').textContent = `${what} (${MODELS[e.model].name}: ${loadErrorText(t, e.error)})`;
  }
}

/** What the numbers are worth: the error the bundle measured against full precision. */
let accuracy = null; // re-translated when the language changes
function showAccuracy(info = accuracy) {
  accuracy = info;
  if (!info || info.precision === 'f32') { $('accuracy').textContent = ''; return; }
  const precision = { int8: 'int8', q4_0: t('model.fourBit'), f16: 'f16' }[info.precision] ?? info.precision;
  const a = info.accuracy;
  $('accuracy').textContent = a
    ? t('model.accuracy', { precision, diff: num(a.maxAttentionDiff, 3), n: a.sentences, same: pct(a.sameTopKey) })
    : t(info.sourceVocab > info.vocabSize ? 'model.unmeasuredTrimmed' : 'model.unmeasured', { precision });
}

/** Starts the model's download (the first run joins it); after a failure, `retry` runs the
 *  sentence once the model is there. */
function loadModel(retry = false) {
  $('load-error').hidden = true;
  $('progress').hidden = false;
  showStatus('model.loading');
  const ready = component.load();
  if (retry) ready.then((info) => { if (info) component.compute(); });
}

function applyLanguage(lang) {
  t = translator(messages[lang]);
  component.t = t;
  setNumberLocale(t('locale'));
  showStatus(...status);
  showAccuracy();
  document.documentElement.lang = lang === 'pt' ? 'pt-BR' : 'en';
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  $('presets').replaceChildren(...PRESET_KEYS.map((k) => el('button', { type: 'button', text: t(`${k}.name`), onclick: () => { $('text').value = t(k); if (PRESET_PATHS[k]) component.seekPath(...PRESET_PATHS[k]); onText(); } })));
  $('lang').value = lang;
  $('lesson-link').href = `aula.html#lang=${lang}`;
}

function onText() {
  component.state.sentence = $('text').value;
  writeHash();
  component.later(250);
}

/** Opens the state of the current link (on load and when the hash changes). */
function fromHash() {
  const state = readHash();
  applyLanguage(state.lang);
  $('text').value = state.sentence;
  $('sentence-preview').textContent = state.sentence.slice(0, MAX_SENTENCE);
  component.show(state, t);
  showModelNote(state);
  writeHash();
}

function wire() {
  $('text').addEventListener('input', onText);
  $('lang').addEventListener('change', (e) => { applyLanguage(e.target.value); component.change({ lang: e.target.value }); });
  $('retry').addEventListener('click', () => loadModel(true));
  // The page stays usable when one model cannot load: the other one may.
  $('other-model').addEventListener('click', () => {
    const other = MODEL_KEYS.find((k) => k !== component.state.model);
    $('load-error').hidden = true;
    component.change({ model: other });
    loadModel();
  });
  $('copy').addEventListener('click', async () => {
    writeHash();
    try { await navigator.clipboard.writeText(location.href); $('notice').textContent = t('notice.copied'); }
    catch { $('notice').textContent = location.href; }
  });
  const fileName = (ext) => `orquestra-${component.state.view}-l${component.state.layer + 1}-h${component.state.head + 1}.${ext}`;
  /** Makes and downloads the export; one that cannot be made says so. */
  // The export and the snippets load when first asked for (a first visit does without them).
  const exporter = () => import('./export.js');
  const exporting = (ext, blobOf) => async () => {
    if (!component.data) return;
    try {
      const { exportSvg, download } = await exporter();
      download(await blobOf(exportSvg(component.state, component.data, component.context(), component.info), await exporter()), fileName(ext));
    } catch (e) {
      $('notice').textContent = t('export.failed', { reason: e.message });
    }
  };
  $('export-svg').addEventListener('click', exporting('svg', (e) => new Blob([e.svg], { type: 'image/svg+xml' })));
  $('export-png').addEventListener('click', exporting('png', (e, { svgToPng }) => svgToPng(e, 2)));
  $('embed').addEventListener('click', async () => {
    writeHash();
    const { snippets } = await import('./embed-snippets.js');
    const { iframe, element } = snippets(component.state, new URL('.', location.href).href);
    $('snippet-iframe').value = iframe;
    $('snippet-element').value = element;
    $('snippets').hidden = false;
  });
  // One copy button per snippet: a teacher pastes one of them, not both.
  for (const button of document.querySelectorAll('.copy-snippet')) {
    button.addEventListener('click', async () => {
      const box = $(button.dataset.for);
      try { await navigator.clipboard.writeText(box.value); $('notice').textContent = t('notice.snippetCopied'); } catch { box.select(); }
    });
  }
  window.addEventListener('hashchange', fromHash);
  // Phones: the model, units, table and exports behind one button, so the view comes first.
  $('more-controls').addEventListener('click', () => {
    const open = $('controls').classList.toggle('expanded');
    $('more-controls').setAttribute('aria-expanded', String(open));
  });
}

/** A share link opened on a phone: the sentence on one line with an edit button, so the
 *  picture comes first. */
function collapseEditor() {
  $('input').classList.add('collapsed');
  $('sentence-preview').textContent = $('text').value.slice(0, MAX_SENTENCE); // one line: a paste of megabytes is not drawn
  $('edit-sentence').addEventListener('click', () => {
    $('input').classList.remove('collapsed');
    $('edit-sentence').setAttribute('aria-expanded', 'true');
    $('text').focus();
  }, { once: true });
}

wire();
// The instant view of an example, if the sentence is one; the model's download starts once
// that run is in (on a slow link the two would share it), or at once for any other sentence.
fromHash();
if (/(^#|&)s=/.test(location.hash) && matchMedia('(max-width: 600px)').matches) collapseEditor();

// Offline use: the service worker next to index.html keeps the app (see scripts/sw-template.js).
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => { /* e.g. file:// or a private mode */ });
