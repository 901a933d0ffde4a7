"""Security groups: the default group, CRUD, pagination, settings merge, idempotency."""

from __future__ import annotations

import time

import pytest

from _support import assert_client_error, model_members, random_token, strip_meta, unique_name


def _groups(client, network, **kw):
    out, token = [], None
    for _ in range(50):
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = client.list_security_groups(networkId=network, **args)
        out.append(r.get("securityGroups", []))
        token = r.get("nextToken")
        if not token:
            return out
    raise AssertionError("pagination did not end")


def _default_group(client, network):
    groups = [g for p in _groups(client, network, maxResults=100) for g in p]
    defaults = [g for g in groups if g["isDefault"]]
    assert len(defaults) == 1, groups
    return defaults[0]


def test_new_network_has_a_default_group(root, network):
    groups = [g for p in _groups(root, network) for g in p]
    assert len(groups) == 1
    g = groups[0]
    assert g["isDefault"] is True
    assert g["name"]
    assert g["activeMembers"] == 0 and g["botMembers"] == 0
    full = root.get_security_group(networkId=network, groupId=g["id"])["securityGroup"]
    assert full == g


def test_default_group_cannot_be_deleted(root, network):
    g = _default_group(root, network)
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.delete_security_group(networkId=network, groupId=g["id"])
    e = assert_client_error(ei.value, "BadRequestError")
    assert "default" in e["message"].lower()
    assert root.get_security_group(networkId=network, groupId=g["id"])["securityGroup"]["isDefault"]


def test_create_security_group_returns_full_settings(server, root, network):
    before = int(time.time()) - 5
    r = root.create_security_group(
        networkId=network,
        name="Engineering",
        securityGroupSettings={
            "lockoutThreshold": 5,
            "federationMode": 2,
            "globalFederation": True,
            "enableGuestFederation": True,
            "permittedNetworks": ["12345678", "87654321"],
            "permittedWickrAwsNetworks": [{"region": "us-west-2", "networkId": "11112222"}],
            "permittedWickrEnterpriseNetworks": [{"domain": "example.com", "networkId": "33334444"}],
        },
    )
    g = r["securityGroup"]
    assert g["name"] == "Engineering"
    assert g["isDefault"] is False
    assert g["id"]
    assert g["activeMembers"] == 0 and g["botMembers"] == 0
    assert before <= g["modified"] <= int(time.time()) + 5, "modified is epoch seconds"
    s = g["securityGroupSettings"]
    model = root.meta.service_model.shape_for("SecurityGroupSettings")
    # Checked on the wire: the machine's botocore may predate some members (and drop them).
    wire = server.raw("GET", f"/networks/{network}/security-groups/{g['id']}").json()["securityGroup"]
    missing = set(model_members("SecurityGroupSettings")) - set(wire["securityGroupSettings"])
    assert not missing, f"settings lack {sorted(missing)}"
    assert s["lockoutThreshold"] == 5
    assert s["federationMode"] == 2
    assert s["globalFederation"] is True
    assert s["enableGuestFederation"] is True
    assert s["permittedNetworks"] == ["12345678", "87654321"]
    assert s["permittedWickrAwsNetworks"] == [{"region": "us-west-2", "networkId": "11112222"}]
    assert s["permittedWickrEnterpriseNetworks"] == [{"domain": "example.com", "networkId": "33334444"}]
    # Nested structures are complete.
    assert set(s["calling"]) == set(model.members["calling"].members)
    assert set(s["passwordRequirements"]) == set(model.members["passwordRequirements"].members)
    assert set(s["shredder"]) == set(model.members["shredder"].members)
    got = root.get_security_group(networkId=network, groupId=g["id"])["securityGroup"]
    assert got == g


def test_create_security_group_with_empty_settings(root, network):
    g = root.create_security_group(networkId=network, name="Empty", securityGroupSettings={})["securityGroup"]
    d = _default_group(root, network)
    assert g["securityGroupSettings"] == d["securityGroupSettings"]


def test_list_security_groups_paginates_and_sorts_by_name(root, network):
    names = ["delta", "alpha", "charlie", "bravo"]
    ids = {root.create_security_group(networkId=network, name=n, securityGroupSettings={})["securityGroup"]["id"] for n in names}
    default = _default_group(root, network)
    pages = _groups(root, network, maxResults=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [g["id"] for p in pages for g in p]
    assert len(seen) == len(set(seen))
    assert set(seen) == ids | {default["id"]}
    # Default order: DESC.
    assert seen == sorted(seen, reverse=True)

    all_names = names + [default["name"]]
    asc = [g["name"] for p in _groups(root, network, maxResults=2, sortFields="name", sortDirection="ASC") for g in p]
    assert asc == sorted(all_names)
    desc = [g["name"] for p in _groups(root, network, maxResults=3, sortFields="name", sortDirection="DESC") for g in p]
    assert desc == sorted(all_names, reverse=True)


def test_list_security_groups_bad_sort_field(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_security_groups(networkId=network, sortFields="color")
    e = assert_client_error(ei.value, "ValidationError")
    assert [r["field"] for r in e["reasons"]] == ["sortFields"]


def test_list_security_groups_tampered_token(root, network):
    for n in ("a", "b"):
        root.create_security_group(networkId=network, name=n, securityGroupSettings={})
    token = root.list_security_groups(networkId=network, maxResults=1)["nextToken"]
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_security_groups(networkId=network, maxResults=1, nextToken=token[:-6] + ("zzzzzz" if token[-6:] != "zzzzzz" else "yyyyyy"))
    e = assert_client_error(ei.value, "ValidationError")
    assert [r["field"] for r in e["reasons"]] == ["nextToken"]


def test_next_token_of_one_network_is_refused_for_another(root, network):
    other = root.create_network(networkName=unique_name("other"), accessLevel="STANDARD")["networkId"]
    for n in ("a", "b"):
        root.create_security_group(networkId=network, name=n, securityGroupSettings={})
        root.create_security_group(networkId=other, name=n, securityGroupSettings={})
    token = root.list_security_groups(networkId=network, maxResults=1)["nextToken"]
    with pytest.raises(root.exceptions.ValidationError):
        root.list_security_groups(networkId=other, maxResults=1, nextToken=token)


def test_update_security_group_partial_merge(root, network):
    g = root.create_security_group(
        networkId=network, name="Ops", securityGroupSettings={"lockoutThreshold": 3}
    )["securityGroup"]
    before = g["securityGroupSettings"]
    r = root.update_security_group(
        networkId=network,
        groupId=g["id"],
        securityGroupSettings={"calling": {"canVideoCall": False}, "maxTtl": 3600, "quickResponses": ["ok", "no"]},
    )["securityGroup"]
    s = r["securityGroupSettings"]
    assert r["name"] == "Ops", "name kept when not given"
    assert s["calling"] == {**before["calling"], "canVideoCall": False}, "nested structures merge"
    assert s["maxTtl"] == 3600
    assert s["quickResponses"] == ["ok", "no"]
    assert s["lockoutThreshold"] == 3, "unrelated settings kept"
    for k in before:
        if k not in ("calling", "maxTtl", "quickResponses"):
            assert s[k] == before[k], k
    assert root.get_security_group(networkId=network, groupId=g["id"])["securityGroup"] == r


def test_update_security_group_name_only(root, network):
    g = root.create_security_group(networkId=network, name="Old", securityGroupSettings={"lockoutThreshold": 7})[
        "securityGroup"
    ]
    r = root.update_security_group(networkId=network, groupId=g["id"], name="New")["securityGroup"]
    assert r["name"] == "New"
    assert r["securityGroupSettings"] == g["securityGroupSettings"]
    assert r["id"] == g["id"]


def test_update_default_group_is_allowed(root, network):
    d = _default_group(root, network)
    r = root.update_security_group(networkId=network, groupId=d["id"], securityGroupSettings={"presenceEnabled": False})
    assert r["securityGroup"]["isDefault"] is True
    assert r["securityGroup"]["securityGroupSettings"]["presenceEnabled"] is False


def test_delete_security_group(root, network):
    g = root.create_security_group(networkId=network, name="Temp", securityGroupSettings={})["securityGroup"]
    r = root.delete_security_group(networkId=network, groupId=g["id"])
    assert r.get("groupId") == g["id"]
    assert r.get("networkId") == network
    assert isinstance(r.get("message"), str)
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_security_group(networkId=network, groupId=g["id"])
    assert_client_error(ei.value, "ResourceNotFoundError")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.delete_security_group(networkId=network, groupId=g["id"])
    remaining = [x["id"] for p in _groups(root, network) for x in p]
    assert g["id"] not in remaining


def test_unknown_security_group(root, network):
    for call in (
        lambda: root.get_security_group(networkId=network, groupId="nosuchgroup"),
        lambda: root.update_security_group(networkId=network, groupId="nosuchgroup", name="x"),
        lambda: root.delete_security_group(networkId=network, groupId="nosuchgroup"),
    ):
        with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
            call()
        assert_client_error(ei.value, "ResourceNotFoundError")


def test_group_of_another_network_is_not_found(root, network):
    other = root.create_network(networkName=unique_name("o"), accessLevel="STANDARD")["networkId"]
    g = root.create_security_group(networkId=other, name="Theirs", securityGroupSettings={})["securityGroup"]
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_security_group(networkId=network, groupId=g["id"])


def test_security_groups_of_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.list_security_groups(networkId="10000002")
    assert_client_error(ei.value, "ResourceNotFoundError")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.create_security_group(networkId="10000002", name="x", securityGroupSettings={})


def test_create_security_group_idempotent(root, network):
    token = random_token()
    a = root.create_security_group(networkId=network, name="Idem", securityGroupSettings={"lockoutThreshold": 2}, clientToken=token)
    b = root.create_security_group(networkId=network, name="Idem", securityGroupSettings={"lockoutThreshold": 2}, clientToken=token)
    assert strip_meta(a) == strip_meta(b)
    groups = [g for p in _groups(root, network, maxResults=100) for g in p]
    assert sum(1 for g in groups if g["name"] == "Idem") == 1
    assert len(groups) == 2


def test_create_security_group_replay_is_byte_identical(server, network):
    token = random_token()
    body = {"name": "Bytes", "securityGroupSettings": {"federationMode": 1}}
    a = server.raw("POST", f"/networks/{network}/security-groups", body, headers={"X-Client-Token": token})
    b = server.raw("POST", f"/networks/{network}/security-groups", body, headers={"X-Client-Token": token})
    assert a.status == b.status == 200
    assert a.body == b.body


def test_create_security_group_same_token_different_body(root, network):
    token = random_token()
    root.create_security_group(networkId=network, name="First", securityGroupSettings={}, clientToken=token)
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.create_security_group(networkId=network, name="Second", securityGroupSettings={}, clientToken=token)
    e = assert_client_error(ei.value, "BadRequestError")
    assert "token" in e["message"].lower()
    names = [g["name"] for p in _groups(root, network, maxResults=100) for g in p]
    assert "Second" not in names


def test_same_token_other_operation_is_rejected(root, network):
    token = random_token()
    root.create_security_group(networkId=network, name="Tok", securityGroupSettings={}, clientToken=token)
    with pytest.raises(root.exceptions.BadRequestError):
        root.delete_network(networkId=network, clientToken=token)
    root.get_network(networkId=network)  # still there


def test_client_tokens_are_per_account(server, root, network):
    token = random_token()
    root.create_security_group(networkId=network, name="Mine", securityGroupSettings={}, clientToken=token)
    other = server.client(creds=server.fresh_creds())
    theirs = other.create_network(networkName=unique_name("theirs"), accessLevel="STANDARD")["networkId"]
    g = other.create_security_group(networkId=theirs, name="Theirs", securityGroupSettings={}, clientToken=token)
    assert g["securityGroup"]["name"] == "Theirs"


def test_update_network_client_token(root, network):
    token = random_token()
    a = root.update_network(networkId=network, networkName="tok-name", clientToken=token)
    b = root.update_network(networkId=network, networkName="tok-name", clientToken=token)
    assert strip_meta(a) == strip_meta(b)
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.update_network(networkId=network, networkName="other-name", clientToken=token)
    assert_client_error(ei.value, "BadRequestError")
    assert root.get_network(networkId=network)["networkName"] == "tok-name"
