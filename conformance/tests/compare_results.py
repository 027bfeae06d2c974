#!/usr/bin/env python3
"""Compare two results.json files apart from timing fields: the timing object, the metrics measured with
clocks (engine_seconds, realtime_factor), and the perf.* requirements' measurements (CPU time and
memory). Exit 0 when equal, 1 with the first difference printed. Usage: compare_results.py A B"""
import json
import sys


def normalized(path):
    results = json.load(open(path))
    results.pop("timing", None)
    for key in ("engine_seconds", "realtime_factor"):
        results.get("metrics", {}).pop(key, None)
    for requirement in results.get("requirements", []):
        if requirement["id"].startswith("perf."):
            for key in ("measured", "summary", "status", "evidence", "details"):
                requirement.pop(key, None)
    return results


a, b = normalized(sys.argv[1]), normalized(sys.argv[2])
if a == b:
    print(f"same results (apart from timing): {sys.argv[1]} {sys.argv[2]}")
    sys.exit(0)
for key in sorted(set(a) | set(b)):
    if a.get(key) != b.get(key):
        if key == "requirements":
            for x, y in zip(a[key], b[key]):
                if x != y:
                    print("differs:", json.dumps(x)[:400], "\n   vs   ", json.dumps(y)[:400])
                    break
        else:
            print(f"differs in {key}: {json.dumps(a.get(key))[:300]} vs {json.dumps(b.get(key))[:300]}")
        break
sys.exit(1)
