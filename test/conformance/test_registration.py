"""The client registration endpoint (POST /client/v1/networks/{networkId}/register, unsigned):
redeeming invite codes, failure counting and lockout, suspension, and per-address/per-user
rate limits. (Expired codes need a controllable clock: see test/registration.test.ts.)"""

from __future__ import annotations

import concurrent.futures
import json
import time

import pytest

from _support import assert_raw_error, start_server
from _users_support import (
    GENEROUS_REGISTRATION,
    create_user,
    engine_of,
    list_all,
    new_email,
    new_network,
    own_server,
    register,
    user_row,
)


@pytest.fixture(scope="module")
def regsrv(server):
    with own_server(engine_of(server), GENEROUS_REGISTRATION) as h:
        yield h


@pytest.fixture
def c(regsrv):
    return regsrv.client()


@pytest.fixture
def net(c):
    return new_network(c)


def test_registration_activates_the_user_and_registers_a_device(regsrv, c, net):
    name = new_email("Reg")
    u = create_user(c, net, name)
    before = int(time.time()) - 1
    r = register(regsrv, net, name, u["inviteCode"], device="Ada's phone", platform="Android")
    assert r.status == 200, r.body
    assert (r.header("Content-Type") or "").startswith("application/json")
    body = r.json()
    assert body["userId"] == u["userId"]
    assert body["status"] == 2
    assert body["appId"]

    row = user_row(c, net, u["userId"])
    assert row["status"] == 2
    assert row["challengeFailures"] == 0
    assert "inviteCode" not in row
    assert row["isInviteExpired"] is False
    g = c.get_user(networkId=net, userId=u["userId"])
    assert g["status"] == 2
    assert before <= g["lastLogin"] <= int(time.time()) + 1
    devices = c.list_devices_for_user(networkId=net, userId=u["userId"])["devices"]
    assert [(d["appId"], d["type"], d["statusText"]) for d in devices] == [(body["appId"], "Android", "Active")]
    assert c.get_users_count(networkId=net)["active"] == 1


def test_username_is_matched_case_insensitively(regsrv, c, net):
    u = create_user(c, net, new_email("Case"))
    r = register(regsrv, net, u["username"].upper(), u["inviteCode"])
    assert r.status == 200, r.body
    assert r.json()["userId"] == u["userId"]


def test_a_code_works_once(regsrv, c, net):
    u = create_user(c, net, new_email("once"))
    assert register(regsrv, net, u["username"], u["inviteCode"]).status == 200
    again = register(regsrv, net, u["username"], u["inviteCode"])
    assert_raw_error(again, "BadRequestError")
    assert len(c.list_devices_for_user(networkId=net, userId=u["userId"])["devices"]) == 1


def test_concurrent_redemptions_of_one_code_register_once(regsrv, c, net):
    u = create_user(c, net, new_email("race"))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: register(regsrv, net, u["username"], u["inviteCode"], device=f"d{i}"), range(8))
        )
    statuses = sorted(r.status for r in results)
    assert statuses.count(200) == 1, statuses
    # The losers see a used code (400), or, once those failures add up, the lockout (403).
    assert set(statuses) <= {200, 400, 403}, statuses
    devices = c.list_devices_for_user(networkId=net, userId=u["userId"])["devices"]
    assert len(devices) == 1, devices


def test_wrong_code_is_refused_and_counted(regsrv, c, net):
    u = create_user(c, net, new_email("wrong"))
    for expected in (1, 2):
        r = register(regsrv, net, u["username"], "NOT-THE-CODE")
        body = assert_raw_error(r, "BadRequestError")
        assert "not valid" in body["message"].lower()
        assert user_row(c, net, u["userId"])["challengeFailures"] == expected
    assert user_row(c, net, u["userId"])["status"] == 1
    # The right code still works below the limit, and clears the count.
    assert register(regsrv, net, u["username"], u["inviteCode"]).status == 200
    assert user_row(c, net, u["userId"])["challengeFailures"] == 0


def test_lockout_after_the_default_limit_and_reinvite_lifts_it(regsrv, c, net):
    u = create_user(c, net, new_email("lock"))
    for _ in range(5):
        assert register(regsrv, net, u["username"], "WRONG-CODE").status == 400
    assert user_row(c, net, u["userId"])["challengeFailures"] == 5
    # Locked: even the right code gets the answer of an unknown username (nothing to tell apart).
    locked = register(regsrv, net, u["username"], u["inviteCode"])
    body = assert_raw_error(locked, "BadRequestError")
    assert "locked" in body["message"].lower()
    unknown = assert_raw_error(register(regsrv, net, new_email("nobody"), "WRONG-CODE"), "BadRequestError")
    assert body == unknown
    assert user_row(c, net, u["userId"])["status"] == 1
    assert user_row(c, net, u["userId"])["challengeFailures"] == 5

    r = c.batch_reinvite_user(networkId=net, userIds=[u["userId"]])
    assert r["successful"] == [{"userId": u["userId"]}]
    row = user_row(c, net, u["userId"])
    assert row["challengeFailures"] == 0, "a reinvite lifts the lockout"
    ok = register(regsrv, net, u["username"], row["inviteCode"])
    assert ok.status == 200, ok.body


def test_suspended_user_cannot_register(regsrv, c, net):
    u = create_user(c, net, new_email("susp"))
    c.batch_toggle_user_suspend_status(networkId=net, suspend=True, userIds=[u["userId"]])
    r = register(regsrv, net, u["username"], u["inviteCode"])
    body = assert_raw_error(r, "ForbiddenError")
    assert "suspended" in body["message"].lower()
    assert user_row(c, net, u["userId"])["status"] == 1
    c.batch_toggle_user_suspend_status(networkId=net, suspend=False, userIds=[u["userId"]])
    assert register(regsrv, net, u["username"], u["inviteCode"]).status == 200


def test_code_of_another_network_does_not_work(regsrv, c, net):
    other = new_network(c)
    u = create_user(c, other, new_email("else"))
    assert_raw_error(register(regsrv, net, u["username"], u["inviteCode"]), "BadRequestError")
    assert user_row(c, other, u["userId"])["status"] == 1


def test_unknown_user_and_unknown_network(regsrv, net):
    assert_raw_error(register(regsrv, net, new_email("ghost"), "ANY-CODE-1"), "BadRequestError")
    assert_raw_error(register(regsrv, "10000017", new_email("ghost"), "ANY-CODE-1"), "BadRequestError")


@pytest.mark.parametrize(
    "path,body",
    [
        ("/client/v1/networks/{net}/register", "not json"),
        ("/client/v1/networks/{net}/register", {"username": "a@example.com"}),
        ("/client/v1/networks/{net}/register", {"username": 5, "inviteCode": "x", "deviceName": "d", "platform": "p"}),
        ("/client/v1/networks/abc/register", {"username": "a", "inviteCode": "x", "deviceName": "d", "platform": "p"}),
    ],
)
def test_malformed_requests_are_bad_requests(regsrv, net, path, body):
    r = regsrv.raw("POST", path.format(net=net), body, sign=False)
    assert_raw_error(r, "BadRequestError")


def test_invitation_link_page(regsrv, net):
    r = regsrv.raw(
        "GET", f"/client/v1/networks/{net}/invitation?username=x%40example.com&inviteCode=ABC", sign=False
    )
    assert r.status == 200
    body = r.json()
    assert body["networkId"] == net and body["inviteCode"] == "ABC"
    assert body["register"]["path"] == f"/client/v1/networks/{net}/register"


# -- servers with their own limits (engine-independent) ---------------------------------------


@pytest.fixture(scope="module")
def lockout_two():
    h = start_server(
        "sqlite-lockout", "sqlite::memory:", {"WICKR_REGISTRATION_LOCKOUT": "2", **GENEROUS_REGISTRATION}
    )
    yield h
    h.stop()


def test_lockout_limit_is_configurable(lockout_two):
    c = lockout_two.client()
    net = new_network(c)
    u = create_user(c, net, new_email("two"))
    for _ in range(2):
        assert register(lockout_two, net, u["username"], "WRONG-CODE").status == 400
    assert_raw_error(register(lockout_two, net, u["username"], u["inviteCode"]), "BadRequestError")
    assert user_row(c, net, u["userId"])["status"] == 1


@pytest.fixture(scope="module")
def limited():
    # Per address: burst 4, refilled very slowly; per user: half of that (burst 2).
    h = start_server(
        "sqlite-registration-limited",
        "sqlite::memory:",
        {"WICKR_REGISTRATION_RATE_LIMIT_RPS": "0.01", "WICKR_REGISTRATION_RATE_LIMIT_BURST": "4"},
    )
    yield h
    h.stop()


def test_registration_is_rate_limited_per_user_and_per_address(limited):
    c = limited.client()
    net = new_network(c)
    u1 = create_user(c, net, new_email("r1"))
    u2 = create_user(c, net, new_email("r2"))
    u3 = create_user(c, net, new_email("r3"))

    assert register(limited, net, u1["username"], "GUESS-0001").status == 400
    assert register(limited, net, u1["username"], "GUESS-0002").status == 400
    per_user = register(limited, net, u1["username"], "GUESS-0003")
    body = assert_raw_error(per_user, "RateLimitError")
    assert "user" in body["message"].lower()
    assert (per_user.header("Retry-After") or "").isdigit()
    # The throttled guess was not evaluated: it did not count as a failure.
    assert user_row(c, net, u1["userId"])["challengeFailures"] == 2

    # Another user from the same address still gets through, until the address runs dry.
    assert register(limited, net, u2["username"], u2["inviteCode"]).status == 200
    per_address = register(limited, net, u3["username"], u3["inviteCode"])
    body = assert_raw_error(per_address, "RateLimitError")
    assert "127.0.0.1" in body["message"] or "address" in body["message"].lower() or "registrations" in body["message"]
    retry = per_address.header("Retry-After")
    assert retry and retry.isdigit() and int(retry) >= 1
    assert user_row(c, net, u3["userId"])["status"] == 1
    assert [u["status"] for u in list_all(c, net, sortFields="username", sortDirection="ASC")].count(2) == 1


def decline(handle, network: str, username: str, code: str):
    return handle.raw(
        "POST",
        f"/client/v1/networks/{network}/decline",
        {"username": username, "inviteCode": code},
        sign=False,
    )


def test_a_declined_invitation_counts_as_rejected_until_reinvited(regsrv, c, net):
    u = create_user(c, net, new_email("decline"))
    other = create_user(c, net, new_email("stays"))
    wrong = decline(regsrv, net, u["username"], "NOT-THE-CODE")
    assert_raw_error(wrong, "BadRequestError")
    assert user_row(c, net, u["userId"])["challengeFailures"] == 1

    r = decline(regsrv, net, u["username"], u["inviteCode"])
    assert r.status == 200, r.body
    assert r.json() == {"userId": u["userId"], "status": 1, "declined": True}
    counts = c.get_users_count(networkId=net)
    assert (counts["pending"], counts["active"], counts["rejected"], counts["total"]) == (1, 0, 1, 1)
    # The declined code no longer registers, and the user stays pending without a code.
    assert_raw_error(register(regsrv, net, u["username"], u["inviteCode"]), "BadRequestError")
    row = user_row(c, net, u["userId"])
    assert row["status"] == 1 and "inviteCode" not in row

    # An administrator's reinvite renews the invitation: pending again, with a working code.
    assert c.batch_reinvite_user(networkId=net, userIds=[u["userId"]])["successful"] == [{"userId": u["userId"]}]
    counts = c.get_users_count(networkId=net)
    assert (counts["pending"], counts["rejected"], counts["total"]) == (2, 0, 2)
    fresh = user_row(c, net, u["userId"])["inviteCode"]
    assert register(regsrv, net, u["username"], fresh).status == 200
    assert other["userId"] != u["userId"]


def test_a_declined_custom_code_is_resent_unchanged_by_a_reinvite(regsrv, c, net):
    u = create_user(c, net, new_email("custom-decline"), inviteCode="TEAM-CODE-42")
    assert decline(regsrv, net, u["username"], "TEAM-CODE-42").status == 200
    assert "inviteCode" not in user_row(c, net, u["userId"])
    # Declined: the custom code is refused until an administrator reinvites.
    assert_raw_error(register(regsrv, net, u["username"], "TEAM-CODE-42"), "BadRequestError")
    c.batch_reinvite_user(networkId=net, userIds=[u["userId"]])
    assert user_row(c, net, u["userId"])["inviteCode"] == "TEAM-CODE-42"
    assert register(regsrv, net, u["username"], "TEAM-CODE-42").status == 200


# -- usernames are not discoverable (issue 10 item 7) -----------------------------------------


def test_unknown_username_wrong_code_and_lockout_answer_alike(regsrv, c, net):
    """From the outside (without the user's code) every refusal is the same 400, so registration
    cannot tell a username that exists from one that does not, locked or not."""
    pending = create_user(c, net, new_email("known"))
    locked = create_user(c, net, new_email("locked"))
    for _ in range(5):
        register(regsrv, net, locked["username"], "WRONG-CODE")
    active = create_user(c, net, new_email("active"))
    assert register(regsrv, net, active["username"], active["inviteCode"]).status == 200
    suspended = create_user(c, net, new_email("suspended"))
    c.batch_toggle_user_suspend_status(networkId=net, suspend=True, userIds=[suspended["userId"]])

    answers = [
        register(regsrv, net, new_email("nobody"), "WRONG-CODE"),
        register(regsrv, net, pending["username"], "WRONG-CODE"),
        register(regsrv, net, locked["username"], "WRONG-CODE"),
        register(regsrv, net, locked["username"], locked["inviteCode"]),
        register(regsrv, net, active["username"], "WRONG-CODE"),
        register(regsrv, net, suspended["username"], "WRONG-CODE"),
        decline(regsrv, net, new_email("nobody"), "WRONG-CODE"),
        decline(regsrv, net, locked["username"], locked["inviteCode"]),
    ]
    bodies = [assert_raw_error(r, "BadRequestError") for r in answers]
    assert all(b == bodies[0] for b in bodies), bodies
    assert set(bodies[0]) == {"message"}
    # Lockout counting goes on for real users, and stops at the limit.
    assert user_row(c, net, pending["userId"])["challengeFailures"] == 1
    assert user_row(c, net, locked["userId"])["challengeFailures"] == 5
    assert user_row(c, net, locked["userId"])["status"] == 1


def test_the_code_holder_learns_the_state_of_the_invitation(regsrv, c, net):
    u = create_user(c, net, new_email("holder"))
    assert register(regsrv, net, u["username"], u["inviteCode"]).status == 200
    again = assert_raw_error(register(regsrv, net, u["username"], u["inviteCode"]), "BadRequestError")
    assert "already used" in again["message"]


# -- bad input is never a 500 (issue 10 item 1, the invitee endpoints) -----------------------


NUL_CASES = [
    ("register", {"username": "a@example.com", "inviteCode": "CODE-1", "deviceName": "d", "platform": "p"}),
    ("decline", {"username": "a@example.com", "inviteCode": "CODE-1"}),
    ("bots/login", {"username": "SomeBot", "challenge": "s3cret-challenge", "pubkey": "KEY"}),
    ("guest-activity", {"username": "g@fed.example"}),
    ("invitation", {"action": "register", "username": "a@example.com", "inviteCode": "CODE-1", "deviceName": "d"}),
]


@pytest.mark.parametrize("endpoint,body", NUL_CASES, ids=[e for e, _ in NUL_CASES])
def test_a_nul_character_in_any_member_is_a_bad_request(regsrv, net, endpoint, body):
    for member in body:
        if member == "action":
            continue
        bad = {**body, member: body[member][:1] + "\x00" + body[member][1:]}
        # A federated network's guest report is signed; the others are not.
        r = regsrv.raw("POST", f"/client/v1/networks/{net}/{endpoint}", bad, sign=endpoint == "guest-activity")
        err = assert_raw_error(r, "BadRequestError")
        assert member in err["message"] and "NUL" in err["message"], (endpoint, member, err)


@pytest.mark.parametrize(
    "query",
    [
        "invitation?username=a%00b&inviteCode=X",
        "invitation?username=a&inviteCode=%00",
        "sso/callback?code=a%00b",
        "sso/callback?state=%00",
    ],
)
def test_a_nul_character_in_a_query_is_a_bad_request(regsrv, net, query):
    r = regsrv.raw("GET", f"/client/v1/networks/{net}/{query}", sign=False)
    assert "NUL" in assert_raw_error(r, "BadRequestError")["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "a@example.com", "inviteCode": "X", "deviceName": "d" * 300, "platform": "p"},
        {"username": "a" * 300, "inviteCode": "X", "deviceName": "d", "platform": "p"},
        {"username": ["a"], "inviteCode": "X", "deviceName": "d", "platform": "p"},
        {"username": None, "inviteCode": "X", "deviceName": "d", "platform": "p"},
        [],
        "string",
        7,
        None,
    ],
)
def test_wrong_shapes_and_over_long_members_are_bad_requests(regsrv, net, body):
    r = regsrv.raw("POST", f"/client/v1/networks/{net}/register", json.dumps(body), sign=False)
    assert_raw_error(r, "BadRequestError")
