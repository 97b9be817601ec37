// The examples' runs, written at build time by the CLI (scripts/make_presets.mjs → presets.json),
// so the page and the widget show them before the model has arrived. Each is a run summary
// as the live engine gives it, with its text and the tensors an example carries (run.js).
import { makeRun } from './engine/run.js';

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
  return p ? makeRun(p, { attention: floats(p.attention), scores: floats(p.scores) }) : null;
}
