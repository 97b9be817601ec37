"""An independent reference for Orquestra: the HF `tokenizers` library for tokens and a
plain numpy (float64) forward pass of a BERT encoder over the same safetensors file.

Used by make_fixtures.py; shares no code with the Rust engine."""
import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

_erf = np.frompyfunc(math.erf, 1, 1)


def load(model_dir):
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    weights = {k: v.astype(np.float64) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    return cfg, weights


def hf_tokenizer(tokenizer_json):
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.no_padding()  # the model's tokenizer.json pads and truncates to 128: not ours
    tok.enable_truncation(512)
    return tok


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def forward(cfg, W, ids, head_mask=None, states=None):
    """Returns attention (L, H, T, T) and the final hidden states (T, D), float64. A list
    given as `states` receives the hidden state after the embeddings and after each layer.
    head_mask (L, H) of 1 (keep) and 0 (dismiss) multiplies each head's probabilities, as HF's
    `head_mask` does; the attention returned is the multiplied one."""
    T, D, H = len(ids), cfg["hidden_size"], cfg["num_attention_heads"]
    dh, eps = D // H, cfg.get("layer_norm_eps", 1e-12)

    def lin(x, name):
        return x @ W[name + ".weight"].T + W[name + ".bias"]

    def ln(x, name):
        return layer_norm(x, W[name + ".weight"], W[name + ".bias"], eps)

    x = (W["embeddings.word_embeddings.weight"][ids]
         + W["embeddings.position_embeddings.weight"][:T]
         + W["embeddings.token_type_embeddings.weight"][0])
    x = ln(x, "embeddings.LayerNorm")
    if states is not None:
        states.append(x)
    attentions = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        heads = lambda y: y.reshape(T, H, dh).transpose(1, 0, 2)  # (H, T, dh)
        q = heads(lin(x, p + "attention.self.query"))
        k = heads(lin(x, p + "attention.self.key"))
        v = heads(lin(x, p + "attention.self.value"))
        a = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(dh))  # (H, T, T)
        if head_mask is not None:
            a = a * np.asarray(head_mask, dtype=np.float64)[l][:, None, None]
        attentions.append(a)
        ctx = (a @ v).transpose(1, 0, 2).reshape(T, D)
        x = ln(lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        inter = gelu(lin(x, p + "intermediate.dense"))
        x = ln(lin(inter, p + "output.dense") + x, p + "output.LayerNorm")
        if states is not None:
            states.append(x)
    return np.stack(attentions), x
