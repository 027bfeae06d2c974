#!/usr/bin/env python3
"""Certification bundles: a real bundle verifies, and each way of cheating is caught by
`wakecert verify-bundle` — a tampered results.json, a trimmed trace, a swapped corpus manifest, an
edited profile — even when the cheater recomputes SHA256SUMS; an edit without recomputing it is
caught by the sums. Standard library only. Usage: test_bundle.py WAKECERT_BINARY WORK_DIRECTORY"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

binary, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
bundle = os.path.join(work, "bundle.tar.gz")
run = subprocess.run([binary, "certify", "--quiet", "--engine-check-seconds", "0", "--out", os.path.join(work, "out"),
                      "--bundle", bundle], capture_output=True, text=True)
assert run.returncode in (0, 1), run.stderr
assert os.path.exists(bundle), "no bundle written"


def members(path):
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


def write(path, contents, recompute_sums=True):
    if recompute_sums:
        sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                       for name, data in contents.items() if name != "SHA256SUMS")
        contents = dict(contents, SHA256SUMS=sums.encode())
    with tarfile.open(path, "w:gz") as archive:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def verify(path):
    result = subprocess.run([binary, "verify-bundle", path], capture_output=True, text=True)
    return result.returncode, result.stdout


failures = []


def expect(name, path, code, text=None):
    got, output = verify(path)
    if got != code or (text and text not in output):
        failures.append(f"{name}: exit {got} (expected {code}){' without ' + repr(text) if text else ''}\n{output}")
    else:
        print(f"ok  {name}")


original = members(bundle)
expect("the real bundle verifies", bundle, 0)

results = json.loads(original["results.json"])
results["requirements"][0]["measured"] = 12345
results["requirements"][0]["status"] = "PASS"
tampered = dict(original, **{"results.json": json.dumps(results, indent=2).encode()})
write(os.path.join(work, "tampered.tar.gz"), tampered)
expect("a tampered results.json is caught", os.path.join(work, "tampered.tar.gz"), 1, "re-scored")

lines = original["trace.jsonl"].decode().splitlines(keepends=True)
dropped = json.loads([l for l in lines if '"file_begin"' in l][-1])["file"]
trimmed = "".join(l for l in lines if f'"file":"{dropped}"' not in l and f'"file": "{dropped}"' not in l)
write(os.path.join(work, "trimmed.tar.gz"), dict(original, **{"trace.jsonl": trimmed.encode()}))
expect("a trimmed trace is caught", os.path.join(work, "trimmed.tar.gz"), 1, "every corpus file")

manifest = json.loads(original["corpus-manifest.json"])
manifest["files"] = manifest["files"][:-1]
write(os.path.join(work, "swapped.tar.gz"), dict(original, **{"corpus-manifest.json": json.dumps(manifest).encode()}))
expect("a swapped corpus manifest is caught", os.path.join(work, "swapped.tar.gz"), 1, "hash the run used")

profile = original["profile.json"].replace(b'"max_per_hour": 0.125', b'"max_per_hour": 1000')
write(os.path.join(work, "profile.tar.gz"), dict(original, **{"profile.json": profile}))
expect("an edited profile is caught", os.path.join(work, "profile.tar.gz"), 1, "shipped one")

write(os.path.join(work, "unsummed.tar.gz"), tampered, recompute_sums=False)
expect("an edit without new sums is caught", os.path.join(work, "unsummed.tar.gz"), 1, "SHA256SUMS")

for failure in failures:
    print("FAIL " + failure)
print(f"{6 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
