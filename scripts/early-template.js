// The first script of every page (a deferred classic one in <head>: it runs as soon as the
// page is parsed, before any module; written by scripts/make_presets.mjs from
// scripts/early-template.js with the examples' index inlined). When the link shows an example,
// it asks for that example's build-time run at once, and presets.js takes the answers: on a
// slow link, browsers open six connections per host, and the page's twenty modules, asked for
// at low priority, leave these requests the next free one.
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
  // (a link to a writing view without m= opens a model that writes, which has no examples' runs)
  const model = hash ? link.get('m') ?? (['proxima', 'lente'].includes(link.get('v')) ? null : INDEX.link) : INDEX.fresh;
  const sentence = link.get('s')?.trim() ? link.get('s') : INDEX.first[lang];
  const entry = own(INDEX.runs, model)?.find((x) => x.text === sentence);
  // Handed to presets.js: the index, and this link's run asked for now and read as it arrives
  // (its JSON parsed, its attention inflated and decoded, as presets.js's attentionOf does:
  // the format is make_presets.mjs's), so the first drawing waits on no request or read of the
  // page's own once its modules have run.
  const attention = async (r) => {
    const planes = new Uint8Array(await new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    const n = planes.length / 3, out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16)) / 0xffffff;
    return out;
  };
  const runs = new Map();
  for (const [file, how] of entry ? [[entry.file, (r) => r.json()], [entry.attention, attention]] : []) {
    const url = new URL(file, base).href;
    runs.set(url, fetch(url).then((r) => (r.ok ? how(r) : null)).catch(() => null));
  }
  globalThis[Symbol.for('orquestra.early')] = { index: INDEX, runs };
})();
