#!/usr/bin/env python3
"""Write the recipes behind corpora/README.md's per-word wakecert-check-words table: one recipe per wake
word (w_alexa.json ... w_echo.json, into the folder given, default .), each voice saying the word alone
6 times at different rates and pitches plus 4 confusables of that word. Build each with
`wakecert corpus build w_WORD.json --out DIR` and check with
`wakecert-check-words DIR --confusable-keyword WORD [--threshold T]`. Deterministic; not run by ctest
(tests/test_festival_words.sh is the gate)."""
import json
import os
import sys

VOICES = ["festival:kal_diphone", "festival:ked_diphone", "festival:cmu_us_slt_arctic_hts", "flite:kal16",
          "flite:slt", "en-us", "en-gb-x-rp"]
VARIANTS = [(130, 50), (150, 40), (165, 50), (180, 60), (200, 50), (165, 70)]  # (rate wpm, pitch)
CONFUSABLES = {"alexa": ["alex", "alexis", "election", "relax"],
               "amazon": ["amazing", "a mason", "amazement", "am a son"],
               "computer": ["compute", "commuter", "computing", "come pewter"],
               "echo": ["eco", "gecko", "ego", "ethos"]}

folder = sys.argv[1] if len(sys.argv) > 1 else "."
for word, confusables in CONFUSABLES.items():
    files = []
    for voice in VOICES:
        tag = voice.replace(":", "_")
        for i, (rate, pitch) in enumerate(VARIANTS):
            files.append({"path": f"{word}_{tag}_{i}.wav", "kind": "wake", "condition": "clean", "voice": voice,
                          "rate": rate, "pitch": pitch, "segments": [{"gap": 0.6}, {"wake": word}, {"gap": 0.6}]})
        for i, confusable in enumerate(confusables):
            files.append({"path": f"c_{word}_{tag}_{i}.wav", "kind": "confusable", "condition": "clean",
                          "voice": voice, "segments": [{"gap": 0.6}, {"confusable": confusable}, {"gap": 0.6}]})
    recipe = {"schema": "wakecert-recipe/1", "name": "festival_" + word, "seed": 1, "noise_floor_dbfs": -60,
              "files": files}
    with open(os.path.join(folder, f"w_{word}.json"), "w") as out:
        json.dump(recipe, out, indent=1)
