"""BatchReinviteUser: fresh codes, per-item failures, custom codes, idempotency, and the
invitation e-mails a real SMTP receiver gets."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from _support import assert_client_error, assert_reasons, random_token, strip_meta
from _users_support import (
    GENEROUS_REGISTRATION,
    SmtpSink,
    create_user,
    engine_of,
    new_email,
    new_network,
    own_server,
    register,
    user_row,
)


@pytest.fixture(scope="module")
def sink():
    s = SmtpSink()
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def mailsrv(server, sink):
    """A server of its own (same engine) that delivers invitations to the sink."""
    with own_server(engine_of(server), {"WICKR_SMTP_URL": sink.url, **GENEROUS_REGISTRATION}) as h:
        yield h


@pytest.fixture
def c(mailsrv):
    return mailsrv.client()


@pytest.fixture
def net(c):
    return new_network(c)


def _reinvite(client, network, ids, **kw):
    return client.batch_reinvite_user(networkId=network, userIds=ids, **kw)


def test_pending_user_gets_a_new_code(mailsrv, c, net):
    u = create_user(c, net, new_email("pend"))
    old = u["inviteCode"]
    r = _reinvite(c, net, [u["userId"]])
    assert r["successful"] == [{"userId": u["userId"]}]
    assert r.get("failed", []) == []
    assert "1 item reinvited, 0 failed" in r["message"], r["message"]
    row = user_row(c, net, u["userId"])
    new = row["inviteCode"]
    assert new and new != old
    assert row["status"] == 1 and row["isInviteExpired"] is False

    refused = register(mailsrv, net, u["username"], old)
    assert refused.status == 400, refused.body
    assert refused.json()["message"]
    ok = register(mailsrv, net, u["username"], new)
    assert ok.status == 200, ok.body
    body = ok.json()
    assert body["userId"] == u["userId"] and body["status"] == 2 and body["appId"]


def test_active_suspended_and_unknown_users_fail_with_their_reason(mailsrv, c, net):
    active = create_user(c, net, new_email("act"))
    assert register(mailsrv, net, active["username"], active["inviteCode"]).status == 200
    suspended = create_user(c, net, new_email("sus"))
    c.batch_toggle_user_suspend_status(networkId=net, suspend=True, userIds=[suspended["userId"]])
    pending = create_user(c, net, new_email("ok"))
    unknown = "9999999991"

    ids = [active["userId"], pending["userId"], suspended["userId"], unknown, pending["userId"], active["userId"]]
    r = _reinvite(c, net, ids)
    assert r["successful"] == [{"userId": pending["userId"]}]
    failed = {f["userId"]: f for f in r["failed"][:3]}
    # Each item is answered in the request's order; a repeat fails as a repeat of the earlier item.
    assert [f["userId"] for f in r["failed"]] == [
        active["userId"], suspended["userId"], unknown, pending["userId"], active["userId"]
    ], "order kept, repeats answered"
    assert all(f["field"] == "userId" for f in r["failed"])
    assert all("repeats" in f["reason"] for f in r["failed"][3:])
    assert "active" in failed[active["userId"]]["reason"].lower()
    assert "suspended" in failed[suspended["userId"]]["reason"].lower()
    assert "not found" in failed[unknown]["reason"].lower()
    assert "1 item reinvited, 5 failed" in r["message"], r["message"]


def test_other_networks_user_is_not_found(c, net):
    other = new_network(c)
    theirs = create_user(c, other, new_email("theirs"))
    r = _reinvite(c, net, [theirs["userId"]])
    assert r.get("successful", []) == []
    assert "not found" in r["failed"][0]["reason"].lower()
    assert user_row(c, other, theirs["userId"])["inviteCode"] == theirs["inviteCode"]


def test_unknown_network(c):
    with pytest.raises(c.exceptions.ResourceNotFoundError) as ei:
        _reinvite(c, "10000013", ["1"])
    assert_client_error(ei.value, "ResourceNotFoundError")


def test_invitation_emails_carry_the_current_code(mailsrv, sink, c, net):
    name = new_email("mail")
    u = create_user(c, net, name)
    (first,) = sink.wait_for(name, 1)
    assert first.invite_code == u["inviteCode"]
    assert net in first.body and u["inviteCode"] in first.body
    assert f"/client/v1/networks/{net}/" in first.body, "the e-mail carries a registration link"

    _reinvite(c, net, [u["userId"]])
    current = user_row(c, net, u["userId"])["inviteCode"]
    mails = sink.wait_for(name, 2)
    assert len(mails) == 2, mails
    assert mails[1].invite_code == current != u["inviteCode"]
    # The e-mail's registration link leads to this server, carrying the current code.
    link = next(w for w in mails[1].body.split() if w.startswith("http"))
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == mailsrv.endpoint
    page = mailsrv.raw("GET", f"{parts.path}?{parts.query}", sign=False)
    assert page.status == 200
    assert page.json()["inviteCode"] == current and page.json()["username"] == name
    assert "renewed" in mails[1].subject.lower() or mails[1].subject != first.subject
    assert mails[0].message_id != mails[1].message_id


def test_custom_code_is_resent_unchanged_with_restarted_validity(mailsrv, sink, c, net):
    name = new_email("cust")
    u = create_user(c, net, name, inviteCode="My-Own-Code-7", inviteCodeTtl=2)
    before = c.update_user(networkId=net, userId=u["userId"], userDetails={})["inviteExpiration"]
    sink.wait_for(name, 1)
    time.sleep(1.2)
    r = _reinvite(c, net, [u["userId"]])
    assert r["successful"] == [{"userId": u["userId"]}]
    after = c.update_user(networkId=net, userId=u["userId"], userDetails={})
    assert after["inviteCode"] == "My-Own-Code-7"
    assert after["inviteExpiration"] >= before + 1, "validity restarts from the reinvite"
    assert after["inviteExpiration"] <= int(time.time()) + 2 * 86_400 + 2, "with the user's own TTL"
    mails = sink.wait_for(name, 2)
    assert [m.invite_code for m in mails] == ["My-Own-Code-7", "My-Own-Code-7"]
    assert register(mailsrv, net, name, "My-Own-Code-7").status == 200


def test_replay_with_the_same_client_token_changes_nothing(sink, c, net):
    name = new_email("idem")
    u = create_user(c, net, name)
    sink.wait_for(name, 1)
    token = random_token()
    first = _reinvite(c, net, [u["userId"], "9999999992"], clientToken=token)
    code = user_row(c, net, u["userId"])["inviteCode"]
    assert code != u["inviteCode"]
    assert len(sink.wait_for(name, 2)) == 2

    again = _reinvite(c, net, [u["userId"], "9999999992"], clientToken=token)
    assert strip_meta(again) == strip_meta(first)
    assert user_row(c, net, u["userId"])["inviteCode"] == code, "no code rotation on replay"
    time.sleep(2)
    assert len(sink.to(name)) == 2, "no further e-mail on replay"


def test_same_client_token_with_a_different_request_is_refused(c, net):
    a = create_user(c, net, new_email("a"))
    b = create_user(c, net, new_email("b"))
    token = random_token()
    _reinvite(c, net, [a["userId"]], clientToken=token)
    code_b = user_row(c, net, b["userId"])["inviteCode"]
    with pytest.raises(c.exceptions.BadRequestError) as ei:
        _reinvite(c, net, [b["userId"]], clientToken=token)
    assert_client_error(ei.value, "BadRequestError")
    assert user_row(c, net, b["userId"])["inviteCode"] == code_b


@pytest.mark.parametrize("count", [0, 51])
def test_batch_size_limits(mailsrv, net, count):
    loose = mailsrv.client(parameter_validation=False)
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        _reinvite(loose, net, [str(1000 + i) for i in range(count)])
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "userIds")


def test_malformed_user_ids(mailsrv, net):
    loose = mailsrv.client(parameter_validation=False)
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        _reinvite(loose, net, ["123", "abc", "12345678901", "456"])
    e = assert_client_error(ei.value, "ValidationError")
    assert_reasons(e, "userIds[1]", "userIds[2]")
