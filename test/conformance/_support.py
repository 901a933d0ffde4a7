"""Shared machinery of the conformance suite: a running server, real boto3 clients, a raw
SigV4-signed HTTP helper, the keys CLI and assertion helpers.

Everything here talks to the server the way a user does: over HTTP, through botocore's own
serializers and signer, or through the project's `wickr-admin` CLI.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVE_SCRIPT = os.path.join(REPO_ROOT, "test", "support", "serve.mjs")
CLI = os.path.join(REPO_ROOT, "bin", "wickr-admin")

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

ERROR_STATUS = {
    "ValidationError": 422,
    "BadRequestError": 400,
    "UnauthorizedError": 401,
    "ForbiddenError": 403,
    "ResourceNotFoundError": 404,
    "RateLimitError": 429,
    "InternalServerError": 500,
}


MODEL_PATH = os.path.join(REPO_ROOT, "..", "shared", "wickr-model", "service-2.json")


@functools.lru_cache(maxsize=1)
def model() -> tuple[str, dict[str, Any]]:
    """The newest Wickr model there is, and where it came from: ../shared/wickr-model when it
    exists, the machine's botocore otherwise or when it is newer. A later revision of the
    same API version only adds shapes and members, so the one with more of them is newer."""
    found: list[tuple[str, dict[str, Any]]] = []
    if os.path.exists(MODEL_PATH):
        with open(MODEL_PATH, encoding="utf-8") as f:
            found.append((MODEL_PATH, json.load(f)))
    try:
        import botocore
        import botocore.loaders

        found.append((f"botocore {botocore.__version__}", botocore.loaders.Loader().load_service_model("wickr", "service-2")))
    except Exception:
        if not found:
            raise

    def size(m: dict[str, Any]) -> tuple[int, int]:
        shapes = m["shapes"].values()
        return len(shapes), sum(len(s.get("members", {})) for s in shapes)

    return max(found, key=lambda f: size(f[1]))


def model_members(shape: str) -> dict[str, Any]:
    """Members of a structure in the newest model there is (see model())."""
    return model()[1]["shapes"][shape]["members"]


# Shapes of the model revision the project follows (test/contract.test.ts says the same).
CONTRACT_MODEL_SHAPES = 175


def assert_covers_model(ours: set[str], shape: str) -> None:
    """`ours` has every member of the model's `shape`. Members beyond it fail too, unless the
    model in use is an older revision (botocore on a fresh clone): then they are reported."""
    theirs = set(model_members(shape))
    assert not theirs - ours, f"{shape} lacks {sorted(theirs - ours)}"
    extra = ours - theirs
    if not extra:
        return
    source, m = model()
    assert len(m["shapes"]) < CONTRACT_MODEL_SHAPES, f"{shape} has {sorted(extra)}, not in the model"
    warnings.warn(f"{shape}: members beyond the older model in use ({source}): {sorted(extra)}")


def unique_name(prefix: str = "n") -> str:
    """A network/group name unique enough for one run, within the 20-character limit."""
    return f"{prefix}-{secrets.token_hex(5)}"[:20]


def random_account() -> str:
    """A fresh 12-digit account, so a test sees only what it created itself."""
    return "9" + "".join(str(secrets.randbelow(10)) for _ in range(11))


def random_token() -> str:
    return "tok-" + secrets.token_hex(12)


class ServerFault(AssertionError):
    """Raised from a response hook: the server answered 500 or without a request ID."""


def check_response_headers(status: int, headers: Any, what: str) -> None:
    """Every response carries a UUID x-amzn-RequestId; no request in this suite may get a 500."""
    rid = headers.get("x-amzn-RequestId") if headers is not None else None
    if not rid or not UUID_RE.match(rid):
        raise ServerFault(f"{what}: x-amzn-RequestId is {rid!r}, expected a UUID")
    if status >= 500:
        raise ServerFault(f"{what}: the server answered {status}")


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_type(self) -> str | None:
        return self.header("X-Amzn-ErrorType")


# Operations that answered 2xx through boto3, per engine (see test_zz_every_operation.py).
SUCCESSFUL_CALLS: dict[str, set[str]] = {}


@dataclass
class Creds:
    access_key_id: str
    secret_access_key: str
    account_id: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Creds":
        return cls(d["accessKeyId"], d["secretAccessKey"], d["accountId"])


@dataclass
class ServerHandle:
    engine: str
    endpoint: str
    db_url: str
    creds: Creds
    region: str
    pid: int
    proc: subprocess.Popen[bytes] | None = None
    log_path: str | None = None
    _session: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pool: list = field(default_factory=list, repr=False)

    # -- boto3 ---------------------------------------------------------------------------

    def client(
        self,
        *,
        region: str | None = None,
        creds: Creds | None = None,
        parameter_validation: bool = True,
    ):
        """A real boto3 `wickr` client for this server, without retries."""
        c = creds or self.creds
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session()
            session = self._session
        client = session.client(
            "wickr",
            endpoint_url=self.endpoint,
            region_name=region or self.region,
            aws_access_key_id=c.access_key_id,
            aws_secret_access_key=c.secret_access_key,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                parameter_validation=parameter_validation,
                connect_timeout=10,
                read_timeout=30,
            ),
        )

        engine = self.engine

        def after_call(http_response, model, **_kw):
            check_response_headers(
                http_response.status_code, http_response.headers, f"{model.name} via boto3"
            )
            if 200 <= http_response.status_code < 300:
                SUCCESSFUL_CALLS.setdefault(engine, set()).add(model.name)

        client.meta.events.register("after-call.wickr", after_call)
        return client

    def cloudtrail(self, *, creds: Creds | None = None, parameter_validation: bool = True):
        """A real boto3 `cloudtrail` client for this server (LookupEvents), without retries."""
        c = creds or self.creds
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session()
            session = self._session
        return session.client(
            "cloudtrail",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=c.access_key_id,
            aws_secret_access_key=c.secret_access_key,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                parameter_validation=parameter_validation,
                connect_timeout=10,
                read_timeout=30,
            ),
        )

    # -- raw HTTP ------------------------------------------------------------------------

    def raw(
        self,
        method: str,
        path: str,
        body: bytes | str | dict | list | None = None,
        *,
        headers: dict[str, str] | None = None,
        sign: bool = True,
        creds: Creds | None = None,
        region: str | None = None,
        signing_time: Any = None,
        send_body: bytes | None = None,
        mutate_headers: Any = None,
    ) -> RawResponse:
        """Sends one request, signed with botocore's SigV4Auth unless sign=False.

        `send_body` replaces the body after signing (tampering); `signing_time` (a naive UTC
        datetime) signs as if it were then; `mutate_headers(headers)` edits the signed headers.
        """
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        url = self.endpoint + path
        hdrs = {"Content-Type": "application/json"} if data else {}
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}  # None: leave the header out
        if sign:
            c = creds or self.creds
            req = AWSRequest(method=method, url=url, data=data, headers=hdrs)
            signer = botocore.auth.SigV4Auth(
                Credentials(c.access_key_id, c.secret_access_key), "wickr", region or self.region
            )
            if signing_time is not None:
                with mock.patch.object(botocore.auth, "get_current_datetime", lambda: signing_time):
                    signer.add_auth(req)
            else:
                signer.add_auth(req)
            hdrs = dict(req.headers.items())
        if mutate_headers is not None:
            mutate_headers(hdrs)
        if send_body is not None:
            data = send_body
        return http_request(self.endpoint, method, path, data, hdrs)

    # -- keys CLI ------------------------------------------------------------------------

    def create_key(
        self,
        *,
        account: str | None = None,
        actions: str | None = None,
        networks: list[str] | str | None = None,
        user: str | None = None,
    ) -> Creds:
        """`wickr-admin keys create` against this server's database."""
        args = ["keys", "create", "--account", account or self.creds.account_id]
        if user:
            args += ["--user", user]
        if actions:
            args += ["--actions", actions]
        if networks:
            args += ["--networks", networks if isinstance(networks, str) else ",".join(networks)]
        out = run_cli(args + ["--database", self.db_url])
        return Creds.from_json(json.loads(out.strip().splitlines()[-1]))

    def fresh_creds(self) -> Creds:
        """A full-permission key in an account of its own (nothing else in it).

        Keys come from `wickr-admin keys create`, several started at once and kept in a pool,
        since each CLI run costs a Node start-up."""
        with self._lock:
            if not self._pool:
                procs = [
                    subprocess.Popen(
                        ["node", CLI, "keys", "create", "--account", random_account(), "--database", self.db_url],
                        cwd=REPO_ROOT,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for _ in range(6)
                ]
                for p in procs:
                    out, err = p.communicate(timeout=60)
                    if p.returncode != 0:
                        raise AssertionError(f"wickr-admin keys create failed ({p.returncode}):\n{err}{out}")
                    self._pool.append(Creds.from_json(json.loads(out.strip().splitlines()[-1])))
            return self._pool.pop()

    def list_keys(self) -> list[dict[str, Any]]:
        """`wickr-admin keys list` against this server's database."""
        return json.loads(run_cli(["keys", "list", "--database", self.db_url]))

    def revoke_key(self, access_key_id: str) -> str:
        return run_cli(["keys", "revoke", access_key_id, "--database", self.db_url])

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        stop_process(self.pid, self.proc)
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass


def http_request(endpoint: str, method: str, path: str, data: bytes, headers: dict[str, str]) -> RawResponse:
    u = urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        # Host comes from the (signed) headers, as botocore sent it.
        hdrs = {k: v for k, v in headers.items()}
        conn.putrequest(method, path, skip_host="host" in {k.lower() for k in hdrs}, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if data or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(data)))
        try:
            conn.endheaders(data if data else None)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (e.g. body too large) and close before reading everything.
            pass
        resp = conn.getresponse()
        body = resp.read()
        out = RawResponse(resp.status, {k: v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()
    check_response_headers(out.status, _CI(out.headers), f"{method} {path}")
    return out


class _CI:
    """Case-insensitive header lookup over a plain dict."""

    def __init__(self, d: dict[str, str]):
        self._d = {k.lower(): v for k, v in d.items()}

    def get(self, name: str, default: Any = None) -> Any:
        return self._d.get(name.lower(), default)


def run_cli(args: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> str:
    p = subprocess.run(
        ["node", CLI, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    if check and p.returncode != 0:
        raise AssertionError(f"wickr-admin {' '.join(args)} failed ({p.returncode}):\n{p.stderr}{p.stdout}")
    return p.stdout


def stop_process(pid: int, proc: subprocess.Popen[bytes] | None) -> None:
    """Stops the server we started, by its PID: SIGTERM, then SIGKILL if it lingers."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if proc is not None:
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def start_server(engine: str, db_url: str, extra_env: dict[str, str] | None = None) -> ServerHandle:
    """Starts `node test/support/serve.mjs` on loopback and reads its one JSON line."""
    if not os.path.exists(os.path.join(REPO_ROOT, "dist", "index.js")):
        raise AssertionError("dist/index.js is missing: run npm run build before the conformance suite")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WICKR_")}
    env.update({"WICKR_DATABASE_URL": db_url, "WICKR_HOST": "127.0.0.1", "NODE_NO_WARNINGS": "1"})
    env.update(extra_env or {})
    log = tempfile.NamedTemporaryFile(prefix=f"wickr-conformance-{engine}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        ["node", SERVE_SCRIPT],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    line_holder: list[bytes] = []

    def read_line() -> None:
        assert proc.stdout is not None
        line_holder.append(proc.stdout.readline())

    t = threading.Thread(target=read_line, daemon=True)
    t.start()
    t.join(timeout=60)
    line = line_holder[0] if line_holder else b""
    if not line.strip():
        stop_process(proc.pid, proc)
        log.close()
        with open(log.name, encoding="utf-8", errors="replace") as f:
            err = f.read()
        raise AssertionError(f"the {engine} server did not start (database {redact(db_url)}):\n{err}")
    info = json.loads(line)
    endpoint = info["endpoint"]
    host = urlsplit(endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        stop_process(proc.pid, proc)
        raise AssertionError(f"the server listens on {endpoint}, not on loopback")
    c = info["credentials"]
    return ServerHandle(
        engine=engine,
        endpoint=endpoint,
        db_url=db_url,
        creds=Creds.from_json(c),
        region=c.get("region", "us-east-1"),
        pid=int(info.get("pid") or proc.pid),
        proc=proc,
        log_path=log.name,
    )


def pg_admin(url: str, sql: str) -> None:
    """Runs one statement with the project's own `pg` package (no Python driver needed)."""
    script = (
        "const {Client}=require('pg');"
        "const c=new Client({connectionString:process.env.PGURL});"
        "c.connect().then(()=>c.query(process.env.PGSQL)).then(()=>c.end())"
        ".catch(e=>{console.error(e.message);process.exit(1)});"
    )
    p = subprocess.run(
        ["node", "-e", script],
        cwd=REPO_ROOT,
        env={**os.environ, "PGURL": url, "PGSQL": sql},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if p.returncode != 0:
        raise AssertionError(f"PostgreSQL at {redact(url)} refused `{sql}`: {p.stderr.strip()}")


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    u = urlsplit(url)
    return urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def aws_cli(
    server, *args: str, check: bool = True, service: str = "wickr", creds: Creds | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `aws <service> <args>` (`wickr` by default) against the server with its root key (or
    `creds`), nothing else from the environment."""
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
            "AWS_ACCESS_KEY_ID": (creds or server.creds).access_key_id,
            "AWS_SECRET_ACCESS_KEY": (creds or server.creds).secret_access_key,
            "AWS_DEFAULT_REGION": server.region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
        }
    )
    p = subprocess.run(
        [aws, service, *args, "--endpoint-url", server.endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"aws {service} {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


# -- assertions -----------------------------------------------------------------------------


def error_of(exc: Any) -> dict[str, Any]:
    """The parts of a botocore ClientError a user looks at."""
    r = exc.response
    return {
        "code": r["Error"]["Code"],
        "message": r["Error"].get("Message") or r.get("message"),
        "status": r["ResponseMetadata"]["HTTPStatusCode"],
        "headers": r["ResponseMetadata"]["HTTPHeaders"],
        "reasons": r.get("reasons"),
        "request_id": r["ResponseMetadata"].get("RequestId"),
    }


def assert_client_error(exc: Any, name: str) -> dict[str, Any]:
    """The exception is `client.exceptions.<name>` with the modelled status, header and a message."""
    e = error_of(exc)
    assert e["code"] == name, f"expected {name}, got {e['code']}: {e['message']}"
    assert e["status"] == ERROR_STATUS[name]
    assert e["headers"].get("x-amzn-errortype", "").split(":")[0] == name
    assert e["message"], "the error has no message"
    assert e["request_id"] and UUID_RE.match(e["request_id"])
    return e


def assert_raw_error(resp: RawResponse, name: str) -> dict[str, Any]:
    assert resp.status == ERROR_STATUS[name], f"expected {ERROR_STATUS[name]} {name}, got {resp.status}: {resp.body!r}"
    assert (resp.error_type or "").split(":")[0] == name, f"X-Amzn-ErrorType is {resp.error_type!r}"
    ctype = resp.header("Content-Type") or ""
    assert ctype.startswith("application/json"), f"Content-Type is {ctype!r}"
    body = resp.json()
    assert isinstance(body.get("message"), str) and body["message"], f"no message in {body}"
    return body


def reason_fields(reasons: list[dict[str, str]] | None) -> list[str]:
    return [r["field"] for r in (reasons or [])]


def assert_reasons(e: dict[str, Any], *fields: str) -> None:
    """A ValidationError whose `reasons` name exactly these fields (each with a reason)."""
    got = reason_fields(e["reasons"])
    assert sorted(set(got)) == sorted(set(fields)), f"reasons {e['reasons']} do not name exactly {fields}"
    for r in e["reasons"]:
        assert r.get("reason"), f"empty reason in {r}"


def strip_meta(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


def wait_until(pred, timeout: float = 5.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def new_uuid() -> str:
    return str(uuid.uuid4())
