#!/usr/bin/env python3
"""The bad-input corpus: every way a user's files can be wrong, run through the real `wakecert` binary.

usage: test_bad_inputs.py WAKECERT WORK_DIRECTORY TABLE_OUTPUT [CASE-ID...]

Each case builds its inputs in a fresh folder under WORK_DIRECTORY — binary ones (WAV, FLAC, tar.gz)
are generated here with libsndfile (sound_files.py) or byte by byte, never committed — runs one
wakecert command and checks the contract of issue 12:

  * the exit status is the documented one: 2 for bad input or an output that cannot be written,
    130 / 143 after SIGINT / SIGTERM, and 0 or 1 for unusual inputs wakecert is meant to accept
    (8-bit, float, stereo, 44.1 kHz, UTF-8 names), whose conversion is then checked in the trace;
  * stderr names the input (file, and line where there is one) and the problem (the case's
    expected words);
  * nothing half-written is left: no `.NAME.tmp-XXXXXX` temporary anywhere under the case folder, and
    every output that does exist is complete (JSON and JSON lines parse, XML parses, the rest is
    non-empty) — outputs are written atomically (common/files.h);
  * it ends promptly (a timeout per case) and leaves no wakecert process running.

The full-disk cases cap the size of any file the run writes (RLIMIT_FSIZE, SIGXFSZ ignored: write()
fails with EFBIG, as on a full disk), and, where a tmpfs can be mounted, put --out on a full 8 KB tmpfs
for a real ENOSPC. (An LD_PRELOAD write() shim does not work: glibc's stdio calls its internal write,
which a preloaded library cannot interpose.) Unreadable files: chmod 000 means nothing to root, so as root the "unreadable" file
is a directory with an audio file's name (open succeeds, reading fails), and as another user it is a
real chmod 000 file.

Writes TABLE_OUTPUT: the markdown table for the README's robustness section (case, input, expected
result, observed). Exits 0 when every case holds, else 1 (each failure printed with its reason).
"""
import gzip
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sound_files  # noqa: E402

HEADER = "file,kind,start_s,end_s,word,condition\n"
RUN = ["--in-process", "--quiet", "--profile", "smoke", "--engine-check-seconds", "0"]


class Case:
    """One bad input: how to build it, the command to run, and what must come out."""

    def __init__(self, case_id, group, what, build, expect, words, signal_after=None, timeout=120):
        self.case_id, self.group, self.what, self.build = case_id, group, what, build
        self.expect, self.words, self.signal_after, self.timeout = expect, words, signal_after, timeout


CASES = []
FILE_SIZE_LIMIT = "file size limit"   # environment key: RLIMIT_FSIZE for the run (writes past it fail, EFBIG)
UNMOUNT_AFTER = "unmount after"       # environment key: a mount point to unmount once the case is checked


class SkipCase(Exception):
    """Raised by a builder when the case cannot run on this machine (the reason is reported)."""


def case(case_id, group, what, expect=(2,), words=(), signal_after=None, timeout=120):
    """Register the decorated builder f(folder) -> (argv after the binary, extra environment)."""
    def register(build):
        CASES.append(Case(case_id, group, what, build, tuple(expect), tuple(words), signal_after, timeout))
        return build
    return register


# ---- helpers that make inputs ----------------------------------------------------------------------

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)


def wav(path, rate=16000, channels=1, fmt="wav16", seconds=2.0, samples=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frames = int(rate * seconds)
    sound_files.write(path, rate, channels, fmt, samples if samples is not None else sound_files.tone(frames, channels))


def labels_corpus(folder, rows, audio=("a.wav",)):
    """A labels.csv corpus in folder/corpus with 2 s 16 kHz WAVs named `audio`; returns certify argv."""
    corpus = os.path.join(folder, "corpus")
    for name in audio:
        wav(os.path.join(corpus, name))
    write(os.path.join(corpus, "labels.csv"), HEADER + "".join(row + "\n" for row in rows))
    return ["certify", "--corpus", corpus, "--out", os.path.join(folder, "out")] + RUN


def one_file_corpus(folder, name, data_or_builder, row=None):
    """A corpus whose only file is `name` (bytes, or a function(path) that writes it); one wake label."""
    corpus = os.path.join(folder, "corpus")
    path = os.path.join(corpus, name)
    os.makedirs(corpus, exist_ok=True)
    if callable(data_or_builder):
        data_or_builder(path)
    else:
        write(path, data_or_builder)
    write(os.path.join(corpus, "labels.csv"), HEADER + (row or name + ",wake,0.100,0.600,alexa,clean") + "\n")
    return ["certify", "--corpus", corpus, "--out", os.path.join(folder, "out")] + RUN


def manifest_corpus(folder, edit):
    """A manifest corpus (one 2 s wake file, correct sha256) with `edit(manifest_dict)` applied."""
    import hashlib
    corpus = os.path.join(folder, "corpus")
    wav(os.path.join(corpus, "a.wav"))
    digest = hashlib.sha256(open(os.path.join(corpus, "a.wav"), "rb").read()).hexdigest()
    manifest = {"schema": "wakecert-corpus/1", "name": "bad", "sample_rate": 16000, "files": [
        {"path": "a.wav", "sha256": digest, "samples": 32000, "kind": "wake", "condition": "clean", "snr_db": None,
         "events": [{"type": "wake", "start": 1600, "end": 9600, "request_end": 20000, "word": "alexa"}]}]}
    text = edit(manifest)
    write(os.path.join(corpus, "manifest.json"), text if isinstance(text, str) else json.dumps(manifest, indent=1))
    return ["certify", "--corpus", corpus, "--out", os.path.join(folder, "out")] + RUN


def float_wav_with(value):
    def build(path):
        samples = sound_files.tone(32000)
        samples[16000] = value
        sound_files.write(path, 16000, 1, "wavfloat", samples)
    return build


def flac_bytes(folder, seconds=2.0, rate=16000):
    path = os.path.join(folder, "source.flac")
    wav(path, rate=rate, fmt="flac16", seconds=seconds)
    return open(path, "rb").read()


def profile_with(folder, edit):
    profile = json.load(open(os.path.join(SOURCE, "conformance", "profiles", "smoke.json")))
    text = edit(profile)
    path = os.path.join(folder, "profile.json")
    write(path, text if isinstance(text, str) else json.dumps(profile))
    corpus_args = labels_corpus(folder, ["a.wav,wake,0.1,0.6,alexa,clean"])
    return [a if a != "smoke" else path for a in corpus_args]


# ---- audio -----------------------------------------------------------------------------------------

@case("audio-truncated-wav", "audio", "WAV whose header announces 2 s, cut after 0.5 s",
      words=("a.wav", "truncated"))
def _(d):
    return one_file_corpus(d, "a.wav", sound_files.wav_header(16000, 1, 16, 64000) + b"\x10\x00" * 8000), {}


@case("audio-truncated-flac", "audio", "FLAC cut in half", words=("a.flac", "truncated"))
def _(d):
    data = flac_bytes(d)
    return one_file_corpus(d, "a.flac", data[:len(data) // 2]), {}


@case("audio-corrupt-flac", "audio", "FLAC with every 97th byte of its frames flipped", words=("a.flac",))
def _(d):
    data = bytearray(flac_bytes(d))
    for i in range(300, len(data), 97):
        data[i] ^= 0x5A
    return one_file_corpus(d, "a.flac", bytes(data)), {}


@case("audio-corrupt-wav-header", "audio", "WAV with a garbled fmt chunk", words=("a.wav", "not a readable audio file"))
def _(d):
    header = bytearray(sound_files.wav_header(16000, 1, 16, 32000))
    header[12:16] = b"fxt "
    return one_file_corpus(d, "a.wav", bytes(header) + b"\0" * 32000), {}


@case("audio-random-bytes", "audio", "4 KB of random bytes named .wav", words=("a.wav", "not a readable audio file"))
def _(d):
    return one_file_corpus(d, "a.wav", os.urandom(4096)), {}


@case("audio-zero-length", "audio", "an empty (0-byte) .wav file", words=("a.wav",))
def _(d):
    return one_file_corpus(d, "a.wav", b""), {}


@case("audio-header-only", "audio", "a WAV header with no samples", words=("a.wav",))
def _(d):
    return one_file_corpus(d, "a.wav", sound_files.wav_header(16000, 1, 16, 0)), {}


@case("audio-rate-1hz", "audio", "a WAV claiming a 1 Hz sample rate", words=("a.wav", "sample rate 1 Hz"))
def _(d):
    return one_file_corpus(d, "a.wav", sound_files.wav_header(1, 1, 16, 2000) + b"\0" * 2000), {}


@case("audio-rate-2mhz", "audio", "a WAV claiming a 2 MHz sample rate", words=("a.wav", "sample rate 2000000 Hz"))
def _(d):
    return one_file_corpus(d, "a.wav", sound_files.wav_header(2000000, 1, 16, 8000) + b"\0" * 8000), {}


@case("audio-nan", "audio", "32-bit float WAV with a NaN sample", words=("a.wav", "NaN"))
def _(d):
    return one_file_corpus(d, "a.wav", float_wav_with(float("nan"))), {}


@case("audio-infinity", "audio", "32-bit float WAV with +inf", words=("a.wav", "infinity"))
def _(d):
    return one_file_corpus(d, "a.wav", float_wav_with(float("inf"))), {}


@case("audio-10h-flac-header", "audio", "FLAC whose header claims 10 hours, holding 1 s",
      words=("a.flac", "truncated"))
def _(d):
    data = bytearray(flac_bytes(d, seconds=1.0))
    # STREAMINFO (after "fLaC" + 4-byte block header): total samples are the low 36 bits of bytes 13..17.
    total = 16000 * 36000
    info = 8
    packed = int.from_bytes(data[info + 10:info + 18], "big")
    packed = (packed & ~((1 << 36) - 1)) | total
    data[info + 10:info + 18] = packed.to_bytes(8, "big")
    return one_file_corpus(d, "a.flac", bytes(data)), {}


@case("audio-10h-sparse-wav", "audio", "a real 10-hour WAV (sparse file) with a label at 36001 s",
      words=("labels.csv:2", "past the end"))
def _(d):
    def build(path):
        data_bytes = 16000 * 2 * 36000
        with open(path, "wb") as out:
            out.write(sound_files.wav_header(16000, 1, 16, data_bytes))
            out.truncate(44 + data_bytes)  # sparse: no disk blocks behind the zeros
    return one_file_corpus(d, "a.wav", build, "a.wav,wake,36001.0,36001.5,alexa,clean"), {}


@case("audio-length-changed", "audio", "manifest says 64000 samples, the WAV has 32000",
      words=("a.wav", "the corpus says 64000"))
def _(d):
    def edit(m):
        m["files"][0]["samples"] = 64000
    return manifest_corpus(d, edit), {}


@case("audio-8bit", "accepted audio", "8-bit unsigned WAV (converted, not refused)", expect=(0, 1))
def _(d):
    return one_file_corpus(d, "a.wav", lambda p: wav(p, fmt="wav8")), {}


@case("audio-float", "accepted audio", "32-bit float WAV at 16 kHz (converted)", expect=(0, 1))
def _(d):
    return one_file_corpus(d, "a.wav", lambda p: wav(p, fmt="wavfloat")), {}


@case("audio-stereo-44k", "accepted audio", "stereo 44.1 kHz WAV (downmixed and resampled)", expect=(0, 1))
def _(d):
    return one_file_corpus(d, "a.wav", lambda p: wav(p, rate=44100, channels=2)), {}


@case("audio-8k-flac", "accepted audio", "8 kHz mono FLAC (resampled)", expect=(0, 1))
def _(d):
    return one_file_corpus(d, "a.flac", lambda p: wav(p, rate=8000, fmt="flac16")), {}


# ---- labels.csv ------------------------------------------------------------------------------------

@case("labels-past-end", "labels", "a wake label ending at 5 s in a 2 s file", words=("labels.csv:2", "past the end"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,4.5,5.0,alexa,clean"]), {}


@case("labels-negative-time", "labels", "a start time of -0.5 s", words=("labels.csv:2", "negative"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,-0.5,0.5,alexa,clean"]), {}


@case("labels-reversed", "labels", "end before start", words=("labels.csv:2", "reversed"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,1.5,0.5,alexa,clean"]), {}


@case("labels-empty-range", "labels", "start == end on a wake row", words=("labels.csv:2", "not after"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.5,0.5,alexa,clean"]), {}


@case("labels-overlapping-wakes", "labels", "two overlapping wake labels in one file",
      words=("labels.csv:3", "overlaps"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.1,0.8,alexa,clean", "a.wav,wake,0.5,1.2,alexa,clean"]), {}


@case("labels-duplicate-row", "labels", "the same row twice", words=("labels.csv:3", "duplicate of line 2"))
def _(d):
    return labels_corpus(d, ["a.wav,confusable,0.1,0.4,alex,clean", "a.wav,confusable,0.1,0.4,alex,clean"]), {}


@case("labels-unknown-kind", "labels", "kind \"speech\"", words=("labels.csv:2", "unknown kind"))
def _(d):
    return labels_corpus(d, ["a.wav,speech,0.1,0.4,hello,clean"]), {}


@case("labels-wrong-header", "labels", "a header with the columns reordered", words=("labels.csv:1", "header"))
def _(d):
    args = labels_corpus(d, [])
    write(os.path.join(d, "corpus", "labels.csv"), "file,start_s,end_s,kind,word,condition\na.wav,0.1,0.4,wake,alexa,\n")
    return args, {}


@case("labels-columns", "labels", "a row with 5 columns", words=("labels.csv:2", "expected 6 columns"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.1,0.4,alexa"]), {}


@case("labels-not-a-number", "labels", "start_s \"1.2s\"", words=("labels.csv:2", "not a number"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,1.2s,1.5,alexa,clean"]), {}


@case("labels-nan-time", "labels", "start_s \"nan\"", words=("labels.csv:2", "not a number"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,nan,1.5,alexa,clean"]), {}


@case("labels-huge-time", "labels", "start_s 1e300", words=("labels.csv:2", "past any recording"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,1e300,1e301,alexa,clean"]), {}


@case("labels-missing-file", "labels", "a row naming a file that does not exist", words=("labels.csv:2", "b.wav", "not found"))
def _(d):
    return labels_corpus(d, ["b.wav,wake,0.1,0.4,alexa,clean"]), {}


@case("labels-escaping-path", "labels", "a file \"../outside.wav\"", words=("labels.csv:2", "relative"))
def _(d):
    wav(os.path.join(d, "outside.wav"))
    return labels_corpus(d, ["../outside.wav,wake,0.1,0.4,alexa,clean"]), {}


@case("labels-absolute-path", "labels", "an absolute file path", words=("labels.csv:2", "relative"))
def _(d):
    return labels_corpus(d, ["/etc/passwd,negative,,,,clean"]), {}


@case("labels-conflicting-condition", "labels", "one file labelled clean and noisy",
      words=("labels.csv:3", "conflicts"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.1,0.4,alexa,clean", "a.wav,confusable,1.0,1.3,alex,noise"]), {}


@case("labels-mixed-kinds", "labels", "one file labelled music and ambient", words=("labels.csv", "only wake rows"))
def _(d):
    return labels_corpus(d, ["a.wav,music,,,,clean", "a.wav,ambient,,,,clean"]), {}


@case("labels-binary", "labels", "labels.csv holding NUL bytes", words=("labels.csv", "not a text file"))
def _(d):
    args = labels_corpus(d, [])
    write(os.path.join(d, "corpus", "labels.csv"), HEADER.encode() + b"a.wav\0,wake,0.1,0.4,alexa,clean\n")
    return args, {}


@case("labels-empty-file", "labels", "an empty labels.csv", words=("labels.csv", "empty file"))
def _(d):
    args = labels_corpus(d, [])
    write(os.path.join(d, "corpus", "labels.csv"), "")
    return args, {}


@case("labels-header-only", "labels", "a header and no rows", words=("labels.csv", "no rows"))
def _(d):
    return labels_corpus(d, []), {}


@case("labels-non-utf8-name", "labels", "a file name with the byte 0xFF (not UTF-8)", words=("labels.csv:2", "UTF-8"))
def _(d):
    corpus = os.path.join(d, "corpus")
    os.makedirs(corpus)
    wav(os.path.join(corpus.encode(), b"k\xffche.wav").decode("utf-8", "surrogateescape"))
    write(os.path.join(corpus, "labels.csv"), HEADER.encode() + b"k\xffche.wav,wake,0.1,0.6,alexa,clean\n")
    return ["certify", "--corpus", corpus, "--out", os.path.join(d, "out")] + RUN, {}


@case("labels-utf8-name", "accepted labels", "a UTF-8 file name (k\u00fcche_\u00e9t\u00e9.wav) is accepted", expect=(0, 1))
def _(d):
    return labels_corpus(d, ["k\u00fcche_\u00e9t\u00e9.wav,wake,0.1,0.6,alexa,clean"], audio=("k\u00fcche_\u00e9t\u00e9.wav",)), {}


@case("labels-unreadable-file", "labels", "an audio file that cannot be read (root: a directory named a.wav)",
      words=("labels.csv:2", "a.wav"))
def _(d):
    corpus = os.path.join(d, "corpus")
    if os.geteuid() == 0:
        os.makedirs(os.path.join(corpus, "a.wav"))
    else:
        wav(os.path.join(corpus, "a.wav"))
        os.chmod(os.path.join(corpus, "a.wav"), 0)
    write(os.path.join(corpus, "labels.csv"), HEADER + "a.wav,wake,0.1,0.6,alexa,clean\n")
    return ["certify", "--corpus", corpus, "--out", os.path.join(d, "out")] + RUN, {}


@case("corpus-not-a-corpus", "labels", "a folder with neither manifest.json nor labels.csv", words=("not a corpus",))
def _(d):
    os.makedirs(os.path.join(d, "corpus"))
    return ["certify", "--corpus", os.path.join(d, "corpus"), "--out", os.path.join(d, "out")] + RUN, {}


# ---- manifest.json ---------------------------------------------------------------------------------

@case("manifest-schema-version", "manifest", "schema wakecert-corpus/2", words=("manifest.json", "not supported"))
def _(d):
    return manifest_corpus(d, lambda m: m.update(schema="wakecert-corpus/2")), {}


@case("manifest-syntax", "manifest", "a JSON syntax error", words=("manifest.json:", "JSON syntax error"))
def _(d):
    return manifest_corpus(d, lambda m: json.dumps(m)[:-20]), {}


@case("manifest-duplicate-file", "manifest", "the same path listed twice", words=("manifest.json", "duplicates"))
def _(d):
    return manifest_corpus(d, lambda m: m["files"].append(dict(m["files"][0]))), {}


@case("manifest-unknown-kind", "manifest", "kind \"podcast\"", words=("manifest.json", "unknown kind"))
def _(d):
    return manifest_corpus(d, lambda m: m["files"][0].update(kind="podcast")), {}


@case("manifest-event-past-end", "manifest", "an event ending after the file", words=("manifest.json", "events[0]"))
def _(d):
    return manifest_corpus(d, lambda m: m["files"][0]["events"][0].update(end=40000)), {}


@case("manifest-sample-rate", "manifest", "sample_rate 44100", words=("manifest.json", "sample_rate"))
def _(d):
    return manifest_corpus(d, lambda m: m.update(sample_rate=44100)), {}


@case("manifest-missing-audio", "manifest", "a listed file that is not there", words=("b.wav",))
def _(d):
    return manifest_corpus(d, lambda m: m["files"][0].update(path="b.wav")), {}


@case("manifest-non-utf8-path", "manifest", "a path with an invalid UTF-8 sequence", words=("manifest.json", "UTF-8"))
def _(d):
    args = manifest_corpus(d, lambda m: None)
    path = os.path.join(d, "corpus", "manifest.json")
    write(path, open(path, "rb").read().replace(b'"a.wav"', b'"a\xc3.wav"'))
    return args, {}


# ---- profiles, engine configuration, traces, results, bundles -------------------------------------

@case("profile-schema", "profile", "a profile of schema wakecert-profile/9", words=("profile.json", "schema"))
def _(d):
    return profile_with(d, lambda p: p.update(schema="wakecert-profile/9")), {}


@case("profile-unknown-id", "profile", "a requirement id wakecert cannot score", words=("profile.json", "made.up"))
def _(d):
    return profile_with(d, lambda p: p["requirements"].append({"id": "made.up", "mustpass": True})), {}


@case("profile-duplicate-id", "profile", "a requirement listed twice", words=("profile.json", "listed twice"))
def _(d):
    return profile_with(d, lambda p: p["requirements"].append(dict(p["requirements"][0]))), {}


@case("profile-syntax", "profile", "a profile cut mid-document", words=("profile.json:", "JSON syntax error"))
def _(d):
    return profile_with(d, lambda p: json.dumps(p)[:40]), {}


@case("engine-config-syntax", "engine", "--engine-config that is not JSON", words=("config",))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"]) + ["--engine-config", "{sensitivity: high"], {}


@case("engine-not-a-plugin", "engine", "--engine naming a text file", words=("engine.so",))
def _(d):
    write(os.path.join(d, "engine.so"), "not an ELF file\n")
    return labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"]) + ["--engine", os.path.join(d, "engine.so")], {}


def smoke_trace(d):
    """A real trace: certify the two-file labels corpus once, return the trace path."""
    folder = os.path.join(d, "source")
    args = labels_corpus(folder, ["a.wav,wake,0.1,0.6,alexa,clean"])
    subprocess.run([WAKECERT] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return os.path.join(folder, "out", "trace.jsonl")


@case("trace-truncated", "trace", "wakecert score on a trace cut mid-line", words=("trace.jsonl:",))
def _(d):
    text = open(smoke_trace(d)).read()
    write(os.path.join(d, "cut", "trace.jsonl"), text[:len(text) // 2])
    return ["score", "--trace", os.path.join(d, "cut", "trace.jsonl"), "--out", os.path.join(d, "out")], {}


@case("trace-unknown-event", "trace", "a trace line with an unknown event", words=("trace.jsonl:3", "unknown", "teleport"))
def _(d):
    lines = open(smoke_trace(d)).read().splitlines(True)
    lines.insert(2, '{"event":"teleport","file":"a.wav","pass":"main","sample":5}\n')
    write(os.path.join(d, "edited", "trace.jsonl"), "".join(lines))
    return ["score", "--trace", os.path.join(d, "edited", "trace.jsonl"), "--out", os.path.join(d, "out")], {}


@case("trace-huge-numbers", "trace", "sample indices of 1e300 in a trace", expect=(0, 1, 2))
def _(d):
    text = open(smoke_trace(d)).read().replace('"sample":', '"sample":1e300,"x":')
    write(os.path.join(d, "edited", "trace.jsonl"), text)
    return ["score", "--trace", os.path.join(d, "edited", "trace.jsonl"), "--out", os.path.join(d, "out")], {}


@case("results-not-results", "results", "wakecert report on a JSON file that is not results",
      words=("results.json", "requirements"))
def _(d):
    write(os.path.join(d, "in", "results.json"), '{"hello": "world"}\n')
    return ["report", os.path.join(d, "in", "results.json"), "--out", os.path.join(d, "out")], {}


@case("bundle-garbage", "bundle", "verify-bundle on random bytes", words=("bundle.tar.gz",))
def _(d):
    write(os.path.join(d, "bundle.tar.gz"), os.urandom(3000))
    return ["verify-bundle", os.path.join(d, "bundle.tar.gz")], {}


@case("bundle-truncated", "bundle", "verify-bundle on a gzip cut in half", words=("bundle.tar.gz",))
def _(d):
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        for name in ("results.json", "trace.jsonl"):
            data = os.urandom(20000).hex().encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    blob = packed.getvalue()
    write(os.path.join(d, "bundle.tar.gz"), blob[:len(blob) // 2])
    return ["verify-bundle", os.path.join(d, "bundle.tar.gz")], {}


@case("bundle-result-without-id", "bundle", "a bundle whose results.json has a requirement without \"id\"",
      expect=(1,), words=("FAIL",))
def _(d):
    import hashlib
    profile = open(os.path.join(SOURCE, "conformance", "profiles", "smoke.json"), "rb").read()
    members = {"results.json": b'{"verdict":"PASS","requirements":[{"status":"PASS"}]}',
               "trace.jsonl": open(smoke_trace(d), "rb").read(), "junit.xml": b"<x/>", "summary.md": b"s",
               "profile.json": profile, "build-info.json": b"{}", "statement.md": b"s"}
    members["SHA256SUMS"] = "".join("%s  %s\n" % (hashlib.sha256(v).hexdigest(), k) for k, v in members.items()).encode()
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    write(os.path.join(d, "bundle.tar.gz"), packed.getvalue())
    return ["verify-bundle", os.path.join(d, "bundle.tar.gz")], {}


# ---- outputs and signals ---------------------------------------------------------------------------

@case("out-is-a-file", "outputs", "--out naming an existing regular file", words=("out",))
def _(d):
    args = labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"])
    write(os.path.join(d, "out"), "I am a file\n")
    return args, {}


@case("disk-full-trace", "outputs", "the disk fills while trace.jsonl is written (files capped at 512 bytes)",
      words=("trace.jsonl", "File too large"))
def _(d):
    return labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"]), {FILE_SIZE_LIMIT: 512}


def largest_output_but_report(d, args):
    """Run `args` once into a probe folder; the size of its largest output file other than report.html."""
    probe = os.path.join(d, "probe")
    subprocess.run([WAKECERT] + [a if a != os.path.join(d, "out") else probe for a in args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    size = max(os.path.getsize(os.path.join(probe, name)) for name in os.listdir(probe)
               if name != "report.html" and os.path.isfile(os.path.join(probe, name)))
    shutil.rmtree(probe)
    return size


@case("disk-full-report", "outputs", "the disk fills after trace and results, while report.html is written "
      "(the report is optional by design: results stand, warning)", expect=(0, 1), words=("report.html not written",))
def _(d):
    args = labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"])
    return args, {FILE_SIZE_LIMIT: largest_output_but_report(d, args) + 16}


@case("disk-full-tmpfs", "outputs", "--out on a full 8 KB tmpfs (a real ENOSPC; skipped where mount is not allowed)",
      words=("No space left",))
def _(d):
    args = labels_corpus(d, ["a.wav,wake,0.1,0.6,alexa,clean"])
    os.makedirs(os.path.join(d, "out"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", os.path.join(d, "out")],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        raise SkipCase("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    return args, {UNMOUNT_AFTER: os.path.join(d, "out")}


@case("sigint-mid-run", "signals", "SIGINT 2 s into a certification of the smoke corpus", expect=(130,),
      words=("interrupted",), signal_after=(signal.SIGINT, 2.0))
def _(d):
    return ["certify", "--corpus", "smoke", "--quiet", "--out", os.path.join(d, "out")], {}


@case("sigterm-mid-run", "signals", "SIGTERM 2 s into a certification of the smoke corpus", expect=(143,),
      words=("terminated",), signal_after=(signal.SIGTERM, 2.0))
def _(d):
    return ["certify", "--corpus", "smoke", "--quiet", "--out", os.path.join(d, "out")], {}


# ---- the checks ------------------------------------------------------------------------------------

def leftover_temporaries(folder):
    found = []
    for directory, _, names in os.walk(folder):
        found += [os.path.join(directory, n) for n in names if n.startswith(".") and ".tmp-" in n]
    return found


def invalid_outputs(folder):
    """Outputs that exist but are not complete documents."""
    bad = []
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            try:
                data = open(path, "rb").read()
                if name.endswith(".json"):
                    json.loads(data)
                elif name.endswith(".jsonl"):
                    for line in data.decode().splitlines():
                        json.loads(line)
                elif name.endswith(".xml"):
                    ElementTree.fromstring(data)
                elif not data:
                    raise ValueError("empty")
            except Exception as error:  # noqa: BLE001 - any failure to parse is the finding
                bad.append("%s (%s)" % (path, error))
    return bad


def run_case(item, folder):
    """Run one case; returns (observed summary, list of failures)."""
    try:
        args, environment = item.build(folder)
    except SkipCase as reason:
        return "skipped: %s" % reason, []
    environment = dict(environment)
    size_limit = environment.pop(FILE_SIZE_LIMIT, None)
    unmount = environment.pop(UNMOUNT_AFTER, None)
    env = dict(os.environ)
    env.update(environment)

    def limit_file_size():
        # Writes past the limit fail with EFBIG instead of raising SIGXFSZ: a disk that fills up.
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size_limit, size_limit))

    started = time.monotonic()
    process = subprocess.Popen([WAKECERT] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               cwd=folder, preexec_fn=limit_file_size if size_limit else None)
    if item.signal_after:
        number, delay = item.signal_after
        time.sleep(delay)
        process.send_signal(number)
    try:
        stdout, stderr = process.communicate(timeout=item.timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "timeout", ["no exit within %d s" % item.timeout]
    seconds = time.monotonic() - started
    try:
        return check_case(item, folder, process, stdout, stderr, seconds)
    finally:
        if unmount:
            subprocess.run(["umount", unmount], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_case(item, folder, process, stdout, stderr, seconds):
    """The contract checks of one finished case; returns (observed summary, failures)."""
    text = (stdout + stderr).decode("utf-8", "replace").replace(folder + "/", "")
    failures = []
    code = process.returncode
    if code not in item.expect:
        failures.append("exit %s, expected %s" % (code, "/".join(map(str, item.expect))))
    for word in item.words:
        if word not in text:
            failures.append("output lacks %r" % word)
    if 2 in item.expect and code == 2 and not [line for line in text.splitlines() if line.startswith("wakecert")]:
        failures.append("no 'wakecert...' message line")
    time.sleep(0.3 if item.signal_after else 0)  # let orphaned children (if any) show themselves
    failures += ["temporary file left: %s" % p for p in leftover_temporaries(folder)]
    failures += ["incomplete output: %s" % p for p in invalid_outputs(os.path.join(folder, "out"))
                 if not p.startswith(os.path.join(folder, "out", ".workers"))]
    running = subprocess.run(["pgrep", "-f", folder], capture_output=True, text=True).stdout.split()
    if running:
        failures.append("wakecert processes still running: %s" % " ".join(running))
        for pid in running:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
    lines = [line for line in text.splitlines() if line.strip()]
    message = next((line for line in lines if line.startswith("wakecert") and "warning" not in line),
                   lines[-1] if lines else "")
    if code in (0, 1) and os.path.exists(os.path.join(folder, "out", "trace.jsonl")):
        note = [json.loads(line).get("kind", "") for line in open(os.path.join(folder, "out", "trace.jsonl"))
                if '"file_begin"' in line]
        warning = next((line for line in lines if "warning" in line), "")
        message = "ran %d file(s) to the end, outputs valid%s" % (len(note), "; " + warning if warning else "")
    return "exit %s in %.1f s: %s" % (code, seconds, message[:160]), failures


def markdown_cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def main():
    global WAKECERT, SOURCE
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    WAKECERT, work, table_path = [os.path.abspath(a) for a in sys.argv[1:4]]
    only = set(sys.argv[4:])
    SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rows, failed = [], 0
    for item in CASES:
        if only and item.case_id not in only:
            continue
        folder = os.path.join(work, item.case_id)
        os.makedirs(folder)
        observed, failures = run_case(item, folder)
        status = "ok" if not failures else "FAIL: " + "; ".join(failures)
        print("%-30s %s  [%s]" % (item.case_id, status, observed), flush=True)
        failed += bool(failures)
        expected = "exit " + "/".join(map(str, item.expect))
        rows.append("| %s | %s | %s | %s |" % (item.group, markdown_cell(item.what), expected,
                                                markdown_cell(observed.split(": ", 1)[-1] if not failures else status)))
    table = ("| area | input | expected | observed (stderr, abbreviated) |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
    if not only:
        with open(table_path + ".tmp", "w", encoding="utf-8") as out:
            out.write(table)
        os.replace(table_path + ".tmp", table_path)
    print("bad inputs: %d case(s), %d failed" % (len(rows), failed))
    return 1 if failed else 0


WAKECERT = SOURCE = None
if __name__ == "__main__":
    sys.exit(main())
