"""Shared plumbing of the fault tests (tests/fault): processes, services, the REST API and the oracle.

Stdlib only. Every scenario replays a known synthetic stream with txpulse-replay, runs a real
`txpulse --headless` pipeline on a unique topic, group and Redis prefix, injects its fault, waits until the
pipeline is idle, and then compares every aggregate with an independent computation (`Oracle`) from the
messages in the Kafka topic (read with kcat; Kafka is the log the aggregates are a view of), after checking
that the topic holds every transaction the feed server sent.

Services: the tests kill and restart brokers, so they use their own services.sh instance (state dir
TXPULSE_FAULT_SERVICES_DIR), started by the `fault_services_start` CTest fixture and stopped by
`fault_services_stop`; the fault tests hold a RESOURCE_LOCK on it, so they run one at a time.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

N_TRANSACTIONS = 20000
TOP_LIMIT = 1000  # the API's maximum ?limit= for /api/v1/addresses/top


class TestFailure(Exception):
    pass


def log(*args):
    print("[%7.2f]" % (time.monotonic() - _T0), *args, flush=True)


_T0 = time.monotonic()
_SERVICES = []
_PROCESSES = []
_WORKDIRS = []  # removed when the test passes (records and logs are tens of MB), kept when it fails


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def wait_for(predicate, timeout, what, interval=0.2):
    """Polls predicate() until it returns a truthy value; that value is returned. Fails after timeout s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ValueError, urllib.error.URLError) as e:  # not up yet
            last_error = e
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.0f s waiting for %s%s" % (
                timeout, what, " (last error: %s)" % last_error if last_error else ""))
        time.sleep(interval)


# ------------------------------------------------------------------------------------------------------------
# services


class Services:
    """The fault tests' own Redis + Kafka (scripts/services.sh with TXPULSE_SERVICES_DIR = state_dir)."""

    def __init__(self):
        self.script = os.environ.get("TXPULSE_SERVICES_SCRIPT") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "services.sh")
        self.state_dir = os.environ.get("TXPULSE_FAULT_SERVICES_DIR")
        check(self.state_dir, "TXPULSE_FAULT_SERVICES_DIR is not set (the CTest fixture sets it; by hand: "
                              "TXPULSE_FAULT_SERVICES_DIR=DIR scripts/services.sh start, then export it)")
        env = self._env()
        out = subprocess.run([self.script, "start"], env=env, capture_output=True, text=True, timeout=300)
        check(out.returncode == 0, "scripts/services.sh start failed:\n" + out.stderr[-3000:])
        values = dict(re.findall(r"export (\w+)=(\S+)", out.stdout))
        self.kafka = values["TXPULSE_TEST_KAFKA"]
        self.redis = values["TXPULSE_TEST_REDIS"]
        self.redis_port = int(self.redis.rsplit(":", 1)[1])
        self.killed = set()
        _SERVICES.append(self)

    def restore(self):
        """Restarts whatever a failed scenario left killed, so the next test finds the services up."""
        for what in sorted(self.killed):
            try:
                self.run("restart-" + what)
            except (TestFailure, subprocess.TimeoutExpired) as e:
                log("could not restart %s: %s" % (what, e))

    def _env(self):
        env = dict(os.environ)
        env["TXPULSE_SERVICES_DIR"] = self.state_dir
        env.setdefault("TXPULSE_KAFKA_HEAP", "-Xms256m -Xmx512m")
        return env

    def run(self, *args, timeout=180):
        if args[0].startswith("kill-"):
            self.killed.add(args[0][len("kill-"):])
        elif args[0].startswith("restart-"):
            self.killed.discard(args[0][len("restart-"):])
        t0 = time.monotonic()
        out = subprocess.run([self.script, *args], env=self._env(), capture_output=True, text=True, timeout=timeout)
        check(out.returncode == 0, "services.sh %s failed:\n%s" % (" ".join(args), out.stderr[-3000:]))
        log("services.sh %s (%.1f s)" % (" ".join(args), time.monotonic() - t0))

    def redis_cli(self, *args, timeout=30):
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), *args],
                             capture_output=True, text=True, timeout=timeout)
        check(out.returncode == 0, "redis-cli %s failed: %s" % (" ".join(args), out.stderr))
        return out.stdout

    def read_topic(self, topic):
        """Every message value of the topic, all partitions, from the beginning to the current end."""
        out = subprocess.run(["kcat", "-C", "-b", self.kafka, "-t", topic, "-o", "beginning", "-e", "-q",
                              "-f", "%s\\n"], capture_output=True, timeout=120)
        check(out.returncode == 0, "kcat failed: %s" % out.stderr.decode(errors="replace"))
        return [line for line in out.stdout.split(b"\n") if line.strip()]


# ------------------------------------------------------------------------------------------------------------
# processes


class Process:
    """A child process with its output in a log file; rss_peak_kb() from a background sampler."""

    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(workdir, name + ".log")
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE if name.startswith("replay") else self.log_file,
                                     stderr=self.log_file, env=env, start_new_session=True)
        self.pid = self.proc.pid
        _PROCESSES.append(self)
        self.rss_peak = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self):
        while self._sampling and self.proc.poll() is None:
            rss = self.rss_kb()
            if rss:
                self.rss_peak = max(self.rss_peak, rss)
            time.sleep(0.1)

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def alive(self):
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            os.kill(self.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._sampling = False

    def stop(self):
        """SIGTERM (orderly shutdown), SIGKILL if it takes longer than 20 s."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log("%s did not stop within 20 s of SIGTERM; SIGKILL" % self.name)
                self.kill()
        self._sampling = False

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""


class Replay(Process):
    """txpulse-replay --synthetic N --seed S; url is parsed from its first line."""

    def __init__(self, binary, workdir, n=N_TRANSACTIONS, seed=1, rate="2000", extra=(), name="replay"):
        argv = [binary, "--synthetic", str(n), "--seed", str(seed), "--rate", str(rate), "--exit-when-done",
                *extra]
        super().__init__(name, argv, workdir)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"listening on (ws://\S+)", line)
        check(m, "txpulse-replay did not say where it listens: %r\n%s" % (line, self.log_tail()))
        self.url = m.group(1)
        self.n = n
        log("replay: %s (%d transactions, seed %d, rate %s) %s" % (self.url, n, seed, rate, " ".join(extra)))

    def done(self):
        return self.proc.poll() is not None


class App(Process):
    """txpulse --headless in pipeline mode with a config file; api is the REST base URL."""

    def __init__(self, binary, workdir, feed_url, services, name_suffix, config_lines=(), record=None,
                 name="txpulse", extra=()):
        self.topic = "fault_" + name_suffix
        self.group = "fault_" + name_suffix
        self.prefix = "fault:" + name_suffix + ":"
        config_path = os.path.join(workdir, name + ".conf")
        with open(config_path, "w") as f:
            f.write("[redis]\nprefix=%s\n" % self.prefix)
            f.write("\n".join(config_lines) + "\n")
        argv = [binary, "--headless", "--config", config_path, "--feed", feed_url, "--kafka", services.kafka,
                "--redis", services.redis, "--topic", self.topic, "--group", self.group, "--http", "127.0.0.1:0",
                *extra]
        if record:
            argv += ["--record", record]
        env = dict(os.environ)
        env["QT_LOGGING_RULES"] = "txpulse.*.debug=false"
        super().__init__(name, argv, workdir, env=env)
        port = wait_for(self._api_port, 30, "%s to serve its REST API" % name)
        self.api = "http://127.0.0.1:%d" % port
        log("%s: pid %d, API %s, topic %s, prefix %s" % (name, self.pid, self.api, self.topic, self.prefix))

    def _api_port(self):
        check(self.alive(), "%s exited during start:\n%s" % (self.name, self.log_tail()))
        with open(self.log_path, "rb") as f:
            found = re.findall(rb"REST API on http://127\.0\.0\.1:(\d+)/", f.read())
        return int(found[-1]) if found else 0

    def get(self, path, timeout=10):
        with urllib.request.urlopen(self.api + path, timeout=timeout) as r:
            return json.loads(r.read())

    def stats(self):
        return self.get("/api/v1/stats")


def unique_suffix(name):
    return "%s_%d_%04x" % (name, os.getpid(), random.getrandbits(16))


def workdir(name):
    base = os.environ.get("TXPULSE_FAULT_WORKDIR") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="txpulse-fault-%s-" % name, dir=base)
    _WORKDIRS.append(d)
    return d


# ------------------------------------------------------------------------------------------------------------
# the oracle


class Oracle:
    """The aggregates computed directly from feed messages (Python's json, not txpulse's parser):
    per-minute counts of unique hashes by floor(x.time / 60), received satoshis per address (outputs with a
    non-null addr) over unique hashes, the set of hashes."""

    def __init__(self, raw_messages):
        self.total = 0
        self.hashes = set()
        self.minutes = {}
        self.addresses = {}
        self.order = []
        for raw in raw_messages:
            msg = json.loads(raw)
            if msg.get("op") != "utx":
                continue
            self.total += 1
            x = msg["x"]
            h = x["hash"]
            if h in self.hashes:
                continue
            self.hashes.add(h)
            self.order.append(h)
            minute = int(x["time"]) // 60
            self.minutes[minute] = self.minutes.get(minute, 0) + 1
            for out in x.get("out") or []:
                addr = out.get("addr")
                value = int(out.get("value") or 0)
                if addr and value > 0:
                    self.addresses[addr] = self.addresses.get(addr, 0) + value
        self.ranking = sorted(self.addresses.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def unique(self):
        return len(self.hashes)

    def ranked_satoshis(self):
        return sum(self.addresses.values())


def compare(app, oracle):
    """Every aggregate the API shows against the oracle; returns a list of mismatch descriptions."""
    problems = []
    minutes = app.get("/api/v1/minutes?minutes=180")["items"]
    seen = {}
    for item in minutes:
        t = time.strptime(item["minute"][:16], "%Y-%m-%dT%H:%M")
        minute = int(_timegm(t)) // 60
        seen[minute] = item["count"]
    first, last = min(seen), max(seen)
    for minute in sorted(set(seen) | set(oracle.minutes)):
        want = oracle.minutes.get(minute, 0)
        if minute < first or minute > last:
            problems.append("minute %d holds %d transactions but is outside the API's 180-minute series" % (
                minute, want))
            continue
        if seen.get(minute, 0) != want:
            problems.append("minute %d: API count %d, expected %d" % (minute, seen.get(minute, 0), want))

    top = app.get("/api/v1/addresses/top?limit=%d" % TOP_LIMIT)
    want_top = oracle.ranking[:TOP_LIMIT]
    got_top = [(i["address"], i["satoshis"]) for i in top["items"]]
    if got_top != want_top:
        diffs = [(i, g, w) for i, (g, w) in enumerate(zip(got_top, want_top)) if g != w]
        problems.append("top %d addresses differ (%d API entries, %d expected); first differences: %s" % (
            TOP_LIMIT, len(got_top), len(want_top), diffs[:5]))
    if top["ranked_addresses"] != len(oracle.addresses):
        problems.append("ranked_addresses %d, expected %d" % (top["ranked_addresses"], len(oracle.addresses)))
    if top["ranked_satoshis"] != oracle.ranked_satoshis():
        problems.append("ranked_satoshis %d, expected %d" % (top["ranked_satoshis"], oracle.ranked_satoshis()))

    latest = app.get("/show_transactions")
    hashes = [_hash_of(item) for item in latest]
    if len(hashes) != min(100, oracle.unique):
        problems.append("/show_transactions has %d entries, expected %d" % (len(hashes), min(100, oracle.unique)))
    if len(set(hashes)) != len(hashes):
        problems.append("/show_transactions repeats a transaction")
    unknown = [h for h in hashes if h not in oracle.hashes]
    if unknown:
        problems.append("/show_transactions shows %d hashes that are not in the stream" % len(unknown))
    return problems


def _hash_of(item):
    if isinstance(item, dict):
        x = item.get("x", item)
        return x.get("hash")
    return None


def _timegm(t):
    import calendar
    return calendar.timegm(t)


def wait_idle(app, produced_at_least, timeout=120, settle=2.0):
    """Waits until everything produced was consumed and applied: produce queue empty, consumer lag 0, and the
    store counters unchanged for `settle` seconds."""
    state = {"key": None, "since": 0.0}

    def idle():
        s = app.stats()
        k, st = s["kafka"], s["store"]
        key = (k["produced"], k["consumed"], st["applied"], st["duplicates"])
        # consumer_lag alone is not enough: it reads 0 while the group rebalances (no assignment). Every
        # message this process produced is also consumed by it (it is the group's only member).
        ready = (k["produced"] >= produced_at_least and k["produce_queue"] == 0 and k["consumer_lag"] == 0
                 and k["consumed"] >= k["produced"] and k["consumed"] > 0
                 and st["applied"] + st["duplicates"] + st["late"] == k["consumed"])
        now = time.monotonic()
        if key != state["key"] or not ready:
            state["key"], state["since"] = key, now
            return None
        return s if now - state["since"] >= settle else None

    return wait_for(idle, timeout, "the pipeline to be idle (all produced, consumed and applied)", interval=0.25)


def verify_against_topic(app, services, expected_unique, extra_problems=(), timeout=30):
    """The topic must hold `expected_unique` distinct transactions, and the API's aggregates must equal the
    oracle computed from the topic. Retries the comparison for a few seconds (snapshots refresh at ~4 Hz)."""
    raw = services.read_topic(app.topic)
    oracle = Oracle(raw)
    log("topic %s: %d messages, %d unique transactions, %d addresses, %d minutes" % (
        app.topic, oracle.total, oracle.unique, len(oracle.addresses), len(oracle.minutes)))
    problems = list(extra_problems)
    if oracle.unique != expected_unique:
        problems.append("the topic holds %d distinct transactions; the feed sent %d" % (
            oracle.unique, expected_unique))
    deadline = time.monotonic() + timeout
    while True:
        mismatches = compare(app, oracle)
        if not mismatches or time.monotonic() >= deadline:
            break
        time.sleep(1)
    problems += mismatches
    return oracle, problems


def record_hashes(path):
    """Distinct utx hashes and total utx lines in a --record file (lines that do not parse are ignored: a
    SIGKILL may cut the last one)."""
    hashes, lines = set(), 0
    try:
        with open(path, "rb") as f:
            for line in f:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("op") == "utx":
                    lines += 1
                    hashes.add(msg["x"]["hash"])
    except OSError:
        pass
    return hashes, lines


def finish(name, problems, numbers, processes=()):
    """Prints the result line the report quotes and exits 0 (pass) or 1 (fail)."""
    for p in processes:
        if p.alive():
            p.stop()
    summary = " ".join("%s=%s" % kv for kv in numbers.items())
    if problems:
        print("FAIL %s: %s" % (name, summary), flush=True)
        for p in problems:
            print("  - " + p, flush=True)
        for p in processes:
            print("---- last lines of %s (%s) ----\n%s" % (p.name, p.log_path, p.log_tail(25)), flush=True)
        sys.exit(1)
    print("PASS %s: %s" % (name, summary), flush=True)
    for d in _WORKDIRS:
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(0)


def run(main):
    """Runs a scenario's main(argv); a TestFailure or an unexpected exception fails the test."""
    try:
        main(sys.argv[1:])
    except TestFailure as e:
        print("FAIL: %s" % e, flush=True)
        for p in _PROCESSES:
            print("---- last lines of %s (%s) ----\n%s" % (p.name, p.log_path, p.log_tail(25)), flush=True)
        sys.exit(1)
    finally:
        for p in _PROCESSES:  # every child this test started, by its pid
            if p.alive():
                p.stop()
        for services in _SERVICES:
            services.restore()
