"""OpenTDF configuration through boto3: RegisterOpentdfConfig (with dryRun) and GetOpentdfConfig.

A dry run performs a test connection; it reaches a small stand-in of an OpenTDF platform and
its identity provider on loopback (`platform` below)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus

import pytest

from _support import assert_client_error, assert_reasons, strip_meta
from test_oidc import closed_port_url

SECRET = "tdf-client-secret-abcdef-9876"
CLIENT_ID = "wickr-tdf-client"


def credentials(header: str) -> tuple[str, str] | None:
    """HTTP Basic client credentials, each form-urlencoded first (RFC 6749, 2.3.1)."""
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return unquote_plus(user), unquote_plus(password)


class Platform:
    """An OpenTDF platform stand-in: its well-known configuration names an identity provider
    (served by the same server under /auth) that grants client credentials to one client.
    `mode` breaks one step: "ok", "down" (HTTP 503), "not-json", "no-issuer"."""

    def __init__(self):
        self.mode = "ok"
        self.token_requests = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                issuer = platform.issuer
                if self.path == "/.well-known/opentdf-configuration":
                    if platform.mode == "down":
                        return self._json(503, {"error": "unavailable"})
                    if platform.mode == "not-json":
                        data = b"<html>maintenance</html>"
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        return self.wfile.write(data)
                    conf = {"health": {"endpoint": "/healthz"}}
                    if platform.mode != "no-issuer":
                        conf["platform_issuer"] = issuer
                    return self._json(200, {"configuration": conf})
                if self.path == "/auth/.well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": issuer,
                        "token_endpoint": issuer + "/token",
                        "jwks_uri": issuer + "/jwks",
                        "grant_types_supported": ["client_credentials"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    })  # fmt: skip
                self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if self.path != "/auth/token":
                    return self._json(404, {"error": "not_found"})
                platform.token_requests += 1
                if credentials(self.headers.get("Authorization", "")) != (CLIENT_ID, SECRET):
                    return self._json(401, {"error": "invalid_client", "error_description": "bad client credentials"})
                if form.get("grant_type") != ["client_credentials"]:
                    return self._json(400, {"error": "unsupported_grant_type"})
                self._json(200, {"access_token": "tdf-access-token", "token_type": "Bearer", "expires_in": 300})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.domain = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.issuer = f"http://{self.domain}/auth"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def platform():
    p = Platform()
    yield p
    p.close()


def closed_port_domain() -> str:
    return closed_port_url().removeprefix("http://")


def register(root, network, **kw):
    args = dict(
        networkId=network,
        clientId=CLIENT_ID,
        clientSecret=SECRET,
        domain="opentdf.example.com",
        provider="virtru",
    )
    args.update(kw)
    return root.register_opentdf_config(**args)


def test_get_before_register_is_not_found(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_opentdf_config(networkId=network)
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_register_saves_and_get_returns_it_with_a_masked_secret(server, root, network):
    r = strip_meta(register(root, network))
    assert r == {
        "clientId": "wickr-tdf-client",
        "clientSecret": "****" + SECRET[-4:],
        "domain": "opentdf.example.com",
        "provider": "virtru",
    }
    assert strip_meta(root.get_opentdf_config(networkId=network)) == r
    raw = server.raw("GET", f"/networks/{network}/tdf")
    assert raw.status == 200 and SECRET.encode() not in raw.body


def test_dry_run_validates_without_saving(root, network, platform):
    platform.mode = "ok"
    r = strip_meta(register(root, network, dryRun=True, domain=platform.domain))
    assert r["clientId"] == CLIENT_ID and r["provider"] == "virtru" and r["domain"] == platform.domain
    assert r["clientSecret"] != SECRET
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_opentdf_config(networkId=network)
    # A dry run of bad input fails like the real thing.
    with pytest.raises(root.exceptions.ValidationError):
        register(root, network, dryRun=True, provider="acme", domain=platform.domain)
    # And a dry run leaves a saved configuration alone.
    register(root, network)
    register(root, network, dryRun=True, domain=platform.domain)
    assert root.get_opentdf_config(networkId=network)["domain"] == "opentdf.example.com"
    # dryRun=false saves.
    register(root, network, dryRun=False, clientId="third-client")
    assert root.get_opentdf_config(networkId=network)["clientId"] == "third-client"


@pytest.mark.rule("opentdf-dry-run")
def test_dry_run_connects_to_the_platform(root, network, platform):
    platform.mode = "ok"
    before = platform.token_requests
    register(root, network, dryRun=True, domain=platform.domain)
    assert platform.token_requests == before + 1, "the dry run obtained a token with the client credentials"


@pytest.mark.rule("opentdf-dry-run")
@pytest.mark.parametrize(
    "mode,kw,words",
    [
        ("ok", {"domain": "closed"}, ["could not be used", "ECONNREFUSED"]),
        ("down", {}, ["could not be used", "HTTP 503"]),
        ("not-json", {}, ["not JSON"]),
        ("no-issuer", {}, ["platform_issuer"]),
        ("ok", {"clientSecret": "wrong-secret-0000"}, ["refused the client credentials", "invalid_client"]),
    ],
)
def test_dry_run_reports_what_failed(root, network, platform, mode, kw, words):
    platform.mode = mode
    args = {"domain": platform.domain, **kw}
    if args["domain"] == "closed":
        args["domain"] = closed_port_domain()
    try:
        with pytest.raises(root.exceptions.BadRequestError) as ei:
            register(root, network, dryRun=True, **args)
    finally:
        platform.mode = "ok"
    message = assert_client_error(ei.value, "BadRequestError")["message"]
    for w in words:
        assert w in message, message
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_opentdf_config(networkId=network)


def test_a_port_only_for_loopback(root, network, platform):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        register(root, network, domain="opentdf.example.com:8443")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "domain")
    assert register(root, network, domain=platform.domain)["domain"] == platform.domain


@pytest.mark.rule("opentdf-provider")
def test_provider_must_be_virtru(root, network):
    assert register(root, network, provider="Virtru")["provider"] == "virtru"
    for bad in ("opentdf", "VirtruX", ""):
        with pytest.raises(root.exceptions.ValidationError) as ei:
            register(root, network, provider=bad)
        e = assert_client_error(ei.value, "ValidationError")
        assert_reasons(e, "provider")
        assert "virtru" in e["reasons"][0]["reason"].lower()


@pytest.mark.parametrize(
    "domain",
    [
        "https://opentdf.example.com",
        "opentdf.example.com/path",
        "opentdf.example.com:8443",
        "bad domain",
        "-x.example",
        "",
    ],
)
def test_domain_must_be_a_hostname(root, network, domain):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        register(root, network, domain=domain)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "domain")


def test_every_violation_is_reported_and_nothing_saved(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        register(root, network, provider="acme", domain="not a host", clientSecret="")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "provider", "domain", "clientSecret")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_opentdf_config(networkId=network)


def test_register_again_replaces(root, network):
    register(root, network)
    register(root, network, clientId="new-client", clientSecret="another-secret-1234", domain="TDF.Example.ORG")
    r = root.get_opentdf_config(networkId=network)
    assert r["clientId"] == "new-client"
    assert r["domain"] == "tdf.example.org"
    assert r["clientSecret"] == "****1234"


def test_required_members_are_validated(loose, network):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.register_opentdf_config(networkId=network, clientId="x", domain="tdf.example.com")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "clientSecret", "provider")


def test_opentdf_needs_an_existing_network(root):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_opentdf_config(networkId="10000001")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        register(root, "10000001")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        register(root, "10000001", dryRun=True)
