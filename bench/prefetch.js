// The matmul's weight prefetch (src/kernels/simd128.rs) on and off, in one engine, runs
// alternating (and alternating which goes first). Results land in window.prefetchResults.
import { createEngine, loadWasm, bestBuild } from '../www/engine/wasm-engine.js';
import { median } from './stats.js';

const params = new URLSearchParams(location.search);
const LENGTHS = (params.get('t') ?? '8,16,32,128').split(',').map(Number);
const RUNS = Number(params.get('runs') ?? 41);
const out = document.getElementById('out');

async function main() {
  const build = bestBuild();
  const bytes = new Uint8Array(await (await fetch('../models/all-MiniLM-L6-v2.int8.safetensors')).arrayBuffer());
  const [engine, pkg] = [await createEngine(bytes, { build }), await loadWasm(build)];
  const timed = (on, text) => { pkg.setWeightPrefetch(on); return engine.timeRun(text); };
  const rows = [];
  try {
    for (const t of LENGTHS) {
      const text = 'word '.repeat(t - 2);
      const times = { on: [], off: [] };
      for (let i = 0; i < 5; i++) { timed(true, text); timed(false, text); } // warm-up
      for (let i = 0; i < RUNS; i++) {
        const order = i % 2 ? [true, false] : [false, true];
        for (const on of order) times[on ? 'on' : 'off'].push(timed(on, text));
      }
      rows.push({ t, onMs: median(times.on), offMs: median(times.off), onMin: Math.min(...times.on), offMin: Math.min(...times.off) });
      out.textContent = JSON.stringify(rows, null, 1);
    }
  } finally {
    pkg.setWeightPrefetch(true);
  }
  window.prefetchResults = { build, runs: RUNS, rows };
}

main().catch((e) => { window.prefetchResults = { error: String(e) }; out.textContent = String(e); });
