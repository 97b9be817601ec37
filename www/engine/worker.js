// The engine's Web Worker: downloads the model (reporting bytes), builds the engine, runs
// sentences. The page talks to it through client.js only.
import { createEngine, loadWasm } from './wasm-engine.js';
import { buffersOf } from './run.js';

let engine = null;

/** Errors cross to the page as a code it acts on (src/error.rs codes, or the worker's own:
 *  'download', 'engine', 'not-loaded', 'superseded', 'internal') and a message for people. */
const coded = (code, message) => Object.assign(new Error(message), { code });
const CACHE = 'orquestra-model-v1';
const MAX_CACHED = 3; // models kept; the page's two and one of a host's own

async function openCache() {
  try { return await caches.open(CACHE); } catch { return null; } // no Cache API (e.g. opaque origin)
}

/** The bundle's bytes: from the Cache API when a previous visit stored them, else the network. */
async function modelBytes(url) {
  const cache = await openCache();
  const hit = await cache?.match(url);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    postMessage({ type: 'progress', received: bytes.length, total: bytes.length, cached: true });
    return { bytes, cache, cached: true };
  }
  const bytes = await download(url);
  await cache?.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => {});
  // The cache holds a few models at most (each about 24 MB): the oldest go first.
  const keys = (await cache?.keys().catch(() => [])) ?? [];
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_CACHED))) await cache.delete(old).catch(() => {});
  return { bytes, cache, cached: false };
}

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) throw coded('download', `model download failed: HTTP ${response.status} for ${url}`);
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    postMessage({ type: 'progress', received, total });
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) { bytes.set(c, offset); offset += c.length; }
  return bytes;
}

const waiting = new Map(); // asker -> its newest run not started yet

function runWaiting() {
  const [channel, data] = waiting.entries().next().value ?? [];
  if (!data) return;
  waiting.delete(channel);
  try {
    if (!engine) throw coded('not-loaded', 'the model is not loaded yet');
    const run = engine.run(data.text);
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
      const { bytes, cache, cached } = await modelBytes(data.url);
      await wasm;
      engine?.free();
      engine = null;
      try {
        engine = await createEngine(bytes);
      } catch (e) {
        // Only a file the engine cannot read is dropped from the cache (the retry downloads it).
        const unreadable = ['model', 'vocab'].includes(e?.code);
        if (unreadable) await cache?.delete(data.url);
        throw coded(e?.code ?? 'engine', `${e?.message ?? e}${unreadable && cached ? ' (cached copy removed)' : ''}`);
      }
      postMessage({ id, type: 'loaded', info: engine.info });
    } else if (type === 'run') {
      // Latest wins, for each asker (a page may hold several widgets on one engine): a run still
      // waiting when the same asker sends a newer one is answered 'superseded' (a reader
      // typing fast must not wait for every sentence they typed on the way).
      const old = waiting.get(data.channel);
      if (old) postMessage({ id: old.id, type: 'error', code: 'superseded', message: 'a newer text replaced this one' });
      waiting.set(data.channel, data);
      setTimeout(runWaiting, 0);
    }
  } catch (e) {
    postMessage({ id, type: 'error', code: e?.code ?? 'internal', message: String(e?.message ?? e) });
  }
};
