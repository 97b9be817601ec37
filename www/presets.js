// The examples' runs, written at build time by the CLI (scripts/make_presets.mjs → presets/),
// so the page and the widget show them before the model has arrived. Each is a run summary
// as the live engine gives it, with its text and the tensors an example carries (run.js).
import { makeRun } from './engine/run.js';

const base = new URL('./presets/', import.meta.url);
let index = null;

function floats(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

const json = (url) => fetch(url).then((r) => (r.ok ? r.json() : null)).catch(() => null);

/** The build-time run of `sentence` with the model `model` (its key), or null. */
export async function instantResult(model, sentence) {
  index ??= json(new URL('index.json', base));
  const entry = (await index)?.[model]?.find((x) => x.text === sentence);
  const p = entry && await json(new URL(entry.file, base));
  return p ? makeRun(p, { attention: floats(p.attention), scores: floats(p.scores) }) : null;
}
