#!/usr/bin/env bash
# `make fuzz`: the property tests of tests/fuzz_inputs.rs (both tokenizers, the bundle and
# e5 container parsers) on fresh random seeds, round after round, for FUZZ_MINUTES minutes
# (10 unless set; FUZZ_THREADS, FUZZ_CASES per round). proptest writes each new failing case to
# tests/fuzz_inputs.proptest-regressions, which `make test` replays first: commit it.
set -uo pipefail
cd "$(dirname "$0")/.."
minutes=${FUZZ_MINUTES:-10}
cases=${FUZZ_CASES:-5000}
regressions=tests/fuzz_inputs.proptest-regressions
# The test binary itself, run round after round: a source change elsewhere mid-run does not
# rebuild it under the fuzzer.
built=$(cargo test --release --test fuzz_inputs --no-run 2>&1 | grep -o 'target/release/deps/fuzz_inputs-[0-9a-f]*' | tail -1)
[ -x "$built" ] || { echo "fuzz: no test binary" >&2; exit 1; }
# A copy: a `cargo test` meanwhile rewrites the built file in place (one round of an earlier
# run failed to start that way).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/fuzz_inputs"
cp "$built" "$bin"
before=$(grep -c '^cc ' "$regressions")
end=$(($(date +%s) + minutes * 60))
rounds=0
failed=0
while [ "$(date +%s)" -lt "$end" ]; do
  rounds=$((rounds + 1))
  # Under a 4 GB address-space limit: an absurd allocation aborts the round at once with its
  # size ("memory allocation of N bytes failed") instead of taking the machine's memory.
  if (ulimit -v 4000000; ORQUESTRA_FUZZ_SEED=random ORQUESTRA_FUZZ_CASES=$cases \
    "$bin" -q --test-threads "${FUZZ_THREADS:-2}") > "$work/round.log" 2>&1; then
    grep -E 'test result' "$work/round.log"
  else
    failed=$((failed + 1))
    echo "fuzz: round $rounds failed:"
    tail -40 "$work/round.log"
  fi
done
after=$(grep -c '^cc ' "$regressions")
echo "fuzz: $rounds rounds of $cases cases per property in $minutes min; $failed rounds failed;" \
  "$((after - before)) new cases in $regressions"
[ "$failed" -eq 0 ]
