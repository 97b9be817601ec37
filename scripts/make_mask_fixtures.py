"""Fixtures for dismissed judges in the decoders (head ablation): the float64 numpy forward
passes of make_smollm_fixtures.py and make_gemma_fixtures.py, run with HF `head_mask`
semantics (a dismissed head's attention probabilities x 0, so its context is 0 before
o_proj), on a prompt their own fixtures already hold (its ids from prompts.json).

Writes tests/fixtures/{smollm,gemma}/forward/masked.json: the prompt, its ids, the heads
dismissed (1-based "layer.head", as share links spell them), and the next-token candidates
with and without the dismissal (ids, logits, probabilities, top 10 each); and masked_attention.npy,
(L, H, T, T) with the dismissal. Usage: python3 make_mask_fixtures.py SMOLLM.gguf GEMMA.gguf
"""
import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader

import make_gemma_fixtures as gemma
import make_smollm_fixtures as smollm

ROOT = Path(__file__).resolve().parent.parent
TOP = 10

# Per model: which prompt of its prompts.json and which heads. SmolLM2's 3.1-3.3 are a whole
# key/value group (one note sheet) and 24.5 carries " Paris"; Gemma's 6 and 12 are global
# layers, 9.3 the Portuguese lesson's judge.
CASES = {
    "smollm": (1, "3.1,3.2,3.3,12.8,24.5"),
    "gemma": (1, "1.1,6.2,9.3,12.4"),
}


def keep_mask(spec, layers, heads):  # (L, H): 1 on, 0 dismissed
    keep = np.ones((layers, heads))
    for entry in spec.split(","):
        l, h = (int(x) for x in entry.split("."))
        keep[l - 1, h - 1] = 0
    return keep


def candidates(logits):
    prob = np.exp(logits - logits.max())
    prob /= prob.sum()
    top = np.argsort(-logits, kind="stable")[:TOP]
    return {"ids": [int(i) for i in top], "logits": [float(logits[i]) for i in top],
            "probs": [float(prob[i]) for i in top]}


def run(name, ref, logits_of):
    index, spec = CASES[name]
    fdir = ROOT / "tests/fixtures" / name / "forward"
    prompt = json.loads((fdir / "prompts.json").read_text())[index]
    ids = prompt["ids"]
    keep = keep_mask(spec, ref.L, ref.H)
    attn, masked = logits_of(ids, keep)
    _, plain = logits_of(ids, None)
    np.save(fdir / "masked_attention.npy", attn.astype(np.float32))
    out = {"text": prompt["text"], "ids": ids, "ablate": spec,
           "masked": candidates(masked), "plain": candidates(plain)}
    (fdir / "masked.json").write_text(json.dumps(out, indent=1) + "\n")
    print(name, spec, "plain top", out["plain"]["ids"][:5], "masked top", out["masked"]["ids"][:5])


def main():
    s = smollm.Reference(GGUFReader(sys.argv[1]))
    run("smollm", s, lambda ids, keep: s.forward(ids, head_mask=keep))
    g = gemma.Reference(GGUFReader(sys.argv[2]))
    run("gemma", g, lambda ids, keep: g.logits(ids, head_mask=keep))


if __name__ == "__main__":
    main()
