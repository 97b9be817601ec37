"""Fixtures for Gemma 3 270M (issue 25), from the GGUF itself (gemma-3-270m-q4_k_m.gguf), read
by the `gguf` package (llama.cpp's own Python reader), with no code of Orquestra's. Written to
OUT_DIR (tests/fixtures/gemma):

- quant_rows.json        rows of a tensor of each quantized type in the file, dequantized by
                         `gguf.quants` (llama.cpp's Python dequantizer): Q8_0 (token_embd,
                         attn_v of layer 0), Q5_0 (attn_q, attn_k, ffn_gate), Q4_K
                         (attn_output, ffn_down of layer 2), Q6_K (ffn_down of layer 0), and an
                         F32 norm as stored; each {tensor, type, row, values}, a row being the
                         tensor's out-row (its values over the input dimension, ne[0]);
- top5_estava.json       the model's top 5 next tokens (id, piece, prob) after the article's
                         sentence up to "estava" (prompt 0 below);
- forward/prompts.json   five prompts (three Portuguese, two English): text, ids (from <bos>),
                         pieces, the top 5 next ids, pieces and probabilities; and per prompt i
                         attention_i.npy (L=18, H=4, T, T), every layer's and head's softmax
                         weights, and logits_i.npy (262144,), the last position's logits,
                         float32;
- forward/greedy.json    20 greedy tokens after each of the five prompts, each step a full
                         forward pass with no cache, with each step's margin (top-1 minus
                         top-2 logit) and the decoded text (no <eos> came up; it would stop);
- forward/q_1.npy, k_1.npy, v_1.npy, hidden_1.npy  for prompt 1 ("O gato subiu no telhado
                         porque"): q (L, H, T, Dh) after q_norm and RoPE, k (L, Hkv, T, Dh)
                         after k_norm and RoPE, v (L, Hkv, T, Dh), and the residual stream
                         (L+1, T, D): the embeddings times sqrt(640), then after each layer;
                         the order within a head is the GGUF's (which here is HF's, see below);
- forward/lens_0.json    the logit lens at the last token of prompt 0: after the embeddings
                         and after each layer, the final norm and the tied head on the residual
                         stream, top 5 {ids, probs, tokens};
- forward/window.json, window_logits.npy, window_last_row_attention.npy  a prompt of 574
                         tokens (nine prose paragraphs of the article, WINDOW_PT, then an
                         English paragraph, WINDOW_TAIL): its text and ids, the last position's
                         logits (V,), and the attention row of the LAST query position for
                         every layer and head (L, H, T): on a sliding layer (0-4, 6-10, 12-16)
                         the keys 512 or more positions back (0..61) get exactly 0 (masked to
                         -inf before the softmax; asserted), on a global layer (5, 11, 17) they
                         do not (their summed weight, up to 0.89, is in window.json).

The forward pass is HF transformers' modeling_gemma3.py (Gemma3ForCausalLM, text only) in
float64 numpy over the dequantized weights: embeddings times sqrt(640); per layer
input_layernorm, q/k/v projections, q_norm and k_norm (RMSNorm over head_dim, per head), RoPE
(rotate_half), scores times query_pre_attn_scalar**-0.5 = 1/16, causal mask and on sliding
layers the window (key visible iff q_pos - k_pos < 512), softmax, times V (the one key/value
head shared by the 4 query heads), o_proj, post_attention_layernorm, residual;
pre_feedforward_layernorm, gate and up, gelu_pytorch_tanh(gate) * up, down,
post_feedforward_layernorm, residual; final norm, tied head (token_embd). Layer l is global
iff (l + 1) % 6 == 0 (HF sliding_window_pattern 6), RoPE base 1e6 there
(gemma3.rope.freq_base) and 1e4 on the sliding layers (HF rope_local_base_freq; the GGUF has no
key for it); the GGUF has no rope.scaling keys (checked) and Gemma 3 has no soft-capping.

Two facts about the GGUF, checked here, not assumed:
- Norm weights carry the +1. HF's Gemma3RMSNorm is x / sqrt(mean(x^2) + 1e-6) * (1 + w) with
  w stored in bf16; llama.cpp's converter writes w + 1 in F32. For every one of the 109 F32
  tensors (55,936 values), stored - 1 is exactly a bf16 number, while only 75% of the stored
  values are; and the stored values sit around 1 + w (attn_norm of layer 0: min 7.4, median
  11.9; q_norm: median 2.0; post_attention_norm of layer 0: min 0.0, that is w = -1). So this
  script takes w = stored - 1 and applies HF's (1 + w): the same as multiplying by the stored
  value.
- q and k are not permuted. llama.cpp's Gemma 3 converter copies q_proj and k_proj as they are
  and runs NEOX RoPE (rotate_half) on them; this script applies HF's rotate_half to the rows as
  stored. `--check-permute` prints the gato prompt's top 5 both ways: as stored " o" 18.7%,
  " ele" 15.3%, " a" 8.8%, " estava" 7.6% (transformers, issue 25: 19, 15, 9, 8); with a
  Llama-style permutation undone, " o" 8.9%, " " 7.4%, " O" 3.0%, " d", " ¿" (nonsense).

The tokenizer is a SentencePiece model built from the GGUF's vocabulary (`sentencepiece`, from
a ModelProto): model_type BPE, byte_fallback, the GGUF's pieces, scores and types (1 normal,
3 control, 4 user-defined, 6 byte; the GGUF marks <unk>, id 3, as control, so it is made the
UNKNOWN piece SentencePiece requires), normalizer "identity" with add_dummy_prefix false,
escape_whitespaces true (a space becomes U+2581) and remove_extra_whitespaces false; <bos> (2)
is prepended. A plain BPE of this script's own (merge the adjacent pair with the best score,
leftmost first; byte fallback) agrees on every prompt (asserted). The prompts have no runs of
spaces or tabs, where the GGUF's user-defined pieces hold real spaces (see MODELS.md).

Needs numpy, gguf, sentencepiece and protobuf (sentencepiece==0.2.3, protobuf==7.36.2 here).
The five prompts' and the window prompt's ids are in the fixtures; about 80 s on one core.
Usage: python3 make_gemma_fixtures.py MODEL.gguf OUT_DIR [--check-permute]
"""
import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

SENTENCE = "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava"

PROMPTS = [
    SENTENCE,  # the article's sentence up to "estava"
    "O gato subiu no telhado porque",
    "A menina estava radiante porque",
    "The capital of France is",
    "Once upon a time, there was a little girl who",
]
GREEDY_TOKENS = 20

# The long prompt: nine prose paragraphs of the article (/work/shared/seed/artigo-qkv.md, its
# sections 1-3 without headings, quotes, tables or markdown marks), then an English paragraph.
WINDOW_PT = (
    'A verdadeira genialidade dos grandes modelos de linguagem (LLMs) não está em sua vasta '
    'memória, mas em um mecanismo de uma elegância impressionante que lhes permite compreender '
    'o contexto. Vamos mergulhar no coração dessa máquina para entender como ela realmente '
    '"pensa". Por décadas, a grande barreira da IA foi capturar as relações de longo alcance na'
    ' linguagem — entender como a primeira palavra de uma frase longa se conecta à última.',
    'A solução para esse problema foi um salto paradigmático, abandonando a análise sequencial '
    'por um processo que se assemelha a um maestro regendo sua orquestra. A "mágica" por trás '
    'da coerência de um LLM acontece através de um cálculo especial envolvendo três '
    'componentes: Query (Q), Key (K) e Value (V).',
    'Mas para entender por que essa "orquestra" de vetores é tão revolucionária, primeiro '
    'precisamos ver o problema que ela veio resolver.',
    'Modelos de linguagem mais antigos operavam de forma linear. Eles processavam o texto '
    'palavra por palavra, em sequência, o que criava uma limitação fundamental. Como o '
    'instrutor da fonte original explica, a mudança de paradigma foi fundamental:',
    'Essa abordagem sequencial torna extremamente difícil para uma máquina captar relações '
    'complexas. Em uma frase como "A menina que, depois de uma longa caminhada pelo parque, '
    'adotou vários cachorros de rua, estava radiante", um modelo linear teria dificuldade em '
    'conectar "menina" com "radiante", pois há muitas palavras no meio. A influência se perdia '
    'com a distância.',
    'Para superar essa barreira, os LLMs precisavam de uma nova forma de calcular a importância'
    ' de cada palavra em relação a todas as outras simultaneamente. É aqui que a engenharia se '
    'torna arte.',
    'A solução foi parar de olhar em sequência e, em vez disso, calcular a "tensão" — ou, mais '
    'tecnicamente, a "atenção" — entre cada palavra. É essa tensão contextual que permite à IA '
    'entender como as palavras se influenciam mutuamente, não importando a distância entre '
    'elas.',
    'Para fazer isso, o modelo gera três vetores para cada palavra: Query, Key e Value. A '
    'melhor forma de entender isso é através da analogia de uma orquestra.',
    'Imagine que cada palavra em uma frase é um músico, e o modelo precisa entender o papel de '
    'cada um para criar uma sinfonia coesa.',
)
WINDOW_TAIL = (
    "In English, the same idea reads like this. A transformer does not read a sentence one word "
    "after another. Every word asks a question, every other word offers a key, and the answer is "
    "a weighted mix of their values. Some layers look only at the last few hundred words, which "
    "keeps the cost low on long texts; others look at everything that came before. The girl who "
    "adopted the dogs was"
)


def field(reader, key):
    return reader.fields[key].contents()


# ---------------------------------------------------------------- tokenizer

def sp_processor(reader):
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    tokens = field(reader, "tokenizer.ggml.tokens")
    scores = field(reader, "tokenizer.ggml.scores")
    types = field(reader, "tokenizer.ggml.token_type")
    assert field(reader, "tokenizer.ggml.model") == "llama"
    assert field(reader, "tokenizer.ggml.add_space_prefix") is False
    assert field(reader, "tokenizer.ggml.bos_token_id") == 2
    unk = field(reader, "tokenizer.ggml.unknown_token_id")
    m = pb.ModelProto()
    kind = {1: pb.ModelProto.SentencePiece.NORMAL, 2: pb.ModelProto.SentencePiece.UNKNOWN,
            3: pb.ModelProto.SentencePiece.CONTROL, 4: pb.ModelProto.SentencePiece.USER_DEFINED,
            5: pb.ModelProto.SentencePiece.UNUSED, 6: pb.ModelProto.SentencePiece.BYTE}
    for i, (t, s, ty) in enumerate(zip(tokens, scores, types)):
        p = m.pieces.add()
        p.piece, p.score = t, float(s)
        p.type = pb.ModelProto.SentencePiece.UNKNOWN if i == unk else kind[ty]
    m.trainer_spec.model_type = pb.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.vocab_size = len(tokens)
    m.trainer_spec.unk_id = unk
    m.trainer_spec.bos_id = field(reader, "tokenizer.ggml.bos_token_id")
    m.trainer_spec.eos_id = field(reader, "tokenizer.ggml.eos_token_id")
    m.trainer_spec.pad_id = field(reader, "tokenizer.ggml.padding_token_id")
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = False
    m.normalizer_spec.escape_whitespaces = True
    m.normalizer_spec.remove_extra_whitespaces = False
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(m.SerializeToString())
    return sp


class PlainBPE:
    """SentencePiece BPE written out: chars (user-defined pieces whole), then repeatedly merge
    the adjacent pair whose concatenation is a normal piece of the best score, leftmost first;
    what is left unknown goes to <0xXX> byte pieces."""

    def __init__(self, reader):
        tokens = field(reader, "tokenizer.ggml.tokens")
        self.scores = field(reader, "tokenizer.ggml.scores")
        types = field(reader, "tokenizer.ggml.token_type")
        self.normal = {t: i for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 1}
        self.user = sorted((t for t, ty in zip(tokens, types) if ty == 4), key=len, reverse=True)
        self.ids = {t: i for i, t in enumerate(tokens)}

    def encode(self, text):
        text = text.replace(" ", "\u2581")
        sym, i = [], 0
        while i < len(text):
            u = next((u for u in self.user if text.startswith(u, i)), None)
            sym.append(u or text[i])
            i += len(u) if u else 1
        frozen = [s in self.user for s in sym]
        while True:
            best, at = None, -1
            for j in range(len(sym) - 1):
                if frozen[j] or frozen[j + 1]:
                    continue
                pid = self.normal.get(sym[j] + sym[j + 1])
                if pid is not None and (best is None or self.scores[pid] > best):
                    best, at = self.scores[pid], j
            if at < 0:
                break
            sym[at:at + 2] = [sym[at] + sym[at + 1]]
            frozen[at:at + 2] = [False]
        out = []
        for s in sym:
            if s in self.ids:
                out.append(self.ids[s])
            else:
                out += [self.ids[f"<0x{b:02X}>"] for b in s.encode()]
        return out


class Tok:
    def __init__(self, reader):
        self.sp = sp_processor(reader)
        self.plain = PlainBPE(reader)
        self.tokens = field(reader, "tokenizer.ggml.tokens")

    def encode(self, text):
        assert "  " not in text and "\t" not in text, "space runs: see the docstring"
        ids = [2] + list(self.sp.encode(text))
        assert ids[1:] == self.plain.encode(text), text
        return ids

    def piece(self, i):
        return self.tokens[int(i)]

    def decode(self, ids):
        return self.sp.decode([int(i) for i in ids])


# ---------------------------------------------------------------- model

def gelu_tanh(x):  # gelu_pytorch_tanh
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


class Reference:
    """Gemma 3 (text) in float64 numpy, named after HF modeling_gemma3.py."""

    def __init__(self, reader, permuted=False):
        f = lambda k: field(reader, k)
        assert f("general.architecture") == "gemma3"
        assert not [k for k in reader.fields if "rope.scaling" in k or "softcap" in k]
        self.L = f("gemma3.block_count")
        self.D = f("gemma3.embedding_length")
        self.H = f("gemma3.attention.head_count")
        self.Hkv = f("gemma3.attention.head_count_kv")
        self.Dh = f("gemma3.attention.key_length")
        assert self.Dh == f("gemma3.attention.value_length") == 256
        self.eps = 1e-6  # gemma3.attention.layer_norm_rms_epsilon, 1e-6 as a float32
        assert abs(f("gemma3.attention.layer_norm_rms_epsilon") - 1e-6) < 1e-12
        self.window = f("gemma3.attention.sliding_window")
        self.theta_global = float(f("gemma3.rope.freq_base"))  # 1e6
        self.theta_local = 10000.0  # HF rope_local_base_freq
        self.scaling = 256.0 ** -0.5  # query_pre_attn_scalar ** -0.5
        self.normalizer = np.sqrt(float(self.D))
        self.permuted = permuted  # only for --check-permute
        self.t = {t.name: t for t in reader.tensors}
        self.cache = {}
        assert "output.weight" not in self.t, "tied embeddings expected"

    def is_sliding(self, layer):
        return (layer + 1) % 6 != 0

    def w(self, name):  # (out, in) float64, dequantized once
        if name not in self.cache:
            t = self.t[name]
            w = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0])).astype(np.float64)
            if self.permuted and (name.endswith("attn_q.weight") or name.endswith("attn_k.weight")):
                n = w.shape[0] // self.Dh  # undo a llama-style permute (wrong for gemma3)
                w = w.reshape(n, self.Dh // 2, 2, -1).swapaxes(1, 2).reshape(w.shape)
            self.cache[name] = w
        return self.cache[name]

    def rms_norm(self, x, name):
        """Gemma3RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w); the GGUF stores 1 + w."""
        w_hf = self.w(name)[0] - 1.0
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * (1.0 + w_hf)

    def rope(self, x, theta):  # (n, T, Dh), HF apply_rotary_pos_emb with rotate_half
        T = x.shape[1]
        inv = theta ** (-np.arange(0, self.Dh, 2, dtype=np.float64) / self.Dh)  # (Dh/2,)
        ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]  # (T, Dh/2)
        cos = np.concatenate([np.cos(ang)] * 2, -1)  # (T, Dh)
        sin = np.concatenate([np.sin(ang)] * 2, -1)
        half = self.Dh // 2
        rot = np.concatenate([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def forward(self, ids, record=None, attention=True, head_mask=None):
        """Returns (attention (L, H, T, T) or None, the final-normed residual stream (T, D))."""
        emb = self.w("token_embd.weight")  # (V, D)
        h = emb[ids] * self.normalizer  # (T, D)
        T = len(ids)
        if record is not None:
            record.update(q=[], k=[], v=[], hidden=[h.copy()])
        attn_all = np.zeros((self.L, self.H, T, T)) if attention else None
        pos = np.arange(T)
        dist = pos[:, None] - pos[None, :]  # q_pos - k_pos
        masked_global = dist < 0
        masked_local = (dist < 0) | (dist >= self.window)
        for l in range(self.L):
            p = f"blk.{l}."
            sliding = self.is_sliding(l)
            theta = self.theta_local if sliding else self.theta_global
            x = self.rms_norm(h, p + "attn_norm.weight")  # input_layernorm
            q = (x @ self.w(p + "attn_q.weight").T).reshape(T, self.H, self.Dh).transpose(1, 0, 2)
            k = (x @ self.w(p + "attn_k.weight").T).reshape(T, self.Hkv, self.Dh).transpose(1, 0, 2)
            v = (x @ self.w(p + "attn_v.weight").T).reshape(T, self.Hkv, self.Dh).transpose(1, 0, 2)
            q = self.rope(self.rms_norm(q, p + "attn_q_norm.weight"), theta)  # (H, T, Dh)
            k = self.rope(self.rms_norm(k, p + "attn_k_norm.weight"), theta)  # (Hkv, T, Dh)
            if record is not None:
                record["q"].append(q.copy())
                record["k"].append(k.copy())
                record["v"].append(v.copy())
            rep = self.H // self.Hkv  # repeat_kv
            k, v = np.repeat(k, rep, 0), np.repeat(v, rep, 0)  # (H, T, Dh)
            s = (q @ k.transpose(0, 2, 1)) * self.scaling  # (H, T, T)
            s[:, masked_local if sliding else masked_global] = -np.inf
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            if head_mask is not None:  # (L, H) of 0/1: HF head_mask, a dismissed head's attention x 0
                a = a * head_mask[l][:, None, None]
            if attention:
                attn_all[l] = a
            o = (a @ v).transpose(1, 0, 2).reshape(T, self.H * self.Dh)  # (T, H*Dh)
            o = o @ self.w(p + "attn_output.weight").T  # o_proj
            h = h + self.rms_norm(o, p + "post_attention_norm.weight")
            x = self.rms_norm(h, p + "ffn_norm.weight")  # pre_feedforward_layernorm
            g = x @ self.w(p + "ffn_gate.weight").T  # (T, I)
            u = x @ self.w(p + "ffn_up.weight").T
            m = (gelu_tanh(g) * u) @ self.w(p + "ffn_down.weight").T
            h = h + self.rms_norm(m, p + "post_ffw_norm.weight")
            if record is not None:
                record["hidden"].append(h.copy())
        return attn_all, self.rms_norm(h, "output_norm.weight")

    def head(self, h):  # (D,) -> (V,), tied lm_head
        return self.w("token_embd.weight") @ h

    def logits(self, ids, **kw):
        attn, h = self.forward(ids, **kw)
        return attn, self.head(h[-1])


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def top(logits, tok, n=5):
    prob = softmax(logits)
    ids = np.argsort(-logits, kind="stable")[:n]
    return {"ids": [int(i) for i in ids], "probs": [float(prob[i]) for i in ids],
            "tokens": [tok.piece(i) for i in ids]}


# ---------------------------------------------------------------- fixtures

def quant_rows(reader):
    picks = [("token_embd.weight", [0, 2, 236743, 262143]), ("blk.0.attn_v.weight", [0, 255]),
             ("blk.0.attn_q.weight", [0, 1023]), ("blk.0.attn_k.weight", [7]),
             ("blk.17.ffn_gate.weight", [2047]), ("blk.0.attn_output.weight", [0, 639]),
             ("blk.2.ffn_down.weight", [1, 638]), ("blk.0.ffn_down.weight", [0, 639]),
             ("output_norm.weight", [0])]
    tensors = {t.name: t for t in reader.tensors}
    out = []
    for name, rows in picks:
        t = tensors[name]
        full = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0]))  # (rows, ne[0])
        for r in rows:
            out.append({"tensor": name, "type": t.tensor_type.name, "row": r,
                        "values": [float(v) for v in full[r].astype(np.float64)]})
    assert {o["type"] for o in out} == {"Q8_0", "Q5_0", "Q4_K", "Q6_K", "F32"}
    return out


def window_prompt():
    return " ".join(WINDOW_PT) + " " + WINDOW_TAIL


def forward_fixtures(reader, tok, out_dir):
    ref = Reference(reader)
    fdir = out_dir / "forward"
    fdir.mkdir(parents=True, exist_ok=True)
    meta = []
    for i, text in enumerate(PROMPTS):
        ids = tok.encode(text)
        attn, logits = ref.logits(ids)
        np.save(fdir / f"attention_{i}.npy", attn.astype(np.float32))
        np.save(fdir / f"logits_{i}.npy", logits.astype(np.float32))
        t5 = top(logits, tok)
        meta.append({"text": text, "ids": ids, "pieces": [tok.piece(j) for j in ids],
                     "top5": t5["ids"], "top5_tokens": t5["tokens"], "top5_probs": t5["probs"]})
        print(repr(text), len(ids), "tokens ->",
              ", ".join(f"{tok.decode([j])!r} {p:.1%}" for j, p in zip(t5["ids"], t5["probs"])))
        if i == 0:
            est = [{"id": j, "piece": tok.piece(j), "prob": p} for j, p in zip(t5["ids"], t5["probs"])]
            (out_dir / "top5_estava.json").write_text(
                json.dumps({"text": text, "ids": ids, "top5": est}, ensure_ascii=False, indent=1) + "\n")
    (fdir / "prompts.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")

    rec = {}
    ref.forward(tok.encode(PROMPTS[1]), rec, attention=False)
    for k, v in rec.items():
        np.save(fdir / f"{k}_1.npy", np.stack(v).astype(np.float32))

    rec = {}
    ref.forward(tok.encode(PROMPTS[0]), rec, attention=False)
    lens = [top(ref.head(ref.rms_norm(h[-1], "output_norm.weight")), tok) for h in rec["hidden"]]
    (fdir / "lens_0.json").write_text(json.dumps(lens, ensure_ascii=False, indent=1) + "\n")

    text = window_prompt()
    ids = tok.encode(text)
    T = len(ids)
    assert 560 <= T <= 700, T
    attn, logits = ref.logits(ids)
    last = attn[:, :, -1, :]  # (L, H, T)
    far = np.arange(T) <= (T - 1) - ref.window  # keys 512+ positions back
    for l in range(ref.L):
        if ref.is_sliding(l):
            assert np.all(last[l][:, far] == 0.0)
        else:
            assert np.all(last[l][:, far].sum(-1) > 0)
    np.save(fdir / "window_logits.npy", logits.astype(np.float32))
    np.save(fdir / "window_last_row_attention.npy", last.astype(np.float32))
    t5 = top(logits, tok)
    (fdir / "window.json").write_text(json.dumps({
        "text": text, "ids": ids, "window": ref.window,
        "sliding_layers": [l for l in range(ref.L) if ref.is_sliding(l)],
        "global_layers": [l for l in range(ref.L) if not ref.is_sliding(l)],
        "top5": t5["ids"], "top5_tokens": t5["tokens"], "top5_probs": t5["probs"],
        "global_weight_beyond_window": [float(last[l][:, far].sum(-1).max()) for l in range(ref.L)
                                        if not ref.is_sliding(l)],
    }, ensure_ascii=False, indent=1) + "\n")
    print(f"window prompt: {T} tokens, keys 0..{int(far.sum()) - 1} beyond the window of the last "
          f"query; top {tok.decode(t5['ids'][:1])!r} {t5['probs'][0]:.1%}; weight there on layers "
          f"5/11/17 (max over heads): " + ", ".join(f"{float(last[l][:, far].sum(-1).max()):.3g}" for l in (5, 11, 17)))

    eos = field(reader, "tokenizer.ggml.eos_token_id")
    greedy = []
    for text in PROMPTS:
        ids = tok.encode(text)
        out, margins = [], []
        for _ in range(GREEDY_TOKENS):
            _, logits = ref.logits(ids + out, attention=False)
            top2 = np.argsort(-logits, kind="stable")[:2]
            if top2[0] == eos:
                break
            out.append(int(top2[0]))
            margins.append(float(logits[top2[0]] - logits[top2[1]]))
        greedy.append({"text": text, "ids": ids, "continuation": out, "margins": margins,
                       "decoded": tok.decode(out)})
        print(repr(text), "->", repr(tok.decode(out)), "min margin", round(min(margins), 3))
    (fdir / "greedy.json").write_text(json.dumps(greedy, ensure_ascii=False, indent=1) + "\n")


def check_permute(reader, tok):
    ids = tok.encode(PROMPTS[1])
    for permuted in (False, True):
        _, logits = Reference(reader, permuted).logits(ids, attention=False)
        t5 = top(logits, tok)
        print("un-permuted q/k" if permuted else "q/k as stored  ", ", ".join(
            f"{tok.decode([j])!r} {p:.1%}" for j, p in zip(t5["ids"], t5["probs"])))


def main():
    gguf_path, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    reader = GGUFReader(gguf_path)
    tok = Tok(reader)
    if "--check-permute" in sys.argv[3:]:
        check_permute(reader, tok)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "quant_rows.json").write_text(json.dumps(quant_rows(reader)) + "\n")
    forward_fixtures(reader, tok, out_dir)


if __name__ == "__main__":
    main()
