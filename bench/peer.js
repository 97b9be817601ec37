// Orquestra (best wasm build, full trace) against onnxruntime-web 1.30 (wasm backend, one
// thread, fp32) on the same model and the same token ids, in one page, runs rotating.
// Orquestra runs three ways: the f32 bundle (the same numbers as ORT, checked), and the
// default int8 bundle with its weights kept quantized (the new path) or widened to f32 panels
// at load (the old path; the two give the same attention, checked).
// Every engine hands its attention (L,H,T,T) and last hidden state to JavaScript, and that
// copy is inside every timing. Results land in window.peerResults.
import * as ort from '../node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { createEngine, bestBuild, loadWasm } from '../www/engine/wasm-engine.js';
import { flops, median } from './stats.js';

const params = new URLSearchParams(location.search);
const LENGTHS = (params.get('t') ?? '8,32,128,512').split(',').map(Number);
const RUNS = Number(params.get('runs') ?? 31);
const WARMUP = Number(params.get('warmup') ?? 10);
const TOLERANCE = 1e-4;
const out = document.getElementById('out');
const log = (line) => { out.textContent += `\n${line}`; };

// A text of exactly t tokens: the article's sentence, repeated, then '.' to fill.
const SENTENCE = 'A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante.';
function textOf(engine, t) {
  const words = SENTENCE.split(' ');
  const seq = (text) => engine.raw.tokenIds(text).length;
  let text = words[0];
  for (let i = 1; ; i++) {
    const next = `${text} ${words[i % words.length]}`;
    const n = seq(next); // never above maxTokens: the tokenizer truncates
    if (n > t) break;
    text = next;
    if (n === t) break;
  }
  while (seq(text) < t) text += ' .';
  if (seq(text) !== t) throw new Error(`could not make a ${t}-token text`);
  return text;
}

async function main() {
  const [bundle, int8, onnx] = await Promise.all([
    fetch('../models/all-MiniLM-L6-v2.f32.safetensors').then((r) => r.arrayBuffer()),
    fetch('../models/all-MiniLM-L6-v2.int8.safetensors').then((r) => r.arrayBuffer()),
    fetch('../models/peer/all-MiniLM-L6-v2.attention.onnx').then((r) => r.arrayBuffer()),
  ]);
  const build = params.get('build') ?? bestBuild();
  const pkg = await loadWasm(build);
  const orq = await createEngine(new Uint8Array(bundle), { build });
  const quant = await createEngine(new Uint8Array(int8), { build });
  pkg.setKeepQuantized(false);
  const old = await createEngine(new Uint8Array(int8), { build });
  pkg.setKeepQuantized(true);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = new URL('../node_modules/onnxruntime-web/dist/', import.meta.url).href;
  const session = await ort.InferenceSession.create(new Uint8Array(onnx), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const attentionNames = session.outputNames.filter((n) => n !== 'last_hidden_state');
  const { layers, heads } = orq.info;
  log(`orquestra build ${build}; ort ${ort.env.versions?.web ?? ''} outputs ${session.outputNames.join(',')}`);

  const rows = [];
  for (const t of LENGTHS) {
    const text = textOf(orq, t);
    const probe = orq.raw.run(text);
    const ids = probe.summary().meta.tokens.map((tok) => BigInt(tok.id));
    const ours = probe.tensor('attention'); // (L, H, T, T)
    probe.free();
    const feeds = () => ({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, t]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(t).fill(1n), [1, t]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(t), [1, t]),
    });
    // Same numbers before any timing: every head of every layer.
    const res = await session.run(feeds());
    let maxDiff = 0;
    attentionNames.forEach((name, l) => {
      const theirs = res[name].data; // (1, H, T, T)
      for (let i = 0; i < heads * t * t; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours[l * heads * t * t + i]));
    });
    if (!(maxDiff <= TOLERANCE)) throw new Error(`T=${t}: attention differs from ONNX Runtime by ${maxDiff} (> ${TOLERANCE})`);

    // The int8 bundle's two paths: the same attention.
    const [a, b] = [quant, old].map((e) => { const r = e.raw.run(text); const x = r.tensor('attention'); r.free(); return x; });
    let pathDiff = 0;
    for (let i = 0; i < a.length; i++) pathDiff = Math.max(pathDiff, Math.abs(a[i] - b[i]));
    if (!(pathDiff <= 1e-5)) throw new Error(`T=${t}: the quantized path differs from the f32 panels by ${pathDiff}`);

    const timeOf = (engine) => () => {
      const t0 = performance.now();
      const run = engine.raw.run(text);
      run.tensor('attention');
      run.hidden();
      const ms = performance.now() - t0;
      run.free();
      return ms;
    };
    const engines = { orq: timeOf(orq), quant: timeOf(quant), old: timeOf(old) };
    const timeOrt = async () => {
      const f = feeds();
      const t0 = performance.now();
      const r = await session.run(f);
      const ms = performance.now() - t0;
      for (const v of Object.values(r)) v.dispose?.();
      return ms;
    };
    const order = ['orq', 'quant', 'old', 'ort'];
    const runs = t >= 512 ? Math.min(RUNS, 11) : RUNS;
    for (let i = 0; i < WARMUP; i++) { for (const k of order.slice(0, 3)) engines[k](); await timeOrt(); }
    const times = { orq: [], quant: [], old: [], ort: [] };
    for (let i = 0; i < runs; i++) {
      // Rotate which engine goes first, so none always runs on a warmer cache.
      for (let j = 0; j < order.length; j++) {
        const k = order[(i + j) % order.length];
        times[k].push(k === 'ort' ? await timeOrt() : engines[k]());
      }
    }
    const f = flops(t, orq.info);
    const row = {
      t, maxDiff, pathDiff, runs,
      orqMs: median(times.orq), orqMin: Math.min(...times.orq),
      quantMs: median(times.quant), quantMin: Math.min(...times.quant),
      oldMs: median(times.old), oldMin: Math.min(...times.old),
      ortMs: median(times.ort), ortMin: Math.min(...times.ort),
    };
    row.orqGflops = f / row.orqMs / 1e6;
    row.quantGflops = f / row.quantMs / 1e6;
    row.ortGflops = f / row.ortMs / 1e6;
    row.ratio = row.orqMs / row.ortMs;
    row.quantRatio = row.quantMs / row.ortMs;
    row.oldRatio = row.oldMs / row.ortMs;
    rows.push(row);
    log(JSON.stringify(row));
    await new Promise((r) => setTimeout(r, 0));
  }
  window.peerResults = { rows, build, layers, heads, ortVersion: '1.30.0', userAgent: navigator.userAgent };
}

main().catch((e) => { window.peerResults = { error: String(e.stack ?? e) }; log(String(e)); });
