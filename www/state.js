// The page's state and its URL hash: the public, stable link format (README "Share links").
// One declarative table; parse() never throws, clamps what is out of range and reports it.
import { DEFAULT_LIMITS, MODEL_KEYS, LINK_MODEL, writerFor } from './config.js';

export const VIEWS = ['orquestra', 'juri', 'matriz', 'modelo', 'fluxo', 'comparar', 'proxima', 'lente'];
/** Writing (view proxima): temperature 0 is greedy; a link without temp/seed/n writes greedy. */
export const MAX_TEMPERATURE = 2;
export const MAX_WRITE = 100; // tokens one Write writes at most
export const UNITS = ['palavras', 'pecas'];
export const LANGS = ['pt', 'en'];
export const MAX_SENTENCE = 2000; // characters kept from a link; the engine reads at most 512 pieces
/** Characters of a text the engine is given (the tokenizer's own bound, src/tokenizer
 *  MAX_TEXT_CHARS): a paste of megabytes with no space would cost seconds to copy and read. */
export const MAX_ENGINE_CHARS = 131_072;

/** The prefix of `text` the engine reads: at most MAX_ENGINE_CHARS UTF-16 units, never half a
 *  surrogate pair. */
export function engineText(text) {
  if (text.length <= MAX_ENGINE_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[MAX_ENGINE_CHARS - 1]) ? MAX_ENGINE_CHARS - 1 : MAX_ENGINE_CHARS;
  return text.slice(0, end);
}

/**
 * key -> { field, attr, parse(raw, limits) -> value | undefined, format(value) -> string }.
 * `field` is the state's name, `attr` the <orquestra-attention> attribute's; a value reads
 * the same in a link and in an attribute (layer and head 1-based, word 0-based).
 */
const int = (field, attr, base, limitKey) => ({
  field,
  attr,
  parse(raw, limits) {
    if (!/^[+-]?\d{1,9}$/.test(raw)) return undefined;
    const n = Number(raw) - base;
    const max = limits[limitKey] - 1;
    return Math.min(Math.max(n, 0), max);
  },
  format: (v) => String(v + base),
});
const choice = (field, attr, options) => ({
  field,
  attr,
  parse: (raw) => (options.includes(raw) ? raw : undefined),
  format: (v) => v,
});

/** Dismissed heads, "3.7,6.9" (layer.head, 1-based): sorted, each once; entries that name no
 *  head of the model are dropped (a notice says the link changed). Same rules as the CLI's
 *  --ablate (src/model/mask.rs). */
export function parseHeads(raw, limits) {
  const keep = new Set();
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^(\d{1,3})\.(\d{1,3})$/.exec(entry);
    if (m && +m[1] >= 1 && +m[1] <= limits.layers && +m[2] >= 1 && +m[2] <= limits.heads) keep.add((+m[1] - 1) * limits.heads + (+m[2] - 1));
  }
  return [...keep].sort((a, b) => a - b).map((i) => `${Math.floor(i / limits.heads) + 1}.${(i % limits.heads) + 1}`).join(',');
}

/** The (L·H) flags, 1 = dismissed, of a canonical spec (the engine's runMasked). */
export function headFlags(spec, layers, heads) {
  const off = new Uint8Array(layers * heads);
  for (const entry of spec ? spec.split(',') : []) {
    const [l, h] = entry.split('.').map(Number);
    off[(l - 1) * heads + (h - 1)] = 1;
  }
  return off;
}

/** What a ranking of judges measured, so a drawn one is known to be current: an encoder's is for
 *  the focused item in the units shown; a model that writes ranks for its next word, whatever
 *  the focus. */
export const rankingKey = (state, data) => (data.result.meta.causal ? `${data.text}\nnext` : `${data.text}\n${state.units}\n${state.word}`);

/** An on/off key written only when on: 1 or 0. */
const flag = (field, attr) => ({ field, attr, parse: (raw) => (raw === '1' ? true : raw === '0' ? false : undefined), format: (v) => (v ? '1' : '0'), optional: true });

/** Whether an optional key has something to say (it is left out of links otherwise). */
const present = (spec, v) => !spec.optional || (spec.empty !== undefined ? v !== spec.empty : Boolean(v));

export const PARAMS = {
  // A link carries the first MAX_SENTENCE characters (browsers drop URLs of megabytes; the page
  // says when it cut), the text box keeps all of it.
  s: { field: 'sentence', attr: 'sentence', parse: (raw) => raw.slice(0, MAX_SENTENCE), format: (v) => v.slice(0, MAX_SENTENCE) },
  v: choice('view', 'view', VIEWS),
  l: int('layer', 'layer', 1, 'layers'),
  h: int('head', 'head', 1, 'heads'),
  w: int('word', 'word', 0, 'items'),
  u: choice('units', 'units', UNITS),
  lang: choice('lang', 'lang', LANGS),
  m: choice('model', 'model', MODEL_KEYS),
  // The orchestra's step of the arithmetic: 1 q·k, 2 ÷√d, 3 softmax, 4 Σ a·v.
  st: int('step', 'step', 1, 'steps'),
  // Dismissed judges (head ablation); written only when some are.
  x: { field: 'ablate', attr: 'ablate', parse: (raw, limits) => parseHeads(raw, limits), format: (v) => v, optional: true },
  // The jury's ranking of the most influential judges for the focused word, run on opening.
  k: flag('rank', 'rank'),
  // Guess before reveal: the orchestra hides the weights until the learner picks a musician.
  p: flag('guess', 'guess'),
  // The comparison's second sentence (view comparar), and its conductor (-1: the shared word).
  s2: { field: 'sentence2', attr: 'sentence2', parse: (raw) => raw.slice(0, MAX_SENTENCE), format: (v) => v.slice(0, MAX_SENTENCE), optional: true },
  w2: { ...int('word2', 'word2', 0, 'items'), optional: true, empty: -1 },
  // Writing (view proxima, a model that writes): the temperature (0 greedy, up to 2, two
  // decimals), the sampler's seed, the tokens one Write writes. Written only when not the
  // default, so a shared link writes the same text.
  temp: {
    field: 'temperature', attr: 'temperature', optional: true, empty: 0,
    parse(raw) {
      if (!/^\d{1,3}(\.\d{1,6})?$/.test(raw)) return undefined;
      return Math.min(Math.round(Number(raw) * 100) / 100, MAX_TEMPERATURE);
    },
    format: (v) => String(v),
  },
  seed: { field: 'seed', attr: 'seed', optional: true, empty: 1, parse: (raw) => (/^\d{1,10}$/.test(raw) ? Math.min(Number(raw), 2 ** 32 - 1) : undefined), format: (v) => String(v) },
  n: { field: 'write', attr: 'write', optional: true, empty: 20, parse: (raw) => (/^\d{1,9}$/.test(raw) ? Math.min(Math.max(Number(raw), 1), MAX_WRITE) : undefined), format: (v) => String(v) },
};

/** The element's attribute for each link key: { s: 'sentence', v: 'view', … }. */
export const ATTRIBUTES = Object.fromEntries(Object.entries(PARAMS).map(([key, spec]) => [key, spec.attr]));

/** [attribute, value] for every key of a state, in the table's order (snippets, lesson). */
export function attributesOf(state) {
  return Object.values(PARAMS).filter((spec) => present(spec, state[spec.field]))
    .map((spec) => [spec.attr, spec.format(state[spec.field])]);
}

/** The link hash that the attributes an element carries describe (`get(attr)` → string or
 *  null), so attributes and links share one parser. */
export function hashOfAttributes(get) {
  return '#' + Object.entries(ATTRIBUTES).filter(([, a]) => get(a) !== null)
    .map(([k, a]) => `${k}=${encodeURIComponent(get(a))}`).join('&');
}

export function defaults(lang = 'pt') {
  return { sentence: '', view: 'orquestra', layer: 0, head: 0, word: 1, units: 'palavras', lang, model: LINK_MODEL, step: 2, ablate: '', rank: false, guess: false, sentence2: '', word2: -1, temperature: 0, seed: 1, write: 20 };
}

function decode(raw) {
  try {
    return decodeURIComponent(raw.replace(/\+/g, '%20'));
  } catch {
    // Malformed percent-encoding: keep the text as typed rather than lose it.
    return raw;
  }
}

/**
 * Parses a location.hash. limits = { layers, heads, items } bound the numbers, or is a
 * function of the link's model giving them (layers differ between models).
 * Returns { state, notices } where notices name each value that was out of range or invalid.
 */
export function parse(hash, limits = DEFAULT_LIMITS, lang = 'pt') {
  const state = defaults(lang);
  const notices = [];
  const text = String(hash ?? '').replace(/^#/, '');
  if (!text) return { state, notices };
  const raws = new Map();
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    // unknown keys are ignored; the first of a duplicate wins
    if (Object.hasOwn(PARAMS, key) && !raws.has(key)) raws.set(key, decode(eq < 0 ? '' : pair.slice(eq + 1)));
  }
  // A link that names a view of the model that writes (the next word, the lens) and no model
  // opens the model that writes in its language (Gemma in Portuguese, SmolLM2 in English): with
  // MiniLM those views only said that it does not write. Every other link without m= is MiniLM.
  if (!raws.has('m') && ['proxima', 'lente'].includes(raws.get('v'))) {
    state.model = writerFor(LANGS.includes(raws.get('lang')) ? raws.get('lang') : state.lang);
  }
  // The model first: it bounds the layer and head.
  const order = [...raws.keys()].sort((a, b) => (b === 'm') - (a === 'm'));
  for (const key of order) {
    const spec = PARAMS[key], raw = raws.get(key);
    const value = spec.parse(raw, typeof limits === 'function' ? limits(state.model) : limits);
    if (value === undefined) {
      notices.push({ key, raw: raw.slice(0, 40), kind: 'invalid' });
    } else {
      if (spec.format(value) !== raw) notices.push({ key, raw: raw.slice(0, 40), kind: 'clamped' });
      state[spec.field] = value;
    }
  }
  return { state, notices };
}

const encode = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The hash for a state, keys in the table's order. */
export function serialize(state) {
  return '#' + Object.entries(PARAMS).filter(([, spec]) => present(spec, state[spec.field]))
    .map(([key, spec]) => `${key}=${encode(spec.format(state[spec.field]))}`).join('&');
}

/** Clamps layer/head/word to what the model and the sentence have; returns the keys changed. */
export function clamp(state, limits) {
  const changed = [];
  for (const [key, field, max] of [['l', 'layer', limits.layers], ['h', 'head', limits.heads], ['w', 'word', limits.items]]) {
    const v = Math.min(Math.max(state[field], 0), Math.max(max - 1, 0));
    if (v !== state[field]) { state[field] = v; changed.push(key); }
  }
  return changed;
}
