"""Rules stated only in the model's documentation strings, one test (at least) per row of the
table in docs/api.md ("Documented rules"). Each test carries `@rule("<row id>")`; a Vitest test
(test/documented-rules.test.ts) fails if a row has no test here or a rule of the server has no
row, so a rule cannot be dropped silently."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from _support import assert_client_error, assert_reasons, unique_name
from _users_support import create_user, default_group, new_email, seed_devices

rule = pytest.mark.rule
# Rules judged by the server's code on the request and the settings document, before and
# apart from the store: they run once, on the first engine (conftest.py).
engine_independent = pytest.mark.engine_independent

SG = "securityGroupSettings"


def _group(root, network):
    return default_group(root, network)


def _update(root, network, group, settings):
    return root.update_security_group(networkId=network, groupId=group, securityGroupSettings=settings)[
        "securityGroup"
    ]["securityGroupSettings"]


def _update_raw(server, network, group, settings):
    """UpdateSecurityGroup over signed HTTP, for members the machine's botocore may not know."""
    return server.raw("PATCH", f"/networks/{network}/security-groups/{group}", {"securityGroupSettings": settings})


def _refused(root, network, group, settings, *fields):
    before = root.get_security_group(networkId=network, groupId=group)["securityGroup"]
    with pytest.raises(root.exceptions.ValidationError) as ei:
        _update(root, network, group, settings)
    assert_reasons(assert_client_error(ei.value, "ValidationError"), *(f"{SG}.{f}" for f in fields))
    after = root.get_security_group(networkId=network, groupId=group)["securityGroup"]
    assert after == before, "a refused update changes nothing"


def _refused_raw(server, network, group, settings, *fields):
    r = _update_raw(server, network, group, settings)
    assert r.status == 422 and r.error_type == "ValidationError", r.body
    assert sorted({x["field"] for x in r.json()["reasons"]}) == sorted(f"{SG}.{f}" for f in fields), r.body


# ---------- security group settings ----------


@rule("sg-defaults-valid")
@engine_independent
def test_new_and_default_groups_keep_every_rule(root, network):
    """What a network's default group and a new group report is itself valid: writing it back
    unchanged is accepted (the update is judged on the merged result)."""
    g = _group(root, network)
    s = root.get_security_group(networkId=network, groupId=g)["securityGroup"][SG]
    assert s["maxAutoDownloadSize"] in (512000, 7340032), "never 0"
    assert s["shredder"]["intensity"] in (0, 20, 60, 100)
    assert _update(root, network, g, s) == s
    new = root.create_security_group(networkId=network, name="fresh", securityGroupSettings={})["securityGroup"]
    assert new[SG] == s


@rule("sg-auto-download-size")
@engine_independent
def test_auto_download_size_has_two_valid_values(root, network):
    g = _group(root, network)
    for bad in (0, 1, 1024, 512001, 10_000_000):
        _refused(root, network, g, {"maxAutoDownloadSize": bad}, "maxAutoDownloadSize")
    for good in (7340032, 512000):
        assert _update(root, network, g, {"maxAutoDownloadSize": good})["maxAutoDownloadSize"] == good


@rule("sg-auto-download-needs-file-download")
@engine_independent
def test_auto_download_size_only_with_file_download(root, network):
    g = _group(root, network)
    _refused(
        root, network, g, {"enableFileDownload": False, "maxAutoDownloadSize": 7340032}, "maxAutoDownloadSize"
    )
    # Turning file download off takes the size away; turning it on brings the default back.
    s = _update(root, network, g, {"enableFileDownload": False})
    assert s["enableFileDownload"] is False and "maxAutoDownloadSize" not in s
    _refused(root, network, g, {"maxAutoDownloadSize": 512000}, "maxAutoDownloadSize")
    s = _update(root, network, g, {"enableFileDownload": True})
    assert s["maxAutoDownloadSize"] == 512000
    s = _update(root, network, g, {"maxAutoDownloadSize": 7340032})
    assert root.get_security_group(networkId=network, groupId=g)["securityGroup"][SG]["maxAutoDownloadSize"] == 7340032


@rule("sg-shredder-intensity")
@engine_independent
def test_shredder_intensity_values(root, network):
    g = _group(root, network)
    for bad in (50, 1, 99, 101, -20):
        _refused(root, network, g, {"shredder": {"intensity": bad}}, "shredder.intensity")
    for good in (20, 60, 100, 0):
        assert _update(root, network, g, {"shredder": {"intensity": good}})["shredder"]["intensity"] == good


@rule("sg-non-sso-session")
@engine_independent
def test_non_sso_session_minutes(server, root, network):
    g = _group(root, network)
    for bad in (1, 30, 59):
        _refused_raw(server, network, g, {"maxNonSsoSessionMinutes": bad}, "maxNonSsoSessionMinutes")
    for good in (60, 525600, 0):
        r = _update_raw(server, network, g, {"maxNonSsoSessionMinutes": good})
        assert r.status == 200, r.body
        assert r.json()["securityGroup"][SG]["maxNonSsoSessionMinutes"] == good


@rule("sg-video-needs-calls")
@engine_independent
def test_video_calls_need_one_to_one_calls(root, network):
    g = _group(root, network)
    _refused(root, network, g, {"calling": {"canStart11Call": False, "canVideoCall": True}}, "calling.canVideoCall")
    # Judged on the merged result: video is on by default, so calls cannot go off alone.
    _refused(root, network, g, {"calling": {"canStart11Call": False}}, "calling.canVideoCall")
    s = _update(root, network, g, {"calling": {"canStart11Call": False, "canVideoCall": False}})
    assert s["calling"]["canStart11Call"] is False and s["calling"]["canVideoCall"] is False
    _refused(root, network, g, {"calling": {"canVideoCall": True}}, "calling.canVideoCall")


@rule("sg-device-lockout-below-threshold")
@engine_independent
def test_device_lockout_below_lockout_threshold(root, network):
    g = _group(root, network)
    _update(root, network, g, {"lockoutThreshold": 5})
    for bad in (5, 6):
        _refused(root, network, g, {"forceDeviceLockout": bad}, "forceDeviceLockout")
    assert _update(root, network, g, {"forceDeviceLockout": 4})["forceDeviceLockout"] == 4
    # Lowering the threshold to the device lockout is judged on the merged result.
    _refused(root, network, g, {"lockoutThreshold": 4}, "forceDeviceLockout")
    # 0 turns the device reset off.
    s = _update(root, network, g, {"forceDeviceLockout": 0, "lockoutThreshold": 0})
    assert s["forceDeviceLockout"] == 0


@rule("sg-force-open-access")
@engine_independent
def test_force_open_access_needs_the_option(root, network):
    g = _group(root, network)
    _refused(root, network, g, {"forceOpenAccess": True}, "forceOpenAccess")
    s = _update(root, network, g, {"forceOpenAccess": True, "enableOpenAccessOption": True})
    assert s["forceOpenAccess"] is True
    _refused(root, network, g, {"enableOpenAccessOption": False}, "forceOpenAccess")


@rule("sg-maps-need-location")
@engine_independent
def test_maps_need_location(root, network):
    g = _group(root, network)
    _refused(root, network, g, {"locationEnabled": False}, "locationAllowMaps")
    s = _update(root, network, g, {"locationEnabled": False, "locationAllowMaps": False})
    assert s["locationEnabled"] is False and s["locationAllowMaps"] is False
    _refused(root, network, g, {"locationAllowMaps": True}, "locationAllowMaps")


@rule("sg-restricted-global-federation")
@engine_independent
def test_restricted_global_federation_needs_global_federation(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.create_security_group(
            networkId=network, name="rgf", securityGroupSettings={"enableRestrictedGlobalFederation": True}
        )
    assert_reasons(assert_client_error(ei.value, "ValidationError"), f"{SG}.enableRestrictedGlobalFederation")
    created = root.create_security_group(
        networkId=network,
        name="rgf",
        securityGroupSettings={"enableRestrictedGlobalFederation": True, "globalFederation": True},
    )["securityGroup"]
    assert created[SG]["enableRestrictedGlobalFederation"] is True
    _refused(root, network, created["id"], {"globalFederation": False}, "enableRestrictedGlobalFederation")


@rule("sg-guest-federation")
@engine_independent
def test_guest_federation_needs_global_federation_mode(root, network):
    for mode in (0, 1):
        with pytest.raises(root.exceptions.ValidationError) as ei:
            root.create_security_group(
                networkId=network,
                name="guests",
                securityGroupSettings={"enableGuestFederation": True, "federationMode": mode},
            )
        assert_reasons(assert_client_error(ei.value, "ValidationError"), f"{SG}.enableGuestFederation")
    g = root.create_security_group(
        networkId=network, name="guests", securityGroupSettings={"enableGuestFederation": True, "federationMode": 2}
    )["securityGroup"]
    assert g[SG]["enableGuestFederation"] is True and g[SG]["federationMode"] == 2
    _refused(root, network, g["id"], {"federationMode": 1}, "enableGuestFederation")


@rule("sg-federation-mode")
@engine_independent
def test_federation_mode_values(root, network):
    g = _group(root, network)
    for bad in (3, -1):
        _refused(root, network, g, {"federationMode": bad}, "federationMode")
    for good in (1, 2, 0):
        assert _update(root, network, g, {"federationMode": good})["federationMode"] == good


@engine_independent
def test_one_reason_per_broken_rule(root, network):
    g = _group(root, network)
    _refused(
        root,
        network,
        g,
        {"shredder": {"intensity": 50}, "forceOpenAccess": True, "maxAutoDownloadSize": 3},
        "shredder.intensity",
        "forceOpenAccess",
        "maxAutoDownloadSize",
    )


# ---------- networks ----------


def _settings(resp) -> dict:
    import json

    return {s["optionName"]: json.loads(s["value"]) for s in resp["settings"]}


@rule("consent-close-label")
def test_consent_close_button_defaults_to_acknowledge(server, root, network):
    assert _settings(root.get_network_settings(networkId=network))["consentPopup"]["closeButtonLabel"] == "Acknowledge"
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": {"consentPopup": {"enabled": True}}})
    assert r.status == 200, r.body
    assert _settings(r.json())["consentPopup"] == {"enabled": True, "closeButtonLabel": "Acknowledge"}
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": {"consentPopup": {"enabled": True, "closeButtonLabel": "OK"}}})  # fmt: skip
    assert _settings(r.json())["consentPopup"]["closeButtonLabel"] == "OK"
    r = server.raw("PATCH", f"/networks/{network}/settings", {"settings": {"consentPopup": {"enabled": True, "closeButtonLabel": ""}}})  # fmt: skip
    assert _settings(r.json())["consentPopup"]["closeButtonLabel"] == "Acknowledge"


@rule("data-retention-needs-bot")
def test_data_retention_setting_needs_the_bot(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.update_network_settings(networkId=network, settings={"dataRetention": True})
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "settings.dataRetention")
    assert _settings(root.get_network_settings(networkId=network))["dataRetention"] is False


@rule("premium-trial")
def test_premium_free_trial_starts_with_premium_features(root):
    nid = root.create_network(networkName=unique_name("trial"), accessLevel="STANDARD", enablePremiumFreeTrial=True)[
        "networkId"
    ]
    g = root.get_network(networkId=nid)
    assert g["accessLevel"] == "PREMIUM", "premium features during the trial"
    expires = datetime.fromisoformat(g["freeTrialExpiration"].replace("Z", "+00:00"))
    assert expires > datetime.now(timezone.utc)
    listed = [n for n in root.list_networks(maxResults=100)["networks"] if n["networkId"] == nid]
    assert listed and listed[0]["accessLevel"] == "PREMIUM"
    # Without the trial (its default): the level asked for, and no expiration.
    plain = root.create_network(networkName=unique_name("std"), accessLevel="STANDARD")["networkId"]
    p = root.get_network(networkId=plain)
    assert p["accessLevel"] == "STANDARD" and "freeTrialExpiration" not in p


@rule("users-count-remaining")
def test_remaining_users_follow_the_trial(root):
    trial = root.create_network(networkName=unique_name("trial"), accessLevel="STANDARD", enablePremiumFreeTrial=True)[
        "networkId"
    ]
    c = root.get_users_count(networkId=trial)
    assert c["total"] == 0 and c["remaining"] == 30, "the free trial covers 30 users"
    create_user(root, trial, new_email("t"))
    c = root.get_users_count(networkId=trial)
    assert c["total"] == 1 and c["remaining"] == 29
    plain = root.create_network(networkName=unique_name("std"), accessLevel="STANDARD")["networkId"]
    assert root.get_users_count(networkId=plain)["remaining"] > 30


# ---------- devices, guests, keys ----------


@rule("device-type")
def test_device_type_is_an_operating_system_name(server, root, network):
    u = create_user(root, network, new_email("dev"))
    sent = ["ios", "iPadOS", "macos", "Mac OS X", "darwin", "win64", "Windows 11", "android", "ANDROID",
            "linux", "Ubuntu", "toaster"]  # fmt: skip
    now = int(time.time() * 1000)
    seed_devices(server.db_url, network, u["userId"], [{"name": f"d{i}", "platform": p, "at": now + i} for i, p in enumerate(sent)])  # fmt: skip
    devices = root.list_devices_for_user(networkId=network, userId=u["userId"], maxResults=100, sortFields="created", sortDirection="ASC")["devices"]  # fmt: skip
    assert [d["type"] for d in devices] == [
        "iOS", "iOS", "MacOSX", "MacOSX", "MacOSX", "Windows", "Windows", "Android", "Android",
        "Linux", "Linux", "Unknown",
    ]  # fmt: skip


@rule("blocked-guest-admin")
def test_blocked_guest_admin_is_the_key_owner(server, root, network):
    from test_guest_users import record

    creds = server.create_key(actions="wickr:*", user="ada.admin")
    listed = [k for k in server.list_keys() if k["accessKeyId"] == creds.access_key_id]
    assert listed and listed[0]["userName"] == "ada.admin"
    g = record(server, network, "guest@fed.example")
    server.client(creds=creds).update_guest_user(networkId=network, usernameHash=g["usernameHash"], block=True)
    (b,) = root.list_blocked_guest_users(networkId=network)["blocklist"]
    assert b["admin"] == "ada.admin"
    assert root.list_blocked_guest_users(networkId=network, admin="ada.admin")["blocklist"] == [b]


# ---------- limits and defaults that held before (kept here so they stay) ----------


@rule("network-name-length")
@engine_independent
def test_network_name_is_1_to_20_characters(root, network):
    for bad in ("", "x" * 21):
        with pytest.raises(root.exceptions.ValidationError) as ei:
            root.create_network(networkName=bad, accessLevel="STANDARD")
        assert_reasons(assert_client_error(ei.value, "ValidationError"), "networkName")
        with pytest.raises(root.exceptions.ValidationError):
            root.update_network(networkId=network, networkName=bad)
    root.update_network(networkId=network, networkName="y" * 20)
    assert root.get_network(networkId=network)["networkName"] == "y" * 20


@rule("batch-size")
@engine_independent
def test_batches_hold_at_most_50_items(loose, network):
    with pytest.raises(loose.exceptions.ValidationError) as ei:
        loose.batch_delete_user(networkId=network, userIds=[str(i) for i in range(1, 52)])
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "userIds")


@rule("max-results")
def test_max_results_is_1_to_100_default_10(loose, root):
    for bad in (0, 101):
        with pytest.raises(loose.exceptions.ValidationError) as ei:
            loose.list_networks(maxResults=bad)
        assert_reasons(assert_client_error(ei.value, "ValidationError"), "maxResults")
    n = root.create_network(networkName=unique_name("m"), accessLevel="STANDARD")["networkId"]
    for i in range(11):
        root.create_security_group(networkId=n, name=f"g{i}", securityGroupSettings={})
    page = root.list_security_groups(networkId=n)
    assert len(page["securityGroups"]) == 10 and page.get("nextToken")


@rule("sort-direction")
def test_lists_sort_descending_by_default(root):
    n = root.create_network(networkName=unique_name("s"), accessLevel="STANDARD")["networkId"]
    for name in ("alpha", "beta"):
        root.create_security_group(networkId=n, name=name, securityGroupSettings={})
    names = [g["name"] for g in root.list_security_groups(networkId=n, sortFields="name")["securityGroups"]]
    assert names == sorted(names, reverse=True)


@rule("sort-fields")
@engine_independent
def test_sort_fields_are_the_documented_ones(root, network):
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.list_security_groups(networkId=network, sortFields="modified")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "sortFields")
    for f in ("id", "name"):
        root.list_security_groups(networkId=network, sortFields=f)


@rule("users-count-total")
def test_total_is_active_and_pending(root, network):
    create_user(root, network, new_email("p"))
    c = root.get_users_count(networkId=network)
    assert c["total"] == c["active"] + c["pending"] == 1


@rule("default-group")
def test_each_network_has_one_default_group(root, network):
    root.create_security_group(networkId=network, name="other", securityGroupSettings={})
    groups = root.list_security_groups(networkId=network, maxResults=100)["securityGroups"]
    assert [g["isDefault"] for g in groups].count(True) == 1


@rule("bot-username")
@engine_independent
def test_bot_usernames_end_in_bot(root, network):
    g = default_group(root, network)
    with pytest.raises(root.exceptions.ValidationError) as ei:
        root.create_bot(networkId=network, username="helper", groupId=g, challenge="s3cret-challenge")
    assert_reasons(assert_client_error(ei.value, "ValidationError"), "username")
    root.create_bot(networkId=network, username="helperbot", groupId=g, challenge="s3cret-challenge")


@rule("username-unique")
def test_usernames_are_unique_in_a_network(root, network):
    name = new_email("dup")
    create_user(root, network, name)
    r = root.batch_create_user(
        networkId=network, users=[{"username": name.upper(), "securityGroupIds": [default_group(root, network)]}]
    )
    assert not r.get("successful") and r["failed"][0]["field"] == "username"


@rule("migration-state")
def test_a_new_network_reports_migration_state_0(root, network):
    assert root.get_network(networkId=network)["migrationState"] == 0
