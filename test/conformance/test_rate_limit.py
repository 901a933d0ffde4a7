"""Rate limiting per access key, on a server of its own with a tiny bucket."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest

from _support import assert_client_error, start_server


@pytest.fixture(scope="module")
def limited():
    tmp = tempfile.mkdtemp(prefix="wickr-conformance-rate-")
    handle = start_server(
        "sqlite-rate-limited",
        f"sqlite:{os.path.join(tmp, 'w.db')}",
        {"WICKR_RATE_LIMIT_RPS": "1", "WICKR_RATE_LIMIT_BURST": "3"},
    )
    yield handle
    handle.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def test_fourth_rapid_request_is_rate_limited(limited):
    # Another key, so the check below does not depend on this test's timing.
    spare = limited.client(creds=limited.create_key())
    c = limited.client()
    for _ in range(3):
        c.list_networks()
    with pytest.raises(c.exceptions.RateLimitError) as ei:
        c.list_networks()
    e = assert_client_error(ei.value, "RateLimitError")
    retry_after = e["headers"].get("retry-after")
    assert retry_after is not None, e["headers"]
    assert retry_after.isdigit() and int(retry_after) >= 1

    # The limit is per access key: another key is not affected.
    spare.list_networks()
    # An unsigned request is answered 401, not counted against any key.
    assert limited.raw("GET", "/networks", sign=False).status == 401

    # After waiting as told, the key may call again.
    time.sleep(int(retry_after) + 0.2)
    c.list_networks()
