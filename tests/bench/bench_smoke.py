#!/usr/bin/env python3
"""Smoke run of scripts/bench.sh (--quick: tiny sizes, figures not comparable) against an existing build.

Keeps the harness working: every part must run and report a number. Nothing here checks a timing; the
end-to-end and rebuild parts must account for every transaction in Redis (bench.sh reports a run whose
per-minute counts do not add up as failed).

    bench_smoke.py REPO BUILD_DIR OUT_JSON
"""
import json
import subprocess
import sys

REQUIRED = [
    "parse.synthetic.msgs_per_s", "parse.fixtures.msgs_per_s",
    "e2e.tx_per_s", "e2e.peak_rss_mb", "e2e.cpu_s_per_1000_tx", "e2e.redis_count_sum",
    "e2e_live.tx_per_s", "raw.produce_msgs_per_s", "e2e.ratio_to_raw_produce",
    "ingest.tx_per_s", "rebuild.seconds", "rebuild.tx_per_s",
    "standalone.tx_per_s", "standalone.peak_rss_mb",
    "feed.coalesced.msgs_per_s", "kafka.producer_msgs_per_s", "kafka.consumer_msgs_per_s",
    "store.memory_apply_tx_per_s", "store.redis_apply_tx_per_s",
]


def main():
    repo, build, out = sys.argv[1:4]
    run = subprocess.run([f"{repo}/scripts/bench.sh", "--quick", "--no-build", "--build-dir", build, "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    print(run.stdout)
    problems = []
    if run.returncode != 0:
        problems.append(f"scripts/bench.sh exited {run.returncode}")
    try:
        with open(out) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        problems.append(f"no JSON report at {out}: {e}")
        doc = {"figures": [], "settings": {}}
    figures = {r["name"]: r["value"] for r in doc["figures"]}
    for name in REQUIRED:
        value = figures.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            problems.append(f"{name}: {value!r} (expected a positive number)")
    for name, value in figures.items():
        if value == "failed":
            problems.append(f"{name}: failed")
    if figures.get("e2e.redis_count_sum") != doc["settings"].get("e2e_tx"):
        problems.append(f"e2e.redis_count_sum {figures.get('e2e.redis_count_sum')} != e2e_tx "
                        f"{doc['settings'].get('e2e_tx')}")
    for key in ("commit", "date", "machine", "settings"):
        if key not in doc:
            problems.append(f"the report has no {key!r}")
    for p in problems:
        print("FAIL:", p)
    print("PASS" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
