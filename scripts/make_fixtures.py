"""Writes the committed test fixtures from the independent reference (reference.py).

    python3 scripts/make_fixtures.py MODEL_DIR

- tests/fixtures/tokenizer_corpus.json    the strings (built here, deterministic)
- tests/fixtures/tokenizer_expected.json  HF tokens, ids, char offsets, word ids for each
- tests/fixtures/reference/               numpy attention for the parity sentences
- tests/fixtures/tiny/                    a tiny random BERT (a few KB) and its numpy attention
"""
import json
import random
import sys
import unicodedata
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tokenizers.implementations import BertWordPieceTokenizer

import reference

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"

ARTICLE = "A menina que, depois de uma longa caminhada pelo parque, adotou vários cachorros de rua, estava radiante."
ARTICLE_EN = "The girl who, after a long walk through the park, adopted several stray dogs, was radiant."
COREF = "The animal didn't cross the street because it was too tired."


# Every Unicode whitespace and zero-width char (issue 21: U+2000 after a space once put a
# piece in an earlier word), each between, before and after words, and after a plain space.
SPACES = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200C))
          + "\u2028\u2029\u202f\u205f\u3000\ufeff")


def spaces_corpus():
    return [s for c in SPACES for s in (f"olá{c}mundo", f"{c}ação", f"coração{c}", f"A {c}e")]


def corpus():
    return corpus_base() + spaces_corpus()


def corpus_base():
    hand = [
        ARTICLE, ARTICLE_EN, COREF,
        "Olá, mundo!", "Ação, coração, não, pão, órgão.", "ÁÉÍÓÚ áéíóú âêô ãõ à ç Ç",
        unicodedata.normalize("NFD", "Ação coração pão ÁGUA"), "e\u0301 a\u0300 o\u0302 c\u0327",
        "a\u0301\u0327\u0300 stacked marks", "Ü ü ö Ö ß ẞ ﬁ ﬀ ǅ", "İstanbul ıi Iİ",
        "Σίσυφος ΟΔΥΣΣΕΥΣ", "Привет, как дела?", "你好，世界！我爱自然语言处理。", "日本語のテキストです",
        "한국어 문장입니다", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีครับ",
        "emoji 😀😃 🇧🇷 👩‍👩‍👧 ❤️ 👍🏽", "...!!!???", "¡¿Qué?! «Sim» — “aspas” ‘simples’",
        "a--b__c..d", "(parênteses) [colchetes] {chaves} <menor>", "e-mail: ana@exemplo.com.br",
        "https://example.com/path?q=1&b=2#frag", "R$ 1.234,56 e US$ 7,890.12", "3.14159 2,71828 1e-10 -42 +7",
        "1º 2ª 3°C ½ ¾ ² ³", "2026-11-27 12:35:07", "tab\tseparated\tvalues", "line\nbreaks\r\nhere",
        "  leading and trailing spaces  ", "multiple     spaces", "nbsp\u00a0between\u2003em\u3000ideo",
        "zero\u200bwidth\u200cjoiner\u200d", "soft\u00adhyphen", "bom\ufeffinside", "nul\x00char",
        "bell\x07and\x1bescape", "del\x7fchar", "replacement\ufffdchar", "rtl\u202eoverride\u202c",
        "lrm\u200emark", "private\ue000use", "unassigned\U000e0001tag", "combining at start \u0301x",
        "a" * 99, "b" * 100, "c" * 101, "d" * 150, "pneumoultramicroscopicossilicovulcanoconiótico",
        "antidisestablishmentarianism", "supercalifragilisticexpialidocious", "[MASK] is a [MASK]",
        "[CLS] already [SEP]", "[mask] lowercase", "[UNK] and [PAD]", "[MASK[MASK]]", "x",
        ".", "A", "Ç", "😀", "中", "ﬁ", "Ⅻ", "①②③", "ＡＢＣ full-width ｆｕｌｌ", "ﾊﾝｶｸ half-width",
        "The quick brown fox jumps over the lazy dog.", "I can't, won't, shouldn't've.",
        "Don't stop believin' — it's 'quoted'", "Mr. O'Neil's café-bar", "naïve coöperate résumé",
        "Ångström Øresund Æsir", "Łódź Kraków Gdańsk", "Đà Nẵng Việt Nam", "Ελληνικά και English",
        "mixed中文and英文", "数字123和abc", "゛゜ katakana ヴァ", "Ｈｅｌｌｏ，Ｗｏｒｌｄ！",
        "math ∑∫√∞≠≤≥ ± × ÷", "arrows ←↑→↓ ⇒", "box ─│┌┐ ░▒▓", "currency € £ ¥ ₹ ₿",
        "#hashtag @mention $cashtag", "C++ C# F# .NET", "snake_case camelCase kebab-case",
        "a/b\\c|d~e^f`g", "'''\"\"\"", "''", "\"\"", "©®™", "§¶†‡•…", "\u2028line sep\u2029para sep",
        "vertical\x0btab\x0cform feed", "\x85next line", "\u180emongolian", "\u061carabic mark",
        "ｶﾞｷﾞ", "Ꭰꭰ cherokee", "ǈǉǋǌ titlecase", "ΐΰ dialytika", "Åström", "ḱṷṓn",
        "word" * 30, "pa" * 51, "São Paulo, Rio de Janeiro e Belo Horizonte.",
        "Você já viu um pôr-do-sol às 18h?", "Eu não sei se ele vai à festa amanhã.",
        "A inteligência artificial está transformando a educação.", "Ele disse: \"não!\"",
        "Ela comprou pão, queijo e café — e voltou para casa.", "Quem é você? Eu sou eu mesmo!",
    ]
    rng = random.Random(20261127)
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "áéíóúâêôãõàçÁÉÍÓÚÂÊÔÃÕÀÇ",
        "0123456789", ".,;:!?-—()[]{}\"'«»…", " \t\n  ", "\u0301\u0300\u0303\u0327\u0302",
        "你好世界中文字", "😀🎉👍🏽🇧🇷", "\u200b\u200d\ufeff\x00\x07", "مرحبا", "Привет",
    ]
    generated = []
    for _ in range(120):
        n = rng.randint(1, 40)
        generated.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    words = ARTICLE.split() + ARTICLE_EN.split() + ["ação", "coração", "órgão", "pôr-do-sol", "Ü"]
    for _ in range(40):
        ws = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        s = " ".join(ws)
        generated.append(unicodedata.normalize(rng.choice(["NFC", "NFD", "NFKC", "NFKD"]), s))
    return hand + generated


def tokenizer_fixtures(model_dir):
    strings = corpus()
    (FIX / "tokenizer_corpus.json").write_text(json.dumps(strings, ensure_ascii=False, indent=0) + "\n")
    tok = reference.hf_tokenizer(Path(model_dir) / "tokenizer.json")
    expected = []
    for s in strings:
        e = tok.encode(s)
        expected.append({"tokens": e.tokens, "ids": e.ids, "offsets": e.offsets, "wordIds": e.word_ids})
    (FIX / "tokenizer_expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
    print(f"tokenizer: {len(strings)} strings")


PARITY = [
    ARTICLE, ARTICLE_EN, COREF, "Olá", "radiante",
    "Ela comprou pão, queijo e café — e voltou para casa.",
    "O cachorro que a menina adotou dorme no sofá.",
    "Attention lets every word look at every other word at once.",
    "naïve résumé: 3,14 — ok?! 😀 中文",
    "Os jurados olham o mesmo prato, mas cada um repara em algo diferente.",
    " ".join([ARTICLE, ARTICLE_EN, COREF] * 12),  # truncated to 512 tokens
]
ROWS_IF_LONG = [0, 1, 2, 100, 255, 509, 510, 511]


def parity_fixtures(model_dir):
    cfg, W = reference.load(model_dir)
    tok = reference.hf_tokenizer(Path(model_dir) / "tokenizer.json")
    write_parity(FIX / "reference", PARITY, tok, cfg, W, ROWS_IF_LONG)


def write_parity(out, sentences, tok, cfg, W, rows_if_long):
    """The reference attention and last hidden state of each sentence, all rows of a short one
    and `rows_if_long` of a long one, with a manifest of texts, tokens and rows."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, s in enumerate(sentences):
        e = tok.encode(s)
        att, hidden = reference.forward(cfg, W, np.array(e.ids))
        T = len(e.ids)
        rows = list(range(T)) if T <= 64 else [r for r in rows_if_long if r < T]
        np.save(out / f"{i:02d}_attention.npy", att[:, :, rows, :].astype(np.float32))  # (L, H, R, T)
        np.save(out / f"{i:02d}_hidden.npy", hidden[rows].astype(np.float32))  # (R, D)
        manifest.append({"text": s, "tokens": e.tokens, "rows": rows})
        print(f"reference {i}: T={T}")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


def tiny_fixtures():
    """A 2-layer, 2-head, hidden-8 BERT with random weights: fast unit and wasm tests."""
    out = FIX / "tiny"
    out.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "men", "##ina", "que", "o", "gato",
             "dorme", "estava", "radiante", ",", ".", "the", "cat", "sleeps", "##s", "ca", "##fe"]
    cfg = {"vocab_size": len(vocab), "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
           "intermediate_size": 16, "max_position_embeddings": 24, "type_vocab_size": 2,
           "layer_norm_eps": 1e-12, "hidden_act": "gelu", "model_type": "bert"}
    rng = np.random.default_rng(7)
    D, I = 8, 16
    W = {
        "embeddings.word_embeddings.weight": rng.normal(0, 1, (len(vocab), D)),
        "embeddings.position_embeddings.weight": rng.normal(0, 0.5, (24, D)),
        "embeddings.token_type_embeddings.weight": rng.normal(0, 0.5, (2, D)),
        "embeddings.LayerNorm.weight": 1 + rng.normal(0, 0.1, D), "embeddings.LayerNorm.bias": rng.normal(0, 0.1, D),
    }
    for l in range(2):
        p = f"encoder.layer.{l}."
        for name, (n, k) in {"attention.self.query": (D, D), "attention.self.key": (D, D), "attention.self.value": (D, D),
                             "attention.output.dense": (D, D), "intermediate.dense": (I, D), "output.dense": (D, I)}.items():
            W[p + name + ".weight"] = rng.normal(0, 0.6, (n, k))
            W[p + name + ".bias"] = rng.normal(0, 0.2, n)
        for name in ["attention.output.LayerNorm", "output.LayerNorm"]:
            W[p + name + ".weight"] = 1 + rng.normal(0, 0.1, D)
            W[p + name + ".bias"] = rng.normal(0, 0.1, D)
    save_file({k: v.astype(np.float32) for k, v in W.items()}, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps(cfg, indent=1) + "\n")
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertWordPieceTokenizer(str(out / "vocab.txt"), lowercase=True)
    W32 = {k: v.astype(np.float32).astype(np.float64) for k, v in W.items()}
    cases = []
    for s in ["A menina estava radiante.", "the cat sleeps", "O gato, que dorme... cafe? xyz"]:
        e = tok.encode(s)
        att, hidden = reference.forward(cfg, W32, np.array(e.ids))
        cases.append({"text": s, "tokens": e.tokens, "attention": att.ravel().tolist(), "hidden": hidden.ravel().tolist()})
    (out / "expected.json").write_text(json.dumps(cases) + "\n")
    print("tiny model written")


if __name__ == "__main__":
    model_dir = sys.argv[1]
    tokenizer_only = "--tokenizer-only" in sys.argv[2:]
    if not tokenizer_only:
        tiny_fixtures()
    tokenizer_fixtures(model_dir)
    if not tokenizer_only:
        parity_fixtures(model_dir)
