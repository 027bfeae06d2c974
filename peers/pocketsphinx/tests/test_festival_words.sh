#!/usr/bin/env bash
# The festival voices say the wake words right: a corpus of each wake word (alexa, amazon, computer,
# echo) said by each festival voice at two rates is built with `wakecert corpus build`, verified, and
# wakecert-check-words must hear every labelled wake word as that word (--min-fraction 1). Guards the
# wake-word lexicon entries festival_synth.c pins and the segment-time cut of festival pieces (a label
# that cut into the word would not be heard). PocketSphinx is lenient at its default threshold 1e-30
# (it heard "echo" in every festival "alexa" said where "echo" was labelled), so the check runs at 1e-15:
# there the right words are heard 24/24, and "echo" pinned to alexa's phones only 19/24 (1e-10: 23/24
# and 18/24, too close). It catches a wrong or cut word, not a slightly odd one.
set -euo pipefail
wakecert=$1
check_words=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WAKECERT_CACHE_DIR="$work/cache"
python3 - "$work/festival_words.json" <<'PY'
import json, sys
files = []
for voice in ("festival:kal_diphone", "festival:ked_diphone", "festival:cmu_us_slt_arctic_hts"):
    for word in ("alexa", "amazon", "computer", "echo"):
        for rate in (140, 190):
            files.append({"path": f"{voice[9:]}_{word}_{rate}.wav", "kind": "wake", "voice": voice, "rate": rate,
                          "segments": [{"gap": 0.5}, {"wake": word}, {"gap": 0.5}]})
json.dump({"schema": "wakecert-recipe/1", "name": "festival_words", "seed": 1, "files": files},
          open(sys.argv[1], "w"), indent=1)
PY
"$wakecert" corpus build "$work/festival_words.json" --out "$work/corpus" --jobs 2 >/dev/null
"$wakecert" corpus verify "$work/corpus"
"$check_words" "$work/corpus" --threshold 1e-15 --min-fraction 1
echo "festival_words: ok"
