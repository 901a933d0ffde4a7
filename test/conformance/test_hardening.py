"""Hostile input: NUL characters, out-of-range timestamps and requests refused before the
pipeline (by the router or node's HTTP parser) all get a modelled error in AWS's format."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from _support import assert_client_error, assert_reasons
from _users_support import create_user, default_group

# Hostile input is refused by the router, the HTTP parser or validation, before any query.
pytestmark = pytest.mark.engine_independent

NUL_REASON = "must not contain the NUL character (U+0000)"


def _nul(client, call, field):
    with pytest.raises(client.exceptions.ValidationError) as ei:
        call()
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, field)
    assert any(r["reason"] == NUL_REASON for r in e["reasons"]), e
    return e


def test_nul_in_a_body_member_is_a_validation_error(loose, network):
    _nul(loose, lambda: loose.create_network(networkName="a\x00b", accessLevel="STANDARD"), "networkName")
    group = default_group(loose, network)
    _nul(
        loose,
        lambda: loose.batch_create_user(
            networkId=network, users=[{"username": "x\x00@example.com", "securityGroupIds": [group]}]
        ),
        "users[0].username",
    )
    assert loose.list_users(networkId=network)["users"] == []


def test_nul_in_a_query_filter_is_a_validation_error(loose, network):
    _nul(loose, lambda: loose.list_users(networkId=network, username="a\x00b"), "username")


def test_nul_in_a_path_label_is_a_validation_error(loose, network):
    _nul(loose, lambda: loose.get_security_group(networkId=network, groupId="a\x00b"), "groupId")


@pytest.mark.parametrize("endpoint", ["register", "decline", "bots/login", "guest-activity"])
def test_nul_on_the_invitee_endpoints_is_refused(server, network, endpoint):
    body = {"username": "a\x00b@example.com", "inviteCode": "AB\x00CD", "challenge": "x\x00y", "deviceName": "d"}
    r = server.raw("POST", f"/client/v1/networks/{network}/{endpoint}", body, sign=False)
    assert 400 <= r.status < 500, r.body
    assert r.error_type, r.headers


def test_timestamps_outside_years_1_to_9999_are_refused(server, root, network):
    user = create_user(root, network)["userId"]
    path = f"/networks/{network}/users/{user}"
    for value in ["99999999999999999999", "253402300800", "-62135596801", "1e400"]:
        r = server.raw("GET", f"{path}?startTime={value}")
        assert r.status == 422 and r.error_type == "ValidationError", (value, r.body)
        assert [x["field"] for x in r.json()["reasons"]] == ["startTime"], r.body
    # The bounds themselves are accepted (9999-12-31T23:59:59Z and 0001-01-01T00:00:00Z).
    for value in ["253402300799", "-62135596800"]:
        assert server.raw("GET", f"{path}?startTime={value}&endTime={value}").status == 200


def _raw_exchange(endpoint: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Writes bytes as they are (no client library would send these) and reads the answer."""
    u = urlsplit(endpoint)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
    raw = b"".join(chunks)
    assert raw, "the server closed the connection without an answer"
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def _request(method: str, target: str, extra: str = "") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode("latin-1")


@pytest.mark.parametrize(
    "case,data,status,error",
    [
        ("path label over 2048 characters", _request("GET", "/networks/12345678/security-groups/" + "a" * 2100), 400, "BadRequestError"),
        ("URL over 16 KiB", _request("GET", "/networks/12345678/users?username=" + "a" * 20000), 400, "BadRequestError"),
        ("bad percent-escape", _request("GET", "/networks/%ZZ"), 400, "BadRequestError"),
        ("control character in a header", _request("GET", "/networks", "X-Odd: a\x01b\r\n"), 400, "BadRequestError"),
        ("unknown method", _request("FROB", "/networks"), 400, "BadRequestError"),
        ("method no operation uses", _request("PROPFIND", "/networks"), 404, "ResourceNotFoundError"),
        ("CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 404, "ResourceNotFoundError"),
        ("not HTTP at all", b"\x00\x01\x02 nonsense\r\n\r\n", 400, "BadRequestError"),
    ],
)
def test_refusals_before_the_pipeline_are_in_aws_format(server, case, data, status, error):
    got, headers, body = _raw_exchange(server.endpoint, data)
    assert got == status, (case, got, body[:200])
    assert headers.get("x-amzn-errortype") == error, (case, headers)
    uuid.UUID(headers["x-amzn-requestid"])
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert isinstance(json.loads(body)["message"], str)
