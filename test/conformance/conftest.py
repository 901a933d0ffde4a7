"""Fixtures of the conformance suite.

The suite runs once per storage engine (`server` is parametrized over "sqlite" and
"postgres"), except tests marked `engine_independent` (validation, authentication, hostile
input: their subject is decided before the store is asked), which run once, on the first
engine of the run. WICKR_TEST_ENGINES=sqlite (or a comma-separated list) restricts the engines
explicitly; otherwise PostgreSQL needs WICKR_TEST_POSTGRES_URL, a postgres:// URL of a server
where this suite may create (and drop) a database. Without it the postgres run FAILS: no
silent skips.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from _support import ServerHandle, pg_admin, start_server, unique_name, with_database  # noqa: E402

ALL_ENGINES = ["sqlite", "postgres"]


def _engines() -> list[str]:
    raw = os.environ.get("WICKR_TEST_ENGINES", "").strip()
    if not raw:
        return list(ALL_ENGINES)
    chosen = [e.strip().lower() for e in raw.split(",") if e.strip()]
    unknown = [e for e in chosen if e not in ALL_ENGINES]
    if unknown:
        raise pytest.UsageError(f"WICKR_TEST_ENGINES names unknown engines {unknown}; use {ALL_ENGINES}")
    return chosen


@pytest.fixture(scope="session", params=_engines())
def server(request) -> ServerHandle:
    """The session's server for one engine, started from dist/ on loopback."""
    engine = request.param
    cleanup = []
    if engine == "sqlite":
        tmp = tempfile.mkdtemp(prefix="wickr-conformance-")
        cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
        db_url = f"sqlite:{os.path.join(tmp, 'w.db')}"
    else:
        base = os.environ.get("WICKR_TEST_POSTGRES_URL", "").strip()
        if not base:
            pytest.fail(
                "WICKR_TEST_POSTGRES_URL is not set: the conformance suite runs against PostgreSQL too. "
                "Set it to a postgres:// URL where databases may be created, or restrict the engines "
                "explicitly with WICKR_TEST_ENGINES=sqlite.",
                pytrace=False,
            )
        name = f"wickr_conformance_{secrets.token_hex(6)}"
        pg_admin(base, f'CREATE DATABASE "{name}"')
        cleanup.append(lambda: pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        db_url = with_database(base, name)
    try:
        handle = start_server(engine, db_url)
    except BaseException:
        for c in reversed(cleanup):
            c()
        raise
    yield handle
    handle.stop()
    for c in reversed(cleanup):
        try:
            c()
        except AssertionError as e:  # pragma: no cover - best effort
            print(f"cleanup: {e}", file=sys.stderr)


@pytest.fixture(scope="session")
def root(server):
    """A boto3 client with the server's root (wickr:*) key, region us-east-1."""
    return server.client()


@pytest.fixture(scope="session")
def loose(server):
    """A root client with botocore's client-side parameter validation off."""
    return server.client(parameter_validation=False)


@pytest.fixture
def network(root):
    """A fresh network for one test."""
    r = root.create_network(networkName=unique_name("net"), accessLevel="STANDARD")
    return r["networkId"]


def pytest_report_header(config):
    return [
        f"wickr conformance engines: {', '.join(_engines())}",
        f"postgres: {redact(os.environ['WICKR_TEST_POSTGRES_URL']) if os.environ.get('WICKR_TEST_POSTGRES_URL') else '(WICKR_TEST_POSTGRES_URL not set)'}",
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """An engine-independent test gets the first engine only: a `parametrize` mark on `server`
    takes precedence over the fixture's own parameters (and, added first, is seen by both)."""
    if "server" in metafunc.fixturenames and metafunc.definition.get_closest_marker("engine_independent"):
        metafunc.definition.add_marker(pytest.mark.parametrize("server", _engines()[:1], indirect=True))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "engine_independent: its subject does not depend on the storage engine; runs once, on the "
        "first engine of the run",
    )
    config.addinivalue_line("markers", "rule(id): tests the row `id` of docs/api.md's documented rules")

