"""Attention rollout and dismissed heads (head ablation) from the independent numpy reference,
for both models, on short sentences (Orquestra's tests/rollout_ablation.rs reads them).

    python3 scripts/make_rollout_fixtures.py MINILM_DIR E5_BIN E5_TOKENIZER_JSON

Writes tests/fixtures/rollout/<model>/: manifest.json (texts, tokens, the dismissed heads) and
per sentence NN_rollout.npy (L, T, T) of the plain run, NN_ablated_attention.npy (L, H, T, T),
NN_ablated_rollout.npy (L, T, T) and NN_ablated_hidden.npy (T, D), float32 from float64.

Rollout (Abnar & Zuidema 2020): A_hat_l = 0.5 * mean_h(A_l) + 0.5 * I, rows renormalised;
R_1 = A_hat_1, R_l = A_hat_l @ R_(l-1)."""
import json
import sys
from pathlib import Path

import numpy as np

import reference
from make_e5_fixtures import hf_tokenizer as e5_tokenizer, read_bin

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "rollout"

# Short sentences (the fixtures stay small); the dismissed heads span several layers.
CASES = [
    ("A menina estava radiante.", "1.1,3.7,6.9"),
    ("The animal didn't cross the street because it was tired.", "2.3,2.4,5.12"),
    ("O gato dormiu no sofá.", "1.5,4.2"),
    ("Ela sorriu.", "6.1,6.2,6.3,6.4"),
    ("Fui ao banco sacar dinheiro.", "2.1,3.3,4.4,5.5,6.6"),
]


def rollout(att):
    L, H, T, _ = att.shape
    out, r = [], None
    for l in range(L):
        a = 0.5 * att[l].mean(0) + 0.5 * np.eye(T)
        a = a / a.sum(-1, keepdims=True)
        r = a if r is None else a @ r
        out.append(r)
    return np.stack(out)


def mask_of(spec, L, H):
    m = np.ones((L, H))
    for entry in spec.split(","):
        l, h = (int(x) for x in entry.split("."))
        m[l - 1, h - 1] = 0.0
    return m


def write(name, cfg, W, tok):
    out = FIX / name
    out.mkdir(parents=True, exist_ok=True)
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    manifest = []
    for i, (text, spec) in enumerate(CASES):
        e = tok.encode(text)
        ids = np.array(e.ids)
        att, _ = reference.forward(cfg, W, ids)
        ablated, hidden = reference.forward(cfg, W, ids, mask_of(spec, L, H))
        np.save(out / f"{i:02d}_rollout.npy", rollout(att).astype(np.float32))
        np.save(out / f"{i:02d}_ablated_attention.npy", ablated.astype(np.float32))
        np.save(out / f"{i:02d}_ablated_rollout.npy", rollout(ablated).astype(np.float32))
        np.save(out / f"{i:02d}_ablated_hidden.npy", hidden.astype(np.float32))
        manifest.append({"text": text, "tokens": e.tokens, "ablate": spec})
        print(f"{name} {i}: T={len(ids)}, dismissed {spec}")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    minilm_dir, e5_bin, e5_tokenizer_json = sys.argv[1:4]
    cfg, W = reference.load(minilm_dir)
    write("minilm", cfg, W, reference.hf_tokenizer(Path(minilm_dir) / "tokenizer.json"))
    cfg, vocab, W = read_bin(e5_bin)
    write("e5", cfg, W, e5_tokenizer(e5_tokenizer_json, vocab))
