#!/usr/bin/env python3
"""Scale-out test (issue 11), CTest label `cluster`.

Two ingest, three aggregate and one view txpulse instance share a three-broker Kafka cluster (topic with
6 partitions, replication factor 3, min.insync.replicas 2) and one Redis. txpulse-replay broadcasts N
synthetic transactions to both ingest instances, so every transaction reaches Kafka twice. Mid-run one
aggregator and the leader broker of partition 0 are SIGKILLed (the broker is restarted some seconds later).
At the end the aggregates served by the VIEW instance's API must equal, exactly, what this script computes
itself from the raw messages the two ingest instances recorded (--record): per-minute counts, the address
ranking (top 1000 with ties by address), the number of ranked addresses and their satoshi total.

Python 3 standard library only. Services: its own `scripts/services.sh start --cluster` in a private state
dir (stopped again at the end), or an existing cluster given by TXPULSE_TEST_KAFKA_CLUSTER (bootstrap list)
together with TXPULSE_TEST_REDIS and TXPULSE_SERVICES_DIR (the services.sh state dir of that cluster, needed
to kill and restart a broker). Only the processes it started are ever signalled, by their pid.
"""

import argparse
import collections
import datetime
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

T0 = time.monotonic()
PHASES = []


def log(message):
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Phase:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.start = time.monotonic()
        log(f"== {self.name}")
        return self

    def __exit__(self, *exc):
        PHASES.append((self.name, time.monotonic() - self.start))
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(port, path, timeout=5.0):
    """GET a JSON document; None when the server is not (yet) answering or answers an error status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
            return json.loads(reply.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, json.JSONDecodeError):
        return None


def wait_for(what, predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# ------------------------------------------------------------------------------------------------------
# processes


class Process:
    """A child we started (own session), its log file, and an HTTP port when it is a txpulse instance."""

    def __init__(self, name, argv, log_path, env, http_port=None, capture_stdout=False):
        self.name = name
        self.http_port = http_port
        self.log_path = log_path
        self.log_file = open(log_path, "ab")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE if capture_stdout else self.log_file,
                                      stderr=self.log_file, env=env, start_new_session=True)
        self.killed = False

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def stop(self, timeout=30.0):
        """SIGTERM and wait; SIGKILL after `timeout`. Returns the exit code (negative: killed by a signal)."""
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} still running {timeout:.0f} s after SIGTERM; SIGKILL")
                self.signal(signal.SIGKILL)
                self.popen.wait(10)
        self.log_file.close()
        return self.popen.returncode

    def tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"  | {line}" for line in text[-lines:])


def child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TXPULSE_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("QT_LOGGING_RULES", "txpulse.*.debug=false")
    env["QT_MESSAGE_PATTERN"] = "[%{time yyyy-MM-ddTHH:mm:ss.zzz}] %{category}: %{message}"
    return env


# ------------------------------------------------------------------------------------------------------
# services


class Services:
    def __init__(self, script, state_dir):
        self.script = script
        self.state_dir = state_dir
        self.ours = False
        self.kafka = None
        self.redis = None
        self.restart = None

    def run(self, *args, timeout=300):
        env = dict(os.environ, TXPULSE_SERVICES_DIR=self.state_dir)
        return subprocess.run([self.script, *args], env=env, capture_output=True, text=True, timeout=timeout)

    def start(self):
        given = os.environ.get("TXPULSE_TEST_KAFKA_CLUSTER")
        if given:
            self.kafka = given
            self.redis = os.environ.get("TXPULSE_TEST_REDIS")
            self.state_dir = os.environ.get("TXPULSE_SERVICES_DIR", "")
            check(self.redis, "TXPULSE_TEST_KAFKA_CLUSTER is set but TXPULSE_TEST_REDIS is not "
                              "(eval \"$(scripts/services.sh start --cluster)\" exports both)")
            check(self.state_dir and os.path.isfile(os.path.join(self.state_dir, "kafka", "nodes")),
                  "TXPULSE_TEST_KAFKA_CLUSTER needs TXPULSE_SERVICES_DIR: the state dir of the "
                  "`scripts/services.sh start --cluster` that runs it (the test kills and restarts a broker)")
            log(f"using the given cluster {self.kafka}, Redis {self.redis}, state {self.state_dir}")
        else:
            os.makedirs(self.state_dir, exist_ok=True)
            self.ours = True
            r = self.run("start", "--cluster", timeout=900)
            sys.stdout.write(r.stderr)
            check(r.returncode == 0, f"scripts/services.sh start --cluster failed (exit {r.returncode})")
            for line in r.stdout.splitlines():
                if line.startswith("export TXPULSE_TEST_KAFKA="):
                    self.kafka = line.split("=", 1)[1]
                elif line.startswith("export TXPULSE_TEST_REDIS="):
                    self.redis = line.split("=", 1)[1]
        check(self.kafka and len(self.kafka.split(",")) == 3,
              f"expected a three-broker bootstrap list, got {self.kafka!r}")
        check(self.redis, "no Redis URL from scripts/services.sh")

    def node_of_port(self, port):
        nodes_file = os.path.join(self.state_dir, "kafka", "nodes")
        with open(nodes_file) as f:
            count = int(f.read().strip())
        for node in range(1, count + 1):
            with open(os.path.join(self.state_dir, "kafka", f"node{node}", "ports")) as f:
                if int(f.read().split()[0]) == port:
                    return node
        raise Failure(f"no services.sh Kafka node listens on port {port}")

    def kill_broker(self, node):
        r = self.run("kill-kafka", str(node), timeout=60)
        check(r.returncode == 0, f"services.sh kill-kafka {node} failed: {r.stderr.strip()}")

    def restart_broker_async(self, node):
        env = dict(os.environ, TXPULSE_SERVICES_DIR=self.state_dir)
        self.restart = subprocess.Popen([self.script, "restart-kafka", str(node)], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait_restart(self, timeout=180):
        if not self.restart:
            return
        out, _ = self.restart.communicate(timeout=timeout)
        sys.stdout.write(out)
        check(self.restart.returncode == 0, f"services.sh restart-kafka failed (exit {self.restart.returncode})")

    def stop(self):
        if self.restart and self.restart.poll() is None:
            self.restart.wait(180)
        if self.ours:
            r = self.run("stop", timeout=120)
            sys.stdout.write(r.stderr)


def kafka_metadata(brokers, topic):
    r = subprocess.run(["kcat", "-b", brokers, "-L", "-J", "-t", topic, "-m", "10"],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return None
    try:
        md = json.loads(r.stdout)
    except json.JSONDecodeError:
        return None
    for t in md.get("topics", []):
        if t.get("topic") == topic and not t.get("error"):
            return t
    return None


def kafka_end_offsets(brokers, topic, partitions):
    args = ["kcat", "-b", brokers, "-Q", "-m", "10"]
    for p in range(partitions):
        args += ["-t", f"{topic}:{p}:-1"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"kcat -Q failed: {r.stderr.strip()}")
    offsets = {}
    for line in r.stdout.splitlines():
        # "<topic> [<partition>] offset <n>"
        parts = line.split()
        if len(parts) == 4 and parts[2] == "offset":
            offsets[int(parts[1].strip("[]"))] = int(parts[3])
    check(len(offsets) == partitions, f"kcat -Q answered {kcat_excerpt(r.stdout)}")
    return offsets


def kcat_excerpt(text):
    return text.strip().replace("\n", " | ")[:300]


# ------------------------------------------------------------------------------------------------------
# the independent computation


def expected_from_records(paths):
    """Aggregates over the distinct transactions in the recorded raw feed messages."""
    seen = {}
    per_file = []
    for path in paths:
        hashes = set()
        with open(path, "rb") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                msg = json.loads(line)
                if msg.get("op") != "utx":
                    continue
                x = msg["x"]
                hashes.add(x["hash"])
                seen.setdefault(x["hash"], x)
        per_file.append(hashes)
    minutes = collections.Counter()
    sums = collections.defaultdict(int)
    for x in seen.values():
        minutes[x["time"] // 60] += 1
        for out in x.get("out", []):
            addr, value = out.get("addr"), out.get("value")
            if addr and isinstance(value, int) and value > 0:
                sums[addr] += value
    ranking = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
    return {
        "hashes": set(seen),
        "per_file": per_file,
        "minutes": minutes,
        "ranking": ranking,
        "ranked_addresses": len(sums),
        "ranked_satoshis": sum(sums.values()),
    }


def minute_of_iso(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) // 60


def view_state(port, top):
    """Everything compared, read from the view's API; None if some part is not available yet."""
    minutes = http_json(port, "/api/v1/minutes?minutes=180")
    ranking = http_json(port, f"/high_value_addr?limit={top}")
    ranking_v1 = http_json(port, f"/api/v1/addresses/top?limit={top}")
    stats = http_json(port, "/api/v1/stats")
    latest = http_json(port, "/api/v1/transactions?limit=100")
    if None in (minutes, ranking, ranking_v1, stats, latest):
        return None
    return {
        "minutes": {minute_of_iso(i["minute"]): i["count"] for i in minutes["items"]},
        "ranking": [(a, v) for a, v in ranking],
        "ranking_v1": [(i["address"], i["satoshis"]) for i in ranking_v1["items"]],
        "ranked_addresses": stats["store"]["ranked_addresses"],
        "ranked_satoshis": stats["store"]["ranked_satoshis"],
        "latest": [i["hash"] for i in latest["items"]],
    }


def view_total(port):
    doc = http_json(port, "/api/v1/minutes?minutes=180")
    return None if doc is None else sum(i["count"] for i in doc["items"])


def compare(expected, got, top):
    problems = []
    exp_minutes = {m: c for m, c in expected["minutes"].items()}
    all_minutes = set(exp_minutes) | {m for m, c in got["minutes"].items() if c}
    for m in sorted(all_minutes):
        e, g = exp_minutes.get(m, 0), got["minutes"].get(m)
        if g is None:
            problems.append(f"minute {m}: expected {e}, not in the 180 minutes the view serves")
        elif e != g:
            problems.append(f"minute {m}: expected {e} transactions, view says {g}")
    want = expected["ranking"][:top]
    if got["ranking"] != want:
        first = next((i for i, (a, b) in enumerate(zip(want, got["ranking"])) if a != b),
                     min(len(want), len(got["ranking"])))
        problems.append(f"/high_value_addr?limit={top}: {len(got['ranking'])} entries, expected {len(want)}; "
                        f"first difference at rank {first}: expected "
                        f"{want[first] if first < len(want) else None}, got "
                        f"{got['ranking'][first] if first < len(got['ranking']) else None}")
    if got["ranking_v1"] != want:
        problems.append(f"/api/v1/addresses/top?limit={top} differs from the expected ranking "
                        f"({len(got['ranking_v1'])} entries)")
    if got["ranked_addresses"] != expected["ranked_addresses"]:
        problems.append(f"ranked_addresses: expected {expected['ranked_addresses']}, view says "
                        f"{got['ranked_addresses']}")
    if got["ranked_satoshis"] != expected["ranked_satoshis"]:
        problems.append(f"ranked_satoshis: expected {expected['ranked_satoshis']}, view says "
                        f"{got['ranked_satoshis']}")
    hashes = got["latest"]
    if len(hashes) != 100 or len(set(hashes)) != len(hashes) or not set(hashes) <= expected["hashes"]:
        problems.append(f"/api/v1/transactions?limit=100: {len(hashes)} entries, {len(set(hashes))} distinct, "
                        f"{len(set(hashes) - expected['hashes'])} not in the stream")
    return problems


# ------------------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--txpulse", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--services", required=True, help="scripts/services.sh")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--transactions", type=int, default=50000)
    ap.add_argument("--rate", default="800",
                    help="replay rate, messages/s or max (the default makes the stream longer than a minute, so "
                         "that at least two minute buckets are compared)")
    ap.add_argument("--seed", type=int, default=0, help="synthetic stream seed (0: random)")
    ap.add_argument("--timeout", type=float, default=600, help="budget for the run after services are up")
    ap.add_argument("--start-together", action="store_true",
                    help="start the ingest instances with the aggregators, not once they joined the group")
    ap.add_argument("--keep", action="store_true", help="leave the work dir (logs, records) in place")
    args = ap.parse_args()

    for tool in ("kcat",):
        check(shutil.which(tool), f"{tool} not found; run scripts/setup.sh")
    work = os.path.abspath(args.work_dir)
    if os.path.isdir(work):
        for entry in os.listdir(work):
            if entry != "services":
                path = os.path.join(work, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    os.makedirs(work, exist_ok=True)
    services = Services(args.services, os.path.join(work, "services"))
    procs = []
    seed = args.seed or random.randrange(1, 1 << 31)
    n = args.transactions
    top = 1000
    ok = False
    try:
        with Phase("services"):
            services.start()
        deadline = time.monotonic() + args.timeout
        budget = lambda: max(1.0, deadline - time.monotonic())  # noqa: E731

        suffix = f"{os.getpid()}-{random.randrange(1 << 30):x}"
        topic, group, prefix = f"txpulse-scale-{suffix}", f"txpulse-scale-{suffix}", f"txpulse-scale-{suffix}:"
        conf = os.path.join(work, "txpulse.conf")
        with open(conf, "w") as f:
            f.write(f"""[txpulse]
snapshot_interval_ms=250
top_n={top}
[kafka]
brokers={services.kafka}
topic={topic}
group={group}
partitions=6
replication_factor=3
# librdkafka consumer setting (the producer ignores it): a SIGKILLed aggregator's partitions move after
# 10 s instead of 45 s.
session.timeout.ms=10000
[redis]
url={services.redis}
prefix={prefix}
""")
        log(f"topic {topic}, group {group}, prefix {prefix}, seed {seed}, {n} transactions at rate {args.rate}")
        env = child_env()

        with Phase("start instances"):
            replay = Process("replay", [args.replay, "--synthetic", str(n), "--seed", str(seed), "--rate", args.rate],
                             os.path.join(work, "replay.log"), env, capture_stdout=True)
            procs.append(replay)
            first = replay.popen.stdout.readline().decode().strip()
            check(first.startswith("listening on "), f"txpulse-replay said {first!r}")
            feed = first.split(" ", 2)[2]
            replay_done = threading.Event()

            def watch_replay_log():
                while replay.alive() and not replay_done.is_set():
                    with open(replay.log_path, "rb") as f:
                        if b"done " in f.read():
                            replay_done.set()
                            return
                    time.sleep(0.2)
            threading.Thread(target=watch_replay_log, daemon=True).start()

            def txpulse(name, role, extra=()):
                port = free_port()
                argv = [args.txpulse, "--headless", "--config", conf, "--role", role, "--http", f"127.0.0.1:{port}",
                        "--feed", feed, *extra]
                p = Process(name, argv, os.path.join(work, f"{name}.log"), env, http_port=port)
                procs.append(p)
                return p

            aggregators = [txpulse(f"aggregate{i}", "aggregate") for i in range(1, 4)]
            view = txpulse("view", "view")

            def all_assigned():
                for a in aggregators:
                    check(a.alive(), f"{a.name} exited early (exit {a.popen.returncode}):\n{a.tail()}")
                    s = http_json(a.http_port, "/api/v1/stats")
                    if not s or s["kafka"]["consumer_lag"] is None:
                        return False
                return True
            records = [os.path.join(work, f"ingest{i}.ndjson") for i in (1, 2)]
            ingests = []
            if args.start_together:
                ingests = [txpulse(f"ingest{i}", "ingest", ["--record", records[i - 1]]) for i in (1, 2)]
            wait_for("the three aggregators to join the group", all_assigned, min(120, budget()))
            md = wait_for(f"topic {topic} in the metadata", lambda: kafka_metadata(services.kafka, topic), 30)
            parts = md["partitions"]
            check(len(parts) == 6, f"topic has {len(parts)} partitions, configured 6")
            for p in parts:
                check(len(p["replicas"]) == 3, f"partition {p['partition']} has {len(p['replicas'])} replicas, "
                                               "configured replication_factor=3")
            log("topic: 6 partitions, replication factor 3 (checked with kcat -L)")
            if not ingests:
                ingests = [txpulse(f"ingest{i}", "ingest", ["--record", records[i - 1]]) for i in (1, 2)]

        with Phase("stream, kills, convergence"):
            killed_agg = None
            broker_node = None
            broker_killed_at = None
            ingest_stopped = False
            expected = None
            last_report = 0.0
            while True:
                check(time.monotonic() < deadline, "run budget exhausted before the view converged")
                for p in procs:
                    if p is not killed_agg and not (ingest_stopped and p in ingests) and not p.alive():
                        raise Failure(f"{p.name} exited unexpectedly (exit {p.popen.returncode}):\n{p.tail()}")
                total = view_total(view.http_port) or 0
                fed = [http_json(i.http_port, "/api/v1/stats") if not ingest_stopped else None for i in ingests]
                fed_tx = max((s["feed"]["transactions"] for s in fed if s), default=0)

                if killed_agg is None and total >= 0.3 * n:
                    applied = []
                    for a in aggregators:
                        s = http_json(a.http_port, "/api/v1/stats")
                        applied.append(s["store"]["applied"] if s else -1)
                    killed_agg = aggregators[max(range(3), key=lambda i: applied[i])]
                    killed_agg.signal(signal.SIGKILL)
                    killed_agg.popen.wait(10)
                    log(f"SIGKILLed {killed_agg.name} (pid {killed_agg.pid}, had applied "
                        f"{applied[aggregators.index(killed_agg)]}); view total {total}")
                if broker_node is None and fed_tx >= 0.5 * n:
                    md = kafka_metadata(services.kafka, topic)
                    check(md, "cannot read the topic metadata")
                    leader = next(p["leader"] for p in md["partitions"] if p["partition"] == 0)
                    brokers = {b["id"]: b["name"] for b in kafka_metadata_brokers(services.kafka)}
                    broker_node = services.node_of_port(int(brokers[leader].rsplit(":", 1)[1]))
                    services.kill_broker(broker_node)
                    broker_killed_at = time.monotonic()
                    log(f"SIGKILLed Kafka node {broker_node} (broker id {leader}, leader of partition 0); "
                        f"ingested {fed_tx}, view total {total}")
                if broker_killed_at and not services.restart and time.monotonic() - broker_killed_at >= 15:
                    services.restart_broker_async(broker_node)
                    log(f"restarting Kafka node {broker_node}")

                if not ingest_stopped and replay_done.is_set() and all(
                        s and s["kafka"]["produce_queue"] == 0
                        and s["kafka"]["produced"] == s["feed"]["transactions"] for s in fed):
                    log("stream done: " + ", ".join(
                        f"{i.name} received {s['feed']['transactions']} produced {s['kafka']['produced']} "
                        f"errors {s['kafka']['produce_errors']} dropped {s['kafka']['dropped']}"
                        for i, s in zip(ingests, fed)))
                    for s in fed:
                        check(s["kafka"]["dropped"] == 0, "an ingest instance dropped messages")
                    for i in ingests:
                        rc = i.stop()
                        check(rc == 0, f"{i.name} exited with {rc} on SIGTERM:\n{i.tail()}")
                    ingest_stopped = True
                    expected = expected_from_records(records)
                    both = expected["per_file"][0] & expected["per_file"][1]
                    log(f"recorded {len(expected['per_file'][0])} + {len(expected['per_file'][1])} transactions, "
                        f"{len(expected['hashes'])} distinct, {len(both)} received by both ingest instances")
                    check(len(expected["hashes"]) == n,
                          f"the two records hold {len(expected['hashes'])} distinct transactions, the stream had {n}")
                    check(len(both) >= 0.9 * n, "fewer than 90% of the transactions reached both ingest "
                                                "instances: the duplicate path was not exercised")
                if expected is not None and total == len(expected["hashes"]) and (
                        broker_node is None or services.restart):
                    break
                if time.monotonic() - last_report >= 5:
                    last_report = time.monotonic()
                    log(f"progress: ingested {fed_tx}, view total {total}")
                time.sleep(0.25)
            check(killed_agg is not None, "the aggregator was never killed")
            if args.rate != "max" and n / float(args.rate) > 60:
                check(len(expected["minutes"]) >= 2, "a stream longer than a minute fell into one minute bucket")
            check(broker_node is not None, "the broker was never killed")
            services.wait_restart(timeout=budget())

        with Phase("compare"):
            def stable():
                a = view_state(view.http_port, top)
                time.sleep(0.6)  # longer than two snapshot intervals
                b = view_state(view.http_port, top)
                return a if a is not None and a == b else None
            got = wait_for("two identical reads of the view", stable, min(60, budget()))
            problems = compare(expected, got, top)
            for p in problems[:30]:
                log(f"MISMATCH {p}")
            check(not problems, f"{len(problems)} difference(s) between the view and the stream")
            log(f"view matches: {len(expected['minutes'])} minutes, {n} transactions, "
                f"{expected['ranked_addresses']} ranked addresses, {expected['ranked_satoshis']} satoshis, "
                f"top {top} identical")

            survivors = [a for a in aggregators if a is not killed_agg]
            dups = 0
            for a in survivors:
                s = wait_for(f"{a.name} lag 0", lambda a=a: (lambda s: s if s and s["kafka"]["consumer_lag"] == 0
                                                               else None)(http_json(a.http_port, "/api/v1/stats")),
                             min(30, budget()))
                dups += s["store"]["duplicates"]
                log(f"{a.name}: consumed {s['kafka']['consumed']} applied {s['store']['applied']} "
                    f"duplicates {s['store']['duplicates']} lag 0")
            check(dups > 0, "no aggregator counted a duplicate: the dedupe path was not exercised")
            ends = kafka_end_offsets(services.kafka, topic, 6)
            in_kafka = sum(ends.values())
            sent = len(expected["per_file"][0]) + len(expected["per_file"][1])
            log(f"Kafka holds {in_kafka} messages ({sent} recorded by the two ingest instances)")
            check(in_kafka >= sent, f"Kafka holds {in_kafka} messages, fewer than the {sent} ingested")

        with Phase("shutdown"):
            for p in procs:
                if p is killed_agg or p in ingests:
                    continue
                rc = p.stop()
                check(p is replay or rc == 0, f"{p.name} exited with {rc} on SIGTERM:\n{p.tail()}")
        ok = True
    except Failure as e:
        log(f"FAILED: {e}")
        for p in procs:
            if p.name != "replay":
                print(f"---- last lines of {p.log_path} ----\n{p.tail(25)}", flush=True)
    finally:
        for p in procs:
            if p.alive():
                p.stop(10)
        with Phase("services stop"):
            services.stop()
        if ok and not args.keep:
            for entry in os.listdir(work):
                if entry.endswith(".ndjson"):
                    os.remove(os.path.join(work, entry))
        print("---- timings ----")
        for name, seconds in PHASES:
            print(f"{name:28s} {seconds:7.1f} s")
        print(f"{'total':28s} {time.monotonic() - T0:7.1f} s")
        print("PASSED" if ok else "FAILED", flush=True)
    return 0 if ok else 1


def kafka_metadata_brokers(brokers):
    r = subprocess.run(["kcat", "-b", brokers, "-L", "-J", "-m", "10"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"kcat -L failed: {r.stderr.strip()}")
    return json.loads(r.stdout)["brokers"]


if __name__ == "__main__":
    sys.exit(main())
