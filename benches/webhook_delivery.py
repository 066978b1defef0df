#!/usr/bin/env python3
"""Does webhook delivery keep up with 100 events a second on one instance?

Starts a fresh `truce serve` (its own job runner, jobs every second) on a new SQLite
database and the test receiver (tests/webhooks/receiver.py, which verifies every signature,
with the `standardwebhooks` library when PYTHONPATH has it), adds an endpoint for
`account.reserved` on the admin page, then makes events by real changes: every second, one
bulk request of 100 new named accounts through the API (100 `account.reserved` events), for
60 seconds. Then a burst of 2,000 at once. Prints how many were delivered, how fast, and
how late (from the change to the receiver's answer).

    cargo build --release
    python3 benches/webhook_delivery.py target/release/truce
"""
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/truce"
SECONDS = int(os.environ.get("TRUCE_BENCH_WEBHOOK_SECONDS", "60"))
RATE = 100
HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench password 2026"


def free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


data = tempfile.mkdtemp(prefix="truce-webhook-bench-")


def truce(*args, stdin=None):
    return subprocess.run(
        [BIN, *args, "--data-dir", data], input=stdin, capture_output=True, text=True, check=True
    ).stdout


truce("migrate")
truce("user", "add", "--email", "admin@bench.example", "--role", "admin", stdin=PASSWORD + "\n")
token = truce("token", "create", "--email", "admin@bench.example", "--label", "bench", "--write").strip().splitlines()[-1]

receiver = subprocess.Popen(
    [sys.executable, os.path.join(HERE, "..", "tests", "webhooks", "receiver.py")],
    stdout=subprocess.PIPE,
    text=True,
)
receiver_url = "http://127.0.0.1:" + receiver.stdout.readline().split()[1]
port = free_port()
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen(
    [BIN, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{port}",
     "--webhooks-allow-private", "--jobs-interval-seconds", "1"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)


def call(url, data=None, method=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(req)


try:
    for _ in range(100):
        try:
            call(base + "/healthz")
            break
        except Exception:
            time.sleep(0.1)

    # The admin adds the endpoint on its page, as a person would.
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    csrf = lambda html: re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = browser.open(base + "/login").read().decode()
    browser.open(base + "/login", urllib.parse.urlencode(
        {"csrf_token": csrf(page), "email": "admin@bench.example", "password": PASSWORD}).encode())
    page = browser.open(base + "/admin/webhooks/new").read().decode()
    created = browser.open(base + "/admin/webhooks", urllib.parse.urlencode(
        {"csrf_token": csrf(page), "url": receiver_url + "/crm", "event_types": "account.reserved"}).encode()).read().decode()
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", created).group(0)
    call(receiver_url + "/_config", json.dumps({"secrets": [secret], "mode": "ok"}).encode(), "POST")

    def reserve(first, count):
        items = [{"external_id": f"B-{n}", "name": f"Bench Account {n}", "website": f"bench{n}.example",
                  "named_account": True} for n in range(first, first + count)]
        reply = json.load(call(base + "/api/v1/accounts/bulk", json.dumps({"items": items}).encode(), "POST",
                               {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}))
        assert reply["created"] == count, reply

    def received():
        return json.load(call(receiver_url + "/_events"))

    def wait_for(total, limit=120):
        start = time.time()
        while time.time() - start < limit:
            state = received()
            if len(state["events"]) >= total:
                return state
            time.sleep(0.2)
        return received()

    print(f"Sustained: {RATE} account.reserved events a second for {SECONDS} s")
    made = []
    start = time.time()
    for second in range(SECONDS):
        t = time.time()
        reserve(second * RATE, RATE)
        made.append(t)
        time.sleep(max(0.0, start + second + 1 - time.time()))
    produced = SECONDS * RATE
    state = wait_for(produced)
    events = state["events"]
    ids = [e["id"] for e in events]
    spent = max(e["received_at"] for e in events) - start
    # Lateness: each second's batch, from its request to the last of its events received.
    by_batch = {}
    for e in events:
        n = int(e["data"]["external_id"].split("-")[1]) // RATE
        by_batch[n] = max(by_batch.get(n, 0), e["received_at"] - made[n])
    late = sorted(by_batch.values())
    print(f"  made {produced}, delivered {len(events)} ({len(set(ids))} distinct ids), "
          f"rejected signatures {state['rejected']}, in {spent:.1f} s "
          f"= {len(events) / spent:.0f} events/s")
    print(f"  a second's events all delivered within: median {statistics.median(late):.2f} s, "
          f"worst {late[-1]:.2f} s (jobs run every 1 s)")

    print("Burst: 2,000 events at once")
    before = len(events)
    t = time.time()
    for b in range(2):
        reserve(1_000_000 + b * 1000, 1000)
    made_at = time.time()
    state = wait_for(before + 2000)
    burst = state["events"][before:]
    done = max(e["received_at"] for e in burst)
    print(f"  delivered {len(burst)} in {done - made_at:.1f} s after the last request "
          f"= {len(burst) / (done - made_at):.0f} events/s; verifier: {state['verifier']}")
finally:
    server.terminate()
    receiver.terminate()
