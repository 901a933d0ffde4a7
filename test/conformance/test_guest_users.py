"""Guest users: activity reported through the unsigned client endpoint, counted per billing
period; ListGuestUsers, GetGuestUserHistoryCount, UpdateGuestUser (block/unblock) and
ListBlockedGuestUsers through boto3."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from _support import assert_client_error, assert_raw_error, assert_reasons, random_account

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def activity(server, network, username, *, body=None, raw_body=None, sign=True, creds=None):
    """POST /client/v1/networks/{id}/guest-activity, the federated network's report: signed
    (by default with the root key, allowed every action); waits out the key's rate limit."""
    path = f"/client/v1/networks/{network}/guest-activity"
    for _ in range(60):
        if raw_body is not None:
            r = server.raw("POST", path, raw_body, sign=sign, creds=creds, headers={"Content-Type": "application/json"})
        else:
            r = server.raw("POST", path, body if body is not None else {"username": username}, sign=sign, creds=creds)
        if r.status != 429:
            return r
        time.sleep(float(r.header("Retry-After") or 1))
    raise AssertionError("guest activity stayed rate limited")


def record(server, network, username):
    r = activity(server, network, username)
    assert r.status == 200, r.body
    assert (r.header("Content-Type") or "").startswith("application/json")
    return r.json()


def current_period() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def all_pages(call, key, **kw):
    out, token = [], None
    for _ in range(100):
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = call(**args)
        out.extend(r[key])
        token = r.get("nextToken")
        if not token:
            return out
    raise AssertionError("pagination did not end")


def test_activity_counts_a_guest_once_per_billing_period(server, root, network):
    a = record(server, network, "Guest.One@partner.example")
    assert a["billingPeriod"] == current_period()
    assert HEX64.match(a["usernameHash"])
    # Same person, other spelling: one guest (the hash is of the lowercased username).
    b = record(server, network, "guest.one@PARTNER.example")
    assert b["usernameHash"] == a["usernameHash"]
    r = root.list_guest_users(networkId=network)
    assert r["guestlist"] == [
        {"billingPeriod": current_period(), "username": "Guest.One@partner.example", "usernameHash": a["usernameHash"]}
    ]
    assert "nextToken" not in r


def test_username_hash_is_per_network(server, root, network):
    other = root.create_network(networkName="guests-other", accessLevel="STANDARD")["networkId"]
    try:
        a = record(server, network, "roamer@partner.example")
        b = record(server, other, "roamer@partner.example")
        assert a["usernameHash"] != b["usernameHash"]
    finally:
        root.delete_network(networkId=other)


def test_list_filters_by_username_and_billing_period(server, root, network):
    for u in ["alice@fed.example", "bob@fed.example", "ALIBABA@elsewhere.example"]:
        record(server, network, u)
    names = {g["username"] for g in root.list_guest_users(networkId=network, username="ALI")["guestlist"]}
    assert names == {"alice@fed.example", "ALIBABA@elsewhere.example"}
    # LIKE wildcards in the filter are literal.
    assert root.list_guest_users(networkId=network, username="%")["guestlist"] == []
    this = root.list_guest_users(networkId=network, billingPeriod=current_period())["guestlist"]
    assert len(this) == 3
    assert root.list_guest_users(networkId=network, billingPeriod="2001-01")["guestlist"] == []


@pytest.mark.parametrize("period", ["2024-13", "2024_01", "202401", "May 2024", "2024-1", ""])
def test_invalid_billing_period_is_a_validation_error(root, network, period):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_guest_users(networkId=network, billingPeriod=period)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "billingPeriod")


def test_list_pages_and_sorts(server, root, network):
    users = [f"pager{i}@fed.example" for i in range(5)]
    for u in users:
        record(server, network, u)
    asc = all_pages(
        root.list_guest_users, "guestlist", networkId=network, maxResults=2, sortFields="username", sortDirection="ASC"
    )
    assert [g["username"] for g in asc] == sorted(users)
    # Default direction is DESC.
    desc = all_pages(root.list_guest_users, "guestlist", networkId=network, maxResults=2, sortFields="username")
    assert [g["username"] for g in desc] == sorted(users, reverse=True)
    by_period = all_pages(
        root.list_guest_users, "guestlist", networkId=network, maxResults=3, sortFields="billingPeriod"
    )
    assert sorted(g["username"] for g in by_period) == sorted(users)
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_guest_users(networkId=network, sortFields="email")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "sortFields")
    with pytest.raises(root.exceptions.ValidationError):
        root.list_guest_users(networkId=network, nextToken="not-a-token")


def _expected_months():
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=90)
    y, m, out = start.year, start.month, []
    while (y, m) <= (now.year, now.month):
        out.append(f"{y:04d}_{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_history_counts_every_month_of_the_last_90_days(server, root, network):
    empty = root.get_guest_user_history_count(networkId=network)["history"]
    months = _expected_months()
    assert [h["month"] for h in empty] == months
    assert all(h["count"] == "0" for h in empty)
    record(server, network, "h1@fed.example")
    record(server, network, "h2@fed.example")
    record(server, network, "H1@fed.example")
    history = root.get_guest_user_history_count(networkId=network)["history"]
    assert [h["month"] for h in history] == months
    counts = {h["month"]: h["count"] for h in history}
    assert counts[months[-1]] == "2"
    assert all(counts[m] == "0" for m in months[:-1])


def test_update_unknown_guest_is_not_found(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.update_guest_user(networkId=network, usernameHash="0" * 64, block=True)
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_block_refuses_activity_and_unblock_allows_it(server, root, network):
    g = record(server, network, "Mallory@fed.example")
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    r = root.update_guest_user(networkId=network, usernameHash=g["usernameHash"], block=True)
    assert "blocked" in r["message"]
    blocked = root.list_blocked_guest_users(networkId=network)["blocklist"]
    assert len(blocked) == 1
    b = blocked[0]
    assert b["username"] == "Mallory@fed.example"
    assert b["usernameHash"] == g["usernameHash"]
    # The administrator's user name: the root key's owner is "root".
    assert b["admin"] == "root"
    modified = datetime.fromisoformat(b["modified"].replace("Z", "+00:00"))
    assert before <= modified <= datetime.now(timezone.utc) + timedelta(seconds=5)

    refused = activity(server, network, "mallory@FED.example")
    body = assert_raw_error(refused, "ForbiddenError")
    assert "blocked" in body["message"]
    # Still listed as a guest of the period (it was seen before the block).
    assert len(root.list_guest_users(networkId=network)["guestlist"]) == 1

    # Blocking again changes nothing.
    root.update_guest_user(networkId=network, usernameHash=g["usernameHash"], block=True)
    assert root.list_blocked_guest_users(networkId=network)["blocklist"] == blocked

    r = root.update_guest_user(networkId=network, usernameHash=g["usernameHash"], block=False)
    assert "unblocked" in r["message"]
    assert root.list_blocked_guest_users(networkId=network)["blocklist"] == []
    assert record(server, network, "Mallory@fed.example")["usernameHash"] == g["usernameHash"]


def test_block_is_per_network(server, root, network):
    other = root.create_network(networkName="guests-block2", accessLevel="STANDARD")["networkId"]
    try:
        g = record(server, network, "eve@fed.example")
        record(server, other, "eve@fed.example")
        root.update_guest_user(networkId=network, usernameHash=g["usernameHash"], block=True)
        assert activity(server, network, "eve@fed.example").status == 403
        assert activity(server, other, "eve@fed.example").status == 200
        # The hash of one network means nothing in another.
        with pytest.raises(root.exceptions.ResourceNotFoundError):
            root.update_guest_user(networkId=other, usernameHash=g["usernameHash"], block=True)
    finally:
        root.delete_network(networkId=other)


def test_blocklist_filters_sorts_and_pages(server, root, network):
    admin2 = server.create_key(actions="wickr:*", user="kim.admin")
    c2 = server.client(creds=admin2)
    hashes = {}
    for u in ["zed@fed.example", "amy@fed.example", "kim@fed.example"]:
        hashes[u] = record(server, network, u)["usernameHash"]
    root.update_guest_user(networkId=network, usernameHash=hashes["zed@fed.example"], block=True)
    time.sleep(0.01)  # distinct modification times for the default order
    root.update_guest_user(networkId=network, usernameHash=hashes["amy@fed.example"], block=True)
    time.sleep(0.01)
    c2.update_guest_user(networkId=network, usernameHash=hashes["kim@fed.example"], block=True)

    asc = all_pages(
        root.list_blocked_guest_users,
        "blocklist",
        networkId=network,
        maxResults=1,
        sortFields="username",
        sortDirection="ASC",
    )
    assert [b["username"] for b in asc] == ["amy@fed.example", "kim@fed.example", "zed@fed.example"]
    by_admin = root.list_blocked_guest_users(networkId=network, admin="kim.admin")["blocklist"]
    assert [b["username"] for b in by_admin] == ["kim@fed.example"]
    assert by_admin[0]["admin"] == "kim.admin"
    by_name = root.list_blocked_guest_users(networkId=network, username="ZE")["blocklist"]
    assert [b["username"] for b in by_name] == ["zed@fed.example"]
    # Default order: most recently modified first.
    default = root.list_blocked_guest_users(networkId=network)["blocklist"]
    assert [b["username"] for b in default] == ["kim@fed.example", "amy@fed.example", "zed@fed.example"]
    for field in ("admin", "modified"):
        assert len(root.list_blocked_guest_users(networkId=network, sortFields=field)["blocklist"]) == 3
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_blocked_guest_users(networkId=network, sortFields="billingPeriod")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "sortFields")


def test_guest_operations_need_an_existing_network_of_the_account(server, root, network):
    for call in (
        lambda c, n: c.list_guest_users(networkId=n),
        lambda c, n: c.get_guest_user_history_count(networkId=n),
        lambda c, n: c.list_blocked_guest_users(networkId=n),
        lambda c, n: c.update_guest_user(networkId=n, usernameHash="a" * 64, block=True),
    ):
        with pytest.raises(root.exceptions.ResourceNotFoundError):
            call(root, "12345678" if network != "12345678" else "87654321")
    other = server.client(creds=server.create_key(account=random_account()))
    with pytest.raises(other.exceptions.ResourceNotFoundError):
        other.list_guest_users(networkId=network)


def test_activity_endpoint_rejects_bad_requests(server, root, network):
    missing = "99999999" if network != "99999999" else "99999998"
    assert_raw_error(activity(server, missing, "x@y.z"), "ResourceNotFoundError")
    assert_raw_error(activity(server, "abc", "x@y.z"), "BadRequestError")
    assert_raw_error(activity(server, network, None, raw_body=b"{not json"), "BadRequestError")
    assert_raw_error(activity(server, network, None, body={"username": ""}), "BadRequestError")
    assert_raw_error(activity(server, network, None, body={"user": "x@y.z"}), "BadRequestError")
    # A member of the network is not a guest of it.
    group = root.list_security_groups(networkId=network)["securityGroups"][0]["id"]
    root.batch_create_user(networkId=network, users=[{"username": "member@corp.example", "securityGroupIds": [group]}])
    body = assert_raw_error(activity(server, network, "MEMBER@corp.example"), "BadRequestError")
    assert "not a guest" in body["message"]
    assert root.list_guest_users(networkId=network)["guestlist"] == []


def test_activity_is_taken_only_from_a_key_allowed_to_report(server, network):
    # Unsigned, or signed by a key without wickr:GuestActivity or of another account: refused,
    # and no guest is counted.
    assert_raw_error(activity(server, network, "nobody@fed.example", sign=False), "UnauthorizedError")
    reader = server.create_key(actions="wickr:ListGuestUsers")
    assert_raw_error(activity(server, network, "nobody@fed.example", creds=reader), "ForbiddenError")
    stranger = server.create_key(account=random_account(), actions="wickr:GuestActivity")
    assert_raw_error(activity(server, network, "nobody@fed.example", creds=stranger), "ResourceNotFoundError")
    root = server.client()
    assert root.list_guest_users(networkId=network)["guestlist"] == []
    federation = server.create_key(actions="wickr:GuestActivity")
    r = activity(server, network, "somebody@fed.example", creds=federation)
    assert r.status == 200, r.body
    assert [g["username"] for g in root.list_guest_users(networkId=network)["guestlist"]] == ["somebody@fed.example"]
