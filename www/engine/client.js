// Main-thread side of the engine: a promise per request to the worker, so the page never
// blocks while the model loads or a sentence runs.
/** The worker; from another origin (a widget on a teacher's site) through a same-origin blob. */
function startWorker() {
  const url = new URL('./worker.js', import.meta.url);
  if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  const shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  return new Worker(shim, { type: 'module' });
}

export class EngineClient {
  constructor() {
    this.worker = startWorker();
    this.pending = new Map();
    this.nextId = 1;
    this.onProgress = null;
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'progress') { this.onProgress?.(data.received, data.total); return; }
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.type === 'error') p.reject(Object.assign(new Error(data.message), { code: data.code }));
      else p.resolve(data.type === 'loaded' ? data.info : data.result);
    };
  }

  request(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Downloads and loads the bundle at `url`; resolves with the model's info. */
  load(url, onProgress) {
    this.onProgress = onProgress;
    return this.request({ type: 'load', url: new URL(url, location.href).href });
  }

  /** Runs a sentence; resolves with a run (run.js); rejects with an Error that has a `code`. */
  run(text) {
    return this.request({ type: 'run', text });
  }
}

const shared = new Map(); // model URL -> { client, ready: Promise<info>, listeners }

/**
 * One engine and one model download per model URL for the whole page, however many widgets
 * ask. onProgress(received, total) is called for every listener while the model downloads.
 */
export function sharedEngine(modelUrl, onProgress) {
  const url = new URL(modelUrl, location.href).href;
  let entry = shared.get(url);
  if (!entry) {
    const client = new EngineClient();
    entry = { client, listeners: new Set(), ready: null };
    entry.load = () => {
      entry.ready = client.load(url, (got, total) => entry.listeners.forEach((f) => f(got, total)));
      entry.ready.catch(() => { entry.ready = null; }); // a later call retries
      return entry.ready;
    };
    shared.set(url, entry);
  }
  if (onProgress) entry.listeners.add(onProgress);
  return { client: entry.client, ready: entry.ready ?? entry.load() };
}
