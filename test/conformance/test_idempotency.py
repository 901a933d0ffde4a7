"""X-Client-Token under concurrency: one token, one execution."""

from __future__ import annotations

import threading

from _support import random_token, strip_meta


def _all_groups(client, network):
    out, token = [], None
    while True:
        r = client.list_security_groups(networkId=network, maxResults=100, **({"nextToken": token} if token else {}))
        out += r.get("securityGroups", [])
        token = r.get("nextToken")
        if not token:
            return out


def _race(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(errors), f"errors: {[repr(e) for e in errors if e]}"
    return results


def test_concurrent_create_security_group_same_token(server, root, network):
    token = random_token()
    clients = [server.client() for _ in range(5)]
    results = _race(
        5,
        lambda i: clients[i].create_security_group(
            networkId=network, name="Raced", securityGroupSettings={"lockoutThreshold": 4}, clientToken=token
        ),
    )
    ids = {r["securityGroup"]["id"] for r in results}
    assert len(ids) == 1, f"one token created several groups: {ids}"
    bodies = [strip_meta(r) for r in results]
    assert all(b == bodies[0] for b in bodies)
    groups = _all_groups(root, network)
    assert len(groups) == 2, [g["name"] for g in groups]
    assert sum(1 for g in groups if g["name"] == "Raced") == 1


def test_concurrent_creates_with_distinct_tokens(server, root, network):
    clients = [server.client() for _ in range(5)]
    results = _race(
        5,
        lambda i: clients[i].create_security_group(networkId=network, name=f"g{i}", securityGroupSettings={}),
    )
    ids = {r["securityGroup"]["id"] for r in results}
    assert len(ids) == 5
    assert len(_all_groups(root, network)) == 6


def test_concurrent_delete_network_same_token(server, root):
    nid = root.create_network(networkName="race-del", accessLevel="STANDARD")["networkId"]
    token = random_token()
    clients = [server.client() for _ in range(4)]
    results = _race(4, lambda i: clients[i].delete_network(networkId=nid, clientToken=token))
    bodies = [strip_meta(r) for r in results]
    assert all(b == bodies[0] for b in bodies)
