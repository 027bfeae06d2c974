#!/bin/sh
# `wakecert bench history`: appending a document twice under one revision keeps one line, another
# revision adds a line, and the plot is drawn. usage: history.sh WAKECERT_BENCH DOCUMENT.json
set -eu
bench=$1
document=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bench" history --history "$work/h.jsonl" --append "$document" --revision r1 >/dev/null
"$bench" history --history "$work/h.jsonl" --append "$document" --revision r1 >/dev/null
[ "$(wc -l <"$work/h.jsonl")" -eq 1 ] || { echo "FAIL: recording r1 twice gave $(wc -l <"$work/h.jsonl") lines"; exit 1; }
"$bench" history --history "$work/h.jsonl" --append "$document" --revision r2 >/dev/null
[ "$(wc -l <"$work/h.jsonl")" -eq 2 ] || { echo "FAIL: a second revision did not add a line"; exit 1; }
"$bench" history --history "$work/h.jsonl" --plot "$work/h.png" >/dev/null
[ -s "$work/h.png" ] || { echo "FAIL: no plot"; exit 1; }
if "$bench" history --history "$work/h.jsonl" --append /nonexistent.json 2>/dev/null; then
    echo "FAIL: a missing document was accepted"; exit 1
fi
echo "PASS"
