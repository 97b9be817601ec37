import { makeRun } from './run.js';

// The one module that imports the wasm package. It picks the SIMD128 build when the
// browser validates a SIMD instruction, else the portable build, and loads it once.

// A module whose only function uses v128 (i8x16.splat + i8x16.popcnt), as in wasm-feature-detect.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

// A module whose only function uses f32x4.relaxed_madd (three f32x4.splat of 0, then the madd).
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

export function relaxedSimdSupported() {
  return simdSupported() && WebAssembly.validate(RELAXED_PROBE);
}

/** The fastest build this browser runs: relaxed SIMD (fused multiply-add), SIMD128, or portable. */
export function bestBuild() {
  return relaxedSimdSupported() ? 'relaxed' : simdSupported() ? 'simd' : 'nosimd';
}

const loaded = new Map(); // build name -> Promise<wasm package module>

/** Loads the wasm package once per build: 'relaxed', 'simd' or 'nosimd' (default: the best the browser runs). */
export function loadWasm(build = bestBuild()) {
  if (!loaded.has(build)) {
    const base = new URL(`../pkg/${build}/`, import.meta.url);
    loaded.set(build, import(new URL('orquestra.js', base).href).then(async (pkg) => {
      const exports = await pkg.default({ module_or_path: new URL('orquestra_bg.wasm', base) });
      return { ...pkg, memory: exports.memory };
    }));
  }
  return loaded.get(build);
}

// Copied out only when asked by name: the raw scores (L, H, T, T) are q·kᵀ of q and k, which
// are copied, and a view reads one row of one head (units.js scoreRow derives it); the
// rollout (L, T, T) is read by the Flow view alone, which asks for it (controller.js
// computeRollout). Not copying the scores saves 75 MB of JavaScript memory per 512-token
// MiniLM run (151 MB for e5); not computing the rollout, 31 ms (60 for e5).
const ON_REQUEST = ['scores', 'rollout'];

/**
 * Creates an engine from the bytes of a model bundle. run(text) returns a run as the views
 * read it (run.js): { meta, heads, attention, q, k, v, context, rollout, hidden, states }.
 * Errors carry a `code` (src/error.rs: 'empty-text', 'model', …).
 */
export async function createEngine(bundleBytes, { build } = {}) {
  const pkg = await loadWasm(build);
  const engine = new pkg.Engine(bundleBytes);
  const info = engine.info();
  const names = pkg.viewTensors();
  return {
    info,
    /** Bytes of wasm memory the build holds now (it grows, never shrinks). */
    memoryBytes: () => pkg.memory.buffer.byteLength,
    /** The wasm Engine itself (its run(text) returns a Run to free), for the benchmarks. */
    raw: engine,
    /** `off`: one byte per head, (L, H), 1 = dismissed (head ablation); null for none.
     *  `only`: the names of the tensors to copy out of wasm (an asker that reads a few, such
     *  as the judges' ranking, which reads `hidden`, or one that wants `scores`); null for all
     *  but ON_REQUEST. */
    run(text, off = null, only = null) {
      const run = off ? engine.runMasked(text, off) : engine.run(text);
      const wanted = (name) => (only ? only.includes(name) : !ON_REQUEST.includes(name));
      try {
        // rollout (L, T, T) and the last layer's output (T, D) beside the per-head tensors
        const extra = { rollout: () => run.rollout(), hidden: () => run.hidden(), states: () => run.states() };
        const tensors = Object.fromEntries([
          ...names.filter(wanted).map((n) => [n, run.tensor(n)]),
          ...Object.keys(extra).filter(wanted).map((n) => [n, extra[n]()]),
        ]);
        return makeRun(run.summary(), tensors);
      } finally {
        run.free();
      }
    },
    /** Times the forward pass alone (tokenize + encoder, no copies out). */
    timeRun(text) {
      const t0 = performance.now();
      const run = engine.run(text);
      const ms = performance.now() - t0;
      run.free();
      return ms;
    },
    free() {
      engine.free();
    },
  };
}
