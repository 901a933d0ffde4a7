import json
import urllib.request


def test_creates_and_lists_a_network(wickr):
    network_id = wickr.create_network(networkName="pytest-demo", accessLevel="STANDARD")["networkId"]
    assert [n["networkId"] for n in wickr.list_networks()["networks"]] == [network_id]


def test_invitation_code_from_the_test_controls(wickr, wickr_endpoint):
    network_id = wickr.create_network(networkName="pytest-invite", accessLevel="STANDARD")["networkId"]
    group = wickr.list_security_groups(networkId=network_id)["securityGroups"][0]["id"]
    wickr.batch_create_user(
        networkId=network_id, users=[{"username": "ada@example.com", "securityGroupIds": [group]}]
    )
    with urllib.request.urlopen(f"{wickr_endpoint['endpoint']}/_wickr/mail?recipient=ada@example.com") as res:
        [message] = json.load(res)["messages"]
    assert len(message["inviteCode"]) == 12


def test_errors_are_boto3_exceptions(wickr):
    try:
        wickr.get_network(networkId="99999999")
    except wickr.exceptions.ResourceNotFoundError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    else:
        raise AssertionError("expected ResourceNotFoundError")
