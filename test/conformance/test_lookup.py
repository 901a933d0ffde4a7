"""BatchLookupUserUname: unames resolve to usernames within their network, and only there."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3

import pytest

from _support import assert_client_error, assert_reasons, aws_cli, pg_admin
from _users_support import create_user, new_email, new_network


def _lookup(client, network, unames):
    return client.batch_lookup_user_uname(networkId=network, unames=unames)


def test_known_uname_resolves_to_username(root, network):
    name = new_email("Lookup")
    u = create_user(root, network, name)
    assert u["uname"] and u["uname"] == u["uname"].lower()
    r = _lookup(root, network, [u["uname"]])
    assert r["successful"] == [{"uname": u["uname"], "username": name}]
    assert r.get("failed", []) == []
    assert "1" in r["message"] and "0" in r["message"]


def test_uname_is_a_stable_hmac_of_the_lowercased_username(root, network):
    # 64 lowercase hex digits; renaming back and forth gives the same uname again.
    u = create_user(root, network, new_email("Stable"))
    assert len(u["uname"]) == 64 and all(c in "0123456789abcdef" for c in u["uname"])
    other = new_email("stable2")
    r = root.update_user(networkId=network, userId=u["userId"], userDetails={"username": other})
    assert r["userId"] == u["userId"]
    again = root.update_user(networkId=network, userId=u["userId"], userDetails={"username": u["username"].upper()})
    assert again["userId"] == u["userId"]
    looked = _lookup(root, network, [u["uname"]])
    assert looked["successful"] == [{"uname": u["uname"], "username": u["username"].upper()}]


def test_unknown_uname_fails_per_item(root, network):
    unknown = "0" * 64
    r = _lookup(root, network, [unknown])
    assert r.get("successful", []) == []
    assert len(r["failed"]) == 1
    f = r["failed"][0]
    assert f["uname"] == unknown and f["field"] == "uname" and f["reason"]


def test_mixed_request_keeps_order_and_reports_repeats(root, network):
    a = create_user(root, network, new_email("a"))
    b = create_user(root, network, new_email("b"))
    unknown1, unknown2 = "ab" * 32, "cd" * 32
    unames = [b["uname"], unknown1, a["uname"], b["uname"].upper(), unknown2, unknown1, a["uname"]]
    r = _lookup(root, network, unames)
    assert [s["uname"] for s in r["successful"]] == [b["uname"], a["uname"]]
    assert [s["username"] for s in r["successful"]] == [b["username"], a["username"]]
    # Every item is answered: each repeat (in any case) fails, naming the item it repeats.
    assert [f["uname"] for f in r["failed"]] == [unknown1, b["uname"].upper(), unknown2, unknown1, a["uname"]]
    assert all(f["field"] == "uname" and f["reason"] for f in r["failed"])
    repeats = [f["reason"] for f in r["failed"] if "repeats" in f["reason"]]
    assert repeats == [
        "unames[3] repeats unames[0] (the same uname, case-insensitively); only the first is processed.",
        "unames[5] repeats unames[1] (the same uname, case-insensitively); only the first is processed.",
        "unames[6] repeats unames[2] (the same uname, case-insensitively); only the first is processed.",
    ]
    assert "2 items resolved" in r["message"] and "5 failed" in r["message"], r["message"]


def test_deleted_users_uname_no_longer_resolves(root, network):
    u = create_user(root, network, new_email("gone"))
    assert _lookup(root, network, [u["uname"]])["successful"]
    d = root.batch_delete_user(networkId=network, userIds=[u["userId"]])
    assert d["successful"] == [{"userId": u["userId"]}]
    r = _lookup(root, network, [u["uname"]])
    assert r.get("successful", []) == []
    assert [f["uname"] for f in r["failed"]] == [u["uname"]]


def test_another_networks_uname_fails(root, network):
    other = new_network(root)
    name = new_email("twin")
    theirs = create_user(root, other, name)
    # Same username in both networks: the unames differ (per-network key), and each network
    # resolves only its own.
    ours = create_user(root, network, name)
    assert ours["uname"] != theirs["uname"]
    r = _lookup(root, network, [theirs["uname"], ours["uname"]])
    assert r["successful"] == [{"uname": ours["uname"], "username": name}]
    assert [f["uname"] for f in r["failed"]] == [theirs["uname"]]


def test_bot_uname_resolves_too(root, network):
    # Bots share the uname space with users.
    group = root.list_security_groups(networkId=network)["securityGroups"][0]["id"]
    r = root.create_bot(
        networkId=network, username=f"lookup{os.urandom(3).hex()}bot", groupId=group, challenge="Secret-1234"
    )
    bot = root.get_bot(networkId=network, botId=r["botId"])
    looked = _lookup(root, network, [bot["uname"]])
    assert looked["successful"] == [{"uname": bot["uname"], "username": bot["username"]}]


@pytest.mark.parametrize("count", [0, 51])
def test_batch_size_limits(loose, network, count):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        _lookup(loose, network, ["ab" * 32 for _ in range(count)])
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "unames")


def test_unknown_network_is_not_found(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        _lookup(root, "10000007", ["ab" * 32])
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_aws_cli_resolves_a_uname(server, root, network):
    name = new_email("cli")
    u = create_user(root, network, name)
    p = aws_cli(server, "batch-lookup-user-uname", "--network-id", network, "--unames", u["uname"], "ffff" * 16)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["successful"] == [{"uname": u["uname"], "username": name}]
    assert [f["uname"] for f in out["failed"]] == ["ffff" * 16]


def _write_directly(server, statement: str) -> None:
    """Changes the server's database behind its back, as another process would."""
    if server.engine == "postgres":
        pg_admin(server.db_url, statement)
        return
    with contextlib.closing(sqlite3.connect(server.db_url[len("sqlite:") :], timeout=30)) as db:
        db.execute(statement)
        db.commit()


def test_a_rename_is_seen_by_the_next_lookup(root, network):
    # The first lookup fills the server's uname cache; the rename must not be answered from it.
    u = create_user(root, network, new_email("before"))
    assert _lookup(root, network, [u["uname"]])["successful"][0]["username"] == u["username"]
    renamed = new_email("after")
    root.update_user(networkId=network, userId=u["userId"], userDetails={"username": renamed})
    r = _lookup(root, network, [u["uname"]])
    assert r.get("successful", []) == [] and [f["uname"] for f in r["failed"]] == [u["uname"]]
    users = root.list_users(networkId=network, username=renamed)["users"]
    assert _lookup(root, network, [users[0]["uname"]])["successful"] == [
        {"uname": users[0]["uname"], "username": renamed}
    ]


def test_changes_made_outside_the_server_are_seen_at_once(server, root, network):
    # Another replica, the CLI or a hand-written fix may change members: database triggers
    # move the network's lookup version, so cached answers are never served stale.
    u = create_user(root, network, new_email("outside"))
    assert _lookup(root, network, [u["uname"]])["successful"][0]["username"] == u["username"]
    fixed = new_email("fixed")
    _write_directly(server, f"UPDATE members SET username = '{fixed}' WHERE uname = '{u['uname']}'")
    assert _lookup(root, network, [u["uname"]])["successful"] == [{"uname": u["uname"], "username": fixed}]
    _write_directly(server, f"UPDATE members SET uname = '{'e' * 64}' WHERE uname = '{u['uname']}'")
    r = _lookup(root, network, [u["uname"], "e" * 64])
    assert r["successful"] == [{"uname": "e" * 64, "username": fixed}]
    assert [f["uname"] for f in r["failed"]] == [u["uname"]]


def test_upper_case_unames_resolve_and_are_echoed_as_sent(root, network):
    u = create_user(root, network, new_email("case"))
    upper = u["uname"].upper()
    r = _lookup(root, network, [upper])
    assert r["successful"] == [{"uname": upper, "username": u["username"]}]
    # The same uname in another case is the same item: a repeat of the first.
    r = _lookup(root, network, [upper, u["uname"]])
    assert r["successful"] == [{"uname": upper, "username": u["username"]}]
    assert [(f["uname"], f["field"]) for f in r["failed"]] == [(u["uname"], "uname")]
