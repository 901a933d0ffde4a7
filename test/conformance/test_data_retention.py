"""The data-retention bot and service: every state-machine transition, valid and invalid, through
boto3, with the bot signing in over the unsigned bot sign-in endpoint, and the network setting
`dataRetention` that mirrors the service."""

from __future__ import annotations

import json

import pytest

from _support import assert_client_error, assert_reasons, strip_meta
from test_bots import bot_login, default_group

NO_BOT = {
    "botExists": False,
    "isBotActive": False,
    "isDataRetentionBotRegistered": False,
    "isDataRetentionServiceEnabled": False,
    "isPubkeyMsgAcked": False,
}


def state(client, network) -> dict:
    return strip_meta(client.get_data_retention_bot(networkId=network))


def setting(client, network) -> bool:
    for s in client.get_network_settings(networkId=network)["settings"]:
        if s["optionName"] == "dataRetention":
            return json.loads(s["value"])
    raise AssertionError("no dataRetention setting")


def bad_request(client, call, *words: str) -> str:
    with pytest.raises(client.exceptions.BadRequestError) as ei:
        call()
    message = assert_client_error(ei.value, "BadRequestError")["message"]
    for w in words:
        assert w.lower() in message.lower(), f"{w!r} not in {message!r}"
    return message


def update(client, network, action):
    return client.update_data_retention(networkId=network, actionType=action)


def dr_bot(client, network) -> dict:
    name = state(client, network)["botName"]
    bots = client.list_bots(networkId=network, username=name, maxResults=100)["bots"]
    (bot,) = [b for b in bots if b["username"] == name]
    return bot


def registered(server, client, network) -> str:
    """Creates the bot, its challenge, and signs it in; returns the challenge."""
    client.create_data_retention_bot(networkId=network)
    challenge = client.create_data_retention_bot_challenge(networkId=network)["challenge"]
    status, body = bot_login(server, network, state(client, network)["botName"], challenge)
    assert status == 200, body
    return challenge


def enabled(server, client, network) -> None:
    registered(server, client, network)
    update(client, network, "PUBKEY_MSG_ACK")
    update(client, network, "ENABLE")


# -- no bot -----------------------------------------------------------------------------------


def test_network_without_bot(root, network):
    assert state(root, network) == NO_BOT


@pytest.mark.parametrize(
    "call",
    [
        "challenge",
        "PUBKEY_MSG_ACK",
        "ENABLE",
        "DISABLE",
        "delete",
    ],
)
def test_operations_need_the_bot(root, network, call):
    with pytest.raises(root.exceptions.ResourceNotFoundError) as ei:
        if call == "challenge":
            root.create_data_retention_bot_challenge(networkId=network)
        elif call == "delete":
            root.delete_data_retention_bot(networkId=network)
        else:
            update(root, network, call)
    e = assert_client_error(ei.value, "ResourceNotFoundError")
    assert "CreateDataRetentionBot" in e["message"]
    assert state(root, network) == NO_BOT


@pytest.mark.parametrize(
    "op",
    ["create_data_retention_bot", "get_data_retention_bot", "create_data_retention_bot_challenge", "delete_data_retention_bot"],
)
def test_unknown_network(root, op):
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        getattr(root, op)(networkId="10000009")


def test_bad_action_type(loose, network):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.update_data_retention(networkId=network, actionType="PAUSE")
    e = assert_client_error(ei.value, "ValidationError")
    assert [r["field"] for r in e["reasons"]] == ["actionType"]


# -- creation ---------------------------------------------------------------------------------


def test_create_bot(root, network):
    r = root.create_data_retention_bot(networkId=network)
    assert r["message"]
    s = state(root, network)
    assert s == {**NO_BOT, "botExists": True, "botName": f"compliance_{network}_bot"}
    # It is an ordinary, pending bot of the default group, without a challenge yet.
    b = dr_bot(root, network)
    assert b["status"] == 1
    assert b["hasChallenge"] is False
    assert b["groupId"] == default_group(root, network)
    assert b["username"].endswith("_bot")
    assert strip_meta(root.get_bots_count(networkId=network)) == {"pending": 1, "active": 0, "total": 1}
    # Its uname resolves like any bot's.
    r = root.batch_lookup_user_uname(networkId=network, unames=[b["uname"]])
    assert r["successful"] == [{"uname": b["uname"], "username": b["username"]}]


def test_second_create_is_refused(root, network):
    root.create_data_retention_bot(networkId=network)
    bad_request(root, lambda: root.create_data_retention_bot(networkId=network), "already exists")
    assert root.get_bots_count(networkId=network)["total"] == 1


def test_create_refused_when_username_is_taken(root, network):
    name = f"compliance_{network}_bot"
    root.create_bot(networkId=network, username=name, groupId=default_group(root, network), challenge="pw-123456")
    bad_request(root, lambda: root.create_data_retention_bot(networkId=network), name, "taken")
    assert state(root, network) == NO_BOT


# -- before registration ----------------------------------------------------------------------


def test_transitions_refused_before_any_challenge(server, root, network):
    root.create_data_retention_bot(networkId=network)
    bad_request(root, lambda: update(root, network, "PUBKEY_MSG_ACK"), "not registered", "CreateDataRetentionBotChallenge")
    bad_request(root, lambda: update(root, network, "ENABLE"), "not registered", "CreateDataRetentionBotChallenge")
    bad_request(root, lambda: update(root, network, "DISABLE"), "not enabled")
    # Without a challenge the bot cannot sign in.
    status, body = bot_login(server, network, f"compliance_{network}_bot", "anything-at-all")
    assert status == 400 and "challenge" in body["message"]
    assert state(root, network) == {**NO_BOT, "botExists": True, "botName": f"compliance_{network}_bot"}


def test_challenge_is_fresh_and_returned_once(server, root, network):
    root.create_data_retention_bot(networkId=network)
    c1 = root.create_data_retention_bot_challenge(networkId=network)["challenge"]
    assert isinstance(c1, str) and len(c1) >= 32
    assert dr_bot(root, network)["hasChallenge"] is True
    c2 = root.create_data_retention_bot_challenge(networkId=network)["challenge"]
    assert c2 != c1
    # Not retrievable afterwards.
    assert c2 not in json.dumps(dr_bot(root, network)) and c2 not in json.dumps(state(root, network))
    # Challenge created, bot not signed in yet: still not registered; the message says what to do.
    bad_request(root, lambda: update(root, network, "ENABLE"), "not registered", "sign the bot in")
    name = state(root, network)["botName"]
    status, body = bot_login(server, network, name, c1)
    assert status == 400, "the older challenge was replaced"
    assert state(root, network)["isDataRetentionBotRegistered"] is False
    status, body = bot_login(server, network, name, c2)
    assert status == 200, body
    assert body == {"botId": dr_bot(root, network)["botId"], "status": 2}


# -- registration and the service -------------------------------------------------------------


def test_full_lifecycle(server, root, network):
    registered(server, root, network)
    name = f"compliance_{network}_bot"
    assert state(root, network) == {
        "botName": name,
        "botExists": True,
        "isBotActive": True,
        "isDataRetentionBotRegistered": True,
        "isDataRetentionServiceEnabled": False,
        "isPubkeyMsgAcked": False,
    }
    assert dr_bot(root, network)["status"] == 2

    # ENABLE needs the public-key message acknowledged first.
    bad_request(root, lambda: update(root, network, "ENABLE"), "PUBKEY_MSG_ACK")
    bad_request(root, lambda: update(root, network, "DISABLE"), "not enabled")

    assert update(root, network, "PUBKEY_MSG_ACK")["message"]
    assert state(root, network)["isPubkeyMsgAcked"] is True
    bad_request(root, lambda: update(root, network, "PUBKEY_MSG_ACK"), "already acknowledged")

    assert setting(root, network) is False
    assert update(root, network, "ENABLE")["message"]
    assert state(root, network)["isDataRetentionServiceEnabled"] is True
    assert setting(root, network) is True
    bad_request(root, lambda: update(root, network, "ENABLE"), "already enabled")

    assert update(root, network, "DISABLE")["message"]
    assert state(root, network)["isDataRetentionServiceEnabled"] is False
    assert setting(root, network) is False
    bad_request(root, lambda: update(root, network, "DISABLE"), "not enabled")

    # Enabled again after a disable; the other flags were kept.
    update(root, network, "ENABLE")
    assert state(root, network) == {
        "botName": name,
        "botExists": True,
        "isBotActive": True,
        "isDataRetentionBotRegistered": True,
        "isDataRetentionServiceEnabled": True,
        "isPubkeyMsgAcked": True,
    }


def test_new_challenge_keeps_registration(server, root, network):
    enabled(server, root, network)
    c = root.create_data_retention_bot_challenge(networkId=network)["challenge"]
    s = state(root, network)
    assert s["isDataRetentionBotRegistered"] and s["isPubkeyMsgAcked"] and s["isDataRetentionServiceEnabled"]
    assert bot_login(server, network, s["botName"], c)[0] == 200


def test_suspended_bot(server, root, network):
    registered(server, root, network)
    update(root, network, "PUBKEY_MSG_ACK")
    bot_id = dr_bot(root, network)["botId"]
    root.update_bot(networkId=network, botId=bot_id, suspend=True)
    s = state(root, network)
    assert s["isBotActive"] is False and s["isDataRetentionBotRegistered"] is True
    bad_request(root, lambda: update(root, network, "ENABLE"), "suspended", "UpdateBot")
    root.update_bot(networkId=network, botId=bot_id, suspend=False)
    assert state(root, network)["isBotActive"] is True
    update(root, network, "ENABLE")
    assert state(root, network)["isDataRetentionServiceEnabled"] is True


def test_dr_bot_cannot_be_deleted_as_a_plain_bot(root, network):
    root.create_data_retention_bot(networkId=network)
    bot_id = dr_bot(root, network)["botId"]
    bad_request(root, lambda: root.delete_bot(networkId=network, botId=bot_id), "DeleteDataRetentionBot")
    assert state(root, network)["botExists"] is True


# -- deletion ---------------------------------------------------------------------------------


def test_delete_before_registration(root, network):
    root.create_data_retention_bot(networkId=network)
    assert root.delete_data_retention_bot(networkId=network)["message"]
    assert state(root, network) == NO_BOT
    assert root.get_bots_count(networkId=network)["total"] == 0
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.delete_data_retention_bot(networkId=network)


def test_delete_enabled_bot_disables_the_service(server, root, network):
    enabled(server, root, network)
    old = dr_bot(root, network)
    assert setting(root, network) is True
    msg = root.delete_data_retention_bot(networkId=network)["message"]
    assert "disabled" in msg
    assert state(root, network) == NO_BOT
    assert setting(root, network) is False
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_bot(networkId=network, botId=old["botId"])
    assert root.batch_lookup_user_uname(networkId=network, unames=[old["uname"]])["successful"] == []
    # It can be created again: a new bot (new ID), starting from scratch.
    root.create_data_retention_bot(networkId=network)
    assert state(root, network) == {**NO_BOT, "botExists": True, "botName": old["username"]}
    assert int(dr_bot(root, network)["botId"]) > int(old["botId"])


def test_delete_network_with_a_bot(server, root):
    network = root.create_network(networkName="dr-doomed", accessLevel="STANDARD")["networkId"]
    enabled(server, root, network)
    root.delete_network(networkId=network)
    with pytest.raises(root.exceptions.ResourceNotFoundError):
        root.get_data_retention_bot(networkId=network)


# -- the network setting ----------------------------------------------------------------------


def test_setting_without_a_bot_cannot_be_true(root, network):
    # Documented: with dataRetention true "messages are captured by the data retention bot".
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.update_network_settings(networkId=network, settings={"dataRetention": True, "enableClientMetrics": True})
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "settings.dataRetention")
    assert setting(root, network) is False
    values = {s["optionName"]: s["value"] for s in root.get_network_settings(networkId=network)["settings"]}
    assert values["enableClientMetrics"] == "false", "the refused update changed nothing"
    # False is always fine, and there is still no bot.
    root.update_network_settings(networkId=network, settings={"dataRetention": False})
    assert setting(root, network) is False
    assert state(root, network) == NO_BOT


def test_setting_follows_the_state_machine(server, root, network):
    root.create_data_retention_bot(networkId=network)
    bad_request(
        root,
        lambda: root.update_network_settings(networkId=network, settings={"dataRetention": True}),
        "dataRetention",
        "not registered",
    )
    assert setting(root, network) is False
    # Writing back the current value is fine, as are other settings.
    root.update_network_settings(networkId=network, settings={"dataRetention": False, "enableClientMetrics": True})
    challenge = root.create_data_retention_bot_challenge(networkId=network)["challenge"]
    assert bot_login(server, network, f"compliance_{network}_bot", challenge)[0] == 200
    bad_request(
        root,
        lambda: root.update_network_settings(networkId=network, settings={"dataRetention": True}),
        "PUBKEY_MSG_ACK",
    )
    update(root, network, "PUBKEY_MSG_ACK")

    r = root.update_network_settings(networkId=network, settings={"dataRetention": True})
    assert {s["optionName"]: s["value"] for s in r["settings"]}["dataRetention"] == "true"
    assert state(root, network)["isDataRetentionServiceEnabled"] is True
    root.update_network_settings(networkId=network, settings={"dataRetention": True})  # no-op
    bad_request(root, lambda: update(root, network, "ENABLE"), "already enabled")

    root.update_network_settings(networkId=network, settings={"dataRetention": False})
    assert state(root, network)["isDataRetentionServiceEnabled"] is False
    assert setting(root, network) is False
    bad_request(root, lambda: update(root, network, "DISABLE"), "not enabled")
    # The failed attempts changed nothing else.
    values = {s["optionName"]: s["value"] for s in root.get_network_settings(networkId=network)["settings"]}
    assert values["enableClientMetrics"] == "true"
