// What the page, the widget, the embed and the lesson share: the default model, the limits
// before a model has said its own, and the examples (their texts live in i18n/*.json).

/** The default model bundle, next to www/ (make build writes it; make dist copies it). */
export const DEFAULT_MODEL = new URL('../models/all-MiniLM-L6-v2.int8.safetensors', import.meta.url).href;

/** Until the model has loaded: all-MiniLM-L6-v2's layers and heads, BERT's 512 positions. */
export const DEFAULT_LIMITS = Object.freeze({ layers: 6, heads: 12, items: 512 });

/** The examples, by their i18n key (`<key>` is the text, `<key>.name` its button). The first
 *  is the sentence shown when a link or an element gives none. scripts/make_presets.mjs runs
 *  them at build time for the instant first view. */
export const PRESET_KEYS = ['preset.article', 'preset.articleEn', 'preset.coref'];
