#!/bin/sh
# ci/bench-gate end to end, on a scratch baseline of the detector-free groups (front end, stream gate)
# with small inputs: the gate must pass against a baseline it just made, and must fail — exit 1, the
# table printed, the regressed rows marked — when WAKECERT_BENCH_INJECT_REGRESSION makes every
# measured loop do extra work. usage: gate_end_to_end.sh SOURCE_DIR BUILD_DIR
set -eu
root=$1
export WAKECERT_BUILD_DIR=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gate() { "$root/ci/bench-gate" --only frontend,gate --baseline "$work/base.json" "$@"; }
export WAKECERT_BENCH_MEASURE_ARGS="--seconds 1 --callgrind-seconds 5"

gate --update >"$work/update.txt" 2>&1 || { cat "$work/update.txt"; echo "FAIL: --update"; exit 1; }
gate >"$work/pass.txt" 2>&1 || { cat "$work/pass.txt"; echo "FAIL: the gate did not pass on its own baseline"; exit 1; }
grep -q "ci/bench-gate: PASS" "$work/pass.txt" || { cat "$work/pass.txt"; echo "FAIL: no PASS line"; exit 1; }

status=0
WAKECERT_BENCH_INJECT_REGRESSION=300 gate >"$work/fail.txt" 2>&1 || status=$?
cat "$work/fail.txt"
[ "$status" = 1 ] || { echo "FAIL: exit $status with an injected regression (expected 1)"; exit 1; }
grep -q "^gate.stream .*REGRESSION" "$work/fail.txt" || { echo "FAIL: gate.stream not marked REGRESSION"; exit 1; }
grep -q "^frontend.mfcc.avx2 .*REGRESSION" "$work/fail.txt" || { echo "FAIL: frontend.mfcc.avx2 not marked"; exit 1; }
grep -q "ci/bench-gate: FAIL" "$work/fail.txt" || { echo "FAIL: no FAIL line"; exit 1; }
echo "PASS: the gate passes on its baseline and fails (exit 1, table) on an injected regression"
