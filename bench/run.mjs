// `make bench`: runs the bench pages in headless Chromium and prints their tables.
//   node bench/run.mjs [peer|models|quant|integer|ablation|load|builds|prefetch|matmul|profile|profile-gemma|decoder|decoder-gemma|writer|writer-smollm|writer-gemma ...] [--query=?t=32&runs=31]
// With no section named, runs them all. The peer table is also written to bench/results.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { serve } from '../scripts/serve.mjs';
import { launch } from '../tests/browser/chromium.mjs';

const args = process.argv.slice(2);
const query = args.find((a) => a.startsWith('--query='))?.slice('--query='.length) ?? '';
const named = args.filter((a) => !a.startsWith('--'));
const sections = named.length ? named : ['peer', 'models', 'quant', 'ablation', 'load', 'builds', 'prefetch', 'matmul', 'profile', 'decoder', 'decoder-gemma', 'writer'];

const server = await serve('.', 0);
const base = `http://127.0.0.1:${server.address().port}`;
const ctx = await launch();

async function runPage(path, global, minutes) {
  const page = await ctx.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error(m.text()));
  await page.goto(`${base}/${path}${query}`);
  await page.waitForFunction((g) => window[g], global, { timeout: minutes * 60_000, polling: 500 });
  const results = await page.evaluate((g) => window[g], global);
  await page.close();
  if (results.error) throw new Error(`${path}: ${results.error}`);
  return results;
}

// Our decoder against llama.cpp in wasm (wllama) on one model's GGUF (bench/decoder.html?model=).
// wllama starts its worker from a blob: URL, which the page's strict policy (worker-src 'self')
// refuses, so this page is served without the CSP header; every request it and its worker make
// is watched.
async function decoderSection(model, file) {
  const open = await serve('.', 0, { csp: false });
  const origin = `http://127.0.0.1:${open.address().port}`;
  const local = (u) => u.startsWith(`${origin}/`) || u.startsWith(`blob:${origin}/`) || u.startsWith('data:');
  const outside = [];
  const page = await ctx.newPage();
  page.on('request', (req) => { if (!local(req.url())) outside.push(req.url()); });
  page.on('console', (m) => m.type() === 'error' && console.error(m.text()));
  let r;
  try {
    await page.goto(`${origin}/bench/decoder.html?model=${model}${query.replace(/^\?/, '&')}`);
    await page.waitForFunction(() => window.decoderResults, null, { timeout: 20 * 60_000, polling: 1000 });
    r = await page.evaluate(() => window.decoderResults);
  } finally {
    await page.close();
    open.close();
  }
  if (r.error) throw new Error(`bench/decoder.html?model=${model}: ${r.error}`);
  const { ours, trimmed, theirs, decode, greedy } = r;
  const mb = (b) => (b / 1e6).toFixed(1);
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  const cell = (x, w) => (x ? `${f(x.ms, w, 1)} (${f(x.min, 7, 1)})` : `${'-'.padStart(w)} ${''.padStart(9)}`);
  const ratio = (a, b, w) => (a ? f(a.ms / b.ms, w) : '-'.padStart(w));
  console.log(`\n${r.name} (${mb(r.ggufBytes)} MB GGUF), headless Chromium, one page, one thread each, runs alternating:`);
  console.log(`Orquestra Decoder (${r.hasDecoder ? `${ours.build} build` : `not in the ${ours.build} build yet: wllama alone`}) vs wllama ${theirs.version} (llama.cpp ${theirs.llamaCpp}, wasm, ${theirs.threads} thread, WebGPU off).`);
  console.log('prefill of a T-token prompt, median (min) ms: ours with the full trace copied out (attention, q, k, v, hidden, logits),');
  console.log("ours with the logits only, wllama's own prompt time (timings.prompt_ms) and its whole request (1 token, as JS waits for it)");
  if (trimmed) {
    console.log(`ours trimmed: the page's bundle (${mb(trimmed.ggufBytes)} MB, ${trimmed.info.vocab} pieces, the head over them), full trace, its own T-token prompt`);
    console.log('    T   ours, full trace      ours, logits     ours trimmed      wllama prompt_ms      wllama request  trace/wllama logits/wllama trimmed/wllama  runs');
  } else {
    console.log('    T   ours, full trace      ours, logits     wllama prompt_ms      wllama request  trace/wllama logits/wllama  runs');
  }
  for (const x of r.rows) {
    const small = trimmed ? ` ${cell(x.trimmed, 8)}` : '';
    const smallRatio = trimmed ? ` ${ratio(x.trimmed, x.wllama, 14)}` : '';
    console.log(`${String(x.t).padStart(5)} ${cell(x.trace, 9)} ${cell(x.logits, 8)}${small} ${cell(x.wllama, 10)} ${cell(x.wllamaWall, 9)} ${ratio(x.trace, x.wllama, 13)} ${ratio(x.logits, x.wllama, 13)}${smallRatio} ${String(x.wllama.runs).padStart(5)}`);
  }
  const tps = (x) => 1000 / x.ms;
  const perStep = (x) => `${f(x.ms, 6, 1)} (${f(x.min, 5, 1)}) = ${f(tps(x), 5, 1)} tokens/s`;
  console.log(`decode: ${decode.tokens} greedy tokens after the ${decode.t}-token prompt = ${decode.tokens - 1} steps through the KV cache (llama-server's count;`);
  console.log(`ours copies each step's attention row out), median (min) ms per step, ${decode.wllama.runs} runs:`);
  console.log(`  ours ${decode.ours ? perStep(decode.ours) : '-'}   wllama ${perStep(decode.wllama)}   ours/wllama ${decode.ours ? `${f(tps(decode.ours) / tps(decode.wllama), 4)}x tokens/s` : '-'}`);
  if (decode.trimmed) console.log(`  ours trimmed ${perStep(decode.trimmed)}   trimmed/wllama ${f(tps(decode.trimmed) / tps(decode.wllama), 4)}x tokens/s`);
  const quoted = (s) => JSON.stringify(s);
  if (!r.hasDecoder) {
    console.log(`greedy continuation (wllama alone): ${quoted(greedy.text)}`);
  } else if (greedy.divergeAt === null) {
    console.log(`greedy continuation: the same ${greedy.ours.length} tokens in both: ${quoted(greedy.oursText)}`);
  } else {
    const d = greedy.detail;
    console.log(`greedy continuation: the same first ${d.index} of ${decode.tokens} tokens (${quoted(d.agreedText)}), then ours ${d.ours} ${quoted(d.oursToken)}`);
    console.log(`  (its lead over the runner-up ${f(d.oursMargin, 0, 3)} in logits) where wllama picks ${d.wllama} ${quoted(d.wllamaToken)} (lead ${d.wllamaMargin === null ? '?' : f(d.wllamaMargin, 0, 3)} in log-probabilities)`);
    console.log(`  ours:   ${quoted(greedy.oursText)}`);
    console.log(`  wllama: ${quoted(greedy.text)}`);
  }
  if (greedy.trimmed) {
    const g = greedy.trimmed;
    console.log(`  trimmed bundle on the same text (${g.promptTokens} of its tokens): ${g.sameText ? 'the same text as ours untrimmed' : `differs: ${quoted(g.text)}`}`);
  }
  console.log('wasm memory (bytes of linear memory, which grows and never shrinks):');
  if (r.hasDecoder) console.log(`  ours   ${mib(ours.memoryAfterLoad).padStart(6)} MiB after load, ${mib(ours.memoryAfterRuns).padStart(6)} MiB after the runs (memory.buffer.byteLength; the GGUF is copied in once and read in place)`);
  if (trimmed) console.log(`  ours trimmed ${mib(trimmed.memoryAfterLoad).padStart(6)} MiB after load, ${mib(trimmed.memoryAfterRuns).padStart(6)} MiB after the runs (a wasm instance of its own; ${mib(trimmed.ggufBytes)} MiB of GGUF)`);
  console.log(`  wllama ${mib(theirs.memoryAfterLoad).padStart(6)} MiB after load, ${mib(theirs.memoryAfterRuns).padStart(6)} MiB after the runs (n_ctx 512; byteLength of every WebAssembly.Memory its worker made, read inside the worker)`);
  console.log('load:');
  if (r.hasDecoder) console.log(`  ours   Decoder from the GGUF bytes in memory ${f(ours.loadMs, 6, 0)} ms (the ${mb(ours.wasmBytes)} MB wasm compiled and instantiated before: ${ours.initMs.toFixed(0)} ms)`);
  if (trimmed) console.log(`  ours trimmed, Decoder from its bytes in memory ${f(trimmed.loadMs, 6, 0)} ms`);
  console.log(`  wllama loadModel from a Blob of the same bytes ${f(theirs.loadMs, 6, 0)} ms (its worker started, the ${mb(theirs.wasmBytes)} MB wasm fetched from localhost and compiled, the GGUF read)`);
  console.log(`requests outside ${origin}: ${outside.length ? outside.join(', ') : 'none'}`);
  writeFileSync(`bench/out/${file}`, JSON.stringify({ ...r, outside }, null, 1));
}

let peerResults = null;
let loadResults = null;
const f = (v, w, d = 2) => v.toFixed(d).padStart(w);
mkdirSync('bench/out', { recursive: true });
try {
  if (sections.includes('peer')) {
    const r = await runPage('bench/peer.html', 'peerResults', 30);
    console.log(`\nOrquestra (${r.build} build, full trace) vs ONNX Runtime Web ${r.ortVersion} (wasm, 1 thread, fp32), all-MiniLM-L6-v2,`);
    console.log('same token ids, headless Chromium, one page, runs rotating; every engine copies attention + hidden out to JS.');
    console.log('Orquestra f32: the f32 bundle (attention checked against ORT); int8: the default bundle, weights kept');
    console.log('quantized (new path) or widened to f32 panels at load (old path; same attention, checked). Median (min) ms.');
    console.log('    T     f32 bundle   int8 quantized  int8 old path          ort  f32/ort quant/ort  old/ort  f32 vs ort  runs');
    for (const x of r.rows) {
      console.log(`${String(x.t).padStart(5)} ${f(x.orqMs, 7)} (${f(x.orqMin, 5, 1)}) ${f(x.quantMs, 8)} (${f(x.quantMin, 5, 1)}) ${f(x.oldMs, 8)} (${f(x.oldMin, 5, 1)}) ${f(x.ortMs, 7)} (${f(x.ortMin, 5, 1)}) ${f(x.ratio, 8)} ${f(x.quantRatio, 9)} ${f(x.oldRatio, 8)} ${x.maxDiff.toExponential(1).padStart(11)} ${String(x.runs).padStart(5)}`);
    }
    peerResults = r;
  }
  if (sections.includes('models')) {
    const r = await runPage('bench/models.html', 'modelsResults', 20);
    console.log(`\nboth models, ${r.build} build, headless Chromium, one thread, alternating, median (min) of runs`);
    console.log('    T  MiniLM-L6 int8 ms (min)  GFLOP/s   e5-small q4_0 ms (min)  GFLOP/s   e5/MiniLM');
    for (const x of r.rows) {
      console.log(`${String(x.t).padStart(5)} ${f(x.minilm.ms, 16)} (${f(x.minilm.min, 6)}) ${f(x.minilm.gflops, 8, 1)} ${f(x.e5pt.ms, 17)} (${f(x.e5pt.min, 6)}) ${f(x.e5pt.gflops, 8, 1)} ${f(x.e5pt.ms / x.minilm.ms, 10)}x`);
    }
    writeFileSync('bench/out/models.json', JSON.stringify(r, null, 1));
  }
  if (sections.includes('quant')) {
    console.log('\nweights kept quantized (int8 / 4-bit widened chunk by chunk in the matmul) vs widened to f32 panels at load,');
    console.log('one page per model and path (fresh wasm memory): memory after load and after one run, engine creation from bytes');
    const mib = (b) => (b / 2 ** 20).toFixed(1);
    for (const model of ['minilm', 'e5pt']) for (const keep of [0, 1]) {
      const r = await runPage(`bench/quant.html?mode=memory&model=${model}&keep=${keep}`, 'quantResults', 5);
      console.log(`  ${model.padEnd(7)} ${keep ? 'quantized' : 'f32 panels'}: ${mib(r.memoryAfterLoad).padStart(6)} MiB after load, ${mib(r.memoryAfterRun).padStart(6)} MiB after a run, created in ${r.loadMs.toFixed(0)} ms`);
    }
    const r = await runPage('bench/quant.html?mode=speed', 'quantResults', 20);
    console.log(`forward pass, ${r.build} build, both paths in one page alternating, median (min) ms:`);
    console.log('  model      T   f32 panels          quantized      quantized/f32');
    for (const x of r.rows) console.log(`  ${x.model.padEnd(7)} ${String(x.t).padStart(4)} ${f(x.oldMs, 9)} (${f(x.oldMin, 6)}) ${f(x.newMs, 9)} (${f(x.newMin, 6)}) ${f(x.newMs / x.oldMs, 10)}`);
    const c = await runPage('bench/quant.html?mode=copies', 'quantResults', 20);
    console.log(`a page's run (forward pass + copies to JavaScript), ${c.build} build, every tensor (as before) and as runs are now`);
    console.log('(no raw scores: the page derives its row from q and k; no rollout: the Flow view asks for it), alternating, median ms:');
    console.log('  model      T  forward   every tensor (MB)   now (MB)     now/before');
    for (const x of c.rows) console.log(`  ${x.model.padEnd(7)} ${String(x.t).padStart(4)} ${f(x.forwardMs, 8)} ${f(x.allMs, 9)} (${f(x.allMB, 5, 0)}) ${f(x.leanMs, 9)} (${f(x.leanMB, 5, 0)}) ${f(x.leanMs / x.allMs, 10)}`);
  }
  if (sections.includes('integer') || sections.includes('quant')) {
    const r = await runPage('bench/quant.html?mode=integer', 'quantResults', 20);
    console.log(`\nthe integer path (activations to 8 bits per 32 inputs, i32 dot products) vs f32 activations, ${r.build} build,`);
    console.log('one engine, runs alternating, median ms; its accuracy against the f32 reference as convert measured it:');
    console.log('  model      T   f32 act.   integer   integer/f32   max attention diff   same top piece');
    for (const x of r.rows) console.log(`  ${x.model.padEnd(7)} ${String(x.t).padStart(4)} ${f(x.f32Ms, 9)} ${f(x.intMs, 9)} ${f(x.ratio, 12)} ${f(x.accuracy?.maxAttentionDiff ?? NaN, 17, 4)} ${f(100 * (x.accuracy?.sameTopKey ?? NaN), 14, 1)}%`);
  }
  if (sections.includes('ablation')) {
    const r = await runPage('bench/ablation.html', 'ablationResults', 10);
    console.log(`\nranking the most influential judges (one run per head with it dismissed, its hidden states copied out, the word's cosine), ${r.build} build, one thread, median (min) of 3`);
    const target = { minilm: 2500, e5pt: 8000 };
    for (const x of r.rows) console.log(`  ${x.model.padEnd(7)} ${String(x.heads).padStart(3)} heads, T = ${x.t}: ${f(x.ms / 1000, 6)} s (${f(x.min / 1000, 5)} s)   target ${target[x.model] / 1000} s`);
  }
  if (sections.includes('load')) {
    const r = await runPage('bench/load.html', 'loadResults', 5);
    console.log(`\nnew engine worker to loaded engine, int8 bundle from the Cache API (second visit), ${r.runs} loads:`);
    console.log(`  median ${r.medianMs.toFixed(0)} ms, min ${r.minMs.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms (first visit with the download from localhost: ${r.firstMs.toFixed(0)} ms)`);
    loadResults = r;
  }
  if (sections.includes('builds')) {
    const r = await runPage('bench/index.html', 'benchResults', 20);
    console.log(`\nOrquestra's three wasm builds, headless Chromium, one thread, int8 bundle (weights kept quantized), median of runs`);
    console.log('    T  relaxed ms  GFLOP/s   simd ms  GFLOP/s  no-simd ms  GFLOP/s  simd/no-simd  relaxed/simd');
    for (const x of r.rows) {
      console.log(`${String(x.t).padStart(5)} ${f(x.relaxedMs, 11)} ${f(x.relaxedGflops, 8, 1)} ${f(x.simdMs, 9)} ${f(x.simdGflops, 8, 1)} ${f(x.nosimdMs, 11)} ${f(x.nosimdGflops, 8, 1)} ${f(x.speedup, 12)}x ${f(x.simdMs / x.relaxedMs, 12)}x`);
    }
    writeFileSync('bench/out/wasm.json', JSON.stringify(r, null, 1));
  }
  if (sections.includes('prefetch')) {
    const r = await runPage('bench/prefetch.html', 'prefetchResults', 10);
    console.log(`\nthe matmul's weight prefetch on and off, ${r.build} build, one engine, ${r.runs} runs each, alternating`);
    console.log('    T  on ms (min)      off ms (min)     on/off');
    for (const x of r.rows) console.log(`${String(x.t).padStart(5)} ${f(x.onMs, 6)} (${f(x.onMin, 6)}) ${f(x.offMs, 8)} (${f(x.offMin, 6)}) ${f(x.onMs / x.offMs, 9)}`);
  }
  if (sections.includes('matmul')) {
    const r = await runPage('bench/matmul.html', 'matmulResults', 10);
    console.log('\nmatmul kernel alone (M×K·K×N), best wasm build, GFLOP/s over 5 timings, median (best)');
    console.log('         shape     f32 panels          int8         4-bit');
    for (const m of r) console.log(`${m.shape.padStart(14)}  ${['f32', 'int8', '4bit'].map((w) => `${f(m[w].median, 5, 1)} (${f(m[w].max, 5, 1)})`).join('  ')}`);
  }
  if (sections.includes('profile')) {
    // Where a forward pass spends its time: V8's sampling profiler over 300 runs, self time by
    // wasm function (the builds keep their name section).
    // PROFILE_QUERY adds to the page's query (e.g. `&integer=1` for the integer path).
    for (const [model, t] of [['minilm', 32], ['e5pt', 32], ['minilm', 512]]) {
      const page = await ctx.newPage();
      await page.goto(`${base}/bench/profile.html?model=${model}&t=${t}${process.env.PROFILE_QUERY ?? ''}`);
      await page.waitForFunction(() => window.profileReady, null, { timeout: 60_000 });
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
      const median = await page.evaluate((n) => window.go(n), t >= 512 ? 20 : 300);
      const { profile } = await cdp.send('Profiler.stop');
      await page.close();
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map();
      for (const id of profile.samples) {
        const frame = nodes.get(id).callFrame;
        const name = (frame.functionName || '(other)').replace(/::h[0-9a-f]{16}$/, '');
        self.set(name, (self.get(name) ?? 0) + 1);
      }
      console.log(`\nprofile, ${model} T = ${t}: median ${median.toFixed(1)} ms per forward pass (profiler on); self time:`);
      for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
        console.log(`  ${(100 * n / profile.samples.length).toFixed(1).padStart(5)}%  ${name}`);
      }
    }
  }
  if (sections.includes('profile-gemma')) {
    // Where Gemma 3 270M's time goes in our decoder: the same sampling as above over prefills
    // of 128 tokens (logits only) and over decode steps, on the untrimmed GGUF (the head over
    // 262,144 pieces) and the page's trimmed bundle.
    const cases = [['untrimmed', 'prefill', 12], ['untrimmed', 'step', 150], ['trimmed', 'prefill', 12], ['trimmed', 'step', 150]];
    for (const [which, kind, n] of cases) {
      const page = await ctx.newPage();
      await page.goto(`${base}/bench/decoder.html?model=gemma&profile=${which}${process.env.PROFILE_QUERY ?? ''}`);
      await page.waitForFunction(() => window.profileReady || window.profileError, null, { timeout: 180_000, polling: 500 });
      const error = await page.evaluate(() => window.profileError);
      if (error) throw new Error(`profile-gemma: ${error}`);
      const info = await page.evaluate(() => window.profileInfo);
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
      const median = await page.evaluate(([m, k]) => window.go(m, k), [n, kind]);
      const { profile } = await cdp.send('Profiler.stop');
      await page.close();
      const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
      const parent = new Map(profile.nodes.flatMap((x) => (x.children ?? []).map((c) => [c, x.id])));
      const short = (name) => (name || '(other)').replace(/::h[0-9a-f]{16}$/, '').replace(/^orquestra::/, '');
      const self = new Map();
      // Time by path below the forward pass (`run`): a prompt's head is the f32 matmul called
      // from run itself, the layers' projections go through QMatrix::matmul (in a decode step
      // the head does too), attention's products are kernels::matmul called from run.
      const paths = new Map();
      for (const id of profile.samples) {
        const name = short(nodes.get(id).callFrame.functionName);
        self.set(name, (self.get(name) ?? 0) + 1);
        const up = [];
        let c = id;
        for (; c !== undefined && !/LlamaForCausalLM::run/.test(nodes.get(c).callFrame.functionName); c = parent.get(c)) up.push(short(nodes.get(c).callFrame.functionName));
        const path = c === undefined ? `outside the forward pass: ${name}` : up.length > 1 ? `run > ${up[up.length - 1]} … ${name}` : up.length ? `run > ${name}` : 'run itself';
        paths.set(path, (paths.get(path) ?? 0) + 1);
      }
      const what = kind === 'step' ? `${n} decode steps after a ${info.stepPrompt}-token prompt (and that one prefill)` : `${n} prefills of ${info.prefillTokens} tokens (logits only)`;
      const share = (c) => `${(100 * c / profile.samples.length).toFixed(1).padStart(5)}%`;
      console.log(`\nprofile, Gemma 3 270M ${which} (${info.info.vocab} pieces), ${what}: median ${median.toFixed(1)} ms each (profiler on); self time:`);
      for (const [name, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${share(c)}  ${name}`);
      console.log('  by path:');
      for (const [path, c] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${share(c)}  ${path}`);
    }
  }
  // Issue 24's speeds on the page itself (v=proxima), for each model that writes: SmolLM2 on an
  // English text, Gemma 3 270M (the page's trimmed bundle) on a Portuguese one. From the model
  // being ready (the status names its weights) to the ten next-word bars for a 32-token text, and
  // the time between written tokens while Write runs in the worker, as the page draws them.
  // `writer` runs both; `writer-smollm` or `writer-gemma` one.
  const WRITERS = [
    { key: 'smollm', name: 'SmolLM2', gguf: 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf', precision: 'q4_1', lang: 'en', out: 'writer.json',
      text: 'The old lighthouse keeper climbed the narrow stairs every evening to light the lamp, and from the top he watched the fishing boats come home across the grey water before the storm' },
    { key: 'gemma', name: 'Gemma 3 270M', gguf: 'models/gemma3-270m/gemma-3-270m-pt-en.q4_k_m.gguf', precision: 'q4_k_m', lang: 'pt', out: 'writer-gemma.json',
      text: 'O velho faroleiro subia a escada estreita todas as noites para acender a lanterna, e do alto via os barcos de pesca voltarem para casa pelo mar cinzento antes da tempestade' },
  ];
  for (const w of WRITERS.filter((x) => sections.includes('writer') || sections.includes(`writer-${x.key}`))) {
    const cli = (text) => JSON.parse(execFileSync('target/release/orquestra', ['generate', '--model', w.gguf, text, '--tokens', '1', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const words = w.text.split(' ');
    let prompt = '';
    for (let n = 1; n <= words.length && cli(prompt = words.slice(0, n).join(' ')).prompt.ids.length < 32; n++);
    const tokens = cli(prompt).prompt.ids.length; // (Gemma's count includes its <bos>)
    const rows = [];
    for (let run = 0; run < 3; run++) {
      const page = await ctx.newPage();
      await page.addInitScript((precision) => {
        window.marks = {};
        const seen = new Set();
        new MutationObserver(() => {
          const now = performance.now();
          if (!window.marks.ready && (document.getElementById('status')?.textContent ?? '').includes(precision)) window.marks.ready = now;
          if (window.marks.ready && !window.marks.bars && document.querySelectorAll('.next-bar').length === 10 && !document.querySelector('.next-bars.stale')) window.marks.bars = now;
          const n = document.querySelectorAll('.written-tok').length;
          if (n && !seen.has(n)) { seen.add(n); (window.marks.tokens ??= []).push(now); }
        }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
      }, w.precision);
      await page.goto(`${base}/#s=${encodeURIComponent(prompt)}&v=proxima&m=${w.key}&lang=${w.lang}&n=32`);
      await page.waitForFunction(() => window.marks.bars, null, { timeout: 180_000, polling: 100 });
      await page.click('.write-button:not(.stop)');
      await page.waitForFunction(() => !document.querySelector('.write-button.stop') && document.querySelector('.written-status') && (window.marks.tokens?.length ?? 0) >= 2, null, { timeout: 120_000, polling: 200 });
      const m = await page.evaluate(() => window.marks);
      const gaps = m.tokens.slice(1).map((t, i) => t - m.tokens[i]);
      rows.push({ firstGuessMs: m.bars - m.ready, tokenMs: gaps.sort((a, b) => a - b)[gaps.length >> 1], tokenMaxMs: Math.max(...gaps), written: m.tokens.length });
      await page.close();
    }
    const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1];
    console.log(`\nthe model that writes on the page (${w.name}, v=proxima, the page's own engine choice), a ${tokens}-token text, ${rows.length} page loads:`);
    console.log(`  model ready → the ten next-word bars drawn: median ${med('firstGuessMs').toFixed(0)} ms (each: ${rows.map((r) => r.firstGuessMs.toFixed(0)).join(', ')}; target 1500)`);
    console.log(`  Write, 32 tokens: median gap between drawn tokens ${med('tokenMs').toFixed(1)} ms (each run's median: ${rows.map((r) => r.tokenMs.toFixed(1)).join(', ')}; longest ${Math.max(...rows.map((r) => r.tokenMaxMs)).toFixed(0)} ms; target 150)`);
    writeFileSync(`bench/out/${w.out}`, JSON.stringify({ model: w.key, prompt, tokens, rows }, null, 1));
  }
  // Our decoder against llama.cpp in wasm (wllama): SmolLM2's GGUF, and Gemma 3 270M's
  // untrimmed GGUF (ours also on the page's trimmed bundle).
  if (sections.includes('decoder')) await decoderSection('smollm', 'decoder.json');
  if (sections.includes('decoder-gemma')) await decoderSection('gemma', 'decoder-gemma.json');
  if (peerResults) {
    writeFileSync('bench/results.json', `${JSON.stringify({ date: new Date().toISOString(), peer: peerResults, load: loadResults }, null, 1)}\n`);
  }
} finally {
  await ctx.close();
  server.close();
}
