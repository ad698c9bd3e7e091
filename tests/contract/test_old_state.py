"""A stack written before the package took its present layout keeps working: its `__provider` pickle
(made by the code of commit 05a747c, see data/old_provider_pickle.py) loads as
`pulumi_huggingface.provider.InferenceEndpointProvider`, and refresh, diff and destroy, which the
engine runs with the provider from the state, work with it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import dill
import pytest
from endpoint_stack import NAMESPACE, RecordingProviderServer, goals, split_id
from pulumi.runtime import rpc

from pulumi_huggingface.provider import InferenceEndpointProvider
from pulumi_huggingface_emulator import EmulatorServer

pytestmark = pytest.mark.contract

OLD_PROVIDER = Path(__file__).resolve().parent / "data" / "provider-05a747c.b64"


def with_old_provider(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the `__provider` of a stack written by the earlier layout."""
    return {**values, "__provider": rpc.wrap_rpc_secret(OLD_PROVIDER.read_text().strip())}


def test_the_old_pickle_loads_as_the_provider_class_at_its_unchanged_path() -> None:
    raw = base64.b64decode(OLD_PROVIDER.read_text().strip())

    assert b"pulumi_huggingface.provider" in raw and b"InferenceEndpointProvider" in raw
    assert type(dill.loads(raw)) is InferenceEndpointProvider


def test_refresh_diff_and_destroy_of_a_stack_written_before_the_layout_change(
    emulator: EmulatorServer, server: RecordingProviderServer
) -> None:
    (goal,) = goals(emulator, "legacy", name="legacy-layout")
    checked = server.check(goal.urn, {}, goal.inputs)
    assert checked.failures == []
    created = server.create(goal.urn, checked.inputs)
    assert created.id == f"{NAMESPACE}/legacy-layout"
    state_inputs, state_outputs = with_old_provider(checked.inputs), with_old_provider(created.outs)

    refreshed = server.read(goal.urn, created.id, state_outputs, state_inputs)
    assert refreshed.id == created.id
    assert refreshed.outs["state"] in ("running", "scaledToZero")
    assert refreshed.outs["scale_to_zero_timeout"] == 15

    # The next `pulumi up` diffs the state's outputs against the program's inputs: nothing to do.
    (again,) = goals(emulator, "legacy", name="legacy-layout")
    rechecked = server.check(goal.urn, state_inputs, again.inputs)
    assert (
        server.diff(goal.urn, created.id, with_old_provider(refreshed.outs), rechecked.inputs).changes
        is False
    )

    # `pulumi destroy` of the old stack: the provider comes from the state alone.
    server.delete(goal.urn, created.id, with_old_provider(refreshed.outs), old_inputs=state_inputs)
    assert emulator.app.inspect(*split_id(created.id)) is None
