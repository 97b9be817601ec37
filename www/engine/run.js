// One run as the views read it, whoever made it: the live engine (wasm-engine.js) or a
// build-time example (presets.js). The Rust side defines it (src/trace.rs RunSummary):
//   meta:  {tokens: [{text, id, word, span}], words: [{text, span, special}], wordOfToken,
//           truncated, layers, heads, seq, headDim}
//   heads: [{label, strength, measures}], (L, H) row-major
// plus Float32Array tensors (src/trace.rs VIEW_TENSORS):
//   attention, scores: (L, H, T, T), i = ((l*H + h)*T + q)*T + k (a live run's scores only
//                      when asked: they are q·kᵀ, units.js scoreRow)
//   q, k, v, context:  (L, H, T, Dh), i = ((l*H + h)*T + t)*Dh + d
//   rollout:           (L, T, T), i = (l*T + q)*T + k (src/rollout.rs)
//   hidden:            (T, D), the last layer's output
//   states:            (L+1, T, D), after the embeddings (0) and after each layer
// A build-time example carries only attention and scores (PRESET_TENSORS): the melody
// waits for the live model; its scores may be null for a moment (presets.js).

/** A run from its summary and its tensors ({name: Float32Array}). */
export function makeRun({ meta, heads }, tensors) {
  return { meta, heads, ...tensors };
}

/** True when the run carries the values, so the melody can be drawn. */
export const hasValues = (run) => Boolean(run.v && run.context && run.q && run.k);

/** The ArrayBuffers of a run's tensors, to transfer them from the worker. */
export const buffersOf = (run) => Object.values(run).filter((x) => x instanceof Float32Array).map((a) => a.buffer);
