"""Accounts and regions: a network is visible only to its account, in its region."""

from __future__ import annotations

import pytest

from _support import assert_client_error, unique_name


def _all_ids(client):
    ids, token = [], None
    while True:
        r = client.list_networks(maxResults=100, **({"nextToken": token} if token else {}))
        ids += [n["networkId"] for n in r["networks"]]
        token = r.get("nextToken")
        if not token:
            return ids


def test_other_account_cannot_see_network(server, root, network):
    other = server.client(creds=server.create_key(account="111111111111"))
    for call in (
        lambda: other.get_network(networkId=network),
        lambda: other.delete_network(networkId=network),
        lambda: other.update_network(networkId=network, networkName="hijack"),
        lambda: other.list_security_groups(networkId=network),
        lambda: other.get_network_settings(networkId=network),
        lambda: other.create_security_group(networkId=network, name="x", securityGroupSettings={}),
    ):
        with pytest.raises(other.exceptions.ResourceNotFoundError) as ei:
            call()
        assert_client_error(ei.value, "ResourceNotFoundError")
    assert network not in _all_ids(other)
    assert root.get_network(networkId=network)["networkName"] != "hijack"


def test_accounts_list_only_their_own(server):
    a = server.client(creds=server.fresh_creds())
    b = server.client(creds=server.fresh_creds())
    na = a.create_network(networkName="a-net", accessLevel="STANDARD")["networkId"]
    nb = b.create_network(networkName="b-net", accessLevel="STANDARD")["networkId"]
    assert _all_ids(a) == [na]
    assert _all_ids(b) == [nb]


def test_other_region_cannot_see_network(server, root, network):
    west = server.client(region="us-west-2")
    with pytest.raises(west.exceptions.ResourceNotFoundError) as ei:
        west.get_network(networkId=network)
    assert_client_error(ei.value, "ResourceNotFoundError")
    assert network not in _all_ids(west)
    assert network in _all_ids(root)


def test_network_lives_in_its_region(server, root):
    west = server.client(region="us-west-2")
    r = west.create_network(networkName=unique_name("west"), accessLevel="STANDARD")
    nid = r["networkId"]
    g = west.get_network(networkId=nid)
    assert g["networkArn"] == f"arn:aws:wickr:us-west-2:{server.creds.account_id}:network/{nid}"
    assert g["awsAccountId"] == server.creds.account_id
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_network(networkId=nid)
    assert nid not in _all_ids(root)


def test_network_arn_names_region_and_account(server):
    creds = server.fresh_creds()
    account = creds.account_id
    c = server.client(creds=creds, region="eu-central-1")
    nid = c.create_network(networkName=unique_name("arn"), accessLevel="STANDARD")["networkId"]
    g = c.get_network(networkId=nid)
    assert g["networkArn"] == f"arn:aws:wickr:eu-central-1:{account}:network/{nid}"
    assert g["awsAccountId"] == account
    listed = c.list_networks()["networks"]
    assert [n["networkArn"] for n in listed] == [g["networkArn"]]
