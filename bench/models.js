// Both models in one page, best wasm build, one thread, alternating: the forward pass
// (tokenize + every layer + full trace) at T = 8, 32, 128, 512. Results in window.modelsResults.
import { createEngine, bestBuild } from '../www/engine/wasm-engine.js';
import { flops, median } from './stats.js';

const params = new URLSearchParams(location.search);
const LENGTHS = (params.get('t') ?? '8,32,128,512').split(',').map(Number);
const RUNS = Number(params.get('runs') ?? 21);
const MODELS = { minilm: '../models/all-MiniLM-L6-v2.int8.safetensors', e5pt: '../models/e5-small-enpt.q4_0.safetensors' };
const out = document.getElementById('out');

/** A text of exactly t tokens for this engine (specials included): "word" is one piece in both. */
function textOf(engine, t) {
  const text = Array(t - 2).fill('word').join(' ');
  const n = engine.raw.tokenIds(text).length;
  if (n !== t) throw new Error(`"word" × ${t - 2} is ${n} tokens, not ${t}`);
  return text;
}

async function main() {
  const engines = {};
  for (const [key, url] of Object.entries(MODELS)) {
    engines[key] = await createEngine(new Uint8Array(await (await fetch(url)).arrayBuffer()));
  }
  const rows = [];
  for (const t of LENGTHS) {
    const texts = Object.fromEntries(Object.entries(engines).map(([k, e]) => [k, textOf(e, t)]));
    const times = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
    for (const k of Object.keys(engines)) for (let i = 0; i < 3; i++) engines[k].timeRun(texts[k]); // warm-up
    const runs = t >= 512 ? Math.min(RUNS, 9) : RUNS;
    for (let i = 0; i < runs; i++) for (const k of Object.keys(engines)) times[k].push(engines[k].timeRun(texts[k]));
    const row = { t, runs };
    for (const [k, e] of Object.entries(engines)) {
      row[k] = { ms: median(times[k]), min: Math.min(...times[k]), gflops: flops(t, e.info) / median(times[k]) / 1e6, layers: e.info.layers, precision: e.info.precision };
    }
    rows.push(row);
    out.textContent = JSON.stringify(rows, null, 1);
  }
  window.modelsResults = { rows, build: bestBuild() };
}

main().catch((e) => { window.modelsResults = { error: String(e) }; out.textContent = String(e); });
