"""`wickr-admin seed` and `wickr-admin export`: a whole network in one step, and back."""

from __future__ import annotations

import json
import os
import tempfile

import subprocess

from _support import CLI, REPO_ROOT, run_cli, unique_name


def fixture_text(name: str) -> str:
    # YAML, as people write it; the same loader reads JSON.
    return f"""
networks:
  - networkName: {name}
    accessLevel: PREMIUM
    settings:
      enableClientMetrics: true
    securityGroups:
      - name: Default
        isDefault: true
      - name: Engineering
        settings:
          federationMode: 1
    users:
      - username: alice@example.com
        firstName: Alice
        securityGroups: [Engineering]
        status: active
        devices:
          - deviceName: Alice's phone
            platform: ios
      - username: bob@example.com
        status: pending
        inviteCode: BOB-CODE-1
      - username: carol@example.com
        status: active
        suspended: true
    bots:
      - username: alertbot
        displayName: Alerts
        securityGroup: Engineering
        challenge: s3cret-pass
        status: active
    guests:
      - username: guest@other.example
        billingPeriods: ["2026-10", "2026-11"]
      - username: spammer@other.example
        blocked: true
"""


def seed(server, path: str, *extra: str) -> dict:
    out = run_cli(["seed", path, "--database", server.db_url, "--account", server.creds.account_id, *extra])
    return json.loads(out)


def test_seed_builds_a_network_the_api_sees(server, root):
    name = unique_name("seed")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fixture.yaml")
        with open(path, "w") as f:
            f.write(fixture_text(name))
        summary = seed(server, path)
    net = summary["networks"][0]
    nid = net["networkId"]
    assert (net["users"], net["bots"], net["guests"]) == (3, 1, 2)

    got = root.get_network(networkId=nid)
    assert got["networkName"] == name and got["accessLevel"] == "PREMIUM"
    groups = {g["name"]: g for g in root.list_security_groups(networkId=nid)["securityGroups"]}
    assert groups["Default"]["isDefault"] and groups["Engineering"]["securityGroupSettings"]["federationMode"] == 1
    assert groups["Engineering"]["botMembers"] == 1

    users = {u["username"]: u for u in root.list_users(networkId=nid, maxResults=100)["users"]}
    assert users["alice@example.com"]["status"] == 2
    assert users["alice@example.com"]["securityGroups"] == [groups["Engineering"]["id"]]
    assert users["bob@example.com"]["status"] == 1 and users["bob@example.com"]["inviteCode"] == "BOB-CODE-1"
    assert users["carol@example.com"]["suspended"] is True
    devices = root.list_devices_for_user(networkId=nid, userId=users["alice@example.com"]["userId"])["devices"]
    assert [d["type"] for d in devices] == ["iOS"]

    bots = root.list_bots(networkId=nid)["bots"]
    assert [(b["username"], b["status"]) for b in bots] == [("alertbot", 2)]
    lookup = root.batch_lookup_user_uname(
        networkId=nid, unames=[users["alice@example.com"]["uname"], bots[0]["uname"]]
    )
    assert sorted(s["username"] for s in lookup["successful"]) == ["alertbot", "alice@example.com"]

    guests = root.list_guest_users(networkId=nid, maxResults=100)["guestlist"]
    assert sorted((g["username"], g["billingPeriod"]) for g in guests if g["username"].startswith("guest"))[:2] == [
        ("guest@other.example", "2026-10"),
        ("guest@other.example", "2026-11"),
    ]
    blocked = root.list_blocked_guest_users(networkId=nid)["blocklist"]
    assert [b["username"] for b in blocked] == ["spammer@other.example"]
    settings = {s["optionName"]: s["value"] for s in root.get_network_settings(networkId=nid)["settings"]}
    assert settings["enableClientMetrics"] == "true"


def test_export_then_seed_restores_the_same_state(server, root):
    name = unique_name("roundtrip")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fixture.yaml")
        with open(path, "w") as f:
            f.write(fixture_text(name))
        nid = seed(server, path)["networks"][0]["networkId"]
        unames_before = sorted(u["uname"] for u in root.list_users(networkId=nid, maxResults=100)["users"])

        first = run_cli(["export", "--network", nid, "--database", server.db_url, "--format", "json"])
        exported = os.path.join(d, "export.json")
        with open(exported, "w") as f:
            f.write(first)
        # Restoring over the live network needs --replace; without it nothing changes.
        refused = run_cli(["seed", exported, "--database", server.db_url], check=False)
        assert "already exists" in refused or refused == ""
        seed(server, exported, "--replace")
        second = run_cli(["export", "--network", nid, "--database", server.db_url, "--format", "json"])
    assert json.loads(second) == json.loads(first)
    # The network's uname key travels with it: unames are unchanged.
    assert sorted(u["uname"] for u in root.list_users(networkId=nid, maxResults=100)["users"]) == unames_before


def test_an_invalid_fixture_is_refused_with_paths(server, root):
    def count():
        pages = root.get_paginator("list_networks").paginate(PaginationConfig={"PageSize": 100})
        return sum(len(p["networks"]) for p in pages)

    before = count()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.json")
        with open(path, "w") as f:
            json.dump({"networks": [{"networkName": "x" * 30, "users": [{"firstName": "no username"}]}]}, f)
        p = subprocess.run(
            ["node", CLI, "seed", path, "--database", server.db_url],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        )
    assert p.returncode == 1
    assert "networks[0].networkName" in p.stderr and "networks[0].users[0]" in p.stderr
    assert count() == before
