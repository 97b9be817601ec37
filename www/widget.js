// <orquestra-attention>: the embeddable widget. One <script type="module" src=".../widget.js">
// defines it; attributes mirror the share-link keys (state.js PARAMS: sentence, view, layer,
// head, word, units, lang, model, step, …, temperature, seed, write) plus model-src (a bundle
// URL of the host's own). model="smollm" view="proxima" is the model that writes: its next-word
// bars and Write, as on the page.
// An element without `model` reads with MiniLM, as it did before there was a choice. Everything lives in a shadow root. All
// widgets of a page share one engine and one model download. Events: 'orquestra-render'
// after each drawing, 'orquestra-change' when the user changes the state (detail: the state
// and its hash). The component itself is controller.js, the same as the page's.
import { AttentionController } from './controller.js';
import { parse, serialize, hashOfAttributes, ATTRIBUTES } from './state.js';
import { loadMessages, browserLanguage, translator, loadErrorText } from './i18n.js';
import { el, num } from './dom.js';
import { PRESET_KEYS, MODELS, limitsOf } from './config.js';

const messages = loadMessages();

class OrquestraAttention extends HTMLElement {
  static observedAttributes = [...Object.values(ATTRIBUTES), 'model-src'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.reflecting = false;
  }

  connectedCallback() {
    if (this.root) { this.refresh(); return; } // back on the page: take an engine again
    const css = new URL('./style.css', import.meta.url).href;
    this.root = el('div', { class: 'widget' });
    this.shadowRoot.append(el('link', { rel: 'stylesheet', href: css }), this.root);
    const parts = {
      tabs: el('div', { class: 'tabs', role: 'tablist' }),
      model: el('select'), layer: el('select'), head: el('select'), units: el('select'),
      tableToggle: el('input', { type: 'checkbox' }),
      summary: el('p', { class: 'summary', role: 'status' }),
      view: el('div', { class: 'view' }),
      table: el('div', { class: 'table-wrap', tabindex: 0 }),
      keys: this,
    };
    this.labels = { model: el('span'), layer: el('span'), head: el('span'), units: el('span'), table: el('span') };
    // In a narrow column the layer and head stay; the rest waits behind "more", so the
    // picture comes first (as on the page).
    this.more = el('button', { type: 'button', class: 'more', 'aria-expanded': 'false' });
    const controls = el('div', { class: 'controls' },
      el('label', {}, this.labels.layer, ' ', parts.layer), el('label', {}, this.labels.head, ' ', parts.head),
      this.more,
      el('label', { class: 'secondary' }, this.labels.model, ' ', parts.model),
      el('label', { class: 'secondary' }, this.labels.units, ' ', parts.units),
      el('label', { class: 'secondary check' }, parts.tableToggle, ' ', this.labels.table));
    this.more.addEventListener('click', () => this.more.setAttribute('aria-expanded', String(controls.classList.toggle('expanded'))));
    this.root.append(parts.tabs, controls, parts.summary, parts.view, parts.table);
    this.parts = parts;
    const announce = (type, state) => this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail: { state: { ...state }, hash: serialize(state) } }));
    this.component = new AttentionController(parts, {
      changed: (state) => { this.reflect(state); announce('orquestra-change', state); },
      rendered: (state) => announce('orquestra-render', state),
      // A guess in guess mode: {correct, rank, of} (the lesson counts them).
      guessed: (g) => this.dispatchEvent(new CustomEvent('orquestra-guess', { bubbles: true, composed: true, detail: g })),
      loading: (e) => {
        if (e.kind === 'progress' && !this.component.data) {
          parts.summary.textContent = this.t('model.progress', { model: MODELS[e.model].name, mb: num(e.got / 1e6, 1), total: e.total ? num(e.total / 1e6, 1) : '?' });
        } else if (e.kind === 'failed') {
          this.component.computed = null; // an attribute change tries again
          parts.summary.textContent = `${this.t(e.error.code === 'engine' ? 'error.engine' : 'error.load')} (${loadErrorText(this.t, e.error)})`;
        }
      },
      failed: (e) => {
        if (e) parts.summary.textContent = e.code === 'empty-text' ? this.t('error.empty') : `${this.t('error.run')} ${e.message}`;
      },
    });
    this.refresh();
  }

  disconnectedCallback() {
    this.component?.dispose();
  }

  attributeChangedCallback() {
    if (this.root && !this.reflecting) this.refresh();
  }

  async refresh() {
    const { state } = parse(hashOfAttributes((a) => this.getAttribute(a)), limitsOf, browserLanguage());
    this.t = translator((await messages)[state.lang]);
    if (!state.sentence.trim()) state.sentence = this.t(PRESET_KEYS[0]);
    for (const [k, key] of [['model', 'ctl.model'], ['layer', 'ctl.layer'], ['head', 'ctl.head'], ['units', 'ctl.units'], ['table', 'ctl.table']]) this.labels[k].textContent = this.t(key);
    this.more.textContent = this.t('ctl.more');
    this.parts.table.setAttribute('aria-label', this.t('ctl.tableRegion'));
    // model-src: a bundle URL of the host's own. Blank means none; a malformed one is said,
    // not thrown (and never fetched as the page itself).
    const src = this.getAttribute('model-src')?.trim() || null;
    let url = null;
    try {
      url = src && new URL(src, location.href).href;
    } catch {
      this.parts.summary.textContent = this.t('error.modelSrc', { src: src.slice(0, 80) });
      return;
    }
    this.component.setOverride(url);
    // Coalesce bursts of attribute changes (a script setting several at once) into one run.
    this.component.show(state, this.t, this.component.data ? 120 : 0);
  }

  /** A change made by the reader, reflected into the attributes that describe the state (all
   *  but the sentence, which only the host sets). */
  reflect(state) {
    this.reflecting = true;
    const values = new URLSearchParams(serialize(state).slice(1));
    for (const [k, a] of Object.entries(ATTRIBUTES)) {
      if (k === 's') continue; // the host's text: a reader cannot change it here
      if (!values.has(k)) this.removeAttribute(a); // an optional key with nothing in it (x=)
      else if (this.getAttribute(a) !== values.get(k)) this.setAttribute(a, values.get(k));
    }
    this.reflecting = false;
  }
}

if (!customElements.get('orquestra-attention')) customElements.define('orquestra-attention', OrquestraAttention);
