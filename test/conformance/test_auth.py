"""Authentication (SigV4) and authorization (key policies)."""

from __future__ import annotations

import datetime

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _support import Creds, assert_client_error, assert_raw_error, http_request, unique_name

# Signatures and key policies are decided before any handler runs: the engine makes no
# difference to what these tests see.
pytestmark = pytest.mark.engine_independent


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def test_signed_request_works(server):
    r = server.raw("GET", "/networks?maxResults=1")
    assert r.status == 200
    assert "networks" in r.json()


def test_missing_authorization(server):
    r = server.raw("GET", "/networks", sign=False)
    body = assert_raw_error(r, "UnauthorizedError")
    assert "authorization" in body["message"].lower()


def test_missing_authorization_on_write(server):
    r = server.raw("POST", "/networks", {"networkName": "x", "accessLevel": "STANDARD"}, sign=False)
    assert_raw_error(r, "UnauthorizedError")


def test_unknown_access_key(server):
    stranger = Creds("AKIAUNKNOWNKEY000000", "secret" * 5, server.creds.account_id)
    c = server.client(creds=stranger)
    with pytest.raises(c.exceptions.UnauthorizedError) as ei:
        c.list_networks()
    e = assert_client_error(ei.value, "UnauthorizedError")
    assert "AKIAUNKNOWNKEY000000" in e["message"]
    assert "exist" in e["message"].lower()


def test_wrong_secret(server):
    bad = Creds(server.creds.access_key_id, server.creds.secret_access_key + "x", server.creds.account_id)
    c = server.client(creds=bad)
    with pytest.raises(c.exceptions.UnauthorizedError) as ei:
        c.list_networks()
    e = assert_client_error(ei.value, "UnauthorizedError")
    assert "signature" in e["message"].lower()
    assert server.creds.secret_access_key not in e["message"]


def test_stale_request_date(server):
    r = server.raw("GET", "/networks", signing_time=_utcnow() - datetime.timedelta(minutes=20))
    body = assert_raw_error(r, "UnauthorizedError")
    msg = body["message"].lower()
    assert "expired" in msg and "15 minutes" in msg


def test_future_request_date(server):
    r = server.raw("GET", "/networks", signing_time=_utcnow() + datetime.timedelta(minutes=20))
    body = assert_raw_error(r, "UnauthorizedError")
    assert "15 minutes" in body["message"]


def test_request_date_within_skew(server):
    r = server.raw("GET", "/networks", signing_time=_utcnow() - datetime.timedelta(minutes=10))
    assert r.status == 200, r.body


def test_tampered_body(server):
    signed = b'{"networkName":"signed-name","accessLevel":"STANDARD"}'
    sent = b'{"networkName":"evil---name","accessLevel":"STANDARD"}'
    assert len(signed) == len(sent)
    r = server.raw("POST", "/networks", signed, send_body=sent)
    body = assert_raw_error(r, "UnauthorizedError")
    assert "signature" in body["message"].lower()


def test_tampered_signature(server):
    def flip(h):
        auth = h["Authorization"]
        last = auth[-1]
        h["Authorization"] = auth[:-1] + ("0" if last != "0" else "1")

    r = server.raw("GET", "/networks", mutate_headers=flip)
    body = assert_raw_error(r, "UnauthorizedError")
    assert "signature" in body["message"].lower()


def _signed_headers(server, method, url_path, service="wickr"):
    req = AWSRequest(method=method, url=server.endpoint + url_path)
    botocore.auth.SigV4Auth(
        Credentials(server.creds.access_key_id, server.creds.secret_access_key), service, server.region
    ).add_auth(req)
    return dict(req.headers.items())


def test_tampered_query(server):
    assert server.raw("GET", "/networks?maxResults=5").status == 200
    # Sign one query, send another.
    headers = _signed_headers(server, "GET", "/networks?maxResults=5")
    resp = http_request(server.endpoint, "GET", "/networks?maxResults=6", b"", headers)
    assert_raw_error(resp, "UnauthorizedError")


def test_tampered_path(server, network):
    headers = _signed_headers(server, "GET", f"/networks/{network}")
    resp = http_request(server.endpoint, "GET", "/networks", b"", headers)
    assert_raw_error(resp, "UnauthorizedError")


def test_wrong_service_in_scope(server):
    headers = _signed_headers(server, "GET", "/networks", service="s3")
    resp = http_request(server.endpoint, "GET", "/networks", b"", headers)
    body = assert_raw_error(resp, "UnauthorizedError")
    assert "wickr" in body["message"]


def test_garbage_authorization_header(server):
    r = server.raw("GET", "/networks", sign=False, headers={"Authorization": "Bearer abc"})
    assert_raw_error(r, "UnauthorizedError")
    r = server.raw("GET", "/networks", sign=False, headers={"Authorization": "AWS4-HMAC-SHA256 nonsense"})
    assert_raw_error(r, "UnauthorizedError")


def test_list_only_key(server, root):
    creds = server.create_key(actions="wickr:List*")
    c = server.client(creds=creds)
    r = c.list_networks()
    assert "networks" in r
    with pytest.raises(c.exceptions.ForbiddenError) as ei:
        c.create_network(networkName=unique_name("f"), accessLevel="STANDARD")
    e = assert_client_error(ei.value, "ForbiddenError")
    assert "wickr:CreateNetwork" in e["message"]
    nid = root.create_network(networkName=unique_name("ro"), accessLevel="STANDARD")["networkId"]
    with pytest.raises(c.exceptions.ForbiddenError):
        c.get_network(networkId=nid)
    with pytest.raises(c.exceptions.ForbiddenError):
        c.delete_network(networkId=nid)
    assert c.list_security_groups(networkId=nid)["securityGroups"]
    root.get_network(networkId=nid)


def test_single_action_key(server, root):
    creds = server.create_key(actions="wickr:GetNetwork")
    c = server.client(creds=creds)
    nid = root.create_network(networkName=unique_name("one"), accessLevel="STANDARD")["networkId"]
    assert c.get_network(networkId=nid)["networkId"] == nid
    with pytest.raises(c.exceptions.ForbiddenError):
        c.list_networks()


def test_network_limited_key(server, root):
    mine = root.create_network(networkName=unique_name("mine"), accessLevel="STANDARD")["networkId"]
    other = root.create_network(networkName=unique_name("other"), accessLevel="STANDARD")["networkId"]
    creds = server.create_key(networks=[mine])
    c = server.client(creds=creds)
    assert c.get_network(networkId=mine)["networkId"] == mine
    with pytest.raises(c.exceptions.ForbiddenError) as ei:
        c.get_network(networkId=other)
    e = assert_client_error(ei.value, "ForbiddenError")
    assert other in e["message"]
    with pytest.raises(c.exceptions.ForbiddenError):
        c.delete_network(networkId=other)
    with pytest.raises(c.exceptions.ForbiddenError):
        c.list_security_groups(networkId=other)
    listed = [n["networkId"] for n in c.list_networks(maxResults=100)["networks"]]
    assert listed == [mine]
    root.get_network(networkId=other)


def test_revoked_key(server):
    creds = server.create_key()
    c = server.client(creds=creds)
    c.list_networks()
    server.revoke_key(creds.access_key_id)
    with pytest.raises(c.exceptions.UnauthorizedError) as ei:
        c.list_networks()
    e = assert_client_error(ei.value, "UnauthorizedError")
    assert "revoked" in e["message"].lower()
