// The first script of every page (a classic one in <head>, before any module; written by
// scripts/make_presets.mjs from scripts/early-template.js with the examples' index inlined).
// When the link shows an example, it asks for that example's build-time run at once, as
// preloads that presets.js's own fetches then take: on a slow link, browsers open six
// connections per host, and a request made after the page's twenty modules waits behind them.
// It reads the link as state.js does; a link that is not an example costs nothing.
(() => {
  const INDEX = /* INDEX */ null;
  const base = new URL('./', document.currentScript.src);
  const hash = location.hash.replace(/^#/, '');
  const link = new URLSearchParams(hash);
  // A link's value names a table's own entry or nothing: `m=__proto__` or `m=constructor`
  // must not reach Object.prototype.
  const own = (table, key) => (key !== null && Object.hasOwn(table, key) ? table[key] : undefined);
  const browser = (navigator.languages?.[0] ?? navigator.language ?? 'pt').toLowerCase().startsWith('pt') ? 'pt' : 'en';
  const lang = own(INDEX.first, link.get('lang')) === undefined ? browser : link.get('lang');
  const model = hash ? link.get('m') ?? INDEX.link : INDEX.fresh;
  const sentence = link.get('s')?.trim() ? link.get('s') : INDEX.first[lang];
  const entry = own(INDEX.runs, model)?.find((x) => x.text === sentence);
  for (const file of entry ? ['index.json', entry.file, entry.attention] : []) {
    document.head.append(Object.assign(document.createElement('link'), { rel: 'preload', as: 'fetch', crossOrigin: 'anonymous', fetchPriority: 'high', href: new URL(file, base).href }));
  }
})();
