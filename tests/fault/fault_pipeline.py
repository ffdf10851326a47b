#!/usr/bin/env python3
"""Fault tests of the whole pipeline (feed -> Kafka -> Redis -> REST), one scenario per CTest test.

    fault_pipeline.py SCENARIO TXPULSE_BINARY REPLAY_BINARY

Each scenario serves 20,000 synthetic transactions (fixed seed, x.time = send time, so all of them fall in
the 3-hour window of the wall clock), runs `txpulse --headless` on its own topic, group and Redis prefix,
injects its fault mid-stream, waits until the pipeline is idle, and then checks that the topic holds every
transaction the feed server sent and that every aggregate (per-minute counts, the top 1000 addresses with
their totals and tie order, the number and sum of ranked addresses, the latest transactions, the store's
applied/duplicate counters) equals an independent computation from the topic (faultlib.Oracle).

Scenarios:
  kafka_kill   the broker is SIGKILLed at 8,000 transactions and restarted 5 s later
  redis_wipe   Redis is SIGKILLed at 8,000 transactions and restarted empty: the aggregates are rebuilt
               from the topic
  app_kill     txpulse is SIGKILLed at 8,000 transactions and started again; the feed server re-sends its
               last 3,000 messages to the new connection, which covers what the killed process held
  feed_drops   the feed server closes the connection every 5,000 messages and goes silent once at 7,000
               (stall timeout 2 s), re-sending its last 500 messages on each new connection: reconnects and
               gaps are recorded, the re-sent transactions are counted once
  kafka_outage the broker is down for 15 s, three times message.timeout.ms (5 s): failed delivery reports go
               to the on-disk spool and everything is delivered once the broker is back, nothing dropped
  redis_pause  Redis is paused (CLIENT PAUSE 5000) three times: the consumer stops at its in-flight bound,
               lag builds up and drains, memory stays bounded
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as F  # noqa: E402

N = F.N_TRANSACTIONS
RSS_LIMIT_KB = 300 * 1024


def at_transactions(app, n, timeout=90):
    F.wait_for(lambda: app.stats()["feed"]["transactions"] >= n, timeout, "%d transactions from the feed" % n)


def common_checks(stats, oracle, problems, single_run=True):
    k, st = stats["kafka"], stats["store"]
    if k["dropped"] != 0:
        problems.append("kafka.dropped is %d" % k["dropped"])
    if st["applied"] + st["duplicates"] + st["late"] != k["consumed"]:
        problems.append("store applied %d + duplicates %d + late %d != consumed %d" % (
            st["applied"], st["duplicates"], st["late"], k["consumed"]))
    if st["late"] != 0:
        problems.append("store.late is %d (every transaction is inside the window)" % st["late"])
    if single_run and st["applied"] != oracle.unique:
        problems.append("store.applied %d, expected %d (each transaction counted once)" % (
            st["applied"], oracle.unique))


def kafka_kill(bins, svc):
    wd = F.workdir("kafka_kill")
    replay = F.Replay(bins[1], wd, seed=101, rate=2000)
    app = F.App(bins[0], wd, replay.url, svc, F.unique_suffix("kafka_kill"))
    at_transactions(app, 8000)
    svc.run("kill-kafka")
    down_at = time.monotonic()
    time.sleep(5)
    queued = app.stats()["kafka"]["produce_queue"]
    svc.run("restart-kafka")
    down_s = time.monotonic() - down_at
    F.wait_for(replay.done, 180, "the feed server to send everything")
    stats = F.wait_idle(app, N, timeout=180)
    oracle, problems = F.verify_against_topic(app, svc, N)
    stats = app.stats()  # after the comparison: what the counters say once everything is applied
    common_checks(stats, oracle, problems)
    F.finish("kafka_kill", problems, {
        "broker_down_s": "%.1f" % down_s, "queued_while_down": queued, "produced": stats["kafka"]["produced"],
        "produce_errors": stats["kafka"]["produce_errors"], "topic_messages": oracle.total,
        "unique": oracle.unique, "applied": stats["store"]["applied"],
        "duplicates": stats["store"]["duplicates"], "rss_peak_mb": app.rss_peak // 1024}, [app, replay])


def redis_wipe(bins, svc):
    wd = F.workdir("redis_wipe")
    replay = F.Replay(bins[1], wd, seed=202, rate=2000)
    app = F.App(bins[0], wd, replay.url, svc, F.unique_suffix("redis_wipe"))
    at_transactions(app, 8000)
    F.wait_for(lambda: app.stats()["store"]["applied"] >= 4000, 60, "4,000 transactions applied")
    applied_before = app.stats()["store"]["applied"]
    svc.run("kill-redis")
    time.sleep(2)
    svc.run("restart-redis")
    keys_after_restart = svc.redis_cli("DBSIZE").strip()
    F.wait_for(replay.done, 180, "the feed server to send everything")
    stats = F.wait_idle(app, N, timeout=180)
    oracle, problems = F.verify_against_topic(app, svc, N)
    stats = app.stats()  # after the comparison: what the counters say once everything is applied
    common_checks(stats, oracle, problems, single_run=False)
    if stats["store"]["applied"] < oracle.unique:
        problems.append("store.applied %d < %d" % (stats["store"]["applied"], oracle.unique))
    with open(app.log_path, "rb") as f:
        rebuilt = f.read().count(b"rebuilding it from the log")
    if rebuilt < 2:  # once at start (empty prefix), once after the wipe
        problems.append("txpulse did not notice that Redis lost the aggregates (%d rebuild messages)" % rebuilt)
    F.finish("redis_wipe", problems, {
        "applied_before_wipe": applied_before, "redis_keys_after_restart": keys_after_restart,
        "rebuilds": rebuilt, "consumed": stats["kafka"]["consumed"], "applied": stats["store"]["applied"],
        "duplicates": stats["store"]["duplicates"], "store_errors": stats["store"]["errors"],
        "unique": oracle.unique, "rss_peak_mb": app.rss_peak // 1024}, [app, replay])


def app_kill(bins, svc):
    wd = F.workdir("app_kill")
    resend = 3000
    replay = F.Replay(bins[1], wd, seed=303, rate=2000, extra=["--resend-on-subscribe", str(resend)])
    suffix = F.unique_suffix("app_kill")
    # A SIGKILLed member stays in the group until its session times out; 6 s (the broker's minimum) instead of
    # librdkafka's 45 s lets the second process get the partitions quickly.
    config = ["[kafka]", "session.timeout.ms=6000"]
    rec1, rec2 = os.path.join(wd, "first.ndjson"), os.path.join(wd, "second.ndjson")
    first = F.App(bins[0], wd, replay.url, svc, suffix, config, record=rec1, name="txpulse1")
    at_transactions(first, 8000)
    before = first.stats()
    first.kill()
    F.log("SIGKILLed txpulse at %d transactions (%d produced, %d applied)" % (
        before["feed"]["transactions"], before["kafka"]["produced"], before["store"]["applied"]))
    time.sleep(1)
    second = F.App(bins[0], wd, replay.url, svc, suffix, config, record=rec2, name="txpulse2")
    F.wait_for(replay.done, 180, "the feed server to send everything")
    stats = F.wait_idle(second, 1, timeout=180)
    oracle, problems = F.verify_against_topic(second, svc, N)
    stats = second.stats()  # after the comparison: what the counters say once everything is applied
    common_checks(stats, oracle, problems, single_run=False)
    h1, _ = F.record_hashes(rec1)
    h2, lines2 = F.record_hashes(rec2)
    if len(h1 | h2) != N:
        problems.append("the two runs received %d distinct transactions; the server sent %d" % (len(h1 | h2), N))
    if stats["store"]["duplicates"] == 0:
        problems.append("no duplicates counted although %d messages were re-sent" % resend)
    F.finish("app_kill", problems, {
        "killed_at": before["feed"]["transactions"], "first_produced": before["kafka"]["produced"],
        "second_received": lines2, "second_produced": stats["kafka"]["produced"],
        "second_consumed": stats["kafka"]["consumed"], "second_applied": stats["store"]["applied"],
        "second_duplicates": stats["store"]["duplicates"], "topic_messages": oracle.total,
        "unique": oracle.unique, "rss_peak_mb": second.rss_peak // 1024}, [second, replay])


def feed_drops(bins, svc):
    wd = F.workdir("feed_drops")
    drop_every, stall_after, resend = 5000, 7000, 500
    replay = F.Replay(bins[1], wd, seed=404, rate=2000, extra=[
        "--drop-every", str(drop_every), "--stall-after", str(stall_after), "--resend-on-subscribe", str(resend)])
    rec = os.path.join(wd, "feed.ndjson")
    app = F.App(bins[0], wd, replay.url, svc, F.unique_suffix("feed_drops"), ["[feed]", "stall_seconds=2"],
                record=rec)
    F.wait_for(replay.done, 240, "the feed server to send everything")
    # New connections that get the re-sent messages: after the drops at 5,000, 10,000, 15,000 and 20,000 and
    # after the stall at 7,000. (The client also keeps reconnecting once the server has exited.)
    expected_reconnects = N // drop_every + 1
    resent = expected_reconnects * resend
    stats = F.wait_idle(app, N + resent, timeout=120)
    oracle, problems = F.verify_against_topic(app, svc, N)
    stats = app.stats()  # after the comparison: what the counters say once everything is applied
    common_checks(stats, oracle, problems)
    feed, st = stats["feed"], stats["store"]
    hashes, lines = F.record_hashes(rec)
    if feed["reconnects"] < expected_reconnects:
        problems.append("feed.reconnects %d, expected at least %d" % (feed["reconnects"], expected_reconnects))
    if lines != N + resent or len(hashes) != N:
        problems.append("received %d messages (%d distinct); expected %d (%d distinct)" % (
            lines, len(hashes), N + resent, N))
    if st["duplicates"] != resent:
        problems.append("store.duplicates %d, expected the %d re-sent transactions" % (st["duplicates"], resent))
    gaps = [g for g in F.Services.redis_cli(svc, "ZRANGE", app.prefix + "gaps", "0", "-1").split() if g]
    closed = [g for g in gaps if not g.endswith(":0")]
    if len(closed) < expected_reconnects:
        problems.append("%d gaps recorded in Redis, expected at least %d: %s" % (len(closed), expected_reconnects, gaps))
    gap_ms = sum(int(b) - int(a) for a, b in (g.split(":") for g in closed))
    F.finish("feed_drops", problems, {
        "reconnects": feed["reconnects"], "gaps": len(closed), "gap_total_s": "%.1f" % (gap_ms / 1000),
        "received": lines, "unique": len(hashes), "applied": st["applied"], "duplicates": st["duplicates"],
        "rss_peak_mb": app.rss_peak // 1024}, [app, replay])


def redis_pause(bins, svc):
    wd = F.workdir("redis_pause")
    replay = F.Replay(bins[1], wd, seed=505, rate=1000)
    app = F.App(bins[0], wd, replay.url, svc, F.unique_suffix("redis_pause"))
    # Consumed but not yet applied: bounded by the consumer's in-flight limit (KafkaConsumerOptions: 4 batches
    # of at most 1,000 messages), however long Redis stalls and whatever the feed does meanwhile. The counters
    # come from the snapshot, which the aggregator cannot refresh while a Redis call blocks it, so they are
    # sampled all along (also right after each pause) and the snapshot's age is reported.
    in_flight_bound = 4 * 1000
    samples = []
    sampling = [True]

    def sample():
        while sampling[0]:
            try:
                s = app.stats()
                st = s["store"]
                held = s["kafka"]["consumed"] - st["applied"] - st["duplicates"] - st["late"]
                generated = F._timegm(time.strptime(s["generated_at"][:19], "%Y-%m-%dT%H:%M:%S"))
                samples.append((time.time(), held, time.time() - generated))
            except (OSError, ValueError):
                pass
            time.sleep(0.1)

    sampler = F.threading.Thread(target=sample, daemon=True)
    sampler.start()
    windows = []
    for at in (5000, 10000, 15000):
        at_transactions(app, at)
        t0 = time.time()
        svc.redis_cli("CLIENT", "PAUSE", "5000")
        time.sleep(5.0)
        windows.append((t0, t0 + 8.0))  # the pause and the catch-up after it
    F.wait_for(replay.done, 180, "the feed server to send everything")
    stats = F.wait_idle(app, N, timeout=180)
    sampling[0] = False
    sampler.join(5)
    oracle, problems = F.verify_against_topic(app, svc, N)
    stats = app.stats()  # after the comparison: what the counters say once everything is applied
    common_checks(stats, oracle, problems)
    held_max = max(h for _, h, _ in samples)
    per_pause = [max([h for t, h, _ in samples if a <= t <= b] or [0]) for a, b in windows]
    stale = [max([age for t, _, age in samples if a <= t <= b] or [0]) for a, b in windows]
    if held_max > in_flight_bound:
        problems.append("%d messages consumed and not applied at once, more than the in-flight bound %d" % (
            held_max, in_flight_bound))
    # Evidence that each pause reached the pipeline: messages seen consumed but not applied, or a snapshot that
    # went stale because the aggregator was blocked in Redis. The store now drains the held batches (at most
    # 4,000 messages) within one snapshot period after a pause, so the held count alone is often never sampled.
    for i, (h, age) in enumerate(zip(per_pause, stale)):
        if h == 0 and age < 3.0:
            problems.append("pause %d: no consumed-but-unapplied messages and the snapshot never went stale "
                            "(max age %.1f s): the pause did not reach the pipeline" % (i + 1, age))
    if app.rss_peak > RSS_LIMIT_KB:
        problems.append("peak RSS %d MB > %d MB" % (app.rss_peak // 1024, RSS_LIMIT_KB // 1024))
    F.finish("redis_pause", problems, {
        "pauses": len(windows), "held_max_per_pause": "/".join(map(str, per_pause)),
        "in_flight_bound": in_flight_bound, "stats_age_max_s": "/".join("%.1f" % a for a in stale),
        "samples": len(samples), "store_errors": stats["store"]["errors"], "applied": stats["store"]["applied"],
        "duplicates": stats["store"]["duplicates"], "rss_peak_mb": app.rss_peak // 1024}, [app, replay])


def kafka_outage(bins, svc):
    wd = F.workdir("kafka_outage")
    spool_dir = os.path.join(wd, "spool")
    replay = F.Replay(bins[1], wd, seed=606, rate=2000)
    # librdkafka fails a message that waited 5 s; the broker stays down three times as long.
    config = ["[kafka]", "message.timeout.ms=5000", "spool_dir=" + spool_dir]
    app = F.App(bins[0], wd, replay.url, svc, F.unique_suffix("kafka_outage"), config)
    at_transactions(app, 4000)
    svc.run("kill-kafka")
    t0 = time.monotonic()
    spooled_peak, errors = 0, 0
    while time.monotonic() - t0 < 15:
        k = app.stats()["kafka"]
        spooled_peak = max(spooled_peak, k["spooled"])
        errors = k["produce_errors"]
        time.sleep(0.5)
    during = app.stats()
    svc.run("restart-kafka")
    down_s = time.monotonic() - t0
    F.wait_for(replay.done, 180, "the feed server to send everything")
    stats = F.wait_idle(app, N, timeout=180)
    oracle, problems = F.verify_against_topic(app, svc, N)
    stats = app.stats()
    common_checks(stats, oracle, problems)
    k = stats["kafka"]
    if spooled_peak == 0:
        problems.append("nothing was spooled although the broker was down for %.0f s > message.timeout.ms" % down_s)
    if errors == 0:
        problems.append("no failed delivery report during the outage (message.timeout.ms not reached?)")
    if k["spooled"] != 0:
        problems.append("%d messages still in the spool" % k["spooled"])
    topic_dir = os.path.join(spool_dir, app.topic)
    left = [f for f in os.listdir(topic_dir) if f.endswith(".seg")] if os.path.isdir(topic_dir) else []
    if left:
        problems.append("spool segments left on disk after delivery: %s" % left)
    F.finish("kafka_outage", problems, {
        "broker_down_s": "%.1f" % down_s, "feed_during_outage": during["feed"]["transactions"],
        "failed_delivery_reports": errors, "spooled_peak": spooled_peak, "produced": k["produced"],
        "dropped": k["dropped"], "topic_messages": oracle.total, "unique": oracle.unique,
        "applied": stats["store"]["applied"], "rss_peak_mb": app.rss_peak // 1024}, [app, replay])


SCENARIOS = {f.__name__: f for f in (kafka_kill, redis_wipe, app_kill, feed_drops, redis_pause, kafka_outage)}


def main(argv):
    if len(argv) != 3 or argv[0] not in SCENARIOS:
        print(__doc__)
        sys.exit(2)
    services = F.Services()
    SCENARIOS[argv[0]]((argv[1], argv[2]), services)


if __name__ == "__main__":
    F.run(main)
