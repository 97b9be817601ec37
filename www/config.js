// What the page, the widget, the embed and the lesson share: the models, the limits before a
// model has said its own, and the examples (their texts live in i18n/*.json).

/**
 * The models, by their share-link key (`m`). `url` is the bundle next to www/ (make build
 * writes both; make dist copies them); the rest is what the model switch shows.
 */
export const MODELS = {
  e5pt: {
    url: new URL('../models/e5-small-enpt.q4_0.safetensors', import.meta.url).href,
    name: 'multilingual-e5-small', languages: 'pt+en', layers: 12, heads: 12, mb: 24.1, english: false,
  },
  minilm: {
    url: new URL('../models/all-MiniLM-L6-v2.int8.safetensors', import.meta.url).href,
    name: 'all-MiniLM-L6-v2', languages: 'en', layers: 6, heads: 12, mb: 24.3, english: true,
  },
  // A model that writes (issue 24): SmolLM2-135M-Instruct's GGUF as published (make model),
  // downloaded only when picked. English; causal attention, 9 query heads on 3 key/value heads.
  // (`english` is the encoders' note and switch, which name MiniLM: not for this one.)
  smollm: {
    url: new URL('../models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf', import.meta.url).href,
    name: 'SmolLM2-135M', languages: 'en', layers: 30, heads: 9, mb: 98.4, english: false, writes: true,
  },
  // The model that writes Portuguese (issue 25): Gemma 3 270M's GGUF with its vocabulary trimmed
  // to the pieces Portuguese and English use (`orquestra trim`), downloaded only when picked.
  // 18 layers × 4 query heads on 1 key/value head; a <bos> token before the text. Gemma terms
  // of use: `terms` and `notice` are shipped beside the file (make dist) and linked where it is
  // picked (controller.js terms line).
  gemma: {
    url: new URL('../models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf', import.meta.url).href,
    name: 'Gemma 3 270M', languages: 'pt+en', layers: 18, heads: 4, mb: 104.8, english: false, writes: true,
    terms: new URL('../models/gemma3-270m/GEMMA_TERMS.html', import.meta.url).href,
    notice: new URL('../models/gemma3-270m/NOTICE.txt', import.meta.url).href,
  },
};

/** The model that writes for a language: Gemma for Portuguese, SmolLM2 for English. A link that
 *  names a writing view (v=proxima, v=lente) and no model opens it (state.js parse); the next-word
 *  view offers it to a reader on an encoder. */
export const WRITERS = { pt: 'gemma', en: 'smollm' };
export const writerFor = (lang) => WRITERS[lang] ?? WRITERS.en;

/** The views a model offers: a model that writes has the next word and the lens beside the
 *  views every model has, which read its causal attention as they read an encoder's (its jury's
 *  measures, rollout and hidden states are computed from its own run: engine/decoder.js). */
export const viewsOf = (key) => (modelOf(key)?.writes
  ? ['orquestra', 'proxima', 'lente', 'juri', 'matriz', 'modelo', 'fluxo', 'comparar']
  : ['orquestra', 'juri', 'matriz', 'modelo', 'fluxo', 'comparar']);
export const MODEL_KEYS = Object.keys(MODELS);

/** A fresh visit (no link) opens the model that reads Portuguese. */
export const FRESH_MODEL = 'e5pt';
/** A link or an element that names no model means MiniLM: every link made before `m`
 *  existed keeps its meaning. */
export const LINK_MODEL = 'minilm';

/** Until a model has loaded: its layers and heads, and BERT's 512 positions. */
export const modelOf = (key) => (typeof key === 'string' && Object.hasOwn(MODELS, key) ? MODELS[key] : null); // own keys only
export const limitsOf = (key) => ({ layers: modelOf(key)?.layers ?? 12, heads: modelOf(key)?.heads ?? 12, items: 512, steps: 4 });
export const DEFAULT_LIMITS = Object.freeze({ layers: 12, heads: 12, items: 512, steps: 4 });

/** The examples, by their i18n key (`<key>` is the text, `<key>.name` its button). The first
 *  is the sentence shown when a link or an element gives none. scripts/make_presets.mjs runs
 *  them at build time, with every model, for the instant first view. */
export const PRESET_KEYS = ['preset.article', 'preset.articleEn', 'preset.coref'];

/** The pair of words an example opens on (in its own language): the first conducts, at the
 *  head that gives the second the most, found in the run (paths.js), never fixed here. */
export const PRESET_PATHS = {
  'preset.article': ['radiante', 'menina'],
  'preset.articleEn': ['radiant', 'girl'],
  'preset.coref': ['it', 'animal'],
};
