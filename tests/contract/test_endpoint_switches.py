"""The core lifecycle under each answer the API might give where the reference is unsure.

The emulator has one switch per uncertain behaviour (see its README): a create answered 202 instead
of 200, a deleted endpoint's name released only after a delay, a `type` change refused, a CPU/GPU
switch refused or allowed, a revision read back as sent instead of as a commit SHA, a `route`
replaced rather than merged on PUT, a stale scale-to-zero timeout refused rather than cleared, a
409 for a PUT or DELETE while updating, `cacheHttpResponses` kept only under the admin-only
`experimentalFeatures`. Under each, the
core scenario (create, an in-place change, refresh, a replacement, delete) runs through the SDK's
provider server; where the switch makes an operation fail, the failure must be a clear error and
leave state and the API agreeing, so the next `pulumi up` can proceed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from endpoint_stack import (
    EmulatorApi,
    RecordingProviderServer,
    goals,
    only_resource,
    plain,
)

from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, DeploymentError, StepOp

pytestmark = pytest.mark.contract

NAME_RELEASE_SECONDS = 3.0
# The emulator's defaults are the core scenario of test_endpoint_lifecycle.py.

SWITCHES: dict[str, dict[str, Any]] = {
    "create-202": {"create_status": 202},
    "name-released-late": {"name_release_seconds": NAME_RELEASE_SECONDS},
    "type-update-refused": {"type_update": "refuse"},
    "accelerator-switch-allowed": {"accelerator_switch": "allow"},
    "revision-as-sent": {"revision_readback": "as_sent"},
    # The other side of each: the emulator's default.
    "route-replaced-on-put": {"route_update": "replace"},
    "stale-timeout-refused": {"stale_timeout": "refuse"},
    "conflict-while-updating": {"while_updating": "conflict"},
    "cache-http-responses-experimental": {"cache_http_responses": "experimental"},
}


@pytest.fixture(params=sorted(SWITCHES))
def switch(request: pytest.FixtureRequest, emulator: EmulatorServer) -> Iterator[str]:
    """Turn one switch on for the test, and back to the emulator's defaults after it."""
    defaults = emulator.app.settings
    emulator.app.configure(**SWITCHES[request.param])
    try:
        yield request.param
    finally:
        emulator.app.configure(**{key: getattr(defaults, key) for key in SWITCHES[request.param]})


def agrees_with_the_api(deployment: Deployment, api: EmulatorApi) -> None:
    """State and the live endpoint agree: a refresh changes no output that matters, and finds it there."""
    stored = only_resource(deployment)
    live = api.get(stored.id)
    assert live is not None, f"{stored.id} is in state but not on the API"
    refreshed = deployment.refresh()
    (result,) = refreshed.values()
    ignored = {"updated_at", "state", "status_message", "ready_replica", "target_replica"}
    before = {k: v for k, v in plain(result.old_outputs).items() if k not in ignored}
    after = {k: v for k, v in plain(result.new_outputs).items() if k not in ignored}
    assert after == before


def test_the_core_lifecycle_holds_under_the_switch(
    switch: str, emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """create -> in-place timeout change -> refresh without drift -> region replacement -> delete."""
    # An explicit name, so the replacement reuses it: the case the name-release delay is about.
    inputs: dict[str, Any] = {"name": f"sw-{switch}"[:32], "revision": "main"}
    deployment = Deployment(server)
    created = deployment.up(goals(emulator, "core", **inputs))
    (urn,) = created.ops()
    first = only_resource(deployment)

    deployment.up(goals(emulator, "core", scale_to_zero_timeout=30, **inputs))

    after = only_resource(deployment)
    assert (after.id, after.outputs["url"]) == (first.id, first.outputs["url"])
    live = api.get(after.id)
    assert live is not None and live["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    assert emulator.app.inspect(*after.id.split("/"))["config"]["model"]["revision"] == "main"
    deployment.refresh()
    assert deployment.preview(
        goals(emulator, "core", scale_to_zero_timeout=30, preview=True, **inputs)
    ).ops() == {urn: StepOp.SAME}

    moved = goals(emulator, "core", scale_to_zero_timeout=30, region="eu-west-1", **inputs)
    replaced = deployment.up(moved)

    # Under "name-released-late" the replacement reuses a name the API still holds for a while after
    # the delete: the provider must wait for it instead of failing on the 409.
    assert replaced.ops() == {urn: StepOp.REPLACE}
    final = only_resource(deployment)
    live = api.get(final.id)
    assert live is not None and live["provider"]["region"] == "eu-west-1"
    assert live["status"]["state"] == "running"

    deployment.destroy()
    assert api.get(final.id) is None


@dataclass(frozen=True)
class Refusal:
    """A change the API may refuse, and what the provider's error must then say.

    Attributes:
        settings: The emulator settings under which the API refuses it.
        base: Inputs of the endpoint as created.
        change: The change the program then asks for.
        reason: The API's reason, which the error must carry.
    """

    settings: dict[str, Any]
    base: dict[str, Any]
    change: dict[str, Any]
    reason: str


REFUSALS = {
    "type-update-refused": Refusal(
        SWITCHES["type-update-refused"],
        {"type": "authenticated"},
        {"type": "public"},
        "The type of an endpoint cannot be changed from authenticated to public",
    ),
    # A CPU<->GPU switch, which the emulator refuses by default as the 2023 documentation says, is
    # declared replace-only and never reaches a PUT (tests/unit/test_field_convergence.py).
}
LIVE_PATHS = {
    "type": ("type",),
}


def live_value(doc: dict[str, Any], key: str) -> Any:
    node: Any = doc
    for step in LIVE_PATHS[key]:
        node = node[step]
    return node


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_change_the_api_refuses_fails_clearly_and_leaves_state_agreeing_with_the_api(
    refusal: str, emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """The Update fails with the API's reason and the endpoint named; state still says what the API has."""
    case = REFUSALS[refusal]
    defaults = emulator.app.settings
    emulator.app.configure(**case.settings)
    deployment = Deployment(server)
    try:
        deployment.up(goals(emulator, "refused", **case.base))
        before = only_resource(deployment)

        with pytest.raises(DeploymentError) as failed:
            deployment.up(goals(emulator, "refused", **{**case.base, **case.change}))

        step = failed.value.plan.step(before.urn)
        assert step.op is StepOp.UPDATE
        # The CLI prints the error under the resource: the provider's message alone, no traceback.
        message = (step.error or "").strip()
        assert "Traceback" not in message and len(message.splitlines()) == 1, message
        assert before.id in message
        assert case.reason in message
        assert only_resource(deployment).outputs == before.outputs
        live = api.get(before.id)
        assert live is not None
        stored = plain(before.outputs)
        assert {key: live_value(live, key) for key in case.change} == {
            key: stored[key] for key in case.change
        }
        agrees_with_the_api(deployment, api)
        # The program still asks for the change: the next preview shows it again, as an update.
        plan = deployment.preview(goals(emulator, "refused", preview=True, **{**case.base, **case.change}))
        assert plan.ops() == {before.urn: StepOp.UPDATE}
    finally:
        deployment.destroy()
        emulator.app.configure(**{key: getattr(defaults, key) for key in case.settings})
