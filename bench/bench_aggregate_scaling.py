#!/usr/bin/env python3
"""Aggregate throughput with 1, 2, 3... `txpulse --role aggregate` instances (issue 11). Not run by CTest.

Fills a topic once (one ingest instance, txpulse-replay --synthetic N --rate max), then for each instance
count starts that many aggregators on a fresh consumer group and a fresh Redis prefix and times them until
the sum of their `store.applied` reaches N. Reports the wall time from launch (group join included), the
rate between 10% and 90% of N (steady state), and the CPU seconds spent by the aggregators and by Redis.

    eval "$(scripts/services.sh start --cluster)"
    bench/bench_aggregate_scaling.py --txpulse build/app/txpulse --replay build/app/txpulse-replay \
        --transactions 300000 --instances 1,2,3 --repeat 3

Python 3 standard library; needs redis-cli. Reads TXPULSE_TEST_KAFKA and TXPULSE_TEST_REDIS.
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/stats", timeout=5) as r:
            return json.loads(r.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, json.JSONDecodeError):
        return None


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def redis_cli(url, *args):
    return subprocess.run(["redis-cli", "-u", url, *args], capture_output=True, text=True, check=True).stdout


def redis_cpu(url):
    info = redis_cli(url, "INFO", "cpu")
    values = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return float(values["used_cpu_user"]) + float(values["used_cpu_sys"])


def redis_drop(url, prefix):
    keys = redis_cli(url, "--scan", "--pattern", prefix + "*").split()
    for i in range(0, len(keys), 500):
        redis_cli(url, "UNLINK", *keys[i:i + 500])


def start(argv, log_path, env):
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--txpulse", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--transactions", type=int, default=300000)
    ap.add_argument("--instances", default="1,2,3")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--replication", type=int, default=-1)
    ap.add_argument("--work-dir", default=None)
    args = ap.parse_args()
    kafka, redis = os.environ.get("TXPULSE_TEST_KAFKA"), os.environ.get("TXPULSE_TEST_REDIS")
    if not kafka or not redis:
        sys.exit("TXPULSE_TEST_KAFKA / TXPULSE_TEST_REDIS are not set: eval \"$(scripts/services.sh start)\"")
    work = args.work_dir or tempfile.mkdtemp(prefix="txpulse-scaling-")
    os.makedirs(work, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TXPULSE_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    n = args.transactions
    tag = f"{os.getpid()}-{random.randrange(1 << 30):x}"
    topic = f"txpulse-scaling-{tag}"

    def config(name, group, prefix):
        path = os.path.join(work, f"{name}.conf")
        with open(path, "w") as f:
            f.write(f"[kafka]\nbrokers={kafka}\ntopic={topic}\ngroup={group}\npartitions={args.partitions}\n"
                    f"replication_factor={args.replication}\n[redis]\nurl={redis}\nprefix={prefix}\n")
        return path

    # 1. Fill the topic once.
    replay = subprocess.Popen([args.replay, "--synthetic", str(n), "--rate", "max", "--seed", "7"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    feed = replay.stdout.readline().decode().split()[-1]
    port = free_port()
    t0 = time.monotonic()
    ingest = start([args.txpulse, "--headless", "--role", "ingest", "--config", config("ingest", "unused", "unused:"),
                    "--feed", feed, "--http", f"127.0.0.1:{port}"], os.path.join(work, "ingest.log"), env)
    while True:
        s = stats(port)
        if s and s["kafka"]["produced"] >= n and s["kafka"]["produce_queue"] == 0:
            break
        if ingest.poll() is not None:
            sys.exit(f"ingest exited; see {work}/ingest.log")
        time.sleep(0.2)
    print(f"filled {topic} ({args.partitions} partitions) with {n} transactions in {time.monotonic() - t0:.1f} s",
          flush=True)
    stop(ingest)
    stop(replay)

    # 2. For each instance count, a fresh group and prefix.
    results = {}
    for count in [int(c) for c in args.instances.split(",")]:
        for run in range(args.repeat):
            group = f"txpulse-scaling-{tag}-{count}-{run}"
            prefix = group + ":"
            conf = config(f"agg-{count}-{run}", group, prefix)
            ports = [free_port() for _ in range(count)]
            redis_before = redis_cpu(redis)
            t0 = time.monotonic()
            procs = [start([args.txpulse, "--headless", "--role", "aggregate", "--config", conf,
                            "--http", f"127.0.0.1:{p}"], os.path.join(work, f"agg-{count}-{run}-{i}.log"), env)
                     for i, p in enumerate(ports)]
            t10 = t90 = None
            cpu = {}
            while True:
                applied = 0
                for p in ports:
                    s = stats(p)
                    applied += s["store"]["applied"] if s else 0
                now = time.monotonic()
                if t10 is None and applied >= 0.1 * n:
                    t10 = now
                if t90 is None and applied >= 0.9 * n:
                    t90 = now
                if applied >= n:
                    break
                if any(pr.poll() is not None for pr in procs):
                    sys.exit(f"an aggregator exited; see {work}")
                if now - t0 > 900:
                    sys.exit(f"{count} aggregator(s) applied only {applied} of {n} in 900 s")
                for pr in procs:
                    cpu[pr.pid] = cpu_seconds(pr.pid)
                time.sleep(0.1)
            wall = time.monotonic() - t0
            for pr in procs:
                cpu[pr.pid] = cpu_seconds(pr.pid)
            agg_cpu = sum(cpu.values())
            r_cpu = redis_cpu(redis) - redis_before
            for pr in procs:
                stop(pr)
            redis_drop(redis, prefix)
            steady = 0.8 * n / (t90 - t10)
            results.setdefault(count, []).append((wall, n / wall, steady, agg_cpu, r_cpu))
            print(f"{count} aggregator(s), run {run + 1}: {wall:.1f} s wall ({n / wall:,.0f} tx/s), steady "
                  f"{steady:,.0f} tx/s, aggregator CPU {agg_cpu:.1f} s, Redis CPU {r_cpu:.1f} s", flush=True)

    print("\n| aggregators | wall s (median) | tx/s from launch | tx/s steady (10-90%) | aggregator CPU s | "
          "Redis CPU s |")
    print("|---|---|---|---|---|---|")
    for count, rows in results.items():
        med = [statistics.median(col) for col in zip(*rows)]
        print(f"| {count} | {med[0]:.1f} | {med[1]:,.0f} | {med[2]:,.0f} | {med[3]:.1f} | {med[4]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
