// Weights kept quantized in memory (the default) against the old path, weights widened to f32
// panels at load (src/kernels/mod.rs set_keep_quantized), for both models.
//   ?mode=speed                 both paths in one page, runs alternating: the forward pass at
//                               T = 8, 32, 128, 512 (median, min)
//   ?mode=memory&model=K&keep=1 one engine in a fresh page: wasm memory after load, load time
//   ?mode=copies                a page's run (the worker's engine.run: forward pass and the
//                               copies to JavaScript) with every tensor (as before: the raw
//                               scores and the rollout too) and as runs are now (neither: the
//                               page derives score rows from q and k, and asks for the rollout
//                               in the Flow view), alternating, at T = 32, 128 and 512: median ms, MB
//   ?mode=integer               the integer path (src/kernels/intdot.rs: activations to 8 bits,
//                               integer dot products) against the f32-activation path, one
//                               engine, runs alternating, at T = 32 and 128 (median ms)
// Results in window.quantResults.
import { createEngine, loadWasm, bestBuild } from '../www/engine/wasm-engine.js';
import { median } from './stats.js';

const params = new URLSearchParams(location.search);
const MODELS = { minilm: '../models/all-MiniLM-L6-v2.int8.safetensors', e5pt: '../models/e5-small-enpt.q4_0.safetensors' };
const out = document.getElementById('out');
const build = bestBuild();

async function engineWith(bytes, keep) {
  const pkg = await loadWasm(build);
  pkg.setKeepQuantized(keep);
  const t0 = performance.now();
  const engine = await createEngine(bytes, { build });
  const ms = performance.now() - t0;
  pkg.setKeepQuantized(true);
  return { engine, ms, memory: engine.memoryBytes() };
}

async function speed() {
  const rows = [];
  for (const [key, url] of Object.entries(MODELS)) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const old = (await engineWith(bytes, false)).engine, now = (await engineWith(bytes, true)).engine;
    for (const t of (params.get('t') ?? '8,32,128,512').split(',').map(Number)) {
      const text = Array(t - 2).fill('word').join(' ');
      const runs = t >= 512 ? 7 : Number(params.get('runs') ?? 21);
      const times = { old: [], now: [] };
      for (let i = 0; i < 3; i++) { old.timeRun(text); now.timeRun(text); }
      for (let i = 0; i < runs; i++) {
        for (const k of i % 2 ? ['old', 'now'] : ['now', 'old']) times[k].push((k === 'old' ? old : now).timeRun(text));
      }
      rows.push({ model: key, t, runs, oldMs: median(times.old), newMs: median(times.now), oldMin: Math.min(...times.old), newMin: Math.min(...times.now) });
      out.textContent = JSON.stringify(rows, null, 1);
    }
    old.free();
    now.free();
  }
  return { rows, build };
}

async function integer() {
  const rows = [];
  for (const [key, url] of Object.entries(MODELS)) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const { engine } = await engineWith(bytes, true);
    const time = (on, text) => { engine.raw.setIntegerDot(on); return engine.timeRun(text); };
    for (const t of [32, 128]) {
      const text = Array(t - 2).fill('word').join(' ');
      const times = { f32: [], int: [] };
      for (let i = 0; i < 3; i++) { time(false, text); time(true, text); }
      for (let i = 0; i < 21; i++) {
        for (const k of i % 2 ? ['f32', 'int'] : ['int', 'f32']) times[k].push(time(k === 'int', text));
      }
      const [f32, int] = [median(times.f32), median(times.int)];
      rows.push({ model: key, t, f32Ms: f32, intMs: int, ratio: int / f32, accuracy: engine.info.integerAccuracy });
      out.textContent = JSON.stringify(rows, null, 1);
    }
    engine.free();
  }
  return { rows, build };
}

async function memory() {
  const key = params.get('model'), keep = params.get('keep') !== '0';
  const bytes = new Uint8Array(await (await fetch(MODELS[key])).arrayBuffer());
  const { engine, ms, memory: after } = await engineWith(bytes, keep);
  engine.run('a sentence of a few words to run once');
  return { model: key, keep, loadMs: ms, memoryAfterLoad: after, memoryAfterRun: engine.memoryBytes(), build };
}

async function copies() {
  const rows = [];
  for (const [key, url] of Object.entries(MODELS)) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const { engine } = await engineWith(bytes, true);
    // every tensor a run can copy out: the per-head ones (scores among them) and the extras
    // (rollout among them)
    const withScores = [...(await loadWasm(build)).viewTensors(), 'rollout', 'hidden', 'states'];
    const mb = (run) => Object.values(run).reduce((sum, x) => sum + (x instanceof Float32Array ? x.byteLength : 0), 0) / 1e6;
    for (const t of [32, 128, 512]) {
      const text = Array(t - 2).fill('word').join(' ');
      const times = { all: [], lean: [], forward: [] }, size = {};
      const runs = t >= 512 ? 7 : 21;
      for (let i = 0; i < runs; i++) {
        for (const k of ['forward', ...(i % 2 ? ['all', 'lean'] : ['lean', 'all'])]) {
          if (k === 'forward') { times.forward.push(engine.timeRun(text)); continue; }
          const t0 = performance.now();
          const run = engine.run(text, null, k === 'all' ? withScores : null);
          times[k].push(performance.now() - t0);
          size[k] = mb(run);
        }
      }
      rows.push({ model: key, t, allMs: median(times.all), leanMs: median(times.lean), allMB: size.all, leanMB: size.lean, forwardMs: median(times.forward) });
      out.textContent = JSON.stringify(rows, null, 1);
    }
    engine.free();
  }
  return { rows, build };
}

const MODES = { memory, copies, speed, integer };
(MODES[params.get('mode')] ?? speed)()
  .then((r) => { window.quantResults = r; out.textContent = JSON.stringify(r, null, 1); })
  .catch((e) => { window.quantResults = { error: String(e) }; out.textContent = String(e); });
