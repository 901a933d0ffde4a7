"""Users through boto3: BatchCreateUser, ListUsers (filters, sorting, pagination), GetUser,
UpdateUser, suspension, deletion, counts, security group membership, and devices."""

from __future__ import annotations

import secrets
import time

import pytest

from _support import assert_client_error, assert_reasons, unique_name
from _users_support import (
    GENEROUS_REGISTRATION,
    create_user,
    default_group,
    engine_of,
    list_all,
    new_email,
    new_network,
    own_server,
    register,
    seed_devices,
    user_row,
)

DAY = 86_400


@pytest.fixture(scope="module")
def regsrv(server):
    """A server of its own (same engine) whose registration endpoint is not rate limited in
    practice: these tests register users to make them active and give them devices."""
    with own_server(engine_of(server), GENEROUS_REGISTRATION) as h:
        yield h


def _registered(h, network, username=None, platform="ios", **kw):
    """A user created and registered (status 2) on server `h`; returns (user, appId)."""
    c = h.client()
    u = create_user(c, network, username or new_email("active"), **kw)
    r = register(h, network, u["username"], u["inviteCode"], platform=platform)
    assert r.status == 200, r.body
    return u, r.json()["appId"]


# -- BatchCreateUser ---------------------------------------------------------------------------


def test_create_user_with_generated_code(root, network):
    group = default_group(root, network)
    name = new_email("Gen")
    r = root.batch_create_user(
        networkId=network,
        users=[{"username": name, "firstName": "Grace", "lastName": "Hopper", "securityGroupIds": [group]}],
    )
    assert r.get("failed", []) == []
    assert "1 item created, 0 failed" in r["message"], r["message"]
    (u,) = r["successful"]
    assert u["userId"].isdigit() and len(u["userId"]) <= 10
    assert u["username"] == name
    assert u["firstName"] == "Grace" and u["lastName"] == "Hopper"
    assert u["securityGroups"] == [group]
    assert u["status"] == 1 and u["suspended"] is False and u["isAdmin"] is False
    assert u["isUser"] is True and u["type"] == "user"
    assert u["isInviteExpired"] is False
    assert u["codeValidation"] is False
    assert u["challengeFailures"] == 0
    assert u["inviteCode"] and len(u["inviteCode"]) >= 8
    assert len(u["uname"]) == 64
    # The same user, as listed.
    listed = user_row(root, network, u["userId"])
    assert listed == u


def test_generated_codes_differ(root, network):
    group = default_group(root, network)
    r = root.batch_create_user(
        networkId=network,
        users=[{"username": new_email("g"), "securityGroupIds": [group]} for _ in range(5)],
    )
    codes = [u["inviteCode"] for u in r["successful"]]
    assert len(set(codes)) == 5, codes


def test_create_user_with_custom_code_and_code_validation(root, network):
    u = create_user(root, network, new_email("custom"), inviteCode="Custom-Code-42", codeValidation=True)
    assert u["inviteCode"] == "Custom-Code-42"
    assert u["codeValidation"] is True
    assert user_row(root, network, u["userId"])["inviteCode"] == "Custom-Code-42"


def test_invite_code_ttl_sets_the_expiration(root, network):
    before = int(time.time())
    three = create_user(root, network, new_email("ttl3"), inviteCodeTtl=3)
    default = create_user(root, network, new_email("ttl7"))
    after = int(time.time())
    # UpdateUser answers with inviteExpiration; an update that changes nothing shows it as is.
    e3 = root.update_user(networkId=network, userId=three["userId"], userDetails={})["inviteExpiration"]
    e7 = root.update_user(networkId=network, userId=default["userId"], userDetails={})["inviteExpiration"]
    assert before + 3 * DAY - 2 <= e3 <= after + 3 * DAY + 2
    assert before + 7 * DAY - 2 <= e7 <= after + 7 * DAY + 2, "default TTL is 7 days"


@pytest.mark.parametrize("ttl", [0, -1, 366])
def test_invite_code_ttl_out_of_range_is_a_validation_error(root, network, ttl):
    group = default_group(root, network)
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.batch_create_user(
            networkId=network,
            users=[
                {"username": new_email("ok"), "securityGroupIds": [group]},
                {"username": new_email("bad"), "securityGroupIds": [group], "inviteCodeTtl": ttl},
            ],
        )
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "users[1].inviteCodeTtl")
    assert list_all(root, network) == [], "a rejected request creates nobody"


def test_unknown_security_group_fails_per_item(root, network):
    group = default_group(root, network)
    good, bad = new_email("good"), new_email("bad")
    r = root.batch_create_user(
        networkId=network,
        users=[
            {"username": bad, "securityGroupIds": [group, "nosuchgroup"]},
            {"username": good, "securityGroupIds": [group]},
        ],
    )
    assert [u["username"] for u in r["successful"]] == [good]
    (f,) = r["failed"]
    assert f["field"] == "securityGroupIds"
    assert "nosuchgroup" in f["reason"]
    assert "1 item created, 1 failed" in r["message"], r["message"]
    assert [u["username"] for u in list_all(root, network)] == [good]


def test_username_taken_case_insensitively_fails_per_item(root, network):
    name = new_email("Taken")
    first = create_user(root, network, name)
    group = default_group(root, network)
    fresh = new_email("fresh")
    r = root.batch_create_user(
        networkId=network,
        users=[
            {"username": fresh, "securityGroupIds": [group]},
            {"username": name.upper(), "securityGroupIds": [group]},
        ],
    )
    assert [u["username"] for u in r["successful"]] == [fresh]
    (f,) = r["failed"]
    assert f["field"] == "username"
    assert f["userId"] == first["userId"], "the failure names the user holding the name"
    assert "taken" in f["reason"].lower()


def test_a_repeat_in_the_request_is_created_once_and_reported(root, network):
    group = default_group(root, network)
    name = new_email("dup")
    other = new_email("other")
    r = root.batch_create_user(
        networkId=network,
        users=[
            {"username": name, "securityGroupIds": [group]},
            {"username": other, "securityGroupIds": [group]},
            {"username": name.upper(), "securityGroupIds": [group]},
        ],
    )
    assert [u["username"] for u in r["successful"]] == [name, other]
    assert r["failed"] == [
        {
            "userId": "",
            "field": "username",
            "reason": "users[2] repeats users[0] (the same username, case-insensitively); only the first is processed.",
        }
    ]
    assert "2 items created, 1 failed" in r["message"]
    assert sorted(u["username"] for u in list_all(root, network)) == sorted([name, other])


@pytest.mark.parametrize("op", ["reinvite", "suspend", "delete"])
def test_a_repeated_user_id_is_processed_once_and_reported(root, network, op):
    a = create_user(root, network, new_email("rep"))["userId"]
    b = create_user(root, network, new_email("rep"))["userId"]
    ids = [a, "0" + a, b, a]
    if op == "reinvite":
        r = root.batch_reinvite_user(networkId=network, userIds=ids)
    elif op == "suspend":
        r = root.batch_toggle_user_suspend_status(networkId=network, suspend=True, userIds=ids)
    else:
        r = root.batch_delete_user(networkId=network, userIds=ids)
    assert r["successful"] == [{"userId": a}, {"userId": b}]
    assert [(f["userId"], f["field"], f["reason"]) for f in r["failed"]] == [
        (a, "userId", "userIds[1] repeats userIds[0] (the same user ID); only the first is processed."),
        (a, "userId", "userIds[3] repeats userIds[0] (the same user ID); only the first is processed."),
    ]


def test_create_user_in_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.batch_create_user(networkId="10000009", users=[{"username": new_email(), "securityGroupIds": ["x"]}])
    assert_client_error(ei.value, "ResourceNotFoundError")


@pytest.mark.parametrize("count", [0, 51])
def test_create_user_batch_limits(loose, network, count):
    users = [{"username": new_email(), "securityGroupIds": ["g"]} for _ in range(count)]
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.batch_create_user(networkId=network, users=users)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "users")


def test_user_ids_are_never_reused(root, network):
    u = create_user(root, network, new_email("once"))
    root.batch_delete_user(networkId=network, userIds=[u["userId"]])
    again = create_user(root, network, u["username"])
    assert again["userId"] != u["userId"]


# -- ListUsers ---------------------------------------------------------------------------------


def _names(users):
    return [u["username"] for u in users]


def test_list_users_filters(root, network):
    group = default_group(root, network)
    other = root.create_security_group(networkId=network, name=unique_name("g"), securityGroupSettings={})[
        "securityGroup"
    ]["id"]
    tag = secrets.token_hex(3)
    a = create_user(root, network, f"alice.{tag}@example.com", firstName="Alice", lastName="Archer")
    b = create_user(root, network, f"bob.{tag}@example.com", firstName="Bob", lastName="Baker",
                    securityGroupIds=[group, other])
    c = create_user(root, network, "carol@example.org", firstName="Carol", lastName="Archer-Smith",
                    securityGroupIds=[other])
    everyone = list_all(root, network)
    assert sorted(_names(everyone)) == sorted([a["username"], b["username"], c["username"]])

    by_username = list_all(root, network, username=f"{tag.upper()}@EXAMPLE")
    assert sorted(_names(by_username)) == sorted([a["username"], b["username"]]), "substring, case-insensitive"
    assert _names(list_all(root, network, firstName="bob")) == [b["username"]]
    assert sorted(_names(list_all(root, network, lastName="archer"))) == sorted([a["username"], c["username"]])
    assert sorted(_names(list_all(root, network, groupId=other))) == sorted([b["username"], c["username"]])
    assert sorted(_names(list_all(root, network, groupId=group))) == sorted([a["username"], b["username"]])
    assert sorted(_names(list_all(root, network, status=1))) == sorted(_names(everyone))
    assert list_all(root, network, status=2) == []
    assert list_all(root, network, username="nobody-matches-this") == []
    # LIKE wildcards in a filter are literal characters.
    assert list_all(root, network, username="%") == []
    assert list_all(root, network, username="_") == []


def test_list_users_filters_take_wildcards_literally(root, network):
    percent = create_user(root, network, f"100%sure{secrets.token_hex(2)}@example.com")
    under = create_user(root, network, f"snake_case{secrets.token_hex(2)}@example.com")
    create_user(root, network, f"snakeXcase{secrets.token_hex(2)}@example.com")
    create_user(root, network, f"1000sure{secrets.token_hex(2)}@example.com")
    assert _names(list_all(root, network, username="100%")) == [percent["username"]]
    assert _names(list_all(root, network, username="snake_")) == [under["username"]]


def test_list_users_name_filters_match_non_ascii_names(root, network):
    u = create_user(root, network, new_email("intl"), firstName="Émile", lastName="Öztürk")
    create_user(root, network, new_email("other"), firstName="Emile", lastName="Ozturk")
    assert _names(list_all(root, network, firstName="Émile")) == [u["username"]]
    assert _names(list_all(root, network, firstName="mile")) != []
    assert _names(list_all(root, network, lastName="Öztürk")) == [u["username"]]
    assert _names(list_all(root, network, lastName="ztürk")) == [u["username"]]


def test_list_users_name_filters_fold_case_beyond_ascii(root, network):
    u = create_user(root, network, new_email("fold"), firstName="Émile", lastName="Öztürk")
    assert _names(list_all(root, network, firstName="émile")) == [u["username"]]
    assert _names(list_all(root, network, lastName="ÖZTÜRK")) == [u["username"]]


def test_list_users_status_filter_with_active_users(regsrv):
    c = regsrv.client()
    network = new_network(c)
    pending = create_user(c, network, new_email("pending"))
    active, _ = _registered(regsrv, network)
    assert _names(list_all(c, network, status=1)) == [pending["username"]]
    assert _names(list_all(c, network, status=2)) == [active["username"]]
    row = user_row(c, network, active["userId"])
    assert row["status"] == 2
    assert "inviteCode" not in row, "a registered user has no invite code any more"
    # sortFields status: pending (1) before active (2) ascending.
    assert _names(list_all(c, network, sortFields="status", sortDirection="ASC")) == [
        pending["username"],
        active["username"],
    ]


def test_list_users_sorting(root, network):
    tag = secrets.token_hex(3)
    people = [("Ann", "Zed"), ("bob", "Young"), ("Carl", "young"), ("dora", None)]
    made = {}
    for i, (first, last) in enumerate(people):
        kw = {"firstName": first}
        if last:
            kw["lastName"] = last
        made[first] = create_user(root, network, f"s{i}{tag}@example.com", **kw)

    asc = list_all(root, network, sortFields="lastName+firstName", sortDirection="ASC")
    assert [u.get("firstName") for u in asc] == ["dora", "bob", "Carl", "Ann"]
    desc = list_all(root, network, sortFields="lastName+firstName", sortDirection="DESC")
    assert [u.get("firstName") for u in desc] == ["Ann", "Carl", "bob", "dora"]
    # Documented default direction: DESC; default field: username.
    default = list_all(root, network)
    assert _names(default) == sorted(_names(default), key=str.lower, reverse=True)
    by_first = list_all(root, network, sortFields="firstName", sortDirection="ASC")
    assert [u["firstName"] for u in by_first] == ["Ann", "bob", "Carl", "dora"], "case-insensitive"


def test_list_users_rejects_unknown_sort_field(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_users(networkId=network, sortFields="username+shoeSize")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "sortFields")


def test_list_users_rejects_tampered_token(root, network):
    for i in range(3):
        create_user(root, network, f"t{i}{secrets.token_hex(2)}@example.com")
    token = root.list_users(networkId=network, maxResults=1)["nextToken"]
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_users(networkId=network, maxResults=1, nextToken=bad)
    assert_client_error(ei.value, "ValidationError")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_pagination_under_concurrent_inserts(root, network, direction):
    tag = secrets.token_hex(3)
    group = default_group(root, network)
    originals = [f"m{i:02d}{tag}" for i in range(9)]
    root.batch_create_user(networkId=network, users=[{"username": n, "securityGroupIds": [group]} for n in originals])

    seen: list[str] = []
    token = None
    inserted = 0
    for _ in range(100):
        args = {"maxResults": 2, "sortFields": "username", "sortDirection": direction}
        if token:
            args["nextToken"] = token
        r = root.list_users(networkId=network, **args)
        page = _names(r["users"])
        assert len(page) <= 2
        seen.extend(page)
        token = r.get("nextToken")
        if not token:
            break
        # Between pages, others insert users on both sides of the cursor.
        inserted += 1
        root.batch_create_user(
            networkId=network,
            users=[
                {"username": f"a{inserted:02d}{tag}", "securityGroupIds": [group]},
                {"username": f"z{inserted:02d}{tag}", "securityGroupIds": [group]},
            ],
        )
    assert token is None, "pagination did not end"
    assert len(seen) == len(set(seen)), f"repeated: {seen}"
    for n in originals:
        assert seen.count(n) == 1, f"{n} skipped: {seen}"
    expected_order = sorted(seen, reverse=direction == "DESC")
    assert seen == expected_order, "pages follow the sort order"


def test_list_users_page_size(root, network):
    group = default_group(root, network)
    root.batch_create_user(
        networkId=network, users=[{"username": new_email("p"), "securityGroupIds": [group]} for _ in range(12)]
    )
    first = root.list_users(networkId=network)
    assert len(first["users"]) == 10, "default page size is 10"
    assert first["nextToken"]
    assert len(root.list_users(networkId=network, maxResults=100)["users"]) == 12


def test_list_users_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.list_users(networkId="10000011")


# -- GetUser -----------------------------------------------------------------------------------


def test_get_user_pending(root, network):
    group = default_group(root, network)
    u = create_user(root, network, new_email("get"), firstName="Gi", lastName="Ga")
    g = root.get_user(networkId=network, userId=u["userId"])
    assert g["userId"] == u["userId"]
    assert g["username"] == u["username"]
    assert g["firstName"] == "Gi" and g["lastName"] == "Ga"
    assert g["status"] == 1 and g["suspended"] is False and g["isAdmin"] is False
    assert g["securityGroupIds"] == [group]
    assert "lastLogin" not in g and "lastActivity" not in g


def test_get_user_unknown(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_user(networkId=network, userId="9999999999")
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_get_user_activity_window(regsrv):
    c = regsrv.client()
    network = new_network(c)
    before = int(time.time()) - 1
    u, _ = _registered(regsrv, network)
    after = int(time.time()) + 1
    g = c.get_user(networkId=network, userId=u["userId"])
    assert g["status"] == 2
    assert before <= g["lastLogin"] <= after, "lastLogin is set at registration (epoch seconds)"
    assert before <= g["lastActivity"] <= after
    inside = c.get_user(networkId=network, userId=u["userId"], startTime=before - 60, endTime=after + 60)
    assert inside["lastActivity"] == g["lastActivity"]
    later = c.get_user(networkId=network, userId=u["userId"], startTime=after + 3600)
    assert "lastActivity" not in later, "no activity after startTime"
    earlier = c.get_user(networkId=network, userId=u["userId"], endTime=before - 3600)
    assert "lastActivity" not in earlier, "no activity before endTime"
    assert later["lastLogin"] == g["lastLogin"]


# -- UpdateUser --------------------------------------------------------------------------------


def test_update_user_names(root, network):
    u = create_user(root, network, new_email("upd"), firstName="Old", lastName="Name")
    r = root.update_user(networkId=network, userId=u["userId"], userDetails={"firstName": "New"})
    assert r["userId"] == u["userId"] and r["networkId"] == network
    assert r["firstName"] == "New" and r["lastName"] == "Name"
    assert r["suspended"] is False and r["status"] == 1
    assert abs(r["modified"] - time.time()) < 60
    row = user_row(root, network, u["userId"])
    assert row["firstName"] == "New" and row["lastName"] == "Name"


def test_update_username_changes_uname(root, network):
    u = create_user(root, network, new_email("before"))
    new_name = new_email("after")
    root.update_user(networkId=network, userId=u["userId"], userDetails={"username": new_name})
    row = user_row(root, network, u["userId"])
    assert row["username"] == new_name
    assert row["uname"] != u["uname"]
    r = root.batch_lookup_user_uname(networkId=network, unames=[u["uname"], row["uname"]])
    assert r["successful"] == [{"uname": row["uname"], "username": new_name}]
    assert [f["uname"] for f in r["failed"]] == [u["uname"]]


def test_update_username_to_a_taken_one_is_refused(root, network):
    a = create_user(root, network, new_email("a"))
    b = create_user(root, network, new_email("b"))
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.update_user(networkId=network, userId=b["userId"], userDetails={"username": a["username"].upper()})
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "userDetails.username")
    assert user_row(root, network, b["userId"])["username"] == b["username"]


def test_update_user_groups(root, network):
    group = default_group(root, network)
    other = root.create_security_group(networkId=network, name=unique_name("g"), securityGroupSettings={})[
        "securityGroup"
    ]["id"]
    u = create_user(root, network, new_email("grp"))
    r = root.update_user(networkId=network, userId=u["userId"], userDetails={"securityGroupIds": [other]})
    assert r["securityGroupIds"] == [other]
    assert root.get_user(networkId=network, userId=u["userId"])["securityGroupIds"] == [other]
    assert [x["userId"] for x in list_all(root, network, "list_security_group_users", groupId=other)] == [u["userId"]]
    assert list_all(root, network, "list_security_group_users", groupId=group) == []
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.update_user(networkId=network, userId=u["userId"], userDetails={"securityGroupIds": ["nosuchgrp"]})
    assert root.get_user(networkId=network, userId=u["userId"])["securityGroupIds"] == [other]


def test_update_user_invite_code(root, network):
    u = create_user(root, network, new_email("code"))
    before = int(time.time())
    r = root.update_user(
        networkId=network,
        userId=u["userId"],
        userDetails={"inviteCode": "Brand-New-Code", "inviteCodeTtl": 2, "codeValidation": True},
    )
    assert r["inviteCode"] == "Brand-New-Code"
    assert r["codeValidation"] is True
    assert before + 2 * DAY - 2 <= r["inviteExpiration"] <= int(time.time()) + 2 * DAY + 2
    row = user_row(root, network, u["userId"])
    assert row["inviteCode"] == "Brand-New-Code" and row["codeValidation"] is True


def test_update_unknown_user(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.update_user(networkId=network, userId="9999999998", userDetails={"firstName": "X"})


def test_update_active_users_invite_code_is_refused(regsrv):
    c = regsrv.client()
    network = new_network(c)
    u, _ = _registered(regsrv, network)
    with pytest.raises(c.exceptions.ValidationError) as ei:
        c.update_user(networkId=network, userId=u["userId"], userDetails={"inviteCode": "Another-Code"})
    assert_client_error(ei.value, "ValidationError")


# -- suspension, deletion, counts --------------------------------------------------------------


def test_toggle_suspend_status(root, network):
    a = create_user(root, network, new_email("s1"))
    b = create_user(root, network, new_email("s2"))
    r = root.batch_toggle_user_suspend_status(
        networkId=network, suspend=True, userIds=[b["userId"], "9999999997", a["userId"], b["userId"]]
    )
    assert r["successful"] == [{"userId": b["userId"]}, {"userId": a["userId"]}]
    # The repeat of b is answered too, as a repeat.
    assert [(f["userId"], f["field"]) for f in r["failed"]] == [("9999999997", "userId"), (b["userId"], "userId")]
    assert "not found" in r["failed"][0]["reason"]
    assert "repeats" in r["failed"][1]["reason"]
    assert "2 items suspended, 2 failed" in r["message"], r["message"]
    assert user_row(root, network, a["userId"])["suspended"] is True
    assert root.get_user(networkId=network, userId=b["userId"])["suspended"] is True

    r = root.batch_toggle_user_suspend_status(networkId=network, suspend=False, userIds=[a["userId"]])
    assert r["successful"] == [{"userId": a["userId"]}]
    assert user_row(root, network, a["userId"])["suspended"] is False
    assert user_row(root, network, b["userId"])["suspended"] is True


def test_batch_delete_user(root, network):
    a = create_user(root, network, new_email("d1"))
    b = create_user(root, network, new_email("d2"))
    keep = create_user(root, network, new_email("keep"))
    r = root.batch_delete_user(networkId=network, userIds=[b["userId"], "9999999996", a["userId"], a["userId"]])
    assert r["successful"] == [{"userId": b["userId"]}, {"userId": a["userId"]}]
    assert [f["userId"] for f in r["failed"]] == ["9999999996", a["userId"]]
    assert "repeats" in r["failed"][1]["reason"]
    assert "2 items deleted, 2 failed" in r["message"], r["message"]
    assert [u["userId"] for u in list_all(root, network)] == [keep["userId"]]
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_user(networkId=network, userId=a["userId"])
    # Deleting again: the user is gone, a per-item failure.
    again = root.batch_delete_user(networkId=network, userIds=[a["userId"]])
    assert again.get("successful", []) == [] and [f["userId"] for f in again["failed"]] == [a["userId"]]


@pytest.mark.parametrize("op", ["batch_delete_user", "batch_toggle_user_suspend_status"])
@pytest.mark.parametrize("bad", ["abc", "12345678901"])
def test_malformed_user_ids_are_validation_errors(loose, network, op, bad):
    kw = {"suspend": True} if op == "batch_toggle_user_suspend_status" else {}
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        getattr(loose, op)(networkId=network, userIds=["123", bad], **kw)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "userIds[1]")


def test_users_count(regsrv):
    c = regsrv.client()
    network = new_network(c)
    empty = c.get_users_count(networkId=network)
    assert (empty["pending"], empty["active"], empty["rejected"], empty["total"]) == (0, 0, 0, 0)
    assert empty["remaining"] > 0
    p1 = create_user(c, network, new_email("p1"))
    create_user(c, network, new_email("p2"))
    _registered(regsrv, network)
    n = c.get_users_count(networkId=network)
    assert (n["pending"], n["active"], n["rejected"], n["total"]) == (2, 1, 0, 3)
    assert n["remaining"] == empty["remaining"] - 3
    # A suspended user is still one user of the network, counted once, by its status.
    c.batch_toggle_user_suspend_status(networkId=network, suspend=True, userIds=[p1["userId"]])
    s = c.get_users_count(networkId=network)
    assert (s["pending"], s["active"], s["rejected"], s["total"]) == (2, 1, 0, 3)


def test_list_security_group_users(root, network):
    group = default_group(root, network)
    other = root.create_security_group(networkId=network, name=unique_name("g"), securityGroupSettings={})[
        "securityGroup"
    ]["id"]
    tag = secrets.token_hex(3)
    in_default = [create_user(root, network, f"d{i}{tag}@example.com") for i in range(3)]
    in_other = create_user(root, network, f"o{tag}@example.com", securityGroupIds=[other])
    pages = []
    token = None
    while True:
        args = {"groupId": group, "maxResults": 2, "sortFields": "username", "sortDirection": "ASC"}
        if token:
            args["nextToken"] = token
        r = root.list_security_group_users(networkId=network, **args)
        pages.append(_names(r["users"]))
        token = r.get("nextToken")
        if not token:
            break
    assert pages == [[in_default[0]["username"], in_default[1]["username"]], [in_default[2]["username"]]]
    assert _names(list_all(root, network, "list_security_group_users", groupId=other)) == [in_other["username"]]
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.list_security_group_users(networkId=network, groupId="nosuchgroup")


# -- devices -----------------------------------------------------------------------------------


def test_registered_user_has_a_device(regsrv):
    c = regsrv.client()
    network = new_network(c)
    u, app_id = _registered(regsrv, network)
    d = c.list_devices_for_user(networkId=network, userId=u["userId"])
    assert "nextToken" not in d
    (dev,) = d["devices"]
    assert dev["appId"] == app_id
    assert dev["type"] == "iOS", "the documented operating system name, whatever the client sent"
    assert dev["statusText"] == "Active"
    assert dev["suspend"] is False
    assert dev["created"] and dev["lastLogin"]


def test_list_devices_pagination_and_sorting(regsrv):
    c = regsrv.client()
    network = new_network(c)
    u, first = _registered(regsrv, network)
    base = int(time.time() * 1000) - 3_600_000
    seeded = seed_devices(
        regsrv.db_url,
        network,
        u["userId"],
        [
            {"name": "Laptop", "platform": "MacOSX", "at": base + 1000},
            {"name": "Desktop", "platform": "Windows", "at": base + 3000},
            {"name": "Tablet", "platform": "Android", "at": base + 2000},
            {"name": "Old", "platform": "iOS", "at": base},
        ],
    )
    everything = set(seeded) | {first}

    def pages(**kw):
        out, token = [], None
        while True:
            args = {"maxResults": 2, **kw}
            if token:
                args["nextToken"] = token
            r = c.list_devices_for_user(networkId=network, userId=u["userId"], **args)
            assert len(r["devices"]) <= 2
            out.extend(r["devices"])
            token = r.get("nextToken")
            if not token:
                return out

    default = pages()
    assert [d["appId"] for d in default] == [first, seeded[1], seeded[2], seeded[0], seeded[3]], (
        "default: created, DESC"
    )
    asc = pages(sortFields="created", sortDirection="ASC")
    assert [d["appId"] for d in asc] == [seeded[3], seeded[0], seeded[2], seeded[1], first]
    by_type = pages(sortFields="type", sortDirection="ASC")
    assert [d["type"] for d in by_type] == sorted(d["type"] for d in by_type)
    assert {d["appId"] for d in by_type} == everything
    by_login = pages(sortFields="lastlogin", sortDirection="DESC")
    assert [d["appId"] for d in by_login][0] == first
    with pytest.raises(c.exceptions.ValidationError):
        c.list_devices_for_user(networkId=network, userId=u["userId"], sortFields="colour")


def test_reset_devices(regsrv):
    c = regsrv.client()
    network = new_network(c)
    u, first = _registered(regsrv, network)
    (second,) = seed_devices(
        regsrv.db_url, network, u["userId"], [{"name": "Laptop", "platform": "MacOSX", "at": int(time.time() * 1000)}]
    )
    unknown = "f" * 32
    r = c.batch_reset_devices_for_user(networkId=network, userId=u["userId"], appIds=[second, unknown, second])
    assert r["successful"] == [{"appId": second}]
    assert [(f["appId"], f["field"]) for f in r["failed"]] == [(unknown, "appId"), (second, "appId")]
    assert r["failed"][0]["reason"]
    assert r["failed"][1]["reason"] == "appIds[2] repeats appIds[0] (the same device); only the first is processed."
    assert "1 item reset, 2 failed" in r["message"], r["message"]
    devices = c.list_devices_for_user(networkId=network, userId=u["userId"])["devices"]
    status = {d["appId"]: d["statusText"] for d in devices}
    assert status == {first: "Active", second: "Reset"}

    # Another user's device is not this user's: a per-item failure.
    v, theirs = _registered(regsrv, network)
    r = c.batch_reset_devices_for_user(networkId=network, userId=u["userId"], appIds=[theirs])
    assert r.get("successful", []) == [] and [f["appId"] for f in r["failed"]] == [theirs]
    assert c.list_devices_for_user(networkId=network, userId=v["userId"])["devices"][0]["statusText"] == "Active"


def test_devices_of_unknown_user(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.list_devices_for_user(networkId=network, userId="9999999995")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.batch_reset_devices_for_user(networkId=network, userId="9999999995", appIds=["x"])
