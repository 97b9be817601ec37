// The engine's Web Worker: downloads the model (reporting bytes), builds the engine, runs
// sentences. The page talks to it through client.js only.
import { createEngine, loadWasm } from './wasm-engine.js';
import { createDecoderEngine, isGguf } from './decoder.js';
import { buffersOf } from './run.js';

let engine = null;
let generation = 0; // the writing under way; a stop, a newer writing or a run ends it (latest wins)

/** Errors cross to the page as a code it acts on (src/error.rs codes, or the worker's own:
 *  'download', 'engine', 'not-loaded', 'superseded', 'internal') and a message for people. */
const coded = (code, message, params = {}) => Object.assign(new Error(message), { code, params });
const CACHE = 'orquestra-model-v1';
const MAX_CACHED = 3; // models kept; the page's two and one of a host's own

async function openCache() {
  try { return await caches.open(CACHE); } catch { return null; } // no Cache API (e.g. opaque origin)
}

// The build's manifest (scripts/make_manifest.mjs): the sha256 of each model it names.
const MANIFEST = new URL('../models.json', import.meta.url);
let manifest = null;

/** { url: sha256 } for the models this build names, by absolute URL. */
function named() {
  manifest ??= fetch(MANIFEST).then((r) => (r.ok ? r.json() : {})).catch(() => ({}))
    .then((m) => Object.fromEntries(Object.entries(m).map(([path, sha]) => [new URL(path, MANIFEST).href, sha])));
  return manifest;
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A named model is cached under its content hash: a new model at the same URL is a new key,
 *  and what a key holds is checked against it. Another URL (a host's own) is keyed by itself. */
const cacheKey = (url, sha) => (sha ? `${url}${url.includes('?') ? '&' : '?'}orquestra-sha256=${sha}` : url);

/** Drops cached copies of named models that are not the build's (an older model, or bytes
 *  stored there by something else). */
async function dropUnnamed(cache, models) {
  for (const request of (await cache?.keys().catch(() => [])) ?? []) {
    const [base, sha] = request.url.split(/[?&]orquestra-sha256=/);
    if (Object.hasOwn(models, base) ? sha !== models[base] : sha !== undefined) await cache.delete(request).catch(() => {});
  }
}

/** The bundle's bytes: from the Cache API when a previous visit stored them, else the network.
 *  A cached copy comes with `intact`, a promise of whether it is still the model this build
 *  names (its sha256), computed while the engine is built from it; `refetch()` drops it and
 *  downloads the real one. */
async function modelBytes(url) {
  const cache = await openCache();
  const models = await named();
  const sha = Object.hasOwn(models, url) ? models[url] : null;
  await dropUnnamed(cache, models);
  const key = cacheKey(url, sha);
  const hit = await cache?.match(key);
  // A host's own model (no sha256 to key it by) is asked of the network first, revalidated
  // past the HTTP cache: a file replaced on the host arrives; the cached copy serves offline.
  if (hit && !sha) {
    try {
      return await fetchModel(url, sha, cache, key);
    } catch (e) {
      if (e?.code !== 'download') throw e; // a bad file is said, not hidden by an old copy
    }
  }
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    postMessage({ type: 'progress', received: bytes.length, total: bytes.length, cached: true });
    const intact = sha ? sha256(bytes).then((h) => h === sha, () => false) : Promise.resolve(true);
    const refetch = async () => {
      await cache.delete(key); // not the model it is filed as: fetch the real one
      return fetchModel(url, sha, cache, key);
    };
    return { bytes, cache, cached: true, key, intact, refetch };
  }
  return fetchModel(url, sha, cache, key);
}

/** The bundle from the network, checked against the build's sha256; `store()` caches it,
 *  called once the engine has accepted it (a bad file must not evict a good model). */
async function fetchModel(url, sha, cache, key) {
  const bytes = await download(url, sha ? 'default' : 'no-cache');
  if (sha && (await sha256(bytes)) !== sha) {
    throw coded('download', `${url} is not the model this build names (its sha256 differs): the host may be serving another version; reload later`);
  }
  const store = async () => {
    await cache?.put(key, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => {});
    // The cache holds a few models at most (each about 24 MB): the oldest go first.
    const keys = (await cache?.keys().catch(() => [])) ?? [];
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_CACHED))) await cache.delete(old).catch(() => {});
  };
  return { bytes, cache, cached: false, key, intact: Promise.resolve(true), store };
}

// A bundle is safetensors: 8 bytes of header length (u64, little-endian), a JSON header, then
// the tensors' bytes. The engine refuses weights over 1 GiB as f32, so no file above it loads.
const MAX_MODEL_BYTES = 2 ** 30;
const MAX_HEADER_BYTES = 2 ** 26;

/** What the first bytes of a download say: null while more are needed, else the file's whole
 *  length as its header declares it. Throws a coded error for a file that is no bundle. */
function declaredLength(head, url) {
  if (head.length < 8) return null;
  // A decoder's GGUF (its magic, as the CLI tells the kind): its size is checked by the engine,
  // which reads every count and offset against the file; here, only the 1 GiB bound.
  if (isGguf(head)) return MAX_MODEL_BYTES;
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER_BYTES) throw coded('not-a-model', `${url} is not a model bundle (header length ${n})`, { url });
  if (head.length < 8 + n) return null;
  let header;
  try { header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + n))); } catch { header = null; }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw coded('not-a-model', `${url} is not a model bundle (its header is not JSON)`, { url });
  const end = Math.max(0, ...Object.entries(header).filter(([k]) => k !== '__metadata__').map(([, t]) => Number(t?.data_offsets?.[1]) || 0));
  const length = 8 + n + end;
  if (length > MAX_MODEL_BYTES) throw coded('model-too-large', `${url} declares ${length} bytes, over ${MAX_MODEL_BYTES}`, { url, mb: Math.round(length / 1e6) });
  return length;
}

/** Joins chunks into one array of `length` bytes. */
function joined(chunks, length) {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) { bytes.set(c.subarray(0, length - offset), offset); offset += Math.min(c.length, length - offset); }
  return bytes;
}

/** Streams the bundle, checking its header as soon as it has arrived: a file that is no
 *  bundle, or larger than any model can be, stops the download at once. */
async function download(url, cache = 'default') {
  let response;
  try { response = await fetch(url, { cache }); } catch (e) { throw coded('download', `model download failed: ${e?.message ?? e} for ${url}`); }
  if (!response.ok) throw coded('download', `model download failed: HTTP ${response.status} for ${url}`);
  const total = Number(response.headers.get('content-length')) || 0;
  if (total > MAX_MODEL_BYTES) throw coded('model-too-large', `${url} is ${total} bytes, over ${MAX_MODEL_BYTES}`, { url, mb: Math.round(total / 1e6) });
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0, expected = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      if (expected === null) expected = declaredLength(joined(chunks, Math.min(received, MAX_HEADER_BYTES + 8)), url);
      if (expected === MAX_MODEL_BYTES && received > expected) throw coded('model-too-large', `${url} is over ${MAX_MODEL_BYTES} bytes`, { url, mb: Math.round(received / 1e6) });
      if (expected !== null && received > expected) throw coded('not-a-model', `${url} is longer than its header says`, { url });
      postMessage({ type: 'progress', received, total });
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) { bytes.set(c, offset); offset += c.length; }
  return bytes;
}

/** An engine from a model's bytes; null when they are a cached copy that turns out not to be
 *  the build's model (the caller fetches the real one). */
async function engineFrom({ bytes, cache, cached, key, intact }) {
  try {
    return await (isGguf(bytes) ? createDecoderEngine(bytes) : createEngine(bytes));
  } catch (e) {
    if (!(await intact)) return null;
    // Only a file the engine cannot read is dropped from the cache (the retry downloads it).
    const unreadable = ['model', 'vocab'].includes(e?.code);
    if (unreadable) await cache?.delete(key);
    throw coded(e?.code ?? 'engine', `${e?.message ?? e}${unreadable && cached ? ' (cached copy removed)' : ''}`);
  }
}

const waiting = new Map(); // asker -> its newest run not started yet

function runWaiting() {
  const [channel, data] = waiting.entries().next().value ?? [];
  if (!data) return;
  waiting.delete(channel);
  try {
    if (!engine) throw coded('not-loaded', 'the model is not loaded yet');
    generation++; // a decoder's run empties the KV cache the writing uses
    const run = engine.run(data.text, data.off ?? null, data.only ?? null);
    postMessage({ id: data.id, type: 'result', result: run }, buffersOf(run));
  } catch (e) {
    postMessage({ id: data.id, type: 'error', code: e?.code ?? 'internal', message: String(e?.message ?? e) });
  }
}

onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    if (type === 'load') {
      // Compile the engine while the model is read; a failure of the engine is its own, and
      // says so: it must not cost the visitor a good cached model.
      const wasm = loadWasm().catch((e) => { throw coded('engine', `the engine (WebAssembly) could not be loaded: ${e?.message ?? e}`); });
      wasm.catch(() => {}); // reported below, after the model's own outcome
      let model = await modelBytes(data.url);
      await wasm;
      engine?.free();
      engine = null;
      // A cached copy's sha256 is checked while the engine is built from it (they overlap: about
      // 25 ms of a second visit); a copy that is not the build's model is replaced, whatever
      // the engine made of it.
      let built = await engineFrom(model);
      if (!(await model.intact)) {
        built?.free();
        model = await model.refetch();
        built = await engineFrom(model);
      }
      engine = built;
      await model.store?.(); // only a model the engine accepted is kept
      postMessage({ id, type: 'loaded', info: engine.info });
    } else if (type === 'generate' || type === 'stop') {
      // A decoder writes token by token, each posted as it is made ({type: 'token'}); a stop, a
      // newer writing or a run (a new text) ends it between tokens: it is answered 'superseded'.
      const mine = ++generation;
      if (type === 'stop') { postMessage({ id, type: 'result', result: null }); return; }
      if (!engine?.generate) throw coded('not-loaded', 'the model that writes is not loaded');
      const result = await engine.generate(data.text, data, (token) => postMessage({ id, type: 'token', token }, token.attention ? [token.attention.buffer] : []), () => mine !== generation);
      if (result.stopped) postMessage({ id, type: 'error', code: 'superseded', message: 'the writing was stopped' });
      else postMessage({ id, type: 'result', result });
    } else if (type === 'lens') {
      // The logit lens of a model that writes (it may read the text again: the writing stops).
      if (!engine?.lens) throw coded('not-loaded', 'the model that writes is not loaded');
      generation++;
      postMessage({ id, type: 'result', result: engine.lens(data.text, data.position, data.k) });
    } else if (type === 'run') {
      // Latest wins, for each asker (a page may hold several widgets on one engine): a run still
      // waiting when the same asker sends a newer one is answered 'superseded' (a reader
      // typing fast must not wait for every sentence they typed on the way).
      const old = waiting.get(data.channel);
      if (old) postMessage({ id: old.id, type: 'error', code: 'superseded', message: 'a newer text replaced this one' });
      generation++; // a new text stops the writing before its run empties the cache
      waiting.set(data.channel, data);
      setTimeout(runWaiting, 0);
    }
  } catch (e) {
    postMessage({ id, type: 'error', code: e?.code ?? 'internal', message: String(e?.message ?? e), params: e?.params ?? {} });
  }
};
