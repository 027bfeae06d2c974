#!/usr/bin/env python3
"""Regenerate fuzz/seeds/: the starting inputs of every fuzz target, made from the project's own files.

usage: fuzz/make_seeds.py WAKECERT_BINARY

  manifest        the smoke corpus's manifest.json (built by the binary on first use) and a hand-made one
  labels          labels.csv files naming a.wav / b.wav / c.wav (the fuzz target makes those WAVs)
  audio           small WAV (16-bit, 8-bit, float, stereo, 44.1 kHz) and FLAC files written with libsndfile
  profile         the shipped profiles (conformance/profiles/*.json)
  trace, results  trace.jsonl (first files) and results.json of a real smoke certification
  bundle          a minimal certification bundle (.tar.gz) made from that run's files
  engine_protocol frame streams an exec: engine could send (events, batch subcalls, results)
  scenario        the smallest shipped retention scenarios
  store_protocol  a JSON-lines request session against the store

Everything is small (the whole folder stays well under 200 KB) and deterministic except the trace and
results, which carry the run's engine hash and paths.
"""
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
sys.path.insert(0, os.path.join(ROOT, "conformance", "tests", "bad_inputs"))
import sound_files  # noqa: E402


def put(target, name, data):
    os.makedirs(os.path.join(SEEDS, target), exist_ok=True)
    with open(os.path.join(SEEDS, target, name), "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)


def frame(kind, payload=b""):
    return struct.pack("<I", len(payload)) + kind.encode() + payload


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    shutil.rmtree(SEEDS, ignore_errors=True)
    work = tempfile.mkdtemp(prefix="wakecert-seeds-")
    try:
        # A real run: the smoke corpus, main pass only, in-process (fast).
        out = os.path.join(work, "out")
        subprocess.run([binary, "certify", "--in-process", "--quiet", "--profile", "smoke",
                        "--engine-check-seconds", "0", "--out", out], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        trace_lines = open(os.path.join(out, "trace.jsonl")).read().splitlines(True)
        ends = [i for i, line in enumerate(trace_lines) if '"file_end"' in line]
        short_trace = "".join(trace_lines[:ends[min(2, len(ends) - 1)] + 1] +
                              [line for line in trace_lines if '"pass_end"' in line])
        put("trace", "smoke-3-files.jsonl", short_trace)
        put("trace", "run-begin-only.jsonl", trace_lines[0])
        results = open(os.path.join(out, "results.json")).read()
        put("results", "smoke-results.json", results)
        put("results", "minimal.json", '{"schema":"wakecert-results/1","verdict":"FAIL","requirements":'
            '[{"id":"wake.false_wakes","status":"FAIL","mustpass":true,"measured":4,"threshold":3,'
            '"comparison":"<=","unit":"count","summary":"4 false wakes","evidence":[{"file":"a.wav",'
            '"time_s":1.5,"sample_start":24000,"sample_end":24100,"expected":"no wake","observed":"wake"}]}]}\n')

        # The corpus manifest the run used.
        cache = os.environ.get("WAKECERT_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "wakecert")
        corpora = os.path.join(cache, "corpora")
        smoke = sorted(d for d in os.listdir(corpora) if d.startswith("smoke-") and
                       os.path.exists(os.path.join(corpora, d, "manifest.json")))
        manifest = open(os.path.join(corpora, smoke[-1], "manifest.json")).read() if smoke else None
        if manifest:
            put("manifest", "smoke-manifest.json", manifest)
        put("manifest", "hand-made.json", json.dumps({
            "schema": "wakecert-corpus/1", "name": "tiny", "sample_rate": 16000,
            "files": [{"path": "a.wav", "sha256": "0" * 64, "samples": 32000, "kind": "wake", "condition": "clean",
                       "snr_db": None, "voice": "en-us", "events": [
                           {"type": "wake", "start": 8000, "end": 12000, "request_end": 20000, "word": "alexa"},
                           {"type": "request", "start": 13000, "end": 20000},
                           {"type": "mic_off", "start": 24000, "end": 26000},
                           {"type": "button", "start": 27000, "request_end": 30000},
                           {"type": "follow_up", "start": 30500, "end": 30500}]}]}, indent=1))

        # labels.csv over the fuzz target's a.wav (1 s), b.wav (0.5 s, 44.1 kHz stereo), c.wav (0.25 s).
        header = "file,kind,start_s,end_s,word,condition\n"
        put("labels", "wake-and-negative.csv", header + "a.wav,wake,0.100,0.400,alexa,clean\n"
            "a.wav,confusable,0.500,0.700,alex,clean\nb.wav,negative,,,,tv\nc.wav,media,0.05,0.2,alexa,tv\n")
        put("labels", "bom-crlf.csv", "\ufeff" + header.replace("\n", "\r\n") + "a.wav,wake,0.1,0.3,alexa,\r\n")
        put("labels", "overlap.csv", header + "a.wav,wake,0.1,0.5,alexa,clean\na.wav,wake,0.4,0.6,alexa,clean\n")

        # Audio: every layout the reader converts.
        audio_dir = os.path.join(work, "audio")
        os.makedirs(audio_dir)
        for name, rate, channels, fmt, frames in [("mono16k.wav", 16000, 1, "wav16", 800),
                                                  ("stereo44k.wav", 44100, 2, "wav16", 441),
                                                  ("u8-8k.wav", 8000, 1, "wav8", 400),
                                                  ("float16k.wav", 16000, 1, "wavfloat", 400),
                                                  ("mono16k.flac", 16000, 1, "flac16", 1600),
                                                  ("stereo48k.flac", 48000, 2, "flac16", 960)]:
            path = os.path.join(audio_dir, name)
            sound_files.write(path, rate, channels, fmt, sound_files.tone(frames, channels))
            put("audio", name, open(path, "rb").read())
        put("audio", "header-claims-10h.wav", sound_files.wav_header(16000, 1, 16, 16000 * 2 * 36000) + b"\0" * 64)

        # Profiles as shipped.
        for name in sorted(os.listdir(os.path.join(ROOT, "conformance", "profiles"))):
            put("profile", name, open(os.path.join(ROOT, "conformance", "profiles", name), "rb").read())

        # A minimal bundle: the members verify-bundle requires, with a correct SHA256SUMS.
        members = {
            "results.json": results.encode(),
            "trace.jsonl": short_trace.encode(),
            "junit.xml": b"<testsuites/>\n",
            "summary.md": b"# summary\n",
            "profile.json": open(os.path.join(ROOT, "conformance", "profiles", "smoke.json"), "rb").read(),
            "build-info.json": b"{}\n",
            "statement.md": b"statement\n",
        }
        if manifest:
            members["corpus-manifest.json"] = manifest.encode()
        members["SHA256SUMS"] = "".join("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name)
                                        for name, data in members.items()).encode()
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz", format=tarfile.USTAR_FORMAT) as archive:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 0
                archive.addfile(info, io.BytesIO(data))
        put("bundle", "smoke-bundle.tar.gz", packed.getvalue())

        # Engine protocol: what an exec: engine sends back across a few calls.
        wake = json.dumps({"keyword": "alexa", "score": 0.93, "start": 10, "end": 50}).encode()
        samples = struct.pack("<8h", *range(8))
        ok = frame("R", struct.pack("<i", 0))
        put("engine_protocol", "events.bin",
            frame("W", wake) + frame("I", struct.pack("<ii", 1, 1)) + frame("O", struct.pack("<i", 1)) +
            frame("U", struct.pack("<q", 2) + samples) + ok + ok +
            frame("S", struct.pack("<q", 16)) + frame("S", struct.pack("<q", 32)) + frame("X", struct.pack("<i", 1)) +
            ok + ok + ok + ok + ok)
        put("engine_protocol", "error-result.bin", ok + frame("R", struct.pack("<i", -2) + b"bad config"))
        put("engine_protocol", "violation.bin", frame("V", b'{"syscall":"socket","number":41}'))

        # Retention scenarios: the five smallest shipped ones.
        scenarios = os.path.join(ROOT, "retention", "scenarios")
        for name in sorted(os.listdir(scenarios), key=lambda n: os.path.getsize(os.path.join(scenarios, n)))[:5]:
            put("scenario", name, open(os.path.join(scenarios, name), "rb").read())

        # Store protocol: a session of requests.
        requests = [
            {"op": "open", "config": {}},
            {"op": "create_account", "now": 1600000000, "account": "a1", "marketplace": "uk"},
            {"op": "update_settings", "now": 1600000001, "account": "a1",
             "settings": {"retention": "3_months", "deletion_by_voice": True}},
            {"op": "record_request", "now": 1600000100, "request": {
                "id": "r1", "account": "a1", "device": "d1", "marketplace": "uk", "audio_hex": "00ff10",
                "transcript": "what time is it", "skill": "clock", "action_kind": "timer", "action_id": "t1"}},
            {"op": "enroll_profile", "now": 1600000200, "account": "a1", "kind": "voice", "profile": "p1"},
            {"op": "list_items", "now": 1600000300, "account": "a1"},
            {"op": "delete_by_voice", "now": 1600000400, "account": "a1", "scope": "last", "device": "d1",
             "recognised_voice_profile": "p1"},
            {"op": "delete_range", "now": 1600000500, "account": "a1", "from": 0, "to": 1600000500},
            {"op": "advance_clock", "now": 1700000000},
            {"op": "close"},
        ]
        put("store_protocol", "session.jsonl", "".join(json.dumps(r) + "\n" for r in requests))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(SEEDS) for f in fs)
    print("fuzz seeds: %d bytes in %s" % (total, SEEDS))


if __name__ == "__main__":
    main()
