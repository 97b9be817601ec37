// The attention component: the one implementation of state → controls → view, hosted by the
// page (index.html, app.js) and by <orquestra-attention> (widget.js: the widget, embed.html
// and the lesson). A host hands over its elements and hears back through hooks; its own
// chrome (text box, presets, language, links, export) stays outside.
import { clamp, headFlags, engineText, rankingKey, MAX_ENGINE_CHARS } from './state.js';
import { hasValues } from './engine/run.js';
import { items as itemsOf, remapWord } from './units.js';
import { views, loadView, keepingFocus } from './views/index.js';
import { el, num, grouped, setNumberLocale } from './dom.js';
import { withSpecials, withTouch, withCausal, touchScreen } from './i18n.js';
import { instantResult } from './presets.js';
import { MODELS, MODEL_KEYS, limitsOf, viewsOf } from './config.js';
import { rankHeads, findItem } from './paths.js';

const FORM_FIELDS = 'textarea, input, select';
// Modules a first drawing does without, asked for when needed (a first visit on a slow link waits
// for every module of the page before it draws, six at a time): the engine's client (once the
// example is drawn, the model's download), the measure of a dismissal (the ranking of judges),
// and the test of an English-only model's text (when such a model is shown).
let engine = null; // engine/client.js, once loaded
const loadEngine = () => import('./engine/client.js').then((m) => (engine = m));
let language = null; // language.js, once loaded
const loadLanguage = () => import('./language.js').then((m) => (language = m));
let channels = 0;

export class AttentionController {
  /**
   * parts: { tabs, model, layer, head, units, tableToggle, summary, view, table, title? }, where
   *   `units` is a <select> or { palavras: <input type=radio>, pecas: <input type=radio> },
   *   and `keys` is the element whose ArrowLeft/ArrowRight move the focus.
   * hooks (all optional):
   *   changed(state)  the reader changed the state: the host writes its hash or attributes
   *   clamped(keys)   the run made some values out of range and they were adjusted
   *   loading(event)  {kind: 'progress', got, total, model} | {kind: 'ready', info, model} |
   *                   {kind: 'failed', error, model}, where model is the model's key
   *   failed(error)   a run failed (error.code: 'empty-text', …), or null after a good run
   *   rendered(state) after each drawing
   */
  constructor(parts, hooks = {}) {
    this.parts = parts;
    this.hooks = hooks;
    this.state = null;
    this.data = null; // { result, items } of the computed sentence in state.units
    this.limits = limitsOf(null);
    this.ui = { table: false }; // the table toggle and what a view keeps between drawings: not in links
    this.t = (key) => key;
    this.model = null; // the bundle's URL: the state's model's, or the host's own (override)
    this.override = null;
    this.info = null; // the model's info once it has loaded
    this.focusAt = null; // on a model switch: the char the focused word starts at
    this.ready = null; // Promise<info | null> of the current load
    this.running = 0; // id of the latest run: older results are dropped
    this.runState = null; // where the latest run stands (markRun)
    this.channel = ++channels; // this component's runs, apart from other widgets' on one engine
    this.ablateChannel = ++channels; // its runs with dismissed judges (they must not supersede the plain one)
    this.ablating = 0; // id of the latest ablated run asked for
    this.rankChannel = ++channels; // the ranking's one-head ablations
    this.secondChannel = ++channels; // the comparison's second sentence
    this.rolloutChannel = ++channels; // the rollout, for the Flow view (runs do not carry it)
    this.rollingOut = null; // the result whose rollout has been asked for
    this.seconding = 0; // id of the latest second-sentence run asked for
    this.seekWord = null; // the next result opens with this word conducting (comparisons)
    this.ranking = null; // { key, done, total, results, cancelled } of the influence ranking
    this.computed = null; // `${model}\n${sentence}` of the last run asked for
    this.seek = null; // [from, to]: the next result opens on the head linking these words
    this.writing = null; // { prompt, text, tokens: [{id, p, text}], done, error } of a model that writes (view proxima)
    this.wire();
  }

  wire() {
    const { model, layer, head, units, tableToggle, keys, view } = this.parts;
    model?.addEventListener('change', (e) => this.change({ model: e.target.value }));
    layer.addEventListener('change', (e) => this.change({ layer: Number(e.target.value) }));
    head.addEventListener('change', (e) => this.change({ head: Number(e.target.value) }));
    if (units instanceof HTMLSelectElement) units.addEventListener('change', (e) => this.change({ units: e.target.value }));
    else for (const [value, radio] of Object.entries(units)) radio.addEventListener('change', () => this.change({ units: value }));
    tableToggle.addEventListener('change', (e) => { this.ui.table = e.target.checked; this.render(); });
    keys.addEventListener('keydown', (e) => {
      if (!this.data || e.altKey || e.ctrlKey || e.metaKey || !['ArrowLeft', 'ArrowRight'].includes(e.key)) return;
      if (e.composedPath()[0].closest?.(FORM_FIELDS)) return;
      e.preventDefault();
      const w = this.state.word + (e.key === 'ArrowRight' ? 1 : -1);
      this.change({ word: Math.min(Math.max(w, 0), this.data.items.length - 1) });
    });
    // Numbers in this component's language (dom.js): set before its views' handlers run, which
    // format the value under the pointer or a tapped musician's arithmetic (capture phase: first).
    for (const type of ['pointermove', 'pointerover', 'mouseover', 'pointerdown', 'click', 'focusin', 'keydown']) {
      view.addEventListener(type, () => setNumberLocale(this.t('locale')), true);
    }
    let width = 0;
    new ResizeObserver(() => { if (Math.abs(view.clientWidth - width) > 40) { width = view.clientWidth; this.render(); } }).observe(view);
  }

  /** The host's state (from a link or attributes), translated with `t`; runs the sentence if
   *  it is new, after `delay` ms (coalescing bursts of changes). */
  show(state, t, delay = 0) {
    this.state = state;
    this.t = t;
    this.syncModel();
    clamp(state, { ...this.limits, items: 512 });
    if (this.computed === `${this.model}\n${state.sentence}`) { this.render(); this.computeAblated(); this.computeSecond(); this.rankFromLink(); return; }
    // The controls at once; a run of another sentence is not drawn with this state (its
    // word index belongs to the new sentence): it stays until the new run arrives.
    if (!this.data) this.render();
    this.later(delay);
  }

  /** A bundle URL of the host's own (the widget's model-src), instead of the state's model. */
  setOverride(url) {
    this.override = url || null;
  }

  /** The bundle for the state's model (or the host's own); a new one is loaded on the next run. */
  syncModel() {
    const url = this.override ?? MODELS[this.state.model].url;
    if (url === this.model) return;
    this.stopWriting(false);
    if (this.model) engine?.releaseEngine(this.model, this); // (no engine before the module came)
    if (MODELS[this.state.model]?.english && !language) loadLanguage().catch(() => {});
    this.model = url;
    this.info = null;
    this.ready = null;
    this.computed = null;
    this.limits = { ...limitsOf(this.state.model), items: this.limits.items };
  }

  /** The host is gone (a widget removed from its page): its engine may stop. */
  dispose() {
    clearTimeout(this.debounce);
    if (this.model) engine?.releaseEngine(this.model, this);
    this.model = null;
    this.info = null;
    this.ready = null;
    this.computed = null;
  }

  /** Runs the current sentence after `delay` ms, unless another call comes first. */
  later(delay) {
    clearTimeout(this.debounce);
    this.stopWriting(false); // a new text or model: the old writing stops (latest wins)
    this.computed = `${this.model}\n${this.state.sentence}`;
    this.markRun('waiting');
    if (delay === 0 && !this.data) {
      // Nothing drawn yet (a first visit): the run starts before this task ends, so an example
      // whose build-time run is already in (early.js) is drawn in the page's first frame, not
      // after a frame of placeholder (a phone laid the page out and painted it twice).
      const soon = this.debounce = {};
      queueMicrotask(() => { if (this.debounce === soon) this.compute(); });
      return;
    }
    this.debounce = setTimeout(() => this.compute(), delay);
  }

  /** A change made by the reader: applied, announced to the host, drawn. */
  change(patch) {
    if (patch.model && patch.model !== this.state.model && this.data) {
      // The new model splits the text its own way: keep the focus on the same text.
      const item = this.data.items[this.state.word];
      this.focusAt = this.data.result.meta.tokens[item?.tokens[0] ?? 0]?.span.char_start ?? null;
    }
    if (patch.units && patch.units !== this.state.units && this.data) {
      // Keep the focus on the same piece of text when switching words ↔ pieces.
      patch.word = remapWord(this.data.result.meta, this.data.items, this.state.word, patch.units);
    }
    Object.assign(this.state, patch);
    this.syncModel();
    this.syncItems();
    if ('ablate' in patch) this.computeAblated();
    if ('sentence2' in patch) this.computeSecond();
    if (patch.sentence !== undefined && !patch.model) this.later(0);
    if (this.data && clamp(this.state, this.limits).length) this.hooks.clamped?.(['w']);
    this.hooks.changed?.(this.state);
    this.render();
    if (patch.model) this.later(0);
  }

  /** Starts (or joins) the model's download; resolves with its info, or null on failure. */
  load() {
    if (this.ready) return this.ready;
    const model = this.model, key = this.state.model;
    this.progress = null;
    this.ready = loadEngine().then(({ sharedEngine }) => {
      if (model !== this.model) return null; // another model was asked for meanwhile
      const { client, ready } = sharedEngine(model, (got, total) => {
        this.progress = { got, total, key };
        if (!this.data) this.placeholder();
        this.hooks.loading?.({ kind: 'progress', got, total, model: key });
      }, this);
      this.client = client;
      return ready;
    }).then((info) => {
      if (model !== this.model) return null;
      this.info = info;
      this.limits = { ...this.limits, layers: info.layers, heads: info.heads };
      this.hooks.loading?.({ kind: 'ready', info, model: key });
      return info;
    }, (error) => {
      if (model === this.model) {
        this.ready = null;
        this.progress = { failed: error };
        if (!this.data) this.placeholder();
        this.hooks.loading?.({ kind: 'failed', error, model: key });
      }
      return null;
    });
    return this.ready;
  }

  /** Runs the current sentence: the build-time example at once if it is one and the model
   *  has not arrived, then the live engine. Only the latest call's result is shown. */
  async compute() {
    const id = ++this.running;
    const full = this.state.sentence;
    this.computed = `${this.model}\n${full}`;
    const text = engineText(full), cut = text.length < full.length;
    if (!this.info && !this.override) {
      const instant = await instantResult(this.state.model, text);
      if (instant && id === this.running) {
        this.accept(instant, text);
        await instant.more; // its scores (steps 1-2), before the model's download begins
        if (this.data?.result === instant) this.render();
      }
    }
    const info = await this.load();
    if (id !== this.running) return;
    if (!info) { this.markRun('failed'); return; } // (the failure itself is reported by load())
    try {
      const result = await this.client.run(text, this.channel);
      if (id !== this.running) return; // a newer sentence is on its way
      this.accept(result, text, cut);
      this.hooks.failed?.(null);
      this.computeAblated();
      this.computeSecond();
      this.rankFromLink();
    } catch (error) {
      // A newer text, or a switch that stopped this engine, has its own run coming.
      if (id !== this.running || ['superseded', 'stopped'].includes(error.code)) return;
      this.computed = null; // the same text may be tried again
      this.markRun('failed');
      this.hooks.failed?.(error);
    }
  }

  /** The next result opens with word `from` conducting, at the head of any layer that gives
   *  word `to` the most (an example's own pair; ignored if the sentence lacks either). */
  seekPath(from, to) {
    this.seek = [from, to];
  }

  /** A run of `text` arrives: it becomes what the views draw. `cut`: the text is the
   *  beginning of a longer one (engineText). */
  accept(result, text, cut = false) {
    // (the second sentence's run stays when the model is the same: it does not depend on the first)
    const second = this.data?.second?.model === this.model ? this.data.second : null;
    this.runState = result.example ? 'example' : 'live';
    this.data = { result, items: itemsOf(result.meta, this.state.units), units: this.state.units, text, cut, ablated: null, second };
    if (this.seekWord) {
      const w = findItem(this.data.items, this.seekWord);
      this.seekWord = null;
      if (w >= 0) { this.state.word = w; this.hooks.changed?.(this.state); }
    }
    this.limits.items = this.data.items.length;
    if (this.seek) {
      const [from, to] = this.seek.map((w) => findItem(this.data.items, w));
      this.seek = null;
      if (from >= 0 && to >= 0) {
        const [best] = rankHeads(result, this.data.items, from, to);
        Object.assign(this.state, { word: from, layer: best.layer, head: best.head });
        this.ui.target = to;
        this.hooks.changed?.(this.state);
      }
    }
    if (this.focusAt !== null) {
      // After a model switch: the item holding the char the focused word started at.
      const at = this.focusAt;
      const token = result.meta.tokens.findIndex((tok) => tok.span.char_start <= at && at < tok.span.char_end);
      const item = this.data.items.findIndex((it) => it.tokens.includes(token));
      if (item >= 0) this.state.word = item;
      this.focusAt = null;
      this.hooks.changed?.(this.state);
    }
    const changed = clamp(this.state, this.limits);
    if (changed.length) this.hooks.clamped?.(changed);
    this.render();
  }

  /**
   * The run with the state's dismissed judges (state.ablate), beside the plain one: data.ablated
   * = { spec, result } once it is in (views compare the two). Runs on its own channel; only
   * the latest request is drawn.
   */
  async computeAblated() {
    const spec = this.state.ablate, base = this.data?.result;
    if (!spec || !base || !hasValues(base) || !this.info) {
      if (this.data?.ablated) { this.data.ablated = null; this.render(); }
      return;
    }
    if (this.data.ablated?.spec === spec && this.data.ablated.base === base) return;
    const id = ++this.ablating;
    const off = headFlags(spec, base.meta.layers, base.meta.heads);
    try {
      // The views compare its attention (Model grid, orchestra table), hidden (an encoder's
      // cosines) and next (a decoder's next word).
      const result = await this.client.run(this.data.text, this.ablateChannel, off, ['attention', 'hidden', 'next']);
      if (id !== this.ablating || this.data?.result !== base) return;
      this.data.ablated = { spec, base, result };
      this.render();
    } catch (error) {
      if (id !== this.ablating || ['superseded', 'stopped'].includes(error.code)) return;
      this.hooks.failed?.(error);
    }
  }

  /**
   * The rollout of the run shown (data.result.rollout), which runs do not carry: only the Flow
   * view reads it, and asks. One more run of the text, on its own channel, copying the rollout
   * alone; asked once per result.
   */
  async computeRollout() {
    const base = this.data?.result;
    if (!base || base.rollout || !hasValues(base) || !this.info || this.rollingOut === base) return;
    this.rollingOut = base;
    try {
      const { rollout } = await this.client.run(this.data.text, this.rolloutChannel, null, ['rollout']);
      if (this.data?.result !== base) return;
      base.rollout = rollout;
      this.render();
    } catch (error) {
      if (this.rollingOut === base) this.rollingOut = null; // a later drawing asks again
      if (this.data?.result !== base || ['superseded', 'stopped'].includes(error.code)) return;
      this.hooks.failed?.(error);
    }
  }

  /**
   * The most influential judges: one run per head with that head alone dismissed. An encoder's
   * are ranked for the focused word, by how far its final vector moves (1 − cosine); a model
   * that writes, for its next word, by how much probability that word loses (its first
   * candidate with every judge). Runs in the worker one head at a time, so the page stays live;
   * `cancelRanking()` stops it. The result is kept on `this.ranking` and drawn by the jury.
   */
  async rankHeads() {
    const base = this.data?.result, item = this.data?.items[this.state.word];
    if (!base || !hasValues(base) || !this.info || !item) return;
    const causal = Boolean(base.meta.causal), target = causal ? base.next?.[0] : null;
    if (causal && !target) return;
    const { layers, heads } = base.meta;
    const ranking = {
      key: rankingKey(this.state, this.data), word: causal ? target.text : item.text, target,
      done: 0, total: layers * heads, results: [], cancelled: false, started: performance.now(),
    };
    this.ranking = ranking;
    const { moved } = await import('./ablation.js');
    if (this.ranking !== ranking) return;
    if (!this.state.rank) this.change({ rank: true }); // the link says so: it reopens the ranking
    else this.render();
    for (let k = 0; k < layers * heads && !ranking.cancelled; k++) {
      const off = new Uint8Array(layers * heads);
      off[k] = 1;
      try {
        // (what each measure reads: an encoder's final vectors; a decoder's next-token probabilities)
        const run = await this.client.run(this.data.text, this.rankChannel, off, causal ? ['next', 'probs'] : ['hidden']);
        if (this.ranking !== ranking) return;
        if (ranking.cancelled) break; // (the run under way at Cancel is not counted: "Cancelled after N" stays N)
        const [layer, head] = [Math.floor(k / heads), k % heads];
        if (causal) {
          const p = run.probs[target.id];
          ranking.results.push({ layer, head, shift: target.p - p, p, first: run.next[0] });
        } else {
          ranking.results.push({ layer, head, shift: 1 - moved(base, run, item).word });
        }
      } catch (error) {
        if (['superseded', 'stopped'].includes(error.code)) return;
        ranking.error = error.message;
        break;
      }
      ranking.done = k + 1;
      if (k % 4 === 3 || k + 1 === layers * heads) this.render(); // progress, not a repaint per run
    }
    ranking.ms = performance.now() - ranking.started;
    ranking.results.sort((a, b) => b.shift - a.shift);
    if (this.ranking === ranking) this.render();
  }

  cancelRanking() {
    if (this.ranking) this.ranking.cancelled = true;
    this.change({ rank: false });
  }

  /** A link with k=1 ranks the judges for its focused word once the live run is in. */
  rankFromLink() {
    if (this.state.rank && this.info && this.data?.result && this.ranking?.key !== rankingKey(this.state, this.data)) this.rankHeads();
  }

  /** The comparison's second sentence (state.sentence2), run beside the first on its own
   *  channel: data.second = { text, result, items } once it is in. */
  async computeSecond() {
    const text = this.state.sentence2;
    if (!text?.trim() || !this.data || !this.info) return;
    if (this.data.second?.text === text && this.data.second.model === this.model && this.data.second.units === this.state.units) return;
    const id = ++this.seconding, data = this.data, model = this.model;
    try {
      const result = await this.client.run(text, this.secondChannel);
      if (id !== this.seconding || this.data !== data) return;
      this.data.second = { text, model, result, items: itemsOf(result.meta, this.state.units), units: this.state.units };
      this.render();
    } catch (error) {
      if (id !== this.seconding || ['superseded', 'stopped'].includes(error.code)) return;
      this.hooks.failed?.(error);
    }
  }

  /**
   * A model that writes writes up to state.write tokens after the text, in its worker, each
   * token drawn as it arrives (this.writing); at the end (the limit, the end-of-text token, or
   * Stop) what it wrote is appended to the text, so the link holds it. A newer text or model
   * stops it and nothing is appended.
   */
  async write() {
    if (!this.info?.decoder || !this.data || this.writing?.busy || this.data.result.meta.truncated) return;
    const prompt = this.data.text, { temperature, seed, write: tokens } = this.state;
    // (pieces: the prompt's, which the new tokens' attention rows begin with)
    const writing = { prompt, text: '', tokens: [], busy: true, keep: false, started: performance.now(), pieces: this.data.result.meta.tokens.map((tok) => tok.text) };
    this.writing = writing;
    this.render();
    let frame = 0;
    try {
      const result = await this.client.generate(prompt, { tokens, temperature, seed }, (token) => {
        if (this.writing !== writing) return;
        if (writing.tokens.length) writing.tokens[writing.tokens.length - 1].attention = null; // the newest row is drawn
        writing.tokens.push(token);
        writing.text = token.text;
        // one drawing per frame, however fast the tokens come
        if (!frame) frame = requestAnimationFrame(() => { frame = 0; if (this.writing === writing) this.render(); });
      });
      writing.text = result.text;
      writing.ended = result.ended;
      writing.keep = true;
    } catch (error) {
      if (error.code !== 'superseded' && error.code !== 'stopped') { writing.error = error; this.hooks.failed?.(error); }
    }
    writing.busy = false;
    writing.ms = performance.now() - writing.started;
    if (this.writing !== writing) return;
    if (writing.keep && this.state.sentence === prompt && writing.text) {
      writing.appended = true;
      this.change({ sentence: prompt + writing.text }); // (which ends any writing: this one is kept to show)
      this.writing = writing;
      this.render();
    } else {
      this.render();
    }
  }

  /** Stops the writing under way; `keep`: what it wrote so far is appended (the Stop button). */
  stopWriting(keep = true) {
    const writing = this.writing;
    if (!writing?.busy) { if (!keep) this.writing = null; return; }
    writing.keep = keep;
    if (!keep) this.writing = null;
    this.client?.stop().catch(() => {});
  }

  /** The logit lens at token `position` of the run shown (view lente): data.lens = {position,
   *  layers} once in; asked once per result and position. */
  async computeLens(position) {
    const data = this.data;
    if (!this.info?.decoder || !data || data.lens?.position === position || data.lensAsked === position) return;
    data.lensAsked = position;
    try {
      const layers = await this.client.lens(data.text, position, 5);
      if (this.data !== data) return;
      data.lens = { position, layers };
      this.render();
    } catch (error) {
      if (data.lensAsked === position) data.lensAsked = null;
      if (this.data !== data || ['superseded', 'stopped'].includes(error.code)) return;
      this.hooks.failed?.(error);
    }
  }

  /** The next word: the text gets one of the guesses (a click on its bar). */
  appendGuess(text) {
    if (this.writing?.busy) return;
    this.writing = null;
    this.change({ sentence: this.state.sentence + text });
  }

  /** Opens a comparison: two sentences, the first conducted by `word`. */
  compare(a, b, word) {
    this.seekWord = word;
    this.change({ view: 'comparar', sentence: a, sentence2: b, word2: -1 });
  }

  /** The items follow the units (a switch, or a host that changed them). */
  syncItems() {
    if (!this.data || this.data.units === this.state.units) return;
    const second = this.data.second && { ...this.data.second, items: itemsOf(this.data.second.result.meta, this.state.units), units: this.state.units };
    this.data = { ...this.data, items: itemsOf(this.data.result.meta, this.state.units), units: this.state.units, second };
    this.limits.items = this.data.items.length;
  }

  controls() {
    const { t, state, limits } = this;
    const { tabs, model, layer, head, units, tableToggle } = this.parts;
    // Each control is rebuilt only when what it lists changed (the language, the model, the
    // view, the layer and head counts), and a value is set only when it differs: replacing a
    // select's options is a form change that Chrome's autofill answers in a task of its own by
    // reading every field of the page, the text box included (240 ms with a 3e7-character word
    // in it), and new tabs dirty the layout the view's drawing then reads (at 510 items).
    const was = this.shownControls ?? {};
    const changed = (key, value) => was[key] !== value;
    if (model) {
      if (changed('t', t) || !model.options.length) {
        model.replaceChildren(...MODEL_KEYS.map((k) => {
          const m = MODELS[k];
          // (a model that writes names its languages in words: "Gemma 3 270M · português e inglês · escreve texto")
          const languages = m.writes ? t(`lang.${m.languages.replace('+', '')}`) : m.languages;
          return new Option(t(m.writes ? 'ctl.modelWriter' : 'ctl.modelN', { name: m.name, languages, layers: m.layers, heads: m.heads, mb: num(m.mb, 1) }), k);
        }));
      }
      if (model.value !== state.model) model.value = state.model;
    }
    const tabKey = `${state.model}\n${state.view}`;
    if (changed('t', t) || changed('tabs', tabKey)) {
      tabs.replaceChildren(...[...viewsOf(state.model), ...(viewsOf(state.model).includes(state.view) ? [] : [state.view])].map((v) => el('button', {
        type: 'button', role: 'tab', 'aria-selected': String(state.view === v), class: state.view === v ? 'on' : '',
        text: t(`view.${v}`), onclick: () => this.change({ view: v }),
      })));
    }
    // A phone's tabs scroll sideways: the open view's tab is brought into the row's sight
    // (the row alone scrolls, not the page).
    // Read in the next frame, once, when the view changed: a read here would force a layout of
    // the whole page in the middle of drawing (a 500-row list).
    const on = tabs.querySelector('.on');
    if (on && this.tabShown !== state.view) {
      this.tabShown = state.view;
      requestAnimationFrame(() => {
        if (tabs.scrollWidth <= tabs.clientWidth) return;
        const left = on.offsetLeft - tabs.offsetLeft;
        if (left < tabs.scrollLeft || left + on.offsetWidth > tabs.scrollLeft + tabs.clientWidth) tabs.scrollLeft = left - (tabs.clientWidth - on.offsetWidth) / 2;
      });
    }
    for (const [sel, n, key, field] of [[layer, limits.layers, 'ctl.layerN', 'layer'], [head, limits.heads, 'ctl.headN', 'head']]) {
      if (changed('t', t) || sel.options.length !== n) sel.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(t(key, { n: i + 1 }), String(i))));
      if (sel.value !== String(state[field])) sel.value = String(state[field]);
    }
    if (units instanceof HTMLSelectElement) {
      if (changed('t', t) || !units.options.length) units.replaceChildren(new Option(t('ctl.words'), 'palavras'), new Option(t('ctl.pieces'), 'pecas'));
      if (units.value !== state.units) units.value = state.units;
    } else {
      for (const [value, radio] of Object.entries(units)) if (radio.checked !== (state.units === value)) radio.checked = state.units === value;
    }
    if (tableToggle.checked !== this.ui.table) tableToggle.checked = this.ui.table;
    this.shownControls = { t, tabs: tabKey };
  }

  /** What a view draws with: the language (its strings name the model's own special tokens,
   *  {start} and {end}), the step, its width; live, a way to change the state. */
  context() {
    const width = this.parts.view.clientWidth || 960;
    // (touch screens read "toque" where a mouse reads "passe o mouse": the keys' .touch variants)
    // (a model that writes reads a key's `.causal` variant where there is one: its first word, not [CLS])
    const meta = this.data?.result.meta;
    const t = withTouch(withCausal(withSpecials(this.t, meta), meta?.causal, Boolean(meta?.words[0]?.special)), touchScreen());
    setNumberLocale(this.t('locale'));
    return {
      t, set: (p) => this.change(p), ui: this.ui, rerender: () => this.render(), width, narrow: width < 600,
      rollout: () => this.computeRollout(),
      guessed: (g) => this.hooks.guessed?.(g),
      compare: (a, b, word) => this.compare(a, b, word),
      model: this.state?.model, info: this.info, writing: this.writing,
      write: () => this.write(), lens: (position) => this.computeLens(position), stopWriting: () => this.stopWriting(true), appendGuess: (text) => this.appendGuess(text),
      ranking: this.ranking, rank: () => this.rankHeads(), cancelRanking: () => this.cancelRanking(),
    };
  }

  /** Before the first result: the view area says what is coming (the model's download and
   *  its progress, or that it failed), never a blank box. */
  placeholder() {
    const { view } = this.parts;
    setNumberLocale(this.t('locale'));
    let box = view.querySelector(':scope > .view-loading');
    if (!box) {
      box = el('div', { class: 'view-loading', role: 'status' }, el('p'), el('progress', { max: 1 }));
      view.replaceChildren(box);
    }
    const p = this.progress ?? {};
    const [line, bar] = box.children;
    if (p.failed) {
      line.textContent = this.t(p.failed.code === 'engine' ? 'error.engine' : 'error.load');
      bar.hidden = true;
      return;
    }
    bar.hidden = false;
    if (p.total) bar.value = p.got / p.total; else bar.removeAttribute('value');
    line.textContent = p.key
      ? this.t('model.progress', { model: MODELS[p.key].name, mb: num(p.got / 1e6, 1), total: p.total ? num(p.total / 1e6, 1) : '?' })
      : this.t('model.loading');
  }

  /**
   * An English-only model reading a sentence that is not English (language.js measures it on
   * the run: the share of words split into pieces): a line at the top of the view says so, with
   * one tap to the multilingual model. Links keep their meaning (no m= is MiniLM); this only
   * offers the switch.
   */
  foreignLine(ctx) {
    const { state, data, parts } = this;
    const other = MODEL_KEYS.find((k) => !MODELS[k].english);
    if (this.override || !MODELS[state.model].english || !other) return;
    if (!language) { loadLanguage().then(() => this.render(), () => {}); return; } // (asked for with the model: rarely still on its way)
    if (!language.looksForeign(data.result.meta)) return;
    const { split, words } = language.splitWords(data.result.meta);
    parts.view.prepend(el('p', { class: 'foreign-line', role: 'status' },
      ctx.t('model.foreign', { split, words }), ' ',
      el('button', { type: 'button', class: 'foreign-switch', text: ctx.t('model.foreignSwitch'), onclick: () => this.change({ model: other }) })));
  }

  /**
   * A model with terms of its own (Gemma): under the view, in every host (page, widget, lesson),
   * what it is, what its sliding window means here, its trimmed vocabulary, and its terms of use
   * and notice, linked (they are shipped beside the file).
   */
  aboutLine(ctx) {
    const { state, parts, info } = this;
    const m = MODELS[state.model];
    parts.view.querySelector(':scope > .model-about')?.remove(); // (a view may keep its children between drawings)
    if (this.override || !m?.terms || !info) return; // (its numbers are the loaded model's)
    const trimmed = info.sourceVocab > info.vocabSize ? ` ${ctx.t('model.trimmed', { kept: grouped(info.vocabSize, ctx.t('locale')), source: grouped(info.sourceVocab, ctx.t('locale')) })}` : '';
    parts.view.append(el('div', { class: 'model-about' },
      el('p', { class: 'note', text: `${ctx.t(`model.about.${state.model}`, { max: this.maxPieces() })}${trimmed} ${ctx.t('model.terms')}` }),
      el('p', { class: 'note model-terms' },
        el('a', { href: m.terms, target: '_blank', rel: 'noopener', text: ctx.t('model.termsLink') }),
        el('a', { href: m.notice, target: '_blank', rel: 'noopener', text: ctx.t('model.noticeLink') }))));
  }

  /** A view this model does not offer (a link naming the jury with the model that writes):
   *  the view says so, with a tap to the views it has. */
  unavailable() {
    const { t, state, parts } = this;
    parts.view.replaceChildren(el('div', { class: 'next-encoder' },
      el('p', { text: t('view.unavailable', { view: t(`view.${state.view}`), model: MODELS[state.model].name }) }),
      ...viewsOf(state.model).map((v) => el('button', { type: 'button', class: 'next-switch', text: t(`view.${v}`), onclick: () => this.change({ view: v }) }))));
    parts.table.replaceChildren('');
    parts.table.hidden = true;
    if (parts.title) parts.title.textContent = t(`view.${state.view}`);
    this.hooks.rendered?.(state);
  }

  /** The most pieces the model reads: its own max_position_embeddings (at most 512). */
  maxPieces() {
    return this.info?.maxTokens ?? 512;
  }

  render() {
    if (!this.state) return;
    const { t, state, parts } = this;
    setNumberLocale(t('locale'));
    this.syncItems();
    if (this.data) clamp(state, this.limits);
    this.controls();
    if (!this.data) { this.placeholder(); this.markRun(); return; }
    if (!viewsOf(state.model).includes(state.view) && !['proxima', 'lente'].includes(state.view)) { this.unavailable(); this.markRun(); return; } // (those two say themselves that an encoder does not write)
    const view = views[state.view];
    if (!view) { // its module arrives in a moment: then this draws again
      loadView(state.view).then(() => this.render(), (error) => this.hooks.failed?.(error));
      return;
    }
    const ctx = this.context();
    keepingFocus(parts.view, () => view.render(parts.view, state, this.data, ctx));
    this.foreignLine(ctx);
    this.aboutLine(ctx);
    parts.table.replaceChildren(this.ui.table ? view.tableOf(state, this.data, ctx) : '');
    parts.table.hidden = !this.ui.table;
    if (parts.title) parts.title.textContent = t(`view.${state.view}`);
    const meta = this.data.result.meta;
    parts.summary.textContent = ctx.t(meta.causal ? 'summary.causal' : 'summary', { pieces: meta.seq, words: meta.words.filter((w) => !w.special).length, layer: state.layer + 1, head: state.head + 1 })
      + (this.data.cut ? ` ${t('notice.textCut', { n: grouped(MAX_ENGINE_CHARS, t('locale')) })}` : '')
      + (meta.truncated && !this.data.cut ? ` ${t('notice.truncated', { n: this.maxPieces() })}` : '');
    this.markRun();
    this.hooks.rendered?.(state);
  }

  /**
   * Where the latest text's run stands, on the view as data-run once drawn: `waiting` (a run is
   * coming), `example` (the build-time run, the model not in yet), `live` (the engine's run),
   * `failed`. Tests act on `live` or `failed`: before that, the live run may redraw under them.
   */
  markRun(run = this.runState) {
    this.runState = run;
    if (run) this.parts.view.dataset.run = run;
  }
}
