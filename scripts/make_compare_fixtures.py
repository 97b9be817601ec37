"""The same word in two sentences, from the independent numpy reference: for each comparison
example (www/i18n/pt.json compare.*), with both models, the cosine similarity between the
word's hidden vectors in the two sentences after the embeddings and after each layer (the
word's vector: the mean over the pieces that overlap its characters).

    python3 scripts/make_compare_fixtures.py MINILM_DIR E5_BIN E5_TOKENIZER_JSON

Writes tests/fixtures/compare.json (tests/compare.rs reads it)."""
import json
import sys
from pathlib import Path

import numpy as np

import reference
from make_e5_fixtures import hf_tokenizer as e5_tokenizer, read_bin

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["compare.banco", "compare.manga", "compare.bank"]


def word_vectors(cfg, W, tok, text, word):
    e = tok.encode(text)
    states = []
    reference.forward(cfg, W, np.array(e.ids), states=states)
    start = text.index(word)
    end = start + len(word)
    pieces = [i for i, (a, b) in enumerate(e.offsets) if b > a and a < end and b > start]
    return [s[pieces].mean(0) for s in states], pieces


def cosines(cfg, W, tok, a, b, word):
    (va, pa), (vb, pb) = word_vectors(cfg, W, tok, a, word), word_vectors(cfg, W, tok, b, word)
    sims = [float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)) for x, y in zip(va, vb)]
    return {"a": a, "b": b, "word": word, "piecesA": pa, "piecesB": pb, "cosines": sims}


if __name__ == "__main__":
    minilm_dir, e5_bin, e5_tokenizer_json = sys.argv[1:4]
    messages = json.loads((ROOT / "www" / "i18n" / "pt.json").read_text())
    examples = [(messages[f"{k}.a"], messages[f"{k}.b"], messages[f"{k}.word"]) for k in KEYS]
    out = {}
    cfg, W = reference.load(minilm_dir)
    tok = reference.hf_tokenizer(Path(minilm_dir) / "tokenizer.json")
    out["minilm"] = [cosines(cfg, W, tok, *x) for x in examples]
    cfg, vocab, W = read_bin(e5_bin)
    tok = e5_tokenizer(e5_tokenizer_json, vocab)
    out["e5"] = [cosines(cfg, W, tok, *x) for x in examples]
    for model, cases in out.items():
        for c in cases:
            print(model, c["word"], " ".join(f"{v:.4f}" for v in c["cosines"]))
    (ROOT / "tests" / "fixtures" / "compare.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
