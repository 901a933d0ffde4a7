"""Smoke test with the real AWS CLI (`aws wickr ...`) against the server."""

from __future__ import annotations

import json

import pytest

from _support import aws_cli, unique_name

# The AWS CLI's requests and their parsing are the subject; the store behind is not.
pytestmark = pytest.mark.engine_independent


def test_aws_cli_create_list_get(server):
    name = unique_name("cli")
    created = json.loads(aws_cli(server, "create-network", "--network-name", name, "--access-level", "STANDARD").stdout)
    nid = created["networkId"]
    assert created["networkName"] == name

    got = json.loads(aws_cli(server, "get-network", "--network-id", nid).stdout)
    assert got["networkId"] == nid
    assert got["networkArn"].endswith(f":network/{nid}")

    # The CLI paginates by itself (paginators-1.json), so this sees every network.
    listed = json.loads(aws_cli(server, "list-networks").stdout)
    assert nid in [n["networkId"] for n in listed["networks"]]

    paged = json.loads(aws_cli(server, "list-networks", "--max-items", "1").stdout)
    assert len(paged["networks"]) == 1


def test_aws_cli_error(server):
    p = aws_cli(server, "get-network", "--network-id", "10000003", check=False)
    assert p.returncode != 0
    assert "ResourceNotFoundError" in p.stderr
