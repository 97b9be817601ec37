// A page for `node bench/run.mjs profile`: one engine (the default int8 bundle, or ?model=e5pt)
// warmed up on a T-token text; window.go(n) times n forward passes and returns the median.
// run.mjs samples the CPU meanwhile and prints where the time goes, by wasm function.
import { createEngine, bestBuild } from '../www/engine/wasm-engine.js';

const params = new URLSearchParams(location.search);
const MODELS = { minilm: '../models/all-MiniLM-L6-v2.int8.safetensors', e5pt: '../models/e5-small-enpt.q4_0.safetensors' };
const bytes = new Uint8Array(await (await fetch(MODELS[params.get('model') ?? 'minilm'])).arrayBuffer());
const engine = await createEngine(bytes, { build: bestBuild() });
// ?integer=1: the integer path forced on (src/kernels/intdot.rs), to see where its time goes.
if (params.has('integer')) engine.raw.setIntegerDot(params.get('integer') === '1');
const text = Array(Number(params.get('t') ?? 32) - 2).fill('word').join(' ');
for (let i = 0; i < 50; i++) engine.timeRun(text);
window.go = (n) => {
  const times = Array.from({ length: n }, () => engine.timeRun(text)).sort((a, b) => a - b);
  return times[n >> 1];
};
window.profileReady = true;
