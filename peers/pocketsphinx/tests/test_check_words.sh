#!/usr/bin/env bash
# wakecert-check-words on a hand-made corpus: a second of digital silence labelled as the wake word
# and another as a confusable. PocketSphinx must not hear "alexa" in silence, so the table reads 0/1
# for both, --min-fraction 0.5 turns that into exit 1, and bad input exits 2 naming it.
set -euo pipefail
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, wave
for name in ("quiet.wav", "also_quiet.wav"):
    with wave.open(f"{sys.argv[1]}/{name}", "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000)
        out.writeframes(b"\0\0" * 32000)
PY
cat >"$work/labels.csv" <<'CSV'
file,kind,start_s,end_s,word,condition
quiet.wav,wake,0.5,1.2,alexa,clean
also_quiet.wav,confusable,0.5,1.2,alexis,clean
CSV
output=$("$tool" "$work")
echo "$output"
grep -q '^| \*\*all voices\*\* | 0/1 | 0/1 |$' <<<"$output" || { echo "FAIL: expected 0/1 and 0/1" >&2; exit 1; }
status=0
"$tool" "$work" --min-fraction 0.5 >/dev/null 2>"$work/err" || status=$?
[[ $status -eq 1 ]] || { echo "FAIL: --min-fraction 0.5 exited $status, not 1" >&2; exit 1; }
grep -q '0 of 1 wake words heard' "$work/err" || { echo "FAIL: no explanation on stderr" >&2; exit 1; }
status=0
"$tool" "$work/missing" >/dev/null 2>"$work/err" || status=$?
[[ $status -eq 2 ]] && grep -q missing "$work/err" || { echo "FAIL: a missing corpus exited $status" >&2; exit 1; }
echo "check_words: ok"
