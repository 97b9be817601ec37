// The examples' runs, written at build time by the CLI (scripts/make_presets.mjs → presets/),
// so the page and the widget show them before the model has arrived. Each is a run summary
// as the live engine gives it, with its text, and the tensors an example carries (run.js) in
// binary files, (L, H, T, T): the attention first, 24-bit fixed point in three gzipped byte
// planes (within 3e-8 of the f32); the scores (read only by steps 1-2, f32 little-endian)
// follow, and fill in `run.scores` when `run.more` resolves.
import { makeRun } from './engine/run.js';

const base = new URL('./presets/', import.meta.url);
let index = null;

const json = (url) => fetch(url).then((r) => (r.ok ? r.json() : null)).catch(() => null);
const buffer = (url) => fetch(url).then((r) => (r.ok ? r.arrayBuffer() : null)).catch(() => null);

/** What early.js, the pages' first script, left: the index and the files of the run the link
 *  shows, already asked for (url -> Promise); a widget on another site has none. */
const early = globalThis[Symbol.for('orquestra.early')];
const handed = early?.runs instanceof Map ? early.runs : new Map();
/** `url` read by `read`, or early.js's answer for it (taken once). */
function take(url, read) {
  const kept = handed.get(url.href);
  handed.delete(url.href);
  return kept ?? read(url);
}

/** The attention in make_presets.mjs's file, (L, H, T, T) f32, or null: gzipped, 24-bit fixed
 *  point (w × (2^24 − 1)) in three byte planes, low to high (early.js reads it the same way). */
async function attentionOf(url) {
  try {
    const r = await fetch(url);
    if (!r.ok) return null;
    const planes = new Uint8Array(await new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    const n = planes.length / 3, out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16)) / 0xffffff;
    return out;
  } catch {
    return null; // (a browser without DecompressionStream: the model draws the example)
  }
}

/** The build-time run of `sentence` with the model `model` (its key), or null. */
export async function instantResult(model, sentence) {
  index ??= early?.index?.runs ? Promise.resolve(early.index) : json(new URL('index.json', base));
  const runs = (await index)?.runs;
  // Own entries only: a key such as `constructor` is no model's.
  const entry = runs && Object.hasOwn(runs, model) ? runs[model].find((x) => x.text === sentence) : null;
  if (!entry) return null;
  const [p, attention] = await Promise.all([take(new URL(entry.file, base), json), take(new URL(entry.attention, base), attentionOf)]);
  if (!p || !attention) return null;
  const bytes = 4 * p.meta.layers * p.meta.heads * p.meta.seq ** 2;
  if (attention.byteLength !== bytes) return null; // a file from another build
  const run = makeRun(p, { attention, scores: null });
  run.example = true; // (drawn as such until the live run replaces it: controller.markRun)
  // Asked for once the attention is in: on a slow link the two would share it.
  run.more = buffer(new URL(entry.scores, base)).then((b) => { if (b?.byteLength === bytes) run.scores = new Float32Array(b); });
  return run;
}
