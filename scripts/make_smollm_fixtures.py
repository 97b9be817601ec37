"""Fixtures for the decoder (SmolLM2-135M-Instruct, issue 23), from the GGUF itself, read by
the `gguf` package (llama.cpp's own Python reader), with no code of Orquestra's:

- tokenizer_corpus.json  the strings: e5's committed corpus (mostly Portuguese, every Unicode
                         space and zero-width char) and this script's additions for a
                         byte-level BPE (digits, contractions, specials typed in, code
                         indentation, whitespace runs, NFC/NFD, long words, rare bytes);
- tokenizer_hf.json      for each string, what an HF `tokenizers` Tokenizer built from the
                         GGUF's vocabulary and merges gives: ids, token strings, char offsets
                         (ByteLevel trim_offsets: a token's leading/trailing Ġ not counted),
                         and the decoded text;
- dequant_rows.json      some rows of the Q8_0 embedding, a Q4_1 matrix and an F32 norm,
                         dequantized by `gguf.quants` (the reference for kernels/quant);
- quant_blocks.json      pseudo-random blocks of Q4_1, Q8_0, Q5_0, Q4_K and Q6_K (Gemma 3's
                         types) with sane f16 scales, dequantized by `gguf.quants`;
- forward/               a float64 numpy forward pass of the model (HF modeling_llama.py's
                         steps) over the dequantized weights, for a few prompts: the token
                         ids, every layer's and head's attention (L, H, T, T) and the last
                         position's logits (V,), as .npy, and prompts.json; greedy.json:
                         20 greedy tokens after each of five prompts (two Portuguese), each
                         step a full forward pass with no cache, with its margin (top-1
                         minus top-2 logit); q_1.npy, k_1.npy, v_1.npy, hidden_1.npy for "The capital of France is": q
                         (L, H, T, Dh) and k, v (L, Hkv, T, Dh) after RoPE, in the GGUF's
                         order within a head (the converter's permutation applied to the
                         vectors), and the residual stream (L+1, T, D); lens_0.json: the logit
                         lens of the article's sentence's last token, the top 5 after every
                         layer (final norm and tied head on the residual stream).

The forward pass undoes the converter's permutation of q and k (convert_hf_to_gguf.py
`LlamaModel.permute`, which makes llama.cpp's adjacent-pair RoPE right) and applies HF's
rotate_half RoPE to the weights in HF's order: a check of the engine's own choice, not a copy.

The tokenizer is SmolLM2's HF tokenizer.json rebuilt from the GGUF: BPE over byte-level
chars with no unknown token (a byte with no piece is dropped, as HF and llama.cpp both do),
the 17 control tokens (token_type 3) as special added tokens, no normalizer, and the
pre-tokenizer of `tokenizer.ggml.pre = smollm`: Digits(individual) then ByteLevel(no prefix
space, GPT-2's regex) -- llama.cpp's `LLAMA_VOCAB_PRE_TYPE_SMOLLM` splits `\\p{N}` first, then
the same regex. Usage: python3 make_smollm_fixtures.py MODEL.gguf OUT_DIR
"""
import json
import sys
import unicodedata
from pathlib import Path

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

ROOT = Path(__file__).resolve().parent.parent


def field(reader, key):
    return reader.fields[key].contents()


def hf_tokenizer(reader):
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
    assert field(reader, "tokenizer.ggml.model") == "gpt2"
    assert field(reader, "tokenizer.ggml.pre") == "smollm"
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == len(tokens), "duplicate tokens"
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=True)
    tok.decoder = decoders.ByteLevel()
    specials = [AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == 3]
    tok.add_special_tokens(specials)
    for t in specials:
        assert tok.token_to_id(t.content) == vocab[t.content]
    return tok


def additions():
    """Strings a byte-level BPE with individual digits may split differently."""
    out = [
        # numbers: every digit its own pre-token; other numerals (No, Nl) too
        "Em 1987, 2.500 pessoas pagaram R$ 1.234,56 cada.",
        "12345678901234567890",
        "3,14159 e 2,71828; 1e-5 e 0x1F",
        "Capítulo IV, página 42ª, 1º lugar, ½ xícara, ² ³ ¹",
        "٣٤٥ १२३ ๑๒๓ ①②③ Ⅻ",
        "ano2024 v1.2.3 COVID-19 mp3",
        # contractions of the GPT-2 regex, and their near misses
        "it's they're we've I'm you'll he'd don't",
        "IT'S THEY'RE 's 't 're 'l 'x",
        "d'água d’água pingo-d'água",
        "a'b'c''d'''",
        # specials typed into the text (split out whole, as HF's added tokens)
        "<|im_start|>user\nOlá, tudo bem?<|im_end|>\n<|im_start|>assistant\n",
        "<|endoftext|>",
        "antes<|endoftext|>depois",
        "<|im_start|><|im_end|><|im_start|>",
        "<repo_name>orquestra<file_sep>src/lib.rs",
        "<|im_start",
        "im_end|>",
        "< |im_start| >",
        "<jupyter_code>print(1)<jupyter_output>1<empty_output>",
        # code and indentation (runs of spaces, tabs, newlines)
        "def f(x):\n    return x + 1\n",
        "if (a) {\n\tb();\n\t\tc();\n}\n",
        "    quatro espaços antes",
        "depois quatro    ",
        "linha\n\n\nlinhas\r\n\r\nfim",
        "  \n  \n",
        " ",
        "  ",
        "\n",
        "\t",
        " a",
        "a ",
        "a  b   c    d",
        # NFC and NFD of the same words
        unicodedata.normalize("NFD", "Ação, coração, não, pão, órgão, mãe, irmã, põe."),
        unicodedata.normalize("NFD", "É café com açúcar à beça"),
        unicodedata.normalize("NFC", "e\u0301 a\u0303 c\u0327"),
        "e\u0301 a\u0303 c\u0327 o\u0303",
        # long words
        "inconstitucionalissimamente",
        "pneumoultramicroscopicossilicovulcanoconiótico",
        "a" * 300,
        "ção" * 80,
        "😀" * 40,
        # emoji, CJK, other scripts
        "🇧🇷🇵🇹 👨‍👩‍👧‍👦 🏳️‍🌈 ✊🏿",
        "中文分词测试,日本語のテキスト、한국어 문장",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝 𝟙𝟚𝟛",
        "𠀀𠀁 𪚥 𰻞",
        # control and zero-width chars
        "a\u0000b\u0001c\u001fd\u007fe",
        "zero\u200bwidth\u200cjoin\u200dx\u2060y\ufeffz",
        "bidi \u202eabc\u202c \u200e\u200f",
        "soft\u00adhyphen",
        "nel\u0085line",
    ]
    # whitespace runs: each of U+2000..U+200B and U+3000 alone, doubled and between words
    for cp in list(range(0x2000, 0x200C)) + [0x3000, 0x00A0, 0x202F, 0x205F, 0x1680]:
        c = chr(cp)
        out += [f"olá{c}mundo", f"{c}{c}ação {c}", f"A {c} e{c}{c}{c}fim"]
    out.append("".join(chr(cp) for cp in range(0x2000, 0x200C)) + "x\u3000\u3000y")
    # rare bytes: chars whose UTF-8 holds bytes that may have no piece of their own; SmolLM2
    # has none for 0x04 0x06 0x13 0x14 0x16 0x1D (and 0xF1 0xF2, planes 4-11): HF drops them
    # and merges what was on either side
    out += ["\U000e0041\U000e0042", "\U00010000\U0010fffd", "\U0001d11e music", "\x80\x81 Ā ſ",
            "a\x04b in\x04g th\x06e", "!\x04! ..\x04.. --\x13--x", "a \x04\x06.", " \x04", "\x04",
            "((\U00050000)) \U00040000x ab\U00080000cd", "é\x13\x14ção\x16\x1d fim"]
    # more Portuguese: the article's sentences, with numbers, emoji and quotes
    out += [
        "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava",
        "A menina estava radiante porque ganhou 3 cachorros.",
        "O maestro olhou para os músicos e a orquestra começou às 20h30.",
        "Os jurados deram notas 9,5, 8,75 e 10 — média 9,42.",
        "Você já tomou um copo d'água hoje? 💧",
        "Não sei se ele vem; talvez venha amanhã, às 7 horas.",
        "Fui ao banco sentar-me e depois ao banco pagar a conta.",
        "A atenção é tudo de que você precisa (Vaswani et al., 2017).",
        "“Olá!”, disse ela — e saiu correndo… 🏃‍♀️",
        "R$ 1.000.000,00 é um milhão de reais.",
        "Quantos anos você tem? Tenho 27 anos e meio.",
        "Ele disse: 'não é assim que se faz'.",
        "São Paulo, Rio de Janeiro, Belo Horizonte e Florianópolis.",
        "coração, emoção, razão, canção, mão, irmãos, pães, cães",
        "Tá bom, né? Cê vai lá amanhã?",
        "Águas de março fechando o verão, é a promessa de vida no teu coração.",
        "A temperatura caiu para -3,5 °C em Gramado.",
        "Ligue para (11) 98765-4321 ou escreva para contato@exemplo.com.br",
        "Capítulo 1: Introdução\n\nSeção 1.1 — Motivação",
        "Ó mar salgado, quanto do teu sal são lágrimas de Portugal!",
    ]
    return out


def corpus():
    base = json.loads((ROOT / "tests/fixtures/e5/tokenizer_corpus.json").read_text())
    seen, out = set(), []
    for s in base + additions():
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def dequant_rows(reader):
    picks = [("token_embd.weight", [0, 1, 1000, 49151]), ("blk.0.attn_q.weight", [0, 575]),
             ("blk.29.ffn_down.weight", [3]), ("output_norm.weight", [0])]
    tensors = {t.name: t for t in reader.tensors}
    out = []
    for name, rows in picks:
        t = tensors[name]
        full = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0]))  # (rows, dims[0])
        for r in rows:
            out.append({"tensor": name, "type": t.tensor_type.name, "row": r,
                        "values": [float(v) for v in full[r].astype(np.float64)]})
    return out


def quant_blocks():
    """Blocks of random bytes whose f16 fields hold random scales in [-1, 1] (no NaN/inf)."""
    from gguf import GGMLQuantizationType as Q
    rng = np.random.RandomState(23)
    # type: (block bytes, byte offsets of its f16 fields)
    types = {Q.Q4_1: (20, [0, 2]), Q.Q8_0: (34, [0]), Q.Q5_0: (22, [0]),
             Q.Q4_K: (144, [0, 2]), Q.Q6_K: (210, [208])}
    out = []
    for ty, (size, halves) in types.items():
        blocks = rng.randint(0, 256, size=(4, size)).astype(np.uint8)
        for b in blocks:
            for at in halves:
                b[at:at + 2] = np.array([rng.uniform(-1, 1)], dtype=np.float16).view(np.uint8)
        values = dequantize(blocks.reshape(1, -1), ty).reshape(-1)
        out.append({"type": ty.name, "bytes": blocks.tobytes().hex(),
                    "values": [float(v) for v in values.astype(np.float64)]})
    return out


PROMPTS = [
    "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava",
    "The capital of France is",
]


GREEDY_PROMPTS = [
    "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava",
    "O Brasil é o maior país da América do Sul e sua capital é",
    "The capital of France is",
    "Once upon a time, there was a little girl who",
    "def fibonacci(n):",
]
GREEDY_TOKENS = 20


def unpermute(w, n_head):
    """convert_hf_to_gguf.py's permute, undone: (out, in) rows back in HF's order."""
    out = w.shape[0]
    return w.reshape(n_head, out // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def to_gguf_order(x):
    """(heads, T, Dh) vectors from HF's order to the GGUF's: HF dims (i, i + Dh/2) become
    (2i, 2i + 1), as the converter's permutation does to the rows of q_proj and k_proj."""
    n, t, dh = x.shape
    return x.reshape(n, t, 2, dh // 2).swapaxes(-1, -2).reshape(n, t, dh)


class Reference:
    """SmolLM2 (llama) in float64 numpy, named after HF modeling_llama.py."""

    def __init__(self, reader):
        f = lambda k: field(reader, k)
        self.L = f("llama.block_count")
        self.D = f("llama.embedding_length")
        self.H = f("llama.attention.head_count")
        self.Hkv = f("llama.attention.head_count_kv")
        self.Dh = self.D // self.H
        self.theta = float(f("llama.rope.freq_base"))
        self.eps = float(f("llama.attention.layer_norm_rms_epsilon"))
        self.t = {t.name: t for t in reader.tensors}
        self.cache = {}
        assert "output.weight" not in self.t, "tied embeddings expected"

    def w(self, name):  # (out, in) float64, dequantized once
        if name not in self.cache:
            t = self.t[name]
            self.cache[name] = dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0])).astype(np.float64)
        return self.cache[name]

    def rms_norm(self, x, name):  # LlamaRMSNorm
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * self.w(name)[0]

    def rope(self, x):  # (H, T, Dh), HF apply_rotary_pos_emb with rotate_half
        T = x.shape[1]
        inv = self.theta ** (-np.arange(0, self.Dh, 2, dtype=np.float64) / self.Dh)  # (Dh/2,)
        ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]  # (T, Dh/2)
        cos = np.concatenate([np.cos(ang)] * 2, -1)  # (T, Dh)
        sin = np.concatenate([np.sin(ang)] * 2, -1)
        half = self.Dh // 2
        rot = np.concatenate([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def forward(self, ids, record=None, head_mask=None):
        emb = self.w("token_embd.weight")  # (V, D)
        h = emb[ids]  # (T, D)
        T = len(ids)
        if record is not None:
            record.update(q=[], k=[], v=[], hidden=[h.copy()])
        attn_all = np.zeros((self.L, self.H, T, T))  # (L, H, T, T)
        causal = np.triu(np.ones((T, T), dtype=bool), 1)
        for l in range(self.L):
            p = f"blk.{l}."
            x = self.rms_norm(h, p + "attn_norm.weight")  # input_layernorm
            q = x @ unpermute(self.w(p + "attn_q.weight"), self.H).T  # (T, H*Dh)
            k = x @ unpermute(self.w(p + "attn_k.weight"), self.Hkv).T  # (T, Hkv*Dh)
            v = x @ self.w(p + "attn_v.weight").T  # (T, Hkv*Dh)
            q = self.rope(q.reshape(T, self.H, self.Dh).transpose(1, 0, 2))  # (H, T, Dh)
            k = self.rope(k.reshape(T, self.Hkv, self.Dh).transpose(1, 0, 2))  # (Hkv, T, Dh)
            v = v.reshape(T, self.Hkv, self.Dh).transpose(1, 0, 2)  # (Hkv, T, Dh)
            if record is not None:
                record["q"].append(to_gguf_order(q))
                record["k"].append(to_gguf_order(k))
                record["v"].append(v.copy())
            rep = self.H // self.Hkv  # repeat_kv
            k, v = np.repeat(k, rep, 0), np.repeat(v, rep, 0)  # (H, T, Dh)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(self.Dh)  # (H, T, T)
            s[:, causal] = -np.inf
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            if head_mask is not None:  # (L, H) of 0/1: HF head_mask, a dismissed head's attention x 0
                a = a * head_mask[l][:, None, None]
            attn_all[l] = a
            o = (a @ v).transpose(1, 0, 2).reshape(T, self.D)  # (T, D)
            h = h + o @ self.w(p + "attn_output.weight").T
            x = self.rms_norm(h, p + "ffn_norm.weight")  # post_attention_layernorm
            g = x @ self.w(p + "ffn_gate.weight").T  # (T, I)
            u = x @ self.w(p + "ffn_up.weight").T
            h = h + ((g / (1 + np.exp(-g))) * u) @ self.w(p + "ffn_down.weight").T
            if record is not None:
                record["hidden"].append(h.copy())
        h = self.rms_norm(h, "output_norm.weight")
        logits = h[-1] @ emb.T  # (V,), tied lm_head
        return attn_all, logits


def forward_fixtures(reader, tok, out_dir):
    ref = Reference(reader)
    fdir = out_dir / "forward"
    fdir.mkdir(parents=True, exist_ok=True)
    meta = []
    for i, text in enumerate(PROMPTS):
        ids = tok.encode(text).ids
        attn, logits = ref.forward(ids)
        np.save(fdir / f"attention_{i}.npy", attn.astype(np.float32))
        np.save(fdir / f"logits_{i}.npy", logits.astype(np.float32))
        top = np.argsort(-logits)[:5]
        meta.append({"text": text, "ids": ids, "top5": [int(t) for t in top],
                     "top5_tokens": [tok.id_to_token(int(t)) for t in top]})
        print(text, "->", [tok.decode([int(t)]) for t in top])
    (fdir / "prompts.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    rec = {}
    ref.forward(tok.encode(PROMPTS[1]).ids, rec)
    for k, v in rec.items():
        np.save(fdir / f"{k}_1.npy", np.stack(v).astype(np.float32))
    rec = {}
    ref.forward(tok.encode(PROMPTS[0]).ids, rec)
    emb = ref.w("token_embd.weight")
    lens = []
    for h in rec["hidden"]:  # (L+1) × (T, D)
        logits = ref.rms_norm(h[-1:], "output_norm.weight")[0] @ emb.T  # (V,)
        prob = np.exp(logits - logits.max())
        prob /= prob.sum()
        top = np.argsort(-logits, kind="stable")[:5]
        lens.append({"ids": [int(i) for i in top], "probs": [float(prob[i]) for i in top],
                     "tokens": [tok.id_to_token(int(i)) for i in top]})
    (fdir / "lens_0.json").write_text(json.dumps(lens, ensure_ascii=False, indent=1) + "\n")
    eos = field(reader, "tokenizer.ggml.eos_token_id")
    greedy = []
    for text in GREEDY_PROMPTS:
        ids = tok.encode(text).ids
        out, margins = [], []
        for _ in range(GREEDY_TOKENS):
            _, logits = ref.forward(ids + out)
            top2 = np.argsort(-logits, kind="stable")[:2]
            if top2[0] == eos:
                break
            out.append(int(top2[0]))
            margins.append(float(logits[top2[0]] - logits[top2[1]]))
        greedy.append({"text": text, "ids": ids, "continuation": out, "margins": margins,
                       "decoded": tok.decode(out)})
        print(repr(text), "->", repr(tok.decode(out)), "min margin", round(min(margins), 3))
    (fdir / "greedy.json").write_text(json.dumps(greedy, ensure_ascii=False, indent=1) + "\n")


def main():
    gguf_path, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    reader = GGUFReader(gguf_path)
    tok = hf_tokenizer(reader)
    vocab = tok.get_vocab()
    # GPT-2's bytes_to_unicode, to count the bytes of a text that have no piece (HF drops them
    # and, for the pieces after them in a pre-token, reports shifted offsets).
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:] + [256 + n for n in range(256 - len(bs))]
    bs += [b for b in range(256) if b not in bs]
    pieceless = {b for b, c in zip(bs, cs) if chr(c) not in vocab}
    strings = corpus()
    expected = []
    for s in strings:
        e = tok.encode(s)
        expected.append({"ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
                         "decoded": tok.decode(e.ids, skip_special_tokens=False),
                         "dropped": sum(1 for b in s.encode() if b in pieceless)})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer_corpus.json").write_text(json.dumps(strings, ensure_ascii=False, indent=0) + "\n")
    (out_dir / "tokenizer_hf.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
    (out_dir / "dequant_rows.json").write_text(json.dumps(dequant_rows(reader)) + "\n")
    (out_dir / "quant_blocks.json").write_text(json.dumps(quant_blocks()) + "\n")
    forward_fixtures(reader, tok, out_dir)
    pt = sum(1 for s in strings if any(c in s for c in "ãõçáéíóúâêôà"))
    print(f"{len(strings)} strings ({pt} with Portuguese letters), {sum(len(x['ids']) for x in expected)} tokens")


if __name__ == "__main__":
    main()
