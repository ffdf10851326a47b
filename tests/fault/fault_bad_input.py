#!/usr/bin/env python3
"""Bad input end to end: a hostile feed server and hostile HTTP clients against `txpulse --headless`.

    fault_bad_input.py feed|http TXPULSE_BINARY

feed: a small RFC 6455 server (stdlib) sends binary frames, a 10 MB text frame, invalid UTF-8, deeply nested
      JSON, 50,000 malformed messages, then the 12 real transactions of tests/data. txpulse must reject and
      count each kind (/api/v1/stats rejects_by_reason), keep running, accept the 12 real ones, and stay under
      300 MB RSS. Standalone mode: the feed side needs no Kafka or Redis.
http: request lines and headers far above the limits, 200 slowloris connections (a header byte per second),
      1,000 concurrent connections: no crash, RSS bounded, /health answered during and after.
"""

import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as F  # noqa: E402

RSS_LIMIT_KB = 300 * 1024
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "blockchain_utx_sample.ndjson")
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload):
    """An unmasked server frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def read_frame(conn):
    """One (masked) client frame: (opcode, payload), or None when the connection is gone."""
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf
    try:
        b1, b2 = exact(2)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack("!H", exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", exact(8))[0]
        mask = exact(4) if b2 & 0x80 else b"\0\0\0\0"
        data = bytearray(exact(n))
        for i in range(n):
            data[i] ^= mask[i % 4]
        return b1 & 0x0F, bytes(data)
    except (ConnectionError, OSError):
        return None


class HostileFeed:
    """Serves `messages` (opcode, payload) in order across connections: each new subscribed connection
    continues where the last one stopped (txpulse drops the connection after some of them)."""

    def __init__(self, messages):
        self.messages = messages
        self.next = 0
        self.connections = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "ws://127.0.0.1:%d/inv" % self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def done(self):
        return self.next >= len(self.messages)

    def _accept(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        self.connections += 1
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        key = [line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:")][0]
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        subscribed = threading.Event()

        def reader():
            while True:
                f = read_frame(conn)
                if f is None or f[0] == 0x8:
                    return
                if f[0] == 0x1 and b"unconfirmed_sub" in f[1]:
                    subscribed.set()
                elif f[0] == 0x1 and b'"ping"' in f[1]:
                    try:
                        conn.sendall(frame(0x1, b'{"op":"pong"}'))
                    except OSError:
                        return
                elif f[0] == 0x9:
                    try:
                        conn.sendall(frame(0xA, f[1]))
                    except OSError:
                        return

        threading.Thread(target=reader, daemon=True).start()
        if not subscribed.wait(30):
            return
        try:
            while self.next < len(self.messages):
                opcode, payload, last = self.messages[self.next]
                self.next += 1  # before sending: a frame that makes txpulse drop us is not sent again
                conn.sendall(frame(opcode, payload))
                if last:
                    time.sleep(5)  # the client closes; whatever comes next goes to its new connection
                    return
        except OSError:
            return


def feed(binary):
    wd = F.workdir("bad_feed")
    real = [line.rstrip(b"\n") for line in open(DATA, "rb") if line.strip()]
    valid = json.loads(real[0])
    # (opcode, payload, last): `last` frames make a conforming client close the connection (invalid UTF-8
    # in a text frame is a protocol error, 1007; a frame above its size limit, 1009), so the server stops
    # there and goes on with the next connection instead of writing into a closing socket.
    messages = []
    messages += [(0x2, b"\x00\x01binary" * 10, False)] * 100                               # binary frames
    messages += [(0x1, b"[" * 100000 + b"]" * 100000, False)] * 5                          # deeply nested JSON
    messages += [(0x1, b'{"op":"utx","x":' * 20000 + b"1" + b"}" * 20000, False)] * 5      # nested objects
    messages += [(0x1, b"{not json %d" % i, False) for i in range(20000)]                  # invalid JSON
    messages += [(0x1, json.dumps({"op": "utx", "x": {**valid["x"], "hash": "zz%d" % i}}).encode(), False)
                 for i in range(15000)]                                                # bad hash
    messages += [(0x1, json.dumps({"op": "utx", "x": {**valid["x"], "time": "soon"}}).encode(), False)] * 10000
    messages += [(0x1, b"[1,2,3]", False)] * 5000                                          # not an object
    messages += [(0x1, line, False) for line in real[:6]]
    messages += [(0x1, b"\xff\xfe\xfd not utf-8", True)]                                   # invalid UTF-8
    messages += [(0x1, line, False) for line in real[6:9]]
    messages += [(0x1, b'{"op":"utx","x":' + b"\"" + b"a" * (10 << 20) + b"\"}", True)]     # a 10 MB frame
    messages += [(0x1, line, False) for line in real[9:]]
    malformed = len(messages) - len(real)
    server = HostileFeed(messages)
    F.log("hostile feed on %s: %d frames, %d malformed" % (server.url, len(messages), malformed))
    app = StandaloneApp(binary, wd, server.url)
    problems = []
    try:
        F.wait_for(lambda: app.stats()["feed"]["transactions"] >= len(real) or None, 180,
                   "the %d real transactions after the hostile ones" % len(real))
    except F.TestFailure as e:
        problems.append(str(e))
    time.sleep(1)
    if not app.alive():
        problems.append("txpulse died:\n" + app.log_tail())
        F.finish("bad_feed", problems, {}, [app])
    stats = app.stats()
    feed_stats = stats["feed"]
    reasons = feed_stats["rejects_by_reason"]
    want = {"binary_frame": 100, "invalid_utf8": 1, "invalid_json": 20005, "bad_hash": 15000,
            "bad_time": 10000, "not_object": 5000}
    for reason, n in want.items():
        if reasons.get(reason, 0) < n:
            problems.append("rejects_by_reason.%s = %d, expected at least %d" % (reason, reasons.get(reason, 0), n))
    # The 10 MB frame is refused either by the parser (too_large) or by the socket's size limit, which closes
    # the connection: then a reconnect shows it.
    if reasons.get("too_large", 0) < 1 and feed_stats["reconnects"] < 1:
        problems.append("the 10 MB frame was neither counted as too_large nor refused by the socket")
    counted = feed_stats["rejected"] + feed_stats["transactions"] + feed_stats["ignored"]
    if feed_stats["transactions"] != len(real):
        problems.append("feed.transactions %d, expected the %d real ones" % (feed_stats["transactions"], len(real)))
    # The recorded transactions are older than the window: aggregated as late, but aggregated.
    if stats["store"]["applied"] + stats["store"]["late"] != len(real):
        problems.append("store applied %d + late %d, expected %d" % (
            stats["store"]["applied"], stats["store"]["late"], len(real)))
    if feed_stats["rejected"] != malformed - 2 + reasons.get("invalid_utf8", 0) + reasons.get("too_large", 0):
        problems.append("rejected %d, expected every one of the %d malformed frames once" % (
            feed_stats["rejected"], malformed))
    if app.rss_peak > RSS_LIMIT_KB:
        problems.append("peak RSS %d MB > %d MB" % (app.rss_peak // 1024, RSS_LIMIT_KB // 1024))
    numbers = {"frames_sent": server.next, "malformed": malformed, "rejected": feed_stats["rejected"],
               "accepted": feed_stats["transactions"], "accounted": counted, "reconnects": feed_stats["reconnects"],
               "rss_peak_mb": app.rss_peak // 1024}
    numbers.update({"rejects." + k: v for k, v in reasons.items() if v})
    F.finish("bad_feed", problems, numbers, [app])


class StandaloneApp(F.Process):
    def __init__(self, binary, wd, feed_url, config_lines=()):
        config_path = os.path.join(wd, "txpulse.conf")
        with open(config_path, "w") as f:
            f.write("\n".join(config_lines) + "\n")
        argv = [binary, "--headless", "--config", config_path, "--feed", feed_url, "--http", "127.0.0.1:0"]
        env = dict(os.environ)
        env["QT_LOGGING_RULES"] = "txpulse.*.debug=false"
        super().__init__("txpulse", argv, wd, env=env)
        port = F.wait_for(lambda: F.App._api_port(self), 30, "txpulse to serve its REST API")
        self.api = "http://127.0.0.1:%d" % port
        self.port = port
        F.log("txpulse: pid %d, API %s" % (self.pid, self.api))

    get = F.App.get
    stats = F.App.stats


def raw_request(port, data, timeout=10):
    """Sends bytes, returns what the server answers until it closes (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close before reading everything
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and len(out) > 10:
                break
        return out
    finally:
        s.close()


def status_of(reply):
    try:
        return int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def health_ms(app):
    t0 = time.monotonic()
    app.get("/health", timeout=5)
    return (time.monotonic() - t0) * 1000


def http(binary):
    wd = F.workdir("bad_http")
    # No feed to speak of: an address nothing listens on; /health answers (503 while the feed is down).
    app = StandaloneApp(binary, wd, "ws://127.0.0.1:9/inv")
    problems, numbers = [], {}

    def health():
        t0 = time.monotonic()
        try:
            app.get("/health", timeout=5)
        except F.urllib.error.HTTPError as e:  # 503 while the feed is down is still an answer
            if e.code != 503:
                raise
        return (time.monotonic() - t0) * 1000

    cases = [
        ("request_line_100k", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", (414, None)),
        ("headers_1m", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"b" * 1000 + b"\r\n" * 1
         + b"".join(b"X-H%d: %s\r\n" % (i, b"c" * 1000) for i in range(1000)) + b"\r\n", (431, None)),
        ("header_count_500", b"GET /health HTTP/1.1\r\nHost: x\r\n"
         + b"".join(b"X-%d: 1\r\n" % i for i in range(500)) + b"\r\n", (431, None)),
        ("body_10m", b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" + b"d" * 65536,
         (413, 405, None)),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(2000), (400, None)),
    ]
    for name, data, allowed in cases:
        status = status_of(raw_request(app.port, data))
        numbers[name] = status
        if status not in allowed:
            problems.append("%s: answered %s, expected one of %s" % (name, status, allowed))
    F.log("oversized requests: %s" % numbers)

    # Slowloris: 200 connections trickle a header byte per second for 12 s.
    slow = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", app.port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\n")
        slow.append(s)
    worst, t0 = 0.0, time.monotonic()
    closed_by_server = 0
    while time.monotonic() - t0 < 12:
        for s in slow:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        worst = max(worst, health())
        time.sleep(1)
    for s in slow:
        s.settimeout(0.2)
        try:
            data = s.recv(4096)
            if data == b"" or status_of(data) == 408:
                closed_by_server += 1
        except (socket.timeout, OSError):
            pass
        s.close()
    numbers.update({"slowloris_conns": len(slow), "slowloris_health_worst_ms": "%.0f" % worst,
                    "slowloris_closed_by_server": closed_by_server})
    if worst > 2000:
        problems.append("/health took %.0f ms during the slowloris" % worst)
    if closed_by_server < len(slow) // 2:
        problems.append("only %d of %d slow connections were timed out by the server" % (closed_by_server, len(slow)))

    # 1,000 concurrent connections, each sending a request, then /health.
    conns, refused = [], 0
    for _ in range(1000):
        try:
            s = socket.create_connection(("127.0.0.1", app.port), timeout=5)
            s.sendall(b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(s)
        except OSError:
            refused += 1
    answered = {}
    for s in conns:
        s.settimeout(5)
        try:
            st = status_of(s.recv(4096))
        except (socket.timeout, OSError):
            st = None
        answered[st] = answered.get(st, 0) + 1
        s.close()
    numbers.update({"concurrent": len(conns), "concurrent_refused": refused,
                    "concurrent_statuses": ",".join("%s:%d" % kv for kv in sorted(answered.items(), key=str))})
    after = health()
    numbers["health_after_ms"] = "%.0f" % after
    if not app.alive():
        problems.append("txpulse died:\n" + app.log_tail())
    if app.rss_peak > RSS_LIMIT_KB:
        problems.append("peak RSS %d MB > %d MB" % (app.rss_peak // 1024, RSS_LIMIT_KB // 1024))
    numbers["rss_peak_mb"] = app.rss_peak // 1024
    F.finish("bad_http", problems, numbers, [app])


def main(argv):
    if len(argv) != 2 or argv[0] not in ("feed", "http"):
        print(__doc__)
        sys.exit(2)
    {"feed": feed, "http": http}[argv[0]](argv[1])


if __name__ == "__main__":
    F.run(main)
