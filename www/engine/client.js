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
      if (data.type === 'token') { p.onToken?.(data.token); return; }
      this.pending.delete(data.id);
      if (data.type === 'error') p.reject(Object.assign(new Error(data.message), { code: data.code, params: data.params ?? {} }));
      else p.resolve(data.type === 'loaded' ? data.info : data.result);
    };
  }

  request(message, onToken = null) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onToken });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Downloads and loads the bundle at `url`; resolves with the model's info. */
  load(url, onProgress) {
    this.onProgress = onProgress;
    return this.request({ type: 'load', url: new URL(url, location.href).href });
  }

  /** Stops the worker; what was asked of it is answered 'stopped'. */
  terminate() {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(Object.assign(new Error('the engine was stopped'), { code: 'stopped' }));
    this.pending.clear();
  }

  /** Runs a sentence; resolves with a run (run.js); rejects with an Error that has a `code`.
   *  `channel` names the asker: only its own older waiting run is superseded. `off`: heads
   *  dismissed (wasm-engine.js); `only`: the tensors to copy out, when the asker reads a few. */
  run(text, channel = 0, off = null, only = null) {
    return this.request({ type: 'run', text, channel, off, only });
  }

  /** A decoder writes up to `tokens` tokens after `text` (temperature 0: greedy; else sampled
   *  with `seed`); onToken({id, p, text, attention, positions}) hears each as it is made (text:
   *  all written so far; attention: the new token's row over the `positions` tokens so far,
   *  (L, H, P), decoder.js generate).
   *  Resolves with {ids, text, ended}; rejects 'superseded' when stopped or replaced. */
  generate(text, { tokens, temperature, seed }, onToken) {
    return this.request({ type: 'generate', text, tokens, temperature, seed }, onToken);
  }

  /** A decoder's logit lens at token `position` of `text`: (L+1) lists of the k likeliest
   *  next tokens [{id, text, p}]. */
  lens(text, position, k = 5) {
    return this.request({ type: 'lens', text, position, k });
  }

  /** Stops the writing under way (it is answered 'superseded'). */
  stop() {
    return this.request({ type: 'stop' });
  }
}

const shared = new Map(); // model URL -> { client, ready: Promise<info>, users: Map(user -> onProgress) }

/**
 * One engine and one model download per model URL for the whole page, however many widgets
 * ask. `user` is whoever asks (a component); onProgress(received, total) is called for every
 * user while the model downloads. An engine no user holds is stopped (releaseEngine): a page
 * whose widgets try many models does not keep a worker and a model in memory for each.
 */
export function sharedEngine(modelUrl, onProgress, user = onProgress) {
  const url = new URL(modelUrl, location.href).href;
  let entry = shared.get(url);
  if (!entry) {
    const client = new EngineClient();
    entry = { client, users: new Map(), ready: null };
    entry.load = () => {
      entry.ready = client.load(url, (got, total) => entry.users.forEach((f) => f?.(got, total)));
      entry.ready.catch(() => { entry.ready = null; }); // a later call retries
      return entry.ready;
    };
    shared.set(url, entry);
  }
  entry.users.set(user, onProgress);
  return { client: entry.client, ready: entry.ready ?? entry.load() };
}

/** `user` no longer needs the engine of `modelUrl`; the last one out stops its worker. */
export function releaseEngine(modelUrl, user) {
  const url = new URL(modelUrl, location.href).href;
  const entry = shared.get(url);
  if (!entry) return;
  entry.users.delete(user);
  if (entry.users.size) return;
  shared.delete(url);
  entry.client.terminate();
}
