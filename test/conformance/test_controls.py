"""The test controls under /_wickr/ (docs/test-controls.md), through boto3 and plain HTTP, on
each engine: reset, mail, seed/export, clock, faults, the audit trail, and the rules that keep
the controls off by default and behind a token beyond loopback."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import threading
import time
from typing import Any, Iterator
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config

from _support import (
    CLI,
    REPO_ROOT,
    Creds,
    ServerHandle,
    assert_client_error,
    http_request,
    run_cli,
    stop_process,
    unique_name,
)
from _users_support import (
    create_user,
    engine_of,
    fresh_database,
    new_email,
    new_network,
    own_server,
    register,
    user_row,
)


def control(server: ServerHandle, method: str, path: str, body: Any = None, token: str | None = None):
    """An unsigned request to the test controls."""
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return http_request(server.endpoint, method, path, data, headers)


def client_with_retries(server: ServerHandle, creds: Creds, mode: str = "standard", attempts: int = 3):
    return boto3.session.Session().client(
        "wickr",
        endpoint_url=server.endpoint,
        region_name=server.region,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=Config(retries={"mode": mode, "total_max_attempts": attempts}, read_timeout=10),
    )


@pytest.fixture
def creds(server) -> Creds:
    """A key in an account of its own: resets and faults below touch only it."""
    return server.fresh_creds()


@pytest.fixture
def c(server, creds):
    return server.client(creds=creds)


# -- reset ---------------------------------------------------------------------------------------


def test_reset_of_an_account_between_two_tests(server, creds, c):
    first = new_network(c)
    create_user(c, first, new_email("reset"))
    r = control(server, "POST", "/_wickr/reset", {"accountId": creds.account_id})
    assert r.status == 200, r.body
    assert r.json() == {"networks": 1}
    # The next test starts from nothing; the key survived.
    assert c.list_networks()["networks"] == []
    with pytest.raises(c.exceptions.ResourceNotFoundError):
        c.get_network(networkId=first)
    assert new_network(c)


def test_reset_of_everything_keeps_keys_unless_asked(server):
    with own_server(engine_of(server)) as own:
        c = own.client()
        other = own.create_key(account="111122223333")
        nets = [new_network(c) for _ in range(2)]
        assert control(own, "POST", "/_wickr/reset", {"networkId": nets[0]}).json() == {"networks": 1}
        assert [n["networkId"] for n in c.list_networks()["networks"]] == [nets[1]]
        assert control(own, "POST", "/_wickr/reset").json() == {"networks": 1}
        assert c.list_networks()["networks"] == []
        assert own.client(creds=other).list_networks()["networks"] == []
        control(own, "POST", "/_wickr/reset", {"keys": True})
        with pytest.raises(Exception) as e:
            own.client(creds=other).list_networks()
        assert_client_error(e.value, "UnauthorizedError")
        # The server's own root key is never deleted.
        assert c.list_networks()["networks"] == []


def test_reset_refuses_bad_input(server):
    r = control(server, "POST", "/_wickr/reset", {"accountId": "nope"})
    assert r.status == 400
    assert r.header("X-Amzn-ErrorType") == "BadRequestError"


# -- mail ----------------------------------------------------------------------------------------


def test_an_invite_code_read_from_the_mail_registers(server, c):
    net = new_network(c)
    name = new_email("mail")
    u = create_user(c, net, name)
    r = control(server, "GET", f"/_wickr/mail?networkId={net}&recipient={quote(name)}")
    assert r.status == 200, r.body
    [m] = r.json()["messages"]
    assert m["recipient"] == name
    assert m["networkId"] == net
    assert m["userId"] == u["userId"]
    assert m["status"] in ("pending", "sent", "failed")
    assert m["inviteCode"] == u["inviteCode"]
    assert f"/client/v1/networks/{net}/invitation?" in m["registrationLink"]
    reg = register(server, net, name, m["inviteCode"])
    assert reg.status == 200, reg.body
    assert c.get_user(networkId=net, userId=u["userId"])["status"] == 2

    assert control(server, "DELETE", f"/_wickr/mail?networkId={net}").json() == {"deleted": 1}
    assert control(server, "GET", f"/_wickr/mail?networkId={net}").json() == {"messages": []}


# -- seed and export -----------------------------------------------------------------------------


def test_seed_and_export_in_the_fixture_format(server, creds, c):
    net = "".join(str(secrets.randbelow(10)) for _ in range(7))
    net = "7" + net
    fixture = (
        f"accountId: '{creds.account_id}'\n"
        "networks:\n"
        f"  - networkId: '{net}'\n"
        "    networkName: seeded\n"
        "    users:\n"
        "      - username: seeded@example.com\n"
        "        status: active\n"
    )
    r = http_request(server.endpoint, "POST", "/_wickr/seed", fixture.encode(), {"Content-Type": "application/yaml"})
    assert r.status == 200, r.body
    assert r.json()["networks"][0]["networkId"] == net
    assert c.get_network(networkId=net)["networkName"] == "seeded"
    again = http_request(server.endpoint, "POST", "/_wickr/seed", fixture.encode(), {"Content-Type": "text/yaml"})
    assert again.status == 400 and "already exists" in again.json()["message"]
    exp = control(server, "GET", f"/_wickr/export?network={net}")
    assert exp.status == 200
    doc = exp.json()
    assert doc["accountId"] == creds.account_id
    assert [u["username"] for u in doc["networks"][0]["users"]] == ["seeded@example.com"]


# -- clock ---------------------------------------------------------------------------------------


def test_an_invitation_expires_after_advancing_the_clock(server, c):
    net = new_network(c)
    name = new_email("clock")
    u = create_user(c, net, name, inviteCodeTtl=1)
    try:
        r = control(server, "POST", "/_wickr/clock", {"advance": "25h"})
        assert r.status == 200, r.body
        assert r.json()["offsetMs"] >= 25 * 3600 * 1000 - 1000
        # boto3 signs with the real time and is still accepted: SigV4 follows the real clock.
        assert user_row(c, net, u["userId"])["isInviteExpired"] is True
        reg = register(server, net, name, u["inviteCode"])
        assert reg.status == 400
        assert "expired" in reg.json()["message"]
    finally:
        assert control(server, "DELETE", "/_wickr/clock").json()["offsetMs"] == 0
    assert user_row(c, net, u["userId"])["isInviteExpired"] is False


def test_clock_refuses_nonsense(server):
    r = control(server, "POST", "/_wickr/clock", {"advance": "soon"})
    assert r.status == 400


# -- faults --------------------------------------------------------------------------------------


def add_fault(server, rule: dict[str, Any]) -> dict[str, Any]:
    r = control(server, "POST", "/_wickr/faults", rule)
    assert r.status == 200, r.body
    return r.json()


def fault(server, rule_id: str) -> dict[str, Any]:
    rules = control(server, "GET", "/_wickr/faults").json()["rules"]
    return next(r for r in rules if r["id"] == rule_id)


def test_boto3_standard_retries_through_injected_errors(server, creds, c):
    net = new_network(c)
    rule = add_fault(
        server,
        {"operation": "GetNetwork", "accessKeyId": creds.access_key_id, "error": "InternalServerError", "times": 2},
    )
    try:
        retrying = client_with_retries(server, creds, "standard", 3)
        assert retrying.get_network(networkId=net)["networkId"] == net
        assert fault(server, rule["id"])["fired"] == 2
    finally:
        control(server, "DELETE", f"/_wickr/faults/{rule['id']}")


def test_a_dropped_connection_is_retried(server, creds, c):
    net = new_network(c)
    rule = add_fault(server, {"operation": "GetNetwork", "accessKeyId": creds.access_key_id, "drop": True, "times": 1})
    try:
        assert client_with_retries(server, creds).get_network(networkId=net)["networkId"] == net
        assert fault(server, rule["id"])["fired"] == 1
    finally:
        control(server, "DELETE", f"/_wickr/faults/{rule['id']}")


def test_an_injected_rate_limit_error_is_modelled_and_retried(server, creds, c):
    rule = add_fault(
        server,
        {"operation": "CreateNetwork", "accessKeyId": creds.access_key_id, "error": "RateLimitError", "times": 2, "retryAfterSeconds": 1},
    )
    try:
        with pytest.raises(c.exceptions.RateLimitError) as e:
            c.create_network(networkName=unique_name("rl"), accessLevel="STANDARD")
        err = assert_client_error(e.value, "RateLimitError")
        assert err["headers"]["retry-after"] == "1"
        # A faulted call changes nothing.
        assert c.list_networks()["networks"] == []
        # botocore's standard mode retries throttling codes it knows (ThrottlingException, ...),
        # 5xx and connection errors; a 429 named RateLimitError is retried by its legacy mode.
        retrying = client_with_retries(server, creds, "legacy", 3)
        net = retrying.create_network(networkName=unique_name("rl"), accessLevel="STANDARD")["networkId"]
        assert [n["networkId"] for n in c.list_networks()["networks"]] == [net]
        assert fault(server, rule["id"])["fired"] == 2
    finally:
        control(server, "DELETE", f"/_wickr/faults/{rule['id']}")


def test_a_fault_that_outlasts_the_retries_fails_the_call(server, creds, c):
    net = new_network(c)
    rule = add_fault(
        server,
        {"operation": "*", "networkId": net, "accessKeyId": creds.access_key_id, "error": "InternalServerError", "times": 5},
    )
    try:
        retrying = client_with_retries(server, creds, "standard", 3)
        with pytest.raises(Exception) as e:
            retrying.get_network(networkId=net)
        assert e.value.response["Error"]["Code"] == "InternalServerError"
        assert e.value.response["ResponseMetadata"]["RetryAttempts"] == 2
        got = fault(server, rule["id"])
        assert got["fired"] == 3 and got["remaining"] == 2
        # Other networks of the key are not matched.
        assert c.get_network(networkId=new_network(c))
    finally:
        assert control(server, "DELETE", f"/_wickr/faults/{rule['id']}").status == 200


def test_fault_rules_are_checked(server):
    assert control(server, "POST", "/_wickr/faults", {"operation": "Nope", "error": "InternalServerError"}).status == 400
    assert control(server, "POST", "/_wickr/faults", {"error": "NoSuchError"}).status == 400
    assert control(server, "POST", "/_wickr/faults", {"probability": 2, "error": "InternalServerError"}).status == 400
    assert control(server, "DELETE", "/_wickr/faults/999999").status == 404


# -- audit ---------------------------------------------------------------------------------------


def test_changes_and_refusals_are_audited_with_secrets_masked(server, creds, c, tmp_path):
    net = new_network(c)
    group = c.list_security_groups(networkId=net)["securityGroups"][0]["id"]
    c.create_bot(networkId=net, username="auditorbot", groupId=group, challenge="Challenge-Secret-42")
    csv = tmp_path / "users.csv"
    csv.write_text("username,firstName,lastName\ncli-audit@example.com,Hidden,Person\n")
    run_cli(
        ["users", "import", str(csv), "--network", net, "--no-progress", "--endpoint", server.endpoint],
        env={"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key},
    )
    c.get_network(networkId=net)  # a read: not recorded
    reader = server.create_key(account=creds.account_id, actions="wickr:Get*")
    with pytest.raises(Exception) as e:
        server.client(creds=reader).delete_network(networkId=net)
    assert_client_error(e.value, "ForbiddenError")

    # The signed read (GET /_audit/records), with the key's credentials as the AWS CLI finds them.
    out = run_cli(
        ["audit", "list", "--endpoint", server.endpoint, "--network", net, "--format", "json"],
        env={"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key},
    )
    records = json.loads(out)
    ops = [(r["operation"], r["outcome"]) for r in records]
    assert ("CreateNetwork", "success") in ops
    assert ("CreateBot", "success") in ops
    assert ("BatchCreateUser", "success") in ops
    assert ("DeleteNetwork", "refused") in ops
    assert not any(op == "GetNetwork" for op, _ in ops)
    bot = next(r for r in records if r["operation"] == "CreateBot")
    assert bot["parameters"]["challenge"] == "***"
    assert bot["accessKeyId"] == creds.access_key_id
    assert bot["accountId"] == creds.account_id
    assert bot["region"] == server.region
    assert bot["sourceIp"] and "Boto3" in bot["userAgent"]
    users = next(r for r in records if r["operation"] == "BatchCreateUser")
    assert users["parameters"]["users"][0]["firstName"] == "***"
    assert users["parameters"]["users"][0]["username"] == "cli-audit@example.com"
    denied = next(r for r in records if r["operation"] == "DeleteNetwork")
    assert denied["status"] == 403 and denied["errorName"] == "ForbiddenError"
    assert denied["accessKeyId"] == reader.access_key_id
    assert "Challenge-Secret-42" not in out and "Hidden" not in out

    # Filters: by key and operation, and the database read of the same trail.
    by_key = json.loads(
        run_cli(
            ["audit", "list", "--endpoint", server.endpoint, "--test-controls", "--key", reader.access_key_id]
            + ["--format", "json"]
        )
    )
    assert [r["operation"] for r in by_key] == ["DeleteNetwork"]
    table = run_cli(["audit", "list", "--database", server.db_url, "--network", net, "--operation", "CreateBot"])
    lines = table.strip().splitlines()
    assert lines[0].split()[:4] == ["TIME", "OUTCOME", "STATUS", "OPERATION"]
    assert len(lines) == 2 and "CreateBot" in lines[1]
    assert run_cli(["audit", "list", "--database", server.db_url, "--network", net, "--until", "2000-01-01T00:00:00Z", "--format", "json"]).strip() == "[]"


def test_an_unsigned_refusal_is_audited(server, creds):
    bad = Creds(creds.access_key_id, "wrong-secret-wrong-secret", creds.account_id)
    with pytest.raises(Exception) as e:
        server.client(creds=bad).list_networks()
    assert_client_error(e.value, "UnauthorizedError")
    r = control(server, "GET", f"/_wickr/audit?key={creds.access_key_id}&operation=ListNetworks")
    [rec] = r.json()["records"]
    assert rec["outcome"] == "refused" and rec["status"] == 401


def _signed_audit_read(server, creds: Creds | None, query: str):
    """GET /_audit/records signed by botocore's own SigV4 (service wickr), or unsigned."""
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{server.endpoint}/_audit/records?{query}"
    req = AWSRequest(method="GET", url=url)
    if creds is not None:
        SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), "wickr", server.region).add_auth(req)
    prepared = urllib.request.Request(url, headers=dict(req.headers.items()), method="GET")
    try:
        with urllib.request.urlopen(prepared, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_signed_audit_read_answers_botocore_and_refuses_the_unsigned(server, creds, c):
    net = new_network(c)
    status, body = _signed_audit_read(server, creds, f"network={net}&operation=CreateNetwork")
    assert status == 200
    [rec] = body["records"]
    assert rec["operation"] == "CreateNetwork" and rec["accessKeyId"] == creds.access_key_id
    assert "nextToken" not in body

    status, _ = _signed_audit_read(server, None, f"network={net}")
    assert status == 401
    reader = server.create_key(account=creds.account_id, actions="wickr:List*")
    status, body = _signed_audit_read(server, reader, f"network={net}")
    assert status == 403 and "LookupAuditRecords" in body["message"]
    # Both refusals are in the trail; the key with the permission reads its own refusal.
    auditor = server.create_key(account=creds.account_id, actions="wickr:LookupAuditRecords")
    status, body = _signed_audit_read(server, auditor, f"operation=LookupAuditRecords&key={reader.access_key_id}")
    assert status == 200
    assert [(r["outcome"], r["status"]) for r in body["records"]] == [("refused", 403)]
    r = control(server, "GET", "/_wickr/audit?operation=LookupAuditRecords&limit=50")
    assert any(x["status"] == 401 and x["accessKeyId"] is None for x in r.json()["records"])


# -- switching the controls ----------------------------------------------------------------------


@contextlib.contextmanager
def serve(engine: str, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`wickr-admin serve` itself, on a fresh database; yields (endpoint, process)."""
    with fresh_database(engine) as url:
        full = {k: v for k, v in os.environ.items() if not k.startswith("WICKR_")}
        full.update(
            {
                "WICKR_DATABASE_URL": url,
                "WICKR_PORT": "0",
                "WICKR_LOG_LEVEL": "info",
                "WICKR_ROOT_ACCESS_KEY_ID": "AKIASERVETEST0000001",
                "WICKR_ROOT_SECRET_ACCESS_KEY": "serve-test-secret-serve-test-secret",
                **(env or {}),
            }
        )
        proc = subprocess.Popen(
            ["node", CLI, "serve", *args], cwd=REPO_ROOT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        found: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if '"listening"' in line:
                    found.append(json.loads(line)["endpoint"])
                    return

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout=60)
        try:
            if not found:
                proc.wait(timeout=30)
                raise RuntimeError(proc.stderr.read() if proc.stderr else "no output")
            yield found[0].replace("0.0.0.0", "127.0.0.1").replace("[::]", "127.0.0.1"), proc
        finally:
            stop_process(proc.pid, proc)


def test_controls_are_off_by_default(server):
    with serve(engine_of(server)) as (endpoint, _):
        r = http_request(endpoint, "POST", "/_wickr/reset", b"", {})
        assert r.status == 404
        assert r.header("X-Amzn-ErrorType") == "ResourceNotFoundError"
        assert http_request(endpoint, "GET", "/_wickr/mail", b"", {}).status == 404
    with serve(engine_of(server), "--test-controls") as (endpoint, _):
        assert http_request(endpoint, "GET", "/_wickr/clock", b"", {}).status == 200


def test_controls_beyond_loopback_need_a_token(server):
    engine = engine_of(server)
    with pytest.raises(RuntimeError) as e:
        with serve(engine, "--test-controls", "--host", "0.0.0.0"):
            pass
    assert "WICKR_TEST_CONTROLS_TOKEN" in str(e.value)
    token = secrets.token_hex(16)
    # Bound to every address; reached through loopback all the same.
    with serve(engine, "--test-controls", "--host", "0.0.0.0", env={"WICKR_TEST_CONTROLS_TOKEN": token}) as (endpoint, _):
        refused = http_request(endpoint, "GET", "/_wickr/faults", b"", {})
        assert refused.status == 401
        assert refused.header("X-Amzn-ErrorType") == "UnauthorizedError"
        wrong = http_request(endpoint, "GET", "/_wickr/faults", b"", {"Authorization": "Bearer nope"})
        assert wrong.status == 401
        ok = http_request(endpoint, "GET", "/_wickr/faults", b"", {"Authorization": f"Bearer {token}"})
        assert ok.status == 200 and ok.json() == {"rules": []}


def test_serve_seeds_at_start_idempotently(server, tmp_path):
    fixture = tmp_path / "seed.json"
    fixture.write_text(json.dumps({"networks": [{"networkId": "61616161", "networkName": "at-start"}]}))
    engine = engine_of(server)
    with fresh_database(engine) as url:
        env = {"WICKR_DATABASE_URL": url, "WICKR_SEED": str(fixture)}
        for _ in range(2):
            handle = _start(engine, url, env)
            try:
                nets = handle.client().list_networks()["networks"]
                assert [n["networkId"] for n in nets] == ["61616161"]
            finally:
                handle.stop()


def _start(engine: str, url: str, env: dict[str, str]) -> ServerHandle:
    from _support import start_server

    return start_server(engine, url, env)
