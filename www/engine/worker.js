// The engine's Web Worker: downloads the model (reporting bytes), builds the engine, runs
// sentences. The page talks to it through client.js only.
import { createEngine } from './wasm-engine.js';

let engine = null;

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`model download failed: HTTP ${response.status} for ${url}`);
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

onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    if (type === 'load') {
      const bytes = await download(data.url);
      engine?.free();
      engine = await createEngine(bytes);
      postMessage({ id, type: 'loaded', info: engine.info });
    } else if (type === 'run') {
      if (!engine) throw new Error('the model is not loaded yet');
      const r = engine.run(data.text);
      const buffers = [r.attention, r.scores, r.q, r.k, r.v, r.context].map((a) => a.buffer);
      postMessage({ id, type: 'result', result: r }, buffers);
    }
  } catch (e) {
    postMessage({ id, type: 'error', message: String(e?.message ?? e) });
  }
};
