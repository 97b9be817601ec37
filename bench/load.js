// Time from a new engine worker to a loaded engine when the bundle is already in the Cache
// API (a second visit): worker start, wasm compile, cache read, bundle parse and weight
// packing. The first load (download + cache) is not timed. Results land in window.loadResults.
import { EngineClient } from '../www/engine/client.js';
import { median } from './stats.js';

const RUNS = Number(new URLSearchParams(location.search).get('runs') ?? 11);
const url = new URL('../models/all-MiniLM-L6-v2.int8.safetensors', location.href).href;

async function loadOnce() {
  const client = new EngineClient();
  const t0 = performance.now();
  let cached = false;
  await client.load(url, (got, total) => { cached ||= got === total; });
  const ms = performance.now() - t0;
  client.worker.terminate();
  return { ms, cached };
}

async function main() {
  const first = await loadOnce(); // fills the cache
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await loadOnce();
    if (!r.cached) throw new Error('the bundle did not come from the cache');
    times.push(r.ms);
  }
  window.loadResults = { firstMs: first.ms, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: RUNS };
  document.getElementById('out').textContent = JSON.stringify(window.loadResults, null, 1);
}

main().catch((e) => { window.loadResults = { error: String(e.stack ?? e) }; });
