#!/usr/bin/env python3
"""10,000 CRM account upserts through POST /api/v1/accounts/bulk (10 requests of 1,000):
new, then unchanged, then every name and website changed. Against a running server on an
empty database, with an admin token that has write access (see docs/performance.md):

    python3 benches/api_bulk.py http://127.0.0.1:8080 "$TOKEN"
"""
import json
import sys
import time
import urllib.request

base, token = sys.argv[1], sys.argv[2]


def bulk(items):
    req = urllib.request.Request(
        f"{base}/api/v1/accounts/bulk",
        data=json.dumps({"items": items}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return json.load(urllib.request.urlopen(req))


def run(label, name, site, expect):
    start = time.time()
    for b in range(10):
        items = [
            {"external_id": f"ACC-{n}", "name": name(n), "website": site(n),
             "country": "DE", "industry": "Manufacturing"}
            for n in range(b * 1000, b * 1000 + 1000)
        ]
        result = bulk(items)
        assert result[expect] == 1000, result
    print(f"10,000 {label}: {time.time() - start:.2f} s")


run("new accounts", lambda n: f"Company {n} GmbH", lambda n: f"company{n}.example", "created")
run("unchanged", lambda n: f"Company {n} GmbH", lambda n: f"company{n}.example", "unchanged")
run("updated (new names and websites)", lambda n: f"Renamed {n} AG", lambda n: f"renamed{n}.example", "updated")
