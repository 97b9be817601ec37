// Times the forward pass (tokenize + 6 layers + full trace) in this browser, one thread,
// for the relaxed-SIMD, SIMD and portable wasm builds side by side, alternating. Results land in window.benchResults.
import { createEngine } from '../www/engine/wasm-engine.js';
import { flops, median } from './stats.js';

const params = new URLSearchParams(location.search);
const LENGTHS = (params.get('t') ?? '8,32,128,512').split(',').map(Number);
const RUNS = Number(params.get('runs') ?? 21);
const out = document.getElementById('out');

async function main() {
  const bytes = new Uint8Array(await (await fetch('../models/all-MiniLM-L6-v2.int8.safetensors')).arrayBuffer());
  const engines = {
    relaxed: await createEngine(bytes, { build: 'relaxed' }),
    simd: await createEngine(bytes, { build: 'simd' }),
    nosimd: await createEngine(bytes, { build: 'nosimd' }),
  };
  const rows = [];
  for (const t of LENGTHS) {
    const text = 'word '.repeat(t - 2);
    const times = { relaxed: [], simd: [], nosimd: [] };
    // Portable runs at T=512 take seconds each: fewer of them.
    const runs = (name) => (name === 'nosimd' && t >= 512 ? Math.min(RUNS, 7) : RUNS);
    for (const name of Object.keys(engines)) for (let i = 0; i < 3; i++) engines[name].timeRun(text); // warm-up
    for (let i = 0; i < RUNS; i++) {
      for (const name of Object.keys(engines)) if (i < runs(name)) times[name].push(engines[name].timeRun(text)); // alternate builds
    }
    const row = { t, relaxedMs: median(times.relaxed), simdMs: median(times.simd), nosimdMs: median(times.nosimd), simdMin: Math.min(...times.simd) };
    row.relaxedGflops = flops(t, engines.simd.info) / row.relaxedMs / 1e6;
    row.simdGflops = flops(t, engines.simd.info) / row.simdMs / 1e6;
    row.nosimdGflops = flops(t, engines.simd.info) / row.nosimdMs / 1e6;
    row.speedup = row.nosimdMs / row.simdMs;
    rows.push(row);
    out.textContent = JSON.stringify(rows, null, 1);
  }
  window.benchResults = { rows, simdInfo: engines.simd.info, userAgent: navigator.userAgent };
}

main().catch((e) => { window.benchResults = { error: String(e) }; out.textContent = String(e); });
