// The examples' runs, written at build time by the CLI (scripts/make_presets.mjs → presets.json),
// so the page and the widget show them before the model has arrived. Same layout as the live
// engine's results: attention and scores are (L, H, T, T) float32; q, k, v and context are
// absent (the melody waits for the live model).
let presets = null;

function floats(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** The build-time run of `sentence` with the default model, or null. */
export async function instantResult(sentence) {
  presets ??= fetch(new URL('./presets.json', import.meta.url)).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  const p = (await presets)?.presets.find((x) => x.text === sentence);
  return p ? { meta: p.meta, heads: p.heads, attention: floats(p.attention), scores: floats(p.scores), instant: true } : null;
}
