"""SSO (OIDC) through boto3 against a real OpenID provider (oidc-provider) on loopback:
discovery, saving a configuration, and authorization-code exchanges at the provider's token
endpoint, done by the server over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import urllib.request

import pytest

from _support import REPO_ROOT, assert_client_error, assert_reasons, stop_process

PROVIDER_SCRIPT = os.path.join(REPO_ROOT, "test", "support", "oidc-provider.mjs")


class Provider:
    def __init__(self, info: dict, proc: subprocess.Popen, ca: str | None = None):
        self.ssl = ssl.create_default_context(cadata=ca) if ca else None
        self.issuer: str = info["issuer"]
        self.client_id: str = info["clientId"]
        self.client_secret: str = info["clientSecret"]
        self.redirect_uri: str = info["redirectUri"]
        self.pid: int = int(info["pid"])
        self.proc = proc

    def mint_code(self, **body) -> str:
        """A real authorization code of the provider (as after a sign-in and consent)."""
        req = urllib.request.Request(
            self.issuer + "/__test/code",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10, context=self.ssl) as r:
            return json.loads(r.read())["code"]

    def metadata(self) -> dict:
        with urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration", timeout=10) as r:
            return json.loads(r.read())

    def userinfo(self, access_token: str) -> dict:
        req = urllib.request.Request(self.issuer + "/me", headers={"Authorization": f"Bearer {access_token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())


def start_provider(env: dict | None = None, ca: str | None = None) -> Provider:
    proc = subprocess.Popen(
        ["node", PROVIDER_SCRIPT],
        cwd=REPO_ROOT,
        env={**os.environ, "NODE_NO_WARNINGS": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    holder: list[bytes] = []
    t = threading.Thread(target=lambda: holder.append(proc.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout=30)
    if not holder or not holder[0].strip():
        stop_process(proc.pid, proc)
        raise AssertionError("the OpenID provider did not start")
    return Provider(json.loads(holder[0]), proc, ca)


@pytest.fixture(scope="module")
def provider():
    p = start_provider()
    yield p
    stop_process(p.pid, p.proc)


def _openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_provider():
    """The provider on https with a certificate from a private CA; yields (provider, CA PEM)."""
    if not shutil.which("openssl"):
        pytest.fail("openssl is needed to make the test CA", pytrace=False)
    d = tempfile.mkdtemp(prefix="wickr-oidc-tls-")
    try:
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "2", "-subj", "/CN=Wickr Test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)  # fmt: skip
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
                 "-subj", "/CN=127.0.0.1", cwd=d)  # fmt: skip
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)  # fmt: skip
        with open(os.path.join(d, "ca.pem")) as f:
            ca = f.read()
        p = start_provider(
            {"OIDC_TLS_CERT": os.path.join(d, "srv.pem"), "OIDC_TLS_KEY": os.path.join(d, "srv.key")}, ca
        )
        yield p, ca
        stop_process(p.pid, p.proc)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def jwt_claims(token: str) -> dict:
    parts = token.split(".")
    assert len(parts) == 3, token
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def register(root, network, provider, **kw):
    args = dict(
        networkId=network,
        companyId="acme-sso",
        issuer=provider.issuer,
        scopes="openid email offline_access",
        userId=provider.client_id,
        secret=provider.client_secret,
    )
    args.update(kw)
    return root.register_oidc_config(**args)


# ---------- RegisterOidcConfigTest ----------


def test_config_test_reports_what_discovery_found(root, network, provider):
    r = root.register_oidc_config_test(networkId=network, issuer=provider.issuer, scopes="openid email")
    m = provider.metadata()
    assert r["issuer"] == m["issuer"] == provider.issuer
    assert r["authorizationEndpoint"] == m["authorization_endpoint"]
    assert r["tokenEndpoint"] == m["token_endpoint"]
    assert r["userinfoEndpoint"] == m["userinfo_endpoint"]
    assert r["endSessionEndpoint"] == m["end_session_endpoint"]
    assert r["revocationEndpoint"] == m["revocation_endpoint"]
    assert r["responseTypesSupported"] == m["response_types_supported"]
    assert r["scopesSupported"] == m["scopes_supported"]
    assert r["grantTypesSupported"] == m["grant_types_supported"]
    assert r["tokenEndpointAuthMethodsSupported"] == m["token_endpoint_auth_methods_supported"]


@pytest.mark.rule("oidc-logout-endpoint")
def test_config_test_reports_only_advertised_endpoints(root, network, provider):
    m = provider.metadata()
    assert "logout_endpoint" not in m and m["end_session_endpoint"]
    r = root.register_oidc_config_test(networkId=network, issuer=provider.issuer, scopes="openid")
    assert "logoutEndpoint" not in r, "the provider advertises no logout endpoint"
    assert r["endSessionEndpoint"] == m["end_session_endpoint"]


def test_config_test_against_a_closed_port_is_a_bad_request(root, network):
    url = closed_port_url()
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=url, scopes="openid")
    e = assert_client_error(ei.value, "BadRequestError")
    assert url in e["message"] and "ECONNREFUSED" in e["message"]


def test_config_test_issuer_mismatch_and_non_json_are_bad_requests(root, network, provider):
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=provider.issuer + "/__test/mismatch", scopes="openid")
    assert "issuer" in assert_client_error(ei.value, "BadRequestError")["message"]
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=provider.issuer + "/__test/notjson", scopes="openid")
    assert "content-type" in assert_client_error(ei.value, "BadRequestError")["message"]
    # A path that does not exist at the provider: 404 on discovery.
    with pytest.raises(root.exceptions.BadRequestError):
        root.register_oidc_config_test(networkId=network, issuer=provider.issuer + "/nowhere", scopes="openid")


@pytest.mark.parametrize(
    "issuer,scopes,fields",
    [
        ("not a url", "openid", ["issuer"]),
        ("ftp://127.0.0.1/x", "openid", ["issuer"]),
        # Plain http only on loopback (validated before any request is made).
        ("http://sso.example.com", "openid", ["issuer"]),
        ("https://sso.example.com/?tenant=1", "openid", ["issuer"]),
        ("https://sso.example.com", "email profile", ["scopes"]),
        ("nope", "profile", ["issuer", "scopes"]),
    ],
)
def test_config_test_validates_its_input(root, network, issuer, scopes, fields):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=issuer, scopes=scopes)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), *fields)


def test_ca_certificate_makes_a_private_https_issuer_trusted(root, network, tls_provider):
    p, ca = tls_provider
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=p.issuer, scopes="openid")
    assert "certificate" in assert_client_error(ei.value, "BadRequestError")["message"]
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.register_oidc_config_test(networkId=network, issuer=p.issuer, scopes="openid", certificate="not a PEM")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "certificate")
    r = root.register_oidc_config_test(networkId=network, issuer=p.issuer, scopes="openid", certificate=ca)
    assert r["issuer"] == p.issuer and r["tokenEndpoint"].startswith("https://127.0.0.1:")
    # RegisterOidcConfig has no certificate member: it trusts what the test was given.
    saved = register(root, network, p, scopes="openid")
    assert saved["caCertificate"].strip() == ca.strip()
    code = p.mint_code(redirectUri=p.redirect_uri)
    info = root.get_oidc_info(networkId=network, code=code, redirectUri=p.redirect_uri)
    assert info["tokenInfo"]["accessToken"]


@pytest.mark.rule("oidc-ca-certificate")
def test_ca_certificate_given_to_the_test_is_returned(root, network, tls_provider):
    p, ca = tls_provider
    # Tested with a trailing slash, saved without: the same issuer.
    root.register_oidc_config_test(networkId=network, issuer=p.issuer + "/", scopes="openid", certificate=ca)
    saved = register(root, network, p, scopes="openid")
    assert saved["caCertificate"].strip() == ca.strip()
    info = root.get_oidc_info(networkId=network)["openidConnectInfo"]
    assert info["caCertificate"].strip() == ca.strip()


@pytest.mark.rule("oidc-ca-certificate")
def test_ca_certificate_tested_after_saving_is_returned(root, network, provider):
    ca = _self_signed_ca()
    register(root, network, provider, scopes="openid")
    assert "caCertificate" not in root.get_oidc_info(networkId=network)["openidConnectInfo"]
    root.register_oidc_config_test(networkId=network, issuer=provider.issuer, scopes="openid", certificate=ca)
    info = root.get_oidc_info(networkId=network)["openidConnectInfo"]
    assert info["caCertificate"].strip() == ca.strip()


def _self_signed_ca() -> str:
    d = tempfile.mkdtemp(prefix="wickr-oidc-ca-")
    try:
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
                 "-days", "2", "-subj", "/CN=Wickr Other CA", cwd=d)  # fmt: skip
        with open(os.path.join(d, "c.pem")) as f:
            return f.read()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_private_issuer_without_a_tested_certificate_cannot_be_saved(root, network, tls_provider):
    p, _ = tls_provider
    with pytest.raises(root.exceptions.BadRequestError):
        register(root, network, p, scopes="openid")


# ---------- RegisterOidcConfig / GetOidcInfo ----------


@pytest.mark.rule("oidc-token-info")
def test_token_info_only_with_token_parameters(root, network, provider):
    register(root, network, provider)
    assert "tokenInfo" not in root.get_oidc_info(networkId=network)
    code = provider.mint_code()
    assert root.get_oidc_info(networkId=network, code=code, redirectUri=provider.redirect_uri)["tokenInfo"]


def test_get_before_register_is_not_found(root, network):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        root.get_oidc_info(networkId=network)
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_register_saves_and_get_returns_the_config(server, root, network, provider):
    r = register(root, network, provider, customUsername="preferred_username", extraAuthParams="prompt=login")
    assert r["companyId"] == "acme-sso"
    assert r["issuer"] == provider.issuer
    assert r["scopes"] == "openid email offline_access"
    assert r["userId"] == r["clientId"] == provider.client_id
    assert r["customUsername"] == "preferred_username"
    assert r["extraAuthParams"] == "prompt=login"
    assert r["ssoTokenBufferMinutes"] == 5
    assert 1 <= r["applicationId"] <= 10
    assert r["applicationName"]
    assert network in r["redirectUrl"] and r["redirectUrl"].startswith(server.endpoint)
    # Secrets are never returned: only a mask with the last four characters.
    for k in ("secret", "clientSecret"):
        assert r[k] != provider.client_secret
        assert r[k] == "****" + provider.client_secret[-4:]
    info = root.get_oidc_info(networkId=network)
    assert "tokenInfo" not in info
    assert info["openidConnectInfo"] == {k: v for k, v in r.items() if k != "ResponseMetadata"}
    raw = server.raw("GET", f"/networks/{network}/oidc")
    assert raw.status == 200 and provider.client_secret.encode() not in raw.body


def test_register_requires_openid_and_a_reachable_issuer(root, network, provider):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        register(root, network, provider, scopes="email profile")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "scopes")
    with pytest.raises(root.exceptions.ValidationError) as ei:
        register(root, network, provider, ssoTokenBufferMinutes=-1)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "ssoTokenBufferMinutes")
    with pytest.raises(root.exceptions.BadRequestError):
        register(root, network, provider, issuer=closed_port_url())
    # Nothing was saved.
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_oidc_info(networkId=network)


def test_register_again_replaces_and_keeps_an_omitted_secret(root, network, provider):
    register(root, network, provider)
    r = root.register_oidc_config(
        networkId=network, companyId="acme-2", issuer=provider.issuer, scopes="openid", userId=provider.client_id,
        ssoTokenBufferMinutes=15,
    )  # fmt: skip
    assert r["companyId"] == "acme-2" and r["scopes"] == "openid" and r["ssoTokenBufferMinutes"] == 15
    assert r["secret"] == "****" + provider.client_secret[-4:]
    # The kept secret still authenticates the client at the provider.
    code = provider.mint_code(scope="openid")
    t = root.get_oidc_info(networkId=network, code=code, redirectUri=provider.redirect_uri)["tokenInfo"]
    assert t["accessToken"] and "refreshToken" not in t


def test_code_exchange_returns_real_tokens(root, network, provider):
    register(root, network, provider)
    code = provider.mint_code(accountId="alice")
    r = root.get_oidc_info(
        networkId=network, code=code, redirectUri=provider.redirect_uri, grantType="authorization_code"
    )
    assert r["openidConnectInfo"]["issuer"] == provider.issuer
    t = r["tokenInfo"]
    assert t["tokenType"] == "Bearer"
    assert t["expiresIn"] > 0
    assert t["refreshToken"]
    claims = jwt_claims(t["idToken"])
    assert claims["iss"] == provider.issuer and claims["aud"] == provider.client_id and claims["sub"] == "alice"
    # The access token is the provider's own: its userinfo endpoint accepts it.
    assert provider.userinfo(t["accessToken"])["sub"] == "alice"
    # A code works once.
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.get_oidc_info(networkId=network, code=code, redirectUri=provider.redirect_uri)
    assert "invalid_grant" in assert_client_error(ei.value, "BadRequestError")["message"]


def test_code_exchange_with_pkce(root, network, provider):
    register(root, network, provider)
    verifier, challenge = pkce_pair()
    code = provider.mint_code(codeChallenge=challenge)
    t = root.get_oidc_info(networkId=network, code=code, redirectUri=provider.redirect_uri, codeVerifier=verifier)[
        "tokenInfo"
    ]
    assert t["codeVerifier"] == verifier and t["codeChallenge"] == challenge
    assert t["accessToken"]
    # Without the verifier the provider refuses.
    code = provider.mint_code(codeChallenge=challenge)
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.get_oidc_info(networkId=network, code=code, redirectUri=provider.redirect_uri)
    assert "invalid_grant" in assert_client_error(ei.value, "BadRequestError")["message"]


def test_code_exchange_with_explicit_client_and_url(root, network, provider):
    # Saved without client credentials; the request supplies them (and the provider URL).
    root.register_oidc_config(networkId=network, companyId="acme", issuer=provider.issuer, scopes="openid")
    code = provider.mint_code()
    t = root.get_oidc_info(
        networkId=network, code=code, redirectUri=provider.redirect_uri, url=provider.issuer,
        clientId=provider.client_id, clientSecret=provider.client_secret,
    )["tokenInfo"]  # fmt: skip
    assert t["accessToken"]
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.get_oidc_info(networkId=network, code=provider.mint_code(), redirectUri=provider.redirect_uri)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "clientId")


def test_code_exchange_failures_are_bad_requests(root, network, provider):
    register(root, network, provider)
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.get_oidc_info(networkId=network, code="not-a-real-code", redirectUri=provider.redirect_uri)
    assert "invalid_grant" in assert_client_error(ei.value, "BadRequestError")["message"]
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.get_oidc_info(
            networkId=network, code=provider.mint_code(), redirectUri=provider.redirect_uri, clientSecret="wrong-secret"
        )
    assert "invalid_client" in assert_client_error(ei.value, "BadRequestError")["message"]
    with pytest.raises(root.exceptions.BadRequestError) as ei:
        root.get_oidc_info(networkId=network, code=provider.mint_code(), redirectUri="http://127.0.0.1/elsewhere")
    assert "invalid_grant" in assert_client_error(ei.value, "BadRequestError")["message"]
    with pytest.raises(root.exceptions.BadRequestError):
        root.get_oidc_info(networkId=network, code=provider.mint_code(), url=closed_port_url())
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.get_oidc_info(networkId=network, code=provider.mint_code(), grantType="client_credentials")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "grantType")


def test_sso_callback_shows_the_code(server, network):
    r = server.raw("GET", f"/client/v1/networks/{network}/sso/callback?code=abc&state=xyz", sign=False)
    assert r.status == 200
    body = r.json()
    assert body["code"] == "abc" and body["state"] == "xyz" and body["networkId"] == network


def test_oidc_operations_need_an_existing_network(root, provider):
    missing = "10000001"
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_oidc_info(networkId=missing)
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.register_oidc_config_test(networkId=missing, issuer=provider.issuer, scopes="openid")
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        register(root, missing, provider)
