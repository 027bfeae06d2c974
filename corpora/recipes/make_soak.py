#!/usr/bin/env python3
"""Write soak.json, the recipe of the `soak` pool, from make_standard.py's tables.

    python3 make_soak.py > soak.json

`wakecert corpus build soak --out DIR` builds the pool: ~2.3 h of negative audio in 5-minute files
(conversational speech, TV/radio speech over music with a media wake word about every 90 s, music,
ambient), with the voices and sources of the standard recipe. Its manifest carries the recipe's
"stream" object; corpora/soak.c renders 120 h of negative audio from the pool on the fly, in blocks
(`wakecert corpus render-soak DIR` measures the speed). See README.md, "The soak stream".
Deterministic: no randomness here.
"""
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from make_standard import ESPEAK, MEDIA_LINES, SENTENCES, SOURCES  # noqa: E402


def main():
    speech = {"type": "speech", "seconds": 300, "talkers": 3, "voices": ESPEAK + ["flite:kal16"],
              "rates": [150, 160, 170, 180], "pitches": [40, 50, 60], "text_pool": True, "sentences": SENTENCES}
    generate = [
        dict(speech, prefix="speech_clean", files=8, condition="clean"),
        dict(speech, prefix="speech_noise", files=2, condition="noise_10db",
             noise={"types": ["pink", "brown"], "snr_db": 10}),
        dict(speech, prefix="speech_ambient", files=2, condition="ambient_10db", noise={"type": "ambient", "snr_db": 10}),
        {"type": "media", "prefix": "media_radio", "files": 3, "seconds": 300, "condition": "tv", "voices": ESPEAK,
         "rates": [170, 180, 190], "talkers": 2, "text_pool": True, "wake_every": 90,
         "media_lines": [list(line) for line in MEDIA_LINES], "noise": {"type": "music", "snr_db": 12}},
        {"type": "music", "prefix": "music", "files": 8, "seconds": 300, "condition": "clean", "gain_db": [-12, 0]},
        {"type": "ambient", "prefix": "ambient", "files": 5, "seconds": 300, "condition": "clean", "gain_db": [-12, 0]},
    ]
    recipe = {
        "schema": "wakecert-recipe/1",
        "name": "soak",
        "description": "pool of ~2.3 h negative audio (speech, TV/radio, music, ambient) from which a 120 h "
                       "stream is rendered on the fly (wakecert corpus render-soak)",
        "seed": 20240613,
        "noise_floor_dbfs": -60,
        "resampler": "medium",
        "format": "flac",
        "sources": SOURCES,
        "generate": generate,
        "stream": {"hours": 120, "seed": 20240614,
                   "kinds": {"negative": 4, "media": 1, "music": 3, "ambient": 2}},
    }
    print(json.dumps(recipe, indent=1))


if __name__ == "__main__":
    main()
