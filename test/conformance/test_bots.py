"""Bots: CreateBot/GetBot/ListBots/UpdateBot/DeleteBot/GetBotsCount through boto3, uname lookup of
bots, and the unsigned bot sign-in endpoint (POST /client/v1/networks/{networkId}/bots/login)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest

from _support import assert_client_error, assert_reasons, check_response_headers, error_of

PASSWORD = "s3cret-challenge"
LOCKOUT = 5  # the server's default registration lockout, which bot sign-in no longer has


# -- helpers ----------------------------------------------------------------------------------


def login_raw(server, network: str, body: bytes | None, *, content_type: str = "application/json"):
    """One POST to the bot sign-in endpoint over urllib; waits out a 429 as a client would."""
    url = f"{server.endpoint}/client/v1/networks/{network}/bots/login"
    for _ in range(40):
        req = urllib.request.Request(url, data=body or b"", method="POST", headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, headers, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers, e.read()
        check_response_headers(status, headers, f"POST {url}")
        if status == 429:
            # Sign-ins are rate limited per address and per bot: wait as told, then retry.
            assert headers.get("Retry-After", "").isdigit(), headers
            time.sleep(int(headers["Retry-After"]) + 0.1)
            continue
        assert (headers.get("Content-Type") or "").startswith("application/json"), headers
        return status, json.loads(data.decode("utf-8"))
    raise AssertionError("the sign-in endpoint stayed rate limited")


def bot_login(server, network: str, username: str, challenge: str, **extra):
    return login_raw(server, network, json.dumps({"username": username, "challenge": challenge, **extra}).encode())


def default_group(client, network: str) -> str:
    groups = client.list_security_groups(networkId=network, maxResults=100)["securityGroups"]
    return next(g["id"] for g in groups if g["isDefault"])


def new_group(client, network: str, name: str = "Bots") -> str:
    return client.create_security_group(networkId=network, name=name, securityGroupSettings={})["securityGroup"]["id"]


def create_bot(client, network: str, username: str, group: str | None = None, **kw) -> str:
    r = client.create_bot(
        networkId=network,
        username=username,
        groupId=group or default_group(client, network),
        challenge=kw.pop("challenge", PASSWORD),
        **kw,
    )
    return r["botId"]


def list_all(client, network: str, **kw) -> list[list[dict]]:
    pages, token = [], None
    for _ in range(100):
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = client.list_bots(networkId=network, **args)
        pages.append(r["bots"])
        token = r.get("nextToken")
        if not token:
            return pages
    raise AssertionError("pagination did not end")


def flat(pages):
    return [b for p in pages for b in p]


# -- CreateBot / GetBot -----------------------------------------------------------------------


def test_create_and_get_bot(root, network):
    group = default_group(root, network)
    r = root.create_bot(
        networkId=network, username="AlertsBot", displayName="Alerts", groupId=group, challenge=PASSWORD
    )
    assert re.fullmatch(r"[0-9]{1,10}", r["botId"]), r
    assert r["networkId"] == network
    assert r["username"] == "AlertsBot"
    assert r["displayName"] == "Alerts"
    assert r["groupId"] == group
    assert r["message"]

    b = root.get_bot(networkId=network, botId=r["botId"])
    assert b["botId"] == r["botId"]
    assert b["username"] == "AlertsBot"
    assert b["displayName"] == "Alerts"
    assert re.fullmatch(r"[0-9a-f]{64}", b["uname"]), b["uname"]
    assert b["status"] == 1, "a new bot is pending until it signs in"
    assert b["groupId"] == group
    assert b["hasChallenge"] is True
    assert b["suspended"] is False
    assert "lastLogin" not in b
    assert "pubkey" not in b
    # The password is never returned in any form.
    assert PASSWORD not in json.dumps(b, default=str)


def test_bot_ids_are_numeric_and_shared_with_users(root, network):
    group = default_group(root, network)
    a = create_bot(root, network, "firstbot", group)
    u = root.batch_create_user(networkId=network, users=[{"username": "person@example.com", "securityGroupIds": [group]}])
    b = create_bot(root, network, "secondbot", group)
    uid = u["successful"][0]["userId"]
    ids = [int(a), int(uid), int(b)]
    assert ids == sorted(ids) and len(set(ids)) == 3, ids
    # A user's ID is not a bot's.
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_bot(networkId=network, botId=uid)


@pytest.mark.parametrize("username", ["helper", "bot-helper", "robotic", "bots"])
def test_username_must_end_in_bot(root, network, username):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        create_bot(root, network, username)
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "username")
    assert "bot" in e["reasons"][0]["reason"]


@pytest.mark.parametrize("username", ["HelperBOT", "helper_bot", "a.Bot", "bot"])
def test_bot_suffix_is_case_insensitive(root, network, username):
    bot_id = create_bot(root, network, username)
    assert root.get_bot(networkId=network, botId=bot_id)["username"] == username


def test_create_bot_validation_lists_every_problem(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.create_bot(
            networkId=network, username=" spacebot", displayName="   ", groupId="x", challenge="short"
        )
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "username", "displayName", "challenge")


def test_duplicate_username_of_a_bot_case_insensitive(root, network):
    first = create_bot(root, network, "DupBot")
    with pytest.raises(root.exceptions.ValidationError) as ei:
        create_bot(root, network, "dupbot")
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "username")
    assert f"bot {first}" in e["reasons"][0]["reason"]


def test_duplicate_username_of_a_user(root, network):
    group = default_group(root, network)
    u = root.batch_create_user(networkId=network, users=[{"username": "SupportBot", "securityGroupIds": [group]}])
    uid = u["successful"][0]["userId"]
    with pytest.raises(root.exceptions.ValidationError) as ei:
        create_bot(root, network, "supportbot", group)
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "username")
    assert f"user {uid}" in e["reasons"][0]["reason"]


def test_user_cannot_take_a_bots_username(root, network):
    group = default_group(root, network)
    bot_id = create_bot(root, network, "TakenBot", group)
    r = root.batch_create_user(networkId=network, users=[{"username": "takenbot", "securityGroupIds": [group]}])
    assert r["successful"] == []
    assert r["failed"][0]["field"] == "username"
    assert r["failed"][0]["userId"] == bot_id


def test_same_username_in_another_network_is_fine(root, network):
    other = root.create_network(networkName="other-bots", accessLevel="STANDARD")["networkId"]
    create_bot(root, network, "twinbot")
    create_bot(root, other, "twinbot")


def test_create_bot_unknown_group(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        create_bot(root, network, "lostbot", "nosuchgroup")
    e = assert_client_error(ei.value, "ResourceNotFoundError")
    assert "nosuchgroup" in e["message"]
    assert root.get_bots_count(networkId=network)["total"] == 0


def test_create_bot_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.create_bot(networkId="10000001", username="nobot", groupId="g", challenge=PASSWORD)


@pytest.mark.parametrize("op", ["get", "update", "delete"])
def test_unknown_bot(root, network, op):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        if op == "get":
            root.get_bot(networkId=network, botId="9999999999")
        elif op == "update":
            root.update_bot(networkId=network, botId="9999999999", displayName="x")
        else:
            root.delete_bot(networkId=network, botId="9999999999")
    e = assert_client_error(ei.value, "ResourceNotFoundError")
    assert "9999999999" in e["message"]


def test_bot_of_another_network_is_not_found(root, network):
    other = root.create_network(networkName="other-net", accessLevel="STANDARD")["networkId"]
    bot_id = create_bot(root, other, "foreignbot")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_bot(networkId=network, botId=bot_id)


def test_bot_id_pattern_is_validated(loose, network):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.get_bot(networkId=network, botId="abc")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "botId")


# -- uname lookup -----------------------------------------------------------------------------


def test_batch_lookup_user_uname_resolves_bots(root, network):
    group = default_group(root, network)
    bot_id = create_bot(root, network, "LookupBot", group)
    root.batch_create_user(networkId=network, users=[{"username": "human@example.com", "securityGroupIds": [group]}])
    user_uname = root.list_users(networkId=network)["users"][0]["uname"]
    bot_uname = root.get_bot(networkId=network, botId=bot_id)["uname"]
    assert bot_uname != user_uname
    r = root.batch_lookup_user_uname(networkId=network, unames=[bot_uname, user_uname, "0" * 64])
    assert r["successful"] == [
        {"uname": bot_uname, "username": "LookupBot"},
        {"uname": user_uname, "username": "human@example.com"},
    ]
    assert [f["uname"] for f in r["failed"]] == ["0" * 64]


# -- sign-in ----------------------------------------------------------------------------------


def test_login_activates_the_bot(server, root, network):
    bot_id = create_bot(root, network, "LoginBot")
    assert strip(root.get_bots_count(networkId=network)) == {"pending": 1, "active": 0, "total": 1}
    before = datetime.now(timezone.utc).replace(microsecond=0)
    # The username is matched case-insensitively, as everywhere.
    status, body = bot_login(server, network, "loginbot", PASSWORD, pubkey="-----PUBLIC KEY-----abc")
    assert status == 200, body
    assert body == {"botId": bot_id, "status": 2}
    b = root.get_bot(networkId=network, botId=bot_id)
    assert b["status"] == 2
    assert b["pubkey"] == "-----PUBLIC KEY-----abc"
    last = datetime.fromisoformat(b["lastLogin"].replace("Z", "+00:00"))
    assert before.timestamp() - 5 <= last.timestamp() <= time.time() + 5, b["lastLogin"]
    c = root.get_bots_count(networkId=network)
    assert (c["pending"], c["active"], c["total"]) == (0, 1, 1)
    # Signing in again works and keeps the bot active.
    status, body = bot_login(server, network, "LoginBot", PASSWORD)
    assert status == 200 and body["status"] == 2
    assert root.get_bot(networkId=network, botId=bot_id)["pubkey"] == "-----PUBLIC KEY-----abc"


def test_wrong_challenges_never_lock_the_bot_out(server, root, network):
    bot_id = create_bot(root, network, "GuessBot")
    # Twice the old lockout in wrong guesses: each a 400 (a 429 is waited out), never a lock.
    for i in range(2 * LOCKOUT):
        status, body = bot_login(server, network, "GuessBot", f"wrong-{i}")
        assert status == 400, body
        assert body["message"] == "The username or challenge is not valid."
    # The owner's right challenge still signs in: no administrator needed.
    status, body = bot_login(server, network, "GuessBot", PASSWORD)
    assert status == 200, body
    assert root.get_bot(networkId=network, botId=bot_id)["status"] == 2
    # A new challenge set by an administrator replaces the old one.
    root.update_bot(networkId=network, botId=bot_id, challenge="brand-new-challenge")
    status, body = bot_login(server, network, "GuessBot", PASSWORD)
    assert status == 400, "the old challenge no longer works"
    status, body = bot_login(server, network, "GuessBot", "brand-new-challenge")
    assert status == 200, body


def test_successful_login_resets_the_failure_count(server, root, network):
    create_bot(root, network, "CountBot")
    for round_ in range(2):
        for i in range(LOCKOUT - 1):
            assert bot_login(server, network, "CountBot", f"wrong-{round_}-{i}")[0] == 400
        status, body = bot_login(server, network, "CountBot", PASSWORD)
        assert status == 200, f"round {round_}: {body}"


def test_suspended_bot_cannot_sign_in(server, root, network):
    bot_id = create_bot(root, network, "SleepyBot")
    r = root.update_bot(networkId=network, botId=bot_id, suspend=True)
    assert r["message"]
    assert root.get_bot(networkId=network, botId=bot_id)["suspended"] is True
    status, body = bot_login(server, network, "SleepyBot", PASSWORD)
    assert status == 403, body
    assert "suspended" in body["message"]
    root.update_bot(networkId=network, botId=bot_id, suspend=False)
    assert root.get_bot(networkId=network, botId=bot_id)["suspended"] is False
    assert bot_login(server, network, "SleepyBot", PASSWORD)[0] == 200


def test_login_bad_requests(server, root, network):
    create_bot(root, network, "PickyBot")
    # Unknown bot, a user's name, an unknown network: the same 400, nothing revealed.
    group = default_group(root, network)
    root.batch_create_user(networkId=network, users=[{"username": "humanbot", "securityGroupIds": [group]}])
    for net, name in [(network, "nosuchbot"), (network, "humanbot"), ("10000002", "PickyBot")]:
        status, body = bot_login(server, net, name, PASSWORD)
        assert status == 400, (net, name, body)
        assert body["message"] == "The username or challenge is not valid."
    status, body = login_raw(server, network, b"{not json")
    assert status == 400 and "JSON" in body["message"]
    status, body = login_raw(server, network, json.dumps({"username": "PickyBot"}).encode())
    assert status == 400 and "challenge" in body["message"]
    status, body = login_raw(server, network, json.dumps(["PickyBot", PASSWORD]).encode())
    assert status == 400
    status, body = login_raw(server, network, json.dumps({"username": "PickyBot", "challenge": PASSWORD, "pubkey": 5}).encode())
    assert status == 400 and "pubkey" in body["message"]
    status, body = login_raw(server, "abc", json.dumps({"username": "PickyBot", "challenge": PASSWORD}).encode())
    assert status == 400


# -- UpdateBot --------------------------------------------------------------------------------


def test_update_bot_fields_and_group_counts(root, network):
    g1 = default_group(root, network)
    g2 = new_group(root, network)
    bot_id = create_bot(root, network, "MoverBot", g1, displayName="Mover")
    assert root.get_security_group(networkId=network, groupId=g1)["securityGroup"]["botMembers"] == 1
    r = root.update_bot(networkId=network, botId=bot_id, displayName="Moved", groupId=g2)
    assert r["message"]
    b = root.get_bot(networkId=network, botId=bot_id)
    assert (b["displayName"], b["groupId"]) == ("Moved", g2)
    assert root.get_security_group(networkId=network, groupId=g1)["securityGroup"]["botMembers"] == 0
    assert root.get_security_group(networkId=network, groupId=g2)["securityGroup"]["botMembers"] == 1
    # An empty update changes nothing.
    assert root.update_bot(networkId=network, botId=bot_id)["message"]
    assert strip(root.get_bot(networkId=network, botId=bot_id)) == strip(b)


def test_update_bot_unknown_group(root, network):
    bot_id = create_bot(root, network, "StayBot")
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.update_bot(networkId=network, botId=bot_id, groupId="nosuchgroup", displayName="Changed")
    assert "nosuchgroup" in assert_client_error(ei.value, "ResourceNotFoundError")["message"]
    assert "displayName" not in root.get_bot(networkId=network, botId=bot_id), "nothing changed"


def test_update_bot_validation(root, network):
    bot_id = create_bot(root, network, "StrictBot")
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.update_bot(networkId=network, botId=bot_id, displayName=" ", challenge="12")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "displayName", "challenge")


def test_deleting_a_group_moves_its_bots_to_the_default_group(root, network):
    g = new_group(root, network, "Temp")
    bot_id = create_bot(root, network, "OrphanBot", g)
    root.delete_security_group(networkId=network, groupId=g)
    assert root.get_bot(networkId=network, botId=bot_id)["groupId"] == default_group(root, network)


# -- DeleteBot / GetBotsCount -----------------------------------------------------------------


def test_delete_bot(server, root, network):
    bot_id = create_bot(root, network, "DoomedBot")
    uname = root.get_bot(networkId=network, botId=bot_id)["uname"]
    assert root.delete_bot(networkId=network, botId=bot_id)["message"]
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_bot(networkId=network, botId=bot_id)
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.delete_bot(networkId=network, botId=bot_id)
    assert root.get_bots_count(networkId=network)["total"] == 0
    assert root.batch_lookup_user_uname(networkId=network, unames=[uname])["failed"][0]["uname"] == uname
    assert bot_login(server, network, "DoomedBot", PASSWORD)[0] == 400
    # The username is free again; the ID is not reused.
    again = create_bot(root, network, "DoomedBot")
    assert int(again) > int(bot_id)


def test_bots_count(server, root, network):
    assert strip(root.get_bots_count(networkId=network)) == {"pending": 0, "active": 0, "total": 0}
    for n in ("onebot", "twobot", "threebot"):
        create_bot(root, network, n)
    assert bot_login(server, network, "twobot", PASSWORD)[0] == 200
    assert strip(root.get_bots_count(networkId=network)) == {"pending": 2, "active": 1, "total": 3}


def test_bots_count_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_bots_count(networkId="10000003")


def strip(d):
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


# -- ListBots ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zoo(server, root):
    """Twelve bots in two groups, with display names and a mix of statuses (read-only tests)."""
    network = root.create_network(networkName="bot-zoo", accessLevel="STANDARD")["networkId"]
    g1 = default_group(root, network)
    g2 = new_group(root, network, "Zoo")
    specs = [
        ("alphabot", "Zeta", g1),
        ("Bravobot", "yankee", g2),
        ("charliebot", "X-ray", g1),
        ("deltabot", "whiskey", g2),
        ("echobot", "Victor", g1),
        ("foxtrotbot", "uniform", g2),
        ("golfbot", "Tango", g1),
        ("hotelbot", "sierra", g2),
        ("indiabot", "Romeo", g1),
        ("juliet_bot", "quebec_1", g2),
        ("kilobot", "Papa%", g1),
        ("limabot", None, g2),
    ]
    ids = {}
    for name, display, group in specs:
        kw = {"displayName": display} if display else {}
        ids[name] = create_bot(root, network, name, group, **kw)
    for name in ("charliebot", "foxtrotbot", "indiabot"):
        assert bot_login(server, network, name, PASSWORD)[0] == 200
    return {"network": network, "ids": ids, "g1": g1, "g2": g2, "active": {"charliebot", "foxtrotbot", "indiabot"}}


def test_list_bots_paginates_default_username_desc(root, zoo):
    pages = list_all(root, zoo["network"], maxResults=5)
    assert [len(p) for p in pages] == [5, 5, 2]
    names = [b["username"] for b in flat(pages)]
    assert names == sorted(zoo["ids"], key=str.lower, reverse=True)
    for b in flat(pages):
        assert b["botId"] == zoo["ids"][b["username"]]
        assert set(b) >= {"botId", "username", "uname", "status", "groupId", "hasChallenge", "suspended"}


def test_list_bots_default_page_size(root, zoo):
    r = root.list_bots(networkId=zoo["network"])
    assert len(r["bots"]) == 10 and r["nextToken"]


def test_list_bots_ascending(root, zoo):
    names = [b["username"] for b in flat(list_all(root, zoo["network"], sortDirection="ASC", maxResults=7))]
    assert names == sorted(zoo["ids"], key=str.lower)


@pytest.mark.parametrize("field", ["displayName", "firstName"])
def test_list_bots_sorted_by_display_name(root, zoo, field):
    bots = flat(list_all(root, zoo["network"], sortFields=field, sortDirection="ASC", maxResults=4))
    keys = [(b.get("displayName") or "").lower() for b in bots]
    assert keys == sorted(keys)
    assert bots[0]["username"] == "limabot", "no display name sorts first"


def test_list_bots_sorted_by_status_then_username(root, zoo):
    bots = flat(list_all(root, zoo["network"], sortFields="status+username", sortDirection="ASC", maxResults=3))
    keys = [(b["status"], b["username"].lower()) for b in bots]
    assert keys == sorted(keys)
    assert {b["username"] for b in bots if b["status"] == 2} == zoo["active"]


def test_list_bots_sorted_by_group(root, zoo):
    bots = flat(list_all(root, zoo["network"], sortFields="groupId", sortDirection="DESC", maxResults=5))
    groups = [b["groupId"] for b in bots]
    assert groups == sorted(groups, reverse=True)


def test_list_bots_filters(root, zoo):
    net = zoo["network"]

    def names(**kw):
        return {b["username"] for b in flat(list_all(root, net, maxResults=100, **kw))}

    assert names(status=2) == zoo["active"]
    assert names(status=1) == set(zoo["ids"]) - zoo["active"]
    assert names(groupId=zoo["g2"]) == {"Bravobot", "deltabot", "foxtrotbot", "hotelbot", "juliet_bot", "limabot"}
    assert names(groupId="nosuchgroup") == set()
    # Case-insensitive "contains"; LIKE wildcards are matched literally.
    assert names(username="BRAVO") == {"Bravobot"}
    assert names(username="o") == {n for n in zoo["ids"] if "o" in n.lower()}
    assert names(username="_") == {"juliet_bot"}
    assert names(displayName="%") == {"kilobot"}
    assert names(displayName="_1") == {"juliet_bot"}
    assert names(displayName="ANGO") == {"golfbot"}
    assert names(displayName="e", status=2, groupId=zoo["g1"]) == {"indiabot"}


def test_list_bots_filtered_pagination(root, zoo):
    pages = list_all(root, zoo["network"], groupId=zoo["g1"], maxResults=2)
    assert [len(p) for p in pages] == [2, 2, 2]
    assert len({b["botId"] for p in pages for b in p}) == 6


def test_list_bots_bad_sort_field(root, zoo):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_bots(networkId=zoo["network"], sortFields="uname")
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "sortFields")


def test_list_bots_bad_next_token(root, zoo):
    token = root.list_bots(networkId=zoo["network"], maxResults=2)["nextToken"]
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(root.exceptions.ValidationError):
        root.list_bots(networkId=zoo["network"], maxResults=2, nextToken=bad)
    # A token is bound to its query: not valid for another filter.
    with pytest.raises(root.exceptions.ValidationError):
        root.list_bots(networkId=zoo["network"], maxResults=2, nextToken=token, status=1)


def test_list_bots_max_results_range(loose, network):
    for n in (0, 101):
        with pytest.raises(loose.exceptions.ValidationError) as ei:
            loose.list_bots(networkId=network, maxResults=n)
        assert_reasons(error_of(ei.value), "maxResults")


def test_list_bots_of_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.list_bots(networkId="10000004")
