"""Tokenizer fixtures for Gemma 3 270M (issue 25), from its GGUF, by two references that share
no code with Orquestra nor with each other:

  python3 scripts/make_gemma_tokenizer_fixtures.py MODEL.gguf OUT_DIR [ARTICLE.md]

(ARTICLE.md, the lesson's article, defaults to shared/seed/artigo-qkv.md beside the repository.)

- tokenizer_corpus.json  the strings: the committed corpora (tests/fixtures/tokenizer_corpus.json
                         and tests/fixtures/smollm/tokenizer_corpus.json, which holds e5's: mostly
                         Portuguese, every Unicode space and zero-width char) and this script's
                         additions for SentencePiece BPE (space runs up to and past the 31-space
                         piece, tabs, newlines, indented Python, emoji, CJK, NFC and NFD, digits,
                         the article artigo-qkv.md by paragraphs and whole, control and
                         user-defined pieces typed as text, a 3,000-char word);
- tokenizer_ref.json     for each string: `ids` (the followed reference, BOS first), `spm` and
                         `hf` (each reference's ids, given only where it differs from `ids`),
                         `decoded` (HF's decoder on `ids`, specials kept: "<bos>..."), `offsets`
                         (HF's char offsets of `hf`'s pieces, BOS left out);
- divergences.txt        every string where (a) and (b) differ, with both tokenizations.

(a) SentencePiece itself (the `sentencepiece` package): a ModelProto built from the GGUF's pieces,
    scores and types (model_type BPE, byte_fallback, identity normalizer, no dummy prefix,
    whitespace escaped to U+2581, extra whitespace kept). llama.cpp's converter wrote the
    user-defined runs of spaces with real spaces ("pre-normalize user-defined spaces",
    convert_hf_to_gguf.py); SentencePiece matches user-defined pieces in the escaped text, so
    they are spelled back with U+2581 as the original tokenizer.model has them. SentencePiece
    never reads a control piece typed in the text; HF (special added tokens) and llama.cpp
    (parse_special) do, so the text is split at typed control pieces first, leftmost-longest,
    and each stretch between them encoded alone.

(b) HF `tokenizers` as transformers' GemmaConverter builds Gemma's tokenizer.json from
    tokenizer.model: BPE(byte_fallback, fuse_unk, unk <unk>) over the pieces, merges derived
    from the scores as `generate_merges` (convert_slow_tokenizer.py) does, normalizer
    Replace(" ", "▁"), no pre-tokenizer, every control (special) and user-defined (not special)
    piece an added token with normalized=False, decoder Replace("▁", " "), ByteFallback, Fuse.
    The runs of spaces are spelled with U+2581, as in tokenizer.model; the GGUF's score of
    -1000 on control and user-defined pieces is llama.cpp's (its converter sets it on every
    added token), SentencePiece's trainer gives them 0, which is what the converter read.

Where they differ (runs of more than 31 spaces: see divergences.txt and the Rust module note),
`ids` follows (a): the model's own tokenizer, which llama.cpp also reproduces.
"""
import json
import sys
import unicodedata
from pathlib import Path

import sentencepiece as spm
from gguf import GGUFReader
from sentencepiece import sentencepiece_model_pb2 as pb
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT.parent / "shared" / "seed" / "artigo-qkv.md"
SP = "\u2581"

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def field(reader, key):
    return reader.fields[key].contents()


def vocabulary(path):
    r = GGUFReader(path)
    assert field(r, "tokenizer.ggml.model") == "llama"
    assert field(r, "tokenizer.ggml.add_bos_token") is True
    assert field(r, "tokenizer.ggml.add_space_prefix") is False
    tokens = field(r, "tokenizer.ggml.tokens")
    scores = [float(s) for s in field(r, "tokenizer.ggml.scores")]
    types = [int(t) for t in field(r, "tokenizer.ggml.token_type")]
    ids = {k: field(r, f"tokenizer.ggml.{k}_token_id") for k in ("bos", "eos", "unknown", "padding")}
    assert (ids["bos"], ids["eos"], ids["unknown"], ids["padding"]) == (2, 1, 3, 0), ids
    return tokens, scores, types


def spelled(token, kind):
    """The piece as tokenizer.model spells it: a user-defined run of spaces in U+2581."""
    if kind == USER_DEFINED and token and set(token) == {" "}:
        return SP * len(token)
    return token


# ------------------------------------------------------------------ (a) SentencePiece


def sentencepiece_model(tokens, scores, types):
    m = pb.ModelProto()
    ts = m.trainer_spec
    ts.model_type = pb.TrainerSpec.BPE
    ts.vocab_size = len(tokens)
    ts.byte_fallback = True
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = 3, 2, 1, 0
    ts.unk_piece, ts.bos_piece, ts.eos_piece, ts.pad_piece = tokens[3], tokens[2], tokens[1], tokens[0]
    ns = m.normalizer_spec
    ns.name = "identity"
    ns.add_dummy_prefix = False
    ns.remove_extra_whitespaces = False
    ns.escape_whitespaces = True
    kinds = {
        NORMAL: pb.ModelProto.SentencePiece.NORMAL,
        CONTROL: pb.ModelProto.SentencePiece.CONTROL,
        USER_DEFINED: pb.ModelProto.SentencePiece.USER_DEFINED,
        UNUSED: pb.ModelProto.SentencePiece.UNUSED,
        BYTE: pb.ModelProto.SentencePiece.BYTE,
        UNKNOWN: pb.ModelProto.SentencePiece.UNKNOWN,
    }
    for i, (t, s, k) in enumerate(zip(tokens, scores, types)):
        p = m.pieces.add()
        p.piece = spelled(t, k)
        p.score = s
        # llama.cpp marks <unk> a control token; SentencePiece needs its one UNKNOWN piece.
        p.type = pb.ModelProto.SentencePiece.UNKNOWN if i == 3 else kinds[k]
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(m.SerializeToString())
    assert sp.GetPieceSize() == len(tokens)
    return sp


def split_controls(text, controls):
    """Stretches of `text` and control pieces typed in it, leftmost-longest."""
    first = {}
    for t, i in controls.items():
        first.setdefault(t[0], []).append((t, i))
    for v in first.values():
        v.sort(key=lambda x: -len(x[0]))
    out, start, i = [], 0, 0
    while i < len(text):
        hit = next((c for c in first.get(text[i], []) if text.startswith(c[0], i)), None)
        if hit:
            if start < i:
                out.append(text[start:i])
            out.append(hit[1])
            i += len(hit[0])
            start = i
        else:
            i += 1
    if start < len(text):
        out.append(text[start:])
    return out


def encode_spm(sp, controls, text):
    ids = [2]
    for part in split_controls(text, controls):
        ids.extend([part] if isinstance(part, int) else sp.encode(part))
    return ids


# ------------------------------------------------------------------ (b) HF tokenizers


def generate_merges(vocab, vocab_scores, tie_by_length=True):
    """transformers' convert_slow_tokenizer.generate_merges, with scores (`reverse`). Without
    `tie_by_length`, the order of its earlier versions: merges of equal score in vocabulary order."""
    merges = []
    for merge, piece_score in vocab_scores.items():
        local = []
        for index in range(1, len(merge)):
            piece_l, piece_r = merge[:index], merge[index:]
            if piece_l in vocab and piece_r in vocab:
                local.append((piece_l, piece_r, piece_score))
        local = sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    if tie_by_length:
        merges = sorted(merges, key=lambda val: (val[2], len(val[0]), len(val[1])), reverse=True)
    else:
        merges = sorted(merges, key=lambda val: val[2], reverse=True)
    return [(val[0], val[1]) for val in merges]


def hf_tokenizer(tokens, scores, types, tie_by_length=True):
    pieces = [spelled(t, k) for t, k in zip(tokens, types)]
    # tokenizer.model's scores: SentencePiece gives its meta pieces 0 (the GGUF's -1000 is
    # llama.cpp's converter's, written on every added token).
    original = [0.0 if k in (CONTROL, USER_DEFINED, UNKNOWN) else s for s, k in zip(scores, types)]
    vocab = {p: i for i, p in enumerate(pieces)}
    assert len(vocab) == len(pieces), "duplicate pieces"
    merges = generate_merges(vocab, dict(zip(pieces, original)), tie_by_length)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=pieces[3], fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizers.Replace(" ", SP)
    tok.decoder = decoders.Sequence([decoders.Replace(SP, " "), decoders.ByteFallback(), decoders.Fuse()])
    added = [AddedToken(p, normalized=False, special=(k == CONTROL)) for p, k in zip(pieces, types) if k in (CONTROL, USER_DEFINED)]
    tok.add_tokens(added)
    for p, k in zip(pieces, types):
        if k in (CONTROL, USER_DEFINED):
            assert tok.token_to_id(p) == vocab[p], p
    return tok


def encode_hf(tok, text):
    e = tok.encode(text, add_special_tokens=False)
    return [2] + e.ids, [list(o) for o in e.offsets]


# ------------------------------------------------------------------ the corpus


def committed():
    out = []
    for rel in ("tests/fixtures/tokenizer_corpus.json", "tests/fixtures/smollm/tokenizer_corpus.json"):
        out += json.loads((ROOT / rel).read_text())
    return out


def python_code():
    return [
        "def soma(a, b):\n    return a + b\n",
        "class Orquestra:\n    def __init__(self, maestro):\n        self.maestro = maestro\n\n    def tocar(self):\n        for musico in self.musicos:\n            if musico.pronto:\n                musico.tocar()\n",
        "    x = 1\n        y = 2\n            z = 3\n                w = 4\n",
        "if True:\n\tprint('tab')\n\t\tprint('dois tabs')\n",
        "def f():\n  \"\"\"Docstring com acentuação.\"\"\"\n  pass  \n",
        "    ",
        "\t\t\t",
        "x    = 1  # alinhado\nyy   = 2\nzzz  = 3",
        "for i in range(10):\n    print(i)  \n    \n",
        "json = {\n    \"nome\": \"João\",\n    \"idade\": 42,\n}\n",
        "        return {'chave': valor}  ",
        "  \n  \n    \n",
    ]


def additions(article):
    out = []
    # runs of spaces: alone, between words, before a word, after one, around 31 (the longest piece)
    for k in list(range(1, 34)) + [40, 47, 50, 61, 62, 63, 64, 65, 93, 100]:
        s = " " * k
        out += [s, f"a{s}b", f"{s}fifty spaces", f"palavra{s}"]
    out += ["a \u2581 b", "\u2581", "\u2581\u2581", "\u2581a", " \u2581 ", "a\u2581\u2581 \u2581b", "\u2581" * 40]
    # tabs and newlines (user-defined runs of each), mixed with spaces
    for k in [1, 2, 3, 8, 30, 31, 32, 40, 70]:
        out += ["\t" * k, f"a{chr(9) * k}b", "\n" * k, f"linha{chr(10) * k}linha"]
    out += ["\t \t", " \t ", "\n \n", " \n", "\n ", "\r\n", "\r\n\r\n", "a\r\nb", "\n\t\n", "\t\n\t",
            "fim.\n\n\nInício", "  \t  \n  ", "\x0b\x0c", "a\x0bb\x0cc"]
    out += python_code()
    # emoji, CJK and other scripts
    out += ["😀", "😀😃😄", "👍🏽👍🏿", "👩\u200d💻 trabalhando", "🇧🇷🇵🇹🇺🇸", "❤️‍🔥", "1️⃣ 2️⃣ #️⃣",
            "日本語のテキストです。", "中文：你好，世界！", "한국어 문장입니다", "Привет, мир!", "Γειά σου κόσμε",
            "مرحبا بالعالم", "नमस्ते दुनिया", "สวัสดีชาวโลก", "ქართული", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0001f9ec\U0001fae0\U0001faaa"]
    # accents, NFC and NFD
    for s in ["Ação, coração, não, pão, órgão, mãe, irmã, põe.", "É café com açúcar à beça",
              "Você está aí? Sim, estou, vovó!", "AÇÃO ÓRGÃO ÊXITO ÜBER", "pingüim lingüiça"]:
        out += [unicodedata.normalize("NFC", s), unicodedata.normalize("NFD", s)]
    out += ["a\u0301\u0302\u0303", "\u0301", "e\u0301e\u0301e\u0301"]
    # digits
    out += ["0", "0123456789", "1.234.567,89", "R$ 1.999,90", "(11) 98765-4321", "25/12/2024 às 23h59",
            "3,14159265358979", "1e-10", "2⁵ = 32", "½ + ¼ = ¾", "٣٤٥ १२३", "Ⅻ", "1º 2ª", "100%"]
    # control and user-defined pieces typed as text, whole and broken
    out += ["<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<bos>Olá", "Olá<eos>", "<bos><bos>", "<<bos>>",
            "<start_of_turn>user\nOlá, tudo bem?<end_of_turn>\n<start_of_turn>model\n",
            "<start_of_turn>", "<end_of_turn>", "<start_of_turn", "start_of_turn>", "< bos >", "<BOS>",
            "<unused0>", "<unused99>", "<unused6241>", "<unused6242>", "<start_of_image>", "<end_of_image>",
            "[multimodal]", "[multimodal", "<b>negrito</b> e <i>itálico</i>", "<table><tr><td>1</td></tr></table>",
            "<code>x = 1</code>", "<h1>Título</h1>", "<p> </p>", "<div> </div>", "a > </b", "> </", "<0x41>", "<0x0A>",
            "<0xZZ>", "\u2581<b>"]
    # controls and odd chars
    out += ["\x00", "a\x00b", "\x00\x00\x00", "\x1f", "\x7f", "\ufffd", "\uffff", "\U0010ffff", "\U000e0001", "\ue000"]
    # long words
    out += [("inconstitucionalissimamente" * 120)[:3000], "ação" * 750, "a" * 3000, "😀" * 100, "ab" * 500]
    # the article, paragraph by paragraph, and whole
    text = article.read_text()
    out += [p for p in text.split("\n\n") if p.strip()]
    out.append(text)
    return out


def corpus(article):
    seen, out = set(), []
    for s in committed() + additions(article):
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def main():
    gguf_path, out_dir = sys.argv[1], Path(sys.argv[2])
    article = Path(sys.argv[3]) if len(sys.argv) > 3 else ARTICLE
    tokens, scores, types = vocabulary(gguf_path)
    sp = sentencepiece_model(tokens, scores, types)
    controls = {t: i for i, (t, k) in enumerate(zip(tokens, types)) if k == CONTROL and t}
    hf = hf_tokenizer(tokens, scores, types)
    hf_before = hf_tokenizer(tokens, scores, types, tie_by_length=False)
    strings = corpus(article)
    refs, diverge, n_b, n_before = [], [], 0, 0
    show = lambda ids: [tokens[i] for i in ids[1:]]
    for s in strings:
        a = encode_spm(sp, controls, s)
        b, offsets = encode_hf(hf, s)
        c, _ = encode_hf(hf_before, s)
        entry = {"ids": a, "decoded": hf.decode(a, skip_special_tokens=False), "offsets": offsets}
        if a != b:
            entry["hf"] = b
            n_b += 1
        n_before += a != c
        if a != b or a != c:
            lines = [repr(s), f"  (a)  SentencePiece: {show(a)}"]
            lines.append(f"  (b)  HF tokenizers: {show(b)}" if b != a else "  (b)  HF tokenizers: as (a)")
            lines.append(f"  (b') HF, earlier merge order: {show(c)}" if c != a else "  (b') HF, earlier merge order: as (a)")
            diverge.append("\n".join(lines))
        refs.append(entry)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer_corpus.json").write_text(json.dumps(strings, ensure_ascii=False, indent=0) + "\n")
    (out_dir / "tokenizer_ref.json").write_text(json.dumps(refs, ensure_ascii=False) + "\n")
    head = (f"{len(strings)} strings. (a) SentencePiece and (b) HF tokenizers (transformers' merge order today, "
            f"ties broken by length) differ on {n_b}; (a) and (b') HF with the earlier merge order (ties in "
            f"vocabulary order) on {n_before}. tokenizer_ref.json's `ids` follow (a).\n\n")
    (out_dir / "divergences.txt").write_text(head + "\n".join(diverge) + "\n")
    print(head.strip())


if __name__ == "__main__":
    main()
