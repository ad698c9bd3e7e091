"""Each input converges: after an apply the API holds what was declared and the next diff is empty.

Every test plays the engine's steps (`engine_steps.EngineStack`) through the provider against the
in-process emulator, then asserts what the emulator holds, not only what the diff decided.
"""

from __future__ import annotations

from typing import Any

import pytest
from engine_steps import CheckRefused, EngineStack
from provider_fakes import base_inputs

from pulumi_huggingface_emulator import EmulatorApp

PUT = "PUT /v2/endpoint/{namespace}/{name}"


def program(**overrides: Any) -> dict[str, Any]:
    """A declaration of one small CPU endpoint named `conv`, with `overrides` (None removes an input)."""
    declared = base_inputs(__resource_name="conv", name="conv")
    declared.update(overrides)
    return {key: value for key, value in declared.items() if value is not None}


def stack(**settings: Any) -> EngineStack:
    return EngineStack(EmulatorApp(token="hf_engine_steps_token", provision_seconds=30, **settings))


def assert_converged(deployment: EngineStack, declared: dict[str, Any]) -> None:
    deployment.refresh()
    diff = deployment.pending_diff(declared)
    assert diff.changes is False, f"diff after refresh: {diff.replaces or 'update'}"


# --- the timeout and min_replica ---------------------------------------------------------------


def test_a_timeout_without_min_replica_is_refused_at_check_naming_both_inputs() -> None:
    """min_replica defaults to 1, which the API refuses beside a timeout: check says so, not `up`."""
    deployment = stack()
    with pytest.raises(CheckRefused) as refused:
        deployment.apply(program(min_replica=None, scale_to_zero_timeout=30))
    ((prop, reason),) = refused.value.failures
    assert prop == "scale_to_zero_timeout"
    assert "min_replica" in reason and "1 (the default)" in reason
    assert "Set min_replica=0" in reason and "remove scale_to_zero_timeout" in reason
    assert deployment.app.endpoint_ids() == []


@pytest.mark.parametrize("stale_timeout", ["refuse", "clear"])
@pytest.mark.parametrize("raised", [1, None], ids=["min_replica-1", "min_replica-removed"])
def test_raising_min_replica_when_the_api_chose_the_timeout_is_one_update(
    stale_timeout: str, raised: int | None
) -> None:
    """With min_replica 0 and no timeout the API stores its own (15); raising min_replica clears it."""
    deployment = stack(stale_timeout=stale_timeout)
    deployment.apply(program(min_replica=0, scale_to_zero_timeout=None))
    assert deployment.config()["compute"]["scaling"]["scaleToZeroTimeout"] == 15

    declared = program(min_replica=raised, scale_to_zero_timeout=None)
    step = deployment.apply(declared)

    assert step.op == "update" and step.writes == {PUT: 1}
    scaling = deployment.config()["compute"]["scaling"]
    assert (scaling["minReplica"], scaling["scaleToZeroTimeout"]) == (1, None)
    assert_converged(deployment, declared)


def test_raising_min_replica_of_a_paused_endpoint_is_applied_while_paused() -> None:
    """Not refused, and so never blamed on the pause (the stale timeout is sent as null)."""
    deployment = stack(stale_timeout="refuse")
    deployment.apply(program(min_replica=0, scale_to_zero_timeout=None, desired_state="paused"))

    declared = program(min_replica=1, scale_to_zero_timeout=None, desired_state="paused")
    step = deployment.apply(declared)

    assert step.op == "update" and step.writes == {PUT: 1}
    assert deployment.config()["compute"]["scaling"]["minReplica"] == 1
    assert deployment.state() == "paused"
    assert_converged(deployment, declared)


# --- route -----------------------------------------------------------------------------------


@pytest.mark.parametrize("route_update", ["replace", "merge"])
def test_changing_path_keeps_the_domain(route_update: str) -> None:
    """Whether the API replaces `route` whole or merges it, a change to either key sends both."""
    deployment = stack(route_update=route_update)
    deployment.apply(program(domain="models.example.com", path="/a"))
    declared = program(domain="models.example.com", path="/b")
    deployment.apply(declared)

    assert deployment.config()["route"] == {"domain": "models.example.com", "path": "/b"}
    assert_converged(deployment, declared)


@pytest.mark.parametrize("route_update", ["replace", "merge"])
def test_removing_the_domain_keeps_the_path(route_update: str) -> None:
    deployment = stack(route_update=route_update)
    deployment.apply(program(domain="models.example.com", path="/a"))
    declared = program(path="/a")
    deployment.apply(declared)

    assert (deployment.config().get("route") or {}).get("path") == "/a"
    assert not (deployment.config().get("route") or {}).get("domain")
    assert_converged(deployment, declared)


# --- revision --------------------------------------------------------------------------------


def test_changing_the_repository_under_a_branch_revision_leaves_no_diff() -> None:
    """The branch resolves to another commit in the new repository: that is the change, not drift."""
    deployment = stack()
    deployment.apply(program(revision="main"))
    declared = program(revision="main", repository="openai-community/gpt2-medium")
    step = deployment.apply(declared)

    assert step.op == "update"
    assert deployment.config()["model"]["repository"] == "openai-community/gpt2-medium"
    assert deployment.pending_diff(declared).changes is False
    assert_converged(deployment, declared)


# --- accelerator -----------------------------------------------------------------------------


@pytest.mark.parametrize("accelerator_switch", ["refuse", "allow"])
def test_a_cpu_to_gpu_switch_previews_and_applies_as_a_replacement(accelerator_switch: str) -> None:
    """The API refuses the switch in place (its default): the preview says replace, and it works."""
    deployment = stack(accelerator_switch=accelerator_switch)
    deployment.apply(program())
    declared = program(accelerator="gpu", instance_type="nvidia-t4", instance_size="x1")

    diff = deployment.pending_diff(declared)
    assert diff.replaces == ["accelerator"] and diff.delete_before_replace is True
    step = deployment.apply(declared)

    assert step.op == "replace" and step.deleted == []  # same name: deleted, then created again
    assert deployment.config()["compute"]["accelerator"] == "gpu"
    assert_converged(deployment, declared)


# --- registry credentials --------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["tgi", "custom"])
def test_registry_credentials_inside_a_keyed_custom_image_are_refused_at_check(variant: str) -> None:
    image = {
        variant: {
            "url": "registry.example.com/tgi:1",
            "credentials": {"username": "robot", "password": "p4ssw0rd-value"},
        }
    }
    deployment = stack()
    with pytest.raises(CheckRefused) as refused:
        deployment.apply(program(custom_image=image))
    ((prop, reason),) = refused.value.failures
    assert prop == "custom_image"
    assert "container_registry_username" in reason and "container_registry_password" in reason
    assert "p4ssw0rd-value" not in reason and "robot" not in reason
    assert deployment.app.endpoint_ids() == []


# --- the scaling measure ---------------------------------------------------------------------


def test_removing_scaling_threshold_with_scaling_metric_returns_the_threshold_to_the_default() -> None:
    """Removal column: scaling_metric keeps the endpoint's metric, scaling_threshold goes to default."""
    deployment = stack()
    deployment.apply(program(scaling_metric="pendingRequests", scaling_threshold=5))
    declared = program()
    step = deployment.apply(declared)

    assert step.writes == {PUT: 1}
    assert deployment.config()["compute"]["scaling"]["measure"] == {"pendingRequests": None}
    assert_converged(deployment, declared)


# --- namespace -------------------------------------------------------------------------------


def test_a_refresh_without_drift_keeps_an_undeclared_namespace_out_of_the_inputs() -> None:
    deployment = stack()
    declared = program()
    deployment.apply(declared)
    deployment.refresh()

    assert "namespace" not in deployment.inputs
    assert deployment.outs["namespace"] == "emulator-user"
    assert deployment.pending_diff(declared).changes is False


def test_a_refresh_keeps_a_declared_namespace_in_the_inputs() -> None:
    deployment = stack()
    deployment.apply(program(namespace="emulator-user"))
    deployment.refresh()

    assert deployment.inputs["namespace"] == "emulator-user"


# --- numbers ---------------------------------------------------------------------------------


def test_whole_numbers_from_the_engine_read_as_integers_in_messages() -> None:
    """Pulumi carries every number as a double; a message must not say `5.0`."""
    deployment = stack()
    with pytest.raises(CheckRefused) as refused:
        deployment.apply(program(min_replica=0.0, scale_to_zero_timeout=5.0))
    assert refused.value.failures == [
        ("scale_to_zero_timeout", "scale_to_zero_timeout is 5; it must be between 15 and 2880 minutes.")
    ]


def test_whole_numbers_from_the_engine_read_as_integers_in_outputs() -> None:
    deployment = stack()
    declared = program(
        min_replica=0.0,
        max_replica=2.0,
        scale_to_zero_timeout=30.0,
        custom_image={"url": "ghcr.io/example/server:1", "port": 8080.0},
    )
    deployment.apply(declared)

    outs = deployment.outs
    assert [type(outs[key]) for key in ("min_replica", "max_replica", "scale_to_zero_timeout")] == [int] * 3
    assert outs["custom_image"] == {"url": "ghcr.io/example/server:1", "port": 8080}
    assert type(outs["custom_image"]["port"]) is int
    assert_converged(deployment, declared)


def test_min_replica_above_the_default_max_replica_is_refused_at_check() -> None:
    """max_replica defaults to 1: min_replica 2 alone would pass the preview and fail at `up`."""
    deployment = stack()
    with pytest.raises(CheckRefused) as refused:
        deployment.apply(program(min_replica=2, max_replica=None, scale_to_zero_timeout=None))
    assert refused.value.failures == [
        (
            "min_replica",
            "min_replica 2 is above max_replica 1 (the default); lower min_replica or raise max_replica.",
        )
    ]
    assert deployment.app.endpoint_ids() == []


def test_removing_a_declared_namespace_then_refreshing_keeps_it_out_of_the_inputs() -> None:
    """The removal changes nothing on the API (removal keeps the namespace), but the outputs
    must learn it is no longer declared, or the next refresh writes it back into the inputs."""
    deployment = stack()
    deployment.apply(program(namespace="emulator-user"))
    declared = program()
    step = deployment.apply(declared)

    assert step.op == "update" and step.writes == {}
    deployment.refresh()
    assert "namespace" not in deployment.inputs
    assert deployment.pending_diff(declared).changes is False


@pytest.mark.parametrize(
    ("removed", "declared"),
    [("task", {"task": "text-classification"}), ("scaling_metric", {"scaling_metric": "pendingRequests"})],
)
def test_removing_a_keep_input_then_refreshing_keeps_it_out_of_the_inputs(
    removed: str, declared: dict[str, Any]
) -> None:
    """Removal keeps the endpoint's value and sends nothing; a later refresh must not write the
    input back (the next plan would show it removed again)."""
    deployment = stack()
    deployment.apply(program(**declared))
    step = deployment.apply(program(**{removed: None}))

    assert step.op == "update" and step.writes == {}
    deployment.refresh()
    assert removed not in deployment.inputs
    assert deployment.pending_diff(program(**{removed: None})).changes is False


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"cache_http_responses": False}, {"cache_http_responses": None}),
        ({"type": "authenticated"}, {"type": None}),
        ({"cache_http_responses": None}, {"cache_http_responses": False}),
        ({"env": None}, {"env": {}}),
    ],
    ids=["default-removed", "default-type-removed", "default-written-out", "empty-env-written-out"],
)
def test_declaring_or_removing_a_default_is_recorded_without_a_request(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    """The endpoint holds the same either way; the state must record what the program declares, or
    a refresh puts back a removed input (or drops a declared one) and the next plan shows it."""
    deployment = stack()
    deployment.apply(program(**before))
    declared = program(**after)
    step = deployment.apply(declared)

    assert step.op == "update" and step.writes == {}
    deployment.refresh()
    ((key, value),) = after.items()
    assert deployment.inputs.get(key) == value
    assert deployment.pending_diff(declared).changes is False
