// Orquestra's decoder against llama.cpp in wasm (@wllama/wllama) on the same GGUF
// (SmolLM2-135M-Instruct Q4_1), in one page, one thread each, runs alternating between the
// engines; medians and minimums. Results land in window.decoderResults (bench/run.mjs decoder).
//
// - prefill of a T-token prompt: ours with the full trace copied out to JavaScript (attention,
//   q, k, v, hidden, logits), ours without trace (logits copied out), and wllama's own
//   `timings.prompt_ms` (llama-server's prompt time, measured inside its worker: no message
//   passing, no sampling);
// - decode: greedy tokens after the same prompt; ours copies each step's attention row (L, H, P)
//   out. Both are per decode step, as llama-server counts them: n tokens are n - 1 steps
//   through the KV cache after the prefill (the first token comes from the prefill's logits);
// - the greedy continuations compared token by token (wllama's ids from its logprobs);
// - memory: ours, the wasm memory's byteLength; wllama exposes no memory figure (its
//   wllama_debug returns nothing), so its worker is wrapped and the byteLength of every
//   WebAssembly.Memory the worker makes is read from inside it;
// - load: ours from the GGUF bytes already in memory; wllama from a Blob of the same bytes
//   (worker start, its 10 MB wasm compiled, the GGUF read).
// Until the wasm package exports `Decoder`, only wllama's half runs (ours: null).
// Query: ?build=relaxed|simd|nosimd (ours; default the best), t=32,128, runs=7,5 (per t),
// decodeRuns=5, tokens=32.
import { Wllama } from '../node_modules/@wllama/wllama/esm/index.js';
import { bestBuild, loadWasm } from '../www/engine/wasm-engine.js';
import { median } from './stats.js';

const params = new URLSearchParams(location.search);
const LENGTHS = (params.get('t') ?? '32,128').split(',').map(Number);
const RUNS = (params.get('runs') ?? '7,5').split(',').map(Number);
const DECODE_RUNS = Number(params.get('decodeRuns') ?? 5);
const TOKENS = Number(params.get('tokens') ?? 32);
const GGUF = '../models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const WLLAMA = '../node_modules/@wllama/wllama/';
const TRACE = ['attention', 'q', 'k', 'v', 'logits'];
const out = document.getElementById('out');
const log = (line) => { out.textContent += `\n${line}`; };

// The prompts are prefixes of this paragraph, cut at a word. With the SmolLM2 tokenizer
// (scripts/make_smollm_fixtures.py's, HF tokenizers on the GGUF's vocabulary) its first 28
// words are 32 tokens and its first 109 words 128; with our Decoder the page finds the cut
// itself, and wllama's usage.prompt_tokens is checked against t either way.
const PARAGRAPH = 'The orchestra had rehearsed in the old hall for three weeks before the concert. On the first '
  + 'evening the conductor arrived early, opened the score on the podium and listened to the violins tuning one '
  + 'by one. Each musician watched her hands, waiting for the moment she would lift the baton. The oboe gave the '
  + 'note, the strings answered, and the hall slowly filled with people who had come from every part of the '
  + 'city. When the lights went down, she turned to the audience, smiled, and began the first movement with a '
  + 'gesture so small that only the players could see it. The music rose from the cellos, passed to the flutes '
  + 'and returned, louder, to the whole orchestra. By the end of the evening nobody in the hall remembered how '
  + 'long they had waited outside in the rain.';
const WORDS_FOR = { 32: 28, 128: 109 };

/** `tokenIds`: ours (text -> ids), or null before the Decoder exists. */
function promptOf(t, tokenIds) {
  const words = PARAGRAPH.split(' ');
  if (!tokenIds) {
    if (!WORDS_FOR[t]) throw new Error(`without our Decoder only t = ${Object.keys(WORDS_FOR)} have a known prompt`);
    return words.slice(0, WORDS_FOR[t]).join(' ');
  }
  for (let n = 1; n <= words.length; n++) {
    const text = words.slice(0, n).join(' ');
    const k = tokenIds(text).length;
    if (k === t) return text;
    if (k > t) break;
  }
  throw new Error(`no word prefix of the paragraph is exactly ${t} tokens`);
}

/** Wraps window.Worker (before wllama makes its worker) so that every WebAssembly.Memory made
 *  inside a module worker is kept, and returns a function that asks each worker for the
 *  byteLength of its memories. wllama's own message handler ignores the query (unknown verb). */
function watchWorkerMemory() {
  const Native = window.Worker;
  const workers = [];
  const prelude = URL.createObjectURL(new Blob([`
    const NativeMemory = WebAssembly.Memory;
    const memories = [];
    WebAssembly.Memory = function Memory(descriptor) { const m = new NativeMemory(descriptor); memories.push(m); return m; };
    WebAssembly.Memory.prototype = NativeMemory.prototype;
    addEventListener('message', (e) => {
      if (e.data?.verb === 'bench.memory') postMessage({ benchMemory: memories.map((m) => m.buffer.byteLength) });
    });`], { type: 'text/javascript' }));
  window.Worker = class extends Native {
    constructor(url, options) {
      const module = options?.type === 'module';
      super(module ? URL.createObjectURL(new Blob([`import '${prelude}';\nimport '${url}';`], { type: 'text/javascript' })) : url, options);
      if (module) workers.push(this);
    }
  };
  return () => Promise.all(workers.map((w) => new Promise((resolve) => {
    const on = (e) => {
      if (!e.data?.benchMemory) return;
      w.removeEventListener('message', on);
      resolve(e.data.benchMemory.reduce((a, b) => a + b, 0));
    };
    w.addEventListener('message', on);
    w.postMessage({ verb: 'bench.memory', callbackId: -1 });
  }))).then((bytes) => bytes.reduce((a, b) => a + b, 0));
}

const stats = (xs) => ({ ms: median(xs), min: Math.min(...xs), runs: xs.length });
async function main() {
  const wllamaMemory = watchWorkerMemory();
  const ggufBytes = await fetch(GGUF).then((r) => r.arrayBuffer());
  const wllamaVersion = (await fetch(`${WLLAMA}package.json`).then((r) => r.json())).version;

  // Ours: the wasm package (compiled once), then the Decoder from the bytes in memory.
  const build = params.get('build') ?? bestBuild();
  let t0 = performance.now();
  const pkg = await loadWasm(build);
  const initMs = performance.now() - t0;
  const wasmBytes = Number((await fetch(`../www/pkg/${build}/orquestra_bg.wasm`, { method: 'HEAD' })).headers.get('content-length'));
  let dec = null;
  let tokenIds = null; // text -> Uint32Array, ours
  const ours = { build, initMs, wasmBytes, memoryBeforeLoad: pkg.memory.buffer.byteLength };
  if (pkg.Decoder) {
    t0 = performance.now();
    dec = new pkg.Decoder(new Uint8Array(ggufBytes));
    ours.loadMs = performance.now() - t0;
    ours.memoryAfterLoad = pkg.memory.buffer.byteLength;
    ours.info = dec.info();
    const max = ours.info.maxPositions;
    tokenIds = (text) => dec.tokenIds(text, max);
    log(`ours: ${build} build, Decoder in ${ours.loadMs.toFixed(0)} ms, ${JSON.stringify(ours.info)}`);
  } else {
    log(`ours: the ${build} build has no Decoder export yet; wllama alone`);
  }

  // wllama: local wasm only (setCompat(null): never the CDN build), WebGPU off, one thread.
  const wllama = new Wllama({ default: new URL(`${WLLAMA}esm/wasm/wllama.wasm`, import.meta.url).href }, {
    suppressNativeLog: true,
    logger: { debug: () => {}, log: () => {}, warn: console.warn, error: console.error },
  });
  wllama.setCompat(null);
  t0 = performance.now();
  await wllama.loadModel([new Blob([ggufBytes])], { n_gpu_layers: 0, n_threads: 1, n_ctx: 512 });
  const theirs = {
    version: wllamaVersion,
    llamaCpp: Wllama.getLibllamaVersion(),
    loadMs: performance.now() - t0,
    wasmBytes: Number((await fetch(`${WLLAMA}esm/wasm/wllama.wasm`, { method: 'HEAD' })).headers.get('content-length')),
    threads: wllama.getNumThreads(),
    multithread: wllama.isMultithread(),
    memoryAfterLoad: await wllamaMemory(),
  };
  log(`wllama ${theirs.version} (llama.cpp ${theirs.llamaCpp}): loaded in ${theirs.loadMs.toFixed(0)} ms, ${theirs.threads} thread(s)`);

  const complete = async (prompt, maxTokens, extra = {}) => {
    const r = await wllama.createCompletion({ prompt, max_tokens: maxTokens, temperature: 0, top_k: 1, cache_prompt: false, ...extra });
    if (r.timings.cache_n !== 0) throw new Error(`wllama reused ${r.timings.cache_n} cached prompt tokens`);
    return r;
  };
  const checkCount = (r, t) => {
    if (r.usage.prompt_tokens !== t) throw new Error(`wllama read the ${t}-token prompt as ${r.usage.prompt_tokens} tokens`);
  };

  // The gap between a run's two likeliest next tokens, in logits (= in log-probabilities).
  const marginOf = (run) => { const [a, b] = dec.top(run, 2); return a.logit - b.logit; };
  // Ours, timed: the prefill with every trace tensor copied out, or the logits alone.
  const oursPrefill = (ids, trace) => {
    const start = performance.now();
    const run = dec.prefill(ids, trace);
    for (const name of trace ? TRACE : ['logits']) run.tensor(name);
    if (trace) dec.hidden(); // the residual stream (L+1, T, D), copied out too
    const ms = performance.now() - start;
    run.free();
    return ms;
  };
  // Ours, greedy decode: timed from the end of the prefill; each step's attention row copied out.
  const oursDecode = (ids, n, withLogits = false) => {
    const run = dec.prefill(ids, false);
    const start = performance.now();
    let id = run.argmax();
    run.free();
    const tokens = [id];
    const margins = [];
    for (let i = 1; i < n; i++) {
      const s = dec.step(id);
      s.tensor('attention');
      if (withLogits) margins.push(marginOf(s));
      id = s.argmax();
      s.free();
      tokens.push(id);
    }
    return { tokens, margins, msPerStep: (performance.now() - start) / (n - 1) };
  };

  // The greedy continuations, untimed: wllama's ids and top-2 log-probabilities from its logprobs.
  const decodeT = LENGTHS.includes(32) ? 32 : LENGTHS[0];
  const decodePrompt = promptOf(decodeT, tokenIds);
  const check = await complete(decodePrompt, TOKENS, { logprobs: 2 });
  checkCount(check, decodeT);
  const theirTokens = check.choices[0].logprobs.content.map((c) => ({
    id: c.id, token: c.token,
    margin: c.top_logprobs.length > 1 ? c.top_logprobs[0].logprob - c.top_logprobs[1].logprob : null,
  }));
  const greedy = { prompt: decodePrompt, t: decodeT, text: check.choices[0].text, finish: check.choices[0].finish_reason, wllama: theirTokens.map((x) => x.id) };
  if (dec) {
    const ids = tokenIds(decodePrompt);
    const mine = oursDecode(ids, TOKENS, true);
    const first = dec.prefill(ids, false);
    const firstMargin = marginOf(first);
    first.free();
    greedy.ours = mine.tokens;
    greedy.oursText = dec.decode(Uint32Array.from(mine.tokens));
    const at = mine.tokens.findIndex((id, i) => id !== greedy.wllama[i]);
    greedy.divergeAt = at < 0 && mine.tokens.length === greedy.wllama.length ? null : at < 0 ? Math.min(mine.tokens.length, greedy.wllama.length) : at;
    if (greedy.divergeAt !== null) {
      const i = greedy.divergeAt;
      greedy.detail = {
        index: i, ours: mine.tokens[i], oursToken: i < mine.tokens.length ? dec.decode(Uint32Array.of(mine.tokens[i])) : null, wllama: theirTokens[i]?.id, wllamaToken: theirTokens[i]?.token,
        wllamaMargin: theirTokens[i]?.margin, oursMargin: i === 0 ? firstMargin : mine.margins[i - 1],
        agreedText: theirTokens.slice(0, i).map((x) => x.token).join(''),
      };
    }
  }
  log(`greedy: ${JSON.stringify(greedy)}`);

  // Warm-up: each engine once (wasm tiers up; wllama's first request allocates its buffers).
  const warmIds = dec ? tokenIds(promptOf(LENGTHS[0], tokenIds)) : null;
  if (dec) { oursPrefill(warmIds, true); oursPrefill(warmIds, false); }
  await complete(promptOf(LENGTHS[0], tokenIds), 1);

  const rows = [];
  for (const [j, t] of LENGTHS.entries()) {
    const text = promptOf(t, tokenIds);
    const ids = dec ? tokenIds(text) : null;
    if (dec) oursPrefill(ids, true);
    const times = { trace: [], logits: [], wllama: [], wllamaWall: [] };
    const order = dec ? ['trace', 'logits', 'wllama'] : ['wllama'];
    const runs = RUNS[Math.min(j, RUNS.length - 1)];
    for (let i = 0; i < runs; i++) {
      // Rotate which engine goes first, so none always runs on a warmer cache.
      for (let k = 0; k < order.length; k++) {
        const which = order[(i + k) % order.length];
        if (which === 'wllama') {
          const start = performance.now();
          const r = await complete(text, 1);
          times.wllamaWall.push(performance.now() - start);
          checkCount(r, t);
          times.wllama.push(r.timings.prompt_ms);
        } else {
          times[which].push(oursPrefill(ids, which === 'trace'));
        }
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    const row = { t, wllama: stats(times.wllama), wllamaWall: stats(times.wllamaWall) };
    if (dec) Object.assign(row, { trace: stats(times.trace), logits: stats(times.logits) });
    rows.push(row);
    log(JSON.stringify(row));
  }

  // Decode: TOKENS greedy tokens after the decode prompt, alternating.
  const decodeIds = dec ? tokenIds(decodePrompt) : null;
  const steps = { ours: [], wllama: [] };
  for (let i = 0; i < DECODE_RUNS; i++) {
    const order = dec ? (i % 2 ? ['wllama', 'ours'] : ['ours', 'wllama']) : ['wllama'];
    for (const which of order) {
      if (which === 'ours') {
        steps.ours.push(oursDecode(decodeIds, TOKENS).msPerStep);
      } else {
        const r = await complete(decodePrompt, TOKENS);
        if (r.timings.predicted_n !== TOKENS) throw new Error(`wllama stopped after ${r.timings.predicted_n} tokens (${r.choices[0].finish_reason})`);
        steps.wllama.push(r.timings.predicted_per_token_ms);
      }
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  const decode = { tokens: TOKENS, t: decodeT, wllama: stats(steps.wllama) };
  if (dec) decode.ours = stats(steps.ours);
  log(`decode: ${JSON.stringify(decode)}`);

  theirs.memoryAfterRuns = await wllamaMemory();
  if (dec) ours.memoryAfterRuns = pkg.memory.buffer.byteLength;
  window.decoderResults = {
    ours, theirs, rows, decode, greedy, ggufBytes: ggufBytes.byteLength, hasDecoder: !!dec, userAgent: navigator.userAgent,
  };
}

main().catch((e) => { window.decoderResults = { error: String(e.stack ?? e) }; log(String(e.stack ?? e)); });
