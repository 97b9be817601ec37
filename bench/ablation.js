// The jury's ranking of the most influential judges, as the page does it (one run per head with
// that head alone dismissed, the one tensor the page reads copied out (hidden), the focused
// word's cosine), on a 20-token sentence, for both models: the total time, median of 3.
// Results in window.ablationResults.
import { createEngine, bestBuild } from '../www/engine/wasm-engine.js';
import { moved } from '../www/ablation.js';
import { median } from './stats.js';

const MODELS = { minilm: '../models/all-MiniLM-L6-v2.int8.safetensors', e5pt: '../models/e5-small-enpt.q4_0.safetensors' };
const T = 20;
const out = document.getElementById('out');

async function main() {
  const rows = [];
  for (const [key, url] of Object.entries(MODELS)) {
    const engine = await createEngine(new Uint8Array(await (await fetch(url)).arrayBuffer()));
    const text = Array(T - 2).fill('word').join(' ');
    if (engine.raw.tokenIds(text).length !== T) throw new Error(`not ${T} tokens`);
    const plain = engine.run(text);
    const item = { tokens: [5] };
    const { layers, heads } = engine.info;
    const totals = [];
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      for (let k = 0; k < layers * heads; k++) {
        const off = new Uint8Array(layers * heads);
        off[k] = 1;
        moved(plain, engine.run(text, off, ['hidden']), item); // what the page copies out for it
      }
      totals.push(performance.now() - t0);
    }
    rows.push({ model: key, heads: layers * heads, t: T, ms: median(totals), min: Math.min(...totals) });
    out.textContent = JSON.stringify(rows, null, 1);
    engine.free();
  }
  window.ablationResults = { rows, build: bestBuild() };
}

main().catch((e) => { window.ablationResults = { error: String(e) }; out.textContent = String(e); });
