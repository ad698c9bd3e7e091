"""desired_state through the real provider server against the emulator: pause, resume, scale to zero.

Each scenario runs a program under the SDK's mocks, walks it through Pulumi's step logic
(`Deployment`: preview, up, refresh) against the SDK's own provider server, which talks to a real
emulator on loopback. What the provider did is read from the emulator's side: its request counters
(which of PUT, pause, resume and scale-to-zero went out) and each endpoint's state history. Every
transition must preview as an in-place update (`~ desired_state: "running" => "paused"`), never
a replacement; what autoscaling does (idling to zero, waking on a request) must never show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from endpoint_stack import POLL_INTERVAL

from pulumi_huggingface import InferenceEndpoint
from pulumi_huggingface_emulator import EmulatorServer
from support import Deployment, DeploymentError, ProviderServer, StepOp, run_program

pytestmark = pytest.mark.contract

TOKEN = "hf_contract_operational_state"
NAMESPACE = "emulator-user"
TYPE = "pulumi-python:dynamic/huggingface:InferenceEndpoint"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Short, so that a create is running a poll or two after the POST.
PROVISION_SECONDS = 0.3
STATE_CALLS = ("PUT", "pause", "resume", "scale-to-zero")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, provision_seconds=PROVISION_SECONDS) as server:
        yield server


@pytest.fixture(scope="module")
def server(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderServer]:
    with ProviderServer(tmp_path_factory.mktemp("program")) as started:
        started.configure(
            {
                "huggingface:token": TOKEN,
                "huggingface:apiUrl": emulator.base_url,
                "huggingface:hubUrl": emulator.hub_url,
                "huggingface:namespace": NAMESPACE,
                "huggingface:pollInterval": POLL_INTERVAL,
            },
            secret_keys=["huggingface:token"],
        )
        yield started


@pytest.fixture
def deployment(server: ProviderServer) -> Iterator[Deployment]:
    """A fresh stack; whatever it still holds is destroyed afterwards."""
    stack = Deployment(server)
    try:
        yield stack
    finally:
        stack.destroy()


def program(name: str, **inputs: Any) -> Callable[[], None]:
    def declare() -> None:
        InferenceEndpoint(
            name,
            name=name,
            repository="openai-community/gpt2",
            framework="pytorch",
            task="text-generation",
            accelerator="cpu",
            vendor="aws",
            region="us-east-1",
            instance_type="intel-icl",
            instance_size="x2",
            **inputs,
        )

    return declare


def goals(name: str, **inputs: Any) -> list[Any]:
    return run_program(program(name, **inputs))


def urn(name: str) -> str:
    return f"urn:pulumi:stack::project::{TYPE}::{name}"


def calls(emulator: EmulatorServer, name: str) -> dict[str, int]:
    """How many PUT, pause, resume and scale-to-zero requests endpoint `name` received."""
    by_route: dict[str, int] = emulator.app.request_counts()["byRoute"]
    base = "/v2/endpoint/{namespace}/{name}"
    routes = {
        "PUT": f"PUT {base}",
        "pause": f"POST {base}/pause",
        "resume": f"POST {base}/resume",
        "scale-to-zero": f"POST {base}/scale-to-zero",
    }
    # Counters are per route; each test's endpoint is the only one changing while it runs.
    assert emulator.app.inspect(NAMESPACE, name) is not None
    return {kind: by_route.get(route, 0) for kind, route in routes.items()}


def no_calls() -> dict[str, int]:
    return dict.fromkeys(STATE_CALLS, 0)


def declared_part(inputs: dict[str, Any] | None, declared: dict[str, Any]) -> dict[str, Any]:
    """The inputs refresh returned for the keys the program declared (read adds the namespace)."""
    assert inputs is not None
    return {key: inputs.get(key) for key in declared}


def live_state(emulator: EmulatorServer, name: str) -> str:
    view = emulator.app.inspect(NAMESPACE, name)
    assert view is not None
    return str(view["state"])


def previews_in_place(deployment: Deployment, name: str, old: str, new: str, **inputs: Any) -> None:
    plan = deployment.preview(goals(name, desired_state=new, **inputs))
    assert plan.ops() == {urn(name): StepOp.UPDATE}
    step = plan.step(urn(name))
    assert step.replaces == [] and not step.delete_before_replace
    rendered = plan.render()
    assert f'      ~ desired_state: "{old}" => "{new}"\n' in rendered
    assert "replace" not in rendered


def test_an_endpoint_created_paused_never_runs(emulator: EmulatorServer, deployment: Deployment) -> None:
    """Paused as soon as the POST is accepted: no provisioning, no wait for running, no GET poll."""
    emulator.app.reset_request_counts()
    deployment.up(goals("born-paused", desired_state="paused"))

    outputs = deployment.state[urn("born-paused")].outputs
    assert (outputs["state"], outputs["desired_state"]) == ("paused", "paused")
    view = emulator.app.inspect(NAMESPACE, "born-paused")
    assert view is not None
    assert [entry["state"] for entry in view["history"]] == ["pending", "paused"]
    by_route = emulator.app.request_counts()["byRoute"]
    assert by_route.get("POST /v2/endpoint/{namespace}/{name}/pause") == 1
    assert "GET /v2/endpoint/{namespace}/{name}" not in by_route


def test_running_to_paused_to_running(emulator: EmulatorServer, deployment: Deployment) -> None:
    name = "pause-resume"
    deployment.up(goals(name))
    assert live_state(emulator, name) == "running"
    emulator.app.reset_request_counts()

    previews_in_place(deployment, name, "running", "paused")
    deployment.up(goals(name, desired_state="paused"))
    assert live_state(emulator, name) == "paused"
    assert calls(emulator, name) == {**no_calls(), "pause": 1}

    emulator.app.reset_request_counts()
    previews_in_place(deployment, name, "paused", "running")
    deployment.up(goals(name, desired_state="running"))
    assert live_state(emulator, name) == "running"
    assert deployment.state[urn(name)].outputs["state"] == "running"
    assert calls(emulator, name) == {**no_calls(), "resume": 1}


def test_a_configuration_change_while_paused_keeps_it_paused(
    emulator: EmulatorServer, deployment: Deployment
) -> None:
    """A new scale_to_zero_timeout on a paused endpoint: one PUT, no resume, no wait for running."""
    name = "paused-config"
    deployment.up(goals(name, desired_state="paused", min_replica=0, scale_to_zero_timeout=15))
    emulator.app.reset_request_counts()

    plan = deployment.up(goals(name, desired_state="paused", min_replica=0, scale_to_zero_timeout=60))

    assert plan.ops() == {urn(name): StepOp.UPDATE}
    view = emulator.app.inspect(NAMESPACE, name)
    assert view is not None and view["state"] == "paused"
    assert view["config"]["compute"]["scaling"]["scaleToZeroTimeout"] == 60
    assert view["becameRunning"] == []
    assert calls(emulator, name) == {**no_calls(), "PUT": 1}


def test_pausing_with_a_configuration_change_puts_then_pauses_without_redeploying(
    emulator: EmulatorServer, deployment: Deployment
) -> None:
    """The PUT goes first (the API may refuse it), the pause right after: the update never runs."""
    name = "pause-and-change"
    deployment.up(goals(name))
    view = emulator.app.inspect(NAMESPACE, name)
    assert view is not None
    runs_before = len(view["becameRunning"])
    emulator.app.reset_request_counts()

    deployment.up(goals(name, desired_state="paused", max_replica=2))

    view = emulator.app.inspect(NAMESPACE, name)
    assert view is not None and view["state"] == "paused"
    assert view["config"]["compute"]["scaling"]["maxReplica"] == 2
    assert len(view["becameRunning"]) == runs_before
    assert [entry["state"] for entry in view["history"]][-2:] == ["updating", "paused"]
    assert calls(emulator, name) == {**no_calls(), "PUT": 1, "pause": 1}


def test_running_to_scaled_to_zero(emulator: EmulatorServer, deployment: Deployment) -> None:
    name = "to-zero"
    autoscaled = {"min_replica": 0, "scale_to_zero_timeout": 2880}
    deployment.up(goals(name, **autoscaled))
    emulator.app.reset_request_counts()

    previews_in_place(deployment, name, "running", "scaledToZero", **autoscaled)
    deployment.up(goals(name, desired_state="scaledToZero", **autoscaled))

    assert live_state(emulator, name) == "scaledToZero"
    assert deployment.state[urn(name)].outputs["desired_state"] == "scaledToZero"
    assert calls(emulator, name) == {**no_calls(), "scale-to-zero": 1}


def test_idling_to_zero_and_waking_on_a_request_are_no_drift(
    emulator: EmulatorServer, deployment: Deployment
) -> None:
    """Autoscaling is the service's business: refresh shows no input change, up sends nothing."""
    name = "idler"
    declared = {"min_replica": 0, "scale_to_zero_timeout": 15}
    deployment.up(goals(name, **declared))
    assert deployment.state[urn(name)].outputs["state"] == "running"
    stored_inputs = deployment.state[urn(name)].inputs
    emulator.app.reset_request_counts()
    try:
        # 15 idle minutes pass in 0.3 s of emulator time: the endpoint scales itself to zero.
        emulator.app.configure(minute_seconds=0.02)
        emulator.app.advance_clock(1.0)
        assert live_state(emulator, name) == "scaledToZero"

        refreshed = deployment.refresh()[urn(name)]
        assert refreshed.new_outputs["state"] == "scaledToZero"
        assert declared_part(refreshed.new_inputs, stored_inputs) == stored_inputs
        plan = deployment.up(goals(name, **declared))
        assert plan.ops() == {urn(name): StepOp.SAME}
        assert calls(emulator, name) == no_calls()

        # A request wakes it: initializing, then running. Still nothing to do.
        url = deployment.state[urn(name)].outputs["url"]
        woken = httpx.get(url + "/health", headers={"Authorization": f"Bearer {TOKEN}"})
        assert woken.status_code == 503
        assert live_state(emulator, name) == "initializing"
        refreshed = deployment.refresh()[urn(name)]
        assert refreshed.new_outputs["state"] == "initializing"
        assert declared_part(refreshed.new_inputs, stored_inputs) == stored_inputs
        assert deployment.up(goals(name, **declared)).ops() == {urn(name): StepOp.SAME}
        assert calls(emulator, name) == no_calls()
    finally:
        emulator.app.configure(minute_seconds=60.0)


def test_an_endpoint_paused_behind_our_back_shows_on_refresh_and_the_next_up_resumes_it(
    emulator: EmulatorServer, deployment: Deployment
) -> None:
    name = "paused-by-hand"
    deployment.up(goals(name))
    emulator.app.drift(NAMESPACE, name, state="paused")
    emulator.app.reset_request_counts()

    refreshed = deployment.refresh()[urn(name)]
    assert refreshed.new_inputs is not None and refreshed.new_inputs["desired_state"] == "paused"
    assert refreshed.new_outputs["state"] == "paused"
    previews_in_place(deployment, name, "paused", "running")

    deployment.up(goals(name))
    assert live_state(emulator, name) == "running"
    assert calls(emulator, name) == {**no_calls(), "resume": 1}
    stored_inputs = deployment.state[urn(name)].inputs
    assert declared_part(deployment.refresh()[urn(name)].new_inputs, stored_inputs) == stored_inputs


def test_scaled_to_zero_with_replicas_kept_fails_check_before_any_request(
    emulator: EmulatorServer, deployment: Deployment
) -> None:
    emulator.app.reset_request_counts()
    with pytest.raises(DeploymentError) as raised:
        deployment.up(goals("never-made", desired_state="scaledToZero", min_replica=1))
    message = str(raised.value)
    assert "desired_state: desired_state 'scaledToZero' needs min_replica 0, but min_replica is 1" in message
    assert emulator.app.request_counts()["total"] == 0


def test_the_paused_dev_example_creates_a_paused_endpoint_and_deletes_it(
    emulator: EmulatorServer, server: ProviderServer
) -> None:
    resources = run_program(
        EXAMPLES / "paused-dev", config={"huggingface-paused-dev:endpointState": "paused"}
    )
    deployment = Deployment(server)
    deployment.up(resources)
    [created] = deployment.state.values()
    namespace, name = created.id.split("/")
    assert created.outputs["desired_state"] == "paused"
    view = emulator.app.inspect(namespace, name)
    assert view is not None and view["state"] == "paused"
    assert view["becameRunning"] == [], "a stack created paused never runs the model"

    deployment.destroy()
    assert deployment.state == {}
    assert emulator.app.inspect(namespace, name) is None
