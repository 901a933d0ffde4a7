"""A pytest fixture for boto3 users: runs the installed `wickr-admin serve --test-controls` on
a free loopback port with an in-memory database, waits for /health, and yields a boto3 client
configured for it. Needs `wickr-admin` on PATH (npm install -g wickr-admin-server), or its path
in WICKR_ADMIN."""

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request

import boto3
import pytest

REGION = "us-east-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def wickr_endpoint():
    """The endpoint of a server started for this test session (stopped after it)."""
    command = os.environ.get("WICKR_ADMIN") or shutil.which("wickr-admin")
    if not command:
        pytest.fail("wickr-admin is not installed: npm install -g wickr-admin-server")
    port = _free_port()
    # The server's root key is ours, so no key needs reading back from its output.
    key_id = "AKIA" + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)
    env = {
        **os.environ,
        "WICKR_ROOT_ACCESS_KEY_ID": key_id,
        "WICKR_ROOT_SECRET_ACCESS_KEY": secret,
        "WICKR_LOG_LEVEL": "warn",
    }
    proc = subprocess.Popen(
        [command, "serve", "--test-controls", "--port", str(port), "--database", "sqlite::memory:"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"wickr-admin serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{endpoint}/health/ready", timeout=1) as res:
                    if res.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("wickr-admin serve did not answer /health within 30 s")
                time.sleep(0.1)
        yield {"endpoint": endpoint, "key_id": key_id, "secret": secret}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def wickr(wickr_endpoint):
    """A boto3 Wickr client of the server, after a reset of its state (networks, users, mail)."""
    urllib.request.urlopen(
        urllib.request.Request(
            f"{wickr_endpoint['endpoint']}/_wickr/reset",
            data=b"{}",
            method="POST",
            # The test controls take JSON only (a cross-site form post cannot reset a server).
            headers={"Content-Type": "application/json"},
        )
    ).close()
    return boto3.client(
        "wickr",
        endpoint_url=wickr_endpoint["endpoint"],
        region_name=REGION,
        aws_access_key_id=wickr_endpoint["key_id"],
        aws_secret_access_key=wickr_endpoint["secret"],
    )
