// Orquestra's decoder against llama.cpp in wasm (@wllama/wllama) on the same GGUF, in one
// page, one thread each, runs alternating between the engines; medians and minimums. Results
// land in window.decoderResults (bench/run.mjs decoder, decoder-gemma).
//
// ?model=smollm (default): SmolLM2-135M-Instruct Q4_1, an English prompt.
// ?model=gemma: Gemma 3 270M Q4_K_M, the untrimmed GGUF (253 MB) in both engines, a Portuguese
//   prompt; ours also runs the page's trimmed bundle (pt+en vocabulary, 105 MB: the same
//   layers, the output head over fewer pieces) in a wasm instance of its own, so its memory
//   is its own. The trimmed tokenizer may split a text into more pieces (pieces it dropped),
//   so its prompts are cut at exactly T of its own tokens, not the same words.
//
// - prefill of a T-token prompt: ours with the full trace copied out to JavaScript (attention,
//   q, k, v, hidden, logits), ours without trace (logits copied out), and wllama's own
//   `timings.prompt_ms` (llama-server's prompt time, measured inside its worker: no message
//   passing, no sampling); the trimmed bundle with the full trace, as the page runs it;
// - decode: greedy tokens after the same prompt; ours copies each step's attention row (L, H, P)
//   out. Both are per decode step, as llama-server counts them: n tokens are n - 1 steps
//   through the KV cache after the prefill (the first token comes from the prefill's logits);
// - the greedy continuations compared token by token (wllama's ids from its logprobs); the
//   trimmed bundle's (other ids) compared with ours untrimmed by text;
// - memory: ours, the wasm memory's byteLength; wllama exposes no memory figure (its
//   wllama_debug returns nothing), so its worker is wrapped and the byteLength of every
//   WebAssembly.Memory the worker makes is read from inside it;
// - load: ours from the GGUF bytes already in memory; wllama from a Blob of the same bytes
//   (worker start, its 10 MB wasm compiled, the GGUF read).
// Until the wasm package exports `Decoder`, only wllama's half runs (ours: null).
// Query: ?model=smollm|gemma, build=relaxed|simd|nosimd (ours; default the best), t=32,128,
// runs=7,5 (per t; gemma 5,5), decodeRuns=5, tokens=32.
import { Wllama } from '../node_modules/@wllama/wllama/esm/index.js';
import { bestBuild, loadWasm } from '../www/engine/wasm-engine.js';
import { median } from './stats.js';

// The prompts are prefixes of a model's paragraph, cut at a word. With the SmolLM2 tokenizer
// (scripts/make_smollm_fixtures.py's, HF tokenizers on the GGUF's vocabulary) the English
// paragraph's first 28 words are 32 tokens and its first 109 words 128; with Gemma's (<bos>
// counted, which llama.cpp adds too) the Portuguese one's first 24 words are 32 tokens and its
// first 98 words 128. With our Decoder the page finds the cut itself, and wllama's
// usage.prompt_tokens is checked against t either way.
const PARAGRAPH_EN = 'The orchestra had rehearsed in the old hall for three weeks before the concert. On the first '
  + 'evening the conductor arrived early, opened the score on the podium and listened to the violins tuning one '
  + 'by one. Each musician watched her hands, waiting for the moment she would lift the baton. The oboe gave the '
  + 'note, the strings answered, and the hall slowly filled with people who had come from every part of the '
  + 'city. When the lights went down, she turned to the audience, smiled, and began the first movement with a '
  + 'gesture so small that only the players could see it. The music rose from the cellos, passed to the flutes '
  + 'and returned, louder, to the whole orchestra. By the end of the evening nobody in the hall remembered how '
  + 'long they had waited outside in the rain.';
// From the article the lesson teaches (its introduction, the markup left out).
const PARAGRAPH_PT = 'A verdadeira genialidade dos grandes modelos de linguagem (LLMs) não está em sua vasta '
  + 'memória, mas em um mecanismo de uma elegância impressionante que lhes permite compreender o contexto. Vamos '
  + 'mergulhar no coração dessa máquina para entender como ela realmente pensa. Por décadas, a grande barreira da '
  + 'IA foi capturar as relações de longo alcance na linguagem: entender como a primeira palavra de uma frase '
  + 'longa se conecta à última. A solução para esse problema foi um salto paradigmático, abandonando a análise '
  + 'sequencial por um processo que se assemelha a um maestro regendo sua orquestra. A mágica por trás da '
  + 'coerência de um LLM acontece através de um cálculo especial envolvendo três componentes: Query (Q), Key (K) '
  + 'e Value (V). Mas para entender por que essa orquestra de vetores é tão revolucionária, primeiro precisamos '
  + 'ver o problema que ela veio resolver. Modelos de linguagem mais antigos operavam de forma linear. Eles '
  + 'processavam o texto palavra por palavra, em sequência, o que criava uma limitação fundamental.';
const MODELS = {
  smollm: {
    name: 'SmolLM2-135M-Instruct Q4_1', gguf: '../models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf',
    paragraph: PARAGRAPH_EN, wordsFor: { 32: 28, 128: 109 }, runs: '7,5', decodeRuns: 5,
  },
  gemma: {
    name: 'Gemma 3 270M Q4_K_M', gguf: '../models/gemma3-270m/gemma-3-270m-q4_k_m.gguf',
    trimmed: '../models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf',
    paragraph: PARAGRAPH_PT, wordsFor: { 32: 24, 128: 98 }, runs: '5,5', decodeRuns: 5,
  },
};

const params = new URLSearchParams(location.search);
const MODEL = params.get('model') ?? 'smollm';
const M = MODELS[MODEL];
if (!M) throw new Error(`no model ${MODEL} (${Object.keys(MODELS)})`);
const LENGTHS = (params.get('t') ?? '32,128').split(',').map(Number);
const RUNS = (params.get('runs') ?? M.runs).split(',').map(Number);
const DECODE_RUNS = Number(params.get('decodeRuns') ?? M.decodeRuns);
const TOKENS = Number(params.get('tokens') ?? 32);
const WLLAMA = '../node_modules/@wllama/wllama/';
const TRACE = ['attention', 'q', 'k', 'v', 'logits'];
const out = document.getElementById('out');
const log = (line) => { out.textContent += `\n${line}`; };

/** `tokenIds`: ours (text -> ids), or null before the Decoder exists. */
function promptOf(t, tokenIds) {
  const words = M.paragraph.split(' ');
  if (!tokenIds) {
    if (!M.wordsFor[t]) throw new Error(`without our Decoder only t = ${Object.keys(M.wordsFor)} have a known prompt`);
    return words.slice(0, M.wordsFor[t]).join(' ');
  }
  for (let n = 1; n <= words.length; n++) {
    const text = words.slice(0, n).join(' ');
    const k = tokenIds(text).length;
    if (k === t) return text;
    if (k > t) {
      // A word of several pieces stepped over t: cut inside it (the trimmed vocabulary splits
      // some words, " IA", "LLMs", into more pieces than the full one, so its counts step
      // differently; only ours reads the trimmed prompts).
      const before = words.slice(0, n - 1).join(' ');
      for (const c of [...words[n - 1]].keys()) {
        const cut = `${before} ${[...words[n - 1]].slice(0, c + 1).join('')}`;
        if (tokenIds(cut).length === t) return cut;
      }
      break;
    }
  }
  throw new Error(`no prefix of the paragraph is exactly ${t} tokens`);
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

/** A wasm instance of its own (its own memory), for a second model beside the first: the
 *  package's module imported under another URL, so its wasm is instantiated again. */
async function freshWasm(build, name) {
  const base = new URL(`../www/pkg/${build}/`, import.meta.url);
  const pkg = await import(new URL(`orquestra.js?instance=${name}`, base).href);
  const exports = await pkg.default({ module_or_path: new URL('orquestra_bg.wasm', base) });
  return { ...pkg, memory: exports.memory };
}

const stats = (xs) => ({ ms: median(xs), min: Math.min(...xs), runs: xs.length });
async function main() {
  const wllamaMemory = watchWorkerMemory();
  const ggufBytes = await fetch(M.gguf).then((r) => r.arrayBuffer());
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

  // Ours on the trimmed bundle, in a wasm instance of its own.
  let small = null; // { dec, tokenIds }
  let trimmed = null;
  const trimmedResponse = dec && M.trimmed ? await fetch(M.trimmed) : null;
  if (trimmedResponse && !trimmedResponse.ok) log(`no trimmed bundle (${M.trimmed}: ${trimmedResponse.status}): ours untrimmed alone`);
  if (trimmedResponse?.ok) {
    const trimmedBytes = new Uint8Array(await trimmedResponse.arrayBuffer());
    const pkg2 = await freshWasm(build, 'trimmed');
    trimmed = { ggufBytes: trimmedBytes.byteLength, memoryBeforeLoad: pkg2.memory.buffer.byteLength };
    t0 = performance.now();
    const d = new pkg2.Decoder(trimmedBytes);
    trimmed.loadMs = performance.now() - t0;
    trimmed.memoryAfterLoad = pkg2.memory.buffer.byteLength;
    trimmed.info = d.info();
    small = { dec: d, tokenIds: (text) => d.tokenIds(text, trimmed.info.maxPositions), memory: pkg2.memory };
    log(`ours, trimmed: Decoder in ${trimmed.loadMs.toFixed(0)} ms, ${JSON.stringify(trimmed.info)}`);
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
  const marginOf = (d, run) => { const [a, b] = d.top(run, 2); return a.logit - b.logit; };
  // Ours, timed: the prefill with every trace tensor copied out, or the logits alone.
  const oursPrefill = (d, ids, trace) => {
    const start = performance.now();
    const run = d.prefill(ids, trace);
    for (const name of trace ? TRACE : ['logits']) run.tensor(name);
    if (trace) d.hidden(); // the residual stream (L+1, T, D), copied out too
    const ms = performance.now() - start;
    run.free();
    return ms;
  };
  // Ours, greedy decode: timed from the end of the prefill; each step's attention row copied out.
  const oursDecode = (d, ids, n, withLogits = false) => {
    const run = d.prefill(ids, false);
    const start = performance.now();
    let id = run.argmax();
    run.free();
    const tokens = [id];
    const margins = [];
    for (let i = 1; i < n; i++) {
      const s = d.step(id);
      s.tensor('attention');
      if (withLogits) margins.push(marginOf(d, s));
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
    const mine = oursDecode(dec, ids, TOKENS, true);
    const first = dec.prefill(ids, false);
    const firstMargin = marginOf(dec, first);
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
  if (small) {
    // The trimmed bundle on the same text (its own ids, maybe more of them), compared by text.
    const ids = small.tokenIds(decodePrompt);
    const mine = oursDecode(small.dec, ids, TOKENS);
    greedy.trimmed = { promptTokens: ids.length, tokens: mine.tokens, text: small.dec.decode(Uint32Array.from(mine.tokens)) };
    greedy.trimmed.sameText = greedy.trimmed.text === greedy.oursText;
  }
  log(`greedy: ${JSON.stringify(greedy)}`);

  // Warm-up: each engine once (wasm tiers up; wllama's first request allocates its buffers).
  if (dec) { const w = tokenIds(promptOf(LENGTHS[0], tokenIds)); oursPrefill(dec, w, true); oursPrefill(dec, w, false); }
  if (small) oursPrefill(small.dec, small.tokenIds(promptOf(LENGTHS[0], small.tokenIds)), true);
  await complete(promptOf(LENGTHS[0], tokenIds), 1);

  const rows = [];
  for (const [j, t] of LENGTHS.entries()) {
    const text = promptOf(t, tokenIds);
    const ids = dec ? tokenIds(text) : null;
    if (dec) oursPrefill(dec, ids, true);
    const smallText = small ? promptOf(t, small.tokenIds) : null;
    const smallIds = small ? small.tokenIds(smallText) : null;
    if (small) oursPrefill(small.dec, smallIds, true);
    const times = { trace: [], logits: [], trimmed: [], wllama: [], wllamaWall: [] };
    const order = dec ? ['trace', 'logits', ...(small ? ['trimmed'] : []), 'wllama'] : ['wllama'];
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
        } else if (which === 'trimmed') {
          times.trimmed.push(oursPrefill(small.dec, smallIds, true));
        } else {
          times[which].push(oursPrefill(dec, ids, which === 'trace'));
        }
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    const row = { t, words: text.split(' ').length, wllama: stats(times.wllama), wllamaWall: stats(times.wllamaWall) };
    if (dec) Object.assign(row, { trace: stats(times.trace), logits: stats(times.logits) });
    if (small) Object.assign(row, { trimmed: stats(times.trimmed), trimmedWords: smallText.split(' ').length });
    rows.push(row);
    log(JSON.stringify(row));
  }

  // Decode: TOKENS greedy tokens after the decode prompt, alternating.
  const decodeIds = dec ? tokenIds(decodePrompt) : null;
  const smallDecodeIds = small ? small.tokenIds(promptOf(decodeT, small.tokenIds)) : null;
  const steps = { ours: [], trimmed: [], wllama: [] };
  const engines = dec ? ['ours', ...(small ? ['trimmed'] : []), 'wllama'] : ['wllama'];
  for (let i = 0; i < DECODE_RUNS; i++) {
    for (let k = 0; k < engines.length; k++) {
      const which = engines[(i + k) % engines.length];
      if (which === 'ours') {
        steps.ours.push(oursDecode(dec, decodeIds, TOKENS).msPerStep);
      } else if (which === 'trimmed') {
        steps.trimmed.push(oursDecode(small.dec, smallDecodeIds, TOKENS).msPerStep);
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
  if (small) decode.trimmed = stats(steps.trimmed);
  log(`decode: ${JSON.stringify(decode)}`);

  theirs.memoryAfterRuns = await wllamaMemory();
  if (dec) ours.memoryAfterRuns = pkg.memory.buffer.byteLength;
  if (small) trimmed.memoryAfterRuns = small.memory.buffer.byteLength;
  window.decoderResults = {
    model: MODEL, name: M.name, ours, trimmed, theirs, rows, decode, greedy, ggufBytes: ggufBytes.byteLength, hasDecoder: !!dec, userAgent: navigator.userAgent,
  };
}

// ?profile=untrimmed|trimmed: ours alone on the model's GGUF (or its trimmed bundle), warmed
// up, for bench/run.mjs profile-gemma to sample the CPU: window.go(n, kind) times n prefills
// of the last t (kind 'prefill': logits only; 'trace': the full trace copied out) or n decode
// steps after the 32-token prompt ('step': one prefill, then n steps, each copying its
// attention row out) and returns the median ms.
async function profileMain() {
  const pkg = await loadWasm(params.get('build') ?? bestBuild());
  const url = params.get('profile') === 'trimmed' ? M.trimmed : M.gguf;
  const dec = new pkg.Decoder(new Uint8Array(await fetch(url).then((r) => r.arrayBuffer())));
  const max = dec.info().maxPositions;
  const tokenIds = (text) => dec.tokenIds(text, max);
  const prefillIds = tokenIds(promptOf(LENGTHS[LENGTHS.length - 1], tokenIds));
  const stepIds = tokenIds(promptOf(32, tokenIds));
  const prefill = (trace) => {
    const start = performance.now();
    const run = dec.prefill(prefillIds, trace);
    for (const name of trace ? TRACE : ['logits']) run.tensor(name);
    if (trace) dec.hidden();
    run.free();
    return performance.now() - start;
  };
  const steps = (n) => {
    const run = dec.prefill(stepIds, false);
    let id = run.argmax();
    run.free();
    return Array.from({ length: n }, () => {
      const start = performance.now();
      const s = dec.step(id);
      s.tensor('attention');
      id = s.argmax();
      s.free();
      return performance.now() - start;
    });
  };
  prefill(false); prefill(true); steps(8);
  window.go = (n, kind) => median(kind === 'step' ? steps(n) : Array.from({ length: n }, () => prefill(kind === 'trace')));
  window.profileInfo = { url, prefillTokens: prefillIds.length, stepPrompt: stepIds.length, info: dec.info() };
  window.profileReady = true;
  log(`profile: ${JSON.stringify(window.profileInfo)}`);
}

if (params.has('profile')) profileMain().catch((e) => { window.profileError = String(e.stack ?? e); log(window.profileError); });
else main().catch((e) => { window.decoderResults = { error: String(e.stack ?? e) }; log(String(e.stack ?? e)); });
