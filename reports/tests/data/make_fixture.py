#!/usr/bin/env python3
"""Writes the hand-made trace.jsonl the report tests draw from (kept small: a few KB).

Eight short files exercise every plot: hits with different latencies and scores, a duplicate, a
missed wake word in noise (a false reject), false wakes in negative and music audio (with their
streams), a stream with 2 s of pre-roll (a pre-roll failure), a microphone-off window, a button
press and StopCapture. results.json beside it is produced by the real scorer:
    wakecert score --trace trace.jsonl --profile avs --out .
"""
import json

SR = 16000
lines = [{"event": "run_begin", "engine": "fixture-engine", "engine_version": "1.2.3",
          "engine_sha256": "ab" * 32, "engine_path": "/opt/fixture/libengine.so", "engine_config": "{}",
          "corpus": "fixture", "corpus_sha256": "cd" * 32, "chunk": 160, "cloud_delay_ms": 200}]


def s(seconds):
    return int(round(seconds * SR))


def add_file(name, kind, condition, seconds, labels, events):
    lines.append({"event": "file_begin", "file": name, "samples": s(seconds), "kind": kind,
                  "condition": condition, "sha256": "00" * 32, "labels": labels})
    for event in sorted(events, key=lambda e: e["sample"]):
        event["file"] = name
        lines.append(event)
    lines.append({"event": "file_end", "file": name, "sample": s(seconds)})


def wake_label(start, end, request_end=None):
    label = {"type": "wake", "start": s(start), "end": s(end), "word": "alexa"}
    if request_end:
        label["request_end"] = s(request_end)
    return label


def stream(at, word_start, word_end, score, preroll, stop_at, reason="wake"):
    """A wake (unless reason != wake), stream, one upload from word_start - preroll, StopCapture."""
    out = []
    if reason == "wake":
        out.append({"event": "wake", "sample": s(at), "keyword": "alexa", "score": score,
                    "start": s(word_start), "end": s(word_end)})
    out += [{"event": "stream_open", "sample": s(at) + 1, "reason": reason},
            {"event": "indicator", "sample": s(at) + 1, "state": "listening", "tone": "start"},
            {"event": "upload", "sample": s(stop_at) - 1, "first": s(word_start - preroll),
             "count": s(stop_at) - s(word_start - preroll), "sha256": "11" * 32, "matches_input": True},
            {"event": "control", "sample": s(stop_at), "control": "stop_capture", "origin": "cloud"},
            {"event": "stream_close", "sample": s(stop_at), "reason": "stop_capture"},
            {"event": "indicator", "sample": s(stop_at) + 1, "state": "off", "tone": "end"}]
    return out


add_file("wake_000.wav", "wake", "clean", 4.0, [wake_label(1.0, 1.5, 3.0), {"type": "request", "start": s(1.7), "end": s(3.0)}],
         stream(1.62, 1.0, 1.5, 0.93, 0.5, 3.2))
add_file("wake_001.wav", "wake", "noise_10db", 4.0, [wake_label(1.2, 1.7, 3.1)], [])
add_file("wake_002.wav", "wake", "clean", 4.0, [wake_label(0.8, 1.3, 2.8)],
         stream(1.55, 0.8, 1.3, 0.81, 0.5, 3.0) +
         [{"event": "wake", "sample": s(2.1), "keyword": "alexa", "score": 0.77, "start": s(1.5), "end": s(2.0)}])
add_file("wake_003.wav", "wake", "noise_10db", 4.0, [wake_label(1.0, 1.6, 3.0)], stream(2.05, 1.0, 1.6, 0.64, 0.5, 3.3))
add_file("wake_004.wav", "wake", "clean", 5.0, [wake_label(2.5, 3.0, 4.2)], stream(3.2, 2.5, 3.0, 0.88, 2.0, 4.4))
add_file("negative_000.wav", "negative", "clean", 6.0, [], stream(3.3, 2.8, 3.2, 0.58, 0.5, 4.0))
add_file("music_000.wav", "music", "clean", 6.0, [{"type": "confusable", "start": s(1.0), "end": s(1.5), "word": "alexis"}],
         stream(1.6, 1.0, 1.5, 0.52, 0.5, 2.4))
add_file("wake_mic_off.wav", "wake", "clean", 6.0, [wake_label(1.0, 1.5, 2.5), {"type": "mic_off", "start": s(3.0), "end": s(4.5)},
                                                    {"type": "button", "start": s(5.0)}],
         stream(1.7, 1.0, 1.5, 0.9, 0.5, 2.7) +
         [{"event": "control", "sample": s(3.0), "control": "mic_off", "origin": "corpus"},
          {"event": "indicator", "sample": s(3.0) + 1, "state": "muted", "tone": "none"},
          {"event": "control", "sample": s(4.5), "control": "mic_on", "origin": "corpus"},
          {"event": "indicator", "sample": s(4.5) + 1, "state": "off", "tone": "none"},
          {"event": "control", "sample": s(5.0), "control": "button", "origin": "corpus"}] +
         stream(5.0, 5.0, 5.0, 0, 0.0, 5.8, reason="button"))

with open("trace.jsonl", "w") as out:
    for line in lines:
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
