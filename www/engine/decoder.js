// A model that writes (SmolLM2 or Gemma 3, read from its GGUF), seen by the page as the encoders are: run(text)
// gives a run the views read (run.js), plus the next-token guesses; generate() writes token by
// token. The wasm Decoder (src/wasm_decoder.rs) is the API; this file builds on it only through
// wasm-engine.js's loader, which alone imports the package.
import { loadWasm } from './wasm-engine.js';
import { makeRun } from './run.js';

/** Tokens of a prompt the page reads: a traced run keeps (L, H, T, T) attention, 1 MB at 32
 *  tokens and 71 MB at 256 (SmolLM2: 30 layers × 9 heads; Gemma's 18 × 4, 19 MB); longer texts
 *  are cut with a notice. Gemma's <bos> counts among them. Under Gemma's 512-token sliding
 *  window, so no layer of a text read here loses a token to it. */
export const DECODER_MAX_TOKENS = 256;
/** Next tokens a run lists (the view's bars). */
export const NEXT_K = 10;

const coded = (code, message) => Object.assign(new Error(message), { code });

/** True when the bytes are a GGUF file (its magic, as the CLI tells the kind). */
export const isGguf = (bytes) => bytes.length >= 4 && bytes[0] === 0x47 && bytes[1] === 0x47 && bytes[2] === 0x55 && bytes[3] === 0x46;

/**
 * Numbers from a GGUF's metadata, by key ({key: number}, the keys found among `keys`): GGUF
 * v2/v3 is the magic, a u32 version, a u64 tensor count and a u64 key/value count, then each
 * key a u64-long string, a u32 type and the value (strings and arrays skipped). The engine has
 * checked the file; this only reads what it names: `general.file_type` (the precision its maker
 * gave it) and `orquestra.vocab.source_size` (a trimmed vocabulary's original size). A file cut
 * short gives what was read before the cut.
 */
export function ggufNumbers(bytes, keys) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const SIZES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const out = {};
  let at = 16;
  const u64 = () => { const n = Number(view.getBigUint64(at, true)); at += 8; return n; };
  const skip = (type) => {
    if (type === 8) { const n = u64(); at += n; return; } // a string (`at += u64()` would add to the old `at`)
    if (type === 9) { // an array: its items' type, its length, its items
      const item = view.getUint32(at, true); at += 4;
      const n = u64();
      if (SIZES[item]) at += n * SIZES[item]; else for (let i = 0; i < n; i++) skip(item);
      return;
    }
    if (!SIZES[type]) throw new Error(`type ${type}`);
    at += SIZES[type];
  };
  const number = (type) => ({ 4: () => view.getUint32(at, true), 5: () => view.getInt32(at, true), 10: () => Number(view.getBigUint64(at, true)), 11: () => Number(view.getBigInt64(at, true)) })[type]?.();
  try {
    if (!isGguf(bytes) || view.getUint32(4, true) < 2) return out;
    const count = u64();
    for (let k = 0; k < count && Object.keys(out).length < keys.length; k++) {
      const len = u64();
      const key = new TextDecoder().decode(bytes.subarray(at, at + len));
      at += len;
      const type = view.getUint32(at, true); at += 4;
      if (keys.includes(key) && number(type) !== undefined) out[key] = number(type);
      skip(type);
    }
  } catch { /* a file cut short */ }
  return out;
}

/** llama.cpp's names of a GGUF's `general.file_type` (llama_ftype, MOSTLY_ dropped): 'q4_1' for
 *  SmolLM2's, 'q4_k_m' for Gemma's (whose matrices mix Q4_K, Q6_K, Q5_0 and Q8_0). */
export const FILE_TYPES = {
  0: 'f32', 1: 'f16', 2: 'q4_0', 3: 'q4_1', 7: 'q8_0', 8: 'q5_0', 9: 'q5_1', 10: 'q2_k', 11: 'q3_k_s', 12: 'q3_k_m',
  13: 'q3_k_l', 14: 'q4_k_s', 15: 'q4_k_m', 16: 'q5_k_s', 17: 'q5_k_m', 18: 'q6_k', 32: 'bf16',
};

const PUNCT = /^[\p{P}\p{S}]$/u;
const SPACE = /^\s$/u;

/**
 * Tokens and words of a decoder's text, in the shape the encoders' runs carry (src/trace.rs
 * RunSummary meta), built from the ids: each token's readable text and its span in the text
 * (from the decoded prefix's length; a token that ends inside a character shares the end of the
 * next), and words by the encoders' rule (whitespace-separated, each punctuation mark a word).
 * A model that puts a BOS token first (Gemma's <bos>; SmolLM2 adds none) has it as a special
 * word of its own, spanning nothing, as the encoders' [CLS]: the text's spans start after it.
 */
export function decoderMeta(decoder, ids, info, truncated) {
  const T = ids.length;
  const bos = info.addBos && T > 0 ? 1 : 0;
  const ends = new Array(T).fill(0);
  let text = '';
  for (let i = bos; i < T; i++) {
    text = decoder.decode(ids.subarray(bos, i + 1));
    ends[i] = text.endsWith('\uFFFD') ? -1 : text.length;
  }
  for (let i = T - 1; i >= bos; i--) if (ends[i] < 0) ends[i] = i + 1 < T ? ends[i + 1] : text.length;
  const tokens = [], words = [], wordOfToken = [];
  if (bos) {
    const name = decoder.decode(ids.subarray(0, 1)) || '<bos>';
    words.push({ text: name, span: { char_start: 0, char_end: 0 }, special: true, last: ' ' });
    wordOfToken.push(0);
    tokens.push({ text: name, id: ids[0], word: 0, span: { char_start: 0, char_end: 0 } });
  }
  let start = 0;
  for (let i = bos; i < T; i++) {
    const piece = text.slice(start, ends[i]);
    const body = piece.replace(/^\s+/u, '');
    const first = [...body][0] ?? '';
    const prev = words[words.length - 1];
    // a new word: the first token, one after a space, a punctuation mark, or one after punctuation
    const fresh = !prev || prev.special || body.length < piece.length || PUNCT.test(first) || PUNCT.test(prev.last) || SPACE.test(prev.last) || !body;
    const charStart = start + (piece.length - body.length);
    if (fresh) words.push({ text: body, span: { char_start: charStart, char_end: ends[i] }, special: false, last: [...body].pop() ?? ' ' });
    else { prev.text += body; prev.span.char_end = ends[i]; prev.last = [...body].pop() ?? prev.last; }
    wordOfToken.push(words.length - 1);
    // (shown as the piece without its leading space; a piece of spaces or newlines as ␣ or ↵)
    tokens.push({ text: body ? body.replace(/\n/g, '↵') : piece.includes('\n') ? '↵' : '␣', id: ids[i], word: words.length - 1, span: { char_start: start, char_end: ends[i] } });
    start = ends[i];
  }
  for (const w of words) { delete w.last; if (!w.text) w.text = '␣'; }
  return {
    tokens, words, wordOfToken, truncated, causal: true,
    layers: info.layers, heads: info.heads, kvHeads: info.kvHeads, seq: T, headDim: info.headDim,
  };
}

/** A pattern names the head when this share of attention follows it on average, and below
 *  every pattern a head this spread out "spreads its attention": src/heads.rs PATTERN_SHARE and
 *  SPREAD_ENTROPY, the encoders' jury's thresholds. */
export const PATTERN_SHARE = 0.4;
export const SPREAD_ENTROPY = 0.6;

/**
 * A head's habits over the sentence, measured as src/heads.rs `summarize` measures an
 * encoder's (the jury and the model view read them), on the rows that have a choice: every
 * token but the first, which can only hear itself (as the encoders leave out the rows of
 * [CLS] and [SEP]). Per row, then averaged: the share on the previous token, on itself, on
 * the first token (`cls`: where decoders park, the attention sink, as encoders park on
 * [CLS]), on punctuation; `sameWord` over the rows that can hear an earlier piece of their own
 * word (heads.rs: the rows of words of more than one piece; a first piece hears none of its
 * word yet); `next` and `sep` stay 0 (nothing after a token is written when it is read, and
 * there is no [SEP]). The spread: each row's entropy over what it may hear, ÷ ln(its length).
 * The label is the largest share if it reaches PATTERN_SHARE, else `spreads` if the spread
 * reaches SPREAD_ENTROPY, else `content` (no dominant habit), as heads.rs decides.
 */
export function decoderHeads(attention, meta) {
  const { layers: L, heads: H, seq: T, tokens } = meta;
  // punctuation pieces (src/heads.rs: every char punctuation); ␣ and ↵ stand for whitespace
  const punct = tokens.map((t) => { const s = t.text.replace(/[␣↵\s]/gu, ''); return s.length > 0 && [...s].every((c) => PUNCT.test(c)); });
  // the first piece of each token's word (a word's pieces are consecutive)
  const wordStart = tokens.map((t, i) => { let s = i; while (s > 0 && tokens[s - 1].word === t.word) s--; return s; });
  const out = [];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const base = (l * H + h) * T * T;
      const m = { previous: 0, next: 0, itself: 0, cls: 0, sep: 0, punctuation: 0, sameWord: 0, entropy: 0 };
      let sameRows = 0;
      for (let q = 1; q < T; q++) {
        const row = base + q * T;
        m.previous += attention[row + q - 1];
        m.itself += attention[row + q];
        m.cls += attention[row];
        let e = 0;
        for (let k = 0; k <= q; k++) {
          const a = attention[row + k];
          if (a > 0) e -= a * Math.log(a);
          if (punct[k]) m.punctuation += a;
        }
        m.entropy += e / Math.log(q + 1);
        if (wordStart[q] < q) {
          sameRows++;
          for (let k = wordStart[q]; k < q; k++) m.sameWord += attention[row + k];
        }
      }
      const rows = Math.max(T - 1, 1);
      for (const k of ['previous', 'itself', 'cls', 'punctuation', 'entropy']) m[k] /= rows;
      m.sameWord = sameRows ? m.sameWord / sameRows : 0;
      const [best, share] = ['previous', 'next', 'itself', 'cls', 'sep', 'punctuation', 'sameWord']
        .map((k) => [k, m[k]]).reduce((a, b) => (b[1] > a[1] ? b : a), ['content', 0]);
      const label = share >= PATTERN_SHARE ? best : m.entropy >= SPREAD_ENTROPY ? 'spreads' : 'content';
      out.push({ label, strength: label === 'spreads' ? m.entropy : share, measures: m });
    }
  }
  return out;
}

/** Attention rollout (L, T, T) from the attention (L, H, T, T), as src/rollout.rs computes it
 *  for the encoders (Abnar & Zuidema 2020): Â_l = ½·(mean over heads of A_l) + ½·I, each row
 *  renormalised to 1; R_1 = Â_1, R_l = Â_l · R_(l−1). Causal: Â and R stay lower triangular,
 *  so row i of the product sums over j ≤ i only. */
export function rolloutOf(attention, meta) {
  const { layers: L, heads: H, seq: T } = meta;
  const out = new Float32Array(L * T * T);
  const aHat = new Float64Array(T * T);
  for (let l = 0; l < L; l++) {
    aHat.fill(0);
    for (let h = 0; h < H; h++) {
      const base = (l * H + h) * T * T;
      for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) aHat[i * T + j] += attention[base + i * T + j];
    }
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j <= i; j++) { aHat[i * T + j] *= 0.5 / H; if (j === i) aHat[i * T + j] += 0.5; sum += aHat[i * T + j]; }
      for (let j = 0; j <= i; j++) aHat[i * T + j] /= sum;
    }
    const r = l * T * T, prev = (l - 1) * T * T;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j <= i; j++) {
        if (l === 0) { out[r + i * T + j] = aHat[i * T + j]; continue; }
        let s = 0;
        for (let k = j; k <= i; k++) s += aHat[i * T + k] * out[prev + k * T + j];
        out[r + i * T + j] = s;
      }
    }
  }
  return out;
}

/** Grouped-query attention: k and v come per key/value head (L, Hkv, T, Dh); the views read
 *  them per query head (L, H, T, Dh), as the encoders' runs carry them: query head h reads
 *  key/value head h / (H / Hkv) (src/wasm_decoder.rs), so its rows are that head's. */
export function perQueryHead(x, meta) {
  const { layers: L, heads: H, kvHeads: Hkv, seq: T, headDim: Dh } = meta;
  if (Hkv === H) return x;
  const out = new Float32Array(L * H * T * Dh), block = T * Dh;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
    const from = (l * Hkv + Math.floor(h / (H / Hkv))) * block;
    out.set(x.subarray(from, from + block), (l * H + h) * block);
  }
  return out;
}

/** Each head's melody, Σ_k a_tk v_k (L, H, T, Dh), over the tokens each row sees (k ≤ t). */
export function contextOf(attention, v, meta) {
  const { layers: L, heads: H, seq: T, headDim: Dh } = meta;
  const out = new Float32Array(L * H * T * Dh);
  for (let lh = 0; lh < L * H; lh++) {
    const a0 = lh * T * T, v0 = lh * T * Dh;
    for (let t = 0; t < T; t++) {
      const o = v0 + t * Dh;
      for (let k = 0; k <= t; k++) {
        const a = attention[a0 + t * T + k], vk = v0 + k * Dh;
        for (let d = 0; d < Dh; d++) out[o + d] += a * v[vk + d];
      }
    }
  }
  return out;
}

/** A decoder engine from a GGUF's bytes: { info, run(text), generate(text, options, onToken, stopped), free() }. */
export async function createDecoderEngine(bytes, { build } = {}) {
  const pkg = await loadWasm(build);
  const decoder = new pkg.Decoder(bytes);
  const raw = decoder.info();
  const meta = ggufNumbers(bytes, ['general.file_type', 'orquestra.vocab.source_size']);
  const info = {
    decoder: true, architecture: raw.architecture, layers: raw.layers, heads: raw.heads, kvHeads: raw.kvHeads, headDim: raw.headDim,
    hidden: raw.hidden, vocabSize: raw.vocab, maxTokens: DECODER_MAX_TOKENS, eos: raw.eos ?? null, addBos: Boolean(raw.addBos),
    precision: FILE_TYPES[meta['general.file_type']] ?? 'gguf', sourceVocab: meta['orquestra.vocab.source_size'] ?? raw.vocab, simd: build !== 'nosimd' && (await import('./wasm-engine.js')).simdSupported(),
  };

  /** The prompt's ids, at most DECODER_MAX_TOKENS, and whether the text was longer. */
  const prompt = (text) => {
    const all = decoder.tokenIds(text, DECODER_MAX_TOKENS + 1);
    if (!all.length) throw coded('empty-text', 'the text is empty');
    return { ids: all.subarray(0, DECODER_MAX_TOKENS), truncated: all.length > DECODER_MAX_TOKENS };
  };
  let traced = null; // the text of the last prefill with trace (the logit lens reads it)
  const guesses = (run) => decoder.top(run, NEXT_K).map((g) => ({ id: g.id, text: g.text, p: g.p, logit: g.logit }));

  return {
    info,
    raw: decoder,
    memoryBytes: () => pkg.memory.buffer.byteLength,
    /**
     * The text read with every layer's attention and q, k, v kept, the residual stream after
     * the embeddings and each layer (`states`, (L+1, T, D): the comparison's vectors), and the
     * next tokens. `only`: the tensors an asker reads (the Flow view asks for `rollout`,
     * computed here from the attention as src/rollout.rs computes an encoder's; `next`, the
     * likeliest next tokens; `probs`, every token's probability after the text, (V)). `off`:
     * one byte per head, (L, H), 1 = dismissed (its attention × 0, src/wasm_decoder.rs
     * prefillMasked); null for none.
     */
    run(text, off = null, only = null) {
      const { ids, truncated } = prompt(text);
      const masked = Boolean(off?.some((x) => x));
      const run = masked ? decoder.prefillMasked(ids, true, off) : decoder.prefill(ids, true);
      traced = masked ? null : text; // (the lens reads the plain run)
      try {
        const meta = decoderMeta(decoder, ids, info, truncated);
        const attention = run.tensor('attention');
        const heads = decoderHeads(attention, meta);
        if (only) {
          const wanted = { attention: () => attention, rollout: () => rolloutOf(attention, meta), states: () => decoder.hidden(), next: () => guesses(run), probs: () => probsOf(run) };
          return makeRun({ meta, heads }, Object.fromEntries(only.filter((n) => wanted[n]).map((n) => [n, wanted[n]()])));
        }
        const q = run.tensor('q');
        const k = perQueryHead(run.tensor('k'), meta), v = perQueryHead(run.tensor('v'), meta);
        const tensors = { attention, q, k, v, context: contextOf(attention, v, meta), states: decoder.hidden() };
        const result = makeRun({ meta, heads }, tensors);
        result.next = guesses(run);
        return result;
      } finally {
        run.free();
      }
    },
    /**
     * Writes up to `tokens` tokens after `text` as `orquestra generate` does (the prompt read
     * once, then one token at a time through the KV cache; greedy at temperature 0, else seeded
     * sampling). Each token picked is read through the cache (its own step), and then
     * onToken({id, text, p, attention, positions}) hears it: `text` all written so far, `p` the
     * probability it had when picked, `attention` its row as the conductor over the `positions`
     * tokens so far, itself the last, (L, H, P): i = (l*H + h)*P + k. `stopped()` is asked
     * between tokens (a newer request). Resolves with {ids, text, ended, stopped}.
     */
    async generate(text, { tokens, temperature, seed, topP = 1 }, onToken, stopped) {
      const { ids } = prompt(text);
      traced = null; // (a prefill without trace: the lens is gone)
      decoder.setSampling(temperature, topP, seed >>> 0);
      let run = decoder.prefill(ids, false);
      const written = [];
      let ended = false;
      try {
        while (written.length < tokens) {
          const id = decoder.pick(run);
          if (id === info.eos) { ended = true; break; }
          const p = probOf(run, id);
          written.push(id);
          run.free();
          run = decoder.step(id); // (the last token too: its attention is drawn)
          const attention = run.tensor('attention');
          onToken({ id, p, text: decoder.decode(Uint32Array.from(written)), attention, positions: decoder.positions() });
          await new Promise((ok) => setTimeout(ok, 0)); // hears a stop or a newer request
          if (stopped()) return { ids: written, text: decoder.decode(Uint32Array.from(written)), ended: false, stopped: true };
        }
      } finally {
        run.free();
      }
      return { ids: written, text: decoder.decode(Uint32Array.from(written)), ended, stopped: false };
    },
    /** The logit lens at token `position` of `text`: for the embeddings and after each layer,
     *  the `k` likeliest next tokens [[{id, text, p}]] (L+1 lists), through the final norm and
     *  the tied head (src/wasm_decoder.rs logitLens). Reads the text again unless it was the
     *  last one read with trace. */
    lens(text, position, k = 5) {
      if (traced !== text) {
        const { ids } = prompt(text);
        decoder.prefill(ids, true).free();
        traced = text;
      }
      return decoder.logitLens(position, k).map((layer) => layer.map((g) => ({ id: g.id, text: g.text, p: g.p })));
    },
    free() { decoder.free(); },
  };

  /** A softmax's shift and denominator over a run's logits (V): p(i) = exp(logits[i] − max) / sum. */
  function softmaxOf(run) {
    const logits = run.tensor('logits');
    let max = -Infinity;
    for (const x of logits) if (x > max) max = x;
    let sum = 0;
    for (const x of logits) sum += Math.exp(x - max);
    return { logits, max, sum };
  }

  /** Every token's probability after the text, softmax(logits). (V) */
  function probsOf(run) {
    const { logits, max, sum } = softmaxOf(run);
    return logits.map((x) => Math.exp(x - max) / sum);
  }

  /** softmax(logits)[id] of a run (the probability the token had when it was picked). */
  function probOf(run, id) {
    const { logits, max, sum } = softmaxOf(run);
    return Math.exp(logits[id] - max) / sum;
  }
}
