"""CloudTrail's LookupEvents on this server, driven by boto3's real `cloudtrail` client and the
AWS CLI: the events of a signed call, a refusal, a console action and an invitee registration;
every lookup attribute, time ranges, botocore's paginator, each of CloudTrail's errors, the
account and policy a key reads with."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request

import pytest

from _support import aws_cli, random_account, unique_name
from _users_support import create_user, new_email, register

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"


def events(ct, **kw):
    """Every event a lookup finds, through botocore's paginator."""
    pages = ct.get_paginator("lookup_events").paginate(**kw)
    return [e for p in pages for e in p["Events"]]


def lookup(ct, key, value, **kw):
    return events(ct, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **kw)


def detail(e):
    return json.loads(e["CloudTrailEvent"])


def since(seconds: float = 120):
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)


def test_a_signed_call_is_an_event(server, root):
    ct = server.cloudtrail()
    name = unique_name("ct")
    created = root.create_network(networkName=name, accessLevel="STANDARD")
    nid = created["networkId"]
    found = [e for e in lookup(ct, "ResourceName", nid, StartTime=since()) if e["EventName"] == "CreateNetwork"]
    assert len(found) == 1
    e = found[0]
    assert e["EventSource"] == "wickr.amazonaws.com"
    assert e["ReadOnly"] == "false"
    assert e["AccessKeyId"] == server.creds.access_key_id
    assert e["Username"] == "root"
    assert e["Resources"] == [{"ResourceType": "AWS::Wickr::Network", "ResourceName": nid}]
    assert isinstance(e["EventTime"], dt.datetime)
    d = detail(e)
    assert d["eventVersion"] == "1.11"
    assert d["eventSource"] == "wickr.amazonaws.com"
    assert d["eventName"] == "CreateNetwork"
    assert d["eventType"] == "AwsApiCall"
    assert d["eventCategory"] == "Management"
    assert d["managementEvent"] is True
    assert d["readOnly"] is False
    assert d["awsRegion"] == server.region
    assert d["recipientAccountId"] == server.creds.account_id
    assert d["sourceIPAddress"] == "127.0.0.1"
    assert "Botocore" in d["userAgent"] or "boto3" in d["userAgent"].lower()
    assert d["requestParameters"] == {"networkName": name, "accessLevel": "STANDARD"}
    assert d["responseElements"]["networkId"] == nid
    assert d["eventID"] == e["EventId"]
    assert d["requestID"]
    ident = d["userIdentity"]
    assert ident["type"] == "Root"
    assert ident["accountId"] == server.creds.account_id
    assert ident["accessKeyId"] == server.creds.access_key_id
    assert ident["arn"] == f"arn:aws:iam::{server.creds.account_id}:root"
    assert d["resources"][0]["ARN"].endswith(f":network/{nid}")
    assert "errorCode" not in d
    # The same event by its ID, and the signed audit read carries it too.
    assert [x["EventId"] for x in lookup(ct, "EventId", e["EventId"])] == [e["EventId"]]


def test_a_refusal_is_an_event_with_its_error(server, root):
    limited = server.create_key(actions="wickr:List*", user="auditor")
    c = server.client(creds=limited)
    with pytest.raises(c.exceptions.ForbiddenError):
        c.create_network(networkName=unique_name("no"), accessLevel="STANDARD")
    found = lookup(server.cloudtrail(), "AccessKeyId", limited.access_key_id)
    assert [e["EventName"] for e in found] == ["CreateNetwork"]
    d = detail(found[0])
    assert d["errorCode"] == "ForbiddenError"
    assert "not authorized" in d["errorMessage"]
    assert d["responseElements"] is None
    assert d["userIdentity"]["type"] == "IAMUser"
    assert d["userIdentity"]["userName"] == "auditor"
    assert d["userIdentity"]["arn"] == f"arn:aws:iam::{server.creds.account_id}:user/auditor"
    assert found[0]["Username"] == "auditor"
    # By the owner's name, too.
    assert limited.access_key_id in [e["AccessKeyId"] for e in lookup(server.cloudtrail(), "Username", "auditor")]


def console_post(server, path, body, cookie=None, csrf=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    req = urllib.request.Request(server.endpoint + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers, json.loads(r.read())


def test_a_console_sign_in_and_action_say_they_came_from_the_console(server):
    creds = server.create_key(user="operator")
    headers, session = console_post(
        server, "/console/api/session", {"accessKeyId": creds.access_key_id, "secretAccessKey": creds.secret_access_key}
    )
    cookie = headers["Set-Cookie"].split(";")[0]
    name = unique_name("con")
    _, created = console_post(
        server,
        "/console/api/operations/CreateNetwork",
        {"networkName": name, "accessLevel": "STANDARD"},
        cookie,
        session["csrfToken"],
    )
    found = lookup(server.cloudtrail(), "AccessKeyId", creds.access_key_id)
    names = [e["EventName"] for e in found]
    assert names == ["CreateNetwork", "ConsoleLogin"]
    action, sign_in = detail(found[0]), detail(found[1])
    assert action["sessionCredentialFromConsole"] == "true"
    assert action["userIdentity"]["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert action["userIdentity"]["userName"] == "operator"
    assert action["responseElements"]["networkId"] == created["networkId"]
    assert sign_in["eventType"] == "AwsConsoleSignIn"
    assert sign_in["eventSource"] == "signin.amazonaws.com"
    assert sign_in["responseElements"] == {"ConsoleLogin": "Success"}
    # The secret never appears; a sensitive member is masked as CloudTrail masks it.
    assert creds.secret_access_key not in found[1]["CloudTrailEvent"]
    assert sign_in["requestParameters"]["secretAccessKey"] == HIDDEN
    assert lookup(server.cloudtrail(), "EventSource", "signin.amazonaws.com", StartTime=since())


def test_an_invitee_registration_is_an_event(server, root, network):
    name = new_email("ct")
    u = create_user(root, network, name)
    r = register(server, network, name, u["inviteCode"])
    assert r.status == 200, r.body
    found = [e for e in lookup(server.cloudtrail(), "ResourceName", network) if e["EventName"] == "Register"]
    assert len(found) == 1
    d = detail(found[0])
    assert d["userIdentity"] == {"type": "Unknown", "invokedBy": "invitee.wickr.local"}
    assert d["requestParameters"]["inviteCode"] == HIDDEN
    assert u["inviteCode"] not in found[0]["CloudTrailEvent"]
    assert d["recipientAccountId"] == server.creds.account_id


def test_every_attribute_and_time_ranges(server, root):
    ct = server.cloudtrail()
    start = since(1)
    nid = root.create_network(networkName=unique_name("attr"), accessLevel="STANDARD")["networkId"]
    root.update_network(networkId=nid, networkName=unique_name("attr2"))
    mine = lambda es: [e for e in es if any(r["ResourceName"] == nid for r in e["Resources"])]  # noqa: E731
    assert [e["EventName"] for e in mine(lookup(ct, "ResourceName", nid))] == ["UpdateNetwork", "CreateNetwork"]
    assert len(mine(lookup(ct, "EventName", "UpdateNetwork", StartTime=start))) == 1
    assert len(mine(lookup(ct, "ReadOnly", "false", StartTime=start))) == 2
    assert mine(lookup(ct, "ReadOnly", "true", StartTime=start)) == []
    assert len(mine(lookup(ct, "ResourceType", "AWS::Wickr::Network", StartTime=start))) == 2
    assert len(mine(lookup(ct, "EventSource", "wickr.amazonaws.com", StartTime=start))) == 2
    assert len(mine(lookup(ct, "Username", "root", StartTime=start))) == 2
    assert len(mine(lookup(ct, "AccessKeyId", server.creds.access_key_id, StartTime=start))) == 2
    assert lookup(ct, "EventSource", "ec2.amazonaws.com", StartTime=start) == []
    assert lookup(ct, "ResourceType", "AWS::EC2::Instance", StartTime=start) == []
    # Time ranges: inclusive bounds, nothing before or after.
    both = mine(events(ct, StartTime=start))
    assert len(both) == 2
    t_update, t_create = both[0]["EventTime"], both[1]["EventTime"]
    assert mine(events(ct, StartTime=t_update + dt.timedelta(seconds=1))) == []
    assert mine(events(ct, EndTime=t_create - dt.timedelta(seconds=1), StartTime=start - dt.timedelta(seconds=5))) == []
    assert len(mine(events(ct, StartTime=t_create, EndTime=t_update + dt.timedelta(seconds=1)))) == 2


def test_the_paginator_walks_every_page(server, root):
    ct = server.cloudtrail()
    start = since(1)
    nets = [root.create_network(networkName=unique_name("pg"), accessLevel="STANDARD")["networkId"] for _ in range(5)]
    pages = list(
        ct.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateNetwork"}],
            StartTime=start,
            PaginationConfig={"PageSize": 2},
        )
    )
    seen = [r["ResourceName"] for p in pages for e in p["Events"] for r in e["Resources"]]
    assert all(len(p["Events"]) <= 2 for p in pages)
    assert len(pages) >= 3
    assert [n for n in seen if n in nets] == list(reversed(nets))
    assert len(seen) == len(set(seen))
    # MaxResults alone: at most 50, newest first.
    page = ct.lookup_events(MaxResults=1)
    assert len(page["Events"]) == 1 and "NextToken" in page


def test_cloudtrails_errors(server, root):
    ct = server.cloudtrail()
    loose = server.cloudtrail(parameter_validation=False)
    two = [
        {"AttributeKey": "EventName", "AttributeValue": "CreateNetwork"},
        {"AttributeKey": "Username", "AttributeValue": "root"},
    ]
    with pytest.raises(ct.exceptions.InvalidLookupAttributesException):
        ct.lookup_events(LookupAttributes=two)
    with pytest.raises(ct.exceptions.InvalidLookupAttributesException):
        loose.lookup_events(LookupAttributes=[{"AttributeKey": "Colour", "AttributeValue": "x"}])
    with pytest.raises(ct.exceptions.InvalidLookupAttributesException):
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}])
    with pytest.raises(ct.exceptions.InvalidTimeRangeException):
        ct.lookup_events(StartTime=since(0), EndTime=since(3600))
    with pytest.raises(ct.exceptions.InvalidMaxResultsException):
        ct.lookup_events(MaxResults=51)
    with pytest.raises(ct.exceptions.InvalidMaxResultsException):
        loose.lookup_events(MaxResults=0)
    with pytest.raises(ct.exceptions.InvalidNextTokenException):
        ct.lookup_events(NextToken="not-a-token")
    with pytest.raises(ct.exceptions.InvalidEventCategoryException):
        loose.lookup_events(EventCategory="sometimes")
    # A token is bound to the call's parameters.
    token = ct.lookup_events(MaxResults=1)["NextToken"]
    with pytest.raises(ct.exceptions.InvalidNextTokenException):
        ct.lookup_events(MaxResults=1, NextToken=token, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "x"}])
    e = server.raw("POST", "/", {}, headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteTrail", "Content-Type": "application/x-amz-json-1.1"})
    assert e.status == 400 and e.json()["__type"] == "UnknownOperationException"


def test_a_key_needs_the_action_and_sees_only_its_account(server, root):
    no_action = server.create_key(actions="wickr:*")
    ct = server.cloudtrail(creds=no_action)
    with pytest.raises(ct.exceptions.ClientError) as exc:
        ct.lookup_events()
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "cloudtrail:LookupEvents" in exc.value.response["Error"]["Message"]
    granted = server.create_key(actions="wickr:List*,cloudtrail:LookupEvents")
    assert "Events" in server.cloudtrail(creds=granted).lookup_events(MaxResults=1)
    # Another account's key sees none of this account's events (refusals of unsigned calls,
    # of no account, are everyone's, as in the signed audit read).
    other = server.create_key(account=random_account())
    seen = events(server.cloudtrail(creds=other), StartTime=since())
    assert [e for e in seen if detail(e)["userIdentity"].get("accountId") == server.creds.account_id] == []
    assert all(detail(e)["recipientAccountId"] == other.account_id for e in seen)
    # A signature for the wickr service is not one for cloudtrail.
    r = server.raw(
        "POST",
        "/",
        "{}",
        headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert r.status == 400 and r.json()["__type"] == "InvalidSignatureException"


def test_the_aws_cli_looks_up_events(server, root):
    nid = root.create_network(networkName=unique_name("cli"), accessLevel="STANDARD")["networkId"]
    out = aws_cli(
        server,
        "lookup-events",
        "--lookup-attributes",
        f"AttributeKey=ResourceName,AttributeValue={nid}",
        service="cloudtrail",
    )
    found = json.loads(out.stdout)["Events"]
    assert [e["EventName"] for e in found] == ["CreateNetwork"]
    assert json.loads(found[0]["CloudTrailEvent"])["responseElements"]["networkId"] == nid
    bad = aws_cli(server, "lookup-events", "--max-results", "51", service="cloudtrail", check=False)
    assert bad.returncode != 0 and "InvalidMaxResultsException" in bad.stderr
