"""SCIM 2.0 provisioning (docs/scim.md): the request sequences Okta and Microsoft Entra ID
document for a SCIM app, replayed over HTTP with a network's bearer token (made with
`wickr-admin scim token create`), on both engines; each step's result checked through boto3's
Wickr client (users, status, security groups) and the invitations in the outbox."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from _support import http_request, run_cli
from _users_support import default_group, new_email, new_network, outbox

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Scim:
    """A SCIM client of one network, as the identity provider is configured: base URL, token."""

    def __init__(self, server, network: str, token: str):
        self.endpoint = server.endpoint
        self.base = f"/scim/v2/networks/{network}"
        self.token = token

    def __call__(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/scim+json"}
        if data:
            headers["Content-Type"] = "application/scim+json"
        r = http_request(self.endpoint, method, self.base + path, data, headers)
        if expect is not None:
            assert r.status == expect, (method, path, r.status, r.body)
        if r.status != 204:
            assert (r.header("Content-Type") or "").startswith("application/scim+json"), r.header("Content-Type")
        return r.json() if r.body else None


@pytest.fixture
def setup(server):
    creds = server.fresh_creds()
    client = server.client(creds=creds)
    network = new_network(client)
    made = json.loads(run_cli(["scim", "token", "create", "--network", network, "--database", server.db_url]))
    return client, network, Scim(server, network, made["token"])


def q(filter_: str) -> str:
    return quote(filter_, safe="")


def eq(attribute: str, value: str) -> str:
    """`attribute eq "value"`, URL-encoded for the filter parameter."""
    return q(f"{attribute} eq {json.dumps(value)}")


def invitations(server, network: str) -> list[dict[str, Any]]:
    return [m for m in outbox(server.db_url, network) if m["kind"] == "invite"]


def users_of_group(client, network: str, group: str) -> list[str]:
    return sorted(u["username"] for u in client.list_security_group_users(networkId=network, groupId=group).get("users", []))


def test_okta_sequence(server, setup):
    client, network, scim = setup
    default = default_group(client, network)
    # Test Connector Configuration.
    first = scim("GET", "/Users?startIndex=1&count=2", expect=200)
    assert first["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert first["totalResults"] == 0 and first["Resources"] == []
    name = new_email("okta")
    # Import / assign: look the user up, then create.
    found = scim("GET", f"/Users?filter={eq('userName', name)}&startIndex=1&count=100", expect=200)
    assert found["totalResults"] == 0
    created = scim(
        "POST",
        "/Users",
        {
            "schemas": [USER],
            "userName": name,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"primary": True, "value": name, "type": "work"}],
            "displayName": "Ada Lovelace",
            "locale": "en-US",
            "externalId": "00u1okta",
            "groups": [],
            "password": "not-stored-1!",
            "active": True,
        },
        expect=201,
    )
    uid = created["id"]
    user = client.get_user(networkId=network, userId=uid)
    assert (user["username"], user["firstName"], user["status"], user["suspended"]) == (name, "Ada", 1, False)
    assert user["securityGroupIds"] == [default]
    assert [m["recipient"] for m in invitations(server, network)] == [name]
    assert scim("GET", f"/Users/{uid}", expect=200)["userName"] == name
    # Update names: Okta replaces the whole user with PUT.
    scim(
        "PUT",
        f"/Users/{uid}",
        {**created, "name": {"givenName": "Augusta", "familyName": "King"}},
        expect=200,
    )
    user = client.get_user(networkId=network, userId=uid)
    assert (user["firstName"], user["lastName"]) == ("Augusta", "King")
    # Deactivate, reactivate.
    off = scim("PATCH", f"/Users/{uid}", {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}, expect=200)
    assert off["active"] is False
    assert client.get_user(networkId=network, userId=uid)["suspended"] is True
    scim("PATCH", f"/Users/{uid}", {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": True}}]}, expect=200)
    assert client.get_user(networkId=network, userId=uid)["suspended"] is False
    # Group push: create, rename, add and remove a member, delete.
    other = scim("POST", "/Users", {"schemas": [USER], "userName": new_email("okta"), "active": True}, expect=201)
    group = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Okta Engineering", "members": []}, expect=201)
    gid = group["id"]
    assert client.get_security_group(networkId=network, groupId=gid)["securityGroup"]["name"] == "Okta Engineering"
    scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Okta Eng"}}]}, expect=200)
    assert client.get_security_group(networkId=network, groupId=gid)["securityGroup"]["name"] == "Okta Eng"
    scim(
        "PATCH",
        f"/Groups/{gid}",
        {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": uid, "display": name}, {"value": other["id"]}]}]},
        expect=200,
    )
    assert users_of_group(client, network, gid) == sorted([name, other["userName"]])
    scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{uid}"]'}]}, expect=200)
    assert users_of_group(client, network, gid) == [other["userName"]]
    assert client.get_user(networkId=network, userId=uid)["securityGroupIds"] == [default]
    assert sorted(client.get_user(networkId=network, userId=other["id"])["securityGroupIds"]) == sorted([default, gid])
    scim("DELETE", f"/Groups/{gid}", expect=204)
    assert gid not in [g["id"] for g in client.list_security_groups(networkId=network)["securityGroups"]]
    assert client.get_user(networkId=network, userId=other["id"])["securityGroupIds"] == [default]
    # Delete.
    scim("DELETE", f"/Users/{uid}", expect=204)
    assert [u["username"] for u in client.list_users(networkId=network).get("users", [])] == [other["userName"]]
    scim("GET", f"/Users/{uid}", expect=404)


def test_entra_sequence(server, setup):
    client, network, scim = setup
    default = default_group(client, network)
    # Test Connection: a user that cannot exist.
    probe = scim("GET", f"/Users?filter={eq('userName', 'b3c1a6a0-0000-4000-8000-000000000000')}", expect=200)
    assert probe["totalResults"] == 0
    name = new_email("entra")
    assert scim("GET", f"/Users?filter={eq('userName', name)}", expect=200)["totalResults"] == 0
    created = scim(
        "POST",
        "/Users",
        {
            "schemas": [USER, ENTERPRISE],
            "externalId": "entra-object-1",
            "userName": name,
            "active": True,
            "displayName": "Grace Hopper",
            "emails": [{"primary": True, "type": "work", "value": name}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
            "roles": [],
            ENTERPRISE: {"department": "Navy"},
        },
        expect=201,
    )
    uid = created["id"]
    assert [m["recipient"] for m in invitations(server, network)] == [name]
    listed = {u["userId"]: u for u in client.list_users(networkId=network)["users"]}
    assert listed[uid]["scimId"] == "entra-object-1"
    by_external = scim("GET", f"/Users?filter={eq('externalId', 'entra-object-1')}", expect=200)
    assert [u["id"] for u in by_external["Resources"]] == [uid]
    # Update names: Entra ID patches with "Replace" and paths.
    scim(
        "PATCH",
        f"/Users/{uid}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Replace", "path": "name.givenName", "value": "Amazing Grace"},
                {"op": "Replace", "path": "name.familyName", "value": "Murray Hopper"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": name},
            ],
        },
        expect=200,
    )
    user = client.get_user(networkId=network, userId=uid)
    assert (user["firstName"], user["lastName"]) == ("Amazing Grace", "Murray Hopper")
    # Deactivate and reactivate: "active" as the strings "False" and "True".
    scim("PATCH", f"/Users/{uid}", {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}, expect=200)
    assert client.get_user(networkId=network, userId=uid)["suspended"] is True
    scim("PATCH", f"/Users/{uid}", {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}, expect=200)
    assert client.get_user(networkId=network, userId=uid)["suspended"] is False
    # Groups: looked up by displayName without members, created, members added and removed.
    assert scim("GET", f"/Groups?excludedAttributes=members&filter={eq('displayName', 'Entra Ops')}", expect=200)["totalResults"] == 0
    group = scim("POST", "/Groups", {"schemas": [GROUP], "externalId": "entra-group-1", "displayName": "Entra Ops", "members": []}, expect=201)
    gid = group["id"]
    scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": [{"value": uid}]}]}, expect=200)
    assert sorted(client.get_user(networkId=network, userId=uid)["securityGroupIds"]) == sorted([default, gid])
    found = scim("GET", f"/Groups?excludedAttributes=members&filter={eq('displayName', 'Entra Ops')}", expect=200)
    assert [g["id"] for g in found["Resources"]] == [gid] and "members" not in found["Resources"][0]
    scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": uid}]}]}, expect=200)
    assert users_of_group(client, network, gid) == []
    assert client.get_user(networkId=network, userId=uid)["securityGroupIds"] == [default]
    # Delete.
    scim("DELETE", f"/Users/{uid}", expect=204)
    assert client.list_users(networkId=network).get("users", []) == []
    assert scim("GET", f"/Users?filter={eq('userName', name)}", expect=200)["totalResults"] == 0


def test_conflicts_and_scope(server, setup):
    client, network, scim = setup
    name = new_email("dup")
    scim("POST", "/Users", {"schemas": [USER], "userName": name}, expect=201)
    err = scim("POST", "/Users", {"schemas": [USER], "userName": name.upper()}, expect=409)
    assert err["scimType"] == "uniqueness" and err["status"] == "409"
    assert len(client.list_users(networkId=network)["users"]) == 1
    # The token is the network's only: another network of the same account is refused.
    other = new_network(client)
    foreign = Scim(server, other, scim.token)
    assert foreign("GET", "/Users", expect=403)["status"] == "403"
