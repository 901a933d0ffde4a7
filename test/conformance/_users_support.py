"""Helpers for the users / invitations / registration / delivery conformance tests: an SMTP
sink (test/support/smtp-sink.mjs), servers of their own (with SMTP or registration limits),
fresh databases per engine, the unsigned registration endpoint, and a few listing helpers.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest

from _support import (
    REPO_ROOT,
    RawResponse,
    ServerHandle,
    pg_admin,
    start_server,
    stop_process,
    unique_name,
    with_database,
)

SINK_SCRIPT = os.path.join(REPO_ROOT, "test", "support", "smtp-sink.mjs")

# Registration limits generous enough that tests never trip them unless they mean to.
GENEROUS_REGISTRATION = {
    "WICKR_REGISTRATION_RATE_LIMIT_RPS": "1000",
    "WICKR_REGISTRATION_RATE_LIMIT_BURST": "100000",
}


def new_email(prefix: str = "u") -> str:
    """A username that is a deliverable (to the sink) and unique e-mail address."""
    return f"{prefix}-{secrets.token_hex(5)}@example.com"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- SMTP sink ---------------------------------------------------------------------------------


@dataclass
class Mail:
    sender: str | None
    to: list[str]
    subject: str
    body: str
    message_id: str | None
    received_at: int

    @property
    def invite_code(self) -> str | None:
        for line in self.body.splitlines():
            if line.startswith("Your invite code:"):
                return line.split(":", 1)[1].strip()
        return None


class SmtpSink:
    """`node test/support/smtp-sink.mjs` on loopback; every message lands in a JSON-lines file."""

    def __init__(self, port: int = 0):
        fd, self.path = tempfile.mkstemp(prefix="wickr-smtp-sink-", suffix=".jsonl")
        os.close(fd)
        self.proc = subprocess.Popen(
            ["node", SINK_SCRIPT, "--out", self.path, "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        holder: list[bytes] = []
        t = threading.Thread(target=lambda: holder.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout=30)
        line = holder[0] if holder else b""
        if not line.strip():
            stop_process(self.proc.pid, self.proc)
            raise AssertionError(f"the SMTP sink did not start: {self.proc.stderr.read().decode(errors='replace')}")
        info = json.loads(line)
        self.port = int(info["port"])
        self.url = f"smtp://127.0.0.1:{self.port}"

    def records(self) -> list[dict]:
        """The sink's records so far. The sink may be writing one as we read: a last line
        without its newline is not complete yet, and is left for the next read."""
        with open(self.path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.endswith("\n") and line.strip()]

    def messages(self) -> list[Mail]:
        out = []
        for rec in self.records():
            msg = email.message_from_string(rec["data"], policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            out.append(
                Mail(
                    sender=rec.get("from"),
                    to=rec["to"],
                    subject=str(msg["Subject"] or ""),
                    body=body.get_content() if body is not None else "",
                    message_id=str(msg["Message-ID"]) if msg["Message-ID"] else None,
                    received_at=rec["receivedAt"],
                )
            )
        return out

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.messages() if address.lower() in (a.lower() for a in m.to)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Mail]:
        """Waits until `address` has at least `count` messages; returns them all."""
        end = time.monotonic() + timeout
        while True:
            got = self.to(address)
            if len(got) >= count or time.monotonic() >= end:
                return got
            time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.proc.pid, self.proc)
        for s in (self.proc.stdout, self.proc.stderr):
            if s:
                s.close()

    def cleanup(self) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


# -- databases and servers ---------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(engine: str) -> Iterator[str]:
    """A database URL of its own for `engine` ("sqlite" file or "postgres"), removed afterwards."""
    if engine == "sqlite":
        tmp = tempfile.mkdtemp(prefix="wickr-users-")
        try:
            yield f"sqlite:{os.path.join(tmp, 'w.db')}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    base = os.environ.get("WICKR_TEST_POSTGRES_URL", "").strip()
    if not base:
        pytest.fail("WICKR_TEST_POSTGRES_URL is not set (see conftest.py)", pytrace=False)
    name = f"wickr_users_{secrets.token_hex(6)}"
    pg_admin(base, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(base, name)
    finally:
        with contextlib.suppress(AssertionError):
            pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_of(server: ServerHandle) -> str:
    return "postgres" if server.engine.startswith("postgres") else "sqlite"


@contextlib.contextmanager
def own_server(engine: str, env: dict[str, str] | None = None, db_url: str | None = None) -> Iterator[ServerHandle]:
    """A server process of its own (on a fresh database unless `db_url` is given)."""
    with contextlib.ExitStack() as stack:
        url = db_url or stack.enter_context(fresh_database(engine))
        handle = start_server(engine, url, env or {})
        try:
            yield handle
        finally:
            handle.stop()
            if handle.log_path:
                with contextlib.suppress(OSError):
                    os.unlink(handle.log_path)


# -- the registration endpoint -----------------------------------------------------------------


def register(
    handle: ServerHandle,
    network: str,
    username: str,
    code: str,
    *,
    device: str = "Test phone",
    platform: str = "ios",
) -> RawResponse:
    """POST /client/v1/networks/{networkId}/register, unsigned, as an app would."""
    return handle.raw(
        "POST",
        f"/client/v1/networks/{network}/register",
        {"username": username, "inviteCode": code, "deviceName": device, "platform": platform},
        sign=False,
    )


# -- Admin API helpers -------------------------------------------------------------------------


def new_network(client) -> str:
    return client.create_network(networkName=unique_name("usr"), accessLevel="STANDARD")["networkId"]


def default_group(client, network: str) -> str:
    groups = client.list_security_groups(networkId=network, maxResults=100)["securityGroups"]
    return next(g["id"] for g in groups if g["isDefault"])


def create_user(client, network: str, username: str | None = None, **item: Any) -> dict[str, Any]:
    """Creates one user (in the default group unless told) and returns its User."""
    item.setdefault("securityGroupIds", [default_group(client, network)])
    r = client.batch_create_user(networkId=network, users=[{"username": username or new_email(), **item}])
    assert not r.get("failed"), r
    assert len(r["successful"]) == 1, r
    return r["successful"][0]


def list_all(
    client, network: str, op: str = "list_users", key: str = "users", **kw: Any
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    for _ in range(1000):
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = getattr(client, op)(networkId=network, **args)
        out.extend(r.get(key, []))
        token = r.get("nextToken")
        if not token:
            return out
    raise AssertionError("pagination did not end")


def user_row(client, network: str, user_id: str) -> dict[str, Any]:
    """The user as ListUsers shows it (the only read that carries inviteCode and uname)."""
    for u in list_all(client, network, maxResults=100):
        if u["userId"] == user_id:
            return u
    raise AssertionError(f"user {user_id} is not listed in network {network}")


def seed_devices(db_url: str, network: str, user_id: str, devices: list[dict[str, Any]]) -> list[str]:
    """White-box: adds devices to a user through the project's devices owner (registration
    makes only one device per user, so lists of several need seeding). Each device:
    {"name", "platform", "at" (epoch ms: its created/lastLogin time)}. Returns the appIds."""
    script = """
const [url, network, member, spec] = process.argv.slice(1);
const { openStore } = await import('./dist/store/database.js');
const { insertDevice } = await import('./dist/domain/owners/devices.js');
const store = await openStore(url, { migrate: false });
const ids = [];
try {
  for (const d of JSON.parse(spec)) {
    ids.push(await insertDevice(store.db,
      { memberId: Number(member), networkId: network, deviceName: d.name, platform: d.platform },
      d.at));
  }
} finally { await store.close(); }
process.stdout.write(JSON.stringify(ids));
"""
    p = subprocess.run(
        ["node", "--input-type=module", "-e", script, db_url, network, user_id, json.dumps(devices)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if p.returncode != 0:
        raise AssertionError(f"seeding devices failed: {p.stderr}")
    return json.loads(p.stdout)


def outbox(db_url: str, network: str | None = None) -> list[dict[str, Any]]:
    """`wickr-admin outbox list` for a database (newest first)."""
    from _support import run_cli

    args = ["outbox", "list", "--database", db_url, "--limit", "1000"]
    if network:
        args += ["--network", network]
    return json.loads(run_cli(args))


def wait_until(pred: Callable[[], Any], timeout: float = 10.0, step: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)
