"""Runs last (file order): every operation of the model must have succeeded through boto3.

The suite as a whole must exercise all 44 operations on each engine; this test fails, naming
them, if any operation was never called successfully. (Run alone, or with a selection of
files, it reports what that selection left out.)
"""

from __future__ import annotations

import json
import os

from _support import MODEL_PATH, SUCCESSFUL_CALLS


def _operations() -> set[str]:
    if os.path.exists(MODEL_PATH):
        with open(MODEL_PATH, encoding="utf-8") as f:
            return set(json.load(f)["operations"])
    import botocore.session

    return set(botocore.session.get_session().get_service_model("wickr").operation_names)


def test_every_operation_succeeded_through_boto3(server):
    ops = _operations()
    assert len(ops) == 44
    called = SUCCESSFUL_CALLS.get(server.engine, set())
    missing = sorted(ops - called)
    assert not missing, f"never called successfully through boto3 on {server.engine}: {missing}"
