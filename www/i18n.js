// Interface strings: every visible string comes from i18n/pt.json or i18n/en.json.
export const LANGUAGES = ['pt', 'en'];

export async function loadMessages() {
  const entries = await Promise.all(LANGUAGES.map(async (l) => [l, await (await fetch(new URL(`./i18n/${l}.json`, import.meta.url))).json()]));
  return Object.fromEntries(entries);
}

export function browserLanguage() {
  return (navigator.languages?.[0] ?? navigator.language ?? 'pt').toLowerCase().startsWith('pt') ? 'pt' : 'en';
}

/** t(key, params): the string for key with {name} replaced; the key itself if missing. */
export function translator(messages) {
  // Each string split once at its {name}s: [text, name, text, …] (a long text's drawing asks
  // for a line per item, 510 of them).
  const split = new Map();
  return (key, params = {}) => {
    let parts = split.get(key);
    if (!parts) split.set(key, (parts = (messages[key] ?? key).split(/\{(\w+)\}/)));
    let s = parts[0];
    for (let i = 1; i < parts.length; i += 2) s += (parts[i] in params ? String(params[parts[i]]) : `{${parts[i]}}`) + parts[i + 1];
    return s;
  };
}

/** Errors of a model's download that the reader is told in their own language (the worker's
 *  codes); any other is the engine's own message. */
const LOAD_ERRORS = { 'not-a-model': 'error.notAModel', 'model-too-large': 'error.modelTooLarge' };

/** Why a model could not load, for people: `error` carries the worker's code and params. */
export function loadErrorText(t, error) {
  return Object.hasOwn(LOAD_ERRORS, error?.code) ? t(LOAD_ERRORS[error.code], error.params ?? {}) : String(error?.message ?? error);
}

/** t for one run: its strings name the model's own special tokens, {start} and {end}
 *  ([CLS]/[SEP] in MiniLM, <s>/</s> in e5), from the run's first and last words. */
export function withSpecials(t, meta) {
  const words = meta?.words ?? [];
  const specials = { start: words[0]?.text ?? '[CLS]', end: words[words.length - 1]?.text ?? '[SEP]' };
  return (key, params = {}) => t(key, { ...specials, ...params });
}

/** Whether the primary pointer cannot hover (a phone or tablet): then the page says "toque"
 *  (tap), not "passe o mouse" (hover). */
const hoverNone = typeof matchMedia === 'function' ? matchMedia('(hover: none)') : null; // kept: it stays current
export const touchScreen = () => Boolean(hoverNone?.matches);

/** t that, on a touch screen, takes a key's `<key>.touch` variant where there is one. */
export function withTouch(t, touch) {
  if (!touch) return t;
  return (key, params = {}) => {
    const variant = t(`${key}.touch`, params);
    return variant === `${key}.touch` ? t(key, params) : variant;
  };
}

/** t for a model that writes (causal attention): a key's `<key>.causal` variant where there is
 *  one (its first word, where its heads park, instead of [CLS]/[SEP]); with `bos` (a model that
 *  puts a start token before the text, Gemma's <bos>, where its heads park), first the key's
 *  `<key>.bos` variant: the start token, not the first word. */
export function withCausal(t, causal, bos = false) {
  if (!causal) return t;
  const kinds = bos ? ['bos', 'causal'] : ['causal'];
  return (key, params = {}) => {
    for (const kind of kinds) {
      const variant = t(`${key}.${kind}`, params);
      if (variant !== `${key}.${kind}`) return variant;
    }
    return t(key, params);
  };
}
