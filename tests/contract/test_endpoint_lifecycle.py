"""An endpoint's life through the SDK's provider server, as `pulumi up`, `refresh` and `destroy` drive it.

Each scenario runs the program under the SDK's mocks, sends its registrations through the harness's
deployment engine to `python -m pulumi.dynamic` (configured with the stack config: the token as a
secret, the API URLs on the emulator), and checks the endpoint itself with plain HTTP against the
emulator. One emulator and one provider server serve the module; each scenario has its own state.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from endpoint_stack import (
    BASE_INPUTS,
    NAMESPACE,
    TYPE,
    EmulatorApi,
    RecordingProviderServer,
    api_requests,
    goals,
    leaks,
    mutating_requests,
    only_resource,
    plain,
    program_goals,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, StepOp

pytestmark = pytest.mark.contract


def test_create_update_in_place_refresh_replace_and_delete(
    emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """The core path: an in-place change stays in place, refresh finds nothing, a region change replaces."""
    deployment = Deployment(server)

    created = deployment.up(goals(emulator, "core"))
    (urn,) = created.ops()
    assert created.ops() == {urn: StepOp.CREATE}
    first = only_resource(deployment)
    assert first.type == TYPE
    assert first.id.startswith(f"{NAMESPACE}/core-")
    live = api.get(first.id)
    assert live is not None and live["status"]["state"] == "running"
    assert first.outputs["url"] == live["status"]["url"]

    # Only scale_to_zero_timeout changes: Diff asks for an update, not a replacement.
    new_goals = goals(emulator, "core", scale_to_zero_timeout=30)
    checked = server.check(urn, first.inputs, new_goals[0].inputs)
    assert checked.failures == []
    diff = server.diff(urn, first.id, first.outputs, checked.inputs, old_inputs=first.inputs)
    assert diff.changes is True
    assert diff.replaces == []
    emulator.app.reset_request_counts()

    updated = deployment.up(new_goals)

    assert updated.ops() == {urn: StepOp.UPDATE}
    assert mutating_requests(emulator) == {"PUT /v2/endpoint/{namespace}/{name}": 1}
    after = only_resource(deployment)
    assert (after.id, after.outputs["url"]) == (first.id, first.outputs["url"])
    assert after.outputs["scale_to_zero_timeout"] == 30
    live = api.get(after.id)
    assert live is not None
    assert live["compute"]["scaling"]["scaleToZeroTimeout"] == 30
    assert live["status"]["state"] == "running"

    # Refresh with nothing changed behind our back: same outputs, and the program is up to date.
    refreshed = deployment.refresh()
    assert plain(refreshed[urn].new_outputs) == plain(after.outputs)
    unchanged = deployment.preview(goals(emulator, "core", scale_to_zero_timeout=30, preview=True))
    assert unchanged.ops() == {urn: StepOp.SAME}

    # A replace-only input: Diff names it, the engine replaces the endpoint.
    moved_goals = goals(emulator, "core", scale_to_zero_timeout=30, region="eu-west-1")
    checked = server.check(urn, after.inputs, moved_goals[0].inputs)
    diff = server.diff(urn, after.id, after.outputs, checked.inputs, old_inputs=after.inputs)
    assert diff.changes is True
    assert diff.replaces == ["region"]
    # Autonamed: the replacement gets a fresh name, so it is created before the old one is deleted.
    assert diff.delete_before_replace is False

    replaced = deployment.up(moved_goals)

    assert replaced.ops() == {urn: StepOp.REPLACE}
    assert replaced.calls.index(("Create", urn)) < replaced.calls.index(("Delete", urn))
    moved = only_resource(deployment)
    assert moved.id != after.id and moved.id.startswith(f"{NAMESPACE}/core-")
    live = api.get(moved.id)
    assert live is not None and live["provider"]["region"] == "eu-west-1"
    assert api.get(after.id) is None

    deployment.destroy()

    assert deployment.state == {}
    assert api.get(moved.id) is None
    assert leaks(server, {}) == []


def test_drift_made_on_the_api_shows_on_refresh_and_the_next_up_puts_it_back(
    emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """A timeout changed by another client is read back by refresh; the next diff restores the program's."""
    deployment = Deployment(server)
    deployment.up(goals(emulator, "drift"))
    endpoint = only_resource(deployment)
    api.put(endpoint.id, {"compute": {"scaling": {"scaleToZeroTimeout": 60}}})

    refreshed = deployment.refresh()

    (result,) = refreshed.values()
    assert result.op is StepOp.UPDATE
    assert result.new_outputs["scale_to_zero_timeout"] == 60
    assert result.new_inputs is not None and result.new_inputs["scale_to_zero_timeout"] == 60
    plan = deployment.preview(goals(emulator, "drift", preview=True))
    assert plan.ops() == {result.urn: StepOp.UPDATE}
    assert "      ~ scale_to_zero_timeout: 60 => 15\n" in plan.render()

    deployment.up(goals(emulator, "drift"))

    live = api.get(endpoint.id)
    assert live is not None and live["compute"]["scaling"]["scaleToZeroTimeout"] == 15
    assert only_resource(deployment).outputs["scale_to_zero_timeout"] == 15
    deployment.destroy()


def test_an_endpoint_deleted_behind_our_back_is_dropped_by_refresh(
    emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """Read answers "gone", refresh drops it from state, and the next up creates it again."""
    deployment = Deployment(server)
    deployment.up(goals(emulator, "vanish"))
    endpoint = only_resource(deployment)
    api.delete(endpoint.id)

    refreshed = deployment.refresh()

    assert [result.op for result in refreshed.values()] == [StepOp.DELETE]
    assert deployment.state == {}
    plan = deployment.preview(goals(emulator, "vanish", preview=True))
    assert list(plan.ops().values()) == [StepOp.CREATE]
    deployment.destroy()
    assert api.get(endpoint.id) is None


def test_an_autonamed_endpoint_keeps_its_name_across_runs(
    emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """The generated name is chosen once: a second `pulumi up` of the same program changes nothing."""
    deployment = Deployment(server)
    deployment.up(goals(emulator, "autonamed"))
    first = only_resource(deployment)
    name = first.outputs["name"]
    assert name.startswith("autonamed-") and name != "autonamed"

    again = deployment.up(goals(emulator, "autonamed"))

    assert list(again.ops().values()) == [StepOp.SAME]
    assert {method for method, _ in again.calls} == {"Check", "Diff"}
    second = only_resource(deployment)
    assert second.inputs["name"] == name
    assert second.id == first.id
    assert api.names().count(name) == 1
    deployment.destroy()


def test_unknown_inputs_in_a_preview_pass_check_and_diff_without_any_api_call(
    emulator: EmulatorServer, server: RecordingProviderServer
) -> None:
    """Inputs that depend on other resources' outputs are unknown in a preview: no failure, no request."""

    def program() -> None:
        # Any resource's outputs are unknown in a preview until it exists.
        upstream = pulumi.CustomResource("random:index/randomString:RandomString", "suffix", {"result": None})
        InferenceEndpoint(
            "unknowns",
            **{
                **BASE_INPUTS,
                "env": {"SUFFIX": upstream.result},
                "scale_to_zero_timeout": upstream.id.apply(lambda _: 30),
                "region": upstream.id.apply(lambda _: "us-east-1"),
            },
        )

    def endpoint_goals(preview: bool) -> list[Any]:
        return [goal for goal in program_goals(emulator, program, preview=preview) if goal.type == TYPE]

    preview_goals = endpoint_goals(True)
    assert isinstance(preview_goals[0].inputs["region"], Unknown)
    deployment = Deployment(server)
    requests_before = api_requests(emulator)

    fresh = deployment.preview(preview_goals)

    assert fresh.ok, fresh.steps
    assert list(fresh.ops().values()) == [StepOp.CREATE]
    assert api_requests(emulator) == requests_before

    deployment.up(goals(emulator, "unknowns"))
    requests_before = api_requests(emulator)

    existing = deployment.preview(endpoint_goals(True))

    (step,) = existing.steps
    assert step.ok, step
    assert step.diff is not None and step.diff.changes is True
    # An unknown replace-only input may be a replacement: the preview must say so.
    assert step.diff.replaces == ["region"]
    assert step.op is StepOp.REPLACE
    assert api_requests(emulator) == requests_before
    deployment.destroy()


def test_the_token_and_secret_values_never_come_back_in_the_clear(
    emulator: EmulatorServer, server: RecordingProviderServer, api: EmulatorApi
) -> None:
    """Every answer (Check, Diff, Create, Read, Update, `__provider`) and stderr, through a whole life.

    The password and the secret env values may come back only inside secret markers; the token
    never comes back at all.
    """
    secrets = {"registry password": "pw-Zq81mXv0", "API_KEY": "sk-Lp20aQ7c", "new API_KEY": "sk-Rt55bW3e"}
    image = {"url": "registry.example.com/acme/server:1.0", "port": 8080, "healthRoute": "/health"}

    def custom(api_key: str) -> list[Any]:
        return goals(
            emulator,
            "secretive",
            framework="custom",
            accelerator="gpu",
            instance_type="nvidia-t4",
            instance_size="x1",
            custom_image=image,
            container_registry_username="acme-bot",
            container_registry_password=secrets["registry password"],
            secrets={"API_KEY": api_key},
            env={"LOG_LEVEL": "debug"},
        )

    server.answers.clear()
    deployment = Deployment(server)
    deployment.up(custom(secrets["API_KEY"]))
    endpoint = only_resource(deployment)
    assert rpc.is_rpc_secret(endpoint.outputs["secrets"])
    assert rpc.is_rpc_secret(endpoint.outputs["container_registry_password"])

    deployment.up(custom(secrets["new API_KEY"]))
    deployment.refresh()
    deployment.up(custom(secrets["new API_KEY"]))
    stored = api.get(endpoint.id)
    deployment.destroy()

    assert {method for method, _ in server.answers} >= {"Check", "Diff", "Create", "Update", "Read"}
    assert stored is not None
    assert leaks(server, secrets) == []
