"""Smoke test with the real AWS CLI (`aws wickr ...`) against the server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from _support import unique_name


def _aws(server, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    aws = shutil.which("aws")
    if aws is None:
        pytest.fail("the AWS CLI (`aws`) is not on PATH")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": server.creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": server.creds.secret_access_key,
            "AWS_DEFAULT_REGION": server.region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
        }
    )
    p = subprocess.run(
        [aws, "wickr", *args, "--endpoint-url", server.endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"aws wickr {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p


def test_aws_cli_create_list_get(server):
    name = unique_name("cli")
    created = json.loads(_aws(server, "create-network", "--network-name", name, "--access-level", "STANDARD").stdout)
    nid = created["networkId"]
    assert created["networkName"] == name

    got = json.loads(_aws(server, "get-network", "--network-id", nid).stdout)
    assert got["networkId"] == nid
    assert got["networkArn"].endswith(f":network/{nid}")

    # The CLI paginates by itself (paginators-1.json), so this sees every network.
    listed = json.loads(_aws(server, "list-networks").stdout)
    assert nid in [n["networkId"] for n in listed["networks"]]

    paged = json.loads(_aws(server, "list-networks", "--max-items", "1").stdout)
    assert len(paged["networks"]) == 1


def test_aws_cli_error(server):
    p = _aws(server, "get-network", "--network-id", "10000003", check=False)
    assert p.returncode != 0
    assert "ResourceNotFoundError" in p.stderr
