// Main-thread side of the engine: a promise per request to the worker, so the page never
// blocks while the model loads or a sentence runs.
export class EngineClient {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.onProgress = null;
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'progress') { this.onProgress?.(data.received, data.total); return; }
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.type === 'error') p.reject(new Error(data.message));
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

  /** Runs a sentence; resolves with { meta, attention, scores, q, k, v, context }. */
  run(text) {
    return this.request({ type: 'run', text });
  }
}
