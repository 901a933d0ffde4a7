"""Networks: CreateNetwork, GetNetwork, ListNetworks, UpdateNetwork, DeleteNetwork and the
network settings, through boto3."""

from __future__ import annotations

import json
import re

import pytest

from _support import (
    UUID_RE,
    assert_client_error,
    assert_raw_error,
    assert_reasons,
    assert_covers_model,
    random_token,
    strip_meta,
    unique_name,
)


@pytest.fixture
def fresh(server):
    """A client in an account of its own, so listings hold only what the test created."""
    creds = server.fresh_creds()
    return server.client(creds=creds), creds


def _list_all(client, **kw):
    """Follows nextToken to the end, returning every page's networks."""
    pages = []
    token = None
    for _ in range(50):
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = client.list_networks(**args)
        pages.append(r["networks"])
        token = r.get("nextToken")
        if not token:
            return pages
    raise AssertionError("pagination did not end after 50 pages")


def test_create_get_network(server, root):
    name = unique_name("create")
    r = root.create_network(networkName=name, accessLevel="PREMIUM")
    assert UUID_RE.match(r["ResponseMetadata"]["RequestId"])
    nid = r["networkId"]
    assert re.fullmatch(r"[0-9]{8}", nid), nid
    assert r["networkName"] == name

    g = strip_meta(root.get_network(networkId=nid))
    assert g["networkId"] == nid
    assert g["networkName"] == name
    assert g["accessLevel"] == "PREMIUM"
    assert g["awsAccountId"] == server.creds.account_id
    assert g["networkArn"] == f"arn:aws:wickr:{server.region}:{server.creds.account_id}:network/{nid}"


def test_create_with_free_trial_reports_expiration(root):
    nid = root.create_network(networkName=unique_name("trial"), accessLevel="PREMIUM", enablePremiumFreeTrial=True)[
        "networkId"
    ]
    g = root.get_network(networkId=nid)
    assert g.get("freeTrialExpiration"), g


def test_create_with_encryption_key_arn(root):
    arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    r = root.create_network(networkName=unique_name("kms"), accessLevel="STANDARD", encryptionKeyArn=arn)
    assert r.get("encryptionKeyArn") == arn
    assert root.get_network(networkId=r["networkId"])["encryptionKeyArn"] == arn


def test_network_ids_are_distinct(root):
    ids = {root.create_network(networkName=unique_name("d"), accessLevel="STANDARD")["networkId"] for _ in range(5)}
    assert len(ids) == 5


def test_list_networks_paginates_without_gaps_or_duplicates(server, fresh):
    client, _ = fresh
    created = {client.create_network(networkName=f"page-{i}", accessLevel="STANDARD")["networkId"] for i in range(5)}
    pages = _list_all(client, maxResults=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [n["networkId"] for p in pages for n in p]
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert set(seen) == created
    # Default order: networkId descending.
    assert seen == sorted(seen, reverse=True)


def test_list_networks_default_page_size_is_10(fresh):
    client, _ = fresh
    for i in range(11):
        client.create_network(networkName=f"ps-{i}", accessLevel="STANDARD")
    r = client.list_networks()
    assert len(r["networks"]) == 10
    assert r.get("nextToken")
    r2 = client.list_networks(nextToken=r["nextToken"])
    assert len(r2["networks"]) == 1
    assert "nextToken" not in r2


def test_list_networks_default_sort_is_network_id_desc(fresh):
    client, _ = fresh
    for i in range(4):
        client.create_network(networkName=f"s-{i}", accessLevel="STANDARD")
    ids = [n["networkId"] for n in client.list_networks()["networks"]]
    assert ids == sorted(ids, reverse=True)
    explicit = [n["networkId"] for n in client.list_networks(sortFields="networkId", sortDirection="DESC")["networks"]]
    assert explicit == ids
    asc = [n["networkId"] for n in client.list_networks(sortFields="networkId", sortDirection="ASC")["networks"]]
    assert asc == sorted(ids)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_list_networks_sorted_by_name(fresh, direction):
    client, _ = fresh
    names = ["delta", "alpha", "echo", "charlie", "bravo"]
    for n in names:
        client.create_network(networkName=n, accessLevel="STANDARD")
    pages = _list_all(client, sortFields="networkName", sortDirection=direction, maxResults=2)
    got = [n["networkName"] for p in pages for n in p]
    assert got == sorted(names, reverse=(direction == "DESC"))


def test_list_networks_tampered_next_token(fresh):
    client, _ = fresh
    for i in range(3):
        client.create_network(networkName=f"t-{i}", accessLevel="STANDARD")
    token = client.list_networks(maxResults=1)["nextToken"]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, "garbage", "x" + token):
        with pytest.raises(client.exceptions.ValidationError) as ei:
            client.list_networks(maxResults=1, nextToken=bad)
        e = assert_client_error(ei.value, "ValidationError")
        assert_reasons(e, "nextToken")


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_next_token_every_changed_character_is_rejected(fresh):
    """Tamper-evident: any other string than the issued token is refused, including one that
    differs only in the padding bits of its last base64 character."""
    client, _ = fresh
    for i in range(3):
        client.create_network(networkName=f"c-{i}", accessLevel="STANDARD")
    token = client.list_networks(maxResults=1)["nextToken"]
    variants = set()
    for pos in range(len(token)):
        ch = token[pos]
        if ch not in B64URL:
            continue
        v = B64URL.index(ch)
        # Flip the lowest bit: for the final character this touches only padding bits.
        variants.add(token[:pos] + B64URL[v ^ 1] + token[pos + 1 :])
    variants.add(token + "A")
    variants.add(token[:-1])
    accepted = []
    for bad in sorted(variants):
        try:
            client.list_networks(maxResults=1, nextToken=bad)
            accepted.append(bad)
        except client.exceptions.ValidationError as e:
            assert_reasons(assert_client_error(e, "ValidationError"), "nextToken")
    assert not accepted, f"issued {token!r}; also accepted {accepted}"


def test_next_token_is_bound_to_its_query(fresh):
    client, _ = fresh
    for i in range(3):
        client.create_network(networkName=f"b-{i}", accessLevel="STANDARD")
    token = client.list_networks(maxResults=1, sortFields="networkName", sortDirection="ASC")["nextToken"]
    with pytest.raises(client.exceptions.ValidationError) as ei:
        client.list_networks(maxResults=1, nextToken=token)  # different order
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "nextToken")


def test_update_network_name(root, network):
    new = unique_name("renamed")
    r = root.update_network(networkId=network, networkName=new)
    assert isinstance(r.get("message"), str)
    assert root.get_network(networkId=network)["networkName"] == new


def test_update_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.update_network(networkId="10000000", networkName="x")
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_delete_network(root, network):
    r = root.delete_network(networkId=network)
    assert isinstance(r.get("message"), str)
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_network(networkId=network)
    e = assert_client_error(ei.value, "ResourceNotFoundError")
    assert network in e["message"]
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.delete_network(networkId=network)
    assert_client_error(ei.value, "ResourceNotFoundError")
    # Everything in it went too.
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.list_security_groups(networkId=network)
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_network_settings(networkId=network)


def test_delete_network_idempotent_replay(server, root, network):
    token = random_token()
    first = root.delete_network(networkId=network, clientToken=token)
    again = root.delete_network(networkId=network, clientToken=token)
    assert strip_meta(again) == strip_meta(first)
    # Byte for byte on the wire as well.
    raw = server.raw("DELETE", f"/networks/{network}", headers={"X-Client-Token": token})
    assert raw.status == 200
    assert json.loads(raw.body) == strip_meta(first)
    # A new token on a deleted network is a real second delete: not found.
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.delete_network(networkId=network, clientToken=random_token())


def test_delete_network_replay_is_byte_identical(server, root):
    nid = root.create_network(networkName=unique_name("bytes"), accessLevel="STANDARD")["networkId"]
    token = random_token()
    a = server.raw("DELETE", f"/networks/{nid}", headers={"X-Client-Token": token})
    b = server.raw("DELETE", f"/networks/{nid}", headers={"X-Client-Token": token})
    assert a.status == b.status == 200
    assert a.body == b.body
    assert a.header("x-amzn-RequestId") != b.header("x-amzn-RequestId")


def _settings(resp) -> dict:
    out = {}
    for s in resp["settings"]:
        assert set(s) == {"optionName", "value", "type"}, s
        out[s["optionName"]] = (json.loads(s["value"]), s["type"])
    return out


def test_network_settings_defaults(root, network):
    s = _settings(root.get_network_settings(networkId=network))
    assert s == {
        "enableClientMetrics": (False, "boolean"),
        "readReceiptConfig": ({"status": "DISABLED"}, "object"),
        "dataRetention": (False, "boolean"),
        "enableTrustedDataFormat": (False, "boolean"),
        "consentPopup": ({"enabled": False, "closeButtonLabel": "Acknowledge"}, "object"),
    }


def test_network_settings_cover_the_model(root, network):
    s = _settings(root.get_network_settings(networkId=network))
    assert_covers_model(set(s), "NetworkSettings")


def _update_settings(server, network, settings):
    """UpdateNetworkSettings over raw signed HTTP: the machine's botocore predates consentPopup."""
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": settings})
    assert r.status == 200, r.body
    return r.json()


@pytest.mark.parametrize(
    "change,option,expected",
    [
        ({"enableClientMetrics": True}, "enableClientMetrics", True),
        ({"readReceiptConfig": {"status": "FORCE_ENABLED"}}, "readReceiptConfig", {"status": "FORCE_ENABLED"}),
        ({"readReceiptConfig": {"status": "ENABLED"}}, "readReceiptConfig", {"status": "ENABLED"}),
        ({"dataRetention": False}, "dataRetention", False),
        ({"enableTrustedDataFormat": True}, "enableTrustedDataFormat", True),
        (
            {"consentPopup": {"enabled": True, "header": "Hi", "content": "Be nice", "closeButtonLabel": "OK"}},
            "consentPopup",
            {"enabled": True, "header": "Hi", "content": "Be nice", "closeButtonLabel": "OK"},
        ),
    ],
)
def test_update_each_network_setting(server, root, network, change, option, expected):
    before = _settings(root.get_network_settings(networkId=network))
    if option == "consentPopup":
        r = _settings(_update_settings(server, network, change))
    else:
        r = _settings(root.update_network_settings(networkId=network, settings=change))
    assert r[option][0] == expected
    # Only that option changed, and the change persisted.
    for k, v in before.items():
        if k != option:
            assert r[k] == v, k
    assert _settings(root.get_network_settings(networkId=network)) == r


def test_update_network_settings_partial_merge(server, root, network):
    _update_settings(server, network, {"consentPopup": {"enabled": True, "header": "Header", "content": "Body"}})
    _update_settings(server, network, {"consentPopup": {"enabled": False}})
    s = _settings(root.get_network_settings(networkId=network))
    assert s["consentPopup"][0] == {
        "enabled": False,
        "header": "Header",
        "content": "Body",
        "closeButtonLabel": "Acknowledge",
    }
    root.update_network_settings(networkId=network, settings={"enableClientMetrics": True})
    after = _settings(root.get_network_settings(networkId=network))
    assert after["consentPopup"] == s["consentPopup"]
    assert after["enableClientMetrics"][0] is True
    root.update_network_settings(networkId=network, settings={})
    assert _settings(root.get_network_settings(networkId=network)) == after


def test_consent_popup_limits(server, network):
    r = server.raw(
        "PATCH",
        f"/networks/{network}/settings",
        {"settings": {"consentPopup": {"enabled": True, "header": "h" * 101, "closeButtonLabel": "c" * 21}}},
    )
    body = assert_raw_error(r, "ValidationError")
    assert sorted(x["field"] for x in body["reasons"]) == [
        "settings.consentPopup.closeButtonLabel",
        "settings.consentPopup.header",
    ]
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": {"consentPopup": {"header": "x"}}})
    body = assert_raw_error(r, "ValidationError")
    assert [x["field"] for x in body["reasons"]] == ["settings.consentPopup.enabled"]


def test_update_network_settings_bad_enum(loose, network):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.update_network_settings(networkId=network, settings={"readReceiptConfig": {"status": "SOMETIMES"}})
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "settings.readReceiptConfig.status")


def test_settings_of_unknown_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_network_settings(networkId="10000001")
    assert_client_error(ei.value, "ResourceNotFoundError")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.update_network_settings(networkId="10000001", settings={"dataRetention": True})
