"""The pieces of Gemma 3 270M's vocabulary that the trimmed bundle keeps (issue 25, item 2):
writes scripts/gemma3-keep.txt, the kept ORIGINAL ids, sorted, one a line after a header of
'#' lines. `orquestra trim --keep` reads it (the Makefile builds the pt+en bundle with it).

Why trimming keeps tokenization. The vocabulary is SentencePiece BPE with scores (the GGUF's
`tokenizer.ggml.model = llama`): the text is cut at user-defined pieces, spaces become U+2581,
then the adjacent pair whose concatenation is a normal piece of the highest score is merged,
again and again (normal scores are all distinct, so only the same piece at two places ties, and
the leftmost goes first); a symbol with no piece becomes its UTF-8 bytes, <0xXX>. Remove pieces
and a merge into a removed piece cannot happen: the trimmed tokenizer yields only kept pieces or
bytes, so any text still encodes. And for a text whose encoding over the full vocabulary creates
only kept pieces, including every intermediate piece merged along the way, the trimmed encoding
is the same: at every step the best pair of the full vocabulary is still a candidate, and the
best. So this script encodes a pt+en corpus with its own BPE that records every piece it merges
(checked against `sentencepiece` on the same vocabulary: the same final pieces on every string
without a run of spaces, asserted), keeps all of them, and then checks the claim itself: the
corpus encoded with `sentencepiece` over only the kept pieces gives the same pieces (asserted).

What is kept:
- every piece the corpus uses or creates while it is encoded. The corpus: words from `wordfreq`
  (3.1.1, its 'best' lists) in the forms running text has them in, each form for the most
  frequent words of its language (WORD_FORMS below): after a space, lower case (' casa', the
  30,000 most frequent Portuguese words, the 20,000 most frequent English ones) and capitalized
  (' Casa', 5,000: sentence starts, names); with no space before, as after punctuation, a quote,
  a hyphen or at the start of a text ('casa' 3,000, 'Casa' 2,000); upper case (' CASA' and
  'CASA', 300); then the texts in KEEP_TEXTS below (pt and en prose with punctuation, numbers,
  money, dates, URLs, quotes, lists, a little code and the chat template) and the page's own
  strings (www/i18n/pt.json, en.json). No piece holds both Latin letters and punctuation, and
  digits are pieces of one digit, so a word's pieces do not depend on what stands next to it;
- every byte piece (256: any text encodes), every user-defined piece (165: runs of newlines,
  spaces and tabs, [multimodal], HTML tags, <start_of_image>, <end_of_image>; a user-defined
  piece is matched in the text as it stands, so it is kept to keep such texts whole), and the
  control pieces <pad> <eos> <bos> <unk> <mask> <start_of_turn> <end_of_turn>;
- every single-character piece of the scripts and symbols a pt/en class types (CHAR_RANGES):
  Latin with its accents (ç, ã, õ), combining diacritics (decomposed accents), spacing
  modifiers, Greek (α, π, Σ in science), punctuation, super- and subscripts, currency,
  letterlike, number forms, arrows, mathematical operators, geometric shapes, symbols,
  dingbats, the variation selectors and the emoji blocks (U+1F000-U+1FAFF, 1,022 pieces,
  0.7 MB at Q8_0: cheap, and an emoji otherwise falls to four byte pieces the model rarely
  saw); and each of those after a space ('▁ç', '▁€', '▁😀');
- every piece of one or two ASCII punctuation marks, alone or after a space ('),', '▁(',
  '..', '▁**'), so common punctuation encodes as before.
The pieces kept by rule are closed: the intermediates of each are kept by the same rule.
What is dropped: the 6,242 <unusedN> control pieces (reserved for fine-tuning; no text
encodes to them but one that types "<unused0>" itself, which the engine's tokenizer, as HF's
and llama.cpp's, reads as the control piece and the trimmed one as '<', 'unused', '0', '>';
SentencePiece reads it as text either way), and every other normal piece: other scripts (CJK,
Hangul, Cyrillic, Arabic, Indic, ...) and the rarer words of every language. Their texts still
encode, into smaller kept pieces or bytes.

Usage: python3 scripts/make_gemma_vocab.py MODEL.gguf [OUT]
(from any directory; OUT defaults to scripts/gemma3-keep.txt). Needs gguf, numpy,
sentencepiece, protobuf and wordfreq==3.1.1. About a minute on one core.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How many of each language's most frequent words go into the corpus, per form.
WORD_FORMS = {
    "pt": {" w": 30000, " W": 5000, "w": 3000, "W": 2000, " WW": 300, "WW": 300},
    "en": {" w": 20000, " W": 5000, "w": 3000, "W": 2000, " WW": 300, "WW": 300},
}

CONTROL_KEPT = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>"]

# Single-character pieces kept: [start, end) code point ranges.
CHAR_RANGES = [
    (0x0020, 0x007F, "Basic Latin"),
    (0x00A0, 0x0250, "Latin-1, Latin Extended-A and -B"),
    (0x0250, 0x02B0, "IPA extensions"),
    (0x02B0, 0x0300, "spacing modifier letters"),
    (0x0300, 0x0370, "combining diacritical marks"),
    (0x0370, 0x0400, "Greek"),
    (0x1E00, 0x1F00, "Latin Extended Additional"),
    (0x2000, 0x2070, "general punctuation"),
    (0x2070, 0x20A0, "superscripts and subscripts"),
    (0x20A0, 0x20D0, "currency symbols"),
    (0x2100, 0x2150, "letterlike symbols"),
    (0x2150, 0x2190, "number forms"),
    (0x2190, 0x2200, "arrows"),
    (0x2581, 0x2582, "the space mark U+2581 (a space's piece)"),
    (0x2200, 0x2300, "mathematical operators"),
    (0x25A0, 0x2600, "geometric shapes"),
    (0x2600, 0x2700, "miscellaneous symbols"),
    (0x2700, 0x27C0, "dingbats"),
    (0x2B00, 0x2C00, "miscellaneous symbols and arrows"),
    (0xFE00, 0xFE10, "variation selectors"),
    (0x1F000, 0x1FB00, "emoji and pictographs"),
]

# Written for the keep list (the held-out corpus of the measurement is another text,
# tests/fixtures/gemma/heldout.json, and none of it is here).
KEEP_TEXTS = [
    "Bom dia! Tudo bem com você? Eu estou ótimo, obrigado.",
    "Olá, meu nome é Ana e eu moro em São Paulo, no Brasil.",
    "A professora pediu que os alunos lessem o capítulo 3 até sexta-feira.",
    "Ontem choveu muito; hoje, porém, o céu está limpo e faz 28 °C.",
    "O preço subiu de R$ 12,50 para R$ 15,90 — um aumento de 27%.",
    "Em 7 de setembro de 1822, D. Pedro I proclamou a independência do Brasil.",
    "\"Você vem?\", perguntou ela. — Não sei, respondeu ele.",
    "Ele disse-lhe que a água do rio, a famosa «d'água doce», estava fria.",
    "Quem não arrisca não petisca. Devagar se vai ao longe.",
    "Os números primos menores que 20 são: 2, 3, 5, 7, 11, 13, 17 e 19.",
    "Leia mais em https://www.exemplo.com.br/artigos/ciencia?pagina=2 ou escreva para contato@exemplo.org.",
    "1º lugar, 2ª série, 3.º andar; nº 45; art. 5º da Constituição.",
    "Lista de compras:\n- arroz\n- feijão\n- café\n- pão de queijo",
    "Capítulo 1\n\nEra uma vez uma menina que gostava de ler.\n\nFim.",
    "A fórmula é E = mc², e a área do círculo é π·r².",
    "Às 14h30 a reunião começa; às 16h, termina. Não se atrase!",
    "Por quê? Porque sim. Por que não? O porquê disso ninguém sabe.",
    "Good morning! How are you? I'm fine, thanks.",
    "Hello, my name is John and I live in New York, in the United States.",
    "The teacher asked the students to read chapter 3 by Friday.",
    "It rained a lot yesterday; today, however, the sky is clear and it's 82 °F.",
    "The price rose from $12.50 to $15.90 (a 27% increase).",
    "On July 4, 1776, the Declaration of Independence was signed.",
    "\"Are you coming?\" she asked. \"I don't know,\" he replied.",
    "It's a dog's life, isn't it? We'll see; they've gone, you're late, I'd say.",
    "See https://en.wikipedia.org/wiki/Transformer_(deep_learning) or email info@example.com.",
    "Step 1: open the file. Step 2: read it. Step 3: close it.",
    "Mr. Smith, Dr. Jones and Ms. Brown met at 9 a.m. on Mon., Jan. 5th.",
    "Q: What is 2 + 2? A: 4. Q: And 10 / 4? A: 2.5.",
    "# Title\n\n**Bold** and *italic* text, `code`, and a [link](http://example.com).",
    "def soma(a, b):\n    return a + b\n\nprint(soma(2, 3))  # 5",
    "for (let i = 0; i < 10; i++) { console.log(i); }",
    "<start_of_turn>user\nQual é a capital do Brasil?<end_of_turn>\n<start_of_turn>model\nA capital do Brasil é Brasília.<end_of_turn>\n",
    "<start_of_turn>user\nWrite a short poem about the sea.<end_of_turn>\n<start_of_turn>model\n",
    "Emojis: 😀 😂 😍 👍 🙏 ❤️ 🎉 🔥 ⭐ ✅ 🇧🇷",
    "Ações, informações, corações, nações, opiniões, lições, mãos, irmãos, cidadãos, pães.",
    "Vovô, vovó, avô, avó, pôde, pode, têm, tem, vêm, vem, lê, crê, dê.",
    "Pinguim, linguiça, cinquenta, frequência, tranquilo, aguentar.",
    "Ele fê-lo; dá-lo-ia; vê-la-emos; amá-la; conhecê-lo; pô-lo.",
    "Em Lisboa, no Porto e em Coimbra fala-se português europeu; no Rio, em Recife e em Manaus, brasileiro.",
    "A fotossíntese transforma a energia da luz em energia química nas plantas.",
    "Photosynthesis turns the energy of light into chemical energy in plants.",
    "The mitochondria is the powerhouse of the cell.",
    "(a) primeiro; (b) segundo; (c) terceiro... etc.",
    "A–Z, 1990–2020, 10—20, páginas 5-7, «aspas», ‘simples’, “duplas”, …",
    "100%, 3,14, 1.000.000, 2/3, 3/4, ½, ¼, ±5, ≥ 10, ≤ 3, × 2, ÷ 4, → ←, ©, ®, ™, €, £, ¥.",
]


def gguf_vocab(path):
    from gguf import GGUFReader

    r = GGUFReader(path)
    f = lambda k: r.fields[k].contents()
    assert f("tokenizer.ggml.model") == "llama"
    assert f("tokenizer.ggml.add_space_prefix") is False
    return r, f("tokenizer.ggml.tokens"), f("tokenizer.ggml.scores"), f("tokenizer.ggml.token_type")


def sp_model(reader, tokens, scores, types, keep=None):
    """SentencePiece over the GGUF's vocabulary (or only the ids in `keep`), as
    make_gemma_fixtures.py builds it: BPE, byte fallback, identity normalizer, no dummy prefix,
    spaces escaped to U+2581 (▁) and not collapsed; <unk> (a control piece in the GGUF) made the
    UNKNOWN piece SentencePiece requires."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    f = lambda k: reader.fields[k].contents()
    unk = f("tokenizer.ggml.unknown_token_id")
    kind = {1: pb.ModelProto.SentencePiece.NORMAL, 3: pb.ModelProto.SentencePiece.CONTROL,
            4: pb.ModelProto.SentencePiece.USER_DEFINED, 6: pb.ModelProto.SentencePiece.BYTE}
    ids = range(len(tokens)) if keep is None else sorted(keep)
    new = {}
    m = pb.ModelProto()
    for i in ids:
        p = m.pieces.add()
        p.piece, p.score = tokens[i], float(scores[i])
        p.type = pb.ModelProto.SentencePiece.UNKNOWN if i == unk else kind[types[i]]
        new[i] = len(new)
    m.trainer_spec.model_type = pb.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.vocab_size = len(new)
    m.trainer_spec.unk_id = new[unk]
    m.trainer_spec.bos_id = new[f("tokenizer.ggml.bos_token_id")]
    m.trainer_spec.eos_id = new[f("tokenizer.ggml.eos_token_id")]
    m.trainer_spec.pad_id = new[f("tokenizer.ggml.padding_token_id")]
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = False
    m.normalizer_spec.escape_whitespaces = True
    m.normalizer_spec.remove_extra_whitespaces = False
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(m.SerializeToString())
    return sp


class RecordingBPE:
    """SentencePiece BPE written out, recording every normal piece it creates: the text is cut
    at user-defined pieces (longest first, as they stand in the text), spaces become U+2581,
    then the best-scoring adjacent pair is merged until none is a normal piece; a symbol that is
    not a piece becomes byte pieces."""

    def __init__(self, tokens, scores, types):
        self.scores = scores
        self.normal = {t: i for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 1}
        self.user = sorted((t for t, ty in zip(tokens, types) if ty == 4), key=len, reverse=True)
        self.first = {u[0] for u in self.user}
        self.ids = {t: i for i, t in enumerate(tokens)}

    def segments(self, text):
        out, i, start = [], 0, 0
        while i < len(text):
            u = None
            if text[i] in self.first:
                u = next((u for u in self.user if text.startswith(u, i)), None)
            if u is None:
                i += 1
                continue
            if start < i:
                out.append((False, text[start:i]))
            out.append((True, u))
            i += len(u)
            start = i
        if start < len(text):
            out.append((False, text[start:]))
        return out

    def encode(self, text, created):
        ids = []
        for user, seg in self.segments(text):
            if user:
                ids.append(self.ids[seg])
                continue
            sym = list(seg.replace(" ", "\u2581"))
            while True:
                best, at = None, -1
                for j in range(len(sym) - 1):
                    pid = self.normal.get(sym[j] + sym[j + 1])
                    if pid is not None and (best is None or self.scores[pid] > best):
                        best, at = self.scores[pid], j
                if at < 0:
                    break
                sym[at:at + 2] = [sym[at] + sym[at + 1]]
                created.add(self.normal[sym[at]])
            for s in sym:
                if s in self.normal:
                    ids.append(self.normal[s])
                else:
                    ids += [self.ids[f"<0x{b:02X}>"] for b in s.encode()]
        return ids


def form(word, kind):
    cased = {"w": word, "W": word[:1].upper() + word[1:], "WW": word.upper()}[kind.strip()]
    return " " + cased if kind.startswith(" ") else cased


def corpus():
    from wordfreq import top_n_list

    texts = []
    for lang, forms in WORD_FORMS.items():
        words = top_n_list(lang, max(forms.values()))
        for kind, n in forms.items():
            texts += [form(w, kind) for w in words[:n]]
    texts += KEEP_TEXTS
    for lang in ("pt", "en"):
        strings = json.loads((ROOT / "www" / "i18n" / f"{lang}.json").read_text())
        texts += [s for s in strings.values() if isinstance(s, str)]
    return texts


def is_ascii_punct(c):
    return c.isascii() and c.isprintable() and not c.isalnum() and c != " "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out", nargs="?", default=str(ROOT / "scripts" / "gemma3-keep.txt"))
    a = ap.parse_args()
    from importlib.metadata import version

    wordfreq_version = version("wordfreq")
    reader, tokens, scores, types = gguf_vocab(a.model)
    V = len(tokens)
    keep, why = set(), {}

    def add(ids, reason):
        new = set(ids) - keep
        keep.update(new)
        why[reason] = why.get(reason, 0) + len(new)

    add([tokens.index(t) for t in CONTROL_KEPT], "control pieces")
    assert all(types[i] == 3 for i in keep)
    add([i for i in range(V) if types[i] == 4], "user-defined pieces")
    add([i for i in range(V) if types[i] == 6], "byte pieces")
    assert why["byte pieces"] == 256
    for lo, hi, name in CHAR_RANGES:
        add([i for i in range(V) if types[i] == 1 and len(tokens[i]) == 1 and lo <= ord(tokens[i]) < hi],
            "single characters")
    chars = {tokens[i] for i in keep if types[i] == 1 and len(tokens[i]) == 1}
    add([i for i in range(V) if types[i] == 1 and len(tokens[i]) == 2 and tokens[i][0] == "\u2581"
         and tokens[i][1] in chars], "single characters after a space")
    add([i for i in range(V) if types[i] == 1 and 1 <= len(tokens[i].removeprefix("\u2581")) <= 2
         and all(is_ascii_punct(c) for c in tokens[i].removeprefix("\u2581"))],
        "one or two ASCII punctuation marks")

    texts = corpus()
    bpe = RecordingBPE(tokens, scores, types)
    sp = sp_model(reader, tokens, scores, types)
    created = set()
    used = set()
    checked = 0
    for t in texts:
        ids = bpe.encode(t, created)
        used.update(ids)
        if "  " not in t and "\t\t" not in t:  # SentencePiece escapes space runs first
            assert ids == list(sp.encode(t)), (t, ids, sp.encode(t))
            checked += 1
    add(used, "pieces the corpus uses")
    add(created, "pieces the corpus creates while merging")

    # The claim, checked: over only the kept pieces the corpus encodes to the same pieces.
    trimmed = sp_model(reader, tokens, scores, types, keep)
    same = sum(sp.encode(t, out_type=str) == trimmed.encode(t, out_type=str) for t in texts)
    assert same == len(texts), (same, len(texts))

    ids = sorted(keep)
    dropped = {"<unusedN> control pieces": sum(1 for i in range(V) if types[i] == 3 and i not in keep)}
    dropped["normal pieces"] = sum(1 for i in range(V) if types[i] == 1 and i not in keep)
    header = [
        f"Gemma 3 270M (gemma-3-270m-q4_k_m.gguf, {V} pieces): the {len(ids)} ORIGINAL ids the",
        "pt+en bundle keeps, sorted, one a line (orquestra trim --keep). Made by",
        "  python3 scripts/make_gemma_vocab.py models/gemma3-270m/gemma-3-270m-q4_k_m.gguf",
        f"from wordfreq {wordfreq_version}'s most frequent words, per form (w lower, W capitalized, WW upper",
        "case, a leading space or not):",
    ] + [f"  {lang}: " + ", ".join(f"'{k}' {n}" for k, n in f.items()) for lang, f in WORD_FORMS.items()] + [
        "the script's KEEP_TEXTS and www/i18n/{pt,en}.json: every piece those use or create while",
        "merging, plus the pieces kept by rule (see the script's docstring). Kept, by first reason:",
    ] + [f"  {n:6d} {reason}" for reason, n in why.items()] + [
        "Dropped: " + ", ".join(f"{n} {what}" for what, n in dropped.items()) + ".",
        f"Checked: the script's BPE equals SentencePiece on {checked} of its {len(texts)} strings (the others",
        "have runs of spaces), and SentencePiece over the kept pieces encodes all of them as before.",
    ]
    out = Path(a.out)
    out.write_text("".join(f"# {h}\n" for h in header) + "".join(f"{i}\n" for i in ids))
    print("\n".join(header))
    print(f"wrote {out}: {len(ids)} ids, {out.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
