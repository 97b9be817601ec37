// <orquestra-attention>: the embeddable widget. One <script type="module" src=".../widget.js">
// defines it; attributes mirror the share-link keys (sentence, view, layer, head, word, units,
// lang) plus model-src. Everything lives in a shadow root. All widgets of a page share one
// engine and one model download. Events: 'orquestra-render' after each drawing,
// 'orquestra-change' when the user changes the state (detail: the state and its hash).
import { sharedEngine } from './engine/client.js';
import { parse, serialize, clamp, VIEWS } from './state.js';
import { loadMessages, browserLanguage, translator } from './i18n.js';
import { items as itemsOf, remapWord } from './units.js';
import { views, keepingFocus } from './views/index.js';
import { el } from './dom.js';
import { instantResult } from './presets.js';

export const DEFAULT_MODEL = new URL('../models/all-MiniLM-L6-v2.int8.safetensors', import.meta.url).href;
const KEYS = { s: 'sentence', v: 'view', l: 'layer', h: 'head', w: 'word', u: 'units', lang: 'lang' };
const messages = loadMessages();

/** The share-link hash an element's attributes describe (so links and attributes share one parser). */
export function hashOfAttributes(element) {
  return '#' + Object.entries(KEYS).filter(([, a]) => element.hasAttribute(a))
    .map(([k, a]) => `${k}=${encodeURIComponent(element.getAttribute(a))}`).join('&');
}

class OrquestraAttention extends HTMLElement {
  static observedAttributes = [...Object.values(KEYS), 'model-src', 'step'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.ui = { step: 2, table: false };
    this.limits = { layers: 6, heads: 12, items: 512 };
    this.data = null;
    this.computed = null; // the sentence `data` belongs to
    this.reflecting = false;
  }

  connectedCallback() {
    if (this.root) return;
    const css = new URL('./style.css', import.meta.url).href;
    this.root = el('div', { class: 'widget' });
    this.shadowRoot.append(el('link', { rel: 'stylesheet', href: css }), this.root);
    this.tabs = el('div', { class: 'tabs', role: 'tablist' });
    this.layer = el('select', { onchange: (e) => this.change({ layer: Number(e.target.value) }) });
    this.head = el('select', { onchange: (e) => this.change({ head: Number(e.target.value) }) });
    this.units = el('select', { onchange: (e) => this.change({ units: e.target.value }) });
    this.tableBox = el('input', { type: 'checkbox', onchange: (e) => { this.ui.table = e.target.checked; this.render(); } });
    this.labels = { layer: el('span'), head: el('span'), units: el('span'), table: el('span') };
    this.status = el('p', { class: 'summary', role: 'status' });
    this.view = el('div', { class: 'view' });
    this.table = el('div', { class: 'table-wrap', tabindex: 0 });
    this.root.append(this.tabs,
      el('div', { class: 'controls' },
        el('label', {}, this.labels.layer, ' ', this.layer), el('label', {}, this.labels.head, ' ', this.head),
        el('label', {}, this.labels.units, ' ', this.units), el('label', {}, this.tableBox, ' ', this.labels.table)),
      this.status, this.view, this.table);
    this.addEventListener('keydown', (e) => {
      if (!this.data || !['ArrowLeft', 'ArrowRight'].includes(e.key) || e.composedPath()[0].closest?.('select, input')) return;
      e.preventDefault();
      this.change({ word: Math.min(Math.max(this.state.word + (e.key === 'ArrowRight' ? 1 : -1), 0), this.data.items.length - 1) });
    });
    let width = 0;
    new ResizeObserver(() => { if (Math.abs(this.clientWidth - width) > 40) { width = this.clientWidth; this.render(); } }).observe(this);
    this.refresh();
  }

  attributeChangedCallback() {
    if (this.root && !this.reflecting) this.refresh();
  }

  async refresh() {
    const { state } = parse(hashOfAttributes(this), this.limits, browserLanguage());
    // Optional: which step of the orchestra's arithmetic to show (1-4), used by the lesson.
    const step = Number(this.getAttribute('step'));
    if (Number.isInteger(step) && step >= 1 && step <= 4) this.ui.step = step - 1;
    this.t = translator((await messages)[state.lang]);
    if (!state.sentence.trim()) state.sentence = this.t('preset.article');
    this.state = state;
    const model = this.getAttribute('model-src') || DEFAULT_MODEL;
    if (this.computed === `${model}\n${state.sentence}`) { this.render(); return; }
    // Coalesce bursts of attribute changes (a script setting several at once) into one run.
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.compute(model), this.data ? 120 : 0);
  }

  async compute(model) {
    const key = `${model}\n${this.state.sentence}`;
    this.computed = key;
    const { client, ready } = sharedEngine(model, (got, total) => {
      if (!this.data) this.status.textContent = this.t('model.progress', { mb: (got / 1e6).toFixed(1), total: total ? (total / 1e6).toFixed(1) : '?' });
    });
    try {
      if (!this.data && model === DEFAULT_MODEL) {
        // Show the build-time run of an example while the model downloads.
        const instant = await instantResult(this.state.sentence);
        if (instant && this.computed === key) { this.data = { result: instant, items: itemsOf(instant.meta, this.state.units) }; this.render(); }
      }
      const info = await ready;
      this.limits = { ...this.limits, layers: info.layers, heads: info.heads };
      const result = await client.run(this.state.sentence);
      if (this.computed !== key) return;
      this.data = { result, items: itemsOf(result.meta, this.state.units) };
      this.render();
    } catch (e) {
      if (this.computed !== key) return;
      this.computed = null;
      this.status.textContent = `${this.t(/empty/.test(e.message) ? 'error.empty' : 'error.load')} (${e.message})`;
    }
  }

  /** A change made by the user: reflected into the attributes, announced, drawn. */
  change(patch) {
    if (patch.units && this.data) {
      patch.word = remapWord(this.data.result.meta, this.data.items, this.state.word, patch.units);
    }
    Object.assign(this.state, patch);
    this.reflecting = true;
    for (const [k, a] of Object.entries(KEYS)) {
      if (k === 's' && !this.hasAttribute('sentence')) continue;
      const value = new URLSearchParams(serialize(this.state).slice(1)).get(k);
      if (this.getAttribute(a) !== value) this.setAttribute(a, value);
    }
    this.reflecting = false;
    this.render();
    this.dispatchEvent(new CustomEvent('orquestra-change', { bubbles: true, composed: true, detail: { state: { ...this.state }, hash: serialize(this.state) } }));
  }

  render() {
    if (!this.data || !this.state) return;
    const { t, state } = this;
    if (this.data.items.length && itemsOf(this.data.result.meta, state.units).length !== this.data.items.length) {
      this.data = { result: this.data.result, items: itemsOf(this.data.result.meta, state.units) };
    }
    clamp(state, { ...this.limits, items: this.data.items.length });
    this.tabs.replaceChildren(...VIEWS.map((v) => el('button', {
      type: 'button', role: 'tab', 'aria-selected': String(state.view === v), class: state.view === v ? 'on' : '',
      text: t(`view.${v}`), onclick: () => this.change({ view: v }),
    })));
    for (const [sel, n, key, field] of [[this.layer, this.limits.layers, 'ctl.layerN', 'layer'], [this.head, this.limits.heads, 'ctl.headN', 'head']]) {
      sel.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(t(key, { n: i + 1 }), String(i))));
      sel.value = String(state[field]);
    }
    this.units.replaceChildren(new Option(t('ctl.words'), 'palavras'), new Option(t('ctl.pieces'), 'pecas'));
    this.units.value = state.units;
    for (const [k, key] of [['layer', 'ctl.layer'], ['head', 'ctl.head'], ['units', 'ctl.units'], ['table', 'ctl.table']]) this.labels[k].textContent = t(key);
    this.table.setAttribute('aria-label', t('ctl.tableRegion'));
    const width = this.view.clientWidth || this.clientWidth || 600;
    const ctx = { t, set: (p) => this.change(p), ui: this.ui, rerender: () => this.render(), width, narrow: width < 600 };
    const view = views[state.view];
    keepingFocus(this.view, () => view.render(this.view, state, this.data, ctx));
    this.table.replaceChildren(this.ui.table ? view.tableOf(state, this.data, ctx) : '');
    this.table.hidden = !this.ui.table;
    this.status.textContent = t('summary', { pieces: this.data.result.meta.seq, words: this.data.result.meta.words.length - 2, layer: state.layer + 1, head: state.head + 1 });
    this.dispatchEvent(new CustomEvent('orquestra-render', { bubbles: true, composed: true, detail: { state: { ...state }, hash: serialize(state) } }));
  }
}

if (!customElements.get('orquestra-attention')) customElements.define('orquestra-attention', OrquestraAttention);
