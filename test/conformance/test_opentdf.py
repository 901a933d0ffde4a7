"""OpenTDF configuration through boto3: RegisterOpentdfConfig (with dryRun) and GetOpentdfConfig."""

from __future__ import annotations

import pytest

from _support import assert_client_error, assert_reasons, strip_meta

SECRET = "tdf-client-secret-abcdef-9876"


def register(root, network, **kw):
    args = dict(
        networkId=network,
        clientId="wickr-tdf-client",
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


def test_dry_run_validates_without_saving(root, network):
    r = strip_meta(register(root, network, dryRun=True))
    assert r["clientId"] == "wickr-tdf-client" and r["provider"] == "virtru"
    assert r["clientSecret"] != SECRET
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_opentdf_config(networkId=network)
    # A dry run of bad input fails like the real thing.
    with pytest.raises(root.exceptions.ValidationError):
        register(root, network, dryRun=True, provider="acme")
    # And a dry run leaves a saved configuration alone.
    register(root, network)
    register(root, network, dryRun=True, clientId="other-client")
    assert root.get_opentdf_config(networkId=network)["clientId"] == "wickr-tdf-client"
    # dryRun=false saves.
    register(root, network, dryRun=False, clientId="third-client")
    assert root.get_opentdf_config(networkId=network)["clientId"] == "third-client"


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
