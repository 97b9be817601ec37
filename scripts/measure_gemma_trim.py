"""What trimming Gemma 3 270M's vocabulary changes (issue 25, item 2), measured on a held-out
pt+en corpus (tests/fixtures/gemma/heldout.json, written for this and not used to make the keep
list): the untrimmed GGUF against the trimmed one (`orquestra trim` with
scripts/gemma3-keep.txt), each run as the file it is. Writes tests/fixtures/gemma/trim_measure.json.

The forward pass is make_gemma_fixtures.py's float64 numpy reference of Gemma 3 (its Reference,
imported, over each file's own tensors: the trimmed model's head is its own token_embd), with a
key/value cache added here (the same arithmetic, checked against Reference.forward to 1e-9 on a
prompt); the tokenizer is SentencePiece over each file's own vocabulary (make_gemma_fixtures'
Tok: sentencepiece, checked against its plain BPE; <bos> first). The engine's own SentencePiece
(src/tokenizer/spm.rs) gives the same pieces on every text here: tests/gemma_trim.rs checks it
against `tokenization_equal` below.

Per text:
- tokenization equal: the trimmed file's pieces (as strings) are the untrimmed file's;
- next-token distributions at every position where both tokenizations have read the same text
  (every position when the tokenization is equal; at the shared piece boundaries otherwise),
  each model on its own pieces: top-1 equal (the same piece), the untrimmed model's probability
  mass on dropped pieces, and KL(trimmed || untrimmed) = sum over kept pieces of
  p_trim log(p_trim / p_full). The untrimmed model's mass on dropped pieces counts there: with
  the same pieces read, p_trim is p_full over the kept pieces renormalized, so the KL is
  exactly -ln(1 - dropped mass). (KL(untrimmed || trimmed) is infinite whenever the untrimmed
  model gives a dropped piece any mass, which it always does.)
- greedy continuations of 20 tokens (stopping at <eos>), each model on its own tokenization
  of the text: equal as text; one the start of the other (the trimmed model may spell a word
  the untrimmed writes as one piece in two, so its 20 tokens can end sooner); how many chars
  and how many leading tokens they share.
And the page's five prompts (make_gemma_fixtures.PROMPTS; not held out, they are the page's):
each model's top 5 after them.

And, with --embedding, the embedding's precision: the trimmed model with its token_embd
(which is also its output head) requantized from Q8_0 to Q5_0 and to Q4_0 (gguf.quants, the
reference round-to-nearest quantizers; from the Q8_0 values, the only ones the GGUF has), each
against the trimmed Q8_0 model on the same pieces at every position of the held-out texts:
top-1 equal, KL(requantized || Q8_0), and the bytes each would save. Added to OUT.json as
"embedding_precision".

Usage: python3 scripts/measure_gemma_trim.py FULL.gguf TRIMMED.gguf HELDOUT.json OUT.json
       python3 scripts/measure_gemma_trim.py --embedding TRIMMED.gguf HELDOUT.json OUT.json
Needs numpy, gguf, sentencepiece, protobuf. About 20 and 10 minutes on one core.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
from gguf import GGUFReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_gemma_fixtures import PROMPTS, Reference, Tok, field, gelu_tanh  # noqa: E402

GREEDY_TOKENS = 20


class Cached:
    """Reference.forward with a key/value cache: the tokens given to `run` follow those already
    run; returns the final-normed hidden state of each (n, D)."""

    def __init__(self, ref):
        self.ref = ref
        self.k = [None] * ref.L
        self.v = [None] * ref.L
        self.pos = 0

    def rope(self, x, theta, pos):  # Reference.rope at positions `pos`
        Dh = self.ref.Dh
        inv = theta ** (-np.arange(0, Dh, 2, dtype=np.float64) / Dh)
        ang = pos[:, None].astype(np.float64) * inv[None, :]
        cos = np.concatenate([np.cos(ang)] * 2, -1)
        sin = np.concatenate([np.sin(ang)] * 2, -1)
        half = Dh // 2
        rot = np.concatenate([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def run(self, ids):
        r = self.ref
        n = len(ids)
        pos = np.arange(self.pos, self.pos + n)
        kpos = np.arange(self.pos + n)
        dist = pos[:, None] - kpos[None, :]
        h = r.w("token_embd.weight")[ids] * r.normalizer
        for l in range(r.L):
            p = f"blk.{l}."
            sliding = r.is_sliding(l)
            theta = r.theta_local if sliding else r.theta_global
            x = r.rms_norm(h, p + "attn_norm.weight")
            q = (x @ r.w(p + "attn_q.weight").T).reshape(n, r.H, r.Dh).transpose(1, 0, 2)
            k = (x @ r.w(p + "attn_k.weight").T).reshape(n, r.Hkv, r.Dh).transpose(1, 0, 2)
            v = (x @ r.w(p + "attn_v.weight").T).reshape(n, r.Hkv, r.Dh).transpose(1, 0, 2)
            q = self.rope(r.rms_norm(q, p + "attn_q_norm.weight"), theta, pos)
            k = self.rope(r.rms_norm(k, p + "attn_k_norm.weight"), theta, pos)
            if self.k[l] is not None:
                k = np.concatenate([self.k[l], k], 1)
                v = np.concatenate([self.v[l], v], 1)
            self.k[l], self.v[l] = k, v
            rep = r.H // r.Hkv
            kk, vv = np.repeat(k, rep, 0), np.repeat(v, rep, 0)
            s = (q @ kk.transpose(0, 2, 1)) * r.scaling  # (H, n, T)
            s[:, (dist < 0) | ((dist >= r.window) if sliding else False)] = -np.inf
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            o = (a @ vv).transpose(1, 0, 2).reshape(n, r.H * r.Dh) @ r.w(p + "attn_output.weight").T
            h = h + r.rms_norm(o, p + "post_attention_norm.weight")
            x = r.rms_norm(h, p + "ffn_norm.weight")
            m = (gelu_tanh(x @ r.w(p + "ffn_gate.weight").T) * (x @ r.w(p + "ffn_up.weight").T)) \
                @ r.w(p + "ffn_down.weight").T
            h = h + r.rms_norm(m, p + "post_ffw_norm.weight")
        self.pos += n
        return r.rms_norm(h, "output_norm.weight")


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


class Model:
    def __init__(self, path):
        self.reader = GGUFReader(path)
        self.tok = Tok(self.reader)
        self.ref = Reference(self.reader)
        self.tokens = field(self.reader, "tokenizer.ggml.tokens")
        self.eos = field(self.reader, "tokenizer.ggml.eos_token_id")
        src = "orquestra.vocab.source_ids"
        self.source = (np.asarray(field(self.reader, src), dtype=np.int64)
                       if src in self.reader.fields else np.arange(len(self.tokens)))

    def head(self, h):  # (n, D) -> (n, V) log-probabilities
        return log_softmax(h @ self.ref.w("token_embd.weight").T)

    def read(self, text):
        """ids, pieces, the log-probs after each piece (T, V), and the cache after the text."""
        ids = self.tok.encode(text)
        c = Cached(self.ref)
        lp = self.head(c.run(np.asarray(ids)))
        return ids, [self.tokens[i] for i in ids], lp, c

    def greedy(self, cache, lp_last, n):
        out = []
        for _ in range(n):
            nxt = int(np.argmax(lp_last))
            if nxt == self.eos:
                break
            out.append(nxt)
            lp_last = self.head(cache.run(np.asarray([nxt])))[0]
        return out


def boundaries(pieces):
    """The text read after each piece, in UTF-8 bytes (a <0xXX> piece is one byte, <bos>
    none, ▁ a space)."""
    out, n = [], 0
    for i, p in enumerate(pieces):
        if i == 0:
            assert p == "<bos>"
        elif len(p) == 6 and p.startswith("<0x") and p.endswith(">"):
            n += 1
        else:
            n += len(p.replace("\u2581", " ").encode())
        out.append(n)
    return out


def check_cache(m, text):
    ids = m.tok.encode(text)
    _, h = m.ref.forward(ids, attention=False)
    c = Cached(m.ref)
    first = c.run(np.asarray(ids[:3]))
    rest = [c.run(np.asarray([i])) for i in ids[3:]]
    diff = np.abs(np.concatenate([first] + rest) - h).max()
    assert diff < 1e-9, diff
    return float(diff)


def stats(xs):
    xs = np.asarray(xs, dtype=np.float64)
    return {"mean": float(xs.mean()), "median": float(np.median(xs)),
            "p95": float(np.percentile(xs, 95)), "max": float(xs.max())}


def embedding_precision(trim_path, heldout_path, out_path):
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import GGML_QUANT_SIZES, dequantize, quantize

    m = Model(trim_path)
    e8 = m.ref.w("token_embd.weight")  # (V, D) float64, the Q8_0 rows
    V, D = e8.shape
    texts = json.loads(Path(heldout_path).read_text())["texts"]
    ids = [m.tok.encode(t["text"]) for t in texts]

    def log_probs():
        return [m.head(Cached(m.ref).run(np.asarray(i))) for i in ids]

    base = log_probs()
    out = {"rows": V, "Q8_0": {"bytes": V * D // 32 * GGML_QUANT_SIZES[Q.Q8_0][1]}}
    for name in ("Q5_0", "Q4_0"):
        qt = getattr(Q, name)
        eq = dequantize(quantize(e8.astype(np.float32), qt), qt).astype(np.float64)
        m.ref.cache["token_embd.weight"] = eq
        lps = log_probs()
        m.ref.cache["token_embd.weight"] = e8
        top1, kl = [], []
        for a, b in zip(base, lps):  # a: Q8_0, b: requantized, (T, V) each
            top1 += list(a.argmax(-1) == b.argmax(-1))
            kl += list((np.exp(b) * (b - a)).sum(-1))
        nbytes = V * D // 32 * GGML_QUANT_SIZES[qt][1]
        out[name] = {"bytes": nbytes, "saves_bytes": out["Q8_0"]["bytes"] - nbytes,
                     "max_abs_weight_change": float(np.abs(eq - e8).max()),
                     "positions": len(top1), "top1_equal_to_q8_0": int(sum(top1)),
                     "kl_vs_q8_0": stats(kl)}
        print(name, json.dumps(out[name]), flush=True)
    result = json.loads(Path(out_path).read_text())
    result["embedding_precision"] = out
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")


def main():
    if sys.argv[1] == "--embedding":
        return embedding_precision(*sys.argv[2:5])
    full_path, trim_path, heldout_path, out_path = sys.argv[1:5]
    t0 = time.time()
    full, trim = Model(full_path), Model(trim_path)
    kept = trim.source
    kept_set = set(int(i) for i in kept)
    assert len(full.tokens) == int(field(trim.reader, "orquestra.vocab.source_size"))
    assert [full.tokens[i] for i in kept] == list(trim.tokens)
    cache_diff = max(check_cache(m, PROMPTS[1]) for m in (full, trim))
    texts = json.loads(Path(heldout_path).read_text())["texts"]

    rows, pos_top1, pos_kl, pos_dropped = [], [], [], []
    eq_top1, eq_kl, eq_dropped, eq_logit_diff = [], [], [], 0.0
    for n, item in enumerate(texts):
        text = item["text"]
        f_ids, f_pieces, f_lp, f_cache = full.read(text)
        t_ids, t_pieces, t_lp, t_cache = trim.read(text)
        same = f_pieces == t_pieces
        if same:
            assert [int(kept[i]) for i in t_ids] == f_ids
        # Positions where both have read the same text: (full index, trimmed index).
        fb, tb = boundaries(f_pieces), boundaries(t_pieces)
        t_at = {b: i for i, b in enumerate(tb)}
        pairs = [(i, t_at[b]) for i, b in enumerate(fb) if b in t_at]
        top1, kls, drops = [], [], []
        for i, j in pairs:
            pf, pt = f_lp[i], t_lp[j]
            dropped = float(1.0 - np.exp(pf[kept]).sum())
            kl = float((np.exp(pt) * (pt - pf[kept])).sum())
            agree = int(np.argmax(pf)) == int(kept[int(np.argmax(pt))])
            top1.append(agree)
            kls.append(kl)
            drops.append(dropped)
            if same:
                # The same pieces read: the trimmed logits are the untrimmed ones over the
                # kept pieces, so p_trim = p_full / (1 - dropped) and KL = -ln(1 - dropped).
                renorm = pf[kept] - np.log1p(-dropped)
                eq_logit_diff = max(eq_logit_diff, float(np.abs(renorm - pt).max()))
                assert abs(kl + np.log1p(-dropped)) < 1e-9, (kl, dropped)
        pos_top1 += top1
        pos_kl += kls
        pos_dropped += drops
        if same:
            eq_top1 += top1
            eq_kl += kls
            eq_dropped += drops
        f_out = full.greedy(f_cache, f_lp[-1], GREEDY_TOKENS)
        t_out = trim.greedy(t_cache, t_lp[-1], GREEDY_TOKENS)
        f_text, t_text = full.tok.decode(f_out), trim.tok.decode(t_out)
        common = next((k for k, (a, b) in enumerate(zip(f_text, t_text)) if a != b),
                      min(len(f_text), len(t_text)))
        t_src = [int(kept[i]) for i in t_out]
        same_tokens = next((k for k, (a, b) in enumerate(zip(f_out, t_src)) if a != b),
                           min(len(f_out), len(t_src)))
        rows.append({
            "lang": item["lang"], "text": text, "tokenization_equal": same,
            "pieces": len(f_pieces), "trimmed_pieces": len(t_pieces),
            "dropped_pieces_used": [full.tokens[i] for i in f_ids if i not in kept_set],
            "positions": len(pairs), "top1_equal": int(sum(top1)),
            "kl_mean": float(np.mean(kls)), "dropped_mass_max": float(max(drops)),
            "greedy": f_text, "greedy_trimmed": t_text, "greedy_equal": f_text == t_text,
            "greedy_prefix": common == min(len(f_text), len(t_text)),
            "greedy_common_chars": common, "greedy_common_tokens": same_tokens,
            "kl": kls, "dropped_mass": drops, "top1": top1,
        })
        print(f"{n + 1}/{len(texts)} {item['lang']} equal={same} top1 {sum(top1)}/{len(top1)} "
              f"KL {np.mean(kls):.2e} greedy {'=' if f_text == t_text else '≠'} {f_text!r}"
              + ("" if f_text == t_text else f" / {t_text!r}"), flush=True)

    page = []
    for text in PROMPTS:
        entry = {"text": text}
        for name, m in (("untrimmed", full), ("trimmed", trim)):
            ids, _, lp, _ = m.read(text)
            top = np.argsort(-lp[-1], kind="stable")[:5]
            entry[name] = [{"piece": m.tokens[int(i)], "prob": float(np.exp(lp[-1][i]))} for i in top]
        page.append(entry)

    by_lang = {}
    for lang in ("pt", "en"):
        rs = [r for r in rows if r["lang"] == lang]
        by_lang[lang] = {
            "texts": len(rs),
            "tokenization_equal": sum(r["tokenization_equal"] for r in rs),
            "positions": sum(r["positions"] for r in rs),
            "top1_equal": sum(r["top1_equal"] for r in rs),
            "kl_trimmed_untrimmed_mean": float(np.mean([k for r in rs for k in r["kl"]])),
            "untrimmed_mass_on_dropped_mean": float(np.mean([d for r in rs for d in r["dropped_mass"]])),
            "greedy_equal": sum(r["greedy_equal"] for r in rs),
            "greedy_prefix": sum(r["greedy_prefix"] for r in rs),
        }
    result = {
        "about": __doc__.split("\n\n")[0].replace("\n", " "),
        "untrimmed": {"file": Path(full_path).name, "bytes": Path(full_path).stat().st_size,
                      "pieces": len(full.tokens)},
        "trimmed": {"file": Path(trim_path).name, "bytes": Path(trim_path).stat().st_size,
                    "pieces": len(trim.tokens)},
        "texts": len(rows),
        "tokenization_equal": sum(r["tokenization_equal"] for r in rows),
        "positions": len(pos_top1),
        "top1_equal": int(sum(pos_top1)),
        "kl_trimmed_untrimmed": stats(pos_kl),
        "untrimmed_mass_on_dropped": {**stats(pos_dropped),
                                      "positions_over_1pct": int(sum(d > 0.01 for d in pos_dropped))},
        "same_tokenization_only": {
            "positions": len(eq_top1), "top1_equal": int(sum(eq_top1)),
            "kl_trimmed_untrimmed": stats(eq_kl), "untrimmed_mass_on_dropped": stats(eq_dropped),
            "max_abs_diff_trimmed_vs_renormalized_untrimmed_logprob": eq_logit_diff,
        },
        "greedy_tokens": GREEDY_TOKENS,
        "greedy_equal": sum(r["greedy_equal"] for r in rows),
        "greedy_prefix": sum(r["greedy_prefix"] for r in rows),
        "greedy_equal_same_tokenization": sum(r["greedy_equal"] for r in rows if r["tokenization_equal"]),
        "greedy_common_tokens_mean": float(np.mean([r["greedy_common_tokens"] for r in rows])),
        "by_lang": by_lang,
        "cache_check_max_abs_diff": cache_diff,
        "page_prompts_top5": page,
        "per_text": rows,
        "seconds": round(time.time() - t0),
    }
    for r in rows:  # per position, rounded: the file stays small
        r["kl"] = [float(f"{k:.3g}") for k in r["kl"]]
        r["dropped_mass"] = [float(f"{d:.3g}") for d in r["dropped_mass"]]
        r["top1"] = [int(t) for t in r["top1"]]
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("per_text", "page_prompts_top5")},
                     indent=1))


if __name__ == "__main__":
    main()
