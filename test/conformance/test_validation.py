"""Input validation and protocol edge cases: what a user sees for bad input."""

from __future__ import annotations

import json

import pytest

from _support import assert_client_error, assert_raw_error, assert_reasons, unique_name

# Binding and validation are decided before any handler or query: the engine makes no
# difference to what these tests see.
pytestmark = pytest.mark.engine_independent


def _validation(client, call, *fields):
    with pytest.raises(client.exceptions.ValidationError) as ei:
        call()
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, *fields)
    return e


def test_network_name_too_long(loose):
    e = _validation(loose, lambda: loose.create_network(networkName="x" * 21, accessLevel="STANDARD"), "networkName")
    assert "20" in e["reasons"][0]["reason"]


def test_network_name_of_20_chars_is_fine(root):
    r = root.create_network(networkName="y" * 20, accessLevel="STANDARD")
    assert r["networkName"] == "y" * 20


def test_network_name_empty(loose):
    _validation(loose, lambda: loose.create_network(networkName="", accessLevel="STANDARD"), "networkName")


def test_update_network_name_too_long(loose, network):
    _validation(loose, lambda: loose.update_network(networkId=network, networkName="z" * 21), "networkName")


def test_bad_access_level(loose):
    e = _validation(loose, lambda: loose.create_network(networkName="ok", accessLevel="GOLD"), "accessLevel")
    assert "STANDARD" in e["reasons"][0]["reason"] and "PREMIUM" in e["reasons"][0]["reason"]


def test_missing_required_members(loose):
    e = _validation(loose, lambda: loose.create_network(), "networkName", "accessLevel")
    for r in e["reasons"]:
        assert "required" in r["reason"]
    _validation(loose, lambda: loose.create_network(networkName="only-name"), "accessLevel")


def test_missing_required_nested_structure(loose, network):
    _validation(loose, lambda: loose.create_security_group(networkId=network, name="x"), "securityGroupSettings")
    _validation(loose, lambda: loose.update_network_settings(networkId=network), "settings")


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"networkName": "ok", "accessLevel": "STANDARD", "enablePremiumFreeTrial": "yes"}, "enablePremiumFreeTrial"),
        ({"networkName": 12345, "accessLevel": "STANDARD"}, "networkName"),
        ({"networkName": "ok", "accessLevel": ["STANDARD"]}, "accessLevel"),
        ({"networkName": {"a": 1}, "accessLevel": "STANDARD"}, "networkName"),
    ],
)
def test_wrong_types_create_network(loose, kwargs, field):
    e = _validation(loose, lambda: loose.create_network(**kwargs), field)
    assert "must be" in e["reasons"][0]["reason"]


def test_wrong_types_nested(loose, network):
    _validation(
        loose,
        lambda: loose.update_network_settings(networkId=network, settings={"enableClientMetrics": "true"}),
        "settings.enableClientMetrics",
    )
    _validation(
        loose,
        lambda: loose.create_security_group(
            networkId=network, name="x", securityGroupSettings={"lockoutThreshold": "five"}
        ),
        "securityGroupSettings.lockoutThreshold",
    )
    _validation(
        loose,
        lambda: loose.update_security_group(
            networkId=network, groupId="whatever", securityGroupSettings={"calling": {"canVideoCall": 1}}
        ),
        "securityGroupSettings.calling.canVideoCall",
    )


def test_list_item_field_paths(loose, network):
    e = _validation(
        loose,
        lambda: loose.create_security_group(
            networkId=network, name="x", securityGroupSettings={"permittedNetworks": ["12345678", "bad"]}
        ),
        "securityGroupSettings.permittedNetworks[1]",
    )
    assert e["reasons"][0]["field"] == "securityGroupSettings.permittedNetworks[1]"


@pytest.mark.parametrize("bad", ["abc", "1234", "123456789", "1234567a"])
def test_network_id_label(loose, bad):
    for call in (
        lambda: loose.get_network(networkId=bad),
        lambda: loose.delete_network(networkId=bad),
        lambda: loose.list_security_groups(networkId=bad),
        lambda: loose.get_network_settings(networkId=bad),
    ):
        _validation(loose, call, "networkId")


@pytest.mark.parametrize("value", [0, 101, -1])
def test_max_results_out_of_range(loose, value):
    e = _validation(loose, lambda: loose.list_networks(maxResults=value), "maxResults")
    assert e["reasons"][0]["reason"]


def test_max_results_bounds_are_accepted(root):
    root.list_networks(maxResults=1)
    root.list_networks(maxResults=100)


def test_max_results_not_a_number(server):
    r = server.raw("GET", "/networks?maxResults=ten")
    body = assert_raw_error(r, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["maxResults"]


def test_bad_sort_direction(loose, network):
    _validation(loose, lambda: loose.list_networks(sortDirection="UP"), "sortDirection")
    _validation(loose, lambda: loose.list_security_groups(networkId=network, sortDirection="up"), "sortDirection")


def test_bad_sort_field(root):
    _validation(root, lambda: root.list_networks(sortFields="color"), "sortFields")


def test_several_violations_in_one_error(loose):
    e = _validation(
        loose,
        lambda: loose.create_network(networkName="x" * 25, accessLevel="GOLD", enablePremiumFreeTrial="no"),
        "networkName",
        "accessLevel",
        "enablePremiumFreeTrial",
    )
    assert len(e["reasons"]) == 3
    for f in ("networkName", "accessLevel", "enablePremiumFreeTrial"):
        assert f in e["message"]


def test_violations_across_locations(loose):
    e = _validation(
        loose,
        lambda: loose.list_networks(maxResults=0, sortDirection="SIDEWAYS"),
        "maxResults",
        "sortDirection",
    )
    assert len(e["reasons"]) == 2


def test_bad_client_token_header(server, network):
    r = server.raw(
        "POST",
        f"/networks/{network}/security-groups",
        {"name": "x", "securityGroupSettings": {}},
        headers={"X-Client-Token": "has spaces!"},
    )
    body = assert_raw_error(r, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["clientToken"]


def test_unknown_body_members_are_ignored(server):
    r = server.raw(
        "POST",
        "/networks",
        {"networkName": unique_name("u"), "accessLevel": "STANDARD", "bogus": 1, "nested": {"x": [1]}},
    )
    assert r.status == 200, r.body
    assert set(r.json()) <= {"networkId", "networkName", "encryptionKeyArn"}


def test_unknown_nested_members_are_ignored(server, network):
    r = server.raw(
        "PATCH",
        f"/networks/{network}/settings",
        {"settings": {"enableClientMetrics": True, "futureSetting": "on"}},
    )
    assert r.status == 200, r.body
    names = {s["optionName"] for s in r.json()["settings"]}
    assert "futureSetting" not in names


def test_null_members_are_absent(server):
    ok = server.raw(
        "POST",
        "/networks",
        {"networkName": unique_name("nul"), "accessLevel": "STANDARD", "encryptionKeyArn": None, "enablePremiumFreeTrial": None},
    )
    assert ok.status == 200, ok.body
    assert "encryptionKeyArn" not in ok.json()
    missing = server.raw("POST", "/networks", {"networkName": None, "accessLevel": "STANDARD"})
    body = assert_raw_error(missing, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["networkName"]
    assert "required" in body["reasons"][0]["reason"]


def test_null_nested_member_is_absent(server, network):
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": {"dataRetention": None, "enableClientMetrics": True}})
    assert r.status == 200, r.body
    opts = {s["optionName"]: s["value"] for s in r.json()["settings"]}
    assert opts["dataRetention"] == "false"
    assert opts["enableClientMetrics"] == "true"


@pytest.mark.parametrize("body", [b"not json", b"{\"networkName\": ", b"\xff\xfe", b"{'single': 'quotes'}"])
def test_non_json_body(server, body):
    r = server.raw("POST", "/networks", body)
    assert_raw_error(r, "BadRequestError")


@pytest.mark.parametrize("body", [b"[]", b"[{\"networkName\":\"x\",\"accessLevel\":\"STANDARD\"}]", b"\"text\"", b"42", b"true"])
def test_body_that_is_not_an_object(server, body):
    r = server.raw("POST", "/networks", body)
    assert_raw_error(r, "BadRequestError")


def test_non_json_body_with_other_content_type(server):
    r = server.raw("POST", "/networks", b"networkName=x&accessLevel=STANDARD", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_raw_error(r, "BadRequestError")


def test_empty_body_means_no_members(server):
    r = server.raw("POST", "/networks", b"")
    body = assert_raw_error(r, "ValidationError")
    assert sorted(x["field"] for x in body["reasons"]) == ["accessLevel", "networkName"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/nope"),
        ("GET", "/networks/12345678/unknown"),
        ("PUT", "/networks"),
        ("POST", "/networks/12345678"),
        ("GET", "/"),
    ],
)
def test_unknown_route(server, method, path):
    r = server.raw(method, path, b"{}" if method in ("PUT", "POST") else None)
    body = assert_raw_error(r, "ResourceNotFoundError")
    assert body["message"]


def test_unknown_route_unsigned(server):
    r = server.raw("GET", "/definitely/not/here", sign=False)
    assert r.status in (401, 404)
    assert r.error_type in ("ResourceNotFoundError", "UnauthorizedError")
    assert json.loads(r.body)["message"]


def test_oversized_body_is_a_client_error(server):
    big = json.dumps({"networkName": "x", "accessLevel": "STANDARD", "pad": "a" * (2 * 1024 * 1024)}).encode()
    r = server.raw("POST", "/networks", big)
    assert 400 <= r.status < 500, r.status
    assert r.error_type
    assert json.loads(r.body)["message"]


def test_body_without_content_type_is_read_as_json(server):
    r = server.raw(
        "POST", "/networks", {"networkName": unique_name("noct"), "accessLevel": "STANDARD"}, headers={"Content-Type": None}
    )
    assert r.status == 200, r.body


@pytest.mark.parametrize("depth", [5000, 20000])
def test_deeply_nested_body_is_a_client_error(server, depth):
    """Bad input never yields a 500: a body nested thousands of levels deep is refused as a
    client error (an unknown member here, so it could even be ignored)."""
    body = b'{"networkName":"deep","accessLevel":"STANDARD","x":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    r = server.raw("POST", "/networks", body)
    assert r.status in (200, 400, 422), f"{r.status} {r.error_type}: {r.body[:200]!r}"


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**40])
def test_integer_members_are_32_bit(server, network, value):
    """`Integer` in the model is a 32-bit integer: SDKs with int32 fields (Go, Java, ...) could not
    read a group storing more, so the request is a ValidationError."""
    r = server.raw(
        "POST",
        f"/networks/{network}/security-groups",
        {"name": "big", "securityGroupSettings": {"lockoutThreshold": value}},
    )
    body = assert_raw_error(r, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["securityGroupSettings.lockoutThreshold"]


def test_integer_bounds_are_accepted(server, network):
    r = server.raw(
        "POST",
        f"/networks/{network}/security-groups",
        {"name": "edge", "securityGroupSettings": {"lockoutThreshold": 2**31 - 1}},
    )
    assert r.status == 200, r.body
    assert r.json()["securityGroup"]["securityGroupSettings"]["lockoutThreshold"] == 2**31 - 1


def test_long_members_are_64_bit(server, network):
    gid = server.raw("GET", f"/networks/{network}/security-groups").json()["securityGroups"][0]["id"]
    r = server.raw(
        "PATCH",
        f"/networks/{network}/security-groups/{gid}",
        {"securityGroupSettings": {"maxTtl": 2**64}},
    )
    body = assert_raw_error(r, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["securityGroupSettings.maxTtl"]
